/* src/depot.c - each node's depot of full magazines, the sides of the
 * threads' magazines, and every move of blocks between a magazine and the
 * node (refill, overflow, flush) with the automatic coalescing those moves
 * trigger.
 *
 * Three tiers, Bonwick's magazine layer over a slab (the sorted set):
 *   1. a thread's current magazine: popped and pushed without a lock;
 *   2. its side's spares: full magazines it keeps for itself, exchanged
 *      with the current one under the side's lock, which nobody else takes
 *      on the hot path, so a thread whose working set spans many magazines
 *      cycles through its own blocks, and their cache lines stay its own;
 *   3. the node's depot: full magazines any thread may take, exchanged in
 *      O(1) under the node's lock, so blocks travel from putters to getters
 *      a magazine at a time without touching the sorted set.
 * A side's limit starts at SPARES_START magazines and doubles while the
 * thread keeps handing magazines to the depot and then running dry (its
 * working set does not fit); every TRIM_EVERY exchanges, half of the spares
 * that went unused the whole time go to the depot and the limit shrinks
 * (its use fell).  A thread keeps at most spare_max magazines per arena, and
 * the limits of all threads together at most half the node
 * (a->spare_blocks_allowed), so spares never hold more than half of a node,
 * and a get that finds its node empty takes them back (cache.c) before it
 * fails.  The depot holds at most depot_max magazines, a quarter of the
 * node; npool_coalesce(), auto-coalescing, get_contig's retry and reset
 * drain it into the sorted set.
 *
 * Buffers (struct npool_buf) belong to the arena: on its `all` list from
 * their allocation to npool_destroy, and otherwise in exactly one place: a
 * thread's current magazine, its side's spares or empties, or the depot's
 * full or empty list. */
#include "depot.h"
#include "fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPARES_START 2u         /* spares a new side may keep, in magazines */
#define TRIM_EVERY 64u          /* exchanges between two looks at unused spares */
#define PRODUCER_AFTER 64u      /* refills without an overflow before a thread takes others' magazines */

/* Whole cache lines of its own: the thread whose current magazine this is
 * writes it on every put, and a buffer next to it may be another thread's
 * (two threads' magazines sharing a line at their ends cost a third of the
 * two-thread batch throughput in some runs). */
static struct npool_buf *buf_new(struct npool_arena *a)
{
    size_t bytes = (sizeof(struct npool_buf) + (size_t)a->buf_cap * sizeof(uint32_t) + 63) & ~(size_t)63;
    struct npool_buf *b = NPOOL_FAULT(ALLOC_MAGAZINE) ? NULL : aligned_alloc(64, bytes);
    if (b) {
        memset(b, 0, bytes);
        b->all = a->dall;
        a->dall = b;
    }
    return b;
}

uint32_t *npool__buf_get(struct npool_arena *a)
{
    struct npool_buf *b = a->dempty;
    if (b)
        a->dempty = b->next;
    else
        b = buf_new(a);
    return b ? b->idx : NULL;
}

void npool__buf_put(struct npool_arena *a, uint32_t *idx)
{
    struct npool_buf *b = NPOOL_BUF_OF(idx);
    b->n = 0;
    b->next = a->dempty;
    a->dempty = b;
}

int npool__depot_take_full(struct npool_arena *a, struct npool__mag *m, const struct npool_side *sd, int own_only)
{
    struct npool_buf **pf = own_only ? NULL : &a->dfull;
    for (struct npool_buf **p = &a->dfull; sd && *p; p = &(*p)->next)   /* at most depot_max */
        if ((*p)->owner == sd && (*p)->n <= m->cap) {
            pf = p;
            break;
        }
    struct npool_buf *f = pf ? *pf : NULL;
    if (!f || f->n > m->cap || NPOOL__LD(&m->n) != 0)
        return 0;
    NPOOL_ASSERT(a->nfull > 0 && a->depot_blocks >= f->n, "node %d's depot counts %zu blocks in %zu magazines "
                 "but holds a magazine of %u", a->node, a->depot_blocks, a->nfull, f->n);
    *pf = f->next;
    a->nfull--;
    a->depot_blocks -= f->n;
    npool__buf_put(a, m->idx);
    m->idx = f->idx;
    NPOOL__ST(&m->n, f->n);
    return 1;
}

int npool__depot_give_full(struct npool_arena *a, struct npool__mag *m, const struct npool_side *sd)
{
    uint32_t n = NPOOL__LD(&m->n);
    NPOOL_ASSERT(n <= m->cap && m->cap <= a->buf_cap, "a magazine of node %d handed to the depot holds %u blocks, "
                 "capacity %u, buffers of %u", a->node, n, m->cap, a->buf_cap);
    if (a->nfull >= a->depot_max || a->depot_blocks + n > a->nblocks / 4)
        return 0;
    uint32_t *fresh = npool__buf_get(a);
    if (!fresh)
        return 0;
    struct npool_buf *f = NPOOL_BUF_OF(m->idx);
    f->n = n;
    f->owner = sd;
    f->next = a->dfull;
    a->dfull = f;
    a->nfull++;
    a->depot_blocks += n;
    m->idx = fresh;
    NPOOL__ST(&m->n, 0);
    return 1;
}

size_t npool__depot_drain(struct npool_arena *a)
{
    size_t moved = 0;
    while (a->dfull) {
        struct npool_buf *f = a->dfull;
        a->dfull = f->next;
        for (uint32_t j = 0; j < f->n; j++) {
            NPOOL_ASSERT(f->idx[j] < a->nblocks, "node %d's depot holds index %u, past its %zu blocks", a->node,
                         f->idx[j], a->nblocks);
            freeset_insert(&a->fs, f->idx[j]);
        }
        moved += f->n;
        npool__buf_put(a, f->idx);
    }
    NPOOL_ASSERT(moved == a->depot_blocks && a->fs.nfree <= a->nblocks, "node %d's depot counted %zu blocks and "
                 "held %zu; its free set now counts %zu of %zu", a->node, a->depot_blocks, moved, a->fs.nfree,
                 a->nblocks);
    a->nfull = 0;
    a->depot_blocks = 0;
    return moved;
}

/* The blocks of one full buffer, checked against the set, the states and
 * every other place (marks). */
static int check_buf(const struct npool_arena *a, const struct npool_buf *f, int checked, uint8_t *marks,
                     const char *where, char *why, size_t len)
{
    for (uint32_t j = 0; j < f->n; j++) {
        uint32_t i = f->idx[j];
        if (i >= a->nblocks) {
            snprintf(why, len, "%s of node %d holds index %u, past its %zu blocks", where, a->node, i, a->nblocks);
            return -1;
        }
        if (freeset_has(&a->fs, i)) {
            snprintf(why, len, "block %zu is both in %s of node %d and in its free set", a->first_index + i, where,
                     a->node);
            return -1;
        }
        if (checked && atomic_load_explicit(&a->state[i], memory_order_relaxed) != NPOOL_STATE_FREE) {
            snprintf(why, len, "block %zu is in %s of node %d but marked held", a->first_index + i, where, a->node);
            return -1;
        }
        if (marks[a->first_index + i]++) {
            snprintf(why, len, "block %zu is twice among the depots, spares and caches (seen again in %s of node %d)",
                     a->first_index + i, where, a->node);
            return -1;
        }
    }
    return 0;
}

int npool__depot_check(const struct npool_arena *a, int checked, uint8_t *marks, char *why, size_t len)
{
    size_t count = 0, nf = 0;
    for (const struct npool_buf *f = a->dfull; f; f = f->next, nf++) {
        if (check_buf(a, f, checked, marks, "the depot", why, len))
            return -1;
        count += f->n;
    }
    if (count != a->depot_blocks || nf != a->nfull) {
        snprintf(why, len, "node %d's depot holds %zu blocks in %zu magazines but counts %zu in %zu", a->node, count,
                 nf, a->depot_blocks, a->nfull);
        return -1;
    }
    return 0;
}

void npool__depot_free(struct npool_arena *a)
{
    while (a->dall) {
        struct npool_buf *b = a->dall;
        a->dall = b->all;
        free(b);
    }
    a->dfull = a->dempty = NULL;
    a->nfull = a->depot_blocks = 0;
}

/* ------------------------------------------------------------------------ */
/* the side: spares and empties                                             */

static void note_event(struct npool_side *sd)
{
    uint32_t ns = atomic_load_explicit(&sd->nspares, memory_order_relaxed);
    if (ns < sd->low)
        sd->low = ns;
    sd->events++;
}

/* Every TRIM_EVERY exchanges: spares that sat unused the whole time (the
 * low-water mark) are half given to the depot, and the limit shrinks by as
 * many.  Owner only. */
static void maybe_trim(npool_t *pool, struct npool_arena *a, struct npool_side *sd)
{
    if (sd->events < TRIM_EVERY)
        return;
    uint32_t idle = sd->low / 2 + (sd->low & 1);
    sd->events = 0;
    sd->low = UINT32_MAX;
    if (!idle)
        return;
    struct npool_buf *take = NULL;
    size_t blocks = 0;
    pthread_mutex_lock(&sd->lock);
    for (uint32_t k = 0; k < idle && sd->spares; k++) {
        struct npool_buf *f = sd->spares;
        sd->spares = f->next;
        f->next = take;
        take = f;
        blocks += f->n;
        atomic_fetch_sub_explicit(&sd->nspares, 1, memory_order_relaxed);
    }
    NPOOL_ASSERT(atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed) >= blocks, "a thread's spares of node "
                 "%d count %zu blocks but hold %zu", a->node,
                 atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed), blocks);
    atomic_store_explicit(&sd->spare_blocks, atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed) - blocks,
                          memory_order_relaxed);
    pthread_mutex_unlock(&sd->lock);
    npool__lock(a);
    while (take) {
        struct npool_buf *f = take;
        take = f->next;
        if (a->nfull < a->depot_max && a->depot_blocks + f->n <= a->nblocks / 4) {
            f->owner = sd;
            f->next = a->dfull;
            a->dfull = f;
            a->nfull++;
            a->depot_blocks += f->n;
        } else {
            for (uint32_t j = 0; j < f->n; j++)
                freeset_insert(&a->fs, f->idx[j]);
            npool__auto_coalesce(pool, a, f->n);
            npool__buf_put(a, f->idx);
        }
    }
    uint32_t shrink = idle < sd->limit ? idle : sd->limit;
    sd->limit -= shrink;
    a->spare_blocks_allowed -= (size_t)shrink * a->buf_cap;
    npool__unlock(a);
}

/* Under a->lock: the side may keep twice as many spares, within the
 * thread's and all threads' bounds. */
static void grow(npool_t *pool, struct npool_arena *a, struct npool_side *sd)
{
    uint32_t want = sd->limit ? 2 * sd->limit : SPARES_START;
    if (want > pool->spare_max)
        want = pool->spare_max;
    if (want <= sd->limit)
        return;
    size_t more = (size_t)(want - sd->limit) * a->buf_cap;
    if (a->spare_blocks_allowed + more > a->nblocks / 2)
        return;
    a->spare_blocks_allowed += more;
    sd->limit = want;
}

uint32_t npool__refill(npool_t *pool, struct npool_arena *a, struct npool__mag *m, struct npool_side *sd,
                       uint32_t batch)
{
    uint32_t n = NPOOL__LD(&m->n);
    if (n == 0 && atomic_load_explicit(&sd->nspares, memory_order_relaxed)) {
        /* one of this thread's own spares: no node lock */
        pthread_mutex_lock(&sd->lock);
        struct npool_buf *f = sd->spares;
        if (f) {
            NPOOL_ASSERT(f->n <= m->cap && f->n <= atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed),
                         "a spare of node %d holds %u blocks: the magazine takes %u, the spares count %zu",
                         a->node, f->n, m->cap, atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed));
            sd->spares = f->next;
            atomic_fetch_sub_explicit(&sd->nspares, 1, memory_order_relaxed);
            atomic_store_explicit(&sd->spare_blocks,
                                  atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed) - f->n,
                                  memory_order_relaxed);
            struct npool_buf *e = NPOOL_BUF_OF(m->idx);
            e->next = sd->empties;
            sd->empties = e;
            m->idx = f->idx;
            n = f->n;
            NPOOL__ST(&m->n, n);
        }
        pthread_mutex_unlock(&sd->lock);
        note_event(sd);
        maybe_trim(pool, a, sd);
        if (n)
            return n;
    }
    uint32_t want = batch < m->cap - n ? batch : m->cap - n;
    npool__lock(a);
    if (sd->handed) {
        grow(pool, a, sd);      /* it gave magazines away and now needs blocks: keep more */
        sd->handed = 0;
    }
    /* A thread takes another's magazine only once it has refilled
     * PRODUCER_AFTER times without overflowing once (a producer, whose
     * consumers hand magazines in); before, its own back or fresh blocks
     * from the set: blocks of two threads that both get and put, mixed in
     * one magazine, would share their state bytes' cache lines for good. */
    int own_only = sd->dry < PRODUCER_AFTER && a->fs.nfree >= want;
    if (sd->dry < UINT32_MAX)
        sd->dry++;
    if (n == 0 && npool__depot_take_full(a, m, sd, own_only)) {
        npool__unlock(a);
        note_event(sd);
        return NPOOL__LD(&m->n);
    }
    if (a->fs.nfree < want && a->depot_blocks)
        npool__depot_drain(a);          /* a get never fails while the depot holds blocks */
    size_t k = freeset_take_lowest_desc(&a->fs, m->idx + n, want);
    npool__unlock(a);
    NPOOL_ASSERT(n + k <= m->cap, "a magazine of node %d refilled to %zu blocks, over its capacity %u", a->node,
                 n + k, m->cap);
    for (size_t j = n; NPOOL_DEBUG >= 1 && !pool->unchecked && j < n + k; j++)
        NPOOL_ASSERT(npool__state(a, m->idx[j]) == NPOOL_STATE_FREE, "block %zu of pool '%s' left node %d's free "
                     "set with state %u, not free (0)", a->first_index + m->idx[j], pool->name, a->node,
                     npool__state(a, m->idx[j]));
    NPOOL__ST(&m->n, n + (uint32_t)k);
    return n + (uint32_t)k;
}

uint32_t npool__overflow(npool_t *pool, struct npool_arena *a, struct npool__mag *m, struct npool_side *sd,
                         uint32_t batch)
{
    NPOOL_ASSERT(NPOOL__LD(&m->n) <= m->cap, "a magazine of node %d holds %u blocks, over its capacity %u", a->node,
                 NPOOL__LD(&m->n), m->cap);
    sd->dry = 0;
    int keep = atomic_load_explicit(&sd->nspares, memory_order_relaxed) < sd->limit;
    if (!keep) {
        /* over the limit: the depot, and when it is full the thread keeps
         * more rather than scatter a magazine into the set, where other
         * threads would take its blocks and share their state lines */
        npool__lock(a);
        int handed = npool__depot_give_full(a, m, sd);
        if (!handed) {
            grow(pool, a, sd);
            keep = atomic_load_explicit(&sd->nspares, memory_order_relaxed) < sd->limit;
        }
        npool__unlock(a);
        note_event(sd);
        if (handed) {
            sd->handed = 1;
            return 0;
        }
    }
    if (keep) {
        /* keep it for this thread: onto the side, an empty buffer in its place */
        uint32_t *fresh = NULL;
        pthread_mutex_lock(&sd->lock);
        if (sd->empties) {
            fresh = sd->empties->idx;
            sd->empties = sd->empties->next;
        }
        pthread_mutex_unlock(&sd->lock);
        if (!fresh) {
            npool__lock(a);
            fresh = npool__buf_get(a);
            npool__unlock(a);
        }
        if (fresh) {
            struct npool_buf *f = NPOOL_BUF_OF(m->idx);
            f->n = NPOOL__LD(&m->n);
            pthread_mutex_lock(&sd->lock);
            f->next = sd->spares;
            sd->spares = f;
            atomic_fetch_add_explicit(&sd->nspares, 1, memory_order_relaxed);
            atomic_store_explicit(&sd->spare_blocks,
                                  atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed) + f->n,
                                  memory_order_relaxed);
            m->idx = fresh;
            NPOOL__ST(&m->n, 0);
            pthread_mutex_unlock(&sd->lock);
            note_event(sd);
            maybe_trim(pool, a, sd);
            return 0;
        }
    }
    npool__flush(pool, a, m, batch, 1);
    return NPOOL__LD(&m->n);
}

/* The top k entries go back: no entry moves, and the blocks kept are the
 * older ones, which is as good as any for a LIFO that just overflowed. */
void npool__flush(npool_t *pool, struct npool_arena *a, struct npool__mag *m, uint32_t k, int check)
{
    uint32_t n = NPOOL__LD(&m->n);
    NPOOL_ASSERT(n <= m->cap, "a magazine of node %d holds %u blocks, over its capacity %u", a->node, n, m->cap);
    if (k > n)
        k = n;
    if (!k)
        return;
    npool__lock(a);
    for (uint32_t j = n - k; j < n; j++) {
        NPOOL_ASSERT(m->idx[j] < a->nblocks, "a magazine of node %d holds index %u, past its %zu blocks", a->node,
                     m->idx[j], a->nblocks);
        freeset_insert(&a->fs, m->idx[j]);     /* never twice in the set, even unchecked */
    }
    NPOOL_ASSERT(a->fs.nfree <= a->nblocks, "node %d's free set counts %zu blocks, more than its %zu", a->node,
                 a->fs.nfree, a->nblocks);
    if (check)
        npool__auto_coalesce(pool, a, k);
    npool__unlock(a);
    NPOOL__ST(&m->n, n - k);
}

void npool__auto_coalesce(npool_t *pool, struct npool_arena *a, size_t returned)
{
    a->puts_since_check += returned;
    if (a->puts_since_check < pool->check_interval || !pool->mag_cap)
        return;
    a->puts_since_check = 0;
    if (freeset_fragmentation(&a->fs) > pool->coalesce_threshold) {
        npool__depot_drain(a);
        npool__epoch_bump(pool);
        atomic_fetch_add_explicit(&pool->coalesces, 1, memory_order_relaxed);
    }
}

size_t npool__side_drain(struct npool_arena *a, struct npool_side *sd, int try, int release_limit)
{
    if (try) {
        if (pthread_mutex_trylock(&sd->lock) != 0)
            return 0;
    } else {
        pthread_mutex_lock(&sd->lock);
    }
    size_t moved = 0;
    npool__lock(a);
    while (sd->spares) {
        struct npool_buf *f = sd->spares;
        sd->spares = f->next;
        for (uint32_t j = 0; j < f->n; j++) {
            NPOOL_ASSERT(f->idx[j] < a->nblocks, "a thread's spares of node %d hold index %u, past its %zu blocks",
                         a->node, f->idx[j], a->nblocks);
            freeset_insert(&a->fs, f->idx[j]);
        }
        moved += f->n;
        npool__buf_put(a, f->idx);
    }
    NPOOL_ASSERT(moved == atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed), "a thread's spares of node %d "
                 "counted %zu blocks and held %zu", a->node, atomic_load_explicit(&sd->spare_blocks,
                 memory_order_relaxed), moved);
    while (sd->empties) {
        struct npool_buf *e = sd->empties;
        sd->empties = e->next;
        npool__buf_put(a, e->idx);
    }
    atomic_store_explicit(&sd->nspares, 0, memory_order_relaxed);
    atomic_store_explicit(&sd->spare_blocks, 0, memory_order_relaxed);
    if (release_limit) {
        a->spare_blocks_allowed -= (size_t)sd->limit * a->buf_cap;
        sd->limit = 0;
    }
    npool__unlock(a);
    pthread_mutex_unlock(&sd->lock);
    return moved;
}

int npool__side_check(const struct npool_arena *a, const struct npool_side *sd, int checked, uint8_t *marks,
                      char *why, size_t len)
{
    size_t count = 0;
    uint32_t ns = 0;
    for (const struct npool_buf *f = sd->spares; f; f = f->next, ns++) {
        if (check_buf(a, f, checked, marks, "a thread's spares", why, len))
            return -1;
        count += f->n;
    }
    uint32_t said = atomic_load_explicit(&sd->nspares, memory_order_relaxed);
    if (ns != said || count != atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed)) {
        snprintf(why, len, "a thread's spares of node %d hold %zu blocks in %u magazines but count %zu in %u",
                 a->node, count, ns, atomic_load_explicit(&sd->spare_blocks, memory_order_relaxed), said);
        return -1;
    }
    return 0;
}

uint32_t npool__epoch_bump(npool_t *pool)
{
    uint64_t old = atomic_load_explicit(&pool->key, memory_order_relaxed), next;
    do
        next = (old & ~(uint64_t)UINT32_MAX) | (uint32_t)(old + 1);
    while (!atomic_compare_exchange_weak_explicit(&pool->key, &old, next, memory_order_release,
                                                  memory_order_relaxed));
    return (uint32_t)next;
}
