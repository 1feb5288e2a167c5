/* tests/api/setuid_probe.c - what tests/api/setuid.sh runs, once as itself
 * and once as a setuid copy owned by another user: creates a pool of 64
 * blocks on base pages over NODES (argv[1], default "local"), gets and puts
 * a block, and prints one line:
 *     secure=0|1 euid=N create=RC arenas=N backing=NAME
 *     secure=0|1 euid=N create=RC error=SENTENCE
 * (secure: the kernel's AT_SECURE for this process).  Linked with the
 * static library: a setuid program trusts no library path but its own. */
#include "numapool.h"

#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

/* Under ASan: LeakSanitizer stops the world with ptrace, which a setuid
 * process (not dumpable) refuses, and the sanitizer cannot read ASAN_OPTIONS
 * from /proc/self/environ there either; the library's leaks are the other
 * tests' to find. */
__attribute__((visibility("default"))) const char *__asan_default_options(void);
__attribute__((visibility("default"))) const char *__asan_default_options(void) { return "detect_leaks=0"; }

int main(int argc, char **argv)
{
    npool_config_t c = {.block_size = 64, .block_count = 64, .nodes = argc > 1 ? argv[1] : NULL,
                        .pages = NPOOL_PAGES_BASE, .name = "setuid"};
    npool_t *pool;
    int rc = npool_create(&c, &pool);
    printf("secure=%lu euid=%u create=%d", getauxval(AT_SECURE), (unsigned)geteuid(), rc);
    if (rc == 0) {
        npool_stats_t st;
        void *b = npool_get(pool);
        if (!b || npool_put(pool, b) != 0 || npool_stats(pool, &st) != 0)
            rc = 1;
        else
            printf(" arenas=%zu backing=%s", st.nnodes, npool_pages_name(st.nodes[0].backing));
        npool_destroy(pool);
    } else {
        printf(" error=%s", npool_last_error());
    }
    printf("\n");
    return rc < 0 ? 0 : rc;
}
