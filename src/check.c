/* src/check.c - npool_check: every invariant of a pool walked, each node
 * under its lock, the caches and depots under the registry lock (cache.c),
 * and the NPOOL_DEBUG=3 hook that runs it after every change. */
#include "cache.h"
#include "error.h"
#include "fault.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int npool_check(const npool_t *pool)
{
    if (!pool)
        return npool__errorf(-EINVAL, "npool_check: pool is NULL");
    char why[256];
    int checked = !pool->unchecked;
    for (int k = 0; k < pool->narenas; k++) {
        struct npool_arena *a = (struct npool_arena *)&pool->arena[k];
        int bad = 0;
        npool__lock(a);
        if (freeset_check(&a->fs, why, sizeof why) != 0)
            bad = 1;
        for (size_t i = 0; !bad && checked && i < a->nblocks; i++) {
            uint8_t s = npool__state(a, i);
            if (s > NPOOL_STATE_PUTTING) {
                snprintf(why, sizeof why, "block %zu has state %u", a->first_index + i, s);
                bad = 1;
            } else if (freeset_has(&a->fs, i) && s != NPOOL_STATE_FREE) {
                snprintf(why, sizeof why, "block %zu is in the free set but marked held", a->first_index + i);
                bad = 1;
            }
        }
        npool__unlock(a);
        if (bad)
            return npool__errorf(-EFAULT, "pool '%s', node %d: %s", pool->name, a->node, why);
    }
    uint8_t *marks = NPOOL_FAULT(ALLOC_CHECK) ? NULL : calloc(pool->nblocks_total, 1);
    if (!marks)
        return npool__errorf(-ENOMEM, "npool_check: no memory for %zu marks", pool->nblocks_total);
    int rc = npool__caches_check(pool, marks, why, sizeof why);
    free(marks);
    if (rc)
        return npool__errorf(-EFAULT, "pool '%s': %s", pool->name, why);
    return 0;
}

#if NPOOL_DEBUG >= 3
void npool__debug_check(const npool_t *pool)
{
    if (npool_check(pool) != 0) {
        fprintf(stderr, "numapool: NPOOL_DEBUG: %s\n", npool__last_error());
        abort();
    }
}
#endif
