/* The one thread count reaches both OpenMP and OpenBLAS; kernel loops go to threads only
 * when OpenBLAS shares the OpenMP pool. */
#include <omp.h>

#include "openblas.h"
#include "tiny_test.h"

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

static void test_kernel_rule(void)
{
    CHECK(!dc_par(10, 100));
    CHECK(dc_par(1000, 100) == (openblas_get_parallel() == 2));
    CHECK(dc_par(100, 100) == dc_par(1000, 100)); /* min itself is enough */
}

int main(void)
{
    RUN_TEST(test_set_and_get);
    RUN_TEST(test_kernel_rule);
    return TEST_SUMMARY();
}
