/* base/fault.h - fault injection for tests: one point per place where the
 * library asks the kernel, the machine's files, hwloc or the allocator for
 * something, each of which a test can make fail on its N-th use with the
 * errno the real call would give.
 *
 * A call site reads
 *     void *p = NPOOL_FAULT(MMAP_RESERVE) ? MAP_FAILED : mmap(...);
 * NPOOL_FAULT(point) is 1 when the point fires (errno then holds the armed
 * error, so the code after it fails exactly as the real call would) and 0
 * otherwise.  Only the test-only copy of the library (libnumapool_faults.a,
 * built with the CMake option NPOOL_FAULTS, never installed) compiles the
 * points in; everywhere else NPOOL_FAULT() is the constant 0 and the real
 * call is all that remains.
 *
 * The table: name, the errno the kernel (or libc, or hwloc) gives for the
 * failure that is likely in real life, and where the point is. */
#ifndef NUMAPOOL_BASE_FAULT_H
#define NUMAPOOL_BASE_FAULT_H

#define NPOOL_FAULT_POINTS(X)                                                                          \
    X(MMAP_RESERVE, ENOMEM, "mmap of the address-space reservation (os_reserve)")                       \
    X(MUNMAP_TRIM, ENOMEM, "munmap trimming the reservation to its alignment (os_reserve)")             \
    X(MMAP_FIXED, ENOMEM, "mmap MAP_FIXED of an arena over the reservation (os_map_fixed)")              \
    X(MADV_HUGEPAGE, EINVAL, "madvise MADV_HUGEPAGE / MADV_NOHUGEPAGE of an arena (os_map_fixed)")       \
    X(MADV_DONTFORK_ARENA, ENOMEM, "madvise MADV_DONTFORK of an arena (os_map_fixed)")                   \
    X(MMAP_UNRESERVE, ENOMEM, "mmap PROT_NONE giving a range back to the reservation (os_unreserve)")  \
    X(MMAP_ANON, ENOMEM, "mmap of metadata (os_map_anon)")                                             \
    X(MADV_DONTFORK_META, ENOMEM, "madvise MADV_DONTFORK of metadata (os_map_anon)")                   \
    X(MUNMAP, ENOMEM, "munmap (os_unmap)")                                                             \
    X(MADV_POPULATE, ENOMEM, "madvise MADV_POPULATE_WRITE (os_populate)")                              \
    X(MLOCK, ENOMEM, "mlock (os_lock)")                                                                \
    X(SMAPS_OPEN, EMFILE, "fopen of /proc/self/smaps (os_smaps)")                                      \
    X(SMAPS_TORN, EIO, "a record of /proc/self/smaps read torn, as concurrent mapping changes make it")  \
    X(MBIND, ENOMEM, "mbind (bind_range)")                                                             \
    X(GET_MEMPOLICY, EINVAL, "get_mempolicy (bind_get_policy)")                                        \
    X(MOVE_PAGES, ENOMEM, "move_pages (bind_verify)")                                                  \
    X(READ_NODES, EIO, "reads of node and CPU lists, cpulists, distances (topo__read)")                \
    X(READ_MEMINFO, EIO, "reads of /proc/meminfo and nodes' meminfo (topo__read)")                     \
    X(READ_HUGEPAGES, EIO, "reads of hugepage counts and folders (topo__read, read_hp_dir)")            \
    X(READ_THP, EIO, "read of the THP mode (topo__read)")                                              \
    X(READ_STATUS, EIO, "read of /proc/self/status (topo__read)")                                      \
    X(READ_CGROUP, EIO, "reads of /proc/self/cgroup, /proc/mounts and cgroup limits (topo__read)")     \
    X(ALLOC_CGROUP, ENOMEM, "malloc of the cgroup reading buffers (cg_locate)")                        \
    X(HWLOC_INIT, ENOMEM, "hwloc_topology_init (load_hwloc)")                                          \
    X(HWLOC_LOAD, ENOMEM, "hwloc_topology_load (load_hwloc)")                                          \
    X(ALLOC_TOPO, ENOMEM, "calloc of the topology itself (topo_make)")                                 \
    X(ALLOC_TOPO_NODES, ENOMEM, "calloc of the topology's nodes (build)")                              \
    X(ALLOC_TOPO_CPUS, ENOMEM, "malloc of the CPU bitmaps and table (build)")                          \
    X(ALLOC_TOPO_DIST, ENOMEM, "calloc of the distance matrix (fill_distances)")                       \
    X(ALLOC_CPUSET, ENOMEM, "CPU_ALLOC of the affinity set for \"cpubind\" (nodestr.c)")                \
    X(ALLOC_CACHE, ENOMEM, "aligned_alloc of a thread's cache (cache.c new_cache)")                    \
    X(ALLOC_MAGAZINE, ENOMEM, "calloc of a magazine buffer (depot.c buf_new)")                         \
    X(ALLOC_CHECK, ENOMEM, "calloc of npool_check's marks (check.c)")

enum npool_fault {
#define NPOOL_FAULT_ENUM(name, err, what) NPOOL_FAULT_##name,
    NPOOL_FAULT_POINTS(NPOOL_FAULT_ENUM)
#undef NPOOL_FAULT_ENUM
    NPOOL_FAULT_COUNT
};

#ifdef NPOOL_FAULTS
/* The check at a call site: counts one use of `p`; 1 with errno set when
 * this use is armed to fail, else 0 (errno untouched).  Thread-safe. */
int npool__fault_hit(enum npool_fault p);
#define NPOOL_FAULT(name) npool__fault_hit(NPOOL_FAULT_##name)
#define NPOOL_FAULT_AT(p) npool__fault_hit(p)

/* Tests: uses n, n+1, ..., n+times-1 of `p`, counted from the last reset,
 * fail with `err` (0: the table's errno).  n = 0 disarms `p`. */
void npool__fault_arm(enum npool_fault p, unsigned long n, unsigned long times, int err);
/* Disarm every point and zero every count. */
void npool__fault_reset(void);
/* Uses of `p` and failures injected there since the last reset. */
unsigned long npool__fault_uses(enum npool_fault p);
unsigned long npool__fault_fired(enum npool_fault p);
/* "MMAP_RESERVE", the table's errno, and where it is. */
const char *npool__fault_name(enum npool_fault p);
int npool__fault_errno(enum npool_fault p);
const char *npool__fault_where(enum npool_fault p);
#else
#define NPOOL_FAULT(name) 0
#define NPOOL_FAULT_AT(p) 0
#endif

#endif
