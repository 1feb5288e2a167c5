/* src/debug.c - what the NPOOL_DEBUG levels 1 and 2 add to the library
 * (level 3, npool_check after every change, is check.c's).
 *
 * Level 1: NPOOL_ASSERT (pool.h) lands here when an internal invariant is
 * broken: one line on stderr with the file, the line and the sentence,
 * then abort().  Level 2: every free block holds a pattern (pool.h's
 * npool__arena_fresh, npool__blocks_in), and every block handed out is
 * checked here first: it must hold NPOOL_FILL_FRESH or NPOOL_FILL_FREED
 * whole, or someone wrote into it while it was free.  The pattern the block
 * should hold is the one most of its bytes hold, so the report names the
 * first byte written, whichever it is.  Nothing here takes a lock or calls
 * another module: the callers own the block they pass. */
#include "pool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#if NPOOL_DEBUG >= 1
void npool__assert_fail(const char *file, int line, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    fprintf(stderr, "numapool: NPOOL_DEBUG: internal invariant broken at %s:%d: %s\n", file, line, why);
    abort();
}
#endif

#if NPOOL_DEBUG >= 2
/* Do all n bytes at p equal c?  (Byte 0 is c and each byte equals the next.) */
static int all_are(const unsigned char *p, size_t n, unsigned char c)
{
    return p[0] == c && memcmp(p, p + 1, n - 1) == 0;
}

void npool__fill_check(const npool_t *pool, const struct npool_arena *a, const void *b)
{
    const unsigned char *p = b;
    size_t n = pool->stride;
    /* the library's own look at a free block: open it to ASan and valgrind
     * (the caller then hands it out, or closes it again) */
    NPOOL_ASAN_UNPOISON(b, n);
    NPOOL_VG_DEFINED(b, n);
    if (all_are(p, n, NPOOL_FILL_FREED) || all_are(p, n, NPOOL_FILL_FRESH))
        return;
    size_t fresh = 0, freed = 0;
    for (size_t k = 0; k < n; k++) {
        fresh += p[k] == NPOOL_FILL_FRESH;
        freed += p[k] == NPOOL_FILL_FREED;
    }
    unsigned char want = fresh > freed ? NPOOL_FILL_FRESH : NPOOL_FILL_FREED;
    size_t first = SIZE_MAX, last = 0, nbad = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k] != want) {
            if (first == SIZE_MAX)
                first = k;
            last = k;
            nbad++;
        }
    }
    size_t index = a->first_index + (size_t)((const char *)b - a->base) / pool->stride;
    fprintf(stderr, "numapool: NPOOL_DEBUG: block %zu of pool '%s' was written %s: byte %zu is 0x%02x, expected "
            "0x%02x (%zu of its %zu bytes differ, the last at byte %zu)\n", index, pool->name,
            want == NPOOL_FILL_FRESH ? "while fresh, before any get since the pool's creation or reset"
                                     : "after its put",
            first, p[first], want, nbad, n, last);
    abort();
}
#endif
