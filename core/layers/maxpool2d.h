/* 2-D max pooling, NCHW float32. Ties go to the first maximum in window (row-major) order;
 * padding never wins (it is -inf). */
#ifndef DC_MAXPOOL2D_H
#define DC_MAXPOOL2D_H

#include "pool2d.h"

/* x: [N, C, H, W]  y: [N, C, Ho, Wo] output  idx: int64 [N, C, Ho, Wo] output, the 0-based
 * position (ih * W + iw) of each maximum in its input plane, kept for backward; NULL skips
 * it (evaluation: nobody will ask for the gradient, or backward recomputes it). */
dc_status dc_maxpool2d_forward(const dc_pool2d_cfg *cfg, const dc_tensor *x, dc_tensor *y,
                               dc_tensor *idx);
/* dx (shape of x) = dy routed to the maxima recorded in idx, or found again in x when idx
 * is NULL; overwritten. */
dc_status dc_maxpool2d_backward(const dc_pool2d_cfg *cfg, const dc_tensor *x, const dc_tensor *dy,
                                const dc_tensor *idx, dc_tensor *dx);

#endif
