#include "hp_util.h"

#include <errno.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct { size_t kb; long old; } saved[4];
static int nsaved;

static void restore(void)
{
    for (int k = 0; k < nsaved; k++) {
        char path[128];
        snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages", saved[k].kb);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%ld\n", saved[k].old);
            fclose(f);
        }
    }
}

long hp_field(size_t page_kb, const char *file)
{
    char path[160];
    snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%zukB/%s", page_kb, file);
    FILE *f = fopen(path, "r");
    long v = -1;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

long hp_free(size_t page_kb)
{
    long fr = hp_field(page_kb, "free_hugepages"), resv = hp_field(page_kb, "resv_hugepages");
    return fr < 0 ? -1 : fr - (resv > 0 ? resv : 0);
}

int hp_reserve(size_t page_kb, long want_free, char *why, size_t len)
{
    long fr = hp_free(page_kb), nr = hp_field(page_kb, "nr_hugepages");
    if (fr < 0 || nr < 0) {
        snprintf(why, len, "this kernel has no %zu kB hugepages", page_kb);
        return -1;
    }
    if (fr >= want_free)
        return 0;
    if (geteuid() != 0) {
        snprintf(why, len, "%ld free %zu kB hugepages, %ld needed, and only root can reserve more", fr, page_kb,
                 want_free);
        return -1;
    }
    if (nsaved < 4) {
        if (!nsaved)
            atexit(restore);
        saved[nsaved].kb = page_kb;
        saved[nsaved++].old = nr;
    }
    FILE *c = fopen("/proc/sys/vm/compact_memory", "w");
    if (c) {
        fputs("1\n", c);
        fclose(c);
    }
    char path[128];
    snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages", page_kb);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%ld\n", nr + (want_free - fr));
        fclose(f);
    }
    fr = hp_free(page_kb);
    if (fr < want_free) {
        snprintf(why, len, "the kernel gave only %ld free %zu kB hugepages of the %ld asked for (memory fragmented)",
                 fr, page_kb, want_free);
        return -1;
    }
    return 0;
}

long smaps_field(const void *addr, const char *field)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0;
    long v = -1;
    size_t flen = strlen(field);
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char dash;
        if (sscanf(line, "%lx%c%lx ", &lo, &dash, &hi) == 3 && dash == '-') {
            if (in)
                break;
            in = lo <= (uintptr_t)addr && (uintptr_t)addr < hi;
            continue;
        }
        if (in && !strncmp(line, field, flen) && line[flen] == ':') {
            v = strtol(line + flen + 1, NULL, 10) * 1024;
            break;
        }
    }
    fclose(f);
    return v;
}

int page_node(const void *addr)
{
    void *pages[1] = {(void *)((uintptr_t)addr & ~(uintptr_t)4095)};
    int status[1] = {-1};
    if (move_pages(0, 1, pages, NULL, status, 0) != 0)
        return -errno;
    return status[0];
}

int maps_lines(void)
{
    /* the mappings a pool makes: hugetlb ones, and address-space
     * reservations of a GiB or more (malloc's and sanitizers' come and go) */
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
            (strstr(line, "anon_hugepage") || (hi - lo >= (1ul << 30) && hi - lo < (1ul << 40))))
            n++;
    }
    fclose(f);
    return n;
}

void skip_test(const char *why)
{
    printf("SKIP: %s\n", why);
    fflush(stdout);
    exit(77);
}

int mapped_in(const void *addr, size_t len)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int n = 0;
    uintptr_t a = (uintptr_t)addr, b = a + len;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo < b && hi > a)
            n++;
    }
    fclose(f);
    return n;
}
