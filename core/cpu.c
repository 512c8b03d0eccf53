/* Run-time CPU probe (see cpu.h). Compiled for plain x86-64 (Makefile), so it runs, and can
 * say what is missing, on a CPU below the build's baseline. */
#include "cpu.h"

#include <cpuid.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Linux's arch_prctl codes for the dynamically enabled XSAVE state (asm/prctl.h) and the
 * state component of AMX tile data: without the permission a tile load kills the process. */
#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/* XCR0 bits: SSE + AVX state, the three AVX-512 states, the two AMX states */
#define XCR0_AVX 0x6u
#define XCR0_AVX512 0xe0u
#define XCR0_AMX 0x60000u

static dc_cpu cpu;
static bool baseline;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint64_t xcr0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static bool bit(uint32_t r, int b) { return (r >> b) & 1u; }

/* Asks the kernel for AMX tile state; NULL on success, else the reason. */
static const char *request_amx(void)
{
#ifdef __linux__
    unsigned long perm = 0;
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0)
        return "the kernel refused AMX tile state (arch_prctl ARCH_REQ_XCOMP_PERM; Linux >= 5.16 "
               "needed)";
    if (syscall(SYS_arch_prctl, ARCH_GET_XCOMP_PERM, &perm) != 0 ||
        !(perm & (1ul << XFEATURE_XTILEDATA)))
        return "the kernel did not grant AMX tile state";
    return NULL;
#else
    return "AMX tile permission is only requested on Linux";
#endif
}

static void probe(void)
{
    unsigned a, b, c, d;
    unsigned max = __get_cpuid_max(0, NULL);
    __cpuid(0, a, b, c, d);
    memcpy(cpu.vendor, &b, 4), memcpy(cpu.vendor + 4, &d, 4), memcpy(cpu.vendor + 8, &c, 4);

    char brand[49] = {0};
    if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000004u)
        for (unsigned i = 0; i < 3; i++) {
            __cpuid(0x80000002u + i, a, b, c, d);
            memcpy(brand + 16 * i, &a, 4), memcpy(brand + 16 * i + 4, &b, 4);
            memcpy(brand + 16 * i + 8, &c, 4), memcpy(brand + 16 * i + 12, &d, 4);
        }
    const char *s = brand;
    while (*s == ' ') s++;
    snprintf(cpu.brand, sizeof cpu.brand, "%s", s);
    for (size_t n = strlen(cpu.brand); n > 0 && cpu.brand[n - 1] == ' '; n--) cpu.brand[n - 1] = 0;

    uint32_t c1 = 0, b7 = 0, d7 = 0, a71 = 0, c81 = 0;
    if (max >= 1) __cpuid(1, a, b, c1, d);
    if (max >= 7) {
        __cpuid_count(7, 0, a, b7, c, d7);
        if (a >= 1) __cpuid_count(7, 1, a71, b, c, d);
    }
    if (__get_cpuid_max(0x80000000u, NULL) >= 0x80000001u) __cpuid(0x80000001u, a, b, c81, d);
    const uint64_t x = bit(c1, 27) ? xcr0() : 0; /* OSXSAVE: xgetbv may be executed */
    const bool os_avx = (x & XCR0_AVX) == XCR0_AVX, os_avx512 = os_avx && (x & XCR0_AVX512) == XCR0_AVX512;

    cpu.sse41 = bit(c1, 19);
    cpu.avx2 = os_avx && bit(c1, 28) && bit(b7, 5);
    cpu.fma = os_avx && bit(c1, 12);
    cpu.avx512f = os_avx512 && bit(b7, 16);
    cpu.avx512bw = cpu.avx512f && bit(b7, 30);
    cpu.avx512vl = cpu.avx512f && bit(b7, 31);
    cpu.avx512_bf16 = cpu.avx512f && bit(a71, 5);
    baseline = cpu.avx2 && cpu.fma && bit(b7, 3) && bit(b7, 8) && bit(c1, 29) && bit(c1, 22) &&
               bit(c81, 5);

    const bool has_tile = bit(d7, 24), has_bf16 = bit(d7, 22);
    const char *cap = getenv("DCLAB_CPU_MAX");
    if (cap && strcmp(cap, "avx2") == 0) { /* behave as an AVX2-only CPU (an AMD EPYC) */
        cpu.avx512f = cpu.avx512bw = cpu.avx512vl = cpu.avx512_bf16 = false;
        cpu.amx_error = has_tile ? "masked by DCLAB_CPU_MAX=avx2" : NULL;
        return;
    }
    if (has_tile) {
        cpu.amx_error = request_amx();
        /* XCR0 shows the AMX states only once they are enabled for the process */
        if (!cpu.amx_error && (xcr0() & XCR0_AMX) != XCR0_AMX)
            cpu.amx_error = "the kernel does not enable AMX state (XCR0)";
        cpu.amx_permitted = cpu.amx_error == NULL;
        cpu.amx_tile = cpu.amx_permitted;
        cpu.amx_bf16 = cpu.amx_permitted && has_bf16;
    }
}

const dc_cpu *dc_cpu_get(void)
{
    pthread_once(&once, probe);
    return &cpu;
}

bool dc_cpu_baseline_ok(void)
{
    dc_cpu_get();
    return baseline;
}

const char *dc_cpu_features(const dc_cpu *c, char *buf, size_t size)
{
    const struct { bool on; const char *name; } f[] = {
        {c->sse41, "sse4_1"},          {c->avx2, "avx2"},         {c->fma, "fma"},
        {c->avx512f, "avx512f"},       {c->avx512bw, "avx512bw"}, {c->avx512vl, "avx512vl"},
        {c->avx512_bf16, "avx512_bf16"}, {c->amx_tile, "amx_tile"}, {c->amx_bf16, "amx_bf16"},
    };
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].on && n < size) {
            int w = snprintf(buf + n, size - n, "%s%s", n ? " " : "", f[i].name);
            n += w > 0 ? (size_t)w : 0;
        }
    return buf;
}

bool dc_cpu_bf16(const dc_cpu *c) { return c->avx512_bf16 || c->amx_bf16; }

dc_status dc_cpu_require_bf16(const char *op)
{
    const dc_cpu *c = dc_cpu_get();
    char buf[256];
    DC_CHECK(dc_cpu_bf16(c), DC_ERR_ARG,
             "%s: bf16 needs a CPU with AVX512_BF16 or AMX-BF16; this one (%s) has: %s", op,
             c->brand, dc_cpu_features(c, buf, sizeof buf));
    return DC_OK;
}
