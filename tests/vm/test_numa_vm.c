/* tests/vm/test_numa_vm.c - numapool on a real multi-node kernel: the checks
 * that run inside the QEMU NUMA guest of tests/vm/run-in-numa-vm (driven by
 * tests/vm/vm-suite.sh, registered by tests/vm.cmake, label numa-vm).
 *
 * Owns: placement of every arena on its node, proven here with move_pages
 * and the per-node free hugepage counts, independently of the library's own
 * check; index layout across nodes; caller's-node gets from pinned threads;
 * npool_get_on; NPOOL_SPILL in distance order; blocks put from another node;
 * "local" under numactl policies; node strings resolved on a real machine
 * (+, !, cpubind, kinds, in a cpuset); the NUMAPOOL_* environment; hugepage
 * shortage on one node (strict, fallback, NPOOL_PREFER_NODE, AUTO).
 *
 * Uses only numapool.h and libnuma (numaif.h for move_pages, numa.h for
 * distances and node CPUs), as a user would.  One mode per run:
 *   main                      everything that needs no special environment
 *   policy NODES              run under numactl --membind/--preferred=NODES
 *   env NODES BACKING         run with NUMAPOOL_NODES / NUMAPOOL_PAGES set
 *   env-fail RC TEXT          same, the create must fail with RC naming TEXT
 *   nodes STRING NODES        a pool with npool_config_t::nodes = STRING has its
 *                             arenas on exactly NODES (numactl's + and !,
 *                             cpubind under taskset / numactl --cpunodebind,
 *                             memory kinds, inside a cpuset)
 *   nodes-fail STRING RC TEXT the create fails with RC, the sentence naming TEXT
 *   verbose 0|1               run with NUMAPOOL_VERBOSE set (or not): stderr report
 *   shortage                  changes node 1's nr_hugepages (restored at exit)
 *   ratio                     a get+put pair on a pool of every node against a
 *                             one-node pool, both in this process (reported)
 * Prints "ok"/"FAIL" lines and ends with "N passed, N failed"; exit 1 on
 * any failure, 2 on a usage error. */
#include "numapool.h"

#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXN 64
#define HP2M ((size_t)2 << 20)

/* ------------------------------------------------------------------------ */
/* reporting                                                                */

static int npass, nfail;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *section = "";

__attribute__((format(printf, 3, 4))) static int check_(int ok, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&report_lock);
    if (ok) {
        npass++;
        printf("ok - %s: %s\n", section, msg);
    } else {
        nfail++;
        printf("FAIL - %s: %s (line %d; last error: %s)\n", section, msg, line, npool_last_error());
    }
    fflush(stdout);
    pthread_mutex_unlock(&report_lock);
    return ok;
}
#define CHECK(cond, ...) check_(!!(cond), __LINE__, __VA_ARGS__)

/* ------------------------------------------------------------------------ */
/* the machine, read through libnuma and sysfs (not through numapool)      */

static int nodes[MAXN], nnodes;   /* nodes with memory, ascending */
static size_t base_page;

static void read_nodes(void)
{
    nnodes = 0;
    for (int n = 0; n <= numa_max_node() && nnodes < MAXN; n++) {
        long long fr = 0;
        if (numa_bitmask_isbitset(numa_all_nodes_ptr, (unsigned)n) && numa_node_size64(n, &fr) > 0)
            nodes[nnodes++] = n;
    }
}

static long sysfs_long(const char *fmt, int node)
{
    char path[160];
    snprintf(path, sizeof path, fmt, node);
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

#define HP_DIR "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/"
static long hp_free(int node) { return sysfs_long(HP_DIR "free_hugepages", node); }
static long hp_total(int node) { return sysfs_long(HP_DIR "nr_hugepages", node); }

static int hp_set_total(int node, long n)
{
    char path[160];
    snprintf(path, sizeof path, HP_DIR "nr_hugepages", node);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "%ld\n", n);
    if (fclose(f) != 0)
        return -1;
    return hp_total(node) == n ? 0 : -1;
}

static void hp_snapshot(long *out)
{
    for (int i = 0; i < nnodes; i++)
        out[i] = hp_free(nodes[i]);
}

/* Node of the page holding `p` (move_pages query), or a negative status. */
static int page_node(const void *p)
{
    void *pages[1] = {(void *)((uintptr_t)p & ~(uintptr_t)(base_page - 1))};
    int status[1] = {-1};
    if (move_pages(0, 1, pages, NULL, status, 0) != 0)
        return -errno;
    return status[0];
}

/* Pages of [base, base+len), `psize` apart, NOT on `node` (move_pages). */
static size_t misplaced_pages(void *base, size_t len, size_t psize, int node, int *seen)
{
    enum { BATCH = 256 };
    void *pages[BATCH];
    int status[BATCH];
    size_t bad = 0, n = (len + psize - 1) / psize;
    *seen = node;
    for (size_t i = 0; i < n; i += BATCH) {
        size_t k = n - i < BATCH ? n - i : BATCH;
        for (size_t j = 0; j < k; j++)
            pages[j] = (char *)base + (i + j) * psize;
        if (move_pages(0, (unsigned long)k, pages, NULL, status, 0) != 0)
            return n;
        for (size_t j = 0; j < k; j++)
            if (status[j] != node) {
                bad++;
                *seen = status[j];
            }
    }
    return bad;
}

/* The nearest of `set` to `from` by numa_distance, ties to the lowest. */
static int nearest(int from, const int *set, int n)
{
    int best = -1, bd = 0;
    for (int i = 0; i < n; i++) {
        int d = set[i] == from ? 0 : numa_distance(from, set[i]);
        if (best < 0 || d < bd || (d == bd && set[i] < best))
            best = set[i], bd = d;
    }
    return best;
}

/* Pin the calling thread to the CPUs of `node`; 0 or -1. */
static int pin_to_node(int node)
{
    struct bitmask *cpus = numa_allocate_cpumask();
    cpu_set_t set;
    CPU_ZERO(&set);
    int any = 0;
    if (numa_node_to_cpus(node, cpus) == 0)
        for (unsigned c = 0; c < cpus->size && c < CPU_SETSIZE; c++)
            if (numa_bitmask_isbitset(cpus, c)) {
                CPU_SET(c, &set);
                any = 1;
            }
    numa_free_cpumask(cpus);
    if (!any || sched_setaffinity(0, sizeof set, &set) != 0)
        return -1;
    sched_yield();
    int cpu = sched_getcpu();
    return cpu >= 0 && numa_node_of_cpu(cpu) == node ? 0 : -1;
}

static int parse_list(const char *s, int *out)
{
    int n = 0;
    while (*s && n < MAXN) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s)
            return -1;
        out[n++] = (int)v;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

static const char *list_str(const int *v, int n, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < n && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? "," : "", v[i]);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* a pool, verified                                                         */

static npool_t *make(const char *name, const char *node_str, size_t bsize, size_t count, enum npool_pages pages,
                     unsigned flags, int *rc)
{
    npool_config_t c = {.block_size = bsize, .block_count = count, .nodes = node_str, .pages = pages,
                        .flags = flags, .name = name};
    npool_t *p = NULL;
    *rc = npool_create(&c, &p);
    return p;
}

struct arena_rec { void *base; size_t len; int node; size_t psize; };
struct arenas { int n; struct arena_rec a[MAXN]; };

static int collect(void *base, size_t len, int node, size_t psize, void *arg)
{
    struct arenas *as = arg;
    if (as->n < MAXN)
        as->a[as->n++] = (struct arena_rec){base, len, node, psize};
    return 0;
}

static size_t psize_of(enum npool_pages b)
{
    return b == NPOOL_PAGES_2M ? HP2M : b == NPOOL_PAGES_1G ? (size_t)1 << 30 : base_page;
}

/* Everything that can be checked about where a pool's arenas are:
 * the stats rows, foreach_arena, move_pages on every page, index layout. */
static void verify_pool(npool_t *p, const int *want, int nwant, enum npool_pages backing, size_t count)
{
    char wl[256], gl[256];
    npool_stats_t *st = calloc(1, sizeof *st);
    struct arenas as = {0};
    if (!CHECK(p && st && npool_stats(p, st) == 0, "stats of the pool")) {
        free(st);
        return;
    }
    int got[MAXN];
    for (size_t k = 0; k < st->nnodes && k < MAXN; k++)
        got[k] = st->nodes[k].node;
    CHECK(st->nnodes == (size_t)nwant && !strcmp(list_str(got, (int)st->nnodes, gl, sizeof gl),
                                               list_str(want, nwant, wl, sizeof wl)),
          "one arena per node, ascending: stats rows %s, expected %s", gl, wl);
    int walk = npool_foreach_arena(p, collect, &as);
    CHECK(walk == 0 && as.n == nwant, "foreach_arena walks %d arenas", as.n);
    for (int k = 0; k < as.n && k < nwant; k++) {
        const npool_node_stats_t *r = &st->nodes[k];
        struct arena_rec *a = &as.a[k];
        int seen;
        CHECK(a->node == want[k], "arena %d is on node %d (expected %d)", k, a->node, want[k]);
        CHECK(r->backing == backing && r->page_size == psize_of(backing) && a->psize == r->page_size,
              "node %d: backing %s, page size %zu (expected %s, %zu)", a->node, npool_pages_name(r->backing),
              r->page_size, npool_pages_name(backing), psize_of(backing));
        size_t bad = misplaced_pages(a->base, a->len, a->psize, want[k], &seen);
        CHECK(bad == 0, "node %d: move_pages finds all %zu pages of the arena (%zu bytes) on node %d (%zu elsewhere, "
              "e.g. %d)", want[k], a->len / a->psize, a->len, want[k], bad, seen);
        CHECK(r->bytes_misplaced == 0 && r->pages_verified == a->len / a->psize && r->bytes_mapped == a->len,
              "node %d: stats say %zu pages verified, %zu bytes misplaced, %zu mapped", want[k],
              r->pages_verified, r->bytes_misplaced, r->bytes_mapped);
        CHECK(r->blocks_total == count, "node %d: %zu blocks", want[k], r->blocks_total);
        /* index space: arena k holds [k*count, (k+1)*count), address order inside */
        void *first = npool_block(p, (size_t)k * count), *last = npool_block(p, (size_t)k * count + count - 1);
        CHECK(first == a->base && npool_index(p, a->base) == (size_t)k * count && last > first &&
                  (char *)last < (char *)a->base + a->len,
              "node %d: blocks %zu..%zu lie in its arena, lowest first", want[k], (size_t)k * count,
              (size_t)k * count + count - 1);
        CHECK(page_node(last) == want[k], "node %d: its last block's page is on node %d", want[k], page_node(last));
    }
    CHECK(npool_block(p, (size_t)nwant * count) == NULL, "no block past index %zu", (size_t)nwant * count - 1);
    CHECK(npool_check(p) == 0, "npool_check");
    free(st);
}

/* Free 2M hugepages per node went down by the arenas' pages, on their nodes only. */
static void check_hp_delta(const long *before, const int *on, int non, long pages_each, const char *what)
{
    for (int i = 0; i < nnodes; i++) {
        long expect = before[i];
        for (int j = 0; j < non; j++)
            if (on[j] == nodes[i])
                expect -= pages_each;
        long now = hp_free(nodes[i]);
        CHECK(now == expect, "%s: node %d has %ld free 2M hugepages (expected %ld)", what, nodes[i], now, expect);
    }
}

/* Take every block of `node` (get_on), write each, check its page's node,
 * put them back.  Returns how many were taken. */
static size_t drain_touch(npool_t *p, int node, size_t count)
{
    void **b = calloc(count + 1, sizeof *b);
    size_t n = 0, wrong = 0;
    if (!b)
        return 0;
    while (n <= count && (b[n] = npool_get_on(p, node)) != NULL)
        n++;
    int err = errno;
    for (size_t i = 0; i < n; i++) {
        memset(b[i], 0x5a, 64);
        if (i % 16 == 0 && page_node(b[i]) != node)
            wrong++;
    }
    CHECK(n == count && err == ENOMEM, "node %d: get_on hands out all %zu blocks, then ENOMEM (got %zu, errno %d)",
          node, count, n, err);
    CHECK(wrong == 0, "node %d: every block written lies on node %d (%zu not)", node, node, wrong);
    CHECK(npool_put_bulk(p, b, n) == 0, "node %d: the %zu blocks go back", node, n);
    free(b);
    return n;
}

/* ------------------------------------------------------------------------ */
/* mode main                                                                */

static void t_sanity(void)
{
    section = "sanity";
    const char *want = getenv("NUMA_VM_NODES");
    CHECK(nnodes >= 2, "%d NUMA nodes with memory (need 2 or more)", nnodes);
    if (want)
        CHECK(atoi(want) == nnodes, "the guest has the %s nodes asked for (libnuma sees %d)", want, nnodes);
    for (int i = 0; i < nnodes; i++)
        CHECK(hp_free(nodes[i]) >= 8, "node %d has %ld free 2M hugepages (8 or more needed)", nodes[i],
              hp_free(nodes[i]));
    base_page = (size_t)sysconf(_SC_PAGESIZE);
}

static void t_all(void)
{
    section = "all";
    long before[MAXN];
    int rc;
    hp_snapshot(before);
    /* 4096 blocks of 1000 B: stride 1024, 4 MiB = two 2M pages per node */
    npool_t *p = make("vm-all", "all", 1000, 4096, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
    if (!CHECK(rc == 0, "create nodes \"all\", 2M strict: %s", npool_strerror(rc)))
        return;
    verify_pool(p, nodes, nnodes, NPOOL_PAGES_2M, 4096);
    check_hp_delta(before, nodes, nnodes, 2, "\"all\"");
    npool_destroy(p);
    check_hp_delta(before, nodes, 0, 0, "after destroy");
}

/* Node strings out of order, and pools that avoid node 0. */
static void t_orders(void)
{
    section = "node strings";
    const char *strs[4];
    int ns = 0;
    char rev[128];
    size_t o = 0;
    rev[0] = 0;
    for (int i = nnodes - 1; i >= 0 && o < sizeof rev; i--)
        o += (size_t)snprintf(rev + o, sizeof rev - o, "%s%d", i == nnodes - 1 ? "" : ",", nodes[i]);
    strs[ns++] = rev;                  /* "1,0" or "3,2,1,0" */
    strs[ns++] = "1";
    if (nnodes >= 4) {
        strs[ns++] = "3,1";
        strs[ns++] = "2-3,0";
    }
    for (int s = 0; s < ns; s++) {
        int want[MAXN], nw, rc;
        if (!strcmp(strs[s], "2-3,0"))
            want[0] = 0, want[1] = 2, want[2] = 3, nw = 3;
        else {
            nw = parse_list(strs[s], want);
            for (int i = 0; i < nw; i++)          /* ascending */
                for (int j = i + 1; j < nw; j++)
                    if (want[j] < want[i]) {
                        int t = want[i];
                        want[i] = want[j];
                        want[j] = t;
                    }
        }
        long before[MAXN];
        hp_snapshot(before);
        npool_t *p = make("vm-order", strs[s], 2048, 1024, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
        if (!CHECK(rc == 0, "create nodes \"%s\": %s", strs[s], npool_strerror(rc)))
            continue;
        printf("# nodes \"%s\"\n", strs[s]);
        verify_pool(p, want, nw, NPOOL_PAGES_2M, 1024);
        check_hp_delta(before, want, nw, 1, strs[s]);
        /* get_on a node of the pool: its lowest index first, on that node */
        for (int k = 0; k < nw; k++) {
            void *b = npool_get_on(p, want[k]);
            CHECK(b && npool_index(p, b) == (size_t)k * 1024 && page_node(b) == want[k],
                  "\"%s\": get_on(%d) gives index %zu (expected %zu) on node %d", strs[s], want[k],
                  npool_index(p, b), (size_t)k * 1024, b ? page_node(b) : -1);
            CHECK(npool_put(p, b) == 0, "put it back");
        }
        /* get_on a node outside the pool: EINVAL */
        for (int i = 0; i < nnodes; i++) {
            int in = 0;
            for (int k = 0; k < nw; k++)
                in |= want[k] == nodes[i];
            if (in)
                continue;
            errno = 0;
            void *b = npool_get_on(p, nodes[i]);
            CHECK(!b && errno == EINVAL, "\"%s\": get_on(%d) is EINVAL (a node the pool lacks)", strs[s], nodes[i]);
        }
        errno = 0;
        CHECK(!npool_get_on(p, 99) && errno == EINVAL, "\"%s\": get_on(99) is EINVAL", strs[s]);
        npool_destroy(p);
    }
}

/* Threads pinned to each node's CPUs. */
struct pinned {
    npool_t *pool;
    int node;                /* pin here */
    int expect;              /* node the gets must come from */
    size_t count;            /* per node */
    int first_pos;           /* position of `expect` in the pool */
    int pinned_ok, ok_node, ok_index, got;
    void *put_block;         /* cross-node put: put this block, then get */
    int put_rc;
    void *after_put;         /* what npool_get gave after that put */
};

#define GETS 48
static void *pinned_gets(void *arg)
{
    struct pinned *t = arg;
    void *b[GETS];
    t->pinned_ok = pin_to_node(t->node) == 0;
    t->ok_node = t->ok_index = 1;
    for (int i = 0; i < GETS; i++) {
        b[i] = npool_get(t->pool);
        if (!b[i])
            break;
        t->got++;
        size_t ix = npool_index(t->pool, b[i]);
        if (ix / t->count != (size_t)t->first_pos)
            t->ok_index = 0;
        if (page_node(b[i]) != t->expect)
            t->ok_node = 0;
    }
    for (int i = 0; i < t->got; i++)
        if (npool_put(t->pool, b[i]) != 0)
            t->ok_index = 0;
    return NULL;
}

static int pos_in(const int *set, int n, int node)
{
    for (int i = 0; i < n; i++)
        if (set[i] == node)
            return i;
    return -1;
}

static void run_pinned(npool_t *p, const int *pool_nodes, int npn, size_t count, const char *what)
{
    for (int i = 0; i < nnodes; i++) {
        struct pinned t = {.pool = p, .node = nodes[i], .count = count};
        t.expect = nearest(nodes[i], pool_nodes, npn);
        t.first_pos = pos_in(pool_nodes, npn, t.expect);
        pthread_t th;
        if (!CHECK(pthread_create(&th, NULL, pinned_gets, &t) == 0, "thread"))
            continue;
        pthread_join(th, NULL);
        CHECK(t.pinned_ok, "%s: a thread pinned to node %d's CPUs runs there", what, nodes[i]);
        CHECK(t.got == GETS && t.ok_index && t.ok_node,
              "%s: a thread on node %d gets %d blocks, all of node %d's arena, all on node %d", what, nodes[i],
              t.got, t.expect, t.expect);
    }
}

static void t_pinned(void)
{
    section = "caller's node";
    int rc;
    npool_t *p = make("vm-pinned", "all", 256, 2048, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
    if (CHECK(rc == 0, "create \"all\": %s", npool_strerror(rc))) {
        run_pinned(p, nodes, nnodes, 2048, "\"all\"");
        npool_stats_t *st = calloc(1, sizeof *st);
        if (st && npool_stats(p, st) == 0)
            for (size_t k = 0; k < st->nnodes; k++)
                CHECK(st->nodes[k].gets == GETS && st->nodes[k].puts == GETS && st->nodes[k].blocks_held == 0,
                      "stats: node %d served %llu gets, took %llu puts, %zu held", st->nodes[k].node,
                      (unsigned long long)st->nodes[k].gets, (unsigned long long)st->nodes[k].puts,
                      st->nodes[k].blocks_held);
        free(st);
        npool_destroy(p);
    }
    /* a pool lacking the caller's node: the nearest one serves it */
    int sub[2], nsub = 0;
    sub[nsub++] = 1;
    if (nnodes >= 4)
        sub[nsub++] = 3;
    const char *str = nsub == 2 ? "3,1" : "1";
    p = make("vm-pinned-sub", str, 256, 2048, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
    if (CHECK(rc == 0, "create \"%s\": %s", str, npool_strerror(rc))) {
        for (int i = 0; i < nnodes; i++)
            printf("# from node %d the nearest of \"%s\" is node %d (distance to %d: %d, to %d: %d)\n", nodes[i],
                   str, nearest(nodes[i], sub, nsub), sub[0], numa_distance(nodes[i], sub[0]), sub[nsub - 1],
                   numa_distance(nodes[i], sub[nsub - 1]));
        run_pinned(p, sub, nsub, 2048, str);
        npool_destroy(p);
    }
}

/* "local" (and NULL) from a thread pinned to each node, no policy. */
struct local_arg { int node, pinned_ok, rc, arena_node, nnodes, on_node; };
static void *local_create(void *arg)
{
    struct local_arg *a = arg;
    a->pinned_ok = pin_to_node(a->node) == 0;
    for (int v = 0; v < 2; v++) {
        npool_t *p = make("vm-local", v ? "local" : NULL, 4096, 64, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &a->rc);
        if (a->rc)
            return NULL;
        npool_stats_t *st = calloc(1, sizeof *st);
        if (st && npool_stats(p, st) == 0) {
            a->nnodes = (int)st->nnodes;
            a->arena_node = st->nodes[0].node;
        }
        free(st);
        void *b = npool_get(p);
        a->on_node = b ? page_node(b) : -1;
        npool_destroy(p);
        if (a->nnodes != 1 || a->arena_node != a->node || a->on_node != a->node)
            break;
    }
    return NULL;
}

static void t_local(void)
{
    section = "local";
    for (int i = 0; i < nnodes; i++) {
        struct local_arg a = {.node = nodes[i], .arena_node = -1};
        pthread_t th;
        if (!CHECK(pthread_create(&th, NULL, local_create, &a) == 0, "thread"))
            continue;
        pthread_join(th, NULL);
        CHECK(a.pinned_ok && a.rc == 0 && a.nnodes == 1 && a.arena_node == nodes[i] && a.on_node == nodes[i],
              "pinned to node %d, nodes NULL and \"local\" give one arena on node %d (got %d arena(s), node %d, "
              "block on %d, rc %d)", nodes[i], nodes[i], a.nnodes, a.arena_node, a.on_node, a.rc);
    }
}

/* NPOOL_SPILL: from a thread on node A, empty the nodes one by one; each
 * npool_get then comes from the nearest node that still has blocks. */
struct spill_arg { npool_t *spill, *nospill; int node; size_t count; int order[MAXN], norder, pinned_ok;
                   int nospill_null, nospill_errno, nospill_names; void *last; int last_errno; };
static void *spill_thread(void *arg)
{
    struct spill_arg *s = arg;
    s->pinned_ok = pin_to_node(s->node) == 0;
    int cur = s->node;
    for (int round = 0; round < nnodes; round++) {
        for (size_t i = 0; i < s->count; i++)
            if (!npool_get_on(s->spill, cur))
                break;
        void *b = npool_get(s->spill);   /* cur is empty now */
        if (!b) {
            s->last_errno = errno;
            break;
        }
        cur = page_node(b);
        s->order[s->norder++] = cur;
        size_t ix = npool_index(s->spill, b);
        if (ix / s->count != (size_t)pos_in(nodes, nnodes, cur))
            s->order[s->norder - 1] = -100 - cur;     /* index and page disagree */
    }
    errno = 0;
    s->last = npool_get(s->spill);
    s->last_errno = errno;
    /* without SPILL: node A empty means NULL, ENOMEM, naming node A */
    for (size_t i = 0; i < s->count; i++)
        if (!npool_get_on(s->nospill, s->node))
            break;
    errno = 0;
    void *b = npool_get(s->nospill);
    s->nospill_null = b == NULL;
    s->nospill_errno = errno;
    char want[32];
    snprintf(want, sizeof want, "node %d ", s->node);
    s->nospill_names = strstr(npool_last_error(), want) != NULL;
    return NULL;
}

static void t_spill(void)
{
    section = "spill";
    int from[2] = {nodes[0], nodes[nnodes - 1]};
    for (int f = 0; f < 2; f++) {
        int rc, rc2;
        npool_t *sp = make("vm-spill", "all", 4096, 256, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES | NPOOL_SPILL, &rc);
        npool_t *ns = make("vm-nospill", "all", 4096, 256, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc2);
        if (!CHECK(rc == 0 && rc2 == 0, "create two \"all\" pools: %s %s", npool_strerror(rc), npool_strerror(rc2))) {
            npool_destroy(sp);
            npool_destroy(ns);
            continue;
        }
        struct spill_arg s = {.spill = sp, .nospill = ns, .node = from[f], .count = 256};
        pthread_t th;
        if (CHECK(pthread_create(&th, NULL, spill_thread, &s) == 0, "thread")) {
            pthread_join(th, NULL);
            /* expected: the other nodes by distance from A, ties to the lowest */
            int rest[MAXN], nr = 0, expect[MAXN], ne = 0;
            for (int i = 0; i < nnodes; i++)
                if (nodes[i] != from[f])
                    rest[nr++] = nodes[i];
            while (nr) {
                int n = nearest(from[f], rest, nr);
                expect[ne++] = n;
                int k = pos_in(rest, nr, n);
                rest[k] = rest[--nr];
            }
            char el[256], gl[256];
            CHECK(s.pinned_ok, "a thread runs on node %d", from[f]);
            CHECK(s.norder == ne && !strcmp(list_str(s.order, s.norder, gl, sizeof gl),
                                            list_str(expect, ne, el, sizeof el)),
                  "node %d emptied, then each next: gets spill to nodes %s in distance order (expected %s)",
                  from[f], gl, el);
            CHECK(!s.last && s.last_errno == ENOMEM, "every node empty: NULL, ENOMEM (errno %d)", s.last_errno);
            CHECK(s.nospill_null && s.nospill_errno == ENOMEM && s.nospill_names,
                  "without NPOOL_SPILL: node %d empty gives NULL, ENOMEM, a sentence naming node %d", from[f],
                  from[f]);
            npool_stats_t *st = calloc(1, sizeof *st);
            if (st && npool_stats(ns, st) == 0) {
                int k = pos_in(nodes, nnodes, from[f]);
                size_t others = 0;
                for (size_t j = 0; j < st->nnodes; j++)
                    if ((int)j != k)
                        others += st->nodes[j].blocks_held;
                CHECK(st->nodes[k].failed_gets >= 1 && st->nodes[k].blocks_held == 256 && others == 0,
                      "without SPILL, stats: node %d %llu failed get(s), %zu held; other nodes %zu held", from[f],
                      (unsigned long long)st->nodes[k].failed_gets, st->nodes[k].blocks_held, others);
            }
            free(st);
        }
        npool_destroy(sp);
        npool_destroy(ns);
    }
}

/* A block of node B put by a thread on node A goes back to node B. */
struct xput { npool_t *p; int node; void *block; int rc, pinned_ok; void *own; int own_node; };
static void *xput_thread(void *arg)
{
    struct xput *x = arg;
    x->pinned_ok = pin_to_node(x->node) == 0;
    x->rc = npool_put(x->p, x->block);
    x->own = npool_get(x->p);                  /* the caller's node's supply: never x->block */
    x->own_node = x->own ? page_node(x->own) : -1;
    if (x->own && npool_put(x->p, x->own) != 0)
        x->own_node = -2;
    return NULL;                               /* exit: the thread's cache goes home */
}

static void t_cross_put(void)
{
    section = "cross-node put";
    int A = nodes[nnodes - 1], B = nodes[nnodes >= 4 ? 1 : 0];
    const size_t count = 512;
    int rc;
    npool_t *p = make("vm-xput", "all", 1024, count, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
    if (!CHECK(rc == 0, "create \"all\": %s", npool_strerror(rc)))
        return;
    int kb = pos_in(nodes, nnodes, B), ka = pos_in(nodes, nnodes, A);
    void **held = calloc(count, sizeof *held);
    size_t n = 0;
    while (n < count && (held[n] = npool_get_on(p, B)) != NULL)
        n++;
    CHECK(n == count && !npool_get_on(p, B), "node %d drained by get_on: %zu blocks", B, n);
    void *x = held[5];
    size_t xi = npool_index(p, x);
    struct xput t = {.p = p, .node = A, .block = x};
    pthread_t th;
    if (CHECK(pthread_create(&th, NULL, xput_thread, &t) == 0, "thread")) {
        pthread_join(th, NULL);
        CHECK(t.pinned_ok && t.rc == 0, "a thread on node %d puts block %zu of node %d: rc %d", A, xi, B, t.rc);
        CHECK(t.own && t.own != x && t.own_node == A && npool_index(p, t.own) / count == (size_t)ka,
              "that thread's next npool_get comes from node %d, not the block of node %d (page on %d)", A, B,
              t.own_node);
    }
    npool_stats_t *st = calloc(1, sizeof *st);
    if (st && npool_stats(p, st) == 0) {
        const npool_node_stats_t *rb = &st->nodes[kb], *ra = &st->nodes[ka];
        CHECK(rb->blocks_held == count - 1 && rb->blocks_free_set + rb->blocks_cached == 1 && rb->puts == 1,
              "stats: node %d has %zu held, %zu free (%zu cached), %llu put", B, rb->blocks_held,
              rb->blocks_free_set, rb->blocks_cached, (unsigned long long)rb->puts);
        CHECK(ra->blocks_held == 0 && ra->blocks_free_set + ra->blocks_cached == count && ra->gets == 1 &&
                  ra->puts == 1,
              "stats: node %d has %zu held, %llu get, %llu put (only its own block)", A, ra->blocks_held,
              (unsigned long long)ra->gets, (unsigned long long)ra->puts);
    }
    free(st);
    void *again = npool_get_on(p, B);
    CHECK(again == x && page_node(again) == B, "get_on(%d) hands block %zu out again (got index %zu)", B, xi,
          npool_index(p, again));
    errno = 0;
    CHECK(!npool_get_on(p, B) && errno == ENOMEM, "then node %d is empty again", B);
    CHECK(npool_put_bulk(p, held, n) == 0, "all back");
    CHECK(npool_check(p) == 0, "npool_check");
    free(held);
    npool_destroy(p);
}

/* A thread that moves to another node gets blocks of its new node at its
 * next get, through the inline path (the CPU id from rseq, no system call),
 * and a block it took on the old node still goes home when put. */
struct migr { npool_t *p; int from, to, pinned_from, pinned_to; int node_before, node_after, back_home, put_rc; };
static void *migr_thread(void *arg)
{
    struct migr *m = arg;
    m->pinned_from = pin_to_node(m->from) == 0;
    void *a = npool_get(m->p);
    m->node_before = a ? page_node(a) : -1;
    m->pinned_to = pin_to_node(m->to) == 0;
    void *b = npool_get(m->p);
    m->node_after = b ? page_node(b) : -1;
    m->put_rc = (a ? npool_put(m->p, a) : -1) | (b ? npool_put(m->p, b) : -1);
    /* the block of the old node went back to the old node's magazine: the
     * next get here is from the new node again */
    void *c = npool_get(m->p);
    m->back_home = c && page_node(c) == m->to;
    if (c)
        npool_put(m->p, c);
    return NULL;
}

static void t_migrate(void)
{
    section = "migration";
    int rc;
    npool_t *p = make("vm-migrate", "all", 64, 4096, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
    if (!CHECK(rc == 0, "create \"all\": %s", npool_strerror(rc)))
        return;
    for (int i = 0; i < nnodes && nnodes > 1; i++) {
        struct migr m = {.p = p, .from = nodes[i], .to = nodes[(i + 1) % nnodes]};
        pthread_t th;
        if (!CHECK(pthread_create(&th, NULL, migr_thread, &m) == 0, "thread"))
            continue;
        pthread_join(th, NULL);
        CHECK(m.pinned_from && m.pinned_to && m.node_before == m.from && m.node_after == m.to && m.put_rc == 0 &&
                  m.back_home,
              "a thread moved from node %d to node %d: its gets come from node %d, then node %d (pages on %d, %d)",
              m.from, m.to, m.from, m.to, m.node_before, m.node_after);
    }
    CHECK(npool_check(p) == 0, "npool_check");
    npool_destroy(p);
}

static int mode_main(void)
{
    t_sanity();
    if (nfail)
        return 1;
    t_all();
    t_orders();
    t_pinned();
    t_local();
    t_spill();
    t_cross_put();
    t_migrate();
    return 0;
}

/* ------------------------------------------------------------------------ */
/* mode ratio: a get+put pair on a many-node pool against a one-node pool   */

static double pair_ns(npool_t *p, long n)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        void *x = npool_get(p);
        __asm__ volatile("" : : "r"(x) : "memory");
        npool_put(p, x);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    return ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Under emulation only the ratio means anything: both pools in one process,
 * pinned to node 0, interleaved, the median of per-pair ratios; reported,
 * not judged (numapool-bench judges speed on real machines). */
static int mode_ratio(void)
{
    section = "ratio";
    int rc1, rcn;
    char all[16];
    snprintf(all, sizeof all, "0-%d", nodes[nnodes - 1]);
    npool_t *one = make("vm-one", "0", 64, 1 << 16, NPOOL_PAGES_BASE, 0, &rc1);
    npool_t *many = make("vm-many", all, 64, 1 << 16, NPOOL_PAGES_BASE, 0, &rcn);
    if (!CHECK(rc1 == 0 && rcn == 0 && pin_to_node(0) == 0, "pools \"0\" and \"%s\", pinned to node 0", all))
        return 1;
    enum { REPS = 15 };
    double r[REPS], t1[REPS], tn[REPS];
    const long n = 200000;
    pair_ns(one, n / 4);
    pair_ns(many, n / 4);
    for (int k = 0; k < REPS; k++) {
        if (k % 2)
            tn[k] = pair_ns(many, n), t1[k] = pair_ns(one, n);
        else
            t1[k] = pair_ns(one, n), tn[k] = pair_ns(many, n);
        r[k] = tn[k] / t1[k];
    }
    qsort(r, REPS, sizeof r[0], cmp_double);
    qsort(t1, REPS, sizeof t1[0], cmp_double);
    qsort(tn, REPS, sizeof tn[0], cmp_double);
    printf("# get+put pair, %d nodes, under emulation: one-node pool %.1f ns, \"%s\" pool %.1f ns (medians); "
           "ratio median %.3f (range %.3f..%.3f)\n", nnodes, t1[REPS / 2], all, tn[REPS / 2], r[REPS / 2], r[0],
           r[REPS - 1]);
    /* the many-node pool must still be served from node 0's arena, inline */
    void *b = npool_get(many);
    CHECK(b && page_node(b) == 0 && npool_index(many, b) < (1 << 16), "the many-node pool serves node 0's CPU "
          "from node 0");
    npool_put(many, b);
    npool_destroy(one);
    npool_destroy(many);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* mode policy: under numactl --membind / --preferred                       */

static int mode_policy(const char *list)
{
    int want[MAXN], nw = parse_list(list, want), rc;
    section = "numactl policy";
    if (nw <= 0)
        return 2;
    int pol = -1;
    get_mempolicy(&pol, NULL, 0, NULL, 0);
    printf("# process policy %d (MPOL_BIND %d, MPOL_PREFERRED %d), expecting nodes %s\n", pol, MPOL_BIND,
           MPOL_PREFERRED, list);
    CHECK(pol == MPOL_BIND || pol == MPOL_PREFERRED || pol == MPOL_PREFERRED_MANY,
          "running under a numactl policy (mode %d)", pol);
    const char *strs[2] = {NULL, "local"};
    for (int s = 0; s < 2; s++) {
        npool_t *p = make("vm-policy", strs[s], 512, 4096, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
        if (!CHECK(rc == 0, "create nodes %s: %s", strs[s] ? strs[s] : "NULL", npool_strerror(rc)))
            continue;
        printf("# nodes %s\n", strs[s] ? strs[s] : "NULL");
        verify_pool(p, want, nw, NPOOL_PAGES_2M, 4096);
        npool_destroy(p);
    }
    /* an explicit node string still wins over the process policy */
    char other[8];
    int o = want[0] == nodes[0] ? nodes[nnodes - 1] : nodes[0];
    snprintf(other, sizeof other, "%d", o);
    npool_t *p = make("vm-policy-explicit", other, 512, 4096, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
    if (CHECK(rc == 0, "create nodes \"%s\" under the policy: %s", other, npool_strerror(rc))) {
        verify_pool(p, &o, 1, NPOOL_PAGES_2M, 4096);
        npool_destroy(p);
    }
    p = make("vm-policy-all", "all", 512, 4096, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
    if (CHECK(rc == 0, "create nodes \"all\" under the policy: %s", npool_strerror(rc))) {
        verify_pool(p, nodes, nnodes, NPOOL_PAGES_2M, 4096);
        npool_destroy(p);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* mode env: NUMAPOOL_NODES / NUMAPOOL_PAGES set by the driver               */

static int mode_env(const char *list, const char *backing)
{
    int want[MAXN], nw = parse_list(list, want), rc;
    enum npool_pages b;
    section = "environment";
    if (nw <= 0)
        return 2;
    if (!strcmp(backing, "2M"))
        b = NPOOL_PAGES_2M;
    else if (!strcmp(backing, "base"))
        b = NPOOL_PAGES_BASE;
    else if (!strcmp(backing, "THP"))
        b = NPOOL_PAGES_THP;
    else
        return 2;
    printf("# NUMAPOOL_NODES=%s NUMAPOOL_PAGES=%s; the config says nodes \"0\", 1G pages\n",
           getenv("NUMAPOOL_NODES") ? getenv("NUMAPOOL_NODES") : "(unset)",
           getenv("NUMAPOOL_PAGES") ? getenv("NUMAPOOL_PAGES") : "(unset)");
    /* 1G asked for and not strict: without the override it would fall back to 2M on node 0 */
    npool_t *p = make("vm-env", "0", 512, 4096, NPOOL_PAGES_1G, 0, &rc);
    if (!CHECK(rc == 0, "create: %s", npool_strerror(rc)))
        return 0;
    npool_stats_t *st = calloc(1, sizeof *st);
    if (st && npool_stats(p, st) == 0) {
        CHECK(st->nodes[0].requested == b && !st->nodes[0].fell_back,
              "the arenas were asked for %s pages (got requested %s, fell back %d)", backing,
              npool_pages_name(st->nodes[0].requested), st->nodes[0].fell_back);
        if (b == NPOOL_PAGES_THP)
            printf("# THP arena: %zu of %zu bytes covered by transparent hugepages\n", st->nodes[0].thp_bytes,
                   st->nodes[0].bytes_mapped);
    }
    free(st);
    verify_pool(p, want, nw, b, 4096);
    npool_destroy(p);
    return 0;
}

static int mode_env_fail(const char *rcs, const char *text)
{
    section = "environment (bad)";
    int want = atoi(rcs), rc;
    npool_t *p = make("vm-env-bad", "0", 512, 64, NPOOL_PAGES_2M, 0, &rc);
    CHECK(rc == want && !p, "create fails with %s (got %s)", npool_strerror(want), npool_strerror(rc));
    CHECK(strstr(npool_last_error(), text) != NULL, "the sentence names \"%s\": %s", text, npool_last_error());
    npool_destroy(p);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* mode nodes: a node string, and where the arenas really are               */

static int mode_nodes(const char *str, const char *list)
{
    int want[MAXN], nw = parse_list(list, want), rc;
    section = "node string";
    if (nw <= 0)
        return 2;
    printf("# nodes \"%s\", expected on %s; NUMAPOOL_NODES unset\n", str, list);
    unsetenv("NUMAPOOL_NODES");
    npool_t *p = make("vm-nodes", str, 256, 512, NPOOL_PAGES_BASE, 0, &rc);
    if (!CHECK(rc == 0, "create with nodes \"%s\": %s", str, npool_strerror(rc)))
        return 0;
    verify_pool(p, want, nw, NPOOL_PAGES_BASE, 512);
    for (int k = 0; k < nw; k++) {
        void *b = npool_get_on(p, want[k]);
        CHECK(b && page_node(b) == want[k] && npool_put(p, b) == 0, "a block from node %d is on node %d", want[k],
              b ? page_node(b) : -1);
    }
    npool_destroy(p);
    return 0;
}

static int mode_nodes_fail(const char *str, const char *rcs, const char *text)
{
    section = "node string (refused)";
    int want = atoi(rcs), rc;
    unsetenv("NUMAPOOL_NODES");
    npool_t *p = make("vm-nodes-bad", str, 256, 64, NPOOL_PAGES_BASE, 0, &rc);
    CHECK(rc == want && !p, "nodes \"%s\": create fails with %s (got %s)", str, npool_strerror(want),
          npool_strerror(rc));
    CHECK(strstr(npool_last_error(), text) != NULL, "the sentence names \"%s\": %s", text, npool_last_error());
    npool_destroy(p);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* mode verbose: capture our own stderr around npool_create                 */

static int mode_verbose(int on)
{
    section = on ? "NUMAPOOL_VERBOSE=1" : "NUMAPOOL_VERBOSE unset";
    char path[] = "/tmp/npool-verbose-XXXXXX";
    int fd = mkstemp(path), saved = dup(2), rc;
    if (!CHECK(fd >= 0 && saved >= 0, "temporary file"))
        return 1;
    fflush(stderr);
    dup2(fd, 2);
    npool_t *p = make("vm-verbose", "all", 1000, 2048, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &rc);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char text[8192];
    ssize_t len = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    unlink(path);
    text[len > 0 ? len : 0] = 0;
    CHECK(rc == 0, "create \"all\": %s", npool_strerror(rc));
    if (on) {
        printf("---- NUMAPOOL_VERBOSE report ----\n%s---- end ----\n", text);
        int lines = 0;
        for (const char *c = text; *c; c++)
            lines += *c == '\n';
        CHECK(lines == nnodes, "one line per arena: %d lines for %d nodes", lines, nnodes);
        for (int i = 0; i < nnodes; i++) {
            char want[64];
            snprintf(want, sizeof want, "node %d:", nodes[i]);
            const char *l = strstr(text, want), *e = l ? strchr(l, '\n') : NULL;
            while (l && l > text && l[-1] != '\n')     /* the whole line */
                l--;
            char line[1024] = "";
            if (l && e && (size_t)(e - l) < sizeof line)
                memcpy(line, l, (size_t)(e - l)), line[e - l] = 0;
            CHECK(l && strstr(line, "2M") && strstr(line, "2 MiB"), "node %d's line names the node and 2M/2 MiB "
                  "pages", nodes[i]);
            snprintf(want, sizeof want, "verified on node %d", nodes[i]);
            CHECK(strstr(line, want) != NULL, "node %d's line says its pages were verified there", nodes[i]);
            CHECK(strstr(line, "vm-verbose") != NULL, "node %d's line names the pool", nodes[i]);
        }
    } else {
        CHECK(text[0] == 0, "nothing on stderr (%zu bytes)", strlen(text));
    }
    npool_destroy(p);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* mode shortage: node 1 without hugepages, the others with plenty          */

static long saved_hp1 = -1;
static void restore_hp1(void)
{
    if (saved_hp1 >= 0 && hp_set_total(1, saved_hp1) != 0)
        fprintf(stderr, "test_numa_vm: could not restore node 1's nr_hugepages to %ld\n", saved_hp1);
}

static void expect_enomem_node1(const char *what, const char *node_str, unsigned flags)
{
    long before[MAXN];
    int rc;
    hp_snapshot(before);
    npool_t *p = make("vm-short", node_str, 1000, 4096, NPOOL_PAGES_2M, flags, &rc);
    const char *e = npool_last_error();
    CHECK(rc == -ENOMEM && !p, "%s: create fails with ENOMEM (got %s)", what, npool_strerror(rc));
    CHECK(strstr(e, "node 1") && strstr(e, "hugepage"), "%s: the sentence names node 1 and hugepages: %s", what, e);
    check_hp_delta(before, NULL, 0, 0, what);   /* nothing taken, nothing left mapped */
    npool_destroy(p);
}

/* A pool created despite the shortage: node 1 fell back on node 1 itself. */
static void expect_fallback_node1(const char *what, const char *node_str, unsigned flags, enum npool_pages req)
{
    long before[MAXN];
    int rc, want[MAXN], nw;
    hp_snapshot(before);
    npool_t *p = make("vm-short", node_str, 1000, 4096, req, flags, &rc);
    if (!CHECK(rc == 0, "%s: created (%s)", what, npool_strerror(rc)))
        return;
    npool_stats_t *st = calloc(1, sizeof *st);
    if (!st || npool_stats(p, st) != 0) {
        free(st);
        npool_destroy(p);
        return;
    }
    nw = (int)st->nnodes;
    struct arenas as = {0};
    int walk = npool_foreach_arena(p, collect, &as);
    CHECK(walk == 0 && as.n == nw, "%s: foreach_arena walks %d arenas", what, as.n);
    for (int k = 0; k < nw && k < as.n; k++) {
        const npool_node_stats_t *r = &st->nodes[k];
        want[k] = r->node;
        int seen;
        size_t bad = misplaced_pages(as.a[k].base, as.a[k].len, as.a[k].psize, r->node, &seen);
        CHECK(bad == 0 && r->bytes_misplaced == 0, "%s: node %d's %zu pages (%zu B) all on node %d (%zu elsewhere)",
              what, r->node, as.a[k].len / as.a[k].psize, as.a[k].psize, r->node, bad);
        printf("# %s: node %d backing %s, page %zu, fell back %d, reason: %s\n", what, r->node,
               npool_pages_name(r->backing), r->page_size, r->fell_back, r->fallback_reason);
        if (r->node == 1) {
            CHECK(r->backing != NPOOL_PAGES_2M && r->backing != NPOOL_PAGES_1G && r->page_size == base_page,
                  "%s: node 1 is on %s pages, not hugetlb", what, npool_pages_name(r->backing));
            if (req == NPOOL_PAGES_AUTO)
                CHECK(!r->fell_back && strstr(r->fallback_reason, "2 MiB: node 1 has"),
                      "%s: AUTO chose without falling back, saying why (node 1's 2 MiB pages)", what);
            else
                CHECK(r->fell_back == 1 && r->requested == req && strstr(r->fallback_reason, "hugepage") &&
                          strstr(r->fallback_reason, "node 1"),
                      "%s: fell_back=1, the reason names node 1 and hugepages", what);
        } else {
            CHECK(r->backing == NPOOL_PAGES_2M && !r->fell_back, "%s: node %d keeps its 2M pages", what, r->node);
        }
        drain_touch(p, r->node, 4096);
    }
    /* node 1 took no hugepage (it has none), the others exactly theirs */
    int others[MAXN], no = 0;
    for (int k = 0; k < nw; k++)
        if (want[k] != 1)
            others[no++] = want[k];
    check_hp_delta(before, others, no, 2, what);
    free(st);
    npool_destroy(p);
}

static int mode_shortage(void)
{
    section = "hugepage shortage";
    if (!CHECK(nnodes >= 2 && nodes[1] == 1, "node 1 exists"))
        return 1;
    saved_hp1 = hp_total(1);
    atexit(restore_hp1);
    if (!CHECK(hp_set_total(1, 0) == 0 && hp_free(1) == 0, "node 1's nr_hugepages set to 0 (was %ld)", saved_hp1))
        return 1;
    for (int i = 0; i < nnodes; i++)
        printf("# node %d: %ld/%ld free 2M hugepages\n", nodes[i], hp_free(nodes[i]), hp_total(nodes[i]));

    expect_enomem_node1("2M strict on \"1\"", "1", NPOOL_STRICT_PAGES);
    expect_enomem_node1("2M strict on \"all\"", "all", NPOOL_STRICT_PAGES);
    expect_enomem_node1("2M strict + PREFER_NODE on \"1\"", "1", NPOOL_STRICT_PAGES | NPOOL_PREFER_NODE);
    expect_fallback_node1("2M on \"1\"", "1", 0, NPOOL_PAGES_2M);
    expect_fallback_node1("2M on \"all\"", "all", 0, NPOOL_PAGES_2M);
    expect_fallback_node1("2M + PREFER_NODE on \"1\"", "1", NPOOL_PREFER_NODE, NPOOL_PAGES_2M);
    expect_fallback_node1("2M + PREFER_NODE on \"all\"", "all", NPOOL_PREFER_NODE, NPOOL_PAGES_2M);
    expect_fallback_node1("AUTO on \"1\"", "1", 0, NPOOL_PAGES_AUTO);

    /* one page short: node 1 has 1 free, the arena needs 2 */
    section = "hugepage shortage (one short)";
    if (CHECK(hp_set_total(1, 1) == 0 && hp_free(1) == 1, "node 1's nr_hugepages set to 1")) {
        expect_enomem_node1("2M strict on \"1\", 1 of 2 pages", "1", NPOOL_STRICT_PAGES);
        expect_fallback_node1("2M on \"1\", 1 of 2 pages", "1", 0, NPOOL_PAGES_2M);
    }
    restore_hp1();
    CHECK(hp_total(1) == saved_hp1, "node 1's nr_hugepages restored to %ld", saved_hp1);
    saved_hp1 = -1;
    return 0;
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (numa_available() < 0) {
        printf("libnuma: no NUMA support here\n0 passed, 1 failed\n");
        return 1;
    }
    base_page = (size_t)sysconf(_SC_PAGESIZE);
    read_nodes();
    const char *mode = argc > 1 ? argv[1] : "main";
    int rc;
    if (!strcmp(mode, "main"))
        rc = mode_main();
    else if (!strcmp(mode, "policy") && argc == 3)
        rc = mode_policy(argv[2]);
    else if (!strcmp(mode, "env") && argc == 4)
        rc = mode_env(argv[2], argv[3]);
    else if (!strcmp(mode, "env-fail") && argc == 4)
        rc = mode_env_fail(argv[2], argv[3]);
    else if (!strcmp(mode, "nodes") && argc == 4)
        rc = mode_nodes(argv[2], argv[3]);
    else if (!strcmp(mode, "nodes-fail") && argc == 5)
        rc = mode_nodes_fail(argv[2], argv[3], argv[4]);
    else if (!strcmp(mode, "verbose") && argc == 3)
        rc = mode_verbose(atoi(argv[2]));
    else if (!strcmp(mode, "shortage"))
        rc = mode_shortage();
    else if (!strcmp(mode, "ratio"))
        rc = mode_ratio();
    else
        rc = 2;
    if (rc == 2) {
        fprintf(stderr, "usage: %s [main | policy NODES | env NODES 2M|base|THP | env-fail RC TEXT | nodes STRING "
                "NODES | nodes-fail STRING RC TEXT | verbose 0|1 | shortage | ratio]\n", argv[0]);
        return 2;
    }
    printf("test_numa_vm %s (%d nodes): %d passed, %d failed\n", mode, nnodes, npass, nfail);
    return nfail ? 1 : 0;
}
