/* numapool-bench: the malloc-family contender (glibc, jemalloc, mimalloc,
 * tcmalloc).  The allocators replace malloc process-wide, so the driver runs
 * this worker once per allocator, in a child process with LD_PRELOAD naming
 * the library; before measuring, the worker checks that a symbol only that
 * library exports is really there, so a failed preload is reported, never
 * measured as glibc.  Bulk is a loop of malloc and free: none of them has a
 * bulk call for fixed-size objects. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "loops.h"

struct mctx {
    size_t size;
};

static void *m_setup(size_t size, size_t nblocks, char *why, size_t whylen)
{
    (void)nblocks;
    struct mctx *c = malloc(sizeof *c);
    if (c == NULL)
        snprintf(why, whylen, "malloc failed");
    else
        c->size = size;
    return c;
}

static void m_teardown(void *c)
{
    free(c);
}

static inline int m_getb(struct mctx *c, void **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((v[i] = malloc(c->size)) == NULL)
            return -1;
    return 0;
}

static inline void m_putb(void *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
}

#define M_GET(c) malloc((c)->size)
#define M_PUT(c, b) free(b)
#define M_GETB(c, v, n) m_getb((c), (v), (n))
#define M_PUTB(c, v, n) m_putb((v), (n))
BENCH_DEFINE_LOOPS(m, struct mctx, M_GET, M_PUT, M_GETB, M_PUTB)

int bench_malloc_worker(const char *name, int argc, char **argv)
{
    static const struct {
        const char *name, *marker;
    } known[] = {{"glibc", NULL}, {"jemalloc", "mallocx"}, {"mimalloc", "mi_malloc"}, {"tcmalloc", "tc_malloc"}};
    struct bench_opts o;
    const char *marker = NULL;
    int found = 0;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(name, known[i].name) == 0)
            found = 1, marker = known[i].marker;
    if (!found)
        bench_die("unknown malloc contender %s", name);
    if (bench_worker_opts(argc, argv, &o) != 0)
        bench_die("bad worker arguments");
    if (marker != NULL && dlsym(RTLD_DEFAULT, marker) == NULL) {
        bench_emit("S %s all 0 absent: %s not found after LD_PRELOAD", name, marker);
        return 0;
    }
    struct bench_contender c = {
        .name = name,
        .setup = m_setup,
        .teardown = m_teardown,
        .pingpong = m_pingpong,
        .batch = m_batch,
        .bulk = m_bulk,
        .tget = m_tget,
        .tput = m_tput,
    };
    return bench_worker_run(&c, &o);
}
