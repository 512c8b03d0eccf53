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

/* ---- ordered walks along one dimension (index and sort ops) ---- */

/* Fails unless a has a dimension dim (0-based; messages count from 1): "op: dimension 3 out
 * of range for float32 [2, 3]", or "op: needs at least one dimension, got ..." */
dc_status dc_check_dim(const dc_tensor *a, int dim, const char *op);

/* A walk spreads over threads only dimensions whose slices never touch the same memory, so
 * ops with an order along dim (a running sum, an append, a whole-line sort) give results
 * that do not depend on the thread count. */
#define DC_WALK_MAX 4

typedef struct dc_walk {
    int nops, ndim, npar; /* dims [0, npar) of the walk order go to threads */
    int64_t shape[DC_MAX_DIMS];
    int64_t stride[DC_WALK_MAX][DC_MAX_DIMS]; /* bytes */
    char *base[DC_WALK_MAX];
} dc_walk;

/* Prepares a walk over shape (ndim dims) for operands t[0..nops-1], which need a stride for
 * every dim but may differ in size at dims the kernel handles itself.
 * lines: the kernel gets whole lines along dim, lines go to threads (sort, topk).
 * Otherwise: dims before dim go to threads, the rest is visited in row-major order in runs
 * along the last dim (dim 0: all serial). */
void dc_walk_init(dc_walk *w, int nops, const dc_tensor *const *t, int ndim,
                  const int64_t *shape, int dim, bool lines);
/* Calls fn over the runs of w (see dc_walk_init). */
void dc_walk_run(const dc_walk *w, dc_iter_fn fn, const void *ctx);

#endif
