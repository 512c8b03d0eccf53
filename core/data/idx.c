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

/* The header: magic, element type, dimension count and sizes. numel is checked against what
 * a file of file_size bytes can hold, so a corrupt header is refused before allocating. */
static dc_status read_header(gzFile f, const char *path, int64_t file_size, int *nd,
                             int64_t *dims, int64_t *numel)
{
    uint8_t magic[4];
    DC_TRY(read_exact(f, path, magic, 4, "header"));
    DC_CHECK(magic[0] == 0 && magic[1] == 0, DC_ERR_FORMAT, "read_idx: %s: not an IDX file "
             "(magic %02x %02x %02x %02x, expected 00 00 <type> <ndim>)", path, magic[0],
             magic[1], magic[2], magic[3]);
    DC_CHECK(magic[2] == 0x08, DC_ERR_FORMAT, "read_idx: %s: element type 0x%02x is not "
             "supported (only 0x08, unsigned byte)", path, magic[2]);
    *nd = magic[3];
    DC_CHECK(*nd >= 1 && *nd <= DC_MAX_DIMS - 1, DC_ERR_FORMAT,
             "read_idx: %s: %d dimensions (expected 1 to %d)", path, *nd, DC_MAX_DIMS - 1);
    uint8_t dimbytes[4 * DC_MAX_DIMS];
    DC_TRY(read_exact(f, path, dimbytes, 4 * (size_t)*nd, "dimensions"));
    *numel = 1;
    for (int d = 0; d < *nd; d++) {
        const uint8_t *b = dimbytes + 4 * d;
        dims[d] = ((int64_t)b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
        *numel = dims[d] && *numel > INT64_MAX / dims[d] ? INT64_MAX : *numel * dims[d];
    }
    if (*numel > file_size * MAX_DEFLATE_RATIO) {
        char b[160];
        return dc_fail(DC_ERR_FORMAT, "read_idx: %s: header promises %s = %lld bytes, more "
                       "than a %lld-byte file can hold: corrupt header", path,
                       dc_shape_str(*nd, dims, b, sizeof b), (long long)*numel,
                       (long long)file_size);
    }
    return DC_OK;
}

/* The numel data bytes into raw (uint8, shape already set up), which must end the file; a
 * gzip stream must end cleanly. */
static dc_status read_data(gzFile f, const char *path, int64_t numel, dc_tensor *raw)
{
    DC_TRY(read_exact(f, path, dc_tensor_data(raw), (size_t)numel, "data"));
    uint8_t extra;
    int got = gzread(f, &extra, 1);
    int err;
    const char *msg = gzerror(f, &err);
    DC_CHECK(got >= 0 && (err == Z_OK || err == Z_STREAM_END), DC_ERR_FORMAT,
             "read_idx: %s: truncated or corrupt file after the data (%s)", path, msg);
    DC_CHECK(got == 0, DC_ERR_FORMAT, "read_idx: %s: unexpected bytes after the %lld data "
             "bytes the header announces", path, (long long)numel);
    return DC_OK;
}

/* The tensor of the file's contents: images [N, H, W] gain a channel dimension. */
static dc_status read_tensor(gzFile f, const char *path, int64_t file_size, dc_tensor *raw,
                             int *nd)
{
    int64_t dims[DC_MAX_DIMS], numel = 0;
    DC_TRY(read_header(f, path, file_size, nd, dims, &numel));
    int64_t shape[DC_MAX_DIMS];
    int ond = *nd;
    memcpy(shape, dims, sizeof(int64_t) * (size_t)*nd);
    if (*nd == 3) {
        shape[0] = dims[0];
        shape[1] = 1;
        shape[2] = dims[1];
        shape[3] = dims[2];
        ond = 4;
    }
    DC_TRY(dc_tensor_alloc(raw, DC_U8, ond, shape));
    dc_status s = read_data(f, path, numel, raw);
    if (s != DC_OK) dc_tensor_release(raw);
    return s;
}

/* Labels: uint8 [N] -> int64 [N], values as stored. */
static dc_status widen_labels(const dc_tensor *raw, dc_tensor *out)
{
    DC_TRY(dc_tensor_alloc(out, DC_I64, 1, raw->shape));
    const uint8_t *src = dc_tensor_data(raw);
    int64_t *dst = dc_tensor_data(out);
    for (int64_t i = 0; i < raw->shape[0]; i++) dst[i] = src[i];
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
    dc_tensor raw = dc_tensor_empty();
    int nd = 0;
    dc_status s = read_tensor(f, path, (int64_t)st.st_size, &raw, &nd);
    gzclose(f);
    if (s != DC_OK || nd != 1) {
        *out = raw;
        return s;
    }
    s = widen_labels(&raw, out);
    dc_tensor_release(&raw);
    return s;
}
