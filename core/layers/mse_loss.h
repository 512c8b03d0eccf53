/* The mean-squared-error criterion (PyTorch's MSELoss with mean reduction): the
 * reconstruction loss of an autoencoder. */
#ifndef DC_MSE_LOSS_H
#define DC_MSE_LOSS_H

#include "../tensor.h"

/* x, target: float32 contiguous, the same shape (any); *loss = mean over every element of
 * (x - target)^2, summed in double. */
dc_status dc_mse_loss_forward(const dc_tensor *x, const dc_tensor *target, double *loss);
/* dx = dloss * 2 (x - target) / numel(x); dx may be x. */
dc_status dc_mse_loss_backward(const dc_tensor *x, const dc_tensor *target, double dloss,
                               dc_tensor *dx);

#endif
