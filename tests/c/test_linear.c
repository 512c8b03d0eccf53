/* linear: forward against a double loop, backward by finite differences. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/linear.h"

typedef struct fixture {
    dc_tensor x, w, b, r;
    bool bias;
} fixture;

static double *reference(const void *ctx)
{
    const fixture *f = ctx;
    int64_t N = f->x.shape[0], in = f->x.shape[1], out = f->w.shape[0];
    double *y = calloc((size_t)(N * out), sizeof(double));
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < out; o++) {
            double s = f->bias ? gc_f(&f->b)[o] : 0;
            for (int64_t i = 0; i < in; i++) s += (double)gc_f(&f->x)[n * in + i] * gc_f(&f->w)[o * in + i];
            y[n * out + o] = s;
        }
    return y;
}

static void run_case(int64_t N, int64_t in, int64_t out, bool bias)
{
    fixture f;
    int64_t xs[2] = {N, in}, ws[2] = {out, in}, bs[1] = {out}, ys[2] = {N, out};
    f.bias = bias;
    f.x = gc_rand(2, xs, -1, 1);
    f.w = gc_rand(2, ws, -1, 1);
    f.b = gc_rand(1, bs, -1, 1);
    f.r = gc_rand(2, ys, -1, 1);
    dc_tensor y = dc_tensor_empty(), dx = dc_tensor_empty(), dw = gc_zeros(2, ws),
              db = gc_zeros(1, bs);
    CHECK_OK(dc_linear_forward(&f.x, &f.w, bias ? &f.b : NULL, &y));
    double *want = reference(&f);
    gc_compare("y", &y, want, 1e-5);
    free(want);
    /* scale 0.5 twice: checks accumulation and scale at once */
    CHECK_OK(dc_linear_backward(&f.x, &f.w, &f.r, &dx, &dw, &db, 0.5f));
    CHECK_OK(dc_linear_backward(&f.x, &f.w, &f.r, NULL, &dw, &db, 0.5f));
    gc_check_projected("x", &f.x, &dx, reference, &f, &f.r, 1e-2, 1e-4);
    gc_check_projected("w", &f.w, &dw, reference, &f, &f.r, 1e-2, 1e-4);
    if (bias) gc_check_projected("b", &f.b, &db, reference, &f, &f.r, 1e-2, 1e-4);
    dc_tensor *all[] = {&f.x, &f.w, &f.b, &f.r, &y, &dx, &dw, &db};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_small(void) { run_case(3, 5, 4, true); }
static void test_odd_no_bias(void) { run_case(7, 13, 3, false); }
static void test_wide(void) { run_case(2, 300, 17, true); }

static void test_errors(void)
{
    int64_t xs[2] = {2, 5}, ws[2] = {4, 6}, bs[1] = {3};
    dc_tensor x = gc_rand(2, xs, 0, 1), w = gc_rand(2, ws, 0, 1), b = gc_rand(1, bs, 0, 1),
              y = dc_tensor_empty();
    CHECK_FAILS(dc_linear_forward(&x, &w, NULL, &y), DC_ERR_SHAPE,
                "linear_forward: weight float32 [4, 6] expects 6 input features, got x float32 [2, 5]");
    CHECK_FAILS(dc_linear_forward(&x, &x, &b, &y), DC_ERR_SHAPE,
                "linear_forward: bias must be float32 [2], got float32 [3]");
    CHECK_FAILS(dc_linear_forward(&b, &w, NULL, &y), DC_ERR_SHAPE,
                "linear_forward: x must be a float32 [N, in] tensor, got float32 [3]");
    dc_tensor_release(&x);
    dc_tensor_release(&w);
    dc_tensor_release(&b);
}

int main(void)
{
    gc_seed(2);
    RUN_TEST(test_small);
    RUN_TEST(test_odd_no_bias);
    RUN_TEST(test_wide);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
