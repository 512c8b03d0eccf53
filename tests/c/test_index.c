/* Tests of core/ops/index.c and core/ops/sort.c against slow obvious references (element by
 * element through dc_tensor_get), on contiguous, transposed and narrowed inputs of odd
 * sizes, small and large enough to take the threaded paths. */
#include "tiny_test.h"

#include <stdint.h>
#include <stdlib.h>

/* ---- helpers ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t next_u64(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Advances pos through shape in row-major order; false after the last position. */
static bool next_pos(int nd, const int64_t *shape, int64_t *pos)
{
    for (int d = nd - 1; d >= 0; d--) {
        if (++pos[d] < shape[d]) return true;
        pos[d] = 0;
    }
    return false;
}

/* Random entries: integers in [lo, lo + levels) (many ties), or floats when levels == 0. */
static void fill_random(dc_tensor *t, int levels, int64_t lo)
{
    int64_t pos[DC_MAX_DIMS] = {0};
    if (dc_tensor_numel(t) == 0) return;
    do {
        double v = levels ? (double)(lo + (int64_t)(next_u64() % (uint64_t)levels))
                          : (double)(next_u64() % 2000000) / 1000.0 - 1000.0;
        dc_tensor_set(t, pos, v);
    } while (next_pos(t->ndim, t->shape, pos));
}

static dc_tensor random_tensor(dc_dtype dt, int nd, const int64_t *shape, int levels,
                               int64_t lo)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, dt, nd, shape));
    fill_random(&t, levels, lo);
    return t;
}

/* A non-contiguous rows x cols view: the transpose of a random cols x rows tensor. */
static dc_tensor random_transposed(dc_dtype dt, int64_t rows, int64_t cols, int levels,
                                   int64_t lo)
{
    int64_t shape[2] = {cols, rows};
    dc_tensor base = random_tensor(dt, 2, shape, levels, lo), t = dc_tensor_empty();
    CHECK_OK(dc_tensor_transpose(&t, &base, 0, 1));
    dc_tensor_release(&base);
    CHECK(!dc_tensor_is_contiguous(&t));
    return t;
}

/* A non-contiguous 1-D int64 view (stride 3) of n random values in [lo, lo + levels). */
static dc_tensor strided_index(int64_t n, int levels, int64_t lo)
{
    int64_t shape[2] = {n, 3};
    dc_tensor base = random_tensor(DC_I64, 2, shape, levels, lo), t = dc_tensor_empty();
    CHECK_OK(dc_tensor_select(&t, &base, 1, 1));
    dc_tensor_release(&base);
    return t;
}

static bool same_value(double x, double y) { return x == y || (x != x && y != y); }

/* Compares every element of t with the reference tensor r (same shape). */
static int count_mismatches(const dc_tensor *t, const dc_tensor *r)
{
    if (!dc_tensor_same_shape(t, r)) return -1;
    int64_t pos[DC_MAX_DIMS] = {0};
    int bad = 0;
    if (dc_tensor_numel(t) == 0) return 0;
    do {
        if (!same_value(dc_tensor_get(t, pos), dc_tensor_get(r, pos))) bad++;
    } while (next_pos(t->ndim, t->shape, pos));
    return bad;
}

/* ---- index_select ---- */

static void check_index_select(const dc_tensor *a, int dim, const dc_tensor *idx, int64_t base)
{
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_index_select(a, dim, idx, base, &out));
    CHECK(out.dtype == a->dtype && out.ndim == a->ndim && out.shape[dim] == idx->shape[0]);
    int64_t pos[DC_MAX_DIMS] = {0}, src[DC_MAX_DIMS];
    int bad = 0;
    do {
        memcpy(src, pos, sizeof src);
        int64_t j = pos[dim];
        src[dim] = dc_tensor_get_i64(idx, &j) - base;
        if (!same_value(dc_tensor_get(&out, pos), dc_tensor_get(a, src))) bad++;
    } while (next_pos(out.ndim, out.shape, pos));
    CHECK(bad == 0);
    dc_tensor_release(&out);
}

static void test_index_select(void)
{
    for (int dt = 0; dt < DC_DTYPE_COUNT; dt++) {
        dc_tensor a = random_transposed((dc_dtype)dt, 7, 5, dt == DC_F32 ? 0 : 200, 0);
        dc_tensor i0 = strided_index(11, 7, 0), i1 = strided_index(3, 5, 1); /* 1-based */
        check_index_select(&a, 0, &i0, 0);
        check_index_select(&a, 1, &i1, 1);
        dc_tensor_release(&a);
        dc_tensor_release(&i0);
        dc_tensor_release(&i1);
    }
    /* large: threaded, with rows and columns selected */
    int64_t shape[3] = {301, 3, 257}, n = 400;
    dc_tensor big = random_tensor(DC_F32, 3, shape, 0, 0);
    dc_tensor ir = random_tensor(DC_I64, 1, &n, 301, 0), ic = random_tensor(DC_I64, 1, &n, 257, 0);
    check_index_select(&big, 0, &ir, 0);
    check_index_select(&big, 2, &ic, 0);
    dc_tensor_release(&big);
    dc_tensor_release(&ir);
    dc_tensor_release(&ic);
}

static void test_index_select_errors(void)
{
    int64_t shape[2] = {5, 3}, n = 4;
    dc_tensor a = random_tensor(DC_F32, 2, shape, 0, 0), out = dc_tensor_empty();
    dc_tensor idx = random_tensor(DC_I64, 1, &n, 5, 0);
    int64_t pos = 2;
    dc_tensor_set_i64(&idx, &pos, 5);
    CHECK_FAILS(dc_index_select(&a, 0, &idx, 0, &out), DC_ERR_INDEX,
                "index_select: index 5 out of range 0..4 for dimension 1 of float32 [5, 3]");
    CHECK(out.storage == NULL);
    dc_tensor_set_i64(&idx, &pos, 0);
    CHECK_FAILS(dc_index_select(&a, 0, &idx, 1, &out), DC_ERR_INDEX, "index 0 out of range 1..5");
    CHECK_FAILS(dc_index_select(&a, 2, &idx, 0, &out), DC_ERR_INDEX,
                "index_select: dimension 3 out of range");
    dc_tensor fidx = random_tensor(DC_F32, 1, &n, 3, 0);
    CHECK_FAILS(dc_index_select(&a, 0, &fidx, 0, &out), DC_ERR_DTYPE,
                "index_select: index must be int64, got float32 [4]");
    dc_tensor idx2 = random_tensor(DC_I64, 2, shape, 3, 0);
    CHECK_FAILS(dc_index_select(&a, 0, &idx2, 0, &out), DC_ERR_SHAPE, "index must be 1-D");
    /* an output of the wrong shape is refused, one of the right shape reused */
    CHECK_FAILS(dc_index_select(&a, 0, &idx, 0, &idx2), DC_ERR_SHAPE,
                "index_select: out is int64 [5, 3] but float32 [4, 3] is needed");
    int64_t oshape[2] = {4, 3};
    CHECK_OK(dc_tensor_alloc(&out, DC_F32, 2, oshape));
    int64_t allocs = dc_mem_get().allocs;
    CHECK_OK(dc_index_select(&a, 0, &idx, 0, &out));
    CHECK(dc_mem_get().allocs == allocs);
    dc_tensor_release(&a);
    dc_tensor_release(&out);
    dc_tensor_release(&idx);
    dc_tensor_release(&fidx);
    dc_tensor_release(&idx2);
}

/* ---- gather ---- */

static void check_gather(const dc_tensor *a, int dim, const dc_tensor *idx, int64_t base)
{
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_gather(a, dim, idx, base, &out));
    CHECK(dc_tensor_same_shape(&out, idx) && out.dtype == a->dtype);
    int64_t pos[DC_MAX_DIMS] = {0}, src[DC_MAX_DIMS];
    int bad = 0;
    if (dc_tensor_numel(idx) > 0) do {
            memcpy(src, pos, sizeof src);
            src[dim] = dc_tensor_get_i64(idx, pos) - base;
            if (!same_value(dc_tensor_get(&out, pos), dc_tensor_get(a, src))) bad++;
        } while (next_pos(out.ndim, out.shape, pos));
    CHECK(bad == 0);
    dc_tensor_release(&out);
}

static void test_gather(void)
{
    for (int dt = 0; dt < DC_DTYPE_COUNT; dt++) {
        dc_tensor a = random_transposed((dc_dtype)dt, 6, 9, dt == DC_F32 ? 0 : 100, 0);
        int64_t s0[2] = {13, 9}, s1[2] = {5, 4}, s2[2] = {6, 1};
        dc_tensor i0 = random_tensor(DC_I64, 2, s0, 6, 0);
        dc_tensor i1 = random_transposed(DC_I64, s1[0], s1[1], 9, 1); /* 1-based */
        dc_tensor i2 = random_tensor(DC_I64, 2, s2, 9, 0);
        check_gather(&a, 0, &i0, 0);
        check_gather(&a, 1, &i1, 1);
        check_gather(&a, 1, &i2, 0);
        dc_tensor_release(&a);
        dc_tensor_release(&i0);
        dc_tensor_release(&i1);
        dc_tensor_release(&i2);
    }
    int64_t shape[3] = {41, 33, 29}, ishape[3] = {40, 50, 29};
    dc_tensor big = random_tensor(DC_F32, 3, shape, 0, 0);
    dc_tensor idx = random_tensor(DC_I64, 3, ishape, 33, 0);
    check_gather(&big, 1, &idx, 0);
    int64_t eshape[3] = {41, 0, 29};
    dc_tensor empty = random_tensor(DC_I64, 3, eshape, 1, 0);
    check_gather(&big, 1, &empty, 0);
    dc_tensor_release(&big);
    dc_tensor_release(&idx);
    dc_tensor_release(&empty);
}

static void test_gather_errors(void)
{
    int64_t shape[2] = {4, 3}, s1[1] = {4}, s2[2] = {5, 2};
    dc_tensor a = random_tensor(DC_F32, 2, shape, 0, 0), out = dc_tensor_empty();
    dc_tensor i1 = random_tensor(DC_I64, 1, s1, 3, 0), i2 = random_tensor(DC_I64, 2, s2, 3, 0);
    CHECK_FAILS(dc_gather(&a, 1, &i1, 0, &out), DC_ERR_SHAPE,
                "gather: index int64 [4] must have as many dimensions as a float32 [4, 3]");
    CHECK_FAILS(dc_gather(&a, 1, &i2, 0, &out), DC_ERR_SHAPE,
                "gather: index int64 [5, 2] is larger than a float32 [4, 3] in dimension 1");
    int64_t pos[2] = {1, 1};
    dc_tensor_set_i64(&i2, pos, -1);
    CHECK_FAILS(dc_gather(&a, 0, &i2, 0, &out), DC_ERR_INDEX,
                "gather: index -1 out of range 0..3 for dimension 1 of float32 [4, 3]");
    CHECK(out.storage == NULL);
    dc_tensor_release(&a);
    dc_tensor_release(&i1);
    dc_tensor_release(&i2);
}

/* ---- scatter_add ---- */

static void check_scatter_add(dc_tensor *a, int dim, const dc_tensor *idx, int64_t base,
                              const dc_tensor *src)
{
    dc_tensor ref = dc_tensor_empty();
    CHECK_OK(dc_tensor_clone(&ref, a, a->dtype));
    CHECK_OK(dc_scatter_add(a, dim, idx, base, src));
    int64_t pos[DC_MAX_DIMS] = {0}, dst[DC_MAX_DIMS];
    if (dc_tensor_numel(idx) > 0) do {
            memcpy(dst, pos, sizeof dst);
            dst[dim] = dc_tensor_get_i64(idx, pos) - base;
            if (a->dtype == DC_I64)
                dc_tensor_set_i64(&ref, dst, dc_tensor_get_i64(&ref, dst) +
                                                 dc_tensor_get_i64(src, pos));
            else if (a->dtype == DC_U8)
                dc_tensor_set(&ref, dst, (uint8_t)(dc_tensor_get_i64(&ref, dst) +
                                                   dc_tensor_get_i64(src, pos)));
            else
                dc_tensor_set(&ref, dst,
                              (float)(dc_tensor_get(&ref, dst) + dc_tensor_get(src, pos)));
        } while (next_pos(idx->ndim, idx->shape, pos));
    CHECK(count_mismatches(a, &ref) == 0);
    dc_tensor_release(&ref);
}

static void test_scatter_add(void)
{
    for (int dt = 0; dt < DC_DTYPE_COUNT; dt++) {
        /* integer-valued floats: the order of additions cannot change the sums */
        dc_tensor a = random_transposed((dc_dtype)dt, 5, 7, 50, 0);
        dc_tensor src = random_transposed((dc_dtype)dt, 9, 8, 200, 0);
        int64_t s0[2] = {9, 7}, s1[2] = {5, 8};
        dc_tensor i0 = random_tensor(DC_I64, 2, s0, 5, 0), i1 = random_tensor(DC_I64, 2, s1, 7, 1);
        check_scatter_add(&a, 0, &i0, 0, &src);
        check_scatter_add(&a, 1, &i1, 1, &src);
        dc_tensor_release(&a);
        dc_tensor_release(&src);
        dc_tensor_release(&i0);
        dc_tensor_release(&i1);
    }
    /* large 1-D counting (serial) and a large 2-D scatter along the last dim (threaded) */
    int64_t n = 100003, k = 17, shape[2] = {700, 61}, ishape[2] = {700, 300};
    dc_tensor counts = random_tensor(DC_I64, 1, &k, 1, 0);
    dc_tensor ones = random_tensor(DC_I64, 1, &n, 1, 1);
    dc_tensor labels = random_tensor(DC_I64, 1, &n, 17, 0);
    check_scatter_add(&counts, 0, &labels, 0, &ones);
    dc_tensor a = random_tensor(DC_F32, 2, shape, 10, 0);
    dc_tensor src = random_tensor(DC_F32, 2, ishape, 10, 0);
    dc_tensor idx = random_tensor(DC_I64, 2, ishape, 61, 0);
    check_scatter_add(&a, 1, &idx, 0, &src);
    dc_tensor_release(&counts);
    dc_tensor_release(&ones);
    dc_tensor_release(&labels);
    dc_tensor_release(&a);
    dc_tensor_release(&src);
    dc_tensor_release(&idx);
}

static void test_scatter_add_errors(void)
{
    int64_t shape[2] = {4, 3}, ishape[2] = {2, 3};
    dc_tensor a = random_tensor(DC_F32, 2, shape, 5, 0), before = dc_tensor_empty();
    dc_tensor idx = random_tensor(DC_I64, 2, ishape, 4, 0);
    dc_tensor srcl = random_tensor(DC_I64, 2, ishape, 4, 0);
    dc_tensor srcf = random_tensor(DC_F32, 2, ishape, 4, 0);
    CHECK_FAILS(dc_scatter_add(&a, 0, &idx, 0, &srcl), DC_ERR_DTYPE,
                "scatter_add: src is int64 [2, 3] but a is float32 [4, 3] (dtypes must match)");
    CHECK_OK(dc_tensor_clone(&before, &a, DC_F32));
    int64_t pos[2] = {1, 2};
    dc_tensor_set_i64(&idx, pos, 4);
    CHECK_FAILS(dc_scatter_add(&a, 0, &idx, 0, &srcf), DC_ERR_INDEX,
                "scatter_add: index 4 out of range 0..3 for dimension 1");
    CHECK(count_mismatches(&a, &before) == 0); /* nothing written */
    dc_tensor_set_i64(&idx, pos, 0);
    int64_t big[2] = {2, 4};
    dc_tensor wide = random_tensor(DC_I64, 2, big, 1, 0);
    CHECK_FAILS(dc_scatter_add(&a, 0, &wide, 0, &srcf), DC_ERR_SHAPE,
                "scatter_add: index int64 [2, 4] is larger than a float32 [4, 3] in dimension 2");
    int64_t row[1] = {3};
    dc_tensor r = random_tensor(DC_F32, 1, row, 1, 0), ex = dc_tensor_empty();
    CHECK_OK(dc_tensor_expand(&ex, &r, 2, shape));
    CHECK_FAILS(dc_scatter_add(&ex, 0, &idx, 0, &srcf), DC_ERR_ARG,
                "is broadcast (stride 0) in dimension 1");
    dc_tensor_release(&a);
    dc_tensor_release(&before);
    dc_tensor_release(&idx);
    dc_tensor_release(&srcl);
    dc_tensor_release(&srcf);
    dc_tensor_release(&wide);
    dc_tensor_release(&r);
    dc_tensor_release(&ex);
}

/* ---- masks ---- */

static void test_masked_select(void)
{
    dc_tensor a = random_transposed(DC_F32, 5, 7, 0, 0);
    int64_t ms[3][2] = {{5, 7}, {1, 7}, {5, 1}};
    for (int c = 0; c < 3; c++) {
        dc_tensor mask = random_tensor(DC_U8, 2, ms[c], 2, 0), out = dc_tensor_empty();
        CHECK_OK(dc_masked_select(&a, &mask, &out));
        int64_t pos[2] = {0, 0}, k = 0;
        int bad = 0;
        do {
            int64_t mp[2] = {ms[c][0] == 1 ? 0 : pos[0], ms[c][1] == 1 ? 0 : pos[1]};
            if (dc_tensor_get(&mask, mp) != 0) {
                if (k >= out.shape[0] || dc_tensor_get(&out, &k) != dc_tensor_get(&a, pos)) bad++;
                k++;
            }
        } while (next_pos(2, a.shape, pos));
        CHECK(bad == 0 && out.ndim == 1 && k == out.shape[0]);
        dc_tensor_release(&mask);
        dc_tensor_release(&out);
    }
    /* the mask may be the larger one: a broadcasts too */
    int64_t row[1] = {7}, big[2] = {3, 7};
    dc_tensor r = random_tensor(DC_I64, 1, row, 100, 0), mask = random_tensor(DC_U8, 2, big, 2, 0);
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_masked_select(&r, &mask, &out));
    int64_t pos[2] = {0, 0}, k = 0;
    do {
        if (dc_tensor_get(&mask, pos) != 0) {
            CHECK(dc_tensor_get_i64(&out, &k) == dc_tensor_get_i64(&r, &pos[1]));
            k++;
        }
    } while (next_pos(2, big, pos));
    CHECK(k == out.shape[0]);
    dc_tensor fmask = random_tensor(DC_F32, 1, row, 2, 0);
    CHECK_FAILS(dc_masked_select(&r, &fmask, &out), DC_ERR_DTYPE,
                "masked_select: mask must be uint8 (as comparisons give), got float32 [7]");
    dc_tensor_release(&a);
    dc_tensor_release(&r);
    dc_tensor_release(&mask);
    dc_tensor_release(&out);
    dc_tensor_release(&fmask);
}

static void test_masked_fill(void)
{
    struct { dc_dtype dt; double v, expect; } cases[] = {
        {DC_F32, -2.5, -2.5}, {DC_I64, 123456789012.0, 123456789012.0}, {DC_U8, 300, 255},
    };
    for (int c = 0; c < 3; c++) {
        dc_tensor a = random_transposed(cases[c].dt, 6, 5, 50, 0), before = dc_tensor_empty();
        CHECK_OK(dc_tensor_clone(&before, &a, a.dtype));
        int64_t ms[1] = {5};
        dc_tensor mask = random_tensor(DC_U8, 1, ms, 2, 0);
        CHECK_OK(dc_masked_fill(&a, &mask, cases[c].v));
        int64_t pos[2] = {0, 0};
        int bad = 0;
        do {
            double want =
                dc_tensor_get(&mask, &pos[1]) ? cases[c].expect : dc_tensor_get(&before, pos);
            if (dc_tensor_get(&a, pos) != want) bad++;
        } while (next_pos(2, a.shape, pos));
        CHECK(bad == 0);
        dc_tensor_release(&a);
        dc_tensor_release(&before);
        dc_tensor_release(&mask);
    }
    int64_t shape[2] = {300, 200};
    dc_tensor a = random_tensor(DC_F32, 2, shape, 0, 0), mask = dc_tensor_empty();
    CHECK_OK(dc_binary_scalar(DC_LT, &a, 0, false, false, &mask));
    CHECK_OK(dc_masked_fill(&a, &mask, 0)); /* relu, threaded */
    int64_t pos[2] = {0, 0};
    int bad = 0;
    do bad += dc_tensor_get(&a, pos) < 0;
    while (next_pos(2, shape, pos));
    CHECK(bad == 0);
    int64_t s3[3] = {2, 300, 200};
    dc_tensor m3 = random_tensor(DC_U8, 3, s3, 2, 0);
    CHECK_FAILS(dc_masked_fill(&a, &m3, 1), DC_ERR_SHAPE,
                "masked_fill: mask uint8 [2, 300, 200] does not broadcast to a float32 [300, 200]");
    dc_tensor_release(&a);
    dc_tensor_release(&mask);
    dc_tensor_release(&m3);
}

/* ---- cat ---- */

static void test_cat(void)
{
    int64_t s1[2] = {2, 5}, s3[2] = {1, 5};
    dc_tensor p[3] = {random_tensor(DC_F32, 2, s1, 0, 0), random_transposed(DC_F32, 4, 5, 0, 0),
                      random_tensor(DC_F32, 2, s3, 0, 0)};
    const dc_tensor *list[3] = {&p[0], &p[1], &p[2]};
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_cat(list, 3, 0, &out));
    CHECK(out.ndim == 2 && out.shape[0] == 7 && out.shape[1] == 5);
    int64_t pos[2] = {0, 0};
    int bad = 0;
    do {
        int part = pos[0] < 2 ? 0 : pos[0] < 6 ? 1 : 2;
        int64_t src[2] = {pos[0] - (part == 0 ? 0 : part == 1 ? 2 : 6), pos[1]};
        if (dc_tensor_get(&out, pos) != dc_tensor_get(&p[part], src)) bad++;
    } while (next_pos(2, out.shape, pos));
    CHECK(bad == 0);
    /* along dim 1, into a preallocated transposed output */
    int64_t s34[2] = {3, 4};
    dc_tensor q[2] = {random_transposed(DC_I64, 3, 2, 9, 0), random_tensor(DC_I64, 2, s34, 9, 0)};
    const dc_tensor *ql[2] = {&q[0], &q[1]};
    dc_tensor o2 = random_transposed(DC_I64, 3, 6, 1, 0);
    CHECK_OK(dc_cat(ql, 2, 1, &o2));
    int64_t qp[2] = {0, 0};
    bad = 0;
    do {
        int64_t src[2] = {qp[0], qp[1] < 2 ? qp[1] : qp[1] - 2};
        if (dc_tensor_get(&o2, qp) != dc_tensor_get(&q[qp[1] < 2 ? 0 : 1], src)) bad++;
    } while (next_pos(2, o2.shape, qp));
    CHECK(bad == 0);
    dc_tensor mixed = dc_tensor_empty();
    const dc_tensor *ml[2] = {&p[0], &q[0]};
    CHECK_FAILS(dc_cat(ml, 2, 0, &mixed), DC_ERR_DTYPE,
                "cat: tensor 2 is int64 [3, 2] but tensor 1 is float32 [2, 5] (dtypes must match)");
    CHECK_FAILS(dc_cat(list, 3, 1, &mixed), DC_ERR_SHAPE,
                "cat: tensor 2 is float32 [4, 5] but tensor 1 is float32 [2, 5] (sizes must "
                "match except in dimension 2)");
    CHECK_FAILS(dc_cat(list, 0, 0, &mixed), DC_ERR_ARG, "cat: expected at least one tensor");
    CHECK_FAILS(dc_cat(list, 3, 2, &mixed), DC_ERR_INDEX, "cat: dimension 3 out of range");
    for (int i = 0; i < 3; i++) dc_tensor_release(&p[i]);
    for (int i = 0; i < 2; i++) dc_tensor_release(&q[i]);
    dc_tensor_release(&out);
    dc_tensor_release(&o2);
}

/* ---- bincount ---- */

static void test_bincount(void)
{
    int64_t n = 50001;
    dc_tensor x = random_tensor(DC_I64, 1, &n, 37, 1), w = random_tensor(DC_F32, 1, &n, 4, 0);
    dc_tensor wl = random_tensor(DC_I64, 1, &n, 9, -4);
    for (int64_t minlength = 0; minlength <= 50; minlength += 50) {
        for (int base = 0; base <= 1; base++) {
            dc_tensor c = dc_tensor_empty(), cw = dc_tensor_empty(), cl = dc_tensor_empty();
            CHECK_OK(dc_bincount(&x, NULL, minlength, base, &c));
            CHECK_OK(dc_bincount(&x, &w, minlength, base, &cw));
            CHECK_OK(dc_bincount(&x, &wl, minlength, base, &cl));
            int64_t len = 37 + 1 - base > minlength ? 37 + 1 - base : minlength;
            CHECK(c.shape[0] == len && c.dtype == DC_I64);
            CHECK(cw.dtype == DC_F32 && cl.dtype == DC_I64);
            int bad = 0;
            for (int64_t b = 0; b < len; b++) {
                int64_t count = 0, lsum = 0;
                double fsum = 0;
                for (int64_t i = 0; i < n; i++)
                    if (dc_tensor_get_i64(&x, &i) == b + base) {
                        count++;
                        fsum += dc_tensor_get(&w, &i);
                        lsum += dc_tensor_get_i64(&wl, &i);
                    }
                if (dc_tensor_get_i64(&c, &b) != count || dc_tensor_get_i64(&cl, &b) != lsum ||
                    dc_tensor_get(&cw, &b) != fsum)
                    bad++;
            }
            CHECK(bad == 0);
            dc_tensor_release(&c);
            dc_tensor_release(&cw);
            dc_tensor_release(&cl);
        }
    }
    int64_t zero = 0;
    dc_tensor e = random_tensor(DC_I64, 1, &zero, 1, 0), c = dc_tensor_empty();
    CHECK_OK(dc_bincount(&e, NULL, 4, 1, &c));
    CHECK(c.shape[0] == 4 && dc_tensor_get_i64(&c, &zero) == 0);
    int64_t p = 123;
    dc_tensor_set_i64(&x, &p, 0);
    CHECK_FAILS(dc_bincount(&x, NULL, 0, 1, &c), DC_ERR_INDEX,
                "bincount: value 0 at position 124 is out of range (values must be >= 1)");
    CHECK_FAILS(dc_bincount(&x, NULL, -1, 0, &c), DC_ERR_ARG, "minlength must be >= 0");
    CHECK_FAILS(dc_bincount(&w, NULL, 0, 0, &c), DC_ERR_DTYPE, "bincount: x must be int64");
    CHECK_FAILS(dc_bincount(&x, &e, 0, 0, &c), DC_ERR_SHAPE,
                "bincount: weights int64 [0] must have the shape of x int64 [50001]");
    dc_tensor_release(&x);
    dc_tensor_release(&w);
    dc_tensor_release(&wl);
    dc_tensor_release(&e);
    dc_tensor_release(&c);
}

/* ---- cumsum ---- */

static void check_cumsum(const dc_tensor *a, int dim)
{
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_cumsum(a, dim, &out));
    CHECK(out.dtype == (a->dtype == DC_F32 ? DC_F32 : DC_I64) && dc_tensor_same_shape(&out, a));
    int64_t pos[DC_MAX_DIMS] = {0}, q[DC_MAX_DIMS];
    int bad = 0;
    do {
        double sum = 0;
        memcpy(q, pos, sizeof q);
        for (q[dim] = 0; q[dim] <= pos[dim]; q[dim]++) sum += dc_tensor_get(a, q);
        /* integer-valued inputs: exact in float32 while the sums stay below 2^24 */
        if (dc_tensor_get(&out, pos) != sum) bad++;
    } while (next_pos(a->ndim, a->shape, pos));
    CHECK(bad == 0);
    dc_tensor_release(&out);
}

static void test_cumsum(void)
{
    for (int dt = 0; dt < DC_DTYPE_COUNT; dt++) {
        dc_tensor a = random_transposed((dc_dtype)dt, 7, 5, 200, 0);
        check_cumsum(&a, 0);
        check_cumsum(&a, 1);
        dc_tensor_release(&a);
    }
    int64_t shape[3] = {3, 170, 131};
    dc_tensor big = random_tensor(DC_F32, 3, shape, 100, -50);
    for (int d = 0; d < 3; d++) check_cumsum(&big, d);
    dc_tensor_release(&big);
}

/* ---- sort, argsort, topk ---- */

/* Reference: stable insertion sort of one line, NaN largest. */
static void ref_sort_line(const double *v, int64_t n, bool desc, int64_t *order)
{
    for (int64_t i = 0; i < n; i++) order[i] = i;
    for (int64_t i = 1; i < n; i++) {
        int64_t x = order[i], j = i;
        for (; j > 0; j--) {
            double a = v[order[j - 1]], b = v[x];
            bool a_nan = a != a, b_nan = b != b;
            /* does the earlier element a have to move after b? */
            bool after = desc ? (b_nan && !a_nan) || (!a_nan && !b_nan && b > a)
                              : (a_nan && !b_nan) || (!a_nan && !b_nan && a > b);
            if (!after) break;
            order[j] = order[j - 1];
        }
        order[j] = x;
    }
}

/* Checks topk(a, k, dim, largest) (k < 0: sort) against the reference sort's first k. */
static void check_sorted(const dc_tensor *a, int dim, int64_t k, bool best_large, int64_t base)
{
    dc_tensor v = dc_tensor_empty(), ix = dc_tensor_empty(), ax = dc_tensor_empty();
    bool sort = k < 0;
    int64_t n = a->shape[dim];
    if (sort) {
        CHECK_OK(dc_sort(a, dim, best_large, base, &v, &ix));
        CHECK_OK(dc_argsort(a, dim, best_large, base, &ax));
        CHECK(count_mismatches(&ax, &ix) == 0);
        k = n;
    } else {
        CHECK_OK(dc_topk(a, k, dim, best_large, base, &v, &ix));
    }
    CHECK(v.dtype == a->dtype && ix.dtype == DC_I64 && v.shape[dim] == k);
    double *line = malloc(sizeof(double) * (size_t)(n + 1));
    int64_t *order = malloc(sizeof(int64_t) * (size_t)(n + 1));
    int64_t pos[DC_MAX_DIMS] = {0}, shape[DC_MAX_DIMS];
    memcpy(shape, a->shape, sizeof shape);
    shape[dim] = 1; /* walk the lines */
    int bad = 0;
    if (dc_tensor_numel(a) > 0) do {
            int64_t q[DC_MAX_DIMS];
            memcpy(q, pos, sizeof q);
            for (q[dim] = 0; q[dim] < n; q[dim]++) line[q[dim]] = dc_tensor_get(a, q);
            ref_sort_line(line, n, best_large, order);
            for (q[dim] = 0; q[dim] < k; q[dim]++) {
                if (!same_value(dc_tensor_get(&v, q), line[order[q[dim]]])) bad++;
                if (dc_tensor_get_i64(&ix, q) != order[q[dim]] + base) bad++;
            }
        } while (next_pos(a->ndim, shape, pos));
    CHECK(bad == 0);
    free(line);
    free(order);
    dc_tensor_release(&v);
    dc_tensor_release(&ix);
    dc_tensor_release(&ax);
}

/* A float tensor with ties and a sprinkling of NaNs. */
static dc_tensor with_nans(dc_tensor t)
{
    int64_t pos[DC_MAX_DIMS] = {0};
    do
        if (next_u64() % 7 == 0) dc_tensor_set(&t, pos, NAN);
    while (next_pos(t.ndim, t.shape, pos));
    return t;
}

static void test_sort(void)
{
    for (int dt = 0; dt < DC_DTYPE_COUNT; dt++) {
        dc_tensor a = random_transposed((dc_dtype)dt, 9, 13, 5, 0);
        if (dt == DC_F32) a = with_nans(a);
        for (int dim = 0; dim < 2; dim++)
            for (int desc = 0; desc < 2; desc++) check_sorted(&a, dim, -1, desc, dim);
        dc_tensor_release(&a);
    }
    /* one long line (serial), many lines (threaded), float values without ties */
    int64_t n = 3001, shape[2] = {257, 301};
    dc_tensor line = with_nans(random_tensor(DC_F32, 1, &n, 0, 0));
    dc_tensor many = random_tensor(DC_I64, 2, shape, 1000, -500);
    check_sorted(&line, 0, -1, false, 0);
    check_sorted(&line, 0, -1, true, 1);
    check_sorted(&many, 1, -1, true, 0);
    check_sorted(&many, 0, -1, false, 1);
    /* sorted and reverse-sorted input (the heap's worst cases) */
    dc_tensor up = dc_tensor_empty(), down = dc_tensor_empty();
    CHECK_OK(dc_arange(0, 2000, 1, DC_F32, &up));
    CHECK_OK(dc_arange(2000, 0, -1, DC_F32, &down));
    for (int desc = 0; desc < 2; desc++) {
        check_sorted(&up, 0, -1, desc, 0);
        check_sorted(&down, 0, -1, desc, 0);
    }
    dc_tensor_release(&line);
    dc_tensor_release(&many);
    dc_tensor_release(&up);
    dc_tensor_release(&down);
}

static void test_topk(void)
{
    for (int dt = 0; dt < DC_DTYPE_COUNT; dt++) {
        dc_tensor a = random_transposed((dc_dtype)dt, 8, 11, 6, 0);
        if (dt == DC_F32) a = with_nans(a);
        int64_t ks[4] = {0, 1, 3, 8};
        for (int i = 0; i < 4; i++)
            for (int largest = 0; largest < 2; largest++) {
                check_sorted(&a, 0, ks[i], largest, 1);
                check_sorted(&a, 1, ks[i], largest, 0);
            }
        dc_tensor_release(&a);
    }
    int64_t shape[2] = {256, 1000};
    dc_tensor logits = random_tensor(DC_F32, 2, shape, 0, 0);
    check_sorted(&logits, 1, 5, true, 0);
    check_sorted(&logits, 0, 7, false, 1);
    /* outputs reused: no allocation */
    dc_tensor v = dc_tensor_empty(), ix = dc_tensor_empty();
    CHECK_OK(dc_topk(&logits, 5, 1, true, 0, &v, &ix));
    int64_t allocs = dc_mem_get().allocs;
    CHECK_OK(dc_topk(&logits, 5, 1, true, 0, &v, &ix));
    CHECK(dc_mem_get().allocs == allocs);
    CHECK_FAILS(dc_topk(&logits, 1001, 1, true, 0, &v, &ix), DC_ERR_ARG,
                "topk: k = 1001 out of range 0..1000 for dimension 2 of float32 [256, 1000]");
    CHECK_FAILS(dc_topk(&logits, 4, 1, true, 0, &v, &ix), DC_ERR_SHAPE, "topk: values");
    CHECK_FAILS(dc_sort(&logits, 2, false, 0, &v, &ix), DC_ERR_INDEX,
                "sort: dimension 3 out of range for float32 [256, 1000]");
    dc_tensor released = dc_tensor_empty();
    CHECK_FAILS(dc_argsort(&released, 0, false, 0, &ix), DC_ERR_STATE,
                "argsort: a is a released tensor");
    dc_tensor_release(&logits);
    dc_tensor_release(&v);
    dc_tensor_release(&ix);
}

int main(void)
{
    RUN_TEST(test_index_select);
    RUN_TEST(test_index_select_errors);
    RUN_TEST(test_gather);
    RUN_TEST(test_gather_errors);
    RUN_TEST(test_scatter_add);
    RUN_TEST(test_scatter_add_errors);
    RUN_TEST(test_masked_select);
    RUN_TEST(test_masked_fill);
    RUN_TEST(test_cat);
    RUN_TEST(test_bincount);
    RUN_TEST(test_cumsum);
    RUN_TEST(test_sort);
    RUN_TEST(test_topk);
    return TEST_SUMMARY();
}
