/* examples/mpi/halo.c - a 2-D heat equation (explicit 5-point Jacobi steps)
 * on a grid split over a Cartesian grid of MPI ranks, each rank's subdomain
 * stored in numapool blocks, one block per row.
 *
 * The global grid has NY x NX interior points inside a fixed boundary ring.
 * A rank holds its ly x lx points plus one ghost row or column on each side,
 * twice (the step reads one copy and writes the other): two runs of ly + 2
 * adjacent blocks from npool_get_contig(), each block a row of lx + 2
 * doubles, so row r of a copy is `stride` bytes after row r - 1.  Ghosts are
 * exchanged with MPI_Irecv/MPI_Isend straight from and into the blocks: a
 * row is one block; a column is one double per block, which the derived
 * type MPI_Type_create_hvector(ly, 1, stride, MPI_DOUBLE) describes, so no
 * halo is ever copied into a staging buffer.
 *
 * Every rank also runs the same steps serially over the whole grid in
 * malloc'ed arrays, with the same update function, and compares its
 * subdomain with that reference bit for bit; exit status 0 only when every
 * rank matches.  The time per step (the slowest rank's, exchange share
 * beside it) is printed, never judged.
 *
 *   mpirun -np 2 halo [--n N | --nx NX --ny NY] [--steps S] [--dims PxQ]
 *
 * Defaults: a 512 x 512 grid, 100 steps, the ranks split as MPI_Dims_create
 * says (P ranks along the rows, Q along the columns). */
#include <errno.h>
#include <math.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numapool.h"

#define KAPPA 0.2 /* diffusion number: stable below 0.25 */

/* The one update both the pool version and the reference use. */
static inline double heat(double c, double n, double s, double w, double e)
{
    return c + KAPPA * ((n + s) + (w + e) - 4.0 * c);
}

/* Initial value of global point (gy, gx); 0 and ny + 1, 0 and nx + 1 are
 * the fixed boundary. */
static double initial(long gy, long gx, long ny, long nx)
{
    if (gy == 0)
        return 1.0;
    if (gy == ny + 1)
        return 0.0;
    if (gx == 0)
        return 0.5;
    if (gx == nx + 1)
        return 0.25;
    return (double)((gx * 7 + gy * 13) % 17) / 17.0;
}

/* Rank coordinate c of p along a dimension of n points: its first point and count. */
static void split(long n, int p, int c, long *first, long *count)
{
    long base = n / p, extra = n % p;
    *count = base + (c < extra ? 1 : 0);
    *first = 1 + (long)c * base + (c < extra ? c : extra);
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "halo: %s: %s: %s\n", what, npool_strerror(rc), npool_last_error());
    MPI_Abort(MPI_COMM_WORLD, 1);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int me, nranks;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);

    long nx = 512, ny = 512, steps = 100;
    int dims[2] = {0, 0};
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v && strcmp(argv[i], "--n") == 0)
            nx = ny = atol(v), i++;
        else if (v && strcmp(argv[i], "--nx") == 0)
            nx = atol(v), i++;
        else if (v && strcmp(argv[i], "--ny") == 0)
            ny = atol(v), i++;
        else if (v && strcmp(argv[i], "--steps") == 0)
            steps = atol(v), i++;
        else if (v && strcmp(argv[i], "--dims") == 0 && sscanf(v, "%dx%d", &dims[0], &dims[1]) == 2)
            i++;
        else {
            if (me == 0)
                fprintf(stderr, "usage: mpirun -np N %s [--n N | --nx NX --ny NY] [--steps S] [--dims PxQ]\n",
                        argv[0]);
            MPI_Finalize();
            return 2;
        }
    }
    if (dims[0] < 0 || dims[1] < 0 || (dims[0] && dims[1] && dims[0] * dims[1] != nranks)) {
        if (me == 0)
            fprintf(stderr, "halo: --dims %dx%d does not make %d ranks\n", dims[0], dims[1], nranks);
        MPI_Finalize();
        return 2;
    }
    MPI_Dims_create(nranks, 2, dims);
    if (nx < dims[1] || ny < dims[0] || steps < 1) {
        if (me == 0)
            fprintf(stderr, "halo: a %ld x %ld grid cannot be split %dx%d, or %ld steps\n", ny, nx, dims[0],
                    dims[1], steps);
        MPI_Finalize();
        return 2;
    }

    MPI_Comm cart;
    int periods[2] = {0, 0}, coords[2], north, south, west, east;
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart);
    MPI_Comm_rank(cart, &me);
    MPI_Cart_coords(cart, me, 2, coords);
    MPI_Cart_shift(cart, 0, 1, &north, &south); /* MPI_PROC_NULL at the boundary */
    MPI_Cart_shift(cart, 1, 1, &west, &east);
    long y0, ly, x0, lx;
    split(ny, dims[0], coords[0], &y0, &ly);
    split(nx, dims[1], coords[1], &x0, &lx);

    /* the subdomain: two runs of ly + 2 rows, a row a block */
    size_t rows = (size_t)ly + 2, cols = (size_t)lx + 2;
    npool_config_t cfg = {.block_size = cols * sizeof(double), .block_count = 2 * rows, .name = "halo"};
    npool_t *pool;
    int rc = npool_create(&cfg, &pool);
    if (rc != 0)
        die("npool_create", rc);
    npool_stats_t *st = malloc(sizeof *st);
    if (st == NULL || (rc = npool_stats(pool, st)) != 0)
        die("npool_stats", rc ? rc : -ENOMEM);
    size_t stride = st->stride;
    char *grid[2];
    for (int g = 0; g < 2; g++)
        if ((grid[g] = npool_get_contig(pool, rows)) == NULL)
            die("npool_get_contig", -errno);
#define AT(g, r, c) (((double *)(grid[g] + (size_t)(r) * stride))[c])
    for (int g = 0; g < 2; g++)
        for (size_t r = 0; r < rows; r++)
            if (npool_index(pool, &AT(g, r, 0)) != npool_index(pool, grid[g]) + r)
                die("row blocks are not adjacent", -EFAULT);

    /* ghosts on the global boundary hold the boundary values in both copies */
    for (int g = 0; g < 2; g++)
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++)
                AT(g, r, c) = initial(y0 - 1 + (long)r, x0 - 1 + (long)c, ny, nx);

    /* a column: one double in each of ly consecutive blocks */
    MPI_Datatype column;
    MPI_Type_create_hvector((int)ly, 1, (MPI_Aint)stride, MPI_DOUBLE, &column);
    MPI_Type_commit(&column);

    double t_exchange = 0;
    MPI_Barrier(cart);
    double t0 = MPI_Wtime();
    int cur = 0;
    for (long s = 0; s < steps; s++) {
        double te = MPI_Wtime();
        MPI_Request req[8];
        /* rows 0 and ly + 1 come from north and south, columns 0 and lx + 1 from west and east */
        MPI_Irecv(&AT(cur, 0, 1), (int)lx, MPI_DOUBLE, north, 0, cart, &req[0]);
        MPI_Irecv(&AT(cur, ly + 1, 1), (int)lx, MPI_DOUBLE, south, 1, cart, &req[1]);
        MPI_Irecv(&AT(cur, 1, 0), 1, column, west, 2, cart, &req[2]);
        MPI_Irecv(&AT(cur, 1, lx + 1), 1, column, east, 3, cart, &req[3]);
        MPI_Isend(&AT(cur, 1, 1), (int)lx, MPI_DOUBLE, north, 1, cart, &req[4]);
        MPI_Isend(&AT(cur, ly, 1), (int)lx, MPI_DOUBLE, south, 0, cart, &req[5]);
        MPI_Isend(&AT(cur, 1, 1), 1, column, west, 3, cart, &req[6]);
        MPI_Isend(&AT(cur, 1, lx), 1, column, east, 2, cart, &req[7]);
        MPI_Waitall(8, req, MPI_STATUSES_IGNORE);
        t_exchange += MPI_Wtime() - te;
        int nxt = 1 - cur;
        for (long r = 1; r <= ly; r++)
            for (long c = 1; c <= lx; c++)
                AT(nxt, r, c) = heat(AT(cur, r, c), AT(cur, r - 1, c), AT(cur, r + 1, c), AT(cur, r, c - 1),
                                     AT(cur, r, c + 1));
        cur = nxt;
    }
    double t_total = MPI_Wtime() - t0;

    /* the serial reference over the whole grid, in every rank */
    size_t gw = (size_t)nx + 2, gh = (size_t)ny + 2;
    double *ref[2] = {malloc(gw * gh * sizeof(double)), malloc(gw * gh * sizeof(double))};
    if (ref[0] == NULL || ref[1] == NULL)
        die("reference grid", -ENOMEM);
#define REF(g, y, x) ref[g][(size_t)(y) * gw + (size_t)(x)]
    for (int g = 0; g < 2; g++)
        for (long y = 0; y < (long)gh; y++)
            for (long x = 0; x < (long)gw; x++)
                REF(g, y, x) = initial(y, x, ny, nx);
    int rcur = 0;
    for (long s = 0; s < steps; s++) {
        for (long y = 1; y <= ny; y++)
            for (long x = 1; x <= nx; x++)
                REF(1 - rcur, y, x) = heat(REF(rcur, y, x), REF(rcur, y - 1, x), REF(rcur, y + 1, x),
                                           REF(rcur, y, x - 1), REF(rcur, y, x + 1));
        rcur = 1 - rcur;
    }
    long differ = 0;
    double maxdiff = 0;
    for (long r = 1; r <= ly; r++)
        for (long c = 1; c <= lx; c++) {
            double a = AT(cur, r, c), b = REF(rcur, y0 - 1 + r, x0 - 1 + c);
            if (memcmp(&a, &b, sizeof a) != 0) {
                if (differ++ < 3)
                    fprintf(stderr, "halo: rank %d: point (%ld, %ld) is %.17g, the reference %.17g\n", me,
                            y0 - 1 + r, x0 - 1 + c, a, b);
                maxdiff = fmax(maxdiff, fabs(a - b));
            }
        }

    long differ_all;
    double maxdiff_all, t[2] = {t_total, t_exchange}, tmax[2], tmin[2];
    MPI_Reduce(&differ, &differ_all, 1, MPI_LONG, MPI_SUM, 0, cart);
    MPI_Reduce(&maxdiff, &maxdiff_all, 1, MPI_DOUBLE, MPI_MAX, 0, cart);
    MPI_Reduce(t, tmax, 2, MPI_DOUBLE, MPI_MAX, 0, cart);
    MPI_Reduce(t, tmin, 2, MPI_DOUBLE, MPI_MIN, 0, cart);
    MPI_Bcast(&differ_all, 1, MPI_LONG, 0, cart);
    if (me == 0) {
        printf("halo: %ld x %ld grid, %d ranks as %dx%d, %ld steps, rows of %zu B in blocks of stride %zu (%s pages)\n",
               ny, nx, nranks, dims[0], dims[1], steps, cols * sizeof(double), stride,
               npool_pages_name(st->nodes[0].backing));
        printf("halo: %.1f us per step (slowest rank; fastest %.1f), of which halo exchange %.1f us\n",
               1e6 * tmax[0] / (double)steps, 1e6 * tmin[0] / (double)steps, 1e6 * tmax[1] / (double)steps);
        if (differ_all == 0)
            printf("halo: every point equals the serial reference bit for bit\n");
        else
            printf("halo: %ld points differ from the serial reference (largest difference %.3g)\n", differ_all,
                   maxdiff_all);
    }

    MPI_Type_free(&column);
    for (int g = 0; g < 2; g++)
        if ((rc = npool_put_contig(pool, grid[g], rows)) != 0)
            die("npool_put_contig", rc);
    npool_destroy(pool);
    free(st);
    free(ref[0]);
    free(ref[1]);
    MPI_Comm_free(&cart);
    MPI_Finalize();
    return differ_all ? 1 : 0;
}
