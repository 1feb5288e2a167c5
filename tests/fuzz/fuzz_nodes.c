/* tests/fuzz/fuzz_nodes.c - node strings from arbitrary bytes.  Owns: "a node
 * string that does not parse gets a clear error and changes nothing".  Links
 * the internal objects, so besides npool_create's `nodes` field it drives
 * numa/'s parsers directly:
 *   - topo_parse_nodes() (numactl's syntax, + and !, numapool's words and
 *     memory kinds) on the live machine, on synthetic topologies (several
 *     nodes, holes in the numbering) and on one filled in here (HBM and NVM
 *     nodes, distances, hwloc locality, a memory-less node with CPUs): 0
 *     with a non-empty set of usable nodes that formats and parses back to
 *     itself, or -EINVAL / -ENODEV with a sentence; a syntax error is one on
 *     every machine (none of them reports a kind beyond hwloc's known ones);
 *   - topo_parse_nodes_why() gives the same answer, and its explanation
 *     stays inside its buffer, however small;
 *   - npool_create() with the same string agrees with the live parse (same
 *     error code, or a pool spanning exactly the parsed nodes);
 *   - topo__parse_list(), the reader of sysfs lists ("0-3,8"), on the same
 *     bytes: 0 with ranges lo <= hi, or an error, never a crash.
 * The input is cut at 128 bytes and at its first NUL, as a C string would be. */
#include "fuzz.h"
#include "numapool.h"
#include "topo.h"
#include "topo_private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct topo *live;
#define NSYNTH 4
static struct topo *synth[NSYNTH];
static const char *const synth_desc[NSYNTH] = {
    "synthetic:pack:2 [numa(memory=1GB)] core:2 pu:1",
    "synthetic:node:4 core:1 pu:2",
    "synthetic:pack:3 [numa(memory=2GB)] l3:2 core:1 pu:1",
    "hand-made: DRAM 0 and 2, HBM 1 and 3, NVM 5, node 4 with CPUs and no memory",
};

/* Nodes 0-5: 0 and 2 DRAM with CPUs, 1 and 3 HBM near them, 4 CPUs without
 * memory, 5 NVM near every CPU; 0-1 and 2-3 at 12, the rest 20 or 30. */
static struct topo *handmade(void)
{
    enum { N = 6 };
    static const char *const sub[N] = {"", "HBM", "", "HBM", "", "NVM"};
    static const int home[N] = {0, 0, 2, 2, 4, -1};
    struct topo *t = calloc(1, sizeof *t);
    FUZZ_CHECK(t != NULL, "calloc");
    snprintf(t->fsroot, sizeof t->fsroot, "synthetic:handmade");
    t->nnodes = N;
    t->node = calloc(N, sizeof *t->node);
    t->distance = calloc(N * N, sizeof *t->distance);
    t->ncpus = 3;
    t->cpu_node = calloc(3, sizeof *t->cpu_node);
    FUZZ_CHECK(t->node && t->distance && t->cpu_node, "calloc");
    t->cpu_node[0] = 0, t->cpu_node[1] = 2, t->cpu_node[2] = 4;
    for (int i = 0; i < N; i++) {
        struct topo_node *n = &t->node[i];
        n->os_index = i;
        n->online = true;
        n->has_memory = n->allowed = i != 4;
        n->has_cpu = i == 0 || i == 2 || i == 4;
        n->ncpus = n->has_cpu;
        snprintf(n->subtype, sizeof n->subtype, "%s", sub[i]);
        if (home[i] >= 0)
            topo_nodeset_add(&n->near_cpus, home[i]);
        else
            for (int c = 0; c < 3; c++)
                topo_nodeset_add(&n->near_cpus, t->cpu_node[c]);
        if (n->allowed)
            topo_nodeset_add(&t->allowed, i);
        if (n->has_cpu)
            topo_nodeset_add(&t->cpu_allowed_nodes, i);
        for (int j = 0; j < N; j++)
            t->distance[i * N + j] = i == j ? 10 : (i / 2 == j / 2) ? 12 : (i == 5 || j == 5) ? 30 : 20;
    }
    t->base_page_size = 4096;
    return t;
}

static bool usable(const struct topo *t, int n)
{
    int pos = topo_node_pos(t, n);
    return pos >= 0 && t->node[pos].online && t->node[pos].has_memory && t->node[pos].allowed;
}

/* Parse `s` on `t` and check the result; returns the code. */
static int parse_checked(const struct topo *t, const char *s, topo_nodeset_t *set)
{
    memset(set, 0xa5, sizeof *set);
    int rc = topo_parse_nodes(t, s, set);
    if (rc) {
        FUZZ_CHECK(rc == -EINVAL || rc == -ENODEV, "\"%s\": %s", s, npool_strerror(rc));
        FUZZ_CHECK(npool_last_error()[0] != '\0', "\"%s\": %s without a sentence", s, npool_strerror(rc));
        return rc;
    }
    int count = topo_nodeset_count(set);
    FUZZ_CHECK(count > 0, "\"%s\" parsed to no node", s);
    /* the explained parse agrees, and its text fits, whatever the buffer */
    static char why[8192];
    static const size_t lens[] = {0, 1, 5, 64, sizeof why};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        topo_nodeset_t again;
        memset(why, 'z', sizeof why);
        FUZZ_CHECK(topo_parse_nodes_why(t, s, &again, lens[k] ? why : NULL, lens[k]) == 0 &&
                       memcmp(&again, set, sizeof again) == 0,
                   "\"%s\": topo_parse_nodes_why disagrees (buffer of %zu)", s, lens[k]);
        FUZZ_CHECK(lens[k] == 0 || memchr(why, '\0', lens[k]) != NULL, "\"%s\": explanation not terminated", s);
        FUZZ_CHECK(lens[k] == sizeof why || why[lens[k]] == 'z', "\"%s\": explanation past %zu bytes", s, lens[k]);
    }
    FUZZ_CHECK(why[0] != '\0', "\"%s\": no explanation", s);
    for (int n = topo_nodeset_next(set, -1); n >= 0; n = topo_nodeset_next(set, n))
        FUZZ_CHECK(usable(t, n), "\"%s\" gave node %d, which a pool cannot use", s, n);
    /* the set formats to a string that parses back to it */
    char text[4096];
    topo_nodeset_format(set, text, sizeof text);
    topo_nodeset_t again;
    FUZZ_CHECK(topo_parse_nodes(t, text, &again) == 0 && memcmp(&again, set, sizeof again) == 0,
               "\"%s\" -> \"%s\" does not parse back to itself", s, text);
    return 0;
}

static int list_range(int lo, int hi, void *arg)
{
    int *ranges = arg;
    FUZZ_CHECK(lo >= 0 && lo <= hi, "topo__parse_list gave the range %d-%d", lo, hi);
    return ++*ranges > 100000 ? -E2BIG : 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    unsetenv("NUMAPOOL_PAGES");
    unsetenv("NUMAPOOL_NODES");
    unsetenv("NUMAPOOL_VERBOSE");
    FUZZ_CHECK(topo_system(&live) == 0, "topo_system: %s", npool_last_error());
    for (int k = 0; k < NSYNTH - 1; k++)
        FUZZ_CHECK(topo_open(synth_desc[k], &synth[k]) == 0, "%s: %s", synth_desc[k], npool_last_error());
    synth[NSYNTH - 1] = handmade();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[129];
    size_t len = size < 128 ? size : 128;
    memcpy(s, data, len);
    s[len] = '\0';
    if (!live)
        LLVMFuzzerInitialize(NULL, NULL);

    topo_nodeset_t set;
    int rc = parse_checked(live, s, &set);
    for (int k = 0; k < NSYNTH; k++) {
        topo_nodeset_t other;
        int rs = parse_checked(synth[k], s, &other);
        /* a syntax error is one whatever the machine */
        FUZZ_CHECK((rs == -EINVAL) == (rc == -EINVAL),
                   "\"%s\": %s here, %s on %s", s, npool_strerror(rc), npool_strerror(rs), synth_desc[k]);
    }

    npool_config_t c = {.block_size = 64, .block_count = 4, .nodes = s, .pages = NPOOL_PAGES_BASE, .name = "fz"};
    npool_t *p = (npool_t *)(uintptr_t)1;
    int pc = npool_create(&c, &p);
    if (rc) {
        FUZZ_CHECK(pc == rc && p == NULL, "\"%s\": parse says %s, npool_create %s", s, npool_strerror(rc),
                   npool_strerror(pc));
    } else if (pc) {
        /* parsed, yet refused: too many nodes for one pool, or no memory */
        FUZZ_CHECK(p == NULL && (pc == -ENOMEM || (pc == -EINVAL && topo_nodeset_count(&set) > NPOOL_MAX_NODES)),
                   "\"%s\" parses, but npool_create says %s: %s", s, npool_strerror(pc), npool_last_error());
    } else {
        static npool_stats_t st;
        FUZZ_CHECK(npool_stats(p, &st) == 0 && (int)st.nnodes == topo_nodeset_count(&set), "\"%s\": %zu arenas", s,
                   st.nnodes);
        for (size_t k = 0; k < st.nnodes; k++)
            FUZZ_CHECK(topo_nodeset_has(&set, st.nodes[k].node), "\"%s\": an arena on node %d", s,
                       st.nodes[k].node);
        npool_destroy(p);
    }

    int ranges = 0;
    rc = topo__parse_list(s, list_range, &ranges);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE || rc == -E2BIG, "topo__parse_list(\"%s\"): %d", s, rc);
    return 0;
}
