/* A tiny C test harness: TEST functions, CHECK macros, one summary line per file.
 *
 * A test passes when none of its checks fail. main() ends with TEST_SUMMARY(), which prints
 * "<file>: N passed, M failed, K skipped" (the line tests/run.lua adds up) and returns the
 * exit code.
 *
 * A test that cannot run here (a kernel path this CPU lacks, say) calls
 *     TT_SKIP("no AVX-512 on this CPU");
 * in its own body: it prints "SKIP <test>: <reason>", returns from the test, and the test
 * counts as skipped, neither passed nor failed. A check that failed before the skip still
 * makes the test fail. */
#ifndef TINY_TEST_H
#define TINY_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dc.h"

static int tt_passed, tt_failed, tt_skipped, tt_current_failed, tt_current_skipped;
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

/* Ends the current test as skipped, saying why (a string literal or a char *). */
#define TT_SKIP(reason)                                                                        \
    do {                                                                                       \
        printf("SKIP %s: %s\n", tt_current, (reason));                                         \
        tt_current_skipped = 1;                                                                \
        return;                                                                                \
    } while (0)

#define RUN_TEST(fn)                                                                           \
    do {                                                                                       \
        tt_current = #fn;                                                                      \
        tt_current_failed = 0;                                                                 \
        tt_current_skipped = 0;                                                                \
        fn();                                                                                  \
        if (tt_current_failed) tt_failed++;                                                    \
        else if (tt_current_skipped) tt_skipped++;                                             \
        else tt_passed++;                                                                      \
    } while (0)

#define TEST_SUMMARY()                                                                         \
    (printf("%s: %d passed, %d failed, %d skipped\n", __FILE__, tt_passed, tt_failed,          \
            tt_skipped),                                                                       \
     tt_failed ? 1 : 0)

#endif
