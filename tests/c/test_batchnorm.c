/* batchnorm: forward against the definition, running statistics (PyTorch's unbiased update),
 * finite-difference gradients in training and evaluation modes, with and without the fused
 * ReLU, for [N, C] and [N, C, H, W]. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/batchnorm.h"

typedef struct fixture {
    dc_batchnorm_cfg cfg;
    dc_tensor x, gamma, beta, rm, rv, r;
} fixture;

static double *reference(const void *ctx)
{
    const fixture *f = ctx;
    int64_t N = f->x.shape[0], C = f->x.shape[1], S = f->x.ndim == 4 ? f->x.shape[2] * f->x.shape[3] : 1;
    double *y = malloc(sizeof(double) * (size_t)(N * C * S));
    const float *x = gc_f(&f->x);
    for (int64_t c = 0; c < C; c++) {
        double mean = 0, var = 0;
        if (f->cfg.training) {
            for (int64_t n = 0; n < N; n++)
                for (int64_t i = 0; i < S; i++) mean += x[(n * C + c) * S + i];
            mean /= (double)(N * S);
            for (int64_t n = 0; n < N; n++)
                for (int64_t i = 0; i < S; i++) var += pow(x[(n * C + c) * S + i] - mean, 2);
            var /= (double)(N * S);
        } else {
            mean = gc_f(&f->rm)[c], var = gc_f(&f->rv)[c];
        }
        for (int64_t n = 0; n < N; n++)
            for (int64_t i = 0; i < S; i++) {
                int64_t o = (n * C + c) * S + i;
                y[o] = gc_f(&f->gamma)[c] * (x[o] - mean) / sqrt(var + f->cfg.eps) + gc_f(&f->beta)[c];
                if (f->cfg.relu && y[o] < 0) y[o] = 0;
            }
    }
    return y;
}

static void run_case(int ndim, const int64_t *xs, bool training, bool relu)
{
    fixture f;
    dc_batchnorm_cfg_init(&f.cfg);
    f.cfg.training = training;
    f.cfg.relu = relu;
    int64_t cs[1] = {xs[1]};
    f.x = gc_rand(ndim, xs, -2, 3);
    f.gamma = gc_rand(1, cs, 0.5, 1.5);
    f.beta = gc_rand(1, cs, -0.5, 0.5);
    f.rm = gc_rand(1, cs, -0.5, 0.5);
    f.rv = gc_rand(1, cs, 0.5, 2);
    f.r = gc_rand(ndim, xs, -1, 1);
    dc_tensor rm0 = dc_tensor_empty(), rv0 = dc_tensor_empty();
    CHECK_OK(dc_tensor_clone(&rm0, &f.rm, DC_F32));
    CHECK_OK(dc_tensor_clone(&rv0, &f.rv, DC_F32));
    dc_tensor y = dc_tensor_empty(), sm = dc_tensor_empty(), si = dc_tensor_empty(),
              dx = dc_tensor_empty(), dg = gc_zeros(1, cs), db = gc_zeros(1, cs);
    CHECK_OK(dc_batchnorm_forward(&f.cfg, &f.x, &f.gamma, &f.beta, &f.rm, &f.rv, &y, &sm, &si));

    /* running statistics: the batch moved them by momentum (unbiased variance); then the
     * reference in training reads the batch, in evaluation the unchanged running values */
    int64_t N = xs[0], C = xs[1], S = ndim == 4 ? xs[2] * xs[3] : 1, M = N * S;
    for (int64_t c = 0; c < C && training; c++) {
        double mean = 0, var = 0;
        for (int64_t n = 0; n < N; n++)
            for (int64_t i = 0; i < S; i++) mean += gc_f(&f.x)[(n * C + c) * S + i];
        mean /= (double)M;
        for (int64_t n = 0; n < N; n++)
            for (int64_t i = 0; i < S; i++) var += pow(gc_f(&f.x)[(n * C + c) * S + i] - mean, 2);
        CHECK_CLOSE(gc_f(&f.rm)[c], 0.9 * gc_f(&rm0)[c] + 0.1 * mean, 1e-6);
        CHECK_CLOSE(gc_f(&f.rv)[c], 0.9 * gc_f(&rv0)[c] + 0.1 * var / (double)(M - 1), 1e-6);
        CHECK_CLOSE(gc_f(&sm)[c], mean, 1e-6);
    }
    for (int64_t c = 0; c < C && !training; c++) {
        CHECK(gc_f(&f.rm)[c] == gc_f(&rm0)[c] && gc_f(&f.rv)[c] == gc_f(&rv0)[c]);
    }
    double *want = reference(&f);
    gc_compare("y", &y, want, 1e-5);
    free(want);

    CHECK_OK(dc_batchnorm_backward(&f.cfg, &f.x, relu ? &y : NULL, &f.r, &f.gamma, &sm, &si, &dx,
                                   &dg, &db, 1.0f));
    gc_check_projected("x", &f.x, &dx, reference, &f, &f.r, 1e-3, 1e-3);
    gc_check_projected("gamma", &f.gamma, &dg, reference, &f, &f.r, 1e-3, 1e-3);
    gc_check_projected("beta", &f.beta, &db, reference, &f, &f.r, 1e-3, 1e-3);
    dc_tensor *all[] = {&f.x, &f.gamma, &f.beta, &f.rm, &f.rv, &f.r, &rm0, &rv0,
                        &y, &sm, &si, &dx, &dg, &db};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static const int64_t s4[4] = {3, 4, 5, 3}, s2[2] = {7, 5};
static void test_2d_training(void) { run_case(4, s4, true, false); }
static void test_2d_evaluation(void) { run_case(4, s4, false, false); }
static void test_2d_training_relu(void) { run_case(4, s4, true, true); }
static void test_2d_evaluation_relu(void) { run_case(4, s4, false, true); }
/* rows longer than the kernel's float chunk (512), more images than its blocks (16); no ReLU:
 * with 11,500 values a channel, a step of gamma or beta moves some across its kink */
static const int64_t big4[4] = {20, 3, 23, 25};
static void test_2d_training_long_rows(void) { run_case(4, big4, true, false); }
static void test_1d_training(void) { run_case(2, s2, true, false); }
static void test_1d_evaluation(void) { run_case(2, s2, false, false); }

/* A large offset must not swamp the variance (shifted sums). */
static void test_large_mean(void)
{
    int64_t xs[2] = {1000, 1}, cs[1] = {1};
    dc_tensor x = gc_zeros(2, xs), g = gc_zeros(1, cs), b = gc_zeros(1, cs), rm = gc_zeros(1, cs),
              rv = gc_zeros(1, cs), y = dc_tensor_empty(), sm = dc_tensor_empty(), si = dc_tensor_empty();
    for (int i = 0; i < 1000; i++) gc_f(&x)[i] = 10000.0f + (i % 2 ? 0.5f : -0.5f);
    dc_fill(&g, 1.0);
    dc_batchnorm_cfg cfg;
    dc_batchnorm_cfg_init(&cfg);
    CHECK_OK(dc_batchnorm_forward(&cfg, &x, &g, &b, &rm, &rv, &y, &sm, &si));
    CHECK_CLOSE(gc_f(&si)[0], 1 / sqrt(0.25 + 1e-5), 1e-5);
    CHECK_CLOSE(gc_f(&y)[0], -0.5 / sqrt(0.25 + 1e-5), 1e-4);
    dc_tensor *all[] = {&x, &g, &b, &rm, &rv, &y, &sm, &si};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_errors(void)
{
    int64_t xs[2] = {1, 3}, cs[1] = {3}, c4[1] = {4};
    dc_tensor x = gc_zeros(2, xs), g = gc_zeros(1, cs), b = gc_zeros(1, cs), rm = gc_zeros(1, cs),
              rv = gc_zeros(1, c4), y = dc_tensor_empty(), sm = dc_tensor_empty(), si = dc_tensor_empty();
    dc_batchnorm_cfg cfg;
    dc_batchnorm_cfg_init(&cfg);
    CHECK_FAILS(dc_batchnorm_forward(&cfg, &x, &g, &b, &rm, &rv, &y, &sm, &si), DC_ERR_SHAPE,
                "batchnorm_forward: running_var must be float32 [3], got float32 [4]");
    dc_tensor_release(&rv);
    rv = gc_zeros(1, cs);
    CHECK_FAILS(dc_batchnorm_forward(&cfg, &x, &g, &b, &rm, &rv, &y, &sm, &si), DC_ERR_SHAPE,
                "training needs more than one value per channel, got x float32 [1, 3]");
    cfg.training = false;
    CHECK_OK(dc_batchnorm_forward(&cfg, &x, &g, &b, &rm, &rv, &y, &sm, &si));
    dc_tensor *all[] = {&x, &g, &b, &rm, &rv, &y, &sm, &si};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

int main(void)
{
    gc_seed(5);
    RUN_TEST(test_2d_training);
    RUN_TEST(test_2d_training_long_rows);
    RUN_TEST(test_2d_evaluation);
    RUN_TEST(test_2d_training_relu);
    RUN_TEST(test_2d_evaluation_relu);
    RUN_TEST(test_1d_training);
    RUN_TEST(test_1d_evaluation);
    RUN_TEST(test_large_mean);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
