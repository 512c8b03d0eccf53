/* Winograd F(m x m, 3x3) (see winograd.h). With the a x a input tile d (a = m + 2) of an
 * m x m output tile and a 3x3 kernel g:  Y = A^T [ (G g G^T) .* (B^T d B) ] A.
 * Summed over input channels, the a*a elementwise products become a*a GEMMs, one per
 * position xi of the transformed tile, over the P tiles of a chunk of images:
 *   M[p][xi][co] = sum_ci V[p][xi][ci] U[xi][co][ci]
 * Channels are innermost in V and M, so both transforms run as vector loops over channels
 * (the maps of these layers are small: 7x7 to 28x28, too few tiles per row to vectorise
 * over), from a zero-padded channels-last copy of the chunk's input. The matrices are
 * Lavin & Gray's (F(4x4, 3x3) with interpolation points 0, +-1, +-2).
 * Workspace: U in scratch slot 1, the padded input in slot 0, V in slot 2, M in slot 3. */
#include "winograd.h"

#include <cblas.h>
#include <string.h>

#include "../parallel.h"
#include "scratch.h"

/* Bytes of V or M per chunk (as im2col's budget). */
#define TILE_BUDGET ((int64_t)8 << 20)
#define PAR_MIN 32768
#define AMAX 6

typedef struct wino {
    int m, a;          /* output tile m x m, input tile a x a */
    const float *G;    /* a x 3 */
} wino;

/* F(2x2, 3x3): B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A^T = [1 1 1 0; 0 1 -1 -1] */
static const float G2[] = {1, 0, 0, 0.5f, 0.5f, 0.5f, 0.5f, -0.5f, 0.5f, 0, 0, 1};

/* F(4x4, 3x3): B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
 *                     0 2 -1 -2 1 0; 0 4 0 -5 0 1],
 *              A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] */
static const float G4[] = {
    1.0f / 4, 0, 0,
    -1.0f / 6, -1.0f / 6, -1.0f / 6,
    -1.0f / 6, 1.0f / 6, -1.0f / 6,
    1.0f / 24, 1.0f / 12, 1.0f / 6,
    1.0f / 24, -1.0f / 12, 1.0f / 6,
    0, 0, 1,
};
static const wino F2 = {2, 4, G2}, F4 = {4, 6, G4};

int64_t dc_winograd_cost(int m, int64_t Ho, int64_t Wo)
{
    int64_t a = m + 2;
    return (Ho + m - 1) / m * ((Wo + m - 1) / m) * a * a;
}

/* U[xi][co][ci] = (G g G^T)[xi] for every kernel. */
static void transform_weights(const wino *f, const float *w, int64_t Co, int64_t Ci, bool adjoint,
                              float *U)
{
    const int64_t CC = Co * Ci;
    const int a = f->a;
#pragma omp parallel for schedule(static) if (dc_par(CC * a * a, PAR_MIN))
    for (int64_t k = 0; k < CC; k++) {
        int64_t co = k / Ci, ci = k % Ci;
        float g[3][3], t[AMAX][3];
        if (adjoint) { /* kernel [ci][co] of the forward layer, rotated */
            const float *src = w + (ci * Co + co) * 9;
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++) g[i][j] = src[(2 - i) * 3 + (2 - j)];
        } else {
            memcpy(g, w + k * 9, sizeof g);
        }
        for (int i = 0; i < a; i++) /* G g */
            for (int j = 0; j < 3; j++)
                t[i][j] = f->G[i * 3] * g[0][j] + f->G[i * 3 + 1] * g[1][j] + f->G[i * 3 + 2] * g[2][j];
        for (int i = 0; i < a; i++) /* (G g) G^T */
            for (int j = 0; j < a; j++)
                U[(i * a + j) * CC + k] =
                    t[i][0] * f->G[j * 3] + t[i][1] * f->G[j * 3 + 1] + t[i][2] * f->G[j * 3 + 2];
    }
}

/* Channels per block in the transforms: a block of the a*a transformed values stays in L1. */
#define CB 64

typedef struct tiling {
    int64_t H, W, Ho, Wo, th, tw; /* input, output, tiles per column and row */
    int64_t Hp, Wp;               /* the padded input: m th + 2, m tw + 2 */
    int ph, pw;
} tiling;

/* xp[b][ih][iw][c] (channels last, zero borders) from x[b][c][H][W] for nb images. */
static void pad_channels_last(const float *x, int64_t nb, int64_t C, const tiling *t, float *xp)
{
    const int64_t H = t->H, W = t->W, Hp = t->Hp, Wp = t->Wp;
#pragma omp parallel for schedule(static) if (dc_par(nb * Hp * Wp * C, PAR_MIN))
    for (int64_t bh = 0; bh < nb * Hp; bh++) {
        int64_t b = bh / Hp, r = bh % Hp, ih = r - t->ph;
        float *dst = xp + bh * Wp * C;
        if (ih < 0 || ih >= H) {
            memset(dst, 0, (size_t)(Wp * C) * sizeof(float));
            continue;
        }
        for (int64_t c0 = 0; c0 < Wp; c0++) {
            int64_t iw = c0 - t->pw;
            float *o = dst + c0 * C;
            if (iw < 0 || iw >= W) {
                memset(o, 0, (size_t)C * sizeof(float));
                continue;
            }
            const float *src = x + (b * C * H + ih) * W + iw;
            for (int64_t c = 0; c < C; c++) o[c] = src[c * H * W];
        }
    }
}

/* o[k][c] = (B^T v)[k] for n channels, v[r][c] at v + r * vs (stride of r) */
static inline __attribute__((always_inline)) void bt_vec(int a, const float *v, int64_t vs,
                                                          float *o, int64_t os, int64_t n)
{
    if (a == 4) {
        for (int64_t c = 0; c < n; c++) {
            float d0 = v[c], d1 = v[vs + c], d2 = v[2 * vs + c], d3 = v[3 * vs + c];
            o[c] = d0 - d2, o[os + c] = d1 + d2, o[2 * os + c] = d2 - d1, o[3 * os + c] = d1 - d3;
        }
    } else {
        for (int64_t c = 0; c < n; c++) {
            float d0 = v[c], d1 = v[vs + c], d2 = v[2 * vs + c], d3 = v[3 * vs + c];
            float d4 = v[4 * vs + c], d5 = v[5 * vs + c];
            o[c] = 4 * d0 - 5 * d2 + d4;
            o[os + c] = -4 * (d1 + d2) + d3 + d4;
            o[2 * os + c] = 4 * (d1 - d2) - d3 + d4;
            o[3 * os + c] = 2 * (d3 - d1) - d2 + d4;
            o[4 * os + c] = 2 * (d1 - d3) - d2 + d4;
            o[5 * os + c] = 4 * d1 - 5 * d3 + d5;
        }
    }
}

/* o[r][c] = (A^T v)[r] for n channels (a inputs, a - 2 outputs) */
static inline __attribute__((always_inline)) void at_vec(int a, const float *v, int64_t vs,
                                                          float *o, int64_t os, int64_t n)
{
    if (a == 4) {
        for (int64_t c = 0; c < n; c++) {
            float m0 = v[c], m1 = v[vs + c], m2 = v[2 * vs + c], m3 = v[3 * vs + c];
            o[c] = m0 + m1 + m2, o[os + c] = m1 - m2 - m3;
        }
    } else {
        for (int64_t c = 0; c < n; c++) {
            float m0 = v[c], m1 = v[vs + c], m2 = v[2 * vs + c], m3 = v[3 * vs + c];
            float m4 = v[4 * vs + c], m5 = v[5 * vs + c];
            float p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4;
            o[c] = m0 + p12 + p34;
            o[os + c] = d12 + 2 * d34;
            o[2 * os + c] = p12 + 4 * p34;
            o[3 * os + c] = d12 + 8 * d34 + m5;
        }
    }
}

/* V[p][xi][ci] = (B^T d B)[xi] for every tile p = (b * th + ti) * tw + tj of the padded
 * channels-last input xp; always inlined with a constant a. */
static inline __attribute__((always_inline)) void
transform_input_a(const int a, const float *xp, int64_t nb, int64_t Ci, const tiling *t, float *V)
{
    const int m = a - 2;
    const int64_t T = t->th * t->tw, P = nb * T, Wp = t->Wp, Hp = t->Hp;
#pragma omp parallel for schedule(static) if (dc_par(P * a * a * Ci, PAR_MIN))
    for (int64_t p = 0; p < P; p++) {
        int64_t b = p / T, ti = p % T / t->tw, tj = p % t->tw;
        const float *d = xp + ((b * Hp + m * ti) * Wp + m * tj) * Ci;
        float *out = V + p * a * a * Ci;
        float u[AMAX * AMAX * CB];
        for (int64_t c0 = 0; c0 < Ci; c0 += CB) {
            int64_t n = Ci - c0 < CB ? Ci - c0 : CB;
            for (int s = 0; s < a; s++) /* B^T d down each column s: u[k][s][c] */
                bt_vec(a, d + s * Ci + c0, Wp * Ci, u + s * CB, a * CB, n);
            for (int k = 0; k < a; k++) /* (B^T d) B along each row k */
                bt_vec(a, u + k * a * CB, CB, out + k * a * Ci + c0, Ci, n);
        }
    }
}

static void transform_input(int m, const float *xp, int64_t nb, int64_t Ci, const tiling *t,
                            float *V)
{
    if (m == 4) transform_input_a(6, xp, nb, Ci, t, V);
    else transform_input_a(4, xp, nb, Ci, t, V);
}

/* y (nb images, NCHW) = A^T M A per tile, + bias, clipped to Ho x Wo. */
static inline __attribute__((always_inline)) void
transform_output_a(const int a, const float *M, int64_t nb, int64_t Co, const tiling *t,
                   const float *bias, float *y)
{
    const int m = a - 2;
    const int64_t T = t->th * t->tw, P = nb * T, Ho = t->Ho, Wo = t->Wo;
#pragma omp parallel for schedule(static) if (dc_par(P * a * a * Co, PAR_MIN))
    for (int64_t p = 0; p < P; p++) {
        int64_t b = p / T, ti = p % T / t->tw, tj = p % t->tw;
        const float *src = M + p * a * a * Co;
        float u[4 * AMAX * CB], o[4 * 4 * CB];
        const int64_t oh0 = m * ti, ow0 = m * tj;
        const int rows = Ho - oh0 < m ? (int)(Ho - oh0) : m, cols = Wo - ow0 < m ? (int)(Wo - ow0) : m;
        for (int64_t c0 = 0; c0 < Co; c0 += CB) {
            int64_t n = Co - c0 < CB ? Co - c0 : CB;
            for (int s = 0; s < a; s++) /* A^T M down each column s: u[r][s][c] */
                at_vec(a, src + s * Co + c0, a * Co, u + s * CB, a * CB, n);
            for (int r = 0; r < m; r++) /* (A^T M) A along each row r: o[r][q][c] */
                at_vec(a, u + r * a * CB, CB, o + r * m * CB, CB, n);
            for (int64_t c = 0; c < n; c++) {
                float *dst = y + ((b * Co + c0 + c) * Ho + oh0) * Wo + ow0;
                float bv = bias ? bias[c0 + c] : 0.0f;
                for (int r = 0; r < rows; r++)
                    for (int q = 0; q < cols; q++) dst[r * Wo + q] = o[(r * m + q) * CB + c] + bv;
            }
        }
    }
}

static void transform_output(int m, const float *M, int64_t nb, int64_t Co, const tiling *t,
                             const float *bias, float *y)
{
    if (m == 4) transform_output_a(6, M, nb, Co, t, bias, y);
    else transform_output_a(4, M, nb, Co, t, bias, y);
}

dc_status dc_winograd3x3(int m, const float *x, int64_t N, int64_t Ci, int64_t H, int64_t W,
                         const float *w, const float *b, int64_t Co, int ph, int pw,
                         bool adjoint, float *y)
{
    const wino *f = m == 4 ? &F4 : &F2;
    const int64_t a2 = f->a * f->a;
    tiling t = {H, W, H + 2 * ph - 2, W + 2 * pw - 2, 0, 0, 0, 0, ph, pw};
    t.th = (t.Ho + f->m - 1) / f->m, t.tw = (t.Wo + f->m - 1) / f->m;
    t.Hp = f->m * t.th + 2, t.Wp = f->m * t.tw + 2;
    const int64_t T = t.th * t.tw, widest = Ci > Co ? Ci : Co;
    int64_t nb = TILE_BUDGET / (a2 * widest * T * (int64_t)sizeof(float));
    nb = nb < 1 ? 1 : nb > N ? N : nb;
    float *U = dc_scratch(1, (size_t)(a2 * Co * Ci));
    float *XP = dc_scratch(0, (size_t)(nb * t.Hp * t.Wp * Ci));
    float *V = dc_scratch(2, (size_t)(a2 * Ci * nb * T));
    float *M = dc_scratch(3, (size_t)(a2 * Co * nb * T));
    if (!U || !XP || !V || !M)
        return dc_fail(DC_ERR_NOMEM, "conv2d: out of memory for the Winograd workspace");
    transform_weights(f, w, Co, Ci, adjoint, U);
    for (int64_t b0 = 0; b0 < N; b0 += nb) {
        int64_t n = N - b0 < nb ? N - b0 : nb, P = n * T;
        pad_channels_last(x + b0 * Ci * H * W, n, Ci, &t, XP);
        transform_input(f->m, XP, n, Ci, &t, V);
        for (int64_t xi = 0; xi < a2; xi++) /* M[.][xi][.] (P x Co) = V[.][xi][.] U[xi]^T */
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)P, (int)Co, (int)Ci, 1.0f,
                        V + xi * Ci, (int)(a2 * Ci), U + xi * Co * Ci, (int)Ci, 0.0f,
                        M + xi * Co, (int)(a2 * Co));
        transform_output(f->m, M, n, Co, &t, b, y + b0 * Co * t.Ho * t.Wo);
    }
    return DC_OK;
}
