/* 2-D convolution through oneDNN (Debian's libdnnl, the library PyTorch's CPU convolutions
 * come from): forward, input gradient and weight gradient on NCHW float32 tensors, for
 * conv2d.c to dispatch to where it beats the built-in kernels (see conv2d.h). oneDNN picks
 * its own kernels at run time (AVX2, AVX-512, AMX); its primitives and the reorders between
 * dclab's NCHW and the blocked layouts they prefer are created once per shape and thread
 * count and cached. The weight gradient runs split by images: every thread runs a one-thread
 * primitive on its share of the batch (conv2d_dnnl.c says why). */
#ifndef DC_CONV2D_DNNL_H
#define DC_CONV2D_DNNL_H

#include <stdbool.h>

#include "conv2d.h"

struct dnnl_engine;
struct dnnl_stream;

/* Whether oneDNN can run this layer on an input of H x W (it cannot when the last window
 * leaves fewer than 0 pixels of right/bottom padding: PyTorch's floor rule with stride > 1
 * and no padding on a size that does not divide). */
bool dc_conv2d_dnnl_fits(const dc_conv2d_cfg *cfg, int64_t H, int64_t W);

/* y[N][O][Ho][Wo] = conv(x[N][C][H][W], w) + b (b NULL: none), then max(0, .) when relu
 * (a post-op of the same kernel). */
dc_status dc_conv2d_dnnl_forward(const dc_conv2d_cfg *cfg, int64_t N, int64_t H, int64_t W,
                                 const float *x, const float *w, const float *b, bool relu,
                                 float *y);
/* dx (overwritten) = dL/dx from dy. */
dc_status dc_conv2d_dnnl_backward_data(const dc_conv2d_cfg *cfg, int64_t N, int64_t H, int64_t W,
                                       const float *w, const float *dy, float *dx);
/* dw += scale * dL/dw from x and dy. */
dc_status dc_conv2d_dnnl_backward_weights(const dc_conv2d_cfg *cfg, int64_t N, int64_t H,
                                          int64_t W, const float *x, const float *dy, float *dw,
                                          float scale);

/* Whether the forward pass of a bf16 layer on H x W maps computes in bf16 (some layers run
 * faster in fp32: conv2d_dnnl.c, pass_cfg). */
bool dc_conv2d_dnnl_bf16_forward(const dc_conv2d_cfg *cfg, int64_t H, int64_t W);
/* The same for its weight gradient. */
bool dc_conv2d_dnnl_bf16_weight_grad(const dc_conv2d_cfg *cfg, int64_t H, int64_t W);
/* Whether a pass computing as cfg says (cfg->bf16) tries oneDNN's Winograd F(4x4, 3x3) kernel
 * first (fp32 3x3 stride-1 layers of 16 or more input channels). */
bool dc_conv2d_dnnl_winograd(const dc_conv2d_cfg *cfg);

/* The CPU engine and stream every oneDNN call of dclab shares, made on first use. */
dc_status dc_dnnl_engine(struct dnnl_engine **engine, struct dnnl_stream **stream);

/* The instruction set oneDNN runs on this CPU, e.g. "avx512_core_amx", "avx2". */
const char *dc_dnnl_isa(void);

#endif
