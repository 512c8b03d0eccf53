/* UMAP-style layout (umap-learn 0.5: umap_.py smooth_knn_dist, fuzzy_simplicial_set,
 * make_epochs_per_sample, layouts.py optimize_layout_euclidean), written for clarity:
 *   1. per point, rho = nearest nonzero distance, sigma by bisection so that
 *      sum_j exp(-max(0, d_j - rho) / sigma) = log2(k);
 *   2. P = W + W^T - W o W^T over the union of the kNN edges (both directions kept);
 *   3. SGD: edge (i, j) is sampled every max(P) / P_ij epochs; each sample pulls i and j
 *      together (attraction of log(1 / (1 + a d^2b))) and pushes i away from negative_rate
 *      uniformly drawn points (repulsion of log(1 - 1 / (1 + a d^2b))); gradients are
 *      clipped to [-4, 4], the step decays linearly from learning_rate to 0.
 * Not here: the spectral initialisation (the caller passes a start layout) and umap-learn's
 * parallel (Hogwild) SGD, which is not reproducible. */
#include "umap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void dc_umap_cfg_init(dc_umap_cfg *cfg)
{
    cfg->n_epochs = 200;
    cfg->min_dist = 0.1;
    cfg->spread = 1.0;
    cfg->a = 0;
    cfg->b = 0;
    cfg->learning_rate = 1.0;
    cfg->negative_rate = 5;
    cfg->repulsion = 1.0;
}

/* ---- the curve parameters ---- */

static double ab_error(double a, double b, double min_dist, double spread)
{
    double e = 0;
    for (int i = 0; i < 300; i++) {
        double x = 3.0 * spread * i / 299.0;
        double target = x < min_dist ? 1.0 : exp(-(x - min_dist) / spread);
        double f = 1.0 / (1.0 + a * pow(x, 2 * b));
        e += (f - target) * (f - target);
    }
    return e;
}

dc_status dc_umap_find_ab(double min_dist, double spread, double *a, double *b)
{
    DC_CHECK(spread > 0 && min_dist >= 0 && min_dist < 3 * spread, DC_ERR_ARG,
             "umap: needs spread > 0 and 0 <= min_dist < 3 spread, got min_dist %g, spread %g",
             min_dist, spread);
    /* log-spaced grid over a, linear over b, shrunk 8 times around the best point */
    double la = 0, lb = 1, ra = 3, rb = 1, best = INFINITY, ba = 1, bb = 1;
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i <= 20; i++)
            for (int j = 0; j <= 20; j++) {
                double ca = exp(la - ra + 2 * ra * i / 20.0), cb = lb - rb + 2 * rb * j / 20.0;
                if (cb <= 0.05) continue;
                double e = ab_error(ca, cb, min_dist, spread);
                if (e < best) best = e, ba = ca, bb = cb;
            }
        la = log(ba), lb = bb, ra /= 4, rb /= 4;
    }
    *a = ba;
    *b = bb;
    return DC_OK;
}

/* ---- fuzzy membership weights ---- */

dc_status dc_umap_weights(const dc_tensor *dist, dc_tensor *w)
{
    char buf[128];
    DC_CHECK(dist->dtype == DC_F32 && dist->ndim == 2 && dist->shape[1] >= 1 &&
                 dc_tensor_is_contiguous(dist),
             DC_ERR_ARG, "umap_weights: dist must be a contiguous float32 [N, k], got %s",
             dc_tensor_describe(dist, buf, sizeof buf));
    int64_t n = dist->shape[0], k = dist->shape[1];
    DC_TRY(dc_tensor_ensure(w, DC_F32, 2, dist->shape, "umap_weights: w"));
    DC_CHECK(dc_tensor_is_contiguous(w), DC_ERR_ARG, "umap_weights: w must be contiguous");
    const float *dp = dc_tensor_data(dist);
    float *wp = dc_tensor_data(w);
    double mean_all = 0;
    for (int64_t e = 0; e < n * k; e++) {
        DC_CHECK(isfinite(dp[e]) && dp[e] >= 0, DC_ERR_ARG,
                 "umap_weights: dist has a negative or non-finite value at 0-based row %lld",
                 (long long)(e / k));
        mean_all += sqrt(dp[e]) / (double)(n * k);
    }
    const double target = k > 1 ? log2((double)k) : 1.0;
    for (int64_t i = 0; i < n; i++) {
        const float *d2 = dp + i * k;
        double d[k > 0 ? k : 1], rho = 0, mean_i = 0;
        for (int64_t j = 0; j < k; j++) {
            d[j] = sqrt(d2[j]);
            mean_i += d[j] / (double)k;
            if (rho == 0 && d[j] > 0) rho = d[j];
        }
        double lo = 0, hi = INFINITY, sigma = 1;
        for (int it = 0; it < 64; it++) {
            double s = 0;
            for (int64_t j = 0; j < k; j++) s += exp(-fmax(0, d[j] - rho) / sigma);
            if (fabs(s - target) < 1e-5) break;
            if (s > target) {
                hi = sigma;
                sigma = (lo + hi) / 2;
            } else {
                lo = sigma;
                sigma = isinf(hi) ? sigma * 2 : (lo + hi) / 2;
            }
        }
        /* umap-learn's floor: sigma >= 1e-3 of the mean distance (row's if rho > 0) */
        double floor_ = 1e-3 * (rho > 0 ? mean_i : mean_all);
        if (sigma < floor_) sigma = floor_;
        for (int64_t j = 0; j < k; j++)
            wp[i * k + j] = (float)(d[j] <= rho ? 1.0 : exp(-(d[j] - rho) / sigma));
    }
    return DC_OK;
}

/* ---- symmetric fuzzy graph ---- */

typedef struct edge {
    int64_t i, j;
    float w;
} edge;

static int edge_cmp(const void *pa, const void *pb)
{
    const edge *a = pa, *b = pb;
    if (a->i != b->i) return a->i < b->i ? -1 : 1;
    return a->j < b->j ? -1 : a->j > b->j;
}

/* Both directions of every kNN edge, (i, j) weight P_ij = w_ij + w_ji - w_ij w_ji (a missing
 * direction counts 0), sorted by (i, j). Returns the count in *ne. */
static dc_status fuzzy_graph(const int64_t *ids, const float *w, int64_t n, int64_t k, edge *e,
                             int64_t *ne)
{
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < k; j++) {
            int64_t t = ids[i * k + j];
            DC_CHECK(t >= 0 && t < n && t != i, DC_ERR_ARG,
                     "umap_layout: ids row %lld holds %lld (must be another point, 0..%lld)",
                     (long long)i, (long long)t, (long long)(n - 1));
            e[m++] = (edge){i, t, w[i * k + j]};
            e[m++] = (edge){t, i, w[i * k + j]};
        }
    qsort(e, (size_t)m, sizeof *e, edge_cmp);
    int64_t out = 0;
    for (int64_t p = 0; p < m;) {
        edge cur = e[p++];
        if (p < m && e[p].i == cur.i && e[p].j == cur.j) {
            float v = e[p++].w;
            cur.w = cur.w + v - cur.w * v;
        }
        e[out++] = cur;
    }
    *ne = out;
    return DC_OK;
}

/* ---- SGD ---- */

static double clip4(double g) { return g > 4 ? 4 : (g < -4 ? -4 : g); }

dc_status dc_umap_layout(const dc_umap_cfg *cfg, const dc_tensor *ids, const dc_tensor *w,
                         dc_tensor *y, dc_rng *r)
{
    char b1[128], b2[128], b3[128];
    DC_CHECK(ids->dtype == DC_I64 && ids->ndim == 2 && dc_tensor_is_contiguous(ids) &&
                 w->dtype == DC_F32 && w->ndim == 2 && dc_tensor_is_contiguous(w) &&
                 ids->shape[0] == w->shape[0] && ids->shape[1] == w->shape[1] &&
                 y->dtype == DC_F32 && y->ndim == 2 && dc_tensor_is_contiguous(y) &&
                 y->shape[0] == ids->shape[0] && y->shape[1] >= 1,
             DC_ERR_ARG,
             "umap_layout: expects contiguous ids int64 [N, k], w float32 [N, k], y float32 "
             "[N, dim]; got ids %s, w %s, y %s",
             dc_tensor_describe(ids, b1, sizeof b1), dc_tensor_describe(w, b2, sizeof b2),
             dc_tensor_describe(y, b3, sizeof b3));
    DC_CHECK(cfg->n_epochs >= 1 && cfg->negative_rate >= 0 && cfg->learning_rate > 0 &&
                 cfg->repulsion >= 0,
             DC_ERR_ARG,
             "umap_layout: needs n_epochs >= 1, negative_rate >= 0, learning_rate > 0, "
             "repulsion >= 0 (got %d, %d, %g, %g)",
             cfg->n_epochs, cfg->negative_rate, cfg->learning_rate, cfg->repulsion);
    double a = cfg->a, b = cfg->b;
    if (a <= 0 || b <= 0) DC_TRY(dc_umap_find_ab(cfg->min_dist, cfg->spread, &a, &b));
    int64_t n = ids->shape[0], k = ids->shape[1], dim = y->shape[1];
    DC_CHECK(n >= 2, DC_ERR_ARG, "umap_layout: needs at least 2 points, got %lld", (long long)n);
    const float *wp = dc_tensor_data(w);
    for (int64_t e = 0; e < n * k; e++)
        DC_CHECK(wp[e] >= 0 && wp[e] <= 1, DC_ERR_ARG,
                 "umap_layout: weights must lie in [0, 1] (dc_umap_weights), got %g at row %lld",
                 (double)wp[e], (long long)(e / k));
    size_t cap = (size_t)(2 * n * k);
    edge *e = dc_alloc(cap * sizeof *e);
    double *next = dc_alloc(cap * 2 * sizeof(double));
    dc_status st = DC_OK;
    if (!e || !next) {
        st = dc_fail(DC_ERR_NOMEM, "umap_layout: out of memory for %lld edges", (long long)cap);
        goto cleanup;
    }
    int64_t ne;
    if ((st = fuzzy_graph(dc_tensor_data(ids), wp, n, k, e, &ne)) != DC_OK) goto cleanup;
    double wmax = 0;
    for (int64_t p = 0; p < ne; p++) wmax = fmax(wmax, e[p].w);
    if (wmax <= 0) goto cleanup; /* no edge to follow: the layout stays */
    /* per edge: epochs between samples (0: dropped), next positive and next negative epoch */
    double *period = next, *due = next + cap;
    for (int64_t p = 0; p < ne; p++) {
        period[p] = e[p].w * cfg->n_epochs >= wmax ? wmax / e[p].w : 0;
        due[p] = period[p];
    }
    double *neg_due = dc_alloc((size_t)ne * sizeof(double));
    if (!neg_due) {
        st = dc_fail(DC_ERR_NOMEM, "umap_layout: out of memory for %lld edges", (long long)ne);
        goto cleanup;
    }
    for (int64_t p = 0; p < ne; p++)
        neg_due[p] = cfg->negative_rate ? period[p] / cfg->negative_rate : 0;
    float *yp = dc_tensor_data(y);
    for (int ep = 0; ep < cfg->n_epochs; ep++) {
        double alpha = cfg->learning_rate * (1.0 - (double)ep / cfg->n_epochs);
        for (int64_t p = 0; p < ne; p++) {
            if (period[p] == 0 || due[p] > ep) continue;
            float *yi = yp + e[p].i * dim, *yj = yp + e[p].j * dim;
            double d2 = 0;
            for (int64_t c = 0; c < dim; c++) d2 += ((double)yi[c] - yj[c]) * (yi[c] - yj[c]);
            double g = d2 > 0 ? -2 * a * b * pow(d2, b - 1) / (a * pow(d2, b) + 1) : 0;
            for (int64_t c = 0; c < dim; c++) {
                double gc = clip4(g * ((double)yi[c] - yj[c])) * alpha;
                yi[c] += (float)gc;
                yj[c] -= (float)gc;
            }
            due[p] += period[p];
            if (!cfg->negative_rate) continue;
            double nper = period[p] / cfg->negative_rate;
            int64_t nneg = (int64_t)((ep - neg_due[p]) / nper);
            for (int64_t s = 0; s < nneg; s++) {
                int64_t q = (int64_t)dc_rng_below(r, (uint64_t)n);
                if (q == e[p].i) continue;
                const float *yq = yp + q * dim;
                d2 = 0;
                for (int64_t c = 0; c < dim; c++) d2 += ((double)yi[c] - yq[c]) * (yi[c] - yq[c]);
                g = d2 > 0 ? 2 * cfg->repulsion * b / ((0.001 + d2) * (a * pow(d2, b) + 1)) : 0;
                for (int64_t c = 0; c < dim; c++) {
                    double gc = g > 0 ? clip4(g * ((double)yi[c] - yq[c])) : 4;
                    yi[c] += (float)(gc * alpha);
                }
            }
            neg_due[p] += (double)nneg * nper;
        }
    }
    dc_free(neg_due, (size_t)ne * sizeof(double));
cleanup:
    dc_free(e, cap * sizeof *e);
    dc_free(next, cap * 2 * sizeof(double));
    return st;
}
