/* tests/test_nodes_live.c - node strings and node choice on the machine the
 * tests run on (any number of nodes: the answers are derived from the
 * kernel's own Mems_allowed, affinity and node files, read here
 * independently), and node strings judged beside `numactl --membind=STRING
 * true` on the same machine: the same strings accepted and refused, except
 * numapool's own words and the deliberate differences that topo.h lists,
 * each checked as such.  The numa-vm tests run this file in a 2- and a
 * 4-node guest, inside a cpuset and under numactl --cpunodebind, too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topo.h"
#include "topo_private.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct topo *sys;

static void expect_error(const char *str, int rc, const char *part)
{
    topo_nodeset_t s;
    int got = topo_parse_nodes(sys, str, &s);
    if (got != rc)
        fail_msg("parse \"%s\" gave %d (%s), expected %d", str ? str : "(null)", got, npool__last_error(), rc);
    if (!strstr(npool__last_error(), part))
        fail_msg("parse \"%s\": sentence \"%s\" lacks \"%s\"", str, npool__last_error(), part);
}

/* What this process may use, read straight from the kernel. */
static void usable(topo_nodeset_t *out)
{
    char buf[8192];
    topo_nodeset_t allowed, mem;
    assert_int_equal(topo__read_mems_allowed("", &allowed), 0);
    if (topo__read("", "/sys/devices/system/node/has_memory", buf, sizeof buf) > 0)
        assert_int_equal(topo__parse_nodelist(buf, &mem), 0);
    else
        assert_int_equal(topo__parse_nodelist("0", &mem), 0);
    memset(out, 0, sizeof *out);
    for (int n = 0; n < TOPO_MAX_NODE; n++)
        if (topo_nodeset_has(&allowed, n) && topo_nodeset_has(&mem, n))
            topo_nodeset_add(out, n);
}

static void system_topology(void **state)
{
    (void)state;
    const struct topo *again;
    assert_int_equal(topo_system(&again), 0);
    assert_ptr_equal(again, sys);  /* built once */
    assert_true(sys->nnodes >= 1);
    assert_string_equal(sys->fsroot, "");
    assert_true(sys->base_page_size >= 4096);
    assert_non_null(sys->cpu_node);
    for (int i = 0; i < sys->nnodes; i++)
        if (sys->node[i].online)
            assert_non_null(sys->distance);
    char buf[256];
    topo_nodeset_t want;
    usable(&want);
    topo_nodeset_t got;
    memset(&got, 0, sizeof got);
    for (int i = 0; i < sys->nnodes; i++)
        if (sys->node[i].online && sys->node[i].has_memory && sys->node[i].allowed)
            topo_nodeset_add(&got, sys->node[i].os_index);
    assert_memory_equal(&got, &want, sizeof got);
    (void)buf;
}

static void parse_ok(void **state)
{
    (void)state;
    topo_nodeset_t s, want, local;
    char a[256], b[256];
    usable(&want);
    int first = topo_nodeset_next(&want, -1);
    assert_true(first >= 0);

    assert_int_equal(topo_parse_nodes(sys, "all", &s), 0);
    assert_string_equal(topo_nodeset_format(&s, a, sizeof a), topo_nodeset_format(&want, b, sizeof b));

    assert_int_equal(topo_parse_nodes(sys, NULL, &local), 0);
    assert_int_equal(topo_nodeset_count(&local), 1);  /* no numactl policy in the test run */
    assert_int_equal(topo_parse_nodes(sys, "local", &s), 0);
    assert_memory_equal(&s, &local, sizeof s);
    assert_int_equal(topo_parse_nodes(sys, "", &s), 0);
    assert_memory_equal(&s, &local, sizeof s);
    assert_int_equal(topo_parse_nodes(sys, " \tlocal\n", &s), 0);
    assert_memory_equal(&s, &local, sizeof s);
    /* "local" is the node of this CPU when it has memory. */
    int here = topo_current_node(sys);
    if (here >= 0 && topo_nodeset_has(&want, here))
        assert_true(topo_nodeset_has(&local, here));

    snprintf(a, sizeof a, "%d", first);
    assert_int_equal(topo_parse_nodes(sys, a, &s), 0);
    assert_int_equal(topo_nodeset_count(&s), 1);
    assert_true(topo_nodeset_has(&s, first));
    snprintf(a, sizeof a, " %d , %d ", first, first);
    assert_int_equal(topo_parse_nodes(sys, a, &s), 0);
    assert_int_equal(topo_nodeset_count(&s), 1);
    snprintf(a, sizeof a, "%d-%d", first, first);
    assert_int_equal(topo_parse_nodes(sys, a, &s), 0);
    assert_true(topo_nodeset_has(&s, first));
}

static void parse_errors(void **state)
{
    (void)state;
    topo_nodeset_t want;
    char ok[256], msg[512], str[64];
    usable(&want);
    topo_nodeset_format(&want, ok, sizeof ok);
    int last = sys->node[sys->nnodes - 1].os_index, missing = last + 1;

    snprintf(str, sizeof str, "%d", missing);
    snprintf(msg, sizeof msg, "node %d does not exist on this machine; nodes with memory this process may use: %s",
             missing, ok);
    expect_error(str, -ENODEV, msg);
    if (sys->nnodes == 1 && last == 0) {  /* the one-node machines: "1" and "0-3" */
        expect_error("1", -ENODEV, "node 1 does not exist on this machine; nodes with memory this process may use: 0");
        expect_error("0-3", -ENODEV, "node 3 does not exist on this machine");  /* both ends must be usable */
    }
    expect_error("x", -EINVAL, "node string \"x\": unknown word \"x\" at offset 0; expected a node number, all, "
                               "local, cpubind or a memory kind (dram, hbm, mcdram, nvm, spm, gpumemory, cxl-dram, "
                               "cxl-nvm), which may take :local, :cpubind or :N");
    expect_error("1,", -EINVAL, "node string \"1,\": expected a node number or a name at offset 2 (end of string)");
    expect_error("-1", -EINVAL, "node string \"-1\": expected a node number or a name at offset 0");
    expect_error("0,,1", -EINVAL, "expected a node number or a name at offset 2");
    expect_error("3-1", -EINVAL, "node string \"3-1\": range 3-1 runs backwards at offset 0");
    expect_error("0-", -EINVAL, "expected the end of the range at offset 2 (end of string)");
    expect_error("0 1", -EINVAL, "unexpected '1' at offset 2");
    expect_error("allx", -EINVAL, "unknown word \"allx\" at offset 0");
    expect_error("0,x", -EINVAL, "offset 2");  /* syntax first, whatever node 0 is */
    expect_error("1,x", -EINVAL, "offset 2");
    expect_error("0x1", -EINVAL, "node string \"0x1\": node numbers are decimal: unexpected 'x' at offset 1");
    expect_error("0,+1", -EINVAL, "'+' goes first in the string (\"!+1-2\"), not before an item at offset 2");
    expect_error("+!0", -EINVAL, "'!' goes first in the string");
    expect_error("!", -EINVAL, "expected a node number or a name at offset 1 (end of string)");
    expect_error("local:0", -EINVAL, "unexpected ':' (only a memory kind takes :local, :cpubind or :N) at offset 5");
    expect_error("hbm:", -EINVAL, "expected local, cpubind or a number after 'hbm:' at offset 4");
    expect_error("hbm:far", -EINVAL, "expected local, cpubind or a number after 'hbm:' at offset 4");
    expect_error("netdev:eth0", -EINVAL, "numactl's device form \"netdev:\" is not supported (name the node) at offset 0");
    expect_error("99999999999", -ENODEV, "node 99999999999 does not exist on this machine");
    expect_error("1024", -ENODEV, "node 1024 does not exist");
    expect_error("cxl-nvm", -ENODEV, "no node of memory kind CXL-NVM that this process may use");
    expect_error("hbm:99999", -ENODEV, "\"hbm:99999\": ");
    /* A failed parse leaves the output alone. */
    topo_nodeset_t s;
    memset(&s, 0xab, sizeof s);
    topo_nodeset_t copy = s;
    assert_int_equal(topo_parse_nodes(sys, "x", &s), -EINVAL);
    assert_memory_equal(&s, &copy, sizeof s);
    assert_int_equal(topo_parse_nodes(NULL, "0", &s), -EINVAL);
}

static void current_node(void **state)
{
    (void)state;
    int cpu = sched_getcpu();
    int node = topo_current_node(sys);
    assert_true(cpu >= 0 && cpu < sys->ncpus);
    assert_int_equal(node, sys->cpu_node[cpu]);
    assert_true(topo_node_pos(sys, node) >= 0);
    /* Pinned to each CPU in turn, the answer follows the kernel's cpulist. */
    cpu_set_t old, one;
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    for (int c = 0; c < sys->ncpus && c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &old))
            continue;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
        char path[96], buf[4096];
        snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", topo_current_node(sys));
        assert_true(topo__read("", path, buf, sizeof buf) > 0);
        topo_nodeset_t cpus;  /* small machines: CPU numbers < 1024 fit a node set */
        if (c < TOPO_MAX_NODE && topo__parse_nodelist(buf, &cpus) == 0)
            assert_true(topo_nodeset_has(&cpus, c));
    }
    assert_int_equal(sched_setaffinity(0, sizeof old, &old), 0);
}

static void nearest_and_sets(void **state)
{
    (void)state;
    topo_nodeset_t s;
    memset(&s, 0, sizeof s);
    assert_int_equal(topo_nearest(sys, 0, &s), -1);
    topo_nodeset_add(&s, sys->node[0].os_index);
    assert_int_equal(topo_nearest(sys, sys->node[0].os_index, &s), sys->node[0].os_index);
    assert_int_equal(topo_nearest(sys, -1, &s), sys->node[0].os_index);

    char buf[64];
    topo_nodeset_t a;
    assert_int_equal(topo__parse_nodelist("0-2,5,7-9,1023", &a), 0);
    assert_int_equal(topo_nodeset_count(&a), 8);
    assert_string_equal(topo_nodeset_format(&a, buf, sizeof buf), "0-2,5,7-9,1023");
    assert_int_equal(topo_nodeset_next(&a, -1), 0);
    assert_int_equal(topo_nodeset_next(&a, 5), 7);
    assert_int_equal(topo_nodeset_next(&a, 9), 1023);
    assert_int_equal(topo_nodeset_next(&a, 1023), -1);
    char tiny[8];
    topo_nodeset_format(&a, tiny, sizeof tiny);
    assert_string_equal(tiny, "0-2,...");
    assert_int_equal(topo__parse_nodelist("1024", &a), -ERANGE);
    assert_int_equal(topo__parse_nodelist("3-1", &a), -EINVAL);
}

/* ---- numactl beside numapool ---- */

/* 1 when `numactl --membind=STR true` runs, 0 when numactl refuses STR. */
static int numactl_accepts(const char *str)
{
    char arg[512];
    snprintf(arg, sizeof arg, "--membind=%s", str);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execlp("numactl", "numactl", arg, "true", (char *)NULL);
        _exit(127);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 127)
        fail_msg("numactl could not be run for \"%s\" (status %#x): tools/deps.sh installs it", str, st);
    return WEXITSTATUS(st) == 0;
}

enum rel {
    SAME,     /* numactl and numapool accept and refuse alike */
    OURS,     /* numapool's words, blanks after a number, `all` first in a list: numactl refuses, numapool parses */
    STRICTER, /* numactl reads C numbers (strtoul base 0) and backwards ranges; numapool refuses the string */
};

struct cmp { const char *str; enum rel rel; };

static int compared, differ_ok;

static void compare(const char *str, enum rel rel)
{
    topo_nodeset_t s;
    int ours = topo_parse_nodes(sys, str, &s), theirs = numactl_accepts(str);
    compared++;
    switch (rel) {
    case SAME:
        if ((ours == 0) != theirs)
            fail_msg("\"%s\": numactl %s it, numapool %s (%s)", str, theirs ? "accepts" : "refuses",
                     ours ? "refuses" : "accepts", ours ? npool__last_error() : "");
        break;
    case OURS:
        if (theirs)
            fail_msg("\"%s\": numactl accepts it; the table says it is numapool's own", str);
        if (ours == -EINVAL)
            fail_msg("\"%s\": numapool's own syntax, refused as a syntax error: %s", str, npool__last_error());
        differ_ok++;
        break;
    case STRICTER:
        if (ours != -EINVAL)
            fail_msg("\"%s\": numapool should refuse it as a syntax error, gave %d", str, ours);
        differ_ok += theirs;
        break;
    }
}

static void same_as_numactl(void **state)
{
    (void)state;
    static const struct cmp fixed[] = {
        {"all", SAME}, {"!all", SAME}, {"+all", SAME}, {"0,all", SAME}, {"all,", SAME}, {"all0", SAME},
        {"0", SAME}, {"00", SAME}, {"01", SAME}, {" 0", SAME}, {"\t0", SAME}, {"0, 0", SAME}, {"0,0", SAME},
        {"0-0", SAME}, {"+0", SAME}, {"+0-0", SAME}, {"+1", SAME},
        {"1", SAME}, {"0-1", SAME}, {"1023", SAME}, {"1024", SAME}, {"99999999999", SAME}, {"+1024", SAME},
        {"x", SAME}, {",", SAME}, {"0,", SAME}, {",0", SAME}, {"0,,0", SAME}, {"-", SAME}, {"0-", SAME},
        {"-1", SAME}, {"0--1", SAME}, {"+", SAME}, {"!", SAME}, {"!+", SAME}, {"+!0", SAME}, {"!!0", SAME},
        {"0-x", SAME}, {"0;1", SAME}, {"same", SAME}, {"ALL", SAME}, {"0:1", SAME}, {"0 -", SAME},
        /* numapool's words and blanks */
        {"", OURS}, {"  ", OURS}, {"local", OURS}, {"cpubind", OURS}, {"dram", OURS}, {"DRAM", OURS},
        {"hbm", OURS}, {"nvm", OURS}, {"dram:local", OURS}, {"hbm:cpubind", OURS}, {"dram:0", OURS},
        {"all,0", OURS}, {"0 ", OURS}, {"0 ,0", OURS}, {"0 - 0", OURS}, {"local,0", OURS}, {"!dram", OURS},
        /* numactl's C numbers and backwards ranges */
        {"0x0", STRICTER}, {"0X0", STRICTER}, {"-0", STRICTER}, {"0,+0", STRICTER}, {"++0", STRICTER},
        {"0-+0", STRICTER}, {"0x1", STRICTER},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        compare(fixed[i].str, fixed[i].rel);

    /* Strings made of this machine's own nodes. */
    topo_nodeset_t u;
    usable(&u);
    int nu = topo_nodeset_count(&u), first = topo_nodeset_next(&u, -1), last = first, k = 0;
    /* the machine's memory nodes are 0..m-1: numactl's ! (over nodes 0..m-1) covers exactly them */
    bool dense = true;
    char mem[8192];
    topo_nodeset_t memnodes;
    if (topo__read("", "/sys/devices/system/node/has_memory", mem, sizeof mem) > 0)
        assert_int_equal(topo__parse_nodelist(mem, &memnodes), 0);
    else
        assert_int_equal(topo__parse_nodelist("0", &memnodes), 0);
    for (int n = topo_nodeset_next(&memnodes, -1), m = 0; n >= 0; n = topo_nodeset_next(&memnodes, n), m++)
        dense &= n == m;
    for (int n = first; n >= 0; n = topo_nodeset_next(&u, n), k++) {
        char a[64];
        last = n;
        if (k >= 8)
            continue;
        snprintf(a, sizeof a, "%d", n), compare(a, SAME);
        snprintf(a, sizeof a, "+%d", k), compare(a, SAME);
        snprintf(a, sizeof a, "%d,%d", first, n), compare(a, SAME);
        snprintf(a, sizeof a, "%d-%d", first, n), compare(a, SAME);
        snprintf(a, sizeof a, "+%d-%d", k, nu - 1), compare(a, SAME);
        if (n != first) {
            snprintf(a, sizeof a, "%d-%d", n, first), compare(a, STRICTER);  /* numactl: node n alone */
        }
    }
    char a[64];
    for (int n = 0; n <= last + 2 && n < 64; n++)  /* nodes that are not usable too */
        if (!topo_nodeset_has(&u, n))
            snprintf(a, sizeof a, "%d", n), compare(a, SAME);
    snprintf(a, sizeof a, "+%d", nu), compare(a, SAME);
    snprintf(a, sizeof a, "+0-%d", nu), compare(a, SAME);
    snprintf(a, sizeof a, "%d-%d", first, last + 1), compare(a, SAME);
    if (dense) {  /* numactl inverts over nodes 0..(nodes with memory - 1): the same set only here */
        compare("!0", SAME);
        compare("!+0", SAME);
        compare("!+1", SAME);
        for (int n = first; n >= 0 && n < 8; n = topo_nodeset_next(&u, n)) {
            snprintf(a, sizeof a, "!%d", n), compare(a, SAME);
            snprintf(a, sizeof a, "!%d-%d", first, n), compare(a, SAME);
            snprintf(a, sizeof a, "!+0-%d", nu - 1), compare(a, SAME);
        }
    }
    print_message("numactl --membind agreed on %d strings; %d are numapool's own or numactl's quirks, "
                  "checked as such (%d usable nodes: %s)\n", compared - differ_ok, differ_ok, nu,
                  topo_nodeset_format(&u, a, sizeof a));
}

/* "cpubind": the nodes of the CPUs sched_getaffinity gives, read here from
 * each node's cpulist; a node that cannot be used stands for its nearest
 * usable node by the kernel's distance row (the lowest on ties). */
static void cpubind_expected(const cpu_set_t *cpus, topo_nodeset_t *want, topo_nodeset_t *raw)
{
    topo_nodeset_t u;
    usable(&u);
    memset(want, 0, sizeof *want);
    memset(raw, 0, sizeof *raw);
    for (int n = 0; n < TOPO_MAX_NODE; n++) {
        char path[96], buf[8192];
        snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", n);
        if (topo__read("", path, buf, sizeof buf) <= 0)
            continue;
        topo_nodeset_t c;  /* CPU numbers < 1024 fit a node set */
        if (topo__parse_nodelist(buf, &c) != 0)
            continue;
        for (int cpu = topo_nodeset_next(&c, -1); cpu >= 0 && cpu < CPU_SETSIZE; cpu = topo_nodeset_next(&c, cpu))
            if (CPU_ISSET(cpu, cpus))
                topo_nodeset_add(raw, n);
    }
    for (int n = topo_nodeset_next(raw, -1); n >= 0; n = topo_nodeset_next(raw, n)) {
        if (topo_nodeset_has(&u, n)) {
            topo_nodeset_add(want, n);
            continue;
        }
        char path[96], buf[8192];
        snprintf(path, sizeof path, "/sys/devices/system/node/node%d/distance", n);
        assert_true(topo__read("", path, buf, sizeof buf) > 0);
        /* one value per online node, in order */
        char online[8192];
        assert_true(topo__read("", "/sys/devices/system/node/online", online, sizeof online) > 0);
        topo_nodeset_t on;
        assert_int_equal(topo__parse_nodelist(online, &on), 0);
        int best = -1, bestd = INT_MAX;
        char *p = buf;
        for (int m = topo_nodeset_next(&on, -1); m >= 0; m = topo_nodeset_next(&on, m)) {
            char *end;
            long d = strtol(p, &end, 10);
            assert_true(end != p);
            p = end;
            if (topo_nodeset_has(&u, m) && d < bestd) {
                best = m;
                bestd = (int)d;
            }
        }
        assert_true(best >= 0);
        topo_nodeset_add(want, best);
    }
}

static void cpubind_live(void **state)
{
    (void)state;
    cpu_set_t old, one;
    topo_nodeset_t s, want, raw;
    char a[256], b[256];
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    cpubind_expected(&old, &want, &raw);
    assert_int_equal(topo_parse_nodes(sys, "cpubind", &s), 0);
    if (memcmp(&s, &want, sizeof s) != 0)
        fail_msg("cpubind is %s, the affinity's nodes say %s", topo_nodeset_format(&s, a, sizeof a),
                 topo_nodeset_format(&want, b, sizeof b));
    /* No kinds from hwloc: "dram" is the usable nodes with CPUs, and when
     * every node of the binding is usable (so DRAM), "dram:cpubind" is them. */
    bool kinds = false;
    for (int i = 0; i < sys->nnodes; i++)
        kinds |= sys->node[i].subtype[0] != '\0';
    if (!kinds) {
        topo_nodeset_t u, dram;
        usable(&u);
        memset(&dram, 0, sizeof dram);
        for (int n = topo_nodeset_next(&u, -1); n >= 0; n = topo_nodeset_next(&u, n))
            if (sys->node[topo_node_pos(sys, n)].has_cpu)
                topo_nodeset_add(&dram, n);
        int rc = topo_parse_nodes(sys, "dram", &s);
        assert_int_equal(rc, topo_nodeset_count(&dram) ? 0 : -ENODEV);
        if (rc == 0)
            assert_memory_equal(&s, &dram, sizeof s);
        if (memcmp(&raw, &want, sizeof raw) == 0) {
            assert_int_equal(topo_parse_nodes(sys, "dram:cpubind", &s), 0);
            assert_memory_equal(&s, &want, sizeof s);
        }
    }
    /* Pinned to each CPU in turn (as taskset -c would): that CPU's node. */
    for (int c = 0; c < sys->ncpus && c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &old))
            continue;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
        cpubind_expected(&one, &want, &raw);
        assert_int_equal(topo_nodeset_count(&raw), 1);
        assert_int_equal(topo_parse_nodes(sys, "cpubind", &s), 0);
        if (memcmp(&s, &want, sizeof s) != 0)
            fail_msg("pinned to CPU %d: cpubind is %s, expected %s", c, topo_nodeset_format(&s, a, sizeof a),
                     topo_nodeset_format(&want, b, sizeof b));
        /* dram:local and dram:cpubind start from the same node when the thread cannot move */
        if (!kinds) {
            topo_nodeset_t l;
            memset(&l, 0, sizeof l);
            memset(&s, 0, sizeof s);
            int rl = topo_parse_nodes(sys, "dram:local", &l), rb = topo_parse_nodes(sys, "dram:cpubind", &s);
            assert_int_equal(rl, rb);
            assert_memory_equal(&s, &l, sizeof s);
        }
    }
    assert_int_equal(sched_setaffinity(0, sizeof old, &old), 0);
}

static void thp_and_pages(void **state)
{
    (void)state;
    enum topo_thp m = topo_thp_mode(sys);
    char buf[256];
    if (topo__read("", "/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) > 0)
        assert_non_null(strstr(buf, topo_thp_name(m)));
    int node = sys->node[0].os_index;
    for (int i = 0; i < sys->nnodes; i++)
        if (sys->node[i].has_memory) {
            node = sys->node[i].os_index;
            break;
        }
    uint64_t b = 0;
    assert_int_equal(topo_node_mem_available(sys, node, &b), 0);
    assert_true(b > 0);
    assert_int_equal(topo_cgroup_mem_available(sys, &b), 0);
    assert_true(b > 0);
}

int main(void)
{
    if (topo_system(&sys) != 0) {
        printf("topo_system failed: %s\n", npool__last_error());
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(system_topology),
        cmocka_unit_test(parse_ok),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(current_node),
        cmocka_unit_test(same_as_numactl),
        cmocka_unit_test(cpubind_live),
        cmocka_unit_test(nearest_and_sets),
        cmocka_unit_test(thp_and_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
