/* numapool-bench: the DPDK contender, its own executable so that DPDK's
 * heavy pkg-config flags stay off every other binary.  EAL starts in memory
 * (no PCI, no hugepages, no shared config, no telemetry) on the bench's first CPU; one
 * rte_mempool per block size with a per-lcore cache of 512, used through
 * the inline rte_mempool_get/put and get_bulk/put_bulk.  Threads other than
 * the EAL main thread are not lcores, so in the thread scenarios each thread
 * gets a user-owned cache of 512 (rte_mempool_cache_create) and calls
 * rte_mempool_generic_get/put with it: the same cache, the same code path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "bench.h"
#include "loops.h"

#define DPDK_CACHE 512

struct dctx {
    struct rte_mempool *mp;
};

struct dtctx {
    struct rte_mempool *mp;
    struct rte_mempool_cache *cache;
};

static void *d_setup(size_t size, size_t nblocks, char *why, size_t whylen)
{
    char name[RTE_MEMPOOL_NAMESIZE];
    struct dctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    snprintf(name, sizeof name, "bench%zu", size);
    /* twice what the scenario holds (caches), a power of two minus one as DPDK advises */
    unsigned n = 1;
    while (n < 2 * nblocks + 1)
        n <<= 1;
    c->mp = rte_mempool_create(name, n - 1, (unsigned)size, DPDK_CACHE, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
    if (c->mp == NULL) {
        snprintf(why, whylen, "rte_mempool_create(%u x %zu B): %s", n - 1, size, rte_strerror(rte_errno));
        free(c);
        return NULL;
    }
    return c;
}

static void d_teardown(void *vc)
{
    struct dctx *c = vc;
    rte_mempool_free(c->mp);
    free(c);
}

static inline void *d_get(struct dctx *c)
{
    void *o;
    return rte_mempool_get(c->mp, &o) == 0 ? o : NULL;
}

#define D_PUT(c, b) rte_mempool_put((c)->mp, (b))
#define D_GETB(c, v, n) rte_mempool_get_bulk((c)->mp, (v), (unsigned)(n))
#define D_PUTB(c, v, n) rte_mempool_put_bulk((c)->mp, (v), (unsigned)(n))
BENCH_DEFINE_LOOPS(d, struct dctx, d_get, D_PUT, D_GETB, D_PUTB)

static void *dt_ctx(void *vc, int tid)
{
    struct dctx *c = vc;
    (void)tid;
    struct dtctx *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->mp = c->mp;
    t->cache = rte_mempool_cache_create(DPDK_CACHE, SOCKET_ID_ANY);
    if (t->cache == NULL) {
        free(t);
        return NULL;
    }
    return t;
}

static void dt_done(void *vt)
{
    struct dtctx *t = vt;
    rte_mempool_cache_flush(t->cache, t->mp);
    rte_mempool_cache_free(t->cache);
    free(t);
}

static inline void *dt_get(struct dtctx *t)
{
    void *o;
    return rte_mempool_generic_get(t->mp, &o, 1, t->cache) == 0 ? o : NULL;
}

#define DT_PUT(t, b) rte_mempool_generic_put((t)->mp, (void *const *)&(b), 1, (t)->cache)
#define DT_GETB(t, v, n) rte_mempool_generic_get((t)->mp, (v), (unsigned)(n), (t)->cache)
#define DT_PUTB(t, v, n) rte_mempool_generic_put((t)->mp, (v), (unsigned)(n), (t)->cache)

static inline void dt_put(struct dtctx *t, void *b)
{
    DT_PUT(t, b);
}
BENCH_DEFINE_LOOPS(dt, struct dtctx, dt_get, dt_put, DT_GETB, DT_PUTB)

int main(int argc, char **argv)
{
    struct bench_opts o;
    if (argc < 3 || strcmp(argv[1], "--worker") != 0 || bench_worker_opts(argc - 3, argv + 3, &o) != 0) {
        fprintf(stderr, "%s: a worker of numapool-bench; run numapool-bench instead\n", argv[0]);
        return 2;
    }
    /* memory: every pool, twice the blocks the scenarios hold, plus headers */
    size_t bytes = 64u << 20;
    size_t nb = BENCH_TPER;
    for (size_t i = 0; i < o.nsizes; i++)
        bytes += 4 * nb * (o.sizes[i] + 128);
    if (o.scen & BENCH_S_THREADS)
        bytes += 2 * (size_t)BENCH_TPOOL * (64 + 128);
    char lcore[16], mem[32];
    snprintf(lcore, sizeof lcore, "%d", o.cpus[0]);
    snprintf(mem, sizeof mem, "%zu", (bytes >> 20) + 1);
    char *eal[] = {argv[0], "--no-pci", "--no-huge", "--no-shconf", "--no-telemetry", "--log-level=error",
                   "-l", lcore, "-m", mem, NULL};
    if (rte_eal_init((int)(sizeof eal / sizeof *eal) - 1, eal) < 0) {
        bench_emit("S dpdk all 0 absent: rte_eal_init failed: %s", rte_strerror(rte_errno));
        return 0;
    }
    struct bench_contender c = {
        .name = argv[2],
        .setup = d_setup,
        .teardown = d_teardown,
        .pingpong = d_pingpong,
        .batch = d_batch,
        .bulk = d_bulk,
        .thread_ctx = dt_ctx,
        .thread_done = dt_done,
        .tget = dt_tget,
        .tput = dt_tput,
        /* DPDK's programmer's guide (EAL, "Known Issues": rte_ring) says its
         * multi-producer/consumer rings must not be used by pthreads that
         * can be preempted on the same core: the others spin until the
         * preempted one runs again.  Seen here: 8 threads on 2 CPUs did not
         * finish one round of tbatch in 5 minutes. */
        .no_oversubscribe = "rte_ring's multi-producer/consumer mode spins on a preempted thread "
                            "(DPDK: not for preemptible pthreads sharing a core)",
    };
    int rc = bench_worker_run(&c, &o);
    rte_eal_cleanup();
    return rc;
}
