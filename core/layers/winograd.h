/* Winograd convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
 * 2016) for 3x3 stride-1 layers: F(2x2, 3x3) (16 multiplies per 2x2 output tile instead of
 * 36) and F(4x4, 3x3) (36 per 4x4 tile instead of 144), as a*a GEMMs over transformed tiles
 * (a = m + 2). conv2d.c picks it for 3x3 stride-1 layers with enough channels; it is also
 * the input gradient of such a layer (the adjoint: the same convolution of dy with the
 * kernels transposed and rotated, padding 2 - pad). */
#ifndef DC_WINOGRAD_H
#define DC_WINOGRAD_H

#include <stdbool.h>

#include "../tensor.h"

/* y[N][Co][Ho][Wo] = conv3x3(x[N][Ci][H][W], w, padding ph, pw) + b (b may be NULL), with
 * output tiles m x m (m = 2 or 4). w is [Co][Ci][3][3], or with adjoint [Ci][Co][3][3] used
 * transposed and rotated by 180 degrees. Ho = H + 2 ph - 2, Wo = W + 2 pw - 2. Fails only
 * for lack of memory. */
dc_status dc_winograd3x3(int m, const float *x, int64_t N, int64_t Ci, int64_t H, int64_t W,
                         const float *w, const float *b, int64_t Co, int ph, int pw,
                         bool adjoint, float *y);

/* Multiplies per output map of Ho x Wo with m x m tiles (to compare with 9 Ho Wo direct). */
int64_t dc_winograd_cost(int m, int64_t Ho, int64_t Wo);

#endif
