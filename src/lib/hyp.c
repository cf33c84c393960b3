/*
 * hyp.c -- hypotheses in words, for --explain and check.
 */
#include <stdio.h>

#include "codec.h"
#include "hyp.h"
#include "mbcs.h"

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

const char *ub_hyp_describe(const ub_hyp *h, char *buf, size_t size)
{
    size_t at = 0;
#define ADD(...)                                                              \
    do {                                                                      \
        int w_ = snprintf(buf + at, at < size ? size - at : 0, __VA_ARGS__); \
        if (w_ > 0)                                                           \
            at += (size_t)w_;                                                 \
    } while (0)
    if (size)
        buf[0] = 0;
    if (h->kind == UB_HYP_LEGACY) {
        ADD("%s read as iso-8859-1", ub_codec_info_of(h->codec[0])->name);
        return buf;
    }
    if (h->kind == UB_HYP_BYTES) {
        ADD("%s bytes, not utf-8", ub_hyp_codec_name(h->codec[0]));
        if (h->nkeep)
            ADD(", among %u utf-8 character%s", h->nkeep, h->nkeep > 1 ? "s" : "");
        return buf;
    }
    if (h->kind == UB_HYP_MBCS) {
        ADD("utf-8 read as %s, 1 layer", ub_hyp_codec_name(h->codec[0]));
        return buf;
    }
    if (h->inner_legacy)
        ADD("windows-1252 read as iso-8859-1, then ");
    ADD("utf-8%s read as ", h->cesu ? " (cesu-8)" : "");
    /* innermost mistake first, as it happened */
    for (int l = h->nlayers - 1; l >= 0; l--)
        ADD("%s%s", ub_hyp_codec_name(h->codec[l]), l ? ", then " : "");
    ADD(", %d layer%s", h->nlayers, h->nlayers > 1 ? "s" : "");
    const char *sep = "; lossy: ";
    for (int op = 1; op < UB_OP_NOPS; op++) {
        if (h->ops_used >> op & 1) {
            ADD("%s%s", sep, op_words[op]);
            sep = ", ";
        }
    }
    if (h->nlegacy)
        ADD("%s%u windows-1252 byte%s among the utf-8", h->ops_used || h->nkeep ? ", " : "; mixed: ",
            h->nlegacy, h->nlegacy > 1 ? "s" : "");
    if (h->nkeep)
        ADD("%s%u character%s left as is", h->ops_used ? ", " : "; partial: ", h->nkeep,
            h->nkeep > 1 ? "s" : "");
#undef ADD
    return buf;
}
