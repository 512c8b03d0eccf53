/* Exact k-nearest-neighbour graph of a point set (FAISS flat L2 index), for graph
 * clusterings: PIC here, or a spectral clustering written in Lua. */
#ifndef DC_CLUSTER_KNN_H
#define DC_CLUSTER_KNN_H

#include "tensor.h"

/* x: float32 [N, D] (any layout); ids: int64 [N, k] (0-based), dist: float32 [N, k]
 * squared L2 distances, nearest first. A point is never its own neighbour: its own entry is
 * removed wherever duplicates put it in the k + 1 results (the farthest is dropped when it
 * is absent). Needs N > k >= 1. */
dc_status dc_knn_graph(const dc_tensor *x, int64_t k, dc_tensor *ids, dc_tensor *dist);

/* The k nearest rows of base (float32 [N, D]) to each row of q (float32 [M, D]), exactly:
 * ids int64 [M, k] (0-based rows of base), dist float32 [M, k] squared L2, nearest first.
 * For placing new points against a fitted point set. Needs N >= k >= 1. */
dc_status dc_knn_search(const dc_tensor *base, const dc_tensor *q, int64_t k, dc_tensor *ids,
                        dc_tensor *dist);

#endif
