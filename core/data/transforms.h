/* Image transforms with torchvision's names and defaults, run per sample in loader threads.
 *
 * A dc_transform is a plain list of ops (built from a Lua spec by the bindings; no Lua state
 * here). Ops that move pixels (Resize, CenterCrop, RandomResizedCrop, RandomCrop,
 * RandomHorizontalFlip, Grayscale) work on 8-bit images, as torchvision does on PIL images;
 * ToFloat and Normalize come last and fold into one lookup table per channel that writes the
 * float32 [C, H, W] result. Without them the result is ToFloat's: values in [0, 1].
 * RandomErasing works on that float result, as torchvision's does on the normalised tensor,
 * and so comes after everything else (dc_transform_erase).
 * The augmentations RandomAffine, RandomRotation, GaussianBlur, ColorJitter and RandomSolarize
 * draw their parameters as torchvision does and run its functional forms on uint8 tensors
 * (augment.h); RandomGrayscale is Grayscale's PIL formula with the input's channel count.
 *
 * Randomness: every draw comes from the dc_rng the caller passes, which the loader seeds per
 * sample (dc_rng_for(seed, epoch, position)), so a sample's augmentation does not depend on
 * which thread runs it. Draws happen in op order; RandomResizedCrop at the head of the list
 * draws in dc_transform_plan, before decoding, on the full-size dimensions. */
#ifndef DC_DATA_TRANSFORMS_H
#define DC_DATA_TRANSFORMS_H

#include "../rng.h"
#include "augment.h"
#include "image.h"
#include "resample.h"

typedef enum dc_tf_kind {
    DC_TF_RESIZE,                /* Resize(size): shorter side, or (h, w) */
    DC_TF_CENTER_CROP,           /* CenterCrop(size), zero-padded when the image is smaller */
    DC_TF_RANDOM_RESIZED_CROP,   /* RandomResizedCrop(size, scale, ratio) */
    DC_TF_RANDOM_CROP,           /* RandomCrop(size, pad) */
    DC_TF_HFLIP,                 /* RandomHorizontalFlip(p) */
    DC_TF_GRAYSCALE,             /* Grayscale(num_output_channels) */
    DC_TF_TO_FLOAT,              /* ToFloat: pixel / 255 (torchvision's ToTensor) */
    DC_TF_NORMALIZE,             /* Normalize(mean, std) on [0, 1] values */
    DC_TF_AFFINE,                /* RandomAffine(degrees, translate, scale, shear) */
    DC_TF_ROTATION,              /* RandomRotation(degrees) */
    DC_TF_BLUR,                  /* GaussianBlur(kernel_size, sigma) */
    DC_TF_JITTER,                /* ColorJitter(brightness, contrast, saturation, hue) */
    DC_TF_RANDOM_GRAYSCALE,      /* RandomGrayscale(p) */
    DC_TF_SOLARIZE,              /* RandomSolarize(threshold, p) */
    DC_TF_ERASE,                 /* RandomErasing(p, scale, ratio, value) */
    DC_TF_APPLY,                 /* RandomApply(transforms, p): the next `count` ops */
    DC_TF_KIND_COUNT
} dc_tf_kind;

typedef struct dc_tf {
    dc_tf_kind kind;
    int h, w;              /* output size; Resize with w == 0 sets the shorter side to h */
    double scale[2];       /* RandomResizedCrop: area fraction range, (0.08, 1); RandomAffine:
                            * scale factor range, (1, 1); RandomErasing: area fraction range,
                            * (0.02, 0.33) */
    double ratio[2];       /* RandomResizedCrop: aspect ratio (w / h) range, (3/4, 4/3);
                            * RandomErasing: aspect ratio (h / w) range, (0.3, 3.3) */
    int pad;               /* RandomCrop: zero padding added on every side first, 0 */
    double p;              /* probability: RandomHorizontalFlip, RandomSolarize, RandomErasing
                            * 0.5; RandomGrayscale 0.1 */
    int channels;          /* Grayscale: 1 or 3 output channels, 1 */
    int n;                 /* Normalize: number of mean/std values, 1 (all channels) or C */
    float mean[4], std[4]; /* Normalize */
    int nvalue;            /* values in value: 1 (all channels) or C; RandomErasing: 0 is
                            * 'random' (standard normal noise per element) */
    float value[4];        /* RandomAffine / RandomRotation: fill (pixel values, 0);
                            * RandomErasing: value (of the normalised tensor, 0) */
    double degrees[2];     /* RandomAffine, RandomRotation: angle range, degrees */
    double translate[2];   /* RandomAffine: largest shift as fractions of width, height (0, 0) */
    double shear[4];       /* RandomAffine: x shear range, y shear range, degrees (0: none) */
    dc_interp interp;      /* RandomAffine, RandomRotation: nearest */
    int ksize[2];          /* GaussianBlur: kernel width, height (odd) */
    double sigma[2];       /* GaussianBlur: sigma range, (0.1, 2) */
    double jitter[4][2];   /* ColorJitter: brightness, contrast, saturation factor ranges, hue
                            * shift range; (1, 1) and (0, 0): off */
    double threshold;      /* RandomSolarize: pixel values >= threshold are inverted */
    int count;             /* RandomApply: the ops after it that it runs (all, or none, with
                            * probability p); pixel ops that keep the size */
} dc_tf;

#define DC_TF_MAX 16

typedef struct dc_transform {
    int n;                 /* ops in use */
    dc_tf op[DC_TF_MAX];
} dc_transform;

/* op = kind with torchvision's defaults (sizes 0: the caller sets them). */
void dc_tf_init(dc_tf *op, dc_tf_kind kind);
const char *dc_tf_name(dc_tf_kind kind);   /* "RandomResizedCrop" */
/* The argument rules of the ops, for whoever builds them (the bindings): a size of count
 * (1 or 2) values is {h, w}, and one value n means n x n, except for Resize, where it sets the
 * shorter side (w = 0), as torchvision. */
void dc_tf_set_size(dc_tf *op, int count, const double *v);
/* Normalize's mean and std: as many of each, 1 (every channel) to 4 (one per channel). */
dc_status dc_tf_set_normalize(dc_tf *op, int nmean, const double *mean, int nstd,
                              const double *std);

/* Checks every op's parameters and their order, and gives the result's [C, H, W] for an
 * input of c channels and h x w pixels; h, w = -1 for sizes that vary per image, and an
 * output entry is -1 when it varies. DC_ERR_ARG names the op and the problem. */
dc_status dc_transform_shape(const dc_transform *t, int c, int h, int w, int out[3]);

/* Geometry of the first op, decided on the full-size image before it is decoded. */
typedef struct dc_tf_plan {
    int src_w, src_h;   /* full-size image */
    int min_w, min_h;   /* smallest decode that loses nothing; 0, 0 = full size */
    int planned;        /* 1 when op[0] is Resize or RandomResizedCrop: box and out below */
    double box[4];      /* its source region (x0, y0, x1, y1) in full-size pixels */
    int out_w, out_h;   /* its output size */
    /* Set by the caller when the picture given to dc_transform_run is only a part of the
     * decoded one (dc_transform_region): the decoded picture's size (0, 0: the picture given
     * is the whole one) and where the part's top-left pixel lies in it. */
    int full_w, full_h;
    int at_x, at_y;
} dc_tf_plan;

/* Fills plan for an image of w x h pixels, drawing op[0]'s random numbers if it has any. */
void dc_transform_plan(const dc_transform *t, int w, int h, dc_rng *rng, dc_tf_plan *plan);

/* The part (x0, y0, x1, y1) of a picture decoded at w x h (the full size or a DCT-scaled
 * one) that dc_transform_run reads for plan: all of it unless op[0] is planned. Running on
 * just that part (plan->full_w, ... set) gives exactly the result of running on the whole. */
void dc_transform_region(const dc_transform *t, const dc_tf_plan *plan, int w, int h,
                         int region[4]);

/* Per-thread working memory, grown on demand and reused. */
typedef struct dc_tf_scratch {
    dc_buffer buf[2];        /* ping-pong pixel buffers */
    dc_resample_scratch rs;
    dc_buffer blur;          /* GaussianBlur's float rows */
} dc_tf_scratch;

void dc_tf_scratch_free(dc_tf_scratch *s);

/* Runs t on img, decoded at full size or DCT-scaled (plan holds the full size). writable:
 * img's pixels may be changed in place. On success *result is the final 8-bit image (in
 * s's buffers or a view of img) and lut[ch][v] its float value. */
dc_status dc_transform_run(const dc_transform *t, const dc_tf_plan *plan, const dc_image *img,
                           int writable, dc_rng *rng, dc_tf_scratch *s, dc_image *result,
                           float (*lut)[256]);

/* The float stage after dc_transform_run (with the same rng): t's RandomErasing ops on x,
 * float32 [c, h, w] (the result's values through lut). */
void dc_transform_erase(const dc_transform *t, dc_rng *rng, int c, int h, int w, float *x);

/* 1 for the ops that work on 8-bit pixels (all but ToFloat, Normalize, RandomErasing). */
int dc_tf_is_pixel_op(dc_tf_kind kind);

#endif
