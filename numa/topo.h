/* numa/topo.h - the internal contract between the pool (src/) and the machine
 * (numa/).  src/ sees NUMA only through this header; only numa/ includes
 * hwloc.h, libnuma's headers or reads /sys/devices/system/node.
 *
 * A `struct topo` is a snapshot of one machine: the live one (topo_system(),
 * built once, never freed) or a file-system dump under a root directory
 * (topo_open(), for tests and `numapool-topo --fsroot`).  Node numbers are
 * always OS indexes, as numactl prints them.  Counts that change (free memory,
 * free hugepages) are re-read on demand by the topo_*_free() calls, from the
 * same root.
 *
 * Errors: functions returning int return 0 or a negative errno and, on error,
 * have set the thread's sentence with npool__errorf() (base/error.h).
 */
#ifndef NUMAPOOL_TOPO_H
#define NUMAPOOL_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOPO_MAX_NODE 1024  /* node numbers 0..TOPO_MAX_NODE-1, as the kernel's MAX_NUMNODES */
#define TOPO_MAX_HPSIZES 8

/* A set of OS node numbers. */
typedef struct topo_nodeset {
    uint64_t bits[TOPO_MAX_NODE / 64];
} topo_nodeset_t;

static inline void topo_nodeset_add(topo_nodeset_t *s, int n) { s->bits[n / 64] |= 1ull << (n % 64); }
static inline bool topo_nodeset_has(const topo_nodeset_t *s, int n)
{ return n >= 0 && n < TOPO_MAX_NODE && (s->bits[n / 64] >> (n % 64) & 1); }
static inline int topo_nodeset_count(const topo_nodeset_t *s)
{
    int n = 0;
    for (size_t i = 0; i < sizeof s->bits / sizeof s->bits[0]; i++)
        n += __builtin_popcountll(s->bits[i]);
    return n;
}
int  topo_nodeset_next(const topo_nodeset_t *s, int after);   /* next member > after, or -1; after = -1 gives the first */
/* "0-2,5" into buf (always NUL-terminated); returns buf. */
char *topo_nodeset_format(const topo_nodeset_t *s, char *buf, size_t len);

struct topo_hugepages {
    size_t page_size;   /* bytes */
    long total;         /* nr_hugepages of this node (of the machine when it has one node and no node folder) */
    long free;          /* free_hugepages at the time of reading */
};

struct topo_node {
    int os_index;
    bool online;
    bool has_memory;         /* memory of its own (false for a memory-less node) */
    bool has_cpu;            /* CPU-less memory tiers have none */
    bool allowed;            /* in this process's Mems_allowed */
    uint64_t mem_total;      /* bytes, from the node's meminfo */
    uint64_t mem_free;       /* bytes, at the time of reading */
    int ncpus;
    char cpulist[128];       /* "0-3,8-11" */
    int nhp;                 /* hugepage sizes known on this node (0 when the kernel gives no per-node counts) */
    struct topo_hugepages hp[TOPO_MAX_HPSIZES]; /* descending page size; beyond 8 sizes the smallest are dropped */
    char subtype[16];        /* hwloc's memory kind: "DRAM", "HBM", "NVM", "GPUMemory"...; "" when unknown */
    topo_nodeset_t near_cpus; /* nodes owning a CPU of hwloc's locality of this node (the CPUs of the object
                                 it hangs under): {itself} for a plain node, the nodes of the package or group
                                 for a CPU-less memory tier; empty when unknown */
};

enum topo_thp { TOPO_THP_ALWAYS, TOPO_THP_MADVISE, TOPO_THP_NEVER, TOPO_THP_UNKNOWN };
enum topo_policy { TOPO_POL_DEFAULT, TOPO_POL_BIND, TOPO_POL_PREFERRED, TOPO_POL_INTERLEAVE, TOPO_POL_LOCAL, TOPO_POL_OTHER };

struct topo {
    char fsroot[256];           /* "" for the live machine */
    int nnodes;                 /* entries in node[] */
    struct topo_node *node;     /* ascending os_index */
    int *distance;              /* nnodes x nnodes, row-major, by position in node[] (10 = local, 0 = unknown,
                                   as for an offline node); NULL if nothing is known */
    topo_nodeset_t allowed;     /* Mems_allowed (all online nodes when unknown) */
    size_t base_page_size;
    enum topo_thp thp;
    int ncpus;                  /* CPUs known */
    int *cpu_node;              /* ncpus entries: OS CPU index -> OS node (-1 unknown) */
    topo_nodeset_t cpu_allowed_nodes; /* a dump or synthetic topology: the nodes owning a CPU of its allowed
                                         cpuset (hwloc's reading of its cpuset/cgroup files), what "cpubind"
                                         means there; unused for the live machine (sched_getaffinity) */
};

/* The live machine, discovered on first use (thread-safe) and kept for the
 * life of the process once discovered; never NULL once it returned 0.  A
 * discovery that failed (hwloc could not load, no memory, a file of the
 * kernel's that could not be read for another reason than its absence) is
 * not kept: the next call tries again.  In a setuid or setgid process
 * (AT_SECURE) it is read from the kernel's files alone, without hwloc,
 * which would take its configuration from the environment.  The snapshot's
 * static parts are kept; use the _free() calls for what changes.
 * -EIO hwloc or a file failed; -ENOMEM. */
int topo_system(const struct topo **out);

/* A dumped machine under `fsroot` (hwloc's HWLOC_FSROOT and numapool's own
 * reads take the same root), or, when `fsroot` starts with "synthetic:", an
 * hwloc synthetic topology ("synthetic:pack:2 [numa(memory=4GB)] core:2 pu:1";
 * no files: no hugepages, free memory = total, THP unknown, no distances).
 * Free with topo_close().  Not for the live machine.
 *
 * hwloc 2.x takes a file-system root only from the environment, so this
 * sets HWLOC_FSROOT, HWLOC_THISSYSTEM=0 and HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES=1
 * around the load, under a mutex, and restores them after: do not call it
 * while another thread reads or writes the environment (tests and tools only).
 * -EINVAL bad arguments or an fsroot longer than 255 bytes; -ENOENT no such
 * folder; -EIO hwloc could not load it; -ENOMEM. */
int topo_open(const char *fsroot, struct topo **out);
void topo_close(struct topo *t);

/* Position of OS node `os_index` in t->node[], or -1. */
int topo_node_pos(const struct topo *t, int os_index);

/* The memory kind of a node: hwloc's subtype ("DRAM", "HBM", "NVM", "SPM",
 * "MCDRAM", "GPUMemory", "CXL-DRAM"...) when it gives one; else "DRAM" for
 * a node with CPUs (hwloc names kinds only where memory differs, so a
 * machine of plain nodes has none); else "" (a CPU-less node hwloc did not
 * classify: reachable by number only). */
const char *topo_node_kind(const struct topo_node *n);

/* Parse a node string: numactl's node syntax as `numactl --membind` takes
 * it, and numapool's words.  "Usable" nodes are those this process may
 * place memory on: online, with memory, in Mems_allowed.
 *
 *   STRING := [!] [+] ITEM {, ITEM}          whitespace allowed around tokens
 *   ITEM   := N | N-M | all | local | cpubind | KIND | KIND:WHERE
 *   WHERE  := local | cpubind | N
 *
 *   N, N-M     OS node numbers (decimal); a range takes the usable nodes
 *              inside it, and both of its ends must be usable (as numactl)
 *   +          makes every N and N-M of the string relative: +0 is the
 *              first usable node, +1-2 the second and third
 *   !          everything usable except what the rest of the string selects
 *   all        every usable node
 *   local      the process's bind/preferred policy nodes when it has one
 *              (numactl --membind / --preferred), else the node of the CPU
 *              the calling thread runs on (or the nearest usable node when
 *              that one cannot be used)
 *   cpubind    the nodes of the CPUs the calling thread may run on
 *              (sched_getaffinity: taskset, numactl --cpunodebind, srun
 *              --cpu-bind...), each one that cannot be used replaced by its
 *              nearest usable node; for a dump, its allowed cpuset
 *   KIND       every usable node of that memory kind (topo_node_kind; any
 *              case): dram, hbm, nvm, spm, mcdram, gpumemory, cxl-dram,
 *              cxl-nvm, or any other kind hwloc reports here
 *   KIND:WHERE the usable nodes of that kind nearest to the node of the
 *              calling thread's CPU (local), to each node of its CPU
 *              binding (cpubind) or to node N (always an OS index): the
 *              smallest distance, ties kept, and among ties those hwloc
 *              places near that node's CPUs (near_cpus) when there are some
 *
 * NULL, "" and blanks mean "local".  The whole string is checked for syntax
 * before any node is judged: -EINVAL with the offset of the first error,
 * whatever the machine (a word is a KIND when it is one of the kinds above
 * or one hwloc reports on this machine).  Then -ENODEV naming the first item
 * that selects nothing usable (an unknown, offline, memory-less or
 * disallowed node, an end of a range, +N past the usable nodes, a kind
 * absent here) or a string that selects no node at all, with the usable
 * nodes in the sentence; -ENOMEM, or sched_getaffinity's -errno, for a
 * "cpubind" that cannot read the thread's affinity.  On error *out is
 * untouched.
 *
 * Deliberate differences from numactl 2.0.16, which reads numbers with
 * strtoul(.., 0): numapool reads plain decimal ("0x1", "-0", "0,+1" are
 * errors, "010" is node 10, where numactl takes nodes 1, 0, 0-1 and 8),
 * refuses a backwards range ("3-1" is node 3 there), allows blanks after a
 * number and around '-', ',' and ':', takes `all` anywhere in a list
 * (numactl only at its end), means "local" by "" (numactl: no node), and
 * inverts `!` over the usable nodes (numactl over nodes 0..m-1 for m nodes
 * with memory, which misses nodes on machines with holes in their
 * numbering).  numactl's netdev:, file:, ip:, block: and pci: forms are not
 * supported (-EINVAL saying so). */
int topo_parse_nodes(const struct topo *t, const char *str, topo_nodeset_t *out);

/* topo_parse_nodes(), and in `why` (may be NULL; always NUL-terminated when
 * whylen > 0) what each item selected and why, one line per item, e.g.
 * "+0 -> node 2 (the 1st of the usable nodes 2-5)"; truncated with "..." to
 * fit.  On error `why` holds the lines of the items before the bad one. */
int topo_parse_nodes_why(const struct topo *t, const char *str, topo_nodeset_t *out, char *why, size_t whylen);

/* The node of the CPU the calling thread runs on, cheaply (no system call on
 * glibc >= 2.35: sched_getcpu reads rseq; then one table load), a few ns.
 * -1 if unknown.  For a dump or a synthetic topology, where "the CPU we run
 * on" means nothing, the node of the machine's lowest CPU. */
int topo_current_node(const struct topo *t);

/* Among `set`, the nearest node to `from` by distance (ties: lowest index);
 * `from` itself when it is in the set; -1 when the set is empty.  Unknown
 * distances count as farther than any known one, so without a matrix (or with
 * `from` = -1) the answer is the set's lowest node. */
int topo_nearest(const struct topo *t, int from, const topo_nodeset_t *set);

/* Re-read free hugepages of `page_size` on `node` (sysfs); -ENOENT if that
 * size does not exist there. */
int topo_hugepages_free(const struct topo *t, int node, size_t page_size, long *free_pages);

/* Hugepage sizes the machine supports, descending; returns how many (<= max). */
int topo_hugepage_sizes(const struct topo *t, size_t *sizes, int max);

/* Bytes a new anonymous mapping may still take on `node`: the node's MemFree
 * (+ reclaimable file pages), re-read now. */
int topo_node_mem_available(const struct topo *t, int node, uint64_t *bytes);

/* Bytes this process's memory cgroup may still charge (memory.max -
 * memory.current, cgroup v2 or v1), UINT64_MAX when unlimited or unknown. */
int topo_cgroup_mem_available(const struct topo *t, uint64_t *bytes);

/* Bytes this process's hugetlb cgroup may still charge in pages of
 * `page_size` (hugetlb.<size>.max - .current on cgroup v2,
 * .limit_in_bytes - .usage_in_bytes on v1, the tightest over the cgroup's
 * ancestors), UINT64_MAX when unlimited or unknown. */
int topo_cgroup_hugetlb_available(const struct topo *t, size_t page_size, uint64_t *bytes);

/* THP mode now (re-read). */
enum topo_thp topo_thp_mode(const struct topo *t);
const char *topo_thp_name(enum topo_thp m);

/* ---- numa/bind.c: the only libnuma user ---- */

/* The calling thread's memory policy and its nodes (get_mempolicy).
 * MPOL_PREFERRED_MANY reads as TOPO_POL_PREFERRED; MPOL_PREFERRED with no
 * node as TOPO_POL_LOCAL.  -errno when the kernel refuses (e.g. seccomp). */
int bind_get_policy(enum topo_policy *pol, topo_nodeset_t *nodes);

/* mbind [addr, addr+len) to `node`: MPOL_BIND, or MPOL_PREFERRED when
 * `preferred`.  Must be called before the range is touched (no MPOL_MF_MOVE:
 * pages already there stay where they are).  `addr` page-aligned (for a
 * hugetlb mapping, hugepage-aligned, and len a multiple).  -EINVAL bad
 * arguments or node >= TOPO_MAX_NODE; other -errno from mbind. */
int bind_range(void *addr, size_t len, int node, bool preferred);

/* Ask the kernel where each page of [addr, addr+len) is (move_pages, query
 * only), `page_size` apart, in batches (one system call per 1024 pages).
 * *verified = pages on `node`; *misplaced_bytes = bytes on another node or
 * not present (a negative status: -ENOENT not faulted in, -EFAULT...), the
 * last page counted only up to addr+len.  -EINVAL bad arguments (page_size
 * not a power of two, addr not aligned to it); -errno when move_pages fails. */
int bind_verify(void *addr, size_t len, size_t page_size, int node,
                size_t *verified, size_t *misplaced_bytes);

/* Tests only: replace move_pages' answer.  fn fills status[i] for each page
 * and returns 0, or -1 with errno set, as move_pages does; NULL restores the
 * real call.  Process-wide (an atomic pointer). */
typedef long (*bind_move_pages_fn)(unsigned long count, void **pages, int *status);
void bind_set_move_pages_hook(bind_move_pages_fn fn);

#endif
