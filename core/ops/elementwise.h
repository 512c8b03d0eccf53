/* Elementwise operations with numpy broadcasting: copy/convert, fill, unary and binary
 * arithmetic, comparisons, clamp and where.
 *
 * Outputs follow the engine convention (tensor.h): empty -> allocated, else must have the
 * result's exact shape and dtype. An output may be the same tensor as an input of the same
 * shape (in-place ops); partial overlap between output and inputs is not supported.
 *
 * Type rules: arithmetic on float32 and anything gives float32; on int64/uint8 gives int64,
 * except DIV, POW and the transcendental unary ops, which give float32; comparisons give
 * uint8 masks (0/1). */
#ifndef DC_ELEMENTWISE_H
#define DC_ELEMENTWISE_H

#include "../tensor.h"

typedef enum dc_binop {
    DC_ADD, DC_SUB, DC_MUL, DC_DIV, DC_POW, DC_MAXIMUM, DC_MINIMUM,
    DC_LT, DC_LE, DC_GT, DC_GE, DC_EQ, DC_NE, DC_BINOP_COUNT
} dc_binop;

typedef enum dc_unop {
    DC_NEG, DC_ABS, DC_RELU, DC_SQRT, DC_EXP, DC_LOG, DC_SIGMOID, DC_TANH, DC_FLOOR, DC_CEIL,
    DC_SIN, DC_COS, DC_UNOP_COUNT
} dc_unop;

const char *dc_binop_name(dc_binop op);

/* dst[...] = src[...] converted to dst's dtype; src broadcasts to dst's shape. */
dc_status dc_copy(dc_tensor *dst, const dc_tensor *src);
/* A fresh contiguous copy of src with dtype dt (converted as dc_copy does). */
dc_status dc_tensor_clone(dc_tensor *dst, const dc_tensor *src, dc_dtype dt);
/* dst = src itself when already contiguous, else a contiguous copy. */
dc_status dc_tensor_contiguous(dc_tensor *dst, const dc_tensor *src);
/* As dc_tensor_view (tensor.h), but copies into fresh contiguous storage when no view is
 * possible. */
dc_status dc_tensor_reshape(dc_tensor *dst, const dc_tensor *src, int ndim, const int64_t *shape);
dc_status dc_fill(dc_tensor *t, double v);
/* Integer fill that keeps all 64 bits for int64 tensors. */
dc_status dc_fill_i64(dc_tensor *t, int64_t v);

/* out = a op b, broadcasting. */
dc_status dc_binary(dc_binop op, const dc_tensor *a, const dc_tensor *b, dc_tensor *out);
/* out = a op s (or s op a when reversed). is_int: s is an integer (keeps int64 results). */
dc_status dc_binary_scalar(dc_binop op, const dc_tensor *a, double s, bool is_int, bool reversed,
                           dc_tensor *out);
dc_status dc_unary(dc_unop op, const dc_tensor *a, dc_tensor *out);
/* out = min(max(a, lo), hi); NAN bounds are ignored. */
dc_status dc_clamp(const dc_tensor *a, double lo, double hi, dc_tensor *out);
/* out = cond != 0 ? a : b, all three broadcasting together. */
dc_status dc_where(const dc_tensor *cond, const dc_tensor *a, const dc_tensor *b,
                   dc_tensor *out);

#endif
