/* tests/fuzz/fuzz.h - the libFuzzer entry points every harness here defines,
 * declared once so the harnesses build without libFuzzer too (replay.c
 * calls them in a plain main()).  A harness reports a broken property with
 * FUZZ_CHECK, which prints it and aborts: libFuzzer and the replay test both
 * see a crash. */
#ifndef NUMAPOOL_TESTS_FUZZ_H
#define NUMAPOOL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                                     \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz: %s:%d: property broken: %s: ", __FILE__, __LINE__, #cond);    \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fprintf(stderr, "\n");                                                                \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

#endif
