/* src/pages.h - what backs an arena, decided in one place (pages.c): the
 * rule of NPOOL_PAGES_AUTO, the fallback chain of every request, and the
 * mapping of one arena (map, bind, populate), on top of the facts numa/
 * reports (hugepage sizes and free counts per node, THP mode, free memory,
 * cgroup room). */
#ifndef NUMAPOOL_PAGES_H
#define NUMAPOOL_PAGES_H

#include "pool.h"
#include "topo.h"

/* How a hugetlb page of `bytes` is named in the API: NPOOL_PAGES_1G,
 * NPOOL_PAGES_2M, else NPOOL_PAGES_HUGETLB. */
enum npool_pages npool__pages_kind(size_t bytes);

/* Parse NUMAPOOL_PAGES: auto, 1G, 2M, thp, base (any case), or a hugetlb
 * page size ("64K", "32M", "512M", "16G", "64KB", "2MiB" or bytes); the base
 * page size names base pages.  -EINVAL with a sentence otherwise. */
int npool__pages_parse(const char *s, size_t base_page, enum npool_pages *pages, size_t *page_size);

/* What NPOOL_PAGES_AUTO picks for an arena of `bytes` on `node`: the largest
 * hugetlb size that (1) wastes at most 1/8 of the rounded-up arena to
 * rounding, (2) has enough free pages on the node now (re-read) and (3) fits
 * the hugetlb cgroup limit; else THP when the mode is `always` or `madvise`
 * and the arena is at least 2 MiB (a smaller one could never get a
 * hugepage; an unknown mode counts as no THP); else base pages.  *page_size
 * receives the hugetlb page size, 0 for THP, or t->base_page_size for base
 * pages; `why` (may be NULL) one sentence saying why, naming the sizes
 * refused and their numbers.  Free counts are advice: the populate stays the
 * authority.  Reads sysfs.  -EINVAL bytes == 0 or page_size NULL; -ENODEV
 * node unknown, offline or without memory.  numapool-topo shows this rule. */
int npool__pages_auto(const struct topo *t, int node, size_t bytes, size_t *page_size, char *why, size_t whylen);

/* One attempt of a plan: hugetlb pages of a size, THP or base pages. */
struct npool__attempt {
    enum npool_pages kind;      /* NPOOL_PAGES_THP, _BASE, or a hugetlb kind (1G, 2M, HUGETLB) */
    size_t page_size;           /* the hugetlb size; 0 for THP and base */
};
#define NPOOL_PLAN_MAX (TOPO_MAX_HPSIZES + 3)

/* The attempts for request `req` (and `req_size`) of an arena of `bytes` on
 * `node`, in order (the plan in pages.c's opening comment), into plan[]
 * (NPOOL_PLAN_MAX entries); `note` receives AUTO's reason.  Returns how many,
 * or AUTO's error. */
int npool__pages_plan(const struct topo *t, int node, size_t bytes, int strict, enum npool_pages req,
                      size_t req_size, struct npool__attempt *plan, char *note, size_t notelen);

/* Map arena `a` (a->base, a->node set; pool->arena_bytes long) with the
 * request `req` (and `req_size` for NPOOL_PAGES_HUGETLB) and what falls back
 * from it (larger to smaller hugetlb sizes the kernel offers, THP, base
 * pages; only the request with NPOOL_STRICT_PAGES): each attempt maps,
 * binds and populates, and a failed one is returned to the reservation.
 * Sets a->backing, a->requested, a->fell_back, a->why and a->map_bytes.
 * 0; -ENOMEM nothing to be had; -EOPNOTSUPP THP asked for strictly while it
 * is `never`, or a kernel without MADV_POPULATE_WRITE; another -errno when
 * the reservation could not be restored.  The sentence says which and why. */
int npool__pages_map(npool_t *pool, struct npool_arena *a, enum npool_pages req, size_t req_size,
                     const struct topo *t);

#endif
