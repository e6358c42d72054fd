/*
 * lua_api.h - the seam between lua_host.c (the sandbox) and lua_api.c (the model
 * language).  Kept out of snncc.h because only these two files see lua_State.
 */
#ifndef SNNCC_LUA_API_H
#define SNNCC_LUA_API_H

#include <lua.h>

#include "snncc.h"

/* Create the Model being filled and store the load context in the registry. */
Model *api_begin(lua_State *L, const char *path, const char *text, const LoadOptions *opt);
/* Add the model-language functions to the table at the top of the stack. */
void api_register(lua_State *L);
/* Which file is running now (for locating code strings in its text). */
void api_set_current_file(lua_State *L, const char *path, const char *text);
/* Finish: defaults for a missing network{}.  Returns 0 or -1. */
int api_end(lua_State *L);

#endif
