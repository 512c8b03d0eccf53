/* dc_rng: a counter-based random generator (Philox4x32-10), seeded and splittable.
 *
 * Why counter-based: value i of a fill depends only on (key, counter + i/4), so a tensor
 * filled by 1 or 2 threads holds the same numbers, and a data-loader sample i of epoch e
 * can draw from its own stream dc_rng_for(seed, e, i) on whatever thread runs it.
 * Same seed, same numbers, on every machine (no libm in the integer path). */
#ifndef DC_RNG_H
#define DC_RNG_H

#include <stdint.h>

typedef struct dc_rng {
    uint64_t key;      /* from the seed (and stream ids) */
    uint64_t counter;  /* next Philox block */
    uint32_t buf[4];   /* the current block's unused outputs, for single draws */
    int nbuf;          /* how many of buf are left */
} dc_rng;

/* The Philox4x32-10 bijection: out = philox(ctr, key) (Salmon et al., SC'11; Random123). */
void dc_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
/* Block `block` of r's stream (r is not advanced): the 4 words a fill uses for elements
 * 4 * (block - r->counter) ... */
void dc_rng_block(const dc_rng *r, uint64_t block, uint32_t out[4]);
/* Blocks first .. first + n - 1 of r's stream (r is not advanced) into out[4 * i + k],
 * n <= DC_RNG_BATCH: the same words as n calls of dc_rng_block, about 5x faster (the
 * rounds run on all n counters at once, in SIMD lanes). */
#define DC_RNG_BATCH 64
void dc_rng_blocks(const dc_rng *r, uint64_t first, int n, uint32_t *out);
/* Extra words for element lane (0..3) of block, attempt k = 0, 1, ...: a side stream that
 * never meets the main one, for rejection sampling inside fills without shifting counters. */
uint32_t dc_rng_aux(const dc_rng *r, uint64_t block, uint32_t k, int lane);

void dc_rng_seed(dc_rng *r, uint64_t seed);
/* An independent stream derived from r and stream (r itself is not advanced): a generator
 * for the data loader, another for dropout, ... */
dc_rng dc_rng_split(const dc_rng *r, uint64_t stream);
/* The stream for (seed, a, b), e.g. (run seed, epoch, sample index). */
dc_rng dc_rng_for(uint64_t seed, uint64_t a, uint64_t b);

uint32_t dc_rng_u32(dc_rng *r);
uint64_t dc_rng_u64(dc_rng *r);
double dc_rng_uniform(dc_rng *r);          /* [0, 1), 53 bits */
double dc_rng_normal(dc_rng *r);           /* N(0, 1) */
uint64_t dc_rng_below(dc_rng *r, uint64_t n); /* uniform in [0, n), unbiased; n = 0: 2^64 */

/* Tensor fills from a dc_rng: core/ops/random.h. */

#endif
