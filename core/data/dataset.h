/* A dataset as the loader threads see it: images in a uint8 tensor (Fashion-MNIST) or JPEG
 * files (a dc_filelist), optional labels, optional subset map; and the per-thread context
 * that turns sample i into a transformed image. No Lua here: the Lua dataset objects
 * (lua/dclab/data/) describe themselves to the bindings with these fields. */
#ifndef DC_DATA_DATASET_H
#define DC_DATA_DATASET_H

#include "../rng.h"
#include "folder.h"
#include "jpeg.h"
#include "transforms.h"

typedef struct dc_dataset {
    dc_tensor images;          /* uint8 [N, C, H, W] (C = 1 or 3) or [N, H, W]; or empty */
    const dc_filelist *files;  /* JPEG source (borrowed: the owner outlives the dataset), or NULL */
    int channels;              /* files: decode to 1 (gray) or 3 (RGB) channels */
    dc_tensor labels;          /* int64 [N], returned as stored; or empty (no labels) */
    dc_tensor index;           /* int64 [n]: subset position -> source row (+ base); or empty */
    int64_t base;              /* index base of `index`, of loader orders and returned ids */
} dc_dataset;

/* An empty dataset (no source), to fill field by field. */
dc_dataset dc_dataset_empty(void);
/* Checks the fields fit together; *n = number of samples, shape = [C, H, W] of the raw images
 * (H, W = -1 for files, whose size varies). */
dc_status dc_dataset_check(const dc_dataset *ds, int64_t *n, int shape[3]);
/* Source row of 0-based position pos (through the subset map). */
int64_t dc_dataset_row(const dc_dataset *ds, int64_t pos);

/* Per-thread decode and transform memory (grows to the largest image, then reused). */
typedef struct dc_data_ctx {
    dc_jpeg *jpeg;
    dc_buffer file;      /* the current file's bytes */
    dc_buffer pixels;    /* the decoded image */
    dc_tf_scratch tf;
} dc_data_ctx;

dc_status dc_data_ctx_init(dc_data_ctx *ctx);
void dc_data_ctx_free(dc_data_ctx *ctx);

/* Label of 0-based position pos (ds has labels). */
int64_t dc_dataset_label(const dc_dataset *ds, int64_t pos);

/* The per-sample pipeline of the loader and of dataset:get: the sample at 0-based position
 * pos is loaded, run through t (NULL: none) with its random draws from rng (the loader's
 * stream of the sample is dc_rng_for(seed, epoch, position in the pass)), and converted to
 * float32 [C, H, W] into x (t's ToFloat and Normalize); its label goes to *label when ds has
 * labels and label is not NULL. x: empty (allocated here) or a contiguous float32 tensor of
 * exactly the sample's shape (a row of a batch). Errors name the file ("<path>: corrupt JPEG
 * data (...)") or the sample. */
dc_status dc_dataset_get(const dc_dataset *ds, int64_t pos, const dc_transform *t, dc_rng *rng,
                         dc_data_ctx *ctx, dc_tensor *x, int64_t *label);

/* Views per sample of dc_dataset_views and the loader (SwAV's multi-crop uses 2 + 6). */
#define DC_VIEWS_MAX 16

/* The multi-view form: the sample is loaded once (a JPEG decoded once, at the smallest DCT
 * scale and over the region that serve every view) and run through views[v], v in
 * 0..nviews-1 (nviews in 1..DC_VIEWS_MAX), into xs[v] (x's rules), view v drawing from the
 * stream dc_rng_split(rng, v) (rng itself is not advanced). For tensor images view v is
 * exactly dc_dataset_get(views[v]) with that stream; a JPEG may be decoded at a finer DCT
 * scale than that view alone would ask for. */
dc_status dc_dataset_views(const dc_dataset *ds, int64_t pos, const dc_transform *views,
                           int nviews, const dc_rng *rng, dc_data_ctx *ctx, dc_tensor *xs,
                           int64_t *label);

/* The raw image at pos as uint8 [C, H, W] (out empty). */
dc_status dc_dataset_image(const dc_dataset *ds, int64_t pos, dc_data_ctx *ctx, dc_tensor *out);

/* Writes every sample as a JPEG: dir/<class_dirs[label - label_base]>/<k>.jpg with k the
 * 1-based position zero-padded to the width of n (so sorted names keep dataset order), or
 * dir/<k>.jpg without labels. Pixel ops of t (e.g. Resize) run first; NULL = none. */
typedef struct dc_export_cfg {
    const char *dir;
    int quality;                     /* 1..100 */
    const dc_transform *transform;   /* NULL or pixel ops only */
    const char *const *class_dirs;   /* [nclasses] folder names, or NULL without labels */
    int nclasses;
    int64_t label_base;              /* label value of class_dirs[0] */
} dc_export_cfg;

dc_status dc_export_jpeg(const dc_dataset *ds, const dc_export_cfg *cfg, int64_t *written);

#endif
