/* winograd: F(2x2, 3x3) and F(4x4, 3x3) called directly, against a direct convolution in
 * double written from the definition: odd sizes (partial tiles), every padding, with and
 * without bias, and the adjoint form (kernels transposed and rotated, as the input gradient
 * of a 3x3 layer uses them). Also the multiply count the layer uses to choose a tile. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/winograd.h"

/* y[n][o][i][j] = b[o] + sum_c sum_u,v x[n][c][i + u - ph][j + v - pw] * k(o, c, u, v), with
 * k(o, c, u, v) = w[o][c][u][v], or w[c][o][2 - u][2 - v] for the adjoint. */
static double *direct(const float *x, int64_t N, int64_t Ci, int64_t H, int64_t W, const float *w,
                      const float *b, int64_t Co, int ph, int pw, bool adjoint)
{
    int64_t Ho = H + 2 * ph - 2, Wo = W + 2 * pw - 2;
    double *y = malloc(sizeof(double) * (size_t)(N * Co * Ho * Wo));
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < Co; o++)
            for (int64_t i = 0; i < Ho; i++)
                for (int64_t j = 0; j < Wo; j++) {
                    double s = b ? b[o] : 0;
                    for (int64_t c = 0; c < Ci; c++)
                        for (int u = 0; u < 3; u++)
                            for (int v = 0; v < 3; v++) {
                                int64_t r = i + u - ph, q = j + v - pw;
                                if (r < 0 || r >= H || q < 0 || q >= W) continue;
                                double k = adjoint ? w[((c * Co + o) * 3 + 2 - u) * 3 + 2 - v]
                                                   : w[((o * Ci + c) * 3 + u) * 3 + v];
                                s += k * x[((n * Ci + c) * H + r) * W + q];
                            }
                    y[((n * Co + o) * Ho + i) * Wo + j] = s;
                }
    return y;
}

static void run(int m, int64_t N, int64_t Ci, int64_t H, int64_t W, int64_t Co, int ph, int pw,
                bool bias, bool adjoint)
{
    int64_t xs[4] = {N, Ci, H, W}, ws[4] = {adjoint ? Ci : Co, adjoint ? Co : Ci, 3, 3},
            bs[1] = {Co}, ys[4] = {N, Co, H + 2 * ph - 2, W + 2 * pw - 2};
    dc_tensor x = gc_rand(4, xs, -1, 1), w = gc_rand(4, ws, -1, 1), b = gc_rand(1, bs, -1, 1);
    dc_tensor y = gc_zeros(4, ys);
    CHECK_OK(dc_winograd3x3(m, gc_f(&x), N, Ci, H, W, gc_f(&w), bias ? gc_f(&b) : NULL, Co, ph,
                            pw, adjoint, gc_f(&y)));
    double *want = direct(gc_f(&x), N, Ci, H, W, gc_f(&w), bias ? gc_f(&b) : NULL, Co, ph, pw,
                          adjoint);
    char what[96];
    snprintf(what, sizeof what, "F(%dx%d) %lldx%lld pad %d,%d%s%s", m, m, (long long)H,
             (long long)W, ph, pw, bias ? " bias" : "", adjoint ? " adjoint" : "");
    gc_compare(what, &y, want, 1e-4);
    free(want);
    dc_tensor *all[] = {&x, &w, &b, &y};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_forward(void)
{
    for (int m = 2; m <= 4; m += 2)
        for (int pad = 0; pad <= 2; pad++) {
            run(m, 2, 3, 7, 6, 4, pad, pad, true, false);
            run(m, 1, 5, 9, 11, 2, pad, 2 - pad, false, false);
            run(m, 3, 1, 3, 3, 1, pad, pad, true, false); /* one tile, partial unless m = 2 */
        }
}

static void test_adjoint(void)
{
    for (int m = 2; m <= 4; m += 2)
        for (int pad = 0; pad <= 2; pad++) {
            run(m, 2, 4, 8, 5, 3, pad, pad, false, true);
            run(m, 1, 2, 10, 13, 6, pad, 1, false, true);
        }
}

/* Enough channels and pixels that the transformed tiles fill several GEMM blocks. */
static void test_wide_layer(void)
{
    run(4, 2, 32, 14, 15, 24, 1, 1, true, false);
    run(2, 2, 24, 13, 12, 32, 1, 1, false, true);
}

static void test_cost(void)
{
    /* tiles of m x m cover Ho x Wo; each costs (m + 2)^2 multiplies per channel pair */
    for (int m = 2; m <= 4; m += 2)
        for (int64_t ho = 1; ho <= 9; ho++)
            for (int64_t wo = 1; wo <= 9; wo++) {
                int64_t tiles = 0;
                for (int64_t i = 0; i < ho; i += m)
                    for (int64_t j = 0; j < wo; j += m) tiles++;
                CHECK(dc_winograd_cost(m, ho, wo) == tiles * (m + 2) * (m + 2));
            }
    CHECK(dc_winograd_cost(4, 56, 56) < dc_winograd_cost(2, 56, 56)); /* bigger tiles win */
}

int main(void)
{
    RUN_TEST(test_forward);
    RUN_TEST(test_adjoint);
    RUN_TEST(test_wide_layer);
    RUN_TEST(test_cost);
    return TEST_SUMMARY();
}
