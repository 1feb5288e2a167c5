/* base/fault.c - the fault points' counters (fault.h), compiled only into
 * the test-only library that the CMake option NPOOL_FAULTS builds.
 *
 * Each point counts its uses with an atomic increment; a use whose number
 * falls in the armed window [first, first + times) fails.  Arming and
 * resetting are meant for a test's main thread between calls into the
 * library; hits may come from any thread. */
#include "fault.h"

#include <errno.h>
#include <stdatomic.h>

struct point {
    _Atomic unsigned long uses, fired;
    _Atomic unsigned long first, times;    /* first == 0: disarmed */
    _Atomic int err;
};

static struct point points[NPOOL_FAULT_COUNT];

static const struct {
    const char *name;
    int err;
    const char *where;
} table[NPOOL_FAULT_COUNT] = {
#define NPOOL_FAULT_ROW(n, e, w) {#n, e, w},
    NPOOL_FAULT_POINTS(NPOOL_FAULT_ROW)
#undef NPOOL_FAULT_ROW
};

int npool__fault_hit(enum npool_fault p)
{
    struct point *pt = &points[p];
    unsigned long use = atomic_fetch_add(&pt->uses, 1) + 1;
    unsigned long first = atomic_load(&pt->first);
    if (!first || use < first || use - first >= atomic_load(&pt->times))
        return 0;
    atomic_fetch_add(&pt->fired, 1);
    errno = atomic_load(&pt->err);
    return 1;
}

void npool__fault_arm(enum npool_fault p, unsigned long n, unsigned long times, int err)
{
    struct point *pt = &points[p];
    atomic_store(&pt->err, err ? err : table[p].err);
    atomic_store(&pt->times, times);
    atomic_store(&pt->first, n);
}

void npool__fault_reset(void)
{
    for (int p = 0; p < NPOOL_FAULT_COUNT; p++) {
        atomic_store(&points[p].first, 0);
        atomic_store(&points[p].uses, 0);
        atomic_store(&points[p].fired, 0);
    }
}

unsigned long npool__fault_uses(enum npool_fault p) { return atomic_load(&points[p].uses); }
unsigned long npool__fault_fired(enum npool_fault p) { return atomic_load(&points[p].fired); }
const char *npool__fault_name(enum npool_fault p) { return table[p].name; }
int npool__fault_errno(enum npool_fault p) { return table[p].err; }
const char *npool__fault_where(enum npool_fault p) { return table[p].where; }
