/* The Adam update of one parameter, fused in one pass (PyTorch's torch.optim.Adam, with its
 * L2 weight decay added to the gradient, not AdamW's decoupled one), at step t = 1, 2, ...:
 *   d = g + weight_decay * w
 *   m = beta1 * m + (1 - beta1) * d            (first moment)
 *   v = beta2 * v + (1 - beta2) * d^2          (second moment)
 *   w -= lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps) */
#ifndef DC_ADAM_H
#define DC_ADAM_H

#include <stdint.h>

#include "../tensor.h"

typedef struct dc_adam_cfg {
    double lr, beta1, beta2, eps, weight_decay;
} dc_adam_cfg;

/* PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
void dc_adam_cfg_init(dc_adam_cfg *cfg, double lr);
dc_status dc_adam_cfg_check(const dc_adam_cfg *cfg);

/* w: parameter (updated), g: its gradient (same shape), moments: float32 [2, <w's shape>]
 * holding m then v; an empty one is allocated here as zeros (the first step).
 * step: the number of this update, from 1 (the bias correction). */
dc_status dc_adam_step(const dc_adam_cfg *cfg, dc_tensor *w, const dc_tensor *g,
                       dc_tensor *moments, int64_t step);

#endif
