/* Facts about the running engine: the versions of dclab and of the libraries it is built on
 * (for `dclab --version` and bug reports), and a monotonic clock for timing (dc.time). */
#ifndef DC_SYS_H
#define DC_SYS_H

#include <stdbool.h>

typedef struct dc_versions {
    const char *dclab;    /* DC_VERSION, set by the Makefile */
    const char *openblas; /* openblas_get_config(): version, build options and core type */
    const char *faiss;    /* the FAISS headers the engine was built against (DC_FAISS_VERSION) */
    const char *jpeg;     /* libjpeg-turbo, from pkg-config at build time (DC_JPEG_VERSION) */
} dc_versions;

/* The versions; every field is a static string, "unknown" when the build did not say. */
dc_versions dc_sys_versions(void);

/* Seconds on a monotonic wall clock with an arbitrary origin: only differences mean anything.
 * Wall time, not CPU time, because OpenMP and OpenBLAS run on several threads. */
double dc_sys_now(void);

/* True when file descriptor fd is a terminal (progress bars draw only there). */
bool dc_sys_isatty(int fd);

#endif
