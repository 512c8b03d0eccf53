/* core/cluster/pca.c: whitening gives identity covariance, the kept components are the top
 * eigenvectors (power iteration reference), L2 rows, clamping, zero rows, errors; a fit
 * streamed in blocks equals the one-shot fit. */
#include <stdlib.h>

#include "tiny_test.h"

static float uniform(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

/* the default configuration (min_variance included) with these three fields */
static dc_pca_cfg cfg_of(int64_t dim, bool whiten, bool l2)
{
    dc_pca_cfg cfg;
    dc_pca_cfg_init(&cfg);
    cfg.dim = dim;
    cfg.whiten = whiten;
    cfg.l2 = l2;
    return cfg;
}

/* x [n, d] = z [n, d] * mix [d, d] + offset: correlated, uneven variances, non-zero mean */
static dc_tensor correlated(int64_t n, int64_t d, unsigned seed)
{
    dc_tensor t = dc_tensor_empty();
    int64_t shape[2] = {n, d};
    dc_tensor_alloc(&t, DC_F32, 2, shape);
    float *x = dc_tensor_data(&t), mix[64 * 64], z[64];
    for (int64_t i = 0; i < d * d; i++) mix[i] = uniform(&seed);
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < d; j++) z[j] = uniform(&seed) * (float)(j + 1);
        for (int64_t j = 0; j < d; j++) {
            double s = 3.0 + j;
            for (int64_t q = 0; q < d; q++) s += z[q] * mix[q * d + j];
            x[i * d + j] = (float)s;
        }
    }
    return t;
}

/* (1/n) Y^T Y of centred columns, in double */
static void covariance(const dc_tensor *y, double *cov)
{
    int64_t n = y->shape[0], d = y->shape[1];
    const float *p = dc_tensor_data(y);
    double mean[64] = {0};
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) mean[j] += p[i * d + j] / (double)n;
    for (int64_t a = 0; a < d; a++)
        for (int64_t b = 0; b < d; b++) {
            double s = 0;
            for (int64_t i = 0; i < n; i++)
                s += (p[i * d + a] - mean[a]) * (p[i * d + b] - mean[b]);
            cov[a * d + b] = s / (double)n;
        }
}

static void test_whitening_gives_identity_covariance(void)
{
    dc_tensor x = correlated(2000, 8, 1), y = dc_tensor_empty();
    dc_pca_cfg cfg = cfg_of(5, true, false);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    CHECK_OK(dc_pca_fit(&p, &x));
    CHECK(p.d_in == 8 && p.d_out == 5);
    CHECK_OK(dc_pca_apply(&p, &x, &y));
    CHECK(y.shape[0] == 2000 && y.shape[1] == 5);
    double cov[25];
    covariance(&y, cov);
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++) CHECK_CLOSE(cov[a * 5 + b], a == b ? 1.0 : 0.0, 2e-3);
    dc_pca_release(&p);
    dc_pca_release(&p);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
}

/* top eigenvalue of the covariance of x by power iteration */
static double top_eigenvalue(const dc_tensor *x)
{
    int64_t d = x->shape[1];
    double cov[64 * 64], v[64], w[64], lambda = 0;
    covariance(x, cov);
    for (int64_t j = 0; j < d; j++) v[j] = 1.0 / (double)(j + 1);
    for (int it = 0; it < 500; it++) {
        double norm = 0;
        for (int64_t a = 0; a < d; a++) {
            w[a] = 0;
            for (int64_t b = 0; b < d; b++) w[a] += cov[a * d + b] * v[b];
            norm += w[a] * w[a];
        }
        lambda = sqrt(norm);
        for (int64_t a = 0; a < d; a++) v[a] = w[a] / lambda;
    }
    return lambda;
}

static void test_components_are_top_eigenvectors(void)
{
    dc_tensor x = correlated(1500, 6, 2), y = dc_tensor_empty();
    dc_pca_cfg cfg = cfg_of(3, false, false);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    CHECK_OK(dc_pca_fit(&p, &x));
    CHECK_OK(dc_pca_apply(&p, &x, &y));
    double cov[9];
    covariance(&y, cov);
    CHECK_CLOSE(cov[0], top_eigenvalue(&x), 1e-4);
    CHECK(cov[0] >= cov[4] && cov[4] >= cov[8]);
    CHECK_CLOSE(cov[1], 0.0, 1e-3);
    dc_pca_release(&p);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
}

static void test_l2_rows_and_reuse_on_new_data(void)
{
    dc_tensor train = correlated(500, 10, 3), test = correlated(40, 10, 4), y = dc_tensor_empty();
    dc_pca_cfg cfg;
    dc_pca_cfg_init(&cfg);
    CHECK(cfg.dim == 256 && cfg.whiten && cfg.l2);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    CHECK_OK(dc_pca_fit(&p, &train));
    CHECK(p.d_out == 10); /* clamped to D */
    CHECK_OK(dc_pca_apply(&p, &test, &y));
    const float *yp = dc_tensor_data(&y);
    for (int i = 0; i < 40; i++) {
        double s = 0;
        for (int j = 0; j < 10; j++) s += yp[i * 10 + j] * yp[i * 10 + j];
        CHECK_CLOSE(s, 1.0, 1e-5);
    }
    /* batch by batch into rows of one output: same numbers as one call */
    dc_tensor all = dc_tensor_empty(), part = dc_tensor_empty(), rows = dc_tensor_empty();
    int64_t shape[2] = {40, 10};
    CHECK_OK(dc_tensor_alloc(&all, DC_F32, 2, shape));
    for (int64_t r = 0; r < 40; r += 16) {
        int64_t len = 40 - r < 16 ? 40 - r : 16;
        CHECK_OK(dc_tensor_narrow(&part, &test, 0, r, len));
        CHECK_OK(dc_tensor_narrow(&rows, &all, 0, r, len));
        CHECK_OK(dc_pca_apply(&p, &part, &rows));
    }
    const float *ap = dc_tensor_data(&all);
    for (int i = 0; i < 400; i++) CHECK_CLOSE(ap[i], yp[i], 1e-6);
    dc_pca_release(&p);
    dc_tensor_release(&train);
    dc_tensor_release(&test);
    dc_tensor_release(&y);
    dc_tensor_release(&all);
    dc_tensor_release(&part);
    dc_tensor_release(&rows);
}

static void test_dimension_clamped_to_rank(void)
{
    dc_tensor x = correlated(5, 10, 5), y = dc_tensor_empty();
    dc_pca_cfg cfg;
    dc_pca_cfg_init(&cfg);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    CHECK_OK(dc_pca_fit(&p, &x)); /* 5 centred rows span at most 4 dimensions */
    CHECK(p.d_out == 4);
    CHECK_OK(dc_pca_apply(&p, &x, &y));
    const float *yp = dc_tensor_data(&y);
    for (int i = 0; i < 20; i++) CHECK(isfinite(yp[i]));
    dc_pca_release(&p);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
}

static void test_zero_row_stays_zero(void)
{
    /* rows come in +-pairs plus one zero row: the mean is exactly 0, and so is the zero
     * row's projection, which L2 must leave at 0, not NaN */
    enum { N = 41, D = 6 };
    dc_tensor x = dc_tensor_empty(), y = dc_tensor_empty();
    int64_t shape[2] = {N, D};
    CHECK_OK(dc_tensor_alloc(&x, DC_F32, 2, shape));
    float *xp = dc_tensor_data(&x);
    unsigned s = 9;
    for (int i = 0; i < 20; i++)
        for (int j = 0; j < D; j++) {
            xp[i * D + j] = uniform(&s);
            xp[(20 + i) * D + j] = -xp[i * D + j];
        }
    for (int j = 0; j < D; j++) xp[40 * D + j] = 0;
    dc_pca_cfg cfg = cfg_of(4, true, true);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    CHECK_OK(dc_pca_fit(&p, &x));
    CHECK_OK(dc_pca_apply(&p, &x, &y));
    const float *yp = dc_tensor_data(&y);
    for (int j = 0; j < 4; j++) CHECK(yp[40 * 4 + j] == 0.0f);
    dc_pca_release(&p);
    /* without PCA: L2 only, the same rule */
    dc_pca_cfg none = cfg_of(0, false, true);
    dc_pca_init(&p, &none);
    CHECK_OK(dc_pca_fit(&p, &x));
    CHECK(p.d_out == D);
    dc_tensor_release(&y);
    CHECK_OK(dc_pca_apply(&p, &x, &y));
    yp = dc_tensor_data(&y);
    for (int j = 0; j < D; j++) CHECK(yp[40 * D + j] == 0.0f);
    double n0 = 0;
    for (int j = 0; j < D; j++) n0 += yp[j] * yp[j];
    CHECK_CLOSE(n0, 1.0, 1e-6);
    dc_pca_release(&p);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
}

static void test_errors(void)
{
    dc_tensor x = correlated(50, 6, 6), other = correlated(10, 7, 7), y = dc_tensor_empty();
    dc_tensor one = dc_tensor_empty();
    dc_pca_cfg cfg;
    dc_pca_cfg_init(&cfg);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    CHECK_FAILS(dc_pca_apply(&p, &x, &y), DC_ERR_STATE, "pca_apply: the PCA is not fitted");
    CHECK_OK(dc_tensor_narrow(&one, &x, 0, 0, 1));
    CHECK_FAILS(dc_pca_fit(&p, &one), DC_ERR_SHAPE,
                "pca_fit: needs at least 2 rows, x is float32 [1, 6]");
    CHECK_OK(dc_pca_fit(&p, &x));
    CHECK_FAILS(dc_pca_apply(&p, &other, &y), DC_ERR_SHAPE,
                "pca_apply: x is float32 [10, 7] but the PCA was fitted on D = 6");
    int64_t bad[2] = {50, 3};
    CHECK_OK(dc_tensor_alloc(&y, DC_F32, 2, bad));
    CHECK_FAILS(dc_pca_apply(&p, &x, &y), DC_ERR_SHAPE, "pca_apply: y is float32 [50, 3]");
    float *xp = dc_tensor_data(&x);
    xp[7] = NAN;
    CHECK_FAILS(dc_pca_fit(&p, &x), DC_ERR_ARG,
                "pca_fit: x has a NaN or Inf (first at 0-based row 1, column 1 of x float32 "
                "[50, 6])");
    dc_pca_cfg nowhite = cfg_of(0, true, true);
    dc_pca q;
    dc_pca_init(&q, &nowhite);
    xp[7] = 0;
    CHECK_FAILS(dc_pca_fit(&q, &x), DC_ERR_ARG, "whitening needs a PCA");
    /* all rows equal: nothing to whiten */
    for (int i = 0; i < 300; i++) xp[i] = xp[i % 6];
    CHECK_FAILS(dc_pca_fit(&p, &x), DC_ERR_ARG, "are all equal: no variance to whiten");
    CHECK(p.fitted && p.d_out == 6); /* the old fit is kept */
    dc_pca_release(&p);
    dc_tensor_release(&x);
    dc_tensor_release(&other);
    dc_tensor_release(&y);
    dc_tensor_release(&one);
}

static void test_whitening_keeps_only_real_variance(void)
{
    dc_tensor x = correlated(60, 6, 8), y = dc_tensor_empty();
    float *xp = dc_tensor_data(&x);
    dc_pca_cfg cfg = cfg_of(6, true, false);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    /* a column of zeros: 5 directions of variance */
    for (int i = 0; i < 60; i++) xp[i * 6 + 2] = 0;
    CHECK_OK(dc_pca_fit(&p, &x));
    CHECK(p.d_out == 5);
    CHECK_OK(dc_pca_apply(&p, &x, &y));
    double cov[25];
    covariance(&y, cov);
    for (int a = 0; a < 5; a++) CHECK_CLOSE(cov[a * 5 + a], 1.0, 1e-3);
    /* 3 distinct rows, each twice: 2 directions */
    for (int i = 0; i < 60; i++)
        for (int j = 0; j < 6; j++) xp[i * 6 + j] = xp[(i % 3) * 6 + j];
    CHECK_OK(dc_pca_fit(&p, &x));
    CHECK(p.d_out == 2);
    dc_tensor_release(&y);
    CHECK_OK(dc_pca_apply(&p, &x, &y));
    const float *yp = dc_tensor_data(&y);
    for (int i = 0; i < 120; i++) CHECK(isfinite(yp[i]) && fabsf(yp[i]) < 10);
    dc_pca_release(&p);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
}

/* rows [r, r + len) of x */
static dc_status block(const dc_tensor *x, int64_t r, int64_t len, dc_tensor *out)
{
    return dc_tensor_narrow(out, x, 0, r, len);
}

/* y1 and y2 [n, k] equal up to the sign of each column (an eigenvector's sign is arbitrary) */
static void check_same_up_to_sign(const dc_tensor *y1, const dc_tensor *y2, double tol)
{
    int64_t n = y1->shape[0], k = y1->shape[1];
    CHECK(y2->shape[0] == n && y2->shape[1] == k);
    const float *a = dc_tensor_data(y1), *b = dc_tensor_data(y2);
    for (int64_t j = 0; j < k; j++) {
        double dot = 0;
        for (int64_t i = 0; i < n; i++) dot += (double)a[i * k + j] * b[i * k + j];
        float s = dot < 0 ? -1.0f : 1.0f;
        double worst = 0;
        for (int64_t i = 0; i < n; i++) {
            double e = fabs((double)a[i * k + j] - s * b[i * k + j]);
            worst = e > worst ? e : worst;
        }
        CHECK_CLOSE(worst, 0.0, tol);
    }
}

static void test_streamed_fit_equals_one_shot(void)
{
    /* blocks of uneven sizes, one bigger than the internal chunk of 1024 rows */
    dc_tensor x = correlated(3000, 8, 11), y1 = dc_tensor_empty(), y2 = dc_tensor_empty();
    dc_tensor part = dc_tensor_empty();
    float *xp = dc_tensor_data(&x);
    for (int i = 0; i < 3000 * 8; i++) xp[i] += 500.0f; /* a large mean: centring matters */
    dc_pca_cfg cfg = cfg_of(5, true, false);
    dc_pca one, streamed;
    dc_pca_init(&one, &cfg);
    dc_pca_init(&streamed, &cfg);
    CHECK_OK(dc_pca_fit(&one, &x));
    CHECK(one.nacc == 0 && one.mean == NULL); /* a one-shot fit keeps no accumulators */
    const int64_t sizes[] = {1, 700, 1299, 1000};
    for (int64_t i = 0, r = 0; i < 4; r += sizes[i++]) {
        CHECK_OK(block(&x, r, sizes[i], &part));
        CHECK_OK(dc_pca_partial_fit(&streamed, &part));
    }
    CHECK(streamed.nacc == 3000 && !streamed.fitted);
    CHECK_OK(dc_pca_finish(&streamed));
    CHECK(streamed.d_in == 8 && streamed.d_out == 5);
    CHECK_OK(dc_pca_apply(&one, &x, &y1));
    CHECK_OK(dc_pca_apply(&streamed, &x, &y2));
    check_same_up_to_sign(&y1, &y2, 1e-3);
    double cov[25];
    covariance(&y2, cov);
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 5; b++) CHECK_CLOSE(cov[a * 5 + b], a == b ? 1.0 : 0.0, 2e-3);
    /* more rows after a finish: the fit covers all of them at the next finish */
    CHECK_OK(dc_pca_partial_fit(&streamed, &x));
    CHECK_OK(dc_pca_finish(&streamed));
    CHECK(streamed.nacc == 6000);
    dc_tensor_release(&y2);
    CHECK_OK(dc_pca_apply(&streamed, &x, &y2));
    check_same_up_to_sign(&y1, &y2, 1e-3); /* the same rows twice: the same covariance */
    dc_pca_reset(&streamed);
    CHECK(streamed.nacc == 0 && streamed.fitted); /* reset forgets rows, not the fit */
    dc_pca_release(&one);
    dc_pca_release(&streamed);
    dc_pca_release(&streamed);
    dc_tensor_release(&x);
    dc_tensor_release(&y1);
    dc_tensor_release(&y2);
    dc_tensor_release(&part);
}

static double sq(const float *a, const float *b, int64_t d)
{
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    return s;
}

static void test_full_pca_without_whitening_is_a_rotation(void)
{
    dc_tensor x = correlated(400, 6, 12), y = dc_tensor_empty();
    dc_pca_cfg cfg = cfg_of(6, false, false);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    CHECK_OK(dc_pca_fit(&p, &x));
    CHECK_OK(dc_pca_apply(&p, &x, &y));
    const float *xp = dc_tensor_data(&x), *yp = dc_tensor_data(&y);
    /* a rotation about the mean: distances are kept */
    for (int i = 1; i < 400; i += 37)
        CHECK_CLOSE(sq(yp, yp + i * 6, 6) / sq(xp, xp + i * 6, 6), 1.0, 1e-4);
    dc_pca_release(&p);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
}

static void test_streaming_errors(void)
{
    dc_tensor x = correlated(50, 6, 13), other = correlated(10, 7, 14), y = dc_tensor_empty();
    dc_tensor one = dc_tensor_empty();
    dc_pca_cfg cfg;
    dc_pca_cfg_init(&cfg);
    dc_pca p;
    dc_pca_init(&p, &cfg);
    CHECK_FAILS(dc_pca_finish(&p), DC_ERR_STATE, "pca_finish: no rows accumulated");
    CHECK_OK(block(&x, 0, 1, &one));
    CHECK_OK(dc_pca_partial_fit(&p, &one));
    CHECK_FAILS(dc_pca_finish(&p), DC_ERR_SHAPE,
                "pca_finish: needs at least 2 rows, 1 accumulated");
    CHECK_FAILS(dc_pca_apply(&p, &x, &y), DC_ERR_STATE, "pca_apply: the PCA is not fitted");
    CHECK_OK(dc_pca_partial_fit(&p, &x));
    CHECK_FAILS(dc_pca_partial_fit(&p, &other), DC_ERR_SHAPE,
                "pca_partial_fit: x is float32 [10, 7] but the 51 rows accumulated before have "
                "D = 6");
    CHECK(p.nacc == 51); /* the bad block added nothing */
    float *op = dc_tensor_data(&other);
    op[3] = INFINITY;
    dc_pca_reset(&p);
    CHECK_FAILS(dc_pca_partial_fit(&p, &other), DC_ERR_ARG, "pca_partial_fit: x has a NaN or Inf");
    CHECK_OK(dc_pca_partial_fit(&p, &x));
    CHECK_OK(dc_pca_finish(&p));
    CHECK(p.d_in == 6 && p.d_out == 6);
    dc_pca_release(&p);
    dc_tensor_release(&x);
    dc_tensor_release(&other);
    dc_tensor_release(&y);
    dc_tensor_release(&one);
}

int main(void)
{
    RUN_TEST(test_whitening_gives_identity_covariance);
    RUN_TEST(test_components_are_top_eigenvectors);
    RUN_TEST(test_l2_rows_and_reuse_on_new_data);
    RUN_TEST(test_dimension_clamped_to_rank);
    RUN_TEST(test_zero_row_stays_zero);
    RUN_TEST(test_whitening_keeps_only_real_variance);
    RUN_TEST(test_errors);
    RUN_TEST(test_streamed_fit_equals_one_shot);
    RUN_TEST(test_full_pca_without_whitening_is_a_rotation);
    RUN_TEST(test_streaming_errors);
    return TEST_SUMMARY();
}
