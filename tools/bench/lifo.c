/* numapool-bench: the out-of-line ideal LIFO.  A free list threaded through
 * the free blocks (the first word of a free block points to the next one),
 * in its own translation unit and noinline, so every get and put costs one
 * real call: the floor for any allocator behind a function call.  No checks,
 * no thread safety: each thread of the thread scenarios has its own list. */
#include "bench.h"

BENCH_NOINLINE void *bench_lifo_get(struct bench_lifo *l)
{
    void *b = l->head;
    if (b != NULL)
        l->head = *(void **)b;
    return b;
}

BENCH_NOINLINE void bench_lifo_put(struct bench_lifo *l, void *b)
{
    *(void **)b = l->head;
    l->head = b;
}

BENCH_NOINLINE int bench_lifo_get_bulk(struct bench_lifo *l, void **v, size_t n)
{
    void *h = l->head;
    for (size_t i = 0; i < n; i++) {
        if (h == NULL)
            return -1; /* the harness sizes the lists so that this never happens */
        v[i] = h;
        h = *(void **)h;
    }
    l->head = h;
    return 0;
}

BENCH_NOINLINE void bench_lifo_put_bulk(struct bench_lifo *l, void *const *v, size_t n)
{
    void *h = l->head;
    for (size_t i = 0; i < n; i++) {
        *(void **)v[i] = h;
        h = v[i];
    }
    l->head = h;
}
