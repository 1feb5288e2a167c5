/* NPOOL_DEBUG >= 1 (tests/debug.cmake builds this only then): the internal
 * assertions fire.  Each case breaks one invariant through the internals in
 * a forked child (a magazine's count above its capacity, an index past the
 * node's blocks in a magazine, the free set's count above the node's
 * blocks, a block in the free set marked held) and calls the API once: the
 * child must abort with "internal invariant broken at FILE:LINE:" and the
 * sentence that names the invariant and its numbers.  A clean child runs the
 * same calls and exits 0 without a word.  At level 2 and above the library
 * must see every block: no pool is served inline or by the bulk fast paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cache.h"
#include "child.h"

#include <stdio.h>
#include <string.h>

static npool_t *make(size_t count, unsigned flags)
{
    npool_config_t c = {.block_size = 64, .block_count = count, .pages = NPOOL_PAGES_BASE, .flags = flags,
                        .name = "lvl1"};
    npool_t *p = NULL;
    if (npool_create(&c, &p) != 0) {
        fprintf(stderr, "npool_create: %s\n", npool_last_error());
        _exit(3);
    }
    return p;
}

/* The calling thread's cache of p, made by one get and put. */
static struct npool_tcache *my_cache(npool_t *p)
{
    void *b = npool_get(p);
    if (!b || npool_put(p, b) != 0 || !npool__tcache_find(p))
        _exit(4);
    return npool__tcache_find(p);
}

/* Run `fn` in a child: it must abort, saying `file` and each of `want`. */
static void expect_abort(void (*fn)(void *), const char *file, const char *want1, const char *want2)
{
    char out[4096], at[64];
    int status = child_run(fn, NULL, out, sizeof out);
    snprintf(at, sizeof at, "internal invariant broken at %s:", file);
    if (!child_aborted(status) || !strstr(out, "numapool: NPOOL_DEBUG: ") || !strstr(out, at) ||
        !strstr(out, want1) || (want2 && !strstr(out, want2)))
        fail_msg("the child (wait status %#x) should have aborted with \"%s ... %s%s%s\"; it wrote:\n%s", status, at,
                 want1, want2 ? " ... " : "", want2 ? want2 : "", out);
}

static void mag_over_capacity(void *arg)
{
    (void)arg;
    npool_t *p = make(4096, 0);                     /* magazines of 256 */
    struct npool_tcache *tc = my_cache(p);
    void *b = npool_get(p);
    NPOOL__ST(&tc->mag[0].n, tc->mag[0].cap + 5);   /* a count past the magazine's buffer */
    npool_put(p, b);                                /* pushes fail: full; overflow() looks at the count */
}

static void magazine_count_above_capacity(void **st)
{
    (void)st;
    expect_abort(mag_over_capacity, "depot.c", "a magazine of node ", "holds 261 blocks, over its capacity 256");
}

static void mag_bad_index(void *arg)
{
    (void)arg;
    npool_t *p = make(4096, 0);
    struct npool_tcache *tc = my_cache(p);
    struct npool__mag *m = &tc->mag[0];
    m->idx[NPOOL__LD(&m->n) - 1] = 5000;            /* past the node's 4096 blocks */
    npool_coalesce(p);                              /* flushes the magazine into the set */
}

static void magazine_index_past_blocks(void **st)
{
    (void)st;
    expect_abort(mag_bad_index, "depot.c", "holds index 5000, past its 4096 blocks", NULL);
}

static void set_count(void *arg)
{
    (void)arg;
    npool_t *p = make(64, NPOOL_NO_CACHE);
    void *b = npool_get(p);
    p->arena[0].fs.nfree = 64;                      /* 63 free, but the set says 64 */
    npool_put(p, b);
}

static void set_count_above_blocks(void **st)
{
    (void)st;
    expect_abort(set_count, "getput.c", "free set counts 65 blocks, more than its 64", NULL);
}

static void held_in_set(void *arg)
{
    (void)arg;
    npool_t *p = make(64, NPOOL_NO_CACHE);
    npool__set_state(&p->arena[0], 0, NPOOL_STATE_HELD);  /* block 0 is in the set, but marked held */
    npool_get(p);
}

static void block_in_set_marked_held(void **st)
{
    (void)st;
    expect_abort(held_in_set, "getput.c", "block 0 of pool 'lvl1' left node ", "free set with state 1, not free (0)");
}

/* The same calls on pools nobody broke: no assertion fires. */
static void clean(void *arg)
{
    (void)arg;
    for (int k = 0; k < 2; k++) {
        npool_t *p = make(k ? 64 : 4096, k ? NPOOL_NO_CACHE : 0);
        void *b[600];
        size_t n = k ? 64 : 600;
        for (size_t j = 0; j < n; j++)
            if (!(b[j] = npool_get(p)))
                _exit(5);
        for (size_t j = 0; j < n; j++)
            if (npool_put(p, b[j]) != 0)
                _exit(6);
        if (npool_coalesce(p) != 0 || npool_check(p) != 0)
            _exit(7);
        npool_destroy(p);
    }
}

static void clean_run_is_silent(void **st)
{
    (void)st;
    char out[4096];
    int status = child_run(clean, NULL, out, sizeof out);
    if (status != 0 || out[0])
        fail_msg("a clean child should exit 0 silently: wait status %#x, it wrote:\n%s", status, out);
}

/* Level 2 and ASan: the library sees every get and put itself. */
static void library_sees_every_block(void **st)
{
    (void)st;
    npool_config_t c = {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE, .name = "lvl1"};
    npool_t *p = NULL;
    assert_int_equal(npool_create(&c, &p), 0);
    assert_true(p->mag_cap > 0);
#if NPOOL_DEBUG >= 2 || defined(NPOOL_ASAN)
    assert_int_equal(p->inline_ok, 0);
    assert_int_equal(p->fast, 0);
    void *b = npool_get(p);
    assert_non_null(b);
    assert_int_equal(npool__tl_v2.key, 0);          /* no key users' inline path could match */
    assert_int_equal(npool_put(p, b), 0);
#else
    assert_int_equal(p->inline_ok, 1);              /* the assertions leave the inline path on */
    assert_int_equal(p->fast, 1);
#endif
    npool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(magazine_count_above_capacity),
        cmocka_unit_test(magazine_index_past_blocks),
        cmocka_unit_test(set_count_above_blocks),
        cmocka_unit_test(block_in_set_marked_held),
        cmocka_unit_test(clean_run_is_silent),
        cmocka_unit_test(library_sees_every_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
