/* sgd: the update rules against PyTorch's SGD written out in double, over three steps
 * (first step starts the momentum buffer), with dampening, Nesterov and weight decay. */
#include "gradcheck.h"
#include "optim/sgd.h"

static void run(dc_sgd_cfg cfg)
{
    int64_t s[2] = {3, 5};
    dc_tensor w = gc_rand(2, s, -1, 1), g = gc_zeros(2, s), buf = dc_tensor_empty();
    double ref_w[15], ref_b[15];
    for (int i = 0; i < 15; i++) ref_w[i] = gc_f(&w)[i];
    for (int step = 0; step < 3; step++) {
        for (int i = 0; i < 15; i++) gc_f(&g)[i] = (float)(gc_uniform() * 2 - 1);
        for (int i = 0; i < 15; i++) {
            double d = gc_f(&g)[i] + cfg.weight_decay * ref_w[i];
            if (cfg.momentum != 0) {
                ref_b[i] = step == 0 ? d : cfg.momentum * ref_b[i] + (1 - cfg.dampening) * d;
                d = cfg.nesterov ? d + cfg.momentum * ref_b[i] : ref_b[i];
            }
            ref_w[i] -= cfg.lr * d;
        }
        CHECK_OK(dc_sgd_step(&cfg, &w, &g, &buf));
        for (int i = 0; i < 15; i++) CHECK_CLOSE(gc_f(&w)[i], ref_w[i], 1e-6);
    }
    CHECK(cfg.momentum == 0 ? buf.storage == NULL : buf.storage != NULL);
    dc_tensor_release(&w);
    dc_tensor_release(&g);
    dc_tensor_release(&buf);
}

static void test_plain(void) { run((dc_sgd_cfg){0.1, 0, 0, 0, false}); }
static void test_momentum_wd(void) { run((dc_sgd_cfg){0.05, 0.9, 0, 1e-2, false}); }
static void test_dampening(void) { run((dc_sgd_cfg){0.05, 0.9, 0.3, 0, false}); }
static void test_nesterov(void) { run((dc_sgd_cfg){0.05, 0.9, 0, 1e-3, true}); }

static void test_errors(void)
{
    int64_t s[1] = {3}, t[1] = {4};
    dc_tensor w = gc_zeros(1, s), g = gc_zeros(1, t), buf = dc_tensor_empty();
    dc_sgd_cfg c = {0.1, 0.9, 0.1, 0, true};
    CHECK_FAILS(dc_sgd_step(&c, &w, &g, &buf), DC_ERR_ARG, "sgd: nesterov needs momentum > 0 and dampening 0");
    c.nesterov = false;
    CHECK_FAILS(dc_sgd_step(&c, &w, &g, &buf), DC_ERR_SHAPE,
                "sgd_step: gradient must be float32 [3], got float32 [4]");
    c.lr = -1;
    CHECK_FAILS(dc_sgd_step(&c, &w, &w, &buf), DC_ERR_ARG, "sgd: lr must be >= 0, got -1");
    dc_tensor_release(&w);
    dc_tensor_release(&g);
}

int main(void)
{
    gc_seed(8);
    RUN_TEST(test_plain);
    RUN_TEST(test_momentum_wd);
    RUN_TEST(test_dampening);
    RUN_TEST(test_nesterov);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
