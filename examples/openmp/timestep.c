/* examples/openmp/timestep.c - one pool over every node, used from an
 * OpenMP code: each time step, a parallel loop takes a block per cell, works
 * in it and gives it back; each thread gets blocks of its own node (the
 * caller's node, from the CPU it runs on), through the inline path.
 *
 *   OMP_PLACES=cores OMP_PROC_BIND=close ./timestep [cells] [steps]
 *
 * Prints the time per step and, per node, how many gets it served. */
#include <numapool.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int cells = argc > 1 ? atoi(argv[1]) : 1 << 16, steps = argc > 2 ? atoi(argv[2]) : 20;
    /* a pool every thread shares holds 1/8 more than its threads hold at
     * once: their current magazines may keep up to that much of a node */
    npool_config_t cfg = {.block_size = 64 * sizeof(double), .block_count = (size_t)cells + (size_t)cells / 8,
                          .nodes = "all", .name = "timestep"};
    npool_t *pool;
    if (cells < 1 || steps < 1 || npool_create(&cfg, &pool) != 0) {
        fprintf(stderr, "timestep: %s\n", cells < 1 || steps < 1 ? "usage: timestep [cells] [steps]"
                                                                  : npool_last_error());
        return 1;
    }
    double **cell = calloc((size_t)cells, sizeof *cell), sum = 0, t0 = omp_get_wtime();
    long failed = 0;
    for (int s = 0; s < steps; s++) {
#pragma omp parallel for schedule(static) reduction(+ : failed)
        for (int i = 0; i < cells; i++) {
            double *b = npool_get(pool);          /* a block of this thread's node */
            if (!b) {
                failed++;
                continue;
            }
            for (int k = 0; k < 64; k++)
                b[k] = i + k;
            cell[i] = b;
        }
#pragma omp parallel for schedule(static) reduction(+ : sum)
        for (int i = 0; i < cells; i++)
            if (cell[i]) {
                sum += cell[i][63];
                npool_put(pool, cell[i]);
                cell[i] = NULL;
            }
    }
    double dt = (omp_get_wtime() - t0) / steps;
    npool_stats_t *st = calloc(1, sizeof *st);
    npool_stats(pool, st);
    printf("%d threads, %d cells, %d steps: %.1f us per step (%.1f ns per cell), %ld gets failed, checksum %.0f\n",
           omp_get_max_threads(), cells, steps, dt * 1e6, dt * 1e9 / cells, failed, sum);
    for (size_t k = 0; k < st->nnodes; k++)
        printf("  node %d: %llu gets served, %zu blocks held now, %s pages\n", st->nodes[k].node,
               (unsigned long long)st->nodes[k].gets, st->nodes[k].blocks_held,
               npool_pages_name(st->nodes[k].backing));
    free(st);
    free(cell);
    npool_destroy(pool);
    return failed != 0;
}
