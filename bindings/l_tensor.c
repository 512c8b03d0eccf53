/* Lua bindings of the tensor: creation, inspection, views, elementwise math, indexing and
 * the metamethods of dclab.Tensor. Indices and dimensions are 1-based here, 0-based in core.
 * Reductions, BLAS, index ops, random numbers and file formats bind in their own files. */
#include <math.h>
#include <string.h>

#include "dcb.h"

/* ---- creation ---- */

/* core.empty(shape, dtype), core.zeros(shape, dtype) */
static int l_empty(lua_State *L)
{
    int64_t shape[DC_MAX_DIMS];
    luaL_checktype(L, 1, LUA_TTABLE);
    int nd = dcb_checkshape(L, 1, shape);
    dc_dtype dt = dcb_checkdtype(L, 2, DC_F32);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_tensor_alloc(t, dt, nd, shape));
    return 1;
}

static int l_zeros(lua_State *L)
{
    int64_t shape[DC_MAX_DIMS];
    luaL_checktype(L, 1, LUA_TTABLE);
    int nd = dcb_checkshape(L, 1, shape);
    dc_dtype dt = dcb_checkdtype(L, 2, DC_F32);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_tensor_zeros(t, dt, nd, shape));
    return 1;
}

/* Sets every element of t to the Lua number at index v (integers keep 64 bits). */
static void fill_value(lua_State *L, dc_tensor *t, int v)
{
    if (lua_isinteger(L, v)) dcb_check(L, dc_fill_i64(t, lua_tointeger(L, v)));
    else dcb_check(L, dc_fill(t, luaL_checknumber(L, v)));
}

/* core.full(shape, value, dtype) */
static int l_full(lua_State *L)
{
    int64_t shape[DC_MAX_DIMS];
    luaL_checktype(L, 1, LUA_TTABLE);
    int nd = dcb_checkshape(L, 1, shape);
    luaL_checknumber(L, 2);
    dc_dtype dt = dcb_checkdtype(L, 3, DC_F32);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_tensor_alloc(t, dt, nd, shape));
    fill_value(L, t, 2);
    return 1;
}

/* Walks the first elements of nested tables to find the shape. */
static int nested_shape(lua_State *L, int idx, int64_t *shape)
{
    int nd = 0;
    lua_pushvalue(L, idx);
    while (lua_istable(L, -1)) {
        if (nd == DC_MAX_DIMS) luaL_error(L, "tensor: more than %d levels of nesting", DC_MAX_DIMS);
        shape[nd++] = (int64_t)luaL_len(L, -1);
        if (shape[nd - 1] == 0) break;
        lua_geti(L, -1, 1);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
    return nd;
}

/* Copies nested table at idx (depth d) into t, checking it is rectangular. */
static void fill_nested(lua_State *L, int idx, dc_tensor *t, int d, int64_t *pos)
{
    int64_t n = (int64_t)luaL_len(L, idx);
    if (n != t->shape[d])
        luaL_error(L, "tensor: ragged nested table: %d elements at depth %d where %d were expected",
                   (int)n, d + 1, (int)t->shape[d]);
    for (int64_t i = 0; i < n; i++) {
        pos[d] = i;
        lua_geti(L, idx, i + 1);
        if (d + 1 < t->ndim) {
            if (!lua_istable(L, -1))
                luaL_error(L, "tensor: expected a table at depth %d, got %s", d + 2,
                           luaL_typename(L, -1));
            fill_nested(L, lua_gettop(L), t, d + 1, pos);
        } else if (lua_isinteger(L, -1)) {
            dc_tensor_set_i64(t, pos, lua_tointeger(L, -1));
        } else if (lua_type(L, -1) == LUA_TNUMBER) {
            dc_tensor_set(t, pos, lua_tonumber(L, -1));
        } else if (lua_isboolean(L, -1)) {
            dc_tensor_set(t, pos, lua_toboolean(L, -1));
        } else {
            luaL_error(L, "tensor: expected a number at depth %d, got %s", d + 1,
                       luaL_typename(L, -1));
        }
        lua_pop(L, 1);
    }
}

/* core.tensor(nested_table, dtype) */
static int l_tensor_new(lua_State *L)
{
    int64_t shape[DC_MAX_DIMS], pos[DC_MAX_DIMS];
    if (lua_type(L, 1) == LUA_TNUMBER) { /* a 0-d tensor from a number */
        dc_dtype dt = dcb_checkdtype(L, 2, lua_isinteger(L, 1) && !lua_isnoneornil(L, 2) ? DC_I64 : DC_F32);
        dc_tensor *t = dcb_newtensor(L);
        dcb_check(L, dc_tensor_alloc(t, dt, 0, shape));
        fill_value(L, t, 1);
        return 1;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    dc_dtype dt = dcb_checkdtype(L, 2, DC_F32);
    int nd = nested_shape(L, 1, shape);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_tensor_alloc(t, dt, nd, shape));
    if (dc_tensor_numel(t) > 0) fill_nested(L, 1, t, 0, pos);
    return 1;
}

/* core.arange(start, stop, step, dtype) */
static int l_arange(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2), s = luaL_checknumber(L, 3);
    dc_dtype dt = dcb_checkdtype(L, 4, DC_F32);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_arange(a, b, s, dt, t));
    return 1;
}

static int l_linspace(lua_State *L)
{
    double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
    lua_Integer n = luaL_checkinteger(L, 3);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_linspace(a, b, n, t));
    return 1;
}

static int l_eye(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1), m = luaL_optinteger(L, 2, n);
    dc_dtype dt = dcb_checkdtype(L, 3, DC_F32);
    dc_tensor *t = dcb_newtensor(L);
    dcb_check(L, dc_eye(n, m, dt, t));
    return 1;
}

/* core.memory() -> {bytes=, peak=, allocs=}: live engine storage, its peak, allocation count */
static int l_memory(lua_State *L)
{
    dc_mem_stats m = dc_mem_get();
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, m.bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushinteger(L, m.peak);
    lua_setfield(L, -2, "peak");
    lua_pushinteger(L, m.allocs);
    lua_setfield(L, -2, "allocs");
    return 1;
}

static int l_reset_peak(lua_State *L)
{
    (void)L;
    dc_mem_reset_peak();
    return 0;
}

static int l_is_tensor(lua_State *L)
{
    lua_pushboolean(L, dcb_totensor(L, 1) != NULL);
    return 1;
}

/* ---- inspection ---- */

static void push_element(lua_State *L, const dc_tensor *t, const int64_t *idx)
{
    if (t->dtype == DC_F32) lua_pushnumber(L, dc_tensor_get(t, idx));
    else lua_pushinteger(L, dc_tensor_get_i64(t, idx));
}

static int m_shape(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    dcb_pushshape(L, t->ndim, t->shape);
    return 1;
}

static int m_size(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    if (lua_isnoneornil(L, 2)) {
        dcb_pushshape(L, t->ndim, t->shape);
        return 1;
    }
    lua_pushinteger(L, t->shape[dcb_checkdim(L, 2, t->ndim, 0)]);
    return 1;
}

static int m_stride(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    dcb_pushshape(L, t->ndim, t->stride);
    return 1;
}

static int m_dim(lua_State *L)
{
    lua_pushinteger(L, dcb_checktensor(L, 1)->ndim);
    return 1;
}

static int m_numel(lua_State *L)
{
    lua_pushinteger(L, dc_tensor_numel(dcb_checktensor(L, 1)));
    return 1;
}

static int m_dtype(lua_State *L)
{
    lua_pushstring(L, dc_dtype_name(dcb_checktensor(L, 1)->dtype));
    return 1;
}

static int m_is_contiguous(lua_State *L)
{
    lua_pushboolean(L, dc_tensor_is_contiguous(dcb_checktensor(L, 1)));
    return 1;
}

static int m_item(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    if (dc_tensor_numel(t) != 1) {
        char b[128];
        return luaL_error(L, "item: tensor must have exactly one element, got %s",
                          dc_tensor_describe(t, b, sizeof b));
    }
    int64_t idx[DC_MAX_DIMS] = {0};
    push_element(L, t, idx);
    return 1;
}

static void push_table(lua_State *L, const dc_tensor *t, int d, int64_t *idx)
{
    lua_createtable(L, (int)t->shape[d], 0);
    for (int64_t i = 0; i < t->shape[d]; i++) {
        idx[d] = i;
        if (d + 1 < t->ndim) push_table(L, t, d + 1, idx);
        else push_element(L, t, idx);
        lua_rawseti(L, -2, i + 1);
    }
}

static int m_totable(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int64_t idx[DC_MAX_DIMS] = {0};
    if (t->ndim == 0) push_element(L, t, idx);
    else push_table(L, t, 0, idx);
    return 1;
}

/* Releases the storage now instead of at collection (also __gc and __close). Idempotent. */
static int m_free(lua_State *L)
{
    dc_tensor *t = luaL_checkudata(L, 1, DCB_TENSOR);
    dc_tensor_release(t);
    return 0;
}

static int m_data_ptr(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    lua_pushfstring(L, "%p", dc_tensor_data(t));
    return 1;
}

/* ---- views ---- */

static int m_view(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int64_t shape[DC_MAX_DIMS];
    int nd = dcb_checkshape(L, 2, shape);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_view(r, t, nd, shape));
    return 1;
}

static int m_reshape(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int64_t shape[DC_MAX_DIMS];
    int nd = dcb_checkshape(L, 2, shape);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_reshape(r, t, nd, shape));
    return 1;
}

static int m_narrow(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int d = dcb_checkdim(L, 2, t->ndim, 0);
    lua_Integer start = luaL_checkinteger(L, 3), len = luaL_checkinteger(L, 4);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_narrow(r, t, d, start - 1, len));
    return 1;
}

/* A 1-based index, negative counting from the end, to 0-based; out of range left to core. */
static int64_t index0(lua_Integer i, int64_t size) { return i < 0 ? size + i : i - 1; }

static int m_select(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int d = dcb_checkdim(L, 2, t->ndim, 0);
    lua_Integer i = luaL_checkinteger(L, 3);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_select(r, t, d, index0(i, t->shape[d])));
    return 1;
}

static int m_transpose(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int d0, d1;
    if (lua_isnoneornil(L, 2)) {
        if (t->ndim != 2) {
            char b[128];
            return luaL_error(L, "t: expected a 2-dimensional tensor, got %s",
                              dc_tensor_describe(t, b, sizeof b));
        }
        d0 = 0;
        d1 = 1;
    } else {
        d0 = dcb_checkdim(L, 2, t->ndim, 0);
        d1 = dcb_checkdim(L, 3, t->ndim, 0);
    }
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_transpose(r, t, d0, d1));
    return 1;
}

static int m_permute(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int64_t p[DC_MAX_DIMS];
    int n = dcb_checkshape(L, 2, p);
    if (n != t->ndim) {
        char b[128];
        return luaL_error(L, "permute: %d dimensions given for %s", n,
                          dc_tensor_describe(t, b, sizeof b));
    }
    int perm[DC_MAX_DIMS];
    for (int d = 0; d < n; d++) perm[d] = (int)(p[d] < 0 ? p[d] + n : p[d] - 1);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_permute(r, t, perm));
    return 1;
}

static int m_squeeze(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int d = lua_isnoneornil(L, 2) ? -1 : dcb_checkdim(L, 2, t->ndim, 0);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_squeeze(r, t, d));
    return 1;
}

static int m_unsqueeze(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int d = dcb_checkdim(L, 2, t->ndim, 1);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_unsqueeze(r, t, d));
    return 1;
}

static int m_expand(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    int64_t shape[DC_MAX_DIMS];
    int nd = dcb_checkshape(L, 2, shape);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_expand(r, t, nd, shape));
    return 1;
}

static int m_contiguous(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    if (dc_tensor_is_contiguous(t)) {
        lua_settop(L, 1);
        return 1;
    }
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_clone(r, t, t->dtype));
    return 1;
}

/* t:clone() or t:type(dtype): a fresh contiguous copy (same tensor back when type matches) */
static int m_clone(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    dc_dtype dt = dcb_checkdtype(L, 2, t->dtype);
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_clone(r, t, dt));
    return 1;
}

static int convert_to(lua_State *L, dc_dtype dt)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    if (t->dtype == dt) {
        lua_settop(L, 1);
        return 1;
    }
    dc_tensor *r = dcb_newtensor(L);
    dcb_check(L, dc_tensor_clone(r, t, dt));
    return 1;
}

static int m_float(lua_State *L) { return convert_to(L, DC_F32); }
static int m_long(lua_State *L) { return convert_to(L, DC_I64); }
static int m_byte(lua_State *L) { return convert_to(L, DC_U8); }
static int m_type(lua_State *L) { return convert_to(L, dcb_checkdtype(L, 2, DC_F32)); }

/* dst:copy(src): converts dtype and broadcasts; returns dst */
static int m_copy(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1), *s = dcb_checktensor(L, 2);
    dcb_check(L, dc_copy(t, s));
    lua_settop(L, 1);
    return 1;
}

static int m_fill(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    luaL_checknumber(L, 2);
    fill_value(L, t, 2);
    lua_settop(L, 1);
    return 1;
}

/* ---- elementwise ---- */

/* The result tensor of an elementwise op, left on top of the stack: self (arg 1) when in
 * place, the caller's out tensor at arg out_arg when given (hot loops: no allocation), else
 * a new one. */
static dc_tensor *result(lua_State *L, int inplace, int out_arg)
{
    if (inplace) {
        lua_pushvalue(L, 1);
        return dcb_checktensor(L, 1);
    }
    if (dcb_totensor(L, out_arg)) {
        dc_tensor *o = dcb_checktensor(L, out_arg);
        lua_pushvalue(L, out_arg);
        return o;
    }
    return dcb_newtensor(L);
}

/* a op b with either side a number; out (optional, arg 3) receives the result. */
static int binary(lua_State *L, dc_binop op, int inplace)
{
    dc_tensor *a = dcb_totensor(L, 1), *b = dcb_totensor(L, 2);
    if (a && !a->storage) dcb_checktensor(L, 1);
    if (b && !b->storage) dcb_checktensor(L, 2);
    if (!a && !b) return luaL_error(L, "%s: expected a tensor operand", dc_binop_name(op));
    if (a && b) {
        dc_tensor *o = result(L, inplace, 3);
        dcb_check(L, dc_binary(op, a, b, o));
    } else {
        int ti = a ? 1 : 2, si = a ? 2 : 1;
        if (lua_type(L, si) != LUA_TNUMBER)
            return luaL_error(L, "%s: expected a tensor or a number, got %s", dc_binop_name(op),
                              luaL_typename(L, si));
        dc_tensor *t = a ? a : b;
        if (inplace && !a) return luaL_error(L, "%s_: self must be a tensor", dc_binop_name(op));
        dc_tensor *o = result(L, inplace, 3);
        dcb_check(L, dc_binary_scalar(op, t, lua_tonumber(L, si), lua_isinteger(L, si), ti == 2, o));
    }
    return 1;
}

#define BINARY_FN(name, op)                                                                    \
    static int m_##name(lua_State *L) { return binary(L, op, 0); }                             \
    static int m_##name##_(lua_State *L) { return binary(L, op, 1); }

BINARY_FN(add, DC_ADD)
BINARY_FN(sub, DC_SUB)
BINARY_FN(mul, DC_MUL)
BINARY_FN(div, DC_DIV)
BINARY_FN(pow, DC_POW)
BINARY_FN(maximum, DC_MAXIMUM)
BINARY_FN(minimum, DC_MINIMUM)

#define COMPARE_FN(name, op)                                                                   \
    static int m_##name(lua_State *L) { return binary(L, op, 0); }

COMPARE_FN(lt, DC_LT)
COMPARE_FN(le, DC_LE)
COMPARE_FN(gt, DC_GT)
COMPARE_FN(ge, DC_GE)
COMPARE_FN(eq, DC_EQ)
COMPARE_FN(ne, DC_NE)

/* op(a); out (optional, arg 2) receives the result */
static int unary(lua_State *L, dc_unop op, int inplace)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    dc_tensor *o = result(L, inplace, 2);
    dcb_check(L, dc_unary(op, a, o));
    return 1;
}

#define UNARY_FN(name, op)                                                                     \
    static int m_##name(lua_State *L) { return unary(L, op, 0); }                              \
    static int m_##name##_(lua_State *L) { return unary(L, op, 1); }

UNARY_FN(neg, DC_NEG)
UNARY_FN(abs, DC_ABS)
UNARY_FN(relu, DC_RELU)
UNARY_FN(sqrt, DC_SQRT)
UNARY_FN(exp, DC_EXP)
UNARY_FN(log, DC_LOG)
UNARY_FN(sigmoid, DC_SIGMOID)
UNARY_FN(tanh, DC_TANH)
UNARY_FN(floor, DC_FLOOR)
UNARY_FN(ceil, DC_CEIL)
UNARY_FN(sin, DC_SIN)
UNARY_FN(cos, DC_COS)

static int clamp(lua_State *L, int inplace)
{
    dc_tensor *a = dcb_checktensor(L, 1);
    double lo = luaL_optnumber(L, 2, NAN), hi = luaL_optnumber(L, 3, NAN);
    dc_tensor *o = result(L, inplace, 4);
    dcb_check(L, dc_clamp(a, lo, hi, o));
    return 1;
}

static int m_clamp(lua_State *L) { return clamp(L, 0); }
static int m_clamp_(lua_State *L) { return clamp(L, 1); }

/* core.where(cond, a, b): a and b may be numbers */
static int l_where(lua_State *L)
{
    dc_tensor *c = dcb_checktensor(L, 1);
    dc_tensor *ab[2];
    for (int k = 0; k < 2; k++) {
        ab[k] = dcb_totensor(L, 2 + k);
        if (ab[k]) {
            dcb_checktensor(L, 2 + k);
            continue;
        }
        /* a number operand becomes a 0-d tensor anchored on the stack */
        luaL_checknumber(L, 2 + k);
        int isint = lua_isinteger(L, 2 + k);
        dc_tensor *t = dcb_newtensor(L);
        dcb_check(L, dc_tensor_alloc(t, isint ? DC_I64 : DC_F32, 0, NULL));
        fill_value(L, t, 2 + k);
        lua_replace(L, 2 + k);
        ab[k] = dcb_totensor(L, 2 + k);
    }
    dc_tensor *o = dcb_newtensor(L);
    dcb_check(L, dc_where(c, ab[0], ab[1], o));
    return 1;
}

/* ---- indexing and metamethods ---- */

/* t[{i, j}], t[{{1, 3}, 2}], t[mask] and their assignments are written in Lua
 * (lua/dclab/index.lua), which stores them in the metatable as field (__getitem, __setitem). */
static int index_in_lua(lua_State *L, const char *field, int nres)
{
    int n = lua_gettop(L);
    if (luaL_getmetafield(L, 1, field) == LUA_TNIL)
        return luaL_error(L, "tensor index: a %s key needs the dclab Lua library",
                          luaL_typename(L, 2));
    lua_insert(L, 1);
    lua_call(L, n, nres);
    return nres;
}

static int is_index_key(lua_State *L)
{
    return lua_istable(L, 2) || lua_type(L, 2) == LUA_TUSERDATA;
}

/* t[i]: a view of row i, or a number for a 1-D tensor; t.name: a method. t[#t + 1] is nil,
 * so that ipairs(t) stops at the end as it does on a list. */
static int mt_index(lua_State *L)
{
    if (is_index_key(L)) return index_in_lua(L, "__getitem", 1);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        dc_tensor *t = dcb_checktensor(L, 1);
        int ok;
        lua_Integer i = lua_tointegerx(L, 2, &ok);
        if (!ok) return luaL_error(L, "index must be an integer, got %s", lua_tostring(L, 2));
        if (t->ndim == 0) return luaL_error(L, "cannot index a 0-dimensional tensor (use item)");
        if (i == t->shape[0] + 1) return 0;
        int64_t i0 = index0(i, t->shape[0]);
        if (i0 < 0 || i0 >= t->shape[0])
            return luaL_error(L, "index %d out of range for dimension 1 of size %d", (int)i,
                              (int)t->shape[0]);
        if (t->ndim == 1) {
            int64_t idx[1] = {i0};
            push_element(L, t, idx);
            return 1;
        }
        dc_tensor *r = dcb_newtensor(L);
        dcb_check(L, dc_tensor_select(r, t, 0, i0));
        return 1;
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
}

/* t[i] = v: sets an element of a 1-D tensor, or fills/copies row i. */
static int mt_newindex(lua_State *L)
{
    if (is_index_key(L)) return index_in_lua(L, "__setitem", 0);
    dc_tensor *t = dcb_checktensor(L, 1);
    int ok;
    lua_Integer i = lua_tointegerx(L, 2, &ok);
    if (!ok) return luaL_error(L, "tensor fields cannot be assigned (key %s)", luaL_tolstring(L, 2, NULL));
    if (t->ndim == 0) return luaL_error(L, "cannot index a 0-dimensional tensor");
    int64_t i0 = index0(i, t->shape[0]);
    if (i0 < 0 || i0 >= t->shape[0])
        return luaL_error(L, "index %d out of range for dimension 1 of size %d", (int)i,
                          (int)t->shape[0]);
    dc_tensor row = dc_tensor_empty();
    dcb_check(L, dc_tensor_select(&row, t, 0, i0));
    dc_tensor *src = dcb_totensor(L, 3);
    dc_status s;
    if (src) s = src->storage ? dc_copy(&row, src) : dc_fail(DC_ERR_STATE, "attempt to use a released tensor");
    else if (lua_isinteger(L, 3)) s = dc_fill_i64(&row, lua_tointeger(L, 3));
    else if (lua_type(L, 3) == LUA_TNUMBER) s = dc_fill(&row, lua_tonumber(L, 3));
    else s = dc_fail(DC_ERR_ARG, "cannot assign a %s to a tensor element", luaL_typename(L, 3));
    dc_tensor_release(&row);
    dcb_check(L, s);
    return 0;
}

static int mt_len(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    if (t->ndim == 0) return luaL_error(L, "# of a 0-dimensional tensor (use numel)");
    lua_pushinteger(L, t->shape[0]);
    return 1;
}

static int mt_unm(lua_State *L)
{
    lua_settop(L, 1); /* Lua passes the operand twice */
    return unary(L, DC_NEG, 0);
}

static const luaL_Reg tensor_methods[] = {
    {"shape", m_shape}, {"size", m_size}, {"stride", m_stride}, {"dim", m_dim},
    {"numel", m_numel}, {"dtype", m_dtype}, {"is_contiguous", m_is_contiguous},
    {"item", m_item}, {"totable", m_totable}, {"free", m_free}, {"data_ptr", m_data_ptr},
    {"view", m_view}, {"reshape", m_reshape}, {"narrow", m_narrow}, {"select", m_select},
    {"transpose", m_transpose}, {"t", m_transpose}, {"permute", m_permute},
    {"squeeze", m_squeeze}, {"unsqueeze", m_unsqueeze}, {"expand", m_expand},
    {"contiguous", m_contiguous}, {"clone", m_clone}, {"float", m_float}, {"long", m_long},
    {"byte", m_byte}, {"type", m_type}, {"copy", m_copy}, {"fill", m_fill},
    {"add", m_add}, {"add_", m_add_}, {"sub", m_sub}, {"sub_", m_sub_},
    {"mul", m_mul}, {"mul_", m_mul_}, {"div", m_div}, {"div_", m_div_},
    {"pow", m_pow}, {"pow_", m_pow_}, {"maximum", m_maximum}, {"maximum_", m_maximum_},
    {"minimum", m_minimum}, {"minimum_", m_minimum_},
    {"lt", m_lt}, {"le", m_le}, {"gt", m_gt}, {"ge", m_ge}, {"eq", m_eq}, {"ne", m_ne},
    {"neg", m_neg}, {"neg_", m_neg_}, {"abs", m_abs}, {"abs_", m_abs_},
    {"relu", m_relu}, {"relu_", m_relu_}, {"sqrt", m_sqrt}, {"sqrt_", m_sqrt_},
    {"exp", m_exp}, {"exp_", m_exp_}, {"log", m_log}, {"log_", m_log_},
    {"sigmoid", m_sigmoid}, {"sigmoid_", m_sigmoid_}, {"tanh", m_tanh}, {"tanh_", m_tanh_},
    {"floor", m_floor}, {"floor_", m_floor_}, {"ceil", m_ceil}, {"ceil_", m_ceil_},
    {"sin", m_sin}, {"sin_", m_sin_}, {"cos", m_cos}, {"cos_", m_cos_},
    {"clamp", m_clamp}, {"clamp_", m_clamp_},
    {NULL, NULL},
};

static const luaL_Reg tensor_meta[] = {
    {"__gc", m_free}, {"__close", m_free}, {"__newindex", mt_newindex}, {"__len", mt_len},
    {"__add", m_add}, {"__sub", m_sub}, {"__mul", m_mul}, {"__div", m_div}, {"__pow", m_pow},
    {"__unm", mt_unm}, {NULL, NULL},
};

static const luaL_Reg tensor_funcs[] = {
    {"empty", l_empty}, {"zeros", l_zeros}, {"full", l_full}, {"tensor", l_tensor_new},
    {"arange", l_arange}, {"linspace", l_linspace}, {"eye", l_eye}, {"is_tensor", l_is_tensor},
    {"memory", l_memory}, {"reset_peak_memory", l_reset_peak},
    {"where", l_where}, {NULL, NULL},
};

void dcb_open_tensor(lua_State *L)
{
    luaL_newmetatable(L, DCB_TENSOR);
    luaL_setfuncs(L, tensor_meta, 0);
    luaL_newlib(L, tensor_methods);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "__methods"); /* for tab completion and Lua-side methods */
    lua_pushcclosure(L, mt_index, 1);
    lua_setfield(L, -2, "__index");
    lua_getfield(L, -1, "__methods");
    lua_setfield(L, -3, "Tensor"); /* core.Tensor: the method table, extended from Lua */
    lua_pop(L, 1);
    luaL_setfuncs(L, tensor_funcs, 0);
}
