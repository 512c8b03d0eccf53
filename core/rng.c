/* dc_rng: Philox4x32-10 and the single-draw helpers (the tensor fills are in ops/random.c).
 *
 * Counter layout of the 128-bit Philox input, so that the three uses never share a block:
 *   draws      {counter lo, counter hi, 0,       0}
 *   aux words  {block lo,   block hi,   attempt, AUX_TAG}   (rejection retries in fills)
 *   splitting  {stream lo,  stream hi,  0,       SPLIT_TAG} (key of a child stream)
 * The 64-bit key is the seed itself for a root generator: Philox keys need no mixing (each
 * key gives an independent bijection of the counter space). */
#include "rng.h"

#include <math.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u /* golden ratio */
#define PHILOX_W1 0xBB67AE85u /* sqrt(3) - 1 */

#define AUX_TAG 0x61757821u   /* "aux!" */
#define SPLIT_TAG 0x73706c74u /* "splt" */

void dc_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M0 * c0, p1 = (uint64_t)PHILOX_M1 * c2;
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
        uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
        k0 += PHILOX_W0; /* the key schedule: bumped between rounds */
        k1 += PHILOX_W1;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

static void philox_at(uint64_t key, uint64_t lo64, uint32_t w2, uint32_t w3, uint32_t out[4])
{
    uint32_t c[4] = {(uint32_t)lo64, (uint32_t)(lo64 >> 32), w2, w3};
    uint32_t k[2] = {(uint32_t)key, (uint32_t)(key >> 32)};
    dc_philox4x32(c, k, out);
}

void dc_rng_block(const dc_rng *r, uint64_t block, uint32_t out[4])
{
    philox_at(r->key, block, 0, 0, out);
}

void dc_rng_blocks(const dc_rng *r, uint64_t first, int n, uint32_t *out)
{
    /* dc_philox4x32 with the counters in separate arrays (structure of arrays), so the
     * compiler turns the inner loop into vector multiplies */
    uint32_t c0[DC_RNG_BATCH], c1[DC_RNG_BATCH], c2[DC_RNG_BATCH], c3[DC_RNG_BATCH];
    for (int i = 0; i < n; i++) {
        uint64_t b = first + (uint64_t)i;
        c0[i] = (uint32_t)b;
        c1[i] = (uint32_t)(b >> 32);
        c2[i] = c3[i] = 0;
    }
    uint32_t k0 = (uint32_t)r->key, k1 = (uint32_t)(r->key >> 32);
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < n; i++) {
            uint64_t p0 = (uint64_t)PHILOX_M0 * c0[i], p1 = (uint64_t)PHILOX_M1 * c2[i];
            uint32_t x0 = (uint32_t)(p1 >> 32) ^ c1[i] ^ k0;
            uint32_t x2 = (uint32_t)(p0 >> 32) ^ c3[i] ^ k1;
            c1[i] = (uint32_t)p1;
            c3[i] = (uint32_t)p0;
            c0[i] = x0;
            c2[i] = x2;
        }
        k0 += PHILOX_W0;
        k1 += PHILOX_W1;
    }
    for (int i = 0; i < n; i++) {
        out[4 * i] = c0[i];
        out[4 * i + 1] = c1[i];
        out[4 * i + 2] = c2[i];
        out[4 * i + 3] = c3[i];
    }
}

uint32_t dc_rng_aux(const dc_rng *r, uint64_t block, uint32_t k, int lane)
{
    uint32_t w[4];
    philox_at(r->key, block, k, AUX_TAG, w);
    return w[lane & 3];
}

/* ---- streams ---- */

void dc_rng_seed(dc_rng *r, uint64_t seed)
{
    r->key = seed;
    r->counter = 0;
    r->nbuf = 0;
    for (int i = 0; i < 4; i++) r->buf[i] = 0;
}

dc_rng dc_rng_split(const dc_rng *r, uint64_t stream)
{
    uint32_t w[4];
    philox_at(r->key, stream, 0, SPLIT_TAG, w);
    dc_rng c;
    dc_rng_seed(&c, (uint64_t)w[0] | (uint64_t)w[1] << 32);
    return c;
}

dc_rng dc_rng_for(uint64_t seed, uint64_t a, uint64_t b)
{
    dc_rng r;
    dc_rng_seed(&r, seed);
    dc_rng ra = dc_rng_split(&r, a);
    return dc_rng_split(&ra, b);
}

/* ---- single draws ---- */

uint32_t dc_rng_u32(dc_rng *r)
{
    if (r->nbuf == 0) {
        dc_rng_block(r, r->counter++, r->buf);
        r->nbuf = 4;
    }
    return r->buf[4 - r->nbuf--];
}

uint64_t dc_rng_u64(dc_rng *r)
{
    uint64_t hi = dc_rng_u32(r);
    return hi << 32 | dc_rng_u32(r);
}

double dc_rng_uniform(dc_rng *r) { return (double)(dc_rng_u64(r) >> 11) * 0x1p-53; }

double dc_rng_normal(dc_rng *r)
{
    /* Box-Muller; u1 in (0, 1] keeps the log finite. The second value of the pair is
     * dropped: a single draw must not leave state outside dc_rng. */
    double u1 = 1.0 - dc_rng_uniform(r), u2 = dc_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t dc_rng_below(dc_rng *r, uint64_t n)
{
    /* Rejection of the low 2^64 mod n values leaves a whole number of copies of [0, n).
     * n == 0 stands for 2^64: every value. */
    if (n == 0) return dc_rng_u64(r);
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = dc_rng_u64(r);
        if (x >= threshold) return x % n;
    }
}
