/* The address-sorted free set (src/freeset.c) against a plain array of
 * booleans: random inserts, removes, lowest-first takes and first-fit runs,
 * with every invariant checked after each step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "freeset.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

struct model {
    size_t n;
    unsigned char *free;
};

static size_t model_largest(const struct model *m)
{
    size_t best = 0, run = 0;
    for (size_t i = 0; i < m->n; i++) {
        run = m->free[i] ? run + 1 : 0;
        if (run > best)
            best = run;
    }
    return best;
}

static size_t model_first_fit(const struct model *m, size_t want)
{
    size_t run = 0;
    for (size_t i = 0; i < m->n; i++) {
        run = m->free[i] ? run + 1 : 0;
        if (run == want)
            return i + 1 - want;
    }
    return SIZE_MAX;
}

static void check_same(const struct freeset *fs, const struct model *m)
{
    char why[256];
    size_t count = 0;
    if (freeset_check(fs, why, sizeof why) != 0)
        fail_msg("invariant: %s", why);
    for (size_t i = 0; i < m->n; i++) {
        assert_int_equal(freeset_has(fs, i), m->free[i]);
        count += m->free[i];
    }
    assert_int_equal(fs->nfree, count);
    assert_int_equal(freeset_largest_run(fs), model_largest(m));
}

static void run_sizes(size_t n, int steps)
{
    void *mem = calloc(1, freeset_bytes(n));
    struct freeset fs;
    freeset_init(&fs, n, mem);
    struct model m = {n, malloc(n)};
    memset(m.free, 1, n);
    check_same(&fs, &m);

    /* lowest first from a fresh set: 0, 1, 2... */
    uint32_t out[100];
    size_t k = freeset_take_lowest(&fs, out, n < 100 ? n : 100);
    for (size_t j = 0; j < k; j++) {
        assert_int_equal(out[j], j);
        m.free[j] = 0;
    }
    check_same(&fs, &m);

    for (int s = 0; s < steps; s++) {
        size_t i = next_rand() % n;
        switch (next_rand() % 5) {
        case 0:
        case 1:
            if (!m.free[i]) {
                freeset_insert(&fs, i);
                m.free[i] = 1;
            } else {
                freeset_remove(&fs, i);
                m.free[i] = 0;
            }
            break;
        case 2: {
            size_t want = 1 + next_rand() % 70;
            size_t got = freeset_take_lowest(&fs, out, want);
            size_t expect = 0;
            for (size_t j = 0; j < n && expect < want; j++)
                if (m.free[j]) {
                    assert_true(expect < got);
                    assert_int_equal(out[expect], j);
                    m.free[j] = 0;
                    expect++;
                }
            assert_int_equal(got, expect);
            break;
        }
        case 3: {
            size_t want = 1 + next_rand() % 130;
            size_t first = freeset_take_run(&fs, want);
            size_t expect = model_first_fit(&m, want);
            assert_int_equal(first, expect);
            if (first != SIZE_MAX)
                memset(m.free + first, 0, want);
            break;
        }
        case 4: {
            size_t len = 1 + next_rand() % 150;
            if (i + len > n)
                len = n - i;
            int none = 1;
            for (size_t j = i; j < i + len; j++)
                none &= !m.free[j];
            assert_int_equal(freeset_run_none(&fs, i, len), none);
            if (none) {
                freeset_insert_run(&fs, i, len);
                memset(m.free + i, 1, len);
                assert_true(freeset_run_all(&fs, i, len));
            }
            break;
        }
        }
        if (s % 16 == 0 || n < 200)
            check_same(&fs, &m);
    }
    check_same(&fs, &m);
    freeset_fill(&fs);
    memset(m.free, 1, n);
    check_same(&fs, &m);
    assert_int_equal(freeset_take_run(&fs, n), 0);
    assert_int_equal(fs.nfree, 0);
    assert_int_equal(freeset_take_run(&fs, 1), SIZE_MAX);
    free(m.free);
    free(mem);
}

static void small_sets(void **st)
{
    (void)st;
    for (size_t n = 1; n <= 130; n++)
        run_sizes(n, 300);
}

static void word_boundaries(void **st)
{
    (void)st;
    run_sizes(4095, 20000);
    run_sizes(4096, 20000);
    run_sizes(4097 + 64 * 64, 20000);
}

static void fragmentation_figure(void **st)
{
    (void)st;
    size_t n = 20;
    void *mem = calloc(1, freeset_bytes(n));
    struct freeset fs;
    freeset_init(&fs, n, mem);
    assert_float_equal(freeset_fragmentation(&fs), 0.0, 1e-12);
    /* hold the even blocks of the first 10: free 1, 3, 5, 7 and the run 9..19 */
    for (size_t i = 0; i < 10; i += 2)
        freeset_remove(&fs, i);
    assert_int_equal(fs.nfree, 15);
    assert_int_equal(freeset_largest_run(&fs), 11);
    assert_float_equal(freeset_fragmentation(&fs), 100.0 * (1.0 - 11.0 / 15.0), 1e-9);
    uint32_t out[20];
    assert_int_equal(freeset_take_lowest(&fs, out, 20), 15);
    assert_float_equal(freeset_fragmentation(&fs), 0.0, 1e-12);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_sets),
        cmocka_unit_test(word_boundaries),
        cmocka_unit_test(fragmentation_figure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
