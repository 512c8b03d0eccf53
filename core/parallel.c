/* One thread count for OpenMP and OpenBLAS, and the kernels' threading rule (parallel.h). */
#include "parallel.h"

#include <omp.h>

#include "openblas.h"

dc_status dc_set_num_threads(int n)
{
    DC_CHECK(n >= 1, DC_ERR_ARG, "set_num_threads: expected at least 1 thread, got %d", n);
    omp_set_num_threads(n);
    openblas_set_num_threads(n);
    return DC_OK;
}

int dc_get_num_threads(void) { return omp_get_max_threads(); }

bool dc_par(int64_t work, int64_t min)
{
    return work >= min && openblas_get_parallel() == 2;
}
