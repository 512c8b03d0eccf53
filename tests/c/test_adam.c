/* adam: the update against PyTorch's Adam written out in double over four steps (bias
 * correction of each step, weight decay added to the gradient), moments allocated at the
 * first step, errors. */
#include <math.h>

#include "gradcheck.h"
#include "optim/adam.h"

static void run(dc_adam_cfg cfg)
{
    int64_t s[2] = {3, 5};
    dc_tensor w = gc_rand(2, s, -1, 1), g = gc_zeros(2, s), mom = dc_tensor_empty();
    double ref_w[15], m[15] = {0}, v[15] = {0};
    for (int i = 0; i < 15; i++) ref_w[i] = gc_f(&w)[i];
    for (int t = 1; t <= 4; t++) {
        for (int i = 0; i < 15; i++) gc_f(&g)[i] = (float)(gc_uniform() * 2 - 1);
        for (int i = 0; i < 15; i++) {
            double d = gc_f(&g)[i] + cfg.weight_decay * ref_w[i];
            m[i] = cfg.beta1 * m[i] + (1 - cfg.beta1) * d;
            v[i] = cfg.beta2 * v[i] + (1 - cfg.beta2) * d * d;
            double mhat = m[i] / (1 - pow(cfg.beta1, t)), vhat = v[i] / (1 - pow(cfg.beta2, t));
            ref_w[i] -= cfg.lr * mhat / (sqrt(vhat) + cfg.eps);
        }
        CHECK_OK(dc_adam_step(&cfg, &w, &g, &mom, t));
        for (int i = 0; i < 15; i++) CHECK_CLOSE(gc_f(&w)[i], ref_w[i], 1e-6);
    }
    CHECK(mom.ndim == 3 && mom.shape[0] == 2 && mom.shape[1] == 3 && mom.shape[2] == 5);
    for (int i = 0; i < 15; i++) {
        CHECK_CLOSE(gc_f(&mom)[i], m[i], 1e-6);
        CHECK_CLOSE(gc_f(&mom)[15 + i], v[i], 1e-6);
    }
    dc_tensor_release(&w);
    dc_tensor_release(&g);
    dc_tensor_release(&mom);
}

static void test_defaults(void)
{
    dc_adam_cfg c;
    dc_adam_cfg_init(&c, 1e-3);
    run(c);
}
static void test_weight_decay(void) { run((dc_adam_cfg){0.01, 0.9, 0.999, 1e-8, 0.1}); }
/* a large eps and small betas make eps and the bias correction dominate */
static void test_eps_betas(void) { run((dc_adam_cfg){0.1, 0.5, 0.6, 0.3, 0}); }

/* The first step moves every weight by lr against the gradient's sign (|mhat| = sqrt(vhat)). */
static void test_first_step_is_lr(void)
{
    int64_t s[1] = {4};
    dc_tensor w = gc_zeros(1, s), g = gc_zeros(1, s), mom = dc_tensor_empty();
    float gv[4] = {3, -0.001f, 100, -7};
    for (int i = 0; i < 4; i++) gc_f(&g)[i] = gv[i];
    dc_adam_cfg c;
    dc_adam_cfg_init(&c, 0.5);
    CHECK_OK(dc_adam_step(&c, &w, &g, &mom, 1));
    for (int i = 0; i < 4; i++) CHECK_CLOSE(gc_f(&w)[i], gv[i] > 0 ? -0.5 : 0.5, 1e-4);
    dc_tensor_release(&w);
    dc_tensor_release(&g);
    dc_tensor_release(&mom);
}

static void test_errors(void)
{
    int64_t s[1] = {3}, t[1] = {4}, u[2] = {2, 4};
    dc_tensor w = gc_zeros(1, s), g = gc_zeros(1, t), mom = gc_zeros(2, u);
    dc_adam_cfg c;
    dc_adam_cfg_init(&c, 0.1);
    CHECK_FAILS(dc_adam_step(&c, &w, &g, &mom, 1), DC_ERR_SHAPE,
                "adam_step: gradient must be float32 [3], got float32 [4]");
    CHECK_FAILS(dc_adam_step(&c, &w, &w, &mom, 1), DC_ERR_SHAPE,
                "adam_step: moments is float32 [2, 4] but float32 [2, 3] is needed");
    CHECK_FAILS(dc_adam_step(&c, &w, &w, &mom, 0), DC_ERR_ARG, "adam_step: step must be >= 1, got 0");
    c.beta2 = 1;
    CHECK_FAILS(dc_adam_step(&c, &w, &w, &mom, 1), DC_ERR_ARG, "adam: beta2 must be in [0, 1), got 1");
    c.beta2 = 0.999;
    c.eps = 0;
    CHECK_FAILS(dc_adam_step(&c, &w, &w, &mom, 1), DC_ERR_ARG, "adam: eps must be > 0, got 0");
    c.eps = 1e-8;
    c.lr = -1;
    CHECK_FAILS(dc_adam_step(&c, &w, &w, &mom, 1), DC_ERR_ARG, "adam: lr must be >= 0, got -1");
    dc_tensor_release(&w);
    dc_tensor_release(&g);
    dc_tensor_release(&mom);
}

int main(void)
{
    gc_seed(13);
    RUN_TEST(test_defaults);
    RUN_TEST(test_weight_decay);
    RUN_TEST(test_eps_betas);
    RUN_TEST(test_first_step_is_lr);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
