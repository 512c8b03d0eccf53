/* scratch: grows only when asked for more, counts in dc_mem, frees on request. */
#include "layers/scratch.h"
#include "tiny_test.h"

static void test_grow_only(void)
{
    dc_scratch_free();
    int64_t before = dc_mem_get().bytes;
    float *a = dc_scratch(0, 1000);
    CHECK(a != NULL);
    CHECK(((uintptr_t)a % DC_ALIGN) == 0);
    CHECK(dc_scratch_bytes() >= 4000);
    CHECK(dc_mem_get().bytes - before == (int64_t)dc_scratch_bytes());
    a[999] = 1.0f;
    int64_t allocs = dc_mem_get().allocs;
    CHECK(dc_scratch(0, 500) == a); /* smaller: the same block, no allocation */
    CHECK(dc_scratch(0, 1000) == a);
    CHECK(dc_mem_get().allocs == allocs);
    float *b = dc_scratch(0, 1100); /* larger: grows by at least a quarter */
    CHECK(b != NULL && dc_scratch_bytes() >= 5000);
    CHECK(dc_scratch(1, 10) != dc_scratch(0, 10)); /* slots are separate */
    dc_scratch_free();
    CHECK(dc_scratch_bytes() == 0);
    CHECK(dc_mem_get().bytes == before);
}

int main(void)
{
    RUN_TEST(test_grow_only);
    return TEST_SUMMARY();
}
