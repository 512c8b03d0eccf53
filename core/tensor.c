/* Tensor storage, views and shape bookkeeping. No arithmetic here: see core/ops/. */
#include "tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- memory accounting ---- */

static atomic_llong mem_bytes, mem_peak, mem_allocs;

dc_mem_stats dc_mem_get(void)
{
    dc_mem_stats s = {atomic_load(&mem_bytes), atomic_load(&mem_peak), atomic_load(&mem_allocs)};
    return s;
}

void dc_mem_reset_peak(void) { atomic_store(&mem_peak, atomic_load(&mem_bytes)); }

/* Blocks of at least MAP_MIN bytes get a mapping of their own, unmapped when freed: glibc
 * raises its own mapping threshold (up to 32 MiB) each time it unmaps a block, then serves
 * later activation-sized blocks from its heaps, which keep the pages after a free; in the
 * main job's evaluation the process held 100 MiB more than its live tensors. Smaller blocks
 * stay with malloc: a fresh mapping costs page faults, and 1-4 MiB temporaries made in a
 * loop took twice as long with one each. Each block starts with a header saying how it was
 * made, so dc_free never trusts its caller's size. */
#define MAP_MIN ((size_t)8 << 20)
#define HUGE_MIN ((size_t)4 << 20)
typedef struct {
    size_t mapped; /* bytes of the mapping, 0: from aligned_alloc */
    char pad[DC_ALIGN - sizeof(size_t)];
} block_head;
_Static_assert(sizeof(block_head) == DC_ALIGN, "the header keeps the data DC_ALIGN-aligned");

/* Large buffers on transparent huge pages: first touch of a fresh 256 MiB output costs about
 * 4x less (THP is in "madvise" mode on Debian). Advice only. */
static void advise_huge(void *p, size_t n)
{
    if (n < HUGE_MIN) return;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
    madvise((void *)a, (uintptr_t)p + n - a, MADV_HUGEPAGE);
}

void *dc_alloc(size_t nbytes)
{
    /* aligned_alloc wants a multiple of the alignment; a zero-size tensor still gets a block */
    size_t rounded = (nbytes + DC_ALIGN - 1) / DC_ALIGN * DC_ALIGN;
    if (rounded < nbytes || rounded > SIZE_MAX - 2 * MAP_MIN) return NULL;
    size_t total = (rounded ? rounded : DC_ALIGN) + sizeof(block_head);
    block_head *h;
    if (total >= MAP_MIN) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        total = (total + page - 1) / page * page;
        h = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (h == MAP_FAILED) return NULL;
        h->mapped = total;
    } else {
        h = aligned_alloc(DC_ALIGN, total);
        if (!h) return NULL;
        h->mapped = 0;
    }
    advise_huge(h, total);
    long long now = atomic_fetch_add(&mem_bytes, (long long)nbytes) + (long long)nbytes;
    atomic_fetch_add(&mem_allocs, 1);
    long long peak = atomic_load(&mem_peak);
    while (now > peak && !atomic_compare_exchange_weak(&mem_peak, &peak, now)) {
    }
    return h + 1;
}

void dc_free(void *p, size_t nbytes)
{
    if (!p) return;
    block_head *h = (block_head *)p - 1;
    if (h->mapped)
        munmap(h, h->mapped);
    else
        free(h);
    atomic_fetch_sub(&mem_bytes, (long long)nbytes);
}

/* ---- dtypes ---- */

static const size_t dtype_sizes[DC_DTYPE_COUNT] = {4, 8, 1};
static const char *dtype_names[DC_DTYPE_COUNT] = {"float32", "int64", "uint8"};

size_t dc_dtype_size(dc_dtype dt) { return dtype_sizes[dt]; }
const char *dc_dtype_name(dc_dtype dt)
{
    return (dt >= 0 && dt < DC_DTYPE_COUNT) ? dtype_names[dt] : "?";
}

dc_status dc_dtype_parse(const char *name, dc_dtype *dt)
{
    for (int i = 0; i < DC_DTYPE_COUNT; i++)
        if (strcmp(name, dtype_names[i]) == 0) {
            *dt = (dc_dtype)i;
            return DC_OK;
        }
    return dc_fail(DC_ERR_DTYPE, "unknown dtype '%s' (expected float32, int64 or uint8)", name);
}

/* ---- creation and release ---- */

dc_tensor dc_tensor_empty(void)
{
    dc_tensor t;
    memset(&t, 0, sizeof t);
    return t;
}

static void set_contiguous_strides(dc_tensor *t)
{
    int64_t s = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        t->stride[d] = s;
        s *= t->shape[d];
    }
}

static dc_status check_shape(int ndim, const int64_t *shape, int64_t *numel)
{
    DC_CHECK(ndim >= 0 && ndim <= DC_MAX_DIMS, DC_ERR_SHAPE,
             "%d dimensions (at most %d are supported)", ndim, DC_MAX_DIMS);
    /* nz, the product of the non-zero sizes, bounds the strides too: [0, 2^40, 2^40] has no
     * element but a stride of 2^80 */
    int64_t n = 1, nz = 1;
    for (int d = 0; d < ndim; d++) {
        DC_CHECK(shape[d] >= 0, DC_ERR_SHAPE, "negative size %lld in dimension %d",
                 (long long)shape[d], d + 1);
        if (shape[d] && nz > INT64_MAX / shape[d])
            return dc_fail(DC_ERR_NOMEM, "tensor of more than 2^63 elements (or strides)");
        n *= shape[d];
        if (shape[d]) nz *= shape[d];
    }
    *numel = n;
    return DC_OK;
}

/* Makes t (released first) the contiguous tensor sh over data, held by the new storage s. */
static void adopt(dc_tensor *t, dc_storage *s, void *data, size_t nbytes, dc_dtype dt, int ndim,
                  const int64_t *sh)
{
    s->data = data;
    s->nbytes = nbytes;
    atomic_init(&s->refs, 1);
    s->flags = 0;
    dc_tensor_release(t);
    t->storage = s;
    t->offset = 0;
    t->ndim = ndim;
    t->dtype = dt;
    memcpy(t->shape, sh, sizeof(int64_t) * (size_t)ndim);
    set_contiguous_strides(t);
}

dc_status dc_tensor_alloc(dc_tensor *t, dc_dtype dt, int ndim, const int64_t *shape)
{
    int64_t n = 0;
    int64_t sh[DC_MAX_DIMS];
    DC_TRY(check_shape(ndim, shape, &n));
    if (ndim) memcpy(sh, shape, sizeof(int64_t) * (size_t)ndim); /* shape may alias t->shape */
    size_t esz = dc_dtype_size(dt);
    if ((uint64_t)n > SIZE_MAX / esz / 2) {
        char b[128];
        return dc_fail(DC_ERR_NOMEM, "cannot allocate %s %s: too large", dc_dtype_name(dt),
                       dc_shape_str(ndim, sh, b, sizeof b));
    }
    dc_storage *s = malloc(sizeof *s);
    void *data = s ? dc_alloc((size_t)n * esz) : NULL;
    if (!data) {
        free(s);
        char b[128];
        return dc_fail(DC_ERR_NOMEM, "out of memory allocating %s %s (%.1f MiB)",
                       dc_dtype_name(dt), dc_shape_str(ndim, sh, b, sizeof b),
                       (double)n * (double)esz / 1048576.0);
    }
    adopt(t, s, data, (size_t)n * esz, dt, ndim, sh);
    return DC_OK;
}

dc_status dc_tensor_zeros(dc_tensor *t, dc_dtype dt, int ndim, const int64_t *shape)
{
    DC_TRY(dc_tensor_alloc(t, dt, ndim, shape));
    memset(t->storage->data, 0, t->storage->nbytes);
    return DC_OK;
}

void dc_tensor_release(dc_tensor *t)
{
    if (!t || !t->storage) return;
    dc_storage *s = t->storage;
    t->storage = NULL;
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        if (!(s->flags & DC_STORAGE_BORROWED)) dc_free(s->data, s->nbytes);
        free(s);
    }
}

void dc_tensor_share(dc_tensor *dst, const dc_tensor *src)
{
    if (dst == src) return;
    if (src->storage) atomic_fetch_add(&src->storage->refs, 1);
    dc_tensor tmp = *src;
    dc_tensor_release(dst);
    *dst = tmp;
}

dc_status dc_tensor_ensure(dc_tensor *t, dc_dtype dt, int ndim, const int64_t *shape,
                           const char *what)
{
    if (!t->storage) return dc_tensor_alloc(t, dt, ndim, shape);
    bool same = t->dtype == dt && t->ndim == ndim;
    for (int d = 0; same && d < ndim; d++) same = t->shape[d] == shape[d];
    if (!same) {
        char a[128], b[128];
        return dc_fail(DC_ERR_SHAPE, "%s is %s but %s %s is needed", what,
                       dc_tensor_describe(t, a, sizeof a), dc_dtype_name(dt),
                       dc_shape_str(ndim, shape, b, sizeof b));
    }
    return DC_OK;
}

/* ---- inspection ---- */

int64_t dc_tensor_numel(const dc_tensor *t)
{
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++) n *= t->shape[d];
    return n;
}

bool dc_tensor_is_contiguous(const dc_tensor *t)
{
    int64_t s = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != s) return false;
        s *= t->shape[d];
    }
    return true;
}

bool dc_tensor_same_shape(const dc_tensor *a, const dc_tensor *b)
{
    if (a->ndim != b->ndim) return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return false;
    return true;
}

char *dc_shape_str(int ndim, const int64_t *shape, char *buf, size_t n)
{
    size_t k = 0;
    k += (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, d ? ", %lld" : "%lld", (long long)shape[d]);
    if (k < n) snprintf(buf + k, n - k, "]");
    return buf;
}

char *dc_tensor_describe(const dc_tensor *t, char *buf, size_t n)
{
    if (!t || !t->storage) {
        snprintf(buf, n, "a released tensor");
        return buf;
    }
    int k = snprintf(buf, n, "%s ", dc_dtype_name(t->dtype));
    if (k > 0 && (size_t)k < n) dc_shape_str(t->ndim, t->shape, buf + k, n - (size_t)k);
    return buf;
}

dc_status dc_tensor_check(const dc_tensor *t, const char *what)
{
    DC_CHECK(t && t->storage, DC_ERR_STATE, "%s is a released tensor", what);
    return DC_OK;
}

static int64_t elem_offset(const dc_tensor *t, const int64_t *idx)
{
    int64_t off = t->offset;
    for (int d = 0; d < t->ndim; d++) off += idx[d] * t->stride[d];
    return off;
}

double dc_tensor_get(const dc_tensor *t, const int64_t *idx)
{
    int64_t off = elem_offset(t, idx);
    switch (t->dtype) {
    case DC_F32: return ((float *)t->storage->data)[off];
    case DC_I64: return (double)((int64_t *)t->storage->data)[off];
    default: return ((uint8_t *)t->storage->data)[off];
    }
}

void dc_tensor_set(dc_tensor *t, const int64_t *idx, double v)
{
    int64_t off = elem_offset(t, idx);
    switch (t->dtype) {
    case DC_F32: ((float *)t->storage->data)[off] = (float)v; break;
    case DC_I64: ((int64_t *)t->storage->data)[off] = (int64_t)v; break;
    default: ((uint8_t *)t->storage->data)[off] = (uint8_t)v; break;
    }
}

int64_t dc_tensor_get_i64(const dc_tensor *t, const int64_t *idx)
{
    if (t->dtype == DC_I64) return ((int64_t *)t->storage->data)[elem_offset(t, idx)];
    return (int64_t)dc_tensor_get(t, idx);
}

void dc_tensor_set_i64(dc_tensor *t, const int64_t *idx, int64_t v)
{
    if (t->dtype == DC_I64)
        ((int64_t *)t->storage->data)[elem_offset(t, idx)] = v;
    else
        dc_tensor_set(t, idx, (double)v);
}

/* ---- views ---- */

static dc_status check_dim(const dc_tensor *t, int dim, const char *op)
{
    DC_CHECK(dim >= 0 && dim < t->ndim, DC_ERR_INDEX,
             "%s: dimension %d out of range for a %d-dimensional tensor", op, dim + 1, t->ndim);
    return DC_OK;
}

/* Installs header h (computed from src) into dst as a view of src's storage. */
static void install_view(dc_tensor *dst, const dc_tensor *src, const dc_tensor *h)
{
    dc_tensor v = *h;
    dc_tensor_share(dst, src);
    v.storage = dst->storage;
    *dst = v;
}

dc_status dc_tensor_narrow(dc_tensor *dst, const dc_tensor *src, int dim, int64_t start,
                           int64_t len)
{
    DC_TRY(dc_tensor_check(src, "narrow: input"));
    DC_TRY(check_dim(src, dim, "narrow"));
    DC_CHECK(start >= 0 && len >= 0 && start + len <= src->shape[dim], DC_ERR_INDEX,
             "narrow: elements %lld..%lld out of range for dimension %d of size %lld",
             (long long)start + 1, (long long)(start + len), dim + 1,
             (long long)src->shape[dim]);
    dc_tensor v = *src;
    v.offset += start * src->stride[dim];
    v.shape[dim] = len;
    install_view(dst, src, &v);
    return DC_OK;
}

dc_status dc_tensor_select(dc_tensor *dst, const dc_tensor *src, int dim, int64_t index)
{
    DC_TRY(dc_tensor_check(src, "select: input"));
    DC_TRY(check_dim(src, dim, "select"));
    DC_CHECK(index >= 0 && index < src->shape[dim], DC_ERR_INDEX,
             "index %lld out of range for dimension %d of size %lld", (long long)index + 1,
             dim + 1, (long long)src->shape[dim]);
    dc_tensor v = *src;
    v.offset += index * src->stride[dim];
    for (int d = dim; d < src->ndim - 1; d++) {
        v.shape[d] = src->shape[d + 1];
        v.stride[d] = src->stride[d + 1];
    }
    v.ndim--;
    install_view(dst, src, &v);
    return DC_OK;
}

dc_status dc_tensor_transpose(dc_tensor *dst, const dc_tensor *src, int d0, int d1)
{
    DC_TRY(dc_tensor_check(src, "transpose: input"));
    DC_TRY(check_dim(src, d0, "transpose"));
    DC_TRY(check_dim(src, d1, "transpose"));
    dc_tensor v = *src;
    v.shape[d0] = src->shape[d1];
    v.shape[d1] = src->shape[d0];
    v.stride[d0] = src->stride[d1];
    v.stride[d1] = src->stride[d0];
    install_view(dst, src, &v);
    return DC_OK;
}

dc_status dc_tensor_permute(dc_tensor *dst, const dc_tensor *src, const int *perm)
{
    DC_TRY(dc_tensor_check(src, "permute: input"));
    bool seen[DC_MAX_DIMS] = {false};
    dc_tensor v = *src;
    for (int d = 0; d < src->ndim; d++) {
        int p = perm[d];
        DC_CHECK(p >= 0 && p < src->ndim && !seen[p], DC_ERR_ARG,
                 "permute: the dimensions must be a permutation of 1..%d", src->ndim);
        seen[p] = true;
        v.shape[d] = src->shape[p];
        v.stride[d] = src->stride[p];
    }
    install_view(dst, src, &v);
    return DC_OK;
}

dc_status dc_tensor_squeeze(dc_tensor *dst, const dc_tensor *src, int dim)
{
    DC_TRY(dc_tensor_check(src, "squeeze: input"));
    if (dim >= 0) DC_TRY(check_dim(src, dim, "squeeze"));
    dc_tensor v = *src;
    v.ndim = 0;
    for (int d = 0; d < src->ndim; d++) {
        if (src->shape[d] == 1 && (dim < 0 || dim == d)) continue;
        v.shape[v.ndim] = src->shape[d];
        v.stride[v.ndim] = src->stride[d];
        v.ndim++;
    }
    install_view(dst, src, &v);
    return DC_OK;
}

dc_status dc_tensor_unsqueeze(dc_tensor *dst, const dc_tensor *src, int dim)
{
    DC_TRY(dc_tensor_check(src, "unsqueeze: input"));
    DC_CHECK(dim >= 0 && dim <= src->ndim, DC_ERR_INDEX,
             "unsqueeze: dimension %d out of range 1..%d", dim + 1, src->ndim + 1);
    DC_CHECK(src->ndim < DC_MAX_DIMS, DC_ERR_SHAPE, "unsqueeze: already %d dimensions",
             DC_MAX_DIMS);
    dc_tensor v = *src;
    for (int d = src->ndim; d > dim; d--) {
        v.shape[d] = src->shape[d - 1];
        v.stride[d] = src->stride[d - 1];
    }
    v.shape[dim] = 1;
    v.stride[dim] = dim < src->ndim ? src->shape[dim] * src->stride[dim] : 1;
    v.ndim++;
    install_view(dst, src, &v);
    return DC_OK;
}

dc_status dc_tensor_expand(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape)
{
    DC_TRY(dc_tensor_check(src, "expand: input"));
    char a[128], b[128];
    DC_CHECK(ndim >= src->ndim && ndim <= DC_MAX_DIMS, DC_ERR_SHAPE,
             "expand: cannot expand %s to %s", dc_tensor_describe(src, a, sizeof a),
             dc_shape_str(ndim, shape, b, sizeof b));
    dc_tensor v = *src;
    v.ndim = ndim;
    int lead = ndim - src->ndim;
    for (int d = ndim - 1; d >= 0; d--) {
        int sd = d - lead;
        int64_t want = shape[d];
        if (sd >= 0) {
            int64_t have = src->shape[sd];
            if (want == -1) want = have;
            DC_CHECK(have == want || have == 1, DC_ERR_SHAPE,
                     "expand: cannot expand %s to %s (dimension %d is %lld, not 1)",
                     dc_tensor_describe(src, a, sizeof a), dc_shape_str(ndim, shape, b, sizeof b),
                     sd + 1, (long long)have);
            DC_CHECK(want >= 0, DC_ERR_SHAPE, "expand: negative size %lld", (long long)want);
            v.shape[d] = want;
            v.stride[d] = have == want ? src->stride[sd] : 0;
        } else {
            DC_CHECK(want >= 0, DC_ERR_SHAPE, "expand: negative size %lld", (long long)want);
            v.shape[d] = want;
            v.stride[d] = 0;
        }
    }
    install_view(dst, src, &v);
    return DC_OK;
}

/* Resolves a single -1 in shape against numel; checks the element count. */
static dc_status infer_shape(const dc_tensor *src, int ndim, const int64_t *shape, int64_t *out,
                             const char *op)
{
    char a[128], b[128];
    DC_CHECK(ndim >= 0 && ndim <= DC_MAX_DIMS, DC_ERR_SHAPE, "%s: %d dimensions (at most %d)",
             op, ndim, DC_MAX_DIMS);
    int64_t n = dc_tensor_numel(src), known = 1;
    int infer = -1;
    for (int d = 0; d < ndim; d++) {
        out[d] = shape[d];
        if (shape[d] == -1) {
            DC_CHECK(infer < 0, DC_ERR_SHAPE, "%s: only one dimension can be -1", op);
            infer = d;
        } else {
            DC_CHECK(shape[d] >= 0, DC_ERR_SHAPE, "%s: negative size %lld", op,
                     (long long)shape[d]);
            known *= shape[d];
        }
    }
    if (infer >= 0) {
        DC_CHECK(known > 0 && n % known == 0, DC_ERR_SHAPE,
                 "%s: cannot view %s as %s", op, dc_tensor_describe(src, a, sizeof a),
                 dc_shape_str(ndim, shape, b, sizeof b));
        out[infer] = n / known;
        known *= out[infer];
    }
    DC_CHECK(known == n, DC_ERR_SHAPE, "%s: cannot view %s (%lld elements) as %s", op,
             dc_tensor_describe(src, a, sizeof a), (long long)n,
             dc_shape_str(ndim, shape, b, sizeof b));
    return DC_OK;
}

/* numpy's attempt_nocopy_reshape: split the old dims into groups that are each contiguous
 * among themselves and map each group onto a run of new dims. */
static bool view_strides(const dc_tensor *src, int ndim, const int64_t *shape, int64_t *stride)
{
    int64_t osh[DC_MAX_DIMS], ost[DC_MAX_DIMS];
    int on = 0;
    for (int d = 0; d < src->ndim; d++)
        if (src->shape[d] != 1) {
            osh[on] = src->shape[d];
            ost[on] = src->stride[d];
            on++;
        }
    int oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < ndim && oi < on) {
        int64_t np = shape[ni], op = osh[oi];
        while (np != op) {
            if (np < op) np *= shape[nj++];
            else op *= osh[oj++];
        }
        for (int ok = oi; ok < oj - 1; ok++)
            if (ost[ok] != osh[ok + 1] * ost[ok + 1]) return false;
        stride[nj - 1] = ost[oj - 1];
        for (int nk = nj - 1; nk > ni; nk--) stride[nk - 1] = stride[nk] * shape[nk];
        ni = nj++;
        oi = oj++;
    }
    int64_t last = ni > 0 ? stride[ni - 1] : 1;
    for (int nk = ni; nk < ndim; nk++) stride[nk] = last; /* trailing size-1 dims */
    return true;
}

/* dst = src viewed as shape when the strides allow it (*viewed), else dst is left alone; sh
 * receives the shape with its -1 inferred. A bad shape fails, naming op. */
static dc_status try_view(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape,
                          const char *op, bool *viewed, int64_t *sh)
{
    char what[64];
    snprintf(what, sizeof what, "%s: input", op);
    DC_TRY(dc_tensor_check(src, what));
    int64_t st[DC_MAX_DIMS];
    DC_TRY(infer_shape(src, ndim, shape, sh, op));
    *viewed = true;
    if (dc_tensor_numel(src) == 0) {
        int64_t s = 1;
        for (int d = ndim - 1; d >= 0; d--) {
            st[d] = s;
            s *= sh[d] ? sh[d] : 1;
        }
    } else {
        *viewed = view_strides(src, ndim, sh, st);
    }
    if (!*viewed) return DC_OK;
    dc_tensor v = *src;
    v.ndim = ndim;
    memcpy(v.shape, sh, sizeof(int64_t) * (size_t)ndim);
    memcpy(v.stride, st, sizeof(int64_t) * (size_t)ndim);
    install_view(dst, src, &v);
    return DC_OK;
}

dc_status dc_tensor_view_if(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape,
                            const char *op, bool *viewed)
{
    int64_t sh[DC_MAX_DIMS];
    return try_view(dst, src, ndim, shape, op, viewed, sh);
}

dc_status dc_tensor_view(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape)
{
    bool viewed;
    int64_t sh[DC_MAX_DIMS];
    DC_TRY(try_view(dst, src, ndim, shape, "view", &viewed, sh));
    char a[128], b[128];
    DC_CHECK(viewed, DC_ERR_SHAPE,
             "view: %s is not contiguous enough to be viewed as %s (use reshape, which copies)",
             dc_tensor_describe(src, a, sizeof a), dc_shape_str(ndim, sh, b, sizeof b));
    return DC_OK;
}

/* ---- broadcasting ---- */

dc_status dc_broadcast_shape(const dc_tensor *a, const dc_tensor *b, int *out_ndim,
                             int64_t *out_shape, const char *op)
{
    int n = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int d = 0; d < n; d++) {
        int da = d - (n - a->ndim), db = d - (n - b->ndim);
        int64_t sa = da >= 0 ? a->shape[da] : 1, sb = db >= 0 ? b->shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) {
            char x[128], y[128];
            return dc_fail(DC_ERR_SHAPE, "%s: shapes do not broadcast, a is %s but b is %s", op,
                           dc_tensor_describe(a, x, sizeof x), dc_tensor_describe(b, y, sizeof y));
        }
        out_shape[d] = sa == 1 ? sb : sa;
    }
    *out_ndim = n;
    return DC_OK;
}
