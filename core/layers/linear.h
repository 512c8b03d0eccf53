/* Fully connected layer: y = x W^T + b (PyTorch's Linear), by OpenBLAS's sgemm and oneDNN's
 * matmul (linear_dnnl.h; linear.c says which runs what). In bf16 (mixed precision, refused on
 * a CPU without AVX512_BF16 / AMX-BF16) x, W and dy are rounded to bfloat16 for the products,
 * which sum in fp32; y, dx, dw and db stay fp32. */
#ifndef DC_LINEAR_H
#define DC_LINEAR_H

#include "../tensor.h"

/* x: [N, in]  w: [out, in]  b: [out] or NULL  y: [N, out] output. w16 NULL: fp32; else bf16,
 * and w16 (output, uint8 [out, 2 * in]) receives w rounded to bfloat16, for the backward pass. */
dc_status dc_linear_forward(const dc_tensor *x, const dc_tensor *w, const dc_tensor *b,
                            dc_tensor *y, dc_tensor *w16);
/* dy: [N, out]. dx (may be NULL): overwritten with dL/dx. dw, db (may be NULL): accumulate
 * scale * dL/dw, scale * dL/db (db from dy in fp32 either way). w16 NULL: fp32; else bf16,
 * with w16 the rounded weight the forward pass made: dx uses the weight as that pass saw it
 * (as PyTorch's autograd keeps the weight its autocast forward cast). */
dc_status dc_linear_backward(const dc_tensor *x, const dc_tensor *w, const dc_tensor *dy,
                             dc_tensor *dx, dc_tensor *dw, dc_tensor *db, float scale,
                             const dc_tensor *w16);

#endif
