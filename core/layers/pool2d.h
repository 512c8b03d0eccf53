/* Geometry shared by the 2-D pooling layers (max and average), PyTorch's rules. */
#ifndef DC_POOL2D_H
#define DC_POOL2D_H

#include <stdbool.h>

#include "../tensor.h"

typedef struct dc_pool2d_cfg {
    int kh, kw;             /* window height, width */
    int sh, sw;             /* stride (PyTorch's default: the window size) */
    int ph, pw;             /* implicit padding (-inf for max, zeros for average) */
    bool ceil_mode;         /* round the output size up: a last, partial window */
    bool count_include_pad; /* average: padded zeros count in the divisor (PyTorch's default) */
} dc_pool2d_cfg;

/* Window kh x kw, stride the window, no padding, floor mode, count_include_pad. */
void dc_pool2d_cfg_init(dc_pool2d_cfg *cfg, int kh, int kw);
/* Positive window and stride, padding between 0 and half the window (as PyTorch); op names
 * the caller in messages ("MaxPool2d: stride must be positive, got 0x2"). */
dc_status dc_pool2d_cfg_check(const dc_pool2d_cfg *cfg, const char *op);
/* Output [N, C, Ho, Wo] for x [N, C, H, W]; checks cfg and that the output is not empty. */
dc_status dc_pool2d_out_shape(const dc_pool2d_cfg *cfg, const dc_tensor *x, const char *op,
                              int64_t *shape);

#endif
