/* Human-readable tensors: the text of print(t) in the REPL, also usable from C and gdb.
 *
 *  0.4611 -0.6737  1.2001
 * -0.6769  0.3312 -0.0952
 * [dclab.Tensor float32 2x3]
 *
 * Large tensors are summarised (the first and last edgeitems of each dimension around a
 * "..."), so printing costs the same for 10 or 10^8 elements. The number format is chosen
 * from the printed elements only: integers, fixed point, or scientific when the printed
 * magnitudes span too much for fixed point. N-d tensors print as 2-D blocks under a slice
 * header such as "(2,1,.,.) =". */
#ifndef DC_TENSOR_PRINT_H
#define DC_TENSOR_PRINT_H

#include <stddef.h>

#include "tensor.h"

typedef struct dc_print_opts {
    int edgeitems;  /* elements kept at each end of a summarised dimension (>= 1) */
    int64_t threshold; /* summarise when numel exceeds this (>= 0) */
    int precision;  /* digits after the point in fixed and scientific formats (0..30) */
    int linewidth;  /* characters per line; wider rows are cut into column blocks (>= 20) */
    int base;       /* first index shown in slice headers and column blocks (1 from Lua) */
} dc_print_opts;

/* Defaults: edgeitems 3, threshold 1000, precision 4, linewidth 80, base 0. */
void dc_print_opts_init(dc_print_opts *o);
/* DC_ERR_ARG naming the first field out of range. */
dc_status dc_print_opts_check(const dc_print_opts *o);

/* Receives the text in pieces (not NUL-terminated). */
typedef void (*dc_print_sink)(void *ud, const char *s, size_t n);

/* Writes the text of t (no final newline) to sink. A released tensor prints as
 * "[dclab.Tensor released]". Fails only on invalid options. */
dc_status dc_tensor_print(const dc_tensor *t, const dc_print_opts *o, dc_print_sink sink,
                          void *ud);

#endif
