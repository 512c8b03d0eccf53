/* Pooling geometry (see pool2d.h); the size rule is PyTorch's pooling_output_shape. */
#include "pool2d.h"

#include "../args.h"

void dc_pool2d_cfg_init(dc_pool2d_cfg *cfg, int k)
{
    *cfg = (dc_pool2d_cfg){k, k, k, k, 0, 0, false, true};
}

static int64_t out_size(int64_t in, int k, int s, int p, bool ceil_mode)
{
    int64_t num = in + 2 * p - k + (ceil_mode ? s - 1 : 0);
    int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
    /* the last window must start inside the input or its left padding */
    if (ceil_mode && (out - 1) * s >= in + p) out--;
    return out;
}

dc_status dc_pool2d_out_shape(const dc_pool2d_cfg *c, const dc_tensor *x, const char *op,
                              int64_t *shape)
{
    char a[128];
    DC_CHECK(c->kh > 0 && c->kw > 0, DC_ERR_ARG, "%s: window must be positive, got %dx%d", op, c->kh,
             c->kw);
    DC_CHECK(c->sh > 0 && c->sw > 0, DC_ERR_ARG, "%s: stride must be positive, got %dx%d", op, c->sh,
             c->sw);
    DC_CHECK(c->ph >= 0 && c->pw >= 0 && 2 * c->ph <= c->kh && 2 * c->pw <= c->kw, DC_ERR_ARG,
             "%s: padding %dx%d must be between 0 and half the %dx%d window", op, c->ph, c->pw,
             c->kh, c->kw);
    DC_TRY(dc_arg_f32(x, 4, op, "x", "[N, C, H, W]"));
    int64_t ho = out_size(x->shape[2], c->kh, c->sh, c->ph, c->ceil_mode);
    int64_t wo = out_size(x->shape[3], c->kw, c->sw, c->pw, c->ceil_mode);
    DC_CHECK(ho >= 1 && wo >= 1, DC_ERR_SHAPE,
             "%s: x %s is too small for a %dx%d window with padding %dx%d", op,
             dc_tensor_describe(x, a, sizeof a), c->kh, c->kw, c->ph, c->pw);
    shape[0] = x->shape[0], shape[1] = x->shape[1], shape[2] = ho, shape[3] = wo;
    return DC_OK;
}
