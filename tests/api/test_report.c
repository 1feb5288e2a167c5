/* NUMAPOOL_STATS and NUMAPOOL_VERBOSE as a job sees them: report_child runs
 * under each setting (1, json, json:FILE and text:FILE with %r %h %p, fake
 * launcher variables, malformed values), and every line it leaves is parsed
 * (JSON by a strict parser here and by Python's json when /usr/bin/python3
 * is there) and held to the child's own npool_stats of the same pool: the
 * totals, held blocks, failed gets and refused puts provoked on purpose,
 * coalesces and their time, the peak held where a call sampled it.  Many
 * processes and threads writing to one file and one pipe at once leave only
 * whole lines.
 *
 *   test_report CHILD           the suite
 *   test_report CHILD strace    one write(2) per line, counted by strace (77 without strace)
 *   test_report CHILD setuid    a setuid-root child run as nobody ignores every
 *                               NUMAPOOL_* variable (77 unless root on a suid mount) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *child_path;
static char tmpdir[] = "/tmp/npool-report-XXXXXX";
static char host[256];

/* ------------------------------------------------------------------------ */
/* running the child                                                        */

struct run {
    char out[1 << 16], err[1 << 18];
    size_t nout, nerr;
    int status;         /* exit code, or 128 + signal */
};

static int launcher_or_ours(const char *e)
{
    static const char *const pre[] = {"NUMAPOOL_", "OMPI_", "PMI_", "PMIX_", "SLURM_", "MPI_LOCALRANKID="};
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++)
        if (!strncmp(e, pre[k], strlen(pre[k])))
            return 1;
    return 0;
}

/* Run `argv` (argv[0] the program) with the environment cleared of every
 * NUMAPOOL_* and launcher variable, plus `env` (NULL-terminated "K=V"),
 * optionally as user `uid`; collect stdout and stderr. */
static void run_as(const char *const *argv, const char *const *env, long uid, struct run *r)
{
    const char *envp[512];
    size_t n = 0;
    for (char **e = environ; *e && n < 480; e++)
        if (!launcher_or_ours(*e))
            envp[n++] = *e;
    for (const char *const *e = env; e && *e && n < 510; e++)
        envp[n++] = *e;
    envp[n] = NULL;
    int po[2], pe[2];
    assert_int_equal(pipe(po), 0);
    assert_int_equal(pipe(pe), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(pe[0]), close(po[1]), close(pe[1]);
        if (uid >= 0 && (setgid((gid_t)uid) != 0 || setuid((uid_t)uid) != 0))
            _exit(126);
        execve(argv[0], (char *const *)argv, (char *const *)envp);
        _exit(127);
    }
    close(po[1]), close(pe[1]);
    r->nout = r->nerr = 0;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    for (int open_fds = 2; open_fds;) {
        assert_true(poll(fds, 2, -1) > 0);
        for (int k = 0; k < 2; k++) {
            if (fds[k].fd < 0 || !fds[k].revents)
                continue;
            char *buf = k ? r->err : r->out;
            size_t *used = k ? &r->nerr : &r->nout, cap = k ? sizeof r->err : sizeof r->out;
            assert_true(*used < cap - 1);   /* the child said more than the test expects */
            ssize_t got = read(fds[k].fd, buf + *used, cap - 1 - *used);
            if (got <= 0) {
                close(fds[k].fd);
                fds[k].fd = -1;
                open_fds--;
            } else {
                *used += (size_t)got;
            }
        }
    }
    r->out[r->nout] = r->err[r->nerr] = '\0';
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (r->status != 0)
        fprintf(stderr, "child exited %d; its stderr:\n%s\n", r->status, r->err);
}

static void run(const char *mode, const char *const *env, struct run *r)
{
    const char *argv[] = {child_path, mode, NULL};
    run_as(argv, env, -1, r);
}

/* ------------------------------------------------------------------------ */
/* records: a report line or an EXPECT line as key/value pairs               */

#define MAXKV 96

struct rec {
    int n;
    char key[MAXKV][48];
    char val[MAXKV][160];
};

static const char *get(const struct rec *r, const char *key)
{
    for (int k = 0; k < r->n; k++)
        if (!strcmp(r->key[k], key))
            return r->val[k];
    return NULL;
}

static void put(struct rec *r, const char *key, const char *val, size_t len)
{
    assert_true(r->n < MAXKV);
    assert_true(strlen(key) < sizeof r->key[0] && len < sizeof r->val[0]);
    strcpy(r->key[r->n], key);
    memcpy(r->val[r->n], val, len);
    r->val[r->n][len] = '\0';
    r->n++;
}

static unsigned long long num(const struct rec *r, const char *key)
{
    const char *v = get(r, key);
    if (!v)
        fail_msg("no key \"%s\"", key);
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    if (*end || !*v)
        fail_msg("\"%s\" is \"%s\", not a number", key, v);
    return x;
}

/* ---- a strict JSON parser: objects flattened to "a.b.0.c" keys ---- */

static void ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')
        (*p)++;
}

static void utf8_put(char *o, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        o[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        o[(*n)++] = (char)(0xc0 | cp >> 6), o[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        o[(*n)++] = (char)(0xe0 | cp >> 12), o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        o[(*n)++] = (char)(0xf0 | cp >> 18), o[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        o[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f)), o[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

/* A JSON string at *p into out (UTF-8, NUL-terminated); -1 if malformed. */
static int jstring(const char **p, char *out, size_t cap, size_t *len)
{
    size_t n = 0;
    if (**p != '"')
        return -1;
    for (const char *s = *p + 1;; s++) {
        if (n + 4 >= cap)
            return -1;
        unsigned char c = (unsigned char)*s;
        if (c == '"') {
            out[n] = '\0';
            *len = n;
            *p = s + 1;
            return 0;
        }
        if (c < 0x20)
            return -1;     /* a raw control byte: not JSON */
        if (c != '\\') {
            out[n++] = (char)c;
            continue;
        }
        unsigned cp, lo;
        switch (*++s) {
        case '"': case '\\': case '/': out[n++] = *s; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u':
            if (hex4(s + 1, &cp))
                return -1;
            s += 4;
            if (cp >= 0xd800 && cp < 0xdc00) {
                if (s[1] != '\\' || s[2] != 'u' || hex4(s + 3, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    return -1;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                s += 6;
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                return -1;
            }
            utf8_put(out, &n, cp);
            break;
        default: return -1;
        }
    }
}

static int jvalue(const char **p, const char *path, struct rec *r);

static int jcontainer(const char **p, const char *path, struct rec *r, int object)
{
    (*p)++;
    ws(p);
    if (**p == (object ? '}' : ']')) {
        (*p)++;
        return 0;
    }
    for (int i = 0;; i++) {
        char key[160], sub[200];
        size_t klen;
        if (object) {
            if (jstring(p, key, sizeof key, &klen))
                return -1;
            ws(p);
            if (*(*p)++ != ':')
                return -1;
        } else {
            snprintf(key, sizeof key, "%d", i);
        }
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
        if (object && get(r, sub))
            return -1;     /* a key twice */
        ws(p);
        if (jvalue(p, sub, r))
            return -1;
        ws(p);
        if (**p == ',') {
            (*p)++;
            ws(p);
            continue;
        }
        if (*(*p)++ != (object ? '}' : ']'))
            return -1;
        return 0;
    }
}

static int jvalue(const char **p, const char *path, struct rec *r)
{
    const char *s = *p;
    if (*s == '{' || *s == '[')
        return jcontainer(p, path, r, *s == '{');
    if (*s == '"') {
        char v[160];
        size_t len;
        if (jstring(p, v, sizeof v, &len))
            return -1;
        put(r, path, v, len);
        return 0;
    }
    for (const char *lit = "true\0false\0null\0"; *lit; lit += strlen(lit) + 1)
        if (!strncmp(s, lit, strlen(lit))) {
            put(r, path, lit, strlen(lit));
            *p = s + strlen(lit);
            return 0;
        }
    const char *e = s;
    if (*e == '-')
        e++;
    if (*e == '0')
        e++;
    else if (*e >= '1' && *e <= '9')
        while (*e >= '0' && *e <= '9')
            e++;
    else
        return -1;
    if (*e == '.' && (e[1] >= '0' && e[1] <= '9'))
        for (e++; *e >= '0' && *e <= '9'; e++)
            ;
    put(r, path, s, (size_t)(e - s));
    *p = e;
    return 0;
}

/* One line: a whole JSON object and nothing after it. */
static int parse_json_line(const char *line, struct rec *r)
{
    r->n = 0;
    const char *p = line;
    if (*p != '{' || jvalue(&p, "", r))
        return -1;
    return *p == '\0' ? 0 : -1;
}

/* ---- the text form: "numapool host=H pid=P [rank=R [local_rank=L]]: stats k=v ... pool='...' ..." ---- */

static int parse_text_line(const char *line, struct rec *r)
{
    r->n = 0;
    const char *p = line, *stats = strstr(line, ": stats ");
    if (strncmp(p, "numapool ", 9) || !stats)
        return -1;
    p += 9;
    while (*p) {
        const char *eq = strchr(p, '=');
        if (!eq)
            return -1;
        char key[48];
        if ((size_t)(eq - p) >= sizeof key)
            return -1;
        memcpy(key, p, (size_t)(eq - p));
        key[eq - p] = '\0';
        p = eq + 1;
        char val[160];
        size_t n = 0;
        if (*p == '\'') {       /* quoted: \' \\ \xNN */
            for (p++; *p && *p != '\''; p++) {
                if (n + 1 >= sizeof val)
                    return -1;
                if (*p == '\\' && (p[1] == '\'' || p[1] == '\\')) {
                    val[n++] = *++p;
                } else if (*p == '\\' && p[1] == 'x') {
                    unsigned v;
                    if (sscanf(p + 2, "%2x", &v) != 1)
                        return -1;
                    val[n++] = (char)v;
                    p += 3;
                } else {
                    val[n++] = *p;
                }
            }
            if (*p++ != '\'')
                return -1;
        } else {
            while (*p && *p != ' ' && p != stats && n + 1 < sizeof val)
                val[n++] = *p++;
        }
        if (p == stats) {       /* the prefix's last field ends in ": stats " */
            p += 8;
        } else if (*p == ' ') {
            p++;
        } else if (*p) {
            return -1;
        }
        put(r, key, val, n);
    }
    return 0;
}

/* Split text into lines (each must end in '\n'); returns how many. */
static int lines_of(char *text, char **line, int max)
{
    int n = 0;
    for (char *s = text; *s;) {
        char *e = strchr(s, '\n');
        assert_non_null(e);     /* every line ends with a newline */
        *e = '\0';
        assert_true(n < max);
        line[n++] = s;
        s = e + 1;
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* checks                                                                   */

/* Python's json agrees that each of these lines is one JSON object. */
static void python_agrees(char **line, int n)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        print_message("no /usr/bin/python3: JSON checked by this test's parser only\n");
        return;
    }
    char path[sizeof tmpdir + 32];
    snprintf(path, sizeof path, "%s/lines.json", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int k = 0; k < n; k++)
        fprintf(f, "%s\n", line[k]);
    fclose(f);
    const char *argv[] = {"/usr/bin/python3", "-c",
                          "import json,sys\n"
                          "n = 0\n"
                          "for l in open(sys.argv[1], encoding='utf-8'):\n"
                          "    assert isinstance(json.loads(l), dict), l\n"
                          "    n += 1\n"
                          "print(n)\n",
                          path, NULL};
    static struct run r;
    run_as(argv, NULL, -1, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(atoi(r.out), n);
}

static int is_json(const char *l) { return !strncmp(l, "{\"numapool_stats\":1,", 20); }
static int is_text(const char *l) { return !strncmp(l, "numapool ", 9) && strstr(l, ": stats event=") != NULL; }

/* Every stats line of `text`, parsed. */
static int stats_records(char *text, int json, struct rec *recs, int max)
{
    char *line[1024];
    int n = lines_of(text, line, 1024), m = 0;
    char *js[1024];
    int nj = 0;
    for (int k = 0; k < n; k++) {
        if (json ? !is_json(line[k]) : !is_text(line[k]))
            continue;
        assert_true(m < max);
        if ((json ? parse_json_line(line[k], &recs[m]) : parse_text_line(line[k], &recs[m])) != 0)
            fail_msg("does not parse: %s", line[k]);
        if (json)
            js[nj++] = line[k];
        m++;
    }
    if (json && nj)
        python_agrees(js, nj);
    return m;
}

static const struct rec *find(const struct rec *recs, int n, const char *pool)
{
    const struct rec *hit = NULL;
    for (int k = 0; k < n; k++) {
        const char *p = get(&recs[k], "pool");
        if (p && !strcmp(p, pool)) {
            if (hit)
                fail_msg("pool %s reported twice", pool);
            hit = &recs[k];
        }
    }
    if (!hit)
        fail_msg("no report of pool %s", pool);
    return hit;
}

/* EXPECT lines of the child's stdout */
static int expectations(char *out, struct rec *recs, int max)
{
    char *line[64];
    int n = lines_of(out, line, 64), m = 0;
    for (int k = 0; k < n; k++) {
        if (strncmp(line[k], "EXPECT ", 7))
            continue;
        assert_true(m < max);
        struct rec *r = &recs[m++];
        r->n = 0;
        char *save, *tok = strtok_r(line[k] + 7, " ", &save);
        put(r, "pool", tok, strlen(tok));
        while ((tok = strtok_r(NULL, " ", &save))) {
            char *eq = strchr(tok, '=');
            assert_non_null(eq);
            *eq = '\0';
            put(r, tok, eq + 1, strlen(eq + 1));
        }
    }
    return m;
}

static const char *size_token(unsigned long long b, char *buf, size_t len)
{
    static const char *const u[] = {"B", "KiB", "MiB", "GiB"};
    int k = 0;
    while (k < 3 && b >= 1024 && b % 1024 == 0)
        b /= 1024, k++;
    snprintf(buf, len, "%llu%s", b, u[k]);
    return buf;
}

/* The report `got` of a pool says what its npool_stats said (`want`). */
static void same_figures(const struct rec *got, const struct rec *want, int json)
{
    static const char *const keys[] = {"blocks_total", "blocks_held", "gets", "puts", "failed_gets", "refused_puts",
                                       "coalesces", "coalesce_ns_total", "coalesce_ns_max", "bytes_misplaced",
                                       "block_size"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (num(got, keys[k]) != num(want, keys[k]))
            fail_msg("pool %s: %s is %llu in the report, %llu in npool_stats", get(want, "pool"), keys[k],
                     num(got, keys[k]), num(want, keys[k]));
    if (json) {
        assert_int_equal(num(got, "nodes.0.node"), num(want, "node"));
        assert_string_equal(get(got, "nodes.0.pages"), get(want, "pages"));
        assert_int_equal(num(got, "nodes.0.page_size"), num(want, "page_size"));
        assert_int_equal(num(got, "nodes.0.blocks_held"), num(want, "blocks_held"));
        assert_int_equal(num(got, "nodes.0.blocks_held_max"), num(got, "blocks_held_max"));   /* one node */
        assert_int_equal(num(got, "nodes.0.failed_gets"), num(want, "failed_gets"));
        assert_null(get(got, "nodes.1.node"));
    } else {
        char pages[64], sz[32];
        snprintf(pages, sizeof pages, "%s/%s", get(want, "pages"), size_token(num(want, "page_size"), sz, sizeof sz));
        assert_string_equal(get(got, "pages"), pages);
        assert_int_equal(num(got, "nodes"), num(want, "node"));
    }
    /* the peak: exact where a call sampled it, else between now and the real one */
    unsigned long long max = num(got, "blocks_held_max"), sampled = num(want, "held_peak_sampled");
    if (sampled)
        assert_int_equal(max, sampled);
    else
        assert_true(max >= num(want, "blocks_held") && max <= num(want, "held_peak"));
}

/* The pid the child printed first ("PID n"). */
static unsigned long long pid_line(const char *out)
{
    assert_int_equal(strncmp(out, "PID ", 4), 0);
    return strtoull(out + 4, NULL, 10);
}

/* The whole `basic` history in one form. */
static void check_basic(char *reports, char *out, int json)
{
    static struct rec recs[16], want[8];
    unsigned long long pid = pid_line(out);
    int n = stats_records(reports, json, recs, 16), m = expectations(out, want, 8);
    assert_int_equal(n, 4);     /* rep-a, rep-b, rep-c, the odd name */
    assert_int_equal(m, 3);
    for (int k = 0; k < m; k++)
        same_figures(find(recs, n, get(&want[k], "pool")), &want[k], json);
    const struct rec *a = find(recs, n, "rep-a"), *b = find(recs, n, "rep-b"), *c = find(recs, n, "rep-c");
    /* what the child provoked, in absolute numbers */
    assert_int_equal(num(a, "blocks_total"), 64);
    assert_int_equal(num(a, "blocks_held"), 10);
    assert_int_equal(num(a, "blocks_held_max"), 64);
    assert_int_equal(num(a, "failed_gets"), 3);
    assert_int_equal(num(a, "refused_puts"), 2);
    assert_int_equal(num(a, "coalesces"), 2);
    assert_true(num(a, "coalesce_ns_total") >= num(a, "coalesce_ns_max"));
    assert_true(num(a, "coalesce_ns_max") > 0);
    assert_int_equal(num(b, "blocks_held"), 5);
    assert_int_equal(num(b, "blocks_held_max"), 20);
    assert_int_equal(num(c, "blocks_held"), 5);
    assert_string_equal(get(a, "event"), "exit");
    assert_string_equal(get(b, "event"), "destroy");
    assert_string_equal(get(c, "event"), "exit");
    /* who wrote it */
    for (int k = 0; k < n; k++) {
        assert_string_equal(get(&recs[k], "host"), host);
        assert_int_equal(num(&recs[k], "pid"), pid);
    }
    /* the odd name, escaped and read back: bytes that are not UTF-8 become U+FFFD in JSON */
    char odd[80];
    snprintf(odd, sizeof odd, "q'u\"o\\te\nnew\tline\x01 caf\xc3\xa9 %s%s%s", json ? "\xef\xbf\xbd" : "\xff", "------------------------------------", json ? "\xef\xbf\xbd" : "\xc3");
    const struct rec *d = find(recs, n, odd);
    assert_int_equal(num(d, "blocks_total"), 16);
}

/* ------------------------------------------------------------------------ */
/* the tests                                                                */

static void stats_text_on_stderr(void **state)
{
    (void)state;
    static struct run r;
    run("basic", (const char *[]){"NUMAPOOL_STATS=1", NULL}, &r);
    assert_int_equal(r.status, 0);
    check_basic(r.err, r.out, 0);
}

static void stats_json_on_stderr(void **state)
{
    (void)state;
    static struct run r;
    run("basic", (const char *[]){"NUMAPOOL_STATS=json", NULL}, &r);
    assert_int_equal(r.status, 0);
    check_basic(r.err, r.out, 1);
}


static char *slurp(const char *path)
{
    static char buf[1 << 20];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail_msg("no file %s: %s", path, strerror(errno));
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    assert_true(n >= 0 && (size_t)n < sizeof buf - 1);
    buf[n] = '\0';
    return buf;
}

/* No stats line of either form in `text`. */
static void no_stats_in(const char *text)
{
    assert_null(strstr(text, "{\"numapool_stats\""));
    assert_null(strstr(text, ": stats event="));
}

static void stats_json_file_per_rank(void **state)
{
    (void)state;
    static struct run r;
    char setting[300], path[600];
    snprintf(setting, sizeof setting, "NUMAPOOL_STATS=json:%s/s-%%r-%%h-%%p.jsonl", tmpdir);
    run("basic", (const char *[]){setting, "OMPI_COMM_WORLD_RANK=6", "OMPI_COMM_WORLD_LOCAL_RANK=2", NULL}, &r);
    assert_int_equal(r.status, 0);
    no_stats_in(r.err);
    snprintf(path, sizeof path, "%s/s-6-%s-%llu.jsonl", tmpdir, host, pid_line(r.out));
    char *text = slurp(path);
    static struct rec recs[8];
    char copy[1 << 14];
    snprintf(copy, sizeof copy, "%s", text);
    int n = stats_records(copy, 1, recs, 8);
    for (int k = 0; k < n; k++) {
        assert_int_equal(num(&recs[k], "rank"), 6);
        assert_int_equal(num(&recs[k], "local_rank"), 2);
        assert_string_equal(get(&recs[k], "rank_var"), "OMPI_COMM_WORLD_RANK");
    }
    check_basic(text, r.out, 1);
    unlink(path);
}

static void stats_text_file_pid_and_append(void **state)
{
    (void)state;
    static struct run r1, r2;
    char setting[300], path[600];
    /* no rank: %r is the pid */
    snprintf(setting, sizeof setting, "NUMAPOOL_STATS=text:%s/t-%%r.txt", tmpdir);
    run("basic", (const char *[]){setting, NULL}, &r1);
    assert_int_equal(r1.status, 0);
    no_stats_in(r1.err);
    snprintf(path, sizeof path, "%s/t-%llu.txt", tmpdir, pid_line(r1.out));
    check_basic(slurp(path), r1.out, 0);
    unlink(path);
    /* a fixed name ("%%" is a percent sign): two runs append */
    snprintf(setting, sizeof setting, "NUMAPOOL_STATS=TEXT:%s/all-100%%%%.txt", tmpdir);
    run("three", (const char *[]){setting, NULL}, &r1);
    run("one", (const char *[]){setting, NULL}, &r2);
    assert_int_equal(r1.status, 0);
    assert_int_equal(r2.status, 0);
    snprintf(path, sizeof path, "%s/all-100%%.txt", tmpdir);
    static struct rec recs[8];
    assert_int_equal(stats_records(slurp(path), 0, recs, 8), 4);
    assert_int_equal(num(&recs[0], "pid"), pid_line(r1.out));
    assert_int_equal(num(&recs[3], "pid"), pid_line(r2.out));
    assert_null(get(&recs[0], "rank"));
    unlink(path);
}

/* One pool under NUMAPOOL_STATS=json with `env`: the rank fields. */
static void ranks_case(const char *const *env, long rank, long local, const char *var, const char *warned)
{
    static struct run r;
    const char *e[16] = {"NUMAPOOL_STATS=json"};
    int n = 1;
    for (; env[n - 1]; n++)
        e[n] = env[n - 1];
    e[n] = NULL;
    run("one", e, &r);
    assert_int_equal(r.status, 0);
    static struct rec recs[2];
    char copy[sizeof r.err];
    memcpy(copy, r.err, sizeof copy);
    assert_int_equal(stats_records(copy, 1, recs, 2), 1);
    if (rank < 0)
        assert_string_equal(get(&recs[0], "rank"), "null");
    else
        assert_int_equal(num(&recs[0], "rank"), rank);
    if (local < 0)
        assert_string_equal(get(&recs[0], "local_rank"), "null");
    else
        assert_int_equal(num(&recs[0], "local_rank"), local);
    assert_string_equal(get(&recs[0], "rank_var"), var ? var : "null");
    /* a warning only about a malformed variable, and one line of it */
    int warnings = 0;
    for (const char *l = r.err; (l = strstr(l, "ignored")) != NULL; l++)
        warnings++;
    assert_int_equal(warnings, warned ? 1 : 0);
    if (warned)
        assert_non_null(strstr(r.err, warned));
}

static void rank_variables(void **state)
{
    (void)state;
    ranks_case((const char *[]){NULL}, -1, -1, NULL, NULL);
    /* Open MPI's mpirun inside a Slurm allocation: OMPI_* win over the allocation's SLURM_* */
    ranks_case((const char *[]){"OMPI_COMM_WORLD_RANK=5", "OMPI_COMM_WORLD_LOCAL_RANK=1", "PMI_RANK=9", "PMIX_RANK=8",
                                "SLURM_PROCID=0", "SLURM_LOCALID=0", NULL}, 5, 1, "OMPI_COMM_WORLD_RANK", NULL);
    /* srun --mpi=pmix: PMIX_RANK, and SLURM_LOCALID since SLURM_PROCID agrees */
    ranks_case((const char *[]){"PMIX_RANK=4", "SLURM_PROCID=4", "SLURM_LOCALID=2", NULL}, 4, 2, "PMIX_RANK", NULL);
    /* a PMIx launcher inside an allocation whose SLURM_PROCID is not the rank: no local rank */
    ranks_case((const char *[]){"PMIX_RANK=4", "SLURM_PROCID=0", "SLURM_LOCALID=0", NULL}, 4, -1, "PMIX_RANK", NULL);
    /* MPICH's Hydra */
    ranks_case((const char *[]){"PMI_RANK=7", "MPI_LOCALRANKID=3", "SLURM_PROCID=0", "SLURM_LOCALID=0", NULL}, 7, 3,
               "PMI_RANK", NULL);
    /* plain srun */
    ranks_case((const char *[]){"SLURM_PROCID=9", "SLURM_LOCALID=2", NULL}, 9, 2, "SLURM_PROCID", NULL);
    /* a malformed variable is skipped, with one warning */
    ranks_case((const char *[]){"OMPI_COMM_WORLD_RANK=abc", "PMI_RANK=2", NULL}, 2, -1, "PMI_RANK",
               "OMPI_COMM_WORLD_RANK='abc' is not a rank");
    ranks_case((const char *[]){"PMI_RANK=99999999999", NULL}, -1, -1, NULL, "PMI_RANK='99999999999'");
    ranks_case((const char *[]){"PMI_RANK=3", "MPI_LOCALRANKID=-1", NULL}, 3, -1, "PMI_RANK", "MPI_LOCALRANKID='-1'");
    /* a local rank without a rank says nothing */
    ranks_case((const char *[]){"OMPI_COMM_WORLD_LOCAL_RANK=1", "SLURM_LOCALID=1", NULL}, -1, -1, NULL, NULL);
}

static void text_prefix_and_verbose(void **state)
{
    (void)state;
    static struct run r;
    run("one", (const char *[]){"NUMAPOOL_STATS=1", "NUMAPOOL_VERBOSE=1", "PMI_RANK=12", "MPI_LOCALRANKID=0", NULL}, &r);
    assert_int_equal(r.status, 0);
    char want[400];
    snprintf(want, sizeof want, "numapool host=%s pid=%llu rank=12 local_rank=0: pool 'one' node ", host,
             pid_line(r.out));
    char *line[8];
    assert_int_equal(lines_of(r.err, line, 8), 2);   /* one verbose line (one node), one stats line */
    assert_int_equal(strncmp(line[0], want, strlen(want)), 0);
    assert_non_null(strstr(line[0], "blocks of 100 B"));
    assert_non_null(strstr(line[0], "pages verified on node"));
    snprintf(want, sizeof want, "numapool host=%s pid=%llu rank=12 local_rank=0: stats event=exit pool='one' ", host,
             pid_line(r.out));
    assert_int_equal(strncmp(line[1], want, strlen(want)), 0);
    /* NUMAPOOL_VERBOSE=0 and unset: nothing */
    run("one", (const char *[]){"NUMAPOOL_VERBOSE=0", NULL}, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.nerr, 0);
}

static void malformed_settings(void **state)
{
    (void)state;
    static const char *const bad[] = {"NUMAPOOL_STATS=xml", "NUMAPOOL_STATS=2", "NUMAPOOL_STATS=json:",
                                      "NUMAPOOL_STATS=text:", "NUMAPOOL_STATS=text:a%q", "NUMAPOOL_STATS=json:a%",
                                      "NUMAPOOL_STATS=jsonl", "NUMAPOOL_STATS= 1", "NUMAPOOL_STATS=csv:x"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        static struct run r;
        run("three", (const char *[]){bad[k], NULL}, &r);
        assert_int_equal(r.status, 0);
        char *line[8];
        /* three pools made: one warning line, at the first, and no stats */
        if (lines_of(r.err, line, 8) != 1)
            fail_msg("%s: %zu bytes on stderr: %s", bad[k], r.nerr, r.err);
        char want[64];
        snprintf(want, sizeof want, "NUMAPOOL_STATS='%s' is not ", bad[k] + 15);
        assert_non_null(strstr(line[0], want));
        assert_non_null(strstr(line[0], ": ignored"));
        assert_int_equal(strncmp(line[0], "numapool host=", 14), 0);
    }
    /* off: 0 and empty say nothing */
    static const char *const off[] = {"NUMAPOOL_STATS=0", "NUMAPOOL_STATS="};
    for (size_t k = 0; k < 2; k++) {
        static struct run r;
        run("three", (const char *[]){off[k], NULL}, &r);
        assert_int_equal(r.status, 0);
        assert_int_equal(r.nerr, 0);
    }
}

static void unwritable_file_goes_to_stderr(void **state)
{
    (void)state;
    static struct run r;
    run("three", (const char *[]){"NUMAPOOL_STATS=json:/nonexistent-npool-dir/%r.jsonl", NULL}, &r);
    assert_int_equal(r.status, 0);
    static struct rec recs[4];
    char copy[sizeof r.err];
    memcpy(copy, r.err, sizeof copy);
    assert_int_equal(stats_records(copy, 1, recs, 4), 3);
    int warnings = 0;
    for (const char *l = r.err; (l = strstr(l, "cannot open")) != NULL; l++)
        warnings++;
    assert_int_equal(warnings, 1);
    char want[128];
    snprintf(want, sizeof want, "cannot open \"/nonexistent-npool-dir/%llu.jsonl\"", pid_line(r.out));
    assert_non_null(strstr(r.err, want));
}

/* A pool alive across fork: the child reports only its own pool at exit
 * (the parent's is not mapped there), the parent only its own. */
static void fork_reports_own_pools(void **state)
{
    (void)state;
    static struct run r;
    run("fork", (const char *[]){"NUMAPOOL_STATS=json", NULL}, &r);
    assert_int_equal(r.status, 0);
    long parent = (long)pid_line(r.out);
    const char *l = strstr(r.out + 4, "PID ");
    assert_non_null(l);
    long child = atol(l + 4);
    assert_true(child != parent);
    static struct rec recs[4];
    assert_int_equal(stats_records(r.err, 1, recs, 4), 2);
    assert_int_equal(num(find(recs, 2, "parent"), "pid"), parent);
    assert_int_equal(num(find(recs, 2, "child"), "pid"), child);
    assert_string_equal(get(find(recs, 2, "child"), "event"), "exit");
}

/* P processes of T threads, each making and destroying K pools, all writing
 * to one file (and in a second run to one pipe): every line whole, every
 * pool once. */
static void concurrent_writers_one_line_each(void **state)
{
    (void)state;
    enum { P = 4, T = 4, K = 20 };
    char setting[700], path[600];
    snprintf(path, sizeof path, "%s/shared.jsonl", tmpdir);
    snprintf(setting, sizeof setting, "NUMAPOOL_STATS=json:%s", path);
    const char *argv[] = {child_path, "hammer", "4", "4", "20", NULL};
    for (int pass = 0; pass < 2; pass++) {
        static struct run r;
        run_as(argv, (const char *[]){pass ? "NUMAPOOL_STATS=1" : setting, NULL}, -1, &r);
        assert_int_equal(r.status, 0);
        char *text = pass ? r.err : slurp(path);
        static struct rec recs[P * (T * K + 1) + 1];
        static char *line[2048];
        char *copy = strdup(text);
        int nlines = lines_of(copy, line, 2048);
        free(copy);
        int n = stats_records(text, !pass, recs, P * (T * K + 1) + 1);
        assert_int_equal(nlines, P * (T * K + 1));     /* nothing else, nothing torn */
        assert_int_equal(n, P * (T * K + 1));
        /* every pool once, by pid and name */
        static char seen[P][T * K + 1];
        memset(seen, 0, sizeof seen);
        long pids[P];
        int npids = 0;
        for (char *l = r.out; (l = strstr(l, "PID ")) != NULL; l += 4)
            pids[npids++] = atol(l + 4);
        assert_int_equal(npids, P);
        for (int k = 0; k < n; k++) {
            int proc, thread, pool;
            const char *name = get(&recs[k], "pool");
            if (sscanf(name, "hammer-p%d-t%d-k%d-", &proc, &thread, &pool) == 3) {
                assert_true(proc >= 0 && proc < P && thread >= 0 && thread < T && pool >= 0 && pool < K);
                assert_string_equal(get(&recs[k], "event"), "destroy");
                assert_int_equal(num(&recs[k], "blocks_held"), pool % 4);
                assert_int_equal(num(&recs[k], "blocks_held_max"), pool % 4);
                seen[proc][thread * K + pool]++;
            } else {
                assert_int_equal(sscanf(name, "hammer-p%d-alive", &proc), 1);
                assert_string_equal(get(&recs[k], "event"), "exit");
                seen[proc][T * K]++;
            }
            long pid = (long)num(&recs[k], "pid");
            int known = 0;
            for (int j = 0; j < P; j++)
                known |= pids[j] == pid;
            assert_true(known);
        }
        for (int p = 0; p < P; p++)
            for (int j = 0; j <= T * K; j++)
                assert_int_equal(seen[p][j], 1);
        unlink(path);
    }
}

/* ------------------------------------------------------------------------ */
/* one write per line, as strace sees it                                    */

/* Count, over the per-thread trace files trace.*, the writes that carry a
 * stats line (`mark`) and those of them that are exactly one whole line:
 * write(FD, "...\n", LEN) = LEN with no other newline in the string. */
static void count_writes(const char *mark, int *writes, int *whole)
{
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    static char l[1 << 17];
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, "trace.", 6))
            continue;
        char name[600];
        snprintf(name, sizeof name, "%s/%s", tmpdir, e->d_name);
        FILE *f = fopen(name, "r");
        assert_non_null(f);
        while (fgets(l, sizeof l, f)) {
            char *w = strstr(l, "write(");
            if (!w || !strstr(w, mark))
                continue;
            (*writes)++;
            char *q = strstr(w, "\\n\", ");
            long len = 0, ret = -1;
            if (q && strstr(w, "\\n") == q && sscanf(q + 5, "%ld) = %ld", &len, &ret) == 2 && len == ret)
                (*whole)++;
            else
                fprintf(stderr, "not one whole line in one write: %s", l);
        }
        fclose(f);
        unlink(name);
    }
    closedir(d);
}

static int strace_suite(void)
{
    if (access("/usr/bin/strace", X_OK) != 0) {
        fprintf(stderr, "skip: no /usr/bin/strace (Debian: strace)\n");
        return 77;
    }
    char trace[600], path[600], setting[700];
    snprintf(trace, sizeof trace, "%s/trace", tmpdir);
    snprintf(path, sizeof path, "%s/traced.jsonl", tmpdir);
    snprintf(setting, sizeof setting, "NUMAPOOL_STATS=json:%s", path);
    int fails = 0;
    for (int form = 0; form < 3; form++) {
        /* json to a file, text to stderr, json to stderr; 2 processes x 3 threads x 5 pools */
        const char *set = form == 0 ? setting : form == 1 ? "NUMAPOOL_STATS=1" : "NUMAPOOL_STATS=json";
        const char *argv[] = {"/usr/bin/strace", "-ff", "-qq", "-e", "trace=write", "-e", "signal=none", "-s",
                              "65536", "-o", trace, child_path, "hammer", "2", "3", "5", NULL};
        static struct run r;
        run_as(argv, (const char *[]){set, NULL}, -1, &r);
        if (r.status != 0) {
            fprintf(stderr, "skip: strace could not run the child (exit %d): %s\n", r.status, r.err);
            return 77;
        }
        char *text = form == 0 ? slurp(path) : r.err;
        int lines = 0, writes = 0, whole = 0, want = 2 * (3 * 5 + 1);
        for (const char *c = text; *c; c++)
            lines += *c == '\n';
        count_writes(form == 1 ? ": stats event=" : "{\\\"numapool_stats\\\":1,", &writes, &whole);
        fprintf(stderr, "%s: %d lines, %d writes of stats lines, %d of them one whole line\n", set, lines, writes,
                whole);
        if (lines != want || writes != want || whole != want) {
            fprintf(stderr, "FAIL: %s wants %d lines in %d writes\n", set, want, want);
            fails++;
        }
        unlink(path);
    }
    return fails ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* setuid programs ignore NUMAPOOL_* (secure_getenv)                         */

static int copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0700);
    char buf[1 << 16];
    ssize_t n = 0;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            n = -1;
    int rc = in >= 0 && out >= 0 && n == 0 && fchown(out, 0, 0) == 0 && fchmod(out, mode) == 0 ? 0 : -1;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return rc;
}

static int setuid_suite(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "skip: making a setuid-root program needs root\n");
        return 77;
    }
    char suid[600];
    snprintf(suid, sizeof suid, "%s/child-suid", tmpdir);
    if (chmod(tmpdir, 0755) != 0 || copy_file(child_path, suid, 04755) != 0) {
        fprintf(stderr, "cannot make %s: %s\n", suid, strerror(errno));
        return 1;
    }
    const char *env[] = {"NUMAPOOL_STATS=1", "NUMAPOOL_VERBOSE=1", "NUMAPOOL_PAGES=bogus", "NUMAPOOL_NODES=999",
                         "PMI_RANK=x", NULL};
    const char *argv[] = {suid, "secure", NULL};
    static struct run r;
    /* as root, not setuid: the variables are read (NUMAPOOL_PAGES=bogus refuses the pool) */
    run_as(argv, env, -1, &r);
    if (r.status != 1 || !strstr(r.out, "SECURE 0") || !strstr(r.err, "NUMAPOOL_PAGES=\"bogus\"")) {
        fprintf(stderr, "FAIL: as a plain program (exit %d) the variables should refuse the pool: %s%s\n", r.status,
                r.out, r.err);
        return 1;
    }
    /* as nobody, setuid root: every one ignored (the pool is made, nothing on stderr) */
    run_as(argv, env, 65534, &r);
    if (strstr(r.out, "SECURE 0")) {
        fprintf(stderr, "skip: the kernel did not run %s setuid (a nosuid mount?)\n", suid);
        unlink(suid);
        return 77;
    }
    unlink(suid);
    if (r.status != 0 || !strstr(r.out, "SECURE 1") || !strstr(r.out, "EXPECT one ") || r.nerr != 0) {
        fprintf(stderr, "FAIL: setuid (exit %d) should ignore NUMAPOOL_*: stdout: %s\nstderr: %s\n", r.status, r.out,
                r.err);
        return 1;
    }
    fprintf(stderr, "setuid root run as nobody: AT_SECURE, pool made, nothing on stderr\n");
    return 0;
}

static const struct CMUnitTest suite[] = {
    cmocka_unit_test(stats_text_on_stderr),
    cmocka_unit_test(stats_json_on_stderr),
    cmocka_unit_test(stats_json_file_per_rank),
    cmocka_unit_test(stats_text_file_pid_and_append),
    cmocka_unit_test(rank_variables),
    cmocka_unit_test(text_prefix_and_verbose),
    cmocka_unit_test(malformed_settings),
    cmocka_unit_test(unwritable_file_goes_to_stderr),
    cmocka_unit_test(fork_reports_own_pools),
    cmocka_unit_test(concurrent_writers_one_line_each),
};

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    if (d) {
        for (struct dirent *e; (e = readdir(d)) != NULL;)
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                char name[600];
                snprintf(name, sizeof name, "%s/%s", tmpdir, e->d_name);
                unlink(name);
            }
        closedir(d);
    }
    rmdir(tmpdir);
}

int main(int argc, char **argv)
{
    if (argc < 2 || (argc == 3 && strcmp(argv[2], "strace") && strcmp(argv[2], "setuid")) || argc > 3) {
        fprintf(stderr, "usage: test_report REPORT_CHILD [strace|setuid]\n");
        return 2;
    }
    child_path = argv[1];
    if (gethostname(host, sizeof host - 1) != 0)
        return 1;
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    int rc = argc == 3 && !strcmp(argv[2], "strace")   ? strace_suite()
             : argc == 3 && !strcmp(argv[2], "setuid") ? setuid_suite()
                                                       : cmocka_run_group_tests(suite, NULL, NULL);
    remove_tmpdir();
    return rc;
}
