/* Threaded batch loader (see loader.h). One mutex guards the hand-out of samples and the
 * batch slots; the workers do the decoding and transforming outside of it. */
#include "loader.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_LEN 256       /* kept per failed sample */
#define REPORT_LINES 5    /* skipped samples named in the epoch report */

typedef struct slot {
    dc_tensor x[DC_VIEWS_MAX]; /* per view [B, C, H, W] f32 */
    dc_tensor y, idx;      /* [B] i64 (labels only), [B] i64 */
    int64_t batch;         /* batch number it holds or is being filled with; -1 none */
    int64_t size;          /* samples in that batch */
    int64_t remaining;     /* samples of it not finished yet */
    dc_status *code;       /* [B] each sample's status */
    char (*msg)[MSG_LEN];  /* [B] each failed sample's message */
} slot;

typedef struct worker_arg {
    struct dc_loader *l;
    int k;                 /* which dc_data_ctx */
} worker_arg;

struct dc_loader {
    dc_dataset ds;           /* shared tensors, borrowed file list */
    dc_transform *tf;        /* [nx] */
    int nviews;              /* views per sample; 0: one transform, one x */
    int nx;                  /* x tensors per batch: nviews, or 1 */
    dc_loader_cfg cfg;
    int shape[DC_VIEWS_MAX][3]; /* C, H, W of every sample, per view */
    int has_labels;
    int64_t n;               /* dataset size (valid positions 0..n-1) */
    int64_t *order;          /* [norder] 0-based positions */
    int64_t norder, order_cap;
    int64_t total, nbatches; /* samples and batches of this pass */
    int64_t chunk;           /* samples a worker takes at once */
    slot *slots;             /* [prefetch] */
    dc_data_ctx *ctx;        /* [threads] */
    worker_arg *args;        /* [threads] */
    pthread_t *tid;          /* [threads] */
    int nstarted;            /* workers started in this pass and not joined */
    pthread_mutex_t mu;
    pthread_cond_t work_cv;  /* workers wait here for the window to move */
    pthread_cond_t done_cv;  /* the consumer waits here for a batch to finish */
    int64_t next_sample;     /* next epoch position to hand out */
    int64_t window_end;      /* positions below it may be worked on */
    int64_t window_batches;  /* batches given a slot so far */
    int64_t returned;        /* batches handed to the consumer */
    int stop;                /* workers must leave */
    int failed;              /* the pass ended in an error */
    int64_t skipped;         /* samples dropped in this pass */
    char report[REPORT_LINES * (MSG_LEN + 1) + 1];
    int report_lines;
};

static atomic_int live_threads;

int dc_loader_live_threads(void) { return atomic_load(&live_threads); }

void dc_loader_cfg_init(dc_loader_cfg *cfg)
{
    cfg->batch = 256;
    cfg->threads = 1;
    cfg->prefetch = 2;
    cfg->drop_last = 0;
    cfg->seed = 0;
    cfg->epoch = 1;
    cfg->on_error = DC_SKIP;
}

/* ---- workers ---- */

static void run_sample(dc_loader *l, dc_data_ctx *ctx, int64_t s)
{
    int64_t B = l->cfg.batch, b = s / B, row = s - b * B;
    slot *sl = &l->slots[b % l->cfg.prefetch];
    int64_t pos = l->order[s], label = 0;
    dc_tensor x[DC_VIEWS_MAX]; /* the sample's rows of the batch */
    dc_status st = DC_OK;
    for (int v = 0; v < l->nx; v++) {
        x[v] = dc_tensor_empty();
        if (st == DC_OK) st = dc_tensor_select(&x[v], &sl->x[v], 0, row);
    }
    dc_rng rng = dc_rng_for(l->cfg.seed, l->cfg.epoch, (uint64_t)s);
    if (st == DC_OK)
        st = l->nviews ? dc_dataset_views(&l->ds, pos, l->tf, l->nviews, &rng, ctx, x, &label)
                       : dc_dataset_get(&l->ds, pos, l->tf, &rng, ctx, x, &label);
    for (int v = 0; v < l->nx; v++) dc_tensor_release(&x[v]);
    sl->code[row] = st;
    if (st != DC_OK) {
        snprintf(sl->msg[row], MSG_LEN, "%s", dc_last_error());
        return;
    }
    ((int64_t *)dc_tensor_data(&sl->idx))[row] = pos + l->ds.base;
    if (l->has_labels) ((int64_t *)dc_tensor_data(&sl->y))[row] = label;
}

static void *worker(void *arg)
{
    worker_arg *a = arg;
    dc_loader *l = a->l;
    int64_t B = l->cfg.batch;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (l->stop) break;
        if (l->next_sample < l->window_end) {
            int64_t s0 = l->next_sample, b = s0 / B, s1 = s0 + l->chunk;
            if (s1 > l->window_end) s1 = l->window_end;
            if (s1 > (b + 1) * B) s1 = (b + 1) * B;
            l->next_sample = s1;
            pthread_mutex_unlock(&l->mu);
            for (int64_t s = s0; s < s1; s++) run_sample(l, &l->ctx[a->k], s);
            pthread_mutex_lock(&l->mu);
            slot *sl = &l->slots[b % l->cfg.prefetch];
            sl->remaining -= s1 - s0;
            if (sl->remaining == 0) pthread_cond_broadcast(&l->done_cv);
            continue;
        }
        if (l->next_sample >= l->total) break; /* all handed out: this pass needs us no more */
        pthread_cond_wait(&l->work_cv, &l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    atomic_fetch_sub(&live_threads, 1);
    return NULL;
}

/* Gives slots to the batches the consumer's position allows (mutex held). */
static void extend_window(dc_loader *l)
{
    int64_t want = l->returned + l->cfg.prefetch;
    if (want > l->nbatches) want = l->nbatches;
    if (l->window_batches >= want) return;
    while (l->window_batches < want) {
        int64_t b = l->window_batches++;
        slot *sl = &l->slots[b % l->cfg.prefetch];
        sl->batch = b;
        sl->size = l->total - b * l->cfg.batch < l->cfg.batch ? l->total - b * l->cfg.batch
                                                               : l->cfg.batch;
        sl->remaining = sl->size;
    }
    l->window_end = l->window_batches * l->cfg.batch;
    if (l->window_end > l->total) l->window_end = l->total;
    pthread_cond_broadcast(&l->work_cv);
}

static dc_status start_workers(dc_loader *l)
{
    while (l->nstarted < l->cfg.threads) {
        int k = l->nstarted;
        atomic_fetch_add(&live_threads, 1);
        if (pthread_create(&l->tid[k], NULL, worker, &l->args[k]) != 0) {
            atomic_fetch_sub(&live_threads, 1);
            if (k > 0) return DC_OK; /* fewer workers, same batches */
            return dc_fail(DC_ERR_NOMEM, "loader: cannot start a worker thread");
        }
        l->nstarted++;
    }
    return DC_OK;
}

static void join_workers(dc_loader *l)
{
    pthread_mutex_lock(&l->mu);
    l->stop = 1;
    pthread_cond_broadcast(&l->work_cv);
    pthread_mutex_unlock(&l->mu);
    for (int k = 0; k < l->nstarted; k++) pthread_join(l->tid[k], NULL);
    l->nstarted = 0;
    l->stop = 0;
}

/* ---- creation ---- */

static dc_status set_order(dc_loader *l, const dc_tensor *order)
{
    char b[128];
    if (!order || !order->storage) {
        if (l->order_cap < l->n) {
            int64_t *o = realloc(l->order, (size_t)(l->n ? l->n : 1) * sizeof *o);
            DC_CHECK(o, DC_ERR_NOMEM, "loader: out of memory for the order");
            l->order = o;
            l->order_cap = l->n;
        }
        for (int64_t i = 0; i < l->n; i++) l->order[i] = i;
        l->norder = l->n;
    } else {
        DC_CHECK(order->dtype == DC_I64 && order->ndim == 1, DC_ERR_SHAPE,
                 "loader: order must be an int64 [M] tensor of indices, got %s",
                 dc_tensor_describe(order, b, sizeof b));
        int64_t m = order->shape[0];
        const int64_t *d = dc_tensor_data(order);
        for (int64_t i = 0; i < m; i++) {
            int64_t v = d[i * order->stride[0]];
            DC_CHECK(v >= l->ds.base && v < l->ds.base + l->n, DC_ERR_INDEX,
                     "loader: order[%lld] = %lld is outside the dataset (%lld..%lld)",
                     (long long)(i + l->ds.base), (long long)v, (long long)l->ds.base,
                     (long long)(l->ds.base + l->n - 1));
        }
        if (l->order_cap < m) {
            int64_t *o = realloc(l->order, (size_t)(m ? m : 1) * sizeof *o);
            DC_CHECK(o, DC_ERR_NOMEM, "loader: out of memory for the order");
            l->order = o;
            l->order_cap = m;
        }
        for (int64_t i = 0; i < m; i++) l->order[i] = d[i * order->stride[0]] - l->ds.base;
        l->norder = m;
    }
    return DC_OK;
}

/* Back to the start of a pass (workers joined). */
static void rewind_pass(dc_loader *l)
{
    int64_t B = l->cfg.batch;
    l->total = l->cfg.drop_last ? l->norder / B * B : l->norder;
    l->nbatches = (l->total + B - 1) / B;
    l->next_sample = l->window_end = l->window_batches = l->returned = 0;
    l->failed = 0;
    l->skipped = 0;
    l->report[0] = '\0';
    l->report_lines = 0;
    for (int p = 0; p < l->cfg.prefetch; p++) l->slots[p].batch = -1;
}

dc_status dc_loader_cfg_check(const dc_loader_cfg *cfg)
{
    DC_CHECK(cfg->batch >= 1, DC_ERR_ARG, "loader: batch must be >= 1, got %lld",
             (long long)cfg->batch);
    DC_CHECK(cfg->threads >= 1 && cfg->threads <= 256, DC_ERR_ARG,
             "loader: threads must be in 1..256, got %d", cfg->threads);
    DC_CHECK(cfg->prefetch >= 1 && cfg->prefetch <= 64, DC_ERR_ARG,
             "loader: prefetch must be in 1..64, got %d", cfg->prefetch);
    return DC_OK;
}

dc_status dc_loader_new(const dc_dataset *ds, const dc_transform *t, int nviews,
                        const dc_tensor *order, const dc_loader_cfg *cfg, dc_loader **out)
{
    *out = NULL;
    DC_TRY(dc_loader_cfg_check(cfg));
    DC_CHECK(nviews >= 0 && nviews <= DC_VIEWS_MAX, DC_ERR_ARG,
             "loader: views must hold 1 to %d transforms, got %d", DC_VIEWS_MAX, nviews);
    DC_CHECK(nviews == 0 || t, DC_ERR_ARG, "loader: %d views but no transforms", nviews);
    int64_t n;
    int raw[3], shape[DC_VIEWS_MAX][3];
    DC_TRY(dc_dataset_check(ds, &n, raw));
    dc_transform none = {0};
    if (!t) t = &none;
    int nx = nviews ? nviews : 1;
    for (int v = 0; v < nx; v++) {
        dc_status st = dc_transform_shape(&t[v], raw[0], raw[1], raw[2], shape[v]);
        if (st != DC_OK && nviews) {
            char where[32];
            snprintf(where, sizeof where, "loader: view %d", v + 1);
            return dc_fail_prefix(st, where);
        }
        DC_TRY(st);
        DC_CHECK(shape[v][1] > 0 && shape[v][2] > 0, DC_ERR_ARG,
                 "loader: images vary in size and the transform%s does not fix it; end it with "
                 "a crop (CenterCrop, RandomResizedCrop, RandomCrop) or Resize{h, w}",
                 nviews ? " of a view" : "");
    }

    dc_loader *l = calloc(1, sizeof *l);
    DC_CHECK(l, DC_ERR_NOMEM, "loader: out of memory");
    dc_status s = DC_OK;
    l->cfg = *cfg;
    l->nviews = nviews;
    l->nx = nx;
    memcpy(l->shape, shape, sizeof shape);
    l->n = n;
    l->ds = *ds;
    l->ds.images = l->ds.labels = l->ds.index = dc_tensor_empty();
    dc_tensor_share(&l->ds.images, &ds->images);
    dc_tensor_share(&l->ds.labels, &ds->labels);
    dc_tensor_share(&l->ds.index, &ds->index);
    l->has_labels = ds->labels.storage != NULL;
    l->chunk = cfg->batch / (4 * cfg->threads);
    l->chunk = l->chunk < 1 ? 1 : l->chunk > 64 ? 64 : l->chunk;
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->work_cv, NULL);
    pthread_cond_init(&l->done_cv, NULL);
    l->slots = calloc((size_t)cfg->prefetch, sizeof *l->slots);
    l->ctx = calloc((size_t)cfg->threads, sizeof *l->ctx);
    l->args = calloc((size_t)cfg->threads, sizeof *l->args);
    l->tid = calloc((size_t)cfg->threads, sizeof *l->tid);
    l->tf = malloc((size_t)nx * sizeof *l->tf);
    if (l->tf) memcpy(l->tf, t, (size_t)nx * sizeof *l->tf);
    if (!l->tf || !l->slots || !l->ctx || !l->args || !l->tid) {
        s = dc_fail(DC_ERR_NOMEM, "loader: out of memory");
        goto fail;
    }
    if ((s = set_order(l, order)) != DC_OK) goto fail;
    int64_t B = cfg->batch;
    for (int p = 0; p < cfg->prefetch && s == DC_OK; p++) {
        slot *sl = &l->slots[p];
        for (int v = 0; v < nx && s == DC_OK; v++) {
            int64_t xs[4] = {B, shape[v][0], shape[v][1], shape[v][2]};
            s = dc_tensor_alloc(&sl->x[v], DC_F32, 4, xs);
        }
        if (s == DC_OK) s = dc_tensor_alloc(&sl->idx, DC_I64, 1, &B);
        if (s == DC_OK && l->has_labels) s = dc_tensor_alloc(&sl->y, DC_I64, 1, &B);
        sl->code = calloc((size_t)B, sizeof *sl->code);
        sl->msg = calloc((size_t)B, sizeof *sl->msg);
        if (s == DC_OK && (!sl->code || !sl->msg))
            s = dc_fail(DC_ERR_NOMEM, "loader: out of memory");
    }
    for (int k = 0; k < cfg->threads && s == DC_OK; k++) {
        l->args[k].l = l;
        l->args[k].k = k;
        s = dc_data_ctx_init(&l->ctx[k]);
    }
    if (s != DC_OK) goto fail;
    rewind_pass(l);
    *out = l;
    return DC_OK;
fail:
    dc_loader_free(l);
    return s;
}

void dc_loader_free(dc_loader *l)
{
    if (!l) return;
    join_workers(l);
    for (int p = 0; l->slots && p < l->cfg.prefetch; p++) {
        slot *sl = &l->slots[p];
        for (int v = 0; v < l->nx; v++) dc_tensor_release(&sl->x[v]);
        dc_tensor_release(&sl->y);
        dc_tensor_release(&sl->idx);
        free(sl->code);
        free(sl->msg);
    }
    for (int k = 0; l->ctx && k < l->cfg.threads; k++) dc_data_ctx_free(&l->ctx[k]);
    free(l->tf);
    free(l->slots);
    free(l->ctx);
    free(l->args);
    free(l->tid);
    free(l->order);
    dc_tensor_release(&l->ds.images);
    dc_tensor_release(&l->ds.labels);
    dc_tensor_release(&l->ds.index);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->work_cv);
    pthread_cond_destroy(&l->done_cv);
    free(l);
}

/* ---- consuming ---- */

static int skippable(dc_status s) { return s == DC_ERR_IO || s == DC_ERR_FORMAT; }

/* Drops the failed samples of sl (moving the good rows up) or reports the pass-ending one.
 * Returns the number of rows kept, or -1 with the failure recorded. */
static int64_t compact(dc_loader *l, slot *sl, dc_status *failure)
{
    int64_t keep = 0;
    int64_t *idx = dc_tensor_data(&sl->idx), *y = l->has_labels ? dc_tensor_data(&sl->y) : NULL;
    for (int64_t r = 0; r < sl->size; r++) {
        if (sl->code[r] == DC_OK) {
            if (keep != r) {
                for (int v = 0; v < l->nx; v++) {
                    int64_t row = (int64_t)l->shape[v][0] * l->shape[v][1] * l->shape[v][2];
                    float *x = dc_tensor_data(&sl->x[v]);
                    memcpy(x + keep * row, x + r * row, sizeof(float) * (size_t)row);
                }
                idx[keep] = idx[r];
                if (y) y[keep] = y[r];
            }
            keep++;
            continue;
        }
        if (!skippable(sl->code[r]) || l->cfg.on_error == DC_STOP) {
            *failure = dc_fail(sl->code[r], "%s", sl->msg[r]);
            return -1;
        }
        l->skipped++;
        if (l->report_lines < REPORT_LINES) {
            size_t k = strlen(l->report);
            snprintf(l->report + k, sizeof l->report - k, "%s%s", k ? "\n" : "", sl->msg[r]);
            l->report_lines++;
        }
    }
    return keep;
}

dc_status dc_loader_next(dc_loader *l, dc_tensor *x, dc_tensor *y, dc_tensor *idx)
{
    for (int v = 0; v < l->nx; v++) dc_tensor_release(&x[v]);
    dc_tensor_release(y);
    dc_tensor_release(idx);
    DC_CHECK(!l->failed, DC_ERR_STATE,
             "loader: the pass stopped after an error; reset the loader to start again");
    for (;;) {
        pthread_mutex_lock(&l->mu);
        if (l->returned == l->nbatches) {
            pthread_mutex_unlock(&l->mu);
            join_workers(l);
            return DC_OK;
        }
        extend_window(l);
        dc_status s = start_workers(l);
        if (s != DC_OK) {
            pthread_mutex_unlock(&l->mu);
            join_workers(l);
            l->failed = 1;
            return s;
        }
        slot *sl = &l->slots[l->returned % l->cfg.prefetch];
        while (sl->batch != l->returned || sl->remaining > 0)
            pthread_cond_wait(&l->done_cv, &l->mu);
        l->returned++;
        pthread_mutex_unlock(&l->mu);

        dc_status failure = DC_OK;
        int64_t keep = compact(l, sl, &failure);
        if (keep < 0) {
            join_workers(l);
            l->failed = 1;
            return failure;
        }
        if (keep == 0) continue; /* every sample of the batch was skipped */
        for (int v = 0; v < l->nx; v++) DC_TRY(dc_tensor_narrow(&x[v], &sl->x[v], 0, 0, keep));
        DC_TRY(dc_tensor_narrow(idx, &sl->idx, 0, 0, keep));
        if (l->has_labels) DC_TRY(dc_tensor_narrow(y, &sl->y, 0, 0, keep));
        return DC_OK;
    }
}

dc_status dc_loader_reset(dc_loader *l, const dc_tensor *order, uint64_t epoch)
{
    join_workers(l);
    if (order) DC_TRY(set_order(l, order));
    l->cfg.epoch = epoch;
    rewind_pass(l);
    return DC_OK;
}

int64_t dc_loader_batches(const dc_loader *l) { return l->nbatches; }

int dc_loader_views(const dc_loader *l) { return l->nviews; }

void dc_loader_item_shape(const dc_loader *l, int view, int shape[3])
{
    memcpy(shape, l->shape[view], sizeof l->shape[view]);
}

uint64_t dc_loader_epoch(const dc_loader *l) { return l->cfg.epoch; }

int64_t dc_loader_skipped(const dc_loader *l, const char **report)
{
    if (report) *report = l->report;
    return l->skipped;
}
