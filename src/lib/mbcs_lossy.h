/*
 * mbcs_lossy.h -- UTF-8 misread as a multibyte (CJK) codec WITH losses
 * (internal): the reverse search and its forward simulation.
 *
 * The lossless case (every byte decoded) is ub_mbcs_encode() and a UTF-8
 * decode; search_mbcs() in detect.c does it.  Here the wrong decoder met
 * bytes it could not decode and, following one of the conventions of the
 * table in mbcs.h, wrote a marker for them or dropped them; the result was
 * saved as UTF-8.  The bytes behind a marker are lost, but not arbitrary:
 *
 *  - they are UTF-8: the known bytes around them say how many continuation
 *    bytes a lead needs, and which bytes may follow which;
 *  - they are exactly what the decoder could NOT decode, and as long as
 *    the convention says (ICU's error length depends on the byte after a
 *    lead: a valid but unmapped trail is swallowed, an invalid one is not);
 *  - the characters they complete are ordinary text, which the character
 *    language model scores.
 *
 * ub_mbcs_reverse_lossy() searches, with a beam over the run's characters,
 * for the most probable original: each character of the run becomes the
 * byte sequences that decode to it (ub_mbcs_encode_alts()), each marker one
 * to three unknown bytes (a wildcard class: lead of a 2/3/4-byte sequence,
 * continuation byte, or ASCII), and the byte stream is read as UTF-8.  A
 * character with unknown bytes is resolved when its last byte arrives: the
 * candidates that fit its known bytes (all of them when at most 256 fit,
 * else the language model's vocabulary), filtered by the decoder constraint
 * of every marker they touch, are scored by the model.  The winner is
 * checked forward: ub_mbcs_decode_conv() of its UTF-8 must give the run
 * back exactly, or the next best is tried.
 *
 * The conventions (see the table in mbcs.h for what real decoders do):
 *
 *   conv    marker              bytes per marker
 *   ------  ------------------  -----------------------------------------
 *   ICU     U+FFFD              ICU's error length: 2 for a lead and a
 *                               valid but unmapped trail, 1 for a lead
 *                               before an invalid trail or the end, 1 for
 *                               a byte that is no lead (3: EUC-JP 0x8F)
 *   PYTHON  U+FFFD              1; the next byte is decoded again
 *   WIN     '?' (U+30FB for     2 when the first is a lead byte and any
 *           shift_jis)          byte follows (even ASCII: it is lost with
 *                               the lead), else 1
 *   DROP    none                ICU's error length; nothing is written, so
 *                               where bytes went missing is found from the
 *                               UTF-8 structure alone
 *
 * A '?' or U+30FB may also be a real character: under WIN both readings
 * are tried, never forced.  A U+FFFD can only be a marker (no codec maps a
 * byte sequence to it): under WIN and DROP a run holding one has no
 * reconstruction.
 *
 * Thread safety: the per-codec decoder tables (ICU's error lengths,
 * generated ahead of time into mbcs_tables.bin, and what follows from
 * them) are set up once under a lock and then only read; a scratch and an
 * ub_mbcs_cache serve one thread.  The code: mbcs_lossy_conv.c (the
 * conventions and the forward simulation), mbcs_lossy_beam.c (the search),
 * mbcs_lossy_cand.c (the fill candidates), mbcs_lossy.c (the entry and the
 * result).
 */
#ifndef UB_MBCS_LOSSY_H
#define UB_MBCS_LOSSY_H

#include <stddef.h>
#include <stdint.h>

#include "alphabet.h"
#include "hyp.h"
#include "mbcs.h"
#include "model.h"
#include "reverse.h"

/** What the wrong decoder did with bytes it could not decode. */
typedef enum {
    UB_MBCS_CONV_ICU = 0,       /* U+FFFD per error sequence (ICU, browsers) */
    UB_MBCS_CONV_PYTHON = 1,    /* U+FFFD per byte (Python 'replace') */
    UB_MBCS_CONV_WIN = 2,       /* '?' / U+30FB (MultiByteToWideChar) */
    UB_MBCS_CONV_DROP = 3,      /* dropped (iconv -c, 'ignore') */
    UB_MBCS_NCONV
} ub_mbcs_conv_e;

/** Bit mask of every convention, for ub_mbcs_reverse_lossy(). */
#define UB_MBCS_CONV_ALL ((1u << UB_MBCS_NCONV) - 1u)

/**
 * Loss costs in nats, on the scale of the single-byte ub_default_loss in
 * reverse.c (U+FFFD 0.5, '?' 1.0, a dropped byte 1.5).  Charged per marker
 * read as lost bytes (per dropped sequence for DROP), plus a once-per-run
 * prior for the less common conventions.  They rank conventions and the
 * literal-or-marker reading of '?'; the language model ranks the fills.
 * A lost ASCII byte (Windows' lead taking the byte after it) has no cost
 * of its own: the model already charges for the character it invents, and
 * an extra cost (0.3 and 1.0 nats were tried) made the Windows fills worse
 * where the byte was really lost.
 */
#define UB_MBCS_LOSS_FFFD 0.5
#define UB_MBCS_LOSS_QMARK 1.0
#define UB_MBCS_LOSS_DROP 2.0
#define UB_MBCS_PRIOR_PYTHON 1.0
#define UB_MBCS_PRIOR_WIN 1.0
#define UB_MBCS_PRIOR_DROP 2.0

/** @return the short name of a convention ("icu", "python", "windows",
 *          "dropped"), or NULL for a bad value. */
const char *ub_mbcs_conv_name(ub_mbcs_conv_e conv);

/**
 * The marker convention conv writes for codec id: U+FFFD (ICU, PYTHON),
 * U+30FB for shift_jis under WIN and '?' for the others, 0 for DROP.
 */
uint32_t ub_mbcs_conv_marker(int id, ub_mbcs_conv_e conv);

/**
 * Forward simulation: decode bytes with codec id the way conv does (the
 * table above; ICU and DROP through ub_mbcs_decode(), PYTHON and WIN from
 * the tables, byte by byte).  The round-trip check of every reconstruction.
 * @param cache  converters; must not be NULL.
 * @param in, n  the bytes, a complete text (a lead byte at the end is
 *               undecodable).
 * @param out    receives the code points; cap >= n always suffices.
 * @return the number of code points written, or -1 if cap is too small,
 *         id or conv is bad, or a converter cannot be opened.
 */
long ub_mbcs_decode_conv(ub_mbcs_cache *cache, int id, ub_mbcs_conv_e conv, const uint8_t *in,
                         size_t n, uint32_t *out, size_t cap);

/** Scratch memory of the search, reused across calls (one thread). */
typedef struct ub_mbcs_lossy_scratch ub_mbcs_lossy_scratch;

/** @return a new scratch, or NULL when out of memory. */
ub_mbcs_lossy_scratch *ub_mbcs_lossy_scratch_new(void);

/** Free a scratch and everything its results point into; NULL is a no-op. */
void ub_mbcs_lossy_scratch_free(ub_mbcs_lossy_scratch *s);

/**
 * A reconstruction.  The arrays live in the scratch and stay valid until
 * its next use.
 */
typedef struct {
    uint32_t *cps;              /* the original text, nchars code points */
    ub_lchar *chars;            /* the same with, per character, gap = 1 when
                                   some of its bytes were lost, and per UTF-8
                                   byte the ub_op_e that lost it (FFFD,
                                   QMARK or DROP) */
    size_t nchars;
    ub_gapalt *gaps;            /* per gap character (index = its position
                                   in cps), the alternatives that also round
                                   trip, chosen first, with posteriors */
    size_t ngaps;
    ub_mbcs_conv_e conv;        /* the convention that explains the run */
    unsigned nlost;             /* markers read as lost bytes (DROP: dropped
                                   sequences) */
    unsigned nliteral;          /* '?' / U+30FB kept as real characters */
    double lm;                  /* log P(cps | l2 l1) incl. the junction with
                                   right[] */
    double cost;                /* loss costs in nats: UB_MBCS_LOSS_* per
                                   loss plus the convention's prior */
} ub_mbcs_lossy_result;

/**
 * Lossy reverse: the most probable UTF-8 text whose decoding with codec id
 * under one of the conventions in convs gives in[0..n), markers included.
 * Best = highest lm - cost.  Conventions the run cannot be under are
 * skipped (ICU and PYTHON need a U+FFFD, WIN its marker; WIN and DROP
 * exclude U+FFFD).  A lossless reading (no marker used, nothing dropped) is
 * never returned: that is search_mbcs()'s job.
 * @param s       scratch.
 * @param cache   converters for the forward check; must not be NULL.
 * @param id      the multibyte codec (mbcs.h).
 * @param convs   bit (1 << ub_mbcs_conv_e) per convention to try;
 *                UB_MBCS_CONV_ALL for all.
 * @param in, n   the run as it stands; 1 <= n <= UB_MBCS_LOSSY_MAXRUN.
 * @param lm      the language model.
 * @param l2, l1  the two characters before the run (UB_LM_BOS if none).
 * @param right, nright  up to two characters after the run: scored as the
 *                junction, and the decoder constraint of a marker at the
 *                very end looks at the first one's byte (nright == 0: the
 *                run ends the text; a line break: the decoder's input may
 *                have ended before it, as when text is decoded line by
 *                line).  The forward check decodes the run with the ASCII
 *                character after it, unless that is a line break.
 * @param res     receives the reconstruction.
 * @param steps   increased by the work done (beam expansions and candidate
 *                characters tried): at most about UB_MBCS_LOSSY_STEPS per
 *                character of the run and convention.
 * @return 0; -1 when no reconstruction exists (or none checks forward);
 *         -2 when out of memory, an argument is bad (n out of range), or
 *         the codec's tables cannot be built.
 */
int ub_mbcs_reverse_lossy(ub_mbcs_lossy_scratch *s, ub_mbcs_cache *cache, int id,
                          unsigned convs, const uint32_t *in, size_t n, const ub_lm *lm,
                          uint32_t l2, uint32_t l1, const uint32_t *right, size_t nright,
                          ub_mbcs_lossy_result *res, uint64_t *steps);

/**
 * The letters of the languages the line may be in (alphabet.h), for the
 * next searches of scratch s, or NULL (the default) for none: a fill that
 * is a letter of some alphabet but none of these ranks lower in the beam
 * (Czech "kart\u011B" read as Big5, its last letter lost, came back as
 * Romanian "kart\u0103").  Only the choice of the reading: the result's
 * lm is the model's alone.  The set must stay valid during the searches.
 */
void ub_mbcs_lossy_use_alphabet(ub_mbcs_lossy_scratch *s, const ub_alpha *alpha);

/**
 * A search of scratch s gives up, finding nothing, once the step counter
 * it is given reaches limit (0, the default: never).  The caller's bound on
 * the work for a stretch of input: the beam's cost per character is
 * constant but large where every byte may have been dropped.
 */
void ub_mbcs_lossy_set_step_limit(ub_mbcs_lossy_scratch *s, uint64_t limit);

/** Longest run ub_mbcs_reverse_lossy() takes (characters). */
#define UB_MBCS_LOSSY_MAXRUN 4096

/** Bound on *steps per character and convention (see above). */
#define UB_MBCS_LOSSY_STEPS 400000

#endif
