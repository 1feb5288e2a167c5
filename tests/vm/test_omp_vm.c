/* tests/vm/test_omp_vm.c - numapool from OpenMP threads on a pool over every
 * node, in the NUMA guest (run with OMP_PROC_BIND=close OMP_PLACES=cores):
 * inside parallel regions each thread gets blocks, writes them, and puts
 * them back, and every block it got must lie on the node of the CPU the
 * thread runs on (move_pages, checked independently of the library).  A
 * parallel loop that allocates per iteration and frees at the end (the
 * shape of a time step) runs several steps; the stats must add up.
 * Prints "ok"/"FAIL" lines and "N passed, N failed"; exit 1 on failure. */
#include "numapool.h"

#include <numa.h>
#include <numaif.h>
#include <omp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int npass, nfail;

static void check(int ok, const char *what)
{
#pragma omp critical(report)
    {
        if (ok)
            npass++;
        else
            nfail++;
        printf("%s - %s\n", ok ? "ok" : "FAIL", what);
    }
}

static int page_node(const void *p)
{
    void *pages[1] = {(void *)((uintptr_t)p & ~(uintptr_t)4095)};
    int status[1] = {-1};
    return move_pages(0, 1, pages, NULL, status, 0) == 0 ? status[0] : -1;
}

#define PER 512
#define CELLS 4096
#define STEPS 4

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (numa_available() < 0) {
        printf("no NUMA\n0 passed, 1 failed\n");
        return 1;
    }
    npool_config_t c = {.block_size = 256, .block_count = 1 << 15, .nodes = "all", .pages = NPOOL_PAGES_2M,
                        .flags = NPOOL_STRICT_PAGES, .name = "omp"};
    npool_t *p;
    int rc = npool_create(&c, &p);
    if (rc) {
        printf("FAIL - create: %s\n0 passed, 1 failed\n", npool_last_error());
        return 1;
    }
    int nthreads = 0, nnodes = numa_num_configured_nodes();
    long misplaced = 0, moved = 0, failed = 0;
#pragma omp parallel reduction(+ : misplaced, moved, failed)
    {
#pragma omp single
        nthreads = omp_get_num_threads();
        void *b[PER];
        for (int round = 0; round < 8; round++) {
            int cpu = sched_getcpu(), node = numa_node_of_cpu(cpu);
            for (int i = 0; i < PER; i++) {
                b[i] = npool_get(p);
                if (!b[i]) {
                    failed++;
                    continue;
                }
                memset(b[i], omp_get_thread_num(), 256);
                if (page_node(b[i]) != node)
                    misplaced++;
                moved++;
            }
            for (int i = PER - 1; i >= 0; i--)
                if (b[i] && npool_put(p, b[i]) != 0)
                    failed++;
        }
    }
    char what[200];
    snprintf(what, sizeof what, "%d threads on %d nodes: %ld blocks got and put, %ld off the thread's node, "
             "%ld failures", nthreads, nnodes, moved, misplaced, failed);
    check(nthreads == nnodes && moved == (long)nthreads * 8 * PER && misplaced == 0 && failed == 0, what);

    /* time steps: a block per cell, got in a parallel loop, freed at the end */
    void **cell = calloc(CELLS, sizeof *cell);
    long wrong = 0, none = 0;
    for (int step = 0; step < STEPS; step++) {
#pragma omp parallel for schedule(static) reduction(+ : wrong, none)
        for (int i = 0; i < CELLS; i++) {
            cell[i] = npool_get(p);
            if (!cell[i]) {
                none++;
                continue;
            }
            ((double *)cell[i])[0] = i;
            if (page_node(cell[i]) != numa_node_of_cpu(sched_getcpu()))
                wrong++;
        }
#pragma omp parallel for schedule(static) reduction(+ : wrong)
        for (int i = 0; i < CELLS; i++)
            if (cell[i] && (((double *)cell[i])[0] != i || npool_put(p, cell[i]) != 0))
                wrong++;
    }
    snprintf(what, sizeof what, "%d time steps of %d cells: %ld blocks off their thread's node or wrong, %ld gets "
             "failed", STEPS, CELLS, wrong, none);
    check(wrong == 0 && none == 0, what);
    npool_stats_t *st = calloc(1, sizeof *st);
    uint64_t gets = 0, puts = 0;
    int per_node = 1;
    if (st && npool_stats(p, st) == 0)
        for (size_t k = 0; k < st->nnodes; k++) {
            gets += st->nodes[k].gets;
            puts += st->nodes[k].puts;
            per_node &= st->nodes[k].gets > 0;     /* every node's threads were served by their own node */
        }
    snprintf(what, sizeof what, "stats: %llu gets, %llu puts, every node served some, %zu held",
             (unsigned long long)gets, (unsigned long long)puts, st ? st->blocks_held : 0);
    check(gets == puts && gets == (uint64_t)(nthreads * 8 * PER + STEPS * CELLS) && per_node && st &&
              st->blocks_held == 0,
          what);
    check(npool_check(p) == 0, "npool_check");
    free(st);
    free(cell);
    npool_destroy(p);
    printf("test_omp_vm (%d nodes): %d passed, %d failed\n", nnodes, npass, nfail);
    return nfail ? 1 : 0;
}
