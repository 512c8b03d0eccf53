/* IDX reader (core/data/idx.c), plain and gzip.
 *
 * Input: a mode byte, then the file. Mode bit 0 clear: the bytes are the file as is (seeds
 * hold plain and .gz files, so corrupt gzip streams are explored too); set: the bytes are
 * gzip-compressed first, so mutations of the IDX header and data also reach the reader
 * through the gzip path. */
#include <zlib.h>

#include "fuzz.h"

DC_FUZZ_TARGET(dc_fuzz_idx)
{
    if (size < 1) return 0;
    const uint8_t *body = data + 1;
    size_t n = size - 1;
    const char *path;
    if (data[0] & 1) {
        path = fuzz_file("input.idx.gz", "", 0);
        gzFile g = gzopen(path, "wb");
        FUZZ_ASSERT(g && (n == 0 || gzwrite(g, body, (unsigned)n) == (int)n) && gzclose(g) == Z_OK);
    } else {
        path = fuzz_file("input.idx", body, n);
    }
    dc_tensor t = dc_tensor_empty();
    dc_status s = dc_idx_read(path, &t);
    if (s != DC_OK) {
        FUZZ_REFUSED(s);
        FUZZ_ASSERT(!t.storage); /* nothing handed out on failure */
        return 0;
    }
    /* what the header says, in the layout idx.h promises */
    FUZZ_ASSERT(dc_tensor_ok(&t) && dc_tensor_is_contiguous(&t));
    FUZZ_ASSERT(t.dtype == (t.ndim == 1 ? DC_I64 : DC_U8));
    int64_t numel = dc_tensor_numel(&t);
    if (t.dtype == DC_I64)
        for (int64_t i = 0; i < numel; i++) {
            int64_t v = ((const int64_t *)dc_tensor_data(&t))[i];
            FUZZ_ASSERT(v >= 0 && v <= 255);
        }
    else
        for (int64_t i = 0; i < numel; i++) (void)((volatile const uint8_t *)dc_tensor_data(&t))[i];
    dc_tensor_release(&t);
    return 0;
}
