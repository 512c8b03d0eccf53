/* Reader of IDX files, the MNIST / Fashion-MNIST format, plain or gzip-compressed.
 *
 * Layout: 2 zero bytes, a type byte (0x08 = unsigned byte), a dimension count, then each
 * dimension as a big-endian uint32, then the data in row-major order. */
#ifndef DC_DATA_IDX_H
#define DC_DATA_IDX_H

#include "../tensor.h"

/* Reads the IDX file at path (gzip detected by content). Unsigned-byte files become:
 * 3 dims [N, H, W] -> uint8 [N, 1, H, W] (images); 1 dim [N] -> int64 [N] (labels, values as
 * stored); any other dimension count -> uint8 with the file's dims. out must be empty.
 * DC_ERR_IO / DC_ERR_FORMAT name the file and the problem: bad magic, unsupported type,
 * truncated data, trailing bytes, corrupt gzip stream. */
dc_status dc_idx_read(const char *path, dc_tensor *out);

#endif
