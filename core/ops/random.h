/* Random tensor fills from a dc_rng (core/rng.h).
 *
 * Fills accept any layout except expanded views, which are refused; float32 unless stated.
 * They are parallel and thread-count independent: element i in row-major order comes from
 * block r->counter + i / 4. Each consumes ceil(numel / 4) counter blocks of r (single-draw
 * buffer discarded). DC_ERR_DTYPE / DC_ERR_ARG / DC_ERR_STATE on a bad tensor or bounds. */
#ifndef DC_RANDOM_H
#define DC_RANDOM_H

#include "../rng.h"
#include "../tensor.h"

dc_status dc_rand_uniform(dc_tensor *t, double lo, double hi, dc_rng *r);
dc_status dc_rand_normal(dc_tensor *t, double mean, double std, dc_rng *r);
/* integers uniform in [lo, hi] inclusive (int64 or float32 tensor) */
dc_status dc_rand_int(dc_tensor *t, int64_t lo, int64_t hi, dc_rng *r);
/* 1 with probability p, else 0 (any dtype) */
dc_status dc_rand_bernoulli(dc_tensor *t, double p, dc_rng *r);
/* out = a random permutation of base .. base + n - 1 (int64 [n]); Fisher-Yates */
dc_status dc_randperm(int64_t n, int64_t base, dc_rng *r, dc_tensor *out);

#endif
