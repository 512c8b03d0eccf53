/* 2-D convolution (cross-correlation, as PyTorch), NCHW float32, any kernel, stride and zero
 * padding, rectangular allowed.
 *
 * Implementation: im2col over a chunk of the mini-batch at once (as many images as fit a
 * bounded workspace, the whole batch for small maps), then one sgemm per chunk, so 7x7 maps
 * still make large GEMMs; 3x3 stride-1 layers go through Winograd (winograd.h) for the
 * forward pass and the input gradient. Columns, tiles and GEMM temporaries live in the
 * scratch workspace. */
#ifndef DC_CONV2D_H
#define DC_CONV2D_H

#include <stdbool.h>

#include "../tensor.h"

/* How the layer computes: im2col + sgemm for any layer; Winograd F(2x2, 3x3) or F(4x4, 3x3)
 * for 3x3 stride-1 layers with padding <= 2 (fewer multiplies, less memory traffic than
 * im2col); oneDNN's convolutions (conv2d_dnnl.h) for any layer whose last window does not
 * overhang the padding (its Winograd F(4x4, 3x3) for fp32 3x3 stride-1 layers of >= 16 input
 * channels where it has one: conv2d_dnnl.c). AUTO picks oneDNN on CPUs with AVX-512 (measured
 * faster there in every pass of every layer of the small and AlexNet models: README); elsewhere (AVX2) the
 * Winograd variant with the fewest multiplies when both channel counts are >= 16 and it saves
 * at least 40% of the direct multiplies (tiles that overhang small maps waste work), else
 * im2col. */
typedef enum dc_conv2d_algo {
    DC_CONV_AUTO, DC_CONV_IM2COL, DC_CONV_WINOGRAD2, DC_CONV_WINOGRAD4, DC_CONV_ONEDNN
} dc_conv2d_algo;

typedef struct dc_conv2d_cfg {
    int in_ch, out_ch;
    int kh, kw; /* kernel height, width (height first, everywhere) */
    int sh, sw; /* stride */
    int ph, pw; /* zero padding on each side */
    bool bias;
    dc_conv2d_algo algo;
    /* bf16 compute (inputs and weights rounded to bfloat16, products summed in fp32, outputs
     * and gradients fp32) through oneDNN; needs a CPU with AVX512_BF16 or AMX-BF16 */
    bool bf16;
} dc_conv2d_cfg;

/* Square kernel k, stride 1, no padding, with bias, algorithm chosen automatically. */
void dc_conv2d_cfg_init(dc_conv2d_cfg *cfg, int in_ch, int out_ch, int k);
/* Rejects non-positive sizes and strides, negative padding, Winograd where it cannot run;
 * op names the caller in messages ("Conv2d: stride must be positive, got 0x1"). */
dc_status dc_conv2d_cfg_check(const dc_conv2d_cfg *cfg, const char *op);
/* The algorithm AUTO runs for a layer of cfg on H x W input maps: "onednn", "winograd2",
 * "winograd4" or "im2col" (forward pass). */
const char *dc_conv2d_algo_name(const dc_conv2d_cfg *cfg, int64_t H, int64_t W);
/* Whether every pass of a layer of cfg runs through oneDNN on any input, so the layer may join
 * a oneDNN chain (conv2d_chain.h, conv2d_train.h): in bf16 always; in fp32 on CPUs with
 * AVX-512, algorithm AUTO or ONEDNN, and padding of at least stride - 1 (oneDNN needs the
 * last window to end inside the padded map, on every map size). */
bool dc_conv2d_chains(const dc_conv2d_cfg *cfg);
/* What AUTO runs on this CPU, for people: "oneDNN avx512_core_amx" or "Winograd / im2col +
 * OpenBLAS" (bf16 convolutions always run through oneDNN). */
const char *dc_conv2d_kernels(void);
/* The output length of in input positions under kernel k, stride s, padding p on both sides
 * (the input must fit: in + 2p >= k). */
int64_t dc_conv2d_out_len(int64_t in, int k, int s, int p);
/* Output shape for input x: [N, out_ch, Ho, Wo]; fails when x does not fit cfg. */
dc_status dc_conv2d_out_shape(const dc_conv2d_cfg *cfg, const dc_tensor *x, int64_t *shape);

/* x: [N, in_ch, H, W]  w: [out_ch, in_ch, kh, kw]  b: [out_ch] (NULL when !cfg->bias)
 * y: [N, out_ch, Ho, Wo] output */
dc_status dc_conv2d_forward(const dc_conv2d_cfg *cfg, const dc_tensor *x, const dc_tensor *w,
                            const dc_tensor *b, dc_tensor *y);

/* Inference with a BatchNorm in evaluation mode (and a ReLU) after the convolution, in one
 * pass: y = max(0, gamma * (conv(x, w) + b - mean) / sqrt(var + eps) + beta) (no max when
 * !relu). The statistics are folded into a copy of the weights and bias (per output channel:
 * w * s, (b - mean) * s + beta with s = gamma / sqrt(var + eps)), the ReLU runs inside
 * oneDNN's kernel (elsewhere as one pass over y): no BatchNorm pass, no ReLU pass.
 * gamma, beta, mean, var: [out_ch]; b may be NULL. */
dc_status dc_conv2d_bn_forward(const dc_conv2d_cfg *cfg, const dc_tensor *x, const dc_tensor *w,
                               const dc_tensor *b, const dc_tensor *gamma, const dc_tensor *beta,
                               const dc_tensor *mean, const dc_tensor *var, double eps, bool relu,
                               dc_tensor *y);

/* The checks of a convolution's parameters (op names the caller): w [out_ch, in_ch, kh, kw],
 * b [out_ch] or NULL (only with cfg->bias), and unless bn is NULL a BatchNorm's
 * bn = {gamma, beta, running mean, running var}, float32 [out_ch] each, and eps > 0. */
dc_status dc_conv2d_params_check(const dc_conv2d_cfg *cfg, const dc_tensor *w, const dc_tensor *b,
                                 const dc_tensor *const *bn, double eps, const char *op);
/* The BatchNorm folded into the convolution (checked arguments): wf[out_ch][in_ch*kh*kw] =
 * w * s, bf[out_ch] = (b - mean) * s + beta, s = gamma / sqrt(var + eps) per channel. */
void dc_conv2d_bn_fold(const dc_conv2d_cfg *cfg, const dc_tensor *w, const dc_tensor *b,
                       const dc_tensor *const bn[4], double eps, float *wf, float *bf);

/* Both backward passes from one gradient dy: [N, out_ch, Ho, Wo].
 *   dx (output, may be NULL to skip): dL/dx, shape of x, overwritten
 *   dw, db (may be NULL to skip): dw += scale * dL/dw, db += scale * dL/db (accumulate) */
dc_status dc_conv2d_backward(const dc_conv2d_cfg *cfg, const dc_tensor *x, const dc_tensor *w,
                             const dc_tensor *dy, dc_tensor *dx, dc_tensor *dw, dc_tensor *db,
                             float scale);

#endif
