/* The strided n-ary iterator behind every elementwise op and copy, and the ordered walk of
 * the ops that work along one dimension (see iter.h). */
#include "iter.h"

#include <string.h>

typedef struct iter {
    int nops, ndim;
    int64_t shape[DC_MAX_DIMS];
    int64_t stride[DC_ITER_MAX][DC_MAX_DIMS]; /* bytes */
    char *base[DC_ITER_MAX];
} iter;

/* Merges dimension d into d+1 when every operand steps through them as one. */
static void coalesce(iter *it)
{
    int out = 0;
    int64_t sh[DC_MAX_DIMS], st[DC_ITER_MAX][DC_MAX_DIMS];
    for (int d = 0; d < it->ndim; d++) {
        if (it->shape[d] == 1) continue;
        if (out > 0) {
            bool merge = true;
            for (int k = 0; k < it->nops; k++)
                if (st[k][out - 1] != it->stride[k][d] * it->shape[d]) merge = false;
            if (merge) {
                sh[out - 1] *= it->shape[d];
                for (int k = 0; k < it->nops; k++) st[k][out - 1] = it->stride[k][d];
                continue;
            }
        }
        sh[out] = it->shape[d];
        for (int k = 0; k < it->nops; k++) st[k][out] = it->stride[k][d];
        out++;
    }
    if (out == 0) { /* a single element */
        sh[0] = 1;
        for (int k = 0; k < it->nops; k++) st[k][0] = 0;
        out = 1;
    }
    it->ndim = out;
    memcpy(it->shape, sh, sizeof sh);
    memcpy(it->stride, st, sizeof st);
}

/* Points p at element index r of the first nouter dims (row-major), for every operand. */
static void seek(const iter *it, int nouter, int64_t r, char **p)
{
    for (int k = 0; k < it->nops; k++) p[k] = it->base[k];
    for (int d = nouter - 1; d >= 0 && r > 0; d--) {
        int64_t i = r % it->shape[d];
        r /= it->shape[d];
        for (int k = 0; k < it->nops; k++) p[k] += i * it->stride[k][d];
    }
}

/* Runs the r-th inner run (all dims but the last enumerated in row-major order). */
static void run_row(const iter *it, int64_t r, dc_iter_fn fn, const void *ctx)
{
    char *p[DC_ITER_MAX];
    int64_t s[DC_ITER_MAX];
    seek(it, it->ndim - 1, r, p);
    for (int k = 0; k < it->nops; k++) s[k] = it->stride[k][it->ndim - 1];
    fn(p, s, it->shape[it->ndim - 1], ctx);
}

/* True when an input walks the last two dims the other way round from the output (a
 * transposed copy): row runs would then stride through memory for that input. */
static bool wants_tiles(const iter *it)
{
    int nd = it->ndim;
    if (nd < 2 || it->shape[nd - 1] < 64 || it->shape[nd - 2] < 64) return false;
    for (int k = 1; k < it->nops; k++) {
        int64_t inner = it->stride[k][nd - 1], outer = it->stride[k][nd - 2];
        if (inner < 0) inner = -inner;
        if (outer < 0) outer = -outer;
        if (outer != 0 && outer < inner) return true;
    }
    return false;
}

/* Walks the last two dims in 32 x 32 tiles so both layouts stay in cache; jobs are
 * (plane, band of 32 rows) pairs shared among threads. */
static void run_tiled(const iter *it, int64_t numel, dc_iter_fn fn, const void *ctx)
{
    const int64_t T = 32;
    int nd = it->ndim;
    int64_t R = it->shape[nd - 2], C = it->shape[nd - 1];
    int64_t bands = (R + T - 1) / T, jobs = numel / (R * C) * bands;
#pragma omp parallel for schedule(static) if (numel >= DC_PARALLEL_MIN)
    for (int64_t j = 0; j < jobs; j++) {
        char *base[DC_ITER_MAX], *p[DC_ITER_MAX];
        int64_t s[DC_ITER_MAX];
        seek(it, nd - 2, j / bands, base);
        for (int k = 0; k < it->nops; k++) s[k] = it->stride[k][nd - 1];
        int64_t r0 = j % bands * T, r1 = r0 + T < R ? r0 + T : R;
        for (int64_t c0 = 0; c0 < C; c0 += T) {
            int64_t n = C - c0 < T ? C - c0 : T;
            for (int64_t r = r0; r < r1; r++) {
                for (int k = 0; k < it->nops; k++)
                    p[k] = base[k] + r * it->stride[k][nd - 2] + c0 * s[k];
                fn(p, s, n, ctx);
            }
        }
    }
}

void dc_iter_run(int nops, const dc_tensor *const *t, int ndim, const int64_t *shape,
                 dc_iter_fn fn, const void *ctx)
{
    iter it;
    it.nops = nops;
    it.ndim = ndim;
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        it.shape[d] = shape[d];
        numel *= shape[d];
    }
    if (numel == 0) return;
    for (int k = 0; k < nops; k++) {
        size_t esz = dc_dtype_size(t[k]->dtype);
        it.base[k] = (char *)dc_tensor_data(t[k]);
        for (int d = 0; d < ndim; d++) it.stride[k][d] = t[k]->stride[d] * (int64_t)esz;
    }
    coalesce(&it);
    int64_t inner = it.shape[it.ndim - 1], rows = numel / inner;
    if (wants_tiles(&it)) {
        run_tiled(&it, numel, fn, ctx);
    } else if (numel < DC_PARALLEL_MIN) {
        for (int64_t r = 0; r < rows; r++) run_row(&it, r, fn, ctx);
    } else if (rows == 1) {
        /* one long run: cut it in cache-sized chunks shared among threads */
        const int64_t chunk = 16384;
        int64_t nchunks = (inner + chunk - 1) / chunk;
#pragma omp parallel for schedule(static)
        for (int64_t c = 0; c < nchunks; c++) {
            char *p[DC_ITER_MAX];
            int64_t s[DC_ITER_MAX];
            for (int k = 0; k < nops; k++) {
                s[k] = it.stride[k][0];
                p[k] = it.base[k] + c * chunk * s[k];
            }
            int64_t n = inner - c * chunk < chunk ? inner - c * chunk : chunk;
            fn(p, s, n, ctx);
        }
    } else {
#pragma omp parallel for schedule(static)
        for (int64_t r = 0; r < rows; r++) run_row(&it, r, fn, ctx);
    }
}

/* ---- ordered walks along one dimension ---- */

dc_status dc_check_dim(const dc_tensor *a, int dim, const char *op)
{
    char b[128];
    DC_CHECK(a->ndim > 0, DC_ERR_SHAPE, "%s: needs at least one dimension, got %s", op,
             dc_tensor_describe(a, b, sizeof b));
    DC_CHECK(dim >= 0 && dim < a->ndim, DC_ERR_INDEX,
             "%s: dimension %d out of range for %s", op, dim + 1,
             dc_tensor_describe(a, b, sizeof b));
    return DC_OK;
}

void dc_walk_init(dc_walk *w, int nops, const dc_tensor *const *t, int ndim,
                  const int64_t *shape, int dim, bool lines)
{
    int order[DC_MAX_DIMS], n = 0;
    for (int d = 0; d < ndim; d++)
        if (!lines || d != dim) order[n++] = d;
    if (lines) order[n++] = dim;
    w->nops = nops;
    w->ndim = ndim;
    w->npar = lines ? ndim - 1 : dim;
    for (int k = 0; k < nops; k++) {
        int64_t esz = (int64_t)dc_dtype_size(t[k]->dtype);
        w->base[k] = dc_tensor_data(t[k]);
        for (int d = 0; d < ndim; d++) w->stride[k][d] = t[k]->stride[order[d]] * esz;
    }
    for (int d = 0; d < ndim; d++) w->shape[d] = shape[order[d]];
    if (ndim == 0) { /* a scalar: one run of one element */
        w->ndim = 1;
        w->npar = 0;
        w->shape[0] = 1;
        for (int k = 0; k < nops; k++) w->stride[k][0] = 0;
    }
}

void dc_walk_run(const dc_walk *w, dc_iter_fn fn, const void *ctx)
{
    int64_t outer = 1, total = 1;
    for (int d = 0; d < w->ndim; d++) {
        total *= w->shape[d];
        if (d < w->npar) outer *= w->shape[d];
    }
    if (total == 0) return;
    const int last = w->ndim - 1; /* npar <= last: runs go along the last dim */
#pragma omp parallel for schedule(static) if (outer > 1 && total >= DC_PARALLEL_MIN)
    for (int64_t r = 0; r < outer; r++) {
        char *p[DC_WALK_MAX];
        int64_t s[DC_WALK_MAX], c[DC_MAX_DIMS] = {0}, q = r;
        for (int k = 0; k < w->nops; k++) {
            p[k] = w->base[k];
            s[k] = w->stride[k][last];
        }
        for (int d = w->npar - 1; d >= 0; d--) {
            int64_t i = q % w->shape[d];
            q /= w->shape[d];
            for (int k = 0; k < w->nops; k++) p[k] += i * w->stride[k][d];
        }
        for (;;) {
            fn(p, s, w->shape[last], ctx);
            int d = last - 1;
            for (; d >= w->npar; d--) { /* odometer over the serial dims but the last */
                for (int k = 0; k < w->nops; k++) p[k] += w->stride[k][d];
                if (++c[d] < w->shape[d]) break;
                for (int k = 0; k < w->nops; k++) p[k] -= w->stride[k][d] * w->shape[d];
                c[d] = 0;
            }
            if (d < w->npar) break;
        }
    }
}
