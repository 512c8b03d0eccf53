/* Reductions against a slow obvious reference: every op, every dim and all, keepdim, on
 * contiguous, transposed, narrowed, permuted and expanded inputs of odd sizes, small and
 * large enough to use threads and the column loop; plus accuracy, NaN, ties, empties,
 * integer exactness, output reuse and the error messages. */
#include <stdlib.h>

#include "tiny_test.h"

/* ---- data ---- */

static uint64_t seed = 12345;

static double uniform(void) /* [-1, 1) */
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(seed >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

static dc_tensor random_tensor(dc_dtype dt, int nd, const int64_t *shape)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, dt, nd, shape));
    int64_t n = dc_tensor_numel(&t);
    for (int64_t i = 0; i < n; i++) {
        double u = uniform();
        if (dt == DC_F32) ((float *)t.storage->data)[i] = (float)(u * 4);
        else if (dt == DC_I64) ((int64_t *)t.storage->data)[i] = (int64_t)(u * 50);
        else ((uint8_t *)t.storage->data)[i] = (uint8_t)((u + 1) * 100);
    }
    return t;
}

/* row-major multi-index of flat position i in shape */
static void unflatten(int64_t i, int nd, const int64_t *shape, int64_t *pos)
{
    for (int d = nd - 1; d >= 0; d--) {
        pos[d] = shape[d] ? i % shape[d] : 0;
        i = shape[d] ? i / shape[d] : 0;
    }
}

/* ---- the reference: enumerate, then compute in double (int64 exactly) ---- */

typedef struct ref {
    double v;     /* float results */
    int64_t l;    /* integer results */
    int64_t idx;  /* extremes */
} ref;

static ref reference_one(dc_reduce_op op, const dc_reduce_cfg *cfg, const dc_tensor *a,
                         int64_t *pos, const int *red, int nred)
{
    int64_t rshape[DC_MAX_DIMS], n = 1, rp[DC_MAX_DIMS];
    for (int k = 0; k < nred; k++) n *= (rshape[k] = a->shape[red[k]]);
    double *x = malloc(sizeof(double) * (size_t)(n ? n : 1));
    int64_t *xi = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    for (int64_t r = 0; r < n; r++) {
        unflatten(r, nred, rshape, rp);
        for (int k = 0; k < nred; k++) pos[red[k]] = rp[k];
        x[r] = dc_tensor_get(a, pos);
        xi[r] = dc_tensor_get_i64(a, pos);
    }
    ref out = {0, 0, -1};
    double mean = 0;
    switch (op) {
    case DC_REDUCE_SUM:
    case DC_REDUCE_MEAN:
        for (int64_t r = 0; r < n; r++) {
            out.v += x[r];
            out.l = (int64_t)((uint64_t)out.l + (uint64_t)xi[r]); /* wraps, as int64 sums do */
        }
        if (op == DC_REDUCE_MEAN) out.v /= (double)n;
        break;
    case DC_REDUCE_PROD:
        out.v = 1;
        out.l = 1;
        for (int64_t r = 0; r < n; r++) {
            out.v *= x[r];
            out.l = (int64_t)((uint64_t)out.l * (uint64_t)xi[r]);
        }
        break;
    case DC_REDUCE_VAR:
    case DC_REDUCE_STD:
        for (int64_t r = 0; r < n; r++) mean += x[r] / (double)n;
        for (int64_t r = 0; r < n; r++) out.v += (x[r] - mean) * (x[r] - mean);
        out.v /= (double)n - (cfg->unbiased ? 1 : 0);
        if (op == DC_REDUCE_STD) out.v = sqrt(out.v);
        break;
    case DC_REDUCE_NORM:
        for (int64_t r = 0; r < n; r++) {
            double m = fabs(x[r]);
            if (cfg->p == 0) out.v += m != 0;
            else if (isinf(cfg->p)) out.v = m > out.v || m != m ? m : out.v;
            else out.v += pow(m, cfg->p);
        }
        if (cfg->p != 0 && !isinf(cfg->p)) out.v = pow(out.v, 1 / cfg->p);
        break;
    default: { /* max, min, argmax, argmin: first NaN, else first extreme */
        bool mx = op == DC_REDUCE_MAX || op == DC_REDUCE_ARGMAX;
        for (int64_t r = 0; r < n; r++) {
            if (x[r] != x[r]) {
                out.idx = r;
                break;
            }
            if (out.idx < 0 || (mx ? x[r] > x[out.idx] : x[r] < x[out.idx])) out.idx = r;
        }
        if (out.idx >= 0) {
            out.v = x[out.idx];
            out.l = xi[out.idx];
        }
        break;
    }
    }
    free(x);
    free(xi);
    return out;
}

static int reported;

/* Runs op with cfg on a (fresh outputs) and compares every output with the reference. */
static void check_op(dc_reduce_op op, const dc_tensor *a, const dc_reduce_cfg *cfg, double tol)
{
    dc_tensor v = dc_tensor_empty(), ix = dc_tensor_empty();
    bool extreme = op == DC_REDUCE_MAX || op == DC_REDUCE_MIN;
    dc_status s = dc_reduce(op, a, cfg, &v, extreme ? &ix : NULL);
    if (s != DC_OK) {
        TT_REPORT("%s dim %d: %s", dc_reduce_name(op), cfg->dim, dc_last_error());
        return;
    }
    int red[DC_MAX_DIMS], nred = 0, kept[DC_MAX_DIMS], nk = 0;
    int64_t kshape[DC_MAX_DIMS], nout = 1;
    for (int d = 0; d < a->ndim; d++) {
        if (cfg->dim == DC_ALL_DIMS || cfg->dim == d) red[nred++] = d;
        else {
            kept[nk] = d;
            kshape[nk++] = a->shape[d];
            nout *= a->shape[d];
        }
    }
    CHECK(v.ndim == (cfg->keepdim ? a->ndim : nk));
    for (int64_t o = 0; o < nout; o++) {
        int64_t kp[DC_MAX_DIMS], pos[DC_MAX_DIMS] = {0}, opos[DC_MAX_DIMS] = {0};
        unflatten(o, nk, kshape, kp);
        for (int k = 0; k < nk; k++) pos[kept[k]] = kp[k];
        for (int d = 0, od = 0; d < a->ndim; d++) {
            bool r = cfg->dim == DC_ALL_DIMS || cfg->dim == d;
            if (!r) opos[od++] = pos[d];
            else if (cfg->keepdim) opos[od++] = 0;
        }
        ref want = reference_one(op, cfg, a, pos, red, nred);
        bool ok;
        double got = dc_tensor_get(&v, opos);
        if (op == DC_REDUCE_ARGMAX || op == DC_REDUCE_ARGMIN)
            ok = dc_tensor_get_i64(&v, opos) == want.idx;
        else if (v.dtype != DC_F32)
            ok = dc_tensor_get_i64(&v, opos) == want.l;
        else if (want.v != want.v)
            ok = got != got;
        else /* float results: as the double reference rounded to float (overflow included) */
            ok = fabs(got - want.v) <= tol * fmax(1.0, fabs(want.v)) || got == (float)want.v;
        if (ok && extreme) ok = dc_tensor_get_i64(&ix, opos) == want.idx;
        if (!ok && reported++ < 10) {
            char b[128];
            TT_REPORT("%s of %s, dim %d keepdim %d unbiased %d p %g, output %lld: got %.9g "
                      "(index %lld), expected %.9g / %lld (index %lld)",
                      dc_reduce_name(op), dc_tensor_describe(a, b, sizeof b), cfg->dim,
                      cfg->keepdim, cfg->unbiased, cfg->p, (long long)o, got,
                      extreme ? (long long)dc_tensor_get_i64(&ix, opos) : -1LL, want.v,
                      (long long)want.l, (long long)want.idx);
        }
    }
    dc_tensor_release(&v);
    dc_tensor_release(&ix);
}

/* Every op, over all elements and each dim, with and without keepdim (small tensors: the
 * reduction itself does not depend on keepdim). */
static void check_all_ops(const dc_tensor *a)
{
    static const double ps[] = {2, 1, 0, 3, INFINITY};
    int keeps = dc_tensor_numel(a) < 1000 ? 2 : 1;
    for (int dim = DC_ALL_DIMS; dim < a->ndim; dim++)
        for (int keep = 0; keep < keeps; keep++)
            for (int op = 0; op < DC_REDUCE_COUNT; op++) {
                dc_reduce_cfg cfg;
                dc_reduce_cfg_init(&cfg);
                cfg.dim = dim;
                cfg.keepdim = keep;
                int64_t n = dim == DC_ALL_DIMS ? dc_tensor_numel(a) : a->shape[dim];
                if (op >= DC_REDUCE_MAX && n == 0) continue;
                if (op == DC_REDUCE_NORM) {
                    for (int k = 0; k < 5; k++) {
                        cfg.p = ps[k];
                        check_op(op, a, &cfg, 1e-5);
                    }
                } else if (op == DC_REDUCE_VAR || op == DC_REDUCE_STD) {
                    for (int u = 0; u < 2; u++) {
                        cfg.unbiased = u;
                        check_op(op, a, &cfg, 1e-5);
                    }
                } else {
                    check_op(op, a, &cfg, 1e-5);
                }
            }
}

/* ---- tests ---- */

static void test_contiguous_shapes(void)
{
    static const int64_t shapes[][4] = {{37}, {5, 7}, {3, 4, 5}, {2, 3, 1, 5}, {1, 1}};
    static const int nds[] = {1, 2, 3, 4, 2};
    for (int dt = 0; dt < DC_DTYPE_COUNT; dt++)
        for (int k = 0; k < 5; k++) {
            dc_tensor a = random_tensor((dc_dtype)dt, nds[k], shapes[k]);
            check_all_ops(&a);
            dc_tensor_release(&a);
        }
}

static void test_zero_dim(void)
{
    int64_t none[1] = {0};
    dc_tensor a = random_tensor(DC_F32, 0, none);
    check_all_ops(&a);
    dc_tensor_release(&a);
}

static void test_views(void)
{
    for (int dt = 0; dt < DC_DTYPE_COUNT; dt++) {
        int64_t s2[2] = {7, 5}, s3[3] = {3, 4, 5}, se[3] = {4, 1, 5}, to[3] = {4, 3, 5};
        dc_tensor m = random_tensor((dc_dtype)dt, 2, s2), c = random_tensor((dc_dtype)dt, 3, s3);
        dc_tensor e = random_tensor((dc_dtype)dt, 3, se), v = dc_tensor_empty();
        CHECK_OK(dc_tensor_transpose(&v, &m, 0, 1));
        check_all_ops(&v);
        int perm[3] = {2, 0, 1};
        CHECK_OK(dc_tensor_permute(&v, &c, perm));
        check_all_ops(&v);
        CHECK_OK(dc_tensor_narrow(&v, &c, 1, 1, 2));
        check_all_ops(&v);
        CHECK_OK(dc_tensor_expand(&v, &e, 3, to));
        check_all_ops(&v);
        dc_tensor_release(&v);
        dc_tensor_release(&m);
        dc_tensor_release(&c);
        dc_tensor_release(&e);
    }
}

/* Sizes past the parallel threshold: one long run, rows of runs, columns, many outputs. */
static void test_large(void)
{
    int64_t s1[1] = {40001}, s2[2] = {130, 257}, s3[2] = {3, 11001}, s4[2] = {11001, 3};
    dc_tensor a = random_tensor(DC_F32, 1, s1), b = random_tensor(DC_F32, 2, s2);
    dc_tensor c = random_tensor(DC_F32, 2, s3), d = random_tensor(DC_F32, 2, s4);
    dc_tensor t = dc_tensor_empty();
    const dc_tensor *list[] = {&a, &b, &c, &d};
    for (int k = 0; k < 4; k++) check_all_ops(list[k]);
    CHECK_OK(dc_tensor_transpose(&t, &b, 0, 1));
    check_all_ops(&t);
    dc_tensor l = random_tensor(DC_I64, 2, s2);
    check_all_ops(&l);
    dc_tensor_release(&l);
    int64_t wide[2] = {5, 9001}; /* columns wider than the largest tile */
    l = random_tensor(DC_F32, 2, wide);
    check_all_ops(&l);
    dc_tensor_release(&l);
    dc_tensor_release(&t);
    dc_tensor_release(&a);
    dc_tensor_release(&b);
    dc_tensor_release(&c);
    dc_tensor_release(&d);
}

/* 10M times 0.1f: a float running sum is off by ~9%; blocked accumulation is not. */
static void test_sum_accuracy(void)
{
    int64_t n = 10000000;
    dc_tensor a = dc_tensor_empty(), s = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&a, DC_F32, 1, &n));
    CHECK_OK(dc_fill(&a, 0.1));
    CHECK_OK(dc_sum(&a, DC_ALL_DIMS, false, &s));
    double want = (double)0.1f * (double)n;
    CHECK_CLOSE(dc_tensor_get(&s, NULL), want, 1e-7);
    /* var around a large mean: two passes keep it */
    float *x = a.storage->data;
    for (int64_t i = 0; i < n; i++) x[i] = 1000.0f + (i % 2 ? 0.5f : -0.5f);
    CHECK_OK(dc_var(&a, DC_ALL_DIMS, false, false, &s));
    CHECK_CLOSE(dc_tensor_get(&s, NULL), 0.25, 1e-5);
    dc_tensor_release(&a);
    dc_tensor_release(&s);
}

static void test_integer_exact(void)
{
    int64_t n = 3;
    dc_tensor a = dc_tensor_empty(), s = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&a, DC_I64, 1, &n));
    int64_t *x = a.storage->data;
    x[0] = (int64_t)1 << 60;
    x[1] = (int64_t)1 << 60;
    x[2] = 1;
    CHECK_OK(dc_sum(&a, DC_ALL_DIMS, false, &s));
    CHECK(s.dtype == DC_I64 && s.ndim == 0);
    CHECK(*(int64_t *)s.storage->data == ((int64_t)1 << 61) + 1);
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    dc_scalar r;
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_SUM, &a, &cfg, &r));
    CHECK(r.is_int && r.i == ((int64_t)1 << 61) + 1);
    x[2] = ((int64_t)1 << 60) + 1;
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_MAX, &a, &cfg, &r));
    CHECK(r.is_int && r.i == ((int64_t)1 << 60) + 1);
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_MEAN, &a, &cfg, &r));
    CHECK(!r.is_int);
    CHECK_CLOSE(r.f, (double)((int64_t)1 << 60), 1e-6);
    dc_tensor_release(&s);
    /* uint8 sums widen to int64 */
    dc_tensor b = dc_tensor_empty();
    int64_t m = 1000;
    CHECK_OK(dc_tensor_alloc(&b, DC_U8, 1, &m));
    CHECK_OK(dc_fill(&b, 255));
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_SUM, &b, &cfg, &r));
    CHECK(r.is_int && r.i == 255000);
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_MAX, &b, &cfg, &r));
    CHECK(r.is_int && r.i == 255);
    dc_tensor_release(&a);
    dc_tensor_release(&b);
}

static void test_nan(void)
{
    int64_t n = 100003;
    dc_tensor a = random_tensor(DC_F32, 1, &n), v = dc_tensor_empty(), ix = dc_tensor_empty();
    float *x = a.storage->data;
    x[50001] = NAN;
    x[70000] = NAN;
    CHECK_OK(dc_max(&a, DC_ALL_DIMS, false, &v, &ix));
    CHECK(isnan(dc_tensor_get(&v, NULL)));
    CHECK(dc_tensor_get_i64(&ix, NULL) == 50001);
    CHECK_OK(dc_min(&a, DC_ALL_DIMS, false, &v, &ix));
    CHECK(isnan(dc_tensor_get(&v, NULL)) && dc_tensor_get_i64(&ix, NULL) == 50001);
    CHECK_OK(dc_argmax(&a, DC_ALL_DIMS, false, &ix));
    CHECK(dc_tensor_get_i64(&ix, NULL) == 50001);
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    dc_scalar r;
    for (int op = 0; op <= DC_REDUCE_MIN; op++) {
        if (op == DC_REDUCE_NORM) cfg.p = INFINITY;
        CHECK_OK(dc_reduce_scalar((dc_reduce_op)op, &a, &cfg, &r));
        if (!isnan(r.f)) TT_REPORT("%s of a tensor with NaN gave %g", dc_reduce_name(op), r.f);
    }
    /* per row, in a [3, 5] with a NaN in row 2 and every path of check_op */
    int64_t s[2] = {3, 5};
    dc_tensor m = random_tensor(DC_F32, 2, s);
    ((float *)m.storage->data)[7] = NAN;
    check_all_ops(&m);
    dc_tensor_release(&m);
    dc_tensor_release(&a);
    dc_tensor_release(&v);
    dc_tensor_release(&ix);
}

static void test_ties_and_infinities(void)
{
    int64_t n = 4, big = 70000;
    dc_tensor a = dc_tensor_empty(), ix = dc_tensor_empty(), v = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&a, DC_F32, 1, &n));
    float vals[4] = {1, 3, 3, 2};
    memcpy(a.storage->data, vals, sizeof vals);
    CHECK_OK(dc_argmax(&a, 0, false, &ix));
    CHECK(dc_tensor_get_i64(&ix, NULL) == 1);
    CHECK_OK(dc_fill(&a, -INFINITY));
    CHECK_OK(dc_max(&a, DC_ALL_DIMS, false, &v, &ix));
    CHECK(dc_tensor_get(&v, NULL) == -INFINITY && dc_tensor_get_i64(&ix, NULL) == 0);
    CHECK_OK(dc_tensor_zeros(&a, DC_F32, 1, &big)); /* all equal, split over threads */
    CHECK_OK(dc_argmax(&a, DC_ALL_DIMS, false, &ix));
    CHECK(dc_tensor_get_i64(&ix, NULL) == 0);
    CHECK_OK(dc_argmin(&a, DC_ALL_DIMS, false, &ix));
    CHECK(dc_tensor_get_i64(&ix, NULL) == 0);
    dc_tensor_release(&a);
    dc_tensor_release(&ix);
    dc_tensor_release(&v);
}

static void test_empty(void)
{
    int64_t z[1] = {0}, z2[2] = {0, 3}, z3[2] = {3, 0};
    dc_tensor a = dc_tensor_empty(), o = dc_tensor_empty(), ix = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&a, DC_F32, 1, z));
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    dc_scalar r;
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_SUM, &a, &cfg, &r));
    CHECK(r.f == 0);
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_PROD, &a, &cfg, &r));
    CHECK(r.f == 1);
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_MEAN, &a, &cfg, &r));
    CHECK(isnan(r.f));
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_NORM, &a, &cfg, &r));
    CHECK(r.f == 0);
    CHECK_FAILS(dc_max(&a, DC_ALL_DIMS, false, &o, NULL), DC_ERR_SHAPE,
                "max: float32 [0] has no elements");
    CHECK_OK(dc_tensor_alloc(&a, DC_F32, 2, z2));
    CHECK_FAILS(dc_argmin(&a, 0, false, &o), DC_ERR_SHAPE,
                "argmin: dimension 1 of float32 [0, 3] is empty");
    CHECK_OK(dc_sum(&a, 0, false, &o));
    CHECK(o.ndim == 1 && o.shape[0] == 3 && dc_tensor_get(&o, (int64_t[]){2}) == 0);
    dc_tensor_release(&o);
    CHECK_OK(dc_max(&a, 1, true, &o, &ix)); /* no outputs: nothing to reduce, no error */
    CHECK(o.ndim == 2 && o.shape[0] == 0 && o.shape[1] == 1);
    CHECK_OK(dc_tensor_alloc(&a, DC_F32, 2, z3));
    dc_tensor_release(&o);
    CHECK_OK(dc_sum(&a, 1, false, &o));
    CHECK(o.shape[0] == 3 && dc_tensor_get(&o, (int64_t[]){1}) == 0);
    dc_tensor_release(&a);
    dc_tensor_release(&o);
    dc_tensor_release(&ix);
}

/* A second call into allocated outputs allocates nothing. */
static void test_output_reuse(void)
{
    int64_t s[2] = {64, 300};
    dc_tensor a = random_tensor(DC_F32, 2, s), o = dc_tensor_empty(), ix = dc_tensor_empty();
    dc_tensor o2 = dc_tensor_empty();
    CHECK_OK(dc_max(&a, 1, false, &o, &ix));
    CHECK_OK(dc_var(&a, 0, true, true, &o2));
    int64_t allocs = dc_mem_get().allocs;
    for (int i = 0; i < 3; i++) {
        CHECK_OK(dc_max(&a, 1, false, &o, &ix));
        CHECK_OK(dc_var(&a, 0, true, true, &o2));
    }
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    dc_scalar r;
    CHECK_OK(dc_reduce_scalar(DC_REDUCE_STD, &a, &cfg, &r));
    CHECK(dc_mem_get().allocs == allocs);
    /* the output may be a strided view: a column of a wider tensor */
    int64_t w[2] = {64, 2};
    dc_tensor wide = dc_tensor_empty(), col = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&wide, DC_F32, 2, w));
    CHECK_OK(dc_tensor_narrow(&col, &wide, 1, 1, 1));
    CHECK_OK(dc_sum(&a, 1, true, &col));
    double want = 0;
    for (int j = 0; j < 300; j++) want += ((float *)a.storage->data)[5 * 300 + j];
    CHECK_CLOSE(dc_tensor_get(&wide, (int64_t[]){5, 1}), want, 1e-5);
    CHECK(dc_tensor_get(&wide, (int64_t[]){5, 0}) == 0);
    dc_tensor_release(&wide);
    dc_tensor_release(&col);
    dc_tensor_release(&a);
    dc_tensor_release(&o);
    dc_tensor_release(&o2);
    dc_tensor_release(&ix);
}

static void test_errors(void)
{
    int64_t s[2] = {3, 4}, w[1] = {3};
    dc_tensor a = random_tensor(DC_F32, 2, s), o = dc_tensor_empty(), bad = dc_tensor_empty();
    CHECK_FAILS(dc_sum(&a, 2, false, &o), DC_ERR_INDEX,
                "sum: dimension 3 out of range for float32 [3, 4]");
    CHECK_FAILS(dc_norm(&a, -1, DC_ALL_DIMS, false, &o), DC_ERR_ARG,
                "norm: order p must be >= 0");
    CHECK_OK(dc_tensor_alloc(&bad, DC_F32, 1, w));
    CHECK_FAILS(dc_sum(&a, 0, false, &bad), DC_ERR_SHAPE,
                "sum: out is float32 [3] but float32 [4] is needed");
    CHECK_FAILS(dc_argmax(&a, 1, false, &bad), DC_ERR_SHAPE,
                "argmax: out is float32 [3] but int64 [3] is needed");
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    CHECK_FAILS(dc_reduce(DC_REDUCE_SUM, &a, &cfg, &o, &bad), DC_ERR_ARG,
                "sum: only max and min return indices");
    dc_tensor gone = dc_tensor_empty();
    CHECK_FAILS(dc_mean(&gone, DC_ALL_DIMS, false, &o), DC_ERR_STATE,
                "mean: input is a released tensor");
    dc_tensor_release(&a);
    dc_tensor_release(&bad);
}

/* Shorthands agree with dc_reduce; scalars agree with 0-d results. */
static void test_shorthands_and_scalars(void)
{
    int64_t s[2] = {6, 7};
    dc_tensor a = random_tensor(DC_F32, 2, s), x = dc_tensor_empty(), y = dc_tensor_empty();
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    cfg.dim = 1;
    cfg.unbiased = false;
    cfg.p = 3;
    for (int op = 0; op < DC_REDUCE_COUNT; op++) {
        dc_tensor_release(&x);
        dc_tensor_release(&y);
        switch (op) {
        case DC_REDUCE_SUM: CHECK_OK(dc_sum(&a, 1, false, &x)); break;
        case DC_REDUCE_MEAN: CHECK_OK(dc_mean(&a, 1, false, &x)); break;
        case DC_REDUCE_PROD: CHECK_OK(dc_prod(&a, 1, false, &x)); break;
        case DC_REDUCE_VAR: CHECK_OK(dc_var(&a, 1, false, false, &x)); break;
        case DC_REDUCE_STD: CHECK_OK(dc_std(&a, 1, false, false, &x)); break;
        case DC_REDUCE_NORM: CHECK_OK(dc_norm(&a, 3, 1, false, &x)); break;
        case DC_REDUCE_MAX: CHECK_OK(dc_max(&a, 1, false, &x, NULL)); break;
        case DC_REDUCE_MIN: CHECK_OK(dc_min(&a, 1, false, &x, NULL)); break;
        case DC_REDUCE_ARGMAX: CHECK_OK(dc_argmax(&a, 1, false, &x)); break;
        default: CHECK_OK(dc_argmin(&a, 1, false, &x)); break;
        }
        CHECK_OK(dc_reduce((dc_reduce_op)op, &a, &cfg, &y, NULL));
        for (int i = 0; i < 6; i++) {
            int64_t p[1] = {i};
            if (dc_tensor_get(&x, p) != dc_tensor_get(&y, p))
                TT_REPORT("%s shorthand differs at %d", dc_reduce_name(op), i);
        }
        /* the scalar form equals the 0-d form */
        dc_reduce_cfg all = cfg;
        all.dim = DC_ALL_DIMS;
        dc_scalar r;
        dc_tensor_release(&y);
        CHECK_OK(dc_reduce_scalar((dc_reduce_op)op, &a, &all, &r));
        CHECK_OK(dc_reduce((dc_reduce_op)op, &a, &all, &y, NULL));
        CHECK(r.is_int ? r.i == dc_tensor_get_i64(&y, NULL) : r.f == dc_tensor_get(&y, NULL));
    }
    dc_tensor_release(&a);
    dc_tensor_release(&x);
    dc_tensor_release(&y);
}

/* One thread or all: the same results (to the last bits of a double, invisible in float). */
static void test_thread_count(void)
{
    int64_t n = 1 << 20, s2[2] = {1000, 1001};
    dc_tensor a = random_tensor(DC_F32, 1, &n), m = random_tensor(DC_F32, 2, s2);
    dc_tensor x1 = dc_tensor_empty(), x2 = dc_tensor_empty(), i1 = dc_tensor_empty();
    dc_tensor i2 = dc_tensor_empty();
    int threads = dc_get_num_threads();
    CHECK_OK(dc_set_num_threads(1));
    CHECK(dc_get_num_threads() == 1);
    CHECK_OK(dc_sum(&a, DC_ALL_DIMS, false, &x1));
    CHECK_OK(dc_max(&m, 0, false, &i1, &i2));
    CHECK_OK(dc_set_num_threads(2));
    CHECK(dc_get_num_threads() == 2);
    CHECK_OK(dc_sum(&a, DC_ALL_DIMS, false, &x2));
    CHECK_CLOSE(dc_tensor_get(&x1, NULL), dc_tensor_get(&x2, NULL), 1e-7);
    dc_tensor_release(&x1);
    dc_tensor_release(&x2);
    CHECK_OK(dc_max(&m, 0, false, &x1, &x2));
    CHECK(memcmp(i1.storage->data, x1.storage->data, i1.storage->nbytes) == 0);
    CHECK(memcmp(i2.storage->data, x2.storage->data, i2.storage->nbytes) == 0);
    CHECK_FAILS(dc_set_num_threads(0), DC_ERR_ARG, "set_num_threads: expected at least 1");
    CHECK_OK(dc_set_num_threads(threads));
    dc_tensor_release(&a);
    dc_tensor_release(&m);
    dc_tensor_release(&x1);
    dc_tensor_release(&x2);
    dc_tensor_release(&i1);
    dc_tensor_release(&i2);
}

int main(void)
{
    RUN_TEST(test_contiguous_shapes);
    RUN_TEST(test_zero_dim);
    RUN_TEST(test_views);
    RUN_TEST(test_large);
    RUN_TEST(test_sum_accuracy);
    RUN_TEST(test_integer_exact);
    RUN_TEST(test_nan);
    RUN_TEST(test_ties_and_infinities);
    RUN_TEST(test_empty);
    RUN_TEST(test_output_reuse);
    RUN_TEST(test_errors);
    RUN_TEST(test_shorthands_and_scalars);
    RUN_TEST(test_thread_count);
    return TEST_SUMMARY();
}
