/* PIC (DeepCluster clustering.py: make_graph, make_adjacencyW, run_pic, find_maxima_cluster,
 * PIC.cluster). Steps:
 *   1. exact kNN graph, nnn neighbours (knn.c; the reference drops column 0 assuming it is
 *      the point itself, we drop the point itself wherever duplicates put it);
 *   2. A_ij = exp(-d_ij / sigma^2) on the kNN edges, W = A + A^T (mutual edges summed), kept
 *      as CSR with sorted columns, the layout the reference's scipy matrix has;
 *   3. v = 1/N, then niter times: v <- alpha W v + (1 - alpha) / N, v <- v / sum(v)
 *      (in double; the reference uses float32);
 *   4. every node points to the neighbour with the largest positive gain W_ij (v_j - v_i),
 *      the first one on ties, or to itself; self-pointing nodes are roots, numbered in node
 *      order, and each node takes its root's number (pointer chains climb v, so they end);
 *   5. each singleton cluster joins the cluster of its nearest neighbour whose cluster (before
 *      any move) is not a singleton; emptied cluster numbers are then closed up. */
#include "pic.h"

#include <math.h>
#include <string.h>

#include "cluster/knn.h"
#include "ops/iter.h"

void dc_pic_cfg_init(dc_pic_cfg *cfg)
{
    cfg->nnn = 5;
    cfg->sigma = 0.2;
    cfg->alpha = 0.001;
    cfg->niter = 200;
    cfg->distribute_singletons = true;
}

dc_status dc_pic_cfg_check(const dc_pic_cfg *cfg)
{
    DC_CHECK(cfg->nnn >= 1, DC_ERR_ARG, "pic: nnn must be >= 1, got %lld", (long long)cfg->nnn);
    DC_CHECK(cfg->sigma > 0, DC_ERR_ARG, "pic: sigma must be > 0, got %g", cfg->sigma);
    DC_CHECK(cfg->alpha >= 0 && cfg->alpha <= 1, DC_ERR_ARG, "pic: alpha must be in [0, 1], got %g",
             cfg->alpha);
    DC_CHECK(cfg->niter >= 0, DC_ERR_ARG, "pic: niter must be >= 0, got %d", cfg->niter);
    return DC_OK;
}

/* Symmetric weighted graph in CSR form. */
typedef struct graph {
    int64_t n, nnz;
    int64_t *row;  /* [n + 1] */
    int64_t *col;  /* [nnz] */
    double *w;     /* [nnz] */
} graph;

static void graph_free(graph *g, int64_t cap)
{
    dc_free(g->row, (size_t)(g->n + 1) * sizeof(int64_t));
    dc_free(g->col, (size_t)cap * sizeof(int64_t));
    dc_free(g->w, (size_t)cap * sizeof(double));
}

/* W = A + A^T from the kNN lists; cap = 2 N nnn entries before merging. */
static dc_status graph_build(const int64_t *ids, const float *dist, int64_t n, int64_t nnn,
                             double sigma, graph *g, int64_t cap)
{
    g->n = n;
    g->row = dc_alloc((size_t)(n + 1) * sizeof(int64_t));
    g->col = dc_alloc((size_t)cap * sizeof(int64_t));
    g->w = dc_alloc((size_t)cap * sizeof(double));
    DC_CHECK(g->row && g->col && g->w, DC_ERR_NOMEM,
             "pic: out of memory for a graph of %lld nodes", (long long)n);
    memset(g->row, 0, (size_t)(n + 1) * sizeof(int64_t));
    for (int64_t e = 0; e < n * nnn; e++) {
        g->row[e / nnn + 1]++;
        g->row[ids[e] + 1]++;
    }
    for (int64_t i = 0; i < n; i++) g->row[i + 1] += g->row[i];
    /* fill: row cursors live in row[i] (shifted back afterwards) */
    const double inv = 1.0 / (sigma * sigma);
    for (int64_t e = 0; e < n * nnn; e++) {
        int64_t i = e / nnn, j = ids[e];
        double w = exp(-(double)dist[e] * inv);
        g->col[g->row[i]] = j;
        g->w[g->row[i]++] = w;
        g->col[g->row[j]] = i;
        g->w[g->row[j]++] = w;
    }
    for (int64_t i = n; i > 0; i--) g->row[i] = g->row[i - 1];
    g->row[0] = 0;
    /* sort each (short) row by column, sum duplicates, compact in place */
    int64_t out = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t a = g->row[i], b = g->row[i + 1];
        for (int64_t p = a + 1; p < b; p++) {
            int64_t c = g->col[p];
            double w = g->w[p];
            int64_t q = p - 1;
            while (q >= a && g->col[q] > c) {
                g->col[q + 1] = g->col[q];
                g->w[q + 1] = g->w[q];
                q--;
            }
            g->col[q + 1] = c;
            g->w[q + 1] = w;
        }
        g->row[i] = out;
        for (int64_t p = a; p < b; p++) {
            if (out > g->row[i] && g->col[out - 1] == g->col[p]) {
                g->w[out - 1] += g->w[p];
            } else {
                g->col[out] = g->col[p];
                g->w[out++] = g->w[p];
            }
        }
    }
    g->row[n] = out;
    g->nnz = out;
    return DC_OK;
}

/* niter power iterations from the uniform vector; v and tmp: [n]. */
static void power_iterate(const graph *g, double alpha, int niter, double *v, double *tmp)
{
    int64_t n = g->n;
    for (int64_t i = 0; i < n; i++) v[i] = 1.0 / (double)n;
    for (int it = 0; it < niter; it++) {
        double sum = 0;
#pragma omp parallel for reduction(+ : sum) schedule(static) if (g->nnz >= DC_PARALLEL_MIN)
        for (int64_t i = 0; i < n; i++) {
            double s = 0;
            for (int64_t p = g->row[i]; p < g->row[i + 1]; p++) s += g->w[p] * v[g->col[p]];
            tmp[i] = alpha * s + (1 - alpha) / (double)n;
            sum += tmp[i];
        }
        for (int64_t i = 0; i < n; i++) v[i] = tmp[i] / sum;
    }
}

/* Steps 4 and 5: cluster ids into assign (uses ptr [n] and size [n] as scratch). */
static int64_t basins(const graph *g, const double *v, const int64_t *ids, int64_t nnn,
                      bool distribute, int64_t *assign, int64_t *ptr, int64_t *size,
                      int64_t *moved)
{
    int64_t n = g->n;
    for (int64_t i = 0; i < n; i++) {
        double best = 0;
        ptr[i] = i;
        for (int64_t p = g->row[i]; p < g->row[i + 1]; p++) {
            double gain = g->w[p] * (v[g->col[p]] - v[i]);
            if (gain > best) {
                best = gain;
                ptr[i] = g->col[p];
            }
        }
    }
    int64_t k = 0;
    for (int64_t i = 0; i < n; i++) assign[i] = ptr[i] == i ? k++ : -1;
    for (int64_t i = 0; i < n; i++) {
        int64_t r = i;
        while (assign[r] < 0) r = ptr[r];
        /* path compression: every node on the way gets the root's id */
        for (int64_t q = i; assign[q] < 0; q = ptr[q]) assign[q] = assign[r];
    }
    *moved = 0;
    if (!distribute) return k;
    memset(size, 0, (size_t)k * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) size[assign[i]]++;
    /* targets are decided on the sizes before any move; ptr is reused as the target list */
    for (int64_t i = 0; i < n; i++) {
        ptr[i] = -1;
        if (size[assign[i]] != 1) continue;
        for (int64_t j = 0; j < nnn; j++) {
            int64_t nb = ids[i * nnn + j];
            if (size[assign[nb]] != 1) {
                ptr[i] = nb;
                break;
            }
        }
    }
    for (int64_t i = 0; i < n; i++)
        if (ptr[i] >= 0) {
            size[assign[i]] = 0;
            assign[i] = assign[ptr[i]];
            (*moved)++;
        }
    /* close up the numbers of emptied clusters, keeping the order */
    int64_t kk = 0;
    for (int64_t c = 0; c < k; c++) size[c] = size[c] ? kk++ : -1;
    for (int64_t i = 0; i < n; i++) assign[i] = size[assign[i]];
    return kk;
}

dc_status dc_pic_fit(const dc_pic_cfg *cfg, const dc_tensor *x, dc_tensor *assign,
                     dc_pic_result *res)
{
    DC_TRY(dc_pic_cfg_check(cfg));
    dc_tensor ids = dc_tensor_empty(), dist = dc_tensor_empty();
    dc_status st = dc_knn_graph(x, cfg->nnn, &ids, &dist);
    if (st != DC_OK) return dc_fail_prefix(st, "pic");
    int64_t n = ids.shape[0], nnn = cfg->nnn, cap = 2 * n * nnn, sn[1] = {n};
    graph g = {0};
    double *v = dc_alloc((size_t)n * sizeof(double)), *tmp = dc_alloc((size_t)n * sizeof(double));
    int64_t *ptr = dc_alloc((size_t)n * sizeof(int64_t));
    int64_t *size = dc_alloc((size_t)n * sizeof(int64_t));
    if (!v || !tmp || !ptr || !size) {
        st = dc_fail(DC_ERR_NOMEM, "pic: out of memory for %lld points", (long long)n);
        goto cleanup;
    }
    if ((st = dc_tensor_ensure(assign, DC_I64, 1, sn, "pic: assign")) != DC_OK) goto cleanup;
    if (!dc_tensor_is_contiguous(assign)) {
        st = dc_fail(DC_ERR_ARG, "pic: assign must be contiguous");
        goto cleanup;
    }
    const int64_t *idp = dc_tensor_data(&ids);
    if ((st = graph_build(idp, dc_tensor_data(&dist), n, nnn, cfg->sigma, &g, cap)) != DC_OK)
        goto cleanup;
    power_iterate(&g, cfg->alpha, cfg->niter, v, tmp);
    res->k = basins(&g, v, idp, nnn, cfg->distribute_singletons, dc_tensor_data(assign), ptr,
                    size, &res->singletons_moved);
cleanup:
    graph_free(&g, cap);
    dc_free(v, (size_t)n * sizeof(double));
    dc_free(tmp, (size_t)n * sizeof(double));
    dc_free(ptr, (size_t)n * sizeof(int64_t));
    dc_free(size, (size_t)n * sizeof(int64_t));
    dc_tensor_release(&ids);
    dc_tensor_release(&dist);
    return st;
}
