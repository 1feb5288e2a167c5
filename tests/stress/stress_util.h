/* tests/stress/stress_util.h - what the stress programs share: a monotonic
 * clock in ns and a small seeded generator (xorshift64*), so that a failing
 * run can be replayed from the seed it prints. */
#ifndef NPOOL_STRESS_UTIL_H
#define NPOOL_STRESS_UTIL_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The next number of the sequence in *s (never 0 when *s starts nonzero). */
static inline uint64_t rnd(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

#endif
