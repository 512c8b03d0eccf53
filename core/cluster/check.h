/* Validation shared by the clustering entry points. */
#ifndef DC_CLUSTER_CHECK_H
#define DC_CLUSTER_CHECK_H

#include "tensor.h"

/* Checks that x is a float32 [N, D] point set with N, D >= 1 and only finite values, and
 * makes xc a contiguous view of it (a copy when x is strided). Messages name op and arg:
 * "kmeans: x has a NaN or Inf (first at 0-based row 3, column 2 of x float32 [10, 4])". */
dc_status dc_check_points(const dc_tensor *x, const char *op, const char *arg, dc_tensor *xc);

#endif
