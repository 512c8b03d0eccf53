/* Batch normalisation (see batchnorm.h). Data is seen as [N, C, S] (S = H*W, or 1): N*C
 * rows of S values, channel c owning rows n*C + c.
 *
 * Every pass walks the rows in memory order (a loop per channel jumps C*S values from row to
 * row: on 7x7 maps that made the pass 10x slower than a copy). The per-channel sums are made
 * over NBLK fixed blocks of images in parallel, then added block after block, so results do
 * not depend on the thread count.
 *
 * Backward (training), with xhat = (x - mean) * invstd and M = N*S values per channel:
 *   dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat))
 * and in evaluation, where the statistics are constants: dx = gamma * invstd * dy. */
#include "batchnorm.h"

#include <math.h>
#include <stdlib.h>

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 32768
/* Sums over a channel run in float lanes (vectorised: a double or a serial float sum waits
 * on each add's latency, which made these loops 3-5x slower than a pass over memory) over
 * chunks of CHUNK values, the chunks added in double, so a lane's float sum never holds
 * more than CHUNK / 8 terms. */
#define CHUNK 512
#define NBLK 16

/* s[0] += sum(x - k), s[1] += sum((x - k)^2) over x[0..n). */
static void shifted_sums(const float *x, int64_t n, float k, double s[2])
{
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) {
        const int64_t i1 = i0 + CHUNK < n ? i0 + CHUNK : n;
        float p1 = 0, p2 = 0;
#pragma omp simd reduction(+ : p1, p2)
        for (int64_t i = i0; i < i1; i++) {
            const float v = x[i] - k;
            p1 += v;
            p2 += v * v;
        }
        s[0] += p1;
        s[1] += p2;
    }
}

/* The gradient reaching the BatchNorm at j: dy, zero where the fused ReLU cut (y <= 0).
 * Inlined with relu a constant, so each loop is compiled without the test. */
static inline float grad_at(bool relu, const float *y, const float *dy, int64_t j)
{
    return relu && y[j] <= 0.0f ? 0.0f : dy[j];
}

/* s[0] += sum(g), s[1] += sum(g * (x - mean)) over [0..n), g = grad_at. */
static inline void grad_sums(bool relu, const float *y, const float *dy, const float *x, int64_t n,
                             float mean, double s[2])
{
    for (int64_t i0 = 0; i0 < n; i0 += CHUNK) {
        const int64_t i1 = i0 + CHUNK < n ? i0 + CHUNK : n;
        float p1 = 0, p2 = 0;
#pragma omp simd reduction(+ : p1, p2)
        for (int64_t i = i0; i < i1; i++) {
            const float g = grad_at(relu, y, dy, i);
            p1 += g;
            p2 += g * (x[i] - mean);
        }
        s[0] += p1;
        s[1] += p2;
    }
}

/* dx[0..n) = k * (g - m_dy - (x - mean) * m_x), g = grad_at. */
static inline void grad_input(bool relu, const float *y, const float *dy, const float *x, int64_t n,
                              float k, float m_dy, float mean, float m_x, float *dx)
{
#pragma omp simd
    for (int64_t i = 0; i < n; i++) dx[i] = k * (grad_at(relu, y, dy, i) - m_dy - (x[i] - mean) * m_x);
}

void dc_batchnorm_cfg_init(dc_batchnorm_cfg *cfg)
{
    *cfg = (dc_batchnorm_cfg){1e-5, 0.1, true, false};
}

dc_status dc_batchnorm_cfg_check(const dc_batchnorm_cfg *cfg, const char *op)
{
    DC_CHECK(cfg->eps > 0, DC_ERR_ARG, "%s: eps must be > 0, got %g", op, cfg->eps);
    DC_CHECK(cfg->momentum >= 0 && cfg->momentum <= 1, DC_ERR_ARG,
             "%s: momentum must be in [0, 1], got %g", op, cfg->momentum);
    return DC_OK;
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
    DC_TRY(dc_batchnorm_cfg_check(cfg, op));
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
    const int64_t B = N < NBLK ? N : NBLK;
    /* per block and channel 2 sums, then per channel y = x * a + b */
    double *sums = training ? calloc((size_t)(B * C * 2), sizeof(double)) : NULL;
    float *ab = malloc((size_t)(2 * C) * sizeof(float));
    if ((training && !sums) || !ab) {
        free(sums);
        free(ab);
        return dc_fail(DC_ERR_NOMEM, "%s: out of memory for %lld channels' sums", op, (long long)C);
    }
    if (training) {
        /* shifted sums (k: the channel's first value): exact enough even when |mean| >> std */
#pragma omp parallel for schedule(static) if (dc_par(N * C * S, PAR_MIN))
        for (int64_t b = 0; b < B; b++)
            for (int64_t n = N * b / B; n < N * (b + 1) / B; n++)
                for (int64_t c = 0; c < C; c++)
                    shifted_sums(xp + (n * C + c) * S, S, xp[c * S], sums + (b * C + c) * 2);
    }
    for (int64_t c = 0; c < C; c++) {
        double mean, invstd;
        if (training) {
            double s1 = 0, s2 = 0;
            for (int64_t b = 0; b < B; b++) s1 += sums[(b * C + c) * 2], s2 += sums[(b * C + c) * 2 + 1];
            double m1 = s1 / (double)M, var = s2 / (double)M - m1 * m1;
            if (var < 0) var = 0;
            mean = xp[c * S] + m1;
            invstd = 1.0 / sqrt(var + eps);
            rm[c] = (float)((1 - mom) * rm[c] + mom * mean);
            rv[c] = (float)((1 - mom) * rv[c] + mom * var * (double)M / (double)(M - 1));
        } else {
            mean = rm[c];
            invstd = 1.0 / sqrt((double)rv[c] + eps);
        }
        sm[c] = (float)mean;
        si[c] = (float)invstd;
        ab[2 * c] = (float)(gp[c] * invstd), ab[2 * c + 1] = (float)(bp[c] - mean * gp[c] * invstd);
    }
#pragma omp parallel for schedule(static) if (dc_par(N * C * S, PAR_MIN))
    for (int64_t r = 0; r < N * C; r++) {
        const float *src = xp + r * S;
        float *dst = yp + r * S;
        const float a_ = ab[2 * (r % C)], b_ = ab[2 * (r % C) + 1];
        if (relu)
            for (int64_t i = 0; i < S; i++) {
                float v = src[i] * a_ + b_;
                dst[i] = v < 0.0f ? 0.0f : v; /* NaN passes, as in PyTorch */
            }
        else
            for (int64_t i = 0; i < S; i++) dst[i] = src[i] * a_ + b_;
    }
    free(sums);
    free(ab);
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
    const bool training = cfg->training, relu = cfg->relu, need_sums = training || dgp || dbp;
    const int64_t B = N < NBLK ? N : NBLK;
    /* per block and channel sum(g), sum(g * (x - mean)); then per channel the dx coefficients */
    double *sums = need_sums ? calloc((size_t)(B * C * 2), sizeof(double)) : NULL;
    float *coef = dxp ? malloc((size_t)(3 * C) * sizeof(float)) : NULL;
    if ((need_sums && !sums) || (dxp && !coef)) {
        free(sums);
        free(coef);
        return dc_fail(DC_ERR_NOMEM, "%s: out of memory for %lld channels' sums", op, (long long)C);
    }
    if (need_sums) {
#pragma omp parallel for schedule(static) if (dc_par(N * C * S, PAR_MIN))
        for (int64_t b = 0; b < B; b++)
            for (int64_t n = N * b / B; n < N * (b + 1) / B; n++)
                for (int64_t c = 0; c < C; c++) {
                    const int64_t o = (n * C + c) * S;
                    double *s = sums + (b * C + c) * 2;
                    if (relu)
                        grad_sums(true, yp + o, dyp + o, xp + o, S, sm[c], s);
                    else
                        grad_sums(false, NULL, dyp + o, xp + o, S, sm[c], s);
                }
    }
    for (int64_t c = 0; c < C; c++) {
        const float invstd = si[c];
        double sdy = 0, sdyx = 0; /* sum(dy), sum(dy * (x - mean)) */
        for (int64_t b = 0; b < B && need_sums; b++)
            sdy += sums[(b * C + c) * 2], sdyx += sums[(b * C + c) * 2 + 1];
        if (dgp) dgp[c] += scale * (float)(sdyx * invstd);
        if (dbp) dbp[c] += scale * (float)sdy;
        if (!dxp) continue;
        /* training: dx = k * (dy - sdy/M - (x - mean) * invstd^2 * sdyx/M) */
        coef[3 * c] = gp[c] * invstd;
        coef[3 * c + 1] = training ? (float)(sdy / (double)M) : 0.0f;
        coef[3 * c + 2] = training ? (float)(sdyx / (double)M * invstd * invstd) : 0.0f;
    }
    if (dxp) {
#pragma omp parallel for schedule(static) if (dc_par(N * C * S, PAR_MIN))
        for (int64_t r = 0; r < N * C; r++) {
            const int64_t c = r % C, o = r * S;
            const float *k = coef + 3 * c;
            if (relu)
                grad_input(true, yp + o, dyp + o, xp + o, S, k[0], k[1], sm[c], k[2], dxp + o);
            else
                grad_input(false, NULL, dyp + o, xp + o, S, k[0], k[1], sm[c], k[2], dxp + o);
        }
    }
    free(sums);
    free(coef);
    return DC_OK;
}
