/* DeepCluster's feature preprocessing: PCA (FAISS PCAMatrix), optional whitening, row L2
 * normalisation. Fit and apply are separate, so test features reuse the training PCA, and
 * apply works batch by batch: fit on a sample of rows, then project each batch of features
 * as it is computed, so the N x D matrix of raw features never has to exist.
 *
 * Ownership: dc_pca_init makes an unfitted object; dc_pca_fit (re)fits it; dc_pca_release
 * frees the FAISS transform (idempotent). A fitted dc_pca may be applied from several
 * threads at once. */
#ifndef DC_CLUSTER_PCA_H
#define DC_CLUSTER_PCA_H

#include <stdbool.h>

#include "tensor.h"

typedef struct dc_pca_cfg {
    int64_t dim; /* output dims asked for (DeepCluster: 256); 0 = no PCA (L2 only) */
    bool whiten; /* scale component i by eigenvalue_i^-0.5 (FAISS eigen_power -0.5) */
    bool l2;     /* divide each output row by its L2 norm (a zero row stays zero) */
} dc_pca_cfg;

/* DeepCluster's recipe: 256 dims, whitened, L2-normalised. */
void dc_pca_cfg_init(dc_pca_cfg *cfg);

typedef struct dc_pca {
    dc_pca_cfg cfg;
    void *mat;      /* FaissPCAMatrix *, NULL until fitted (or when cfg.dim == 0) */
    bool fitted;
    int64_t d_in;   /* D of the fitted data */
    int64_t d_out;  /* output dims after fit (cfg.dim clamped, see dc_pca_fit); D when dim == 0 */
    float scale;    /* applied after the transform when whitening without L2, see pca.c */
} dc_pca;

void dc_pca_init(dc_pca *p, const dc_pca_cfg *cfg);

/* x: float32 [n, D] (any layout), finite. The output dimension is clamped to
 * min(dim, n - 1, D) (centred data of n rows spans at most n - 1 dimensions) and, when
 * whitening, to the components whose variance is at least 1e-5 of the largest one's: whitening
 * a direction of (numerically) zero variance would blow rounding noise up to unit size.
 * FAISS trains on at most 1000 * D rows (its own deterministic subsample). Fails when all rows
 * are equal and whitening is asked for; a failed fit keeps the previous one. */
dc_status dc_pca_fit(dc_pca *p, const dc_tensor *x);

/* x: float32 [m, d_in] (any layout); y: float32 [m, d_out], empty or allocated and
 * contiguous (e.g. a narrow of a bigger output, for batch-by-batch projection). */
dc_status dc_pca_apply(const dc_pca *p, const dc_tensor *x, dc_tensor *y);

void dc_pca_release(dc_pca *p);

#endif
