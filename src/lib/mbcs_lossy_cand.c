/*
 * mbcs_lossy_cand.c -- the fill candidates of a character with unknown
 * bytes, for the lossy multibyte reverse (mbcs_lossy.h): every value of
 * its wildcards when few fit, else the language model's vocabulary over
 * the code point ranges its known bytes leave.  The beam (through its
 * cache of fills, mbcs_lossy_beam.c) and the alternatives of a result
 * (mbcs_lossy.c) both draw on it.
 */
#include <string.h>

#include "mbcs_lossy_int.h"
#include "mem.h"
#include "utf8.h"

#define ENUM_MAX 256        /* fills enumerated outright; more: vocabulary */

/* Does cp fit the known bytes of the pattern? */
static int fits(uint32_t cp, const uint8_t *pb, unsigned wm, int len)
{
    uint8_t b[4];
    if (ub_utf8_encode(cp, b) != len)
        return 0;
    for (int i = 0; i < len; i++)
        if (!(wm >> i & 1) && b[i] != pb[i])
            return 0;
    return 1;
}

static int class_range(int cls, int *lo, int *hi)
{
    switch (cls) {
    case C_CONT: *lo = 0x80; *hi = 0xBF; return 64;
    case C_ASCII: *lo = 0x09; *hi = 0x7E; return 0x7E - 0x09 + 1;
    case C_LEAD2: *lo = 0xC2; *hi = 0xDF; return 30;
    case C_LEAD3: *lo = 0xE0; *hi = 0xEF; return 16;
    default: *lo = 0xF0; *hi = 0xF4; return 5;
    }
}

static int ascii_ok(int b)
{
    return b == '\n' || (b >= 0x20 && b < 0x7F);
}

/* The next value of the wildcards (bits of wm) among v[0..n), each in
 * lo[i]..hi[i], the last fastest; 0 after the last value. */
static int next_value(int *v, const int *lo, const int *hi, unsigned wm, int n)
{
    int i = n - 1;
    while (i >= 0 && (!(wm >> i & 1) || v[i] == hi[i])) {
        if (wm >> i & 1)
            v[i] = lo[i];
        i--;
    }
    if (i < 0)
        return 0;
    v[i]++;
    return 1;
}

/*
 * The candidates for a character of len bytes whose known bytes are pb[]
 * (wildcards where wm has a bit, of classes cls[]): every value when at
 * most ENUM_MAX fit, else the model's vocabulary.  Into s->cand.
 */
long ub_mbcs_lossy_candidates(ub_mbcs_lossy_scratch *x, const uint8_t *pb, const uint8_t *cls,
                              unsigned wm, int len)
{
    long combos = 1;
    int lo[4] = { 0 }, hi[4] = { 0 };
    for (int i = 0; i < len; i++)
        if (wm >> i & 1)
            combos *= class_range(cls[i], &lo[i], &hi[i]);
    size_t nc = 0;
    if (combos <= ENUM_MAX) {
        if (ub_reserve((void **)&x->cand, &x->candcap, (size_t)combos, sizeof *x->cand))
            return -1;
        uint8_t b[4];
        int v[4];
        for (int i = 0; i < len; i++)
            v[i] = wm >> i & 1 ? lo[i] : pb[i];
        for (;;) {
            for (int i = 0; i < len; i++)
                b[i] = (uint8_t)v[i];
            uint32_t cp;
            if (ub_utf8_decode(b, (size_t)len, &cp) == len && (len > 1 || ascii_ok(b[0])))
                x->cand[nc++] = cp;
            if (!next_value(v, lo, hi, wm, len))
                break;
        }
        return (long)nc;
    }
    /* the vocabulary, over the code point ranges the known bytes leave:
     * each value of the wildcards before the last known byte fixes the
     * top bits (a range per value, in code point order, as one scan of the
     * whole vocabulary would find them) */
    const uint32_t *voc = x->voc[len];
    size_t nv = x->nvoc[len];
    int pre = len;
    while (pre > 0 && wm >> (pre - 1) & 1)
        pre--;
    long ranges = 1;
    for (int i = 0; i < pre; i++)
        if (wm >> i & 1)
            ranges *= hi[i] - lo[i] + 1;
    if (ub_reserve((void **)&x->cand, &x->candcap, nv + 1, sizeof *x->cand))
        return -1;
    if (!pre) {
        /* every byte unknown: all of it fits */
        memcpy(x->cand, voc, nv * sizeof *voc);
        return (long)nv;
    }
    /* (a range costs a binary search, about what checking a dozen
     * entries costs) */
    if (ranges * 2 > (long)nv) {
        for (size_t i = 0; i < nv; i++)
            if (fits(voc[i], pb, wm, len))
                x->cand[nc++] = voc[i];
        return (long)nc;
    }
    static const uint8_t mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
    int v[4];
    for (int i = 0; i < pre; i++)
        v[i] = wm >> i & 1 ? lo[i] : pb[i];
    size_t a = 0;
    for (;;) {
        uint32_t base = (uint32_t)v[0] & mask[len];
        for (int i = 1; i < len; i++)
            base = base << 6 | (i < pre ? (uint32_t)v[i] & 0x3F : 0);
        uint32_t top = base + (1u << 6 * (len - pre));
        size_t z = nv;
        while (a < z) {
            size_t m = (a + z) / 2;
            if (voc[m] < base)
                a = m + 1;
            else
                z = m;
        }
        for (; a < nv && voc[a] < top; a++)
            if (fits(voc[a], pb, wm, len))
                x->cand[nc++] = voc[a];
        if (!next_value(v, lo, hi, wm, pre))
            break;
    }
    return (long)nc;
}
