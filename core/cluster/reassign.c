/* Empty-cluster reassignment strategies (method.md §4).
 *
 * Each strategy fills the empty clusters one at a time in index order, and keeps counts
 * (and, when it moves points, assign) consistent, so a later empty cluster in the same pass
 * sees the earlier fixes: FAISS's split_clusters does the same with its counts. A donor
 * always has at least 2 points, so fixing one cluster never empties another. */
#include "reassign.h"

#include <string.h>

static const char *names[DC_REASSIGN_COUNT] = {
    "faiss_split", "deepercluster", "farthest_point", "random_point", "none", "callback",
};

dc_status dc_reassign_parse(const char *name, dc_reassign_kind *kind)
{
    for (int i = 0; i < DC_REASSIGN_CALLBACK; i++)
        if (strcmp(name, names[i]) == 0) {
            *kind = (dc_reassign_kind)i;
            return DC_OK;
        }
    return dc_fail(DC_ERR_ARG,
                   "kmeans: unknown reassign strategy '%s' (valid: faiss_split, deepercluster, "
                   "farthest_point, random_point, none, or a function)",
                   name);
}

const char *dc_reassign_name(dc_reassign_kind kind)
{
    return kind >= 0 && kind < DC_REASSIGN_COUNT ? names[kind] : "?";
}

bool dc_reassign_relabels(dc_reassign_kind kind) { return kind == DC_REASSIGN_DEEPERCLUSTER; }

/* The fields every strategy reads, unpacked once. */
typedef struct view {
    const float *x;
    float *c, *dist;
    int64_t *assign, *counts;
    int64_t n, k, d;
} view;

static view view_of(const dc_reassign_ctx *ctx)
{
    view v = {
        .x = dc_tensor_data(ctx->x),
        .c = dc_tensor_data(ctx->centroids),
        .dist = dc_tensor_data(ctx->dist),
        .assign = dc_tensor_data(ctx->assign),
        .counts = dc_tensor_data(ctx->counts),
        .n = ctx->x->shape[0],
        .k = ctx->centroids->shape[0],
        .d = ctx->centroids->shape[1],
    };
    return v;
}

/* ---- faiss_split: FAISS's split_clusters (Clustering.cpp) ---- */

/* a bit above float16's machine epsilon, as FAISS */
#define SPLIT_EPS (1.0f / 1024.0f)

static int64_t faiss_donor(const view *v, dc_rng *rng)
{
    /* accept cluster cj with probability (size - 1) / (n - k), cycling from 0; current FAISS
     * gives up after 10 k tries and takes the largest cluster */
    for (int64_t cj = 0, tries = 0; tries < 10 * v->k; cj = (cj + 1) % v->k, tries++) {
        double p = (double)(v->counts[cj] - 1) / (double)(v->n - v->k);
        if (dc_rng_uniform(rng) < p) return cj;
    }
    int64_t best = 0;
    for (int64_t c = 1; c < v->k; c++)
        if (v->counts[c] > v->counts[best]) best = c;
    return best;
}

static void faiss_split(view *v, int64_t ci, dc_rng *rng)
{
    int64_t cj = faiss_donor(v, rng);
    float *a = v->c + ci * v->d, *b = v->c + cj * v->d;
    memcpy(a, b, (size_t)v->d * sizeof(float));
    for (int64_t j = 0; j < v->d; j++) {
        float up = 1 + SPLIT_EPS, down = 1 - SPLIT_EPS;
        a[j] *= j % 2 == 0 ? up : down;
        b[j] *= j % 2 == 0 ? down : up;
    }
    /* FAISS assumes the donor's points split evenly; none is moved */
    v->counts[ci] = v->counts[cj] / 2;
    v->counts[cj] -= v->counts[ci];
}

/* ---- deepercluster: DeeperCluster's distributed_kmeans.py ---- */

#define DEEPER_EPS 1e-7f

static void deepercluster(view *v, int64_t ci, dc_rng *rng)
{
    int64_t ncand = 0;
    for (int64_t c = 0; c < v->k; c++) ncand += v->counts[c] >= 2;
    int64_t pick = (int64_t)dc_rng_below(rng, (uint64_t)ncand), m = 0;
    for (int64_t c = 0; c < v->k; c++)
        if (v->counts[c] >= 2 && pick-- == 0) {
            m = c;
            break;
        }
    float *a = v->c + ci * v->d, *b = v->c + m * v->d;
    memcpy(a, b, (size_t)v->d * sizeof(float));
    for (int64_t j = 0; j < v->d; j++) {
        float s = j % 2 == 0 ? -DEEPER_EPS : DEEPER_EPS;
        a[j] += s;
        b[j] -= s;
    }
    v->counts[ci] = v->counts[m] / 2;
    v->counts[m] -= v->counts[ci];
    /* the first half of the donor's points, by index, move to the new cluster */
    for (int64_t i = 0, moved = 0; i < v->n && moved < v->counts[ci]; i++)
        if (v->assign[i] == m) {
            v->assign[i] = ci;
            moved++;
        }
}

/* ---- farthest_point / random_point: a point of a cluster of >= 2 becomes the centroid ---- */

/* Moves point p into the empty cluster ci: its old cluster's centroid (a mean) loses it. */
static void move_point(view *v, int64_t ci, int64_t p)
{
    int64_t o = v->assign[p];
    const float *xp = v->x + p * v->d;
    float *co = v->c + o * v->d, keep = (float)v->counts[o], left = keep - 1;
    for (int64_t j = 0; j < v->d; j++) co[j] = (co[j] * keep - xp[j]) / left;
    memcpy(v->c + ci * v->d, xp, (size_t)v->d * sizeof(float));
    v->counts[o]--;
    v->counts[ci] = 1;
    v->assign[p] = ci;
}

static void farthest_point(view *v, int64_t ci, bool similarity)
{
    int64_t best = -1;
    for (int64_t i = 0; i < v->n; i++) {
        if (v->counts[v->assign[i]] < 2) continue;
        /* squared distance: larger is farther; similarity: smaller is farther */
        if (best < 0 || (similarity ? v->dist[i] < v->dist[best] : v->dist[i] > v->dist[best]))
            best = i;
    }
    move_point(v, ci, best);
}

static void random_point(view *v, int64_t ci, dc_rng *rng)
{
    int64_t p;
    do p = (int64_t)dc_rng_below(rng, (uint64_t)v->n);
    while (v->counts[v->assign[p]] < 2);
    move_point(v, ci, p);
}

dc_status dc_reassign_apply(dc_reassign_kind kind, dc_reassign_ctx *ctx, int64_t *nfixed)
{
    *nfixed = 0;
    DC_CHECK(kind >= 0 && kind < DC_REASSIGN_CALLBACK, DC_ERR_ARG,
             "kmeans: reassign strategy %d is not a built-in one", (int)kind);
    if (kind == DC_REASSIGN_NONE) return DC_OK;
    view v = view_of(ctx);
    for (int64_t ci = 0; ci < v.k; ci++) {
        if (v.counts[ci] != 0) continue;
        switch (kind) {
        case DC_REASSIGN_FAISS_SPLIT: faiss_split(&v, ci, ctx->rng); break;
        case DC_REASSIGN_DEEPERCLUSTER: deepercluster(&v, ci, ctx->rng); break;
        case DC_REASSIGN_FARTHEST_POINT: farthest_point(&v, ci, ctx->similarity); break;
        case DC_REASSIGN_RANDOM_POINT: random_point(&v, ci, ctx->rng); break;
        default: break;
        }
        (*nfixed)++;
    }
    return DC_OK;
}

dc_status dc_reassign_empty_ids(const dc_tensor *counts, int64_t base, dc_tensor *out)
{
    char b[128];
    DC_CHECK(counts && counts->storage && counts->dtype == DC_I64 && counts->ndim == 1,
             DC_ERR_DTYPE, "reassign: counts must be int64 [k], got %s",
             dc_tensor_describe(counts, b, sizeof b));
    const int64_t *c = dc_tensor_data(counts);
    int64_t k = counts->shape[0], s = counts->stride[0], m = 0;
    for (int64_t i = 0; i < k; i++) m += c[i * s] == 0;
    int64_t shape[1] = {m};
    DC_TRY(dc_tensor_ensure(out, DC_I64, 1, shape, "reassign: empty ids"));
    int64_t *o = dc_tensor_data(out), os = out->stride[0];
    for (int64_t i = 0, j = 0; i < k; i++)
        if (c[i * s] == 0) o[os * j++] = i + base;
    return DC_OK;
}
