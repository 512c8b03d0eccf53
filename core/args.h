/* Argument checks shared by the kernels of core/layers/ and core/optim/, so every kernel
 * words its errors alike:
 *   conv2d_forward: x must be a float32 [N, C, H, W] tensor, got int64 [2, 3]
 * op names the kernel ("conv2d_forward"), name the argument ("x"), layout its expected
 * dimensions for the message ("[N, C, H, W]"). Kernels take contiguous tensors only. */
#ifndef DC_ARGS_H
#define DC_ARGS_H

#include "tensor.h"

/* t is a live, contiguous float32 tensor with ndim dimensions (ndim < 0: any). */
dc_status dc_arg_f32(const dc_tensor *t, int ndim, const char *op, const char *name,
                     const char *layout);
/* As dc_arg_f32, and t has exactly this shape (for parameters and gradients). */
dc_status dc_arg_f32_shape(const dc_tensor *t, int ndim, const int64_t *shape, const char *op,
                           const char *name);
/* An output: empty (allocated here) or a contiguous tensor of exactly this dtype and shape. */
dc_status dc_arg_out(dc_tensor *t, dc_dtype dt, int ndim, const int64_t *shape, const char *op,
                     const char *name);

#endif
