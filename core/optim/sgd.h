/* The SGD update of one parameter, fused in one pass (PyTorch's torch.optim.SGD):
 *   d = g + weight_decay * w
 *   buf = d on the first step, else momentum * buf + (1 - dampening) * d
 *   d = nesterov ? d + momentum * buf : buf           (when momentum != 0)
 *   w -= lr * d */
#ifndef DC_SGD_H
#define DC_SGD_H

#include <stdbool.h>

#include "../tensor.h"

typedef struct dc_sgd_cfg {
    double lr, momentum, dampening, weight_decay;
    bool nesterov; /* needs momentum > 0 and dampening 0 */
} dc_sgd_cfg;

void dc_sgd_cfg_init(dc_sgd_cfg *cfg, double lr);
dc_status dc_sgd_cfg_check(const dc_sgd_cfg *cfg);

/* w: parameter (updated), g: its gradient (same shape), buf: the momentum buffer, ignored
 * when momentum is 0; an empty buf is allocated here and starts the buffer (first step). */
dc_status dc_sgd_step(const dc_sgd_cfg *cfg, dc_tensor *w, const dc_tensor *g, dc_tensor *buf);

#endif
