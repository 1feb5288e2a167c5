/* The seed's example, in C: a pool of 20 blocks of 100 doubles; two gets are
 * blocks 0 and 1; efficiency 10%; after returning both by index, 0% and no
 * fragmentation.  Sees only numapool.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include "numapool.h"

static void seed_example(void **state)
{
    (void)state;
    npool_t *pool;
    npool_config_t cfg = {.block_size = 100 * sizeof(double), .block_count = 20, .name = "seed"};
    assert_int_equal(npool_create(&cfg, &pool), 0);

    double *block1 = npool_get(pool);
    double *block2 = npool_get(pool);
    assert_non_null(block1);
    assert_non_null(block2);
    assert_int_equal(npool_index(pool, block1), 0);
    assert_int_equal(npool_index(pool, block2), 1);
    assert_ptr_equal(npool_block(pool, 0), block1);
    assert_ptr_equal(npool_block(pool, 1), block2);
    /* 100 doubles, 64-byte aligned: 800 bytes rounded to 832 */
    assert_int_equal((uintptr_t)block2 - (uintptr_t)block1, 832);
    assert_int_equal((uintptr_t)block1 % 64, 0);
    for (int k = 0; k < 100; k++)
        block1[k] = block2[k] = k * 0.5;

    assert_float_equal(npool_efficiency(pool), 10.0, 1e-9);
    assert_float_equal(npool_fragmentation(pool), 0.0, 1e-9);

    assert_int_equal(npool_put_index(pool, 0), 0);
    assert_int_equal(npool_put_index(pool, 1), 0);
    assert_float_equal(npool_efficiency(pool), 0.0, 1e-9);
    assert_float_equal(npool_fragmentation(pool), 0.0, 1e-9);
    assert_int_equal(npool_coalesce(pool), 0);
    assert_float_equal(npool_fragmentation(pool), 0.0, 1e-9);

    char text[1024];
    int n = npool_describe(pool, text, sizeof text);
    assert_true(n > 0 && (size_t)n < sizeof text);
    assert_non_null(strstr(text, "'seed'"));
    assert_non_null(strstr(text, "20 blocks of 800 B"));
    assert_non_null(strstr(text, "efficiency 0.0%"));
    assert_non_null(strstr(text, "fragmentation 0.0%"));
    assert_int_equal(npool_check(pool), 0);
    npool_destroy(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(seed_example)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
