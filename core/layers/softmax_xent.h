/* Softmax, log-softmax (over the last dim of [N, D]) and the cross-entropy criterion
 * (log-softmax + negative log-likelihood, PyTorch's CrossEntropyLoss with mean reduction). */
#ifndef DC_SOFTMAX_XENT_H
#define DC_SOFTMAX_XENT_H

#include "../tensor.h"

/* x: [N, D]; y: [N, D] output (may be x) */
dc_status dc_softmax_forward(const dc_tensor *x, dc_tensor *y);
dc_status dc_log_softmax_forward(const dc_tensor *x, dc_tensor *y);
/* From the forward output y: softmax dx = y * (dy - sum(dy * y)),
 * log-softmax dx = dy - exp(y) * sum(dy). dx may be dy. */
dc_status dc_softmax_backward(const dc_tensor *y, const dc_tensor *dy, dc_tensor *dx);
dc_status dc_log_softmax_backward(const dc_tensor *y, const dc_tensor *dy, dc_tensor *dx);

/* logits: [N, k]; target: int64 [N] class ids in base .. base + k - 1 (base 1 from Lua);
 * weight: float32 [k] or NULL (per-class weights: the loss is the weighted mean
 * sum w[t_n] * nll_n / sum w[t_n], as PyTorch). prob: [N, k] output, the softmax, kept for
 * backward. *loss receives the mean loss. */
dc_status dc_xent_forward(const dc_tensor *logits, const dc_tensor *target, int64_t base,
                          const dc_tensor *weight, dc_tensor *prob, double *loss);
/* dlogits = dloss * w[t_n] / sum w * (prob - onehot(t)); dlogits may be prob. */
dc_status dc_xent_backward(const dc_tensor *prob, const dc_tensor *target, int64_t base,
                           const dc_tensor *weight, double dloss, dc_tensor *dlogits);

#endif
