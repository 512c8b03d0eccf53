/* .npy reader (core/io/npy.c).
 *
 * Input: a mode byte, then the file. Mode bit 0 clear: load into an empty tensor; set: into
 * an existing float32 [2, 3] tensor, which must come back either filled (the file holds
 * exactly that shape and dtype) or untouched (npy.h: "only touched when the whole file was
 * read"). */
#include "fuzz.h"

DC_FUZZ_TARGET(dc_fuzz_npy)
{
    if (size < 1) return 0;
    const char *path = fuzz_file("input.npy", data + 1, size - 1);
    dc_tensor t = dc_tensor_empty();
    if (data[0] & 1) {
        int64_t shape[2] = {2, 3};
        FUZZ_ASSERT(dc_tensor_alloc(&t, DC_F32, 2, shape) == DC_OK);
        float *p = dc_tensor_data(&t);
        for (int i = 0; i < 6; i++) p[i] = -1.5f;
        dc_status s = dc_npy_load(path, &t);
        FUZZ_ASSERT(t.dtype == DC_F32 && t.ndim == 2 && t.shape[0] == 2 && t.shape[1] == 3);
        if (s != DC_OK) {
            FUZZ_REFUSED(s);
            for (int i = 0; i < 6; i++) FUZZ_ASSERT(p[i] == -1.5f);
        }
        dc_tensor_release(&t);
        return 0;
    }
    dc_status s = dc_npy_load(path, &t);
    if (s != DC_OK) {
        FUZZ_REFUSED(s);
        FUZZ_ASSERT(!t.storage);
        return 0;
    }
    FUZZ_ASSERT(dc_tensor_ok(&t) && dc_tensor_is_contiguous(&t));
    FUZZ_ASSERT(t.dtype == DC_F32 || t.dtype == DC_I64 || t.dtype == DC_U8);
    /* every element readable: the storage holds what the shape says */
    int64_t numel = dc_tensor_numel(&t);
    size_t bytes = (size_t)numel * dc_dtype_size(t.dtype);
    const volatile uint8_t *p = dc_tensor_data(&t);
    for (size_t i = 0; i < bytes; i++) (void)p[i];
    dc_tensor_release(&t);
    return 0;
}
