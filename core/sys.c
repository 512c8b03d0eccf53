/* Versions of the linked libraries and a monotonic clock (see sys.h). */
#include "sys.h"

#include <signal.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "openblas.h"

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

/* ---- SIGINT as a request to stop at the next safe point ---- */

static volatile sig_atomic_t interrupted;
static struct sigaction previous;
static bool catching;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

void dc_sys_catch_sigint(bool on)
{
    if (on && !catching) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &previous);
        interrupted = 0;
        catching = true;
    } else if (!on && catching) {
        sigaction(SIGINT, &previous, NULL);
        catching = false;
    }
}

bool dc_sys_interrupted(void)
{
    bool was = interrupted != 0;
    interrupted = 0;
    return was;
}
