/* numapool-bench, the driver.  It owns the plan and the report: which
 * workers run (each contender in a child process of its own, the malloc
 * family by re-executing this binary with LD_PRELOAD, DPDK and numapool as
 * sibling executables), the 2 MiB hugepages the create and TLB scenarios
 * need (raised as root on the local node, restored at exit), and what is
 * printed: a table with median and spread over repetitions, each figure also
 * divided by the out-of-line LIFO measured in the same process, the targets
 * numapool aims at, with PASS/MISS, and optionally JSON, CSV and a gnuplot chart.
 * The workers speak the line format described in bench.h. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* ---- what the workers said ---- */

struct rec {
    int proc;
    char impl[24], scen[16];
    size_t size;
    int threads, rep;
    double v;
};

struct skip {
    int proc;
    char impl[24], scen[16];
    size_t size;
    char why[400];
};

static struct rec *recs;
static size_t nrecs, caprecs;
static struct skip skips[256];
static size_t nskips;
static char infos[64][400];
static size_t ninfos;

struct worker {
    const char *name;   /* the contender's name, also the impl label of its rows */
    char exe[PATH_MAX];
    const char *preload;
    int present, failed;
    char why[400];
};

enum { W_GLIBC, W_JEMALLOC, W_MIMALLOC, W_TCMALLOC, W_DPDK, W_NPSTATIC, W_NPSHARED, NWORKERS };
static struct worker workers[NWORKERS] = {
    {.name = "glibc"}, {.name = "jemalloc"}, {.name = "mimalloc"}, {.name = "tcmalloc"},
    {.name = "dpdk"}, {.name = "numapool-static"}, {.name = "numapool-shared"},
};

#ifndef BENCH_JEMALLOC_PATH
#define BENCH_JEMALLOC_PATH "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
#endif
#ifndef BENCH_MIMALLOC_PATH
#define BENCH_MIMALLOC_PATH "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"
#endif
#ifndef BENCH_TCMALLOC_PATH
#define BENCH_TCMALLOC_PATH "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"
#endif

/* ---- hugepages: raised here, restored at exit, even on ^C ---- */

static int huge_node = -1;
static long huge_old = -1;
static char huge_restore_path[160], huge_restore_text[32];

static void huge_restore(void)
{
    if (huge_old < 0)
        return;
    bench_huge_set_total(huge_node, huge_old);
    huge_old = -1;
}

static void on_signal(int sig)
{
    if (huge_old >= 0) { /* async-signal-safe: open/write/close of prepared text */
        int fd = open(huge_restore_path, O_WRONLY);
        if (fd >= 0) {
            ssize_t w = write(fd, huge_restore_text, strlen(huge_restore_text));
            (void)w;
            close(fd);
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Make `need` free 2 MiB pages available on the local node; a sentence in
 * `note` says what happened.  0 when they are there. */
static int huge_reserve(long need, char *note, size_t len)
{
    int node = bench_local_node();
    long freep = bench_huge_free(node), total = bench_huge_total(node);
    if (freep < 0 || total < 0) {
        snprintf(note, len, "no 2 MiB hugepage counters for node %d", node);
        return -1;
    }
    if (freep >= need) {
        snprintf(note, len, "node %d has %ld free 2 MiB hugepages (%ld needed)", node, freep, need);
        return 0;
    }
    if (geteuid() != 0) {
        snprintf(note, len, "node %d has %ld free 2 MiB hugepages, %ld needed, and the bench is not root to reserve more",
                 node, freep, need);
        return -1;
    }
    huge_node = node;
    huge_old = total;
    snprintf(huge_restore_path, sizeof huge_restore_path,
             access("/sys/devices/system/node/node0/hugepages", F_OK) == 0
                 ? "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/nr_hugepages"
                 : "/proc/sys/vm/nr_hugepages%.0d",
             node);
    snprintf(huge_restore_text, sizeof huge_restore_text, "%ld\n", total);
    atexit(huge_restore);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int rc = bench_huge_set_total(node, total + (need - freep));
    long now = bench_huge_free(node);
    if (rc != 0 || now < need) {
        snprintf(note, len, "node %d: raised nr_hugepages from %ld but only %ld of %ld needed are free (%s)", node,
                 total, now, need, rc ? strerror(-rc) : "memory too fragmented?");
        huge_restore();
        return -1;
    }
    snprintf(note, len, "node %d: nr_hugepages raised from %ld to %ld for this run (restored at exit)", node, total,
             total + (need - freep));
    return 0;
}

/* ---- running a worker ---- */

static int progress_tty;

static void progress(const char *text)
{
    if (progress_tty)
        fprintf(stderr, "\r%-78.78s", text);
}

static void progress_end(void)
{
    if (progress_tty)
        fprintf(stderr, "\r%78s\r", "");
}

static void add_rec(const struct rec *r)
{
    if (nrecs == caprecs) {
        caprecs = caprecs ? 2 * caprecs : 1024;
        recs = realloc(recs, caprecs * sizeof *recs);
        if (recs == NULL)
            bench_die("out of memory");
    }
    recs[nrecs++] = *r;
}

static void parse_line(int proc, char *line, int widx, int nw)
{
    line[strcspn(line, "\n")] = 0;
    if (line[0] == 'M' && line[1] == ' ') {
        struct rec r = {.proc = proc};
        if (sscanf(line + 2, "%23s %15s %zu %d %d %lf", r.impl, r.scen, &r.size, &r.threads, &r.rep, &r.v) == 6)
            add_rec(&r);
    } else if (line[0] == 'S' && line[1] == ' ' && nskips < sizeof skips / sizeof *skips) {
        struct skip *s = &skips[nskips];
        int off = 0;
        s->proc = proc;
        if (sscanf(line + 2, "%23s %15s %zu %n", s->impl, s->scen, &s->size, &off) >= 3) {
            snprintf(s->why, sizeof s->why, "%s", line + 2 + off);
            nskips++;
        }
    } else if (line[0] == 'X' && line[1] == ' ' && ninfos < sizeof infos / sizeof *infos) {
        snprintf(infos[ninfos++], sizeof infos[0], "%.24s: %.360s", workers[proc].name, line + 2);
    } else if (line[0] == 'P' && line[1] == ' ') {
        char text[160];
        snprintf(text, sizeof text, "[%d/%d] %.120s", widx, nw, line + 2);
        progress(text);
    }
}

static int run_worker(int proc, char *const *argv, int widx, int nw)
{
    struct worker *w = &workers[proc];
    int fds[2];
    if (pipe(fds) != 0)
        bench_die("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        bench_die("fork: %s", strerror(errno));
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        if (w->preload)
            setenv("LD_PRELOAD", w->preload, 1);
        execv(w->exe, argv);
        fprintf(stderr, "numapool-bench: exec %s: %s\n", w->exe, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        parse_line(proc, line, widx, nw);
    if (f)
        fclose(f);
    int st;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        w->failed = 1;
        if (WIFSIGNALED(st))
            snprintf(w->why, sizeof w->why, "worker killed by signal %d", WTERMSIG(st));
        else
            snprintf(w->why, sizeof w->why, "worker exited with status %d", WEXITSTATUS(st));
        return -1;
    }
    return 0;
}

/* ---- statistics ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct summary {
    int n;
    double med, min, max, q1, q3;
};

static double quantile(const double *s, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)pos;
    return i + 1 < n ? s[i] + (pos - i) * (s[i + 1] - s[i]) : s[i];
}

static struct summary summarise(double *v, int n)
{
    struct summary s = {.n = n, .med = NAN, .min = NAN, .max = NAN, .q1 = NAN, .q3 = NAN};
    if (n == 0)
        return s;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    s.min = v[0], s.max = v[n - 1];
    s.med = quantile(v, n, 0.5), s.q1 = quantile(v, n, 0.25), s.q3 = quantile(v, n, 0.75);
    return s;
}

static const struct rec *find(int proc, const char *impl, const char *scen, size_t size, int threads, int rep)
{
    for (size_t i = 0; i < nrecs; i++) {
        const struct rec *r = &recs[i];
        if (r->proc == proc && r->size == size && r->threads == threads && r->rep == rep &&
            strcmp(r->impl, impl) == 0 && strcmp(r->scen, scen) == 0)
            return r;
    }
    return NULL;
}

/* Raw values (den == NULL) or per-repetition ratios impl / den of the same
 * process, scenario, size and thread count; proc < 0 pools every process. */
static struct summary collect(int proc, const char *impl, const char *den, const char *scen, size_t size, int threads)
{
    static double v[4096];
    int n = 0;
    for (size_t i = 0; i < nrecs && n < 4096; i++) {
        const struct rec *r = &recs[i];
        if ((proc >= 0 && r->proc != proc) || r->size != size || r->threads != threads ||
            strcmp(r->impl, impl) != 0 || strcmp(r->scen, scen) != 0)
            continue;
        if (den == NULL) {
            v[n++] = r->v;
        } else {
            const struct rec *d = find(r->proc, den, scen, size, threads, r->rep);
            if (d && d->v > 0)
                v[n++] = r->v / d->v;
        }
    }
    return summarise(v, n);
}

/* A contender's figure divided by its own process's LIFO. */
static struct summary norm_of(int w, const char *scen, size_t size, int threads)
{
    return collect(w, workers[w].name, "lifo", scen, size, threads);
}

/* Per-repetition speedup of impl in process w from a to b threads in a
 * thread pattern: throughput(b) / throughput(a) = ns(a) / ns(b). */
static struct summary speedup_of(int w, const char *impl, const char *scen, int a, int b)
{
    static double v[1024];
    int k = 0;
    for (size_t i = 0; i < nrecs && k < 1024; i++) {
        const struct rec *r = &recs[i];
        if ((w >= 0 && r->proc != w) || r->size != 64 || r->threads != b || strcmp(r->impl, impl) != 0 ||
            strcmp(r->scen, scen) != 0)
            continue;
        const struct rec *one = find(r->proc, impl, scen, 64, a, r->rep);
        if (one != NULL && r->v > 0)
            v[k++] = one->v / r->v;
    }
    return summarise(v, k);
}

struct options {
    struct bench_opts w;
    int quick, full;
    const char *json, *csv, *plot;
    char contenders[256];
};

static void usage(FILE *f)
{
    fputs("usage: numapool-bench [--quick | --full] [--reps N] [--sizes 64,256,4096]\n"
          "       numapool-bench threads [options]   (the thread patterns tbatch and tpc only)\n"
          "                      [--scenarios pingpong,batch,bulk32,tbatch,tpc,threads,create,coalesce,tlb | all]\n"
          "                      [--contenders glibc,jemalloc,mimalloc,tcmalloc,dpdk,numapool-static,numapool-shared]\n"
          "                      [--threads 1,2,8] [--tlb-size BYTES[K|M|G]] [--json FILE] [--csv FILE] [--plot FILE.png]\n"
          "Default: every scenario, 64/256/4096 B, 5 repetitions, under a minute on 2 cores.\n"
          "--quick: 3 repetitions, shorter loops, a 256 MiB TLB kernel.  --full: 11 repetitions, 4x longer loops.\n"
          "See tools/bench/README.md for what each column means.\n",
          f);
}

static size_t parse_bytes(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    switch (*end) {
    case 'k': case 'K': v <<= 10; break;
    case 'm': case 'M': v <<= 20; break;
    case 'g': case 'G': v <<= 30; break;
    default: break;
    }
    return (size_t)v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    int reps = 0, threads = 0;
    size_t tlb = 0;
    memset(o, 0, sizeof *o);
    o->w.sizes[0] = 64, o->w.sizes[1] = 256, o->w.sizes[2] = 4096, o->w.nsizes = 3;
    o->w.scen = BENCH_S_LOOPS | BENCH_S_SPECIAL;
    snprintf(o->contenders, sizeof o->contenders, "all");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        char bad[64];
        if (i == 1 && strcmp(a, "threads") == 0) {     /* `numapool-bench threads`: the thread patterns only */
            o->w.scen = BENCH_S_THREADS;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
            continue;
        } else if (strcmp(a, "--full") == 0) {
            o->full = 1;
            continue;
        }
        if (v == NULL) {
            usage(stderr);
            exit(2);
        }
        i++;
        if (strcmp(a, "--reps") == 0 && atoi(v) > 0) {
            reps = atoi(v);
        } else if (strcmp(a, "--sizes") == 0) {
            int n = bench_parse_sizes(v, o->w.sizes, 8);
            if (n <= 0)
                bench_die("--sizes: a comma-separated list of up to 8 sizes in bytes");
            o->w.nsizes = (size_t)n;
        } else if (strcmp(a, "--scenarios") == 0) {
            if ((o->w.scen = bench_parse_scenarios(v, bad, sizeof bad)) == 0)
                bench_die("--scenarios: unknown scenario '%s'", bad);
        } else if (strcmp(a, "--contenders") == 0) {
            snprintf(o->contenders, sizeof o->contenders, "%s", v);
        } else if (strcmp(a, "--threads") == 0) {
            if ((o->w.ntcounts = bench_parse_counts(v, o->w.tcounts, BENCH_MAX_TCOUNTS)) <= 0)
                bench_die("--threads: up to %d thread counts from 1 to %d, e.g. 1,2,8", BENCH_MAX_TCOUNTS,
                          BENCH_MAX_THREADS);
            threads = 1;
        } else if (strcmp(a, "--tlb-size") == 0 && parse_bytes(v) >= 8192) {
            tlb = parse_bytes(v);
        } else if (strcmp(a, "--json") == 0) {
            o->json = v;
        } else if (strcmp(a, "--csv") == 0) {
            o->csv = v;
        } else if (strcmp(a, "--plot") == 0) {
            o->plot = v;
        } else {
            usage(stderr);
            exit(2);
        }
    }
    o->w.reps = reps ? reps : o->full ? 11 : o->quick ? 3 : 5;
    o->w.scale = o->full ? 4.0 : o->quick ? 0.25 : 1.0;
    o->w.tlb_bytes = tlb ? tlb : o->quick ? (size_t)256 << 20 : (size_t)2 << 30;
    o->w.tlb_bytes = o->w.tlb_bytes / (2u << 20) * (2u << 20);
    if (o->w.tlb_bytes == 0)
        o->w.tlb_bytes = 2u << 20;

    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        bench_die("sched_getaffinity: %s", strerror(errno));
    for (int c = 0; c < CPU_SETSIZE && o->w.ncpus < BENCH_MAX_THREADS; c++)
        if (CPU_ISSET(c, &set))
            o->w.cpus[o->w.ncpus++] = c;
    if (!threads) {     /* 1, 2, every CPU when more, and 4 per CPU (oversubscribed) */
        int c = o->w.ncpus, over = 4 * c > BENCH_MAX_THREADS ? BENCH_MAX_THREADS : 4 * c;
        o->w.ntcounts = 0;
        o->w.tcounts[o->w.ntcounts++] = 1;
        o->w.tcounts[o->w.ntcounts++] = 2;
        if (c > 2)
            o->w.tcounts[o->w.ntcounts++] = c;
        if (over > 2 && over > c)
            o->w.tcounts[o->w.ntcounts++] = over;
    }
}

static int contender_wanted(const struct options *o, const char *name)
{
    if (strcmp(o->contenders, "all") == 0)
        return 1;
    size_t len = strlen(name);
    for (const char *p = o->contenders; *p;) {
        size_t l = strcspn(p, ",");
        if (l == len && strncmp(p, name, l) == 0)
            return 1;
        p += l + (p[l] == ',');
    }
    return 0;
}

/* ---- the report ---- */

static const char *scen_unit(const char *scen)
{
    if (strcmp(scen, "pingpong") == 0)
        return "ns per get+put pair";
    return "ns per block (one get + one put)";
}

static void print_loop_table(const struct options *o, const char *scen)
{
    for (size_t s = 0; s < o->w.nsizes; s++) {
        size_t size = o->w.sizes[s];
        struct summary np = norm_of(W_NPSHARED, scen, size, 1);
        printf("\n%s, %zu B blocks (%s)\n", scen, size, scen_unit(scen));
        printf("  %-22s %9s %9s %9s %8s %17s %10s\n", "contender", "median", "min", "max", "/LIFO", "/LIFO min..max",
               "np-shr/it");
        static const char *const refs[2] = {"lifo", "idxstack"};
        for (int k = 0; k < 2; k++) {
            struct summary r = collect(-1, refs[k], NULL, scen, size, 1);
            struct summary nr = collect(-1, refs[k], "lifo", scen, size, 1);
            if (r.n == 0)
                continue;
            printf("  %-22s %9.3f %9.3f %9.3f %8.3f %8.3f..%-8.3f %10s\n",
                   k == 0 ? "ideal LIFO out-of-line" : "ideal index stack", r.med, r.min, r.max, nr.med, nr.min,
                   nr.max, "");
        }
        for (int w = 0; w < NWORKERS; w++) {
            if (!workers[w].present)
                continue;
            struct summary r = collect(w, workers[w].name, NULL, scen, size, 1);
            struct summary nr = norm_of(w, scen, size, 1);
            if (r.n == 0) {
                printf("  %-22s %9s\n", workers[w].name, "-");
                continue;
            }
            char vs[16] = "";
            if (np.n && nr.n)
                snprintf(vs, sizeof vs, "%.3f", np.med / nr.med);
            printf("  %-22s %9.3f %9.3f %9.3f %8.3f %8.3f..%-8.3f %10s\n", workers[w].name, r.med, r.min, r.max,
                   nr.med, nr.min, nr.max, vs);
        }
    }
}

static const char *pattern_title(const char *scen)
{
    return !strcmp(scen, "tbatch") ? "batch per thread: each thread gets 4096 blocks, puts them back shuffled"
                                   : "producer -> consumer: pairs of threads, 256 blocks handed at a time";
}

/* Throughput in M blocks/s from ns per block. */
static double mbps(double ns)
{
    return ns > 0 ? 1e3 / ns : NAN;
}

static void print_threads_table(const struct options *o)
{
    static const char *const scens[2] = {"tbatch", "tpc"};
    static const unsigned bits[2] = {BENCH_S_TBATCH, BENCH_S_TPC};
    printf("\nthreads: one shared pool of %u blocks of 64 B, thread i pinned on CPU i mod %d (", BENCH_TPOOL,
           o->w.ncpus);
    for (int i = 0; i < o->w.ncpus; i++)
        printf("%s%d", i ? "," : "", o->w.cpus[i]);
    printf(")\n(M blocks/s moved, one get + one put each, medians; speedups from per-repetition ratios)\n");
    for (int p = 0; p < 2; p++) {
        if (!(o->w.scen & bits[p]))
            continue;
        printf("\n  %s\n  %-22s", pattern_title(scens[p]), "contender");
        for (int t = 0; t < o->w.ntcounts; t++)
            printf(" %7d thr", o->w.tcounts[t]);
        for (int t = 1; t < o->w.ntcounts; t++)
            printf(" %5d/%-3d", o->w.tcounts[t], o->w.tcounts[t - 1]);
        printf("\n");
        for (int w = -1; w < NWORKERS; w++) {
            if (w >= 0 && !workers[w].present)
                continue;
            const char *impl = w >= 0 ? workers[w].name : "lifo";
            if (w < 0 && p == 1)
                continue;   /* a per-thread LIFO hands nothing to another thread */
            struct summary s0 = collect(w, impl, NULL, scens[p], 64, o->w.tcounts[0]);
            printf("  %-22s", w >= 0 ? impl : "ideal LIFO, per thread");
            if (s0.n == 0) {
                printf(" %11s\n", "-");
                continue;
            }
            for (int t = 0; t < o->w.ntcounts; t++)
                printf(" %11.1f", mbps(collect(w, impl, NULL, scens[p], 64, o->w.tcounts[t]).med));
            for (int t = 1; t < o->w.ntcounts; t++)
                printf(" %9.2f", speedup_of(w, impl, scens[p], o->w.tcounts[t - 1], o->w.tcounts[t]).med);
            printf("\n");
        }
        printf("  %-22s", "numapool lock acq/1000");
        for (int t = 0; t < o->w.ntcounts; t++) {
            struct summary a = collect(W_NPSHARED, "lock-acq", NULL, scens[p], 64, o->w.tcounts[t]);
            printf(" %11.2f", a.n ? a.med : NAN);
        }
        printf("\n  %-22s", "numapool lock hold ns");
        for (int t = 0; t < o->w.ntcounts; t++) {
            struct summary a = collect(W_NPSHARED, "lock-ns", NULL, scens[p], 64, o->w.tcounts[t]);
            printf(" %11.1f", a.n ? a.med : NAN);
        }
        printf("   (numapool-shared: node lock acquisitions per 1000 blocks, mean hold time)\n");
    }
}

static struct summary create_ratio(void)
{
    static double v[512];
    int k = 0;
    for (size_t i = 0; i < nrecs && k < 512; i++) {
        const struct rec *r = &recs[i];
        if (strcmp(r->scen, "create") || strcmp(r->impl, "numapool"))
            continue;
        const struct rec *b = find(r->proc, "bare-mmap", "create", r->size, 1, r->rep);
        if (b && b->v > 0)
            v[k++] = r->v / b->v;
    }
    return summarise(v, k);
}

static void print_specials(const struct options *o)
{
    if (o->w.scen & BENCH_S_CREATE) {
        struct summary b = collect(W_NPSHARED, "bare-mmap", NULL, "create", 4096, 1);
        struct summary p = collect(W_NPSHARED, "numapool", NULL, "create", 4096, 1);
        struct summary r = create_ratio();
        printf("\ncreate: 1 GiB of 4 KiB blocks on 2 MiB pages (ms; interleaved pairs)\n");
        if (r.n) {
            printf("  %-22s %9.2f ms [%.2f..%.2f]  %.1f GB/s\n", "bare mmap+mbind+populate", b.med, b.min, b.max,
                   1.073741824 / (b.med / 1e3));
            printf("  %-22s %9.2f ms [%.2f..%.2f]  %.1f GB/s\n", "npool_create", p.med, p.min, p.max,
                   1.073741824 / (p.med / 1e3));
            printf("  %-22s %9.3f    [%.3f..%.3f] (median of per-pair ratios)\n", "ratio", r.med, r.min, r.max);
        }
    }
    if (o->w.scen & BENCH_S_COALESCE) {
        struct summary c = collect(W_NPSHARED, "numapool", NULL, "coalesce", 64, 1);
        printf("\ncoalesce: 1 M blocks of 64 B, a random half held, the caller's cache full\n");
        if (c.n)
            printf("  %-22s %9.1f us [%.1f..%.1f] over %d calls\n", "npool_coalesce", c.med / 1e3, c.min / 1e3,
                   c.max / 1e3, c.n);
    }
    if (o->w.scen & BENCH_S_TLB) {
        printf("\ntlb: random gather over %zu MiB of 4 KiB blocks (ns per load)\n", o->w.tlb_bytes >> 20);
        static const char *const kinds[2] = {"tlb-dep", "tlb-ind"};
        for (int k = 0; k < 2; k++) {
            struct summary h = collect(W_NPSHARED, "hugepool", NULL, kinds[k], 4096, 1);
            struct summary m = collect(W_NPSHARED, "malloc-nothp", NULL, kinds[k], 4096, 1);
            struct summary g = collect(W_NPSHARED, "malloc-nothp", "hugepool", kinds[k], 4096, 1);
            if (h.n == 0)
                continue;
            printf("  %-22s hugepage pool %7.2f  malloc, THP off %7.2f  gain %.2fx [%.2f..%.2f]\n",
                   k ? "independent loads" : "dependent (chase)", h.med, m.med, g.med, g.min, g.max);
        }
    }
}

struct target {
    char name[80];
    size_t size;
    double ratio, limit;
    int lower_better; /* ratio <= limit passes; else ratio >= limit */
    char verdict[16];
    char note[160];
};

static struct target targets[64];
static size_t ntargets;

static void add_target(const char *name, size_t size, double ratio, double limit, int lower_better, const char *why_na)
{
    if (ntargets == sizeof targets / sizeof *targets)
        return;
    struct target *t = &targets[ntargets++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->size = size, t->ratio = ratio, t->limit = limit, t->lower_better = lower_better;
    if (why_na != NULL || isnan(ratio)) {
        snprintf(t->verdict, sizeof t->verdict, "n/a");
        snprintf(t->note, sizeof t->note, "%s", why_na ? why_na : "not measured");
        t->ratio = NAN;
    } else if (isnan(limit)) {
        snprintf(t->verdict, sizeof t->verdict, "INFO");
    } else {
        int ok = lower_better ? ratio <= limit : ratio >= limit;
        snprintf(t->verdict, sizeof t->verdict, "%s", ok ? "PASS" : "MISS");
    }
}

static const char *absent_why(int w)
{
    static char buf[300];
    if (!workers[w].present)
        snprintf(buf, sizeof buf, "%s absent: %s", workers[w].name, workers[w].why);
    else if (workers[w].failed)
        snprintf(buf, sizeof buf, "%s failed: %s", workers[w].name, workers[w].why);
    else
        snprintf(buf, sizeof buf, "%s: no result", workers[w].name);
    return buf;
}

/* The thread targets (numapool-shared, as users link it). */
static void thread_targets(const struct options *o)
{
    int i2 = -1, io = -1, ic = -1;
    for (int t = 0; t < o->w.ntcounts; t++) {
        if (o->w.tcounts[t] == 2)
            i2 = t;
        if (o->w.tcounts[t] > o->w.ncpus && o->w.tcounts[t] > 2)
            io = t;
        if (o->w.tcounts[t] == o->w.ncpus && o->w.ncpus >= 4)
            ic = t;
    }
    const char *np = workers[W_NPSHARED].name;
    const char *why = workers[W_NPSHARED].present ? NULL : absent_why(W_NPSHARED);
    for (int p = 0; p < 2; p++) {
        const char *scen = p ? "tpc" : "tbatch";
        unsigned bit = p ? BENCH_S_TPC : BENCH_S_TBATCH;
        if (!(o->w.scen & bit))
            continue;
        char name[96];
        /* the better of tcmalloc and mimalloc at 2 threads, raw throughput */
        double best = NAN;
        const char *bestname = "tcmalloc/mimalloc";
        for (int w = W_MIMALLOC; w <= W_TCMALLOC; w++) {
            if (!workers[w].present)
                continue;
            struct summary m = collect(w, workers[w].name, NULL, scen, 64, 2);
            if (m.n && (isnan(best) || m.med < best))
                best = m.med, bestname = workers[w].name;
        }
        struct summary n2 = collect(W_NPSHARED, np, NULL, scen, 64, 2);
        if (i2 < 0) {
            add_target(p ? "tpc: 2 threads, numapool / best malloc" : "tbatch: 2 threads / 1", 64, NAN, 1, 0,
                       "--threads has no count 2");
        } else if (!p) {
            struct summary sp = speedup_of(W_NPSHARED, np, scen, 1, 2);
            add_target("tbatch: 2 threads / 1 thread throughput", 64, sp.med, 1.8, 0, why ? why : sp.n ? NULL :
                       "not measured");
            snprintf(name, sizeof name, "tbatch: 2 threads, numapool / %s throughput", bestname);
            add_target(name, 64, n2.n && !isnan(best) ? best / n2.med : NAN, 1.0, 0,
                       why ? why : isnan(best) ? "neither tcmalloc nor mimalloc measured" : NULL);
        } else {
            snprintf(name, sizeof name, "tpc: 2 threads, numapool / %s throughput", bestname);
            add_target(name, 64, n2.n && !isnan(best) ? best / n2.med : NAN, 3.0, 0,
                       why ? why : isnan(best) ? "neither tcmalloc nor mimalloc measured" : NULL);
        }
        if (io >= 0 && i2 >= 0) {
            snprintf(name, sizeof name, "%s: %d threads (oversubscribed) / 2 threads throughput", scen,
                     o->w.tcounts[io]);
            struct summary so = speedup_of(W_NPSHARED, np, scen, 2, o->w.tcounts[io]);
            add_target(name, 64, so.med, 0.9, 0, why ? why : so.n ? NULL : "not measured");
        }
        if (ic >= 0 && !p) {
            snprintf(name, sizeof name, "tbatch: %d threads / 1 thread, per 2 cores", o->w.ncpus);
            struct summary sc = speedup_of(W_NPSHARED, np, scen, 1, o->w.ncpus);
            add_target(name, 64, sc.n ? sc.med * 2.0 / o->w.ncpus : NAN, 1.9, 0, why ? why : NULL);
        }
    }
}

static void compute_targets(const struct options *o)
{
    for (size_t s = 0; s < o->w.nsizes; s++) {
        size_t size = o->w.sizes[s];
        struct summary shr = norm_of(W_NPSHARED, "pingpong", size, 1);
        struct summary sta = norm_of(W_NPSTATIC, "pingpong", size, 1);
        struct summary dp = norm_of(W_DPDK, "pingpong", size, 1);
        double best = NAN;
        char bestname[80] = "ping-pong shared / fastest malloc";
        for (int w = W_GLIBC; w <= W_TCMALLOC; w++) {
            struct summary m = norm_of(w, "pingpong", size, 1);
            if (m.n && (isnan(best) || m.med < best)) {
                best = m.med;
                snprintf(bestname, sizeof bestname, "ping-pong shared / fastest malloc (%s)", workers[w].name);
            }
        }
        if (o->w.scen & BENCH_S_PINGPONG) {
            add_target(bestname, size, shr.n ? shr.med / best : NAN, 1.0, 1,
                       !shr.n ? absent_why(W_NPSHARED) : isnan(best) ? "no malloc-family contender measured" : NULL);
            add_target("ping-pong shared / DPDK (cache 512)", size, shr.med / dp.med, 0.67, 1,
                       !shr.n ? absent_why(W_NPSHARED) : !dp.n ? absent_why(W_DPDK) : NULL);
            add_target("ping-pong static / out-of-line LIFO", size, sta.med, 1.5, 1,
                       sta.n ? NULL : absent_why(W_NPSTATIC));
        }
        if (o->w.scen & BENCH_S_BATCH) {
            struct summary a = norm_of(W_NPSHARED, "batch", size, 1), b = norm_of(W_DPDK, "batch", size, 1);
            add_target("batch 4096 shuffled shared / DPDK", size, a.med / b.med, 0.75, 1,
                       !a.n ? absent_why(W_NPSHARED) : !b.n ? absent_why(W_DPDK) : NULL);
        }
        if (o->w.scen & BENCH_S_BULK) {
            struct summary a = norm_of(W_NPSHARED, "bulk32", size, 1), b = norm_of(W_DPDK, "bulk32", size, 1);
            add_target("bulk of 32 shared / DPDK bulk of 32", size, a.med / b.med, 1.0, 1,
                       !a.n ? absent_why(W_NPSHARED) : !b.n ? absent_why(W_DPDK) : NULL);
        }
    }
    if (o->w.scen & BENCH_S_THREADS)
        thread_targets(o);
    if (o->w.scen & BENCH_S_CREATE) {
        struct summary r = create_ratio();
        const char *why = NULL;
        for (size_t i = 0; i < nskips; i++)
            if (strcmp(skips[i].scen, "create") == 0)
                why = skips[i].why;
        add_target("create 1 GiB 2M pages / bare mmap+mbind+populate", 4096, r.med, 1.1, 1, r.n ? NULL : why);
    }
    if (o->w.scen & BENCH_S_COALESCE) {
        struct summary c = collect(W_NPSHARED, "numapool", NULL, "coalesce", 64, 1);
        add_target("coalesce 1M blocks, half held (ms)", 64, c.n ? c.med / 1e6 : NAN, 1.0, 1,
                   c.n ? NULL : "not measured");
    }
    if (o->w.scen & BENCH_S_TLB) {
        struct summary g = collect(W_NPSHARED, "malloc-nothp", "hugepool", "tlb-dep", 4096, 1);
        const char *why = NULL;
        for (size_t i = 0; i < nskips; i++)
            if (strcmp(skips[i].scen, "tlb") == 0)
                why = skips[i].why;
        char thp[32];
        bench_thp_mode(thp, sizeof thp);
        char name[80];
        snprintf(name, sizeof name, "TLB gain, dependent gather (THP %s)", thp);
        add_target(name, 4096, g.med, NAN, 0, g.n ? NULL : why);
        g = collect(W_NPSHARED, "malloc-nothp", "hugepool", "tlb-ind", 4096, 1);
        snprintf(name, sizeof name, "TLB gain, independent gather (THP %s)", thp);
        add_target(name, 4096, g.med, NAN, 0, g.n ? NULL : why);
    }
}

static void print_targets(void)
{
    printf("\ntargets (each a ratio numapool / reference: of per-process /LIFO medians, or of throughputs for the thread patterns)\n");
    printf("  %-56s %6s %8s %8s  %s\n", "target", "size", "ratio", "limit", "verdict");
    for (size_t i = 0; i < ntargets; i++) {
        const struct target *t = &targets[i];
        char lim[16] = "";
        if (!isnan(t->limit))
            snprintf(lim, sizeof lim, "%s%.2f", t->lower_better ? "<=" : ">=", t->limit);
        if (isnan(t->ratio))
            printf("  %-56s %6zu %8s %8s  %s (%s)\n", t->name, t->size, "-", lim, t->verdict, t->note);
        else
            printf("  %-56s %6zu %8.3f %8s  %s\n", t->name, t->size, t->ratio, lim, t->verdict);
    }
}

/* ---- JSON, CSV, chart ---- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(f, "\\u%04x", *s);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isnan(v))
        fputs("null", f);
    else
        fprintf(f, "%.6g", v);
}

/* Every distinct (process, impl, scenario, size, threads), in first-seen order. */
typedef void (*row_fn)(FILE *f, int first, int proc, const char *impl, const char *scen, size_t size, int threads);

static void for_each_row(FILE *f, row_fn fn)
{
    int first = 1;
    for (size_t i = 0; i < nrecs; i++) {
        const struct rec *r = &recs[i];
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = recs[j].proc == r->proc && recs[j].size == r->size && recs[j].threads == r->threads &&
                   !strcmp(recs[j].impl, r->impl) && !strcmp(recs[j].scen, r->scen);
        if (!seen) {
            fn(f, first, r->proc, r->impl, r->scen, r->size, r->threads);
            first = 0;
        }
    }
}

static int has_lifo(const char *scen)
{
    return !strcmp(scen, "pingpong") || !strcmp(scen, "batch") || !strcmp(scen, "bulk32") || !strcmp(scen, "tbatch");
}

static void json_row(FILE *f, int first, int proc, const char *impl, const char *scen, size_t size, int threads)
{
    struct summary s = collect(proc, impl, NULL, scen, size, threads);
    struct summary n = has_lifo(scen) ? collect(proc, impl, "lifo", scen, size, threads) : summarise(NULL, 0);
    fprintf(f, "%s\n    {\"process\": ", first ? "" : ",");
    json_str(f, workers[proc].name);
    fputs(", \"impl\": ", f);
    json_str(f, impl);
    fputs(", \"scenario\": ", f);
    json_str(f, scen);
    fprintf(f, ", \"size\": %zu, \"threads\": %d, \"reps\": %d, \"median\": ", size, threads, s.n);
    json_num(f, s.med);
    fputs(", \"min\": ", f);
    json_num(f, s.min);
    fputs(", \"max\": ", f);
    json_num(f, s.max);
    fputs(", \"q1\": ", f);
    json_num(f, s.q1);
    fputs(", \"q3\": ", f);
    json_num(f, s.q3);
    fputs(", \"per_lifo_median\": ", f);
    json_num(f, n.med);
    fputs(", \"per_lifo_min\": ", f);
    json_num(f, n.min);
    fputs(", \"per_lifo_max\": ", f);
    json_num(f, n.max);
    fputc('}', f);
}

static void csv_row(FILE *f, int first, int proc, const char *impl, const char *scen, size_t size, int threads)
{
    (void)first;
    struct summary s = collect(proc, impl, NULL, scen, size, threads);
    struct summary n = has_lifo(scen) ? collect(proc, impl, "lifo", scen, size, threads) : summarise(NULL, 0);
    fprintf(f, "%s,%s,%s,%zu,%d,%d,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g\n", workers[proc].name, impl, scen, size,
            threads, s.n, s.med, s.min, s.max, s.q1, s.q3, n.med, n.min, n.max);
}

static void write_json(const struct options *o, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "numapool-bench: %s: %s\n", path, strerror(errno));
        return;
    }
    char thp[32];
    bench_thp_mode(thp, sizeof thp);
    fprintf(f, "{\n  \"tool\": \"numapool-bench\",\n  \"cpus\": %d,\n  \"threads\": %d,\n  \"reps\": %d,\n"
               "  \"scale\": %g,\n  \"thp\": ",
            o->w.ncpus, o->w.tcounts[o->w.ntcounts - 1], o->w.reps, o->w.scale);
    json_str(f, thp);
    fputs(",\n  \"contenders\": [", f);
    for (int w = 0; w < NWORKERS; w++) {
        fprintf(f, "%s\n    {\"name\": ", w ? "," : "");
        json_str(f, workers[w].name);
        fprintf(f, ", \"present\": %s, \"failed\": %s, \"note\": ", workers[w].present ? "true" : "false",
                workers[w].failed ? "true" : "false");
        json_str(f, workers[w].why);
        fputc('}', f);
    }
    fputs("\n  ],\n  \"results\": [", f);
    for_each_row(f, json_row);
    fputs("\n  ],\n  \"skipped\": [", f);
    for (size_t i = 0; i < nskips; i++) {
        fprintf(f, "%s\n    {\"process\": ", i ? "," : "");
        json_str(f, workers[skips[i].proc].name);
        fputs(", \"impl\": ", f);
        json_str(f, skips[i].impl);
        fputs(", \"scenario\": ", f);
        json_str(f, skips[i].scen);
        fprintf(f, ", \"size\": %zu, \"why\": ", skips[i].size);
        json_str(f, skips[i].why);
        fputc('}', f);
    }
    fputs("\n  ],\n  \"info\": [", f);
    for (size_t i = 0; i < ninfos; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        json_str(f, infos[i]);
    }
    fputs("\n  ],\n  \"targets\": [", f);
    for (size_t i = 0; i < ntargets; i++) {
        const struct target *t = &targets[i];
        fprintf(f, "%s\n    {\"target\": ", i ? "," : "");
        json_str(f, t->name);
        fprintf(f, ", \"size\": %zu, \"ratio\": ", t->size);
        json_num(f, t->ratio);
        fputs(", \"limit\": ", f);
        json_num(f, t->limit);
        fprintf(f, ", \"at_most\": %s, \"verdict\": ", t->lower_better ? "true" : "false");
        json_str(f, t->verdict);
        fputs(", \"note\": ", f);
        json_str(f, t->note);
        fputc('}', f);
    }
    fputs("\n  ]\n}\n", f);
    fclose(f);
}

static void write_csv(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "numapool-bench: %s: %s\n", path, strerror(errno));
        return;
    }
    fputs("process,impl,scenario,size,threads,reps,median,min,max,q1,q3,per_lifo_median,per_lifo_min,per_lifo_max\n", f);
    for_each_row(f, csv_row);
    fclose(f);
}

/* Grouped bars: one group per scenario and size, one bar per contender,
 * its ns/op divided by the out-of-line LIFO of its own process. */
static void write_plot(const struct options *o, const char *png)
{
    char dat[] = "/tmp/numapool-bench-XXXXXX";
    int fd = mkstemp(dat);
    if (fd < 0) {
        fprintf(stderr, "numapool-bench: --plot: mkstemp: %s\n", strerror(errno));
        return;
    }
    FILE *f = fdopen(fd, "w");
    static const char *const scens[3] = {"pingpong", "batch", "bulk32"};
    int use[NWORKERS], ncols = 1;
    for (int w = 0; w < NWORKERS; w++) { /* gnuplot refuses a column without a single value */
        use[w] = 0;
        for (int k = 0; k < 3 && !use[w]; k++)
            for (size_t s = 0; s < o->w.nsizes && !use[w]; s++)
                use[w] = norm_of(w, scens[k], o->w.sizes[s], 1).n > 0;
        ncols += use[w];
    }
    fputs("group idxstack", f);
    for (int w = 0; w < NWORKERS; w++)
        if (use[w])
            fprintf(f, " %s", workers[w].name);
    fputc('\n', f);
    for (int k = 0; k < 3; k++) {
        for (size_t s = 0; s < o->w.nsizes; s++) {
            struct summary ix = collect(-1, "idxstack", "lifo", scens[k], o->w.sizes[s], 1);
            if (ix.n == 0)
                continue;
            fprintf(f, "%s/%zuB %.4f", scens[k], o->w.sizes[s], ix.med);
            for (int w = 0; w < NWORKERS; w++) {
                if (!use[w])
                    continue;
                struct summary r = norm_of(w, scens[k], o->w.sizes[s], 1);
                if (r.n)
                    fprintf(f, " %.4f", r.med);
                else
                    fputs(" NaN", f);
            }
            fputc('\n', f);
        }
    }
    fclose(f);
    FILE *g = popen("gnuplot", "w");
    if (g == NULL) {
        fprintf(stderr, "numapool-bench: --plot: cannot run gnuplot\n");
        unlink(dat);
        return;
    }
    fprintf(g,
            "set terminal pngcairo size 1400,600 noenhanced font ',10'\n"
            "set output '%s'\n"
            "set title 'numapool-bench: time per operation / out-of-line LIFO in the same process (lower is better; log scale)'\n"
            "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
            "set boxwidth 0.9\nset key outside right top\nset ylabel 'x out-of-line LIFO'\n"
            "set grid ytics\nset xtics rotate by -30\nset logscale y\nset yrange [0.03:*]\n"
            "plot for [c=2:%d] '%s' using c:xtic(1) title columnheader(c)\n",
            png, ncols + 1, dat);
    int rc = pclose(g);
    unlink(dat);
    if (rc != 0)
        fprintf(stderr, "numapool-bench: --plot: gnuplot failed (status %d)\n", rc);
}

/* ---- main ---- */

static void self_dir(char *dir, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", dir, len - 1);
    if (n <= 0)
        bench_die("readlink /proc/self/exe: %s", strerror(errno));
    dir[n] = 0;
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
}

static void build_argv(char **argv, char *buf, size_t buflen, const struct options *o, const char *name, unsigned scen)
{
    char sizes[128] = "", scens[160] = "", cpus[512] = "", counts[64] = "";
    size_t p = 0;
    for (size_t i = 0; i < o->w.nsizes; i++)
        p += (size_t)snprintf(sizes + p, sizeof sizes - p, "%s%zu", i ? "," : "", o->w.sizes[i]);
    p = 0;
    for (unsigned b = 1; b <= BENCH_S_TPC; b <<= 1)
        if (scen & b)
            p += (size_t)snprintf(scens + p, sizeof scens - p, "%s%s", p ? "," : "", bench_scenario_name(b));
    p = 0;
    for (int i = 0; i < o->w.ncpus; i++)
        p += (size_t)snprintf(cpus + p, sizeof cpus - p, "%s%d", i ? "," : "", o->w.cpus[i]);
    p = 0;
    for (int i = 0; i < o->w.ntcounts; i++)
        p += (size_t)snprintf(counts + p, sizeof counts - p, "%s%d", i ? "," : "", o->w.tcounts[i]);
    snprintf(buf, buflen, "%s%c%s%c%s%c%d%c%g%c%s%c%s%c%zu", sizes, 0, scens, 0, cpus, 0, o->w.reps, 0, o->w.scale, 0,
             counts, 0, name, 0, o->w.tlb_bytes);
    /* the values sit one after another in buf, NUL-separated */
    const char *v[8];
    const char *q = buf;
    for (int i = 0; i < 8; i++) {
        v[i] = q;
        q += strlen(q) + 1;
    }
    int k = 0;
    argv[k++] = (char *)"worker";
    argv[k++] = (char *)"--worker";
    argv[k++] = (char *)v[6];
    argv[k++] = (char *)"--sizes", argv[k++] = (char *)v[0];
    argv[k++] = (char *)"--scenarios", argv[k++] = (char *)v[1];
    argv[k++] = (char *)"--cpus", argv[k++] = (char *)v[2];
    argv[k++] = (char *)"--reps", argv[k++] = (char *)v[3];
    argv[k++] = (char *)"--scale", argv[k++] = (char *)v[4];
    argv[k++] = (char *)"--threads", argv[k++] = (char *)v[5];
    argv[k++] = (char *)"--tlb-size", argv[k++] = (char *)v[7];
    argv[k] = NULL;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--worker") == 0)
        return bench_malloc_worker(argv[2], argc - 3, argv + 3);

    struct options o;
    parse_options(argc, argv, &o);
    progress_tty = isatty(2);
    char dir[PATH_MAX];
    self_dir(dir, sizeof dir);
    uint64_t t_start = bench_now_ns();

    static const char *const preload[4] = {NULL, BENCH_JEMALLOC_PATH, BENCH_MIMALLOC_PATH, BENCH_TCMALLOC_PATH};
    for (int w = 0; w < NWORKERS; w++) {
        struct worker *k = &workers[w];
        if (w <= W_TCMALLOC) {
            snprintf(k->exe, sizeof k->exe, "%.4000s/numapool-bench", dir);
            k->preload = preload[w];
            k->present = k->preload == NULL || access(k->preload, R_OK) == 0;
            if (!k->present)
                snprintf(k->why, sizeof k->why, "%s not found", k->preload);
        } else {
            static const char *const exe[3] = {"numapool-bench-dpdk", "numapool-bench-np-static",
                                               "numapool-bench-np-shared"};
            snprintf(k->exe, sizeof k->exe, "%.4000s/%.40s", dir, exe[w - W_DPDK]);
            k->present = access(k->exe, X_OK) == 0;
            if (!k->present)
                snprintf(k->why, sizeof k->why, "%s not built%s", exe[w - W_DPDK],
                         w == W_DPDK ? " (libdpdk not found at configure time)" : "");
        }
        if (k->present && !contender_wanted(&o, k->name)) {
            k->present = 0;
            snprintf(k->why, sizeof k->why, "not selected (--contenders)");
        }
    }

    char thp[32], hugenote[400] = "";
    bench_thp_mode(thp, sizeof thp);
    unsigned special = o.w.scen & BENCH_S_SPECIAL;
    if (special && !workers[W_NPSHARED].present)
        special = 0;
    printf("numapool-bench: %d CPU%s allowed (", o.w.ncpus, o.w.ncpus == 1 ? "" : "s");
    for (int i = 0; i < o.w.ncpus; i++)
        printf("%s%d", i ? "," : "", o.w.cpus[i]);
    printf("), measuring on CPU %d, node %d, THP %s, %d repetitions%s\n", o.w.cpus[0], bench_local_node(), thp, o.w.reps,
           o.full ? " (--full)" : o.quick ? " (--quick)" : "");

    int nw = 0, widx = 0;
    for (int w = 0; w < NWORKERS; w++)
        nw += workers[w].present;
    if (special) {
        /* before the first worker, so that every numapool worker runs on the same pages */
        long need = 0;
        if (special & BENCH_S_CREATE)
            need = 512 + 16;
        if ((special & BENCH_S_TLB) && (long)(o.w.tlb_bytes >> 21) + 16 > need)
            need = (long)(o.w.tlb_bytes >> 21) + 16;
        if (need && huge_reserve(need, hugenote, sizeof hugenote) != 0)
            fprintf(stderr, "numapool-bench: %s; hugepage scenarios will skip\n", hugenote);
    }
    for (int w = 0; w < NWORKERS; w++) {
        struct worker *k = &workers[w];
        if (!k->present)
            continue;
        unsigned scen = o.w.scen & BENCH_S_LOOPS;
        if (w == W_NPSHARED && special)
            scen |= special;
        if (scen == 0)
            continue;
        char *wargv[24], buf[1200];
        build_argv(wargv, buf, sizeof buf, &o, k->name, scen);
        widx++;
        char text[160];
        snprintf(text, sizeof text, "[%d/%d] %s: starting", widx, nw, k->name);
        progress(text);
        if (run_worker(w, wargv, widx, nw) != 0) {
            progress_end();
            fprintf(stderr, "numapool-bench: %s: %s\n", k->name, k->why);
        }
        if (w == W_NPSHARED)
            huge_restore();
    }
    progress_end();

    /* contenders that said they are absent (failed preload, EAL) */
    for (size_t i = 0; i < nskips; i++)
        if (!strcmp(skips[i].scen, "all") && skips[i].size == 0 && !strcmp(skips[i].impl, workers[skips[i].proc].name)) {
            workers[skips[i].proc].present = 0;
            snprintf(workers[skips[i].proc].why, sizeof workers[0].why, "%s", skips[i].why);
        }

    printf("contenders:");
    for (int w = 0; w < NWORKERS; w++)
        printf(" %s%s", workers[w].name, workers[w].present ? (workers[w].failed ? " (FAILED)" : "") : " (absent)");
    printf("\n");
    for (int w = 0; w < NWORKERS; w++)
        if (!workers[w].present || workers[w].failed)
            printf("  %s: %s\n", workers[w].name, workers[w].why);
    if (hugenote[0])
        printf("hugepages: %s\n", hugenote);
    for (size_t i = 0; i < ninfos; i++)
        printf("  %s\n", infos[i]);
    for (size_t i = 0; i < nskips; i++)
        if (strcmp(skips[i].scen, "all") || skips[i].size != 0)
            printf("  skipped %s %s %zu: %s\n", skips[i].impl, skips[i].scen, skips[i].size, skips[i].why);

    if (o.w.scen & BENCH_S_PINGPONG)
        print_loop_table(&o, "pingpong");
    if (o.w.scen & BENCH_S_BATCH)
        print_loop_table(&o, "batch");
    if (o.w.scen & BENCH_S_BULK)
        print_loop_table(&o, "bulk32");
    if (o.w.scen & BENCH_S_THREADS)
        print_threads_table(&o);
    print_specials(&o);
    compute_targets(&o);
    print_targets();
    printf("\n(%.1f s; /LIFO: divided by the out-of-line LIFO measured in the same process, repetition by repetition;"
           "\n np-shr/it: numapool-shared's /LIFO over this row's, below 1 numapool is faster)\n",
           (double)(bench_now_ns() - t_start) / 1e9);
    fflush(stdout);
    if (o.json)
        write_json(&o, o.json);
    if (o.csv)
        write_csv(o.csv);
    if (o.plot)
        write_plot(&o, o.plot);
    return 0;
}
