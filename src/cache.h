/* src/cache.h - per-thread caches (cache.c): one struct npool_tcache per
 * (thread, pool), holding one magazine and one side per arena, found from
 * the hot path in one compare through the thread's npool__tl_v2
 * (numapool.h). */
#ifndef NUMAPOOL_CACHE_H
#define NUMAPOOL_CACHE_H

#include "depot.h"

struct npool_tcache {
    uint64_t gen;                       /* the pool's generation */
    npool_t *pool;                      /* NULL once the pool is destroyed (reg_lock) */
    struct npool_tcache *next_thread;   /* the owner thread's list */
    struct npool_tcache *next_pool, *prev_pool;  /* the pool's list (reg_lock) */
    uint32_t epoch;                     /* pool epoch last seen (and flushed for) */
    uint32_t cap, batch;                /* magazine capacity (0: this thread does not cache), refill size */
    int narenas;
    struct npool__mag *mag;             /* narenas magazines, contiguous (the inline path indexes them) */
    struct npool_side *side;            /* narenas sides */
};

/* The calling thread's cache for `pool`, made the current one (tl).  Found
 * without a lock after the first use; created on first use under reg_lock,
 * with capacity 0 when the caches' share of the node is spent (its gets and
 * puts then go to the sets).  NULL only when it cannot be allocated. */
struct npool_tcache *npool__tcache(npool_t *pool);
/* The calling thread's cache for `pool` if it has one (no lock, nothing made). */
struct npool_tcache *npool__tcache_find(npool_t *pool);
/* Flush every magazine and spare of `tc` to the free sets (owner thread only). */
void npool__tcache_flush(npool_t *pool, struct npool_tcache *tc);
/* Make `tc`, which has flushed for epoch `e`, the thread's current cache. */
void npool__tc_seen(struct npool_tcache *tc, uint32_t e);
/* The calling thread runs on `cpu`, served by arena `a`: when its current
 * cache is `pool`'s, the inline path's magazine becomes a's (many-node pools). */
void npool__tl_follow(npool_t *pool, struct npool_arena *a, int cpu);
/* Detach every cache of `pool` (destroy); empty them (reset, single-threaded). */
void npool__caches_detach(npool_t *pool);
void npool__caches_clear(npool_t *pool);
/* Sum the cached blocks (magazines, spares, depot) of each arena into
 * cached[] and fold the cached paths' counters into gets[] / puts[]. */
void npool__caches_count(const npool_t *pool, size_t *cached, uint64_t *gets, uint64_t *puts);
/* Check every cache of `pool`: entries in range, free, not in the set, not
 * twice; marks[] (one byte per pool block, zeroed) counts them.  0 or -1. */
int npool__caches_check(const npool_t *pool, uint8_t *marks, char *why, size_t len);
/* Take the spares of arena a back from every thread that is not inside its
 * side lock right now (`all`: wait for those too), into the set; returns the
 * blocks moved. */
size_t npool__caches_reclaim(npool_t *pool, struct npool_arena *a, int all);

#define NPOOL_TL (&npool__tl_v2)
#define NPOOL_TL_CACHE() ((struct npool_tcache *)npool__tl_v2.tc)

/* The calling thread's cache of `pool`, or NULL when it has none that
 * caches; flushes it first when a coalesce happened since its last call. */
static inline struct npool_tcache *npool__cache_of(npool_t *pool)
{
    if (!pool->mag_cap)
        return NULL;
    struct npool_tcache *tc = NPOOL_TL_CACHE();
    if (__builtin_expect(!tc || tc->gen != pool->gen, 0) && !(tc = npool__tcache(pool)))
        return NULL;
    uint32_t e = npool__epoch(pool);
    if (__builtin_expect(tc->epoch != e, 0)) {
        npool__tcache_flush(pool, tc);
        npool__tc_seen(tc, e);
    }
    return tc->cap ? tc : NULL;
}

#endif
