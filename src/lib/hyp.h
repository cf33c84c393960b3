/*
 * hyp.h -- hypotheses about how a run of text was baked (internal).
 *
 * A hypothesis says how the text we see was produced from the text we
 * write: the original UTF-8 was decoded with codec[nlayers-1], the result
 * encoded as UTF-8 and decoded with codec[nlayers-2], ... and finally with
 * codec[0] (the outermost, most recent mistake).  Lossy hypotheses also say,
 * for every byte of that last step, what happened to it (dropped, replaced
 * by '?' or U+FFFD, NBSP turned into a space); those per-character records
 * are what the forward check replays.
 */
#ifndef UB_HYP_H
#define UB_HYP_H

#include <stddef.h>
#include <stdint.h>

/* Layers one hypothesis holds (the direct search goes this deep), and
 * layers undone in all: a repair's text decided again adds its own. */
#define UB_MAX_LAYERS 3
#define UB_MAX_TOTAL_LAYERS 4

typedef enum {
    UB_HYP_NONE = 0,
    UB_HYP_UTF8 = 1,        /* UTF-8 read as codec[] (1..3 layers) */
    UB_HYP_LEGACY = 2,      /* text in codec[0] read as ISO-8859-1 */
    UB_HYP_MBCS = 3,        /* UTF-8 read as the multibyte codec[0] */
    UB_HYP_BYTES = 4        /* not UTF-8 at all: bytes in codec[0] */
} ub_hyp_kind_e;

/* Codec ids in a hypothesis: 0 .. UB_NCODECS-1 are the single-byte codecs
 * of codec.h, UB_NCODECS + k the multibyte codec k of mbcs.h. */

/* What happened to one byte of the outermost layer. */
typedef enum {
    UB_OP_NONE = 0,         /* decoded normally */
    UB_OP_DROP = 1,         /* dropped (undefined byte, soft hyphen, C1) */
    UB_OP_QMARK = 2,        /* replaced by '?' */
    UB_OP_FFFD = 3,         /* replaced by U+FFFD */
    UB_OP_SPACE = 4,        /* NBSP (0xA0) written as a plain space */
    UB_OP_NOPS
} ub_op_e;

/* Did op lose its byte (dropped, or written as '?' or U+FFFD)?  An NBSP
 * written as a space kept it, as a space. */
static inline int ub_op_lost(int op)
{
    return op == UB_OP_DROP || op == UB_OP_QMARK || op == UB_OP_FFFD;
}

/* One character of a lossy reconstruction. */
typedef struct {
    uint32_t cp;            /* the character written */
    uint8_t keep;           /* 1: passed through as is (not decoded);
                               2: a C1 control read as windows-1252 */
    uint8_t gap;            /* 1: some byte of it was lost (see ops) */
    uint8_t ops[4];         /* per UTF-8 byte of cp, an ub_op_e */
    uint8_t guess;          /* two layers: a byte of it was one of several
                               the outer decoder's drop leaves open */
} ub_lchar;

/* (widest fields first, no padding: the detector keeps one per run, per
 * candidate and per logged offer of a segment) */
typedef struct {
    ub_hyp_kind_e kind;
    uint32_t ops_used;      /* bit per ub_op_e used; 0 = lossless */
    unsigned nkeep;         /* characters passed through undecoded */
    unsigned nlegacy;       /* C1 controls read as windows-1252 */
    int8_t nlayers;
    int8_t codec[UB_MAX_LAYERS];    /* [0] = outermost; see above */
    uint8_t cesu;           /* bit l: layer l's UTF-8 was CESU-8/modified */
    uint8_t inner_legacy;   /* 1: the original itself was windows-1252 text
                               read as ISO-8859-1 before it was baked */
    uint8_t outer_drop;     /* lossy: the layers outside the lossy one
                               dropped every byte their codec cannot read
                               (else they were lossless) */
    uint8_t conv;           /* UB_HYP_MBCS with ops_used: what the wrong
                               decoder did with bytes it could not decode
                               (ub_mbcs_conv_e of mbcs_lossy.h) */
} ub_hyp;

/* The name of a hypothesis codec id. */
const char *ub_hyp_codec_name(int id);

/* Describe h in words ("utf-8 read as windows-1252, 2 layers"); returns buf. */
const char *ub_hyp_describe(const ub_hyp *h, char *buf, size_t size);

#endif
