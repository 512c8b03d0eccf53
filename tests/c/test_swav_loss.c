/* SwAV's swapped-prediction loss: the value against a direct loop over (code, other view,
 * image) pairs, the gradient by finite differences (with codes that are distributions and
 * with ones that are not), groups of views adding up to the whole, uniform scores giving
 * ln K, backward in place, errors. */
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "layers/swav_loss.h"

typedef struct fixture {
    dc_tensor z, q, views;
    double t;
    int64_t base;
} fixture;

/* The definition, pair by pair, in double: softmax by its formula, no shortcuts. */
static double reference(const fixture *f)
{
    const int64_t V = f->z.shape[0], B = f->z.shape[1], K = f->z.shape[2], A = f->q.shape[0];
    const int64_t *cv = dc_tensor_data(&f->views);
    double total = 0;
    int pairs = 0;
    for (int64_t a = 0; a < A; a++) {
        for (int64_t v = 0; v < V; v++) {
            if (v == cv[a] - f->base) continue;
            double sub = 0;
            for (int64_t b = 0; b < B; b++) {
                const float *z = gc_f(&f->z) + (v * B + b) * K, *q = gc_f(&f->q) + (a * B + b) * K;
                double s = 0;
                for (int64_t k = 0; k < K; k++) s += exp(z[k] / f->t);
                for (int64_t k = 0; k < K; k++) sub -= q[k] * log(exp(z[k] / f->t) / s);
            }
            total += sub / (double)B;
            pairs++;
        }
    }
    return total / pairs;
}

static double loss(void *ctx) { return 0.5 * reference(ctx); } /* dloss = 0.5 */

/* Codes: uniform positive rows, scaled to sum 1 when normalised. */
static dc_tensor codes(int64_t A, int64_t B, int64_t K, bool normalised)
{
    int64_t s[3] = {A, B, K};
    dc_tensor q = gc_rand(3, s, 0.05, 1);
    if (normalised) {
        for (int64_t r = 0; r < A * B; r++) {
            double sum = 0;
            for (int64_t k = 0; k < K; k++) sum += gc_f(&q)[r * K + k];
            for (int64_t k = 0; k < K; k++) gc_f(&q)[r * K + k] /= (float)sum;
        }
    }
    return q;
}

static dc_tensor ids(int n, const int64_t *v)
{
    int64_t s[1] = {n};
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_I64, 1, s));
    for (int i = 0; i < n; i++) ((int64_t *)dc_tensor_data(&t))[i] = v[i];
    return t;
}

static void run(int64_t V, int64_t B, int64_t K, int A, const int64_t *views, int64_t base,
                double t, bool normalised)
{
    fixture f = {.t = t, .base = base};
    int64_t s[3] = {V, B, K};
    f.z = gc_rand(3, s, -1, 1); /* cosine-like scores */
    f.q = codes(A, B, K, normalised);
    f.views = ids(A, views);
    dc_tensor prob = dc_tensor_empty(), dz = dc_tensor_empty();
    double l = 0;
    dc_swav_views all_views = {base, base, V};
    CHECK_OK(dc_swav_loss_forward(&f.z, &f.q, &f.views, all_views, t, &prob, &l));
    CHECK_CLOSE(l, reference(&f), 1e-6);
    CHECK_OK(dc_swav_loss_backward(&prob, &f.q, &f.views, all_views, t, 0.5, &dz));
    gc_check("scores", &f.z, &dz, loss, &f, 1e-3, 1e-4);
    /* two groups of views (the first view alone, then the rest): losses and gradients add
     * up to the whole */
    double sum = 0;
    for (int64_t first = 0; first < V; first += first == 0 ? 1 : V) {
        int64_t n = first == 0 ? 1 : V - 1, gs[3] = {n, B, K};
        dc_tensor zg = dc_tensor_empty(), pg = dc_tensor_empty(), dg = dc_tensor_empty();
        CHECK_OK(dc_tensor_alloc(&zg, DC_F32, 3, gs));
        memcpy(gc_f(&zg), gc_f(&f.z) + first * B * K, sizeof(float) * (size_t)(n * B * K));
        dc_swav_views part = {base, base + first, V};
        double lg = 0;
        CHECK_OK(dc_swav_loss_forward(&zg, &f.q, &f.views, part, t, &pg, &lg));
        CHECK_OK(dc_swav_loss_backward(&pg, &f.q, &f.views, part, t, 0.5, &dg));
        for (int64_t i = 0; i < n * B * K; i++)
            CHECK_CLOSE(gc_f(&dg)[i], gc_f(&dz)[first * B * K + i], 1e-6);
        sum += lg;
        dc_tensor_release(&zg);
        dc_tensor_release(&pg);
        dc_tensor_release(&dg);
    }
    CHECK_CLOSE(sum, l, 1e-6);
    /* in place (dscores = prob) gives the same gradient */
    CHECK_OK(dc_swav_loss_backward(&prob, &f.q, &f.views, all_views, t, 0.5, &prob));
    for (int64_t i = 0; i < V * B * K; i++) CHECK(gc_f(&prob)[i] == gc_f(&dz)[i]);
    dc_tensor *all[] = {&f.z, &f.q, &f.views, &prob, &dz};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

/* SwAV's layout: 2 large crops give the codes, 6 views predict (here 1-based as from Lua) */
static void test_multi_crop(void) { run(6, 5, 7, 2, (int64_t[]){1, 2}, 1, 0.1, true); }
/* two views, one code each, 0-based, a mild temperature */
static void test_two_views(void) { run(2, 4, 3, 2, (int64_t[]){1, 0}, 0, 0.5, true); }
/* a code of a later view only; codes that are not distributions */
static void test_unnormalised(void) { run(3, 3, 4, 1, (int64_t[]){3}, 1, 0.2, false); }

static void test_uniform_scores(void)
{
    int64_t s[3] = {3, 4, 5};
    dc_tensor z = gc_zeros(3, s), q = codes(2, 4, 5, true), v = ids(2, (int64_t[]){1, 2});
    dc_tensor p = dc_tensor_empty();
    double l;
    CHECK_OK(dc_swav_loss_forward(&z, &q, &v, (dc_swav_views){1, 1, 3}, 0.1, &p, &l));
    CHECK_CLOSE(l, log(5.0), 1e-6); /* any code against uniform predictions costs ln K */
    CHECK_CLOSE(gc_f(&p)[7], 0.2, 1e-7);
    dc_tensor *all[] = {&z, &q, &v, &p};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_errors(void)
{
    int64_t s[3] = {2, 3, 4}, s1[3] = {1, 3, 4};
    dc_tensor z = gc_zeros(3, s), z1 = gc_zeros(3, s1), q = codes(1, 3, 4, true);
    dc_tensor qbad = codes(1, 2, 4, true), v = ids(1, (int64_t[]){1});
    dc_tensor vout = ids(1, (int64_t[]){3}), vdup = ids(2, (int64_t[]){1, 1});
    dc_tensor q2 = codes(2, 3, 4, true), p = dc_tensor_empty();
    double l;
    dc_swav_views two = {1, 1, 2};
    CHECK_FAILS(dc_swav_loss_forward(&z1, &q, &v, (dc_swav_views){1, 1, 1}, 0.1, &p, &l),
                DC_ERR_ARG, "swav_loss_forward: 1 view(s) in all; the swapped prediction needs "
                "at least 2");
    CHECK_FAILS(dc_swav_loss_forward(&z, &q, &v, (dc_swav_views){1, 2, 2}, 0.1, &p, &l),
                DC_ERR_SHAPE, "swav_loss_forward: scores holds views 2..3, outside the 2 views "
                "(1..2)");
    CHECK_FAILS(dc_swav_loss_forward(&z, &qbad, &v, two, 0.1, &p, &l), DC_ERR_SHAPE,
                "codes must be float32 [A, 3, 4] (A >= 1: one code per image and prototype), "
                "got float32 [1, 2, 4]");
    CHECK_FAILS(dc_swav_loss_forward(&z, &q, &vout, two, 0.1, &p, &l), DC_ERR_INDEX,
                "code_views[1] = 3 is not a view (1..2)");
    CHECK_FAILS(dc_swav_loss_forward(&z, &q2, &vdup, two, 0.1, &p, &l), DC_ERR_ARG,
                "view 1 has two codes");
    CHECK_FAILS(dc_swav_loss_forward(&z, &q2, &v, two, 0.1, &p, &l), DC_ERR_SHAPE,
                "code_views must be contiguous int64 [2]");
    CHECK_FAILS(dc_swav_loss_forward(&z, &q, &v, two, 0, &p, &l), DC_ERR_ARG,
                "temperature must be a positive number, got 0");
    CHECK_FAILS(dc_swav_loss_backward(&z, &q, &v, two, 0.1, 1, &z1), DC_ERR_SHAPE, "dscores");
    dc_tensor *all[] = {&z, &z1, &q, &qbad, &v, &vout, &vdup, &q2, &p};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

int main(void)
{
    gc_seed(12);
    RUN_TEST(test_multi_crop);
    RUN_TEST(test_two_views);
    RUN_TEST(test_unnormalised);
    RUN_TEST(test_uniform_scores);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
