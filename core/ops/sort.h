/* Sorting and top-k along one dimension.
 *
 * Indices are int64 and count from base (0 in C; the Lua bindings pass 1), as in index.h.
 * Inputs may have any layout; outputs follow the engine convention (tensor.h) and must not
 * share storage with the input. dims are 0-based. Large inputs are sorted by several
 * threads (OpenMP); results do not depend on the thread count. */
#ifndef DC_SORT_H
#define DC_SORT_H

#include "../tensor.h"

/* values = a sorted along dim (ascending, or descending), indices = where each value came
 * from (int64, base-based). Stable: equal values keep their order. NaN sorts as the largest
 * value (last ascending, first descending), as in torch. values: a's dtype and shape. */
dc_status dc_sort(const dc_tensor *a, int dim, bool descending, int64_t base,
                  dc_tensor *values, dc_tensor *indices);

/* indices of dc_sort alone (uses a temporary for the values). */
dc_status dc_argsort(const dc_tensor *a, int dim, bool descending, int64_t base,
                     dc_tensor *indices);

/* The k largest (or smallest) entries of a along dim, best first, with their indices
 * (int64, base-based); ties are taken in index order, NaN counts as the largest value.
 * 0 <= k <= a.shape[dim]; values: a's dtype, a's shape with size k at dim. */
dc_status dc_topk(const dc_tensor *a, int64_t k, int dim, bool largest, int64_t base,
                  dc_tensor *values, dc_tensor *indices);

#endif
