/*
 * mem.h -- the one growth policy of the engine's scratch arrays (internal).
 */
#ifndef UB_MEM_H
#define UB_MEM_H

#include <stdlib.h>

/* Make *p hold at least need elements of elem bytes, doubling *cap.
 * Returns 0, or -1 when out of memory (*p and *cap unchanged). */
static inline int ub_reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

#endif
