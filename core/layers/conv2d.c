/* 2-D convolution by chunked-batch im2col + sgemm (see conv2d.h).
 *
 * Layout of the columns of a chunk of nb images: col[r][b*HW + p], r = (c*kh + i)*kw + j the
 * row of kernel tap (c, i, j), p = oh*Wo + ow the output pixel. Then for the chunk
 *   forward:  Y'[O][nb*HW]  = W[O][K] . col[K][nb*HW]       (then Y' -> NCHW, + bias)
 *   dw:       dW[O][K]     += dY'[O][nb*HW] . col^T
 *   dx:       dcol[K][nb*HW] = W^T . dY'                    (then col2im, the adjoint)
 * with Y' the output in [O][N][HW] order. A chunk of one image needs no reordering: its
 * NCHW slice is already [O][HW]. Layers that Winograd serves (winograd_tile) hand the
 * forward pass and the input gradient to winograd.c; the weight gradient stays here. */
#include "conv2d.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../args.h"
#include "../cpu.h"
#include "../parallel.h"
#include "conv2d_dnnl.h"
#include "scratch.h"
#include "winograd.h"

/* Bytes of im2col columns per chunk: bounds the workspace (AlexNet conv2 at batch 32 would
 * need 224 MiB at once) while keeping GEMMs thousands of columns wide. */
#define COL_BUDGET ((int64_t)32 << 20)
/* Element count below which a loop is not worth spreading over threads. */
#define PAR_MIN 32768

typedef struct geom {
    int64_t N, C, H, W; /* input */
    int64_t O, Ho, Wo;  /* output */
    int64_t HW, K;      /* output pixels per image, kernel taps = C*kh*kw */
} geom;

static bool winograd_fits(const dc_conv2d_cfg *c)
{
    return c->kh == 3 && c->kw == 3 && c->sh == 1 && c->sw == 1 && c->ph <= 2 && c->pw <= 2;
}

void dc_conv2d_cfg_init(dc_conv2d_cfg *cfg, int in_ch, int out_ch, int k)
{
    *cfg = (dc_conv2d_cfg){in_ch, out_ch, k, k, 1, 1, 0, 0, true, DC_CONV_AUTO, false};
}

dc_status dc_conv2d_cfg_check(const dc_conv2d_cfg *c, const char *op)
{
    DC_CHECK(c->in_ch > 0 && c->out_ch > 0, DC_ERR_ARG,
             "%s: channels must be positive, got %d -> %d", op, c->in_ch, c->out_ch);
    DC_CHECK(c->kh > 0 && c->kw > 0, DC_ERR_ARG, "%s: kernel size must be positive, got %dx%d", op,
             c->kh, c->kw);
    DC_CHECK(c->sh > 0 && c->sw > 0, DC_ERR_ARG, "%s: stride must be positive, got %dx%d", op,
             c->sh, c->sw);
    DC_CHECK(c->ph >= 0 && c->pw >= 0, DC_ERR_ARG, "%s: padding must be >= 0, got %dx%d", op, c->ph,
             c->pw);
    DC_CHECK(c->algo >= DC_CONV_AUTO && c->algo <= DC_CONV_ONEDNN, DC_ERR_ARG,
             "%s: unknown algorithm %d", op, (int)c->algo);
    DC_CHECK((c->algo != DC_CONV_WINOGRAD2 && c->algo != DC_CONV_WINOGRAD4) || winograd_fits(c),
             DC_ERR_ARG,
             "%s: Winograd needs a 3x3 kernel, stride 1 and padding <= 2, got %dx%d stride "
             "%dx%d pad %dx%d", op, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw);
    DC_CHECK(!c->bf16 || c->algo == DC_CONV_AUTO || c->algo == DC_CONV_ONEDNN, DC_ERR_ARG,
             "%s: bf16 runs only through oneDNN (algo 'auto' or 'onednn')", op);
    if (c->bf16) DC_TRY(dc_cpu_require_bf16(op));
    return DC_OK;
}

/* The Winograd tile size (2 or 4) for a layer with these channel counts (in, out of the
 * convolution computed) and output map, or 0 for im2col. */
static int winograd_tile(const dc_conv2d_cfg *c, int64_t in, int64_t out, int64_t Ho, int64_t Wo)
{
    if (c->algo == DC_CONV_WINOGRAD2) return 2;
    if (c->algo == DC_CONV_WINOGRAD4) return 4;
    if (c->algo != DC_CONV_AUTO || !winograd_fits(c) || in < 16 || out < 16) return 0;
    int64_t c2 = dc_winograd_cost(2, Ho, Wo), c4 = dc_winograd_cost(4, Ho, Wo);
    int m = c4 < c2 ? 4 : 2;
    return (m == 4 ? c4 : c2) * 10 <= 9 * Ho * Wo * 6 ? m : 0;
}

/* Whether oneDNN computes this layer (every pass). */
static bool use_dnnl(const dc_conv2d_cfg *c, int64_t H, int64_t W)
{
    if (c->algo == DC_CONV_ONEDNN || c->bf16) return true;
    return c->algo == DC_CONV_AUTO && dc_cpu_get()->avx512f && dc_conv2d_dnnl_fits(c, H, W);
}

bool dc_conv2d_chains(const dc_conv2d_cfg *c)
{
    const bool any_map = c->ph >= c->sh - 1 && c->pw >= c->sw - 1;
    return c->bf16 || (any_map && dc_cpu_get()->avx512f &&
                       (c->algo == DC_CONV_AUTO || c->algo == DC_CONV_ONEDNN));
}

const char *dc_conv2d_kernels(void)
{
    static char buf[64];
    if (!dc_cpu_get()->avx512f) return "Winograd / im2col + OpenBLAS";
    snprintf(buf, sizeof buf, "oneDNN %s", dc_dnnl_isa());
    return buf;
}

int64_t dc_conv2d_out_len(int64_t in, int k, int s, int p) { return (in + 2 * p - k) / s + 1; }

const char *dc_conv2d_algo_name(const dc_conv2d_cfg *cfg, int64_t H, int64_t W)
{
    if (use_dnnl(cfg, H, W)) return "onednn";
    int64_t Ho = dc_conv2d_out_len(H, cfg->kh, cfg->sh, cfg->ph),
            Wo = dc_conv2d_out_len(W, cfg->kw, cfg->sw, cfg->pw);
    int m = winograd_tile(cfg, cfg->in_ch, cfg->out_ch, Ho, Wo);
    return m == 4 ? "winograd4" : m == 2 ? "winograd2" : "im2col";
}

static dc_status geometry(const dc_conv2d_cfg *cfg, const dc_tensor *x, const char *op, geom *g)
{
    char a[128];
    DC_TRY(dc_conv2d_cfg_check(cfg, op));
    DC_TRY(dc_arg_f32(x, 4, op, "x", "[N, C, H, W]"));
    g->N = x->shape[0], g->C = x->shape[1], g->H = x->shape[2], g->W = x->shape[3];
    DC_CHECK(g->C == cfg->in_ch, DC_ERR_SHAPE, "%s: expected %d input channels, got x %s", op,
             cfg->in_ch, dc_tensor_describe(x, a, sizeof a));
    int64_t hp = g->H + 2 * cfg->ph, wp = g->W + 2 * cfg->pw;
    DC_CHECK(hp >= cfg->kh && wp >= cfg->kw, DC_ERR_SHAPE,
             "%s: x %s padded to %lldx%lld is smaller than the %dx%d kernel", op,
             dc_tensor_describe(x, a, sizeof a), (long long)hp, (long long)wp, cfg->kh, cfg->kw);
    DC_CHECK((cfg->algo != DC_CONV_ONEDNN && !cfg->bf16) || dc_conv2d_dnnl_fits(cfg, g->H, g->W),
             DC_ERR_ARG,
             "%s: oneDNN cannot run this layer on x %s: its last window overhangs the padding",
             op, dc_tensor_describe(x, a, sizeof a));
    g->O = cfg->out_ch;
    g->Ho = dc_conv2d_out_len(g->H, cfg->kh, cfg->sh, cfg->ph);
    g->Wo = dc_conv2d_out_len(g->W, cfg->kw, cfg->sw, cfg->pw);
    g->HW = g->Ho * g->Wo;
    g->K = g->C * cfg->kh * cfg->kw;
    return DC_OK;
}

dc_status dc_conv2d_out_shape(const dc_conv2d_cfg *cfg, const dc_tensor *x, int64_t *shape)
{
    geom g = {0};
    DC_TRY(geometry(cfg, x, "conv2d", &g));
    shape[0] = g.N, shape[1] = g.O, shape[2] = g.Ho, shape[3] = g.Wo;
    return DC_OK;
}

static dc_status check_params(const dc_conv2d_cfg *cfg, const dc_tensor *w, const dc_tensor *b,
                              const char *op, const char *wname, const char *bname)
{
    int64_t ws[4] = {cfg->out_ch, cfg->in_ch, cfg->kh, cfg->kw}, bs[1] = {cfg->out_ch};
    DC_TRY(dc_arg_f32_shape(w, 4, ws, op, wname));
    DC_CHECK(cfg->bias || !b, DC_ERR_ARG, "%s: %s given to a convolution without bias", op, bname);
    if (b) DC_TRY(dc_arg_f32_shape(b, 1, bs, op, bname));
    return DC_OK;
}

/* Number of images per chunk. */
static int64_t chunk_images(const geom *g)
{
    int64_t per = g->K * g->HW * (int64_t)sizeof(float);
    int64_t nb = per > 0 ? COL_BUDGET / per : g->N;
    if (nb < 1) nb = 1;
    return nb < g->N ? nb : g->N;
}

/* Output columns ow whose input column ow*sw - pw + j lies inside [0, W): [*lo, *hi). */
static void valid_cols(int64_t Wo, int64_t W, int sw, int pw, int j, int64_t *lo, int64_t *hi)
{
    int64_t first = pw - j > 0 ? (pw - j + sw - 1) / sw : 0;
    int64_t last = W - 1 + pw - j >= 0 ? (W - 1 + pw - j) / sw + 1 : 0;
    if (last > Wo) last = Wo;
    if (first > last) first = last;
    *lo = first, *hi = last;
}

/* col[K][nb*HW] from the nb images at x. */
static void im2col(const dc_conv2d_cfg *cfg, const geom *g, const float *x, int64_t nb, float *col)
{
    const int kh = cfg->kh, kw = cfg->kw, sh = cfg->sh, sw = cfg->sw, ph = cfg->ph, pw = cfg->pw;
    const int64_t L = nb * g->HW, rows = g->K * nb, H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo;
#pragma omp parallel for schedule(static) if (dc_par(rows * g->HW, PAR_MIN))
    for (int64_t rb = 0; rb < rows; rb++) {
        int64_t r = rb / nb, b = rb % nb;
        int j = (int)(r % kw), i = (int)(r / kw % kh);
        int64_t c = r / ((int64_t)kh * kw);
        const float *src = x + (b * g->C + c) * H * W;
        float *dst = col + r * L + b * g->HW;
        int64_t lo, hi;
        valid_cols(Wo, W, sw, pw, j, &lo, &hi);
        for (int64_t oh = 0; oh < Ho; oh++) {
            float *d = dst + oh * Wo;
            int64_t ih = oh * sh - ph + i;
            if (ih < 0 || ih >= H) {
                memset(d, 0, (size_t)Wo * sizeof(float));
                continue;
            }
            const float *s = src + ih * W;
            for (int64_t ow = 0; ow < lo; ow++) d[ow] = 0;
            if (sw == 1)
                memcpy(d + lo, s + lo - pw + j, (size_t)(hi - lo) * sizeof(float));
            else
                for (int64_t ow = lo; ow < hi; ow++) d[ow] = s[ow * sw - pw + j];
            for (int64_t ow = hi; ow < Wo; ow++) d[ow] = 0;
        }
    }
}

/* The adjoint of im2col: dx (nb images) = sum of the columns back onto their pixels. */
static void col2im(const dc_conv2d_cfg *cfg, const geom *g, const float *col, int64_t nb, float *dx)
{
    const int kh = cfg->kh, kw = cfg->kw, sh = cfg->sh, sw = cfg->sw, ph = cfg->ph, pw = cfg->pw;
    const int64_t L = nb * g->HW, planes = nb * g->C, H = g->H, W = g->W, Ho = g->Ho, Wo = g->Wo;
#pragma omp parallel for schedule(static) if (dc_par(planes * H * W, PAR_MIN))
    for (int64_t bc = 0; bc < planes; bc++) {
        int64_t b = bc / g->C, c = bc % g->C;
        float *dst = dx + bc * H * W;
        memset(dst, 0, (size_t)(H * W) * sizeof(float));
        for (int i = 0; i < kh; i++)
            for (int j = 0; j < kw; j++) {
                const float *src = col + ((c * kh + i) * kw + j) * L + b * g->HW;
                int64_t lo, hi;
                valid_cols(Wo, W, sw, pw, j, &lo, &hi);
                for (int64_t oh = 0; oh < Ho; oh++) {
                    int64_t ih = oh * sh - ph + i;
                    if (ih < 0 || ih >= H) continue;
                    float *row = dst + ih * W;
                    const float *s = src + oh * Wo;
                    if (sw == 1) {
                        float *r = row - pw + j;
                        for (int64_t ow = lo; ow < hi; ow++) r[ow] += s[ow];
                    } else {
                        for (int64_t ow = lo; ow < hi; ow++) row[ow * sw - pw + j] += s[ow];
                    }
                }
            }
    }
}

static dc_status im2col_forward(const dc_conv2d_cfg *cfg, const geom *gp, const float *xp,
                                const float *wp, const float *bp, float *yp, const char *op);

/* The forward pass on checked arguments: y = conv(x, w) + b (bp may be NULL), then
 * max(0, .) when relu. */
static dc_status forward_raw(const dc_conv2d_cfg *cfg, const geom *gp, const float *xp,
                             const float *wp, const float *bp, bool relu, float *yp)
{
    const char *op = "conv2d_forward";
    const geom g = *gp;
    if (use_dnnl(cfg, g.H, g.W))
        return dc_conv2d_dnnl_forward(cfg, g.N, g.H, g.W, xp, wp, bp, relu, yp);
    const int wm = winograd_tile(cfg, g.C, g.O, g.Ho, g.Wo);
    if (wm) DC_TRY(dc_winograd3x3(wm, xp, g.N, g.C, g.H, g.W, wp, bp, g.O, cfg->ph, cfg->pw, false, yp));
    else DC_TRY(im2col_forward(cfg, &g, xp, wp, bp, yp, op));
    if (relu) {
        const int64_t n = g.N * g.O * g.HW;
#pragma omp parallel for simd schedule(static) if (dc_par(n, PAR_MIN))
        for (int64_t i = 0; i < n; i++) yp[i] = yp[i] > 0 ? yp[i] : 0;
    }
    return DC_OK;
}

dc_status dc_conv2d_forward(const dc_conv2d_cfg *cfg, const dc_tensor *x, const dc_tensor *w,
                            const dc_tensor *b, dc_tensor *y)
{
    const char *op = "conv2d_forward";
    geom g = {0};
    DC_TRY(geometry(cfg, x, op, &g));
    DC_TRY(check_params(cfg, w, b, op, "weight", "bias"));
    DC_CHECK(!cfg->bias || b, DC_ERR_ARG, "%s: bias missing", op);
    int64_t ys[4] = {g.N, g.O, g.Ho, g.Wo};
    DC_TRY(dc_arg_out(y, DC_F32, 4, ys, op, "y"));
    if (g.N == 0) return DC_OK;
    return forward_raw(cfg, &g, dc_tensor_data(x), dc_tensor_data(w), b ? dc_tensor_data(b) : NULL,
                       false, dc_tensor_data(y));
}

dc_status dc_conv2d_params_check(const dc_conv2d_cfg *cfg, const dc_tensor *w, const dc_tensor *b,
                                 const dc_tensor *const *bn, double eps, const char *op)
{
    DC_TRY(check_params(cfg, w, b, op, "weight", "bias"));
    if (!bn) return DC_OK;
    const int64_t cs[1] = {cfg->out_ch};
    const char *names[4] = {"gamma", "beta", "running_mean", "running_var"};
    for (int i = 0; i < 4; i++) DC_TRY(dc_arg_f32_shape(bn[i], 1, cs, op, names[i]));
    DC_CHECK(eps > 0, DC_ERR_ARG, "%s: eps must be > 0, got %g", op, eps);
    return DC_OK;
}

void dc_conv2d_bn_fold(const dc_conv2d_cfg *cfg, const dc_tensor *w, const dc_tensor *b,
                       const dc_tensor *const bn[4], double eps, float *wf, float *bf)
{
    const int64_t O = cfg->out_ch, K = (int64_t)cfg->in_ch * cfg->kh * cfg->kw;
    const float *wp = dc_tensor_data(w), *bp = b ? dc_tensor_data(b) : NULL;
    const float *ga = dc_tensor_data(bn[0]), *be = dc_tensor_data(bn[1]);
    const float *mu = dc_tensor_data(bn[2]), *va = dc_tensor_data(bn[3]);
    for (int64_t o = 0; o < O; o++) {
        double sc = ga[o] / sqrt((double)va[o] + eps);
        for (int64_t k = 0; k < K; k++) wf[o * K + k] = (float)(wp[o * K + k] * sc);
        bf[o] = (float)(((bp ? bp[o] : 0.0) - mu[o]) * sc + be[o]);
    }
}

dc_status dc_conv2d_bn_forward(const dc_conv2d_cfg *cfg, const dc_tensor *x, const dc_tensor *w,
                               const dc_tensor *b, const dc_tensor *gamma, const dc_tensor *beta,
                               const dc_tensor *mean, const dc_tensor *var, double eps, bool relu,
                               dc_tensor *y)
{
    const char *op = "conv2d_bn_forward";
    const dc_tensor *const bn[4] = {gamma, beta, mean, var};
    geom g = {0};
    DC_TRY(geometry(cfg, x, op, &g));
    DC_TRY(dc_conv2d_params_check(cfg, w, b, bn, eps, op));
    int64_t ys[4] = {g.N, g.O, g.Ho, g.Wo};
    DC_TRY(dc_arg_out(y, DC_F32, 4, ys, op, "y"));
    if (g.N == 0) return DC_OK;
    float *wf = dc_scratch(DC_SLOT_FOLD_W, (size_t)(g.O * g.K)), *bf = dc_scratch(DC_SLOT_FOLD_B, (size_t)g.O);
    DC_CHECK(wf && bf, DC_ERR_NOMEM, "%s: out of memory for the folded weights", op);
    dc_conv2d_bn_fold(cfg, w, b, bn, eps, wf, bf);
    dc_conv2d_cfg c = *cfg;
    c.bias = true;
    return forward_raw(&c, &g, dc_tensor_data(x), wf, bf, relu, dc_tensor_data(y));
}

/* The im2col + sgemm forward pass. */
static dc_status im2col_forward(const dc_conv2d_cfg *cfg, const geom *gp, const float *xp,
                                const float *wp, const float *bp, float *yp, const char *op)
{
    const geom g = *gp;

    const int64_t nb = chunk_images(&g);
    const bool direct = cfg->kh == 1 && cfg->kw == 1 && cfg->sh == 1 && cfg->sw == 1 &&
                        cfg->ph == 0 && cfg->pw == 0; /* x is its own column matrix per image */
    float *col = NULL, *tmp = NULL;
    if (!(direct && nb == 1)) {
        col = dc_scratch(0, (size_t)(g.K * nb * g.HW));
        DC_CHECK(col, DC_ERR_NOMEM, "%s: out of memory for the im2col workspace", op);
    }
    if (nb > 1) {
        tmp = dc_scratch(1, (size_t)(g.O * nb * g.HW));
        DC_CHECK(tmp, DC_ERR_NOMEM, "%s: out of memory for the GEMM workspace", op);
    }
    for (int64_t b0 = 0; b0 < g.N; b0 += nb) {
        int64_t n = g.N - b0 < nb ? g.N - b0 : nb, L = n * g.HW;
        const float *xb = xp + b0 * g.C * g.H * g.W;
        const float *cols = xb;
        if (!(direct && n == 1)) {
            im2col(cfg, &g, xb, n, col);
            cols = col;
        }
        float *out = n == 1 ? yp + b0 * g.O * g.HW : tmp;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)g.O, (int)L, (int)g.K, 1.0f, wp,
                    (int)g.K, cols, (int)L, 0.0f, out, (int)L);
        /* [O][n][HW] -> [n][O][HW], adding the bias on the way */
        const int64_t HW = g.HW;
        if (n == 1 && !bp) continue; /* the GEMM wrote the final values */
#pragma omp parallel for schedule(static) if (dc_par(n * g.O * HW, PAR_MIN))
        for (int64_t bo = 0; bo < n * g.O; bo++) {
            int64_t bi = bo / g.O, o = bo % g.O;
            float *dst = yp + (b0 + bi) * g.O * HW + o * HW;
            const float *src = out + o * L + bi * HW;
            float bias = bp ? bp[o] : 0.0f;
            for (int64_t p = 0; p < HW; p++) dst[p] = src[p] + bias;
        }
    }
    return DC_OK;
}

dc_status dc_conv2d_backward(const dc_conv2d_cfg *cfg, const dc_tensor *x, const dc_tensor *w,
                             const dc_tensor *dy, dc_tensor *dx, dc_tensor *dw, dc_tensor *db,
                             float scale)
{
    const char *op = "conv2d_backward";
    geom g = {0};
    DC_TRY(geometry(cfg, x, op, &g));
    DC_TRY(check_params(cfg, w, NULL, op, "weight", "bias"));
    int64_t ys[4] = {g.N, g.O, g.Ho, g.Wo};
    DC_TRY(dc_arg_f32_shape(dy, 4, ys, op, "dy"));
    if (dw) DC_TRY(check_params(cfg, dw, db, op, "grad_weight", "grad_bias"));
    else if (db) DC_TRY(check_params(cfg, w, db, op, "weight", "grad_bias"));
    if (dx) DC_TRY(dc_arg_out(dx, DC_F32, 4, x->shape, op, "dx"));
    if (g.N == 0) return DC_OK;

    const bool dnnl = use_dnnl(cfg, g.H, g.W);
    /* the input gradient of a 3x3 stride-1 layer is itself such a convolution (of dy) */
    const int wm = dx && !dnnl ? winograd_tile(cfg, g.O, g.C, g.H, g.W) : 0;
    const bool wino_dx = wm != 0;
    dc_tensor *dxc = wino_dx || dnnl ? NULL : dx; /* what the im2col loop computes */
    if (dnnl && dx)
        DC_TRY(dc_conv2d_dnnl_backward_data(cfg, g.N, g.H, g.W, dc_tensor_data(w),
                                            dc_tensor_data(dy), dc_tensor_data(dx)));
    if (dnnl && dw)
        DC_TRY(dc_conv2d_dnnl_backward_weights(cfg, g.N, g.H, g.W, dc_tensor_data(x),
                                               dc_tensor_data(dy), dc_tensor_data(dw), scale));
    if (dnnl) dw = NULL; /* done: only db is left for the loop below */
    const int64_t nb = chunk_images(&g), HW = g.HW;
    float *col = NULL, *dyt = NULL;
    if (dxc || dw) {
        col = dc_scratch(0, (size_t)(g.K * nb * HW));
        DC_CHECK(col, DC_ERR_NOMEM, "%s: out of memory for the im2col workspace", op);
        if (nb > 1) {
            dyt = dc_scratch(1, (size_t)(g.O * nb * HW));
            DC_CHECK(dyt, DC_ERR_NOMEM, "%s: out of memory for the GEMM workspace", op);
        }
    }
    const float *xp = dc_tensor_data(x), *wp = dc_tensor_data(w), *dyp = dc_tensor_data(dy);

    for (int64_t b0 = 0; b0 < g.N && (dxc || dw); b0 += nb) {
        int64_t n = g.N - b0 < nb ? g.N - b0 : nb, L = n * HW;
        const float *dyc = dyp + b0 * g.O * HW;
        if (n > 1) { /* [n][O][HW] -> [O][n][HW] */
#pragma omp parallel for schedule(static) if (dc_par(L * g.O, PAR_MIN))
            for (int64_t bo = 0; bo < n * g.O; bo++) {
                int64_t bi = bo / g.O, o = bo % g.O;
                memcpy(dyt + o * L + bi * HW, dyc + bo * HW, (size_t)HW * sizeof(float));
            }
            dyc = dyt;
        }
        if (dw) {
            im2col(cfg, &g, xp + b0 * g.C * g.H * g.W, n, col);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)g.O, (int)g.K, (int)L, scale,
                        dyc, (int)L, col, (int)L, 1.0f, dc_tensor_data(dw), (int)g.K);
        }
        if (dxc) { /* the columns are free again: reuse them for dcol */
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)g.K, (int)L, (int)g.O, 1.0f,
                        wp, (int)g.K, dyc, (int)L, 0.0f, col, (int)L);
            col2im(cfg, &g, col, n, (float *)dc_tensor_data(dxc) + b0 * g.C * g.H * g.W);
        }
    }
    if (wino_dx)
        DC_TRY(dc_winograd3x3(wm, dyp, g.N, g.O, g.Ho, g.Wo, wp, NULL, g.C, 2 - cfg->ph, 2 - cfg->pw,
                              true, dc_tensor_data(dx)));
    if (db) {
        float *dbp = dc_tensor_data(db);
#pragma omp parallel for schedule(static) if (dc_par(g.N * g.O * HW, PAR_MIN))
        for (int64_t o = 0; o < g.O; o++) {
            double s = 0;
            for (int64_t bi = 0; bi < g.N; bi++) {
                const float *src = dyp + (bi * g.O + o) * HW;
                float part = 0;
                for (int64_t p = 0; p < HW; p++) part += src[p];
                s += part;
            }
            dbp[o] += scale * (float)s;
        }
    }
    return DC_OK;
}
