/* src/cache.h - per-thread caches (cache.c): one struct npool_tcache per
 * (thread, pool), holding one magazine per arena, found from the hot path in
 * one compare through the thread's npool__tl_last (numapool.h). */
#ifndef NUMAPOOL_CACHE_H
#define NUMAPOOL_CACHE_H

#include "depot.h"

struct npool_tcache {
    uint64_t gen;                       /* the pool's generation */
    npool_t *pool;                      /* NULL once the pool is destroyed (reg_lock) */
    struct npool_tcache *next_thread;   /* the owner thread's list */
    struct npool_tcache *next_pool, *prev_pool;  /* the pool's list (reg_lock) */
    uint32_t epoch;                     /* pool epoch last seen */
    uint32_t cap, batch;
    int narenas;
    struct npool_mag mag[];
};

/* The calling thread's cache for `pool`, made the current one (tl_last).
 * Found without a lock after the first use; created on first use under
 * reg_lock, with capacity 0 when the thread is past its fair share (its gets
 * and puts then go to the sets).  NULL only when it cannot be allocated. */
struct npool_tcache *npool__tcache(npool_t *pool);
/* Flush every magazine of `tc` to the free sets (owner thread only). */
void npool__tcache_flush(npool_t *pool, struct npool_tcache *tc);
/* Detach every cache of `pool` (destroy); empty them (reset). */
void npool__caches_detach(npool_t *pool);
void npool__caches_clear(npool_t *pool);
/* Sum the cached blocks of each arena into cached[] (reg_lock taken), and
 * fold the cached paths' counters into gets[] / puts[]. */
void npool__caches_count(const npool_t *pool, size_t *cached, uint64_t *gets, uint64_t *puts);
/* Check every cache of `pool`: entries in range, free, not in the set, not
 * twice; marks[] (one byte per pool block, zeroed) counts them.  0 or -EFAULT. */
int npool__caches_check(const npool_t *pool, uint8_t *marks, char *why, size_t len);

/* npool__tl_last (numapool.h) is defined in cache.c; set it only with this. */
void npool__tl_set(uint64_t gen, struct npool_tcache *tc);
/* Record that tc has seen epoch e (in the TLS copy too when tc is current). */
void npool__tc_epoch(struct npool_tcache *tc, uint32_t e);
#define NPOOL_TL_CACHE() ((struct npool_tcache *)npool__tl_last.tc)

/* The calling thread's cache of `pool`, or NULL when it has none that
 * caches (no cache, or over its fair share); flushes it first when a
 * coalesce happened since its last call. */
static inline struct npool_tcache *npool__cache_of(npool_t *pool)
{
    if (!pool->mag_cap)
        return NULL;
    struct npool_tcache *tc;
    if (__builtin_expect(npool__tl_last.gen == pool->gen, 1))
        tc = NPOOL_TL_CACHE();
    else if (!(tc = npool__tcache(pool)))
        return NULL;
    if (__builtin_expect(tc->epoch != atomic_load_explicit(&pool->epoch, memory_order_relaxed), 0)) {
        npool__tcache_flush(pool, tc);
        npool__tc_epoch(tc, atomic_load_explicit(&pool->epoch, memory_order_relaxed));
    }
    return tc->cap ? tc : NULL;
}

/* The cache this thread holds for `pool` when it is current (same generation,
 * same epoch) and the pool is a fast one, else NULL: the fast paths' one test. */
static inline struct npool_tcache *npool__fast_cache(const npool_t *pool)
{
    if (__builtin_expect(npool__tl_last.gen != pool->fast_gen ||
                         npool__tl_last.epoch != atomic_load_explicit(&pool->epoch, memory_order_relaxed), 0))
        return NULL;
    return NPOOL_TL_CACHE();
}

#endif
