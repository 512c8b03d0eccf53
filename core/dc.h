/* dclab engine: the umbrella header (the only core header bindings include). */
#ifndef DC_H
#define DC_H

#include "status.h"
#include "tensor.h"
#include "ops/elementwise.h"
#include "ops/create.h"
#include "sys.h"
#include "cluster/cluster.h"

#endif
