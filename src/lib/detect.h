/*
 * detect.h -- the detector's internals, shared by detect.c (runs of UTF-8:
 * the hypotheses, their scores, the line decision) and bytes.c (runs of
 * bytes that are not UTF-8: which codec decodes them).  Not installed.
 */
#ifndef UNBAKE_DETECT_H
#define UNBAKE_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "engine.h"
#include "langs.h"
#include "lex.h"
#include "utf8.h"

#define SCORE_CAP 15.0      /* a decision's score counts at most this much */

/* ------------------------------------------------------------ scratch */

#define INVALID_CP 0xFFFFFFFFu

/* Where a sum over a text stands: the terms before position i, and the two
 * characters before it. */
struct span {
    double sc;
    size_t i;
    uint32_t c2, c1;
};

/* An index into the segment (a segment is at most UNBAKE_WINDOW bytes) or
 * into one of the scratch arrays (ub_reserve() keeps each under 2^32
 * elements); NO_INDEX for none.  Runs, candidates and logged offers are
 * kept for every run of a segment, so their fields are as narrow as their
 * values allow: a window of dense mojibake holds thousands of each. */
#define NO_INDEX UINT32_MAX

/* What ub_could_be_mojibake() found in a run. */
struct cbm {
    ub_codec_mask maybe;    /* the codecs that may have made it */
    ub_codec_mask weak;     /* ... on weak evidence: a lead alone at weak_at */
    ub_codec_mask twice;    /* ... garbled twice, losing bytes */
    ub_codec_mask cut2;     /* codecs that lose continuations, under which a
                               two-byte sequence is cut short by the next
                               lead */
    uint32_t weak_at;
};

/* multibyte codecs whose line alphabets a segment keeps */
#define UB_MBCS_ALPHA 8

struct run {
    double score;
    ub_hyp hyp;
    uint32_t c0, c1;        /* characters [c0, c1) of the segment */
    uint32_t b0;            /* the byte offset of c0 (see byte_at) */
    uint32_t b1;            /* ... and of c1, or 0 if not known (a span
                               made of several runs) */
    uint32_t c1t;           /* end of the span a lossy repair may take:
                               following runs joined across a space or '?',
                               and a trailing space or '?' */
    uint32_t cend;          /* characters the repair replaces: c1 .. c1t */
    uint32_t out0, nout;    /* candidate in the out arena */
    uint32_t l0;            /* lossy: chars in the lchar arena (nout of them),
                               or NO_INDEX */
    uint32_t g0, ng;        /* lossy: gaps in the gap arena */
    uint32_t k0, nk;        /* its candidates in the cand arena */
    uint32_t l2, l1;        /* left context it was evaluated with */
    uint32_t logged;        /* 1 + its entry in the logged runs, or 0 */
    struct cbm cbm;         /* once shaped (a run is evaluated up to four
                               times) */
    unsigned mbcs_weak;     /* multibyte codecs (bit per id) with weak
                               evidence of dropped bytes only (drop_weak) */
    uint8_t certain_clean;  /* no hypothesis at all */
    uint8_t bytes;          /* holds bytes that are not UTF-8 */
    uint8_t fix;            /* decided: write the candidate */
    uint8_t tent;           /* tentatively repaired (context for others) */
    uint8_t taken;          /* not evaluated: a lossy repair before it took it */
    uint8_t weak_gated;     /* weak evidence not taken, the lead read well:
                               1 in the run, 2 after its lossless repair;
                               3: taken alone, the lead read badly (worth
                               a retry with the line's support) */
    uint8_t shaped : 1;     /* cbm is known */
    uint8_t kept : 1;       /* words_kept(): its repair breaks a word */
    uint8_t long_span : 1;  /* lossy_span_end() took it past c1t once (its
                               characters counted in long_used) */
    uint8_t qmarks : 1;     /* '?' inside a word, no characters that are
                               not ASCII (decode_segment) */
    uint8_t lead;           /* the candidate also replaces this many '?'
                               before c0: a multibyte decoder wrote one for
                               the first bytes of the run's first character
                               (decide() moves c0 and b0 back over them) */
};
_Static_assert(sizeof(struct run) <= 128, "struct run stays small");

/* What convincing repairs nearby lend one evaluation of a run (decide()
 * finds them after every run's first evaluation; none in it). */
struct support {
    ub_codec_mask weak;     /* codecs that stand for its weak evidence */
    ub_codec_mask twice;    /* of its cbm.cut2, the codecs of repairs of text
                               garbled twice */
    ub_codec_mask twice_own; /* ... those the repairs themselves undid, tried
                               first */
    unsigned mbcs;          /* multibyte codecs (bit per id) that stand for
                               its dropped bytes (run.mbcs_weak) */
    ub_codec_mask inner;    /* codecs of repairs of text garbled twice
                               through them, under which one layer of the
                               run undone cuts a sequence short: bytes
                               the inner layer lost */
    int inner_alone;        /* ... only their searches (a run repaired as one
                               lossless layer: the inner layer is in
                               question, not the run's reading) */
};

/*
 * What line_is_clean() found out about a run of a segment it then sent to
 * decide(), which takes it over instead of finding it again: the run's
 * ub_could_be_mojibake() (struct run's cbm), and for a run before the
 * first that needs deciding, the gate's verdict in the context decide()
 * will give it (clean, weak_gated as it says).
 */
struct prerun {
    size_t c0;              /* its first character */
    uint32_t l2, l1;        /* the context it was gated in */
    struct cbm cbm;
    int clean;              /* the gate found nothing */
    int weak_gated;
};

/* A run whose lossless offers are in the offer log (see struct offered). */
struct logged {
    uint64_t steps;         /* the steps the search took */
    struct span in_st;      /* log P(run) over the run alone */
    uint32_t q0, nq;        /* its entries */
    unsigned drop;          /* what search_mbcs() found (eval.drop) */
    unsigned drop_weak;     /* ... and eval.drop_weak */
    ub_codec_mask maybe;    /* the gate's verdict (evaluate_run()), the same */
    uint8_t weak_ok, weak_gated, cjk;   /* for a replay: the same context */
    int8_t marker;          /* marker_after() of the run, or -1 if not asked */
};

/*
 * The lossless search of a run (search_utf8, search_legacy, search_mbcs)
 * depends on the run and its left context; only the scoring depends on
 * what follows.  A run evaluated again with a new right context (a repair
 * after it) replays the offers of its first evaluation instead of
 * searching again: the sums over the texts, where they stopped, go on from
 * there, and only the junction is scored anew.  Aliases replay in their
 * place, so the candidate arenas and the alias count evolve as a search
 * would have made them.  Most steps of a search are aliases (look-alike
 * codecs), so they take a small entry of the log and only the offers a
 * struct offered.
 */
struct offered {
    struct span st;         /* its sum so far (over the text only) */
    double cost;
    ub_hyp hyp;
    uint32_t t0, nt;        /* its text in the log's text arena */
    uint32_t cand;          /* its candidate in the replay, or NO_INDEX */
};
_Static_assert(sizeof(struct offered) <= 72, "struct offered stays small");

/* A step of the offer log: an offer, or add_alias() of the candidate it
 * became under codec c at depth (was: the offer's codec there). */
struct logstep {
    uint32_t offer;         /* its entry in the logged offers */
    uint8_t alias;
    int8_t was, c, depth;
};

/* A lossless candidate kept for the line-level decision. */
struct cand {
    ub_hyp hyp;
    uint32_t key;           /* the hypothesis: kind, layers, codecs, cesu */
    float score;
    float cost;             /* its prior part, which counts once per line */
    uint32_t out0, nout;    /* its text in the out arena */
    uint32_t l0, g0, ng;    /* lossy: characters and gaps; l0 = NO_INDEX if
                               none */
    uint32_t cend;          /* characters it replaces end here */
    uint8_t lead;           /* it begins this many '?' before the run */
    uint8_t alias;          /* a copy under another codec that reads the
                               run alike (add_alias): 1 + that codec */
};
_Static_assert(sizeof(struct cand) <= 64, "struct cand stays small");

/* The languages' odds of a segment's letters under each codec, once (see
 * line_alphabet() and line_alphabet2()), and the letters counted. */
struct langs_room {
    ub_langs one[UB_NCODECS];   /* the letters of text garbled once */
    ub_langs two[UB_NCODECS];   /* ... twice */
    ub_langs_acc acc;
};

struct ub_detect_scratch {
    ub_lm_cache_entry *lc;  /* ub_lm_cache_for(ctx->lm), for the segment
                               (ub_detect_segment() sets it) */
    uint64_t mbcs_budget;   /* ctx->steps past which decide() starts no
                               more multibyte lossy search (MBCS_LOSSY_WORK) */
    uint32_t *cp;           /* segment characters */
    size_t ccap;
    size_t long_used;       /* characters lossy_span_end() took past c1t
                               in the segment */
    size_t free0, free1;    /* cp[free0..free1) holds no '?' or U+FFFD
                               (marker_after) */
    struct run *runs;
    size_t nruns, rcap;
    ub_u32vec out;          /* candidates of all runs */
    ub_u32vec lvl[UB_MAX_LAYERS];
    ub_u32vec bx[2];        /* ub_det_bytes_run: the best reading, the
                               mixed template */
    uint8_t *tmp;
    size_t tmpcap;
    ub_lchar *lch;
    size_t nlch, lchcap;
    ub_gapalt *gaps;
    size_t ngaps, gapcap;
    struct cand *cands;     /* every convincing candidate of every run */
    size_t ncands, candcap;
    size_t naliases;        /* of them, add_alias() copies */
    ub_beam_scratch *beam;
    const ub_codec_row **rows;  /* per character of a run, for the lossy search */
    size_t rowcap;
    const uint8_t **cbytes;     /* per character of a run, for could_be_mojibake */
    size_t cbcap;
    struct prerun *pre;         /* line_is_clean() for decide() (struct prerun) */
    size_t npre, precap;
    const ub_codec_row **lrows[UB_MAX_LAYERS]; /* per character of a layer, search_utf8 */
    size_t lrowcap[UB_MAX_LAYERS];
    uint8_t *obuf;          /* UTF-8 of a repair, for writing/reporting */
    size_t obufcap;
    struct logstep *log;    /* the offer log (see struct offered) */
    size_t nlog, logcap;
    struct offered *offers; /* its offers */
    size_t noffers, offercap;
    struct logged *lruns;   /* the runs it holds */
    size_t nlruns, lruncap;
    ub_u32vec ltxt;         /* its texts */
    size_t nch;             /* characters in cp (decide) */
    struct attch *att;      /* the segment as written (attest.c) */
    size_t attcap;
    uint32_t *attw;         /* ... its words that lost nothing */
    size_t attwcap;
    struct attword *attd;   /* ... and its damaged words */
    size_t attdcap;
    int alpha_codec;            /* the codec of the lossy search */
    ub_codec_mask alpha_done;   /* line_alphabet() found alpha[c] */
    int c1s;                    /* C1 controls in the segment (up to 2), or
                                   -1 before lone_c1() counts them */
    ub_codec_mask alpha_some;   /* ... and it says something */
    ub_alpha alpha[UB_NCODECS]; /* the letters of the languages the
                                   segment's whole sequences under each
                                   codec may be in */
    ub_codec_mask alpha2_done;  /* line_alphabet2() found alpha2[c] */
    ub_codec_mask alpha2_some;  /* ... and it says something */
    ub_alpha alpha2[UB_NCODECS];    /* ... the letters of the languages
                                   the segment's whole sequences read
                                   back through codec c twice may be in */
    ub_codec_mask langs_some;   /* line_alphabet() found lr->one[c] */
    ub_codec_mask langs2_some;  /* line_alphabet2() found lr->two[c] */
    struct langs_room *lr;      /* the odds of the languages of those
                                   letters (langs.h), allocated when
                                   first needed (NULL: not yet) */
    uint32_t *mid;              /* ... the characters of one layer */
    size_t midcap;
    unsigned malpha_done;       /* ... mbcs_alphabet() under multibyte
                                   codec id (bit per id) */
    unsigned malpha_some;
    ub_alpha malpha[UB_MBCS_ALPHA];
    uint32_t edge_l1, edge_r0;  /* a repair decided again (refine()): the
                               characters before and after it (0: none
                               or unknown), where its words end */
    uint32_t edge_wl[UB_LEX_MAX], edge_wr[UB_LEX_MAX];
    uint8_t n_wl, n_wr;         /* ... and the ASCII letters just before and
                                   after it, of the words at its ends (none
                                   for a segment's own scratch) */
};

/* ------------------------------------------------------------ helpers */

/* The bytes a character of the segment was read from: decode_segment()
 * takes only strictly valid UTF-8, one byte for INVALID_CP. */
static inline size_t char_bytes(uint32_t c)
{
    return c == INVALID_CP ? 1 : (size_t)ub_utf8_len(c);
}

/* The byte offset of character k of the segment, at or after run r's
 * start.  (Runs keep their own; a table of every character's would take
 * as much room as the characters.) */
static inline size_t byte_at(const ub_detect_scratch *s, const struct run *r, size_t k)
{
    size_t b = r->b0, i = r->c0;
    if (r->b1 && k >= r->c1) {
        /* (most ask for the run's end, or a span past it) */
        b = r->b1;
        i = r->c1;
    }
    for (; i < k; i++)
        b += char_bytes(s->cp[i]);
    return b;
}

/* ------------------------------------------------------------ detect.c */

/* A character no repair may produce (C0/C1 controls, surrogates, private
 * use, unassigned); has_bad_output(): any of t[0..n). */
/* (the BMP through a bitmap per 256 code points, each page built from
 * ICU on first use; every candidate's characters are asked) */
extern uint64_t ub_det_bad_bits_[256][4];
int ub_det_bad_output_slow(uint32_t c);
static inline int ub_det_bad_output(uint32_t c)
{
    if (c < 0x80)
        return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
    /* (a clear bit is final: a page not built yet has them all set) */
    if (c <= 0xFFFF &&
        !(__atomic_load_n(&ub_det_bad_bits_[c >> 8][c >> 6 & 3], __ATOMIC_RELAXED) >> (c & 63) & 1))
        return 0;
    return ub_det_bad_output_slow(c);
}
int ub_det_has_bad_output(const uint32_t *t, size_t n);

/* log P(t | l2 l1) with the junction to right[0..nright); floor: no
 * character counts below it; the sum is given up (-INFINITY) at stop. */
double ub_det_lm_span_core(const ub_lm *lm, uint32_t l2, uint32_t l1, const uint32_t *t,
                           size_t n, const uint32_t *right, size_t nright, double floor,
                           double stop);
double ub_det_lm_span(const ub_lm *lm, uint32_t l2, uint32_t l1, const uint32_t *t, size_t n,
                      const uint32_t *right, size_t nright);

/* The prior of single-byte codec c, in nats (codec_list.h's tenths;
 * asked for every candidate and alias). */
extern const double ub_det_priors_[UB_NCODECS];
static inline double ub_det_codec_prior(int c)
{
    return ub_det_priors_[c];
}

/* The forward check of run r's chosen candidate: 1 passes, 0 fails, -1
 * out of memory. */
int ub_det_verify(unbake_ctx *ctx, ub_detect_scratch *s, const struct run *r,
                  const uint8_t *seg);

/* The two characters before run k as decided (repairs before it count with
 * their repair), l[0] the earlier; c2, c1 before the segment. */
void ub_det_context_before(const ub_detect_scratch *s, size_t k, uint32_t c2, uint32_t c1,
                           uint32_t l[2]);

/* The single-byte codecs, cheapest prior first. */
const int *ub_det_codec_order(void);

/* A repair as it is written: its UTF-8, and what --explain says of it. */
struct repair {
    uint8_t *p;
    size_t n, cap;
    char desc[512];
    double score;
    int layers;
    int refined;            /* decided again: the first pass's gaps no
                               longer describe the text */
};

/* ------------------------------------------------------------ report.c */

/* Report a written repair of run r (rp: as written) to ctx->report, with
 * its gaps' alternatives. */
void ub_det_report_run(unbake_ctx *ctx, ub_detect_scratch *s, const struct run *r,
                       const uint8_t *seg, const struct repair *rp);

/* Tell ctx->loss of a U+FFFD kept as it is, character i (byte bi) of the
 * segment's nch: a total loss. */
void ub_det_notify_loss(unbake_ctx *ctx, const ub_detect_scratch *s, size_t i, size_t bi,
                        size_t nch);

/* ------------------------------------------------------------ bytes.c */

/* Decode the bytes of run r (and any UTF-8 among them) under the codec
 * that reads them best; see bytes.c.  0, or -1 out of memory. */
int ub_det_bytes_run(unbake_ctx *ctx, ub_detect_scratch *s, struct run *r, const uint8_t *seg,
                     size_t nch, int hint, double *lm_best);

/* After the runs of a line are decided: decode spans of its legacy bytes
 * whole where that reads better than run by run; see bytes.c. */
int ub_det_legacy_line(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t nch,
                       uint32_t c2, uint32_t c1);

/* After the runs of a line are decided: a damaged word whose fill a word
 * of the segment that lost nothing contradicts takes that word's letters
 * where they pass the forward check; see attest.c.  0, or -1 (memory). */
int ub_det_attested_fills(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t nch);

/* A lossy repair's letter that lost its NBSP before a space, where the
 * lexicon says the space was the NBSP ("Ã quele" is "àquele"): the
 * letter takes it and the space goes (attest.c). */
int ub_det_space_joins(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t nch);

#endif
