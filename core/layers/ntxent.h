/* NT-Xent, the contrastive loss of SimCLR (Chen et al. 2020): two embeddings z1, z2 [B, D] of
 * the same B images under two augmentations. The 2B rows (z1's, then z2's) are L2-normalised
 * (u = z / max(|z|, 1e-12), as PyTorch's F.normalize), s_ij = u_i . u_j / temperature, and
 * each row i is a (2B - 1)-way softmax over j != i whose target is its other view
 * p(i) = i +- B:  loss = mean_i [ log sum_{j != i} exp(s_ij) - s_{i p(i)} ]. */
#ifndef DC_NTXENT_H
#define DC_NTXENT_H

#include "../tensor.h"

/* z1, z2: float32 [B, D], B >= 1; temperature > 0. prob: [2B, 2B] output, the softmax of
 * every row (0 on the diagonal), kept for backward. *loss receives the mean loss. */
dc_status dc_ntxent_forward(const dc_tensor *z1, const dc_tensor *z2, double temperature,
                            dc_tensor *prob, double *loss);
/* dz1, dz2 = dloss * d loss / d z1, z2, from the forward's prob (the rows are re-normalised
 * from z1, z2). */
dc_status dc_ntxent_backward(const dc_tensor *z1, const dc_tensor *z2, const dc_tensor *prob,
                             double temperature, double dloss, dc_tensor *dz1, dc_tensor *dz2);

#endif
