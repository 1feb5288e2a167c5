/* numapool-bench: the numapool worker, built twice: against the shared
 * library as users link it (numapool-bench-np-shared) and against the static
 * archive (numapool-bench-np-static); BENCH_NP_NAME names which.  Besides the
 * loop scenarios of the harness it owns the scenarios only numapool has:
 *   create    1 GiB of 4 KiB blocks on 2 MiB pages (strict) against a bare
 *             mmap(MAP_HUGETLB) + mbind(local node) + MADV_POPULATE_WRITE of
 *             the same pages, the two interleaved, their order alternating;
 *   coalesce  1 M blocks, a random half held, the caller's cache full: the
 *             time of one npool_coalesce();
 *   tlb       a random gather over 2 GiB of 4 KiB blocks (dependent loads:
 *             a pointer chase; independent: a stream of addresses) from a
 *             2 MiB hugepage pool against as many malloc'ed blocks with THP
 *             refused (PR_SET_THP_DISABLE and MADV_NOHUGEPAGE).
 * Hugepages are reserved by the driver, which restores the count at exit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bench.h"
#include "loops.h"
#include "numapool.h"

#ifndef BENCH_NP_NAME
#define BENCH_NP_NAME "numapool"
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

struct npctx {
    npool_t *p;
};

static void *np_setup(size_t size, size_t nblocks, char *why, size_t whylen)
{
    struct npctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    /* twice what the scenario holds: per-thread caches may keep some */
    npool_config_t cfg = {.block_size = size, .block_count = 2 * nblocks, .name = "bench"};
    int rc = npool_create(&cfg, &c->p);
    if (rc != 0) {
        snprintf(why, whylen, "npool_create: %s: %s", npool_strerror(rc), npool_last_error());
        free(c);
        return NULL;
    }
    npool_stats_t *st = malloc(sizeof *st);
    if (st != NULL && npool_stats(c->p, st) == 0 && st->nnodes > 0)
        bench_emit("X backing %s %zu B blocks: node %d, %s pages of %zu B", BENCH_NP_NAME, size, st->nodes[0].node,
                   npool_pages_name(st->nodes[0].backing), st->nodes[0].page_size);
    free(st);
    return c;
}

static void np_teardown(void *vc)
{
    struct npctx *c = vc;
    npool_destroy(c->p);
    free(c);
}

static void np_lock_figures(void *vc, uint64_t v[3])
{
    struct npctx *c = vc;
    npool_stats_t *st = malloc(sizeof *st);
    v[0] = v[1] = v[2] = 0;
    if (st != NULL && npool_stats(c->p, st) == 0)
        for (size_t k = 0; k < st->nnodes; k++) {
            v[0] += st->nodes[k].lock_acquisitions;
            v[1] += st->nodes[k].lock_timed;
            v[2] += st->nodes[k].lock_hold_ns;
        }
    free(st);
}

#define NP_GET(c) npool_get((c)->p)
#define NP_PUT(c, b) ((void)npool_put((c)->p, (b)))
#define NP_GETB(c, v, n) npool_get_bulk((c)->p, (v), (n))
#define NP_PUTB(c, v, n) ((void)npool_put_bulk((c)->p, (v), (n)))
BENCH_DEFINE_LOOPS(np, struct npctx, NP_GET, NP_PUT, NP_GETB, NP_PUTB)

/* ---- create ---- */

static double bare_create_ms(size_t bytes, int node, char *why, size_t whylen)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT);
    uint64_t t0 = bench_now_ns();
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED) {
        snprintf(why, whylen, "bare mmap(MAP_HUGETLB) of %zu bytes: %s", bytes, strerror(errno));
        return -1;
    }
    long rc = bench_mbind_node(p, bytes, node);
    if (rc == 0 && madvise(p, bytes, MADV_POPULATE_WRITE) != 0)
        rc = -errno;
    uint64_t t1 = bench_now_ns();
    munmap(p, bytes);
    if (rc != 0) {
        snprintf(why, whylen, "bare mbind/populate on node %d: %s", node, strerror((int)-rc));
        return -1;
    }
    return (double)(t1 - t0) / 1e6;
}

static double pool_create_ms(size_t bytes, char *why, size_t whylen)
{
    npool_config_t cfg = {.block_size = 4096, .block_count = bytes / 4096, .pages = NPOOL_PAGES_2M,
                          .flags = NPOOL_STRICT_PAGES, .name = "bench-create"};
    npool_t *p;
    uint64_t t0 = bench_now_ns();
    int rc = npool_create(&cfg, &p);
    uint64_t t1 = bench_now_ns();
    if (rc != 0) {
        snprintf(why, whylen, "npool_create 2M strict: %s: %s", npool_strerror(rc), npool_last_error());
        return -1;
    }
    npool_destroy(p);
    return (double)(t1 - t0) / 1e6;
}

static void run_create(const struct bench_opts *o)
{
    const size_t bytes = (size_t)1 << 30;
    char why[512] = "";
    int node = bench_local_node();
    bench_emit("P %s: create, 1 GiB on 2 MiB pages, node %d", BENCH_NP_NAME, node);
    /* one untimed pair: warms the code and says whether the pages are there */
    if (bare_create_ms(bytes, node, why, sizeof why) < 0 || pool_create_ms(bytes, why, sizeof why) < 0) {
        bench_emit("S numapool create 4096 skipped: %s", why);
        return;
    }
    int reps = o->reps < 3 ? 3 : o->reps;
    for (int rep = 0; rep < reps; rep++) {
        double bare, pool;
        if (rep % 2 == 0) {
            bare = bare_create_ms(bytes, node, why, sizeof why);
            pool = pool_create_ms(bytes, why, sizeof why);
        } else {
            pool = pool_create_ms(bytes, why, sizeof why);
            bare = bare_create_ms(bytes, node, why, sizeof why);
        }
        if (bare < 0 || pool < 0) {
            bench_emit("S numapool create 4096 failed at repetition %d: %s", rep, why);
            return;
        }
        bench_emit("M bare-mmap create 4096 1 %d %.4f", rep, bare);
        bench_emit("M numapool create 4096 1 %d %.4f", rep, pool);
    }
}

/* ---- coalesce ---- */

static void run_coalesce(const struct bench_opts *o)
{
    const size_t n = (size_t)1 << 20, refill = 4096;
    npool_config_t cfg = {.block_size = 64, .block_count = n, .name = "bench-coalesce"};
    npool_t *p;
    bench_emit("P %s: coalesce, 1 M blocks", BENCH_NP_NAME);
    int rc = npool_create(&cfg, &p);
    if (rc != 0) {
        bench_emit("S numapool coalesce 64 npool_create: %s: %s", npool_strerror(rc), npool_last_error());
        return;
    }
    void **held = bench_map(n * sizeof *held);
    uint32_t *perm = bench_map(n * sizeof *perm);
    if (held == NULL || perm == NULL)
        bench_die("cannot map the coalesce arrays");
    size_t got = 0;
    for (; got < n; got++)
        if ((held[got] = npool_get(p)) == NULL)
            break;
    if (got < n / 2) {
        bench_emit("S numapool coalesce 64 only %zu of %zu blocks could be taken", got, n);
        goto out;
    }
    /* a random half goes back, last of all into the caller's cache */
    bench_shuffle_u32(perm, got, 0x51ed270b27f3c4adull);
    for (size_t i = 0; i < got / 2; i++)
        (void)npool_put(p, held[perm[i]]);
    int reps = o->reps * 4;
    for (int rep = 0; rep < reps; rep++) {
        if (rep > 0) { /* fill the cache again: take some, give them back */
            void *tmp[4096];
            size_t k = 0;
            for (; k < refill; k++)
                if ((tmp[k] = npool_get(p)) == NULL)
                    break;
            for (size_t i = k; i-- > 0;)
                (void)npool_put(p, tmp[i]);
        }
        npool_stats_t *st = malloc(sizeof *st);
        if (rep == 0 && st != NULL && npool_stats(p, st) == 0)
            bench_emit("X coalesce-before %zu held, %zu in the free set, %zu cached, fragmentation %.1f%%",
                       st->blocks_held, st->blocks_free_set, st->blocks_cached, st->fragmentation);
        free(st);
        uint64_t t0 = bench_now_ns();
        rc = npool_coalesce(p);
        uint64_t t1 = bench_now_ns();
        if (rc != 0) {
            bench_emit("S numapool coalesce 64 npool_coalesce: %s", npool_strerror(rc));
            goto out;
        }
        bench_emit("M numapool coalesce 64 1 %d %.1f", rep, (double)(t1 - t0));
    }
out:
    npool_destroy(p);
    bench_unmap(held, n * sizeof *held);
    bench_unmap(perm, n * sizeof *perm);
}

/* ---- TLB-bound gather ---- */

/* The chase visits the blocks in a random cycle, one random word of each. */
static void **build_chain(void **blocks, size_t n, const uint32_t *order, const uint16_t *word)
{
    for (size_t j = 0; j < n; j++) {
        size_t a = order[j], b = order[(j + 1) % n];
        void **slot = (void **)blocks[a] + word[a];
        *slot = (void **)blocks[b] + word[b];
    }
    return (void **)blocks[order[0]] + word[order[0]];
}

static double chase_ns(void **start, size_t steps)
{
    void **q = start;
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < steps; i++)
        q = *q;
    uint64_t t1 = bench_now_ns();
    bench_escape(q);
    return (double)(t1 - t0) / (double)steps;
}

static double gather_ns(void **blocks, const uint32_t *pick, const uint16_t *word, size_t steps)
{
    uintptr_t sum = 0;
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < steps; i++) {
        uint32_t b = pick[i];
        sum += (uintptr_t)((void **)blocks[b])[word[b]];
    }
    uint64_t t1 = bench_now_ns();
    bench_escape(sum);
    return (double)(t1 - t0) / (double)steps;
}

static long anon_huge_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static void run_tlb(const struct bench_opts *o)
{
    const size_t bs = 4096, n = o->tlb_bytes / bs;
    const size_t steps = (size_t)(8e6 * o->scale) + 1;
    char thp[32];
    bench_thp_mode(thp, sizeof thp);
    bench_emit("X thp %s", thp);
    bench_emit("P %s: tlb, %zu MiB of 4 KiB blocks", BENCH_NP_NAME, o->tlb_bytes >> 20);
    if (n < 2) {
        bench_emit("S numapool tlb 4096 --tlb-size too small");
        return;
    }
    npool_config_t cfg = {.block_size = bs, .block_count = n, .pages = NPOOL_PAGES_2M,
                          .flags = NPOOL_STRICT_PAGES, .name = "bench-tlb"};
    npool_t *p;
    int rc = npool_create(&cfg, &p);
    if (rc != 0) {
        bench_emit("S numapool tlb 4096 skipped: npool_create 2M strict: %s: %s", npool_strerror(rc),
                   npool_last_error());
        return;
    }
    void **pb = bench_map(n * sizeof *pb), **mb = bench_map(n * sizeof *mb);
    uint32_t *order = bench_map(n * sizeof *order), *pick = bench_map(steps * sizeof *pick);
    uint16_t *word = bench_map(n * sizeof *word);
    if (!pb || !mb || !order || !pick || !word)
        bench_die("cannot map the TLB arrays");
    for (size_t i = 0; i < n; i++)
        if ((pb[i] = npool_get(p)) == NULL)
            bench_die("tlb: pool empty after %zu of %zu blocks", i, n);

    /* the baseline: base pages only */
    if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
        bench_emit("X tlb-baseline PR_SET_THP_DISABLE failed: %s", strerror(errno));
    for (size_t i = 0; i < n; i++)
        if ((mb[i] = malloc(bs)) == NULL)
            bench_die("tlb: malloc failed after %zu blocks", i);
    {   /* MADV_NOHUGEPAGE over the runs of pages the blocks cover */
        long pg = sysconf(_SC_PAGESIZE);
        uintptr_t lo = 0, hi = 0;
        for (size_t i = 0; i <= n; i++) {
            uintptr_t a = 0, b = 0;
            if (i < n) {
                a = (uintptr_t)mb[i] & ~(uintptr_t)(pg - 1);
                b = ((uintptr_t)mb[i] + bs + (uintptr_t)pg - 1) & ~(uintptr_t)(pg - 1);
            }
            if (i < n && hi != 0 && a <= hi && b >= lo) {
                lo = a < lo ? a : lo;
                hi = b > hi ? b : hi;
                continue;
            }
            if (hi != 0)
                (void)madvise((void *)lo, hi - lo, MADV_NOHUGEPAGE);
            lo = a, hi = b;
        }
    }
    for (size_t i = 0; i < n; i++)
        memset(mb[i], 1, bs);
    bench_emit("X tlb-baseline AnonHugePages %ld kB after the malloc'ed blocks were touched", anon_huge_kb());

    uint64_t seed = 0x2545f4914f6cdd1dull;
    bench_shuffle_u32(order, n, 0x7f4a7c159e3779b9ull);
    for (size_t i = 0; i < n; i++)
        word[i] = (uint16_t)(bench_rand(&seed) % (bs / sizeof(void *)));
    for (size_t i = 0; i < steps; i++)
        pick[i] = (uint32_t)(bench_rand(&seed) % n);
    void **pstart = build_chain(pb, n, order, word), **mstart = build_chain(mb, n, order, word);
    size_t dsteps = steps / 4 + 1;
    chase_ns(pstart, dsteps / 4 + 1);
    chase_ns(mstart, dsteps / 4 + 1);
    for (int rep = 0; rep < o->reps; rep++) {
        bench_emit("P %s: tlb, rep %d/%d", BENCH_NP_NAME, rep + 1, o->reps);
        double a, b;
        if (rep % 2 == 0) {
            a = chase_ns(pstart, dsteps), b = chase_ns(mstart, dsteps);
        } else {
            b = chase_ns(mstart, dsteps), a = chase_ns(pstart, dsteps);
        }
        bench_emit("M hugepool tlb-dep 4096 1 %d %.4f", rep, a);
        bench_emit("M malloc-nothp tlb-dep 4096 1 %d %.4f", rep, b);
        if (rep % 2 == 0) {
            a = gather_ns(pb, pick, word, steps), b = gather_ns(mb, pick, word, steps);
        } else {
            b = gather_ns(mb, pick, word, steps), a = gather_ns(pb, pick, word, steps);
        }
        bench_emit("M hugepool tlb-ind 4096 1 %d %.4f", rep, a);
        bench_emit("M malloc-nothp tlb-ind 4096 1 %d %.4f", rep, b);
    }
    for (size_t i = 0; i < n; i++)
        free(mb[i]);
    npool_destroy(p);
    bench_unmap(pb, n * sizeof *pb);
    bench_unmap(mb, n * sizeof *mb);
    bench_unmap(order, n * sizeof *order);
    bench_unmap(pick, steps * sizeof *pick);
    bench_unmap(word, n * sizeof *word);
}

int main(int argc, char **argv)
{
    struct bench_opts o;
    if (argc < 3 || strcmp(argv[1], "--worker") != 0 || bench_worker_opts(argc - 3, argv + 3, &o) != 0) {
        fprintf(stderr, "%s: a worker of numapool-bench; run numapool-bench instead\n", argv[0]);
        return 2;
    }
    struct bench_contender c = {
        .name = argv[2],
        .setup = np_setup,
        .teardown = np_teardown,
        .pingpong = np_pingpong,
        .batch = np_batch,
        .bulk = np_bulk,
        .tget = np_tget,
        .tput = np_tput,
        .lock_figures = np_lock_figures,
    };
    int rc = bench_worker_run(&c, &o);
    if (o.scen & BENCH_S_CREATE)
        run_create(&o);
    if (o.scen & BENCH_S_COALESCE)
        run_coalesce(&o);
    if (o.scen & BENCH_S_TLB)
        run_tlb(&o);
    return rc;
}
