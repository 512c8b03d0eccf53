/* The deterministic maths of the random augmentations (transforms.c draws their parameters):
 * torchvision's functional forms as they run on uint8 [C, H, W] tensors
 * (torchvision.transforms.functional: affine, rotate, gaussian_blur, adjust_brightness,
 * adjust_contrast, adjust_saturation, adjust_hue, solarize), on 8-bit images, in float32 as
 * torchvision computes them, rounded or truncated to 8 bits where it does.
 * tests/fixtures/make_augment_fixtures.py records torchvision's outputs. */
#ifndef DC_DATA_AUGMENT_H
#define DC_DATA_AUGMENT_H

#include "image.h"

typedef enum dc_interp { DC_INTERP_NEAREST, DC_INTERP_BILINEAR } dc_interp;

/* The inverse matrix (output pixel -> input pixel, both relative to the image centre) of
 * F.affine(angle, (tx, ty), scale, (shear_x, shear_y)) about the centre; angles in degrees,
 * counter-clockwise. F.rotate(angle) is F.affine(-angle, (0, 0), 1, (0, 0)). */
void dc_affine_inverse(double angle, double tx, double ty, double scale, double shear_x,
                       double shear_y, double m[6]);

/* dst (src's size and channels, its own pixels) = src mapped through the inverse matrix m:
 * grid_sample with align_corners = False, pixels outside src taking fill[ch] (0..255) as
 * torchvision's fill does (bilinear: blended by the share of the 2 x 2 neighbourhood that is
 * inside), rounded to nearest. */
void dc_affine(const dc_image *src, const double m[6], dc_interp interp, const float *fill,
               dc_image *dst);

/* dst (src's size) = src convolved with the kx x ky Gaussian of standard deviations
 * (sigma_x, sigma_y) (kx, ky odd), reflect-padded, rounded. tmp: float working memory. */
dc_status dc_gaussian_blur(const dc_image *src, int kx, int ky, double sigma_x, double sigma_y,
                           dc_buffer *tmp, dc_image *dst);

/* In place. brightness: f x pixel; contrast: blend with the mean of the gray image; both
 * truncated to 0..255, on 1 or 3 channels. saturation: blend with the gray image; hue: shift
 * of the HSV hue by f in [-0.5, 0.5] (a turn); both leave 1-channel images as they are, as
 * torchvision does. Gray is torchvision's tensor form, (0.2989 R + 0.587 G + 0.114 B)
 * truncated. */
void dc_adjust_brightness(dc_image *im, double f);
void dc_adjust_contrast(dc_image *im, double f);
void dc_adjust_saturation(dc_image *im, double f);
void dc_adjust_hue(dc_image *im, double f);

/* In place: every value >= threshold becomes 255 - value. */
void dc_solarize(dc_image *im, double threshold);

#endif
