/* base/error.c - error codes and the per-thread sentence.
 * One X-macro table gives every code the library returns its name and its
 * meaning; npool__strerror() reads it, npool__errorf() fills the calling
 * thread's buffer that npool__last_error() returns.  Thread-safe: the buffer
 * is thread-local, the table constant. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NPOOL_ERRNO_MAP(X)                                                        \
    X(EINVAL, "invalid argument")                                                 \
    X(ENOMEM, "out of memory or blocks")                                          \
    X(EALREADY, "block already free")                                             \
    X(ENODEV, "no such usable NUMA node")                                         \
    X(EXDEV, "pages landed on another NUMA node")                                 \
    X(EPERM, "operation not permitted")                                           \
    X(EAGAIN, "resource temporarily unavailable")                                 \
    X(EFAULT, "pool invariant broken")                                            \
    X(EOPNOTSUPP, "not supported by this kernel or configuration")                \
    X(ENOENT, "no such file or object")                                           \
    X(EOVERFLOW, "size overflows")                                                \
    X(EIO, "input/output error")                                                  \
    X(ERANGE, "out of range")

const char *npool__strerror(int rc)
{
    if (rc == 0)
        return "0: success";
    switch (-rc) {
#define NPOOL_STRERR_CASE(code, text) case code: return #code ": " text;
        NPOOL_ERRNO_MAP(NPOOL_STRERR_CASE)
#undef NPOOL_STRERR_CASE
    default:
        return "unknown error code";
    }
}

static _Thread_local char last_error[512];

const char *npool__last_error(void)
{
    return last_error;
}

int npool__errorf(int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return rc;
}

void npool__error_append(const char *fmt, ...)
{
    size_t used = strlen(last_error);
    va_list ap;
    va_start(ap, fmt);
    npool__vappendf(last_error, sizeof last_error, &used, fmt, ap);
    va_end(ap);
}
