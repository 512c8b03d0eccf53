/* SCAN's loss (see scan_loss.h). With r_i = softmax(a_i + n_i) = p_i * q_i / <p_i, q_i>:
 *   d consistency / d a_i = (p_i - r_i) / B,  d consistency / d n_i = (q_i - r_i) / B,
 *   d entropy / d a_ij = -p_ij (log m_j - sum_k p_ik log m_k) / B.
 * log <p_i, q_i> = logsumexp(a_i + n_i) - logsumexp(a_i) - logsumexp(n_i) and r_i is a
 * softmax of its own, so both stay exact however confident and disagreeing the two rows
 * are (the product p * q would underflow). An empty cluster (m_k = 0) adds nothing to the
 * entropy (0 log 0 = 0) and, since then p_ik = 0 for every i, nothing to the gradient.
 * B x K is tiny next to the network: plain loops, in double. */
#include "scan_loss.h"

#include <math.h>
#include <stdlib.h>

#include "../args.h"

static dc_status check(const dc_tensor *a, const dc_tensor *n, double entropy_weight,
                       const char *op)
{
    char x[128], y[128];
    DC_TRY(dc_arg_f32(a, 2, op, "anchors", "[B, K]"));
    DC_TRY(dc_arg_f32(n, 2, op, "neighbors", "[B, K]"));
    DC_CHECK(a->shape[0] == n->shape[0], DC_ERR_SHAPE,
             "%s: anchors and neighbors must have the same number of rows B, got %s and %s",
             op, dc_tensor_describe(a, x, sizeof x), dc_tensor_describe(n, y, sizeof y));
    DC_CHECK(a->shape[1] == n->shape[1], DC_ERR_SHAPE,
             "%s: anchors and neighbors must have the same number of clusters K, got %s and "
             "%s", op, dc_tensor_describe(a, x, sizeof x), dc_tensor_describe(n, y, sizeof y));
    DC_CHECK(a->shape[0] >= 1 && a->shape[1] >= 1, DC_ERR_SHAPE,
             "%s: anchors need at least one row and one cluster, got %s", op,
             dc_tensor_describe(a, x, sizeof x));
    DC_CHECK(entropy_weight >= 0 && isfinite(entropy_weight), DC_ERR_ARG,
             "%s: entropy_weight must be a number >= 0, got %g", op, entropy_weight);
    return DC_OK;
}

/* p = softmax(a + n) of one row of K (n NULL: of a alone); returns the logsumexp. */
static double softmax_row(const float *a, const float *n, int64_t K, double *p)
{
    double m = -INFINITY;
    for (int64_t k = 0; k < K; k++) {
        p[k] = (double)a[k] + (n ? n[k] : 0.0);
        m = fmax(m, p[k]);
    }
    double sum = 0;
    for (int64_t k = 0; k < K; k++) sum += p[k] = exp(p[k] - m);
    for (int64_t k = 0; k < K; k++) p[k] /= sum;
    return m + log(sum);
}

/* The shared work of both calls: the mean anchor prediction m [K] and, when p is given
 * ([B, K] of double), every anchor's softmax. Returns the consistency term. */
static double pass(const float *a, const float *n, int64_t B, int64_t K, double *m, double *p,
                   double *row)
{
    double cons = 0;
    for (int64_t k = 0; k < K; k++) m[k] = 0;
    for (int64_t i = 0; i < B; i++) {
        double *pi = p ? p + i * K : row;
        double la = softmax_row(a + i * K, NULL, K, pi);
        double ln = softmax_row(n + i * K, NULL, K, row + K);
        double lj = softmax_row(a + i * K, n + i * K, K, row + 2 * K);
        cons -= lj - la - ln;
        for (int64_t k = 0; k < K; k++) m[k] += pi[k];
    }
    for (int64_t k = 0; k < K; k++) m[k] /= (double)B;
    return cons / (double)B;
}

dc_status dc_scan_loss_forward(const dc_tensor *anchors, const dc_tensor *neighbors,
                               double entropy_weight, dc_scan_terms *terms)
{
    const char *op = "scan_loss_forward";
    DC_TRY(check(anchors, neighbors, entropy_weight, op));
    const int64_t B = anchors->shape[0], K = anchors->shape[1];
    double *m = malloc(sizeof(double) * (size_t)(4 * K));
    DC_CHECK(m, DC_ERR_NOMEM, "%s: out of memory for %lld clusters", op, (long long)K);
    terms->consistency = pass(dc_tensor_data(anchors), dc_tensor_data(neighbors), B, K, m,
                              NULL, m + K);
    double ent = 0;
    for (int64_t k = 0; k < K; k++)
        if (m[k] > 0) ent -= m[k] * log(m[k]);
    free(m);
    terms->entropy = ent;
    terms->loss = terms->consistency - entropy_weight * ent;
    return DC_OK;
}

dc_status dc_scan_loss_backward(const dc_tensor *anchors, const dc_tensor *neighbors,
                                double entropy_weight, double dloss, dc_tensor *da,
                                dc_tensor *dn)
{
    const char *op = "scan_loss_backward";
    DC_TRY(check(anchors, neighbors, entropy_weight, op));
    const int64_t B = anchors->shape[0], K = anchors->shape[1];
    DC_TRY(dc_arg_out(da, DC_F32, 2, anchors->shape, op, "da"));
    DC_TRY(dc_arg_out(dn, DC_F32, 2, anchors->shape, op, "dn"));
    double *m = malloc(sizeof(double) * (size_t)(4 * K + B * K));
    DC_CHECK(m, DC_ERR_NOMEM, "%s: out of memory for %lld x %lld probabilities", op,
             (long long)B, (long long)K);
    double *row = m + K, *q = row + K, *r = q + K, *P = r + K;
    const float *a = dc_tensor_data(anchors), *n = dc_tensor_data(neighbors);
    pass(a, n, B, K, m, P, row);
    for (int64_t k = 0; k < K; k++) m[k] = m[k] > 0 ? log(m[k]) : 0; /* now log m */
    float *ga = dc_tensor_data(da), *gn = dc_tensor_data(dn);
    const double scale = dloss / (double)B;
    for (int64_t i = 0; i < B; i++) {
        const double *p = P + i * K;
        softmax_row(n + i * K, NULL, K, q);
        softmax_row(a + i * K, n + i * K, K, r);
        double plogm = 0;
        for (int64_t k = 0; k < K; k++) plogm += p[k] * m[k];
        for (int64_t k = 0; k < K; k++) {
            double dent = -p[k] * (m[k] - plogm);
            ga[i * K + k] = (float)(scale * (p[k] - r[k] - entropy_weight * dent));
            gn[i * K + k] = (float)(scale * (q[k] - r[k]));
        }
    }
    free(m);
    return DC_OK;
}
