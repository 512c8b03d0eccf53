/* Average pooling (see avgpool2d.h). Both variants reduce to one loop over windows given by
 * a function from output index to [start, end) and divisor; backward spreads each output
 * gradient evenly over its window. */
#include "avgpool2d.h"

#include <string.h>

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 32768

/* The window of output (oh, ow): input rows [*h0, *h1), columns [*w0, *w1), divisor *div. */
typedef struct window_fn {
    const dc_pool2d_cfg *cfg; /* NULL: adaptive */
    int64_t H, W, Ho, Wo;
} window_fn;

static void window(const window_fn *f, int64_t oh, int64_t ow, int64_t *h0, int64_t *h1,
                   int64_t *w0, int64_t *w1, float *div)
{
    const dc_pool2d_cfg *c = f->cfg;
    if (!c) {
        *h0 = oh * f->H / f->Ho, *h1 = ((oh + 1) * f->H + f->Ho - 1) / f->Ho;
        *w0 = ow * f->W / f->Wo, *w1 = ((ow + 1) * f->W + f->Wo - 1) / f->Wo;
        *div = (float)((*h1 - *h0) * (*w1 - *w0));
        return;
    }
    /* PyTorch's avg_pool2d: the padded window, clipped to the padded input, sets the
     * divisor when padding counts; the window clipped to the input is what gets summed */
    int64_t hs = oh * c->sh - c->ph, ws = ow * c->sw - c->pw;
    int64_t he = hs + c->kh < f->H + c->ph ? hs + c->kh : f->H + c->ph;
    int64_t we = ws + c->kw < f->W + c->pw ? ws + c->kw : f->W + c->pw;
    int64_t padded = (he - hs) * (we - ws);
    *h0 = hs < 0 ? 0 : hs, *w0 = ws < 0 ? 0 : ws;
    *h1 = he > f->H ? f->H : he, *w1 = we > f->W ? f->W : we;
    *div = (float)(c->count_include_pad ? padded : (*h1 - *h0) * (*w1 - *w0));
}

static void forward(const window_fn *f, int64_t planes, const float *xp, float *yp)
{
    const int64_t H = f->H, W = f->W, Ho = f->Ho, Wo = f->Wo;
#pragma omp parallel for schedule(static) if (dc_par(planes * H * W, PAR_MIN))
    for (int64_t pl = 0; pl < planes; pl++) {
        const float *src = xp + pl * H * W;
        for (int64_t oh = 0; oh < Ho; oh++)
            for (int64_t ow = 0; ow < Wo; ow++) {
                int64_t h0, h1, w0, w1;
                float div, s = 0;
                window(f, oh, ow, &h0, &h1, &w0, &w1, &div);
                for (int64_t ih = h0; ih < h1; ih++)
                    for (int64_t iw = w0; iw < w1; iw++) s += src[ih * W + iw];
                yp[(pl * Ho + oh) * Wo + ow] = div > 0 ? s / div : 0.0f;
            }
    }
}

static void backward(const window_fn *f, int64_t planes, const float *dyp, float *dxp)
{
    const int64_t H = f->H, W = f->W, Ho = f->Ho, Wo = f->Wo;
#pragma omp parallel for schedule(static) if (dc_par(planes * H * W, PAR_MIN))
    for (int64_t pl = 0; pl < planes; pl++) {
        float *dst = dxp + pl * H * W;
        memset(dst, 0, (size_t)(H * W) * sizeof(float));
        for (int64_t oh = 0; oh < Ho; oh++)
            for (int64_t ow = 0; ow < Wo; ow++) {
                int64_t h0, h1, w0, w1;
                float div;
                window(f, oh, ow, &h0, &h1, &w0, &w1, &div);
                if (div <= 0) continue;
                float g = dyp[(pl * Ho + oh) * Wo + ow] / div;
                for (int64_t ih = h0; ih < h1; ih++)
                    for (int64_t iw = w0; iw < w1; iw++) dst[ih * W + iw] += g;
            }
    }
}

dc_status dc_avgpool2d_forward(const dc_pool2d_cfg *cfg, const dc_tensor *x, dc_tensor *y)
{
    const char *op = "avgpool2d_forward";
    int64_t ys[4];
    DC_TRY(dc_pool2d_out_shape(cfg, x, op, ys));
    DC_TRY(dc_arg_out(y, DC_F32, 4, ys, op, "y"));
    window_fn f = {cfg, x->shape[2], x->shape[3], ys[2], ys[3]};
    forward(&f, ys[0] * ys[1], dc_tensor_data(x), dc_tensor_data(y));
    return DC_OK;
}

dc_status dc_avgpool2d_backward(const dc_pool2d_cfg *cfg, const dc_tensor *x, const dc_tensor *dy,
                                dc_tensor *dx)
{
    const char *op = "avgpool2d_backward";
    int64_t ys[4];
    DC_TRY(dc_pool2d_out_shape(cfg, x, op, ys));
    DC_TRY(dc_arg_f32_shape(dy, 4, ys, op, "dy"));
    DC_TRY(dc_arg_out(dx, DC_F32, 4, x->shape, op, "dx"));
    window_fn f = {cfg, x->shape[2], x->shape[3], ys[2], ys[3]};
    backward(&f, ys[0] * ys[1], dc_tensor_data(dy), dc_tensor_data(dx));
    return DC_OK;
}

static dc_status adaptive_shape(int64_t oh, int64_t ow, const dc_tensor *x, const char *op,
                                int64_t *ys)
{
    DC_CHECK(oh >= 1 && ow >= 1, DC_ERR_ARG, "%s: output size must be positive, got %lldx%lld", op,
             (long long)oh, (long long)ow);
    DC_TRY(dc_arg_f32(x, 4, op, "x", "[N, C, H, W]"));
    char a[128];
    DC_CHECK(x->shape[2] > 0 && x->shape[3] > 0, DC_ERR_SHAPE, "%s: x %s has an empty plane", op,
             dc_tensor_describe(x, a, sizeof a));
    ys[0] = x->shape[0], ys[1] = x->shape[1], ys[2] = oh, ys[3] = ow;
    return DC_OK;
}

dc_status dc_adaptive_avgpool2d_forward(int64_t oh, int64_t ow, const dc_tensor *x, dc_tensor *y)
{
    const char *op = "adaptive_avgpool2d_forward";
    int64_t ys[4];
    DC_TRY(adaptive_shape(oh, ow, x, op, ys));
    DC_TRY(dc_arg_out(y, DC_F32, 4, ys, op, "y"));
    window_fn f = {NULL, x->shape[2], x->shape[3], oh, ow};
    forward(&f, ys[0] * ys[1], dc_tensor_data(x), dc_tensor_data(y));
    return DC_OK;
}

dc_status dc_adaptive_avgpool2d_backward(int64_t oh, int64_t ow, const dc_tensor *x,
                                         const dc_tensor *dy, dc_tensor *dx)
{
    const char *op = "adaptive_avgpool2d_backward";
    int64_t ys[4];
    DC_TRY(adaptive_shape(oh, ow, x, op, ys));
    DC_TRY(dc_arg_f32_shape(dy, 4, ys, op, "dy"));
    DC_TRY(dc_arg_out(dx, DC_F32, 4, x->shape, op, "dx"));
    window_fn f = {NULL, x->shape[2], x->shape[3], oh, ow};
    backward(&f, ys[0] * ys[1], dc_tensor_data(dy), dc_tensor_data(dx));
    return DC_OK;
}
