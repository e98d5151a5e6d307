#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>

/* Function-like macros of the Lua API are not visible to Swift: wrap the ones we use. */
static inline int clua_pcall(lua_State *L, int nargs, int nresults) { return lua_pcall(L, nargs, nresults, 0); }
static inline void clua_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline int clua_dostring(lua_State *L, const char *s) { return luaL_dostring(L, s); }
static inline const char *clua_tostring(lua_State *L, int i) { return lua_tostring(L, i); }
static inline void clua_newtable(lua_State *L) { lua_newtable(L); }
static inline int clua_getglobal(lua_State *L, const char *name) { return lua_getglobal(L, name); }
static inline int clua_registryindex(void) { return LUA_REGISTRYINDEX; }
