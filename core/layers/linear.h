/* Fully connected layer: y = x W^T + b (PyTorch's Linear), by sgemm. */
#ifndef DC_LINEAR_H
#define DC_LINEAR_H

#include "../tensor.h"

/* x: [N, in]  w: [out, in]  b: [out] or NULL  y: [N, out] output */
dc_status dc_linear_forward(const dc_tensor *x, const dc_tensor *w, const dc_tensor *b,
                            dc_tensor *y);
/* dy: [N, out]. dx (may be NULL): overwritten with dL/dx. dw, db (may be NULL): accumulate
 * scale * dL/dw, scale * dL/db. */
dc_status dc_linear_backward(const dc_tensor *x, const dc_tensor *w, const dc_tensor *dy,
                             dc_tensor *dx, dc_tensor *dw, dc_tensor *db, float scale);

#endif
