/* Batch normalisation (see batchnorm.h). Data is seen as [N, C, S] (S = H*W, or 1); each
 * channel is independent, so the loops run one channel per iteration, in parallel.
 *
 * Backward (training), with xhat = (x - mean) * invstd and M = N*S values per channel:
 *   dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))
 * and in evaluation, where the statistics are constants: dx = gamma * invstd * dy. */
#include "batchnorm.h"

#include <math.h>

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 32768

void dc_batchnorm_cfg_init(dc_batchnorm_cfg *cfg)
{
    *cfg = (dc_batchnorm_cfg){1e-5, 0.1, true, false};
}

typedef struct dims {
    int64_t N, C, S, M;
} dims;

static dc_status check_input(const dc_tensor *x, const char *op, dims *d)
{
    char a[128];
    DC_CHECK(x && x->storage, DC_ERR_STATE, "%s: x is a released tensor", op);
    DC_CHECK(x->ndim == 2 || x->ndim == 4, DC_ERR_SHAPE,
             "%s: x must be [N, C] or [N, C, H, W], got %s", op, dc_tensor_describe(x, a, sizeof a));
    DC_TRY(dc_arg_f32(x, x->ndim, op, "x", "[N, C, ...]"));
    d->N = x->shape[0], d->C = x->shape[1];
    d->S = x->ndim == 4 ? x->shape[2] * x->shape[3] : 1;
    d->M = d->N * d->S;
    return DC_OK;
}

static dc_status check_vec(const dc_tensor *t, const dims *d, const char *op, const char *name)
{
    int64_t cs[1] = {d->C};
    return dc_arg_f32_shape(t, 1, cs, op, name);
}

dc_status dc_batchnorm_forward(const dc_batchnorm_cfg *cfg, const dc_tensor *x,
                               const dc_tensor *gamma, const dc_tensor *beta,
                               dc_tensor *running_mean, dc_tensor *running_var, dc_tensor *y,
                               dc_tensor *save_mean, dc_tensor *save_invstd)
{
    const char *op = "batchnorm_forward";
    dims d = {0};
    char a[128];
    DC_TRY(check_input(x, op, &d));
    DC_CHECK(cfg->eps > 0 && cfg->momentum >= 0 && cfg->momentum <= 1, DC_ERR_ARG,
             "%s: eps must be > 0 and momentum in [0, 1], got eps %g momentum %g", op, cfg->eps,
             cfg->momentum);
    DC_TRY(check_vec(gamma, &d, op, "weight"));
    DC_TRY(check_vec(beta, &d, op, "bias"));
    DC_TRY(check_vec(running_mean, &d, op, "running_mean"));
    DC_TRY(check_vec(running_var, &d, op, "running_var"));
    DC_CHECK(!cfg->training || d.M > 1, DC_ERR_SHAPE,
             "%s: training needs more than one value per channel, got x %s (hint: call "
             ":evaluate() for single samples)", op, dc_tensor_describe(x, a, sizeof a));
    int64_t cs[1] = {d.C};
    DC_TRY(dc_arg_out(y, DC_F32, x->ndim, x->shape, op, "y"));
    DC_TRY(dc_arg_out(save_mean, DC_F32, 1, cs, op, "save_mean"));
    DC_TRY(dc_arg_out(save_invstd, DC_F32, 1, cs, op, "save_invstd"));

    const float *xp = dc_tensor_data(x), *gp = dc_tensor_data(gamma), *bp = dc_tensor_data(beta);
    float *rm = dc_tensor_data(running_mean), *rv = dc_tensor_data(running_var);
    float *yp = dc_tensor_data(y), *sm = dc_tensor_data(save_mean), *si = dc_tensor_data(save_invstd);
    const int64_t N = d.N, C = d.C, S = d.S, M = d.M;
    const bool training = cfg->training, relu = cfg->relu;
    const double eps = cfg->eps, mom = cfg->momentum;
#pragma omp parallel for schedule(static) if (dc_par(N * C * S, PAR_MIN))
    for (int64_t c = 0; c < C; c++) {
        double mean, invstd;
        if (training) {
            /* shifted sums: exact enough in double even when |mean| >> std */
            double k = xp[c * S], s1 = 0, s2 = 0;
            for (int64_t n = 0; n < N; n++) {
                const float *src = xp + (n * C + c) * S;
                for (int64_t i = 0; i < S; i++) {
                    double v = src[i] - k;
                    s1 += v;
                    s2 += v * v;
                }
            }
            double m1 = s1 / (double)M, var = s2 / (double)M - m1 * m1;
            if (var < 0) var = 0;
            mean = k + m1;
            invstd = 1.0 / sqrt(var + eps);
            rm[c] = (float)((1 - mom) * rm[c] + mom * mean);
            rv[c] = (float)((1 - mom) * rv[c] + mom * var * (double)M / (double)(M - 1));
        } else {
            mean = rm[c];
            invstd = 1.0 / sqrt((double)rv[c] + eps);
        }
        sm[c] = (float)mean;
        si[c] = (float)invstd;
        /* y = x * a + b */
        float a_ = (float)(gp[c] * invstd), b_ = (float)(bp[c] - mean * gp[c] * invstd);
        for (int64_t n = 0; n < N; n++) {
            const float *src = xp + (n * C + c) * S;
            float *dst = yp + (n * C + c) * S;
            if (relu)
                for (int64_t i = 0; i < S; i++) {
                    float v = src[i] * a_ + b_;
                    dst[i] = v < 0.0f ? 0.0f : v; /* NaN passes, as in PyTorch */
                }
            else
                for (int64_t i = 0; i < S; i++) dst[i] = src[i] * a_ + b_;
        }
    }
    return DC_OK;
}

dc_status dc_batchnorm_backward(const dc_batchnorm_cfg *cfg, const dc_tensor *x,
                                const dc_tensor *y, const dc_tensor *dy, const dc_tensor *gamma,
                                const dc_tensor *save_mean, const dc_tensor *save_invstd,
                                dc_tensor *dx, dc_tensor *dgamma, dc_tensor *dbeta, float scale)
{
    const char *op = "batchnorm_backward";
    dims d = {0};
    DC_TRY(check_input(x, op, &d));
    DC_TRY(dc_arg_f32_shape(dy, x->ndim, x->shape, op, "dy"));
    DC_CHECK(!cfg->relu || y, DC_ERR_ARG, "%s: the fused ReLU needs the forward output y", op);
    if (cfg->relu) DC_TRY(dc_arg_f32_shape(y, x->ndim, x->shape, op, "y"));
    DC_TRY(check_vec(gamma, &d, op, "weight"));
    DC_TRY(check_vec(save_mean, &d, op, "save_mean"));
    DC_TRY(check_vec(save_invstd, &d, op, "save_invstd"));
    if (dgamma) DC_TRY(check_vec(dgamma, &d, op, "grad_weight"));
    if (dbeta) DC_TRY(check_vec(dbeta, &d, op, "grad_bias"));
    if (dx) DC_TRY(dc_arg_out(dx, DC_F32, x->ndim, x->shape, op, "dx"));

    const float *xp = dc_tensor_data(x), *dyp = dc_tensor_data(dy), *gp = dc_tensor_data(gamma);
    const float *yp = cfg->relu ? dc_tensor_data(y) : NULL;
    const float *sm = dc_tensor_data(save_mean), *si = dc_tensor_data(save_invstd);
    float *dxp = dx ? dc_tensor_data(dx) : NULL;
    float *dgp = dgamma ? dc_tensor_data(dgamma) : NULL, *dbp = dbeta ? dc_tensor_data(dbeta) : NULL;
    const int64_t N = d.N, C = d.C, S = d.S, M = d.M;
    const bool training = cfg->training;
#pragma omp parallel for schedule(static) if (dc_par(N * C * S, PAR_MIN))
    for (int64_t c = 0; c < C; c++) {
        const float mean = sm[c], invstd = si[c];
        double sdy = 0, sdyx = 0; /* sum(dy), sum(dy * (x - mean)) */
        if (training || dgp || dbp)
            for (int64_t n = 0; n < N; n++) {
                const int64_t o = (n * C + c) * S;
                float p1 = 0, p2 = 0;
                for (int64_t i = 0; i < S; i++) {
                    float g = yp && yp[o + i] <= 0.0f ? 0.0f : dyp[o + i];
                    p1 += g;
                    p2 += g * (xp[o + i] - mean);
                }
                sdy += p1;
                sdyx += p2;
            }
        if (dgp) dgp[c] += scale * (float)(sdyx * invstd);
        if (dbp) dbp[c] += scale * (float)sdy;
        if (!dxp) continue;
        const float k = gp[c] * invstd;
        /* training: dx = k * (dy - sdy/M - (x - mean) * invstd^2 * sdyx/M) */
        const float m_dy = training ? (float)(sdy / (double)M) : 0.0f;
        const float m_x = training ? (float)(sdyx / (double)M * invstd * invstd) : 0.0f;
        for (int64_t n = 0; n < N; n++) {
            const int64_t o = (n * C + c) * S;
            for (int64_t i = 0; i < S; i++) {
                float g = yp && yp[o + i] <= 0.0f ? 0.0f : dyp[o + i];
                dxp[o + i] = k * (g - m_dy - (xp[o + i] - mean) * m_x);
            }
        }
    }
    return DC_OK;
}
