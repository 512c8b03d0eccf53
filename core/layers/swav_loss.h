/* SwAV's swapped-prediction loss (Caron et al. 2020, main_swav.py of facebookresearch/swav):
 * the codes q of one view of an image (soft cluster assignments, e.g. from Sinkhorn-Knopp)
 * are predicted from every OTHER view's scores z against the prototypes:
 *
 *   loss = 1/A sum_a 1/(V-1) sum_{v != view(a)} 1/B sum_b
 *            - sum_k q[a,b,k] log softmax(z[v,b,:] / T)_k
 *
 * V views of B images, K prototypes, A code views (SwAV: the 2 large crops). The codes are
 * targets: no gradient flows into them. Given the codes, the loss is a sum over the
 * predicting views, so the kernels take the scores of a run of views (first_view ..
 * first_view + Vs - 1): views of different sizes (multi-crop) then go through the network
 * group by group, and the groups' losses and gradients add up to the whole. */
#ifndef DC_SWAV_LOSS_H
#define DC_SWAV_LOSS_H

#include "../tensor.h"

/* Which views a call scores: views are numbered base .. base + n_views - 1 (base 1 from Lua);
 * the scores hold views first_view .. first_view + Vs - 1. */
typedef struct dc_swav_views {
    int64_t base, first_view, n_views; /* n_views = V >= 2 */
} dc_swav_views;

/* scores: [Vs, B, K], views as described by views; codes: [A, B, K]; code_views: int64 [A],
 * the distinct view each code belongs to; temperature > 0. prob: [Vs, B, K] output,
 * softmax(scores / T), kept for backward. *loss: the terms of the loss above whose
 * predicting view is among the scores' (the whole loss when they are all V views). */
dc_status dc_swav_loss_forward(const dc_tensor *scores, const dc_tensor *codes,
                               const dc_tensor *code_views, dc_swav_views views,
                               double temperature, dc_tensor *prob, double *loss);
/* dscores[v,b,:] = dloss / (A (V-1) B T) * sum_{a: view(a) != v} (sum_k q[a,b,k]) prob[v,b,:]
 * - q[a,b,:]. dscores may be prob. */
dc_status dc_swav_loss_backward(const dc_tensor *prob, const dc_tensor *codes,
                                const dc_tensor *code_views, dc_swav_views views,
                                double temperature, double dloss, dc_tensor *dscores);

#endif
