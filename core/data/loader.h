/* The threaded batch loader: pthread workers load and transform samples straight into
 * preallocated batch buffers, in the order given (a sampler's index tensor, repeats allowed).
 *
 * Threads and buffers: `prefetch` batch slots are allocated once; workers fill the slots of
 * the next `prefetch` batches, a few samples per grab, so 1 or 8 threads share the work of a
 * batch. Sample at epoch position s draws from dc_rng_for(seed, epoch, s): batches are the
 * same whatever the number of threads. A batch returned by dc_loader_next stays valid until
 * the next call (its slot is then refilled): clone what must be kept.
 *
 * Failures: a sample whose file is unreadable or corrupt (DC_ERR_IO / DC_ERR_FORMAT) is
 * dropped from its batch under DC_SKIP (counted; the first few reasons are kept for the
 * epoch report) or ends the pass under DC_STOP, at the batch that holds it, with the file's
 * path and reason. Any other failure (a transform that does not fit the image, out of
 * memory) always ends the pass. After a failure the workers are stopped and joined. */
#ifndef DC_DATA_LOADER_H
#define DC_DATA_LOADER_H

#include "dataset.h"

typedef enum dc_on_error { DC_SKIP, DC_STOP } dc_on_error;

typedef struct dc_loader_cfg {
    int64_t batch;          /* samples per batch (256) */
    int threads;            /* worker threads (1) */
    int prefetch;           /* batches in flight (2) */
    int drop_last;          /* drop a final partial batch (0) */
    uint64_t seed, epoch;   /* per-sample streams dc_rng_for(seed, epoch, position); epochs
                             * count from 1, as the Lua runner's (seed 0, epoch 1) */
    dc_on_error on_error;   /* DC_SKIP */
} dc_loader_cfg;

void dc_loader_cfg_init(dc_loader_cfg *cfg);
/* batch >= 1, threads in 1..256, prefetch in 1..64 ("loader: batch must be >= 1, got 0"). */
dc_status dc_loader_cfg_check(const dc_loader_cfg *cfg);

typedef struct dc_loader dc_loader;

/* A loader over ds (copied: tensors are shared, the file list stays borrowed) and order:
 * int64 [M] of positions + ds->base, or NULL for 0..n-1. nviews = 0: t is one transform
 * (copied; NULL = none), each batch has one x, and sample s of the pass draws from
 * dc_rng_for(seed, epoch, s). nviews in 1..DC_VIEWS_MAX: t[0..nviews-1] are the views
 * (copied; multi-crop: their sizes may differ), each batch has nviews x tensors holding the
 * views of the same images, view v of sample s drawing from
 * dc_rng_split(dc_rng_for(seed, epoch, s), v) (dc_dataset_views). Checks everything
 * (shapes, ranges, each transform's output size) before returning; starts no thread until
 * the first dc_loader_next. */
dc_status dc_loader_new(const dc_dataset *ds, const dc_transform *t, int nviews,
                        const dc_tensor *order, const dc_loader_cfg *cfg, dc_loader **out);

/* The next batch: x[v] float32 [B, C, H, W] for each of max(nviews, 1) views, y int64 [B]
 * labels (left empty without labels), idx int64 [B] positions + base; B <= batch. At the
 * end of the pass x[0] is left empty, the workers have exited, and DC_OK is returned. x, y,
 * idx are replaced (released first). */
dc_status dc_loader_next(dc_loader *l, dc_tensor *x, dc_tensor *y, dc_tensor *idx);

/* Starts a new pass reusing the buffers: a new order (NULL = keep the current one) and
 * epoch. Stops the current pass first if it is still running. */
dc_status dc_loader_reset(dc_loader *l, const dc_tensor *order, uint64_t epoch);

/* Batches in a pass; the epoch of the current pass; nviews as given to dc_loader_new; the
 * item shape [C, H, W] of view `view` (0 when nviews is 0). */
int64_t dc_loader_batches(const dc_loader *l);
uint64_t dc_loader_epoch(const dc_loader *l);
int dc_loader_views(const dc_loader *l);
void dc_loader_item_shape(const dc_loader *l, int view, int shape[3]);

/* Samples skipped in this pass so far, and the first few "path: reason" lines (one per
 * line; valid until the next call on l). */
int64_t dc_loader_skipped(const dc_loader *l, const char **report);

/* Stops and joins the workers, frees everything. Idempotent on NULL. */
void dc_loader_free(dc_loader *l);

/* Loader worker threads alive in this process (for tests of clean shutdown). */
int dc_loader_live_threads(void);

#endif
