/* emit_cuda.c - the CUDA back end (being written: this commit only adds the table entry). */
#include "backend.h"

int emit_cuda(const Model *m, const char *dir, const EmitOptions *opt)
{
    (void)dir;
    (void)opt;
    diag_error(m->loc, "the CUDA back end is not written yet");
    return -1;
}
