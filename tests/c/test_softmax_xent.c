/* softmax, log-softmax and cross-entropy: values against the definitions (also with huge
 * logits), gradients by finite differences, class weights, 1-based targets, errors. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/softmax_xent.h"

typedef struct fixture {
    dc_tensor x, r, target, weight;
    bool log_, xent, weighted;
    int64_t base;
} fixture;

static double *reference(const void *ctx)
{
    const fixture *f = ctx;
    int64_t N = f->x.shape[0], D = f->x.shape[1];
    double *y = malloc(sizeof(double) * (size_t)(N * D));
    for (int64_t n = 0; n < N; n++) {
        double m = -INFINITY, s = 0;
        for (int64_t d = 0; d < D; d++) m = fmax(m, gc_f(&f->x)[n * D + d]);
        for (int64_t d = 0; d < D; d++) s += exp(gc_f(&f->x)[n * D + d] - m);
        for (int64_t d = 0; d < D; d++) {
            double ls = gc_f(&f->x)[n * D + d] - m - log(s);
            y[n * D + d] = f->log_ || f->xent ? ls : exp(ls);
        }
    }
    return y;
}

static double xent_reference(const fixture *f)
{
    int64_t N = f->x.shape[0], D = f->x.shape[1];
    double *ls = reference(f), num = 0, den = 0;
    for (int64_t n = 0; n < N; n++) {
        int64_t c = ((int64_t *)dc_tensor_data(&f->target))[n] - f->base;
        double w = f->weighted ? gc_f(&f->weight)[c] : 1;
        num -= w * ls[n * D + c];
        den += w;
    }
    free(ls);
    return num / den;
}

static double loss(void *ctx)
{
    fixture *f = ctx;
    if (f->xent) return 0.75 * xent_reference(f); /* dloss = 0.75 */
    return gc_projected_loss(&(gc_projection){reference, f, &f->r});
}

static void run_softmax(bool log_)
{
    fixture f = {0};
    f.log_ = log_;
    int64_t s[2] = {4, 7};
    f.x = gc_rand(2, s, -3, 3);
    f.r = gc_rand(2, s, -1, 1);
    dc_tensor y = dc_tensor_empty(), dx = dc_tensor_empty();
    CHECK_OK(log_ ? dc_log_softmax_forward(&f.x, &y) : dc_softmax_forward(&f.x, &y));
    double *want = reference(&f);
    gc_compare("y", &y, want, 1e-6);
    free(want);
    CHECK_OK(log_ ? dc_log_softmax_backward(&y, &f.r, &dx) : dc_softmax_backward(&y, &f.r, &dx));
    gc_check("x", &f.x, &dx, loss, &f, 1e-2, 1e-5);
    dc_tensor_release(&f.x);
    dc_tensor_release(&f.r);
    dc_tensor_release(&y);
    dc_tensor_release(&dx);
}

static void test_softmax(void) { run_softmax(false); }
static void test_log_softmax(void) { run_softmax(true); }

static void run_xent(bool weighted, int64_t base)
{
    fixture f = {0};
    f.xent = true, f.weighted = weighted, f.base = base;
    int64_t s[2] = {5, 4}, ts[1] = {5}, ks[1] = {4};
    f.x = gc_rand(2, s, -3, 3);
    f.weight = gc_rand(1, ks, 0.2, 2);
    f.target = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&f.target, DC_I64, 1, ts));
    int64_t labels[5] = {0, 3, 1, 3, 2};
    for (int i = 0; i < 5; i++) ((int64_t *)dc_tensor_data(&f.target))[i] = labels[i] + base;
    dc_tensor prob = dc_tensor_empty(), dx = dc_tensor_empty();
    double l = 0;
    CHECK_OK(dc_xent_forward(&f.x, &f.target, base, weighted ? &f.weight : NULL, &prob, &l));
    CHECK_CLOSE(l, xent_reference(&f), 1e-6);
    CHECK_OK(dc_xent_backward(&prob, &f.target, base, weighted ? &f.weight : NULL, 0.75, &dx));
    gc_check("x", &f.x, &dx, loss, &f, 1e-2, 1e-5);
    dc_tensor *all[] = {&f.x, &f.weight, &f.target, &prob, &dx};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_xent(void) { run_xent(false, 0); }
static void test_xent_weighted_one_based(void) { run_xent(true, 1); }

static void test_large_logits(void)
{
    int64_t s[2] = {1, 3}, ts[1] = {1};
    dc_tensor x = gc_zeros(2, s), y = dc_tensor_empty(), t = dc_tensor_empty(), p = dc_tensor_empty();
    gc_f(&x)[0] = 1000, gc_f(&x)[1] = 1000, gc_f(&x)[2] = -1000;
    CHECK_OK(dc_softmax_forward(&x, &y));
    CHECK_CLOSE(gc_f(&y)[0], 0.5, 1e-7);
    CHECK(gc_f(&y)[2] == 0.0f);
    CHECK_OK(dc_tensor_zeros(&t, DC_I64, 1, ts));
    double l;
    CHECK_OK(dc_xent_forward(&x, &t, 0, NULL, &p, &l));
    CHECK_CLOSE(l, log(2.0), 1e-7);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
    dc_tensor_release(&t);
    dc_tensor_release(&p);
}

static void test_errors(void)
{
    int64_t s[2] = {2, 3}, ts[1] = {2}, bad[1] = {3};
    dc_tensor x = gc_zeros(2, s), t = dc_tensor_empty(), t3 = dc_tensor_empty(), p = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, DC_I64, 1, ts));
    CHECK_OK(dc_tensor_zeros(&t3, DC_I64, 1, bad));
    ((int64_t *)dc_tensor_data(&t))[1] = 4;
    double l;
    CHECK_FAILS(dc_xent_forward(&x, &t, 1, NULL, &p, &l), DC_ERR_INDEX,
                "cross_entropy_forward: target 0 of row 1 is out of range 1..3 (3 classes)");
    CHECK_FAILS(dc_xent_forward(&x, &t3, 1, NULL, &p, &l), DC_ERR_SHAPE,
                "target must be contiguous int64 [2] (one label per row), got int64 [3]");
    CHECK_FAILS(dc_xent_forward(&x, &x, 1, NULL, &p, &l), DC_ERR_SHAPE, "got float32 [2, 3]");
    dc_tensor_release(&x);
    dc_tensor_release(&t);
    dc_tensor_release(&t3);
}

int main(void)
{
    gc_seed(7);
    RUN_TEST(test_softmax);
    RUN_TEST(test_log_softmax);
    RUN_TEST(test_xent);
    RUN_TEST(test_xent_weighted_one_based);
    RUN_TEST(test_large_logits);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
