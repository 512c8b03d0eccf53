/* .npy files (numpy's format, versions 1.0 and 2.0), so numpy reads what dclab writes and
 * the other way round. https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * Written: float32 '<f4', int64 '<i8', uint8 '|u1', C order, header padded to 64 bytes.
 * Read: those three, plus '<f8' (to float32), '<i4' (to int64) and '|b1' (to uint8 0/1), in C
 * or Fortran order. */
#ifndef DC_IO_NPY_H
#define DC_IO_NPY_H

#include "../tensor.h"

/* Writes t (any layout) to path atomically: a temporary file in the same folder, renamed
 * over path once complete. DC_ERR_IO when the file cannot be written. */
dc_status dc_npy_save(const char *path, const dc_tensor *t);

/* Reads path into out (contiguous). out follows the output convention (empty, or already
 * of the file's exact dtype and shape); it is only touched when the whole file was read.
 * DC_ERR_IO when the file cannot be opened; DC_ERR_FORMAT naming the file and the problem
 * when it is not a valid .npy (bad magic, header, unsupported dtype, truncated, extra data). */
dc_status dc_npy_load(const char *path, dc_tensor *out);

#endif
