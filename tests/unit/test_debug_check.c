/* NPOOL_DEBUG >= 3 (tests/debug.cmake builds this only then): a full
 * npool_check() runs after every change, so a corruption that no cheap
 * assertion sees is reported at the next call that changes the pool.  In a
 * forked child, a bit of the free set is flipped through the internals (a
 * free block's bit cleared, or a held block's bit set with the count kept
 * right), then one get or put that no cheap assertion objects to: the child must abort with npool_check's
 * sentence.  A clean child making the same calls exits 0 without a word. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pool.h"
#include "child.h"

#include <stdio.h>
#include <string.h>

static npool_t *make(void)
{
    npool_config_t c = {.block_size = 64, .block_count = 256, .pages = NPOOL_PAGES_BASE, .flags = NPOOL_NO_CACHE,
                        .name = "lvl3"};
    npool_t *p = NULL;
    if (npool_create(&c, &p) != 0) {
        fprintf(stderr, "npool_create: %s\n", npool_last_error());
        _exit(3);
    }
    return p;
}

static void expect_abort(void (*fn)(void *), const char *want)
{
    char out[4096];
    int status = child_run(fn, NULL, out, sizeof out);
    if (!child_aborted(status) || !strstr(out, "numapool: NPOOL_DEBUG: pool 'lvl3', node ") || !strstr(out, want))
        fail_msg("the child (wait status %#x) should have aborted with npool_check's \"%s\"; it wrote:\n%s", status,
                 want, out);
}

static void free_bit_cleared(void *arg)
{
    (void)arg;
    npool_t *p = make();
    p->arena[0].fs.bits[0] &= ~(1ull << 9);     /* block 9 is free: out of the set, the count unchanged */
    npool_get(p);                               /* block 0 */
}

static void a_free_bit_cleared_is_caught_at_the_next_get(void **st)
{
    (void)st;
    expect_abort(free_bit_cleared, "the set holds 254 blocks but counts 255");
}

static void held_bit_set(void *arg)
{
    (void)arg;
    npool_t *p = make();
    void *b[4];
    for (int k = 0; k < 4; k++)
        b[k] = npool_get(p);                    /* blocks 0..3 held */
    struct freeset *fs = &p->arena[0].fs;
    fs->bits[0] |= 1ull << 2;                   /* held block 2 in the set, and counted */
    fs->nfree++;
    npool_put(p, b[0]);
}

static void a_held_block_in_the_set_is_caught_at_the_next_put(void **st)
{
    (void)st;
    expect_abort(held_bit_set, "block 2 is in the free set but marked held");
}

static void clean(void *arg)
{
    (void)arg;
    npool_t *p = make();
    void *b[8];
    for (int k = 0; k < 8; k++)
        b[k] = npool_get(p);
    for (int k = 0; k < 8; k++)
        npool_put(p, b[k]);
    npool_destroy(p);
}

static void clean_run_is_silent(void **st)
{
    (void)st;
    char out[4096];
    int status = child_run(clean, NULL, out, sizeof out);
    if (status != 0 || out[0])
        fail_msg("a clean child should exit 0 silently: wait status %#x, it wrote:\n%s", status, out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_free_bit_cleared_is_caught_at_the_next_get),
        cmocka_unit_test(a_held_block_in_the_set_is_caught_at_the_next_put),
        cmocka_unit_test(clean_run_is_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
