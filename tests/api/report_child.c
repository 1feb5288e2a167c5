/* The program test_report runs under each NUMAPOOL_STATS setting: it puts
 * pools through known histories and prints, on stdout, what npool_stats
 * says of each just before the library reports it (at destroy, or at exit),
 * so the test can hold the report's figures to the pool's own.  Sees only
 * numapool.h.
 *
 *   report_child basic        pools rep-a (left alive: reported at exit),
 *                             rep-b (destroyed), rep-c (a peak no call sampled),
 *                             and one with a name full of awkward bytes
 *   report_child one          one pool, left alive
 *   report_child three        three pools, left alive
 *   report_child hammer P T K P processes (forked here, sharing stdout,
 *                             stderr and any stats file) of T threads, each
 *                             creating, using and destroying K pools; each
 *                             process leaves one pool alive
 *   report_child secure       prints AT_SECURE, then as `one`
 *   report_child fork         pool "parent" alive across a fork; the child
 *                             makes pool "child" and exits (its exit report
 *                             must not touch the parent's pool, which it
 *                             does not have: arenas and pool are MADV_DONTFORK)
 *
 * stdout lines: "EXPECT <pool> key=value ..." (npool_stats' figures, and
 * held_peak_sampled / held_peak, the peaks this program made; sampled 0
 * when no call saw the peak), "PID <pid>" per process first, "SECURE <0|1>".  Exit 0, or 1 with the reason on stderr. */
#include "numapool.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
    fprintf(stderr, "report_child: %s: %s\n", what, npool_last_error());
    exit(1);
}

static npool_t *make(const char *name, size_t count)
{
    npool_config_t c = {.block_size = 100, .block_count = count, .pages = NPOOL_PAGES_BASE, .name = name};
    npool_t *p;
    if (npool_create(&c, &p) != 0)
        die(name);
    return p;
}

/* One line, one printf, flushed: the report comes after it. */
static void expect(npool_t *p, const char *tag, size_t peak_sampled, size_t peak)
{
    npool_stats_t s;
    if (npool_stats(p, &s) != 0)
        die("npool_stats");
    printf("EXPECT %s blocks_total=%zu blocks_held=%zu gets=%llu puts=%llu failed_gets=%llu refused_puts=%llu "
           "coalesces=%llu coalesce_ns_total=%llu coalesce_ns_max=%llu bytes_misplaced=%zu block_size=%zu "
           "page_size=%zu pages=%s node=%d held_peak_sampled=%zu held_peak=%zu\n", tag, s.blocks_total,
           s.blocks_held, (unsigned long long)s.gets, (unsigned long long)s.puts, (unsigned long long)s.failed_gets,
           (unsigned long long)s.refused_puts, (unsigned long long)s.coalesces,
           (unsigned long long)s.coalesce_ns_total, (unsigned long long)s.coalesce_ns_max, s.nodes[0].bytes_misplaced,
           s.block_size, s.nodes[0].page_size, npool_pages_name(s.nodes[0].backing), s.nodes[0].node, peak_sampled,
           peak);
    fflush(stdout);
}

static void basic(void)
{
    /* rep-a: all 64 blocks out (sampled there by npool_efficiency), 3 gets
     * refused, 54 back, 2 puts refused, 2 coalesces; alive at exit */
    npool_t *a = make("rep-a", 64);
    void *blk[64];
    for (int i = 0; i < 64; i++)
        if (!(blk[i] = npool_get(a)))
            die("rep-a get");
    for (int i = 0; i < 3; i++)
        if (npool_get(a) != NULL || errno != ENOMEM)
            die("rep-a: a get from an empty pool did not fail");
    if (npool_efficiency(a) != 100.0)
        die("rep-a: not 100% held");
    for (int i = 0; i < 54; i++)
        if (npool_put(a, blk[i]) != 0)
            die("rep-a put");
    int local;
    if (npool_put(a, &local) != -EINVAL || npool_put(a, blk[0]) != -EALREADY)
        die("rep-a: a bad put was not refused");
    if (npool_coalesce(a) != 0 || npool_coalesce(a) != 0)
        die("rep-a coalesce");

    /* rep-b: 20 out, sampled by npool_stats, 15 back; destroyed */
    npool_t *b = make("rep-b", 64);
    for (int i = 0; i < 20; i++)
        if (!(blk[i] = npool_get(b)))
            die("rep-b get");
    npool_stats_t s;
    if (npool_stats(b, &s) != 0 || s.blocks_held != 20)
        die("rep-b: 20 held");
    for (int i = 0; i < 15; i++)
        if (npool_put(b, blk[i]) != 0)
            die("rep-b put");
    expect(b, "rep-b", 20, 20);
    npool_destroy(b);

    /* rep-c: 30 out and 25 back with no call that samples in between */
    npool_t *c = make("rep-c", 64);
    for (int i = 0; i < 30; i++)
        if (!(blk[i] = npool_get(c)))
            die("rep-c get");
    for (int i = 0; i < 25; i++)
        if (npool_put(c, blk[i]) != 0)
            die("rep-c put");

    /* a name a report must escape: quotes, backslash, control bytes, a
     * newline, UTF-8, a byte that is not UTF-8, and the name's 63-byte cut
     * falling inside the last "é" (26 + 36 dashes + its first byte) */
    char odd[80];
    snprintf(odd, sizeof odd, "q'u\"o\\te\nnew\tline\x01 caf\xc3\xa9 \xff%s\xc3\xa9",
             "------------------------------------");
    npool_t *d = make(odd, 16);
    (void)d;

    expect(c, "rep-c", 0, 30);
    expect(a, "rep-a", 64, 64);
}

struct hammer_arg { int proc, thread, pools; };

static void *hammer_thread(void *arg)
{
    const struct hammer_arg *h = arg;
    for (int k = 0; k < h->pools; k++) {
        char name[128];     /* the pool keeps 63 bytes of it */
        /* long names: long lines, more room to interleave if writes were split */
        snprintf(name, sizeof name, "hammer-p%d-t%d-k%d-%.40s", h->proc, h->thread, k,
                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        npool_t *p = make(name, 32);
        void *b[8];
        for (int i = 0; i < 8; i++)
            if (!(b[i] = npool_get(p)))
                die("hammer get");
        for (int i = 0; i < 8 - k % 4; i++)
            if (npool_put(p, b[i]) != 0)
                die("hammer put");
        npool_destroy(p);
    }
    return NULL;
}

static void hammer(int procs, int threads, int pools)
{
    int proc = 0;
    for (int i = 1; i < procs; i++) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            proc = i;
            break;
        }
    }
    printf("PID %ld\n", (long)getpid());
    fflush(stdout);
    pthread_t t[64];
    struct hammer_arg arg[64];
    if (threads > 64)
        threads = 64;
    for (int i = 0; i < threads; i++) {
        arg[i] = (struct hammer_arg){proc, i, pools};
        if (pthread_create(&t[i], NULL, hammer_thread, &arg[i]) != 0)
            die("pthread_create");
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    char name[64];
    snprintf(name, sizeof name, "hammer-p%d-alive", proc);
    (void)make(name, 32);
    if (proc == 0) {
        int bad = 0, st;
        while (wait(&st) > 0)
            bad |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
        if (bad)
            die("a hammer process failed");
    }
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "hammer")) {
        printf("PID %ld\n", (long)getpid());
        fflush(stdout);
    }
    if (!strcmp(mode, "basic")) {
        basic();
    } else if (!strcmp(mode, "one") || !strcmp(mode, "secure")) {
        if (!strcmp(mode, "secure"))
            printf("SECURE %lu\n", getauxval(AT_SECURE));
        npool_t *p = make("one", 64);
        expect(p, "one", 0, 0);
    } else if (!strcmp(mode, "three")) {
        make("one", 64), make("two", 64), make("three", 64);
    } else if (!strcmp(mode, "fork")) {
        make("parent", 64);
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            printf("PID %ld\n", (long)getpid());
            make("child", 32);
            exit(0);
        }
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            die("the forked child failed");
    } else if (!strcmp(mode, "hammer") && argc == 5) {
        hammer(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
    } else {
        fprintf(stderr, "usage: report_child basic|one|three|secure|fork|hammer P T K\n");
        return 2;
    }
    return 0;
}
