/* tests/test_topo_fakes.c - numa/ on machines written by hand (what no dump
 * in ../shared has: memory cgroup limits v1 and v2, a hugetlb cgroup limit, a
 * memory-less node with CPUs, THP never/madvise), on hwloc synthetic
 * topologies, and node strings on a `struct topo` filled in here (memory
 * kinds, hwloc locality, distances, a CPU binding: what a clone without the
 * dumps still checks).  Each fake root is a temporary folder shaped like
 * /sys and /proc; the answers follow from the numbers written into it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topo.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root_a[256], root_b[256];

static void put(const char *root, const char *path, const char *text)
{
    char full[1024];
    snprintf(full, sizeof full, "%s/%s", root, path);
    for (char *p = full + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(full, 0755);
            *p = '/';
        }
    FILE *f = fopen(full, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", full);
        abort();
    }
    fputs(text, f);
    fclose(f);
}

/* Two nodes: node 0 has memory and CPUs 2-3, node 1 has CPUs 0-1 and no
 * memory.  cgroup v2 at /a/b: memory.max 1e9 on a, max on b; hugetlb 2MB
 * limit 8 MiB on b with 2 MiB used.  THP never.  8 of 10 2 MiB pages free. */
static void make_root_a(const char *r)
{
    put(r, "sys/devices/system/node/online", "0-1\n");
    put(r, "sys/devices/system/node/possible", "0-1\n");
    put(r, "sys/devices/system/node/has_memory", "0\n");
    put(r, "sys/devices/system/node/has_cpu", "0-1\n");
    put(r, "sys/devices/system/node/node0/cpulist", "2-3\n");
    put(r, "sys/devices/system/node/node0/meminfo",
        "Node 0 MemTotal:        1048576 kB\nNode 0 MemFree:          524288 kB\n"
        "Node 0 Active(file):       1024 kB\nNode 0 Inactive(file):     2048 kB\n");
    put(r, "sys/devices/system/node/node0/distance", "10 20\n");
    put(r, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "10\n");
    put(r, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "8\n");
    put(r, "sys/devices/system/node/node1/cpulist", "0-1\n");
    put(r, "sys/devices/system/node/node1/meminfo", "Node 1 MemTotal: 0 kB\nNode 1 MemFree: 0 kB\n");
    put(r, "sys/devices/system/node/node1/distance", "20 10\n");
    put(r, "sys/devices/system/cpu/online", "0-3\n");
    put(r, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "10\n");
    put(r, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "8\n");
    put(r, "sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n");
    put(r, "proc/self/status", "Name:\tfake\nMems_allowed:\t3\nMems_allowed_list:\t0-1\n");
    put(r, "proc/self/cgroup", "0::/a/b\n");
    put(r, "proc/mounts", "sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0\n");
    put(r, "sys/fs/cgroup/a/memory.max", "1000000000\n");
    put(r, "sys/fs/cgroup/a/memory.current", "400000000\n");
    put(r, "sys/fs/cgroup/a/b/memory.max", "max\n");
    put(r, "sys/fs/cgroup/a/b/memory.current", "300000000\n");
    put(r, "sys/fs/cgroup/a/b/hugetlb.2MB.max", "8388608\n");
    put(r, "sys/fs/cgroup/a/b/hugetlb.2MB.current", "2097152\n");
}

/* One node, cgroup v1 at "/outer/job" of which only "job" is visible (a
 * container's view), mounted at an unusual place.  THP madvise. */
static void make_root_b(const char *r)
{
    put(r, "sys/devices/system/node/online", "0\n");
    put(r, "sys/devices/system/node/node0/cpulist", "0-3\n");
    put(r, "sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 4194304 kB\nNode 0 MemFree: 4000000 kB\n");
    put(r, "sys/devices/system/node/node0/distance", "10\n");
    put(r, "sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
    put(r, "proc/self/cgroup", "5:memory:/outer/job\n4:hugetlb:/outer/job\n0::/\n");
    put(r, "proc/mounts", "cgroup /cg/mem\\040v1 cgroup rw,nosuid,memory 0 0\ncgroup /cg/hugetlb cgroup rw,hugetlb 0 0\n");
    put(r, "cg/mem v1/memory.limit_in_bytes", "9223372036854771712\n");
    put(r, "cg/mem v1/memory.usage_in_bytes", "5\n");
    put(r, "cg/mem v1/job/memory.limit_in_bytes", "2000000000\n");
    put(r, "cg/mem v1/job/memory.usage_in_bytes", "500000000\n");
    put(r, "cg/hugetlb/job/hugetlb.1GB.limit_in_bytes", "1073741824\n");
    put(r, "cg/hugetlb/job/hugetlb.1GB.usage_in_bytes", "0\n");
}

static struct topo *open_ok(const char *root)
{
    struct topo *t = NULL;
    if (topo_open(root, &t))
        fail_msg("topo_open(%s): %s", root, npool__last_error());
    return t;
}

static void memoryless_node_and_cgroup_v2(void **state)
{
    (void)state;
    struct topo *t = open_ok(root_a);
    char buf[128];
    topo_nodeset_t s;
    assert_int_equal(t->nnodes, 2);
    assert_true(t->node[0].has_memory);
    assert_false(t->node[1].has_memory);
    assert_true(t->node[1].has_cpu);
    assert_string_equal(t->node[1].cpulist, "0-1");
    assert_int_equal(t->cpu_node[0], 1);
    assert_int_equal(t->cpu_node[3], 0);
    assert_string_equal(topo_nodeset_format(&t->allowed, buf, sizeof buf), "0-1");
    assert_int_equal(t->thp, TOPO_THP_NEVER);
    assert_int_equal(topo_parse_nodes(t, "all", &s), 0);
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "0");
    /* "local": the lowest CPU is on node 1, which has no memory: the nearest that has. */
    assert_int_equal(topo_current_node(t), 1);
    assert_int_equal(topo_parse_nodes(t, "local", &s), 0);
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "0");
    assert_int_equal(topo_parse_nodes(t, "1", &s), -ENODEV);
    assert_string_equal(npool__last_error(),
                        "node 1 has no memory of its own; nodes with memory this process may use: 0");
    /* every CPU is allowed: nodes 0 and 1; node 1 has no memory, its nearest is 0 */
    assert_string_equal(topo_nodeset_format(&t->cpu_allowed_nodes, buf, sizeof buf), "0-1");
    assert_int_equal(topo_parse_nodes(t, "cpubind", &s), 0);
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "0");
    assert_int_equal(topo_parse_nodes(t, "dram", &s), 0);  /* no subtype, CPUs 2-3: DRAM */
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "0");
    assert_string_equal(topo_node_kind(&t->node[1]), "DRAM");  /* CPUs, no memory: DRAM, yet never usable */

    uint64_t b = 0;
    assert_int_equal(topo_node_mem_available(t, 0, &b), 0);
    assert_int_equal(b, (524288ull + 1024 + 2048) * 1024);
    assert_int_equal(topo_cgroup_mem_available(t, &b), 0);
    assert_int_equal(b, 600000000);          /* a's limit, less a's usage */
    assert_int_equal(topo_cgroup_hugetlb_available(t, 2u << 20, &b), 0);
    assert_int_equal(b, 6291456);
    assert_int_equal(topo_cgroup_hugetlb_available(t, 1u << 30, &b), 0);
    assert_int_equal(b, UINT64_MAX);         /* no 1GB files: no limit known */

    /* Free counts are re-read: the pool's answer follows the machine. */
    const size_t M = 1u << 20;
    long f = 0;
    put(root_a, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "1\n");
    assert_int_equal(topo_hugepages_free(t, 0, 2 * M, &f), 0);
    assert_int_equal(f, 1);
    put(root_a, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "8\n");
    assert_int_equal(topo_hugepages_free(t, 0, 2 * M, &f), 0);
    assert_int_equal(f, 8);
    assert_int_equal(topo_hugepages_free(t, 0, 1u << 30, &f), -ENOENT);
    topo_close(t);
}

static void cgroup_v1_in_a_container(void **state)
{
    (void)state;
    struct topo *t = open_ok(root_b);
    uint64_t b = 0;
    char buf[64];
    assert_int_equal(t->nnodes, 1);
    assert_string_equal(topo_nodeset_format(&t->allowed, buf, sizeof buf), "0");  /* no status file: all online */
    assert_int_equal(topo_cgroup_mem_available(t, &b), 0);
    assert_int_equal(b, 1500000000);
    assert_int_equal(topo_cgroup_hugetlb_available(t, 1u << 30, &b), 0);
    assert_int_equal(b, 1u << 30);
    assert_int_equal(topo_thp_mode(t), TOPO_THP_MADVISE);
    topo_close(t);
}

static void synthetic(void **state)
{
    (void)state;
    struct topo *t = open_ok("synthetic:pack:2 [numa(memory=1GB)] core:2 pu:1");
    char buf[64];
    topo_nodeset_t s;
    assert_int_equal(t->nnodes, 2);
    assert_string_equal(t->node[0].cpulist, "0-1");
    assert_string_equal(t->node[1].cpulist, "2-3");
    assert_int_equal(t->node[1].mem_total, 1000000000);
    assert_true(t->node[1].has_memory && t->node[1].allowed && t->node[1].online);
    assert_int_equal(t->node[0].nhp, 0);
    assert_null(t->distance);
    assert_int_equal(t->thp, TOPO_THP_UNKNOWN);
    assert_int_equal(topo_parse_nodes(t, "all", &s), 0);
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "0-1");
    assert_int_equal(topo_parse_nodes(t, NULL, &s), 0);
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "0");
    assert_int_equal(topo_parse_nodes(t, "2", &s), -ENODEV);
    assert_int_equal(topo_parse_nodes(t, "cpubind", &s), 0);
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "0-1");
    assert_int_equal(topo_parse_nodes(t, "+1", &s), 0);
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "1");
    assert_int_equal(topo_parse_nodes(t, "dram:1", &s), 0);
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "1");
    assert_int_equal(topo_parse_nodes(t, "!dram:local", &s), 0);  /* local: node 0, the lowest CPU's */
    assert_string_equal(topo_nodeset_format(&s, buf, sizeof buf), "1");
    s = (topo_nodeset_t){{0}};
    topo_nodeset_add(&s, 1);
    assert_int_equal(topo_nearest(t, 0, &s), 1);   /* no distances: the lowest of the set */
    uint64_t b;
    assert_int_equal(topo_node_mem_available(t, 1, &b), 0);
    assert_int_equal(b, 1000000000);
    topo_close(t);

    t = open_ok("synthetic:node:4 core:1 pu:2");
    assert_int_equal(t->nnodes, 4);
    assert_int_equal(t->ncpus, 8);
    assert_int_equal(t->cpu_node[7], 3);
    topo_close(t);
}

/* A machine filled in by hand (no files: "synthetic:" so nothing is read):
 *   node 0  CPUs 0-1, memory, no subtype: DRAM      node 1  CPUs 2-3, memory: DRAM
 *   node 2  HBM near node 0's CPUs                  node 3  HBM near node 1's CPUs
 *   node 4  CPUs 4-5, no memory                     node 5  CXL-DRAM near the CPUs of 0 and 1
 *   node 6  CXL-DRAM near node 1's CPUs             node 7  memory, no CPU, no subtype: no kind
 *   node 8  a kind hwloc might report one day, "Foo-Mem"
 * Distances: 0-1 20; HBM 13 from its own node, 23 from the other, 23 and 33
 * from node 4; node 4 is 15 from 0 and 25 from 1; CXL 30 from 0, 1 and 4;
 * 7 and 8 at 40 from everything.  Allowed CPUs: those of nodes 0, 1 and 4. */
static struct topo *handmade(void)
{
    enum { N = 9 };
    static const int cpus_of[N] = {2, 2, 0, 0, 2, 0, 0, 0, 0};
    static const char *const sub[N] = {"", "", "HBM", "HBM", "", "CXL-DRAM", "CXL-DRAM", "", "Foo-Mem"};
    static const int near[N][3] = {{0, -1}, {1, -1}, {0, -1}, {1, -1}, {4, -1}, {0, 1, -1}, {1, -1}, {-1}, {-1}};
    static const int d[N][N] = {
        {10, 20, 13, 23, 15, 30, 30, 40, 40}, {20, 10, 23, 13, 25, 30, 30, 40, 40},
        {13, 23, 10, 30, 23, 30, 30, 40, 40}, {23, 13, 30, 10, 33, 30, 30, 40, 40},
        {15, 25, 23, 33, 10, 30, 30, 40, 40}, {30, 30, 30, 30, 30, 10, 30, 40, 40},
        {30, 30, 30, 30, 30, 30, 10, 40, 40}, {40, 40, 40, 40, 40, 40, 40, 10, 40},
        {40, 40, 40, 40, 40, 40, 40, 40, 10},
    };
    struct topo *t = calloc(1, sizeof *t);
    assert_non_null(t);
    snprintf(t->fsroot, sizeof t->fsroot, "synthetic:handmade");
    t->nnodes = N;
    t->node = calloc(N, sizeof *t->node);
    t->distance = calloc(N * N, sizeof *t->distance);
    t->ncpus = 6;
    t->cpu_node = calloc(6, sizeof *t->cpu_node);
    assert_true(t->node && t->distance && t->cpu_node);
    for (int i = 0, cpu = 0; i < N; i++) {
        struct topo_node *n = &t->node[i];
        n->os_index = i;
        n->online = true;
        n->has_memory = i != 4;
        n->allowed = n->has_memory;
        n->has_cpu = cpus_of[i] > 0;
        n->ncpus = cpus_of[i];
        n->mem_total = n->has_memory ? 1ull << 30 : 0;
        snprintf(n->subtype, sizeof n->subtype, "%s", sub[i]);
        for (int k = 0; k < 3 && near[i][k] >= 0; k++)
            topo_nodeset_add(&n->near_cpus, near[i][k]);
        for (int c = 0; c < cpus_of[i]; c++)
            t->cpu_node[cpu++] = i;
        if (n->has_memory)
            topo_nodeset_add(&t->allowed, i);
        for (int j = 0; j < N; j++)
            t->distance[i * N + j] = d[i][j];
    }
    topo_nodeset_add(&t->cpu_allowed_nodes, 0);
    topo_nodeset_add(&t->cpu_allowed_nodes, 1);
    topo_nodeset_add(&t->cpu_allowed_nodes, 4);
    t->base_page_size = 4096;
    return t;
}

static void expect_nodes(const struct topo *t, const char *str, const char *want)
{
    topo_nodeset_t s;
    char buf[128];
    int rc = topo_parse_nodes(t, str, &s);
    if (rc)
        fail_msg("\"%s\": %s", str, npool__last_error());
    if (strcmp(topo_nodeset_format(&s, buf, sizeof buf), want) != 0)
        fail_msg("\"%s\" is %s, expected %s", str, buf, want);
}

static void expect_refused(const struct topo *t, const char *str, int rc, const char *sentence)
{
    topo_nodeset_t s;
    int got = topo_parse_nodes(t, str, &s);
    if (got != rc || strcmp(npool__last_error(), sentence) != 0)
        fail_msg("\"%s\" gave %d \"%s\", expected %d \"%s\"", str, got, npool__last_error(), rc, sentence);
}

static void handmade_node_strings(void **state)
{
    (void)state;
    struct topo *t = handmade();
    const char *ok = "; nodes with memory this process may use: 0-3,5-8";
    char msg[512];
    assert_string_equal(topo_node_kind(&t->node[0]), "DRAM");
    assert_string_equal(topo_node_kind(&t->node[7]), "");
    assert_string_equal(topo_node_kind(&t->node[2]), "HBM");

    /* kinds, any case; a node without CPUs or subtype has none */
    expect_nodes(t, "dram", "0-1");
    expect_nodes(t, "HBM", "2-3");
    expect_nodes(t, "cxl-dram", "5-6");
    expect_nodes(t, "foo-mem", "8");        /* a kind reported here is a word here */
    expect_nodes(t, "!dram,hbm", "5-8");    /* ! applies to the whole list */
    snprintf(msg, sizeof msg, "\"nvm\": no node of memory kind NVM that this process may use (kinds here: DRAM 0-1, "
             "HBM 2-3, CXL-DRAM 5-6, unknown 7, Foo-Mem 8)%s", ok);
    expect_refused(t, "nvm", -ENODEV, msg);

    /* near: the smallest distance */
    expect_nodes(t, "hbm:0", "2");
    expect_nodes(t, "hbm:1", "3");
    expect_nodes(t, "hbm:4", "2");          /* a node without memory is an origin all the same */
    expect_nodes(t, "hbm:2", "2");          /* itself */
    expect_nodes(t, " hbm : 1 ", "3");      /* blanks around the colon */
    expect_nodes(t, "hbm:local", "2");      /* no caller in a made-up machine: the lowest CPU's node, 0 */
    expect_nodes(t, "hbm:cpubind", "2-3");  /* from 0: 2, from 1: 3, from 4: 2 */
    expect_nodes(t, "dram:4", "0");
    /* ties at 30: hwloc's locality decides when it tells some apart */
    expect_nodes(t, "cxl-dram:0", "5");     /* 5 is near node 0's CPUs, 6 is not */
    expect_nodes(t, "cxl-dram:1", "5-6");   /* both are near node 1's CPUs: both */
    expect_nodes(t, "cxl-dram:4", "5-6");   /* neither near node 4's: both */
    expect_nodes(t, "hbm:7", "2-3");        /* 40 to both, no CPUs: both */
    snprintf(msg, sizeof msg, "\"hbm:9\": node 9 does not exist on this machine%s", ok);
    expect_refused(t, "hbm:9", -ENODEV, msg);

    /* cpubind: nodes 0, 1 and 4; node 4 has no memory, its nearest is 0 (15) */
    expect_nodes(t, "cpubind", "0-1");
    expect_nodes(t, "local", "0");
    expect_nodes(t, "!cpubind", "2-3,5-8");

    /* + counts the usable nodes 0-3,5-8 from 0; ranges take the usable nodes between usable ends */
    expect_nodes(t, "+4", "5");
    expect_nodes(t, "+7", "8");
    expect_nodes(t, "+3-4", "3,5");
    expect_nodes(t, "!+0-1", "2-3,5-8");
    expect_nodes(t, "0-8", "0-3,5-8");
    expect_nodes(t, "  +0 , 2 ", "0,2");   /* '+' makes every number of the list relative */
    snprintf(msg, sizeof msg, "+8 at offset 1 asks for the 9th usable node, and there are 8 (+0 to +7)%s", ok);
    expect_refused(t, "+8", -ENODEV, msg);
    snprintf(msg, sizeof msg, "node 4 has no memory of its own%s", ok);
    expect_refused(t, "3-4", -ENODEV, msg);
    expect_refused(t, "4-5", -ENODEV, msg);
    snprintf(msg, sizeof msg, "node string \"!all,hbm\" selects no node%s", ok);
    expect_refused(t, "!all,hbm", -ENODEV, msg);
    expect_refused(t, "hbm:0-1", -EINVAL, "node string \"hbm:0-1\": unexpected '-' at offset 5");
    topo_close(t);
}

static void open_errors_and_environment(void **state)
{
    (void)state;
    struct topo *t = NULL;
    assert_int_equal(topo_open("synthetic:nonsense:3", &t), -EINVAL);
    assert_int_equal(topo_open("/nonexistent/machine", &t), -ENOENT);
    assert_int_equal(topo_open("", &t), -EINVAL);
    assert_int_equal(topo_open(NULL, &t), -EINVAL);
    /* The environment is as it was after a load from a root. */
    setenv("HWLOC_FSROOT", "/somewhere", 1);
    unsetenv("HWLOC_THISSYSTEM");
    t = open_ok(root_b);
    topo_close(t);
    assert_string_equal(getenv("HWLOC_FSROOT"), "/somewhere");
    assert_null(getenv("HWLOC_THISSYSTEM"));
    assert_null(getenv("HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES"));
    unsetenv("HWLOC_FSROOT");
}

static int remove_tree(const char *root)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd);
}

int main(void)
{
    snprintf(root_a, sizeof root_a, "/tmp/npool-topo-a-XXXXXX");
    snprintf(root_b, sizeof root_b, "/tmp/npool-topo-b-XXXXXX");
    if (!mkdtemp(root_a) || !mkdtemp(root_b)) {
        perror("mkdtemp");
        return 1;
    }
    make_root_a(root_a);
    make_root_b(root_b);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memoryless_node_and_cgroup_v2),
        cmocka_unit_test(cgroup_v1_in_a_container),
        cmocka_unit_test(synthetic),
        cmocka_unit_test(handmade_node_strings),
        cmocka_unit_test(open_errors_and_environment),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    remove_tree(root_a);
    remove_tree(root_b);
    return rc;
}
