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

/* One block of arena `a`, or SIZE_MAX. */
static inline size_t take_one(npool_t *pool, struct npool_arena *a)
{
    struct npool_tcache *tc = npool__cache_of(pool);
    if (tc) {
        struct npool_mag *m = &tc->mag[a->pos];
        uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
        if (__builtin_expect(n == 0, 0) && (n = npool__refill(a, m, tc->batch)) == 0)
            return SIZE_MAX;
        uint32_t i = m->idx[n - 1];
        atomic_store_explicit(&m->n, n - 1, memory_order_relaxed);
        npool__relaxed_inc(&m->gets);
        return i;
    }
    uint32_t i;
    pthread_mutex_lock(&a->lock);
    if (!a->fs.nfree && a->depot_blocks)
        npool__depot_drain(a);
    size_t k = freeset_take_lowest(&a->fs, &i, 1);
    if (k)
        a->gets++;
    pthread_mutex_unlock(&a->lock);
    return k ? i : SIZE_MAX;
}

static void *get_failed(npool_t *pool, struct npool_arena *a)
{
    pthread_mutex_lock(&a->lock);
    a->failed_gets++;
    size_t inset = a->fs.nfree;
    pthread_mutex_unlock(&a->lock);
    npool__errorf(-ENOMEM, "node %d of pool '%s' has no free block for this thread: %zu blocks, %zu in its free set, "
                  "the rest held or in other threads' caches (npool_coalesce returns those)",
                  a->node, pool->name, a->nblocks, inset);
    errno = ENOMEM;
    return NULL;
}

static void *get_from(npool_t *pool, struct npool_arena *a, int spill)
{
    size_t i = take_one(pool, a);
    if (__builtin_expect(i != SIZE_MAX, 1)) {
        void *b = npool__hand_out(pool, a, i);
        NPOOL_DEBUG_CHECK(pool);
        return b;
    }
    if (spill) {
        for (int k = 0; k < pool->narenas - 1; k++) {
            struct npool_arena *o = &pool->arena[a->near[k]];
            if ((i = take_one(pool, o)) != SIZE_MAX)
                return npool__hand_out(pool, o, i);
        }
    }
    return get_failed(pool, a);
}

static void *get_slow(npool_t *pool) __attribute__((noinline));

void *npool_get(npool_t *pool)
{
    struct npool_tcache *tc;
    if (__builtin_expect(pool && (tc = npool__fast_cache(pool)), 1)) {
        struct npool_mag *m = &tc->mag[0];
        uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
        if (__builtin_expect(n != 0, 1)) {
            uint32_t i = m->idx[n - 1];
            atomic_store_explicit(&m->n, n - 1, memory_order_relaxed);
            npool__relaxed_inc(&m->gets);
            if (!pool->unchecked)
                atomic_store_explicit(&m->state[i], NPOOL_STATE_HELD, memory_order_relaxed);
            NPOOL_UNPOISON(m->base + (size_t)i * pool->stride, pool->stride);
            return m->base + (size_t)i * pool->stride;
        }
    }
    return get_slow(pool);
}

static void *get_slow(npool_t *pool)
{
    if (!pool) {
        npool__errorf(-EINVAL, "npool_get: pool is NULL");
        errno = EINVAL;
        return NULL;
    }
    return get_from(pool, npool__caller_arena(pool), pool->flags & NPOOL_SPILL);
}

static struct npool_arena *arena_of_node(npool_t *pool, int node)
{
    if (node < 0 || node >= 1024 || pool->node_arena[node] < 0)
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

void npool__give_back(npool_t *pool, struct npool_arena *a, size_t i)
{
    NPOOL_POISON(npool__block_at(pool, a, i), pool->stride);
    struct npool_tcache *tc = npool__cache_of(pool);
    if (tc) {
        struct npool_mag *m = &tc->mag[a->pos];
        uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
        if (__builtin_expect(n == tc->cap, 0))
            n = npool__overflow(pool, a, m, tc->batch);
        m->idx[n] = (uint32_t)i;
        atomic_store_explicit(&m->n, n + 1, memory_order_relaxed);
        npool__relaxed_inc(&m->puts);
        return;
    }
    pthread_mutex_lock(&a->lock);
    if (freeset_insert(&a->fs, i))
        a->puts++;
    pthread_mutex_unlock(&a->lock);
}

static int put_slow(npool_t *pool, void *block) __attribute__((noinline));

int npool_put(npool_t *pool, void *block)
{
    struct npool_tcache *tc;
    if (__builtin_expect(pool && (tc = npool__fast_cache(pool)), 1)) {
        uintptr_t off = (uintptr_t)block - (uintptr_t)pool->va;
        if (__builtin_expect(off < pool->arena_bytes && !(off & pool->stride_mask), 1)) {
            size_t i = off >> pool->stride_shift;
            struct npool_mag *m = &tc->mag[0];
            uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
            if (__builtin_expect(n < m->cap && (pool->unchecked || atomic_load_explicit(&m->state[i],
                                                  memory_order_relaxed) == NPOOL_STATE_HELD), 1)) {
                if (!pool->unchecked)
                    atomic_store_explicit(&m->state[i], NPOOL_STATE_FREE, memory_order_relaxed);
                NPOOL_POISON(block, pool->stride);
                m->idx[n] = (uint32_t)i;
                atomic_store_explicit(&m->n, n + 1, memory_order_relaxed);
                npool__relaxed_inc(&m->puts);
                return 0;
            }
        }
    }
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
    if (!(pool->flags & NPOOL_UNCHECKED)) {
        if (__builtin_expect(npool__state(a, i) != NPOOL_STATE_HELD, 0)) {
            atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
            return npool__errorf(-EALREADY, "block %zu (%p) of pool '%s' is already free: a double put",
                                 a->first_index + i, block, pool->name);
        }
        npool__set_state(a, i, NPOOL_STATE_FREE);
    }
    npool__give_back(pool, a, i);
    NPOOL_DEBUG_CHECK(pool);
    return 0;
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
        /* this thread's cache now; exited threads' went back when they exited */
        struct npool_tcache *tc = npool__tl_last.gen == pool->gen ? NPOOL_TL_CACHE() : npool__tcache(pool);
        if (tc)
            npool__tcache_flush(pool, tc);
        /* the depots' magazines at once too */
        for (int k = 0; k < pool->narenas; k++) {
            pthread_mutex_lock(&pool->arena[k].lock);
            npool__depot_drain(&pool->arena[k]);
            pthread_mutex_unlock(&pool->arena[k].lock);
        }
        /* everybody else's at their next call (they see the new epoch) */
        uint32_t e = atomic_fetch_add_explicit(&pool->epoch, 1, memory_order_release) + 1;
        if (tc)
            npool__tc_epoch(tc, e);
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
    npool__caches_clear(pool);
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        pthread_mutex_lock(&a->lock);
        npool__depot_drain(a);
        freeset_fill(&a->fs);
        NPOOL_POISON(a->base, pool->arena_bytes);
        memset((void *)a->state, NPOOL_STATE_FREE, a->nblocks);
        a->puts_since_check = 0;
        pthread_mutex_unlock(&a->lock);
    }
    NPOOL_DEBUG_CHECK(pool);
    return 0;
}
