/* k-means for DeepCluster: Lloyd iterations whose E-step is an exact FAISS flat-index search
 * and whose M-step and empty-cluster handling are dclab's own (swappable strategies, see
 * reassign.h); or, with backend DC_KMEANS_FAISS, FAISS's Clustering itself, as the reference.
 *
 * The result mirrors DeepCluster's run_kmeans (clustering.py): train, then assign every point
 * to its nearest final centroid; the "loss" is the objective of the last iteration. */
#ifndef DC_CLUSTER_KMEANS_H
#define DC_CLUSTER_KMEANS_H

#include <stdbool.h>

#include "cluster/reassign.h"
#include "tensor.h"

typedef enum dc_kmeans_backend {
    DC_KMEANS_DCLAB, /* dclab's loop: FAISS search + C M-step + reassignment strategy */
    DC_KMEANS_FAISS, /* faiss::Clustering (its own init and split rule) */
} dc_kmeans_backend;

typedef enum dc_kmeans_init {
    DC_KMEANS_INIT_RANDOM,   /* k distinct points from a seeded permutation */
    DC_KMEANS_INIT_KMEANSPP, /* k-means++ (D^2 sampling): one extra pass per centroid */
    DC_KMEANS_INIT_FAISS,    /* the points FAISS's Clustering would pick for this seed, so both
                              * backends can start from the same centroids */
} dc_kmeans_init;

typedef struct dc_kmeans_cfg {
    int64_t k;                       /* clusters, 1 <= k <= N */
    int niter;                       /* Lloyd iterations (DeepCluster: 20) */
    int nredo;                       /* independent runs; the one with the best last-iteration
                                      * objective is kept (as FAISS) */
    uint64_t seed;                   /* change it every epoch (DeepCluster does since 2019) */
    int64_t max_points_per_centroid; /* train on a random k * this points when N is larger
                                      * (DeepCluster: 10 000 000, i.e. never) */
    bool spherical;                  /* FAISS's spherical: centroids renormalised to unit
                                      * norm every iteration, points assigned by largest
                                      * inner product (= cosine); points used as given */
    dc_kmeans_init init;
    dc_kmeans_backend backend;
    dc_reassign_kind reassign;       /* empty-cluster strategy (dclab backend) */
    dc_reassign_fn reassign_fn;      /* the strategy when reassign == DC_REASSIGN_CALLBACK */
    void *reassign_ud;               /* passed to reassign_fn */
} dc_kmeans_cfg;

/* DeepCluster's settings: niter 20, nredo 1, seed 1234, no subsampling, L2 (not spherical),
 * random init, dclab backend with the faiss_split strategy. */
void dc_kmeans_cfg_init(dc_kmeans_cfg *cfg, int64_t k);
/* k >= 1, niter >= 0, nredo >= 1, max_points_per_centroid >= 1, a strategy and init the
 * backend has ("kmeans: nredo must be >= 1, got 0"). k <= N is checked by dc_kmeans_fit. */
dc_status dc_kmeans_cfg_check(const dc_kmeans_cfg *cfg);

/* Statistics of one iteration (of the best run when nredo > 1). */
typedef struct dc_kmeans_iter {
    double obj;       /* sum of squared distances to the assigned centroids (spherical: of
                       * inner products) at this E-step */
    double imbalance; /* FAISS's imbalance factor of the E-step: k sum(size^2) / N^2 */
    int64_t nempty;   /* clusters the E-step left empty */
    int64_t nfixed;   /* of those, how many the strategy refilled */
} dc_kmeans_iter;

typedef struct dc_kmeans_result {
    double loss;          /* objective of the last iteration (DeepCluster's clustering loss) */
    double final_obj;     /* objective of the final assignment of all N points */
    double imbalance;     /* of the final assignment */
    int64_t nempty_met;   /* empty clusters met, summed over iterations */
    int64_t nfixed;       /* empty clusters refilled, summed over iterations */
    int64_t nempty_final; /* empty clusters in the returned assignment */
    int64_t ntrain;       /* points trained on (N, or k * max_points_per_centroid) */
    int niter;            /* iterations run (records written to iters) */
} dc_kmeans_result;

/* x: float32 [N, D] (any layout), finite. centroids: float32 [k, D] out; assign: int64 [N]
 * out, 0-based. iters: room for cfg->niter records, or NULL. Fails on k < 1, k > N,
 * NaN/Inf, a strategy the backend does not have, or an error of the callback strategy. */
dc_status dc_kmeans_fit(const dc_kmeans_cfg *cfg, const dc_tensor *x, dc_tensor *centroids,
                        dc_tensor *assign, dc_kmeans_iter *iters, dc_kmeans_result *res);

/* Assigns points to their nearest centroid (largest inner product when spherical).
 * x: float32 [N, D]; centroids: float32 [k, D]; assign: int64 [N] out, 0-based; dist:
 * float32 [N] out (squared distance or inner product), may be NULL. */
dc_status dc_kmeans_assign(const dc_tensor *centroids, const dc_tensor *x, bool spherical,
                           dc_tensor *assign, dc_tensor *dist);

#endif
