/* SwAV's swapped-prediction loss (see swav_loss.h). Each (view, image) row of scores is
 * independent: its softmax is computed once, shifted by the row maximum, and every code of
 * another view of the same image is scored against its log. */
#include "swav_loss.h"

#include <math.h>

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 32768

/* Checks the arguments shared by forward and backward; x is scores or prob [V, B, K]. */
static dc_status check_args(const dc_tensor *x, const char *xname, const dc_tensor *codes,
                            const dc_tensor *code_views, dc_swav_views vw, double temperature,
                            const char *op)
{
    char a[128];
    DC_TRY(dc_arg_f32(x, 3, op, xname, "[V, B, K]"));
    const int64_t Vs = x->shape[0], B = x->shape[1], K = x->shape[2];
    const int64_t V = vw.n_views, base = vw.base;
    DC_CHECK(V >= 2, DC_ERR_ARG, "%s: %lld view(s) in all; the swapped prediction needs at "
             "least 2", op, (long long)V);
    DC_CHECK(vw.first_view >= base && vw.first_view + Vs <= base + V, DC_ERR_SHAPE,
             "%s: %s holds views %lld..%lld, outside the %lld views (%lld..%lld)", op, xname,
             (long long)vw.first_view, (long long)(vw.first_view + Vs - 1), (long long)V,
             (long long)base, (long long)(base + V - 1));
    DC_TRY(dc_arg_f32(codes, 3, op, "codes", "[A, B, K]"));
    const int64_t A = codes->shape[0];
    DC_CHECK(A >= 1 && codes->shape[1] == B && codes->shape[2] == K, DC_ERR_SHAPE,
             "%s: codes must be float32 [A, %lld, %lld] (A >= 1: one code per image and "
             "prototype), got %s", op, (long long)B, (long long)K,
             dc_tensor_describe(codes, a, sizeof a));
    DC_CHECK(code_views && code_views->storage && code_views->dtype == DC_I64 &&
                 code_views->ndim == 1 && code_views->shape[0] == A &&
                 dc_tensor_is_contiguous(code_views),
             DC_ERR_SHAPE, "%s: code_views must be contiguous int64 [%lld] (the view of each "
             "code), got %s", op, (long long)A, dc_tensor_describe(code_views, a, sizeof a));
    DC_CHECK(temperature > 0 && isfinite(temperature), DC_ERR_ARG,
             "%s: temperature must be a positive number, got %g", op, temperature);
    const int64_t *cv = dc_tensor_data(code_views);
    for (int64_t i = 0; i < A; i++) {
        DC_CHECK(cv[i] >= base && cv[i] < base + V, DC_ERR_INDEX,
                 "%s: code_views[%lld] = %lld is not a view (%lld..%lld)", op,
                 (long long)(i + base), (long long)cv[i], (long long)base,
                 (long long)(base + V - 1));
        for (int64_t j = 0; j < i; j++)
            DC_CHECK(cv[j] != cv[i], DC_ERR_ARG, "%s: view %lld has two codes (code_views "
                     "must be distinct)", op, (long long)cv[i]);
    }
    return DC_OK;
}

dc_status dc_swav_loss_forward(const dc_tensor *scores, const dc_tensor *codes,
                               const dc_tensor *code_views, dc_swav_views vw,
                               double temperature, dc_tensor *prob, double *loss)
{
    const char *op = "swav_loss_forward";
    DC_TRY(check_args(scores, "scores", codes, code_views, vw, temperature, op));
    DC_TRY(dc_arg_out(prob, DC_F32, 3, scores->shape, op, "prob"));
    const int64_t Vs = scores->shape[0], B = scores->shape[1], K = scores->shape[2];
    const int64_t V = vw.n_views, own = vw.first_view; /* code view id of scores' row block 0 */
    const int64_t A = codes->shape[0];
    const float *z = dc_tensor_data(scores), *q = dc_tensor_data(codes);
    const int64_t *cv = dc_tensor_data(code_views);
    float *p = dc_tensor_data(prob);
    const double inv_t = 1.0 / temperature;
    double total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total) if (dc_par(Vs * B * K, PAR_MIN))
    for (int64_t r = 0; r < Vs * B; r++) {
        const int64_t v = r / B, b = r % B;
        const float *zr = z + r * K;
        float *pr = p + r * K;
        double m = -INFINITY, s = 0;
        for (int64_t k = 0; k < K; k++) m = fmax(m, zr[k] * inv_t);
        for (int64_t k = 0; k < K; k++) s += exp(zr[k] * inv_t - m);
        const double lse = m + log(s);
        for (int64_t k = 0; k < K; k++) pr[k] = (float)exp(zr[k] * inv_t - lse);
        for (int64_t a = 0; a < A; a++) {
            if (cv[a] - own == v) continue; /* a view never predicts its own code */
            const float *qr = q + (a * B + b) * K;
            for (int64_t k = 0; k < K; k++) total -= qr[k] * (zr[k] * inv_t - lse);
        }
    }
    /* every code is predicted by the V - 1 other views */
    *loss = B > 0 ? total / ((double)A * (double)(V - 1) * (double)B) : 0.0;
    return DC_OK;
}

dc_status dc_swav_loss_backward(const dc_tensor *prob, const dc_tensor *codes,
                                const dc_tensor *code_views, dc_swav_views vw,
                                double temperature, double dloss, dc_tensor *dscores)
{
    const char *op = "swav_loss_backward";
    DC_TRY(check_args(prob, "prob", codes, code_views, vw, temperature, op));
    DC_TRY(dc_arg_out(dscores, DC_F32, 3, prob->shape, op, "dscores"));
    const int64_t Vs = prob->shape[0], B = prob->shape[1], K = prob->shape[2];
    const int64_t V = vw.n_views, own = vw.first_view;
    const int64_t A = codes->shape[0];
    const float *p = dc_tensor_data(prob), *q = dc_tensor_data(codes);
    const int64_t *cv = dc_tensor_data(code_views);
    float *g = dc_tensor_data(dscores);
    const double scale = B > 0 ? dloss / ((double)A * (double)(V - 1) * (double)B * temperature)
                               : 0.0;
#pragma omp parallel for schedule(static) if (dc_par(Vs * B * K, PAR_MIN))
    for (int64_t r = 0; r < Vs * B; r++) {
        const int64_t v = r / B, b = r % B;
        const float *pr = p + r * K;
        float *gr = g + r * K;
        /* the codes that this row predicts, and their total mass: the gradient is
         * sum_a (mass_a p - q_a), read before gr is written (gr may be pr) */
        double mass = 0;
        for (int64_t a = 0; a < A; a++) {
            if (cv[a] - own == v) continue;
            const float *qr = q + (a * B + b) * K;
            for (int64_t k = 0; k < K; k++) mass += qr[k];
        }
        for (int64_t k = 0; k < K; k++) {
            double d = mass * pr[k];
            for (int64_t a = 0; a < A; a++)
                if (cv[a] - own != v) d -= q[(a * B + b) * K + k];
            gr[k] = (float)(scale * d);
        }
    }
    return DC_OK;
}
