/* src/freeset.c - the address-sorted free set of one node (see freeset.h).
 *
 * Two levels are enough: a 1 M-block node has 16 Ki bitmap words and 256
 * summary words, and `lo` skips the empty prefix that a pool handing out
 * lowest-first builds up.  Runs are found a word at a time: a word of all ones
 * is 64 free blocks, partial words are split with ctz.  Callers hold the
 * node's lock. */
#include "freeset.h"

#include <stdio.h>
#include <string.h>

static inline unsigned ctz64(uint64_t x) { return (unsigned)__builtin_ctzll(x); }
static inline unsigned popcount64(uint64_t x) { return (unsigned)__builtin_popcountll(x); }

size_t freeset_bytes(size_t nblocks)
{
    size_t nwords = (nblocks + 63) / 64;
    size_t nsum = (nwords + 63) / 64;
    return (nwords + nsum) * sizeof(uint64_t);
}

void freeset_init(struct freeset *fs, size_t nblocks, void *mem)
{
    fs->nblocks = nblocks;
    fs->nwords = (nblocks + 63) / 64;
    fs->nsum = (fs->nwords + 63) / 64;
    fs->bits = mem;
    fs->summary = fs->bits + fs->nwords;
    freeset_fill(fs);
}

void freeset_fill(struct freeset *fs)
{
    memset(fs->bits, 0xff, fs->nwords * sizeof(uint64_t));
    if (fs->nblocks % 64)
        fs->bits[fs->nwords - 1] = (1ull << (fs->nblocks % 64)) - 1;
    memset(fs->summary, 0xff, fs->nsum * sizeof(uint64_t));
    if (fs->nwords % 64)
        fs->summary[fs->nsum - 1] = (1ull << (fs->nwords % 64)) - 1;
    fs->nfree = fs->nblocks;
    fs->lo = 0;
}

static inline void word_became_nonzero(struct freeset *fs, size_t w)
{
    fs->summary[w / 64] |= 1ull << (w % 64);
    if (w / 64 < fs->lo)
        fs->lo = w / 64;
}

static inline void word_changed(struct freeset *fs, size_t w)
{
    if (fs->bits[w])
        word_became_nonzero(fs, w);
    else
        fs->summary[w / 64] &= ~(1ull << (w % 64));
}

void freeset_remove(struct freeset *fs, size_t i)
{
    size_t w = i / 64;
    fs->bits[w] &= ~(1ull << (i % 64));
    if (!fs->bits[w])
        fs->summary[w / 64] &= ~(1ull << (w % 64));
    fs->nfree--;
}

/* The lowest non-zero bitmap word at or after word `from`, or nwords. */
static size_t next_word(const struct freeset *fs, size_t from)
{
    if (from >= fs->nwords)
        return fs->nwords;
    size_t s = from / 64;
    uint64_t m = fs->summary[s] & (~0ull << (from % 64));
    while (!m) {
        if (++s >= fs->nsum)
            return fs->nwords;
        m = fs->summary[s];
    }
    return s * 64 + ctz64(m);
}

/* Take up to n lowest blocks, handing each index to out[pos(j)]. */
static inline size_t take_lowest(struct freeset *fs, uint32_t *out, size_t n, int desc)
{
    size_t k = n < fs->nfree ? n : fs->nfree, got = 0;
    while (got < k) {
        while (!fs->summary[fs->lo])
            fs->lo++;               /* nfree > 0 guarantees a non-zero word ahead */
        size_t w = fs->lo * 64 + ctz64(fs->summary[fs->lo]);
        uint64_t b = fs->bits[w];
        while (b && got < k) {
            out[desc ? k - 1 - got : got] = (uint32_t)(w * 64 + ctz64(b));
            got++;
            b &= b - 1;
        }
        fs->bits[w] = b;
        if (!b)
            fs->summary[w / 64] &= ~(1ull << (w % 64));
    }
    fs->nfree -= k;
    return k;
}

size_t freeset_take_lowest(struct freeset *fs, uint32_t *out, size_t n)
{
    return take_lowest(fs, out, n, 0);
}

size_t freeset_take_lowest_desc(struct freeset *fs, uint32_t *out, size_t n)
{
    return take_lowest(fs, out, n, 1);
}

/* The first free block at or after i, or nblocks. */
static size_t next_set(const struct freeset *fs, size_t i)
{
    if (i >= fs->nblocks)
        return fs->nblocks;
    size_t w = i / 64;
    uint64_t b = fs->bits[w] & (~0ull << (i % 64));
    if (b)
        return w * 64 + ctz64(b);
    w = next_word(fs, w + 1);
    return w < fs->nwords ? w * 64 + ctz64(fs->bits[w]) : fs->nblocks;
}

/* The first block at or after i that is not free (nblocks past the end). */
static size_t next_clear(const struct freeset *fs, size_t i)
{
    size_t w = i / 64;
    uint64_t b = ~fs->bits[w] & (~0ull << (i % 64));
    while (!b) {
        if (++w >= fs->nwords)
            return fs->nblocks;
        b = ~fs->bits[w];
    }
    size_t r = w * 64 + ctz64(b);
    return r < fs->nblocks ? r : fs->nblocks;
}

static void set_range(struct freeset *fs, size_t first, size_t n, int on)
{
    size_t i = first, end = first + n;
    while (i < end) {
        size_t w = i / 64, lo = i % 64;
        size_t hi = (end - w * 64) < 64 ? end - w * 64 : 64;
        uint64_t mask = (hi == 64 ? ~0ull : (1ull << hi) - 1) & (~0ull << lo);
        if (on) {
            fs->bits[w] |= mask;
            fs->nfree += popcount64(mask);
        } else {
            fs->bits[w] &= ~mask;
            fs->nfree -= popcount64(mask);
        }
        word_changed(fs, w);
        i = w * 64 + hi;
    }
}

size_t freeset_take_run(struct freeset *fs, size_t n)
{
    if (n == 0 || n > fs->nfree)
        return SIZE_MAX;
    size_t i = next_set(fs, 0);
    while (i < fs->nblocks) {
        size_t end = next_clear(fs, i);
        if (end - i >= n) {
            set_range(fs, i, n, 0);
            return i;
        }
        i = next_set(fs, end);
    }
    return SIZE_MAX;
}

int freeset_run_all(const struct freeset *fs, size_t first, size_t n)
{
    return next_clear(fs, first) >= first + n;
}

int freeset_run_none(const struct freeset *fs, size_t first, size_t n)
{
    return next_set(fs, first) >= first + n;
}

void freeset_insert_run(struct freeset *fs, size_t first, size_t n)
{
    set_range(fs, first, n, 1);
}

size_t freeset_largest_run(const struct freeset *fs)
{
    size_t best = 0;
    size_t i = next_set(fs, 0);
    while (i < fs->nblocks) {
        size_t end = next_clear(fs, i);
        if (end - i > best)
            best = end - i;
        if (best >= fs->nfree)
            break;
        i = next_set(fs, end);
    }
    return best;
}

double freeset_fragmentation(const struct freeset *fs)
{
    if (!fs->nfree)
        return 0.0;
    return 100.0 * (1.0 - (double)freeset_largest_run(fs) / (double)fs->nfree);
}

int freeset_check(const struct freeset *fs, char *why, size_t len)
{
    size_t count = 0;
    for (size_t w = 0; w < fs->nwords; w++) {
        count += popcount64(fs->bits[w]);
        int s = (int)(fs->summary[w / 64] >> (w % 64) & 1);
        if (s != (fs->bits[w] != 0)) {
            snprintf(why, len, "summary bit of word %zu is %d but the word is %#llx",
                     w, s, (unsigned long long)fs->bits[w]);
            return -1;
        }
        if (fs->bits[w] && w / 64 < fs->lo) {
            snprintf(why, len, "word %zu is non-zero below the low hint %zu", w, fs->lo * 64);
            return -1;
        }
    }
    if (fs->nblocks % 64 && fs->bits[fs->nwords - 1] >> (fs->nblocks % 64)) {
        snprintf(why, len, "bits set past the last block %zu", fs->nblocks - 1);
        return -1;
    }
    if (fs->nwords % 64 && fs->summary[fs->nsum - 1] >> (fs->nwords % 64)) {
        snprintf(why, len, "summary bits set past the last word");
        return -1;
    }
    if (count != fs->nfree) {
        snprintf(why, len, "the set holds %zu blocks but counts %zu", count, fs->nfree);
        return -1;
    }
    return 0;
}
