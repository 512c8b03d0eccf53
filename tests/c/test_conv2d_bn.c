/* conv2d_bn_forward (inference conv + BatchNorm + ReLU in one) against the three kernels run
 * one after the other, through oneDNN and through im2col / Winograd, with and without the
 * ReLU and the convolution's bias. Tolerance 1e-4 of the largest value (the folded weights
 * round once more than the separate passes). */
#include "gradcheck.h"
#include "layers/batchnorm.h"
#include "layers/conv2d.h"
#include "layers/relu.h"

static void run(dc_conv2d_algo algo, bool bias, bool relu, int C, int O, int H)
{
    dc_conv2d_cfg c = {C, O, 3, 3, 1, 1, 1, 1, bias, algo, false};
    int64_t xs[4] = {3, C, H, H}, ws[4] = {O, C, 3, 3}, cs[1] = {O};
    dc_tensor x = gc_rand(4, xs, -1, 1), w = gc_rand(4, ws, -1, 1), b = gc_rand(1, cs, -1, 1);
    dc_tensor ga = gc_rand(1, cs, 0.5, 2), be = gc_rand(1, cs, -1, 1), mu = gc_rand(1, cs, -1, 1),
              va = gc_rand(1, cs, 0.1, 3);
    dc_tensor y1 = dc_tensor_empty(), y2 = dc_tensor_empty(), sm = dc_tensor_empty(),
              si = dc_tensor_empty();
    dc_batchnorm_cfg bc;
    dc_batchnorm_cfg_init(&bc);
    bc.training = false, bc.relu = relu;
    CHECK_OK(dc_conv2d_forward(&c, &x, &w, bias ? &b : NULL, &y1));
    CHECK_OK(dc_batchnorm_forward(&bc, &y1, &ga, &be, &mu, &va, &y1, &sm, &si));
    CHECK_OK(dc_conv2d_bn_forward(&c, &x, &w, bias ? &b : NULL, &ga, &be, &mu, &va, bc.eps, relu,
                                  &y2));
    double e = 0, m = 0;
    int64_t zeros = 0;
    for (int64_t i = 0; i < dc_tensor_numel(&y1); i++) {
        e = fmax(e, fabs(gc_f(&y1)[i] - gc_f(&y2)[i]));
        m = fmax(m, fabs(gc_f(&y1)[i]));
        zeros += gc_f(&y2)[i] == 0;
    }
    if (!(e <= 1e-4 * m)) TT_REPORT("algo %d bias %d relu %d: error %g of %g", algo, bias, relu, e, m);
    CHECK(relu == (zeros > 0)); /* the ReLU did (not) run */
    dc_tensor *all[] = {&x, &w, &b, &ga, &be, &mu, &va, &y1, &y2, &sm, &si};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_matches_separate_kernels(void)
{
    const dc_conv2d_algo algos[] = {DC_CONV_ONEDNN, DC_CONV_IM2COL, DC_CONV_WINOGRAD4};
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < 4; k++) run(algos[a], k & 1, k & 2, 16, 24, 9);
}

static void test_errors(void)
{
    dc_conv2d_cfg c = {2, 4, 3, 3, 1, 1, 1, 1, true, DC_CONV_AUTO, false};
    int64_t xs[4] = {1, 2, 5, 5}, ws[4] = {4, 2, 3, 3}, cs[1] = {4}, bad[1] = {3};
    dc_tensor x = gc_rand(4, xs, -1, 1), w = gc_rand(4, ws, -1, 1), b = gc_rand(1, cs, -1, 1);
    dc_tensor s = gc_rand(1, cs, 0.5, 1), s3 = gc_rand(1, bad, 0.5, 1), y = dc_tensor_empty();
    CHECK_FAILS(dc_conv2d_bn_forward(&c, &x, &w, &b, &s, &s, &s3, &s, 1e-5, true, &y), DC_ERR_SHAPE,
                "conv2d_bn_forward: running_mean must be float32 [4]");
    CHECK_FAILS(dc_conv2d_bn_forward(&c, &x, &w, &b, &s, &s, &s, &s, 0, true, &y), DC_ERR_ARG,
                "conv2d_bn_forward: eps must be > 0");
    dc_tensor *all[] = {&x, &w, &b, &s, &s3, &y};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

int main(void)
{
    RUN_TEST(test_matches_separate_kernels);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
