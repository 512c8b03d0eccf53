/* Tensors filled by formula. */
#include "create.h"

#include <math.h>

#include "elementwise.h"

dc_status dc_arange(double start, double stop, double step, dc_dtype dt, dc_tensor *out)
{
    DC_CHECK(step != 0 && step == step, DC_ERR_ARG, "arange: step must be non-zero, got %g",
             step);
    DC_CHECK(isfinite(start) && isfinite(stop), DC_ERR_ARG, "arange: bounds must be finite");
    double len = ceil((stop - start) / step);
    int64_t n = len > 0 ? (int64_t)len : 0;
    DC_CHECK(len < 9e15, DC_ERR_ARG, "arange: %g elements is too many", len);
    DC_TRY(dc_tensor_ensure(out, dt, 1, &n, "arange: out"));
    if (dt == DC_F32) {
        float *o = dc_tensor_data(out);
        for (int64_t i = 0; i < n; i++) o[i] = (float)(start + (double)i * step);
    } else {
        int64_t s0 = (int64_t)start, st = (int64_t)step;
        for (int64_t i = 0; i < n; i++) {
            int64_t idx[1] = {i};
            dc_tensor_set_i64(out, idx, s0 + i * st);
        }
    }
    return DC_OK;
}

dc_status dc_linspace(double a, double b, int64_t n, dc_tensor *out)
{
    DC_CHECK(n >= 0, DC_ERR_ARG, "linspace: negative number of points %lld", (long long)n);
    DC_TRY(dc_tensor_ensure(out, DC_F32, 1, &n, "linspace: out"));
    float *o = dc_tensor_data(out);
    double step = n > 1 ? (b - a) / (double)(n - 1) : 0;
    /* the last point is b exactly (no round-off), unless it is also the first (n = 1: a, as
     * numpy and torch give) */
    for (int64_t i = 0; i < n; i++)
        o[i] = (float)(i == n - 1 && n > 1 ? b : a + (double)i * step);
    return DC_OK;
}

dc_status dc_eye(int64_t n, int64_t m, dc_dtype dt, dc_tensor *out)
{
    DC_CHECK(n >= 0 && m >= 0, DC_ERR_ARG, "eye: negative size %lld x %lld", (long long)n,
             (long long)m);
    int64_t shape[2] = {n, m};
    DC_TRY(dc_tensor_ensure(out, dt, 2, shape, "eye: out"));
    DC_TRY(dc_fill(out, 0));
    for (int64_t i = 0; i < n && i < m; i++) {
        int64_t idx[2] = {i, i};
        dc_tensor_set(out, idx, 1);
    }
    return DC_OK;
}
