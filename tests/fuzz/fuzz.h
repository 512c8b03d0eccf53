/* Shared by the fuzz harnesses (one per reader, tests/fuzz/<name>.c).
 *
 * A harness is a function int dc_fuzz_<name>(const uint8_t *data, size_t size) declared with
 * DC_FUZZ_TARGET. `make fuzz` compiles each file alone with -DDC_LIBFUZZER, which adds
 * libFuzzer's entry point; tests/c/test_fuzz_regressions.c links them all and replays the
 * seed and regression corpora through the same functions. A harness never fails on bad input
 * (the reader must refuse it with a message); it aborts when the reader breaks a promise,
 * which libFuzzer and the replay both report as a crash. */
#ifndef DC_FUZZ_H
#define DC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dc.h"

#ifdef DC_LIBFUZZER
#define DC_FUZZ_TARGET(fn)                                                                     \
    int fn(const uint8_t *data, size_t size);                                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return fn(data, size); }    \
    int fn(const uint8_t *data, size_t size)
#else
#define DC_FUZZ_TARGET(fn) int fn(const uint8_t *data, size_t size)
#endif

/* A broken promise of the reader under test: say which, then crash on purpose. */
#define FUZZ_ASSERT(cond)                                                                      \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: reader promise broken: %s (last error: '%s')\n", __FILE__, \
                    __LINE__, #cond, dc_last_error());                                         \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* Every refusal comes with a message. */
#define FUZZ_REFUSED(status) FUZZ_ASSERT((status) != DC_OK && dc_last_error()[0] != '\0')

/* The readers take paths: inputs go through files in a per-process folder under
 * $DC_FUZZ_TMP, else on tmpfs when there is one. The folder goes away at exit; a process
 * that libFuzzer ends on a crash leaves it, so `make fuzz` points DC_FUZZ_TMP at a folder of
 * its own and removes that. */
static char fuzz_dir_path[256];

static void fuzz_dir_remove(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir_path);
    if (system(cmd) != 0) fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir_path);
}

static inline const char *fuzz_dir(void)
{
    static pid_t owner;
    if (owner != getpid()) { /* first use in this process (a replay forks per input) */
        const char *base = getenv("DC_FUZZ_TMP");
        if (!base) base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/dc_fuzz_XXXXXX", base);
        if (!mkdtemp(fuzz_dir_path)) {
            perror("fuzz: mkdtemp");
            abort();
        }
        owner = getpid();
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir_path;
}

/* Writes data to <fuzz dir>/<name> and returns that path (a static buffer). */
static inline const char *fuzz_file(const char *name, const void *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("fuzz: writing the input file");
        abort();
    }
    return path;
}

#endif
