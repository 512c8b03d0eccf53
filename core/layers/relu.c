/* ReLU forward and backward (see relu.h). */
#include "relu.h"

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 65536

dc_status dc_relu_forward(const dc_tensor *x, dc_tensor *y)
{
    DC_TRY(dc_arg_f32(x, -1, "relu_forward", "x", ""));
    DC_TRY(dc_arg_out(y, DC_F32, x->ndim, x->shape, "relu_forward", "y"));
    const float *xp = dc_tensor_data(x);
    float *yp = dc_tensor_data(y);
    int64_t n = dc_tensor_numel(x);
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) yp[i] = xp[i] < 0.0f ? 0.0f : xp[i]; /* NaN passes, as in PyTorch */
    return DC_OK;
}

dc_status dc_relu_backward(const dc_tensor *y, const dc_tensor *dy, dc_tensor *dx)
{
    const char *op = "relu_backward";
    DC_TRY(dc_arg_f32(y, -1, op, "y", ""));
    DC_TRY(dc_arg_f32_shape(dy, y->ndim, y->shape, op, "dy"));
    DC_TRY(dc_arg_out(dx, DC_F32, y->ndim, y->shape, op, "dx"));
    const float *yp = dc_tensor_data(y), *dyp = dc_tensor_data(dy);
    float *dxp = dc_tensor_data(dx);
    int64_t n = dc_tensor_numel(y);
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) dxp[i] = yp[i] <= 0.0f ? 0.0f : dyp[i];
    return DC_OK;
}
