/* Dropout (inverted, as PyTorch): in training each element is kept with probability 1 - p
 * and scaled by 1 / (1 - p); evaluation is the identity (the Lua module skips the kernel). */
#ifndef DC_DROPOUT_H
#define DC_DROPOUT_H

#include "../rng.h"
#include "../tensor.h"

/* The layer's one setting: 0 <= p <= 1; op names the caller in messages. */
dc_status dc_dropout_check(double p, const char *op);
/* x: any shape; mask: uint8 output of x's shape (1 = kept), drawn from rng; y: output (may be
 * x). 0 <= p <= 1; p = 1 drops everything. */
dc_status dc_dropout_forward(double p, const dc_tensor *x, dc_rng *rng, dc_tensor *mask,
                             dc_tensor *y);
/* dx = dy * mask / (1 - p); dx may be dy. */
dc_status dc_dropout_backward(double p, const dc_tensor *dy, const dc_tensor *mask, dc_tensor *dx);

#endif
