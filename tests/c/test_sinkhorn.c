/* core/cluster/sinkhorn.c: against SwAV's algorithm written as plain double loops, equal-size
 * partitions on toy problems (one tilted so that plain argmax is unbalanced), given
 * marginals, early stop, thread-count independence, in place, bad input. */
#include <stdlib.h>

#include "tiny_test.h"

static unsigned lcg(unsigned *s) { return (*s = *s * 1103515245u + 12345u) >> 8; }
static double unif(unsigned *s) { return ((lcg(s) & 0xffffff) + 0.5) / 16777216.0; }

static dc_tensor tensor2(int64_t n, int64_t k)
{
    dc_tensor t = dc_tensor_empty();
    int64_t shape[2] = {n, k};
    dc_tensor_alloc(&t, DC_F32, 2, shape);
    return t;
}

static dc_tensor random_scores(int64_t n, int64_t k, unsigned seed)
{
    dc_tensor t = tensor2(n, k);
    float *s = dc_tensor_data(&t);
    for (int64_t i = 0; i < n * k; i++) s[i] = (float)(2 * unif(&seed) - 1);
    return t;
}

static dc_tensor vector(int64_t k, const float *v)
{
    dc_tensor t = dc_tensor_empty();
    int64_t shape[1] = {k};
    dc_tensor_alloc(&t, DC_F32, 1, shape);
    memcpy(dc_tensor_data(&t), v, (size_t)k * sizeof(float));
    return t;
}

/* SwAV's distributed_sinkhorn on one process, with marginals m (NULL: 1/K), in [N][K] terms:
 * Q = exp(s / eps) / sum; per iteration columns to m_j, rows to 1/N; finally Q *= N. The
 * global max is subtracted first: a constant, gone with the first normalisation. */
static void reference(const float *s, int64_t n, int64_t k, double eps, int iters,
                      const float *m, double *q)
{
    double mx = s[0], sum = 0;
    for (int64_t i = 0; i < n * k; i++) mx = s[i] > mx ? s[i] : mx;
    for (int64_t i = 0; i < n * k; i++) sum += q[i] = exp((s[i] - mx) / eps);
    for (int64_t i = 0; i < n * k; i++) q[i] /= sum;
    for (int it = 0; it < iters; it++) {
        for (int64_t j = 0; j < k; j++) {
            double c = 0;
            for (int64_t i = 0; i < n; i++) c += q[i * k + j];
            double mj = m ? m[j] : 1.0 / (double)k;
            for (int64_t i = 0; i < n; i++) q[i * k + j] *= mj / c;
        }
        for (int64_t i = 0; i < n; i++) {
            double r = 0;
            for (int64_t j = 0; j < k; j++) r += q[i * k + j];
            for (int64_t j = 0; j < k; j++) q[i * k + j] /= r * (double)n;
        }
    }
    for (int64_t i = 0; i < n * k; i++) q[i] *= (double)n;
}

static void check_against_reference(int64_t n, int64_t k, double eps, int iters, const float *m,
                                    unsigned seed)
{
    dc_tensor s = random_scores(n, k, seed), q = dc_tensor_empty(), mt = dc_tensor_empty();
    if (m) mt = vector(k, m);
    dc_sinkhorn_cfg cfg;
    dc_sinkhorn_cfg_init(&cfg);
    cfg.epsilon = eps;
    cfg.iters = iters;
    dc_sinkhorn_result r;
    CHECK_OK(dc_sinkhorn_solve(&cfg, &s, m ? &mt : NULL, &q, &r));
    CHECK(r.iters == iters);
    double *ref = malloc((size_t)(n * k) * sizeof(double)), worst = 0;
    reference(dc_tensor_data(&s), n, k, eps, iters, m, ref);
    const float *qp = dc_tensor_data(&q);
    for (int64_t i = 0; i < n * k; i++) worst = fmax(worst, fabs(qp[i] - ref[i]));
    CHECK_CLOSE(worst, 0, 2e-6);
    free(ref);
    dc_tensor_release(&s);
    dc_tensor_release(&q);
    dc_tensor_release(&mt);
}

static void test_matches_reference(void)
{
    const float m5[5] = {0.1f, 0.3f, 0.2f, 0.15f, 0.25f};
    check_against_reference(37, 5, 0.05, 3, NULL, 1);   /* SwAV's setting */
    check_against_reference(37, 5, 0.05, 3, m5, 2);
    check_against_reference(64, 7, 0.5, 1, NULL, 3);
    check_against_reference(200, 13, 0.04, 30, NULL, 4); /* SeLa's lambda = 25 */
    check_against_reference(9, 9, 0.1, 5, NULL, 5);     /* K = N */
    check_against_reference(11, 1, 0.05, 3, NULL, 6);   /* one cluster: all ones */
}

/* k clusters of m points: score 0.8 on its own cluster, 0.2 elsewhere, +-0.1 noise; tilt adds
 * to every score of cluster 0 (a column scaling of exp(scores / eps), which Sinkhorn undoes). */
static dc_tensor toy(int64_t k, int64_t m, double tilt, unsigned seed)
{
    dc_tensor t = tensor2(k * m, k);
    float *s = dc_tensor_data(&t);
    for (int64_t i = 0; i < k * m; i++)
        for (int64_t j = 0; j < k; j++)
            s[i * k + j] = (float)((j == i % k ? 0.8 : 0.2) + 0.2 * unif(&seed) - 0.1 +
                                   (j == 0 ? tilt : 0));
    return t;
}

/* argmax of each row into counts[k]; *truth = every row's argmax is its cluster i % k */
static void label_counts(const dc_tensor *q, int64_t *counts, int *truth)
{
    int64_t n = q->shape[0], k = q->shape[1];
    const float *p = dc_tensor_data(q);
    memset(counts, 0, (size_t)k * sizeof(int64_t));
    *truth = 1;
    for (int64_t i = 0; i < n; i++) {
        int64_t best = 0;
        for (int64_t j = 1; j < k; j++) best = p[i * k + j] > p[i * k + best] ? j : best;
        counts[best]++;
        *truth &= best == i % k;
    }
}

static void test_equal_partitions(void)
{
    enum { K = 6, M = 40 };
    int64_t counts[K];
    int truth;
    dc_sinkhorn_cfg cfg;
    dc_sinkhorn_cfg_init(&cfg);
    dc_sinkhorn_result r;
    dc_tensor s = toy(K, M, 0, 11), q = dc_tensor_empty();
    CHECK_OK(dc_sinkhorn_solve(&cfg, &s, NULL, &q, &r));
    label_counts(&q, counts, &truth);
    for (int j = 0; j < K; j++) CHECK(counts[j] == M);
    CHECK(truth);

    /* tilted: plain argmax puts every point in cluster 0 */
    dc_tensor t = toy(K, M, 1.0, 11), qt = dc_tensor_empty();
    label_counts(&t, counts, &truth);
    CHECK(counts[0] == K * M);
    cfg.iters = 1000;
    cfg.tol = 1e-3;
    CHECK_OK(dc_sinkhorn_solve(&cfg, &t, NULL, &qt, &r));
    CHECK(r.iters < 1000 && r.err <= 1e-3);
    label_counts(&qt, counts, &truth);
    for (int j = 0; j < K; j++) CHECK(counts[j] == M);
    CHECK(truth);
    dc_tensor_release(&s);
    dc_tensor_release(&q);
    dc_tensor_release(&t);
    dc_tensor_release(&qt);
}

static void test_marginals_and_tolerance(void)
{
    enum { N = 500, K = 4 };
    const float m[K] = {0.1f, 0.2f, 0.3f, 0.4f};
    dc_tensor s = random_scores(N, K, 21), q = dc_tensor_empty(), mt = vector(K, m);
    dc_sinkhorn_cfg cfg;
    dc_sinkhorn_cfg_init(&cfg);
    cfg.iters = 500;
    cfg.tol = 1e-6;
    dc_sinkhorn_result r;
    CHECK_OK(dc_sinkhorn_solve(&cfg, &s, &mt, &q, &r));
    CHECK(r.iters > 1 && r.iters < 500);
    CHECK(r.err <= 1e-6);
    const float *p = dc_tensor_data(&q);
    double col[K] = {0};
    for (int i = 0; i < N; i++) {
        double row = 0;
        for (int j = 0; j < K; j++) {
            row += p[i * K + j];
            col[j] += p[i * K + j];
        }
        CHECK_CLOSE(row, 1, 1e-5);
    }
    for (int j = 0; j < K; j++) CHECK_CLOSE(col[j] / (N * m[j]), 1, 1e-5);

    /* without tol: all iterations run, and the error is reported */
    cfg.tol = 0;
    cfg.iters = 2;
    CHECK_OK(dc_sinkhorn_solve(&cfg, &s, &mt, &q, &r));
    CHECK(r.iters == 2 && r.err > 1e-6);
    dc_tensor_release(&s);
    dc_tensor_release(&q);
    dc_tensor_release(&mt);
}

static void test_threads_and_in_place(void)
{
    dc_tensor s = random_scores(3000, 40, 31), q1 = dc_tensor_empty(), q2 = dc_tensor_empty();
    dc_sinkhorn_cfg cfg;
    dc_sinkhorn_cfg_init(&cfg);
    dc_sinkhorn_result r;
    int threads = dc_get_num_threads();
    CHECK_OK(dc_set_num_threads(1));
    CHECK_OK(dc_sinkhorn_solve(&cfg, &s, NULL, &q1, &r));
    CHECK_OK(dc_set_num_threads(2));
    CHECK_OK(dc_sinkhorn_solve(&cfg, &s, NULL, &q2, &r));
    CHECK(memcmp(dc_tensor_data(&q1), dc_tensor_data(&q2), 3000 * 40 * sizeof(float)) == 0);
    CHECK_OK(dc_sinkhorn_solve(&cfg, &s, NULL, &s, &r)); /* in place */
    CHECK(memcmp(dc_tensor_data(&q1), dc_tensor_data(&s), 3000 * 40 * sizeof(float)) == 0);
    CHECK_OK(dc_set_num_threads(threads));
    dc_tensor_release(&s);
    dc_tensor_release(&q1);
    dc_tensor_release(&q2);
}

static void test_errors(void)
{
    dc_sinkhorn_cfg cfg;
    dc_sinkhorn_cfg_init(&cfg);
    dc_sinkhorn_result r;
    dc_tensor s = random_scores(10, 3, 41), q = dc_tensor_empty();
    float *sp = dc_tensor_data(&s);

    cfg.epsilon = -1;
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, NULL, &q, &r), DC_ERR_ARG,
                "sinkhorn: epsilon must be > 0");
    dc_sinkhorn_cfg_init(&cfg);
    cfg.iters = 0;
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, NULL, &q, &r), DC_ERR_ARG,
                "sinkhorn: iters must be >= 1");
    dc_sinkhorn_cfg_init(&cfg);
    cfg.tol = -0.5;
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, NULL, &q, &r), DC_ERR_ARG, "sinkhorn: tol must be");
    dc_sinkhorn_cfg_init(&cfg);

    sp[7] = NAN;
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, NULL, &q, &r), DC_ERR_ARG,
                "sinkhorn: scores has a NaN or Inf");
    sp[7] = 0;

    dc_tensor wide = random_scores(3, 5, 42);
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &wide, NULL, &q, &r), DC_ERR_ARG,
                "sinkhorn: K = 5 clusters but scores");

    const float bad_sum[3] = {0.5f, 0.2f, 0.2f}, negative[3] = {1.2f, -0.1f, -0.1f},
                four[4] = {0.25f, 0.25f, 0.25f, 0.25f};
    dc_tensor m1 = vector(3, bad_sum), m2 = vector(3, negative), m3 = vector(4, four);
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, &m1, &q, &r), DC_ERR_ARG,
                "sinkhorn: marginals must sum to 1, got 0.9");
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, &m2, &q, &r), DC_ERR_ARG,
                "sinkhorn: marginals must be >= 0");
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, &m3, &q, &r), DC_ERR_SHAPE,
                "sinkhorn: marginals must be float32 [3]");

    dc_tensor small = tensor2(10, 2);
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, NULL, &small, &r), DC_ERR_SHAPE, "sinkhorn: q");

    /* column 2 far below the rest: exp underflows in all of it */
    for (int i = 0; i < 10; i++) sp[i * 3 + 2] = -50;
    cfg.epsilon = 0.01;
    CHECK_FAILS(dc_sinkhorn_solve(&cfg, &s, NULL, &q, &r), DC_ERR_ARG,
                "sinkhorn: cluster 2 (0-based) gets no mass");
    dc_tensor_release(&s);
    dc_tensor_release(&q);
    dc_tensor_release(&wide);
    dc_tensor_release(&m1);
    dc_tensor_release(&m2);
    dc_tensor_release(&m3);
    dc_tensor_release(&small);
}

int main(void)
{
    RUN_TEST(test_matches_reference);
    RUN_TEST(test_equal_partitions);
    RUN_TEST(test_marginals_and_tolerance);
    RUN_TEST(test_threads_and_in_place);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
