/* image: tensor <-> interleaved image conversions on contiguous and strided tensors against
 * element-by-element reads, float pictures (clamped and rounded), the per-channel lookup
 * into float, views, and the mosaic against a hand-laid grid and a search-based reference
 * (each grid pixel asks which image, if any, covers it). */
#include "data/image.h"
#include "tiny_test.h"

static dc_tensor pattern(int ndim, const int64_t *shape)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_U8, ndim, shape));
    uint8_t *p = dc_tensor_data(&t);
    for (int64_t i = 0; i < dc_tensor_numel(&t); i++) p[i] = (uint8_t)(i * 37 + 11);
    return t;
}

/* pixel (x, y, ch) of an image */
static int px(const dc_image *im, int x, int y, int ch)
{
    return im->data[(int64_t)y * im->stride + x * im->c + ch];
}

/* im must hold t's pixels: t is [C, H, W] or [H, W] */
static void check_same(const dc_tensor *t, const dc_image *im)
{
    int c = t->ndim == 3 ? (int)t->shape[0] : 1;
    int bad = 0;
    CHECK(im->c == c && im->h == t->shape[t->ndim - 2] && im->w == t->shape[t->ndim - 1]);
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < im->h; y++)
            for (int x = 0; x < im->w; x++) {
                int64_t i3[3] = {ch, y, x}, i2[2] = {y, x};
                double want = dc_tensor_get(t, t->ndim == 3 ? i3 : i2);
                if (px(im, x, y, ch) != want && bad++ < 3)
                    TT_REPORT("pixel (%d, %d, %d) = %d, expected %g", x, y, ch, px(im, x, y, ch),
                              want);
            }
}

static void test_tensor_round_trip(void)
{
    int64_t rgb[3] = {3, 5, 7}, gray[3] = {1, 4, 6}, hw[2] = {3, 8}, t_shape[3] = {3, 7, 5};
    dc_tensor a = pattern(3, rgb), g = pattern(3, gray), m = pattern(2, hw),
              big = pattern(3, t_shape);
    dc_tensor tr = dc_tensor_empty(), back = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&tr, &big, 1, 2)); /* [3, 5, 7] with swapped strides */
    const dc_tensor *cases[] = {&a, &g, &m, &tr};
    for (size_t k = 0; k < 4; k++) {
        dc_buffer buf = {0};
        dc_image im;
        CHECK_OK(dc_image_from_tensor(cases[k], &buf, &im));
        check_same(cases[k], &im);
        CHECK_OK(dc_image_to_tensor(&im, &back));
        CHECK(back.ndim == 3 && back.shape[0] == im.c);
        int64_t n = dc_tensor_numel(cases[k]);
        const uint8_t *bp = dc_tensor_data(&back);
        dc_tensor c = dc_tensor_empty();
        CHECK_OK(dc_tensor_contiguous(&c, cases[k]));
        CHECK(n == dc_tensor_numel(&back) && memcmp(bp, dc_tensor_data(&c), (size_t)n) == 0);
        dc_tensor_release(&c);
        dc_tensor_release(&back);
        dc_buffer_free(&buf);
    }
    /* a one-channel tensor with unit column stride is read in place */
    dc_buffer buf = {0};
    dc_image im;
    CHECK_OK(dc_image_from_tensor(&g, &buf, &im));
    CHECK(im.data == dc_tensor_data(&g) && buf.cap == 0);
    dc_tensor f = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&f, DC_F32, 3, rgb));
    CHECK_FAILS(dc_image_from_tensor(&f, &buf, &im), DC_ERR_DTYPE, "image: expected uint8 pixels");
    int64_t bad[3] = {2, 4, 4};
    dc_tensor two = pattern(3, bad);
    CHECK(dc_image_from_tensor(&two, &buf, &im) != DC_OK);
    dc_tensor *all[] = {&a, &g, &m, &big, &tr, &f, &two};
    for (size_t i = 0; i < 7; i++) dc_tensor_release(all[i]);
}

static void test_picture_from_floats(void)
{
    float v[6] = {0.0f, 1.0f, 0.5f, -3.0f, 7.0f, NAN};
    int want[6] = {0, 255, 128, 0, 255, 0};
    int64_t shape[2] = {2, 3};
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_F32, 2, shape));
    memcpy(dc_tensor_data(&t), v, sizeof v);
    dc_buffer buf = {0};
    dc_image im;
    CHECK_OK(dc_image_from_picture(&t, &buf, &im));
    for (int i = 0; i < 6; i++) CHECK(px(&im, i % 3, i / 3, 0) == want[i]);
    /* every level: round(255 v) */
    int64_t s3[3] = {1, 1, 256};
    dc_tensor r = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&r, DC_F32, 3, s3));
    for (int i = 0; i < 256; i++) ((float *)dc_tensor_data(&r))[i] = (float)i / 255.0f;
    CHECK_OK(dc_image_from_picture(&r, &buf, &im));
    for (int i = 0; i < 256; i++) CHECK(px(&im, i, 0, 0) == i);
    int64_t s1[1] = {4};
    dc_tensor one = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&one, DC_I64, 1, s1));
    CHECK(dc_image_from_picture(&one, &buf, &im) != DC_OK);
    dc_buffer_free(&buf);
    dc_tensor_release(&t);
    dc_tensor_release(&r);
    dc_tensor_release(&one);
}

static void test_view_and_lookup(void)
{
    int64_t shape[3] = {3, 6, 9};
    dc_tensor t = pattern(3, shape);
    dc_buffer buf = {0};
    dc_image im;
    CHECK_OK(dc_image_from_tensor(&t, &buf, &im));
    dc_image v = dc_image_view(&im, 2, 1, 4, 3);
    CHECK(v.w == 4 && v.h == 3 && v.c == 3 && v.stride == im.stride);
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 4; x++)
            for (int ch = 0; ch < 3; ch++) CHECK(px(&v, x, y, ch) == px(&im, x + 2, y + 1, ch));
    static float lut[3][256];
    for (int ch = 0; ch < 3; ch++)
        for (int i = 0; i < 256; i++) lut[ch][i] = (float)(i * (ch + 1)) - 0.5f;
    float out[3 * 3 * 4];
    dc_image_to_float(&v, (const float(*)[256])lut, out);
    for (int ch = 0; ch < 3; ch++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 4; x++)
                CHECK(out[(ch * 3 + y) * 4 + x] == lut[ch][px(&v, x, y, ch)]);
    dc_buffer_free(&buf);
    dc_tensor_release(&t);
}

/* Grid pixel (ch, Y, X): the image whose cell covers it, else the padding value. */
static double grid_ref(const dc_tensor *imgs, const dc_mosaic_cfg *cfg, int64_t ch, int64_t Y,
                       int64_t X, double lo, double hi)
{
    int64_t n = imgs->shape[0], h = imgs->shape[2], w = imgs->shape[3], p = cfg->padding;
    int64_t ncol = n < cfg->nrow ? n : cfg->nrow;
    for (int64_t k = 0; k < n; k++) {
        int64_t top = p + (k / ncol) * (h + p), left = p + (k % ncol) * (w + p);
        if (Y < top || Y >= top + h || X < left || X >= left + w) continue;
        int64_t idx[4] = {k, ch, Y - top, X - left};
        double v = dc_tensor_get(imgs, idx) / (imgs->dtype == DC_U8 ? 255.0 : 1.0);
        return cfg->normalize ? (v - lo) / fmax(hi - lo, 1e-5) : v;
    }
    return cfg->pad_value;
}

static void test_mosaic(void)
{
    /* by hand: three 1x1 gray images, 2 per row, padding 1, padding value 9 */
    int64_t s1[4] = {3, 1, 1, 1};
    dc_tensor small = dc_tensor_empty(), g = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&small, DC_F32, 4, s1));
    float *sp = dc_tensor_data(&small);
    sp[0] = 1, sp[1] = 2, sp[2] = 3;
    dc_mosaic_cfg cfg;
    dc_mosaic_cfg_init(&cfg);
    cfg.nrow = 2, cfg.padding = 1, cfg.pad_value = 9;
    CHECK_OK(dc_mosaic(&small, &cfg, &g));
    float want[25] = {9, 9, 9, 9, 9, 9, 1, 9, 2, 9, 9, 9, 9, 9, 9, 9, 3, 9, 9, 9, 9, 9, 9, 9, 9};
    CHECK(g.ndim == 3 && g.shape[0] == 1 && g.shape[1] == 5 && g.shape[2] == 5);
    CHECK(memcmp(dc_tensor_data(&g), want, sizeof want) == 0);
    dc_tensor_release(&g);
    /* uint8 colour images, several layouts of the grid, normalised or not */
    int64_t s2[4] = {7, 3, 4, 5};
    dc_tensor u = pattern(4, s2);
    int nrows[] = {3, 8, 1}, pads[] = {2, 0, 1}, norms[] = {0, 1, 0};
    for (int c = 0; c < 3; c++) {
        dc_mosaic_cfg_init(&cfg);
        cfg.nrow = nrows[c], cfg.padding = pads[c], cfg.normalize = norms[c], cfg.pad_value = 0.25;
        CHECK_OK(dc_mosaic(&u, &cfg, &g));
        double lo = 255, hi = 0;
        const uint8_t *up = dc_tensor_data(&u);
        for (int64_t i = 0; i < dc_tensor_numel(&u); i++) {
            lo = fmin(lo, up[i]);
            hi = fmax(hi, up[i]);
        }
        lo /= 255, hi /= 255;
        int bad = 0;
        for (int64_t ch = 0; ch < g.shape[0]; ch++)
            for (int64_t y = 0; y < g.shape[1]; y++)
                for (int64_t x = 0; x < g.shape[2]; x++) {
                    int64_t idx[3] = {ch, y, x};
                    double r = grid_ref(&u, &cfg, ch, y, x, lo, hi);
                    if (fabs(dc_tensor_get(&g, idx) - r) > 1e-6 && bad++ < 3)
                        TT_REPORT("case %d: grid (%lld, %lld, %lld) = %g, expected %g", c,
                                  (long long)ch, (long long)y, (long long)x,
                                  dc_tensor_get(&g, idx), r);
                }
        dc_tensor_release(&g);
    }
    cfg.nrow = 0;
    CHECK_FAILS(dc_mosaic(&u, &cfg, &g), DC_ERR_ARG, "mosaic: nrow must be > 0");
    dc_tensor_release(&u);
    dc_tensor_release(&small);
}

int main(void)
{
    RUN_TEST(test_tensor_round_trip);
    RUN_TEST(test_picture_from_floats);
    RUN_TEST(test_view_and_lookup);
    RUN_TEST(test_mosaic);
    return TEST_SUMMARY();
}
