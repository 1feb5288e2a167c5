/* src/depot.c - each node's depot of magazines, and every move of blocks
 * between a magazine and the node's free set (refill, overflow, flush) with
 * the automatic coalescing those moves trigger.
 *
 * A thread whose magazine overflows hands the whole magazine in and takes an
 * empty one; a thread whose magazine runs dry takes a full one, so blocks
 * travel from putters to getters a magazine at a time, in O(1) under the
 * node's lock, without touching the free set (Bonwick's magazine layer over
 * a slab).  The depot is bounded (depot_max magazines, at most a quarter of
 * the node), and npool_coalesce(), auto-coalescing, get_contig's retry and
 * reset drain it into the sorted set, so a depot never hides blocks from the
 * figures for longer than a per-thread cache would.
 *
 * Buffers (struct npool_buf) belong to the arena: on its `all` list from
 * their allocation to npool_destroy, on the `full` or `empty` list while the
 * depot holds them, else in exactly one thread's magazine.  The npool__depot_*
 * and npool__buf_* functions run under a->lock (npool__depot_free: destroy,
 * single-threaded); the transfers below take it themselves, and only the
 * magazine's owner calls them. */
#include "depot.h"

#include <stdio.h>
#include <stdlib.h>

#define BUF_OF(p) ((struct npool_buf *)(void *)((char *)(p) - offsetof(struct npool_buf, idx)))

static struct npool_buf *buf_new(struct npool_arena *a)
{
    struct npool_buf *b = calloc(1, sizeof *b + (size_t)a->buf_cap * sizeof(uint32_t));
    if (b) {
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
    struct npool_buf *b = BUF_OF(idx);
    b->n = 0;
    b->next = a->dempty;
    a->dempty = b;
}

int npool__depot_take_full(struct npool_arena *a, struct npool_mag *m)
{
    struct npool_buf *f = a->dfull;
    if (!f || f->n > m->cap || atomic_load_explicit(&m->n, memory_order_relaxed) != 0)
        return 0;
    a->dfull = f->next;
    a->nfull--;
    a->depot_blocks -= f->n;
    npool__buf_put(a, m->idx);
    m->idx = f->idx;
    atomic_store_explicit(&m->n, f->n, memory_order_relaxed);
    return 1;
}

int npool__depot_give_full(struct npool_arena *a, struct npool_mag *m)
{
    uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
    if (a->nfull >= a->depot_max || a->depot_blocks + n > a->nblocks / 4)
        return 0;
    uint32_t *fresh = npool__buf_get(a);
    if (!fresh)
        return 0;
    struct npool_buf *f = BUF_OF(m->idx);
    f->n = n;
    f->next = a->dfull;
    a->dfull = f;
    a->nfull++;
    a->depot_blocks += n;
    m->idx = fresh;
    atomic_store_explicit(&m->n, 0, memory_order_relaxed);
    return 1;
}

size_t npool__depot_drain(struct npool_arena *a)
{
    size_t moved = 0;
    while (a->dfull) {
        struct npool_buf *f = a->dfull;
        a->dfull = f->next;
        for (uint32_t j = 0; j < f->n; j++)
            freeset_insert(&a->fs, f->idx[j]);
        moved += f->n;
        npool__buf_put(a, f->idx);
    }
    a->nfull = 0;
    a->depot_blocks = 0;
    return moved;
}

int npool__depot_check(const struct npool_arena *a, int checked, uint8_t *marks, char *why, size_t len)
{
    size_t count = 0, nf = 0;
    for (const struct npool_buf *f = a->dfull; f; f = f->next, nf++) {
        for (uint32_t j = 0; j < f->n; j++) {
            uint32_t i = f->idx[j];
            if (i >= a->nblocks) {
                snprintf(why, len, "node %d's depot holds index %u, past its %zu blocks", a->node, i, a->nblocks);
                return -1;
            }
            if (freeset_has(&a->fs, i)) {
                snprintf(why, len, "block %zu is both in node %d's depot and in its free set", a->first_index + i,
                         a->node);
                return -1;
            }
            if (checked && atomic_load_explicit(&a->state[i], memory_order_relaxed) != NPOOL_STATE_FREE) {
                snprintf(why, len, "block %zu is in node %d's depot but marked held", a->first_index + i, a->node);
                return -1;
            }
            if (marks[a->first_index + i]++) {
                snprintf(why, len, "block %zu is twice in node %d's depot and caches", a->first_index + i, a->node);
                return -1;
            }
        }
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
/* transfers between a magazine and the set, under the node's lock          */

uint32_t npool__refill(struct npool_arena *a, struct npool_mag *m, uint32_t batch)
{
    uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
    uint32_t want = batch < m->cap - n ? batch : m->cap - n;
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

void npool__auto_coalesce(npool_t *pool, struct npool_arena *a, size_t returned)
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
        npool__auto_coalesce(pool, a, k);
    pthread_mutex_unlock(&a->lock);
    atomic_store_explicit(&m->n, n - k, memory_order_relaxed);
}
