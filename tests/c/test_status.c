/* status: dc_fail records a formatted message per thread, dc_fail_prefix adds context and
 * truncates instead of overflowing, every status has a name. */
#include <pthread.h>

#include "tiny_test.h"

static void test_fail_and_prefix(void)
{
    CHECK(dc_fail(DC_ERR_SHAPE, "mm: %s is %d", "a", 3) == DC_ERR_SHAPE);
    CHECK(strcmp(dc_last_error(), "mm: a is 3") == 0);
    CHECK(dc_fail_prefix(DC_ERR_IO, "load") == DC_ERR_IO);
    CHECK(strcmp(dc_last_error(), "load: mm: a is 3") == 0);
}

static void test_long_messages_truncate(void)
{
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    dc_fail(DC_ERR_ARG, "%s", big);
    size_t n = strlen(dc_last_error());
    CHECK(n > 500 && n < sizeof big - 1);
    dc_fail_prefix(DC_ERR_ARG, "context");
    CHECK(strncmp(dc_last_error(), "context: xxx", 12) == 0);
    CHECK(strlen(dc_last_error()) == n); /* the buffer's size, prefix included */
    dc_fail_prefix(DC_ERR_ARG, big); /* a prefix longer than the buffer */
    CHECK(strlen(dc_last_error()) == n && dc_last_error()[0] == 'x');
}

static void *other_thread(void *arg)
{
    (void)arg;
    dc_fail(DC_ERR_IO, "from the other thread");
    return NULL;
}

static void test_thread_local(void)
{
    dc_fail(DC_ERR_ARG, "from the main thread");
    pthread_t t;
    CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0);
    pthread_join(t, NULL);
    CHECK(strcmp(dc_last_error(), "from the main thread") == 0);
}

static void test_names(void)
{
    for (int s = 0; s < DC_STATUS_COUNT; s++) {
        const char *name = dc_status_name((dc_status)s);
        CHECK(name && name[0] && strcmp(name, "unknown status") != 0);
        for (int t = 0; t < s; t++) CHECK(strcmp(name, dc_status_name((dc_status)t)) != 0);
    }
    CHECK(strcmp(dc_status_name(DC_OK), "ok") == 0);
    CHECK(strcmp(dc_status_name(DC_STATUS_COUNT), "unknown status") == 0);
}

int main(void)
{
    RUN_TEST(test_fail_and_prefix);
    RUN_TEST(test_long_messages_truncate);
    RUN_TEST(test_thread_local);
    RUN_TEST(test_names);
    return TEST_SUMMARY();
}
