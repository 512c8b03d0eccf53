/* Elementwise kernels: one inner-run function per (op, dtype), driven by core/ops/iter.c.
 * Each kernel has a unit-stride path (vectorised by the compiler), a scalar-operand path and
 * a generic strided path. Integer arithmetic wraps (done in uint64) instead of overflowing. */
#include "elementwise.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "iter.h"

static const char *binop_names[DC_BINOP_COUNT] = {
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "lt", "le", "gt", "ge", "eq", "ne",
};
static const char *unop_names[DC_UNOP_COUNT] = {
    "neg", "abs", "relu", "sqrt", "exp", "log", "sigmoid", "tanh", "floor", "ceil", "sin", "cos",
};

const char *dc_binop_name(dc_binop op) { return binop_names[op]; }

/* A header of t broadcast to ndim/shape, sharing nothing (no refcount): the iterator only
 * reads data pointers, and the caller keeps t alive. */
static dc_tensor broadcast_hdr(const dc_tensor *t, int ndim, const int64_t *shape)
{
    dc_tensor h = *t;
    int lead = ndim - t->ndim;
    h.ndim = ndim;
    for (int d = ndim - 1; d >= 0; d--) {
        int sd = d - lead;
        h.shape[d] = shape[d];
        h.stride[d] = (sd >= 0 && t->shape[sd] == shape[d]) ? t->stride[sd] : 0;
    }
    return h;
}

/* ---- copy / convert ---- */

#define COPY_KERNEL(name, TD, TS)                                                              \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        (void)ctx;                                                                             \
        if (s[0] == (int64_t)sizeof(TD) && s[1] == (int64_t)sizeof(TS)) {                      \
            TD *o = (TD *)p[0];                                                                \
            const TS *a = (const TS *)p[1];                                                    \
            for (int64_t i = 0; i < n; i++) o[i] = (TD)a[i];                                   \
        } else {                                                                               \
            for (int64_t i = 0; i < n; i++)                                                    \
                *(TD *)(p[0] + i * s[0]) = (TD) * (const TS *)(p[1] + i * s[1]);               \
        }                                                                                      \
    }

COPY_KERNEL(copy_f_f, float, float)
COPY_KERNEL(copy_f_l, float, int64_t)
COPY_KERNEL(copy_f_b, float, uint8_t)
COPY_KERNEL(copy_l_l, int64_t, int64_t)
COPY_KERNEL(copy_l_b, int64_t, uint8_t)
COPY_KERNEL(copy_b_l, uint8_t, int64_t)
COPY_KERNEL(copy_b_b, uint8_t, uint8_t)

/* float -> integer conversions truncate toward zero and saturate instead of invoking UB on
 * NaN or out-of-range values. */
static void copy_l_f(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    (void)ctx;
    for (int64_t i = 0; i < n; i++) {
        float v = *(const float *)(p[1] + i * s[1]);
        int64_t r = v != v ? 0 : v >= 9.2233715e18f ? INT64_MAX : v <= -9.2233715e18f ? INT64_MIN
                                                                                    : (int64_t)v;
        *(int64_t *)(p[0] + i * s[0]) = r;
    }
}

static void copy_b_f(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    (void)ctx;
    for (int64_t i = 0; i < n; i++) {
        float v = *(const float *)(p[1] + i * s[1]);
        *(uint8_t *)(p[0] + i * s[0]) = (uint8_t)(v != v ? 0 : v <= 0 ? 0 : v >= 255 ? 255 : v);
    }
}

static const dc_iter_fn copy_kernels[DC_DTYPE_COUNT][DC_DTYPE_COUNT] = {
    [DC_F32] = {[DC_F32] = copy_f_f, [DC_I64] = copy_f_l, [DC_U8] = copy_f_b},
    [DC_I64] = {[DC_F32] = copy_l_f, [DC_I64] = copy_l_l, [DC_U8] = copy_l_b},
    [DC_U8] = {[DC_F32] = copy_b_f, [DC_I64] = copy_b_l, [DC_U8] = copy_b_b},
};

dc_status dc_copy(dc_tensor *dst, const dc_tensor *src)
{
    DC_TRY(dc_tensor_check(dst, "copy: destination"));
    DC_TRY(dc_tensor_check(src, "copy: source"));
    int nd;
    int64_t shape[DC_MAX_DIMS];
    DC_TRY(dc_broadcast_shape(dst, src, &nd, shape, "copy"));
    bool fits = nd == dst->ndim;
    for (int d = 0; fits && d < nd; d++) fits = shape[d] == dst->shape[d];
    if (!fits) {
        char a[128], b[128];
        return dc_fail(DC_ERR_SHAPE, "copy: source %s does not fit destination %s",
                       dc_tensor_describe(src, a, sizeof a), dc_tensor_describe(dst, b, sizeof b));
    }
    dc_tensor s = broadcast_hdr(src, dst->ndim, dst->shape);
    const dc_tensor *ops[2] = {dst, &s};
    dc_iter_run(2, ops, dst->ndim, dst->shape, copy_kernels[dst->dtype][src->dtype], NULL);
    return DC_OK;
}

dc_status dc_tensor_clone(dc_tensor *dst, const dc_tensor *src, dc_dtype dt)
{
    DC_TRY(dc_tensor_check(src, "clone: input"));
    dc_tensor c = dc_tensor_empty();
    DC_TRY(dc_tensor_alloc(&c, dt, src->ndim, src->shape));
    dc_status s = dc_copy(&c, src);
    if (s != DC_OK) {
        dc_tensor_release(&c);
        return s;
    }
    dc_tensor_release(dst);
    *dst = c;
    return DC_OK;
}

dc_status dc_tensor_contiguous(dc_tensor *dst, const dc_tensor *src)
{
    DC_TRY(dc_tensor_check(src, "contiguous: input"));
    if (dc_tensor_is_contiguous(src)) {
        dc_tensor_share(dst, src);
        return DC_OK;
    }
    return dc_tensor_clone(dst, src, src->dtype);
}

dc_status dc_tensor_reshape(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape)
{
    bool viewed;
    DC_TRY(dc_tensor_view_if(dst, src, ndim, shape, "reshape", &viewed));
    if (viewed) return DC_OK;
    dc_tensor c = dc_tensor_empty();
    DC_TRY(dc_tensor_clone(&c, src, src->dtype));
    dc_status s = dc_tensor_view(dst, &c, ndim, shape);
    dc_tensor_release(&c);
    return s;
}

/* ---- fill ---- */

#define FILL_KERNEL(name, T)                                                                   \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        T v = *(const T *)ctx;                                                                 \
        if (s[0] == (int64_t)sizeof(T)) {                                                      \
            T *o = (T *)p[0];                                                                  \
            for (int64_t i = 0; i < n; i++) o[i] = v;                                          \
        } else {                                                                               \
            for (int64_t i = 0; i < n; i++) *(T *)(p[0] + i * s[0]) = v;                       \
        }                                                                                      \
    }

FILL_KERNEL(fill_f, float)
FILL_KERNEL(fill_l, int64_t)
FILL_KERNEL(fill_b, uint8_t)

static dc_status fill_raw(dc_tensor *t, const void *v)
{
    static const dc_iter_fn k[DC_DTYPE_COUNT] = {fill_f, fill_l, fill_b};
    const dc_tensor *ops[1] = {t};
    dc_iter_run(1, ops, t->ndim, t->shape, k[t->dtype], v);
    return DC_OK;
}

dc_status dc_fill(dc_tensor *t, double v)
{
    DC_TRY(dc_tensor_check(t, "fill: tensor"));
    if (t->dtype == DC_I64) {
        int64_t x = v != v ? 0 : v >= 9.2233720368547758e18 ? INT64_MAX
                     : v <= -9.2233720368547758e18          ? INT64_MIN
                                                            : (int64_t)v;
        return fill_raw(t, &x);
    }
    if (t->dtype == DC_U8) {
        uint8_t x = (uint8_t)(v != v || v <= 0 ? 0 : v >= 255 ? 255 : v);
        return fill_raw(t, &x);
    }
    float x = (float)v;
    return fill_raw(t, &x);
}

dc_status dc_fill_i64(dc_tensor *t, int64_t v)
{
    DC_TRY(dc_tensor_check(t, "fill: tensor"));
    if (t->dtype != DC_I64) return dc_fill(t, (double)v);
    return fill_raw(t, &v);
}

/* ---- binary ---- */

#define BINARY_KERNEL(name, T, TO, EXPR)                                                       \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        (void)ctx;                                                                             \
        if (s[0] == (int64_t)sizeof(TO) && s[1] == (int64_t)sizeof(T) &&                       \
            s[2] == (int64_t)sizeof(T)) {                                                      \
            TO *o = (TO *)p[0];                                                                \
            const T *A = (const T *)p[1], *B = (const T *)p[2];                                \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T x = A[i], y = B[i];                                                          \
                o[i] = (TO)(EXPR);                                                             \
            }                                                                                  \
        } else if (s[0] == (int64_t)sizeof(TO) && s[1] == (int64_t)sizeof(T) && s[2] == 0) {   \
            TO *o = (TO *)p[0];                                                                \
            const T *A = (const T *)p[1];                                                      \
            const T y = *(const T *)p[2];                                                      \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T x = A[i];                                                                    \
                o[i] = (TO)(EXPR);                                                             \
            }                                                                                  \
        } else {                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T x = *(const T *)(p[1] + i * s[1]), y = *(const T *)(p[2] + i * s[2]);        \
                *(TO *)(p[0] + i * s[0]) = (TO)(EXPR);                                         \
            }                                                                                  \
        }                                                                                      \
    }

#define WRAP(op) (int64_t)((uint64_t)x op (uint64_t)y)

BINARY_KERNEL(add_f, float, float, x + y)
BINARY_KERNEL(sub_f, float, float, x - y)
BINARY_KERNEL(mul_f, float, float, x * y)
BINARY_KERNEL(div_f, float, float, x / y)
BINARY_KERNEL(pow_f, float, float, powf(x, y))
BINARY_KERNEL(max_f, float, float, (x > y || x != x) ? x : y)
BINARY_KERNEL(min_f, float, float, (x < y || x != x) ? x : y)
BINARY_KERNEL(lt_f, float, uint8_t, x < y)
BINARY_KERNEL(le_f, float, uint8_t, x <= y)
BINARY_KERNEL(gt_f, float, uint8_t, x > y)
BINARY_KERNEL(ge_f, float, uint8_t, x >= y)
BINARY_KERNEL(eq_f, float, uint8_t, x == y)
BINARY_KERNEL(ne_f, float, uint8_t, x != y)
BINARY_KERNEL(add_l, int64_t, int64_t, WRAP(+))
BINARY_KERNEL(sub_l, int64_t, int64_t, WRAP(-))
BINARY_KERNEL(mul_l, int64_t, int64_t, WRAP(*))
BINARY_KERNEL(max_l, int64_t, int64_t, x > y ? x : y)
BINARY_KERNEL(min_l, int64_t, int64_t, x < y ? x : y)
BINARY_KERNEL(lt_l, int64_t, uint8_t, x < y)
BINARY_KERNEL(le_l, int64_t, uint8_t, x <= y)
BINARY_KERNEL(gt_l, int64_t, uint8_t, x > y)
BINARY_KERNEL(ge_l, int64_t, uint8_t, x >= y)
BINARY_KERNEL(eq_l, int64_t, uint8_t, x == y)
BINARY_KERNEL(ne_l, int64_t, uint8_t, x != y)

/* [op][0 = float32, 1 = int64]; NULL: computed in float32 */
static const dc_iter_fn binary_kernels[DC_BINOP_COUNT][2] = {
    [DC_ADD] = {add_f, add_l},     [DC_SUB] = {sub_f, sub_l},     [DC_MUL] = {mul_f, mul_l},
    [DC_DIV] = {div_f, NULL},      [DC_POW] = {pow_f, NULL},      [DC_MAXIMUM] = {max_f, max_l},
    [DC_MINIMUM] = {min_f, min_l}, [DC_LT] = {lt_f, lt_l},        [DC_LE] = {le_f, le_l},
    [DC_GT] = {gt_f, gt_l},        [DC_GE] = {ge_f, ge_l},        [DC_EQ] = {eq_f, eq_l},
    [DC_NE] = {ne_f, ne_l},
};

static bool is_comparison(dc_binop op) { return op >= DC_LT; }

static dc_dtype compute_dtype(dc_binop op, dc_dtype a, dc_dtype b)
{
    if (a == DC_F32 || b == DC_F32 || !binary_kernels[op][1]) return DC_F32;
    return DC_I64;
}

/* Runs op on a and b (either may be a stack scalar) converting operands to the compute dtype
 * when needed. */
static dc_status binary_run(dc_binop op, const dc_tensor *a, const dc_tensor *b, dc_tensor *out)
{
    const char *name = binop_names[op];
    char what[64];
    int nd;
    int64_t shape[DC_MAX_DIMS];
    DC_TRY(dc_broadcast_shape(a, b, &nd, shape, name));
    dc_dtype cdt = compute_dtype(op, a->dtype, b->dtype);
    dc_dtype odt = is_comparison(op) ? DC_U8 : cdt;
    snprintf(what, sizeof what, "%s: out", name);
    DC_TRY(dc_tensor_ensure(out, odt, nd, shape, what));
    dc_tensor ca = dc_tensor_empty(), cb = dc_tensor_empty();
    dc_status st = DC_OK;
    if (a->dtype != cdt) st = dc_tensor_clone(&ca, a, cdt);
    if (st == DC_OK && b->dtype != cdt) st = dc_tensor_clone(&cb, b, cdt);
    if (st == DC_OK) {
        dc_tensor ha = broadcast_hdr(ca.storage ? &ca : a, nd, shape);
        dc_tensor hb = broadcast_hdr(cb.storage ? &cb : b, nd, shape);
        const dc_tensor *ops[3] = {out, &ha, &hb};
        dc_iter_run(3, ops, nd, shape, binary_kernels[op][cdt == DC_I64], NULL);
    }
    dc_tensor_release(&ca);
    dc_tensor_release(&cb);
    return st;
}

dc_status dc_binary(dc_binop op, const dc_tensor *a, const dc_tensor *b, dc_tensor *out)
{
    char what[64];
    snprintf(what, sizeof what, "%s: a", binop_names[op]);
    DC_TRY(dc_tensor_check(a, what));
    snprintf(what, sizeof what, "%s: b", binop_names[op]);
    DC_TRY(dc_tensor_check(b, what));
    return binary_run(op, a, b, out);
}

dc_status dc_binary_scalar(dc_binop op, const dc_tensor *a, double s, bool is_int, bool reversed,
                           dc_tensor *out)
{
    char what[64];
    snprintf(what, sizeof what, "%s: a", binop_names[op]);
    DC_TRY(dc_tensor_check(a, what));
    /* the scalar lives on the stack, already in the compute dtype: no allocation */
    dc_dtype cdt = compute_dtype(op, a->dtype, is_int ? DC_I64 : DC_F32);
    union { float f; int64_t l; } val;
    if (cdt == DC_F32) val.f = (float)s;
    else val.l = (int64_t)s;
    dc_storage st = {.data = &val, .nbytes = sizeof val, .flags = DC_STORAGE_BORROWED};
    atomic_init(&st.refs, 1);
    dc_tensor sc = dc_tensor_empty();
    sc.storage = &st;
    sc.dtype = cdt;
    return reversed ? binary_run(op, &sc, a, out) : binary_run(op, a, &sc, out);
}

/* ---- unary ---- */

#define UNARY_KERNEL(name, T, EXPR)                                                            \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        (void)ctx;                                                                             \
        if (s[0] == (int64_t)sizeof(T) && s[1] == (int64_t)sizeof(T)) {                        \
            T *o = (T *)p[0];                                                                  \
            const T *A = (const T *)p[1];                                                      \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T x = A[i];                                                                    \
                o[i] = (EXPR);                                                                 \
            }                                                                                  \
        } else {                                                                               \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T x = *(const T *)(p[1] + i * s[1]);                                           \
                *(T *)(p[0] + i * s[0]) = (EXPR);                                              \
            }                                                                                  \
        }                                                                                      \
    }

UNARY_KERNEL(neg_f, float, -x)
UNARY_KERNEL(abs_f, float, fabsf(x))
UNARY_KERNEL(relu_f, float, x > 0.0f ? x : (x != x ? x : 0.0f))
UNARY_KERNEL(sqrt_f, float, sqrtf(x))
UNARY_KERNEL(exp_f, float, expf(x))
UNARY_KERNEL(log_f, float, logf(x))
UNARY_KERNEL(sigmoid_f, float, 1.0f / (1.0f + expf(-x)))
UNARY_KERNEL(tanh_f, float, tanhf(x))
UNARY_KERNEL(floor_f, float, floorf(x))
UNARY_KERNEL(ceil_f, float, ceilf(x))
UNARY_KERNEL(sin_f, float, sinf(x))
UNARY_KERNEL(cos_f, float, cosf(x))
UNARY_KERNEL(neg_l, int64_t, (int64_t)(0 - (uint64_t)x))
UNARY_KERNEL(abs_l, int64_t, x < 0 ? (int64_t)(0 - (uint64_t)x) : x)
UNARY_KERNEL(relu_l, int64_t, x > 0 ? x : 0)
UNARY_KERNEL(id_l, int64_t, x)

static const dc_iter_fn unary_kernels[DC_UNOP_COUNT][2] = {
    [DC_NEG] = {neg_f, neg_l},     [DC_ABS] = {abs_f, abs_l},   [DC_RELU] = {relu_f, relu_l},
    [DC_SQRT] = {sqrt_f, NULL},    [DC_EXP] = {exp_f, NULL},    [DC_LOG] = {log_f, NULL},
    [DC_SIGMOID] = {sigmoid_f, NULL}, [DC_TANH] = {tanh_f, NULL}, [DC_FLOOR] = {floor_f, id_l},
    [DC_CEIL] = {ceil_f, id_l},    [DC_SIN] = {sin_f, NULL},    [DC_COS] = {cos_f, NULL},
};

dc_status dc_unary(dc_unop op, const dc_tensor *a, dc_tensor *out)
{
    char what[64];
    snprintf(what, sizeof what, "%s: a", unop_names[op]);
    DC_TRY(dc_tensor_check(a, what));
    dc_dtype cdt = (a->dtype == DC_F32 || !unary_kernels[op][1]) ? DC_F32 : DC_I64;
    snprintf(what, sizeof what, "%s: out", unop_names[op]);
    DC_TRY(dc_tensor_ensure(out, cdt, a->ndim, a->shape, what));
    dc_tensor ca = dc_tensor_empty();
    if (a->dtype != cdt) DC_TRY(dc_tensor_clone(&ca, a, cdt));
    const dc_tensor *ops[2] = {out, ca.storage ? &ca : a};
    dc_iter_run(2, ops, a->ndim, a->shape, unary_kernels[op][cdt == DC_I64], NULL);
    dc_tensor_release(&ca);
    return DC_OK;
}

/* ---- clamp ---- */

typedef struct clamp_ctx { double lo, hi; } clamp_ctx;

static void clamp_f(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    const clamp_ctx *c = ctx;
    float lo = c->lo != c->lo ? -INFINITY : (float)c->lo;
    float hi = c->hi != c->hi ? INFINITY : (float)c->hi;
    for (int64_t i = 0; i < n; i++) {
        float x = *(const float *)(p[1] + i * s[1]);
        *(float *)(p[0] + i * s[0]) = x < lo ? lo : x > hi ? hi : x;
    }
}

static void clamp_l(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    const clamp_ctx *c = ctx;
    double lo = c->lo != c->lo ? -INFINITY : c->lo, hi = c->hi != c->hi ? INFINITY : c->hi;
    for (int64_t i = 0; i < n; i++) {
        int64_t x = *(const int64_t *)(p[1] + i * s[1]);
        *(int64_t *)(p[0] + i * s[0]) = (double)x < lo ? (int64_t)lo : (double)x > hi ? (int64_t)hi : x;
    }
}

dc_status dc_clamp(const dc_tensor *a, double lo, double hi, dc_tensor *out)
{
    DC_TRY(dc_tensor_check(a, "clamp: a"));
    DC_CHECK(!(lo > hi), DC_ERR_ARG, "clamp: min %g is larger than max %g", lo, hi);
    dc_dtype cdt = a->dtype == DC_F32 ? DC_F32 : DC_I64;
    DC_TRY(dc_tensor_ensure(out, cdt, a->ndim, a->shape, "clamp: out"));
    dc_tensor ca = dc_tensor_empty();
    if (a->dtype != cdt) DC_TRY(dc_tensor_clone(&ca, a, cdt));
    clamp_ctx c = {lo, hi};
    const dc_tensor *ops[2] = {out, ca.storage ? &ca : a};
    dc_iter_run(2, ops, a->ndim, a->shape, cdt == DC_F32 ? clamp_f : clamp_l, &c);
    dc_tensor_release(&ca);
    return DC_OK;
}

/* ---- where ---- */

#define WHERE_KERNEL(name, T)                                                                  \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                   \
    {                                                                                          \
        (void)ctx;                                                                             \
        for (int64_t i = 0; i < n; i++)                                                        \
            *(T *)(p[0] + i * s[0]) = *(const uint8_t *)(p[1] + i * s[1])                      \
                                          ? *(const T *)(p[2] + i * s[2])                      \
                                          : *(const T *)(p[3] + i * s[3]);                     \
    }

WHERE_KERNEL(where_f, float)
WHERE_KERNEL(where_l, int64_t)
WHERE_KERNEL(where_b, uint8_t)

dc_status dc_where(const dc_tensor *cond, const dc_tensor *a, const dc_tensor *b,
                   dc_tensor *out)
{
    DC_TRY(dc_tensor_check(cond, "where: condition"));
    DC_TRY(dc_tensor_check(a, "where: a"));
    DC_TRY(dc_tensor_check(b, "where: b"));
    int nd, nd2;
    int64_t sh[DC_MAX_DIMS], sh2[DC_MAX_DIMS];
    DC_TRY(dc_broadcast_shape(a, b, &nd, sh, "where"));
    dc_tensor hab = broadcast_hdr(a, nd, sh); /* only its shape is used below */
    DC_TRY(dc_broadcast_shape(cond, &hab, &nd2, sh2, "where"));
    dc_dtype dt = a->dtype == b->dtype ? a->dtype : compute_dtype(DC_ADD, a->dtype, b->dtype);
    DC_TRY(dc_tensor_ensure(out, dt, nd2, sh2, "where: out"));
    dc_tensor cc = dc_tensor_empty(), ca = dc_tensor_empty(), cb = dc_tensor_empty();
    dc_status st = DC_OK;
    if (cond->dtype != DC_U8) st = dc_binary_scalar(DC_NE, cond, 0, true, false, &cc);
    if (st == DC_OK && a->dtype != dt) st = dc_tensor_clone(&ca, a, dt);
    if (st == DC_OK && b->dtype != dt) st = dc_tensor_clone(&cb, b, dt);
    if (st == DC_OK) {
        dc_tensor hc = broadcast_hdr(cc.storage ? &cc : cond, nd2, sh2);
        dc_tensor ha = broadcast_hdr(ca.storage ? &ca : a, nd2, sh2);
        dc_tensor hb = broadcast_hdr(cb.storage ? &cb : b, nd2, sh2);
        const dc_tensor *ops[4] = {out, &hc, &ha, &hb};
        static const dc_iter_fn k[DC_DTYPE_COUNT] = {where_f, where_l, where_b};
        dc_iter_run(4, ops, nd2, sh2, k[dt], NULL);
    }
    dc_tensor_release(&cc);
    dc_tensor_release(&ca);
    dc_tensor_release(&cb);
    return st;
}
