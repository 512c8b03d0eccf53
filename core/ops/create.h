/* Tensors filled by formula: ranges, evenly spaced points, identity. */
#ifndef DC_CREATE_H
#define DC_CREATE_H

#include "../tensor.h"

/* out = start, start + step, ... (n = ceil((stop - start) / step) elements, stop excluded) */
dc_status dc_arange(double start, double stop, double step, dc_dtype dt, dc_tensor *out);
/* out = n points from a to b inclusive (float32) */
dc_status dc_linspace(double a, double b, int64_t n, dc_tensor *out);
/* out = n x m identity (ones on the main diagonal) */
dc_status dc_eye(int64_t n, int64_t m, dc_dtype dt, dc_tensor *out);

#endif
