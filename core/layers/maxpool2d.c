/* 2-D max pooling (see maxpool2d.h), one input plane per loop iteration. */
#include "maxpool2d.h"

#include <math.h>
#include <string.h>

#include "args.h"

#define PAR_MIN 32768

dc_status dc_maxpool2d_forward(const dc_pool2d_cfg *c, const dc_tensor *x, dc_tensor *y,
                               dc_tensor *idx)
{
    const char *op = "maxpool2d_forward";
    int64_t ys[4];
    DC_TRY(dc_pool2d_out_shape(c, x, op, ys));
    DC_TRY(dc_arg_out(y, DC_F32, 4, ys, op, "y"));
    DC_TRY(dc_arg_out(idx, DC_I64, 4, ys, op, "indices"));
    const int64_t planes = ys[0] * ys[1], H = x->shape[2], W = x->shape[3], Ho = ys[2], Wo = ys[3];
    const float *xp = dc_tensor_data(x);
    float *yp = dc_tensor_data(y);
    int64_t *ip = dc_tensor_data(idx);
#pragma omp parallel for schedule(static) if (planes * H * W > PAR_MIN)
    for (int64_t pl = 0; pl < planes; pl++) {
        const float *src = xp + pl * H * W;
        for (int64_t oh = 0; oh < Ho; oh++) {
            int64_t h0 = oh * c->sh - c->ph, h1 = h0 + c->kh;
            if (h0 < 0) h0 = 0;
            if (h1 > H) h1 = H;
            for (int64_t ow = 0; ow < Wo; ow++) {
                int64_t w0 = ow * c->sw - c->pw, w1 = w0 + c->kw;
                if (w0 < 0) w0 = 0;
                if (w1 > W) w1 = W;
                float best = -INFINITY;
                int64_t at = h0 * W + w0;
                for (int64_t ih = h0; ih < h1; ih++)
                    for (int64_t iw = w0; iw < w1; iw++) {
                        float v = src[ih * W + iw];
                        /* strict: the first maximum wins; a NaN propagates (PyTorch) */
                        if (v > best || (isnan(v) && !isnan(best))) {
                            best = v;
                            at = ih * W + iw;
                        }
                    }
                yp[(pl * Ho + oh) * Wo + ow] = best;
                ip[(pl * Ho + oh) * Wo + ow] = at;
            }
        }
    }
    return DC_OK;
}

dc_status dc_maxpool2d_backward(const dc_pool2d_cfg *c, const dc_tensor *x, const dc_tensor *dy,
                                const dc_tensor *idx, dc_tensor *dx)
{
    const char *op = "maxpool2d_backward";
    int64_t ys[4];
    char a[128], b[128];
    DC_TRY(dc_pool2d_out_shape(c, x, op, ys));
    DC_TRY(dc_arg_f32_shape(dy, 4, ys, op, "dy"));
    DC_CHECK(idx && idx->storage && idx->dtype == DC_I64 && idx->ndim == 4 &&
                 dc_tensor_same_shape(idx, dy) && dc_tensor_is_contiguous(idx),
             DC_ERR_SHAPE, "%s: indices must be contiguous int64 %s (from the forward), got %s", op,
             dc_shape_str(4, ys, a, sizeof a), dc_tensor_describe(idx, b, sizeof b));
    DC_TRY(dc_arg_out(dx, DC_F32, 4, x->shape, op, "dx"));
    const int64_t planes = ys[0] * ys[1], HW = x->shape[2] * x->shape[3], P = ys[2] * ys[3];
    const float *dyp = dc_tensor_data(dy);
    const int64_t *ip = dc_tensor_data(idx);
    float *dxp = dc_tensor_data(dx);
#pragma omp parallel for schedule(static) if (planes * HW > PAR_MIN)
    for (int64_t pl = 0; pl < planes; pl++) {
        float *d = dxp + pl * HW;
        memset(d, 0, (size_t)HW * sizeof(float));
        for (int64_t p = 0; p < P; p++) {
            int64_t at = ip[pl * P + p];
            if (at >= 0 && at < HW) d[at] += dyp[pl * P + p];
        }
    }
    return DC_OK;
}
