/* src/pool_internal.h - struct npool, its arenas and per-thread caches, and
 * the invariants that tie them together.  Not installed.
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
 * Locks: `reg_lock` (global, cache.c) protects every pool's list of caches
 * and each cache's `pool` pointer; an arena's `lock` protects its free set
 * and its counters.  Order: reg_lock, then arena locks in ascending order. */
#ifndef NUMAPOOL_POOL_INTERNAL_H
#define NUMAPOOL_POOL_INTERNAL_H

#include "numapool.h"
#include "freeset.h"
#include "os.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Under AddressSanitizer, free blocks are poisoned while they sit in the
 * pool, so a use after put is reported where it happens. */
#if defined(__SANITIZE_ADDRESS__)
#define NPOOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NPOOL_ASAN 1
#endif
#endif
#ifdef NPOOL_ASAN
#include <sanitizer/asan_interface.h>
#define NPOOL_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define NPOOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define NPOOL_POISON(p, n) ((void)(p), (void)(n))
#define NPOOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define NPOOL_STATE_FREE 0
#define NPOOL_STATE_HELD 1
#define NPOOL_STATE_PUTTING 2   /* transient, inside npool_put_bulk's validation */

#define NPOOL_MAG_MAX 256       /* blocks a magazine holds at most */
#define NPOOL_MAG_MIN 8         /* below this a pool is too small to cache */

struct npool_tcache;

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
};

/* A magazine's storage: in one thread's magazine, or on the depot's lists. */
struct npool_buf {
    struct npool_buf *next;             /* on dfull or dempty */
    struct npool_buf *all;              /* every buffer of the arena, for destroy */
    uint32_t n;                         /* entries, while on dfull */
    uint32_t pad;
    uint32_t idx[];
};

struct npool {
    /* hot: read by every get and put (numapool.h's struct npool__head) */
    uint64_t fast_gen;                  /* gen when `fast`, else UINT64_MAX: one compare on the fast path */
    char *va;                           /* the reservation */
    size_t arena_bytes;                 /* nblocks * stride, per arena */
    size_t stride;
    size_t stride_mask;                 /* stride - 1 when a power of two */
    unsigned stride_shift;              /* log2(stride) when stride is a power of two, else 0 */
    unsigned unchecked;                 /* NPOOL_UNCHECKED: the fast put skips the state test */
    _Atomic uint32_t epoch;             /* bumped by coalesce: caches flush when theirs differs */
    uint64_t gen;                       /* unique over the process's life: caches key on it */
    int fast;                           /* one arena, cached, not zeroing: the fast paths apply */
    /* the rest */
    unsigned flags;
    size_t block_size, align;
    size_t va_bytes;
    unsigned span_shift;                /* arena k at va + (k << span_shift) */
    size_t nblocks_node;                /* blocks per arena */
    size_t nblocks_total;
    double coalesce_threshold;
    size_t check_interval;              /* puts between two fragmentation checks */
    char name[64];
    /* caches: under reg_lock */
    struct npool_tcache *caches;
    size_t ncaches;
    uint32_t mag_cap;                   /* per-magazine capacity for new caches; 0 = no cache */
    /* counters */
    _Atomic uint64_t refused_puts;
    _Atomic uint64_t coalesces, coalesce_ns_total, coalesce_ns_max;
    size_t metadata_bytes;
    size_t self_bytes;                  /* the mapping holding this struct, at its own address */
    int16_t cpu_arena[1024];            /* CPU -> arena serving it (-1 unknown) */
    int16_t node_arena[1024];           /* OS node -> arena position, -1 if none */
    int narenas;
    struct npool_arena arena[];
};

/* ---- cache.c ---- */
struct npool_mag {
    _Atomic uint32_t n;                 /* entries; written by the owner only */
    uint32_t cap;                       /* = the cache's cap (0: this thread does not cache) */
    uint32_t *idx;                      /* cap entries, local block indices; the owner thread's only */
    _Atomic uint8_t *state;             /* the arena's states and base, copied here so the */
    char *base;                         /* hot path reads one cache line */
    _Atomic uint64_t gets, puts;        /* owner increments with relaxed load+store */
};

struct npool_tcache {
    uint64_t gen;                       /* the pool's generation */
    npool_t *pool;                      /* NULL once the pool is destroyed (reg_lock) */
    struct npool_tcache *next_thread;   /* the owner thread's list */
    struct npool_tcache *next_pool, *prev_pool;  /* the pool's list (reg_lock) */
    uint32_t epoch;                     /* pool epoch last seen */
    uint32_t cap, batch;
    int narenas;
    struct npool_mag mag[];
};

/* The calling thread's cache for `pool`, made the current one (tl_last).
 * Found without a lock after the first use; created on first use under
 * reg_lock, with capacity 0 when the thread is past its fair share (its gets
 * and puts then go to the sets).  NULL only when it cannot be allocated. */
struct npool_tcache *npool__tcache(npool_t *pool);
/* Flush every magazine of `tc` to the free sets (owner thread only). */
void npool__tcache_flush(npool_t *pool, struct npool_tcache *tc);
/* Detach every cache of `pool` (destroy); empty them (reset). */
void npool__caches_detach(npool_t *pool);
void npool__caches_clear(npool_t *pool);
/* Sum the cached blocks of each arena into cached[] (reg_lock taken), and
 * fold the cached paths' counters into gets[] / puts[]. */
void npool__caches_count(const npool_t *pool, size_t *cached, uint64_t *gets, uint64_t *puts);
/* Check every cache of `pool`: entries in range, free, not in the set, not
 * twice; marks[] (one byte per pool block, zeroed) counts them.  0 or -EFAULT. */
int npool__caches_check(const npool_t *pool, uint8_t *marks, char *why, size_t len);

/* The calling thread's last cache: one compare on the hot path.  Initial-exec
 * TLS (no __tls_get_addr call); 16 bytes, well inside the static TLS surplus
 * glibc keeps for libraries loaded with dlopen. */
/* npool__tl_last (numapool.h) is defined in cache.c; set it only with this. */
void npool__tl_set(uint64_t gen, struct npool_tcache *tc);
/* Record that tc has seen epoch e (in the TLS copy too when tc is current). */
void npool__tc_epoch(struct npool_tcache *tc, uint32_t e);
#define NPOOL_TL_CACHE() ((struct npool_tcache *)npool__tl_last.tc)

/* ---- depot.c (callers hold a->lock, except npool__depot_free) ---- */
uint32_t *npool__buf_get(struct npool_arena *a);            /* an empty buffer; NULL when out of memory */
void npool__buf_put(struct npool_arena *a, uint32_t *idx);  /* back to the empty list */
int npool__depot_take_full(struct npool_arena *a, struct npool_mag *m);  /* m empty: swap in a full one; 1 done */
int npool__depot_give_full(struct npool_arena *a, struct npool_mag *m);  /* hand m's blocks in, take an empty; 1 done */
size_t npool__depot_drain(struct npool_arena *a);           /* every depot block into the set; how many */
int npool__depot_check(const struct npool_arena *a, int checked, uint8_t *marks, char *why, size_t len);
void npool__depot_free(struct npool_arena *a);

/* ---- stats.c ---- */
/* "2 MiB", "1 GiB", "800 B": exact units only; returns buf. */
const char *npool__size_name(size_t bytes, char *buf, size_t len);

/* ---- pool.c: slow paths the caches call ---- */
/* m is full: hand it to the depot or return tc's batch to the set; new count. */
uint32_t npool__overflow(npool_t *pool, struct npool_arena *a, struct npool_mag *m, uint32_t batch);
/* Refill `m` of arena `a` with up to tc->batch lowest free blocks; returns how many. */
uint32_t npool__refill(npool_t *pool, struct npool_arena *a, struct npool_tcache *tc, struct npool_mag *m);
/* Move the top `k` entries of magazine `m` to arena a's set; `check`: let
 * them count toward the auto-coalesce fragmentation check. */
void npool__flush(npool_t *pool, struct npool_arena *a, struct npool_mag *m, uint32_t k, int check);

static inline uint64_t npool__relaxed_inc(_Atomic uint64_t *c)
{
    uint64_t v = atomic_load_explicit(c, memory_order_relaxed) + 1;
    atomic_store_explicit(c, v, memory_order_relaxed);
    return v;
}


/* The inline fast path in numapool.h reads these through its own view. */
#include <stddef.h>
_Static_assert(offsetof(struct npool, fast_gen) == offsetof(struct npool__head, fast_gen), "head layout");
_Static_assert(offsetof(struct npool, va) == offsetof(struct npool__head, va), "head layout");
_Static_assert(offsetof(struct npool, arena_bytes) == offsetof(struct npool__head, arena_bytes), "head layout");
_Static_assert(offsetof(struct npool, stride) == offsetof(struct npool__head, stride), "head layout");
_Static_assert(offsetof(struct npool, stride_mask) == offsetof(struct npool__head, stride_mask), "head layout");
_Static_assert(offsetof(struct npool, stride_shift) == offsetof(struct npool__head, stride_shift), "head layout");
_Static_assert(offsetof(struct npool, unchecked) == offsetof(struct npool__head, unchecked), "head layout");
_Static_assert(offsetof(struct npool, epoch) == offsetof(struct npool__head, epoch), "head layout");
_Static_assert(offsetof(struct npool_mag, n) == offsetof(struct npool__mag, n), "magazine layout");
_Static_assert(offsetof(struct npool_mag, cap) == offsetof(struct npool__mag, cap), "magazine layout");
_Static_assert(offsetof(struct npool_mag, idx) == offsetof(struct npool__mag, idx), "magazine layout");
_Static_assert(offsetof(struct npool_mag, state) == offsetof(struct npool__mag, state), "magazine layout");
_Static_assert(offsetof(struct npool_mag, base) == offsetof(struct npool__mag, base), "magazine layout");
_Static_assert(offsetof(struct npool_mag, gets) == offsetof(struct npool__mag, gets), "magazine layout");
_Static_assert(offsetof(struct npool_mag, puts) == offsetof(struct npool__mag, puts), "magazine layout");
_Static_assert(sizeof(struct npool_mag) == sizeof(struct npool__mag), "magazine layout");
#endif
