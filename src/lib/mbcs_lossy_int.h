/*
 * mbcs_lossy_int.h -- what the four parts of the lossy multibyte reverse
 * (mbcs_lossy.h) share; internal to them.
 *
 *   mbcs_lossy_conv.c   the conventions: markers, the decoder tables (read
 *                       in place from the generated blob), and the forward
 *                       simulation ub_mbcs_decode_conv(); what a decoder
 *                       does at a byte (ub_mbcs_dec_at) is inline, here
 *   mbcs_lossy_beam.c   the beam search of one convention over a run, its
 *                       cache of the fills that pass, the forward check
 *   mbcs_lossy_cand.c   the fill candidates of a character
 *   mbcs_lossy.c        the entry ub_mbcs_reverse_lossy(): the scratch, the
 *                       conventions tried, the result and its alternatives
 */
#ifndef UB_MBCS_LOSSY_INT_H
#define UB_MBCS_LOSSY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mbcs.h"
#include "mbcs_lossy.h"
#include "mbcs_lossy_tab.h"

/* byte values beside 0..255 */
#define FUT (-1)            /* unknown yet: a wildcard or a byte to come */
#define END 256             /* past the end of the decoder's input */

/* wildcard classes: what an unknown UTF-8 byte may be */
enum { C_CONT, C_ASCII, C_LEAD2, C_LEAD3, C_LEAD4, NCLS };

/* ------------------------------------------------------------ conv.c */

/* What the wrong decoders do at one byte, per codec (built once). */
struct ub_mbcs_ltab {
    int ok;
    int triples;                /* 0x8F leads decodable triples (EUC-JP) */
    const uint8_t *flags;       /* [b]: UB_MBCS_LT_* (mbcs_lossy_tab.h) */
    const uint8_t *err2;        /* ICU's error length at a pair, packed */
    const uint8_t *err3;        /* ... at 0x8F a b, or NULL */
    /* [ICU/PYTHON/WIN][b][class of the next byte (C_*)]: bit L set when
     * some next byte of the class gives a marker of L bytes at b */
    uint8_t poss[3][256][NCLS];
    /* [ICU/PYTHON/WIN][b]: ub_mbcs_dec_at() at b when the next byte is not
     * known (FUT), whatever the one after it */
    int8_t fut[3][256];
};

/** @return the tables of codec id, or NULL (bad id, damaged blob). */
const struct ub_mbcs_ltab *ub_mbcs_ltab_get(int id);

/**
 * What decoder conv does at bytes b0 b1 b2 (each 0..255, END or FUT).
 * Inline: the beam asks it at nearly every byte it pushes.
 * @return -1 when that depends on a byte not known yet, 0 when b0 starts
 *         a decodable sequence, else the number of bytes its marker (or
 *         its dropped sequence) stands for.
 */
static inline int ub_mbcs_dec_at(const struct ub_mbcs_ltab *t, int id, ub_mbcs_conv_e conv, int b0,
                                 int b1, int b2)
{
    if (b0 == FUT)
        return -1;
    unsigned f = b0 == END ? UB_MBCS_LT_SINGLE : t->flags[b0];
    if (b0 < 0x80 || f & UB_MBCS_LT_SINGLE)
        return 0;
    if (conv == UB_MBCS_CONV_ICU || conv == UB_MBCS_CONV_DROP) {
        if (!UB_MBCS_LT_DEP(f))
            return UB_MBCS_LT_LEN(f);
        if (b1 == FUT)
            return -1;
        if (b1 == END)
            return 1;
        if (UB_MBCS_LT_DEP(f) == 2) {
            if (b2 == FUT)
                return -1;
            return ub_mbcs_errlen(t->err3, (uint32_t)b1 * 256 + (uint32_t)(b2 == END ? '\n' : b2));
        }
        return ub_mbcs_errlen(t->err2, (uint32_t)(b0 - 0x80) * 256 + (uint32_t)b1);
    }
    /* Python and Windows: the table walk of ub_mbcs_decode_conv() */
    int ok = 0, lead = (f & UB_MBCS_LT_LEAD) != 0, tlead = (f & UB_MBCS_LT_TLEAD) != 0;
    if (lead || tlead) {
        if (b1 == FUT)
            return -1;
        if (b1 != END) {
            uint8_t q[3] = { (uint8_t)b0, (uint8_t)b1, 0 };
            size_t nav = 2;
            if (tlead) {
                if (b2 == FUT)
                    return -1;
                if (b2 != END) {
                    q[2] = (uint8_t)b2;
                    nav = 3;
                }
            }
            uint32_t cp;
            ok = ub_mbcs_decode_char(id, q, nav, &cp) > 0;
        }
    }
    if (ok)
        return 0;
    if (conv == UB_MBCS_CONV_PYTHON || !lead)
        return 1;
    if (b1 == FUT)
        return -1;
    /* Windows takes the byte after a lead with it, whatever it is */
    return b1 != END && b1 != 0 ? 2 : 1;
}

/* ------------------------------------------------------------ beam.c */

/* The scratch (mbcs_lossy.h); the beam's own types are its business. */
struct ub_mbcs_lossy_scratch {
    struct ub_ml_state *cur, *nxt, *fin;
    size_t curcap, nxtcap, ncur, nnxt, fincap;
    struct ub_ml_hnode *hist;
    size_t histcap, nhist;
    int *order;
    float *rank;            /* select_beam(): each state's rank */
    size_t ordcap, rankcap;
    /* the language model's vocabulary by UTF-8 length, sorted */
    const ub_lm *vlm;
    uint32_t *voc[5];
    size_t nvoc[5];
    /* results */
    uint32_t *cps, *best_cps, *dec;
    uint8_t *wm, *best_wm, *bytes;
    ub_lchar *chars;
    ub_gapalt *gaps;
    size_t cpscap, bcpscap, deccap, wmcap, bwmcap, bytescap, charscap, gapscap;
    /* candidates of one character */
    uint32_t *cand;
    size_t candcap;
    /* the fills that pass the decoder constraints, per pattern of a
     * character and the bytes around it (fills_for() in mbcs_lossy_beam.c):
     * a table of patterns, their fills one after the other in fill[] */
    struct ub_ml_fslot *fslot;
    size_t fslotcap, nfslot;
    uint32_t *fill;
    size_t fillcap, nfill;
    uint32_t fgen;          /* the slots of this generation are in use */
    const ub_lm *flm;       /* the vocabulary the fills came from */
    /* the fills complete() goes on with, per fills and context, for the
     * model rlm and (where a fill is a letter) the letters ralpha, their
     * generation ragen (rank_memo() in mbcs_lossy_beam.c) */
    const ub_lm *rlm;
    ub_alpha ralpha;
    int ralpha_on;
    uint32_t ragen;
    struct ub_ml_rslot *rslot;
    size_t rslotcap, nrslot;
    uint32_t *rfill;
    float *rsc;
    size_t rfillcap, rsccap, nranked;
    uint32_t rgen;
    const ub_alpha *alpha;  /* the line's letters (use_alphabet), or NULL */
    uint64_t step_limit;    /* the step count at which a search gives up
                               (set_step_limit), 0 for none */
};

/* One call of ub_mbcs_reverse_lossy(): the run and its surroundings. */
struct ub_mbcs_lossy_run {
    ub_mbcs_cache *cache;
    const struct ub_mbcs_ltab *t;
    int id;
    const uint32_t *in;
    size_t n;
    const ub_lm *lm;
    uint32_t l2, l1;
    const uint32_t *right;
    size_t nright;
    uint64_t *steps;
};

/* The best verified text of one convention (in the scratch's cps/wm). */
struct ub_mbcs_lossy_found {
    long len;                   /* characters */
    double score;               /* lm - loss costs */
    unsigned nlost, nlit;
};

/**
 * The beam over run r under conv.
 * @return 0 with *f and the text in x->cps / x->wm; 1 when no text checks
 *         forward; -1 when out of memory.
 */
int ub_mbcs_lossy_search(ub_mbcs_lossy_scratch *x, const struct ub_mbcs_lossy_run *r,
                         ub_mbcs_conv_e conv, struct ub_mbcs_lossy_found *f);

/**
 * The forward check: does cps[0..n) decode under conv to the run (and the
 * ASCII character after it, if any, to itself)?
 * @return 1 yes, 0 no, -1 error.
 */
int ub_mbcs_lossy_check(ub_mbcs_lossy_scratch *x, const struct ub_mbcs_lossy_run *r,
                        ub_mbcs_conv_e conv, const uint32_t *cps, size_t n);

/* ------------------------------------------------------------ cand.c */

/**
 * The fill candidates of a character of len bytes whose known bytes are
 * pb[] (wildcards where wm has a bit, of classes cls[]), into x->cand.
 * @return their number, or -1 when out of memory.
 */
long ub_mbcs_lossy_candidates(ub_mbcs_lossy_scratch *x, const uint8_t *pb, const uint8_t *cls,
                              unsigned wm, int len);

#endif
