/* src/freeset.h - the address-sorted free set of one node.
 *
 * A bitmap: bit i set while block i (index local to the node's arena) is free
 * and in the set.  A summary bitmap has bit w set while word w of the bitmap
 * is non-zero, so the lowest free block is two count-trailing-zeros away, and
 * `lo` remembers the lowest summary word that may be non-zero.
 * Invariants (freeset_check): popcount(bits) == nfree; summary bit w set iff
 * bits[w] != 0; no summary word below `lo` is non-zero; bits past nblocks are
 * clear.  Callers hold the node's lock; the set never touches the arena. */
#ifndef NUMAPOOL_FREESET_H
#define NUMAPOOL_FREESET_H

#include <stddef.h>
#include <stdint.h>

struct freeset {
    uint64_t *bits;     /* nwords words */
    uint64_t *summary;  /* nsum words */
    size_t nblocks;
    size_t nwords;
    size_t nsum;
    size_t nfree;       /* popcount(bits) */
    size_t lo;          /* no summary word below lo is non-zero */
};

/* Bytes of metadata for n blocks (bits + summary), a multiple of 8. */
size_t freeset_bytes(size_t nblocks);
/* Lay the set out in `mem` (freeset_bytes(nblocks) bytes, zeroed) and make every block free. */
void freeset_init(struct freeset *fs, size_t nblocks, void *mem);
/* Every block free again. */
void freeset_fill(struct freeset *fs);

static inline int freeset_has(const struct freeset *fs, size_t i)
{
    return (int)(fs->bits[i / 64] >> (i % 64) & 1);
}
/* Put block i into the set; 0 when it was there already (nothing changes). */
static inline int freeset_insert(struct freeset *fs, size_t i)
{
    size_t w = i / 64;
    uint64_t old = fs->bits[w], bit = 1ull << (i % 64);
    if (old & bit)
        return 0;
    fs->bits[w] = old | bit;
    if (!old) {
        fs->summary[w / 64] |= 1ull << (w % 64);
        if (w / 64 < fs->lo)
            fs->lo = w / 64;
    }
    fs->nfree++;
    return 1;
}
void freeset_remove(struct freeset *fs, size_t i);          /* pre: i in the set */
/* Take up to `n` of the lowest free blocks into out[], ascending; returns how many. */
size_t freeset_take_lowest(struct freeset *fs, uint32_t *out, size_t n);
/* The same, k = min(n, nfree) of them, written descending: out[k-1] is the
 * lowest, so a stack popping from the top hands them out in address order. */
size_t freeset_take_lowest_desc(struct freeset *fs, uint32_t *out, size_t n);
/* First fit: the lowest run of n free blocks, taken out; SIZE_MAX if none. */
size_t freeset_take_run(struct freeset *fs, size_t n);
/* Is every block of [first, first+n) free / none of them free? */
int freeset_run_all(const struct freeset *fs, size_t first, size_t n);
int freeset_run_none(const struct freeset *fs, size_t first, size_t n);
void freeset_insert_run(struct freeset *fs, size_t first, size_t n);  /* pre: none in the set */
/* Length of the longest run of adjacent free blocks. */
size_t freeset_largest_run(const struct freeset *fs);
/* 100 * (1 - largest run / nfree), 0 when empty. */
double freeset_fragmentation(const struct freeset *fs);
/* 0, or -1 with a description of the first broken invariant in why. */
int freeset_check(const struct freeset *fs, char *why, size_t len);

#endif
