/* src/pool.h - struct npool and its arenas, the invariants that tie a pool
 * together, and the small inline helpers every module of src/ uses to find
 * a block (locate, block_at, the state bytes).  Not installed.
 *
 * Address space: one reservation, aligned to 1 GiB, holds every arena: arena
 * k starts at va + k << span_shift, so a pointer's arena is one shift and its
 * index one division (a shift for power-of-two strides), and a foreign
 * pointer is an O(1) range check.  Unused parts of the reservation are
 * PROT_NONE and cost nothing.
 *
 * A block is in exactly one of four places: held by a user (state HELD),
 * in its node's free set (state FREE, bit set), in one per-thread magazine,
 * or in one full magazine of its node's depot (state FREE, bit clear both).
 * held + in set + cached (magazines and depot) == total per node.  The state byte is written only by the thread that owns the block at
 * that moment (the getter, the putter, or the node lock holder), with relaxed
 * atomic stores, so a double put is seen whenever the two puts are ordered.
 *
 * Locks, in the order they nest: `reg_lock` (global, cache.c) protects
 * every pool's list of caches and each cache's `pool` pointer; a cache's
 * per-arena side lock (cache.h) its spare magazines; an arena's `lock` its
 * free set, depot and counters, arenas in ascending order.  Nothing takes a
 * lock on the get/put fast path. */
#ifndef NUMAPOOL_POOL_H
#define NUMAPOOL_POOL_H

#include "numapool.h"
#include "freeset.h"
#include "os.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* Under AddressSanitizer, free blocks are poisoned while they sit in the
 * pool, so a use after put is reported where it happens. */
#if defined(__SANITIZE_ADDRESS__)
#define NPOOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NPOOL_ASAN 1
#endif
#endif
/* The library sees every get and put itself (users' inline path is off, and
 * so are the bulk fast paths): under ASan, which poisons free blocks, and
 * with NPOOL_DEBUG >= 2, which fills them with a pattern on every put and
 * checks it on every get.  A pool created under valgrind is served the same
 * way (create.c: NPOOL_ON_VALGRIND). */
#if defined(NPOOL_ASAN) || NPOOL_DEBUG >= 2
#define NPOOL_SEES_EVERY_BLOCK 1
#else
#define NPOOL_SEES_EVERY_BLOCK 0
#endif

/* What a free block is to the tools watching memory: NPOOL_POISON makes
 * `n` bytes inaccessible (ASan poisoned, valgrind NOACCESS), NPOOL_UNPOISON
 * hands them to a user (ASan unpoisoned, valgrind UNDEFINED: written before
 * read), NPOOL_VG_DEFINED lets the library read what it wrote there itself
 * (the fill patterns).  Valgrind's client requests are a few instructions
 * that do nothing unless the program runs under valgrind. */
#ifdef NPOOL_ASAN
#include <sanitizer/asan_interface.h>
#define NPOOL_ASAN_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define NPOOL_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define NPOOL_ASAN_POISON(p, n) ((void)(p), (void)(n))
#define NPOOL_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif
#if defined(NPOOL_VALGRIND) && NPOOL_VALGRIND
#include <valgrind/memcheck.h>
#define NPOOL_VG_NOACCESS(p, n) ((void)VALGRIND_MAKE_MEM_NOACCESS((p), (n)))
#define NPOOL_VG_UNDEFINED(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define NPOOL_VG_DEFINED(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#define NPOOL_ON_VALGRIND (RUNNING_ON_VALGRIND != 0)
#else
#define NPOOL_VG_NOACCESS(p, n) ((void)(p), (void)(n))
#define NPOOL_VG_UNDEFINED(p, n) ((void)(p), (void)(n))
#define NPOOL_VG_DEFINED(p, n) ((void)(p), (void)(n))
#define NPOOL_ON_VALGRIND 0
#endif
#define NPOOL_POISON(p, n) (NPOOL_ASAN_POISON((p), (n)), NPOOL_VG_NOACCESS((p), (n)))
#define NPOOL_UNPOISON(p, n) (NPOOL_ASAN_UNPOISON((p), (n)), NPOOL_VG_UNDEFINED((p), (n)))

/* NPOOL_DEBUG >= 1: cheap assertions on internal invariants, off the
 * inline path.  NPOOL_ASSERT(cond, fmt, ...) prints "numapool: NPOOL_DEBUG:
 * internal invariant broken at file:line: " and the sentence, and aborts
 * (debug.c); below level 1 it compiles to nothing (cond is not evaluated). */
#if NPOOL_DEBUG >= 1
_Noreturn void npool__assert_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), cold));
#ifdef __FILE_NAME__
#define NPOOL__FILE __FILE_NAME__
#else
#define NPOOL__FILE __FILE__
#endif
#define NPOOL_ASSERT(cond, ...) \
    (__builtin_expect(!!(cond), 1) ? (void)0 : npool__assert_fail(NPOOL__FILE, __LINE__, __VA_ARGS__))
#else
#define NPOOL_ASSERT(cond, ...) ((void)sizeof(!(cond)))
#endif

/* NPOOL_DEBUG >= 2: every free block holds a pattern, NPOOL_FILL_FRESH from
 * the pool's creation or reset until its first get, NPOOL_FILL_FREED from
 * each put to the next get; a get finds it whole or aborts, naming the
 * block and the first byte written (debug.c). */
#define NPOOL_FILL_FRESH 0xcd
#define NPOOL_FILL_FREED 0xdd

#define NPOOL_STATE_FREE 0
#define NPOOL_STATE_HELD 1
#define NPOOL_STATE_PUTTING 2   /* transient, inside npool_put_bulk's validation */

#define NPOOL_MAG_MAX 256       /* blocks a magazine holds at most */
#define NPOOL_MAG_MIN 8         /* below this a pool is too small to cache */
#define NPOOL_MAX_CPUS 1024     /* CPUs the pool's CPU -> arena table covers */
#define NPOOL_NODE_SLOTS 1024   /* node numbers the node -> arena table covers (numa/'s TOPO_MAX_NODE) */

struct npool_tcache;
struct npool_buf;

struct npool_arena {
    _Alignas(64) pthread_mutex_t lock;
    struct freeset fs;                  /* under lock */
    _Atomic uint8_t *state;             /* nblocks bytes, NPOOL_STATE_* */
    char *base;                         /* first block */
    size_t nblocks;
    size_t first_index;                 /* pool-wide index of block 0 */
    size_t map_bytes;                   /* arena mapping length */
    int node;                           /* OS node index */
    int pos;                            /* position in pool->arena[] */
    /* what backs it */
    enum npool_pages backing, requested;
    int fell_back;
    char why[256];
    size_t page_size;                   /* KernelPageSize */
    size_t thp_bytes;
    size_t pages_verified, bytes_misplaced;
    /* metadata mapping (free set + states), bound to this node */
    void *meta;
    size_t meta_bytes;
    /* counters, under lock (cached paths fold theirs in on flush and exit) */
    uint64_t gets, puts, failed_gets;
    size_t puts_since_check;            /* auto-coalesce amortisation */
    int near[NPOOL_MAX_NODES];          /* other arenas by distance, for NPOOL_SPILL */
    /* the depot (depot.c), under lock */
    struct npool_buf *dfull, *dempty, *dall;
    size_t nfull, depot_max, depot_blocks;
    uint32_t buf_cap;                   /* entries per magazine buffer: the pool's mag_cap */
    size_t spare_blocks_allowed;        /* the threads' spare limits summed, in blocks (under lock) */
    /* the lock's own figures (npool__lock): acquisitions, and the hold time
     * of one acquisition in 8, timed */
    uint64_t lock_count, lock_timed, lock_ns;
    uint64_t lock_t0;
    _Atomic size_t held_max;            /* most blocks seen held at once (stats.c samples it; raised only) */
};

struct npool {
    /* hot: read by every get and put (numapool.h's struct npool__head) */
    _Atomic uint64_t key;               /* gen << 32 | coalesce epoch; the epoch moves without carry */
    char *va;                           /* the reservation: arena k at va + (k << span_shift) */
    size_t va_bytes;                    /* narenas << span_shift */
    size_t stride;
    size_t put_limit;                   /* nblocks_node for a power-of-two stride, else 1 */
    uint8_t stride_shift;               /* log2(stride) when stride is a power of two, else 0 */
    uint8_t span_shift;
    uint8_t unchecked;                  /* NPOOL_UNCHECKED: no state bytes are read or written */
    uint8_t pad[5];
    const int16_t *cpu_arena;           /* = cpu_table for a many-node pool, NULL for one node */
    /* the rest */
    size_t arena_bytes;                 /* nblocks * stride, per arena */
    size_t stride_mask;                 /* stride - 1 when a power of two, else SIZE_MAX */
    uint64_t gen;                       /* unique over the process's life: caches key on it */
    int inline_ok;                      /* users' inline path may serve it: cached, not zeroing, no
                                           ASan or NPOOL_DEBUG >= 2 in the library, not created under
                                           valgrind (else keys never match) */
    int fast;                           /* one arena, cached, not zeroing: the bulk fast paths apply */
    unsigned flags;
    size_t block_size, align;
    size_t nblocks_node;                /* blocks per arena */
    size_t nblocks_total;
    double coalesce_threshold;
    size_t check_interval;              /* puts between two fragmentation checks */
    char name[64];
    /* caches: under reg_lock (cache.c) */
    struct npool_tcache *caches;
    size_t ncaches;
    size_t caps_in_use;                 /* current-magazine capacity of the live caches, summed */
    uint32_t mag_cap;                   /* per-magazine capacity for new caches; 0 = no cache */
    uint32_t spare_max;                 /* spares one thread may keep per arena, in magazines */
    /* counters */
    _Atomic uint64_t refused_puts;
    _Atomic uint64_t coalesces, coalesce_ns_total, coalesce_ns_max;
    _Atomic size_t held_max;            /* most blocks seen held at once, pool-wide (stats.c) */
    size_t metadata_bytes;
    size_t self_bytes;                  /* the mapping holding this struct, at its own address */
    int16_t cpu_table[NPOOL_MAX_CPUS];  /* CPU -> arena serving it (-1 unknown) */
    int16_t node_arena[NPOOL_NODE_SLOTS]; /* OS node -> arena position, -1 if none */
    int narenas;
    struct npool_arena arena[];
};

static inline uint64_t npool__relaxed_inc(_Atomic uint64_t *c)
{
    uint64_t v = atomic_load_explicit(c, memory_order_relaxed) + 1;
    atomic_store_explicit(c, v, memory_order_relaxed);
    return v;
}

/* Arena and local index of `b`, or NULL with *interior set for the sentence:
 * 0 outside every arena, else the byte offset into block *i. */
static inline struct npool_arena *npool__locate(const npool_t *pool, const void *b, size_t *i, size_t *interior)
{
    uintptr_t off = (uintptr_t)b - (uintptr_t)pool->va;
    *interior = 0;
    *i = 0;
    if (off >= pool->va_bytes)
        return NULL;
    const struct npool_arena *a = &pool->arena[off >> pool->span_shift];
    size_t o = off & (((size_t)1 << pool->span_shift) - 1);
    if (o >= pool->arena_bytes)
        return NULL;
    size_t idx = pool->stride_shift ? o >> pool->stride_shift : o / pool->stride;
    *i = idx;
    *interior = o - idx * pool->stride;
    return *interior ? NULL : (struct npool_arena *)a;
}

static inline uint8_t npool__state(const struct npool_arena *a, size_t i)
{
    return atomic_load_explicit(&a->state[i], memory_order_relaxed);
}

static inline void npool__set_state(struct npool_arena *a, size_t i, uint8_t v)
{
    atomic_store_explicit(&a->state[i], v, memory_order_relaxed);
}

static inline void *npool__block_at(const npool_t *pool, const struct npool_arena *a, size_t i)
{
    return a->base + i * pool->stride;
}

/* The arena serving the calling thread: its CPU's node's (the CPU from
 * rseq, numapool.h's npool__cpu, else the kernel's answer), or the pool's
 * nearest to it; the first when the CPU is unknown.  *cpu receives the CPU
 * (-1 unknown). */
static inline struct npool_arena *npool__caller_arena(npool_t *pool, int *cpu)
{
#ifdef NPOOL__HAVE_FAST
    int c = npool__cpu();
#else
    int c = -1;
#endif
    if (pool->narenas == 1) {
        *cpu = c;
        return &pool->arena[0];
    }
    if (c < 0)
        c = sched_getcpu();
    *cpu = c;
    int k = c >= 0 && c < NPOOL_MAX_CPUS ? pool->cpu_table[c] : -1;
    NPOOL_ASSERT(k < pool->narenas, "CPU %d is served by arena %d of pool '%s', which has %d", c, k, pool->name,
                 pool->narenas);
    return &pool->arena[k >= 0 ? k : 0];
}

#if NPOOL_DEBUG >= 2
/* debug.c: abort unless block `b` of arena `a` holds one pattern whole. */
void npool__fill_check(const npool_t *pool, const struct npool_arena *a, const void *b);
#endif

/* Block `b` of arena `a`, just taken (state HELD), leaves the pool: its
 * pattern checked (NPOOL_DEBUG >= 2), open to its user, zeroed with
 * NPOOL_ZERO.  Every path that hands blocks out ends here. */
static inline void *npool__block_out(npool_t *pool, const struct npool_arena *a, void *b)
{
#if NPOOL_DEBUG >= 2
    npool__fill_check(pool, a, b);
#else
    (void)a;
#endif
    NPOOL_UNPOISON(b, pool->stride);
    if (pool->flags & NPOOL_ZERO)
        memset(b, 0, pool->block_size);
    return b;
}

/* The `n` blocks from `b`, held until now, go back: filled with
 * NPOOL_FILL_FREED (NPOOL_DEBUG >= 2), then closed.  Called before anyone
 * else can take them; every path that takes blocks back goes through here. */
static inline void npool__blocks_in(const npool_t *pool, void *b, size_t n)
{
#if NPOOL_DEBUG >= 2
    NPOOL_UNPOISON(b, n * pool->stride);     /* open already, unless an unchecked pool's double put */
    memset(b, NPOOL_FILL_FREED, n * pool->stride);
#endif
    NPOOL_POISON(b, n * pool->stride);
}

/* Every block of arena a is fresh (creation, reset): NPOOL_FILL_FRESH with
 * NPOOL_DEBUG >= 2, closed. */
static inline void npool__arena_fresh(const npool_t *pool, struct npool_arena *a)
{
#if NPOOL_DEBUG >= 2
    NPOOL_UNPOISON(a->base, pool->arena_bytes);
    memset(a->base, NPOOL_FILL_FRESH, pool->arena_bytes);
#endif
    NPOOL_POISON(a->base, pool->arena_bytes);
}

/* Block i of arena a goes to its new owner: state HELD (before anyone else
 * can see it free), then npool__block_out. */
static inline void *npool__hand_out(npool_t *pool, struct npool_arena *a, size_t i)
{
    NPOOL_ASSERT(a == &pool->arena[a->pos] && i < a->nblocks,
                 "block %zu of arena %d handed out: pool '%s' has %d arenas of %zu blocks", i, a->pos, pool->name,
                 pool->narenas, pool->nblocks_node);
    if (!pool->unchecked) {
        NPOOL_ASSERT(npool__state(a, i) == NPOOL_STATE_FREE, "block %zu of pool '%s' is handed out with state %u, "
                     "not free (0)", a->first_index + i, pool->name, npool__state(a, i));
        npool__set_state(a, i, NPOOL_STATE_HELD);
    }
    return npool__block_out(pool, a, npool__block_at(pool, a, i));
}

/* With NPOOL_DEBUG >= 3 a full npool_check() after every change (check.c). */
#if NPOOL_DEBUG >= 3
void npool__debug_check(const npool_t *pool);
#define NPOOL_DEBUG_CHECK(pool) npool__debug_check(pool)
#else
#define NPOOL_DEBUG_CHECK(pool) ((void)0)
#endif

/* The inline fast path in numapool.h reads these through its own view. */
#define NPOOL_HEAD_FIELD(f) \
    _Static_assert(offsetof(struct npool, f) == offsetof(struct npool__head, f), "head layout: " #f)
NPOOL_HEAD_FIELD(key);
NPOOL_HEAD_FIELD(va);
NPOOL_HEAD_FIELD(va_bytes);
NPOOL_HEAD_FIELD(stride);
NPOOL_HEAD_FIELD(put_limit);
NPOOL_HEAD_FIELD(stride_shift);
NPOOL_HEAD_FIELD(span_shift);
NPOOL_HEAD_FIELD(unchecked);
NPOOL_HEAD_FIELD(cpu_arena);
_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t), "head layout: key");

/* The coalesce epoch, the low half of the key. */
static inline uint32_t npool__epoch(const npool_t *pool)
{
    return (uint32_t)atomic_load_explicit(&pool->key, memory_order_acquire);
}

/* The node lock, with its figures: every acquisition counted, one in 8 timed
 * (two clock reads; the mean hold time in the stats comes from those). */
static inline void npool__lock(struct npool_arena *a)
{
    pthread_mutex_lock(&a->lock);
    a->lock_t0 = (++a->lock_count & 7) == 0 ? os_now_ns() : 0;
}

static inline void npool__unlock(struct npool_arena *a)
{
    if (a->lock_t0) {
        a->lock_ns += os_now_ns() - a->lock_t0;
        a->lock_timed++;
    }
    pthread_mutex_unlock(&a->lock);
}
#endif
