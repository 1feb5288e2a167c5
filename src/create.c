/* src/create.c - making and unmaking a pool: npool_create and npool_destroy.
 *
 * Creation validates the config and the environment overrides before any
 * side effect, then: the pool struct itself (bound to the first node),
 * one address-space reservation holding every arena, and per node the
 * metadata (states and free set, bound and faulted in), the arena (pages.c:
 * mapped, bound, populated), the kernel's page size for it, the placement
 * check with move_pages and the optional mlock.  Every failure after the
 * pool struct exists goes through one cleanup path, teardown(), which
 * unmaps what was made and reports what the kernel refused to unmap.
 * What the environment asks to be told about a pool (NUMAPOOL_VERBOSE,
 * NUMAPOOL_STATS) is report.c's, called once it is made and before it goes.
 *
 * Address space: arena k starts at va + (k << span_shift), span a power of
 * two of at least 1 GiB, so a pointer's arena is one shift (pool.h). */
#include "cache.h"
#include "error.h"
#include "fmt.h"
#include "os.h"
#include "pages.h"
#include "report.h"
#include "topo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GiB ((size_t)1 << 30)
#define DEFAULT_ALIGN 64            /* a cache line, an AVX-512 vector */
#define DEFAULT_THRESHOLD 20.0      /* percent fragmentation, as the seed's pool */
#define MAX_ARENA_BYTES ((size_t)1 << 46)   /* 64 TiB: more than any node holds */
#define CHECK_INTERVAL_MIN 1024     /* blocks returned between two fragmentation checks, at least */
#define DEPOT_MAGS_MAX 16           /* full magazines a node's depot holds at most */

static _Atomic uint64_t next_gen = 1;

static int is_pow2(size_t v) { return v && !(v & (v - 1)); }

static unsigned log2_exact(size_t v)
{
    unsigned s = 0;
    while (((size_t)1 << s) < v)
        s++;
    return s;
}

static size_t round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

static int validate(const npool_config_t *c, size_t base_page)
{
    if (!c)
        return npool__errorf(-EINVAL, "npool_create: cfg is NULL");
    if (!c->block_size)
        return npool__errorf(-EINVAL, "block_size is 0: a block must have at least one byte");
    if (!c->block_count)
        return npool__errorf(-EINVAL, "block_count is 0: a pool needs at least one block per node");
    if (c->block_count > UINT32_MAX)
        return npool__errorf(-EINVAL, "block_count %zu is over the %u blocks one node may hold", c->block_count,
                             UINT32_MAX);
    if (c->align && (!is_pow2(c->align) || c->align > base_page))
        return npool__errorf(-EINVAL, "align %zu is not a power of two up to the base page size %zu", c->align,
                             base_page);
    if ((unsigned)c->pages > NPOOL_PAGES_HUGETLB)
        return npool__errorf(-EINVAL, "pages %d is not an enum npool_pages value", (int)c->pages);
    if (c->pages == NPOOL_PAGES_HUGETLB && (!is_pow2(c->page_size) || c->page_size <= base_page))
        return npool__errorf(-EINVAL, "NPOOL_PAGES_HUGETLB needs page_size, a power of two above the base page size "
                             "%zu, not %zu", base_page, c->page_size);
    if (c->pages != NPOOL_PAGES_HUGETLB && c->page_size)
        return npool__errorf(-EINVAL, "page_size %zu is given with pages %s: it goes with NPOOL_PAGES_HUGETLB only",
                             c->page_size, npool_pages_name(c->pages));
    if (c->flags & ~NPOOL_FLAGS_ALL)
        return npool__errorf(-EINVAL, "flags %#x has unknown bits %#x", c->flags, c->flags & ~NPOOL_FLAGS_ALL);
    if (!(c->coalesce_threshold >= 0.0 && c->coalesce_threshold <= 100.0))
        return npool__errorf(-EINVAL, "coalesce_threshold %g is not a percentage in [0, 100]", c->coalesce_threshold);
    size_t align = c->align ? c->align : DEFAULT_ALIGN;
    if (c->block_size > SIZE_MAX - align)
        return npool__errorf(-EOVERFLOW, "block_size %zu overflows when rounded up to %zu", c->block_size, align);
    size_t stride = round_up(c->block_size, align);
    if (c->block_count > (SIZE_MAX / 4) / stride)
        return npool__errorf(-EOVERFLOW, "%zu blocks of %zu bytes overflow the address space", c->block_count,
                             stride);
    if (c->block_count * stride > MAX_ARENA_BYTES)
        return npool__errorf(-ENOMEM, "%zu blocks of %zu bytes (%zu GiB) per node is more than any node holds",
                             c->block_count, stride, (c->block_count * stride) >> 30);
    return 0;
}

/* The request after the environment (NUMAPOOL_NODES, NUMAPOOL_PAGES), which
 * overrides every pool's config for numactl-driven runs, and NUMAPOOL_VERBOSE
 * judged (report.c prints what it asks for); a hugetlb request of 1 GiB or
 * 2 MiB goes by its own name.  Read with secure_getenv: a setuid program ignores
 * them, as glibc ignores its own tunables there.  A variable that is set
 * must say something: empty or malformed is -EINVAL (NUMAPOOL_NODES is
 * judged with the node string, by topo_parse_nodes). */
static int resolve(const npool_config_t *cfg, size_t base_page, const char **nodes, enum npool_pages *pages,
                   size_t *page_size)
{
    static const char *const names[] = {"NUMAPOOL_NODES", "NUMAPOOL_PAGES", "NUMAPOOL_VERBOSE"};
    const char *env[3];
    char q[96];
    for (int k = 0; k < 3; k++)
        env[k] = secure_getenv(names[k]);
    *nodes = env[0] ? env[0] : cfg->nodes;
    *pages = cfg->pages;
    *page_size = cfg->page_size;
    for (int k = 0; k < 3; k++)
        if (env[k] && !*env[k])
            return npool__errorf(-EINVAL, "%s is set but empty: unset it, or give it a value", names[k]);
    if (env[2] && strcmp(env[2], "0") != 0 && strcmp(env[2], "1") != 0)
        return npool__errorf(-EINVAL, "NUMAPOOL_VERBOSE=%s is neither 0 nor 1", npool__quote(env[2], q, sizeof q));
    if (env[1]) {
        int rc = npool__pages_parse(env[1], base_page, pages, page_size);
        if (rc)
            return rc;
    }
    if (*pages == NPOOL_PAGES_HUGETLB && npool__pages_kind(*page_size) != NPOOL_PAGES_HUGETLB) {
        *pages = npool__pages_kind(*page_size);
        *page_size = 0;
    }
    return 0;
}

/* The pool's sizes, shifts and cache capacity, from the config. */
static void lay_out(npool_t *pool, const npool_config_t *cfg, int narenas)
{
    pool->gen = atomic_fetch_add(&next_gen, 1);
    atomic_init(&pool->key, pool->gen << 32);
    pool->flags = cfg->flags;
    pool->align = cfg->align ? cfg->align : DEFAULT_ALIGN;
    pool->block_size = cfg->block_size;
    pool->stride = round_up(cfg->block_size, pool->align);
    pool->stride_shift = (uint8_t)(is_pow2(pool->stride) ? log2_exact(pool->stride) : 0);
    pool->stride_mask = is_pow2(pool->stride) ? pool->stride - 1 : SIZE_MAX;
    pool->put_limit = is_pow2(pool->stride) ? cfg->block_count : 1;             /* see npool__put_index */
    pool->nblocks_node = cfg->block_count;
    pool->nblocks_total = cfg->block_count * (size_t)narenas;
    pool->arena_bytes = cfg->block_count * pool->stride;
    pool->coalesce_threshold = cfg->coalesce_threshold > 0 ? cfg->coalesce_threshold : DEFAULT_THRESHOLD;
    snprintf(pool->name, sizeof pool->name, "%s", cfg->name ? cfg->name : "npool");
    pool->narenas = narenas;
    /* a fragmentation check walks the set: O(blocks / 64 + runs), at most
     * O(blocks); one every blocks / 4 returns keeps it O(1) per put */
    pool->check_interval = cfg->block_count / 4 > CHECK_INTERVAL_MIN ? cfg->block_count / 4 : CHECK_INTERVAL_MIN;
    /* per-thread magazines: at most 1/16 of a node per thread (and in all,
     * cache.c), none for tiny pools; spares at most 1/8 of a node per thread */
    size_t cap = cfg->block_count / 16;
    if (cap > NPOOL_MAG_MAX)
        cap = NPOOL_MAG_MAX;
    pool->mag_cap = (cfg->flags & NPOOL_NO_CACHE) || cap < NPOOL_MAG_MIN ? 0 : (uint32_t)cap;
    pool->spare_max = pool->mag_cap ? (uint32_t)(cfg->block_count / 8 / pool->mag_cap) : 0;
    size_t span = round_up(pool->arena_bytes, GiB);
    pool->span_shift = (uint8_t)log2_exact(span);
    pool->va_bytes = (size_t)narenas << pool->span_shift;
    for (int k = 0; k < NPOOL_MAX_CPUS; k++)
        pool->cpu_table[k] = -1;
    for (int k = 0; k < NPOOL_NODE_SLOTS; k++)
        pool->node_arena[k] = -1;
}

/* Map `len` bytes of metadata bound to `node` and fault them in. */
static int map_meta(size_t len, int node, int prefer, void **out)
{
    int rc = os_map_anon(len, out);
    if (rc)
        return rc;
    if ((rc = bind_range(*out, len, node, prefer)) == 0 && (rc = os_populate(*out, len)) != 0)
        rc = npool__errorf(rc, "cannot fault in %zu bytes of pool metadata on node %d: %s", len, node, strerror(-rc));
    if (rc) {
        int urc = os_unmap(*out, len);
        if (urc)
            npool__error_append("; unmapping it again failed too: %s", strerror(-urc));
        *out = NULL;
    }
    return rc;
}

/* Arena k on node n: its place, its depot's bounds. */
static void init_arena(npool_t *pool, int k, int n)
{
    struct npool_arena *a = &pool->arena[k];
    pthread_mutex_init(&a->lock, NULL);
    a->node = n;
    a->pos = k;
    a->nblocks = pool->nblocks_node;
    a->first_index = (size_t)k * pool->nblocks_node;
    a->base = pool->va + ((size_t)k << pool->span_shift);
    a->buf_cap = pool->mag_cap;
    /* up to DEPOT_MAGS_MAX magazines, a quarter of the node at most (depot.c) */
    a->depot_max = pool->mag_cap ? pool->nblocks_node / 4 / pool->mag_cap : 0;
    if (a->depot_max > DEPOT_MAGS_MAX)
        a->depot_max = DEPOT_MAGS_MAX;
    pool->node_arena[n] = (int16_t)k;
}

/* Metadata, pages, placement check and lock of one arena. */
static int build_arena(npool_t *pool, struct npool_arena *a, enum npool_pages pages, size_t page_size,
                       const struct topo *t)
{
    int prefer = !!(pool->flags & NPOOL_PREFER_NODE), rc;
    a->meta_bytes = round_up(freeset_bytes(a->nblocks) + round_up(a->nblocks, 64), t->base_page_size);
    if ((rc = map_meta(a->meta_bytes, a->node, prefer, &a->meta)) != 0)
        return rc;
    /* states first, then the set: the set's words stay 8-byte aligned */
    a->state = (_Atomic uint8_t *)a->meta;
    freeset_init(&a->fs, a->nblocks, (char *)a->meta + round_up(a->nblocks, 64));
    pool->metadata_bytes += a->meta_bytes;
    if ((rc = npool__pages_map(pool, a, pages, page_size, t)) != 0)
        return rc;
    npool__arena_fresh(pool, a);        /* every block starts free (and fresh) */
    struct os_smaps sm;
    if ((rc = os_smaps(a->base, &sm)) != 0)
        return rc;
    a->page_size = sm.kernel_page_size;
    a->thp_bytes = sm.anon_huge_bytes;
    if ((rc = bind_verify(a->base, a->map_bytes, a->page_size, a->node, &a->pages_verified,
                          &a->bytes_misplaced)) != 0)
        return rc;
    if (a->bytes_misplaced && !prefer)
        return npool__errorf(-EXDEV, "pool '%s': %zu of %zu bytes of the arena bound to node %d landed on other "
                             "nodes (move_pages); the kernel ignored the binding", pool->name, a->bytes_misplaced,
                             a->map_bytes, a->node);
    if ((pool->flags & NPOOL_LOCK) && (rc = os_lock(a->base, a->map_bytes)) != 0)
        return rc;
    return 0;
}

/* Who serves whom: each CPU's node, or the nearest arena; and for
 * NPOOL_SPILL, each arena's others by distance. */
static void serve_tables(npool_t *pool, const struct topo *t, const topo_nodeset_t *set, int first_node)
{
    for (int cpu = 0; cpu < t->ncpus && cpu < NPOOL_MAX_CPUS; cpu++) {
        int n = t->cpu_node[cpu];
        int near = topo_nearest(t, n >= 0 ? n : first_node, set);
        pool->cpu_table[cpu] = (int16_t)(near >= 0 ? pool->node_arena[near] : 0);
    }
    for (int k = 0; k < pool->narenas; k++) {
        topo_nodeset_t rest = *set;
        rest.bits[pool->arena[k].node / 64] &= ~(1ull << (pool->arena[k].node % 64));
        for (int j = 0; j < pool->narenas - 1; j++) {
            int near = topo_nearest(t, pool->arena[k].node, &rest);
            pool->arena[k].near[j] = pool->node_arena[near];
            rest.bits[near / 64] &= ~(1ull << (near % 64));
        }
    }
}

/* The codes npool_create returns (numapool.h): a kernel's error outside
 * them (EFAULT from mbind, EMFILE from a file...) is reported as -EIO, its
 * own name kept in the sentence. */
static int documented(int rc)
{
    switch (-rc) {
    case 0: case EINVAL: case EOVERFLOW: case ENODEV: case ENOMEM: case EXDEV: case EPERM: case EAGAIN:
    case EOPNOTSUPP: case EIO:
        return rc;
    default: {
        const char *name = strerrorname_np(-rc);
        npool__error_append(" (%s, reported as EIO)", name ? name : "an unknown errno");
        return -EIO;
    }
    }
}

/* One unmap of teardown(); the first refused one is described in `what`. */
static void release(void *p, size_t len, const char *name, int *rc, char *what, size_t wlen)
{
    int r = os_unmap(p, len);
    if (r && !*rc) {
        *rc = r;
        snprintf(what, wlen, "unmapping %s (%zu bytes at %p) failed: %s; it stays mapped", name, len, p,
                 strerror(-r));
    }
}

/* The one cleanup path: everything a pool (whole or half built) holds goes
 * back, the pool's own mapping last.  Returns 0, or the first error of an
 * unmap the kernel refused (what it could not unmap stays mapped), which
 * `what` then describes. */
static int teardown(npool_t *pool, char *what, size_t wlen)
{
    int rc = 0;
    size_t self_bytes = pool->self_bytes;
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        if (a->map_bytes)
            NPOOL_UNPOISON(a->base, a->map_bytes);   /* the shadow outlives the mapping */
        npool__depot_free(a);
        char name[48];
        snprintf(name, sizeof name, "the metadata of node %d", a->node);
        if (a->meta)
            release(a->meta, a->meta_bytes, name, &rc, what, wlen);
        pthread_mutex_destroy(&a->lock);
    }
    if (pool->va)
        release(pool->va, pool->va_bytes, "the arenas' reservation", &rc, what, wlen);
    release(pool, self_bytes, "the pool's own mapping", &rc, what, wlen);   /* last: pool is this mapping */
    return rc;
}

static int create(const npool_config_t *cfg, npool_t **out)
{
    size_t base_page = os_base_page_size(), page_size;
    const char *nodes;
    enum npool_pages pages;
    const struct topo *t;
    topo_nodeset_t set;
    int rc;
    if (!out)
        return npool__errorf(-EINVAL, "npool_create: out is NULL");
    *out = NULL;
    if ((rc = validate(cfg, base_page)) != 0 ||
        (rc = resolve(cfg, base_page, &nodes, &pages, &page_size)) != 0 || (rc = topo_system(&t)) != 0)
        return rc;
    if ((rc = topo_parse_nodes(t, nodes, &set)) != 0) {
        if (nodes != cfg->nodes)
            npool__error_append(" (from NUMAPOOL_NODES)");
        return rc;
    }
    int narenas = topo_nodeset_count(&set), first_node = topo_nodeset_next(&set, -1);
    if (narenas > NPOOL_MAX_NODES)
        return npool__errorf(-EINVAL, "\"%s\" names %d nodes; a pool spans at most %d", nodes ? nodes : "local",
                             narenas, NPOOL_MAX_NODES);
    /* a node that could never hold its arena: say so before mapping anything */
    size_t stride = round_up(cfg->block_size, cfg->align ? cfg->align : DEFAULT_ALIGN);
    for (int n = first_node; n >= 0; n = topo_nodeset_next(&set, n)) {
        int pos = topo_node_pos(t, n);
        uint64_t total = pos >= 0 ? t->node[pos].mem_total : 0;
        if (total && cfg->block_count * stride > total)
            return npool__errorf(-ENOMEM, "pool '%s': %zu blocks of %zu B need %zu MiB on node %d, which has %llu "
                                 "MiB in all", cfg->name ? cfg->name : "npool", cfg->block_count, stride,
                                 (cfg->block_count * stride) >> 20, n, (unsigned long long)(total >> 20));
    }

    /* the pool itself, on its first node; from here on failures go through teardown() */
    size_t self_bytes = round_up(sizeof(npool_t) + (size_t)narenas * sizeof(struct npool_arena), base_page);
    void *self;
    if ((rc = map_meta(self_bytes, first_node, !!(cfg->flags & NPOOL_PREFER_NODE), &self)) != 0)
        return rc;
    npool_t *pool = self;
    pool->self_bytes = self_bytes;
    pool->metadata_bytes = self_bytes;
    lay_out(pool, cfg, narenas);
    pool->narenas = 0;      /* teardown sees only the arenas initialised so far */
    if ((rc = os_reserve(pool->va_bytes, GiB, (void **)&pool->va)) != 0) {
        pool->va = NULL;
        goto fail;
    }
    for (int n = first_node; n >= 0; n = topo_nodeset_next(&set, n))
        init_arena(pool, pool->narenas++, n);
    for (int k = 0; k < narenas; k++)
        if ((rc = build_arena(pool, &pool->arena[k], pages, page_size, t)) != 0)
            goto fail;
    serve_tables(pool, t, &set, first_node);
    pool->unchecked = !!(cfg->flags & NPOOL_UNCHECKED);
    pool->cpu_arena = narenas > 1 ? pool->cpu_table : NULL;
    /* users' inline path (numapool.h) serves cached pools that do not zero,
     * unless this library must see every get and put itself: built for it,
     * or running under valgrind (free blocks are inaccessible there) */
    pool->inline_ok = pool->mag_cap && !(cfg->flags & NPOOL_ZERO) && !NPOOL_SEES_EVERY_BLOCK && !NPOOL_ON_VALGRIND;
    pool->fast = narenas == 1 && pool->inline_ok;      /* the bulk fast paths */
    npool__report_created(pool);       /* NUMAPOOL_VERBOSE lines; NUMAPOOL_STATS remembers it */
    *out = pool;
    return 0;

fail: {
        char what[192];
        if (teardown(pool, what, sizeof what))
            npool__error_append("; releasing what was mapped failed too: %s", what);
        return rc;
    }
}

int npool_create(const npool_config_t *cfg, npool_t **out)
{
    return documented(create(cfg, out));
}

void npool_destroy(npool_t *pool)
{
    if (!pool)
        return;
    npool__report_destroy(pool);       /* NUMAPOOL_STATS: its line, while it is whole */
    npool__caches_detach(pool);
    /* an unmap refused here leaves that mapping: the sentence is all there is to tell */
    char name[sizeof pool->name], what[192];
    snprintf(name, sizeof name, "%s", pool->name);
    int rc = teardown(pool, what, sizeof what);
    if (rc)
        npool__errorf(rc, "npool_destroy of pool '%s': %s", name, what);
}
