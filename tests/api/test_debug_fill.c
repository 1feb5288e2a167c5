/* NPOOL_DEBUG >= 2 (tests/debug.cmake builds this only then): free blocks
 * hold a pattern that every get checks, so a write into a free block is
 * reported at the get that hands it out, with the block's index and the
 * byte written, and the program aborts.  Each case runs in a forked child
 * (through numapool.h only, its inline path compiled in where the build
 * allows it, as users' programs are): a write after npool_put, after
 * npool_put_bulk and after npool_put_contig, into the padding of a block,
 * into a block of an NPOOL_ZERO pool, into a fresh block (never handed out
 * since the pool's creation) and into a block made fresh by npool_reset.
 * A clean child using every path exits 0 without a word, and its NPOOL_ZERO
 * blocks come back zeroed although they held the pattern.  The child says
 * which block it wrote ("expect block N") before the get that must abort. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "numapool.h"
#include "child.h"

#include <stdio.h>
#include <string.h>

#define V 0x2a      /* the byte written where it must not be */

/* The user's bug: a byte stored into memory it does not hold.  Not
 * instrumented by ASan, so that the pattern check, not ASan, reports it. */
__attribute__((noinline, no_sanitize_address)) static void stray_write(void *b, size_t k)
{
    ((volatile unsigned char *)b)[k] = V;
}

static npool_t *make(size_t size, size_t count, unsigned flags)
{
    npool_config_t c = {.block_size = size, .block_count = count, .pages = NPOOL_PAGES_BASE, .flags = flags,
                        .name = "lvl2"};
    npool_t *p = NULL;
    if (npool_create(&c, &p) != 0) {
        fprintf(stderr, "npool_create: %s\n", npool_last_error());
        _exit(3);
    }
    return p;
}

static void say(npool_t *p, const void *b)
{
    fprintf(stderr, "expect block %zu\n", npool_index(p, b));
}

/* Gets until one aborts; a child that gets here without aborting exits 0. */
static void get_all(npool_t *p)
{
    while (npool_get(p))
        ;
}

/* Run `fn`: the child must abort naming the block it announced, byte `k`,
 * and the pattern (`fresh` or after a put). */
static void expect_caught(void (*fn)(void *), size_t k, int fresh)
{
    char out[8192], want[256];
    int status = child_run(fn, NULL, out, sizeof out);
    const char *said = strstr(out, "expect block ");
    size_t index;
    if (!said || sscanf(said, "expect block %zu", &index) != 1)
        fail_msg("the child (wait status %#x) did not say which block it wrote into:\n%s", status, out);
    snprintf(want, sizeof want, "numapool: NPOOL_DEBUG: block %zu of pool 'lvl2' was written %s: byte %zu is 0x%02x, "
             "expected 0x%02x", index, fresh ? "while fresh, before any get since the pool's creation or reset"
                                             : "after its put", k, V, fresh ? 0xcd : 0xdd);
    if (!child_aborted(status) || !strstr(out, want))
        fail_msg("the child (wait status %#x) should have aborted with \"%s\"; it wrote:\n%s", status, want, out);
}

static void after_put_cached(void *arg)
{
    (void)arg;
    npool_t *p = make(64, 4096, 0);         /* cached: npool_get/npool_put may go inline */
    void *b[20];
    for (int j = 0; j < 20; j++)
        b[j] = npool_get(p);
    npool_put(p, b[17]);
    say(p, b[17]);
    stray_write(b[17], 8);
    get_all(p);
}

static void write_after_put(void **st)
{
    (void)st;
    expect_caught(after_put_cached, 8, 0);
}

static void after_put_padding(void *arg)
{
    (void)arg;
    npool_t *p = make(40, 64, NPOOL_NO_CACHE);  /* stride 64: bytes 40..63 are padding */
    void *b[6];
    for (int j = 0; j < 6; j++)
        b[j] = npool_get(p);
    npool_put(p, b[3]);
    say(p, b[3]);
    stray_write(b[3], 60);
    get_all(p);                             /* lowest first: block 3 */
}

static void write_into_padding_after_put(void **st)
{
    (void)st;
    expect_caught(after_put_padding, 60, 0);
}

static void after_put_bulk(void *arg)
{
    (void)arg;
    npool_t *p = make(64, 4096, 0);
    void *b[10];
    if (npool_get_bulk(p, b, 10) != 0 || npool_put_bulk(p, b, 10) != 0)
        _exit(5);
    say(p, b[4]);
    stray_write(b[4], 33);
    for (;;)
        if (npool_get_bulk(p, b, 10) != 0)
            break;
}

static void write_after_put_bulk(void **st)
{
    (void)st;
    expect_caught(after_put_bulk, 33, 0);
}

static void after_put_contig(void *arg)
{
    (void)arg;
    npool_t *p = make(64, 4096, 0);
    char *first = npool_get_contig(p, 4);
    if (!first || npool_put_contig(p, first, 4) != 0)
        _exit(5);
    say(p, first + 64);
    stray_write(first + 64, 0);             /* byte 0: the rest of the block still says which pattern */
    while (npool_get_contig(p, 4))
        ;
}

static void write_after_put_contig(void **st)
{
    (void)st;
    expect_caught(after_put_contig, 0, 0);
}

static void after_put_zero(void *arg)
{
    (void)arg;
    npool_t *p = make(64, 64, NPOOL_ZERO);  /* zeroed on get: after the check */
    void *b = npool_get(p);
    npool_put(p, b);
    say(p, b);
    stray_write(b, 63);
    get_all(p);
}

static void write_after_put_zeroing_pool(void **st)
{
    (void)st;
    expect_caught(after_put_zero, 63, 0);
}

static void fresh_write(void *arg)
{
    (void)arg;
    npool_t *p = make(64, 4096, 0);
    void *b = npool_block(p, 5);            /* never handed out */
    say(p, b);
    stray_write(b, 12);
    get_all(p);
}

static void write_into_fresh_block(void **st)
{
    (void)st;
    expect_caught(fresh_write, 12, 1);
}

static void fresh_after_reset(void *arg)
{
    (void)arg;
    npool_t *p = make(64, 4096, 0);
    unsigned char *b = npool_get(p);
    memset(b, 0x11, 64);                    /* the holder's data */
    if (npool_reset(p) != 0)                /* every block free and fresh again */
        _exit(5);
    say(p, b);
    stray_write(b, 20);
    get_all(p);
}

static void write_after_reset(void **st)
{
    (void)st;
    expect_caught(fresh_after_reset, 20, 1);
}

/* Every path, used as the contract says: nothing is reported. */
static void clean(void *arg)
{
    (void)arg;
    unsigned flags[3] = {0, NPOOL_NO_CACHE, NPOOL_ZERO};
    for (int f = 0; f < 3; f++) {
        npool_t *p = make(40, 1024, flags[f]);
        for (int round = 0; round < 2; round++) {
            void *b[300], *bulk[50];
            for (int j = 0; j < 300; j++) {
                unsigned char *q = npool_get(p);
                if (!q)
                    _exit(5);
                for (int k = 0; (flags[f] & NPOOL_ZERO) && k < 40; k++)
                    if (q[k])
                        _exit(6);   /* NPOOL_ZERO: zero, although the block held a pattern */
                memset(q, j & 0xff, 40);
                b[j] = q;
            }
            if (npool_get_bulk(p, bulk, 50) != 0)
                _exit(7);
            for (int j = 0; j < 50; j++)
                memset(bulk[j], 0x77, 40);
            char *run = npool_get_contig(p, 8);
            if (!run)
                _exit(8);
            memset(run, 0x55, 8 * 64);
            for (int j = 299; j >= 0; j--)
                if (npool_put(p, b[j]) != 0)
                    _exit(9);
            if (npool_put_bulk(p, bulk, 50) != 0 || npool_put_contig(p, run, 8) != 0 || npool_coalesce(p) != 0)
                _exit(10);
            if (round == 0 && npool_reset(p) != 0)
                _exit(11);
        }
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_after_put),
        cmocka_unit_test(write_into_padding_after_put),
        cmocka_unit_test(write_after_put_bulk),
        cmocka_unit_test(write_after_put_contig),
        cmocka_unit_test(write_after_put_zeroing_pool),
        cmocka_unit_test(write_into_fresh_block),
        cmocka_unit_test(write_after_reset),
        cmocka_unit_test(clean_run_is_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
