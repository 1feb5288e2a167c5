/* The per-thread caches (src/cache.h, src/cache.c): the share each new
 * cache gets (bounded in all), the thread's TLS that the inline path reads,
 * a coalesce's epoch reaching other threads at their next call, spares
 * taken back from a live thread by a starving get, everything coming home at
 * a thread's exit, and a destroyed pool's caches detached. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cache.h"
#include "error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static npool_t *make(size_t count, unsigned flags)
{
    npool_config_t c = {.block_size = 64, .block_count = count, .pages = NPOOL_PAGES_BASE, .flags = flags,
                        .name = "cache"};
    npool_t *p = NULL;
    if (npool_create(&c, &p) != 0)
        fail_msg("npool_create: %s", npool_last_error());
    return p;
}

static size_t cached(npool_t *p)
{
    npool_stats_t *s = calloc(1, sizeof *s);
    assert_int_equal(npool_stats(p, s), 0);
    size_t c = s->blocks_cached;
    free(s);
    return c;
}

/* ---- shares ---- */

struct cap_job { npool_t *p; pthread_barrier_t *made, *done; uint32_t cap; };

static void *cap_thread(void *arg)
{
    struct cap_job *j = arg;
    void *b = npool_get(j->p);
    npool_put(j->p, b);
    struct npool_tcache *tc = npool__tcache_find(j->p);
    j->cap = tc ? tc->cap : 0;
    pthread_barrier_wait(j->made);
    pthread_barrier_wait(j->done);
    return NULL;
}

static void shares_halve_and_come_back(void **st)
{
    (void)st;
    npool_t *p = make(4096, 0);          /* mag_cap 256; current magazines < 1/8 of 4096 = 512 in all */
    enum { T = 10 };
    static const uint32_t want[T] = {256, 128, 64, 32, 16, 8, 0, 0, 0, 0};
    struct cap_job j[T];
    pthread_t th[T];
    pthread_barrier_t made[T], done;
    pthread_barrier_init(&done, NULL, T + 1);
    for (int i = 0; i < T; i++) {
        /* one at a time, so that the order of the shares is known */
        pthread_barrier_init(&made[i], NULL, 2);
        j[i] = (struct cap_job){.p = p, .made = &made[i], .done = &done};
        assert_int_equal(pthread_create(&th[i], NULL, cap_thread, &j[i]), 0);
        pthread_barrier_wait(&made[i]);
        assert_int_equal(j[i].cap, want[i]);
    }
    assert_int_equal(p->caps_in_use, 504);
    assert_true(p->caps_in_use < 4096 / 8);
    pthread_barrier_wait(&done);
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        pthread_barrier_destroy(&made[i]);
    }
    assert_int_equal(p->caps_in_use, 0);     /* exited threads give their share back */
    assert_int_equal(cached(p), 0);          /* and their blocks */
    assert_int_equal(npool_check(p), 0);
    pthread_barrier_destroy(&done);
    npool_destroy(p);
}

/* ---- the TLS of the inline path ---- */

static void tls_follows_the_current_pool(void **st)
{
    (void)st;
    npool_t *a = make(4096, 0), *b = make(4096, 0);
    /* the key users' inline path compares: the pool's, unless the library
     * must see every get and put itself (ASan builds): then never */
#define KEY(p) ((p)->inline_ok ? atomic_load(&(p)->key) : 0)
    void *x = npool_get(a);
    struct npool_tcache *ta = npool__tcache_find(a);
    assert_non_null(ta);
    assert_int_equal(npool__tl_v2.key, KEY(a));
    assert_ptr_equal(npool__tl_v2.here, &ta->mag[0]);
    assert_ptr_equal(npool__tl_v2.here_base, a->arena[0].base);
    void *y = npool_get(b);                   /* b becomes current */
    assert_int_equal(npool__tl_v2.key, KEY(b));
    assert_int_equal(npool_put(a, x), 0);     /* a again, found without the registry lock */
    assert_int_equal(npool__tl_v2.key, KEY(a));
    assert_int_equal(npool_put(b, y), 0);
    /* a pool that zeroes is never served inline: its key never matches */
    npool_t *z = make(4096, NPOOL_ZERO);
    void *w = npool_get(z);
    assert_non_null(w);
    assert_int_equal(npool__tl_v2.key, 0);
    assert_int_equal(npool_put(z, w), 0);
    npool_destroy(z);
    assert_null(npool__tl_v2.tc);             /* destroying the current pool clears the TLS */
    npool_destroy(a);
    npool_destroy(b);
}

struct epoch_job { npool_t *p; pthread_barrier_t *bar; size_t before, after; int own_in_set; };

static void *epoch_thread(void *arg)
{
    struct epoch_job *j = arg;
    void *v[100];
    for (int k = 0; k < 100; k++)
        v[k] = npool_get(j->p);
    for (int k = 0; k < 100; k++)
        npool_put(j->p, v[k]);
    struct npool_tcache *tc = npool__tcache_find(j->p);
    j->before = NPOOL__LD(&tc->mag[0].n);
    pthread_barrier_wait(j->bar);             /* main coalesces */
    pthread_barrier_wait(j->bar);
    j->after = NPOOL__LD(&tc->mag[0].n);      /* untouched until this thread calls */
    void *b = npool_get(j->p);                /* its next call flushes first */
    j->own_in_set = NPOOL__LD(&tc->mag[0].n) < j->before;
    npool_put(j->p, b);
    return NULL;
}

static void coalesce_reaches_others_at_their_next_call(void **st)
{
    (void)st;
    npool_t *p = make(4096, 0);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    struct epoch_job j = {.p = p, .bar = &bar};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, epoch_thread, &j), 0);
    pthread_barrier_wait(&bar);
    uint32_t e = npool__epoch(p);
    assert_int_equal(npool_coalesce(p), 0);
    assert_int_equal(npool__epoch(p), e + 1);
    pthread_barrier_wait(&bar);
    pthread_join(th, NULL);
    assert_true(j.before > 0);
    assert_int_equal(j.after, j.before);
    assert_true(j.own_in_set);
    pthread_barrier_destroy(&bar);
    npool_destroy(p);
}

/* ---- spares taken back ---- */

struct hoard_job { npool_t *p; pthread_barrier_t *bar; size_t spare_blocks; };

static void *hoard_thread(void *arg)
{
    struct hoard_job *j = arg;
    void **v = calloc(3000, sizeof *v);
    for (int r = 0; r < 8; r++) {             /* a working set of 3000: the limit grows */
        for (int k = 0; k < 3000; k++)
            v[k] = npool_get(j->p);
        for (int k = 0; k < 3000; k++)
            npool_put(j->p, v[k]);
    }
    j->spare_blocks = atomic_load(&npool__tcache_find(j->p)->side[0].spare_blocks);
    free(v);
    pthread_barrier_wait(j->bar);             /* alive, idle, holding its spares */
    pthread_barrier_wait(j->bar);
    return NULL;
}

static void a_starving_get_takes_spares_back(void **st)
{
    (void)st;
    npool_t *p = make(1 << 14, 0);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    struct hoard_job j = {.p = p, .bar = &bar};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, hoard_thread, &j), 0);
    pthread_barrier_wait(&bar);
    assert_true(j.spare_blocks >= 2048);
    /* this thread takes every block it can: the other's spares must come to it */
    size_t cap = 1 << 14, n = 0;
    void **v = calloc(cap, sizeof *v);
    while (n < cap && (v[n] = npool_get(p)) != NULL)
        n++;
    struct npool_tcache *other = p->caches;
    while (other && other == npool__tcache_find(p))
        other = other->next_pool;
    assert_non_null(other);
    assert_int_equal(atomic_load(&other->side[0].spare_blocks), 0);
    /* what is left: the other thread's current magazine only */
    size_t left = NPOOL__LD(&other->mag[0].n);
    assert_int_equal(n + left, cap);
    assert_true(left <= other->cap);
    assert_int_equal(npool_put_bulk(p, v, n), 0);
    pthread_barrier_wait(&bar);
    pthread_join(th, NULL);
    assert_int_equal(npool_check(p), 0);
    free(v);
    pthread_barrier_destroy(&bar);
    npool_destroy(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shares_halve_and_come_back),
        cmocka_unit_test(tls_follows_the_current_pool),
        cmocka_unit_test(coalesce_reaches_others_at_their_next_call),
        cmocka_unit_test(a_starving_get_takes_spares_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
