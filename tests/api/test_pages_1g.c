/* 1 GiB hugetlb arenas.  The kernel may refuse to find a free, aligned
 * gigabyte when memory is fragmented: only that case skips (77), saying so.
 * The free count is compared exactly: no other process may take 1 GiB pages
 * meanwhile (the ctest resource npool_hugepages, as test_pages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include "hp_util.h"
#include "numapool.h"

static void hugetlb_1g(void **st)
{
    (void)st;
    npool_config_t c = {.block_size = 4096, .block_count = 1u << 18, .pages = NPOOL_PAGES_1G,
                        .flags = NPOOL_STRICT_PAGES, .name = "1g"};
    npool_t *p;
    long before = hp_field(1048576, "free_hugepages");
    if (npool_create(&c, &p) != 0)
        fail_msg("%s", npool_last_error());
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].backing, NPOOL_PAGES_1G);
    assert_int_equal(s.nodes[0].page_size, (size_t)1 << 30);
    assert_int_equal(s.nodes[0].pages_verified, 1);
    assert_int_equal(smaps_field(npool_block(p, 0), "KernelPageSize"), 1l << 30);
    /* resident from creation on; recent kernels may count a private hugetlb
     * folio that was once mapped elsewhere as Shared_Hugetlb */
    assert_int_equal(smaps_field(npool_block(p, 0), "Private_Hugetlb") +
                         smaps_field(npool_block(p, 0), "Shared_Hugetlb"), 1l << 30);
    assert_int_equal(hp_field(1048576, "free_hugepages"), before - 1);
    assert_int_equal(page_node(npool_block(p, (1u << 18) - 1)), 0);
    npool_destroy(p);
}

int main(void)
{
    char why[256];
    if (hp_reserve(1048576, 1, why, sizeof why) != 0)
        skip_test(why);
    const struct CMUnitTest tests[] = {cmocka_unit_test(hugetlb_1g)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
