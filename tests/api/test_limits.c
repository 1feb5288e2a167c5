/* Limits that must give an error, not a kill: NPOOL_LOCK beyond
 * RLIMIT_MEMLOCK (in a child without CAP_IPC_LOCK, as root ignores the
 * limit), and a pool larger than the memory cgroup allows (in a child moved
 * into a child cgroup with a small limit).  Root only; skips otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "hp_util.h"
#include "numapool.h"

#define MiB ((size_t)1 << 20)

/* Run fn in a child; return its exit status (0 = all its checks passed). */
static int in_child(int (*fn)(void *), void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(arg));
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#define CHILD_CHECK(cond)                                                                  \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "child: %s:%d: %s failed (last error: %s)\n", __FILE__, __LINE__, \
                    #cond, npool_last_error());                                            \
            return 1;                                                                      \
        }                                                                                  \
    } while (0)

static int memlock_child(void *arg)
{
    (void)arg;
    struct rlimit rl = {64 * 1024, 64 * 1024};
    CHILD_CHECK(setrlimit(RLIMIT_MEMLOCK, &rl) == 0);
    CHILD_CHECK(setgid(65534) == 0 && setuid(65534) == 0);   /* no CAP_IPC_LOCK any more */
    npool_config_t c = {.block_size = 4096, .block_count = 256, .pages = NPOOL_PAGES_BASE, .flags = NPOOL_LOCK};
    npool_t *p = NULL;
    int rc = npool_create(&c, &p);
    CHILD_CHECK(rc == -EPERM);
    CHILD_CHECK(p == NULL);
    CHILD_CHECK(strstr(npool_last_error(), "RLIMIT_MEMLOCK is 64 KiB soft, 64 KiB hard") != NULL);
    CHILD_CHECK(strstr(npool_last_error(), "1024 KiB") != NULL);
    /* within the limit it works */
    c.block_count = 8;
    CHILD_CHECK(npool_create(&c, &p) == 0);
    npool_destroy(p);
    return 0;
}

static void memlock_limit(void **st)
{
    (void)st;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    /* the sanitizers' runtimes turn mlock into a no-op: nothing to observe here */
    skip();
#endif
    assert_int_equal(in_child(memlock_child, NULL), 0);
    /* root: locked for real */
    npool_config_t c = {.block_size = 4096, .block_count = 256, .pages = NPOOL_PAGES_BASE, .flags = NPOOL_LOCK};
    npool_t *p;
    assert_int_equal(npool_create(&c, &p), 0);
    assert_int_equal(smaps_field(npool_block(p, 0), "Locked"), (long)MiB);
    npool_destroy(p);
}

/* The memory cgroup of this process (v2 unified, else v1 memory controller). */
static int cgroup_dir(char *dir, size_t len, int *v2)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[512];
    int found = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = 0;
        if (!strcmp(c1 + 1, "memory")) {
            snprintf(dir, len, "/sys/fs/cgroup/memory%s", c2 + 1);
            *v2 = 0;
            found = 1;
            break;
        }
        if (!strcmp(c1 + 1, "") && !strncmp(line, "0", 1)) {
            char ctl[600];
            snprintf(ctl, sizeof ctl, "/sys/fs/cgroup%s/memory.max", c2 + 1);
            if (access(ctl, F_OK) == 0) {
                snprintf(dir, len, "/sys/fs/cgroup%s", c2 + 1);
                *v2 = 1;
                found = 1;
            }
        }
    }
    if (f)
        fclose(f);
    return found ? 0 : -1;
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static char child_cg[600];
static int cg_v2;

static int cgroup_child(void *arg)
{
    (void)arg;
    char path[700], pid[32];
    snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    snprintf(path, sizeof path, "%s/cgroup.procs", child_cg);
    CHILD_CHECK(write_file(path, pid) == 0);
    npool_config_t c = {.block_size = 4096, .block_count = 65536, .pages = NPOOL_PAGES_BASE}; /* 256 MiB */
    npool_t *p = NULL;
    int rc = npool_create(&c, &p);
    CHILD_CHECK(rc == -ENOMEM);
    CHILD_CHECK(p == NULL);
    CHILD_CHECK(strstr(npool_last_error(), "cgroup") != NULL);
    CHILD_CHECK(strstr(npool_last_error(), "256 MiB") != NULL);
    c.pages = NPOOL_PAGES_THP;
    CHILD_CHECK(npool_create(&c, &p) == -ENOMEM);
    c.block_count = 4096;   /* 16 MiB fits under 64 MiB */
    c.pages = NPOOL_PAGES_BASE;
    CHILD_CHECK(npool_create(&c, &p) == 0);
    npool_destroy(p);
    return 0;
}

static void cgroup_limit(void **st)
{
    (void)st;
    char dir[512];
    if (cgroup_dir(dir, sizeof dir, &cg_v2) != 0)
        skip_test("no memory cgroup (v1 or v2) for this process");
    snprintf(child_cg, sizeof child_cg, "%s/npool-test-%d", dir, (int)getpid());
    if (mkdir(child_cg, 0755) != 0)
        skip_test("cannot create a child memory cgroup");
    char path[700];
    snprintf(path, sizeof path, "%s/%s", child_cg, cg_v2 ? "memory.max" : "memory.limit_in_bytes");
    assert_int_equal(write_file(path, "67108864\n"), 0);
    int rc = in_child(cgroup_child, NULL);
    rmdir(child_cg);
    assert_int_equal(rc, 0);
}

/* Arenas are MADV_DONTFORK: a child does not inherit them (and the parent's
 * pool is untouched by the child's existence). */
static void *fork_arena;
static size_t fork_len;
static int fork_child(void *arg)
{
    (void)arg;
    return mapped_in(fork_arena, fork_len) == 0 ? 0 : 1;
}

static void arenas_not_inherited(void **st)
{
    (void)st;
    npool_config_t c = {.block_size = 4096, .block_count = 64, .pages = NPOOL_PAGES_BASE};
    npool_t *p;
    assert_int_equal(npool_create(&c, &p), 0);
    char *b = npool_get(p);
    memset(b, 0x5a, 4096);
    fork_arena = b;
    fork_len = 64 * 4096;
    assert_int_equal(mapped_in(fork_arena, fork_len), 1);
    assert_int_equal(in_child(fork_child, NULL), 0);
    assert_int_equal((unsigned char)b[4095], 0x5a);
    assert_int_equal(npool_put(p, b), 0);
    assert_int_equal(npool_check(p), 0);
    npool_destroy(p);
}

int main(void)
{
    if (geteuid() != 0)
        skip_test("needs root: a child without CAP_IPC_LOCK and a child cgroup");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(memlock_limit),
        cmocka_unit_test(cgroup_limit),
        cmocka_unit_test(arenas_not_inherited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
