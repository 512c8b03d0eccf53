/* Power Iteration Clustering as in DeepCluster's clustering.py (method.md §6): a kNN
 * graph with Gaussian weights, a personalised-PageRank-like power iteration, and clusters =
 * basins of attraction of the local maxima of the resulting vector. k is an output. */
#ifndef DC_CLUSTER_PIC_H
#define DC_CLUSTER_PIC_H

#include <stdbool.h>

#include "tensor.h"

typedef struct dc_pic_cfg {
    int64_t nnn;                /* neighbours per point in the graph (reference: 5) */
    double sigma;               /* w = exp(-d / sigma^2), d squared L2 (reference: 0.2) */
    double alpha;               /* v <- alpha W v + (1 - alpha) / N (reference: 0.001) */
    int niter;                  /* power iterations (reference: 200) */
    bool distribute_singletons; /* move each singleton to its nearest non-singleton's cluster */
} dc_pic_cfg;

/* The reference's defaults. */
void dc_pic_cfg_init(dc_pic_cfg *cfg);

typedef struct dc_pic_result {
    int64_t k;                /* clusters found */
    int64_t singletons_moved; /* singletons merged into a neighbour's cluster */
} dc_pic_result;

/* x: float32 [N, D] (preprocessed features, any layout), N > nnn. assign: int64 [N] out,
 * 0-based cluster ids numbered in the order of their basin's root node. */
dc_status dc_pic_fit(const dc_pic_cfg *cfg, const dc_tensor *x, dc_tensor *assign,
                     dc_pic_result *res);

#endif
