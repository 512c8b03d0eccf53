/* relu: known values, in-place use, NaN propagation, backward masks by the output. */
#include "gradcheck.h"
#include "layers/relu.h"

static void test_values_and_in_place(void)
{
    int64_t s[2] = {2, 3};
    dc_tensor x = gc_zeros(2, s), y = dc_tensor_empty(), dx = dc_tensor_empty(), dy = gc_zeros(2, s);
    float xv[6] = {-1, 0, 2, 3.5f, -0.25f, 1e-7f};
    memcpy(gc_f(&x), xv, sizeof xv);
    dc_fill(&dy, 2.0);
    CHECK_OK(dc_relu_forward(&x, &y));
    float want[6] = {0, 0, 2, 3.5f, 0, 1e-7f};
    for (int i = 0; i < 6; i++) CHECK(gc_f(&y)[i] == want[i]);
    CHECK_OK(dc_relu_backward(&y, &dy, &dx));
    float gwant[6] = {0, 0, 2, 2, 0, 2};
    for (int i = 0; i < 6; i++) CHECK(gc_f(&dx)[i] == gwant[i]);
    CHECK_OK(dc_relu_forward(&x, &x)); /* in place */
    for (int i = 0; i < 6; i++) CHECK(gc_f(&x)[i] == want[i]);
    CHECK_OK(dc_relu_backward(&x, &dy, &dy)); /* gradient in place too */
    for (int i = 0; i < 6; i++) CHECK(gc_f(&dy)[i] == gwant[i]);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&dx);
    dc_tensor_release(&dy);
}

/* A NaN must reach the loss (the runner's NaN guard), not turn into a silent 0, as in PyTorch. */
static void test_nan_passes(void)
{
    int64_t s[1] = {3};
    dc_tensor x = gc_zeros(1, s), y = dc_tensor_empty(), dx = dc_tensor_empty(), dy = gc_zeros(1, s);
    gc_f(&x)[0] = NAN;
    gc_f(&x)[1] = -1;
    gc_f(&x)[2] = 1;
    dc_fill(&dy, 3.0);
    CHECK_OK(dc_relu_forward(&x, &y));
    CHECK(isnan(gc_f(&y)[0]) && gc_f(&y)[1] == 0 && gc_f(&y)[2] == 1);
    CHECK_OK(dc_relu_backward(&y, &dy, &dx));
    CHECK(gc_f(&dx)[0] == 3 && gc_f(&dx)[1] == 0 && gc_f(&dx)[2] == 3);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&dx);
    dc_tensor_release(&dy);
}

static void test_errors(void)
{
    int64_t s[2] = {2, 3}, t[2] = {3, 2};
    dc_tensor x = gc_zeros(2, s), y = gc_zeros(2, t), i = dc_tensor_empty();
    CHECK_FAILS(dc_relu_forward(&x, &y), DC_ERR_SHAPE,
                "relu_forward: y is float32 [3, 2] but float32 [2, 3] is needed");
    CHECK_OK(dc_tensor_zeros(&i, DC_I64, 2, s));
    CHECK_FAILS(dc_relu_forward(&i, &y), DC_ERR_DTYPE, "relu_forward: x must be a float32 tensor, got int64 [2, 3]");
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&i);
}

int main(void)
{
    RUN_TEST(test_values_and_in_place);
    RUN_TEST(test_nan_passes);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
