/* src/pool.c - create and destroy, and every way a block goes out and comes
 * back: get/put by pointer and index, bulk, contiguous runs, coalesce, reset,
 * check.
 *
 * Hot path: a get pops an index from the calling thread's magazine for the
 * node, a put validates the pointer (one range check, one shift or division),
 * checks and flips the block's state byte and pushes the index; neither takes
 * a lock, issues a locked instruction or a fence, or makes a system call.
 * A magazine that runs dry takes a full one from the node's depot (depot.c)
 * or the node's lowest free blocks; one that overflows is handed to the depot
 * or half of it goes back to the set, under the node's lock (npool__refill,
 * npool__overflow, npool__flush).  numapool.h carries the same one-node fast
 * paths inline, reading the first fields of struct npool.  With
 * NPOOL_NO_CACHE (or a pool too small to cache) every get and put goes to the
 * node's sorted set under its lock, so blocks go out strictly lowest address
 * first.
 *
 * State bytes are written with relaxed atomic stores by whoever owns the
 * block at that moment: the getter after taking it (from a magazine it owns
 * or from the set under the lock), the putter before giving it up.  Hence a
 * block found in the set under the lock is always FREE, and a double put is
 * seen whenever the two puts are ordered. */
#include "pool_internal.h"
#include "error.h"
#include "topo.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GiB ((size_t)1 << 30)

static _Atomic uint64_t next_gen = 1;

/* ------------------------------------------------------------------------ */
/* locating blocks                                                          */

/* Arena and local index of `b`, or NULL with *why_off set for the sentence:
 * (size_t)-1 outside every arena, else the byte offset into block *i. */
static inline struct npool_arena *locate(const npool_t *pool, const void *b, size_t *i, size_t *interior)
{
    uintptr_t off = (uintptr_t)b - (uintptr_t)pool->va;
    *interior = 0;
    *i = 0;
    if (off >= pool->va_bytes)
        return NULL;
    const struct npool_arena *a = &pool->arena[off >> pool->span_shift];
    size_t o = off & (((size_t)1 << pool->span_shift) - 1);
    if (o >= pool->arena_bytes)
        return NULL;
    size_t idx = pool->stride_shift ? o >> pool->stride_shift : o / pool->stride;
    *i = idx;
    *interior = o - idx * pool->stride;
    return *interior ? NULL : (struct npool_arena *)a;
}

static int refuse_pointer(npool_t *pool, const void *b, size_t i, size_t interior)
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

static inline uint8_t state_load(const struct npool_arena *a, size_t i)
{
    return atomic_load_explicit(&a->state[i], memory_order_relaxed);
}

static inline void state_store(struct npool_arena *a, size_t i, uint8_t v)
{
    atomic_store_explicit(&a->state[i], v, memory_order_relaxed);
}

static inline void *block_at(const npool_t *pool, const struct npool_arena *a, size_t i)
{
    return a->base + i * pool->stride;
}

/* The arena serving the calling thread: its CPU's node, or the pool's nearest. */
static inline struct npool_arena *caller_arena(npool_t *pool)
{
    if (pool->narenas == 1)
        return &pool->arena[0];
    int cpu = sched_getcpu();   /* glibc >= 2.35 reads rseq: no system call */
    int k = cpu >= 0 && cpu < 1024 ? pool->cpu_arena[cpu] : -1;
    return &pool->arena[k >= 0 ? k : 0];
}

#if NPOOL_DEBUG >= 3
#define DEBUG_CHECK(pool)                                                             \
    do {                                                                              \
        if (npool_check(pool) != 0) {                                                 \
            fprintf(stderr, "numapool: NPOOL_DEBUG: %s\n", npool_last_error());     \
            abort();                                                                  \
        }                                                                             \
    } while (0)
#else
#define DEBUG_CHECK(pool) ((void)0)
#endif

/* ------------------------------------------------------------------------ */
/* the cache on the hot path                                                */

static inline struct npool_tcache *cache_of(npool_t *pool)
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
    return tc->cap ? tc : NULL;     /* a thread over the fair share goes straight to the sets */
}

uint32_t npool__refill(npool_t *pool, struct npool_arena *a, struct npool_tcache *tc, struct npool_mag *m)
{
    uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
    uint32_t want = tc->batch < tc->cap - n ? tc->batch : tc->cap - n;
    (void)pool;
    /* a magazine another thread handed in, else the set's lowest blocks,
     * the lowest on top so that gets still go out in address order */
    pthread_mutex_lock(&a->lock);
    if (n == 0 && npool__depot_take_full(a, m)) {
        pthread_mutex_unlock(&a->lock);
        return atomic_load_explicit(&m->n, memory_order_relaxed);
    }
    if (a->fs.nfree < want && a->depot_blocks)
        npool__depot_drain(a);          /* a get never fails while the depot holds blocks */
    size_t k = freeset_take_lowest_desc(&a->fs, m->idx + n, want);
    pthread_mutex_unlock(&a->lock);
    atomic_store_explicit(&m->n, n + (uint32_t)k, memory_order_relaxed);
    return n + (uint32_t)k;
}

/* Under a->lock: every check_interval blocks coming back, look at the
 * fragmentation, and past the threshold have every cache come home. */
static void maybe_auto_coalesce(npool_t *pool, struct npool_arena *a, size_t returned)
{
    a->puts_since_check += returned;
    if (a->puts_since_check < pool->check_interval || !pool->mag_cap)
        return;
    a->puts_since_check = 0;
    if (freeset_fragmentation(&a->fs) > pool->coalesce_threshold) {
        npool__depot_drain(a);
        atomic_fetch_add_explicit(&pool->epoch, 1, memory_order_release);
        atomic_fetch_add_explicit(&pool->coalesces, 1, memory_order_relaxed);
    }
}

uint32_t npool__overflow(npool_t *pool, struct npool_arena *a, struct npool_mag *m, uint32_t batch)
{
    pthread_mutex_lock(&a->lock);
    int handed = npool__depot_give_full(a, m);
    pthread_mutex_unlock(&a->lock);
    if (!handed)
        npool__flush(pool, a, m, batch, 1);
    return atomic_load_explicit(&m->n, memory_order_relaxed);
}

/* The top k entries go back: no entry moves, and the blocks kept are the
 * older ones, which is as good as any for a LIFO that just overflowed. */
void npool__flush(npool_t *pool, struct npool_arena *a, struct npool_mag *m, uint32_t k, int check)
{
    uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
    if (k > n)
        k = n;
    if (!k)
        return;
    pthread_mutex_lock(&a->lock);
    for (uint32_t j = n - k; j < n; j++)
        freeset_insert(&a->fs, m->idx[j]);     /* never twice in the set, even unchecked */
    if (check)
        maybe_auto_coalesce(pool, a, k);
    pthread_mutex_unlock(&a->lock);
    atomic_store_explicit(&m->n, n - k, memory_order_relaxed);
}

/* ------------------------------------------------------------------------ */
/* get                                                                      */

static inline void *hand_out(npool_t *pool, struct npool_arena *a, size_t i)
{
    if (!(pool->flags & NPOOL_UNCHECKED))
        state_store(a, i, NPOOL_STATE_HELD);
    void *b = block_at(pool, a, i);
    NPOOL_UNPOISON(b, pool->stride);
    if (pool->flags & NPOOL_ZERO)
        memset(b, 0, pool->block_size);
    return b;
}

/* One block of arena `a`, or SIZE_MAX. */
static inline size_t take_one(npool_t *pool, struct npool_arena *a)
{
    struct npool_tcache *tc = cache_of(pool);
    if (tc) {
        struct npool_mag *m = &tc->mag[a->pos];
        uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
        if (__builtin_expect(n == 0, 0) && (n = npool__refill(pool, a, tc, m)) == 0)
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
        void *b = hand_out(pool, a, i);
        DEBUG_CHECK(pool);
        return b;
    }
    if (spill) {
        for (int k = 0; k < pool->narenas - 1; k++) {
            struct npool_arena *o = &pool->arena[a->near[k]];
            if ((i = take_one(pool, o)) != SIZE_MAX)
                return hand_out(pool, o, i);
        }
    }
    return get_failed(pool, a);
}

/* The cache this thread holds for `pool` when it is current (same generation,
 * same epoch), else NULL: the fast paths' one test. */
static inline struct npool_tcache *fast_cache(const npool_t *pool)
{
    if (__builtin_expect(npool__tl_last.gen != pool->fast_gen ||
                         npool__tl_last.epoch != atomic_load_explicit(&pool->epoch, memory_order_relaxed), 0))
        return NULL;
    return NPOOL_TL_CACHE();
}

static void *get_slow(npool_t *pool) __attribute__((noinline));

void *npool_get(npool_t *pool)
{
    struct npool_tcache *tc;
    if (__builtin_expect(pool && (tc = fast_cache(pool)), 1)) {
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
    return get_from(pool, caller_arena(pool), pool->flags & NPOOL_SPILL);
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

static inline void give_back(npool_t *pool, struct npool_arena *a, size_t i)
{
    NPOOL_POISON(block_at(pool, a, i), pool->stride);
    struct npool_tcache *tc = cache_of(pool);
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
    if (__builtin_expect(pool && (tc = fast_cache(pool)), 1)) {
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
    struct npool_arena *a = locate(pool, block, &i, &interior);
    if (__builtin_expect(!a, 0))
        return refuse_pointer(pool, block, i, interior);
    if (!(pool->flags & NPOOL_UNCHECKED)) {
        if (__builtin_expect(state_load(a, i) != NPOOL_STATE_HELD, 0)) {
            atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
            return npool__errorf(-EALREADY, "block %zu (%p) of pool '%s' is already free: a double put",
                                 a->first_index + i, block, pool->name);
        }
        state_store(a, i, NPOOL_STATE_FREE);
    }
    give_back(pool, a, i);
    DEBUG_CHECK(pool);
    return 0;
}

size_t npool_index(const npool_t *pool, const void *block)
{
    size_t i, interior;
    const struct npool_arena *a = pool ? locate(pool, block, &i, &interior) : NULL;
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
    return block_at(pool, a, index % pool->nblocks_node);
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
/* bulk                                                                     */

static int get_bulk_slow(npool_t *pool, void **blocks, size_t n) __attribute__((noinline));

int npool_get_bulk(npool_t *pool, void **blocks, size_t n)
{
    struct npool_tcache *tc;
    if (__builtin_expect(pool && blocks && (tc = fast_cache(pool)), 1)) {
        struct npool_mag *m = &tc->mag[0];
        uint32_t have = atomic_load_explicit(&m->n, memory_order_relaxed);
        if (__builtin_expect(n && n <= have, 1)) {
            /* locals: the state stores are bytes, which the compiler must assume alias everything */
            const uint32_t *top = m->idx + have - 1;
            _Atomic uint8_t *state = m->state;
            char *base = m->base;
            size_t stride = pool->stride;
            for (size_t j = 0; j < n; j++) {
                uint32_t i = top[-(ptrdiff_t)j];
                blocks[j] = base + (size_t)i * stride;
                atomic_store_explicit(&state[i], NPOOL_STATE_HELD, memory_order_relaxed);
                NPOOL_UNPOISON(blocks[j], stride);
            }
            atomic_store_explicit(&m->n, have - (uint32_t)n, memory_order_relaxed);
            atomic_store_explicit(&m->gets, atomic_load_explicit(&m->gets, memory_order_relaxed) + n,
                                  memory_order_relaxed);
            return 0;
        }
    }
    return get_bulk_slow(pool, blocks, n);
}

static int get_bulk_slow(npool_t *pool, void **blocks, size_t n)
{
    if (!pool || !blocks || !n)
        return npool__errorf(-EINVAL, "npool_get_bulk: %s", !pool ? "pool is NULL" : !blocks ? "blocks is NULL"
                                                                                         : "n is 0");
    struct npool_arena *a = caller_arena(pool);
    struct npool_tcache *tc = cache_of(pool);
    struct npool_mag *m = tc ? &tc->mag[a->pos] : NULL;
    size_t have = m ? atomic_load_explicit(&m->n, memory_order_relaxed) : 0;
    if (m && have < n && n <= tc->cap) {
        /* fill the magazine in one batch, then serve from it; a request that
         * cannot be met leaves the cache as it was */
        pthread_mutex_lock(&a->lock);
        size_t k = 0;
        if (have == 0 && npool__depot_take_full(a, m))
            k = have = atomic_load_explicit(&m->n, memory_order_relaxed);
        if (have + a->fs.nfree < n && a->depot_blocks)
            npool__depot_drain(a);
        if (have < n && have + a->fs.nfree >= n) {
            size_t more = freeset_take_lowest_desc(&a->fs, m->idx + have, tc->cap - have);
            k += more;
            have += more;
        }
        pthread_mutex_unlock(&a->lock);
        atomic_store_explicit(&m->n, (uint32_t)have, memory_order_relaxed);
        if (k && pool->fast)
            return npool_get_bulk(pool, blocks, n);
    }
    size_t from_cache = have < n ? have : n;
    size_t need = n - from_cache;
    if (need) {
        pthread_mutex_lock(&a->lock);
        if (a->fs.nfree < need && a->depot_blocks)
            npool__depot_drain(a);
        if (a->fs.nfree < need) {
            size_t inset = a->fs.nfree;
            a->failed_gets++;
            pthread_mutex_unlock(&a->lock);
            return npool__errorf(-ENOMEM, "npool_get_bulk: %zu blocks asked for on node %d of pool '%s', "
                                 "%zu free there (%zu in its set, %zu in this thread's cache)",
                                 n, a->node, pool->name, inset + from_cache, inset, from_cache);
        }
        /* the set's lowest blocks first, then the cache's */
        size_t done = 0;
        while (done < need) {
            uint32_t tmp[256];
            size_t want = need - done < 256 ? need - done : 256;
            size_t k = freeset_take_lowest(&a->fs, tmp, want);
            for (size_t j = 0; j < k; j++)
                blocks[done + j] = block_at(pool, a, tmp[j]);
            done += k;
        }
        if (!m)
            a->gets += need;
        pthread_mutex_unlock(&a->lock);
        if (m)
            atomic_store_explicit(&m->gets, atomic_load_explicit(&m->gets, memory_order_relaxed) + need,
                                  memory_order_relaxed);
    }
    for (size_t j = 0; j < from_cache; j++)
        blocks[need + j] = block_at(pool, a, m->idx[have - 1 - j]);
    if (from_cache) {
        atomic_store_explicit(&m->n, (uint32_t)(have - from_cache), memory_order_relaxed);
        atomic_store_explicit(&m->gets, atomic_load_explicit(&m->gets, memory_order_relaxed) + from_cache,
                              memory_order_relaxed);
    }
    for (size_t j = 0; j < n; j++) {
        size_t i, interior;
        struct npool_arena *b = locate(pool, blocks[j], &i, &interior);
        hand_out(pool, b, i);
    }
    DEBUG_CHECK(pool);
    return 0;
}

static int put_bulk_slow(npool_t *pool, void *const *blocks, size_t n) __attribute__((noinline));

/* One pass: check each entry, mark it free and write it above the magazine's
 * top; publish the new top only when every entry passed.  On the first bad
 * entry, undo and let the slow path find and word the error. */
int npool_put_bulk(npool_t *pool, void *const *blocks, size_t n)
{
    struct npool_tcache *tc;
    if (__builtin_expect(pool && !pool->unchecked && pool->stride_shift && blocks && (tc = fast_cache(pool)), 1)) {
        struct npool_mag *m = &tc->mag[0];
        uint32_t top = atomic_load_explicit(&m->n, memory_order_relaxed);
        if (__builtin_expect(n <= m->cap - top, 1) ||
            (n <= m->cap / 2 && (top = npool__overflow(pool, &pool->arena[0], m, m->cap / 2), 1))) {
            size_t j;
            const uintptr_t va = (uintptr_t)pool->va;
            const size_t bytes = pool->arena_bytes, mask = pool->stride_mask;
            const unsigned shift = pool->stride_shift;
            _Atomic uint8_t *state = m->state;
            uint32_t *dst = m->idx + top;
            for (j = 0; j < n; j++) {
                uintptr_t off = (uintptr_t)blocks[j] - va;
                size_t i = off >> shift;
                if (off >= bytes || (off & mask) ||
                    atomic_load_explicit(&state[i], memory_order_relaxed) != NPOOL_STATE_HELD)
                    break;
                dst[j] = (uint32_t)i;
                atomic_store_explicit(&state[i], NPOOL_STATE_FREE, memory_order_relaxed);
            }
            if (__builtin_expect(j == n, 1)) {
                for (j = 0; j < n; j++)
                    NPOOL_POISON(blocks[j], pool->stride);
                atomic_store_explicit(&m->n, top + (uint32_t)n, memory_order_relaxed);
                atomic_store_explicit(&m->puts, atomic_load_explicit(&m->puts, memory_order_relaxed) + n,
                                      memory_order_relaxed);
                return 0;
            }
            while (j--)
                atomic_store_explicit(&m->state[m->idx[top + j]],
                                      NPOOL_STATE_HELD, memory_order_relaxed);
        }
    }
    return put_bulk_slow(pool, blocks, n);
}

static int put_bulk_slow(npool_t *pool, void *const *blocks, size_t n)
{
    if (!pool || (!blocks && n))
        return npool__errorf(-EINVAL, "npool_put_bulk: %s", !pool ? "pool is NULL" : "blocks is NULL");
    int checked = !(pool->flags & NPOOL_UNCHECKED);
    size_t j, i, interior;
    int rc = 0;
    /* validate everything before anything changes; PUTTING marks repeats */
    for (j = 0; j < n; j++) {
        struct npool_arena *a = locate(pool, blocks[j], &i, &interior);
        if (!a) {
            rc = refuse_pointer(pool, blocks[j], i, interior);
            npool__error_append(" (entry %zu of %zu; nothing was put)", j, n);
            break;
        }
        if (!checked)
            continue;
        uint8_t s = state_load(a, i);
        if (s != NPOOL_STATE_HELD) {
            atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
            rc = s == NPOOL_STATE_PUTTING
                     ? npool__errorf(-EINVAL, "entry %zu of %zu repeats block %zu; nothing was put", j, n,
                                     a->first_index + i)
                     : npool__errorf(-EALREADY, "entry %zu of %zu, block %zu, is already free; nothing was put", j,
                                     n, a->first_index + i);
            break;
        }
        state_store(a, i, NPOOL_STATE_PUTTING);
    }
    if (rc) {
        for (size_t k = 0; checked && k < j; k++) {
            struct npool_arena *a = locate(pool, blocks[k], &i, &interior);
            state_store(a, i, NPOOL_STATE_HELD);
        }
        return rc;
    }
    for (j = 0; j < n; j++) {
        struct npool_arena *a = locate(pool, blocks[j], &i, &interior);
        if (checked)
            state_store(a, i, NPOOL_STATE_FREE);
        give_back(pool, a, i);
    }
    DEBUG_CHECK(pool);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* contiguous runs                                                          */

void *npool_get_contig(npool_t *pool, size_t n)
{
    if (!pool || !n || n > pool->nblocks_node) {
        if (pool)
            npool__errorf(-EINVAL, "npool_get_contig: %zu blocks asked for; a node of pool '%s' has %zu", n,
                          pool->name, pool->nblocks_node);
        else
            npool__errorf(-EINVAL, "npool_get_contig: pool is NULL");
        errno = EINVAL;
        return NULL;
    }
    struct npool_arena *a = caller_arena(pool);
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_mutex_lock(&a->lock);
        size_t first = freeset_take_run(&a->fs, n);
        if (first != SIZE_MAX)
            a->gets += n;
        pthread_mutex_unlock(&a->lock);
        if (first != SIZE_MAX) {
            for (size_t k = 0; k < n; k++)
                hand_out(pool, a, first + k);
            DEBUG_CHECK(pool);
            return block_at(pool, a, first);
        }
        /* the blocks this thread caches may complete a run: return them and look
         * once more, even when the magazine is now empty, since cache_of() may have
         * just returned them for a pending coalesce */
        struct npool_tcache *tc = cache_of(pool);
        if (!tc)
            break;
        npool__flush(pool, a, &tc->mag[a->pos], tc->cap, 0);
        pthread_mutex_lock(&a->lock);
        npool__depot_drain(a);
        pthread_mutex_unlock(&a->lock);
    }
    pthread_mutex_lock(&a->lock);
    size_t largest = freeset_largest_run(&a->fs), inset = a->fs.nfree;
    a->failed_gets++;
    pthread_mutex_unlock(&a->lock);
    npool__errorf(-ENOMEM, "no run of %zu free blocks on node %d of pool '%s': the longest is %zu, of %zu in the "
                  "free set", n, a->node, pool->name, largest, inset);
    errno = ENOMEM;
    return NULL;
}

int npool_put_contig(npool_t *pool, void *first, size_t n)
{
    if (!pool)
        return npool__errorf(-EINVAL, "npool_put_contig: pool is NULL");
    size_t i, interior;
    struct npool_arena *a = locate(pool, first, &i, &interior);
    if (!a)
        return refuse_pointer(pool, first, i, interior);
    if (!n || n > a->nblocks - i) {
        atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
        return npool__errorf(-EINVAL, "npool_put_contig: a run of %zu blocks from block %zu leaves node %d, whose "
                             "last block is %zu", n, a->first_index + i, a->node, a->first_index + a->nblocks - 1);
    }
    if (!(pool->flags & NPOOL_UNCHECKED)) {
        for (size_t k = 0; k < n; k++) {
            if (state_load(a, i + k) != NPOOL_STATE_HELD) {
                atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
                return npool__errorf(-EALREADY, "npool_put_contig: block %zu, number %zu of the run of %zu, is "
                                     "already free; nothing was put", a->first_index + i + k, k, n);
            }
        }
        for (size_t k = 0; k < n; k++)
            state_store(a, i + k, NPOOL_STATE_FREE);
    }
    NPOOL_POISON(block_at(pool, a, i), n * pool->stride);
    pthread_mutex_lock(&a->lock);
    if (freeset_run_none(&a->fs, i, n)) {
        freeset_insert_run(&a->fs, i, n);
    } else {
        for (size_t k = 0; k < n; k++)
            freeset_insert(&a->fs, i + k);
    }
    a->puts += n;
    maybe_auto_coalesce(pool, a, n);
    pthread_mutex_unlock(&a->lock);
    DEBUG_CHECK(pool);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* coalesce, metrics, reset, check                                          */

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
    DEBUG_CHECK(pool);
    return 0;
}

double npool_fragmentation(const npool_t *pool)
{
    if (!pool)
        return 0.0;
    double worst = 0.0;
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        pthread_mutex_lock(&a->lock);
        double f = freeset_fragmentation(&a->fs);
        pthread_mutex_unlock(&a->lock);
        if (f > worst)
            worst = f;
    }
    return worst;
}

double npool_efficiency(const npool_t *pool)
{
    if (!pool)
        return 0.0;
    /* caches and sets are read one after the other while other threads move
     * blocks between them: a block may be seen in both, never held twice */
    size_t cached[NPOOL_MAX_NODES] = {0}, held = 0;
    npool__caches_count(pool, cached, NULL, NULL);
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        pthread_mutex_lock(&a->lock);
        size_t free_k = a->fs.nfree + cached[k];
        pthread_mutex_unlock(&a->lock);
        held += free_k < a->nblocks ? a->nblocks - free_k : 0;
    }
    return 100.0 * (double)held / (double)pool->nblocks_total;
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
    DEBUG_CHECK(pool);
    return 0;
}

int npool_check(const npool_t *pool)
{
    if (!pool)
        return npool__errorf(-EINVAL, "npool_check: pool is NULL");
    char why[256];
    int checked = !(pool->flags & NPOOL_UNCHECKED);
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        int bad = 0;
        pthread_mutex_lock(&a->lock);
        if (freeset_check(&a->fs, why, sizeof why) != 0)
            bad = 1;
        for (size_t i = 0; !bad && checked && i < a->nblocks; i++) {
            uint8_t s = state_load(a, i);
            if (s > NPOOL_STATE_PUTTING) {
                snprintf(why, sizeof why, "block %zu has state %u", a->first_index + i, s);
                bad = 1;
            } else if (freeset_has(&a->fs, i) && s != NPOOL_STATE_FREE) {
                snprintf(why, sizeof why, "block %zu is in the free set but marked held", a->first_index + i);
                bad = 1;
            }
        }
        pthread_mutex_unlock(&a->lock);
        if (bad)
            return npool__errorf(-EFAULT, "pool '%s', node %d: %s", pool->name, a->node, why);
    }
    uint8_t *marks = calloc(pool->nblocks_total, 1);
    if (!marks)
        return npool__errorf(-ENOMEM, "npool_check: no memory for %zu marks", pool->nblocks_total);
    int rc = npool__caches_check(pool, marks, why, sizeof why);
    free(marks);
    if (rc)
        return npool__errorf(-EFAULT, "pool '%s': %s", pool->name, why);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* creation                                                                 */

static int is_pow2(size_t v) { return v && !(v & (v - 1)); }

static unsigned log2_exact(size_t v)
{
    unsigned s = 0;
    while (((size_t)1 << s) < v)
        s++;
    return s;
}

static size_t round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

static int parse_pages_env(const char *s, enum npool_pages *out)
{
    static const struct { const char *name; enum npool_pages p; } names[] = {
        {"auto", NPOOL_PAGES_AUTO}, {"1G", NPOOL_PAGES_1G}, {"1g", NPOOL_PAGES_1G},
        {"2M", NPOOL_PAGES_2M},     {"2m", NPOOL_PAGES_2M}, {"thp", NPOOL_PAGES_THP},
        {"THP", NPOOL_PAGES_THP},   {"base", NPOOL_PAGES_BASE}, {"4K", NPOOL_PAGES_BASE}, {"4k", NPOOL_PAGES_BASE},
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcmp(s, names[k].name)) {
            *out = names[k].p;
            return 0;
        }
    return npool__errorf(-EINVAL, "NUMAPOOL_PAGES=\"%s\" is not one of auto, 1G, 2M, thp, base", s);
}

/* Map arena `a` (address and size already set) with backing `want`, bound to
 * its node, populated.  0, or a negative errno with the reason in why. */
static int try_backing(npool_t *pool, struct npool_arena *a, enum npool_pages want, size_t page_size,
                       const struct topo *t, char *why, size_t whylen)
{
    char sz[32];
    int prefer = !!(pool->flags & NPOOL_PREFER_NODE);
    size_t len = round_up(pool->arena_bytes, page_size ? page_size : os_base_page_size());
    if (want == NPOOL_PAGES_1G || want == NPOOL_PAGES_2M) {
        long free_pages = 0;
        size_t need = len / page_size;
        int rc = topo_hugepages_free(t, a->node, page_size, &free_pages);
        if (rc) {
            snprintf(why, whylen, "this machine has no %s hugepages", npool__size_name(page_size, sz, sizeof sz));
            return -ENOMEM;
        }
        if ((size_t)free_pages < need) {
            snprintf(why, whylen, "node %d has %ld free %s hugepages, %zu needed; raise "
                     "/sys/devices/system/node/node%d/hugepages/hugepages-%zukB/nr_hugepages or use NPOOL_PAGES_AUTO",
                     a->node, free_pages, npool__size_name(page_size, sz, sizeof sz), need, a->node, page_size / 1024);
            return -ENOMEM;
        }
    } else {
        uint64_t node_avail = UINT64_MAX, cg_avail = UINT64_MAX;
        if (want == NPOOL_PAGES_THP && topo_thp_mode(t) == TOPO_THP_NEVER) {
            snprintf(why, whylen, "transparent hugepages are disabled (/sys/kernel/mm/transparent_hugepage/enabled "
                     "is never)");
            return -EOPNOTSUPP;
        }
        if (topo_node_mem_available(t, a->node, &node_avail) == 0 && node_avail < len) {
            snprintf(why, whylen, "node %d has %llu MiB available, the arena needs %zu MiB", a->node,
                     (unsigned long long)(node_avail >> 20), len >> 20);
            return -ENOMEM;
        }
        if (topo_cgroup_mem_available(t, &cg_avail) == 0 && cg_avail < len) {
            snprintf(why, whylen, "the memory cgroup allows %llu MiB more (memory.max), the arena needs %zu MiB",
                     (unsigned long long)(cg_avail >> 20), len >> 20);
            return -ENOMEM;
        }
    }
    enum os_backing ob = want == NPOOL_PAGES_THP ? OS_THP : want == NPOOL_PAGES_BASE ? OS_BASE : OS_HUGETLB;
    int rc = os_map_fixed(a->base, len, ob, page_size);
    if (!rc)
        rc = bind_range(a->base, len, a->node, prefer);
    if (!rc) {
        rc = os_populate(a->base, len);
        if (rc) {
            if (ob == OS_HUGETLB)
                snprintf(why, whylen, "populating %zu %s hugepages on node %d failed (%s): the sysfs count was "
                         "taken by another process or a hugetlb limit", len / page_size,
                         npool__size_name(page_size, sz, sizeof sz), a->node, strerror(-rc));
            else
                snprintf(why, whylen, "populating %zu MiB on node %d failed (%s)", len >> 20, a->node, strerror(-rc));
        }
    } else {
        snprintf(why, whylen, "%s", npool_last_error());
    }
    if (rc) {
        os_unreserve(a->base, len);
        return rc;
    }
    a->map_bytes = len;
    a->backing = want;
    return 0;
}

/* The arena's backing: the request, then what falls back from it. */
static int map_arena(npool_t *pool, struct npool_arena *a, enum npool_pages req, const struct topo *t)
{
    int strict = !!(pool->flags & NPOOL_STRICT_PAGES);
    struct { enum npool_pages p; size_t ps; } plan[8];
    int np = 0;
    char why[sizeof a->why] = "", note[sizeof a->why] = "";

    if (req == NPOOL_PAGES_AUTO) {
        /* numa/ decides (the same rule numapool-topo shows); smaller backings follow */
        size_t ps = 0;
        int rc = topo_pick_pages(t, a->node, pool->arena_bytes, &ps, note, sizeof note);
        if (rc)
            return rc;
        if (ps > t->base_page_size) {
            plan[np].p = ps == GiB ? NPOOL_PAGES_1G : NPOOL_PAGES_2M;
            plan[np++].ps = ps;
        }
        if (ps > t->base_page_size || ps == 0)
            plan[np].p = NPOOL_PAGES_THP, plan[np++].ps = 0;
        plan[np].p = NPOOL_PAGES_BASE, plan[np++].ps = 0;
    } else {
        static const enum npool_pages chain[] = {NPOOL_PAGES_1G, NPOOL_PAGES_2M, NPOOL_PAGES_THP, NPOOL_PAGES_BASE};
        for (size_t k = 0; k < 4; k++) {
            if (chain[k] < req)
                continue;
            plan[np].p = chain[k];
            plan[np++].ps = chain[k] == NPOOL_PAGES_1G ? GiB : chain[k] == NPOOL_PAGES_2M ? (size_t)2 << 20 : 0;
            if (strict)
                break;
        }
    }
    int rc = -ENOMEM;
    for (int k = 0; k < np; k++) {
        char w[sizeof a->why];
        /* THP under "never" is no THP at all: skip it unless it was asked for */
        if (plan[k].p == NPOOL_PAGES_THP && req != NPOOL_PAGES_THP && topo_thp_mode(t) == TOPO_THP_NEVER)
            continue;
        rc = try_backing(pool, a, plan[k].p, plan[k].ps, t, w, sizeof w);
        if (!rc)
            break;
        if (!why[0])
            snprintf(why, sizeof why, "%s", w);
        /* memory itself short (not pages of a size): nothing smaller helps */
        if ((plan[k].p == NPOOL_PAGES_THP || plan[k].p == NPOOL_PAGES_BASE) && rc == -ENOMEM)
            break;
    }
    if (rc) {
        if (rc == -EOPNOTSUPP && req == NPOOL_PAGES_THP)
            return npool__errorf(rc, "pool '%s': NPOOL_PAGES_THP with NPOOL_STRICT_PAGES on node %d: %s", pool->name,
                                 a->node, why);
        return npool__errorf(rc == -EOPNOTSUPP ? -EOPNOTSUPP : -ENOMEM, "pool '%s': no %s arena of %zu bytes on "
                             "node %d: %s", pool->name, npool_pages_name(req), pool->arena_bytes, a->node, why);
    }
    a->requested = req;
    a->fell_back = req != NPOOL_PAGES_AUTO && a->backing != req;
    snprintf(a->why, sizeof a->why, "%s", a->fell_back ? why : req == NPOOL_PAGES_AUTO ? note : "");
    return 0;
}

static void verbose_report(const npool_t *pool)
{
    for (int k = 0; k < pool->narenas; k++) {
        const struct npool_arena *a = &pool->arena[k];
        char sz[32];
        fprintf(stderr, "numapool: pool '%s' node %d: %zu blocks of %zu B (stride %zu) at %p, %zu bytes on %s pages "
                "(page %s)%s%s; %zu pages verified on node %d, %zu bytes elsewhere\n",
                pool->name, a->node, a->nblocks, pool->block_size, pool->stride, (void *)a->base, a->map_bytes,
                npool_pages_name(a->backing), npool__size_name(a->page_size, sz, sizeof sz),
                a->why[0] ? a->fell_back ? "; fell back: " : "; " : "", a->why, a->pages_verified, a->node,
                a->bytes_misplaced);
    }
}

static void teardown(npool_t *pool)
{
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        if (a->map_bytes)
            NPOOL_UNPOISON(a->base, a->map_bytes);   /* the shadow outlives the mapping */
        npool__depot_free(a);
        os_unmap(a->meta, a->meta_bytes);
        pthread_mutex_destroy(&a->lock);
    }
    os_unmap(pool->va, pool->va_bytes);
    os_unmap(pool, pool->self_bytes);   /* last: pool is this mapping */
}

/* Map `len` bytes of metadata bound to `node` and fault them in. */
static int map_meta(size_t len, int node, int prefer, void **out)
{
    int rc = os_map_anon(len, out);
    if (rc)
        return rc;
    if ((rc = bind_range(*out, len, node, prefer)) == 0 && (rc = os_populate(*out, len)) != 0)
        rc = npool__errorf(rc, "cannot fault in %zu bytes of pool metadata on node %d: %s", len, node, strerror(-rc));
    if (rc)
        os_unmap(*out, len);
    return rc;
}

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
    if ((unsigned)c->pages > NPOOL_PAGES_BASE)
        return npool__errorf(-EINVAL, "pages %d is not an enum npool_pages value", (int)c->pages);
    if (c->flags & ~NPOOL_FLAGS_ALL)
        return npool__errorf(-EINVAL, "flags %#x has unknown bits %#x", c->flags, c->flags & ~NPOOL_FLAGS_ALL);
    if (!(c->coalesce_threshold >= 0.0 && c->coalesce_threshold <= 100.0))
        return npool__errorf(-EINVAL, "coalesce_threshold %g is not a percentage in [0, 100]", c->coalesce_threshold);
    size_t align = c->align ? c->align : 64;
    if (c->block_size > SIZE_MAX - align)
        return npool__errorf(-EOVERFLOW, "block_size %zu overflows when rounded up to %zu", c->block_size, align);
    size_t stride = round_up(c->block_size, align);
    if (c->block_count > (SIZE_MAX / 4) / stride)
        return npool__errorf(-EOVERFLOW, "%zu blocks of %zu bytes overflow the address space", c->block_count,
                             stride);
    if ((c->block_count * stride) > ((size_t)1 << 46))
        return npool__errorf(-ENOMEM, "%zu blocks of %zu bytes (%zu GiB) per node is more than any node holds",
                             c->block_count, stride, (c->block_count * stride) >> 30);
    return 0;
}

int npool_create(const npool_config_t *cfg, npool_t **out)
{
    size_t base_page = os_base_page_size();
    int rc;
    if (!out)
        return npool__errorf(-EINVAL, "npool_create: out is NULL");
    *out = NULL;
    if ((rc = validate(cfg, base_page)) != 0)
        return rc;

    /* the environment overrides the config, for numactl-driven runs */
    const char *nodes = cfg->nodes;
    enum npool_pages pages = cfg->pages;
    const char *env = getenv("NUMAPOOL_NODES");
    if (env && *env)
        nodes = env;
    env = getenv("NUMAPOOL_PAGES");
    if (env && *env && (rc = parse_pages_env(env, &pages)) != 0)
        return rc;

    const struct topo *t;
    if ((rc = topo_system(&t)) != 0)
        return rc;
    topo_nodeset_t set;
    if ((rc = topo_parse_nodes(t, nodes, &set)) != 0)
        return rc;
    int narenas = topo_nodeset_count(&set);
    if (narenas > NPOOL_MAX_NODES)
        return npool__errorf(-EINVAL, "\"%s\" names %d nodes; a pool spans at most %d", nodes ? nodes : "local",
                             narenas, NPOOL_MAX_NODES);
    int first_node = topo_nodeset_next(&set, -1);
    int prefer = !!(cfg->flags & NPOOL_PREFER_NODE);

    /* the pool itself, on its first node */
    size_t self_bytes = round_up(sizeof(npool_t) + (size_t)narenas * sizeof(struct npool_arena), base_page);
    void *self;
    if ((rc = map_meta(self_bytes, first_node, prefer, &self)) != 0)
        return rc;
    npool_t *pool = self;
    pool->self_bytes = self_bytes;
    pool->gen = atomic_fetch_add(&next_gen, 1);
    pool->flags = cfg->flags;
    pool->align = cfg->align ? cfg->align : 64;
    pool->block_size = cfg->block_size;
    pool->stride = round_up(cfg->block_size, pool->align);
    pool->stride_shift = is_pow2(pool->stride) ? log2_exact(pool->stride) : 0;
    pool->stride_mask = is_pow2(pool->stride) ? pool->stride - 1 : SIZE_MAX;   /* see npool__head */
    pool->nblocks_node = cfg->block_count;
    pool->nblocks_total = cfg->block_count * (size_t)narenas;
    pool->arena_bytes = cfg->block_count * pool->stride;
    pool->coalesce_threshold = cfg->coalesce_threshold > 0 ? cfg->coalesce_threshold : 20.0;
    snprintf(pool->name, sizeof pool->name, "%s", cfg->name ? cfg->name : "npool");
    pool->narenas = narenas;
    /* a fragmentation check walks the set: O(blocks / 64 + runs), at most
     * O(blocks); one every blocks / 4 returns keeps it O(1) per put */
    pool->check_interval = cfg->block_count / 4 > 1024 ? cfg->block_count / 4 : 1024;
    atomic_init(&pool->epoch, 0);

    /* per-thread magazines: at most 1/16 of a node per thread, none for tiny pools */
    size_t cap = cfg->block_count / 16;
    if (cap > NPOOL_MAG_MAX)
        cap = NPOOL_MAG_MAX;
    pool->mag_cap = (cfg->flags & NPOOL_NO_CACHE) || cap < NPOOL_MAG_MIN ? 0 : (uint32_t)cap;

    /* a node that could never hold its arena: say so before mapping anything */
    for (int n = first_node; n >= 0; n = topo_nodeset_next(&set, n)) {
        int pos = topo_node_pos(t, n);
        uint64_t total = pos >= 0 ? t->node[pos].mem_total : 0;
        if (total && pool->arena_bytes > total) {
            rc = npool__errorf(-ENOMEM, "pool '%s': %zu blocks of %zu B need %zu MiB on node %d, which has %llu MiB "
                               "in all", pool->name, cfg->block_count, pool->stride, pool->arena_bytes >> 20, n,
                               (unsigned long long)(total >> 20));
            os_unmap(self, self_bytes);
            return rc;
        }
    }

    /* address space: arena k at va + k * span, span a power of two >= 1 GiB */
    size_t span = round_up(pool->arena_bytes, GiB);
    pool->span_shift = log2_exact(span);
    pool->va_bytes = (size_t)narenas << pool->span_shift;
    if ((rc = os_reserve(pool->va_bytes, GiB, (void **)&pool->va)) != 0) {
        os_unmap(self, self_bytes);
        return rc;
    }

    for (int k = 0; k < 1024; k++)
        pool->node_arena[k] = pool->cpu_arena[k] = -1;
    int k = 0;
    for (int n = first_node; n >= 0; n = topo_nodeset_next(&set, n), k++) {
        struct npool_arena *a = &pool->arena[k];
        pthread_mutex_init(&a->lock, NULL);
        a->node = n;
        a->pos = k;
        a->nblocks = cfg->block_count;
        a->first_index = (size_t)k * cfg->block_count;
        a->base = pool->va + ((size_t)k << pool->span_shift);
        a->buf_cap = pool->mag_cap;
        /* up to 16 magazines, a quarter of the node at most (depot.c) */
        a->depot_max = pool->mag_cap ? cfg->block_count / 4 / pool->mag_cap : 0;
        if (a->depot_max > 16)
            a->depot_max = 16;
        pool->node_arena[n] = (int16_t)k;
    }
    /* from here on teardown() releases everything */
    for (k = 0; k < narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        a->meta_bytes = round_up(freeset_bytes(a->nblocks) + round_up(a->nblocks, 64), base_page);
        if ((rc = map_meta(a->meta_bytes, a->node, prefer, &a->meta)) != 0) {
            a->meta = NULL;
            goto fail;
        }
        /* states first, then the set: the set's words stay 8-byte aligned */
        a->state = (_Atomic uint8_t *)a->meta;
        freeset_init(&a->fs, a->nblocks, (char *)a->meta + round_up(a->nblocks, 64));
        pool->metadata_bytes += a->meta_bytes;
        if ((rc = map_arena(pool, a, pages, t)) != 0)
            goto fail;
        NPOOL_POISON(a->base, pool->arena_bytes);   /* every block starts free */
        struct os_smaps sm;
        if ((rc = os_smaps(a->base, &sm)) != 0)
            goto fail;
        a->page_size = sm.kernel_page_size;
        a->thp_bytes = sm.anon_huge_bytes;
        if ((rc = bind_verify(a->base, a->map_bytes, a->page_size, a->node, &a->pages_verified,
                              &a->bytes_misplaced)) != 0)
            goto fail;
        if (a->bytes_misplaced && !prefer) {
            rc = npool__errorf(-EXDEV, "pool '%s': %zu of %zu bytes of the arena bound to node %d landed on other "
                               "nodes (move_pages); the kernel ignored the binding", pool->name, a->bytes_misplaced,
                               a->map_bytes, a->node);
            goto fail;
        }
        if ((cfg->flags & NPOOL_LOCK) && (rc = os_lock(a->base, a->map_bytes)) != 0)
            goto fail;
    }
    pool->metadata_bytes += self_bytes;

    /* who serves whom: each CPU's node, or the nearest arena */
    for (int cpu = 0; cpu < t->ncpus && cpu < 1024; cpu++) {
        int n = t->cpu_node[cpu];
        int near = topo_nearest(t, n >= 0 ? n : first_node, &set);
        pool->cpu_arena[cpu] = (int16_t)(near >= 0 ? pool->node_arena[near] : 0);
    }
    for (k = 0; k < narenas; k++) {
        /* the other arenas by distance, for NPOOL_SPILL */
        topo_nodeset_t rest = set;
        rest.bits[pool->arena[k].node / 64] &= ~(1ull << (pool->arena[k].node % 64));
        for (int j = 0; j < narenas - 1; j++) {
            int near = topo_nearest(t, pool->arena[k].node, &rest);
            pool->arena[k].near[j] = pool->node_arena[near];
            rest.bits[near / 64] &= ~(1ull << (near % 64));
        }
    }
    /* the fast paths: one arena, cached, not zeroing (unchecked ones skip the state bytes) */
    pool->fast = narenas == 1 && pool->mag_cap && !(cfg->flags & NPOOL_ZERO);
    pool->fast_gen = pool->fast ? pool->gen : UINT64_MAX;
    pool->unchecked = !!(cfg->flags & NPOOL_UNCHECKED);
    env = getenv("NUMAPOOL_VERBOSE");
    if (env && *env && strcmp(env, "0") != 0)
        verbose_report(pool);
    *out = pool;
    return 0;

fail:
    teardown(pool);
    return rc;
}

void npool_destroy(npool_t *pool)
{
    if (!pool)
        return;
    npool__caches_detach(pool);
    teardown(pool);
}

const char *npool_pages_name(enum npool_pages pages)
{
    switch (pages) {
    case NPOOL_PAGES_AUTO: return "auto";
    case NPOOL_PAGES_1G: return "1G";
    case NPOOL_PAGES_2M: return "2M";
    case NPOOL_PAGES_THP: return "THP";
    case NPOOL_PAGES_BASE: return "base";
    case NPOOL_PAGES_HUGETLB: return "hugetlb";
    }
    return "?";
}
