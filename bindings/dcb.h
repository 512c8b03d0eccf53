/* Helpers shared by every binding file: tensor userdata, argument checks, status -> Lua error.
 *
 * Rules of bindings/: check every argument first, create output userdata
 * empty, call core last; raise with luaL_error(L, "%s", msg); no loops over tensor data. */
#ifndef DCB_H
#define DCB_H

#include <lauxlib.h>
#include <lua.h>

#include "dc.h"

#define DCB_TENSOR "dclab.Tensor"
#define DCB_GENERATOR "dclab.Generator"

/* The tensor at index i; raises "fname: bad argument #i (dclab.Tensor expected, got T)" or
 * "attempt to use a released tensor". */
dc_tensor *dcb_checktensor(lua_State *L, int i);
/* The tensor at i, or NULL when i is not a tensor (no error). */
dc_tensor *dcb_totensor(lua_State *L, int i);
/* Pushes a new EMPTY tensor userdata (storage NULL) and returns its header, to be filled by a
 * core call. Also paces the Lua GC by the engine bytes allocated since the last call. */
dc_tensor *dcb_newtensor(lua_State *L);

/* An output argument at index: a tensor to write into, nil (a new one, made by dcb_pushout)
 * or, when skippable, false (not computed). Check every output with dcb_checkout first, then
 * push them with dcb_pushout after all checks (the header to pass to core, NULL when skipped). */
typedef struct dcb_outarg {
    int index;
    dc_tensor *t;
    bool skip;
} dcb_outarg;
dcb_outarg dcb_checkout(lua_State *L, int i, bool skippable);
dc_tensor *dcb_pushout(lua_State *L, dcb_outarg o);
/* Refuses an output sharing storage with an input: "fname: oname must not share storage with
 * iname" (the kernels read their inputs while writing their outputs). */
void dcb_noalias(lua_State *L, const char *fname, const dc_tensor *out, const dc_tensor *in,
                 const char *oname, const char *iname);
/* On failure raises a Lua error with dc_last_error(). Never returns when s != DC_OK. */
void dcb_check(lua_State *L, dc_status s);
/* The same, the message prefixed with "fname: " unless it already starts so. */
void dcb_check_named(lua_State *L, const char *fname, dc_status s);

/* Lua counts from 1, core from 0. Index values inside tensors (labels, cluster ids, gathered
 * indices, sampler orders) cross unchanged: core calls take them with base DCB_BASE. */
#define DCB_BASE 1
/* Index tensors a core call gives 0-based (cluster ids, neighbour rows) made 1-based in
 * place, and 1-based ones from Lua copied into out 0-based: the one shift of id tensors. */
void dcb_ids_to_lua(lua_State *L, dc_tensor *t);
void dcb_ids_from_lua(lua_State *L, const dc_tensor *ids, dc_tensor *out);
/* The one conversion of a Lua position to a 0-based one: i in 1..n, or negative counting from
 * the end (-1 is n), gives 0..n-1; anything else gives -1 (the caller raises). */
int64_t dcb_index0(lua_Integer i, int64_t n);
/* Argument arg as a position among n items, 0-based (dcb_index0); raises
 * "bad argument #arg to 'f' (index 7 out of range 1..5)". */
int64_t dcb_checkindex(lua_State *L, int arg, int64_t n);
/* A dimension argument of a tensor of ndim dimensions, 0-based (dcb_index0); ndim_extra lets
 * unsqueeze accept ndim + 1. */
int dcb_checkdim(lua_State *L, int arg, int ndim, int ndim_extra);
/* Reads a shape given either as integers from arg on or as one table at arg; returns ndim. */
int dcb_checkshape(lua_State *L, int arg, int64_t *shape);
/* t[k] = v on the table at the top of the stack: the result tables of the bindings. */
void dcb_setnumber(lua_State *L, const char *k, double v);
void dcb_setinteger(lua_State *L, const char *k, int64_t v);
void dcb_setboolean(lua_State *L, const char *k, bool v);
/* Pushes a shape as a Lua table. */
void dcb_pushshape(lua_State *L, int ndim, const int64_t *shape);
/* Raises when the options table at arg has a key not in the NULL-terminated allowed list
 * ("fname: unknown option 'strides' (valid: stride, pad)"). Absent/nil arg is accepted. */
void dcb_checkoptions(lua_State *L, int arg, const char *fname, const char *const *allowed);
/* Reads field key of the options table at arg (absent table or field -> def). */
lua_Number dcb_optnumber(lua_State *L, int arg, const char *key, lua_Number def);
lua_Integer dcb_optinteger(lua_State *L, int arg, const char *key, lua_Integer def);
int dcb_optboolean(lua_State *L, int arg, const char *key, int def);
const char *dcb_optstring(lua_State *L, int arg, const char *key, const char *def);
/* The one string-to-enum style of the bindings: names is a NULL-terminated list in enum order.
 * checkenum reads the string at arg (absent: def), optenum field key of the options table at
 * arg (absent table or field: def); both raise "fname: unknown key 'x' (valid: a, b, c)".
 * Enums whose names core owns go through core's parser instead (dc_dtype_parse, ...). */
int dcb_checkenum(lua_State *L, int arg, const char *fname, const char *what,
                  const char *const *names, int def);
int dcb_optenum(lua_State *L, int arg, const char *key, const char *fname,
                const char *const *names, int def);
/* A dtype name argument ('float32', 'int64', 'uint8'); absent -> def. */
dc_dtype dcb_checkdtype(lua_State *L, int arg, dc_dtype def);

/* The generator of the dclab.Generator userdata at index i (raises when it is not one). */
dc_rng *dcb_checkgenerator(lua_State *L, int i);

/* Registration of the binding files into the module table on top of the stack. */
void dcb_open_tensor(lua_State *L);
void dcb_open_index(lua_State *L);
void dcb_open_sys(lua_State *L);
void dcb_open_random(lua_State *L);
void dcb_open_io(lua_State *L);
void dcb_open_print(lua_State *L);
void dcb_open_parallel(lua_State *L);
void dcb_open_reduce(lua_State *L);
void dcb_open_blas(lua_State *L);
void dcb_open_data(lua_State *L);
void dcb_open_image(lua_State *L);
void dcb_open_nn(lua_State *L);
void dcb_open_cpu(lua_State *L);
void dcb_open_optim(lua_State *L);
void dcb_open_cluster(lua_State *L);
void dcb_open_gmm(lua_State *L);
void dcb_open_umap(lua_State *L);
void dcb_open_swav(lua_State *L);
void dcb_open_ntxent(lua_State *L);
void dcb_open_scan(lua_State *L);

#endif
