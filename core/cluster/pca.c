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
    float *probe = NULL;
    size_t probe_bytes = 0;
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
    DC_FAISS(st, "pca_fit",
             faiss_PCAMatrix_new_with(&mat, (int)d, (int)dout, p->cfg.whiten ? -0.5f : 0.0f, 0));
    DC_FAISS(st, "pca_fit", faiss_VectorTransform_train(mat, n, xp));
    /* a zero eigenvalue makes a row of the whitening matrix infinite: any row shows it */
    probe_bytes = (size_t)dout * sizeof(float);
    if (!(probe = dc_alloc(probe_bytes))) {
        st = dc_fail(DC_ERR_NOMEM, "pca_fit: out of memory");
        goto cleanup;
    }
    faiss_VectorTransform_apply_noalloc(mat, 1, xp, probe);
    for (int64_t j = 0; j < dout; j++)
        if (!isfinite(probe[j])) {
            st = dc_fail(DC_ERR_ARG,
                         "pca_fit: whitening to %lld dims divides by a zero variance: the rows of "
                         "%s span fewer dimensions (duplicate or collinear rows); ask for fewer "
                         "dims",
                         (long long)dout, dc_tensor_describe(&xc, b, sizeof b));
            goto cleanup;
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
    dc_free(probe, probe_bytes);
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
    /* checked above: trained and d_in matches, so apply_noalloc (which cannot report) won't throw */
    if (p->mat) faiss_VectorTransform_apply_noalloc((const FaissVectorTransform *)p->mat, m, xp, yp);
    else if (yp != xp) memcpy(yp, xp, (size_t)(m * dout) * sizeof(float));
    const bool l2 = p->cfg.l2;
    const float scale = p->scale;
    if (l2 || scale != 1.0f) {
#pragma omp parallel for schedule(static)
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
