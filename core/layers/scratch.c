/* The per-thread kernel workspace (see scratch.h). */
#include "scratch.h"

#include "../tensor.h"

static _Thread_local float *slots[DC_SCRATCH_SLOTS];
static _Thread_local size_t sizes[DC_SCRATCH_SLOTS]; /* in bytes */

float *dc_scratch(int slot, size_t nfloats)
{
    size_t need = nfloats * sizeof(float);
    if (need <= sizes[slot] && slots[slot]) return slots[slot];
    dc_free(slots[slot], sizes[slot]);
    /* grow by at least a quarter so slowly rising sizes do not reallocate every call */
    size_t grown = sizes[slot] + sizes[slot] / 4;
    if (grown > need) need = grown;
    slots[slot] = dc_alloc(need);
    sizes[slot] = slots[slot] ? need : 0;
    return slots[slot];
}

void dc_scratch_free(void)
{
    for (int i = 0; i < DC_SCRATCH_SLOTS; i++) {
        dc_free(slots[i], sizes[i]);
        slots[i] = NULL;
        sizes[i] = 0;
    }
}

size_t dc_scratch_bytes(void)
{
    size_t n = 0;
    for (int i = 0; i < DC_SCRATCH_SLOTS; i++) n += sizes[i];
    return n;
}
