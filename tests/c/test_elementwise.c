/* Tests of core/ops/elementwise.c and the iterator against naive element-by-element loops,
 * on broadcast, transposed and large (parallel) inputs. */
#include <math.h>
#include <string.h>

#include "tiny_test.h"

static dc_tensor filled(dc_dtype dt, int ndim, const int64_t *shape, double scale, double shift)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, dt, ndim, shape));
    int64_t idx[DC_MAX_DIMS] = {0};
    for (int64_t i = 0, n = dc_tensor_numel(&t); i < n; i++) {
        int64_t r = i;
        for (int d = ndim - 1; d >= 0; d--) {
            idx[d] = r % shape[d];
            r /= shape[d];
        }
        dc_tensor_set(&t, idx, fmod((double)i * scale + shift, 17.0) - 8.0);
    }
    return t;
}

/* Element of t at the broadcast multi-index idx of an ndim-dimensional result. */
static double bget(const dc_tensor *t, int ndim, const int64_t *idx)
{
    int64_t j[DC_MAX_DIMS];
    int lead = ndim - t->ndim;
    for (int d = 0; d < t->ndim; d++) j[d] = t->shape[d] == 1 ? 0 : idx[d + lead];
    return dc_tensor_get(t, j);
}

static double ref_binary(dc_binop op, double x, double y)
{
    switch (op) {
    case DC_ADD: return x + y;
    case DC_SUB: return x - y;
    case DC_MUL: return x * y;
    case DC_DIV: return x / y;
    case DC_POW: return pow(x, y);
    case DC_MAXIMUM: return x > y ? x : y;
    case DC_MINIMUM: return x < y ? x : y;
    case DC_LT: return x < y;
    case DC_LE: return x <= y;
    case DC_GT: return x > y;
    case DC_GE: return x >= y;
    case DC_EQ: return x == y;
    default: return x != y;
    }
}

/* Compares out = a op b with the naive reference over every element. */
static void check_binary(dc_binop op, const dc_tensor *a, const dc_tensor *b)
{
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_binary(op, a, b, &out));
    int64_t idx[DC_MAX_DIMS] = {0};
    int bad = 0;
    for (int64_t i = 0, n = dc_tensor_numel(&out); i < n && bad < 3; i++) {
        int64_t r = i;
        for (int d = out.ndim - 1; d >= 0; d--) {
            idx[d] = r % out.shape[d];
            r /= out.shape[d];
        }
        double want = ref_binary(op, bget(a, out.ndim, idx), bget(b, out.ndim, idx));
        double got = dc_tensor_get(&out, idx);
        if (got != want && !(fabs(got - want) <= 1e-5 * fmax(1, fabs(want))) &&
            !(isnan(got) && isnan(want))) {
            TT_REPORT("%s element %lld: got %g want %g", dc_binop_name(op), (long long)i, got, want);
            bad++;
        }
    }
    dc_tensor_release(&out);
}

static void test_binary_broadcast_all_ops(void)
{
    int64_t sa[3] = {4, 1, 5}, sb[2] = {3, 1};
    dc_tensor a = filled(DC_F32, 3, sa, 1.3, 0.5), b = filled(DC_F32, 2, sb, 2.1, 3.0);
    for (int op = 0; op < DC_BINOP_COUNT; op++) {
        if (op == DC_POW) continue; /* negative bases: checked below on positives */
        check_binary((dc_binop)op, &a, &b);
    }
    dc_tensor_release(&a);
    dc_tensor_release(&b);
}

static void test_binary_transposed_and_int(void)
{
    int64_t s[2] = {7, 9};
    dc_tensor a = filled(DC_F32, 2, s, 1.0, 0), t = dc_tensor_empty(), b = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&t, &a, 0, 1));
    int64_t s2[2] = {9, 7};
    b = filled(DC_F32, 2, s2, 0.7, 1);
    check_binary(DC_MUL, &t, &b);
    check_binary(DC_SUB, &b, &t);
    dc_tensor ia = filled(DC_I64, 2, s, 3.0, 0), ib = filled(DC_I64, 2, s, 5.0, 2);
    check_binary(DC_ADD, &ia, &ib);
    check_binary(DC_MUL, &ia, &ib);
    check_binary(DC_DIV, &ia, &ib); /* true division, float32 result */
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_binary(DC_ADD, &ia, &ib, &out));
    CHECK(out.dtype == DC_I64);
    dc_tensor_release(&out);
    CHECK_OK(dc_binary(DC_DIV, &ia, &ib, &out));
    CHECK(out.dtype == DC_F32);
    dc_tensor_release(&out);
    CHECK_OK(dc_binary(DC_ADD, &ia, &a, &out)); /* int64 + float32 -> float32 */
    CHECK(out.dtype == DC_F32);
    check_binary(DC_ADD, &ia, &a);
    dc_tensor_release(&out);
    CHECK_OK(dc_binary(DC_LT, &ia, &ib, &out));
    CHECK(out.dtype == DC_U8);
    dc_tensor_release(&out);
    int64_t s3[1] = {5};
    dc_tensor p = filled(DC_F32, 1, s3, 0.0, 10.5); /* positive bases for pow */
    check_binary(DC_POW, &p, &p);
    dc_tensor_release(&p);
    dc_tensor_release(&ia);
    dc_tensor_release(&ib);
    dc_tensor_release(&a);
    dc_tensor_release(&b);
    dc_tensor_release(&t);
}

static void test_large_parallel_and_inplace(void)
{
    int64_t s[1] = {1000003}; /* above the parallel threshold, odd length */
    dc_tensor a = filled(DC_F32, 1, s, 1.0, 0), b = filled(DC_F32, 1, s, 3.0, 1);
    check_binary(DC_ADD, &a, &b);
    dc_tensor c = dc_tensor_empty();
    CHECK_OK(dc_tensor_clone(&c, &a, DC_F32));
    CHECK_OK(dc_binary(DC_ADD, &c, &b, &c)); /* in place */
    float *pc = dc_tensor_data(&c), *pa = dc_tensor_data(&a), *pb = dc_tensor_data(&b);
    int ok = 1;
    for (int64_t i = 0; i < s[0]; i++) ok &= pc[i] == pa[i] + pb[i];
    CHECK(ok);
    /* a large transposed (row-by-row) case goes through the parallel row path */
    int64_t s2[2] = {300, 400};
    dc_tensor m = filled(DC_F32, 2, s2, 1.0, 0), mt = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&mt, &m, 0, 1));
    dc_tensor copy = dc_tensor_empty();
    CHECK_OK(dc_tensor_clone(&copy, &mt, DC_F32));
    int64_t i1[2] = {399, 299}, i2[2] = {299, 399};
    CHECK(dc_tensor_get(&copy, i1) == dc_tensor_get(&m, i2));
    CHECK(dc_tensor_is_contiguous(&copy));
    dc_tensor_release(&copy);
    dc_tensor_release(&mt);
    dc_tensor_release(&m);
    dc_tensor_release(&a);
    dc_tensor_release(&b);
    dc_tensor_release(&c);
}

/* Transposed copies go through 32 x 32 tiles: odd sizes, several planes, every element. */
static void test_tiled_transposed_copy(void)
{
    int64_t s[3] = {3, 67, 130};
    dc_tensor a = filled(DC_F32, 3, s, 1.0, 0), t = dc_tensor_empty(), c = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&t, &a, 1, 2));
    CHECK_OK(dc_tensor_clone(&c, &t, DC_I64));
    int bad = 0;
    for (int64_t p = 0; p < 3; p++)
        for (int64_t i = 0; i < 130; i++)
            for (int64_t j = 0; j < 67; j++) {
                int64_t ic[3] = {p, i, j}, ia[3] = {p, j, i};
                bad += dc_tensor_get(&c, ic) != dc_tensor_get(&a, ia);
            }
    CHECK(bad == 0);
    dc_tensor_release(&a);
    dc_tensor_release(&t);
    dc_tensor_release(&c);
}

static void test_scalar_ops(void)
{
    int64_t s[2] = {2, 3};
    dc_tensor a = filled(DC_I64, 2, s, 1.0, 0), out = dc_tensor_empty();
    CHECK_OK(dc_binary_scalar(DC_MUL, &a, 3, true, false, &out));
    CHECK(out.dtype == DC_I64);
    int64_t i[2] = {1, 2};
    CHECK(dc_tensor_get(&out, i) == 3 * dc_tensor_get(&a, i));
    dc_tensor_release(&out);
    CHECK_OK(dc_binary_scalar(DC_MUL, &a, 0.5, false, false, &out));
    CHECK(out.dtype == DC_F32 && dc_tensor_get(&out, i) == 0.5 * dc_tensor_get(&a, i));
    dc_tensor_release(&out);
    CHECK_OK(dc_binary_scalar(DC_SUB, &a, 10, true, true, &out)); /* 10 - a */
    CHECK(dc_tensor_get(&out, i) == 10 - dc_tensor_get(&a, i));
    dc_tensor_release(&out);
    CHECK_OK(dc_binary_scalar(DC_DIV, &a, 2, true, true, &out)); /* 2 / a */
    CHECK_CLOSE(dc_tensor_get(&out, i), 2 / dc_tensor_get(&a, i), 1e-6);
    dc_tensor_release(&out);
    dc_tensor_release(&a);
}

static void test_integer_overflow_wraps(void)
{
    int64_t s[1] = {1};
    dc_tensor a = dc_tensor_empty(), out = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&a, DC_I64, 1, s));
    CHECK_OK(dc_fill_i64(&a, INT64_MAX));
    CHECK_OK(dc_binary_scalar(DC_ADD, &a, 1, true, false, &out));
    int64_t i0[1] = {0};
    CHECK(dc_tensor_get_i64(&out, i0) == INT64_MIN);
    dc_tensor_release(&out);
    dc_tensor_release(&a);
}

static void test_unary_clamp_where(void)
{
    int64_t s[2] = {3, 4};
    dc_tensor a = filled(DC_F32, 2, s, 1.7, 0.2), out = dc_tensor_empty();
    static const dc_unop ops[] = {DC_NEG, DC_ABS, DC_RELU, DC_EXP, DC_TANH,
                                  DC_FLOOR, DC_CEIL, DC_SIGMOID, DC_SIN, DC_COS};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        CHECK_OK(dc_unary(ops[k], &a, &out));
        int64_t i[2] = {2, 1};
        double x = dc_tensor_get(&a, i), want;
        switch (ops[k]) {
        case DC_NEG: want = -x; break;
        case DC_ABS: want = fabs(x); break;
        case DC_RELU: want = x > 0 ? x : 0; break;
        case DC_EXP: want = exp(x); break;
        case DC_TANH: want = tanh(x); break;
        case DC_FLOOR: want = floor(x); break;
        case DC_CEIL: want = ceil(x); break;
        case DC_SIN: want = sin(x); break;
        case DC_COS: want = cos(x); break;
        default: want = 1 / (1 + exp(-x)); break;
        }
        CHECK_CLOSE(dc_tensor_get(&out, i), want, 1e-6);
        dc_tensor_release(&out);
    }
    CHECK_OK(dc_unary(DC_SQRT, &a, &out));
    int64_t i0[2] = {0, 0};
    CHECK(isnan(dc_tensor_get(&out, i0))); /* sqrt(-7.8) */
    dc_tensor_release(&out);
    CHECK_OK(dc_clamp(&a, -1, 2, &out));
    for (int64_t r = 0; r < 3; r++)
        for (int64_t c = 0; c < 4; c++) {
            int64_t i[2] = {r, c};
            double x = dc_tensor_get(&a, i);
            CHECK_CLOSE(dc_tensor_get(&out, i), x < -1 ? -1 : x > 2 ? 2 : x, 1e-7);
        }
    dc_tensor_release(&out);
    CHECK_FAILS(dc_clamp(&a, 2, 1, &out), DC_ERR_ARG, "clamp: min 2 is larger than max 1");
    dc_tensor mask = dc_tensor_empty(), zero = dc_tensor_empty();
    CHECK_OK(dc_binary_scalar(DC_GT, &a, 0, true, false, &mask));
    CHECK_OK(dc_tensor_zeros(&zero, DC_F32, 0, NULL));
    CHECK_OK(dc_where(&mask, &a, &zero, &out)); /* = relu(a) */
    dc_tensor relu = dc_tensor_empty();
    CHECK_OK(dc_unary(DC_RELU, &a, &relu));
    CHECK(memcmp(dc_tensor_data(&out), dc_tensor_data(&relu), 12 * sizeof(float)) == 0);
    dc_tensor_release(&relu);
    dc_tensor_release(&mask);
    dc_tensor_release(&zero);
    dc_tensor_release(&out);
    dc_tensor_release(&a);
}

static void test_copy_conversions(void)
{
    int64_t s[1] = {6};
    dc_tensor f = dc_tensor_empty(), l = dc_tensor_empty(), b = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&f, DC_F32, 1, s));
    float vals[6] = {-2.7f, -0.5f, 0.5f, 254.6f, 300.0f, NAN};
    memcpy(dc_tensor_data(&f), vals, sizeof vals);
    CHECK_OK(dc_tensor_clone(&l, &f, DC_I64));
    CHECK_OK(dc_tensor_clone(&b, &f, DC_U8));
    int64_t *pl = dc_tensor_data(&l);
    uint8_t *pb = dc_tensor_data(&b);
    CHECK(pl[0] == -2 && pl[1] == 0 && pl[3] == 254 && pl[5] == 0);
    CHECK(pb[0] == 0 && pb[2] == 0 && pb[3] == 254 && pb[4] == 255 && pb[5] == 0);
    dc_tensor_release(&f);
    dc_tensor_release(&l);
    dc_tensor_release(&b);
}

static void test_errors(void)
{
    int64_t s1[1] = {3}, s2[1] = {4};
    dc_tensor a = filled(DC_F32, 1, s1, 1, 0), b = filled(DC_F32, 1, s2, 1, 0);
    dc_tensor out = dc_tensor_empty(), released = dc_tensor_empty();
    CHECK_FAILS(dc_binary(DC_ADD, &a, &b, &out), DC_ERR_SHAPE,
                "add: shapes do not broadcast, a is float32 [3] but b is float32 [4]");
    CHECK_FAILS(dc_binary(DC_MUL, &a, &released, &out), DC_ERR_STATE, "mul: b is a released tensor");
    dc_tensor ia = filled(DC_I64, 1, s1, 1, 0);
    CHECK_FAILS(dc_binary(DC_ADD, &ia, &a, &ia), DC_ERR_SHAPE,
                "add: out is int64 [3] but float32 [3] is needed");
    CHECK_FAILS(dc_copy(&a, &b), DC_ERR_SHAPE, "copy");
    dc_tensor_release(&ia);
    dc_tensor_release(&a);
    dc_tensor_release(&b);
}

int main(void)
{
    RUN_TEST(test_binary_broadcast_all_ops);
    RUN_TEST(test_binary_transposed_and_int);
    RUN_TEST(test_large_parallel_and_inplace);
    RUN_TEST(test_tiled_transposed_copy);
    RUN_TEST(test_scalar_ops);
    RUN_TEST(test_integer_overflow_wraps);
    RUN_TEST(test_unary_clamp_where);
    RUN_TEST(test_copy_conversions);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
