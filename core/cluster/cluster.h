/* Clustering: preprocessing, k-means, PIC, Gaussian mixtures, Sinkhorn equipartition, kNN
 * graphs, UMAP layouts, metrics (one include for dc.h). */
#ifndef DC_CLUSTER_H
#define DC_CLUSTER_H

#include "cluster/kmeans.h"
#include "cluster/gmm.h"
#include "cluster/knn.h"
#include "cluster/metrics.h"
#include "cluster/pca.h"
#include "cluster/pic.h"
#include "cluster/reassign.h"
#include "cluster/sinkhorn.h"
#include "cluster/umap.h"

#endif
