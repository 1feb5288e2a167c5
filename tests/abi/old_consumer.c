/* A program built against numapool 0.1.0's header (tests/abi/numapool-0.1.0.h,
 * that release's numapool.h unchanged), whose inline path compiled the 0.1
 * layouts and the thread-local npool__tl_last into it.  It must never run
 * against a library of another layout: tests/abi/abi.sh checks that the
 * loader refuses it. */
#include <stdio.h>
#include "numapool-0.1.0.h"

int main(void)
{
    npool_config_t c = {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE};
    npool_t *p;
    if (npool_create(&c, &p) != 0) {
        printf("create failed: %s\n", npool_last_error());
        return 1;
    }
    void *b = npool_get(p);
    int rc = npool_put(p, b);
    npool_destroy(p);
    printf("ran: %d\n", rc);
    return 0;
}
