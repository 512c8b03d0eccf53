/* Training through a chain of conv -> BatchNorm -> ReLU blocks and max poolings, forward and
 * backward, all in oneDNN, with the activations and their gradients kept in oneDNN's layout
 * between the layers (dnnl_util.h, dc_dnnl_act): channels-last (NHWC) bf16 when the
 * convolutions compute in bf16, else fp32 (blocked nChw16c on AVX-512). Layer by layer,
 * every oneDNN convolution converts its input from dclab's NCHW fp32 and its output back in
 * each of its three passes (and in bf16 rounds them), and BatchNorm and pooling run on NCHW
 * fp32; here the only conversions are at the chain's two ends. Weights, their gradients and
 * the BatchNorm statistics (batch and running) stay fp32.
 *
 * The forward pass keeps what the backward pass needs (every convolution's input and output,
 * the BatchNorms' batch statistics and ReLU masks, the poolings' argmax) in a byte tensor the
 * caller owns, so that two networks of the same shapes never share it. */
#ifndef DC_CONV2D_TRAIN_H
#define DC_CONV2D_TRAIN_H

#include "batchnorm.h"
#include "conv2d.h"
#include "pool2d.h"

#define DC_TRAIN_MAX 64 /* stages of one chain */

/* One stage: a convolution followed by its BatchNorm (conv set; pool unused) or a max pooling
 * (conv NULL). */
typedef struct dc_train_stage {
    const dc_conv2d_cfg *conv;
    const dc_tensor *w, *b;    /* the convolution's weights and bias (b NULL: none) */
    dc_tensor *dw, *db;        /* their gradients, accumulated into (db NULL when b is) */
    dc_tensor *bn[4];          /* gamma, beta, running mean, running var (updated) */
    dc_tensor *dbn[2];         /* gradients of gamma and beta, accumulated into */
    double eps, momentum;      /* the BatchNorm's (batchnorm.h) */
    bool relu;                 /* max(0, .) after the BatchNorm */
    const dc_pool2d_cfg *pool;
} dc_train_stage;

/* y (output, float32 NCHW) = the n stages applied in training mode to x (float32 NCHW):
 * batch statistics, running statistics updated as dc_batchnorm_forward does. saved (output,
 * uint8, 1-D; empty: allocated here) receives what the backward pass reads. Every convolution
 * of a chain has the same precision and runs through oneDNN; the first stage is a
 * convolution. Checked stage by stage ("conv2d_train: stage 3: ..."). */
dc_status dc_conv2d_train_forward(int n, const dc_train_stage *stages, const dc_tensor *x,
                                  dc_tensor *y, dc_tensor *saved);

/* The backward pass of the last forward call with these stages and x, from dy (float32 NCHW,
 * the shape of y) and saved: every dw, db, dbn accumulates its gradient; dx (output, the
 * shape of x; NULL to skip) is overwritten with dL/dx. */
dc_status dc_conv2d_train_backward(int n, const dc_train_stage *stages, const dc_tensor *x,
                                   const dc_tensor *dy, dc_tensor *dx, const dc_tensor *saved);

#endif
