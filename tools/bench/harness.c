/* numapool-bench: the harness every worker runs.  It owns timing
 * (CLOCK_MONOTONIC around loops of many operations, after a warm-up),
 * pinning, the fixed shuffled permutation (same seed in every process),
 * option parsing of a worker, and the order of measurements (the thread
 * patterns themselves are tpattern.c's): each repetition runs
 * every scenario and size for the out-of-line LIFO, the index stack and the
 * contender, in an order that rotates with the repetition, so slow drifts of
 * the machine fall on all three alike. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#if !defined(__GNUC__)
void *volatile bench_sink;
#endif

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: small, fast, and the same sequence in every process. */
uint64_t bench_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

void bench_shuffle_u32(uint32_t *a, size_t n, uint64_t seed)
{
    uint64_t s = seed | 1;
    for (size_t i = 0; i < n; i++)
        a[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(bench_rand(&s) % i);
        uint32_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

int bench_pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

void *bench_map(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void bench_unmap(void *p, size_t bytes)
{
    if (p != NULL)
        munmap(p, bytes);
}

void bench_die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("numapool-bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

void bench_emit(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static const char *const scen_names[] = {
    "pingpong", "batch", "bulk32", "tbatch", "create", "coalesce", "tlb", "tpc",
};

const char *bench_scenario_name(unsigned bit)
{
    for (unsigned i = 0; i < sizeof scen_names / sizeof *scen_names; i++)
        if (bit == 1u << i)
            return scen_names[i];
    return "?";
}

unsigned bench_parse_scenarios(const char *list, char *bad, size_t badlen)
{
    unsigned bits = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        unsigned found = 0;
        if (len == 3 && strncmp(p, "all", 3) == 0)
            found = BENCH_S_LOOPS | BENCH_S_SPECIAL;
        else if (len == 7 && strncmp(p, "threads", 7) == 0)
            found = BENCH_S_THREADS;
        else if (len == 4 && strncmp(p, "bulk", 4) == 0)
            found = BENCH_S_BULK;
        for (unsigned i = 0; !found && i < sizeof scen_names / sizeof *scen_names; i++)
            if (strlen(scen_names[i]) == len && strncmp(p, scen_names[i], len) == 0)
                found = 1u << i;
        if (!found) {
            snprintf(bad, badlen, "%.*s", (int)len, p);
            return 0;
        }
        bits |= found;
        p += len;
        if (*p == ',')
            p++;
    }
    return bits;
}

int bench_parse_counts(const char *list, int *counts, int max)
{
    int n = 0;
    for (const char *p = list; *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > BENCH_MAX_THREADS || n == max)
            return -1;
        counts[n++] = (int)v;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return n;
}

int bench_parse_sizes(const char *list, size_t *sizes, size_t max)
{
    size_t n = 0;
    const char *p = list;
    while (*p) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno || v == 0 || v > (1ull << 30) || n == max)
            return -1;
        if (*end == 'k' || *end == 'K')
            v *= 1024, end++;
        sizes[n++] = (size_t)v;
        p = end;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return (int)n;
}

static int parse_cpus(const char *list, int *cpus, int max)
{
    int n = 0;
    const char *p = list;
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b;
        if (end == p || a < 0)
            return -1;
        b = a;
        if (*end == '-') {
            p = end + 1;
            b = strtol(p, &end, 10);
            if (end == p || b < a)
                return -1;
        }
        for (long c = a; c <= b && n < max; c++)
            cpus[n++] = (int)c;
        p = end;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return n;
}

int bench_worker_opts(int argc, char **argv, struct bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->sizes[0] = 64, o->sizes[1] = 256, o->sizes[2] = 4096, o->nsizes = 3;
    o->scen = BENCH_S_LOOPS;
    o->reps = 5;
    o->scale = 1.0;
    o->tlb_bytes = (size_t)2 << 30;
    for (int i = 0; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char bad[64];
        if (v == NULL)
            return -1;
        if (strcmp(a, "--sizes") == 0) {
            int n = bench_parse_sizes(v, o->sizes, 8);
            if (n <= 0)
                return -1;
            o->nsizes = (size_t)n;
        } else if (strcmp(a, "--scenarios") == 0) {
            if ((o->scen = bench_parse_scenarios(v, bad, sizeof bad)) == 0)
                return -1;
        } else if (strcmp(a, "--reps") == 0) {
            o->reps = atoi(v);
        } else if (strcmp(a, "--scale") == 0) {
            o->scale = atof(v);
        } else if (strcmp(a, "--threads") == 0) {
            if ((o->ntcounts = bench_parse_counts(v, o->tcounts, BENCH_MAX_TCOUNTS)) <= 0)
                return -1;
        } else if (strcmp(a, "--cpus") == 0) {
            o->ncpus = parse_cpus(v, o->cpus, BENCH_MAX_THREADS);
        } else if (strcmp(a, "--tlb-size") == 0) {
            o->tlb_bytes = (size_t)strtoull(v, NULL, 10);
        } else {
            return -1;
        }
    }
    if (o->reps < 1 || o->scale <= 0 || o->ncpus < 1)
        return -1;
    return 0;
}

/* ---- the measurement plan ---- */

enum { NIMPL = 3 };

static double time_loop(const struct bench_contender *c, void *ctx, unsigned scen, struct bench_batch *bb, size_t count)
{
    uint64_t t0 = bench_now_ns();
    switch (scen) {
    case BENCH_S_PINGPONG:
        c->pingpong(ctx, count);
        break;
    case BENCH_S_BATCH:
        c->batch(ctx, bb, count);
        count *= bb->n;
        break;
    default:
        c->bulk(ctx, bb, count);
        count *= bb->n;
        break;
    }
    return (double)(bench_now_ns() - t0) / (double)count;
}

static size_t scaled(double base, double scale)
{
    double v = base * scale;
    return v < 1 ? 1 : (size_t)v;
}

/* The lock's figures of the contender's context (numapool only): acquisitions
 * per 1000 blocks and mean hold time of one run, from before/after readings. */
static void emit_lock(const struct bench_contender *c, void *ctx, const uint64_t before[3], const char *scen,
                      int n, int rep, double blocks)
{
    uint64_t after[3];
    c->lock_figures(ctx, after);
    double acq = (double)(after[0] - before[0]), timed = (double)(after[1] - before[1]);
    bench_emit("M lock-acq %s 64 %d %d %.4f", scen, n, rep, blocks > 0 ? 1000.0 * acq / blocks : 0.0);
    if (timed > 0)
        bench_emit("M lock-ns %s 64 %d %d %.4f", scen, n, rep, (double)(after[2] - before[2]) / timed);
}

/* The thread patterns: one shared pool of 64 B blocks per implementation,
 * each pattern at each thread count, every repetition. */
static void run_thread_patterns(const struct bench_contender *const impl[], const char *const label[], int nimpl,
                                const struct bench_opts *o, const uint32_t *perm)
{
    static const unsigned pats[2] = {BENCH_S_TBATCH, BENCH_S_TPC};
    int maxn = 1;
    for (int i = 0; i < o->ntcounts; i++)
        maxn = o->tcounts[i] > maxn ? o->tcounts[i] : maxn;
    size_t nblocks = BENCH_TPOOL / 2 > BENCH_TPER * (size_t)maxn ? BENCH_TPOOL / 2 : BENCH_TPER * (size_t)maxn;
    void *ctx[4] = {0};
    size_t rounds[4][2];
    const double target_ns = 25e6 * o->scale;
    bench_emit("P %s: thread patterns, setting up", impl[nimpl - 1]->name);
    for (int k = 0; k < nimpl; k++) {
        char why[256] = "";
        if (impl[k]->tget == NULL)
            continue;
        if ((ctx[k] = impl[k]->setup(64, nblocks, why, sizeof why)) == NULL) {
            bench_emit("S %s tbatch 64 %s", label[k], why[0] ? why : "setup failed");
            continue;
        }
        for (int p = 0; p < 2; p++) {       /* warm-up; its speed sets the rounds per thread */
            double ns = bench_tpattern(impl[k], ctx[k], (int)pats[p], 1, o, 4, perm);
            size_t fit = ns > 0 ? (size_t)(target_ns / (ns * BENCH_TBATCH)) : 8;
            rounds[k][p] = fit < 4 ? 4 : fit > 400 ? 400 : fit;
        }
    }
    for (int rep = 0; rep < o->reps; rep++) {
        bench_emit("P %s: thread patterns, rep %d/%d", impl[nimpl - 1]->name, rep + 1, o->reps);
        for (int p = 0; p < 2; p++) {
            if (!(o->scen & pats[p]))
                continue;
            const char *scen = bench_scenario_name(pats[p]);
            for (int t = 0; t < o->ntcounts; t++) {
                int n = o->tcounts[t];
                for (int kk = 0; kk < nimpl; kk++) {
                    int k = (kk + rep) % nimpl;
                    /* a per-thread LIFO cannot hand blocks to another thread */
                    if (ctx[k] == NULL || (pats[p] == BENCH_S_TPC && impl[k]->thread_ctx && impl[k] == &bench_ref_lifo))
                        continue;
                    /* the same blocks per thread at every count, the same wall time per count */
                    if (impl[k]->no_oversubscribe && n > o->ncpus) {
                        if (rep == 0)
                            bench_emit("S %s %s 64 not run with %d threads on %d CPUs: %s", label[k], scen, n,
                                       o->ncpus, impl[k]->no_oversubscribe);
                        continue;
                    }
                    size_t r = rounds[k][p];
                    uint64_t before[3];
                    if (impl[k]->lock_figures)
                        impl[k]->lock_figures(ctx[k], before);
                    double ns = bench_tpattern(impl[k], ctx[k], (int)pats[p], n, o, r, perm);
                    if (ns < 0) {
                        bench_emit("S %s %s 64 out of blocks with %d threads", label[k], scen, n);
                        continue;
                    }
                    bench_emit("M %s %s 64 %d %d %.4f", label[k], scen, n, rep, ns);
                    if (impl[k]->lock_figures)
                        emit_lock(impl[k], ctx[k], before, scen, n, rep, (double)(r * BENCH_TBATCH) * n);
                }
            }
        }
    }
    for (int k = 0; k < nimpl; k++)
        if (ctx[k])
            impl[k]->teardown(ctx[k]);
}

int bench_worker_run(const struct bench_contender *c, const struct bench_opts *o)
{
    const struct bench_contender *impl[NIMPL] = {&bench_ref_lifo, &bench_ref_idxstack, c};
    const char *label[NIMPL] = {"lifo", "idxstack", c->name};
    void *ctx[8][NIMPL];
    size_t nblocks = BENCH_TPER;
    const size_t pp_iters = scaled(4e6, o->scale), rounds = scaled(256, o->scale);
    const double target_ns = 25e6 * o->scale;
    static const unsigned loops[] = {BENCH_S_PINGPONG, BENCH_S_BATCH, BENCH_S_BULK};
    size_t count[8][NIMPL][3];

    if (bench_pin(o->cpus[0]) != 0)
        bench_emit("X pin-failed %d", o->cpus[0]);
    if (!(o->scen & BENCH_S_LOOPS))
        return 0;

    uint32_t *perm = bench_map(BENCH_BATCH * sizeof *perm);
    void **slots = bench_map(BENCH_BATCH * sizeof *slots);
    void **shuf = bench_map(BENCH_BATCH * sizeof *shuf);
    if (perm == NULL || slots == NULL || shuf == NULL)
        bench_die("cannot map the batch arrays");
    bench_shuffle_u32(perm, BENCH_BATCH, 0x9e3779b97f4a7c15ull);
    struct bench_batch bb = {.n = BENCH_BATCH, .slots = slots, .shuf = shuf, .perm = perm};
    unsigned single = o->scen & (BENCH_S_PINGPONG | BENCH_S_BATCH | BENCH_S_BULK);

    for (size_t s = 0; single && s < o->nsizes; s++) {
        bench_emit("P %s: setting up %zu B", c->name, o->sizes[s]);
        for (int k = 0; k < NIMPL; k++) {
            char why[256] = "";
            ctx[s][k] = impl[k]->setup(o->sizes[s], nblocks, why, sizeof why);
            if (ctx[s][k] == NULL)
                bench_emit("S %s all %zu %s", label[k], o->sizes[s], why[0] ? why : "setup failed");
        }
        /* warm-up: every loop once, short; its speed sets the counts so
         * that one timed loop lasts about target_ns (a slow contender, such
         * as glibc freeing 4 KiB blocks, must not take the whole run) */
        for (int k = 0; k < NIMPL; k++) {
            if (ctx[s][k] == NULL)
                continue;
            for (unsigned li = 0; li < 3; li++) {
                if (!(o->scen & loops[li]))
                    continue;
                size_t full = li == 0 ? pp_iters : rounds, per = li == 0 ? 1 : BENCH_BATCH;
                double ns = time_loop(impl[k], ctx[s][k], loops[li], &bb, full / 8 + 1);
                size_t fit = (size_t)(target_ns / (ns * (double)per + 1e-3));
                count[s][k][li] = fit < 1 ? 1 : fit < full ? fit : full;
            }
        }
    }

    for (int rep = 0; single && rep < o->reps; rep++) {
        for (size_t s = 0; s < o->nsizes; s++) {
            size_t size = o->sizes[s];
            bench_emit("P %s: rep %d/%d, %zu B", c->name, rep + 1, o->reps, size);
            for (unsigned li = 0; li < 3; li++) {
                if (!(o->scen & loops[li]))
                    continue;
                for (int kk = 0; kk < NIMPL; kk++) {
                    int k = (kk + rep) % NIMPL;
                    if (ctx[s][k] == NULL)
                        continue;
                    double ns = time_loop(impl[k], ctx[s][k], loops[li], &bb, count[s][k][li]);
                    bench_emit("M %s %s %zu 1 %d %.4f", label[k], bench_scenario_name(loops[li]), size, rep, ns);
                }
            }
        }
    }
    for (size_t s = 0; single && s < o->nsizes; s++)
        for (int k = 0; k < NIMPL; k++)
            if (ctx[s][k] != NULL)
                impl[k]->teardown(ctx[s][k]);
    if (o->scen & BENCH_S_THREADS)
        run_thread_patterns(impl, label, NIMPL, o, perm);
    return 0;
}
