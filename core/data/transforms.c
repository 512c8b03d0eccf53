/* torchvision-compatible transforms on 8-bit images (see transforms.h). */
#include "transforms.h"

#include <limits.h>
#include <math.h>
#include <string.h>

static const char *names[DC_TF_KIND_COUNT] = {
    "Resize", "CenterCrop", "RandomResizedCrop", "RandomCrop", "RandomHorizontalFlip",
    "Grayscale", "ToFloat", "Normalize", "RandomAffine", "RandomRotation", "GaussianBlur",
    "ColorJitter", "RandomGrayscale", "RandomSolarize", "RandomErasing", "RandomApply",
};

const char *dc_tf_name(dc_tf_kind kind)
{
    return kind >= 0 && kind < DC_TF_KIND_COUNT ? names[kind] : "?";
}

void dc_tf_init(dc_tf *op, dc_tf_kind kind)
{
    memset(op, 0, sizeof *op);
    op->kind = kind;
    op->scale[0] = 0.08;
    op->scale[1] = 1.0;
    op->ratio[0] = 3.0 / 4.0;
    op->ratio[1] = 4.0 / 3.0;
    op->p = kind == DC_TF_RANDOM_GRAYSCALE ? 0.1 : 0.5;
    op->channels = 1;
    op->n = 1;
    op->std[0] = 1.0f;
    op->nvalue = 1;
    op->interp = DC_INTERP_NEAREST;
    op->sigma[0] = 0.1;
    op->sigma[1] = 2.0;
    for (int k = 0; k < 3; k++) op->jitter[k][0] = op->jitter[k][1] = 1.0;
    if (kind == DC_TF_AFFINE) op->scale[0] = 1.0;
    if (kind == DC_TF_ERASE) {
        op->scale[0] = 0.02;
        op->scale[1] = 0.33;
        op->ratio[0] = 0.3;
        op->ratio[1] = 3.3;
    }
}

int dc_tf_is_pixel_op(dc_tf_kind kind)
{
    return kind != DC_TF_TO_FLOAT && kind != DC_TF_NORMALIZE && kind != DC_TF_ERASE;
}

void dc_tf_set_size(dc_tf *op, int count, const double *v)
{
    op->h = (int)v[0];
    op->w = count == 2 ? (int)v[1] : op->kind == DC_TF_RESIZE ? 0 : (int)v[0];
}

dc_status dc_tf_set_normalize(dc_tf *op, int nmean, const double *mean, int nstd,
                              const double *std)
{
    DC_CHECK(nmean == nstd, DC_ERR_ARG, "Normalize: %d mean values but %d std values", nmean,
             nstd);
    DC_CHECK(nmean >= 1 && nmean <= 4, DC_ERR_ARG, "Normalize: 1 to 4 mean/std values, got %d",
             nmean);
    op->n = nmean;
    for (int c = 0; c < nmean; c++) op->mean[c] = (float)mean[c], op->std[c] = (float)std[c];
    return DC_OK;
}

void dc_tf_scratch_free(dc_tf_scratch *s)
{
    dc_buffer_free(&s->buf[0]);
    dc_buffer_free(&s->buf[1]);
    dc_resample_scratch_free(&s->rs);
    dc_buffer_free(&s->blur);
}

/* ---- checking and shapes ---- */

/* lo <= hi, both in [min, max] */
static int range_in(const double r[2], double min, double max)
{
    return r[0] >= min && r[0] <= r[1] && r[1] <= max;
}

static dc_status check_op(const dc_tf *op, int i)
{
    const char *nm = dc_tf_name(op->kind);
    DC_CHECK(op->kind >= 0 && op->kind < DC_TF_KIND_COUNT, DC_ERR_ARG,
             "transform %d: unknown kind %d", i + 1, (int)op->kind);
    switch (op->kind) {
    case DC_TF_RESIZE:
        DC_CHECK(op->h > 0 && op->h <= 65535 && op->w >= 0 && op->w <= 65535, DC_ERR_ARG,
                 "transform %d (%s): size must be in 1..65535, got %d x %d", i + 1, nm, op->h,
                 op->w);
        break;
    case DC_TF_RANDOM_RESIZED_CROP:
        DC_CHECK(op->scale[0] > 0 && op->scale[0] <= op->scale[1] && op->scale[1] <= 1,
                 DC_ERR_ARG,
                 "transform %d (%s): scale must satisfy 0 < lo <= hi <= 1, got (%g, %g)", i + 1,
                 nm, op->scale[0], op->scale[1]);
        DC_CHECK(op->ratio[0] > 0 && op->ratio[0] <= op->ratio[1], DC_ERR_ARG,
                 "transform %d (%s): ratio must satisfy 0 < lo <= hi, got (%g, %g)", i + 1, nm,
                 op->ratio[0], op->ratio[1]);
        /* fall through */
    case DC_TF_CENTER_CROP:
    case DC_TF_RANDOM_CROP:
        DC_CHECK(op->h > 0 && op->w > 0 && op->h <= 65535 && op->w <= 65535, DC_ERR_ARG,
                 "transform %d (%s): size must be in 1..65535, got %d x %d", i + 1, nm, op->h,
                 op->w);
        DC_CHECK(op->pad >= 0 && op->pad <= 65535, DC_ERR_ARG,
                 "transform %d (%s): pad must be >= 0, got %d", i + 1, nm, op->pad);
        break;
    case DC_TF_ERASE:
        DC_CHECK(range_in(op->scale, 0, 1), DC_ERR_ARG,
                 "transform %d (%s): scale must satisfy 0 <= lo <= hi <= 1, got (%g, %g)", i + 1,
                 nm, op->scale[0], op->scale[1]);
        DC_CHECK(op->ratio[0] > 0 && range_in(op->ratio, 0, INFINITY), DC_ERR_ARG,
                 "transform %d (%s): ratio must satisfy 0 < lo <= hi, got (%g, %g)", i + 1, nm,
                 op->ratio[0], op->ratio[1]);
        DC_CHECK(op->nvalue >= 0 && op->nvalue <= 4, DC_ERR_ARG,
                 "transform %d (%s): 1 to 4 values (0: random), got %d", i + 1, nm, op->nvalue);
        /* fall through */
    case DC_TF_HFLIP:
    case DC_TF_RANDOM_GRAYSCALE:
    case DC_TF_SOLARIZE:
    case DC_TF_APPLY:
        DC_CHECK(isfinite(op->threshold), DC_ERR_ARG,
                 "transform %d (%s): threshold must be finite", i + 1, nm);
        DC_CHECK(op->p >= 0 && op->p <= 1, DC_ERR_ARG,
                 "transform %d (%s): p must be in [0, 1], got %g", i + 1, nm, op->p);
        DC_CHECK(op->kind != DC_TF_APPLY || op->count >= 1, DC_ERR_ARG,
                 "transform %d (%s): needs at least one op, got %d", i + 1, nm, op->count);
        break;
    case DC_TF_AFFINE:
        DC_CHECK(op->translate[0] >= 0 && op->translate[0] <= 1 && op->translate[1] >= 0 &&
                     op->translate[1] <= 1, DC_ERR_ARG, "transform %d (%s): translate must be in [0, 1], got (%g, %g)",
                 i + 1, nm, op->translate[0], op->translate[1]);
        DC_CHECK(op->scale[0] > 0 && range_in(op->scale, 0, INFINITY), DC_ERR_ARG,
                 "transform %d (%s): scale must satisfy 0 < lo <= hi, got (%g, %g)", i + 1, nm,
                 op->scale[0], op->scale[1]);
        DC_CHECK(range_in(op->shear, -89, 89) && range_in(op->shear + 2, -89, 89), DC_ERR_ARG,
                 "transform %d (%s): shear ranges must satisfy -89 <= lo <= hi <= 89 degrees, "
                 "got (%g, %g, %g, %g)", i + 1, nm, op->shear[0], op->shear[1], op->shear[2],
                 op->shear[3]);
        /* fall through */
    case DC_TF_ROTATION:
        DC_CHECK(range_in(op->degrees, -1e6, 1e6), DC_ERR_ARG,
                 "transform %d (%s): degrees must satisfy lo <= hi, got (%g, %g)", i + 1, nm,
                 op->degrees[0], op->degrees[1]);
        DC_CHECK(op->interp == DC_INTERP_NEAREST || op->interp == DC_INTERP_BILINEAR, DC_ERR_ARG,
                 "transform %d (%s): unknown interpolation %d", i + 1, nm, (int)op->interp);
        DC_CHECK(op->nvalue >= 1 && op->nvalue <= 3, DC_ERR_ARG,
                 "transform %d (%s): 1 to 3 fill values, got %d", i + 1, nm, op->nvalue);
        for (int k = 0; k < op->nvalue; k++)
            DC_CHECK(op->value[k] >= 0 && op->value[k] <= 255, DC_ERR_ARG,
                     "transform %d (%s): fill must be in 0..255, got %g", i + 1, nm,
                     op->value[k]);
        break;
    case DC_TF_BLUR:
        for (int k = 0; k < 2; k++)
            DC_CHECK(op->ksize[k] > 0 && op->ksize[k] % 2 == 1 && op->ksize[k] <= 1023, DC_ERR_ARG,
                     "transform %d (%s): kernel_size must be odd and in 1..1023, got %d x %d",
                     i + 1, nm, op->ksize[0], op->ksize[1]);
        DC_CHECK(op->sigma[0] > 0 && range_in(op->sigma, 0, INFINITY), DC_ERR_ARG,
                 "transform %d (%s): sigma must satisfy 0 < lo <= hi, got (%g, %g)", i + 1, nm,
                 op->sigma[0], op->sigma[1]);
        break;
    case DC_TF_JITTER: {
        static const char *what[4] = {"brightness", "contrast", "saturation", "hue"};
        for (int k = 0; k < 4; k++)
            DC_CHECK(range_in(op->jitter[k], k < 3 ? 0 : -0.5, k < 3 ? INFINITY : 0.5),
                     DC_ERR_ARG, "transform %d (%s): %s range must satisfy %s <= lo <= hi%s, "
                     "got (%g, %g)", i + 1, nm, what[k], k < 3 ? "0" : "-0.5",
                     k < 3 ? "" : " <= 0.5", op->jitter[k][0], op->jitter[k][1]);
        break;
    }
    case DC_TF_GRAYSCALE:
        DC_CHECK(op->channels == 1 || op->channels == 3, DC_ERR_ARG,
                 "transform %d (%s): num_output_channels must be 1 or 3, got %d", i + 1, nm,
                 op->channels);
        break;
    case DC_TF_NORMALIZE:
        DC_CHECK(op->n >= 1 && op->n <= 4, DC_ERR_ARG,
                 "transform %d (%s): 1 to 4 mean/std values, got %d", i + 1, nm, op->n);
        for (int k = 0; k < op->n; k++)
            DC_CHECK(op->std[k] != 0 && isfinite(op->std[k]) && isfinite(op->mean[k]), DC_ERR_ARG,
                     "transform %d (%s): std[%d] = %g (must be finite and non-zero)", i + 1, nm,
                     k + 1, op->std[k]);
        break;
    default: break;
    }
    return DC_OK;
}

/* torchvision's _compute_resized_output_size for an int size: the shorter side becomes s,
 * the longer int(s * long / short). */
static void resized_size(const dc_tf *op, int w, int h, int *ow, int *oh)
{
    if (op->w > 0) {
        *ow = op->w;
        *oh = op->h;
    } else if (w <= h) {
        *ow = op->h;
        *oh = (int)((double)op->h * h / w);
    } else {
        *oh = op->h;
        *ow = (int)((double)op->h * w / h);
    }
    if (*ow < 1) *ow = 1;
    if (*oh < 1) *oh = 1;
}

dc_status dc_transform_shape(const dc_transform *t, int c, int h, int w, int out[3])
{
    DC_CHECK(t->n >= 0 && t->n <= DC_TF_MAX, DC_ERR_ARG, "transforms: %d ops (at most %d)", t->n,
             DC_TF_MAX);
    DC_CHECK(c == 1 || c == 3, DC_ERR_ARG, "transforms: images have 1 or 3 channels, got %d", c);
    int floats = 0, erased = 0, apply_end = 0, apply_shape[3] = {0, 0, 0};
    for (int i = 0; i < t->n; i++) {
        const dc_tf *op = &t->op[i];
        DC_TRY(check_op(op, i));
        const char *nm = dc_tf_name(op->kind);
        if (i < apply_end)
            DC_CHECK(dc_tf_is_pixel_op(op->kind) && op->kind != DC_TF_APPLY, DC_ERR_ARG,
                     "transform %d (%s) is inside a RandomApply, which takes pixel ops only",
                     i + 1, nm);
        DC_CHECK(!floats || !dc_tf_is_pixel_op(op->kind), DC_ERR_ARG,
                 "transform %d (%s) comes after ToFloat/Normalize: pixel ops must come first",
                 i + 1, nm);
        DC_CHECK(!erased || op->kind == DC_TF_ERASE, DC_ERR_ARG,
                 "transform %d (%s) comes after RandomErasing, which works on the final "
                 "(normalised) values and so must come last", i + 1, nm);
        switch (op->kind) {
        case DC_TF_RESIZE:
            if (op->w > 0) {
                h = op->h;
                w = op->w;
            } else if (h > 0 && w > 0) {
                resized_size(op, w, h, &w, &h);
            }
            break;
        case DC_TF_RANDOM_CROP:
            DC_CHECK(h < 0 || w < 0 || (h + 2 * op->pad >= op->h && w + 2 * op->pad >= op->w),
                     DC_ERR_ARG, "transform %d (%s): crop %d x %d is larger than the %d x %d "
                     "image padded by %d", i + 1, nm, op->h, op->w, h, w, op->pad);
            /* fall through */
        case DC_TF_CENTER_CROP:
        case DC_TF_RANDOM_RESIZED_CROP:
            h = op->h;
            w = op->w;
            break;
        case DC_TF_GRAYSCALE: c = op->channels; break;
        case DC_TF_NORMALIZE:
            DC_CHECK(op->n == 1 || op->n == c, DC_ERR_ARG,
                     "transform %d (%s): %d mean/std values for %d-channel images", i + 1, nm,
                     op->n, c);
            floats = 1;
            break;
        case DC_TF_TO_FLOAT: floats = 1; break;
        case DC_TF_ERASE:
            DC_CHECK(op->nvalue <= 1 || op->nvalue == c, DC_ERR_ARG,
                     "transform %d (%s): %d values for %d-channel images", i + 1, nm, op->nvalue,
                     c);
            floats = erased = 1;
            break;
        case DC_TF_AFFINE:
        case DC_TF_ROTATION:
            DC_CHECK(op->nvalue == 1 || op->nvalue == c, DC_ERR_ARG,
                     "transform %d (%s): %d fill values for %d-channel images", i + 1, nm,
                     op->nvalue, c);
            break;
        case DC_TF_APPLY:
            DC_CHECK(i + op->count < t->n, DC_ERR_ARG,
                     "transform %d (%s): %d ops asked, %d follow", i + 1, nm, op->count,
                     t->n - i - 1);
            apply_end = i + 1 + op->count;
            apply_shape[0] = c, apply_shape[1] = h, apply_shape[2] = w;
            break;
        default: break;
        }
        /* skipped or not, a RandomApply must leave the same shape */
        if (i + 1 == apply_end)
            DC_CHECK(apply_shape[0] == c && apply_shape[1] == h && apply_shape[2] == w,
                     DC_ERR_ARG, "transform %d (%s) changes the image's shape inside a "
                     "RandomApply", i + 1, nm);
    }
    out[0] = c;
    out[1] = h;
    out[2] = w;
    return DC_OK;
}

/* ---- random parameters ---- */

/* torchvision RandomResizedCrop.get_params: 10 tries at a random area and log-uniform
 * aspect ratio, then a center crop of the whole image clamped to the ratio range. Python's
 * round() is round-half-even, as nearbyint is in the default rounding mode. */
static void rrc_box(const dc_tf *op, int W, int H, dc_rng *rng, int *x, int *y, int *w, int *h)
{
    double area = (double)W * H;
    double lr0 = log(op->ratio[0]), lr1 = log(op->ratio[1]);
    for (int k = 0; k < 10; k++) {
        double target = area * (op->scale[0] + (op->scale[1] - op->scale[0]) * dc_rng_uniform(rng));
        double ar = exp(lr0 + (lr1 - lr0) * dc_rng_uniform(rng));
        int cw = (int)nearbyint(sqrt(target * ar)), ch = (int)nearbyint(sqrt(target / ar));
        if (cw > 0 && cw <= W && ch > 0 && ch <= H) {
            *y = (int)dc_rng_below(rng, (uint64_t)(H - ch + 1));
            *x = (int)dc_rng_below(rng, (uint64_t)(W - cw + 1));
            *w = cw;
            *h = ch;
            return;
        }
    }
    double in_ratio = (double)W / H;
    if (in_ratio < op->ratio[0]) {
        *w = W;
        *h = (int)nearbyint(W / op->ratio[0]);
    } else if (in_ratio > op->ratio[1]) {
        *h = H;
        *w = (int)nearbyint(H * op->ratio[1]);
    } else {
        *w = W;
        *h = H;
    }
    /* an extreme ratio on a tiny image rounds a side to 0; torchvision fails there, we keep
     * one pixel */
    if (*w < 1) *w = 1;
    if (*h < 1) *h = 1;
    *y = (H - *h) / 2;
    *x = (W - *w) / 2;
}

void dc_transform_plan(const dc_transform *t, int w, int h, dc_rng *rng, dc_tf_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->src_w = w;
    plan->src_h = h;
    if (t->n == 0) return;
    const dc_tf *op = &t->op[0];
    if (op->kind == DC_TF_RESIZE) {
        resized_size(op, w, h, &plan->out_w, &plan->out_h);
        plan->box[2] = w;
        plan->box[3] = h;
    } else if (op->kind == DC_TF_RANDOM_RESIZED_CROP) {
        int x, y, cw, ch;
        rrc_box(op, w, h, rng, &x, &y, &cw, &ch);
        plan->box[0] = x;
        plan->box[1] = y;
        plan->box[2] = x + cw;
        plan->box[3] = y + ch;
        plan->out_w = op->w;
        plan->out_h = op->h;
    } else {
        return;
    }
    plan->planned = 1;
    /* the decoded box must keep at least the output's pixels in each direction */
    double bw = plan->box[2] - plan->box[0], bh = plan->box[3] - plan->box[1];
    double mw = ceil(plan->out_w * (w / bw) - 1e-9), mh = ceil(plan->out_h * (h / bh) - 1e-9);
    /* a big output from a one-pixel box can ask for more than an int holds: any request
     * beyond the full size already means the full size */
    plan->min_w = mw < INT_MAX ? (int)mw : INT_MAX;
    plan->min_h = mh < INT_MAX ? (int)mh : INT_MAX;
}

/* ---- pixel ops ---- */

/* The working image and where it lives: a buffer of s (0 or 1) or outside (-1). */
typedef struct work {
    dc_image im;
    int buf;
    int writable;
} work;

static dc_status new_image(work *cur, dc_tf_scratch *s, int w, int h, int c, work *dst)
{
    dst->buf = cur->buf == 0 ? 1 : 0;
    dst->writable = 1;
    return dc_image_alloc(&dst->im, &s->buf[dst->buf], w, h, c);
}

/* Region (x, y, w, h) of cur, which may reach outside: a view when inside, else a copy with
 * zeros where it is outside (torchvision's constant padding with fill 0). */
static dc_status crop(work *cur, dc_tf_scratch *s, int x, int y, int w, int h)
{
    const dc_image *im = &cur->im;
    if (x >= 0 && y >= 0 && x + w <= im->w && y + h <= im->h) {
        cur->im = dc_image_view(im, x, y, w, h);
        return DC_OK;
    }
    work dst;
    DC_TRY(new_image(cur, s, w, h, im->c, &dst));
    memset(dst.im.data, 0, (size_t)w * (size_t)h * (size_t)im->c);
    int x0 = x > 0 ? x : 0, y0 = y > 0 ? y : 0;
    int x1 = x + w < im->w ? x + w : im->w, y1 = y + h < im->h ? y + h : im->h;
    for (int yy = y0; yy < y1 && x0 < x1; yy++)
        memcpy(dst.im.data + (int64_t)(yy - y) * dst.im.stride + (int64_t)(x0 - x) * im->c,
               im->data + (int64_t)yy * im->stride + (int64_t)x0 * im->c,
               (size_t)(x1 - x0) * (size_t)im->c);
    *cur = dst;
    return DC_OK;
}

/* Resize region box of a full_w x full_h picture, of which cur holds the part at (x, y), to
 * w x h. */
static dc_status resize_part(work *cur, dc_tf_scratch *s, int x, int y, int full_w, int full_h,
                             const double box[4], int w, int h)
{
    if (x == 0 && y == 0 && full_w == cur->im.w && full_h == cur->im.h && box[0] == 0 &&
        box[1] == 0 && box[2] == full_w && box[3] == full_h && w == full_w && h == full_h)
        return DC_OK;
    work dst;
    DC_TRY(new_image(cur, s, w, h, cur->im.c, &dst));
    DC_TRY(dc_resample_part(&cur->im, x, y, full_w, full_h, box, &dst.im, &s->rs));
    *cur = dst;
    return DC_OK;
}

static dc_status resize_box(work *cur, dc_tf_scratch *s, const double box[4], int w, int h)
{
    return resize_part(cur, s, 0, 0, cur->im.w, cur->im.h, box, w, h);
}

/* Integer region (x, y, w, h) resized to ow x oh: crop, then resize the crop, as torchvision
 * resized_crop does on PIL images. */
static dc_status resized_crop(work *cur, dc_tf_scratch *s, int x, int y, int w, int h, int ow,
                              int oh)
{
    DC_TRY(crop(cur, s, x, y, w, h));
    double box[4] = {0, 0, w, h};
    return resize_box(cur, s, box, ow, oh);
}

/* Makes cur's pixels its own to change (a copy when they are not writable). */
static dc_status own(work *cur, dc_tf_scratch *s)
{
    if (cur->writable) return DC_OK;
    const dc_image *im = &cur->im;
    work dst;
    DC_TRY(new_image(cur, s, im->w, im->h, im->c, &dst));
    for (int y = 0; y < im->h; y++)
        memcpy(dst.im.data + (int64_t)y * dst.im.stride, im->data + (int64_t)y * im->stride,
               (size_t)im->w * (size_t)im->c);
    *cur = dst;
    return DC_OK;
}

static dc_status flip(work *cur, dc_tf_scratch *s)
{
    DC_TRY(own(cur, s));
    dc_image *im = &cur->im;
    int c = im->c;
    for (int y = 0; y < im->h; y++) {
        uint8_t *row = im->data + (int64_t)y * im->stride;
        for (int a = 0, b = im->w - 1; a < b; a++, b--)
            for (int ch = 0; ch < c; ch++) {
                uint8_t tmp = row[a * c + ch];
                row[a * c + ch] = row[b * c + ch];
                row[b * c + ch] = tmp;
            }
    }
    return DC_OK;
}

/* PIL's convert('L'): (19595 R + 38470 G + 7471 B + 2^15) >> 16, replicated to out_c. */
static dc_status grayscale(work *cur, dc_tf_scratch *s, int out_c)
{
    const dc_image *im = &cur->im;
    if (im->c == out_c && (out_c == 1 || im->c == 1)) return DC_OK;
    work dst;
    DC_TRY(new_image(cur, s, im->w, im->h, out_c, &dst));
    for (int y = 0; y < im->h; y++) {
        const uint8_t *in = im->data + (int64_t)y * im->stride;
        uint8_t *out = dst.im.data + (int64_t)y * dst.im.stride;
        for (int x = 0; x < im->w; x++) {
            uint8_t l = im->c == 1 ? in[x]
                                   : (uint8_t)((19595u * in[3 * x] + 38470u * in[3 * x + 1] +
                                                7471u * in[3 * x + 2] + 32768u) >> 16);
            for (int ch = 0; ch < out_c; ch++) out[x * out_c + ch] = l;
        }
    }
    *cur = dst;
    return DC_OK;
}

/* ---- augmentations: torchvision's parameter draws, then augment.h's functional forms ---- */

static double uniform(dc_rng *rng, const double r[2])
{
    return r[0] + (r[1] - r[0]) * dc_rng_uniform(rng);
}

/* RandomAffine.get_params / RandomRotation.get_params, then F.affine / F.rotate */
static dc_status affine(work *cur, dc_tf_scratch *s, const dc_tf *op, dc_rng *rng)
{
    const dc_image *im = &cur->im;
    double angle = uniform(rng, op->degrees), m[6], tx = 0, ty = 0, scale = 1, shx = 0, shy = 0;
    if (op->kind == DC_TF_ROTATION) {
        dc_affine_inverse(-angle, 0, 0, 1, 0, 0, m); /* rotate turns the other way */
    } else {
        if (op->translate[0] > 0 || op->translate[1] > 0) {
            double dx = op->translate[0] * im->w, dy = op->translate[1] * im->h;
            tx = nearbyint(-dx + 2 * dx * dc_rng_uniform(rng));
            ty = nearbyint(-dy + 2 * dy * dc_rng_uniform(rng));
        }
        if (op->scale[0] != 1 || op->scale[1] != 1) scale = uniform(rng, op->scale);
        if (op->shear[0] != 0 || op->shear[1] != 0) shx = uniform(rng, op->shear);
        if (op->shear[2] != 0 || op->shear[3] != 0) shy = uniform(rng, op->shear + 2);
        dc_affine_inverse(angle, tx, ty, scale, shx, shy, m);
    }
    float fill[3];
    for (int ch = 0; ch < im->c; ch++) fill[ch] = op->value[op->nvalue == 1 ? 0 : ch];
    work dst;
    DC_TRY(new_image(cur, s, im->w, im->h, im->c, &dst));
    dc_affine(im, m, op->interp, fill, &dst.im);
    *cur = dst;
    return DC_OK;
}

static dc_status blur(work *cur, dc_tf_scratch *s, const dc_tf *op, dc_rng *rng)
{
    double sigma = uniform(rng, op->sigma);
    work dst;
    DC_TRY(new_image(cur, s, cur->im.w, cur->im.h, cur->im.c, &dst));
    DC_TRY(dc_gaussian_blur(&cur->im, op->ksize[0], op->ksize[1], sigma, sigma, &s->blur,
                            &dst.im));
    *cur = dst;
    return DC_OK;
}

/* ColorJitter.get_params: a random order of the four, then each factor that is on (drawn
 * for gray images too, where saturation and hue change nothing) */
static dc_status jitter(work *cur, dc_tf_scratch *s, const dc_tf *op, dc_rng *rng)
{
    static const double off[4] = {1, 1, 1, 0};
    int order[4] = {0, 1, 2, 3};
    for (int k = 3; k > 0; k--) {
        int j = (int)dc_rng_below(rng, (uint64_t)k + 1), t = order[k];
        order[k] = order[j];
        order[j] = t;
    }
    double f[4] = {1, 1, 1, 0};
    int on[4];
    for (int k = 0; k < 4; k++) {
        on[k] = op->jitter[k][0] != off[k] || op->jitter[k][1] != off[k];
        if (on[k]) f[k] = uniform(rng, op->jitter[k]);
    }
    DC_TRY(own(cur, s));
    for (int k = 0; k < 4; k++) {
        int which = order[k];
        if (!on[which]) continue;
        if (which == 0) dc_adjust_brightness(&cur->im, f[0]);
        else if (which == 1) dc_adjust_contrast(&cur->im, f[1]);
        else if (which == 2) dc_adjust_saturation(&cur->im, f[2]);
        else dc_adjust_hue(&cur->im, f[3]);
    }
    return DC_OK;
}

/* RandomErasing.get_params: 10 tries at a random area and log-uniform aspect ratio (h / w)
 * that fits strictly inside, then a random place; the values are value[] or N(0, 1) */
static void erase(const dc_tf *op, dc_rng *rng, int c, int h, int w, float *x)
{
    if (!(dc_rng_uniform(rng) < op->p)) return;
    double lr[2] = {log(op->ratio[0]), log(op->ratio[1])};
    for (int k = 0; k < 10; k++) {
        double area = (double)h * w * uniform(rng, op->scale), ar = exp(uniform(rng, lr));
        int eh = (int)nearbyint(sqrt(area * ar)), ew = (int)nearbyint(sqrt(area / ar));
        if (!(eh < h && ew < w)) continue;
        int y0 = (int)dc_rng_below(rng, (uint64_t)(h - eh + 1));
        int x0 = (int)dc_rng_below(rng, (uint64_t)(w - ew + 1));
        for (int ch = 0; ch < c; ch++)
            for (int y = y0; y < y0 + eh; y++)
                for (int xx = x0; xx < x0 + ew; xx++)
                    x[((int64_t)ch * h + y) * w + xx] =
                        op->nvalue ? op->value[op->nvalue == 1 ? 0 : ch]
                                   : (float)dc_rng_normal(rng);
        return;
    }
}

void dc_transform_erase(const dc_transform *t, dc_rng *rng, int c, int h, int w, float *x)
{
    for (int i = 0; i < t->n; i++)
        if (t->op[i].kind == DC_TF_ERASE) erase(&t->op[i], rng, c, h, w, x);
}

/* When next is a CenterCrop that fits in a resize of box to ow x oh: the part of box whose
 * resize is the crop (same centres and filter support as the full resize, so the same
 * pixels), clipped to a w x h picture, and 1; else 0. */
static int crop_of_resize(const double box[4], int ow, int oh, const dc_tf *next, int w, int h,
                          double sub[4])
{
    if (!next || next->kind != DC_TF_CENTER_CROP || next->w > ow || next->h > oh) return 0;
    int x = (int)nearbyint((ow - next->w) / 2.0), y = (int)nearbyint((oh - next->h) / 2.0);
    double sx = (box[2] - box[0]) / ow, sy = (box[3] - box[1]) / oh;
    sub[0] = box[0] + x * sx;
    sub[1] = box[1] + y * sy;
    sub[2] = box[0] + (x + next->w) * sx;
    sub[3] = box[1] + (y + next->h) * sy;
    if (sub[2] > w) sub[2] = w;
    if (sub[3] > h) sub[3] = h;
    return 1;
}

/* Resize to ow x oh from region box of cur, then (when next is a CenterCrop that fits) the
 * crop: only the kept pixels are computed. Returns 1 when next was done too. */
static int resize_then_crop(work *cur, dc_tf_scratch *s, const double box[4], int ow, int oh,
                            const dc_tf *next, dc_status *st)
{
    double sub[4];
    if (!crop_of_resize(box, ow, oh, next, cur->im.w, cur->im.h, sub)) {
        *st = resize_box(cur, s, box, ow, oh);
        return 0;
    }
    *st = resize_box(cur, s, sub, next->w, next->h);
    return 1;
}

/* The planned first step on a picture of w x h (full size or DCT-scaled): resample box (in
 * its pixels) to ow x oh. *crop = 1 when box is an integer region of the full-size picture,
 * cut out before resizing as torchvision's resized_crop does (so nothing outside it is
 * read). A planned Resize takes the CenterCrop right after it along. Returns the number of
 * ops done, 1 or 2. */
static int planned_step(const dc_transform *t, const dc_tf_plan *plan, int w, int h,
                        double box[4], int *ow, int *oh, int *crop)
{
    *ow = plan->out_w;
    *oh = plan->out_h;
    *crop = 0;
    if (t->op[0].kind == DC_TF_RESIZE) {
        double whole[4] = {0, 0, w, h};
        memcpy(box, whole, sizeof whole);
        if (!crop_of_resize(whole, *ow, *oh, t->n > 1 ? &t->op[1] : NULL, w, h, box)) return 1;
        *ow = t->op[1].w;
        *oh = t->op[1].h;
        return 2;
    }
    if (w == plan->src_w && h == plan->src_h) {
        memcpy(box, plan->box, sizeof plan->box);
        *crop = 1;
        return 1;
    }
    /* the box in the DCT-scaled picture's pixels */
    double sx = (double)w / plan->src_w, sy = (double)h / plan->src_h;
    box[0] = plan->box[0] * sx;
    box[1] = plan->box[1] * sy;
    box[2] = plan->box[2] * sx < w ? plan->box[2] * sx : w;
    box[3] = plan->box[3] * sy < h ? plan->box[3] * sy : h;
    return 1;
}

void dc_transform_region(const dc_transform *t, const dc_tf_plan *plan, int w, int h,
                         int region[4])
{
    region[0] = region[1] = 0;
    region[2] = w;
    region[3] = h;
    if (!plan->planned) return;
    double box[4];
    int ow, oh, crop;
    planned_step(t, plan, w, h, box, &ow, &oh, &crop);
    if (crop) {
        for (int k = 0; k < 4; k++) region[k] = (int)box[k];
        return;
    }
    int sx[2], sy[2];
    dc_resample_span(w, box[0], box[2], ow, sx);
    dc_resample_span(h, box[1], box[3], oh, sy);
    region[0] = sx[0];
    region[1] = sy[0];
    region[2] = sx[1];
    region[3] = sy[1];
}

dc_status dc_transform_run(const dc_transform *t, const dc_tf_plan *plan, const dc_image *img,
                           int writable, dc_rng *rng, dc_tf_scratch *s, dc_image *result,
                           float (*lut)[256])
{
    work cur = {*img, -1, writable};
    double a[4] = {1.0 / 255, 1.0 / 255, 1.0 / 255, 1.0 / 255}, b[4] = {0, 0, 0, 0};
    for (int i = 0; i < t->n; i++) {
        const dc_tf *op = &t->op[i];
        const dc_tf *next = i + 1 < t->n ? &t->op[i + 1] : NULL;
        const dc_image *im = &cur.im;
        dc_status st = DC_OK;
        if (i == 0 && plan->planned) {
            /* img may be a part of the decoded picture (see dc_tf_plan) */
            int part = plan->full_w > 0;
            int W = part ? plan->full_w : im->w, H = part ? plan->full_h : im->h;
            int ax = part ? plan->at_x : 0, ay = part ? plan->at_y : 0;
            double box[4];
            int ow, oh, cropped;
            i += planned_step(t, plan, W, H, box, &ow, &oh, &cropped) - 1;
            if (cropped)
                DC_TRY(resized_crop(&cur, s, (int)box[0] - ax, (int)box[1] - ay,
                                    (int)(box[2] - box[0]), (int)(box[3] - box[1]), ow, oh));
            else
                DC_TRY(resize_part(&cur, s, ax, ay, W, H, box, ow, oh));
            continue;
        }
        switch (op->kind) {
        case DC_TF_RESIZE: {
            int ow, oh;
            resized_size(op, im->w, im->h, &ow, &oh);
            double box[4] = {0, 0, im->w, im->h};
            i += resize_then_crop(&cur, s, box, ow, oh, next, &st);
            DC_TRY(st);
            break;
        }
        case DC_TF_CENTER_CROP: {
            /* torchvision: top = round((H - h) / 2); a larger crop pads (H - h) // 2 first */
            int x = op->w > im->w ? -((op->w - im->w) / 2) : (int)nearbyint((im->w - op->w) / 2.0);
            int y = op->h > im->h ? -((op->h - im->h) / 2) : (int)nearbyint((im->h - op->h) / 2.0);
            DC_TRY(crop(&cur, s, x, y, op->w, op->h));
            break;
        }
        case DC_TF_RANDOM_RESIZED_CROP: {
            int x, y, w, h;
            rrc_box(op, im->w, im->h, rng, &x, &y, &w, &h);
            DC_TRY(resized_crop(&cur, s, x, y, w, h, op->w, op->h));
            break;
        }
        case DC_TF_RANDOM_CROP: {
            int hp = im->h + 2 * op->pad, wp = im->w + 2 * op->pad;
            DC_CHECK(hp >= op->h && wp >= op->w, DC_ERR_ARG,
                     "RandomCrop: crop %d x %d is larger than the %d x %d image padded by %d",
                     op->h, op->w, im->h, im->w, op->pad);
            int y = (int)dc_rng_below(rng, (uint64_t)(hp - op->h + 1));
            int x = (int)dc_rng_below(rng, (uint64_t)(wp - op->w + 1));
            DC_TRY(crop(&cur, s, x - op->pad, y - op->pad, op->w, op->h));
            break;
        }
        case DC_TF_HFLIP:
            if (dc_rng_uniform(rng) < op->p) DC_TRY(flip(&cur, s));
            break;
        case DC_TF_GRAYSCALE: DC_TRY(grayscale(&cur, s, op->channels)); break;
        case DC_TF_AFFINE:
        case DC_TF_ROTATION: DC_TRY(affine(&cur, s, op, rng)); break;
        case DC_TF_BLUR: DC_TRY(blur(&cur, s, op, rng)); break;
        case DC_TF_JITTER: DC_TRY(jitter(&cur, s, op, rng)); break;
        case DC_TF_RANDOM_GRAYSCALE:
            if (dc_rng_uniform(rng) < op->p) DC_TRY(grayscale(&cur, s, cur.im.c));
            break;
        case DC_TF_SOLARIZE:
            if (dc_rng_uniform(rng) < op->p) {
                DC_TRY(own(&cur, s));
                dc_solarize(&cur.im, op->threshold);
            }
            break;
        case DC_TF_APPLY:
            if (!(dc_rng_uniform(rng) < op->p)) i += op->count;
            break;
        case DC_TF_ERASE: break; /* on the float result: dc_transform_erase */
        case DC_TF_TO_FLOAT: break; /* the scaling by 1/255 is always applied */
        case DC_TF_NORMALIZE:
            for (int ch = 0; ch < 4; ch++) {
                double m = op->mean[op->n == 1 ? 0 : ch < op->n ? ch : 0];
                double sd = op->std[op->n == 1 ? 0 : ch < op->n ? ch : 0];
                a[ch] /= sd;
                b[ch] = (b[ch] - m) / sd;
            }
            break;
        default: return dc_fail(DC_ERR_ARG, "transform %d: unknown kind %d", i + 1, op->kind);
        }
    }
    for (int ch = 0; ch < cur.im.c; ch++)
        for (int v = 0; v < 256; v++) lut[ch][v] = (float)(a[ch] * v + b[ch]);
    *result = cur.im;
    return DC_OK;
}
