/* prim_cache: finds by key, moves a hit to the front, evicts the least recently used. */
#include <stdint.h>

#include "layers/prim_cache.h"
#include "tiny_test.h"

typedef struct entry {
    dc_prim_node node;
    int64_t key[2];
    bool destroyed;
} entry;

static void destroy(dc_prim_node *n) { ((entry *)n)->destroyed = true; }

static void test_lru(void)
{
    entry e[3] = {{.key = {1, 2}}, {.key = {1, 3}}, {.key = {2, 2}}};
    dc_prim_cache c = {NULL, 2, destroy};
    for (int i = 0; i < 3; i++) e[i].node.key = e[i].key, e[i].node.key_bytes = sizeof e[i].key;
    CHECK(dc_prim_cache_find(&c, e[0].key, sizeof e[0].key) == NULL);
    dc_prim_cache_add(&c, &e[0].node);
    dc_prim_cache_add(&c, &e[1].node);
    const int64_t k0[2] = {1, 2}, k2[2] = {2, 2}, other[2] = {2, 1};
    CHECK(dc_prim_cache_find(&c, k0, sizeof k0) == &e[0].node); /* now the most recent */
    CHECK(c.head == &e[0].node);
    CHECK(dc_prim_cache_find(&c, other, sizeof other) == NULL);
    CHECK(dc_prim_cache_find(&c, k0, sizeof k0[0]) == NULL); /* a shorter key differs */
    dc_prim_cache_add(&c, &e[2].node); /* full: e[1], the least recent, goes */
    CHECK(e[1].destroyed && !e[0].destroyed && !e[2].destroyed);
    CHECK(dc_prim_cache_find(&c, k2, sizeof k2) == &e[2].node);
    CHECK(dc_prim_cache_find(&c, e[1].key, sizeof e[1].key) == NULL);
}

int main(void)
{
    RUN_TEST(test_lru);
    return TEST_SUMMARY();
}
