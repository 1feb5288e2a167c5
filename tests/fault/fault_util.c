/* tests/fault/fault_util.c - reporting, /proc/self/maps snapshots and
 * their page-exact difference, for the fault tests (fault_util.h). */
#include "fault_util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numapool.h"

int fu_passed, fu_failed, fu_verbose;

int fu_check(int ok, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ok) {
        fu_passed++;
        if (fu_verbose)
            printf("ok - %s\n", msg);
    } else {
        fu_failed++;
        printf("FAIL - %s (line %d; last error: %s)\n", msg, line, npool_last_error());
    }
    fflush(stdout);
    return ok;
}

int fu_summary(const char *what)
{
    printf("%s: %d passed, %d failed\n", what, fu_passed, fu_failed);
    return fu_failed ? 1 : 0;
}

/* Under a sanitizer, its allocator serves malloc from a space it reserved
 * at start (x86-64: ASan 0x600000000000 + 4 TiB, TSan 0x7b0000000000 +
 * 1 TiB), mapping it in a size class at a time as the peak grows and never
 * giving it back, so its lines move with the allocation pattern, not with
 * leaks (LeakSanitizer's).  No other mapping can land inside that
 * reservation: its lines are left out, every other line is compared. */
#if defined(__SANITIZE_ADDRESS__)
#define SAN_HEAP_LO 0x600000000000ull
#define SAN_HEAP_HI 0x640000000000ull
#elif defined(__SANITIZE_THREAD__)
#define SAN_HEAP_LO 0x7b0000000000ull
#define SAN_HEAP_HI 0x7c0000000000ull
#endif

static void drop_sanitizer_heap(struct maps *m)
{
#ifdef SAN_HEAP_LO
    size_t w = 0;
    for (size_t r = 0; r < m->len;) {
        const char *e = memchr(m->text + r, '\n', m->len - r);
        size_t l = e ? (size_t)(e - (m->text + r)) + 1 : m->len - r;
        unsigned long long lo = 0, hi = 0;
        int skip = sscanf(m->text + r, "%llx-%llx", &lo, &hi) == 2 && lo >= SAN_HEAP_LO && hi <= SAN_HEAP_HI;
        if (!skip) {
            memmove(m->text + w, m->text + r, l);
            w += l;
        }
        r += l;
    }
    m->len = w;
    m->text[w] = '\0';
#else
    (void)m;
#endif
}

void maps_read(struct maps *m)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    m->len = 0;
    if (fd < 0) {
        perror("/proc/self/maps");
        exit(2);
    }
    for (;;) {
        ssize_t r = read(fd, m->text + m->len, sizeof m->text - 1 - m->len);
        if (r <= 0)
            break;
        m->len += (size_t)r;
        if (m->len + 1 >= sizeof m->text) {
            fprintf(stderr, "/proc/self/maps is larger than %zu bytes\n", sizeof m->text);
            exit(2);
        }
    }
    close(fd);
    m->text[m->len] = '\0';
    drop_sanitizer_heap(m);
}

int maps_same(const struct maps *a, const struct maps *b)
{
    return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

static int has_line(const struct maps *m, const char *line, size_t n)
{
    for (const char *p = m->text; p < m->text + m->len;) {
        const char *e = memchr(p, '\n', (size_t)(m->text + m->len - p));
        size_t l = e ? (size_t)(e - p) : (size_t)(m->text + m->len - p);
        if (l == n && memcmp(p, line, n) == 0)
            return 1;
        p += l + 1;
    }
    return 0;
}

static void show_missing(const struct maps *from, const struct maps *in, const char *sign)
{
    for (const char *p = from->text; p < from->text + from->len;) {
        const char *e = memchr(p, '\n', (size_t)(from->text + from->len - p));
        size_t l = e ? (size_t)(e - p) : (size_t)(from->text + from->len - p);
        if (!has_line(in, p, l))
            printf("    %s %.*s\n", sign, (int)l, p);
        p += l + 1;
    }
}

void maps_show_diff(const struct maps *before, const struct maps *after)
{
    show_missing(before, after, "-");
    show_missing(after, before, "+");
}

/* The ranges of a snapshot, in address order (as the kernel prints them). */
static int ranges_of(const struct maps *m, struct range *r, int max)
{
    int n = 0;
    for (const char *p = m->text; p < m->text + m->len && n < max;) {
        uintptr_t lo, hi;
        if (sscanf(p, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2)
            r[n++] = (struct range){lo, hi};
        const char *e = memchr(p, '\n', (size_t)(m->text + m->len - p));
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

int maps_added(const struct maps *before, const struct maps *after, struct range *out, int max)
{
    static struct range b[16384], a[16384];
    int nb = ranges_of(before, b, 16384), na = ranges_of(after, a, 16384), n = 0;
    for (int i = 0; i < na; i++) {
        uintptr_t lo = a[i].lo;
        /* subtract every range of `before` that overlaps [lo, a[i].hi) */
        for (int j = 0; j < nb && lo < a[i].hi; j++) {
            if (b[j].hi <= lo || b[j].lo >= a[i].hi)
                continue;
            if (b[j].lo > lo && n < max)
                out[n++] = (struct range){lo, b[j].lo};
            if (b[j].hi > lo)
                lo = b[j].hi;
        }
        if (lo < a[i].hi && n < max)
            out[n++] = (struct range){lo, a[i].hi};
    }
    return n;
}

int create_rc_documented(int rc)
{
    switch (-rc) {
    case EINVAL: case EOVERFLOW: case ENODEV: case ENOMEM: case EXDEV: case EPERM: case EAGAIN: case EOPNOTSUPP:
    case EIO:
        return 1;
    default:
        return 0;
    }
}
