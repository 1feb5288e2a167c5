/* src/stats.h - the one figure stats.c keeps beyond what npool_stats reads:
 * the most blocks seen held at once, per node and pool-wide (pool.h's
 * held_max fields).
 *
 * The hot path never counts held blocks (a get or a put only moves an index
 * in the caller's magazine), so the figure is a sample, never a running
 * maximum: it is raised whenever the library computes the exact held count,
 * which it does in npool_stats, npool_describe and npool_efficiency, in the
 * NUMAPOOL_STATS report (report.c) and in npool__held_sample (called when a
 * get fails and before a reset).  A peak that
 * comes and goes between two samples is not seen. */
#ifndef NUMAPOOL_STATS_H
#define NUMAPOOL_STATS_H

#include "pool.h"

/* Count the blocks held now, per node and in all, raise the held_max
 * figures to them, and return the total.  Takes the cache registry lock and
 * each node's lock in turn (cache.c's order): the caller holds no lock of
 * the pool.  Costs a walk of the pool's caches, so it belongs on slow paths
 * only (a failed get, a reset), never on a get or a put.  Thread-safe. */
size_t npool__held_sample(const npool_t *pool);

#endif
