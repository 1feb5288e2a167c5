/* src/pages.c - what backs an arena, in one place (pages.h): the rule of
 * NPOOL_PAGES_AUTO, the fallback chain of every request, NUMAPOOL_PAGES, and
 * one attempt's map, bind and populate.
 *
 * numa/ reports facts in its own terms (hugepage sizes and free counts per
 * node, the THP mode, free memory, cgroup room); the choice is made here, on
 * top of them.  A request becomes a plan, an ordered list of attempts
 * (hugetlb of a size, THP, base pages), each tried until one populates:
 *     AUTO          the size AUTO picks, then THP, then base pages
 *     hugetlb S     S, then every smaller size the kernel offers, THP, base
 *     THP           THP, then base pages
 *     BASE          base pages
 * With NPOOL_STRICT_PAGES only the first.  THP under `never` is skipped
 * unless it was asked for; when memory itself is short (THP or base pages
 * refused for want of memory) nothing smaller is tried.  Free counts are
 * advice: the populate result is the authority.  Stateless, thread-safe. */
#include "pages.h"
#include "error.h"
#include "fmt.h"
#include "os.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

enum npool_pages npool__pages_kind(size_t bytes)
{
    return bytes == GiB ? NPOOL_PAGES_1G : bytes == 2 * MiB ? NPOOL_PAGES_2M : NPOOL_PAGES_HUGETLB;
}

int npool__pages_parse(const char *s, size_t base_page, enum npool_pages *pages, size_t *page_size)
{
    static const struct { const char *name; enum npool_pages p; } names[] = {
        {"auto", NPOOL_PAGES_AUTO}, {"thp", NPOOL_PAGES_THP}, {"base", NPOOL_PAGES_BASE},
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (!strcasecmp(s, names[k].name)) {
            *pages = names[k].p;
            *page_size = 0;
            return 0;
        }
    /* a size: digits, then K, M, G (or KB, KiB, kB...) or nothing for bytes */
    char *end;
    errno = 0;
    unsigned long long v = isdigit((unsigned char)s[0]) ? strtoull(s, &end, 10) : 0;
    unsigned shift = 0;
    if (v && !errno) {
        switch (toupper((unsigned char)*end)) {
        case 'K': shift = 10, end++; break;
        case 'M': shift = 20, end++; break;
        case 'G': shift = 30, end++; break;
        default: break;
        }
        if (shift && (*end == 'i' || *end == 'I'))
            end++;
        if (shift && (*end == 'B' || *end == 'b'))
            end++;
    }
    char q[96];
    if (!v || errno || *end || v > (SIZE_MAX >> shift) || ((v << shift) & ((v << shift) - 1)))
        return npool__errorf(-EINVAL, "NUMAPOOL_PAGES=%s is not auto, thp, base or a page size that is a power "
                             "of two (1G, 2M, 64K, or bytes)", npool__quote(s, q, sizeof q));
    size_t bytes = (size_t)(v << shift);
    if (bytes <= base_page) {
        if (bytes < base_page)
            return npool__errorf(-EINVAL, "NUMAPOOL_PAGES=%s is smaller than the base page size %zu",
                                 npool__quote(s, q, sizeof q), base_page);
        *pages = NPOOL_PAGES_BASE;
        *page_size = 0;
        return 0;
    }
    *pages = npool__pages_kind(bytes);
    *page_size = *pages == NPOOL_PAGES_HUGETLB ? bytes : 0;
    return 0;
}

int npool__pages_auto(const struct topo *t, int node, size_t bytes, size_t *page_size, char *why, size_t whylen)
{
    size_t used = 0;
    char sz[32];
    if (!why)
        whylen = 0;
    if (why && whylen)
        why[0] = '\0';
    if (!t || !page_size || bytes == 0)
        return npool__errorf(-EINVAL, "npool__pages_auto: bad arguments (%zu bytes)", bytes);
    int pos = topo_node_pos(t, node);
    if (pos < 0 || !t->node[pos].online || !t->node[pos].has_memory)
        return npool__errorf(-ENODEV, "node %d %s", node,
                             pos < 0 ? "does not exist on this machine"
                             : !t->node[pos].online ? "is offline" : "has no memory of its own");
    const struct topo_node *n = &t->node[pos];
    for (int i = 0; i < n->nhp; i++) {
        size_t hp = n->hp[i].page_size;
        size_t need = bytes / hp + (bytes % hp != 0);
        size_t arena = need * hp;
        long freep = n->hp[i].free;
        uint64_t room;
        npool__size_name(hp, sz, sizeof sz);
        if (arena / hp != need) {
            npool__appendf(why, whylen, &used, "%s: arena size overflows; ", sz);
            continue;
        }
        /* "wastes at most 1/8": with n = ceil(bytes / size) pages, n*size - bytes <= n*size / 8 */
        if ((arena - bytes) > arena / 8) {
            npool__appendf(why, whylen, &used, "%s: would waste %zu of %zu bytes (> 1/8); ", sz, arena - bytes,
                           arena);
            continue;
        }
        if (topo_hugepages_free(t, node, hp, &freep) != 0)
            freep = n->hp[i].free;  /* a dump may lack the file now: keep the snapshot */
        if (freep < 0 || (size_t)freep < need) {
            npool__appendf(why, whylen, &used, "%s: node %d has %ld free, %zu needed; ", sz, node, freep, need);
            continue;
        }
        if (topo_cgroup_hugetlb_available(t, hp, &room) == 0 && room < arena) {
            npool__appendf(why, whylen, &used, "%s: the hugetlb cgroup allows %llu more bytes, %zu needed; ", sz,
                           (unsigned long long)room, arena);
            continue;
        }
        npool__appendf(why, whylen, &used, "%s hugetlb pages: %zu of %ld free on node %d", sz, need, freep, node);
        *page_size = hp;
        return 0;
    }
    if (n->nhp == 0)
        npool__appendf(why, whylen, &used, "no hugetlb pages on node %d; ", node);
    enum topo_thp thp = topo_thp_mode(t);
    /* a transparent hugepage covers an aligned 2 MiB (the x86-64 PMD): a smaller arena never gets one */
    if ((thp == TOPO_THP_ALWAYS || thp == TOPO_THP_MADVISE) && bytes < 2 * MiB) {
        npool__appendf(why, whylen, &used, "arena under 2 MiB, too small for THP; base pages of %s",
                       npool__size_name(t->base_page_size, sz, sizeof sz));
        *page_size = t->base_page_size;
        return 0;
    }
    if (thp == TOPO_THP_ALWAYS || thp == TOPO_THP_MADVISE) {
        npool__appendf(why, whylen, &used, "THP (mode %s)", topo_thp_name(thp));
        *page_size = 0;
        return 0;
    }
    npool__appendf(why, whylen, &used, "THP mode %s; base pages of %s", topo_thp_name(thp),
                   npool__size_name(t->base_page_size, sz, sizeof sz));
    *page_size = t->base_page_size;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* the plan and its attempts                                                */

static int is_hugetlb(enum npool_pages k)
{
    return k == NPOOL_PAGES_1G || k == NPOOL_PAGES_2M || k == NPOOL_PAGES_HUGETLB;
}

static void add(struct npool__attempt *plan, int *np, enum npool_pages kind, size_t ps)
{
    if (*np < NPOOL_PLAN_MAX)
        plan[(*np)++] = (struct npool__attempt){kind, ps};
}

int npool__pages_plan(const struct topo *t, int node, size_t bytes, int strict, enum npool_pages req,
                      size_t req_size, struct npool__attempt *plan, char *note, size_t notelen)
{
    int np = 0;
    if (req == NPOOL_PAGES_AUTO) {
        size_t ps = 0;
        int rc = npool__pages_auto(t, node, bytes, &ps, note, notelen);
        if (rc)
            return rc;
        if (ps > t->base_page_size)
            add(plan, &np, npool__pages_kind(ps), ps);
        if (ps > t->base_page_size || ps == 0)
            add(plan, &np, NPOOL_PAGES_THP, 0);
        add(plan, &np, NPOOL_PAGES_BASE, 0);
        return np;
    }
    if (is_hugetlb(req)) {
        size_t want = req == NPOOL_PAGES_1G ? GiB : req == NPOOL_PAGES_2M ? 2 * MiB : req_size;
        add(plan, &np, npool__pages_kind(want), want);
        if (strict)
            return np;
        size_t sizes[TOPO_MAX_HPSIZES];
        int ns = topo_hugepage_sizes(t, sizes, TOPO_MAX_HPSIZES);
        for (int i = 0; i < ns; i++)       /* descending */
            if (sizes[i] < want)
                add(plan, &np, npool__pages_kind(sizes[i]), sizes[i]);
        add(plan, &np, NPOOL_PAGES_THP, 0);
    } else if (req == NPOOL_PAGES_THP) {
        add(plan, &np, NPOOL_PAGES_THP, 0);
        if (strict)
            return np;
    }
    add(plan, &np, NPOOL_PAGES_BASE, 0);
    return np;
}

static size_t round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

/* What stands in the way of attempt `at` before anything is mapped (sysfs
 * counts, THP mode, free memory, cgroup room): 0, or a negative errno with
 * the reason in why. */
static int precheck(const struct npool_arena *a, const struct npool__attempt *at, size_t len, const struct topo *t,
                    char *why, size_t whylen)
{
    char sz[32];
    if (is_hugetlb(at->kind)) {
        long free_pages = 0;
        size_t need = len / at->page_size;
        int rc = topo_hugepages_free(t, a->node, at->page_size, &free_pages);
        if (rc == -ENOENT) {
            snprintf(why, whylen, "this machine has no %s hugepages", npool__size_name(at->page_size, sz, sizeof sz));
            return -ENOMEM;
        }
        /* an unreadable count is no answer: the populate decides */
        if (rc == 0 && (size_t)free_pages < need) {
            snprintf(why, whylen, "node %d has %ld free %s hugepages, %zu needed; raise "
                     "/sys/devices/system/node/node%d/hugepages/hugepages-%zukB/nr_hugepages or use NPOOL_PAGES_AUTO",
                     a->node, free_pages, npool__size_name(at->page_size, sz, sizeof sz), need, a->node,
                     at->page_size / 1024);
            return -ENOMEM;
        }
        return 0;
    }
    uint64_t node_avail = UINT64_MAX, cg_avail = UINT64_MAX;
    if (at->kind == NPOOL_PAGES_THP && topo_thp_mode(t) == TOPO_THP_NEVER) {
        snprintf(why, whylen, "transparent hugepages are disabled (/sys/kernel/mm/transparent_hugepage/enabled "
                 "is never)");
        return -EOPNOTSUPP;
    }
    if (topo_node_mem_available(t, a->node, &node_avail) == 0 && node_avail < len) {
        snprintf(why, whylen, "node %d has %llu MiB available, the arena needs %zu MiB", a->node,
                 (unsigned long long)(node_avail >> 20), len >> 20);
        return -ENOMEM;
    }
    if (topo_cgroup_mem_available(t, &cg_avail) == 0 && cg_avail < len) {
        snprintf(why, whylen, "the memory cgroup allows %llu MiB more (memory.max), the arena needs %zu MiB",
                 (unsigned long long)(cg_avail >> 20), len >> 20);
        return -ENOMEM;
    }
    return 0;
}

/* One attempt: map over the reservation, bind, populate.  On failure the
 * range goes back to the reservation; when even that fails the arena is
 * left as it is and *stuck is set (the caller reports it and gives up). */
static int try_attempt(npool_t *pool, struct npool_arena *a, const struct npool__attempt *at, const struct topo *t,
                       char *why, size_t whylen, int *stuck)
{
    char sz[32];
    size_t len = round_up(pool->arena_bytes, at->page_size ? at->page_size : t->base_page_size);
    int rc = precheck(a, at, len, t, why, whylen);
    if (rc)
        return rc;
    enum os_backing ob = at->kind == NPOOL_PAGES_THP ? OS_THP : at->kind == NPOOL_PAGES_BASE ? OS_BASE : OS_HUGETLB;
    if ((rc = os_map_fixed(a->base, len, ob, at->page_size)) != 0) {
        snprintf(why, whylen, "%s", npool__last_error());
        return rc;      /* os_map_fixed leaves the reservation as it was */
    }
    if ((rc = bind_range(a->base, len, a->node, !!(pool->flags & NPOOL_PREFER_NODE))) != 0) {
        snprintf(why, whylen, "%s", npool__last_error());
    } else if ((rc = os_populate(a->base, len)) != 0) {
        if (ob == OS_HUGETLB)
            snprintf(why, whylen, "populating %zu %s hugepages on node %d failed (%s): the sysfs count was "
                     "taken by another process or a hugetlb limit", len / at->page_size,
                     npool__size_name(at->page_size, sz, sizeof sz), a->node, strerror(-rc));
        else
            snprintf(why, whylen, "populating %s on node %d failed (%s)", npool__size_name(len, sz, sizeof sz), a->node,
                     strerror(-rc));
    }
    if (rc) {
        int urc = os_unreserve(a->base, len);
        if (urc) {
            *stuck = 1;
            a->map_bytes = len;     /* still mapped: teardown unmaps it with the reservation */
            return urc;
        }
        return rc;
    }
    a->map_bytes = len;
    a->backing = at->kind;
    return 0;
}

int npool__pages_map(npool_t *pool, struct npool_arena *a, enum npool_pages req, size_t req_size,
                     const struct topo *t)
{
    struct npool__attempt plan[NPOOL_PLAN_MAX] = {{NPOOL_PAGES_BASE, 0}};
    char why[sizeof a->why] = "", note[sizeof a->why] = "", sz[32];
    int np = npool__pages_plan(t, a->node, pool->arena_bytes, !!(pool->flags & NPOOL_STRICT_PAGES), req, req_size,
                               plan, note, sizeof note);
    if (np < 0)
        return np;
    int rc = -ENOMEM, stuck = 0, k;
    for (k = 0; k < np; k++) {
        char w[sizeof a->why];
        if (plan[k].kind == NPOOL_PAGES_THP && req != NPOOL_PAGES_THP && topo_thp_mode(t) == TOPO_THP_NEVER)
            continue;
        rc = try_attempt(pool, a, &plan[k], t, w, sizeof w, &stuck);
        if (!rc)
            break;
        if (stuck) {
            char undo[sizeof a->why];
            snprintf(undo, sizeof undo, "%s", npool__last_error());
            return npool__errorf(rc, "pool '%s': an attempt on node %d failed (%s), and %s", pool->name, a->node, w,
                                 undo);
        }
        if (!why[0])
            snprintf(why, sizeof why, "%s", w);
        /* memory itself short (not pages of a size): nothing smaller helps */
        if ((plan[k].kind == NPOOL_PAGES_THP || plan[k].kind == NPOOL_PAGES_BASE) && rc == -ENOMEM)
            break;
    }
    if (rc) {
        if (rc == -EOPNOTSUPP && req == NPOOL_PAGES_THP)
            return npool__errorf(rc, "pool '%s': NPOOL_PAGES_THP with NPOOL_STRICT_PAGES on node %d: %s", pool->name,
                                 a->node, why);
        return npool__errorf(rc == -EOPNOTSUPP ? -EOPNOTSUPP : -ENOMEM, "pool '%s': no %s%s%s arena of %zu bytes on "
                             "node %d: %s", pool->name, npool_pages_name(req), req == NPOOL_PAGES_HUGETLB ? " " : "",
                             req == NPOOL_PAGES_HUGETLB ? npool__size_name(req_size, sz, sizeof sz) : "",
                             pool->arena_bytes, a->node, why);
    }
    a->requested = req;
    /* NPOOL_PAGES_HUGETLB names every odd size: met at another one, it fell back */
    a->fell_back = req != NPOOL_PAGES_AUTO &&
                   (a->backing != req || (req == NPOOL_PAGES_HUGETLB && plan[k].page_size != req_size));
    snprintf(a->why, sizeof a->why, "%s", a->fell_back ? why : req == NPOOL_PAGES_AUTO ? note : "");
    return 0;
}
