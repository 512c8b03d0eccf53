/* .npy reading and writing (see npy.h).
 *
 * Layout: "\x93NUMPY", major and minor version bytes, the header length (uint16 in 1.0,
 * uint32 in 2.0 and 3.0), then the header: a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 * padded with spaces and a final '\n' so the data starts at a multiple of 64 bytes. The data
 * follows, exactly numel * itemsize bytes. The header is parsed by hand (keys in any order,
 * either quote style, trailing commas); nothing else is accepted. */
#include "npy.h"

#include <stdlib.h>
#include <string.h>

#include "../ops/elementwise.h"
#include "../file.h"

typedef enum npy_conv { CONV_NONE, CONV_F64, CONV_I32, CONV_BOOL } npy_conv;

static const struct npy_type {
    const char *descr;
    dc_dtype dt;
    size_t itemsize;
    npy_conv conv;
} npy_types[] = {
    {"<f4", DC_F32, 4, CONV_NONE}, {"<i8", DC_I64, 8, CONV_NONE}, {"|u1", DC_U8, 1, CONV_NONE},
    {"<f8", DC_F32, 8, CONV_F64},  {"<i4", DC_I64, 4, CONV_I32},  {"|b1", DC_U8, 1, CONV_BOOL},
};
#define NPY_NTYPES (sizeof npy_types / sizeof npy_types[0])

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

/* ---- writing ---- */

/* The descr a dtype is written with. */
static const char *descr_of(dc_dtype dt)
{
    for (size_t i = 0; i < NPY_NTYPES; i++)
        if (npy_types[i].dt == dt && npy_types[i].conv == CONV_NONE) return npy_types[i].descr;
    return "?";
}

/* The header dict of t, as numpy writes it. */
static int header_dict(const dc_tensor *t, char *buf, size_t n)
{
    int k = snprintf(buf, n, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr_of(t->dtype));
    for (int d = 0; d < t->ndim; d++)
        k += snprintf(buf + k, n - (size_t)k, d ? ", %lld" : "%lld", (long long)t->shape[d]);
    k += snprintf(buf + k, n - (size_t)k, "%s), }", t->ndim == 1 ? "," : "");
    return k;
}

dc_status dc_npy_save(const char *path, const dc_tensor *t)
{
    DC_TRY(dc_tensor_check(t, "save_npy: tensor"));
    /* preamble (12 bytes at most) + dict + padding to 64 + '\n' */
    unsigned char head[512 + 64 + 12];
    char dict[512];
    size_t dlen = (size_t)header_dict(t, dict, sizeof dict);
    size_t pre = 10, hlen = (dlen + 1 + pre + 63) / 64 * 64 - pre; /* dict + pad + '\n' */
    memcpy(head, npy_magic, 6);
    head[6] = 1;
    head[7] = 0;
    head[8] = (unsigned char)hlen;
    head[9] = (unsigned char)(hlen >> 8);
    memcpy(head + pre, dict, dlen);
    memset(head + pre + dlen, ' ', hlen - dlen - 1);
    head[pre + hlen - 1] = '\n';

    dc_tensor c = dc_tensor_empty();
    DC_TRY(dc_tensor_contiguous(&c, t));
    dc_wfile w;
    dc_status s = dc_wfile_open(&w, path, "save_npy");
    if (s == DC_OK) s = dc_wfile_write(&w, head, pre + hlen);
    if (s == DC_OK && dc_tensor_numel(&c) > 0)
        s = dc_wfile_write(&w, dc_tensor_data(&c),
                           (size_t)dc_tensor_numel(&c) * dc_dtype_size(c.dtype));
    if (s == DC_OK) s = dc_wfile_commit(&w);
    else if (w.tmp) dc_wfile_abort(&w);
    dc_tensor_release(&c);
    return s;
}

/* ---- the header parser ---- */

typedef struct hparser {
    const char *p, *end;
    const char *why; /* what was expected where parsing stopped */
} hparser;

static void skip_ws(hparser *h)
{
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' || *h->p == '\r'))
        h->p++;
}

static bool eat(hparser *h, const char *lit, const char *why)
{
    skip_ws(h);
    size_t n = strlen(lit);
    if ((size_t)(h->end - h->p) >= n && memcmp(h->p, lit, n) == 0) {
        h->p += n;
        return true;
    }
    h->why = why;
    return false;
}

/* A quoted string without escapes (all numpy writes in a header) into buf. */
static bool quoted(hparser *h, char *buf, size_t n, const char *why)
{
    skip_ws(h);
    h->why = why;
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"')) return false;
    char q = *h->p++;
    const char *s = h->p;
    while (h->p < h->end && *h->p != q) h->p++;
    if (h->p >= h->end || (size_t)(h->p - s) >= n) return false;
    memcpy(buf, s, (size_t)(h->p - s));
    buf[h->p - s] = '\0';
    h->p++;
    return true;
}

static bool integer(hparser *h, int64_t *v)
{
    skip_ws(h);
    h->why = "a non-negative integer in 'shape'";
    if (h->p >= h->end || *h->p < '0' || *h->p > '9') return false;
    int64_t x = 0;
    while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
        int dig = *h->p++ - '0';
        if (x > (INT64_MAX - dig) / 10) return false;
        x = x * 10 + dig;
    }
    if (h->p < h->end && *h->p == 'L') h->p++; /* Python 2 longs */
    *v = x;
    return true;
}

typedef struct npy_header {
    const struct npy_type *type;
    bool fortran;
    int ndim;
    int64_t shape[DC_MAX_DIMS];
} npy_header;

/* Parses the dict into out and descr; on failure returns false with h->why set. A descr
 * that parses but is not supported leaves out->type NULL. */
static bool parse_header(hparser *h, npy_header *out, char *descr, size_t dn)
{
    bool have_descr = false, have_fortran = false, have_shape = false;
    descr[0] = '\0';
    if (!eat(h, "{", "'{'")) return false;
    for (;;) {
        char key[32];
        if (eat(h, "}", "")) break;
        if (!quoted(h, key, sizeof key, "a quoted key or '}'")) return false;
        if (!eat(h, ":", "':' after a key")) return false;
        if (strcmp(key, "descr") == 0 && !have_descr) {
            if (!quoted(h, descr, dn, "a dtype string for 'descr' (structured dtypes are "
                                      "not supported)"))
                return false;
            have_descr = true;
        } else if (strcmp(key, "fortran_order") == 0 && !have_fortran) {
            if (eat(h, "True", "")) out->fortran = true;
            else if (eat(h, "False", "True or False for 'fortran_order'")) out->fortran = false;
            else return false;
            have_fortran = true;
        } else if (strcmp(key, "shape") == 0 && !have_shape) {
            if (!eat(h, "(", "'(' for 'shape'")) return false;
            out->ndim = 0;
            while (!eat(h, ")", "")) {
                if (out->ndim == DC_MAX_DIMS) {
                    h->why = "a shape of at most 8 dimensions";
                    return false;
                }
                if (!integer(h, &out->shape[out->ndim++])) return false;
                if (!eat(h, ",", "")) {
                    if (!eat(h, ")", "',' or ')' in 'shape'")) return false;
                    break;
                }
            }
            have_shape = true;
        } else {
            h->why = "only the keys 'descr', 'fortran_order' and 'shape', once each";
            return false;
        }
        if (!eat(h, ",", "")) {
            if (!eat(h, "}", "',' or '}'")) return false;
            break;
        }
    }
    skip_ws(h);
    if (h->p != h->end) {
        h->why = "nothing but spaces after the dict";
        return false;
    }
    if (!have_descr || !have_fortran || !have_shape) {
        h->why = "the keys 'descr', 'fortran_order' and 'shape'";
        return false;
    }
    out->type = NULL;
    for (size_t i = 0; i < NPY_NTYPES; i++)
        if (strcmp(descr, npy_types[i].descr) == 0) out->type = &npy_types[i];
    return true;
}

/* ---- reading ---- */

/* n elements of type ty at src into dst (of ty->dt). */
static void convert(const struct npy_type *ty, const unsigned char *src, void *dst, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (ty->conv) {
        case CONV_F64: {
            double v;
            memcpy(&v, src + 8 * i, 8);
            ((float *)dst)[i] = (float)v;
            break;
        }
        case CONV_I32: {
            int32_t v;
            memcpy(&v, src + 4 * i, 4);
            ((int64_t *)dst)[i] = v;
            break;
        }
        default: ((uint8_t *)dst)[i] = src[i] != 0; break;
        }
    }
}

/* Reads the data of t (allocated, contiguous) from r, converting from the file's type. */
static dc_status read_data(dc_rfile *r, const struct npy_type *ty, dc_tensor *t)
{
    size_t n = (size_t)dc_tensor_numel(t);
    char *dst = dc_tensor_data(t);
    if (ty->conv == CONV_NONE) return dc_rfile_read(r, dst, n * ty->itemsize, "array data");
    unsigned char buf[1 << 16];
    size_t per = sizeof buf / ty->itemsize, esz = dc_dtype_size(t->dtype);
    for (size_t i = 0; i < n; i += per) {
        size_t k = n - i < per ? n - i : per;
        DC_TRY(dc_rfile_read(r, buf, k * ty->itemsize, "array data"));
        convert(ty, buf, dst + i * esz, k);
    }
    return DC_OK;
}

/* Fortran order: the data is the C-order array of the reversed shape, transposed. */
static dc_status from_fortran(dc_tensor *t)
{
    int perm[DC_MAX_DIMS];
    for (int d = 0; d < t->ndim; d++) perm[d] = t->ndim - 1 - d;
    dc_tensor v = dc_tensor_empty();
    DC_TRY(dc_tensor_permute(&v, t, perm));
    dc_status s = dc_tensor_clone(t, &v, t->dtype);
    dc_tensor_release(&v);
    return s;
}

static dc_status load_from(dc_rfile *r, dc_tensor *t)
{
    const char *path = r->path;
    unsigned char pre[12];
    size_t first = r->size < 10 ? (size_t)r->size : 10;
    DC_TRY(dc_rfile_read(r, pre, first, "preamble"));
    if (first < 6 || memcmp(pre, npy_magic, 6) != 0)
        return dc_fail(DC_ERR_FORMAT, "load_npy: '%s' is not a .npy file (no \\x93NUMPY magic)",
                       path);
    if (first < 10) DC_TRY(dc_rfile_read(r, pre + first, 10 - first, "preamble"));
    uint32_t hlen;
    if (pre[6] == 1) {
        hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        DC_TRY(dc_rfile_read(r, pre + 10, 2, "header length"));
        hlen = dc_le32(pre + 8);
    } else {
        return dc_fail(DC_ERR_FORMAT, "load_npy: '%s': unsupported .npy version %d.%d", path,
                       pre[6], pre[7]);
    }
    if ((int64_t)hlen > dc_rfile_left(r))
        return dc_fail(DC_ERR_FORMAT,
                       "load_npy: '%s': truncated file: header of %u bytes, only %lld left",
                       path, hlen, (long long)dc_rfile_left(r));
    char *text = malloc(hlen + 1);
    DC_CHECK(text, DC_ERR_NOMEM, "load_npy: out of memory");
    dc_status s = dc_rfile_read(r, text, hlen, "header");
    npy_header hd = {0};
    char descr[32];
    if (s == DC_OK) {
        hparser h = {text, text + hlen, ""};
        text[hlen] = '\0';
        if (!parse_header(&h, &hd, descr, sizeof descr))
            s = dc_fail(DC_ERR_FORMAT, "load_npy: '%s': bad header: expected %s at byte %d of "
                        "\"%.*s\"", path, h.why, (int)(h.p - text),
                        (int)(hlen > 120 ? 120 : hlen), text);
        else if (!hd.type)
            s = dc_fail(DC_ERR_FORMAT, "load_npy: '%s': unsupported dtype '%s' (supported: "
                        "<f4, <i8, |u1, <f8, <i4, |b1)", path, descr);
    }
    free(text);
    DC_TRY(s);

    int64_t numel = 1, shape[DC_MAX_DIMS];
    for (int d = 0; d < hd.ndim; d++) {
        shape[d] = hd.fortran ? hd.shape[hd.ndim - 1 - d] : hd.shape[d];
        if (hd.shape[d] && numel > INT64_MAX / 8 / hd.shape[d])
            return dc_fail(DC_ERR_FORMAT, "load_npy: '%s': shape too large", path);
        numel *= hd.shape[d];
    }
    int64_t need = numel * (int64_t)hd.type->itemsize, left = dc_rfile_left(r);
    char sb[160];
    if (left != need)
        return dc_fail(DC_ERR_FORMAT, "load_npy: '%s': %s: %lld bytes of '%s' data for shape %s, "
                       "the file has %lld", path, left < need ? "truncated data" : "extra data",
                       (long long)need, descr, dc_shape_str(hd.ndim, hd.shape, sb, sizeof sb),
                       (long long)left);
    DC_TRY(dc_tensor_alloc(t, hd.type->dt, hd.ndim, shape));
    DC_TRY(read_data(r, hd.type, t));
    if (hd.fortran && hd.ndim > 1) DC_TRY(from_fortran(t));
    return DC_OK;
}

dc_status dc_npy_load(const char *path, dc_tensor *out)
{
    dc_rfile r;
    DC_TRY(dc_rfile_open(&r, path, "load_npy"));
    dc_tensor t = dc_tensor_empty();
    dc_status s = load_from(&r, &t);
    dc_rfile_close(&r);
    if (s == DC_OK) {
        if (!out->storage) {
            *out = t;
            return DC_OK;
        }
        s = dc_tensor_ensure(out, t.dtype, t.ndim, t.shape, "load_npy: out");
        if (s == DC_OK) s = dc_copy(out, &t);
    }
    dc_tensor_release(&t);
    return s;
}
