/* core/cluster/pic.c and knn.c: exact kNN graph, PIC against a dense slow re-implementation
 * of the reference (clustering.py), two distant blobs. */
#include <stdlib.h>

#include "tiny_test.h"

static unsigned lcg(unsigned *s) { return (*s = *s * 1103515245u + 12345u) >> 8; }
static double unif(unsigned *s) { return ((lcg(s) & 0xffffff) + 0.5) / 16777216.0; }
static double gauss(unsigned *s)
{
    return sqrt(-2 * log(unif(s))) * cos(6.283185307179586 * unif(s));
}

/* two blobs of m points in D dims, centred at 0 and at (off, off, ...) */
static dc_tensor two_blobs(int64_t m, int64_t d, double off, double sd, unsigned seed)
{
    dc_tensor t = dc_tensor_empty();
    int64_t shape[2] = {2 * m, d};
    dc_tensor_alloc(&t, DC_F32, 2, shape);
    float *x = dc_tensor_data(&t);
    for (int64_t i = 0; i < 2 * m; i++)
        for (int64_t j = 0; j < d; j++)
            x[i * d + j] = (float)((i >= m ? off : 0) + sd * gauss(&seed));
    return t;
}

static double sq(const float *a, const float *b, int64_t d)
{
    double s = 0;
    for (int64_t j = 0; j < d; j++) s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    return s;
}

static void test_knn_graph_is_exact(void)
{
    dc_tensor x = two_blobs(40, 3, 1.0, 1.0, 1), ids = dc_tensor_empty(), dist = dc_tensor_empty();
    float *xp = dc_tensor_data(&x);
    memcpy(xp + 5 * 3, xp + 9 * 3, 3 * sizeof(float)); /* points 5 and 9 coincide */
    CHECK_OK(dc_knn_graph(&x, 4, &ids, &dist));
    const int64_t *ip = dc_tensor_data(&ids);
    const float *dp = dc_tensor_data(&dist);
    for (int64_t i = 0; i < 80; i++) {
        double prev = 0;
        for (int64_t j = 0; j < 4; j++) {
            int64_t nb = ip[i * 4 + j];
            CHECK(nb != i);
            CHECK_CLOSE(dp[i * 4 + j], sq(xp + i * 3, xp + nb * 3, 3), 1e-4);
            CHECK(dp[i * 4 + j] >= prev - 1e-5);
            prev = dp[i * 4 + j];
        }
        /* nothing outside the list is nearer than its last entry */
        for (int64_t q = 0; q < 80; q++) {
            int in = q == i;
            for (int64_t j = 0; j < 4; j++) in |= ip[i * 4 + j] == q;
            if (!in) CHECK(sq(xp + i * 3, xp + q * 3, 3) >= prev - 1e-4);
        }
    }
    CHECK(ip[5 * 4] == 9 && ip[9 * 4] == 5 && dp[5 * 4] == 0.0f);
    dc_tensor few = dc_tensor_empty();
    CHECK_OK(dc_tensor_narrow(&few, &x, 0, 0, 4));
    CHECK_FAILS(dc_knn_graph(&few, 4, &ids, &dist), DC_ERR_ARG,
                "knn_graph: k = 4 neighbours needs more than k points, x is float32 [4, 3]");
    dc_tensor_release(&x);
    dc_tensor_release(&few);
    dc_tensor_release(&ids);
    dc_tensor_release(&dist);
}

/* clustering.py, literally, on dense matrices (N small) */
static int64_t reference_pic(const dc_tensor *x, const dc_pic_cfg *cfg, int64_t *assign)
{
    int64_t n = x->shape[0], d = x->shape[1], nnn = cfg->nnn;
    const float *xp = dc_tensor_data(x);
    double *W = calloc((size_t)(n * n), sizeof(double)), *v = calloc((size_t)n, sizeof(double)),
           *vn = calloc((size_t)n, sizeof(double));
    int64_t *nbr = calloc((size_t)(n * nnn), sizeof(int64_t));
    int64_t *ptr = calloc((size_t)n, sizeof(int64_t)), *size = calloc((size_t)n, sizeof(int64_t));
    int64_t *target = calloc((size_t)n, sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) { /* nnn nearest by selection */
        char *used = calloc((size_t)n, 1);
        used[i] = 1;
        for (int64_t j = 0; j < nnn; j++) {
            int64_t best = -1;
            for (int64_t q = 0; q < n; q++)
                if (!used[q] &&
                    (best < 0 || sq(xp + i * d, xp + q * d, d) < sq(xp + i * d, xp + best * d, d)))
                    best = q;
            used[best] = 1;
            nbr[i * nnn + j] = best;
            double w = exp(-sq(xp + i * d, xp + best * d, d) / (cfg->sigma * cfg->sigma));
            W[i * n + best] += w;
            W[best * n + i] += w;
        }
        free(used);
    }
    for (int64_t i = 0; i < n; i++) v[i] = 1.0 / n;
    for (int it = 0; it < cfg->niter; it++) {
        double s = 0;
        for (int64_t i = 0; i < n; i++) {
            vn[i] = 0;
            for (int64_t j = 0; j < n; j++) vn[i] += W[j * n + i] * v[j];
            vn[i] = cfg->alpha * vn[i] + (1 - cfg->alpha) / n;
            s += vn[i];
        }
        for (int64_t i = 0; i < n; i++) v[i] = vn[i] / s;
    }
    for (int64_t i = 0; i < n; i++) {
        double best = 0;
        ptr[i] = i;
        for (int64_t j = 0; j < n; j++)
            if (W[i * n + j] > 0 && W[i * n + j] * (v[j] - v[i]) > best) {
                best = W[i * n + j] * (v[j] - v[i]);
                ptr[i] = j;
            }
    }
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) assign[i] = ptr[i] == i ? k++ : -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = i;
        while (ptr[r] != r) r = ptr[r];
        assign[i] = assign[r];
    }
    for (int64_t i = 0; i < n; i++) size[assign[i]]++;
    for (int64_t i = 0; i < n; i++) {
        target[i] = -1;
        if (size[assign[i]] == 1)
            for (int64_t j = 0; j < nnn && target[i] < 0; j++)
                if (size[assign[nbr[i * nnn + j]]] != 1) target[i] = nbr[i * nnn + j];
    }
    for (int64_t i = 0; i < n; i++)
        if (target[i] >= 0) {
            size[assign[i]] = 0;
            assign[i] = assign[target[i]];
        }
    int64_t kk = 0;
    for (int64_t c = 0; c < k; c++) size[c] = size[c] ? kk++ : -1;
    for (int64_t i = 0; i < n; i++) assign[i] = size[assign[i]];
    free(W), free(v), free(vn), free(nbr), free(ptr), free(size), free(target);
    return kk;
}

static void test_matches_dense_reference(void)
{
    for (unsigned seed = 1; seed <= 3; seed++) {
        dc_tensor x = two_blobs(60, 4, 0.5, 0.3, seed), a = dc_tensor_empty();
        dc_pic_cfg cfg;
        dc_pic_cfg_init(&cfg);
        CHECK(cfg.nnn == 5 && cfg.sigma == 0.2 && cfg.alpha == 0.001 && cfg.niter == 200 &&
              cfg.distribute_singletons);
        dc_pic_result r;
        int64_t ref[120];
        CHECK_OK(dc_pic_fit(&cfg, &x, &a, &r));
        int64_t kref = reference_pic(&x, &cfg, ref);
        CHECK(r.k == kref && r.k > 1);
        CHECK(memcmp(dc_tensor_data(&a), ref, sizeof ref) == 0);
        dc_tensor_release(&x);
        dc_tensor_release(&a);
    }
}

static void test_separates_distant_blobs(void)
{
    dc_tensor x = two_blobs(200, 8, 20.0, 1.0, 7), a = dc_tensor_empty();
    dc_pic_cfg cfg;
    dc_pic_cfg_init(&cfg);
    cfg.sigma = 2.0; /* the reference's 0.2 is for unit vectors; these blobs are not */
    dc_pic_result r;
    CHECK_OK(dc_pic_fit(&cfg, &x, &a, &r));
    const int64_t *ap = dc_tensor_data(&a);
    /* no cluster takes points from both blobs; k is whatever the data gave */
    for (int64_t i = 0; i < 200; i++)
        for (int64_t j = 200; j < 400; j++) CHECK(ap[i] != ap[j]);
    CHECK(r.k >= 2 && r.k < 400);
    int64_t sizes[400] = {0};
    for (int64_t i = 0; i < 400; i++) {
        CHECK(ap[i] >= 0 && ap[i] < r.k);
        sizes[ap[i]]++;
    }
    for (int64_t c = 0; c < r.k; c++) CHECK(sizes[c] > 0);
    /* without redistribution there are more clusters (the singletons) */
    cfg.distribute_singletons = false;
    dc_pic_result r2;
    CHECK_OK(dc_pic_fit(&cfg, &x, &a, &r2));
    CHECK(r2.k == r.k + r.singletons_moved && r2.singletons_moved == 0);
    dc_tensor_release(&x);
    dc_tensor_release(&a);
}

static void test_errors(void)
{
    dc_tensor x = two_blobs(2, 2, 1.0, 1.0, 1), a = dc_tensor_empty();
    dc_pic_cfg cfg;
    dc_pic_result r;
    dc_pic_cfg_init(&cfg);
    CHECK_FAILS(dc_pic_fit(&cfg, &x, &a, &r), DC_ERR_ARG,
                "pic: knn_graph: k = 5 neighbours needs more than k points, x is float32 [4, 2]");
    cfg.sigma = 0;
    CHECK_FAILS(dc_pic_fit(&cfg, &x, &a, &r), DC_ERR_ARG, "pic: sigma must be > 0, got 0");
    dc_tensor_release(&x);
}

int main(void)
{
    RUN_TEST(test_knn_graph_is_exact);
    RUN_TEST(test_matches_dense_reference);
    RUN_TEST(test_separates_distant_blobs);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
