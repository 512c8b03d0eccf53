/* When the layer kernels spread a loop over OpenMP threads.
 *
 * Only when OpenBLAS runs on the same OpenMP pool (its OpenMP build). With its pthreads build
 * the two pools take turns on the same cores: OpenMP workers spin after each loop while
 * OpenBLAS's threads wait to start the next GEMM, and on a shared 2-core machine the layers
 * ran slower on two threads than on one. Then the loops run on the calling thread and the
 * GEMMs keep OpenBLAS's threads. */
#ifndef DC_LAYERS_PAR_H
#define DC_LAYERS_PAR_H

#include <stdbool.h>
#include <stdint.h>

/* True when work (elements touched) is at least min and OpenBLAS shares our OpenMP pool. */
bool dc_par(int64_t work, int64_t min);

#endif
