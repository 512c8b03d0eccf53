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

/* While on, SIGINT (Ctrl-C) only sets a flag that long loops poll with dc_sys_interrupted()
 * to stop at a safe point (after a batch, with the last checkpoint intact) instead of dying
 * mid-write. Off restores the handler that was there before. */
void dc_sys_catch_sigint(bool on);
/* Whether SIGINT arrived since the last call (clears the flag). */
bool dc_sys_interrupted(void);

#endif
