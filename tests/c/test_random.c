/* Tests of core/ops/random.c: every fill against a one-element-at-a-time reference built
 * from dc_rng_block, thread-count independence (omp_set_num_threads 1 vs 2), strided
 * targets, statistics, counter accounting and argument errors. */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

#include "tiny_test.h"

/* Word i of a fill that starts at block `counter` of r's key. */
static uint32_t word(const dc_rng *r, uint64_t counter, int64_t i)
{
    uint32_t w[4];
    dc_rng_block(r, counter + (uint64_t)(i / 4), w);
    return w[i % 4];
}

static dc_tensor make(dc_dtype dt, int ndim, const int64_t *shape)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, dt, ndim, shape));
    return t;
}

static void test_uniform_matches_reference(void)
{
    int64_t shape[1] = {1001};
    dc_tensor t = make(DC_F32, 1, shape);
    dc_rng r;
    dc_rng_seed(&r, 5);
    dc_rng_u32(&r); /* a partly used single-draw block is skipped, not reused */
    dc_rng r0 = r;
    CHECK_OK(dc_rand_uniform(&t, -2, 3, &r));
    CHECK(r.counter == r0.counter + 251 && r.nbuf == 0);
    const float *v = dc_tensor_data(&t);
    int bad = 0;
    for (int64_t i = 0; i < 1001; i++) {
        float u = (float)(word(&r0, r0.counter, i) >> 8) / 16777216.0f;
        bad += v[i] != -2.0f + 5.0f * u;
        bad += !(v[i] >= -2.0f && v[i] < 3.0f);
    }
    CHECK(bad == 0);
    dc_tensor_release(&t);
}

static void test_normal_matches_box_muller(void)
{
    int64_t shape[1] = {1 << 20};
    dc_tensor t = make(DC_F32, 1, shape);
    dc_rng r;
    dc_rng_seed(&r, 11);
    CHECK_OK(dc_rand_normal(&t, 3, 2, &r));
    const float *v = dc_tensor_data(&t);
    dc_rng r0;
    dc_rng_seed(&r0, 11);
    for (int64_t i = 0; i < 64; i += 2) {
        double u1 = ((word(&r0, 0, i) >> 8) + 1.0) / 16777216.0;
        double u2 = (word(&r0, 0, i + 1) >> 8) / 16777216.0;
        double rad = sqrt(-2 * log(u1));
        CHECK_CLOSE(v[i], 3 + 2 * rad * cos(2 * M_PI * u2), 1e-6);
        CHECK_CLOSE(v[i + 1], 3 + 2 * rad * sin(2 * M_PI * u2), 1e-6);
    }
    double s = 0, s2 = 0;
    for (int64_t i = 0; i < shape[0]; i++) {
        s += v[i];
        s2 += (double)v[i] * v[i];
    }
    double mean = s / shape[0], var = s2 / shape[0] - mean * mean;
    CHECK_CLOSE(mean, 3, 0.01);
    CHECK_CLOSE(var, 4, 0.02);
    dc_tensor_release(&t);
}

/* The same fill with 1 and 2 OpenMP threads gives identical bytes, for every kind. */
static void test_thread_count_independent(void)
{
    int64_t shape[2] = {517, 389}; /* 201113 elements: parallel, ragged last chunk */
    dc_tensor a = make(DC_F32, 2, shape), b = make(DC_F32, 2, shape);
    dc_tensor ia = make(DC_I64, 2, shape), ib = make(DC_I64, 2, shape);
    int saved = omp_get_max_threads();
    for (int kind = 0; kind < 4; kind++) {
        dc_tensor *out[2] = {kind < 2 ? &a : &ia, kind < 2 ? &b : &ib};
        for (int k = 0; k < 2; k++) {
            omp_set_num_threads(k + 1);
            dc_rng r;
            dc_rng_seed(&r, 99);
            switch (kind) {
            case 0: CHECK_OK(dc_rand_uniform(out[k], 0, 1, &r)); break;
            case 1: CHECK_OK(dc_rand_normal(out[k], 0, 1, &r)); break;
            /* 3 * 2^30 values: about one word in four is rejected and retried */
            case 2: CHECK_OK(dc_rand_int(out[k], 0, 3 * ((int64_t)1 << 30) - 1, &r)); break;
            default: CHECK_OK(dc_rand_bernoulli(out[k], 0.25, &r)); break;
            }
        }
        CHECK(memcmp(dc_tensor_data(out[0]), dc_tensor_data(out[1]),
                     out[0]->storage->nbytes) == 0);
    }
    omp_set_num_threads(saved);
    dc_tensor_release(&a);
    dc_tensor_release(&b);
    dc_tensor_release(&ia);
    dc_tensor_release(&ib);
}

/* A strided target gets the values in its logical (row-major) order. */
static void test_strided_target(void)
{
    int64_t shape[2] = {300, 200}, tshape[2] = {200, 300};
    dc_tensor base = make(DC_F32, 2, shape), view = dc_tensor_empty();
    dc_tensor ref = make(DC_F32, 2, tshape);
    CHECK_OK(dc_tensor_transpose(&view, &base, 0, 1)); /* [200, 300], not contiguous */
    dc_rng r1, r2;
    dc_rng_seed(&r1, 4);
    dc_rng_seed(&r2, 4);
    CHECK_OK(dc_rand_uniform(&view, 0, 1, &r1));
    CHECK_OK(dc_rand_uniform(&ref, 0, 1, &r2));
    int bad = 0;
    for (int64_t i = 0; i < 200; i++)
        for (int64_t j = 0; j < 300; j++) {
            int64_t idx[2] = {i, j};
            bad += dc_tensor_get(&view, idx) != dc_tensor_get(&ref, idx);
        }
    CHECK(bad == 0);
    dc_tensor_release(&view);
    dc_tensor_release(&base);
    dc_tensor_release(&ref);
}

static void test_randint_range_and_frequencies(void)
{
    int64_t shape[1] = {80000};
    dc_tensor t = make(DC_I64, 1, shape);
    dc_rng r;
    dc_rng_seed(&r, 2);
    CHECK_OK(dc_rand_int(&t, -3, 4, &r));
    const int64_t *v = dc_tensor_data(&t);
    int counts[8] = {0}, out = 0;
    for (int64_t i = 0; i < shape[0]; i++) {
        if (v[i] < -3 || v[i] > 4) out++;
        else counts[v[i] + 3]++;
    }
    CHECK(out == 0);
    double chi2 = 0;
    for (int k = 0; k < 8; k++) chi2 += pow(counts[k] - 10000.0, 2) / 10000.0;
    CHECK(chi2 < 30); /* 7 degrees of freedom */

    /* reference: multiply-shift of the element's own word when it is not rejected */
    dc_rng r0;
    dc_rng_seed(&r0, 2);
    int mismatch = 0;
    for (int64_t i = 0; i < 1000; i++)
        mismatch += v[i] != -3 + (int64_t)((word(&r0, 0, i) * 8ull) >> 32);
    CHECK(mismatch == 0); /* 8 divides 2^32: nothing is ever rejected */

    CHECK_OK(dc_rand_int(&t, 7, 7, &r));
    CHECK(v[0] == 7 && v[79999] == 7);
    /* the full int64 range and a range over 2^32 take the 64-bit path */
    CHECK_OK(dc_rand_int(&t, INT64_MIN, INT64_MAX, &r));
    int neg = 0;
    for (int64_t i = 0; i < shape[0]; i++) neg += v[i] < 0;
    CHECK(neg > 39000 && neg < 41000);
    int64_t lo = -((int64_t)1 << 40), hi = ((int64_t)1 << 40) + 12345;
    CHECK_OK(dc_rand_int(&t, lo, hi, &r));
    for (int64_t i = 0; i < shape[0]; i++) out += v[i] < lo || v[i] > hi;
    CHECK(out == 0);
    dc_tensor_release(&t);

    dc_tensor b = make(DC_U8, 1, shape), f = make(DC_F32, 1, shape);
    CHECK_OK(dc_rand_int(&b, 250, 255, &r));
    CHECK_OK(dc_rand_int(&f, -1, 1, &r));
    const uint8_t *bv = dc_tensor_data(&b);
    const float *fv = dc_tensor_data(&f);
    for (int64_t i = 0; i < shape[0]; i++) {
        out += bv[i] < 250;
        out += fv[i] != -1 && fv[i] != 0 && fv[i] != 1;
    }
    CHECK(out == 0);
    CHECK_FAILS(dc_rand_int(&b, 0, 256, &r), DC_ERR_ARG, "does not fit uint8 [80000]");
    CHECK_FAILS(dc_rand_int(&f, 2, 1, &r), DC_ERR_ARG, "randint: empty range [2, 1]");
    dc_tensor_release(&b);
    dc_tensor_release(&f);
}

static void test_bernoulli(void)
{
    int64_t shape[1] = {100000};
    dc_tensor t = make(DC_U8, 1, shape), f = make(DC_F32, 1, shape);
    dc_rng r;
    dc_rng_seed(&r, 8);
    CHECK_OK(dc_rand_bernoulli(&t, 0.3, &r));
    const uint8_t *v = dc_tensor_data(&t);
    int64_t ones = 0, other = 0;
    for (int64_t i = 0; i < shape[0]; i++) {
        ones += v[i] == 1;
        other += v[i] > 1;
    }
    CHECK(other == 0);
    CHECK_CLOSE(ones / 1e5, 0.3, 0.01);
    CHECK_OK(dc_rand_bernoulli(&f, 1, &r));
    const float *fv = dc_tensor_data(&f);
    CHECK(fv[0] == 1 && fv[99999] == 1);
    CHECK_OK(dc_rand_bernoulli(&f, 0, &r));
    CHECK(fv[0] == 0 && fv[99999] == 0);
    CHECK_FAILS(dc_rand_bernoulli(&f, 1.5, &r), DC_ERR_ARG, "probability must be in [0, 1]");
    dc_tensor_release(&t);
    dc_tensor_release(&f);
}

static void test_randperm(void)
{
    dc_rng r;
    dc_rng_seed(&r, 1);
    dc_tensor p = dc_tensor_empty();
    CHECK_OK(dc_randperm(1000, 1, &r, &p));
    CHECK(p.dtype == DC_I64 && p.ndim == 1 && p.shape[0] == 1000);
    char seen[1001] = {0};
    const int64_t *v = dc_tensor_data(&p);
    int bad = 0, fixed = 0;
    for (int i = 0; i < 1000; i++) {
        if (v[i] < 1 || v[i] > 1000 || seen[v[i]]) bad++;
        else seen[v[i]] = 1;
        fixed += v[i] == i + 1;
    }
    CHECK(bad == 0 && fixed < 10);
    /* every permutation of 3 about equally often */
    int counts[27] = {0};
    for (int k = 0; k < 6000; k++) {
        dc_tensor q = dc_tensor_empty();
        CHECK_OK(dc_randperm(3, 0, &r, &q));
        const int64_t *w = dc_tensor_data(&q);
        counts[w[0] * 9 + w[1] * 3 + w[2]]++;
        dc_tensor_release(&q);
    }
    int nonzero = 0;
    for (int c = 0; c < 27; c++)
        if (counts[c]) {
            nonzero++;
            CHECK(counts[c] > 850 && counts[c] < 1150);
        }
    CHECK(nonzero == 6);
    dc_tensor e = dc_tensor_empty();
    CHECK_OK(dc_randperm(0, 1, &r, &e));
    CHECK(e.shape[0] == 0);
    CHECK_FAILS(dc_randperm(-1, 1, &r, &e), DC_ERR_ARG, "randperm: n must be >= 0, got -1");
    CHECK_FAILS(dc_randperm(5, 1, &r, &p), DC_ERR_SHAPE, "randperm: out is int64 [1000]");
    dc_tensor_release(&p);
    dc_tensor_release(&e);
}

static void test_fill_errors(void)
{
    dc_rng r;
    dc_rng_seed(&r, 1);
    int64_t shape[2] = {2, 3}, big[2] = {4, 3};
    dc_tensor i = make(DC_I64, 2, shape), f = make(DC_F32, 2, shape), e = dc_tensor_empty();
    CHECK_FAILS(dc_rand_uniform(&i, 0, 1, &r), DC_ERR_DTYPE,
                "uniform_: tensor must be float32, got int64 [2, 3]");
    CHECK_FAILS(dc_rand_normal(&i, 0, 1, &r), DC_ERR_DTYPE, "normal_: tensor must be float32");
    CHECK_FAILS(dc_rand_uniform(&f, 1, 0, &r), DC_ERR_ARG, "lo <= hi, got [1, 0)");
    CHECK_FAILS(dc_rand_uniform(&f, 0, INFINITY, &r), DC_ERR_ARG, "finite");
    CHECK_FAILS(dc_rand_normal(&f, 0, -1, &r), DC_ERR_ARG, "std -1");
    CHECK_FAILS(dc_rand_normal(&e, 0, 1, &r), DC_ERR_STATE, "released");
    dc_tensor row = dc_tensor_empty(), wide = dc_tensor_empty();
    CHECK_OK(dc_tensor_narrow(&row, &f, 0, 0, 1));
    CHECK_OK(dc_tensor_expand(&wide, &row, 2, big));
    uint64_t before = r.counter;
    CHECK_FAILS(dc_rand_uniform(&wide, 0, 1, &r), DC_ERR_ARG, "dimension 1 has stride 0");
    CHECK(r.counter == before); /* a refused fill draws nothing */
    dc_tensor_release(&i);
    dc_tensor_release(&f);
    dc_tensor_release(&e);
    dc_tensor_release(&row);
    dc_tensor_release(&wide);
}

int main(void)
{
    RUN_TEST(test_uniform_matches_reference);
    RUN_TEST(test_normal_matches_box_muller);
    RUN_TEST(test_thread_count_independent);
    RUN_TEST(test_strided_target);
    RUN_TEST(test_randint_range_and_frequencies);
    RUN_TEST(test_bernoulli);
    RUN_TEST(test_randperm);
    RUN_TEST(test_fill_errors);
    return TEST_SUMMARY();
}
