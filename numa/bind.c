/* numa/bind.c - the only user of libnuma (its <numaif.h> system-call
 * wrappers): the thread's memory policy, binding a range to a node before it
 * is touched, and asking the kernel where each page of a range really is.
 *
 * Node masks: the kernel reads `maxnode - 1` bits from the mask of mbind and
 * set_mempolicy (an old off-by-one kept for compatibility) and wants
 * maxnode >= its number of possible nodes for get_mempolicy, so every mask
 * here is TOPO_MAX_NODE bits (the kernel's largest MAX_NUMNODES) and
 * mbind gets TOPO_MAX_NODE + 1.
 *
 * Thread-safe: no state but the test hook, an atomic pointer.
 */
#include "topo.h"
#include "error.h"
#include "fault.h"

#include <errno.h>
#include <numaif.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define MASK_LONGS (TOPO_MAX_NODE / (8 * sizeof(unsigned long)))
#define VERIFY_BATCH 1024
/* Mode flags the kernel may or into get_mempolicy's answer (STATIC, RELATIVE, NUMA_BALANCING). */
#define MODE_FLAGS ((1 << 15) | (1 << 14) | (1 << 13))

static _Atomic(bind_move_pages_fn) move_pages_hook;

void bind_set_move_pages_hook(bind_move_pages_fn fn)
{
    atomic_store_explicit(&move_pages_hook, fn, memory_order_release);
}

int bind_get_policy(enum topo_policy *pol, topo_nodeset_t *nodes)
{
    unsigned long mask[MASK_LONGS];
    int mode = 0;
    if (!pol || !nodes)
        return npool__errorf(-EINVAL, "bind_get_policy: NULL argument");
    memset(mask, 0, sizeof mask);
    if (NPOOL_FAULT(GET_MEMPOLICY) || get_mempolicy(&mode, mask, TOPO_MAX_NODE, NULL, 0) != 0) {
        int e = errno;
        return npool__errorf(-e, "get_mempolicy failed: %s", strerror(e));
    }
    memset(nodes, 0, sizeof *nodes);
    for (int n = 0; n < TOPO_MAX_NODE; n++)
        if (mask[n / (8 * sizeof(unsigned long))] >> (n % (8 * sizeof(unsigned long))) & 1)
            topo_nodeset_add(nodes, n);
    switch (mode & ~MODE_FLAGS) {
    case MPOL_DEFAULT: *pol = TOPO_POL_DEFAULT; break;
    case MPOL_BIND: *pol = TOPO_POL_BIND; break;
    case MPOL_PREFERRED:
    case MPOL_PREFERRED_MANY:
        *pol = topo_nodeset_count(nodes) ? TOPO_POL_PREFERRED : TOPO_POL_LOCAL;
        break;
    case MPOL_INTERLEAVE: *pol = TOPO_POL_INTERLEAVE; break;
    case MPOL_LOCAL: *pol = TOPO_POL_LOCAL; break;
    default: *pol = TOPO_POL_OTHER; break;
    }
    return 0;
}

int bind_range(void *addr, size_t len, int node, bool preferred)
{
    unsigned long mask[MASK_LONGS];
    if (!addr || len == 0 || node < 0 || node >= TOPO_MAX_NODE)
        return npool__errorf(-EINVAL, "bind_range: bad arguments (addr %p, %zu bytes, node %d)",
                             addr, len, node);
    memset(mask, 0, sizeof mask);
    mask[node / (8 * sizeof(unsigned long))] |= 1ul << (node % (8 * sizeof(unsigned long)));
    int mode = preferred ? MPOL_PREFERRED : MPOL_BIND;
    if (NPOOL_FAULT(MBIND) || mbind(addr, len, mode, mask, TOPO_MAX_NODE + 1, 0) != 0) {
        int e = errno;
        return npool__errorf(-e, "mbind of %zu bytes at %p to node %d (%s) failed: %s",
                             len, addr, node, preferred ? "MPOL_PREFERRED" : "MPOL_BIND", strerror(e));
    }
    return 0;
}

static long query_pages(unsigned long count, void **pages, int *status)
{
    bind_move_pages_fn hook = atomic_load_explicit(&move_pages_hook, memory_order_acquire);
    if (NPOOL_FAULT(MOVE_PAGES))
        return -1;
    if (hook)
        return hook(count, pages, status);
    return move_pages(0, count, pages, NULL, status, 0);
}

int bind_verify(void *addr, size_t len, size_t page_size, int node,
                size_t *verified, size_t *misplaced_bytes)
{
    void *pages[VERIFY_BATCH];
    int status[VERIFY_BATCH];
    if (!addr || !verified || !misplaced_bytes || page_size == 0 ||
        (page_size & (page_size - 1)) || (uintptr_t)addr % page_size)
        return npool__errorf(-EINVAL, "bind_verify: bad arguments (addr %p, page size %zu)",
                             addr, page_size);
    *verified = 0;
    *misplaced_bytes = 0;
    char *base = addr;
    size_t npages = len / page_size + (len % page_size != 0);
    for (size_t done = 0; done < npages;) {
        unsigned long n = npages - done < VERIFY_BATCH ? (unsigned long)(npages - done) : VERIFY_BATCH;
        for (unsigned long i = 0; i < n; i++) {
            pages[i] = base + (done + i) * page_size;
            status[i] = -ENOENT;
        }
        if (query_pages(n, pages, status) != 0) {
            int e = errno;
            return npool__errorf(-e, "move_pages (query) of %lu pages at %p failed: %s",
                                 n, pages[0], strerror(e));
        }
        for (unsigned long i = 0; i < n; i++) {
            size_t off = (done + i) * page_size;
            size_t bytes = len - off < page_size ? len - off : page_size;
            if (status[i] == node)
                (*verified)++;
            else
                *misplaced_bytes += bytes;
        }
        done += n;
    }
    return 0;
}
