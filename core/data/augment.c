/* torchvision's functional image ops on 8-bit images (see augment.h). The float32 arithmetic
 * follows torchvision's order of operations so that results agree to the last bit but for
 * rare ties. */
#include "augment.h"

#include <math.h>

#define PI 3.14159265358979323846

void dc_affine_inverse(double angle, double tx, double ty, double scale, double shear_x,
                       double shear_y, double m[6])
{
    /* torchvision's _get_inverse_affine_matrix with the centre at (0, 0): the inverse of
     * T * RotateScaleShear, RotateScaleShear = R(angle) S(scale) SHy(shear_y) SHx(shear_x) */
    double rot = angle * PI / 180, sx = shear_x * PI / 180, sy = shear_y * PI / 180;
    double a = cos(rot - sy) / cos(sy);
    double b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot);
    double c = sin(rot - sy) / cos(sy);
    double d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot);
    m[0] = d / scale, m[1] = -b / scale, m[3] = -c / scale, m[4] = a / scale;
    m[2] = m[0] * -tx + m[1] * -ty;
    m[5] = m[3] * -tx + m[4] * -ty;
}

static uint8_t round8(float v)
{
    v = nearbyintf(v); /* torch.round: half to even */
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

void dc_affine(const dc_image *src, const double m[6], dc_interp interp, const float *fill,
               dc_image *dst)
{
    int W = src->w, H = src->h, C = src->c;
    /* _gen_affine_grid: theta in float32, rescaled to grid units [-1, 1] */
    float hw = 0.5f * (float)W, hh = 0.5f * (float)H;
    float r0 = (float)m[0] / hw, r1 = (float)m[1] / hw, r2 = (float)m[2] / hw;
    float r3 = (float)m[3] / hh, r4 = (float)m[4] / hh, r5 = (float)m[5] / hh;
    for (int y = 0; y < H; y++) {
        float by = (float)y - (float)H * 0.5f + 0.5f;
        uint8_t *out = dst->data + (int64_t)y * dst->stride;
        for (int x = 0; x < W; x++, out += C) {
            float bx = (float)x - (float)W * 0.5f + 0.5f;
            float gx = bx * r0 + by * r1 + r2, gy = bx * r3 + by * r4 + r5;
            /* grid_sample, align_corners = False */
            float ix = ((gx + 1) * (float)W - 1) / 2, iy = ((gy + 1) * (float)H - 1) / 2;
            if (interp == DC_INTERP_NEAREST) {
                float nx = nearbyintf(ix), ny = nearbyintf(iy);
                int in = nx >= 0 && nx < W && ny >= 0 && ny < H;
                const uint8_t *p = in ? src->data + (int64_t)ny * src->stride + (int64_t)nx * C
                                      : NULL;
                for (int ch = 0; ch < C; ch++) out[ch] = p ? p[ch] : round8(fill[ch]);
                continue;
            }
            float x0 = floorf(ix), y0 = floorf(iy);
            float wx[2] = {x0 + 1 - ix, ix - x0}, wy[2] = {y0 + 1 - iy, iy - y0};
            float val[3] = {0, 0, 0}, mask = 0;
            for (int k = 0; k < 4; k++) { /* nw, ne, sw, se as grid_sample adds them */
                int dx = k & 1, dy = k >> 1;
                float px = x0 + dx, py = y0 + dy;
                if (!(px >= 0 && px < W && py >= 0 && py < H)) continue;
                float w = wx[dx] * wy[dy];
                const uint8_t *p = src->data + (int64_t)py * src->stride + (int64_t)px * C;
                for (int ch = 0; ch < C; ch++) val[ch] += (float)p[ch] * w;
                mask += w;
            }
            for (int ch = 0; ch < C; ch++)
                out[ch] = round8(val[ch] * mask + (1.0f - mask) * fill[ch]);
        }
    }
}

/* _get_gaussian_kernel1d in float32 */
static void gaussian_kernel(int k, double sigma, float *w)
{
    float half = (float)(k - 1) * 0.5f, sum = 0;
    for (int i = 0; i < k; i++) {
        float x = (-half + (float)i) / (float)sigma;
        w[i] = expf(-0.5f * x * x);
        sum += w[i];
    }
    for (int i = 0; i < k; i++) w[i] /= sum;
}

/* torch's reflect padding (the edge pixel is not repeated), folded again for pads beyond the
 * image, where torch would refuse */
static int reflect(int i, int n)
{
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

dc_status dc_gaussian_blur(const dc_image *src, int kx, int ky, double sigma_x, double sigma_y,
                           dc_buffer *tmp, dc_image *dst)
{
    int W = src->w, H = src->h, C = src->c, rx = kx / 2, ry = ky / 2;
    size_t need = sizeof(float) * ((size_t)kx + (size_t)ky + (size_t)W * H * C);
    DC_TRY(dc_buffer_reserve(tmp, need));
    float *wx = (float *)tmp->data, *wy = wx + kx, *h = wy + ky;
    gaussian_kernel(kx, sigma_x, wx);
    gaussian_kernel(ky, sigma_y, wy);
    /* separable: rows into h, then columns into dst */
    for (int y = 0; y < H; y++) {
        const uint8_t *row = src->data + (int64_t)y * src->stride;
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < C; ch++) {
                float s = 0;
                for (int i = 0; i < kx; i++) s += wx[i] * (float)row[reflect(x + i - rx, W) * C + ch];
                h[((int64_t)y * W + x) * C + ch] = s;
            }
    }
    for (int y = 0; y < H; y++) {
        uint8_t *out = dst->data + (int64_t)y * dst->stride;
        for (int x = 0; x < W; x++)
            for (int ch = 0; ch < C; ch++) {
                float s = 0;
                for (int i = 0; i < ky; i++)
                    s += wy[i] * h[((int64_t)reflect(y + i - ry, H) * W + x) * C + ch];
                out[x * C + ch] = round8(s);
            }
    }
    return DC_OK;
}

/* torchvision's tensor rgb_to_grayscale: the weighted sum in float32, truncated */
static uint8_t gray_of(const uint8_t *p)
{
    return (uint8_t)(0.2989f * (float)p[0] + 0.587f * (float)p[1] + 0.114f * (float)p[2]);
}

/* _blend: ratio * v + (1 - ratio) * other in float32 (1 - ratio in double, as Python takes
 * it), clamped to 0..255, truncated */
static uint8_t blend(double ratio, float v, float other)
{
    float r = (float)ratio * v + (float)(1.0 - ratio) * other;
    return (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}

void dc_adjust_brightness(dc_image *im, double f)
{
    for (int y = 0; y < im->h; y++) {
        uint8_t *p = im->data + (int64_t)y * im->stride;
        for (int i = 0; i < im->w * im->c; i++) p[i] = blend(f, p[i], 0);
    }
}

void dc_adjust_contrast(dc_image *im, double f)
{
    double sum = 0;
    for (int y = 0; y < im->h; y++) {
        const uint8_t *p = im->data + (int64_t)y * im->stride;
        for (int x = 0; x < im->w; x++) sum += im->c == 3 ? gray_of(p + 3 * x) : p[x];
    }
    float mean = (float)(sum / ((double)im->w * im->h));
    for (int y = 0; y < im->h; y++) {
        uint8_t *p = im->data + (int64_t)y * im->stride;
        for (int i = 0; i < im->w * im->c; i++) p[i] = blend(f, p[i], mean);
    }
}

void dc_adjust_saturation(dc_image *im, double f)
{
    if (im->c != 3) return;
    for (int y = 0; y < im->h; y++) {
        uint8_t *p = im->data + (int64_t)y * im->stride;
        for (int x = 0; x < im->w; x++, p += 3) {
            float g = gray_of(p);
            for (int ch = 0; ch < 3; ch++) p[ch] = blend(f, p[ch], g);
        }
    }
}

/* _rgb2hsv, the shift, _hsv2rgb, in float32 as torchvision does them */
static void hue_pixel(uint8_t *p, float f)
{
    float r = (float)p[0] / 255.0f, g = (float)p[1] / 255.0f, b = (float)p[2] / 255.0f;
    float maxc = fmaxf(r, fmaxf(g, b)), minc = fminf(r, fminf(g, b)), cr = maxc - minc;
    int eqc = maxc == minc;
    float s = cr / (eqc ? 1.0f : maxc), div = eqc ? 1.0f : cr;
    float rc = (maxc - r) / div, gc = (maxc - g) / div, bc = (maxc - b) / div;
    float hr = maxc == r ? bc - gc : 0.0f;
    float hg = maxc == g && maxc != r ? 2.0f + rc - bc : 0.0f;
    float hb = maxc != g && maxc != r ? 4.0f + gc - rc : 0.0f;
    float h = fmodf((hr + hg + hb) / 6.0f + 1.0f, 1.0f), v = maxc;
    h = h + f;
    h = h - floorf(h); /* Python's % 1.0 */
    float i = floorf(h * 6.0f), fr = h * 6.0f - i;
    float pp = fminf(fmaxf(v * (1.0f - s), 0.0f), 1.0f);
    float q = fminf(fmaxf(v * (1.0f - s * fr), 0.0f), 1.0f);
    float t = fminf(fmaxf(v * (1.0f - s * (1.0f - fr)), 0.0f), 1.0f);
    int k = ((int)i % 6 + 6) % 6;
    const float rgb[6][3] = {{v, t, pp}, {q, v, pp}, {pp, v, t}, {pp, q, v}, {t, pp, v}, {v, pp, q}};
    for (int ch = 0; ch < 3; ch++) p[ch] = (uint8_t)(rgb[k][ch] * 255.0f);
}

void dc_adjust_hue(dc_image *im, double f)
{
    if (im->c != 3) return;
    for (int y = 0; y < im->h; y++) {
        uint8_t *p = im->data + (int64_t)y * im->stride;
        for (int x = 0; x < im->w; x++) hue_pixel(p + 3 * x, (float)f);
    }
}

void dc_solarize(dc_image *im, double threshold)
{
    for (int y = 0; y < im->h; y++) {
        uint8_t *p = im->data + (int64_t)y * im->stride;
        for (int i = 0; i < im->w * im->c; i++)
            if (p[i] >= threshold) p[i] = (uint8_t)(255 - p[i]);
    }
}
