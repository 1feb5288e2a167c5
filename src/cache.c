/* src/cache.c - per-thread caches: one `struct npool_tcache` per (thread,
 * pool), holding one magazine per arena, so a block put by a thread on node A
 * goes back toward its own node B, never into A's supply.
 *
 * Ownership: a cache is allocated, used and freed by its owner thread only;
 * the pool only links it into its list (under reg_lock) so that stats, reset,
 * check and destroy can see it.  A magazine's storage is a buffer of the
 * arena (depot.c): the thread holds it while it caches and gives it back when
 * it exits; npool_destroy frees them all.  Destroy detaches (cache->pool = NULL); the
 * owner frees detached caches when it next looks for a cache or exits.  A
 * thread's exit (pthread key destructor) flushes its caches back to their
 * pools.  Caches are keyed by the pool's generation, unique for the life of
 * the process, so a cache is never mistaken for one of a later pool at the
 * same address.
 *
 * Bound: a magazine holds at most min(NPOOL_MAG_MAX, blocks per node / 16 /
 * threads already caching), so caches cannot starve a pool: with T threads at
 * most about 1/16 of each node sits in the first thread's cache, less in
 * later ones'; the depot holds at most a quarter of the node, and a get that
 * would fail drains it first. */
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

NPOOL_API _Thread_local struct npool__tl npool__tl_last __attribute__((tls_model("initial-exec")));

void npool__tl_set(uint64_t gen, struct npool_tcache *tc)
{
    npool__tl_last.gen = gen;
    npool__tl_last.epoch = tc ? tc->epoch : 0;
    npool__tl_last.mag0 = tc ? (struct npool__mag *)(void *)&tc->mag[0] : NULL;
    npool__tl_last.tc = tc;
}

void npool__tc_epoch(struct npool_tcache *tc, uint32_t e)
{
    tc->epoch = e;
    if (npool__tl_last.tc == tc)
        npool__tl_last.epoch = e;
}
static _Thread_local struct npool_tcache *tl_list __attribute__((tls_model("initial-exec")));

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_ok;

static void unlink_from_pool(npool_t *pool, struct npool_tcache *tc)
{
    if (tc->prev_pool)
        tc->prev_pool->next_pool = tc->next_pool;
    else
        pool->caches = tc->next_pool;
    if (tc->next_pool)
        tc->next_pool->prev_pool = tc->prev_pool;
    pool->ncaches--;
}

/* Under reg_lock: give everything tc holds back to its pool, fold its counters. */
static void retire(struct npool_tcache *tc)
{
    npool_t *pool = tc->pool;
    if (!pool)
        return;
    for (int k = 0; k < tc->narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        struct npool_mag *m = &tc->mag[k];
        npool__flush(pool, a, m, atomic_load_explicit(&m->n, memory_order_relaxed), 0);
        pthread_mutex_lock(&a->lock);
        a->gets += atomic_load_explicit(&m->gets, memory_order_relaxed);
        a->puts += atomic_load_explicit(&m->puts, memory_order_relaxed);
        if (m->idx)
            npool__buf_put(a, m->idx);
        m->idx = NULL;
        pthread_mutex_unlock(&a->lock);
    }
    unlink_from_pool(pool, tc);
    tc->pool = NULL;
}

static void thread_exit(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&reg_lock);
    for (struct npool_tcache *tc = tl_list; tc; tc = tc->next_thread)
        retire(tc);
    pthread_mutex_unlock(&reg_lock);
    while (tl_list) {
        struct npool_tcache *next = tl_list->next_thread;
        free(tl_list);
        tl_list = next;
    }
    npool__tl_set(0, NULL);
}

/* Unload (dlclose) or exit: the calling thread's caches go back like at a
 * thread's exit, and the key goes, so no destructor points into unmapped code. */
__attribute__((destructor)) static void unload(void)
{
    thread_exit(NULL);
    if (exit_key_ok)
        pthread_key_delete(exit_key);
}

static void make_key(void)
{
    exit_key_ok = pthread_key_create(&exit_key, thread_exit) == 0;
}

struct npool_tcache *npool__tcache(npool_t *pool)
{
    /* A thread moving between pools finds its cache again without a lock:
     * the list is its own, and a cache whose generation matches a pool the
     * caller is using cannot have been detached (that pool is alive). */
    for (struct npool_tcache *tc = tl_list; tc; tc = tc->next_thread)
        if (tc->gen == pool->gen) {
            npool__tl_set(pool->gen, tc);
            return tc;
        }

    /* First use by this thread: make one (and free those of destroyed pools). */
    struct npool_tcache *found = NULL, **pp = &tl_list;
    pthread_mutex_lock(&reg_lock);
    while (*pp) {
        struct npool_tcache *tc = *pp;
        if (!tc->pool) {                     /* its pool was destroyed */
            *pp = tc->next_thread;
            free(tc);
            continue;
        }
        pp = &tc->next_thread;
    }
    pthread_once(&exit_key_once, make_key);
    size_t cap = pool->mag_cap;
    size_t fair = pool->nblocks_node / 16 / (pool->ncaches + 1);
    if (cap > fair)
        cap = fair;
    if (cap < NPOOL_MAG_MIN || !exit_key_ok)
        cap = 0;                          /* this thread goes straight to the sets */
    found = calloc(1, sizeof(struct npool_tcache) + (size_t)pool->narenas * sizeof(struct npool_mag));
    /* each magazine's storage is the arena's (see depot.c) */
    for (int k = 0; found && cap && k < pool->narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        pthread_mutex_lock(&a->lock);
        found->mag[k].idx = npool__buf_get(a);
        pthread_mutex_unlock(&a->lock);
        if (!found->mag[k].idx)
            cap = 0;
    }
    if (found && !cap) {
        for (int k = 0; k < pool->narenas; k++) {
            struct npool_arena *a = &pool->arena[k];
            pthread_mutex_lock(&a->lock);
            if (found->mag[k].idx)
                npool__buf_put(a, found->mag[k].idx);
            found->mag[k].idx = NULL;
            pthread_mutex_unlock(&a->lock);
        }
    }
    if (found) {
        found->gen = pool->gen;
        found->pool = pool;
        found->cap = (uint32_t)cap;
        found->batch = (uint32_t)(cap / 2);
        found->narenas = pool->narenas;
        found->epoch = atomic_load_explicit(&pool->epoch, memory_order_relaxed);
        for (int k = 0; k < pool->narenas; k++) {
            struct npool_mag *m = &found->mag[k];
            m->cap = (uint32_t)cap;
            m->state = pool->arena[k].state;
            m->base = pool->arena[k].base;
        }
        found->next_pool = pool->caches;
        if (pool->caches)
            pool->caches->prev_pool = found;
        pool->caches = found;
        pool->ncaches++;
        found->next_thread = tl_list;
        tl_list = found;
        pthread_setspecific(exit_key, tl_list);
    }
    pthread_mutex_unlock(&reg_lock);
    if (found)          /* the hot path trusts tl_last.tc once the generation matches */
        npool__tl_set(pool->gen, found);
    return found;
}

void npool__tcache_flush(npool_t *pool, struct npool_tcache *tc)
{
    for (int k = 0; k < tc->narenas; k++)
        npool__flush(pool, &pool->arena[k], &tc->mag[k], atomic_load_explicit(&tc->mag[k].n, memory_order_relaxed), 0);
}

void npool__caches_detach(npool_t *pool)
{
    pthread_mutex_lock(&reg_lock);
    for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
        tc->pool = NULL;
    pool->caches = NULL;
    pool->ncaches = 0;
    pthread_mutex_unlock(&reg_lock);
}

void npool__caches_clear(npool_t *pool)
{
    pthread_mutex_lock(&reg_lock);
    for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
        for (int k = 0; k < tc->narenas; k++)
            atomic_store_explicit(&tc->mag[k].n, 0, memory_order_relaxed);
    pthread_mutex_unlock(&reg_lock);
}

void npool__caches_count(const npool_t *pool, size_t *cached, uint64_t *gets, uint64_t *puts)
{
    pthread_mutex_lock(&reg_lock);
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        pthread_mutex_lock(&a->lock);
        cached[k] += a->depot_blocks;
        pthread_mutex_unlock(&a->lock);
    }
    for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
        for (int k = 0; k < tc->narenas; k++) {
            const struct npool_mag *m = &tc->mag[k];
            cached[k] += atomic_load_explicit(&m->n, memory_order_relaxed);
            if (gets)
                gets[k] += atomic_load_explicit(&m->gets, memory_order_relaxed);
            if (puts)
                puts[k] += atomic_load_explicit(&m->puts, memory_order_relaxed);
        }
    pthread_mutex_unlock(&reg_lock);
}

int npool__caches_check(const npool_t *pool, uint8_t *marks, char *why, size_t len)
{
    int rc = 0;
    pthread_mutex_lock(&reg_lock);
    for (int k = 0; k < pool->narenas && !rc; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        pthread_mutex_lock(&a->lock);
        rc = npool__depot_check(a, !(pool->flags & NPOOL_UNCHECKED), marks, why, len);
        pthread_mutex_unlock(&a->lock);
    }
    for (struct npool_tcache *tc = pool->caches; tc && !rc; tc = tc->next_pool) {
        int mine = 0;
        for (struct npool_tcache *t = tl_list; t; t = t->next_thread)
            mine |= t == tc;
        for (int k = 0; k < tc->narenas && !rc; k++) {
            struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
            const struct npool_mag *m = &tc->mag[k];
            uint32_t n = atomic_load_explicit(&m->n, memory_order_relaxed);
            if (n > tc->cap) {
                snprintf(why, len, "a cache holds %u blocks of node %d, over its capacity %u", n, a->node, tc->cap);
                rc = -1;
                break;
            }
            if (!mine)
                continue;   /* other live threads change theirs under us: only this thread's is exact */
            pthread_mutex_lock(&a->lock);
            for (uint32_t j = 0; j < n && !rc; j++) {
                uint32_t i = m->idx[j];
                if (i >= a->nblocks) {
                    snprintf(why, len, "this thread's cache holds index %u, past node %d's %zu blocks", i, a->node,
                             a->nblocks);
                    rc = -1;
                } else if (freeset_has(&a->fs, i)) {
                    snprintf(why, len, "block %zu is both in this thread's cache and in node %d's free set",
                             a->first_index + i, a->node);
                    rc = -1;
                } else if (!(pool->flags & NPOOL_UNCHECKED) &&
                           atomic_load_explicit(&a->state[i], memory_order_relaxed) != NPOOL_STATE_FREE) {
                    snprintf(why, len, "block %zu is in this thread's cache but marked held", a->first_index + i);
                    rc = -1;
                } else if (marks[a->first_index + i]++) {
                    snprintf(why, len, "block %zu is twice in this thread's cache", a->first_index + i);
                    rc = -1;
                }
            }
            pthread_mutex_unlock(&a->lock);
        }
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}
