/* The layer kernels, for core/dc.h (what the bindings see). The helper winograd.h stays
 * internal to core/layers/. */
#ifndef DC_LAYERS_H
#define DC_LAYERS_H

#include "avgpool2d.h"
#include "batchnorm.h"
#include "conv2d.h"
#include "conv2d_chain.h"
#include "conv2d_train.h"
#include "dropout.h"
#include "linear.h"
#include "maxpool2d.h"
#include "ntxent.h"
#include "scan_loss.h"
#include "mse_loss.h"
#include "relu.h"
#include "scratch.h"
#include "sobel.h"
#include "softmax_xent.h"
#include "swav_loss.h"

#endif
