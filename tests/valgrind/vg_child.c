/* tests/valgrind/vg_child.c - a user's program, run under valgrind by
 * valgrind.sh: through numapool.h with its inline path compiled in.
 *
 *   vg_child clean            every path used as the contract says
 *   vg_child write-after-put  a byte written into a block after npool_put
 *   vg_child read-after-put   a byte read from a block after npool_put
 *   vg_child write-after-bulk a byte written after npool_put_bulk
 *   vg_child write-fresh      a byte written into a block never handed out
 *
 * Under valgrind the library marks free blocks inaccessible (client
 * requests) and serves the pool out of line, so each stray access is an
 * "Invalid write" or "Invalid read" that valgrind reports; the clean run
 * reports nothing.  The program itself exits 0 in every mode. */
#include "numapool.h"

#include <stdio.h>
#include <string.h>

static npool_t *make(unsigned flags)
{
    npool_config_t c = {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE, .flags = flags,
                        .name = "vg"};
    npool_t *p = NULL;
    if (npool_create(&c, &p) != 0) {
        fprintf(stderr, "npool_create: %s\n", npool_last_error());
        return NULL;
    }
    return p;
}

__attribute__((noinline)) static void stray_write(void *b, size_t k)
{
    ((volatile unsigned char *)b)[k] = 0x2a;
}

__attribute__((noinline)) static unsigned stray_read(const void *b, size_t k)
{
    return ((const volatile unsigned char *)b)[k];
}

static int clean(void)
{
    unsigned flags[3] = {0, NPOOL_NO_CACHE, NPOOL_ZERO};
    for (int f = 0; f < 3; f++) {
        npool_t *p = make(flags[f]);
        if (!p)
            return 1;
        for (int round = 0; round < 2; round++) {
            unsigned char *b[300];
            void *bulk[40];
            unsigned sum = 0;
            for (int j = 0; j < 300; j++) {
                if (!(b[j] = npool_get(p)))
                    return 2;
                if (flags[f] & NPOOL_ZERO)
                    sum += b[j][0] + b[j][63];      /* defined: zeroed */
                memset(b[j], j & 0xff, 64);
                sum += b[j][j % 64];
            }
            if (npool_get_bulk(p, bulk, 40) != 0)
                return 3;
            for (int j = 0; j < 40; j++)
                memset(bulk[j], 0x77, 64);
            char *run = npool_get_contig(p, 8);
            if (!run)
                return 4;
            memset(run, 0x55, 8 * 64);
            for (int j = 299; j >= 0; j--)
                if (npool_put(p, b[j]) != 0)
                    return 5;
            if (npool_put_bulk(p, bulk, 40) != 0 || npool_put_contig(p, run, 8) != 0 || npool_coalesce(p) != 0)
                return 6;
            if (round == 0 && npool_reset(p) != 0)
                return 7;
            if (sum == 0xffffffffu)
                printf("unlikely\n");                /* keeps sum, and the reads, alive */
        }
        npool_destroy(p);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "clean"))
        return clean();
    npool_t *p = make(0);
    if (!p)
        return 1;
    unsigned char *b = npool_get(p);
    memset(b, 1, 64);
    if (!strcmp(mode, "write-after-put")) {
        npool_put(p, b);
        stray_write(b, 8);
    } else if (!strcmp(mode, "read-after-put")) {
        npool_put(p, b);
        printf("%u\n", stray_read(b, 8));
    } else if (!strcmp(mode, "write-after-bulk")) {
        void *v[10];
        if (npool_get_bulk(p, v, 10) != 0 || npool_put_bulk(p, v, 10) != 0)
            return 2;
        stray_write(v[4], 40);
    } else if (!strcmp(mode, "write-fresh")) {
        stray_write(npool_block(p, 100), 0);
    } else {
        fprintf(stderr, "usage: vg_child clean|write-after-put|read-after-put|write-after-bulk|write-fresh\n");
        return 64;
    }
    npool_put(p, b);
    npool_destroy(p);
    return 0;
}
