/* numa/topo_sysfs.c - numapool's own reads of /sys and /proc: per-node
 * memory and hugepages, Mems_allowed, THP mode, memory and hugetlb cgroup
 * limits.  hwloc tells us the shape of the machine; the numbers that change
 * while a program runs are read here, from the same root (t->fsroot), each
 * time they are asked for.
 *
 * Invariants: every path is built as fsroot + an absolute Linux path, so a
 * dump under a folder reads exactly like the live machine; a synthetic
 * topology reads nothing (-ENOENT everywhere).  No state: every function is
 * thread-safe and may be called without locks.  Files that are missing are
 * normal (old kernels, dumps that lack them): helpers report -ENOENT without
 * a sentence, and the public calls decide what "unknown" means.
 */
#include "topo_private.h"
#include "error.h"
#include "fault.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_BYTES 4096
/* Cgroup v1 prints "no limit" as a page-aligned LONG_MAX; anything this large is no limit. */
#define CG_UNLIMITED_FLOOR (UINT64_C(1) << 62)

bool topo__is_synthetic(const struct topo *t)
{
    return strncmp(t->fsroot, TOPO_SYNTHETIC_PREFIX, strlen(TOPO_SYNTHETIC_PREFIX)) == 0;
}

static int join(char *out, size_t len, const char *root, const char *path)
{
    int n = snprintf(out, len, "%s%s", root, path);
    return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : 0;
}

/* The reads of a topology build (topo__watch_*): the first that failed for
 * another reason than the file's absence. */
static _Thread_local struct {
    bool on;
    int err;
    char path[128];
} watch;

void topo__watch_start(void)
{
    watch.on = true;
    watch.err = 0;
    watch.path[0] = '\0';
}

int topo__watch_stop(char *path, size_t len)
{
    watch.on = false;
    if (len)
        snprintf(path, len, "%s", watch.path);
    return watch.err;
}

/* A read of `path` failed with errno e: absent or forbidden means "not
 * known here"; anything else (EIO, EMFILE, ENOMEM...) is worth a retry. */
static void noted(const char *path, int e)
{
    if (watch.on && !watch.err && e != ENOENT && e != ENOTDIR && e != EACCES && e != EPERM) {
        watch.err = e;
        snprintf(watch.path, sizeof watch.path, "%s", path);
    }
}

#ifdef NPOOL_FAULTS
/* Which fault point (fault.h) a read of `path` is. */
static enum npool_fault read_point(const char *path)
{
    if (strstr(path, "transparent_hugepage"))
        return NPOOL_FAULT_READ_THP;
    if (strstr(path, "/proc/self/status"))
        return NPOOL_FAULT_READ_STATUS;
    if (strstr(path, "cgroup") || strstr(path, "/proc/mounts"))
        return NPOOL_FAULT_READ_CGROUP;
    if (strstr(path, "meminfo"))
        return NPOOL_FAULT_READ_MEMINFO;
    if (strstr(path, "hugepages"))
        return NPOOL_FAULT_READ_HUGEPAGES;
    return NPOOL_FAULT_READ_NODES;
}
#endif

long topo__read(const char *root, const char *path, char *buf, size_t len)
{
    char full[PATH_BYTES];
    if (len == 0)
        return -EINVAL;
    buf[0] = '\0';
    if (strncmp(root, TOPO_SYNTHETIC_PREFIX, strlen(TOPO_SYNTHETIC_PREFIX)) == 0)
        return -ENOENT;
    int rc = join(full, sizeof full, root, path);
    if (rc)
        return rc;
    int fd = NPOOL_FAULT_AT(read_point(path)) ? -1 : open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        noted(path, e);
        return -e;
    }
    size_t got = 0;
    while (got + 1 < len) {
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            noted(path, -rc);
            close(fd);
            buf[0] = '\0';
            return rc;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    return (long)strlen(buf);  /* a NUL inside ends the text */
}

int topo__read_u64(const char *root, const char *path, uint64_t *out)
{
    char buf[64];
    long n = topo__read(root, path, buf, sizeof buf);
    if (n < 0)
        return (int)n;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (end == buf || errno)
        return -EINVAL;
    *out = v;
    return 0;
}

bool topo__dir_exists(const char *root, const char *path)
{
    char full[PATH_BYTES];
    struct stat st;
    if (strncmp(root, TOPO_SYNTHETIC_PREFIX, strlen(TOPO_SYNTHETIC_PREFIX)) == 0)
        return false;
    if (join(full, sizeof full, root, path))
        return false;
    return stat(full, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *skip_space(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

static int parse_int(const char **sp, int *out)
{
    const char *s = *sp;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    long v = 0;
    while (isdigit((unsigned char)*s)) {
        v = v * 10 + (*s - '0');
        if (v > INT_MAX / 2)
            return -ERANGE;
        s++;
    }
    *out = (int)v;
    *sp = s;
    return 0;
}

int topo__parse_list(const char *s, int (*fn)(int lo, int hi, void *arg), void *arg)
{
    s = skip_space(s);
    while (*s) {
        int lo, hi, rc;
        if ((rc = parse_int(&s, &lo)))
            return rc;
        hi = lo;
        if (*s == '-') {
            s++;
            if ((rc = parse_int(&s, &hi)))
                return rc;
            if (hi < lo)
                return -EINVAL;
        }
        if ((rc = fn(lo, hi, arg)))
            return rc;
        s = skip_space(s);
        if (*s == ',')
            s = skip_space(s + 1);
        else if (*s)
            return -EINVAL;
    }
    return 0;
}

static int add_nodes(int lo, int hi, void *arg)
{
    if (hi >= TOPO_MAX_NODE)
        return -ERANGE;
    for (int n = lo; n <= hi; n++)
        topo_nodeset_add(arg, n);
    return 0;
}

int topo__parse_nodelist(const char *s, topo_nodeset_t *out)
{
    memset(out, 0, sizeof *out);
    return topo__parse_list(s, add_nodes, out);
}

/* ---- meminfo ---- */

/* Value in bytes of `key` ("MemFree") in a node or /proc meminfo text:
 * lines "Node 0 MemFree:  123 kB" or "MemFree:  123 kB". */
static bool meminfo_get(const char *text, const char *key, uint64_t *bytes)
{
    size_t klen = strlen(key);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        const char *p = line;
        if (strncmp(p, "Node ", 5) == 0) {       /* skip "Node N " */
            p += 5;
            while (isdigit((unsigned char)*p))
                p++;
            p = skip_space(p);
        }
        if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
            char *end;
            unsigned long long v = strtoull(p + klen + 1, &end, 10);
            if (end == p + klen + 1)
                return false;
            end = (char *)skip_space(end);
            *bytes = strncmp(end, "kB", 2) == 0 ? (uint64_t)v * 1024 : (uint64_t)v;
            return true;
        }
    }
    return false;
}

/* The machine has one node and no node folders: machine-wide files stand for it. */
static bool single_without_folder(const struct topo *t, int node)
{
    char path[96];
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d", node);
    return t->nnodes == 1 && t->node[0].os_index == node && !topo__dir_exists(t->fsroot, path);
}

static long read_meminfo(const struct topo *t, int node, bool single, char *buf, size_t len)
{
    char path[96];
    if (single)
        return topo__read(t->fsroot, "/proc/meminfo", buf, len);
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/meminfo", node);
    return topo__read(t->fsroot, path, buf, len);
}

/* ---- hugepages ---- */

static int cmp_hp_desc(const void *a, const void *b)
{
    const struct topo_hugepages *x = a, *y = b;
    return x->page_size < y->page_size ? 1 : x->page_size > y->page_size ? -1 : 0;
}

/* Hugepage sizes and counts in `dir` (a .../hugepages folder). */
static int read_hp_dir(const char *root, const char *dir, struct topo_hugepages *hp, int max)
{
    char full[PATH_BYTES];
    struct topo_hugepages all[16];
    int n = 0;
    if (strncmp(root, TOPO_SYNTHETIC_PREFIX, strlen(TOPO_SYNTHETIC_PREFIX)) == 0 ||
        join(full, sizeof full, root, dir))
        return 0;
    DIR *d = NPOOL_FAULT(READ_HUGEPAGES) ? NULL : opendir(full);
    if (!d) {
        noted(dir, errno);
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) && n < (int)(sizeof all / sizeof all[0])) {
        unsigned long long kb;
        char tail[8];
        if (sscanf(e->d_name, "hugepages-%llu%7s", &kb, tail) != 2 || strcmp(tail, "kB") != 0)
            continue;
        char p[PATH_BYTES];
        uint64_t total = 0, freep = 0;
        snprintf(p, sizeof p, "%s/%s/nr_hugepages", dir, e->d_name);
        if (topo__read_u64(root, p, &total))
            continue;
        snprintf(p, sizeof p, "%s/%s/free_hugepages", dir, e->d_name);
        if (topo__read_u64(root, p, &freep))
            continue;
        all[n].page_size = (size_t)kb * 1024;
        all[n].total = (long)total;
        all[n].free = (long)freep;
        n++;
    }
    closedir(d);
    qsort(all, (size_t)n, sizeof all[0], cmp_hp_desc);
    if (n > max)
        n = max;
    memcpy(hp, all, (size_t)n * sizeof all[0]);
    return n;
}

void topo__sysfs_fill_node(const struct topo *t, struct topo_node *n, bool single)
{
    char buf[8192], dir[96];
    uint64_t v = 0;
    if (read_meminfo(t, n->os_index, single, buf, sizeof buf) > 0) {
        if (meminfo_get(buf, "MemTotal", &v))
            n->mem_total = v;
        if (meminfo_get(buf, "MemFree", &v))
            n->mem_free = v;
    }
    if (single)
        n->nhp = read_hp_dir(t->fsroot, "/sys/kernel/mm/hugepages", n->hp, TOPO_MAX_HPSIZES);
    else {
        snprintf(dir, sizeof dir, "/sys/devices/system/node/node%d/hugepages", n->os_index);
        n->nhp = read_hp_dir(t->fsroot, dir, n->hp, TOPO_MAX_HPSIZES);
    }
}

int topo_hugepages_free(const struct topo *t, int node, size_t page_size, long *free_pages)
{
    char path[160];
    uint64_t v = 0;
    if (!t || !free_pages || page_size < 1024)
        return npool__errorf(-EINVAL, "topo_hugepages_free: bad arguments");
    int pos = topo_node_pos(t, node);
    if (pos < 0)
        return npool__errorf(-ENODEV, "node %d does not exist on this machine", node);
    if (single_without_folder(t, node))
        snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%zukB/free_hugepages",
                 page_size / 1024);
    else
        snprintf(path, sizeof path,
                 "/sys/devices/system/node/node%d/hugepages/hugepages-%zukB/free_hugepages",
                 node, page_size / 1024);
    int rc = topo__read_u64(t->fsroot, path, &v);
    if (rc)
        return npool__errorf(rc == -ENOENT ? -ENOENT : -EIO,
                             "node %d has no %zu kB hugepages (%s%s unreadable)",
                             node, page_size / 1024, t->fsroot, path);
    *free_pages = (long)v;
    return 0;
}

int topo_hugepage_sizes(const struct topo *t, size_t *sizes, int max)
{
    struct topo_hugepages hp[TOPO_MAX_HPSIZES];
    if (!t || !sizes || max <= 0)
        return 0;
    int n = read_hp_dir(t->fsroot, "/sys/kernel/mm/hugepages", hp, TOPO_MAX_HPSIZES);
    if (n == 0) {  /* no machine-wide folder: the sizes the nodes know */
        for (int i = 0; i < t->nnodes && n == 0; i++) {
            n = t->node[i].nhp;
            memcpy(hp, t->node[i].hp, (size_t)n * sizeof hp[0]);
        }
    }
    if (n > max)
        n = max;
    for (int i = 0; i < n; i++)
        sizes[i] = hp[i].page_size;
    return n;
}

int topo_node_mem_available(const struct topo *t, int node, uint64_t *bytes)
{
    char buf[8192];
    uint64_t memfree, act = 0, inact = 0, avail;
    if (!t || !bytes)
        return npool__errorf(-EINVAL, "topo_node_mem_available: bad arguments");
    int pos = topo_node_pos(t, node);
    if (pos < 0)
        return npool__errorf(-ENODEV, "node %d does not exist on this machine", node);
    if (topo__is_synthetic(t)) {
        *bytes = t->node[pos].mem_free;
        return 0;
    }
    bool single = single_without_folder(t, node);
    long n = read_meminfo(t, node, single, buf, sizeof buf);
    if (n <= 0 || !meminfo_get(buf, "MemFree", &memfree))
        return npool__errorf(n < 0 ? (int)n : -EIO, "cannot read the meminfo of node %d under '%s'",
                             node, t->fsroot[0] ? t->fsroot : "/");
    if (single && meminfo_get(buf, "MemAvailable", &avail)) {
        *bytes = avail;
        return 0;
    }
    /* Clean and dirty page cache can be reclaimed for us; anon, shmem, slab cannot be counted on. */
    meminfo_get(buf, "Active(file)", &act);
    meminfo_get(buf, "Inactive(file)", &inact);
    *bytes = memfree + act + inact;
    return 0;
}

/* ---- Mems_allowed, THP ---- */

int topo__read_mems_allowed(const char *root, topo_nodeset_t *out)
{
    char buf[8192];
    long n = topo__read(root, "/proc/self/status", buf, sizeof buf);
    if (n < 0)
        return (int)n;
    const char *p = strstr(buf, "\nMems_allowed_list:");
    if (!p)
        return -ENOENT;
    p += strlen("\nMems_allowed_list:");
    char line[4096];
    size_t i = 0;
    while (p[i] && p[i] != '\n' && i + 1 < sizeof line) {
        line[i] = p[i];
        i++;
    }
    line[i] = '\0';
    return topo__parse_nodelist(line, out);
}

enum topo_thp topo_thp_mode(const struct topo *t)
{
    char buf[256];
    if (!t || topo__read(t->fsroot, "/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) <= 0)
        return TOPO_THP_UNKNOWN;
    if (strstr(buf, "[always]"))
        return TOPO_THP_ALWAYS;
    if (strstr(buf, "[madvise]"))
        return TOPO_THP_MADVISE;
    if (strstr(buf, "[never]"))
        return TOPO_THP_NEVER;
    return TOPO_THP_UNKNOWN;
}

const char *topo_thp_name(enum topo_thp m)
{
    switch (m) {
    case TOPO_THP_ALWAYS: return "always";
    case TOPO_THP_MADVISE: return "madvise";
    case TOPO_THP_NEVER: return "never";
    default: return "unknown";
    }
}

/* ---- cgroups ---- */

/* Where this process's cgroup for `controller` ("memory", "hugetlb") lives:
 * the folder (mount point + path from /proc/self/cgroup) and whether it is
 * cgroup v2.  A controller named in a v1 line lives on v1 (a controller
 * belongs to one hierarchy only); else on v2 when the process has a "0::"
 * line.  -ENOENT when the process's cgroups are unknown. */
struct cg_where {
    char mount[PATH_BYTES / 4];
    char path[PATH_BYTES / 2];
    bool v2;
};

static bool has_token(const char *list, const char *tok, char sep)
{
    size_t tl = strlen(tok);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, sep);
        size_t l = e ? (size_t)(e - p) : strlen(p);
        if (l == tl && strncmp(p, tok, tl) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

/* Undo /proc/mounts' octal escapes ("\040" for a space) in place. */
static void unescape_mount(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else
            *w++ = *r;
    }
    *w = '\0';
}

static int cg_locate(const char *root, const char *controller, struct cg_where *w)
{
    enum { CG_BYTES = 16384, MOUNTS_BYTES = 65536 };
    char *cg = NPOOL_FAULT(ALLOC_CGROUP) ? NULL : malloc(CG_BYTES + MOUNTS_BYTES), *save = NULL;
    if (!cg)
        return -ENOMEM;
    char *mounts = cg + CG_BYTES;
    long n = topo__read(root, "/proc/self/cgroup", cg, CG_BYTES);
    bool v1 = false, v2 = false;
    char v1path[PATH_BYTES / 2] = "", v2path[PATH_BYTES / 2] = "";
    for (char *line = n > 0 ? strtok_r(cg, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        if (strcmp(line, "0") == 0 && c1[1] == '\0') {
            v2 = true;
            snprintf(v2path, sizeof v2path, "%s", c2 + 1);
        } else if (has_token(c1 + 1, controller, ',')) {
            v1 = true;
            snprintf(v1path, sizeof v1path, "%s", c2 + 1);
        }
    }
    if (!v1 && !v2) {
        free(cg);
        return -ENOENT;
    }
    w->v2 = !v1;
    snprintf(w->path, sizeof w->path, "%s", v1 ? v1path : v2path);
    /* The mount point: from /proc/mounts, else the usual places. */
    if (v1)
        snprintf(w->mount, sizeof w->mount, "/sys/fs/cgroup/%s", controller);
    else
        snprintf(w->mount, sizeof w->mount, "/sys/fs/cgroup");
    if (topo__read(root, "/proc/mounts", mounts, MOUNTS_BYTES) > 0) {
        save = NULL;
        for (char *line = strtok_r(mounts, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char dev[256], mnt[PATH_BYTES / 4], type[64], opts[1024];
            if (sscanf(line, "%255s %1023s %63s %1023s", dev, mnt, type, opts) != 4)
                continue;
            if ((w->v2 && strcmp(type, "cgroup2") == 0) ||
                (!w->v2 && strcmp(type, "cgroup") == 0 && has_token(opts, controller, ','))) {
                unescape_mount(mnt);
                snprintf(w->mount, sizeof w->mount, "%s", mnt);
                break;
            }
        }
    }
    free(cg);
    return 0;
}

/* limit - usage in folder `dir`; false when there is no limit there. */
static bool cg_room(const char *root, const char *dir, const char *limit_file,
                    const char *usage_file, uint64_t *room)
{
    char p[PATH_BYTES + 128], buf[64];
    uint64_t limit = 0, usage = 0;
    snprintf(p, sizeof p, "%s/%s", dir, limit_file);
    if (topo__read(root, p, buf, sizeof buf) <= 0 || strncmp(buf, "max", 3) == 0)
        return false;
    if (topo__read_u64(root, p, &limit) || limit >= CG_UNLIMITED_FLOOR)
        return false;
    snprintf(p, sizeof p, "%s/%s", dir, usage_file);
    (void)topo__read_u64(root, p, &usage);
    *room = limit > usage ? limit - usage : 0;
    return true;
}

/* The tightest room over the cgroup's folder and its ancestors up to the mount. */
static uint64_t cg_tightest(const char *root, const struct cg_where *w,
                            const char *limit_file, const char *usage_file)
{
    char dir[PATH_BYTES];
    uint64_t best = UINT64_MAX, room;
    const char *path = w->path;
    /* Inside a container the path may name folders we cannot see: drop
     * leading components until it exists under the mount. */
    for (;;) {
        snprintf(dir, sizeof dir, "%s%s", w->mount, strcmp(path, "/") == 0 ? "" : path);
        if (topo__dir_exists(root, dir) || !*path || strcmp(path, "/") == 0)
            break;
        const char *next = strchr(path + 1, '/');
        path = next ? next : "";
    }
    size_t mlen = strlen(w->mount);
    for (;;) {
        if (cg_room(root, dir, limit_file, usage_file, &room) && room < best)
            best = room;
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < mlen)
            break;
        *slash = '\0';
    }
    return best;
}

int topo_cgroup_mem_available(const struct topo *t, uint64_t *bytes)
{
    struct cg_where w;
    if (!t || !bytes)
        return npool__errorf(-EINVAL, "topo_cgroup_mem_available: bad arguments");
    *bytes = UINT64_MAX;
    if (cg_locate(t->fsroot, "memory", &w))
        return 0;
    *bytes = w.v2 ? cg_tightest(t->fsroot, &w, "memory.max", "memory.current")
                  : cg_tightest(t->fsroot, &w, "memory.limit_in_bytes", "memory.usage_in_bytes");
    return 0;
}

/* The kernel's name for a hugepage size in hugetlb cgroup files: "2MB", "1GB", "64KB". */
static void hugetlb_size_name(size_t page_size, char *buf, size_t len)
{
    if (page_size >= (1u << 30) && page_size % (1u << 30) == 0)
        snprintf(buf, len, "%zuGB", page_size >> 30);
    else if (page_size >= (1u << 20) && page_size % (1u << 20) == 0)
        snprintf(buf, len, "%zuMB", page_size >> 20);
    else
        snprintf(buf, len, "%zuKB", page_size >> 10);
}

int topo_cgroup_hugetlb_available(const struct topo *t, size_t page_size, uint64_t *bytes)
{
    struct cg_where w;
    char name[32], lim[64], use[64];
    if (!t || !bytes || page_size == 0)
        return npool__errorf(-EINVAL, "topo_cgroup_hugetlb_available: bad arguments");
    *bytes = UINT64_MAX;
    if (cg_locate(t->fsroot, "hugetlb", &w))
        return 0;
    hugetlb_size_name(page_size, name, sizeof name);
    if (w.v2) {
        snprintf(lim, sizeof lim, "hugetlb.%s.max", name);
        snprintf(use, sizeof use, "hugetlb.%s.current", name);
    } else {
        snprintf(lim, sizeof lim, "hugetlb.%s.limit_in_bytes", name);
        snprintf(use, sizeof use, "hugetlb.%s.usage_in_bytes", name);
    }
    *bytes = cg_tightest(t->fsroot, &w, lim, use);
    return 0;
}
