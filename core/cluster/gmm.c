/* Gaussian mixture by EM (Bishop, PRML §9.2.2), in double precision:
 *   E-step: log r_ic = log pi_c + log N(x_i | mu_c, S_c) - logsumexp_c(...), and the mean
 *           log-likelihood (1/N) sum_i logsumexp_c(...);
 *   M-step: n_c = sum_i r_ic, pi_c = n_c / N, mu_c = sum_i r_ic x_i / n_c,
 *           S_c = sum_i r_ic (x_i - mu_c)(x_i - mu_c)^T / n_c + reg I (diag: its diagonal).
 * Full covariances go through their Cholesky factor L (S = L L^T): log N = -(D log 2 pi +
 * 2 sum log L_dd + |L^-1 (x - mu)|^2) / 2. The first parameters come from a hard partition
 * (an M-step with 0/1 responsibilities). */
#include "gmm.h"

#include <math.h>
#include <string.h>

#include "cluster/check.h"

void dc_gmm_cfg_init(dc_gmm_cfg *cfg, int64_t k)
{
    cfg->k = k;
    cfg->covariance = DC_GMM_DIAG;
    cfg->niter = 100;
    cfg->tol = 1e-4;
    cfg->reg = 1e-6;
}

dc_status dc_gmm_covariance_parse(const char *name, dc_gmm_covariance *cov)
{
    if (!strcmp(name, "diag")) *cov = DC_GMM_DIAG;
    else if (!strcmp(name, "full")) *cov = DC_GMM_FULL;
    else return dc_fail(DC_ERR_ARG, "gmm: covariance must be 'diag' or 'full', got '%s'", name);
    return DC_OK;
}

dc_gmm_model dc_gmm_model_empty(void)
{
    return (dc_gmm_model){DC_GMM_DIAG, dc_tensor_empty(), dc_tensor_empty(), dc_tensor_empty()};
}

void dc_gmm_model_release(dc_gmm_model *m)
{
    dc_tensor_release(&m->means);
    dc_tensor_release(&m->covs);
    dc_tensor_release(&m->weights);
}

/* ---- parameters in double ---- */

typedef struct params {
    int64_t k, d;
    bool full;
    double *mu;    /* [k, d] */
    double *cov;   /* [k, d] variances, or [k, d, d] lower Cholesky factors */
    double *logw;  /* [k] */
    double *norm;  /* [k]: log pi_c - (d log 2 pi + log det S_c) / 2 */
} params;

static size_t cov_len(const params *p) { return (size_t)(p->k * p->d * (p->full ? p->d : 1)); }

static void params_free(params *p)
{
    dc_free(p->mu, (size_t)(p->k * p->d) * sizeof(double));
    dc_free(p->cov, cov_len(p) * sizeof(double));
    dc_free(p->logw, (size_t)p->k * sizeof(double));
    dc_free(p->norm, (size_t)p->k * sizeof(double));
}

static dc_status params_alloc(params *p, int64_t k, int64_t d, bool full)
{
    *p = (params){k, d, full, NULL, NULL, NULL, NULL};
    p->mu = dc_alloc((size_t)(k * d) * sizeof(double));
    p->cov = dc_alloc(cov_len(p) * sizeof(double));
    p->logw = dc_alloc((size_t)k * sizeof(double));
    p->norm = dc_alloc((size_t)k * sizeof(double));
    if (p->mu && p->cov && p->logw && p->norm) return DC_OK;
    params_free(p);
    return dc_fail(DC_ERR_NOMEM, "gmm: out of memory for %lld components of dim %lld",
                   (long long)k, (long long)d);
}

/* In-place Cholesky of the d x d matrix a (lower triangle used and returned, upper zeroed);
 * fails when a is not positive definite. */
static dc_status cholesky(double *a, int64_t d, int64_t c)
{
    for (int64_t j = 0; j < d; j++) {
        double s = a[j * d + j];
        for (int64_t q = 0; q < j; q++) s -= a[j * d + q] * a[j * d + q];
        DC_CHECK(s > 0, DC_ERR_ARG,
                 "gmm: covariance of component %lld is not positive definite (raise reg)",
                 (long long)c);
        a[j * d + j] = sqrt(s);
        for (int64_t i = j + 1; i < d; i++) {
            double t = a[i * d + j];
            for (int64_t q = 0; q < j; q++) t -= a[i * d + q] * a[j * d + q];
            a[i * d + j] = t / a[j * d + j];
        }
        for (int64_t q = j + 1; q < d; q++) a[j * d + q] = 0;
    }
    return DC_OK;
}

/* norm_c from logw and the covariances (factored here when full). */
static dc_status params_finish(params *p)
{
    const double l2pi = log(2 * M_PI);
    for (int64_t c = 0; c < p->k; c++) {
        double logdet = 0;
        if (p->full) {
            double *l = p->cov + c * p->d * p->d;
            DC_TRY(cholesky(l, p->d, c));
            for (int64_t j = 0; j < p->d; j++) logdet += 2 * log(l[j * p->d + j]);
        } else {
            for (int64_t j = 0; j < p->d; j++) logdet += log(p->cov[c * p->d + j]);
        }
        p->norm[c] = p->logw[c] - 0.5 * (p->d * l2pi + logdet);
    }
    return DC_OK;
}

/* log pi_c + log N(x | mu_c, S_c) for every c into lp[k]; z: scratch [d]. */
static void log_joint(const params *p, const float *x, double *lp, double *z)
{
    int64_t d = p->d;
    for (int64_t c = 0; c < p->k; c++) {
        const double *mu = p->mu + c * d;
        double q = 0;
        if (p->full) {
            const double *l = p->cov + c * d * d;
            for (int64_t i = 0; i < d; i++) { /* forward substitution L z = x - mu */
                double t = x[i] - mu[i];
                for (int64_t j = 0; j < i; j++) t -= l[i * d + j] * z[j];
                z[i] = t / l[i * d + i];
                q += z[i] * z[i];
            }
        } else {
            const double *v = p->cov + c * d;
            for (int64_t i = 0; i < d; i++) q += (x[i] - mu[i]) * (x[i] - mu[i]) / v[i];
        }
        lp[c] = p->norm[c] - 0.5 * q;
    }
}

/* E-step over all rows: responsibilities into r [n, k] (or NULL), argmax into assign
 * (or NULL); returns the mean log-likelihood. */
static double estep(const params *p, const float *x, int64_t n, double *r, int64_t *assign,
                    double *scratch)
{
    double *lp = scratch, *z = scratch + p->k, total = 0;
    for (int64_t i = 0; i < n; i++) {
        log_joint(p, x + i * p->d, lp, z);
        int64_t best = 0;
        for (int64_t c = 1; c < p->k; c++)
            if (lp[c] > lp[best]) best = c;
        double s = 0;
        for (int64_t c = 0; c < p->k; c++) s += exp(lp[c] - lp[best]);
        double lse = lp[best] + log(s);
        total += lse;
        if (r)
            for (int64_t c = 0; c < p->k; c++) r[i * p->k + c] = exp(lp[c] - lse);
        if (assign) assign[i] = best;
    }
    return total / (double)n;
}

/* M-step from responsibilities r [n, k]; fails on a component with no weight. */
static dc_status mstep(params *p, const float *x, int64_t n, const double *r, double reg)
{
    int64_t k = p->k, d = p->d;
    size_t cl = cov_len(p);
    memset(p->mu, 0, (size_t)(k * d) * sizeof(double));
    memset(p->cov, 0, cl * sizeof(double));
    for (int64_t c = 0; c < k; c++) p->logw[c] = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < k; c++) {
            double ric = r[i * k + c];
            p->logw[c] += ric;
            for (int64_t j = 0; j < d; j++) p->mu[c * d + j] += ric * x[i * d + j];
        }
    for (int64_t c = 0; c < k; c++) {
        DC_CHECK(p->logw[c] > 1e-10 * (double)n, DC_ERR_ARG,
                 "gmm: component %lld (0-based) lost all its points (start from a partition "
                 "that uses every component, or lower k)",
                 (long long)c);
        for (int64_t j = 0; j < d; j++) p->mu[c * d + j] /= p->logw[c];
    }
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < k; c++) {
            double ric = r[i * k + c];
            if (ric == 0) continue;
            const double *mu = p->mu + c * d;
            const float *xi = x + i * d;
            if (p->full) {
                double *s = p->cov + c * d * d;
                for (int64_t a = 0; a < d; a++) {
                    double da = ric * (xi[a] - mu[a]);
                    for (int64_t b = 0; b <= a; b++) s[a * d + b] += da * (xi[b] - mu[b]);
                }
            } else {
                double *v = p->cov + c * d;
                for (int64_t j = 0; j < d; j++) v[j] += ric * (xi[j] - mu[j]) * (xi[j] - mu[j]);
            }
        }
    for (int64_t c = 0; c < k; c++) {
        double nc = p->logw[c];
        if (p->full) {
            double *s = p->cov + c * d * d;
            for (int64_t a = 0; a < d; a++) {
                for (int64_t b = 0; b <= a; b++) s[a * d + b] /= nc;
                s[a * d + a] += reg;
            }
        } else {
            for (int64_t j = 0; j < d; j++) p->cov[c * d + j] = p->cov[c * d + j] / nc + reg;
        }
        p->logw[c] = log(nc / (double)n);
    }
    return params_finish(p);
}

/* ---- model tensors <-> params ---- */

static dc_status to_model(const params *p, dc_gmm_model *m)
{
    int64_t k = p->k, d = p->d;
    int64_t ms[2] = {k, d}, cs[3] = {k, d, d};
    DC_TRY(dc_tensor_ensure(&m->means, DC_F32, 2, ms, "gmm: means"));
    DC_TRY(dc_tensor_ensure(&m->covs, DC_F32, p->full ? 3 : 2, cs, "gmm: covs"));
    DC_TRY(dc_tensor_ensure(&m->weights, DC_F32, 1, &k, "gmm: weights"));
    m->covariance = p->full ? DC_GMM_FULL : DC_GMM_DIAG;
    float *mu = dc_tensor_data(&m->means), *cv = dc_tensor_data(&m->covs);
    float *w = dc_tensor_data(&m->weights);
    for (int64_t e = 0; e < k * d; e++) mu[e] = (float)p->mu[e];
    for (int64_t c = 0; c < k; c++) {
        w[c] = (float)exp(p->logw[c]);
        if (!p->full) {
            for (int64_t j = 0; j < d; j++) cv[c * d + j] = (float)p->cov[c * d + j];
            continue;
        }
        const double *l = p->cov + c * d * d; /* S = L L^T */
        for (int64_t a = 0; a < d; a++)
            for (int64_t b = 0; b < d; b++) {
                double s = 0;
                for (int64_t q = 0; q <= (a < b ? a : b); q++) s += l[a * d + q] * l[b * d + q];
                cv[(c * d + a) * d + b] = (float)s;
            }
    }
    return DC_OK;
}

static dc_status from_model(const dc_gmm_model *m, params *p)
{
    char b1[128], b2[128], b3[128];
    const dc_tensor *mu = &m->means, *cv = &m->covs, *w = &m->weights;
    bool full = m->covariance == DC_GMM_FULL;
    bool ok = mu->dtype == DC_F32 && mu->ndim == 2 && dc_tensor_is_contiguous(mu) &&
              cv->dtype == DC_F32 && dc_tensor_is_contiguous(cv) && w->dtype == DC_F32 &&
              w->ndim == 1 && dc_tensor_is_contiguous(w) && mu->shape[0] == w->shape[0] &&
              cv->ndim == (full ? 3 : 2) && cv->shape[0] == mu->shape[0] &&
              cv->shape[1] == mu->shape[1] && (!full || cv->shape[2] == mu->shape[1]);
    DC_CHECK(ok, DC_ERR_ARG,
             "gmm_predict: the model's tensors do not fit together: means %s, covs %s, "
             "weights %s",
             dc_tensor_describe(mu, b1, sizeof b1), dc_tensor_describe(cv, b2, sizeof b2),
             dc_tensor_describe(w, b3, sizeof b3));
    DC_TRY(params_alloc(p, mu->shape[0], mu->shape[1], full));
    const float *mp = dc_tensor_data(mu), *cp = dc_tensor_data(cv), *wp = dc_tensor_data(w);
    for (size_t e = 0; e < (size_t)(p->k * p->d); e++) p->mu[e] = mp[e];
    for (size_t e = 0; e < cov_len(p); e++) p->cov[e] = cp[e];
    dc_status st = DC_OK;
    for (int64_t c = 0; c < p->k && st == DC_OK; c++) {
        if (!(wp[c] > 0)) st = dc_fail(DC_ERR_ARG, "gmm_predict: weight %lld is not positive",
                                       (long long)c);
        p->logw[c] = log(wp[c]);
        for (int64_t j = 0; j < p->d && !full && st == DC_OK; j++)
            if (!(p->cov[c * p->d + j] > 0))
                st = dc_fail(DC_ERR_ARG, "gmm_predict: variance %lld of component %lld is not "
                             "positive", (long long)j, (long long)c);
    }
    if (st == DC_OK) st = params_finish(p);
    if (st != DC_OK) params_free(p);
    return st;
}

/* ---- entry points ---- */

dc_status dc_gmm_fit(const dc_gmm_cfg *cfg, const dc_tensor *x, const dc_tensor *init,
                     dc_gmm_model *m, dc_tensor *assign, dc_gmm_result *res, double *trace)
{
    char b1[128], b2[128];
    DC_CHECK(cfg->k >= 1 && cfg->niter >= 1 && cfg->tol >= 0 && cfg->reg >= 0, DC_ERR_ARG,
             "gmm: needs k >= 1, niter >= 1, tol >= 0, reg >= 0 (got %lld, %d, %g, %g)",
             (long long)cfg->k, cfg->niter, cfg->tol, cfg->reg);
    dc_tensor xc = dc_tensor_empty();
    DC_TRY(dc_check_points(x, "gmm", "x", &xc));
    int64_t n = xc.shape[0], d = xc.shape[1], k = cfg->k;
    dc_status st = DC_OK;
    params p = {0};
    double *r = NULL, *scratch = NULL;
    size_t rb = (size_t)(n * k) * sizeof(double), sb = (size_t)(k + d) * sizeof(double);
    if (!(init->dtype == DC_I64 && init->ndim == 1 && init->shape[0] == n)) {
        st = dc_fail(DC_ERR_ARG, "gmm: init must be int64 [%lld] (a component per row of x), "
                     "got %s", (long long)n, dc_tensor_describe(init, b1, sizeof b1));
        goto cleanup;
    }
    if (n < k) {
        st = dc_fail(DC_ERR_ARG, "gmm: k = %lld components need at least k points, x is %s",
                     (long long)k, dc_tensor_describe(&xc, b2, sizeof b2));
        goto cleanup;
    }
    if ((st = dc_tensor_ensure(assign, DC_I64, 1, &n, "gmm: assign")) != DC_OK) goto cleanup;
    if ((st = params_alloc(&p, k, d, cfg->covariance == DC_GMM_FULL)) != DC_OK) goto cleanup;
    r = dc_alloc(rb);
    scratch = dc_alloc(sb);
    if (!r || !scratch) {
        st = dc_fail(DC_ERR_NOMEM, "gmm: out of memory for %lld x %lld responsibilities",
                     (long long)n, (long long)k);
        goto cleanup;
    }
    memset(r, 0, rb);
    for (int64_t i = 0; i < n; i++) {
        int64_t c = dc_tensor_get_i64(init, &i);
        if (c < 0 || c >= k) {
            st = dc_fail(DC_ERR_ARG, "gmm: init[%lld] = %lld is not a component (0-based: 0..%lld)",
                         (long long)i, (long long)c, (long long)(k - 1));
            goto cleanup;
        }
        r[i * k + c] = 1;
    }
    const float *xp = dc_tensor_data(&xc);
    if ((st = mstep(&p, xp, n, r, cfg->reg)) != DC_OK) goto cleanup;
    double prev = -INFINITY;
    *res = (dc_gmm_result){0, 0, false};
    for (int it = 0; it < cfg->niter; it++) {
        double ll = estep(&p, xp, n, r, dc_tensor_data(assign), scratch);
        if (trace) trace[it] = ll;
        res->iters = it + 1;
        res->loglik = ll;
        if (fabs(ll - prev) < cfg->tol) {
            res->converged = true;
            break;
        }
        prev = ll;
        if (it + 1 == cfg->niter) break; /* the assignment matches the last E-step's model */
        if ((st = mstep(&p, xp, n, r, cfg->reg)) != DC_OK) goto cleanup;
    }
    st = to_model(&p, m);
cleanup:
    params_free(&p);
    dc_free(r, rb);
    dc_free(scratch, sb);
    dc_tensor_release(&xc);
    return st;
}

dc_status dc_gmm_predict(const dc_gmm_model *m, const dc_tensor *x, dc_tensor *assign,
                         double *loglik)
{
    dc_tensor xc = dc_tensor_empty();
    DC_TRY(dc_check_points(x, "gmm_predict", "x", &xc));
    params p = {0};
    dc_status st = from_model(m, &p);
    if (st != DC_OK) {
        dc_tensor_release(&xc);
        return st;
    }
    int64_t n = xc.shape[0];
    double *scratch = NULL;
    size_t sb = (size_t)(p.k + p.d) * sizeof(double);
    char b[128];
    if (xc.shape[1] != p.d) {
        st = dc_fail(DC_ERR_SHAPE, "gmm_predict: x is %s but the model has dim %lld",
                     dc_tensor_describe(&xc, b, sizeof b), (long long)p.d);
        goto cleanup;
    }
    if ((st = dc_tensor_ensure(assign, DC_I64, 1, &n, "gmm_predict: assign")) != DC_OK)
        goto cleanup;
    if (!(scratch = dc_alloc(sb))) {
        st = dc_fail(DC_ERR_NOMEM, "gmm_predict: out of memory");
        goto cleanup;
    }
    double ll = estep(&p, dc_tensor_data(&xc), n, NULL, dc_tensor_data(assign), scratch);
    if (loglik) *loglik = ll;
cleanup:
    params_free(&p);
    dc_free(scratch, sb);
    dc_tensor_release(&xc);
    return st;
}
