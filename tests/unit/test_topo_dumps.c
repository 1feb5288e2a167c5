/* tests/test_topo_dumps.c - numa/ on real machines, from the file-system
 * dumps of ../shared/topologies (unpacked by the numa_topologies fixture).
 * The expected answers below were written down from each dump's own files
 * (each node's cpulist or cpumap, meminfo, distance, hugepages, the cpuset and
 * cgroup files), not from numapool's output, and are checked exactly.
 * Exits 77 (skip) with the reason when the dumps are absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topo.h"
#include "topo_private.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define KB 1024ull
#define MAXN 6

struct node_exp {
    int node;
    const char *cpus;        /* NULL: no CPU */
    uint64_t mem_total_kb, mem_free_kb;
    bool online, has_memory, allowed;
    const char *kind;
    int nhp;
    size_t hp_kb[4];
    long hp_total[4], hp_free[4];
};

struct parse_exp { const char *str; int rc; const char *want; /* set, or a part of the sentence */ };
struct nearest_exp { int from; const char *set; int want; };
struct dist_exp { int from, to, d; };

struct dump_exp {
    const char *dir;         /* folder inside the tarball */
    int nnodes;
    const char *nodes;       /* every entry of node[], offline ones too */
    const char *allowed, *all, *local;
    size_t base_page;
    int nsizes;
    size_t sizes_kb[4];
    bool no_distance;
    struct node_exp n[MAXN];
    struct parse_exp parse[20];
    struct nearest_exp nearest[4];
    struct dist_exp dist[4];
};

static const struct dump_exp dumps[] = {
    { .dir = "48amd64-4d2n6c-sparse", .nnodes = 8, .nodes = "0-2,33-34,45,72-73",
      .allowed = "0-2,33-34,45,72-73", .all = "0-2,33-34,45,72-73", .local = "0", .base_page = 4096,
      .nsizes = 1, .sizes_kb = {2048},  /* no /sys/kernel/mm/hugepages: the nodes' sizes */
      .n = { { 0, "0-5", 8386460, 8108428, true, true, true, "", 1, {2048}, {0}, {0} },
             { 33, "18-23", 16777216, 16476596, true, true, true, "", 1, {2048}, {0}, {0} },
             { 73, "42-47", 0, 0, true, true, true, "", 1, {2048}, {0}, {0} } },
      .parse = { { "3", -ENODEV, "node 3 does not exist on this machine; nodes with memory this process may use: 0-2,33-34,45,72-73" },
                 { "33,1", 0, "1,33" }, { " 72 - 73 ", 0, "72-73" },
                 /* a range takes the usable nodes inside it; both ends must be usable (numactl) */
                 { "0-33", 0, "0-2,33" }, { "33-72", 0, "33-34,45,72" }, { "0-74", -ENODEV, "node 74 does not exist" },
                 { "0,74", -ENODEV, "node 74 does not exist" },
                 /* + counts the usable nodes 0,1,2,33,34,45,72,73 from 0 */
                 { "+3", 0, "33" }, { "+7", 0, "73" }, { "+2-4", 0, "2,33-34" },
                 { "+8", -ENODEV, "+8 at offset 1 asks for the 9th usable node, and there are 8 (+0 to +7)" },
                 /* ! inverts over the usable nodes, not over 0..7 as numactl does */
                 { "!0-2", 0, "33-34,45,72-73" }, { "!+0-6", 0, "73" },
                 /* no subtype from hwloc: every node has CPUs, so all are DRAM */
                 { "dram", 0, "0-2,33-34,45,72-73" }, { "cpubind", 0, "0-2,33-34,45,72-73" },
                 { "hbm", -ENODEV, "no node of memory kind HBM that this process may use (kinds here: DRAM 0-2,33-34,45,72-73)" } },
      .nearest = { { 0, "33-34,45", 34 }, { 2, "33-34,45,72-73", 33 }, { 1, "0,2,33-34", 0 }, { 45, "45", 45 } },
      .dist = { { 0, 33, 22 }, { 2, 34, 16 }, { 73, 0, 22 }, { 45, 45, 10 } } },

    { .dir = "256ppc-8n8s4t", .nnodes = 8, .nodes = "0-1,4-5,8-9,12-13",
      .allowed = "0-1,4-5,8-9,12-13", .all = "0-1,4-5,8-9,12-13", .local = "0", .base_page = 4096,
      .n = { { 4, "64-95", 66846720, 65789120, true, true, true, "", 0, {0}, {0}, {0} },
             { 13, "224-255", 0, 0, true, true, true, "", 0, {0}, {0}, {0} },
             { 0, "0-31", 58458112, 57280640, true, true, true, "", 0, {0}, {0}, {0} } },
      .parse = { { "2", -ENODEV, "node 2 does not exist on this machine; nodes with memory this process may use: 0-1,4-5,8-9,12-13" },
                 { "12,4,0", 0, "0,4,12" }, { "4-5", 0, "4-5" },
                 { "1-5", 0, "1,4-5" }, { "2-5", -ENODEV, "node 2 does not exist" }, { "+2", 0, "4" }, { "+7", 0, "13" },
                 { "!+0-5", 0, "12-13" }, { "!4-9", 0, "0-1,12-13" } },
      .nearest = { { 4, "0-1,5,12", 5 }, { 0, "4,8,12", 4 }, { 13, "0,12", 12 } },
      .dist = { { 0, 1, 20 }, { 4, 5, 20 }, { 13, 0, 40 } } },

    { .dir = "fakeheteromemtiers", .nnodes = 10, .nodes = "0-9",
      .allowed = "0-2,4,6,8-9", .all = "0-2,4,6,8-9", .local = "0", .base_page = 4096,
      .nsizes = 1, .sizes_kb = {2048},
      .n = { { 0, "0-1", 3005392, 2814956, true, true, true, "DRAM", 1, {2048}, {0}, {0} },
             { 2, "4-5", 524288, 521992, true, true, true, "HBM", 1, {2048}, {0}, {0} },
             { 4, NULL, 524288, 524288, true, true, true, "HBM", 1, {2048}, {0}, {0} },
             { 8, NULL, 393216, 0, true, true, true, "NVM", 1, {2048}, {0}, {0} },
             { 3, NULL, 0, 0, false, false, false, "", 0, {0}, {0}, {0} } },
      .parse = { { "3", -ENODEV, "node 3 is offline; nodes with memory this process may use: 0-2,4,6,8-9" },
                 { "4", 0, "4" }, { "0-2", 0, "0-2" }, { "8-9,6", 0, "6,8-9" }, { "2-4", 0, "2,4" },
                 { "3-4", -ENODEV, "node 3 is offline" },
                 /* kinds: hwloc's subtypes DRAM 0-1, HBM 2 and 4, NVM 6, 8, 9 (any case) */
                 { "hbm", 0, "2,4" }, { "DRAM", 0, "0-1" }, { "Nvm", 0, "6,8-9" }, { "!hbm", 0, "0-1,6,8-9" },
                 { "spm", -ENODEV, "no node of memory kind SPM that this process may use (kinds here: DRAM 0-1, HBM 2,4, NVM 6,8-9)" },
                 /* distances are flat (20): hwloc's locality decides, HBM 4 and NVM 6 sit with CPUs 2-3 (node 1),
                  * NVM 8 with CPUs 0-1 (node 0), NVM 9 with CPUs 4-5 (node 2, itself HBM) */
                 { "hbm:1", 0, "4" }, { "hbm:2", 0, "2" }, { "hbm:0", 0, "2,4" }, { "nvm:0", 0, "8" },
                 { "nvm:local", 0, "8" }, { "nvm:cpubind", 0, "6,8-9" }, { "hbm:3", -ENODEV, "\"hbm:3\": node 3 is offline" } },
      .nearest = { { 4, "0-2", 0 }, { 8, "1,9", 1 }, { 3, "1,9", 1 } },
      .dist = { { 0, 4, 20 }, { 4, 4, 10 }, { 3, 0, 0 } } },

    { .dir = "nvidiagpunumanodes", .nnodes = 8, .nodes = "0,8,250-255",
      .allowed = "0,8,250-255", .all = "0,8,250-255", .local = "0", .base_page = 65536,
      .nsizes = 2, .sizes_kb = {1048576, 2048},
      .n = { { 0, "0-15", 129839104, 121541952, true, true, true, "", 2, {1048576, 2048}, {0, 0}, {0, 0} },
             { 8, "88-103", 133952000, 127784000, true, true, true, "", 2, {1048576, 2048}, {0, 0}, {0, 0} },
             { 250, NULL, 15728640, 15728576, true, true, true, "GPUMemory", 2, {1048576, 2048}, {0, 0}, {0, 0} },
             { 255, NULL, 15728640, 0, true, true, true, "GPUMemory", 2, {1048576, 2048}, {0, 0}, {0, 0} } },
      .parse = { { "249", -ENODEV, "node 249 does not exist on this machine; nodes with memory this process may use: 0,8,250-255" },
                 { "250-255", 0, "250-255" }, { "8", 0, "8" },
                 /* GPU memory: hwloc puts 253-255 in package 0's locality, 250-252 in package 8's */
                 { "gpumemory", 0, "250-255" }, { "GPUMemory:0", 0, "253-255" }, { "gpumemory:8", 0, "250-252" },
                 { "dram", 0, "0,8" }, { "!gpumemory", 0, "0,8" }, { "+2", 0, "250" } },
      .nearest = { { 250, "0,8", 0 }, { 8, "0,250", 0 }, { 0, "250-255", 250 } },
      .dist = { { 0, 8, 40 }, { 8, 250, 80 }, { 255, 255, 10 } } },

    { .dir = "16amd64-8n2c-cpusets", .nnodes = 8, .nodes = "0-7",
      .allowed = "1-4", .all = "1-4", .local = "1", .base_page = 4096,
      .n = { { 0, "0-1", 8386704, 6895672, true, true, false, "", 0, {0}, {0}, {0} },
             { 2, "5", 8388608, 8238444, true, true, true, "", 0, {0}, {0}, {0} },  /* CPU 4 is offline */
             { 5, "10-11", 0, 0, true, true, false, "", 0, {0}, {0}, {0} } },
      .parse = { { "0", -ENODEV, "node 0 is not in this process's Mems_allowed (cpuset); nodes with memory this process may use: 1-4" },
                 { "1-4", 0, "1-4" }, { "4,5", -ENODEV, "node 5 is not in this process's Mems_allowed" },
                 /* relative to the allowed nodes 1-4 */
                 { "+0", 0, "1" }, { "+3", 0, "4" }, { "+1-2", 0, "2-3" }, { "!+0", 0, "2-4" }, { "!1", 0, "2-4" },
                 { "+4", -ENODEV, "+4 at offset 1 asks for the 5th usable node, and there are 4 (+0 to +3); nodes with memory this process may use: 1-4" },
                 { "!all", -ENODEV, "node string \"!all\" selects no node; nodes with memory this process may use: 1-4" },
                 { "0-4", -ENODEV, "node 0 is not in this process's Mems_allowed" },
                 /* allowed CPUs 0-3,5-6,12-15: nodes 0-3,6-7; 0, 6, 7 are denied, all at distance 20: node 1 */
                 { "cpubind", 0, "1-3" } },
      .nearest = { { 0, "1-4", 1 }, { 7, "3-4", 3 } } },

    { .dir = "32amd64-4s2n4c-cgroup", .nnodes = 8, .nodes = "0-7",
      .allowed = "0-5", .all = "0-5", .local = "0", .base_page = 4096,
      .nsizes = 1, .sizes_kb = {2048},  /* machine-wide only: no per-node counts */
      .n = { { 0, "0-3", 16775084, 15394716, true, true, true, "", 0, {0}, {0}, {0} },
             { 6, "24-27", 0, 0, true, true, false, "", 0, {0}, {0}, {0} } },
      .parse = { { "6", -ENODEV, "node 6 is not in this process's Mems_allowed (cpuset); nodes with memory this process may use: 0-5" },
                 { "5,0", 0, "0,5" },
                 /* allowed CPUs 0-5: nodes 0 (0-3) and 1 (4-7) */
                 { "cpubind", 0, "0-1" }, { "+5", 0, "5" }, { "!+0-4", 0, "5" }, { "4-7", -ENODEV, "node 7 is not in" } },
      .nearest = { { 6, "0-5", 0 }, { 0, "3-4", 4 }, { 3, "0,1", 1 } },
      .dist = { { 0, 3, 22 }, { 6, 7, 16 } } },

    { .dir = "16amd64-4n4c-cgroup-distance-merge", .nnodes = 4, .nodes = "0-3",
      .allowed = "2-3", .all = "2-3", .local = "2", .base_page = 4096,
      .nsizes = 1, .sizes_kb = {2048},
      .n = { { 0, "0-3", 8387892, 6739740, true, true, false, "", 1, {2048}, {512}, {512} },
             { 2, "8-11", 8388608, 4611116, true, true, true, "", 1, {2048}, {512}, {512} },
             { 3, "12-15", 8388608, 7084328, true, true, true, "", 1, {2048}, {512}, {512} } },
      .parse = { { "1", -ENODEV, "node 1 is not in this process's Mems_allowed (cpuset); nodes with memory this process may use: 2-3" },
                 { "3", 0, "3" },
                 /* allowed CPUs 0-3 are node 0's, denied; 2 and 3 are both at 20 from it: the lower */
                 { "cpubind", 0, "2" }, { "+1", 0, "3" }, { "!+1", 0, "2" }, { "!3,2", -ENODEV, "selects no node" } },
      .nearest = { { 0, "2-3", 2 }, { 1, "3", 3 } } },

    { .dir = "256ia64-64n2s2c", .nnodes = 64, .nodes = "0-63",
      .allowed = "0-63", .all = "0-63", .local = "0", .base_page = 4096,
      .n = { { 0, "0-3", 8064400, 7113984, true, true, true, "", 0, {0}, {0}, {0} },
             { 1, "4-7", 8077312, 7302576, true, true, true, "", 0, {0}, {0}, {0} },
             { 63, "252-255", 0, 0, true, true, true, "", 0, {0}, {0}, {0} } },
      .parse = { { "64", -ENODEV, "node 64 does not exist on this machine; nodes with memory this process may use: 0-63" },
                 { "0-63", 0, "0-63" }, { "1-3,60", 0, "1-3,60" }, { "+63", 0, "63" }, { "!+1-63", 0, "0" },
                 { "+64", -ENODEV, "asks for the 65th usable node, and there are 64" } },
      .nearest = { { 0, "4,12,20", 4 }, { 0, "1-63", 1 }, { 2, "12-23", 12 } },
      .dist = { { 0, 4, 26 }, { 0, 12, 30 }, { 0, 20, 34 }, { 1, 0, 22 } } },

    { .dir = "offline-cpu0-node0", .nnodes = 2, .nodes = "0-1",
      .allowed = "1", .all = "1", .local = "1", .base_page = 4096,
      .nsizes = 2, .sizes_kb = {1048576, 2048},
      .n = { { 0, NULL, 0, 0, false, false, false, "", 0, {0}, {0}, {0} },
             { 1, "5,7,9,11,13,15,17,19", 67108864, 57913400, true, true, true, "", 2, {1048576, 2048}, {0, 0}, {0, 0} } },
      .parse = { { "0", -ENODEV, "node 0 is offline; nodes with memory this process may use: 1" },
                 { "1", 0, "1" }, { "0-1", -ENODEV, "node 0 is offline" },
                 { "+0", 0, "1" }, { "!1", -ENODEV, "selects no node" }, { "cpubind", 0, "1" }, { "dram", 0, "1" } },
      .nearest = { { 0, "1", 1 }, { 1, "1", 1 } },
      .dist = { { 1, 1, 10 }, { 1, 0, 21 } } },

    { .dir = "2i386-2t-hugepagesizecount", .nnodes = 1, .nodes = "0",
      .allowed = "0", .all = "0", .local = "0", .base_page = 4096,
      .nsizes = 2, .sizes_kb = {16777216, 2048}, .no_distance = true,
      .n = { { 0, "0-1", 400016779264ull, 105040, true, true, true, "", 2, {16777216, 2048}, {1, 1}, {0, 0} } },
      .parse = { { "1", -ENODEV, "node 1 does not exist on this machine; nodes with memory this process may use: 0" },
                 { "0", 0, "0" } },
      .nearest = { { 0, "0", 0 } } },

    { .dir = "128arm-2pa2n8cluster4co", .nnodes = 4, .nodes = "0-3",
      .allowed = "0-3", .all = "0-3", .local = "0", .base_page = 4096,
      .nsizes = 4, .sizes_kb = {1048576, 32768, 2048, 64},
      .n = { { 0, "0-31", 131732940, 130167340, true, true, true, "", 4, {1048576, 32768, 2048, 64}, {0, 0, 0, 0}, {0, 0, 0, 0} },
             { 3, "96-127", 131062408, 125844388, true, true, true, "", 4, {1048576, 32768, 2048, 64}, {0, 0, 0, 0}, {0, 0, 0, 0} } },
      .parse = { { "all", 0, "0-3" }, { "2,3", 0, "2-3" } },
      .nearest = { { 0, "2-3", 2 }, { 3, "0-1", 1 }, { 1, "2-3", 2 } },
      .dist = { { 0, 3, 33 }, { 1, 2, 25 } } },
};

static char topo_dir[1024];

static struct topo *open_dump(const char *dir)
{
    char path[1400];
    struct topo *t = NULL;
    snprintf(path, sizeof path, "%s/%s", topo_dir, dir);
    int rc = topo_open(path, &t);
    if (rc)
        fail_msg("topo_open(%s): %s", path, npool__last_error());
    return t;
}

static void check_set(const topo_nodeset_t *s, const char *want, const char *what, const char *dir)
{
    char buf[512];
    topo_nodeset_format(s, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("%s: %s is \"%s\", expected \"%s\"", dir, what, buf, want);
}

struct cpu_check { const struct topo *t; int node, count; };

static int cpu_is_on(int lo, int hi, void *arg)
{
    struct cpu_check *cc = arg;
    for (int c = lo; c <= hi; c++, cc->count++)
        if (c >= cc->t->ncpus || cc->t->cpu_node[c] != cc->node)
            fail_msg("CPU %d is not mapped to node %d", c, cc->node);
    return 0;
}

static void check_dump(void **state)
{
    const struct dump_exp *e = *state;
    struct topo *t = open_dump(e->dir);

    /* Nodes, allowed, "all", "local". */
    assert_int_equal(t->nnodes, e->nnodes);
    topo_nodeset_t s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < t->nnodes; i++) {
        topo_nodeset_add(&s, t->node[i].os_index);
        if (i)
            assert_true(t->node[i - 1].os_index < t->node[i].os_index);
        assert_int_equal(topo_node_pos(t, t->node[i].os_index), i);
    }
    check_set(&s, e->nodes, "node list", e->dir);
    check_set(&t->allowed, e->allowed, "Mems_allowed", e->dir);
    assert_int_equal(topo_parse_nodes(t, "all", &s), 0);
    check_set(&s, e->all, "\"all\"", e->dir);
    assert_int_equal(topo_parse_nodes(t, "local", &s), 0);
    check_set(&s, e->local, "\"local\"", e->dir);
    assert_int_equal(topo_parse_nodes(t, NULL, &s), 0);
    check_set(&s, e->local, "NULL", e->dir);
    assert_int_equal(topo_parse_nodes(t, "  ", &s), 0);
    check_set(&s, e->local, "\"  \"", e->dir);
    assert_int_equal(t->base_page_size, e->base_page);
    assert_int_equal(t->thp, TOPO_THP_UNKNOWN);  /* no dump has the file */

    /* Hugepage sizes of the machine. */
    size_t sizes[TOPO_MAX_HPSIZES];
    int ns = topo_hugepage_sizes(t, sizes, TOPO_MAX_HPSIZES);
    assert_int_equal(ns, e->nsizes);
    for (int k = 0; k < ns; k++)
        assert_int_equal(sizes[k], e->sizes_kb[k] * KB);

    /* Nodes, one by one. */
    for (int j = 0; j < MAXN && e->n[j].kind; j++) {  /* every written entry names its kind */
        const struct node_exp *x = &e->n[j];
        int pos = topo_node_pos(t, x->node);
        if (pos < 0)
            fail_msg("%s: node %d missing", e->dir, x->node);
        const struct topo_node *n = &t->node[pos];
        assert_int_equal(n->online, x->online);
        assert_int_equal(n->has_memory, x->has_memory);
        assert_int_equal(n->allowed, x->allowed);
        assert_int_equal(n->has_cpu, x->cpus != NULL);
        if (x->cpus && strcmp(n->cpulist, x->cpus) != 0)
            fail_msg("%s: node %d cpus \"%s\", expected \"%s\"", e->dir, x->node, n->cpulist, x->cpus);
        if (x->mem_total_kb)
            assert_int_equal(n->mem_total, x->mem_total_kb * KB);
        if (x->mem_free_kb)
            assert_int_equal(n->mem_free, x->mem_free_kb * KB);
        if (x->kind && strcmp(n->subtype, x->kind) != 0)
            fail_msg("%s: node %d kind \"%s\", expected \"%s\"", e->dir, x->node, n->subtype, x->kind);
        assert_int_equal(n->nhp, x->nhp);
        for (int k = 0; k < x->nhp; k++) {
            long f = -1;
            assert_int_equal(n->hp[k].page_size, x->hp_kb[k] * KB);
            assert_int_equal(n->hp[k].total, x->hp_total[k]);
            assert_int_equal(n->hp[k].free, x->hp_free[k]);
            assert_int_equal(topo_hugepages_free(t, x->node, x->hp_kb[k] * KB, &f), 0);
            assert_int_equal(f, x->hp_free[k]);
        }
        /* Every CPU of the node maps back to it, and no other CPU does. */
        struct cpu_check cc = { t, x->node, 0 };
        if (x->cpus) {
            assert_int_equal(topo__parse_list(x->cpus, cpu_is_on, &cc), 0);
            int mapped = 0;
            for (int c = 0; c < t->ncpus; c++)
                mapped += t->cpu_node[c] == x->node;
            assert_int_equal(mapped, cc.count);
            assert_int_equal(n->ncpus, cc.count);
        }
    }

    /* Node strings. */
    for (int j = 0; j < 20 && e->parse[j].str; j++) {
        const struct parse_exp *p = &e->parse[j];
        int rc = topo_parse_nodes(t, p->str, &s);
        if (rc != p->rc)
            fail_msg("%s: parse \"%s\" gave %d (%s), expected %d", e->dir, p->str, rc, npool__last_error(), p->rc);
        if (rc == 0)
            check_set(&s, p->want, p->str, e->dir);
        else if (!strstr(npool__last_error(), p->want))
            fail_msg("%s: parse \"%s\": sentence \"%s\" lacks \"%s\"", e->dir, p->str, npool__last_error(), p->want);
    }

    /* Nearest nodes and distances. */
    for (int j = 0; j < 4 && e->nearest[j].set; j++) {
        const struct nearest_exp *x = &e->nearest[j];
        topo_nodeset_t set;
        assert_int_equal(topo__parse_nodelist(x->set, &set), 0);
        int got = topo_nearest(t, x->from, &set);
        if (got != x->want)
            fail_msg("%s: nearest to %d in %s is %d, expected %d", e->dir, x->from, x->set, got, x->want);
    }
    if (e->no_distance)
        assert_null(t->distance);
    for (int j = 0; j < 4 && e->dist[j].d + e->dist[j].from + e->dist[j].to; j++) {
        const struct dist_exp *x = &e->dist[j];
        int a = topo_node_pos(t, x->from), b = topo_node_pos(t, x->to);
        assert_non_null(t->distance);
        assert_true(a >= 0 && b >= 0);
        if (t->distance[a * t->nnodes + b] != x->d)
            fail_msg("%s: distance %d->%d is %d, expected %d", e->dir, x->from, x->to,
                     t->distance[a * t->nnodes + b], x->d);
    }
    topo_close(t);
}

/* Memory available re-reads meminfo: MemFree + Active(file) + Inactive(file). */
static void mem_available_from_meminfo(void **state)
{
    (void)state;
    struct topo *t = open_dump("16amd64-4n4c-cgroup-distance-merge");
    uint64_t b = 0;
    assert_int_equal(topo_node_mem_available(t, 0, &b), 0);
    assert_int_equal(b, (6739740ull + 213936 + 66368) * KB);
    assert_int_equal(topo_node_mem_available(t, 9, &b), -ENODEV);
    topo_close(t);
    t = open_dump("2i386-2t-hugepagesizecount");  /* no node folder: /proc/meminfo's MemAvailable or equivalent */
    assert_int_equal(topo_node_mem_available(t, 0, &b), 0);
    assert_true(b >= 105040 * KB);
    topo_close(t);
}

/* What topo_parse_nodes_why() says each item selected, and why. */
static void explanations(void **state)
{
    (void)state;
    struct topo *t = open_dump("16amd64-8n2c-cpusets");
    topo_nodeset_t s;
    char why[1024];
    assert_int_equal(topo_parse_nodes_why(t, "!+0", &s, why, sizeof why), 0);
    assert_string_equal(why, "+0 -> node 1 (the 1st of the usable nodes 1-4)\n"
                             "! -> nodes 2-4 (the usable nodes 1-4 except 1)");
    assert_int_equal(topo_parse_nodes_why(t, "cpubind", &s, why, sizeof why), 0);
    assert_string_equal(why, "cpubind -> nodes 1-3 (the dump's allowed CPUs belong to nodes 0-3,6-7; unusable ones "
                             "replaced by the nearest usable: 0->1, 6->1, 7->1)");
    assert_int_equal(topo_parse_nodes_why(t, "3,+9", &s, why, sizeof why), -EINVAL);  /* '+' only first */
    assert_string_equal(npool__last_error(), "node string \"3,+9\": '+' goes first in the string (\"!+1-2\"), not "
                                            "before an item at offset 2");
    assert_int_equal(topo_parse_nodes_why(t, "1,5", &s, why, sizeof why), -ENODEV);
    assert_string_equal(why, "1 -> node 1");  /* the items before the bad one */
    char tiny[12];
    assert_int_equal(topo_parse_nodes_why(t, "1-4", &s, tiny, sizeof tiny), 0);
    assert_string_equal(tiny, "1-4 -> n...");
    topo_close(t);

    t = open_dump("fakeheteromemtiers");
    assert_int_equal(topo_parse_nodes_why(t, "hbm:1,dram", &s, why, sizeof why), 0);
    assert_string_equal(why, "hbm:1 -> node 4 (of the HBM nodes 2,4, the nearest to node 1: 4 at distance 20, "
                             "near its CPUs for hwloc)\n"
                             "dram -> nodes 0-1 (every usable node of memory kind DRAM)");
    topo_close(t);
}

/* cgroup v2 with every memory.max "max": unlimited. */
static void cgroup_v2_unlimited(void **state)
{
    (void)state;
    struct topo *t = open_dump("fakeheteromemtiers");
    uint64_t b = 0;
    assert_int_equal(topo_cgroup_mem_available(t, &b), 0);
    assert_int_equal(b, UINT64_MAX);
    assert_int_equal(topo_cgroup_hugetlb_available(t, 2u << 20, &b), 0);
    assert_int_equal(b, UINT64_MAX);
    topo_close(t);
}

int main(void)
{
    const char *dir = getenv("NPOOL_TOPO_DIR"), *shared = getenv("NPOOL_TOPO_SHARED");
    struct stat st;
    if (!dir || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (!shared || stat(shared, &st) != 0) {
            printf("skipped: the machine dumps are absent (%s not found; it comes with the project's shared/ folder, not with a clone)\n",
                   shared ? shared : "NPOOL_TOPO_SHARED unset");
            return 77;
        }
        printf("the dumps of %s were not unpacked into %s (run ctest, which runs numa_unpack_topologies first)\n",
               shared, dir ? dir : "(NPOOL_TOPO_DIR unset)");
        return 1;
    }
    snprintf(topo_dir, sizeof topo_dir, "%s", dir);
    struct CMUnitTest tests[sizeof dumps / sizeof dumps[0] + 5];
    size_t n = 0;
    for (size_t i = 0; i < sizeof dumps / sizeof dumps[0]; i++) {
        tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(check_dump, (void *)&dumps[i]);
        tests[n++].name = dumps[i].dir;
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(mem_available_from_meminfo);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(cgroup_v2_unlimited);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(explanations);
    return _cmocka_run_group_tests("topo_dumps", tests, n, NULL, NULL);
}
