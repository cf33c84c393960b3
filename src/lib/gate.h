/*
 * gate.h -- the detector's first test of a run (gate.c): the codecs under
 * which it may be UTF-8 mojibake.  Internal.
 */
#ifndef UNBAKE_GATE_H
#define UNBAKE_GATE_H

#include <stddef.h>
#include <stdint.h>

#include <unicode/uchar.h>

#include "codec.h"
#include "model.h"

#define WEAK_LOGP (-12.0)   /* mean log P per character for weak evidence */
#define MBCS_LOGP (-9.0)    /* mean log P per character to try multibyte codecs */

/* Build the gate's tables if they are not built yet (thread-safe; asked
 * for every run and line, so the check is inline). */
extern int ub_gate_ready_;
extern ub_codec_mask ub_gate_lone_[0x60];   /* ub_gate_lone_cont(), U+00A0.. */
extern ub_codec_mask ub_gate_lead_lost_;    /* ub_codec_lead_lost() */
void ub_gate_init_(void);
static inline void ub_gate_ensure(void)
{
    if (!__atomic_load_n(&ub_gate_ready_, __ATOMIC_ACQUIRE))
        ub_gate_init_();
}

/*
 * The codecs under which t[0..n) may be UTF-8 read through them: most lead
 * bytes followed by a continuation, and (where the codec loses no byte)
 * most sequences whole.  bytes: room for n, gets each character's bytes
 * under every codec.  *weakp: the codecs under which a lead stands alone
 * before ASCII text or at the end, the first at *weak_at; *twicep: the
 * codecs that read it as garbled twice by a decoder that drops bytes;
 * *cutp: those under which a two-byte sequence is cut short.  All codecs
 * for a run with a C1 control.
 */
ub_codec_mask ub_could_be_mojibake(const uint32_t *t, size_t n, const uint8_t **bytes,
                                   ub_codec_mask *weakp, size_t *weak_at, ub_codec_mask *twicep,
                                   ub_codec_mask *cutp);

/* The counting half of ub_could_be_mojibake(), given the codecs under
 * which a lead is followed by a continuation (paired) and the bytes
 * (after ub_gate_ensure()). */
ub_codec_mask ub_gate_counts(const uint8_t *const *bytes, size_t n, ub_codec_mask paired,
                             ub_codec_mask *twicep, ub_codec_mask *cutp);

/* The codecs that can lose a continuation byte under which some lead of
 * t[0..n) is followed by a non-ASCII character that cannot continue it. */
ub_codec_mask ub_cut_codecs(const uint32_t *t, size_t n);

/* Is c a character the multibyte codecs make of UTF-8 (CJK, Hangul,
 * full-width forms)? */
static inline int ub_gate_is_cjk(uint32_t f)
{
    return (f >= 0x2E80 && f <= 0x9FFF) || (f >= 0xAC00 && f <= 0xD7AF) ||
           (f >= 0xF900 && f <= 0xFAFF) || (f >= 0xFF00 && f <= 0xFFEF);
}

/*
 * Should the multibyte codecs be tried on in[0..n) (after l2 l1)?  What
 * they produce from UTF-8 is CJK text that reads badly (rare characters in
 * odd order), possibly after private-use characters (Shift_JIS reads the
 * F0 9F that begins an emoji as a user-defined character, then the rest as
 * kanji or half-width kana; a run of private-use characters alone is an
 * icon font's); clean CJK text need not pay for their tables.  The text
 * may also begin with the U+FFFD or '?' a lossy decoder wrote for the
 * first bytes of a character, or with the C1 control ICU's Big5 makes of a
 * lone 0x80, and the first character after them may be one of the codec's
 * symbols (EUC-JP's "\u226A" before kana).
 */
static inline int ub_gate_cjk_slow(const ub_lm *lm, ub_lm_cache_entry *lc, const uint32_t *in,
                                   size_t n, uint32_t l2, uint32_t l1);

/* May c hide a CJK character after it (ub_gate_cjk() skips it)? */
static inline int ub_gate_cjk_skips(uint32_t c)
{
    return c - 0xE000u <= 0xF8FFu - 0xE000u || c == 0xFFFD || c == '?' || c - 0x80u < 0x20u;
}

/* ub_gate_cjk() with lc: ub_lm_cache_for(lm), or NULL to have it fetched
 * if needed. */
static inline __attribute__((always_inline)) int ub_gate_cjk_in(const ub_lm *lm,
                                                                  ub_lm_cache_entry *lc,
                                                                  const uint32_t *in, size_t n,
                                                                  uint32_t l2, uint32_t l1)
{
    /* (most runs: their first two characters are below U+2E80 and no C1
     * control, so neither CJK nor skipped) */
    if (n && in[0] - 0xA0u < 0x2E80u - 0xA0u && (n == 1 || in[1] - 0xA0u < 0x2E80u - 0xA0u))
        return 0;
    return ub_gate_cjk_slow(lm, lc, in, n, l2, l1);
}

static inline __attribute__((always_inline)) int ub_gate_cjk(const ub_lm *lm, const uint32_t *in,
                                                               size_t n, uint32_t l2, uint32_t l1)
{
    return ub_gate_cjk_in(lm, NULL, in, n, l2, l1);
}

static inline int ub_gate_cjk_slow(const ub_lm *lm, ub_lm_cache_entry *lc, const uint32_t *in,
                                   size_t n, uint32_t l2, uint32_t l1)
{
    size_t r = 0;
    while (r < n && (in[r] == 0xFFFD || in[r] == '?'))
        r++;
    int han = 0, other = 0;
    for (size_t i = r; i < n && !han && other < 2; i++) {
        uint32_t f = in[i];
        if (ub_gate_cjk_skips(f))
            continue;
        han = ub_gate_is_cjk(f);
        other++;
    }
    if (!han)
        return 0;
    /* (those leading markers count only as context: in a row, the model
     * may know them well; a '?' further on, which only a span across runs
     * holds, not at all) */
    uint32_t w[8];
    size_t m = 0;
    for (size_t i = r; i < n && m < 8; i++)
        if (in[i] != '?')
            w[m++] = in[i];
    /* (ub_lm_score(), the cache at hand) */
    if (!lc)
        lc = ub_lm_cache_for(lm);
    uint32_t c2 = r >= 2 ? in[r - 2] : r ? l1 : l2, c1 = r ? in[r - 1] : l1;
    double sum = 0.0;
    for (size_t i = 0; i < m; i++) {
        sum += ub_lm_logp_in(lc, lm, c2, c1, w[i]);
        c2 = c1;
        c1 = w[i];
    }
    return sum <= MBCS_LOGP * (double)m;
}

/* The codecs that read c as a continuation byte and lack some lead byte,
 * which a decoder may have dropped or replaced before it (after
 * ub_gate_ensure()). */
static inline ub_codec_mask ub_gate_headless(uint32_t c)
{
    return ub_codec_lcs_[ub_codec_row_index(c)].cont & ub_gate_lead_lost_;
}

/* ... where c is a letter. */
static inline ub_codec_mask ub_gate_lone_letter(uint32_t c)
{
    ub_codec_mask m = ub_gate_headless(c);
    return m && u_isalpha((UChar32)c) ? m : 0;
}

/*
 * The codecs under which c, the one character of its run, is a
 * continuation byte alone whose lead the codec may have dropped or
 * replaced: it lacks some lead byte ("hj\u00A4lp" for "hj\u00E4lp"
 * through ISO-8859-3, which has no 0xC3 and drops it, "daf?\u0135r" for
 * "daf\u00FCr" where it writes '?' for it).  After a '?' (left, where
 * the lead was) any such character; next to an ASCII letter, before or
 * after it, a Latin-1 symbol (no letter, no quotation mark: clean text
 * writes letters next to letters; "Men\u00BC" for "Men\u00FC" through
 * ISO-8859-8); after an ASCII letter a letter beyond Latin-1, wherever the
 * word goes on ("d\u0130lai", "o\u0131 une" for "d\u00E9lai", "o\u00F9
 * une" through ISO-8859-3: Turkish and Polish write such letters so, where
 * they read well; ub_gate_lone_letter()).  Weak evidence, as a lead alone
 * is: it counts only where the character reads badly there
 * (ub_gate_finish(): "30 \u00B0C" and "12 m\u00B2" read well).
 * line_is_clean() and decide() gate the run with it alike.
 */
static inline ub_codec_mask ub_gate_lone_cont(uint32_t c, uint32_t left, uint32_t right)
{
    if (left == '?')
        return c >= 0xA0 ? ub_gate_headless(c) : 0;
    if (c - 0xA0u >= 0x60u)
        return c >= 0x100 && (left | 0x20) - 'a' < 26 ? ub_gate_lone_letter(c) : 0;
    return (right | 0x20) - 'a' < 26 || (left | 0x20) - 'a' < 26 ? ub_gate_lone_[c - 0xA0] : 0;
}

/*
 * The codecs that drop continuation bytes under which every non-ASCII
 * character of t[0..n), two at least, is a lead of two bytes: text
 * garbled twice whose outer layer dropped the one continuation of each
 * intermediate character leaves no pair to show for it ("c\u00C4\u0139mo"
 * for "c\u00F3mo" through ISO-8859-2 twice: "\u00F3" is "\u0102\u0142", C4
 * 82 C5 82, whose 0x82 the outer layer dropped).
 */
ub_codec_mask ub_gate_leads2(const uint32_t *t, size_t n);

/*
 * Does the first character of the run t[0..n) weigh its weak evidence
 * (under the codecs weak) as well as its last lead: is the run such
 * leads alone (ub_gate_leads2()) after a small ASCII letter (left)?
 * "\u0139" reads well enough after "c\u00C4", the capital inside a word
 * does not; capitals in clean text stand between capitals or spaces, not
 * inside a word of small letters.
 */
static inline int ub_gate_weak_first(const uint32_t *t, size_t n, uint32_t left,
                                     ub_codec_mask weak)
{
    if (__builtin_expect(n < 2 || left - 'a' >= 26u, 1))
        return 0;
    return (ub_gate_leads2(t, n) & weak) != 0;
}

/*
 * The gate of a run in[0..n) (after l2 l1), given what ub_could_be_mojibake()
 * found in it (maybe, the weak codecs and the weak lead's index w): the
 * codecs that may have made it from UTF-8, and in *cjk whether the
 * multibyte codecs should be tried.  rare_ok: the text so far was clean,
 * where a lead that reads badly is a rare letter written right, and its
 * weak evidence counts only as line_weak lends it.  A run for which the two find
 * neither is clean, whatever follows: line_is_clean() relies on it.  lc:
 * ub_lm_cache_for(lm), or NULL to have it fetched if needed.  (Inlined
 * always: its callers gate a run at a time, and a call costs as much as
 * the gate of most runs.)
 */
static inline __attribute__((always_inline)) ub_codec_mask
ub_gate_finish(const ub_lm *lm, ub_lm_cache_entry *lc, const uint32_t *in, size_t n, uint32_t l2,
               uint32_t l1, ub_codec_mask line_weak, ub_codec_mask maybe, ub_codec_mask weak,
               size_t w, int rare_ok, int *weak_ok, int *weak_gated, int *cjk)
{
    *weak_ok = 0;
    /* weak evidence counts only where the lead character reads badly, or,
     * under their codecs, where repairs nearby stand for it (line_weak) */
    if (weak) {
        uint32_t c1 = w ? in[w - 1] : l1, c2 = w >= 2 ? in[w - 2] : w == 1 ? l1 : l2;
        if (!lc)
            lc = ub_lm_cache_for(lm);
        if (weak & line_weak) {
            maybe |= weak & line_weak;
            *weak_ok = 1;
        } else if (!rare_ok && (ub_lm_logp_in(lc, lm, c2, c1, in[w]) <= WEAK_LOGP ||
                                (ub_gate_weak_first(in, n, l1, weak) &&
                                 ub_lm_logp_in(lc, lm, l2, l1, in[0]) <= WEAK_LOGP))) {
            /* (on its own it allows one lost byte a character: a lone 'â'
             * that was '’' needs the line's support, as below, or the
             * lexicon's: detect.c's lone_unknown_run()) */
            maybe |= weak;
            *weak_ok = 1;
            *weak_gated = 3;
        } else {
            *weak_gated = 1;
        }
    }
    *cjk = ub_gate_cjk_in(lm, lc, in, n, l2, l1);
    return maybe;
}

#endif
