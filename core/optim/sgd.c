/* The fused SGD update (see sgd.h). */
#include "sgd.h"

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 65536

void dc_sgd_cfg_init(dc_sgd_cfg *cfg, double lr) { *cfg = (dc_sgd_cfg){lr, 0, 0, 0, false}; }

dc_status dc_sgd_cfg_check(const dc_sgd_cfg *c)
{
    DC_CHECK(c->lr >= 0, DC_ERR_ARG, "sgd: lr must be >= 0, got %g", c->lr);
    DC_CHECK(c->momentum >= 0, DC_ERR_ARG, "sgd: momentum must be >= 0, got %g", c->momentum);
    DC_CHECK(c->weight_decay >= 0, DC_ERR_ARG, "sgd: weight_decay must be >= 0, got %g",
             c->weight_decay);
    DC_CHECK(!c->nesterov || (c->momentum > 0 && c->dampening == 0), DC_ERR_ARG,
             "sgd: nesterov needs momentum > 0 and dampening 0, got momentum %g dampening %g",
             c->momentum, c->dampening);
    return DC_OK;
}

dc_status dc_sgd_step(const dc_sgd_cfg *c, dc_tensor *w, const dc_tensor *g, dc_tensor *buf)
{
    const char *op = "sgd_step";
    DC_TRY(dc_sgd_cfg_check(c));
    DC_TRY(dc_arg_f32(w, -1, op, "parameter", ""));
    DC_TRY(dc_arg_f32_shape(g, w->ndim, w->shape, op, "gradient"));
    const bool mom = c->momentum != 0;
    bool first = false;
    if (mom) {
        DC_CHECK(buf, DC_ERR_ARG, "%s: momentum %g needs a buffer", op, c->momentum);
        first = !buf->storage;
        DC_TRY(dc_arg_out(buf, DC_F32, w->ndim, w->shape, op, "momentum buffer"));
    }
    float *wp = dc_tensor_data(w), *bp = mom ? dc_tensor_data(buf) : NULL;
    const float *gp = dc_tensor_data(g);
    const float lr = (float)c->lr, wd = (float)c->weight_decay, m = (float)c->momentum,
                damp = (float)(1.0 - c->dampening);
    const bool nesterov = c->nesterov;
    const int64_t n = dc_tensor_numel(w);
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) {
        float d = gp[i] + wd * wp[i];
        if (mom) {
            float b = first ? d : m * bp[i] + damp * d;
            bp[i] = b;
            d = nesterov ? d + m * b : b;
        }
        wp[i] -= lr * d;
    }
    return DC_OK;
}
