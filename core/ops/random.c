/* Random tensor fills over the Philox counter space (see random.h).
 *
 * Element i of a fill (i in row-major order of the tensor's shape, whatever its strides)
 * depends only on the generator key and block r->counter + i / 4, so the work is cut into
 * chunks of blocks shared among OpenMP threads and the result does not depend on how many
 * threads run. A rejected integer draw retries from the aux side stream of its own block,
 * which keeps the counter advance fixed at ceil(numel / 4). */
#include "random.h"

#include <float.h>
#include <math.h>

#include "iter.h"

typedef enum fill_kind { FILL_UNIFORM, FILL_NORMAL, FILL_INT, FILL_BERNOULLI } fill_kind;

typedef struct fill_job {
    fill_kind kind;
    const dc_rng *rng;   /* key, and counter = block of element 0 */
    dc_tensor *t;
    int64_t numel;
    float lo, hi;        /* FILL_UNIFORM: [lo, hi) */
    double mean, std;    /* FILL_NORMAL */
    int64_t ilo;         /* FILL_INT: lo + [0, range) */
    uint64_t range;      /* hi - lo + 1; 0 stands for 2^64 */
    uint64_t threshold;  /* FILL_BERNOULLI: word < threshold gives 1 */
} fill_job;

#define CHUNK_BLOCKS 256 /* 1024 elements: one chunk of work and its value buffer */

/* ---- generation: 4 values from one block ---- */

static void gen_uniform(const fill_job *j, const uint32_t *w, float *v)
{
    float span = j->hi - j->lo;
    for (int k = 0; k < 4; k++) {
        float x = j->lo + span * ((float)(w[k] >> 8) * 0x1p-24f);
        /* rounding of lo + span * u may reach hi; [lo, hi) is the contract */
        v[k] = (x < j->hi || !(span > 0)) ? x : nextafterf(j->hi, j->lo);
    }
}

static void gen_normal(const fill_job *j, const uint32_t *w, float *v)
{
    for (int k = 0; k < 4; k += 2) {
        /* Box-Muller on 24-bit uniforms, in float (the outputs are float32, and it is 1.4x
         * faster than double); u1 in (0, 1] keeps the log finite and bounds |z| by 5.8 */
        float u1 = ((float)(w[k] >> 8) + 1.0f) * 0x1p-24f, u2 = (float)(w[k + 1] >> 8) * 0x1p-24f;
        float rad = sqrtf(-2.0f * logf(u1)), th = 2.0f * (float)M_PI * u2;
        v[k] = (float)(j->mean + j->std * (double)(rad * cosf(th)));
        v[k + 1] = (float)(j->mean + j->std * (double)(rad * sinf(th)));
    }
}

static int64_t draw_int(const fill_job *j, uint32_t w, uint64_t block, int lane)
{
    uint64_t range = j->range;
    if (range != 0 && range <= ((uint64_t)1 << 32)) {
        /* Lemire's multiply-shift with rejection (unbiased) */
        uint64_t m = (uint64_t)w * range;
        uint32_t t = (uint32_t)((((uint64_t)1 << 32) - range) % range);
        for (uint32_t k = 0; (uint32_t)m < t; k++)
            m = (uint64_t)dc_rng_aux(j->rng, block, k, lane) * range;
        return (int64_t)((uint64_t)j->ilo + (m >> 32));
    }
    uint64_t x = (uint64_t)w << 32 | dc_rng_aux(j->rng, block, 0, lane);
    if (range == 0) return (int64_t)((uint64_t)j->ilo + x);
    uint64_t t = (0 - range) % range;
    for (uint32_t k = 1; x < t; k += 2)
        x = (uint64_t)dc_rng_aux(j->rng, block, k, lane) << 32 |
            dc_rng_aux(j->rng, block, k + 1, lane);
    return (int64_t)((uint64_t)j->ilo + x % range);
}

/* ---- storing values in logical order ---- */

/* Element offset of logical element i of t, and its multi-index in idx. */
static int64_t locate(const dc_tensor *t, int64_t i, int64_t *idx)
{
    int64_t off = t->offset;
    for (int d = t->ndim - 1; d >= 0; d--) {
        idx[d] = i % t->shape[d];
        i /= t->shape[d];
        off += idx[d] * t->stride[d];
    }
    return off;
}

/* Steps idx to the next element in row-major order; returns the offset change. */
static int64_t advance(const dc_tensor *t, int64_t *idx)
{
    int64_t delta = 0;
    for (int d = t->ndim - 1; d >= 0; d--) {
        delta += t->stride[d];
        if (++idx[d] < t->shape[d]) return delta;
        delta -= t->stride[d] * t->shape[d];
        idx[d] = 0;
    }
    return delta;
}

#define STORE_LOOP(T, SRC)                                                                     \
    do {                                                                                       \
        T *base = (T *)t->storage->data;                                                       \
        if (contig) {                                                                          \
            for (int64_t k = 0; k < n; k++) base[off + k] = (T)(SRC)[k];                       \
        } else {                                                                               \
            for (int64_t k = 0; k < n; k++) {                                                  \
                base[off] = (T)(SRC)[k];                                                       \
                off += advance(t, idx);                                                        \
            }                                                                                  \
        }                                                                                      \
    } while (0)

static void store(const dc_tensor *t, int64_t start, int64_t n, const float *fv,
                  const int64_t *iv)
{
    int64_t idx[DC_MAX_DIMS];
    bool contig = dc_tensor_is_contiguous(t);
    int64_t off = contig ? t->offset + start : locate(t, start, idx);
    if (fv) {
        STORE_LOOP(float, fv); /* float fills take float32 tensors only */
        return;
    }
    switch (t->dtype) {
    case DC_F32: STORE_LOOP(float, iv); break;
    case DC_I64: STORE_LOOP(int64_t, iv); break;
    default: STORE_LOOP(uint8_t, iv); break;
    }
}

/* ---- the parallel driver ---- */

static void fill_chunk(const fill_job *j, int64_t c)
{
    float fv[CHUNK_BLOCKS * 4];
    int64_t iv[CHUNK_BLOCKS * 4];
    int64_t first = c * CHUNK_BLOCKS * 4;
    int64_t n = j->numel - first < CHUNK_BLOCKS * 4 ? j->numel - first : CHUNK_BLOCKS * 4;
    int64_t nblocks = (n + 3) / 4;
    uint32_t words[DC_RNG_BATCH * 4];
    for (int64_t b = 0; b < nblocks; b++) {
        uint64_t block = j->rng->counter + (uint64_t)(c * CHUNK_BLOCKS + b);
        if (b % DC_RNG_BATCH == 0) {
            int64_t batch = nblocks - b < DC_RNG_BATCH ? nblocks - b : DC_RNG_BATCH;
            dc_rng_blocks(j->rng, block, (int)batch, words);
        }
        const uint32_t *w = words + 4 * (b % DC_RNG_BATCH);
        switch (j->kind) {
        case FILL_UNIFORM: gen_uniform(j, w, fv + 4 * b); break;
        case FILL_NORMAL: gen_normal(j, w, fv + 4 * b); break;
        case FILL_INT:
            for (int k = 0; k < 4; k++) iv[4 * b + k] = draw_int(j, w[k], block, k);
            break;
        case FILL_BERNOULLI:
            for (int k = 0; k < 4; k++) iv[4 * b + k] = w[k] < j->threshold;
            break;
        }
    }
    bool floats = j->kind == FILL_UNIFORM || j->kind == FILL_NORMAL;
    store(j->t, first, n, floats ? fv : NULL, floats ? NULL : iv);
}

/* Checks t can be filled element by element; op names the fill in messages. */
static dc_status check_target(const dc_tensor *t, const char *op, bool float_only)
{
    DC_TRY(dc_tensor_check(t, op));
    char b[128];
    if (float_only && t->dtype != DC_F32)
        return dc_fail(DC_ERR_DTYPE, "%s: tensor must be float32, got %s", op,
                       dc_tensor_describe(t, b, sizeof b));
    for (int d = 0; d < t->ndim; d++)
        if (t->stride[d] == 0 && t->shape[d] > 1)
            return dc_fail(DC_ERR_ARG,
                           "%s: tensor %s is expanded (dimension %d has stride 0): its elements "
                           "share memory (hint: fill a contiguous tensor)",
                           op, dc_tensor_describe(t, b, sizeof b), d + 1);
    return DC_OK;
}

static void run_fill(fill_job *j, dc_tensor *t, dc_rng *r)
{
    j->rng = r;
    j->t = t;
    j->numel = dc_tensor_numel(t);
    int64_t nchunks = (j->numel + CHUNK_BLOCKS * 4 - 1) / (CHUNK_BLOCKS * 4);
#pragma omp parallel for schedule(static) if (j->numel >= DC_PARALLEL_MIN)
    for (int64_t c = 0; c < nchunks; c++) fill_chunk(j, c);
    r->counter += (uint64_t)(j->numel + 3) / 4;
    r->nbuf = 0;
}

/* ---- public fills ---- */

dc_status dc_rand_uniform(dc_tensor *t, double lo, double hi, dc_rng *r)
{
    DC_TRY(check_target(t, "uniform_", true));
    DC_CHECK(fabs(lo) <= FLT_MAX && fabs(hi) <= FLT_MAX && lo <= hi, DC_ERR_ARG,
             "uniform_: bounds must be finite float32 values with lo <= hi, got [%g, %g)", lo,
             hi);
    fill_job j = {.kind = FILL_UNIFORM, .lo = (float)lo, .hi = (float)hi};
    run_fill(&j, t, r);
    return DC_OK;
}

dc_status dc_rand_normal(dc_tensor *t, double mean, double std, dc_rng *r)
{
    DC_TRY(check_target(t, "normal_", true));
    DC_CHECK(isfinite(mean) && isfinite(std) && std >= 0, DC_ERR_ARG,
             "normal_: mean must be finite and std finite and >= 0, got mean %g, std %g", mean,
             std);
    fill_job j = {.kind = FILL_NORMAL, .mean = mean, .std = std};
    run_fill(&j, t, r);
    return DC_OK;
}

dc_status dc_rand_int(dc_tensor *t, int64_t lo, int64_t hi, dc_rng *r)
{
    DC_TRY(check_target(t, "randint", false));
    DC_CHECK(lo <= hi, DC_ERR_ARG, "randint: empty range [%lld, %lld] (lo > hi)",
             (long long)lo, (long long)hi);
    if (t->dtype == DC_U8) {
        char b[128];
        DC_CHECK(lo >= 0 && hi <= 255, DC_ERR_ARG,
                 "randint: range [%lld, %lld] does not fit %s (0..255)", (long long)lo,
                 (long long)hi, dc_tensor_describe(t, b, sizeof b));
    }
    fill_job j = {.kind = FILL_INT, .ilo = lo, .range = (uint64_t)hi - (uint64_t)lo + 1};
    run_fill(&j, t, r);
    return DC_OK;
}

dc_status dc_rand_bernoulli(dc_tensor *t, double p, dc_rng *r)
{
    DC_TRY(check_target(t, "bernoulli", false));
    DC_CHECK(p >= 0 && p <= 1, DC_ERR_ARG, "bernoulli: probability must be in [0, 1], got %g",
             p);
    fill_job j = {.kind = FILL_BERNOULLI, .threshold = (uint64_t)llround(p * 0x1p32)};
    run_fill(&j, t, r);
    return DC_OK;
}

dc_status dc_randperm(int64_t n, int64_t base, dc_rng *r, dc_tensor *out)
{
    DC_CHECK(n >= 0, DC_ERR_ARG, "randperm: n must be >= 0, got %lld", (long long)n);
    DC_TRY(dc_tensor_ensure(out, DC_I64, 1, &n, "randperm: out"));
    int64_t *o = dc_tensor_data(out), s = out->stride[0];
    for (int64_t i = 0; i < n; i++) o[i * s] = base + i;
    for (int64_t i = n - 1; i > 0; i--) { /* Fisher-Yates: o[i] from the first i + 1 */
        int64_t k = (int64_t)dc_rng_below(r, (uint64_t)i + 1);
        int64_t tmp = o[i * s];
        o[i * s] = o[k * s];
        o[k * s] = tmp;
    }
    return DC_OK;
}
