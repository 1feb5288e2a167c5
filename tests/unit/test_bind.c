/* tests/test_bind.c - numa/bind.c on real memory (mbind before touch, then
 * move_pages says where every page is) and through the fake move_pages hook
 * (a placement the kernel of a one-node machine can never give).
 * Exits 77 when the kernel refuses the NUMA system calls (seccomp). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topo.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct topo *sys;
static size_t pg;
static int node;  /* a node this process may bind to: "local" */

static void *map(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    return p;
}

static void policy(void **state)
{
    (void)state;
    enum topo_policy pol = TOPO_POL_OTHER;
    topo_nodeset_t nodes;
    assert_int_equal(bind_get_policy(&pol, &nodes), 0);
    assert_int_equal(pol, TOPO_POL_DEFAULT);  /* ctest runs us without numactl */
    assert_int_equal(topo_nodeset_count(&nodes), 0);
    assert_int_equal(bind_get_policy(NULL, &nodes), -EINVAL);
}

static void bind_then_verify(void **state)
{
    (void)state;
    size_t len = 64 * pg;
    for (int preferred = 0; preferred < 2; preferred++) {
        char *p = map(len);
        assert_int_equal(bind_range(p, len, node, preferred), 0);
        memset(p, 1, len);
        size_t ok = 0, bad = 1;
        assert_int_equal(bind_verify(p, len, pg, node, &ok, &bad), 0);
        assert_int_equal(ok, 64);
        assert_int_equal(bad, 0);
        munmap(p, len);
    }
}

static void untouched_pages_are_misplaced(void **state)
{
    (void)state;
    size_t len = 8 * pg;
    char *p = map(len);
    assert_int_equal(bind_range(p, len, node, false), 0);
    memset(p, 1, 3 * pg);  /* pages 0-2 present, 3-7 not faulted in: status -ENOENT */
    size_t ok = 0, bad = 0;
    assert_int_equal(bind_verify(p, len, pg, node, &ok, &bad), 0);
    assert_int_equal(ok, 3);
    assert_int_equal(bad, 5 * pg);
    munmap(p, len);
}

static void bad_arguments(void **state)
{
    (void)state;
    size_t ok, bad;
    char *p = map(pg);
    assert_int_equal(bind_range(NULL, pg, node, false), -EINVAL);
    assert_int_equal(bind_range(p, 0, node, false), -EINVAL);
    assert_int_equal(bind_range(p, pg, -1, false), -EINVAL);
    assert_int_equal(bind_range(p, pg, TOPO_MAX_NODE, false), -EINVAL);
    /* A node the machine lacks: the kernel refuses, the sentence says so. */
    int missing = sys->node[sys->nnodes - 1].os_index + 1;
    int rc = bind_range(p, pg, missing, false);
    assert_true(rc < 0);
    assert_non_null(strstr(npool__last_error(), "mbind"));
    assert_int_equal(bind_verify(p + 1, pg, pg, node, &ok, &bad), -EINVAL);       /* unaligned */
    assert_int_equal(bind_verify(p, pg, 3000, node, &ok, &bad), -EINVAL);         /* not a power of two */
    assert_int_equal(bind_verify(p, pg, pg, node, NULL, &bad), -EINVAL);
    munmap(p, pg);
}

/* ---- the fake placement ---- */

static int fake_calls;
static unsigned long fake_total;

static long half_elsewhere(unsigned long count, void **pages, int *status)
{
    fake_calls++;
    for (unsigned long i = 0; i < count; i++) {
        size_t idx = (size_t)((char *)pages[i] - (char *)pages[0]) / pg + fake_total;
        status[i] = idx % 2 ? node + 1 : node;   /* odd pages "landed" on another node */
    }
    fake_total += count;
    return 0;
}

static long refused(unsigned long count, void **pages, int *status)
{
    (void)count, (void)pages, (void)status;
    errno = EPERM;
    return -1;
}

static void fake_misplaced(void **state)
{
    (void)state;
    size_t npages = 3000;  /* three batches of at most 1024 */
    size_t len = npages * pg - pg / 2;  /* the last page counts only up to the end */
    char *p = map(npages * pg);
    size_t ok = 0, bad = 0;
    fake_calls = 0;
    fake_total = 0;
    bind_set_move_pages_hook(half_elsewhere);
    assert_int_equal(bind_verify(p, len, pg, node, &ok, &bad), 0);
    assert_int_equal(fake_calls, 3);
    assert_int_equal(ok, 1500);
    /* odd pages 1, 3, ..., 2999 are misplaced; 2999 is the short last one */
    assert_int_equal(bad, 1499 * pg + pg / 2);

    bind_set_move_pages_hook(refused);
    assert_int_equal(bind_verify(p, len, pg, node, &ok, &bad), -EPERM);
    assert_non_null(strstr(npool__last_error(), "move_pages"));

    bind_set_move_pages_hook(NULL);  /* the real call again: nothing touched, all misplaced */
    assert_int_equal(bind_verify(p, len, pg, node, &ok, &bad), 0);
    assert_int_equal(ok, 0);
    assert_int_equal(bad, len);
    munmap(p, npages * pg);
}

int main(void)
{
    if (topo_system(&sys) != 0) {
        printf("topo_system failed: %s\n", npool__last_error());
        return 1;
    }
    pg = (size_t)sysconf(_SC_PAGESIZE);
    topo_nodeset_t local;
    if (topo_parse_nodes(sys, "local", &local) != 0) {
        printf("no usable node: %s\n", npool__last_error());
        return 1;
    }
    node = topo_nodeset_next(&local, -1);
    /* Probe: a kernel or seccomp profile without the NUMA calls cannot run these. */
    enum topo_policy pol;
    topo_nodeset_t pn;
    int rc = bind_get_policy(&pol, &pn);
    if (rc == -ENOSYS || rc == -EPERM) {
        printf("skipped: get_mempolicy refused here (%s)\n", npool__last_error());
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy),
        cmocka_unit_test(bind_then_verify),
        cmocka_unit_test(untouched_pages_are_misplaced),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(fake_misplaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
