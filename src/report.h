/* src/report.h - what the library tells a job about its pools (report.c),
 * as the environment asks: NUMAPOOL_VERBOSE, one line per arena at
 * creation; NUMAPOOL_STATS, one line per pool when it is destroyed, or at
 * exit for a pool still alive then, in text or JSON, on stderr or appended
 * to a file per rank.  Every line starts with who wrote it (host, pid, MPI
 * rank and local rank from the launcher's variables) and goes out in one
 * write(2), so the lines of many ranks and threads never mix.
 * docs/environment.md is the user's description; this is create.c's. */
#ifndef NUMAPOOL_REPORT_H
#define NUMAPOOL_REPORT_H

#include "pool.h"

/* `pool` was just created: the first call in the process reads
 * NUMAPOOL_STATS and the launcher's variables (warning once on stderr about
 * a value it ignores) and, with NUMAPOOL_STATS on, installs the exit report;
 * then the NUMAPOOL_VERBOSE lines, and with NUMAPOOL_STATS on `pool` joins
 * the pools reported at exit.  Never fails: a pool that cannot be
 * remembered (no memory) is reported at its destroy only.  Takes report.c's
 * lock; the caller holds no lock of the pool. */
void npool__report_created(npool_t *pool);

/* `pool` is about to be destroyed (it must still be whole): with
 * NUMAPOOL_STATS on, its line, unless the exit report already gave it.
 * Takes report.c's lock, then whatever npool_stats takes. */
void npool__report_destroy(npool_t *pool);

#endif
