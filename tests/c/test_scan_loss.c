/* SCAN's loss: against its definition computed plainly in double (softmaxes, the dot product
 * of the two rows, the entropy of the mean), gradients of both inputs by finite differences,
 * closed forms, extreme logits, errors. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/scan_loss.h"

typedef struct fixture {
    dc_tensor a, n;
    double w, dloss;
} fixture;

/* the softmax of row i of t, by the book (no shift: the test logits are small) */
static void softmax(const dc_tensor *t, int64_t i, double *p)
{
    const int64_t K = t->shape[1];
    double s = 0;
    for (int64_t k = 0; k < K; k++) s += p[k] = exp(gc_f(t)[i * K + k]);
    for (int64_t k = 0; k < K; k++) p[k] /= s;
}

/* dloss * (-mean_i log <p_i, q_i> - w * H(mean_i p_i)), from scratch */
static double reference(void *ctx)
{
    const fixture *f = ctx;
    const int64_t B = f->a.shape[0], K = f->a.shape[1];
    double *p = malloc(sizeof(double) * (size_t)K), *q = malloc(sizeof(double) * (size_t)K);
    double *m = calloc((size_t)K, sizeof(double));
    double cons = 0, ent = 0;
    for (int64_t i = 0; i < B; i++) {
        softmax(&f->a, i, p);
        softmax(&f->n, i, q);
        double s = 0;
        for (int64_t k = 0; k < K; k++) s += p[k] * q[k], m[k] += p[k] / (double)B;
        cons -= log(s) / (double)B;
    }
    for (int64_t k = 0; k < K; k++) ent -= m[k] * log(m[k]);
    free(p);
    free(q);
    free(m);
    return f->dloss * (cons - f->w * ent);
}

static void run(int64_t B, int64_t K, double w)
{
    fixture f = {.w = w, .dloss = 0.75};
    int64_t s[2] = {B, K};
    f.a = gc_rand(2, s, -3, 3);
    f.n = gc_rand(2, s, -3, 3);
    dc_tensor da = dc_tensor_empty(), dn = dc_tensor_empty();
    dc_scan_terms t;
    CHECK_OK(dc_scan_loss_forward(&f.a, &f.n, w, &t));
    CHECK_CLOSE(0.75 * t.loss, reference(&f), 1e-9);
    CHECK_CLOSE(t.loss, t.consistency - w * t.entropy, 1e-12);
    CHECK(t.entropy > 0 && t.entropy <= log((double)K) + 1e-12);
    CHECK_OK(dc_scan_loss_backward(&f.a, &f.n, w, 0.75, &da, &dn));
    gc_check("anchors", &f.a, &da, reference, &f, 1e-3, 1e-4);
    gc_check("neighbors", &f.n, &dn, reference, &f, 1e-3, 1e-4);
    dc_tensor *all[] = {&f.a, &f.n, &da, &dn};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_small(void) { run(3, 4, 5.0); }
static void test_batch(void) { run(32, 10, 2.0); }
static void test_no_entropy(void) { run(8, 3, 0.0); }

/* Equal logits everywhere: p = q = uniform, <p, q> = 1/K, m uniform, so the loss is
 * log K - w log K and every gradient is 0 (r = p = q; the entropy is at its maximum). One
 * row of K = 1: everything is 0. */
static void test_closed_forms(void)
{
    int64_t s[2] = {4, 5}, s1[2] = {1, 1};
    dc_tensor a = gc_zeros(2, s), da = dc_tensor_empty(), dn = dc_tensor_empty();
    for (int i = 0; i < 20; i++) gc_f(&a)[i] = 0.25f;
    dc_scan_terms t;
    CHECK_OK(dc_scan_loss_forward(&a, &a, 5, &t));
    CHECK_CLOSE(t.consistency, log(5.0), 1e-12);
    CHECK_CLOSE(t.entropy, log(5.0), 1e-12);
    CHECK_CLOSE(t.loss, log(5.0) - 5 * log(5.0), 1e-12);
    CHECK_OK(dc_scan_loss_backward(&a, &a, 5, 1, &da, &dn));
    for (int i = 0; i < 20; i++) CHECK(fabsf(gc_f(&da)[i]) < 1e-7f && fabsf(gc_f(&dn)[i]) < 1e-7f);
    dc_tensor o = gc_rand(2, s1, -1, 1);
    CHECK_OK(dc_scan_loss_forward(&o, &o, 5, &t));
    CHECK(t.loss == 0 && t.entropy == 0);
    dc_tensor *all[] = {&a, &da, &dn, &o};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

/* Confident rows that disagree (logit gaps of 200: exp underflows in float and double): the
 * loss is the gap, finite, and the gradients are the limits p - r = (1, -1) / B on the
 * anchor's two clusters (r puts its mass where a + n is largest). The mean prediction puts
 * nothing on cluster 3: no NaN from 0 log 0. */
static void test_extreme(void)
{
    int64_t s[2] = {1, 3};
    dc_tensor a = gc_zeros(2, s), n = gc_zeros(2, s), da = dc_tensor_empty(),
              dn = dc_tensor_empty();
    gc_f(&a)[0] = 200, gc_f(&a)[1] = 0, gc_f(&a)[2] = -1000; /* p = (1, 0, 0) */
    gc_f(&n)[0] = 0, gc_f(&n)[1] = 300, gc_f(&n)[2] = -1000; /* q = (0, 1, 0), r = (0, 1, 0) */
    dc_scan_terms t;
    CHECK_OK(dc_scan_loss_forward(&a, &n, 5, &t));
    CHECK_CLOSE(t.consistency, 200.0, 1e-9);
    CHECK(t.entropy >= 0 && t.entropy < 1e-80); /* m = (1, e^-200, 0) */
    CHECK_OK(dc_scan_loss_backward(&a, &n, 5, 1, &da, &dn));
    CHECK_CLOSE(gc_f(&da)[0], 1.0, 1e-6);
    CHECK_CLOSE(gc_f(&da)[1], -1.0, 1e-6);
    CHECK_CLOSE(gc_f(&dn)[1], 0.0, 1e-6);
    for (int i = 0; i < 3; i++) CHECK(isfinite(gc_f(&da)[i]) && isfinite(gc_f(&dn)[i]));
    dc_tensor *all[] = {&a, &n, &da, &dn};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_errors(void)
{
    int64_t s[2] = {2, 3}, sb[2] = {3, 3}, sk[2] = {2, 4}, s3[3] = {2, 3, 1};
    dc_tensor x = gc_rand(2, s, -1, 1), yb = gc_rand(2, sb, -1, 1), yk = gc_rand(2, sk, -1, 1);
    dc_tensor x3 = gc_rand(3, s3, -1, 1), da = dc_tensor_empty(), dn = dc_tensor_empty();
    dc_scan_terms t;
    CHECK_FAILS(dc_scan_loss_forward(&x, &yb, 5, &t), DC_ERR_SHAPE,
                "scan_loss_forward: anchors and neighbors must have the same number of rows B, "
                "got float32 [2, 3] and float32 [3, 3]");
    CHECK_FAILS(dc_scan_loss_forward(&x, &yk, 5, &t), DC_ERR_SHAPE,
                "scan_loss_forward: anchors and neighbors must have the same number of clusters "
                "K, got float32 [2, 3] and float32 [2, 4]");
    CHECK_FAILS(dc_scan_loss_forward(&x3, &x3, 5, &t), DC_ERR_SHAPE,
                "scan_loss_forward: anchors must be a float32 [B, K] tensor");
    CHECK_FAILS(dc_scan_loss_forward(&x, &x, -1, &t), DC_ERR_ARG,
                "scan_loss_forward: entropy_weight must be a number >= 0, got -1");
    CHECK_FAILS(dc_scan_loss_backward(&x, &yk, 5, 1, &da, &dn), DC_ERR_SHAPE,
                "scan_loss_backward: anchors and neighbors must have the same number of clusters");
    dc_tensor *all[] = {&x, &yb, &yk, &x3, &da, &dn};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

int main(void)
{
    gc_seed(20);
    RUN_TEST(test_small);
    RUN_TEST(test_batch);
    RUN_TEST(test_no_entropy);
    RUN_TEST(test_closed_forms);
    RUN_TEST(test_extreme);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
