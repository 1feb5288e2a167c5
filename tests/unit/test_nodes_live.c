/* tests/test_nodes_live.c - node strings and node choice on the machine the
 * tests run on (any number of nodes: the answers are derived from the
 * kernel's own Mems_allowed and node files, read here independently). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topo.h"
#include "topo_private.h"
#include "error.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

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
        expect_error("0-3", -ENODEV, "node 1 does not exist on this machine");
    }
    expect_error("x", -EINVAL, "node string \"x\": expected a node number at offset 0");
    expect_error("1,", -EINVAL, "node string \"1,\": expected a node number at offset 2 (end of string)");
    expect_error("-1", -EINVAL, "node string \"-1\": expected a node number at offset 0");
    expect_error("0,,1", -EINVAL, "expected a node number at offset 2");
    expect_error("3-1", -EINVAL, "range 3-1 at offset 0 runs backwards");
    expect_error("0-", -EINVAL, "expected the end of the range at offset 2");
    expect_error("0 1", -EINVAL, "unexpected '1' at offset 2");
    expect_error("allx", -EINVAL, "offset 0");
    expect_error("0,x", -EINVAL, "offset 2");  /* syntax first, whatever node 0 is */
    expect_error("99999999999", -ENODEV, "does not exist on this machine");
    expect_error("1024", -ENODEV, "node 1024 does not exist");
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
        cmocka_unit_test(nearest_and_sets),
        cmocka_unit_test(thp_and_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
