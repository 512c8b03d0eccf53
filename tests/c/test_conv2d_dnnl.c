/* The oneDNN convolution bodies against the built-in im2col + sgemm kernel (itself tested
 * against the definition and finite differences in test_conv2d.c): forward, input gradient
 * and weight gradient (accumulated with a scale) on every conv layer shape of the small,
 * AlexNet and VGG-16 models (Sobel front end: 2 input channels), at batch 2 (VGG-16: 1).
 * Tolerance: max |onednn - im2col| <= 1e-4 * max |im2col| per tensor (fp32 sums of up to
 * 4608 products in another order). The bf16 bodies
 * against the same fp32 kernel: max error <= BF16_TOL * max |im2col| per tensor (inputs
 * rounded to 8 significant bits, relative error 2^-9 each; sums in fp32; measured 0.4e-3 to
 * 2.5e-3 on these shapes, so 5e-3 is about 2.5 * 2^-9); skipped, with the
 * reason printed and not counted as passed, on a CPU without AVX512_BF16 or AMX-BF16. */
#include <stdlib.h>

#include "bf16_skip.h"
#include "gradcheck.h"
#include "layers/conv2d.h"
#include "layers/conv2d_dnnl.h"
#include "parallel.h"

typedef struct shape {
    const char *name;
    int N, C, H, O, k, s, p;
} shape;

static const shape shapes[] = {
    {"small conv1", 2, 2, 28, 64, 3, 1, 1},       {"small conv2", 2, 64, 14, 128, 3, 1, 1},
    {"small conv3", 2, 128, 7, 256, 3, 1, 1},     {"small conv4", 2, 256, 7, 256, 3, 1, 1},
    {"alexnet conv1", 2, 2, 224, 96, 11, 4, 2},   {"alexnet conv2", 2, 96, 27, 256, 5, 1, 2},
    {"alexnet conv3", 2, 256, 13, 384, 3, 1, 1},  {"alexnet conv4", 2, 384, 13, 384, 3, 1, 1},
    {"alexnet conv5", 2, 384, 13, 256, 3, 1, 1},  {"vgg16 conv1_1", 1, 2, 224, 64, 3, 1, 1},
    {"vgg16 conv1_2", 1, 64, 224, 64, 3, 1, 1},   {"vgg16 conv2_1", 1, 64, 112, 128, 3, 1, 1},
    {"vgg16 conv2_2", 1, 128, 112, 128, 3, 1, 1}, {"vgg16 conv3_1", 1, 128, 56, 256, 3, 1, 1},
    {"vgg16 conv3_2", 1, 256, 56, 256, 3, 1, 1},  {"vgg16 conv4_1", 1, 256, 28, 512, 3, 1, 1},
    {"vgg16 conv4_2", 1, 512, 28, 512, 3, 1, 1},  {"vgg16 conv5_1", 1, 512, 14, 512, 3, 1, 1},
};

#define BF16_TOL 5e-3

static void compare_model_shapes(bool bf16, double tol)
{
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        const shape *s = &shapes[k];
        dc_conv2d_cfg ref = {s->C, s->O, s->k, s->k, s->s, s->s, s->p, s->p, true, DC_CONV_IM2COL, false};
        dc_conv2d_cfg dn = ref;
        dn.algo = DC_CONV_ONEDNN, dn.bf16 = bf16;
        int64_t xs[4] = {s->N, s->C, s->H, s->H}, ws[4] = {s->O, s->C, s->k, s->k}, bs[1] = {s->O};
        dc_tensor x = gc_rand(4, xs, -1, 1), w = gc_rand(4, ws, -1, 1), b = gc_rand(1, bs, -1, 1);
        dc_tensor y1 = dc_tensor_empty(), y2 = dc_tensor_empty(), dx1 = dc_tensor_empty(),
                  dx2 = dc_tensor_empty(), dw1 = gc_zeros(4, ws), dw2 = gc_zeros(4, ws);
        CHECK_OK(dc_conv2d_forward(&ref, &x, &w, &b, &y1));
        CHECK_OK(dc_conv2d_forward(&dn, &x, &w, &b, &y2));
        dc_fill(&dw1, 0.5), dc_fill(&dw2, 0.5); /* accumulates: dw += 0.25 * grad */
        CHECK_OK(dc_conv2d_backward(&ref, &x, &w, &y1, &dx1, &dw1, NULL, 0.25f));
        CHECK_OK(dc_conv2d_backward(&dn, &x, &w, &y1, &dx2, &dw2, NULL, 0.25f));
        double ey = gc_rel_err(&y2, &y1), ex = gc_rel_err(&dx2, &dx1), ew = gc_rel_err(&dw2, &dw1);
        if (!(ey <= tol && ex <= tol && ew <= tol))
            TT_REPORT("%s%s: relative errors y %.2g, dx %.2g, dw %.2g (tolerance %g)", s->name,
                      bf16 ? " bf16" : "", ey, ex, ew, tol);
        dc_tensor *all[] = {&x, &w, &b, &y1, &y2, &dx1, &dx2, &dw1, &dw2};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
    }
}

static void test_model_shapes(void) { compare_model_shapes(false, 1e-4); }

static void test_model_shapes_bf16(void)
{
    const char *why = no_bf16();
    if (why) TT_SKIP(why);
    compare_model_shapes(true, BF16_TOL);
}

/* The weight gradient is split by images over the threads (conv2d_dnnl.c): batches that do
 * not divide evenly, fewer images than threads, and a thread count changed between calls
 * (primitives are built per thread count) all match im2col, fp32 and, where the CPU has it,
 * bf16, in every pass. */
/* In bf16 a layer of fewer than 16 input channels computes all three passes in fp32 (the AMX
 * kernels pad the channels to 16 and were slower): the bf16 layer matches the fp32 one. */
static void test_bf16_few_channels(void)
{
    const char *why = no_bf16();
    if (why) TT_SKIP(why);
    int64_t ws[4] = {8, 2, 3, 3}, xs[4] = {3, 2, 9, 9}, ys[4] = {3, 8, 9, 9};
    dc_tensor w = gc_rand(4, ws, -1, 1), x = gc_rand(4, xs, -1, 1), dy = gc_rand(4, ys, -1, 1);
    dc_tensor y[2] = {dc_tensor_empty(), dc_tensor_empty()}, dx[2] = {dc_tensor_empty(), dc_tensor_empty()},
              dw[2] = {gc_zeros(4, ws), gc_zeros(4, ws)};
    for (int bf16 = 0; bf16 < 2; bf16++) {
        dc_conv2d_cfg c = {2, 8, 3, 3, 1, 1, 1, 1, false, DC_CONV_ONEDNN, bf16};
        CHECK_OK(dc_conv2d_forward(&c, &x, &w, NULL, &y[bf16]));
        CHECK_OK(dc_conv2d_backward(&c, &x, &w, &dy, &dx[bf16], &dw[bf16], NULL, 1.0f));
    }
    double ey = gc_rel_err(&y[1], &y[0]), ex = gc_rel_err(&dx[1], &dx[0]), ew = gc_rel_err(&dw[1], &dw[0]);
    if (!(ey <= 1e-6 && ex <= 1e-6 && ew <= 1e-6))
        TT_REPORT("bf16 against fp32, 2 input channels: relative errors y %.2g, dx %.2g, dw %.2g",
                  ey, ex, ew);
    dc_tensor *all[] = {&w, &x, &dy, &y[0], &y[1], &dx[0], &dx[1], &dw[0], &dw[1]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

/* In bf16 a 3x3 stride-1 layer on maps under 10x10 computes its weight gradient in fp32
 * (Winograd: faster there than the AMX kernel): that gradient matches the fp32 layer's. */
static void test_bf16_small_map_weight_grad(void)
{
    const char *why = no_bf16();
    if (why) TT_SKIP(why);
    int64_t ws[4] = {16, 16, 3, 3}, xs[4] = {4, 16, 7, 7}, ys[4] = {4, 16, 7, 7};
    dc_tensor w = gc_rand(4, ws, -1, 1), x = gc_rand(4, xs, -1, 1), dy = gc_rand(4, ys, -1, 1);
    dc_tensor dw[2] = {gc_zeros(4, ws), gc_zeros(4, ws)};
    for (int bf16 = 0; bf16 < 2; bf16++) {
        dc_conv2d_cfg c = {16, 16, 3, 3, 1, 1, 1, 1, false, DC_CONV_ONEDNN, bf16};
        CHECK_OK(dc_conv2d_backward(&c, &x, &w, &dy, NULL, &dw[bf16], NULL, 1.0f));
    }
    double ew = gc_rel_err(&dw[1], &dw[0]);
    if (!(ew <= 1e-6)) TT_REPORT("bf16 weight gradient on 7x7 maps against fp32: relative error %.2g", ew);
    dc_tensor *all[] = {&w, &x, &dy, &dw[0], &dw[1]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_split_by_images(void)
{
    const int threads0 = dc_get_num_threads();
    /* 16 input channels: fewer run in fp32 even in bf16 (test_bf16_few_channels) */
    int64_t ws[4] = {16, 16, 3, 3};
    dc_tensor w = gc_rand(4, ws, -1, 1);
    for (int bf16 = 0; bf16 <= dc_cpu_bf16(dc_cpu_get()); bf16++)
        for (int threads = 1; threads <= 3; threads++)
            for (int N = 1; N <= 5; N += 2) {
                CHECK_OK(dc_set_num_threads(threads));
                dc_conv2d_cfg ref = {16, 16, 3, 3, 1, 1, 1, 1, false, DC_CONV_IM2COL, false}, dn = ref;
                dn.algo = DC_CONV_ONEDNN, dn.bf16 = bf16;
                int64_t xs[4] = {N, 16, 6, 6}, ys[4] = {N, 16, 6, 6};
                dc_tensor x = gc_rand(4, xs, -1, 1), dy = gc_rand(4, ys, -1, 1);
                dc_tensor dw1 = gc_zeros(4, ws), dw2 = gc_zeros(4, ws), y1 = dc_tensor_empty(),
                          y2 = dc_tensor_empty(), dx1 = dc_tensor_empty(), dx2 = dc_tensor_empty();
                CHECK_OK(dc_conv2d_forward(&ref, &x, &w, NULL, &y1));
                CHECK_OK(dc_conv2d_forward(&dn, &x, &w, NULL, &y2));
                CHECK_OK(dc_conv2d_backward(&ref, &x, &w, &dy, &dx1, &dw1, NULL, 1.0f));
                CHECK_OK(dc_conv2d_backward(&dn, &x, &w, &dy, &dx2, &dw2, NULL, 1.0f));
                double tol = bf16 ? BF16_TOL : 1e-5, ey = gc_rel_err(&y2, &y1),
                       ex = gc_rel_err(&dx2, &dx1), ew = gc_rel_err(&dw2, &dw1);
                if (!(ey <= tol && ex <= tol && ew <= tol))
                    TT_REPORT("batch %d, %d threads%s: relative errors y %.2g, dx %.2g, dw %.2g", N,
                              threads, bf16 ? ", bf16" : "", ey, ex, ew);
                dc_tensor *all[] = {&x, &dy, &dw1, &dw2, &y1, &y2, &dx1, &dx2};
                for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
            }
    CHECK_OK(dc_set_num_threads(threads0));
    dc_tensor_release(&w);
}

/* More shapes than the primitive cache keeps (64): the oldest are dropped and rebuilt, and
 * every result still matches im2col. */
static void test_many_shapes(void)
{
    dc_conv2d_cfg ref = {3, 4, 3, 3, 1, 1, 1, 1, true, DC_CONV_IM2COL, false}, dn = ref;
    dn.algo = DC_CONV_ONEDNN;
    int64_t ws[4] = {4, 3, 3, 3}, bs[1] = {4};
    dc_tensor w = gc_rand(4, ws, -1, 1), b = gc_rand(1, bs, -1, 1);
    for (int round = 0; round < 2; round++)
        for (int n = 1; n <= 70; n++) {
            int64_t xs[4] = {n, 3, 5, 5};
            dc_tensor x = gc_rand(4, xs, -1, 1), y1 = dc_tensor_empty(), y2 = dc_tensor_empty();
            CHECK_OK(dc_conv2d_forward(&ref, &x, &w, &b, &y1));
            CHECK_OK(dc_conv2d_forward(&dn, &x, &w, &b, &y2));
            if (!(gc_rel_err(&y2, &y1) <= 1e-5)) TT_REPORT("batch %d: relative error %g", n, gc_rel_err(&y2, &y1));
            dc_tensor_release(&x);
            dc_tensor_release(&y1);
            dc_tensor_release(&y2);
        }
    dc_tensor_release(&w);
    dc_tensor_release(&b);
}

/* A layer whose last window overhangs the padding is not oneDNN's: AUTO falls back, a forced
 * 'onednn' is refused with the reason. */
static void test_overhanging_window(void)
{
    dc_conv2d_cfg c = {1, 2, 3, 3, 2, 2, 0, 0, false, DC_CONV_ONEDNN, false};
    CHECK(!dc_conv2d_dnnl_fits(&c, 6, 6));
    CHECK(dc_conv2d_dnnl_fits(&c, 7, 7));
    int64_t xs[4] = {1, 1, 6, 6};
    dc_tensor x = gc_rand(4, xs, -1, 1), w = dc_tensor_empty(), y = dc_tensor_empty();
    int64_t ws[4] = {2, 1, 3, 3};
    w = gc_rand(4, ws, -1, 1);
    CHECK_FAILS(dc_conv2d_forward(&c, &x, &w, NULL, &y), DC_ERR_ARG,
                "oneDNN cannot run this layer on x float32 [1, 1, 6, 6]");
    c.algo = DC_CONV_AUTO;
    CHECK_OK(dc_conv2d_forward(&c, &x, &w, NULL, &y));
    CHECK(strcmp(dc_conv2d_algo_name(&c, 6, 6), "im2col") == 0);
    dc_tensor_release(&x);
    dc_tensor_release(&w);
    dc_tensor_release(&y);
}

int main(void)
{
    RUN_TEST(test_model_shapes);
    RUN_TEST(test_overhanging_window);
    RUN_TEST(test_many_shapes);
    RUN_TEST(test_split_by_images);
    RUN_TEST(test_model_shapes_bf16);
    RUN_TEST(test_bf16_few_channels);
    RUN_TEST(test_bf16_small_map_weight_grad);
    return TEST_SUMMARY();
}
