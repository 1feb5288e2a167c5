/* Test helpers: reserve hugepages (root only) and restore the machine's
 * counts at exit; read a mapping's figures from /proc/self/smaps; ask the
 * kernel where a page is. */
#ifndef NPOOL_TEST_HP_UTIL_H
#define NPOOL_TEST_HP_UTIL_H
#include <stddef.h>

/* Make at least `want_free` hugepages of `page_kb` free (raising the
 * machine's nr_hugepages, restored at exit).  0, or -1 with why filled
 * (not root, kernel refused). */
int hp_reserve(size_t page_kb, long want_free, char *why, size_t len);
long hp_free(size_t page_kb);           /* free_hugepages now, -1 if that size is absent */
long hp_field(size_t page_kb, const char *file);
/* smaps field (in bytes) of the mapping holding addr; -1 if absent. */
long smaps_field(const void *addr, const char *field);
/* Node of the page holding addr (move_pages query), or a negative errno. */
int page_node(const void *addr);
/* Mappings in /proc/self/maps that look like a pool's (hugetlb, or 1 GiB..1 TiB). */
int maps_lines(void);
/* Mappings overlapping [addr, addr+len). */
int mapped_in(const void *addr, size_t len);
/* Exit 77 (ctest: skipped) saying why. */
void skip_test(const char *why) __attribute__((noreturn));
#endif
