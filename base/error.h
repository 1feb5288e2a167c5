/* base/error.h - the thread's last-error sentence and the table of codes,
 * shared by src/ and numa/ (the bottom layer: it includes nothing of theirs).
 * npool__errorf() formats the sentence (with its numbers) into thread-local
 * storage and returns rc unchanged, so a failure path reads
 *     return npool__errorf(-ENOMEM, "node %d has %ld free ...", node, n);
 * Codes are 0 or negative errno values; npool__strerror() names them.  The
 * public npool_strerror() and npool_last_error() (src/errors.c) read these. */
#ifndef NUMAPOOL_BASE_ERROR_H
#define NUMAPOOL_BASE_ERROR_H

#include "fmt.h"   /* NPOOL_PRINTF */

int npool__errorf(int rc, const char *fmt, ...) NPOOL_PRINTF(2, 3);
/* Append to the sentence being built (after npool__errorf). */
void npool__error_append(const char *fmt, ...) NPOOL_PRINTF(1, 2);
/* The calling thread's sentence; "" if none yet. */
const char *npool__last_error(void);
/* "EINVAL: invalid argument" for -EINVAL; never NULL. */
const char *npool__strerror(int rc);

#endif
