/* Validation of point sets before they reach FAISS (which would throw on NaN, or not check). */
#include "check.h"

#include <math.h>

#include "ops/elementwise.h"
#include "ops/iter.h"

dc_status dc_check_points(const dc_tensor *x, const char *op, const char *arg, dc_tensor *xc)
{
    char b[128];
    DC_CHECK(x && x->storage, DC_ERR_STATE, "%s: %s is a released tensor", op, arg);
    DC_CHECK(x->dtype == DC_F32 && x->ndim == 2, DC_ERR_DTYPE,
             "%s: %s must be float32 [N, D], got %s", op, arg, dc_tensor_describe(x, b, sizeof b));
    DC_CHECK(x->shape[0] >= 1 && x->shape[1] >= 1, DC_ERR_SHAPE, "%s: %s is empty (%s)", op, arg,
             dc_tensor_describe(x, b, sizeof b));
    DC_TRY(dc_tensor_contiguous(xc, x));
    const float *p = dc_tensor_data(xc);
    int64_t n = dc_tensor_numel(xc);
    int bad = 0;
#pragma omp parallel for reduction(| : bad) schedule(static) if (n >= DC_PARALLEL_MIN)
    for (int64_t i = 0; i < n; i++) bad |= !isfinite(p[i]);
    if (!bad) return DC_OK;
    int64_t i = 0;
    while (isfinite(p[i])) i++;
    dc_tensor_release(xc);
    return dc_fail(DC_ERR_ARG,
                   "%s: %s has a NaN or Inf (first at 0-based row %lld, column %lld of %s %s)", op,
                   arg, (long long)(i / x->shape[1]), (long long)(i % x->shape[1]), arg,
                   dc_tensor_describe(x, b, sizeof b));
}
