/* src/stats.c - what a pool says about itself: npool_stats, npool_describe
 * (the seed's repr), npool_foreach_arena, the figures npool_fragmentation
 * and npool_efficiency, and npool_pages_name.  Read-only but for the
 * held_max samples (stats.h): each node is read under its lock, caches under
 * the registry lock, so every figure is consistent per node (not across
 * nodes while other threads work). */
#include "stats.h"
#include "cache.h"
#include "error.h"
#include "fmt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void raise_to(_Atomic size_t *max, size_t v)
{
    size_t old = atomic_load_explicit(max, memory_order_relaxed);
    while (old < v && !atomic_compare_exchange_weak_explicit(max, &old, v, memory_order_relaxed, memory_order_relaxed))
        ;
}

/* One sample: held[k] blocks of arena k held, `total` in all. */
static void note_held(const npool_t *pool, const size_t *held, size_t total)
{
    npool_t *p = (npool_t *)pool;   /* the samples are the one thing a reader writes */
    for (int k = 0; k < p->narenas; k++)
        raise_to(&p->arena[k].held_max, held[k]);
    raise_to(&p->held_max, total);
}

int npool_stats(const npool_t *pool, npool_stats_t *out)
{
    if (!pool || !out)
        return npool__errorf(-EINVAL, "npool_stats: %s is NULL", pool ? "out" : "pool");
    memset(out, 0, sizeof *out);
    size_t cached[NPOOL_MAX_NODES] = {0};
    uint64_t gets[NPOOL_MAX_NODES] = {0}, puts[NPOOL_MAX_NODES] = {0};
    npool__caches_count(pool, cached, gets, puts);

    out->block_size = pool->block_size;
    out->stride = pool->stride;
    out->align = pool->align;
    out->flags = pool->flags;
    out->nnodes = (size_t)pool->narenas;
    out->metadata_bytes = pool->metadata_bytes;
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        npool_node_stats_t *r = &out->nodes[k];
        r->node = a->node;
        r->backing = a->backing;
        r->requested = a->requested;
        r->fell_back = a->fell_back;
        snprintf(r->fallback_reason, sizeof r->fallback_reason, "%s", a->why);
        r->page_size = a->page_size;
        r->bytes_mapped = a->map_bytes;
        r->thp_bytes = a->thp_bytes;
        r->blocks_total = a->nblocks;
        r->pages_verified = a->pages_verified;
        r->bytes_misplaced = a->bytes_misplaced;
        npool__lock(a);
        r->blocks_free_set = a->fs.nfree;
        r->largest_free_run = freeset_largest_run(&a->fs);
        r->fragmentation = freeset_fragmentation(&a->fs);
        r->gets = a->gets + gets[k];
        r->puts = a->puts + puts[k];
        r->failed_gets = a->failed_gets;
        r->lock_acquisitions = a->lock_count;
        r->lock_timed = a->lock_timed;
        r->lock_hold_ns = a->lock_ns;
        npool__unlock(a);
        r->blocks_cached = cached[k] < a->nblocks - r->blocks_free_set ? cached[k] : a->nblocks - r->blocks_free_set;
        r->blocks_held = a->nblocks - r->blocks_free_set - r->blocks_cached;

        out->blocks_total += r->blocks_total;
        out->blocks_held += r->blocks_held;
        out->blocks_free_set += r->blocks_free_set;
        out->blocks_cached += r->blocks_cached;
        out->bytes_mapped += r->bytes_mapped;
        out->gets += r->gets;
        out->puts += r->puts;
        out->failed_gets += r->failed_gets;
        if (r->fragmentation > out->fragmentation)
            out->fragmentation = r->fragmentation;
    }
    size_t held[NPOOL_MAX_NODES];
    for (size_t k = 0; k < out->nnodes; k++)
        held[k] = out->nodes[k].blocks_held;
    note_held(pool, held, out->blocks_held);
    out->efficiency = 100.0 * (double)out->blocks_held / (double)out->blocks_total;
    out->refused_puts = atomic_load_explicit(&pool->refused_puts, memory_order_relaxed);
    out->coalesces = atomic_load_explicit(&pool->coalesces, memory_order_relaxed);
    out->coalesce_ns_total = atomic_load_explicit(&pool->coalesce_ns_total, memory_order_relaxed);
    out->coalesce_ns_max = atomic_load_explicit(&pool->coalesce_ns_max, memory_order_relaxed);
    return 0;
}

int npool_describe(const npool_t *pool, char *buf, size_t len)
{
    if (!pool || (!buf && len))
        return npool__errorf(-EINVAL, "npool_describe: %s is NULL", pool ? "buf" : "pool");
    npool_stats_t *s = &(npool_stats_t){0};
    npool_stats(pool, s);
    size_t used = 0;
    char a[32], b[32];
    if (len)
        buf[0] = '\0';
    npool__appendf(buf, len, &used, "MemoryPool('%s': %zu blocks of %s (stride %zu) on %zu node%s, %zu free (%zu cached), "
        "%zu held, efficiency %.1f%%, fragmentation %.1f%%", pool->name, s->blocks_total,
        npool__size_name(s->block_size, a, sizeof a), s->stride, s->nnodes, s->nnodes == 1 ? "" : "s",
        s->blocks_free_set + s->blocks_cached, s->blocks_cached, s->blocks_held, s->efficiency, s->fragmentation);
    for (size_t k = 0; k < s->nnodes; k++) {
        const npool_node_stats_t *r = &s->nodes[k];
        npool__appendf(buf, len, &used, "; node %d: %s pages of %s, %s mapped, %zu/%zu free, frag %.1f%%%s%s", r->node,
            npool_pages_name(r->backing), npool__size_name(r->page_size, a, sizeof a), npool__size_name(r->bytes_mapped, b, sizeof b),
            r->blocks_free_set + r->blocks_cached, r->blocks_total, r->fragmentation,
            r->fell_back ? ", fell back from " : "", r->fell_back ? npool_pages_name(r->requested) : "");
    }
    npool__appendf(buf, len, &used, ")");
    return (int)used;
}

int npool_foreach_arena(const npool_t *pool, int (*fn)(void *base, size_t len, int node, size_t page_size, void *arg),
                        void *arg)
{
    if (!pool || !fn)
        return npool__errorf(-EINVAL, "npool_foreach_arena: %s is NULL", pool ? "fn" : "pool");
    for (int k = 0; k < pool->narenas; k++) {
        const struct npool_arena *a = &pool->arena[k];
        int rc = fn(a->base, a->map_bytes, a->node, a->page_size, arg);
        if (rc)
            return rc;
    }
    return 0;
}

double npool_fragmentation(const npool_t *pool)
{
    if (!pool)
        return 0.0;
    double worst = 0.0;
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        npool__lock(a);
        double f = freeset_fragmentation(&a->fs);
        npool__unlock(a);
        if (f > worst)
            worst = f;
    }
    return worst;
}

size_t npool__held_sample(const npool_t *pool)
{
    /* caches and sets are read one after the other while other threads move
     * blocks between them: a block may be seen in both, never held twice */
    size_t cached[NPOOL_MAX_NODES] = {0}, held[NPOOL_MAX_NODES], total = 0;
    npool__caches_count(pool, cached, NULL, NULL);
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        npool__lock(a);
        size_t free_k = a->fs.nfree + cached[k];
        npool__unlock(a);
        held[k] = free_k < a->nblocks ? a->nblocks - free_k : 0;
        total += held[k];
    }
    note_held(pool, held, total);
    return total;
}

double npool_efficiency(const npool_t *pool)
{
    if (!pool)
        return 0.0;
    return 100.0 * (double)npool__held_sample(pool) / (double)pool->nblocks_total;
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
