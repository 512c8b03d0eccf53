/* cluster/check: point sets reach FAISS only as live, non-empty, finite float32 [N, D]
 * matrices, made contiguous; the first NaN or Inf is located by row and column. */
#include "cluster/check.h"
#include "tiny_test.h"

static void test_accepts_and_makes_contiguous(void)
{
    int64_t shape[2] = {3, 4};
    dc_tensor x = dc_tensor_empty(), t = dc_tensor_empty(), xc = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&x, DC_F32, 2, shape));
    float *p = dc_tensor_data(&x);
    for (int i = 0; i < 12; i++) p[i] = (float)i;
    CHECK_OK(dc_check_points(&x, "fit", "x", &xc));
    CHECK(xc.storage == x.storage); /* already contiguous: shared */
    CHECK_OK(dc_tensor_transpose(&t, &x, 0, 1)); /* [4, 3] */
    CHECK_OK(dc_check_points(&t, "fit", "x", &xc));
    CHECK(dc_tensor_is_contiguous(&xc) && xc.shape[0] == 4 && xc.shape[1] == 3);
    const float *c = dc_tensor_data(&xc);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) CHECK(c[i * 3 + j] == p[j * 4 + i]);
    dc_tensor_release(&x);
    dc_tensor_release(&t);
    dc_tensor_release(&xc);
}

static void test_refusals(void)
{
    int64_t shape[2] = {300, 200};
    dc_tensor x = dc_tensor_empty(), xc = dc_tensor_empty(), l = dc_tensor_empty(),
              e = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&x, DC_F32, 2, shape)); /* large: the threaded scan */
    float *p = dc_tensor_data(&x);
    p[123 * 200 + 45] = NAN;
    p[250 * 200 + 7] = INFINITY;
    CHECK_FAILS(dc_check_points(&x, "fit", "x", &xc), DC_ERR_ARG,
                "fit: x has a NaN or Inf (first at 0-based row 123, column 45 of x float32 "
                "[300, 200])");
    CHECK(!xc.storage);
    p[123 * 200 + 45] = 0;
    CHECK_FAILS(dc_check_points(&x, "fit", "x", &xc), DC_ERR_ARG, "row 250, column 7");
    CHECK_OK(dc_tensor_zeros(&l, DC_I64, 2, shape));
    CHECK_FAILS(dc_check_points(&l, "fit", "x", &xc), DC_ERR_DTYPE,
                "fit: x must be float32 [N, D], got int64");
    int64_t none[2] = {0, 5};
    CHECK_OK(dc_tensor_zeros(&e, DC_F32, 2, none));
    CHECK_FAILS(dc_check_points(&e, "fit", "x", &xc), DC_ERR_SHAPE, "fit: x is empty");
    dc_tensor gone = dc_tensor_empty();
    CHECK_FAILS(dc_check_points(&gone, "fit", "x", &xc), DC_ERR_STATE,
                "fit: x is a released tensor");
    dc_tensor_release(&x);
    dc_tensor_release(&l);
    dc_tensor_release(&e);
}

int main(void)
{
    RUN_TEST(test_accepts_and_makes_contiguous);
    RUN_TEST(test_refusals);
    return TEST_SUMMARY();
}
