/* The engine's threading: one thread count for both OpenMP (elementwise ops, reductions,
 * layer loops) and OpenBLAS (mm, bmm, mv), so a run uses the cores it is given and no more,
 * and the rule deciding when a kernel loop goes to OpenMP threads.
 *
 * Both counts start at the number of processors (or OMP_NUM_THREADS / OPENBLAS_NUM_THREADS).
 *
 * Kernel loops (layers, the optimizer) run on OpenMP threads only when OpenBLAS runs on the
 * same OpenMP pool (its OpenMP build). With its pthreads build the two pools take turns on
 * the same cores: OpenMP workers spin after each loop while OpenBLAS's threads wait to start
 * the next GEMM, and on a shared 2-core machine the layers ran slower on two threads than on
 * one. Then the loops run on the calling thread and the GEMMs keep OpenBLAS's threads. */
#ifndef DC_PARALLEL_H
#define DC_PARALLEL_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

/* Sets the number of threads of later parallel work (n >= 1); DC_ERR_ARG otherwise.
 * Call it from the thread that runs the engine (OpenMP keeps the setting per thread). */
dc_status dc_set_num_threads(int n);
/* The number of threads parallel work will use. */
int dc_get_num_threads(void);

/* True when a kernel loop touching work elements (at least min) should run on OpenMP
 * threads: OpenBLAS shares the OpenMP pool (see above). */
bool dc_par(int64_t work, int64_t min);

#endif
