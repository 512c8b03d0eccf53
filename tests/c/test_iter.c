/* iter: the n-ary iterator and the ordered walk, driven by small kernels and checked element
 * by element through dc_tensor_get: contiguous, transposed, narrowed and broadcast operands,
 * small and large enough to be split across threads; the walk's visiting order (row-major
 * when serial, whole lines in order when asked) and the dimension check. */
#include "ops/iter.h"
#include "tiny_test.h"

/* out = a + 1000 * b, float32, any steps */
static void add_scaled(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    (void)ctx;
    for (int64_t i = 0; i < n; i++)
        *(float *)(p[0] + i * s[0]) =
            *(const float *)(p[1] + i * s[1]) + 1000 * *(const float *)(p[2] + i * s[2]);
}

static dc_tensor counting(int ndim, const int64_t *shape)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_F32, ndim, shape));
    float *p = dc_tensor_data(&t);
    for (int64_t i = 0; i < dc_tensor_numel(&t); i++) p[i] = (float)(i % 997);
    return t;
}

/* Advances a row-major multi-index; false after the last. */
static bool next_index(int ndim, const int64_t *shape, int64_t *idx)
{
    for (int d = ndim - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) return true;
        idx[d] = 0;
    }
    return false;
}

static void check_iter(const dc_tensor *a, const dc_tensor *b, int ndim, const int64_t *shape)
{
    dc_tensor out = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&out, DC_F32, ndim, shape));
    const dc_tensor *ops[3] = {&out, a, b};
    dc_iter_run(3, ops, ndim, shape, add_scaled, NULL);
    int64_t idx[DC_MAX_DIMS] = {0};
    int bad = 0;
    if (dc_tensor_numel(&out) > 0) do {
        double want = dc_tensor_get(a, idx) + 1000 * dc_tensor_get(b, idx);
        if (dc_tensor_get(&out, idx) != (float)want && bad++ < 3)
            TT_REPORT("element %lld %lld: %g, expected %g", (long long)idx[0],
                      (long long)idx[1], dc_tensor_get(&out, idx), want);
    } while (next_index(ndim, shape, idx));
    dc_tensor_release(&out);
}

static void test_iter_layouts(void)
{
    int64_t sizes[][2] = {{3, 5}, {7, 1}, {1, 9}, {300, 211} /* threaded */};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        int64_t r = sizes[k][0], c = sizes[k][1], rc[2] = {r, c}, cr[2] = {c, r};
        dc_tensor a = counting(2, rc), big = counting(2, cr), bt = dc_tensor_empty(),
                  row = dc_tensor_empty(), col = dc_tensor_empty();
        CHECK_OK(dc_tensor_transpose(&bt, &big, 0, 1)); /* [r, c] with strides (1, r) */
        check_iter(&a, &bt, 2, rc);
        CHECK_OK(dc_tensor_narrow(&row, &a, 0, 0, 1)); /* [1, c] broadcast over rows */
        CHECK_OK(dc_tensor_expand(&row, &row, 2, rc));
        check_iter(&bt, &row, 2, rc);
        CHECK_OK(dc_tensor_narrow(&col, &bt, 1, 0, 1)); /* [r, 1] broadcast over columns */
        CHECK_OK(dc_tensor_expand(&col, &col, 2, rc));
        check_iter(&col, &a, 2, rc);
        dc_tensor *all[] = {&a, &big, &bt, &row, &col};
        for (size_t i = 0; i < 5; i++) dc_tensor_release(all[i]);
    }
    /* a scalar and an empty shape */
    dc_tensor s = counting(0, NULL), e = dc_tensor_empty();
    check_iter(&s, &s, 0, NULL);
    int64_t zero[2] = {0, 4};
    CHECK_OK(dc_tensor_alloc(&e, DC_F32, 2, zero));
    check_iter(&e, &e, 2, zero);
    dc_tensor_release(&s);
    dc_tensor_release(&e);
}

/* Appends operand 0's values in visiting order (the serial walk: one thread). */
typedef struct trail {
    float *v;
    int64_t n;
} trail;

static void append(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    trail *t = (trail *)ctx;
    for (int64_t i = 0; i < n; i++) t->v[t->n++] = *(const float *)(p[0] + i * s[0]);
}

/* Marks each element of operand 0 visited (+1): every element exactly once when threaded. */
static void mark(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    (void)ctx;
    for (int64_t i = 0; i < n; i++) *(float *)(p[0] + i * s[0]) += 1;
}

/* Operand 1 = running sum of operand 0 along the line the kernel is given. */
static void line_sum(char **p, const int64_t *s, int64_t n, const void *ctx)
{
    (void)ctx;
    float acc = 0;
    for (int64_t i = 0; i < n; i++) {
        acc += *(const float *)(p[0] + i * s[0]);
        *(float *)(p[1] + i * s[1]) = acc;
    }
}

static void test_walk_serial_order_is_row_major(void)
{
    int64_t shape[3] = {4, 3, 5}, perm_shape[3] = {5, 3, 4};
    dc_tensor base = counting(3, perm_shape), t = dc_tensor_empty();
    int perm[3] = {2, 1, 0};
    CHECK_OK(dc_tensor_permute(&t, &base, perm)); /* [4, 3, 5], no unit stride */
    float v[60];
    trail tr = {v, 0};
    const dc_tensor *ops[1] = {&t};
    dc_walk w;
    dc_walk_init(&w, 1, ops, 3, shape, 0, false);
    dc_walk_run(&w, append, &tr);
    CHECK(tr.n == 60);
    int64_t idx[3] = {0, 0, 0}, k = 0;
    do CHECK(v[k++] == dc_tensor_get(&t, idx));
    while (next_index(3, shape, idx) && k < tr.n);
    dc_tensor_release(&t);
    dc_tensor_release(&base);
}

static void test_walk_visits_each_element_once(void)
{
    int64_t shape[3] = {64, 33, 40}; /* > DC_PARALLEL_MIN elements: threaded over dims < dim */
    for (int dim = 0; dim < 3; dim++)
        for (int lines = 0; lines <= 1; lines++) {
            dc_tensor t = dc_tensor_empty();
            CHECK_OK(dc_tensor_zeros(&t, DC_F32, 3, shape));
            const dc_tensor *ops[1] = {&t};
            dc_walk w;
            dc_walk_init(&w, 1, ops, 3, shape, dim, lines);
            dc_walk_run(&w, mark, NULL);
            const float *p = dc_tensor_data(&t);
            int64_t wrong = 0;
            for (int64_t i = 0; i < dc_tensor_numel(&t); i++) wrong += p[i] != 1;
            if (wrong) TT_REPORT("dim %d lines %d: %lld elements not visited once", dim, lines,
                                 (long long)wrong);
            dc_tensor_release(&t);
        }
}

static void test_walk_lines(void)
{
    int64_t shape[3] = {40, 31, 30};
    dc_tensor a = counting(3, shape);
    for (int dim = 0; dim < 3; dim++) {
        dc_tensor out = dc_tensor_empty();
        CHECK_OK(dc_tensor_zeros(&out, DC_F32, 3, shape));
        const dc_tensor *ops[2] = {&a, &out};
        dc_walk w;
        dc_walk_init(&w, 2, ops, 3, shape, dim, true);
        dc_walk_run(&w, line_sum, NULL);
        int64_t idx[3] = {0, 0, 0};
        int bad = 0;
        do {
            double want = 0;
            int64_t j[3] = {idx[0], idx[1], idx[2]};
            for (j[dim] = 0; j[dim] <= idx[dim]; j[dim]++) want += dc_tensor_get(&a, j);
            if (fabs(dc_tensor_get(&out, idx) - want) > 1e-6 * want && bad++ < 3)
                TT_REPORT("dim %d: running sum %g, expected %g", dim, dc_tensor_get(&out, idx),
                          want);
        } while (next_index(3, shape, idx));
        dc_tensor_release(&out);
    }
    dc_tensor_release(&a);
}

static void test_check_dim(void)
{
    int64_t shape[2] = {2, 3};
    dc_tensor t = dc_tensor_empty(), s = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, 2, shape));
    CHECK_OK(dc_check_dim(&t, 0, "op"));
    CHECK_OK(dc_check_dim(&t, 1, "op"));
    CHECK_FAILS(dc_check_dim(&t, 2, "op"), DC_ERR_INDEX,
                "op: dimension 3 out of range for float32 [2, 3]");
    CHECK_FAILS(dc_check_dim(&t, -1, "op"), DC_ERR_INDEX, "op: dimension 0 out of range");
    CHECK_OK(dc_tensor_zeros(&s, DC_I64, 0, NULL));
    CHECK_FAILS(dc_check_dim(&s, 0, "op"), DC_ERR_SHAPE,
                "op: needs at least one dimension, got int64 []");
    dc_tensor_release(&t);
    dc_tensor_release(&s);
}

int main(void)
{
    RUN_TEST(test_iter_layouts);
    RUN_TEST(test_walk_serial_order_is_row_major);
    RUN_TEST(test_walk_visits_each_element_once);
    RUN_TEST(test_walk_lines);
    RUN_TEST(test_check_dim);
    return TEST_SUMMARY();
}
