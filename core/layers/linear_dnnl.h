/* Fully connected layer through oneDNN's matmul (the primitive PyTorch's bf16 Linear runs
 * on), for linear.c to dispatch to (see linear.h) on row-major float32 tensors: the fp32
 * forward pass, and in bf16 the forward pass, the input gradient and the weight gradient,
 * each rounding its two inputs to bfloat16 and summing in fp32 (AVX512_BF16 / AMX-BF16), its
 * output fp32. The weight's bfloat16 copy w16 (out x in values, 2 bytes each) is the
 * caller's: made by dc_linear_dnnl_round, read by the bf16 forward pass and input gradient,
 * so that one rounding of the weight serves both. A shape's primitives are created once per
 * pass and thread count and cached. */
#ifndef DC_LINEAR_DNNL_H
#define DC_LINEAR_DNNL_H

#include <stdbool.h>
#include <stdint.h>

#include "../status.h"

/* w16[n] = w[n] rounded to bfloat16 (nearest even), n = out * in. */
dc_status dc_linear_dnnl_round(int64_t out, int64_t in, const float *w, uint16_t *w16);
/* y[N][out] = x[N][in] W^T + b (b NULL: none); W is w16 (bf16: x rounded too) when w16 is not
 * NULL, else w (fp32). */
dc_status dc_linear_dnnl_forward(int64_t N, int64_t in, int64_t out, const float *x,
                                 const float *w, const uint16_t *w16, const float *b, float *y);
/* bf16: dx[N][in] (overwritten) = dy[N][out] W, W = w16. */
dc_status dc_linear_dnnl_backward_data(int64_t N, int64_t in, int64_t out, const uint16_t *w16,
                                       const float *dy, float *dx);
/* bf16: dw[out][in] += scale * dy^T x. */
dc_status dc_linear_dnnl_backward_weights(int64_t N, int64_t in, int64_t out, const float *x,
                                          const float *dy, float *dw, float scale);

#endif
