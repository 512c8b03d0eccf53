/* Winograd F(2x2, 3x3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural
 * Networks", 2016): 3x3 stride-1 convolutions with 16 multiplies per 2x2 output tile instead
 * of 36, as 16 GEMMs over transformed tiles. conv2d.c picks it for 3x3 stride-1 layers with
 * enough channels; it is also the input gradient of such a layer (the adjoint: the same
 * convolution of dy with the kernels transposed and rotated, padding 2 - pad). */
#ifndef DC_WINOGRAD_H
#define DC_WINOGRAD_H

#include <stdbool.h>

#include "../tensor.h"

/* y[N][Co][Ho][Wo] = conv3x3(x[N][Ci][H][W], w, padding ph, pw) + b (b may be NULL).
 * w is [Co][Ci][3][3], or with adjoint [Ci][Co][3][3] used transposed and rotated by 180
 * degrees. Ho = H + 2 ph - 2, Wo = W + 2 pw - 2. Fails only for lack of memory. */
dc_status dc_winograd3x3(const float *x, int64_t N, int64_t Ci, int64_t H, int64_t W,
                         const float *w, const float *b, int64_t Co, int ph, int pw,
                         bool adjoint, float *y);

#endif
