/* numapool-bench: the two thread patterns, run in every worker against its
 * contender (and the per-thread LIFO where it applies), on one shared pool
 * of BENCH_TPOOL blocks, every thread pinned (thread i on CPU i mod ncpus, so
 * a count above the CPUs oversubscribes them):
 *   tbatch  each thread, each round, gets BENCH_TBATCH blocks and puts them
 *           back in a fixed shuffled order (the shape of a time step that
 *           allocates per cell and frees at the end);
 *   tpc     threads in pairs: the producer gets BENCH_TCHUNK blocks and hands
 *           them through a single-producer single-consumer ring to its
 *           consumer, which puts them; with one thread, it gets a chunk and
 *           puts it itself.
 * The figure is wall time over blocks moved (one get and one put each), from
 * the first thread's start to the last thread's end; throughput is its
 * inverse.  A thread that waits on a ring yields its CPU, so that an
 * oversubscribed run measures the allocator, not spinning. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct tring {
    _Alignas(64) atomic_size_t head;    /* written by the producer */
    atomic_int closed;                  /* the producer failed: its consumer stops */
    _Alignas(64) atomic_size_t tail;    /* written by the consumer */
    _Alignas(64) void *slot[2 * BENCH_TBATCH];
};
#define TRING_MASK (2 * BENCH_TBATCH - 1)

/* The release store of head pairs with the consumer's acquire load, so the
 * slots are written before they are seen; the same for tail the other way. */
static size_t tring_push(struct tring *r, void *const *v, size_t n)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
    size_t space = TRING_MASK + 1 - (h - t), m = n < space ? n : space;
    for (size_t i = 0; i < m; i++)
        r->slot[(h + i) & TRING_MASK] = v[i];
    atomic_store_explicit(&r->head, h + m, memory_order_release);
    return m;
}

static size_t tring_pop(struct tring *r, void **v, size_t n)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t h = atomic_load_explicit(&r->head, memory_order_acquire);
    size_t avail = h - t, m = n < avail ? n : avail;
    for (size_t i = 0; i < m; i++)
        v[i] = r->slot[(t + i) & TRING_MASK];
    atomic_store_explicit(&r->tail, t + m, memory_order_release);
    return m;
}

struct tjob {
    const struct bench_contender *c;
    void *ctx;
    const uint32_t *perm;
    struct tring *ring;                 /* tpc: the pair's ring */
    int pattern, tid, role, cpu;        /* role (tpc): 0 alone, 1 producer, 2 consumer */
    size_t rounds;
    pthread_barrier_t *bar;
    uint64_t t0, t1;
    int failed;
    pthread_t th;
};

static void tbatch(struct tjob *j, void *tc)
{
    void **slots = malloc(2 * BENCH_TBATCH * sizeof(void *)), **shuf = slots + BENCH_TBATCH;
    if (!slots) {
        j->failed = 1;
        return;
    }
    for (size_t r = 0; r < j->rounds && !j->failed; r++) {
        if (j->c->tget(tc, slots, BENCH_TBATCH) != 0) {
            j->failed = 1;
            break;
        }
        for (size_t i = 0; i < BENCH_TBATCH; i++)
            shuf[i] = slots[j->perm[i]];
        j->c->tput(tc, shuf, BENCH_TBATCH);
    }
    free(slots);
}

static void tpc(struct tjob *j, void *tc)
{
    void *chunk[BENCH_TCHUNK];
    size_t total = j->rounds * BENCH_TBATCH, done = 0;
    while (done < total && !j->failed) {
        if (j->role == 2) {                     /* consumer */
            size_t m = tring_pop(j->ring, chunk, BENCH_TCHUNK);
            if (m == 0) {
                if (atomic_load_explicit(&j->ring->closed, memory_order_acquire)) {
                    j->failed = 1;
                    break;
                }
                sched_yield();
                continue;
            }
            j->c->tput(tc, chunk, m);
            done += m;
            continue;
        }
        if (j->c->tget(tc, chunk, BENCH_TCHUNK) != 0) {
            j->failed = 1;
            if (j->ring)
                atomic_store_explicit(&j->ring->closed, 1, memory_order_release);
            break;
        }
        if (j->role == 0) {                     /* alone: put the chunk itself */
            j->c->tput(tc, chunk, BENCH_TCHUNK);
        } else {
            for (size_t sent = 0; sent < BENCH_TCHUNK;) {
                size_t m = tring_push(j->ring, chunk + sent, BENCH_TCHUNK - sent);
                sent += m;
                if (m == 0)
                    sched_yield();
            }
        }
        done += BENCH_TCHUNK;
    }
}

static void *tjob_main(void *arg)
{
    struct tjob *j = arg;
    bench_pin(j->cpu);
    void *tc = j->c->thread_ctx ? j->c->thread_ctx(j->ctx, j->tid) : j->ctx;
    if (tc == NULL)
        j->failed = 1;
    pthread_barrier_wait(j->bar);
    j->t0 = bench_now_ns();
    if (!j->failed) {
        if (j->pattern == BENCH_S_TBATCH)
            tbatch(j, tc);
        else
            tpc(j, tc);
    }
    j->t1 = bench_now_ns();
    if (j->c->thread_done && tc != j->ctx && tc != NULL)
        j->c->thread_done(tc);
    return NULL;
}

double bench_tpattern(const struct bench_contender *c, void *ctx, int pattern, int n, const struct bench_opts *o,
                      size_t rounds, const uint32_t *perm)
{
    struct tjob *jobs = calloc((size_t)n, sizeof *jobs);
    struct tring *rings = pattern == BENCH_S_TPC && n > 1 ? aligned_alloc(64, (size_t)(n / 2) * sizeof *rings) : NULL;
    if (!jobs || (pattern == BENCH_S_TPC && n > 1 && !rings))
        bench_die("out of memory for %d threads", n);
    for (int p = 0; rings && p < n / 2; p++) {
        atomic_init(&rings[p].head, 0);
        atomic_init(&rings[p].tail, 0);
        atomic_init(&rings[p].closed, 0);
    }
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, (unsigned)n);
    for (int i = 0; i < n; i++) {
        jobs[i] = (struct tjob){.c = c, .ctx = ctx, .perm = perm, .pattern = pattern, .tid = i,
                                .cpu = o->cpus[i % o->ncpus], .rounds = rounds, .bar = &bar};
        if (pattern == BENCH_S_TPC && n > 1) {
            /* pairs (0,1), (2,3)...; an odd last thread works alone */
            int pair = i / 2;
            if (pair < n / 2) {
                jobs[i].ring = &rings[pair];
                jobs[i].role = i % 2 ? 2 : 1;
            }
        }
    }
    for (int i = 0; i < n; i++)
        if (pthread_create(&jobs[i].th, NULL, tjob_main, &jobs[i]) != 0)
            bench_die("pthread_create failed");
    uint64_t t0 = UINT64_MAX, t1 = 0;
    int failed = 0;
    size_t blocks = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(jobs[i].th, NULL);
        t0 = jobs[i].t0 < t0 ? jobs[i].t0 : t0;
        t1 = jobs[i].t1 > t1 ? jobs[i].t1 : t1;
        failed |= jobs[i].failed;
        if (jobs[i].role != 2)          /* a block moved counts once, at its get */
            blocks += rounds * BENCH_TBATCH;
    }
    pthread_barrier_destroy(&bar);
    free(jobs);
    free(rings);
    return failed ? -1 : (double)(t1 - t0) / (double)blocks;
}
