/* numapool-bench: the timed loops, written once and instantiated in each
 * contender's translation unit so that get and put are direct calls there
 * (through the PLT when the contender is a shared library, inline when its
 * API is inline).  A contender defines GET(c), PUT(c, b), GETB(c, v, n) (0 on
 * success) and PUTB(c, v, n) over its context type, then says
 * BENCH_DEFINE_LOOPS(prefix, ctx_type, GET, PUT, GETB, PUTB).
 *
 * The loops are identical for every contender: ping-pong (one block out,
 * back), batch (BENCH_BATCH out, back in a fixed shuffled order), bulk (the
 * same pattern BENCH_BULK at a time), and the thread helpers (tget/tput move
 * a run of blocks one call per block). */
#ifndef NUMAPOOL_BENCH_LOOPS_H
#define NUMAPOOL_BENCH_LOOPS_H

#include "bench.h"

#define BENCH_DEFINE_LOOPS(P, CT, GET, PUT, GETB, PUTB)                          \
    BENCH_UNUSED static void P##_pingpong(void *vc, size_t iters)                            \
    {                                                                           \
        CT *c = vc;                                                             \
        (void)c;                                                                \
        for (size_t i = 0; i < iters; i++) {                                    \
            void *b = GET(c);                                                   \
            bench_escape(b);                                                    \
            PUT(c, b);                                                          \
        }                                                                       \
    }                                                                           \
    BENCH_UNUSED static void P##_batch(void *vc, struct bench_batch *bb, size_t rounds)      \
    {                                                                           \
        CT *c = vc;                                                             \
        (void)c;                                                                \
        void **slots = bb->slots;                                               \
        const uint32_t *perm = bb->perm;                                        \
        size_t n = bb->n;                                                       \
        for (size_t r = 0; r < rounds; r++) {                                   \
            for (size_t i = 0; i < n; i++) {                                    \
                void *b = GET(c);                                               \
                if (b == NULL)                                                  \
                    bench_die("%s: out of blocks in batch", #P);                \
                slots[i] = b;                                                   \
            }                                                                   \
            bench_escape_mem(slots);                                                \
            for (size_t i = 0; i < n; i++)                                      \
                PUT(c, slots[perm[i]]);                                         \
        }                                                                       \
    }                                                                           \
    BENCH_UNUSED static void P##_bulk(void *vc, struct bench_batch *bb, size_t rounds)       \
    {                                                                           \
        CT *c = vc;                                                             \
        (void)c;                                                                \
        void **slots = bb->slots, **shuf = bb->shuf;                            \
        const uint32_t *perm = bb->perm;                                        \
        size_t n = bb->n;                                                       \
        for (size_t r = 0; r < rounds; r++) {                                   \
            for (size_t i = 0; i < n; i += BENCH_BULK)                          \
                if (GETB(c, slots + i, BENCH_BULK) != 0)                        \
                    bench_die("%s: out of blocks in bulk", #P);                 \
            for (size_t i = 0; i < n; i++)                                      \
                shuf[i] = slots[perm[i]];                                       \
            bench_escape_mem(shuf);                                                 \
            for (size_t i = 0; i < n; i += BENCH_BULK)                          \
                PUTB(c, shuf + i, BENCH_BULK);                                  \
        }                                                                       \
    }                                                                           \
    BENCH_UNUSED static int P##_tget(void *vc, void **buf, size_t n)                         \
    {                                                                           \
        CT *c = vc;                                                             \
        (void)c;                                                                \
        for (size_t i = 0; i < n; i++) {                                        \
            void *b = GET(c);                                                   \
            if (b == NULL)                                                      \
                return -1;                                                      \
            buf[i] = b;                                                         \
        }                                                                       \
        return 0;                                                               \
    }                                                                           \
    BENCH_UNUSED static void P##_tput(void *vc, void *const *buf, size_t n)                  \
    {                                                                           \
        CT *c = vc;                                                             \
        (void)c;                                                                \
        for (size_t i = 0; i < n; i++)                                          \
            PUT(c, buf[i]);                                                     \
    }

#endif
