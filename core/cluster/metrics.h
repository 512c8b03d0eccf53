/* Clustering metrics on label vectors: NMI, ARI, accuracy under the best one-to-one matching
 * (Hungarian), the contingency table and cluster-size statistics.
 *
 * Labels are int64 1-D tensors of any stride. base is the smallest valid label (0 in C, 1
 * from Lua), so no copy is made to convert; a label below base fails with DC_ERR_ARG. Label
 * values index dense count arrays (size max label - base + 1), so they must be cluster or
 * class ids, not arbitrary numbers. Nothing here allocates in proportion to N except
 * dc_nmi / dc_ari (one int64 buffer of N). All functions are safe to call concurrently. */
#ifndef DC_CLUSTER_METRICS_H
#define DC_CLUSTER_METRICS_H

#include "tensor.h"

/* How NMI divides I(A;B): geometric sqrt(H(A)H(B)) is DeepCluster's (sklearn < 0.22);
 * arithmetic (H(A)+H(B))/2 is scikit-learn's default today. */
typedef enum dc_nmi_average {
    DC_NMI_GEOMETRIC,
    DC_NMI_ARITHMETIC,
    DC_NMI_MIN,
    DC_NMI_MAX,
} dc_nmi_average;

/* "geometric", "arithmetic", "min", "max" */
dc_status dc_nmi_average_parse(const char *name, dc_nmi_average *avg);

/* Normalised mutual information of two labelings of the same N items, in [0, 1]. Follows
 * scikit-learn: both labelings constant -> 1; the normaliser is at least DBL_EPSILON. */
dc_status dc_nmi(const dc_tensor *a, const dc_tensor *b, dc_nmi_average avg, int64_t base,
                 double *out);

/* Adjusted Rand index (scikit-learn's pair-counting formula); 1 for identical partitions. */
dc_status dc_ari(const dc_tensor *a, const dc_tensor *b, int64_t base, double *out);

/* Clustering accuracy: the fraction of items whose predicted cluster maps to their true
 * class under the one-to-one mapping that maximises it (Hungarian algorithm, O(k^3) with
 * k = max(#clusters, #classes) <= DC_ACC_MAX_K). mapping (may be NULL) gets int64 [kpred]:
 * the class matched to each cluster (with base added), or base - 1 when the cluster has no
 * class (more clusters than classes). */
#define DC_ACC_MAX_K 4096
dc_status dc_cluster_acc(const dc_tensor *pred, const dc_tensor *truth, int64_t base,
                         double *acc, dc_tensor *mapping);

/* out: int64 [ka, kb], out[i][j] = #items with a = i + base and b = j + base, where ka, kb
 * are the largest labels - base + 1. */
dc_status dc_contingency(const dc_tensor *a, const dc_tensor *b, int64_t base, dc_tensor *out);

typedef struct dc_size_stats {
    int64_t k;           /* clusters counted (the k given, or the largest label - base + 1) */
    int64_t nempty;      /* clusters with no item */
    int64_t min, max;    /* smallest and largest cluster size (empty ones included in min) */
    double entropy;      /* of the size distribution, in nats */
    double norm_entropy; /* entropy / log(k): 1 = perfectly balanced (1 when k = 1) */
    double imbalance;    /* FAISS's imbalance factor k * sum(size^2) / N^2: 1 = balanced */
} dc_size_stats;

/* sizes: int64 [k] (may be NULL), items per cluster. k = 0: k from the largest label;
 * otherwise a label >= k + base fails. */
dc_status dc_cluster_sizes(const dc_tensor *assign, int64_t k, int64_t base, dc_tensor *sizes,
                           dc_size_stats *st);

#endif
