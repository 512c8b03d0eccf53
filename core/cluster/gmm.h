/* Gaussian-mixture clustering by EM, diagonal or full covariances (the model of N2D's last
 * step; scikit-learn's GaussianMixture computes the same updates). */
#ifndef DC_CLUSTER_GMM_H
#define DC_CLUSTER_GMM_H

#include <stdbool.h>

#include "tensor.h"

typedef enum dc_gmm_covariance { DC_GMM_DIAG, DC_GMM_FULL } dc_gmm_covariance;

typedef struct dc_gmm_cfg {
    int64_t k;                     /* components */
    dc_gmm_covariance covariance;  /* DC_GMM_DIAG (default) or DC_GMM_FULL */
    int niter;                     /* most EM iterations (100) */
    double tol;                    /* stop when the mean log-likelihood moves less (1e-4) */
    double reg;                    /* added to every variance (the diagonal), 1e-6 */
} dc_gmm_cfg;

void dc_gmm_cfg_init(dc_gmm_cfg *cfg, int64_t k);
/* "diag" | "full" -> *cov; DC_ERR_ARG naming the valid names otherwise. */
dc_status dc_gmm_covariance_parse(const char *name, dc_gmm_covariance *cov);

/* A fitted mixture (owned tensors; dc_gmm_model_release frees them). */
typedef struct dc_gmm_model {
    dc_gmm_covariance covariance;
    dc_tensor means;    /* float32 [k, D] */
    dc_tensor covs;     /* float32 [k, D] (diag) or [k, D, D] (full) */
    dc_tensor weights;  /* float32 [k], summing to 1 */
} dc_gmm_model;

dc_gmm_model dc_gmm_model_empty(void);
void dc_gmm_model_release(dc_gmm_model *m);

typedef struct dc_gmm_result {
    int iters;          /* EM iterations run (E-steps) */
    double loglik;      /* mean log-likelihood per point at the last E-step */
    bool converged;     /* stopped by tol rather than niter */
} dc_gmm_result;

/* EM from a hard initial partition. x: float32 [N, D] (any layout, finite); init: int64 [N],
 * 0-based component ids, every component used (e.g. k-means' assignment). m: the fitted
 * mixture out; assign: int64 [N] out, 0-based most probable component at the last E-step;
 * trace: NULL or room for cfg->niter doubles, the mean log-likelihood of each E-step (EM
 * never lets it decrease, up to rounding). */
dc_status dc_gmm_fit(const dc_gmm_cfg *cfg, const dc_tensor *x, const dc_tensor *init,
                     dc_gmm_model *m, dc_tensor *assign, dc_gmm_result *res, double *trace);

/* Most probable component of each row of x (float32 [N, D]) under m: assign int64 [N] out
 * (0-based); *loglik (NULL: not wanted) the mean log-likelihood. */
dc_status dc_gmm_predict(const dc_gmm_model *m, const dc_tensor *x, dc_tensor *assign,
                         double *loglik);

#endif
