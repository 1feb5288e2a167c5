/* numa/nodestr.c - node strings: what "0,2", "+1-2", "!0", "all", "local",
 * "cpubind" and "hbm:local" mean on a given machine (the grammar and the
 * differences from numactl are in topo.h), and why, in words.
 *
 * A node string is read in two passes over the same tokenizer: the first
 * checks the syntax of the whole string, so "1,x" is a syntax error
 * (-EINVAL) whatever node 1 is; the second evaluates item by item, in string
 * order, into a set of usable nodes (online, with memory, in Mems_allowed),
 * and the first item that selects nothing usable is the -ENODEV named.  "+"
 * and "!" are read once, at the start, and apply to the whole list.
 * Nothing here writes to the topology: every function is thread-safe on a
 * shared `struct topo` (cpubind reads the calling thread's affinity).
 */
#include "topo_private.h"
#include "error.h"
#include "fmt.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* hwloc's NUMA node subtypes (as documented up to hwloc 2.13); any other kind hwloc
 * reports on the machine at hand is taken too. */
static const char *const known_kinds[] = {"DRAM", "HBM", "MCDRAM", "NVM", "SPM", "GPUMemory", "CXL-DRAM", "CXL-NVM"};

enum item_type { IT_NUM, IT_RANGE, IT_ALL, IT_LOCAL, IT_CPUBIND, IT_KIND };
enum where_type { W_NONE, W_LOCAL, W_CPUBIND, W_NODE };

/* A number as written: its value (INT_MAX when larger) and its text. */
struct num { int v, off, len; };

struct item {
    enum item_type type;
    int off, len;            /* the item as written */
    struct num lo, hi;       /* IT_NUM (lo), IT_RANGE */
    const char *kind;        /* IT_KIND: canonical spelling (a known kind, or a node's subtype) */
    enum where_type where;
    struct num wnode;        /* W_NODE */
};

struct parser {
    const struct topo *t;
    const char *str;         /* the whole string, for messages */
    const char *p;
    bool invert, relative;
    topo_nodeset_t usable;
    char ulist[256];         /* the usable nodes, formatted */
    char *why;               /* explanation lines, or NULL */
    size_t whylen, whyused;
};

__attribute__((format(printf, 2, 3))) static void why_add(struct parser *ps, const char *fmt, ...)
{
    if (!ps->why || ps->whylen == 0 || ps->whyused + 1 >= ps->whylen)
        return;
    char *b = ps->why + ps->whyused;
    size_t room = ps->whylen - ps->whyused;
    int w = 0;
    if (ps->whyused) {
        *b++ = '\n';
        room--;
        w = 1;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room) {
        if (ps->whylen >= 4)
            memcpy(ps->why + ps->whylen - 4, "...", 4);
        ps->whyused = ps->whylen - 1;
        return;
    }
    ps->whyused += (size_t)(n + w);
}

static const char *fmt_set(const topo_nodeset_t *s, char *buf, size_t len)
{
    return topo_nodeset_count(s) ? topo_nodeset_format(s, buf, len) : "none";
}

/* "node 3" or "nodes 1-2,5" */
static const char *fmt_nodes(const topo_nodeset_t *s, char *buf, size_t len)
{
    char list[240];
    snprintf(buf, len, "node%s %s", topo_nodeset_count(s) == 1 ? "" : "s", fmt_set(s, list, sizeof list));
    return buf;
}

static const char *ordinal(int k, char *buf, size_t len)
{
    const char *suf = (k % 100 >= 11 && k % 100 <= 13) ? "th"
                      : k % 10 == 1 ? "st" : k % 10 == 2 ? "nd" : k % 10 == 3 ? "rd" : "th";
    snprintf(buf, len, "%d%s", k, suf);
    return buf;
}

/* A -ENODEV sentence ending with the usable nodes. */
__attribute__((format(printf, 2, 3))) static int enodev(const struct parser *ps, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    npool__errorf(-ENODEV, "%s", msg);
    npool__error_append("; nodes with memory this process may use: %s", ps->ulist);
    return -ENODEV;
}

/* Sentences quote the string (escaped, cut when long: fmt.h) and a number or
 * word as written up to 24 bytes, so what follows stays in the 512 bytes. */
#define SHOWN(len) ((len) > 24 ? 24 : (len))
#define CUT(len) ((len) > 24 ? "..." : "")

__attribute__((format(printf, 3, 4))) static int syntax(const struct parser *ps, const char *at, const char *fmt, ...)
{
    char msg[256], q[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return npool__errorf(-EINVAL, "node string %s: %s at offset %d%s", npool__quote(ps->str, q, sizeof q), msg,
                         (int)(at - ps->str), *at ? "" : " (end of string)");
}

static void skip_ws(struct parser *ps)
{
    while (isspace((unsigned char)*ps->p))
        ps->p++;
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_';
}

static int word_len(const char *p)
{
    int n = 0;
    if (!isalpha((unsigned char)*p))
        return 0;
    while (word_char(p[n]))
        n++;
    return n;
}

static bool word_eq(const char *w, int len, const char *kw)
{
    return (int)strlen(kw) == len && strncmp(w, kw, (size_t)len) == 0;
}

/* The canonical spelling of kind `w` (any case): a known kind or the
 * subtype of a node of this machine; NULL when it is neither. */
static const char *kind_of(const struct topo *t, const char *w, int len)
{
    for (size_t k = 0; k < sizeof known_kinds / sizeof known_kinds[0]; k++)
        if ((int)strlen(known_kinds[k]) == len && strncasecmp(w, known_kinds[k], (size_t)len) == 0)
            return known_kinds[k];
    for (int i = 0; i < t->nnodes; i++) {
        const char *k = topo_node_kind(&t->node[i]);
        if ((int)strlen(k) == len && len > 0 && strncasecmp(w, k, (size_t)len) == 0)
            return k;
    }
    return NULL;
}

static void read_num(struct parser *ps, struct num *n)
{
    long v = 0;
    n->off = (int)(ps->p - ps->str);
    for (; isdigit((unsigned char)*ps->p); ps->p++)
        v = v < INT_MAX / 10 ? v * 10 + (*ps->p - '0') : INT_MAX;
    n->v = (int)v;
    n->len = (int)(ps->p - ps->str) - n->off;
}

/* A number or a range at ps->p (a digit); 0, or -EINVAL with the sentence. */
static int number_item(struct parser *ps, struct item *it, const char *start)
{
    it->type = IT_NUM;
    read_num(ps, &it->lo);
    const char *after = ps->p;
    skip_ws(ps);
    if (*ps->p == '-') {
        ps->p++;
        skip_ws(ps);
        if (!isdigit((unsigned char)*ps->p))
            return syntax(ps, ps->p, "expected the end of the range");
        it->type = IT_RANGE;
        read_num(ps, &it->hi);
        after = ps->p;
        if (it->hi.v < it->lo.v)
            return syntax(ps, start, "range %.*s%s-%.*s%s runs backwards", SHOWN(it->lo.len), ps->str + it->lo.off,
                          CUT(it->lo.len), SHOWN(it->hi.len), ps->str + it->hi.off, CUT(it->hi.len));
    } else if (*ps->p == 'x' || *ps->p == 'X') {
        return syntax(ps, ps->p, "node numbers are decimal: unexpected '%c'", *ps->p);
    }
    it->len = (int)(after - start);
    return 0;
}

/* The sentence for a word that names nothing: -EINVAL. */
static int unknown_word(struct parser *ps, const char *w, int wl)
{
    char extra[160] = "";
    size_t used = 0;
    for (int i = 0; i < ps->t->nnodes; i++) {  /* kinds hwloc reports here beyond the known ones */
        const char *k = topo_node_kind(&ps->t->node[i]);
        bool known = false;
        for (size_t j = 0; j < sizeof known_kinds / sizeof known_kinds[0]; j++)
            known |= strcasecmp(k, known_kinds[j]) == 0;
        if (k[0] && !known && !strstr(extra, k) && used + strlen(k) + 3 < sizeof extra)
            used += (size_t)snprintf(extra + used, sizeof extra - used, ", %s", k);
    }
    int rc = syntax(ps, w, "unknown word \"%.*s%s\"", SHOWN(wl), w, CUT(wl));
    npool__error_append("; expected a node number, all, local, cpubind or a memory kind (dram, hbm, mcdram, "
                        "nvm, spm, gpumemory, cxl-dram, cxl-nvm%s), which may take :local, :cpubind or :N", extra);
    return rc;
}

/* One item at ps->p; 0, or -EINVAL with the sentence. */
static int next_item(struct parser *ps, struct item *it)
{
    memset(it, 0, sizeof *it);
    skip_ws(ps);
    const char *start = ps->p;
    it->off = (int)(start - ps->str);
    if (isdigit((unsigned char)*ps->p))
        return number_item(ps, it, start);
    int wl = word_len(ps->p);
    if (wl == 0) {
        if (*ps->p == '+' || *ps->p == '!')
            return syntax(ps, ps->p, "'%c' goes first in the string (\"!+1-2\"), not before an item", *ps->p);
        return syntax(ps, ps->p, "expected a node number or a name");
    }
    const char *w = ps->p;
    ps->p += wl;
    it->len = wl;
    if (word_eq(w, wl, "all"))
        it->type = IT_ALL;
    else if (word_eq(w, wl, "local"))
        it->type = IT_LOCAL;
    else if (word_eq(w, wl, "cpubind"))
        it->type = IT_CPUBIND;
    else if ((it->kind = kind_of(ps->t, w, wl)) != NULL)
        it->type = IT_KIND;
    else if (*ps->p == ':' && (word_eq(w, wl, "netdev") || word_eq(w, wl, "file") || word_eq(w, wl, "ip") ||
                               word_eq(w, wl, "block") || word_eq(w, wl, "pci")))
        return syntax(ps, w, "numactl's device form \"%.*s:\" is not supported (name the node)", wl, w);
    else
        return unknown_word(ps, w, wl);
    const char *colon = ps->p;
    while (isspace((unsigned char)*colon))
        colon++;
    if (*colon == ':' && it->type == IT_KIND) {
        ps->p = colon + 1;
        skip_ws(ps);
        int l = word_len(ps->p);
        if (word_eq(ps->p, l, "local"))
            it->where = W_LOCAL;
        else if (word_eq(ps->p, l, "cpubind"))
            it->where = W_CPUBIND;
        else if (isdigit((unsigned char)*ps->p)) {
            it->where = W_NODE;
            read_num(ps, &it->wnode);
            l = 0;
        } else
            return syntax(ps, ps->p, "expected local, cpubind or a number after '%.*s:'", wl, w);
        ps->p += l;
        it->len = (int)(ps->p - start);
    }
    return 0;
}

/* The whole string, one pass.  With `eval` false only the syntax is checked;
 * with it true each item is evaluated into *set by `fn`. */
static int walk(struct parser *ps, int (*fn)(struct parser *, const struct item *, topo_nodeset_t *),
                topo_nodeset_t *set)
{
    ps->p = ps->str;
    ps->invert = ps->relative = false;
    skip_ws(ps);
    if (*ps->p == '!') {
        ps->invert = true;
        ps->p++;
        skip_ws(ps);
    }
    if (*ps->p == '+') {
        ps->relative = true;
        ps->p++;
    }
    for (;;) {
        struct item it;
        char cn[8];
        int rc = next_item(ps, &it);
        if (rc == 0 && fn)
            rc = fn(ps, &it, set);
        if (rc)
            return rc;
        skip_ws(ps);
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == '\0')
            return 0;
        if (*ps->p == ':')
            return syntax(ps, ps->p, "unexpected ':' (only a memory kind takes :local, :cpubind or :N)");
        return syntax(ps, ps->p, "unexpected %s", npool__char_name(*ps->p, cn, sizeof cn));
    }
}

/* Why node n cannot be used, or NULL when it can. */
static const char *unusable_why(const struct topo *t, int n)
{
    int pos = topo_node_pos(t, n);
    if (pos < 0)
        return "does not exist on this machine";
    const struct topo_node *x = &t->node[pos];
    if (!x->online)
        return "is offline";
    if (!x->has_memory)
        return "has no memory of its own";
    if (!x->allowed)
        return "is not in this process's Mems_allowed (cpuset)";
    return NULL;
}

/* An absolute node number as written must be usable. */
static int check_abs(const struct parser *ps, const struct num *n)
{
    const char *why = n->v >= TOPO_MAX_NODE ? "does not exist on this machine" : unusable_why(ps->t, n->v);
    return why ? enodev(ps, "node %.*s%s %s", SHOWN(n->len), ps->str + n->off, CUT(n->len), why) : 0;
}

/* The k-th usable node (0-based), or -ENODEV. */
static int nth_usable(const struct parser *ps, const struct num *k, int *node)
{
    int i = 0, count = topo_nodeset_count(&ps->usable);
    for (int n = topo_nodeset_next(&ps->usable, -1); n >= 0; n = topo_nodeset_next(&ps->usable, n), i++)
        if (i == k->v) {
            *node = n;
            return 0;
        }
    char o[16];
    return enodev(ps, "+%.*s%s at offset %d asks for the %s usable node, and there %s %d (+0 to +%d)",
                  SHOWN(k->len), ps->str + k->off, CUT(k->len), k->off, ordinal(k->v < INT_MAX ? k->v + 1 : INT_MAX, o, sizeof o),
                  count == 1 ? "is" : "are", count, count - 1);
}

static int resolve_num(const struct parser *ps, const struct num *n, int *node)
{
    if (ps->relative)
        return nth_usable(ps, n, node);
    int rc = check_abs(ps, n);
    if (rc == 0)
        *node = n->v;
    return rc;
}

/* The nodes of the CPUs the calling thread may run on (live machine), or of
 * the dump's allowed cpuset. */
static int cpubind_raw(const struct topo *t, topo_nodeset_t *raw)
{
    memset(raw, 0, sizeof *raw);
    if (t->fsroot[0]) {
        *raw = t->cpu_allowed_nodes;
        return 0;
    }
    for (size_t n = t->ncpus > 1024 ? (size_t)t->ncpus : 1024; n <= (1u << 22); n *= 2) {
        cpu_set_t *cs = NPOOL_FAULT(ALLOC_CPUSET) ? NULL : CPU_ALLOC(n);
        size_t sz = CPU_ALLOC_SIZE(n);
        if (!cs)
            return npool__errorf(-ENOMEM, "cpubind: out of memory for a set of %zu CPUs", n);
        CPU_ZERO_S(sz, cs);
        if (sched_getaffinity(0, sz, cs) == 0) {
            for (int c = 0; c < t->ncpus; c++)
                if (CPU_ISSET_S((size_t)c, sz, cs) && t->cpu_node[c] >= 0)
                    topo_nodeset_add(raw, t->cpu_node[c]);
            CPU_FREE(cs);
            return 0;
        }
        int e = errno;
        CPU_FREE(cs);
        if (e != EINVAL)
            return npool__errorf(-e, "cpubind: sched_getaffinity failed: %s", strerror(e));
    }
    return npool__errorf(-EINVAL, "cpubind: sched_getaffinity refuses every CPU set size up to 4M CPUs");
}

static int eval_local(struct parser *ps, const struct item *it, topo_nodeset_t *set)
{
    const struct topo *t = ps->t;
    char a[256];
    if (t->fsroot[0] == '\0') {
        enum topo_policy pol;
        topo_nodeset_t pn;
        if (bind_get_policy(&pol, &pn) == 0 && (pol == TOPO_POL_BIND || pol == TOPO_POL_PREFERRED) &&
            topo_nodeset_count(&pn) > 0) {
            for (int n = topo_nodeset_next(&pn, -1); n >= 0; n = topo_nodeset_next(&pn, n))
                topo_nodeset_add(set, n);
            why_add(ps, "%.*s -> %s (the process's %s policy, as numactl --%s sets it)", it->len, ps->str + it->off,
                    fmt_nodes(&pn, a, sizeof a), pol == TOPO_POL_BIND ? "bind" : "preferred",
                    pol == TOPO_POL_BIND ? "membind" : "preferred");
            return 0;
        }
    }
    int here = topo_current_node(t);
    int n = topo_nearest(t, here, &ps->usable);
    if (n < 0)
        return enodev(ps, "\"local\": no node with memory is allowed to this process");
    topo_nodeset_add(set, n);
    const char *where = t->fsroot[0] ? "the node of the dump's lowest CPU" : "the node of the CPU this thread runs on";
    if (n == here)
        why_add(ps, "%.*s -> node %d (%s)", it->len, ps->str + it->off, n, where);
    else
        why_add(ps, "%.*s -> node %d (the nearest usable node to node %d, %s)", it->len, ps->str + it->off, n,
                here, where);
    return 0;
}

static int eval_cpubind(struct parser *ps, const struct item *it, topo_nodeset_t *set)
{
    const struct topo *t = ps->t;
    topo_nodeset_t raw, got;
    char a[256], b[256], note[256] = "";
    size_t nl = 0;
    int rc = cpubind_raw(t, &raw);
    if (rc)
        return rc;
    if (topo_nodeset_count(&raw) == 0)
        return enodev(ps, "\"cpubind\": the CPUs %s belong to no known node",
                      t->fsroot[0] ? "of the dump's allowed cpuset" : "this thread may run on");
    memset(&got, 0, sizeof got);
    for (int r = topo_nodeset_next(&raw, -1); r >= 0; r = topo_nodeset_next(&raw, r)) {
        int n = topo_nearest(t, r, &ps->usable);
        if (n < 0)
            return enodev(ps, "\"cpubind\": no node with memory is allowed to this process");
        topo_nodeset_add(&got, n);
        if (n != r && nl + 24 < sizeof note)  /* the node cannot be used: its nearest that can */
            nl += (size_t)snprintf(note + nl, sizeof note - nl, "%s%d->%d", nl ? ", " : "; unusable ones replaced by the nearest usable: ", r, n);
    }
    for (int n = topo_nodeset_next(&got, -1); n >= 0; n = topo_nodeset_next(&got, n))
        topo_nodeset_add(set, n);
    why_add(ps, "%.*s -> %s (%s belong to %s%s)", it->len, ps->str + it->off, fmt_nodes(&got, a, sizeof a),
            t->fsroot[0] ? "the dump's allowed CPUs" : "the CPUs this thread may run on", fmt_nodes(&raw, b, sizeof b),
            note);
    return 0;
}

/* Of `cand`, the nodes nearest to `from`: the smallest distance, ties kept,
 * and among the ties those whose hwloc locality holds from's CPUs when some
 * do.  *d receives the distance (INT_MAX unknown), *local whether locality
 * narrowed the ties. */
static void nearest_of(const struct topo *t, int from, const topo_nodeset_t *cand, topo_nodeset_t *out, int *d,
                       bool *local)
{
    int fpos = topo_node_pos(t, from), best = INT_MAX;
    topo_nodeset_t ties, near;
    memset(out, 0, sizeof *out);
    memset(&ties, 0, sizeof ties);
    memset(&near, 0, sizeof near);
    *local = false;
    if (topo_nodeset_has(cand, from)) {
        topo_nodeset_add(out, from);
        *d = fpos >= 0 ? topo__distance(t, fpos, fpos) : INT_MAX;
        return;
    }
    for (int n = topo_nodeset_next(cand, -1); n >= 0; n = topo_nodeset_next(cand, n)) {
        int pos = topo_node_pos(t, n), dn = pos < 0 ? INT_MAX : topo__distance(t, fpos, pos);
        if (dn < best) {
            best = dn;
            memset(&ties, 0, sizeof ties);
        }
        if (dn == best)
            topo_nodeset_add(&ties, n);
    }
    for (int n = topo_nodeset_next(&ties, -1); n >= 0; n = topo_nodeset_next(&ties, n)) {
        int pos = topo_node_pos(t, n);
        if (pos >= 0 && topo_nodeset_has(&t->node[pos].near_cpus, from))
            topo_nodeset_add(&near, n);
    }
    *d = best;
    if (topo_nodeset_count(&near) > 0 && topo_nodeset_count(&near) < topo_nodeset_count(&ties)) {
        *out = near;
        *local = true;
    } else
        *out = ties;
}

/* -ENODEV: no usable node is of the item's kind; the sentence lists the
 * kinds there are, each with its usable nodes. */
static int no_node_of_kind(struct parser *ps, const struct item *it)
{
    const struct topo *t = ps->t;
    char kinds[256] = "", b[256];
    size_t used = 0;
    for (int i = 0; i < t->nnodes; i++) {  /* each kind once, with its usable nodes */
        const char *k = topo_node_kind(&t->node[i]);
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= strcmp(topo_node_kind(&t->node[j]), k) == 0;
        if (seen)
            continue;
        topo_nodeset_t of;
        memset(&of, 0, sizeof of);
        for (int j = i; j < t->nnodes; j++)
            if (strcmp(topo_node_kind(&t->node[j]), k) == 0 && topo_nodeset_has(&ps->usable, t->node[j].os_index))
                topo_nodeset_add(&of, t->node[j].os_index);
        if (topo_nodeset_count(&of) && used + 32 < sizeof kinds)
            used += (size_t)snprintf(kinds + used, sizeof kinds - used, "%s%s %s", used ? ", " : "",
                                     k[0] ? k : "unknown", topo_nodeset_format(&of, b, sizeof b));
    }
    return enodev(ps, "\"%.*s\": no node of memory kind %s that this process may use (kinds here: %s)", it->len,
                  ps->str + it->off, it->kind, used ? kinds : "none");
}

static int eval_kind(struct parser *ps, const struct item *it, topo_nodeset_t *set)
{
    const struct topo *t = ps->t;
    topo_nodeset_t cand, origins, got;
    char a[256], b[256], c[384] = "";
    size_t cl = 0;
    memset(&cand, 0, sizeof cand);
    for (int n = topo_nodeset_next(&ps->usable, -1); n >= 0; n = topo_nodeset_next(&ps->usable, n)) {
        int pos = topo_node_pos(t, n);
        if (strcasecmp(topo_node_kind(&t->node[pos]), it->kind) == 0)
            topo_nodeset_add(&cand, n);
    }
    if (topo_nodeset_count(&cand) == 0)
        return no_node_of_kind(ps, it);
    if (it->where == W_NONE) {
        for (int n = topo_nodeset_next(&cand, -1); n >= 0; n = topo_nodeset_next(&cand, n))
            topo_nodeset_add(set, n);
        why_add(ps, "%.*s -> %s (every usable node of memory kind %s)", it->len, ps->str + it->off,
                fmt_nodes(&cand, a, sizeof a), it->kind);
        return 0;
    }
    memset(&origins, 0, sizeof origins);
    char from[128];
    if (it->where == W_LOCAL) {
        int here = topo_current_node(t);
        if (here < 0)
            return enodev(ps, "\"%.*s\": the node this thread runs on is unknown", it->len, ps->str + it->off);
        topo_nodeset_add(&origins, here);
        snprintf(from, sizeof from, "node %d, %s", here,
                 t->fsroot[0] ? "the node of the dump's lowest CPU" : "the node of the CPU this thread runs on");
    } else if (it->where == W_CPUBIND) {
        int rc = cpubind_raw(t, &origins);
        if (rc)
            return rc;
        if (topo_nodeset_count(&origins) == 0)
            return enodev(ps, "\"%.*s\": the CPUs this thread may run on belong to no known node", it->len,
                          ps->str + it->off);
        snprintf(from, sizeof from, "each node of %s",
                 t->fsroot[0] ? "the dump's allowed CPUs" : "the CPUs this thread may run on");
    } else {
        int pos = it->wnode.v < TOPO_MAX_NODE ? topo_node_pos(t, it->wnode.v) : -1;
        if (pos < 0 || !t->node[pos].online)
            return enodev(ps, "\"%.*s\": node %.*s %s", it->len, ps->str + it->off, it->wnode.len,
                          ps->str + it->wnode.off, pos < 0 ? "does not exist on this machine" : "is offline");
        topo_nodeset_add(&origins, it->wnode.v);
        snprintf(from, sizeof from, "node %d", it->wnode.v);
    }
    memset(&got, 0, sizeof got);
    for (int o = topo_nodeset_next(&origins, -1); o >= 0; o = topo_nodeset_next(&origins, o)) {
        topo_nodeset_t near;
        int d;
        bool local;
        nearest_of(t, o, &cand, &near, &d, &local);
        for (int n = topo_nodeset_next(&near, -1); n >= 0; n = topo_nodeset_next(&near, n))
            topo_nodeset_add(&got, n);
        char dist[32] = "distance unknown";
        if (d != INT_MAX)
            snprintf(dist, sizeof dist, "distance %d", d);
        if (cl + 64 < sizeof c)
        {
            char o_[24] = "";
            if (it->where == W_CPUBIND)
                snprintf(o_, sizeof o_, "node %d: ", o);
            cl += (size_t)snprintf(c + cl, sizeof c - cl, "%s%s%s at %s%s", cl ? "; " : "", o_,
                                   topo_nodeset_format(&near, b, sizeof b), dist,
                                   local ? ", near its CPUs for hwloc" : "");
        }
    }
    for (int n = topo_nodeset_next(&got, -1); n >= 0; n = topo_nodeset_next(&got, n))
        topo_nodeset_add(set, n);
    why_add(ps, "%.*s -> %s (of the %s %s, the nearest to %s: %s)", it->len, ps->str + it->off,
            fmt_nodes(&got, a, sizeof a), it->kind, fmt_nodes(&cand, b, sizeof b), from, c);
    return 0;
}

static int eval_item(struct parser *ps, const struct item *it, topo_nodeset_t *set)
{
    char a[256], o1[16], o2[16];
    int lo, hi, rc;
    const char *text = ps->str + it->off;
    switch (it->type) {
    case IT_NUM:
        if ((rc = resolve_num(ps, &it->lo, &lo)) != 0)
            return rc;
        topo_nodeset_add(set, lo);
        if (ps->relative)
            why_add(ps, "+%.*s -> node %d (the %s of the usable nodes %s)", it->len, text, lo,
                    ordinal(it->lo.v + 1, o1, sizeof o1), ps->ulist);
        else
            why_add(ps, "%.*s -> node %d", it->len, text, lo);
        return 0;
    case IT_RANGE: {
        if ((rc = resolve_num(ps, &it->lo, &lo)) != 0 || (rc = resolve_num(ps, &it->hi, &hi)) != 0)
            return rc;
        topo_nodeset_t r;
        memset(&r, 0, sizeof r);
        for (int n = topo_nodeset_next(&ps->usable, lo - 1); n >= 0 && n <= hi; n = topo_nodeset_next(&ps->usable, n))
            topo_nodeset_add(&r, n);
        for (int n = topo_nodeset_next(&r, -1); n >= 0; n = topo_nodeset_next(&r, n))
            topo_nodeset_add(set, n);
        if (ps->relative)
            why_add(ps, "+%.*s -> %s (the %s to %s of the usable nodes %s)", it->len, text, fmt_nodes(&r, a, sizeof a),
                    ordinal(it->lo.v + 1, o1, sizeof o1), ordinal(it->hi.v + 1, o2, sizeof o2), ps->ulist);
        else if (topo_nodeset_count(&r) != hi - lo + 1)
            why_add(ps, "%.*s -> %s (the usable nodes in %d-%d)", it->len, text, fmt_nodes(&r, a, sizeof a), lo, hi);
        else
            why_add(ps, "%.*s -> %s", it->len, text, fmt_nodes(&r, a, sizeof a));
        return 0;
    }
    case IT_ALL:
        if (topo_nodeset_count(&ps->usable) == 0)
            return enodev(ps, "\"all\": no node with memory is allowed to this process");
        for (int n = topo_nodeset_next(&ps->usable, -1); n >= 0; n = topo_nodeset_next(&ps->usable, n))
            topo_nodeset_add(set, n);
        why_add(ps, "all -> %s (every usable node)", fmt_nodes(&ps->usable, a, sizeof a));
        return 0;
    case IT_LOCAL:
        return eval_local(ps, it, set);
    case IT_CPUBIND:
        return eval_cpubind(ps, it, set);
    case IT_KIND:
        return eval_kind(ps, it, set);
    }
    return npool__errorf(-EINVAL, "node string \"%s\": internal error (item type %d)", ps->str, (int)it->type);
}

int topo_parse_nodes_why(const struct topo *t, const char *str, topo_nodeset_t *out, char *why, size_t whylen)
{
    if (why && whylen)
        why[0] = '\0';
    if (!t || !out)
        return npool__errorf(-EINVAL, "topo_parse_nodes: NULL topology or output");
    struct parser ps = {.t = t, .str = str ? str : "", .why = why, .whylen = why ? whylen : 0};
    topo__usable_nodes(t, &ps.usable);
    fmt_set(&ps.usable, ps.ulist, sizeof ps.ulist);

    const char *p = ps.str;
    while (isspace((unsigned char)*p))
        p++;
    topo_nodeset_t set;
    memset(&set, 0, sizeof set);
    int rc;
    if (*p == '\0') {  /* NULL, "" and blanks: "local" */
        struct item it = {.type = IT_LOCAL, .off = 0, .len = 0};
        ps.str = "local";
        it.len = 5;
        if ((rc = eval_local(&ps, &it, &set)) != 0)
            return rc;
        *out = set;
        return 0;
    }
    if ((rc = walk(&ps, NULL, NULL)) != 0)  /* syntax first */
        return rc;
    if ((rc = walk(&ps, eval_item, &set)) != 0)
        return rc;
    if (ps.invert) {
        topo_nodeset_t inv;
        char a[256], b[256];
        memset(&inv, 0, sizeof inv);
        for (int n = topo_nodeset_next(&ps.usable, -1); n >= 0; n = topo_nodeset_next(&ps.usable, n))
            if (!topo_nodeset_has(&set, n))
                topo_nodeset_add(&inv, n);
        why_add(&ps, "! -> %s (the usable nodes %s except %s)", fmt_nodes(&inv, a, sizeof a), ps.ulist,
                fmt_set(&set, b, sizeof b));
        set = inv;
    }
    if (topo_nodeset_count(&set) == 0)
        return enodev(&ps, "node string \"%s\" selects no node", ps.str);
    *out = set;
    return 0;
}

int topo_parse_nodes(const struct topo *t, const char *str, topo_nodeset_t *out)
{
    return topo_parse_nodes_why(t, str, out, NULL, 0);
}
