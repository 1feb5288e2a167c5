/* The depot and the transfers (src/depot.h), on a real one-node pool driven
 * through its internals: a magazine of the calling thread is refilled from
 * the set's lowest blocks, overflows into its side's spares up to the
 * side's limit and then into the depot (bounded), the limit grows when the
 * thread keeps handing magazines away and then running dry, idle spares are
 * trimmed, a depot drains into the set, and the checks catch a block that
 * sits in two places. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cache.h"
#include "error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static npool_t *make(size_t count)
{
    npool_config_t c = {.block_size = 64, .block_count = count, .pages = NPOOL_PAGES_BASE, .name = "depot"};
    npool_t *p = NULL;
    if (npool_create(&c, &p) != 0)
        fail_msg("npool_create: %s", npool_last_error());
    return p;
}

/* The calling thread's cache of p, made (with one get and put) if needed. */
static struct npool_tcache *my_cache(npool_t *p)
{
    void *b = npool_get(p);
    assert_non_null(b);
    assert_int_equal(npool_put(p, b), 0);
    struct npool_tcache *tc = npool__tcache_find(p);
    assert_non_null(tc);
    return tc;
}

static void refill_takes_the_lowest(void **st)
{
    (void)st;
    npool_t *p = make(4096);                 /* magazine cap 256, batch 128 */
    struct npool_tcache *tc = my_cache(p);
    struct npool_arena *a = &p->arena[0];
    struct npool__mag *m = &tc->mag[0];
    assert_int_equal(tc->cap, 256);
    /* empty the magazine into the set, then refill: the 128 lowest, lowest on top */
    npool__flush(p, a, m, NPOOL__LD(&m->n), 0);
    assert_int_equal(NPOOL__LD(&m->n), 0);
    assert_int_equal(a->fs.nfree, 4096);
    uint32_t n = npool__refill(p, a, m, &tc->side[0], tc->batch);
    assert_int_equal(n, 128);
    assert_int_equal(a->fs.nfree, 4096 - 128);
    for (uint32_t j = 0; j < n; j++)
        assert_int_equal(m->idx[j], n - 1 - j);
    assert_int_equal(npool_check(p), 0);
    npool_destroy(p);
}

static void overflow_fills_spares_then_the_depot(void **st)
{
    (void)st;
    npool_t *p = make(1 << 16);              /* cap 256; spares at most 1/8 of the node per thread: 32 */
    struct npool_tcache *tc = my_cache(p);
    struct npool_arena *a = &p->arena[0];
    struct npool_side *sd = &tc->side[0];
    assert_int_equal(p->spare_max, 32);
    assert_int_equal(sd->limit, 0);          /* no spares until the thread shows it needs them */
    void **held = calloc(1 << 15, sizeof *held);
    size_t nh = 0;
    for (; nh < 3000; nh++)
        held[nh] = npool_get(p);
    for (size_t k = 0; k < nh; k++)
        assert_int_equal(npool_put(p, held[k]), 0);
    /* 3000 puts: 11 magazines overflowed; with limit 0, all to the depot (up to its bound) */
    assert_int_equal(atomic_load(&sd->nspares), 0);
    assert_true(a->nfull > 0 && a->nfull <= a->depot_max);
    assert_true(a->depot_blocks <= a->nblocks / 4);
    assert_int_equal(npool_check(p), 0);
    /* run dry again after handing magazines away: the limit grows */
    for (nh = 0; nh < 3000; nh++)
        held[nh] = npool_get(p);
    assert_true(sd->limit >= 2);
    uint32_t lim = sd->limit;
    for (size_t k = 0; k < nh; k++)
        assert_int_equal(npool_put(p, held[k]), 0);
    assert_int_equal(atomic_load(&sd->nspares), lim < 11 ? lim : 11);
    assert_int_equal(atomic_load(&sd->spare_blocks), (size_t)atomic_load(&sd->nspares) * 256);
    assert_true(a->spare_blocks_allowed >= (size_t)lim * 256 && a->spare_blocks_allowed <= a->nblocks / 2);
    /* a few rounds of the same working set: the limit reaches what it needs, then the depot rests */
    for (int r = 0; r < 6; r++) {
        for (nh = 0; nh < 3000; nh++)
            held[nh] = npool_get(p);
        for (size_t k = 0; k < nh; k++)
            assert_int_equal(npool_put(p, held[k]), 0);
    }
    size_t locks = a->lock_count;
    for (int r = 0; r < 4; r++) {
        for (nh = 0; nh < 3000; nh++)
            held[nh] = npool_get(p);
        for (size_t k = 0; k < nh; k++)
            assert_int_equal(npool_put(p, held[k]), 0);
    }
    assert_true(sd->limit >= 11);
    assert_int_equal(a->lock_count, locks);  /* its own spares only: no node lock at all */
    assert_int_equal(npool_check(p), 0);
    free(held);
    npool_destroy(p);
}

static void idle_spares_are_trimmed(void **st)
{
    (void)st;
    npool_t *p = make(1 << 16);
    struct npool_tcache *tc = my_cache(p);
    struct npool_side *sd = &tc->side[0];
    void **held = calloc(4096, sizeof *held);
    /* grow the limit with a 3000-block working set */
    for (int r = 0; r < 8; r++) {
        for (int k = 0; k < 3000; k++)
            held[k] = npool_get(p);
        for (int k = 0; k < 3000; k++)
            npool_put(p, held[k]);
    }
    uint32_t grown = sd->limit, spares = atomic_load(&sd->nspares);
    assert_true(grown >= 11 && spares >= 10);
    /* then a working set of one magazine, cycling across its boundary: the spares sit idle */
    for (int r = 0; r < 2000; r++) {
        for (int k = 0; k < 300; k++)
            held[k] = npool_get(p);
        for (int k = 0; k < 300; k++)
            npool_put(p, held[k]);
    }
    assert_true(atomic_load(&sd->nspares) < spares / 2 + 2);
    assert_true(sd->limit < grown);
    assert_int_equal(npool_check(p), 0);
    free(held);
    npool_destroy(p);
}

static void depot_drains_and_checks(void **st)
{
    (void)st;
    npool_t *p = make(4096);
    struct npool_tcache *tc = my_cache(p);
    struct npool_arena *a = &p->arena[0];
    void *held[2048];
    for (int k = 0; k < 2048; k++)
        held[k] = npool_get(p);
    for (int k = 0; k < 2048; k++)
        npool_put(p, held[k]);
    npool__lock(a);
    size_t in_depot = a->depot_blocks, before = a->fs.nfree;
    assert_true(in_depot > 0);
    assert_int_equal(npool__depot_drain(a), in_depot);
    assert_int_equal(a->fs.nfree, before + in_depot);
    assert_int_equal(a->nfull, 0);
    npool__unlock(a);
    assert_int_equal(npool_check(p), 0);

    /* a block in the depot and in the set at once is caught */
    for (int k = 0; k < 2048; k++)
        held[k] = npool_get(p);
    for (int k = 0; k < 2048; k++)
        npool_put(p, held[k]);
    npool__lock(a);
    assert_non_null(a->dfull);
    uint32_t i = a->dfull->idx[0];
    freeset_insert(&a->fs, i);
    npool__unlock(a);
    assert_int_equal(npool_check(p), -EFAULT);
    assert_non_null(strstr(npool_last_error(), "both in the depot"));
    npool__lock(a);
    freeset_remove(&a->fs, i);
    npool__unlock(a);
    assert_int_equal(npool_check(p), 0);
    (void)tc;
    npool_destroy(p);
}

static void epoch_bumps_without_carry(void **st)
{
    (void)st;
    npool_t *p = make(4096);
    uint64_t gen = p->gen;
    atomic_store(&p->key, gen << 32 | UINT32_MAX);
    assert_int_equal(npool__epoch_bump(p), 0);
    assert_int_equal(atomic_load(&p->key), gen << 32);     /* the generation is untouched */
    assert_int_equal(npool__epoch_bump(p), 1);
    npool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refill_takes_the_lowest),
        cmocka_unit_test(overflow_fills_spares_then_the_depot),
        cmocka_unit_test(idle_spares_are_trimmed),
        cmocka_unit_test(depot_drains_and_checks),
        cmocka_unit_test(epoch_bumps_without_carry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
