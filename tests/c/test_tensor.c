/* Tests of core/tensor.c: allocation, views, reshape rules, broadcasting, errors. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tiny_test.h"

/* A float32 tensor holding 0, 1, 2, ... in row-major order. */
static dc_tensor iota(int ndim, const int64_t *shape)
{
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_alloc(&t, DC_F32, ndim, shape));
    float *p = dc_tensor_data(&t);
    for (int64_t i = 0; i < dc_tensor_numel(&t); i++) p[i] = (float)i;
    return t;
}

static void test_alloc_alignment_and_strides(void)
{
    int64_t shape[3] = {2, 3, 5};
    dc_tensor t = iota(3, shape);
    CHECK(((uintptr_t)t.storage->data % DC_ALIGN) == 0);
    CHECK(t.stride[0] == 15 && t.stride[1] == 5 && t.stride[2] == 1);
    CHECK(dc_tensor_numel(&t) == 30);
    CHECK(dc_tensor_is_contiguous(&t));
    dc_tensor_release(&t);
    dc_tensor_release(&t); /* idempotent */
    CHECK(t.storage == NULL);
}

/* Resident bytes of this process (Linux), or -1. */
static long long resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long size = 0, pages = -1;
    if (f && fscanf(f, "%lld %lld", &size, &pages) != 2) pages = -1;
    if (f) fclose(f);
    return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

/* A freed large block leaves the process at once (its own mapping). glibc would keep it:
 * once it has unmapped a 24 MiB block it serves blocks up to that size from its heap and
 * keeps their pages after a free. */
static void test_large_blocks_return_memory(void)
{
    if (resident_bytes() < 0) TT_SKIP("no /proc/self/statm");
    int64_t warm[1] = {(int64_t)6 << 20}, big[1] = {(int64_t)4 << 20}; /* 24 and 16 MiB */
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, 1, warm));
    dc_tensor_release(&t);
    long long before = resident_bytes();
    dc_mem_stats m0 = dc_mem_get();
    CHECK_OK(dc_tensor_zeros(&t, DC_F32, 1, big));
    CHECK(((uintptr_t)t.storage->data % DC_ALIGN) == 0);
    CHECK(dc_mem_get().bytes == m0.bytes + ((int64_t)16 << 20));
    long long touched = resident_bytes();
    CHECK(touched - before > (15LL << 20));
    dc_tensor_release(&t);
    CHECK(touched - resident_bytes() > (15LL << 20));
    CHECK(dc_mem_get().bytes == m0.bytes);
}

static void test_refcount_shared_storage(void)
{
    int64_t shape[1] = {4};
    dc_mem_stats before = dc_mem_get();
    dc_tensor a = iota(1, shape), b = dc_tensor_empty();
    dc_tensor_share(&b, &a);
    CHECK(a.storage == b.storage && atomic_load(&a.storage->refs) == 2);
    dc_tensor_release(&a);
    CHECK(((float *)dc_tensor_data(&b))[3] == 3.0f); /* still alive through b */
    dc_tensor_release(&b);
    CHECK(dc_mem_get().bytes == before.bytes);
}

static void test_narrow_select_transpose(void)
{
    int64_t shape[2] = {3, 4};
    dc_tensor t = iota(2, shape), v = dc_tensor_empty();
    CHECK_OK(dc_tensor_narrow(&v, &t, 1, 1, 2));
    int64_t i01[2] = {0, 1}, i21[2] = {2, 1};
    CHECK(dc_tensor_get(&v, i01) == 2 && dc_tensor_get(&v, i21) == 10);
    CHECK(!dc_tensor_is_contiguous(&v));
    CHECK_OK(dc_tensor_select(&v, &t, 0, 2));
    int64_t i3[1] = {3};
    CHECK(v.ndim == 1 && dc_tensor_get(&v, i3) == 11);
    CHECK_OK(dc_tensor_transpose(&v, &t, 0, 1));
    int64_t i12[2] = {1, 2};
    CHECK(v.shape[0] == 4 && dc_tensor_get(&v, i12) == 9);
    CHECK_FAILS(dc_tensor_narrow(&v, &t, 1, 3, 2), DC_ERR_INDEX, "out of range");
    CHECK_FAILS(dc_tensor_select(&v, &t, 0, 3), DC_ERR_INDEX, "index 4 out of range");
    CHECK_FAILS(dc_tensor_transpose(&v, &t, 0, 2), DC_ERR_INDEX, "dimension 3");
    dc_tensor_release(&v);
    dc_tensor_release(&t);
}

static void test_permute_squeeze_unsqueeze(void)
{
    int64_t shape[3] = {2, 1, 3};
    dc_tensor t = iota(3, shape), v = dc_tensor_empty();
    int perm[3] = {2, 0, 1};
    CHECK_OK(dc_tensor_permute(&v, &t, perm));
    CHECK(v.shape[0] == 3 && v.shape[1] == 2 && v.shape[2] == 1);
    int64_t i[3] = {2, 1, 0};
    CHECK(dc_tensor_get(&v, i) == 5);
    int bad[3] = {0, 0, 1};
    CHECK_FAILS(dc_tensor_permute(&v, &t, bad), DC_ERR_ARG, "permutation");
    CHECK_OK(dc_tensor_squeeze(&v, &t, -1));
    CHECK(v.ndim == 2 && v.shape[1] == 3);
    CHECK_OK(dc_tensor_unsqueeze(&v, &v, 0));
    CHECK(v.ndim == 3 && v.shape[0] == 1);
    dc_tensor_release(&v);
    dc_tensor_release(&t);
}

static void test_view_rules(void)
{
    int64_t shape[2] = {4, 6};
    dc_tensor t = iota(2, shape), v = dc_tensor_empty(), tr = dc_tensor_empty();
    int64_t s3[3] = {2, -1, 3};
    CHECK_OK(dc_tensor_view(&v, &t, 3, s3));
    CHECK(v.shape[1] == 4 && v.storage == t.storage);
    /* a transposed matrix cannot be flattened without a copy, as in numpy */
    CHECK_OK(dc_tensor_transpose(&tr, &t, 0, 1));
    int64_t flat[1] = {24};
    CHECK_FAILS(dc_tensor_view(&v, &tr, 1, flat), DC_ERR_SHAPE, "not contiguous enough");
    /* but splitting one of its dims is a view */
    int64_t split[3] = {2, 3, 4};
    CHECK_OK(dc_tensor_view(&v, &tr, 3, split));
    CHECK(v.storage == t.storage);
    int64_t i[3] = {1, 2, 3};
    CHECK(dc_tensor_get(&v, i) == 3 * 6 + 5); /* tr[5][3] = t[3][5] */
    CHECK_OK(dc_tensor_reshape(&v, &tr, 1, flat)); /* copies */
    CHECK(v.storage != t.storage);
    int64_t i1[1] = {1};
    CHECK(dc_tensor_get(&v, i1) == 6);
    int64_t bad[2] = {5, 5};
    CHECK_FAILS(dc_tensor_view(&v, &t, 2, bad), DC_ERR_SHAPE, "float32 [4, 6] (24 elements) as [5, 5]");
    int64_t two[2] = {-1, -1};
    CHECK_FAILS(dc_tensor_view(&v, &t, 2, two), DC_ERR_SHAPE, "only one dimension can be -1");
    /* view_if: a view when possible, else "no" and dst untouched; bad shapes still fail */
    bool viewed = false;
    CHECK_OK(dc_tensor_view_if(&v, &tr, 3, split, "op", &viewed));
    CHECK(viewed && v.storage == t.storage && v.shape[2] == 4);
    dc_tensor before = v;
    CHECK_OK(dc_tensor_view_if(&v, &tr, 1, flat, "op", &viewed));
    CHECK(!viewed && memcmp(&v, &before, sizeof v) == 0);
    CHECK_FAILS(dc_tensor_view_if(&v, &tr, 2, bad, "op", &viewed), DC_ERR_SHAPE,
                "op: cannot view float32 [6, 4] (24 elements) as [5, 5]");
    dc_tensor_release(&v);
    dc_tensor_release(&tr);
    dc_tensor_release(&t);
}

static void test_expand_and_broadcast_shape(void)
{
    int64_t shape[2] = {3, 1};
    dc_tensor t = iota(2, shape), v = dc_tensor_empty();
    int64_t to[3] = {2, 3, 4};
    CHECK_OK(dc_tensor_expand(&v, &t, 3, to));
    CHECK(v.stride[0] == 0 && v.stride[2] == 0);
    int64_t i[3] = {1, 2, 3};
    CHECK(dc_tensor_get(&v, i) == 2);
    int64_t bad[2] = {3, 2};
    int64_t other[2] = {2, 2};
    CHECK_OK(dc_tensor_expand(&v, &t, 2, bad));
    dc_tensor b = iota(2, other);
    int nd;
    int64_t out[DC_MAX_DIMS];
    CHECK_FAILS(dc_broadcast_shape(&t, &b, &nd, out, "add"), DC_ERR_SHAPE,
                "add: shapes do not broadcast, a is float32 [3, 1] but b is float32 [2, 2]");
    dc_tensor_release(&b);
    dc_tensor_release(&v);
    dc_tensor_release(&t);
}

static void test_errors_do_not_crash(void)
{
    dc_tensor t = dc_tensor_empty(), v = dc_tensor_empty();
    int64_t neg[2] = {2, -3};
    CHECK_FAILS(dc_tensor_alloc(&t, DC_F32, 2, neg), DC_ERR_SHAPE, "negative size -3");
    int64_t huge[2] = {(int64_t)1 << 40, (int64_t)1 << 10}; /* 4 PiB: a clean refusal */
    CHECK_FAILS(dc_tensor_alloc(&t, DC_F32, 2, huge), DC_ERR_NOMEM,
                "out of memory allocating float32 [1099511627776, 1024]");
    int64_t overflow[2] = {(int64_t)1 << 40, (int64_t)1 << 30};
    CHECK_FAILS(dc_tensor_alloc(&t, DC_F32, 2, overflow), DC_ERR_NOMEM, "more than 2^63");
    CHECK_FAILS(dc_tensor_narrow(&v, &t, 0, 0, 1), DC_ERR_STATE, "released tensor");
    int64_t big[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_FAILS(dc_tensor_alloc(&t, DC_F32, 9, big), DC_ERR_SHAPE, "at most 8");
    dc_dtype dt;
    CHECK_FAILS(dc_dtype_parse("float64", &dt), DC_ERR_DTYPE, "unknown dtype 'float64'");
}

static void test_ensure_output(void)
{
    int64_t shape[2] = {2, 2}, other[2] = {2, 3};
    dc_tensor t = dc_tensor_empty();
    CHECK_OK(dc_tensor_ensure(&t, DC_I64, 2, shape, "op: out"));
    CHECK(t.dtype == DC_I64);
    void *p = t.storage->data;
    CHECK_OK(dc_tensor_ensure(&t, DC_I64, 2, shape, "op: out"));
    CHECK(t.storage->data == p);
    CHECK_FAILS(dc_tensor_ensure(&t, DC_I64, 2, other, "op: out"), DC_ERR_SHAPE,
                "op: out is int64 [2, 2] but int64 [2, 3] is needed");
    dc_tensor_release(&t);
}

int main(void)
{
    RUN_TEST(test_alloc_alignment_and_strides);
    RUN_TEST(test_large_blocks_return_memory);
    RUN_TEST(test_refcount_shared_storage);
    RUN_TEST(test_narrow_select_transpose);
    RUN_TEST(test_permute_squeeze_unsqueeze);
    RUN_TEST(test_view_rules);
    RUN_TEST(test_expand_and_broadcast_shape);
    RUN_TEST(test_errors_do_not_crash);
    RUN_TEST(test_ensure_output);
    return TEST_SUMMARY();
}
