/* NT-Xent (see ntxent.h). With G = d loss / d s = (P - onehot(p)) / 2B (P the row softmax,
 * 0 on the diagonal), d loss / d u_i = sum_j (G_ij + G_ji) u_j / temperature, and through
 * the normalisation d loss / d z_i = (g_i - (u_i . g_i) u_i) / max(|z_i|, eps). The 2B x 2B
 * similarities are small next to the network (B = 256: 0.5M entries), so plain loops do. */
#include "ntxent.h"

#include <math.h>
#include <stdlib.h>

#include "../args.h"
#include "../parallel.h"

#define PAR_MIN 32768
#define NORM_EPS 1e-12

static dc_status check_pair(const dc_tensor *z1, const dc_tensor *z2, double temperature,
                            const char *op)
{
    char a[128], b[128];
    DC_TRY(dc_arg_f32(z1, 2, op, "z1", "[B, D]"));
    DC_TRY(dc_arg_f32(z2, 2, op, "z2", "[B, D]"));
    DC_CHECK(z1->shape[0] == z2->shape[0] && z1->shape[1] == z2->shape[1], DC_ERR_SHAPE,
             "%s: z1 and z2 must have the same shape [B, D], got %s and %s", op,
             dc_tensor_describe(z1, a, sizeof a), dc_tensor_describe(z2, b, sizeof b));
    DC_CHECK(z1->shape[0] >= 1 && z1->shape[1] >= 1, DC_ERR_SHAPE,
             "%s: z1 and z2 need at least one row and one column, got %s", op,
             dc_tensor_describe(z1, a, sizeof a));
    DC_CHECK(temperature > 0 && isfinite(temperature), DC_ERR_ARG,
             "%s: temperature must be a positive number, got %g", op, temperature);
    return DC_OK;
}

/* u [2B, D] = the rows of z1 then z2 over max(norm, eps); inv [2B] = 1 / max(norm, eps). */
static dc_status normalise(const dc_tensor *z1, const dc_tensor *z2, float **u_out,
                           double **inv_out, const char *op)
{
    const int64_t B = z1->shape[0], D = z1->shape[1];
    float *u = malloc(sizeof(float) * (size_t)(2 * B * D));
    double *inv = malloc(sizeof(double) * (size_t)(2 * B));
    if (!u || !inv) {
        free(u);
        free(inv);
        DC_CHECK(false, DC_ERR_NOMEM, "%s: out of memory for %lld normalised rows", op,
                 (long long)(2 * B));
    }
    const float *p1 = dc_tensor_data(z1), *p2 = dc_tensor_data(z2);
    for (int64_t i = 0; i < 2 * B; i++) {
        const float *z = i < B ? p1 + i * D : p2 + (i - B) * D;
        double s = 0;
        for (int64_t d = 0; d < D; d++) s += (double)z[d] * z[d];
        inv[i] = 1.0 / fmax(sqrt(s), NORM_EPS);
        for (int64_t d = 0; d < D; d++) u[i * D + d] = (float)(z[d] * inv[i]);
    }
    *u_out = u;
    *inv_out = inv;
    return DC_OK;
}

static int64_t partner(int64_t i, int64_t B) { return i < B ? i + B : i - B; }

dc_status dc_ntxent_forward(const dc_tensor *z1, const dc_tensor *z2, double temperature,
                            dc_tensor *prob, double *loss)
{
    const char *op = "ntxent_forward";
    DC_TRY(check_pair(z1, z2, temperature, op));
    const int64_t B = z1->shape[0], D = z1->shape[1], N = 2 * B;
    int64_t ps[2] = {N, N};
    DC_TRY(dc_arg_out(prob, DC_F32, 2, ps, op, "prob"));
    float *u;
    double *inv;
    DC_TRY(normalise(z1, z2, &u, &inv, op));
    float *P = dc_tensor_data(prob);
    const double it = 1.0 / temperature;
    double total = 0;
#pragma omp parallel for schedule(static) reduction(+ : total) if (dc_par(N * N * D, PAR_MIN))
    for (int64_t i = 0; i < N; i++) {
        float *row = P + i * N;
        const float *ui = u + i * D;
        /* the logits first, in the row itself; the largest is subtracted before exp */
        float m = -INFINITY;
        for (int64_t j = 0; j < N; j++) {
            if (j == i) continue;
            const float *uj = u + j * D;
            float s = 0;
            for (int64_t d = 0; d < D; d++) s += ui[d] * uj[d];
            row[j] = (float)(s * it);
            m = row[j] > m ? row[j] : m;
        }
        double sum = 0;
        for (int64_t j = 0; j < N; j++)
            if (j != i) sum += exp((double)(row[j] - m));
        total += (double)m + log(sum) - (double)row[partner(i, B)];
        float rs = (float)(1.0 / sum);
        for (int64_t j = 0; j < N; j++) row[j] = j == i ? 0.0f : expf(row[j] - m) * rs;
    }
    free(u);
    free(inv);
    *loss = total / (double)N;
    return DC_OK;
}

dc_status dc_ntxent_backward(const dc_tensor *z1, const dc_tensor *z2, const dc_tensor *prob,
                             double temperature, double dloss, dc_tensor *dz1, dc_tensor *dz2)
{
    const char *op = "ntxent_backward";
    DC_TRY(check_pair(z1, z2, temperature, op));
    const int64_t B = z1->shape[0], D = z1->shape[1], N = 2 * B;
    int64_t ps[2] = {N, N};
    DC_TRY(dc_arg_f32_shape(prob, 2, ps, op, "prob"));
    DC_TRY(dc_arg_out(dz1, DC_F32, 2, z1->shape, op, "dz1"));
    DC_TRY(dc_arg_out(dz2, DC_F32, 2, z1->shape, op, "dz2"));
    float *u;
    double *inv;
    DC_TRY(normalise(z1, z2, &u, &inv, op));
    const float *P = dc_tensor_data(prob);
    float *g1 = dc_tensor_data(dz1), *g2 = dc_tensor_data(dz2);
    const double scale = dloss / ((double)N * temperature);
#pragma omp parallel for schedule(static) if (dc_par(N * N * D, PAR_MIN))
    for (int64_t i = 0; i < N; i++) {
        float *g = i < B ? g1 + i * D : g2 + (i - B) * D;
        const int64_t pi = partner(i, B);
        for (int64_t d = 0; d < D; d++) g[d] = 0;
        /* g = sum_j (P_ij + P_ji) u_j - 2 u_p(i): the target is symmetric (p(p(i)) = i) */
        for (int64_t j = 0; j < N; j++) {
            if (j == i) continue;
            float c = P[i * N + j] + P[j * N + i] - (j == pi ? 2.0f : 0.0f);
            const float *uj = u + j * D;
            for (int64_t d = 0; d < D; d++) g[d] += c * uj[d];
        }
        const float *ui = u + i * D;
        double dot = 0;
        for (int64_t d = 0; d < D; d++) dot += (double)ui[d] * g[d];
        for (int64_t d = 0; d < D; d++)
            g[d] = (float)(scale * inv[i] * (g[d] - dot * ui[d]));
    }
    free(u);
    free(inv);
    return DC_OK;
}
