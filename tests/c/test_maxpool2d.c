/* maxpool2d: PyTorch's output sizes (floor and ceil mode), ties to the first maximum, and
 * finite-difference gradients on tie-free inputs. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/maxpool2d.h"

typedef struct fixture {
    dc_pool2d_cfg cfg;
    dc_tensor x, r;
    int64_t ys[4];
} fixture;

static double *reference(const void *ctx)
{
    const fixture *f = ctx;
    const dc_pool2d_cfg *c = &f->cfg;
    int64_t P = f->x.shape[0] * f->x.shape[1], H = f->x.shape[2], W = f->x.shape[3];
    int64_t Ho = f->ys[2], Wo = f->ys[3];
    double *y = malloc(sizeof(double) * (size_t)(P * Ho * Wo));
    for (int64_t p = 0; p < P; p++)
        for (int64_t oh = 0; oh < Ho; oh++)
            for (int64_t ow = 0; ow < Wo; ow++) {
                double m = -INFINITY;
                for (int i = 0; i < c->kh; i++)
                    for (int j = 0; j < c->kw; j++) {
                        int64_t ih = oh * c->sh - c->ph + i, iw = ow * c->sw - c->pw + j;
                        if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                            m = fmax(m, gc_f(&f->x)[(p * H + ih) * W + iw]);
                    }
                y[(p * Ho + oh) * Wo + ow] = m;
            }
    return y;
}

static void run_case(int N, int C, int H, int W, dc_pool2d_cfg cfg, int64_t Ho, int64_t Wo)
{
    fixture f;
    f.cfg = cfg;
    int64_t xs[4] = {N, C, H, W};
    /* distinct values spaced 0.05 apart, shuffled: no ties within h of each other */
    f.x = gc_zeros(4, xs);
    int64_t n = dc_tensor_numel(&f.x);
    for (int64_t i = 0; i < n; i++) gc_f(&f.x)[i] = (float)(0.05 * i);
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)(gc_uniform() * (double)(i + 1));
        float t = gc_f(&f.x)[i];
        gc_f(&f.x)[i] = gc_f(&f.x)[j];
        gc_f(&f.x)[j] = t;
    }
    CHECK_OK(dc_pool2d_out_shape(&cfg, &f.x, "test", f.ys));
    CHECK(f.ys[2] == Ho && f.ys[3] == Wo);
    f.r = gc_rand(4, f.ys, -1, 1);
    dc_tensor y = dc_tensor_empty(), idx = dc_tensor_empty(), dx = dc_tensor_empty();
    CHECK_OK(dc_maxpool2d_forward(&cfg, &f.x, &y, &idx));
    double *want = reference(&f);
    gc_compare("y", &y, want, 0);
    free(want);
    CHECK_OK(dc_maxpool2d_backward(&cfg, &f.x, &f.r, &idx, &dx));
    gc_check_projected("x", &f.x, &dx, reference, &f, &f.r, 1e-2, 1e-5);
    /* without indices (an evaluation-mode forward): the same output, the same gradient */
    dc_tensor y2 = dc_tensor_empty(), dx2 = dc_tensor_empty();
    CHECK_OK(dc_maxpool2d_forward(&cfg, &f.x, &y2, NULL));
    CHECK_OK(dc_maxpool2d_backward(&cfg, &f.x, &f.r, NULL, &dx2));
    for (int64_t i = 0; i < dc_tensor_numel(&y); i++) CHECK(gc_f(&y2)[i] == gc_f(&y)[i]);
    for (int64_t i = 0; i < dc_tensor_numel(&dx); i++) CHECK(gc_f(&dx2)[i] == gc_f(&dx)[i]);
    dc_tensor_release(&y2);
    dc_tensor_release(&dx2);
    dc_tensor *all[] = {&f.x, &f.r, &y, &idx, &dx};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_2x2(void) { run_case(2, 3, 6, 7, (dc_pool2d_cfg){2, 2, 2, 2, 0, 0, false, true}, 3, 3); }
/* AlexNet's overlapping 3x3 stride 2: 55 -> 27, 27 -> 13, 13 -> 6 */
static void test_overlapping(void)
{
    run_case(1, 2, 13, 13, (dc_pool2d_cfg){3, 3, 2, 2, 0, 0, false, true}, 6, 6);
}
static void test_ceil_mode(void)
{
    /* 14 with k3 s2: floor 6, ceil 7; 5 with k2 s2 p1: ceil gives 3, not 4 (the 4th window
     * would start in the right padding) */
    run_case(1, 2, 14, 5, (dc_pool2d_cfg){3, 2, 2, 2, 0, 1, true, true}, 7, 3);
}
/* the 2x2 fast path, also with a NaN (it wins, like PyTorch) */
static void test_2x2_odd_and_nan(void)
{
    run_case(2, 2, 7, 9, (dc_pool2d_cfg){2, 2, 2, 2, 0, 0, false, true}, 3, 4);
    int64_t xs[4] = {1, 1, 2, 2};
    dc_tensor x = gc_zeros(4, xs), y = dc_tensor_empty(), idx = dc_tensor_empty();
    gc_f(&x)[0] = 1, gc_f(&x)[1] = NAN, gc_f(&x)[2] = 5;
    dc_pool2d_cfg c;
    dc_pool2d_cfg_init(&c, 2, 2);
    CHECK_OK(dc_maxpool2d_forward(&c, &x, &y, &idx));
    CHECK(isnan(gc_f(&y)[0]));
    CHECK(((int64_t *)dc_tensor_data(&idx))[0] == 1);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&idx);
}
static void test_padded_rect(void) { run_case(2, 1, 5, 8, (dc_pool2d_cfg){3, 4, 1, 3, 1, 2, false, true}, 5, 3); }

static void test_ties_go_to_first(void)
{
    int64_t xs[4] = {1, 1, 2, 2};
    dc_tensor x = gc_zeros(4, xs), y = dc_tensor_empty(), idx = dc_tensor_empty();
    gc_f(&x)[1] = 5, gc_f(&x)[2] = 5, gc_f(&x)[3] = 5;
    dc_pool2d_cfg c;
    dc_pool2d_cfg_init(&c, 2, 2);
    CHECK_OK(dc_maxpool2d_forward(&c, &x, &y, &idx));
    CHECK(gc_f(&y)[0] == 5);
    CHECK(((int64_t *)dc_tensor_data(&idx))[0] == 1);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&idx);
}

/* The vector paths (8 outputs at a time: 2x2 stride 2 by pairs of loads, any other window by
 * gathers) against a walk of each window in row-major order by the layer's rule (the first
 * maximum; a NaN wins once; padding never wins), on data full of ties and NaNs: rows of 18
 * outputs (two vectors, the second partial) with odd sizes, then the pooling inputs of the
 * small, AlexNet and VGG-16 models (one image), then padded, strided and ceil-mode windows
 * whose border columns walk one by one. */
static void check_against_walk(dc_pool2d_cfg c, int64_t C, int64_t H, int64_t W)
{
    int64_t xs[4] = {1, C, H, W}, ys[4];
    dc_tensor x = gc_zeros(4, xs), y = dc_tensor_empty(), idx = dc_tensor_empty();
    const int64_t n = dc_tensor_numel(&x);
    for (int64_t i = 0; i < n; i++) {
        int v = (int)(gc_uniform() * 4);
        gc_f(&x)[i] = v == 3 ? (gc_uniform() < 0.5 ? NAN : 2.0f) : (float)v;
    }
    CHECK_OK(dc_pool2d_out_shape(&c, &x, "test", ys));
    CHECK_OK(dc_maxpool2d_forward(&c, &x, &y, &idx));
    const int64_t Ho = ys[2], Wo = ys[3];
    int bad = 0;
    for (int64_t p = 0; p < C; p++)
        for (int64_t o = 0; o < Ho * Wo && bad < 3; o++) {
            const int64_t oh = o / Wo, ow = o % Wo;
            const float *src = gc_f(&x) + p * H * W;
            int64_t at = -1;
            for (int i = 0; i < c.kh; i++)
                for (int j = 0; j < c.kw; j++) {
                    const int64_t ih = oh * c.sh - c.ph + i, iw = ow * c.sw - c.pw + j;
                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                    const int64_t q = ih * W + iw;
                    if (at < 0 || src[q] > src[at] || (isnan(src[q]) && !isnan(src[at]))) at = q;
                }
            const float got = gc_f(&y)[p * Ho * Wo + o];
            const int64_t got_at = ((int64_t *)dc_tensor_data(&idx))[p * Ho * Wo + o];
            if (got_at != at || !(got == src[at] || (isnan(got) && isnan(src[at])))) {
                TT_REPORT("%dx%d/%d pad %dx%d, %lldx%lldx%lld, plane %lld output %lld: %g at %lld, "
                          "expected %g at %lld", c.kh, c.kw, c.sw, c.ph, c.pw, (long long)C,
                          (long long)H, (long long)W, (long long)p, (long long)o, got,
                          (long long)got_at, src[at], (long long)at);
                bad++;
            }
        }
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&idx);
}

static void test_vector_ties_nan(void)
{
    static const int64_t shapes[][3] = {
        {6, 13, 37},                                                    /* odd, 18 a row */
        {64, 28, 28},   {128, 14, 14},  {256, 7, 7},                    /* small */
        {64, 224, 224}, {128, 112, 112}, {256, 56, 56}, {512, 28, 28}, {512, 14, 14}, /* VGG-16 */
    };
    dc_pool2d_cfg c2;
    dc_pool2d_cfg_init(&c2, 2, 2);
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        check_against_walk(c2, shapes[i][0], shapes[i][1], shapes[i][2]);
    /* AlexNet: 3x3 stride 2 on 55, 27, 13 */
    const dc_pool2d_cfg c3 = {3, 3, 2, 2, 0, 0, false, true};
    check_against_walk(c3, 96, 55, 55);
    check_against_walk(c3, 256, 27, 27);
    check_against_walk(c3, 256, 13, 13);
    check_against_walk(c3, 3, 11, 37);
    /* padding, rectangles, strides 1 and 3, ceil mode */
    check_against_walk((dc_pool2d_cfg){3, 3, 2, 2, 1, 1, false, true}, 3, 13, 40);
    check_against_walk((dc_pool2d_cfg){3, 4, 1, 3, 1, 2, false, true}, 2, 9, 50);
    check_against_walk((dc_pool2d_cfg){2, 3, 1, 1, 0, 1, false, true}, 2, 7, 21);
    check_against_walk((dc_pool2d_cfg){3, 3, 3, 3, 1, 1, true, true}, 2, 16, 53);
    check_against_walk((dc_pool2d_cfg){3, 2, 2, 2, 0, 1, true, true}, 2, 14, 25);
}

static void test_errors(void)
{
    int64_t xs[4] = {1, 1, 2, 2};
    dc_tensor x = gc_zeros(4, xs), y = dc_tensor_empty(), idx = dc_tensor_empty();
    dc_pool2d_cfg c = {3, 3, 1, 1, 0, 0, false, true};
    CHECK_FAILS(dc_maxpool2d_forward(&c, &x, &y, &idx), DC_ERR_SHAPE,
                "maxpool2d_forward: x float32 [1, 1, 2, 2] is too small for a 3x3 window");
    c.ph = 2;
    CHECK_FAILS(dc_maxpool2d_forward(&c, &x, &y, &idx), DC_ERR_ARG,
                "padding 2x0 must be between 0 and half the 3x3 window");
    dc_tensor_release(&x);
}

int main(void)
{
    gc_seed(3);
    RUN_TEST(test_2x2);
    RUN_TEST(test_overlapping);
    RUN_TEST(test_ceil_mode);
    RUN_TEST(test_padded_rect);
    RUN_TEST(test_2x2_odd_and_nan);
    RUN_TEST(test_vector_ties_nan);
    RUN_TEST(test_ties_go_to_first);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
