/* Grayscale + Sobel (see sobel.h), one image per iteration: the gray plane goes to the
 * workspace, then each output pixel reads its 3x3 gray neighbourhood. */
#include "sobel.h"

#include "../args.h"
#include "../parallel.h"
#include "scratch.h"

#define PAR_MIN 16384

static const float GX[3][3] = {{1, 0, -1}, {2, 0, -2}, {1, 0, -1}};
static const float GY[3][3] = {{1, 2, 1}, {0, 0, 0}, {-1, -2, -1}};

static dc_status check(const dc_tensor *x, const char *op)
{
    char a[128];
    DC_TRY(dc_arg_f32(x, 4, op, "x", "[N, C, H, W]"));
    DC_CHECK(x->shape[1] == 1 || x->shape[1] == 3, DC_ERR_SHAPE,
             "%s: expected 1 (gray) or 3 (RGB) channels, got x %s", op,
             dc_tensor_describe(x, a, sizeof a));
    return DC_OK;
}

dc_status dc_sobel_forward(const dc_tensor *x, dc_tensor *y)
{
    const char *op = "sobel_forward";
    DC_TRY(check(x, op));
    const int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int64_t ys[4] = {N, 2, H, W};
    DC_TRY(dc_arg_out(y, DC_F32, 4, ys, op, "y"));
    float *gray = dc_scratch(0, (size_t)(N * H * W));
    DC_CHECK(gray || N * H * W == 0, DC_ERR_NOMEM, "%s: out of memory for the gray image", op);
    const float *xp = dc_tensor_data(x);
    float *yp = dc_tensor_data(y);
    const float inv = 1.0f / (float)C;
#pragma omp parallel for schedule(static) if (dc_par(N * H * W, PAR_MIN))
    for (int64_t n = 0; n < N; n++) {
        float *g = gray + n * H * W;
        const float *src = xp + n * C * H * W;
        for (int64_t p = 0; p < H * W; p++) {
            float s = 0;
            for (int64_t c = 0; c < C; c++) s += src[c * H * W + p];
            g[p] = C == 1 ? s : s * inv;
        }
        float *gx = yp + n * 2 * H * W, *gy = gx + H * W;
        for (int64_t i = 0; i < H; i++)
            for (int64_t j = 0; j < W; j++) {
                float sx = 0, sy = 0;
                for (int a = 0; a < 3; a++) {
                    int64_t ii = i + a - 1;
                    if (ii < 0 || ii >= H) continue;
                    for (int b = 0; b < 3; b++) {
                        int64_t jj = j + b - 1;
                        if (jj < 0 || jj >= W) continue;
                        float v = g[ii * W + jj];
                        sx += GX[a][b] * v;
                        sy += GY[a][b] * v;
                    }
                }
                gx[i * W + j] = sx;
                gy[i * W + j] = sy;
            }
    }
    return DC_OK;
}

dc_status dc_sobel_backward(const dc_tensor *x, const dc_tensor *dy, dc_tensor *dx)
{
    const char *op = "sobel_backward";
    DC_TRY(check(x, op));
    const int64_t N = x->shape[0], C = x->shape[1], H = x->shape[2], W = x->shape[3];
    int64_t ys[4] = {N, 2, H, W};
    DC_TRY(dc_arg_f32_shape(dy, 4, ys, op, "dy"));
    DC_TRY(dc_arg_out(dx, DC_F32, 4, x->shape, op, "dx"));
    const float *dyp = dc_tensor_data(dy);
    float *dxp = dc_tensor_data(dx);
    const float inv = 1.0f / (float)C;
#pragma omp parallel for schedule(static) if (dc_par(N * H * W, PAR_MIN))
    for (int64_t n = 0; n < N; n++) {
        const float *gx = dyp + n * 2 * H * W, *gy = gx + H * W;
        float *d0 = dxp + n * C * H * W;
        /* dgray[ii][jj] = sum over the outputs (i, j) that read it, with their weight */
        for (int64_t ii = 0; ii < H; ii++)
            for (int64_t jj = 0; jj < W; jj++) {
                float s = 0;
                for (int a = 0; a < 3; a++) {
                    int64_t i = ii - a + 1;
                    if (i < 0 || i >= H) continue;
                    for (int b = 0; b < 3; b++) {
                        int64_t j = jj - b + 1;
                        if (j < 0 || j >= W) continue;
                        s += GX[a][b] * gx[i * W + j] + GY[a][b] * gy[i * W + j];
                    }
                }
                for (int64_t c = 0; c < C; c++) d0[c * H * W + ii * W + jj] = C == 1 ? s : s * inv;
            }
    }
    return DC_OK;
}
