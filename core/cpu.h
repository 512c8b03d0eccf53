/* The CPU this process runs on, probed once at run time (cpuid, xgetbv, and on Linux the
 * kernel's permission to use AMX tiles), so one build serves every x86-64 CPU the project
 * lands on: kernels that need more than the build's baseline (see the Makefile) are picked by
 * reading this record, never by the machine that compiled them. */
#ifndef DC_CPU_H
#define DC_CPU_H

#include <stdbool.h>
#include <stddef.h>

#include "status.h"

typedef struct dc_cpu {
    char vendor[13];  /* "GenuineIntel", "AuthenticAMD", ... */
    char brand[49];   /* the processor brand string, spaces trimmed */
    /* usable features: the CPU has them AND the kernel saves their registers (XCR0) */
    bool sse41, avx2, fma;
    bool avx512f, avx512bw, avx512vl, avx512_bf16;
    bool amx_tile, amx_bf16; /* also needs the kernel's permission (amx_permitted) */
    bool amx_permitted;      /* arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA) succeeded */
    const char *amx_error;   /* why AMX is not usable when the CPU has it, else NULL */
} dc_cpu;

/* The record, probed on the first call (thread-safe), the same pointer afterwards. With the
 * environment variable DCLAB_CPU_MAX=avx2 an AVX-512 CPU reports itself as AVX2-only, so
 * the dispatch an AMD EPYC gets can be tested on a Xeon (oneDNN's own is capped with
 * ONEDNN_MAX_CPU_ISA=AVX2). */
const dc_cpu *dc_cpu_get(void);

/* Whether this CPU runs what the build compiled for its baseline (x86-64-v3: AVX2, FMA,
 * BMI1/2, F16C, MOVBE). Built without those instructions, so it can be asked first. */
bool dc_cpu_baseline_ok(void);

/* The usable features as one line, e.g. "avx2 fma avx512f avx512bw avx512vl avx512_bf16
 * amx_tile amx_bf16"; returns buf. */
const char *dc_cpu_features(const dc_cpu *c, char *buf, size_t size);

/* bf16 compute with fp32 accumulation is available (AVX512_BF16 or AMX-BF16 usable). */
bool dc_cpu_bf16(const dc_cpu *c);
/* DC_OK when bf16 compute is available, else DC_ERR_ARG with "OP: bf16 needs a CPU with
 * AVX512_BF16 or AMX-BF16; this one (BRAND) has: FEATURES". */
dc_status dc_cpu_require_bf16(const char *op);

#endif
