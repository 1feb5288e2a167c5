/* tests/stress/soak.c - a timed soak: many threads doing random operations
 * on several pools at once, every held block stamped and checked, for as
 * long as asked (label stress; ctest runs a few seconds, in the release,
 * asan and tsan stages).
 *
 * Pools, on transparent hugepages or base pages (never hugetlb pages, which
 * other tests running beside a long soak count exactly): 64 B blocks with
 * caches; 256 B with NPOOL_NO_CACHE; 4 KiB with
 * NPOOL_ZERO; 40 B aligned to 8 (a stride that is no power of two) with
 * NPOOL_SPILL; and, when the machine has several nodes, 64 B over "all"
 * with NPOOL_SPILL (gets from a chosen node too).  Operations, picked at
 * random by each thread: get, get_on, get_bulk, get_contig; put, put_index,
 * put_bulk, put_contig; handing blocks to another thread, which puts them
 * (a shared exchange per pool); coalesce, stats, efficiency,
 * fragmentation, and now and then npool_check.
 *
 * Every block a thread holds carries a stamp written over the whole block
 * when it was got: its holder's tag (thread, sequence), a checksum of the
 * rest, and bytes derived from the tag.  A block about to be put must carry
 * its holder's stamp, whole; a block just got must hold zeros (fresh, or
 * NPOOL_ZERO) or some earlier holder's whole stamp (nothing writes into a
 * free block but a library built with NPOOL_DEBUG >= 2, whose fill pattern
 * it then holds whole: src/pool.h); an ownership byte per block, flipped
 * with atomic exchanges, must show one holder at a time.  Each failure of these, and every call
 * that fails where it must not, counts as a corruption; the run reports its
 * operations and corruptions in one line and fails when there is one.
 *
 *   NPOOL_SOAK_SECONDS   how long (default 3)
 *   NPOOL_SOAK_THREADS   threads (default 16)
 *   NPOOL_SOAK_SEED      the random choices (default: the clock)
 * The hour by hand: NPOOL_SOAK_SECONDS=3600 build/release/tests/soak */
#include "numapool.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "stress_util.h"

#define MAX_POOLS 5
#define HELD_MAX 512            /* records a thread holds per pool */
#define BULK_MAX 16
#define CONTIG_MAX 8
#define XCHG 256                /* records waiting in a pool's exchange */

struct rec {
    char *p;
    size_t n;                   /* adjacent blocks */
    uint64_t tag;               /* thread << 40 | sequence */
};

struct pool {
    const char *name;
    npool_config_t cfg;
    npool_t *pool;
    size_t stride, total;
    int narenas, nodes[NPOOL_MAX_NODES];
    _Atomic uint8_t *owned;     /* one byte per block: 1 while some thread holds it */
    pthread_mutex_t xlock;      /* the exchange */
    struct rec xchg[XCHG];
    int nx;
};

struct thread {
    int id;
    pthread_t th;
    uint64_t rng, seq, ops, gets, puts, failed_gets;
    struct rec held[MAX_POOLS][HELD_MAX];
    int nheld[MAX_POOLS];
};

static struct pool pools[MAX_POOLS];
static int npools;
static _Atomic uint64_t corruptions;
static _Atomic int stop;

static size_t below(struct thread *t, size_t n) { return n ? (size_t)(rnd(&t->rng) % n) : 0; }

__attribute__((format(printf, 1, 2))) static void corrupt(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (atomic_fetch_add(&corruptions, 1) < 20)
        fprintf(stderr, "soak: CORRUPTION: %s (last error: %s)\n", msg, npool_last_error());
}

/* ------------------------------------------------------------------------ */
/* stamps: tag, checksum of the rest, then bytes derived from the tag        */

static uint8_t body_byte(uint64_t tag, size_t j) { return (uint8_t)((tag * 0x9E3779B97F4A7C15ull) >> 56 ^ j * 31); }

static uint64_t checksum(const char *b, size_t from, size_t to)
{
    uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a */
    for (size_t j = from; j < to; j++)
        h = (h ^ (uint8_t)b[j]) * 0x100000001b3ull;
    return h;
}

static void stamp(const struct pool *p, char *b, uint64_t tag)
{
    size_t n = p->cfg.block_size;
    for (size_t j = 16; j < n; j++)
        b[j] = (char)body_byte(tag, j);
    uint64_t sum = checksum(b, 16, n);
    memcpy(b, &tag, 8);
    memcpy(b + 8, &sum, 8);
}

/* 1 whole stamp (its tag in *tag), 0 all zeros, 2 one of the fill patterns
 * of a library built with NPOOL_DEBUG >= 2 (0xcd fresh, 0xdd after a put),
 * -1 none of these. */
static int read_stamp(const struct pool *p, const char *b, uint64_t *tag)
{
    size_t n = p->cfg.block_size;
    uint64_t t, sum;
#if NPOOL_DEBUG >= 2
    for (int fill = 0xcd; fill <= 0xdd; fill += 0x10) {
        size_t j = 0;
        while (j < n && (uint8_t)b[j] == fill)
            j++;
        if (j == n)
            return 2;
    }
#endif
    memcpy(&t, b, 8);
    memcpy(&sum, b + 8, 8);
    if (t == 0 && sum == 0) {
        for (size_t j = 16; j < n; j++)
            if (b[j])
                return -1;
        return 0;
    }
    if (checksum(b, 16, n) != sum)
        return -1;
    for (size_t j = 16; j < n; j++)
        if ((uint8_t)b[j] != body_byte(t, j))
            return -1;
    *tag = t;
    return 1;
}

static size_t index_of(const struct pool *p, const char *b)
{
    size_t i = npool_index(p->pool, b);
    if (i >= p->total) {
        corrupt("%s: %p is not a block of the pool", p->name, (const void *)b);
        return SIZE_MAX;
    }
    return i;
}

/* A block just got: nobody else holds it; zeros or an earlier whole stamp. */
static void take(struct thread *t, struct pool *p, char *b, uint64_t tag)
{
    size_t i = index_of(p, b);
    if (i == SIZE_MAX)
        return;
    if (atomic_exchange_explicit(&p->owned[i], 1, memory_order_relaxed))
        corrupt("%s: block %zu handed to thread %d while another holds it", p->name, i, t->id);
    uint64_t old;
    int r = read_stamp(p, b, &old);
    if (r < 0 || ((p->cfg.flags & NPOOL_ZERO) && r != 0))
        corrupt("%s: block %zu was written while free (or not zeroed)", p->name, i);
    stamp(p, b, tag);
}

/* A block about to be put: its holder's whole stamp; then nobody holds it. */
static void give(struct thread *t, struct pool *p, char *b, uint64_t tag)
{
    size_t i = index_of(p, b);
    if (i == SIZE_MAX)
        return;
    uint64_t got = 0;
    if (read_stamp(p, b, &got) != 1 || got != tag)
        corrupt("%s: block %zu held under tag %#llx carries %#llx", p->name, i, (unsigned long long)tag,
                (unsigned long long)got);
    if (!atomic_exchange_explicit(&p->owned[i], 0, memory_order_relaxed))
        corrupt("%s: block %zu put by thread %d was not held", p->name, i, t->id);
}

static uint64_t next_tag(struct thread *t) { return (uint64_t)(t->id + 1) << 40 | ++t->seq; }

static void hold(struct thread *t, int k, char *b, size_t n, uint64_t tag)
{
    t->held[k][t->nheld[k]++] = (struct rec){b, n, tag};
}

static struct rec drop(struct thread *t, int k, int i)
{
    struct rec r = t->held[k][i];
    t->held[k][i] = t->held[k][--t->nheld[k]];
    return r;
}

/* ------------------------------------------------------------------------ */
/* operations                                                               */

static void op_get(struct thread *t, int k)
{
    struct pool *p = &pools[k];
    if (t->nheld[k] + BULK_MAX >= HELD_MAX)
        return;
    void *b[BULK_MAX];
    size_t n = 1;
    int how = (int)below(t, 8);
    if (how < 4) {
        b[0] = npool_get(p->pool);
    } else if (how < 5 && p->narenas > 1) {
        b[0] = npool_get_on(p->pool, p->nodes[below(t, (size_t)p->narenas)]);
    } else if (how < 7) {
        n = 1 + below(t, BULK_MAX);
        int rc = npool_get_bulk(p->pool, b, n);
        if (rc != 0 && rc != -ENOMEM)
            corrupt("%s: get_bulk(%zu): %s", p->name, n, npool_strerror(rc));
        if (rc != 0)
            b[0] = NULL;
    } else {
        size_t run = 1 + below(t, CONTIG_MAX);
        char *c = npool_get_contig(p->pool, run);
        if (!c) {
            t->failed_gets++;
            return;
        }
        uint64_t tag = next_tag(t);
        for (size_t j = 0; j < run; j++)
            take(t, p, c + j * p->stride, tag);
        hold(t, k, c, run, tag);
        t->gets += run;
        return;
    }
    if (!b[0]) {
        t->failed_gets++;
        return;
    }
    for (size_t j = 0; j < n; j++) {
        uint64_t tag = next_tag(t);
        take(t, p, b[j], tag);
        hold(t, k, b[j], 1, tag);
    }
    t->gets += n;
}

static void op_put(struct thread *t, int k)
{
    struct pool *p = &pools[k];
    if (!t->nheld[k])
        return;
    int how = (int)below(t, 6);
    if (how == 0 && t->nheld[k] >= 2) {        /* a bulk of single blocks */
        void *b[BULK_MAX];
        size_t n = 0;
        for (int i = t->nheld[k] - 1; i >= 0 && n < BULK_MAX; i--)
            if (t->held[k][i].n == 1) {
                struct rec r = drop(t, k, i);
                give(t, p, r.p, r.tag);
                b[n++] = r.p;
            }
        int rc = n ? npool_put_bulk(p->pool, b, n) : 0;
        if (rc)
            corrupt("%s: put_bulk(%zu): %s", p->name, n, npool_strerror(rc));
        t->puts += n;
        return;
    }
    struct rec r = drop(t, k, (int)below(t, (size_t)t->nheld[k]));
    for (size_t j = 0; j < r.n; j++)
        give(t, p, r.p + j * p->stride, r.tag);
    int rc;
    if (r.n > 1)
        rc = npool_put_contig(p->pool, r.p, r.n);
    else if (how == 1)
        rc = npool_put_index(p->pool, npool_index(p->pool, r.p));
    else
        rc = npool_put(p->pool, r.p);
    if (rc)
        corrupt("%s: put of %zu blocks: %s", p->name, r.n, npool_strerror(rc));
    t->puts += r.n;
}

/* Hand a record to the exchange, or take one from it (and hold it). */
static void op_exchange(struct thread *t, int k)
{
    struct pool *p = &pools[k];
    pthread_mutex_lock(&p->xlock);
    if (below(t, 2) && t->nheld[k] && p->nx < XCHG)
        p->xchg[p->nx++] = drop(t, k, (int)below(t, (size_t)t->nheld[k]));
    else if (p->nx && t->nheld[k] < HELD_MAX)
        t->held[k][t->nheld[k]++] = p->xchg[--p->nx];
    pthread_mutex_unlock(&p->xlock);
}

static void op_look(struct thread *t, int k)
{
    struct pool *p = &pools[k];
    switch (below(t, 8)) {
    case 0:
        if (npool_coalesce(p->pool) != 0)
            corrupt("%s: coalesce refused", p->name);
        break;
    case 1: {
        npool_stats_t *st = malloc(sizeof *st);
        if (!st || npool_stats(p->pool, st) != 0 ||
            st->blocks_held + st->blocks_free_set + st->blocks_cached != st->blocks_total)
            corrupt("%s: stats do not add up", p->name);
        free(st);
        break;
    }
    case 2:
        if (below(t, 64) == 0 && p->total <= 16384 && npool_check(p->pool) != 0)
            corrupt("%s: npool_check under load", p->name);
        break;
    default: {
        double e = npool_efficiency(p->pool), f = npool_fragmentation(p->pool);
        if (!(e >= 0 && e <= 100 && f >= 0 && f <= 100))
            corrupt("%s: efficiency %g, fragmentation %g", p->name, e, f);
        break;
    }
    }
}

static void *worker(void *arg)
{
    struct thread *t = arg;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        for (int burst = 0; burst < 64; burst++, t->ops++) {
            int k = (int)below(t, (size_t)npools);
            size_t r = below(t, 100);
            int want = t->nheld[k] < 64;
            if (r < (want ? 45u : 25u))
                op_get(t, k);
            else if (r < 88)
                op_put(t, k);
            else if (r < 97)
                op_exchange(t, k);
            else
                op_look(t, k);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */

static int add_pool(const char *name, npool_config_t c, int need_nodes)
{
    struct pool *p = &pools[npools];
    c.name = name;
    c.pages = NPOOL_PAGES_THP;
    p->name = name;
    p->cfg = c;
    if (npool_create(&c, &p->pool) != 0) {
        fprintf(stderr, "soak: cannot create pool %s: %s\n", name, npool_last_error());
        exit(2);
    }
    npool_stats_t *st = malloc(sizeof *st);
    if (!st || npool_stats(p->pool, st) != 0)
        exit(2);
    p->stride = st->stride;
    p->total = st->blocks_total;
    p->narenas = (int)st->nnodes;
    for (int i = 0; i < p->narenas; i++)
        p->nodes[i] = st->nodes[i].node;
    free(st);
    if (p->narenas < need_nodes) {
        npool_destroy(p->pool);
        return 0;
    }
    p->owned = calloc(p->total, 1);
    pthread_mutex_init(&p->xlock, NULL);
    npools++;
    return 1;
}

/* Everything still held or in an exchange goes back, checked; then every
 * pool must be whole: nothing held or cached, npool_check clean. */
static void drain(struct thread *ts, int nthreads)
{
    for (int k = 0; k < npools; k++) {
        struct pool *p = &pools[k];
        struct thread *t0 = &ts[0];
        while (p->nx && t0->nheld[k] < HELD_MAX)
            t0->held[k][t0->nheld[k]++] = p->xchg[--p->nx];
        for (int i = 0; i < nthreads; i++)
            while (ts[i].nheld[k]) {
                struct rec r = drop(&ts[i], k, ts[i].nheld[k] - 1);
                for (size_t j = 0; j < r.n; j++)
                    give(&ts[i], p, r.p + j * p->stride, r.tag);
                if ((r.n > 1 ? npool_put_contig(p->pool, r.p, r.n) : npool_put(p->pool, r.p)) != 0)
                    corrupt("%s: a put at the end failed", p->name);
                ts[i].puts += r.n;
            }
        npool_stats_t *st = malloc(sizeof *st);
        if (npool_coalesce(p->pool) != 0 || !st || npool_stats(p->pool, st) != 0 || st->blocks_held != 0 ||
            st->blocks_cached != 0 || st->blocks_free_set != p->total || npool_check(p->pool) != 0)
            corrupt("%s: not whole at the end (held %zu, cached %zu)", p->name, st ? st->blocks_held : 0,
                    st ? st->blocks_cached : 0);
        free(st);
        npool_destroy(p->pool);
        free((void *)p->owned);
        pthread_mutex_destroy(&p->xlock);
    }
}

int main(void)
{
    const char *e = getenv("NPOOL_SOAK_SECONDS");
    double seconds = e ? atof(e) : 3.0;
    e = getenv("NPOOL_SOAK_THREADS");
    int nthreads = e ? atoi(e) : 16;
    e = getenv("NPOOL_SOAK_SEED");
    uint64_t seed = e ? strtoull(e, NULL, 0) : now_ns();
    if (seconds <= 0 || nthreads < 1 || nthreads > 1024) {
        fprintf(stderr, "soak: NPOOL_SOAK_SECONDS > 0 and NPOOL_SOAK_THREADS in 1..1024, please\n");
        return 2;
    }
    unsetenv("NUMAPOOL_NODES");
    unsetenv("NUMAPOOL_PAGES");
    unsetenv("NUMAPOOL_VERBOSE");
    add_pool("cached-64", (npool_config_t){.block_size = 64, .block_count = 65536}, 1);
    add_pool("nocache-256", (npool_config_t){.block_size = 256, .block_count = 8192, .flags = NPOOL_NO_CACHE}, 1);
    add_pool("zero-4k", (npool_config_t){.block_size = 4096, .block_count = 2048, .flags = NPOOL_ZERO}, 1);
    add_pool("odd-40", (npool_config_t){.block_size = 40, .block_count = 4096, .align = 8, .flags = NPOOL_SPILL}, 1);
    int multi = add_pool("all-64", (npool_config_t){.block_size = 64, .block_count = 8192, .nodes = "all",
                                                   .flags = NPOOL_SPILL}, 2);
    struct thread *ts = calloc((size_t)nthreads, sizeof *ts);
    if (!ts)
        return 2;
    uint64_t t0 = now_ns();
    for (int i = 0; i < nthreads; i++) {
        ts[i].id = i;
        ts[i].rng = (seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(i + 1))) | 1;
        pthread_create(&ts[i].th, NULL, worker, &ts[i]);
    }
    struct timespec nap = {0, 50000000};
    while (now_ns() - t0 < (uint64_t)(seconds * 1e9))
        nanosleep(&nap, NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < nthreads; i++)
        pthread_join(ts[i].th, NULL);
    double dt = (double)(now_ns() - t0) / 1e9;
    uint64_t ops = 0, gets = 0, puts = 0, failed = 0;
    for (int i = 0; i < nthreads; i++)
        ops += ts[i].ops, gets += ts[i].gets, failed += ts[i].failed_gets;
    drain(ts, nthreads);
    for (int i = 0; i < nthreads; i++)
        puts += ts[i].puts;
    if (gets != puts)
        corrupt("%llu blocks got, %llu put back", (unsigned long long)gets, (unsigned long long)puts);
    uint64_t bad = atomic_load(&corruptions);
    printf("soak: %d threads, %d pools%s, %.1f min: %llu operations (%llu blocks got and put back, %llu gets found "
           "a node empty), %llu corruptions, seed %#llx\n", nthreads, npools, multi ? " (one over every node)" :
           " (one node: no pool over several)", dt / 60, (unsigned long long)ops, (unsigned long long)gets,
           (unsigned long long)failed, (unsigned long long)bad, (unsigned long long)seed);
    free(ts);
    return bad ? 1 : 0;
}
