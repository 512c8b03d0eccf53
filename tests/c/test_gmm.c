/* core/cluster/gmm.c: EM on a toy mixture against a plain re-implementation (explicit 2 x 2
 * inverses and determinants instead of Cholesky factors, per-dimension densities for diag),
 * the log-likelihood never decreasing, predict agreeing with fit, and the errors. */
#include <stdlib.h>

#include "tiny_test.h"

static unsigned lcg(unsigned *s) { return (*s = *s * 1103515245u + 12345u) >> 8; }
static double unif(unsigned *s) { return ((lcg(s) & 0xffffff) + 0.5) / 16777216.0; }
static double gauss(unsigned *s)
{
    return sqrt(-2 * log(unif(s))) * cos(6.283185307179586 * unif(s));
}

#define N 600
#define K 3

/* three correlated 2-d blobs; truth[i] their ids; init: truth with every 7th point moved */
static void toy(dc_tensor *x, dc_tensor *init, int64_t *truth)
{
    static const double mu[K][2] = {{0, 0}, {4, 1}, {1, 5}};
    static const double mix[K][4] = {{1, 0, 0.8, 0.6}, {0.5, 0.4, 0, 1.2}, {0.7, -0.5, 0.2, 0.4}};
    unsigned s = 7;
    int64_t xs[2] = {N, 2}, is = N;
    dc_tensor_alloc(x, DC_F32, 2, xs);
    dc_tensor_alloc(init, DC_I64, 1, &is);
    float *xp = dc_tensor_data(x);
    int64_t *ip = dc_tensor_data(init);
    for (int64_t i = 0; i < N; i++) {
        int c = (int)(i % K);
        double a = gauss(&s), b = gauss(&s);
        xp[2 * i] = (float)(mu[c][0] + mix[c][0] * a + mix[c][1] * b);
        xp[2 * i + 1] = (float)(mu[c][1] + mix[c][2] * a + mix[c][3] * b);
        truth[i] = c;
        ip[i] = i % 7 == 0 ? (c + 1) % K : c;
    }
}

/* The plain EM: returns the mean log-likelihood of each of iters E-steps into trace. */
static void reference_em(const float *x, const int64_t *init, int full, int iters, double reg,
                         double *trace, double mu_out[K][2])
{
    static double r[N][K];
    double mu[K][2], s[K][3], w[K]; /* s: xx, xy, yy */
    for (int64_t i = 0; i < N; i++)
        for (int c = 0; c < K; c++) r[i][c] = init[i] == c;
    for (int it = 0; it <= iters; it++) {
        /* M-step */
        for (int c = 0; c < K; c++) {
            double nc = 0, mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
            for (int64_t i = 0; i < N; i++) {
                nc += r[i][c];
                mx += r[i][c] * x[2 * i];
                my += r[i][c] * x[2 * i + 1];
            }
            mx /= nc, my /= nc;
            for (int64_t i = 0; i < N; i++) {
                double dx = x[2 * i] - mx, dy = x[2 * i + 1] - my;
                sxx += r[i][c] * dx * dx, sxy += r[i][c] * dx * dy, syy += r[i][c] * dy * dy;
            }
            mu[c][0] = mx, mu[c][1] = my, w[c] = nc / N;
            s[c][0] = sxx / nc + reg, s[c][1] = full ? sxy / nc : 0, s[c][2] = syy / nc + reg;
        }
        if (it == iters) break;
        /* E-step */
        double total = 0;
        for (int64_t i = 0; i < N; i++) {
            double p[K], sum = 0;
            for (int c = 0; c < K; c++) {
                double det = s[c][0] * s[c][2] - s[c][1] * s[c][1];
                double dx = x[2 * i] - mu[c][0], dy = x[2 * i + 1] - mu[c][1];
                double q = (s[c][2] * dx * dx - 2 * s[c][1] * dx * dy + s[c][0] * dy * dy) / det;
                p[c] = w[c] * exp(-0.5 * q) / (2 * M_PI * sqrt(det));
                sum += p[c];
            }
            for (int c = 0; c < K; c++) r[i][c] = p[c] / sum;
            total += log(sum);
        }
        trace[it] = total / N;
    }
    for (int c = 0; c < K; c++) mu_out[c][0] = mu[c][0], mu_out[c][1] = mu[c][1];
}

static void check_against_reference(dc_gmm_covariance cov)
{
    dc_tensor x = dc_tensor_empty(), init = dc_tensor_empty(), assign = dc_tensor_empty();
    int64_t truth[N];
    toy(&x, &init, truth);
    dc_gmm_cfg cfg;
    dc_gmm_cfg_init(&cfg, K);
    cfg.covariance = cov;
    cfg.niter = 25;
    cfg.tol = 0;
    double trace[25], ref[25], mu_ref[K][2];
    dc_gmm_model m = dc_gmm_model_empty();
    dc_gmm_result res;
    CHECK_OK(dc_gmm_fit(&cfg, &x, &init, &m, &assign, &res, trace));
    CHECK(res.iters == 25 && !res.converged);
    /* the fit's last E-step follows 24 M-steps after the initial one: the reference's
     * 25 E-steps, and its means after M-step 25 differ; compare traces, then refit 24 */
    reference_em(dc_tensor_data(&x), dc_tensor_data(&init), cov == DC_GMM_FULL, 25, cfg.reg, ref,
                 mu_ref);
    for (int i = 0; i < 25; i++) {
        CHECK_CLOSE(trace[i], ref[i], 1e-9);
        if (i) CHECK(trace[i] >= trace[i - 1] - 1e-12 * fabs(trace[i - 1]));
    }
    CHECK_CLOSE(res.loglik, trace[24], 0);
    reference_em(dc_tensor_data(&x), dc_tensor_data(&init), cov == DC_GMM_FULL, 24, cfg.reg, ref,
                 mu_ref);
    const float *mu = dc_tensor_data(&m.means);
    for (int c = 0; c < K; c++) {
        CHECK_CLOSE(mu[2 * c], mu_ref[c][0], 1e-5);
        CHECK_CLOSE(mu[2 * c + 1], mu_ref[c][1], 1e-5);
    }
    CHECK(m.covs.ndim == (cov == DC_GMM_FULL ? 3 : 2));
    const float *w = dc_tensor_data(&m.weights);
    CHECK_CLOSE(w[0] + w[1] + w[2], 1.0, 1e-6);
    /* EM repairs the moved points: the partition matches the truth (ids kept by the start) */
    int64_t wrong = 0;
    const int64_t *ap = dc_tensor_data(&assign);
    for (int64_t i = 0; i < N; i++) wrong += ap[i] != truth[i];
    CHECK(wrong < N / 20);
    /* predict under the fitted model gives the fit's last assignment */
    dc_tensor pa = dc_tensor_empty();
    double ll;
    CHECK_OK(dc_gmm_predict(&m, &x, &pa, &ll));
    CHECK_CLOSE(ll, res.loglik, 1e-5);
    int64_t differ = 0;
    for (int64_t i = 0; i < N; i++)
        differ += ((const int64_t *)dc_tensor_data(&pa))[i] != ap[i];
    CHECK(differ <= 2); /* the model moved by one M-step after the last E-step */
    dc_tensor_release(&pa);
    dc_gmm_model_release(&m);
    dc_tensor_release(&x);
    dc_tensor_release(&init);
    dc_tensor_release(&assign);
}

static void test_full_matches_reference(void) { check_against_reference(DC_GMM_FULL); }
static void test_diag_matches_reference(void) { check_against_reference(DC_GMM_DIAG); }

static void test_converges_and_stops(void)
{
    dc_tensor x = dc_tensor_empty(), init = dc_tensor_empty(), assign = dc_tensor_empty();
    int64_t truth[N];
    toy(&x, &init, truth);
    dc_gmm_cfg cfg;
    dc_gmm_cfg_init(&cfg, K);
    cfg.covariance = DC_GMM_FULL;
    dc_gmm_model m = dc_gmm_model_empty();
    dc_gmm_result res;
    CHECK_OK(dc_gmm_fit(&cfg, &x, &init, &m, &assign, &res, NULL));
    CHECK(res.converged && res.iters < cfg.niter);
    dc_gmm_model_release(&m);
    dc_tensor_release(&x);
    dc_tensor_release(&init);
    dc_tensor_release(&assign);
}

static void test_errors(void)
{
    dc_tensor x = dc_tensor_empty(), init = dc_tensor_empty(), assign = dc_tensor_empty();
    int64_t truth[N];
    toy(&x, &init, truth);
    dc_gmm_cfg cfg;
    dc_gmm_cfg_init(&cfg, K);
    dc_gmm_model m = dc_gmm_model_empty();
    dc_gmm_result res;
    dc_gmm_covariance cov;
    CHECK_FAILS(dc_gmm_covariance_parse("spherical", &cov), DC_ERR_ARG, "'diag' or 'full'");
    int64_t *ip = dc_tensor_data(&init);
    ip[5] = 3;
    CHECK_FAILS(dc_gmm_fit(&cfg, &x, &init, &m, &assign, &res, NULL), DC_ERR_ARG,
                "init[5] = 3 is not a component");
    for (int64_t i = 0; i < N; i++) ip[i] = i % 2; /* component 2 never used */
    CHECK_FAILS(dc_gmm_fit(&cfg, &x, &init, &m, &assign, &res, NULL), DC_ERR_ARG,
                "component 2 (0-based) lost all its points");
    cfg.k = 0;
    CHECK_FAILS(dc_gmm_fit(&cfg, &x, &init, &m, &assign, &res, NULL), DC_ERR_ARG, "k >= 1");
    cfg.k = K;
    dc_tensor few = dc_tensor_empty(), few_init = dc_tensor_empty();
    CHECK_OK(dc_tensor_narrow(&few, &x, 0, 0, 2));
    CHECK_OK(dc_tensor_narrow(&few_init, &init, 0, 0, 2));
    CHECK_FAILS(dc_gmm_fit(&cfg, &few, &few_init, &m, &assign, &res, NULL), DC_ERR_ARG,
                "need at least k points");
    CHECK_FAILS(dc_gmm_fit(&cfg, &x, &few_init, &m, &assign, &res, NULL), DC_ERR_ARG,
                "init must be int64 [600]");
    dc_gmm_model bad = dc_gmm_model_empty();
    int64_t s2[2] = {K, 2}, s1 = 2;
    dc_tensor_zeros(&bad.means, DC_F32, 2, s2);
    dc_tensor_zeros(&bad.covs, DC_F32, 2, s2);
    dc_tensor_zeros(&bad.weights, DC_F32, 1, &s1);
    CHECK_FAILS(dc_gmm_predict(&bad, &x, &assign, NULL), DC_ERR_ARG, "do not fit together");
    dc_gmm_model_release(&bad);
    dc_tensor_release(&few);
    dc_tensor_release(&few_init);
    dc_tensor_release(&x);
    dc_tensor_release(&init);
    dc_tensor_release(&assign);
}

int main(void)
{
    RUN_TEST(test_full_matches_reference);
    RUN_TEST(test_diag_matches_reference);
    RUN_TEST(test_converges_and_stops);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
