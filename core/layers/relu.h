/* ReLU: y = max(x, 0). In place when y is x. */
#ifndef DC_RELU_H
#define DC_RELU_H

#include "../tensor.h"

/* x: any shape, float32 contiguous; y: output of x's shape (may be x itself). */
dc_status dc_relu_forward(const dc_tensor *x, dc_tensor *y);
/* dx = dy where y > 0, else 0. Uses the output y, so it works after an in-place forward.
 * dx may be dy itself. */
dc_status dc_relu_backward(const dc_tensor *y, const dc_tensor *dy, dc_tensor *dx);

#endif
