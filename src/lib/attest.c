/*
 * attest.c -- fills of lost bytes that the segment itself attests.
 *
 * The lossy search fills each damaged word from its own context alone, so
 * the same word can come out filled one way where it lost a byte and be
 * whole a few words on ("Zurich" beside "Zürich").  Once the runs of a
 * segment are decided, a damaged word whose kept characters match a word
 * of the segment that lost nothing, and whose filled characters that word
 * can stand for (the bytes kept decode alike, the bytes lost are ones the
 * codec loses), takes that word's letters.  Failing that, a word the
 * fills make that the lexicon (lex.h) does not know gives way to one it
 * knows that the same kept bytes make, where the model likes it nearly as
 * well.  The forward check of every run it touches must still hold;
 * otherwise the fill stays as it was.  Last, a letter that lost its NBSP
 * before a space takes the space for it where the lexicon says so
 * ("Ã quele" is "àquele": ub_det_space_joins()).
 */
#include <math.h>
#include <string.h>
#include <unicode/uchar.h>
#include "detect.h"
#include "lex.h"
#include "model.h"
#include "mem.h"
#include "engine.h"

/* Characters that make up a word: ASCII letters and digits, and the
 * non-ASCII characters past the Latin-1 symbols but for the general and
 * CJK punctuation.  (Rough on purpose: it only has to cut a line into the
 * words two occurrences of one word would share.) */
static inline int word_char(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) - 'a' < 26 || c - '0' < 10;
    if (c < 0xC0 || c == 0xD7 || c == 0xF7 || c == 0xFFFD || c == INVALID_CP)
        return 0;
    return !(c >= 0x2000 && c < 0x2070) && !(c >= 0x3000 && c < 0x3040) &&
           !(c >= 0xFF00 && c < 0xFF10);
}

/* The small letter of a capital (ICU's simple case mapping, which knows
 * every cased alphabet: Latin Extended-B and Vietnamese "Ơ" "Ư" too); any
 * other character as it is.  (A word capitalised at the start of a
 * sentence is the same word.)  A mapping that changes the length in UTF-8
 * ("İ" to "i") is left out: a fill must take its gap's bytes. */
static uint32_t fold(uint32_t c)
{
    if (c < 0x80)
        return c - 'A' < 26 ? c + 32 : c;
    uint32_t l = (uint32_t)u_tolower((UChar32)c);
    return ub_utf8_len(l) == ub_utf8_len(c) ? l : c;
}

/* The segment as it will be written: characters, and for those of a
 * lossy repair which run and which of its characters. */
struct attch {
    uint32_t cp;
    uint32_t run;       /* NO_INDEX: not a lossy repair's */
    uint32_t i;
};

/* Words longer than this are left as they are; at most this many damaged
 * words that look the same take one reading together, and only words of
 * AGREE_MIN letters or more (a short damaged word can be many: "b?ng" is
 * "bằng" and "bảng", "?ות" is "אות" and "מות"). */
#define MAX_WORD 64
#define ATTEST_MAX 16384
#define MAX_GROUP 16
#define AGREE_MIN 5

/* A word of the same stem attests a damaged word's fills where it begins
 * as the damaged word does up to PREFIX_PAST letters past its last gap,
 * PREFIX_MIN letters at least. */
#define PREFIX_PAST 3
#define PREFIX_MIN 5

/* A damaged word of the segment. */
struct attword {
    uint32_t a, len;    /* characters t[a..a+len) */
    uint8_t attested;   /* a word that lost nothing reads as it does */
};

/* Is r a repair of UTF-8 mojibake whose characters the lossy search
 * read (so some may fill a gap)? */
static int lossy_read(const struct run *r)
{
    return !r->bytes && r->l0 != NO_INDEX && r->hyp.kind == UB_HYP_UTF8;
}

static int is_gap(const ub_detect_scratch *s, const struct attch *t)
{
    return t->run != NO_INDEX && s->lch[s->runs[t->run].l0 + t->i].gap;
}

/* Is t a character the lossy search guessed: a gap, or (two layers) one
 * whose intermediate character was one of several, or one it restored a
 * lost byte of (a soft hyphen stripped), which a byte dropped would have
 * left alike?  Hungarian "akadálymentesítés" through windows-1257, which
 * drops the A1 of "á" and has a soft hyphen at AD, came back
 * "akadílymentesítés" (C3 AD, the hyphen restored): a word the lexicon
 * does not know, whose restored letter it did not look at. */
static int is_guess(const ub_detect_scratch *s, const struct attch *t)
{
    if (t->run == NO_INDEX)
        return 0;
    const ub_lchar *c = &s->lch[s->runs[t->run].l0 + t->i];
    return c->gap || c->guess || ub_op_lost(c->ops[0]) || ub_op_lost(c->ops[1]) ||
           ub_op_lost(c->ops[2]) || ub_op_lost(c->ops[3]);
}

/* The capital of a small letter (as fold(), the other way); any other
 * character as it is. */
static uint32_t upper(uint32_t c)
{
    if (c < 0x80)
        return c - 'a' < 26 ? c - 32 : c;
    uint32_t u = (uint32_t)u_toupper((UChar32)c);
    return ub_utf8_len(u) == ub_utf8_len(c) ? u : c;
}

/* The letter for gap character x that a word which lost nothing has
 * as y: y in x's case, or 0 where it takes another number of bytes. */
static uint32_t fill_for(uint32_t x, uint32_t y)
{
    y = fold(x) == x ? fold(y) : upper(fold(y));
    return ub_utf8_len(y) == ub_utf8_len(x) ? y : 0;
}

/* The alternatives of gap character i of run r (where a report asked for
 * them) list the one written, c, first (reverse.h). */
static void chosen_first(ub_detect_scratch *s, const struct run *r, size_t i, uint32_t c)
{
    for (size_t g = 0; g < r->ng; g++) {
        ub_gapalt *ga = &s->gaps[r->g0 + g];
        if (ga->index != i)
            continue;
        for (int k = 1; k < ga->nalt; k++)
            if (ga->alt[k].cp == c) {
                ub_alt first = ga->alt[k];
                memmove(&ga->alt[1], &ga->alt[0], (size_t)k * sizeof *ga->alt);
                ga->alt[0] = first;
            }
    }
}

static void put_cp(ub_detect_scratch *s, const struct attch *x, uint32_t cp)
{
    const struct run *r = &s->runs[x->run];
    s->lch[r->l0 + x->i].cp = cp;
    s->out.v[r->out0 + x->i] = cp;
}

/* Give the characters of t[a..a+len) that pick() selects the letters
 * w[], and check every run it changes forward; put them back if one
 * fails, or in any case where dry.  1 if the letters pass, 0 if not, -1
 * (memory). */
static int put_letters(unbake_ctx *ctx, ub_detect_scratch *s, struct attch *t, size_t a,
                       size_t len, const uint32_t *w, const uint8_t *seg,
                       int (*pick)(const ub_detect_scratch *, const struct attch *), int dry)
{
    int ok = 1;
    size_t last = NO_INDEX;     /* the run checked last (a word's runs
                                   follow one another) */
    for (size_t j = 0; j < len; j++)
        if (pick(s, &t[a + j]) && w[j] != t[a + j].cp)
            put_cp(s, &t[a + j], w[j]);
    for (size_t j = 0; j < len && ok > 0; j++) {
        const struct attch *x = &t[a + j];
        if (!pick(s, x) || x->run == last)
            continue;
        last = x->run;
        ok = ub_det_verify(ctx, s, &s->runs[x->run], seg);
    }
    for (size_t j = 0; j < len; j++) {
        struct attch *x = &t[a + j];
        if (!pick(s, x))
            continue;
        if (ok <= 0 || dry) {
            put_cp(s, x, x->cp);
        } else {
            x->cp = w[j];
            chosen_first(s, &s->runs[x->run], x->i, x->cp);
        }
    }
    return ok;
}

/* Give the gap characters of the word at t[a..a+len) the letters of the
 * word at t[v..v+len), as put_letters().  len <= MAX_WORD. */
static int take_word(unbake_ctx *ctx, ub_detect_scratch *s, struct attch *t, size_t a,
                     size_t v, size_t len, const uint8_t *seg, int dry)
{
    uint32_t w[MAX_WORD];
    for (size_t j = 0; j < len; j++) {
        w[j] = t[a + j].cp;
        if (is_gap(s, &t[a + j]) && !(w[j] = fill_for(t[a + j].cp, t[v + j].cp)))
            return 0;
    }
    return put_letters(ctx, s, t, a, len, w, seg, is_gap, dry);
}

/* log P of the word w[0..len) at t[a..), with two characters of context
 * either side. */
static double word_logp(const ub_lm *lm, const struct attch *t, size_t n, size_t a,
                        const uint32_t *w, size_t len, int lower)
{
    uint32_t c2 = a >= 2 ? t[a - 2].cp : UB_LM_BOS, c1 = a >= 1 ? t[a - 1].cp : UB_LM_BOS;
    c2 = c2 == INVALID_CP ? UB_LM_BOS : lower ? fold(c2) : c2;
    c1 = c1 == INVALID_CP ? UB_LM_BOS : lower ? fold(c1) : c1;
    double lp = 0;
    for (size_t j = 0; j < len + 2 && a + j < n; j++) {
        uint32_t c = j < len ? w[j] : t[a + j].cp;
        if (c == INVALID_CP)
            break;
        c = lower ? fold(c) : c;
        lp += ub_lm_logp(lm, c2, c1, c);
        c2 = c1;
        c1 = c;
    }
    return lp;
}

/* Do the damaged words at a and b look the same: their gaps at the same
 * places, their kept letters alike? */
static int same_damage(const ub_detect_scratch *s, const struct attch *t, size_t a, size_t b,
                       size_t len)
{
    for (size_t j = 0; j < len; j++) {
        int g = is_gap(s, &t[a + j]);
        if (g != is_gap(s, &t[b + j]) || (!g && fold(t[a + j].cp) != fold(t[b + j].cp)))
            return 0;
    }
    return 1;
}

/* The gap letters of word v for the word at o into w (its kept letters as
 * they are): 1, or 0 where one cannot stand there. */
static int reading_at(const ub_detect_scratch *s, const struct attch *t, size_t o, size_t v,
                      size_t len, uint32_t *w)
{
    for (size_t j = 0; j < len; j++) {
        w[j] = t[o + j].cp;
        if (is_gap(s, &t[o + j]) && !(w[j] = fill_for(t[o + j].cp, t[v + j].cp)))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ lexicon */

/* A word the lexicon knows takes the place of the fills' word where the
 * model gives it at most LEX_SLACK nats less (its two characters either
 * side counted); only words of at most LEX_GAPS gaps, at most LEX_TRIES
 * readings looked up each. */
#define LEX_SLACK 4.0
#define LEX_GAPS 2
#define LEX_TRIES 4096
#define LEX_ALTS 64
#define LEX_BEST 8
#define LEX_MANY 10         /* gaps a word may have (beyond LEX_GAPS: the
                               LEX_BEAM likeliest readings only) */
#define LEX_BEAM 64

/* Letters of a word, for the lexicon: an apostrophe only between two. */
static int lex_letter(uint32_t c)
{
    return ub_lex_char(c) && !ub_lex_apostrophe(c);
}

/* The letter a gap may hold instead of the fill cp, read from bytes y
 * (len of them): a letter in cp's case where cp has one (with flip, in
 * the other), or where it is inner (between two letters) an apostrophe;
 * 0 where y is no such character. */
static uint32_t alt_letter(const uint8_t *y, int len, uint32_t cp, int inner, int flip)
{
    uint32_t c = 0;
    if (ub_utf8_decode(y, (size_t)len, &c) != len || c == cp ||
        !(lex_letter(c) || (inner && ub_lex_apostrophe(c))))
        return 0;
    int lower = u_islower((UChar32)cp), upper = u_isupper((UChar32)cp);
    if (flip) {
        int x = lower;
        lower = upper;
        upper = x;
    }
    if ((lower && u_isupper((UChar32)c)) || (upper && u_islower((UChar32)c)))
        return 0;
    return c;
}

/* A byte a decoder under codec drops: one it cannot read, or its soft
 * hyphen. */
static inline int dropped_byte(int codec, uint8_t b)
{
    return ub_codec_is_lossy(codec, b) || ub_codec_is_shy(codec, b);
}

/* Could a decoder under codec (one layer; -1: unknown) have lost byte y
 * as op says it lost one: dropped it (a byte it cannot read, its soft
 * hyphen or its NBSP), or written '?' or U+FFFD for it (a byte it cannot
 * read)?  (The search's own sets: reverse.c's item_bytes(), fill_slots().) */
static int lost_as(int codec, int op, uint8_t y)
{
    if (codec < 0)
        return 1;
    if (op == UB_OP_DROP)
        return dropped_byte(codec, y) || ub_codec_is_nbsp(codec, y);
    return ub_codec_is_lossy(codec, y);
}

/* The letters gap character x (lch entry ch) may have been: the other
 * characters of its length in UTF-8 whose bytes are x's where it kept
 * them and where it lost them bytes the decoder under codec could have
 * lost so (lost_as()), letters of x's case (alt_letter()); at most max
 * into alt. */
static int lex_alternatives(const ub_lchar *ch, int codec, int inner, int flip, uint32_t *alt,
                            int max)
{
    uint8_t b[4];
    int len = ub_utf8_encode(ch->cp, b);
    int lost[4], nlost = 0;
    for (int j = 0; j < len; j++)
        if (ub_op_lost(ch->ops[j]))
            lost[nlost++] = j;
    if (nlost > 2)
        return 0;
    if (!nlost && !ch->guess)
        return 0;
    int na = 0;
    if (!nlost) {
        /* a byte of it was one of the intermediate characters the outer
         * decoder's drop leaves open: any continuation byte, one at a
         * time (the forward check says which fit) */
        for (int j = 1; j < len; j++)
            for (uint32_t v = 0; v < 64 && na < max; v++) {
                uint8_t y[4];
                memcpy(y, b, sizeof y);
                y[j] = (uint8_t)(0x80 | v);
                uint32_t c = alt_letter(y, len, ch->cp, inner, flip);
                if (!c)
                    continue;
                int dup = 0;
                for (int k = 0; k < na && !dup; k++)
                    dup = alt[k] == c;
                if (!dup)
                    alt[na++] = c;
            }
        return na;
    }
    uint32_t total = 1u << (6 * nlost);
    for (uint32_t v = 0; v < total && na < max; v++) {
        uint8_t y[4];
        memcpy(y, b, sizeof y);
        int ok = 1;
        for (int l = 0; l < nlost && ok; l++) {
            uint32_t bits = v >> (6 * l) & 63;
            /* a lost lead keeps its length: the same top bits */
            if (lost[l] == 0) {
                uint8_t top = len == 2 ? 0xC0 : len == 3 ? 0xE0 : 0xF0;
                uint8_t span = len == 2 ? 32 : len == 3 ? 16 : 8;
                ok = bits < span;
                y[0] = (uint8_t)(top | bits);
            } else {
                y[lost[l]] = (uint8_t)(0x80 | bits);
            }
            ok = ok && lost_as(codec, ch->ops[lost[l]], y[lost[l]]);
        }
        uint32_t c = ok ? alt_letter(y, len, ch->cp, inner, flip) : 0;
        if (c)
            alt[na++] = c;
    }
    return na;
}

/* Two layers, the outer one dropping what its codec cannot read: the
 * inner byte b may have been any byte whose character under the inner
 * codec ci the outer codec co leaves as it left b's -- the same lead
 * byte in UTF-8, the same continuation bytes but where both lose one (a
 * continuation the outer decoder dropped, so read only by the search).
 * Into v (room for 128); returns their number, b among them. */
static int outer_alike(int ci, int co, uint8_t b, uint8_t *v)
{
    uint8_t u[4], x[4];
    int m = ub_utf8_encode(ub_codec_decode(ci, b), u), nv = 0, open = 0;
    for (int k = 1; k < m; k++)
        open |= dropped_byte(co, u[k]);
    if (!open) {
        v[0] = b;
        return 1;
    }
    for (int y = 0x80; y < 0x100; y++) {
        uint32_t c = ub_codec_decode(ci, (uint8_t)y);
        if (ub_codec_is_lossy(ci, (uint8_t)y) || ub_utf8_encode(c, x) != m || x[0] != u[0])
            continue;
        int ok = 1;
        for (int k = 1; k < m && ok; k++)
            ok = x[k] == u[k] || (dropped_byte(co, x[k]) && dropped_byte(co, u[k]));
        if (ok)
            v[nv++] = (uint8_t)y;
    }
    return nv;
}

/*
 * lex_alternatives() of a character the search of two layers guessed
 * (ch->guess: the outer decoder dropped a byte of the character some
 * byte of it made), under the inner codec ci and the outer co: each byte
 * the inner decoder lost any byte it cannot read (or a soft hyphen), each
 * byte it kept any the outer layer leaves alike (outer_alike()), every
 * combination that is a letter of x's case, at most LEX_ALTS2 of them.
 * The outer guess and the inner loss together leave hundreds ("\u00C3"
 * is "\u015F" as well as "\u0219", C5 9F and C8 99: Latin-1 twice):
 * lex_word() keeps those the model likes best.
 */
#define LEX_ALTS2 1024
static int lex_alternatives2(const ub_lchar *ch, int ci, int co, int inner, int flip,
                             uint32_t *alt)
{
    uint8_t b[4], opt[4][128];
    int len = ub_utf8_encode(ch->cp, b), nopt[4];
    uint32_t total = 1;
    for (int j = 0; j < len; j++) {
        if (ub_op_lost(ch->ops[j])) {
            nopt[j] = 0;
            for (int y = 0x80; y < 0x100; y++) {
                /* (a lost lead keeps the character's length) */
                int fits = j ? y < 0xC0 : ub_utf8_seqlen((uint8_t)y) == len;
                if (fits && dropped_byte(ci, (uint8_t)y))
                    opt[j][nopt[j]++] = (uint8_t)y;
            }
        } else {
            nopt[j] = outer_alike(ci, co, b[j], opt[j]);
        }
        total *= (uint32_t)nopt[j];
    }
    if (total > 4 * LEX_ALTS2)
        return 0;
    int na = 0;
    for (uint32_t v = 0; v < total && na < LEX_ALTS2; v++) {
        uint8_t y[4];
        uint32_t r = v;
        for (int j = 0; j < len; j++) {
            y[j] = opt[j][r % (uint32_t)nopt[j]];
            r /= (uint32_t)nopt[j];
        }
        uint32_t c = alt_letter(y, len, ch->cp, inner, flip);
        if (c)
            alt[na++] = c;
    }
    return na;
}

/* The LEX_ALTS - 1 letters of cand[0..nc) the model likes best at w[j],
 * the word at t[a..a+len) (the characters either side as they are), into
 * alt; returns their number. */
static int lex_likeliest(const ub_lm *lm, const struct attch *t, size_t n, size_t a,
                         const uint32_t *w, size_t len, size_t j, uint32_t *alt,
                         int nc, const uint32_t *cand)
{
    uint32_t c2 = j >= 2 ? w[j - 2] : a + j >= 2 ? t[a + j - 2].cp : UB_LM_BOS;
    uint32_t c1 = j >= 1 ? w[j - 1] : a + j >= 1 ? t[a + j - 1].cp : UB_LM_BOS;
    uint32_t nx = j + 1 < len ? w[j + 1] : a + j + 1 < n ? t[a + j + 1].cp : 0;
    c2 = c2 == INVALID_CP ? UB_LM_BOS : c2;
    c1 = c1 == INVALID_CP ? UB_LM_BOS : c1;
    nx = nx == INVALID_CP ? 0 : nx;
    float lp[LEX_ALTS];
    int na = 0;
    for (int i = 0; i < nc; i++) {
        float l = ub_lm_logp(lm, c2, c1, cand[i]) + (nx ? ub_lm_logp(lm, c1, cand[i], nx) : 0);
        if (na == LEX_ALTS - 1 && !(l > lp[na - 1]))
            continue;
        int at = na < LEX_ALTS - 1 ? na++ : na - 1;
        for (; at > 0 && l > lp[at - 1]; at--) {
            lp[at] = lp[at - 1];
            alt[at] = alt[at - 1];
        }
        lp[at] = l;
        alt[at] = cand[i];
    }
    return na;
}

/* Is the guessed letter w[j] in a case the word's letters around it do
 * not write: a capital after a small letter or before one but first
 * ("BÍlé": C3 8D for C3 AD, a C1 byte for a soft hyphen), a small letter
 * after two capitals or between two? */
static int odd_case(const uint32_t *w, size_t len, size_t j)
{
    UChar32 c = (UChar32)w[j];
    int after = j + 1 < len, before = j > 0;
    if (u_isupper(c))
        return before && (u_islower((UChar32)w[j - 1]) ||
                          (after && u_islower((UChar32)w[j + 1])));
    if (!u_islower(c) || !before || !u_isupper((UChar32)w[j - 1]))
        return 0;
    return after ? u_isupper((UChar32)w[j + 1]) : j >= 2 && u_isupper((UChar32)w[j - 2]);
}

/* The readings of a word's gaps that lex_word() weighs: the gap
 * positions at[0..ngap), the letters each may be (alt, nalt). */
struct lexgaps {
    size_t at[LEX_MANY];
    uint32_t alt[LEX_MANY][LEX_ALTS];
    int nalt[LEX_MANY], ngap;
};

/* Is the word t[a..a+len) written in capitals: two capitals at least
 * among the letters it kept (those outside the gaps of gp), and no small
 * letter?  (lex_word() needs the model's word for small letters there.) */
static int in_capitals(const struct attch *t, size_t a, size_t len, const struct lexgaps *gp)
{
    int upper = 0, g = 0;
    for (size_t j = 0; j < len; j++) {
        if (g < gp->ngap && gp->at[g] == j) {
            g++;
            continue;
        }
        UChar32 c = (UChar32)t[a + j].cp;
        if (u_islower(c))
            return 0;
        upper += u_isupper(c) != 0;
    }
    return upper >= 2;
}

/* A reading of the beam over a word's gaps: the word, and log P of its
 * first upto characters. */
struct lexstate {
    uint32_t w[UB_LEX_MAX];
    double lp;
};

/* log P of w[from..to) where w is the word at t[a..a+len) (past its end,
 * t's characters), two characters of context before each. */
static double span_logp(const ub_lm *lm, const struct attch *t, size_t n, size_t a,
                        const uint32_t *w, size_t len, size_t from, size_t to)
{
    double lp = 0;
    for (size_t j = from; j < to && a + j < n; j++) {
        uint32_t c[3];
        for (int k = 0; k < 3; k++) {
            size_t i = j + (size_t)k;       /* (index + 2, of c2 c1 c) */
            uint32_t x = i < 2 ? (a + i >= 2 ? t[a + i - 2].cp : UB_LM_BOS)
                               : i - 2 < len ? w[i - 2] : t[a + i - 2].cp;
            c[k] = x == INVALID_CP ? UB_LM_BOS : x;
        }
        if (t[a + j].cp == INVALID_CP && j >= len)
            break;
        lp += ub_lm_logp(lm, c[0], c[1], c[2]);
    }
    return lp;
}

/*
 * The LEX_BEAM likeliest readings of a word of more than two gaps, by a
 * beam over its gaps from the left (the model's log P of the word up to
 * the gap, the later gaps as filled), into st[] best first; returns their
 * number.  (Every reading of three gaps or more is some 30,000 look-ups
 * and a hundred false positives: only the likeliest go to the lexicon.)
 */
static int lex_beam(const ub_lm *lm, const struct attch *t, size_t n, size_t a, size_t len,
                    const struct lexgaps *gp, struct lexstate *st, struct lexstate *next)
{
    int ns = 1;
    for (size_t j = 0; j < len; j++)
        st[0].w[j] = t[a + j].cp;
    st[0].lp = 0;
    size_t upto = 0;
    for (int g = 0; g < gp->ngap; g++) {
        size_t to = gp->at[g] + 1;
        int nn = 0;
        for (int i = 0; i < ns; i++) {
            for (int k = 0; k < gp->nalt[g]; k++) {
                struct lexstate x = st[i];
                x.w[gp->at[g]] = gp->alt[g][k];
                x.lp += span_logp(lm, t, n, a, x.w, len, upto, to);
                if (nn == LEX_BEAM && !(x.lp > next[nn - 1].lp))
                    continue;
                int at = nn < LEX_BEAM ? nn++ : nn - 1;
                for (; at > 0 && x.lp > next[at - 1].lp; at--)
                    next[at] = next[at - 1];
                next[at] = x;
            }
        }
        memcpy(st, next, (size_t)nn * sizeof *st);
        ns = nn;
        upto = to;
    }
    /* the rest of the word and the two characters after it */
    for (int i = 0; i < ns; i++)
        st[i].lp += span_logp(lm, t, n, a, st[i].w, len, upto, len + 2);
    for (int i = 1; i < ns; i++)
        for (int j = i; j > 0 && st[j].lp > st[j - 1].lp; j--) {
            struct lexstate x = st[j];
            st[j] = st[j - 1];
            st[j - 1] = x;
        }
    return ns;
}

/*
 * The word of letters at t[a..a+len) holds fills: where the lexicon does
 * not know it as filled, the readings of its gaps that make a word it
 * knows are scored by the model, and the best takes its place if it reads
 * at most LEX_SLACK worse (and passes the forward check): every reading
 * of one or two gaps, the likeliest of more.  1 where the word is one the
 * lexicon knows (now), 0 if not, -1 (memory).
 */
static int lex_word(unbake_ctx *ctx, ub_detect_scratch *s, struct attch *t, size_t n, size_t a,
                    size_t len, const ub_lex *lex, const uint8_t *seg)
{
    uint32_t w[UB_LEX_MAX];
    struct lexgaps gp;
    gp.ngap = 0;
    if (len < 2 || len > UB_LEX_MAX)
        return 0;
    /* the gaps, and (two layers) the characters guessed among several
     * where they are few enough; else the gaps alone */
    size_t nguess = 0;
    for (size_t j = 0; j < len; j++) {
        w[j] = t[a + j].cp;
        nguess += is_guess(s, &t[a + j]);
    }
    for (size_t j = 0; j < len; j++) {
        if (!(nguess <= LEX_GAPS ? is_guess(s, &t[a + j]) : is_gap(s, &t[a + j])))
            continue;
        if (gp.ngap == LEX_MANY)
            return 0;
        gp.at[gp.ngap++] = j;
    }
    /* (a word that kept a letter: Cyrillic and Greek through ISO-8859-x
     * lose most of their second bytes) */
    int ngap = gp.ngap;
    if (!ngap || (size_t)ngap >= len)
        return 0;
    int odd[LEX_MANY], anyodd = 0;
    for (int g = 0; g < ngap; g++)
        anyodd |= odd[g] = odd_case(w, len, gp.at[g]);
    if (!anyodd && ub_lex_has(lex, w, len))
        return 1;
    uint32_t combos = 1, cand[LEX_ALTS2];
    for (int g = 0; g < ngap; g++) {
        const struct attch *x = &t[a + gp.at[g]];
        const ub_lchar *ch = &s->lch[s->runs[x->run].l0 + x->i];
        const ub_hyp *h = &s->runs[x->run].hyp;
        int in_word = gp.at[g] > 0 && gp.at[g] + 1 < len;
        if (ch->guess && h->kind == UB_HYP_UTF8 && h->nlayers == 2 && h->outer_drop &&
            h->codec[0] < UB_NCODECS && h->codec[1] < UB_NCODECS)
            gp.nalt[g] = lex_likeliest(ctx->lm, t, n, a, w, len, gp.at[g], gp.alt[g],
                                       lex_alternatives2(ch, h->codec[1], h->codec[0], in_word,
                                                         odd[g], cand),
                                       cand);
        else
            gp.nalt[g] = lex_alternatives(ch,
                                          h->kind == UB_HYP_UTF8 && h->nlayers == 1 &&
                                                  h->codec[0] < UB_NCODECS
                                              ? h->codec[0]
                                              : -1,
                                          in_word, odd[g], gp.alt[g], LEX_ALTS - 1);
        /* (the fill itself: the other gaps may change alone) */
        gp.alt[g][gp.nalt[g]++] = ch->cp;
        combos = combos > LEX_TRIES ? combos : combos * (uint32_t)gp.nalt[g];
    }
    /* the LEX_BEST best readings the lexicon knows, best first: the
     * forward check may turn the first down (a byte the codec keeps).  A
     * word in capitals is weighed in small letters, context and all, as
     * the lexicon holds it: the model has seen little text in capitals
     * ("SYST\u00DCME" reads better than "SYST\u00C8ME" there, "syst\u00E8me"
     * far better than "syst\u00FCme") */
    const int lower = in_capitals(t, a, len, &gp);
    double now = word_logp(ctx->lm, t, n, a, w, len, lower), lp[LEX_BEST];
    uint32_t best[LEX_BEST][LEX_MANY];
    int nbest = 0;
    struct lexstate st[LEX_BEAM], next[LEX_BEAM];
    int nst = 0;
    if (ngap > LEX_GAPS || combos > LEX_TRIES) {
        nst = lex_beam(ctx->lm, t, n, a, len, &gp, st, next);
        combos = (uint32_t)nst;
    }
    for (uint32_t v = 0; v < combos; v++) {
        uint32_t r = v;
        int same = 1;
        for (int g = 0; g < ngap; g++) {
            if (nst) {
                w[gp.at[g]] = st[v].w[gp.at[g]];
            } else {
                w[gp.at[g]] = gp.alt[g][r % (uint32_t)gp.nalt[g]];
                r /= (uint32_t)gp.nalt[g];
            }
            same &= w[gp.at[g]] == t[a + gp.at[g]].cp;
        }
        if (same || !ub_lex_has(lex, w, len))
            continue;
        double l = nst ? st[v].lp : word_logp(ctx->lm, t, n, a, w, len, lower);
        if (!(l >= now - LEX_SLACK) || (nbest == LEX_BEST && !(l > lp[nbest - 1])))
            continue;
        int i = nbest < LEX_BEST ? nbest++ : nbest - 1;
        for (; i > 0 && l > lp[i - 1]; i--) {
            lp[i] = lp[i - 1];
            memcpy(best[i], best[i - 1], sizeof best[i]);
        }
        lp[i] = l;
        for (int g = 0; g < ngap; g++)
            best[i][g] = w[gp.at[g]];
    }
    for (int i = 0; i < nbest; i++) {
        for (int g = 0; g < ngap; g++)
            w[gp.at[g]] = best[i][g];
        int ok = put_letters(ctx, s, t, a, len, w, seg, is_guess, 0);
        if (ok)
            return ok;
    }
    return 0;
}

/*
 * The words of t[0..n) with fills that the segment does not attest (the
 * nd words of attd that it does are left alone): each run of letters with
 * a fill in it takes a word of the lexicon where lex_word() finds one.
 */
static int lex_fills(unbake_ctx *ctx, ub_detect_scratch *s, struct attch *t, size_t n,
                     size_t nd, const uint8_t *seg)
{
    const ub_lex *lex = ub_lex_builtin();
    /* (a repair decided again is no line: its words at its ends may go on
     * past it, and are no words to look up) */
    const int nested = s != ctx->det;
    size_t d = 0;
    for (size_t a = 0; a < n && lex;) {
        if (!word_char(t[a].cp)) {
            a++;
            continue;
        }
        size_t b = a, ngap = 0;
        while (b < n && word_char(t[b].cp))
            ngap += is_guess(s, &t[b++]);
        while (d < nd && s->attd[d].a < a)
            d++;
        if (!ngap || b - a > MAX_WORD || (d < nd && s->attd[d].a == a && s->attd[d].attested)) {
            a = b;
            continue;
        }
        for (size_t c = a; c < b;) {
            if (!lex_letter(t[c].cp)) {
                c++;
                continue;
            }
            /* (a fill between two letters may be an apostrophe:
             * "l”interrupteur" for "l’interrupteur") */
            size_t e = c + 1;
            while (e < b && (lex_letter(t[e].cp) ||
                             ((ub_lex_apostrophe(t[e].cp) || is_guess(s, &t[e])) && e + 1 < b &&
                              lex_letter(t[e + 1].cp))))
                e++;
            int gap = 0;
            for (size_t j = c; j < e; j++)
                gap |= is_guess(s, &t[j]);
            gap &= !nested || ((c > 0 || !lex_letter(s->edge_l1)) &&
                               (e < n || (s->edge_r0 && !lex_letter(s->edge_r0))));
            if (gap && lex_word(ctx, s, t, n, c, e - c, lex, seg) < 0)
                return -1;
            c = e;
        }
        a = b;
    }
    return 0;
}

/*
 * Damaged words that look the same (the same letters kept, the gaps at the
 * same places) were most likely one word, filled apart by searches that
 * each saw its own context: they take one reading, the one the segment
 * attests (a word that lost nothing) or else the one the model likes best
 * at all of their places together.
 */
static int agree(unbake_ctx *ctx, ub_detect_scratch *s, struct attch *t, size_t n, size_t nd,
                 const uint8_t *seg)
{
    uint32_t w[MAX_WORD];
    for (size_t d = 0; d < nd; d++) {
        struct attword *x = &s->attd[d];
        if (x->len < AGREE_MIN)
            continue;
        size_t len = x->len, grp[MAX_GROUP], ng = 0;
        grp[ng++] = d;
        for (size_t e = d + 1; e < nd && ng < MAX_GROUP; e++)
            if (s->attd[e].len == len && same_damage(s, t, x->a, s->attd[e].a, len))
                grp[ng++] = e;
        int differ = 0;
        for (size_t g = 1; g < ng; g++) {
            for (size_t j = 0; j < len && !differ; j++)
                differ = fold(t[s->attd[grp[g]].a + j].cp) != fold(t[x->a + j].cp);
            s->attd[grp[g]].len = 0;
        }
        if (!differ)
            continue;
        /* the reading: an attested one, else the best together */
        size_t best = (size_t)-1;
        double best_lp = -INFINITY;
        for (size_t g = 0; g < ng && best_lp < INFINITY; g++) {
            size_t v = s->attd[grp[g]].a;
            if (s->attd[grp[g]].attested) {
                best = v;
                best_lp = INFINITY;
                break;
            }
            double lp = 0;
            for (size_t h = 0; h < ng && lp > -INFINITY; h++) {
                size_t o = s->attd[grp[h]].a;
                lp = reading_at(s, t, o, v, len, w) ? lp + word_logp(ctx->lm, t, n, o, w, len, 0)
                                                    : -INFINITY;
            }
            if (lp > best_lp) {
                best = v;
                best_lp = lp;
            }
        }
        for (size_t g = 0; g < ng && best != (size_t)-1; g++) {
            size_t o = s->attd[grp[g]].a;
            if (o != best && take_word(ctx, s, t, o, best, len, seg, 0) < 0)
                return -1;
        }
    }
    return 0;
}

/*
 * The words of the segment that lost nothing and read as the damaged word
 * at t[a..a+len) does where it kept its letters, over its first plen
 * characters (all of it, or a beginning that takes in its gaps: a word
 * of the same stem), and whose letters its gaps can stand for: where
 * there is one (however often), the word takes its letters.  1 where it
 * did, or where the word as filled is one of them; 0 if not; -1 (memory).
 */
static int attest(unbake_ctx *ctx, ub_detect_scratch *s, struct attch *t, size_t a, size_t len,
                  size_t plen, size_t nw, const uint8_t *seg)
{
    size_t found = (size_t)-1;
    int many = 0;
    for (size_t w = 0; w < nw && !many; w++) {
        size_t v = s->attw[2 * w];
        if (plen == len ? s->attw[2 * w + 1] != len : s->attw[2 * w + 1] < plen)
            continue;
        int same = 1, match = 1;
        for (size_t j = 0; j < plen && match; j++) {
            uint32_t x = fold(t[a + j].cp), y = fold(t[v + j].cp);
            same &= x == y;
            match = x == y || is_gap(s, &t[a + j]);
        }
        if (same)
            return 1;
        if (!match)
            continue;
        int again = found != (size_t)-1;
        for (size_t j = 0; j < plen && again; j++)
            again = fold(t[v + j].cp) == fold(t[found + j].cp);
        if (again)
            continue;
        int ok = take_word(ctx, s, t, a, v, len, seg, 1);
        if (ok < 0)
            return -1;
        if (ok && found != (size_t)-1)
            many = 1;
        else if (ok)
            found = v;
    }
    if (many || found == (size_t)-1)
        return 0;
    return take_word(ctx, s, t, a, found, len, seg, 0);
}

int ub_det_attested_fills(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t nch)
{
    /* (mark mode weighs each fill by its alternatives, which know nothing
     * of the segment; a window of a long line, ATTEST_MAX characters or
     * more, is no line, and its records would take a megabyte) */
    if (ctx->lossy != UNBAKE_LOSSY_FILL || nch > ATTEST_MAX)
        return 0;
    size_t m = 0;
    int any = 0;
    for (size_t k = 0; k < s->nruns; k++) {
        const struct run *r = &s->runs[k];
        if (!r->fix)
            continue;
        m += r->nout;
        if (!lossy_read(r))
            continue;
        for (size_t i = 0; i < r->nout && !any; i++)
            any = s->lch[r->l0 + i].gap || s->lch[r->l0 + i].guess;
    }
    if (!any)
        return 0;
    if (ub_reserve((void **)&s->att, &s->attcap, nch + m, sizeof *s->att))
        return -1;
    struct attch *t = s->att;
    size_t n = 0, at = 0;
    for (size_t k = 0; k <= s->nruns; k++) {
        const struct run *r = k < s->nruns ? &s->runs[k] : NULL;
        if (r && !r->fix)
            continue;
        for (size_t j = at; j < (r ? r->c0 : nch); j++)
            t[n++] = (struct attch){ s->cp[j], NO_INDEX, 0 };
        if (!r)
            break;
        int lossy = lossy_read(r);
        for (size_t i = 0; i < r->nout; i++)
            t[n++] = (struct attch){ s->out.v[r->out0 + i], lossy ? (uint32_t)k : NO_INDEX,
                                     (uint32_t)i };
        at = r->cend;
    }

    /* the words that lost nothing: (start, length) pairs */
    size_t nw = 0;
    for (size_t a = 0; a < n;) {
        if (!word_char(t[a].cp)) {
            a++;
            continue;
        }
        size_t b = a;
        int gap = 0;
        while (b < n && word_char(t[b].cp))
            gap |= is_gap(s, &t[b++]);
        if (!gap) {
            if (ub_reserve((void **)&s->attw, &s->attwcap, 2 * nw + 2, sizeof *s->attw))
                return -1;
            s->attw[2 * nw] = (uint32_t)a;
            s->attw[2 * nw + 1] = (uint32_t)(b - a);
            nw++;
        }
        a = b;
    }
    /* the damaged words mostly kept, and which the segment attests */
    size_t nd = 0;
    for (size_t a = 0; a < n;) {
        if (!word_char(t[a].cp)) {
            a++;
            continue;
        }
        size_t b = a, ngap = 0;
        while (b < n && word_char(t[b].cp))
            ngap += is_gap(s, &t[b++]);
        size_t len = b - a;
        /* a word mostly kept: what it kept says which word it is */
        if (!ngap || len < 3 || len - ngap < 2 || len - ngap < ngap || len > MAX_WORD) {
            a = b;
            continue;
        }
        /* the whole word, else its beginning up to past its gaps */
        int took = attest(ctx, s, t, a, len, len, nw, seg);
        size_t last = len;
        while (!took && !is_gap(s, &t[a + last - 1]))
            last--;
        size_t plen = last + PREFIX_PAST > PREFIX_MIN ? last + PREFIX_PAST : PREFIX_MIN;
        if (!took && plen < len)
            took = attest(ctx, s, t, a, len, plen, nw, seg);
        if (took < 0)
            return -1;
        if (ub_reserve((void **)&s->attd, &s->attdcap, nd + 1, sizeof *s->attd))
            return -1;
        s->attd[nd++] = (struct attword){ (uint32_t)a, (uint32_t)len, (uint8_t)(took > 0) };
        a = b;
    }
    if (agree(ctx, s, t, n, nd, seg) < 0)
        return -1;
    /* then the lexicon, for the words the segment does not attest */
    return lex_fills(ctx, s, t, n, nd, seg);
}

/* ------------------------------------------------------ NBSP as a space */

/*
 * A lossy repair that ends with a letter that lost its last byte, then a
 * space, before a word: "Ã quele" is "à quele" (the NBSP, 0xA0, of "à"
 * dropped, a space after it) or "àquele" (the NBSP written as that
 * space).  The search weighs the two by the model alone, which knows no
 * words.  Where the lexicon knows the word the space would join
 * ("àquele", "às") and not the word after the space ("quele", "s"), the
 * space was the NBSP: the letter takes 0xA0 as its last byte, and the
 * space goes.  Only for a letter that starts its word, under an inner
 * codec that reads 0xA0 as NBSP (under an outer layer too: "Ã\u0083 quele"
 * is the same text read once more as Latin-1); the forward check of the
 * run must hold.  Mark and fill mode alike: the letter is no guess then.
 */
static int space_join(unbake_ctx *ctx, ub_detect_scratch *s, struct run *r, const uint8_t *seg,
                      size_t nch, const ub_lex *lex)
{
    size_t i = r->nout - 1;
    ub_lchar *ch = s->lch + r->l0;
    int c = r->hyp.nlayers ? r->hyp.codec[r->hyp.nlayers - 1] : -1;   /* the inner one */
    if (r->nout < 2 || c < 0 || c >= UB_NCODECS ||
        ub_codec_tables[c].to_ucs[0x20] != 0xA0 || ch[i].cp != ' ' || ch[i].keep ||
        ch[i - 1].keep)
        return 0;
    /* the letter: its last byte dropped, the others read */
    ub_lchar g = ch[i - 1];
    uint8_t b[4];
    int len = ub_utf8_encode(g.cp, b);
    for (int j = 0; j < len; j++)
        if (g.ops[j] != (j == len - 1 ? UB_OP_DROP : 0))
            return 0;
    b[len - 1] = 0xA0;
    uint32_t joined;
    if (len < 2 || ub_utf8_decode(b, (size_t)len, &joined) != len || !lex_letter(joined))
        return 0;
    /* ... which starts its word */
    uint32_t before = i >= 2 ? ch[i - 2].cp : r->c0 ? s->cp[r->c0 - 1] : ' ';
    if (before == INVALID_CP || lex_letter(before) || ub_lex_apostrophe(before))
        return 0;
    /* the word after the space, and the one the space would join */
    uint32_t w[UB_LEX_MAX + 1];
    size_t n = 0;
    w[n++] = joined;
    size_t e = r->cend;
    for (; e < nch && n <= UB_LEX_MAX && lex_letter(s->cp[e]); e++)
        w[n++] = s->cp[e];
    /* (not a word that goes on past an apostrophe, "s'éloigner", or
     * into a repair, whose letters are not yet these) */
    if (n == 1 || n > UB_LEX_MAX || (e < nch && ub_lex_char(s->cp[e])))
        return 0;
    for (size_t q = 0; q < s->nruns; q++)
        if (s->runs[q].fix && s->runs[q].c0 >= r->cend && s->runs[q].c0 <= e)
            return 0;
    if (!ub_lex_has(lex, w, n) || ub_lex_has(lex, w + 1, n - 1))
        return 0;
    /* the letter as the NBSP makes it, and no space; no gap there */
    ub_gapalt *gaps = s->gaps + r->g0;
    size_t gi = r->ng;
    for (size_t k = 0; k < r->ng; k++)
        if (gaps[k].index == i - 1)
            gi = k;
    ub_lchar was = ch[i - 1];
    ub_gapalt gap = { 0 };
    int had_gap = gi < r->ng;
    if (had_gap) {
        gap = gaps[gi];
        memmove(gaps + gi, gaps + gi + 1, (r->ng - gi - 1) * sizeof *gaps);
        r->ng--;
    }
    ch[i - 1].cp = joined;
    ch[i - 1].ops[len - 1] = UB_OP_SPACE;
    ch[i - 1].gap = 0;
    s->out.v[r->out0 + i - 1] = joined;
    r->nout--;
    int ok = ub_det_verify(ctx, s, r, seg);
    if (ok > 0) {
        uint32_t used = 0;
        for (size_t k = 0; k < r->nout; k++)
            for (int j = 0; j < 4; j++)
                used |= ch[k].ops[j] ? 1u << ch[k].ops[j] : 0;
        r->hyp.ops_used = used;
        return 0;
    }
    /* (put back: the space is still in its slot) */
    r->nout++;
    ch[i - 1] = was;
    s->out.v[r->out0 + i - 1] = was.cp;
    if (had_gap) {
        memmove(gaps + gi + 1, gaps + gi, (r->ng - gi) * sizeof *gaps);
        gaps[gi] = gap;
        r->ng++;
    }
    return ok < 0 ? -1 : 0;
}

int ub_det_space_joins(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t nch)
{
    const ub_lex *lex = NULL;
    for (size_t k = 0; k < s->nruns; k++) {
        struct run *r = &s->runs[k];
        if (!r->fix || !lossy_read(r) || r->nout < 2)
            continue;
        if (!lex && !(lex = ub_lex_builtin()))
            return 0;
        if (space_join(ctx, s, r, seg, nch, lex) < 0)
            return -1;
    }
    return 0;
}
