/* dropout: the kept fraction, the 1/(1-p) scale, the same mask from the same seed, backward
 * through the mask, the edge cases p = 0 and p = 1, errors. */
#include "gradcheck.h"
#include "layers/dropout.h"

static void test_mask_and_scale(void)
{
    int64_t s[2] = {200, 100};
    dc_tensor x = gc_rand(2, s, 0.5, 1.5), y = dc_tensor_empty(), mask = dc_tensor_empty(),
              y2 = dc_tensor_empty(), mask2 = dc_tensor_empty(), dx = dc_tensor_empty();
    dc_rng r, r2;
    dc_rng_seed(&r, 7);
    dc_rng_seed(&r2, 7);
    CHECK_OK(dc_dropout_forward(0.25, &x, &r, &mask, &y));
    CHECK_OK(dc_dropout_forward(0.25, &x, &r2, &mask2, &y2));
    const uint8_t *m = dc_tensor_data(&mask), *m2 = dc_tensor_data(&mask2);
    int64_t kept = 0, n = dc_tensor_numel(&x);
    for (int64_t i = 0; i < n; i++) {
        kept += m[i];
        CHECK(m[i] == m2[i]);
        CHECK_CLOSE(gc_f(&y)[i], m[i] ? gc_f(&x)[i] / 0.75 : 0.0, 1e-6);
    }
    CHECK(fabs((double)kept / (double)n - 0.75) < 0.01);
    CHECK_OK(dc_dropout_backward(0.25, &x, &mask, &dx)); /* dy = x: dx must equal y */
    for (int64_t i = 0; i < n; i++) CHECK(gc_f(&dx)[i] == gc_f(&y)[i]);
    /* a second draw from the same generator gives another mask */
    CHECK_OK(dc_dropout_forward(0.25, &x, &r, &mask2, &y2));
    int64_t same = 0;
    for (int64_t i = 0; i < n; i++) same += m[i] == ((uint8_t *)dc_tensor_data(&mask2))[i];
    CHECK(same < n);
    dc_tensor *all[] = {&x, &y, &mask, &y2, &mask2, &dx};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_edges_and_errors(void)
{
    int64_t s[1] = {1000};
    dc_tensor x = gc_rand(1, s, 1, 2), y = dc_tensor_empty(), mask = dc_tensor_empty();
    dc_rng r;
    dc_rng_seed(&r, 1);
    CHECK_OK(dc_dropout_forward(0.0, &x, &r, &mask, &y));
    for (int i = 0; i < 1000; i++) CHECK(gc_f(&y)[i] == gc_f(&x)[i]);
    CHECK_OK(dc_dropout_forward(1.0, &x, &r, &mask, &y));
    for (int i = 0; i < 1000; i++) CHECK(gc_f(&y)[i] == 0.0f);
    CHECK_FAILS(dc_dropout_forward(1.5, &x, &r, &mask, &y), DC_ERR_ARG,
                "dropout_forward: p must be in [0, 1], got 1.5");
    int64_t t[1] = {10};
    dc_tensor small = gc_zeros(1, t);
    CHECK_FAILS(dc_dropout_backward(0.5, &small, &mask, &y), DC_ERR_SHAPE,
                "dropout_backward: mask must be contiguous uint8 of dy's shape [10], got uint8 [1000]");
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&mask);
    dc_tensor_release(&small);
}

int main(void)
{
    gc_seed(9);
    RUN_TEST(test_mask_and_scale);
    RUN_TEST(test_edges_and_errors);
    return TEST_SUMMARY();
}
