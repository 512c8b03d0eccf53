/* NT-Xent: the loss against its definition computed in double, closed forms (one pair; two
 * orthogonal pairs), gradients of both views by finite differences, errors. */
#include <stdlib.h>

#include "gradcheck.h"
#include "layers/ntxent.h"

typedef struct fixture {
    dc_tensor z1, z2;
    double temperature, dloss;
} fixture;

/* dloss * mean_i [log sum_{j != i} exp(u_i . u_j / t) - u_i . u_p(i) / t], from scratch */
static double reference(void *ctx)
{
    const fixture *f = ctx;
    const int64_t B = f->z1.shape[0], D = f->z1.shape[1], N = 2 * B;
    double *u = malloc(sizeof(double) * (size_t)(N * D));
    for (int64_t i = 0; i < N; i++) {
        const float *z = i < B ? gc_f(&f->z1) + i * D : gc_f(&f->z2) + (i - B) * D;
        double s = 0;
        for (int64_t d = 0; d < D; d++) s += (double)z[d] * z[d];
        for (int64_t d = 0; d < D; d++) u[i * D + d] = z[d] / sqrt(s);
    }
    double total = 0;
    for (int64_t i = 0; i < N; i++) {
        double sum = 0, pos = 0;
        for (int64_t j = 0; j < N; j++) {
            if (j == i) continue;
            double s = 0;
            for (int64_t d = 0; d < D; d++) s += u[i * D + d] * u[j * D + d];
            sum += exp(s / f->temperature);
            if (j == (i < B ? i + B : i - B)) pos = s / f->temperature;
        }
        total += log(sum) - pos;
    }
    free(u);
    return f->dloss * total / (double)N;
}

static void run(int64_t B, int64_t D, double temperature)
{
    fixture f = {.temperature = temperature, .dloss = 0.75};
    int64_t s[2] = {B, D};
    f.z1 = gc_rand(2, s, -2, 2);
    f.z2 = gc_rand(2, s, -2, 2);
    dc_tensor prob = dc_tensor_empty(), dz1 = dc_tensor_empty(), dz2 = dc_tensor_empty();
    double l = 0;
    CHECK_OK(dc_ntxent_forward(&f.z1, &f.z2, temperature, &prob, &l));
    CHECK_CLOSE(0.75 * l, reference(&f), 1e-6);
    /* every row of prob is a distribution over the other 2B - 1 rows */
    for (int64_t i = 0; i < 2 * B; i++) {
        double sum = 0;
        for (int64_t j = 0; j < 2 * B; j++) sum += gc_f(&prob)[i * 2 * B + j];
        CHECK_CLOSE(sum, 1.0, 1e-5);
        CHECK(gc_f(&prob)[i * 2 * B + i] == 0.0f);
    }
    CHECK_OK(dc_ntxent_backward(&f.z1, &f.z2, &prob, temperature, 0.75, &dz1, &dz2));
    gc_check("z1", &f.z1, &dz1, reference, &f, 1e-3, 1e-4);
    gc_check("z2", &f.z2, &dz2, reference, &f, 1e-3, 1e-4);
    dc_tensor *all[] = {&f.z1, &f.z2, &prob, &dz1, &dz2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_small(void) { run(3, 4, 0.5); }
static void test_batch(void) { run(16, 8, 0.1); }

/* One pair: each row's only candidate is its partner, so the loss is 0 whatever the rows.
 * Two pairs of equal orthogonal rows: each row sees its partner at 1/t and two rows at 0. */
static void test_closed_forms(void)
{
    int64_t s1[2] = {1, 3}, s2[2] = {2, 2};
    dc_tensor a = gc_rand(2, s1, -1, 1), b = gc_rand(2, s1, -1, 1), p = dc_tensor_empty();
    double l = -1;
    CHECK_OK(dc_ntxent_forward(&a, &b, 0.5, &p, &l));
    CHECK_CLOSE(l, 0.0, 1e-7);
    dc_tensor_release(&p);
    dc_tensor e = gc_zeros(2, s2);
    gc_f(&e)[0] = 3, gc_f(&e)[3] = 0.5; /* rows (3, 0) and (0, 0.5): orthogonal */
    CHECK_OK(dc_ntxent_forward(&e, &e, 0.5, &p, &l));
    CHECK_CLOSE(l, log(exp(2.0) + 2.0) - 2.0, 1e-6);
    dc_tensor *all[] = {&a, &b, &e, &p};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_errors(void)
{
    int64_t s[2] = {2, 3}, s3[2] = {3, 3}, ps[2] = {6, 6};
    dc_tensor x = gc_rand(2, s, -1, 1), y = gc_rand(2, s3, -1, 1), p = dc_tensor_empty();
    dc_tensor q = gc_zeros(2, ps), d1 = dc_tensor_empty(), d2 = dc_tensor_empty();
    double l;
    CHECK_FAILS(dc_ntxent_forward(&x, &y, 0.5, &p, &l), DC_ERR_SHAPE,
                "ntxent_forward: z1 and z2 must have the same shape [B, D], got float32 [2, 3] "
                "and float32 [3, 3]");
    CHECK_FAILS(dc_ntxent_forward(&x, &x, 0, &p, &l), DC_ERR_ARG,
                "ntxent_forward: temperature must be a positive number, got 0");
    CHECK_FAILS(dc_ntxent_backward(&x, &x, &q, 0.5, 1, &d1, &d2), DC_ERR_SHAPE,
                "ntxent_backward: prob");
    dc_tensor *all[] = {&x, &y, &p, &q};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

int main(void)
{
    gc_seed(13);
    RUN_TEST(test_small);
    RUN_TEST(test_batch);
    RUN_TEST(test_closed_forms);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
