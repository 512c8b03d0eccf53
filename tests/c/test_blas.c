/* Matrix products against a triple loop in double: every layout BLAS takes as it is
 * (contiguous, transposed, padded rows), the ones that need a copy (no unit stride,
 * expanded), every output layout, numpy's matmul cases with batch broadcasting, addmm's
 * alpha/beta/in-place, empty sizes, output reuse and the error messages. */
#include <stdarg.h>
#include <stdlib.h>

#include "tiny_test.h"

static uint64_t seed = 777;

static float uniform(void) /* [-1, 1) */
{
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((double)(seed >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

static dc_tensor rand_t(int nd, const int64_t *shape)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_F32, nd, shape));
    float *x = t.storage->data;
    for (int64_t i = 0; i < dc_tensor_numel(&t); i++) x[i] = uniform();
    return t;
}

static dc_tensor shape_t(int nd, ...)
{
    int64_t shape[DC_MAX_DIMS];
    va_list ap;
    va_start(ap, nd);
    for (int d = 0; d < nd; d++) shape[d] = va_arg(ap, int);
    va_end(ap);
    return rand_t(nd, shape);
}

static void unflatten(int64_t i, int nd, const int64_t *shape, int64_t *pos)
{
    for (int d = nd - 1; d >= 0; d--) {
        pos[d] = shape[d] ? i % shape[d] : 0;
        i = shape[d] ? i / shape[d] : 0;
    }
}

/* numpy matmul by definition: out[batch.., i, j] = sum_k a[.., i, k] b[.., k, j] with
 * broadcast batch indices; a 1-D a has no i, a 1-D b no j. */
static double ref_matmul_at(const dc_tensor *a, const dc_tensor *b, const dc_tensor *out,
                            const int64_t *opos)
{
    int nb = out->ndim - (a->ndim > 1) - (b->ndim > 1);
    int64_t i = a->ndim > 1 ? opos[nb] : 0, j = b->ndim > 1 ? opos[out->ndim - 1] : 0;
    int64_t k = a->shape[a->ndim - 1];
    double s = 0;
    for (int64_t q = 0; q < k; q++) {
        int64_t pa[DC_MAX_DIMS], pb[DC_MAX_DIMS];
        int ba = a->ndim - 2, bb = b->ndim - 2; /* batch dims of a and b */
        for (int d = 0; d < ba; d++) {
            int od = nb - ba + d;
            pa[d] = a->shape[d] == 1 ? 0 : opos[od];
        }
        for (int d = 0; d < bb; d++) {
            int od = nb - bb + d;
            pb[d] = b->shape[d] == 1 ? 0 : opos[od];
        }
        if (a->ndim == 1) pa[0] = q;
        else {
            pa[a->ndim - 2] = i;
            pa[a->ndim - 1] = q;
        }
        if (b->ndim == 1) pb[0] = q;
        else {
            pb[b->ndim - 2] = q;
            pb[b->ndim - 1] = j;
        }
        s += dc_tensor_get(a, pa) * dc_tensor_get(b, pb);
    }
    return s;
}

static int reported;

/* Compares out with alpha * matmul(a, b) + beta * c0 (c0 a snapshot of out's old values
 * broadcast, may be NULL). */
static void check_product(const char *what, const dc_tensor *a, const dc_tensor *b,
                          const dc_tensor *out, double alpha, double beta, const dc_tensor *c0)
{
    int64_t n = dc_tensor_numel(out), pos[DC_MAX_DIMS];
    for (int64_t o = 0; o < n; o++) {
        unflatten(o, out->ndim, out->shape, pos);
        double want = alpha * ref_matmul_at(a, b, out, pos);
        if (c0 && beta != 0) {
            int64_t cp[DC_MAX_DIMS];
            for (int d = 0; d < c0->ndim; d++) {
                int od = out->ndim - c0->ndim + d;
                cp[d] = c0->shape[d] == 1 ? 0 : pos[od];
            }
            want += beta * dc_tensor_get(c0, cp);
        }
        double got = dc_tensor_get(out, pos);
        if (!(fabs(got - want) <= 1e-4 * fmax(1.0, fabs(want))) && reported++ < 10)
            TT_REPORT("%s: element %lld is %.7g, expected %.7g", what, (long long)o, got, want);
    }
}

static void mm_case(const char *what, const dc_tensor *a, const dc_tensor *b)
{
    dc_tensor out = dc_tensor_empty();
    dc_status s = dc_mm(a, b, &out);
    if (s != DC_OK) TT_REPORT("%s: %s", what, dc_last_error());
    else check_product(what, a, b, &out, 1, 0, NULL);
    dc_tensor_release(&out);
}

/* ---- tests ---- */

static void test_mm_layouts(void)
{
    dc_tensor a = shape_t(2, 5, 7), b = shape_t(2, 7, 3), at = dc_tensor_empty();
    dc_tensor bt = dc_tensor_empty(), src = shape_t(2, 7, 5), srcb = shape_t(2, 3, 7);
    mm_case("contiguous", &a, &b);
    CHECK_OK(dc_tensor_transpose(&at, &src, 0, 1)); /* [5, 7], column-major */
    CHECK_OK(dc_tensor_transpose(&bt, &srcb, 0, 1)); /* [7, 3], column-major */
    mm_case("a transposed", &at, &b);
    mm_case("b transposed", &a, &bt);
    mm_case("both transposed", &at, &bt);
    /* padded rows: columns 2..8 of a [5, 11] */
    dc_tensor wide = shape_t(2, 5, 11), pad = dc_tensor_empty();
    CHECK_OK(dc_tensor_narrow(&pad, &wide, 1, 2, 7));
    mm_case("padded rows", &pad, &b);
    /* no unit stride: every other element of [5, 7, 2] -> copied */
    dc_tensor deep = shape_t(3, 5, 7, 2), strided = dc_tensor_empty();
    CHECK_OK(dc_tensor_select(&strided, &deep, 2, 1));
    mm_case("no unit stride", &strided, &b);
    /* an expanded (stride 0) row */
    dc_tensor row = shape_t(2, 1, 7), exp = dc_tensor_empty();
    int64_t es[2] = {5, 7};
    CHECK_OK(dc_tensor_expand(&exp, &row, 2, es));
    mm_case("expanded", &exp, &b);
    /* vectors as matrices, k = 1 */
    dc_tensor r1 = shape_t(2, 1, 7), c1 = shape_t(2, 7, 1), k1a = shape_t(2, 6, 1);
    dc_tensor k1b = shape_t(2, 1, 4);
    mm_case("row times matrix", &r1, &b);
    mm_case("matrix times column", &a, &c1);
    mm_case("outer product", &k1a, &k1b);
    mm_case("dot as 1x1", &r1, &c1);
    /* big enough for OpenBLAS's threads */
    dc_tensor ba = shape_t(2, 67, 129), bb = shape_t(2, 129, 95);
    mm_case("large", &ba, &bb);
    dc_tensor *all[] = {&a, &b, &at, &bt, &src, &srcb, &wide, &pad, &deep, &strided, &row,
                        &exp, &r1, &c1, &k1a, &k1b, &ba, &bb};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

/* Outputs: column-major (computed as the transposed product), strided (via a temporary),
 * NaN-filled with beta 0 (ignored). */
static void test_mm_outputs(void)
{
    dc_tensor a = shape_t(2, 6, 4), b = shape_t(2, 4, 9), store = shape_t(2, 9, 6);
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&out, &store, 0, 1));
    CHECK_OK(dc_mm(&a, &b, &out));
    check_product("column-major out", &a, &b, &out, 1, 0, NULL);
    dc_tensor deep = shape_t(3, 6, 9, 2);
    CHECK_OK(dc_tensor_select(&out, &deep, 2, 0));
    CHECK_OK(dc_mm(&a, &b, &out));
    check_product("strided out", &a, &b, &out, 1, 0, NULL);
    CHECK(fabs(dc_tensor_get(&deep, (int64_t[]){2, 3, 1})) <= 1); /* the other half untouched */
    dc_tensor nan = dc_tensor_empty();
    int64_t s[2] = {6, 9};
    CHECK_OK(dc_tensor_alloc(&nan, DC_F32, 2, s));
    CHECK_OK(dc_fill(&nan, NAN));
    CHECK_OK(dc_mm(&a, &b, &nan));
    check_product("NaN-filled out", &a, &b, &nan, 1, 0, NULL);
    dc_tensor v = shape_t(1, 4), y = dc_tensor_empty();
    int64_t n6 = 6;
    CHECK_OK(dc_tensor_alloc(&y, DC_F32, 1, &n6));
    CHECK_OK(dc_fill(&y, NAN));
    CHECK_OK(dc_mv(&a, &v, &y));
    check_product("NaN-filled mv out", &a, &v, &y, 1, 0, NULL);
    dc_tensor *all[] = {&a, &b, &store, &out, &deep, &nan, &v, &y};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_bmm(void)
{
    dc_tensor a = shape_t(3, 3, 4, 5), b = shape_t(3, 3, 5, 2), out = dc_tensor_empty();
    CHECK_OK(dc_bmm(&a, &b, &out));
    check_product("bmm", &a, &b, &out, 1, 0, NULL);
    /* per-batch transposed operands: permuted views */
    dc_tensor sa = shape_t(3, 3, 5, 4), sb = shape_t(3, 2, 5, 3), ta = dc_tensor_empty();
    dc_tensor tb = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&ta, &sa, 1, 2));
    int perm[3] = {2, 1, 0};
    CHECK_OK(dc_tensor_permute(&tb, &sb, perm));
    dc_tensor_release(&out);
    CHECK_OK(dc_bmm(&ta, &tb, &out));
    check_product("bmm transposed", &ta, &tb, &out, 1, 0, NULL);
    dc_tensor *all[] = {&a, &b, &out, &sa, &sb, &ta, &tb};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void matmul_case(const char *what, const dc_tensor *a, const dc_tensor *b, int ond,
                        const int64_t *oshape)
{
    dc_tensor out = dc_tensor_empty();
    dc_status s = dc_matmul(a, b, &out);
    if (s != DC_OK) {
        TT_REPORT("%s: %s", what, dc_last_error());
        return;
    }
    bool shape_ok = out.ndim == ond;
    for (int d = 0; shape_ok && d < ond; d++) shape_ok = out.shape[d] == oshape[d];
    char got[128];
    if (!shape_ok) TT_REPORT("%s: result is %s", what, dc_tensor_describe(&out, got, sizeof got));
    else check_product(what, a, b, &out, 1, 0, NULL);
    dc_tensor_release(&out);
}

static void test_matmul(void)
{
    dc_tensor v5 = shape_t(1, 5), w5 = shape_t(1, 5), m45 = shape_t(2, 4, 5);
    dc_tensor m56 = shape_t(2, 5, 6);
    dc_tensor s4 = shape_t(4, 2, 3, 4, 5), b3 = shape_t(3, 3, 5, 6), a1 = shape_t(4, 2, 1, 4, 5);
    dc_tensor t245 = shape_t(3, 2, 4, 5), t256 = shape_t(3, 2, 5, 6);
    matmul_case("1-D . 1-D", &v5, &w5, 0, NULL);
    matmul_case("2-D @ 1-D", &m45, &v5, 1, (int64_t[]){4});
    matmul_case("1-D @ 2-D", &v5, &m56, 1, (int64_t[]){6});
    matmul_case("2-D @ 2-D", &m45, &m56, 2, (int64_t[]){4, 6});
    matmul_case("4-D @ 2-D (rows folded)", &s4, &m56, 4, (int64_t[]){2, 3, 4, 6});
    matmul_case("broadcast batch", &a1, &b3, 4, (int64_t[]){2, 3, 4, 6});
    matmul_case("1-D @ 3-D", &v5, &t256, 2, (int64_t[]){2, 6});
    matmul_case("3-D @ 1-D", &t245, &v5, 2, (int64_t[]){2, 4});
    matmul_case("2-D @ 3-D", &m45, &t256, 3, (int64_t[]){2, 4, 6});
    /* a transposed stack cannot fold its rows: one product per batch */
    dc_tensor src = shape_t(3, 2, 5, 4), tr = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&tr, &src, 1, 2));
    matmul_case("transposed stack @ 2-D", &tr, &m56, 3, (int64_t[]){2, 4, 6});
    /* the folded product writes into a given output without allocating */
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_matmul(&s4, &m56, &out));
    int64_t allocs = dc_mem_get().allocs;
    CHECK_OK(dc_matmul(&s4, &m56, &out));
    CHECK(dc_mem_get().allocs == allocs);
    dc_tensor *all[] = {&v5, &w5, &m45, &m56, &s4, &b3, &a1, &t245, &t256, &src, &tr, &out};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_mv_dot(void)
{
    dc_tensor a = shape_t(2, 6, 5), v = shape_t(1, 5), out = dc_tensor_empty();
    CHECK_OK(dc_mv(&a, &v, &out));
    check_product("mv", &a, &v, &out, 1, 0, NULL);
    dc_tensor src = shape_t(2, 5, 6), at = dc_tensor_empty(), m = shape_t(2, 5, 3);
    dc_tensor col = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&at, &src, 0, 1));
    CHECK_OK(dc_tensor_select(&col, &m, 1, 2)); /* stride 3 */
    dc_tensor_release(&out);
    CHECK_OK(dc_mv(&at, &col, &out));
    check_product("mv transposed, strided", &at, &col, &out, 1, 0, NULL);
    double r = 0, want = 0;
    dc_tensor w = shape_t(1, 5), one = shape_t(1, 1), e = dc_tensor_empty();
    CHECK_OK(dc_dot(&v, &col, &r));
    for (int64_t i = 0; i < 5; i++) want += dc_tensor_get(&v, &i) * dc_tensor_get(&col, &i);
    CHECK_CLOSE(r, want, 1e-5);
    int64_t five = 5;
    CHECK_OK(dc_tensor_expand(&e, &one, 1, &five)); /* stride 0: copied for BLAS */
    CHECK_OK(dc_dot(&w, &e, &r));
    want = 0;
    int64_t first[1] = {0};
    for (int64_t i = 0; i < 5; i++) want += dc_tensor_get(&w, &i) * dc_tensor_get(&one, first);
    CHECK_CLOSE(r, want, 1e-5);
    dc_tensor *all[] = {&a, &v, &out, &src, &at, &m, &col, &w, &one, &e};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_addmm(void)
{
    dc_tensor a = shape_t(2, 4, 3), b = shape_t(2, 3, 5), bias = shape_t(1, 5);
    dc_tensor c = shape_t(2, 4, 5), out = dc_tensor_empty(), c0 = dc_tensor_empty();
    CHECK_OK(dc_addmm(&bias, &a, &b, 1, 1, &out));
    check_product("addmm bias row", &a, &b, &out, 1, 1, &bias);
    dc_tensor_release(&out);
    CHECK_OK(dc_addmm(&c, &a, &b, 0.5, -2, &out));
    check_product("addmm alpha beta", &a, &b, &out, 0.5, -2, &c);
    CHECK_OK(dc_tensor_clone(&c0, &c, DC_F32));
    int64_t allocs = dc_mem_get().allocs;
    CHECK_OK(dc_addmm(&c, &a, &b, 2, 0.25, &c)); /* in place */
    CHECK(dc_mem_get().allocs == allocs);
    check_product("addmm in place", &a, &b, &c, 2, 0.25, &c0);
    CHECK_OK(dc_fill(&c, NAN));
    CHECK_OK(dc_addmm(&c, &a, &b, 1, 0, &c));
    check_product("addmm beta 0 ignores NaN", &a, &b, &c, 1, 0, NULL);
    dc_tensor *all[] = {&a, &b, &bias, &c, &out, &c0};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_empty_sizes(void)
{
    dc_tensor a = shape_t(2, 3, 0), b = shape_t(2, 0, 4), out = dc_tensor_empty();
    CHECK_OK(dc_mm(&a, &b, &out)); /* k = 0: zeros */
    CHECK(out.shape[0] == 3 && out.shape[1] == 4);
    for (int64_t i = 0; i < 12; i++) CHECK(((float *)out.storage->data)[i] == 0);
    dc_tensor c = shape_t(2, 3, 4), c0 = dc_tensor_empty();
    CHECK_OK(dc_tensor_clone(&c0, &c, DC_F32));
    CHECK_OK(dc_addmm(&c, &a, &b, 1, 2, &c));
    CHECK_CLOSE(dc_tensor_get(&c, (int64_t[]){1, 2}), 2 * dc_tensor_get(&c0, (int64_t[]){1, 2}),
                1e-6);
    dc_tensor z = shape_t(2, 0, 5), w = shape_t(2, 5, 2);
    dc_tensor_release(&out);
    CHECK_OK(dc_mm(&z, &w, &out));
    CHECK(out.ndim == 2 && out.shape[0] == 0 && out.shape[1] == 2);
    dc_tensor e1 = shape_t(1, 0), e2 = shape_t(1, 0);
    double r = 1;
    CHECK_OK(dc_dot(&e1, &e2, &r));
    CHECK(r == 0);
    dc_tensor *all[] = {&a, &b, &out, &c, &c0, &z, &w, &e1, &e2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

static void test_errors(void)
{
    dc_tensor a = shape_t(2, 2, 3), b = shape_t(2, 4, 5), out = dc_tensor_empty();
    CHECK_FAILS(dc_mm(&a, &b, &out), DC_ERR_SHAPE,
                "mm: size mismatch, a is float32 [2, 3] but b is float32 [4, 5]");
    dc_tensor l = dc_tensor_empty();
    CHECK_OK(dc_tensor_clone(&l, &a, DC_I64));
    CHECK_FAILS(dc_mm(&l, &b, &out), DC_ERR_DTYPE,
                "mm: a is int64 [2, 3], but only float32 is supported");
    dc_tensor v = shape_t(1, 3), v4 = shape_t(1, 4), b3 = shape_t(3, 2, 3, 4);
    dc_tensor b3b = shape_t(3, 3, 4, 5), m34 = shape_t(2, 3, 4);
    CHECK_FAILS(dc_mm(&v, &b, &out), DC_ERR_SHAPE, "mm: a must be 2-dimensional, got float32 [3]");
    CHECK_FAILS(dc_bmm(&b3, &b3b, &out), DC_ERR_SHAPE,
                "bmm: batch sizes differ, a is float32 [2, 3, 4] but b is float32 [3, 4, 5]");
    CHECK_FAILS(dc_mv(&a, &v4, &out), DC_ERR_SHAPE,
                "mv: size mismatch, a is float32 [2, 3] but v is float32 [4]");
    CHECK_FAILS(dc_dot(&v, &v4, &(double){0}), DC_ERR_SHAPE,
                "dot: size mismatch, a is float32 [3] but b is float32 [4]");
    dc_tensor x = shape_t(3, 2, 3, 4), y = shape_t(3, 3, 4, 5);
    CHECK_FAILS(dc_matmul(&x, &y, &out), DC_ERR_SHAPE,
                "matmul: batch dimensions do not broadcast, a is float32 [2, 3, 4] but b is "
                "float32 [3, 4, 5]");
    CHECK_FAILS(dc_matmul(&v4, &a, &out), DC_ERR_SHAPE, "matmul: size mismatch");
    dc_tensor s0 = shape_t(0);
    CHECK_FAILS(dc_matmul(&s0, &a, &out), DC_ERR_SHAPE, "matmul: a must have at least 1 dimension");
    dc_tensor c = shape_t(2, 3, 3);
    CHECK_FAILS(dc_addmm(&c, &a, &m34, 1, 1, &out), DC_ERR_SHAPE,
                "addmm: c is float32 [3, 3] but a @ b is [2, 4]");
    dc_tensor wrong = shape_t(2, 4, 2);
    CHECK_FAILS(dc_mm(&a, &m34, &wrong), DC_ERR_SHAPE,
                "mm: out is float32 [4, 2] but float32 [2, 4] is needed");
    dc_tensor big = shape_t(2, 3, 3), top = dc_tensor_empty(), sq = shape_t(2, 3, 3);
    CHECK_OK(dc_tensor_narrow(&top, &big, 0, 0, 3));
    CHECK_FAILS(dc_mm(&big, &sq, &top), DC_ERR_ARG, "mm: out shares storage with a");
    dc_tensor gone = dc_tensor_empty();
    CHECK_FAILS(dc_mm(&gone, &b, &out), DC_ERR_STATE, "mm: a is a released tensor");
    dc_tensor *all[] = {&a, &b, &out, &l, &v, &v4, &b3, &b3b, &m34, &x, &y, &s0, &c, &wrong,
                        &big, &top, &sq};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) dc_tensor_release(all[i]);
}

int main(void)
{
    RUN_TEST(test_mm_layouts);
    RUN_TEST(test_mm_outputs);
    RUN_TEST(test_bmm);
    RUN_TEST(test_matmul);
    RUN_TEST(test_mv_dot);
    RUN_TEST(test_addmm);
    RUN_TEST(test_empty_sizes);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
