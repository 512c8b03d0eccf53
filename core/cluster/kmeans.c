/* k-means: dclab's Lloyd loop on a FAISS flat index, or FAISS's Clustering (the reference).
 *
 * One dclab iteration, as FAISS's Clustering::train_encoded does it (method.md §4):
 *   E-step  search the k centroids (FAISS IndexFlatL2 / IndexFlatIP) for the 1-NN of every
 *           training point; the objective is the sum of the distances;
 *   M-step  centroid = mean of its points, summed in float in point order as FAISS's
 *           compute_centroids does; an empty cluster keeps its previous centroid;
 *   fix     the reassignment strategy refills the empty clusters (reassign.h);
 *   spherical: every centroid renormalised to unit norm (as FAISS's spherical flag), after
 *           the strategy, so a refilled centroid is a direction too. The E-step then picks
 *           the largest inner product, i.e. the largest cosine whatever the points' norms.
 * After the last iteration every one of the N points is assigned to the final centroids
 * (DeepCluster's index.search(x, 1)), and a relabelling strategy gets one more pass.
 *
 * Random streams (dc_rng_for(seed, a, b)): subsample (0, 0); run r: init (1 + r, 0),
 * iteration i's strategy (1 + r, 1 + i), final pass (1 + r, 1 + niter). */
#include "kmeans.h"

#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "cluster/check.h"
#include "cluster/faiss_call.h"
#include "ops/iter.h"
#include "ops/random.h"

/* FAISS perturbs the init seed of its run r by this much (Clustering.cpp). */
#define FAISS_REDO_SEED_STEP 15486557L

void dc_kmeans_cfg_init(dc_kmeans_cfg *cfg, int64_t k)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->k = k;
    cfg->niter = 20;
    cfg->nredo = 1;
    cfg->seed = 1234;
    cfg->max_points_per_centroid = 10000000;
    cfg->spherical = false;
    cfg->init = DC_KMEANS_INIT_RANDOM;
    cfg->backend = DC_KMEANS_DCLAB;
    cfg->reassign = DC_REASSIGN_FAISS_SPLIT;
}

/* FAISS's seed is an int. */
static int faiss_seed(uint64_t seed) { return (int)(seed & 0x7fffffff); }

/* ---- pieces of an iteration ---- */

/* E-step: assign (int64 [n]) and dist (float32 [n]) of n points against k centroids held
 * by index (emptied and refilled here); *obj = sum of dist. */
static dc_status estep(FaissIndex *index, const float *c, int64_t k, const float *x, int64_t n,
                       int64_t *assign, float *dist, double *obj)
{
    dc_status st = DC_OK;
    DC_FAISS(st, "kmeans", faiss_Index_reset(index));
    DC_FAISS(st, "kmeans", faiss_Index_add(index, k, c));
    DC_FAISS(st, "kmeans", faiss_Index_search(index, n, x, 1, dist, assign));
    double s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static) if (n >= DC_PARALLEL_MIN)
    for (int64_t i = 0; i < n; i++) s += dist[i];
    *obj = s;
cleanup:
    return st;
}

static void histogram(const int64_t *assign, int64_t n, int64_t k, int64_t *counts)
{
    memset(counts, 0, (size_t)k * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) counts[assign[i]]++;
}

static double imbalance(const int64_t *counts, int64_t k, int64_t n)
{
    double sq = 0;
    for (int64_t c = 0; c < k; c++) sq += (double)counts[c] * (double)counts[c];
    return sq * (double)k / ((double)n * (double)n);
}

static int64_t count_empty(const int64_t *counts, int64_t k)
{
    int64_t e = 0;
    for (int64_t c = 0; c < k; c++) e += counts[c] == 0;
    return e;
}

/* M-step: counts and the mean of every non-empty cluster. Like FAISS's compute_centroids,
 * each thread owns a range of clusters and scans the points in index order, so x is read
 * sequentially, every row by one thread, and the float sums come out in the same order
 * whatever the thread count. */
static void mstep(const float *x, const int64_t *assign, int64_t n, int64_t d, int64_t k,
                  float *c, const int64_t *counts)
{
#pragma omp parallel if (n * d >= DC_PARALLEL_MIN)
    {
        int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
        int64_t c0 = k * t / nt, c1 = k * (t + 1) / nt;
        for (int64_t j = c0; j < c1; j++)
            if (counts[j] > 0) memset(c + j * d, 0, (size_t)d * sizeof(float));
        for (int64_t i = 0; i < n; i++) {
            int64_t j = assign[i];
            if (j < c0 || j >= c1) continue;
            float *cj = c + j * d;
            const float *xi = x + i * d;
            for (int64_t q = 0; q < d; q++) cj[q] += xi[q];
        }
        for (int64_t j = c0; j < c1; j++) {
            if (counts[j] == 0) continue;
            float inv = 1.0f / (float)counts[j], *cj = c + j * d;
            for (int64_t q = 0; q < d; q++) cj[q] *= inv;
        }
    }
}

static void normalize_rows(float *c, int64_t k, int64_t d)
{
    for (int64_t j = 0; j < k; j++) {
        float *r = c + j * d;
        double s = 0;
        for (int64_t q = 0; q < d; q++) s += (double)r[q] * r[q];
        if (s > 0) {
            float f = (float)(1.0 / sqrt(s));
            for (int64_t q = 0; q < d; q++) r[q] *= f;
        }
    }
}

/* ---- initialisation ---- */

static dc_status init_random(const float *x, int64_t n, int64_t d, int64_t k, dc_rng *rng,
                             float *c)
{
    dc_tensor perm = dc_tensor_empty();
    DC_TRY(dc_randperm(n, 0, rng, &perm));
    const int64_t *p = dc_tensor_data(&perm);
    for (int64_t j = 0; j < k; j++) memcpy(c + j * d, x + p[j] * d, (size_t)d * sizeof(float));
    dc_tensor_release(&perm);
    return DC_OK;
}

static double sqdist(const float *a, const float *b, int64_t d)
{
    double s = 0;
    for (int64_t q = 0; q < d; q++) {
        double t = (double)a[q] - b[q];
        s += t * t;
    }
    return s;
}

/* k-means++ (Arthur & Vassilvitskii 2007): each next centroid is a point drawn with
 * probability proportional to its squared distance to the nearest centroid so far. */
static dc_status init_kmeanspp(const float *x, int64_t n, int64_t d, int64_t k, dc_rng *rng,
                               float *c)
{
    double *mind = dc_alloc((size_t)n * sizeof(double));
    DC_CHECK(mind, DC_ERR_NOMEM, "kmeans: out of memory for k-means++ on %lld points",
             (long long)n);
    int64_t pick = (int64_t)dc_rng_below(rng, (uint64_t)n);
    for (int64_t j = 0; j < k; j++) {
        memcpy(c + j * d, x + pick * d, (size_t)d * sizeof(float));
        const float *cj = c + j * d;
        double total = 0;
#pragma omp parallel for reduction(+ : total) schedule(static) if (n * d >= DC_PARALLEL_MIN)
        for (int64_t i = 0; i < n; i++) {
            double v = sqdist(x + i * d, cj, d);
            mind[i] = (j == 0 || v < mind[i]) ? v : mind[i];
            total += mind[i];
        }
        if (j + 1 == k) break;
        if (total <= 0) { /* every point sits on a centroid already: any point will do */
            pick = (int64_t)dc_rng_below(rng, (uint64_t)n);
            continue;
        }
        double r = dc_rng_uniform(rng) * total, acc = 0;
        pick = n - 1;
        for (int64_t i = 0; i < n; i++) {
            acc += mind[i];
            if (acc > r && mind[i] > 0) {
                pick = i;
                break;
            }
        }
    }
    dc_free(mind, (size_t)n * sizeof(double));
    return DC_OK;
}

/* The k points FAISS's Clustering starts from for run `redo` of this seed: its train with
 * 0 iterations stops right after picking them. */
static dc_status init_faiss(const float *x, int64_t n, int64_t d, int64_t k, uint64_t seed,
                            int redo, float *c)
{
    dc_status st = DC_OK;
    FaissClustering *clus = NULL;
    FaissIndexFlatL2 *index = NULL;
    FaissClusteringParameters cp;
    faiss_ClusteringParameters_init(&cp);
    cp.niter = 0;
    cp.seed = faiss_seed(seed + (uint64_t)redo * FAISS_REDO_SEED_STEP);
    cp.min_points_per_centroid = 0;
    cp.max_points_per_centroid = INT_MAX;
    DC_FAISS(st, "kmeans", faiss_Clustering_new_with_params(&clus, (int)d, (int)k, &cp));
    DC_FAISS(st, "kmeans", faiss_IndexFlatL2_new_with(&index, d));
    DC_FAISS(st, "kmeans", faiss_Clustering_train(clus, n, x, index));
    float *fc;
    size_t size;
    faiss_Clustering_centroids(clus, &fc, &size);
    memcpy(c, fc, (size_t)(k * d) * sizeof(float));
cleanup:
    if (clus) faiss_Clustering_free(clus);
    if (index) faiss_Index_free(index);
    return st;
}

/* ---- the dclab loop ---- */

typedef struct loop {
    const dc_kmeans_cfg *cfg;
    dc_tensor xt;                  /* float32 [n, d] training points */
    dc_tensor assign, dist, counts;/* int64 [n], float32 [n], int64 [k] */
    int64_t n, d, k;
    FaissIndex *index;
} loop;

static dc_status reassign(loop *L, dc_tensor *c, int iter, dc_rng *rng, int64_t *nfixed)
{
    dc_reassign_ctx ctx = {
        .x = &L->xt, .assign = &L->assign, .dist = &L->dist,
        .centroids = c, .counts = &L->counts, .iter = iter,
        .similarity = L->cfg->spherical, .rng = rng,
    };
    if (L->cfg->reassign == DC_REASSIGN_CALLBACK)
        return L->cfg->reassign_fn(L->cfg->reassign_ud, &ctx, nfixed);
    return dc_reassign_apply(L->cfg->reassign, &ctx, nfixed);
}

/* One run from its own init; c: float32 [k, d] out; iters: cfg->niter records. */
static dc_status run(loop *L, int redo, dc_tensor *c, dc_kmeans_iter *iters)
{
    const dc_kmeans_cfg *cfg = L->cfg;
    const float *x = dc_tensor_data(&L->xt);
    float *cp = dc_tensor_data(c), *dist = dc_tensor_data(&L->dist);
    int64_t *assign = dc_tensor_data(&L->assign), *counts = dc_tensor_data(&L->counts);
    int64_t n = L->n, d = L->d, k = L->k;
    dc_rng rng = dc_rng_for(cfg->seed, 1 + (uint64_t)redo, 0);
    switch (cfg->init) {
    case DC_KMEANS_INIT_RANDOM: DC_TRY(init_random(x, n, d, k, &rng, cp)); break;
    case DC_KMEANS_INIT_KMEANSPP: DC_TRY(init_kmeanspp(x, n, d, k, &rng, cp)); break;
    case DC_KMEANS_INIT_FAISS: DC_TRY(init_faiss(x, n, d, k, cfg->seed, redo, cp)); break;
    }
    if (cfg->spherical) normalize_rows(cp, k, d);
    for (int it = 0; it < cfg->niter; it++) {
        dc_kmeans_iter *rec = &iters[it];
        DC_TRY(estep(L->index, cp, k, x, n, assign, dist, &rec->obj));
        histogram(assign, n, k, counts);
        mstep(x, assign, n, d, k, cp, counts);
        rec->imbalance = imbalance(counts, k, n);
        rec->nempty = count_empty(counts, k);
        rec->nfixed = 0;
        if (rec->nempty > 0) {
            dc_rng r = dc_rng_for(cfg->seed, 1 + (uint64_t)redo, 1 + (uint64_t)it);
            DC_TRY(reassign(L, c, it, &r, &rec->nfixed));
        }
        if (cfg->spherical) normalize_rows(cp, k, d);
    }
    return DC_OK;
}

static bool better(double obj, double best, bool spherical)
{
    return spherical ? obj > best : obj < best;
}

static void loop_free(loop *L)
{
    if (L->index) faiss_Index_free(L->index);
    dc_tensor_release(&L->xt);
    dc_tensor_release(&L->assign);
    dc_tensor_release(&L->dist);
    dc_tensor_release(&L->counts);
}

/* The training points: all of x, or a random k * max_points_per_centroid of them. */
static dc_status training_set(const dc_kmeans_cfg *cfg, const dc_tensor *x, dc_tensor *xt)
{
    int64_t n = x->shape[0], d = x->shape[1];
    int64_t cap = cfg->max_points_per_centroid;
    if (cap >= (n + cfg->k - 1) / cfg->k) {
        dc_tensor_share(xt, x);
        return DC_OK;
    }
    int64_t m = cfg->k * cap, shape[2] = {m, d};
    dc_tensor perm = dc_tensor_empty();
    dc_rng rng = dc_rng_for(cfg->seed, 0, 0);
    DC_TRY(dc_randperm(n, 0, &rng, &perm));
    dc_status st = dc_tensor_alloc(xt, DC_F32, 2, shape);
    if (st == DC_OK) {
        const int64_t *p = dc_tensor_data(&perm);
        const float *src = dc_tensor_data(x);
        float *dst = dc_tensor_data(xt);
        for (int64_t i = 0; i < m; i++)
            memcpy(dst + i * d, src + p[i] * d, (size_t)d * sizeof(float));
    }
    dc_tensor_release(&perm);
    return st;
}

static dc_status fit_dclab(const dc_kmeans_cfg *cfg, const dc_tensor *x, dc_tensor *centroids,
                           dc_tensor *assign, dc_kmeans_iter *iters, dc_kmeans_result *res)
{
    dc_status st = DC_OK;
    int64_t N = x->shape[0], d = x->shape[1], k = cfg->k;
    loop L = {.cfg = cfg, .d = d, .k = k};
    dc_tensor work = dc_tensor_empty(), fdist = dc_tensor_empty();
    dc_kmeans_iter *recs = NULL;
    size_t recs_bytes = (size_t)(cfg->niter > 0 ? cfg->niter : 1) * sizeof(dc_kmeans_iter);
    if ((st = training_set(cfg, x, &L.xt)) != DC_OK) goto cleanup;
    L.n = L.xt.shape[0];
    int64_t sn[1] = {L.n}, sk[1] = {k}, skd[2] = {k, d};
    if (L.n == N) dc_tensor_share(&L.assign, assign);
    else if ((st = dc_tensor_alloc(&L.assign, DC_I64, 1, sn)) != DC_OK) goto cleanup;
    if ((st = dc_tensor_alloc(&L.dist, DC_F32, 1, sn)) != DC_OK) goto cleanup;
    if ((st = dc_tensor_alloc(&L.counts, DC_I64, 1, sk)) != DC_OK) goto cleanup;
    if (cfg->nredo == 1) dc_tensor_share(&work, centroids);
    else if ((st = dc_tensor_alloc(&work, DC_F32, 2, skd)) != DC_OK) goto cleanup;
    recs = dc_alloc(recs_bytes);
    if (!recs) {
        st = dc_fail(DC_ERR_NOMEM, "kmeans: out of memory for %lld points", (long long)L.n);
        goto cleanup;
    }
    if (cfg->spherical) DC_FAISS(st, "kmeans", faiss_IndexFlatIP_new_with(&L.index, d));
    else DC_FAISS(st, "kmeans", faiss_IndexFlatL2_new_with(&L.index, d));

    double best = 0;
    for (int redo = 0; redo < cfg->nredo; redo++) {
        if ((st = run(&L, redo, &work, recs)) != DC_OK) goto cleanup;
        double obj = cfg->niter > 0 ? recs[cfg->niter - 1].obj : 0;
        if (redo == 0 || better(obj, best, cfg->spherical)) {
            best = obj;
            if (work.storage != centroids->storage)
                memcpy(dc_tensor_data(centroids), dc_tensor_data(&work),
                       (size_t)(k * d) * sizeof(float));
            if (iters) memcpy(iters, recs, (size_t)cfg->niter * sizeof(dc_kmeans_iter));
            res->nempty_met = res->nfixed = 0;
            for (int it = 0; it < cfg->niter; it++) {
                res->nempty_met += recs[it].nempty;
                res->nfixed += recs[it].nfixed;
            }
            res->loss = obj;
        }
    }

    /* final assignment of all N points, then a relabelling strategy's last pass */
    int64_t sN[1] = {N};
    if (L.n == N) dc_tensor_share(&fdist, &L.dist);
    else if ((st = dc_tensor_alloc(&fdist, DC_F32, 1, sN)) != DC_OK) goto cleanup;
    int64_t *a = dc_tensor_data(assign), *counts = dc_tensor_data(&L.counts);
    if ((st = estep(L.index, dc_tensor_data(centroids), k, dc_tensor_data(x), N, a,
                    dc_tensor_data(&fdist), &res->final_obj)) != DC_OK)
        goto cleanup;
    histogram(a, N, k, counts);
    if (cfg->reassign != DC_REASSIGN_CALLBACK && dc_reassign_relabels(cfg->reassign) &&
        count_empty(counts, k) > 0) {
        dc_rng r = dc_rng_for(cfg->seed, 1, 1 + (uint64_t)cfg->niter);
        dc_reassign_ctx ctx = {.x = x, .assign = assign, .dist = &fdist, .centroids = centroids,
                               .counts = &L.counts, .iter = cfg->niter,
                               .similarity = cfg->spherical, .rng = &r};
        int64_t nf;
        if ((st = dc_reassign_apply(cfg->reassign, &ctx, &nf)) != DC_OK) goto cleanup;
        if (cfg->spherical) normalize_rows(dc_tensor_data(centroids), k, d);
    }
    if (cfg->niter == 0) res->loss = res->final_obj;
    res->imbalance = imbalance(counts, k, N);
    res->nempty_final = count_empty(counts, k);
    res->ntrain = L.n;
    res->niter = cfg->niter;
cleanup:
    loop_free(&L);
    dc_free(recs, recs_bytes);
    dc_tensor_release(&work);
    dc_tensor_release(&fdist);
    return st;
}

/* ---- the FAISS backend ---- */

static dc_status fit_faiss(const dc_kmeans_cfg *cfg, const dc_tensor *x, dc_tensor *centroids,
                           dc_tensor *assign, dc_kmeans_iter *iters, dc_kmeans_result *res)
{
    dc_status st = DC_OK;
    int64_t n = x->shape[0], d = x->shape[1], k = cfg->k;
    FaissClustering *clus = NULL;
    FaissIndex *index = NULL;
    dc_tensor dist = dc_tensor_empty(), counts = dc_tensor_empty();
    int64_t sn[1] = {n}, sk[1] = {k};
    FaissClusteringParameters cp;
    faiss_ClusteringParameters_init(&cp);
    cp.niter = cfg->niter;
    cp.nredo = cfg->nredo;
    cp.seed = faiss_seed(cfg->seed);
    cp.spherical = cfg->spherical;
    cp.max_points_per_centroid =
        cfg->max_points_per_centroid < INT_MAX ? (int)cfg->max_points_per_centroid : INT_MAX;
    cp.min_points_per_centroid = 0; /* FAISS would print a warning to stderr below 39 */
    if ((st = dc_tensor_alloc(&dist, DC_F32, 1, sn)) != DC_OK) goto cleanup;
    if ((st = dc_tensor_alloc(&counts, DC_I64, 1, sk)) != DC_OK) goto cleanup;
    const float *xp = dc_tensor_data(x);
    DC_FAISS(st, "kmeans", faiss_Clustering_new_with_params(&clus, (int)d, (int)k, &cp));
    if (cfg->spherical) DC_FAISS(st, "kmeans", faiss_IndexFlatIP_new_with(&index, d));
    else DC_FAISS(st, "kmeans", faiss_IndexFlatL2_new_with(&index, d));
    DC_FAISS(st, "kmeans", faiss_Clustering_train(clus, n, xp, index));

    float *fc;
    size_t size;
    faiss_Clustering_centroids(clus, &fc, &size);
    memcpy(dc_tensor_data(centroids), fc, (size_t)(k * d) * sizeof(float));
    FaissClusteringIterationStats *stats;
    faiss_Clustering_iteration_stats(clus, &stats, &size);
    res->niter = (int)size;
    res->nempty_met = res->nfixed = 0;
    for (size_t i = 0; i < size; i++) {
        const FaissClusteringIterationStats *s = dc_faiss_iteration_at(stats, i);
        int64_t nsplit = faiss_ClusteringIterationStats_nsplit(s);
        if (iters && i < (size_t)cfg->niter)
            iters[i] = (dc_kmeans_iter){faiss_ClusteringIterationStats_obj(s),
                                        faiss_ClusteringIterationStats_imbalance_factor(s),
                                        nsplit, nsplit};
        res->nempty_met += nsplit; /* FAISS splits every empty cluster it meets */
        res->nfixed += nsplit;
        res->loss = faiss_ClusteringIterationStats_obj(s);
    }
    /* the index holds the final centroids: DeepCluster's index.search(x, 1) */
    int64_t *a = dc_tensor_data(assign);
    DC_FAISS(st, "kmeans", faiss_Index_search(index, n, xp, 1, dc_tensor_data(&dist), a));
    double obj = 0;
    const float *dp = dc_tensor_data(&dist);
    for (int64_t i = 0; i < n; i++) obj += dp[i];
    res->final_obj = obj;
    if (size == 0) res->loss = obj;
    int64_t *cn = dc_tensor_data(&counts);
    histogram(a, n, k, cn);
    res->imbalance = imbalance(cn, k, n);
    res->nempty_final = count_empty(cn, k);
    res->ntrain = n < k * (int64_t)cp.max_points_per_centroid ? n : k * cp.max_points_per_centroid;
cleanup:
    if (clus) faiss_Clustering_free(clus);
    if (index) faiss_Index_free(index);
    dc_tensor_release(&dist);
    dc_tensor_release(&counts);
    return st;
}

/* ---- entry points ---- */

dc_status dc_kmeans_cfg_check(const dc_kmeans_cfg *cfg)
{
    DC_CHECK(cfg->k >= 1, DC_ERR_ARG, "kmeans: k must be >= 1, got %lld", (long long)cfg->k);
    DC_CHECK(cfg->niter >= 0, DC_ERR_ARG, "kmeans: niter must be >= 0, got %d", cfg->niter);
    DC_CHECK(cfg->nredo >= 1, DC_ERR_ARG, "kmeans: nredo must be >= 1, got %d", cfg->nredo);
    DC_CHECK(cfg->max_points_per_centroid >= 1, DC_ERR_ARG,
             "kmeans: max_points_per_centroid must be >= 1, got %lld",
             (long long)cfg->max_points_per_centroid);
    DC_CHECK(cfg->reassign >= 0 && cfg->reassign < DC_REASSIGN_COUNT, DC_ERR_ARG,
             "kmeans: bad reassign strategy %d", (int)cfg->reassign);
    DC_CHECK(cfg->reassign != DC_REASSIGN_CALLBACK || cfg->reassign_fn, DC_ERR_ARG,
             "kmeans: reassign is 'callback' but no function was given");
    if (cfg->backend == DC_KMEANS_FAISS) {
        DC_CHECK(cfg->reassign == DC_REASSIGN_FAISS_SPLIT, DC_ERR_ARG,
                 "kmeans: backend 'faiss' has only its own empty-cluster rule (faiss_split); "
                 "reassign '%s' needs backend 'dclab'",
                 dc_reassign_name(cfg->reassign));
        DC_CHECK(cfg->init != DC_KMEANS_INIT_KMEANSPP, DC_ERR_ARG,
                 "kmeans: backend 'faiss' picks random points to start; init 'kmeans++' needs "
                 "backend 'dclab'");
    } else {
        DC_CHECK(cfg->backend == DC_KMEANS_DCLAB, DC_ERR_ARG, "kmeans: bad backend %d",
                 (int)cfg->backend);
    }
    return DC_OK;
}

static dc_status check_outputs(int64_t n, int64_t k, int64_t d, dc_tensor *centroids,
                               dc_tensor *assign, const char *op)
{
    char w[64];
    int64_t skd[2] = {k, d}, sn[1] = {n};
    snprintf(w, sizeof w, "%s: centroids", op);
    DC_TRY(dc_tensor_ensure(centroids, DC_F32, 2, skd, w));
    snprintf(w, sizeof w, "%s: assign", op);
    DC_TRY(dc_tensor_ensure(assign, DC_I64, 1, sn, w));
    DC_CHECK(dc_tensor_is_contiguous(centroids) && dc_tensor_is_contiguous(assign), DC_ERR_ARG,
             "%s: centroids and assign must be contiguous", op);
    return DC_OK;
}

dc_status dc_kmeans_fit(const dc_kmeans_cfg *cfg, const dc_tensor *x, dc_tensor *centroids,
                        dc_tensor *assign, dc_kmeans_iter *iters, dc_kmeans_result *res)
{
    char b[128];
    DC_TRY(dc_kmeans_cfg_check(cfg));
    dc_tensor xc = dc_tensor_empty();
    DC_TRY(dc_check_points(x, "kmeans", "x", &xc));
    int64_t n = xc.shape[0], d = xc.shape[1];
    dc_status st = DC_OK;
    if (cfg->k > n) {
        st = dc_fail(DC_ERR_ARG, "kmeans: k = %lld clusters but x (%s) has only %lld points",
                     (long long)cfg->k, dc_tensor_describe(&xc, b, sizeof b), (long long)n);
    } else if (cfg->k > INT_MAX || d > INT_MAX) {
        st = dc_fail(DC_ERR_ARG, "kmeans: k and D must fit in an int (FAISS), got k = %lld, %s",
                     (long long)cfg->k, dc_tensor_describe(&xc, b, sizeof b));
    } else if ((st = check_outputs(n, cfg->k, d, centroids, assign, "kmeans")) == DC_OK) {
        memset(res, 0, sizeof *res);
        st = cfg->backend == DC_KMEANS_FAISS ? fit_faiss(cfg, &xc, centroids, assign, iters, res)
                                             : fit_dclab(cfg, &xc, centroids, assign, iters, res);
    }
    dc_tensor_release(&xc);
    return st;
}

dc_status dc_kmeans_assign(const dc_tensor *centroids, const dc_tensor *x, bool spherical,
                           dc_tensor *assign, dc_tensor *dist)
{
    char a[128], b[128];
    dc_tensor xc = dc_tensor_empty(), cc = dc_tensor_empty(), own = dc_tensor_empty();
    FaissIndex *index = NULL;
    dc_status st;
    if ((st = dc_check_points(centroids, "kmeans_assign", "centroids", &cc)) != DC_OK) goto cleanup;
    if ((st = dc_check_points(x, "kmeans_assign", "x", &xc)) != DC_OK) goto cleanup;
    int64_t n = xc.shape[0], d = xc.shape[1], k = cc.shape[0];
    if (cc.shape[1] != d) {
        st = dc_fail(DC_ERR_SHAPE, "kmeans_assign: x is %s but centroids are %s (D differs)",
                     dc_tensor_describe(&xc, a, sizeof a), dc_tensor_describe(&cc, b, sizeof b));
        goto cleanup;
    }
    int64_t sn[1] = {n};
    if ((st = dc_tensor_ensure(assign, DC_I64, 1, sn, "kmeans_assign: assign")) != DC_OK)
        goto cleanup;
    dc_tensor *dt = dist ? dist : &own;
    if ((st = dc_tensor_ensure(dt, DC_F32, 1, sn, "kmeans_assign: dist")) != DC_OK) goto cleanup;
    if (!dc_tensor_is_contiguous(assign) || !dc_tensor_is_contiguous(dt)) {
        st = dc_fail(DC_ERR_ARG, "kmeans_assign: assign and dist must be contiguous");
        goto cleanup;
    }
    if (spherical) DC_FAISS(st, "kmeans_assign", faiss_IndexFlatIP_new_with(&index, d));
    else DC_FAISS(st, "kmeans_assign", faiss_IndexFlatL2_new_with(&index, d));
    double obj;
    st = estep(index, dc_tensor_data(&cc), k, dc_tensor_data(&xc), n, dc_tensor_data(assign),
               dc_tensor_data(dt), &obj);
cleanup:
    if (index) faiss_Index_free(index);
    dc_tensor_release(&xc);
    dc_tensor_release(&cc);
    dc_tensor_release(&own);
    return st;
}
