/* numapool-demo: the main job.  Runs the seed's MemoryPool example, then a
 * short simulation-style loop (particles in cells: every step each cell gets
 * a scratch block, fills it, reduces it, gives it back; cells die and are
 * born), then prints the pool's state and where its arena landed on what
 * pages.  Options: --cells N --steps N --block BYTES --nodes STR --pages P. */
#include "numapool.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int die(const char *what, int rc)
{
    fprintf(stderr, "numapool-demo: %s: %s\n  %s\n", what, npool_strerror(rc), npool_last_error());
    return 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int show_arena(void *base, size_t len, int node, size_t page_size, void *arg)
{
    (void)arg;
    printf("  arena %p: %zu bytes on node %d, kernel page size %zu\n", base, len, node, page_size);
    return 0;
}

static void report(npool_t *pool)
{
    char text[2048];
    npool_describe(pool, text, sizeof text);
    printf("%s\n", text);
    npool_stats_t s;
    npool_stats(pool, &s);
    for (size_t k = 0; k < s.nnodes; k++) {
        const npool_node_stats_t *r = &s.nodes[k];
        printf("  node %d: %s pages (asked %s), page %zu B, %zu B mapped, THP %zu B, %zu pages verified on the "
               "node by move_pages, %zu B misplaced%s%s\n",
               r->node, npool_pages_name(r->backing), npool_pages_name(r->requested), r->page_size, r->bytes_mapped,
               r->thp_bytes, r->pages_verified, r->bytes_misplaced, r->fallback_reason[0] ? "; " : "",
               r->fallback_reason);
    }
    printf("  gets %llu, puts %llu, failed gets %llu, refused puts %llu, coalesces %llu (longest %.1f us), "
           "metadata %zu B\n",
           (unsigned long long)s.gets, (unsigned long long)s.puts, (unsigned long long)s.failed_gets,
           (unsigned long long)s.refused_puts, (unsigned long long)s.coalesces, (double)s.coalesce_ns_max / 1e3,
           s.metadata_bytes);
    npool_foreach_arena(pool, show_arena, NULL);
}

static int seed_example(void)
{
    printf("== the seed's example: MemoryPool(block_size=(100,), num_blocks=20)\n");
    npool_config_t cfg = {.block_size = 100 * sizeof(double), .block_count = 20, .name = "seed"};
    npool_t *pool;
    int rc = npool_create(&cfg, &pool);
    if (rc)
        return die("creating the seed pool", rc);
    double *block1 = npool_get(pool), *block2 = npool_get(pool);
    if (!block1 || !block2)
        return die("get_block", -errno);
    for (int i = 0; i < 100; i++)
        block1[i] = sin(i), block2[i] = cos(i);
    printf("block1 = index %zu, block2 = index %zu\n", npool_index(pool, block1), npool_index(pool, block2));
    printf("Efficiency: %.1f%%\n", npool_efficiency(pool));
    npool_put_index(pool, 0);
    npool_put_index(pool, 1);
    printf("after return_block(0), return_block(1): Efficiency: %.1f%%, Fragmentation: %.1f%%\n",
           npool_efficiency(pool), npool_fragmentation(pool));
    report(pool);
    npool_destroy(pool);
    return 0;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    size_t cells = 20000, steps = 200, block = 512;
    const char *nodes = NULL;
    enum npool_pages pages = NPOOL_PAGES_AUTO;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--cells") && i + 1 < argc)
            cells = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--steps") && i + 1 < argc)
            steps = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--block") && i + 1 < argc)
            block = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--nodes") && i + 1 < argc)
            nodes = argv[++i];
        else if (!strcmp(argv[i], "--pages") && i + 1 < argc) {
            const char *p = argv[++i];
            pages = !strcmp(p, "1G") ? NPOOL_PAGES_1G : !strcmp(p, "2M") ? NPOOL_PAGES_2M
                  : !strcmp(p, "thp") ? NPOOL_PAGES_THP : !strcmp(p, "base") ? NPOOL_PAGES_BASE : NPOOL_PAGES_AUTO;
        } else {
            fprintf(stderr, "usage: numapool-demo [--cells N] [--steps N] [--block BYTES] [--nodes STR] "
                            "[--pages auto|1G|2M|thp|base]\n");
            return 2;
        }
    }
    if (seed_example())
        return 1;

    printf("\n== a simulation-style loop: %zu cells, %zu steps, %zu-byte blocks\n", cells, steps, block);
    npool_config_t cfg = {.block_size = block, .block_count = cells * 2, .nodes = nodes, .pages = pages,
                          .name = "cells"};
    npool_t *pool;
    int rc = npool_create(&cfg, &pool);
    if (rc)
        return die("creating the cell pool", rc);
    double **state = calloc(cells, sizeof *state);
    size_t n = block / sizeof(double);
    for (size_t c = 0; c < cells; c++) {
        state[c] = npool_get(pool);
        if (!state[c])
            return die("get", -ENOMEM);
        for (size_t k = 0; k < n; k++)
            state[c][k] = (double)c;
    }
    double t0 = now(), sum = 0;
    for (size_t s = 0; s < steps; s++) {
        for (size_t c = 0; c < cells; c++) {
            double *scratch = npool_get(pool);           /* a temporary per cell per step */
            if (!scratch)
                return die("scratch get", -errno);
            double acc = 0;
            for (size_t k = 0; k < n; k++) {
                scratch[k] = state[c][k] * 0.5 + (double)k;
                acc += scratch[k];
            }
            sum += acc;
            if ((rc = npool_put(pool, scratch)) != 0)
                return die("scratch put", rc);
        }
        for (size_t d = 0; d < cells / 50; d++) {          /* 2% of cells die and are reborn elsewhere */
            size_t c = xorshift() % cells;
            npool_put(pool, state[c]);
            state[c] = npool_get(pool);
            for (size_t k = 0; k < n; k++)
                state[c][k] = (double)d;
        }
    }
    double dt = now() - t0;
    printf("%zu steps in %.3f s: %.1f ns per scratch get+fill+put of %zu B (checksum %.6g)\n", steps, dt,
           dt * 1e9 / (double)(steps * cells), block, sum);
    printf("before coalescing: efficiency %.1f%%, fragmentation %.1f%%\n", npool_efficiency(pool),
           npool_fragmentation(pool));
    npool_coalesce(pool);
    printf("after coalescing:  efficiency %.1f%%, fragmentation %.1f%%\n", npool_efficiency(pool),
           npool_fragmentation(pool));
    if ((rc = npool_check(pool)) != 0)
        return die("check", rc);
    report(pool);
    for (size_t c = 0; c < cells; c++)
        npool_put(pool, state[c]);
    free(state);
    npool_destroy(pool);
    return 0;
}
