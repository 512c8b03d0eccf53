/* The summarising tensor formatter (see tensor_print.h).
 *
 * Two passes over the printed elements only (at most 2 * edgeitems per dimension when
 * summarised): the first chooses the number format and the common cell width, the second
 * writes lines through a small buffer into the sink. Format rules after PyTorch's
 * _tensor_str.py: integers when every printed finite value is integral and below 1e8;
 * otherwise scientific when the largest printed magnitude is >= 1e8, the smallest non-zero
 * one < 1e-4, or their ratio > 1000; fixed point otherwise. Wide rows are cut into column blocks under a
 * "Columns a to b" header, as Torch7 did. */
#include "tensor_print.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef enum num_kind { NUM_INT, NUM_FIXED, NUM_SCI } num_kind;

typedef struct printer {
    const dc_tensor *t;
    const dc_print_opts *o;
    bool summarize;       /* numel > threshold */
    num_kind kind;
    int width;            /* of every cell */
    dc_print_sink sink;
    void *ud;
    char line[512];       /* pending output, flushed when full and at the end */
    size_t len;
} printer;

void dc_print_opts_init(dc_print_opts *o)
{
    o->edgeitems = 3;
    o->threshold = 1000;
    o->precision = 4;
    o->linewidth = 80;
    o->base = 0;
}

dc_status dc_print_opts_check(const dc_print_opts *o)
{
    DC_CHECK(o->edgeitems >= 1 && o->edgeitems <= 1000, DC_ERR_ARG,
             "set_printoptions: edgeitems must be in 1..1000, got %d", o->edgeitems);
    DC_CHECK(o->threshold >= 0, DC_ERR_ARG, "set_printoptions: threshold must be >= 0, got %lld",
             (long long)o->threshold);
    DC_CHECK(o->precision >= 0 && o->precision <= 30, DC_ERR_ARG,
             "set_printoptions: precision must be in 0..30, got %d", o->precision);
    DC_CHECK(o->linewidth >= 20 && o->linewidth <= 100000, DC_ERR_ARG,
             "set_printoptions: linewidth must be in 20..100000, got %d", o->linewidth);
    return DC_OK;
}

/* ---- output ---- */

static void flush(printer *p)
{
    if (p->len) p->sink(p->ud, p->line, p->len);
    p->len = 0;
}

static void put(printer *p, const char *s, size_t n)
{
    if (p->len + n > sizeof p->line) flush(p);
    if (n > sizeof p->line) {
        p->sink(p->ud, s, n);
        return;
    }
    memcpy(p->line + p->len, s, n);
    p->len += n;
}

static void puts_(printer *p, const char *s) { put(p, s, strlen(s)); }

/* s right-aligned in a field of w characters */
static void put_padded(printer *p, const char *s, int w)
{
    static const char spaces[] = "                                ";
    for (int pad = w - (int)strlen(s); pad > 0; pad -= 32)
        put(p, spaces, pad < 32 ? (size_t)pad : 32);
    puts_(p, s);
}

/* ---- which elements are shown ---- */

static bool cut(const printer *p, int d)
{
    return p->summarize && p->t->shape[d] > 2 * (int64_t)p->o->edgeitems;
}

static int64_t shown_count(const printer *p, int d)
{
    return cut(p, d) ? 2 * (int64_t)p->o->edgeitems : p->t->shape[d];
}

/* Index in dimension d of the k-th shown element. */
static int64_t shown_index(const printer *p, int d, int64_t k)
{
    if (cut(p, d) && k >= p->o->edgeitems) return p->t->shape[d] - 2 * p->o->edgeitems + k;
    return k;
}

/* Whether a "..." goes before the k-th shown element of dimension d. */
static bool gap_before(const printer *p, int d, int64_t k)
{
    return cut(p, d) && k == p->o->edgeitems;
}

/* ---- numbers ---- */

static int format_value(const printer *p, const int64_t *idx, char *buf, size_t n)
{
    if (p->t->dtype != DC_F32)
        return snprintf(buf, n, "%lld", (long long)dc_tensor_get_i64(p->t, idx));
    double v = dc_tensor_get(p->t, idx);
    if (isnan(v)) return snprintf(buf, n, "nan");
    if (isinf(v)) return snprintf(buf, n, v > 0 ? "inf" : "-inf");
    switch (p->kind) {
    case NUM_INT: return snprintf(buf, n, "%.0f", v);
    case NUM_FIXED: return snprintf(buf, n, "%.*f", p->o->precision, v);
    default: return snprintf(buf, n, "%.*e", p->o->precision, v);
    }
}

/* Calls fn on every shown element (odometer over the shown positions). */
static void each_shown(printer *p, void (*fn)(printer *, const int64_t *, void *), void *acc)
{
    const dc_tensor *t = p->t;
    int64_t k[DC_MAX_DIMS] = {0}, idx[DC_MAX_DIMS] = {0};
    for (int d = 0; d < t->ndim; d++)
        if (shown_count(p, d) == 0) return;
    for (;;) {
        for (int d = 0; d < t->ndim; d++) idx[d] = shown_index(p, d, k[d]);
        fn(p, idx, acc);
        int d = t->ndim - 1;
        while (d >= 0 && ++k[d] == shown_count(p, d)) k[d--] = 0;
        if (d < 0) return;
    }
}

typedef struct num_stats {
    bool all_int, any_finite;
    double max_abs, min_nonzero;
} num_stats;

static void scan_value(printer *p, const int64_t *idx, void *acc)
{
    num_stats *s = acc;
    double v = dc_tensor_get(p->t, idx);
    if (!isfinite(v)) return;
    double a = fabs(v);
    s->any_finite = true;
    s->all_int = s->all_int && v == nearbyint(v);
    if (a > s->max_abs) s->max_abs = a;
    if (a > 0 && a < s->min_nonzero) s->min_nonzero = a;
}

static void measure_width(printer *p, const int64_t *idx, void *acc)
{
    (void)acc;
    char buf[64];
    int n = format_value(p, idx, buf, sizeof buf);
    if (n > p->width) p->width = n;
}

static void choose_format(printer *p)
{
    p->kind = NUM_INT;
    if (p->t->dtype == DC_F32) {
        num_stats s = {true, false, 0, INFINITY};
        each_shown(p, scan_value, &s);
        if (s.any_finite && s.all_int && s.max_abs < 1e8) {
            p->kind = NUM_INT;
        } else if (s.any_finite && s.min_nonzero < INFINITY &&
                   (s.max_abs >= 1e8 || s.min_nonzero < 1e-4 || s.max_abs / s.min_nonzero > 1e3)) {
            p->kind = NUM_SCI;
        } else {
            p->kind = NUM_FIXED;
        }
    }
    p->width = 1;
    each_shown(p, measure_width, NULL);
}

/* ---- layout ---- */

/* The cells of a row: the shown columns, with a "..." cell (-1) where columns are cut. */
static int64_t cell_count(const printer *p, int cd)
{
    return shown_count(p, cd) + (cut(p, cd) ? 1 : 0);
}

static int64_t cell_column(const printer *p, int cd, int64_t j)
{
    if (!cut(p, cd) || j < p->o->edgeitems) return j;
    return j == p->o->edgeitems ? -1 : j - 1;
}

static int cell_width(const printer *p, int cd, int64_t j)
{
    return cell_column(p, cd, j) < 0 ? 3 : p->width;
}

static void put_index(printer *p, int64_t i)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)(i + p->o->base));
    puts_(p, buf);
}

/* The rows of the last two dimensions at the leading index idx (one row for 1-D). */
static void print_matrix(printer *p, int64_t *idx)
{
    const dc_tensor *t = p->t;
    int cd = t->ndim - 1, rd = t->ndim - 2;
    int64_t ncells = cell_count(p, cd), nrows = rd >= 0 ? shown_count(p, rd) : 1;
    for (int64_t j0 = 0; j0 < ncells;) {
        /* the next block: as many cells as fit in linewidth (at least one) */
        int64_t j1 = j0 + 1;
        int used = cell_width(p, cd, j0);
        while (j1 < ncells && used + 1 + cell_width(p, cd, j1) <= p->o->linewidth)
            used += 1 + cell_width(p, cd, j1++);
        bool blocks = j0 > 0 || j1 < ncells;
        if (blocks && j0 > 0 && t->ndim >= 2) puts_(p, "\n"); /* blank line between blocks */
        if (blocks && t->ndim >= 2) {
            int64_t first = cell_column(p, cd, j0), last = cell_column(p, cd, j1 - 1);
            if (first < 0) first = cell_column(p, cd, j0 + 1);
            if (last < 0) last = cell_column(p, cd, j1 - 2);
            puts_(p, "Columns ");
            put_index(p, shown_index(p, cd, first));
            puts_(p, " to ");
            put_index(p, shown_index(p, cd, last));
            puts_(p, "\n");
        }
        for (int64_t r = 0; r < nrows; r++) {
            if (rd >= 0) {
                if (gap_before(p, rd, r)) {
                    put_padded(p, "...", cell_width(p, cd, j0));
                    puts_(p, "\n");
                }
                idx[rd] = shown_index(p, rd, r);
            }
            for (int64_t j = j0; j < j1; j++) {
                if (j > j0) puts_(p, " ");
                int64_t c = cell_column(p, cd, j);
                char buf[64];
                if (c < 0) {
                    put_padded(p, "...", 3);
                    continue;
                }
                idx[cd] = shown_index(p, cd, c);
                format_value(p, idx, buf, sizeof buf);
                put_padded(p, buf, p->width);
            }
            if (r + 1 < nrows || j1 < ncells) puts_(p, "\n");
        }
        j0 = j1;
    }
}

/* Slices of an N-d tensor (N > 2) under "(i,j,.,.) =" headers, a "..." where cut. */
static void print_slices(printer *p, int d, int64_t *idx, bool *first)
{
    const dc_tensor *t = p->t;
    if (d == t->ndim - 2) {
        if (!*first) puts_(p, "\n\n");
        *first = false;
        puts_(p, "(");
        for (int k = 0; k < d; k++) {
            put_index(p, idx[k]);
            puts_(p, ",");
        }
        puts_(p, ".,.) =\n");
        print_matrix(p, idx);
        return;
    }
    for (int64_t k = 0; k < shown_count(p, d); k++) {
        if (gap_before(p, d, k)) puts_(p, "\n\n...");
        idx[d] = shown_index(p, d, k);
        print_slices(p, d + 1, idx, first);
    }
}

static void put_footer(printer *p)
{
    const dc_tensor *t = p->t;
    char buf[64];
    puts_(p, "[dclab.Tensor ");
    puts_(p, dc_dtype_name(t->dtype));
    puts_(p, " ");
    if (t->ndim == 0) puts_(p, "scalar");
    for (int d = 0; d < t->ndim; d++) {
        snprintf(buf, sizeof buf, d ? "x%lld" : "%lld", (long long)t->shape[d]);
        puts_(p, buf);
    }
    double mib = (double)dc_tensor_numel(t) * (double)dc_dtype_size(t->dtype) / 1048576.0;
    if (mib >= 1) {
        snprintf(buf, sizeof buf, ", %.1f MiB", mib);
        puts_(p, buf);
    }
    puts_(p, "]");
}

dc_status dc_tensor_print(const dc_tensor *t, const dc_print_opts *o, dc_print_sink sink,
                          void *ud)
{
    DC_TRY(dc_print_opts_check(o));
    printer p = {.t = t, .o = o, .sink = sink, .ud = ud};
    if (!dc_tensor_ok(t)) {
        puts_(&p, "[dclab.Tensor released]");
        flush(&p);
        return DC_OK;
    }
    int64_t idx[DC_MAX_DIMS] = {0};
    p.summarize = dc_tensor_numel(t) > o->threshold;
    if (dc_tensor_numel(t) > 0) {
        choose_format(&p);
        if (t->ndim == 0) {
            char buf[64];
            format_value(&p, idx, buf, sizeof buf);
            puts_(&p, buf);
        } else if (t->ndim <= 2) {
            print_matrix(&p, idx);
        } else {
            bool first = true;
            print_slices(&p, 0, idx, &first);
        }
        puts_(&p, "\n");
    }
    put_footer(&p);
    flush(&p);
    return DC_OK;
}
