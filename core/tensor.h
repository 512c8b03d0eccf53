/* dc_tensor: an n-dimensional strided view over refcounted, 64-byte aligned storage.
 *
 * The header is a value (embedded in Lua userdata, on the C stack, in structs); the storage
 * is shared by every view and freed when its last view is released. Shapes and strides are
 * in elements. A tensor whose storage is NULL is "empty/released": every function below
 * either fills such a tensor (outputs) or refuses it with DC_ERR_STATE (inputs).
 *
 * Output convention of the whole engine: an output argument is either empty (the callee
 * allocates it with the right shape and dtype) or already allocated with exactly the
 * expected shape and dtype (the callee writes into it: no allocation in steady state). */
#ifndef DC_TENSOR_H
#define DC_TENSOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define DC_MAX_DIMS 8
#define DC_ALIGN 64

typedef enum dc_dtype { DC_F32, DC_I64, DC_U8, DC_DTYPE_COUNT } dc_dtype;

typedef struct dc_storage {
    void *data;        /* DC_ALIGN-aligned, owned unless flags say otherwise */
    size_t nbytes;
    atomic_int refs;   /* atomic: loader threads retain and release batches */
    unsigned flags;    /* DC_STORAGE_* */
} dc_storage;

#define DC_STORAGE_BORROWED 1u /* data belongs to someone else: never freed here */

typedef struct dc_tensor {
    dc_storage *storage;          /* NULL = empty or released */
    int64_t offset;               /* in elements, from storage->data */
    int ndim;                     /* 0 = scalar (numel 1) */
    dc_dtype dtype;
    int64_t shape[DC_MAX_DIMS];
    int64_t stride[DC_MAX_DIMS];  /* in elements; 0 for expanded (broadcast) dims */
} dc_tensor;

/* ---- element types ---- */
size_t dc_dtype_size(dc_dtype dt);
const char *dc_dtype_name(dc_dtype dt);         /* "float32", "int64", "uint8" */
dc_status dc_dtype_parse(const char *name, dc_dtype *dt);

/* ---- creation and release ---- */
/* An empty header (storage NULL), e.g. for an output the callee allocates. */
dc_tensor dc_tensor_empty(void);
/* Allocates uninitialised contiguous storage for t (t's old content is released first). */
dc_status dc_tensor_alloc(dc_tensor *t, dc_dtype dt, int ndim, const int64_t *shape);
dc_status dc_tensor_zeros(dc_tensor *t, dc_dtype dt, int ndim, const int64_t *shape);
/* Drops t's reference to its storage and empties t. Idempotent. */
void dc_tensor_release(dc_tensor *t);
/* dst becomes another view of src (dst's old content released first; dst may equal src). */
void dc_tensor_share(dc_tensor *dst, const dc_tensor *src);
/* For outputs: if t is empty, allocate it; else check it has exactly this dtype and shape.
 * what names the operation and argument in the error ("mm: out"). */
dc_status dc_tensor_ensure(dc_tensor *t, dc_dtype dt, int ndim, const int64_t *shape,
                           const char *what);

/* ---- inspection ---- */
static inline bool dc_tensor_ok(const dc_tensor *t) { return t && t->storage; }
int64_t dc_tensor_numel(const dc_tensor *t);
bool dc_tensor_is_contiguous(const dc_tensor *t);
bool dc_tensor_same_shape(const dc_tensor *a, const dc_tensor *b);
static inline void *dc_tensor_data(const dc_tensor *t)
{
    return (char *)t->storage->data + (size_t)t->offset * dc_dtype_size(t->dtype);
}
/* "float32 [2, 3]" into buf; returns buf. */
char *dc_tensor_describe(const dc_tensor *t, char *buf, size_t n);
/* "[2, 3]" into buf; returns buf. */
char *dc_shape_str(int ndim, const int64_t *shape, char *buf, size_t n);
/* Fails with DC_ERR_STATE naming what when t is empty or released. */
dc_status dc_tensor_check(const dc_tensor *t, const char *what);
/* Reads / writes the element at a 0-based multi-index, converting to and from double. */
double dc_tensor_get(const dc_tensor *t, const int64_t *idx);
void dc_tensor_set(dc_tensor *t, const int64_t *idx, double v);
/* Exact int64 access (doubles lose integers above 2^53). */
int64_t dc_tensor_get_i64(const dc_tensor *t, const int64_t *idx);
void dc_tensor_set_i64(dc_tensor *t, const int64_t *idx, int64_t v);

/* ---- views (share storage, never copy); dims are 0-based here ---- */
dc_status dc_tensor_narrow(dc_tensor *dst, const dc_tensor *src, int dim, int64_t start,
                           int64_t len);
dc_status dc_tensor_select(dc_tensor *dst, const dc_tensor *src, int dim, int64_t index);
dc_status dc_tensor_transpose(dc_tensor *dst, const dc_tensor *src, int d0, int d1);
dc_status dc_tensor_permute(dc_tensor *dst, const dc_tensor *src, const int *perm);
dc_status dc_tensor_squeeze(dc_tensor *dst, const dc_tensor *src, int dim); /* dim -1: all */
dc_status dc_tensor_unsqueeze(dc_tensor *dst, const dc_tensor *src, int dim);
dc_status dc_tensor_expand(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape);
/* View with a new shape when the strides allow it (numpy's rules); DC_ERR_SHAPE otherwise.
 * One entry of shape may be -1 (inferred). (Views or copies: dc_tensor_reshape and
 * dc_tensor_contiguous, core/ops/elementwise.h: copying is an op.) */
dc_status dc_tensor_view(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape);
/* As dc_tensor_view, but when the strides allow no view, leaves dst alone and sets *viewed
 * to false instead of failing (a bad shape still fails, its message naming op). */
dc_status dc_tensor_view_if(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape,
                            const char *op, bool *viewed);

/* ---- broadcasting ---- */
/* Broadcast shape of a and b (numpy rules) into out_shape / *out_ndim. */
dc_status dc_broadcast_shape(const dc_tensor *a, const dc_tensor *b, int *out_ndim,
                             int64_t *out_shape, const char *op);

/* ---- engine memory accounting (bytes of live dclab storage) ---- */
typedef struct dc_mem_stats {
    int64_t bytes;   /* live now */
    int64_t peak;    /* highest since start or dc_mem_reset_peak */
    int64_t allocs;  /* storage allocations so far */
} dc_mem_stats;
dc_mem_stats dc_mem_get(void);
void dc_mem_reset_peak(void);
/* Aligned allocation counted in dc_mem_stats (for engine-internal buffers). */
void *dc_alloc(size_t nbytes);
void dc_free(void *p, size_t nbytes);

#endif
