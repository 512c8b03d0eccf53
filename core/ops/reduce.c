/* Reductions: a driver that lays out the work (output dims, reduced dims, loop order,
 * threads) and kernels that accumulate one strided run of elements into an accumulator.
 *
 * Loop orders. Row order reduces each output's run on its own: best when the reduced
 * dimension is the innermost one (sum over the last dim, full reductions). Column order
 * walks the reduced dimension outermost and accumulates a tile of neighbouring outputs at
 * once: best when the reduced dimension is not innermost (column sums of [N, D]), where
 * row order would stride through memory. A single output (full reduction) is split across
 * threads and the per-thread partial results combined in thread order.
 *
 * Non-goals: reductions over several (but not all) dimensions at once. */
#include "reduce.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "iter.h"

/* ---- what is accumulated ---- */

typedef enum kind {
    K_SUM,    /* sum x */
    K_PROD,   /* product x */
    K_SQDEV,  /* sum (x - shift)^2: var/std around the mean, norm 2 with shift 0 */
    K_ABS,    /* sum |x|: norm 1 */
    K_POW,    /* sum |x|^p */
    K_NNZ,    /* count of x != 0: norm 0 */
    K_MAXABS, /* max |x|: norm inf */
    K_MAX,    /* largest x and its index; NaN wins */
    K_MIN,
} kind;

typedef struct acc {
    double d;    /* running float result (extremes of float32 are exact in a double) */
    int64_t l;   /* running exact integer result: int64 sums, products, integer extremes */
    int64_t idx; /* K_MAX/K_MIN: flat index of the extreme so far; -1: nothing seen */
} acc;

/* How a kernel accumulates: kind, exact integer arithmetic or double, the norm order. */
typedef struct kparams {
    kind k;
    bool exact;
    double p;
} kparams;

/* Accumulates the n elements x[0], x[s], ... (s in elements; x typed by the kernel) whose
 * first has flat index base into a; shift is K_SQDEV's centre. */
typedef void (*run_fn)(const kparams *kp, const char *x, int64_t s, int64_t n, double shift,
                       int64_t base, acc *a);

static acc acc_init(kind k)
{
    acc a = {0.0, 0, -1};
    if (k == K_PROD) {
        a.d = 1.0;
        a.l = 1;
    }
    return a;
}

/* b is better than a (an extreme seen before b): NaN first, then strictly beyond. */
static bool better(kind k, bool exact, const acc *b, const acc *a)
{
    if (b->idx < 0) return false;
    if (a->idx < 0) return true;
    if (exact) return k == K_MAX ? b->l > a->l : b->l < a->l;
    if (a->d != a->d) return false;
    if (b->d != b->d) return true;
    return k == K_MAX ? b->d > a->d : b->d < a->d;
}

/* a (covering earlier elements) absorbs b (covering later ones). */
static void combine(const kparams *kp, acc *a, const acc *b)
{
    switch (kp->k) {
    case K_PROD:
        a->d *= b->d;
        a->l = (int64_t)((uint64_t)a->l * (uint64_t)b->l);
        break;
    case K_MAXABS:
        if (b->d > a->d || b->d != b->d) a->d = a->d != a->d ? a->d : b->d;
        break;
    case K_MAX:
    case K_MIN:
        if (better(kp->k, kp->exact, b, a)) *a = *b;
        break;
    default:
        a->d += b->d;
        a->l = (int64_t)((uint64_t)a->l + (uint64_t)b->l);
        break;
    }
}

/* ---- generic kernels (any stride), one per dtype ---- */

#define RUN_GENERIC(name, T, IS_FLOAT)                                                         \
    static void name(const kparams *kp, const char *xp, int64_t s, int64_t n, double shift,   \
                     int64_t base, acc *a)                                                     \
    {                                                                                          \
        const T *x = (const T *)xp;                                                            \
        double d = a->d;                                                                       \
        uint64_t l = (uint64_t)a->l;                                                           \
        switch (kp->k) {                                                                       \
        case K_SUM:                                                                            \
            if (kp->exact)                                                                     \
                for (int64_t i = 0; i < n; i++) l += (uint64_t)(int64_t)x[i * s];              \
            else                                                                               \
                for (int64_t i = 0; i < n; i++) d += (double)x[i * s];                         \
            break;                                                                             \
        case K_PROD:                                                                           \
            if (kp->exact)                                                                     \
                for (int64_t i = 0; i < n; i++) l *= (uint64_t)(int64_t)x[i * s];              \
            else                                                                               \
                for (int64_t i = 0; i < n; i++) d *= (double)x[i * s];                         \
            break;                                                                             \
        case K_SQDEV:                                                                          \
            for (int64_t i = 0; i < n; i++) {                                                  \
                double t = (double)x[i * s] - shift;                                           \
                d += t * t;                                                                    \
            }                                                                                  \
            break;                                                                             \
        case K_ABS:                                                                            \
            for (int64_t i = 0; i < n; i++) d += fabs((double)x[i * s]);                       \
            break;                                                                             \
        case K_POW:                                                                            \
            for (int64_t i = 0; i < n; i++) d += pow(fabs((double)x[i * s]), kp->p);           \
            break;                                                                             \
        case K_NNZ:                                                                            \
            for (int64_t i = 0; i < n; i++) d += x[i * s] != 0;                                \
            break;                                                                             \
        case K_MAXABS:                                                                         \
            for (int64_t i = 0; i < n; i++) {                                                  \
                double v = fabs((double)x[i * s]);                                             \
                if (v > d || v != v) d = d != d ? d : v;                                       \
            }                                                                                  \
            break;                                                                             \
        case K_MAX:                                                                            \
        case K_MIN: {                                                                          \
            bool mx = kp->k == K_MAX;                                                          \
            int64_t idx = a->idx;                                                              \
            for (int64_t i = 0; i < n; i++) {                                                  \
                T v = x[i * s];                                                                \
                if (IS_FLOAT && idx >= 0 && d != d) break; /* a NaN is final */               \
                bool take = idx < 0 || (IS_FLOAT && v != v) ||                                 \
                            (IS_FLOAT ? (mx ? (double)v > d : (double)v < d)                   \
                                      : (mx ? (int64_t)v > (int64_t)l : (int64_t)v < (int64_t)l)); \
                if (take) {                                                                    \
                    d = (double)v;                                                             \
                    if (!IS_FLOAT) l = (uint64_t)(int64_t)v;                                   \
                    idx = base + i;                                                            \
                }                                                                              \
            }                                                                                  \
            a->idx = idx;                                                                      \
            break;                                                                             \
        }                                                                                      \
        }                                                                                      \
        a->d = d;                                                                              \
        a->l = (int64_t)l;                                                                     \
    }

RUN_GENERIC(run_generic_f32, float, true)
RUN_GENERIC(run_i64, int64_t, false)
RUN_GENERIC(run_u8, uint8_t, false)

/* ---- contiguous float32 kernels ----
 * LANES float accumulators (vector registers) sum a BLOCK, then flush into LANES double
 * accumulators: each float only ever holds BLOCK / LANES = 4 terms, so the error does not
 * grow with n (10M times 0.1f sums to the correctly rounded float), the loops vectorise
 * without -ffast-math, and cache-resident data still runs at float speed (twice a double
 * accumulation's). */

#define LANES 32
#define BLOCK 128

#define SUM_F32(name, TERM)                                                                    \
    static double name(const float *x, int64_t n, float shift)                                 \
    {                                                                                          \
        double total = 0;                                                                      \
        int64_t i = 0;                                                                         \
        if (n >= BLOCK) { /* short runs skip the lanes and their final horizontal sum */      \
            double d[LANES] = {0};                                                             \
            while (n - i >= BLOCK) {                                                           \
                float l[LANES] = {0};                                                          \
                for (int64_t end = i + BLOCK; i < end; i += LANES)                             \
                    for (int k = 0; k < LANES; k++) {                                          \
                        float v = x[i + k];                                                    \
                        l[k] += TERM;                                                          \
                    }                                                                          \
                for (int k = 0; k < LANES; k++) d[k] += l[k];                                  \
            }                                                                                  \
            for (int k = 0; k < LANES; k++) total += d[k];                                     \
        }                                                                                      \
        for (; i < n; i++) {                                                                   \
            float v = x[i];                                                                    \
            total += TERM;                                                                     \
        }                                                                                      \
        (void)shift;                                                                           \
        return total;                                                                          \
    }

SUM_F32(sum_f32, v)
SUM_F32(sqdev_f32, (v - shift) * (v - shift))

/* Extremes: the block's extreme and a NaN flag come from vector lanes; the block is
 * rescanned (from L1) only when it holds a new extreme or a NaN, to find the first index. */
#define XBLOCK 1024

#define EXTREME_F32(name, OP)                                                                  \
    static void name(const float *x, int64_t n, int64_t base, acc *a)                          \
    {                                                                                          \
        for (int64_t i = 0; i < n; i += XBLOCK) {                                              \
            if (a->idx >= 0 && a->d != a->d) return;                                           \
            int64_t len = n - i < XBLOCK ? n - i : XBLOCK, full = len / LANES * LANES;         \
            const float *b = x + i;                                                            \
            float m = b[0];                                                                    \
            int nan = 0;                                                                       \
            if (full > 0) {                                                                    \
                float lm[LANES];                                                               \
                int ln[LANES];                                                                 \
                for (int k = 0; k < LANES; k++) {                                              \
                    lm[k] = b[k];                                                              \
                    ln[k] = 0;                                                                 \
                }                                                                              \
                for (int64_t j = 0; j < full; j += LANES)                                      \
                    for (int k = 0; k < LANES; k++) {                                          \
                        float v = b[j + k];                                                    \
                        lm[k] = v OP lm[k] ? v : lm[k];                                        \
                        ln[k] |= v != v;                                                       \
                    }                                                                          \
                for (int k = 0; k < LANES; k++) {                                              \
                    m = lm[k] OP m ? lm[k] : m;                                                \
                    nan |= ln[k];                                                              \
                }                                                                              \
            }                                                                                  \
            for (int64_t j = full; j < len; j++) {                                             \
                m = b[j] OP m ? b[j] : m;                                                      \
                nan |= b[j] != b[j];                                                           \
            }                                                                                  \
            if (nan) {                                                                         \
                int64_t j = 0;                                                                 \
                while (b[j] == b[j]) j++;                                                      \
                a->d = b[j];                                                                   \
                a->idx = base + i + j;                                                         \
                return;                                                                        \
            }                                                                                  \
            if (a->idx < 0 || (double)m OP a->d) {                                             \
                int64_t j = 0;                                                                 \
                while (b[j] != m) j++;                                                         \
                a->d = m;                                                                      \
                a->idx = base + i + j;                                                         \
            }                                                                                  \
        }                                                                                      \
    }

EXTREME_F32(max_f32, >)
EXTREME_F32(min_f32, <)

static void run_f32(const kparams *kp, const char *xp, int64_t s, int64_t n, double shift,
                    int64_t base, acc *a)
{
    const float *x = (const float *)xp;
    if (s == 1) {
        switch (kp->k) {
        case K_SUM: a->d += sum_f32(x, n, 0); return;
        case K_SQDEV: a->d += sqdev_f32(x, n, (float)shift); return;
        case K_MAX: max_f32(x, n, base, a); return;
        case K_MIN: min_f32(x, n, base, a); return;
        default: break;
        }
    }
    run_generic_f32(kp, xp, s, n, shift, base, a);
}

static const run_fn run_kernels[DC_DTYPE_COUNT] = {run_f32, run_i64, run_u8};

/* ---- layout of the work ---- */

typedef struct plan {
    int ond;                       /* output dims (kept dims, coalesced) */
    int64_t oshape[DC_MAX_DIMS];
    int64_t ost[3][DC_MAX_DIMS];   /* strides of the output dims: input, values, indices */
    int rnd;                       /* reduced dims (coalesced); the last is the inner run */
    int64_t rshape[DC_MAX_DIMS];
    int64_t rst[1][DC_MAX_DIMS];   /* input strides of the reduced dims */
    int64_t nout, n;               /* output count, elements reduced into each */
} plan;

/* Merges neighbouring dims that every operand steps through as one; drops size-1 dims. */
static int coalesce(int nd, int64_t *shape, int nops, int64_t (*st)[DC_MAX_DIMS])
{
    int out = 0;
    for (int d = 0; d < nd; d++) {
        if (shape[d] == 1) continue;
        bool merge = out > 0;
        for (int k = 0; merge && k < nops; k++) merge = st[k][out - 1] == st[k][d] * shape[d];
        if (merge) {
            shape[out - 1] *= shape[d];
            for (int k = 0; k < nops; k++) st[k][out - 1] = st[k][d];
            continue;
        }
        shape[out] = shape[d];
        for (int k = 0; k < nops; k++) st[k][out] = st[k][d];
        out++;
    }
    return out;
}

/* Splits a's dims into output and reduced dims. vals/idx are the (allocated) outputs, idx
 * may be NULL. reorder: the reduced dims may be visited in memory order (no index needed). */
static void make_plan(plan *pl, const dc_tensor *a, int dim, bool keepdim, const dc_tensor *vals,
                      const dc_tensor *idx, bool reorder)
{
    memset(pl, 0, sizeof *pl);
    int od = 0;
    for (int d = 0; d < a->ndim; d++) {
        if (dim == DC_ALL_DIMS || d == dim) {
            pl->rshape[pl->rnd] = a->shape[d];
            pl->rst[0][pl->rnd++] = a->stride[d];
            if (keepdim) od++;
            continue;
        }
        pl->oshape[pl->ond] = a->shape[d];
        pl->ost[0][pl->ond] = a->stride[d];
        pl->ost[1][pl->ond] = vals->stride[od];
        pl->ost[2][pl->ond] = idx ? idx->stride[od] : 0;
        pl->ond++;
        od++;
    }
    pl->n = 1;
    for (int d = 0; d < pl->rnd; d++) pl->n *= pl->rshape[d];
    pl->nout = 1;
    for (int d = 0; d < pl->ond; d++) pl->nout *= pl->oshape[d];
    if (reorder) { /* insertion sort by decreasing stride: the innermost run is the densest */
        for (int i = 1; i < pl->rnd; i++)
            for (int j = i; j > 0 && pl->rst[0][j - 1] < pl->rst[0][j]; j--) {
                int64_t t = pl->rst[0][j];
                pl->rst[0][j] = pl->rst[0][j - 1];
                pl->rst[0][j - 1] = t;
                t = pl->rshape[j];
                pl->rshape[j] = pl->rshape[j - 1];
                pl->rshape[j - 1] = t;
            }
    }
    pl->ond = coalesce(pl->ond, pl->oshape, 3, pl->ost);
    pl->rnd = coalesce(pl->rnd, pl->rshape, 1, pl->rst);
    if (pl->rnd == 0) { /* one element (or none) per output: a run of length n */
        pl->rnd = 1;
        pl->rshape[0] = pl->n;
        pl->rst[0][0] = 1;
    }
}

/* ---- execution ---- */

typedef struct job {
    dc_reduce_op op;
    int pass;            /* var/std: 0 computes the mean into values, 1 the deviations */
    kparams kp;
    run_fn run;
    const plan *pl;
    const char *x;       /* input's first element */
    size_t esz;          /* input element size */
    char *vals, *idx;    /* outputs' first elements (idx may be NULL) */
    dc_dtype vdt;        /* values' dtype */
    const dc_reduce_cfg *cfg;
} job;

/* The value of output element vp as a double (var's pass 1 reads back the mean). */
static double load_value(const job *j, const char *vp)
{
    return j->pass == 1 ? (double)*(const float *)vp : 0.0;
}

/* Writes the finished accumulator of one output. */
static void store(const job *j, const acc *a, char *vp, char *ip)
{
    double n = (double)j->pl->n, v = a->d;
    switch (j->op) {
    case DC_REDUCE_SUM:
    case DC_REDUCE_PROD:
        if (j->kp.exact) {
            *(int64_t *)vp = a->l;
            return;
        }
        break;
    case DC_REDUCE_MEAN: v = a->d / n; break;
    case DC_REDUCE_VAR:
    case DC_REDUCE_STD:
        if (j->pass == 0) {
            v = a->d / n;
        } else {
            v = a->d / (n - (j->cfg->unbiased ? 1 : 0));
            if (j->op == DC_REDUCE_STD) v = sqrt(v);
        }
        break;
    case DC_REDUCE_NORM:
        if (j->kp.k == K_SQDEV) v = sqrt(a->d);
        else if (j->kp.k == K_POW) v = pow(a->d, 1.0 / j->kp.p);
        break;
    case DC_REDUCE_MAX:
    case DC_REDUCE_MIN:
        if (ip) *(int64_t *)ip = a->idx + j->cfg->base;
        if (j->vdt == DC_I64) *(int64_t *)vp = a->l;
        else if (j->vdt == DC_U8) *(uint8_t *)vp = (uint8_t)a->l;
        else *(float *)vp = (float)a->d;
        return;
    default: /* argmax, argmin */
        *(int64_t *)vp = a->idx + j->cfg->base;
        return;
    }
    *(float *)vp = (float)v;
}

/* Accumulates rows r0..r1-1 of the reduced space of the output whose input starts at x. */
static void reduce_rows(const job *j, const char *x, int64_t r0, int64_t r1, double shift,
                        acc *a)
{
    const plan *pl = j->pl;
    int last = pl->rnd - 1;
    int64_t len = pl->rshape[last];
    for (int64_t r = r0; r < r1; r++) {
        int64_t off = 0, q = r;
        for (int d = last - 1; d >= 0; d--) {
            off += q % pl->rshape[d] * pl->rst[0][d];
            q /= pl->rshape[d];
        }
        j->run(&j->kp, x + off * (int64_t)j->esz, pl->rst[0][last], len, shift, r * len, a);
    }
}

static int64_t row_count(const plan *pl) { return pl->n / (pl->n ? pl->rshape[pl->rnd - 1] : 1); }

#define MAX_PARTS 64

/* One output (a full reduction): the reduced space is split across threads. */
static void reduce_single(const job *j, bool parallel)
{
    const plan *pl = j->pl;
    double shift = load_value(j, j->vals);
    acc total = acc_init(j->kp.k);
    int64_t rows = row_count(pl);
    if (!parallel || pl->n == 0) {
        reduce_rows(j, j->x, 0, rows, shift, &total);
        store(j, &total, j->vals, j->idx);
        return;
    }
    int nt = omp_get_max_threads();
    if (nt > MAX_PARTS) nt = MAX_PARTS;
    acc part[MAX_PARTS];
    for (int t = 0; t < nt; t++) part[t] = acc_init(j->kp.k);
#pragma omp parallel num_threads(nt)
    {
        int t = omp_get_thread_num(), T = omp_get_num_threads();
        if (rows == 1) { /* one long run, cut at multiples of XBLOCK (cache lines, blocks) */
            int64_t len = pl->n, s = pl->rst[0][0];
            int64_t lo = len * t / T / XBLOCK * XBLOCK, hi = len * (t + 1) / T / XBLOCK * XBLOCK;
            if (t == T - 1) hi = len;
            j->run(&j->kp, j->x + lo * s * (int64_t)j->esz, s, hi - lo, shift, lo, &part[t]);
        } else {
            reduce_rows(j, j->x, rows * t / T, rows * (t + 1) / T, shift, &part[t]);
        }
    }
    for (int t = 0; t < nt; t++) combine(&j->kp, &total, &part[t]);
    store(j, &total, j->vals, j->idx);
}

/* Outputs o0..o1-1 in row order, each reduced on its own. */
static void reduce_outputs(const job *j, int64_t o0, int64_t o1)
{
    const plan *pl = j->pl;
    int64_t pos[DC_MAX_DIMS], off[3] = {0, 0, 0}, q = o0;
    for (int d = pl->ond - 1; d >= 0; d--) {
        pos[d] = q % pl->oshape[d];
        q /= pl->oshape[d];
        for (int k = 0; k < 3; k++) off[k] += pos[d] * pl->ost[k][d];
    }
    int64_t vsz = (int64_t)dc_dtype_size(j->vdt), rows = row_count(pl);
    for (int64_t o = o0; o < o1; o++) {
        char *vp = j->vals + off[1] * vsz, *ip = j->idx ? j->idx + off[2] * 8 : NULL;
        acc a = acc_init(j->kp.k);
        reduce_rows(j, j->x + off[0] * (int64_t)j->esz, 0, rows, load_value(j, vp), &a);
        store(j, &a, vp, ip);
        for (int d = pl->ond - 1; d >= 0; d--) { /* odometer step */
            for (int k = 0; k < 3; k++) off[k] += pl->ost[k][d];
            if (++pos[d] < pl->oshape[d]) break;
            for (int k = 0; k < 3; k++) off[k] -= pos[d] * pl->ost[k][d];
            pos[d] = 0;
        }
    }
}

/* Column tiles: wide enough that each row's slice is a long contiguous read (prefetchers),
 * narrow enough to give every thread a tile; the accumulators live on the stack. */
#define TILE_MIN 256
#define TILE_MAX 4096

/* sum[c] += x[r * rs + c] (or its squared deviation from shift[c]) over rows r < n: four
 * rows are added in float, then into the double (as the row kernel's lanes do), which also
 * quarters the loads and stores of sum. */
#define COLUMN_SUMS(name, TERM)                                                                \
    static void name(const float *restrict x, int64_t n, int64_t rs, int64_t w,                \
                     const float *restrict shift, double *restrict sum)                        \
    {                                                                                          \
        for (int64_t c = 0; c < w; c++) sum[c] = 0;                                            \
        int64_t r = 0;                                                                         \
        for (; r + 4 <= n; r += 4) {                                                           \
            const float *x0 = x + r * rs, *x1 = x0 + rs, *x2 = x1 + rs, *x3 = x2 + rs;         \
            for (int64_t c = 0; c < w; c++) {                                                  \
                float m = shift[c], a0 = x0[c], a1 = x1[c], a2 = x2[c], a3 = x3[c];            \
                (void)m;                                                                       \
                sum[c] += (TERM(a0, m) + TERM(a1, m)) + (TERM(a2, m) + TERM(a3, m));           \
            }                                                                                  \
        }                                                                                      \
        for (; r < n; r++)                                                                     \
            for (int64_t c = 0; c < w; c++) sum[c] += TERM(x[r * rs + c], shift[c]);           \
    }

#define PLAIN(v, m) (v)
#define SQDEV(v, m) (((v) - (m)) * ((v) - (m)))
COLUMN_SUMS(column_sum, PLAIN)
COLUMN_SUMS(column_sqdev, SQDEV)

/* best[c], at[c]: the first extreme (or first NaN) of column c over rows r < n (n >= 1) */
#define COLUMN_EXTREMES(name, OP)                                                              \
    static void name(const float *restrict x, int64_t n, int64_t rs, int64_t w,                \
                     float *restrict best, int64_t *restrict at)                               \
    {                                                                                          \
        for (int64_t c = 0; c < w; c++) {                                                      \
            best[c] = x[c];                                                                    \
            at[c] = 0;                                                                         \
        }                                                                                      \
        for (int64_t r = 1; r < n; r++)                                                        \
            for (int64_t c = 0; c < w; c++) {                                                  \
                float v = x[r * rs + c], b = best[c];                                          \
                bool take = v OP b || (v != v && b == b);                                      \
                best[c] = take ? v : b;                                                        \
                at[c] = take ? r : at[c];                                                      \
            }                                                                                  \
    }

COLUMN_EXTREMES(column_max, >)
COLUMN_EXTREMES(column_min, <)

/* Column order for float32 (sums and extremes): the reduced dim (stride rs) is walked
 * outermost while a tile of outputs, adjacent in the input, accumulate at once. */
static void reduce_columns(const job *j, bool parallel)
{
    const plan *pl = j->pl;
    int last = pl->ond - 1;
    int64_t cols = pl->oshape[last], outer = pl->nout / cols;
    int nt = parallel ? omp_get_max_threads() : 1;
    int64_t per = outer >= nt ? 1 : (nt + outer - 1) / outer; /* tiles per outer index */
    int64_t tile = ((cols + per - 1) / per + 15) / 16 * 16;
    tile = tile < TILE_MIN ? TILE_MIN : tile > TILE_MAX ? TILE_MAX : tile;
    int64_t tiles = (cols + tile - 1) / tile;
    int64_t items = outer * tiles, rs = pl->rst[0][0], n = pl->n;
    int64_t vsz = (int64_t)dc_dtype_size(j->vdt), vst = pl->ost[1][last] * vsz;
    int64_t ist = pl->ost[2][last] * 8;
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t it = 0; it < items; it++) {
        int64_t c0 = it % tiles * tile, q = it / tiles, off[3] = {0, 0, 0};
        int64_t w = cols - c0 < tile ? cols - c0 : tile;
        for (int d = last - 1; d >= 0; d--) {
            for (int k = 0; k < 3; k++) off[k] += q % pl->oshape[d] * pl->ost[k][d];
            q /= pl->oshape[d];
        }
        const float *x = (const float *)j->x + off[0] + c0;
        char *v = j->vals + off[1] * vsz + c0 * vst;
        char *ix = j->idx ? j->idx + off[2] * 8 + c0 * ist : NULL;
        double sum[TILE_MAX];
        float shift[TILE_MAX], best[TILE_MAX];
        int64_t at[TILE_MAX];
        if (j->kp.k == K_MAX || j->kp.k == K_MIN) {
            (j->kp.k == K_MAX ? column_max : column_min)(x, n, rs, w, best, at);
        } else {
            for (int64_t c = 0; c < w; c++)
                shift[c] = j->pass == 1 ? *(const float *)(v + c * vst) : 0.0f;
            (j->kp.k == K_SUM ? column_sum : column_sqdev)(x, n, rs, w, shift, sum);
        }
        for (int64_t c = 0; c < w; c++) {
            bool ext = j->kp.k == K_MAX || j->kp.k == K_MIN;
            acc a = {ext ? best[c] : sum[c], 0, ext ? at[c] : -1};
            store(j, &a, v + c * vst, ix ? ix + c * ist : NULL);
        }
    }
}

static void execute(const job *j)
{
    const plan *pl = j->pl;
    if (pl->nout == 0) return;
    bool parallel = pl->nout * pl->n >= DC_PARALLEL_MIN && omp_get_max_threads() > 1;
    kind k = j->kp.k;
    bool columns = j->run == run_f32 && (k == K_SUM || k == K_SQDEV || k == K_MAX || k == K_MIN) &&
                   pl->rnd == 1 && pl->ond > 0 && pl->ost[0][pl->ond - 1] == 1 &&
                   pl->oshape[pl->ond - 1] >= 8 && pl->rst[0][0] != 1;
    if (pl->nout == 1) {
        reduce_single(j, parallel);
    } else if (columns) {
        reduce_columns(j, parallel);
    } else if (!parallel) {
        reduce_outputs(j, 0, pl->nout);
    } else {
#pragma omp parallel
        {
            int t = omp_get_thread_num(), T = omp_get_num_threads();
            reduce_outputs(j, pl->nout * t / T, pl->nout * (t + 1) / T);
        }
    }
}

/* ---- entry points ---- */

static const char *names[DC_REDUCE_COUNT] = {
    "sum", "mean", "prod", "var", "std", "norm", "max", "min", "argmax", "argmin",
};

const char *dc_reduce_name(dc_reduce_op op)
{
    return op >= 0 && op < DC_REDUCE_COUNT ? names[op] : "reduce";
}

void dc_reduce_cfg_init(dc_reduce_cfg *cfg)
{
    cfg->dim = DC_ALL_DIMS;
    cfg->keepdim = false;
    cfg->unbiased = true;
    cfg->p = 2.0;
    cfg->base = 0;
}

static dc_dtype result_dtype(dc_reduce_op op, dc_dtype in)
{
    switch (op) {
    case DC_REDUCE_SUM:
    case DC_REDUCE_PROD: return in == DC_F32 ? DC_F32 : DC_I64;
    case DC_REDUCE_MAX:
    case DC_REDUCE_MIN: return in;
    case DC_REDUCE_ARGMAX:
    case DC_REDUCE_ARGMIN: return DC_I64;
    default: return DC_F32;
    }
}

static kind norm_kind(double p)
{
    if (p == 2) return K_SQDEV;
    if (p == 1) return K_ABS;
    if (p == 0) return K_NNZ;
    if (isinf(p)) return K_MAXABS;
    return K_POW;
}

/* Checks arguments and describes the output shape; values/indices untouched. */
static dc_status check_args(dc_reduce_op op, const dc_tensor *a, const dc_reduce_cfg *cfg,
                            int *ond, int64_t *oshape)
{
    const char *name = dc_reduce_name(op);
    char what[64], b[128];
    DC_CHECK(op >= 0 && op < DC_REDUCE_COUNT, DC_ERR_ARG, "reduce: unknown operation %d",
             (int)op);
    snprintf(what, sizeof what, "%s: input", name);
    DC_TRY(dc_tensor_check(a, what));
    int dim = cfg->dim;
    DC_CHECK(dim == DC_ALL_DIMS || (dim >= 0 && dim < a->ndim), DC_ERR_INDEX,
             "%s: dimension %d out of range for %s", name, dim + 1,
             dc_tensor_describe(a, b, sizeof b));
    if (op == DC_REDUCE_NORM)
        DC_CHECK(cfg->p >= 0, DC_ERR_ARG,
                 "%s: order p must be >= 0 (or inf), got %g", name, cfg->p);
    *ond = 0;
    int64_t n = 1, nout = 1;
    for (int d = 0; d < a->ndim; d++) {
        bool red = dim == DC_ALL_DIMS || d == dim;
        if (red) n *= a->shape[d];
        else nout *= a->shape[d];
        if (!red) oshape[(*ond)++] = a->shape[d];
        else if (cfg->keepdim) oshape[(*ond)++] = 1;
    }
    if (op >= DC_REDUCE_MAX && n == 0 && nout > 0) {
        if (dim == DC_ALL_DIMS)
            return dc_fail(DC_ERR_SHAPE, "%s: %s has no elements", name,
                           dc_tensor_describe(a, b, sizeof b));
        return dc_fail(DC_ERR_SHAPE, "%s: dimension %d of %s is empty", name, dim + 1,
                       dc_tensor_describe(a, b, sizeof b));
    }
    return DC_OK;
}

/* Runs op once the outputs are allocated with the right shape. */
static void run(dc_reduce_op op, const dc_tensor *a, const dc_reduce_cfg *cfg, dc_tensor *vals,
                dc_tensor *idx)
{
    bool with_index = op == DC_REDUCE_ARGMAX || op == DC_REDUCE_ARGMIN || idx != NULL;
    plan pl;
    make_plan(&pl, a, cfg->dim, cfg->keepdim, vals, idx, !with_index);
    job j = {
        .op = op, .run = run_kernels[a->dtype], .pl = &pl, .x = dc_tensor_data(a),
        .esz = dc_dtype_size(a->dtype), .vals = dc_tensor_data(vals),
        .idx = idx ? dc_tensor_data(idx) : NULL, .vdt = vals->dtype, .cfg = cfg,
    };
    j.kp.p = cfg->p;
    switch (op) {
    case DC_REDUCE_PROD: j.kp.k = K_PROD; break;
    case DC_REDUCE_NORM: j.kp.k = norm_kind(cfg->p); break;
    case DC_REDUCE_MAX:
    case DC_REDUCE_ARGMAX: j.kp.k = K_MAX; break;
    case DC_REDUCE_MIN:
    case DC_REDUCE_ARGMIN: j.kp.k = K_MIN; break;
    default: j.kp.k = K_SUM; break;
    }
    /* integer sums, products and extremes stay exact; everything else is computed in double */
    j.kp.exact = a->dtype != DC_F32 && result_dtype(op, a->dtype) != DC_F32;
    execute(&j);
    if (op == DC_REDUCE_VAR || op == DC_REDUCE_STD) {
        j.pass = 1;
        j.kp.k = K_SQDEV;
        execute(&j);
    }
}

dc_status dc_reduce(dc_reduce_op op, const dc_tensor *a, const dc_reduce_cfg *cfg,
                    dc_tensor *values, dc_tensor *indices)
{
    int ond = 0;
    int64_t oshape[DC_MAX_DIMS];
    DC_TRY(check_args(op, a, cfg, &ond, oshape));
    const char *name = dc_reduce_name(op);
    char what[64];
    DC_CHECK(!indices || op == DC_REDUCE_MAX || op == DC_REDUCE_MIN, DC_ERR_ARG,
             "%s: only max and min return indices", name);
    snprintf(what, sizeof what, "%s: out", name);
    DC_TRY(dc_tensor_ensure(values, result_dtype(op, a->dtype), ond, oshape, what));
    if (indices) {
        snprintf(what, sizeof what, "%s: indices", name);
        DC_TRY(dc_tensor_ensure(indices, DC_I64, ond, oshape, what));
    }
    run(op, a, cfg, values, indices);
    return DC_OK;
}

dc_status dc_reduce_scalar(dc_reduce_op op, const dc_tensor *a, const dc_reduce_cfg *cfg,
                           dc_scalar *out)
{
    dc_reduce_cfg c = *cfg;
    c.dim = DC_ALL_DIMS;
    c.keepdim = false;
    int ond = 0;
    int64_t oshape[DC_MAX_DIMS];
    DC_TRY(check_args(op, a, &c, &ond, oshape));
    /* the 0-d result lives on the stack: no allocation */
    union { float f; int64_t i; uint8_t b; } val;
    dc_storage st = {.data = &val, .nbytes = sizeof val, .flags = DC_STORAGE_BORROWED};
    atomic_init(&st.refs, 1);
    dc_tensor v = dc_tensor_empty();
    v.storage = &st;
    v.dtype = result_dtype(op, a->dtype);
    run(op, a, &c, &v, NULL);
    out->is_int = v.dtype != DC_F32;
    out->i = v.dtype == DC_I64 ? val.i : v.dtype == DC_U8 ? val.b : 0;
    out->f = v.dtype == DC_F32 ? (double)val.f : (double)out->i;
    return DC_OK;
}

/* ---- shorthands ---- */

static dc_status reduce_dim(dc_reduce_op op, const dc_tensor *a, int dim, bool keepdim,
                            dc_tensor *out, dc_tensor *indices)
{
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    cfg.dim = dim;
    cfg.keepdim = keepdim;
    return dc_reduce(op, a, &cfg, out, indices);
}

dc_status dc_sum(const dc_tensor *a, int dim, bool keepdim, dc_tensor *out)
{
    return reduce_dim(DC_REDUCE_SUM, a, dim, keepdim, out, NULL);
}

dc_status dc_mean(const dc_tensor *a, int dim, bool keepdim, dc_tensor *out)
{
    return reduce_dim(DC_REDUCE_MEAN, a, dim, keepdim, out, NULL);
}

dc_status dc_prod(const dc_tensor *a, int dim, bool keepdim, dc_tensor *out)
{
    return reduce_dim(DC_REDUCE_PROD, a, dim, keepdim, out, NULL);
}

static dc_status moment(dc_reduce_op op, const dc_tensor *a, int dim, bool unbiased,
                        bool keepdim, dc_tensor *out)
{
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    cfg.dim = dim;
    cfg.keepdim = keepdim;
    cfg.unbiased = unbiased;
    return dc_reduce(op, a, &cfg, out, NULL);
}

dc_status dc_var(const dc_tensor *a, int dim, bool unbiased, bool keepdim, dc_tensor *out)
{
    return moment(DC_REDUCE_VAR, a, dim, unbiased, keepdim, out);
}

dc_status dc_std(const dc_tensor *a, int dim, bool unbiased, bool keepdim, dc_tensor *out)
{
    return moment(DC_REDUCE_STD, a, dim, unbiased, keepdim, out);
}

dc_status dc_norm(const dc_tensor *a, double p, int dim, bool keepdim, dc_tensor *out)
{
    dc_reduce_cfg cfg;
    dc_reduce_cfg_init(&cfg);
    cfg.dim = dim;
    cfg.keepdim = keepdim;
    cfg.p = p;
    return dc_reduce(DC_REDUCE_NORM, a, &cfg, out, NULL);
}

dc_status dc_max(const dc_tensor *a, int dim, bool keepdim, dc_tensor *values,
                 dc_tensor *indices)
{
    return reduce_dim(DC_REDUCE_MAX, a, dim, keepdim, values, indices);
}

dc_status dc_min(const dc_tensor *a, int dim, bool keepdim, dc_tensor *values,
                 dc_tensor *indices)
{
    return reduce_dim(DC_REDUCE_MIN, a, dim, keepdim, values, indices);
}

dc_status dc_argmax(const dc_tensor *a, int dim, bool keepdim, dc_tensor *indices)
{
    return reduce_dim(DC_REDUCE_ARGMAX, a, dim, keepdim, indices, NULL);
}

dc_status dc_argmin(const dc_tensor *a, int dim, bool keepdim, dc_tensor *indices)
{
    return reduce_dim(DC_REDUCE_ARGMIN, a, dim, keepdim, indices, NULL);
}
