/* src/cache.c - per-thread caches: one `struct npool_tcache` per (thread,
 * pool), holding one magazine and one side (depot.h) per arena, so a block
 * put by a thread on node A goes back toward its own node B, never into A's
 * supply.
 *
 * Ownership: a cache is allocated, used and freed by its owner thread only;
 * the pool only links it into its list (under reg_lock) so that stats,
 * reset, check, coalesce and destroy can see it, and other threads reach
 * into a cache only through its sides' locks (spares) or with relaxed loads
 * (counts).  Magazine storage belongs to the arena (depot.c): the thread
 * holds its buffers while it caches and gives them back when it exits;
 * npool_destroy frees them all.  Destroy detaches (cache->pool = NULL); the
 * owner frees detached caches when it next looks for a cache or exits.  A
 * thread's exit (pthread key destructor) flushes its caches back to their
 * pools.  Caches are keyed by the pool's generation, unique for the life of
 * the process, so a cache is never mistaken for one of a later pool at the
 * same address.
 *
 * Bounds (stated in numapool.h): a thread's current magazines hold at most
 * mag_cap blocks per arena (min(256, 1/16 of a node)), and the current
 * magazines of all threads less than 1/8 of each node (caps_in_use): each
 * new cache takes at most half of what is left of that share, and a thread
 * whose half would be under NPOOL_MAG_MIN goes straight to the sets.  Spares and the depot are bounded in
 * depot.c, and a get that finds its node empty takes every spare back
 * (npool__caches_reclaim) before it fails.
 *
 * The hot path never takes reg_lock: a thread finds its cache for a pool in
 * its own list (lock free, by generation) and makes it current in its TLS
 * (npool__tl_v2), which the inline path of numapool.h compares with the
 * pool's key.  reg_lock is taken on a thread's first use of a pool, at its
 * exit, and by the whole-pool calls (coalesce, stats, check, reset, destroy). */
#include "cache.h"
#include "fault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

NPOOL_API _Thread_local struct npool__tl npool__tl_v2 __attribute__((tls_model("initial-exec")));

static _Thread_local struct npool_tcache *tl_list __attribute__((tls_model("initial-exec")));

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static int exit_key_ok;

void npool__tc_seen(struct npool_tcache *tc, uint32_t e)
{
    tc->epoch = e;
    npool_t *pool = tc->pool;
    /* users' inline path matches this key only for pools it may serve */
    npool__tl_v2.key = pool && pool->inline_ok ? (tc->gen << 32 | e) : 0;
    npool__tl_v2.mag = tc->mag;
    npool__tl_v2.tc = tc;
    /* the first arena until a get chooses the caller's (many-node pools) */
    npool__tl_v2.here = tc->mag;
    npool__tl_v2.here_base = pool ? pool->arena[0].base : NULL;
    npool__tl_v2.cpu = -1;
}

void npool__tl_follow(npool_t *pool, struct npool_arena *a, int cpu)
{
    struct npool_tcache *tc = NPOOL_TL_CACHE();
    if (tc && tc->gen == pool->gen && pool->narenas > 1) {
        npool__tl_v2.here = &tc->mag[a->pos];
        npool__tl_v2.here_base = a->base;
        npool__tl_v2.cpu = cpu;
    }
}

static void tl_clear(void)
{
    npool__tl_v2 = (struct npool__tl){.cpu = -1};
}

static void unlink_from_pool(npool_t *pool, struct npool_tcache *tc)
{
    if (tc->prev_pool)
        tc->prev_pool->next_pool = tc->next_pool;
    else
        pool->caches = tc->next_pool;
    if (tc->next_pool)
        tc->next_pool->prev_pool = tc->prev_pool;
    pool->ncaches--;
    pool->caps_in_use -= tc->cap;
}

/* Under reg_lock, by the owner: give everything tc holds back to its pool,
 * fold its counters, release its share. */
static void retire(struct npool_tcache *tc)
{
    npool_t *pool = tc->pool;
    if (!pool)
        return;
    for (int k = 0; k < tc->narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        struct npool__mag *m = &tc->mag[k];
        npool__flush(pool, a, m, NPOOL__LD(&m->n), 0);
        npool__side_drain(a, &tc->side[k], 0, 1);
        npool__lock(a);
        a->gets += NPOOL__LD(&m->gets);
        a->puts += NPOOL__LD(&m->puts);
        if (m->idx)
            npool__buf_put(a, m->idx);
        m->idx = NULL;
        npool__unlock(a);
    }
    unlink_from_pool(pool, tc);
    tc->pool = NULL;
}

static void free_cache(struct npool_tcache *tc)
{
    for (int k = 0; k < tc->narenas; k++)
        pthread_mutex_destroy(&tc->side[k].lock);
    free(tc);
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
        free_cache(tl_list);
        tl_list = next;
    }
    tl_clear();
}

/* Unload (dlclose) or exit: the calling thread's caches go back like at a
 * thread's exit, and the key goes, so no destructor points into unmapped code. */
__attribute__((destructor)) static void unload(void)
{
    thread_exit(NULL);
    if (exit_key_ok)
        pthread_key_delete(exit_key);
}

/* Fork while other threads are inside numapool: the child must be able to
 * create and use new pools.  Of what a new pool touches, only reg_lock is
 * shared with the parent's pools, so prepare takes reg_lock and nothing
 * else, and parent and child release it: no thread holds it across the
 * fork.  The node and side locks of the parent's pools are not taken: the
 * child never touches those pools (numapool.h: it must not use them; their
 * mappings are MADV_DONTFORK, not even there), and taking them would need
 * a registry of every live pool and hold each fork back behind every node
 * lock.  In the child, the forking thread forgets its caches of the
 * parent's pools without reading them (its exit would otherwise retire
 * them into pools that are not mapped); their memory stays, unreachable,
 * as the parent's pools' own does. */
static void fork_prepare(void)
{
    pthread_mutex_lock(&reg_lock);
}

static void fork_parent(void)
{
    pthread_mutex_unlock(&reg_lock);
}

static void fork_child(void)
{
    pthread_mutex_unlock(&reg_lock);
    tl_list = NULL;
    tl_clear();
    if (exit_key_ok)
        pthread_setspecific(exit_key, NULL);
}

/* At load, not lazily: pthread_atfork must not be called under reg_lock
 * (fork holds glibc's atfork lock while prepare waits for reg_lock).
 * glibc drops the handlers when the library is unloaded. */
__attribute__((constructor)) static void fork_handlers(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

static void make_key(void)
{
    exit_key_ok = pthread_key_create(&exit_key, thread_exit) == 0;
}

/* One allocation: the cache, its magazines (a cache line apart from the
 * rest: the hot path reads them), its sides. */
static struct npool_tcache *new_cache(int narenas)
{
    size_t head = (sizeof(struct npool_tcache) + 63) & ~(size_t)63;
    size_t mags = ((size_t)narenas * sizeof(struct npool__mag) + 63) & ~(size_t)63;
    size_t bytes = (head + mags + (size_t)narenas * sizeof(struct npool_side) + 63) & ~(size_t)63;
    char *p = NPOOL_FAULT(ALLOC_CACHE) ? NULL : aligned_alloc(64, bytes);    /* C11: a multiple of the alignment */
    if (!p)
        return NULL;
    memset(p, 0, bytes);
    struct npool_tcache *tc = (struct npool_tcache *)(void *)p;
    tc->mag = (struct npool__mag *)(void *)(p + head);
    tc->side = (struct npool_side *)(void *)(p + head + mags);
    tc->narenas = narenas;
    for (int k = 0; k < narenas; k++) {
        pthread_mutex_init(&tc->side[k].lock, NULL);
        tc->side[k].low = UINT32_MAX;
    }
    return tc;
}

struct npool_tcache *npool__tcache(npool_t *pool)
{
    /* A thread moving between pools finds its cache again without a lock:
     * the list is its own, and a cache whose generation matches a pool the
     * caller is using cannot have been detached (that pool is alive). */
    for (struct npool_tcache *tc = tl_list; tc; tc = tc->next_thread)
        if (tc->gen == pool->gen) {
            npool__tc_seen(tc, tc->epoch);
            return tc;
        }

    /* First use by this thread: make one (and free those of destroyed pools). */
    struct npool_tcache *found = NULL, **pp = &tl_list;
    pthread_mutex_lock(&reg_lock);
    while (*pp) {
        struct npool_tcache *tc = *pp;
        if (!tc->pool) {                     /* its pool was destroyed */
            *pp = tc->next_thread;
            if (tc == NPOOL_TL_CACHE())
                tl_clear();
            free_cache(tc);
            continue;
        }
        pp = &tc->next_thread;
    }
    pthread_once(&exit_key_once, make_key);
    /* the current magazines of all threads hold at most 1/8 of a node: each
     * new cache takes at most half of what is left of that share */
    size_t share = pool->nblocks_node / 8, cap = pool->mag_cap;
    size_t left = share > pool->caps_in_use ? share - pool->caps_in_use : 0;
    if (cap > left / 2)
        cap = left / 2;
    if (cap < NPOOL_MAG_MIN || !exit_key_ok)
        cap = 0;                          /* this thread goes straight to the sets */
    found = new_cache(pool->narenas);
    /* each magazine's storage is the arena's (see depot.c) */
    for (int k = 0; found && cap && k < pool->narenas; k++) {
        struct npool_arena *a = &pool->arena[k];
        npool__lock(a);
        found->mag[k].idx = npool__buf_get(a);
        npool__unlock(a);
        if (!found->mag[k].idx)
            cap = 0;
    }
    if (found && !cap) {
        for (int k = 0; k < pool->narenas; k++) {
            struct npool_arena *a = &pool->arena[k];
            npool__lock(a);
            if (found->mag[k].idx)
                npool__buf_put(a, found->mag[k].idx);
            found->mag[k].idx = NULL;
            npool__unlock(a);
        }
    }
    if (found) {
        found->gen = pool->gen;
        found->pool = pool;
        found->cap = (uint32_t)cap;
        found->batch = (uint32_t)(cap / 2);
        found->epoch = npool__epoch(pool);
        for (int k = 0; k < pool->narenas; k++) {
            struct npool__mag *m = &found->mag[k];
            m->cap = (uint32_t)cap;
            m->state = (uint8_t *)(void *)pool->arena[k].state;
            m->base = pool->arena[k].base;
        }
        found->next_pool = pool->caches;
        if (pool->caches)
            pool->caches->prev_pool = found;
        pool->caches = found;
        pool->ncaches++;
        pool->caps_in_use += cap;
        found->next_thread = tl_list;
        tl_list = found;
        pthread_setspecific(exit_key, tl_list);
    }
    pthread_mutex_unlock(&reg_lock);
    if (found)          /* the hot path trusts tl.mag once the key matches */
        npool__tc_seen(found, found->epoch);
    return found;
}

struct npool_tcache *npool__tcache_find(npool_t *pool)
{
    for (struct npool_tcache *tc = tl_list; tc; tc = tc->next_thread)
        if (tc->gen == pool->gen)
            return tc;
    return NULL;
}

void npool__tcache_flush(npool_t *pool, struct npool_tcache *tc)
{
    for (int k = 0; k < tc->narenas; k++) {
        npool__flush(pool, &pool->arena[k], &tc->mag[k], NPOOL__LD(&tc->mag[k].n), 0);
        npool__side_drain(&pool->arena[k], &tc->side[k], 0, 0);
    }
}

void npool__caches_detach(npool_t *pool)
{
    pthread_mutex_lock(&reg_lock);
    for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
        tc->pool = NULL;
    pool->caches = NULL;
    pool->ncaches = 0;
    pool->caps_in_use = 0;
    pthread_mutex_unlock(&reg_lock);
    /* the caller's TLS must not keep pointing at the magazines of a dead pool */
    struct npool_tcache *cur = NPOOL_TL_CACHE();
    if (cur && cur->gen == pool->gen)
        tl_clear();
}

void npool__caches_clear(npool_t *pool)
{
    pthread_mutex_lock(&reg_lock);
    for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
        for (int k = 0; k < tc->narenas; k++) {
            struct npool_arena *a = &pool->arena[k];
            struct npool_side *sd = &tc->side[k];
            NPOOL__ST(&tc->mag[k].n, 0);
            npool__side_drain(a, sd, 0, 0);     /* into the set the reset is about to fill anyway */
        }
    pthread_mutex_unlock(&reg_lock);
}

size_t npool__caches_reclaim(npool_t *pool, struct npool_arena *a, int all)
{
    size_t moved = 0;
    pthread_mutex_lock(&reg_lock);
    for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
        if (atomic_load_explicit(&tc->side[a->pos].nspares, memory_order_relaxed))
            moved += npool__side_drain(a, &tc->side[a->pos], !all, 0);
    pthread_mutex_unlock(&reg_lock);
    return moved;
}

void npool__caches_count(const npool_t *pool, size_t *cached, uint64_t *gets, uint64_t *puts)
{
    pthread_mutex_lock(&reg_lock);
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        npool__lock(a);
        cached[k] += a->depot_blocks;
        npool__unlock(a);
    }
    for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
        for (int k = 0; k < tc->narenas; k++) {
            const struct npool__mag *m = &tc->mag[k];
            cached[k] += NPOOL__LD(&m->n) + atomic_load_explicit(&tc->side[k].spare_blocks, memory_order_relaxed);
            if (gets)
                gets[k] += NPOOL__LD(&m->gets);
            if (puts)
                puts[k] += NPOOL__LD(&m->puts);
        }
    pthread_mutex_unlock(&reg_lock);
}

int npool__caches_check(const npool_t *pool, uint8_t *marks, char *why, size_t len)
{
    int rc = 0, checked = !pool->unchecked;
    pthread_mutex_lock(&reg_lock);
    /* per arena, the depot and every thread's spares at one instant: every
     * side lock, then the node lock, so no magazine moves between them */
    for (int k = 0; k < pool->narenas && !rc; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
            pthread_mutex_lock(&tc->side[k].lock);
        npool__lock(a);
        rc = npool__depot_check(a, checked, marks, why, len);
        for (struct npool_tcache *tc = pool->caches; tc && !rc; tc = tc->next_pool)
            rc = npool__side_check(a, &tc->side[k], checked, marks, why, len);
        npool__unlock(a);
        for (struct npool_tcache *tc = pool->caches; tc; tc = tc->next_pool)
            pthread_mutex_unlock(&tc->side[k].lock);
    }
    for (struct npool_tcache *tc = pool->caches; tc && !rc; tc = tc->next_pool) {
        int mine = 0;
        for (struct npool_tcache *t = tl_list; t; t = t->next_thread)
            mine |= t == tc;
        for (int k = 0; k < tc->narenas && !rc; k++) {
            struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
            const struct npool__mag *m = &tc->mag[k];
            uint32_t n = NPOOL__LD(&m->n);
            if (n > tc->cap) {
                snprintf(why, len, "a cache holds %u blocks of node %d, over its capacity %u", n, a->node, tc->cap);
                rc = -1;
                break;
            }
            if (!mine)
                continue;   /* other live threads change their magazines under us: only this thread's is exact */
            npool__lock(a);
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
                } else if (checked && atomic_load_explicit(&a->state[i], memory_order_relaxed) != NPOOL_STATE_FREE) {
                    snprintf(why, len, "block %zu is in this thread's cache but marked held", a->first_index + i);
                    rc = -1;
                } else if (marks[a->first_index + i]++) {
                    snprintf(why, len, "block %zu is twice in this thread's cache", a->first_index + i);
                    rc = -1;
                }
            }
            npool__unlock(a);
        }
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}
