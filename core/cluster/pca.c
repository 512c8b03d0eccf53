/* PCA-whitening + L2 normalisation (DeepCluster's preprocess_features, clustering.py).
 *
 * The projection is FAISS's PCAMatrix (through the C API): mean, scatter matrix
 * X^T X - n mu mu^T (not divided by n), symmetric eigendecomposition, top components, each
 * scaled by eigenvalue^eigen_power. Because the scatter is not divided by n, FAISS's
 * whitened output has covariance I / n; when whitening without L2 we multiply by sqrt(n) so
 * the output covariance is the identity. With L2 (DeepCluster) the factor would cancel and
 * is skipped. L2 normalisation has no epsilon (as the reference) but leaves a zero row at
 * zero instead of making it NaN. */
#include "pca.h"

#include <math.h>
#include <string.h>

#include "cluster/check.h"
#include "cluster/faiss_call.h"
#include "ops/iter.h"

/* FAISS's PCAMatrix::max_points_per_d: it trains on at most this many rows per input dim. */
#define FAISS_PCA_MAX_POINTS_PER_D 1000

void dc_pca_cfg_init(dc_pca_cfg *cfg)
{
    cfg->dim = 256;
    cfg->whiten = true;
    cfg->l2 = true;
}

void dc_pca_init(dc_pca *p, const dc_pca_cfg *cfg)
{
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->scale = 1.0f;
}

void dc_pca_release(dc_pca *p)
{
    if (p->mat) faiss_VectorTransform_free((FaissVectorTransform *)p->mat);
    p->mat = NULL;
    p->fitted = false;
}

/* FAISS's whitening matrix has rows A_j = eigenvalue_j^-1/2 v_j (v_j unit), so the
 * eigenvalues it used are 1 / |A_j|^2. Column i of A is read back as (T(s e_i) - T(0)) / s,
 * s large so the bias b = -A mu hardly costs precision; output j only involves A_j and b_j,
 * so a NaN row (negative eigenvalue) spoils no other. Returns how many leading eigenvalues are
 * above WHITEN_RTOL times the first (0 when even the first is not positive); -1 on OOM. */
#define WHITEN_RTOL 1e-5
#define PROBE_ROWS 256
static int64_t whitened_rank(const FaissPCAMatrix *mat, int64_t d, int64_t dout)
{
    const float s = 65536.0f;
    size_t xbytes = (size_t)(PROBE_ROWS * d) * sizeof(float);
    size_t ybytes = (size_t)((PROBE_ROWS + 1) * dout) * sizeof(float);
    size_t nbytes = (size_t)dout * sizeof(double);
    float *x = dc_alloc(xbytes), *y = dc_alloc(ybytes);
    double *norm2 = dc_alloc(nbytes);
    int64_t rank = -1;
    if (x && y && norm2) {
        float *y0 = y + PROBE_ROWS * dout;
        memset(x, 0, (size_t)d * sizeof(float));
        faiss_VectorTransform_apply_noalloc(mat, 1, x, y0);
        memset(norm2, 0, nbytes);
        for (int64_t i0 = 0; i0 < d; i0 += PROBE_ROWS) {
            int64_t m = d - i0 < PROBE_ROWS ? d - i0 : PROBE_ROWS;
            memset(x, 0, (size_t)(m * d) * sizeof(float));
            for (int64_t r = 0; r < m; r++) x[r * d + i0 + r] = s;
            faiss_VectorTransform_apply_noalloc(mat, m, x, y);
            for (int64_t r = 0; r < m; r++)
                for (int64_t j = 0; j < dout; j++) {
                    double a = ((double)y[r * dout + j] - y0[j]) / s;
                    norm2[j] += a * a;
                }
        }
        for (rank = 0; rank < dout; rank++) {
            double eig = 1.0 / norm2[rank]; /* NaN (negative eigenvalue) fails the test */
            if (!(eig > 0 && eig >= WHITEN_RTOL / norm2[0])) break;
        }
    }
    dc_free(x, xbytes);
    dc_free(y, ybytes);
    dc_free(norm2, nbytes);
    return rank;
}

static bool rows_all_equal(const float *x, int64_t n, int64_t d)
{
    for (int64_t i = 1; i < n; i++)
        if (memcmp(x, x + i * d, (size_t)d * sizeof(float)) != 0) return false;
    return true;
}

/* A FAISS PCA of x (n rows, d dims) to dout dims, trained. */
static dc_status train(const float *x, int64_t n, int64_t d, int64_t dout, bool whiten,
                       FaissPCAMatrix **out)
{
    dc_status st = DC_OK;
    FaissPCAMatrix *mat = NULL;
    DC_FAISS(st, "pca_fit",
             faiss_PCAMatrix_new_with(&mat, (int)d, (int)dout, whiten ? -0.5f : 0.0f, 0));
    DC_FAISS(st, "pca_fit", faiss_VectorTransform_train(mat, n, x));
    *out = mat;
    return DC_OK;
cleanup:
    if (mat) faiss_VectorTransform_free(mat);
    return st;
}

dc_status dc_pca_fit(dc_pca *p, const dc_tensor *x)
{
    DC_CHECK(p->cfg.dim >= 0, DC_ERR_ARG, "pca_fit: dim must be >= 0 (0: no PCA), got %lld",
             (long long)p->cfg.dim);
    DC_CHECK(p->cfg.dim > 0 || !p->cfg.whiten, DC_ERR_ARG,
             "pca_fit: whitening needs a PCA (dim > 0)");
    dc_tensor xc = dc_tensor_empty();
    DC_TRY(dc_check_points(x, "pca_fit", "x", &xc));
    int64_t n = xc.shape[0], d = xc.shape[1];
    dc_status st = DC_OK;
    FaissPCAMatrix *mat = NULL;
    char b[128];
    if (p->cfg.dim == 0) {
        dc_pca_release(p);
        p->d_in = p->d_out = d;
        p->fitted = true;
        goto cleanup;
    }
    int64_t dout = p->cfg.dim;
    dout = dout < n - 1 ? dout : n - 1;
    dout = dout < d ? dout : d;
    if (dout < 1) {
        st = dc_fail(DC_ERR_SHAPE, "pca_fit: needs at least 2 rows, x is %s",
                     dc_tensor_describe(&xc, b, sizeof b));
        goto cleanup;
    }
    const float *xp = dc_tensor_data(&xc);
    if (p->cfg.whiten && rows_all_equal(xp, n, d)) {
        st = dc_fail(DC_ERR_ARG, "pca_fit: the rows of x (%s) are all equal: no variance to whiten",
                     dc_tensor_describe(&xc, b, sizeof b));
        goto cleanup;
    }
    if ((st = train(xp, n, d, dout, p->cfg.whiten, &mat)) != DC_OK) goto cleanup;
    if (p->cfg.whiten) {
        /* whitening a direction of (numerically) zero variance would blow rounding noise up
         * to the size of real components (or divide by zero): keep only the real ones */
        int64_t rank = whitened_rank(mat, d, dout);
        if (rank < 0) {
            st = dc_fail(DC_ERR_NOMEM, "pca_fit: out of memory");
            goto cleanup;
        }
        if (rank == 0) {
            st = dc_fail(DC_ERR_ARG, "pca_fit: x (%s) has no direction of positive variance "
                         "to whiten", dc_tensor_describe(&xc, b, sizeof b));
            goto cleanup;
        }
        if (rank < dout) {
            faiss_VectorTransform_free(mat);
            mat = NULL;
            dout = rank;
            if ((st = train(xp, n, d, dout, true, &mat)) != DC_OK) goto cleanup;
        }
    }
    dc_pca_release(p);
    p->mat = mat;
    mat = NULL;
    p->fitted = true;
    p->d_in = d;
    p->d_out = dout;
    int64_t used = n < FAISS_PCA_MAX_POINTS_PER_D * d ? n : FAISS_PCA_MAX_POINTS_PER_D * d;
    p->scale = p->cfg.whiten ? (float)sqrt((double)used) : 1.0f;
cleanup:
    if (mat) faiss_VectorTransform_free(mat);
    dc_tensor_release(&xc);
    return st;
}

dc_status dc_pca_apply(const dc_pca *p, const dc_tensor *x, dc_tensor *y)
{
    DC_CHECK(p->fitted, DC_ERR_STATE, "pca_apply: the PCA is not fitted (call fit first)");
    dc_tensor xc = dc_tensor_empty();
    DC_TRY(dc_check_points(x, "pca_apply", "x", &xc));
    dc_status st = DC_OK;
    char b[128];
    int64_t m = xc.shape[0], dout = p->d_out;
    if (xc.shape[1] != p->d_in) {
        st = dc_fail(DC_ERR_SHAPE, "pca_apply: x is %s but the PCA was fitted on D = %lld",
                     dc_tensor_describe(&xc, b, sizeof b), (long long)p->d_in);
        goto cleanup;
    }
    int64_t shape[2] = {m, dout};
    if ((st = dc_tensor_ensure(y, DC_F32, 2, shape, "pca_apply: y")) != DC_OK) goto cleanup;
    if (!dc_tensor_is_contiguous(y)) {
        st = dc_fail(DC_ERR_ARG, "pca_apply: y must be contiguous, got a strided %s",
                     dc_tensor_describe(y, b, sizeof b));
        goto cleanup;
    }
    const float *xp = dc_tensor_data(&xc);
    float *yp = dc_tensor_data(y);
    /* checked above: trained, and d_in matches, so apply_noalloc (which cannot report) won't
     * throw */
    if (p->mat)
        faiss_VectorTransform_apply_noalloc((const FaissVectorTransform *)p->mat, m, xp, yp);
    else if (yp != xp) memcpy(yp, xp, (size_t)(m * dout) * sizeof(float));
    const bool l2 = p->cfg.l2;
    const float scale = p->scale;
    if (l2 || scale != 1.0f) {
#pragma omp parallel for schedule(static) if (m * dout >= DC_PARALLEL_MIN)
        for (int64_t i = 0; i < m; i++) {
            float *r = yp + i * dout, f = scale;
            if (l2) {
                double s = 0;
                for (int64_t j = 0; j < dout; j++) s += (double)r[j] * r[j];
                f = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
            }
            for (int64_t j = 0; j < dout; j++) r[j] *= f;
        }
    }
cleanup:
    dc_tensor_release(&xc);
    return st;
}
