/* core/cluster/kmeans.c and reassign.c: blob recovery, monotone objective, determinism,
 * agreement with FAISS's own Clustering, every reassignment strategy on constructed cases. */
#include <stdlib.h>

#include "tiny_test.h"

static unsigned lcg(unsigned *s) { return (*s = *s * 1103515245u + 12345u) >> 8; }
static double unif(unsigned *s) { return ((lcg(s) & 0xffffff) + 0.5) / 16777216.0; }
static double gauss(unsigned *s)
{
    return sqrt(-2 * log(unif(s))) * cos(6.283185307179586 * unif(s));
}

static dc_tensor tensor2(int64_t n, int64_t d)
{
    dc_tensor t = dc_tensor_empty();
    int64_t shape[2] = {n, d};
    dc_tensor_alloc(&t, DC_F32, 2, shape);
    return t;
}

/* k blobs of m points: centre c at 10 * e_c (+ noise 0.3); truth[i] = i / m */
static dc_tensor blobs(int64_t k, int64_t m, int64_t d, unsigned seed)
{
    dc_tensor t = tensor2(k * m, d);
    float *x = dc_tensor_data(&t);
    for (int64_t i = 0; i < k * m; i++)
        for (int64_t j = 0; j < d; j++)
            x[i * d + j] = (float)((j == (i / m) % d ? 10.0 : 0.0) + (i / m >= d ? 10.0 : 0.0) +
                                   0.3 * gauss(&seed));
    return t;
}

static dc_tensor uniform_points(int64_t n, int64_t d, unsigned seed)
{
    dc_tensor t = tensor2(n, d);
    float *x = dc_tensor_data(&t);
    for (int64_t i = 0; i < n * d; i++) x[i] = (float)unif(&seed);
    return t;
}

/* 4 distinct points, each repeated 10 times, in index order 0 1 2 3 0 1 2 3 ... */
static dc_tensor duplicates(void)
{
    dc_tensor t = tensor2(40, 3);
    float *x = dc_tensor_data(&t);
    /* four distinct points, and four distinct directions for spherical k-means */
    const float p[4][3] = {{1, 1, 1}, {5, 0, 0}, {0, 5, 0}, {0, 0, 5}};
    for (int i = 0; i < 40; i++) memcpy(x + i * 3, p[i % 4], sizeof p[0]);
    return t;
}

/* every true group maps to one cluster and no two groups share one */
static int recovers(const dc_tensor *assign, int64_t k, int64_t m)
{
    const int64_t *a = dc_tensor_data(assign);
    int64_t seen[64];
    for (int64_t c = 0; c < k; c++) {
        for (int64_t i = c * m; i < (c + 1) * m; i++)
            if (a[i] != a[c * m]) return 0;
        seen[c] = a[c * m];
        for (int64_t q = 0; q < c; q++)
            if (seen[q] == seen[c]) return 0;
    }
    return 1;
}

static void test_recovers_blobs(void)
{
    dc_tensor x = blobs(6, 50, 8, 1), c = dc_tensor_empty(), a = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_result r;
    dc_kmeans_cfg_init(&cfg, 6);
    cfg.init = DC_KMEANS_INIT_KMEANSPP;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r));
    CHECK(recovers(&a, 6, 50));
    CHECK(r.nempty_final == 0 && r.ntrain == 300 && r.niter == 20);
    CHECK_CLOSE(r.imbalance, 1.0, 1e-12);
    /* random init may put two centroids in one blob; a few restarts find the right one */
    cfg.init = DC_KMEANS_INIT_RANDOM;
    cfg.nredo = 8;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r));
    CHECK(recovers(&a, 6, 50));
    /* the loss is the sum of squared distances: about N * D * 0.3^2 */
    CHECK(r.final_obj > 300 * 8 * 0.09 * 0.8 && r.final_obj < 300 * 8 * 0.09 * 1.2);
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
}

static void test_objective_never_increases(void)
{
    dc_tensor x = uniform_points(2000, 6, 2), c = dc_tensor_empty(), a = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_result r;
    dc_kmeans_iter it[15];
    dc_kmeans_cfg_init(&cfg, 25);
    cfg.niter = 15;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, it, &r));
    for (int i = 1; i < 15; i++) CHECK(it[i].obj <= it[i - 1].obj * (1 + 1e-6));
    CHECK(it[14].obj < it[0].obj * 0.8);
    CHECK(r.final_obj <= it[14].obj * (1 + 1e-6));
    CHECK(r.loss == it[14].obj);
    for (int i = 0; i < 15; i++) CHECK(it[i].imbalance >= 1.0 && it[i].nempty == 0);
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
}

static void test_same_seed_same_result(void)
{
    dc_tensor x = uniform_points(1500, 5, 3);
    dc_tensor c1 = dc_tensor_empty(), a1 = dc_tensor_empty(), c2 = dc_tensor_empty(),
              a2 = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_result r1, r2;
    dc_kmeans_cfg_init(&cfg, 30);
    cfg.niter = 8;
    cfg.seed = 77;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c1, &a1, NULL, &r1));
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c2, &a2, NULL, &r2));
    CHECK(memcmp(dc_tensor_data(&c1), dc_tensor_data(&c2), 30 * 5 * sizeof(float)) == 0);
    CHECK(memcmp(dc_tensor_data(&a1), dc_tensor_data(&a2), 1500 * sizeof(int64_t)) == 0);
    CHECK(r1.loss == r2.loss);
    cfg.seed = 78;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c2, &a2, NULL, &r2));
    CHECK(memcmp(dc_tensor_data(&c1), dc_tensor_data(&c2), 30 * 5 * sizeof(float)) != 0);
    dc_tensor_release(&x);
    dc_tensor_release(&c1);
    dc_tensor_release(&a1);
    dc_tensor_release(&c2);
    dc_tensor_release(&a2);
}

static void test_matches_faiss_clustering(void)
{
    dc_tensor x = uniform_points(3000, 16, 4), c = dc_tensor_empty(), a = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_result mine, ref;
    dc_kmeans_iter im[10], ir[10];
    dc_kmeans_cfg_init(&cfg, 40);
    cfg.niter = 10;
    cfg.seed = 5;
    cfg.backend = DC_KMEANS_FAISS;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, ir, &ref));
    cfg.backend = DC_KMEANS_DCLAB;
    cfg.init = DC_KMEANS_INIT_FAISS;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, im, &mine));
    CHECK(ref.niter == 10 && mine.niter == 10);
    /* same start, same E-step, same float M-step: the same iterations */
    for (int i = 0; i < 10; i++) CHECK_CLOSE(im[i].obj, ir[i].obj, 1e-5);
    CHECK_CLOSE(mine.loss, ref.loss, 0.01);
    CHECK_CLOSE(mine.final_obj, ref.final_obj, 0.01);
    /* from dclab's own random start, within 1% too */
    cfg.init = DC_KMEANS_INIT_RANDOM;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, im, &mine));
    CHECK_CLOSE(mine.loss, ref.loss, 0.01);
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
}

static void test_subsampling_and_assign(void)
{
    dc_tensor x = uniform_points(5000, 4, 6), c = dc_tensor_empty(), a = dc_tensor_empty();
    dc_tensor a2 = dc_tensor_empty(), dist = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_result r;
    dc_kmeans_cfg_init(&cfg, 10);
    cfg.max_points_per_centroid = 50;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r));
    CHECK(r.ntrain == 500);
    CHECK(a.shape[0] == 5000);
    CHECK_OK(dc_kmeans_assign(&c, &x, false, &a2, &dist));
    CHECK(memcmp(dc_tensor_data(&a), dc_tensor_data(&a2), 5000 * sizeof(int64_t)) == 0);
    double s = 0;
    const float *dp = dc_tensor_data(&dist);
    for (int i = 0; i < 5000; i++) s += dp[i];
    CHECK_CLOSE(s, r.final_obj, 1e-9);
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
    dc_tensor_release(&a2);
    dc_tensor_release(&dist);
}

static void test_spherical(void)
{
    dc_tensor x = uniform_points(800, 5, 7), c = dc_tensor_empty(), a = dc_tensor_empty();
    float *xp = dc_tensor_data(&x);
    for (int i = 0; i < 800 * 5; i++) xp[i] -= 0.5f;
    dc_kmeans_cfg cfg;
    dc_kmeans_result r;
    dc_kmeans_iter it[20];
    dc_kmeans_cfg_init(&cfg, 8);
    cfg.spherical = true;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, it, &r));
    const float *cp = dc_tensor_data(&c);
    const int64_t *ap = dc_tensor_data(&a);
    for (int j = 0; j < 8; j++) {
        double s = 0;
        for (int q = 0; q < 5; q++) s += cp[j * 5 + q] * cp[j * 5 + q];
        CHECK_CLOSE(s, 1.0, 1e-5);
    }
    for (int i = 0; i < 800; i += 13)
        for (int j = 0; j < 8; j++) {
            double ip = 0, best = 0;
            for (int q = 0; q < 5; q++) {
                ip += xp[i * 5 + q] * cp[j * 5 + q];
                best += xp[i * 5 + q] * cp[ap[i] * 5 + q];
            }
            CHECK(ip <= best + 1e-5);
        }
    CHECK(it[19].obj >= it[0].obj); /* a similarity: it grows */
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
}

/* ---- strategies, one call on a constructed state ---- */

typedef struct state {
    dc_tensor x, assign, dist, c, counts;
    dc_rng rng;
    dc_reassign_ctx ctx;
} state;

static void state_init(state *s, int64_t n, int64_t k, int64_t d, const int64_t *assign,
                       const float *dist, uint64_t seed)
{
    unsigned u = 99;
    int64_t sn[1] = {n}, sk[1] = {k}, skd[2] = {k, d};
    s->x = uniform_points(n, d, 8);
    s->assign = s->dist = s->c = s->counts = dc_tensor_empty();
    dc_tensor_alloc(&s->assign, DC_I64, 1, sn);
    dc_tensor_alloc(&s->dist, DC_F32, 1, sn);
    dc_tensor_alloc(&s->c, DC_F32, 2, skd);
    dc_tensor_alloc(&s->counts, DC_I64, 1, sk);
    int64_t *a = dc_tensor_data(&s->assign), *cnt = dc_tensor_data(&s->counts);
    float *c = dc_tensor_data(&s->c), *x = dc_tensor_data(&s->x);
    memcpy(a, assign, (size_t)n * sizeof(int64_t));
    memcpy(dc_tensor_data(&s->dist), dist, (size_t)n * sizeof(float));
    memset(cnt, 0, (size_t)k * sizeof(int64_t));
    memset(c, 0, (size_t)(k * d) * sizeof(float));
    for (int64_t i = 0; i < n; i++) {
        cnt[a[i]]++;
        for (int64_t q = 0; q < d; q++) c[a[i] * d + q] += x[i * d + q];
    }
    for (int64_t j = 0; j < k; j++)
        for (int64_t q = 0; q < d; q++)
            c[j * d + q] = cnt[j] ? c[j * d + q] / (float)cnt[j] : (float)unif(&u) + 7;
    s->rng = dc_rng_for(seed, 3, 4);
    s->ctx = (dc_reassign_ctx){.x = &s->x, .assign = &s->assign, .dist = &s->dist,
                               .centroids = &s->c, .counts = &s->counts, .rng = &s->rng};
}

static void state_free(state *s)
{
    dc_tensor_release(&s->x);
    dc_tensor_release(&s->assign);
    dc_tensor_release(&s->dist);
    dc_tensor_release(&s->c);
    dc_tensor_release(&s->counts);
}

static void test_faiss_split_rule(void)
{
    /* counts 1, 0, 10, 20 (n - k = 27): the singleton is never a donor; cluster 2 is tried
     * first and accepted with a = 9/27, else cluster 3 with b = 19/27, cycling (FAISS's loop) */
    int64_t assign[31];
    float dist[31] = {0};
    assign[0] = 0;
    for (int i = 1; i < 31; i++) assign[i] = i <= 10 ? 2 : 3;
    int picked2 = 0, trials = 3000;
    for (int t = 0; t < trials; t++) {
        state s;
        state_init(&s, 31, 4, 3, assign, dist, (uint64_t)t);
        float before[12];
        memcpy(before, dc_tensor_data(&s.c), sizeof before);
        int64_t nfixed;
        CHECK_OK(dc_reassign_apply(DC_REASSIGN_FAISS_SPLIT, &s.ctx, &nfixed));
        const int64_t *cnt = dc_tensor_data(&s.counts);
        const float *c = dc_tensor_data(&s.c);
        int donor = cnt[2] == 5 ? 2 : 3;
        picked2 += donor == 2;
        CHECK(nfixed == 1);
        CHECK(cnt[0] == 1 && (donor == 2 ? cnt[3] == 20 : cnt[2] == 10));
        CHECK(cnt[1] + cnt[donor] == (donor == 2 ? 10 : 20) && cnt[1] == (donor == 2 ? 5 : 10));
        const float e = 1.0f / 1024.0f;
        for (int q = 0; q < 3; q++) {
            float up = 1 + e, down = 1 - e;
            CHECK(c[1 * 3 + q] == before[donor * 3 + q] * (q % 2 == 0 ? up : down));
            CHECK(c[donor * 3 + q] == before[donor * 3 + q] * (q % 2 == 0 ? down : up));
        }
        state_free(&s);
    }
    double a = 9.0 / 27, b = 19.0 / 27, p2 = a / (1 - (1 - a) * (1 - b));
    CHECK_CLOSE((double)picked2 / trials, p2, 0.03);
}

static void test_deepercluster_rule(void)
{
    int64_t assign[8] = {0, 0, 2, 0, 0, 2, 0, 0};
    float dist[8] = {0};
    int picked0 = 0;
    for (int t = 0; t < 400; t++) {
        state s;
        state_init(&s, 8, 3, 4, assign, dist, (uint64_t)t);
        float before[12];
        memcpy(before, dc_tensor_data(&s.c), sizeof before);
        int64_t nfixed;
        CHECK_OK(dc_reassign_apply(DC_REASSIGN_DEEPERCLUSTER, &s.ctx, &nfixed));
        const int64_t *cnt = dc_tensor_data(&s.counts), *a = dc_tensor_data(&s.assign);
        const float *c = dc_tensor_data(&s.c);
        int m = cnt[0] == 3 ? 0 : 2;
        picked0 += m == 0;
        CHECK(nfixed == 1);
        if (m == 0) { /* the first 3 of cluster 0's points, by index, moved */
            CHECK(cnt[1] == 3 && a[0] == 1 && a[1] == 1 && a[3] == 1 && a[4] == 0 && a[6] == 0);
        } else {
            CHECK(cnt[1] == 1 && cnt[2] == 1 && a[2] == 1 && a[5] == 2);
        }
        for (int q = 0; q < 4; q++) {
            float sgn = q % 2 == 0 ? -1e-7f : 1e-7f;
            CHECK(c[4 + q] == before[m * 4 + q] + sgn);
            CHECK(c[m * 4 + q] == before[m * 4 + q] - sgn);
        }
        state_free(&s);
    }
    CHECK_CLOSE(picked0 / 400.0, 0.5, 0.1); /* uniform donor */
}

static void test_point_rules(void)
{
    /* clusters: 0 = {0, 1, 2}, 1 = {3} (a singleton), 2 empty, 3 = {4, 5} */
    int64_t assign[6] = {0, 0, 0, 1, 3, 3};
    float dist[6] = {0.1f, 0.9f, 0.2f, 5.0f, 0.3f, 0.4f};
    state s;
    state_init(&s, 6, 4, 2, assign, dist, 1);
    const float *x = dc_tensor_data(&s.x), *c = dc_tensor_data(&s.c);
    int64_t nfixed;
    CHECK_OK(dc_reassign_apply(DC_REASSIGN_FARTHEST_POINT, &s.ctx, &nfixed));
    /* point 3 is farther but alone in its cluster: point 1 moves */
    const int64_t *cnt = dc_tensor_data(&s.counts), *a = dc_tensor_data(&s.assign);
    CHECK(nfixed == 1 && a[1] == 2 && cnt[2] == 1 && cnt[0] == 2 && cnt[1] == 1);
    for (int q = 0; q < 2; q++) {
        CHECK(c[2 * 2 + q] == x[1 * 2 + q]);
        CHECK_CLOSE(c[0 * 2 + q], (x[0 * 2 + q] + x[2 * 2 + q]) / 2, 1e-6);
    }
    state_free(&s);

    for (int t = 0; t < 50; t++) {
        state_init(&s, 6, 4, 2, assign, dist, (uint64_t)t);
        x = dc_tensor_data(&s.x);
        c = dc_tensor_data(&s.c);
        cnt = dc_tensor_data(&s.counts);
        a = dc_tensor_data(&s.assign);
        CHECK_OK(dc_reassign_apply(DC_REASSIGN_RANDOM_POINT, &s.ctx, &nfixed));
        int p = -1;
        for (int i = 0; i < 6; i++)
            if (a[i] == 2) p = i;
        CHECK(nfixed == 1 && p >= 0 && p != 3 && cnt[2] == 1 && cnt[1] == 1);
        CHECK(c[4] == x[2 * p] && c[5] == x[2 * p + 1]);
        state_free(&s);
    }

    state_init(&s, 6, 4, 2, assign, dist, 1);
    float before[8];
    memcpy(before, dc_tensor_data(&s.c), sizeof before);
    CHECK_OK(dc_reassign_apply(DC_REASSIGN_NONE, &s.ctx, &nfixed));
    CHECK(nfixed == 0 && memcmp(before, dc_tensor_data(&s.c), sizeof before) == 0);
    state_free(&s);
}

/* ---- strategies inside k-means on the duplicates case ---- */

/* Largest | |c_j| - 1 | over the rows of c. */
static double norm_error(const dc_tensor *c)
{
    const float *p = dc_tensor_data(c);
    int64_t k = c->shape[0], d = c->shape[1];
    double e = 0;
    for (int64_t j = 0; j < k; j++) {
        double s = 0;
        for (int64_t q = 0; q < d; q++) s += (double)p[j * d + q] * p[j * d + q];
        e = fmax(e, fabs(sqrt(s) - 1));
    }
    return e;
}

/* k-means with 6 clusters on 4 distinct points, niter iterations; spherical: the centroids
 * must have unit norm when it returns. */
static void run_duplicates(dc_reassign_kind kind, bool spherical, int niter, dc_kmeans_result *r,
                           dc_kmeans_iter *it, dc_tensor *a)
{
    dc_tensor x = duplicates(), c = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_cfg_init(&cfg, 6);
    cfg.niter = niter;
    cfg.reassign = kind;
    cfg.spherical = spherical;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, a, it, r));
    if (spherical) CHECK(norm_error(&c) < 1e-6);
    dc_tensor_release(&x);
    dc_tensor_release(&c);
}

static void test_strategies_fire_in_kmeans(void)
{
    dc_kmeans_result r;
    dc_kmeans_iter it[5];
    dc_tensor a = dc_tensor_empty();
    dc_reassign_kind fixing[] = {DC_REASSIGN_FAISS_SPLIT, DC_REASSIGN_DEEPERCLUSTER,
                                 DC_REASSIGN_FARTHEST_POINT, DC_REASSIGN_RANDOM_POINT};
    for (int s = 0; s < 4; s++) {
        run_duplicates(fixing[s], false, 5, &r, it, &a);
        CHECK(r.nempty_met >= 2 && r.nfixed == r.nempty_met);
        for (int i = 0; i < 5; i++) CHECK(it[i].nempty == it[i].nfixed);
        if (fixing[s] == DC_REASSIGN_DEEPERCLUSTER) CHECK(r.nempty_final == 0);
        dc_tensor_release(&a);
    }
    run_duplicates(DC_REASSIGN_NONE, false, 5, &r, it, &a);
    CHECK(r.nfixed == 0 && r.nempty_final >= 2);
    /* 6 clusters for 4 distinct points: at least 2 stay empty when nothing refills them */
    for (int i = 0; i < 5; i++) CHECK(it[i].nempty >= 2 && it[i].nfixed == 0);
    dc_tensor_release(&a);
}

typedef struct calls {
    int n, bad_iter;
    int64_t empties;
} calls;

static dc_status my_strategy(void *ud, dc_reassign_ctx *ctx, int64_t *nfixed)
{
    calls *cl = ud;
    if (ctx->iter != cl->n) cl->bad_iter = 1;
    cl->n++;
    const int64_t *cnt = dc_tensor_data(ctx->counts);
    float *c = dc_tensor_data(ctx->centroids);
    *nfixed = 0;
    for (int64_t j = 0; j < ctx->counts->shape[0]; j++)
        if (cnt[j] == 0) {
            cl->empties++;
            /* far away: stays empty */
            for (int q = 0; q < 3; q++) c[j * 3 + q] = 100.0f + (float)j;
            (*nfixed)++;
        }
    return ctx->iter == 3 ? dc_fail(DC_ERR_ARG, "my_strategy: gave up") : DC_OK;
}

/* ---- spherical k-means ---- */

/* n points of dimension d with unit norm (spherical k-means proper normalises its input) */
static dc_tensor unit_points(int64_t n, int64_t d, unsigned seed)
{
    dc_tensor t = tensor2(n, d);
    float *x = dc_tensor_data(&t);
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int64_t q = 0; q < d; q++) {
            /* a bias toward the first coordinates, so the directions form groups */
            x[i * d + q] = (float)(gauss(&seed) + (q == i % 3 ? 2.0 : 0.0));
            s += (double)x[i * d + q] * x[i * d + q];
        }
        for (int64_t q = 0; q < d; q++) x[i * d + q] = (float)(x[i * d + q] / sqrt(s));
    }
    return t;
}

/* The run with niter = t is the first t iterations of a longer one (same seed): every
 * iteration leaves unit-norm centroids, also when a strategy refilled a cluster. */
static void test_spherical_unit_centroids_every_iteration(void)
{
    dc_tensor x = uniform_points(600, 6, 9), c = dc_tensor_empty(), a = dc_tensor_empty();
    float *xp = dc_tensor_data(&x);
    for (int i = 0; i < 600 * 6; i++) xp[i] = 3 * (xp[i] - 0.5f); /* not unit: FAISS's input */
    dc_kmeans_cfg cfg;
    dc_kmeans_result r;
    dc_kmeans_iter it[8];
    dc_kmeans_cfg_init(&cfg, 12);
    cfg.spherical = true;
    for (int t = 0; t <= 8; t++) {
        cfg.niter = t;
        CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, t ? it : NULL, &r));
        CHECK(norm_error(&c) < 1e-6);
    }
    dc_reassign_kind fixing[] = {DC_REASSIGN_FAISS_SPLIT, DC_REASSIGN_DEEPERCLUSTER,
                                 DC_REASSIGN_FARTHEST_POINT, DC_REASSIGN_RANDOM_POINT};
    for (int s = 0; s < 4; s++)
        for (int t = 1; t <= 5; t++) {
            dc_tensor_release(&a);
            run_duplicates(fixing[s], true, t, &r, it, &a);
            /* 6 clusters, 4 directions: the first E-step leaves at least 2 empty */
            CHECK(it[0].nempty >= 2 && it[0].nfixed == it[0].nempty);
        }
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
}

/* DeepCluster-v2's spherical k-means written out in double: assign each point to the centroid
 * of largest inner product, centroid = mean of its points (an empty cluster keeps its old
 * one), renormalise. From the start c (float32 [k, d]) for niter iterations; obj[i] = sum of
 * the winning inner products at iteration i; c ends as the final centroids. */
static void spherical_reference(const float *x, int64_t n, int64_t d, int64_t k, int niter,
                                double *c, double *obj, int64_t *assign)
{
    double *sum = malloc((size_t)(k * d) * sizeof(double));
    int64_t *cnt = malloc((size_t)k * sizeof(int64_t));
    for (int it = 0; it <= niter; it++) {
        double o = 0;
        for (int64_t i = 0; i < n; i++) {
            double best = -INFINITY;
            for (int64_t j = 0; j < k; j++) {
                double ip = 0;
                for (int64_t q = 0; q < d; q++) ip += x[i * d + q] * c[j * d + q];
                if (ip > best) best = ip, assign[i] = j;
            }
            o += best;
        }
        if (it == niter) break; /* the final assignment */
        obj[it] = o;
        memset(sum, 0, (size_t)(k * d) * sizeof(double));
        memset(cnt, 0, (size_t)k * sizeof(int64_t));
        for (int64_t i = 0; i < n; i++) {
            cnt[assign[i]]++;
            for (int64_t q = 0; q < d; q++) sum[assign[i] * d + q] += x[i * d + q];
        }
        for (int64_t j = 0; j < k; j++) {
            if (cnt[j] == 0) continue;
            double s = 0;
            for (int64_t q = 0; q < d; q++) s += sum[j * d + q] * sum[j * d + q];
            for (int64_t q = 0; q < d; q++) c[j * d + q] = sum[j * d + q] / sqrt(s);
        }
    }
    free(sum);
    free(cnt);
}

static void test_spherical_matches_reference(void)
{
    enum { N = 700, D = 8, K = 9, T = 10 };
    dc_tensor x = unit_points(N, D, 17), c = dc_tensor_empty(), a = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_result r;
    dc_kmeans_iter it[T];
    dc_kmeans_cfg_init(&cfg, K);
    cfg.spherical = true;
    cfg.reassign = DC_REASSIGN_NONE; /* DeepCluster-v2: empty clusters keep their centroid */
    cfg.seed = 3;
    cfg.niter = 0; /* the start: K random points, normalised */
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r));
    double ref_c[K * D], ref_obj[T];
    int64_t ref_a[N];
    const float *cp = dc_tensor_data(&c);
    for (int i = 0; i < K * D; i++) ref_c[i] = cp[i];
    spherical_reference(dc_tensor_data(&x), N, D, K, T, ref_c, ref_obj, ref_a);

    cfg.niter = T;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, it, &r));
    for (int i = 0; i < T; i++) CHECK_CLOSE(it[i].obj, ref_obj[i], 1e-5);
    CHECK(ref_obj[T - 1] > ref_obj[0]); /* the run moved */
    cp = dc_tensor_data(&c);
    double worst = 0;
    for (int i = 0; i < K * D; i++) worst = fmax(worst, fabs(cp[i] - ref_c[i]));
    CHECK_CLOSE(worst, 0, 1e-5);
    const int64_t *ap = dc_tensor_data(&a);
    int same = 0;
    for (int i = 0; i < N; i++) same += ap[i] == ref_a[i];
    CHECK(same == N);

    /* FAISS's own Clustering with spherical = true, from the same start: the same run */
    dc_kmeans_iter fi[T];
    cfg.reassign = DC_REASSIGN_FAISS_SPLIT;
    cfg.backend = DC_KMEANS_FAISS;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, fi, &r));
    cfg.backend = DC_KMEANS_DCLAB;
    cfg.init = DC_KMEANS_INIT_FAISS;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, it, &r));
    for (int i = 0; i < T; i++) CHECK_CLOSE(it[i].obj, fi[i].obj, 1e-5);
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
}

static void test_callback_strategy(void)
{
    dc_tensor x = duplicates(), c = dc_tensor_empty(), a = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_result r;
    calls cl = {0};
    dc_kmeans_cfg_init(&cfg, 6);
    cfg.niter = 3;
    cfg.reassign = DC_REASSIGN_CALLBACK;
    cfg.reassign_fn = my_strategy;
    cfg.reassign_ud = &cl;
    CHECK_OK(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r));
    CHECK(cl.n == 3 && !cl.bad_iter && cl.empties == r.nempty_met && r.nfixed == r.nempty_met);
    const float *cp = dc_tensor_data(&c);
    int far = 0;
    for (int j = 0; j < 6; j++) far += cp[j * 3] >= 100.0f;
    CHECK(far == r.nempty_final && far >= 2);
    cfg.niter = 5;
    cl = (calls){0};
    CHECK_FAILS(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r), DC_ERR_ARG, "my_strategy: gave up");
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
}

static void test_errors(void)
{
    dc_tensor x = uniform_points(5, 3, 9), c = dc_tensor_empty(), a = dc_tensor_empty();
    dc_kmeans_cfg cfg;
    dc_kmeans_result r;
    dc_kmeans_cfg_init(&cfg, 10);
    CHECK_FAILS(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r), DC_ERR_ARG,
                "kmeans: k = 10 clusters but x (float32 [5, 3]) has only 5 points");
    cfg.k = 0;
    CHECK_FAILS(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r), DC_ERR_ARG,
                "kmeans: k must be >= 1, got 0");
    cfg.k = 2;
    float *xp = dc_tensor_data(&x);
    xp[4] = INFINITY;
    CHECK_FAILS(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r), DC_ERR_ARG,
                "kmeans: x has a NaN or Inf (first at 0-based row 1, column 1");
    xp[4] = 0;
    cfg.backend = DC_KMEANS_FAISS;
    cfg.reassign = DC_REASSIGN_NONE;
    CHECK_FAILS(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r), DC_ERR_ARG,
                "backend 'faiss' has only its own empty-cluster rule");
    cfg.backend = DC_KMEANS_DCLAB;
    cfg.reassign = DC_REASSIGN_CALLBACK;
    CHECK_FAILS(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r), DC_ERR_ARG, "no function was given");
    cfg.reassign = DC_REASSIGN_FAISS_SPLIT;
    int64_t bad[2] = {2, 4};
    CHECK_OK(dc_tensor_alloc(&c, DC_F32, 2, bad));
    CHECK_FAILS(dc_kmeans_fit(&cfg, &x, &c, &a, NULL, &r), DC_ERR_SHAPE,
                "kmeans: centroids is float32 [2, 4] but float32 [2, 3] is needed");
    CHECK_FAILS(dc_kmeans_assign(&c, &x, false, &a, NULL), DC_ERR_SHAPE,
                "kmeans_assign: x is float32 [5, 3] but centroids are float32 [2, 4] (D differs)");
    dc_reassign_kind kind;
    CHECK_FAILS(dc_reassign_parse("split", &kind), DC_ERR_ARG, "unknown reassign strategy 'split'");
    CHECK_OK(dc_reassign_parse("farthest_point", &kind));
    CHECK(kind == DC_REASSIGN_FARTHEST_POINT);
    dc_tensor_release(&x);
    dc_tensor_release(&c);
    dc_tensor_release(&a);
}

int main(void)
{
    RUN_TEST(test_recovers_blobs);
    RUN_TEST(test_objective_never_increases);
    RUN_TEST(test_same_seed_same_result);
    RUN_TEST(test_matches_faiss_clustering);
    RUN_TEST(test_subsampling_and_assign);
    RUN_TEST(test_spherical);
    RUN_TEST(test_faiss_split_rule);
    RUN_TEST(test_deepercluster_rule);
    RUN_TEST(test_point_rules);
    RUN_TEST(test_strategies_fire_in_kmeans);
    RUN_TEST(test_spherical_unit_centroids_every_iteration);
    RUN_TEST(test_spherical_matches_reference);
    RUN_TEST(test_callback_strategy);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
