/* Fully connected layer (see linear.h): three matrix products and a column sum. Which library
 * computes a product is decided here (dnnl_forward): measured on the Xeon (AVX-512, AMX) at the
 * `small` and AlexNet classifier shapes, linear_dnnl.c says how. */
#include "linear.h"

#include <cblas.h>
#include <string.h>

#include "../args.h"
#include "../cpu.h"
#include "linear_dnnl.h"

static dc_status check(const dc_tensor *x, const dc_tensor *w, const dc_tensor *b, const char *op,
                       int64_t *N, int64_t *in, int64_t *out)
{
    char a[128], c[128];
    DC_TRY(dc_arg_f32(w, 2, op, "weight", "[out, in]"));
    DC_TRY(dc_arg_f32(x, 2, op, "x", "[N, in]"));
    *N = x->shape[0], *in = w->shape[1], *out = w->shape[0];
    DC_CHECK(x->shape[1] == *in, DC_ERR_SHAPE, "%s: weight %s expects %lld input features, got x %s",
             op, dc_tensor_describe(w, a, sizeof a), (long long)*in,
             dc_tensor_describe(x, c, sizeof c));
    int64_t bs[1] = {*out};
    if (b) DC_TRY(dc_arg_f32_shape(b, 1, bs, op, "bias"));
    return DC_OK;
}

/* The fp32 forward product through oneDNN's matmul on CPUs with AVX-512, OpenBLAS's sgemm
 * elsewhere. On the Xeon (two runs, other work paused; ms, oneDNN against sgemm) AlexNet's
 * three layers at batch 32 took 17-20 / 9-12 / 2.3-2.4 against 32-45 / 15 / 3.2-3.5 (at that
 * batch the product is bound by reading the weight, and oneDNN reads it faster); small's at
 * batch 256 took 3.4-3.7 / 0.8-1.1 / 0.2-0.4 against 4.0-4.2 / 0.9-1.0 / 0.3, too close on the
 * two smaller ones to keep two paths for. The fp32 input and weight gradients stay with sgemm:
 * oneDNN's took up to 1.4x and 3.7x its time on these shapes. */
static bool dnnl_forward(void) { return dc_cpu_get()->avx512f; }

dc_status dc_linear_forward(const dc_tensor *x, const dc_tensor *w, const dc_tensor *b,
                            dc_tensor *y, dc_tensor *w16)
{
    const char *op = "linear_forward";
    int64_t N, in, out;
    DC_TRY(check(x, w, b, op, &N, &in, &out));
    if (w16) DC_TRY(dc_cpu_require_bf16(op));
    int64_t ys[2] = {N, out}, ws[2] = {out, 2 * in};
    DC_TRY(dc_arg_out(y, DC_F32, 2, ys, op, "y"));
    if (w16) DC_TRY(dc_arg_out(w16, DC_U8, 2, ws, op, "w16"));
    float *yp = dc_tensor_data(y);
    const float *wp = dc_tensor_data(w);
    const float *bp = b ? dc_tensor_data(b) : NULL;
    if (w16) {
        uint16_t *w16p = dc_tensor_data(w16);
        DC_TRY(dc_linear_dnnl_round(out, in, wp, w16p));
        if (N > 0 && out > 0 && in > 0)
            return dc_linear_dnnl_forward(N, in, out, dc_tensor_data(x), NULL, w16p, bp, yp);
    } else if (dnnl_forward() && N > 0 && out > 0 && in > 0) {
        return dc_linear_dnnl_forward(N, in, out, dc_tensor_data(x), wp, NULL, bp, yp);
    }
    float beta = 0.0f;
    if (b) { /* start from the bias, let the GEMM add x W^T */
        for (int64_t n = 0; n < N; n++)
            for (int64_t o = 0; o < out; o++) yp[n * out + o] = bp[o];
        beta = 1.0f;
    }
    if (N > 0 && out > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, (int)out, (int)in, 1.0f,
                    dc_tensor_data(x), (int)in, wp, (int)in, beta, yp, (int)out);
    return DC_OK;
}

dc_status dc_linear_backward(const dc_tensor *x, const dc_tensor *w, const dc_tensor *dy,
                             dc_tensor *dx, dc_tensor *dw, dc_tensor *db, float scale,
                             const dc_tensor *w16)
{
    const char *op = "linear_backward";
    int64_t N, in, out;
    DC_TRY(check(x, w, NULL, op, &N, &in, &out));
    if (w16) {
        char a[128];
        DC_CHECK(dc_tensor_ok(w16) && w16->dtype == DC_U8 && w16->ndim == 2 &&
                     w16->shape[0] == out && w16->shape[1] == 2 * in && dc_tensor_is_contiguous(w16),
                 DC_ERR_SHAPE, "%s: w16 must be the uint8 [%lld, %lld] bf16 copy of the weight "
                 "that linear_forward made, got %s", op, (long long)out, (long long)(2 * in),
                 dc_tensor_ok(w16) ? dc_tensor_describe(w16, a, sizeof a) : "an empty tensor");
        DC_TRY(dc_cpu_require_bf16(op));
    }
    int64_t ys[2] = {N, out}, bs[1] = {out};
    DC_TRY(dc_arg_f32_shape(dy, 2, ys, op, "dy"));
    if (dw) DC_TRY(dc_arg_f32_shape(dw, 2, w->shape, op, "grad_weight"));
    if (db) DC_TRY(dc_arg_f32_shape(db, 1, bs, op, "grad_bias"));
    if (dx) DC_TRY(dc_arg_out(dx, DC_F32, 2, x->shape, op, "dx"));
    const float *dyp = dc_tensor_data(dy);
    const bool full = N > 0 && out > 0 && in > 0;
    if (dx && full && w16)
        DC_TRY(dc_linear_dnnl_backward_data(N, in, out, dc_tensor_data(w16), dyp, dc_tensor_data(dx)));
    else if (dx && full)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)in, (int)out, 1.0f, dyp,
                    (int)out, dc_tensor_data(w), (int)in, 0.0f, dc_tensor_data(dx), (int)in);
    else if (dx && N > 0 && in > 0)
        memset(dc_tensor_data(dx), 0, (size_t)(N * in) * sizeof(float));
    if (dw && full && w16)
        DC_TRY(dc_linear_dnnl_backward_weights(N, in, out, dc_tensor_data(x), dyp,
                                               dc_tensor_data(dw), scale));
    else if (dw && full)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)N, scale, dyp,
                    (int)out, dc_tensor_data(x), (int)in, 1.0f, dc_tensor_data(dw), (int)in);
    if (db) {
        float *dbp = dc_tensor_data(db);
        for (int64_t n = 0; n < N; n++)
            for (int64_t o = 0; o < out; o++) dbp[o] += scale * dyp[n * out + o];
    }
    return DC_OK;
}
