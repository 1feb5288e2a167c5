/* base/fmt.c - the shared size formatter and appender (fmt.h). */
#include "fmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *npool__size_name(size_t bytes, char *buf, size_t len)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (u < 4 && bytes >= 1024 && bytes % 1024 == 0) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, "%zu %s", bytes, unit[u]);
    return buf;
}

void npool__vappendf(char *buf, size_t len, size_t *used, const char *fmt, va_list ap)
{
    int n = vsnprintf(*used < len ? buf + *used : NULL, *used < len ? len - *used : 0, fmt, ap);
    if (n > 0)
        *used += (size_t)n;
}

void npool__appendf(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    npool__vappendf(buf, len, used, fmt, ap);
    va_end(ap);
}

const char *npool__quote(const char *s, char *buf, size_t len)
{
    size_t n = strlen(s), used = 0, i;
    size_t room = len > 40 ? len - 28 : len / 2;    /* the tail: `"... (N bytes)` */
    buf[used++] = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e[8];
        int k = c == '"' || c == '\\' ? snprintf(e, sizeof e, "\\%c", c)
                : c < 0x20 || c >= 0x7f ? snprintf(e, sizeof e, "\\x%02x", c)
                : snprintf(e, sizeof e, "%c", c);
        if (used + (size_t)k > room)
            break;
        memcpy(buf + used, e, (size_t)k);
        used += (size_t)k;
    }
    if (i < n)
        snprintf(buf + used, len - used, "\"... (%zu bytes)", n);
    else
        snprintf(buf + used, len - used, "\"");
    return buf;
}

const char *npool__char_name(char c, char *buf, size_t len)
{
    unsigned char u = (unsigned char)c;
    snprintf(buf, len, u < 0x20 || u >= 0x7f ? "\\x%02x" : "'%c'", u);
    return buf;
}
