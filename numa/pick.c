/* numa/pick.c - what NPOOL_PAGES_AUTO means on one node, in one place, so
 * that the pool and numapool-topo give the same answer with the same words.
 *
 * The rule (numapool.h, enum npool_pages): the largest hugetlb size that
 * wastes at most 1/8 of the rounded-up arena to rounding and has enough
 * free pages on the node (and room in the hugetlb cgroup); else THP when the
 * kernel's mode is `always` or `madvise`; else base pages.  "Wastes at most
 * 1/8": with n = ceil(bytes / size) pages, n*size - bytes <= n*size / 8.
 * Free counts are advice (another process can take them between this read
 * and the populate); the pool's populate result stays the authority.
 * Stateless, thread-safe; reads sysfs each call.
 */
#include "topo_private.h"
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void say(char *why, size_t whylen, size_t *used, const char *fmt, ...) NPOOL_PRINTF(4, 5);

static void say(char *why, size_t whylen, size_t *used, const char *fmt, ...)
{
    if (!why || *used + 1 >= whylen)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(why + *used, whylen - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used = *used + (size_t)n < whylen ? *used + (size_t)n : whylen - 1;
}

static const char *size_name(size_t bytes, char *buf, size_t len)
{
    if (bytes >= (1u << 30) && bytes % (1u << 30) == 0)
        snprintf(buf, len, "%zu GiB", bytes >> 30);
    else if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
        snprintf(buf, len, "%zu MiB", bytes >> 20);
    else
        snprintf(buf, len, "%zu KiB", bytes >> 10);
    return buf;
}

int topo_pick_pages(const struct topo *t, int node, size_t bytes, size_t *page_size,
                    char *why, size_t whylen)
{
    size_t used = 0;
    char sz[32];
    if (why && whylen)
        why[0] = '\0';
    if (!t || !page_size || bytes == 0)
        return npool__errorf(-EINVAL, "topo_pick_pages: bad arguments (%zu bytes)", bytes);
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
        size_name(hp, sz, sizeof sz);
        if (arena / hp != need) {
            say(why, whylen, &used, "%s: arena size overflows; ", sz);
            continue;
        }
        if ((arena - bytes) > arena / 8) {
            say(why, whylen, &used, "%s: would waste %zu of %zu bytes (> 1/8); ", sz, arena - bytes, arena);
            continue;
        }
        if (topo_hugepages_free(t, node, hp, &freep) != 0)
            freep = n->hp[i].free;  /* a dump may lack the file now: keep the snapshot */
        if (freep < 0 || (size_t)freep < need) {
            say(why, whylen, &used, "%s: node %d has %ld free, %zu needed; ", sz, node, freep, need);
            continue;
        }
        if (topo_cgroup_hugetlb_available(t, hp, &room) == 0 && room < arena) {
            say(why, whylen, &used, "%s: the hugetlb cgroup allows %llu more bytes, %zu needed; ",
                sz, (unsigned long long)room, arena);
            continue;
        }
        say(why, whylen, &used, "%s hugetlb pages: %zu of %ld free on node %d", sz, need, freep, node);
        *page_size = hp;
        return 0;
    }
    if (n->nhp == 0)
        say(why, whylen, &used, "no hugetlb pages on node %d; ", node);
    enum topo_thp thp = topo_thp_mode(t);
    /* a transparent hugepage covers an aligned 2 MiB (the x86-64 PMD): a smaller arena never gets one */
    if ((thp == TOPO_THP_ALWAYS || thp == TOPO_THP_MADVISE) && bytes < ((size_t)2 << 20)) {
        say(why, whylen, &used, "arena under 2 MiB, too small for THP; base pages of %s",
            size_name(t->base_page_size, sz, sizeof sz));
        *page_size = t->base_page_size;
        return 0;
    }
    if (thp == TOPO_THP_ALWAYS || thp == TOPO_THP_MADVISE) {
        say(why, whylen, &used, "THP (mode %s)", topo_thp_name(thp));
        *page_size = 0;
        return 0;
    }
    say(why, whylen, &used, "THP mode %s; base pages of %s", topo_thp_name(thp),
        size_name(t->base_page_size, sz, sizeof sz));
    *page_size = t->base_page_size;
    return 0;
}
