/* src/report.c - the lines a job reads: NUMAPOOL_VERBOSE at creation and
 * NUMAPOOL_STATS at destroy and exit (report.h; docs/environment.md says
 * what users see).
 *
 * Who writes: every line starts "numapool host=H pid=P [rank=R
 * [local_rank=L]]: ", the rank from the first launcher variable set among
 * rank_vars[] (a malformed one is skipped with a warning), the local rank
 * from local_vars[], SLURM_LOCALID only where SLURM_PROCID is that rank
 * (mpirun inside a Slurm allocation leaves the allocation's SLURM_PROCID=0
 * in every rank).  The JSON form carries the same facts as keys.
 *
 * One write per line: a line is built whole in a buffer (the stack's, or the
 * heap's when it is longer) and handed to one write(2), to stderr or to the
 * file opened with O_APPEND for it, so lines of threads and of ranks sharing
 * a file never interleave (a pipe keeps that promise up to PIPE_BUF bytes;
 * only a short write, which the loop completes, breaks it).
 *
 * What is read once: NUMAPOOL_STATS and the launcher's variables, at the
 * first creation in the process (init(), under pthread_once); warnings about
 * ignored values go out then, once.  NUMAPOOL_VERBOSE is read at every
 * creation, as NUMAPOOL_NODES and NUMAPOOL_PAGES are (create.c).
 *
 * The live list: with NUMAPOOL_STATS on, each pool created here has an entry
 * (its pid too: after fork the child inherits the parent's entries, whose
 * pools it cannot touch), under live_lock.  The exit report (atexit) gives
 * the line of each of this process's pools still alive and marks it done;
 * npool_destroy gives the line of a pool not done and drops its entry, so a
 * pool is reported once.  Lock order: live_lock, then what npool_stats
 * takes (cache.c's registry lock, node locks); nothing here is called under
 * those. */
#include "report.h"
#include "fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LINE_STACK 4096     /* most lines fit; a pool of many nodes goes to the heap */

enum form { FORM_OFF, FORM_TEXT, FORM_JSON };

/* launcher variables, in order of precedence (docs/environment.md) */
static const char *const rank_vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"};
static const char *const local_vars[] = {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"};

/* written once by init(), read-only after (pthread_once orders it) */
static struct {
    enum form form;
    char path[PATH_MAX];            /* the file name pattern; "" = stderr */
    char host[256];
    long rank, local;               /* -1: not known */
    const char *rank_var, *local_var;
} cfg = {.rank = -1, .local = -1};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
struct live {
    struct live *next;
    npool_t *pool;
    pid_t pid;                      /* the process that created it */
    int done;                       /* given by the exit report */
};
static struct live *live_head;      /* under live_lock */
static _Atomic int file_warned;     /* one warning for a file that cannot be written */

/* ---- writing ---------------------------------------------------------- */

/* One write(2) for the whole line, unless the kernel takes less. */
static void write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* "numapool host=H pid=P rank=R local_rank=L: " */
static void prefix(char *buf, size_t len, size_t *used)
{
    npool__appendf(buf, len, used, "numapool host=%s pid=%ld", cfg.host, (long)getpid());
    if (cfg.rank >= 0)
        npool__appendf(buf, len, used, " rank=%ld", cfg.rank);
    if (cfg.local >= 0)
        npool__appendf(buf, len, used, " local_rank=%ld", cfg.local);
    npool__appendf(buf, len, used, ": ");
}

/* s between single quotes, with ' \ and control bytes escaped: one token
 * that never breaks the line. */
static void text_quoted(char *buf, size_t len, size_t *used, const char *s)
{
    npool__appendf(buf, len, used, "'");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '\'' || *c == '\\')
            npool__appendf(buf, len, used, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            npool__appendf(buf, len, used, "\\x%02x", *c);
        else
            npool__appendf(buf, len, used, "%c", *c);
    }
    npool__appendf(buf, len, used, "'");
}

/* Bytes of the valid UTF-8 sequence at s (1 to 4), 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    int n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    for (int k = 1; k < n; k++)
        if (s[k] < (k == 1 ? lo : 0x80) || s[k] > (k == 1 ? hi : 0xbf))
            return 0;
    return n;
}

/* s as a JSON string; bytes that are not UTF-8 become U+FFFD, so the line
 * always parses (a name cut at 63 bytes may end inside a character). */
static void json_string(char *buf, size_t len, size_t *used, const char *s)
{
    npool__appendf(buf, len, used, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c;) {
        int n = utf8_len(c);
        if (!n) {
            npool__appendf(buf, len, used, "\\ufffd");
            c++;
        } else if (*c == '"' || *c == '\\') {
            npool__appendf(buf, len, used, "\\%c", *c++);
        } else if (*c < 0x20 || *c == 0x7f) {
            npool__appendf(buf, len, used, "\\u%04x", *c++);
        } else {
            npool__appendf(buf, len, used, "%.*s", n, (const char *)c);
            c += n;
        }
    }
    npool__appendf(buf, len, used, "\"");
}

/* "2MiB", "4KiB", "800B": a size as one token */
static const char *size_token(size_t bytes, char *buf, size_t len)
{
    char tmp[32], *o = buf;
    npool__size_name(bytes, tmp, sizeof tmp);
    for (const char *c = tmp; *c && (size_t)(o - buf) + 1 < len; c++)
        if (*c != ' ')
            *o++ = *c;
    *o = '\0';
    return buf;
}

/* The file for this process: the pattern with %r (rank, or the pid when
 * there is none), %h, %p, %% replaced; -1 when it does not fit. */
static int file_name(char *out, size_t len)
{
    size_t used = 0;
    for (const char *c = cfg.path; *c; c++) {
        if (*c != '%') {
            npool__appendf(out, len, &used, "%c", *c);
            continue;
        }
        switch (*++c) {
        case 'r': npool__appendf(out, len, &used, "%ld", cfg.rank >= 0 ? cfg.rank : (long)getpid()); break;
        case 'h': npool__appendf(out, len, &used, "%s", cfg.host); break;
        case 'p': npool__appendf(out, len, &used, "%ld", (long)getpid()); break;
        default: npool__appendf(out, len, &used, "%%"); break;   /* "%%": init() let nothing else through */
        }
    }
    return used < len ? 0 : -1;
}

/* A line of NUMAPOOL_STATS to its place: the file, or stderr (with one
 * warning, the first time, when the file cannot be opened). */
static void emit_stats(const char *line, size_t n)
{
    if (!cfg.path[0]) {
        write_all(STDERR_FILENO, line, n);
        return;
    }
    char name[PATH_MAX];
    int fd = file_name(name, sizeof name) == 0 ? open(name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    if (fd >= 0) {
        write_all(fd, line, n);
        close(fd);
        return;
    }
    int err = errno;
    if (!atomic_exchange(&file_warned, 1)) {
        char w[PATH_MAX + 256];
        size_t used = 0;
        prefix(w, sizeof w, &used);
        npool__appendf(w, sizeof w, &used, "NUMAPOOL_STATS: cannot open \"%s\" for appending (%s): its lines go to "
                       "stderr\n", name, strerror(err));
        write_all(STDERR_FILENO, w, used < sizeof w ? used : sizeof w - 1);
    }
    write_all(STDERR_FILENO, line, n);
}

/* ---- the lines -------------------------------------------------------- */

typedef void build_fn(char *buf, size_t len, size_t *used, const void *arg);

/* Build a line twice at most (the stack, then the heap at its exact length)
 * and hand it out whole; a line the heap cannot hold is not written. */
static void build_and_emit(build_fn *build, const void *arg, int stats)
{
    char stack[LINE_STACK], *buf = stack;
    size_t used = 0;
    build(buf, sizeof stack, &used, arg);
    if (used >= sizeof stack) {
        size_t need = used + 1;
        if (!(buf = malloc(need)))
            return;
        used = 0;
        build(buf, need, &used, arg);
    }
    if (stats)
        emit_stats(buf, used);
    else
        write_all(STDERR_FILENO, buf, used);
    if (buf != stack)
        free(buf);
}

struct arena_arg { const npool_t *pool; const struct npool_arena *a; };

/* NUMAPOOL_VERBOSE: where one arena landed and on what pages */
static void verbose_line(char *buf, size_t len, size_t *used, const void *arg)
{
    const struct arena_arg *x = arg;
    const struct npool_arena *a = x->a;
    char sz[32];
    prefix(buf, len, used);
    npool__appendf(buf, len, used, "pool ");
    text_quoted(buf, len, used, x->pool->name);
    npool__appendf(buf, len, used, " node %d: %zu blocks of %zu B (stride %zu) at %p, %zu bytes on %s pages (page %s)"
                   "%s%s; %zu pages verified on node %d, %zu bytes elsewhere\n", a->node, a->nblocks,
                   x->pool->block_size, x->pool->stride, (void *)a->base, a->map_bytes, npool_pages_name(a->backing),
                   npool__size_name(a->page_size, sz, sizeof sz), a->why[0] ? a->fell_back ? "; fell back: " : "; " : "",
                   a->why, a->pages_verified, a->node, a->bytes_misplaced);
}

struct stats_arg { const npool_t *pool; const npool_stats_t *s; const char *event; };

static void text_stats(char *buf, size_t len, size_t *used, const void *arg)
{
    const struct stats_arg *x = arg;
    const npool_stats_t *s = x->s;
    char sz[32];
    prefix(buf, len, used);
    npool__appendf(buf, len, used, "stats event=%s pool=", x->event);
    text_quoted(buf, len, used, x->pool->name);
    npool__appendf(buf, len, used, " nodes=");
    for (size_t k = 0; k < s->nnodes; k++)
        npool__appendf(buf, len, used, "%s%d", k ? "," : "", s->nodes[k].node);
    npool__appendf(buf, len, used, " pages=");
    for (size_t k = 0; k < s->nnodes; k++)
        npool__appendf(buf, len, used, "%s%s/%s", k ? "," : "", npool_pages_name(s->nodes[k].backing),
                       size_token(s->nodes[k].page_size, sz, sizeof sz));
    size_t misplaced = 0;
    for (size_t k = 0; k < s->nnodes; k++)
        misplaced += s->nodes[k].bytes_misplaced;
    npool__appendf(buf, len, used, " block_size=%zu blocks_total=%zu blocks_held=%zu blocks_held_max=%zu gets=%llu "
                   "puts=%llu failed_gets=%llu refused_puts=%llu bytes_misplaced=%zu coalesces=%llu "
                   "coalesce_ns_total=%llu coalesce_ns_max=%llu\n", s->block_size, s->blocks_total, s->blocks_held,
                   atomic_load_explicit(&x->pool->held_max, memory_order_relaxed), (unsigned long long)s->gets,
                   (unsigned long long)s->puts, (unsigned long long)s->failed_gets,
                   (unsigned long long)s->refused_puts, misplaced, (unsigned long long)s->coalesces,
                   (unsigned long long)s->coalesce_ns_total, (unsigned long long)s->coalesce_ns_max);
}

static void json_opt(char *buf, size_t len, size_t *used, const char *key, long v)
{
    if (v >= 0)
        npool__appendf(buf, len, used, ",\"%s\":%ld", key, v);
    else
        npool__appendf(buf, len, used, ",\"%s\":null", key);
}

static void json_stats(char *buf, size_t len, size_t *used, const void *arg)
{
    const struct stats_arg *x = arg;
    const npool_stats_t *s = x->s;
    size_t misplaced = 0;
    for (size_t k = 0; k < s->nnodes; k++)
        misplaced += s->nodes[k].bytes_misplaced;
    npool__appendf(buf, len, used, "{\"numapool_stats\":1,\"event\":\"%s\",\"host\":", x->event);
    json_string(buf, len, used, cfg.host);
    npool__appendf(buf, len, used, ",\"pid\":%ld", (long)getpid());
    json_opt(buf, len, used, "rank", cfg.rank);
    json_opt(buf, len, used, "local_rank", cfg.local);
    npool__appendf(buf, len, used, ",\"rank_var\":");
    if (cfg.rank_var)
        json_string(buf, len, used, cfg.rank_var);
    else
        npool__appendf(buf, len, used, "null");
    npool__appendf(buf, len, used, ",\"pool\":");
    json_string(buf, len, used, x->pool->name);
    npool__appendf(buf, len, used, ",\"block_size\":%zu,\"stride\":%zu,\"blocks_total\":%zu,\"blocks_held\":%zu,"
                   "\"blocks_held_max\":%zu,\"gets\":%llu,\"puts\":%llu,\"failed_gets\":%llu,\"refused_puts\":%llu,"
                   "\"bytes_misplaced\":%zu,\"bytes_mapped\":%zu,\"coalesces\":%llu,\"coalesce_ns_total\":%llu,"
                   "\"coalesce_ns_max\":%llu,\"nodes\":[", s->block_size, s->stride, s->blocks_total, s->blocks_held,
                   atomic_load_explicit(&x->pool->held_max, memory_order_relaxed), (unsigned long long)s->gets,
                   (unsigned long long)s->puts, (unsigned long long)s->failed_gets,
                   (unsigned long long)s->refused_puts, misplaced, s->bytes_mapped, (unsigned long long)s->coalesces,
                   (unsigned long long)s->coalesce_ns_total, (unsigned long long)s->coalesce_ns_max);
    for (size_t k = 0; k < s->nnodes; k++) {
        const npool_node_stats_t *r = &s->nodes[k];
        npool__appendf(buf, len, used, "%s{\"node\":%d,\"pages\":\"%s\",\"page_size\":%zu,\"fell_back\":%s,"
                       "\"bytes_mapped\":%zu,\"blocks_total\":%zu,\"blocks_held\":%zu,\"blocks_held_max\":%zu,"
                       "\"gets\":%llu,\"puts\":%llu,\"failed_gets\":%llu,\"bytes_misplaced\":%zu}", k ? "," : "",
                       r->node, npool_pages_name(r->backing), r->page_size, r->fell_back ? "true" : "false",
                       r->bytes_mapped, r->blocks_total, r->blocks_held,
                       atomic_load_explicit(&x->pool->arena[k].held_max, memory_order_relaxed),
                       (unsigned long long)r->gets, (unsigned long long)r->puts,
                       (unsigned long long)r->failed_gets, r->bytes_misplaced);
    }
    npool__appendf(buf, len, used, "]}\n");
}

/* The NUMAPOOL_STATS line of `pool`; npool_stats samples the held count
 * first, so blocks_held_max is never below blocks_held. */
static void stats_report(const npool_t *pool, const char *event)
{
    npool_stats_t s;
    if (npool_stats(pool, &s) != 0)
        return;
    struct stats_arg x = {pool, &s, event};
    build_and_emit(cfg.form == FORM_JSON ? json_stats : text_stats, &x, 1);
}

/* ---- reading the environment, once ------------------------------------ */

/* A warning line about a value the library ignores, on stderr:
 * `VAR='value' why`. */
static void warn(const char *var, const char *val, const char *why)
{
    char line[1024];
    size_t used = 0;
    prefix(line, sizeof line, &used);
    npool__appendf(line, sizeof line, &used, "%s=", var);
    text_quoted(line, sizeof line, &used, val);
    npool__appendf(line, sizeof line, &used, " %s\n", why);
    if (used >= sizeof line) {      /* a value too long for the line: cut it, keep the newline */
        used = sizeof line - 1;
        line[used - 1] = '\n';
    }
    write_all(STDERR_FILENO, line, used);
}

/* A rank: decimal digits only, at most INT_MAX.  1 taken, 0 unset, -1 malformed. */
static int rank_value(const char *s, long *out)
{
    if (!s || !*s)
        return 0;
    long v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9' || v > (INT_MAX - (*c - '0')) / 10)
            return -1;
        v = v * 10 + (*c - '0');
    }
    *out = v;
    return 1;
}

static void read_ranks(void)
{
    for (size_t k = 0; k < sizeof rank_vars / sizeof rank_vars[0] && cfg.rank < 0; k++) {
        const char *v = secure_getenv(rank_vars[k]);
        int r = rank_value(v, &cfg.rank);
        if (r < 0)
            warn(rank_vars[k], v, "is not a rank (decimal digits): ignored");
        else if (r > 0)
            cfg.rank_var = rank_vars[k];
    }
    if (cfg.rank < 0)
        return;         /* a local rank alone says nothing worth a line */
    long procid;
    int slurm_agrees = rank_value(secure_getenv("SLURM_PROCID"), &procid) > 0 && procid == cfg.rank;
    for (size_t k = 0; k < sizeof local_vars / sizeof local_vars[0] && cfg.local < 0; k++) {
        if (!strcmp(local_vars[k], "SLURM_LOCALID") && !slurm_agrees)
            continue;
        const char *v = secure_getenv(local_vars[k]);
        int r = rank_value(v, &cfg.local);
        if (r < 0)
            warn(local_vars[k], v, "is not a local rank (decimal digits): ignored");
        else if (r > 0)
            cfg.local_var = local_vars[k];
    }
}

/* NUMAPOOL_STATS: "", 0 off; 1, text, json; text:FILE, json:FILE with FILE
 * holding %r %h %p %% at most.  0 understood, -1 not. */
static int read_stats(const char *v)
{
    if (!v || !*v || !strcmp(v, "0"))
        return 0;
    if (!strcmp(v, "1") || !strcasecmp(v, "text")) {
        cfg.form = FORM_TEXT;
        return 0;
    }
    if (!strcasecmp(v, "json")) {
        cfg.form = FORM_JSON;
        return 0;
    }
    enum form f = !strncasecmp(v, "text:", 5) ? FORM_TEXT : !strncasecmp(v, "json:", 5) ? FORM_JSON : FORM_OFF;
    const char *file = v + 5;
    if (f == FORM_OFF || !*file || strlen(file) >= sizeof cfg.path)
        return -1;
    for (const char *c = file; *c; c++)
        if (*c == '%' && (++c, *c != 'r' && *c != 'h' && *c != 'p' && *c != '%'))
            return -1;
    cfg.form = f;
    memcpy(cfg.path, file, strlen(file) + 1);
    return 0;
}

static void exit_report(void);
static void fork_prepare(void) { pthread_mutex_lock(&live_lock); }
static void fork_parent(void) { pthread_mutex_unlock(&live_lock); }
static void fork_child(void) { pthread_mutex_unlock(&live_lock); }

static void init(void)
{
    if (gethostname(cfg.host, sizeof cfg.host - 1) != 0 || !cfg.host[0])
        snprintf(cfg.host, sizeof cfg.host, "unknown");
    cfg.host[sizeof cfg.host - 1] = '\0';
    read_ranks();
    const char *v = secure_getenv("NUMAPOOL_STATS");
    if (read_stats(v) != 0)
        warn("NUMAPOOL_STATS", v, "is not 0, 1, text, json, text:FILE or json:FILE (FILE may hold %r, %h, %p, "
             "%%): ignored");
    if (cfg.form != FORM_OFF) {
        pthread_atfork(fork_prepare, fork_parent, fork_child);
        atexit(exit_report);
    }
}

/* ---- the hooks -------------------------------------------------------- */

static void exit_report(void)
{
    int saved = errno;
    pid_t me = getpid();
    pthread_mutex_lock(&live_lock);
    for (struct live *e = live_head; e; e = e->next)
        if (e->pid == me && !e->done) {
            stats_report(e->pool, "exit");
            e->done = 1;
        }
    pthread_mutex_unlock(&live_lock);
    errno = saved;
}

void npool__report_created(npool_t *pool)
{
    int saved = errno;
    pthread_once(&once, init);
    const char *v = secure_getenv("NUMAPOOL_VERBOSE");
    if (v && *v && strcmp(v, "0") != 0)
        for (int k = 0; k < pool->narenas; k++)
            build_and_emit(verbose_line, &(struct arena_arg){pool, &pool->arena[k]}, 0);
    if (cfg.form != FORM_OFF) {
        struct live *e = malloc(sizeof *e);
        if (e) {
            *e = (struct live){.pool = pool, .pid = getpid()};
            pthread_mutex_lock(&live_lock);
            e->next = live_head;
            live_head = e;
            pthread_mutex_unlock(&live_lock);
        }
    }
    errno = saved;
}

void npool__report_destroy(npool_t *pool)
{
    pthread_once(&once, init);
    if (cfg.form == FORM_OFF)
        return;
    int saved = errno, done = 0;
    pid_t me = getpid();
    pthread_mutex_lock(&live_lock);
    for (struct live **p = &live_head; *p; p = &(*p)->next)
        if ((*p)->pool == pool && (*p)->pid == me) {
            struct live *e = *p;
            done = e->done;
            *p = e->next;
            free(e);
            break;
        }
    pthread_mutex_unlock(&live_lock);
    if (!done)
        stats_report(pool, "destroy");
    errno = saved;
}
