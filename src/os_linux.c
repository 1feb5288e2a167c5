/* src/os_linux.c - the only file that maps memory: mmap, munmap, madvise,
 * mlock, and reads of /proc/self/smaps.  It knows nothing of nodes (binding is
 * numa/bind.c's) and keeps no state.  Every primitive is thread-safe. */
#include "os.h"
#include "error.h"
#include "fault.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif

size_t os_base_page_size(void)
{
    long v = sysconf(_SC_PAGESIZE);
    return v > 0 ? (size_t)v : 4096;
}

int os_reserve(size_t len, size_t align, void **out)
{
    size_t span = len + align;
    if (span < len)
        return npool__errorf(-EOVERFLOW, "reserving %zu bytes aligned to %zu overflows", len, align);
    char *p = NPOOL_FAULT(MMAP_RESERVE) ? MAP_FAILED
              : mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return npool__errorf(-errno, "cannot reserve %zu bytes of address space: %s", span, strerror(errno));
    char *a = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
    size_t tail = (size_t)(p + span - (a + len));
    /* trimming splits the mapping (ENOMEM past vm.max_map_count): then the
     * whole of it goes, which needs no split */
    if ((a > p && (NPOOL_FAULT(MUNMAP_TRIM) || munmap(p, (size_t)(a - p)) != 0)) ||
        (tail && (NPOOL_FAULT(MUNMAP_TRIM) || munmap(a + len, tail) != 0))) {
        int e = errno;
        npool__errorf(-e, "cannot trim the %zu-byte reservation to its %zu-byte alignment: %s", span, align,
                      strerror(e));
        if (NPOOL_FAULT(MUNMAP) || munmap(p, span) != 0)
            npool__error_append("; unmapping it failed too (%s): %zu bytes at %p stay reserved", strerror(errno),
                                span, (void *)p);
        return -e;
    }
    *out = a;
    return 0;
}

static unsigned log2_size(size_t v)
{
    unsigned s = 0;
    while (((size_t)1 << s) < v)
        s++;
    return s;
}

int os_map_fixed(void *at, size_t len, enum os_backing b, size_t page_size)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    if (b == OS_HUGETLB)
        flags |= MAP_HUGETLB | MAP_NORESERVE | (int)(log2_size(page_size) << MAP_HUGE_SHIFT);
    void *p = NPOOL_FAULT(MMAP_FIXED) ? MAP_FAILED : mmap(at, len, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        return npool__errorf(-errno, "mmap of %zu bytes (%s, page %zu) failed: %s", len,
                             b == OS_HUGETLB ? "hugetlb" : b == OS_THP ? "THP" : "base pages",
                             page_size, strerror(errno));
    int adv = b == OS_THP ? MADV_HUGEPAGE : b == OS_BASE ? MADV_NOHUGEPAGE : 0;
    /* MADV_NOHUGEPAGE is a wish (a kernel without THP refuses it and has no THP to avoid) */
    const char *what = NULL;
    if (adv && (NPOOL_FAULT(MADV_HUGEPAGE) || madvise(p, len, adv) != 0) && b == OS_THP)
        what = "MADV_HUGEPAGE";
    else if (NPOOL_FAULT(MADV_DONTFORK_ARENA) || madvise(p, len, MADV_DONTFORK) != 0)
        what = "MADV_DONTFORK";
    if (what) {
        int e = errno, urc = os_unreserve(at, len);     /* refused: still inside the reservation, unmapped with it */
        npool__errorf(-e, "madvise(%s) on a new %zu-byte mapping failed: %s", what, len, strerror(e));
        if (urc)
            npool__error_append("; giving it back to the reservation failed too (%s)", strerror(-urc));
        return -e;
    }
    return 0;
}

int os_unreserve(void *at, size_t len)
{
    void *p = NPOOL_FAULT(MMAP_UNRESERVE) ? MAP_FAILED
              : mmap(at, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        return npool__errorf(-errno, "cannot return %zu bytes to the reservation: %s", len, strerror(errno));
    return 0;
}

int os_map_anon(size_t len, void **out)
{
    void *p = NPOOL_FAULT(MMAP_ANON) ? MAP_FAILED
              : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return npool__errorf(-errno, "mmap of %zu bytes of metadata failed: %s", len, strerror(errno));
    if (NPOOL_FAULT(MADV_DONTFORK_META) || madvise(p, len, MADV_DONTFORK) != 0) {
        int e = errno, urc = os_unmap(p, len);
        npool__errorf(-e, "madvise(MADV_DONTFORK) on %zu bytes of new metadata failed: %s", len, strerror(e));
        if (urc)
            npool__error_append("; unmapping them failed too (%s): %zu bytes at %p stay mapped", strerror(-urc),
                                len, p);
        return -e;
    }
    *out = p;
    return 0;
}

int os_unmap(void *addr, size_t len)
{
    if (addr && len && (NPOOL_FAULT(MUNMAP) || munmap(addr, len) != 0))
        return -errno;
    return 0;
}

int os_populate(void *addr, size_t len)
{
    if (!NPOOL_FAULT(MADV_POPULATE) && madvise(addr, len, MADV_POPULATE_WRITE) == 0)
        return 0;
    int e = errno;
    /* kernels before 5.14 do not know the advice: a zero-length call tells */
    if (e == EINVAL && madvise(addr, 0, MADV_POPULATE_WRITE) != 0)
        return -EOPNOTSUPP;
    return e == EFAULT || e == EHWPOISON ? -ENOMEM : -e;
}

int os_lock(void *addr, size_t len)
{
    if (!NPOOL_FAULT(MLOCK) && mlock(addr, len) == 0)
        return 0;
    int e = errno;
    struct rlimit rl;
    getrlimit(RLIMIT_MEMLOCK, &rl);
    char soft[32], hard[32];
    if (rl.rlim_cur == RLIM_INFINITY)
        snprintf(soft, sizeof soft, "unlimited");
    else
        snprintf(soft, sizeof soft, "%llu KiB", (unsigned long long)rl.rlim_cur / 1024);
    if (rl.rlim_max == RLIM_INFINITY)
        snprintf(hard, sizeof hard, "unlimited");
    else
        snprintf(hard, sizeof hard, "%llu KiB", (unsigned long long)rl.rlim_max / 1024);
    return npool__errorf(e == EAGAIN ? -EAGAIN : -EPERM, "NPOOL_LOCK: mlock of %zu KiB refused (%s): RLIMIT_MEMLOCK "
                         "is %s soft, %s hard, which binds a process without CAP_IPC_LOCK; raise it (ulimit -l) "
                         "or drop NPOOL_LOCK", len / 1024, strerror(e), soft, hard);
}

/* One pass over /proc/self/smaps: 1 when the record of the mapping holding
 * addr was read whole (its KernelPageSize, Rss and closing VmFlags lines
 * seen), 0 when it was torn, -ENOENT when no mapping holds addr, -errno. */
static int smaps_pass(const void *addr, struct os_smaps *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = NPOOL_FAULT(SMAPS_OPEN) ? NULL : fopen("/proc/self/smaps", "re");
    if (!f)
        return -errno;
    char line[512];
    int in = 0, found = 0, seen = 0;
    while (fgets(line, sizeof line, f)) {
        uintptr_t lo, hi;
        if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2 && strchr(line, ' ') &&
            strchr(line, '-') < strchr(line, ' ')) {
            if (in)
                break;
            in = lo <= (uintptr_t)addr && (uintptr_t)addr < hi;
            found |= in;
            continue;
        }
        if (!in)
            continue;
        size_t kb;
        if (sscanf(line, "KernelPageSize: %zu kB", &kb) == 1) {
            out->kernel_page_size = kb * 1024;
            seen |= 1;
        } else if (sscanf(line, "AnonHugePages: %zu kB", &kb) == 1) {
            out->anon_huge_bytes = kb * 1024;
        } else if (sscanf(line, "Private_Hugetlb: %zu kB", &kb) == 1) {
            out->private_hugetlb_bytes = kb * 1024;
        } else if (sscanf(line, "Rss: %zu kB", &kb) == 1) {
            out->rss_bytes = kb * 1024;
            seen |= 2;
        } else if (strncmp(line, "VmFlags:", 8) == 0) {
            seen |= 4;
        }
    }
    fclose(f);
    if (!found)
        return -ENOENT;
    return seen == 7 && !NPOOL_FAULT(SMAPS_TORN);
}

int os_smaps(const void *addr, struct os_smaps *out)
{
    /* The kernel writes smaps a buffer at a time and may rebuild a record
     * between two reads when another thread maps, unmaps or forks: a record
     * can come out torn (lines missing in its middle).  Then read again. */
    int rc = 0;
    for (int tries = 0; tries < 16 && rc == 0; tries++)
        rc = smaps_pass(addr, out);
    if (rc == -ENOENT)
        return npool__errorf(-ENOENT, "no mapping holds %p in /proc/self/smaps", addr);
    if (rc < 0)
        return npool__errorf(rc, "cannot read /proc/self/smaps: %s", strerror(-rc));
    if (rc == 0)
        return npool__errorf(-EIO, "the record of the mapping holding %p in /proc/self/smaps came out torn 16 times "
                             "in a row (other threads changing mappings all the while)", addr);
    return 0;
}

uint64_t os_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
