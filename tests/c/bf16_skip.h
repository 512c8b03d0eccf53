/* For C tests of bf16 paths: why this CPU cannot run them (for TT_SKIP), or NULL. */
#ifndef TT_BF16_SKIP_H
#define TT_BF16_SKIP_H

#include <stdio.h>

#include "cpu.h"

static inline const char *no_bf16(void)
{
    static char why[320];
    char f[256];
    if (dc_cpu_bf16(dc_cpu_get())) return NULL;
    snprintf(why, sizeof why, "this CPU has no AVX512_BF16 or AMX-BF16 (it has: %s)",
             dc_cpu_features(dc_cpu_get(), f, sizeof f));
    return why;
}

#endif
