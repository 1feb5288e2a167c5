/* src/bulk.c - many blocks at once: npool_get_bulk and npool_put_bulk (all
 * or nothing), and contiguous runs, npool_get_contig and npool_put_contig.
 *
 * The bulk calls have fast paths of their own over the calling thread's
 * magazine of a one-node pool (the same checks as npool_put, per entry),
 * and fall back to the node's set under its lock.  A run is taken first fit
 * from the sorted set; when none is found the caller's cache and the node's
 * depot are returned to the set and the set is searched once more. */
#include "getput.h"
#include "cache.h"
#include "error.h"
#include "stats.h"

#include <errno.h>
#include <string.h>

static int get_bulk_slow(npool_t *pool, void **blocks, size_t n) __attribute__((noinline));

/* The calling thread's magazine of a one-node pool on the inline path's
 * terms (its cache current, the pool's last coalesce seen), else NULL. */
static inline struct npool__mag *fast_mag(npool_t *pool)
{
#ifdef NPOOL__HAVE_FAST
    return pool->fast ? npool__current((const struct npool__head *)(const void *)pool) : NULL;
#else
    (void)pool;
    return NULL;
#endif
}

int npool_get_bulk(npool_t *pool, void **blocks, size_t n)
{
    struct npool__mag *m;
    if (__builtin_expect(pool && blocks && (m = fast_mag(pool)), 1)) {
        uint32_t have = NPOOL__LD(&m->n);
        if (__builtin_expect(n && n <= have, 1)) {
            /* locals: the state stores are bytes, which the compiler must assume alias everything */
            const uint32_t *top = m->idx + have - 1;
            uint8_t *state = m->state;
            char *base = m->base;
            size_t stride = pool->stride;
            int checked = !pool->unchecked;
            for (size_t j = 0; j < n; j++) {
                uint32_t i = top[-(ptrdiff_t)j];
                blocks[j] = base + (size_t)i * stride;
                if (checked)
                    NPOOL__ST(&state[i], (uint8_t)NPOOL_STATE_HELD);
            }
            NPOOL__ST(&m->n, have - (uint32_t)n);
            NPOOL__ST(&m->gets, NPOOL__LD(&m->gets) + n);
            return 0;
        }
    }
    return get_bulk_slow(pool, blocks, n);
}

/* The caller's magazine `m` cannot serve n blocks (n <= its capacity): fill
 * it in one batch, a spare of its own first, else a full magazine from the
 * depot and the set's lowest blocks, but only when the request can then be
 * met, so that a refused request leaves the cache as it was.  Returns how
 * many blocks it now holds; *added says whether any came. */
static size_t fill_for(npool_t *pool, struct npool_arena *a, struct npool_tcache *tc, struct npool__mag *m,
                       size_t n, int *added)
{
    size_t have = NPOOL__LD(&m->n), k = 0;
    if (have == 0 && atomic_load_explicit(&tc->side[a->pos].nspares, memory_order_relaxed))
        have = k = npool__refill(pool, a, m, &tc->side[a->pos], 0);    /* no node lock */
    if (have < n) {
        npool__lock(a);
        if (have == 0 && npool__depot_take_full(a, m, &tc->side[a->pos], 0))
            k = have = NPOOL__LD(&m->n);
        if (have + a->fs.nfree < n && a->depot_blocks)
            npool__depot_drain(a);
        if (have < n && have + a->fs.nfree >= n) {
            size_t more = freeset_take_lowest_desc(&a->fs, m->idx + have, tc->cap - have);
            k += more;
            have += more;
        }
        npool__unlock(a);
        NPOOL__ST(&m->n, (uint32_t)have);
    }
    *added = k > 0;
    return have;
}

/* `need` of the set's lowest blocks into blocks[] (other threads' spares
 * taken back first when the node is short); 0 or -ENOMEM with the sentence. */
static int take_from_set(npool_t *pool, struct npool_arena *a, int cached, void **blocks, size_t need, size_t n,
                         size_t from_cache)
{
    npool__lock(a);
    if (a->fs.nfree < need && a->depot_blocks)
        npool__depot_drain(a);
    if (a->fs.nfree < need && pool->mag_cap) {
        npool__unlock(a);
        npool__caches_reclaim(pool, a, 0);
        npool__lock(a);
    }
    if (a->fs.nfree < need) {
        size_t inset = a->fs.nfree;
        a->failed_gets++;
        npool__unlock(a);
        (void)npool__held_sample(pool);
        return npool__errorf(-ENOMEM, "npool_get_bulk: %zu blocks asked for on node %d of pool '%s', "
                             "%zu free there (%zu in its set, %zu in this thread's cache)",
                             n, a->node, pool->name, inset + from_cache, inset, from_cache);
    }
    for (size_t done = 0; done < need;) {
        uint32_t tmp[256];
        size_t want = need - done < 256 ? need - done : 256;
        size_t k = freeset_take_lowest(&a->fs, tmp, want);
        for (size_t j = 0; j < k; j++)
            blocks[done + j] = npool__block_at(pool, a, tmp[j]);
        done += k;
    }
    if (!cached)
        a->gets += need;
    npool__unlock(a);
    return 0;
}

static int get_bulk_slow(npool_t *pool, void **blocks, size_t n)
{
    if (!pool || !blocks || !n)
        return npool__errorf(-EINVAL, "npool_get_bulk: %s", !pool ? "pool is NULL" : !blocks ? "blocks is NULL"
                                                                                         : "n is 0");
    int cpu, added = 0;
    struct npool_arena *a = npool__caller_arena(pool, &cpu);
    struct npool_tcache *tc = npool__cache_of(pool);
    struct npool__mag *m = tc ? &tc->mag[a->pos] : NULL;
    size_t have = m ? NPOOL__LD(&m->n) : 0;
    if (m && have < n && n <= tc->cap) {
        have = fill_for(pool, a, tc, m, n, &added);
        if (added && fast_mag(pool))
            return npool_get_bulk(pool, blocks, n);
    }
    /* the set's lowest blocks first, then the cache's */
    size_t from_cache = have < n ? have : n, need = n - from_cache;
    int rc = need ? take_from_set(pool, a, m != NULL, blocks, need, n, from_cache) : 0;
    if (rc)
        return rc;
    if (m)
        NPOOL__ST(&m->gets, NPOOL__LD(&m->gets) + need);
    for (size_t j = 0; j < from_cache; j++)
        blocks[need + j] = npool__block_at(pool, a, m->idx[have - 1 - j]);
    if (from_cache) {
        NPOOL__ST(&m->n, (uint32_t)(have - from_cache));
        NPOOL__ST(&m->gets, NPOOL__LD(&m->gets) + from_cache);
    }
    for (size_t j = 0; j < n; j++) {
        size_t i, interior;
        struct npool_arena *b = npool__locate(pool, blocks[j], &i, &interior);
        npool__hand_out(pool, b, i);
    }
    NPOOL_DEBUG_CHECK(pool);
    return 0;
}

static int put_bulk_slow(npool_t *pool, void *const *blocks, size_t n) __attribute__((noinline));

/* One pass: check each entry, mark it free and write it above the magazine's
 * top; publish the new top only when every entry passed.  On the first bad
 * entry, undo and let the slow path find and word the error. */
int npool_put_bulk(npool_t *pool, void *const *blocks, size_t n)
{
    struct npool__mag *m;
    if (__builtin_expect(pool && !pool->unchecked && pool->stride_shift && blocks && (m = fast_mag(pool)), 1)) {
        uint32_t top = NPOOL__LD(&m->n);
        if (__builtin_expect(n <= m->cap - top, 1) ||
            (n <= m->cap / 2 && (top = npool__overflow(pool, &pool->arena[0], m, &NPOOL_TL_CACHE()->side[0],
                                                       m->cap / 2), 1))) {
            size_t j;
            const uintptr_t va = (uintptr_t)pool->va;
            const size_t bytes = pool->arena_bytes, mask = pool->stride_mask;
            const unsigned shift = pool->stride_shift;
            uint8_t *state = m->state;
            uint32_t *dst = m->idx + top;
            for (j = 0; j < n; j++) {
                uintptr_t off = (uintptr_t)blocks[j] - va;
                size_t i = off >> shift;
                if (off >= bytes || (off & mask) || NPOOL__LD(&state[i]) != NPOOL_STATE_HELD)
                    break;
                dst[j] = (uint32_t)i;
                NPOOL__ST(&state[i], (uint8_t)NPOOL_STATE_FREE);
            }
            if (__builtin_expect(j == n, 1)) {
                NPOOL__ST(&m->n, top + (uint32_t)n);
                NPOOL__ST(&m->puts, NPOOL__LD(&m->puts) + n);
                return 0;
            }
            while (j--)
                NPOOL__ST(&state[dst[j]], (uint8_t)NPOOL_STATE_HELD);
        }
    }
    return put_bulk_slow(pool, blocks, n);
}

static int put_bulk_slow(npool_t *pool, void *const *blocks, size_t n)
{
    if (!pool || (!blocks && n))
        return npool__errorf(-EINVAL, "npool_put_bulk: %s", !pool ? "pool is NULL" : "blocks is NULL");
    int checked = !pool->unchecked;
    size_t j, i, interior;
    int rc = 0;
    /* validate everything before anything changes; PUTTING marks repeats */
    for (j = 0; j < n; j++) {
        struct npool_arena *a = npool__locate(pool, blocks[j], &i, &interior);
        if (!a) {
            rc = npool__refuse_pointer(pool, blocks[j], i, interior);
            npool__error_append(" (entry %zu of %zu; nothing was put)", j, n);
            break;
        }
        if (!checked)
            continue;
        uint8_t s = npool__state(a, i);
        if (s != NPOOL_STATE_HELD) {
            atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
            rc = s == NPOOL_STATE_PUTTING
                     ? npool__errorf(-EINVAL, "entry %zu of %zu repeats block %zu; nothing was put", j, n,
                                     a->first_index + i)
                     : npool__errorf(-EALREADY, "entry %zu of %zu, block %zu, is already free; nothing was put", j,
                                     n, a->first_index + i);
            break;
        }
        npool__set_state(a, i, NPOOL_STATE_PUTTING);
    }
    if (rc) {
        for (size_t k = 0; checked && k < j; k++) {
            struct npool_arena *a = npool__locate(pool, blocks[k], &i, &interior);
            npool__set_state(a, i, NPOOL_STATE_HELD);
        }
        return rc;
    }
    for (j = 0; j < n; j++) {
        struct npool_arena *a = npool__locate(pool, blocks[j], &i, &interior);
        if (checked)
            npool__set_state(a, i, NPOOL_STATE_HELD);   /* give_back takes a held block */
        npool__give_back(pool, a, i);
    }
    NPOOL_DEBUG_CHECK(pool);
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
    int cpu;
    struct npool_arena *a = npool__caller_arena(pool, &cpu);
    for (int attempt = 0; attempt < 2; attempt++) {
        npool__lock(a);
        size_t first = freeset_take_run(&a->fs, n);
        if (first != SIZE_MAX)
            a->gets += n;
        npool__unlock(a);
        if (first != SIZE_MAX) {
            for (size_t k = 0; k < n; k++)
                npool__hand_out(pool, a, first + k);
            NPOOL_DEBUG_CHECK(pool);
            return npool__block_at(pool, a, first);
        }
        /* the blocks this thread caches, every thread's spares and the depot
         * may complete a run: return them and look once more, even when the
         * magazine is now empty, since npool__cache_of() may have just
         * returned them for a pending coalesce */
        struct npool_tcache *tc = npool__cache_of(pool);
        if (!tc)
            break;
        npool__flush(pool, a, &tc->mag[a->pos], tc->cap, 0);
        npool__caches_reclaim(pool, a, 0);
        npool__lock(a);
        npool__depot_drain(a);
        npool__unlock(a);
    }
    npool__lock(a);
    size_t largest = freeset_largest_run(&a->fs), inset = a->fs.nfree;
    a->failed_gets++;
    npool__unlock(a);
    (void)npool__held_sample(pool);
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
    struct npool_arena *a = npool__locate(pool, first, &i, &interior);
    if (!a)
        return npool__refuse_pointer(pool, first, i, interior);
    if (!n || n > a->nblocks - i) {
        atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
        return npool__errorf(-EINVAL, "npool_put_contig: a run of %zu blocks from block %zu leaves node %d, whose "
                             "last block is %zu", n, a->first_index + i, a->node, a->first_index + a->nblocks - 1);
    }
    if (!pool->unchecked) {
        for (size_t k = 0; k < n; k++) {
            if (npool__state(a, i + k) != NPOOL_STATE_HELD) {
                atomic_fetch_add_explicit(&pool->refused_puts, 1, memory_order_relaxed);
                return npool__errorf(-EALREADY, "npool_put_contig: block %zu, number %zu of the run of %zu, is "
                                     "already free; nothing was put", a->first_index + i + k, k, n);
            }
        }
        for (size_t k = 0; k < n; k++)
            npool__set_state(a, i + k, NPOOL_STATE_FREE);
    }
    npool__blocks_in(pool, npool__block_at(pool, a, i), n);
    npool__lock(a);
    if (freeset_run_none(&a->fs, i, n)) {
        freeset_insert_run(&a->fs, i, n);
    } else {
        NPOOL_ASSERT(pool->unchecked, "blocks %zu..%zu of pool '%s' were held but some are in node %d's free set",
                     a->first_index + i, a->first_index + i + n - 1, pool->name, a->node);
        for (size_t k = 0; k < n; k++)
            freeset_insert(&a->fs, i + k);
    }
    NPOOL_ASSERT(a->fs.nfree <= a->nblocks, "node %d's free set counts %zu blocks, more than its %zu", a->node,
                 a->fs.nfree, a->nblocks);
    a->puts += n;
    npool__auto_coalesce(pool, a, n);
    npool__unlock(a);
    NPOOL_DEBUG_CHECK(pool);
    return 0;
}
