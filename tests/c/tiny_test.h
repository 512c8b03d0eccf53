/* A tiny C test harness: TEST functions, CHECK macros, one summary line per file.
 *
 * A test passes when none of its checks fail. main() ends with TEST_SUMMARY(), which prints
 * "<file>: N passed, M failed" (the line tests/run.lua adds up) and returns the exit code. */
#ifndef TINY_TEST_H
#define TINY_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dc.h"

static int tt_passed, tt_failed, tt_current_failed;
static const char *tt_current;

#define TT_REPORT(...)                                                                         \
    do {                                                                                       \
        if (!tt_current_failed) printf("FAIL %s\n", tt_current);                               \
        tt_current_failed = 1;                                                                 \
        printf("  %s:%d: ", __FILE__, __LINE__);                                               \
        printf(__VA_ARGS__);                                                                   \
        printf("\n");                                                                          \
    } while (0)

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) TT_REPORT("check failed: %s", #cond);                                     \
    } while (0)

/* |a - b| <= tol * max(1, |b|) */
#define CHECK_CLOSE(a, b, tol)                                                                 \
    do {                                                                                       \
        double a_ = (double)(a), b_ = (double)(b);                                             \
        if (!(fabs(a_ - b_) <= (tol) * fmax(1.0, fabs(b_))))                                   \
            TT_REPORT("%s = %.9g, expected %s = %.9g (tol %g)", #a, a_, #b, b_, (double)(tol)); \
    } while (0)

#define CHECK_OK(expr)                                                                         \
    do {                                                                                       \
        dc_status s_ = (expr);                                                                 \
        if (s_ != DC_OK) TT_REPORT("%s failed: %s", #expr, dc_last_error());                   \
    } while (0)

/* The call must fail with this status, and its message must contain substr. */
#define CHECK_FAILS(expr, status, substr)                                                      \
    do {                                                                                       \
        dc_status s_ = (expr);                                                                 \
        if (s_ != (status))                                                                    \
            TT_REPORT("%s returned %s, expected %s", #expr, dc_status_name(s_),                \
                      dc_status_name(status));                                                 \
        else if (!strstr(dc_last_error(), (substr)))                                           \
            TT_REPORT("%s: message '%s' lacks '%s'", #expr, dc_last_error(), (substr));        \
    } while (0)

#define RUN_TEST(fn)                                                                           \
    do {                                                                                       \
        tt_current = #fn;                                                                      \
        tt_current_failed = 0;                                                                 \
        fn();                                                                                  \
        if (tt_current_failed) tt_failed++;                                                    \
        else tt_passed++;                                                                      \
    } while (0)

#define TEST_SUMMARY()                                                                         \
    (printf("%s: %d passed, %d failed\n", __FILE__, tt_passed, tt_failed), tt_failed ? 1 : 0)

#endif
