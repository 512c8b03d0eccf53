/* Tests of core/sys.c: the version strings and the monotonic clock. */
#include <ctype.h>
#include <time.h>

#include "tiny_test.h"

/* "1.7.3"-like: digits and dots, starting with a digit. */
static int is_dotted_version(const char *s)
{
    if (!isdigit((unsigned char)s[0])) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && *s != '.') return 0;
    return 1;
}

static void test_versions(void)
{
    dc_versions v = dc_sys_versions();
    CHECK(strcmp(v.dclab, DC_VERSION) == 0);
    CHECK(strncmp(v.openblas, "OpenBLAS ", 9) == 0);
    CHECK(is_dotted_version(v.faiss));
    CHECK(is_dotted_version(v.jpeg));
}

/* The clock never goes back, and a 20 ms sleep advances it by at least 20 ms. */
static void test_now(void)
{
    double t0 = dc_sys_now();
    double t1 = dc_sys_now();
    CHECK(t1 >= t0);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    CHECK(dc_sys_now() - t1 >= 0.02);
}

int main(void)
{
    RUN_TEST(test_versions);
    RUN_TEST(test_now);
    return TEST_SUMMARY();
}
