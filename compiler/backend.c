/*
 * backend.c - the table of back ends: what -b/--backend NAME selects.
 */
#include "backend.h"

#include <string.h>

static const Backend backends[] = {
    {
        .name = "c",
        .summary = "C for the CPU (default)",
        .emit = emit_c,
        .build = driver_build,
        .sources = {".c"},
        .intermediates = {NULL},
    },
    {
        .name = "cuda",
        .summary = "CUDA for NVIDIA GPUs: host C plus device code, built with nvcc",
        .emit = emit_cuda,
        .build = driver_build_cuda,
        .sources = {".c", ".cu"},
        .intermediates = {".o", ".cu.o"},
    },
};

const Backend *backend_find(const char *name)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (!strcmp(backends[i].name, name))
            return &backends[i];
    return NULL;
}

const char *backend_names(void)
{
    static char buf[256];
    if (!buf[0])
        for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
            if (i)
                strcat(buf, ", ");
            strcat(buf, backends[i].name);
        }
    return buf;
}
