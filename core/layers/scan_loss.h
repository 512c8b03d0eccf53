/* SCAN's clustering loss (Van Gansbeke et al., ECCV 2020, "SCAN: Learning to Classify Images
 * without Labels"): the cluster logits a_i of B images and n_i of one of their nearest
 * neighbours each, [B, K]. With p_i = softmax(a_i), q_i = softmax(n_i) and m = mean_i p_i,
 *   consistency = -mean_i log <p_i, q_i>     (an image and its neighbour agree confidently)
 *   entropy     = -sum_k m_k log m_k         (the batch spreads over the K clusters)
 *   loss        = consistency - entropy_weight * entropy
 * The entropy is of the anchors' mean prediction only, as in SCAN's code (losses.py). Both
 * calls work from the logits alone (no state between them). */
#ifndef DC_SCAN_LOSS_H
#define DC_SCAN_LOSS_H

#include "../tensor.h"

typedef struct dc_scan_terms {
    double loss, consistency, entropy;
} dc_scan_terms;

/* anchors, neighbors: float32 [B, K], B, K >= 1; entropy_weight >= 0. */
dc_status dc_scan_loss_forward(const dc_tensor *anchors, const dc_tensor *neighbors,
                               double entropy_weight, dc_scan_terms *terms);
/* da, dn [B, K] (outputs) = dloss * d loss / d anchors, neighbors. */
dc_status dc_scan_loss_backward(const dc_tensor *anchors, const dc_tensor *neighbors,
                                double entropy_weight, double dloss, dc_tensor *da,
                                dc_tensor *dn);

#endif
