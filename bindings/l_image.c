/* Lua bindings of images for people: JPEG load and save, mosaics (core/data/jpeg.h,
 * core/data/image.h). A missing or corrupt file is an expected failure: load returns nil and
 * the message; misuse (bad tensor, bad quality) raises. */
#include "dcb.h"

/* core.image_load(path, gray) -> float32 [C, H, W] in [0, 1] | nil, message */
static int l_image_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int gray = lua_toboolean(L, 2);
    dc_tensor *t = dcb_newtensor(L);
    dc_status s = dc_jpeg_load(path, gray ? 1 : 3, t);
    if (s == DC_OK) return 1;
    if (s != DC_ERR_IO && s != DC_ERR_FORMAT) dcb_check(L, s);
    lua_pushnil(L);
    lua_pushstring(L, dc_last_error());
    return 2;
}

/* core.image_save(t, path, quality) */
static int l_image_save(lua_State *L)
{
    dc_tensor *t = dcb_checktensor(L, 1);
    const char *path = luaL_checkstring(L, 2);
    lua_Integer q = luaL_checkinteger(L, 3);
    dcb_check(L, dc_jpeg_save(t, path, (int)q));
    return 0;
}

/* core.image_mosaic(images, {nrow, padding, pad_value, normalize, scale_each}) -> grid */
static int l_image_mosaic(lua_State *L)
{
    static const char *const allowed[] = {"nrow", "padding", "pad_value", "normalize",
                                          "scale_each", NULL};
    dc_tensor *images = dcb_checktensor(L, 1);
    dcb_checkoptions(L, 2, "mosaic", allowed);
    dc_mosaic_cfg cfg;
    dc_mosaic_cfg_init(&cfg);
    cfg.nrow = (int)dcb_optinteger(L, 2, "nrow", cfg.nrow);
    cfg.padding = (int)dcb_optinteger(L, 2, "padding", cfg.padding);
    cfg.pad_value = dcb_optnumber(L, 2, "pad_value", cfg.pad_value);
    cfg.normalize = dcb_optboolean(L, 2, "normalize", cfg.normalize);
    cfg.scale_each = dcb_optboolean(L, 2, "scale_each", cfg.scale_each);
    dc_tensor *out = dcb_newtensor(L);
    dcb_check(L, dc_mosaic(images, &cfg, out));
    return 1;
}

void dcb_open_image(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"image_load", l_image_load}, {"image_save", l_image_save},
        {"image_mosaic", l_image_mosaic}, {NULL, NULL},
    };
    luaL_setfuncs(L, funcs, 0);
}
