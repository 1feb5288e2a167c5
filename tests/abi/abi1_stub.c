/* The 0.1.0 library's interface as its programs link against it (SONAME
 * libnumapool.so.0, the thread-local npool__tl_last): only so that
 * tests/abi/old_consumer.c links as it did then.  Nothing here ever runs:
 * the test replaces this file by the current library before starting it. */
#include <errno.h>
#include <stdint.h>

struct npool__tl { uint64_t gen; void *mag0; uint32_t epoch, pad; void *tc; };
__attribute__((visibility("default"))) _Thread_local struct npool__tl npool__tl_last;

struct npool;
struct npool_config;
int npool_create(const struct npool_config *cfg, struct npool **out);
void npool_destroy(struct npool *pool);
void *npool_get(struct npool *pool);
int npool_put(struct npool *pool, void *block);
const char *npool_last_error(void);

int npool_create(const struct npool_config *cfg, struct npool **out) { (void)cfg, (void)out; return -ENOSYS; }
void npool_destroy(struct npool *pool) { (void)pool; }
void *npool_get(struct npool *pool) { (void)pool; return 0; }
int npool_put(struct npool *pool, void *block) { (void)pool, (void)block; return -ENOSYS; }
const char *npool_last_error(void) { return "stub"; }
