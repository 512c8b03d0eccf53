/* The primitive cache (see prim_cache.h): a singly-linked list, most recent first. */
#include "prim_cache.h"

#include <string.h>

dc_prim_node *dc_prim_cache_find(dc_prim_cache *c, const void *key, size_t key_bytes)
{
    for (dc_prim_node **link = &c->head; *link; link = &(*link)->next) {
        dc_prim_node *p = *link;
        if (p->key_bytes != key_bytes || memcmp(p->key, key, key_bytes) != 0) continue;
        *link = p->next, p->next = c->head, c->head = p;
        return p;
    }
    return NULL;
}

void dc_prim_cache_add(dc_prim_cache *c, dc_prim_node *node)
{
    int n = 0;
    for (dc_prim_node *p = c->head; p; p = p->next) n++;
    if (n >= c->max) { /* drop the last (least recently used) */
        dc_prim_node **link = &c->head;
        while ((*link)->next) link = &(*link)->next;
        dc_prim_node *old = *link;
        *link = NULL;
        c->destroy(old);
    }
    node->next = c->head, c->head = node;
}
