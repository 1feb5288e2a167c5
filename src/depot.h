/* src/depot.h - magazine buffers, each node's depot of full magazines, and
 * every move of blocks between a thread's magazine, its spares and the
 * node (depot.c).
 *
 * A magazine (numapool.h's struct npool__mag) is a stack of local block
 * indices that one thread owns and pops and pushes without a lock; its
 * storage is a buffer of the arena (struct npool_buf).  Beside each
 * magazine the thread keeps a side (struct npool_side): full magazines it
 * keeps for itself (spares) and empty buffers, so that a thread whose
 * working set is larger than one magazine cycles through its own blocks
 * without the node's lock, and other threads never see them move.  The
 * functions here take the side lock and the node lock themselves, as each
 * comment says, and only the magazine's owner calls the transfers. */
#ifndef NUMAPOOL_DEPOT_H
#define NUMAPOOL_DEPOT_H

#include "pool.h"

/* A magazine's storage: a thread's current magazine, a spare or an empty on
 * its side, or on the depot's lists. */
struct npool_buf {
    struct npool_buf *next;             /* on a list: depot full/empty, side spares/empties */
    struct npool_buf *all;              /* every buffer of the arena, for destroy */
    const void *owner;                  /* in the depot: the side that handed it in */
    uint32_t n;                         /* entries, while full on a list */
    uint32_t pad;
    uint32_t idx[];
};

/* The side of one thread's magazine for one arena.  `lock` guards spares
 * and empties: the owner takes it once per magazine exchanged, others
 * (taking spares back for a starving get, a coalesce, a check) take it too.
 * Bound: at most `limit` spares; limits grow while the thread keeps handing
 * magazines to the depot and taking them back, and shrink when its spares
 * go unused (depot.c). */
struct npool_side {
    pthread_mutex_t lock;
    struct npool_buf *spares;           /* full magazines, a stack (lock) */
    struct npool_buf *empties;          /* empty buffers (lock) */
    _Atomic size_t spare_blocks;        /* blocks in spares (written under lock, read anywhere) */
    _Atomic uint32_t nspares;           /* (written under lock, read anywhere) */
    uint32_t limit;                     /* spares allowed (owner; its budget is the arena's, under a->lock) */
    uint32_t low;                       /* fewest spares since the last trim check (owner) */
    uint32_t events;                    /* exchanges since the last trim check (owner) */
    int handed;                         /* a magazine went to the depot since the last refill (owner) */
    uint32_t dry;                       /* refills since this thread last overflowed (owner) */
};

#define NPOOL_BUF_OF(p) ((struct npool_buf *)(void *)((char *)(p) - offsetof(struct npool_buf, idx)))

/* ---- the depot (callers hold a->lock, except npool__depot_free) ---- */
uint32_t *npool__buf_get(struct npool_arena *a);            /* an empty buffer; NULL when out of memory */
void npool__buf_put(struct npool_arena *a, uint32_t *idx);  /* back to the empty list */
/* m empty: swap in a full magazine, the one side `sd` handed in last if the
 * depot holds one (a thread gets its own blocks back: their state bytes and
 * cache lines stay with one core), else, unless `own_only`, the newest; 1
 * done.  sd may be NULL. */
int npool__depot_take_full(struct npool_arena *a, struct npool__mag *m, const struct npool_side *sd, int own_only);
/* hand m's blocks in (marked as side sd's), take an empty; 1 done */
int npool__depot_give_full(struct npool_arena *a, struct npool__mag *m, const struct npool_side *sd);
size_t npool__depot_drain(struct npool_arena *a);           /* every depot block into the set; how many */
int npool__depot_check(const struct npool_arena *a, int checked, uint8_t *marks, char *why, size_t len);
void npool__depot_free(struct npool_arena *a);              /* destroy, single-threaded */

/* ---- the transfers, the magazine's owner only ---- */
/* m ran dry: a spare from the side, else a full magazine from the depot,
 * else up to `batch` of the set's lowest blocks (the lowest on top, so gets
 * go out in address order); returns the new count (0: the node is empty). */
uint32_t npool__refill(npool_t *pool, struct npool_arena *a, struct npool__mag *m, struct npool_side *sd,
                       uint32_t batch);
/* m is full: onto the side's spares while under the limit, else to the
 * depot, else its top `batch` to the set; returns the new count. */
uint32_t npool__overflow(npool_t *pool, struct npool_arena *a, struct npool__mag *m, struct npool_side *sd,
                         uint32_t batch);
/* The top `k` entries of m to the set (under a->lock); `check`: let them
 * count toward the auto-coalesce fragmentation check. */
void npool__flush(npool_t *pool, struct npool_arena *a, struct npool__mag *m, uint32_t k, int check);
/* Under a->lock: `returned` blocks came back to the set; every
 * check_interval of them, look at the fragmentation, and past the threshold
 * drain the depot and have every cache come home (the pool's epoch). */
void npool__auto_coalesce(npool_t *pool, struct npool_arena *a, size_t returned);

/* ---- a side's spares going home (any thread; takes sd->lock, then a->lock) ---- */
/* Every spare's blocks into the set and every buffer to the depot's empty
 * list; returns the blocks moved.  `try`: give up (0) when the side is
 * locked by its owner.  `release_limit`: the side's limit goes back to the
 * arena's budget too (its thread is leaving). */
size_t npool__side_drain(struct npool_arena *a, struct npool_side *sd, int try, int release_limit);
/* Under sd->lock and a->lock: the spares' blocks for npool_check. */
int npool__side_check(const struct npool_arena *a, const struct npool_side *sd, int checked, uint8_t *marks,
                      char *why, size_t len);

/* Bump the pool's coalesce epoch (the key's low half, without carry into
 * the generation): every cache flushes at its owner's next call. */
uint32_t npool__epoch_bump(npool_t *pool);

#endif
