/* One thread count for OpenMP and OpenBLAS. */
#include "parallel.h"

#include <omp.h>

/* OpenBLAS's own entry point. Declared here rather than taken from <cblas.h>: Debian's
 * cblas.h is an alternative that may point at a reference CBLAS without it. */
void openblas_set_num_threads(int num_threads);

dc_status dc_set_num_threads(int n)
{
    DC_CHECK(n >= 1, DC_ERR_ARG, "set_num_threads: expected at least 1 thread, got %d", n);
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
    return DC_OK;
}

int dc_get_num_threads(void) { return omp_get_max_threads(); }
