/* Softmax family and cross-entropy (see softmax_xent.h). Rows are independent; each is
 * shifted by its maximum before exp so large logits do not overflow. */
#include "softmax_xent.h"

#include <math.h>

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 32768

static dc_status check_rows(const dc_tensor *x, const char *op, const char *name)
{
    return dc_arg_f32(x, 2, op, name, "[N, D]");
}

/* y = softmax(x) or log_softmax(x), row by row. */
static void softmax_rows(const float *x, float *y, int64_t N, int64_t D, bool log_)
{
#pragma omp parallel for schedule(static) if (dc_par(N * D, PAR_MIN))
    for (int64_t n = 0; n < N; n++) {
        const float *r = x + n * D;
        float *o = y + n * D;
        float m = -INFINITY;
        for (int64_t d = 0; d < D; d++) m = r[d] > m ? r[d] : m;
        double s = 0;
        for (int64_t d = 0; d < D; d++) s += exp((double)(r[d] - m));
        if (log_) {
            float lse = m + (float)log(s);
            for (int64_t d = 0; d < D; d++) o[d] = r[d] - lse;
        } else {
            float inv = (float)(1.0 / s);
            for (int64_t d = 0; d < D; d++) o[d] = expf(r[d] - m) * inv;
        }
    }
}

static dc_status forward(const dc_tensor *x, dc_tensor *y, bool log_, const char *op)
{
    DC_TRY(check_rows(x, op, "x"));
    DC_TRY(dc_arg_out(y, DC_F32, 2, x->shape, op, "y"));
    softmax_rows(dc_tensor_data(x), dc_tensor_data(y), x->shape[0], x->shape[1], log_);
    return DC_OK;
}

dc_status dc_softmax_forward(const dc_tensor *x, dc_tensor *y)
{
    return forward(x, y, false, "softmax_forward");
}

dc_status dc_log_softmax_forward(const dc_tensor *x, dc_tensor *y)
{
    return forward(x, y, true, "log_softmax_forward");
}

static dc_status backward(const dc_tensor *y, const dc_tensor *dy, dc_tensor *dx, bool log_,
                          const char *op)
{
    DC_TRY(check_rows(y, op, "y"));
    DC_TRY(dc_arg_f32_shape(dy, 2, y->shape, op, "dy"));
    DC_TRY(dc_arg_out(dx, DC_F32, 2, y->shape, op, "dx"));
    const int64_t N = y->shape[0], D = y->shape[1];
    const float *yp = dc_tensor_data(y), *dyp = dc_tensor_data(dy);
    float *dxp = dc_tensor_data(dx);
#pragma omp parallel for schedule(static) if (dc_par(N * D, PAR_MIN))
    for (int64_t n = 0; n < N; n++) {
        const float *yr = yp + n * D, *g = dyp + n * D;
        float *o = dxp + n * D;
        double s = 0;
        for (int64_t d = 0; d < D; d++) s += log_ ? g[d] : g[d] * yr[d];
        float sf = (float)s;
        if (log_)
            for (int64_t d = 0; d < D; d++) o[d] = g[d] - expf(yr[d]) * sf;
        else
            for (int64_t d = 0; d < D; d++) o[d] = yr[d] * (g[d] - sf);
    }
    return DC_OK;
}

dc_status dc_softmax_backward(const dc_tensor *y, const dc_tensor *dy, dc_tensor *dx)
{
    return backward(y, dy, dx, false, "softmax_backward");
}

dc_status dc_log_softmax_backward(const dc_tensor *y, const dc_tensor *dy, dc_tensor *dx)
{
    return backward(y, dy, dx, true, "log_softmax_backward");
}

/* Checks target and weight against [N, k] and returns sum of w[t_n] in *wsum. */
static dc_status check_targets(const dc_tensor *scores, const dc_tensor *target, int64_t base,
                               const dc_tensor *weight, const char *op, double *wsum)
{
    char a[128];
    const int64_t N = scores->shape[0], k = scores->shape[1];
    DC_CHECK(target && target->storage && target->dtype == DC_I64 && target->ndim == 1 &&
                 target->shape[0] == N && dc_tensor_is_contiguous(target),
             DC_ERR_SHAPE, "%s: target must be contiguous int64 [%lld] (one label per row), got %s",
             op, (long long)N, dc_tensor_describe(target, a, sizeof a));
    int64_t ks[1] = {k};
    if (weight) DC_TRY(dc_arg_f32_shape(weight, 1, ks, op, "weight"));
    const int64_t *t = dc_tensor_data(target);
    const float *w = weight ? dc_tensor_data(weight) : NULL;
    double s = 0;
    for (int64_t n = 0; n < N; n++) {
        int64_t c = t[n] - base;
        DC_CHECK(c >= 0 && c < k, DC_ERR_INDEX,
                 "%s: target %lld of row %lld is out of range %lld..%lld (%lld classes)", op,
                 (long long)t[n], (long long)(n + base), (long long)base,
                 (long long)(base + k - 1), (long long)k);
        s += w ? w[c] : 1.0;
    }
    DC_CHECK(N == 0 || s != 0, DC_ERR_ARG, "%s: the weights of the batch's targets sum to 0", op);
    *wsum = s;
    return DC_OK;
}

dc_status dc_xent_forward(const dc_tensor *logits, const dc_tensor *target, int64_t base,
                          const dc_tensor *weight, dc_tensor *prob, double *loss)
{
    const char *op = "cross_entropy_forward";
    double wsum;
    DC_TRY(check_rows(logits, op, "input"));
    DC_TRY(check_targets(logits, target, base, weight, op, &wsum));
    DC_TRY(dc_arg_out(prob, DC_F32, 2, logits->shape, op, "prob"));
    const int64_t N = logits->shape[0], k = logits->shape[1];
    const float *x = dc_tensor_data(logits), *w = weight ? dc_tensor_data(weight) : NULL;
    const int64_t *t = dc_tensor_data(target);
    float *p = dc_tensor_data(prob);
    double total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total) if (dc_par(N * k, PAR_MIN))
    for (int64_t n = 0; n < N; n++) {
        const float *r = x + n * k;
        float *o = p + n * k;
        float m = -INFINITY;
        for (int64_t d = 0; d < k; d++) m = r[d] > m ? r[d] : m;
        double s = 0;
        for (int64_t d = 0; d < k; d++) s += exp((double)(r[d] - m));
        float inv = (float)(1.0 / s);
        for (int64_t d = 0; d < k; d++) o[d] = expf(r[d] - m) * inv;
        int64_t c = t[n] - base;
        double nll = (double)m + log(s) - (double)r[c]; /* -log softmax(x)[c] */
        total += (w ? w[c] : 1.0) * nll;
    }
    *loss = N > 0 ? total / wsum : 0.0;
    return DC_OK;
}

dc_status dc_xent_backward(const dc_tensor *prob, const dc_tensor *target, int64_t base,
                           const dc_tensor *weight, double dloss, dc_tensor *dlogits)
{
    const char *op = "cross_entropy_backward";
    double wsum;
    DC_TRY(check_rows(prob, op, "prob"));
    DC_TRY(check_targets(prob, target, base, weight, op, &wsum));
    DC_TRY(dc_arg_out(dlogits, DC_F32, 2, prob->shape, op, "dx"));
    const int64_t N = prob->shape[0], k = prob->shape[1];
    const float *p = dc_tensor_data(prob), *w = weight ? dc_tensor_data(weight) : NULL;
    const int64_t *t = dc_tensor_data(target);
    float *g = dc_tensor_data(dlogits);
#pragma omp parallel for schedule(static) if (dc_par(N * k, PAR_MIN))
    for (int64_t n = 0; n < N; n++) {
        int64_t c = t[n] - base;
        float s = (float)(dloss * (w ? w[c] : 1.0) / wsum);
        for (int64_t d = 0; d < k; d++) g[n * k + d] = s * p[n * k + d];
        g[n * k + c] -= s;
    }
    return DC_OK;
}
