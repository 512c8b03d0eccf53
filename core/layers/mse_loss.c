/* The mean-squared-error criterion (see mse_loss.h). */
#include "mse_loss.h"

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 65536

static dc_status check(const char *op, const dc_tensor *x, const dc_tensor *target)
{
    DC_TRY(dc_arg_f32(x, -1, op, "x", ""));
    DC_TRY(dc_arg_f32_shape(target, x->ndim, x->shape, op, "target"));
    DC_CHECK(dc_tensor_numel(x) > 0, DC_ERR_SHAPE, "%s: x is empty", op);
    return DC_OK;
}

dc_status dc_mse_loss_forward(const dc_tensor *x, const dc_tensor *target, double *loss)
{
    DC_TRY(check("mse_loss_forward", x, target));
    const float *xp = dc_tensor_data(x), *tp = dc_tensor_data(target);
    const int64_t n = dc_tensor_numel(x);
    double s = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : s) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) {
        double d = (double)xp[i] - tp[i];
        s += d * d;
    }
    *loss = s / (double)n;
    return DC_OK;
}

dc_status dc_mse_loss_backward(const dc_tensor *x, const dc_tensor *target, double dloss,
                               dc_tensor *dx)
{
    const char *op = "mse_loss_backward";
    DC_TRY(check(op, x, target));
    DC_TRY(dc_arg_out(dx, DC_F32, x->ndim, x->shape, op, "dx"));
    const float *xp = dc_tensor_data(x), *tp = dc_tensor_data(target);
    float *dxp = dc_tensor_data(dx);
    const int64_t n = dc_tensor_numel(x);
    const float scale = (float)(2 * dloss / (double)n);
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) dxp[i] = scale * (xp[i] - tp[i]);
    return DC_OK;
}
