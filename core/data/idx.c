/* IDX (MNIST format) reader over zlib's gz* functions, which also read uncompressed files. */
#include "idx.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* Deflate cannot expand data by more than this factor (zlib's technical details), so a
 * header promising more than file size x this is corrupt, and is refused before allocating. */
#define MAX_DEFLATE_RATIO 1032

/* Reads exactly n bytes; a short read names what was being read. */
static dc_status read_exact(gzFile f, const char *path, void *dst, size_t n, const char *what)
{
    uint8_t *p = dst;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(f, p, chunk);
        if (got < 0) {
            int err;
            const char *msg = gzerror(f, &err);
            return dc_fail(DC_ERR_FORMAT,
                           "read_idx: %s: corrupt gzip data while reading the %s (%s)", path,
                           what, msg);
        }
        if (got == 0) {
            int err;
            const char *msg = gzerror(f, &err);
            if (err != Z_OK && err != Z_STREAM_END)
                return dc_fail(DC_ERR_FORMAT, "read_idx: %s: truncated or corrupt file while "
                               "reading the %s (%s)", path, what, msg);
            return dc_fail(DC_ERR_FORMAT, "read_idx: %s: truncated file: %zu bytes missing "
                           "from the %s", path, n, what);
        }
        p += got;
        n -= (size_t)got;
    }
    return DC_OK;
}

dc_status dc_idx_read(const char *path, dc_tensor *out)
{
    DC_CHECK(!out->storage, DC_ERR_ARG, "read_idx: the output tensor must be empty");
    struct stat st;
    DC_CHECK(stat(path, &st) == 0, DC_ERR_IO, "read_idx: %s: %s", path, strerror(errno));
    DC_CHECK(S_ISREG(st.st_mode), DC_ERR_IO, "read_idx: %s: not a regular file", path);
    gzFile f = gzopen(path, "rb");
    DC_CHECK(f, DC_ERR_IO, "read_idx: %s: %s", path, errno ? strerror(errno) : "cannot open");
    gzbuffer(f, 1 << 18);
    dc_status s;
    uint8_t magic[4];
    if ((s = read_exact(f, path, magic, 4, "header")) != DC_OK) goto fail;
    if (magic[0] != 0 || magic[1] != 0) {
        s = dc_fail(DC_ERR_FORMAT, "read_idx: %s: not an IDX file (magic %02x %02x %02x %02x, "
                    "expected 00 00 <type> <ndim>)", path, magic[0], magic[1], magic[2], magic[3]);
        goto fail;
    }
    if (magic[2] != 0x08) {
        s = dc_fail(DC_ERR_FORMAT, "read_idx: %s: element type 0x%02x is not supported (only "
                    "0x08, unsigned byte)", path, magic[2]);
        goto fail;
    }
    int nd = magic[3];
    if (nd < 1 || nd > DC_MAX_DIMS - 1) {
        s = dc_fail(DC_ERR_FORMAT, "read_idx: %s: %d dimensions (expected 1 to %d)", path, nd,
                    DC_MAX_DIMS - 1);
        goto fail;
    }
    uint8_t dimbytes[4 * DC_MAX_DIMS];
    if ((s = read_exact(f, path, dimbytes, 4 * (size_t)nd, "dimensions")) != DC_OK) goto fail;
    int64_t dims[DC_MAX_DIMS], numel = 1;
    for (int d = 0; d < nd; d++) {
        const uint8_t *b = dimbytes + 4 * d;
        dims[d] = ((int64_t)b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
        numel = dims[d] && numel > INT64_MAX / dims[d] ? INT64_MAX : numel * dims[d];
    }
    int64_t limit = (int64_t)st.st_size * MAX_DEFLATE_RATIO;
    if (numel > limit) {
        char b[160];
        s = dc_fail(DC_ERR_FORMAT, "read_idx: %s: header promises %s = %lld bytes, more than "
                    "a %lld-byte file can hold: corrupt header", path,
                    dc_shape_str(nd, dims, b, sizeof b), (long long)numel, (long long)st.st_size);
        goto fail;
    }
    int64_t shape[DC_MAX_DIMS];
    int ond = nd;
    memcpy(shape, dims, sizeof(int64_t) * (size_t)nd);
    if (nd == 3) { /* images: add the channel dimension */
        shape[0] = dims[0];
        shape[1] = 1;
        shape[2] = dims[1];
        shape[3] = dims[2];
        ond = 4;
    }
    dc_tensor raw = dc_tensor_empty();
    if ((s = dc_tensor_alloc(&raw, DC_U8, ond, shape)) != DC_OK) goto fail;
    s = read_exact(f, path, dc_tensor_data(&raw), (size_t)numel, "data");
    if (s == DC_OK) { /* the data must end the file, and a gzip stream must end cleanly */
        uint8_t extra;
        int got = gzread(f, &extra, 1);
        int err;
        const char *msg = gzerror(f, &err);
        if (got < 0 || (err != Z_OK && err != Z_STREAM_END))
            s = dc_fail(DC_ERR_FORMAT, "read_idx: %s: truncated or corrupt file after the "
                        "data (%s)", path, msg);
        else if (got > 0)
            s = dc_fail(DC_ERR_FORMAT, "read_idx: %s: unexpected bytes after the %lld data "
                        "bytes the header announces", path, (long long)numel);
    }
    if (s != DC_OK) {
        dc_tensor_release(&raw);
        goto fail;
    }
    gzclose(f);
    if (nd != 1) {
        *out = raw;
        return DC_OK;
    }
    s = dc_tensor_alloc(out, DC_I64, 1, shape);
    if (s == DC_OK) {
        const uint8_t *src = dc_tensor_data(&raw);
        int64_t *dst = dc_tensor_data(out);
        for (int64_t i = 0; i < numel; i++) dst[i] = src[i];
    }
    dc_tensor_release(&raw);
    return s;
fail:
    gzclose(f);
    return s;
}
