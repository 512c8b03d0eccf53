/* The one thread count reaches both OpenMP and OpenBLAS. */
#include <omp.h>

#include "tiny_test.h"

int openblas_get_num_threads(void);

static void test_set_and_get(void)
{
    int before = dc_get_num_threads();
    CHECK(before >= 1);
    CHECK_OK(dc_set_num_threads(1));
    CHECK(dc_get_num_threads() == 1 && omp_get_max_threads() == 1);
    CHECK(openblas_get_num_threads() == 1);
    CHECK_OK(dc_set_num_threads(2));
    CHECK(dc_get_num_threads() == 2 && omp_get_max_threads() == 2);
    CHECK(openblas_get_num_threads() == 2);
    CHECK_FAILS(dc_set_num_threads(0), DC_ERR_ARG,
                "set_num_threads: expected at least 1 thread, got 0");
    CHECK(dc_get_num_threads() == 2);
    CHECK_OK(dc_set_num_threads(before));
}

int main(void)
{
    RUN_TEST(test_set_and_get);
    return TEST_SUMMARY();
}
