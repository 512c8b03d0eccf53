/* The threading decision of the layer kernels (see par.h). */
#include "par.h"

/* OpenBLAS's own entry point, declared here as core/parallel.c does: Debian's cblas.h is an
 * alternative that may point at a reference CBLAS without it. */
int openblas_get_parallel(void);

bool dc_par(int64_t work, int64_t min)
{
    return work >= min && openblas_get_parallel() == 2; /* 0 sequential, 1 pthreads, 2 OpenMP */
}
