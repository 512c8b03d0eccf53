/* Sorting and top-k (see sort.h).
 *
 * Both work inside their outputs (introsort, or a k-entry heap), comparing (value, index)
 * pairs: a total order, hence stable results without a merge buffer. Lines along the sorted
 * dimension go to threads through dc_walk_run (iter.h), so results do not depend on the
 * thread count. */
#include "sort.h"

#include <stdio.h>
#include <string.h>

#include "iter.h"

#define DESC(t, buf) dc_tensor_describe((t), (buf), sizeof(buf))

typedef struct sort_ctx {
    int64_t k, base;
    bool largest;
} sort_ctx;

/* x > y with NaN above everything (x != x is false for integers) */
#define ABOVE(x, y) ((x) > (y) || ((x) != (x) && (y) == (y)))
/* Does (x, i) come before (y, j) in the output: the better value first, ties by index. */
#define BEFORE(x, i, y, j)                                                                     \
    (largest ? (ABOVE(x, y) || (!ABOVE(y, x) && (i) < (j)))                                    \
             : (ABOVE(y, x) || (!ABOVE(x, y) && (i) < (j))))

/* Entry j of the output line being sorted: value and index. */
#define V(j) v[(j) * vs]
#define X(j) ix[(j) * xs]
#define SWAP_ENTRIES(T, a, b)                                                                   \
    do {                                                                                        \
        T t_ = V(a);                                                                            \
        V(a) = V(b);                                                                            \
        V(b) = t_;                                                                              \
        int64_t u_ = X(a);                                                                      \
        X(a) = X(b);                                                                            \
        X(b) = u_;                                                                              \
    } while (0)

/* The sorting kernels of one element type. They work in place on an output line (values v
 * with stride vs, indices ix with stride xs), comparing (value, index) pairs: the order is
 * total, so any sort gives the stable result. */
#define SORT_KERNELS(name, T)                                                                   \
    /* Moves the hole at node j of an m-entry heap (worst entry at the root) down to where      \
     * (x, xi) belongs and returns that place. */                                               \
    static int64_t name##_sift(T *v, int64_t vs, int64_t *ix, int64_t xs, int64_t m, int64_t j, \
                               T x, int64_t xi, bool largest)                                   \
    {                                                                                           \
        for (;;) {                                                                              \
            int64_t c = 2 * j + 1;                                                              \
            if (c >= m) break;                                                                  \
            if (c + 1 < m && BEFORE(V(c), X(c), V(c + 1), X(c + 1))) c++; /* the worse child */ \
            if (!BEFORE(x, xi, V(c), X(c))) break;                                              \
            V(j) = V(c);                                                                        \
            X(j) = X(c);                                                                        \
            j = c;                                                                              \
        }                                                                                       \
        return j;                                                                               \
    }                                                                                           \
    static void name##_heapify(T *v, int64_t vs, int64_t *ix, int64_t xs, int64_t m,            \
                               bool largest)                                                    \
    {                                                                                           \
        for (int64_t j = m / 2 - 1; j >= 0; j--) {                                              \
            T x = V(j);                                                                         \
            int64_t xi = X(j), h = name##_sift(v, vs, ix, xs, m, j, x, xi, largest);            \
            V(h) = x;                                                                           \
            X(h) = xi;                                                                          \
        }                                                                                       \
    }                                                                                           \
    /* Turns a heap into a sorted line, best first, by moving the worst entry to the end. */    \
    static void name##_sortdown(T *v, int64_t vs, int64_t *ix, int64_t xs, int64_t m,           \
                                bool largest)                                                   \
    {                                                                                           \
        for (int64_t e = m - 1; e > 0; e--) {                                                   \
            T x = V(e);                                                                         \
            int64_t xi = X(e);                                                                  \
            V(e) = V(0);                                                                        \
            X(e) = X(0);                                                                        \
            int64_t h = name##_sift(v, vs, ix, xs, e, 0, x, xi, largest);                       \
            V(h) = x;                                                                           \
            X(h) = xi;                                                                          \
        }                                                                                       \
    }                                                                                           \
    /* Introsort: quicksort (median-of-3 pivot, Hoare partition), heapsort once depth runs      \
     * out, insertion sort for short ranges. */                                                 \
    static void name##_introsort(T *v, int64_t vs, int64_t *ix, int64_t xs, int64_t m,          \
                                 int depth, bool largest)                                       \
    {                                                                                           \
        while (m > 16) {                                                                        \
            if (depth-- == 0) {                                                                 \
                name##_heapify(v, vs, ix, xs, m, largest);                                      \
                name##_sortdown(v, vs, ix, xs, m, largest);                                     \
                return;                                                                         \
            }                                                                                   \
            int64_t a = 1, b = m / 2, c = m - 1;                                                \
            if (BEFORE(V(b), X(b), V(a), X(a))) SWAP_ENTRIES(T, a, b);                          \
            if (BEFORE(V(c), X(c), V(b), X(b))) {                                               \
                SWAP_ENTRIES(T, b, c);                                                          \
                if (BEFORE(V(b), X(b), V(a), X(a))) SWAP_ENTRIES(T, a, b);                      \
            }                                                                                   \
            SWAP_ENTRIES(T, 0, b); /* the median of the three is the pivot, at 0 */             \
            T pv = V(0);                                                                        \
            int64_t pi = X(0), i = 0, j = m;                                                    \
            for (;;) {                                                                          \
                do i++;                                                                         \
                while (i < m && BEFORE(V(i), X(i), pv, pi));                                    \
                do j--;                                                                         \
                while (BEFORE(pv, pi, V(j), X(j)));                                             \
                if (i >= j) break;                                                              \
                SWAP_ENTRIES(T, i, j);                                                          \
            }                                                                                   \
            SWAP_ENTRIES(T, 0, j); /* the pivot at its final place */                           \
            if (j < m - 1 - j) { /* recurse into the shorter side, loop on the longer */        \
                name##_introsort(v, vs, ix, xs, j, depth, largest);                             \
                v += (j + 1) * vs;                                                              \
                ix += (j + 1) * xs;                                                             \
                m -= j + 1;                                                                     \
            } else {                                                                            \
                name##_introsort(v + (j + 1) * vs, vs, ix + (j + 1) * xs, xs, m - j - 1, depth, \
                                 largest);                                                      \
                m = j;                                                                          \
            }                                                                                   \
        }                                                                                       \
        for (int64_t i = 1; i < m; i++) {                                                       \
            T x = V(i);                                                                         \
            int64_t xi = X(i), j = i;                                                           \
            for (; j > 0 && BEFORE(x, xi, V(j - 1), X(j - 1)); j--) {                           \
                V(j) = V(j - 1);                                                                \
                X(j) = X(j - 1);                                                                \
            }                                                                                   \
            V(j) = x;                                                                           \
            X(j) = xi;                                                                          \
        }                                                                                       \
    }                                                                                           \
    /* One line. A full sort sorts a copy of the line in place; a top-k keeps a heap of the k   \
     * best so far in the output (the worst at the root, replaced by anything better), then     \
     * sorts it: O(n log k), no scratch. */                                                     \
    static void name(char **p, const int64_t *s, int64_t n, const void *ctx)                    \
    {                                                                                           \
        const sort_ctx *c = ctx;                                                                \
        const bool largest = c->largest;                                                        \
        const int64_t k = c->k, vs = s[1] / (int64_t)sizeof(T), xs = s[2] / 8;                  \
        T *v = (T *)p[1];                                                                       \
        int64_t *ix = (int64_t *)p[2];                                                          \
        for (int64_t i = 0; i < k; i++) {                                                       \
            V(i) = *(const T *)(p[0] + i * s[0]);                                               \
            X(i) = i + c->base;                                                                 \
        }                                                                                       \
        if (k == n) {                                                                           \
            int depth = 0;                                                                      \
            for (int64_t m = n; m > 1; m >>= 1) depth += 2;                                     \
            name##_introsort(v, vs, ix, xs, n, depth, largest);                                 \
            return;                                                                             \
        }                                                                                       \
        name##_heapify(v, vs, ix, xs, k, largest);                                              \
        for (int64_t i = k; i < n && k > 0; i++) {                                              \
            T x = *(const T *)(p[0] + i * s[0]);                                                \
            int64_t xi = i + c->base;                                                           \
            if (!BEFORE(x, xi, V(0), X(0))) continue;                                           \
            int64_t h = name##_sift(v, vs, ix, xs, k, 0, x, xi, largest);                       \
            V(h) = x;                                                                           \
            X(h) = xi;                                                                          \
        }                                                                                       \
        name##_sortdown(v, vs, ix, xs, k, largest);                                             \
    }

SORT_KERNELS(sort_f, float)
SORT_KERNELS(sort_l, int64_t)
SORT_KERNELS(sort_b, uint8_t)

/* topk, and sort with k = the whole dim; op names the caller in messages. */
static dc_status sorted_lines(const char *op, const dc_tensor *a, int64_t k, int dim,
                              bool largest, int64_t base, dc_tensor *values, dc_tensor *indices)
{
    char b1[128], w1[64], w2[64];
    int64_t shape[DC_MAX_DIMS];
    memcpy(shape, a->shape, sizeof shape);
    shape[dim] = k;
    snprintf(w1, sizeof w1, "%s: values", op);
    snprintf(w2, sizeof w2, "%s: indices", op);
    DC_TRY(dc_tensor_ensure(values, a->dtype, a->ndim, shape, w1));
    DC_TRY(dc_tensor_ensure(indices, DC_I64, a->ndim, shape, w2));
    DC_CHECK(values->storage != a->storage && indices->storage != a->storage, DC_ERR_ARG,
             "%s: values and indices must not share storage with the input %s", op,
             DESC(a, b1));
    sort_ctx c = {k, base, largest};
    static const dc_iter_fn kern[DC_DTYPE_COUNT] = {sort_f, sort_l, sort_b};
    const dc_tensor *ops[3] = {a, values, indices};
    dc_walk w;
    dc_walk_init(&w, 3, ops, a->ndim, a->shape, dim, true);
    dc_walk_run(&w, kern[a->dtype], &c);
    return DC_OK;
}

dc_status dc_topk(const dc_tensor *a, int64_t k, int dim, bool largest, int64_t base,
                  dc_tensor *values, dc_tensor *indices)
{
    char b[128];
    DC_TRY(dc_tensor_check(a, "topk: a"));
    DC_TRY(dc_check_dim(a, dim, "topk"));
    DC_CHECK(k >= 0 && k <= a->shape[dim], DC_ERR_ARG,
             "topk: k = %lld out of range 0..%lld for dimension %d of %s", (long long)k,
             (long long)a->shape[dim], dim + 1, DESC(a, b));
    return sorted_lines("topk", a, k, dim, largest, base, values, indices);
}

dc_status dc_sort(const dc_tensor *a, int dim, bool descending, int64_t base,
                  dc_tensor *values, dc_tensor *indices)
{
    DC_TRY(dc_tensor_check(a, "sort: a"));
    DC_TRY(dc_check_dim(a, dim, "sort"));
    return sorted_lines("sort", a, a->shape[dim], dim, descending, base, values, indices);
}

dc_status dc_argsort(const dc_tensor *a, int dim, bool descending, int64_t base,
                     dc_tensor *indices)
{
    DC_TRY(dc_tensor_check(a, "argsort: a"));
    DC_TRY(dc_check_dim(a, dim, "argsort"));
    dc_tensor values = dc_tensor_empty();
    dc_status st = sorted_lines("argsort", a, a->shape[dim], dim, descending, base, &values,
                                indices);
    dc_tensor_release(&values);
    return st;
}
