/*
 * mem.h -- the one growth policy of the engine's scratch arrays (internal).
 */
#ifndef UB_MEM_H
#define UB_MEM_H

#include <stdint.h>
#include <stdlib.h>

/* Make *p hold at least need elements of elem bytes, doubling *cap.
 * Returns 0, or -1 when out of memory (*p and *cap unchanged).  No array
 * grows past UINT32_MAX elements, so an index into one fits a uint32_t
 * (the scratch arrays hold a segment's worth; past that is a runaway). */
static inline int ub_reserve(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need > UINT32_MAX)
        return -1;
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
