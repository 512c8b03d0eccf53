/* Dropout (see dropout.h): the mask comes from the counter-based generator, so a seeded run
 * drops the same units whatever the thread count. */
#include "dropout.h"

#include "../args.h"
#include "../ops/random.h"
#include "../parallel.h"

#define PAR_MIN 65536

static float keep_scale(double p) { return p < 1 ? (float)(1.0 / (1.0 - p)) : 0.0f; }

static dc_status apply(double p, const dc_tensor *x, const dc_tensor *mask, dc_tensor *y)
{
    const float *xp = dc_tensor_data(x);
    const uint8_t *mp = dc_tensor_data(mask);
    float *yp = dc_tensor_data(y), s = keep_scale(p);
    int64_t n = dc_tensor_numel(x);
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
    for (int64_t i = 0; i < n; i++) yp[i] = mp[i] ? xp[i] * s : 0.0f;
    return DC_OK;
}

dc_status dc_dropout_forward(double p, const dc_tensor *x, dc_rng *rng, dc_tensor *mask,
                             dc_tensor *y)
{
    const char *op = "dropout_forward";
    DC_CHECK(p >= 0 && p <= 1, DC_ERR_ARG, "%s: p must be in [0, 1], got %g", op, p);
    DC_TRY(dc_arg_f32(x, -1, op, "x", ""));
    DC_TRY(dc_arg_out(mask, DC_U8, x->ndim, x->shape, op, "mask"));
    DC_TRY(dc_arg_out(y, DC_F32, x->ndim, x->shape, op, "y"));
    DC_TRY(dc_rand_bernoulli(mask, 1.0 - p, rng));
    return apply(p, x, mask, y);
}

dc_status dc_dropout_backward(double p, const dc_tensor *dy, const dc_tensor *mask, dc_tensor *dx)
{
    const char *op = "dropout_backward";
    char a[128], b[128];
    DC_CHECK(p >= 0 && p <= 1, DC_ERR_ARG, "%s: p must be in [0, 1], got %g", op, p);
    DC_TRY(dc_arg_f32(dy, -1, op, "dy", ""));
    DC_CHECK(mask && mask->storage && mask->dtype == DC_U8 && dc_tensor_same_shape(mask, dy) &&
                 dc_tensor_is_contiguous(mask),
             DC_ERR_SHAPE, "%s: mask must be contiguous uint8 of dy's shape %s, got %s", op,
             dc_shape_str(dy->ndim, dy->shape, a, sizeof a), dc_tensor_describe(mask, b, sizeof b));
    DC_TRY(dc_arg_out(dx, DC_F32, dy->ndim, dy->shape, op, "dx"));
    return apply(p, dy, mask, dx);
}
