/* Sinkhorn-Knopp equipartition (SwAV's distributed_sinkhorn, SeLa's cpu_sk), in scaling form.
 *
 * Q = diag(a) P diag(b) with P = exp((scores - row max) / epsilon) stored once, in float32, in
 * the output; the iterations only rescale the vectors a (rows) and b (columns), in double:
 *   column step  b_j = N m_j / sum_i P_ij a_i        (cluster j holds N m_j)
 *   row step     a_i = 1 / sum_j P_ij b_j            (point i holds 1)
 * and Q is written once at the end. The row max keeps every row of P away from underflow;
 * starting from a_i = exp((row max - global max) / epsilon) makes the iterates SwAV's own
 * (exp(scores / epsilon) scaled by one constant), so 3 iterations give SwAV's codes.
 *
 * One pass over P does a row step and the next column step together (the row is still in
 * cache). Column sums are summed per fixed block of rows, then over blocks in order, so the
 * result is the same for any thread count. */
#include "sinkhorn.h"

#include <math.h>
#include <string.h>

#include "cluster/check.h"
#include "parallel.h"

/* Row blocks of the column sums: a constant, so that the summation order is one. */
#define NBLOCKS 64
/* Elements from which a pass goes to threads. */
#define PAR_MIN 65536

void dc_sinkhorn_cfg_init(dc_sinkhorn_cfg *cfg)
{
    cfg->iters = 3;
    cfg->epsilon = 0.05;
    cfg->tol = 0;
}

dc_status dc_sinkhorn_cfg_check(const dc_sinkhorn_cfg *cfg)
{
    DC_CHECK(cfg->iters >= 1, DC_ERR_ARG, "sinkhorn: iters must be >= 1, got %d", cfg->iters);
    DC_CHECK(cfg->epsilon > 0 && isfinite(cfg->epsilon), DC_ERR_ARG,
             "sinkhorn: epsilon must be > 0 and finite, got %g", cfg->epsilon);
    DC_CHECK(cfg->tol >= 0 && isfinite(cfg->tol), DC_ERR_ARG,
             "sinkhorn: tol must be >= 0 and finite, got %g", cfg->tol);
    return DC_OK;
}

/* ---- the passes ---- */

typedef struct work {
    float *p;         /* [n, k]: P, then Q */
    int64_t n, k, nb;
    double *a, *b;    /* [n] row scales, [k] column scales */
    double *target;   /* [k]: N m_j */
    double *col;      /* [k]: sum_i P_ij a_i */
    double *part;     /* [nb, k]: col per block of rows */
} work;

static int64_t block_start(const work *w, int64_t blk) { return w->n * blk / w->nb; }

/* col = sum over blocks, in block order. */
static void reduce_blocks(work *w)
{
    int64_t k = w->k, nb = w->nb;
#pragma omp parallel for schedule(static) if (dc_par(nb * k, PAR_MIN))
    for (int64_t j = 0; j < k; j++) {
        double s = 0;
        for (int64_t blk = 0; blk < nb; blk++) s += w->part[blk * k + j];
        w->col[j] = s;
    }
}

/* P = exp((scores - row max) / epsilon) into w->p, a_i = exp((row max - gmax) / epsilon),
 * and the column sums of diag(a) P. s may be w->p (in place: a row is read before written). */
static void exp_pass(work *w, const float *s, float gmax, double epsilon)
{
    int64_t k = w->k;
    float inv = (float)(1.0 / epsilon);
#pragma omp parallel for schedule(static) if (dc_par(w->n * k, PAR_MIN))
    for (int64_t blk = 0; blk < w->nb; blk++) {
        double *part = w->part + blk * k;
        memset(part, 0, (size_t)k * sizeof(double));
        for (int64_t i = block_start(w, blk); i < block_start(w, blk + 1); i++) {
            const float *si = s + i * k;
            float *pi = w->p + i * k, m = si[0];
            for (int64_t j = 1; j < k; j++) m = si[j] > m ? si[j] : m;
            for (int64_t j = 0; j < k; j++) pi[j] = expf((si[j] - m) * inv);
            double ai = exp(((double)m - gmax) / epsilon);
            w->a[i] = ai;
            for (int64_t j = 0; j < k; j++) part[j] += pi[j] * ai;
        }
    }
    reduce_blocks(w);
}

/* Row step a_i = 1 / sum_j P_ij b_j, then the column sums of diag(a) P. A row without mass
 * gets a non-finite a_i (found by the caller). */
static void row_pass(work *w)
{
    int64_t k = w->k;
    const double *b = w->b;
#pragma omp parallel for schedule(static) if (dc_par(w->n * k, PAR_MIN))
    for (int64_t blk = 0; blk < w->nb; blk++) {
        double *part = w->part + blk * k;
        memset(part, 0, (size_t)k * sizeof(double));
        for (int64_t i = block_start(w, blk); i < block_start(w, blk + 1); i++) {
            const float *pi = w->p + i * k;
            double r = 0;
#pragma omp simd reduction(+ : r)
            for (int64_t j = 0; j < k; j++) r += pi[j] * b[j];
            double ai = 1.0 / r;
            w->a[i] = ai;
            for (int64_t j = 0; j < k; j++) part[j] += pi[j] * ai;
        }
    }
    reduce_blocks(w);
}

/* Q = diag(a) P diag(b), in place. */
static void write_pass(work *w)
{
    int64_t k = w->k;
#pragma omp parallel for schedule(static) if (dc_par(w->n * k, PAR_MIN))
    for (int64_t i = 0; i < w->n; i++) {
        float *pi = w->p + i * k;
        double ai = w->a[i];
        for (int64_t j = 0; j < k; j++) pi[j] = (float)(pi[j] * ai * w->b[j]);
    }
}

/* Largest relative error of the column sums of diag(a) P diag(b) against their targets. */
static double marginal_error(const work *w)
{
    double e = 0;
    for (int64_t j = 0; j < w->k; j++)
        if (w->target[j] > 0) e = fmax(e, fabs(w->col[j] * w->b[j] / w->target[j] - 1));
    return e;
}

/* Column step; fails on a cluster that should hold mass but has none. */
static dc_status column_step(work *w, double epsilon)
{
    for (int64_t j = 0; j < w->k; j++) {
        double bj = w->target[j] > 0 ? w->target[j] / w->col[j] : 0;
        DC_CHECK(isfinite(bj), DC_ERR_ARG,
                 "sinkhorn: cluster %lld (0-based) gets no mass: exp((score - row max) / "
                 "epsilon) underflows to 0 in its whole column (epsilon = %g is too small for "
                 "the spread of these scores; raise it)",
                 (long long)j, epsilon);
        w->b[j] = bj;
    }
    return DC_OK;
}

static dc_status check_rows(const work *w)
{
    for (int64_t i = 0; i < w->n; i++)
        DC_CHECK(isfinite(w->a[i]), DC_ERR_ARG,
                 "sinkhorn: row %lld (0-based) gets no mass: its scores are far highest on "
                 "clusters whose marginal is 0",
                 (long long)i);
    return DC_OK;
}

/* ---- entry point ---- */

/* target_j = n m_j from marginals (float32 [k], >= 0, summing to 1) or n / k. */
static dc_status targets(const dc_tensor *m, int64_t n, int64_t k, double *t)
{
    char b[128];
    if (!m) {
        for (int64_t j = 0; j < k; j++) t[j] = (double)n / (double)k;
        return DC_OK;
    }
    DC_CHECK(m->storage, DC_ERR_STATE, "sinkhorn: marginals is a released tensor");
    DC_CHECK(m->dtype == DC_F32 && m->ndim == 1 && m->shape[0] == k, DC_ERR_SHAPE,
             "sinkhorn: marginals must be float32 [%lld] (one per column of scores), got %s",
             (long long)k, dc_tensor_describe(m, b, sizeof b));
    const float *mp = dc_tensor_data(m);
    double sum = 0;
    for (int64_t j = 0; j < k; j++) {
        double v = mp[j * m->stride[0]];
        DC_CHECK(v >= 0 && isfinite(v), DC_ERR_ARG,
                 "sinkhorn: marginals must be >= 0 and finite, got %g at 0-based %lld", v,
                 (long long)j);
        sum += v;
        t[j] = (double)n * v;
    }
    DC_CHECK(fabs(sum - 1) <= 1e-4, DC_ERR_ARG, "sinkhorn: marginals must sum to 1, got %.6g",
             sum);
    return DC_OK;
}

dc_status dc_sinkhorn_solve(const dc_sinkhorn_cfg *cfg, const dc_tensor *scores,
                            const dc_tensor *marginals, dc_tensor *q, dc_sinkhorn_result *res)
{
    char b1[128];
    DC_TRY(dc_sinkhorn_cfg_check(cfg));
    dc_tensor sc = dc_tensor_empty();
    DC_TRY(dc_check_points(scores, "sinkhorn", "scores", &sc));
    dc_status st = DC_OK;
    int64_t n = sc.shape[0], k = sc.shape[1], nb = n < NBLOCKS ? n : NBLOCKS;
    size_t bytes = (size_t)(n + 4 * k + nb * k) * sizeof(double);
    work w = {.n = n, .k = k, .nb = nb};
    double *buf = NULL;
    if (k > n) {
        st = dc_fail(DC_ERR_ARG, "sinkhorn: K = %lld clusters but scores (%s) has only %lld "
                     "points; equal parts need K <= N", (long long)k,
                     dc_tensor_describe(&sc, b1, sizeof b1), (long long)n);
        goto cleanup;
    }
    int64_t shape[2] = {n, k};
    if ((st = dc_tensor_ensure(q, DC_F32, 2, shape, "sinkhorn: q")) != DC_OK) goto cleanup;
    if (!dc_tensor_is_contiguous(q) ||
        (q->storage == sc.storage && q->offset != sc.offset)) {
        st = dc_fail(DC_ERR_ARG, "sinkhorn: q must be contiguous and either scores itself or "
                     "apart from it, got %s", dc_tensor_describe(q, b1, sizeof b1));
        goto cleanup;
    }
    if (!(buf = dc_alloc(bytes))) {
        st = dc_fail(DC_ERR_NOMEM, "sinkhorn: out of memory for %zu bytes of scratch", bytes);
        goto cleanup;
    }
    w.a = buf;
    w.b = w.a + n;
    w.target = w.b + k;
    w.col = w.target + k;
    w.part = w.col + k;
    w.p = dc_tensor_data(q);
    if ((st = targets(marginals, n, k, w.target)) != DC_OK) goto cleanup;

    const float *s = dc_tensor_data(&sc);
    float gmax = s[0];
#pragma omp simd reduction(max : gmax)
    for (int64_t i = 1; i < n * k; i++) gmax = s[i] > gmax ? s[i] : gmax;
    exp_pass(&w, s, gmax, cfg->epsilon);
    int it = 0;
    for (; it < cfg->iters; it++) {
        /* after a row step the column sums are those of the current Q */
        if (it > 0 && cfg->tol > 0 && marginal_error(&w) <= cfg->tol) break;
        if ((st = column_step(&w, cfg->epsilon)) != DC_OK) goto cleanup;
        row_pass(&w);
        if ((st = check_rows(&w)) != DC_OK) goto cleanup;
    }
    write_pass(&w);
    res->iters = it;
    res->err = marginal_error(&w);
cleanup:
    dc_free(buf, bytes);
    dc_tensor_release(&sc);
    return st;
}
