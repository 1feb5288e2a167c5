/* The public contract on one node, through numapool.h only: bad input gets a
 * clear error and changes nothing; the exact blocks handed out; bulk and
 * contiguous runs all or nothing; fragmentation and efficiency as DESIGN.md
 * defines them; caches, coalesce, reset, stats, describe, foreach_arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "numapool.h"

static npool_t *make(size_t size, size_t count, unsigned flags)
{
    npool_t *p = NULL;
    npool_config_t c = {.block_size = size, .block_count = count, .pages = NPOOL_PAGES_BASE, .flags = flags,
                        .name = "t"};
    int rc = npool_create(&c, &p);
    if (rc)
        fail_msg("npool_create: %s: %s", npool_strerror(rc), npool_last_error());
    return p;
}

static int has_digit(const char *s)
{
    for (; *s; s++)
        if (*s >= '0' && *s <= '9')
            return 1;
    return 0;
}

static void expect_refused(const npool_config_t *c, int want, const char *needle)
{
    npool_t *p = (npool_t *)(uintptr_t)1;
    int rc = npool_create(c, &p);
    if (rc != want)
        fail_msg("expected %s, got %s (%s)", npool_strerror(want), npool_strerror(rc), npool_last_error());
    assert_null(p);
    const char *e = npool_last_error();
    if (needle && !strstr(e, needle))
        fail_msg("error sentence \"%s\" lacks \"%s\"", e, needle);
    assert_true(strlen(e) > 10);
}

static void bad_configs(void **st)
{
    (void)st;
    npool_config_t ok = {.block_size = 64, .block_count = 16, .pages = NPOOL_PAGES_BASE};
    npool_config_t c;
    assert_int_equal(npool_create(NULL, &(npool_t *){NULL}), -EINVAL);
    assert_int_equal(npool_create(&ok, NULL), -EINVAL);
    c = ok, c.block_size = 0;
    expect_refused(&c, -EINVAL, "block_size is 0");
    c = ok, c.block_count = 0;
    expect_refused(&c, -EINVAL, "block_count is 0");
    c = ok, c.align = 48;
    expect_refused(&c, -EINVAL, "align 48");
    c = ok, c.align = 1 << 20;
    expect_refused(&c, -EINVAL, "power of two up to the base page size");
    c = ok, c.pages = (enum npool_pages)42;
    expect_refused(&c, -EINVAL, "pages 42");
    c = ok, c.flags = 1u << 12;
    expect_refused(&c, -EINVAL, "unknown bits");
    c = ok, c.coalesce_threshold = 101;
    expect_refused(&c, -EINVAL, "101");
    c = ok, c.coalesce_threshold = NAN;
    expect_refused(&c, -EINVAL, "coalesce_threshold");
    c = ok, c.block_size = SIZE_MAX - 10;
    expect_refused(&c, -EOVERFLOW, "overflows");
    c = ok, c.block_size = (size_t)1 << 40, c.block_count = 1 << 20;
    expect_refused(&c, -ENOMEM, "more than any node holds");
    assert_true(has_digit(npool_last_error()));
    c = ok, c.block_count = (size_t)UINT32_MAX + 1;
    expect_refused(&c, -EINVAL, "4294967296");
    c = ok, c.nodes = "1";
    expect_refused(&c, -ENODEV, "1");
    c = ok, c.nodes = "x";
    expect_refused(&c, -EINVAL, NULL);
    c = ok, c.nodes = "0-3";
    expect_refused(&c, -ENODEV, NULL);
    c = ok, c.nodes = "0,";
    expect_refused(&c, -EINVAL, NULL);
    c = ok, c.nodes = "-1";
    expect_refused(&c, -EINVAL, NULL);
    /* a pool larger than the machine: refused before anything is faulted in */
    c = ok, c.block_size = (size_t)1 << 20, c.block_count = (size_t)1 << 22; /* 4 TiB */
    expect_refused(&c, -ENOMEM, "MiB");
}

static void nodes_on_one_node(void **st)
{
    (void)st;
    const char *names[] = {NULL, "local", "0", "all", " 0 "};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        npool_config_t c = {.block_size = 64, .block_count = 16, .pages = NPOOL_PAGES_BASE, .nodes = names[k]};
        npool_t *p;
        int rc = npool_create(&c, &p);
        if (rc)
            fail_msg("nodes \"%s\": %s", names[k] ? names[k] : "(null)", npool_last_error());
        npool_stats_t s;
        assert_int_equal(npool_stats(p, &s), 0);
        assert_int_equal(s.nnodes, 1);
        assert_int_equal(s.nodes[0].node, 0);
        npool_destroy(p);
    }
    npool_destroy(NULL);
}

static void lowest_first_without_cache(void **st)
{
    (void)st;
    npool_t *p = make(100, 1000, NPOOL_NO_CACHE);
    void *b[1000];
    for (size_t i = 0; i < 1000; i++) {
        b[i] = npool_get(p);
        assert_non_null(b[i]);
        assert_int_equal(npool_index(p, b[i]), i);
        assert_int_equal((uintptr_t)b[i] % 64, 0);
    }
    errno = 0;
    assert_null(npool_get(p));
    assert_int_equal(errno, ENOMEM);
    assert_non_null(strstr(npool_last_error(), "no free block"));
    assert_int_equal(npool_put(p, b[700]), 0);
    assert_int_equal(npool_put(p, b[300]), 0);
    assert_int_equal(npool_put(p, b[500]), 0);
    assert_ptr_equal(npool_get(p), b[300]);
    assert_ptr_equal(npool_get(p), b[500]);
    assert_ptr_equal(npool_get(p), b[700]);
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].failed_gets, 1);
    assert_int_equal(s.blocks_held, 1000);
    assert_int_equal(npool_check(p), 0);
    npool_destroy(p);
}

static void misuse_changes_nothing(void **st)
{
    (void)st;
    for (int mode = 0; mode < 2; mode++) {
        npool_t *p = make(40, 4096, mode ? NPOOL_NO_CACHE : 0);
        npool_t *q = make(40, 16, 0);
        char *a = npool_get(p), *b = npool_get(p);
        char *foreign = npool_get(q);
        npool_stats_t before, after;
        npool_stats(p, &before);
        assert_int_equal(npool_put(p, NULL), -EINVAL);
        assert_int_equal(npool_put(p, a + 1), -EINVAL);
        assert_non_null(strstr(npool_last_error(), "1 bytes into block"));
        assert_int_equal(npool_put(p, a + 64 * 4096), -EINVAL);
        assert_int_equal(npool_put(p, foreign), -EINVAL);
        assert_int_equal(npool_put(p, (char *)&before), -EINVAL);
        assert_int_equal(npool_put(p, b + 64), -EALREADY);   /* block 2: free, never got */
        assert_int_equal(npool_put_index(p, 4096), -EINVAL);
        assert_int_equal(npool_put_index(p, SIZE_MAX), -EINVAL);
        assert_int_equal(npool_index(p, a + 3), SIZE_MAX);
        assert_int_equal(npool_index(p, foreign), SIZE_MAX);
        assert_null(npool_block(p, 4096));
        npool_stats(p, &after);
        assert_int_equal(after.blocks_held, before.blocks_held);
        assert_int_equal(after.refused_puts, before.refused_puts + 8);
        assert_int_equal(npool_check(p), 0);

        assert_int_equal(npool_put(p, a), 0);
        assert_int_equal(npool_put(p, a), -EALREADY);
        assert_non_null(strstr(npool_last_error(), "double put"));
        assert_int_equal(npool_put_index(p, npool_index(p, b)), 0);
        assert_int_equal(npool_put(p, b), -EALREADY);
        /* the double puts handed nothing out twice: every block comes out once */
        void **all = calloc(4096, sizeof *all);
        for (int i = 0; i < 4096; i++) {
            all[i] = npool_get(p);
            assert_non_null(all[i]);
        }
        assert_null(npool_get(p));
        for (int i = 0; i < 4096; i++)
            assert_int_equal(npool_index(p, all[i]) < 4096, 1);
        npool_stats(p, &after);
        assert_int_equal(after.blocks_held, 4096);
        assert_int_equal(npool_put_bulk(p, all, 4096), 0);
        assert_float_equal(npool_efficiency(p), 0.0, 1e-9);
        assert_int_equal(npool_check(p), 0);
        free(all);
        npool_destroy(p);
        npool_destroy(q);
    }
}

static void bulk_all_or_nothing(void **st)
{
    (void)st;
    npool_t *p = make(256, 1000, 0);
    void *b[1001];
    assert_int_equal(npool_get_bulk(p, b, 1001), -ENOMEM);
    assert_float_equal(npool_efficiency(p), 0.0, 1e-9);
    assert_int_equal(npool_get_bulk(p, b, 0), -EINVAL);
    assert_int_equal(npool_get_bulk(p, NULL, 3), -EINVAL);
    assert_int_equal(npool_get_bulk(p, b, 600), 0);
    assert_float_equal(npool_efficiency(p), 60.0, 1e-9);
    for (int i = 0; i < 600; i++)
        for (int j = i + 1; j < i + 5 && j < 600; j++)
            assert_ptr_not_equal(b[i], b[j]);
    assert_int_equal(npool_get_bulk(p, b + 600, 401), -ENOMEM);
    assert_float_equal(npool_efficiency(p), 60.0, 1e-9);

    void *bad[4] = {b[0], b[1], (char *)b[2] + 8, b[3]};
    assert_int_equal(npool_put_bulk(p, bad, 4), -EINVAL);
    assert_non_null(strstr(npool_last_error(), "entry 2 of 4"));
    void *rep[4] = {b[0], b[1], b[0], b[3]};
    assert_int_equal(npool_put_bulk(p, rep, 4), -EINVAL);
    assert_non_null(strstr(npool_last_error(), "repeats"));
    assert_float_equal(npool_efficiency(p), 60.0, 1e-9);
    assert_int_equal(npool_put(p, b[1]), 0);
    assert_int_equal(npool_put_bulk(p, b, 4), -EALREADY);
    assert_float_equal(npool_efficiency(p), 59.9, 1e-9);
    assert_int_equal(npool_check(p), 0);
    /* every entry kept its owner: all but b[1] are still held */
    assert_int_equal(npool_put(p, b[0]), 0);
    assert_int_equal(npool_put_bulk(p, b + 2, 598), 0);
    assert_float_equal(npool_efficiency(p), 0.0, 1e-9);
    assert_int_equal(npool_put_bulk(p, b, 0), 0);
    assert_int_equal(npool_check(p), 0);
    npool_destroy(p);
}

static void contiguous_runs(void **st)
{
    (void)st;
    for (int mode = 0; mode < 2; mode++) {
        npool_t *p = make(64, 4096, mode ? NPOOL_NO_CACHE : 0);
        char *r = npool_get_contig(p, 10);
        assert_non_null(r);
        assert_int_equal(npool_index(p, r), 0);
        /* hold 10..19 singly, free 12 and 15: a run of 3 fits first at 20, of 1 at 12 */
        char *s[10];
        for (int i = 0; i < 10; i++)
            s[i] = npool_block(p, 10 + i);
        assert_int_equal(npool_put_contig(p, r, 10), 0);
        r = npool_get_contig(p, 20);
        assert_int_equal(npool_index(p, r), 0);
        assert_int_equal(npool_put(p, s[2]), 0);
        assert_int_equal(npool_put(p, s[5]), 0);
        assert_int_equal(npool_coalesce(p), 0);   /* cached puts join the sorted set */
        char *t = npool_get_contig(p, 3);
        assert_int_equal(npool_index(p, t), 20);
        char *u = npool_get_contig(p, 1);
        assert_int_equal(npool_index(p, u), 12);
        assert_int_equal(npool_put_contig(p, t, 0), -EINVAL);
        assert_int_equal(npool_put_contig(p, t + 64 * 4090, 10), -EINVAL);  /* leaves the node */
        assert_int_equal(npool_put_contig(p, r + 64 * 14, 2), -EALREADY);   /* 14 held, 15 free */
        assert_int_equal(npool_put_contig(p, t, 3), 0);
        assert_int_equal(npool_put_contig(p, t, 3), -EALREADY);
        assert_null(npool_get_contig(p, 4097));
        assert_int_equal(errno, EINVAL);
        assert_null(npool_get_contig(p, 4096));
        assert_int_equal(errno, ENOMEM);
        assert_non_null(strstr(npool_last_error(), "longest is"));
        assert_int_equal(npool_check(p), 0);
        assert_int_equal(npool_reset(p), 0);
        assert_non_null(npool_get_contig(p, 4096));
        assert_float_equal(npool_efficiency(p), 100.0, 1e-9);
        npool_destroy(p);
    }
}

static void fragmentation_exact(void **st)
{
    (void)st;
    npool_t *p = make(800, 20, NPOOL_NO_CACHE);
    void *b[20];
    for (int i = 0; i < 20; i++)
        b[i] = npool_get(p);
    assert_float_equal(npool_fragmentation(p), 0.0, 1e-12);
    for (int i = 0; i < 10; i += 2)
        npool_put(p, b[i]);
    for (int i = 10; i < 20; i++)
        npool_put(p, b[i]);
    assert_float_equal(npool_fragmentation(p), 100.0 * (1.0 - 10.0 / 15.0), 1e-9);
    assert_float_equal(npool_efficiency(p), 25.0, 1e-9);
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].largest_free_run, 10);
    assert_int_equal(s.blocks_free_set, 15);
    assert_int_equal(s.blocks_held, 5);
    npool_destroy(p);
}

static void reset_frees_everything(void **st)
{
    (void)st;
    npool_t *p = make(128, 5000, 0);
    void *b[3000];
    assert_int_equal(npool_get_bulk(p, b, 3000), 0);
    for (int i = 0; i < 1000; i++)
        npool_put(p, b[i]);
    assert_int_equal(npool_reset(p), 0);
    assert_float_equal(npool_efficiency(p), 0.0, 1e-9);
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.blocks_free_set, 5000);
    assert_int_equal(s.blocks_cached, 0);
    void *first = npool_get(p);
    assert_int_equal(npool_index(p, first), 0);
    assert_int_equal(npool_put(p, b[2500]), -EALREADY);   /* free after reset */
    assert_int_equal(npool_check(p), 0);
    npool_destroy(p);
}

static int count_arenas(void *base, size_t len, int node, size_t page_size, void *arg)
{
    size_t *seen = arg;
    assert_non_null(base);
    assert_true(len >= 1000 * 64);
    assert_int_equal(node, 0);
    seen[0]++;
    seen[1] = page_size;
    return 0;
}

static int stop_at_first(void *base, size_t len, int node, size_t page_size, void *arg)
{
    (void)base, (void)len, (void)node, (void)page_size, (void)arg;
    return 42;
}

static void stats_describe_foreach(void **st)
{
    (void)st;
    npool_t *p = make(50, 1000, 0);
    npool_stats_t s;
    assert_int_equal(npool_stats(p, &s), 0);
    assert_int_equal(npool_stats(p, NULL), -EINVAL);
    assert_int_equal(s.block_size, 50);
    assert_int_equal(s.stride, 64);
    assert_int_equal(s.blocks_total, 1000);
    assert_int_equal(s.nodes[0].backing, NPOOL_PAGES_BASE);
    assert_int_equal(s.nodes[0].page_size, 4096);
    assert_int_equal(s.nodes[0].bytes_mapped, 64000 + 4096 - 64000 % 4096);
    assert_int_equal(s.nodes[0].pages_verified, s.nodes[0].bytes_mapped / 4096);
    assert_int_equal(s.nodes[0].bytes_misplaced, 0);
    assert_int_equal(s.nodes[0].thp_bytes, 0);
    assert_true(s.metadata_bytes > 0);
    size_t seen[2] = {0, 0};
    assert_int_equal(npool_foreach_arena(p, count_arenas, seen), 0);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 4096);
    assert_int_equal(npool_foreach_arena(p, stop_at_first, NULL), 42);
    assert_int_equal(npool_foreach_arena(p, NULL, NULL), -EINVAL);

    char big[1024], small[12];
    int n = npool_describe(p, big, sizeof big);
    assert_int_equal((size_t)n, strlen(big));
    assert_non_null(strstr(big, "node 0: base pages of 4 KiB"));
    int m = npool_describe(p, small, sizeof small);
    assert_int_equal(m, n);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, big, sizeof small - 1);
    assert_int_equal(npool_describe(p, NULL, 0), n);
    assert_int_equal(npool_describe(p, NULL, 5), -EINVAL);
    npool_destroy(p);
}

static void zero_flag(void **st)
{
    (void)st;
    npool_t *p = make(100, 20, NPOOL_ZERO);
    unsigned char *b = npool_get(p);
    memset(b, 0xab, 100);
    npool_put(p, b);
    unsigned char *c = npool_get(p);
    assert_ptr_equal(b, c);
    for (int i = 0; i < 100; i++)
        assert_int_equal(c[i], 0);
    npool_destroy(p);
}

static void unchecked_never_doubles(void **st)
{
    (void)st;
    npool_t *p = make(64, 32, NPOOL_UNCHECKED | NPOOL_NO_CACHE);
    void *a = npool_get(p);
    assert_int_equal(npool_put(p, a), 0);
    assert_int_equal(npool_put(p, a), 0);   /* not detected, by request... */
    assert_int_equal(npool_check(p), 0);    /* ...but the set holds it once */
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.blocks_free_set, 32);
    assert_int_equal(npool_put(p, (char *)a + 1), -EINVAL);   /* range and stride stay */
    npool_destroy(p);

    /* the cached (inline) path of an unchecked pool hands out every block once */
    p = make(64, 4096, NPOOL_UNCHECKED);
    static void *b[4096];
    for (int i = 0; i < 4096; i++)
        assert_non_null(b[i] = npool_get(p));
    assert_null(npool_get(p));
    for (int i = 0; i < 4096; i++)
        assert_int_equal(npool_put(p, b[i]), 0);
    assert_int_equal(npool_put(p, (char *)b[0] + 64 * 4096), -EINVAL);
    assert_int_equal(npool_coalesce(p), 0);
    npool_stats(p, &s);
    assert_int_equal(s.blocks_free_set, 4096);
    assert_int_equal(s.gets, 4096);
    assert_int_equal(s.puts, 4096);
    assert_int_equal(npool_check(p), 0);
    npool_destroy(p);
}

static void caches_and_coalesce(void **st)
{
    (void)st;
    npool_t *p = make(64, 100000, 0);
    static void *b[5000];
    for (int i = 0; i < 5000; i++)
        assert_non_null(b[i] = npool_get(p));
    /* interleaved puts leave the magazine full of odd blocks and the set fragmented */
    for (int i = 0; i < 5000; i += 2)
        assert_int_equal(npool_put(p, b[i]), 0);
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.blocks_held, 2500);
    assert_int_equal(s.blocks_free_set + s.blocks_cached, 97500);
    assert_true(s.blocks_cached > 0);
    assert_float_equal(npool_efficiency(p), 2.5, 1e-9);
    for (int i = 1; i < 5000; i += 2)
        assert_int_equal(npool_put(p, b[i]), 0);
    assert_int_equal(npool_coalesce(p), 0);
    npool_stats(p, &s);
    assert_int_equal(s.blocks_cached, 0);
    assert_int_equal(s.blocks_free_set, 100000);
    assert_float_equal(s.fragmentation, 0.0, 1e-12);
    assert_true(s.coalesces >= 1);
    assert_int_equal(s.gets, 5000);
    assert_int_equal(s.puts, 5000);
    assert_int_equal(npool_check(p), 0);
    npool_destroy(p);
}

static npool_t *shared_pool;
static void *worker(void *arg)
{
    void **b = arg;
    for (int i = 0; i < 300; i++)
        b[i] = npool_get(shared_pool);
    for (int i = 0; i < 150; i++)
        npool_put(shared_pool, b[i]);
    return NULL;   /* exits holding 150 and caching some */
}

static void exited_threads_give_back(void **st)
{
    (void)st;
    shared_pool = make(64, 100000, 0);
    static void *b[300];
    pthread_t t;
    pthread_create(&t, NULL, worker, b);
    pthread_join(t, NULL);
    npool_stats_t s;
    npool_stats(shared_pool, &s);
    assert_int_equal(s.blocks_cached, 0);
    assert_int_equal(s.blocks_held, 150);
    assert_int_equal(s.gets, 300);
    assert_int_equal(s.puts, 150);
    /* blocks got by the exited thread are put back by this one */
    assert_int_equal(npool_put_bulk(shared_pool, b + 150, 150), 0);
    assert_float_equal(npool_efficiency(shared_pool), 0.0, 1e-9);
    assert_int_equal(npool_check(shared_pool), 0);
    npool_destroy(shared_pool);
}

/* A cache is keyed by the pool's generation: a later pool at the same
 * address never sees the blocks of the earlier one. */
static void later_pool_same_address(void **st)
{
    (void)st;
    for (int round = 0; round < 20; round++) {
        npool_t *a = make(64, 4096, 0);
        void *x = npool_get(a);
        assert_int_equal(npool_put(a, x), 0);      /* x now sits in this thread's cache of a */
        npool_destroy(a);
        npool_t *b = make(64, 4096, 0);
        for (int i = 0; i < 300; i++) {
            void *y = npool_get(b);
            assert_non_null(y);
            assert_true(npool_index(b, y) < 4096);
            assert_int_equal(npool_put(b, y), 0);
        }
        npool_stats_t s;
        npool_stats(b, &s);
        assert_int_equal(s.blocks_held, 0);
        assert_int_equal(s.blocks_free_set + s.blocks_cached, 4096);
        assert_int_equal(s.gets, 300);
        assert_int_equal(npool_check(b), 0);
        npool_destroy(b);
    }
}

static void environment_overrides(void **st)
{
    (void)st;
    npool_config_t c = {.block_size = 64, .block_count = 64, .pages = NPOOL_PAGES_THP};
    npool_t *p;
    setenv("NUMAPOOL_PAGES", "base", 1);
    setenv("NUMAPOOL_NODES", "0", 1);
    assert_int_equal(npool_create(&c, &p), 0);
    npool_stats_t s;
    npool_stats(p, &s);
    assert_int_equal(s.nodes[0].backing, NPOOL_PAGES_BASE);
    assert_int_equal(s.nodes[0].requested, NPOOL_PAGES_BASE);
    npool_destroy(p);
    setenv("NUMAPOOL_PAGES", "huge", 1);
    expect_refused(&c, -EINVAL, "NUMAPOOL_PAGES=\"huge\"");
    setenv("NUMAPOOL_PAGES", "base", 1);
    setenv("NUMAPOOL_NODES", "7", 1);
    expect_refused(&c, -ENODEV, "7");
    unsetenv("NUMAPOOL_PAGES");
    unsetenv("NUMAPOOL_NODES");
}

static void error_names(void **st)
{
    (void)st;
    assert_string_equal(npool_strerror(-EINVAL), "EINVAL: invalid argument");
    assert_non_null(strstr(npool_strerror(-EALREADY), "EALREADY"));
    assert_non_null(strstr(npool_strerror(-ENODEV), "ENODEV"));
    assert_non_null(strstr(npool_strerror(0), "success"));
    assert_string_equal(npool_strerror(-9999), "unknown error code");
    assert_string_equal(npool_pages_name(NPOOL_PAGES_2M), "2M");
    assert_int_equal(npool_coalesce(NULL), -EINVAL);
    assert_int_equal(npool_reset(NULL), -EINVAL);
    assert_int_equal(npool_check(NULL), -EINVAL);
    assert_null(npool_get(NULL));
    assert_int_equal(errno, EINVAL);
    assert_int_equal(npool_put(NULL, &errno), -EINVAL);
    assert_float_equal(npool_efficiency(NULL), 0.0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_configs),
        cmocka_unit_test(nodes_on_one_node),
        cmocka_unit_test(lowest_first_without_cache),
        cmocka_unit_test(misuse_changes_nothing),
        cmocka_unit_test(bulk_all_or_nothing),
        cmocka_unit_test(contiguous_runs),
        cmocka_unit_test(fragmentation_exact),
        cmocka_unit_test(reset_frees_everything),
        cmocka_unit_test(stats_describe_foreach),
        cmocka_unit_test(zero_flag),
        cmocka_unit_test(unchecked_never_doubles),
        cmocka_unit_test(caches_and_coalesce),
        cmocka_unit_test(exited_threads_give_back),
        cmocka_unit_test(later_pool_same_address),
        cmocka_unit_test(environment_overrides),
        cmocka_unit_test(error_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
