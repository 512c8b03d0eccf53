/* Tests of core/rng.c: Philox4x32-10 against the Random123 known-answer vectors, streams,
 * splitting and the single-draw helpers against their definitions and expected statistics. */
#include <stdint.h>

#include "tiny_test.h"

/* Random123 kat_vectors, "philox4x32 10" lines: counter[4] key[2] -> output[4] */
static void test_philox_known_answers(void)
{
    static const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int v = 0; v < 3; v++) {
        uint32_t out[4];
        dc_philox4x32(kat[v], kat[v] + 4, out);
        for (int k = 0; k < 4; k++) CHECK(out[k] == kat[v][6 + k]);
    }
}

/* A generator's draws are its blocks 0, 1, ... word by word, keyed by the seed. */
static void test_draws_follow_the_counter(void)
{
    dc_rng r;
    dc_rng_seed(&r, 0xa4093822299f31d0ull);
    uint32_t expect[8];
    for (int b = 0; b < 2; b++) {
        uint32_t ctr[4] = {(uint32_t)b, 0, 0, 0}, key[2] = {0x299f31d0, 0xa4093822};
        dc_philox4x32(ctr, key, expect + 4 * b);
    }
    for (int i = 0; i < 8; i++) CHECK(dc_rng_u32(&r) == expect[i]);
    CHECK(r.counter == 2);
    uint32_t w[4];
    dc_rng_block(&r, 1, w);
    CHECK(w[0] == expect[4] && w[3] == expect[7]);

    dc_rng a, b;
    dc_rng_seed(&a, 7);
    dc_rng_seed(&b, 7);
    uint64_t x = dc_rng_u64(&a);
    CHECK(x == ((uint64_t)dc_rng_u32(&b) << 32 | dc_rng_u32(&b)));
    dc_rng_seed(&b, 8);
    CHECK(dc_rng_u64(&b) != x);
}

/* The batched form gives the words of dc_rng_block, across the 2^32 carry too. */
static void test_batched_blocks(void)
{
    dc_rng r;
    dc_rng_seed(&r, 0x0123456789abcdefull);
    const uint64_t firsts[3] = {0, 0xfffffff0ull, 1ull << 40};
    const int sizes[3] = {1, 17, DC_RNG_BATCH};
    uint32_t out[DC_RNG_BATCH * 4], ref[4];
    int bad = 0;
    for (int f = 0; f < 3; f++)
        for (int s = 0; s < 3; s++) {
            dc_rng_blocks(&r, firsts[f], sizes[s], out);
            for (int i = 0; i < sizes[s]; i++) {
                dc_rng_block(&r, firsts[f] + (uint64_t)i, ref);
                for (int k = 0; k < 4; k++) bad += out[4 * i + k] != ref[k];
            }
        }
    CHECK(bad == 0);
    CHECK(r.counter == 0);
}

static void test_split_streams(void)
{
    dc_rng r;
    dc_rng_seed(&r, 42);
    dc_rng_u32(&r);
    dc_rng before = r;
    dc_rng s1 = dc_rng_split(&r, 1), s1b = dc_rng_split(&r, 1), s2 = dc_rng_split(&r, 2);
    CHECK(memcmp(&before, &r, sizeof r) == 0); /* the parent is not advanced */
    CHECK(s1.key == s1b.key && s1.counter == 0 && s1.nbuf == 0);
    CHECK(s1.key != s2.key && s1.key != r.key && s2.key != r.key);
    /* split depends on the key only, not on how far the parent has drawn */
    dc_rng fresh;
    dc_rng_seed(&fresh, 42);
    CHECK(dc_rng_split(&fresh, 1).key == s1.key);
    /* dc_rng_for is two splits */
    dc_rng f = dc_rng_for(42, 3, 5), a = dc_rng_split(&fresh, 3), ab = dc_rng_split(&a, 5);
    CHECK(f.key == ab.key);
    CHECK(dc_rng_for(42, 3, 5).key != dc_rng_for(42, 5, 3).key);
    CHECK(dc_rng_for(42, 3, 5).key != dc_rng_for(43, 3, 5).key);
    /* child streams are not copies of each other */
    int same = 0;
    for (int i = 0; i < 64; i++) same += dc_rng_u32(&s1) == dc_rng_u32(&s2);
    CHECK(same < 4);
}

static void test_uniform_and_normal_moments(void)
{
    dc_rng r;
    dc_rng_seed(&r, 1);
    const int n = 200000;
    double su = 0, sn = 0, sn2 = 0, umin = 1, umax = 0;
    for (int i = 0; i < n; i++) {
        double u = dc_rng_uniform(&r);
        su += u;
        umin = fmin(umin, u);
        umax = fmax(umax, u);
        double z = dc_rng_normal(&r);
        sn += z;
        sn2 += z * z;
    }
    CHECK(umin >= 0 && umax < 1);
    CHECK_CLOSE(su / n, 0.5, 0.005);           /* sd of the mean: 0.0006 */
    CHECK_CLOSE(sn / n, 0.0, 0.01);            /* sd 0.0022 */
    CHECK_CLOSE(sn2 / n - pow(sn / n, 2), 1.0, 0.02);

    /* dc_rng_uniform is the top 53 bits of dc_rng_u64 */
    dc_rng a, b;
    dc_rng_seed(&a, 9);
    dc_rng_seed(&b, 9);
    CHECK(dc_rng_uniform(&a) == (double)(dc_rng_u64(&b) >> 11) / 9007199254740992.0);
}

static void test_below_is_uniform(void)
{
    dc_rng r;
    dc_rng_seed(&r, 3);
    int counts[6] = {0};
    const int n = 60000;
    for (int i = 0; i < n; i++) {
        uint64_t v = dc_rng_below(&r, 6);
        CHECK(v < 6);
        if (v < 6) counts[v]++;
    }
    double chi2 = 0;
    for (int k = 0; k < 6; k++) chi2 += pow(counts[k] - n / 6.0, 2) / (n / 6.0);
    CHECK(chi2 < 25); /* 5 degrees of freedom: p < 0.0002 */
    CHECK(dc_rng_below(&r, 1) == 0);
    /* a bound just above 2^63 rejects about half the draws; results stay below it */
    uint64_t big = ((uint64_t)1 << 63) + 1;
    for (int i = 0; i < 100; i++) CHECK(dc_rng_below(&r, big) < big);
    dc_rng_below(&r, 0); /* 2^64: any value, must not divide by zero */
}

int main(void)
{
    RUN_TEST(test_philox_known_answers);
    RUN_TEST(test_draws_follow_the_counter);
    RUN_TEST(test_batched_blocks);
    RUN_TEST(test_split_streams);
    RUN_TEST(test_uniform_and_normal_moments);
    RUN_TEST(test_below_is_uniform);
    return TEST_SUMMARY();
}
