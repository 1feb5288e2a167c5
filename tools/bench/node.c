/* numapool-bench: the machine, as far as the bench needs it, without
 * libnuma.  Which node "local" memory goes to (the process's memory policy
 * when it names nodes, as under numactl --membind; else the node of the CPU
 * this thread runs on, from /sys/devices/system/node/nodeN/cpulist), mbind
 * by raw system call for the bare mmap reference, the THP mode, and the
 * 2 MiB hugepage counts of a node, which the driver may raise (as root) and
 * restores at exit. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mempolicy.h>

#include "bench.h"

static int cpulist_has(const char *list, int cpu)
{
    const char *p = list;
    while (*p && *p != '\n') {
        char *end;
        long a = strtol(p, &end, 10), b;
        if (end == p)
            return 0;
        b = a;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        if (cpu >= a && cpu <= b)
            return 1;
        p = *end == ',' ? end + 1 : end;
        if (p == end && *p != '\n' && *p)
            return 0;
    }
    return 0;
}

int bench_node_of_cpu(int cpu)
{
    for (int node = 0; node < 1024; node++) {
        char path[96], buf[4096];
        snprintf(path, sizeof path, "/sys/devices/system/node/node%d/cpulist", node);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        if (cpulist_has(buf, cpu))
            return node;
    }
    return 0; /* a machine without a node directory has only node 0 */
}

int bench_local_node(void)
{
    unsigned long mask[16] = {0};
    int mode = 0;
    if (syscall(SYS_get_mempolicy, &mode, mask, (unsigned long)(sizeof mask * CHAR_BIT), NULL, 0UL) == 0 &&
        (mode == MPOL_BIND || mode == MPOL_PREFERRED)) {
        for (unsigned i = 0; i < sizeof mask * CHAR_BIT; i++)
            if (mask[i / (sizeof *mask * CHAR_BIT)] >> (i % (sizeof *mask * CHAR_BIT)) & 1)
                return (int)i;
    }
    int cpu = sched_getcpu();
    return bench_node_of_cpu(cpu < 0 ? 0 : cpu);
}

long bench_mbind_node(void *p, size_t len, int node)
{
    unsigned long mask[16] = {0};
    if (node < 0 || (size_t)node >= sizeof mask * CHAR_BIT)
        return -EINVAL;
    mask[(size_t)node / (sizeof *mask * CHAR_BIT)] = 1ul << ((size_t)node % (sizeof *mask * CHAR_BIT));
    if (syscall(SYS_mbind, p, len, MPOL_BIND, mask, (unsigned long)(sizeof mask * CHAR_BIT), 0u) != 0)
        return -errno;
    return 0;
}

int bench_thp_mode(char *buf, size_t len)
{
    char line[256];
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    snprintf(buf, len, "unknown");
    if (f == NULL)
        return -1;
    if (fgets(line, sizeof line, f) != NULL) {
        char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;
        if (a && b)
            snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
    }
    fclose(f);
    return 0;
}

static long read_long(const char *path)
{
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld", &v) != 1)
        v = -1;
    fclose(f);
    return v;
}

static void huge_path(char *buf, size_t len, int node, const char *what)
{
    snprintf(buf, len, "/sys/devices/system/node/node%d/hugepages/hugepages-2048kB/%s", node, what);
    if (access(buf, F_OK) != 0 && node == 0)
        snprintf(buf, len, "/sys/kernel/mm/hugepages/hugepages-2048kB/%s", what);
}

long bench_huge_free(int node)
{
    char path[160];
    huge_path(path, sizeof path, node, "free_hugepages");
    return read_long(path);
}

long bench_huge_total(int node)
{
    char path[160];
    huge_path(path, sizeof path, node, "nr_hugepages");
    return read_long(path);
}

int bench_huge_set_total(int node, long n)
{
    char path[160];
    huge_path(path, sizeof path, node, "nr_hugepages");
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -errno;
    int bad = fprintf(f, "%ld\n", n) < 0;
    if (fclose(f) != 0 || bad)
        return -EIO;
    return 0;
}
