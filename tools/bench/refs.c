/* numapool-bench: the two ideal references compiled into every worker, so
 * each process measures its own yardstick.
 *   lifo      the out-of-line intrusive LIFO of lifo.c; its figure divides
 *             every other figure of the same process and scenario;
 *   idxstack  a non-intrusive stack of 32-bit block indices, inline: what a
 *             pool that never writes into a free block can reach at best.
 * Both own an anonymous mapping of blocks (mmap, never malloc, so that the
 * preloaded allocator does not change them) with a stride of the block size
 * rounded up to 64 bytes (index stack: to a power of two). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "loops.h"

static size_t round_up(size_t x, size_t a)
{
    return (x + a - 1) / a * a;
}

/* ---- out-of-line LIFO: one list per thread slice of BENCH_TPER blocks ---- */

struct lifo_ctx {
    char *base;
    size_t bytes;
    size_t nslices;
    struct bench_lifo lists[BENCH_MAX_THREADS];
};

static void *lifo_setup(size_t size, size_t nblocks, char *why, size_t whylen)
{
    size_t stride = round_up(size < sizeof(void *) ? sizeof(void *) : size, 64);
    size_t nslices = (nblocks + BENCH_TPER - 1) / BENCH_TPER;
    if (nslices > BENCH_MAX_THREADS)
        nslices = BENCH_MAX_THREADS;
    struct lifo_ctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    c->nslices = nslices;
    c->bytes = nslices * BENCH_TPER * stride;
    c->base = bench_map(c->bytes);
    if (c->base == NULL) {
        snprintf(why, whylen, "mmap of %zu bytes failed: %s", c->bytes, strerror(errno));
        free(c);
        return NULL;
    }
    for (size_t s = 0; s < nslices; s++) {
        char *slice = c->base + s * BENCH_TPER * stride;
        /* pushed highest first, so the list hands out ascending addresses */
        for (size_t i = BENCH_TPER; i-- > 0;)
            bench_lifo_put(&c->lists[s], slice + i * stride);
    }
    return c;
}

static void lifo_teardown(void *vc)
{
    struct lifo_ctx *c = vc;
    bench_unmap(c->base, c->bytes);
    free(c);
}

static void *lifo_thread_ctx(void *vc, int tid)
{
    struct lifo_ctx *c = vc;
    return (size_t)tid < c->nslices ? &c->lists[tid] : NULL;
}

#define LIFO_GET(c) bench_lifo_get(&(c)->lists[0])
#define LIFO_PUT(c, b) bench_lifo_put(&(c)->lists[0], (b))
#define LIFO_GETB(c, v, n) bench_lifo_get_bulk(&(c)->lists[0], (v), (n))
#define LIFO_PUTB(c, v, n) bench_lifo_put_bulk(&(c)->lists[0], (v), (n))
BENCH_DEFINE_LOOPS(lifo, struct lifo_ctx, LIFO_GET, LIFO_PUT, LIFO_GETB, LIFO_PUTB)

/* The thread helpers get the per-thread list itself as their context. */
#define LT_GET(l) bench_lifo_get(l)
#define LT_PUT(l, b) bench_lifo_put((l), (b))
#define LT_GETB(l, v, n) bench_lifo_get_bulk((l), (v), (n))
#define LT_PUTB(l, v, n) bench_lifo_put_bulk((l), (v), (n))
BENCH_DEFINE_LOOPS(lifot, struct bench_lifo, LT_GET, LT_PUT, LT_GETB, LT_PUTB)

const struct bench_contender bench_ref_lifo = {
    .name = "lifo",
    .setup = lifo_setup,
    .teardown = lifo_teardown,
    .pingpong = lifo_pingpong,
    .batch = lifo_batch,
    .bulk = lifo_bulk,
    .thread_ctx = lifo_thread_ctx,
    .tget = lifot_tget,
    .tput = lifot_tput,
};

/* ---- inline index stack ---- */

struct idx_ctx {
    char *base;
    uint32_t *idx;
    size_t top;
    unsigned shift;
    size_t n, bytes;
};

static inline void *idx_get(struct idx_ctx *c)
{
    return c->top ? c->base + ((size_t)c->idx[--c->top] << c->shift) : NULL;
}

static inline void idx_put(struct idx_ctx *c, void *b)
{
    c->idx[c->top++] = (uint32_t)((size_t)((char *)b - c->base) >> c->shift);
}

static inline int idx_get_bulk(struct idx_ctx *c, void **v, size_t n)
{
    if (c->top < n)
        return -1;
    for (size_t i = 0; i < n; i++)
        v[i] = c->base + ((size_t)c->idx[--c->top] << c->shift);
    return 0;
}

static inline void idx_put_bulk(struct idx_ctx *c, void *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        idx_put(c, v[i]);
}

static void *idx_setup(size_t size, size_t nblocks, char *why, size_t whylen)
{
    unsigned shift = 6;
    while (((size_t)1 << shift) < size)
        shift++;
    struct idx_ctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    if (nblocks > BENCH_TPER)
        nblocks = BENCH_TPER; /* single-thread scenarios only */
    c->shift = shift;
    c->n = nblocks;
    c->bytes = nblocks << shift;
    c->base = bench_map(c->bytes);
    c->idx = bench_map(nblocks * sizeof *c->idx);
    if (c->base == NULL || c->idx == NULL) {
        snprintf(why, whylen, "mmap failed: %s", strerror(errno));
        if (c->base)
            bench_unmap(c->base, c->bytes);
        free(c);
        return NULL;
    }
    for (size_t i = nblocks; i-- > 0;)
        c->idx[c->top++] = (uint32_t)i;
    return c;
}

static void idx_teardown(void *vc)
{
    struct idx_ctx *c = vc;
    bench_unmap(c->base, c->bytes);
    bench_unmap(c->idx, c->n * sizeof *c->idx);
    free(c);
}

BENCH_DEFINE_LOOPS(idx, struct idx_ctx, idx_get, idx_put, idx_get_bulk, idx_put_bulk)

const struct bench_contender bench_ref_idxstack = {
    .name = "idxstack",
    .setup = idx_setup,
    .teardown = idx_teardown,
    .pingpong = idx_pingpong,
    .batch = idx_batch,
    .bulk = idx_bulk,
};
