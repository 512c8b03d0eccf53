/* Fully connected layer (see linear.h): three sgemm calls and a column sum. */
#include "linear.h"

#include <cblas.h>
#include <string.h>

#include "../args.h"

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

dc_status dc_linear_forward(const dc_tensor *x, const dc_tensor *w, const dc_tensor *b,
                            dc_tensor *y)
{
    const char *op = "linear_forward";
    int64_t N, in, out;
    DC_TRY(check(x, w, b, op, &N, &in, &out));
    int64_t ys[2] = {N, out};
    DC_TRY(dc_arg_out(y, DC_F32, 2, ys, op, "y"));
    float *yp = dc_tensor_data(y);
    float beta = 0.0f;
    if (b) { /* start from the bias, let the GEMM add x W^T */
        const float *bp = dc_tensor_data(b);
        for (int64_t n = 0; n < N; n++)
            for (int64_t o = 0; o < out; o++) yp[n * out + o] = bp[o];
        beta = 1.0f;
    }
    if (N > 0 && out > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)N, (int)out, (int)in, 1.0f,
                    dc_tensor_data(x), (int)in, dc_tensor_data(w), (int)in, beta, yp, (int)out);
    return DC_OK;
}

dc_status dc_linear_backward(const dc_tensor *x, const dc_tensor *w, const dc_tensor *dy,
                             dc_tensor *dx, dc_tensor *dw, dc_tensor *db, float scale)
{
    const char *op = "linear_backward";
    int64_t N, in, out;
    DC_TRY(check(x, w, NULL, op, &N, &in, &out));
    int64_t ys[2] = {N, out}, bs[1] = {out};
    DC_TRY(dc_arg_f32_shape(dy, 2, ys, op, "dy"));
    if (dw) DC_TRY(dc_arg_f32_shape(dw, 2, w->shape, op, "grad_weight"));
    if (db) DC_TRY(dc_arg_f32_shape(db, 1, bs, op, "grad_bias"));
    if (dx) DC_TRY(dc_arg_out(dx, DC_F32, 2, x->shape, op, "dx"));
    const float *dyp = dc_tensor_data(dy);
    if (dx && N > 0 && in > 0) {
        if (out > 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)N, (int)in, (int)out, 1.0f,
                        dyp, (int)out, dc_tensor_data(w), (int)in, 0.0f, dc_tensor_data(dx),
                        (int)in);
        else
            memset(dc_tensor_data(dx), 0, (size_t)(N * in) * sizeof(float));
    }
    if (dw && N > 0 && out > 0 && in > 0)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)N, scale, dyp,
                    (int)out, dc_tensor_data(x), (int)in, 1.0f, dc_tensor_data(dw), (int)in);
    if (db) {
        float *dbp = dc_tensor_data(db);
        for (int64_t n = 0; n < N; n++)
            for (int64_t o = 0; o < out; o++) dbp[o] += scale * dyp[n * out + o];
    }
    return DC_OK;
}
