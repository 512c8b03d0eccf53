/* Inference through a chain of convolutions (each with its BatchNorm folded in, and a ReLU)
 * and max poolings, all in oneDNN, with the activations between the layers kept in the
 * layout and precision its kernels read (dnnl_util.h, dc_dnnl_act): channels-last (NHWC),
 * in bf16 wherever the next convolution computes in bf16, in a chain of bf16 convolutions;
 * blocked nChw16c in an fp32 chain on AVX-512, for oneDNN's Winograd kernels. Run layer by layer, every oneDNN convolution converts its
 * input from dclab's NCHW fp32 and its output back (in a bf16 evaluation of `small`, about a
 * third of the time); here the only conversions are at the chain's two ends, and where a
 * layer that computes in fp32 (a first layer of few channels) hands over to bf16.
 *
 * The results equal the layer-by-layer path's up to the order of fp32 sums inside oneDNN's
 * kernels: a bf16 convolution rounds its input to bf16 either way (rounding commutes with
 * max pooling and with ReLU), and everything after the chain's last convolution stays fp32. */
#ifndef DC_CONV2D_CHAIN_H
#define DC_CONV2D_CHAIN_H

#include "conv2d.h"
#include "pool2d.h"

#define DC_CHAIN_MAX 64 /* stages of one chain (VGG-16's features have 31 layers) */

/* One stage: a convolution (conv set; pool unused) or a max pooling (conv NULL). */
typedef struct dc_chain_stage {
    const dc_conv2d_cfg *conv;
    const dc_tensor *w, *b;     /* the convolution's weights and bias (b NULL: none) */
    const dc_tensor *bn[4];     /* gamma, beta, running mean, running var; bn[0] NULL: none */
    double eps;
    bool relu;                  /* max(0, .) after the convolution (and BatchNorm) */
    const dc_pool2d_cfg *pool;
} dc_chain_stage;

/* y (output, float32 NCHW) = the n stages applied in order to x (float32 NCHW). Every
 * convolution runs through oneDNN (its last window may not overhang the padding); the first
 * stage's input and the last's output are the only NCHW fp32 tensors. Shapes and parameters
 * are checked stage by stage ("conv2d_chain: stage 3: ..."). */
dc_status dc_conv2d_chain_forward(int n, const dc_chain_stage *stages, const dc_tensor *x,
                                  dc_tensor *y);

#endif
