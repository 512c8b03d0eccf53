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

/* V[xi][ci][p] = (B^T d B)[xi] for the nb images at x; p = (b * th + ti) * tw + tj. */
static void transform_input(const float *x, int64_t nb, int64_t Ci, const tiling *t, float *V)
{
    const int64_t P = nb * t->th * t->tw, H = t->H, W = t->W, planes = nb * Ci;
#pragma omp parallel for schedule(static) if (planes * H * W > PAR_MIN)
    for (int64_t bc = 0; bc < planes; bc++) {
        int64_t b = bc / Ci, ci = bc % Ci;
        const float *src = x + bc * H * W;
        float *dst = V + ci * P + b * t->th * t->tw;
        for (int64_t ti = 0; ti < t->th; ti++)
            for (int64_t tj = 0; tj < t->tw; tj++) {
                float d[4][4], u[4][4];
                int64_t r0 = 2 * ti - t->ph, c0 = 2 * tj - t->pw;
                bool inside = r0 >= 0 && c0 >= 0 && r0 + 4 <= H && c0 + 4 <= W;
                for (int r = 0; r < 4; r++)
                    for (int s = 0; s < 4; s++) {
                        int64_t ih = r0 + r, iw = c0 + s;
                        d[r][s] = inside || (ih >= 0 && ih < H && iw >= 0 && iw < W)
                                      ? src[ih * W + iw] : 0.0f;
                    }
                for (int s = 0; s < 4; s++) { /* B^T d */
                    u[0][s] = d[0][s] - d[2][s];
                    u[1][s] = d[1][s] + d[2][s];
                    u[2][s] = d[2][s] - d[1][s];
                    u[3][s] = d[1][s] - d[3][s];
                }
                const int64_t p = ti * t->tw + tj, step = Ci * P;
                for (int r = 0; r < 4; r++) { /* (B^T d) B */
                    float *o = dst + p + (int64_t)r * 4 * step;
                    o[0] = u[r][0] - u[r][2];
                    o[step] = u[r][1] + u[r][2];
                    o[2 * step] = u[r][2] - u[r][1];
                    o[3 * step] = u[r][1] - u[r][3];
                }
            }
    }
}

/* y (nb images) = A^T M A per tile, + bias, clipped to Ho x Wo. */
static void transform_output(const float *M, int64_t nb, int64_t Co, const tiling *t,
                             const float *bias, float *y)
{
    const int64_t T = t->th * t->tw, P = nb * T, Ho = t->Ho, Wo = t->Wo, planes = nb * Co;
#pragma omp parallel for schedule(static) if (planes * Ho * Wo > PAR_MIN)
    for (int64_t bo = 0; bo < planes; bo++) {
        int64_t b = bo / Co, co = bo % Co;
        const float *src = M + co * P + b * T;
        float *dst = y + bo * Ho * Wo, bv = bias ? bias[co] : 0.0f;
        const int64_t step = Co * P;
        for (int64_t ti = 0; ti < t->th; ti++)
            for (int64_t tj = 0; tj < t->tw; tj++) {
                const int64_t p = ti * t->tw + tj;
                float m[4][4], u[2][4];
                for (int xi = 0; xi < 16; xi++) m[xi / 4][xi % 4] = src[p + xi * step];
                for (int s = 0; s < 4; s++) { /* A^T m */
                    u[0][s] = m[0][s] + m[1][s] + m[2][s];
                    u[1][s] = m[1][s] - m[2][s] - m[3][s];
                }
                for (int r = 0; r < 2; r++) {
                    int64_t oh = 2 * ti + r;
                    if (oh >= Ho) break;
                    float v0 = u[r][0] + u[r][1] + u[r][2] + bv;
                    float v1 = u[r][1] - u[r][2] - u[r][3] + bv;
                    dst[oh * Wo + 2 * tj] = v0;
                    if (2 * tj + 1 < Wo) dst[oh * Wo + 2 * tj + 1] = v1;
                }
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
