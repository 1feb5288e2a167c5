/* numa/nodeset.c - node sets and node choice: sets of OS node numbers,
 * which nodes a pool may use, which node the calling thread is on, which
 * node of a set is nearest to another, and a node's memory kind.  What node
 * strings mean is numa/nodestr.c's.
 *
 * Nothing here writes to the topology: every function is thread-safe on a
 * shared `struct topo`.
 */
#include "topo_private.h"
#include "error.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

int topo_nodeset_next(const topo_nodeset_t *s, int after)
{
    int n = after < 0 ? 0 : after + 1;
    while (n < TOPO_MAX_NODE) {
        uint64_t w = s->bits[n / 64] >> (n % 64);
        if (w)
            return n + __builtin_ctzll(w);
        n = (n / 64 + 1) * 64;
    }
    return -1;
}

char *topo_nodeset_format(const topo_nodeset_t *s, char *buf, size_t len)
{
    size_t used = 0;
    if (!len)
        return buf;
    buf[0] = '\0';
    for (int lo = topo_nodeset_next(s, -1); lo >= 0;) {
        int hi = lo;
        while (hi + 1 < TOPO_MAX_NODE && topo_nodeset_has(s, hi + 1))
            hi++;
        int w = hi > lo ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", lo, hi)
                        : snprintf(buf + used, len - used, "%s%d", used ? "," : "", lo);
        if (w < 0 || (size_t)w >= len - used) {  /* truncated: say so if there is room */
            if (len >= 4)
                memcpy(buf + len - 4, "...", 4);
            return buf;
        }
        used += (size_t)w;
        lo = topo_nodeset_next(s, hi);
    }
    return buf;
}

int topo_node_pos(const struct topo *t, int os_index)
{
    int lo = 0, hi = t ? t->nnodes - 1 : -1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (t->node[mid].os_index == os_index)
            return mid;
        if (t->node[mid].os_index < os_index)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Nodes a pool may be given: online, with memory, allowed. */
void topo__usable_nodes(const struct topo *t, topo_nodeset_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < t->nnodes; i++) {
        const struct topo_node *n = &t->node[i];
        if (n->online && n->has_memory && n->allowed)
            topo_nodeset_add(out, n->os_index);
    }
}

int topo_current_node(const struct topo *t)
{
    if (!t || !t->cpu_node)
        return -1;
    if (t->fsroot[0] == '\0') {
        int cpu = sched_getcpu();
        return cpu >= 0 && cpu < t->ncpus ? t->cpu_node[cpu] : -1;
    }
    for (int c = 0; c < t->ncpus; c++)  /* a dump: its lowest CPU stands for "here" */
        if (t->cpu_node[c] >= 0)
            return t->cpu_node[c];
    return -1;
}

int topo__distance(const struct topo *t, int from_pos, int to_pos)
{
    if (from_pos < 0 || !t->distance)
        return INT_MAX;
    int d = t->distance[from_pos * t->nnodes + to_pos];
    return d > 0 ? d : INT_MAX;
}

int topo_nearest(const struct topo *t, int from, const topo_nodeset_t *set)
{
    if (!t || !set)
        return -1;
    if (topo_nodeset_has(set, from))
        return from;
    int fpos = topo_node_pos(t, from), best = -1, bestd = INT_MAX;
    for (int n = topo_nodeset_next(set, -1); n >= 0; n = topo_nodeset_next(set, n)) {
        int pos = topo_node_pos(t, n);
        int d = pos < 0 ? INT_MAX : topo__distance(t, fpos, pos);
        if (best < 0 || d < bestd) {  /* ascending walk: ties keep the lowest index */
            best = n;
            bestd = d;
        }
    }
    return best;
}

const char *topo_node_kind(const struct topo_node *n)
{
    if (n->subtype[0])
        return n->subtype;
    return n->has_cpu ? "DRAM" : "";
}
