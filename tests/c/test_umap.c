/* core/cluster/umap.c and dc_knn_search: the curve parameters against umap-learn's values,
 * the membership weights' defining sums, the kNN search against brute force, the layout of
 * three distant blobs (kept apart, reproducible under a seed), and the errors. */
#include <stdlib.h>

#include "tiny_test.h"

static unsigned lcg(unsigned *s) { return (*s = *s * 1103515245u + 12345u) >> 8; }
static double unif(unsigned *s) { return ((lcg(s) & 0xffffff) + 0.5) / 16777216.0; }
static double gauss(unsigned *s)
{
    return sqrt(-2 * log(unif(s))) * cos(6.283185307179586 * unif(s));
}

/* 3 blobs of m points in d dims, blob c centred at 6 along axis c */
static dc_tensor blobs(int64_t m, int64_t d, unsigned seed)
{
    dc_tensor t = dc_tensor_empty();
    int64_t shape[2] = {3 * m, d};
    dc_tensor_alloc(&t, DC_F32, 2, shape);
    float *x = dc_tensor_data(&t);
    for (int64_t i = 0; i < 3 * m; i++)
        for (int64_t j = 0; j < d; j++) x[i * d + j] = (float)((j == i / m ? 6 : 0) + gauss(&seed));
    return t;
}

static double sq(const float *a, const float *b, int64_t d)
{
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    return s;
}

static void test_find_ab_matches_umap_learn(void)
{
    double a, b;
    /* umap-learn find_ab_params (scipy curve_fit): (0.1, 1) -> 1.577, 0.8951;
     * (0.0, 1) -> 1.929, 0.7915 */
    CHECK_OK(dc_umap_find_ab(0.1, 1.0, &a, &b));
    CHECK_CLOSE(a, 1.577, 0.01);
    CHECK_CLOSE(b, 0.8951, 0.01);
    CHECK_OK(dc_umap_find_ab(0.0, 1.0, &a, &b));
    CHECK_CLOSE(a, 1.929, 0.01);
    CHECK_CLOSE(b, 0.7915, 0.01);
    CHECK_FAILS(dc_umap_find_ab(0.1, 0.0, &a, &b), DC_ERR_ARG, "spread > 0");
}

static void test_weights_sum_to_log2k(void)
{
    dc_tensor x = blobs(50, 5, 3), ids = dc_tensor_empty(), dist = dc_tensor_empty();
    dc_tensor w = dc_tensor_empty();
    CHECK_OK(dc_knn_graph(&x, 8, &ids, &dist));
    CHECK_OK(dc_umap_weights(&dist, &w));
    const float *wp = dc_tensor_data(&w);
    for (int64_t i = 0; i < 150; i++) {
        double s = 0;
        for (int j = 0; j < 8; j++) {
            s += wp[i * 8 + j];
            CHECK(wp[i * 8 + j] > 0 && wp[i * 8 + j] <= 1);
            if (j) CHECK(wp[i * 8 + j] <= wp[i * 8 + j - 1]);
        }
        CHECK(wp[i * 8] == 1.0f); /* the nearest is at rho */
        CHECK_CLOSE(s, 3.0, 1e-3);
    }
    float *dp = dc_tensor_data(&dist);
    dp[3] = -1;
    CHECK_FAILS(dc_umap_weights(&dist, &w), DC_ERR_ARG,
                "negative or non-finite value at 0-based row 0");
    dc_tensor_release(&x);
    dc_tensor_release(&ids);
    dc_tensor_release(&dist);
    dc_tensor_release(&w);
}

static void test_knn_search_is_exact(void)
{
    dc_tensor base = blobs(40, 4, 5), q = blobs(10, 4, 9);
    dc_tensor ids = dc_tensor_empty(), dist = dc_tensor_empty();
    CHECK_OK(dc_knn_search(&base, &q, 5, &ids, &dist));
    const float *bp = dc_tensor_data(&base), *qp = dc_tensor_data(&q);
    const int64_t *ip = dc_tensor_data(&ids);
    const float *dp = dc_tensor_data(&dist);
    for (int64_t i = 0; i < 30; i++) {
        /* brute force: the 5th smallest distance bounds everything outside the list */
        double kth = dp[i * 5 + 4];
        for (int j = 0; j < 5; j++)
            CHECK_CLOSE(dp[i * 5 + j], sq(qp + i * 4, bp + ip[i * 5 + j] * 4, 4), 1e-4);
        int64_t nearer = 0;
        for (int64_t r = 0; r < 120; r++) nearer += sq(qp + i * 4, bp + r * 4, 4) < kth - 1e-4;
        CHECK(nearer <= 4);
    }
    CHECK_FAILS(dc_knn_search(&q, &base, 31, &ids, &dist), DC_ERR_ARG, "1 <= k <= rows of base");
    dc_tensor_release(&base);
    dc_tensor_release(&q);
    dc_tensor_release(&ids);
    dc_tensor_release(&dist);
}

/* Lays out 3 blobs of 60 points in 2-d from a random start with rng seed s into y. */
static void layout(unsigned s, dc_tensor *y)
{
    dc_tensor x = blobs(60, 8, 11), ids = dc_tensor_empty(), dist = dc_tensor_empty();
    dc_tensor w = dc_tensor_empty();
    CHECK_OK(dc_knn_graph(&x, 10, &ids, &dist));
    CHECK_OK(dc_umap_weights(&dist, &w));
    int64_t shape[2] = {180, 2};
    dc_tensor_alloc(y, DC_F32, 2, shape);
    dc_rng r;
    dc_rng_seed(&r, 42);
    CHECK_OK(dc_rand_uniform(y, 0, 10, &r));
    dc_rng_seed(&r, s);
    dc_umap_cfg cfg;
    dc_umap_cfg_init(&cfg);
    CHECK_OK(dc_umap_layout(&cfg, &ids, &w, y, &r));
    dc_tensor_release(&x);
    dc_tensor_release(&ids);
    dc_tensor_release(&dist);
    dc_tensor_release(&w);
}

static void test_layout_keeps_blobs_apart(void)
{
    dc_tensor y = dc_tensor_empty(), y2 = dc_tensor_empty(), y3 = dc_tensor_empty();
    layout(1, &y);
    const float *yp = dc_tensor_data(&y);
    /* each point's 5 nearest in the layout (brute force) come from its own blob */
    int64_t same = 0;
    for (int64_t i = 0; i < 180; i++) {
        double d5[5] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
        int64_t id5[5] = {0};
        for (int64_t q = 0; q < 180; q++) {
            if (q == i) continue;
            double d = sq(yp + 2 * i, yp + 2 * q, 2);
            for (int p = 0; p < 5; p++)
                if (d < d5[p]) {
                    for (int r = 4; r > p; r--) d5[r] = d5[r - 1], id5[r] = id5[r - 1];
                    d5[p] = d, id5[p] = q;
                    break;
                }
        }
        for (int p = 0; p < 5; p++) same += id5[p] / 60 == i / 60;
    }
    CHECK(same >= 180 * 5 * 99 / 100);
    /* same seed, same layout; another seed, another one */
    layout(1, &y2);
    layout(2, &y3);
    CHECK(memcmp(dc_tensor_data(&y), dc_tensor_data(&y2), 360 * sizeof(float)) == 0);
    CHECK(memcmp(dc_tensor_data(&y), dc_tensor_data(&y3), 360 * sizeof(float)) != 0);
    dc_tensor_release(&y);
    dc_tensor_release(&y2);
    dc_tensor_release(&y3);
}

/* Attraction alone (no negative samples) pulls two linked points together. */
static void test_attraction_pulls_together(void)
{
    int64_t is[2] = {2, 1}, ys[2] = {2, 2};
    dc_tensor ids = dc_tensor_empty(), w = dc_tensor_empty(), y = dc_tensor_empty();
    dc_tensor_alloc(&ids, DC_I64, 2, is);
    dc_tensor_alloc(&w, DC_F32, 2, is);
    dc_tensor_alloc(&y, DC_F32, 2, ys);
    int64_t *ip = dc_tensor_data(&ids);
    float *wp = dc_tensor_data(&w), *yp = dc_tensor_data(&y);
    ip[0] = 1, ip[1] = 0, wp[0] = wp[1] = 1;
    yp[0] = 0, yp[1] = 0, yp[2] = 3, yp[3] = 4;
    dc_umap_cfg cfg;
    dc_umap_cfg_init(&cfg);
    cfg.negative_rate = 0;
    cfg.n_epochs = 20;
    dc_rng r;
    dc_rng_seed(&r, 1);
    CHECK_OK(dc_umap_layout(&cfg, &ids, &w, &y, &r));
    CHECK(sq(yp, yp + 2, 2) < 25.0 * 0.25);
    /* the midpoint stays (equal and opposite moves) */
    CHECK_CLOSE(yp[0] + yp[2], 3.0, 1e-5);
    CHECK_CLOSE(yp[1] + yp[3], 4.0, 1e-5);
    ip[0] = 0;
    CHECK_FAILS(dc_umap_layout(&cfg, &ids, &w, &y, &r), DC_ERR_ARG, "ids row 0 holds 0");
    ip[0] = 1, wp[0] = 2;
    CHECK_FAILS(dc_umap_layout(&cfg, &ids, &w, &y, &r), DC_ERR_ARG, "weights must lie in [0, 1]");
    wp[0] = 1;
    cfg.n_epochs = 0;
    CHECK_FAILS(dc_umap_layout(&cfg, &ids, &w, &y, &r), DC_ERR_ARG, "n_epochs >= 1");
    cfg.n_epochs = 20;
    CHECK_FAILS(dc_umap_layout(&cfg, &w, &w, &y, &r), DC_ERR_ARG, "expects contiguous ids int64");
    dc_tensor_release(&ids);
    dc_tensor_release(&w);
    dc_tensor_release(&y);
}

int main(void)
{
    RUN_TEST(test_find_ab_matches_umap_learn);
    RUN_TEST(test_weights_sum_to_log2k);
    RUN_TEST(test_knn_search_is_exact);
    RUN_TEST(test_layout_keeps_blobs_apart);
    RUN_TEST(test_attraction_pulls_together);
    return TEST_SUMMARY();
}
