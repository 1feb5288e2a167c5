/* tests/test_stress.c - many threads on one shared pool, through numapool.h
 * only (label `stress`).  Owns: the multi-threaded contract.  Four worker
 * threads run random mixes of every call (get, get_on, get_bulk, get_contig,
 * put, put_bulk, put_contig, put_index, coalesce, stats, efficiency,
 * fragmentation, check, describe) and hand blocks to each other through
 * single-producer single-consumer rings, so most blocks are got by one thread
 * and put by another.  Misuse is mixed in and must be refused.
 *
 * What catches a block handed to two owners at once: an ownership byte per
 * block flipped with relaxed atomic exchanges (exactly one owner at a time,
 * without adding any happens-before edge that could hide a missing one in the
 * library from TSan), and a stamp (owner id, sequence) written over the whole
 * block on every get and checked before every put.  Because nothing may write
 * into a free block, a block got again must hold its last owner's stamp intact
 * (or zeros when fresh, or always zeros with NPOOL_ZERO; or, from a library
 * built with NPOOL_DEBUG >= 2, the pattern it fills free blocks with).
 *
 * At the end the counts must reconcile exactly: got - put == held ==
 * npool_stats' blocks_held, held + free set + cached == total, the pool's
 * gets / puts / failed gets / refused puts equal the threads' own tallies,
 * and, after npool_coalesce from the main thread with every worker joined,
 * nothing is cached and npool_check() is 0.
 *
 * Variants: default, NPOOL_NO_CACHE, NPOOL_ZERO, a small pool (exhaustion,
 * threads without a cache of their own), a tiny pool that cannot cache, and
 * one where workers exit and new ones start (caches of exited threads come
 * back).  Workers report failures with abort(): cmocka's asserts belong to
 * the main thread.  NPOOL_STRESS_SECONDS sets the time per variant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "numapool.h"
#include "stress_util.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define STRESS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define STRESS_SANITIZED 1
#endif
#endif
#ifndef STRESS_SANITIZED
#define STRESS_SANITIZED 0
#endif

#define NSLOTS 4
#define RING 256            /* entries of one SPSC ring */
#define HELD_MAX 1024       /* records one slot may hold */
#define BULK_MAX 32
#define CONTIG_MAX 12

/* A held run of n adjacent blocks (n == 1 for a single block), all stamped with tag. */
struct rec {
    char *p;
    size_t n;
    uint64_t tag;           /* owner id << 40 | sequence; never 0 */
};

/* Single producer (slot i), single consumer (slot i + 1). */
struct ring {
    _Alignas(64) _Atomic size_t head;   /* written by the producer */
    _Alignas(64) _Atomic size_t tail;   /* written by the consumer */
    struct rec e[RING];
};

struct variant {
    const char *name;
    size_t block_size, align, count;
    unsigned flags;
    size_t hold_target;     /* blocks a worker tries to keep */
    int churn;              /* workers exit after a while and new ones start */
};

struct stress;

struct slot {
    struct stress *s;
    int id;
    pthread_t th;
    int running;
    _Atomic int done;
    uint64_t life;          /* operations before this incarnation exits; 0 = until the deadline */
    uint32_t owner;         /* this incarnation's id, for stamps */
    uint64_t seq, rng;
    struct rec held[HELD_MAX];
    size_t nheld;           /* records */
    size_t nblocks;         /* blocks in those records */
    /* tallies, read by the main thread after join */
    uint64_t got, put, failed, refused, ops, handed, doubles, skewed;
    unsigned starved;       /* operations left preferring puts after a failed get */
};

struct stress {
    npool_t *pool;
    const struct variant *v;
    size_t stride, total, count;
    int node;
    char *first;            /* block 0 */
    int caches_sure;        /* every worker surely has a cache (see try_double_put) */
    size_t ring_limit;      /* records a ring may hold: blocks in the ring of a thread off its CPU are lost to the others */
    uint64_t deadline_ns;
    uint64_t max_ops;
    _Atomic uint32_t next_owner;
    _Atomic uint8_t *owned; /* one byte per block: 1 while some worker holds it */
    struct ring rings[NSLOTS];
    struct slot slots[NSLOTS];
};

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

#define CHECK(cond, ...)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "stress: %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fprintf(stderr, " (last error: %s)\n", npool_last_error());                   \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

static size_t below(struct slot *sl, size_t n) { return (size_t)(rnd(&sl->rng) % n); }

static double seconds_per_variant(void)
{
    const char *e = getenv("NPOOL_STRESS_SECONDS");
    double s = e ? atof(e) : 0.0;
    if (s > 0)
        return s;
    return STRESS_SANITIZED ? 0.6 : 1.2;
}

/* The stamp: tag, its complement, then bytes derived from the tag, over the
 * whole block_size.  A half-overwritten block fails the check. */
static uint8_t body_byte(uint64_t tag, size_t j)
{
    return (uint8_t)((tag * 0x9E3779B97F4A7C15ull) >> 56) ^ (uint8_t)(j * 7);
}

static void stamp(const struct stress *s, char *b, uint64_t tag)
{
    uint64_t chk = ~tag ^ 0x5A5A5A5A5A5A5A5Aull;
    memcpy(b, &tag, 8);
    memcpy(b + 8, &chk, 8);
    for (size_t j = 16; j < s->v->block_size; j++)
        b[j] = (char)body_byte(tag, j);
}

/* Is every byte of the block c? */
static int all_bytes(const struct stress *s, const char *b, uint8_t c)
{
    for (size_t j = 0; j < s->v->block_size; j++)
        if ((uint8_t)b[j] != c)
            return 0;
    return 1;
}

/* 0 when b holds a whole stamp (its tag in *tag), 1 when every byte is 0,
 * 2 when it holds one of the patterns a library built with NPOOL_DEBUG >= 2
 * fills free blocks with (src/pool.h: 0xcd fresh, 0xdd after a put), -1
 * otherwise. */
static int read_stamp(const struct stress *s, const char *b, uint64_t *tag)
{
    uint64_t t, chk;
#if NPOOL_DEBUG >= 2
    if (all_bytes(s, b, 0xcd) || all_bytes(s, b, 0xdd))
        return 2;
#endif
    memcpy(&t, b, 8);
    memcpy(&chk, b + 8, 8);
    if (t == 0 && chk == 0)
        return all_bytes(s, b, 0) ? 1 : -1;
    if (chk != (~t ^ 0x5A5A5A5A5A5A5A5Aull))
        return -1;
    for (size_t j = 16; j < s->v->block_size; j++)
        if ((uint8_t)b[j] != body_byte(t, j))
            return -1;
    *tag = t;
    return 0;
}

static size_t index_of(const struct stress *s, const char *b)
{
    size_t i = npool_index(s->pool, b);
    CHECK(i != SIZE_MAX && i < s->total, "%p is not a block of the pool", (const void *)b);
    CHECK(npool_block(s->pool, i) == b, "npool_block(npool_index(%p)) is %p", (const void *)b,
          npool_block(s->pool, i));
    return i;
}

/* A block just got: nobody else may own it; its content is zeros or an intact stamp. */
static void take(struct slot *sl, char *b, uint64_t tag)
{
    struct stress *s = sl->s;
    size_t i = index_of(s, b);
    uint8_t was = atomic_exchange_explicit(&s->owned[i], 1, memory_order_relaxed);
    CHECK(was == 0, "block %zu (%p) handed to slot %d while another worker holds it", i, (void *)b, sl->id);
    uint64_t old = 0;
    int r = read_stamp(s, b, &old);
    if (s->v->flags & NPOOL_ZERO)
        CHECK(r == 1, "NPOOL_ZERO: block %zu came back not zeroed", i);
    else
        CHECK(r >= 0, "block %zu was written while it was free (its last stamp is broken)", i);
    stamp(s, b, tag);
}

/* A block about to be put: its stamp must be the holder's; then nobody owns it. */
static void release(struct slot *sl, char *b, uint64_t tag)
{
    struct stress *s = sl->s;
    size_t i = index_of(s, b);
    uint64_t t = 0;
    CHECK(read_stamp(s, b, &t) == 0 && t == tag, "block %zu held under tag %#llx carries %#llx: two owners", i,
          (unsigned long long)tag, (unsigned long long)t);
    uint8_t was = atomic_exchange_explicit(&s->owned[i], 0, memory_order_relaxed);
    CHECK(was == 1, "block %zu put by slot %d was not owned", i, sl->id);
}

static void check_run(const struct stress *s, const struct rec *r)
{
    uint64_t t = 0;
    for (size_t k = 0; k < r->n; k++) {
        const char *b = r->p + k * s->stride;
        CHECK(read_stamp(s, b, &t) == 0 && t == r->tag, "block %p of a held run lost its stamp", (const void *)b);
    }
}

static uint64_t next_tag(struct slot *sl) { return (uint64_t)sl->owner << 40 | ++sl->seq; }

static void hold(struct slot *sl, char *p, size_t n, uint64_t tag)
{
    CHECK(sl->nheld < HELD_MAX, "slot %d holds too many records", sl->id);
    sl->held[sl->nheld++] = (struct rec){p, n, tag};
    sl->nblocks += n;
}

static struct rec drop(struct slot *sl, size_t k)
{
    struct rec r = sl->held[k];
    sl->held[k] = sl->held[--sl->nheld];
    sl->nblocks -= r.n;
    return r;
}

/* ------------------------------------------------------------------------ */
/* the rings                                                                */

static int ring_push(struct ring *q, const struct rec *r, size_t limit)
{
    size_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
    if (h - atomic_load_explicit(&q->tail, memory_order_acquire) >= limit)
        return 0;
    q->e[h % RING] = *r;
    atomic_store_explicit(&q->head, h + 1, memory_order_release);   /* pairs with ring_pop's acquire */
    return 1;
}

static int ring_pop(struct ring *q, struct rec *r)
{
    size_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    if (atomic_load_explicit(&q->head, memory_order_acquire) == t)   /* pairs with ring_push's release */
        return 0;
    *r = q->e[t % RING];
    atomic_store_explicit(&q->tail, t + 1, memory_order_release);   /* the slot may be reused */
    return 1;
}

/* ------------------------------------------------------------------------ */
/* operations                                                               */

static void op_get(struct slot *sl, int on_node)
{
    struct stress *s = sl->s;
    if (sl->nheld >= HELD_MAX)
        return;
    errno = 0;
    char *b = on_node ? npool_get_on(s->pool, s->node) : npool_get(s->pool);
    if (!b) {
        CHECK(errno == ENOMEM, "a failed get set errno %d", errno);
        sl->failed++;
        sl->starved = 16;
        return;
    }
    uint64_t tag = next_tag(sl);
    take(sl, b, tag);
    hold(sl, b, 1, tag);
    sl->got++;
}

static void op_get_bulk(struct slot *sl)
{
    struct stress *s = sl->s;
    size_t n = 1 + below(sl, BULK_MAX);
    if (sl->nheld + n > HELD_MAX)
        return;
    void *arr[BULK_MAX];
    for (size_t k = 0; k < BULK_MAX; k++)
        arr[k] = (void *)(uintptr_t)0xdead;
    int rc = npool_get_bulk(s->pool, arr, n);
    if (rc == -ENOMEM) {
        for (size_t k = 0; k < BULK_MAX; k++)
            CHECK(arr[k] == (void *)(uintptr_t)0xdead, "a failed get_bulk wrote entry %zu", k);
        sl->failed++;
        sl->starved = 16;
        return;
    }
    CHECK(rc == 0, "get_bulk(%zu): %s", n, npool_strerror(rc));
    for (size_t k = 0; k < n; k++) {
        for (size_t j = 0; j < k; j++)
            CHECK(arr[j] != arr[k], "get_bulk gave %p twice", arr[k]);
        uint64_t tag = next_tag(sl);
        take(sl, arr[k], tag);
        hold(sl, arr[k], 1, tag);
    }
    sl->got += n;
}

static void op_get_contig(struct slot *sl)
{
    struct stress *s = sl->s;
    size_t n = 1 + below(sl, CONTIG_MAX < s->count ? CONTIG_MAX : s->count);
    if (sl->nheld >= HELD_MAX)
        return;
    errno = 0;
    char *b = npool_get_contig(s->pool, n);
    if (!b) {
        CHECK(errno == ENOMEM, "a failed get_contig(%zu) set errno %d", n, errno);
        sl->failed++;
        sl->starved = 16;
        return;
    }
    size_t first = index_of(s, b);
    uint64_t tag = next_tag(sl);
    for (size_t k = 0; k < n; k++) {
        CHECK(npool_index(s->pool, b + k * s->stride) == first + k, "get_contig(%zu): block %zu not adjacent", n, k);
        take(sl, b + k * s->stride, tag);
    }
    hold(sl, b, n, tag);
    sl->got += n;
}

/* Whether `threads` threads, each making its cache in turn, all get one:
 * the rule of numapool.h's "Free, held, cached" (a magazine holds
 * min(256, count / 16); each new cache takes at most half of what is left
 * of count / 8; under 8 blocks, none). */
static int every_thread_caches(size_t count, int threads)
{
    size_t cap = count / 16 < 256 ? count / 16 : 256, left = count / 8;
    for (int t = 0; t < threads; t++) {
        size_t c = cap < left / 2 ? cap : left / 2;
        if (c < 8)
            return 0;
        left -= c;
    }
    return 1;
}

/* Right after a put, put the same block again: -EALREADY.  Only where the
 * block surely sits in this thread's cache until its next call: without a
 * cache it is back in the shared set, another worker may legitimately get it
 * in between, and the "double" put would steal that worker's block (the race
 * the contract leaves to the caller). */
static void try_double_put(struct slot *sl, char *b)
{
    struct stress *s = sl->s;
    if (!s->caches_sure || below(sl, 4))
        return;
    int rc = below(sl, 2) ? npool_put(s->pool, b) : npool_put_index(s->pool, npool_index(s->pool, b));
    CHECK(rc == -EALREADY, "a block put twice in a row by slot %d: %s", sl->id, npool_strerror(rc));
    sl->refused++;
    sl->doubles++;
}

static void op_put(struct slot *sl)
{
    struct stress *s = sl->s;
    if (!sl->nheld)
        return;
    size_t k = below(sl, sl->nheld);
    struct rec *r = &sl->held[k];
    if (r->n > 1) {
        if (below(sl, 2)) {             /* the whole run */
            struct rec run = drop(sl, k);
            for (size_t j = 0; j < run.n; j++)
                release(sl, run.p + j * s->stride, run.tag);
            int rc = npool_put_contig(s->pool, run.p, run.n);
            CHECK(rc == 0, "put_contig(%zu): %s", run.n, npool_strerror(rc));
            sl->put += run.n;
        } else {                        /* a block of a run may be put alone */
            char *b = r->p;
            release(sl, b, r->tag);
            r->p += s->stride;
            r->n--;
            sl->nblocks--;
            int rc = npool_put(s->pool, b);
            CHECK(rc == 0, "put of the first block of a run: %s", npool_strerror(rc));
            sl->put++;
            try_double_put(sl, b);
        }
        return;
    }
    struct rec one = drop(sl, k);
    release(sl, one.p, one.tag);
    int rc = below(sl, 4) ? npool_put(s->pool, one.p) : npool_put_index(s->pool, npool_index(s->pool, one.p));
    CHECK(rc == 0, "put: %s", npool_strerror(rc));
    sl->put++;
    try_double_put(sl, one.p);
}

static void op_put_bulk(struct slot *sl)
{
    struct stress *s = sl->s;
    void *arr[BULK_MAX];
    size_t n = 0, want = 1 + below(sl, BULK_MAX);
    for (size_t k = 0; k < sl->nheld && n < want;) {
        if (sl->held[k].n != 1) {
            k++;
            continue;
        }
        struct rec r = drop(sl, k);
        release(sl, r.p, r.tag);
        arr[n++] = r.p;
    }
    if (!n)
        return;
    int rc = npool_put_bulk(s->pool, arr, n);
    CHECK(rc == 0, "put_bulk(%zu): %s", n, npool_strerror(rc));
    sl->put += n;
}

/* Bad calls: each must be refused and change nothing. */
static void op_misuse(struct slot *sl)
{
    struct stress *s = sl->s;
    int local = 0, rc;
    switch (below(sl, 9)) {
    case 0: {                           /* interior pointer */
        if (!sl->nheld)
            return;
        struct rec *r = &sl->held[below(sl, sl->nheld)];
        rc = npool_put(s->pool, r->p + 1 + below(sl, s->stride - 1));
        CHECK(rc == -EINVAL, "interior put: %s", npool_strerror(rc));
        check_run(s, r);
        break;
    }
    case 1:                             /* foreign pointers */
        rc = npool_put(s->pool, &local);
        CHECK(rc == -EINVAL, "stack pointer put: %s", npool_strerror(rc));
        sl->refused++;
        rc = npool_put(s->pool, NULL);
        CHECK(rc == -EINVAL, "NULL put: %s", npool_strerror(rc));
        sl->refused++;
        rc = npool_put(s->pool, s->first - s->stride);
        CHECK(rc == -EINVAL, "put before the arena: %s", npool_strerror(rc));
        sl->refused++;
        rc = npool_put(s->pool, s->first + s->count * s->stride);
        CHECK(rc == -EINVAL, "put past the arena: %s", npool_strerror(rc));
        break;
    case 2: {                           /* a bulk that repeats a held block: nothing is put */
        size_t k = below(sl, sl->nheld ? sl->nheld : 1);
        if (!sl->nheld || sl->held[k].n != 1)
            return;
        void *arr[3] = {sl->held[k].p, NULL, sl->held[k].p};
        size_t other = below(sl, sl->nheld);
        arr[1] = other != k && sl->held[other].n == 1 ? sl->held[other].p : (void *)&local;
        rc = npool_put_bulk(s->pool, arr, 3);
        CHECK(rc == -EINVAL, "put_bulk with a repeat: %s", npool_strerror(rc));
        check_run(s, &sl->held[k]);
        break;
    }
    case 3: {                           /* a bulk with an interior pointer last */
        if (!sl->nheld)
            return;
        struct rec *r = &sl->held[below(sl, sl->nheld)];
        void *arr[2] = {r->p, r->p + s->stride / 2 + 1};
        if (s->stride / 2 + 1 >= s->stride)
            return;
        rc = npool_put_bulk(s->pool, arr, 2);
        CHECK(rc == -EINVAL, "put_bulk with an interior pointer: %s", npool_strerror(rc));
        break;
    }
    case 4: {                           /* put_contig of no block */
        if (!sl->nheld)
            return;
        rc = npool_put_contig(s->pool, sl->held[below(sl, sl->nheld)].p, 0);
        CHECK(rc == -EINVAL, "put_contig(n = 0): %s", npool_strerror(rc));
        break;
    }
    case 5:                             /* indices out of range */
        rc = npool_put_index(s->pool, s->total + below(sl, 1000));
        CHECK(rc == -EINVAL, "put_index past the end: %s", npool_strerror(rc));
        sl->refused++;
        rc = npool_put_index(s->pool, SIZE_MAX);
        CHECK(rc == -EINVAL, "put_index(SIZE_MAX): %s", npool_strerror(rc));
        break;
    case 6:                             /* bad sizes: refused, not counted as puts */
        errno = 0;
        CHECK(!npool_get_contig(s->pool, 0) && errno == EINVAL, "get_contig(0): errno %d", errno);
        errno = 0;
        CHECK(!npool_get_contig(s->pool, s->count + 1) && errno == EINVAL, "get_contig(count + 1): errno %d",
              errno);
        CHECK(npool_get_bulk(s->pool, &(void *){NULL}, 0) == -EINVAL, "get_bulk(n = 0) accepted");
        errno = 0;
        CHECK(!npool_get_on(s->pool, -1) && errno == EINVAL, "get_on(-1): errno %d", errno);
        errno = 0;
        CHECK(!npool_get_on(s->pool, 5000) && errno == EINVAL, "get_on(5000): errno %d", errno);
        return;                         /* nothing counted as refused */
    case 7:                             /* an empty bulk is no put at all */
        CHECK(npool_put_bulk(s->pool, NULL, 0) == 0, "put_bulk(NULL, 0) refused");
        return;
    default:                            /* not misuse: put_contig of a prefix of a held run is legal */
        if (!sl->nheld || sl->held[0].n < 2)
            return;
        {
            struct rec *r = &sl->held[0];
            size_t m = r->n - 1;
            for (size_t j = 0; j < m; j++)
                release(sl, r->p + j * s->stride, r->tag);
            rc = npool_put_contig(s->pool, r->p, m);
            CHECK(rc == 0, "put_contig of a prefix: %s", npool_strerror(rc));
            r->p += m * s->stride;
            r->n = 1;
            sl->nblocks -= m;
            sl->put += m;
        }
        return;
    }
    sl->refused++;
}

static void op_look(struct slot *sl)
{
    struct stress *s = sl->s;
    switch (below(sl, 6)) {
    case 0:
        CHECK(npool_coalesce(s->pool) == 0, "coalesce refused");
        break;
    case 1: {
        npool_stats_t *st = malloc(sizeof *st);
        CHECK(st && npool_stats(s->pool, st) == 0, "stats refused");
        CHECK(st->blocks_total == s->total, "stats: %zu blocks, not %zu", st->blocks_total, s->total);
        CHECK(st->blocks_held + st->blocks_free_set + st->blocks_cached == st->blocks_total,
              "stats: held %zu + set %zu + cached %zu != %zu", st->blocks_held, st->blocks_free_set,
              st->blocks_cached, st->blocks_total);
        /* caches are counted before the sets, each under its own lock: held may be off while others work */
        if (st->blocks_held < sl->nblocks)
            sl->skewed++;
        CHECK(st->efficiency >= 0 && st->efficiency <= 100, "efficiency %g", st->efficiency);
        CHECK(st->fragmentation >= 0 && st->fragmentation <= 100, "fragmentation %g", st->fragmentation);
        CHECK(st->nodes[0].largest_free_run <= st->nodes[0].blocks_free_set, "largest run %zu > set %zu",
              st->nodes[0].largest_free_run, st->nodes[0].blocks_free_set);
        free(st);
        break;
    }
    case 2: {
        double e = npool_efficiency(s->pool), f = npool_fragmentation(s->pool);
        CHECK(e >= 0 && e <= 100 && f >= 0 && f <= 100, "efficiency %g, fragmentation %g", e, f);
        break;
    }
    case 3:
        if (below(sl, 8) == 0) {        /* a full walk: O(pool) */
            int rc = npool_check(s->pool);
            CHECK(rc == 0, "npool_check under load: %s", npool_strerror(rc));
        }
        break;
    case 4: {
        char buf[96];
        int n = npool_describe(s->pool, buf, sizeof buf);
        CHECK(n > 0 && strlen(buf) == ((size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1), "describe: %d", n);
        break;
    }
    default:
        if (sl->nheld) {
            const struct rec *r = &sl->held[below(sl, sl->nheld)];
            check_run(s, r);
        }
        break;
    }
}

static void op_hand_off(struct slot *sl)
{
    struct stress *s = sl->s;
    for (size_t m = 1 + below(sl, 16); m && sl->nheld; m--) {
        size_t k = below(sl, sl->nheld);
        if (!ring_push(&s->rings[(sl->id + 1) % NSLOTS], &sl->held[k], s->ring_limit))
            break;
        struct rec r = drop(sl, k);
        sl->handed += r.n;
    }
}

static void op_receive(struct slot *sl)
{
    struct stress *s = sl->s;
    struct rec r;
    while (sl->nheld < HELD_MAX && ring_pop(&s->rings[sl->id], &r)) {
        check_run(s, &r);
        hold(sl, r.p, r.n, r.tag);
    }
}

static void *worker(void *arg)
{
    struct slot *sl = arg;
    struct stress *s = sl->s;
    size_t target = s->v->hold_target;
    uint64_t ops;
    for (ops = 0;; ops++) {
        if (sl->life && ops >= sl->life)
            break;
        if ((ops & 127) == 0 && (now_ns() > s->deadline_ns || sl->ops + ops >= s->max_ops))
            break;
        size_t r = below(sl, 100);
        int want_more = sl->nblocks < target && !sl->starved;
        if (sl->starved)
            sl->starved--;
        if (r < (want_more ? 30u : 12u))
            op_get(sl, r % 11 == 0);
        else if (r < 38)
            want_more ? op_get_bulk(sl) : op_put_bulk(sl);
        else if (r < 44)
            want_more ? op_get_contig(sl) : op_put(sl);
        else if (r < (want_more ? 60u : 75u))
            op_put(sl);
        else if (r < 80)
            op_hand_off(sl);
        else if (r < 90)
            op_receive(sl);
        else if (r < 95)
            op_misuse(sl);
        else
            op_look(sl);
    }
    sl->ops += ops;
    atomic_store_explicit(&sl->done, 1, memory_order_release);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* the main thread                                                          */

static void start(struct stress *s, struct slot *sl)
{
    sl->owner = atomic_fetch_add(&s->next_owner, 1);
    sl->life = !s->v->churn ? 0 : STRESS_SANITIZED ? 50 + rnd(&sl->rng) % 400 : 300 + rnd(&sl->rng) % 3000;
    atomic_store(&sl->done, 0);
    assert_int_equal(pthread_create(&sl->th, NULL, worker, sl), 0);
    sl->running = 1;
}

static void stop(struct slot *sl)
{
    if (!sl->running)
        return;
    assert_int_equal(pthread_join(sl->th, NULL), 0);
    sl->running = 0;
}

static void run_variant(const struct variant *v)
{
    struct stress *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->v = v;
    npool_config_t c = {.block_size = v->block_size, .block_count = v->count, .align = v->align,
                        .pages = NPOOL_PAGES_BASE, .flags = v->flags, .name = v->name};
    int rc = npool_create(&c, &s->pool);
    if (rc)
        fail_msg("npool_create(%s): %s: %s", v->name, npool_strerror(rc), npool_last_error());
    npool_stats_t *st = malloc(sizeof *st);
    assert_non_null(st);
    assert_int_equal(npool_stats(s->pool, st), 0);
    s->stride = st->stride;
    s->total = st->blocks_total;
    s->count = st->nodes[0].blocks_total;
    s->node = st->nodes[0].node;
    s->first = npool_block(s->pool, 0);
    /* cache sizing: min(256, count / 16 / caching threads), none below 8 */
    s->caches_sure = !(v->flags & NPOOL_NO_CACHE) && every_thread_caches(s->count, NSLOTS + 2);
    s->ring_limit = s->total / 16 < 4 ? 4 : s->total / 16 > RING ? RING : s->total / 16;
    s->owned = calloc(s->total, 1);
    assert_non_null(s->owned);
    atomic_init(&s->next_owner, 1);
    const char *seed_env = getenv("NPOOL_STRESS_SEED");
    uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : now_ns();
    double secs = seconds_per_variant();
    s->deadline_ns = now_ns() + (uint64_t)(secs * 1e9);
    s->max_ops = STRESS_SANITIZED ? 400000 : UINT64_MAX;
    uint64_t t0 = now_ns();

    for (int i = 0; i < NSLOTS; i++) {
        struct slot *sl = &s->slots[i];
        sl->s = s;
        sl->id = i;
        sl->rng = (seed ^ (0x9E3779B97F4A7C15ull * (uint64_t)(i + 1))) | 1;
        start(s, sl);
    }
    unsigned restarts = 0;
    if (v->churn) {
        while (now_ns() < s->deadline_ns) {
            for (int i = 0; i < NSLOTS; i++) {
                struct slot *sl = &s->slots[i];
                if (atomic_load_explicit(&sl->done, memory_order_acquire) && now_ns() < s->deadline_ns) {
                    stop(sl);
                    start(s, sl);
                    restarts++;
                }
            }
            nanosleep(&(struct timespec){0, 200000}, NULL);
        }
    }
    for (int i = 0; i < NSLOTS; i++)
        stop(&s->slots[i]);
    double dt = (double)(now_ns() - t0) / 1e9;

    /* everything in flight comes home to slot 0's list, checked */
    struct rec *all = malloc(sizeof *all * (NSLOTS * (HELD_MAX + RING)));
    assert_non_null(all);
    size_t nrec = 0, held_blocks = 0;
    uint64_t got = 0, put = 0, failed = 0, refused = 0, ops = 0, handed = 0, doubles = 0, skewed = 0;
    for (int i = 0; i < NSLOTS; i++) {
        struct slot *sl = &s->slots[i];
        struct rec r;
        for (size_t k = 0; k < sl->nheld; k++)
            all[nrec++] = sl->held[k];
        while (ring_pop(&s->rings[i], &r))
            all[nrec++] = r;
        got += sl->got, put += sl->put, failed += sl->failed, refused += sl->refused;
        ops += sl->ops, handed += sl->handed, doubles += sl->doubles, skewed += sl->skewed;
    }
    for (size_t k = 0; k < nrec; k++) {
        check_run(s, &all[k]);
        for (size_t j = 0; j < all[k].n; j++)
            assert_int_equal(s->owned[npool_index(s->pool, all[k].p + j * s->stride)], 1);
        held_blocks += all[k].n;
    }
    size_t owned = 0;
    for (size_t i = 0; i < s->total; i++)
        owned += s->owned[i];
    assert_int_equal(owned, held_blocks);
    assert_int_equal(got - put, held_blocks);

    assert_int_equal(npool_stats(s->pool, st), 0);
    assert_int_equal(st->blocks_held, held_blocks);
    assert_int_equal(st->blocks_held + st->blocks_free_set + st->blocks_cached, s->total);
    assert_int_equal(st->gets, got);
    assert_int_equal(st->puts, put);
    assert_int_equal(st->failed_gets, failed);
    assert_int_equal(st->refused_puts, refused);
    /* workers are gone: their caches came back when they exited */
    assert_int_equal(npool_coalesce(s->pool), 0);
    assert_int_equal(npool_stats(s->pool, st), 0);
    assert_int_equal(st->blocks_cached, 0);
    assert_int_equal(st->blocks_free_set, s->total - held_blocks);
    if ((rc = npool_check(s->pool)) != 0)
        fail_msg("npool_check after the run: %s", npool_last_error());

    /* give everything back from the main thread, every way */
    struct slot *me = &s->slots[0];
    for (size_t k = 0; k < nrec; k++) {
        struct rec *r = &all[k];
        for (size_t j = 0; j < r->n; j++)
            release(me, r->p + j * s->stride, r->tag);
        if (r->n > 1)
            rc = npool_put_contig(s->pool, r->p, r->n);
        else if (k + 1 < nrec && all[k + 1].n == 1) {
            release(me, all[k + 1].p, all[k + 1].tag);
            rc = npool_put_bulk(s->pool, (void *[]){r->p, all[k + 1].p}, 2);
            k++;
        } else
            rc = npool_put(s->pool, r->p);
        assert_int_equal(rc, 0);
    }
    assert_int_equal(npool_coalesce(s->pool), 0);
    assert_int_equal(npool_stats(s->pool, st), 0);
    assert_int_equal(st->blocks_held, 0);
    assert_int_equal(st->blocks_cached, 0);
    assert_int_equal(st->blocks_free_set, s->total);
    assert_true(st->fragmentation == 0.0);
    assert_true(npool_efficiency(s->pool) == 0.0);
    if ((rc = npool_check(s->pool)) != 0)
        fail_msg("npool_check at the end: %s", npool_last_error());

    printf("stress %-9s %.2f s: %llu ops, %llu blocks got (%llu gets failed), %llu handed between threads, "
           "%llu bad calls refused (%llu double puts), %u thread restarts, %llu stats below a worker's own holding, "
           "seed %#llx\n",
           v->name, dt, (unsigned long long)ops, (unsigned long long)got, (unsigned long long)failed,
           (unsigned long long)handed, (unsigned long long)refused, (unsigned long long)doubles, restarts,
           (unsigned long long)skewed, (unsigned long long)seed);
    npool_destroy(s->pool);
    free(all);
    free(st);
    free((void *)s->owned);
    free(s);
}

static const struct variant variants[] = {
    {"default", 64, 0, 8192, 0, 400, 0},
    {"no-cache", 200, 8, 4096, NPOOL_NO_CACHE, 300, 0},
    {"zero", 96, 32, 4096, NPOOL_ZERO | NPOOL_SPILL, 300, 0},
    {"small", 40, 8, 160, 0, 48, 0},    /* 4 x 48 > 160: gets fail; room for one cache only */
    {"tiny", 24, 8, 48, 0, 14, 0},      /* too small to cache at all */
    {"churn", 64, 0, 4096, 0, 200, 1},
};

static void stress_default(void **st) { (void)st; run_variant(&variants[0]); }
static void stress_no_cache(void **st) { (void)st; run_variant(&variants[1]); }
static void stress_zero(void **st) { (void)st; run_variant(&variants[2]); }
static void stress_small(void **st) { (void)st; run_variant(&variants[3]); }
static void stress_tiny(void **st) { (void)st; run_variant(&variants[4]); }
static void stress_churn(void **st) { (void)st; run_variant(&variants[5]); }

/* Regression: a pool with room for one cache (128 blocks: 8 per cache).  The
 * second thread to use it gets none and must go straight to the free set; its
 * npool_coalesce must still have the first thread return its cache at its
 * next call. */
static npool_t *one_cache_pool;

static void *second_thread(void *arg)
{
    (void)arg;
    for (int k = 0; k < 3; k++) {
        void *b = npool_get(one_cache_pool);
        if (!b || npool_put(one_cache_pool, b) != 0 || npool_coalesce(one_cache_pool) != 0)
            return (void *)1;
    }
    return NULL;
}

static void thread_without_cache(void **st)
{
    (void)st;
    npool_config_t c = {.block_size = 64, .block_count = 128, .pages = NPOOL_PAGES_BASE, .name = "one-cache"};
    npool_stats_t *s = malloc(sizeof *s);
    assert_non_null(s);
    assert_int_equal(npool_create(&c, &one_cache_pool), 0);
    void *b = npool_get(one_cache_pool);    /* this thread takes the only cache, and a few blocks into it */
    assert_non_null(b);
    assert_int_equal(npool_stats(one_cache_pool, s), 0);
    assert_true(s->blocks_cached > 0);
    pthread_t t;
    void *ret = (void *)2;
    assert_int_equal(pthread_create(&t, NULL, second_thread, NULL), 0);
    assert_int_equal(pthread_join(t, &ret), 0);
    assert_null(ret);
    /* the other thread coalesced: this put first returns this thread's cache, then caches b */
    assert_int_equal(npool_put(one_cache_pool, b), 0);
    assert_int_equal(npool_stats(one_cache_pool, s), 0);
    assert_int_equal(s->blocks_cached, 1);
    assert_int_equal(npool_coalesce(one_cache_pool), 0);
    assert_true(npool_efficiency(one_cache_pool) == 0.0);
    assert_int_equal(npool_check(one_cache_pool), 0);
    npool_destroy(one_cache_pool);
    free(s);
}

int main(void)
{
    /* the stress pools are small and hugepage-free whatever the environment says */
    unsetenv("NUMAPOOL_PAGES");
    unsetenv("NUMAPOOL_NODES");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thread_without_cache),
        cmocka_unit_test(stress_default),
        cmocka_unit_test(stress_no_cache),
        cmocka_unit_test(stress_zero),
        cmocka_unit_test(stress_small),
        cmocka_unit_test(stress_tiny),
        cmocka_unit_test(stress_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
