/* A get/put loop for tests/no-syscalls.sh: creates a pool, runs `n` rounds of
 * 100 single gets and puts and a bulk of 32 (refills and flushes included),
 * destroys the pool.  The syscall count must not depend on n. */
#include <stdio.h>
#include <stdlib.h>
#include "numapool.h"

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 1000;
    npool_config_t c = {.block_size = 64, .block_count = 65536, .pages = NPOOL_PAGES_BASE};
    npool_t *p;
    if (npool_create(&c, &p) != 0) {
        fprintf(stderr, "%s\n", npool_last_error());
        return 1;
    }
    void *b[300];
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 300; i++)
            if (!(b[i] = npool_get(p)))
                return 2;
        for (int i = 299; i >= 0; i--)
            if (npool_put(p, b[i]) != 0)
                return 3;
        if (npool_get_bulk(p, b, 32) != 0 || npool_put_bulk(p, b, 32) != 0)
            return 4;
    }
    npool_destroy(p);
    return 0;
}
