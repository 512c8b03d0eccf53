/* Batch normalisation over channel dim 1 of [N, C] (BatchNorm1d) or [N, C, H, W]
 * (BatchNorm2d), affine, with PyTorch's running statistics, and an optional fused ReLU.
 *
 * Training: batch mean and biased variance normalise; running_mean/var move by momentum
 * toward the batch mean and the UNBIASED variance (PyTorch). Evaluation: running statistics.
 * The statistics used are written to save_mean / save_invstd for the backward pass. */
#ifndef DC_BATCHNORM_H
#define DC_BATCHNORM_H

#include <stdbool.h>

#include "../tensor.h"

typedef struct dc_batchnorm_cfg {
    double eps;      /* added to the variance: 1e-5 */
    double momentum; /* running = (1 - momentum) * running + momentum * batch: 0.1 */
    bool training;   /* batch statistics and running update (else running statistics) */
    bool relu;       /* y = max(0, bn(x)): saves a pass and a buffer */
} dc_batchnorm_cfg;

/* eps 1e-5, momentum 0.1, training, no ReLU. */
void dc_batchnorm_cfg_init(dc_batchnorm_cfg *cfg);
/* eps > 0, momentum in [0, 1]; op names the caller in messages. */
dc_status dc_batchnorm_cfg_check(const dc_batchnorm_cfg *cfg, const char *op);

/* x: [N, C] or [N, C, H, W]; gamma, beta, running_mean, running_var: [C] (running ones
 * updated in training); y: output, shape of x; save_mean, save_invstd: [C] outputs.
 * Training needs more than one value per channel. */
dc_status dc_batchnorm_forward(const dc_batchnorm_cfg *cfg, const dc_tensor *x,
                               const dc_tensor *gamma, const dc_tensor *beta,
                               dc_tensor *running_mean, dc_tensor *running_var, dc_tensor *y,
                               dc_tensor *save_mean, dc_tensor *save_invstd);

/* dy: shape of x; y: the forward output when cfg->relu (its zeros mask dy), else NULL.
 * dx (may be NULL): overwritten (may be dy itself). dgamma, dbeta (may be NULL): accumulate
 * scale * dL/dgamma, scale * dL/dbeta. cfg->training must match the forward call. */
dc_status dc_batchnorm_backward(const dc_batchnorm_cfg *cfg, const dc_tensor *x,
                                const dc_tensor *y, const dc_tensor *dy, const dc_tensor *gamma,
                                const dc_tensor *save_mean, const dc_tensor *save_invstd,
                                dc_tensor *dx, dc_tensor *dgamma, dc_tensor *dbeta, float scale);

#endif
