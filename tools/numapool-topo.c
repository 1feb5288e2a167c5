/* tools/numapool-topo.c - what numapool sees of a machine: nodes, CPUs,
 * memory, hugepages per size and node, THP, distances, what this process may
 * use, and, for a pool size, what NPOOL_PAGES_AUTO would pick on each node
 * and why (the same npool__pages_auto() the pool calls); or, with --nodes,
 * what node strings mean here and why (the same topo_parse_nodes() as
 * npool_config_t::nodes and NUMAPOOL_NODES).
 *
 *   numapool-topo [--fsroot DIR | --fsroot synthetic:DESC] [--size BYTES[K|M|G]] [--json]
 *   numapool-topo [--fsroot DIR] --nodes STRING [--nodes STRING...] [--json]
 *
 * A table for people; --json for scripts, nodes keyed by OS index.  Exit 0,
 * 1 when the machine cannot be read, 2 on bad arguments, 3 when a --nodes
 * string is refused (each refused one says why).
 */
#include "topo.h"
#include "error.h"
#include "pages.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("usage: numapool-topo [--fsroot DIR] [--size BYTES[K|M|G]] [--json]\n"
          "       numapool-topo [--fsroot DIR] --nodes STRING [--nodes STRING...] [--json]\n"
          "  --fsroot DIR    report on a machine dumped under DIR (or synthetic:DESC, an hwloc synthetic topology)\n"
          "  --size BYTES    show what NPOOL_PAGES_AUTO would pick for an arena of BYTES on each node\n"
          "  --nodes STRING  resolve a node string (\"0-2\", \"+0\", \"!1\", \"cpubind\", \"hbm:local\"...) as a pool\n"
          "                  would, and say why; repeatable; exit 3 when one is refused\n"
          "  --json          machine-readable output, nodes keyed by OS index\n", f);
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || s[0] == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case '\0': break;
    default: return -1;
    }
    if (*end == 'i' && end[1] == 'B')
        end += 2;
    else if (*end == 'B')
        end++;
    if (*end || v == 0 || v > (SIZE_MAX >> shift))
        return -1;
    *out = (size_t)(v << shift);
    return 0;
}

static const char *human(uint64_t b, char *buf, size_t len)
{
    const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%" PRIu64 " B", b);
    else
        snprintf(buf, len, "%.1f %s", v, unit[u]);
    return buf;
}

static const char *hp_name(size_t bytes, char *buf, size_t len)
{
    if (bytes >= (1u << 30) && bytes % (1u << 30) == 0)
        snprintf(buf, len, "%zuG", bytes >> 30);
    else if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
        snprintf(buf, len, "%zuM", bytes >> 20);
    else
        snprintf(buf, len, "%zuK", bytes >> 10);
    return buf;
}

static const char *policy_name(enum topo_policy p)
{
    switch (p) {
    case TOPO_POL_DEFAULT: return "default";
    case TOPO_POL_BIND: return "bind";
    case TOPO_POL_PREFERRED: return "preferred";
    case TOPO_POL_INTERLEAVE: return "interleave";
    case TOPO_POL_LOCAL: return "local";
    default: return "other";
    }
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* --nodes: resolve each string and say why; returns 0, or 3 when one is refused. */
static int resolve_strings(const struct topo *t, const char *fsroot, const char *const *strs, int n, bool json)
{
    int status = 0;
    char why[4096], list[512];
    if (json) {
        printf("{\n  \"fsroot\": ");
        json_str(fsroot ? fsroot : "");
        printf(",\n  \"node_strings\": [");
    }
    for (int i = 0; i < n; i++) {
        topo_nodeset_t set;
        int rc = topo_parse_nodes_why(t, strs[i], &set, why, sizeof why);
        if (rc)
            status = 3;
        if (json) {
            printf("%s\n    {\"string\": ", i ? "," : "");
            json_str(strs[i]);
            if (rc) {
                printf(", \"ok\": false, \"error\": ");
                json_str(npool__strerror(rc));
                printf(", \"message\": ");
                json_str(npool__last_error());
            } else {
                printf(", \"ok\": true, \"set\": \"%s\", \"nodes\": [", topo_nodeset_format(&set, list, sizeof list));
                for (int k = topo_nodeset_next(&set, -1), first = 1; k >= 0; k = topo_nodeset_next(&set, k), first = 0)
                    printf("%s%d", first ? "" : ", ", k);
                printf("]");
            }
            printf(", \"why\": [");
            for (char *line = why, *next; *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                    *next++ = '\0';
                else
                    next = line + strlen(line);
                printf("%s", line == why ? "" : ", ");
                json_str(line);
            }
            printf("]}");
        } else {
            if (rc)
                printf("\"%s\" is refused: %s\n", strs[i], npool__last_error());
            else
                printf("\"%s\" -> node%s %s\n", strs[i], topo_nodeset_count(&set) == 1 ? "" : "s",
                       topo_nodeset_format(&set, list, sizeof list));
            for (char *line = why, *next; *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                    *next++ = '\0';
                else
                    next = line + strlen(line);
                printf("  %s\n", line);
            }
        }
    }
    if (json)
        printf("\n  ]\n}\n");
    return status;
}

struct pick { int rc; size_t page_size; char why[512]; };

static const char *backing(const struct topo *t, const struct pick *p, char *buf, size_t len)
{
    if (p->rc)
        return "none";
    if (p->page_size == 0)
        return "THP";
    if (p->page_size == t->base_page_size)
        return "base";
    return hp_name(p->page_size, buf, len);
}

int main(int argc, char **argv)
{
    const char *fsroot = NULL;
    size_t size = 0;
    bool json = false;
    const char **strs = calloc((size_t)argc, sizeof *strs);
    int nstrs = 0;
    if (!strs)
        return 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--nodes") == 0 && i + 1 < argc)
            strs[nstrs++] = argv[++i];
        else if (strncmp(argv[i], "--nodes=", 8) == 0)
            strs[nstrs++] = argv[i] + 8;
        else if (strcmp(argv[i], "--fsroot") == 0 && i + 1 < argc)
            fsroot = argv[++i];
        else if (strncmp(argv[i], "--fsroot=", 9) == 0)
            fsroot = argv[i] + 9;
        else if ((strcmp(argv[i], "--size") == 0 && i + 1 < argc) || strncmp(argv[i], "--size=", 7) == 0) {
            const char *v = argv[i][6] == '=' ? argv[i] + 7 : argv[++i];
            if (parse_size(v, &size)) {
                fprintf(stderr, "numapool-topo: bad size '%s' (a positive number, optionally K, M or G)\n", v);
                free(strs);
                return 2;
            }
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            free(strs);
            return 0;
        } else {
            fprintf(stderr, "numapool-topo: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            free(strs);
            return 2;
        }
    }

    struct topo *owned = NULL;
    const struct topo *t;
    int rc = fsroot ? topo_open(fsroot, &owned) : topo_system(&t);
    if (rc) {
        fprintf(stderr, "numapool-topo: %s\n", npool__last_error());
        free(strs);
        return 1;
    }
    if (owned)
        t = owned;
    if (nstrs) {
        if (size)
            fprintf(stderr, "numapool-topo: --size is ignored with --nodes\n");
        int st = resolve_strings(t, fsroot, strs, nstrs, json);
        free(strs);
        topo_close(owned);
        return st;
    }
    free(strs);

    char a[64], b[64], c[64], list[512];
    size_t sizes[TOPO_MAX_HPSIZES];
    int nsizes = topo_hugepage_sizes(t, sizes, TOPO_MAX_HPSIZES);
    enum topo_thp thp = topo_thp_mode(t);
    uint64_t cgmem = UINT64_MAX;
    (void)topo_cgroup_mem_available(t, &cgmem);
    enum topo_policy pol = TOPO_POL_DEFAULT;
    topo_nodeset_t polnodes;
    memset(&polnodes, 0, sizeof polnodes);
    bool havepol = !fsroot && bind_get_policy(&pol, &polnodes) == 0;
    topo_nodeset_t local;
    bool havelocal = topo_parse_nodes(t, "local", &local) == 0;
    topo_nodeset_t all;
    bool haveall = topo_parse_nodes(t, "all", &all) == 0;
    topo_nodeset_t cpubind;
    bool havecpubind = topo_parse_nodes(t, "cpubind", &cpubind) == 0;
    char kinds[512] = "";  /* "DRAM 0-1, HBM 2,4": the usable nodes of each kind */
    for (int i = 0, used = 0; i < t->nnodes; i++) {
        const char *k = topo_node_kind(&t->node[i]);
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= strcmp(topo_node_kind(&t->node[j]), k) == 0;
        topo_nodeset_t of;
        memset(&of, 0, sizeof of);
        for (int j = i; j < t->nnodes && !seen; j++)
            if (strcmp(topo_node_kind(&t->node[j]), k) == 0 && t->node[j].online && t->node[j].has_memory &&
                t->node[j].allowed)
                topo_nodeset_add(&of, t->node[j].os_index);
        if (!seen && topo_nodeset_count(&of) && used + 40 < (int)sizeof kinds)
            used += snprintf(kinds + used, sizeof kinds - (size_t)used, "%s%s %s", used ? ", " : "",
                             k[0] ? k : "unknown", topo_nodeset_format(&of, list, sizeof list));
    }

    struct pick *picks = calloc((size_t)t->nnodes, sizeof *picks);
    if (!picks)
        return 1;
    for (int i = 0; size && i < t->nnodes; i++) {
        picks[i].rc = npool__pages_auto(t, t->node[i].os_index, size, &picks[i].page_size,
                                      picks[i].why, sizeof picks[i].why);
        if (picks[i].rc)
            snprintf(picks[i].why, sizeof picks[i].why, "%s", npool__last_error());
    }

    if (json) {
        printf("{\n  \"fsroot\": ");
        json_str(fsroot ? fsroot : "");
        printf(",\n  \"base_page_size\": %zu,\n  \"thp\": \"%s\",\n  \"hugepage_sizes\": [", t->base_page_size,
               topo_thp_name(thp));
        for (int i = 0; i < nsizes; i++)
            printf("%s%zu", i ? ", " : "", sizes[i]);
        printf("],\n  \"mems_allowed\": \"%s\",\n", topo_nodeset_format(&t->allowed, list, sizeof list));
        printf("  \"all\": \"%s\",\n", haveall ? topo_nodeset_format(&all, list, sizeof list) : "");
        printf("  \"local\": \"%s\",\n", havelocal ? topo_nodeset_format(&local, list, sizeof list) : "");
        printf("  \"cpubind\": \"%s\",\n", havecpubind ? topo_nodeset_format(&cpubind, list, sizeof list) : "");
        printf("  \"kinds\": ");
        json_str(kinds);
        printf(",\n");
        if (havepol)
            printf("  \"policy\": \"%s\",\n  \"policy_nodes\": \"%s\",\n", policy_name(pol),
                   topo_nodeset_format(&polnodes, list, sizeof list));
        else
            printf("  \"policy\": null,\n  \"policy_nodes\": null,\n");
        if (cgmem == UINT64_MAX)
            printf("  \"cgroup_mem_available\": null,\n");
        else
            printf("  \"cgroup_mem_available\": %" PRIu64 ",\n", cgmem);
        if (size)
            printf("  \"size\": %zu,\n", size);
        printf("  \"nodes\": {");
        for (int i = 0; i < t->nnodes; i++) {
            const struct topo_node *n = &t->node[i];
            uint64_t avail = 0;
            bool haveavail = n->online && topo_node_mem_available(t, n->os_index, &avail) == 0;
            printf("%s\n    \"%d\": {\"online\": %s, \"has_memory\": %s, \"has_cpu\": %s, \"allowed\": %s, ",
                   i ? "," : "", n->os_index, n->online ? "true" : "false", n->has_memory ? "true" : "false",
                   n->has_cpu ? "true" : "false", n->allowed ? "true" : "false");
            printf("\"kind\": ");
            json_str(topo_node_kind(n));
            printf(", \"subtype\": ");
            json_str(n->subtype);
            printf(", \"cpus\": \"%s\", \"ncpus\": %d, \"mem_total\": %" PRIu64 ", \"mem_free\": %" PRIu64 ", ",
                   n->cpulist, n->ncpus, n->mem_total, n->mem_free);
            if (haveavail)
                printf("\"mem_available\": %" PRIu64 ", ", avail);
            else
                printf("\"mem_available\": null, ");
            printf("\"hugepages\": {");
            for (int k = 0; k < n->nhp; k++) {
                long f = n->hp[k].free;
                (void)topo_hugepages_free(t, n->os_index, n->hp[k].page_size, &f);
                printf("%s\"%zu\": {\"free\": %ld, \"total\": %ld}", k ? ", " : "", n->hp[k].page_size, f,
                       n->hp[k].total);
            }
            printf("}, \"distances\": {");
            for (int j = 0; t->distance && j < t->nnodes; j++)
                printf("%s\"%d\": %d", j ? ", " : "", t->node[j].os_index, t->distance[i * t->nnodes + j]);
            printf("}");
            if (size) {
                printf(", \"auto\": {\"page_size\": ");
                if (picks[i].rc)
                    printf("null");
                else
                    printf("%zu", picks[i].page_size);
                printf(", \"backing\": \"%s\", \"why\": ", backing(t, &picks[i], a, sizeof a));
                json_str(picks[i].why);
                printf("}");
            }
            printf("}");
        }
        printf("\n  }\n}\n");
    } else {
        printf("machine: %s\n", fsroot ? fsroot : "this one");
        printf("base pages %s, THP %s, hugepage sizes:", human(t->base_page_size, a, sizeof a), topo_thp_name(thp));
        for (int i = 0; i < nsizes; i++)
            printf(" %s", human(sizes[i], a, sizeof a));
        printf("%s\n", nsizes ? "" : " none");
        printf("this process may use nodes %s (Mems_allowed)", topo_nodeset_format(&t->allowed, list, sizeof list));
        if (havepol)
            printf(", memory policy %s%s%s", policy_name(pol), topo_nodeset_count(&polnodes) ? " " : "",
                   topo_nodeset_format(&polnodes, b, sizeof b));
        printf("\n\"all\" = %s, \"local\" = %s", haveall ? topo_nodeset_format(&all, list, sizeof list) : "(none)",
               havelocal ? topo_nodeset_format(&local, b, sizeof b) : "(none)");
        printf(", \"cpubind\" = %s; cgroup memory available: %s\n",
               havecpubind ? topo_nodeset_format(&cpubind, list, sizeof list) : "(none)",
               cgmem == UINT64_MAX ? "unlimited" : human(cgmem, c, sizeof c));
        printf("memory kinds (node strings \"dram\", \"hbm:local\"...): %s\n\n", kinds[0] ? kinds : "none");
        printf("%5s %-18s %10s %10s %10s  %-9s  %s\n", "node", "cpus", "mem total", "mem free", "available",
               "state", "hugepages free/total by size");
        for (int i = 0; i < t->nnodes; i++) {
            const struct topo_node *n = &t->node[i];
            uint64_t avail = 0;
            char st[32];
            bool haveavail = n->online && topo_node_mem_available(t, n->os_index, &avail) == 0;
            snprintf(st, sizeof st, "%s%s", !n->online ? "offline" : !n->allowed ? "denied" : "ok",
                     n->online && !n->has_memory ? ",no-mem" : "");
            printf("%5d %-18s %10s %10s %10s  %-9s ", n->os_index, n->has_cpu ? n->cpulist : "(none)",
                   human(n->mem_total, a, sizeof a), human(n->mem_free, b, sizeof b),
                   haveavail ? human(avail, c, sizeof c) : "?", st);
            for (int k = 0; k < n->nhp; k++) {
                long f = n->hp[k].free;
                (void)topo_hugepages_free(t, n->os_index, n->hp[k].page_size, &f);
                printf(" %s %ld/%ld", hp_name(n->hp[k].page_size, a, sizeof a), f, n->hp[k].total);
            }
            if (n->subtype[0])
                printf("  [%s]", n->subtype);
            printf("\n");
        }
        if (t->distance) {
            printf("\ndistances (row: from, column: to)\n%5s", "");
            for (int j = 0; j < t->nnodes; j++)
                printf(" %4d", t->node[j].os_index);
            printf("\n");
            for (int i = 0; i < t->nnodes; i++) {
                printf("%5d", t->node[i].os_index);
                for (int j = 0; j < t->nnodes; j++)
                    printf(" %4d", t->distance[i * t->nnodes + j]);
                printf("\n");
            }
        } else
            printf("\ndistances: unknown\n");
        if (size) {
            printf("\nNPOOL_PAGES_AUTO for %s per node:\n", human(size, a, sizeof a));
            for (int i = 0; i < t->nnodes; i++)
                printf("%5d  %-5s %s\n", t->node[i].os_index, backing(t, &picks[i], a, sizeof a), picks[i].why);
        }
    }
    free(picks);
    topo_close(owned);
    return 0;
}
