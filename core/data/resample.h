/* Bilinear resampling of 8-bit images with antialiasing when shrinking.
 *
 * The algorithm is Pillow's ImagingResample (what torchvision's Resize and RandomResizedCrop
 * run on PIL images, and its tensor path with antialias=True): separable triangle filter,
 * whose support widens by the shrink factor so every source pixel contributes, fixed-point
 * weights with 22 fractional bits, a horizontal pass into an 8-bit buffer, then a vertical
 * pass. Enlarging is plain bilinear interpolation with pixel centres at +0.5. */
#ifndef DC_DATA_RESAMPLE_H
#define DC_DATA_RESAMPLE_H

#include "../file.h"
#include "image.h"

/* Work buffers, grown on demand and reused (one per thread). */
typedef struct dc_resample_scratch {
    dc_buffer coef;  /* fixed-point weights and bounds of both passes */
    dc_buffer mid;   /* the horizontally resampled rows */
} dc_resample_scratch;

void dc_resample_scratch_free(dc_resample_scratch *s);

/* dst (dst->w x dst->h, same channels as src, its own memory) = the region box = {x0, y0,
 * x1, y1} of src (pixel units, fractional allowed, 0 <= x0 < x1 <= src->w, same for y)
 * resampled to dst's size. */
dc_status dc_resample(const dc_image *src, const double box[4], dc_image *dst,
                      dc_resample_scratch *s);

/* The same on a part of a picture: src is the region of a full_w x full_h picture whose
 * top-left pixel is at (x, y), box is in the whole picture's pixels, and the result is
 * exactly dc_resample's on the whole picture. The part must hold every pixel the filter
 * reads (dc_resample_span), else DC_ERR_ARG. */
dc_status dc_resample_part(const dc_image *src, int x, int y, int full_w, int full_h,
                           const double box[4], dc_image *dst, dc_resample_scratch *s);

/* Source pixels [span[0], span[1]) that resampling [in0, in1) of an axis of in_size pixels to
 * out_size pixels reads (weights of zero included). */
void dc_resample_span(int in_size, double in0, double in1, int out_size, int span[2]);

#endif
