/* Winograd F(2x2, 3x3) (see winograd.h). With the 4x4 input tile d of a 2x2 output tile and
 * a 3x3 kernel g:  Y = A^T [ (G g G^T) .* (B^T d B) ] A,  where
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 * Summed over input channels, the 16 elementwise products become 16 GEMMs
 *   M[xi] (Co x P) = U[xi] (Co x Ci) . V[xi] (Ci x P),  P = tiles of a chunk of images.
 * Workspace: U in scratch slot 1, V in slot 2, M in slot 3 (slot 0 stays im2col's). */
#include "winograd.h"

#include <cblas.h>
#include <string.h>

#include "scratch.h"

/* Bytes of V or M per chunk (as im2col's budget). */
#define TILE_BUDGET ((int64_t)32 << 20)
#define PAR_MIN 32768

/* U[xi][co][ci] = (G g G^T)[xi] for every kernel. */
static void transform_weights(const float *w, int64_t Co, int64_t Ci, bool adjoint, float *U)
{
    const int64_t CC = Co * Ci;
#pragma omp parallel for schedule(static) if (CC * 16 > PAR_MIN)
    for (int64_t k = 0; k < CC; k++) {
        int64_t co = k / Ci, ci = k % Ci;
        float g[3][3], t[4][3];
        if (adjoint) { /* kernel [ci][co] of the forward layer, rotated */
            const float *src = w + (ci * Co + co) * 9;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) g[i][j] = src[(2 - i) * 3 + (2 - j)];
        } else {
            memcpy(g, w + k * 9, sizeof g);
        }
        for (int j = 0; j < 3; j++) {
            t[0][j] = g[0][j];
            t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
            t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
            t[3][j] = g[2][j];
        }
        for (int i = 0; i < 4; i++) {
            float u[4] = {t[i][0], 0.5f * (t[i][0] + t[i][1] + t[i][2]),
                          0.5f * (t[i][0] - t[i][1] + t[i][2]), t[i][2]};
            for (int j = 0; j < 4; j++) U[(i * 4 + j) * CC + k] = u[j];
        }
    }
}

typedef struct tiling {
    int64_t H, W, Ho, Wo, th, tw; /* input, output, tiles per column and row */
    int ph, pw;
} tiling;

/* V[xi][ci][p] = (B^T d B)[xi] for the nb images at x; p = (b * th + ti) * tw + tj.
 * A row of tiles at a time: the 4 input rows (zero-padded) get B^T down the columns, all
 * columns at once, then B along each tile; both loops run over contiguous memory. */
static void transform_input(const float *x, int64_t nb, int64_t Ci, const tiling *t, float *V)
{
    const int64_t P = nb * t->th * t->tw, H = t->H, W = t->W, planes = nb * Ci;
    const int64_t Wp = 2 * t->tw + 2, step = Ci * P, tw = t->tw;
#pragma omp parallel for schedule(static) if (planes * H * W > PAR_MIN)
    for (int64_t bc = 0; bc < planes; bc++) {
        int64_t b = bc / Ci, ci = bc % Ci;
        const float *src = x + bc * H * W;
        float *dst = V + ci * P + b * t->th * tw;
        float d[4][Wp], u[4][Wp];
        for (int64_t ti = 0; ti < t->th; ti++) {
            for (int r = 0; r < 4; r++) { /* padded input row 2 ti - ph + r (Wp >= pw + W) */
                int64_t ih = 2 * ti - t->ph + r;
                if (ih < 0 || ih >= H) {
                    memset(d[r], 0, sizeof d[r]);
                    continue;
                }
                memset(d[r], 0, (size_t)t->pw * sizeof(float));
                memcpy(d[r] + t->pw, src + ih * W, (size_t)W * sizeof(float));
                memset(d[r] + t->pw + W, 0, (size_t)(Wp - t->pw - W) * sizeof(float));
            }
            for (int64_t c = 0; c < Wp; c++) { /* B^T d */
                u[0][c] = d[0][c] - d[2][c];
                u[1][c] = d[1][c] + d[2][c];
                u[2][c] = d[2][c] - d[1][c];
                u[3][c] = d[1][c] - d[3][c];
            }
            float *o = dst + ti * tw;
            for (int k = 0; k < 4; k++) { /* (B^T d) B, tile by tile */
                const float *uk = u[k];
                float *o0 = o + (4 * k) * step, *o1 = o0 + step, *o2 = o1 + step, *o3 = o2 + step;
                for (int64_t tj = 0; tj < tw; tj++) {
                    const float *q = uk + 2 * tj;
                    o0[tj] = q[0] - q[2];
                    o1[tj] = q[1] + q[2];
                    o2[tj] = q[2] - q[1];
                    o3[tj] = q[1] - q[3];
                }
            }
        }
    }
}

/* y (nb images) = A^T M A per tile, + bias, clipped to Ho x Wo; a row of tiles at a time:
 * A^T down the 16 planes (contiguous over the tiles), then A along each tile. */
static void transform_output(const float *M, int64_t nb, int64_t Co, const tiling *t,
                             const float *bias, float *y)
{
    const int64_t T = t->th * t->tw, P = nb * T, Ho = t->Ho, Wo = t->Wo, planes = nb * Co;
    const int64_t step = Co * P, tw = t->tw;
#pragma omp parallel for schedule(static) if (planes * Ho * Wo > PAR_MIN)
    for (int64_t bo = 0; bo < planes; bo++) {
        int64_t b = bo / Co, co = bo % Co;
        const float *src = M + co * P + b * T;
        float *dst = y + bo * Ho * Wo, bv = bias ? bias[co] : 0.0f;
        float u[2][4][tw], row[2][2 * tw];
        for (int64_t ti = 0; ti < t->th; ti++) {
            const float *m = src + ti * tw;
            for (int s = 0; s < 4; s++) { /* A^T m */
                const float *restrict m0 = m + s * step, *restrict m1 = m0 + 4 * step;
                const float *restrict m2 = m1 + 4 * step, *restrict m3 = m2 + 4 * step;
                float *restrict u0 = u[0][s], *restrict u1 = u[1][s];
                for (int64_t tj = 0; tj < tw; tj++) {
                    u0[tj] = m0[tj] + m1[tj] + m2[tj];
                    u1[tj] = m1[tj] - m2[tj] - m3[tj];
                }
            }
            for (int r = 0; r < 2; r++) /* (A^T m) A */
                for (int64_t tj = 0; tj < tw; tj++) {
                    row[r][2 * tj] = u[r][0][tj] + u[r][1][tj] + u[r][2][tj] + bv;
                    row[r][2 * tj + 1] = u[r][1][tj] - u[r][2][tj] - u[r][3][tj] + bv;
                }
            for (int r = 0; r < 2 && 2 * ti + r < Ho; r++)
                memcpy(dst + (2 * ti + r) * Wo, row[r], (size_t)Wo * sizeof(float));
        }
    }
}

dc_status dc_winograd3x3(const float *x, int64_t N, int64_t Ci, int64_t H, int64_t W,
                         const float *w, const float *b, int64_t Co, int ph, int pw,
                         bool adjoint, float *y)
{
    tiling t = {H, W, H + 2 * ph - 2, W + 2 * pw - 2, 0, 0, ph, pw};
    t.th = (t.Ho + 1) / 2, t.tw = (t.Wo + 1) / 2;
    const int64_t T = t.th * t.tw, widest = Ci > Co ? Ci : Co;
    int64_t nb = TILE_BUDGET / (16 * widest * T * (int64_t)sizeof(float));
    nb = nb < 1 ? 1 : nb > N ? N : nb;
    float *U = dc_scratch(1, (size_t)(16 * Co * Ci));
    float *V = dc_scratch(2, (size_t)(16 * Ci * nb * T));
    float *M = dc_scratch(3, (size_t)(16 * Co * nb * T));
    if (!U || !V || !M) return dc_fail(DC_ERR_NOMEM, "conv2d: out of memory for the Winograd workspace");
    transform_weights(w, Co, Ci, adjoint, U);
    for (int64_t b0 = 0; b0 < N; b0 += nb) {
        int64_t n = N - b0 < nb ? N - b0 : nb, P = n * T;
        transform_input(x + b0 * Ci * H * W, n, Ci, &t, V);
        for (int xi = 0; xi < 16; xi++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)Co, (int)P, (int)Ci, 1.0f,
                        U + xi * Co * Ci, (int)Ci, V + xi * Ci * P, (int)P, 0.0f, M + xi * Co * P,
                        (int)P);
        transform_output(M, n, Co, &t, b, y + b0 * Co * t.Ho * t.Wo);
    }
    return DC_OK;
}
