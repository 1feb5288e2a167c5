/* The OS layer (src/os.h, src/os_linux.c), primitive by primitive, against
 * what the kernel says afterwards: /proc/self/smaps for the mapping's flags,
 * page size and residency, mincore for what is faulted in, and the return
 * codes of refused calls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "os.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

/* The VmFlags line of the smaps entry holding addr ("rd wr mr mw me ac dd"...). */
static int vmflags(const void *addr, char *out, size_t len)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0, found = 0;
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        uintptr_t lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = lo <= (uintptr_t)addr && (uintptr_t)addr < hi;
            continue;
        }
        if (in && !strncmp(line, "VmFlags:", 8)) {
            strncpy(out, line + 8, len - 1);
            out[len - 1] = '\0';
            found = 1;
            break;
        }
    }
    if (f)
        fclose(f);
    return found;
}

static size_t resident_pages(void *p, size_t len)
{
    size_t pg = os_base_page_size(), n = len / pg, r = 0;
    unsigned char *v = malloc(n);
    assert_non_null(v);
    assert_int_equal(mincore(p, len, v), 0);
    for (size_t i = 0; i < n; i++)
        r += v[i] & 1;
    free(v);
    return r;
}

static void reserve_is_aligned_and_inaccessible(void **st)
{
    (void)st;
    void *p = NULL;
    assert_int_equal(os_reserve(3 * GiB, GiB, &p), 0);
    assert_int_equal((uintptr_t)p % GiB, 0);
    char fl[256];
    assert_true(vmflags(p, fl, sizeof fl));
    assert_null(strstr(fl, "rd"));      /* PROT_NONE */
    assert_int_equal(resident_pages(p, 4 * MiB), 0);
    assert_int_equal(os_unmap(p, 3 * GiB), 0);
    assert_int_equal(os_reserve(SIZE_MAX - 10, GiB, &p), -EOVERFLOW);
    assert_non_null(strstr(npool__last_error(), "overflows"));
}

static void map_fixed_base_and_thp(void **st)
{
    (void)st;
    void *r = NULL;
    assert_int_equal(os_reserve(2 * GiB, GiB, &r), 0);
    char *a = r, *b = (char *)r + GiB, fl[256];
    assert_int_equal(os_map_fixed(a, 4 * MiB, OS_BASE, 0), 0);
    assert_true(vmflags(a, fl, sizeof fl));
    assert_non_null(strstr(fl, "rd wr"));
    assert_non_null(strstr(fl, "dc"));  /* MADV_DONTFORK: "do not copy" */
    assert_non_null(strstr(fl, "nh"));  /* MADV_NOHUGEPAGE */
    assert_int_equal(resident_pages(a, 4 * MiB), 0);     /* nothing touched yet */
    assert_int_equal(os_populate(a, 4 * MiB), 0);
    assert_int_equal(resident_pages(a, 4 * MiB), 4 * MiB / os_base_page_size());
    struct os_smaps sm;
    assert_int_equal(os_smaps(a, &sm), 0);
    assert_int_equal(sm.kernel_page_size, os_base_page_size());
    assert_int_equal(sm.rss_bytes, 4 * MiB);
    assert_int_equal(sm.anon_huge_bytes, 0);

    assert_int_equal(os_map_fixed(b, 4 * MiB, OS_THP, 0), 0);
    assert_true(vmflags(b, fl, sizeof fl));
    assert_non_null(strstr(fl, "hg"));  /* MADV_HUGEPAGE */
    assert_non_null(strstr(fl, "dc"));

    /* back to the reservation: the pages go, the range stays ours */
    assert_int_equal(os_unreserve(a, 4 * MiB), 0);
    assert_true(vmflags(a, fl, sizeof fl));
    assert_null(strstr(fl, "rd"));
    assert_int_equal(resident_pages(a, 4 * MiB), 0);
    assert_int_equal(os_unmap(r, 2 * GiB), 0);
    assert_int_equal(os_smaps(a, &sm), -ENOENT);        /* nothing there any more */
    assert_non_null(strstr(npool__last_error(), "no mapping holds"));
}

static void map_anon_is_dontfork(void **st)
{
    (void)st;
    void *p = NULL;
    char fl[256];
    assert_int_equal(os_map_anon(3 * os_base_page_size(), &p), 0);
    assert_int_equal((uintptr_t)p % os_base_page_size(), 0);
    assert_true(vmflags(p, fl, sizeof fl));
    assert_non_null(strstr(fl, "dc"));
    assert_int_equal(os_unmap(p, 3 * os_base_page_size()), 0);
    assert_int_equal(os_unmap(NULL, 10), 0);                     /* no-op */
    assert_int_equal(os_unmap((void *)(uintptr_t)4097, 10), -EINVAL);   /* not page aligned */
}

static void populate_refusals(void **st)
{
    (void)st;
    void *r = NULL;
    assert_int_equal(os_reserve(GiB, GiB, &r), 0);
    /* PROT_NONE memory cannot be populated for writing: the kernel knows the
     * advice (Linux >= 5.14), so this is no -EOPNOTSUPP */
    assert_int_equal(os_populate(r, MiB), -EINVAL);
    assert_int_equal(os_unmap(r, GiB), 0);
}

static void lock_and_its_limit(void **st)
{
    (void)st;
    void *p = NULL;
    size_t len = 16 * os_base_page_size();
    assert_int_equal(os_map_anon(len, &p), 0);
    assert_int_equal(os_populate(p, len), 0);
    struct rlimit old;
    assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &old), 0);
    if (geteuid() == 0) {
        /* root locks whatever the limit; the refusal is tested in tests/api/test_limits.c as uid 65534 */
        assert_int_equal(os_lock(p, len), 0);
        char fl[256];
        assert_true(vmflags(p, fl, sizeof fl));
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
        assert_non_null(strstr(fl, "lo"));
#endif
    } else if (old.rlim_cur < len) {
        assert_int_equal(os_lock(p, len), -EPERM);
        assert_non_null(strstr(npool__last_error(), "RLIMIT_MEMLOCK"));
    }
    assert_int_equal(os_unmap(p, len), 0);
}

static void clock_moves_forward(void **st)
{
    (void)st;
    uint64_t a = os_now_ns(), b = os_now_ns();
    assert_true(a > 0 && b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reserve_is_aligned_and_inaccessible),
        cmocka_unit_test(map_fixed_base_and_thp),
        cmocka_unit_test(map_anon_is_dontfork),
        cmocka_unit_test(populate_refusals),
        cmocka_unit_test(lock_and_its_limit),
        cmocka_unit_test(clock_moves_forward),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
