/* augment.c against torchvision: tests/fixtures/augment.txt holds torchvision's outputs of
 * its functional ops at fixed parameters on a gray and a colour image (made once by
 * tests/fixtures/make_augment_fixtures.py). All 52 cases matched exactly when written; the
 * tolerances allow for another compiler's float32 contractions: colour ops, solarize and
 * grayscale exact; blur and bilinear warps within 1 level (sums in another order); nearest
 * warps exact but for at most 1 % of the values (a sample point within float32 rounding of
 * a pixel boundary may pick the neighbour). DC_AUGMENT_VERBOSE=1 prints every case. */
#include "data/augment.h"
#include "data/transforms.h"
#include "tiny_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE "tests/fixtures/augment.txt"
#define MAXV 400

typedef struct picture {
    char name[16];
    int c, h, w;
    uint8_t v[MAXV]; /* [C, H, W] as torchvision stores it */
} picture;

static picture inputs[2];
static dc_buffer bufs[3];

/* [C, H, W] values -> an interleaved image in buf */
static dc_image to_image(const picture *p, dc_buffer *buf)
{
    dc_image im;
    dc_image_alloc(&im, buf, p->w, p->h, p->c);
    for (int ch = 0; ch < p->c; ch++)
        for (int y = 0; y < p->h; y++)
            for (int x = 0; x < p->w; x++)
                im.data[y * im.stride + x * p->c + ch] = p->v[(ch * p->h + y) * p->w + x];
    return im;
}

/* Runs op on the picture named inp with params; out: [C, H, W] values. */
static int run_op(const char *op, const picture *in, const double *p, uint8_t *out)
{
    dc_image src = to_image(in, &bufs[0]), dst;
    dc_image_alloc(&dst, &bufs[1], in->w, in->h, in->c);
    float fill[3] = {0, 0, 0};
    double m[6];
    if (strcmp(op, "affine") == 0) {
        for (int ch = 0; ch < 3; ch++) fill[ch] = (float)p[7];
        dc_affine_inverse(p[0], p[1], p[2], p[3], p[4], p[5], m);
        dc_affine(&src, m, (dc_interp)p[6], fill, &dst);
    } else if (strcmp(op, "rotate") == 0) {
        for (int ch = 0; ch < 3; ch++) fill[ch] = (float)p[2];
        dc_affine_inverse(-p[0], 0, 0, 1, 0, 0, m);
        dc_affine(&src, m, (dc_interp)p[1], fill, &dst);
    } else if (strcmp(op, "blur") == 0) {
        CHECK_OK(dc_gaussian_blur(&src, (int)p[0], (int)p[1], p[2], p[2], &bufs[2], &dst));
    } else if (strcmp(op, "grayscale") == 0) {
        /* through the transform: RandomGrayscale with p = 1 */
        dc_transform t = {0};
        t.n = 1;
        dc_tf_init(&t.op[0], DC_TF_RANDOM_GRAYSCALE);
        t.op[0].p = 1;
        dc_rng rng = dc_rng_for(0, 0, 0);
        dc_tf_plan plan;
        dc_tf_scratch s = {0};
        float lut[4][256];
        dc_transform_plan(&t, src.w, src.h, &rng, &plan);
        CHECK_OK(dc_transform_run(&t, &plan, &src, 0, &rng, &s, &dst, lut));
        for (int y = 0; y < dst.h; y++)
            for (int x = 0; x < dst.w; x++)
                for (int ch = 0; ch < 3; ch++)
                    out[(ch * in->h + y) * in->w + x] = dst.data[y * dst.stride + x * 3 + ch];
        dc_tf_scratch_free(&s);
        return 1;
    } else {
        dst = src; /* in place */
        if (strcmp(op, "brightness") == 0) dc_adjust_brightness(&dst, p[0]);
        else if (strcmp(op, "contrast") == 0) dc_adjust_contrast(&dst, p[0]);
        else if (strcmp(op, "saturation") == 0) dc_adjust_saturation(&dst, p[0]);
        else if (strcmp(op, "hue") == 0) dc_adjust_hue(&dst, p[0]);
        else if (strcmp(op, "solarize") == 0) dc_solarize(&dst, p[0]);
        else return 0;
    }
    for (int ch = 0; ch < in->c; ch++)
        for (int y = 0; y < in->h; y++)
            for (int x = 0; x < in->w; x++)
                out[(ch * in->h + y) * in->w + x] = dst.data[y * dst.stride + x * in->c + ch];
    return 1;
}

static void test_against_torchvision(void)
{
    FILE *f = fopen(FIXTURE, "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[1 << 16];
    int ninputs = 0, cases = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#') continue;
        char *tok = strtok(line, " \n"), *inp = strtok(NULL, " \n");
        if (strcmp(tok, "input") == 0) {
            picture *p = &inputs[ninputs++];
            snprintf(p->name, sizeof p->name, "%s", inp);
            p->c = atoi(strtok(NULL, " ")), p->h = atoi(strtok(NULL, " ")),
            p->w = atoi(strtok(NULL, " "));
            for (int i = 0; i < p->c * p->h * p->w; i++) p->v[i] = (uint8_t)atoi(strtok(NULL, " "));
            continue;
        }
        const picture *in = strcmp(inp, inputs[0].name) == 0 ? &inputs[0] : &inputs[1];
        double params[8];
        int np = atoi(strtok(NULL, " "));
        for (int i = 0; i < np; i++) params[i] = atof(strtok(NULL, " "));
        int nv = atoi(strtok(NULL, " "));
        uint8_t want[MAXV], got[MAXV];
        for (int i = 0; i < nv; i++) want[i] = (uint8_t)atoi(strtok(NULL, " \n"));
        CHECK(nv == in->c * in->h * in->w);
        CHECK(run_op(tok, in, params, got));
        int maxdiff = 0, ndiff = 0;
        for (int i = 0; i < nv; i++) {
            int d = abs((int)got[i] - (int)want[i]);
            if (d > maxdiff) maxdiff = d;
            ndiff += d > 0;
        }
        int warp = strcmp(tok, "affine") == 0 || strcmp(tok, "rotate") == 0;
        int nearest = warp && params[strcmp(tok, "affine") == 0 ? 6 : 1] == 0;
        int ok = nearest ? ndiff * 100 <= nv : warp || strcmp(tok, "blur") == 0 ? maxdiff <= 1
                                                                                : ndiff == 0;
        if (!ok || getenv("DC_AUGMENT_VERBOSE"))
            printf("  %s %s (%d params, first %g): %d of %d values differ, by at most %d\n",
                   tok, inp, np, np ? params[0] : 0.0, ndiff, nv, maxdiff);
        CHECK(ok);
        cases++;
    }
    fclose(f);
    CHECK(ninputs == 2 && cases == 52);
    for (int k = 0; k < 3; k++) dc_buffer_free(&bufs[k]);
}

int main(void)
{
    RUN_TEST(test_against_torchvision);
    return TEST_SUMMARY();
}
