/* The DeepCluster front end (method.md §7): grayscale (mean of the channels; the
 * identity for one channel), then the fixed Sobel pair, 3x3, zero padding 1, no flip:
 *   channel 0: [[1, 0, -1], [2, 0, -2], [1, 0, -1]]  (horizontal gradient)
 *   channel 1: [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]  (vertical gradient)
 * Frozen: no parameters. */
#ifndef DC_SOBEL_H
#define DC_SOBEL_H

#include "../tensor.h"

/* x: [N, C, H, W] with C = 1 or 3; y: [N, 2, H, W] output */
dc_status dc_sobel_forward(const dc_tensor *x, dc_tensor *y);
/* dx (shape of x) overwritten from dy [N, 2, H, W] */
dc_status dc_sobel_backward(const dc_tensor *x, const dc_tensor *dy, dc_tensor *dx);

#endif
