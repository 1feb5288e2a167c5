/* tests/api/test_env.c - a hostile environment: every malformed value of
 * NUMAPOOL_NODES, NUMAPOOL_PAGES and NUMAPOOL_VERBOSE (garbage, an empty
 * string, a node string of 100 KiB, control characters, huge and negative
 * numbers, "0x10") makes npool_create fail with the code it documents and a
 * sentence that names the variable, is bounded (the sentence buffer is 512
 * bytes) and NUL-terminated, holds no control character (a value is quoted
 * with \xNN escapes), and maps nothing (/proc/self/maps the same, byte for
 * byte: tests/fault/fault_util.c); well-formed values still work.
 * (That a setuid program ignores them all: test_setuid.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/fault_util.h"
#include "numapool.h"

static const npool_config_t base = {.block_size = 64, .block_count = 64, .pages = NPOOL_PAGES_BASE,
                                    .name = "env"};

static char *big;       /* 100 KiB values */
static struct maps before, after;

/* The sentence is whole, short, printable, and names `needle`. */
static void sane_sentence(const char *what, const char *needle)
{
    const char *e = npool_last_error();
    size_t n = strnlen(e, 4096);
    if (n == 0 || n >= 512)
        fail_msg("%s: a sentence of %zu bytes", what, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)e[i] < 0x20 || e[i] == 0x7f)
            fail_msg("%s: byte %zu of the sentence is a control character (%#x): %s", what, i,
                     (unsigned)(unsigned char)e[i], e);
    if (needle && !strstr(e, needle))
        fail_msg("%s: the sentence does not name \"%s\": %s", what, needle, e);
}

static void refused(const char *var, const char *value, int want, const char *needle)
{
    char what[160];
    npool_t *pool = (npool_t *)&pool;       /* must come back NULL */
    snprintf(what, sizeof what, "%s (%zu bytes)", var, strlen(value));
    assert_int_equal(setenv(var, value, 1), 0);      /* the environment's own copy is made before the snapshot */
    maps_read(&before);
    int rc = npool_create(&base, &pool);
    if (rc != want)
        fail_msg("%s: npool_create gave %s, not %s: %s", what, npool_strerror(rc), npool_strerror(want),
                 npool_last_error());
    assert_null(pool);
    sane_sentence(what, needle);
    maps_read(&after);
    unsetenv(var);
    if (!maps_same(&before, &after)) {
        maps_show_diff(&before, &after);
        fail_msg("%s: /proc/self/maps changed", what);
    }
}

static void accepted(const char *var, const char *value)
{
    npool_t *pool = NULL;
    assert_int_equal(setenv(var, value, 1), 0);
    int rc = npool_create(&base, &pool);
    unsetenv(var);
    if (rc != 0)
        fail_msg("%s=\"%s\": %s", var, value, npool_last_error());
    void *b = npool_get(pool);
    assert_non_null(b);
    assert_int_equal(npool_put(pool, b), 0);
    npool_destroy(pool);
}

static void nodes(void **st)
{
    (void)st;
    refused("NUMAPOOL_NODES", "garbage", -EINVAL, "NUMAPOOL_NODES");
    refused("NUMAPOOL_NODES", "", -EINVAL, "NUMAPOOL_NODES is set but empty");
    refused("NUMAPOOL_NODES", "0x10", -EINVAL, "unexpected 'x' at offset 1");
    refused("NUMAPOOL_NODES", "-1", -EINVAL, "expected a node number or a name at offset 0");
    refused("NUMAPOOL_NODES", "0-", -EINVAL, "end of the range");
    refused("NUMAPOOL_NODES", "0,,1", -EINVAL, "offset 2");
    refused("NUMAPOOL_NODES", "0\x01", -EINVAL, "unexpected \\x01 at offset 1");
    refused("NUMAPOOL_NODES", "\x1b[31m0", -EINVAL, "\"\\x1b[31m0\"");
    refused("NUMAPOOL_NODES", "99999999999999999999999", -ENODEV, "node 99999999999999999999999 does not exist");
    refused("NUMAPOOL_NODES", "1024", -ENODEV, "node 1024 does not exist");
    refused("NUMAPOOL_NODES", "0-99999999999", -ENODEV, "does not exist");
    /* 100 KiB: "0,0,...,0,x" (a syntax error at its very end) and 100 KiB of digits */
    memset(big, 0, 102401);
    for (size_t i = 0; i + 2 < 102400; i += 2)
        memcpy(big + i, "0,", 2);
    big[102398] = 'x';
    refused("NUMAPOOL_NODES", big, -EINVAL, "(102399 bytes)");
    sane_sentence("the 100 KiB node string", "offset 102398");
    memset(big, '7', 102400);
    big[102400] = '\0';
    refused("NUMAPOOL_NODES", big, -ENODEV, "node 777777777777777777777777... does not exist");
}

static void pages(void **st)
{
    (void)st;
    refused("NUMAPOOL_PAGES", "garbage", -EINVAL, "NUMAPOOL_PAGES=\"garbage\"");
    refused("NUMAPOOL_PAGES", "", -EINVAL, "NUMAPOOL_PAGES is set but empty");
    refused("NUMAPOOL_PAGES", "0x10", -EINVAL, "NUMAPOOL_PAGES=\"0x10\"");
    refused("NUMAPOOL_PAGES", "-2M", -EINVAL, "NUMAPOOL_PAGES");
    refused("NUMAPOOL_PAGES", "2M\n", -EINVAL, "NUMAPOOL_PAGES=\"2M\\x0a\"");
    refused("NUMAPOOL_PAGES", "\x07\x08\x7f", -EINVAL, "\"\\x07\\x08\\x7f\"");
    refused("NUMAPOOL_PAGES", "99999999999999999999G", -EINVAL, "NUMAPOOL_PAGES");
    refused("NUMAPOOL_PAGES", "17179869184G", -EINVAL, "NUMAPOOL_PAGES");    /* 2^64 bytes: overflows */
    refused("NUMAPOOL_PAGES", "3M", -EINVAL, "power of two");
    refused("NUMAPOOL_PAGES", "1.5M", -EINVAL, "NUMAPOOL_PAGES");
    refused("NUMAPOOL_PAGES", "1K", -EINVAL, "smaller than the base page size");
    memset(big, 'A', 102400);
    big[102400] = '\0';
    refused("NUMAPOOL_PAGES", big, -EINVAL, "(102400 bytes)");
}

static void verbose(void **st)
{
    (void)st;
    refused("NUMAPOOL_VERBOSE", "", -EINVAL, "NUMAPOOL_VERBOSE is set but empty");
    refused("NUMAPOOL_VERBOSE", "yes", -EINVAL, "NUMAPOOL_VERBOSE=\"yes\" is neither 0 nor 1");
    refused("NUMAPOOL_VERBOSE", "2", -EINVAL, "neither 0 nor 1");
    refused("NUMAPOOL_VERBOSE", "-1", -EINVAL, "neither 0 nor 1");
    refused("NUMAPOOL_VERBOSE", "\x1b]0;title\x07", -EINVAL, "\\x1b]0;title\\x07");
    memset(big, '1', 102400);
    big[102400] = '\0';
    refused("NUMAPOOL_VERBOSE", big, -EINVAL, "(102400 bytes)");
}

static void well_formed(void **st)
{
    (void)st;
    accepted("NUMAPOOL_NODES", "0");
    accepted("NUMAPOOL_NODES", " 0 ");
    accepted("NUMAPOOL_NODES", "0\n");     /* white space around a list, as the kernel's own lists have */
    accepted("NUMAPOOL_NODES", "local");
    accepted("NUMAPOOL_NODES", "all");
    accepted("NUMAPOOL_PAGES", "BASE");
    accepted("NUMAPOOL_PAGES", "4K");       /* the base page size names base pages */
    accepted("NUMAPOOL_VERBOSE", "0");
}

int main(void)
{
    unsetenv("NUMAPOOL_NODES");
    unsetenv("NUMAPOOL_PAGES");
    unsetenv("NUMAPOOL_VERBOSE");
    mallopt(M_TOP_PAD, 16 << 20);       /* the heap grows in steps of 16 MiB, never shrinks: it stays as it is */
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    big = malloc(102401);
    if (!big)
        return 1;
    for (int k = 0; k < 8; k++)       /* what the library does once per process, before the first snapshot */
        accepted("NUMAPOOL_PAGES", "base");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nodes),
        cmocka_unit_test(pages),
        cmocka_unit_test(verbose),
        cmocka_unit_test(well_formed),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(big);
    return rc;
}
