/* examples/mpi/onesided.c - one-sided MPI into numapool blocks, addressed by
 * block index.
 *
 * Every rank creates a pool and exposes every arena of it in one dynamic
 * window (MPI_Win_create_dynamic, then MPI_Win_attach per arena through
 * npool_foreach_arena).  The ranks then publish their layouts: per rank the
 * stride, block size and arena count, per arena its address (MPI_Aint, from
 * MPI_Get_address), its first block index and its block count.  Attaching is
 * local; the exchange is one MPI_Allgather of the fixed-size headers and one
 * MPI_Allgatherv of the arenas, the same two calls whatever each rank's
 * arena count, so ranks whose pools span different numbers of nodes cannot
 * deadlock.
 *
 * With a layout, any rank turns a block index of another into a window
 * address: the arena whose index range holds it, plus (index - first) x
 * stride.  Two rounds write into the next rank's blocks with MPI_Put, one
 * with passive target synchronisation (MPI_Win_lock_all, MPI_Win_flush), one
 * with active target synchronisation (MPI_Win_fence), into a chosen set of
 * blocks (the first and last of each arena and every third one).  Each rank
 * holds all its blocks and fills them with a sentinel beforehand, then checks
 * every block through npool_block(): the chosen ones hold exactly the bytes
 * the writer put, every other one still holds the sentinel.  Exit status 0
 * only when every rank found every byte right.
 *
 *   mpirun -np 2 onesided [--blocks N] [--block-size B] [--nodes LIST]
 *
 * --blocks: blocks per node (default 1000); --block-size: bytes (default
 * 320, not a power of two, so a mistake in the stride shows); --nodes: the
 * pool's nodes (default "local"; under mpirun --bind-to core, the node of
 * the rank's core).  Ranks may use different node lists (MPMD:
 * `mpirun -np 1 onesided --nodes all : -np 1 onesided`). */
#include <errno.h>
#include <inttypes.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numapool.h"

#define SENTINEL 0xA5u

/* One arena as every rank sees it. */
struct arena_desc {
    MPI_Aint base;      /* window address of the arena's first block */
    uint64_t first;     /* that block's index in its pool */
    uint64_t nblocks;   /* blocks in the arena */
    int32_t node;       /* OS node index */
    int32_t pad;
};

/* One rank's pool as every rank sees it. */
struct rank_layout {
    uint64_t narenas, stride, block_size, nblocks;
};

struct layouts {
    int nranks;
    struct rank_layout *rank;    /* [nranks] */
    struct arena_desc *arena;    /* every rank's arenas, rank by rank */
    int *arena_at;               /* [nranks]: rank r's arenas start at arena[arena_at[r]] */
};

struct attach_ctx {
    npool_t *pool;
    MPI_Win win;
    const npool_stats_t *st;
    struct arena_desc *out;
    size_t n, cap;
    char err[256];
};

static void die(const char *what, int rc)
{
    fprintf(stderr, "onesided: %s: %s: %s\n", what, npool_strerror(rc), npool_last_error());
    MPI_Abort(MPI_COMM_WORLD, 1);
}

/* npool_foreach_arena callback: attach the arena, describe it. */
static int attach_arena(void *base, size_t len, int node, size_t page_size, void *arg)
{
    struct attach_ctx *c = arg;
    (void)page_size;
    if (c->n == c->cap || c->n >= c->st->nnodes || c->st->nodes[c->n].node != node) {
        snprintf(c->err, sizeof c->err, "arena %zu on node %d does not match the stats", c->n, node);
        return -1;
    }
    size_t first = npool_index(c->pool, base), nblocks = c->st->nodes[c->n].blocks_total;
    if (first == SIZE_MAX || nblocks * c->st->stride > len) {
        snprintf(c->err, sizeof c->err, "arena on node %d: base %p is no block, or %zu blocks of %zu B exceed %zu B",
                 node, base, nblocks, c->st->stride, len);
        return -1;
    }
    MPI_Win_attach(c->win, base, (MPI_Aint)len);
    struct arena_desc *d = &c->out[c->n++];
    MPI_Get_address(base, &d->base);
    d->first = first;
    d->nblocks = nblocks;
    d->node = node;
    d->pad = 0;
    return 0;
}

static MPI_Datatype arena_type(void)
{
    int len[4] = {1, 1, 1, 1};
    MPI_Aint disp[4] = {offsetof(struct arena_desc, base), offsetof(struct arena_desc, first),
                        offsetof(struct arena_desc, nblocks), offsetof(struct arena_desc, node)};
    MPI_Datatype types[4] = {MPI_AINT, MPI_UINT64_T, MPI_UINT64_T, MPI_INT32_T}, t, resized;
    MPI_Type_create_struct(4, len, disp, types, &t);
    MPI_Type_create_resized(t, 0, (MPI_Aint)sizeof(struct arena_desc), &resized);
    MPI_Type_free(&t);
    MPI_Type_commit(&resized);
    return resized;
}

/* The two collective calls: independent of any rank's arena count. */
static void exchange(const struct rank_layout *mine, const struct arena_desc *my_arenas, struct layouts *all)
{
    int n = all->nranks;
    all->rank = calloc((size_t)n, sizeof *all->rank);
    all->arena_at = calloc((size_t)n + 1, sizeof *all->arena_at);
    int *counts = calloc((size_t)n, sizeof *counts);
    if (all->rank == NULL || all->arena_at == NULL || counts == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Allgather(mine, 4, MPI_UINT64_T, all->rank, 4, MPI_UINT64_T, MPI_COMM_WORLD);
    for (int r = 0; r < n; r++) {
        counts[r] = (int)all->rank[r].narenas;
        all->arena_at[r + 1] = all->arena_at[r] + counts[r];
    }
    all->arena = calloc((size_t)all->arena_at[n], sizeof *all->arena);
    if (all->arena == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Datatype t = arena_type();
    MPI_Allgatherv(my_arenas, (int)mine->narenas, t, all->arena, counts, all->arena_at, t, MPI_COMM_WORLD);
    MPI_Type_free(&t);
    free(counts);
}

/* Window address of block `idx` of rank r, from its published layout. */
static int block_disp(const struct layouts *all, int r, uint64_t idx, MPI_Aint *disp)
{
    const struct arena_desc *a = &all->arena[all->arena_at[r]];
    for (uint64_t k = 0; k < all->rank[r].narenas; k++)
        if (idx >= a[k].first && idx < a[k].first + a[k].nblocks) {
            *disp = MPI_Aint_add(a[k].base, (MPI_Aint)((idx - a[k].first) * all->rank[r].stride));
            return 0;
        }
    return -1;
}

/* Which blocks of rank r the writer fills in a round: the first and the last
 * of every arena, and every third block.  Writer and target decide alike. */
static int chosen(const struct layouts *all, int r, uint64_t idx, int round)
{
    const struct arena_desc *a = &all->arena[all->arena_at[r]];
    for (uint64_t k = 0; k < all->rank[r].narenas; k++)
        if (idx == a[k].first || idx == a[k].first + a[k].nblocks - 1)
            return 1;
    return (idx + (uint64_t)round) % 3 == 0;
}

static uint8_t pattern(uint64_t idx, size_t byte, int writer, int round)
{
    return (uint8_t)(idx * 131u + byte * 7u + (unsigned)writer * 29u + (unsigned)round * 71u + 1u);
}

struct round_result {
    uint64_t written, checked, bad_blocks;
};

/* Write into rank `target`'s chosen blocks, then check our own, written by
 * rank `writer`.  round 0: passive target, round 1: active target (fence). */
static struct round_result run_round(npool_t *pool, MPI_Win win, const struct layouts *all, int me, int target,
                                     int writer, int round)
{
    struct round_result res = {0, 0, 0};
    const struct rank_layout *tl = &all->rank[target], *ml = &all->rank[me];
    size_t bs = (size_t)tl->block_size;
    uint8_t *src = malloc((size_t)tl->nblocks * bs);
    if (src == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);

    /* our blocks: all held, all sentinel, before anyone writes */
    if (round == 0)
        MPI_Win_lock_all(0, win);
    for (uint64_t i = 0; i < ml->nblocks; i++)
        memset(npool_block(pool, (size_t)i), (int)SENTINEL, (size_t)ml->block_size);
    if (round == 0) {
        MPI_Win_sync(win);
        MPI_Barrier(MPI_COMM_WORLD);
    } else {
        MPI_Win_fence(0, win);
    }

    for (uint64_t i = 0; i < tl->nblocks; i++) {
        if (!chosen(all, target, i, round))
            continue;
        MPI_Aint disp = 0;
        if (block_disp(all, target, i, &disp) != 0) {
            fprintf(stderr, "onesided: rank %d: block %" PRIu64 " of rank %d is in none of its arenas\n", me, i,
                    target);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
        uint8_t *s = src + res.written * bs;
        for (size_t b = 0; b < bs; b++)
            s[b] = pattern(i, b, me, round);
        MPI_Put(s, (int)bs, MPI_BYTE, target, disp, (int)bs, MPI_BYTE, win);
        res.written++;
    }

    if (round == 0) {
        MPI_Win_flush(target, win);  /* our puts are complete at the target */
        MPI_Barrier(MPI_COMM_WORLD); /* everybody's are */
        MPI_Win_sync(win);           /* and visible to our loads */
    } else {
        MPI_Win_fence(0, win);
    }

    for (uint64_t i = 0; i < ml->nblocks; i++) {
        const uint8_t *p = npool_block(pool, (size_t)i);
        int want = chosen(all, me, i, round);
        for (size_t b = 0; b < (size_t)ml->block_size; b++) {
            uint8_t expect = want ? pattern(i, b, writer, round) : (uint8_t)SENTINEL;
            if (p[b] != expect) {
                if (res.bad_blocks < 5)
                    fprintf(stderr, "onesided: rank %d, %s round: block %" PRIu64 " byte %zu is 0x%02x, not 0x%02x%s\n",
                            me, round ? "active" : "passive", i, b, p[b], expect,
                            want ? "" : " (a block nobody should have written)");
                res.bad_blocks++;
                break;
            }
        }
        res.checked++;
    }
    if (round == 0)
        MPI_Win_unlock_all(win);
    free(src);
    return res;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int me, n;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &n);

    size_t blocks = 1000, block_size = 320;
    const char *nodes = "local";
    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--blocks") == 0)
            blocks = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--block-size") == 0)
            block_size = strtoull(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(argv[i], "--nodes") == 0)
            nodes = argv[++i];
        else {
            if (me == 0)
                fprintf(stderr, "usage: mpirun -np N %s [--blocks N] [--block-size B] [--nodes LIST]\n", argv[0]);
            MPI_Finalize();
            return 2;
        }
    }
    if (n < 2) {
        if (me == 0)
            fprintf(stderr, "onesided: needs at least 2 ranks (mpirun -np 2)\n");
        MPI_Finalize();
        return 2;
    }

    npool_config_t cfg = {.block_size = block_size, .block_count = blocks, .nodes = nodes, .name = "onesided"};
    npool_t *pool;
    int rc = npool_create(&cfg, &pool);
    if (rc != 0)
        die("npool_create", rc);
    npool_stats_t *st = malloc(sizeof *st);
    if (st == NULL || (rc = npool_stats(pool, st)) != 0)
        die("npool_stats", rc ? rc : -ENOMEM);

    /* hold every block: the checks below read each one, free blocks are the pool's */
    void **held = malloc(st->blocks_total * sizeof *held);
    size_t nheld = 0;
    if (held == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);
    for (size_t k = 0; k < st->nnodes; k++)
        for (void *b; (b = npool_get_on(pool, st->nodes[k].node)) != NULL;)
            held[nheld++] = b;
    if (nheld != st->blocks_total) {
        fprintf(stderr, "onesided: rank %d could take %zu of its %zu blocks\n", me, nheld, st->blocks_total);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    MPI_Win win;
    MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    struct attach_ctx ac = {.pool = pool, .win = win, .st = st, .cap = st->nnodes};
    ac.out = calloc(st->nnodes, sizeof *ac.out);
    if (ac.out == NULL)
        MPI_Abort(MPI_COMM_WORLD, 1);
    if ((rc = npool_foreach_arena(pool, attach_arena, &ac)) != 0) {
        fprintf(stderr, "onesided: rank %d: %s\n", me, ac.err);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }

    struct rank_layout mine = {ac.n, st->stride, st->block_size, st->blocks_total};
    struct layouts all = {.nranks = n};
    exchange(&mine, ac.out, &all);

    /* round 0 writes to the next rank, round 1 to the previous one */
    struct round_result r0 = run_round(pool, win, &all, me, (me + 1) % n, (me + n - 1) % n, 0);
    struct round_result r1 = run_round(pool, win, &all, me, (me + n - 1) % n, (me + 1) % n, 1);

    char line[512];
    int len = snprintf(line, sizeof line, "rank %d: %zu arena(s) on node(s)", me, ac.n);
    for (size_t k = 0; k < ac.n && len < (int)sizeof line; k++)
        len += snprintf(line + len, sizeof line - (size_t)len, "%s%d (%s)", k ? ", " : " ", ac.out[k].node,
                        npool_pages_name(st->nodes[k].backing));
    if (len < (int)sizeof line)
        snprintf(line + len, sizeof line - (size_t)len,
                 ", stride %zu; put %" PRIu64 " + %" PRIu64 " blocks, checked %" PRIu64 " + %" PRIu64
                 ", wrong %" PRIu64 " + %" PRIu64,
                 st->stride, r0.written, r1.written, r0.checked, r1.checked, r0.bad_blocks, r1.bad_blocks);
    char *lines = me == 0 ? malloc((size_t)n * sizeof line) : NULL;
    MPI_Gather(line, sizeof line, MPI_CHAR, lines, sizeof line, MPI_CHAR, 0, MPI_COMM_WORLD);
    uint64_t bad = r0.bad_blocks + r1.bad_blocks, bad_all = 0;
    MPI_Allreduce(&bad, &bad_all, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (me == 0) {
        for (int r = 0; r < n; r++)
            printf("onesided: %s\n", lines + (size_t)r * sizeof line);
        printf("onesided: %d ranks, passive and active target puts by block index: %s\n", n,
               bad_all ? "WRONG BYTES" : "every byte right");
        free(lines);
    }

    /* detach before the arenas go away with the pool */
    for (size_t k = 0; k < ac.n; k++)
        MPI_Win_detach(win, npool_block(pool, (size_t)ac.out[k].first));
    MPI_Win_free(&win);
    if ((rc = npool_put_bulk(pool, held, nheld)) != 0 || (rc = npool_check(pool)) != 0)
        die("giving the blocks back", rc);
    npool_destroy(pool);
    free(held);
    free(st);
    free(ac.out);
    free(all.rank);
    free(all.arena);
    free(all.arena_at);
    MPI_Finalize();
    return bad_all ? 1 : 0;
}
