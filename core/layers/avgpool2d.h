/* 2-D average pooling, fixed-window (PyTorch's AvgPool2d) and adaptive (AdaptiveAvgPool2d:
 * output size given, window i covers [floor(i*H/Ho), ceil((i+1)*H/Ho)) ). NCHW float32. */
#ifndef DC_AVGPOOL2D_H
#define DC_AVGPOOL2D_H

#include "pool2d.h"

/* x: [N, C, H, W]  y: [N, C, Ho, Wo] output */
dc_status dc_avgpool2d_forward(const dc_pool2d_cfg *cfg, const dc_tensor *x, dc_tensor *y);
/* dx (shape of x) overwritten from dy [N, C, Ho, Wo] */
dc_status dc_avgpool2d_backward(const dc_pool2d_cfg *cfg, const dc_tensor *x, const dc_tensor *dy,
                                dc_tensor *dx);

/* Adaptive: output [N, C, oh, ow]; oh, ow >= 1 (may exceed H, W: windows then overlap) */
dc_status dc_adaptive_avgpool2d_forward(int64_t oh, int64_t ow, const dc_tensor *x, dc_tensor *y);
dc_status dc_adaptive_avgpool2d_backward(int64_t oh, int64_t ow, const dc_tensor *x,
                                         const dc_tensor *dy, dc_tensor *dx);

#endif
