/* Pages really used: 2 MiB hugetlb arenas (KernelPageSize, Private_Hugetlb
 * equal to the mapped bytes right after create, every page on node 0 by
 * move_pages, no page fault when every block is touched), the fallback chain
 * and its reasons, the populate result as the authority over sysfs counts,
 * THP, and a failed create leaving nothing mapped.  Needs 2 MiB hugepages:
 * reserves them when root, otherwise skips (77) saying why.
 *
 * The machine's free hugepage counts are compared exactly, before and after:
 * no other process may take or give back 2 MiB hugepages meanwhile.  The
 * suite's own users of hugepages hold the ctest resource npool_hugepages, so
 * `ctest -j` never runs two of them at once (tests/api/api.cmake). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include "hp_util.h"
#include "numapool.h"

#define MiB ((size_t)1 << 20)

static int create(size_t size, size_t count, enum npool_pages pages, unsigned flags, npool_t **p)
{
    npool_config_t c = {.block_size = size, .block_count = count, .pages = pages, .flags = flags, .name = "pages"};
    return npool_create(&c, p);
}

static void hugetlb_2m_strict(void **st)
{
    (void)st;
    long before = hp_field(2048, "free_hugepages");
    npool_t *p;
    /* 8192 blocks of 4 KiB: 32 MiB, 16 pages of 2 MiB */
    int rc = create(4096, 8192, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &p);
    if (rc)
        fail_msg("%s", npool_last_error());
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].backing, NPOOL_PAGES_2M);
    assert_int_equal(s.nodes[0].fell_back, 0);
    assert_int_equal(s.nodes[0].page_size, 2 * MiB);
    assert_int_equal(s.nodes[0].bytes_mapped, 32 * MiB);
    assert_int_equal(s.nodes[0].pages_verified, 16);
    assert_int_equal(s.nodes[0].bytes_misplaced, 0);
    char *b0 = npool_block(p, 0);
    assert_int_equal(smaps_field(b0, "KernelPageSize"), (long)(2 * MiB));
    /* all faulted in at create (recent kernels may count a private hugetlb
     * folio that was once mapped elsewhere as Shared_Hugetlb) */
    assert_int_equal(smaps_field(b0, "Private_Hugetlb") + smaps_field(b0, "Shared_Hugetlb"), (long)(32 * MiB));
    assert_int_equal(hp_field(2048, "free_hugepages"), before - 16);
    for (size_t i = 0; i < 8192; i += 512)
        assert_int_equal(page_node(npool_block(p, i)), 0);

#ifdef NPOOL_TEST_RELEASE
    /* touching every block takes no page fault (release only: sanitizers
     * fault their shadow in, and ASan rightly refuses writes to free blocks) */
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    for (size_t i = 0; i < 8192; i++) {
        volatile char *b = npool_block(p, i);
        b[0] = 1;
        b[4095] = 2;
    }
    getrusage(RUSAGE_SELF, &r1);
    assert_int_equal(r1.ru_minflt - r0.ru_minflt, 0);
    assert_int_equal(r1.ru_majflt - r0.ru_majflt, 0);
#endif
    npool_destroy(p);
    assert_int_equal(hp_field(2048, "free_hugepages"), before);
}

static void shortage_strict_and_fallback(void **st)
{
    (void)st;
    long fr = hp_free(2048);
    size_t need = (size_t)fr + 8;   /* more pages than are free */
    npool_t *p = NULL;
    int lines = maps_lines();
    int rc = create(2 * MiB, need, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &p);
    assert_int_equal(rc, -ENOMEM);
    assert_null(p);
    char want[128];
    snprintf(want, sizeof want, "node 0 has %ld free 2 MiB hugepages, %zu needed", fr, need);
    if (!strstr(npool_last_error(), want))
        fail_msg("\"%s\" lacks \"%s\"", npool_last_error(), want);
    assert_int_equal(maps_lines(), lines);          /* a failed create leaves nothing mapped */
    assert_int_equal(hp_free(2048), fr);

    /* without STRICT: the same node, smaller pages, and the reason */
    rc = create(2 * MiB, need, NPOOL_PAGES_2M, 0, &p);
    if (rc)
        fail_msg("%s", npool_last_error());
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].fell_back, 1);
    assert_int_equal(s.nodes[0].requested, NPOOL_PAGES_2M);
    assert_true(s.nodes[0].backing == NPOOL_PAGES_THP || s.nodes[0].backing == NPOOL_PAGES_BASE);
    assert_non_null(strstr(s.nodes[0].fallback_reason, "free 2 MiB hugepages"));
    assert_int_equal(s.nodes[0].page_size, (size_t)sysconf(_SC_PAGESIZE));
    assert_int_equal(page_node(npool_block(p, need - 1)), 0);
    void *base = npool_block(p, 0);
    assert_int_equal(mapped_in(base, s.nodes[0].bytes_mapped), 1);
    npool_destroy(p);
    assert_int_equal(mapped_in(base, s.nodes[0].bytes_mapped), 0);   /* destroy leaves nothing mapped */
}

/* Pages counted free in sysfs but promised to another mapping: the populate
 * result decides, with an error and no SIGBUS. */
static void populate_is_the_authority(void **st)
{
    (void)st;
    char why[256];
    if (hp_reserve(2048, 32, why, sizeof why) != 0)
        fail_msg("%s", why);
    long fr = hp_field(2048, "free_hugepages") - hp_field(2048, "resv_hugepages");
    assert_true(fr >= 16);
    /* reserve (do not touch) all but 4 of the free pages */
    size_t len = (size_t)(fr - 4) * 2 * MiB;
    void *other = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    assert_true(other != MAP_FAILED);
    npool_t *p = NULL;
    int lines = maps_lines();
    int rc = create(2 * MiB, 8, NPOOL_PAGES_2M, NPOOL_STRICT_PAGES, &p);
    assert_int_equal(rc, -ENOMEM);
    assert_null(p);
    assert_true(strstr(npool_last_error(), "populating") || strstr(npool_last_error(), "free 2 MiB"));
    assert_int_equal(maps_lines(), lines);
    rc = create(2 * MiB, 8, NPOOL_PAGES_2M, 0, &p);
    assert_int_equal(rc, 0);
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].fell_back, 1);
    void *held[8];
    for (int k = 0; k < 8; k++) {
        assert_non_null(held[k] = npool_get(p));
        memset(held[k], 1, 2 * MiB);          /* usable, no SIGBUS */
    }
    assert_int_equal(npool_put_bulk(p, held, 8), 0);
    npool_destroy(p);
    munmap(other, len);
}

static void auto_picks_2m_when_free(void **st)
{
    (void)st;
    npool_t *p;
    assert_int_equal(create(64, 65536, NPOOL_PAGES_AUTO, 0, &p), 0);   /* 4 MiB */
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].backing, NPOOL_PAGES_2M);
    assert_int_equal(s.nodes[0].page_size, 2 * MiB);
    npool_destroy(p);
    /* 2 MiB + 64 B would waste nearly half of a second 2 MiB page: not hugetlb */
    assert_int_equal(create(64, 32769, NPOOL_PAGES_AUTO, 0, &p), 0);
    npool_stats(p, &s);
    assert_int_not_equal(s.nodes[0].backing, NPOOL_PAGES_2M);
    assert_int_equal(s.nodes[0].fell_back, 0);
    npool_destroy(p);
}

static void thp_arena(void **st)
{
    (void)st;
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char mode[128] = "";
    if (f) {
        if (!fgets(mode, sizeof mode, f))
            mode[0] = 0;
        fclose(f);
    }
    npool_t *p;
    int rc = create(4096, 4096, NPOOL_PAGES_THP, NPOOL_STRICT_PAGES, &p);   /* 16 MiB */
    if (strstr(mode, "[never]")) {
        assert_int_equal(rc, -EOPNOTSUPP);
        assert_non_null(strstr(npool_last_error(), "never"));
        return;
    }
    if (rc)
        fail_msg("%s", npool_last_error());
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].backing, NPOOL_PAGES_THP);
    assert_int_equal(s.nodes[0].page_size, (size_t)sysconf(_SC_PAGESIZE));
    assert_int_equal((long)s.nodes[0].thp_bytes, smaps_field(npool_block(p, 0), "AnonHugePages"));
    assert_true(s.nodes[0].thp_bytes > 0);
    npool_destroy(p);
}

int main(void)
{
    char why[256];
    if (hp_reserve(2048, 64, why, sizeof why) != 0)
        skip_test(why);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hugetlb_2m_strict),
        cmocka_unit_test(shortage_strict_and_fallback),
        cmocka_unit_test(populate_is_the_authority),
        cmocka_unit_test(auto_picks_2m_when_free),
        cmocka_unit_test(thp_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
