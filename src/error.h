/* src/error.h - the thread's last-error sentence, shared by src/ and numa/.
 * npool__errorf() formats the sentence (with its numbers) into thread-local
 * storage and returns rc unchanged, so a failure path reads
 *     return npool__errorf(-ENOMEM, "node %d has %ld free ...", node, n);
 * Codes are 0 or negative errno values; the table in error.c names them. */
#ifndef NUMAPOOL_ERROR_H
#define NUMAPOOL_ERROR_H

#if defined(__GNUC__)
#define NPOOL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define NPOOL_PRINTF(f, a)
#endif

int npool__errorf(int rc, const char *fmt, ...) NPOOL_PRINTF(2, 3);
/* Append to the sentence being built (after npool__errorf). */
void npool__error_append(const char *fmt, ...) NPOOL_PRINTF(1, 2);

#endif
