/* src/getput.c - one block out, one block back: npool_get, npool_get_on,
 * npool_put and the index forms, and the two calls that move every free
 * block at once, npool_coalesce and npool_reset.
 *
 * Hot path: a get pops an index from the calling thread's magazine for the
 * node, a put validates the pointer (one range check, one shift or division),
 * checks and flips the block's state byte and pushes the index; neither takes
 * a lock, issues a locked instruction or a fence, or makes a system call.
 * A magazine that runs dry or overflows goes to depot.c under the node's
 * lock.  numapool.h carries the same one-node fast paths inline, reading the
 * first fields of struct npool.  With NPOOL_NO_CACHE (or a pool too small to
 * cache) every get and put goes to the node's sorted set under its lock, so
 * blocks go out strictly lowest address first.
 *
 * State bytes are written with relaxed atomic stores by whoever owns the
 * block at that moment: the getter after taking it (from a magazine it owns
 * or from the set under the lock), the putter before giving it up.  Hence a
 * block found in the set under the lock is always FREE, and a double put is
 * seen whenever the two puts are ordered. */
#include "getput.h"
#include "cache.h"
#include "error.h"
#include "os.h"
#include "stats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int npool__refuse_pointer(npool_t *pool, const void *b, size_t i, size_t interior)
{
    atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
    if (!b)
        return npool__errorf(-EINVAL, "NULL is not a block of pool '%s'", pool->name);
    if (interior)
        return npool__errorf(-EINVAL, "%p is %zu bytes into block %zu of pool '%s', not its start (stride %zu)",
                             b, interior, i, pool->name, pool->stride);
    return npool__errorf(-EINVAL, "%p is not a block of pool '%s' (its arenas lie in [%p, %p))", b, pool->name,
                         (void *)pool->va, (void *)(pool->va + pool->va_bytes));
}

#define HEAD(pool) ((const struct npool__head *)(const void *)(pool))

/* One block of arena `a`, marked held: from the caller's magazine (refilled
 * when dry), or from the set under the lock when it does not cache; NULL
 * when the node has none for this thread. */
static void *take_one(npool_t *pool, struct npool_arena *a)
{
    struct npool_tcache *tc = npool__cache_of(pool);
    if (tc) {
        struct npool__mag *m = &tc->mag[a->pos];
        void *b = NULL;
        if (!npool__mag_pop(HEAD(pool), m, &b) && npool__refill(pool, a, m, &tc->side[a->pos], tc->batch))
            npool__mag_pop(HEAD(pool), m, &b);
        return b;
    }
    uint32_t i;
    npool__lock(a);
    if (!a->fs.nfree && a->depot_blocks)
        npool__depot_drain(a);
    size_t k = freeset_take_lowest(&a->fs, &i, 1);
    if (k)
        a->gets++;
    npool__unlock(a);
    if (!k)
        return NULL;
    if (!pool->unchecked) {
        NPOOL_ASSERT(npool__state(a, i) == NPOOL_STATE_FREE, "block %zu of pool '%s' left node %d's free set with "
                     "state %u, not free (0)", a->first_index + i, pool->name, a->node, npool__state(a, i));
        npool__set_state(a, i, NPOOL_STATE_HELD);
    }
    return npool__block_at(pool, a, i);
}

static void *get_failed(npool_t *pool, struct npool_arena *a)
{
    npool__lock(a);
    a->failed_gets++;
    size_t inset = a->fs.nfree;
    npool__unlock(a);
    (void)npool__held_sample(pool);     /* a peak of the held count, for NUMAPOOL_STATS */
    npool__errorf(-ENOMEM, "node %d of pool '%s' has no free block for this thread: %zu blocks, %zu in its free set, "
                  "the rest held or in other threads' current magazines (npool_coalesce returns those)",
                  a->node, pool->name, a->nblocks, inset);
    errno = ENOMEM;
    return NULL;
}

static void *get_from(npool_t *pool, struct npool_arena *a, int spill)
{
    void *b = take_one(pool, a);
    if (__builtin_expect(b != NULL, 1)) {
        b = npool__block_out(pool, a, b);
        NPOOL_DEBUG_CHECK(pool);
        return b;
    }
    /* the node is empty for this thread: the other threads' spares first,
     * then, with NPOOL_SPILL, the other nodes nearest first */
    if (pool->mag_cap && npool__caches_reclaim(pool, a, 0) && (b = take_one(pool, a)) != NULL)
        return npool__block_out(pool, a, b);
    for (int k = 0; spill && k < pool->narenas - 1; k++)
        if ((b = take_one(pool, &pool->arena[a->near[k]])) != NULL)
            return npool__block_out(pool, &pool->arena[a->near[k]], b);
    return get_failed(pool, a);
}

static void *get_slow(npool_t *pool) __attribute__((noinline));

/* The inline path of numapool.h first (the same pop users compile in). */
void *npool_get(npool_t *pool)
{
#ifdef NPOOL__HAVE_FAST
    void *b;
    if (__builtin_expect(npool__get_fast(pool, &b), 1))
        return b;
#endif
    return get_slow(pool);
}

static void *get_slow(npool_t *pool)
{
    if (!pool) {
        npool__errorf(-EINVAL, "npool_get: pool is NULL");
        errno = EINVAL;
        return NULL;
    }
    int cpu;
    struct npool_arena *a = npool__caller_arena(pool, &cpu);
    void *b = get_from(pool, a, pool->flags & NPOOL_SPILL);
    npool__tl_follow(pool, a, cpu);   /* after the get: it may have made the cache current */
    return b;
}

static struct npool_arena *arena_of_node(npool_t *pool, int node)
{
    if (node < 0 || node >= NPOOL_NODE_SLOTS || pool->node_arena[node] < 0)
        return NULL;
    return &pool->arena[pool->node_arena[node]];
}

void *npool_get_on(npool_t *pool, int node)
{
    struct npool_arena *a = pool ? arena_of_node(pool, node) : NULL;
    if (!a) {
        if (!pool)
            npool__errorf(-EINVAL, "npool_get_on: pool is NULL");
        else
            npool__errorf(-EINVAL, "pool '%s' has no arena on node %d (its nodes: %d..%d, %d in all)", pool->name,
                          node, pool->arena[0].node, pool->arena[pool->narenas - 1].node, pool->narenas);
        errno = EINVAL;
        return NULL;
    }
    return get_from(pool, a, 0);
}

/* ------------------------------------------------------------------------ */
/* put                                                                      */

static int refuse_double(npool_t *pool, struct npool_arena *a, size_t i)
{
    atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
    return npool__errorf(-EALREADY, "block %zu (%p) of pool '%s' is already free: a double put", a->first_index + i,
                         npool__block_at(pool, a, i), pool->name);
}

int npool__give_back(npool_t *pool, struct npool_arena *a, size_t i)
{
    /* the state first: npool__cache_of() may flush this thread's cache for a
     * coalesce, and a block already free there could then be taken by
     * another thread before the push looked at it */
    if (!pool->unchecked && npool__state(a, i) != NPOOL_STATE_HELD)
        return refuse_double(pool, a, i);
    npool__blocks_in(pool, npool__block_at(pool, a, i), 1);
    struct npool_tcache *tc = npool__cache_of(pool);
    if (tc) {
        struct npool__mag *m = &tc->mag[a->pos];
        int r = npool__mag_push(HEAD(pool), m, i);
        if (__builtin_expect(r == 1, 0)) {
            npool__overflow(pool, a, m, &tc->side[a->pos], tc->batch);
            r = npool__mag_push(HEAD(pool), m, i);
        }
        return r == 0 ? 0 : refuse_double(pool, a, i);
    }
    if (!pool->unchecked)
        npool__set_state(a, i, NPOOL_STATE_FREE);
    npool__lock(a);
    int inserted = freeset_insert(&a->fs, i);
    if (inserted)
        a->puts++;
    NPOOL_ASSERT(inserted || pool->unchecked, "block %zu of pool '%s' was held but already in node %d's free set",
                 a->first_index + i, pool->name, a->node);
    NPOOL_ASSERT(a->fs.nfree <= a->nblocks, "node %d's free set counts %zu blocks, more than its %zu", a->node,
                 a->fs.nfree, a->nblocks);
    npool__unlock(a);
    return 0;
}

static int put_slow(npool_t *pool, void *block) __attribute__((noinline));

/* The inline path of numapool.h first (the same push users compile in). */
int npool_put(npool_t *pool, void *block)
{
#ifdef NPOOL__HAVE_FAST
    if (__builtin_expect(npool__put_fast(pool, block) == 0, 1))
        return 0;
#endif
    return put_slow(pool, block);
}

static int put_slow(npool_t *pool, void *block)
{
    if (!pool)
        return npool__errorf(-EINVAL, "npool_put: pool is NULL");
    size_t i, interior;
    struct npool_arena *a = npool__locate(pool, block, &i, &interior);
    if (__builtin_expect(!a, 0))
        return npool__refuse_pointer(pool, block, i, interior);
    int rc = npool__give_back(pool, a, i);
    NPOOL_DEBUG_CHECK(pool);
    return rc;
}

size_t npool_index(const npool_t *pool, const void *block)
{
    size_t i, interior;
    const struct npool_arena *a = pool ? npool__locate(pool, block, &i, &interior) : NULL;
    return a ? a->first_index + i : SIZE_MAX;
}

void *npool_block(const npool_t *pool, size_t index)
{
    if (!pool || index >= pool->nblocks_total) {
        if (pool)
            npool__errorf(-EINVAL, "index %zu is out of range: pool '%s' has %zu blocks", index, pool->name,
                          pool->nblocks_total);
        errno = EINVAL;
        return NULL;
    }
    const struct npool_arena *a = &pool->arena[index / pool->nblocks_node];
    return npool__block_at(pool, a, index % pool->nblocks_node);
}

int npool_put_index(npool_t *pool, size_t index)
{
    if (!pool)
        return npool__errorf(-EINVAL, "npool_put_index: pool is NULL");
    void *b = npool_block(pool, index);
    if (!b) {
        atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
        return -EINVAL;
    }
    return npool_put(pool, b);
}

/* ------------------------------------------------------------------------ */
/* coalesce and reset: every free block back into the sorted sets           */

int npool_coalesce(npool_t *pool)
{
    if (!pool)
        return npool__errorf(-EINVAL, "npool_coalesce: pool is NULL");
    uint64_t t0 = os_now_ns();
    if (pool->mag_cap) {
        /* this thread's cache and every thread's spares now (exited threads'
         * went back when they exited), the depots too */
        struct npool_tcache *tc = npool__tcache_find(pool);
        if (tc)
            npool__tcache_flush(pool, tc);
        for (int k = 0; k < pool->narenas; k++) {
            struct npool_arena *a = &pool->arena[k];
            npool__caches_reclaim(pool, a, 1);
            npool__lock(a);
            npool__depot_drain(a);
            npool__unlock(a);
        }
        /* everybody else's current magazines at their next call (the new epoch) */
        uint32_t e = npool__epoch_bump(pool);
        if (tc)
            npool__tc_seen(tc, e);
    }
    uint64_t dt = os_now_ns() - t0;
    atomic_fetch_add_explicit(&pool->coalesces, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&pool->coalesce_ns_total, dt, memory_order_relaxed);
    uint64_t mx = atomic_load_explicit(&pool->coalesce_ns_max, memory_order_relaxed);
    while (dt > mx && !atomic_compare_exchange_weak_explicit(&pool->coalesce_ns_max, &mx, dt, memory_order_relaxed,
                                                             memory_order_relaxed))
        ;
    NPOOL_DEBUG_CHECK(pool);
    return 0;
}

int npool_reset(npool_t *pool)
{
    if (!pool)
        return npool__errorf(-EINVAL, "npool_reset: pool is NULL");
    (void)npool__held_sample(pool);     /* the peak before every block is free again */
    npool__caches_clear(pool);
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        npool__lock(a);
        npool__depot_drain(a);
        freeset_fill(&a->fs);
        npool__arena_fresh(pool, a);
        memset((void *)a->state, NPOOL_STATE_FREE, a->nblocks);
        a->puts_since_check = 0;
        npool__unlock(a);
    }
    NPOOL_DEBUG_CHECK(pool);
    return 0;
}
