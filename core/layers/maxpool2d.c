/* 2-D max pooling (see maxpool2d.h), one input plane per loop iteration, 8 outputs of a row
 * at a time in AVX2 (the build's baseline): the common 2x2 stride-2 window without padding
 * has its own loop (pairs of loads); any other window gathers its columns at the stride
 * (AlexNet's 3x3 stride-2 pooling took 5-10x longer in the scalar walk), the scalar walk
 * keeping only the border columns whose windows reach into the padding. */
#include "maxpool2d.h"

#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "../args.h"
#include "../parallel.h"
#include "scratch.h"

#define PAR_MIN 32768

/* The larger of (v, at) and (best, at_best), the earlier one on ties; a NaN wins once. */
#define TAKE(v, pos)                                                                           \
    do {                                                                                       \
        float v_ = (v);                                                                        \
        bool t_ = v_ > best || (v_ != v_ && best == best);                                     \
        best = t_ ? v_ : best;                                                                 \
        at = t_ ? (pos) : at;                                                                  \
    } while (0)

/* TAKE on 8 lanes: where v (at ia) beats best (at ib) by TAKE's rule, take it. */
static inline void take8(__m256 v, __m256i iv, __m256 *best, __m256i *at)
{
    const __m256 t = _mm256_or_ps(_mm256_cmp_ps(v, *best, _CMP_GT_OQ),
                                  _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q),
                                                _mm256_cmp_ps(*best, *best, _CMP_ORD_Q)));
    *best = _mm256_blendv_ps(*best, v, t);
    *at = _mm256_castps_si256(
        _mm256_blendv_ps(_mm256_castsi256_ps(*at), _mm256_castsi256_ps(iv), t));
}

/* The first n (<= 8) lanes of best to y and, when idx, of at (widened) to idx. */
static inline void store8(__m256 best, __m256i at, int n, float *y, int64_t *idx)
{
    const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(y, m, best);
    if (!idx) return;
    const __m256i m0 = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(m)),
                  m1 = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(m, 1));
    long long *o = (long long *)idx;
    _mm256_maskstore_epi64(o, m0, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(at)));
    _mm256_maskstore_epi64(o + 4, m1, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(at, 1)));
}

/* The even and odd floats of r[0..2n) (n <= 8; lanes past n undefined). */
static inline void load_pairs(const float *r, int n, __m256 *even, __m256 *odd)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 lo = _mm256_maskload_ps(r, _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * n), lane));
    const __m256 hi = _mm256_maskload_ps(r + 8, _mm256_cmpgt_epi32(_mm256_set1_epi32(2 * n - 8), lane));
    /* shuffle_ps takes pairs within 128-bit lanes: e0 e1 e4 e5 | e2 e3 e6 e7, then fix the order */
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0x88)), 0xd8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(lo, hi, 0xdd)), 0xd8));
}

/* 2x2, stride 2, no padding, every window inside the plane: per output the row-major TAKE of
 * its 4 values (the top pair's winner against the bottom pair's gives the same first maximum;
 * positions within the plane fit 32 bits: planes are < 2^31 values, else the general walk). */
static void plane_2x2(const float *src, int64_t W, int64_t Ho, int64_t Wo, float *y, int64_t *idx)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int64_t oh = 0; oh < Ho; oh++) {
        const float *r0 = src + 2 * oh * W, *r1 = r0 + W;
        for (int64_t ow = 0; ow < Wo; ow += 8) {
            const int n = Wo - ow < 8 ? (int)(Wo - ow) : 8;
            __m256 a, b, c, d;
            load_pairs(r0 + 2 * ow, n, &a, &b);
            load_pairs(r1 + 2 * ow, n, &c, &d);
            const __m256i p = _mm256_add_epi32(_mm256_set1_epi32((int)(2 * oh * W + 2 * ow)),
                                               _mm256_add_epi32(lane, lane));
            const __m256i one = _mm256_set1_epi32(1), w = _mm256_set1_epi32((int)W);
            __m256 top = a, bot = c;
            __m256i at = p, atb = _mm256_add_epi32(p, w);
            take8(b, _mm256_add_epi32(p, one), &top, &at);
            take8(d, _mm256_add_epi32(atb, one), &bot, &atb);
            take8(bot, atb, &top, &at);
            store8(top, at, n, y + oh * Wo + ow, idx ? idx + oh * Wo + ow : NULL);
        }
    }
}

/* Output ow of row oh by the row-major walk of its window, clipped to the plane (padding
 * never wins). */
static void walk_one(const dc_pool2d_cfg *c, const float *src, int64_t H, int64_t W, int64_t oh,
                     int64_t ow, float *y, int64_t *idx)
{
    int64_t h0 = oh * c->sh - c->ph, h1 = h0 + c->kh, w0 = ow * c->sw - c->pw, w1 = w0 + c->kw;
    h0 = h0 < 0 ? 0 : h0;
    h1 = h1 > H ? H : h1;
    w0 = w0 < 0 ? 0 : w0;
    w1 = w1 > W ? W : w1;
    float best = -INFINITY;
    int64_t at = h0 * W + w0;
    for (int64_t ih = h0; ih < h1; ih++)
        for (int64_t iw = w0; iw < w1; iw++) TAKE(src[ih * W + iw], ih * W + iw);
    *y = best;
    if (idx) *idx = at;
}

/* Any window, stride, padding. Outputs [lo, hi) of a row have their windows inside the
 * plane's columns: 8 at a time, each window position gathered at the stride and taken in
 * the walk's row-major order (the same first maximum); the others walk one by one.
 * Positions fit 32 bits (the caller checks the plane). */
static void plane_general(const dc_pool2d_cfg *c, const float *src, int64_t H, int64_t W,
                          int64_t Ho, int64_t Wo, float *y, int64_t *idx)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i step = _mm256_mullo_epi32(lane, _mm256_set1_epi32(c->sw));
    int64_t lo = (c->pw + c->sw - 1) / c->sw, hi = W + c->pw - c->kw < 0 ? 0 : (W + c->pw - c->kw) / c->sw + 1;
    hi = hi > Wo ? Wo : hi;
    lo = lo > hi ? hi : lo;
    for (int64_t oh = 0; oh < Ho; oh++) {
        float *yr = y + oh * Wo;
        int64_t *ir = idx ? idx + oh * Wo : NULL;
        for (int64_t ow = 0; ow < lo; ow++) walk_one(c, src, H, W, oh, ow, yr + ow, ir ? ir + ow : NULL);
        for (int64_t ow = hi; ow < Wo; ow++) walk_one(c, src, H, W, oh, ow, yr + ow, ir ? ir + ow : NULL);
        int64_t h0 = oh * c->sh - c->ph, h1 = h0 + c->kh;
        h0 = h0 < 0 ? 0 : h0;
        h1 = h1 > H ? H : h1;
        for (int64_t ow = lo; ow < hi; ow += 8) {
            const int n = hi - ow < 8 ? (int)(hi - ow) : 8;
            const __m256 m = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n), lane));
            const int64_t w0 = ow * c->sw - c->pw;
            __m256 best = _mm256_set1_ps(-INFINITY);
            __m256i at = _mm256_add_epi32(_mm256_set1_epi32((int)(h0 * W + w0)), step);
            for (int64_t ih = h0; ih < h1; ih++)
                for (int j = 0; j < c->kw; j++) {
                    const __m256i pos = _mm256_add_epi32(_mm256_set1_epi32((int)(ih * W + w0 + j)), step);
                    take8(_mm256_mask_i32gather_ps(best, src, pos, m, 4), pos, &best, &at);
                }
            store8(best, at, n, yr + ow, ir ? ir + ow : NULL);
        }
    }
}

static void pool_plane(const dc_pool2d_cfg *c, const float *src, int64_t H, int64_t W,
                       int64_t Ho, int64_t Wo, float *y, int64_t *idx)
{
    if (H * W >= INT32_MAX) { /* positions beyond 32 bits: the walk */
        for (int64_t o = 0; o < Ho * Wo; o++)
            walk_one(c, src, H, W, o / Wo, o % Wo, y + o, idx ? idx + o : NULL);
    } else if (c->kh == 2 && c->kw == 2 && c->sh == 2 && c->sw == 2 && c->ph == 0 &&
               c->pw == 0 && 2 * Ho <= H && 2 * Wo <= W) {
        plane_2x2(src, W, Ho, Wo, y, idx);
    } else {
        plane_general(c, src, H, W, Ho, Wo, y, idx);
    }
}

dc_status dc_maxpool2d_forward(const dc_pool2d_cfg *c, const dc_tensor *x, dc_tensor *y,
                               dc_tensor *idx)
{
    const char *op = "maxpool2d_forward";
    int64_t ys[4];
    DC_TRY(dc_pool2d_out_shape(c, x, op, ys));
    DC_TRY(dc_arg_out(y, DC_F32, 4, ys, op, "y"));
    if (idx) DC_TRY(dc_arg_out(idx, DC_I64, 4, ys, op, "indices"));
    const int64_t planes = ys[0] * ys[1], H = x->shape[2], W = x->shape[3], Ho = ys[2], Wo = ys[3];
    const float *xp = dc_tensor_data(x);
    float *yp = dc_tensor_data(y);
    int64_t *ip = idx ? dc_tensor_data(idx) : NULL;
#pragma omp parallel for schedule(static) if (dc_par(planes * H * W, PAR_MIN))
    for (int64_t pl = 0; pl < planes; pl++)
        pool_plane(c, xp + pl * H * W, H, W, Ho, Wo, yp + pl * Ho * Wo, ip ? ip + pl * Ho * Wo : NULL);
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
    DC_CHECK(!idx || (idx->storage && idx->dtype == DC_I64 && idx->ndim == 4 &&
                      dc_tensor_same_shape(idx, dy) && dc_tensor_is_contiguous(idx)),
             DC_ERR_SHAPE, "%s: indices must be contiguous int64 %s (from the forward), got %s", op,
             dc_shape_str(4, ys, a, sizeof a), dc_tensor_describe(idx, b, sizeof b));
    DC_TRY(dc_arg_out(dx, DC_F32, 4, x->shape, op, "dx"));
    const int64_t planes = ys[0] * ys[1], H = x->shape[2], W = x->shape[3], P = ys[2] * ys[3];
    const float *xp = dc_tensor_data(x), *dyp = dc_tensor_data(dy);
    const int64_t *ip = idx ? dc_tensor_data(idx) : NULL;
    float *ytmp = NULL;
    int64_t *itmp = NULL;
    if (!idx) { /* the forward skipped the indices: find the maxima again */
        ytmp = dc_scratch(1, (size_t)(planes * P));
        itmp = (int64_t *)dc_scratch(2, (size_t)(planes * P) * 2);
        DC_CHECK(ytmp && itmp, DC_ERR_NOMEM, "%s: out of memory for the indices", op);
        ip = itmp;
    }
    float *dxp = dc_tensor_data(dx);
#pragma omp parallel for schedule(static) if (dc_par(planes * H * W, PAR_MIN))
    for (int64_t pl = 0; pl < planes; pl++) {
        if (itmp) pool_plane(c, xp + pl * H * W, H, W, ys[2], ys[3], ytmp + pl * P, itmp + pl * P);
        const int64_t *at = ip + pl * P;
        float *d = dxp + pl * H * W;
        memset(d, 0, (size_t)(H * W) * sizeof(float));
        for (int64_t p = 0; p < P; p++)
            if (at[p] >= 0 && at[p] < H * W) d[at[p]] += dyp[pl * P + p];
    }
    return DC_OK;
}
