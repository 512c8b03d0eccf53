/* Matrix products on OpenBLAS. Every entry point reduces to one engine, product(): a stack
 * of matrices C[i] = alpha * A[i] @ B[i] + beta * C[i] over broadcast batch dims, where each
 * matrix is handed to BLAS through its transpose flag and leading dimension. */
#include "blas.h"

#include <cblas.h>
#include <limits.h>
#include <stdio.h>

#include "elementwise.h"

/* ---- one matrix as BLAS sees it ---- */

typedef struct mat {
    float *p;
    int64_t rows, cols;
    int64_t rs, cs; /* strides in elements */
} mat;

/* A BLAS description of m: row-major (NoTrans) when its columns are unit-stride, else
 * column-major (Trans) when its rows are; false when neither (the caller copies). The stride
 * of a dimension of size 1 does not matter. */
static bool layout(const mat *m, CBLAS_TRANSPOSE *tr, int *ld)
{
    int64_t l;
    if ((m->cols == 1 || m->cs == 1) && (m->rows == 1 || m->rs >= m->cols)) {
        *tr = CblasNoTrans;
        l = m->rows == 1 ? m->cols : m->rs;
    } else if ((m->rows == 1 || m->rs == 1) && (m->cols == 1 || m->cs >= m->rows)) {
        *tr = CblasTrans;
        l = m->cols == 1 ? m->rows : m->cs;
    } else {
        return false;
    }
    if (l < 1) l = 1;
    if (l > INT_MAX) return false;
    *ld = (int)l;
    return true;
}

static CBLAS_TRANSPOSE flip(CBLAS_TRANSPOSE t)
{
    return t == CblasNoTrans ? CblasTrans : CblasNoTrans;
}

/* The stride of a vector of n elements as BLAS wants it (any value when n is 1). */
static int inc(int64_t n, int64_t stride) { return n == 1 ? 1 : (int)stride; }

/* c = alpha * a @ b + beta * c for one triple whose layouts are valid. */
static void gemm(float alpha, const mat *a, const mat *b, float beta, const mat *c)
{
    CBLAS_TRANSPOSE ta = CblasNoTrans, tb = CblasNoTrans, tc = CblasNoTrans;
    int lda = 1, ldb = 1, ldc = 1;
    layout(a, &ta, &lda);
    layout(b, &tb, &ldb);
    layout(c, &tc, &ldc);
    int n = (int)c->rows, m = (int)c->cols, k = (int)a->cols;
    if (m == 1) { /* c = alpha * a @ (column vector b) + beta * c */
        if (ta == CblasNoTrans)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, alpha, a->p, lda, b->p,
                        inc(k, b->rs), beta, c->p, inc(n, c->rs));
        else
            cblas_sgemv(CblasRowMajor, CblasTrans, k, n, alpha, a->p, lda, b->p,
                        inc(k, b->rs), beta, c->p, inc(n, c->rs));
    } else if (n == 1) { /* c^T = alpha * b^T @ (a^T) + beta * c^T */
        if (tb == CblasNoTrans)
            cblas_sgemv(CblasRowMajor, CblasTrans, k, m, alpha, b->p, ldb, a->p,
                        inc(k, a->cs), beta, c->p, inc(m, c->cs));
        else
            cblas_sgemv(CblasRowMajor, CblasNoTrans, m, k, alpha, b->p, ldb, a->p,
                        inc(k, a->cs), beta, c->p, inc(m, c->cs));
    } else if (tc == CblasNoTrans) {
        cblas_sgemm(CblasRowMajor, ta, tb, n, m, k, alpha, a->p, lda, b->p, ldb, beta, c->p,
                    ldc);
    } else { /* a column-major c: compute c^T = b^T @ a^T, row-major */
        cblas_sgemm(CblasRowMajor, flip(tb), flip(ta), m, n, k, alpha, b->p, ldb, a->p, lda,
                    beta, c->p, ldc);
    }
}

/* ---- the batched engine ---- */

/* Matrix i of a header t of ndim >= 2 at element offset off. */
static mat mat_at(const dc_tensor *t, int64_t off)
{
    int r = t->ndim - 2;
    mat m = {(float *)dc_tensor_data(t) + off, t->shape[r], t->shape[r + 1], t->stride[r],
             t->stride[r + 1]};
    return m;
}

static bool blas_ok(const dc_tensor *t)
{
    CBLAS_TRANSPOSE tr;
    int ld;
    mat m = mat_at(t, 0);
    return layout(&m, &tr, &ld);
}

/* Merges the batch dims of t (before its last two) into its row dim when they chain, so a
 * stack [B, n, k] with contiguous rows becomes one [B * n, k] matrix. */
static bool fold_rows(dc_tensor *t)
{
    int r = t->ndim - 2;
    int64_t rows = t->shape[r], rs = t->stride[r];
    for (int d = r - 1; d >= 0; d--) {
        if (t->shape[d] == 1) continue;
        if (rows > 1 && t->stride[d] != rs * rows) return false;
        if (rows == 1) rs = t->stride[d];
        rows *= t->shape[d];
    }
    t->shape[0] = rows;
    t->stride[0] = rs;
    t->shape[1] = t->shape[r + 1];
    t->stride[1] = t->stride[r + 1];
    t->ndim = 2;
    return true;
}

/* C = alpha * A @ B + beta * C over the batch dims of C. A, B, C are headers of one ndim
 * (>= 2) whose batch dims are C's or 1 (broadcast); all layouts valid; C shares nothing with
 * A or B. */
static void product(float alpha, dc_tensor A, dc_tensor B, float beta, dc_tensor C)
{
    int nb = C.ndim - 2;
    bool b_shared = true; /* the same B for every batch: fold A's and C's batches into rows */
    for (int d = 0; d < nb; d++) b_shared = b_shared && (B.shape[d] == 1 || B.stride[d] == 0);
    if (nb > 0 && b_shared) {
        dc_tensor fa = A, fc = C;
        if (fold_rows(&fa) && fold_rows(&fc) && fa.shape[0] == fc.shape[0] && blas_ok(&fa) &&
            blas_ok(&fc)) {
            mat a = mat_at(&fa, 0), b = mat_at(&B, 0), c = mat_at(&fc, 0);
            gemm(alpha, &a, &b, beta, &c);
            return;
        }
    }
    int64_t count = 1, pos[DC_MAX_DIMS] = {0}, oa = 0, ob = 0, oc = 0;
    for (int d = 0; d < nb; d++) count *= C.shape[d];
    for (int64_t i = 0; i < count; i++) {
        mat a = mat_at(&A, oa), b = mat_at(&B, ob), c = mat_at(&C, oc);
        gemm(alpha, &a, &b, beta, &c);
        for (int d = nb - 1; d >= 0; d--) { /* odometer over the batch dims */
            int64_t sa = A.shape[d] == 1 ? 0 : A.stride[d], sb = B.shape[d] == 1 ? 0 : B.stride[d];
            oa += sa;
            ob += sb;
            oc += C.stride[d];
            if (++pos[d] < C.shape[d]) break;
            oa -= pos[d] * sa;
            ob -= pos[d] * sb;
            oc -= pos[d] * C.stride[d];
            pos[d] = 0;
        }
    }
}

/* ---- argument checks ---- */

static dc_status check_f32(const dc_tensor *t, const char *op, const char *arg)
{
    char what[64], b[128];
    snprintf(what, sizeof what, "%s: %s", op, arg);
    DC_TRY(dc_tensor_check(t, what));
    DC_CHECK(t->dtype == DC_F32, DC_ERR_DTYPE, "%s: %s is %s, but only float32 is supported",
             op, arg, dc_tensor_describe(t, b, sizeof b));
    return DC_OK;
}

static dc_status check_ndim(const dc_tensor *t, int ndim, const char *op, const char *arg)
{
    char b[128];
    DC_CHECK(t->ndim == ndim, DC_ERR_SHAPE, "%s: %s must be %d-dimensional, got %s", op, arg,
             ndim, dc_tensor_describe(t, b, sizeof b));
    return DC_OK;
}

static dc_status mismatch(const char *op, const char *what, const dc_tensor *a,
                          const char *bname, const dc_tensor *b)
{
    char x[128], y[128];
    return dc_fail(DC_ERR_SHAPE, "%s: %s, a is %s but %s is %s", op, what,
                   dc_tensor_describe(a, x, sizeof x), bname, dc_tensor_describe(b, y, sizeof y));
}

static dc_status check_blas_size(const dc_tensor *t, const char *op)
{
    for (int d = 0; d < t->ndim; d++)
        DC_CHECK(t->shape[d] <= INT_MAX, DC_ERR_SHAPE,
                 "%s: size %lld is too large for BLAS (at most %d)", op,
                 (long long)t->shape[d], INT_MAX);
    return DC_OK;
}

static dc_status check_disjoint(const dc_tensor *out, const dc_tensor *t, const char *op,
                                const char *arg)
{
    DC_CHECK(out->storage != t->storage, DC_ERR_ARG, "%s: out shares storage with %s", op, arg);
    return DC_OK;
}

/* ---- running a product ---- */

/* Header of t with a dim of size 1 inserted at position d (a vector made a matrix). */
static dc_tensor with_unit_dim(const dc_tensor *t, int d)
{
    dc_tensor h = *t;
    for (int i = t->ndim; i > d; i--) {
        h.shape[i] = t->shape[i - 1];
        h.stride[i] = t->stride[i - 1];
    }
    h.shape[d] = 1;
    h.stride[d] = 0;
    h.ndim = t->ndim + 1;
    return h;
}

/* Header of t with leading batch dims of size 1 up to ndim. */
static dc_tensor with_ndim(const dc_tensor *t, int ndim)
{
    dc_tensor h = *t;
    int lead = ndim - t->ndim;
    h.ndim = ndim;
    for (int d = ndim - 1; d >= 0; d--) {
        h.shape[d] = d >= lead ? t->shape[d - lead] : 1;
        h.stride[d] = d >= lead ? t->stride[d - lead] : 0;
    }
    return h;
}

/* Runs C = alpha * A @ B + beta * C where A, B, C are matrix-stack headers of one ndim
 * (views of a, b, out). Operands BLAS cannot take as they are are copied; an output it
 * cannot write is computed in a temporary and copied back. */
static dc_status run_product(float alpha, const dc_tensor *A, const dc_tensor *B, float beta,
                             const dc_tensor *C)
{
    dc_tensor ca = dc_tensor_empty(), cb = dc_tensor_empty(), cc = dc_tensor_empty();
    dc_status st = DC_OK;
    int r = C->ndim - 2;
    if (dc_tensor_numel(C) == 0) return DC_OK;
    if (A->shape[r + 1] == 0) { /* k = 0: the product is zero */
        dc_tensor c = *C;
        return beta == 0 ? dc_fill(&c, 0) : dc_binary_scalar(DC_MUL, &c, beta, false, false, &c);
    }
    if (!blas_ok(A)) st = dc_tensor_clone(&ca, A, DC_F32);
    if (st == DC_OK && !blas_ok(B)) st = dc_tensor_clone(&cb, B, DC_F32);
    if (st == DC_OK && !blas_ok(C)) st = dc_tensor_clone(&cc, C, DC_F32);
    if (st == DC_OK) {
        product(alpha, ca.storage ? ca : *A, cb.storage ? cb : *B, beta, cc.storage ? cc : *C);
        if (cc.storage) {
            dc_tensor c = *C;
            st = dc_copy(&c, &cc);
        }
    }
    dc_tensor_release(&ca);
    dc_tensor_release(&cb);
    dc_tensor_release(&cc);
    return st;
}

/* ---- entry points ---- */

/* The checks every product makes before its shape rules: float32 operands of the given
 * ranks (b is named b_name: "b" or "v") ... */
static dc_status check_operands(const char *op, const dc_tensor *a, int a_ndim, const dc_tensor *b,
                                const char *b_name, int b_ndim)
{
    DC_TRY(check_f32(a, op, "a"));
    DC_TRY(check_f32(b, op, b_name));
    DC_TRY(check_ndim(a, a_ndim, op, "a"));
    return check_ndim(b, b_ndim, op, b_name);
}

/* ... and after them: sizes BLAS can index, out of the result's shape, apart from both. */
static dc_status prepare_out(const char *op, dc_tensor *out, int ndim, const int64_t *shape,
                             const dc_tensor *a, const dc_tensor *b, const char *b_name)
{
    DC_TRY(check_blas_size(a, op));
    DC_TRY(check_blas_size(b, op));
    char what[32];
    snprintf(what, sizeof what, "%s: out", op);
    DC_TRY(dc_tensor_ensure(out, DC_F32, ndim, shape, what));
    DC_TRY(check_disjoint(out, a, op, "a"));
    return check_disjoint(out, b, op, b_name);
}

dc_status dc_mm(const dc_tensor *a, const dc_tensor *b, dc_tensor *out)
{
    DC_TRY(check_operands("mm", a, 2, b, "b", 2));
    if (a->shape[1] != b->shape[0]) return mismatch("mm", "size mismatch", a, "b", b);
    int64_t shape[2] = {a->shape[0], b->shape[1]};
    DC_TRY(prepare_out("mm", out, 2, shape, a, b, "b"));
    return run_product(1.0f, a, b, 0.0f, out);
}

dc_status dc_bmm(const dc_tensor *a, const dc_tensor *b, dc_tensor *out)
{
    DC_TRY(check_operands("bmm", a, 3, b, "b", 3));
    if (a->shape[0] != b->shape[0]) return mismatch("bmm", "batch sizes differ", a, "b", b);
    if (a->shape[2] != b->shape[1]) return mismatch("bmm", "size mismatch", a, "b", b);
    int64_t shape[3] = {a->shape[0], a->shape[1], b->shape[2]};
    DC_TRY(prepare_out("bmm", out, 3, shape, a, b, "b"));
    return run_product(1.0f, a, b, 0.0f, out);
}

dc_status dc_mv(const dc_tensor *a, const dc_tensor *v, dc_tensor *out)
{
    DC_TRY(check_operands("mv", a, 2, v, "v", 1));
    if (a->shape[1] != v->shape[0]) return mismatch("mv", "size mismatch", a, "v", v);
    DC_TRY(prepare_out("mv", out, 1, a->shape, a, v, "v"));
    dc_tensor B = with_unit_dim(v, 1), C = with_unit_dim(out, 1);
    return run_product(1.0f, a, &B, 0.0f, &C);
}

dc_status dc_dot(const dc_tensor *a, const dc_tensor *b, double *result)
{
    DC_TRY(check_operands("dot", a, 1, b, "b", 1));
    if (a->shape[0] != b->shape[0]) return mismatch("dot", "size mismatch", a, "b", b);
    DC_TRY(check_blas_size(a, "dot"));
    int64_t n = a->shape[0];
    /* BLAS wants positive increments: an expanded (stride 0) vector is copied */
    dc_tensor ca = dc_tensor_empty(), cb = dc_tensor_empty();
    dc_status st = DC_OK;
    if (n > 1 && a->stride[0] < 1) st = dc_tensor_clone(&ca, a, DC_F32);
    if (st == DC_OK && n > 1 && b->stride[0] < 1) st = dc_tensor_clone(&cb, b, DC_F32);
    if (st == DC_OK) {
        const dc_tensor *x = ca.storage ? &ca : a, *y = cb.storage ? &cb : b;
        *result = n == 0 ? 0.0
                         : cblas_sdot((int)n, dc_tensor_data(x), inc(n, x->stride[0]),
                                      dc_tensor_data(y), inc(n, y->stride[0]));
    }
    dc_tensor_release(&ca);
    dc_tensor_release(&cb);
    return st;
}

dc_status dc_matmul(const dc_tensor *a, const dc_tensor *b, dc_tensor *out)
{
    DC_TRY(check_f32(a, "matmul", "a"));
    DC_TRY(check_f32(b, "matmul", "b"));
    char x[128];
    DC_CHECK(a->ndim >= 1, DC_ERR_SHAPE, "matmul: a must have at least 1 dimension, got %s",
             dc_tensor_describe(a, x, sizeof x));
    DC_CHECK(b->ndim >= 1, DC_ERR_SHAPE, "matmul: b must have at least 1 dimension, got %s",
             dc_tensor_describe(b, x, sizeof x));
    DC_TRY(check_blas_size(a, "matmul"));
    DC_TRY(check_blas_size(b, "matmul"));
    if (a->ndim == 1 && b->ndim == 1) {
        double r = 0;
        if (a->shape[0] != b->shape[0]) return mismatch("matmul", "size mismatch", a, "b", b);
        int64_t none[1] = {0};
        DC_TRY(dc_tensor_ensure(out, DC_F32, 0, none, "matmul: out"));
        DC_TRY(dc_dot(a, b, &r));
        *(float *)dc_tensor_data(out) = (float)r;
        return DC_OK;
    }
    /* matrices: a 1-D a is a row [1, k], a 1-D b a column [k, 1] */
    dc_tensor A = a->ndim == 1 ? with_unit_dim(a, 0) : *a;
    dc_tensor B = b->ndim == 1 ? with_unit_dim(b, 1) : *b;
    if (A.shape[A.ndim - 1] != B.shape[B.ndim - 2])
        return mismatch("matmul", "size mismatch", a, "b", b);
    int nd = A.ndim > B.ndim ? A.ndim : B.ndim;
    A = with_ndim(&A, nd);
    B = with_ndim(&B, nd);
    int64_t shape[DC_MAX_DIMS], full[DC_MAX_DIMS];
    int ond = 0;
    for (int d = 0; d < nd - 2; d++) {
        if (A.shape[d] != B.shape[d] && A.shape[d] != 1 && B.shape[d] != 1)
            return mismatch("matmul", "batch dimensions do not broadcast", a, "b", b);
        full[d] = A.shape[d] == 1 ? B.shape[d] : A.shape[d];
        shape[ond++] = full[d];
    }
    full[nd - 2] = A.shape[nd - 2];
    full[nd - 1] = B.shape[nd - 1];
    if (a->ndim > 1) shape[ond++] = full[nd - 2];
    if (b->ndim > 1) shape[ond++] = full[nd - 1];
    DC_TRY(dc_tensor_ensure(out, DC_F32, ond, shape, "matmul: out"));
    DC_TRY(check_disjoint(out, a, "matmul", "a"));
    DC_TRY(check_disjoint(out, b, "matmul", "b"));
    /* out as the full [batch.., n, m] stack */
    dc_tensor C = *out;
    if (a->ndim == 1) C = with_unit_dim(&C, C.ndim - (b->ndim > 1 ? 1 : 0));
    if (b->ndim == 1) C = with_unit_dim(&C, C.ndim);
    return run_product(1.0f, &A, &B, 0.0f, &C);
}

dc_status dc_addmm(const dc_tensor *c, const dc_tensor *a, const dc_tensor *b, double alpha,
                   double beta, dc_tensor *out)
{
    DC_TRY(check_f32(c, "addmm", "c"));
    DC_TRY(check_f32(a, "addmm", "a"));
    DC_TRY(check_f32(b, "addmm", "b"));
    DC_TRY(check_ndim(a, 2, "addmm", "a"));
    DC_TRY(check_ndim(b, 2, "addmm", "b"));
    if (a->shape[1] != b->shape[0]) return mismatch("addmm", "size mismatch", a, "b", b);
    DC_TRY(check_blas_size(a, "addmm"));
    DC_TRY(check_blas_size(b, "addmm"));
    int64_t shape[2] = {a->shape[0], b->shape[1]};
    char x[128], y[128];
    bool fits = c->ndim <= 2;
    for (int d = 0; fits && d < c->ndim; d++) {
        int64_t s = c->shape[d], want = shape[2 - c->ndim + d];
        fits = s == want || s == 1;
    }
    DC_CHECK(fits, DC_ERR_SHAPE, "addmm: c is %s but a @ b is %s",
             dc_tensor_describe(c, x, sizeof x), dc_shape_str(2, shape, y, sizeof y));
    DC_TRY(dc_tensor_ensure(out, DC_F32, 2, shape, "addmm: out"));
    DC_TRY(check_disjoint(out, a, "addmm", "a"));
    DC_TRY(check_disjoint(out, b, "addmm", "b"));
    if (out != c && beta != 0) DC_TRY(dc_copy(out, c));
    return run_product((float)alpha, a, b, (float)beta, out);
}
