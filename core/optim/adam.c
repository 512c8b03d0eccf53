/* The fused Adam update (see adam.h). */
#include "adam.h"

#include <math.h>
#include <string.h>

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 65536

void dc_adam_cfg_init(dc_adam_cfg *cfg, double lr) { *cfg = (dc_adam_cfg){lr, 0.9, 0.999, 1e-8, 0}; }

dc_status dc_adam_cfg_check(const dc_adam_cfg *c)
{
    DC_CHECK(c->lr >= 0, DC_ERR_ARG, "adam: lr must be >= 0, got %g", c->lr);
    DC_CHECK(c->beta1 >= 0 && c->beta1 < 1, DC_ERR_ARG, "adam: beta1 must be in [0, 1), got %g",
             c->beta1);
    DC_CHECK(c->beta2 >= 0 && c->beta2 < 1, DC_ERR_ARG, "adam: beta2 must be in [0, 1), got %g",
             c->beta2);
    DC_CHECK(c->eps > 0, DC_ERR_ARG, "adam: eps must be > 0, got %g", c->eps);
    DC_CHECK(c->weight_decay >= 0, DC_ERR_ARG, "adam: weight_decay must be >= 0, got %g",
             c->weight_decay);
    return DC_OK;
}

dc_status dc_adam_step(const dc_adam_cfg *c, dc_tensor *w, const dc_tensor *g,
                       dc_tensor *moments, int64_t step)
{
    const char *op = "adam_step";
    DC_TRY(dc_adam_cfg_check(c));
    DC_CHECK(step >= 1, DC_ERR_ARG, "%s: step must be >= 1, got %lld", op, (long long)step);
    DC_TRY(dc_arg_f32(w, -1, op, "parameter", ""));
    DC_CHECK(w->ndim < DC_MAX_DIMS, DC_ERR_SHAPE, "%s: parameter has %d dimensions, at most %d",
             op, w->ndim, DC_MAX_DIMS - 1);
    DC_TRY(dc_arg_f32_shape(g, w->ndim, w->shape, op, "gradient"));
    DC_CHECK(moments, DC_ERR_ARG, "%s: needs a moments tensor", op);
    int64_t shape[DC_MAX_DIMS] = {2};
    memcpy(shape + 1, w->shape, (size_t)w->ndim * sizeof shape[0]);
    const bool fresh = !moments->storage;
    DC_TRY(dc_arg_out(moments, DC_F32, w->ndim + 1, shape, op, "moments"));
    const int64_t n = dc_tensor_numel(w);
    float *wp = dc_tensor_data(w), *mp = dc_tensor_data(moments), *vp = mp + n;
    if (fresh) memset(mp, 0, 2 * (size_t)n * sizeof *mp);
    const float *gp = dc_tensor_data(g);
    /* the bias corrections in double: beta2^t stays distinguishable from 1 */
    const float b1 = (float)c->beta1, b2 = (float)c->beta2, wd = (float)c->weight_decay,
                eps = (float)c->eps,
                step_size = (float)(c->lr / (1 - pow(c->beta1, (double)step))),
                rsqrt_bc2 = (float)(1 / sqrt(1 - pow(c->beta2, (double)step)));
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) {
        float d = gp[i] + wd * wp[i];
        float m = b1 * mp[i] + (1 - b1) * d, v = b2 * vp[i] + (1 - b2) * d * d;
        mp[i] = m;
        vp[i] = v;
        wp[i] -= step_size * m / (sqrtf(v) * rsqrt_bc2 + eps);
    }
    return DC_OK;
}
