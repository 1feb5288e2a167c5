/* numapool-bench, shared by the driver and every worker process: the
 * contender interface, the timing and pinning helpers, the wire format a
 * worker prints on stdout, and the node helpers.  A worker is one process
 * measuring one contender plus the two ideal references compiled into it
 * (out-of-line intrusive LIFO, inline index stack), so every figure can be
 * divided by the out-of-line LIFO measured in the same process.
 *
 * Wire format, one record per line, fields separated by one space:
 *   M impl scenario size threads rep value   a measurement (ns per op, or as the scenario says)
 *   S impl scenario size reason...           skipped, and why
 *   X key value...                           an information line (THP mode, backing...)
 *   P text...                                progress, shown by the driver on stderr
 */
#ifndef NUMAPOOL_BENCH_H
#define NUMAPOOL_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* bench_escape: the value of p is used, so the get (or malloc) that made it
 * cannot be elided, yet the compiler may keep everything else in registers.
 * bench_escape_mem: also every store before it must have happened (for the
 * arrays of the batch loops). */
#if defined(__GNUC__)
#define bench_escape(p) __asm__ volatile("" : : "r"(p))
#define bench_escape_mem(p) __asm__ volatile("" : : "r"(p) : "memory")
#else
extern void *volatile bench_sink;
#define bench_escape(p) (bench_sink = (void *)(p))
#define bench_escape_mem(p) (bench_sink = (void *)(p))
#endif

#if defined(__GNUC__)
#define BENCH_NOINLINE __attribute__((noinline))
#define BENCH_UNUSED __attribute__((unused))
#define BENCH_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BENCH_NOINLINE
#define BENCH_UNUSED
#define BENCH_PRINTF(a, b)
#endif

#define BENCH_BATCH 4096u   /* blocks out then back in the batch and bulk scenarios */
#define BENCH_BULK 32u      /* objects per get_bulk/put_bulk */
#define BENCH_TBATCH 4096u  /* blocks per thread per round in the thread patterns */
#define BENCH_TCHUNK 256u   /* blocks a producer hands its consumer at once (tpc) */
#define BENCH_TPOOL (1u << 20) /* blocks of the one pool the thread patterns share */
#define BENCH_MAX_THREADS 64
#define BENCH_MAX_TCOUNTS 4

/* The blocks of the batch and bulk scenarios. */
struct bench_batch {
    size_t n;              /* BENCH_BATCH */
    void **slots;          /* as taken, in order */
    void **shuf;           /* scratch for the bulk put */
    const uint32_t *perm;  /* the pre-shuffled order in which they go back */
};

/* One contender, as seen by the harness.  Every loop runs inside the
 * contender's own translation unit, so get and put are direct (or inline)
 * calls; the harness calls one function pointer per timed loop. */
struct bench_contender {
    const char *name;
    /* Make a context for blocks of `size` bytes, with at least `nblocks`
     * blocks available.  NULL with a reason in `why` when not possible. */
    void *(*setup)(size_t size, size_t nblocks, char *why, size_t whylen);
    void (*teardown)(void *ctx);
    void (*pingpong)(void *ctx, size_t iters);
    void (*batch)(void *ctx, struct bench_batch *bb, size_t rounds);
    void (*bulk)(void *ctx, struct bench_batch *bb, size_t rounds);
    /* Thread patterns; thread_ctx may be NULL when the contender's calls
     * need no per-thread state (the shared context is then used). */
    void *(*thread_ctx)(void *ctx, int tid);
    void (*thread_done)(void *tctx);
    int (*tget)(void *tctx, void **buf, size_t n);   /* 0, or -1 when out of blocks */
    void (*tput)(void *tctx, void *const *buf, size_t n);
    /* numapool: its node locks' figures summed, {acquisitions, acquisitions
     * timed, ns held by those}; NULL for the others */
    void (*lock_figures)(void *ctx, uint64_t v[3]);
    /* Why the thread patterns are not run with more threads than CPUs;
     * NULL when they are. */
    const char *no_oversubscribe;
};

/* What the driver asked a worker to do. */
struct bench_opts {
    size_t sizes[8];
    size_t nsizes;
    unsigned scen;          /* BENCH_S_* bits */
    int reps;
    double scale;           /* multiplies every iteration count */
    int tcounts[BENCH_MAX_TCOUNTS]; /* thread counts of the thread patterns */
    int ntcounts;
    int cpus[BENCH_MAX_THREADS];
    int ncpus;
    size_t tlb_bytes;
};

enum {
    BENCH_S_PINGPONG = 1u << 0,
    BENCH_S_BATCH = 1u << 1,
    BENCH_S_BULK = 1u << 2,
    BENCH_S_TBATCH = 1u << 3,
    BENCH_S_CREATE = 1u << 4,
    BENCH_S_COALESCE = 1u << 5,
    BENCH_S_TLB = 1u << 6,
    BENCH_S_TPC = 1u << 7,
};
#define BENCH_S_THREADS (BENCH_S_TBATCH | BENCH_S_TPC)
#define BENCH_S_LOOPS (BENCH_S_PINGPONG | BENCH_S_BATCH | BENCH_S_BULK | BENCH_S_THREADS)
#define BENCH_S_SPECIAL (BENCH_S_CREATE | BENCH_S_COALESCE | BENCH_S_TLB)

/* harness.c */
uint64_t bench_now_ns(void);
uint64_t bench_rand(uint64_t *state);
void bench_shuffle_u32(uint32_t *a, size_t n, uint64_t seed);
int bench_pin(int cpu);
void *bench_map(size_t bytes);                 /* anonymous, populated; NULL on failure */
void bench_unmap(void *p, size_t bytes);
_Noreturn void bench_die(const char *fmt, ...) BENCH_PRINTF(1, 2);
void bench_emit(const char *fmt, ...) BENCH_PRINTF(1, 2);  /* one wire line, flushed */
unsigned bench_parse_scenarios(const char *list, char *bad, size_t badlen);
const char *bench_scenario_name(unsigned bit);
int bench_parse_sizes(const char *list, size_t *sizes, size_t max);
int bench_parse_counts(const char *list, int *counts, int max);   /* "1,2,8": how many, or -1 */
/* tpattern.c: ns per block moved of pattern BENCH_S_TBATCH or BENCH_S_TPC
 * with n threads, `rounds` of BENCH_TBATCH blocks per getting thread; -1
 * when the contender ran out of blocks. */
double bench_tpattern(const struct bench_contender *c, void *ctx, int pattern, int n, const struct bench_opts *o,
                      size_t rounds, const uint32_t *perm);
/* Parse the worker's arguments (everything after "--worker NAME"). */
int bench_worker_opts(int argc, char **argv, struct bench_opts *o);
/* Run the loop scenarios for `c` and the references; specials run by the caller. */
int bench_worker_run(const struct bench_contender *c, const struct bench_opts *o);

/* lifo.c: the out-of-line intrusive LIFO (a free list threaded through the
 * blocks), kept in its own translation unit and marked noinline so every
 * get and put is a real call. */
struct bench_lifo {
    _Alignas(64) void *head;    /* a line of its own: threads' lists never share one */
};
BENCH_NOINLINE void *bench_lifo_get(struct bench_lifo *l);
BENCH_NOINLINE void bench_lifo_put(struct bench_lifo *l, void *b);
BENCH_NOINLINE int bench_lifo_get_bulk(struct bench_lifo *l, void **v, size_t n);
BENCH_NOINLINE void bench_lifo_put_bulk(struct bench_lifo *l, void *const *v, size_t n);

/* Blocks each thread of the thread scenarios may need at most: a round in
 * hand, a ring of two rounds, a round being put, and slack. */
#define BENCH_TPER (8u * BENCH_TBATCH)

/* refs.c: the ideal references, compiled into every worker. */
extern const struct bench_contender bench_ref_lifo;
extern const struct bench_contender bench_ref_idxstack;

/* w_malloc.c: the malloc-family worker, run by the driver binary itself
 * as `numapool-bench --worker NAME ...` with LD_PRELOAD naming the allocator. */
int bench_malloc_worker(const char *name, int argc, char **argv);

/* node.c */
int bench_local_node(void);                  /* the node memory goes to: policy's node, else the CPU's */
int bench_node_of_cpu(int cpu);
long bench_mbind_node(void *p, size_t len, int node);  /* 0 or -errno */
int bench_thp_mode(char *buf, size_t len);   /* "always", "madvise", "never" or "unknown" */
long bench_huge_free(int node);              /* free 2 MiB hugepages on node, -1 unknown */
long bench_huge_total(int node);
int bench_huge_set_total(int node, long n);  /* 0 or -errno */

#endif
