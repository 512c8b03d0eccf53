/* The strided n-ary iterator behind every elementwise op and copy. */
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

/* Runs the r-th inner run (all dims but the last enumerated in row-major order). */
static void run_row(const iter *it, int64_t r, dc_iter_fn fn, const void *ctx)
{
    char *p[DC_ITER_MAX];
    int64_t s[DC_ITER_MAX];
    for (int k = 0; k < it->nops; k++) {
        p[k] = it->base[k];
        s[k] = it->stride[k][it->ndim - 1];
    }
    for (int d = it->ndim - 2; d >= 0 && r > 0; d--) {
        int64_t i = r % it->shape[d];
        r /= it->shape[d];
        for (int k = 0; k < it->nops; k++) p[k] += i * it->stride[k][d];
    }
    fn(p, s, it->shape[it->ndim - 1], ctx);
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
    if (numel < DC_PARALLEL_MIN) {
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
