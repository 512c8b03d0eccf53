/* Indexing: selecting, gathering and scattering by index tensors, masks, concatenation,
 * counting and running sums. (Sorting and top-k: sort.h.)
 *
 * Index tensors are int64. Every function that reads or writes indices takes a base: index
 * value base + i means position i (0 in C; the Lua bindings pass 1 so Lua sees 1-based
 * indices everywhere). An index outside base .. base + size - 1 fails with DC_ERR_INDEX and
 * a message naming the op, the value and the valid range; nothing is written then.
 *
 * Inputs may have any layout (views, transposes, broadcast strides). Outputs follow the
 * engine convention (tensor.h): empty -> allocated contiguous, else they must already have
 * the result's exact shape and dtype. Outputs must not overlap inputs, except where an
 * operation is documented as in place. dims are 0-based. Large inputs are processed by
 * several threads (OpenMP); results do not depend on the thread count. */
#ifndef DC_INDEX_H
#define DC_INDEX_H

#include "../tensor.h"

/* out = a with dimension dim restricted to the positions in idx, in idx's order.
 * idx: int64 [k]; out: a's dtype, a's shape with size k at dim. */
dc_status dc_index_select(const dc_tensor *a, int dim, const dc_tensor *idx, int64_t base,
                          dc_tensor *out);

/* out[i][j][k] = a[i][idx[i][j][k]][k] for dim = 1 (likewise for any dim).
 * idx: int64 with a's number of dimensions and idx.shape[d] <= a.shape[d] for d != dim;
 * out: a's dtype, idx's shape. */
dc_status dc_gather(const dc_tensor *a, int dim, const dc_tensor *idx, int64_t base,
                    dc_tensor *out);

/* In place: a[i][idx[i][j][k]][k] += src[i][j][k] for dim = 1 (likewise for any dim);
 * repeated indices accumulate. idx: int64 with a's number of dimensions, idx.shape[d] <=
 * src.shape[d] for every d and <= a.shape[d] for d != dim; src: a's dtype. a must not have
 * broadcast (stride 0) dimensions. uint8 sums wrap modulo 256. */
dc_status dc_scatter_add(dc_tensor *a, int dim, const dc_tensor *idx, int64_t base,
                         const dc_tensor *src);

/* out = the elements of a where mask != 0, in row-major order (1-D, a's dtype).
 * mask: uint8; a and mask broadcast together. */
dc_status dc_masked_select(const dc_tensor *a, const dc_tensor *mask, dc_tensor *out);

/* In place: a[...] = v where mask[...] != 0 (converted to a's dtype as dc_fill does).
 * mask: uint8, broadcasts to a's shape. */
dc_status dc_masked_fill(dc_tensor *a, const dc_tensor *mask, double v);

/* out = list[0..n-1] joined along dim. n >= 1; all of one dtype and one number of
 * dimensions, with equal sizes except at dim. */
dc_status dc_cat(const dc_tensor *const *list, int n, int dim, dc_tensor *out);

/* out[i] = how often value base + i occurs in x (int64 [n]), or the sum of weights[j] over
 * the j where it occurs. x: int64 [n], values >= base; weights: NULL or float32 / int64 [n];
 * minlength >= 0. out: [max(max(x) - base + 1, minlength)], int64 without weights, else
 * the weights' dtype. */
dc_status dc_bincount(const dc_tensor *x, const dc_tensor *weights, int64_t minlength,
                      int64_t base, dc_tensor *out);

/* out = running sum of a along dim (a's shape). float32 -> float32 (summed in float32, as
 * numpy does), int64 and uint8 -> int64. */
dc_status dc_cumsum(const dc_tensor *a, int dim, dc_tensor *out);

#endif
