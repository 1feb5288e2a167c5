/* numa/topo_hwloc.c - builds a `struct topo`: the only file that includes
 * hwloc.h.  hwloc gives the NUMA nodes, their memory kinds, the allowed
 * nodes of a dump (from its cpuset/cgroup files) and the latency matrix; the
 * kernel's own files (read through topo_sysfs.c, under the same root) give
 * what hwloc reshapes or hides: which CPUs each node owns (hwloc 2 gives a
 * CPU-less node the cpuset of its locality, not an empty one), offline
 * nodes, NVIDIA GPU-memory nodes (hidden by hwloc unless asked), per-node
 * memory and hugepages.
 *
 * Invariants of a built topology: node[] is sorted by os_index and holds
 * every online node, every node hwloc knows, and every possible-but-offline
 * node below the highest online one (a hole in the numbering, as node 0 of a
 * machine whose node 0 is offline); cpu_node[c] is the node whose kernel
 * cpulist names CPU c; distance is nnodes x nnodes by position, 0 where
 * unknown; a node's near_cpus and the topology's cpu_allowed_nodes are
 * hwloc's cpusets (a node's locality, the allowed CPUs) read through
 * cpu_node.  A topology never changes after it is built.
 *
 * Threads: topo_system() builds the live machine under a mutex and keeps
 * the first one it builds for the life of the process; a build that failed
 * is not kept, and the next call tries again.  A fork waits for a build in
 * progress (atfork handlers), so the child never inherits the mutex held.
 * topo_open() changes the process environment around hwloc's load under a
 * mutex (hwloc 2.x takes a file-system root only from HWLOC_FSROOT), so it
 * must not run while other threads use the environment.
 *
 * Setuid programs: hwloc takes its configuration from the environment with
 * getenv (HWLOC_XMLFILE, HWLOC_SYNTHETIC and HWLOC_FSROOT replace the
 * machine, HWLOC_PLUGINS_PATH names plugins it loads with dlopen), so in a
 * process whose environment is not to be trusted (AT_SECURE: setuid,
 * setgid, file capabilities) the live machine is read from the kernel's
 * own files alone, without hwloc (h is NULL below): the same nodes, CPUs,
 * memory, allowed nodes and distances, but no memory kinds (subtype stays
 * "") and no locality of CPU-less nodes (near_cpus stays empty).
 */
#include "topo_private.h"
#include "error.h"
#include "fault.h"

#include <errno.h>
#include <hwloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CPU 8192  /* CPU numbers beyond this are ignored */
#define CPU_WORDS (MAX_CPU / 64)

typedef struct { uint64_t w[CPU_WORDS]; } cpubits_t;

static void cpu_add(cpubits_t *b, int c)
{
    if (c >= 0 && c < MAX_CPU)
        b->w[c / 64] |= 1ull << (c % 64);
}

static bool cpu_has(const cpubits_t *b, int c)
{
    return c >= 0 && c < MAX_CPU && (b->w[c / 64] >> (c % 64) & 1);
}

static int add_cpus(int lo, int hi, void *arg)
{
    for (int c = lo; c <= hi && c < MAX_CPU; c++)
        cpu_add(arg, c);
    return 0;
}

/* A kernel cpumap: 32-bit hex words, most significant first, comma-separated. */
static int parse_cpumap(const char *s, cpubits_t *b)
{
    int nwords = 1;
    for (const char *p = s; *p; p++)
        nwords += *p == ',';
    int word = nwords - 1;
    for (const char *p = s; *p && word >= 0; word--) {
        char *end;
        unsigned long v = strtoul(p, &end, 16);
        if (end == p)
            return -EINVAL;
        for (int bit = 0; bit < 32; bit++)
            if (v >> bit & 1)
                cpu_add(b, word * 32 + bit);
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

/* CPUs the kernel says node `node` owns; false when it says nothing. */
static bool kernel_node_cpus(const char *root, int node, cpubits_t *b)
{
    char path[96], buf[8192];
    memset(b, 0, sizeof *b);
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
    if (topo__read(root, path, buf, sizeof buf) >= 0)
        return topo__parse_list(buf, add_cpus, b) == 0;
    snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpumap", node);
    if (topo__read(root, path, buf, sizeof buf) >= 0)
        return parse_cpumap(buf, b) == 0;
    return false;
}

static void format_cpus(const cpubits_t *b, char *buf, size_t len, int *count)
{
    size_t used = 0;
    bool cut = false;
    *count = 0;
    buf[0] = '\0';
    for (int lo = 0; lo < MAX_CPU; lo++) {
        if (!cpu_has(b, lo))
            continue;
        int hi = lo;
        while (cpu_has(b, hi + 1))
            hi++;
        *count += hi - lo + 1;
        if (!cut) {
            int w = hi > lo ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", lo, hi)
                            : snprintf(buf + used, len - used, "%s%d", used ? "," : "", lo);
            if (w < 0 || (size_t)w >= len - used) {
                cut = true;
                memcpy(buf + len - 4, "...", 4);
            } else
                used += (size_t)w;
        }
        lo = hi;
    }
}

/* ---- loading hwloc ---- */

static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

struct saved_env { const char *name; char *value; bool had; };

static void env_set(struct saved_env *s, const char *name, const char *value)
{
    const char *old = getenv(name);
    s->name = name;
    s->had = old != NULL;
    s->value = old ? strdup(old) : NULL;
    setenv(name, value, 1);
}

static void env_restore(struct saved_env *s)
{
    if (s->had && s->value)
        setenv(s->name, s->value, 1);
    else
        unsetenv(s->name);
    free(s->value);
}

static int load_hwloc(const char *fsroot, const char *synthetic, hwloc_topology_t *out)
{
    hwloc_topology_t h;
    if (NPOOL_FAULT(HWLOC_INIT) || hwloc_topology_init(&h))
        return npool__errorf(-ENOMEM, "hwloc_topology_init failed: %s", strerror(errno));
    hwloc_topology_set_flags(h, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    int rc = 0;
    if (synthetic) {
        if (hwloc_topology_set_synthetic(h, synthetic) || hwloc_topology_load(h))
            rc = npool__errorf(-EINVAL, "hwloc does not accept the synthetic topology \"%s\"", synthetic);
    } else if (fsroot[0]) {
        struct saved_env env[3];
        pthread_mutex_lock(&env_lock);
        env_set(&env[0], "HWLOC_FSROOT", fsroot);
        env_set(&env[1], "HWLOC_THISSYSTEM", "0");
        env_set(&env[2], "HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES", "1");
        int lr = NPOOL_FAULT(HWLOC_LOAD) ? -1 : hwloc_topology_load(h);
        int e = errno;
        for (int i = 2; i >= 0; i--)
            env_restore(&env[i]);
        pthread_mutex_unlock(&env_lock);
        if (lr)
            rc = npool__errorf(-EIO, "hwloc could not read the machine dumped under '%s': %s",
                               fsroot, strerror(e));
    } else if (NPOOL_FAULT(HWLOC_LOAD) || hwloc_topology_load(h)) {
        rc = npool__errorf(-EIO, "hwloc could not read this machine's topology: %s", strerror(errno));
    }
    if (rc) {
        hwloc_topology_destroy(h);
        return rc;
    }
    *out = h;
    return 0;
}

/* ---- building ---- */

/* The latency matrix: hwloc's (h may be NULL), then the kernel's rows for
 * the nodes hwloc left out.  -ENOMEM when it cannot be allocated. */
static int fill_distances(struct topo *t, hwloc_topology_t h, bool have_sysfs)
{
    int nn = t->nnodes;
    bool any = false;
    t->distance = NPOOL_FAULT(ALLOC_TOPO_DIST) ? NULL : calloc((size_t)nn * (size_t)nn, sizeof *t->distance);
    if (!t->distance)
        return npool__errorf(-ENOMEM, "out of memory for the %d x %d distance matrix", nn, nn);
    unsigned nr = 8;
    struct hwloc_distances_s *d[8];
    if (h && hwloc_distances_get_by_type(h, HWLOC_OBJ_NUMANODE, &nr, d,
                                    HWLOC_DISTANCES_KIND_MEANS_LATENCY, 0) == 0) {
        /* Several latency matrices are possible: the OS's own is the one numactl shows. */
        unsigned pick = 0;
        for (unsigned k = 0; k < nr && k < 8; k++)
            if (d[k]->kind & HWLOC_DISTANCES_KIND_FROM_OS) {
                pick = k;
                break;
            }
        if (nr > 0) {
            struct hwloc_distances_s *m = d[pick];
            for (unsigned i = 0; i < m->nbobjs; i++) {
                int pi = topo_node_pos(t, (int)m->objs[i]->os_index);
                for (unsigned j = 0; pi >= 0 && j < m->nbobjs; j++) {
                    int pj = topo_node_pos(t, (int)m->objs[j]->os_index);
                    if (pj >= 0) {
                        t->distance[pi * nn + pj] = (int)m->values[i * m->nbobjs + j];
                        any = true;
                    }
                }
            }
        }
        for (unsigned k = 0; k < nr && k < 8; k++)
            hwloc_distances_release(h, d[k]);
    }
    /* Nodes hwloc left out: their kernel rows, one column per online node. */
    if (have_sysfs) {
        int online[TOPO_MAX_NODE], non = 0;
        for (int i = 0; i < nn; i++)
            if (t->node[i].online)
                online[non++] = i;
        for (int i = 0; i < nn; i++) {
            char path[96], buf[8192];
            if (!t->node[i].online || t->distance[i * nn + i])
                continue;
            snprintf(path, sizeof path, "/sys/devices/system/node/node%d/distance", t->node[i].os_index);
            if (topo__read(t->fsroot, path, buf, sizeof buf) <= 0)
                continue;
            /* One value per online node; some kernels (and dumps) print one per
             * possible node, holes included: then they match node[] itself. */
            int vals[TOPO_MAX_NODE], nv = 0;
            char *p = buf, *end;
            for (; nv < TOPO_MAX_NODE; nv++, p = end) {
                long v = strtol(p, &end, 10);
                if (end == p)
                    break;
                vals[nv] = (int)v;
            }
            for (int c = 0; c < nv && (nv == non || nv == nn); c++) {
                t->distance[i * nn + (nv == non ? online[c] : c)] = vals[c];
                any = true;
            }
        }
    }
    if (!any) {
        free(t->distance);
        t->distance = NULL;
    }
    return 0;
}

/* What the kernel (and hwloc) say of the nodes, before any node is read. */
struct node_lists {
    topo_nodeset_t online, hasmem, hw;
    bool have_hasmem;
};

/* The nodes to describe: online ones, hwloc's, and possible ones below the
 * highest online one (offline nodes are described, as offline); t->node[]
 * holds their OS indexes, ascending. */
static int list_nodes(struct topo *t, hwloc_topology_t h, struct node_lists *l, char *buf, size_t len)
{
    const bool synthetic = topo__is_synthetic(t);
    topo_nodeset_t possible, all;
    bool have_online = false, have_possible = false;

    memset(&l->hw, 0, sizeof l->hw);
    for (hwloc_obj_t o = NULL; h && (o = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_NUMANODE, o));)
        if (o->os_index < TOPO_MAX_NODE)
            topo_nodeset_add(&l->hw, (int)o->os_index);
    if (topo__read(t->fsroot, "/sys/devices/system/node/online", buf, len) > 0)
        have_online = topo__parse_nodelist(buf, &l->online) == 0;
    if (topo__read(t->fsroot, "/sys/devices/system/node/possible", buf, len) > 0)
        have_possible = topo__parse_nodelist(buf, &possible) == 0;
    l->have_hasmem = false;
    if (topo__read(t->fsroot, "/sys/devices/system/node/has_memory", buf, len) >= 0)
        l->have_hasmem = topo__parse_nodelist(buf, &l->hasmem) == 0;
    if (!have_online) {  /* old kernels and some dumps: the node folders are the online nodes */
        memset(&l->online, 0, sizeof l->online);
        for (int n = 0; n < TOPO_MAX_NODE && !synthetic; n++) {
            char dir[64];
            snprintf(dir, sizeof dir, "/sys/devices/system/node/node%d", n);
            if (topo__dir_exists(t->fsroot, dir)) {
                topo_nodeset_add(&l->online, n);
                have_online = true;
            }
        }
        if (!have_online)
            l->online = l->hw;  /* no node folders at all: what hwloc says */
    }
    all = l->online;
    for (size_t i = 0; i < sizeof all.bits / sizeof all.bits[0]; i++)
        all.bits[i] |= l->hw.bits[i];
    int top = -1;
    for (int n = topo_nodeset_next(&l->online, -1); n >= 0; n = topo_nodeset_next(&l->online, n))
        top = n;
    for (int n = 0; have_possible && n < top; n++)
        if (topo_nodeset_has(&possible, n))
            topo_nodeset_add(&all, n);

    t->nnodes = topo_nodeset_count(&all);
    if (t->nnodes == 0)
        return npool__errorf(-EIO, "no NUMA node found under '%s'", t->fsroot[0] ? t->fsroot : "/");
    t->node = NPOOL_FAULT(ALLOC_TOPO_NODES) ? NULL : calloc((size_t)t->nnodes, sizeof *t->node);
    if (!t->node)
        return npool__errorf(-ENOMEM, "out of memory describing %d nodes", t->nnodes);
    int i = 0;
    for (int n = topo_nodeset_next(&all, -1); n >= 0; n = topo_nodeset_next(&all, n))
        t->node[i++].os_index = n;
    return 0;
}

/* The CPUs of node n: the kernel's lists; only when the kernel says nothing
 * (synthetic, no node folders) do hwloc's cpusets stand for ownership. */
static void node_cpus(const struct topo *t, hwloc_topology_t h, const struct topo_node *n, cpubits_t *cpus)
{
    if (n->online && kernel_node_cpus(t->fsroot, n->os_index, cpus))
        return;
    hwloc_obj_t o = h ? hwloc_get_numanode_obj_by_os_index(h, (unsigned)n->os_index) : NULL;
    memset(cpus, 0, sizeof *cpus);
    if (o && o->cpuset && n->online)
        for (int c = hwloc_bitmap_first(o->cpuset); c >= 0; c = hwloc_bitmap_next(o->cpuset, c))
            cpu_add(cpus, c);
}

/* Each node's facts (memory, hugepages, kind, CPUs), then the CPU -> node
 * table from the same lists. */
static int describe_nodes(struct topo *t, hwloc_topology_t h, const struct node_lists *l, char *buf, size_t len)
{
    const bool synthetic = topo__is_synthetic(t);
    /* one node and no node folder: the machine-wide files stand for it */
    bool single = false;
    if (t->nnodes == 1 && !synthetic) {
        char dir[64];
        snprintf(dir, sizeof dir, "/sys/devices/system/node/node%d", t->node[0].os_index);
        single = !topo__dir_exists(t->fsroot, dir);
    }
    cpubits_t *cpus = NPOOL_FAULT(ALLOC_TOPO_CPUS) ? NULL : malloc(sizeof *cpus);
    cpubits_t *cpu_online = NPOOL_FAULT(ALLOC_TOPO_CPUS) ? NULL : calloc(1, sizeof *cpu_online);
    if (!cpus || !cpu_online) {
        free(cpus);
        free(cpu_online);
        return npool__errorf(-ENOMEM, "out of memory reading CPU lists");
    }
    bool have_cpu_online = false;
    if (topo__read(t->fsroot, "/sys/devices/system/cpu/online", buf, len) > 0)
        have_cpu_online = topo__parse_list(buf, add_cpus, cpu_online) == 0;

    int maxcpu = -1;
    for (int i = 0; i < t->nnodes; i++) {
        struct topo_node *n = &t->node[i];
        hwloc_obj_t o = h ? hwloc_get_numanode_obj_by_os_index(h, (unsigned)n->os_index) : NULL;
        n->online = topo_nodeset_has(&l->online, n->os_index);
        if (o) {
            n->mem_total = o->attr->numanode.local_memory;
            n->mem_free = n->mem_total;
            if (o->subtype)
                snprintf(n->subtype, sizeof n->subtype, "%s", o->subtype);
        }
        if (!synthetic && n->online)
            topo__sysfs_fill_node(t, n, single);
        n->has_memory = n->online && (l->have_hasmem ? topo_nodeset_has(&l->hasmem, n->os_index) : n->mem_total > 0);
        node_cpus(t, h, n, cpus);
        for (int c = 0; c < MAX_CPU; c++)
            if (cpu_has(cpus, c)) {
                if (have_cpu_online && !cpu_has(cpu_online, c))
                    cpus->w[c / 64] &= ~(1ull << (c % 64));
                else if (c > maxcpu)
                    maxcpu = c;
            }
        format_cpus(cpus, n->cpulist, sizeof n->cpulist, &n->ncpus);
        n->has_cpu = n->ncpus > 0;
    }

    t->ncpus = maxcpu + 1;
    t->cpu_node = NPOOL_FAULT(ALLOC_TOPO_CPUS) ? NULL
                  : malloc((size_t)(t->ncpus > 0 ? t->ncpus : 1) * sizeof *t->cpu_node);
    if (!t->cpu_node) {
        free(cpus);
        free(cpu_online);
        return npool__errorf(-ENOMEM, "out of memory for the CPU table");
    }
    for (int c = 0; c < t->ncpus; c++)
        t->cpu_node[c] = -1;
    for (int i = 0; i < t->nnodes; i++) {
        struct topo_node *n = &t->node[i];
        if (!n->has_cpu)
            continue;
        /* re-read rather than keep nnodes bitmaps: cheap, and done once */
        node_cpus(t, h, n, cpus);
        for (int c = 0; c < t->ncpus; c++)
            if (cpu_has(cpus, c) && (!have_cpu_online || cpu_has(cpu_online, c)))
                t->cpu_node[c] = n->os_index;
    }
    free(cpus);
    free(cpu_online);
    return 0;
}

/* hwloc's locality of each node (the CPUs of the object it hangs under), as
 * the nodes owning those CPUs; the nodes of the allowed CPUs; Mems_allowed. */
static int allowed_sets(struct topo *t, hwloc_topology_t h, const struct node_lists *l, char *buf, size_t len)
{
    for (int i = 0; h && i < t->nnodes; i++) {
        hwloc_obj_t o = hwloc_get_numanode_obj_by_os_index(h, (unsigned)t->node[i].os_index);
        for (int c = o && o->cpuset ? hwloc_bitmap_first(o->cpuset) : -1; c >= 0 && c < t->ncpus;
             c = hwloc_bitmap_next(o->cpuset, c))
            if (t->cpu_node[c] >= 0)
                topo_nodeset_add(&t->node[i].near_cpus, t->cpu_node[c]);
    }
    /* The allowed CPUs: the kernel's Cpus_allowed_list when the root has a
     * status file; else hwloc's reading of the cpuset/cgroup files, when
     * hwloc saw every CPU the kernel lists (without a CPU folder in the dump
     * it falls back to guesses); else every CPU. */
    const char *cal = NULL;
    if (topo__read(t->fsroot, "/proc/self/status", buf, len) > 0 && (cal = strstr(buf, "Cpus_allowed_list:"))) {
        cpubits_t *allowed = NPOOL_FAULT(ALLOC_TOPO_CPUS) ? NULL : calloc(1, sizeof *allowed);
        if (!allowed)
            return npool__errorf(-ENOMEM, "out of memory reading the allowed CPUs");
        char *eol = strchr(cal, '\n');
        if (eol)
            *eol = '\0';
        if (topo__parse_list(cal + strlen("Cpus_allowed_list:"), add_cpus, allowed) == 0) {
            for (int c = 0; c < t->ncpus; c++)
                if (cpu_has(allowed, c) && t->cpu_node[c] >= 0)
                    topo_nodeset_add(&t->cpu_allowed_nodes, t->cpu_node[c]);
        } else {
            cal = NULL;
        }
        free(allowed);
    }
    if (!cal) {
        hwloc_const_cpuset_t ac = h ? hwloc_topology_get_allowed_cpuset(h) : NULL;
        hwloc_const_cpuset_t seen = h ? hwloc_topology_get_topology_cpuset(h) : NULL;
        bool saw_all = ac && seen;
        for (int c = 0; saw_all && c < t->ncpus; c++)
            saw_all = t->cpu_node[c] < 0 || hwloc_bitmap_isset(seen, (unsigned)c);
        for (int c = 0; c < t->ncpus; c++)
            if (t->cpu_node[c] >= 0 && (!saw_all || hwloc_bitmap_isset(ac, (unsigned)c)))
                topo_nodeset_add(&t->cpu_allowed_nodes, t->cpu_node[c]);
    }

    /* Mems_allowed: the kernel's answer when we have it, else hwloc's reading
     * of the dump's cpuset/cgroup files, else every online node. */
    memset(&t->allowed, 0, sizeof t->allowed);
    if (topo__is_synthetic(t) || topo__read_mems_allowed(t->fsroot, &t->allowed) != 0) {
        hwloc_const_nodeset_t an = h ? hwloc_topology_get_allowed_nodeset(h) : NULL;
        memset(&t->allowed, 0, sizeof t->allowed);
        for (int i = 0; i < t->nnodes; i++) {
            int os = t->node[i].os_index;
            bool known = topo_nodeset_has(&l->hw, os);
            if (t->node[i].online && (!known || !an || hwloc_bitmap_isset(an, (unsigned)os)))
                topo_nodeset_add(&t->allowed, os);
        }
    }
    for (int i = 0; i < t->nnodes; i++)
        t->node[i].allowed = topo_nodeset_has(&t->allowed, t->node[i].os_index);
    return 0;
}

static int build(struct topo *t, hwloc_topology_t h)
{
    char buf[8192];
    struct node_lists l;
    int rc;
    if ((rc = list_nodes(t, h, &l, buf, sizeof buf)) != 0 || (rc = describe_nodes(t, h, &l, buf, sizeof buf)) != 0)
        return rc;
    if ((rc = allowed_sets(t, h, &l, buf, sizeof buf)) != 0 ||
        (rc = fill_distances(t, h, !topo__is_synthetic(t))) != 0)
        return rc;
    long ps = sysconf(_SC_PAGESIZE);
    t->base_page_size = ps > 0 ? (size_t)ps : 4096;
    if (t->fsroot[0] && !topo__is_synthetic(t)) {  /* a dump: hwloc infers its page size */
        hwloc_obj_t o = hwloc_get_next_obj_by_type(h, HWLOC_OBJ_NUMANODE, NULL);
        if (o && o->attr->numanode.page_types_len && o->attr->numanode.page_types[0].size)
            t->base_page_size = (size_t)o->attr->numanode.page_types[0].size;
    }
    t->thp = topo_thp_mode(t);
    return 0;
}

static int topo_make(const char *fsroot, struct topo **out)
{
    struct topo *t = NPOOL_FAULT(ALLOC_TOPO) ? NULL : calloc(1, sizeof *t);
    hwloc_topology_t h = NULL;
    if (!t)
        return npool__errorf(-ENOMEM, "out of memory for a topology");
    snprintf(t->fsroot, sizeof t->fsroot, "%s", fsroot);
    const char *synthetic = topo__is_synthetic(t) ? fsroot + strlen(TOPO_SYNTHETIC_PREFIX) : NULL;
    const bool live = !fsroot[0];
    /* an environment not to be trusted: no hwloc (see the file comment) */
    int rc = live && getauxval(AT_SECURE) ? 0 : load_hwloc(fsroot, synthetic, &h);
    if (rc) {
        free(t);
        return rc;
    }
    if (live)
        topo__watch_start();
    rc = build(t, h);
    char path[128];
    int e = live ? topo__watch_stop(path, sizeof path) : 0;
    if (h)
        hwloc_topology_destroy(h);
    if (!rc && e)       /* a passing error while reading the machine: not kept */
        rc = npool__errorf(-EIO, "reading %s failed while discovering the machine: %s", path, strerror(e));
    if (rc) {
        topo_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

int topo_open(const char *fsroot, struct topo **out)
{
    struct stat st;
    if (!fsroot || !out || !fsroot[0])
        return npool__errorf(-EINVAL, "topo_open: need a folder or \"synthetic:...\" (the live machine is topo_system())");
    if (strlen(fsroot) >= sizeof ((struct topo *)0)->fsroot)
        return npool__errorf(-EINVAL, "topo_open: '%s' is longer than 255 bytes", fsroot);
    if (strncmp(fsroot, TOPO_SYNTHETIC_PREFIX, strlen(TOPO_SYNTHETIC_PREFIX)) != 0 &&
        (stat(fsroot, &st) != 0 || !S_ISDIR(st.st_mode)))
        return npool__errorf(-ENOENT, "topo_open: '%s' is not a folder", fsroot);
    return topo_make(fsroot, out);
}

void topo_close(struct topo *t)
{
    if (!t)
        return;
    free(t->node);
    free(t->distance);
    free(t->cpu_node);
    free(t);
}

/* ---- the live machine ---- */

static pthread_mutex_t system_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct topo *) system_topo;

int topo_system(const struct topo **out)
{
    if (!out)
        return npool__errorf(-EINVAL, "topo_system: NULL output");
    /* acquire: pairs with the release that publishes a built topology */
    struct topo *t = atomic_load_explicit(&system_topo, memory_order_acquire);
    if (!t) {
        int rc = 0;
        pthread_mutex_lock(&system_lock);
        t = atomic_load_explicit(&system_topo, memory_order_relaxed);
        if (!t && (rc = topo_make("", &t)) == 0)
            atomic_store_explicit(&system_topo, t, memory_order_release);
        pthread_mutex_unlock(&system_lock);
        if (rc) {
            npool__error_append("; the next call tries again");
            return rc;
        }
    }
    *out = t;
    return 0;
}

#ifdef NPOOL_FAULTS
void topo__system_forget(void)
{
    pthread_mutex_lock(&system_lock);
    topo_close(atomic_exchange(&system_topo, NULL));
    pthread_mutex_unlock(&system_lock);
}
#endif

/* A fork waits until no thread is building the live machine or loading a
 * dump, so that the child never inherits these mutexes locked; nothing else
 * of numa/ holds a lock. */
static void fork_prepare(void)
{
    pthread_mutex_lock(&system_lock);
    pthread_mutex_lock(&env_lock);
}

static void fork_release(void)
{
    pthread_mutex_unlock(&env_lock);
    pthread_mutex_unlock(&system_lock);
}

__attribute__((constructor)) static void system_fork_handlers(void)
{
    pthread_atfork(fork_prepare, fork_release, fork_release);
}

/* When the library is unloaded (dlclose) or the process exits, the live
 * machine's snapshot goes with it: no pool can outlive the library. */
__attribute__((destructor)) static void system_release(void)
{
    topo_close(atomic_exchange(&system_topo, NULL));
}
