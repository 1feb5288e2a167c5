/* tests/api/test_fork.c - fork while other threads are inside numapool: the
 * child must be able to create and use new pools (numapool.h, "Fork").
 *
 * Two threads loop creating pools, getting and putting through their
 * caches, coalescing, reading the stats and destroying, so that the
 * registry lock of the caches and the pools' node locks are held a good
 * part of the time, while the main thread, which holds a cache of a pool of
 * its own made before, forks again and again.  Each child creates a new
 * pool, gets and puts through its cache, checks it, destroys it and exits
 * with exit(), whose handlers would meet the forking thread's cache of the
 * parent's pool (not mapped in the child).  A child that does not exit 0
 * within CHILD_SECONDS fails the test: without the library's fork handlers
 * a child that inherits a lock held by a thread that does not exist in it
 * waits for ever.  CHILD_SECONDS is no measure of speed: a child does a few
 * milliseconds of work, and 30 s leaves room for two loaded cores and the
 * sanitizers; only a child that never ends reaches it.
 *
 * Under AddressSanitizer the churning threads pause while the main thread
 * forks: this toolchain's ASan allocator (gcc 12's libasan) takes no lock
 * around fork, so a child forked while another thread is inside malloc
 * waits for ever on the allocator's own mutex, whatever numapool does.  That
 * stage checks the children's pools for memory errors; the release, debug
 * and tsan stages fork in the middle of everything.  Under ThreadSanitizer
 * a fork costs about a second (its shadow memory), so it forks 12 times;
 * ASan 30 times.
 *
 * Usage: test_fork [FORKS] (default 200; 30 under ASan, 12 under TSan).  Prints one
 * line of figures. */
#include "numapool.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define DEFAULT_FORKS 12
#elif defined(UNDER_ASAN)
#define DEFAULT_FORKS 30
#else
#define DEFAULT_FORKS 200
#endif

/* Under ASan: churning threads hold it for reading around each round, the
 * forking thread for writing around fork (see the file comment); writers
 * first, or two readers taking turns would keep the fork waiting. */
static pthread_rwlock_t quiet;

#define CHILD_SECONDS 30
#define THREADS 2

static atomic_int stop;
static atomic_ulong rounds;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *churn(void *arg)
{
    (void)arg;
    npool_config_t c = {.block_size = 64, .block_count = 2048, .pages = NPOOL_PAGES_BASE, .name = "churn"};
    void *b[200];
    while (!atomic_load(&stop)) {
        npool_t *pool;
#ifdef UNDER_ASAN
        pthread_rwlock_rdlock(&quiet);
#endif
        if (npool_create(&c, &pool) != 0) {
            fprintf(stderr, "test_fork: a churning create failed: %s\n", npool_last_error());
            abort();
        }
        for (int round = 0; round < 4; round++) {
            for (int k = 0; k < 200; k++)
                if (!(b[k] = npool_get(pool)))
                    abort();
            for (int k = 0; k < 200; k++)
                if (npool_put(pool, b[k]) != 0)
                    abort();
            npool_stats_t st;
            if (npool_coalesce(pool) != 0 || npool_stats(pool, &st) != 0)
                abort();
        }
        npool_destroy(pool);
#ifdef UNDER_ASAN
        pthread_rwlock_unlock(&quiet);
#endif
        atomic_fetch_add(&rounds, 1);
    }
    return NULL;
}

/* The child: a new pool, gets and puts through a cache, checked. */
static int child(void)
{
    npool_config_t c = {.block_size = 128, .block_count = 4096, .pages = NPOOL_PAGES_BASE, .name = "child"};
    npool_t *pool;
    void *b[300];
    if (npool_create(&c, &pool) != 0) {
        fprintf(stderr, "child: create: %s\n", npool_last_error());
        return 2;
    }
    for (int round = 0; round < 3; round++) {
        for (int k = 0; k < 300; k++)
            if (!(b[k] = npool_get(pool))) {
                fprintf(stderr, "child: get %d: %s\n", k, npool_last_error());
                return 3;
            }
        for (int k = 299; k >= 0; k--)
            if (npool_put(pool, b[k]) != 0) {
                fprintf(stderr, "child: put %d: %s\n", k, npool_last_error());
                return 4;
            }
    }
    npool_stats_t st;
    if (npool_coalesce(pool) != 0 || npool_stats(pool, &st) != 0 || st.blocks_held != 0 || st.blocks_cached != 0 ||
        npool_check(pool) != 0) {
        fprintf(stderr, "child: the pool is not whole: %s\n", npool_last_error());
        return 5;
    }
    npool_destroy(pool);
    return 0;
}

int main(int argc, char **argv)
{
    int forks = argc > 1 ? atoi(argv[1]) : DEFAULT_FORKS;
    unsetenv("NUMAPOOL_NODES");
    unsetenv("NUMAPOOL_PAGES");
    unsetenv("NUMAPOOL_VERBOSE");
    /* a pool of the main thread's own, with a cache that the children inherit */
    npool_config_t c = {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE, .name = "parent"};
    npool_t *mine;
    if (npool_create(&c, &mine) != 0) {
        fprintf(stderr, "test_fork: %s\n", npool_last_error());
        return 1;
    }
    void *held = npool_get(mine);
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&quiet, &ra);
    pthread_t th[THREADS];
    for (int k = 0; k < THREADS; k++)
        pthread_create(&th[k], NULL, churn, NULL);
    while (atomic_load(&rounds) < 4)     /* both threads are going */
        sched_yield();
    int bad = 0;
    double slowest = 0, t_start = now_s();
    for (int i = 0; i < forks && !bad; i++) {
        fflush(NULL);
#ifdef UNDER_ASAN
        pthread_rwlock_wrlock(&quiet);
#endif
        pid_t pid = fork();
#ifdef UNDER_ASAN
        if (pid != 0)
            pthread_rwlock_unlock(&quiet);
#endif
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            int rc = child();
            fflush(NULL);
#ifdef UNDER_ASAN
            /* LeakSanitizer would count the parent's pools' magazine buffers,
             * inherited in this heap but reachable only through the parent's
             * MADV_DONTFORK mappings, which the child does not have */
            _exit(rc);
#else
            exit(rc);   /* the library's exit handlers run too */
#endif
        }
        double t0 = now_s();
        int status = 0;
        pid_t w;
        while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now_s() - t0 < CHILD_SECONDS) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
        if (w == 0) {
            fprintf(stderr, "FAIL: child %d of %d still running after %d s (a lock inherited held?)\n", i, forks,
                    CHILD_SECONDS);
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            bad = 1;
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "FAIL: child %d of %d: %s %d\n", i, forks,
                    WIFEXITED(status) ? "exit status" : "killed by signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            bad = 1;
        }
        if (now_s() - t0 > slowest)
            slowest = now_s() - t0;
    }
    atomic_store(&stop, 1);
    for (int k = 0; k < THREADS; k++)
        pthread_join(th[k], NULL);
    if (npool_put(mine, held) != 0 || npool_check(mine) != 0) {
        fprintf(stderr, "FAIL: the parent's own pool after the forks: %s\n", npool_last_error());
        bad = 1;
    }
    npool_destroy(mine);
    printf("test_fork: %d forks in %.1f s while %d threads churned through %lu pools; %s (slowest child %.0f ms)\n",
           forks, now_s() - t_start, THREADS, atomic_load(&rounds),
           bad ? "a child FAILED" : "every child created, used and checked a pool and exited 0", slowest * 1e3);
    return bad;
}
