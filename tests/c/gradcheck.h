/* Helpers of the layer tests: deterministic random fills and a finite-difference gradient
 * check against a double-precision reference.
 *
 * The check perturbs one float element at a time by +-h and differentiates the reference
 * loss (computed in double from the float inputs), so the numeric side has no float32
 * round-off and the tolerance can be tight. The analytic side is the kernel's backward. */
#ifndef GRADCHECK_H
#define GRADCHECK_H

#include <stdint.h>
#include <stdlib.h>

#include "tiny_test.h"

/* A small LCG: the tests must not depend on the engine's generator. */
static uint64_t gc_state = 88172645463325252ull;
static inline void gc_seed(uint64_t s) { gc_state = s * 6364136223846793005ull + 1442695040888963407ull; }
static inline double gc_uniform(void)
{
    gc_state = gc_state * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(gc_state >> 11) / 9007199254740992.0;
}

static inline float *gc_f(const dc_tensor *t) { return (float *)dc_tensor_data(t); }

/* max |a - b| / max |b| over two float32 tensors of b's size: a kernel path against its
 * reference, relative to the reference's scale. */
static inline double gc_rel_err(const dc_tensor *a, const dc_tensor *b)
{
    double e = 0, m = 0;
    for (int64_t i = 0; i < dc_tensor_numel(b); i++) {
        e = fmax(e, fabs(gc_f(a)[i] - gc_f(b)[i]));
        m = fmax(m, fabs(gc_f(b)[i]));
    }
    return m > 0 ? e / m : e;
}

/* t = a new float32 tensor of the given shape, uniform in [lo, hi). */
static inline dc_tensor gc_rand(int ndim, const int64_t *shape, double lo, double hi)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_F32, ndim, shape));
    int64_t n = dc_tensor_numel(&t);
    for (int64_t i = 0; i < n; i++) gc_f(&t)[i] = (float)(lo + (hi - lo) * gc_uniform());
    return t;
}

static inline dc_tensor gc_zeros(int ndim, const int64_t *shape)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, ndim, shape));
    return t;
}

/* Compares float tensor got with a double array want: |got - want| <= tol * max(1, |want|). */
static inline void gc_compare(const char *what, const dc_tensor *got, const double *want, double tol)
{
    int64_t n = dc_tensor_numel(got);
    int bad = 0;
    for (int64_t i = 0; i < n && bad < 3; i++) {
        double g = gc_f(got)[i], w = want[i];
        if (!(fabs(g - w) <= tol * fmax(1.0, fabs(w)))) {
            TT_REPORT("%s[%lld] = %.9g, expected %.9g", what, (long long)i, g, w);
            bad++;
        }
    }
}

/* The reference loss of the current inputs, in double. */
typedef double (*gc_loss_fn)(void *ctx);

/* For up to ~80 elements i of t (spread over the tensor), checks grad[i] against the central
 * difference of loss with respect to t[i]. */
static inline void gc_check(const char *what, dc_tensor *t, const dc_tensor *grad, gc_loss_fn loss,
                     void *ctx, double h, double tol)
{
    int64_t n = dc_tensor_numel(t), step = n > 80 ? n / 80 : 1;
    float *p = gc_f(t);
    int bad = 0;
    for (int64_t i = (n > 80 ? step / 2 : 0); i < n && bad < 3; i += step) {
        float old = p[i];
        p[i] = (float)(old + h);
        double xp = p[i], lp = loss(ctx);
        p[i] = (float)(old - h);
        double xm = p[i], lm = loss(ctx);
        p[i] = old;
        double num = (lp - lm) / (xp - xm), got = gc_f(grad)[i];
        if (!(fabs(got - num) <= tol * fmax(1.0, fabs(num)))) {
            TT_REPORT("d loss / d %s[%lld]: analytic %.9g, numeric %.9g", what, (long long)i,
                      got, num);
            bad++;
        }
    }
}

/* sum_i a[i] * r[i] with r a float tensor: the projection that turns an output into a loss. */
static inline double gc_dot(const double *a, const dc_tensor *r)
{
    double s = 0;
    int64_t n = dc_tensor_numel(r);
    for (int64_t i = 0; i < n; i++) s += a[i] * gc_f(r)[i];
    return s;
}

/* The reference forward of a layer test: its outputs, in a fresh malloc'd double array. */
typedef double *(*gc_forward_fn)(const void *ctx);

/* The loss of the layer tests: sum_i y[i] * r[i], with y = forward(ctx) the reference
 * outputs and r a fixed random projection, so every output's gradient takes part. */
typedef struct gc_projection {
    gc_forward_fn forward;
    const void *ctx;
    const dc_tensor *r;
} gc_projection;

static inline double gc_projected_loss(void *projection)
{
    const gc_projection *p = projection;
    double *y = p->forward(p->ctx);
    double l = gc_dot(y, p->r);
    free(y);
    return l;
}

/* gc_check of the projected loss: grad must be d (sum_i forward(ctx)[i] * r[i]) / d t. */
static inline void gc_check_projected(const char *what, dc_tensor *t, const dc_tensor *grad,
                                      gc_forward_fn forward, const void *ctx,
                                      const dc_tensor *r, double h, double tol)
{
    gc_projection p = {forward, ctx, r};
    gc_check(what, t, grad, gc_projected_loss, &p, h, tol);
}

#endif
