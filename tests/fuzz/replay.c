/* tests/fuzz/replay.c - the replay driver: a main() that runs files through a
 * harness's LLVMFuzzerTestOneInput, so the committed corpus (and every crash
 * found, once fixed) runs under ctest with any compiler, sanitizers or not.
 * Arguments are files or folders; a folder's regular files run in name
 * order (dot files skipped).  Exits 1 when an argument cannot be read. */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + len, 1, cap - len, f)) > 0;) {
        len += got;
        if (len == cap) {
            uint8_t *more = realloc(buf, cap *= 2);
            if (!more)
                free(buf);
            buf = more;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return -1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int run_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            char **more = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
            if (!more) {
                rc = -1;
                break;
            }
            names = more;
        }
        size_t l = strlen(dir) + strlen(e->d_name) + 2;
        if (!(names[count] = malloc(l))) {
            rc = -1;
            break;
        }
        snprintf(names[count++], l, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (count)
        qsort(names, count, sizeof *names, by_name);
    for (size_t k = 0; k < count; k++) {
        struct stat st;
        if (!rc && stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
            rc = run_file(names[k]);
            ++*n;
        }
        free(names[k]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n = 0;
    LLVMFuzzerInitialize(&argc, &argv);
    for (int k = 1; k < argc; k++) {
        struct stat st;
        int rc = stat(argv[k], &st) != 0 ? (perror(argv[k]), -1)
                 : S_ISDIR(st.st_mode)   ? run_dir(argv[k], &n)
                                         : (n++, run_file(argv[k]));
        if (rc)
            return 1;
    }
    printf("%s: %zu inputs replayed, every property held\n", argv[0], n);
    return 0;
}
