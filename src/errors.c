/* src/errors.c - the public face of base/error.c: npool_strerror() and
 * npool_last_error(), exported; the table and the thread's sentence live in
 * the bottom layer, which numa/ shares. */
#include "numapool.h"
#include "error.h"

const char *npool_strerror(int rc)
{
    return npool__strerror(rc);
}

const char *npool_last_error(void)
{
    return npool__last_error();
}
