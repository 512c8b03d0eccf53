/* A per-thread, grow-only workspace for layer kernels: im2col columns, GEMM temporaries.
 *
 * Why not module fields (THNN's finput): workspaces are not state, never saved, and shared by
 * every layer of a network, so a net needs only its largest layer's workspace. Growing
 * happens on the first batches; steady-state training allocates nothing. The bytes are
 * counted in dc_mem_get() like tensor storage. */
#ifndef DC_SCRATCH_H
#define DC_SCRATCH_H

#include <stddef.h>

#define DC_SCRATCH_SLOTS 11
/* Who uses which slot: 0-3 im2col and Winograd (0 also the training chain's flipped weights);
 * 4-7 oneDNN's reordered tensors (the inference chain: 4, 5 its activations, 6 its weights;
 * the training chain: 4, 5 its gradients, 6 its weights, 7 its weight gradients); 8, 9 the
 * folded weights and bias of a convolution + BatchNorm in evaluation, and the training
 * chain's copies for its weight gradient (every thread); 10 oneDNN's scratchpad. */
#define DC_SLOT_FOLD_W 8
#define DC_SLOT_FOLD_B 9
#define DC_SLOT_DNNL_PAD 10

/* At least nfloats floats of slot (0..DC_SCRATCH_SLOTS-1), 64-byte aligned, contents
 * undefined; NULL when out of memory. Borrowed until the next call for the same slot on this
 * thread. */
float *dc_scratch(int slot, size_t nfloats);
/* Frees this thread's workspace (the next dc_scratch allocates again). */
void dc_scratch_free(void);
/* Bytes held by this thread's workspace. */
size_t dc_scratch_bytes(void);

#endif
