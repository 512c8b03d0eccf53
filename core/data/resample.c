/* Pillow-compatible antialiased bilinear resampling (see resample.h). */
#include "resample.h"

#include <math.h>
#include <string.h>
#ifdef __SSE4_1__
#include <immintrin.h>
#endif

#define PRECISION_BITS 22 /* Pillow: 32 - 8 bits of pixel - 2 bits of headroom */

void dc_resample_scratch_free(dc_resample_scratch *s)
{
    dc_buffer_free(&s->coef);
    dc_buffer_free(&s->mid);
}

static double triangle(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

/* Taps per output pixel of one pass (room for the widest filter). */
static int taps_size(double in0, double in1, int out_size)
{
    double scale = (in1 - in0) / out_size;
    double support = scale < 1.0 ? 1.0 : scale;
    return (int)ceil(support) * 2 + 1;
}

/* Source pixels [lo, hi) of output pixel i, before the cap at the filter size. Mirrors
 * Pillow's precompute_coeffs. */
static void tap_bounds(int in_size, double in0, double in1, int out_size, int i, double *center,
                       int *lo, int *hi)
{
    double scale = (in1 - in0) / out_size;
    double support = scale < 1.0 ? 1.0 : scale;
    *center = in0 + (i + 0.5) * scale;
    *lo = (int)(*center - support + 0.5);
    *hi = (int)(*center + support + 0.5);
    if (*lo < 0) *lo = 0;
    if (*hi > in_size) *hi = in_size;
}

/* Taps of one pass: out pixel i reads in pixels first[i] .. first[i] + count[i] - 1 with
 * weights k[i * ksize ..], in 22-bit fixed point. */
static void taps(int in_size, double in0, double in1, int out_size, int ksize, int32_t *first,
                 int32_t *count, int32_t *k)
{
    double scale = (in1 - in0) / out_size;
    double ss = 1.0 / (scale < 1.0 ? 1.0 : scale);
    for (int i = 0; i < out_size; i++) {
        double center;
        int lo, hi;
        tap_bounds(in_size, in0, in1, out_size, i, &center, &lo, &hi);
        int n = hi - lo;
        if (n > ksize) n = ksize;
        if (n < 0) n = 0;
        double sum = 0.0;
        for (int x = 0; x < n; x++) sum += triangle((x + lo - center + 0.5) * ss);
        int32_t *kk = k + (int64_t)i * ksize;
        for (int x = 0; x < ksize; x++) {
            double v = x < n && sum != 0.0 ? triangle((x + lo - center + 0.5) * ss) / sum : 0.0;
            kk[x] = (int32_t)(v < 0 ? -0.5 + v * (1 << PRECISION_BITS)
                                    : 0.5 + v * (1 << PRECISION_BITS));
        }
        first[i] = lo;
        count[i] = n;
    }
}

void dc_resample_span(int in_size, double in0, double in1, int out_size, int span[2])
{
    double center;
    int lo, hi;
    tap_bounds(in_size, in0, in1, out_size, 0, &center, &span[0], &hi);
    tap_bounds(in_size, in0, in1, out_size, out_size - 1, &center, &lo, &span[1]);
    if (span[1] < span[0]) span[1] = span[0];
}

/* 1 when every tap of the pass lies in [at, at + size), which first[] is then made relative
 * to. */
static int shift_taps(int32_t *first, const int32_t *count, int n, int at, int size)
{
    for (int i = 0; i < n; i++) {
        if (count[i] > 0 && (first[i] < at || first[i] + count[i] > at + size)) return 0;
        first[i] -= at;
    }
    return 1;
}

static inline uint8_t clip8(int32_t v)
{
    v >>= PRECISION_BITS;
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* out row = in row resampled horizontally, for C channels (constant-folded per call site). */
static inline void hpass_row(const uint8_t *in, uint8_t *out, int out_w, int C, int ksize,
                             const int32_t *first, const int32_t *count, const int32_t *k)
{
    for (int x = 0; x < out_w; x++) {
        const int32_t *kk = k + (int64_t)x * ksize;
        const uint8_t *p = in + (int64_t)first[x] * C;
        int32_t acc[4] = {1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1),
                          1 << (PRECISION_BITS - 1), 1 << (PRECISION_BITS - 1)};
        for (int t = 0; t < count[x]; t++)
            for (int ch = 0; ch < C; ch++) acc[ch] += p[t * C + ch] * kk[t];
        for (int ch = 0; ch < C; ch++) out[x * C + ch] = clip8(acc[ch]);
    }
}

#ifdef __SSE4_1__
/* One output pixel of hpass_row3 (SSE4.1). */
static inline void hpass_px3(const uint8_t *p, uint8_t *out, int n, const int32_t *kk)
{
    __m128i acc = _mm_set1_epi32(1 << (PRECISION_BITS - 1));
    for (int t = 0; t < n; t++) {
        int32_t four;
        memcpy(&four, p + t * 3, 4);
        __m128i px = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(four));
        acc = _mm_add_epi32(acc, _mm_mullo_epi32(px, _mm_set1_epi32(kk[t])));
    }
    acc = _mm_srai_epi32(acc, PRECISION_BITS);
    int32_t o = _mm_cvtsi128_si32(_mm_packus_epi16(_mm_packs_epi32(acc, acc), acc));
    memcpy(out, &o, 3);
}

/* hpass_row for 3 channels with a pixel's channels in the lanes of a vector (two pixels per
 * 256-bit vector with AVX2): the same integer sums as the scalar code, so the same bytes. A
 * tap reads 4 bytes (one beyond its pixel), so pixels whose taps reach the row's last pixel
 * take the scalar path. Two pixels run max(count) taps: the weights past a pixel's count
 * are zeros (taps() pads them to ksize). */
static void hpass_row3(const uint8_t *in, uint8_t *out, int in_w, int out_w, int ksize,
                       const int32_t *first, const int32_t *count, const int32_t *k)
{
    int x = 0;
#ifdef __AVX2__
    for (; x + 1 < out_w; x += 2) {
        int n = count[x] > count[x + 1] ? count[x] : count[x + 1];
        if (first[x] + n >= in_w || first[x + 1] + n >= in_w) break;
        const int32_t *k0 = k + (int64_t)x * ksize, *k1 = k0 + ksize;
        const uint8_t *p0 = in + (int64_t)first[x] * 3, *p1 = in + (int64_t)first[x + 1] * 3;
        __m256i acc = _mm256_set1_epi32(1 << (PRECISION_BITS - 1));
        for (int t = 0; t < n; t++) {
            uint32_t a, b;
            memcpy(&a, p0 + t * 3, 4);
            memcpy(&b, p1 + t * 3, 4);
            __m256i px = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((int64_t)(a | (uint64_t)b << 32)));
            __m256i wt = _mm256_setr_epi32(k0[t], k0[t], k0[t], k0[t], k1[t], k1[t], k1[t], k1[t]);
            acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(px, wt));
        }
        acc = _mm256_srai_epi32(acc, PRECISION_BITS);
        __m256i v = _mm256_packus_epi16(_mm256_packs_epi32(acc, acc), acc);
        int32_t o0 = _mm256_extract_epi32(v, 0), o1 = _mm256_extract_epi32(v, 4);
        memcpy(out + x * 3, &o0, 3);
        memcpy(out + x * 3 + 3, &o1, 3);
    }
#endif
    for (; x < out_w; x++) {
        if (first[x] + count[x] >= in_w)
            hpass_row(in, out + x * 3, 1, 3, ksize, first + x, count + x,
                      k + (int64_t)x * ksize);
        else
            hpass_px3(in + (int64_t)first[x] * 3, out + x * 3, count[x],
                      k + (int64_t)x * ksize);
    }
}
#endif

static void hpass(const dc_image *src, int row0, int nrows, dc_image *dst, int ksize,
                  const int32_t *first, const int32_t *count, const int32_t *k)
{
    for (int y = 0; y < nrows; y++) {
        const uint8_t *in = src->data + (int64_t)(row0 + y) * src->stride;
        uint8_t *out = dst->data + (int64_t)y * dst->stride;
        switch (src->c) {
        case 1: hpass_row(in, out, dst->w, 1, ksize, first, count, k); break;
#ifdef __SSE4_1__
        case 3: hpass_row3(in, out, src->w, dst->w, ksize, first, count, k); break;
#else
        case 3: hpass_row(in, out, dst->w, 3, ksize, first, count, k); break;
#endif
        default: hpass_row(in, out, dst->w, src->c, ksize, first, count, k); break;
        }
    }
}

/* Vertical pass, row by row: acc[x] += in_row[x] * weight over the taps, which the compiler
 * vectorizes across the row. */
static void vpass(const dc_image *src, dc_image *dst, int ksize, const int32_t *first,
                  const int32_t *count, const int32_t *k, int32_t *acc)
{
    int64_t n = (int64_t)dst->w * dst->c;
    for (int y = 0; y < dst->h; y++) {
        for (int64_t i = 0; i < n; i++) acc[i] = 1 << (PRECISION_BITS - 1);
        const int32_t *kk = k + (int64_t)y * ksize;
        for (int t = 0; t < count[y]; t++) {
            const uint8_t *in = src->data + (int64_t)(first[y] + t) * src->stride;
            int32_t wt = kk[t];
            for (int64_t i = 0; i < n; i++) acc[i] += in[i] * wt;
        }
        uint8_t *out = dst->data + (int64_t)y * dst->stride;
        for (int64_t i = 0; i < n; i++) out[i] = clip8(acc[i]);
    }
}

static void copy_image(const dc_image *src, dc_image *dst)
{
    for (int y = 0; y < dst->h; y++)
        memcpy(dst->data + (int64_t)y * dst->stride, src->data + (int64_t)y * src->stride,
               (size_t)dst->w * (size_t)dst->c);
}

dc_status dc_resample_part(const dc_image *src, int x, int y, int full_w, int full_h,
                           const double box[4], dc_image *dst, dc_resample_scratch *s)
{
    DC_CHECK(src->c == dst->c, DC_ERR_ARG, "resample: %d channels in, %d out", src->c, dst->c);
    DC_CHECK(dst->w > 0 && dst->h > 0, DC_ERR_ARG, "resample: output size %d x %d", dst->w,
             dst->h);
    DC_CHECK(x >= 0 && y >= 0 && x + src->w <= full_w && y + src->h <= full_h, DC_ERR_ARG,
             "resample: part %d x %d at (%d, %d) outside the %d x %d picture", src->w, src->h,
             x, y, full_w, full_h);
    DC_CHECK(box[0] >= 0 && box[1] >= 0 && box[0] < box[2] && box[1] < box[3] &&
                 box[2] <= full_w && box[3] <= full_h,
             DC_ERR_ARG, "resample: box (%g, %g, %g, %g) outside the %d x %d image", box[0],
             box[1], box[2], box[3], full_w, full_h);
    int need_h = dst->w != full_w || box[0] != 0 || box[2] != dst->w;
    int need_v = dst->h != full_h || box[1] != 0 || box[3] != dst->h;
    int kx = taps_size(box[0], box[2], dst->w);
    int ky = taps_size(box[1], box[3], dst->h);
    /* layout of coef: x first/count/k, y first/count/k, then the vertical accumulator row */
    size_t nx = (size_t)dst->w * (2 + (size_t)kx), ny = (size_t)dst->h * (2 + (size_t)ky);
    size_t nacc = (size_t)dst->w * (size_t)dst->c;
    DC_TRY(dc_buffer_reserve(&s->coef, (nx + ny + nacc) * sizeof(int32_t)));
    int32_t *xf = (int32_t *)s->coef.data, *xc = xf + dst->w, *xk = xc + dst->w;
    int32_t *yf = xf + nx, *yc = yf + dst->h, *yk = yc + dst->h;
    int32_t *acc = xf + nx + ny;
    taps(full_w, box[0], box[2], dst->w, kx, xf, xc, xk);
    taps(full_h, box[1], box[3], dst->h, ky, yf, yc, yk);
    /* an identity pass reads every pixel of its axis, like a resampling one */
    DC_CHECK(shift_taps(xf, xc, dst->w, x, src->w) && shift_taps(yf, yc, dst->h, y, src->h),
             DC_ERR_ARG, "resample: box (%g, %g, %g, %g) reads outside the %d x %d part at "
             "(%d, %d)", box[0], box[1], box[2], box[3], src->w, src->h, x, y);

    if (!need_h && !need_v) {
        copy_image(src, dst);
        return DC_OK;
    }
    if (!need_h) {
        vpass(src, dst, ky, yf, yc, yk, acc);
        return DC_OK;
    }
    /* only the source rows the vertical pass will read go through the horizontal pass */
    int row0 = need_v ? yf[0] : (int)box[1] - y;
    int row1 = need_v ? yf[dst->h - 1] + yc[dst->h - 1] : row0 + dst->h;
    if (!need_v) {
        hpass(src, row0, dst->h, dst, kx, xf, xc, xk);
        return DC_OK;
    }
    dc_image mid;
    DC_TRY(dc_image_alloc(&mid, &s->mid, dst->w, row1 - row0, src->c));
    hpass(src, row0, row1 - row0, &mid, kx, xf, xc, xk);
    for (int i = 0; i < dst->h; i++) yf[i] -= row0;
    vpass(&mid, dst, ky, yf, yc, yk, acc);
    return DC_OK;
}

dc_status dc_resample(const dc_image *src, const double box[4], dc_image *dst,
                      dc_resample_scratch *s)
{
    return dc_resample_part(src, 0, 0, src->w, src->h, box, dst, s);
}
