/* tests/fuzz/fuzz_api.c - the public API driven by a byte string, against a
 * model.  Owns: "no bad call corrupts the pool, and no block is ever handed
 * to two owners", single-threaded, through numapool.h only.
 *
 * The input is read as: a pool configuration (sizes, alignment, pages, flags,
 * node string, threshold and name, hostile values included), then up to
 * MAX_OPS calls with their arguments: gets, puts of fuzzed pointers (held
 * blocks, free ones, interior offsets, other pools' blocks, stack and heap
 * addresses, raw numbers), bulk arrays with repeats, contiguous runs of
 * fuzzed length, put_index, coalesce, reset, stats, describe, and a destroy
 * followed by a new pool from the rest of the input.
 *
 * The model knows which blocks are held.  After every call: the call's
 * result is the one the contract gives (an error exactly when the model says
 * the call is bad; ENOMEM exactly when too few blocks are free), an error
 * changed nothing, no block is handed out while held, nothing was written
 * into a block while it was free or held by the harness (each held block
 * carries a fill byte checked at its next get and at its put; a free block
 * holds the library's pattern where NPOOL_DEBUG >= 2 puts one), npool_stats
 * agrees with the model, and npool_check() is 0.  While this thread's cache
 * is surely empty (after coalesce or reset) or with NPOOL_NO_CACHE, gets must
 * also go lowest address first and the stats' free-set figures must match
 * the model exactly.  A broken property aborts (FUZZ_CHECK). */
#include "fuzz.h"
#include "numapool.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#define MAX_OPS 400
#define MAX_COUNT 4096              /* blocks per node the model follows; larger pools shrink */
#define CAP_BYTES ((size_t)1 << 20) /* arena bytes per node, likewise */
#define FILL_MAX 512                /* bytes of each block the harness writes and checks */
#define BULK_MAX 40

/* What a free block holds: a new mapping's zeros, and what its last holder
 * left; with NPOOL_DEBUG >= 2 the library's patterns instead (src/pool.h):
 * 0xcd from the pool's creation or reset to the block's first get, 0xdd
 * from each put. */
#if NPOOL_DEBUG >= 2
#define FRESH_FILL 0xcd
#define FREED_FILL 0xdd
#else
#define FRESH_FILL 0
#endif

struct in {
    const uint8_t *d;
    size_t n, off;
};

static unsigned u8(struct in *in) { return in->off < in->n ? in->d[in->off++] : 0; }

static uint64_t un(struct in *in, int bytes)
{
    uint64_t v = 0;
    for (int k = 0; k < bytes; k++)
        v = v << 8 | u8(in);
    return v;
}

struct model {
    npool_t *pool;
    unsigned flags;
    size_t bs, stride, per_node, total;
    int nnodes;
    uintptr_t base[NPOOL_MAX_NODES];
    int node[NPOOL_MAX_NODES];
    uint8_t *held;          /* per block: 1 while the harness holds it */
    uint8_t *fill;          /* per block: the byte its first min(bs, FILL_MAX) bytes hold */
    size_t nheld;
    bool clean;             /* this thread's cache is surely empty */
    bool strict;            /* NPOOL_NO_CACHE: lowest address first, always */
    uint8_t next_fill;
};

/* Things that are not blocks of the pool under test. */
static npool_t *other_pool;
static void *other_block;
static char *heap_thing;
static char static_thing[64];
static uintptr_t stack_thing;   /* an address on LLVMFuzzerTestOneInput's frame */

static void expect_code(int rc, const char *what)
{
    FUZZ_CHECK(rc < 0, "%s: %d", what, rc);
    FUZZ_CHECK(strcmp(npool_strerror(rc), "unknown error code") != 0, "%s: code %d has no name", what, rc);
    FUZZ_CHECK(npool_last_error()[0] != '\0', "%s: %s without a sentence", what, npool_strerror(rc));
}

/* ------------------------------------------------------------------------ */
/* the configuration                                                        */

static const size_t hostile_sizes[16] = {0, 1, 15, 16, 17, 63, 64, 65, 4095, 4096, 4097, (size_t)1 << 20,
                                         SIZE_MAX, SIZE_MAX - 63, SIZE_MAX / 2, (size_t)1 << 40};
static const size_t hostile_counts[16] = {0, 1, 2, 7, 8, 9, 127, 128, 129, 255, 4096, UINT32_MAX,
                                          (size_t)UINT32_MAX + 1, SIZE_MAX, (size_t)1 << 20, (size_t)1 << 26};
static const size_t aligns[16] = {0, 0, 1, 2, 3, 8, 16, 24, 48, 64, 128, 256, 4096, 8192, (size_t)1 << 21,
                                  SIZE_MAX};

static int is_pow2(size_t v) { return v && !(v & (v - 1)); }

/* The documented refusals that come before any node is looked at or any
 * memory mapped: true when `c` must be refused whatever the machine. */
static bool surely_refused(const npool_config_t *c, size_t page)
{
    size_t align = c->align ? c->align : 64;
    if (!c->block_size || !c->block_count || c->block_count > UINT32_MAX)
        return true;
    if (c->align && (!is_pow2(c->align) || c->align > page))
        return true;
    if ((unsigned)c->pages > NPOOL_PAGES_BASE || (c->flags & ~0x7fu))
        return true;
    if (!(c->coalesce_threshold >= 0.0 && c->coalesce_threshold <= 100.0))
        return true;
    if (c->block_size > SIZE_MAX - align)
        return true;
    size_t stride = (c->block_size + align - 1) / align * align;
    return c->block_count > SIZE_MAX / stride || c->block_count * stride > ((size_t)1 << 46);
}

static void read_config(struct in *in, npool_config_t *c, char *nodes, char *name)
{
    static const double thresholds[8] = {0, 5, 20, 50, 100, -1, 101, NAN};
    unsigned b = u8(in);
    c->block_size = b & 0x80 ? hostile_sizes[b & 15] : 1 + (size_t)((b << 8 | u8(in)) % 600);
    b = u8(in);
    c->block_count = b & 0x80 ? hostile_counts[b & 15] : 1 + (size_t)((b << 8 | u8(in)) % 2048);
    c->align = aligns[u8(in) & 15];
    b = u8(in);
    c->pages = b < 240 ? NPOOL_PAGES_BASE : (enum npool_pages)(b - 235);   /* 5..20: not an enum value */
    b = u8(in);
    c->flags = b & 0x7f;
    if (b & 0x80)
        c->flags |= 1u << (7 + u8(in) % 25);
    b = u8(in);
    switch (b % 8) {
    case 0: c->nodes = NULL; break;
    case 1: c->nodes = ""; break;
    case 2: c->nodes = "local"; break;
    case 3: c->nodes = "all"; break;
    case 4: c->nodes = "0"; break;
    default: {
        size_t len = b / 8 % 16, k;
        for (k = 0; k < len; k++)
            nodes[k] = (char)u8(in);
        nodes[k] = '\0';
        c->nodes = nodes;
    }
    }
    b = u8(in);
    c->coalesce_threshold = b & 8 ? (double)(b >> 4) * 7.5 : thresholds[b & 7];
    b = u8(in);
    if (b == 0) {
        c->name = NULL;
    } else if (b == 1) {
        memset(name, 'n', 99);
        name[99] = '\0';
        c->name = name;
    } else {
        size_t len = b % 8, k;
        for (k = 0; k < len; k++)
            name[k] = (char)u8(in);
        name[k] = '\0';
        c->name = name;
    }
    /* keep every pool the model follows small; leave what must be refused alone */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (!surely_refused(c, page)) {
        size_t align = c->align ? c->align : 64;
        size_t stride = (c->block_size + align - 1) / align * align;
        if (c->block_count > MAX_COUNT)
            c->block_count = MAX_COUNT;
        if (c->block_count * stride > CAP_BYTES)
            c->block_count = CAP_BYTES / stride ? CAP_BYTES / stride : 1;
    }
}

static int note_arena(void *base, size_t len, int node, size_t page_size, void *arg)
{
    struct model *m = arg;
    FUZZ_CHECK(m->nnodes < NPOOL_MAX_NODES, "more arenas than NPOOL_MAX_NODES");
    FUZZ_CHECK(len >= m->per_node * m->stride && page_size > 0, "arena of %zu bytes", len);
    FUZZ_CHECK(m->nnodes == 0 || node > m->node[m->nnodes - 1], "arenas not in ascending node order");
    m->base[m->nnodes] = (uintptr_t)base;
    m->node[m->nnodes++] = node;
    return 0;
}

/* Create a pool from the input; false when the configuration was (rightly) refused. */
static bool open_pool(struct model *m, struct in *in)
{
    npool_config_t c;
    char nodes[17], name[100];
    memset(&c, 0, sizeof c);
    read_config(in, &c, nodes, name);
    npool_t *p = (npool_t *)(uintptr_t)1;
    int rc = npool_create(&c, &p);
    if (surely_refused(&c, (size_t)sysconf(_SC_PAGESIZE)))
        FUZZ_CHECK(rc != 0, "a configuration the contract refuses was accepted (size %zu, count %zu, align %zu, "
                   "pages %d, flags %#x, threshold %g)", c.block_size, c.block_count, c.align, (int)c.pages,
                   c.flags, c.coalesce_threshold);
    if (rc) {
        expect_code(rc, "npool_create");
        FUZZ_CHECK(p == NULL, "a failed create left *out = %p", (void *)p);
        return false;
    }
    npool_stats_t *st = calloc(1, sizeof *st);
    FUZZ_CHECK(st && npool_stats(p, st) == 0, "stats of a new pool");
    memset(m, 0, sizeof *m);
    m->pool = p;
    m->flags = c.flags;
    m->bs = c.block_size;
    m->stride = st->stride;
    m->per_node = c.block_count;
    m->total = st->blocks_total;
    FUZZ_CHECK(st->block_size == c.block_size && st->flags == c.flags, "stats do not echo the configuration");
    FUZZ_CHECK(m->stride >= m->bs && m->stride % (c.align ? c.align : 64) == 0, "stride %zu for size %zu align %zu",
               m->stride, m->bs, c.align);
    FUZZ_CHECK(m->total == c.block_count * st->nnodes && st->blocks_held == 0, "a new pool: %zu blocks, %zu held",
               m->total, st->blocks_held);
    FUZZ_CHECK(npool_foreach_arena(p, note_arena, m) == 0 && (size_t)m->nnodes == st->nnodes, "arenas");
    free(st);
    m->held = calloc(m->total, 1);
    m->fill = calloc(m->total, 1);
    FUZZ_CHECK(m->held && m->fill, "out of memory in the harness");
    memset(m->fill, FRESH_FILL, m->total);
    m->clean = true;
    m->strict = c.flags & NPOOL_NO_CACHE;
    return true;
}

static void close_pool(struct model *m)
{
    npool_destroy(m->pool);
    free(m->held);
    free(m->fill);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------------ */
/* the model                                                                */

static size_t locate(const struct model *m, uintptr_t p)
{
    for (int k = 0; k < m->nnodes; k++) {
        if (p >= m->base[k] && p - m->base[k] < m->per_node * m->stride && (p - m->base[k]) % m->stride == 0)
            return (size_t)k * m->per_node + (p - m->base[k]) / m->stride;
    }
    return SIZE_MAX;
}

static uintptr_t addr(const struct model *m, size_t i)
{
    return m->base[i / m->per_node] + (i % m->per_node) * m->stride;
}

static size_t fill_len(const struct model *m) { return m->bs < FILL_MAX ? m->bs : FILL_MAX; }


/* Under ASan the library poisons free blocks: the model peeks through. */
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

static void check_fill(const struct model *m, size_t i, uint8_t want, const char *when)
{
    const uint8_t *b = (const uint8_t *)addr(m, i);
#ifdef FUZZ_ASAN
    int poisoned = __asan_address_is_poisoned(b);
    if (poisoned)
        ASAN_UNPOISON_MEMORY_REGION(b, fill_len(m));
#endif
    for (size_t j = 0; j < fill_len(m); j++)
        FUZZ_CHECK(b[j] == want, "block %zu, byte %zu is %#x, not %#x, %s", i, j, b[j], want, when);
#ifdef FUZZ_ASAN
    if (poisoned)
        ASAN_POISON_MEMORY_REGION(b, fill_len(m));
#endif
}

/* The library handed out block i. */
static void got(struct model *m, size_t i)
{
    FUZZ_CHECK(i < m->total, "handed out index %zu of %zu", i, m->total);
    FUZZ_CHECK(!m->held[i], "block %zu handed out while held", i);
    check_fill(m, i, (m->flags & NPOOL_ZERO) ? 0 : m->fill[i],
               (m->flags & NPOOL_ZERO) ? "with NPOOL_ZERO" : "written while free");
    m->fill[i] = ++m->next_fill;
    memset((void *)addr(m, i), m->fill[i], fill_len(m));
    m->held[i] = 1;
    m->nheld++;
}

/* Held block i is about to be put: what the harness wrote is intact. */
static void putting(const struct model *m, size_t i)
{
    check_fill(m, i, m->fill[i], "written while held");
}

/* The library took held block i back. */
static void freed(struct model *m, size_t i)
{
    FUZZ_CHECK(m->held[i], "model: freeing a free block");
#ifdef FREED_FILL
    check_fill(m, i, FREED_FILL, "not filled with the pattern by its put");
    m->fill[i] = FREED_FILL;
#else
    check_fill(m, i, m->fill[i], "written while held");
#endif
    m->held[i] = 0;
    m->nheld--;
}

static size_t node_free(const struct model *m, int k)
{
    size_t n = 0;
    for (size_t i = (size_t)k * m->per_node; i < (size_t)(k + 1) * m->per_node; i++)
        n += !m->held[i];
    return n;
}

/* First run of n free blocks on node k (pool index), or SIZE_MAX; *largest gets the longest run. */
static size_t first_run(const struct model *m, int k, size_t n, size_t *largest)
{
    size_t run = 0, found = SIZE_MAX, best = 0;
    for (size_t i = (size_t)k * m->per_node; i < (size_t)(k + 1) * m->per_node; i++) {
        run = m->held[i] ? 0 : run + 1;
        if (run > best)
            best = run;
        if (n && run == n && found == SIZE_MAX)
            found = i + 1 - n;
    }
    if (largest)
        *largest = best;
    return found;
}

static size_t any_held(const struct model *m, struct in *in)
{
    if (!m->nheld)
        return SIZE_MAX;
    size_t i = (size_t)un(in, 2) % m->total;
    for (size_t k = 0; k < m->total; k++, i = (i + 1) % m->total)
        if (m->held[i])
            return i;
    return SIZE_MAX;
}

/* A pointer to hand to a put: held, free, interior, foreign, past the end, raw. */
static uintptr_t pick_ptr(const struct model *m, struct in *in)
{
    unsigned sel = u8(in);
    size_t i;
    switch (sel % 10) {
    case 0: case 1: case 2: case 3: case 4:
        if ((i = any_held(m, in)) != SIZE_MAX)
            return addr(m, i);
        /* fall through */
    case 5:
        return addr(m, (size_t)un(in, 2) % m->total);
    case 6:
        i = (size_t)un(in, 2) % m->total;
        return m->stride > 1 ? addr(m, i) + 1 + (uintptr_t)(un(in, 2) % (m->stride - 1)) : addr(m, i);
    case 7: {
        const uintptr_t foreign[] = {
            0, (uintptr_t)other_block, (uintptr_t)static_thing, (uintptr_t)heap_thing, stack_thing,
            m->base[0] - m->stride, m->base[0] - 1, (uintptr_t)-1, (uintptr_t)-(intptr_t)m->stride,
        };
        return foreign[(sel / 10) % (sizeof foreign / sizeof foreign[0])];
    }
    case 8:                 /* past the end of a node's blocks, still inside the reservation */
        return m->base[(sel / 10) % m->nnodes] + m->per_node * m->stride + (uintptr_t)(u8(in) % 4) * m->stride;
    default:
        return (uintptr_t)un(in, 8);
    }
}

/* Everything the pool says must agree with the model. */
static void verify(const struct model *m)
{
    int rc = npool_check(m->pool);
    FUZZ_CHECK(rc == 0, "npool_check: %s", npool_last_error());
    static npool_stats_t st;
    FUZZ_CHECK(npool_stats(m->pool, &st) == 0, "npool_stats refused");
    FUZZ_CHECK(st.blocks_total == m->total && st.blocks_held == m->nheld, "stats: %zu held of %zu, model %zu of %zu",
               st.blocks_held, st.blocks_total, m->nheld, m->total);
    FUZZ_CHECK(st.blocks_held + st.blocks_free_set + st.blocks_cached == st.blocks_total, "stats do not add up");
    double eff = 100.0 * (double)m->nheld / (double)m->total;
    FUZZ_CHECK(fabs(npool_efficiency(m->pool) - eff) < 1e-9 && fabs(st.efficiency - eff) < 1e-9,
               "efficiency %g, model %g", npool_efficiency(m->pool), eff);
    double worst = 0;
    for (int k = 0; k < m->nnodes; k++) {
        const npool_node_stats_t *r = &st.nodes[k];
        size_t nf = node_free(m, k), largest;
        first_run(m, k, 0, &largest);
        FUZZ_CHECK(r->node == m->node[k] && r->blocks_total == m->per_node, "node row %d", k);
        FUZZ_CHECK(r->blocks_held == m->per_node - nf, "node %d: %zu held, model %zu", r->node, r->blocks_held,
                   m->per_node - nf);
        FUZZ_CHECK(r->fragmentation >= 0 && r->fragmentation <= 100 && r->largest_free_run <= r->blocks_free_set,
                   "node %d: fragmentation %g, largest run %zu of %zu", r->node, r->fragmentation,
                   r->largest_free_run, r->blocks_free_set);
        if (r->fragmentation > worst)
            worst = r->fragmentation;
        if (!m->clean && !m->strict)
            continue;
        /* nothing cached: the free set is the model's free blocks */
        double frag = nf ? 100.0 * (1.0 - (double)largest / (double)nf) : 0.0;
        FUZZ_CHECK(r->blocks_cached == 0 && r->blocks_free_set == nf, "node %d: %zu cached, %zu in the set, model %zu",
                   r->node, r->blocks_cached, r->blocks_free_set, nf);
        FUZZ_CHECK(r->largest_free_run == largest && fabs(r->fragmentation - frag) < 1e-9,
                   "node %d: largest run %zu (model %zu), fragmentation %g (model %g)", r->node,
                   r->largest_free_run, largest, r->fragmentation, frag);
    }
    FUZZ_CHECK(st.fragmentation == worst && npool_fragmentation(m->pool) == worst, "pool fragmentation %g, worst %g",
               st.fragmentation, worst);
}

/* ------------------------------------------------------------------------ */
/* the calls                                                                */

static void do_get(struct model *m, struct in *in, bool on)
{
    int k = 0, node = m->node[0];
    if (on) {
        unsigned sel = u8(in);
        static const int bad[] = {-1, -1000, NPOOL_MAX_NODES, 1023, 1024, 4096, 1 << 30};
        if (sel & 1) {
            node = bad[(sel >> 1) % (sizeof bad / sizeof bad[0])];
            for (k = 0; k < m->nnodes && m->node[k] != node; k++)
                ;
        } else {
            k = (int)((sel >> 1) % (unsigned)m->nnodes);
            node = m->node[k];
        }
    }
    errno = 0;
    void *b = on ? npool_get_on(m->pool, node) : npool_get(m->pool);
    if (on && k == m->nnodes) {
        FUZZ_CHECK(!b && errno == EINVAL, "get_on(%d), a node without an arena: %p, errno %d", node, b, errno);
        return;
    }
    bool known = on || m->nnodes == 1;  /* which node serves a plain get is the CPU's business */
    if (!b) {
        FUZZ_CHECK(errno == ENOMEM, "a failed get set errno %d", errno);
        if (known && !(m->flags & NPOOL_SPILL && !on))
            FUZZ_CHECK(node_free(m, k) == 0, "get failed with %zu blocks free on node %d", node_free(m, k), node);
        return;
    }
    size_t i = locate(m, (uintptr_t)b);
    FUZZ_CHECK(i != SIZE_MAX, "get returned %p, not a block", b);
    if (known && (m->clean || m->strict) && node_free(m, k)) {
        size_t lowest = first_run(m, k, 1, NULL);
        FUZZ_CHECK(i == lowest, "get returned block %zu; the lowest free on node %d is %zu", i, node, lowest);
    }
    got(m, i);
    m->clean = m->strict;
}

static void do_put(struct model *m, struct in *in, bool by_index)
{
    size_t i;
    int rc;
    if (by_index) {
        unsigned sel = u8(in);
        size_t idx = sel % 4 == 0 ? m->total + u8(in) : sel % 4 == 1 ? SIZE_MAX - u8(in)
                   : sel % 4 == 2 && m->nheld ? any_held(m, in) : (size_t)un(in, 2) % m->total;
        i = idx < m->total ? idx : SIZE_MAX;
        if (i != SIZE_MAX && !m->held[i] && (m->flags & NPOOL_UNCHECKED))
            return;         /* an undetectable double put: the contract gives the pool up */
        if (i != SIZE_MAX && m->held[i])
            putting(m, i);
        rc = npool_put_index(m->pool, idx);
    } else {
        uintptr_t p = pick_ptr(m, in);
        i = locate(m, p);
        if (i != SIZE_MAX && !m->held[i] && (m->flags & NPOOL_UNCHECKED))
            return;
        if (i != SIZE_MAX && m->held[i])
            putting(m, i);
        rc = npool_put(m->pool, (void *)p);
        FUZZ_CHECK(npool_index(m->pool, (void *)p) == i, "npool_index(%#lx) is not %zu", (unsigned long)p, i);
    }
    if (i == SIZE_MAX) {
        FUZZ_CHECK(rc == -EINVAL, "put of a non-block: %s", npool_strerror(rc));
        expect_code(rc, "put");
    } else if (!m->held[i]) {
        FUZZ_CHECK(rc == -EALREADY, "put of free block %zu: %s", i, npool_strerror(rc));
        expect_code(rc, "double put");
    } else {
        FUZZ_CHECK(rc == 0, "put of held block %zu: %s (%s)", i, npool_strerror(rc), npool_last_error());
        freed(m, i);
        m->clean = m->strict;
    }
}

static void do_get_bulk(struct model *m, struct in *in)
{
    void *arr[BULK_MAX];
    unsigned sel = u8(in);
    size_t n = sel < 250 ? sel % BULK_MAX : sel == 250 ? SIZE_MAX : sel == 251 ? m->total + 1 : m->total;
    size_t room = n < BULK_MAX ? n : 0;
    for (size_t k = 0; k < BULK_MAX; k++)
        arr[k] = (void *)(uintptr_t)0x5a;
    if (!room && n) {       /* a count larger than the array: only a refusal is safe to ask for */
        size_t free_blocks = m->total - m->nheld;
        if (n <= free_blocks)
            return;
    }
    int rc = npool_get_bulk(m->pool, arr, n);
    if (n == 0) {
        FUZZ_CHECK(rc == -EINVAL, "get_bulk(0): %s", npool_strerror(rc));
        return;
    }
    if (rc) {
        FUZZ_CHECK(rc == -ENOMEM, "get_bulk(%zu): %s", n, npool_strerror(rc));
        for (size_t k = 0; k < BULK_MAX; k++)
            FUZZ_CHECK(arr[k] == (void *)(uintptr_t)0x5a, "a failed get_bulk wrote entry %zu", k);
        if (m->nnodes == 1)
            FUZZ_CHECK(node_free(m, 0) < n, "get_bulk(%zu) failed with %zu free", n, node_free(m, 0));
        return;
    }
    FUZZ_CHECK(n <= BULK_MAX, "get_bulk(%zu) succeeded past the free blocks", n);
    size_t idx[BULK_MAX];
    for (size_t k = 0; k < n; k++) {
        idx[k] = locate(m, (uintptr_t)arr[k]);
        FUZZ_CHECK(idx[k] != SIZE_MAX, "get_bulk entry %zu is %p", k, arr[k]);
        FUZZ_CHECK(!m->held[idx[k]], "get_bulk entry %zu: block %zu is held", k, idx[k]);
        for (size_t j = 0; j < k; j++)
            FUZZ_CHECK(idx[j] != idx[k], "get_bulk gave block %zu twice", idx[k]);
    }
    if (m->nnodes == 1 && (m->clean || m->strict)) {
        /* nothing cached: the n lowest free blocks, in any order */
        size_t seen = 0;
        for (size_t i = 0; i < m->total && seen < n; i++) {
            if (m->held[i])
                continue;
            bool in_arr = false;
            for (size_t k = 0; k < n; k++)
                in_arr |= idx[k] == i;
            FUZZ_CHECK(in_arr, "get_bulk(%zu) skipped free block %zu", n, i);
            seen++;
        }
    }
    for (size_t k = 0; k < n; k++)
        got(m, idx[k]);
    m->clean = m->strict;   /* a bulk get may fill this thread's cache in one batch */
}

static void do_put_bulk(struct model *m, struct in *in)
{
    uintptr_t arr[BULK_MAX / 4];
    size_t n = u8(in) % (BULK_MAX / 4 + 1), idx[BULK_MAX / 4];
    bool inval = false, already = false, dup = false;
    for (size_t k = 0; k < n; k++) {
        unsigned sel = u8(in);
        arr[k] = sel % 8 == 7 && k ? arr[u8(in) % k] : pick_ptr(m, in);
        idx[k] = locate(m, arr[k]);
        if (idx[k] == SIZE_MAX) {
            inval = true;
            continue;
        }
        already |= !m->held[idx[k]];
        for (size_t j = 0; j < k; j++)
            dup |= idx[j] == idx[k];
    }
    if ((m->flags & NPOOL_UNCHECKED) && !inval && (already || dup))
        return;             /* undetectable by contract */
    for (size_t k = 0; !inval && !already && !dup && k < n; k++)
        putting(m, idx[k]);
    int rc = npool_put_bulk(m->pool, (void *const *)arr, n);
    if (!inval && !already && !dup) {
        FUZZ_CHECK(rc == 0, "put_bulk of %zu held blocks: %s (%s)", n, npool_strerror(rc), npool_last_error());
        for (size_t k = 0; k < n; k++)
            freed(m, idx[k]);
        if (n)
            m->clean = m->strict;
        return;
    }
    FUZZ_CHECK(((inval || dup) && rc == -EINVAL) || (already && rc == -EALREADY),
               "put_bulk (bad pointer %d, free block %d, repeat %d): %s", inval, already, dup, npool_strerror(rc));
    expect_code(rc, "put_bulk");
}

static size_t pick_count(const struct model *m, struct in *in)
{
    unsigned sel = u8(in);
    const size_t hostile[] = {0, m->per_node, m->per_node + 1, SIZE_MAX, SIZE_MAX / 2, (size_t)1 << 32};
    return sel < 224 ? 1 + sel % 24 : hostile[sel % 6];
}

static void do_get_contig(struct model *m, struct in *in)
{
    size_t n = pick_count(m, in);
    errno = 0;
    void *b = npool_get_contig(m->pool, n);
    if (n == 0 || n > m->per_node) {
        FUZZ_CHECK(!b && errno == EINVAL, "get_contig(%zu) with %zu blocks a node: %p, errno %d", n, m->per_node, b,
                   errno);
        return;
    }
    size_t lowest = m->nnodes == 1 ? first_run(m, 0, n, NULL) : SIZE_MAX;
    if (!b) {
        FUZZ_CHECK(errno == ENOMEM, "a failed get_contig(%zu) set errno %d", n, errno);
        FUZZ_CHECK(m->nnodes > 1 || lowest == SIZE_MAX, "get_contig(%zu) failed; blocks %zu.. are free", n, lowest);
        return;
    }
    size_t i = locate(m, (uintptr_t)b);
    FUZZ_CHECK(i != SIZE_MAX && i % m->per_node + n <= m->per_node, "get_contig(%zu) returned %p", n, b);
    if (m->nnodes == 1 && (m->clean || m->strict))
        FUZZ_CHECK(i == lowest, "get_contig(%zu) returned %zu, first fit is %zu", n, i, lowest);
    for (size_t k = 0; k < n; k++)
        got(m, i + k);
}

static void do_put_contig(struct model *m, struct in *in)
{
    uintptr_t p = pick_ptr(m, in);
    size_t i = locate(m, p), n;
    if (u8(in) % 2 && i != SIZE_MAX) {          /* the held run that starts there */
        for (n = 0; i + n < m->total && (i + n) % m->per_node >= i % m->per_node && m->held[i + n]; n++)
            ;
    } else {
        n = pick_count(m, in);
    }
    bool bad_run = i == SIZE_MAX || n == 0 || n > m->per_node - i % m->per_node;
    bool already = false;
    for (size_t k = 0; !bad_run && k < n; k++)
        already |= !m->held[i + k];
    if (!bad_run && already && (m->flags & NPOOL_UNCHECKED))
        return;
    for (size_t k = 0; !bad_run && !already && k < n; k++)
        putting(m, i + k);
    int rc = npool_put_contig(m->pool, (void *)p, n);
    if (bad_run) {
        FUZZ_CHECK(rc == -EINVAL, "put_contig(%#lx, %zu): %s", (unsigned long)p, n, npool_strerror(rc));
        expect_code(rc, "put_contig");
    } else if (already) {
        FUZZ_CHECK(rc == -EALREADY, "put_contig(block %zu, %zu) over a free block: %s", i, n, npool_strerror(rc));
        expect_code(rc, "put_contig");
    } else {
        FUZZ_CHECK(rc == 0, "put_contig(block %zu, %zu) of held blocks: %s", i, n, npool_strerror(rc));
        for (size_t k = 0; k < n; k++)
            freed(m, i + k);
    }
}

static int stop_at(void *base, size_t len, int node, size_t page_size, void *arg)
{
    (void)base, (void)len, (void)node, (void)page_size;
    int *left = arg;
    return --*left == 0 ? 77 : 0;
}

static void do_look(struct model *m, struct in *in)
{
    unsigned sel = u8(in);
    switch (sel % 4) {
    case 0: {
        char buf[300];
        size_t len = u8(in) % sizeof buf;
        int whole = npool_describe(m->pool, NULL, 0);
        FUZZ_CHECK(whole > 0, "describe(NULL, 0): %d", whole);
        memset(buf, 'x', sizeof buf);
        int r = npool_describe(m->pool, len ? buf : NULL, len);
        FUZZ_CHECK(r == whole, "describe into %zu bytes: %d, not %d", len, r, whole);
        if (len)
            FUZZ_CHECK(strlen(buf) == ((size_t)r < len ? (size_t)r : len - 1), "describe: not cut at %zu", len);
        FUZZ_CHECK(npool_describe(m->pool, NULL, 1 + len) == -EINVAL, "describe(NULL, %zu) accepted", 1 + len);
        break;
    }
    case 1: {
        size_t idx = sel & 4 ? (size_t)un(in, 2) : (size_t)un(in, 8);
        errno = 0;
        void *b = npool_block(m->pool, idx);
        if (idx >= m->total)
            FUZZ_CHECK(!b && errno == EINVAL, "npool_block(%zu) of %zu: %p", idx, m->total, b);
        else
            FUZZ_CHECK((uintptr_t)b == addr(m, idx) && npool_index(m->pool, b) == idx, "npool_block(%zu)", idx);
        uintptr_t p = pick_ptr(m, in);
        FUZZ_CHECK(npool_index(m->pool, (void *)p) == locate(m, p), "npool_index(%#lx)", (unsigned long)p);
        break;
    }
    case 2: {
        int left = 1 + (int)(u8(in) % 3);
        int want = left <= m->nnodes ? 77 : 0;
        FUZZ_CHECK(npool_foreach_arena(m->pool, stop_at, &left) == want, "foreach_arena did not stop");
        FUZZ_CHECK(npool_foreach_arena(m->pool, NULL, NULL) == -EINVAL, "foreach_arena(NULL fn)");
        break;
    }
    default:                /* NULL everywhere: refused, nothing else happens */
        errno = 0;
        FUZZ_CHECK(!npool_get(NULL) && errno == EINVAL, "get(NULL)");
        FUZZ_CHECK(npool_put(NULL, (void *)addr(m, 0)) == -EINVAL, "put(NULL pool)");
        FUZZ_CHECK(npool_put_bulk(m->pool, NULL, 1) == -EINVAL, "put_bulk(NULL, 1)");
        FUZZ_CHECK(npool_get_bulk(m->pool, NULL, 1) == -EINVAL, "get_bulk(NULL, 1)");
        FUZZ_CHECK(npool_stats(m->pool, NULL) == -EINVAL && npool_stats(NULL, NULL) == -EINVAL, "stats(NULL)");
        FUZZ_CHECK(npool_coalesce(NULL) == -EINVAL && npool_reset(NULL) == -EINVAL && npool_check(NULL) == -EINVAL,
                   "coalesce/reset/check(NULL)");
        FUZZ_CHECK(npool_index(NULL, (void *)addr(m, 0)) == SIZE_MAX && npool_efficiency(NULL) == 0.0 &&
                   npool_fragmentation(NULL) == 0.0, "index/efficiency/fragmentation(NULL)");
        break;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* hugepage-free pools, on the nodes the input names, whatever the environment says */
    unsetenv("NUMAPOOL_PAGES");
    unsetenv("NUMAPOOL_NODES");
    unsetenv("NUMAPOOL_VERBOSE");
    npool_config_t c = {.block_size = 64, .block_count = 16, .pages = NPOOL_PAGES_BASE, .name = "other"};
    FUZZ_CHECK(npool_create(&c, &other_pool) == 0, "the other pool: %s", npool_last_error());
    other_block = npool_get(other_pool);
    heap_thing = malloc(256);
    FUZZ_CHECK(other_block && heap_thing, "setup");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct in in = {data, size, 0};
    struct model m;
    stack_thing = (uintptr_t)&in;
    memset(&m, 0, sizeof m);
    if (!other_pool)
        LLVMFuzzerInitialize(NULL, NULL);
    if (!open_pool(&m, &in))
        return 0;
    verify(&m);
    for (int ops = 0; ops < MAX_OPS && in.off < in.n; ops++) {
        unsigned op = u8(&in);
        switch (op % 20) {
        case 0: case 1: do_get(&m, &in, false); break;
        case 2: do_get(&m, &in, true); break;
        case 3: case 4: do_put(&m, &in, false); break;
        case 5: do_put(&m, &in, true); break;
        case 6: case 7: do_get_bulk(&m, &in); break;
        case 8: case 9: do_put_bulk(&m, &in); break;
        case 10: case 11: do_get_contig(&m, &in); break;
        case 12: do_put_contig(&m, &in); break;
        case 13:
            FUZZ_CHECK(npool_coalesce(m.pool) == 0, "coalesce refused");
            m.clean = true;
            break;
        case 14:
            if (op & 0x80) {    /* rarely: every block free again */
                FUZZ_CHECK(npool_reset(m.pool) == 0, "reset refused");
                memset(m.held, 0, m.total);
#ifdef FREED_FILL
                memset(m.fill, FRESH_FILL, m.total);    /* every block fresh again */
#endif
                m.nheld = 0;
                m.clean = true;
            }
            break;
        case 15: case 16: do_look(&m, &in); break;
        case 17:                /* a fresh pool from the rest of the input */
            if (op & 0x80) {
                close_pool(&m);
                if (!open_pool(&m, &in))
                    return 0;
            }
            break;
        default: {              /* return a run of held blocks, to keep the pool moving */
            size_t i = any_held(&m, &in);
            if (i != SIZE_MAX) {
                FUZZ_CHECK(npool_put(m.pool, (void *)addr(&m, i)) == 0, "put of held block %zu: %s", i,
                           npool_last_error());
                freed(&m, i);
                m.clean = m.strict;
            }
            break;
        }
        }
        verify(&m);
    }
    close_pool(&m);
    return 0;
}
