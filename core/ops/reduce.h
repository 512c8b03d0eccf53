/* Reductions over all elements or along one dimension: sum, mean, prod, var, std, norm,
 * max/min (with indices), argmax/argmin.
 *
 * Results: sum and prod of int64/uint8 give int64 (exact, wrapping on overflow), of float32
 * give float32; mean, var, std and norm give float32 for every input; max/min keep the
 * input's dtype; indices are int64, 0-based unless cfg->base says otherwise. The output
 * shape is the input's without the reduced dimension (0-d for a full reduction), or with it
 * kept as size 1 when keepdim. Outputs follow the engine convention (tensor.h).
 *
 * Accuracy: float32 is summed in float vector lanes over blocks of 4 terms each, flushed into
 * double accumulators, so the error does not grow with n as a float running sum's does.
 * var/std take two passes (mean, then squared deviations).
 * NaN: propagates through sums; max/min return NaN and the index of the first NaN (torch).
 * Empty: sum 0, prod 1, norm 0, mean/var/std NaN; max/min/argmax/argmin fail.
 * Large reductions use the engine's threads (parallel.h); the result does not depend on the
 * thread count beyond the last bits of the double accumulators. */
#ifndef DC_REDUCE_H
#define DC_REDUCE_H

#include "../tensor.h"

typedef enum dc_reduce_op {
    DC_REDUCE_SUM, DC_REDUCE_MEAN, DC_REDUCE_PROD, DC_REDUCE_VAR, DC_REDUCE_STD, DC_REDUCE_NORM,
    DC_REDUCE_MAX, DC_REDUCE_MIN, DC_REDUCE_ARGMAX, DC_REDUCE_ARGMIN, DC_REDUCE_COUNT
} dc_reduce_op;

#define DC_ALL_DIMS (-1)

typedef struct dc_reduce_cfg {
    int dim;       /* 0-based dimension to reduce, or DC_ALL_DIMS (default) */
    bool keepdim;  /* keep the reduced dimension(s) with size 1 (default false) */
    bool unbiased; /* var/std: divide by n - 1 (default, as torch) instead of n */
    double p;      /* norm order (default 2): any p > 0, 0 (non-zero count), INFINITY (max |x|) */
    int64_t base;  /* max/min/argmax/argmin: the number given to the first index (default 0) */
} dc_reduce_cfg;

void dc_reduce_cfg_init(dc_reduce_cfg *cfg);
const char *dc_reduce_name(dc_reduce_op op); /* "sum", "argmax", ... */

/* values = op(a) over cfg->dim; for argmax/argmin values receives the indices. indices
 * (max/min only, may be NULL) receives the position of each extreme along the dimension
 * (flat row-major position for a full reduction). Fails on a dim out of range, a negative
 * norm order, an output of the wrong shape or dtype, or an extreme of no elements. */
dc_status dc_reduce(dc_reduce_op op, const dc_tensor *a, const dc_reduce_cfg *cfg,
                    dc_tensor *values, dc_tensor *indices);

/* A full reduction's single value, returned without allocating (cfg->dim and keepdim are
 * ignored). is_int: the value is exact in i (int64 sums/products, extremes of integer
 * tensors, argmax/argmin); otherwise it is f. */
typedef struct dc_scalar {
    bool is_int;
    double f;
    int64_t i;
} dc_scalar;
dc_status dc_reduce_scalar(dc_reduce_op op, const dc_tensor *a, const dc_reduce_cfg *cfg,
                           dc_scalar *out);

/* Shorthands of dc_reduce with the defaults above (dim may be DC_ALL_DIMS). */
dc_status dc_sum(const dc_tensor *a, int dim, bool keepdim, dc_tensor *out);
dc_status dc_mean(const dc_tensor *a, int dim, bool keepdim, dc_tensor *out);
dc_status dc_prod(const dc_tensor *a, int dim, bool keepdim, dc_tensor *out);
dc_status dc_var(const dc_tensor *a, int dim, bool unbiased, bool keepdim, dc_tensor *out);
dc_status dc_std(const dc_tensor *a, int dim, bool unbiased, bool keepdim, dc_tensor *out);
dc_status dc_norm(const dc_tensor *a, double p, int dim, bool keepdim, dc_tensor *out);
dc_status dc_max(const dc_tensor *a, int dim, bool keepdim, dc_tensor *values,
                 dc_tensor *indices);
dc_status dc_min(const dc_tensor *a, int dim, bool keepdim, dc_tensor *values,
                 dc_tensor *indices);
dc_status dc_argmax(const dc_tensor *a, int dim, bool keepdim, dc_tensor *indices);
dc_status dc_argmin(const dc_tensor *a, int dim, bool keepdim, dc_tensor *indices);

#endif
