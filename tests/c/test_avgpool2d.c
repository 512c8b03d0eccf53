/* avgpool2d and adaptive_avgpool2d: forward against the definition (PyTorch's divisor
 * rules), gradients by finite differences. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/avgpool2d.h"

typedef struct fixture {
    dc_pool2d_cfg cfg;
    bool adaptive;
    dc_tensor x, r;
    int64_t ys[4];
} fixture;

static int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

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
                int64_t h0, h1, w0, w1;
                double div;
                if (f->adaptive) {
                    h0 = (int64_t)floor((double)oh * H / Ho), h1 = (int64_t)ceil((double)(oh + 1) * H / Ho);
                    w0 = (int64_t)floor((double)ow * W / Wo), w1 = (int64_t)ceil((double)(ow + 1) * W / Wo);
                    div = (double)((h1 - h0) * (w1 - w0));
                } else {
                    h0 = oh * c->sh - c->ph, w0 = ow * c->sw - c->pw;
                    h1 = imin(h0 + c->kh, H + c->ph), w1 = imin(w0 + c->kw, W + c->pw);
                    double padded = (double)((h1 - h0) * (w1 - w0));
                    h0 = imax(h0, 0), w0 = imax(w0, 0), h1 = imin(h1, H), w1 = imin(w1, W);
                    div = c->count_include_pad ? padded : (double)((h1 - h0) * (w1 - w0));
                }
                double s = 0;
                for (int64_t ih = h0; ih < h1; ih++)
                    for (int64_t iw = w0; iw < w1; iw++) s += gc_f(&f->x)[(p * H + ih) * W + iw];
                y[(p * Ho + oh) * Wo + ow] = s / div;
            }
    return y;
}

static void run_case(int N, int C, int H, int W, bool adaptive, dc_pool2d_cfg cfg, int64_t Ho,
                     int64_t Wo)
{
    fixture f;
    f.cfg = cfg;
    f.adaptive = adaptive;
    int64_t xs[4] = {N, C, H, W};
    f.x = gc_rand(4, xs, -1, 1);
    if (adaptive) {
        f.ys[0] = N, f.ys[1] = C, f.ys[2] = Ho, f.ys[3] = Wo;
    } else {
        CHECK_OK(dc_pool2d_out_shape(&cfg, &f.x, "test", f.ys));
        CHECK(f.ys[2] == Ho && f.ys[3] == Wo);
    }
    f.r = gc_rand(4, f.ys, -1, 1);
    dc_tensor y = dc_tensor_empty(), dx = dc_tensor_empty();
    if (adaptive) CHECK_OK(dc_adaptive_avgpool2d_forward(Ho, Wo, &f.x, &y));
    else CHECK_OK(dc_avgpool2d_forward(&cfg, &f.x, &y));
    double *want = reference(&f);
    gc_compare("y", &y, want, 1e-6);
    free(want);
    if (adaptive) CHECK_OK(dc_adaptive_avgpool2d_backward(Ho, Wo, &f.x, &f.r, &dx));
    else CHECK_OK(dc_avgpool2d_backward(&cfg, &f.x, &f.r, &dx));
    gc_check_projected("x", &f.x, &dx, reference, &f, &f.r, 1e-2, 1e-5);
    dc_tensor_release(&f.x);
    dc_tensor_release(&f.r);
    dc_tensor_release(&y);
    dc_tensor_release(&dx);
}

static void test_plain(void) { run_case(2, 3, 6, 7, false, (dc_pool2d_cfg){2, 2, 2, 2, 0, 0, false, true}, 3, 3); }
static void test_padded_counts(void)
{
    run_case(1, 2, 5, 6, false, (dc_pool2d_cfg){3, 3, 2, 2, 1, 1, false, true}, 3, 3);
    run_case(1, 2, 5, 6, false, (dc_pool2d_cfg){3, 3, 2, 2, 1, 1, false, false}, 3, 3);
}
static void test_ceil_mode(void)
{
    /* 8 with k3 s2 p1: floor 4, ceil 5, the last window partly over the padding */
    run_case(1, 2, 8, 6, false, (dc_pool2d_cfg){3, 2, 2, 2, 1, 1, true, true}, 5, 4);
    run_case(1, 2, 8, 6, false, (dc_pool2d_cfg){3, 2, 2, 2, 0, 0, true, false}, 4, 3);
}
/* the paper's probes: 256x13x13 (conv5) -> 6x6 and other odd ratios, also upsampling */
static void test_adaptive(void)
{
    run_case(2, 3, 13, 13, true, (dc_pool2d_cfg){0}, 6, 6);
    run_case(1, 2, 7, 10, true, (dc_pool2d_cfg){0}, 3, 4);
    run_case(1, 1, 3, 2, true, (dc_pool2d_cfg){0}, 5, 3);
}

static void test_errors(void)
{
    int64_t xs[4] = {1, 1, 2, 2};
    dc_tensor x = gc_zeros(4, xs), y = dc_tensor_empty();
    CHECK_FAILS(dc_adaptive_avgpool2d_forward(0, 3, &x, &y), DC_ERR_ARG,
                "adaptive_avgpool2d_forward: output size must be positive, got 0x3");
    dc_tensor_release(&x);
}

int main(void)
{
    gc_seed(4);
    RUN_TEST(test_plain);
    RUN_TEST(test_padded_counts);
    RUN_TEST(test_ceil_mode);
    RUN_TEST(test_adaptive);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
