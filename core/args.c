/* Argument checks shared by the layer and optimizer kernels (see args.h). */
#include "args.h"

#include <stdio.h>

dc_status dc_arg_f32(const dc_tensor *t, int ndim, const char *op, const char *name,
                     const char *layout)
{
    char a[128];
    DC_CHECK(t && t->storage, DC_ERR_STATE, "%s: %s is a released tensor", op, name);
    DC_CHECK(t->dtype == DC_F32 && (ndim < 0 || t->ndim == ndim),
             t->dtype == DC_F32 ? DC_ERR_SHAPE : DC_ERR_DTYPE,
             "%s: %s must be a float32%s%s tensor, got %s", op, name, ndim < 0 ? "" : " ",
             ndim < 0 ? "" : layout, dc_tensor_describe(t, a, sizeof a));
    DC_CHECK(dc_tensor_is_contiguous(t), DC_ERR_ARG,
             "%s: %s must be contiguous, got a strided view %s (use :contiguous())", op, name,
             dc_tensor_describe(t, a, sizeof a));
    return DC_OK;
}

dc_status dc_arg_f32_shape(const dc_tensor *t, int ndim, const int64_t *shape, const char *op,
                           const char *name)
{
    char a[128], b[128];
    dc_shape_str(ndim, shape, b, sizeof b);
    DC_TRY(dc_arg_f32(t, ndim, op, name, b));
    for (int d = 0; d < ndim; d++)
        DC_CHECK(t->shape[d] == shape[d], DC_ERR_SHAPE, "%s: %s must be float32 %s, got %s", op,
                 name, b, dc_tensor_describe(t, a, sizeof a));
    return DC_OK;
}

dc_status dc_arg_out(dc_tensor *t, dc_dtype dt, int ndim, const int64_t *shape, const char *op,
                     const char *name)
{
    char what[96], a[128];
    snprintf(what, sizeof what, "%s: %s", op, name);
    DC_TRY(dc_tensor_ensure(t, dt, ndim, shape, what));
    DC_CHECK(dc_tensor_is_contiguous(t), DC_ERR_ARG, "%s must be contiguous, got a strided view %s",
             what, dc_tensor_describe(t, a, sizeof a));
    return DC_OK;
}
