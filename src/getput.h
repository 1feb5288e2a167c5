/* src/getput.h - what getput.c lends the other paths that move blocks
 * (bulk.c). */
#ifndef NUMAPOOL_GETPUT_H
#define NUMAPOOL_GETPUT_H

#include "pool.h"

/* Count a refused put and word it: NULL, `interior` bytes into block i, or
 * outside every arena.  Returns -EINVAL. */
int npool__refuse_pointer(npool_t *pool, const void *b, size_t i, size_t interior);

/* Block i of arena a, held until now, goes to the caller's magazine, or to
 * the set under the lock when the caller does not cache, and is FREE.
 * 0; -EALREADY (worded) when it was not held: nothing changed. */
int npool__give_back(npool_t *pool, struct npool_arena *a, size_t i);

#endif
