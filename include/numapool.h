/**
 * @file numapool.h
 * @brief numapool: fixed-size blocks on the right NUMA node, on the right pages.
 *
 * A pool is a fixed set of equal blocks carved from one memory arena per NUMA
 * node.  Each arena is one `mmap` mapping, bound to its node with `mbind`
 * before it is touched, backed by 1 GiB or 2 MiB hugetlb pages, transparent
 * hugepages or base pages, and faulted in completely when the pool is
 * created, so a created pool never takes a SIGBUS and its hugetlb arenas
 * never take a page fault.  Blocks are `stride` bytes apart: the block size
 * rounded up to the alignment (64 bytes, a cache line, unless asked
 * otherwise).  Nothing is ever written into a free block: the pool's own
 * metadata lives outside the arenas, on the pool's nodes.  (A library built
 * with NPOOL_DEBUG >= 2 fills free blocks with a pattern that every get
 * checks, to catch writes after put; see the source's docs/ARCHITECTURE.md.)
 *
 * **Indices.** Arenas are laid out in ascending OS node index, whatever the
 * order of the node string, and block indices run through them in that
 * order; inside an arena index order is address order.  A new or reset pool
 * hands out, on each node, that node's lowest index first: 0, 1, 2... on a
 * one-node pool, as the original Python `MemoryPool` did.
 *
 * **Free, held, cached.** A block is *held* from the get that returned it to
 * the put that returns it; every other block is *free*.  A free block sits
 * in its node's *free set*, kept sorted by address, or in a thread's cache
 * (its current magazine, a stack it pops and pushes without a lock, or its
 * spares, full magazines it keeps for itself), or in its node's depot of full
 * magazines (see npool_coalesce()).  What caches may hold is bounded: a
 * thread's current magazine at most min(256, 1/16 of a node) blocks per node,
 * all threads' current magazines together less than 1/8 of a node; a
 * thread's spares at most 1/8 of a node, all threads' at most 1/2; the depot
 * at most a quarter.  A get that finds its node empty takes the other
 * threads' spares and the depot back before it fails, so it fails only when
 * every free block of the node sits in other threads' current magazines:
 * a pool that many threads share should hold 1/8 more blocks than they hold
 * at once.  Efficiency is held / total.  Fragmentation is computed per node
 * over its free set as `100 * (1 - largest free run / blocks in the set)`,
 * 0 when the set is empty; the pool's figure is the largest over its nodes.
 *
 * **Errors.** Functions returning `int` return 0 or a negative errno value
 * (`-EINVAL`, `-ENOMEM`...), except where their comment says otherwise.
 * Functions returning a pointer return NULL and set `errno`.  Every failure
 * leaves the pool unchanged, and npool_last_error() then gives the calling
 * thread a sentence that says what failed and why, with the numbers.
 *
 * **Threads.** Every function is thread-safe except npool_reset() and
 * npool_destroy(), which must not run at the same time as any other call on
 * the same pool (like `free`).  A double put is detected whenever the two
 * puts are ordered (one happens before the other); two threads racing to put
 * the same block is a data race in the caller's code.  `NPOOL_UNCHECKED`
 * gives that detection up.  Nothing in the library is async-signal-safe.
 *
 * **Fork.** Arenas are `MADV_DONTFORK`: after `fork` the parent keeps its
 * pools untouched; the child must not use pools created before the fork,
 * and may create and use new ones, even when other threads of the parent
 * were inside numapool at the fork (the library's atfork handlers).
 *
 * **Environment.** `NUMAPOOL_NODES` and `NUMAPOOL_PAGES` (`auto`, `thp`,
 * `base` or a page size: `1G`, `2M`, `64K`, bytes) override the `nodes` and
 * `pages` of every pool at creation; `NUMAPOOL_VERBOSE=1` prints on stderr,
 * at creation, where each arena landed and on which pages;
 * `NUMAPOOL_STATS=1|json|text:FILE|json:FILE` prints one line per pool
 * (name, host, pid, MPI rank, pages, held blocks, failed gets...) at
 * npool_destroy() or at exit.  When set, `NUMAPOOL_NODES`, `NUMAPOOL_PAGES`
 * and `NUMAPOOL_VERBOSE` must be well formed: empty, malformed or
 * `NUMAPOOL_VERBOSE` other than 0 or 1 fails npool_create() with -EINVAL (a
 * node that does not exist: -ENODEV), the value quoted in the sentence with
 * its control characters escaped.  Setuid programs (the kernel's AT_SECURE)
 * ignore them all, and read the machine from the kernel's files without
 * hwloc, which takes its configuration and plugins from the environment
 * (`HWLOC_*`).  The source's docs/environment.md describes them all.
 *
 * Requires Linux 5.14 or later (`MADV_POPULATE_WRITE`).
 */
#ifndef NUMAPOOL_H
#define NUMAPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NPOOL_VERSION_MAJOR 0 /**< this header's release, semantic versioning: major */
#define NPOOL_VERSION_MINOR 2 /**< minor */
#define NPOOL_VERSION_PATCH 0 /**< patch */

/** @cond internal */
#if defined(NPOOL_BUILDING) && !defined(NPOOL_NO_INLINE)
#define NPOOL_NO_INLINE   /* the library defines the functions themselves */
#endif
#if defined(NPOOL_BUILDING) && defined(__GNUC__)
#define NPOOL_API __attribute__((visibility("default")))
#else
#define NPOOL_API
#endif
#if defined(__GNUC__)
#define NPOOL_NODISCARD __attribute__((warn_unused_result))
#else
#define NPOOL_NODISCARD
#endif
/** @endcond */

/** Most arenas (NUMA nodes) one pool may span; node numbers themselves may be larger. */
#define NPOOL_MAX_NODES 64

/** An opaque pool. */
typedef struct npool npool_t;

/** What backs the arenas. */
enum npool_pages {
    /** The largest hugetlb page size that has enough free pages on the node
     *  and wastes at most 1/8 of the arena to rounding; else THP where the
     *  kernel allows it and the arena is 2 MiB or more; else base pages. */
    NPOOL_PAGES_AUTO = 0,
    NPOOL_PAGES_1G,   /**< 1 GiB hugetlb pages (falls back to smaller unless NPOOL_STRICT_PAGES) */
    NPOOL_PAGES_2M,   /**< 2 MiB hugetlb pages (falls back to THP, then base, unless NPOOL_STRICT_PAGES) */
    NPOOL_PAGES_THP,  /**< transparent hugepages (`MADV_HUGEPAGE`); with NPOOL_STRICT_PAGES fails when THP is `never` */
    NPOOL_PAGES_BASE, /**< base pages, THP refused (`MADV_NOHUGEPAGE`) */
    /** hugetlb pages of npool_config_t::page_size bytes, any size the kernel
     *  offers (/sys/kernel/mm/hugepages: 64 KiB, 2 MiB, 32 MiB, 512 MiB, 1 GiB,
     *  16 GiB... by architecture); falls back to the smaller offered sizes,
     *  then THP, then base pages, unless NPOOL_STRICT_PAGES.  The stats
     *  report 1 GiB and 2 MiB arenas as NPOOL_PAGES_1G and NPOOL_PAGES_2M,
     *  and every other hugetlb size as this, with its page_size. */
    NPOOL_PAGES_HUGETLB,
};

/** X-macro over every value of enum npool_pages: X(NAME) for NPOOL_PAGES_<NAME>.
 *  Bindings generate their constants from it. */
#define NPOOL_PAGES_LIST(X) X(AUTO) X(1G) X(2M) X(THP) X(BASE) X(HUGETLB)

/** Flags of npool_config_t::flags.  A new flag goes here and in NPOOL_FLAG_LIST. */
enum npool_flags {
    NPOOL_STRICT_PAGES = 1u << 0, /**< fail rather than fall back to smaller pages */
    NPOOL_PREFER_NODE  = 1u << 1, /**< MPOL_PREFERRED instead of MPOL_BIND: misplaced pages are reported in the stats, not refused */
    NPOOL_LOCK         = 1u << 2, /**< mlock the arenas (RLIMIT_MEMLOCK applies) */
    NPOOL_NO_CACHE     = 1u << 3, /**< no per-thread caches: strict lowest-address-first order */
    NPOOL_UNCHECKED    = 1u << 4, /**< no double-put detection (the range and stride checks stay) */
    NPOOL_SPILL        = 1u << 5, /**< npool_get() may take from the nearest other node when the caller's is empty */
    NPOOL_ZERO         = 1u << 6, /**< blocks come back zeroed from every get */
};

/** X-macro over every flag: X(NAME) for NPOOL_<NAME>.  npool_create() accepts
 *  exactly these bits (NPOOL_FLAGS_ALL); bindings generate their constants
 *  from it, and a test fails when one of them misses a flag. */
#define NPOOL_FLAG_LIST(X) X(STRICT_PAGES) X(PREFER_NODE) X(LOCK) X(NO_CACHE) X(UNCHECKED) X(SPILL) X(ZERO)
/** @cond internal */
#define NPOOL__FLAG_OR(name) | NPOOL_##name
/** @endcond */
/** Every flag, or-ed: the bits npool_create() accepts. */
#define NPOOL_FLAGS_ALL (0u NPOOL_FLAG_LIST(NPOOL__FLAG_OR))

/** What a pool is made of.  Zero means "default" in every field that has one. */
typedef struct npool_config {
    size_t block_size;         /**< bytes per block, > 0 */
    size_t block_count;        /**< blocks per node, > 0 */
    size_t align;              /**< power of two up to the base page size; 0 = 64 */
    const char *nodes;         /**< numactl's node syntax ("0,2", "1-3", "+0", "!1", "all"), "local", "cpubind"
                                    (the nodes of the caller's CPU binding), a memory kind ("hbm", "dram", "nvm"...),
                                    alone or nearest the caller ("hbm:local", "hbm:cpubind"); NULL = "local";
                                    `numapool-topo --nodes STRING` says what a string means and why */
    enum npool_pages pages;    /**< what backs the arenas; 0 = NPOOL_PAGES_AUTO */
    unsigned flags;            /**< `enum npool_flags`, or-ed */
    double coalesce_threshold; /**< percent fragmentation that triggers auto-coalescing; 0 = 20 */
    const char *name;          /**< shown in reports; copied; NULL = "npool" */
    size_t page_size;          /**< with NPOOL_PAGES_HUGETLB: the hugetlb page size in bytes; else 0 */
} npool_config_t;

/** One row of npool_stats_t: one arena, one node. */
typedef struct npool_node_stats {
    int node;                   /**< OS node index, as numactl prints it */
    enum npool_pages backing;   /**< what really backs the arena: 1G, 2M, HUGETLB (another hugetlb size), THP or BASE */
    enum npool_pages requested; /**< what was asked for (after NUMAPOOL_PAGES) */
    int fell_back;              /**< 1 when `backing` is not what was asked for (AUTO never "falls back" from itself) */
    char fallback_reason[256];  /**< why, in words: why it fell back, or for AUTO why it chose this; empty otherwise */
    size_t page_size;           /**< the kernel's page size for the mapping (KernelPageSize) */
    size_t bytes_mapped;        /**< length of the arena mapping */
    size_t thp_bytes;           /**< bytes really covered by transparent hugepages (AnonHugePages) */
    size_t blocks_total;        /**< blocks of this node */
    size_t blocks_held;         /**< held by users */
    size_t blocks_free_set;     /**< free, in the address-sorted set */
    size_t blocks_cached;       /**< free, in per-thread caches and the node's depot of magazines */
    size_t largest_free_run;    /**< longest run of adjacent blocks in the free set */
    double fragmentation;       /**< percent, over the free set */
    size_t pages_verified;      /**< pages found on `node` by move_pages at creation */
    size_t bytes_misplaced;     /**< bytes found on another node at creation (only possible with NPOOL_PREFER_NODE) */
    uint64_t gets;              /**< successful gets served by this node */
    uint64_t puts;              /**< accepted puts of this node's blocks */
    uint64_t failed_gets;       /**< gets that found this node empty */
    uint64_t lock_acquisitions; /**< times this node's lock was taken (refills, overflows, the sets' paths, stats) */
    uint64_t lock_timed;        /**< acquisitions whose hold time was measured: one in 8 */
    uint64_t lock_hold_ns;      /**< their hold time, summed: lock_hold_ns / lock_timed is the mean */
} npool_node_stats_t;

/** What npool_stats() reports: totals and one row per node. */
typedef struct npool_stats {
    size_t block_size;          /**< as configured */
    size_t stride;              /**< bytes from one block to the next */
    size_t align;               /**< effective alignment */
    size_t blocks_total;        /**< over all nodes */
    size_t blocks_held;         /**< held by users */
    size_t blocks_free_set;     /**< free, in the address-sorted sets */
    size_t blocks_cached;       /**< free, in per-thread caches and the depots */
    double efficiency;          /**< percent held / total */
    double fragmentation;       /**< percent, the largest over the nodes */
    size_t bytes_mapped;        /**< arenas */
    size_t metadata_bytes;      /**< the pool's own memory: struct, free sets, states */
    /** @{ */
    /** over all nodes: successful gets, accepted puts, gets that found their node empty */
    uint64_t gets, puts, failed_gets;
    /** @} */
    uint64_t refused_puts;      /**< puts refused: foreign, interior, double */
    uint64_t coalesces;         /**< npool_coalesce() calls and automatic ones */
    uint64_t coalesce_ns_total; /**< time spent coalescing */
    uint64_t coalesce_ns_max;   /**< the longest one */
    unsigned flags;             /**< effective flags */
    size_t nnodes;              /**< rows used in `nodes` */
    npool_node_stats_t nodes[NPOOL_MAX_NODES]; /**< ascending node index */
} npool_stats_t;

/**
 * Create a pool.
 *
 * Maps one arena per node, binds it (MPOL_BIND, or MPOL_PREFERRED with
 * NPOOL_PREFER_NODE), faults every page in with MADV_POPULATE_WRITE, checks
 * with move_pages that every page is on its node, and builds the free sets.
 * Before faulting in base or THP memory, the node's free memory and the
 * cgroup's `memory.max` are checked.  Per-node free hugepage counts are read
 * as advice; the populate result is the authority.  A failed create leaves
 * nothing mapped.
 *
 * @param cfg  the configuration; read only during the call
 * @param out  receives the pool
 * @return 0;
 *   -EINVAL bad config (zero sizes, more than 2^32-1 blocks per node, alignment, node string, flags,
 *           coalesce_threshold outside [0, 100], an unknown NUMAPOOL_PAGES);
 *   -EOVERFLOW block_size rounded up to the alignment, or block_count x stride, overflows;
 *   -ENODEV a named node that does not exist, is offline, has no memory or is not allowed, or a node
 *           string that selects none (+N past the allowed nodes, a memory kind absent, "!all");
 *   -ENOMEM not enough memory or hugepages on a node (strict pages, or nothing to fall back to),
 *           an arena larger than its node, or no address space for the arenas;
 *   -EXDEV  pages landed on another node (MPOL_BIND only);
 *   -EPERM / -EAGAIN mlock refused with NPOOL_LOCK (the sentence gives RLIMIT_MEMLOCK);
 *   -EOPNOTSUPP THP asked for strictly while THP is `never`, or a kernel without MADV_POPULATE_WRITE;
 *   -EIO    the machine could not be read (hwloc, a file of /sys or /proc; the next call tries
 *           again), or the kernel refused a call with an error none of the above names (mbind,
 *           move_pages, /proc/self/smaps...: the sentence names the call and the kernel's errno).
 * Every code comes with a sentence that names what failed.  Should even the
 * unmapping of what was made fail, the sentence says which mapping stays.
 * Thread-safe.
 */
NPOOL_API NPOOL_NODISCARD int npool_create(const npool_config_t *cfg, npool_t **out);

/** Release everything, held blocks included.  NULL is a no-op.  Not thread-safe
 *  with any other call on the same pool.  Should the kernel refuse an unmap,
 *  that mapping stays and npool_last_error() says which. */
NPOOL_API void npool_destroy(npool_t *pool);

/** A block from the caller's node (the node of the CPU it runs on, or the
 *  pool's nearest node to it).  NULL and errno ENOMEM when that node is empty
 *  (with NPOOL_SPILL: when every node is), EINVAL when `pool` is NULL.
 *  Thread-safe. */
NPOOL_API void *npool_get(npool_t *pool);

/** A block from OS node `node`.  NULL and errno ENOMEM when it is empty,
 *  EINVAL when the pool has no arena there.  Thread-safe. */
NPOOL_API void *npool_get_on(npool_t *pool, int node);

/** Give a block back.
 *  @return 0; -EINVAL not the start of a block of this pool (NULL too);
 *  -EALREADY the block is already free (default mode).  Thread-safe. */
NPOOL_API int npool_put(npool_t *pool, void *block);

/** Get `n` blocks into `blocks`, from the caller's node: all or nothing.
 *  @return 0; -EINVAL NULL arguments or n == 0; -ENOMEM fewer than n free
 *  (nothing taken, `blocks` untouched).  Thread-safe. */
NPOOL_API NPOOL_NODISCARD int npool_get_bulk(npool_t *pool, void **blocks, size_t n);

/** Put `n` blocks back: all or nothing.
 *  @return 0; -EINVAL an entry is not a block of this pool or a block appears
 *  twice in the array; -EALREADY an entry is already free.  On error nothing
 *  is put.  Thread-safe. */
NPOOL_API int npool_put_bulk(npool_t *pool, void *const *blocks, size_t n);

/** `n` adjacent blocks from the caller's node, first fit from the lowest
 *  address; returns the first (lowest) one.  The run never crosses nodes.
 *  NULL and errno ENOMEM when no run of n free blocks exists (after draining
 *  the caller's cache), EINVAL when n is 0 or larger than a node.
 *  Thread-safe. */
NPOOL_API void *npool_get_contig(npool_t *pool, size_t n);

/** Put back the `n` blocks starting at `first`.  All or nothing.
 *  @return 0; -EINVAL `first` is not a block, the run leaves its node, n is 0;
 *  -EALREADY one of the blocks is already free.  A block of a run may also be
 *  put alone with npool_put().  Thread-safe. */
NPOOL_API int npool_put_contig(npool_t *pool, void *first, size_t n);

/** Index of a block (arenas in ascending node order, address order inside);
 *  SIZE_MAX if `block` is not the start of a block of the pool.  Thread-safe. */
NPOOL_API size_t npool_index(const npool_t *pool, const void *block);

/** The block at `index`; NULL (errno EINVAL) if out of range.  Thread-safe. */
NPOOL_API void *npool_block(const npool_t *pool, size_t index);

/** The seed's return_block(idx): put the block at `index`.
 *  @return as npool_put(); -EINVAL also when index is out of range. */
NPOOL_API int npool_put_index(npool_t *pool, size_t index);

/**
 * Coalesce: return the calling thread's cache, every thread's spares (full
 * magazines threads keep for themselves), the caches of threads that have
 * exited and each node's depot (full magazines that threads handed in) to
 * the address-sorted free sets, at once; every other live thread returns
 * its current magazine at its next call into this pool.  Afterwards
 * npool_fragmentation() and npool_get_contig() see those blocks.  Runs in
 * time linear in the cached blocks, not in the pool size.  Also triggered
 * automatically by puts when a node's fragmentation passes
 * `coalesce_threshold` (amortised O(1) per put).
 * @return 0; -EINVAL pool is NULL.  Thread-safe.
 */
NPOOL_API int npool_coalesce(npool_t *pool);

/** Percent fragmentation (see the file comment); 0 for NULL.  Thread-safe. */
NPOOL_API double npool_fragmentation(const npool_t *pool);

/** Percent of blocks held by users; 0 for NULL.  Thread-safe. */
NPOOL_API double npool_efficiency(const npool_t *pool);

/** Make every block free again, held or not, and empty every cache; the next
 *  gets start from each node's lowest index.  With NPOOL_ZERO nothing is
 *  cleared now (blocks are zeroed on get).
 *  @return 0; -EINVAL pool is NULL.  Not thread-safe: no other call on the
 *  pool may run at the same time. */
NPOOL_API int npool_reset(npool_t *pool);

/** Walk every invariant (free-set counts and summaries, states of every
 *  block, caches, totals).  @return 0; -EFAULT with a sentence naming the
 *  first broken invariant; -EINVAL pool is NULL; -ENOMEM no memory for the
 *  walk's marks (one byte per block).  Thread-safe (takes every node's lock). */
NPOOL_API int npool_check(const npool_t *pool);

/** Fill `out` with totals and one row per node.  @return 0; -EINVAL NULL
 *  arguments.  Thread-safe (a consistent view per node, not across nodes). */
NPOOL_API int npool_stats(const npool_t *pool, npool_stats_t *out);

/** The pool's state in words, like the seed's repr: name, nodes, backing and
 *  page size, block size and count, free, efficiency, fragmentation.
 *  @return the length the whole text needs, without the NUL (snprintf
 *  semantics: truncated when >= len); -EINVAL pool is NULL or buf NULL with
 *  len > 0.  Thread-safe. */
NPOOL_API int npool_describe(const npool_t *pool, char *buf, size_t len);

/** Call `fn(base, len, node, page_size, arg)` for each arena, in ascending
 *  node order (for RDMA or MPI registration).  `page_size` is the kernel's.
 *  @return 0, or the first non-zero value `fn` returned (the walk stops
 *  there); -EINVAL NULL pool or fn.  Thread-safe. */
NPOOL_API int npool_foreach_arena(const npool_t *pool,
                                  int (*fn)(void *base, size_t len, int node,
                                            size_t page_size, void *arg),
                                  void *arg);

/** The name of an error code (0 or negative errno): "EINVAL: invalid argument".
 *  Never NULL. */
NPOOL_API const char *npool_strerror(int rc);

/** This thread's sentence about its last failure in numapool, with the
 *  numbers; "" if none yet.  Valid until this thread's next failing call. */
NPOOL_API const char *npool_last_error(void);

/** Name of a page backing: "auto", "1G", "2M", "THP", "base", "hugetlb". */
NPOOL_API const char *npool_pages_name(enum npool_pages pages);

/* ------------------------------------------------------------------------
 * The inline fast path.  Not API, but ABI: the layouts below are the first
 * fields of the library's own structures (checked by _Static_assert there)
 * and are compiled into users' binaries.  NPOOL_ABI numbers them: the
 * shared library's SONAME is libnumapool.so.NPOOL_ABI and the thread-local
 * symbol carries the number too, so a binary built against another layout
 * never runs against this one (the loader refuses it).
 *
 * npool_get() and npool_put() expand to an inline attempt on the calling
 * thread's magazine for the right arena (the caller's node, from the CPU id
 * the kernel keeps in the thread's rseq area, for a get; the block's own
 * arena for a put), with every check of the out-of-line path (the cache is
 * this pool's and has seen its last coalesce, range, stride, and the state
 * byte for double puts), and call the exported functions for everything
 * else.  The library's exported npool_get() and npool_put() run the same
 * code first: the magazine pop and push below are written once.  Define
 * NPOOL_NO_INLINE before including this header to call the functions always.
 * The library steps this path aside itself (its pools' keys never match)
 * where it must see every get and put: when it was built with ASan or with
 * NPOOL_DEBUG >= 2, and for a pool created while the program runs under
 * valgrind, whose memcheck it tells which blocks are free.
 * ------------------------------------------------------------------------ */
/** @cond internal */
#define NPOOL_ABI 2
#define NPOOL__MAX_CPUS 1024    /* entries of npool__head::cpu_arena */

struct npool__head {            /* first fields of struct npool */
    uint64_t key;               /* generation << 32 | coalesce epoch (atomic) */
    char *va;                   /* arena k starts at va + (k << span_shift) */
    size_t va_bytes;            /* narenas << span_shift */
    size_t stride;
    size_t put_limit;           /* blocks per arena for a power-of-two stride, else 1 (see npool__put_fast) */
    uint8_t stride_shift, span_shift;
    uint8_t unchecked;          /* NPOOL_UNCHECKED: no state bytes */
    uint8_t pad[5];
    const int16_t *cpu_arena;   /* CPU -> arena serving it; NULL for a one-node pool */
};
struct npool__mag {             /* one magazine: a thread's stack of free blocks of one arena */
    uint32_t n, cap;            /* entries; written by the owner thread only */
    uint32_t *idx;              /* local block indices, the top at idx[n - 1] */
    uint8_t *state;             /* the arena's state bytes (1 held, 0 free) */
    char *base;                 /* the arena's first block */
    uint64_t gets, puts;        /* counters, owner-written */
};
struct npool__tl {              /* the calling thread's current cache */
    uint64_t key;               /* its pool's key as this thread last saw it; 0 when none applies inline */
    struct npool__mag *here;    /* its magazine for the arena serving the thread's CPU */
    char *here_base;            /* that arena's first block */
    int32_t cpu;                /* the CPU `here` was chosen for (many-node pools; -1: choose again) */
    uint32_t pad;
    struct npool__mag *mag;     /* all its magazines, one per arena */
    void *tc;                   /* the library's cache */
};

#define NPOOL__LD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define NPOOL__ST(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define NPOOL__LIKELY(x) __builtin_expect(!!(x), 1)

#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#if defined(__cplusplus)
/* __thread, not thread_local: no dynamic-initialisation wrapper on every access */
extern NPOOL_API __thread struct npool__tl npool__tl_v2 __attribute__((tls_model("initial-exec")));
#else
extern NPOOL_API _Thread_local struct npool__tl npool__tl_v2 __attribute__((tls_model("initial-exec")));
#endif
#define NPOOL__HAVE_FAST 1

/* The calling thread's magazines when its current cache is this pool's and
 * has seen its last coalesce, else NULL (a NULL pool too: the library words it). */
static inline struct npool__mag *npool__current(const struct npool__head *h)
{
    struct npool__tl *tl = &npool__tl_v2;
    return NPOOL__LIKELY(h != (const struct npool__head *)0 && tl->key == NPOOL__LD(&h->key)) ? tl->mag
                                                                                             : (struct npool__mag *)0;
}

/* The same test where the caller branches on it: the key alone (a current
 * cache's magazines are never NULL). */
static inline int npool__is_current(const struct npool__head *h)
{
    return NPOOL__LIKELY(h != (const struct npool__head *)0 && npool__tl_v2.key == NPOOL__LD(&h->key));
}

/* The CPU the calling thread runs on, from the rseq area glibc >= 2.35
 * registers (no system call); a negative value when that is not known here
 * (the library then asks the kernel). */
#if defined(__has_include)
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#define NPOOL__HAVE_RSEQ 1
#endif
#endif
static inline int32_t npool__cpu(void)
{
#if defined(NPOOL__HAVE_RSEQ) && defined(RSEQ_SIG)
    const struct rseq *rs = (const struct rseq *)(const void *)((char *)__builtin_thread_pointer() + __rseq_offset);
    return (int32_t)NPOOL__LD(&rs->cpu_id);
#else
    return -1;
#endif
}

/* Pop: the top block of magazine m, marked held, into *out; 0 when m is
 * empty (a flag, not a NULL test on the address, so that the caller's
 * branch folds into this one). */
static inline int npool__mag_pop(const struct npool__head *h, struct npool__mag *m, void **out)
{
    uint32_t n = NPOOL__LD(&m->n);
    if (!NPOOL__LIKELY(n != 0))
        return 0;
    uint32_t i = NPOOL__LD(&m->idx[n - 1]);
    NPOOL__ST(&m->n, n - 1);
    NPOOL__ST(&m->gets, NPOOL__LD(&m->gets) + 1);
    if (NPOOL__LIKELY(!h->unchecked))
        NPOOL__ST(&m->state[i], (uint8_t)1);
    *out = m->base + (size_t)i * h->stride;
    return 1;
}

/* Push: local index i of m's arena, held until now, goes on top of m.
 * 0 done; 1 m is full; 2 the block is not held (a double put): nothing changed. */
static inline int npool__mag_push(const struct npool__head *h, struct npool__mag *m, size_t i)
{
    uint32_t n = NPOOL__LD(&m->n);
    if (!NPOOL__LIKELY(n < m->cap))
        return 1;
    if (NPOOL__LIKELY(!h->unchecked)) {
        if (!NPOOL__LIKELY(NPOOL__LD(&m->state[i]) == 1))
            return 2;
        NPOOL__ST(&m->state[i], (uint8_t)0);
    }
    NPOOL__ST(&m->idx[n], (uint32_t)i);
    NPOOL__ST(&m->n, n + 1);
    NPOOL__ST(&m->puts, NPOOL__LD(&m->puts) + 1);
    return 0;
}

/* A block from the calling thread's magazine for its node into *out: 1; 0
 * when the out-of-line path must decide.  On a many-node pool the magazine
 * chosen for the thread's CPU stays valid while the thread runs there: one
 * compare with the CPU id the kernel keeps in rseq; after a migration the
 * library chooses again. */
static inline int npool__get_fast(npool_t *pool, void **out)
{
    const struct npool__head *h = (const struct npool__head *)(const void *)pool;
    if (!npool__is_current(h))
        return 0;
    if (!NPOOL__LIKELY(!h->cpu_arena || npool__cpu() == npool__tl_v2.cpu))
        return 0;
    return npool__mag_pop(h, npool__tl_v2.here, out);
}

/* The index of the block at byte `o` of an arena, or a value >= put_limit
 * when o is not a block's start there: rotating right by log2(stride) moves
 * any bit below the stride to the top, so one compare checks both range and
 * alignment (an offset before the arena is huge too).  A stride that is no
 * power of two has put_limit 1: only block 0 is decided here. */
static inline size_t npool__put_index(const struct npool__head *h, size_t o)
{
    unsigned s = h->stride_shift;
    return (o >> s) | (o << ((64 - s) & 63));
}

/* Put `block` on the calling thread's magazine when the block belongs to the
 * arena serving the thread (every block of a one-node pool): 0 done; nonzero
 * when the out-of-line path must decide (a block of another node goes home
 * to its own node's magazine there; errors are worded there).  The magazine
 * is the thread's, never computed from the block's address, so that the
 * chain from a get's result to the next get stays short. */
static inline int npool__put_fast(npool_t *pool, void *block)
{
    const struct npool__head *h = (const struct npool__head *)(const void *)pool;
    if (!npool__is_current(h))
        return 1;
    size_t i = npool__put_index(h, (size_t)((uintptr_t)block - (uintptr_t)npool__tl_v2.here_base));
    return NPOOL__LIKELY(i < h->put_limit) ? npool__mag_push(h, npool__tl_v2.here, i) : 1;
}
#endif /* x86-64 Linux, GCC or Clang */
/** @endcond */

#if defined(__SANITIZE_ADDRESS__) && !defined(NPOOL_NO_INLINE)
#define NPOOL_NO_INLINE   /* the library poisons free blocks: let it see every get and put */
#endif
#if defined(__has_feature) && !defined(NPOOL_NO_INLINE)
#if __has_feature(address_sanitizer)
#define NPOOL_NO_INLINE
#endif
#endif
#if !defined(NPOOL_NO_INLINE) && defined(NPOOL__HAVE_FAST)
/** @cond internal */
static inline void *npool__get_inline(npool_t *pool)
{
    void *b;
    return NPOOL__LIKELY(npool__get_fast(pool, &b)) ? b : (npool_get)(pool);
}
static inline int npool__put_inline(npool_t *pool, void *block)
{
    return NPOOL__LIKELY(npool__put_fast(pool, block) == 0) ? 0 : (npool_put)(pool, block);
}
/** @endcond */
#define npool_get(pool) npool__get_inline(pool)
#define npool_put(pool, block) npool__put_inline((pool), (block))
#endif

#ifdef __cplusplus
}
#endif
#endif /* NUMAPOOL_H */
