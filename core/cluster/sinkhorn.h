/* Sinkhorn-Knopp equipartition: the soft assignment Q of N points to K clusters that is
 * closest to exp(scores / epsilon) while every point's row sums to 1 and every cluster's
 * column sums to N * marginal (N / K each by default). SwAV's codes (distributed_sinkhorn:
 * epsilon 0.05, 3 iterations) and SeLa's pseudo-labels (cpu_sk: P^lambda with lambda 25, i.e.
 * epsilon 0.04 on log-probabilities, iterated until the marginals hold) are its two settings.
 *
 * Memory: Q (float32 [N, K], may be the scores tensor itself) plus 8 (N + 68 K) bytes of
 * scratch; at ImageNet size (1.28M x 3000) Q is 15.4 GB, and 15.4 GB more for the scores
 * unless Q overwrites them. */
#ifndef DC_CLUSTER_SINKHORN_H
#define DC_CLUSTER_SINKHORN_H

#include "tensor.h"

typedef struct dc_sinkhorn_cfg {
    int iters;      /* most iterations, each a column then a row normalisation (SwAV: 3) */
    double epsilon; /* Q starts as exp(scores / epsilon) (SwAV: 0.05; SeLa: 1 / lambda = 0.04) */
    double tol;     /* > 0: stop early once every cluster's mass is within tol of its target,
                     * relatively (SeLa iterates to a tolerance); 0: run all iters */
} dc_sinkhorn_cfg;

/* SwAV's settings: 3 iterations, epsilon 0.05, no early stop. */
void dc_sinkhorn_cfg_init(dc_sinkhorn_cfg *cfg);
/* iters >= 1, epsilon > 0 and finite, tol >= 0 ("sinkhorn: epsilon must be > 0, got -1"). */
dc_status dc_sinkhorn_cfg_check(const dc_sinkhorn_cfg *cfg);

typedef struct dc_sinkhorn_result {
    int iters;  /* iterations run */
    double err; /* of the returned Q: max over clusters of |column sum / (N marginal) - 1| */
} dc_sinkhorn_result;

/* scores: float32 [N, K], finite, K <= N (any layout). marginals: float32 [K], >= 0, summing
 * to 1, or NULL for 1/K each. q: float32 [N, K] out (empty, or contiguous of that shape; may
 * be scores itself, which is then overwritten). Rows of q sum to 1; column j sums to
 * N marginals[j] within res->err. The result does not depend on the thread count.
 * Fails on bad arguments, and when a cluster with a positive marginal gets no mass at all
 * (exp underflows in its whole column: epsilon too small for the spread of the scores). */
dc_status dc_sinkhorn_solve(const dc_sinkhorn_cfg *cfg, const dc_tensor *scores,
                            const dc_tensor *marginals, dc_tensor *q, dc_sinkhorn_result *res);

#endif
