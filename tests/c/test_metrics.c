/* core/cluster/metrics.c: hand-computed cases and slow textbook references (dense
 * contingency table, binomial-coefficient ARI, brute-force best permutation). */
#include <stdlib.h>

#include "tiny_test.h"

static dc_tensor labels(const int64_t *v, int64_t n)
{
    dc_tensor t = dc_tensor_empty();
    int64_t shape[1] = {n};
    dc_tensor_alloc(&t, DC_I64, 1, shape);
    memcpy(dc_tensor_data(&t), v, (size_t)n * sizeof(int64_t));
    return t;
}

static dc_tensor random_labels(int64_t n, int64_t k, unsigned seed)
{
    dc_tensor t = dc_tensor_empty();
    int64_t shape[1] = {n};
    dc_tensor_alloc(&t, DC_I64, 1, shape);
    int64_t *p = dc_tensor_data(&t);
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (seed >> 8) % (unsigned)k;
    }
    return t;
}

/* ---- references ---- */

#define KMAX 16

static void dense_table(const dc_tensor *a, const dc_tensor *b, double t[KMAX][KMAX], int *ka,
                        int *kb)
{
    const int64_t *pa = dc_tensor_data(a), *pb = dc_tensor_data(b);
    memset(t, 0, sizeof(double) * KMAX * KMAX);
    *ka = *kb = 0;
    for (int64_t i = 0; i < a->shape[0]; i++) {
        t[pa[i]][pb[i]] += 1;
        if (pa[i] + 1 > *ka) *ka = (int)pa[i] + 1;
        if (pb[i] + 1 > *kb) *kb = (int)pb[i] + 1;
    }
}

static double ref_nmi(const dc_tensor *a, const dc_tensor *b, int geometric)
{
    double t[KMAX][KMAX], ra[KMAX] = {0}, rb[KMAX] = {0}, n = (double)a->shape[0];
    int ka, kb;
    dense_table(a, b, t, &ka, &kb);
    for (int i = 0; i < ka; i++)
        for (int j = 0; j < kb; j++) ra[i] += t[i][j], rb[j] += t[i][j];
    double mi = 0, ha = 0, hb = 0;
    for (int i = 0; i < ka; i++)
        for (int j = 0; j < kb; j++)
            if (t[i][j] > 0) mi += t[i][j] / n * log(n * t[i][j] / (ra[i] * rb[j]));
    for (int i = 0; i < ka; i++)
        if (ra[i] > 0) ha -= ra[i] / n * log(ra[i] / n);
    for (int j = 0; j < kb; j++)
        if (rb[j] > 0) hb -= rb[j] / n * log(rb[j] / n);
    return mi / (geometric ? sqrt(ha * hb) : (ha + hb) / 2);
}

static double c2(double v) { return v * (v - 1) / 2; }

static double ref_ari(const dc_tensor *a, const dc_tensor *b)
{
    double t[KMAX][KMAX], ra[KMAX] = {0}, rb[KMAX] = {0}, n = (double)a->shape[0];
    int ka, kb;
    dense_table(a, b, t, &ka, &kb);
    double sij = 0, sa = 0, sb = 0;
    for (int i = 0; i < ka; i++)
        for (int j = 0; j < kb; j++) ra[i] += t[i][j], rb[j] += t[i][j], sij += c2(t[i][j]);
    for (int i = 0; i < ka; i++) sa += c2(ra[i]);
    for (int j = 0; j < kb; j++) sb += c2(rb[j]);
    double expected = sa * sb / c2(n);
    return (sij - expected) / ((sa + sb) / 2 - expected);
}

/* best matching by trying every permutation of max(ka, kb) <= 7 labels */
static int64_t best_hits(double t[KMAX][KMAX], int k, int *perm, int depth, int *used)
{
    if (depth == k) {
        int64_t h = 0;
        for (int i = 0; i < k; i++) h += (int64_t)t[i][perm[i]];
        return h;
    }
    int64_t best = 0;
    for (int j = 0; j < k; j++) {
        if (used[j]) continue;
        used[j] = 1;
        perm[depth] = j;
        int64_t h = best_hits(t, k, perm, depth + 1, used);
        best = h > best ? h : best;
        used[j] = 0;
    }
    return best;
}

static double ref_acc(const dc_tensor *pred, const dc_tensor *truth)
{
    double t[KMAX][KMAX];
    int ka, kb, perm[KMAX], used[KMAX] = {0};
    dense_table(pred, truth, t, &ka, &kb);
    int k = ka > kb ? ka : kb;
    return (double)best_hits(t, k, perm, 0, used) / (double)pred->shape[0];
}

/* ---- tests ---- */

static void test_nmi_hand_computed(void)
{
    int64_t a[] = {0, 0, 0, 1, 1, 1}, b[] = {0, 0, 1, 1, 2, 2};
    dc_tensor ta = labels(a, 6), tb = labels(b, 6);
    /* table [[2,1,0],[0,1,2]]: I = 2/3 log 2, H(a) = log 2, H(b) = log 3 */
    double v, mi = 2.0 / 3.0 * log(2.0);
    CHECK_OK(dc_nmi(&ta, &tb, DC_NMI_GEOMETRIC, 0, &v));
    CHECK_CLOSE(v, mi / sqrt(log(2.0) * log(3.0)), 1e-12);
    CHECK_OK(dc_nmi(&ta, &tb, DC_NMI_ARITHMETIC, 0, &v));
    CHECK_CLOSE(v, mi / ((log(2.0) + log(3.0)) / 2), 1e-12);
    CHECK_OK(dc_nmi(&ta, &tb, DC_NMI_MIN, 0, &v));
    CHECK_CLOSE(v, mi / log(2.0), 1e-12);
    CHECK_OK(dc_nmi(&ta, &tb, DC_NMI_MAX, 0, &v));
    CHECK_CLOSE(v, mi / log(3.0), 1e-12);
    dc_tensor_release(&ta);
    dc_tensor_release(&tb);

    /* scikit-learn's documented cases: a permutation scores 1, a constant labeling 0, two
     * constant labelings 1 */
    int64_t p[] = {0, 0, 1, 1}, q[] = {1, 1, 0, 0}, z[] = {0, 0, 0, 0}, u[] = {0, 1, 2, 3};
    dc_tensor tp = labels(p, 4), tq = labels(q, 4), tz = labels(z, 4), tu = labels(u, 4);
    CHECK_OK(dc_nmi(&tp, &tq, DC_NMI_ARITHMETIC, 0, &v));
    CHECK_CLOSE(v, 1.0, 1e-12);
    CHECK_OK(dc_nmi(&tz, &tu, DC_NMI_ARITHMETIC, 0, &v));
    CHECK_CLOSE(v, 0.0, 1e-12);
    CHECK_OK(dc_nmi(&tz, &tz, DC_NMI_GEOMETRIC, 0, &v));
    CHECK_CLOSE(v, 1.0, 1e-12);
    dc_tensor_release(&tp);
    dc_tensor_release(&tq);
    dc_tensor_release(&tz);
    dc_tensor_release(&tu);
}

/* A constant labelling against the labels of the first 256 Fashion-MNIST training images
 * (1-based) scored 4.0: the round-off of I and H(a), both about 0, divided by each other. It
 * must score 0 with every average. */
static void test_nmi_constant_against_many_classes(void)
{
    int64_t a[256], b[256] = {
        10, 1, 1, 4, 1, 3, 8, 3, 6, 6, 1, 10, 6, 6, 8, 10, 2, 1, 7, 5, 4, 2, 5, 9, 5, 4, 1, 3,
        5, 5, 6, 4, 7, 7, 1, 9, 6, 3, 2, 7, 7, 8, 10, 6, 10, 3, 8, 4, 1, 4, 4, 4, 8, 3, 3, 7,
        7, 9, 4, 4, 6, 1, 6, 6, 1, 3, 1, 1, 5, 2, 4, 2, 7, 4, 2, 5, 5, 7, 2, 10, 2, 4, 6, 8,
        10, 8, 2, 8, 10, 10, 10, 4, 3, 10, 4, 7, 5, 2, 2, 9, 9, 1, 2, 2, 7, 9, 2, 10, 8, 9, 9,
        10, 7, 7, 4, 2, 6, 5, 7, 8, 6, 6, 10, 3, 3, 3, 8, 7, 5, 2, 9, 8, 8, 6, 5, 3, 10, 2, 8,
        5, 7, 10, 8, 2, 9, 8, 2, 3, 9, 1, 10, 2, 9, 8, 1, 6, 9, 7, 8, 3, 1, 9, 8, 2, 7, 3, 2,
        10, 7, 1, 2, 1, 6, 6, 2, 8, 1, 6, 9, 5, 1, 5, 1, 7, 7, 5, 1, 1, 5, 8, 4, 1, 6, 9, 5, 2,
        2, 3, 10, 3, 9, 6, 1, 7, 4, 5, 7, 1, 10, 2, 8, 4, 9, 6, 9, 4, 9, 6, 3, 1, 9, 8, 1, 4,
        6, 1, 7, 6, 3, 8, 6, 3, 7, 9, 3, 7, 9, 1, 5, 5, 5, 5, 5, 2, 6, 7, 6, 4, 4, 8, 4, 4, 7,
        3, 9, 5};
    for (int i = 0; i < 256; i++) a[i] = 7;
    dc_tensor ta = labels(a, 256), tb = labels(b, 256);
    double v;
    for (int avg = DC_NMI_GEOMETRIC; avg <= DC_NMI_MAX; avg++) {
        CHECK_OK(dc_nmi(&ta, &tb, (dc_nmi_average)avg, 1, &v));
        CHECK(v == 0.0);
        CHECK_OK(dc_nmi(&tb, &ta, (dc_nmi_average)avg, 1, &v));
        CHECK(v == 0.0);
    }
    dc_tensor_release(&ta);
    dc_tensor_release(&tb);
}

static void test_ari_hand_computed(void)
{
    /* scikit-learn's documented values */
    int64_t a[] = {0, 0, 1, 1}, b[] = {0, 0, 1, 2}, c[] = {1, 1, 0, 0}, z[] = {0, 0, 0, 0},
            u[] = {0, 1, 2, 3};
    dc_tensor ta = labels(a, 4), tb = labels(b, 4), tc = labels(c, 4), tz = labels(z, 4),
              tu = labels(u, 4);
    double v;
    CHECK_OK(dc_ari(&ta, &tb, 0, &v));
    CHECK_CLOSE(v, 4.0 / 7.0, 1e-12);
    CHECK_OK(dc_ari(&tb, &ta, 0, &v));
    CHECK_CLOSE(v, 4.0 / 7.0, 1e-12);
    CHECK_OK(dc_ari(&ta, &tc, 0, &v));
    CHECK_CLOSE(v, 1.0, 1e-12);
    CHECK_OK(dc_ari(&tz, &tu, 0, &v));
    CHECK_CLOSE(v, 0.0, 1e-12);
    dc_tensor_release(&ta);
    dc_tensor_release(&tb);
    dc_tensor_release(&tc);
    dc_tensor_release(&tz);
    dc_tensor_release(&tu);
}

static void test_random_labelings_match_references(void)
{
    int64_t sizes[] = {7, 50, 333, 2000};
    int64_t ks[][2] = {{2, 3}, {5, 5}, {7, 4}, {3, 7}};
    for (int s = 0; s < 4; s++) {
        dc_tensor a = random_labels(sizes[s], ks[s][0], 11 + s);
        dc_tensor b = random_labels(sizes[s], ks[s][1], 101 + s);
        double v;
        CHECK_OK(dc_nmi(&a, &b, DC_NMI_GEOMETRIC, 0, &v));
        CHECK_CLOSE(v, ref_nmi(&a, &b, 1), 1e-10);
        CHECK_OK(dc_nmi(&a, &b, DC_NMI_ARITHMETIC, 0, &v));
        CHECK_CLOSE(v, ref_nmi(&a, &b, 0), 1e-10);
        CHECK_OK(dc_ari(&a, &b, 0, &v));
        CHECK_CLOSE(v, ref_ari(&a, &b), 1e-10);
        CHECK_OK(dc_cluster_acc(&a, &b, 0, &v, NULL));
        CHECK_CLOSE(v, ref_acc(&a, &b), 1e-12);
        dc_tensor_release(&a);
        dc_tensor_release(&b);
    }
}

static void test_acc_mapping(void)
{
    /* clusters 0,1,2 are classes 2,0,1; cluster 3 has no class of its own */
    int64_t p[] = {0, 0, 0, 1, 1, 2, 2, 2, 3, 0}, t[] = {2, 2, 2, 0, 0, 1, 1, 0, 1, 2};
    dc_tensor tp = labels(p, 10), tt = labels(t, 10), map = dc_tensor_empty();
    double acc;
    CHECK_OK(dc_cluster_acc(&tp, &tt, 0, &acc, &map));
    CHECK_CLOSE(acc, 0.8, 1e-12);
    const int64_t *m = dc_tensor_data(&map);
    CHECK(map.shape[0] == 4 && m[0] == 2 && m[1] == 0 && m[2] == 1 && m[3] == -1);
    /* base 1: labels 1.. and the unmatched marker is 0 */
    for (int i = 0; i < 10; i++) p[i]++, t[i]++;
    dc_tensor tp1 = labels(p, 10), tt1 = labels(t, 10);
    CHECK_OK(dc_cluster_acc(&tp1, &tt1, 1, &acc, &map));
    CHECK_CLOSE(acc, 0.8, 1e-12);
    CHECK(m[0] == 3 && m[1] == 1 && m[2] == 2 && m[3] == 0);
    dc_tensor_release(&tp);
    dc_tensor_release(&tt);
    dc_tensor_release(&tp1);
    dc_tensor_release(&tt1);
    dc_tensor_release(&map);
}

static void test_contingency_and_strided_labels(void)
{
    /* pairs stored as rows of an [n, 2] tensor: columns are strided label vectors */
    int64_t pairs[] = {0, 1, 0, 1, 1, 0, 2, 1, 2, 2};
    dc_tensor t = dc_tensor_empty(), a = dc_tensor_empty(), b = dc_tensor_empty();
    int64_t shape[2] = {5, 2};
    CHECK_OK(dc_tensor_alloc(&t, DC_I64, 2, shape));
    memcpy(dc_tensor_data(&t), pairs, sizeof pairs);
    CHECK_OK(dc_tensor_select(&a, &t, 1, 0));
    CHECK_OK(dc_tensor_select(&b, &t, 1, 1));
    CHECK(a.stride[0] == 2);
    dc_tensor c = dc_tensor_empty();
    CHECK_OK(dc_contingency(&a, &b, 0, &c));
    CHECK(c.shape[0] == 3 && c.shape[1] == 3);
    const int64_t *cp = dc_tensor_data(&c);
    int64_t want[9] = {0, 2, 0, 1, 0, 0, 0, 1, 1};
    for (int i = 0; i < 9; i++) CHECK(cp[i] == want[i]);
    double v, w;
    CHECK_OK(dc_nmi(&a, &b, DC_NMI_GEOMETRIC, 0, &v));
    dc_tensor ac = dc_tensor_empty(), bc = dc_tensor_empty();
    CHECK_OK(dc_tensor_clone(&ac, &a, DC_I64));
    CHECK_OK(dc_tensor_clone(&bc, &b, DC_I64));
    CHECK_OK(dc_nmi(&ac, &bc, DC_NMI_GEOMETRIC, 0, &w));
    CHECK_CLOSE(v, w, 1e-15);
    CHECK_CLOSE(v, ref_nmi(&ac, &bc, 1), 1e-12);
    dc_tensor_release(&t);
    dc_tensor_release(&a);
    dc_tensor_release(&b);
    dc_tensor_release(&ac);
    dc_tensor_release(&bc);
    dc_tensor_release(&c);
}

static void test_cluster_sizes(void)
{
    int64_t a[] = {1, 1, 1, 3, 3, 4}; /* base 1, k = 5: sizes 3 0 2 1 0 */
    dc_tensor t = labels(a, 6), sizes = dc_tensor_empty();
    dc_size_stats st;
    CHECK_OK(dc_cluster_sizes(&t, 5, 1, &sizes, &st));
    const int64_t *s = dc_tensor_data(&sizes);
    CHECK(s[0] == 3 && s[1] == 0 && s[2] == 2 && s[3] == 1 && s[4] == 0);
    CHECK(st.k == 5 && st.nempty == 2 && st.min == 0 && st.max == 3);
    double h = -(0.5 * log(0.5) + (2.0 / 6) * log(2.0 / 6) + (1.0 / 6) * log(1.0 / 6));
    CHECK_CLOSE(st.entropy, h, 1e-12);
    CHECK_CLOSE(st.norm_entropy, h / log(5.0), 1e-12);
    CHECK_CLOSE(st.imbalance, 5.0 * (9 + 4 + 1) / 36.0, 1e-12);
    CHECK_OK(dc_cluster_sizes(&t, 0, 1, NULL, &st));
    CHECK(st.k == 4 && st.nempty == 1);
    CHECK_FAILS(dc_cluster_sizes(&t, 3, 1, NULL, &st), DC_ERR_ARG,
                "label 4 is out of range for k = 3");
    dc_tensor_release(&t);
    dc_tensor_release(&sizes);
}

static void test_errors(void)
{
    int64_t a[] = {1, 2, 0}, b[] = {1, 1, 1, 1};
    dc_tensor ta = labels(a, 3), tb = labels(b, 4), f = dc_tensor_empty();
    int64_t shape[1] = {3};
    dc_tensor_zeros(&f, DC_F32, 1, shape);
    double v;
    CHECK_FAILS(dc_nmi(&ta, &ta, DC_NMI_GEOMETRIC, 1, &v), DC_ERR_ARG,
                "nmi: a has label 0 at position 3; labels start at 1");
    CHECK_FAILS(dc_ari(&ta, &tb, 0, &v), DC_ERR_SHAPE, "ari: a is int64 [3] but b is int64 [4]");
    CHECK_FAILS(dc_nmi(&f, &ta, DC_NMI_GEOMETRIC, 0, &v), DC_ERR_DTYPE,
                "nmi: a must be a 1-D int64 tensor of labels, got float32 [3]");
    int64_t big[] = {0, (int64_t)1 << 40};
    dc_tensor tbig = labels(big, 2);
    CHECK_FAILS(dc_nmi(&tbig, &tbig, DC_NMI_GEOMETRIC, 0, &v), DC_ERR_ARG, "too large for 2 items");
    dc_nmi_average avg;
    CHECK_FAILS(dc_nmi_average_parse("harmonic", &avg), DC_ERR_ARG, "unknown average 'harmonic'");
    dc_tensor many = random_labels(20000, DC_ACC_MAX_K + 1, 3);
    int64_t *mp = dc_tensor_data(&many);
    mp[0] = DC_ACC_MAX_K; /* make sure the largest label is there */
    CHECK_FAILS(dc_cluster_acc(&many, &many, 0, &v, NULL), DC_ERR_ARG, "too many for Hungarian");
    dc_tensor_release(&ta);
    dc_tensor_release(&tb);
    dc_tensor_release(&f);
    dc_tensor_release(&tbig);
    dc_tensor_release(&many);
}

int main(void)
{
    RUN_TEST(test_nmi_hand_computed);
    RUN_TEST(test_nmi_constant_against_many_classes);
    RUN_TEST(test_ari_hand_computed);
    RUN_TEST(test_random_labelings_match_references);
    RUN_TEST(test_acc_mapping);
    RUN_TEST(test_contingency_and_strided_labels);
    RUN_TEST(test_cluster_sizes);
    RUN_TEST(test_errors);
    return TEST_SUMMARY();
}
