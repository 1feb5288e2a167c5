/* tests/fault/test_fault.c - every fault point of the library made to fail,
 * one use after another, through npool_create, npool_destroy and the get
 * and put paths (label fault; linked with libnumapool_faults.a, the
 * test-only copy of the library built with NPOOL_FAULTS, base/fault.h).
 *
 * Owns the promise of npool_create's comment: a failed create returns one
 * of the codes numapool.h lists, says in its sentence what failed (and the
 * kernel's error), and leaves nothing mapped: /proc/self/maps is the same,
 * byte for byte, before and after.  Where the injected failure is an unmap
 * on the way out, the sentence must say so, and the test unmaps what was
 * left (found page by page from the maps) before comparing.  Leaks are
 * LeakSanitizer's: the asan stage runs this too.
 *
 * Modes (one per ctest test; each prints its figures and ends with
 * "N passed, N failed"; -v prints every check):
 *   create     for each configuration (one node: base pages, THP, AUTO,
 *              2 MiB hugetlb reserved as root, NPOOL_LOCK, NPOOL_PREFER_NODE,
 *              NPOOL_NO_CACHE) and each point a clean create uses there:
 *              fail its use N = 1, 2, ... until a create no longer reaches
 *              it, with the likely errno and the other ones the kernel gives
 *   release    each refused create of that loop again, with an unmap (or a
 *              return to the reservation) on the way out refused too, use
 *              after use; and refused unmaps in npool_destroy
 *   topology   a failed discovery of the machine is not kept (in a fresh
 *              process, then 8 threads at once), then every point of the
 *              discovery failed use by use
 *   getput     the allocations of the get and put paths refused: a thread's
 *              cache, magazine buffers, npool_check's marks
 *   vm NODES   create's loop for pools over NODES ("all"), in the NUMA guest */
#include "fault_util.h"
#include "fault.h"
#include "topo_private.h"
#include "numapool.h"
#include "hp_util.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct maps before, after;

/* ------------------------------------------------------------------------ */
/* what each point's failure must say                                       */

static const struct {
    const char *needles;        /* '|'-separated: the sentence names one of them */
    int alt[2];                 /* other errnos the kernel gives there, tried too */
    int shown[2];               /* the error the sentence gives for alt[k] when not its own (0: its own) */
} said[NPOOL_FAULT_COUNT] = {
    [NPOOL_FAULT_MMAP_RESERVE] = {"reserve", {0, 0}},
    [NPOOL_FAULT_MUNMAP_TRIM] = {"trim", {EINVAL, 0}},
    [NPOOL_FAULT_MMAP_FIXED] = {"mmap", {EAGAIN, 0}},
    [NPOOL_FAULT_MADV_HUGEPAGE] = {"madv_hugepage", {0, 0}},
    [NPOOL_FAULT_MADV_DONTFORK_ARENA] = {"madv_dontfork", {EINVAL, 0}},
    [NPOOL_FAULT_MMAP_UNRESERVE] = {"reservation", {0, 0}},
    [NPOOL_FAULT_MMAP_ANON] = {"metadata", {0, 0}},
    [NPOOL_FAULT_MADV_DONTFORK_META] = {"madv_dontfork", {EINVAL, 0}},
    [NPOOL_FAULT_MUNMAP] = {"unmap", {EINVAL, 0}},
    /* EFAULT: no page to be had (a SIGBUS avoided), which is ENOMEM to the caller */
    [NPOOL_FAULT_MADV_POPULATE] = {"populat|fault in", {EFAULT, EINTR}, {ENOMEM, 0}},
    [NPOOL_FAULT_MLOCK] = {"mlock", {EAGAIN, EPERM}},
    [NPOOL_FAULT_SMAPS_OPEN] = {"smaps", {ENFILE, 0}},
    [NPOOL_FAULT_SMAPS_TORN] = {"torn", {0, 0}},
    [NPOOL_FAULT_MBIND] = {"mbind", {EINVAL, EFAULT}},
    [NPOOL_FAULT_GET_MEMPOLICY] = {"get_mempolicy", {0, 0}},
    [NPOOL_FAULT_MOVE_PAGES] = {"move_pages", {EFAULT, 0}},
    [NPOOL_FAULT_READ_NODES] = {"/sys/|/proc/", {EMFILE, EACCES}},
    [NPOOL_FAULT_READ_MEMINFO] = {"meminfo", {EMFILE, EACCES}},
    [NPOOL_FAULT_READ_HUGEPAGES] = {"hugepages", {EMFILE, EACCES}},
    [NPOOL_FAULT_READ_THP] = {"transparent_hugepage", {EMFILE, EACCES}},
    [NPOOL_FAULT_READ_STATUS] = {"/proc/self/status", {EMFILE, EACCES}},
    [NPOOL_FAULT_READ_CGROUP] = {"cgroup|mounts", {EMFILE, EACCES}},
    [NPOOL_FAULT_ALLOC_CGROUP] = {"memory", {0, 0}},
    [NPOOL_FAULT_HWLOC_INIT] = {"hwloc", {0, 0}},
    [NPOOL_FAULT_HWLOC_LOAD] = {"hwloc", {EINVAL, 0}},
    [NPOOL_FAULT_ALLOC_TOPO] = {"memory", {0, 0}},
    [NPOOL_FAULT_ALLOC_TOPO_NODES] = {"memory", {0, 0}},
    [NPOOL_FAULT_ALLOC_TOPO_CPUS] = {"memory", {0, 0}},
    [NPOOL_FAULT_ALLOC_TOPO_DIST] = {"memory", {0, 0}},
    [NPOOL_FAULT_ALLOC_CPUSET] = {"memory", {0, 0}},
    [NPOOL_FAULT_ALLOC_CACHE] = {"memory", {0, 0}},
    [NPOOL_FAULT_ALLOC_MAGAZINE] = {"memory", {0, 0}},
    [NPOOL_FAULT_ALLOC_CHECK] = {"memory", {0, 0}},
};

/* Case-insensitive: does `s` contain one of the '|'-separated needles? */
static int names_one(const char *s, const char *needles)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", needles ? needles : "");
    for (char *save = NULL, *n = strtok_r(buf, "|", &save); n; n = strtok_r(NULL, "|", &save))
        if (strcasestr(s, n))
            return 1;
    return 0;
}

/* "  exercised: MMAP_RESERVE MUNMAP_TRIM ..." */
static void print_points(const char *what, const int *hit)
{
    printf("    %s", what);
    for (int p = 0; p < NPOOL_FAULT_COUNT; p++)
        if (hit[p])
            printf(" %s", npool__fault_name(p));
    printf("\n");
    fflush(stdout);
}

static const char *err_name(enum npool_fault p, int err) { return strerror(err ? err : npool__fault_errno(p)); }

/* The error a refused create's sentence gives for point p failing with err. */
static const char *err_shown(enum npool_fault p, int err)
{
    for (int k = 0; k < 2; k++)
        if (err && said[p].alt[k] == err && said[p].shown[k])
            return strerror(said[p].shown[k]);
    return err_name(p, err);
}

/* ------------------------------------------------------------------------ */
/* one create with one failure (and maybe a second on the way out)          */

enum outcome { NOT_REACHED, SURVIVED, REFUSED };
struct result {
    enum outcome o;
    int second_fired;
};
#define NO_POINT NPOOL_FAULT_COUNT

/* A pool that was created: gets and puts work, the invariants hold. */
static void use_pool(npool_t *pool, const char *ctx)
{
    void *b[8];
    int n = 0;
    for (; n < 8; n++)
        if (!(b[n] = npool_get(pool)))
            break;
    CHECK(n == 8, "%s: 8 gets from the new pool (got %d)", ctx, n);
    for (int k = 0; k < n; k++) {
        memset(b[k], 0x5a, 8);
        CHECK(npool_put(pool, b[k]) == 0, "%s: put %d", ctx, k);
    }
    CHECK(npool_check(pool) == 0, "%s: npool_check", ctx);
}

/* Unmap what a refused unmap left (the ranges the maps gained). */
static void unmap_leftovers(const char *ctx)
{
    struct range r[64];
    maps_read(&after);
    int n = maps_added(&before, &after, r, 64);
    CHECK(n > 0, "%s: the refused unmap left a mapping behind (%d ranges)", ctx, n);
    for (int k = 0; k < n; k++)
        CHECK(munmap((void *)r[k].lo, r[k].hi - r[k].lo) == 0, "%s: the test unmaps the leftover %#lx-%#lx", ctx,
              (unsigned long)r[k].lo, (unsigned long)r[k].hi);
}

/* Under ThreadSanitizer, a discovery of the machine (hwloc's load: many
 * allocations, large ones mapped one by one) leaves the runtime's own
 * anonymous memory mapped at new places each time, so /proc/self/maps moves
 * between two discoveries that leak nothing.  There the discovery loop
 * checks codes and sentences only; its maps are compared exactly in the
 * release, debug and asan stages, and every other loop's in all of them. */
#if defined(__SANITIZE_THREAD__)
static int maps_noisy;
#else
enum { maps_noisy = 0 };
#endif

static void expect_maps_unchanged(const char *ctx)
{
    if (maps_noisy)
        return;
    maps_read(&after);
    if (!CHECK(maps_same(&before, &after), "%s: /proc/self/maps is the same as before", ctx))
        maps_show_diff(&before, &after);
}

/* Create c with use n of p failing with err (0: the table's), and use n2 of
 * p2 (NO_POINT: none) with the table's errno; check what the promise says. */
static struct result try_create(const npool_config_t *c, enum npool_fault p, unsigned long n, int err,
                                enum npool_fault p2, unsigned long n2, const char *ctx)
{
    struct result r = {NOT_REACHED, 0};
    npool_t *pool = NULL;
    npool__fault_reset();
    npool__fault_arm(p, n, 1, err);
    if (p2 != NO_POINT)
        npool__fault_arm(p2, n2, 1, 0);
    maps_read(&before);
    int rc = npool_create(c, &pool);
    int fired = npool__fault_fired(p) > 0;
    r.second_fired = p2 != NO_POINT && npool__fault_fired(p2) > 0;
    npool__fault_reset();       /* what follows runs clean */
    if (!fired) {
        CHECK(rc == 0, "%s: not reached, the create succeeds (%s)", ctx, npool_strerror(rc));
        if (pool)
            npool_destroy(pool);
        expect_maps_unchanged(ctx);
        return r;
    }
    if (rc == 0) {
        r.o = SURVIVED;
        CHECK(!r.second_fired, "%s: no unmap was refused in a create that succeeded", ctx);
        use_pool(pool, ctx);
        npool_destroy(pool);
        expect_maps_unchanged(ctx);
        return r;
    }
    r.o = REFUSED;
    const char *e = npool_last_error();
    CHECK(pool == NULL, "%s: *out stays NULL", ctx);
    CHECK(create_rc_documented(rc), "%s: %s is a code numapool.h lists for npool_create", ctx, npool_strerror(rc));
    CHECK(strlen(e) > 0 && strlen(e) < 512, "%s: a sentence of %zu bytes", ctx, strlen(e));
    CHECK(names_one(e, said[p].needles), "%s: the sentence names what failed (%s): %s", ctx, said[p].needles, e);
    /* an allocator says nothing but ENOMEM: "out of memory" is the same news */
    int alloc = (err ? err : npool__fault_errno(p)) == ENOMEM && strstr(e, "out of memory");
    CHECK(alloc || strstr(e, err_shown(p, err)) != NULL, "%s: the sentence gives the error \"%s\": %s", ctx,
          err_shown(p, err), e);
    if (r.second_fired && p2 == NPOOL_FAULT_MUNMAP) {
        CHECK(strstr(e, "unmapping") && strstr(e, "failed"), "%s: the sentence says the unmap failed: %s", ctx, e);
        unmap_leftovers(ctx);
    }
    if (r.second_fired && p2 == NPOOL_FAULT_MMAP_UNRESERVE)
        CHECK(strstr(e, "reservation") != NULL, "%s: the sentence says the reservation was not restored: %s", ctx, e);
    expect_maps_unchanged(ctx);
    return r;
}

/* ------------------------------------------------------------------------ */
/* the create loop                                                           */

#define MAX_FAILS 512
struct hits {
    int used, exercised;
    unsigned long injected, refused;
    int p[NPOOL_FAULT_COUNT];           /* fired at least once */
    struct { enum npool_fault p; unsigned long n; int err; } fail[MAX_FAILS];
    int nfail;
};

/* How often a clean create of c uses each point. */
static void clean_uses(const npool_config_t *c, unsigned long *uses)
{
    npool_t *pool = NULL;
    npool__fault_reset();
    int rc = npool_create(c, &pool);
    for (int p = 0; p < NPOOL_FAULT_COUNT; p++)
        uses[p] = npool__fault_uses(p);
    if (!CHECK(rc == 0, "a clean create (%s)", npool_strerror(rc)))
        exit(fu_summary("fault"));
    npool_destroy(pool);
}

/* Point p: N = 1, 2, ... until a create no longer reaches it. */
static void loop_point(const npool_config_t *c, const char *cname, enum npool_fault p, int err, unsigned long uses,
                       struct hits *h)
{
    for (unsigned long n = 1;; n++) {
        char ctx[160];
        snprintf(ctx, sizeof ctx, "%s: %s use %lu (%s)", cname, npool__fault_name(p), n, err_name(p, err));
        if (!CHECK(n <= uses + 1, "%s: the loop ends (a clean create uses it %lu times)", ctx, uses))
            return;
        struct result r = try_create(c, p, n, err, NO_POINT, 0, ctx);
        if (r.o == NOT_REACHED)
            return;
        h->injected++;
        h->p[p] = 1;
        if (r.o == REFUSED) {
            h->refused++;
            if (h->nfail < MAX_FAILS) {
                h->fail[h->nfail].p = p;
                h->fail[h->nfail].n = n;
                h->fail[h->nfail++].err = err;
            }
        }
    }
}

static void loop_config(const npool_config_t *c, const char *cname, struct hits *h)
{
    unsigned long uses[NPOOL_FAULT_COUNT];
    clean_uses(c, uses);
    memset(h, 0, sizeof *h);
    for (int p = 0; p < NPOOL_FAULT_COUNT; p++) {
        if (!uses[p])
            continue;
        h->used++;
        loop_point(c, cname, p, 0, uses[p], h);
        for (int k = 0; k < 2 && said[p].alt[k]; k++)
            loop_point(c, cname, p, said[p].alt[k], uses[p], h);
        h->exercised += h->p[p];
    }
    printf("fault create  %-9s %2d points used by a create, %2d exercised: %3lu failures injected, %3lu refused "
           "with a sentence, %3lu survived (a fallback, or advice that was missing)\n", cname, h->used,
           h->exercised, h->injected, h->refused, h->injected - h->refused);
    print_points("exercised:", h->p);
}

/* Each refused create again, with an unmap or a return to the reservation
 * on the way out refused too, use after use. */
static void release_config(const npool_config_t *c, const char *cname, const struct hits *h)
{
    static const enum npool_fault second[] = {NPOOL_FAULT_MUNMAP, NPOOL_FAULT_MMAP_UNRESERVE};
    unsigned long injected[2] = {0, 0};
    for (int i = 0; i < h->nfail; i++)
        for (int s = 0; s < 2; s++)
            for (unsigned long m = 1;; m++) {
                char ctx[200];
                snprintf(ctx, sizeof ctx, "%s: %s use %lu (%s), then %s use %lu", cname,
                         npool__fault_name(h->fail[i].p), h->fail[i].n, err_name(h->fail[i].p, h->fail[i].err),
                         npool__fault_name(second[s]), m);
                struct result r = try_create(c, h->fail[i].p, h->fail[i].n, h->fail[i].err, second[s], m, ctx);
                CHECK(r.o == REFUSED, "%s: still refused", ctx);
                if (!r.second_fired || !CHECK(m < 64, "%s: the loop ends", ctx))
                    break;
                injected[s]++;
            }
    /* npool_destroy: its unmaps refused one after another */
    unsigned long destroyed = 0;
    for (unsigned long m = 1;; m++) {
        char ctx[160];
        npool_t *pool = NULL;
        snprintf(ctx, sizeof ctx, "%s: npool_destroy with MUNMAP use %lu refused", cname, m);
        npool__fault_reset();
        maps_read(&before);
        if (!CHECK(npool_create(c, &pool) == 0, "%s: created", ctx))
            break;
        npool__fault_arm(NPOOL_FAULT_MUNMAP, m, 1, 0);
        npool_destroy(pool);
        int fired = npool__fault_fired(NPOOL_FAULT_MUNMAP) > 0;
        npool__fault_reset();
        if (!fired) {
            expect_maps_unchanged(ctx);
            break;
        }
        const char *e = npool_last_error();
        CHECK(strstr(e, "npool_destroy") && strstr(e, "unmapping") && strstr(e, strerror(ENOMEM)),
              "%s: the sentence says which unmap was refused: %s", ctx, e);
        unmap_leftovers(ctx);
        expect_maps_unchanged(ctx);
        destroyed++;
    }
    printf("fault release %-9s %3d refused creates refused again on the way out: %lu munmap, %lu reservation "
           "restores; %lu unmaps refused in npool_destroy\n", cname, h->nfail, injected[0], injected[1], destroyed);
    fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* configurations                                                            */

/* Hugepages: the 2M configuration needs 2 MiB pages (reserved as root,
 * else it does not run); AUTO gets 4 free ones reserved too where it can,
 * so that its choice, and so the path a create takes, does not move with
 * what other processes leave free between two runs of a loop.  Like
 * test_pages, the loops take the machine's hugepages as theirs while they
 * run (the ctest resource npool_hugepages). */
struct config {
    const char *name;
    npool_config_t c;
    size_t hugepage_kb;             /* pages to reserve first (as root), 0 none */
    int needs_them;                 /* without them, the configuration does not run */
};

static const struct config one_node[] = {
    {"base", {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE, .name = "f-base"}, 0, 0},
    {"thp", {.block_size = 4096, .block_count = 1024, .pages = NPOOL_PAGES_THP, .name = "f-thp"}, 0, 0},
    {"auto", {.block_size = 4096, .block_count = 1024, .name = "f-auto"}, 2048, 0},
    {"2M", {.block_size = 4096, .block_count = 1024, .pages = NPOOL_PAGES_2M, .flags = NPOOL_STRICT_PAGES,
            .name = "f-2M"}, 2048, 1},
    {"lock", {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE, .flags = NPOOL_LOCK,
              .name = "f-lock"}, 0, 0},
    {"prefer", {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE, .flags = NPOOL_PREFER_NODE,
                .name = "f-prefer"}, 0, 0},
    {"no-cache", {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE, .flags = NPOOL_NO_CACHE,
                  .name = "f-nocache"}, 0, 0},
    {"cpubind", {.block_size = 64, .block_count = 4096, .nodes = "cpubind", .pages = NPOOL_PAGES_BASE,
                 .name = "f-cpubind"}, 0, 0},
};
#define NCONFIGS (int)(sizeof one_node / sizeof one_node[0])

/* Whatever the library does once per process (the topology, hwloc's
 * plugins, the first thread cache, stdio) done before the first snapshot;
 * a few times over, so that a sanitizer's allocator, which maps its size
 * classes' regions a batch at a time, has what a create takes. */
static void warm_up(const npool_config_t *c)
{
    for (int k = 0; k < 32; k++) {
        npool_t *pool = NULL;
        npool__fault_reset();
        if (npool_create(c, &pool) == 0) {
            use_pool(pool, "warm-up");
            npool_destroy(pool);
        }
    }
}

static int ready(const struct config *cf)
{
    char why[256];
    if (!cf->hugepage_kb)
        return 1;
    if (hp_reserve(cf->hugepage_kb, 4, why, sizeof why) != 0) {
        printf("fault create  %-9s %s: %s\n", cf->name, cf->needs_them ? "not run" : "runs without them", why);
        return !cf->needs_them;
    }
    return 1;
}

static void warm_up(const npool_config_t *c);

/* os_smaps reads a torn record again, up to 16 times */
static void torn_smaps(void)
{
    npool_t *pool = NULL;
    const npool_config_t *c = &one_node[0].c;
    warm_up(c);
    for (unsigned long times = 15; times <= 16; times++) {
        npool__fault_reset();
        npool__fault_arm(NPOOL_FAULT_SMAPS_TORN, 1, times, 0);
        maps_read(&before);
        int rc = npool_create(c, &pool);
        unsigned long fired = npool__fault_fired(NPOOL_FAULT_SMAPS_TORN);
        npool__fault_reset();
        if (times == 15) {
            CHECK(rc == 0 && fired == 15, "15 torn reads of /proc/self/smaps in a row, then a whole one: created (%s)",
                  npool_strerror(rc));
            if (rc == 0)
                npool_destroy(pool);
        } else {
            CHECK(rc == -EIO && strstr(npool_last_error(), "torn 16 times"), "16 torn reads in a row: -EIO and a "
                  "sentence (%s): %s", npool_strerror(rc), npool_last_error());
        }
        expect_maps_unchanged("torn smaps");
    }
}

static int mode_create(int release)
{
    static struct hits h;
    int ran = 0;
    if (!release)
        torn_smaps();
    for (int i = 0; i < NCONFIGS; i++) {
        const struct config *cf = &one_node[i];
        if (!ready(cf))
            continue;
        warm_up(&cf->c);
        loop_config(&cf->c, cf->name, &h);
        if (release)
            release_config(&cf->c, cf->name, &h);
        ran++;
    }
    CHECK(ran >= NCONFIGS - 1, "%d of %d configurations ran (only 2 MiB hugepages may be missing)", ran, NCONFIGS);
    return fu_summary(release ? "fault release" : "fault create");
}

static int mode_vm(const char *nodes)
{
    static struct hits h;
    for (int i = 0; i < NCONFIGS; i++) {
        struct config cf = one_node[i];
        char name[48];
        if (strcmp(cf.name, "auto") == 0 || strcmp(cf.name, "lock") == 0)
            continue;       /* the same paths as base and 2M, once per node */
        cf.c.nodes = nodes;
        cf.hugepage_kb = 0;     /* the guest reserves its own on every node */
        snprintf(name, sizeof name, "%s@%s", cf.name, nodes);
        warm_up(&cf.c);
        loop_config(&cf.c, name, &h);
        if (strcmp(cf.name, "base") == 0)
            release_config(&cf.c, name, &h);
    }
    return fu_summary("fault vm");
}

/* ------------------------------------------------------------------------ */
/* the machine's discovery                                                   */

static const npool_config_t small = {.block_size = 64, .block_count = 256, .pages = NPOOL_PAGES_BASE,
                                     .name = "f-topo"};
static pthread_barrier_t start_line;

static void *create_at_once(void *arg)
{
    npool_t *pool = NULL;
    pthread_barrier_wait(&start_line);
    int rc = npool_create(&small, &pool);
    if (rc == 0)
        npool_destroy(pool);
    *(int *)arg = rc;
    return NULL;
}

static int mode_topology(void)
{
    npool_t *pool = NULL;
    /* first thing in this process: hwloc's first load fails */
    npool__fault_arm(NPOOL_FAULT_HWLOC_LOAD, 1, 1, 0);
    int rc = npool_create(&small, &pool);
    CHECK(rc == -EIO && strstr(npool_last_error(), "hwloc") && strstr(npool_last_error(), "tries again"),
          "a failed hwloc load fails the create with -EIO and says the next call tries again (%s): %s",
          npool_strerror(rc), npool_last_error());
    rc = npool_create(&small, &pool);
    CHECK(rc == 0, "the next create discovers the machine again and succeeds (%s)", npool_strerror(rc));
    npool_destroy(pool);
    rc = npool_create(&small, &pool);
    CHECK(rc == 0 && npool__fault_uses(NPOOL_FAULT_HWLOC_LOAD) == 2,
          "a discovery that succeeded is kept: hwloc loaded %lu times for 3 creates", 
          npool__fault_uses(NPOOL_FAULT_HWLOC_LOAD));
    npool_destroy(pool);

    /* every point of a discovery, use after use, the snapshot forgotten each time */
    unsigned long uses[NPOOL_FAULT_COUNT];
    int used = 0, exercised = 0, hits[NPOOL_FAULT_COUNT] = {0};
    unsigned long injected = 0, refused = 0;
    warm_up(&small);
    topo__system_forget();
    clean_uses(&small, uses);
#if defined(__SANITIZE_THREAD__)
    maps_noisy = 1;
    printf("fault topology: under ThreadSanitizer the discovery loop does not compare /proc/self/maps (see "
           "expect_maps_unchanged)\n");
#endif
    for (int p = 0; p < NPOOL_FAULT_COUNT; p++) {
        if (!uses[p])
            continue;
        used++;
        int hit = 0;
        for (int k = -1; k < 2; k++) {
            int err = k < 0 ? 0 : said[p].alt[k];
            if (k >= 0 && !err)
                break;
            for (unsigned long n = 1;; n++) {
                char ctx[160];
                snprintf(ctx, sizeof ctx, "discovery: %s use %lu (%s)", npool__fault_name(p), n, err_name(p, err));
                if (!CHECK(n <= uses[p] + 1, "%s: the loop ends", ctx))
                    break;
                topo__system_forget();
                struct result r = try_create(&small, p, n, err, NO_POINT, 0, ctx);
                if (r.o == NOT_REACHED)
                    break;
                hit = 1;
                injected++;
                refused += r.o == REFUSED;
            }
        }
        exercised += hit;
        hits[p] = hit;
    }
    printf("fault topology: %d points used by a discovery and a create, %d exercised: %lu failures injected, %lu "
           "refused with a sentence, %lu survived (a file that is only advice)\n", used, exercised, injected,
           refused, injected - refused);
    print_points("exercised:", hits);
#if defined(__SANITIZE_THREAD__)
    maps_noisy = 0;
#endif
    /* 8 threads at once, the first load failing: one of them fails, one
     * discovery succeeds and the others use it (last: under TSan, threads
     * that come and go leave its runtime remapping memory of its own for a
     * while, which the exact comparisons above must not see) */
    enum { T = 8 };
    pthread_t th[T];
    int rcs[T], failed = 0, ok = 0;
    topo__system_forget();
    npool__fault_reset();
    npool__fault_arm(NPOOL_FAULT_HWLOC_LOAD, 1, 1, 0);
    pthread_barrier_init(&start_line, NULL, T);
    for (int k = 0; k < T; k++)
        pthread_create(&th[k], NULL, create_at_once, &rcs[k]);
    for (int k = 0; k < T; k++) {
        pthread_join(th[k], NULL);
        failed += rcs[k] == -EIO;
        ok += rcs[k] == 0;
    }
    pthread_barrier_destroy(&start_line);
    CHECK(failed == 1 && ok == T - 1 && npool__fault_uses(NPOOL_FAULT_HWLOC_LOAD) == 2,
          "8 threads at once: %d failed with -EIO, %d succeeded, hwloc loaded %lu times", failed, ok,
          npool__fault_uses(NPOOL_FAULT_HWLOC_LOAD));

    return fu_summary("fault topology");
}

/* ------------------------------------------------------------------------ */
/* the get and put paths                                                     */

static const npool_config_t cached = {.block_size = 64, .block_count = 8192, .pages = NPOOL_PAGES_BASE,
                                      .name = "f-getput"};

/* Gets come lowest first from the set, nothing is cached, puts work. */
static void *straight_to_the_sets(void *arg)
{
    npool_t *pool = arg;
    void *b[64];
    int in_order = 1;
    for (int k = 0; k < 64; k++) {
        b[k] = npool_get(pool);
        in_order &= b[k] != NULL && npool_index(pool, b[k]) == (size_t)k;
    }
    npool_stats_t st;
    int cached0 = npool_stats(pool, &st) == 0 && st.blocks_cached == 0;
    int puts = 0;
    for (int k = 0; k < 64; k++)
        puts += b[k] && npool_put(pool, b[k]) == 0;
    return (void *)(uintptr_t)(in_order && cached0 && puts == 64);
}

/* A workload with cached gets and puts: n out, back shuffled, twice. */
static int workload(npool_t *pool)
{
    static void *b[3000];
    int ok = 1;
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 3000; k++)
            ok &= (b[k] = npool_get(pool)) != NULL;
        for (int k = 2999; k > 0; k--) {
            int j = (int)((unsigned)(k * 7919 + round) % (unsigned)(k + 1));
            void *t = b[k];
            b[k] = b[j];
            b[j] = t;
        }
        for (int k = 0; k < 3000; k++)
            ok &= b[k] && npool_put(pool, b[k]) == 0;
    }
    npool_stats_t st;
    ok &= npool_coalesce(pool) == 0 && npool_stats(pool, &st) == 0 && st.blocks_held == 0 &&
          st.blocks_cached == 0 && st.blocks_free_set == st.blocks_total && npool_check(pool) == 0;
    return ok;
}

static int mode_getput(void)
{
    static const enum npool_fault every[] = {NPOOL_FAULT_ALLOC_CACHE, NPOOL_FAULT_ALLOC_MAGAZINE};
    warm_up(&cached);
    for (int i = 0; i < 2; i++) {
        npool_t *pool = NULL;
        CHECK(npool_create(&cached, &pool) == 0, "create");
        npool__fault_reset();
        npool__fault_arm(every[i], 1, ~0ul, 0);
        pthread_t t;
        void *ok = NULL;
        pthread_create(&t, NULL, straight_to_the_sets, pool);
        pthread_join(t, &ok);
        CHECK(ok && npool__fault_fired(every[i]) > 0, "every %s refused: a new thread's gets come lowest first "
              "from the set, nothing cached, its puts work (%lu refused)", npool__fault_name(every[i]),
              npool__fault_fired(every[i]));
        npool__fault_reset();
        CHECK(workload(pool), "after that, the same pool with caches works");
        npool_destroy(pool);
    }
    /* magazine buffers refused one use at a time inside a cached workload */
    unsigned long uses, n, fired = 0;
    npool_t *pool = NULL;
    CHECK(npool_create(&cached, &pool) == 0, "create");
    npool__fault_reset();
    CHECK(workload(pool), "a clean workload");
    uses = npool__fault_uses(NPOOL_FAULT_ALLOC_MAGAZINE) + npool__fault_uses(NPOOL_FAULT_ALLOC_CACHE);
    npool_destroy(pool);
    for (int i = 0; i < 2; i++)
        for (n = 1;; n++) {
            CHECK(npool_create(&cached, &pool) == 0, "create");
            npool__fault_reset();
            npool__fault_arm(every[i], n, 1, 0);
            int ok = workload(pool);
            int hit = npool__fault_fired(every[i]) > 0;
            npool__fault_reset();
            CHECK(ok, "%s use %lu refused: every get and put of the workload works, the pool is whole after",
                  npool__fault_name(every[i]), n);
            npool_destroy(pool);
            if (!hit || !CHECK(n <= uses + 1, "the loop ends"))
                break;
            fired++;
        }
    /* npool_check without memory for its marks */
    CHECK(npool_create(&cached, &pool) == 0, "create");
    npool__fault_arm(NPOOL_FAULT_ALLOC_CHECK, 1, 1, 0);
    int rc = npool_check(pool);
    CHECK(rc == -ENOMEM && strstr(npool_last_error(), "memory"), "npool_check without memory: -ENOMEM and a "
          "sentence (%s): %s", npool_strerror(rc), npool_last_error());
    npool__fault_reset();
    CHECK(npool_check(pool) == 0, "npool_check works again");
    npool_destroy(pool);
    printf("fault getput: every cache and magazine allocation refused, then %lu refused one at a time in a cached "
           "workload; npool_check's marks refused\n", fired);
    return fu_summary("fault getput");
}

int main(int argc, char **argv)
{
    int a = 1;
    if (a < argc && strcmp(argv[a], "-v") == 0) {
        fu_verbose = 1;
        a++;
    }
    const char *mode = a < argc ? argv[a] : "create";
    /* the pools here are what the test says, whatever the caller's environment */
    unsetenv("NUMAPOOL_NODES");
    unsetenv("NUMAPOOL_PAGES");
    unsetenv("NUMAPOOL_VERBOSE");
    setvbuf(stdout, NULL, _IOLBF, 0);
    /* glibc's malloc grows its heap with brk as the library's allocations
     * ask (a discovery of the machine allocates a lot), which would change
     * the [heap] line between two calls that leak nothing: give every
     * growth 64 MiB to spare, and never give it back, so that after the
     * warm-up the heap stays as it is.  (LeakSanitizer finds the leaks.) */
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    if (strcmp(mode, "create") == 0)
        return mode_create(0);
    if (strcmp(mode, "release") == 0)
        return mode_create(1);
    if (strcmp(mode, "topology") == 0)
        return mode_topology();
    if (strcmp(mode, "getput") == 0)
        return mode_getput();
    if (strcmp(mode, "vm") == 0)
        return mode_vm(a + 1 < argc ? argv[a + 1] : "all");
    fprintf(stderr, "usage: %s [-v] create|release|topology|getput|vm [NODES]\n", argv[0]);
    return 2;
}
