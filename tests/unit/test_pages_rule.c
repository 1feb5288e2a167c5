/* The page choice of src/pages.c: NPOOL_PAGES_AUTO's rule and the fallback
 * chain of each request, decided on machines written by hand (hugepage
 * counts, a hugetlb cgroup, THP modes, the four sizes of an arm64 kernel)
 * and on a real machine's dump, and NUMAPOOL_PAGES's parsing.  The answers
 * follow from the numbers written into each fake root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pages.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define M ((size_t)1 << 20)
#define G ((size_t)1 << 30)

static char root_x86[256], root_arm[256], root_thp[256];

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

/* One node: 8 of 10 2 MiB pages free, a cgroup v2 hugetlb limit leaving 6 MiB,
 * THP never; a second node without memory. */
static void make_x86(const char *r)
{
    put(r, "sys/devices/system/node/online", "0-1\n");
    put(r, "sys/devices/system/node/has_memory", "0\n");
    put(r, "sys/devices/system/node/node0/cpulist", "0-1\n");
    put(r, "sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 1048576 kB\nNode 0 MemFree: 524288 kB\n");
    put(r, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "10\n");
    put(r, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "8\n");
    put(r, "sys/devices/system/node/node1/cpulist", "2-3\n");
    put(r, "sys/devices/system/node/node1/meminfo", "Node 1 MemTotal: 0 kB\nNode 1 MemFree: 0 kB\n");
    put(r, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "10\n");
    put(r, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "8\n");
    put(r, "sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n");
    put(r, "proc/self/cgroup", "0::/job\n");
    put(r, "proc/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
    put(r, "sys/fs/cgroup/job/hugetlb.2MB.max", "8388608\n");
    put(r, "sys/fs/cgroup/job/hugetlb.2MB.current", "2097152\n");
}

/* An arm64 kernel with 4 KiB pages offers 64 KiB, 2 MiB, 32 MiB and 1 GiB
 * hugetlb pages; here 4 of 32 MiB and 100 of 64 KiB are free, no 2 MiB or
 * 1 GiB ones.  THP madvise. */
static void make_arm(const char *r)
{
    static const char *sizes[] = {"64kB", "2048kB", "32768kB", "1048576kB"};
    static const char *freep[] = {"100\n", "0\n", "4\n", "0\n"};
    char path[256];
    put(r, "sys/devices/system/node/online", "0\n");
    put(r, "sys/devices/system/node/node0/cpulist", "0-7\n");
    put(r, "sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 8388608 kB\nNode 0 MemFree: 8000000 kB\n");
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "sys/devices/system/node/node0/hugepages/hugepages-%s/nr_hugepages", sizes[i]);
        put(r, path, freep[i]);
        snprintf(path, sizeof path, "sys/devices/system/node/node0/hugepages/hugepages-%s/free_hugepages", sizes[i]);
        put(r, path, freep[i]);
        snprintf(path, sizeof path, "sys/kernel/mm/hugepages/hugepages-%s/nr_hugepages", sizes[i]);
        put(r, path, freep[i]);
    }
    put(r, "sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
}

/* One node, no hugetlb pages at all, THP madvise. */
static void make_thp(const char *r)
{
    put(r, "sys/devices/system/node/online", "0\n");
    put(r, "sys/devices/system/node/node0/cpulist", "0-3\n");
    put(r, "sys/devices/system/node/node0/meminfo", "Node 0 MemTotal: 4194304 kB\nNode 0 MemFree: 4000000 kB\n");
    put(r, "sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
}

static struct topo *open_ok(const char *root)
{
    struct topo *t = NULL;
    if (topo_open(root, &t))
        fail_msg("topo_open(%s): %s", root, npool__last_error());
    return t;
}

static void auto_on_x86(void **state)
{
    (void)state;
    struct topo *t = open_ok(root_x86);
    size_t ps = 1;
    char why[512];
    assert_int_equal(npool__pages_auto(t, 0, 4 * M, &ps, why, sizeof why), 0);
    assert_int_equal(ps, 2 * M);
    assert_string_equal(why, "2 MiB hugetlb pages: 2 of 8 free on node 0");
    assert_int_equal(npool__pages_auto(t, 0, 8 * M, &ps, why, sizeof why), 0);   /* the cgroup refuses */
    assert_int_equal(ps, 4096);
    assert_string_equal(why, "2 MiB: the hugetlb cgroup allows 6291456 more bytes, 8388608 needed; "
                             "THP mode never; base pages of 4 KiB");
    assert_int_equal(npool__pages_auto(t, 0, 20 * M, &ps, why, sizeof why), 0);  /* 10 needed, 8 free */
    assert_int_equal(ps, 4096);
    assert_non_null(strstr(why, "2 MiB: node 0 has 8 free, 10 needed; "));
    assert_int_equal(npool__pages_auto(t, 0, 6 * M + 1, &ps, why, sizeof why), 0); /* 8 MiB wastes 2 MiB - 1 > 1/8 */
    assert_int_equal(ps, 4096);
    assert_non_null(strstr(why, "> 1/8"));
    assert_int_equal(npool__pages_auto(t, 1, 4 * M, &ps, why, sizeof why), -ENODEV);
    assert_non_null(strstr(npool__last_error(), "node 1 has no memory"));
    assert_int_equal(npool__pages_auto(t, 0, 0, &ps, why, sizeof why), -EINVAL);
    /* free counts are re-read: the answer follows the machine */
    put(root_x86, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "1\n");
    assert_int_equal(npool__pages_auto(t, 0, 4 * M, &ps, why, sizeof why), 0);
    assert_int_equal(ps, 4096);
    put(root_x86, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "8\n");
    topo_close(t);
}

static void auto_thp_and_small_arenas(void **state)
{
    (void)state;
    struct topo *t = open_ok(root_thp);
    size_t ps = 1;
    char why[256];
    assert_int_equal(npool__pages_auto(t, 0, 4 * M, &ps, why, sizeof why), 0);
    assert_int_equal(ps, 0);  /* THP */
    assert_string_equal(why, "no hugetlb pages on node 0; THP (mode madvise)");
    assert_int_equal(npool__pages_auto(t, 0, M, &ps, why, sizeof why), 0);
    assert_int_equal(ps, t->base_page_size);  /* under 2 MiB: no THP could cover it */
    assert_string_equal(why, "no hugetlb pages on node 0; arena under 2 MiB, too small for THP; base pages of 4 KiB");
    assert_int_equal(npool__pages_auto(t, 0, M, &ps, NULL, 0), 0);   /* why may be NULL */
    topo_close(t);
}

/* Every size the kernel offers is a size AUTO may pick and a request may name. */
static void arm64_sizes(void **state)
{
    (void)state;
    struct topo *t = open_ok(root_arm);
    size_t ps = 1;
    char why[512];
    assert_int_equal(t->node[0].nhp, 4);
    assert_int_equal(npool__pages_auto(t, 0, 100 * M, &ps, why, sizeof why), 0);   /* 4 x 32 MiB = 128: 28 > 1/8 */
    assert_int_equal(ps, 0);   /* THP: 32 MiB wastes too much, 2 MiB has none free, 64 KiB too few */
    assert_non_null(strstr(why, "32 MiB: would waste"));
    assert_int_equal(npool__pages_auto(t, 0, 120 * M, &ps, why, sizeof why), 0);   /* 4 x 32 MiB, 8 MiB wasted */
    assert_int_equal(ps, 32 * M);
    assert_string_equal(why, "1 GiB: would waste 947912704 of 1073741824 bytes (> 1/8); "
                             "32 MiB hugetlb pages: 4 of 4 free on node 0");
    assert_int_equal(npool__pages_auto(t, 0, 6 * 64 * 1024, &ps, why, sizeof why), 0);
    assert_int_equal(ps, 64 * 1024);
    assert_int_equal(npool__pages_kind(32 * M), NPOOL_PAGES_HUGETLB);
    assert_int_equal(npool__pages_kind(2 * M), NPOOL_PAGES_2M);
    assert_int_equal(npool__pages_kind(G), NPOOL_PAGES_1G);

    /* the chain of a 1 GiB request: every smaller offered size, then THP, base */
    struct npool__attempt plan[NPOOL_PLAN_MAX];
    char note[256];
    int np = npool__pages_plan(t, 0, 200 * M, 0, NPOOL_PAGES_1G, 0, plan, note, sizeof note);
    assert_int_equal(np, 6);
    size_t want[] = {G, 32 * M, 2 * M, 64 * 1024, 0, 0};
    enum npool_pages kinds[] = {NPOOL_PAGES_1G, NPOOL_PAGES_HUGETLB, NPOOL_PAGES_2M, NPOOL_PAGES_HUGETLB,
                                NPOOL_PAGES_THP, NPOOL_PAGES_BASE};
    for (int i = 0; i < np; i++) {
        assert_int_equal(plan[i].page_size, want[i]);
        assert_int_equal(plan[i].kind, kinds[i]);
    }
    /* a 32 MiB request, strict: that size only */
    np = npool__pages_plan(t, 0, 200 * M, 1, NPOOL_PAGES_HUGETLB, 32 * M, plan, note, sizeof note);
    assert_int_equal(np, 1);
    assert_int_equal(plan[0].page_size, 32 * M);
    /* AUTO: its size, THP, base */
    np = npool__pages_plan(t, 0, 120 * M, 0, NPOOL_PAGES_AUTO, 0, plan, note, sizeof note);
    assert_int_equal(np, 3);
    assert_int_equal(plan[0].page_size, 32 * M);
    assert_int_equal(plan[1].kind, NPOOL_PAGES_THP);
    assert_int_equal(plan[2].kind, NPOOL_PAGES_BASE);
    assert_non_null(strstr(note, "32 MiB hugetlb pages"));
    np = npool__pages_plan(t, 0, 120 * M, 1, NPOOL_PAGES_THP, 0, plan, note, sizeof note);
    assert_int_equal(np, 1);
    np = npool__pages_plan(t, 0, 120 * M, 0, NPOOL_PAGES_BASE, 0, plan, note, sizeof note);
    assert_int_equal(np, 1);
    assert_int_equal(plan[0].kind, NPOOL_PAGES_BASE);
    topo_close(t);
}

/* Real machines' dumps (when the test data is present): an arm64 machine
 * offering 64 KiB, 2 MiB, 32 MiB and 1 GiB pages, and a machine (the
 * hugepagesizecount dump) whose kernel offers 16 GiB and 2 MiB pages. */
static struct topo *open_dump(const char *name)
{
    const char *dir = getenv("NPOOL_TOPO_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "", name);
    struct topo *t = NULL;
    if (!dir || topo_open(path, &t) != 0)
        return NULL;
    return t;
}

static void dumps(void **state)
{
    (void)state;
    const char *shared = getenv("NPOOL_TOPO_SHARED");
    struct topo *arm = open_dump("128arm-2pa2n8cluster4co"), *x = open_dump("2i386-2t-hugepagesizecount");
    if (!arm || !x) {
        struct stat sb;
        /* no test data beside this clone: nothing to check against (CI has it) */
        if (shared && stat(shared, &sb) == 0)
            fail_msg("the dumps of %s were not unpacked under NPOOL_TOPO_DIR", shared);
        printf("the machine dumps are not here; nothing to check\n");
        if (arm)
            topo_close(arm);
        if (x)
            topo_close(x);
        return;
    }
    struct npool__attempt plan[NPOOL_PLAN_MAX];
    char note[512];
    /* arm64: a 1 GiB request falls back through 32 MiB, 2 MiB and 64 KiB */
    int np = npool__pages_plan(arm, 0, 100 * M, 0, NPOOL_PAGES_1G, 0, plan, note, sizeof note);
    assert_int_equal(np, 6);
    const size_t want[] = {G, 32 * M, 2 * M, 64 * 1024};
    for (int i = 0; i < 4; i++)
        assert_int_equal(plan[i].page_size, want[i]);
    assert_int_equal(plan[1].kind, NPOOL_PAGES_HUGETLB);
    assert_int_equal(plan[3].kind, NPOOL_PAGES_HUGETLB);
    /* AUTO there: no page of any size is free in the dump, so THP (madvise there) or base, and it says why */
    size_t ps = 1;
    assert_int_equal(npool__pages_auto(arm, 0, 64 * M, &ps, note, sizeof note), 0);
    assert_non_null(strstr(note, "32 MiB: node 0 has 0 free, 2 needed"));
    assert_non_null(strstr(note, "64 KiB: node 0 has 0 free"));
    /* 16 GiB pages: asked for by size, with the 2 MiB ones behind */
    np = npool__pages_plan(x, 0, 20 * G, 0, NPOOL_PAGES_HUGETLB, 16 * G, plan, note, sizeof note);
    assert_true(np >= 3);
    assert_int_equal(plan[0].page_size, 16 * G);
    assert_int_equal(plan[0].kind, NPOOL_PAGES_HUGETLB);
    assert_int_equal(plan[1].page_size, 2 * M);
    topo_close(arm);
    topo_close(x);
}

static void parse_numapool_pages(void **state)
{
    (void)state;
    enum npool_pages p;
    size_t ps;
    struct { const char *s; enum npool_pages p; size_t ps; } ok[] = {
        {"auto", NPOOL_PAGES_AUTO, 0}, {"AUTO", NPOOL_PAGES_AUTO, 0}, {"thp", NPOOL_PAGES_THP, 0},
        {"THP", NPOOL_PAGES_THP, 0},   {"base", NPOOL_PAGES_BASE, 0}, {"4K", NPOOL_PAGES_BASE, 0},
        {"4096", NPOOL_PAGES_BASE, 0}, {"2M", NPOOL_PAGES_2M, 0}, {"2m", NPOOL_PAGES_2M, 0},
        {"2MB", NPOOL_PAGES_2M, 0},    {"2MiB", NPOOL_PAGES_2M, 0}, {"1G", NPOOL_PAGES_1G, 0},
        {"1g", NPOOL_PAGES_1G, 0},     {"64K", NPOOL_PAGES_HUGETLB, 64 * 1024},
        {"64kB", NPOOL_PAGES_HUGETLB, 64 * 1024}, {"32M", NPOOL_PAGES_HUGETLB, 32 * M},
        {"16G", NPOOL_PAGES_HUGETLB, 16 * G}, {"33554432", NPOOL_PAGES_HUGETLB, 32 * M},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (npool__pages_parse(ok[i].s, 4096, &p, &ps) != 0)
            fail_msg("\"%s\" refused: %s", ok[i].s, npool__last_error());
        if (p != ok[i].p || ps != ok[i].ps)
            fail_msg("\"%s\" gave %d/%zu, expected %d/%zu", ok[i].s, (int)p, ps, (int)ok[i].p, ok[i].ps);
    }
    const char *bad[] = {"", "huge", "3M", "2X", "0", "1K", "2M2", "-2M", "99999999999999999999G", "2 M"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (npool__pages_parse(bad[i], 4096, &p, &ps) != -EINVAL)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_non_null(strstr(npool__last_error(), "NUMAPOOL_PAGES"));
    }
}

static int remove_tree(const char *root)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd);
}

int main(void)
{
    snprintf(root_x86, sizeof root_x86, "/tmp/npool-pages-x86-XXXXXX");
    snprintf(root_arm, sizeof root_arm, "/tmp/npool-pages-arm-XXXXXX");
    snprintf(root_thp, sizeof root_thp, "/tmp/npool-pages-thp-XXXXXX");
    if (!mkdtemp(root_x86) || !mkdtemp(root_arm) || !mkdtemp(root_thp)) {
        perror("mkdtemp");
        return 1;
    }
    make_x86(root_x86);
    make_arm(root_arm);
    make_thp(root_thp);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auto_on_x86),
        cmocka_unit_test(auto_thp_and_small_arenas),
        cmocka_unit_test(arm64_sizes),
        cmocka_unit_test(parse_numapool_pages),
        cmocka_unit_test(dumps),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    remove_tree(root_x86);
    remove_tree(root_arm);
    remove_tree(root_thp);
    return rc;
}
