/* mse_loss: the forward against a double-precision sum, the gradient against finite
 * differences of that reference, in-place backward, errors. */
#include "gradcheck.h"
#include "layers/mse_loss.h"
#include "ops/elementwise.h"

typedef struct ref_ctx {
    const dc_tensor *x, *t;
} ref_ctx;

static double ref_loss(void *p)
{
    const ref_ctx *c = p;
    int64_t n = dc_tensor_numel(c->x);
    double s = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)gc_f(c->x)[i] - gc_f(c->t)[i];
        s += d * d;
    }
    return s / (double)n;
}

static void test_forward_and_gradient(void)
{
    int64_t s[4] = {3, 1, 4, 5};
    dc_tensor x = gc_rand(4, s, -2, 2), t = gc_rand(4, s, 0, 1), dx = dc_tensor_empty();
    ref_ctx c = {&x, &t};
    double loss = -1;
    CHECK_OK(dc_mse_loss_forward(&x, &t, &loss));
    CHECK_CLOSE(loss, ref_loss(&c), 1e-12);
    CHECK_OK(dc_mse_loss_backward(&x, &t, 1.0, &dx));
    gc_check("x", &x, &dx, ref_loss, &c, 1e-2, 1e-4);
    /* dloss scales the gradient; dx may be x */
    dc_tensor x2 = dc_tensor_empty();
    CHECK_OK(dc_tensor_clone(&x2, &x, DC_F32));
    CHECK_OK(dc_mse_loss_backward(&x2, &t, 3.0, &x2));
    for (int i = 0; i < 60; i++) CHECK_CLOSE(gc_f(&x2)[i], 3 * gc_f(&dx)[i], 1e-6);
    dc_tensor_release(&x);
    dc_tensor_release(&x2);
    dc_tensor_release(&t);
    dc_tensor_release(&dx);
}

static void test_known_value(void)
{
    int64_t s[1] = {4};
    dc_tensor x = gc_zeros(1, s), t = gc_zeros(1, s);
    float xv[4] = {1, 2, 3, 4}, tv[4] = {1, 0, 4, 1};
    for (int i = 0; i < 4; i++) gc_f(&x)[i] = xv[i], gc_f(&t)[i] = tv[i];
    double loss = 0;
    CHECK_OK(dc_mse_loss_forward(&x, &t, &loss));
    CHECK_CLOSE(loss, (0 + 4 + 1 + 9) / 4.0, 1e-12);
    dc_tensor_release(&x);
    dc_tensor_release(&t);
}

static void test_errors(void)
{
    int64_t s[2] = {2, 3}, u[2] = {3, 2};
    dc_tensor x = gc_zeros(2, s), t = gc_zeros(2, u), dx = gc_zeros(2, u);
    double loss;
    CHECK_FAILS(dc_mse_loss_forward(&x, &t, &loss), DC_ERR_SHAPE,
                "mse_loss_forward: target must be float32 [2, 3], got float32 [3, 2]");
    CHECK_FAILS(dc_mse_loss_backward(&x, &x, 1, &dx), DC_ERR_SHAPE,
                "mse_loss_backward: dx is float32 [3, 2] but float32 [2, 3] is needed");
    dc_tensor_release(&x);
    dc_tensor_release(&t);
    dc_tensor_release(&dx);
}

int main(void)
{
    gc_seed(21);
    RUN_TEST(test_forward_and_gradient);
    RUN_TEST(test_known_value);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
