/* Checkpoint archive reader (core/io/archive.c).
 *
 * Input: a mode byte, then the file. Every byte of an archive is covered by its CRC32, so
 * almost any mutation is refused at the end; with mode bit 0 set the harness rewrites the
 * last 4 bytes as the CRC of the rest, so mutated headers, counts, names and shapes reach
 * the structure checks (and must still be refused cleanly or loaded whole). */
#include <zlib.h>

#include "file.h"
#include "fuzz.h"

DC_FUZZ_TARGET(dc_fuzz_archive)
{
    static dc_buffer buf;
    if (size < 1) return 0;
    size_t n = size - 1;
    FUZZ_ASSERT(dc_buffer_reserve(&buf, n + 1) == DC_OK);
    if (n) memcpy(buf.data, data + 1, n);
    if ((data[0] & 1) && n >= 4) {
        uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), buf.data, (uInt)(n - 4));
        for (int i = 0; i < 4; i++) buf.data[n - 4 + i] = (uint8_t)(crc >> (8 * i));
    }
    const char *path = fuzz_file("input.dca", buf.data, n);
    dc_archive a;
    memset(&a, 0x5a, sizeof a); /* untouched on failure: must still hold this */
    dc_archive before = a;
    dc_status s = dc_archive_load(path, &a);
    if (s != DC_OK) {
        FUZZ_REFUSED(s);
        FUZZ_ASSERT(memcmp(&a, &before, sizeof a) == 0);
        return 0;
    }
    FUZZ_ASSERT(a.meta && a.meta[a.meta_len] == '\0' && a.n >= 0);
    for (int i = 0; i < a.n; i++) {
        size_t len = strlen(a.names[i]);
        FUZZ_ASSERT(len > 0 && len <= DC_ARCHIVE_MAX_NAME);
        for (int k = 0; k < i; k++) FUZZ_ASSERT(strcmp(a.names[k], a.names[i]) != 0);
        const dc_tensor *t = &a.tensors[i];
        FUZZ_ASSERT(dc_tensor_ok(t) && dc_tensor_is_contiguous(t));
        size_t bytes = (size_t)dc_tensor_numel(t) * dc_dtype_size(t->dtype);
        const volatile uint8_t *p = dc_tensor_data(t);
        for (size_t b = 0; b < bytes; b++) (void)p[b];
    }
    dc_archive_free(&a);
    dc_archive_free(&a); /* idempotent */
    return 0;
}
