/*
 * hyp.c -- hypotheses in words, for --explain and check.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "hyp.h"
#include "mbcs.h"
#include "mbcs_lossy.h"

static const char *const op_words[UB_OP_NOPS] = {
    [UB_OP_DROP] = "bytes dropped",
    [UB_OP_QMARK] = "'?' substituted",
    [UB_OP_FFFD] = "U+FFFD substituted",
    [UB_OP_SPACE] = "NBSP as space",
};

const char *ub_hyp_codec_name(int id)
{
    if (id >= UB_NCODECS)
        return ub_mbcs_name(id - UB_NCODECS);
    return ub_codec_info_of(id)->name;
}

/* Append the strings of a NULL-terminated list to buf (at its length *at,
 * truncating at size): the report of every repair is built here, so no
 * printf machinery. */
static void add(char *buf, size_t size, size_t *at, ...)
{
    va_list ap;
    va_start(ap, at);
    for (const char *p; (p = va_arg(ap, const char *));) {
        size_t n = strlen(p);
        if (*at + 1 < size) {
            size_t k = n < size - 1 - *at ? n : size - 1 - *at;
            memcpy(buf + *at, p, k);
            buf[*at + k] = 0;
        }
        *at += n;
    }
    va_end(ap);
}

static const char *num(char tmp[16], unsigned v)
{
    char *p = tmp + 15;
    *p = 0;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return p;
}

const char *ub_hyp_describe(const ub_hyp *h, char *buf, size_t size)
{
    size_t at = 0;
    char t[16];
#define ADD(...) add(buf, size, &at, __VA_ARGS__, (const char *)NULL)
    if (size)
        buf[0] = 0;
    if (h->kind == UB_HYP_LEGACY) {
        ADD(ub_codec_info_of(h->codec[0])->name, " read as iso-8859-1");
        return buf;
    }
    if (h->kind == UB_HYP_BYTES) {
        ADD(ub_hyp_codec_name(h->codec[0]), " bytes, not utf-8");
        if (h->nkeep)
            ADD(", among ", num(t, h->nkeep), " utf-8 character", h->nkeep > 1 ? "s" : "");
        return buf;
    }
    if (h->kind == UB_HYP_MBCS) {
        ADD("utf-8 read as ", ub_hyp_codec_name(h->codec[0]), ", 1 layer");
        /* (the decoder's convention is named where it says more than the
         * words before it: which replacement, by whom) */
        if (h->ops_used && h->conv == UB_MBCS_CONV_DROP)
            ADD("; lossy: undecodable bytes dropped");
        else if (h->ops_used)
            ADD("; lossy: undecodable bytes ",
                h->conv == UB_MBCS_CONV_WIN ? "replaced by '?' or U+30FB" : "replaced by U+FFFD",
                " (", ub_mbcs_conv_name((ub_mbcs_conv_e)h->conv), ")");
        return buf;
    }
    if (h->inner_legacy)
        ADD("windows-1252 read as iso-8859-1, then ");
    ADD("utf-8", h->cesu ? " (cesu-8)" : "", " read as ");
    /* innermost mistake first, as it happened */
    for (int l = h->nlayers - 1; l >= 0; l--)
        ADD(ub_hyp_codec_name(h->codec[l]), l ? ", then " : "");
    ADD(", ", num(t, (unsigned)h->nlayers), " layer", h->nlayers > 1 ? "s" : "");
    const char *sep = "; lossy: ";
    for (int op = 1; op < UB_OP_NOPS; op++) {
        if (h->ops_used >> op & 1) {
            ADD(sep, op_words[op]);
            sep = ", ";
        }
    }
    /* each list opens with its label: the losses', else "mixed", else
     * "partial" */
    if (h->nlegacy)
        ADD(h->ops_used ? ", " : "; mixed: ", num(t, h->nlegacy),
            " windows-1252 byte", h->nlegacy > 1 ? "s" : "", " among the utf-8");
    if (h->nkeep)
        ADD(h->ops_used || h->nlegacy ? ", " : "; partial: ", num(t, h->nkeep), " character",
            h->nkeep > 1 ? "s" : "", " left as is");
#undef ADD
    return buf;
}
