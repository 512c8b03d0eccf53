/* DeepCluster's feature preprocessing: PCA, optional whitening (FAISS PCAMatrix's
 * eigen_power -0.5), row L2 normalisation. Fit and apply are separate, so test features reuse
 * the training PCA. Both work batch by batch, so the N x D matrix of raw features never has
 * to exist: dc_pca_partial_fit accumulates the mean and covariance of blocks of rows,
 * dc_pca_finish eigendecomposes what was accumulated, and dc_pca_apply projects any batch.
 * dc_pca_fit(x) is dc_pca_reset + dc_pca_partial_fit(x) + dc_pca_finish: one code path.
 *
 * Ownership: dc_pca_init makes an empty object; dc_pca_release frees everything
 * (idempotent). A fitted dc_pca may be applied from several threads at once. */
#ifndef DC_CLUSTER_PCA_H
#define DC_CLUSTER_PCA_H

#include <stdbool.h>

#include "tensor.h"

typedef struct dc_pca_cfg {
    int64_t dim; /* output dims asked for (DeepCluster: 256); 0 = no PCA (L2 only) */
    bool whiten; /* scale component i by eigenvalue_i^-0.5 (output covariance I) */
    bool l2;     /* divide each output row by its L2 norm (a zero row stays zero) */
    /* whitening keeps the components whose variance is at least min_variance times the
     * largest one's. Default 1e-10: only the numerically zero ones go (whitening them would
     * blow float32 rounding up to unit size), as FAISS whitens every other one. */
    double min_variance;
} dc_pca_cfg;

/* DeepCluster's recipe: 256 dims, whitened, L2-normalised, min_variance 1e-10. */
void dc_pca_cfg_init(dc_pca_cfg *cfg);
/* dim >= 0, whitening only with a PCA (dim > 0), min_variance in [0, 1); op names the
 * caller in messages ("preprocess: min_variance must be in [0, 1), got 2"). */
dc_status dc_pca_cfg_check(const dc_pca_cfg *cfg, const char *op);

typedef struct dc_pca {
    dc_pca_cfg cfg;
    /* accumulated rows (partial_fit): count, D, mean and centred scatter sum (x-mu)(x-mu)^T
     * in double, upper triangle of a row-major [D, D] */
    int64_t nacc, dacc;
    double *mean, *scatter;
    double *chunk; /* scratch: one centred block of rows, in double */
    /* the fitted projection y = A x + b (A float32 [d_out, d_in]); NULL when dim == 0 */
    bool fitted;
    int64_t d_in, d_out;
    float *proj, *bias;
} dc_pca;

void dc_pca_init(dc_pca *p, const dc_pca_cfg *cfg);

/* Forgets the accumulated rows (not the fitted projection). */
void dc_pca_reset(dc_pca *p);

/* Adds the rows of x (float32 [n, D], any layout, finite, n >= 1) to the accumulated mean and
 * covariance. Every block must have the D of the first one since the last reset. */
dc_status dc_pca_partial_fit(dc_pca *p, const dc_tensor *x);

/* Fits the projection on the rows accumulated so far (they stay accumulated: more blocks may
 * follow, then another finish). The output dimension is clamped to min(dim, n - 1, D) (n
 * centred rows span at most n - 1 dimensions) and, when whitening, to the components whose
 * variance is at least cfg.min_variance of the largest one's. Fails with fewer than 2 rows,
 * or when whitening rows that are all equal; a failed finish keeps the previous fit. */
dc_status dc_pca_finish(dc_pca *p);

/* One-shot fit on x (float32 [n, D], any layout): reset, partial_fit, finish. */
dc_status dc_pca_fit(dc_pca *p, const dc_tensor *x);

/* x: float32 [m, d_in] (any layout); y: float32 [m, d_out], empty or allocated and
 * contiguous (e.g. a narrow of a bigger output, for batch-by-batch projection). */
dc_status dc_pca_apply(const dc_pca *p, const dc_tensor *x, dc_tensor *y);

void dc_pca_release(dc_pca *p);

#endif
