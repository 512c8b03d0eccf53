/* 8-bit HWC images: buffers, views, tensor conversions and the mosaic grid. */
#include "image.h"

#include <math.h>
#include <string.h>

#include "../ops/elementwise.h"

dc_status dc_image_alloc(dc_image *im, dc_buffer *buf, int w, int h, int c)
{
    DC_TRY(dc_buffer_reserve(buf, (size_t)w * (size_t)h * (size_t)c));
    im->data = buf->data;
    im->w = w;
    im->h = h;
    im->c = c;
    im->stride = (int64_t)w * c;
    return DC_OK;
}

dc_image dc_image_view(const dc_image *src, int x, int y, int w, int h)
{
    dc_image v = *src;
    v.data = src->data + (int64_t)y * src->stride + (int64_t)x * src->c;
    v.w = w;
    v.h = h;
    return v;
}

/* Shape of a picture tensor as (c, h, w) and its element strides. */
static dc_status picture_dims(const dc_tensor *t, const char *op, int *c, int *h, int *w,
                              int64_t st[3])
{
    char b[128];
    DC_TRY(dc_tensor_check(t, op));
    int ok = t->ndim == 2 || (t->ndim == 3 && (t->shape[0] == 1 || t->shape[0] == 3));
    DC_CHECK(ok, DC_ERR_SHAPE, "%s: expected an image [C, H, W] with C = 1 or 3, or [H, W]; got %s",
             op, dc_tensor_describe(t, b, sizeof b));
    int k = t->ndim == 3;
    *c = k ? (int)t->shape[0] : 1;
    *h = (int)t->shape[k];
    *w = (int)t->shape[k + 1];
    DC_CHECK(t->shape[k] <= 65535 && t->shape[k + 1] <= 65535 && *h > 0 && *w > 0, DC_ERR_SHAPE,
             "%s: image size %s is empty or above 65535", op, dc_tensor_describe(t, b, sizeof b));
    st[0] = k ? t->stride[0] : 0;
    st[1] = t->stride[k];
    st[2] = t->stride[k + 1];
    return DC_OK;
}

dc_status dc_image_from_tensor(const dc_tensor *t, dc_buffer *buf, dc_image *out)
{
    int c, h, w;
    int64_t st[3];
    DC_TRY(picture_dims(t, "image", &c, &h, &w, st));
    char b[128];
    DC_CHECK(t->dtype == DC_U8, DC_ERR_DTYPE, "image: expected uint8 pixels, got %s",
             dc_tensor_describe(t, b, sizeof b));
    const uint8_t *src = dc_tensor_data(t);
    if (c == 1 && st[2] == 1) {
        out->data = (uint8_t *)src;
        out->w = w;
        out->h = h;
        out->c = 1;
        out->stride = st[1];
        return DC_OK;
    }
    DC_TRY(dc_image_alloc(out, buf, w, h, c));
    for (int y = 0; y < h; y++) {
        uint8_t *row = out->data + (int64_t)y * out->stride;
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++)
                row[x * c + ch] = src[ch * st[0] + y * st[1] + x * st[2]];
    }
    return DC_OK;
}

dc_status dc_image_from_picture(const dc_tensor *t, dc_buffer *buf, dc_image *out)
{
    if (t->storage && t->dtype == DC_U8) return dc_image_from_tensor(t, buf, out);
    int c, h, w;
    int64_t st[3];
    DC_TRY(picture_dims(t, "image", &c, &h, &w, st));
    char b[128];
    DC_CHECK(t->dtype == DC_F32, DC_ERR_DTYPE,
             "image: expected float32 values in [0, 1] or uint8 pixels, got %s",
             dc_tensor_describe(t, b, sizeof b));
    DC_TRY(dc_image_alloc(out, buf, w, h, c));
    const float *src = dc_tensor_data(t);
    for (int y = 0; y < h; y++) {
        uint8_t *row = out->data + (int64_t)y * out->stride;
        for (int x = 0; x < w; x++)
            for (int ch = 0; ch < c; ch++) {
                float v = src[ch * st[0] + y * st[1] + x * st[2]] * 255.0f + 0.5f;
                row[x * c + ch] = v >= 255.0f ? 255 : v > 0.0f ? (uint8_t)v : 0; /* NaN -> 0 */
            }
    }
    return DC_OK;
}

dc_status dc_image_to_tensor(const dc_image *im, dc_tensor *out)
{
    int64_t shape[3] = {im->c, im->h, im->w};
    DC_TRY(dc_tensor_ensure(out, DC_U8, 3, shape, "image: out"));
    uint8_t *dst = dc_tensor_data(out);
    int64_t plane = (int64_t)im->h * im->w;
    for (int y = 0; y < im->h; y++) {
        const uint8_t *row = im->data + (int64_t)y * im->stride;
        for (int ch = 0; ch < im->c; ch++) {
            uint8_t *d = dst + ch * plane + (int64_t)y * im->w;
            for (int x = 0; x < im->w; x++) d[x] = row[x * im->c + ch];
        }
    }
    return DC_OK;
}

void dc_image_to_float(const dc_image *im, const float (*lut)[256], float *out)
{
    int64_t plane = (int64_t)im->h * im->w;
    for (int y = 0; y < im->h; y++) {
        const uint8_t *row = im->data + (int64_t)y * im->stride;
        if (im->c == 1) {
            float *d = out + (int64_t)y * im->w;
            for (int x = 0; x < im->w; x++) d[x] = lut[0][row[x]];
            continue;
        }
        for (int ch = 0; ch < im->c; ch++) {
            float *d = out + ch * plane + (int64_t)y * im->w;
            const float *l = lut[ch];
            for (int x = 0; x < im->w; x++) d[x] = l[row[x * im->c + ch]];
        }
    }
}

/* ---- mosaic ---- */

void dc_mosaic_cfg_init(dc_mosaic_cfg *cfg)
{
    cfg->nrow = 8;
    cfg->padding = 2;
    cfg->pad_value = 0.0;
    cfg->normalize = 0;
    cfg->scale_each = 0;
}

/* Value of element i of image k (contiguous per image), scaled to [0, 1] units for uint8. */
static double mosaic_at(const dc_tensor *t, const void *base, int64_t k, int64_t per, int64_t i)
{
    if (t->dtype == DC_U8) return ((const uint8_t *)base)[k * per + i] / 255.0;
    return ((const float *)base)[k * per + i];
}

dc_status dc_mosaic(const dc_tensor *images, const dc_mosaic_cfg *cfg, dc_tensor *out)
{
    char b[128];
    DC_TRY(dc_tensor_check(images, "mosaic: images"));
    const dc_tensor *t = images;
    int ok = (t->ndim == 3 || (t->ndim == 4 && (t->shape[1] == 1 || t->shape[1] == 3))) &&
             (t->dtype == DC_F32 || t->dtype == DC_U8) && t->shape[0] > 0;
    DC_CHECK(ok, DC_ERR_SHAPE,
             "mosaic: expected float32 or uint8 images [N, C, H, W] with N > 0 and C = 1 or 3, "
             "or [N, H, W]; got %s", dc_tensor_describe(t, b, sizeof b));
    DC_CHECK(cfg->nrow > 0 && cfg->padding >= 0, DC_ERR_ARG,
             "mosaic: nrow must be > 0 and padding >= 0 (got %d and %d)", cfg->nrow, cfg->padding);
    dc_tensor src = dc_tensor_empty();
    DC_TRY(dc_tensor_contiguous(&src, t));
    int64_t n = t->shape[0], c = t->ndim == 4 ? t->shape[1] : 1;
    int64_t h = t->shape[t->ndim - 2], w = t->shape[t->ndim - 1], p = cfg->padding;
    int64_t ncol = n < cfg->nrow ? n : cfg->nrow, nrows = (n + ncol - 1) / ncol;
    int64_t gh = nrows * (h + p) + p, gw = ncol * (w + p) + p;
    int64_t shape[3] = {c, gh, gw};
    dc_status s = dc_tensor_ensure(out, DC_F32, 3, shape, "mosaic: out");
    if (s != DC_OK) goto done;
    float *g = dc_tensor_data(out);
    for (int64_t i = 0; i < c * gh * gw; i++) g[i] = (float)cfg->pad_value;
    const void *base = dc_tensor_data(&src);
    int64_t per = c * h * w;
    double lo = INFINITY, hi = -INFINITY;
    if (cfg->normalize && !cfg->scale_each)
        for (int64_t i = 0; i < n * per; i++) {
            double v = mosaic_at(&src, base, 0, per, i);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    for (int64_t k = 0; k < n; k++) {
        if (cfg->normalize && cfg->scale_each) {
            lo = INFINITY, hi = -INFINITY;
            for (int64_t i = 0; i < per; i++) {
                double v = mosaic_at(&src, base, k, per, i);
                lo = v < lo ? v : lo;
                hi = v > hi ? v : hi;
            }
        }
        /* torchvision: (x - min) / max(max - min, 1e-5) */
        double scale = cfg->normalize ? 1.0 / fmax(hi - lo, 1e-5) : 1.0;
        double shift = cfg->normalize ? lo : 0.0;
        int64_t y0 = (k / ncol) * (h + p) + p, x0 = (k % ncol) * (w + p) + p;
        for (int64_t ch = 0; ch < c; ch++)
            for (int64_t y = 0; y < h; y++)
                for (int64_t x = 0; x < w; x++) {
                    double v = mosaic_at(&src, base, k, per, (ch * h + y) * w + x);
                    g[(ch * gh + y0 + y) * gw + x0 + x] = (float)((v - shift) * scale);
                }
    }
done:
    dc_tensor_release(&src);
    return s;
}
