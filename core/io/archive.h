/* The named-tensor archive: checkpoints (parameters, optimizer state, assignments) plus a
 * metadata byte string (lua/dclab/serialize.lua writes a Lua table into it).
 *
 * File layout, little-endian:
 *   magic "DCLABARC" (8 bytes), version u32 (= DC_ARCHIVE_VERSION), tensor count u32,
 *   metadata length u64, metadata bytes,
 *   per tensor: name length u32, name bytes, dtype u32 (1 float32, 2 int64, 3 uint8),
 *               ndim u32, shape i64[ndim], data (numel * itemsize bytes, C order),
 *   CRC32 (zlib) u32 of every byte before it.
 * A file is written atomically (temporary file in the same folder, fsync, rename) and read
 * all or nothing: a truncated, corrupt or foreign file is refused before the caller sees any
 * of it. */
#ifndef DC_IO_ARCHIVE_H
#define DC_IO_ARCHIVE_H

#include "../tensor.h"

#define DC_ARCHIVE_VERSION 1
#define DC_ARCHIVE_MAX_NAME 4096 /* bytes in a tensor name */

/* A loaded archive; everything in it is owned (free with dc_archive_free). */
typedef struct dc_archive {
    char *meta;          /* meta_len bytes plus a terminating NUL */
    size_t meta_len;
    int n;               /* number of tensors */
    char **names;        /* [n], NUL-terminated, in file order */
    dc_tensor *tensors;  /* [n], contiguous, each holding one reference */
} dc_archive;

/* Writes n named tensors (any layout) and the metadata to path. Names must be non-empty,
 * at most DC_ARCHIVE_MAX_NAME bytes and distinct. DC_ERR_ARG for bad names, DC_ERR_STATE
 * for a released tensor, DC_ERR_IO when the file cannot be written (path is then left as
 * it was). */
dc_status dc_archive_save(const char *path, int n, const char *const *names,
                          const dc_tensor *const *tensors, const char *meta, size_t meta_len);

/* Reads path into *a (overwritten; owned by the caller on success, untouched on failure).
 * DC_ERR_IO when it cannot be opened; DC_ERR_FORMAT naming the file and the problem for a
 * bad magic, an unknown version, a truncated or corrupt file (CRC mismatch). */
dc_status dc_archive_load(const char *path, dc_archive *a);

/* Releases everything a holds and empties it. Idempotent. */
void dc_archive_free(dc_archive *a);

#endif
