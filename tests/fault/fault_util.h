/* tests/fault/fault_util.h - what the fault tests share: ok/FAIL reporting
 * with a closing "N passed, N failed" line (the form tests/vm/vm-suite.sh
 * counts), exact snapshots of /proc/self/maps and their difference page by
 * page, and the codes npool_create may return. */
#ifndef NPOOL_TEST_FAULT_UTIL_H
#define NPOOL_TEST_FAULT_UTIL_H

#include <stddef.h>
#include <stdint.h>

extern int fu_passed, fu_failed, fu_verbose;
__attribute__((format(printf, 3, 4))) int fu_check(int ok, int line, const char *fmt, ...);
#define CHECK(cond, ...) fu_check(!!(cond), __LINE__, __VA_ARGS__)
/* Print the closing line; the exit status: 0 when nothing failed. */
int fu_summary(const char *what);

/* /proc/self/maps, read whole, without allocating (a malloc could itself
 * change the map). */
struct maps {
    char text[1 << 20];
    size_t len;
};
void maps_read(struct maps *m);
int maps_same(const struct maps *a, const struct maps *b);
/* Print the lines of `after` that `before` lacks and the reverse. */
void maps_show_diff(const struct maps *before, const struct maps *after);
/* Address ranges mapped in `after` and not in `before` (page by page, so a
 * mapping that merged with a neighbour counts only for its own pages), up
 * to max; returns how many. */
struct range {
    uintptr_t lo, hi;
};
int maps_added(const struct maps *before, const struct maps *after, struct range *out, int max);

/* 1 when rc is one of the codes numapool.h lists for npool_create. */
int create_rc_documented(int rc);

#endif
