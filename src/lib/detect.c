/*
 * detect.c -- the detector: decide every run of a segment.
 *
 * A run is a maximal span of non-ASCII characters (joined across a single
 * space or '?' between two of them, since NBSP-turned-space and '?'
 * substitutions sit inside mojibake).  For each run we enumerate the
 * hypotheses that reverse it into valid text -- UTF-8 read as codec X, one
 * to three layers; a legacy codec read as Latin-1; a single layer with lost
 * bytes -- and score each as a log-odds against leaving the run alone:
 *
 *     score = log P(repair | context) - log P(run | context)
 *             - prior(codecs, layers) - cost(losses) - margin
 *
 * under the character language model.  Mojibake reads as very improbable
 * text, its repair as ordinary text; clean text has no hypothesis or only
 * far less probable ones.  The margin biases hard toward leaving text
 * alone.  Finally a line that also holds non-ASCII text that cannot be
 * mojibake (a correctly decoded "–", say) needs more evidence before any of
 * its runs is changed.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "alphabet.h"
#include "codec.h"
#include "detect.h"
#include "engine.h"
#include "gate.h"
#include "input.h"
#include "lex.h"
#include "mbcs.h"
#include "mbcs_lossy.h"
#include "mem.h"
#include "uclass.h"
#include "utf8.h"

/* ------------------------------------------------------------ tuning */

/* All in nats.  MARGIN: how much more probable a repair must be than the
 * text as it is.  LAYER: each extra layer of mis-decoding.  LEGACY: the
 * legacy-read-as-Latin-1 hypothesis.  LOSSY: any lossy hypothesis, on top
 * of the per-loss costs.  CLEAN_LINE: per clean non-ASCII run on the same
 * line (at most CLEAN_MAX of them count). */
#define MARGIN 3.0
#define IN_FLOOR (-13.0)    /* lowest log P of a character as it is */
#define LAYER_COST 2.0
#define CESU_COST 1.0
#define LEGACY_COST 1.5
#define INNER_LEGACY_COST 3.0  /* ... under a layer of UTF-8 mojibake */
#define LOSSY_COST 2.0
#define CLEAN_LINE 4.0
#define CLEAN_MAX 3
#define COHERENT_COST 10.5 /* per repair that breaks a word written as it
                              is (words_kept) */
#define MAX_LOSSY_CODECS 5  /* codecs whose lossy readings are kept */
#define MAX_LOSSY_TRIES 6   /* codecs the lossy search tries for them (more
                               than MAX_LOSSY_CODECS only where the first
                               gave nothing) */
#define MAX_JOIN 64         /* characters a lossy span may take past its run */
#define LONG_JOIN 512       /* ... where the runs it takes start mid-sequence */
#define LONG_BUDGET 4       /* characters so taken per character of a segment */
#define MBCS_JOIN 160       /* ... a multibyte one across '?' */
#define MBCS_LOSSY_WORK 30000 /* steps per byte of a segment within which
                                 its multibyte lossy searches must finish
                                 (the lines of mbcs_quality take up to
                                 20,500 a byte, all searches included;
                                 nothing else bounds the beam's work by
                                 the input) ... */
#define MBCS_LOSSY_SLACK 200000 /* ... and per segment (a few runs' worth) */
#define LINE_FLOOR (-10.0) /* candidates kept for the line decision */
#define LINE_BONUS 6.0
#define WEAK_COST 2.0      /* a lossy repair on weak evidence only */
#define LINE_WEAK_LOGP (-8.0) /* ... after a lossless repair, in a line of
                                 convincing ones */
#define GUESSED_LOGP (-8.0) /* mean log P a mostly guessed repair must reach */
#define AHEAD_MAX 8         /* characters after a lossy span read ahead */
#define SHORT_LOSSY 3        /* a lossy repair of at most this many characters
                               must read more bytes than it guesses */
#define LOSSY_SKIP 10.0     /* a lossless repair this good needs no lossy rival */
#define MAX_ALIASES 2048    /* look-alike codec copies of candidates a segment */
#define LINE_REACH 200      /* characters a convincing repair lends support */
#define CARRY_LOGP (-7.0)   /* mean log P of a lead and the character after
                               it for the repairs of the lines before */
#define CARRY_ALIKE 8       /* characters of the repair that say which
                               codecs read it alike, for the lines after */
#define MAX_LINE_KEYS 128   /* hypotheses the line decision weighs */
#define SEEN_CLEAN 8        /* segments with non-ASCII text left as they
                               were since the last one repaired ... */
#define SEEN_RATIO 16       /* ... and this many times those repaired, at
                               least: weak evidence alone counts no more */
#define SEEN_HALVE 4096     /* segments after which the counts are halved */
#define SEEN_MARGIN 8.0     /* the margin a repair needs more there */
#define QMARK_MAX 4         /* '?' in a row inside a word taken as a run */
#define TABLE_RUN 8         /* code points in a row, each the one before
                               plus one: a table of characters */

/* ------------------------------------------------------------ scratch */

int ub_u32vec_reserve(ub_u32vec *a, size_t need)
{
    return ub_reserve((void **)&a->v, &a->cap, need, sizeof *a->v);
}

ub_detect_scratch *ub_detect_scratch_new(void)
{
    ub_detect_scratch *s = calloc(1, sizeof *s);
    if (s && !(s->beam = ub_beam_scratch_new())) {
        free(s);
        s = NULL;
    }
    return s;
}

void ub_detect_scratch_free(ub_detect_scratch *s)
{
    if (!s)
        return;
    free(s->cp);
    free(s->runs);
    free(s->out.v);
    for (int i = 0; i < UB_MAX_LAYERS; i++) {
        free(s->lvl[i].v);
        free(s->lrows[i]);
    }
    free(s->bx[0].v);
    free(s->bx[1].v);
    free(s->tmp);
    free(s->lch);
    free(s->gaps);
    free(s->obuf);
    free(s->rows);
    free(s->cbytes);
    free(s->pre);
    free(s->cands);
    free(s->log);
    free(s->offers);
    free(s->lruns);
    free(s->ltxt.v);
    free(s->att);
    free(s->attw);
    free(s->mid);
    free(s->attd);
    free(s->lr);
    ub_beam_scratch_free(s->beam);
    free(s);
}

/* ------------------------------------------------------------ helpers */

static int order_[UB_NCODECS];
static int rank_[UB_NCODECS];   /* codec -> its place in order_[] */
/* codecs -> their places: the bits of 8 codecs at a time */
static uint32_t rank_bits_[4][256];
static pthread_once_t order_once_ = PTHREAD_ONCE_INIT;
static int order_ready_;

static void order_init(void)
{
    for (int i = 0; i < UB_NCODECS; i++)
        order_[i] = i;
    for (int i = 1; i < UB_NCODECS; i++)
        for (int j = i; j > 0 && ub_codec_info_of(order_[j])->prior <
                                 ub_codec_info_of(order_[j - 1])->prior; j--) {
            int t = order_[j];
            order_[j] = order_[j - 1];
            order_[j - 1] = t;
        }
    for (int i = 0; i < UB_NCODECS; i++)
        rank_[order_[i]] = i;
    for (int q = 0; q < 4; q++)
        for (int m = 0; m < 256; m++)
            for (int b = 0; b < 8; b++)
                if (m >> b & 1 && 8 * q + b < UB_NCODECS)
                    rank_bits_[q][m] |= 1u << rank_[8 * q + b];
}

/* The codecs, cheapest prior first (built once; threads may share it). */
const int *ub_det_codec_order(void)
{
    if (!__atomic_load_n(&order_ready_, __ATOMIC_ACQUIRE)) {
        pthread_once(&order_once_, order_init);
        __atomic_store_n(&order_ready_, 1, __ATOMIC_RELEASE);
    }
    return order_;
}

/* The places of the codecs of m in ub_det_codec_order(), as bits (after
 * a call to it). */
static inline uint32_t ranks_of(ub_codec_mask m)
{
    _Static_assert(UB_NCODECS <= 32, "four bytes hold a mask");
    return rank_bits_[0][m & 0xFF] | rank_bits_[1][m >> 8 & 0xFF] |
           rank_bits_[2][m >> 16 & 0xFF] | rank_bits_[3][m >> 24 & 0xFF];
}

/* Characters no repair may produce: controls, surrogates, private use,
 * unassigned code points (ICU's character database: a trie lookup). */
static int bad_type(uint32_t c)
{
    switch (u_charType((UChar32)c)) {
    case U_UNASSIGNED:
    case U_CONTROL_CHAR:
    case U_SURROGATE:
    case U_PRIVATE_USE_CHAR:
        return 1;
    default:
        return 0;
    }
}

/* (a page not built yet has every bit set: the slow path looks) */
uint64_t ub_det_bad_bits_[256][4] = { [0 ... 255] = { ~0ull, ~0ull, ~0ull, ~0ull } };
static uint8_t bad_ready_[256];

/* ub_det_bad_output() of c >= 0x80 whose bit is set (a bad character, or
 * one of a page not built yet) or outside the BMP: builds c's page if it
 * is not built.  Threads that build a page at once store the same bits. */
int ub_det_bad_output_slow(uint32_t c)
{
    if (c > 0xFFFF)
        return bad_type(c);
    uint32_t page = c >> 8;
    if (__atomic_load_n(&bad_ready_[page], __ATOMIC_ACQUIRE))
        return (int)(__atomic_load_n(&ub_det_bad_bits_[page][c >> 6 & 3], __ATOMIC_RELAXED) >>
                     (c & 63) & 1);
    for (int w = 0; w < 4; w++) {
        uint64_t bits = 0;
        for (uint32_t j = 0; j < 64; j++)
            bits |= (uint64_t)bad_type(page << 8 | (uint32_t)w << 6 | j) << j;
        __atomic_store_n(&ub_det_bad_bits_[page][w], bits, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&bad_ready_[page], 1, __ATOMIC_RELEASE);
    return bad_type(c);
}

int ub_det_has_bad_output(const uint32_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ub_det_bad_output(t[i]))
            return 1;
    return 0;
}

static int has_nonascii(const uint32_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (t[i] >= 0x80)
            return 1;
    return 0;
}

/* The terms of t[st->i..n) added to st, as ub_det_lm_span_core() adds them; 0 if
 * the sum fell to stop or below (st then stands after that term), 1 when
 * st reached the end of t. */
static inline int span_text(ub_lm_cache_entry *lc, const ub_lm *lm, struct span *st,
                            const uint32_t *t, size_t n, double floor, double stop)
{
    double sc = st->sc;
    uint32_t c2 = st->c2, c1 = st->c1;
    size_t i = st->i;
    int done = 1;
    for (; i < n; i++) {
        uint32_t c = t[i];
        double lp = ub_lm_logp_in(lc, lm, c2, c1, c);
        /* controls and unassigned code points are never clean text */
        sc += lp > floor || ub_det_bad_output(c) ? lp : floor;
        c2 = c1;
        c1 = c;
        if (sc <= stop) {
            done = 0;
            i++;
            break;
        }
    }
    *st = (struct span){ sc, i, c2, c1 };
    return done;
}

/* The sum of a text that st has reached the end of, with the junction
 * with the (at most) two characters right[] after it; -INFINITY if it
 * falls to stop or below. */
static inline double span_junction(ub_lm_cache_entry *lc, const ub_lm *lm, const struct span *st,
                                   const uint32_t *right, size_t nright, double floor,
                                   double stop)
{
    double sc = st->sc;
    uint32_t c2 = st->c2, c1 = st->c1;
    for (size_t i = 0; i < nright && i < 2; i++) {
        uint32_t c = right[i];
        double lp = ub_lm_logp_in(lc, lm, c2, c1, c);
        sc += lp > floor || ub_det_bad_output(c) ? lp : floor;
        if (sc <= stop)
            return -INFINITY;
        c2 = c1;
        c1 = c;
    }
    return sc;
}

/*
 * log P(t | l2 l1) plus the junction with the two characters after it.
 * With floor, no character counts below it: the text as it is may be odd
 * in ways the model never saw (symbols, names, fancy lettering) and still
 * be clean, while a repair has to read as text the model knows.  This
 * asymmetry is what keeps "NESTLÉ®" from becoming "NESTLɮ".  The sum is
 * given up (-INFINITY) as soon as it falls to stop or below: every term is
 * <= 0, so it could only fall further.
 */
double ub_det_lm_span_core(const ub_lm *lm, uint32_t l2, uint32_t l1, const uint32_t *t,
                           size_t n, const uint32_t *right, size_t nright, double floor,
                           double stop)
{
    ub_lm_cache_entry *lc = ub_lm_cache_for(lm);
    struct span st = { 0, 0, l2, l1 };
    if (!span_text(lc, lm, &st, t, n, floor, stop))
        return -INFINITY;
    return span_junction(lc, lm, &st, right, nright, floor, stop);
}

/* ub_det_lm_span_core() from where st stands in t (st goes on to where the text
 * ends or the sum stopped).  The terms are <= 0: a sum that was at or
 * below stop after some term stays there, so a sum stopped early for one
 * stop goes on for a lower one. */
static double lm_span_resume(ub_lm_cache_entry *lc, const ub_lm *lm, struct span *st,
                             const uint32_t *t, size_t n, const uint32_t *right, size_t nright,
                             double floor, double stop)
{
    if (st->i > 0 && st->sc <= stop)
        return -INFINITY;
    if (!span_text(lc, lm, st, t, n, floor, stop))
        return -INFINITY;
    return span_junction(lc, lm, st, right, nright, floor, stop);
}

static double lm_span_floor(const ub_lm *lm, uint32_t l2, uint32_t l1, const uint32_t *t,
                            size_t n, const uint32_t *right, size_t nright, double floor)
{
    return ub_det_lm_span_core(lm, l2, l1, t, n, right, nright, floor, -INFINITY);
}

double ub_det_lm_span(const ub_lm *lm, uint32_t l2, uint32_t l1, const uint32_t *t, size_t n,
                      const uint32_t *right, size_t nright)
{
    return ub_det_lm_span_core(lm, l2, l1, t, n, right, nright, -INFINITY, -INFINITY);
}

const double ub_det_priors_[UB_NCODECS] = {
#define UB_CODEC(id, name, source, prior, aliases) (prior) / 10.0,
#include "codec_list.h"
#undef UB_CODEC
};

/* ------------------------------------------------------------ search */

struct eval {
    unbake_ctx *ctx;
    ub_lm_cache_entry *lc;  /* ub_lm_cache_for(ctx->lm), for the offers */
    ub_detect_scratch *s;
    struct run *r;
    struct support line;    /* what repairs nearby lend it */
    const uint32_t *in;     /* the run's characters */
    size_t n;
    uint32_t l2, l1;
    const uint32_t *right;
    size_t nright;
    double lm_in;           /* log P(run), computed when first needed */
    int have_lm_in;
    double margin;
    int found;              /* any hypothesis reversed the run */
    size_t lead;            /* keep_lossy(): the text it replaces begins
                               this many '?' before the run */
    ub_codec_mask maybe;    /* codecs that read some of it as UTF-8 */
    ub_codec_mask twice;    /* codecs that may have read it twice, losing
                               bytes (could_be_mojibake) */
    int weak_ok;            /* weak evidence may count (the lead reads badly) */
    ub_codec_mask line_cut; /* codecs of convincing repairs nearby under which
                               a sequence of the run is cut short */
    unsigned drop;          /* multibyte codecs (bit per id) that read the
                               run as UTF-8 with a few bytes dropped */
    int logging;            /* offers go into the offer log */
    int replay;             /* the offers come from the log */
    struct logged *lr;      /* the run's entry in the logged runs, or NULL */
    size_t last_q;          /* the logged offer of the last offer, or -1 */
    unsigned drop_weak;     /* ... or whole but for its last sequence, cut
                               short before ASCII text: weak evidence, which
                               counts where repairs nearby stand for it */
    const uint32_t *ahead;  /* the characters after the lossy span, as they
                               are (more mojibake, not yet decided), or NULL */
    size_t nahead;
    unsigned mbcs_only;     /* multibyte codecs (bit per id) the multibyte
                               lossy search is limited to; 0: all */
};

static uint32_t hyp_key(const ub_hyp *h)
{
    uint32_t k = (uint32_t)h->kind << 28 | (uint32_t)h->nlayers << 26 | (uint32_t)h->cesu << 23;
    for (int l = 0; l < h->nlayers; l++)
        k |= (uint32_t)(h->codec[l] & 0x7F) << (7 * l);
    return k;
}

static inline int add_alias(struct eval *e, uint32_t k, int was, int c, int depth);

/* Keep out as the run's candidate if it scores best so far; st: where the
 * sum over out stands (nothing summed yet, or as a replay left it). */
static int offer_scored(struct eval *e, const ub_hyp *h, const uint32_t *out, size_t nout,
                        double cost, struct span *st)
{
    if (!e->have_lm_in) {
        /* the run alone is summed once a run, for the replays as well */
        struct span own, *in = e->lr ? &e->lr->in_st : &own;
        if (!e->replay) {
            *in = (struct span){ 0, 0, e->l2, e->l1 };
            span_text(e->lc, e->ctx->lm, in, e->in, e->n, IN_FLOOR,
                      -INFINITY);
        }
        e->lm_in = span_junction(e->lc, e->ctx->lm, in, e->right,
                                 e->nright, IN_FLOOR, -INFINITY);
        e->have_lm_in = 1;
    }
    /* a candidate that can neither be the best nor count for the line
     * need not be scored to the end */
    double keep_above = e->r->nout ? (e->r->score < LINE_FLOOR ? e->r->score : LINE_FLOOR)
                                   : -INFINITY;
    double lm_out = lm_span_resume(e->lc, e->ctx->lm, st, out, nout, e->right, e->nright, -INFINITY,
                                   keep_above + e->lm_in + cost + e->margin);
    if (lm_out == -INFINITY)
        return 0;
    double score = lm_out - e->lm_in - cost - e->margin;
    int best = !e->r->nout || score > e->r->score;
    if (!best && score <= LINE_FLOOR)
        return 0;
    ub_detect_scratch *s = e->s;
    size_t at = s->out.n;
    if (ub_u32vec_reserve(&s->out, at + nout) ||
        ub_reserve((void **)&s->cands, &s->candcap, s->ncands + 1, sizeof *s->cands))
        return -1;
    memcpy(s->out.v + at, out, nout * sizeof *out);
    s->out.n += nout;
    if (score > LINE_FLOOR) {
        s->cands[s->ncands++] = (struct cand){ .hyp = *h, .key = hyp_key(h),
                                               .score = (float)score, .cost = (float)cost,
                                               .out0 = (uint32_t)at, .nout = (uint32_t)nout,
                                               .l0 = NO_INDEX, .cend = e->r->c1 };
        e->r->nk++;
    }
    if (!best)
        return 0;
    e->r->score = score;
    e->r->hyp = *h;
    e->r->out0 = at;
    e->r->nout = nout;
    e->r->ng = 0;
    e->r->l0 = NO_INDEX;
    e->r->cend = e->r->c1;
    e->r->lead = 0;
    return 0;
}

/* Offer out as a candidate of the run (offer_scored), into the offer log
 * as well while the run's first evaluation is logged. */
static int offer(struct eval *e, const ub_hyp *h, const uint32_t *out, size_t nout, double cost)
{
    e->last_q = (size_t)-1;
    if (ub_det_has_bad_output(out, nout))
        return 0;
    if (nout == e->n && !memcmp(out, e->in, nout * sizeof *out))
        return 0;
    e->found = 1;
    struct span st = { 0, 0, e->l2, e->l1 };
    if (!e->logging)
        return offer_scored(e, h, out, nout, cost, &st);
    ub_detect_scratch *s = e->s;
    if (ub_reserve((void **)&s->log, &s->logcap, s->nlog + 1, sizeof *s->log) ||
        ub_reserve((void **)&s->offers, &s->offercap, s->noffers + 1, sizeof *s->offers) ||
        ub_u32vec_reserve(&s->ltxt, s->ltxt.n + nout))
        return -1;
    size_t q = s->noffers++;
    s->offers[q] = (struct offered){ .st = st, .cost = cost, .hyp = *h,
                                     .t0 = (uint32_t)s->ltxt.n, .nt = (uint32_t)nout,
                                     .cand = NO_INDEX };
    s->log[s->nlog++] = (struct logstep){ .offer = (uint32_t)q };
    memcpy(s->ltxt.v + s->ltxt.n, out, nout * sizeof *out);
    s->ltxt.n += nout;
    e->last_q = q;
    return offer_scored(e, h, out, nout, cost, &s->offers[q].st);
}

/* The lossless offers of the run's first evaluation once more (see struct
 * offered), scored against the right context now. */
static int replay_offers(struct eval *e)
{
    ub_detect_scratch *s = e->s;
    const struct logged *lr = e->lr;
    for (size_t q = lr->q0; q < lr->q0 + lr->nq; q++) {
        const struct logstep *step = &s->log[q];
        struct offered *o = &s->offers[step->offer];
        if (step->alias) {
            if (add_alias(e, o->cand, step->was, step->c, step->depth) < 0)
                return -1;
            continue;
        }
        e->found = 1;
        size_t before = s->ncands;
        if (offer_scored(e, &o->hyp, s->ltxt.v + o->t0, o->nt, o->cost, &o->st) < 0)
            return -1;
        o->cand = s->ncands > before ? (uint32_t)before : NO_INDEX;
    }
    e->drop = lr->drop;
    e->drop_weak = lr->drop_weak;
    e->ctx->steps += lr->steps;
    return 0;
}

/*
 * A layer's result holding C1 controls may be text that was windows-1252
 * read as ISO-8859-1 before it was baked ("\x84Handwerk" as UTF-8, then
 * read as Latin-1): offer it with the controls read as windows-1252.
 */
static int offer_inner_legacy(struct eval *e, ub_hyp *h, const uint32_t *out, size_t n,
                              double cost)
{
    int c1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i] > 0xFF)
            return 0;
        c1 |= out[i] >= 0x80 && out[i] < 0xA0;
    }
    if (!c1)
        return 0;
    uint32_t *t = malloc(n * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < n; i++)
        t[i] = ub_codec_decode(UB_CODEC_CP1252, (uint8_t)out[i]);
    h->inner_legacy = 1;
    int rc = offer(e, h, t, n, cost + LEGACY_COST + INNER_LEGACY_COST);
    h->inner_legacy = 0;
    free(t);
    return rc;
}

/*
 * The codecs that encode every character of t[0..n) to bytes that may be
 * UTF-8 (or CESU-8): the same UTF-8 state machine as ub_could_be_mojibake(),
 * run for all codecs at once on the rows.  A codec is ruled out only when
 * its bytes break UTF-8's structure (a continuation out of place, a
 * sequence cut short) and all of them are leads, continuations or ASCII,
 * or when one is a byte no UTF-8 or CESU-8 holds (C1, F5..FF), so
 * ub_reverse_layer() would fail for it; codecs with C0 among them
 * (modified UTF-8 writes NUL as C0 80) are left to it.  rows[i] gets the
 * row of t[i] (NULL for ASCII) for the codecs that remain.
 */
static ub_codec_mask utf8_shaped(const uint32_t *t, size_t n, const ub_codec_row **rows)
{
    ub_codec_mask enc = UB_CODEC_ALL, odd = 0, bad = 0, need1 = 0, need2 = 0, need3 = 0;
    ub_codec_rmap_ensure();
    for (size_t i = 0; i < n; i++) {
        if (t[i] < 0x80) {
            rows[i] = NULL;
            bad |= need1 | need2 | need3;
            need1 = need2 = need3 = 0;
            continue;
        }
        const ub_codec_row *row = rows[i] = ub_codec_row_at(t[i]);
        if (!row)
            return 0;
        ub_codec_mask cont = row->cont, inseq = need1 | need2 | need3;
        enc &= row->in_utf8;
        odd |= row->c0;
        bad |= cont ^ inseq;    /* a continuation out of place, or missing */
        need1 = (need2 & cont) | row->lead2;
        need2 = (need3 & cont) | row->lead3;
        need3 = row->lead4;
    }
    bad |= need1 | need2 | need3;
    return enc & ~(bad & ~odd);
}

/*
 * Candidate k (of codec was at layer depth) once more under codec c, which
 * reads the run alike: the same text, c's prior instead.  Only for the
 * line decision; the run's own best stays with the cheaper codec.
 */
static inline int add_alias(struct eval *e, uint32_t k, int was, int c, int depth)
{
    ub_detect_scratch *s = e->s;
    /* (at most MAX_ALIASES a segment: they only lend support, and a
     * window of dense mojibake would otherwise double the arena) */
    if (k == NO_INDEX || s->naliases >= MAX_ALIASES)
        return 0;
    double d = ub_det_codec_prior(c) - ub_det_codec_prior(was);
    if (s->cands[k].score - d <= LINE_FLOOR)
        return 0;
    if (ub_reserve((void **)&s->cands, &s->candcap, s->ncands + 1, sizeof *s->cands))
        return -1;
    struct cand *a = &s->cands[s->ncands++];
    *a = s->cands[k];
    a->hyp.codec[depth] = (int8_t)c;
    /* hyp_key() of it: the codec of layer depth (< nlayers) replaced */
    a->key = (a->key & ~(0x7Fu << (7 * depth))) | (uint32_t)(c & 0x7F) << (7 * depth);
    a->score -= (float)d;
    a->cost += (float)d;
    a->alias = (uint8_t)(was + 1);
    s->naliases++;
    e->r->nk++;
    return 0;
}

/* The codecs that encode the character of row as codec c does (those
 * that do not encode it among them when c does not either).  Every codec
 * at once: a row's bytes are one vector, or two that overlap. */
static inline ub_codec_mask same_byte(const ub_codec_row *row, int c)
{
    const uint8_t *b = row->byte;
#if defined(__SSE2__)
    _Static_assert(UB_NCODECS >= 16 && UB_NCODECS <= 32, "two vectors hold a row");
    __m128i x = _mm_set1_epi8((char)b[c]);
    unsigned lo = (unsigned)_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)b), x));
    unsigned hi = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
        _mm_loadu_si128((const __m128i *)(const void *)(b + UB_NCODECS - 16)), x));
    return (ub_codec_mask)(lo | hi << (UB_NCODECS - 16));
#else
    ub_codec_mask m = 0;
    for (int k = 0; k < UB_NCODECS; k++)
        m |= (ub_codec_mask)(b[k] == b[c]) << k;
    return m;
#endif
}

/* The bytes codec c encodes t[0..n) to, into tb (rows[i]: the row of
 * t[i], NULL for ASCII), and the codecs that encode them alike, among
 * those that encode them all. */
static ub_codec_mask codec_bytes(const ub_codec_row *const *rows, const uint32_t *t, size_t n,
                                 int c, uint8_t *tb)
{
    ub_codec_mask m = UB_CODEC_ALL;
    for (size_t i = 0; i < n; i++) {
        if (!rows[i]) {
            tb[i] = (uint8_t)t[i];
            continue;
        }
        tb[i] = rows[i]->byte[c];
        m &= same_byte(rows[i], c);
    }
    return m;
}

static int search_utf8(struct eval *e, const uint32_t *t, size_t n, int depth, ub_hyp *h,
                       double cost)
{
    ub_detect_scratch *s = e->s;
    if (ub_u32vec_reserve(&s->lvl[depth], n) ||
        ub_reserve((void **)&s->tmp, &s->tmpcap, n, 1) ||
        ub_reserve((void **)&s->lrows[depth], &s->lrowcap[depth], n, sizeof *s->lrows[depth]))
        return -1;
    const ub_codec_row **rows = s->lrows[depth];
    ub_codec_mask mask = utf8_shaped(t, n, rows);
    if (!mask)
        return 0;
    uint32_t *out = s->lvl[depth].v;
    /* the codecs of mask by their place in ub_det_codec_order() */
    const int *order = ub_det_codec_order();
    uint32_t todo = ranks_of(mask);
    /* codecs that give the same bytes give the same repair: try each
     * distinct result once, with the most likely codec.  The others still
     * count for the line decision (a copy of the candidate under their
     * own prior): windows-1253 and ISO-8859-7 read most Greek mojibake
     * alike, and a lossy run on the line may say which of them it was. */
    uint64_t seen[UB_NCODECS];
    uint32_t seen_cand[UB_NCODECS]; /* its candidate, or NO_INDEX */
    size_t seen_q[UB_NCODECS];      /* its logged offer, or -1 */
    int seen_codec[UB_NCODECS];
    int nseen = 0;
    /* most codecs that agree give the same bytes already: each distinct
     * byte string is decoded once, and its reading, the first of seen[]
     * that decodes alike, or -1 if it is not UTF-8, is known for the
     * codecs after it (bytes_of[c]: codec c's byte string, or -1 before
     * the first codec that gives it) */
    int bytes_of[UB_NCODECS], bread[UB_NCODECS];
    int nbytes = 0;
    memset(bytes_of, 0xFF, sizeof bytes_of);    /* -1 */
    for (; todo; todo &= todo - 1) {
        int c = order[__builtin_ctz(todo)];
        mask &= ~((ub_codec_mask)1 << c);
        int cesu = 0;
        e->ctx->steps += n;
        int same = bytes_of[c];
        int dup = -1;
        uint64_t hash = 0;
        long m = 0;
        if (same >= 0) {
            if (bread[same] < 0)
                continue;
            dup = bread[same];
        } else {
            /* ub_reverse_layer() on the rows: every character encodes */
            uint8_t *tb = s->tmp;
            for (ub_codec_mask a = codec_bytes(rows, t, n, c, tb) & mask; a; a &= a - 1)
                bytes_of[__builtin_ctz(a)] = nbytes;
            m = ub_reverse_utf8(tb, n, 1, out, &cesu);
            if (m < 0) {
                bread[nbytes++] = -1;
                continue;
            }
            hash = 1469598103934665603ull ^ (uint64_t)m;
            for (long i = 0; i < m; i++)
                hash = (hash ^ out[i]) * 1099511628211ull;
            for (int i = 0; i < nseen && dup < 0; i++)
                if (seen[i] == hash)
                    dup = i;
            bread[nbytes++] = dup >= 0 ? dup : nseen;
        }
        if (dup >= 0) {
            if (e->logging && seen_q[dup] != (size_t)-1) {
                if (ub_reserve((void **)&s->log, &s->logcap, s->nlog + 1, sizeof *s->log))
                    return -1;
                s->log[s->nlog++] = (struct logstep){ .offer = (uint32_t)seen_q[dup],
                                                      .alias = 1,
                                                      .was = (int8_t)seen_codec[dup],
                                                      .c = (int8_t)c, .depth = (int8_t)depth };
            }
            if (add_alias(e, seen_cand[dup], seen_codec[dup], c, depth) < 0)
                return -1;
            continue;
        }
        seen[nseen] = hash;
        seen_codec[nseen] = c;
        h->codec[depth] = (int8_t)c;
        h->nlayers = depth + 1;
        if (cesu)
            h->cesu |= (uint8_t)(1u << depth);
        else
            h->cesu &= (uint8_t)~(1u << depth);
        double c2 = cost + ub_det_codec_prior(c) + (depth ? LAYER_COST : 0) + (cesu ? CESU_COST : 0);
        size_t before = s->ncands;
        if (offer(e, h, out, (size_t)m, c2) < 0)
            return -1;
        seen_q[nseen] = e->last_q;
        seen_cand[nseen++] = s->ncands > before ? (uint32_t)before : NO_INDEX;
        if (offer_inner_legacy(e, h, out, (size_t)m, c2) < 0)
            return -1;
        if (depth + 1 < e->ctx->max_layers && depth + 1 < UB_MAX_LAYERS &&
            has_nonascii(out, (size_t)m))
            if (search_utf8(e, out, (size_t)m, depth + 1, h, c2) < 0)
                return -1;
    }
    return 0;
}

static int is_letter(uint32_t c)
{
    return c < 0x80 ? (c | 0x20) - 'a' < 26 : u_isalpha((UChar32)c);
}

/*
 * A decoder that strips C1 bytes leaves of most punctuation its lead
 * alone: "don\u00E2t", "a \u00E2beep\u00E2 sound" ('\u2019', '\u201C' and
 * '\u201D', E2 80 xx, through ISO-8859-1).  Where that lead stands in
 * a word of ASCII letters that the lexicon does not know as written,
 * while a language that writes the letter writes words it knows
 * ("ch\u00E2teau", "gr\u00E2ce"), the word is weak evidence of its own
 * (where the lead reads badly enough: LEAD3_LOGP), and the lead may have
 * lost both of its continuations.  (Only 0xE2, U+2000 to U+27FF with both
 * continuations stripped: the other leads of three bytes are letters
 * such words write, "caf\u00E9", and make CJK.)  And any run of one
 * character that weak evidence alone takes to the search, in such a
 * word, earns LEX_WORD_BONUS for a repair that makes of it words the
 * lexicon knows ("don't", "beep"; "reservekopie\u011En" is
 * "reservekopie\u00EBn", 0xC3 dropped by ISO-8859-3).
 */
#define LEAD3_LOGP (-8.0)
#define LEX_WORD_BONUS 3.0

/* The codecs that strip C1 bytes (ISO-8859-x) and read 0xE2 as cp, by
 * cp: a handful (built once, e2_init()). */
static struct {
    uint32_t cp;
    ub_codec_mask m;
} e2_[UB_NCODECS];
static int ne2_;
static uint64_t e2_low_;    /* bit cp % 64 of each: most letters miss */
static pthread_once_t e2_once_ = PTHREAD_ONCE_INIT;

static void e2_init(void)
{
    for (int c = 0; c < UB_NCODECS; c++) {
        if (!ub_codec_c1_lossy(c) || ub_codec_is_lossy(c, 0xE2))
            continue;
        uint32_t cp = ub_codec_decode(c, 0xE2);
        int j = 0;
        while (j < ne2_ && e2_[j].cp != cp)
            j++;
        if (j == ne2_)
            e2_[ne2_++].cp = cp;
        e2_[j].m |= (ub_codec_mask)1 << c;
        e2_low_ |= 1ull << (cp & 63);
    }
}

/* Build the table if it is not built yet (once per segment, before any
 * e2_codecs()). */
static void e2_ensure(void)
{
    pthread_once(&e2_once_, e2_init);
}

/* May x be one of them (after e2_ensure())?  Most letters are not. */
static inline int e2_maybe(uint32_t x)
{
    return e2_low_ >> (x & 63) & 1;
}

/* The codecs of x (after e2_ensure()). */
static ub_codec_mask e2_codecs(uint32_t x)
{
    if (!e2_maybe(x))
        return 0;
    for (int j = 0; j < ne2_; j++)
        if (e2_[j].cp == x)
            return e2_[j].m;
    return 0;
}

/* How badly the first character x of a run lone_unknown_seg() finds
 * under the codecs m must read (log P at most) to count: 0xE2 alone
 * LEAD3_LOGP, which a stray '\u00E2' in English does; two letters
 * WEAK_LOGP, as other weak evidence. */
static double lone_logp_bar(uint32_t x, ub_codec_mask m)
{
    return m & e2_codecs(x) ? LEAD3_LOGP : WEAK_LOGP;
}

/* Does the lexicon know the ASCII letters w[0..n) (none: yes)? */
static int lex_knows(const uint32_t *w, size_t n)
{
    const ub_lex *lex = ub_lex_builtin();
    return !n || (lex && ub_lex_has(lex, w, n));
}

/* Is the word of ASCII letters around w[na..na+k) (na letters before
 * it, nb after, one at least) one the lexicon does not know? */
static int word_unknown(const uint32_t *w, size_t na, size_t k, size_t nb)
{
    return (na || nb) && na + k + nb <= UB_LEX_MAX && !lex_knows(w, na + k + nb);
}

/* The codecs that lack a lead byte under which x0 and x1 are both
 * continuations (after ub_gate_ensure()): inside a word of ASCII
 * letters, two letters that each lost the lead ("Defini\u00A7\u00B5es"
 * for "Defini\u00E7\u00F5es", 0xC3 dropped twice by ISO-8859-3). */
static inline ub_codec_mask pair_headless(uint32_t x0, uint32_t x1)
{
    return ub_gate_headless(x0) & ub_gate_headless(x1);
}

/* Room for a word of ASCII letters around a run of at most two
 * characters (ascii_word()): UB_LEX_MAX looked at on either side
 * (longer is no word the lexicon holds). */
#define WORD_ROOM (2 * UB_LEX_MAX + 2)

static inline int ascii_letter(uint32_t c)
{
    return (c | 0x20) - 'a' < 26u;
}

/* The ASCII letters of a repair's text decided again (s nested) reach
 * its start or end: its word goes on in the segment's letters there
 * (s->edge_wl, edge_wr).  Into w at *m, at most UB_LEX_MAX letters in
 * all on that side (have of them already). */
static void edge_left(const ub_detect_scratch *s, size_t have, uint32_t *w, size_t *m)
{
    size_t k = s->n_wl < UB_LEX_MAX - have ? s->n_wl : UB_LEX_MAX - have;
    memcpy(w + *m, s->edge_wl + s->n_wl - k, k * sizeof *w);
    *m += k;
}

static void edge_right(const ub_detect_scratch *s, size_t have, uint32_t *w, size_t *m)
{
    size_t k = s->n_wr < UB_LEX_MAX - have ? s->n_wr : UB_LEX_MAX - have;
    memcpy(w + *m, s->edge_wr, k * sizeof *w);
    *m += k;
}

/* Character i of p: code points (wide) or bytes. */
static inline uint32_t char_at(const void *p, int wide, size_t i)
{
    return wide ? ((const uint32_t *)p)[i] : ((const uint8_t *)p)[i];
}

/* The ASCII letters around p[b0..b1) (p: n code points if wide, else
 * bytes; beyond them the edge's) with x[0..k) in its place into w
 * (WORD_ROOM), x[0] at w[*na]; returns the word's length. */
static size_t ascii_word(const ub_detect_scratch *s, const void *p, int wide, size_t n, size_t b0,
                         size_t b1, const uint32_t *x, size_t k, uint32_t *w, size_t *na)
{
    size_t a = b0, b = b1, m = 0;
    while (a > 0 && b0 - a < UB_LEX_MAX && ascii_letter(char_at(p, wide, a - 1)))
        a--;
    while (b < n && b - b1 < UB_LEX_MAX && ascii_letter(char_at(p, wide, b)))
        b++;
    if (!a)
        edge_left(s, b0, w, &m);
    for (size_t j = a; j < b0; j++)
        w[m++] = char_at(p, wide, j);
    *na = m;
    for (size_t j = 0; j < k; j++)
        w[m++] = x[j];
    for (size_t j = b1; j < b; j++)
        w[m++] = char_at(p, wide, j);
    if (b == n)
        edge_right(s, b - b1, w, &m);
    return m;
}

/* ascii_word() of the run s->cp[c0..c1) (two characters at most) as it is. */
static size_t ascii_word_cp(const ub_detect_scratch *s, size_t nch, size_t c0, size_t c1,
                            uint32_t *w, size_t *na)
{
    return ascii_word(s, s->cp, 1, nch, c0, c1, s->cp + c0, c1 - c0, w, na);
}

/* Is there an ASCII letter just before and one just after p[b0..b1) (as
 * in ascii_word(); beyond p, the edge's)? */
static int letter_around(const ub_detect_scratch *s, const void *p, int wide, size_t n, size_t b0,
                         size_t b1)
{
    return (b0 ? ascii_letter(char_at(p, wide, b0 - 1)) : s->n_wl > 0) &&
           (b1 < n ? ascii_letter(char_at(p, wide, b1)) : s->n_wr > 0);
}

/* The codecs under which the run x[0..k) may be mojibake alone in its
 * word (inside: an ASCII letter on either side): 0xE2 alone under weak,
 * its weak codecs (e2_codecs()), or two continuations inside the word
 * that lost their leads (pair_headless()).  The lexicon is not asked. */
static ub_codec_mask lone_codecs(const uint32_t *x, size_t k, int inside, ub_codec_mask weak)
{
    return k == 1 ? weak & e2_codecs(x[0]) : k == 2 && inside ? pair_headless(x[0], x[1]) : 0;
}

/* The codecs under which the run seg[b0..b1), its k characters x[0..k)
 * (line_is_clean()), is mojibake alone in a word the lexicon does not
 * know (lone_codecs(), word_unknown()). */
static ub_codec_mask lone_unknown_seg(const ub_detect_scratch *s, const uint8_t *seg, size_t n,
                                      size_t b0, size_t b1, const uint32_t *x, size_t k,
                                      ub_codec_mask weak)
{
    ub_codec_mask m = lone_codecs(x, k, letter_around(s, seg, 0, n, b0, b1), weak);
    if (!m)
        return 0;
    uint32_t w[WORD_ROOM];
    size_t na, len = ascii_word(s, seg, 0, n, b0, b1, x, k, w, &na);
    return word_unknown(w, na, k, len - na - k) ? m : 0;
}

/* word_unknown() of the run r (two characters at most) and the letters
 * around it. */
static int run_word_unknown(const ub_detect_scratch *s, const struct run *r, size_t nch)
{
    size_t k = r->c1 - r->c0;
    if (k > 2)
        return 0;
    uint32_t w[WORD_ROOM];
    size_t na, len = ascii_word_cp(s, nch, r->c0, r->c1, w, &na);
    return word_unknown(w, na, k, len - na - k);
}

/* lone_unknown_seg() of the run r, weak its weak codecs. */
static ub_codec_mask lone_unknown_run(const ub_detect_scratch *s, const struct run *r,
                                      size_t nch, ub_codec_mask weak)
{
    ub_codec_mask m = lone_codecs(s->cp + r->c0, r->c1 - r->c0,
                                  letter_around(s, s->cp, 1, nch, r->c0, r->c1), weak);
    return m && run_word_unknown(s, r, nch) ? m : 0;
}

/* Does the repair x[0..k) of the run r (as long) make words the lexicon
 * knows of the letters around it: each stretch of letters (and
 * apostrophes) the repaired word holds? */
static int repair_makes_known(const ub_detect_scratch *s, const struct run *r, size_t nch,
                              const uint32_t *x, size_t k)
{
    uint32_t w[WORD_ROOM];
    size_t na, len = ascii_word_cp(s, nch, r->c0, r->c1, w, &na);
    memcpy(w + na, x, k * sizeof *w);
    for (size_t a = 0, b; a < len; a = b + 1) {
        for (b = a; b < len && ub_lex_char(w[b]); b++)
            ;
        if (b - a > UB_LEX_MAX || !lex_knows(w + a, b - a))
            return 0;
    }
    return 1;
}

/* repair_makes_known() of the lossy reading res of the run r: as many
 * characters as r (a space after them, the joiner it read as one, aside). */
static int known_repair(const ub_detect_scratch *s, const struct run *r,
                        const ub_lossy_result *res)
{
    size_t k = r->c1 - r->c0;
    uint32_t x[2];
    if (k > 2 || !(res->nchars == k || (res->nchars == k + 1 && res->chars[k].cp == ' ')))
        return 0;
    for (size_t i = 0; i < k; i++)
        x[i] = res->chars[i].cp;
    return repair_makes_known(s, r, s->nch, x, k);
}

/*
 * Is the run a C1 control alone, the only one of its line?  One byte says
 * little about its codec, and the control itself reads as nothing the
 * model knows, so any reading of it would win (U+0081 at the end of
 * English text came out as KOI8-R's box drawing '│'): see lone_c1_ok().
 */
static int lone_c1(const struct eval *e)
{
    ub_detect_scratch *s = e->s;
    if (e->n != 1)
        return 0;
    if (s->c1s < 0) {
        s->c1s = 0;
        for (size_t i = 0; i < s->nch && s->c1s < 2; i++)
            s->c1s += s->cp[i] - 0x80u < 0x20u;
    }
    return s->c1s == 1;
}

/* May a lone C1 control (lone_c1) between before and after be read as x?
 * As punctuation, a currency sign or a letter-like symbol ("’", "€",
 * "™"), or as a letter inside a word ("Gr\u0081n" through IBM437); not as
 * a letter alone, box drawing or a mathematical sign. */
static int lone_c1_ok(uint32_t x, uint32_t before, uint32_t after)
{
    switch (u_charType((UChar32)x)) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
        return is_letter(before) || is_letter(after);
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_CURRENCY_SYMBOL:
        return 1;
    case U_OTHER_SYMBOL:
        return x - 0x2100u < 0x50u;
    default:
        return 0;
    }
}

static int search_legacy(struct eval *e)
{
    int c1 = 0;
    for (size_t i = 0; i < e->n; i++) {
        if (e->in[i] > 0xFF)
            return 0;
        c1 |= e->in[i] >= 0x80 && e->in[i] < 0xA0;
    }
    if (!c1)
        return 0;
    ub_detect_scratch *s = e->s;
    if (ub_u32vec_reserve(&s->lvl[0], e->n))
        return -1;
    uint32_t *out = s->lvl[0].v;
    const int lone = lone_c1(e);
    const size_t c0 = e->r->c0;
    const uint32_t before = c0 > 0 ? s->cp[c0 - 1] : ' ';
    const uint32_t after = c0 + 1 < s->nch ? s->cp[c0 + 1] : ' ';
    for (int c = 0; c < UB_NCODECS; c++) {
        if (c == UB_CODEC_LATIN1)
            continue;
        ub_reverse_legacy(e->in, e->n, c, out);
        if (lone && !lone_c1_ok(out[0], before, after))
            continue;
        ub_hyp h = { .kind = UB_HYP_LEGACY, .nlayers = 1, .codec = { (int8_t)c } };
        if (offer(e, &h, out, e->n, ub_det_codec_prior(c) + LEGACY_COST) < 0)
            return -1;
    }
    return 0;
}

/*
 * Is there anything that looks like broken UTF-8 under codec c?  Strong
 * evidence (2): a complete multi-byte sequence.  Weak evidence (1): a
 * '?'/U+FFFD or a space (NBSP turned into a space) after a lead byte, or
 * only continuation bytes alone under a codec that lacks some leads.
 * Clean text in another script rarely has either, so it never pays for a
 * search.
 */
/*
 * The codecs under which c is the lead of a sequence of exactly 1 + q
 * bytes, where the q characters after it are '?' and the next is not
 * (q_more): a decoder wrote one for each byte it could not read ("\u00E2??"
 * for U+2019 through ISO-8859-1 with '?' for C1 bytes).  Only for q >= 2:
 * a lone lead before one '?' is as often a question ("Stra\u00DFe?").
 */
static ub_codec_mask qmarks_fill(uint32_t c, size_t q, int q_more)
{
    if (q < 2 || q > 3 || q_more)
        return 0;
    const ub_codec_row *row = ub_codec_row_at(c);
    return !row ? 0 : q == 2 ? row->lead3 : row->lead4;
}

/* The '?' at t[0..n) (at most four) and whether more follow. */
static size_t qmarks_at(const uint32_t *t, size_t n, int *more)
{
    size_t q = 0;
    while (q < n && q < 4 && t[q] == '?')
        q++;
    *more = q < n && t[q] == '?';
    return q;
}

/* A sequence cut short after have bytes: a lead with at least one valid
 * continuation is what a dropped byte leaves behind (good evidence); a
 * lone lead is not. */
static int truncated_ok(const uint8_t *seq, int have)
{
    return have >= 2 && ub_utf8_second_ok(seq[0], seq[1]);
}

/* Can a continuation byte of codec c go missing: is one of 0x80..0xBF
 * undefined in it (dropped or substituted), a soft hyphen or an NBSP?  In
 * a codec where none is, a sequence cut short is not a loss but clean text
 * (Cyrillic read back through ibm866 has leads and continuations in every
 * word). */
static int cont_can_drop(int c)
{
    return ub_codec_cont_droppable() >> c & 1;
}

static int lossy_evidence(const uint32_t *t, const ub_codec_row *const *rows, size_t n, int c,
                          size_t *goodp)
{
    int need = 0, weak = 0;     /* continuation bytes still expected */
    size_t good = 0, broken = 0, complete = 0, cut = 0, cut4 = 0, headless = 0;
    size_t cut3 = 0, lone3 = 0; /* three-byte sequences with one continuation
                                   left, or none (before a non-ASCII one) */
    int headless_ok = ub_codec_lead_lost() >> c & 1;
    uint8_t seq[4];
    int have = 0;
    int marked = 0;     /* a marker took a slot of the sequence */
    int sub = 0;        /* the character before was U+FFFD, in no sequence */
    for (size_t i = 0; i < n; i++) {
        int b, after_sub = sub;
        sub = 0;
        if (t[i] < 0x80)
            b = (int)t[i];
        else if (t[i] == 0xFFFD)
            b = -2;
        else
            b = rows[i] && (rows[i]->mask >> c & 1) ? rows[i]->byte[c] : -1;
        if (need && have == 1 && !marked && b >= 0 && b < 0x80 && b != '?' && b != ' ') {
            /* a lone lead before other ASCII: its continuation may be
             * gone (a soft hyphen stripped, say); as weak as a marker */
            weak = 1;
            need = 0;
            continue;
        }
        if (need && (b == -2 || b == '?' || b == ' ')) {
            /* a marker where a byte should be: U+FFFD says a decoder lost
             * it, '?' or a space only may */
            if (!marked) {
                /* (so does '?' for the last byte of a sequence cut short
                 * with a valid second byte: "\u00E1\u00BB?" for "ể";
                 * after a lone lead it may be a question mark) */
                int more;
                size_t q = b == '?' && have == 1 ? qmarks_at(t + i, n - i, &more) : 0;
                if (b == -2 || (b == '?' && need == 1 && truncated_ok(seq, have)) ||
                    (q && (size_t)need == q && (qmarks_fill(t[i - 1], q, more) >> c & 1)))
                    good++;
                else
                    weak = 1;
                /* a space after a sequence cut short may as well be
                 * the text after it: the sequence counts as cut short,
                 * as before other ASCII ("\u00F0\u0178\u00B3 " for "🐳 ",
                 * its 0x90 dropped) */
                if (b == ' ' && have >= 2) {
                    cut += truncated_ok(seq, have);
                    cut4 += have == 3 && truncated_ok(seq, have);
                    cut3 += have == 2 && ub_utf8_seqlen(seq[0]) == 3 && truncated_ok(seq, have);
                }
            }
            /* a substituted byte takes its slot: continuation bytes after
             * it finish the sequence and are no broken sequence of their
             * own (a space stands only for an NBSP, and "é – " is clean
             * text) */
            if (b == ' ')
                need = 0;
            else
                need--;
            marked = !need ? 0 : b == '?' ? 1 : 2;
            continue;
        }
        if ((b == '?' || b == -2) && !need && !marked && headless_ok && i + 1 < n &&
            t[i + 1] >= 0x80 && t[i + 1] != 0xFFFD && rows[i + 1] &&
            (rows[i + 1]->mask >> c & 1) && ub_utf8_is_cont(rows[i + 1]->byte[c])) {
            /* a marker, then a continuation: the lead the codec could
             * not read, replaced (Cyrillic through ISO-8859-3, which has
             * no 0xD0, is "?°" for "а"); the continuation finishes it */
            need = 1;
            marked = 1;
            continue;
        }
        if (marked) {
            if (need && b >= 0x80 && ub_utf8_is_cont((uint8_t)b)) {
                /* a '?' between a lead and its continuation stands for a
                 * byte as surely as U+FFFD */
                if (--need == 0)
                    good += marked == 1;
                marked = need > 0 ? marked : 0;
                continue;
            }
            marked = 0;
            need = 0;
            if (b < 0 || b == -2)
                continue;
        }
        if (b < 0) {
            if (need) {
                cut += truncated_ok(seq, have);
                cut4 += have == 3 && truncated_ok(seq, have);
                broken += !truncated_ok(seq, have);
            }
            cut3 = lone3 = 0;   /* (a character the codec lacks) */
            sub = b == -2 && !need;
            need = 0;
            continue;
        }
        if (need && ub_utf8_is_cont((uint8_t)b)) {
            seq[have++] = (uint8_t)b;
            if (--need == 0) {
                uint32_t cp;
                if (ub_utf8_decode(seq, (size_t)have, &cp) == have)
                    complete++;
                else
                    broken++;
            }
            continue;
        }
        if (need) {
            cut += truncated_ok(seq, have);
            cut4 += have == 3 && truncated_ok(seq, have);
            broken += !truncated_ok(seq, have);
            if (ub_utf8_seqlen(seq[0]) == 3)
                *(have == 2 ? &cut3 : &lone3) += have == 1 || truncated_ok(seq, have);
        }
        if (ub_utf8_is_cont((uint8_t)b) && headless_ok) {
            /* a continuation whose lead the codec lost (U+FFFD before it
             * says a decoder lost it, as surely as after a lead) */
            good += after_sub;
            headless += !after_sub;
            need = 0;
            continue;
        }
        broken += ub_utf8_is_cont((uint8_t)b) || (b >= 0x80 && !ub_utf8_seqlen((uint8_t)b));
        int len = ub_utf8_seqlen((uint8_t)b);
        need = len >= 2 ? len - 1 : 0;
        have = 1;
        seq[0] = (uint8_t)b;
    }
    if (marked) {
        need = 0;
    } else if (need && have == 1) {
        weak = 1;       /* a lone lead at the end: ASCII follows */
    } else if (need) {
        cut += truncated_ok(seq, have);
        cut4 += have == 3 && truncated_ok(seq, have);
        broken += !truncated_ok(seq, have);
        cut3 += have == 2 && ub_utf8_seqlen(seq[0]) == 3 && truncated_ok(seq, have);
    }
    /* sequences cut short count as evidence only beside whole ones --
     * except a four-byte lead with two continuations, which clean text
     * hardly ever has ("đźł", an emoji through windows-1250 that lost
     * its third byte) -- and only where the codec can lose a
     * continuation byte */
    if (!cont_can_drop(c)) {
        broken += cut;
        cut = cut4 = cut3 = lone3 = 0;
    }
    /* nor do three-byte sequences cut short where the codec strips C1
     * bytes, unless nearly all of the run is such (kana read as
     * ISO-8859-x, C1 bytes stripped, lose the second byte of nearly every
     * character and keep few whole: "ã¢ã¤ãã\u00A0" for "アイテム";
     * clean text puts a letter such as "ã" before a symbol such as "¢"
     * now and then, not three times over with nothing else) */
    if (!complete && cut3 >= 3 && cut3 + lone3 == cut + broken && ub_codec_c1_lossy(c)) {
        good += cut3;
        broken -= lone3;
        cut = cut4 = 0;
    }
    good += complete + (complete ? cut : cut4);
    broken += complete ? 0 : cut - cut4;
    /* continuations alone count for nothing beside whole sequences, and
     * all alone as weak evidence: the lead the codec lost may be every
     * sequence's (0xC3 in ISO-8859-3) */
    if (!complete && headless && !broken)
        weak = 1;
    *goodp = good;
    /* damage is sparse in real mojibake: most sequences survive */
    if (good && good >= broken)
        return 2;
    return weak;
}

/* Keep a lossy reconstruction as a candidate of the run (the best so far,
 * or one for the line decision): its characters, gaps and text go into the
 * arenas.  cost: the hypothesis' prior, which counts once per line (the
 * losses are the run's own).  norig: the characters of the run it
 * replaces.  later: a result of ub_reverse_lossy() or ub_reverse_lossy2(),
 * whose gaps are described only now that it is kept, and only for whoever
 * reads them (mark mode, reports); else NULL. */
/* Run r takes candidate c's reading, at score. */
static void run_take(struct run *r, const struct cand *c, double score)
{
    r->score = score;
    r->hyp = c->hyp;
    r->out0 = c->out0;
    r->nout = c->nout;
    r->l0 = c->l0;
    r->g0 = c->g0;
    r->ng = c->ng;
    r->cend = c->cend;
    r->lead = c->lead;
}

static int keep_lossy(struct eval *e, const ub_hyp *h, const ub_lchar *chars, size_t nchars,
                      const ub_gapalt *gaps, size_t ngaps, double score, double cost,
                      size_t norig, ub_lossy_result *later)
{
    ub_detect_scratch *s = e->s;
    struct run *r = e->r;
    size_t c0 = r->c0 - e->lead;
    /* a reading that passes everything through is no repair */
    if (nchars == norig) {
        size_t i = 0;
        while (i < nchars && chars[i].cp == s->cp[c0 + i])
            i++;
        if (i == nchars)
            return 0;
    }
    e->found = 1;
    int best = !r->nout || score > r->score;
    if (!best && score <= LINE_FLOOR)
        return 0;
    if (later && (e->ctx->lossy == UNBAKE_LOSSY_MARK || e->ctx->report)) {
        if (ub_reverse_lossy_gaps(s->beam, e->ctx->lm, later))
            return -1;
        gaps = later->gaps;
        ngaps = later->ngaps;
    }
    if (ub_reserve((void **)&s->lch, &s->lchcap, s->nlch + nchars, sizeof *s->lch) ||
        ub_reserve((void **)&s->gaps, &s->gapcap, s->ngaps + ngaps, sizeof *s->gaps) ||
        ub_reserve((void **)&s->cands, &s->candcap, s->ncands + 1, sizeof *s->cands) ||
        ub_u32vec_reserve(&s->out, s->out.n + nchars))
        return -1;
    struct cand kc = { .hyp = *h, .key = hyp_key(h), .score = (float)score,
                       .cost = (float)cost, .out0 = (uint32_t)s->out.n,
                       .nout = (uint32_t)nchars, .l0 = (uint32_t)s->nlch,
                       .g0 = (uint32_t)s->ngaps, .ng = (uint32_t)ngaps,
                       .cend = (uint32_t)(c0 + norig), .lead = (uint8_t)e->lead };
    memcpy(s->lch + s->nlch, chars, nchars * sizeof *chars);
    if (ngaps)
        memcpy(s->gaps + s->ngaps, gaps, ngaps * sizeof *gaps);
    for (size_t i = 0; i < nchars; i++)
        s->out.v[s->out.n + i] = chars[i].cp;
    s->out.n += nchars;
    s->nlch += nchars;
    s->ngaps += ngaps;
    if (score > LINE_FLOOR) {
        s->cands[s->ncands++] = kc;
        r->nk++;
    }
    if (best)
        run_take(r, &kc, score);
    return 0;
}

static const ub_alpha *line_alphabet(ub_detect_scratch *s, int c);

/*
 * The lossy candidate k of codec c once more under every other codec that
 * gives the same reading: each byte kept decodes alike, each byte lost is
 * one that codec loses too, and each letter guessed is one the line's
 * languages under that codec write (line_alphabet(): ISO-8859-2 reads
 * "Ă\uFFFD" as "Ø", whose 0x98 windows-1250 loses too, but the "é" and
 * "í" windows-1250 reads on the line are Spanish, not Norwegian).  As
 * add_alias, for the line decision only.
 */
static int alias_lossy(struct eval *e, uint32_t k, int c)
{
    ub_detect_scratch *s = e->s;
    const struct cand *kc = &s->cands[k];
    uint64_t kept[4] = { 0 }, lost[4] = { 0 };
    int guessed[8], nguessed = 0;   /* (alphabet indices of guessed letters) */
    for (size_t i = 0; i < kc->nout; i++) {
        const ub_lchar *ch = &s->lch[kc->l0 + i];
        if (ch->keep)
            continue;
        int a = ch->gap && ch->cp >= 0x80 ? ub_alpha_index(ch->cp) : -1;
        if (a >= 0 && nguessed < (int)(sizeof guessed / sizeof *guessed))
            guessed[nguessed++] = a;
        uint8_t u[4];
        int len = ub_utf8_encode(ch->cp, u);
        for (int j = 0; j < len; j++)
            if (u[j] >= 0x80) {
                uint64_t *set = ch->ops[j] == UB_OP_NONE ? kept : lost;
                set[u[j] >> 6] |= 1ull << (u[j] & 63);
            }
    }
    for (int c2 = 0; c2 < UB_NCODECS; c2++) {
        if (c2 == c)
            continue;
        int ok = 1;
        for (int w = 2; w < 4 && ok; w++) {
            for (uint64_t m = kept[w]; m && ok; m &= m - 1) {
                uint8_t b = (uint8_t)(w * 64 + __builtin_ctzll(m));
                ok = !ub_codec_is_lossy(c2, b) && ub_codec_decode(c2, b) == ub_codec_decode(c, b);
            }
            for (uint64_t m = lost[w] & ~kept[w]; m && ok; m &= m - 1) {
                uint8_t b = (uint8_t)(w * 64 + __builtin_ctzll(m));
                ok = b == 0xA0 || b == 0xAD ? ub_codec_decode(c2, b) == ub_codec_decode(c, b)
                                            : ub_codec_is_lossy(c2, b);
            }
        }
        const ub_alpha *al = ok && nguessed ? line_alphabet(s, c2) : NULL;
        for (int j = 0; al && j < nguessed && ok; j++)
            ok = ub_alpha_has(al, guessed[j]);
        if (ok && add_alias(e, k, c, c2, 0) < 0)
            return -1;
    }
    return 0;
}

/* Does U+FFFD stand before a non-ASCII character in t[0..n) (for a lead,
 * maybe)? */
static int fffd_for_lead(const uint32_t *t, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (t[i] == 0xFFFD && t[i + 1] >= 0xA0 && t[i + 1] != 0xFFFD)
            return 1;
    return 0;
}

/*
 * Lossy reconstructions of t[0..n).  Without an outer layer t is the run
 * itself; with one (outer >= 0) t is the run decoded losslessly through it
 * (the losses happened at the inner layer), and orig[0..norig) is the run
 * as it is, for scoring.
 */
/*
 * Were more bytes of the repair's non-ASCII characters lost than read?  A
 * run of U+FFFD (legacy bytes read as UTF-8 with replacement) around a
 * character or two fits many readings; the model then writes the text, not
 * the run.  One lost byte more than was read is allowed: a lead before
 * two dropped C1 bytes ("\u00E2" for U+201C) is the shortest mojibake there is.
 * A longer repair may lose up to two bytes per byte read where it reads as
 * text: every lead byte there is read, and puts its character in a block
 * of the code space (kana read through ISO-8859-x lose most of their
 * continuations, "ã��").  Returns 0 (no), 1 (only if it reads as text) or
 * 2 (yes).
 */
static int mostly_lost(const ub_lchar *c, size_t n)
{
    size_t read = 0, lost = 0, chars = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].cp < 0x80 || c[i].keep)
            continue;
        int len = ub_utf8_len(c[i].cp);
        chars++;
        for (int b = 0; b < len; b++) {
            int op = c[i].ops[b];
            if (ub_op_lost(op))
                lost++;
            else
                read++;
        }
    }
    if (lost <= read + 1)
        return 0;
    return chars <= SHORT_LOSSY || lost > 2 * read ? 2 : 1;
}

/*
 * The text after a lossy span as it reads once repaired under codec c, for
 * choosing the span's last fills: the mojibake that follows (e->ahead) read
 * back through c, as far as it makes whole characters, at most two.  A
 * span ends where the bound on joining runs cut it, mostly right after a
 * '?' that stood for the last byte of a character; the fill there needs
 * what comes next ("å°?" | "è¯•" is 尝 before 试).  0 where the text after
 * the span is not more of the same mojibake.
 */
static size_t ahead_under(const struct eval *e, int c, uint32_t out[2])
{
    uint8_t b[12];
    size_t nb = 0, n = 0;
    if (!e->ahead || !e->nahead || e->ahead[0] < 0x80)
        return 0;
    for (size_t i = 0; i < e->nahead && nb < sizeof b; i++) {
        int x = e->ahead[i] < 0x80 ? (int)e->ahead[i] : ub_codec_encode(c, e->ahead[i]);
        if (x < 0)
            break;
        b[nb++] = (uint8_t)x;
    }
    for (size_t i = 0; n < 2 && i < nb;) {
        int len = ub_utf8_seqlen(b[i]);
        uint32_t cp;
        if (!len || i + (size_t)len > nb || ub_utf8_decode(b + i, (size_t)len, &cp) != len)
            break;
        out[n++] = cp;
        i += (size_t)len;
    }
    return n;
}

/*
 * The character the bytes of t[i..) under codec c make where they begin a
 * whole UTF-8 sequence: its length in characters of t, the code point in
 * *u; 0 where they make none.
 */
static int whole_at(const uint32_t *t, size_t n, size_t i, int c, uint32_t *u)
{
    int b = t[i] < 0x80 ? -1 : ub_codec_encode(c, t[i]);
    if (b < 0xC2 || b > 0xF4)
        return 0;
    uint8_t seq[4] = { (uint8_t)b };
    int len = ub_utf8_seqlen((uint8_t)b), k = 1;
    for (; k < len && i + (size_t)k < n; k++) {
        uint32_t x = t[i + (size_t)k];
        int y = x < 0x80 ? -1 : ub_codec_encode(c, x);
        if (y < 0 || !(k == 1 ? ub_utf8_second_ok(seq[0], (uint8_t)y)
                              : ub_utf8_is_cont((uint8_t)y)))
            break;
        seq[k] = (uint8_t)y;
    }
    return k == len && ub_utf8_decode(seq, (size_t)len, u) == len ? len : 0;
}

/* The languages' odds' room of s, allocated at first need (NULL when
 * out of memory: the odds are then left out). */
static struct langs_room *langs_room(ub_detect_scratch *s)
{
    if (!s->lr && (s->lr = malloc(sizeof *s->lr))) {
        /* (the odds are written before they are read: only the counts
         * start at zero) */
        memset(&s->lr->acc, 0, sizeof s->lr->acc);
    }
    return s->lr;
}

/*
 * The letters of the languages the segment may be in, by the letters its
 * whole sequences under codec c make (alphabet.h); NULL when they make
 * none that tells.  Found once per segment and codec.
 */
static const ub_alpha *line_alphabet(ub_detect_scratch *s, int c)
{
    if (!(s->alpha_done >> c & 1)) {
        s->alpha_done |= (ub_codec_mask)1 << c;
        ub_alpha seen = { { 0 } };
        const uint32_t *t = s->cp;
        size_t n = s->nch;
        struct langs_room *lr = langs_room(s);
        if (lr)
            ub_langs_reset(&lr->acc);
        for (size_t i = 0; i < n; i++) {
            uint32_t u;
            if (t[i] < 0x80) {
                if (lr)
                    ub_langs_add(&lr->acc, t[i]);
                continue;
            }
            int len = whole_at(t, n, i, c, &u);
            if (!len) {
                /* (a letter cut short, of the lead's block) */
                int y = ub_codec_encode(c, t[i]);
                if (lr && y >= 0)
                    ub_langs_add_cut(&lr->acc, (uint8_t)y);
                continue;
            }
            int a = ub_alpha_index(u);
            if (a >= 0) {
                ub_alpha_add(&seen, a);
                if (lr)
                    ub_langs_add(&lr->acc, u);
            }
            i += (size_t)len - 1;
        }
        if (ub_alpha_allowed(&seen, &s->alpha[c]))
            s->alpha_some |= (ub_codec_mask)1 << c;
        else
            s->alpha_some &= ~((ub_codec_mask)1 << c);
        if (lr && ub_langs_fit(&lr->acc, &lr->one[c]))
            s->langs_some |= (ub_codec_mask)1 << c;
        else
            s->langs_some &= ~((ub_codec_mask)1 << c);
    }
    return s->alpha_some >> c & 1 ? &s->alpha[c] : NULL;
}

/*
 * line_alphabet() under multibyte codec id: the letters the segment's
 * whole UTF-8 sequences make, its characters encoded back with id (the
 * letters of Czech read as Big5 and written back).  Text in the codec's
 * own script makes none that tells (NULL).
 */
static const ub_alpha *mbcs_alphabet(ub_detect_scratch *s, int id)
{
    if (id < 0 || id >= UB_MBCS_ALPHA)
        return NULL;
    if (!(s->malpha_done >> id & 1)) {
        s->malpha_done |= 1u << id;
        ub_alpha seen = { { 0 } };
        uint8_t seq[8];
        int have = 0, need = 0;
        for (size_t i = 0; i < s->nch; i++) {
            uint8_t b[4];
            int len = s->cp[i] < 0x80 ? (b[0] = (uint8_t)s->cp[i], 1)
                                      : ub_mbcs_encode_cp(id, s->cp[i], b);
            if (len <= 0) {
                have = need = 0;
                continue;
            }
            for (int k = 0; k < len; k++) {
                uint8_t x = b[k];
                if (have && ub_utf8_is_cont(x) &&
                    (have > 1 || ub_utf8_second_ok(seq[0], x))) {
                    seq[have++] = x;
                    if (have < need)
                        continue;
                    uint32_t u = 0;
                    if (ub_utf8_decode(seq, (size_t)need, &u) == need) {
                        int a = ub_alpha_index(u);
                        if (a >= 0)
                            ub_alpha_add(&seen, a);
                    }
                    have = need = 0;
                    continue;
                }
                need = ub_utf8_seqlen(x);
                have = need > 1;
                seq[0] = x;
            }
        }
        if (ub_alpha_allowed(&seen, &s->malpha[id]))
            s->malpha_some |= 1u << id;
        else
            s->malpha_some &= ~(1u << id);
    }
    return s->malpha_some >> id & 1 ? &s->malpha[id] : NULL;
}

/*
 * One layer of UTF-8 read as codec c undone on t[0..n) into out: the
 * character each whole sequence makes, ASCII as it is, and 0 for any
 * other character (of no whole sequence).  Returns the characters
 * written.  out may be t: out[o] is written only once t[o] is read.
 */
static size_t undo_layer(const uint32_t *t, size_t n, int c, uint32_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < 0x80) {
            out[o++] = t[i];
            continue;
        }
        uint32_t u;
        int len = whole_at(t, n, i, c, &u);
        out[o++] = len ? u : 0;
        if (len)
            i += (size_t)len - 1;
    }
    return o;
}

/*
 * line_alphabet() for text garbled twice through codec c: the letters the
 * segment's whole sequences make read back through both layers (NULL:
 * none that tells).  A run's own letters under c are the outer layer's
 * (Ã, Ð, Ñ); the rest of the segment, where it was read whole, names the
 * language.  Found once per segment and codec.
 */
static const ub_alpha *line_alphabet2(ub_detect_scratch *s, int c)
{
    if (!(s->alpha2_done >> c & 1)) {
        /* (the second layer is undone in place: undo_layer() writes
         * out[o] only once it has read t[o..]; 4 bytes a character of a
         * window of a long line, not 8) */
        if (ub_reserve((void **)&s->mid, &s->midcap, s->nch + 1, sizeof *s->mid))
            return NULL;
        s->alpha2_done |= (ub_codec_mask)1 << c;
        uint32_t *one = s->mid, *two = s->mid;
        size_t m = undo_layer(s->cp, s->nch, c, one);
        size_t k = undo_layer(one, m, c, two);
        ub_alpha seen = { { 0 } };
        struct langs_room *lr = langs_room(s);
        if (lr)
            ub_langs_reset(&lr->acc);
        for (size_t i = 0; i < k; i++) {
            int a = two[i] < 0x80 ? -1 : ub_alpha_index(two[i]);
            if (a >= 0)
                ub_alpha_add(&seen, a);
            if (lr && (a >= 0 || two[i] < 0x80))
                ub_langs_add(&lr->acc, two[i]);
        }
        if (ub_alpha_allowed(&seen, &s->alpha2[c]))
            s->alpha2_some |= (ub_codec_mask)1 << c;
        else
            s->alpha2_some &= ~((ub_codec_mask)1 << c);
        if (lr && ub_langs_fit(&lr->acc, &lr->two[c]))
            s->langs2_some |= (ub_codec_mask)1 << c;
        else
            s->langs2_some &= ~((ub_codec_mask)1 << c);
    }
    return s->alpha2_some >> c & 1 ? &s->alpha2[c] : NULL;
}

/* line_alphabet2() under the codec of the search (ub_alpha_fn). */
static ub_line_letters search_alphabet2(void *arg)
{
    ub_detect_scratch *s = arg;
    int c = s->alpha_codec;
    ub_line_letters r = { line_alphabet2(s, c), NULL };
    r.langs = s->langs2_some >> c & 1 ? &s->lr->two[c] : NULL;
    return r;
}

/* line_alphabet() under the codec of the search (ub_alpha_fn). */
static ub_line_letters search_alphabet(void *arg)
{
    ub_detect_scratch *s = arg;
    int c = s->alpha_codec;
    ub_line_letters r = { line_alphabet(s, c), NULL };
    r.langs = s->langs_some >> c & 1 ? &s->lr->one[c] : NULL;
    return r;
}

/* The codec being tried gave a reading of t[0..n): it counts once among
 * the *yielded that end the search at *max_yield.  A U+FFFD for a lead
 * says only that the codec lacks it: the codecs that lack some read it
 * alike, and the cheapest of them need not be the one (each may write a
 * lead of another script there), so the search goes on to
 * MAX_LOSSY_TRIES. */
static void count_yield(int *gave, int *yielded, int *max_yield, const uint32_t *t, size_t n)
{
    if (!*gave && ++*yielded == MAX_LOSSY_CODECS && fffd_for_lead(t, n))
        *max_yield = MAX_LOSSY_TRIES;
    *gave = 1;
}

static int search_lossy(struct eval *e, const uint32_t *t, size_t n, const uint32_t *right,
                        size_t nright, int outer, const uint32_t *orig, size_t norig)
{
    /* codecs that encode all but a few of the characters: the others pass
     * through (a clean "…" glued to mojibake, say) */
    ub_detect_scratch *s = e->s;
    if (ub_reserve((void **)&s->rows, &s->rowcap, n, sizeof *s->rows))
        return -1;
    const ub_codec_row **rows = s->rows;
    int foreign[UB_NCODECS] = { 0 };
    size_t nonascii = 0;
    int marker = 0;
    ub_codec_rmap_ensure();
    for (size_t i = 0; i < n; i++) {
        rows[i] = NULL;
        marker |= t[i] == 0xFFFD || t[i] == '?';
        if (t[i] < 0x80 || t[i] == 0xFFFD)
            continue;
        nonascii++;
        rows[i] = ub_codec_row_at(t[i]);
        ub_codec_mask m = rows[i] ? rows[i]->mask : 0;
        for (ub_codec_mask f = ~m & (e->maybe | e->twice); f; f &= f - 1)
            foreign[__builtin_ctz(f)]++;
    }
    /* without a marker, only a codec that can lose a byte of UTF-8 has a
     * lossy reading (ibm866 reads Cyrillic as whole sequences, and loses
     * none of them) */
    ub_codec_mask can_lose = marker ? UB_CODEC_ALL : ub_codec_utf8_droppable();
    ub_codec_mask mask = 0;
    for (ub_codec_mask f = (e->maybe | e->twice) & can_lose; f; f &= f - 1) {
        int c = __builtin_ctz(f);
        if ((size_t)foreign[c] * 4 <= nonascii && (size_t)foreign[c] < nonascii)
            mask |= (ub_codec_mask)1 << c;
    }
    if (!mask)
        return 0;
    /* codecs under which the most sequences survive; the others would
     * only repair less of the run (ev 0 for the codecs not looked at) */
    int ev[UB_NCODECS] = { 0 };
    size_t good[UB_NCODECS] = { 0 }, best_good = 0;
    ub_codec_mask lent = 0;     /* weak evidence lent by the line (line_cut) */
    /* (a run the gate read as garbled twice may be garbled once, by a
     * decoder that dropped the continuation of most of its characters:
     * Arabic through ISO-8859-x, its C1 bytes stripped, "ØšØ§ÙÙ" for
     * "بالك" -- on strong evidence of its own) */
    ub_codec_mask look = mask & (e->maybe | (outer < 0 ? e->twice : 0));
    for (ub_codec_mask f = look | (outer < 0 ? e->line_cut : 0); f; f &= f - 1) {
        int c = __builtin_ctz(f);
        ev[c] = look >> c & 1 ? lossy_evidence(t, rows, n, c, &good[c]) : 0;
        if (ev[c] == 1 && !(e->maybe >> c & 1))
            ev[c] = 0;
        /* bytes dropped where repairs nearby under the codec say so: weak
         * evidence, whose support the line pays for (not e->weak_ok) --
         * also where the run's own evidence is weak (a sequence cut
         * short before a space, which may stand for the lost byte:
         * "gi\u00E1\u00BB " for "giờ ", its 0x9D dropped) */
        if (ev[c] < 2 && (e->line_cut >> c & 1) && outer < 0) {
            ev[c] = 1;
            lent |= (ub_codec_mask)1 << c;
        }
        /* (and under an outer layer lent by a convincing repair nearby
         * of text garbled twice through it, a sequence the layer undone
         * leaves cut short: the inner decoder lost its byte) */
        if (ev[c] < 2 && outer >= 0 && (e->line.inner >> outer & 1) &&
            (ub_cut_codecs(t, n) >> c & 1)) {
            ev[c] = 1;
            lent |= (ub_codec_mask)1 << c;
        }
        if (ev[c] == 2 && good[c] > best_good)
            best_good = good[c];
    }
    /* the codecs that may have either reading below, in prior order */
    const int *order = ub_det_codec_order();
    uint32_t todo = 0;
    for (ub_codec_mask f = mask | lent; f; f &= f - 1) {
        int c = __builtin_ctz(f);
        if (ev[c] || (mask & e->twice) >> c & 1)
            todo |= 1u << rank_[c];
    }
    int tried = 0;
    double lm_in = 0;       /* log P(run), once a reading needs it */
    int have_in = 0;
    /* first the codec under which the most sequences survive, of those
     * the one that has the most of the run's characters, of those the
     * cheapest (a long run of kana through ISO-8859-4 survives best
     * there, but windows-1252, ISO-8859-1 and ISO-8859-15, cheaper, read
     * most of it too; through ISO-8859-15, windows-1252 and ISO-8859-1
     * read as many sequences but lack its Œ and Š), then the others,
     * cheapest first */
    int best_c = -1;
    for (uint32_t f = best_good ? todo : 0; f; f &= f - 1) {
        int c = order[__builtin_ctz(f)];
        if (ev[c] == 2 && good[c] == best_good && (best_c < 0 || foreign[c] < foreign[best_c]))
            best_c = c;
    }
    int yielded = 0;        /* codecs that gave a reading */
    int unknown = -1;       /* run_word_unknown(), once asked */
    int max_yield = MAX_LOSSY_CODECS;
    for (int first = best_c >= 0;
         (first || todo) && yielded < max_yield && tried < MAX_LOSSY_TRIES;) {
        int c;
        if (first) {
            c = best_c;
            first = 0;
            todo &= ~(1u << rank_[c]);
        } else {
            /* the one that has the most of the run's characters, of
             * those the cheapest: a reading that passes characters
             * through is a worse one (Arabic through ISO-8859-15 keeps
             * "š" in ISO-8859-1, whose reading is cheaper, and
             * windows-1252 and -1254 read it alike).  Not under an
             * outer layer: what a Cyrillic codec encodes there is the
             * outer repair's Cyrillic, no evidence of a codec */
            /* (the codecs a convincing repair nearby of text garbled
             * twice lends come first: the cheaper ones may all give a
             * reading, worse, before them) */
            uint32_t pick = todo;
            if (e->line.twice && outer < 0) {
                uint32_t lt = 0, own = 0;
                for (uint32_t f = todo; f; f &= f - 1) {
                    if (e->line.twice >> order[__builtin_ctz(f)] & 1)
                        lt |= f & -f;
                    if (e->line.twice_own >> order[__builtin_ctz(f)] & 1)
                        own |= f & -f;
                }
                pick = own ? own : lt ? lt : todo;
            }
            /* (under an outer layer lent by a convincing repair nearby of
             * text garbled twice through that codec, the inner layer was
             * most likely the same codec: "\u00E2" that "\u0102\u02D8"
             * is under ISO-8859-2 is "\u2019" under ISO-8859-2 again,
             * which comes after the cheaper codecs' tries) */
            if (outer >= 0 && (e->line.inner >> outer & 1) && (todo >> rank_[outer] & 1))
                pick = 1u << rank_[outer];
            c = order[__builtin_ctz(pick)];
            for (uint32_t f = pick & (pick - 1); f && foreign[c] && outer < 0; f &= f - 1)
                if (foreign[order[__builtin_ctz(f)]] < foreign[c])
                    c = order[__builtin_ctz(f)];
            todo &= ~(1u << rank_[c]);
        }
        /* past MAX_LOSSY_CODECS tries that gave nothing, only the codecs
         * under which as many sequences survive as under the best, and
         * those a convincing repair nearby of text garbled twice lends
         * (the one that reads the run twice is among them, not among the
         * cheapest: ISO-8859-15 makes "\u00C3\u00C5" of "ü") */
        if (tried >= MAX_LOSSY_CODECS && !(ev[c] == 2 && good[c] == best_good) &&
            !(e->line.twice >> c & 1))
            continue;
        int one_ok = ev[c] && !(ev[c] == 2 && good[c] * 10 < best_good * 9) &&
                     !(ev[c] == 1 && !e->weak_ok && !(lent >> c & 1));
        /* two lossy layers: on good evidence, and under every codec that
         * reads the run as garbled twice (could_be_mojibake) or as its
         * two-byte leads alone (ub_gate_leads2(), on weak evidence); all
         * of the run must be the outer codec's */
        int two = outer < 0 && e->ctx->max_layers >= 2 && !foreign[c] &&
                  ((ev[c] == 2 && one_ok) || (mask & e->twice) >> c & 1 ||
                   (one_ok && (ub_gate_leads2(t, n) >> c & 1)));
        if (!one_ok && !two)
            continue;

        /* (a codec tried for two layers alone counts where it gave a
         * reading: most codecs lent by a repair of text garbled twice
         * cannot have made the run's intermediate characters at all, and
         * say so before any search) */
        tried += one_ok;
        uint32_t ahead[2];
        size_t nahead = outer < 0 ? ahead_under(e, c, ahead) : 0;
        int gave = 0;
        /* one lossy layer; also two, the text garbled twice by a decoder
         * that drops what it cannot read */
        double one = -INFINITY;     /* how well one layer reads it */
        for (int twice = !one_ok; twice <= two; twice++) {
            /* weak evidence (a lead byte alone before a space, '?' or
             * other ASCII) supports one lost byte per character, at
             * WEAK_COST: the language model has to find the repair far
             * better than the run (two layers have evidence of their own) */
            int weak = ev[c] < 2 && !twice;
            ub_lossmodel loss = ub_default_loss;
            /* (two where convincing repairs nearby under the codec stand
             * for the evidence: a lone 'â ' is '—' with both of its C1
             * bytes stripped; or where the lexicon does, the lead in a
             * word it does not know: lone_unknown_run()) */
            const int alone = weak && !(e->line.weak >> c & 1);
            if (alone && unknown < 0)
                unknown = run_word_unknown(s, e->r, s->nch);
            const int lead3 = alone && unknown && (e2_codecs(t[0]) >> c & 1);
            if (alone && !lead3)
                loss.max_insert = 1;
            loss.inner_lent = (int)(e->line.twice >> c & 1);
            if (!twice && !two && outer < 0 && ub_reverse_lossy_as_is(s->beam, t, n, c, &loss)) {
                /* The one reading is the span as it is, each character
                 * kept (a space read as a space): what the tests below
                 * and keep_lossy() make of it, without the search.  It
                 * passes them where no more than half of it is kept, and
                 * is then no repair (nothing found, no candidate), but a
                 * codec that gave a reading. */
                size_t kept = 0;
                for (size_t i = 0; i < n; i++)
                    kept += t[i] >= 0x80;
                if (kept && 2 * kept <= n)
                    count_yield(&gave, &yielded, &max_yield, t, n);
                continue;
            }
            ub_lossy_result res;
            /* fills in the alphabets of the line's languages -- unless
             * its letters under c are another layer's (an outer one, or
             * text garbled twice, read once: Ã, Ð, Ñ say nothing) */
            s->alpha_codec = c;
            if (twice || outer == c)
                /* (text garbled twice through c: the segment read back
                 * through both layers names the language; under another
                 * outer codec, whose readings of a run may be the same
                 * text, the searches share what they found) */
                ub_beam_use_alphabet(s->beam, search_alphabet2, s, 1);
            else
                ub_beam_use_alphabet(s->beam, outer < 0 && !(e->twice >> c & 1) ? search_alphabet
                                                                                : NULL, s, 0);
            if (twice ? ub_reverse_lossy2(s->beam, t, n, c, c, &loss, e->ctx->lm, e->l2, e->l1,
                                          right, nright, &res, &e->ctx->steps)
                      : ub_reverse_lossy(s->beam, t, n, c, &loss, e->ctx->lm, e->l2, e->l1,
                                         right, nright, nahead ? ahead : NULL, nahead, &res,
                                         &e->ctx->steps))
                continue;
            tried += twice && !one_ok;
            /* two layers must read better than one (which, lossless,
             * removes what the run's C1 controls cost as well) */
            double raw = res.lm - res.cost;
            if (!twice)
                one = raw;
            else if (!(e->line.twice >> c & 1) && raw - ub_det_codec_prior(c) - LAYER_COST <= one)
                continue;
            /* lossless after all: search_utf8 saw it -- unless the span
             * takes runs after this one, which a reading that keeps some
             * characters must then beat (windows-1254 keeps the "\u017D"
             * of Greek mojibake through windows-1252, which reads it) */
            if (!twice && !res.ops_used && !res.nkeep && !res.nlegacy &&
                (outer >= 0 || n <= e->n + e->lead))
                continue;
            int ascii_only = 1, bad = 0;
            for (size_t i = 0; i < res.nchars; i++) {
                ascii_only &= res.chars[i].cp < 0x80;
                bad |= !res.chars[i].keep && ub_det_bad_output(res.chars[i].cp);
            }
            if (bad || ascii_only || res.nkeep == res.nchars)
                continue;
            /* what passed through or had to be guessed must not be the bulk of
             * it: a run that damaged is hopeless, not repairable -- unless
             * the evidence is strong (or two layers read it) and what the
             * model wrote reads as text (Chinese through ISO-8859-1, its C1
             * bytes stripped, loses a byte in three characters of four).
             * Where more than
             * a few characters were guessed the repair must read as text
             * in any case: text garbled three times and lower-cased
             * ("ã†â€™ãƒâ€ ") reads as nothing whatever is filled in. */
            size_t kept = 0, guessed = 0;
            for (size_t i = 0; i < res.nchars; i++) {
                kept += res.chars[i].keep == 1;
                guessed += res.chars[i].gap;
            }
            if (kept * 2 > res.nchars)
                continue;
            /* (under a codec that read the run twice, one layer undone
             * leaves the inner mojibake, which is decided again) */
            int text = res.lm >= GUESSED_LOGP * (double)res.nchars || (e->twice >> c & 1);
            if (guessed > 4 && !text)
                continue;
            if (kept + guessed > 4 && (kept + guessed) * 2 > res.nchars &&
                ((ev[c] < 2 && !twice) || !text))
                continue;
            int lost = mostly_lost(res.chars, res.nchars);
            if (lost == 2 || (lost == 1 && !text))
                continue;
            ub_hyp h = { .kind = UB_HYP_UTF8, .nlayers = 1, .codec = { (int8_t)c },
                         .ops_used = res.ops_used, .nkeep = res.nkeep, .nlegacy = res.nlegacy };
            /* the prior counts once per line (keep_lossy), the losses
             * and the weak evidence per run */
            double prior = ub_det_codec_prior(c) + LOSSY_COST;
            if (twice) {
                prior += ub_det_codec_prior(c) + LAYER_COST;
                h.nlayers = 2;
                h.codec[1] = (int8_t)c;
                h.outer_drop = (uint8_t)res.outer_drop;
            }
            if (outer >= 0) {
                h.nlayers = 2;
                h.codec[0] = (int8_t)outer;
                h.codec[1] = (int8_t)c;
                prior += ub_det_codec_prior(outer) + LAYER_COST;
            }
            double cost = prior + res.cost + (weak && !e->line.weak ? WEAK_COST : 0);
            if (alone && unknown && known_repair(s, e->r, &res))
                cost -= LEX_WORD_BONUS;
            if (!have_in) {
                lm_in = lm_span_floor(e->ctx->lm, e->l2, e->l1, orig, norig, right, nright,
                                      IN_FLOOR);
                have_in = 1;
            }
            double score = res.lm - lm_in - cost - e->margin;
            size_t before = s->ncands;
            /* (a reading the run is better left without does not end the
             * search: the codec that read it twice may come later) */
            if (score > 0)
                count_yield(&gave, &yielded, &max_yield, t, n);
            if (keep_lossy(e, &h, res.chars, res.nchars, NULL, 0, score, prior, norig, &res) < 0)
                return -1;
            if (s->ncands > before && h.nlayers == 1 && !res.nlegacy &&
                alias_lossy(e, (uint32_t)before, c) < 0)
                return -1;
        }
    }
    return 0;
}

/*
 * Read the bytes tmp[*done..nb) as UTF-8 into out (at *o), as far as they
 * go.  A sequence cut short by a byte that cannot continue it, or a
 * continuation byte with no lead, is a break: bytes a decoder dropped
 * (iconv -c) leave exactly these.  Each break is skipped and counted; an
 * incomplete sequence at the end waits for more bytes.  Returns the breaks.
 */
static unsigned utf8_breaks(const uint8_t *tmp, size_t nb, size_t *done, uint32_t *out, size_t *o,
                            size_t *good)
{
    unsigned breaks = 0;
    while (*done < nb) {
        uint32_t cp;
        int l = ub_utf8_decode(tmp + *done, nb - *done, &cp);
        if (l) {
            out[(*o)++] = cp;
            *done += (size_t)l;
            *good += l > 1;
            continue;
        }
        size_t at = *done, need = (size_t)ub_utf8_seqlen(tmp[at]), k = 1;
        while (at + k < nb && k < 4 && ub_utf8_is_cont(tmp[at + k]) &&
               (k > 1 || !need || ub_utf8_second_ok(tmp[at], tmp[at + 1])))
            k++;
        if (need && at + k == nb && k < need)
            break;              /* incomplete: more bytes may come */
        breaks++;
        *done = at + k;
    }
    return breaks;
}

/*
 * Does run r hold a U+FFFD (or is it C1 controls or private-use characters
 * after a '?')?  A multibyte decoder writes one for a character of another
 * script whose bytes it could not decode ("P\uFFFDibl\u7A69" for
 * "P\u0159ibl\u00ED" read as Big5; EUC-JP passes C1 bytes through, and a
 * Windows decoder wrote "d?\u0099acceptation" for "d\u2019acceptation"),
 * and the gate, finding nothing CJK (or CJK that reads well enough),
 * passes it: only convincing multibyte repairs nearby say it is worth the
 * multibyte lossy search, under their codecs.
 */
static int marker_run(const ub_detect_scratch *s, const struct run *r)
{
    const uint32_t *t = s->cp + r->c0;
    size_t n = r->c1 - r->c0;
    int qmark = r->c0 > 0 && s->cp[r->c0 - 1] == '?', only = 1;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == 0xFFFD)
            return 1;
        only &= t[i] - 0x80u < 0x20u || t[i] - 0xE000u <= 0xF8FFu - 0xE000u;
    }
    return qmark && only;
}

/*
 * UTF-8 read as a multibyte codec: encode back with it, decode as UTF-8.
 * Where that works but for breaks (utf8_breaks), no more of them than whole
 * sequences, the decoder dropped bytes: the codec goes into e->drop for
 * search_mbcs_lossy().
 */
static int search_mbcs(struct eval *e)
{
    unbake_ctx *ctx = e->ctx;
    ub_detect_scratch *s = e->s;
    if (!ctx->mbcs && !(ctx->mbcs = ub_mbcs_cache_new()))
        return -1;
    if (ub_reserve((void **)&s->tmp, &s->tmpcap, 4 * e->n + 4, 1) ||
        ub_u32vec_reserve(&s->lvl[0], 4 * e->n + 4))
        return -1;
    for (int id = 0; id < ub_mbcs_count(); id++) {
        /* incremental: most clean text fails within a few characters,
         * its breaks more than two ahead of its whole sequences (bytes
         * dropped by Big5 or EUC-KR, whose trails exclude most
         * continuation bytes, leave about one break per whole sequence) */
        size_t nb = 0, o = 0, done = 0, good = 0;
        unsigned breaks = 0;
        int ok = 1;
        for (size_t i = 0; i < e->n && ok; i++) {
            uint8_t b[4];
            int len = e->in[i] < 0x80 ? (b[0] = (uint8_t)e->in[i], 1)
                                      : ub_mbcs_encode_cp(id, e->in[i], b);
            if (len < 0) {
                ok = 0;
                break;
            }
            memcpy(s->tmp + nb, b, (size_t)len);
            nb += (size_t)len;
            breaks += utf8_breaks(s->tmp, nb, &done, s->lvl[0].v, &o, &good);
            ok = good + 2 >= (size_t)breaks;
        }
        ctx->steps += e->n;
        /* a sequence cut short at the end, before ASCII text: all a short
         * run may show of a dropped byte ("鈥 " for "— ") */
        if (ok && !breaks && done != nb && good < 2)
            e->drop_weak |= 1u << id;
        breaks += done != nb;
        if (!ok || good < (size_t)breaks)
            continue;
        if (breaks) {
            if (good >= 2)
                e->drop |= 1u << id;
            continue;
        }
        ub_hyp h = { .kind = UB_HYP_MBCS, .nlayers = 1, .codec = { (int8_t)(UB_NCODECS + id) } };
        if (offer(e, &h, s->lvl[0].v, o, ub_mbcs_prior(id) / 10.0) < 0)
            return -1;
    }
    return 0;
}

/* The '?' right before run r of s, at most max of them, that no repair
 * before it takes: a decoder may have written them for the first bytes of
 * the run's first character. */
static size_t qmarks_before(const ub_detect_scratch *s, const struct run *r, size_t max)
{
    size_t k = (size_t)(r - s->runs), floor = 0, lead = 0;
    if (k > 0)
        floor = s->runs[k - 1].tent ? s->runs[k - 1].cend : s->runs[k - 1].c1;
    while (lead < max && r->c0 > floor + lead && s->cp[r->c0 - lead - 1] == '?')
        lead++;
    return lead;
}

/* e's left context, kept across a search that takes the '?' before the
 * run (lead_begin(), lead_end()). */
struct eval_ctx {
    uint32_t l2, l1;
};

/* Searches from here on take the lead '?' before e's run (qmarks_before()):
 * the context is what comes before them.  Returns the context to restore. */
static struct eval_ctx lead_begin(struct eval *e, size_t lead)
{
    const ub_detect_scratch *s = e->s;
    struct eval_ctx was = { e->l2, e->l1 };
    size_t c = e->r->c0 - lead;
    e->l1 = lead == 1 ? was.l2 : c >= 1 && s->cp[c - 1] != INVALID_CP ? s->cp[c - 1] : UB_LM_BOS;
    e->l2 = c >= 2 && s->cp[c - 2] != INVALID_CP ? s->cp[c - 2] : UB_LM_BOS;
    e->lead = lead;
    return was;
}

static void lead_end(struct eval *e, struct eval_ctx was)
{
    e->lead = 0;
    e->l2 = was.l2;
    e->l1 = was.l1;
}

/*
 * UTF-8 read as a multibyte codec by a decoder that replaced or dropped
 * what it could not decode (mbcs_lossy.h): for a CJK-looking run that
 * holds a marker (U+FFFD, '?', U+30FB), try every codec that can produce
 * all its other characters; without one, only the dropped reading of the
 * codecs in e->drop.  t[0..n) is the run with its trailing joiner.
 */
static int mbcs_lossy_span(struct eval *e, const uint32_t *t, size_t n, const uint32_t *right,
                           size_t nright, unsigned *kept)
{
    unbake_ctx *ctx = e->ctx;
    size_t markers = 0, known = 0;
    for (size_t i = 0; i < n; i++) {
        int m = t[i] == 0xFFFD || t[i] == '?' || t[i] == 0x30FB;
        markers += (size_t)m;
        known += m ? 0 : t[i] < 0x80 ? 1 : 2;
    }
    /* every marker stands for at least one lost byte (Python's U+FFFD for
     * one, ICU's for a sequence, Windows' '?' for two), and what had to be
     * guessed must not be the bulk of it (below): a run that lost more
     * bytes than the rest of it holds (most of its characters are two
     * bytes) is not worth the search, which is dear per marker */
    if ((!markers && !e->drop && !(e->drop_weak & e->line.mbcs)) || n > UB_MBCS_LOSSY_MAXRUN ||
        (markers > 4 && markers > known))
        return 0;
    if (!ctx->mbcs_lossy && !(ctx->mbcs_lossy = ub_mbcs_lossy_scratch_new()))
        return -1;
    double lm_in = 0;
    int scored = 0;
    for (int id = 0; id < ub_mbcs_count(); id++) {
        /* without a marker only the dropped reading, where search_mbcs()
         * found the breaks it leaves */
        unsigned convs = e->r->qmarks ? 1u << UB_MBCS_CONV_WIN
                         : markers    ? UB_MBCS_CONV_ALL
                                      : 1u << UB_MBCS_CONV_DROP;
        unsigned dmask = e->drop | (e->drop_weak & e->line.mbcs);
        if ((!markers && !(dmask >> id & 1)) || *kept >> id & 1 ||
            (e->mbcs_only && !(e->mbcs_only >> id & 1)))
            continue;
        int ok = 1;
        for (size_t i = 0; i < n && ok; i++)
            ok = t[i] < 0x80 || t[i] == 0xFFFD || t[i] == 0x30FB || ub_mbcs_may_produce(id, t[i]);
        if (!ok)
            continue;
        if (ctx->steps >= e->s->mbcs_budget)
            break;      /* the segment's share of this search is spent */
        ub_mbcs_lossy_result res;
        ub_mbcs_lossy_use_alphabet(ctx->mbcs_lossy, mbcs_alphabet(e->s, id));
        ub_mbcs_lossy_set_step_limit(ctx->mbcs_lossy, e->s->mbcs_budget);
        int rc = ub_mbcs_reverse_lossy(ctx->mbcs_lossy, ctx->mbcs, id, convs, t, n,
                                       ctx->lm, e->l2, e->l1, right, nright, &res, &ctx->steps);
        ub_mbcs_lossy_set_step_limit(ctx->mbcs_lossy, 0);
        ub_mbcs_lossy_use_alphabet(ctx->mbcs_lossy, NULL);
        if (rc == -2)
            return -1;
        if (rc < 0 || !res.nlost)
            continue;
        /* what had to be guessed must not be the bulk of it, unless what
         * the model wrote reads as text (mean log P at least GUESSED_LOGP,
         * as for the single-byte search; Korean read as EUC-KR loses most
         * of its bytes, and the score still weighs it against the run):
         * counted in bytes, since a decoder that loses one byte of most
         * characters (Python's U+FFFD per byte, Korean under EUC-KR)
         * leaves the rest of each to say which it was; Windows' '?'
         * stands for a lead and the byte it took along */
        size_t guessed = 0, bytes = 0;
        for (size_t i = 0; i < res.nchars; i++) {
            int len = (int)char_bytes(res.chars[i].cp);
            bytes += (size_t)len;
            for (int b = 0; b < len; b++)
                guessed += res.chars[i].ops[b] != UB_OP_NONE;
        }
        if (res.conv == UB_MBCS_CONV_WIN)
            guessed = (guessed + 1) / 2;
        if (guessed > 4 && guessed * 2 > bytes && res.lm < GUESSED_LOGP * (double)res.nchars)
            continue;
        if (!scored++)
            lm_in = lm_span_floor(ctx->lm, e->l2, e->l1, t, n, right, nright, IN_FLOOR);
        ub_hyp h = { .kind = UB_HYP_MBCS, .nlayers = 1,
                     .codec = { (int8_t)(UB_NCODECS + id) }, .conv = (uint8_t)res.conv };
        for (size_t i = 0; i < res.nchars; i++)
            for (int b = 0; b < 4; b++)
                h.ops_used |= res.chars[i].ops[b] ? 1u << res.chars[i].ops[b] : 0;
        h.ops_used |= h.ops_used ? 0 : 1u << UB_OP_FFFD;
        double prior = ub_mbcs_prior(id) / 10.0 + LOSSY_COST;
        double score = res.lm - lm_in - prior - res.cost - e->margin;
        if (keep_lossy(e, &h, res.chars, res.nchars, res.gaps, res.ngaps, score, prior, n,
                       NULL) < 0)
            return -1;
        *kept |= 1u << id;
    }
    return 0;
}

/* The span t[0..n) (the run, the joiner and the runs joined after it)
 * first; where it has no dropped reading under a codec (the runs joined
 * after it may be clean, or of another kind), the run alone, when it holds
 * no marker (with one, the joined span is what its conventions need). */
static int search_mbcs_lossy(struct eval *e, const uint32_t *t, size_t n, const uint32_t *right,
                             size_t nright)
{
    unsigned kept = 0;
    /* A decoder that writes '?' for what it cannot decode may have
     * written it for the first bytes of the run's first character: the
     * '?' before the run (one per byte pair, at most three, none a
     * repair before it takes) are tried with it first. */
    size_t lead = qmarks_before(e->s, e->r, 3);
    if (lead) {
        struct eval_ctx was = lead_begin(e, lead);
        int rc = mbcs_lossy_span(e, t - lead, n + lead, right, nright, &kept);
        lead_end(e, was);
        if (rc < 0)
            return -1;
    }
    if (mbcs_lossy_span(e, t, n, right, nright, &kept) < 0)
        return -1;
    int markers = 0;
    for (size_t i = 0; i < e->n; i++)
        markers |= e->in[i] == 0xFFFD || e->in[i] == '?' || e->in[i] == 0x30FB;
    if (n > e->n && !markers && mbcs_lossy_span(e, e->in, e->n, e->right, e->nright, &kept) < 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ segment */

/* ub_ascii_prefix(p, n) for the ASCII between two runs, mostly a space or
 * a few characters: a word at a time before the vector scan. */
static inline size_t ascii_gap(const uint8_t *p, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w &= 0x8080808080808080ull;
        return w ? (size_t)__builtin_ctzll(w) >> 3 : 8 + ub_ascii_prefix(p + 8, n - 8);
    }
#endif
    return ub_ascii_prefix(p, n);
}

/* ASCII p[0..n) as characters into out[0..n). */
static inline void widen_ascii(const uint8_t *p, size_t n, uint32_t *out)
{
    size_t i = 0;
#if defined(__SSE2__)
    /* (sixteen bytes widened to characters at a time) */
    for (const __m128i z = _mm_setzero_si128(); n - i >= 16; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i lo = _mm_unpacklo_epi8(x, z), hi = _mm_unpackhi_epi8(x, z);
        __m128i *o = (__m128i *)(void *)(out + i);
        _mm_storeu_si128(o, _mm_unpacklo_epi16(lo, z));
        _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(lo, z));
        _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(hi, z));
        _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(hi, z));
    }
#endif
    for (; i < n; i++)
        out[i] = p[i];
}

/* A new run at the end of s->runs, all zero; NULL when out of memory. */
static inline struct run *add_run(ub_detect_scratch *s)
{
    if (ub_reserve((void **)&s->runs, &s->rcap, s->nruns + 1, sizeof *s->runs))
        return NULL;
    struct run *r = &s->runs[s->nruns++];
    memset(r, 0, sizeof *r);
    return r;
}

/*
 * Run ri holds bytes that are not UTF-8; if they are only a sequence cut
 * short at either end of the run (at its end a lead and fewer continuation
 * bytes than it announces; at its start up to three continuation bytes:
 * text cut off by a truncated file, a split one or a broken line) around
 * valid UTF-8, the run is split there: the text between is a run like any
 * other, decided as such (the mojibake in it repaired), and each cut
 * sequence a run of legacy bytes.  ub_det_legacy_line() still weighs a
 * legacy reading of them all at once.  -1 when out of memory.
 */
static int split_cut_sequences(ub_detect_scratch *s, const uint8_t *p, size_t ri)
{
    struct run r = s->runs[ri];
    const uint32_t *cp = s->cp;
    size_t h = r.b0, t = r.b1, nc = 0;
    while (h < r.b1 && h - r.b0 < 3 && ub_utf8_is_cont(p[h]))
        h++;
    while (t > h && nc < 3 && ub_utf8_is_cont(p[t - 1])) {
        t--;
        nc++;
    }
    if (t > h && ub_utf8_seqlen(p[t - 1]) > (int)nc + 1 &&
        (!nc || ub_utf8_second_ok(p[t - 1], p[t])))
        t--;                    /* a lead cut short */
    else
        t = r.b1;
    if (h == r.b0 && t == r.b1)
        return 0;
    /* the bytes cut off are one character each; the text between is valid */
    size_t ch = r.c0 + (h - r.b0), ct = r.c1 - (r.b1 - t);
    if (ct <= ch)
        return 0;
    for (size_t k = r.c0; k < r.c1; k++)
        if ((cp[k] == INVALID_CP) != (k < ch || k >= ct))
            return 0;
    size_t extra = (h > r.b0) + (t < r.b1);
    for (size_t x = 0; x < extra; x++)
        if (!add_run(s))
            return -1;
    struct run *o = &s->runs[ri];
    if (h > r.b0) {
        *o++ = (struct run){ .c0 = r.c0, .b0 = r.b0, .c1 = (uint32_t)ch, .b1 = (uint32_t)h,
                             .bytes = 1 };
    }
    *o++ = (struct run){ .c0 = (uint32_t)ch, .b0 = (uint32_t)h, .c1 = (uint32_t)ct,
                         .b1 = (uint32_t)t };
    if (t < r.b1) {
        *o = (struct run){ .c0 = (uint32_t)ct, .b0 = (uint32_t)t, .c1 = r.c1, .b1 = r.b1,
                           .bytes = 1 };
    }
    return 0;
}

/* Decode seg p[0..n) into s->cp and find its runs: the maximal spans of
 * characters that are not ASCII (run_spans() then says how far each may
 * reach), and the '?' of a word (after an ASCII letter, before one or a
 * space; after a space, before a letter; up to QMARK_MAX in a row), where a
 * Windows decoder may have written one for a character of another script
 * it could not decode: they are searched only where convincing multibyte
 * repairs nearby say so (evaluate_run), and the model weighs them against
 * a question mark.
 * Bytes that are not UTF-8 become INVALID_CP, one each. */
static int decode_segment(ub_detect_scratch *s, const uint8_t *p, size_t n, size_t *nch)
{
    if (ub_reserve((void **)&s->cp, &s->ccap, n + 1, sizeof *s->cp))
        return -1;
    uint32_t *cp = s->cp;
    s->nruns = 0;
    s->free0 = s->free1 = 0;
    s->long_used = 0;
    size_t k = 0;
    /* (the next '?', looked for again only once passed: most segments
     * have none) */
    const uint8_t *q = memchr(p, '?', n);
    size_t nextq = q ? (size_t)(q - p) : n;
    for (size_t i = 0; i < n; ) {
        if (p[i] < 0x80) {
            /* ASCII: a stretch at a time */
            size_t end = i + ascii_gap(p + i, n - i);
            if (nextq >= end) {
                widen_ascii(p + i, end - i, cp + k);
                k += end - i;
                i = end;
                continue;
            }
            /* (the '?' of a word, a run of their own) */
            size_t at = nextq, j = at;
            widen_ascii(p + i, at - i, cp + k);
            k += at - i;
            i = at;
            while (j < end && p[j] == '?' && j - at < QMARK_MAX)
                j++;
            if (at > 0 && j < end &&
                ((ascii_letter(p[at - 1]) && (ascii_letter(p[j]) || p[j] == ' ')) ||
                 (p[at - 1] == ' ' && ascii_letter(p[j])))) {
                struct run *r = add_run(s);
                if (!r)
                    return -1;
                r->c0 = (uint32_t)k;
                r->b0 = (uint32_t)at;
                r->c1 = (uint32_t)(k + (j - at));
                r->b1 = (uint32_t)j;
                r->qmarks = 1;
            }
            for (; i < j; i++)
                cp[k++] = p[i];
            q = j < n ? memchr(p + j, '?', n - j) : NULL;
            nextq = q ? (size_t)(q - p) : n;
            continue;
        }
        struct run *r = add_run(s);
        if (!r)
            return -1;
        r->c0 = (uint32_t)k;
        r->b0 = (uint32_t)i;
        do {
            uint32_t c;
            /* two two-byte characters at once, as line_is_clean() */
            uint32_t ca, cb;
            if (n - i >= 4 && ub_utf8_two2(p + i, &ca, &cb) && ca >= 0x80 && cb >= 0x80) {
                /* (not C0, C1) */
                cp[k] = ca;
                cp[k + 1] = cb;
                k += 2;
                i += 4;
                continue;
            }
            int len = ub_utf8_decode_fast(p + i, n - i, &c);
            if (!len) {
                c = INVALID_CP;
                len = 1;
                r->bytes = 1;
            }
            cp[k++] = c;
            i += (size_t)len;
        } while (i < n && p[i] >= 0x80);
        r->c1 = (uint32_t)k;
        r->b1 = (uint32_t)i;
        if (r->bytes && split_cut_sequences(s, p, s->nruns - 1))
            return -1;
    }
    *nch = k;
    return 0;
}

static int is_joiner(uint32_t c)
{
    return c == ' ' || c == '?';
}

/* The joiner at cp[i]: a space, or up to three '?' (one per continuation
 * byte a sequence can lose); 0 if none. */
static inline size_t joiner_len(const uint32_t *cp, size_t i, size_t nch)
{
    if (i >= nch || !is_joiner(cp[i]))
        return 0;
    size_t k = 1;
    while (cp[i] == '?' && k < 3 && i + k < nch && cp[i + k] == '?')
        k++;
    return k;
}

/* The span a lossy repair of each run may take (c1t): across single
 * spaces or '?' into the following runs (NBSP turned into a space,
 * substituted bytes), whole runs only, at most MAX_JOIN characters past
 * the run's end, and one trailing space or '?'; it ends before the first
 * character that is not UTF-8.  The last run joined only moves forward with
 * the first (a chain from run i holds from run i + 1, and the bound
 * loosens), so this is linear. */
#define MAX_BACKOFF 4       /* runs a span gives back to end between characters */

/* Is c, under most codecs that have it, a UTF-8 continuation byte?  (§
 * is one but under ibm850) */
static int mid_char(uint32_t c)
{
    if (c < 0x80)
        return 0;
    const ub_codec_row *row = ub_codec_row_at(c);
    return row && 2 * __builtin_popcount(row->cont) > __builtin_popcount(row->mask);
}

static void run_spans(ub_detect_scratch *s, size_t nch)
{
    ub_codec_rmap_ensure();
    size_t last = 0, nb = 0;    /* nb: the first run holding bytes after i */
    for (size_t i = 0; i < s->nruns; i++) {
        struct run *r = &s->runs[i];
        if (last < i)
            last = i;
        while (last + 1 < s->nruns && s->runs[last + 1].c0 - s->runs[last].c1 <= 3 &&
               s->runs[last + 1].c1 - r->c1 <= MAX_JOIN &&
               s->runs[last + 1].c0 == s->runs[last].c1 + joiner_len(s->cp, s->runs[last].c1, nch))
            last++;
        /* a span cut short by the bound ends, if it can, where the next
         * run starts a character: a run that starts with what every codec
         * makes a continuation byte holds the rest of a sequence whose
         * first bytes the span would take without it */
        size_t end = last;
        if (last > i && last + 1 < s->nruns &&
            s->runs[last + 1].c0 == s->runs[last].c1 + joiner_len(s->cp, s->runs[last].c1, nch) &&
            s->runs[last + 1].c1 - r->c1 > MAX_JOIN) {
            for (size_t b = 0; b < MAX_BACKOFF && end > i && mid_char(s->cp[s->runs[end + 1].c0]); b++)
                end--;
            if (mid_char(s->cp[s->runs[end + 1].c0]))
                end = last;     /* no better place nearby */
        }
        size_t x = s->runs[end].c1;
        r->c1t = x < nch && is_joiner(s->cp[x]) ? x + joiner_len(s->cp, x, nch) : x;
        if (r->bytes) {
            r->c1t = r->c1;
            continue;
        }
        if (nb <= i)
            for (nb = i + 1; nb < s->nruns && !s->runs[nb].bytes; nb++)
                ;
        if (nb <= last)
            for (size_t k = s->runs[nb].c0; k < r->c1t; k++)
                if (s->cp[k] == INVALID_CP) {
                    r->c1t = k;
                    break;
                }
    }
}


/*
 * The end of the span the lossy search of run k takes: c1t, or further
 * where the run after it, too long to join, starts inside the sequence
 * the span ends with (text without spaces, with an NBSP turned into a
 * space): taken whole, with the runs after it that do the same, up to
 * LONG_JOIN characters past the run's end, or that sequence would be cut
 * short.  The characters so taken past c1t count against LONG_BUDGET per
 * character of the segment, so the work stays linear whatever the runs.
 * (Found here, for the runs searched, not in run_spans(): a test per run
 * cost 1.6% on clean multilingual text.)
 */
static size_t lossy_span_end(ub_detect_scratch *s, size_t k, size_t nch)
{
    struct run *r = &s->runs[k];
    size_t end = r->c1t, j = k + 1;
    if (!r->long_span && s->long_used > LONG_BUDGET * nch)
        return end;
    while (j < s->nruns && s->runs[j].c0 < end)
        j++;
    for (; j < s->nruns && s->runs[j].c0 == end && end > s->runs[j - 1].c1 &&
           !s->runs[j].bytes && s->runs[j].c1 - r->c1 <= LONG_JOIN && mid_char(s->cp[end]);
         j++) {
        size_t x = s->runs[j].c1;
        end = x + joiner_len(s->cp, x, nch);
    }
    if (!r->long_span && end > r->c1t) {
        r->long_span = 1;
        s->long_used += end - r->c1t;
    }
    return end;
}

/*
 * The end of the span a multibyte lossy repair of run k may take: c1t, or
 * further across any number of '?' (with one space at most between runs):
 * Windows writes one for every byte pair it cannot decode, and a character
 * whose bytes straddle pairs leaves several in a row.  Whole runs only, at
 * most MBCS_JOIN characters past the run's end (text without spaces joins
 * up by the sentence), none that holds bytes.
 */
static size_t mbcs_span_end(const ub_detect_scratch *s, size_t k, size_t nch)
{
    const struct run *r = &s->runs[k];
    size_t end = r->c1;
    for (size_t j = k + 1; j < s->nruns; j++) {
        const struct run *q = &s->runs[j];
        if (q->bytes || q->c1 - r->c1 > MBCS_JOIN)
            break;
        int spaces = 0, ok = 1;
        for (size_t i = end; i < q->c0 && ok; i++)
            ok = s->cp[i] == '?' || (s->cp[i] == ' ' && !spaces++);
        if (!ok)
            break;
        end = q->c1;
    }
    /* (and the '?' after the last run it takes, a character's worth or
     * two: they may be the rest of its last character) */
    for (size_t q = 0; end < nch && s->cp[end] == '?' && q < 6; q++)
        end++;
    return end > r->c1t ? end : r->c1t;
}

/*
 * The two characters after position from, where runs from index k on that
 * are tentatively repaired count with their repair.  (As they are, with
 * none repaired yet: a run's first evaluation, which sees no run after
 * it decided.)
 */
static size_t context_after(const ub_detect_scratch *s, size_t nch, size_t from, size_t k,
                            uint32_t out[2], int none_yet)
{
    size_t n = 0, j = from;
    if (none_yet) {
        while (n < 2 && j < nch && s->cp[j] != INVALID_CP)
            out[n++] = s->cp[j++];
        goto edge;
    }
    while (n < 2 && j < nch) {
        while (k < s->nruns && s->runs[k].c0 < j)
            k++;
        if (k < s->nruns && s->runs[k].c0 == j && s->runs[k].tent) {
            const struct run *r = &s->runs[k];
            for (size_t i = 0; i < r->nout && n < 2; i++)
                out[n++] = s->out.v[r->out0 + i];
            j = r->cend;
            k++;
            continue;
        }
        if (s->cp[j] == INVALID_CP)
            break;
        out[n++] = s->cp[j++];
    }
edge:
    /* (a repair decided again: its word goes on in the segment) */
    for (size_t i = 0; j == nch && n < 2 && i < s->n_wr; i++)
        out[n++] = s->edge_wr[i];
    return n;
}

/* Is the run's repair a lossless one of one layer that ends, before a
 * space, a '?' or the end of the segment, in a character that some codec
 * writes as a lead byte?  (Only then may an inner layer have lost the
 * bytes after it.) */
static int lone_lead_at_end(const ub_detect_scratch *s, const struct run *r, size_t nch)
{
    if (!r->nout || r->hyp.kind != UB_HYP_UTF8 || r->hyp.nlayers != 1 || r->cend != r->c1 ||
        (r->c1 < nch && !is_joiner(s->cp[r->c1])))
        return 0;
    const ub_codec_row *row = ub_codec_row_of(s->out.v[r->out0 + r->nout - 1]);
    return row && row->lead;
}

/*
 * Does the run's best repair so far undo one layer (of any codec: text
 * garbled twice through windows-1253 leaves "\u03B2\u20AC" of "\u201D",
 * its 0x9D dropped inside) and end, before a space the run may take, in a
 * character that reads badly there and that some codec writes as the lead
 * byte of a two-byte UTF-8 sequence?  Then the repair undid only the
 * outer layer of two, and an NBSP became that space under the inner one.
 * (Longer sequences would have lost more than the one byte a space stands
 * for.)
 * Likewise where it ends in a three-byte sequence cut short after its
 * first continuation ("ì´" for "이"): the inner layer dropped a byte.
 */
static int ends_in_lone_lead(const unbake_ctx *ctx, const ub_detect_scratch *s,
                             struct run *r, ub_codec_mask line_weak)
{
    if (!r->nout || r->cend != r->c1 || r->c1t <= r->c1 || s->cp[r->c1] != ' ' ||
        r->hyp.kind != UB_HYP_UTF8 || r->hyp.nlayers != 1)
        return 0;
    const uint32_t *o = s->out.v + r->out0;
    uint32_t x = o[r->nout - 1];
    const ub_codec_row *row = ub_codec_row_of(x);
    if (!row)
        return 0;
    if (!(row->lead & ~(row->lead3 | row->lead4))) {
        /* or a three-byte sequence with one continuation: the inner
         * decoder dropped one of its bytes ("ì´" for "이") */
        const ub_codec_row *pr = r->nout >= 2 ? ub_codec_row_of(o[r->nout - 2]) : NULL;
        if (!pr || !(pr->lead3 & row->cont))
            return 0;
    }
    uint32_t c1 = r->nout >= 2 ? o[r->nout - 2] : r->l1;
    uint32_t c2 = r->nout >= 3 ? o[r->nout - 3] : r->nout == 2 ? r->l1 : r->l2;
    double lp = ub_lm_logp(ctx->lm, c2, c1, x);
    if (lp <= (line_weak ? LINE_WEAK_LOGP : WEAK_LOGP))
        return 1;
    /* (the line's support only for a Latin-1 letter: the outer layer
     * read the inner mojibake as such) */
    r->weak_gated = lp <= LINE_WEAK_LOGP && x < 0x100 ? 2 : 0;
    return 0;
}

/* Is there a '?' or U+FFFD after the run, within its span [c1, c1t)?
 * Runs joined across spaces share most of their spans: what one search
 * found free of markers (s->free0..free1) is not looked at again. */
static int marker_after(ub_detect_scratch *s, const struct run *r)
{
    size_t j = r->c1;
    if (j >= s->free0 && j < s->free1)
        j = s->free1;
    while (j < r->c1t && s->cp[j] != '?' && s->cp[j] != 0xFFFD)
        j++;
    if (r->c1 >= s->free0 && r->c1 <= s->free1) {
        if (j > s->free1)
            s->free1 = j;
    } else {
        s->free0 = r->c1;
        s->free1 = j;
    }
    return j < r->c1t;
}

/* offers: OFFERS_LOG to log the lossless offers where a repair may follow
 * the run closely (the first evaluation), OFFERS_REPLAY to replay them (the
 * run's left context and line support as when they were logged), else 0. */
#define OFFERS_LOG 1
#define OFFERS_REPLAY 2

/* The lossless searches of a run past its gate (search_utf8, search_legacy,
 * search_mbcs), or their replay. */
static int lossless_search(struct eval *e, int cjk, int offers)
{
    unbake_ctx *ctx = e->ctx;
    ub_detect_scratch *s = e->s;
    if (offers == OFFERS_REPLAY) {
        e->lr = &s->lruns[e->r->logged - 1];
        e->replay = 1;
        int rc = replay_offers(e);
        e->replay = 0;
        e->lr = NULL;
        return rc;
    }
    uint64_t steps0 = ctx->steps;
    size_t k = (size_t)(e->r - s->runs);
    if (offers == OFFERS_LOG && k + 1 < s->nruns && s->runs[k + 1].c0 <= e->r->c1 + 2) {
        if (ub_reserve((void **)&s->lruns, &s->lruncap, s->nlruns + 1, sizeof *s->lruns))
            return -1;
        e->lr = &s->lruns[s->nlruns];
        e->lr->q0 = s->nlog;
        e->lr->marker = -1;
        e->logging = 1;
    }
    ub_hyp h = { .kind = UB_HYP_UTF8 };
    if (e->maybe && search_utf8(e, e->in, e->n, 0, &h, 0) < 0)
        return -1;
    /* C1 controls that the input stage itself produced (undefined bytes of
     * a legacy codec) are what that text holds, not a misreading */
    if (e->maybe && !(ctx->input && ub_input_transcoding(ctx->input)) && search_legacy(e) < 0)
        return -1;
    if (cjk && search_mbcs(e) < 0)
        return -1;
    if (e->logging) {
        e->lr->nq = s->nlog - e->lr->q0;
        e->lr->drop = e->drop;
        e->lr->drop_weak = e->drop_weak;
        e->lr->steps = ctx->steps - steps0;
        e->r->logged = (uint32_t)++s->nlruns;
        e->logging = 0;
    }
    e->lr = NULL;
    return 0;
}

/* The codecs under which run r cuts a two-byte sequence short
 * (ub_could_be_mojibake()'s *cutp); where it found none (a run with no
 * pair under those codecs is not counted), those under which a lead is
 * followed by another, each of the outer sequences cut short
 * ("\u00C3\u00C5" for "ü" garbled twice through ISO-8859-15, its C1
 * bytes dropped). */
static ub_codec_mask run_cut2(const ub_detect_scratch *s, const struct run *r)
{
    return r->cbm.cut2 ? r->cbm.cut2 : ub_cut_codecs(s->cp + r->c0, r->c1 - r->c0);
}

/* The codecs that lose continuation bytes under which run r ends in a
 * lead of two bytes before ASCII text or the end: text garbled twice
 * whose outer layer dropped the one continuation of the inner decoder's
 * character ("P\u00C3iblížení" for "Přiblížení" through ISO-8859-1 twice,
 * its C1 bytes stripped: "ř" is C5 99, "Å" without its 0x85) */
static ub_codec_mask run_lone2(const ub_detect_scratch *s, const struct run *r)
{
    uint32_t last = s->cp[r->c1 - 1];
    const ub_codec_row *row = last < 0x80 ? NULL : ub_codec_row_at(last);
    return row ? row->lead2 & ub_codec_cont_droppable() : 0;
}

static void ends_in_lone_punct(const unbake_ctx *ctx, const ub_detect_scratch *s,
                               struct run *r);

/*
 * Has the text so far shown itself to be clean UTF-8?  Its lines with
 * non-ASCII text were left as they were, all but a few: then a lead alone
 * that reads badly ("Ć" in an English line, "Ĺ" in a table of letters) is
 * a rare letter written right, and its weak evidence does not count
 * (weak evidence that repairs in the line lend still does); every repair
 * needs SEEN_MARGIN more (evaluate_run()).  Not within SEEN_CLEAN such
 * segments of a repair: mojibake is seldom alone, and a paragraph of it
 * after a long clean text has weak spots in its first lines too
 * ("l\u00E2interrupteur").  The counts change only after
 * a whole segment: the output is the same for any chunking.  (Not for a
 * repair refined: it is text of its own.  A mojibake file has its
 * repairs, or no clean lines with non-ASCII text at all.)
 */
static inline int the_text_is_clean(const unbake_ctx *ctx, const ub_detect_scratch *s)
{
    return s == ctx->det && ctx->seen_since >= SEEN_CLEAN &&
           (uint64_t)ctx->seen_fixed * SEEN_RATIO < ctx->seen_clean;
}

/* Counts a segment with non-ASCII text as left clean or repaired. */
static void seen_note(unbake_ctx *ctx, int fixed)
{
    if (fixed) {
        ctx->seen_fixed++;
        ctx->seen_since = 0;
    } else {
        ctx->seen_clean++;
        ctx->seen_since += ctx->seen_since < SEEN_HALVE;
    }
    if (ctx->seen_clean + ctx->seen_fixed >= SEEN_HALVE) {
        ctx->seen_clean /= 2;
        ctx->seen_fixed /= 2;
    }
}

/* The gate of run r in evaluate_run() (after l2 l1, with the line's
 * support): the codecs that may have made it, into *maybe, and whether
 * weak evidence counts, how it was gated, whether the multibyte codecs
 * should be tried.  -1 when out of memory. */
static inline int gate_run(unbake_ctx *ctx, ub_detect_scratch *s, struct run *r, size_t nch,
                           uint32_t l2, uint32_t l1, struct support line, ub_codec_mask *maybep,
                           int *weak_okp, int *weak_gatedp, int *cjkp)
{
    const uint32_t *in = s->cp + r->c0;
    size_t n = r->c1 - r->c0;
    int cjk = 0, weak_ok = 0, weak_gated = 0;
    ub_codec_mask maybe = 0;
    if (!r->shaped) {
        if (r->qmarks) {
            /* '?' inside a word (never shaped): Windows' default
             * character only, under the codecs of convincing multibyte
             * repairs nearby */
            cjk = line.mbcs != 0;
            goto gated;
        }
        size_t at;
        if (ub_reserve((void **)&s->cbytes, &s->cbcap, n + 1, sizeof *s->cbytes))
            return -1;
        r->cbm.maybe = ub_could_be_mojibake(in, n + (r->c1t > r->c1), s->cbytes, &r->cbm.weak,
                                            &at, &r->cbm.twice, &r->cbm.cut2);
        r->cbm.weak_at = (uint32_t)at;
        /* (a continuation alone before a letter: line_is_clean() gates
         * it alike) */
        if (n == 1 && !r->cbm.maybe && !r->cbm.twice)
            r->cbm.weak |= ub_gate_lone_cont(in[0], r->c0 ? s->cp[r->c0 - 1] : 0,
                                             r->c1 < nch ? s->cp[r->c1] : 0);
        r->shaped = 1;
    }
    maybe = ub_gate_finish(ctx->lm, s->lc, in, n, l2, l1, line.weak, r->cbm.maybe, r->cbm.weak,
                           r->cbm.weak_at, the_text_is_clean(ctx, s), &weak_ok, &weak_gated, &cjk);
    if (weak_gated == 1 && r->c1 + 1 < nch && s->cp[r->c1] == '?' && s->cp[r->c1 + 1] == '?' &&
        r->cbm.weak_at + 1 == n) {
        /* (a lone lead that reads well, but before a '?' for each of its
         * continuation bytes) */
        int more;
        size_t q = qmarks_at(s->cp + r->c1, nch - r->c1, &more);
        ub_codec_mask m = r->cbm.weak & qmarks_fill(in[n - 1], q, more);
        if (m) {
            maybe |= m;
            weak_ok = 1;
            weak_gated = 0;
        }
    }
    if (n <= 2 && !weak_ok) {
        /* (mojibake alone in a word the lexicon does not know) */
        ub_codec_mask m = lone_unknown_run(s, r, nch, weak_gated == 1 ? r->cbm.weak : 0) & ~maybe;
        if (m && ub_lm_logp_in(s->lc, ctx->lm, l2, l1, in[0]) <= lone_logp_bar(in[0], m)) {
            maybe |= m;
            weak_ok = 1;
            weak_gated = 3;
        }
    }
    r->weak_gated = (uint8_t)weak_gated;
    /* a run without CJK characters (C1 controls, U+FFFD, a codec's
     * Cyrillic letter or symbol) may be part of multibyte mojibake whose
     * characters around it a Windows decoder wrote as '?', or a word whose
     * every character lost a byte: the span a multibyte repair would take
     * says */
    if (!cjk && !r->bytes) {
        /* (ub_gate_cjk() of a span that begins with two characters it
         * does not skip, neither of them CJK, is 0: the span is needed
         * only for a run with fewer, and with one only where a '?'
         * follows it -- any other ASCII after the run is the second) */
        size_t i = 0, other = 0;
        while (i < n && other < 2 && !ub_gate_is_cjk(in[i]))
            other += !ub_gate_cjk_skips(in[i++]);
        if (i == n && (!other || (other == 1 && r->c1 < nch && s->cp[r->c1] == '?'))) {
            size_t end = mbcs_span_end(s, (size_t)(r - s->runs), nch);
            cjk = end > r->c1 && ub_gate_cjk(ctx->lm, in, end - r->c0, l2, l1);
        }
        /* (a U+FFFD alone: under the codecs of convincing multibyte
         * repairs nearby, marker_run()) */
        if (!cjk && line.mbcs && marker_run(s, r))
            cjk = 1;
    }
gated:
    *maybep = maybe;
    *weak_okp = weak_ok;
    *weak_gatedp = weak_gated;
    *cjkp = cjk;
    return 0;
}

/*
 * Does t[0..n) list TABLE_RUN code points or more in a row, each the one
 * before plus one?  A table of characters does ("\u0080\u0081\u0082..."
 * in a converter's source, the Latin-1 supplement after them); no text
 * does, and no mojibake of text: a decoder maps a character to two or
 * more, which alternate.
 */
static int char_table(const uint32_t *t, size_t n)
{
    size_t row = 1;
    for (size_t i = 1; i < n; i++) {
        row = t[i] == t[i - 1] + 1 ? row + 1 : 1;
        if (row >= TABLE_RUN)
            return 1;
    }
    return 0;
}

/*
 * Where a '?' right before the run stands for the lead byte of its first
 * character (a codec that lacks the lead wrote '?' for it: "daf?\u0135r"
 * for "daf\u00FCr" through ISO-8859-3, which has no 0xC3), the one-layer
 * lossy search of the span nt long with that '?' first; the repair then
 * takes it (decide() moves the run's start back, as for multibyte runs).
 * Only where the run's first character is a continuation byte under a
 * codec the gate found, and no repair before the run takes the '?'.
 */
static int qmark_lead_lossy(struct eval *e, size_t nt, const uint32_t *right, size_t nright)
{
    if (!qmarks_before(e->s, e->r, 1) || !(ub_gate_lone_cont(e->in[0], '?', 0) & e->maybe))
        return 0;
    struct eval_ctx was = lead_begin(e, 1);
    int rc = search_lossy(e, e->in - 1, nt + 1, right, nright, -1, e->in - 1, nt + 1);
    lead_end(e, was);
    return rc;
}

static int evaluate_run(unbake_ctx *ctx, ub_detect_scratch *s, struct run *r, size_t nch,
                        uint32_t l2, uint32_t l1, int offers, struct support line)
{
    if (offers == OFFERS_REPLAY && !r->logged)
        offers = 0;
    r->l2 = l2;
    r->l1 = l1;
    r->weak_gated = 0;
    r->mbcs_weak = 0;
    r->out0 = s->out.n;
    r->nout = 0;
    r->score = -INFINITY;
    r->k0 = s->ncands;
    r->nk = 0;
    r->lead = 0;

    /* the gate first: most runs end here */
    const uint32_t *in = s->cp + r->c0;
    size_t n = r->c1 - r->c0;
    int cjk, weak_ok, weak_gated = 0;
    ub_codec_mask maybe;
    if (offers == OFFERS_REPLAY) {
        /* (what it found the first time: the same run and context, no
         * support from the line either time) */
        const struct logged *lr = &s->lruns[r->logged - 1];
        maybe = lr->maybe;
        weak_ok = lr->weak_ok;
        weak_gated = lr->weak_gated;
        cjk = lr->cjk;
        r->weak_gated = (uint8_t)weak_gated;
    } else if (gate_run(ctx, s, r, nch, l2, l1, line, &maybe, &weak_ok, &weak_gated, &cjk)) {
        return -1;
    }
    ub_codec_mask line_cut = 0;
    if (line.weak) {
        line_cut = ub_cut_codecs(in, r->c1t - r->c0) & line.weak;
        maybe |= line_cut;
    }
    /* (text garbled twice goes to the lossy search alone; nearby, this
     * run's cut sequences may be more of it) */
    ub_codec_mask twice =
        r->cbm.twice | (line.twice ? (run_cut2(s, r) | run_lone2(s, r)) & line.twice : 0);
    if ((!maybe && !twice && !cjk) || (n >= TABLE_RUN && char_table(in, n))) {
        r->certain_clean = 1;
        return 0;
    }

    struct eval e = { 0 };
    e.ctx = ctx;
    e.lc = s->lc;
    e.s = s;
    e.r = r;
    e.line = line;
    e.in = in;
    e.n = n;
    e.l2 = l2;
    e.l1 = l1;
    size_t k = (size_t)(r - s->runs);
    uint32_t right[2];
    size_t nright = context_after(s, nch, r->c1, k + 1, right, offers == OFFERS_LOG);
    e.right = right;
    e.nright = nright;
    e.margin = MARGIN + ctx->bias / 10.0 + (the_text_is_clean(ctx, s) ? SEEN_MARGIN : 0);
    e.maybe = maybe;
    e.twice = twice;
    e.weak_ok = weak_ok;
    e.line_cut = line_cut;
    e.mbcs_only = line.mbcs && (r->qmarks || marker_run(s, r)) ? line.mbcs : 0;
    if ((maybe || cjk) && !r->qmarks && lossless_search(&e, cjk, offers) < 0)
        return -1;
    if (offers == OFFERS_LOG && r->logged) {
        struct logged *lr = &s->lruns[r->logged - 1];
        lr->maybe = maybe;
        lr->weak_ok = (uint8_t)weak_ok;
        lr->weak_gated = (uint8_t)weak_gated;
        lr->cjk = (uint8_t)cjk;
    }
    r->mbcs_weak = e.drop_weak & ~e.drop;
    /* (a repair of another kind, however good, does not make a
     * multibyte one needless: a C1 control read as windows-1252 is one,
     * amid multibyte mojibake that a Windows decoder wrote '?' into) */
    if (cjk && ctx->lossy != UNBAKE_LOSSY_KEEP &&
        (!r->nout || r->score < LOSSY_SKIP || r->hyp.kind != UB_HYP_MBCS)) {
        uint32_t rt[2];
        size_t end = mbcs_span_end(s, k, nch);
        size_t nrt = context_after(s, nch, end, k + 1, rt, offers == OFFERS_LOG);
        /* (text that ends is like a line that ends: the model then knows
         * what a lost last character ended with, a '.' a Windows decoder
         * took along or none) */
        if (!nrt && end == nch)
            rt[nrt++] = '\n';
        /* (a U+FFFD after it is more of the mojibake, not yet repaired:
         * what it stands for is unknown, and the model would price the
         * marker itself, worse for a repair than for the text as it is) */
        if (nrt == 2 && rt[1] == 0xFFFD)
            nrt = 1;
        if (search_mbcs_lossy(&e, e.in, end - r->c0, rt, nrt) < 0)
            return -1;
    }
    /* markers of lost bytes after the run leave room for a lossy repair
     * even after a good lossless one, and so does a lead byte left alone
     * before a space (an NBSP that became a space, under the layer that
     * the lossless repair undid); a legacy reading, however good, is no
     * UTF-8 repair that would make one needless */
    int lossy_room = !r->nout || r->score < LOSSY_SKIP || r->hyp.kind != UB_HYP_UTF8 ||
                     ends_in_lone_lead(ctx, s, r, line.weak);
    if (!lossy_room && r->logged) {
        /* (the same for every evaluation: its span's characters) */
        struct logged *lr = &s->lruns[r->logged - 1];
        if (lr->marker < 0)
            lr->marker = (int8_t)marker_after(s, r);
        lossy_room = lr->marker;
    } else if (!lossy_room) {
        lossy_room = marker_after(s, r);
    }
    if (r->nout && r->score < LOSSY_SKIP && s->out.v[r->out0 + r->nout - 1] == 0xE2)
        ends_in_lone_punct(ctx, s, r);
    /* (a good lossless repair of one layer leaves room for the inner
     * layer's lossy search alone, under the outer codecs a convincing
     * repair nearby of text garbled twice lends: "\u00E1\u00BB" for
     * "ọ", its 0x8D lost under the inner layer) */
    int inner_only = line.inner && (!lossy_room || line.inner_alone);
    if ((e.maybe || e.twice) && ctx->lossy != UNBAKE_LOSSY_KEEP && (lossy_room || inner_only)) {
        /* the lossy search may also take a trailing space or '?' */
        /* (the inner layer's search alone takes the run alone: the runs
         * after it have their own lossless repairs, each searched so in
         * turn) */
        size_t c1t = inner_only ? r->c1 : lossy_span_end(s, k, nch);
        size_t nt = c1t - r->c0;
        uint32_t rt[2];
        size_t nrt = context_after(s, nch, c1t, k + 1, rt, offers == OFFERS_LOG);
        /* the mojibake after the span, unless a repair decided it */
        size_t k1 = k + 1;
        while (k1 < s->nruns && s->runs[k1].c0 < c1t)
            k1++;
        if (!(k1 < s->nruns && s->runs[k1].c0 == c1t && s->runs[k1].tent)) {
            size_t a = c1t;
            while (a < nch && a - c1t < AHEAD_MAX && s->cp[a] != INVALID_CP)
                a++;
            e.ahead = s->cp + c1t;
            e.nahead = a - c1t;
        }
        int one = 0;
        if (!inner_only) {
            one = qmark_lead_lossy(&e, nt, rt, nrt);
            if (one >= 0)
                one = search_lossy(&e, e.in, nt, rt, nrt, -1, e.in, nt);
        }
        e.ahead = NULL;
        e.nahead = 0;
        if (one < 0)
            return -1;
        /* losses at the inner layer under a lossless outer one (text read
         * as Latin-1 or windows-1252 once more after it lost bytes) */
        {
            /* (and under the codecs of repairs nearby of text garbled
             * twice through one codec, whose inner layer lost a byte of
             * a word's last letter: "vypΞ“Β\u00ADnaΞ”" for "vypínač"
             * through windows-1253 twice) */
            int outers[2 + UB_NCODECS];
            size_t nouter = 2;
            outers[0] = UB_CODEC_LATIN1;
            outers[1] = UB_CODEC_CP1252;
            /* (and under the codec of the run's own lossless repair of
             * one layer: "\u0102\u02D8 " for "\u201D " through ISO-8859-2
             * twice, its C1 bytes stripped inside.  The repairs nearby
             * of one layer lend no support to weak evidence under it: they
             * are no text garbled twice) */
            ub_codec_mask own = 0;
            if (lone_lead_at_end(s, r, nch) && r->hyp.codec[0] != UB_CODEC_LATIN1 &&
                r->hyp.codec[0] != UB_CODEC_CP1252)
                own = ((ub_codec_mask)1 << r->hyp.codec[0]) & ~line.inner;
            for (ub_codec_mask f = line.inner | own; f; f &= f - 1)
                if (__builtin_ctz(f) != UB_CODEC_LATIN1 && __builtin_ctz(f) != UB_CODEC_CP1252)
                    outers[nouter++] = __builtin_ctz(f);
            /* two layers in all: only where the option allows them */
            if (ctx->max_layers < 2)
                nouter = 0;
            if (ub_u32vec_reserve(&s->lvl[1], nt) || ub_reserve((void **)&s->tmp, &s->tmpcap, nt, 1))
                return -1;
            for (size_t o = 0; o < nouter; o++) {
                int cesu = 0;
                long m = ub_reverse_layer(e.in, nt, outers[o], 0, s->tmp, s->lvl[1].v, &cesu);
                if (m <= 0 || !has_nonascii(s->lvl[1].v, (size_t)m))
                    continue;
                ub_codec_mask w2, twice2, cut2;
                size_t wat;
                ub_codec_mask saved = e.maybe, saved_twice = e.twice;
                int saved_weak = e.weak_ok;
                const uint32_t *t1 = s->lvl[1].v;
                if (ub_reserve((void **)&s->cbytes, &s->cbcap, (size_t)m, sizeof *s->cbytes))
                    return -1;
                e.maybe = ub_could_be_mojibake(t1, (size_t)m, s->cbytes, &w2, &wat, &twice2, &cut2);
                e.twice = 0;
                e.line.weak = own >> outers[o] & 1 ? 0 : line.weak;
                if (w2) {
                    uint32_t p1 = wat ? t1[wat - 1] : l1;
                    uint32_t p2 = wat >= 2 ? t1[wat - 2] : wat == 1 ? l1 : l2;
                    e.weak_ok = e.line.weak || (ub_lm_logp(ctx->lm, p2, p1, t1[wat]) <=
                                                    lone_logp_bar(t1[wat], w2) &&
                                                !the_text_is_clean(ctx, s));
                    if (e.weak_ok)
                        e.maybe |= w2;
                }
                int rc = e.maybe ? search_lossy(&e, t1, (size_t)m, rt, nrt, outers[o], e.in, nt)
                                 : 0;
                e.line.weak = line.weak;
                e.maybe = saved;
                e.twice = saved_twice;
                e.weak_ok = saved_weak;
                if (rc < 0)
                    return -1;
            }
        }
    }
    r->certain_clean = !e.found;
    return 0;
}

/* Verify a run's candidate forward against its input bytes. */
int ub_det_verify(unbake_ctx *ctx, ub_detect_scratch *s, const struct run *r, const uint8_t *seg)
{
    const uint8_t *in = seg + r->b0;
    size_t inlen = byte_at(s, r, r->cend) - r->b0;
    if (r->hyp.kind == UB_HYP_BYTES)
        return ub_check_forward_bytes(ctx->mbcs, &r->hyp, s->lch + r->l0, r->nout, in, inlen);
    if (r->hyp.kind == UB_HYP_MBCS)
        return ub_check_forward_mbcs(ctx->mbcs, &r->hyp, s->out.v + r->out0, r->nout, in, inlen);
    if (r->l0 != NO_INDEX)
        return ub_check_forward_lossy(&r->hyp, s->lch + r->l0, r->nout, in, inlen);
    return ub_check_forward(&r->hyp, s->out.v + r->out0, r->nout, in, inlen);
}

/* The text written for a run, into s->obuf: its repair, with U+FFFD for
 * uncertain gap characters if mark (mark mode); *marked says whether it
 * wrote one. */
static int render(unbake_ctx *ctx, ub_detect_scratch *s, const struct run *r, int mark,
                  size_t *len, int *marked)
{
    *len = 0;
    *marked = 0;
    /* (room for all of it at once: four bytes a character at most) */
    if (ub_reserve((void **)&s->obuf, &s->obufcap, (size_t)r->nout * 4 + 4, 1))
        return -1;
    for (size_t i = 0; i < r->nout; i++) {
        uint32_t cp = s->out.v[r->out0 + i];
        if (mark && r->l0 != NO_INDEX && s->lch[r->l0 + i].gap) {
            double p = 0;
            for (size_t g = 0; g < r->ng; g++)
                if (s->gaps[r->g0 + g].index == i)
                    p = s->gaps[r->g0 + g].alt[0].p;
            if (p * 1000.0 < ctx->min_confidence || ctx->min_confidence >= 1000) {
                cp = 0xFFFD;
                *marked = 1;
            }
        }
        *len += (size_t)ub_utf8_encode(cp, s->obuf + *len);
    }
    return 0;
}

/* Write characters [a, b) of the segment, bytes [ba, bb), as they are,
 * telling the loss callback about every U+FFFD among them. */
static int emit_kept(unbake_ctx *ctx, const ub_detect_scratch *s, const uint8_t *seg, size_t a,
                     size_t b, size_t ba, size_t bb, size_t nch)
{
    size_t from = ba;
    for (size_t i = a, bi = ba; ctx->loss && i < b; bi += char_bytes(s->cp[i++])) {
        if (s->cp[i] != 0xFFFD)
            continue;
        if (ub_emit(ctx, seg + from, bi - from))
            return -1;
        ub_det_notify_loss(ctx, s, i, bi, nch);
        from = bi;
    }
    return ub_emit(ctx, seg + from, bb - from);
}

/* The single-byte codecs of a UTF-8 hypothesis' layers. */
static ub_codec_mask hyp_codecs(const ub_hyp *h)
{
    ub_codec_mask m = 0;
    for (int l = 0; l < h->nlayers; l++)
        if (h->codec[l] >= 0 && h->codec[l] < UB_NCODECS)
            m |= (ub_codec_mask)1 << h->codec[l];
    return m;
}

/* The codecs that have the characters of run r up to c1 at the bytes
 * codec c has them (0 where one has no row). */
static ub_codec_mask alike_codecs(const ub_detect_scratch *s, const struct run *r, int c,
                                  size_t c1)
{
    ub_codec_mask alike = UB_CODEC_ALL;
    for (size_t i = r->c0; i < c1 && alike; i++) {
        const ub_codec_row *row = ub_codec_row_at(s->cp[i]);
        if (!row)
            return 0;
        alike &= row->mask & same_byte(row, c);
    }
    return alike;
}

/* The codecs a convincing repair lends its evidence to: its own, and for
 * one layer every codec that has its run's characters at the same bytes
 * (windows-1252's "\u00C3\u00A9" is ISO-8859-1's too, and only the second
 * can have lost C1 bytes). */
static ub_codec_mask lent_codecs_upto(const ub_detect_scratch *s, const struct run *r, size_t c1)
{
    ub_codec_mask m = hyp_codecs(&r->hyp);
    int c = r->hyp.codec[0];
    if (r->hyp.nlayers != 1 || c < 0 || c >= UB_NCODECS)
        return m;
    return m | alike_codecs(s, r, c, c1);
}

static ub_codec_mask lent_codecs(const ub_detect_scratch *s, const struct run *r)
{
    return lent_codecs_upto(s, r, r->c1);
}

/* The codecs of r's repair of text garbled twice, and those that have the
 * run's characters at the same bytes: they may have read the inner layer
 * otherwise (ISO-8859-15 makes "\u00C3\u00C2\u00A9" of "é" as Latin-1
 * does, but "\u00C3\u00C5" of "ü", its 0xBC being "Œ"). */
static ub_codec_mask own_codecs(const ub_detect_scratch *s, const struct run *r)
{
    return hyp_codecs(&r->hyp) | alike_codecs(s, r, r->hyp.codec[0], r->c1);
}

/* The codecs of r's repair alone */
static ub_codec_mask lender_codecs(const ub_detect_scratch *s, const struct run *r)
{
    (void)s;
    return hyp_codecs(&r->hyp);
}

/* Is r tentatively repaired, convincingly, as UTF-8 mojibake? */
static int convincing_utf8(const struct run *r)
{
    return r->tent && r->hyp.kind == UB_HYP_UTF8 && r->score >= LOSSY_SKIP;
}

/* Does a character of t[0..n) encode under codec c as a lead byte whose
 * sequence the characters after it (or the end) cut short after at least
 * min continuations?  (Not only by the next one: "\u00E1\u00BB" for "ể"
 * has one continuation of two, its 0x83 lost under the inner layer of
 * Vietnamese garbled twice.) */
static int lead_cut(const uint32_t *t, size_t n, int c, int min)
{
    for (size_t i = 0; i < n; i++) {
        const ub_codec_row *row = t[i] < 0x80 ? NULL : ub_codec_row_at(t[i]);
        if (!row || !(row->lead >> c & 1))
            continue;
        int need = row->lead4 >> c & 1 ? 3 : row->lead3 >> c & 1 ? 2 : 1, have = 0;
        while (have < need && i + 1 + (size_t)have < n && t[i + 1 + have] >= 0x80) {
            const ub_codec_row *next = ub_codec_row_at(t[i + 1 + have]);
            if (!next || !(next->cont >> c & 1))
                break;
            have++;
        }
        if (have < need && have >= min)
            return 1;
        i += (size_t)have;
    }
    return 0;
}

/* ... as text garbled twice through one codec? */
static int convincing_same2(const struct run *r)
{
    return convincing_utf8(r) && r->hyp.nlayers == 2 && r->hyp.codec[0] == r->hyp.codec[1];
}

/* ... as text garbled twice, losing bytes? */
static int convincing_twice(const struct run *r)
{
    return convincing_utf8(r) && r->hyp.nlayers == 2 && r->hyp.ops_used &&
           r->hyp.codec[0] == r->hyp.codec[1];
}

/*
 * The convincing repairs nearest to each run of a segment, one on each
 * side within LINE_REACH characters (a segment without newlines is no
 * line), of the kind conv() tells, through one pass over the runs in
 * order: nearby_note() every run as the pass reaches it (the one before a
 * run counts as it stood then), nearby_codecs() for the codecs that those
 * repairs lend the run, by lend().
 */
struct nearby {
    int (*conv)(const struct run *);
    size_t prev, next;      /* run indices; prev (size_t)-1 for none */
};

static void nearby_note(struct nearby *nb, const ub_detect_scratch *s, size_t k)
{
    if (nb->conv(&s->runs[k]))
        nb->prev = k;
}

static ub_codec_mask nearby_codecs(struct nearby *nb, const ub_detect_scratch *s, size_t k,
                                   ub_codec_mask (*lend)(const ub_detect_scratch *,
                                                         const struct run *))
{
    const struct run *r = &s->runs[k];
    if (nb->next <= k)
        for (nb->next = k + 1; nb->next < s->nruns && !nb->conv(&s->runs[nb->next]);
             nb->next++)
            ;
    ub_codec_mask near = 0;
    if (nb->prev != (size_t)-1 && nb->prev != k && r->c0 - s->runs[nb->prev].c1 <= LINE_REACH)
        near |= lend(s, &s->runs[nb->prev]);
    if (nb->next < s->nruns && s->runs[nb->next].c0 - r->c1 <= LINE_REACH)
        near |= lend(s, &s->runs[nb->next]);
    return near;
}

/*
 * Mojibake is seldom alone in a text: the convincing repairs of the lines
 * before a segment lend their codecs to its weak runs within LINE_REACH
 * characters of them that no repair of the segment itself stands for
 * (carry_note() after each segment).  A line that holds only a lone lead
 * ("l\u00E2interrupteur") has nothing else to stand for it.  (Not for a
 * repair refined, decided again as text of its own: it has no place in
 * the line, and every repair would pay for a second search.)
 */
static int carry_reaches(const unbake_ctx *ctx, const ub_detect_scratch *s, size_t c0)
{
    return ctx->carry && s == ctx->det && ctx->carry_dist + c0 <= LINE_REACH;
}

/*
 * ... and only to a lead that the text around it cannot explain: the lead
 * reads badly after its left context, and so does it with the character
 * after it (a lone 'l\u00E2i' reads so, the 'e' of a clean Cyrillic word
 * before a space, or an '\u00E9' in French, does not; lending to those
 * sent every clean line after a mojibake one to the lossy search).
 * in[w]: the lead, c2 c1 before it, next after it.
 */
static int carry_odd(const unbake_ctx *ctx, uint32_t c2, uint32_t c1, uint32_t lead, uint32_t next)
{
    /* (a lead that ends a word is how many a clean word ends: the lines
     * before do not stand for it; most weak leads are such) */
    if (next == ' ' || next == '\n' || next == '\r' || next == '\t')
        return 0;
    double lp = ub_lm_logp(ctx->lm, c2, c1, lead);
    return lp <= LINE_WEAK_LOGP && lp + ub_lm_logp(ctx->lm, c1, lead, next) <= 2 * CARRY_LOGP;
}

/*
 * Where the repair of run r (one layer of Latin-1 or windows-1252) ends in
 * the lead of the General Punctuation alone before a letter, reading as no
 * letter would there, nor with the letter after it (carry_odd():
 * Vietnamese and French write "\u00E2" too), the inner decoder may have
 * dropped both of its continuation bytes, the C1 controls of the quotes
 * and dashes E2 80 80..9F ("qu\u00E2elle" for "qu’elle", garbled twice,
 * its 0x80 0x99 stripped the first time): as for a lead alone before a
 * space (ends_in_lone_lead()), the line's support decides it again, which
 * it needs in any case (the lead stands for two bytes).
 */
static void ends_in_lone_punct(const unbake_ctx *ctx, const ub_detect_scratch *s,
                               struct run *r)
{
    if (r->cend != r->c1 || r->c1 >= s->nch || (s->cp[r->c1] | 0x20) - 'a' >= 26u ||
        r->hyp.kind != UB_HYP_UTF8 || r->hyp.nlayers != 1 ||
        (r->hyp.codec[0] != UB_CODEC_LATIN1 && r->hyp.codec[0] != UB_CODEC_CP1252))
        return;
    const uint32_t *o = s->out.v + r->out0;
    uint32_t c1 = r->nout >= 2 ? o[r->nout - 2] : r->l1;
    uint32_t c2 = r->nout >= 3 ? o[r->nout - 3] : r->nout == 2 ? r->l1 : r->l2;
    if (carry_odd(ctx, c2, c1, o[r->nout - 1], s->cp[r->c1]))
        r->weak_gated = 2;
}

/* The same for a run t[0..k) at character nc of its line, after c2 c1,
 * before next, whose lead is its last character (line_is_clean()). */
static __attribute__((noinline, cold)) int carry_odd_run(const unbake_ctx *ctx, size_t nc,
                                                         const uint32_t *t, size_t k, uint32_t c2,
                                                         uint32_t c1, uint32_t next)
{
    return ctx->carry_dist + nc <= LINE_REACH &&
           carry_odd(ctx, k >= 3 ? t[k - 3] : k == 2 ? c1 : c2, k >= 2 ? t[k - 2] : c1, t[k - 1],
                     next);
}

/* Does the carry reach weak run r of s (nch characters), and is its lead odd? */
static int carry_takes(const unbake_ctx *ctx, const ub_detect_scratch *s, const struct run *r,
                       size_t nch)
{
    if (!carry_reaches(ctx, s, r->c0) || !(r->cbm.weak & ctx->carry))
        return 0;
    size_t w = r->c0 + r->cbm.weak_at;
    uint32_t c1 = w > r->c0 ? s->cp[w - 1] : r->l1;
    uint32_t c2 = w > r->c0 + 1 ? s->cp[w - 2] : w > r->c0 ? r->l1 : r->l2;
    return carry_odd(ctx, c2, c1, s->cp[w], w + 1 < nch ? s->cp[w + 1] : '\n');
}

/* After segment s (nch characters) was decided: what it carries. */
static void carry_note(unbake_ctx *ctx, const ub_detect_scratch *s, size_t nch)
{
    /* (the last convincing repair only: a line of mojibake has many, and
     * the codecs of one are those of the line; the codecs that read alike
     * its first CARRY_ALIKE characters) */
    ub_codec_mask m = 0, twice = 0;
    size_t end = 0;
    for (size_t k = s->nruns; k > 0; k--) {
        const struct run *r = &s->runs[k - 1];
        if (!r->fix || r->bytes || r->hyp.kind != UB_HYP_UTF8 || r->score < LOSSY_SKIP ||
            nch - r->cend > LINE_REACH)
            continue;
        m = lent_codecs_upto(s, r, r->c1 - r->c0 > CARRY_ALIKE ? r->c0 + CARRY_ALIKE : r->c1);
        /* (text garbled twice lends its codecs to the runs that cut a
         * sequence short, as within a line) */
        if (r->hyp.nlayers == 2 && r->hyp.ops_used && r->hyp.codec[0] == r->hyp.codec[1])
            twice = own_codecs(s, r);
        end = r->cend;
        break;
    }
    if (m) {
        ctx->carry = m;
        ctx->carry_twice = twice;
        ctx->carry_dist = nch - end;
    } else {
        ctx->carry_dist += nch;
    }
}

/* Does h undo the layers of line, outermost first, and more? */
static int deeper(const ub_hyp *h, const ub_hyp *line)
{
    if (h->kind != UB_HYP_UTF8 || line->kind != UB_HYP_UTF8 || h->nlayers <= line->nlayers)
        return 0;
    for (int l = 0; l < line->nlayers; l++)
        if (h->codec[l] != line->codec[l] || (h->cesu >> l & 1) != (line->cesu >> l & 1))
            return 0;
    return 1;
}

/*
 * The two characters before run k as decided so far (l[0] the older):
 * the repairs of the fixed runs before it, the segment's text elsewhere,
 * and (c2, c1) before the segment.
 */
void ub_det_context_before(const ub_detect_scratch *s, size_t k, uint32_t c2, uint32_t c1,
                           uint32_t l[2])
{
    size_t j = s->runs[k].c0;
    int n = 0;
    uint32_t got[2];
    while (n < 2 && j > 0) {
        while (k > 0 && s->runs[k - 1].c0 >= j)
            k--;
        const struct run *r = k > 0 ? &s->runs[k - 1] : NULL;
        if (r && r->fix && r->cend >= j) {
            for (size_t i = r->nout; i > 0 && n < 2; i--)
                got[n++] = s->out.v[r->out0 + i - 1];
            j = r->c0;
            k--;
            continue;
        }
        j--;
        got[n++] = s->cp[j] == INVALID_CP ? UB_LM_BOS : s->cp[j];
    }
    l[1] = n > 0 ? got[0] : c1;
    l[0] = n > 1 ? got[1] : n == 1 ? c1 : c2;
}

/* The multibyte codec (bit per id) of a convincing repair of run r. */
static unsigned convincing_mbcs(const struct run *r)
{
    if (!r->tent || r->hyp.kind != UB_HYP_MBCS || r->score < LOSSY_SKIP ||
        r->hyp.codec[0] < UB_NCODECS)
        return 0;
    return 1u << (r->hyp.codec[0] - UB_NCODECS);
}

/* Is x a lower-case letter (one with a capital) that ends a word of
 * capitals ("AHř,"), in text where capitals stand for themselves? */
static int lower_in_capitals(uint32_t c2, uint32_t c1, uint32_t x, uint32_t next)
{
    return u_isupper((UChar32)c2) && u_isupper((UChar32)c1) && u_islower((UChar32)x) &&
           u_toupper((UChar32)x) != (UChar32)x && !u_islower((UChar32)next);
}

/* The one run of the segment repaired as UTF-8 mojibake (legacy bytes
 * aside), or NULL where none is or more are: what lone_repair() and
 * lone_foreign_fill() weigh, one a lossless repair, the other a lossy
 * one. */
static struct run *only_repair(ub_detect_scratch *s)
{
    struct run *one = NULL;
    for (size_t k = 0; k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        if (!r->fix || r->bytes)
            continue;
        if (one)
            return NULL;
        one = r;
    }
    return one;
}

/*
 * A line whose only repair is one two-character run read as one layer
 * ("Å™" -> "ř", "√π" -> "ù") stands on that pair alone, and clean text
 * is full of letter-and-symbol pairs (a brand name, a unit, math).  Such
 * a repair must also read as text the model knows: a character that
 * reads below IN_FLOOR where it stands (the floor the run as it is got)
 * is more likely a coincidence of the pair than what was written.
 */
static void lone_repair(const unbake_ctx *ctx, ub_detect_scratch *s, struct run *one, size_t nch)
{
    if (!one || one->c1 - one->c0 != 2 || one->cend != one->c1 || one->l0 != NO_INDEX ||
        one->hyp.kind != UB_HYP_UTF8 || one->hyp.nlayers != 1)
        return;
    uint32_t c2 = one->l2, c1 = one->l1;
    uint32_t after = one->c1 < nch ? s->cp[one->c1] : '\n';
    for (size_t i = 0; i < one->nout; i++) {
        uint32_t x = s->out.v[one->out0 + i];
        uint32_t next = i + 1 < one->nout ? s->out.v[one->out0 + i + 1] : after;
        if (x >= 0x80 && (ub_lm_logp(ctx->lm, c2, c1, x) < IN_FLOOR ||
                          lower_in_capitals(c2, c1, x, next))) {
            one->fix = 0;
            return;
        }
        c2 = c1;
        c1 = x;
    }
}

/*
 * ... and one character read as a multibyte codec's, the only repair of
 * its line, stands on one two-byte sequence: weak evidence, as a lead
 * alone is, which must score WEAK_COST more.  A Chinese or Korean
 * character alone in markup or a comment ("<title>\uCC3D</title>",
 * "% \u5973") reads as EUC-KR or GBK mojibake of a letter ("\u00E2",
 * "\u016E") about as well as it reads as itself; a word of text through
 * GBK ("Ele \u8305 bom" for "\u00E9") reads far better.
 */
static void lone_mbcs_char(struct run *one)
{
    if (one && one->hyp.kind == UB_HYP_MBCS && one->c1 - one->c0 == 1 && one->cend == one->c1 &&
        one->l0 == NO_INDEX && one->nout == 1 && one->score < WEAK_COST)
        one->fix = 0;
}

/*
 * A lossy repair of one character alone, the only repair of its line,
 * that writes a letter of a script the line writes nowhere else: clean
 * text that names a letter ("D1<TAB>\u00D1<TAB>LATIN CAPITAL LETTER N
 * WITH TILDE" in a charset table read as windows-1252 with 0x81 dropped
 * is "\u0441", the Russian word "s", which the model likes better than
 * a lone "\u00D1").  A line of mojibake of that script has more of it.
 * Latin and the common characters (punctuation, emoji) are left to the
 * score.
 */
static void lone_foreign_fill(ub_detect_scratch *s, struct run *one, size_t nch)
{
    if (!one || one->l0 == NO_INDEX || one->c1 - one->c0 != 1 || one->hyp.kind != UB_HYP_UTF8)
        return;
    /* (one character written: not a span that took the runs after it) */
    size_t wrote = 0;
    for (size_t i = 0; i < one->nout; i++)
        wrote += s->out.v[one->out0 + i] >= 0x80;
    if (wrote != 1)
        return;
    for (size_t i = 0; i < one->nout; i++) {
        uint32_t x = s->out.v[one->out0 + i];
        if (x < 0x80)
            continue;
        UErrorCode err = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript((UChar32)x, &err);
        if (U_FAILURE(err) || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED ||
            sc == USCRIPT_LATIN)
            continue;
        int elsewhere = 0;
        for (size_t j = 0; j < nch && !elsewhere; j++) {
            uint32_t y = s->cp[j];
            if ((j >= one->c0 && j < one->cend) || y < 0x80 || y == INVALID_CP)
                continue;
            err = U_ZERO_ERROR;
            elsewhere = uscript_getScript((UChar32)y, &err) == sc;
        }
        if (!elsewhere) {
            one->fix = 0;
            return;
        }
    }
}

/* Adds the non-ASCII letter c to *a; 0 if no alphabet has it. */
static int alpha_add(ub_alpha *a, uint32_t c)
{
    if (c < 0x80)
        return 1;
    int i = ub_alpha_index(c);
    if (i < 0)
        return 0;
    ub_alpha_add(a, i);
    return 1;
}

/*
 * The word around run r, cp[w0..w1), its letters [a, m) the run's (the
 * rest of the run, to its end, not letters), where one language writes
 * the letters both as they are and repaired (breaks_word): does the
 * repair make a word the lexicon knows into one it does not know?
 * ("NICIODATĂ™" -> "NICIODATÙ": Vietnamese writes Ă and Ù alike, but
 * "niciodată" is a word and "niciodatù" none.)  Words of three letters
 * or more only; a repair that writes anything but letters is left to
 * the alphabets.
 */
static int lex_breaks(const ub_detect_scratch *s, const struct run *r, size_t w0, size_t m,
                      size_t w1)
{
    size_t a = r->c0, b = r->cend;
    size_t tail = m == b ? w1 - b : 0;
    size_t n_as = (m == b ? w1 : m) - w0, n_fix = a - w0 + r->nout + tail;
    if (n_as < 3 || n_as > UB_LEX_MAX || n_fix > UB_LEX_MAX)
        return 0;
    uint32_t fixed[UB_LEX_MAX];
    memcpy(fixed, s->cp + w0, (a - w0) * sizeof *fixed);
    for (size_t i = 0; i < r->nout; i++) {
        uint32_t c = s->out.v[r->out0 + i];
        if (!is_letter(c))
            return 0;
        fixed[a - w0 + i] = c;
    }
    memcpy(fixed + (a - w0) + r->nout, s->cp + b, tail * sizeof *fixed);
    const ub_lex *lex = ub_lex_builtin();
    return lex && ub_lex_has(lex, s->cp + w0, n_as) && !ub_lex_has(lex, fixed, n_fix);
}

/*
 * Does the run's repair break a word that reads well as it is?  The run
 * as it is is letters (then, at most, non-letters that end the word: "Ä"
 * and an NBSP), written together with the letters around them by one
 * language's alphabet in one case pattern ("HÅØYA", "SELKÄ"), while no
 * language that writes them writes the repair's letters ("HŨYA",
 * "SELKĠ").  Mojibake of a letter mostly mixes cases or scripts, or puts
 * a symbol inside the word ("DrÃ¥ber", "РџСЂ"); where it does not, the
 * repair is mostly in one of the same languages ("ΞΈ" -> "θ").  A repair
 * that makes no letter breaks only a run of three letters or more with a
 * small one among the word's ("Ôôô" -> "ⓓ"): an emoji read through
 * ISO-8859-5 makes Russian capitals ("ЁЯНЕ").  Where a language writes
 * both, the lexicon may still say the repair breaks the word
 * (lex_breaks()).  Lossless repairs only.
 */
static int breaks_word(const ub_detect_scratch *s, const struct run *r, size_t nch)
{
    const uint32_t *cp = s->cp;
    size_t a = r->c0, b = r->cend, m = a;
    /* (a lossy repair stands on bytes lost, which the text as it is
     * cannot show: "lâinterrupteur" is a word of French letters) */
    if (r->l0 != NO_INDEX)
        return 0;
    while (m < b && is_letter(cp[m]))
        m++;
    if (m == a)
        return 0;
    int space = 0;
    for (size_t i = m; i < b; i++) {
        if (is_letter(cp[i]))
            return 0;
        space |= u_isUWhiteSpace((UChar32)cp[i]);
    }
    size_t w0 = a, w1 = b;
    while (w0 > 0 && is_letter(cp[w0 - 1]))
        w0--;
    if (m == b)
        while (w1 < nch && is_letter(cp[w1]))
            w1++;
    else if (!space && b < nch && is_letter(cp[b]))
        return 0;
    /* one script, one case pattern: all capitals, all small, or a
     * capital first */
    int upper = 0, lower = 0, first_upper = 0, cased = 0;
    UScriptCode script = USCRIPT_INVALID_CODE;
    ub_alpha seen = { { 0 } }, around = { { 0 } };
    for (size_t i = w0; i < w1; i++) {
        uint32_t c = cp[i];
        if (i >= m && i < b)
            continue;
        UErrorCode err = U_ZERO_ERROR;
        UScriptCode sc = c < 0x80 ? USCRIPT_LATIN : uscript_getScript((UChar32)c, &err);
        if (sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED) {
            if (script != USCRIPT_INVALID_CODE && sc != script)
                return 0;
            script = sc;
        }
        if (!alpha_add(&seen, c))
            return 0;
        if ((i < a || i >= b) && !alpha_add(&around, c))
            return 0;
        if (u_isupper((UChar32)c)) {
            first_upper |= !cased;
            upper++;
            cased++;
        } else if (u_islower((UChar32)c)) {
            lower++;
            cased++;
        }
    }
    if (upper && lower && !(upper == 1 && first_upper))
        return 0;
    uint64_t as_is[UB_ALPHA_LANG_WORDS], fixed[UB_ALPHA_LANG_WORDS];
    ub_alpha_langs(&seen, as_is);
    int letters = 0;
    for (size_t i = 0; i < r->nout; i++) {
        uint32_t c = s->out.v[r->out0 + i];
        if (c < 0x80 || !is_letter(c))
            continue;
        letters++;
        if (!alpha_add(&around, c))
            around.w[0] = ~0ull;   /* (no language writes it) */
    }
    if (!letters) {
        /* a symbol for three letters or more, in a word with a small
         * one ("Ôôô" -> "ⓓ"; ISO-8859-15 reads "½" as "Âœ") */
        if (!lower || m != b || m - a < 3)
            return 0;
        for (int w = 0; w < UB_ALPHA_LANG_WORDS; w++)
            if (as_is[w])
                return 1;
        return 0;
    }
    ub_alpha_langs(&around, fixed);
    int some = 0;
    for (int w = 0; w < UB_ALPHA_LANG_WORDS; w++) {
        if (as_is[w] & fixed[w])
            return lex_breaks(s, r, w0, m, w1);
        some |= as_is[w] != 0;
    }
    return some;
}

/*
 * A line whose repairs break words that read well as they are
 * (breaks_word) needs COHERENT_COST of evidence (its total) per such
 * run, or those runs are kept.  Not where a repair is decided again
 * (refine()): the line around it said it was mojibake.
 */
static void words_kept(ub_detect_scratch *s, size_t nch, double total)
{
    int nfix = 0;
    for (size_t k = 0; k < s->nruns; k++)
        nfix += s->runs[k].fix && !s->runs[k].bytes;
    /* (most lines of mojibake have far more than that) */
    if (total - COHERENT_COST * nfix > 0)
        return;
    int n = 0;
    for (size_t k = 0; k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        r->kept = r->fix && !r->bytes && breaks_word(s, r, nch);
        n += r->kept;
    }
    for (size_t k = 0; n && k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        if (r->kept && total - COHERENT_COST * n <= 0)
            r->fix = 0;
        r->kept = 0;
    }
}

/*
 * How many runs kept as they are hold the characters of a run repaired in
 * the same line ("┼┐a┼┐a┼┐a┼┐" with the last one repaired): the same
 * characters read as text there, so they count as clean text against
 * the line's repairs (at most max of them are counted).  Only for a line
 * of at most TWIN_FIXES repairs, so the work stays linear.
 */
#define TWIN_FIXES 8
static int twins_kept(const ub_detect_scratch *s, int max)
{
    const struct run *fixed[TWIN_FIXES];
    int nf = 0;
    for (size_t k = 0; k < s->nruns; k++) {
        const struct run *f = &s->runs[k];
        if (!f->fix || f->bytes)
            continue;
        if (nf == TWIN_FIXES)
            return 0;
        fixed[nf++] = f;
    }
    int n = 0;
    for (size_t k = 0; nf && k < s->nruns && n < max; k++) {
        const struct run *r = &s->runs[k];
        if (r->fix || r->bytes || r->certain_clean)
            continue;
        for (int j = 0; j < nf; j++) {
            const struct run *f = fixed[j];
            if (f->c1 - f->c0 == r->c1 - r->c0 &&
                !memcmp(s->cp + f->c0, s->cp + r->c0, (r->c1 - r->c0) * sizeof *s->cp)) {
                n++;
                break;
            }
        }
    }
    return n;
}

/* Decide every run of seg[0..n) (decoded into s): which to repair. */
static int decide(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t n,
                  uint32_t c2, uint32_t c1, size_t *nchp)
{
    size_t nch;
    const uint32_t seg_c2 = c2, seg_c1 = c1;
    /* (the lines before lend to none of its runs: most segments) */
    const int carry = carry_reaches(ctx, s, 0);
    if (decode_segment(s, seg, n, &nch))
        return UNBAKE_ENOMEM;
    e2_ensure();
    run_spans(s, nch);
    *nchp = nch;
    s->nch = nch;
    s->alpha_done = 0;
    s->alpha2_done = 0;
    s->langs_some = s->langs2_some = 0;
    s->c1s = -1;
    s->malpha_done = 0;
    s->out.n = 0;
    s->nlch = 0;
    s->ngaps = 0;
    s->ncands = 0;
    s->naliases = 0;
    s->nlog = 0;
    s->noffers = 0;
    s->ltxt.n = 0;
    s->nlruns = 0;
    s->mbcs_budget = ctx->steps + MBCS_LOSSY_WORK * (uint64_t)n + MBCS_LOSSY_SLACK;
    ub_reverse_lossy_forget(s->beam);
    /* what line_is_clean() found out about the runs (it sees the same
     * runs in the same order, up to the first one it stopped at) */
    size_t npre = s->npre;
    s->npre = 0;
    for (size_t k = 0; k < npre && k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        const struct prerun *q = &s->pre[k];
        if (r->c0 != q->c0 || r->bytes) {
            npre = k;       /* (cannot happen) */
            break;
        }
        r->shaped = 1;
        r->cbm = q->cbm;
    }

    /* evaluate every run, left context from tentative decisions */
    size_t prev = 0;
    for (size_t k = 0; k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        if (r->c0 < prev) {
            /* taken by the lossy repair before it */
            r->certain_clean = 0;
            r->taken = 1;
            continue;
        }
        /* (the last two characters before the run: no need to walk them
         * all) */
        for (size_t j = r->c0 - prev > 2 ? r->c0 - 2 : prev; j < r->c0; j++) {
            c2 = c1;
            c1 = s->cp[j] == INVALID_CP ? UB_LM_BOS : s->cp[j];
        }
        if (k < npre && s->pre[k].clean && s->pre[k].l2 == c2 && s->pre[k].l1 == c1) {
            /* evaluate_run() of a run whose gate finds nothing, as
             * line_is_clean() found in this very context */
            r->l2 = c2;
            r->l1 = c1;
            r->weak_gated = s->pre[k].weak_gated;
            r->out0 = s->out.n;
            r->score = -INFINITY;
            r->k0 = s->ncands;
            r->certain_clean = 1;
        } else if (r->bytes) {
            r->l2 = c2;
            r->l1 = c1;
            /* (the codecs that read the last bytes best are tried first:
             * ctx->bytes_rank) */
            if (ub_det_bytes_run(ctx, s, r, seg, nch, -1, NULL))
                return UNBAKE_ENOMEM;
        } else if (evaluate_run(ctx, s, r, nch, c2, c1, OFFERS_LOG, (struct support){ 0 })) {
            return UNBAKE_ENOMEM;
        }
        r->tent = r->nout && (r->score > 0 || r->bytes);
        if (r->tent) {
            const uint32_t *o = s->out.v + r->out0;
            if (r->nout >= 2)
                c2 = o[r->nout - 2], c1 = o[r->nout - 1];
            else
                c2 = c1, c1 = o[0];
            prev = r->cend;
        } else {
            prev = r->c0;
        }
    }

    /* Nothing repaired, not even tentatively, no candidate kept for the
     * line, no legacy bytes: then every step below finds nothing to do
     * (each needs a tentative repair, a candidate or bytes), and nothing
     * is written.  Most clean lines that come here end here. */
    if (!s->ncands) {
        size_t k = 0;
        while (k < s->nruns && !s->runs[k].tent && !s->runs[k].bytes &&
               !(carry && s->runs[k].weak_gated && carry_takes(ctx, s, &s->runs[k], nch)) &&
               !(carry && ctx->carry_twice && carry_reaches(ctx, s, s->runs[k].c0)))
            k++;
        if (k == s->nruns)
            return 0;
    }

    /* runs followed closely by a repaired run: decide them again with the
     * repaired text as their right context */
    for (size_t k = 0; k + 1 < s->nruns; k++) {
        struct run *r = &s->runs[k];
        const struct run *next = &s->runs[k + 1];
        if (r->bytes || r->qmarks || !next->tent || next->c0 > r->c1 + 2)
            continue;
        if (evaluate_run(ctx, s, r, nch, r->l2, r->l1, OFFERS_REPLAY, (struct support){ 0 }))
            return UNBAKE_ENOMEM;
        r->tent = r->nout && r->score > 0;
    }

    /* a convincing repair of UTF-8 mojibake nearby makes a lead byte
     * alone before a space or other ASCII (an NBSP turned into a space, a
     * soft hyphen stripped) worth a lossy search even where the lead
     * reads well enough alone */
    struct nearby nb = { convincing_utf8, (size_t)-1, 0 };
    for (size_t k = 0; ctx->lossy != UNBAKE_LOSSY_KEEP && k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        nearby_note(&nb, s, k);
        int weak = !r->taken && r->weak_gated && !(r->weak_gated != 2 && r->tent);
        if (!weak && (r->taken || r->tent || r->bytes || r->qmarks))
            continue;
        ub_codec_mask near = nearby_codecs(&nb, s, k, lent_codecs);
        if (carry && !near && weak && carry_takes(ctx, s, r, nch))
            near = ctx->carry;
        /* (a run no weak evidence gated: only where a sequence is cut
         * short under those codecs, a byte dropped as the repairs say) */
        if (!near || (!weak && !(ub_cut_codecs(s->cp + r->c0, r->c1t - r->c0) & near)))
            continue;
        if (evaluate_run(ctx, s, r, nch, r->l2, r->l1, 0, (struct support){ .weak = near }))
            return UNBAKE_ENOMEM;
    }

    /* and a convincing repair of text garbled twice through one codec
     * makes a run that one layer undone under it leaves with a sequence
     * cut short worth the inner layer's lossy search (the inner decoder
     * dropped a byte; the outer read the rest whole) */
    size_t same2 = 0;
    while (same2 < s->nruns && !convincing_same2(&s->runs[same2]))
        same2++;
    /* (or the lines before, as the carry: the last convincing repair
     * of the segment before undid text garbled twice through one codec,
     * losing bytes -- a line of its own of such text may have no such
     * repair, "l\u00C3\u00A2interrupteur" its only run) */
    const ub_codec_mask carry2 = carry ? ctx->carry_twice : 0;
    nb = (struct nearby){ convincing_same2, (size_t)-1, 0 };
    for (size_t k = 0; ctx->lossy != UNBAKE_LOSSY_KEEP && ctx->max_layers >= 2 &&
                       (same2 < s->nruns || carry2) && k < s->nruns;
         k++) {
        struct run *r = &s->runs[k];
        nearby_note(&nb, s, k);
        /* (also a run repaired as one lossless layer, which it may be
         * too: "\u00C3\u00A1\u00C2\u00BB" for "ọ" read as "\u00E1\u00BB",
         * cut short, its 0x8D lost under the inner layer) */
        if (r->taken || (r->tent && !(r->hyp.nlayers == 1 && !r->hyp.ops_used)) || r->bytes ||
            !r->cbm.maybe)
            continue;
        ub_codec_mask near = nearby_codecs(&nb, s, k, own_codecs) & r->cbm.maybe, inner = 0;
        if (!near && carry2 && carry_reaches(ctx, s, r->c0))
            near = carry2 & r->cbm.maybe;
        size_t len = r->c1t - r->c0;
        for (ub_codec_mask f = near; f; f &= f - 1) {
            int cesu = 0;
            if (ub_u32vec_reserve(&s->lvl[1], len) ||
                ub_reserve((void **)&s->tmp, &s->tmpcap, len, 1))
                return UNBAKE_ENOMEM;
            long m = ub_reverse_layer(s->cp + r->c0, len, __builtin_ctz(f), 0, s->tmp,
                                      s->lvl[1].v, &cesu);
            /* (a run repaired under this codec: only a sequence cut after
             * some of its continuations, which the repair decided again
             * as text of its own does not take for mojibake; a lead alone
             * it does.  Repaired under another, the repair does not hold
             * that lead: "\u00C4\u0161" is "\u013A" as one layer of
             * ISO-8859-10, where the line's ISO-8859-2 twice leaves
             * "\u0139", the lead of "\u0159" that lost its 0x99) */
            if (m > 0 && lead_cut(s->lvl[1].v, (size_t)m, __builtin_ctz(f),
                                  r->tent && (hyp_codecs(&r->hyp) & f)))
                inner |= f & -f;
        }
        if (inner && evaluate_run(ctx, s, r, nch, r->l2, r->l1, 0,
                                  (struct support){ .weak = inner, .inner = inner,
                                                    .inner_alone = r->tent }))
            return UNBAKE_ENOMEM;
    }

    /* so does a convincing repair of text garbled twice for the runs
     * whose two-byte sequences are cut short under its codec, though
     * they have too few pairs to say so themselves ("ÃÃÃÂ¾") */
    nb = (struct nearby){ convincing_twice, (size_t)-1, 0 };
    for (size_t k = 0; ctx->lossy != UNBAKE_LOSSY_KEEP && k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        nearby_note(&nb, s, k);
        /* (and a tentative repair that is not convincing, under other
         * codecs: the cheaper ones gave it before the line's; r is no
         * convincing repair itself) */
        if (r->taken || (r->tent && (r->score >= LOSSY_SKIP || r->hyp.kind != UB_HYP_UTF8)))
            continue;
        ub_codec_mask near = nearby_codecs(&nb, s, k, own_codecs);
        if (r->tent && r->hyp.nlayers >= 2)
            near &= ~hyp_codecs(&r->hyp);
        if (!near && carry && ctx->carry_twice && carry_reaches(ctx, s, r->c0))
            near = ctx->carry_twice;
        if (!near)
            continue;
        if (!(near & (run_cut2(s, r) | run_lone2(s, r))))
            continue;
        ub_codec_mask own = nearby_codecs(&nb, s, k, lender_codecs) & near;
        struct run was = *r;
        if (evaluate_run(ctx, s, r, nch, r->l2, r->l1, 0,
                         (struct support){ .twice = near, .twice_own = own }))
            return UNBAKE_ENOMEM;
        /* (a tentative repair of text garbled twice, searched again without
         * its own codec, may not find its reading again before the
         * cheaper codecs' tries run out: it keeps the better of the two;
         * what the first search wrote stays where it was) */
        if (was.tent && was.hyp.nlayers >= 2 && !(r->score > was.score))
            *r = was;
    }

    /* likewise a convincing multibyte repair nearby makes a run that ends
     * in a sequence cut short before ASCII text ("鈥 " for "— ", "韨 "
     * for "키 ") worth the dropped reading under its codec */
    unsigned any_mbcs = 0;
    for (size_t k = 0; k < s->nruns && !any_mbcs; k++)
        any_mbcs = s->runs[k].mbcs_weak | convincing_mbcs(&s->runs[k]);
    for (size_t k = 0; any_mbcs && ctx->lossy != UNBAKE_LOSSY_KEEP && k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        if (r->taken || r->bytes || (r->tent && r->score >= LOSSY_SKIP))
            continue;
        unsigned want = r->mbcs_weak;
        if (!want && !r->tent && (r->qmarks || marker_run(s, r)))
            want = ~0u;
        if (!want)
            continue;
        unsigned near = 0;
        for (size_t j = k; j > 0 && r->c0 - s->runs[j - 1].c1 <= LINE_REACH; j--)
            near |= convincing_mbcs(&s->runs[j - 1]);
        for (size_t j = k + 1; j < s->nruns && s->runs[j].c0 - r->c1 <= LINE_REACH; j++)
            near |= convincing_mbcs(&s->runs[j]);
        if (!(near & want))
            continue;
        if (evaluate_run(ctx, s, r, nch, r->l2, r->l1, 0, (struct support){ .mbcs = near }))
            return UNBAKE_ENOMEM;
        r->tent = r->nout && r->score > 0;
    }

    /* The hypothesis that explains the line best as a whole: the runs of
     * one line were usually baked the same way, so each run takes the
     * line's hypothesis where it has it and its own best is not far
     * better; the rest of the line's support lifts short runs that
     * could not decide alone ("е" or "о"?). */
    struct { uint32_t key; double total; float cost; const ub_hyp *hyp; } keys[MAX_LINE_KEYS];
    int nkeys = 0;
    /* A lossless copy under another codec (add_alias) counts only for a
     * hypothesis that some lossy candidate of the line needs: it is there
     * to say which of several look-alike codecs lost the bytes, not to
     * pool the support of codecs that merely agree. */
    uint32_t lossy_keys[MAX_LINE_KEYS];
    int nlossy = 0;
    for (size_t i = 0; i < s->ncands && nlossy < MAX_LINE_KEYS; i++) {
        if (s->cands[i].l0 == NO_INDEX)
            continue;
        int j = 0;
        while (j < nlossy && lossy_keys[j] != s->cands[i].key)
            j++;
        if (j == nlossy)
            lossy_keys[nlossy++] = s->cands[i].key;
    }
    for (size_t k = 0; k < s->nruns; k++) {
        const struct run *r = &s->runs[k];
        for (size_t i = r->k0; i < r->k0 + r->nk; i++) {
            const struct cand *c = &s->cands[i];
            if (c->alias && c->l0 == NO_INDEX) {
                int j = 0;
                while (j < nlossy && lossy_keys[j] != c->key)
                    j++;
                if (j == nlossy)
                    continue;
            }
            /* a run counts once per hypothesis, with its best candidate */
            int beaten = 0;
            for (size_t i2 = r->k0; i2 < r->k0 + r->nk && !beaten; i2++)
                beaten = i2 != i && s->cands[i2].key == c->key &&
                         (s->cands[i2].score > c->score ||
                          (s->cands[i2].score == c->score && i2 < i));
            if (beaten)
                continue;
            int j = 0;
            while (j < nkeys && keys[j].key != c->key)
                j++;
            if (j == nkeys) {
                if (nkeys == MAX_LINE_KEYS)
                    continue;
                keys[nkeys].key = c->key;
                keys[nkeys].total = 0;
                keys[nkeys].cost = c->cost;
                keys[nkeys].hyp = &c->hyp;
                nkeys++;
            }
            /* its prior counts once for the line, not per run */
            keys[j].total += c->score + c->cost;
        }
    }
    int line = -1;
    for (int j = 0; j < nkeys; j++) {
        keys[j].total -= keys[j].cost;
        if (keys[j].total > 0 && (line < 0 || keys[j].total > keys[line].total))
            line = j;
    }
    for (size_t k = 0; line >= 0 && k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        /* a run whose own best undoes the line's layers and more below
         * them agrees with the line already */
        if (r->bytes || (r->nout && deeper(&r->hyp, keys[line].hyp)))
            continue;
        /* the text is the reading that costs least under the line's
         * codec: a copy of another codec's reading (alias_lossy) lends
         * the line its score, but its C1 controls dropped cost what they
         * cost under the line's codec (windows-1252 fills "Ä " with "č",
         * dropping its 0x8D cheaply, which Latin-1 reads as well, but
         * dearly; Latin-1's own search found the "ć" that reads better) */
        size_t own = (size_t)-1;
        double own_sc = -INFINITY;
        for (size_t i = r->k0; i < r->k0 + r->nk; i++) {
            const struct cand *c = &s->cands[i];
            if (c->key != keys[line].key)
                continue;
            double sc = c->score;
            if (c->alias && c->l0 != NO_INDEX)
                sc -= ub_reverse_c1_drops(c->hyp.codec[0], &ub_default_loss, &s->lch[c->l0],
                                          c->nout) -
                      ub_reverse_c1_drops(c->alias - 1, &ub_default_loss, &s->lch[c->l0],
                                          c->nout);
            if (sc > own_sc) {
                own = i;
                own_sc = sc;
            }
        }
        for (size_t i = r->k0; i < r->k0 + r->nk; i++) {
            const struct cand *c = &s->cands[i];
            if (c->key != keys[line].key)
                continue;
            double others = keys[line].total + keys[line].cost - (c->score + c->cost);
            double sc = c->score + (others / 4 < LINE_BONUS ? others / 4 : LINE_BONUS);
            /* (the line paid its hypothesis's prior once, where the rest
             * of it stands for more than that: a lossy reading of a run
             * with no repair of its own does not pay it again -- a lone
             * "Ã" before ASCII text amid text garbled twice, a letter
             * that lost a byte.  A lossless one does: clean line art
             * "┼┐a┼┐a" reads as IBM437 mojibake of "ſaſa" where each
             * pair lends the others) */
            if (c->l0 != NO_INDEX && others > c->cost && (!r->nout || r->score <= 0))
                sc += c->cost;
            if (sc > 0 && (!r->nout || r->score < sc))
                run_take(r, own != (size_t)-1 ? &s->cands[own] : c, sc);
        }
    }

    /* a repair that begins with the '?' before its run takes them */
    for (size_t k = 0; k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        if (r->lead && r->nout && r->score > 0) {
            r->c0 -= r->lead;
            r->b0 -= r->lead;
        }
        r->lead = 0;
    }
    int nclean = 0;
    double total = 0;
    for (size_t k = 0; k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        if (r->nout && (r->score > 0 || r->bytes)) {
            int ok = ub_det_verify(ctx, s, r, seg);
            if (ok < 0)
                return UNBAKE_ENOMEM;
            r->fix = ok;
        }
        if (r->bytes)
            continue;
        if (r->fix)
            total += r->score < SCORE_CAP ? r->score : SCORE_CAP;
        else
            nclean += r->certain_clean && !r->qmarks;
    }
    struct run *one = only_repair(s);
    lone_repair(ctx, s, one, nch);
    lone_foreign_fill(s, one, nch);
    lone_mbcs_char(one);
    if (s == ctx->det)
        words_kept(s, nch, total);
    /* (twins count only where the line's evidence is small) */
    if (nclean < CLEAN_MAX && total <= CLEAN_LINE * CLEAN_MAX)
        nclean += twins_kept(s, CLEAN_MAX - nclean);
    /* a line with clean non-ASCII text needs more evidence; bytes that are
     * not UTF-8 are converted whatever */
    if (nclean && total - CLEAN_LINE * (nclean < CLEAN_MAX ? nclean : CLEAN_MAX) <= 0)
        for (size_t k = 0; k < s->nruns; k++)
            s->runs[k].fix &= s->runs[k].bytes;
    /* a lossy repair may have taken the runs after it; a run it took
     * that is free again (the repair lost the line decision, or failed
     * its check) was never evaluated: evaluate it now, after the text
     * decided before it */
    size_t end = 0;
    for (size_t k = 0; k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        int again = r->taken;
        if (r->c0 < end) {
            if (!r->bytes || r->c1 <= end) {
                r->fix = 0;
                continue;
            }
            /* the repair took the UTF-8 before its bytes: they are
             * decoded on their own */
            r->b0 = (uint32_t)byte_at(s, r, end);
            r->c0 = (uint32_t)end;
            again = 1;
        }
        if (again) {
            uint32_t l[2];
            ub_det_context_before(s, k, seg_c2, seg_c1, l);
            r->fix = 0;
            if (r->bytes) {
                r->l2 = l[0];
                r->l1 = l[1];
                if (ub_det_bytes_run(ctx, s, r, seg, nch, -1, NULL))
                    return UNBAKE_ENOMEM;
            } else if (evaluate_run(ctx, s, r, nch, l[0], l[1], 0, (struct support){ 0 })) {
                return UNBAKE_ENOMEM;
            }
            if (r->nout && (r->score > 0 || r->bytes)) {
                int ok = ub_det_verify(ctx, s, r, seg);
                if (ok < 0)
                    return UNBAKE_ENOMEM;
                r->fix = ok;
            }
        }
        if (r->fix)
            end = r->cend;
    }

    if (ub_det_attested_fills(ctx, s, seg, nch) || ub_det_space_joins(ctx, s, seg, nch) ||
        ub_det_legacy_line(ctx, s, seg, nch, seg_c2, seg_c1))
        return UNBAKE_ENOMEM;
    return 0;
}

/* A fixed run's repair may itself read as mojibake (layers lost at
 * different stages); decide the repaired text again, at most
 * MAX_REFINE times, and compose the hypotheses. */
#define MAX_REFINE 2


static int line_is_clean(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t n,
                         size_t a0, uint32_t c2, uint32_t c1, uint32_t *c2p, uint32_t *c1p);

static int rbuf_put(struct repair *b, const void *p, size_t n)
{
    if (ub_reserve((void **)&b->p, &b->cap, b->n + n + 1, 1))
        return -1;
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

/* The ASCII letters of the segment just before c0 and from c1 on into
 * the nested scratch s (refine()). */
static void set_edge_words(const ub_detect_scratch *seg_s, ub_detect_scratch *s, size_t c0,
                           size_t c1)
{
    /* (the word around an empty run in its place: the letters either
     * side; seg_s, a segment's own scratch, has no edges of its own) */
    uint32_t w[WORD_ROOM];
    size_t na, len = ascii_word(seg_s, seg_s->cp, 1, seg_s->nch, c0, c1, NULL, 0, w, &na);
    s->n_wl = (uint8_t)na;
    memcpy(s->edge_wl, w, na * sizeof *w);
    s->n_wr = (uint8_t)(len - na);
    memcpy(s->edge_wr, w + na, (len - na) * sizeof *w);
}

static int refine(unbake_ctx *ctx, struct repair *rp, uint32_t l2, uint32_t l1, size_t c0,
                  size_t cend)
{
    for (int depth = 0; depth < MAX_REFINE && rp->layers < ctx->max_layers; depth++) {
        /* (most repairs begin with what they repaired) */
        size_t a0 = rp->n && rp->p[0] >= 0x80 ? 0 : ub_ascii_prefix(rp->p, rp->n);
        if (a0 == rp->n)
            return 0;
        if (!ctx->nested[depth] && !(ctx->nested[depth] = ub_detect_scratch_new()))
            return UNBAKE_ENOMEM;
        ub_detect_scratch *s = ctx->nested[depth];
        s->lc = ctx->det->lc;
        set_edge_words(ctx->det, s, c0, cend);
        /* most repairs read as clean text: decide() would find nothing
         * in them (line_is_clean() says so for a segment, as here) */
        uint32_t e2, e1;
        int clean = line_is_clean(ctx, s, rp->p, rp->n, a0, l2, l1, &e2, &e1);
        if (clean)
            return clean < 0 ? UNBAKE_ENOMEM : 0;
        /* (the characters around it, for the lexicon: the segment's) */
        s->edge_l1 = l1;
        s->edge_r0 = cend < ctx->det->nch ? ctx->det->cp[cend] : 0;
        size_t nch;
        int rc = decide(ctx, s, rp->p, rp->n, l2, l1, &nch);
        if (rc)
            return rc;
        struct repair next = { 0 };
        size_t at = 0, nfix = 0;    /* at: the next byte to copy */
        int layers = 0;
        for (size_t k = 0; k < s->nruns; k++)
            if (s->runs[k].fix && s->runs[k].hyp.nlayers > layers)
                layers = s->runs[k].hyp.nlayers;
        if (rp->layers + layers > ctx->max_layers)
            return 0;       /* it would undo more layers than allowed */
        for (size_t k = 0; k < s->nruns; k++) {
            struct run *r = &s->runs[k];
            if (!r->fix)
                continue;
            size_t len;
            int marked;
            if (render(ctx, s, r, ctx->lossy == UNBAKE_LOSSY_MARK, &len, &marked)) {
                free(next.p);
                return UNBAKE_ENOMEM;
            }
            size_t b1 = byte_at(s, r, r->cend);
            if (len == b1 - r->b0 && !memcmp(s->obuf, rp->p + r->b0, len))
                continue;   /* marked back to what it was: no repair */
            if (rbuf_put(&next, rp->p + at, r->b0 - at) || rbuf_put(&next, s->obuf, len)) {
                free(next.p);
                return UNBAKE_ENOMEM;
            }
            if (!nfix++) {
                if (ctx->report) {  /* words only for whoever reads them */
                    char d[160];
                    size_t dl = strlen(rp->desc);
                    snprintf(rp->desc + dl, sizeof rp->desc - dl, "; then %s",
                             ub_hyp_describe(&r->hyp, d, sizeof d));
                }
                rp->layers += layers;
                rp->refined = 1;
            }
            rp->score += r->score;
            at = b1;
        }
        if (!nfix)
            return 0;
        if (rbuf_put(&next, rp->p + at, rp->n - at)) {
            free(next.p);
            return UNBAKE_ENOMEM;
        }
        free(rp->p);
        rp->p = next.p;
        rp->n = next.n;
        rp->cap = next.cap;
    }
    return 0;
}

/*
 * Clean text need not be decided: when every run of seg[0..n) fails the
 * gate (ub_could_be_mojibake(), then ub_gate_finish()) in the context decide()
 * would give it (none before it is
 * repaired, so its left context is the text as it is, and with no repair
 * the line's support for weak evidence never arises), decide() finds no
 * hypothesis for any run and writes the segment unchanged.  This checks
 * exactly that, and nothing else, on the bytes: ASCII is skipped a vector
 * at a time and only the runs are decoded.  Any run that is not valid
 * UTF-8, holds a U+FFFD (the loss callback may want it) or passes the gate
 * sends the segment to decide().  c2, c1: the LM context before it (a
 * repair's, for refine()).  Returns 1 when the segment is clean, with
 * the LM context after it in *c2p, *c1p; 0 when it must be decided, with
 * what it found about the runs up to the one it stopped at in s->pre (see
 * struct prerun); -1 when out of memory.
 */
static __attribute__((noinline)) int line_is_clean(unbake_ctx *ctx, ub_detect_scratch *s,
                                                   const uint8_t *seg, size_t n, size_t a0,
                                                   uint32_t c2, uint32_t c1, uint32_t *c2p,
                                                   uint32_t *c1p)
{
    s->npre = 0;
    /* (the codecs the lines before lend, for the weak runs within their
     * reach: carry_reaches()) */
    ub_codec_mask carry = carry_reaches(ctx, s, 0) ? ctx->carry : 0;
    /* (the gate weighs weak evidence as decide() will: the_text_is_clean()) */
    const int rare_ok = the_text_is_clean(ctx, s);
    /* (a run has two bytes at least, and ASCII between runs: at most a
     * run per three bytes of seg[a0..n)) */
    if (ub_reserve((void **)&s->cp, &s->ccap, n + 1, sizeof *s->cp) ||
        ub_reserve((void **)&s->cbytes, &s->cbcap, n + 1, sizeof *s->cbytes) ||
        ub_reserve((void **)&s->pre, &s->precap, (n - a0) / 3 + 1, sizeof *s->pre))
        return -1;
    uint32_t *t = s->cp;
    const uint8_t **bytes = s->cbytes;
    size_t nc = 0;          /* characters before seg[i] */
    ub_codec_rmap_ensure();
    ub_gate_ensure();
    e2_ensure();
    ub_lm_cache_entry *lmc = s->lc;
    for (size_t i = 0; i < n; ) {
        /* seg[0..a0) is ASCII (the caller knows) */
        size_t a = i ? ascii_gap(seg + i, n - i) : a0;
        if (a >= 2)
            c2 = seg[i + a - 2], c1 = seg[i + a - 1];
        else if (a == 1)
            c2 = c1, c1 = seg[i];
        i += a;
        nc += a;
        if (i == n)
            break;
        /* decode the run and take any_pairs() along: within a run every
         * character is non-ASCII, so a lead is weak only at its end,
         * before ASCII or the end of the segment alike */
        size_t k = 0, r0 = i;
        ub_codec_mask prev_lead = 0, paired = 0;
        /* (the masks alone: they are a far smaller table than the rows,
         * whose bytes only a run that pairs needs) */
        do {
            uint32_t b = seg[i], cp;
            const ub_codec_lc *lc;
            /* two two-byte characters at once (Cyrillic, Greek, Arabic,
             * Hebrew...): the same as twice the branch below */
            uint32_t ca, cb;
            if (n - i >= 4 && ub_utf8_two2(seg + i, &ca, &cb) && ca >= 0xA0 && cb >= 0xA0) {
                const ub_codec_lc *la = &ub_codec_lc2_[ca], *lb = &ub_codec_lc2_[cb];
                paired |= (prev_lead & la->cont) | (la->lead & lb->cont);
                prev_lead = lb->lead;
                t[k] = ca;
                t[k + 1] = cb;
                k += 2;
                i += 4;
                continue;
            }
            if (b - 0xC2u <= 0xDFu - 0xC2u) {
                if (i + 1 == n || !ub_utf8_is_cont(seg[i + 1]))
                    return 0;
                cp = (b & 0x1F) << 6 | (seg[i + 1] & 0x3F);
                if (cp < 0xA0)
                    return 0;   /* a C1 control: the gate takes every codec */
                i += 2;
                lc = &ub_codec_lc2_[cp];
            } else if (b - 0xE1u <= 0xECu - 0xE1u && n - i >= 3 &&
                       (seg[i + 1] & 0xC0) == 0x80 && (seg[i + 2] & 0xC0) == 0x80) {
                /* (a three-byte character, CJK and Hangul among them, with
                 * no restriction on its second byte: no U+FFFD either) */
                cp = (b & 0x0F) << 12 | (seg[i + 1] & 0x3Fu) << 6 | (seg[i + 2] & 0x3Fu);
                i += 3;
                lc = &ub_codec_lcs_[ub_codec_row_index_page(cp)];
            } else {
                int len = ub_utf8_decode_fast(seg + i, n - i, &cp);
                if (!len || cp == 0xFFFD)
                    return 0;
                i += (size_t)len;
                lc = &ub_codec_lcs_[ub_codec_row_index(cp)];
            }
            paired |= prev_lead & lc->cont;
            prev_lead = lc->lead;
            t[k++] = cp;
        } while (i < n && seg[i] >= 0x80);
        /* ub_could_be_mojibake() of the run (the joiner after it, if any,
         * changes none of its counts): the codecs it finds take the run
         * to decide(), and so does text garbled twice; the weak codecs
         * are those of the lead at its end (no pairs: no text garbled
         * twice either) */
        struct prerun *q = &s->pre[s->npre++];
        q->c0 = nc;
        q->l2 = c2;
        q->l1 = c1;
        q->cbm.maybe = q->cbm.twice = q->cbm.cut2 = 0;
        q->cbm.weak_at = prev_lead ? (uint32_t)(k - 1) : 0;
        if (paired) {
            for (size_t j = 0; j < k; j++)
                bytes[j] = ub_codec_row_or_empty(t[j])->byte;
            q->cbm.maybe = ub_gate_counts(bytes, k, paired, &q->cbm.twice, &q->cbm.cut2);
        }
        q->cbm.weak = prev_lead & ~q->cbm.maybe;
        if (k == 1 && !paired)
            q->cbm.weak |= ub_gate_lone_cont(t[0], r0 ? seg[r0 - 1] : 0, i < n ? seg[i] : 0);
        q->clean = 0;
        q->weak_gated = 0;
        if (q->cbm.maybe || q->cbm.twice)
            return 0;
        int weak_ok, cjk;
        ub_codec_mask lone;
        if (ub_gate_finish(ctx->lm, lmc, t, k, c2, c1, 0, 0, q->cbm.weak, q->cbm.weak_at,
                           rare_ok, &weak_ok, &q->weak_gated, &cjk) ||
            cjk ||
            (__builtin_expect(carry != 0, 0) && q->weak_gated && (q->cbm.weak & carry) &&
             carry_odd_run(ctx, nc, t, k, c2, c1, i < n ? seg[i] : '\n')) ||
            (((k == 1 && q->weak_gated == 1 && e2_maybe(t[0])) ||
              (k == 2 && letter_around(s, seg, 0, n, r0, i))) &&
             (lone = lone_unknown_seg(s, seg, n, r0, i, t, k,
                                      q->weak_gated == 1 ? q->cbm.weak : 0)) &&
             ub_lm_logp_in(lmc, ctx->lm, c2, c1, t[0]) <= lone_logp_bar(t[0], lone)) ||
            /* (a lone lead before a '?' for each of its continuation
             * bytes is for decide() to weigh: qmarks_fill()) */
            (q->weak_gated && i + 1 < n && seg[i] == '?' && seg[i + 1] == '?'))
            return 0;
        q->clean = 1;
        if (k >= 2)
            c2 = t[k - 2], c1 = t[k - 1];
        else
            c2 = c1, c1 = t[0];
        nc += k;
    }
    *c2p = c2;
    *c1p = c1;
    return 1;
}

int ub_detect_segment(unbake_ctx *ctx, const uint8_t *seg, size_t n, size_t a0)
{
    ub_detect_scratch *s = ctx->det;
    size_t nch;
    if (a0 == n) {
        /* nothing to repair in pure ASCII: copy it, keep the LM context */
        if (ub_emit(ctx, seg, n))
            return UNBAKE_EWRITE;
        ctx->carry_dist += n;
        for (size_t j = n > 2 ? n - 2 : 0; j < n; j++) {
            ctx->c2 = ctx->c1;
            ctx->c1 = seg[j];
        }
        return 0;
    }
    if (!ctx->lm) {
        /* loaded on first need: pure ASCII never pays for it */
        if (ub_lm_builtin_status())
            return UNBAKE_EDATA;
        ctx->lm = ub_lm_builtin();
    }
    uint32_t c2, c1;
    /* (the thread's log P cache, for every look-up of the segment and
     * of the repairs refine() decides again) */
    s->lc = ub_lm_cache_for(ctx->lm);
    int clean = line_is_clean(ctx, s, seg, n, a0, ctx->c2, ctx->c1, &c2, &c1);
    if (clean < 0)
        return UNBAKE_ENOMEM;
    if (clean) {
        if (ub_emit(ctx, seg, n))
            return UNBAKE_EWRITE;
        seen_note(ctx, 0);
        ctx->carry_dist += n;   /* (bytes: at least the characters) */
        ctx->c2 = c2;
        ctx->c1 = c1;
        return 0;
    }
    int rc = decide(ctx, s, seg, n, ctx->c2, ctx->c1, &nch);
    if (rc)
        return rc;
    long nfixed = ctx->nfixed;

    /* write */
    size_t at = 0, bat = 0; /* next character to copy, and its byte */
    struct repair rp = { 0 }, filled = { 0 };
    for (size_t k = 0; k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        if (!r->fix)
            continue;
        size_t len, b1 = byte_at(s, r, r->cend);
        int marked;
        rp.n = 0;
        if (render(ctx, s, r, ctx->lossy == UNBAKE_LOSSY_MARK, &len, &marked) ||
            rbuf_put(&rp, s->obuf, len))
            goto nomem;
        /* (mark mode can give a lossy repair back its input: a lone
         * U+FFFD filled below the confidence asked for) */
        if (len == b1 - r->b0 && !memcmp(s->obuf, seg + r->b0, len))
            continue;
        if (emit_kept(ctx, s, seg, at, r->c0, bat, r->b0, nch))
            goto write_error;
        if (ctx->report)
            ub_hyp_describe(&r->hyp, rp.desc, sizeof rp.desc);
        rp.score = r->score;
        rp.layers = r->hyp.nlayers;
        rp.refined = 0;
        /* a U+FFFD the mark mode wrote is no evidence of a lost byte:
         * the repair is decided again as filled, and only if that finds
         * mojibake in it, as written (else "\u00F0\u0178\u201C\uFFFD\u00C2 ",
         * an emoji with a byte lost and an NBSP as a space, marked, then
         * read as U+FFFD for an ISO-8859-8 byte lost before the NBSP,
         * lost the NBSP too) */
        int again = 1;
        if (marked) {
            size_t flen;
            filled.n = 0;
            if (render(ctx, s, r, 0, &flen, &marked) || rbuf_put(&filled, s->obuf, flen))
                goto nomem;
            filled.layers = rp.layers;
            filled.refined = 0;
            if ((rc = refine(ctx, &filled, r->l2, r->l1, r->c0, r->cend)))
                goto out;
            again = filled.refined;
        }
        if (again && (rc = refine(ctx, &rp, r->l2, r->l1, r->c0, r->cend)))
            goto out;
        if (ctx->report)
            ub_det_report_run(ctx, s, r, seg, &rp);
        if (ub_emit(ctx, rp.p, rp.n))
            goto write_error;
        ctx->nfixed++;
        at = r->cend;
        bat = b1;
    }
    if (emit_kept(ctx, s, seg, at, nch, bat, n, nch))
        goto write_error;
    carry_note(ctx, s, nch);
    seen_note(ctx, ctx->nfixed != nfixed);
    /* the LM context carried into the next segment */
    for (size_t j = nch > 2 ? nch - 2 : 0; j < nch; j++) {
        ctx->c2 = ctx->c1;
        ctx->c1 = s->cp[j] == INVALID_CP ? UB_LM_BOS : s->cp[j];
    }
    rc = 0;
    goto out;
write_error:
    rc = UNBAKE_EWRITE;
    goto out;
nomem:
    rc = UNBAKE_ENOMEM;
out:
    free(rp.p);
    free(filled.p);
    return rc;
}
