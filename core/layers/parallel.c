/* The threading decision of the layer kernels (see parallel.h). */
#include "parallel.h"

#include <cblas.h>

bool dc_par(int64_t work, int64_t min)
{
    return work >= min && openblas_get_parallel() == 2; /* 0 sequential, 1 pthreads, 2 OpenMP */
}
