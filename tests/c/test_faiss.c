/* core/cluster/faiss_c.cpp: the FAISS C API subset, against brute-force references. */
#include <stdlib.h>

#include "cluster/faiss_call.h"
#include "tiny_test.h"

/* deterministic test data: uniform in [-1, 1) */
static void fill(float *x, int64_t n, unsigned seed)
{
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        x[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
}

static double sq(const float *a, const float *b, int d)
{
    double s = 0;
    for (int j = 0; j < d; j++) s += ((double)a[j] - b[j]) * ((double)a[j] - b[j]);
    return s;
}

static void test_flat_l2_search_is_exact(void)
{
    enum { N = 300, K = 17, D = 9 };
    static float x[N * D], c[K * D], dist[N];
    static int64_t lab[N];
    fill(x, N * D, 1);
    fill(c, K * D, 2);
    FaissIndexFlatL2 *index = NULL;
    CHECK(faiss_IndexFlatL2_new_with(&index, D) == 0);
    CHECK(faiss_Index_add(index, K, c) == 0);
    CHECK(faiss_Index_d(index) == D);
    CHECK(faiss_Index_ntotal(index) == K);
    CHECK(faiss_Index_search(index, N, x, 1, dist, lab) == 0);
    int wrong = 0;
    for (int i = 0; i < N; i++) {
        int best = 0;
        for (int j = 1; j < K; j++)
            if (sq(x + i * D, c + j * D, D) < sq(x + i * D, c + best * D, D)) best = j;
        wrong += lab[i] != best;
        CHECK_CLOSE(dist[i], sq(x + i * D, c + best * D, D), 1e-4);
    }
    CHECK(wrong == 0);
    CHECK(faiss_Index_reset(index) == 0);
    CHECK(faiss_Index_ntotal(index) == 0);
    faiss_Index_free(index);
}

static void test_flat_ip_search_maximises_inner_product(void)
{
    enum { N = 50, K = 6, D = 4 };
    static float x[N * D], c[K * D], sim[N];
    static int64_t lab[N];
    fill(x, N * D, 3);
    fill(c, K * D, 4);
    FaissIndexFlatIP *index = NULL;
    CHECK(faiss_IndexFlatIP_new_with(&index, D) == 0);
    CHECK(faiss_Index_add(index, K, c) == 0);
    CHECK(faiss_Index_search(index, N, x, 1, sim, lab) == 0);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < K; j++) {
            double ip = 0;
            for (int q = 0; q < D; q++) ip += (double)x[i * D + q] * c[j * D + q];
            CHECK(ip <= sim[i] + 1e-5);
        }
    faiss_Index_free(index);
}

/* a FAISS exception becomes a status code, and the DC_FAISS macro keeps the message after
 * later (successful) FAISS calls */
static dc_status train_too_few(void)
{
    dc_status st = DC_OK;
    float x[3 * 2] = {0, 1, 2, 3, 4, 5};
    FaissClusteringParameters cp;
    FaissClustering *clus = NULL;
    FaissIndexFlatL2 *index = NULL;
    faiss_ClusteringParameters_init(&cp);
    DC_FAISS(st, "test", faiss_Clustering_new_with_params(&clus, 2, 5, &cp));
    DC_FAISS(st, "test", faiss_IndexFlatL2_new_with(&index, 2));
    DC_FAISS(st, "test", faiss_Clustering_train(clus, 3, x, index));
cleanup:
    if (clus) faiss_Clustering_free(clus);
    if (index) faiss_Index_free(index);
    return st;
}

static void test_exceptions_become_status_codes(void)
{
    FaissClusteringParameters cp;
    FaissClustering *clus = NULL;
    FaissIndexFlatL2 *index = NULL;
    float x[6] = {0};
    faiss_ClusteringParameters_init(&cp);
    CHECK(faiss_Clustering_new_with_params(&clus, 2, 5, &cp) == 0);
    CHECK(faiss_IndexFlatL2_new_with(&index, 2) == 0);
    CHECK(faiss_Clustering_train(clus, 3, x, index) == FAISS_EXCEPT);
    CHECK(faiss_get_last_error() && strstr(faiss_get_last_error(), "Number of training points"));
    faiss_Clustering_free(clus);
    faiss_Index_free(index);

    CHECK_FAILS(train_too_few(), DC_ERR_FAISS, "test: faiss: ");
    CHECK(strstr(dc_last_error(), "Number of training points (3)"));
    FaissIndexFlatL2 *other = NULL;
    CHECK(faiss_IndexFlatL2_new_with(&other, 4) == 0);
    faiss_Index_free(other);
    CHECK(strstr(dc_last_error(), "Number of training points (3)"));
}

static void test_clustering_stats_and_centroids(void)
{
    enum { N = 2000, K = 8, D = 5, NITER = 6 };
    static float x[N * D];
    fill(x, N * D, 5);
    FaissClusteringParameters cp;
    faiss_ClusteringParameters_init(&cp);
    CHECK(cp.niter == 25 && cp.nredo == 1 && cp.seed == 1234 && cp.max_points_per_centroid == 256);
    cp.niter = NITER;
    cp.min_points_per_centroid = 0;
    FaissClustering *clus = NULL;
    FaissIndexFlatL2 *index = NULL;
    CHECK(faiss_Clustering_new_with_params(&clus, D, K, &cp) == 0);
    CHECK(faiss_Clustering_k(clus) == K && faiss_Clustering_d(clus) == D);
    CHECK(faiss_IndexFlatL2_new_with(&index, D) == 0);
    CHECK(faiss_Clustering_train(clus, N, x, index) == 0);
    float *c;
    size_t size;
    faiss_Clustering_centroids(clus, &c, &size);
    CHECK(size == K * D);
    FaissClusteringIterationStats *stats;
    faiss_Clustering_iteration_stats(clus, &stats, &size);
    CHECK(size == NITER);
    /* the objective FAISS reports is the sum of squared distances of its E-step, and Lloyd
     * never increases it; the last one is within a step of the final centroids' objective */
    double prev = 1e30, final = 0;
    for (size_t i = 0; i < size; i++) {
        const FaissClusteringIterationStats *s = dc_faiss_iteration_at(stats, i);
        double obj = faiss_ClusteringIterationStats_obj(s);
        CHECK(obj > 0 && obj <= prev * (1 + 1e-6));
        CHECK(faiss_ClusteringIterationStats_imbalance_factor(s) >= 1.0);
        CHECK(faiss_ClusteringIterationStats_nsplit(s) >= 0);
        prev = obj;
    }
    for (int i = 0; i < N; i++) {
        double best = 1e30;
        for (int j = 0; j < K; j++) {
            double v = sq(x + i * D, c + j * D, D);
            best = v < best ? v : best;
        }
        final += best;
    }
    CHECK(final <= prev * (1 + 1e-5));
    CHECK(final >= prev * 0.9);
    faiss_Clustering_free(clus);
    faiss_Index_free(index);
}

int main(void)
{
    RUN_TEST(test_flat_l2_search_is_exact);
    RUN_TEST(test_flat_ip_search_maximises_inner_product);
    RUN_TEST(test_exceptions_become_status_codes);
    RUN_TEST(test_clustering_stats_and_centroids);
    return TEST_SUMMARY();
}
