/* numa/nodeset.c - node sets, node strings and node choice: what "0,2",
 * "1-3", "all" and "local" mean on a given machine, which node the calling
 * thread is on, and which node of a set is nearest to another.
 *
 * Invariants: a node string is checked completely for syntax before any node
 * in it is judged, so "1,x" is a syntax error (-EINVAL) whatever node 1 is;
 * then every named node must be online, have memory and be in Mems_allowed
 * (-ENODEV otherwise, the lowest bad node named).  Nothing here writes to the
 * topology: every function is thread-safe on a shared `struct topo`.
 */
#include "topo_private.h"
#include "error.h"
#include "fmt.h"

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
static void usable_nodes(const struct topo *t, topo_nodeset_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < t->nnodes; i++) {
        const struct topo_node *n = &t->node[i];
        if (n->online && n->has_memory && n->allowed)
            topo_nodeset_add(out, n->os_index);
    }
}

static int fail_node(const struct topo *t, int node, const char *why_fmt)
{
    topo_nodeset_t ok;
    char list[256];
    usable_nodes(t, &ok);
    npool__errorf(-ENODEV, why_fmt, node);
    npool__error_append("; nodes with memory this process may use: %s",
                        topo_nodeset_count(&ok) ? topo_nodeset_format(&ok, list, sizeof list) : "none");
    return -ENODEV;
}

static int check_node(const struct topo *t, int node)
{
    int pos = topo_node_pos(t, node);
    if (pos < 0)
        return fail_node(t, node, "node %d does not exist on this machine");
    const struct topo_node *n = &t->node[pos];
    if (!n->online)
        return fail_node(t, node, "node %d is offline");
    if (!n->has_memory)
        return fail_node(t, node, "node %d has no memory of its own");
    if (!n->allowed)
        return fail_node(t, node, "node %d is not in this process's Mems_allowed (cpuset)");
    return 0;
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

static int distance_of(const struct topo *t, int from_pos, int to_pos)
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
        int d = pos < 0 ? INT_MAX : distance_of(t, fpos, pos);
        if (best < 0 || d < bestd) {  /* ascending walk: ties keep the lowest index */
            best = n;
            bestd = d;
        }
    }
    return best;
}

static int parse_local(const struct topo *t, topo_nodeset_t *out)
{
    topo_nodeset_t ok;
    usable_nodes(t, &ok);
    if (t->fsroot[0] == '\0') {
        enum topo_policy pol;
        topo_nodeset_t pn;
        if (bind_get_policy(&pol, &pn) == 0 && (pol == TOPO_POL_BIND || pol == TOPO_POL_PREFERRED) &&
            topo_nodeset_count(&pn) > 0) {
            *out = pn;
            return 0;
        }
    }
    int here = topo_current_node(t);
    int n = topo_nearest(t, here, &ok);
    if (n < 0)
        return npool__errorf(-ENODEV, "\"local\": no node with memory is allowed to this process");
    memset(out, 0, sizeof *out);
    topo_nodeset_add(out, n);
    return 0;
}

static bool word_is(const char *p, const char *w)
{
    size_t l = strlen(w);
    if (strncmp(p, w, l) != 0)
        return false;
    p += l;
    while (isspace((unsigned char)*p))
        p++;
    return *p == '\0';
}

/* A character of a node string for a sentence: 'x', or \xNN when it would not print. */
static const char *char_name(char c, char *buf, size_t len)
{
    unsigned char u = (unsigned char)c;
    snprintf(buf, len, u < 0x20 || u >= 0x7f ? "\\x%02x" : "'%c'", u);
    return buf;
}

int topo_parse_nodes(const struct topo *t, const char *str, topo_nodeset_t *out)
{
    topo_nodeset_t set;
    char q[96], cn[8];
    if (!t || !out)
        return npool__errorf(-EINVAL, "topo_parse_nodes: NULL topology or output");
    const char *p = str ? str : "";
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0' || word_is(p, "local"))
        return parse_local(t, out);
    if (word_is(p, "all")) {
        usable_nodes(t, out);
        return topo_nodeset_count(out) ? 0
               : npool__errorf(-ENODEV, "\"all\": no node with memory is allowed to this process");
    }
    memset(&set, 0, sizeof set);
    /* a number past TOPO_MAX_NODE: not a syntax error, no such node (named as written) */
    const char *toobig = NULL;
    int toobig_len = 0;
    for (;;) {
        int lo, hi;
        while (isspace((unsigned char)*p))
            p++;
        if (!isdigit((unsigned char)*p))
            return npool__errorf(-EINVAL, "node string %s: expected a node number at offset %d%s",
                                 npool__quote(str, q, sizeof q), (int)(p - str), *p ? "" : " (end of string)");
        const char *start = p, *num = p;
        long v = 0;
        for (; isdigit((unsigned char)*p); p++)
            v = v < INT_MAX / 10 ? v * 10 + (*p - '0') : INT_MAX;
        lo = hi = (int)v;
        if (lo >= TOPO_MAX_NODE && !toobig) {
            toobig = num;
            toobig_len = (int)(p - num);
        }
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '-') {
            p++;
            while (isspace((unsigned char)*p))
                p++;
            if (!isdigit((unsigned char)*p))
                return npool__errorf(-EINVAL, "node string %s: expected the end of the range at offset %d",
                                     npool__quote(str, q, sizeof q), (int)(p - str));
            num = p;
            for (v = 0; isdigit((unsigned char)*p); p++)
                v = v < INT_MAX / 10 ? v * 10 + (*p - '0') : INT_MAX;
            hi = (int)v;
            if (hi < lo)
                return npool__errorf(-EINVAL, "node string %s: range %d-%d at offset %d runs backwards",
                                     npool__quote(str, q, sizeof q), lo, hi, (int)(start - str));
            if (hi >= TOPO_MAX_NODE && !toobig) {
                toobig = num;
                toobig_len = (int)(p - num);
            }
        }
        for (int n = lo; n <= hi && n < TOPO_MAX_NODE; n++)
            topo_nodeset_add(&set, n);
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        return npool__errorf(-EINVAL, "node string %s: unexpected %s at offset %d", npool__quote(str, q, sizeof q),
                             char_name(*p, cn, sizeof cn), (int)(p - str));
    }
    for (int n = topo_nodeset_next(&set, -1); n >= 0; n = topo_nodeset_next(&set, n)) {
        int rc = check_node(t, n);
        if (rc)
            return rc;
    }
    if (toobig) {
        topo_nodeset_t ok;
        char list[256];
        usable_nodes(t, &ok);
        npool__errorf(-ENODEV, "node %.*s%s does not exist on this machine (node numbers end at %d)",
                      toobig_len > 24 ? 24 : toobig_len, toobig, toobig_len > 24 ? "..." : "", TOPO_MAX_NODE - 1);
        npool__error_append("; nodes with memory this process may use: %s",
                            topo_nodeset_count(&ok) ? topo_nodeset_format(&ok, list, sizeof list) : "none");
        return -ENODEV;
    }
    *out = set;
    return 0;
}
