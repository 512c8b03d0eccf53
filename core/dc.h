/* dclab engine: the umbrella header (the only core header bindings include). */
#ifndef DC_H
#define DC_H

#include "status.h"
#include "tensor.h"
#include "ops/elementwise.h"
#include "ops/create.h"
#include "ops/index.h"
#include "ops/sort.h"
#include "sys.h"
#include "cpu.h"
#include "rng.h"
#include "ops/random.h"
#include "io/npy.h"
#include "io/archive.h"
#include "tensor_print.h"
#include "ops/reduce.h"
#include "ops/blas.h"
#include "parallel.h"
#include "file.h"
#include "data/idx.h"
#include "data/loader.h"
#include "cluster/cluster.h"
#include "layers/layers.h"
#include "optim/sgd.h"
#include "optim/adam.h"

#endif
