/* Versions of the linked libraries and a monotonic clock (see sys.h). */
#include "sys.h"

#include <unistd.h>

#include <cblas.h>
#include <time.h>

#ifndef DC_VERSION
#define DC_VERSION ""
#endif
#ifndef DC_FAISS_VERSION
#define DC_FAISS_VERSION ""
#endif
#ifndef DC_JPEG_VERSION
#define DC_JPEG_VERSION ""
#endif

/* The Makefile passes an empty string when it could not find a version. */
static const char *or_unknown(const char *s) { return s && s[0] ? s : "unknown"; }

dc_versions dc_sys_versions(void)
{
    dc_versions v = {
        .dclab = or_unknown(DC_VERSION),
        .openblas = or_unknown(openblas_get_config()),
        .faiss = or_unknown(DC_FAISS_VERSION),
        .jpeg = or_unknown(DC_JPEG_VERSION),
    };
    return v;
}

double dc_sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool dc_sys_isatty(int fd) { return isatty(fd) == 1; }
