/* Empty-cluster reassignment strategies, run by k-means after every M-step that leaves a
 * cluster without points (method.md §4). Chosen by name; a callback (a Lua function
 * through the bindings) can take the place of the built-in ones. */
#ifndef DC_CLUSTER_REASSIGN_H
#define DC_CLUSTER_REASSIGN_H

#include <stdbool.h>

#include "rng.h"
#include "tensor.h"

typedef enum dc_reassign_kind {
    DC_REASSIGN_FAISS_SPLIT,     /* FAISS: donor ~ (size - 1), centroid copied, x(1 +- 1/1024) */
    DC_REASSIGN_DEEPERCLUSTER,   /* uniform donor, +-1e-7 added, half its points relabelled */
    DC_REASSIGN_FARTHEST_POINT,  /* the point farthest from its centroid becomes the centroid */
    DC_REASSIGN_RANDOM_POINT,    /* a random point becomes the centroid */
    DC_REASSIGN_NONE,            /* leave the cluster empty (the ablation) */
    DC_REASSIGN_CALLBACK,        /* dc_kmeans_cfg.reassign_fn */
    DC_REASSIGN_COUNT
} dc_reassign_kind;

/* "faiss_split", "deepercluster", "farthest_point", "random_point", "none" (not "callback":
 * that one is chosen by giving a function). */
dc_status dc_reassign_parse(const char *name, dc_reassign_kind *kind);
const char *dc_reassign_name(dc_reassign_kind kind);

/* What a strategy sees and may edit. All tensors contiguous; N = training points. */
typedef struct dc_reassign_ctx {
    const dc_tensor *x;  /* float32 [N, D] */
    dc_tensor *assign;   /* int64 [N], 0-based: the last E-step (strategies may relabel) */
    dc_tensor *dist;     /* float32 [N]: each point's squared distance to its centroid, or its
                          * inner product with it when similarity is set */
    dc_tensor *centroids;/* float32 [k, D] after the M-step; an empty cluster keeps its old one */
    dc_tensor *counts;   /* int64 [k]: points per cluster; strategies keep it consistent */
    int iter;            /* 0-based k-means iteration; niter for the pass after the final E-step */
    bool similarity;     /* spherical k-means: dist holds similarities (higher = closer) */
    dc_rng *rng;         /* this iteration's stream */
} dc_reassign_ctx;

/* A user strategy: edits ctx->centroids (and may edit counts, assign); *nfixed = how many
 * empty clusters it refilled. */
typedef dc_status (*dc_reassign_fn)(void *ud, dc_reassign_ctx *ctx, int64_t *nfixed);

/* Runs a built-in strategy on every empty cluster, in index order; *nfixed = clusters
 * refilled. Donors are clusters of at least 2 points, so no strategy empties another
 * cluster. */
dc_status dc_reassign_apply(dc_reassign_kind kind, dc_reassign_ctx *ctx, int64_t *nfixed);

/* Whether a strategy also acts after the final assignment (it relabels points, so the
 * returned labels have no empty cluster): DeeperCluster's does. */
bool dc_reassign_relabels(dc_reassign_kind kind);

/* out: int64 [m] = the ids (+ base) of the clusters with counts == 0, increasing. */
dc_status dc_reassign_empty_ids(const dc_tensor *counts, int64_t base, dc_tensor *out);

#endif
