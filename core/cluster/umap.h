/* A UMAP-style manifold embedding (McInnes, Healy, Melville 2018; umap-learn's
 * fuzzy_simplicial_set and optimize_layout_euclidean): from a k-nearest-neighbour graph
 * (knn.h) to fuzzy membership weights, a symmetric fuzzy graph, and a low-dimensional layout
 * found by SGD with negative sampling. Single-threaded, so a seed fixes the layout. */
#ifndef DC_CLUSTER_UMAP_H
#define DC_CLUSTER_UMAP_H

#include "rng.h"
#include "tensor.h"

typedef struct dc_umap_cfg {
    int n_epochs;           /* SGD epochs over the graph (umap-learn: 200 for large data) */
    double min_dist;        /* smallest distance of close points in the layout (0.1) */
    double spread;          /* scale of the layout's clusters (1.0) */
    double a, b;            /* low-dim similarity 1 / (1 + a d^2b); 0: fitted from min_dist */
    double learning_rate;   /* initial SGD step, decays linearly to 0 (1.0) */
    int negative_rate;      /* negative samples per positive one (5) */
    double repulsion;       /* weight of the negative samples (gamma, 1.0) */
} dc_umap_cfg;

/* umap-learn's defaults. */
void dc_umap_cfg_init(dc_umap_cfg *cfg);

/* The (a, b) of 1 / (1 + a x^2b) closest in least squares to 1 for x < min_dist and
 * exp(-(x - min_dist) / spread) beyond, on 300 points of [0, 3 spread] (umap-learn's
 * find_ab_params, by a grid refined around its best point). */
dc_status dc_umap_find_ab(double min_dist, double spread, double *a, double *b);

/* Fuzzy membership of each point's neighbours (smooth_knn_dist): dist float32 [N, k]
 * squared L2 distances, nearest first (as dc_knn_graph gives them); w float32 [N, k] out,
 * w_ij = exp(-(d_ij - rho_i) / sigma_i) with d the L2 distance, rho_i the nearest nonzero
 * one and sigma_i found by bisection so that each row sums to log2(k). */
dc_status dc_umap_weights(const dc_tensor *dist, dc_tensor *w);

/* Lays out the graph: ids int64 [N, k] (0-based neighbours, as dc_knn_graph), w float32
 * [N, k] from dc_umap_weights, y float32 [N, dim] contiguous: the initial layout in, the
 * layout out. The graph is symmetrised as P = W + W^T - W o W^T; each edge is sampled in
 * proportion to its weight. r is advanced. */
dc_status dc_umap_layout(const dc_umap_cfg *cfg, const dc_tensor *ids, const dc_tensor *w,
                         dc_tensor *y, dc_rng *r);

#endif
