/* A user's program: create a pool, get and put a block, print the repr. */
#include <numapool.h>
#include <stdio.h>

int main(void)
{
    npool_config_t cfg = {.block_size = 800, .block_count = 20, .pages = NPOOL_PAGES_BASE, .name = "consumer"};
    npool_t *pool;
    int rc = npool_create(&cfg, &pool);
    if (rc) {
        fprintf(stderr, "npool_create: %s: %s\n", npool_strerror(rc), npool_last_error());
        return 1;
    }
    void *b = npool_get(pool);
    if (!b || npool_index(pool, b) != 0 || npool_put(pool, b) != 0 || npool_put(pool, b) != -114 /* EALREADY */)
        return 1;
    char text[512];
    npool_describe(pool, text, sizeof text);
    puts(text);
    npool_destroy(pool);
    return 0;
}
