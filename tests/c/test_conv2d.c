/* conv2d: forward against a direct double loop, backward by finite differences, on odd
 * shapes with stride, padding, rectangular kernels and batches that span several chunks. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/conv2d.h"

typedef struct fixture {
    dc_conv2d_cfg cfg;
    dc_tensor x, w, b, r; /* r: the random projection of y that defines the loss */
    int64_t ys[4];
} fixture;

/* y = conv2d(x, w) + b in double, straight from the definition. */
static double *reference(const void *ctx)
{
    const fixture *f = ctx;
    const dc_conv2d_cfg *c = &f->cfg;
    int64_t N = f->x.shape[0], C = f->x.shape[1], H = f->x.shape[2], W = f->x.shape[3];
    int64_t O = f->ys[1], Ho = f->ys[2], Wo = f->ys[3];
    double *y = calloc((size_t)(N * O * Ho * Wo), sizeof(double));
    const float *x = gc_f(&f->x), *w = gc_f(&f->w);
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++)
            for (int64_t oh = 0; oh < Ho; oh++)
                for (int64_t ow = 0; ow < Wo; ow++) {
                    double s = c->bias ? gc_f(&f->b)[o] : 0;
                    for (int64_t ci = 0; ci < C; ci++)
                        for (int i = 0; i < c->kh; i++)
                            for (int j = 0; j < c->kw; j++) {
                                int64_t ih = oh * c->sh - c->ph + i, iw = ow * c->sw - c->pw + j;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                s += (double)x[((n * C + ci) * H + ih) * W + iw] *
                                     w[((o * C + ci) * c->kh + i) * c->kw + j];
                            }
                    y[((n * O + o) * Ho + oh) * Wo + ow] = s;
                }
    return y;
}

static void run_algo(int N, int C, int H, int W, int O, int kh, int kw, int sh, int sw, int ph,
                     int pw, bool bias, dc_conv2d_algo algo)
{
    fixture f;
    f.cfg = (dc_conv2d_cfg){C, O, kh, kw, sh, sw, ph, pw, bias, algo, false};
    int64_t xs[4] = {N, C, H, W}, ws[4] = {O, C, kh, kw}, bs[1] = {O};
    f.x = gc_rand(4, xs, -1, 1);
    f.w = gc_rand(4, ws, -1, 1);
    f.b = bias ? gc_rand(1, bs, -1, 1) : dc_tensor_empty();
    CHECK_OK(dc_conv2d_out_shape(&f.cfg, &f.x, f.ys));
    f.r = gc_rand(4, f.ys, -1, 1);

    dc_tensor y = dc_tensor_empty();
    CHECK_OK(dc_conv2d_forward(&f.cfg, &f.x, &f.w, bias ? &f.b : NULL, &y));
    double *want = reference(&f);
    gc_compare("y", &y, want, 1e-4);
    free(want);

    /* gradients accumulate: start dw, db at 1 and check the increment */
    dc_tensor dx = dc_tensor_empty(), dw = gc_zeros(4, ws), db = gc_zeros(1, bs);
    dc_fill(&dw, 1.0);
    dc_fill(&db, 1.0);
    CHECK_OK(dc_conv2d_backward(&f.cfg, &f.x, &f.w, &f.r, &dx, &dw, bias ? &db : NULL, 1.0f));
    dc_binary_scalar(DC_SUB, &dw, 1.0, false, false, &dw);
    dc_binary_scalar(DC_SUB, &db, 1.0, false, false, &db);
    gc_check_projected("x", &f.x, &dx, reference, &f, &f.r, 1e-2, 2e-4);
    gc_check_projected("w", &f.w, &dw, reference, &f, &f.r, 1e-2, 2e-4);
    if (bias) gc_check_projected("b", &f.b, &db, reference, &f, &f.r, 1e-2, 2e-4);

    dc_tensor_release(&y);
    dc_tensor_release(&dx);
    dc_tensor_release(&dw);
    dc_tensor_release(&db);
    dc_tensor_release(&f.x);
    dc_tensor_release(&f.w);
    dc_tensor_release(&f.b);
    dc_tensor_release(&f.r);
}

static void run_case(int N, int C, int H, int W, int O, int kh, int kw, int sh, int sw, int ph,
                     int pw, bool bias)
{
    run_algo(N, C, H, W, O, kh, kw, sh, sw, ph, pw, bias, DC_CONV_AUTO);
    run_algo(N, C, H, W, O, kh, kw, sh, sw, ph, pw, bias, DC_CONV_IM2COL);
    run_algo(N, C, H, W, O, kh, kw, sh, sw, ph, pw, bias, DC_CONV_ONEDNN);
}

static void test_plain_3x3(void) { run_case(2, 3, 7, 6, 4, 3, 3, 1, 1, 0, 0, true); }
static void test_padded_3x3(void) { run_case(3, 2, 5, 5, 3, 3, 3, 1, 1, 1, 1, true); }
static void test_strided_rect(void) { run_case(2, 3, 11, 9, 5, 3, 2, 2, 3, 1, 2, true); }
static void test_alexnet_like_stem(void) { run_case(1, 2, 23, 23, 4, 11, 11, 4, 4, 2, 2, false); }
static void test_pointwise(void) { run_case(3, 5, 4, 3, 6, 1, 1, 1, 1, 0, 0, true); }
static void test_large_padding(void) { run_case(2, 1, 3, 4, 2, 5, 3, 1, 2, 3, 2, true); }

/* Winograd F(2x2, 3x3) and F(4x4, 3x3), forced on small layers: odd sizes (partial tiles),
 * every padding */
static void test_winograd(void)
{
    for (int algo = DC_CONV_WINOGRAD2; algo <= DC_CONV_WINOGRAD4; algo++)
        for (int pad = 0; pad <= 2; pad++) {
            run_algo(2, 3, 7, 6, 4, 3, 3, 1, 1, pad, pad, true, (dc_conv2d_algo)algo);
            run_algo(1, 2, 4, 5, 3, 3, 3, 1, 1, pad, 2 - pad, false, (dc_conv2d_algo)algo);
            run_algo(1, 2, 9, 11, 2, 3, 3, 1, 1, pad, 1, true, (dc_conv2d_algo)algo);
        }
    run_algo(2, 16, 6, 4, 16, 3, 3, 1, 1, 1, 1, true, DC_CONV_AUTO); /* picked automatically */
    dc_conv2d_cfg c = {3, 4, 3, 3, 2, 2, 1, 1, true, DC_CONV_WINOGRAD4, false};
    CHECK_FAILS(dc_conv2d_cfg_check(&c, "conv2d"), DC_ERR_ARG, "conv2d: Winograd needs a 3x3 kernel, stride 1");
}

/* Both Winograd variants agree with im2col on a batch that spans several workspace chunks */
static void test_winograd_chunks(void)
{
    dc_conv2d_cfg ci = {64, 32, 3, 3, 1, 1, 1, 1, true, DC_CONV_IM2COL, false};
    int64_t xs[4] = {300, 64, 19, 20}, ws[4] = {32, 64, 3, 3}, bs[1] = {32};
    dc_tensor x = gc_rand(4, xs, -1, 1), w = gc_rand(4, ws, -1, 1), b = gc_rand(1, bs, -1, 1);
    dc_tensor y1 = dc_tensor_empty(), y2 = dc_tensor_empty(), d1 = dc_tensor_empty(),
              d2 = dc_tensor_empty();
    CHECK_OK(dc_conv2d_forward(&ci, &x, &w, &b, &y1));
    CHECK_OK(dc_conv2d_backward(&ci, &x, &w, &y1, &d1, NULL, NULL, 1.0f));
    for (int algo = DC_CONV_WINOGRAD2; algo <= DC_CONV_WINOGRAD4; algo++) {
        dc_conv2d_cfg cw = ci;
        cw.algo = (dc_conv2d_algo)algo;
        CHECK_OK(dc_conv2d_forward(&cw, &x, &w, &b, &y2));
        CHECK_OK(dc_conv2d_backward(&cw, &x, &w, &y1, &d2, NULL, NULL, 1.0f));
        double e1 = 0, e2 = 0;
        for (int64_t i = 0; i < dc_tensor_numel(&y1); i++)
            e1 = fmax(e1, fabs(gc_f(&y1)[i] - gc_f(&y2)[i]));
        for (int64_t i = 0; i < dc_tensor_numel(&d1); i++)
            e2 = fmax(e2, fabs(gc_f(&d1)[i] - gc_f(&d2)[i]));
        CHECK(e1 < 2e-3); /* values ~ sqrt(576) = 24: relative 1e-4 */
        CHECK(e2 < 2e-2); /* values ~ 24 * sqrt(288) = 400 */
    }
    dc_tensor *all[] = {&x, &w, &b, &y1, &y2, &d1, &d2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

/* A batch of many images goes through several workspace chunks; compare with per-image runs. */
static void test_chunks_match_single_images(void)
{
    dc_conv2d_cfg cfg = {64, 8, 3, 3, 1, 1, 1, 1, true, DC_CONV_AUTO, false};
    int64_t xs[4] = {300, 64, 20, 20}, ws[4] = {8, 64, 3, 3}, bs[1] = {8};
    dc_tensor x = gc_rand(4, xs, -1, 1), w = gc_rand(4, ws, -1, 1), b = gc_rand(1, bs, -1, 1);
    dc_tensor y = dc_tensor_empty(), dx = dc_tensor_empty(), x1 = dc_tensor_empty(),
              y1 = dc_tensor_empty(), dy1 = dc_tensor_empty(), dx1 = dc_tensor_empty();
    dc_tensor dw = gc_zeros(4, ws), dw1 = gc_zeros(4, ws);
    CHECK_OK(dc_conv2d_forward(&cfg, &x, &w, &b, &y));
    CHECK_OK(dc_conv2d_backward(&cfg, &x, &w, &y, &dx, &dw, NULL, 1.0f));
    int64_t pick[3] = {0, 151, 299};
    for (int k = 0; k < 3; k++) {
        CHECK_OK(dc_tensor_narrow(&x1, &x, 0, pick[k], 1));
        CHECK_OK(dc_conv2d_forward(&cfg, &x1, &w, &b, &y1));
        dc_tensor ys = dc_tensor_empty(), dxs = dc_tensor_empty();
        CHECK_OK(dc_tensor_narrow(&ys, &y, 0, pick[k], 1));
        CHECK_OK(dc_tensor_narrow(&dxs, &dx, 0, pick[k], 1));
        for (int64_t i = 0; i < dc_tensor_numel(&y1); i++)
            CHECK_CLOSE(gc_f(&ys)[i], gc_f(&y1)[i], 1e-5);
        CHECK_OK(dc_conv2d_backward(&cfg, &x1, &w, &y1, &dx1, NULL, NULL, 1.0f));
        for (int64_t i = 0; i < dc_tensor_numel(&dx1); i++)
            CHECK_CLOSE(gc_f(&dxs)[i], gc_f(&dx1)[i], 1e-4);
        dc_tensor_release(&ys);
        dc_tensor_release(&dxs);
        dc_tensor_release(&dx1);
        dc_tensor_release(&y1);
    }
    dc_tensor_release(&dy1);
    dc_tensor_release(&x1);
    dc_tensor_release(&x);
    dc_tensor_release(&w);
    dc_tensor_release(&b);
    dc_tensor_release(&y);
    dc_tensor_release(&dx);
    dc_tensor_release(&dw);
    dc_tensor_release(&dw1);
}

static void test_errors(void)
{
    dc_conv2d_cfg cfg;
    dc_conv2d_cfg_init(&cfg, 3, 4, 3);
    int64_t xs[4] = {2, 2, 5, 5}, ws[4] = {4, 3, 3, 3}, bs[1] = {4}, small[4] = {1, 3, 2, 2};
    dc_tensor x = gc_rand(4, xs, -1, 1), w = gc_rand(4, ws, -1, 1), b = gc_rand(1, bs, -1, 1);
    dc_tensor y = dc_tensor_empty(), s = gc_rand(4, small, 0, 1);
    CHECK_FAILS(dc_conv2d_forward(&cfg, &x, &w, &b, &y), DC_ERR_SHAPE,
                "conv2d_forward: expected 3 input channels, got x float32 [2, 2, 5, 5]");
    CHECK_FAILS(dc_conv2d_forward(&cfg, &s, &w, &b, &y), DC_ERR_SHAPE,
                "padded to 2x2 is smaller than the 3x3 kernel");
    CHECK_FAILS(dc_conv2d_forward(&cfg, &w, &x, &b, &y), DC_ERR_SHAPE,
                "conv2d_forward: weight must be float32 [4, 3, 3, 3], got float32 [2, 2, 5, 5]");
    cfg.sh = 0;
    CHECK_FAILS(dc_conv2d_forward(&cfg, &x, &w, &b, &y), DC_ERR_ARG, "stride must be positive");
    dc_tensor_release(&x);
    dc_tensor_release(&w);
    dc_tensor_release(&b);
    dc_tensor_release(&s);
}

int main(void)
{
    gc_seed(1);
    RUN_TEST(test_plain_3x3);
    RUN_TEST(test_padded_3x3);
    RUN_TEST(test_strided_rect);
    RUN_TEST(test_alexnet_like_stem);
    RUN_TEST(test_pointwise);
    RUN_TEST(test_large_padding);
    RUN_TEST(test_chunks_match_single_images);
    RUN_TEST(test_winograd);
    RUN_TEST(test_winograd_chunks);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
