/* Matrix products through OpenBLAS (cblas_sgemm, cblas_sgemv, cblas_sdot); float32 only.
 *
 * Layout: a matrix whose rows or columns are unit-stride goes to BLAS as it is; a transposed
 * view goes through the transpose flag and the leading dimension, never copied. Only an
 * operand with neither stride 1 (every other column, an expanded row) is copied first.
 * Matrix-vector shapes (one side a vector, or an output of one row or column) use gemv.
 *
 * Outputs follow the engine convention (tensor.h): an empty out is allocated, an allocated
 * one must have exactly the result's shape and dtype and is written in place, so a hot loop
 * allocates nothing. out must not share storage with a or b.
 * Errors name the operation and both operands: "mm: size mismatch, a is float32 [2, 3] but
 * b is float32 [4, 5]". Sizes must fit BLAS's 32-bit integers. */
#ifndef DC_BLAS_H
#define DC_BLAS_H

#include "../tensor.h"

/* out = a @ b: a [n, k], b [k, m] -> out [n, m] */
dc_status dc_mm(const dc_tensor *a, const dc_tensor *b, dc_tensor *out);
/* out[i] = a[i] @ b[i]: a [B, n, k], b [B, k, m] -> out [B, n, m] (no broadcasting) */
dc_status dc_bmm(const dc_tensor *a, const dc_tensor *b, dc_tensor *out);
/* numpy's matmul: 1-D . 1-D -> 0-d; 2-D @ 2-D -> mm; [n, k] @ [k] -> [n]; [k] @ [k, m] ->
 * [m]; beyond 2-D, a stack of matrices whose batch dims broadcast: [.., n, k] @ [.., k, m] ->
 * [broadcast(..), n, m] (a 1-D side gets a dim of 1 added for the product, removed after). */
dc_status dc_matmul(const dc_tensor *a, const dc_tensor *b, dc_tensor *out);
/* out = a @ v: a [n, m], v [m] -> out [n] */
dc_status dc_mv(const dc_tensor *a, const dc_tensor *v, dc_tensor *out);
/* *result = a . b for two 1-D tensors of one length */
dc_status dc_dot(const dc_tensor *a, const dc_tensor *b, double *result);
/* out = beta * c + alpha * (a @ b): a [n, k], b [k, m], c broadcasting to [n, m]. out may be
 * c itself (in place; then c must be exactly [n, m]). beta = 0 ignores c's values (NaN too). */
dc_status dc_addmm(const dc_tensor *c, const dc_tensor *a, const dc_tensor *b, double alpha,
                   double beta, dc_tensor *out);

#endif
