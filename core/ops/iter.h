/* A strided n-ary iterator: walks up to DC_ITER_MAX tensors of one (broadcast) shape,
 * handing contiguous-or-strided inner runs to a kernel, in parallel when large.
 *
 * Dimensions that can be merged for every operand are merged first, so a contiguous tensor
 * is one run (split in chunks across threads) and a transposed one is rows of runs. */
#ifndef DC_ITER_H
#define DC_ITER_H

#include "../tensor.h"

#define DC_ITER_MAX 4

/* A kernel over one inner run: p[i] points at operand i's first element, s[i] is its step in
 * bytes (0 for a broadcast operand), n the run length. ctx carries op parameters. */
typedef void (*dc_iter_fn)(char **p, const int64_t *s, int64_t n, const void *ctx);

/* Calls fn over every element of shape for the nops operands t[0..nops-1]; each operand must
 * already have exactly ndim/shape (use dc_tensor_expand for broadcasting). Operand 0 is
 * conventionally the output. Runs in parallel when the element count passes the threshold. */
void dc_iter_run(int nops, const dc_tensor *const *t, int ndim, const int64_t *shape,
                 dc_iter_fn fn, const void *ctx);

/* Element count from which elementwise work is spread over threads. */
#define DC_PARALLEL_MIN 32768

#endif
