/* PCA-whitening + L2 normalisation (DeepCluster's preprocess_features, clustering.py), fitted
 * from blocks of rows.
 *
 * partial_fit merges each block into the running count, mean and centred scatter sum
 * S = sum (x - mu)(x - mu)^T (Chan, Golub & LeVeque's pairwise update): a block of at most
 * CHUNK_ROWS rows is centred on its own mean in double, added by one dsyrk, and the shift
 * between the two means by one dsyr. Centring first keeps the covariance of features with a
 * large mean accurate (FAISS's PCAMatrix forms X^T X - n mu mu^T in float instead).
 * finish takes the top eigenpairs of S / n (LAPACK dsyevr) and builds the projection
 * y = A (x - mu) with rows A_j = v_j * eigenvalue_j^-0.5 when whitening (FAISS's
 * eigen_power -0.5; the output covariance is then the identity), v_j otherwise; apply is one
 * sgemm plus the bias -A mu and the row L2 normalisation. L2 has no epsilon (as the
 * reference) but leaves a zero row at zero instead of making it NaN. All rows are used
 * (FAISS subsamples to 1000 * D rows, more than DeepCluster ever has). */
#include "pca.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "cluster/check.h"
#include "ops/iter.h"

/* LAPACK's symmetric eigensolver for selected eigenpairs (OpenBLAS ships LAPACK). */
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);

/* Rows centred and added per dsyrk: bounds the scratch at CHUNK_ROWS x D doubles. */
#define CHUNK_ROWS 1024

void dc_pca_cfg_init(dc_pca_cfg *cfg)
{
    cfg->dim = 256;
    cfg->whiten = true;
    cfg->l2 = true;
    cfg->min_variance = 1e-10;
}

void dc_pca_init(dc_pca *p, const dc_pca_cfg *cfg)
{
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
}

static size_t dbytes(int64_t n) { return (size_t)n * sizeof(double); }

void dc_pca_reset(dc_pca *p)
{
    int64_t d = p->dacc;
    dc_free(p->mean, dbytes(d));
    dc_free(p->scatter, dbytes(d * d));
    dc_free(p->chunk, dbytes((CHUNK_ROWS + 1) * d));
    p->mean = p->scatter = p->chunk = NULL;
    p->nacc = p->dacc = 0;
}

static void free_projection(dc_pca *p)
{
    if (p->proj) {
        dc_free(p->proj, (size_t)(p->d_out * p->d_in) * sizeof(float));
        dc_free(p->bias, (size_t)p->d_out * sizeof(float));
    }
    p->proj = p->bias = NULL;
}

void dc_pca_release(dc_pca *p)
{
    dc_pca_reset(p);
    free_projection(p);
    p->fitted = false;
}

/* Merges rows x[0..c) (c <= CHUNK_ROWS, d columns) into the accumulators. */
static void add_chunk(dc_pca *p, const float *x, int64_t c)
{
    int64_t d = p->dacc;
    double *z = p->chunk, *mu = p->chunk + CHUNK_ROWS * d;
    /* the block's column means: each thread sums a range of columns over all rows */
#pragma omp parallel if (c * d >= DC_PARALLEL_MIN)
    {
        int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
        int64_t j0 = d * t / nt, j1 = d * (t + 1) / nt;
        for (int64_t j = j0; j < j1; j++) mu[j] = 0;
        for (int64_t i = 0; i < c; i++)
            for (int64_t j = j0; j < j1; j++) mu[j] += x[i * d + j];
        for (int64_t j = j0; j < j1; j++) mu[j] /= (double)c;
    }
#pragma omp parallel for schedule(static) if (c * d >= DC_PARALLEL_MIN)
    for (int64_t i = 0; i < c; i++)
        for (int64_t j = 0; j < d; j++) z[i * d + j] = (double)x[i * d + j] - mu[j];
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)c, 1.0, z, (int)d, 1.0,
                p->scatter, (int)d);
    int64_t n0 = p->nacc, n1 = n0 + c;
    for (int64_t j = 0; j < d; j++) mu[j] -= p->mean[j]; /* now the shift of the mean */
    if (n0 > 0)
        cblas_dsyr(CblasRowMajor, CblasUpper, (int)d, (double)n0 * (double)c / (double)n1, mu, 1,
                   p->scatter, (int)d);
    for (int64_t j = 0; j < d; j++) p->mean[j] += mu[j] * (double)c / (double)n1;
    p->nacc = n1;
}

/* partial_fit under the name of the calling operation (errors name it). */
static dc_status accumulate(dc_pca *p, const dc_tensor *x, const char *op)
{
    char b[128];
    DC_CHECK(p->cfg.dim >= 0, DC_ERR_ARG, "%s: dim must be >= 0 (0: no PCA), got %lld", op,
             (long long)p->cfg.dim);
    DC_CHECK(p->cfg.dim > 0 || !p->cfg.whiten, DC_ERR_ARG,
             "%s: whitening needs a PCA (dim > 0)", op);
    dc_tensor xc = dc_tensor_empty();
    DC_TRY(dc_check_points(x, op, "x", &xc));
    int64_t n = xc.shape[0], d = xc.shape[1];
    dc_status st = DC_OK;
    if (p->dacc > 0 && d != p->dacc) {
        st = dc_fail(DC_ERR_SHAPE, "%s: x is %s but the %lld rows accumulated before have D = %lld",
                     op, dc_tensor_describe(&xc, b, sizeof b), (long long)p->nacc,
                     (long long)p->dacc);
        goto cleanup;
    }
    if (p->dacc == 0 && p->cfg.dim > 0) {
        p->mean = dc_alloc(dbytes(d));
        p->scatter = dc_alloc(dbytes(d * d));
        p->chunk = dc_alloc(dbytes((CHUNK_ROWS + 1) * d));
        p->dacc = d;
        if (!p->mean || !p->scatter || !p->chunk) {
            dc_pca_reset(p);
            st = dc_fail(DC_ERR_NOMEM, "%s: out of memory for the covariance of D = %lld", op,
                         (long long)d);
            goto cleanup;
        }
        memset(p->mean, 0, dbytes(d));
        memset(p->scatter, 0, dbytes(d * d));
    }
    p->dacc = d;
    if (p->cfg.dim == 0) {
        p->nacc += n; /* L2 only: nothing to accumulate but the shape */
        goto cleanup;
    }
    const float *xp = dc_tensor_data(&xc);
    for (int64_t r = 0; r < n; r += CHUNK_ROWS)
        add_chunk(p, xp + r * d, n - r < CHUNK_ROWS ? n - r : CHUNK_ROWS);
cleanup:
    dc_tensor_release(&xc);
    return st;
}

dc_status dc_pca_partial_fit(dc_pca *p, const dc_tensor *x)
{
    return accumulate(p, x, "pca_partial_fit");
}

/* finish under the name of the calling operation; x (or NULL) is what a one-shot fit got,
 * named when it has too few rows. */
/* The k largest eigenpairs of the covariance S / n of p's accumulated rows (LAPACK dsyevr):
 * eigenvalues into w[0 .. k - 1] in ascending order (w has room for d, as dsyevr needs),
 * eigenvector i into z[i * d .. i * d + d - 1]. */
static dc_status top_eigenpairs(const dc_pca *p, const char *op, int64_t k, double *w, double *z)
{
    int64_t n = p->nacc, d = p->dacc;
    dc_status st = DC_OK;
    int di = (int)d, il = (int)(d - k + 1), iu = (int)d, m = 0, info = 0, lwork = -1,
        liwork = -1, iwq = 0;
    double vl = 0, vu = 0, abstol = 0, wq = 0;
    size_t work_bytes = 0, iwork_bytes = 0, isuppz_bytes = (size_t)(2 * k) * sizeof(int);
    double *cov = dc_alloc(dbytes(d * d)), *work = NULL;
    int *isuppz = dc_alloc(isuppz_bytes), *iwork = NULL;
    if (!cov || !isuppz) goto nomem;
    /* dsyevr overwrites its input: a full symmetric copy of S / n (column-major = row-major) */
    for (int64_t i = 0; i < d; i++)
        for (int64_t j = i; j < d; j++)
            cov[i * d + j] = cov[j * d + i] = p->scatter[i * d + j] / (double)n;
    dsyevr_("V", "I", "U", &di, cov, &di, &vl, &vu, &il, &iu, &abstol, &m, w, z, &di, isuppz,
            &wq, &lwork, &iwq, &liwork, &info);
    lwork = (int)wq;
    liwork = iwq;
    work_bytes = dbytes(lwork);
    iwork_bytes = (size_t)liwork * sizeof(int);
    work = dc_alloc(work_bytes);
    iwork = dc_alloc(iwork_bytes);
    if (!work || !iwork) goto nomem;
    dsyevr_("V", "I", "U", &di, cov, &di, &vl, &vu, &il, &iu, &abstol, &m, w, z, &di, isuppz,
            work, &lwork, iwork, &liwork, &info);
    if (info != 0 || m != k)
        st = dc_fail(DC_ERR_ARG, "%s: the eigendecomposition of the %lld x %lld covariance "
                     "failed (LAPACK dsyevr info %d)", op, (long long)d, (long long)d, info);
    goto cleanup;
nomem:
    st = dc_fail(DC_ERR_NOMEM, "%s: out of memory for the eigendecomposition of D = %lld", op,
                 (long long)d);
cleanup:
    dc_free(cov, dbytes(d * d));
    dc_free(isuppz, isuppz_bytes);
    dc_free(work, work_bytes);
    dc_free(iwork, iwork_bytes);
    return st;
}

/* How many of the k components (eigenvalues w ascending) the projection keeps: all of them,
 * or when whitening those with variance > 0 and >= min_variance x the top one. */
static dc_status kept_components(const dc_pca *p, const char *op, int64_t k, const double *w,
                                 int64_t *dout)
{
    *dout = k;
    if (!p->cfg.whiten) return DC_OK;
    double top = w[k - 1];
    DC_CHECK(top > 0, DC_ERR_ARG, "%s: the %lld rows fitted are all equal: no variance to "
             "whiten", op, (long long)p->nacc);
    double floor = p->cfg.min_variance * top;
    int64_t j = 0;
    while (j < k && w[k - 1 - j] > 0 && w[k - 1 - j] >= floor) j++;
    *dout = j;
    return DC_OK;
}

/* Installs the projection y = A (x - mu) of the top dout components into p: row j of A is
 * the eigenvector of eigenpair k - 1 - j (w ascending), scaled by eigenvalue^-0.5 when
 * whitening; the bias is -A mu. */
static dc_status install_projection(dc_pca *p, const char *op, int64_t k, const double *w,
                                    const double *z, int64_t dout)
{
    int64_t d = p->dacc;
    float *proj = dc_alloc((size_t)(dout * d) * sizeof(float));
    float *bias = dc_alloc((size_t)dout * sizeof(float));
    if (!proj || !bias) {
        dc_free(proj, (size_t)(dout * d) * sizeof(float));
        dc_free(bias, (size_t)dout * sizeof(float));
        return dc_fail(DC_ERR_NOMEM, "%s: out of memory for the %lld x %lld projection", op,
                       (long long)dout, (long long)d);
    }
    for (int64_t j = 0; j < dout; j++) {
        const double *v = z + (k - 1 - j) * d;
        double s = p->cfg.whiten ? 1.0 / sqrt(w[k - 1 - j]) : 1.0, b = 0;
        for (int64_t q = 0; q < d; q++) {
            proj[j * d + q] = (float)(v[q] * s);
            b -= v[q] * s * p->mean[q];
        }
        bias[j] = (float)b;
    }
    free_projection(p);
    p->proj = proj;
    p->bias = bias;
    p->fitted = true;
    p->d_in = d;
    p->d_out = dout;
    return DC_OK;
}

/* Fits the projection from the accumulated rows; x (may be NULL) only names the input in
 * messages. */
static dc_status eigen_fit(dc_pca *p, const char *op, const dc_tensor *x)
{
    char b[128];
    int64_t n = p->nacc, d = p->dacc;
    DC_CHECK(n >= 1, DC_ERR_STATE, "%s: no rows accumulated (call partial_fit first)", op);
    if (p->cfg.dim == 0) {
        free_projection(p);
        p->d_in = p->d_out = d;
        p->fitted = true;
        return DC_OK;
    }
    int64_t k = p->cfg.dim; /* eigenpairs to compute */
    k = k < n - 1 ? k : n - 1;
    k = k < d ? k : d;
    if (k < 1 && x)
        return dc_fail(DC_ERR_SHAPE, "%s: needs at least 2 rows, x is %s", op,
                       dc_tensor_describe(x, b, sizeof b));
    DC_CHECK(k >= 1, DC_ERR_SHAPE, "%s: needs at least 2 rows, %lld accumulated", op,
             (long long)n);
    DC_CHECK(d <= 46340, DC_ERR_ARG, "%s: D = %lld is too large for LAPACK's int sizes", op,
             (long long)d);
    double *w = dc_alloc(dbytes(d)), *z = dc_alloc(dbytes(d * k)); /* dsyevr fills up to d */
    dc_status st = w && z ? DC_OK
                          : dc_fail(DC_ERR_NOMEM, "%s: out of memory for the eigendecomposition "
                                    "of D = %lld", op, (long long)d);
    int64_t dout = 0;
    if (st == DC_OK) st = top_eigenpairs(p, op, k, w, z);
    if (st == DC_OK) st = kept_components(p, op, k, w, &dout);
    if (st == DC_OK) st = install_projection(p, op, k, w, z, dout);
    dc_free(w, dbytes(d));
    dc_free(z, dbytes(d * k));
    return st;
}

dc_status dc_pca_finish(dc_pca *p) { return eigen_fit(p, "pca_finish", NULL); }

dc_status dc_pca_fit(dc_pca *p, const dc_tensor *x)
{
    dc_pca_reset(p);
    dc_status st = accumulate(p, x, "pca_fit");
    if (st == DC_OK) st = eigen_fit(p, "pca_fit", x);
    dc_pca_reset(p); /* a one-shot fit keeps no accumulators */
    return st;
}

dc_status dc_pca_apply(const dc_pca *p, const dc_tensor *x, dc_tensor *y)
{
    DC_CHECK(p->fitted, DC_ERR_STATE, "pca_apply: the PCA is not fitted (call fit first)");
    dc_tensor xc = dc_tensor_empty();
    DC_TRY(dc_check_points(x, "pca_apply", "x", &xc));
    dc_status st = DC_OK;
    char b[128];
    int64_t m = xc.shape[0], d = p->d_in, dout = p->d_out;
    if (xc.shape[1] != d) {
        st = dc_fail(DC_ERR_SHAPE, "pca_apply: x is %s but the PCA was fitted on D = %lld",
                     dc_tensor_describe(&xc, b, sizeof b), (long long)d);
        goto cleanup;
    }
    int64_t shape[2] = {m, dout};
    if ((st = dc_tensor_ensure(y, DC_F32, 2, shape, "pca_apply: y")) != DC_OK) goto cleanup;
    if (!dc_tensor_is_contiguous(y)) {
        st = dc_fail(DC_ERR_ARG, "pca_apply: y must be contiguous, got a strided %s",
                     dc_tensor_describe(y, b, sizeof b));
        goto cleanup;
    }
    const float *xp = dc_tensor_data(&xc), *bias = p->bias;
    float *yp = dc_tensor_data(y);
    if (p->proj)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)dout, (int)d, 1.0f, xp,
                    (int)d, p->proj, (int)d, 0.0f, yp, (int)dout);
    else if (yp != xp)
        memcpy(yp, xp, (size_t)(m * dout) * sizeof(float));
    const bool l2 = p->cfg.l2;
    if (l2 || bias) {
#pragma omp parallel for schedule(static) if (m * dout >= DC_PARALLEL_MIN)
        for (int64_t i = 0; i < m; i++) {
            float *r = yp + i * dout;
            if (bias)
                for (int64_t j = 0; j < dout; j++) r[j] += bias[j];
            if (l2) {
                double s = 0;
                for (int64_t j = 0; j < dout; j++) s += (double)r[j] * r[j];
                float f = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
                for (int64_t j = 0; j < dout; j++) r[j] *= f;
            }
        }
    }
cleanup:
    dc_tensor_release(&xc);
    return st;
}
