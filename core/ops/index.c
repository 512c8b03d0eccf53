/* Indexing ops (see index.h).
 *
 * Two ways of walking tensors (iter.h): dc_iter_run for ops whose output elements are all
 * independent (gather, index_select, masked_fill), and dc_walk_run for ops with an order
 * along one dimension (scatter_add accumulates, cumsum carries, masked_select appends).
 * Non-goals: negative (from the end) index values, index tensors of other dtypes. */
#include "index.h"

#include <stdio.h>
#include <string.h>

#include "elementwise.h"
#include "iter.h"

#define DESC(t, buf) dc_tensor_describe((t), (buf), sizeof(buf))

/* ---- shared checks ---- */

static dc_status check_int64(const dc_tensor *t, const char *op, const char *what)
{
    char b[128];
    DC_CHECK(t->dtype == DC_I64, DC_ERR_DTYPE, "%s: %s must be int64, got %s", op, what,
             DESC(t, b));
    return DC_OK;
}

static dc_status check_mask(const dc_tensor *mask, const char *op)
{
    char b[128];
    DC_CHECK(mask->dtype == DC_U8, DC_ERR_DTYPE,
             "%s: mask must be uint8 (as comparisons give), got %s", op, DESC(mask, b));
    return DC_OK;
}

/* Fails unless every value of idx (int64, any layout) lies in base .. base + size - 1, where
 * size is a's size at dim; the message names the first offending value. */
static dc_status check_range(const dc_tensor *idx, int64_t base, const dc_tensor *a, int dim,
                             const char *op)
{
    dc_tensor c = dc_tensor_empty();
    DC_TRY(dc_tensor_contiguous(&c, idx));
    const int64_t *v = dc_tensor_data(&c);
    int64_t n = dc_tensor_numel(&c), hi = base + a->shape[dim] - 1;
    int bad = 0;
#pragma omp parallel for reduction(| : bad) if (n >= DC_PARALLEL_MIN)
    for (int64_t i = 0; i < n; i++) bad |= (v[i] < base) | (v[i] > hi);
    dc_status s = DC_OK;
    for (int64_t i = 0; bad && i < n; i++) {
        if (v[i] >= base && v[i] <= hi) continue;
        char b[128];
        if (a->shape[dim] == 0)
            s = dc_fail(DC_ERR_INDEX, "%s: index %lld out of range: dimension %d of %s is empty",
                        op, (long long)v[i], dim + 1, DESC(a, b));
        else
            s = dc_fail(DC_ERR_INDEX,
                        "%s: index %lld out of range %lld..%lld for dimension %d of %s", op,
                        (long long)v[i], (long long)base, (long long)hi, dim + 1, DESC(a, b));
        break;
    }
    dc_tensor_release(&c);
    return s;
}

/* ---- gather and index_select ---- */

typedef struct gather_ctx {
    int64_t step; /* bytes between consecutive positions of the indexed dim */
    int64_t base;
} gather_ctx;

/* operands: out, idx, source with stride 0 at the indexed dim (the index adds the offset).
 * Elements are moved as bytes, so one kernel per element size serves every dtype. */
#define GATHER_KERNEL(name, ESZ)                                                               \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        const gather_ctx *c = ctx;                                                             \
        if (s[1] == 0) { /* one index for the run: index_select along an outer dim */          \
            const char *src = p[2] + (*(const int64_t *)p[1] - c->base) * c->step;            \
            if (s[0] == (ESZ) && s[2] == (ESZ)) {                                              \
                memcpy(p[0], src, (size_t)n * (ESZ));                                          \
                return;                                                                        \
            }                                                                                  \
            for (int64_t i = 0; i < n; i++) memcpy(p[0] + i * s[0], src + i * s[2], (ESZ));    \
            return;                                                                            \
        }                                                                                      \
        for (int64_t i = 0; i < n; i++) {                                                      \
            int64_t j = *(const int64_t *)(p[1] + i * s[1]) - c->base;                         \
            memcpy(p[0] + i * s[0], p[2] + i * s[2] + j * c->step, (ESZ));                    \
        }                                                                                      \
    }

GATHER_KERNEL(gather_1, 1)
GATHER_KERNEL(gather_4, 4)
GATHER_KERNEL(gather_8, 8)

static dc_iter_fn gather_kernel(dc_dtype dt)
{
    size_t esz = dc_dtype_size(dt);
    return esz == 1 ? gather_1 : esz == 4 ? gather_4 : gather_8;
}

/* A header of a with the given shape and stride 0 at dim, sharing no reference: only its
 * data pointer and strides are read, while the caller keeps a alive. */
static dc_tensor indexed_view(const dc_tensor *a, int ndim, const int64_t *shape, int dim)
{
    dc_tensor v = *a;
    v.ndim = ndim;
    memcpy(v.shape, shape, sizeof(int64_t) * (size_t)ndim);
    v.stride[dim] = 0;
    return v;
}

dc_status dc_index_select(const dc_tensor *a, int dim, const dc_tensor *idx, int64_t base,
                          dc_tensor *out)
{
    char b[128];
    DC_TRY(dc_tensor_check(a, "index_select: a"));
    DC_TRY(dc_tensor_check(idx, "index_select: index"));
    DC_TRY(dc_check_dim(a, dim, "index_select"));
    DC_TRY(check_int64(idx, "index_select", "index"));
    DC_CHECK(idx->ndim == 1, DC_ERR_SHAPE, "index_select: index must be 1-D, got %s",
             DESC(idx, b));
    int64_t shape[DC_MAX_DIMS];
    memcpy(shape, a->shape, sizeof shape);
    shape[dim] = idx->shape[0];
    DC_TRY(check_range(idx, base, a, dim, "index_select"));
    DC_TRY(dc_tensor_ensure(out, a->dtype, a->ndim, shape, "index_select: out"));
    /* the index broadcast over out: stride 0 everywhere but at dim */
    dc_tensor iv = *idx;
    iv.ndim = a->ndim;
    memcpy(iv.shape, shape, sizeof shape);
    for (int d = 0; d < a->ndim; d++) iv.stride[d] = d == dim ? idx->stride[0] : 0;
    dc_tensor av = indexed_view(a, a->ndim, shape, dim);
    gather_ctx c = {a->stride[dim] * (int64_t)dc_dtype_size(a->dtype), base};
    const dc_tensor *ops[3] = {out, &iv, &av};
    dc_iter_run(3, ops, a->ndim, shape, gather_kernel(a->dtype), &c);
    return DC_OK;
}

/* Shapes for gather and scatter_add: idx has a's number of dims and fits in a except at dim. */
static dc_status check_fits(const dc_tensor *idx, const dc_tensor *a, int dim, const char *op)
{
    char b1[128], b2[128];
    DC_CHECK(idx->ndim == a->ndim, DC_ERR_SHAPE,
             "%s: index %s must have as many dimensions as a %s", op, DESC(idx, b1), DESC(a, b2));
    for (int d = 0; d < a->ndim; d++)
        DC_CHECK(d == dim || idx->shape[d] <= a->shape[d], DC_ERR_SHAPE,
                 "%s: index %s is larger than a %s in dimension %d", op, DESC(idx, b1),
                 DESC(a, b2), d + 1);
    return DC_OK;
}

dc_status dc_gather(const dc_tensor *a, int dim, const dc_tensor *idx, int64_t base,
                    dc_tensor *out)
{
    DC_TRY(dc_tensor_check(a, "gather: a"));
    DC_TRY(dc_tensor_check(idx, "gather: index"));
    DC_TRY(dc_check_dim(a, dim, "gather"));
    DC_TRY(check_int64(idx, "gather", "index"));
    DC_TRY(check_fits(idx, a, dim, "gather"));
    DC_TRY(check_range(idx, base, a, dim, "gather"));
    DC_TRY(dc_tensor_ensure(out, a->dtype, idx->ndim, idx->shape, "gather: out"));
    dc_tensor av = indexed_view(a, idx->ndim, idx->shape, dim);
    gather_ctx c = {a->stride[dim] * (int64_t)dc_dtype_size(a->dtype), base};
    const dc_tensor *ops[3] = {out, idx, &av};
    dc_iter_run(3, ops, idx->ndim, idx->shape, gather_kernel(a->dtype), &c);
    return DC_OK;
}

/* ---- scatter_add ---- */

/* operands: a with stride 0 at dim, idx, src. Integer sums wrap (done unsigned). */
#define SCATTER_ADD_KERNEL(name, T, U)                                                         \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        const gather_ctx *c = ctx;                                                             \
        for (int64_t i = 0; i < n; i++) {                                                      \
            int64_t j = *(const int64_t *)(p[1] + i * s[1]) - c->base;                         \
            T *dst = (T *)(p[0] + i * s[0] + j * c->step);                                     \
            *dst = (T)((U)*dst + (U) * (const T *)(p[2] + i * s[2]));                          \
        }                                                                                      \
    }

SCATTER_ADD_KERNEL(scatter_add_f, float, float)
SCATTER_ADD_KERNEL(scatter_add_l, int64_t, uint64_t)
SCATTER_ADD_KERNEL(scatter_add_b, uint8_t, unsigned)

dc_status dc_scatter_add(dc_tensor *a, int dim, const dc_tensor *idx, int64_t base,
                         const dc_tensor *src)
{
    char b1[128], b2[128];
    DC_TRY(dc_tensor_check(a, "scatter_add: a"));
    DC_TRY(dc_tensor_check(idx, "scatter_add: index"));
    DC_TRY(dc_tensor_check(src, "scatter_add: src"));
    DC_TRY(dc_check_dim(a, dim, "scatter_add"));
    DC_TRY(check_int64(idx, "scatter_add", "index"));
    DC_CHECK(src->dtype == a->dtype, DC_ERR_DTYPE,
             "scatter_add: src is %s but a is %s (dtypes must match)", DESC(src, b1),
             DESC(a, b2));
    DC_TRY(check_fits(idx, a, dim, "scatter_add"));
    DC_CHECK(src->ndim == idx->ndim, DC_ERR_SHAPE,
             "scatter_add: src %s must have as many dimensions as index %s", DESC(src, b1),
             DESC(idx, b2));
    for (int d = 0; d < idx->ndim; d++) {
        DC_CHECK(idx->shape[d] <= src->shape[d], DC_ERR_SHAPE,
                 "scatter_add: index %s is larger than src %s in dimension %d", DESC(idx, b1),
                 DESC(src, b2), d + 1);
        /* two positions of one element would be summed by two threads at once */
        DC_CHECK(a->stride[d] != 0 || a->shape[d] <= 1, DC_ERR_ARG,
                 "scatter_add: a %s is broadcast (stride 0) in dimension %d; clone it first",
                 DESC(a, b1), d + 1);
    }
    DC_TRY(check_range(idx, base, a, dim, "scatter_add"));
    dc_tensor av = indexed_view(a, idx->ndim, idx->shape, dim);
    gather_ctx c = {a->stride[dim] * (int64_t)dc_dtype_size(a->dtype), base};
    static const dc_iter_fn k[DC_DTYPE_COUNT] = {scatter_add_f, scatter_add_l, scatter_add_b};
    const dc_tensor *ops[3] = {&av, idx, src};
    dc_walk w;
    /* threads take distinct positions of the dims before dim, hence distinct slices of a */
    dc_walk_init(&w, 3, ops, idx->ndim, idx->shape, dim, false);
    dc_walk_run(&w, k[a->dtype], &c);
    return DC_OK;
}

/* ---- masks ---- */

/* operands: a, mask; ctx: the value, already in a's dtype */
#define MASKED_FILL_KERNEL(name, ESZ)                                                          \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        for (int64_t i = 0; i < n; i++)                                                        \
            if (*(const uint8_t *)(p[1] + i * s[1])) memcpy(p[0] + i * s[0], ctx, (ESZ));     \
    }

MASKED_FILL_KERNEL(masked_fill_1, 1)
MASKED_FILL_KERNEL(masked_fill_4, 4)
MASKED_FILL_KERNEL(masked_fill_8, 8)

dc_status dc_masked_fill(dc_tensor *a, const dc_tensor *mask, double v)
{
    char b1[128], b2[128];
    DC_TRY(dc_tensor_check(a, "masked_fill: a"));
    DC_TRY(dc_tensor_check(mask, "masked_fill: mask"));
    DC_TRY(check_mask(mask, "masked_fill"));
    int nd;
    int64_t shape[DC_MAX_DIMS];
    dc_status st = dc_broadcast_shape(a, mask, &nd, shape, "masked_fill");
    bool fits = st == DC_OK && nd == a->ndim;
    for (int d = 0; fits && d < nd; d++) fits = shape[d] == a->shape[d];
    DC_CHECK(fits, DC_ERR_SHAPE, "masked_fill: mask %s does not broadcast to a %s",
             DESC(mask, b1), DESC(a, b2));
    /* v in a's dtype, converted by dc_fill itself (saturating, as fill does) */
    union { float f; int64_t l; uint8_t b; } val;
    dc_storage vs = {.data = &val, .nbytes = sizeof val, .flags = DC_STORAGE_BORROWED};
    atomic_init(&vs.refs, 1);
    dc_tensor vt = dc_tensor_empty();
    vt.storage = &vs;
    vt.dtype = a->dtype;
    DC_TRY(dc_fill(&vt, v));
    dc_tensor mv = dc_tensor_empty();
    DC_TRY(dc_tensor_expand(&mv, mask, a->ndim, a->shape));
    size_t esz = dc_dtype_size(a->dtype);
    dc_iter_fn k = esz == 1 ? masked_fill_1 : esz == 4 ? masked_fill_4 : masked_fill_8;
    const dc_tensor *ops[2] = {a, &mv};
    dc_iter_run(2, ops, a->ndim, a->shape, k, &val);
    dc_tensor_release(&mv);
    return DC_OK;
}

typedef struct select_ctx {
    int64_t *count;  /* counting pass */
    char **cursor;   /* copying pass: where the next element goes */
    int64_t step;    /* bytes between out elements */
    size_t esz;
} select_ctx;

static void count_nonzero(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    const select_ctx *c = ctx;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) m += *(const uint8_t *)(p[0] + i * s[0]) != 0;
    *c->count += m;
}

/* operands: a, mask */
static void append_selected(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    const select_ctx *c = ctx;
    for (int64_t i = 0; i < n; i++)
        if (*(const uint8_t *)(p[1] + i * s[1])) {
            memcpy(*c->cursor, p[0] + i * s[0], c->esz);
            *c->cursor += c->step;
        }
}

dc_status dc_masked_select(const dc_tensor *a, const dc_tensor *mask, dc_tensor *out)
{
    DC_TRY(dc_tensor_check(a, "masked_select: a"));
    DC_TRY(dc_tensor_check(mask, "masked_select: mask"));
    DC_TRY(check_mask(mask, "masked_select"));
    int nd;
    int64_t shape[DC_MAX_DIMS], count = 0;
    DC_TRY(dc_broadcast_shape(a, mask, &nd, shape, "masked_select"));
    dc_tensor av = dc_tensor_empty(), mv = dc_tensor_empty();
    const dc_tensor *ops[2] = {&av, &mv};
    char *cursor = NULL;
    select_ctx c = {&count, &cursor, 0, dc_dtype_size(a->dtype)};
    dc_walk w;
    dc_status st = dc_tensor_expand(&av, a, nd, shape);
    if (st == DC_OK) st = dc_tensor_expand(&mv, mask, nd, shape);
    if (st != DC_OK) goto cleanup;
    /* serial walks (dim 0, not lines): the output order is the row-major order */
    dc_walk_init(&w, 1, ops + 1, nd, shape, 0, false);
    dc_walk_run(&w, count_nonzero, &c);
    st = dc_tensor_ensure(out, a->dtype, 1, &count, "masked_select: out");
    if (st != DC_OK) goto cleanup;
    cursor = dc_tensor_data(out);
    c.step = out->stride[0] * (int64_t)c.esz;
    dc_walk_init(&w, 2, ops, nd, shape, 0, false);
    dc_walk_run(&w, append_selected, &c);
cleanup:
    dc_tensor_release(&av);
    dc_tensor_release(&mv);
    return st;
}

/* ---- cat ---- */

dc_status dc_cat(const dc_tensor *const *list, int n, int dim, dc_tensor *out)
{
    char b1[128], b2[128];
    DC_CHECK(n >= 1, DC_ERR_ARG, "cat: expected at least one tensor, got %d", n);
    for (int i = 0; i < n; i++) {
        snprintf(b1, sizeof b1, "cat: tensor %d", i + 1);
        DC_TRY(dc_tensor_check(list[i], b1));
    }
    const dc_tensor *first = list[0];
    DC_TRY(dc_check_dim(first, dim, "cat"));
    int64_t shape[DC_MAX_DIMS];
    memcpy(shape, first->shape, sizeof shape);
    shape[dim] = 0;
    for (int i = 0; i < n; i++) {
        const dc_tensor *t = list[i];
        DC_CHECK(t->dtype == first->dtype, DC_ERR_DTYPE,
                 "cat: tensor %d is %s but tensor 1 is %s (dtypes must match)", i + 1,
                 DESC(t, b1), DESC(first, b2));
        bool same = t->ndim == first->ndim;
        for (int d = 0; same && d < t->ndim; d++) same = d == dim || t->shape[d] == shape[d];
        DC_CHECK(same, DC_ERR_SHAPE,
                 "cat: tensor %d is %s but tensor 1 is %s (sizes must match except in "
                 "dimension %d)", i + 1, DESC(t, b1), DESC(first, b2), dim + 1);
        shape[dim] += t->shape[dim];
    }
    DC_TRY(dc_tensor_ensure(out, first->dtype, first->ndim, shape, "cat: out"));
    dc_tensor part = dc_tensor_empty();
    dc_status st = DC_OK;
    int64_t at = 0;
    for (int i = 0; i < n && st == DC_OK; i++) {
        st = dc_tensor_narrow(&part, out, dim, at, list[i]->shape[dim]);
        if (st == DC_OK) st = dc_copy(&part, list[i]);
        at += list[i]->shape[dim];
    }
    dc_tensor_release(&part);
    return st;
}

/* ---- bincount ---- */

dc_status dc_bincount(const dc_tensor *x, const dc_tensor *weights, int64_t minlength,
                      int64_t base, dc_tensor *out)
{
    char b1[128], b2[128];
    DC_TRY(dc_tensor_check(x, "bincount: x"));
    DC_TRY(check_int64(x, "bincount", "x"));
    DC_CHECK(x->ndim == 1, DC_ERR_SHAPE, "bincount: x must be 1-D, got %s", DESC(x, b1));
    if (weights) {
        DC_TRY(dc_tensor_check(weights, "bincount: weights"));
        DC_CHECK(weights->dtype == DC_F32 || weights->dtype == DC_I64, DC_ERR_DTYPE,
                 "bincount: weights must be float32 or int64, got %s", DESC(weights, b1));
        DC_CHECK(dc_tensor_same_shape(weights, x), DC_ERR_SHAPE,
                 "bincount: weights %s must have the shape of x %s", DESC(weights, b1),
                 DESC(x, b2));
    }
    DC_CHECK(minlength >= 0, DC_ERR_ARG, "bincount: minlength must be >= 0, got %lld",
             (long long)minlength);
    dc_tensor cx = dc_tensor_empty(), cw = dc_tensor_empty();
    int64_t n = x->shape[0], lo = INT64_MAX, hi = INT64_MIN, len;
    const int64_t *v;
    dc_status st = dc_tensor_contiguous(&cx, x);
    if (st == DC_OK && weights) st = dc_tensor_contiguous(&cw, weights);
    if (st != DC_OK) goto cleanup;
    v = dc_tensor_data(&cx);
#pragma omp parallel for reduction(min : lo) reduction(max : hi) if (n >= DC_PARALLEL_MIN)
    for (int64_t i = 0; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    if (n > 0 && lo < base) {
        int64_t i = 0;
        while (v[i] >= base) i++;
        st = dc_fail(DC_ERR_INDEX, "bincount: value %lld at position %lld is out of range "
                     "(values must be >= %lld)", (long long)v[i], (long long)(i + base),
                     (long long)base);
        goto cleanup;
    }
    if (n > 0 && hi - base == INT64_MAX) {
        st = dc_fail(DC_ERR_ARG, "bincount: value %lld is too large to count", (long long)hi);
        goto cleanup;
    }
    len = n > 0 && hi - base >= minlength ? hi - base + 1 : minlength;
    st = dc_tensor_ensure(out, weights ? weights->dtype : DC_I64, 1, &len, "bincount: out");
    if (st == DC_OK) st = dc_fill(out, 0);
    if (st != DC_OK) goto cleanup;
    /* serial: a histogram per thread would cost more than the pass for typical sizes */
    if (out->dtype == DC_F32) {
        float *o = dc_tensor_data(out);
        const float *wt = dc_tensor_data(&cw);
        for (int64_t i = 0; i < n; i++) o[(v[i] - base) * out->stride[0]] += wt[i];
    } else {
        int64_t *o = dc_tensor_data(out);
        const int64_t *wt = weights ? dc_tensor_data(&cw) : NULL;
        for (int64_t i = 0; i < n; i++) {
            int64_t *bin = o + (v[i] - base) * out->stride[0];
            *bin = (int64_t)((uint64_t)*bin + (uint64_t)(wt ? wt[i] : 1));
        }
    }
cleanup:
    dc_tensor_release(&cx);
    dc_tensor_release(&cw);
    return st;
}

/* ---- cumsum ---- */

/* operands: out at positions 1.. along dim, out at positions 0.. (one step behind): adds the
 * previous running sum. The walk visits positions in order along dim, so each previous value
 * is final when read. ctx: true when each run is a line along dim, whose sum then stays in a
 * register (same additions, same order). Integer sums wrap (done unsigned). */
#define CARRY_KERNEL(name, T, U)                                                               \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        if (*(const bool *)ctx) {                                                              \
            T acc = *(const T *)p[1];                                                          \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T *o = (T *)(p[0] + i * s[0]);                                                 \
                acc = (T)((U)acc + (U)*o);                                                     \
                *o = acc;                                                                      \
            }                                                                                  \
            return;                                                                            \
        }                                                                                      \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T *o = (T *)(p[0] + i * s[0]);                                                     \
            *o = (T)((U)*o + (U) * (const T *)(p[1] + i * s[1]));                              \
        }                                                                                      \
    }

CARRY_KERNEL(carry_f, float, float)
CARRY_KERNEL(carry_l, int64_t, uint64_t)

dc_status dc_cumsum(const dc_tensor *a, int dim, dc_tensor *out)
{
    DC_TRY(dc_tensor_check(a, "cumsum: a"));
    DC_TRY(dc_check_dim(a, dim, "cumsum"));
    DC_TRY(dc_tensor_ensure(out, a->dtype == DC_F32 ? DC_F32 : DC_I64, a->ndim, a->shape,
                            "cumsum: out"));
    DC_TRY(dc_copy(out, a));
    int64_t n = a->shape[dim];
    if (n <= 1) return DC_OK;
    dc_tensor cur = dc_tensor_empty(), prev = dc_tensor_empty();
    dc_status st = dc_tensor_narrow(&cur, out, dim, 1, n - 1);
    if (st == DC_OK) st = dc_tensor_narrow(&prev, out, dim, 0, n - 1);
    if (st == DC_OK) {
        const dc_tensor *ops[2] = {&cur, &prev};
        dc_walk w;
        bool along = dim == a->ndim - 1;
        dc_walk_init(&w, 2, ops, cur.ndim, cur.shape, dim, false);
        dc_walk_run(&w, out->dtype == DC_F32 ? carry_f : carry_l, &along);
    }
    dc_tensor_release(&cur);
    dc_tensor_release(&prev);
    return st;
}
