/* A most-recently-used cache of oneDNN primitives, shared by the convolution paths
 * (conv2d_dnnl.c, conv2d_chain.c, conv2d_train.c): building a primitive takes milliseconds,
 * so each keeps what it built per shape, and a session that feeds many shapes drops the least
 * recently used instead of growing. Intrusive: an entry embeds a dc_prim_node (whose key
 * points at the entry's own key bytes); the cache never allocates. Not thread-safe: callers
 * hold their own lock. */
#ifndef DC_PRIM_CACHE_H
#define DC_PRIM_CACHE_H

#include <stddef.h>

typedef struct dc_prim_node {
    struct dc_prim_node *next;
    const void *key;  /* key_bytes bytes compared as they are */
    size_t key_bytes;
} dc_prim_node;

typedef struct dc_prim_cache {
    dc_prim_node *head;
    int max;                              /* entries kept */
    void (*destroy)(dc_prim_node *node);  /* frees an evicted entry */
} dc_prim_cache;

/* The entry whose key equals key (key_bytes bytes), moved to the front; NULL if none. */
dc_prim_node *dc_prim_cache_find(dc_prim_cache *c, const void *key, size_t key_bytes);

/* Puts node (its key set) at the front, destroying the least recently used entry when the
 * cache already holds max. */
void dc_prim_cache_add(dc_prim_cache *c, dc_prim_node *node);

#endif
