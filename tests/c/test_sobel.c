/* sobel: known values on ramps (interior -8 per unit slope, no flip), gray = channel mean,
 * and finite-difference gradients. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/sobel.h"

static const double KX[3][3] = {{1, 0, -1}, {2, 0, -2}, {1, 0, -1}};
static const double KY[3][3] = {{1, 2, 1}, {0, 0, 0}, {-1, -2, -1}};

typedef struct fixture {
    dc_tensor x, r;
} fixture;

static double *reference(const void *ctx)
{
    const fixture *f = ctx;
    int64_t N = f->x.shape[0], C = f->x.shape[1], H = f->x.shape[2], W = f->x.shape[3];
    double *y = calloc((size_t)(N * 2 * H * W), sizeof(double));
    for (int64_t n = 0; n < N; n++)
        for (int64_t i = 0; i < H; i++)
            for (int64_t j = 0; j < W; j++)
                for (int a = 0; a < 3; a++)
                    for (int b = 0; b < 3; b++) {
                        int64_t ii = i + a - 1, jj = j + b - 1;
                        if (ii < 0 || ii >= H || jj < 0 || jj >= W) continue;
                        double g = 0;
                        for (int64_t c = 0; c < C; c++) g += gc_f(&f->x)[((n * C + c) * H + ii) * W + jj];
                        g /= (double)C;
                        y[((n * 2 + 0) * H + i) * W + j] += KX[a][b] * g;
                        y[((n * 2 + 1) * H + i) * W + j] += KY[a][b] * g;
                    }
    return y;
}

static void test_ramps(void)
{
    int64_t xs[4] = {1, 3, 5, 6};
    dc_tensor x = gc_zeros(4, xs), y = dc_tensor_empty();
    /* channel c holds (c + 1) * column: the gray image is 2 * column */
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 5; i++)
            for (int j = 0; j < 6; j++) gc_f(&x)[(c * 5 + i) * 6 + j] = (float)((c + 1) * j);
    CHECK_OK(dc_sobel_forward(&x, &y));
    for (int i = 1; i < 4; i++)
        for (int j = 1; j < 5; j++) {
            CHECK(gc_f(&y)[i * 6 + j] == -16.0f);     /* x-gradient of slope 2: -8 * 2 */
            CHECK(gc_f(&y)[30 + i * 6 + j] == 0.0f);  /* no vertical change */
        }
    /* a vertical ramp in one channel: the roles swap */
    int64_t gs[4] = {1, 1, 4, 4};
    dc_tensor g = gc_zeros(4, gs), gy = dc_tensor_empty();
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) gc_f(&g)[i * 4 + j] = (float)i;
    CHECK_OK(dc_sobel_forward(&g, &gy));
    CHECK(gc_f(&gy)[1 * 4 + 1] == 0.0f);
    CHECK(gc_f(&gy)[16 + 1 * 4 + 1] == -8.0f);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&g);
    dc_tensor_release(&gy);
}

static void run_grad(int N, int C, int H, int W)
{
    fixture f;
    int64_t xs[4] = {N, C, H, W}, ys[4] = {N, 2, H, W};
    f.x = gc_rand(4, xs, -1, 1);
    f.r = gc_rand(4, ys, -1, 1);
    dc_tensor y = dc_tensor_empty(), dx = dc_tensor_empty();
    CHECK_OK(dc_sobel_forward(&f.x, &y));
    double *want = reference(&f);
    gc_compare("y", &y, want, 1e-5);
    free(want);
    CHECK_OK(dc_sobel_backward(&f.x, &f.r, &dx));
    gc_check_projected("x", &f.x, &dx, reference, &f, &f.r, 1e-2, 1e-5);
    dc_tensor_release(&f.x);
    dc_tensor_release(&f.r);
    dc_tensor_release(&y);
    dc_tensor_release(&dx);
}

static void test_gradient_gray(void) { run_grad(2, 1, 5, 7); }
static void test_gradient_rgb(void) { run_grad(2, 3, 6, 4); }

static void test_errors(void)
{
    int64_t xs[4] = {1, 2, 4, 4};
    dc_tensor x = gc_zeros(4, xs), y = dc_tensor_empty();
    CHECK_FAILS(dc_sobel_forward(&x, &y), DC_ERR_SHAPE,
                "sobel_forward: expected 1 (gray) or 3 (RGB) channels, got x float32 [1, 2, 4, 4]");
    dc_tensor_release(&x);
}

int main(void)
{
    gc_seed(6);
    RUN_TEST(test_ramps);
    RUN_TEST(test_gradient_gray);
    RUN_TEST(test_gradient_rgb);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
