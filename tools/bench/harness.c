/* numapool-bench: the harness every worker runs.  It owns timing
 * (CLOCK_MONOTONIC around loops of many operations, after a warm-up),
 * pinning, the fixed shuffled permutation (same seed in every process), the
 * single-producer single-consumer rings of the thread scenarios, option
 * parsing of a worker, and the order of measurements: each repetition runs
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
    "pingpong", "batch", "bulk32", "threads", "create", "coalesce", "tlb",
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
            o->nthreads = atoi(v);
        } else if (strcmp(a, "--cpus") == 0) {
            o->ncpus = parse_cpus(v, o->cpus, BENCH_MAX_THREADS);
        } else if (strcmp(a, "--tlb-size") == 0) {
            o->tlb_bytes = (size_t)strtoull(v, NULL, 10);
        } else {
            return -1;
        }
    }
    if (o->reps < 1 || o->scale <= 0 || o->ncpus < 1 || o->nthreads > BENCH_MAX_THREADS)
        return -1;
    return 0;
}

/* ---- thread scenarios: rings and the workers that hand blocks on ---- */

struct ring {
    _Alignas(64) atomic_size_t head; /* written by the producer only */
    _Alignas(64) atomic_size_t tail; /* written by the consumer only */
    _Alignas(64) size_t mask;
    void **slot;
};

static struct ring rings[BENCH_MAX_THREADS];

/* Producer side.  The release store of head pairs with the consumer's
 * acquire load in ring_pop, so the slots are written before they are seen. */
static size_t ring_push(struct ring *r, void *const *v, size_t n)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t space = r->mask + 1 - (h - t);
    size_t m = n < space ? n : space;
    for (size_t i = 0; i < m; i++)
        r->slot[(h + i) & r->mask] = v[i];
    atomic_store_explicit(&r->head, h + m, memory_order_release);
    return m;
}

/* Consumer side; the release store of tail pairs with ring_push's acquire. */
static size_t ring_pop(struct ring *r, void **v, size_t n)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t avail = h - t;
    size_t m = n < avail ? n : avail;
    for (size_t i = 0; i < m; i++)
        v[i] = r->slot[(t + i) & r->mask];
    atomic_store_explicit(&r->tail, t + m, memory_order_release);
    return m;
}

struct tjob {
    const struct bench_contender *c;
    void *ctx;
    int tid, n, cpu;
    size_t rounds;
    pthread_barrier_t *bar;
    uint64_t t0, t1;
    int failed;
    pthread_t th;
};

/* Thread tid gets BENCH_TBATCH blocks a round, sends them to thread tid+1,
 * and puts what thread tid-1 sent it; while its outgoing ring is full it
 * puts what comes in, so no two threads ever wait on each other. */
static void *tjob_main(void *arg)
{
    struct tjob *j = arg;
    const size_t k = BENCH_TBATCH, total = j->rounds * k;
    void *buf[BENCH_TBATCH], *in[BENCH_TBATCH];
    struct ring *out = &rings[j->tid], *inr = &rings[(j->tid + j->n - 1) % j->n];
    size_t sent = 0, got = 0;

    bench_pin(j->cpu);
    void *tc = j->c->thread_ctx ? j->c->thread_ctx(j->ctx, j->tid) : j->ctx;
    if (tc == NULL)
        j->failed = 1;
    pthread_barrier_wait(j->bar);
    j->t0 = bench_now_ns();
    while (!j->failed && (sent < total || got < total)) {
        if (sent < total) {
            if (j->c->tget(tc, buf, k) != 0) {
                j->failed = 1;
                break;
            }
            size_t pushed = 0;
            while (pushed < k) {
                pushed += ring_push(out, buf + pushed, k - pushed);
                size_t m = ring_pop(inr, in, k);
                j->c->tput(tc, in, m);
                got += m;
            }
            sent += k;
        } else {
            size_t m = ring_pop(inr, in, k);
            j->c->tput(tc, in, m);
            got += m;
        }
    }
    j->t1 = bench_now_ns();
    if (j->c->thread_done && tc != j->ctx && tc != NULL)
        j->c->thread_done(tc);
    return NULL;
}

/* ns per block moved (one get plus one put), or a negative value on failure. */
static double run_threads(const struct bench_contender *c, void *ctx, int n, const struct bench_opts *o, size_t rounds)
{
    const size_t k = BENCH_TBATCH;
    if (n == 1) {
        void *buf[BENCH_TBATCH];
        void *tc = c->thread_ctx ? c->thread_ctx(ctx, 0) : ctx;
        if (tc == NULL)
            return -1;
        uint64_t t0 = bench_now_ns();
        for (size_t r = 0; r < rounds; r++) {
            if (c->tget(tc, buf, k) != 0)
                return -1;
            c->tput(tc, buf, k);
        }
        uint64_t t1 = bench_now_ns();
        if (c->thread_done && tc != ctx)
            c->thread_done(tc);
        return (double)(t1 - t0) / (double)(rounds * k);
    }
    struct tjob jobs[BENCH_MAX_THREADS];
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        atomic_store(&rings[i].head, 0);
        atomic_store(&rings[i].tail, 0);
        jobs[i] = (struct tjob){.c = c, .ctx = ctx, .tid = i, .n = n, .cpu = o->cpus[i % o->ncpus], .rounds = rounds, .bar = &bar};
    }
    int started = 0;
    for (; started < n; started++)
        if (pthread_create(&jobs[started].th, NULL, tjob_main, &jobs[started]) != 0)
            bench_die("pthread_create failed");
    uint64_t t0 = UINT64_MAX, t1 = 0;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(jobs[i].th, NULL);
        t0 = jobs[i].t0 < t0 ? jobs[i].t0 : t0;
        t1 = jobs[i].t1 > t1 ? jobs[i].t1 : t1;
        failed |= jobs[i].failed;
    }
    pthread_barrier_destroy(&bar);
    return failed ? -1 : (double)(t1 - t0) / (double)(rounds * k * (size_t)n);
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

int bench_worker_run(const struct bench_contender *c, const struct bench_opts *o)
{
    const struct bench_contender *impl[NIMPL] = {&bench_ref_lifo, &bench_ref_idxstack, c};
    const char *label[NIMPL] = {"lifo", "idxstack", c->name};
    void *ctx[8][NIMPL];
    int nthreads = (o->scen & BENCH_S_THREADS) ? (o->nthreads >= 2 ? o->nthreads : 0) : 0;
    size_t nblocks = BENCH_TPER * (size_t)(nthreads > 1 ? nthreads : 1);
    const size_t pp_iters = scaled(4e6, o->scale), rounds = scaled(256, o->scale);
    const size_t trounds = scaled(96, o->scale);
    const double target_ns = 25e6 * o->scale;
    static const unsigned loops[] = {BENCH_S_PINGPONG, BENCH_S_BATCH, BENCH_S_BULK};
    size_t count[8][NIMPL][3], tcount[8][NIMPL];

    if (bench_pin(o->cpus[0]) != 0)
        bench_emit("X pin-failed %d", o->cpus[0]);
    if (!(o->scen & BENCH_S_LOOPS))
        return 0;

    uint32_t *perm = bench_map(BENCH_BATCH * sizeof *perm);
    void **slots = bench_map(BENCH_BATCH * sizeof *slots);
    void **shuf = bench_map(BENCH_BATCH * sizeof *shuf);
    for (int i = 0; i < nthreads; i++) {
        rings[i].mask = 2 * BENCH_TBATCH - 1;
        rings[i].slot = bench_map(2 * BENCH_TBATCH * sizeof(void *));
        if (rings[i].slot == NULL)
            bench_die("cannot map the rings");
    }
    if (perm == NULL || slots == NULL || shuf == NULL)
        bench_die("cannot map the batch arrays");
    bench_shuffle_u32(perm, BENCH_BATCH, 0x9e3779b97f4a7c15ull);
    struct bench_batch bb = {.n = BENCH_BATCH, .slots = slots, .shuf = shuf, .perm = perm};

    for (size_t s = 0; s < o->nsizes; s++) {
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
            tcount[s][k] = trounds;
            if ((o->scen & BENCH_S_THREADS) && impl[k]->tget != NULL) {
                double ns = run_threads(impl[k], ctx[s][k], 1, o, 2);
                size_t fit = ns > 0 ? (size_t)(target_ns / (ns * BENCH_TBATCH * 2.0)) : trounds;
                tcount[s][k] = fit < 2 ? 2 : fit < trounds ? fit : trounds;
            }
        }
    }

    for (int rep = 0; rep < o->reps; rep++) {
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
            if (!(o->scen & BENCH_S_THREADS))
                continue;
            for (int kk = 0; kk < NIMPL; kk++) {
                int k = (kk + rep) % NIMPL;
                if (ctx[s][k] == NULL || impl[k]->tget == NULL)
                    continue;
                double t1 = run_threads(impl[k], ctx[s][k], 1, o, tcount[s][k] * (size_t)(nthreads ? nthreads : 1));
                if (t1 < 0)
                    bench_emit("S %s threads %zu out of blocks with 1 thread", label[k], size);
                else
                    bench_emit("M %s threads %zu 1 %d %.4f", label[k], size, rep, t1);
                if (nthreads < 2)
                    continue;
                double tn = run_threads(impl[k], ctx[s][k], nthreads, o, tcount[s][k]);
                if (tn < 0)
                    bench_emit("S %s threads %zu out of blocks with %d threads", label[k], size, nthreads);
                else
                    bench_emit("M %s threads %zu %d %d %.4f", label[k], size, nthreads, rep, tn);
            }
        }
    }
    for (size_t s = 0; s < o->nsizes; s++)
        for (int k = 0; k < NIMPL; k++)
            if (ctx[s][k] != NULL)
                impl[k]->teardown(ctx[s][k]);
    return 0;
}
