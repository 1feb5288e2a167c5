/* base/fmt.h - the small text helpers every layer shares: one size formatter,
 * one appender, and the quoting of outside text for sentences.  The lowest file of all: it includes only libc.  No
 * state; thread-safe. */
#ifndef NUMAPOOL_BASE_FMT_H
#define NUMAPOOL_BASE_FMT_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define NPOOL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define NPOOL_PRINTF(f, a)
#endif

/* `bytes` in the largest binary unit that divides it exactly: "2 MiB",
 * "1 GiB", "64 KiB", "800 B".  Returns buf (always NUL-terminated). */
const char *npool__size_name(size_t bytes, char *buf, size_t len);

/* snprintf into buf at *used and advance *used by what the text needed, so a
 * series of calls keeps snprintf's semantics for the whole: the result is
 * truncated (and NUL-terminated) when *used >= len, and *used is the length
 * the whole text needs.  buf may be NULL when len is 0. */
void npool__appendf(char *buf, size_t len, size_t *used, const char *fmt, ...) NPOOL_PRINTF(4, 5);
void npool__vappendf(char *buf, size_t len, size_t *used, const char *fmt, va_list ap) NPOOL_PRINTF(4, 0);

/* `s` between double quotes for a sentence, safe to print: `"` and `\` are
 * escaped, control and non-ASCII bytes written as \xNN, and a value too
 * long for buf cut with its length named: "0,0,0,0,..." (102400 bytes).
 * Returns buf (always NUL-terminated; len >= 32). */
const char *npool__quote(const char *s, char *buf, size_t len);

/* One character for a sentence: 'x', or \xNN for a byte that would not
 * print.  Returns buf (len >= 8). */
const char *npool__char_name(char c, char *buf, size_t len);

#endif
