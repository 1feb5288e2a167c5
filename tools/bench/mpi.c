/* numapool-bench-mpi: numapool inside every rank of an MPI job, all ranks
 * measuring at the same time, as a simulation's ranks would allocate.
 *
 * A separate program, so that the main bench (one child process per
 * allocator, forked by its driver) never links MPI.  It reuses the bench's
 * loops (loops.h), harness helpers and the out-of-line LIFO reference: each
 * rank measures numapool, linked statically, and the LIFO in the same
 * process, in the scenarios pingpong, batch (4096 out, back shuffled) and
 * bulk32, at one block size (64 B by default).  Every timed loop starts
 * after an MPI_Barrier, so the ranks of a node run it at once; the order of
 * numapool and the LIFO rotates with the repetition.
 *
 * Ranks are not pinned here: mpirun binds them (--bind-to core), and each
 * rank's pool is created with nodes "local", so it lands on the node of the
 * rank's cores.  Each rank reports its host, its CPUs, the node of those
 * CPUs, and the node and pages its pool really got.
 *
 * Rank 0 gathers every rank's medians and prints, per scenario, the min,
 * median and max across ranks of numapool's ns per operation, the LIFO's
 * median, and numapool / LIFO (median over ranks of each rank's median
 * ratio).  --json FILE writes the same.  Exit status 1 when a rank bound
 * to the CPUs of one node has its pool on another, or a figure is not a
 * positive number. */
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "loops.h"
#include "numapool.h"

enum { NSCEN = 3, MAXREPS = 101 };
static const unsigned scen_bits[NSCEN] = {BENCH_S_PINGPONG, BENCH_S_BATCH, BENCH_S_BULK};
static const char *const scen_desc[NSCEN] = {
    "get+put pair (ping-pong), ns per pair",
    "4096 out and back shuffled, ns per block",
    "bulk of 32, ns per block",
};

/* ---- numapool as a contender (as in w_numapool.c, without its extra scenarios) ---- */

struct npctx {
    npool_t *p;
    int node;
    enum npool_pages backing;
    size_t page_size;
};

static void *np_setup(size_t size, size_t nblocks, char *why, size_t whylen)
{
    struct npctx *c = calloc(1, sizeof *c);
    npool_stats_t *st = malloc(sizeof *st);
    if (c == NULL || st == NULL) {
        snprintf(why, whylen, "out of memory");
        goto fail;
    }
    /* twice what a scenario holds: the per-thread cache may keep some */
    npool_config_t cfg = {.block_size = size, .block_count = 2 * nblocks, .nodes = "local", .name = "bench-mpi"};
    int rc = npool_create(&cfg, &c->p);
    if (rc != 0) {
        snprintf(why, whylen, "npool_create: %s: %s", npool_strerror(rc), npool_last_error());
        goto fail;
    }
    if ((rc = npool_stats(c->p, st)) != 0 || st->nnodes != 1) {
        snprintf(why, whylen, "npool_stats: %s, %zu nodes", npool_strerror(rc), st->nnodes);
        npool_destroy(c->p);
        goto fail;
    }
    c->node = st->nodes[0].node;
    c->backing = st->nodes[0].backing;
    c->page_size = st->nodes[0].page_size;
    free(st);
    return c;
fail:
    free(st);
    free(c);
    return NULL;
}

static void np_teardown(void *vc)
{
    struct npctx *c = vc;
    npool_destroy(c->p);
    free(c);
}

#define NP_GET(c) npool_get((c)->p)
#define NP_PUT(c, b) ((void)npool_put((c)->p, (b)))
#define NP_GETB(c, v, n) npool_get_bulk((c)->p, (v), (n))
#define NP_PUTB(c, v, n) ((void)npool_put_bulk((c)->p, (v), (n)))
BENCH_DEFINE_LOOPS(np, struct npctx, NP_GET, NP_PUT, NP_GETB, NP_PUTB)

static const struct bench_contender np_contender = {
    .name = "numapool", .setup = np_setup, .teardown = np_teardown,
    .pingpong = np_pingpong, .batch = np_batch, .bulk = np_bulk,
};

/* ---- what each rank sends to rank 0 ---- */

struct rank_report {
    char host[64];
    char cpus[64];       /* the CPUs the rank may run on, as a list */
    int ncpus;
    int cpu_node;        /* node of those CPUs; -1 when they span several */
    int pool_node;       /* where numapool put the pool ("local") */
    char pages[16];
    double page_size;
    double np_ns[NSCEN];     /* medians over the repetitions */
    double lifo_ns[NSCEN];
    double ratio[NSCEN];     /* median of the per-repetition numapool / LIFO */
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The rank's allowed CPUs as "0-3,8", and the node they share (-1: several). */
static void describe_cpus(struct rank_report *r)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    r->cpus[0] = 0;
    r->ncpus = 0;
    r->cpu_node = -1;
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        snprintf(r->cpus, sizeof r->cpus, "?");
        return;
    }
    size_t len = 0;
    int node = -2;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        int e = c;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set))
            e++;
        if (len < sizeof r->cpus) {
            int w = e > c ? snprintf(r->cpus + len, sizeof r->cpus - len, "%s%d-%d", len ? "," : "", c, e)
                          : snprintf(r->cpus + len, sizeof r->cpus - len, "%s%d", len ? "," : "", c);
            len += (size_t)(w > 0 ? w : 0);
        }
        for (int k = c; k <= e; k++) {
            int nk = bench_node_of_cpu(k);
            node = node == -2 ? nk : node == nk ? node : -1;
        }
        r->ncpus += e - c + 1;
        c = e;
    }
    r->cpu_node = node < 0 ? -1 : node;
}

static double time_loop(const struct bench_contender *c, void *ctx, int s, struct bench_batch *bb, size_t count)
{
    uint64_t t0 = bench_now_ns();
    if (s == 0)
        c->pingpong(ctx, count);
    else if (s == 1)
        c->batch(ctx, bb, count), count *= bb->n;
    else
        c->bulk(ctx, bb, count), count *= bb->n;
    return (double)(bench_now_ns() - t0) / (double)count;
}

static void usage(const char *argv0)
{
    fprintf(stderr,
            "usage: mpirun [--map-by numa --bind-to core] -np N %s [--quick] [--reps N] [--size B]\n"
            "       [--scenarios pingpong,batch,bulk32] [--json FILE]\n",
            argv0);
}

static void print_json(const char *path, const struct rank_report *all, int n, size_t size, int reps,
                       unsigned scen, double stat[NSCEN][5])
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "numapool-bench-mpi: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    fprintf(f, "{\n  \"ranks\": %d, \"size\": %zu, \"reps\": %d,\n  \"rank\": [\n", n, size, reps);
    for (int r = 0; r < n; r++) {
        const struct rank_report *p = &all[r];
        fprintf(f,
                "    {\"rank\": %d, \"host\": \"%s\", \"cpus\": \"%s\", \"cpu_node\": %d, \"pool_node\": %d, "
                "\"pages\": \"%s\", \"page_size\": %.0f",
                r, p->host, p->cpus, p->cpu_node, p->pool_node, p->pages, p->page_size);
        for (int s = 0; s < NSCEN; s++)
            if (scen & scen_bits[s])
                fprintf(f, ", \"%s\": {\"numapool_ns\": %.4f, \"lifo_ns\": %.4f, \"per_lifo\": %.4f}",
                        bench_scenario_name(scen_bits[s]), p->np_ns[s], p->lifo_ns[s], p->ratio[s]);
        fprintf(f, "}%s\n", r + 1 < n ? "," : "");
    }
    fprintf(f, "  ],\n  \"scenarios\": [\n");
    int first = 1;
    for (int s = 0; s < NSCEN; s++) {
        if (!(scen & scen_bits[s]))
            continue;
        fprintf(f,
                "%s    {\"scenario\": \"%s\", \"numapool_ns_min\": %.4f, \"numapool_ns_median\": %.4f, "
                "\"numapool_ns_max\": %.4f, \"lifo_ns_median\": %.4f, \"per_lifo_median\": %.4f}",
                first ? "" : ",\n", bench_scenario_name(scen_bits[s]), stat[s][0], stat[s][1], stat[s][2],
                stat[s][3], stat[s][4]);
        first = 0;
    }
    fprintf(f, "\n  ]\n}\n");
    fclose(f);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int me, n;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &n);

    size_t size = 64;
    int reps = 5;
    double scale = 1.0;
    unsigned scen = BENCH_S_PINGPONG | BENCH_S_BATCH | BENCH_S_BULK;
    const char *json = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char bad[64] = "";
        size_t sz[8];
        if (strcmp(a, "--quick") == 0) {
            reps = 3, scale = 0.05;
        } else if (v && strcmp(a, "--reps") == 0) {
            reps = atoi(v), i++;
        } else if (v && strcmp(a, "--size") == 0 && bench_parse_sizes(v, sz, 1) == 1) {
            size = sz[0], i++;
        } else if (v && strcmp(a, "--scenarios") == 0) {
            scen = bench_parse_scenarios(v, bad, sizeof bad), i++;
            if (scen == 0 || (scen & ~(BENCH_S_PINGPONG | BENCH_S_BATCH | BENCH_S_BULK))) {
                if (me == 0)
                    fprintf(stderr, "numapool-bench-mpi: scenarios are pingpong, batch and bulk32, not %s\n", v);
                MPI_Finalize();
                return 2;
            }
        } else if (v && strcmp(a, "--json") == 0) {
            json = v, i++;
        } else {
            if (me == 0)
                usage(argv[0]);
            MPI_Finalize();
            return 2;
        }
    }
    if (reps < 1 || reps > MAXREPS) {
        if (me == 0)
            fprintf(stderr, "numapool-bench-mpi: --reps %d: from 1 to %d\n", reps, MAXREPS);
        MPI_Finalize();
        return 2;
    }

    struct rank_report rep;
    memset(&rep, 0, sizeof rep);
    int hl;
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Get_processor_name(host, &hl);
    snprintf(rep.host, sizeof rep.host, "%s", host);
    describe_cpus(&rep);

    const struct bench_contender *impl[2] = {&np_contender, &bench_ref_lifo};
    void *ctx[2];
    for (int k = 0; k < 2; k++) {
        char why[256] = "";
        if ((ctx[k] = impl[k]->setup(size, BENCH_TPER, why, sizeof why)) == NULL) {
            fprintf(stderr, "numapool-bench-mpi: rank %d: %s: %s\n", me, impl[k]->name, why);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    const struct npctx *npc = ctx[0];
    rep.pool_node = npc->node;
    snprintf(rep.pages, sizeof rep.pages, "%s", npool_pages_name(npc->backing));
    rep.page_size = (double)npc->page_size;

    uint32_t *perm = bench_map(BENCH_BATCH * sizeof *perm);
    void **slots = bench_map(BENCH_BATCH * sizeof *slots), **shuf = bench_map(BENCH_BATCH * sizeof *shuf);
    if (perm == NULL || slots == NULL || shuf == NULL)
        bench_die("cannot map the batch arrays");
    bench_shuffle_u32(perm, BENCH_BATCH, 0x9e3779b97f4a7c15ull); /* the main bench's permutation */
    struct bench_batch bb = {.n = BENCH_BATCH, .slots = slots, .shuf = shuf, .perm = perm};

    /* the same counts in every rank, so that the ranks' loops overlap */
    size_t count[NSCEN] = {(size_t)(4e6 * scale) + 1, (size_t)(256 * scale) + 1, (size_t)(256 * scale) + 1};
    for (int s = 0; s < NSCEN; s++) /* warm-up */
        if (scen & scen_bits[s])
            for (int k = 0; k < 2; k++)
                time_loop(impl[k], ctx[k], s, &bb, count[s] / 8 + 1);

    double ns[NSCEN][2][MAXREPS], ratio[NSCEN][MAXREPS];
    for (int r = 0; r < reps; r++)
        for (int s = 0; s < NSCEN; s++) {
            if (!(scen & scen_bits[s]))
                continue;
            for (int kk = 0; kk < 2; kk++) {
                int k = (kk + r) % 2;
                MPI_Barrier(MPI_COMM_WORLD);
                ns[s][k][r] = time_loop(impl[k], ctx[k], s, &bb, count[s]);
            }
            ratio[s][r] = ns[s][0][r] / ns[s][1][r];
        }
    for (int s = 0; s < NSCEN; s++)
        if (scen & scen_bits[s]) {
            rep.np_ns[s] = median(ns[s][0], reps);
            rep.lifo_ns[s] = median(ns[s][1], reps);
            rep.ratio[s] = median(ratio[s], reps);
        }
    for (int k = 0; k < 2; k++)
        impl[k]->teardown(ctx[k]);

    struct rank_report *all = me == 0 ? calloc((size_t)n, sizeof *all) : NULL;
    if (me == 0 && all == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Gather(&rep, sizeof rep, MPI_BYTE, all, sizeof rep, MPI_BYTE, 0, MPI_COMM_WORLD);

    int failed = 0;
    if (me == 0) {
        printf("numapool-bench-mpi: %d ranks, %zu B blocks, %d repetitions, numapool linked statically\n\n", n, size,
               reps);
        printf("| rank | host | CPUs | node of the CPUs | pool's node | pages |\n| --- | --- | --- | --- | --- | --- |\n");
        int misplaced = 0;
        for (int r = 0; r < n; r++) {
            const struct rank_report *p = &all[r];
            char cn[16];
            snprintf(cn, sizeof cn, "%d", p->cpu_node);
            printf("| %d | %s | %s | %s | %d | %s |\n", r, p->host, p->cpus, p->cpu_node < 0 ? "several" : cn,
                   p->pool_node, p->pages);
            misplaced += p->cpu_node >= 0 && p->cpu_node != p->pool_node;
        }
        if (misplaced)
            printf("\nERROR: %d rank(s) have their pool on another node than their CPUs\n", misplaced);
        failed += misplaced;
        printf("\nAcross ranks: numapool's ns per operation (each rank's median), the LIFO's median, and\n"
               "numapool / LIFO (median over ranks of each rank's median ratio)\n\n");
        printf("| scenario | min | median | max | LIFO | numapool / LIFO |\n| --- | --- | --- | --- | --- | --- |\n");
        double stat[NSCEN][5] = {{0}};
        double *v = malloc((size_t)n * sizeof *v);
        if (v == NULL)
            MPI_Abort(MPI_COMM_WORLD, 1);
        for (int s = 0; s < NSCEN; s++) {
            if (!(scen & scen_bits[s]))
                continue;
            for (int r = 0; r < n; r++)
                v[r] = all[r].np_ns[s];
            stat[s][1] = median(v, n); /* sorts: min and max follow */
            stat[s][0] = v[0], stat[s][2] = v[n - 1];
            for (int r = 0; r < n; r++)
                v[r] = all[r].lifo_ns[s];
            stat[s][3] = median(v, n);
            for (int r = 0; r < n; r++)
                v[r] = all[r].ratio[s];
            stat[s][4] = median(v, n);
            printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", scen_desc[s], stat[s][0], stat[s][1], stat[s][2],
                   stat[s][3], stat[s][4]);
            if (!(stat[s][0] > 0 && isfinite(stat[s][2]) && stat[s][3] > 0 && isfinite(stat[s][3]))) {
                printf("ERROR: %s: a figure is not a positive number\n", bench_scenario_name(scen_bits[s]));
                failed++;
            }
        }
        free(v);
        if (json != NULL)
            print_json(json, all, n, size, reps, scen, stat);
        free(all);
    }
    bench_unmap(perm, BENCH_BATCH * sizeof *perm);
    bench_unmap(slots, BENCH_BATCH * sizeof *slots);
    bench_unmap(shuf, BENCH_BATCH * sizeof *shuf);
    MPI_Finalize();
    return failed ? 1 : 0;
}
