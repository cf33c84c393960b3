/*
 * mbcs_lossy_conv.c -- the conventions of a lossy multibyte decode: what a
 * wrong decoder writes for bytes it cannot decode, how many bytes each
 * marker stands for, and the forward simulation of each convention.
 *
 * Why ICU's error lengths come from a table: ICU's U+FFFD covers one byte
 * or two depending on whether the byte after a lead is a valid but
 * unmapped trail (swallowed) or not (kept), and what counts as valid is
 * the converter's own business, not something to guess from a state
 * machine.  src/gen/gen_mbcs.c enumerates it from ICU ahead of time, with
 * the decoder tables, into the blob that mbcs.c validates; here it is read
 * in place.  What is computed at run time (poss[], a few tens of thousands
 * of table lookups) follows from ub_mbcs_dec_at(), so that the constraint
 * the search checks early and the one it checks at the end cannot differ.
 */
#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#include "mbcs_lossy_int.h"
#include "mbcs_lossy_tab.h"
#include "utf8.h"

/* ------------------------------------------------------------ conventions */

static const char *const conv_names[UB_MBCS_NCONV] = { "icu", "python", "windows", "dropped" };

const char *ub_mbcs_conv_name(ub_mbcs_conv_e conv)
{
    return (unsigned)conv < UB_MBCS_NCONV ? conv_names[conv] : NULL;
}

static int is_sjis(int id)
{
    const char *nm = ub_mbcs_name(id);
    return nm && !strcmp(nm, "shift_jis");
}

uint32_t ub_mbcs_conv_marker(int id, ub_mbcs_conv_e conv)
{
    switch (conv) {
    case UB_MBCS_CONV_ICU:
    case UB_MBCS_CONV_PYTHON:
        return 0xFFFD;
    case UB_MBCS_CONV_WIN:
        return is_sjis(id) ? 0x30FB : '?';
    default:
        return 0;
    }
}

/* ------------------------------------------------------------ decoder tables */

#define NCODECS_MAX 16
static _Atomic(struct ub_mbcs_ltab *) ltabs[NCODECS_MAX];
static struct ub_mbcs_ltab lfailed;
static pthread_mutex_t lbuild_lock = PTHREAD_MUTEX_INITIALIZER;

/* The wildcard class of a UTF-8 byte, -1 for one UTF-8 never has. */
static int byte_class(uint8_t b)
{
    if (b < 0x80)
        return C_ASCII;
    if (b < 0xC0)
        return C_CONT;
    int l = ub_utf8_seqlen(b);
    return l ? C_LEAD2 + l - 2 : -1;
}

static struct ub_mbcs_ltab *lbuild(int id)
{
    struct ub_mbcs_ltab *t = calloc(1, sizeof *t);
    const uint8_t *lossy, *lossy3;
    if (!t || ub_mbcs_lossy_tab(id, &lossy, &lossy3))
        goto fail;
    t->flags = lossy;
    t->err2 = lossy + 256;
    t->err3 = lossy3;
    /* what dec_at() reads must be there: triples only behind 0x8F, and
     * their error lengths with them */
    for (int b = 0; b < 256; b++) {
        unsigned f = t->flags[b];
        if ((f & UB_MBCS_LT_TLEAD && b != 0x8F) ||
            ((f & UB_MBCS_LT_TLEAD || UB_MBCS_LT_DEP(f) == 2) && !t->err3) ||
            UB_MBCS_LT_DEP(f) == 3)
            goto fail;
    }
    t->triples = (t->flags[0x8F] & UB_MBCS_LT_TLEAD) != 0;
    t->ok = 1;
    for (int g = 0; g < 3; g++)
        for (int b = 0; b < 256; b++)
            t->fut[g][b] = (int8_t)ub_mbcs_dec_at(t, id, (ub_mbcs_conv_e)g, b, FUT, FUT);
    for (int g = 0; g < 3; g++)
        for (int b = 0x80; b < 256; b++) {
            /* most bytes do the same whatever follows them */
            int r = ub_mbcs_dec_at(t, id, (ub_mbcs_conv_e)g, b, FUT, FUT);
            for (int x = 0; x < 256; x++) {
                int cls = byte_class((uint8_t)x);
                if (cls < 0)
                    continue;       /* never in UTF-8 */
                int rx = r >= 0 ? r : ub_mbcs_dec_at(t, id, (ub_mbcs_conv_e)g, b, x, FUT);
                t->poss[g][b][cls] |= (uint8_t)(rx < 0 ? 0x0E : 1 << rx);
            }
        }
    return t;
fail:
    free(t);
    return &lfailed;
}

const struct ub_mbcs_ltab *ub_mbcs_ltab_get(int id)
{
    if (id < 0 || id >= ub_mbcs_count() || id >= NCODECS_MAX)
        return NULL;
    struct ub_mbcs_ltab *t = atomic_load_explicit(&ltabs[id], memory_order_acquire);
    if (t)
        return t->ok ? t : NULL;
    pthread_mutex_lock(&lbuild_lock);
    t = atomic_load_explicit(&ltabs[id], memory_order_relaxed);
    if (!t) {
        t = lbuild(id);
        atomic_store_explicit(&ltabs[id], t, memory_order_release);
    }
    pthread_mutex_unlock(&lbuild_lock);
    return t->ok ? t : NULL;
}

/* ------------------------------------------------------------ forward */

long ub_mbcs_decode_conv(ub_mbcs_cache *cache, int id, ub_mbcs_conv_e conv, const uint8_t *in,
                         size_t n, uint32_t *out, size_t cap)
{
    if (!cache || (!in && n) || (unsigned)conv >= UB_MBCS_NCONV || !ub_mbcs_name(id))
        return -1;
    if (conv == UB_MBCS_CONV_ICU || conv == UB_MBCS_CONV_DROP) {
        long m = ub_mbcs_decode(cache, id, in, n, out, cap, NULL);
        if (m < 0 || conv == UB_MBCS_CONV_ICU)
            return m;
        long o = 0;
        for (long i = 0; i < m; i++)
            if (out[i] != 0xFFFD)
                out[o++] = out[i];
        return o;
    }
    const struct ub_mbcs_ltab *t = ub_mbcs_ltab_get(id);
    if (!t)
        return -1;
    uint32_t mark = ub_mbcs_conv_marker(id, conv);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (o == cap)
            return -1;
        uint32_t cp;
        int len = ub_mbcs_decode_char(id, in + i, n - i, &cp);
        if (len) {
            out[o++] = cp;
            i += (size_t)len;
            continue;
        }
        out[o++] = mark;
        i += conv == UB_MBCS_CONV_WIN && t->flags[in[i]] & UB_MBCS_LT_LEAD && i + 1 < n &&
             in[i + 1] ? 2 : 1;
    }
    return (long)o;
}
