/* args: the kernels' argument checks accept exactly the live contiguous float32 tensors of
 * the asked rank and shape, allocate empty outputs, and word every refusal the same way. */
#include "args.h"
#include "tiny_test.h"

static void test_f32(void)
{
    int64_t shape[2] = {2, 3};
    dc_tensor t = dc_tensor_empty(), tr = dc_tensor_empty(), l = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, 2, shape));
    CHECK_OK(dc_arg_f32(&t, 2, "op", "x", "[N, D]"));
    CHECK_OK(dc_arg_f32(&t, -1, "op", "x", ""));
    CHECK_FAILS(dc_arg_f32(&t, 4, "op", "x", "[N, C, H, W]"), DC_ERR_SHAPE,
                "op: x must be a float32 [N, C, H, W] tensor, got float32 [2, 3]");
    CHECK_OK(dc_tensor_zeros(&l, DC_I64, 2, shape));
    CHECK_FAILS(dc_arg_f32(&l, 2, "op", "x", "[N, D]"), DC_ERR_DTYPE,
                "op: x must be a float32 [N, D] tensor, got int64 [2, 3]");
    CHECK_OK(dc_tensor_transpose(&tr, &t, 0, 1));
    CHECK_FAILS(dc_arg_f32(&tr, 2, "op", "x", "[N, D]"), DC_ERR_ARG,
                "op: x must be contiguous, got a strided view float32 [3, 2]");
    dc_tensor gone = dc_tensor_empty();
    CHECK_FAILS(dc_arg_f32(&gone, 2, "op", "x", "[N, D]"), DC_ERR_STATE,
                "op: x is a released tensor");
    CHECK_FAILS(dc_arg_f32(NULL, 2, "op", "x", "[N, D]"), DC_ERR_STATE,
                "op: x is a released tensor");
    int64_t want[2] = {2, 3}, other[2] = {3, 2};
    CHECK_OK(dc_arg_f32_shape(&t, 2, want, "op", "w"));
    CHECK_FAILS(dc_arg_f32_shape(&t, 2, other, "op", "w"), DC_ERR_SHAPE,
                "op: w must be float32 [3, 2], got float32 [2, 3]");
    dc_tensor_release(&t);
    dc_tensor_release(&tr);
    dc_tensor_release(&l);
}

static void test_out(void)
{
    int64_t shape[2] = {4, 5};
    dc_tensor o = dc_tensor_empty(), tr = dc_tensor_empty();
    CHECK_OK(dc_arg_out(&o, DC_F32, 2, shape, "op", "y"));
    CHECK(o.storage && o.dtype == DC_F32 && o.shape[0] == 4 && o.shape[1] == 5);
    void *data = o.storage->data;
    CHECK_OK(dc_arg_out(&o, DC_F32, 2, shape, "op", "y")); /* reused as it is */
    CHECK(o.storage->data == data);
    int64_t other[2] = {5, 4};
    CHECK_FAILS(dc_arg_out(&o, DC_F32, 2, other, "op", "y"), DC_ERR_SHAPE,
                "op: y is float32 [4, 5] but float32 [5, 4] is needed");
    /* the output rule of tensor.h: one message, and status, for dtype and shape */
    CHECK_FAILS(dc_arg_out(&o, DC_I64, 2, shape, "op", "y"), DC_ERR_SHAPE,
                "op: y is float32 [4, 5] but int64 [4, 5] is needed");
    dc_tensor sq = dc_tensor_empty();
    int64_t s5[2] = {5, 5};
    CHECK_OK(dc_tensor_zeros(&sq, DC_F32, 2, s5));
    CHECK_OK(dc_tensor_narrow(&tr, &sq, 1, 0, 4)); /* [5, 4], rows of 5 */
    int64_t s54[2] = {5, 4};
    CHECK_FAILS(dc_arg_out(&tr, DC_F32, 2, s54, "op", "y"), DC_ERR_ARG,
                "op: y must be contiguous, got a strided view float32 [5, 4]");
    dc_tensor_release(&o);
    dc_tensor_release(&tr);
    dc_tensor_release(&sq);
}

int main(void)
{
    RUN_TEST(test_f32);
    RUN_TEST(test_out);
    return TEST_SUMMARY();
}
