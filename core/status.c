/* Thread-local error message behind dc_status. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[1024];

const char *dc_last_error(void) { return last_error; }

dc_status dc_fail(dc_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

dc_status dc_fail_prefix(dc_status code, const char *prefix)
{
    char old[sizeof last_error];
    memcpy(old, last_error, sizeof old);
    size_t k = strlen(prefix);
    if (k > sizeof last_error - 3) k = sizeof last_error - 3;
    memcpy(last_error, prefix, k);
    memcpy(last_error + k, ": ", 2);
    size_t room = sizeof last_error - k - 3;
    size_t m = strnlen(old, room);
    memcpy(last_error + k + 2, old, m);
    last_error[k + 2 + m] = '\0';
    return code;
}

const char *dc_status_name(dc_status s)
{
    static const char *names[DC_STATUS_COUNT] = {
        "ok", "bad argument", "shape mismatch", "wrong dtype", "index out of range",
        "out of memory", "i/o error", "bad format", "faiss error", "bad state",
    };
    return (s >= 0 && s < DC_STATUS_COUNT) ? names[s] : "unknown status";
}
