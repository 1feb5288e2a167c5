/* The library loads with dlopen (as Python's ctypes and cffi load it) and
 * works from a thread created after the load: its initial-exec TLS fits the
 * static TLS surplus glibc keeps for dlopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <pthread.h>
#include "numapool.h"

static const char *libpath;

struct api {
    int (*create)(const npool_config_t *, npool_t **);
    void *(*get)(npool_t *);
    int (*put)(npool_t *, void *);
    void (*destroy)(npool_t *);
};

static void *use(void *arg)
{
    struct api *a = arg;
    npool_config_t c = {.block_size = 64, .block_count = 4096, .pages = NPOOL_PAGES_BASE};
    npool_t *p;
    if (a->create(&c, &p) != 0)
        return NULL;
    void *b[100];
    for (int i = 0; i < 100; i++)
        b[i] = a->get(p);
    int ok = 1;
    for (int i = 0; i < 100; i++)
        ok &= b[i] != NULL && a->put(p, b[i]) == 0;
    ok &= a->put(p, b[0]) != 0;     /* double put seen through the loaded copy too */
    a->destroy(p);
    return ok ? arg : NULL;
}

static void load_and_use(void **st)
{
    (void)st;
    void *h = dlopen(libpath, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        fail_msg("dlopen(%s): %s", libpath, dlerror());
    struct api a;
    *(void **)&a.create = dlsym(h, "npool_create");
    *(void **)&a.get = dlsym(h, "npool_get");
    *(void **)&a.put = dlsym(h, "npool_put");
    *(void **)&a.destroy = dlsym(h, "npool_destroy");
    assert_non_null(a.create);
    assert_non_null(a.destroy);
    assert_ptr_equal(use(&a), &a);
    pthread_t t;
    void *r;
    pthread_create(&t, NULL, use, &a);
    pthread_join(t, &r);
    assert_ptr_equal(r, &a);
    /* internal symbols stay hidden */
    assert_null(dlsym(h, "npool__tcache"));
    assert_null(dlsym(h, "freeset_take_lowest"));
    dlclose(h);
}

int main(int argc, char **argv)
{
    libpath = argc > 1 ? argv[1] : "libnumapool.so";
    const struct CMUnitTest tests[] = {cmocka_unit_test(load_and_use)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
