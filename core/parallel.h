/* The engine's thread count: one knob for both OpenMP (elementwise ops, reductions) and
 * OpenBLAS (mm, bmm, mv), so a run uses the cores it is given and no more.
 *
 * Both start at the number of processors (or OMP_NUM_THREADS / OPENBLAS_NUM_THREADS). */
#ifndef DC_PARALLEL_H
#define DC_PARALLEL_H

#include "status.h"

/* Sets the number of threads of later parallel work (n >= 1); DC_ERR_ARG otherwise.
 * Call it from the thread that runs the engine (OpenMP keeps the setting per thread). */
dc_status dc_set_num_threads(int n);
/* The number of threads parallel work will use. */
int dc_get_num_threads(void);

#endif
