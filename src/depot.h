/* src/depot.h - magazines, each node's depot of full ones, and every move
 * of blocks between a magazine and the node's free set (depot.c).
 *
 * A magazine (struct npool_mag) is a stack of local block indices that one
 * thread owns and pops and pushes without a lock; its storage is a buffer of
 * the arena (struct npool_buf).  Everything declared here takes or expects
 * the node's lock as each comment says. */
#ifndef NUMAPOOL_DEPOT_H
#define NUMAPOOL_DEPOT_H

#include "pool.h"

struct npool_mag {
    _Atomic uint32_t n;                 /* entries; written by the owner only */
    uint32_t cap;                       /* = the cache's cap (0: this thread does not cache) */
    uint32_t *idx;                      /* cap entries, local block indices; the owner thread's only */
    _Atomic uint8_t *state;             /* the arena's states and base, copied here so the */
    char *base;                         /* hot path reads one cache line */
    _Atomic uint64_t gets, puts;        /* owner increments with relaxed load+store */
};

/* A magazine's storage: in one thread's magazine, or on the depot's lists. */
struct npool_buf {
    struct npool_buf *next;             /* on dfull or dempty */
    struct npool_buf *all;              /* every buffer of the arena, for destroy */
    uint32_t n;                         /* entries, while on dfull */
    uint32_t pad;
    uint32_t idx[];
};

/* ---- the depot (callers hold a->lock, except npool__depot_free) ---- */
uint32_t *npool__buf_get(struct npool_arena *a);            /* an empty buffer; NULL when out of memory */
void npool__buf_put(struct npool_arena *a, uint32_t *idx);  /* back to the empty list */
int npool__depot_take_full(struct npool_arena *a, struct npool_mag *m);  /* m empty: swap in a full one; 1 done */
int npool__depot_give_full(struct npool_arena *a, struct npool_mag *m);  /* hand m's blocks in, take an empty; 1 done */
size_t npool__depot_drain(struct npool_arena *a);           /* every depot block into the set; how many */
int npool__depot_check(const struct npool_arena *a, int checked, uint8_t *marks, char *why, size_t len);
void npool__depot_free(struct npool_arena *a);              /* destroy, single-threaded */

/* ---- the lock-side transfers (each takes a->lock itself) ---- */
/* Refill the owner's magazine `m` of arena `a` with up to `batch` blocks: a
 * full magazine from the depot when m is empty, else the set's lowest
 * blocks, the lowest on top; returns the new count. */
uint32_t npool__refill(struct npool_arena *a, struct npool_mag *m, uint32_t batch);
/* m is full: hand it to the depot, or return its top `batch` to the set; new count. */
uint32_t npool__overflow(npool_t *pool, struct npool_arena *a, struct npool_mag *m, uint32_t batch);
/* Move the top `k` entries of magazine `m` to arena a's set; `check`: let
 * them count toward the auto-coalesce fragmentation check. */
void npool__flush(npool_t *pool, struct npool_arena *a, struct npool_mag *m, uint32_t k, int check);
/* Under a->lock: `returned` blocks came back to the set; every
 * check_interval of them, look at the fragmentation, and past the threshold
 * drain the depot and have every cache come home (the pool's epoch). */
void npool__auto_coalesce(npool_t *pool, struct npool_arena *a, size_t returned);

_Static_assert(offsetof(struct npool_mag, n) == offsetof(struct npool__mag, n), "magazine layout");
_Static_assert(offsetof(struct npool_mag, cap) == offsetof(struct npool__mag, cap), "magazine layout");
_Static_assert(offsetof(struct npool_mag, idx) == offsetof(struct npool__mag, idx), "magazine layout");
_Static_assert(offsetof(struct npool_mag, state) == offsetof(struct npool__mag, state), "magazine layout");
_Static_assert(offsetof(struct npool_mag, base) == offsetof(struct npool__mag, base), "magazine layout");
_Static_assert(offsetof(struct npool_mag, gets) == offsetof(struct npool__mag, gets), "magazine layout");
_Static_assert(offsetof(struct npool_mag, puts) == offsetof(struct npool__mag, puts), "magazine layout");
_Static_assert(sizeof(struct npool_mag) == sizeof(struct npool__mag), "magazine layout");

#endif
