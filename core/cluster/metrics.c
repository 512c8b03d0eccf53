/* Clustering metrics: NMI, ARI, Hungarian accuracy, contingency table, size statistics.
 *
 * NMI and ARI need only sums over the non-zero cells of the contingency table
 * (sum n_ij log n_ij, sum n_ij^2) plus its margins, so the table is never materialised:
 * items are grouped by their label in a (counting sort), and each group's b labels are
 * counted in a scratch array that is reset through a list of touched entries. That is
 * O(N + ka + kb) time and memory, whatever ka * kb is (k = 10 000 against 10 000 for the
 * NMI between two DeepCluster epochs). Formulas follow scikit-learn 1.2
 * (sklearn/metrics/cluster/_supervised.py), so the fixture values it produced must match. */
#include "metrics.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Dense count arrays are indexed by label; refuse labels that would make them absurdly
 * large compared with the data (ids of images instead of clusters, for instance). */
static int64_t max_label_count(int64_t n)
{
    int64_t lim = (int64_t)1 << 24;
    return 4 * n > lim ? 4 * n : lim;
}

/* A read-only 1-D int64 label vector of any stride. */
typedef struct labels {
    const int64_t *p;
    int64_t n, stride, k; /* k = largest label - base + 1 */
} labels;

static inline int64_t lab(const labels *l, int64_t i, int64_t base)
{
    return l->p[i * l->stride] - base;
}

static dc_status labels_get(const dc_tensor *t, const char *op, const char *arg, int64_t base,
                            labels *l)
{
    char d[128];
    DC_CHECK(t && t->storage, DC_ERR_STATE, "%s: %s is a released tensor", op, arg);
    DC_CHECK(t->dtype == DC_I64 && t->ndim == 1, DC_ERR_DTYPE,
             "%s: %s must be a 1-D int64 tensor of labels, got %s", op, arg,
             dc_tensor_describe(t, d, sizeof d));
    DC_CHECK(t->shape[0] > 0, DC_ERR_SHAPE, "%s: %s is empty (no labels)", op, arg);
    l->p = (const int64_t *)t->storage->data + t->offset;
    l->n = t->shape[0];
    l->stride = t->stride[0];
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int64_t i = 0; i < l->n; i++) {
        int64_t v = l->p[i * l->stride];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (lo < base) {
        int64_t i = 0;
        while (l->p[i * l->stride] != lo) i++;
        return dc_fail(DC_ERR_ARG, "%s: %s has label %lld at position %lld; labels start at %lld",
                       op, arg, (long long)lo, (long long)(i + base), (long long)base);
    }
    DC_CHECK(hi - base < max_label_count(l->n), DC_ERR_ARG,
             "%s: %s has label %lld, too large for %lld items (labels must be cluster or class "
             "ids below %lld; renumber them first)",
             op, arg, (long long)hi, (long long)l->n, (long long)(max_label_count(l->n) + base));
    l->k = hi - base + 1;
    return DC_OK;
}

static dc_status pair_get(const dc_tensor *a, const dc_tensor *b, const char *op, int64_t base,
                          labels *la, labels *lb)
{
    DC_TRY(labels_get(a, op, "a", base, la));
    DC_TRY(labels_get(b, op, "b", base, lb));
    char da[128], db[128];
    DC_CHECK(la->n == lb->n, DC_ERR_SHAPE, "%s: a is %s but b is %s (one label per item in both)",
             op, dc_tensor_describe(a, da, sizeof da), dc_tensor_describe(b, db, sizeof db));
    return DC_OK;
}

/* ---- sums over the contingency table ---- */

typedef struct table_sums {
    int64_t *ca, *cb;   /* margins: counts of each a label [ka], of each b label [kb] */
    double cells_nlogn; /* sum over cells of n_ij log n_ij */
    double cells_n2;    /* sum over cells of n_ij^2 (exact below 2^53) */
    int64_t na, nb;     /* labels actually used */
} table_sums;

static void table_sums_free(table_sums *s, const labels *la, const labels *lb)
{
    dc_free(s->ca, (size_t)la->k * sizeof(int64_t));
    dc_free(s->cb, (size_t)lb->k * sizeof(int64_t));
}

static dc_status table_sums_get(const labels *la, const labels *lb, int64_t base, const char *op,
                                table_sums *s)
{
    dc_status st = DC_OK;
    int64_t n = la->n, ka = la->k, kb = lb->k;
    memset(s, 0, sizeof *s);
    int64_t *start = dc_alloc((size_t)(ka + 1) * sizeof(int64_t));
    int64_t *grouped = dc_alloc((size_t)n * sizeof(int64_t));
    int64_t *touched = dc_alloc((size_t)kb * sizeof(int64_t));
    int64_t *cnt = dc_alloc((size_t)kb * sizeof(int64_t));
    s->ca = dc_alloc((size_t)ka * sizeof(int64_t));
    s->cb = dc_alloc((size_t)kb * sizeof(int64_t));
    if (!start || !grouped || !touched || !cnt || !s->ca || !s->cb) {
        st = dc_fail(DC_ERR_NOMEM, "%s: out of memory counting %lld labels", op, (long long)n);
        goto cleanup;
    }
    memset(s->ca, 0, (size_t)ka * sizeof(int64_t));
    memset(s->cb, 0, (size_t)kb * sizeof(int64_t));
    for (int64_t i = 0; i < n; i++) {
        s->ca[lab(la, i, base)]++;
        s->cb[lab(lb, i, base)]++;
    }
    /* counting sort of the b labels by a label */
    start[0] = 0;
    for (int64_t c = 0; c < ka; c++) start[c + 1] = start[c] + s->ca[c];
    for (int64_t i = 0; i < n; i++) grouped[start[lab(la, i, base)]++] = lab(lb, i, base);
    for (int64_t c = ka; c > 0; c--) start[c] = start[c - 1];
    start[0] = 0;
    /* per group, count its b labels in cnt, reset through the touched list */
    memset(cnt, 0, (size_t)kb * sizeof(int64_t));
    for (int64_t c = 0; c < ka; c++) {
        int64_t nt = 0;
        for (int64_t i = start[c]; i < start[c + 1]; i++)
            if (cnt[grouped[i]]++ == 0) touched[nt++] = grouped[i];
        for (int64_t t = 0; t < nt; t++) {
            double v = (double)cnt[touched[t]];
            s->cells_nlogn += v * log(v);
            s->cells_n2 += v * v;
            cnt[touched[t]] = 0;
        }
    }
    for (int64_t c = 0; c < ka; c++) s->na += s->ca[c] > 0;
    for (int64_t c = 0; c < kb; c++) s->nb += s->cb[c] > 0;
cleanup:
    dc_free(start, (size_t)(ka + 1) * sizeof(int64_t));
    dc_free(grouped, (size_t)n * sizeof(int64_t));
    dc_free(touched, (size_t)kb * sizeof(int64_t));
    dc_free(cnt, (size_t)kb * sizeof(int64_t));
    if (st != DC_OK) table_sums_free(s, la, lb);
    return st;
}

/* sum c log c over the counts */
static double sum_nlogn(const int64_t *c, int64_t k)
{
    double s = 0;
    for (int64_t i = 0; i < k; i++)
        if (c[i] > 0) s += (double)c[i] * log((double)c[i]);
    return s;
}

static double sum_sq(const int64_t *c, int64_t k)
{
    double s = 0;
    for (int64_t i = 0; i < k; i++) s += (double)c[i] * (double)c[i];
    return s;
}

/* ---- NMI ---- */

dc_status dc_nmi_average_parse(const char *name, dc_nmi_average *avg)
{
    static const char *names[] = {"geometric", "arithmetic", "min", "max"};
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *avg = (dc_nmi_average)i;
            return DC_OK;
        }
    return dc_fail(DC_ERR_ARG, "nmi: unknown average '%s' (valid: geometric, arithmetic, min, max)",
                   name);
}

dc_status dc_nmi(const dc_tensor *a, const dc_tensor *b, dc_nmi_average avg, int64_t base,
                 double *out)
{
    labels la, lb;
    table_sums s;
    DC_TRY(pair_get(a, b, "nmi", base, &la, &lb));
    DC_TRY(table_sums_get(&la, &lb, base, "nmi", &s));
    double n = (double)la.n, logn = log(n);
    double sa = sum_nlogn(s.ca, la.k), sb = sum_nlogn(s.cb, lb.k);
    bool both_constant = s.na == 1 && s.nb == 1, one_constant = s.na == 1 || s.nb == 1;
    table_sums_free(&s, &la, &lb);
    if (both_constant) { /* no split on either side: a perfect match, as scikit-learn says */
        *out = 1.0;
        return DC_OK;
    }
    if (one_constant) { /* I = 0 exactly; the formula's round-off over an entropy of ~0 is not */
        *out = 0.0;
        return DC_OK;
    }
    /* I = (sum n_ij log n_ij - sum a_i log a_i - sum b_j log b_j) / N + log N */
    double mi = fmax(0.0, (s.cells_nlogn - sa - sb) / n + logn);
    double ha = fmax(0.0, logn - sa / n), hb = fmax(0.0, logn - sb / n);
    double norm = 0;
    switch (avg) {
    case DC_NMI_GEOMETRIC: norm = sqrt(ha * hb); break;
    case DC_NMI_ARITHMETIC: norm = 0.5 * (ha + hb); break;
    case DC_NMI_MIN: norm = fmin(ha, hb); break;
    case DC_NMI_MAX: norm = fmax(ha, hb); break;
    }
    *out = mi / fmax(norm, DBL_EPSILON);
    return DC_OK;
}

/* ---- ARI ---- */

dc_status dc_ari(const dc_tensor *a, const dc_tensor *b, int64_t base, double *out)
{
    labels la, lb;
    table_sums s;
    DC_TRY(pair_get(a, b, "ari", base, &la, &lb));
    DC_TRY(table_sums_get(&la, &lb, base, "ari", &s));
    /* pair confusion matrix (ordered pairs), as sklearn's pair_confusion_matrix */
    long double n = (long double)la.n, sq = s.cells_n2;
    long double sa = sum_sq(s.ca, la.k), sb = sum_sq(s.cb, lb.k);
    table_sums_free(&s, &la, &lb);
    long double tp = sq - n, fp = sb - sq, fn = sa - sq, tn = n * n - fp - fn - sq;
    if (fn == 0 && fp == 0) {
        *out = 1.0;
        return DC_OK;
    }
    long double num = 2.0L * (tp * tn - fn * fp);
    long double den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn);
    *out = (double)(num / den);
    return DC_OK;
}

/* ---- contingency table ---- */

dc_status dc_contingency(const dc_tensor *a, const dc_tensor *b, int64_t base, dc_tensor *out)
{
    labels la, lb;
    DC_TRY(pair_get(a, b, "contingency", base, &la, &lb));
    int64_t shape[2] = {la.k, lb.k};
    DC_CHECK(la.k <= max_label_count(la.n) / lb.k + 1, DC_ERR_ARG,
             "contingency: a %lld x %lld table is too large; use nmi/ari, which do not build it",
             (long long)la.k, (long long)lb.k);
    DC_TRY(dc_tensor_ensure(out, DC_I64, 2, shape, "contingency: out"));
    DC_CHECK(dc_tensor_is_contiguous(out), DC_ERR_ARG, "contingency: out must be contiguous");
    int64_t *c = dc_tensor_data(out);
    memset(c, 0, (size_t)(la.k * lb.k) * sizeof(int64_t));
    for (int64_t i = 0; i < la.n; i++) c[lab(&la, i, base) * lb.k + lab(&lb, i, base)]++;
    return DC_OK;
}

/* ---- accuracy under the best matching ---- */

/* Hungarian algorithm (shortest augmenting paths with potentials), O(n^3), minimising
 * sum cost[i][row_of_col...]; cost is n x n, row-major. On return col_row[j] = row matched
 * to column j (0-based). Scratch: 4 (n + 1) int64 and n + 1 bytes. */
static void hungarian(int64_t n, const int64_t *cost, int64_t *col_row, int64_t *u, int64_t *v,
                      int64_t *p, int64_t *way, int64_t *minv, char *used)
{
    const int64_t inf = INT64_MAX / 4;
    memset(u, 0, (size_t)(n + 1) * sizeof(int64_t));
    memset(v, 0, (size_t)(n + 1) * sizeof(int64_t));
    memset(p, 0, (size_t)(n + 1) * sizeof(int64_t));
    for (int64_t i = 1; i <= n; i++) {
        p[0] = i;
        int64_t j0 = 0;
        for (int64_t j = 0; j <= n; j++) minv[j] = inf;
        memset(used, 0, (size_t)(n + 1));
        do {
            used[j0] = 1;
            int64_t i0 = p[j0], delta = inf, j1 = 0;
            const int64_t *row = cost + (i0 - 1) * n;
            for (int64_t j = 1; j <= n; j++) {
                if (used[j]) continue;
                int64_t cur = row[j - 1] - u[i0] - v[j];
                if (cur < minv[j]) {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if (minv[j] < delta) {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for (int64_t j = 0; j <= n; j++) {
                if (used[j]) {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int64_t j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (int64_t j = 1; j <= n; j++) col_row[j - 1] = p[j] - 1;
}

dc_status dc_cluster_acc(const dc_tensor *pred, const dc_tensor *truth, int64_t base,
                         double *acc, dc_tensor *mapping)
{
    labels lp, lt;
    DC_TRY(pair_get(pred, truth, "acc", base, &lp, &lt));
    int64_t n = lp.k > lt.k ? lp.k : lt.k;
    DC_CHECK(n <= DC_ACC_MAX_K, DC_ERR_ARG,
             "acc: %lld clusters against %lld classes is too many for Hungarian matching "
             "(O(k^3), at most %d); use nmi or ari",
             (long long)lp.k, (long long)lt.k, DC_ACC_MAX_K);
    if (mapping) {
        int64_t shape[1] = {lp.k};
        DC_TRY(dc_tensor_ensure(mapping, DC_I64, 1, shape, "acc: mapping"));
    }
    dc_status st = DC_OK;
    size_t sq = (size_t)(n * n) * sizeof(int64_t), vec = (size_t)(n + 1) * sizeof(int64_t);
    int64_t *cost = dc_alloc(sq), *scratch = dc_alloc(5 * vec), *col_row = dc_alloc(vec);
    char *used = dc_alloc((size_t)n + 1);
    if (!cost || !scratch || !col_row || !used) {
        st = dc_fail(DC_ERR_NOMEM, "acc: out of memory for a %lld x %lld matching", (long long)n,
                     (long long)n);
        goto cleanup;
    }
    memset(cost, 0, sq);
    for (int64_t i = 0; i < lp.n; i++) cost[lab(&lp, i, base) * n + lab(&lt, i, base)]--;
    int64_t *s = scratch;
    hungarian(n, cost, col_row, s, s + (n + 1), s + 2 * (n + 1), s + 3 * (n + 1), s + 4 * (n + 1),
              used);
    int64_t hits = 0;
    for (int64_t j = 0; j < n; j++) hits -= cost[col_row[j] * n + j];
    *acc = (double)hits / (double)lp.n;
    if (mapping) {
        int64_t *m = dc_tensor_data(mapping), ms = mapping->stride[0];
        for (int64_t c = 0; c < lp.k; c++) m[c * ms] = base - 1;
        for (int64_t j = 0; j < lt.k; j++)
            if (col_row[j] < lp.k) m[col_row[j] * ms] = j + base;
    }
cleanup:
    dc_free(cost, sq);
    dc_free(scratch, 5 * vec);
    dc_free(col_row, vec);
    dc_free(used, (size_t)n + 1);
    return st;
}

/* ---- cluster sizes ---- */

dc_status dc_cluster_sizes(const dc_tensor *assign, int64_t k, int64_t base, dc_tensor *sizes,
                           dc_size_stats *st)
{
    labels l;
    DC_TRY(labels_get(assign, "cluster_sizes", "assign", base, &l));
    DC_CHECK(k >= 0, DC_ERR_ARG, "cluster_sizes: k must be >= 1 (or 0: from the labels), got %lld",
             (long long)k);
    if (k == 0) k = l.k;
    DC_CHECK(l.k <= k, DC_ERR_ARG, "cluster_sizes: label %lld is out of range for k = %lld",
             (long long)(l.k - 1 + base), (long long)k);
    int64_t shape[1] = {k};
    dc_tensor own = dc_tensor_empty();
    dc_tensor *out = sizes ? sizes : &own;
    DC_TRY(dc_tensor_ensure(out, DC_I64, 1, shape, "cluster_sizes: sizes"));
    int64_t *c = dc_tensor_data(out), cs = out->stride[0];
    for (int64_t j = 0; j < k; j++) c[j * cs] = 0;
    for (int64_t i = 0; i < l.n; i++) c[lab(&l, i, base) * cs]++;
    double n = (double)l.n, h = 0, sq = 0;
    memset(st, 0, sizeof *st);
    st->k = k;
    st->min = INT64_MAX;
    for (int64_t j = 0; j < k; j++) {
        int64_t v = c[j * cs];
        st->nempty += v == 0;
        st->min = v < st->min ? v : st->min;
        st->max = v > st->max ? v : st->max;
        if (v > 0) h -= (double)v / n * log((double)v / n);
        sq += (double)v * (double)v;
    }
    dc_tensor_release(&own);
    st->entropy = h;
    st->norm_entropy = k > 1 ? h / log((double)k) : 1.0;
    st->imbalance = sq * (double)k / (n * n);
    return DC_OK;
}
