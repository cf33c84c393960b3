/*
 * gate.c -- the first test of a run: could it be UTF-8 read through a
 * wrong codec at all, and under which codecs?  Structure only (lead and
 * continuation bytes per codec, sequences whole or cut short), then the
 * language model for the weak cases; a run the gate rejects is clean, and
 * most clean text never goes further.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unicode/uchar.h>

#include "codec.h"
#include "gate.h"
#include "model.h"
#include "utf8.h"

#if (defined(__x86_64__) || defined(__i386__)) && defined(__SSE2__)
#define GATE_AVX2 1
#include <immintrin.h>
#else
#define GATE_AVX2 0
#endif

/*
 * ub_could_be_mojibake() looks at each character through the bytes every
 * codec encodes it to (ub_codec_row.byte[], 0 where a codec cannot), kept
 * per character of the run: ASCII and U+FFFD get rows of their own, with
 * the bytes 1 and 2 (no codec's byte for a non-ASCII character is below
 * 0x80), and characters no codec encodes the empty row.
 */
#define SHAPE_ASCII 1
#define SHAPE_FFFD 2
/* (32: shape_all_avx2() reads 32 bytes of each, as of a row's byte[]) */
static uint8_t shape_ascii_[32], shape_fffd_[32];
static pthread_once_t shape_once_ = PTHREAD_ONCE_INIT;
static void shape_init(void);

int ub_gate_ready_;
ub_codec_mask ub_gate_lone_[0x60];
ub_codec_mask ub_gate_lead_lost_;

/* Build the tables of ub_could_be_mojibake() if they are not built yet
 * (ub_gate_ensure() found them not ready). */
void ub_gate_init_(void)
{
    pthread_once(&shape_once_, shape_init);
    __atomic_store_n(&ub_gate_ready_, 1, __ATOMIC_RELEASE);
}

/* The codecs under which some lead of t[0..n) is followed by a
 * continuation or U+FFFD; -1 for a C1 control.  The codecs under which
 * a lead stands alone before ASCII text or at the end go to *weakp, and
 * the first such lead's index to *weak_at.  bytes[i] gets the bytes of
 * t[i] (above), up to a C1 control.  Most clean text has no pair:
 * then there is nothing to count, and this is all ub_could_be_mojibake()
 * needs (its counts only ever remove codecs from the paired ones). */
static ub_codec_mask any_pairs(const uint32_t *t, size_t n, const uint8_t **bytes,
                               ub_codec_mask *weakp, size_t *weak_at)
{
    ub_codec_mask prev_lead = 0, paired = 0, weak = 0;
    size_t at = 0;
    ub_codec_rmap_ensure();
    ub_gate_ensure();
    for (size_t i = 0; i < n; i++) {
        uint32_t c = t[i];
        if (c < 0x80) {
            /* a lead alone before ASCII */
            if (prev_lead && !weak)
                at = i - 1;
            weak |= prev_lead;
            prev_lead = 0;
            bytes[i] = shape_ascii_;
            continue;
        }
        if (c < 0xA0)
            return (ub_codec_mask)-1;
        if (c == 0xFFFD) {
            paired |= prev_lead;
            prev_lead = 0;
            bytes[i] = shape_fffd_;
            /* (before a continuation it stands for the lead, under the
             * codecs that lack some: 0xC3 in ISO-8859-3) */
            if (i + 1 < n && t[i + 1] - 0xA0u < 0xFFFDu - 0xA0u)
                paired |= ub_gate_headless(t[i + 1]);
            continue;
        }
        /* (the masks from the small table; the row only for its address) */
        unsigned x = ub_codec_row_index(c);
        paired |= prev_lead & ub_codec_lcs_[x].cont;
        prev_lead = ub_codec_lcs_[x].lead;
        bytes[i] = ub_codec_rows_[x].byte;
    }
    if (prev_lead && !weak)
        at = n - 1;
    *weakp = weak | prev_lead;
    *weak_at = at;
    return paired;
}

/* The counts ub_could_be_mojibake() weighs for one codec. */
struct shape {
    uint32_t pairs;         /* leads followed by a continuation or U+FFFD */
    uint32_t leads;
    uint32_t whole;         /* sequences complete (or ended by U+FFFD) */
    uint32_t bad;           /* sequences cut short, continuations alone */
    uint32_t cuts;          /* two-byte leads cut short by the next lead */
};

/*
 * The counts under one codec as a state machine over the characters'
 * roles in UTF-8 under it: 0 none, 1 a continuation, 2..4 a lead of that
 * many bytes, 5 ASCII, 6 U+FFFD.  The state is the continuations still
 * expected (0..3) and the role of the character before if it was a lead
 * (0, 2..4); a step adds 0 or 1 to each count, packed in 12-bit fields
 * (SHAPE_CHUNK characters at most before they are taken out).  A step
 * reads both tables at state * SHAPE_ROLES + role, and shape_next_ holds
 * the next state so multiplied: one addition per step.
 */
#define SHAPE_ROLES 8       /* 7, rounded up */
#define SHAPE_STATES 20     /* need * 5 + prev */
#define SHAPE_CHUNK 4000
#define SHAPE_FIELD(x, f) ((uint32_t)((x) >> (12 * (f)) & 0xFFF))
static uint8_t shape_role_[256];
/* ub_codec_cont_lost() and ~ub_codec_utf8_droppable(), for the counts */
static ub_codec_mask shape_lost_, shape_strict_;
static uint8_t shape_next_[SHAPE_STATES * SHAPE_ROLES];
static uint64_t shape_inc_[SHAPE_STATES * SHAPE_ROLES];
static int shape_avx2_;     /* shape_all_avx2() runs here */

static void shape_init(void)
{
    shape_lost_ = ub_codec_cont_lost();
    shape_strict_ = ~ub_codec_utf8_droppable();
    shape_avx2_ = GATE_AVX2 && ub_simd_level() >= UB_SIMD_AVX2;
    /* ub_gate_lone_cont(): Latin-1 symbols, the codecs that read them as
     * a continuation byte and lack some lead byte */
    ub_gate_lead_lost_ = ub_codec_lead_lost();
    for (uint32_t c = 0xA0; c < 0x100; c++) {
        int8_t type = u_charType((UChar32)c);
        if (!u_isalpha((UChar32)c) && type != U_INITIAL_PUNCTUATION &&
            type != U_FINAL_PUNCTUATION)
            ub_gate_lone_[c - 0xA0] = ub_gate_headless(c);
    }
    memset(shape_ascii_, SHAPE_ASCII, sizeof shape_ascii_);
    memset(shape_fffd_, SHAPE_FFFD, sizeof shape_fffd_);
    for (int b = 0; b < 256; b++)
        shape_role_[b] = b == SHAPE_ASCII ? 5 : b == SHAPE_FFFD ? 6 : b < 0x80 ? 0 :
                         b < 0xC0 ? 1 : b >= 0xC2 && b <= 0xF4 ? (uint8_t)ub_utf8_seqlen((uint8_t)b) : 0;
    for (int need = 0; need < 4; need++)
        for (int prev = 0; prev < 5; prev++)
            for (int role = 0; role < 7; role++) {
                /* pairs, leads, whole, bad, cuts */
                int d[5] = { 0 }, need2 = 0, prev2 = 0;
                if (role == 5) {
                    /* ASCII cuts short any sequence */
                    d[3] = need != 0;
                } else if (role == 6) {
                    d[0] = prev != 0;
                    d[2] = need != 0;
                } else {
                    int cont = role == 1, lead = role >= 2;
                    d[0] = prev && cont;
                    d[1] = lead;
                    d[2] = need == 1 && cont;
                    /* a sequence cut short, or a continuation with no lead */
                    d[3] = (need != 0) != cont;
                    d[4] = prev == 2 && lead;
                    need2 = lead ? role - 1 : cont && need ? need - 1 : 0;
                    prev2 = lead ? role : 0;
                }
                uint64_t inc = 0;
                for (int f = 0; f < 5; f++)
                    inc |= (uint64_t)d[f] << (12 * f);
                shape_next_[(need * 5 + prev) * SHAPE_ROLES + role] =
                    (uint8_t)((need2 * 5 + prev2) * SHAPE_ROLES);
                shape_inc_[(need * 5 + prev) * SHAPE_ROLES + role] = inc;
            }
}

static void shape_add(struct shape *z, uint64_t acc)
{
    z->pairs += SHAPE_FIELD(acc, 0);
    z->leads += SHAPE_FIELD(acc, 1);
    z->whole += SHAPE_FIELD(acc, 2);
    z->bad += SHAPE_FIELD(acc, 3);
    z->cuts += SHAPE_FIELD(acc, 4);
}

static void shape_one(const uint8_t *const *bytes, size_t n, int k, struct shape *sh)
{
    struct shape z = { 0 };
    unsigned st = 0;
    for (size_t i0 = 0; i0 < n; i0 += SHAPE_CHUNK) {
        size_t i1 = n - i0 < SHAPE_CHUNK ? n : i0 + SHAPE_CHUNK;
        uint64_t acc = 0;
        for (size_t i = i0; i < i1; i++) {
            unsigned x = st + shape_role_[bytes[i][k]];
            acc += shape_inc_[x];
            st = shape_next_[x];
        }
        shape_add(&z, acc);
    }
    z.bad += st >= 5 * SHAPE_ROLES;     /* a sequence cut short by the end */
    *sh = z;
}

/* shape_one() under codecs a and b in one pass (the loop and each
 * character's bytes shared). */
static void shape_two(const uint8_t *const *bytes, size_t n, int a, int b, struct shape *sa,
                      struct shape *sb)
{
    struct shape za = { 0 }, zb = { 0 };
    unsigned sta = 0, stb = 0;
    for (size_t i0 = 0; i0 < n; i0 += SHAPE_CHUNK) {
        size_t i1 = n - i0 < SHAPE_CHUNK ? n : i0 + SHAPE_CHUNK;
        uint64_t acca = 0, accb = 0;
        for (size_t i = i0; i < i1; i++) {
            const uint8_t *p = bytes[i];
            unsigned xa = sta + shape_role_[p[a]], xb = stb + shape_role_[p[b]];
            acca += shape_inc_[xa];
            sta = shape_next_[xa];
            accb += shape_inc_[xb];
            stb = shape_next_[xb];
        }
        shape_add(&za, acca);
        shape_add(&zb, accb);
    }
    /* a sequence cut short by the end */
    za.bad += sta >= 5 * SHAPE_ROLES;
    zb.bad += stb >= 5 * SHAPE_ROLES;
    *sa = za;
    *sb = zb;
}

/* shape_two() for a run shorter than SHAPE_CHUNK, its counts left packed
 * (the cut at the end in the field of bad too: it still fits). */
static void shape_two_packed(const uint8_t *const *bytes, size_t n, int a, int b,
                             uint64_t *pa, uint64_t *pb)
{
    uint64_t acca = 0, accb = 0;
    unsigned sta = 0, stb = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = bytes[i];
        unsigned xa = sta + shape_role_[p[a]], xb = stb + shape_role_[p[b]];
        acca += shape_inc_[xa];
        sta = shape_next_[xa];
        accb += shape_inc_[xb];
        stb = shape_next_[xb];
    }
    *pa = acca + ((uint64_t)(sta >= 5 * SHAPE_ROLES) << 36);
    *pb = accb + ((uint64_t)(stb >= 5 * SHAPE_ROLES) << 36);
}

/* shape_two_packed() under one codec. */
static uint64_t shape_one_packed(const uint8_t *const *bytes, size_t n, int k)
{
    uint64_t acc = 0;
    unsigned st = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned x = st + shape_role_[bytes[i][k]];
        acc += shape_inc_[x];
        st = shape_next_[x];
    }
    return acc + ((uint64_t)(st >= 5 * SHAPE_ROLES) << 36);
}

#if GATE_AVX2
/* A character's bytes under every codec are read 32 at a time: the row's
 * byte[] and what follows it within the row, or shape_ascii_[],
 * shape_fffd_[]. */
_Static_assert(UB_NCODECS <= 32, "one lane a codec");
_Static_assert(offsetof(ub_codec_row, byte) + 32 <= sizeof(ub_codec_row),
               "32 bytes from byte[] stay in the row");

/* A run of SHAPE_ALL_MAX characters at most (the counts are bytes) with
 * five paired codecs or more is counted for every codec at once: that
 * costs about what five cost one by one. */
#define SHAPE_ALL_MAX 254

/* Does m hold five codecs or more?  (Four lowest bits cleared, without a
 * branch: __builtin_popcount() is a call without -mpopcnt.) */
static inline int has_five(ub_codec_mask m)
{
    m &= m - 1;
    m &= m - 1;
    m &= m - 1;
    m &= m - 1;
    return m != 0;
}

/* ub_gate_counts() of a run of SHAPE_ALL_MAX characters at most: the
 * counts of shape_one_packed() under every codec at once, a byte lane a
 * codec (the same state machine on the bytes themselves: roles by range,
 * the state as the continuations still expected and whether the
 * character before was a lead, of two bytes or any), then what
 * shape_verdict() says of them, lane by lane. */
__attribute__((target("avx2"))) static ub_codec_mask counts_all(const uint8_t *const *bytes,
                                                                size_t n, ub_codec_mask paired,
                                                                ub_codec_mask *twicep,
                                                                ub_codec_mask *cutp)
{
    const __m256i zero = _mm256_setzero_si256(), ones = _mm256_set1_epi8(-1);
    const __m256i one = _mm256_set1_epi8(1), fffd = _mm256_set1_epi8(SHAPE_FFFD);
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    /* byte ^ 0x80 as signed: 0x80..0xBF is 0..63, 0xC2 66, 0xE0 96, 0xF0
     * 112, 0xF4 116 */
    const __m256i c64 = _mm256_set1_epi8(64), c65 = _mm256_set1_epi8(65);
    const __m256i c95 = _mm256_set1_epi8(95), c111 = _mm256_set1_epi8(111);
    const __m256i c117 = _mm256_set1_epi8(117);
    __m256i need = zero, prev = zero, prev2 = zero;
    __m256i pairs = zero, leads = zero, whole = zero, bad = zero, cuts = zero;
    for (size_t i = 0; i < n; i++) {
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)bytes[i]);
        __m256i sb = _mm256_xor_si256(b, flip);
        __m256i cont = _mm256_andnot_si256(_mm256_cmpgt_epi8(zero, sb), _mm256_cmpgt_epi8(c64, sb));
        __m256i lead = _mm256_and_si256(_mm256_cmpgt_epi8(sb, c65), _mm256_cmpgt_epi8(c117, sb));
        __m256i gt95 = _mm256_cmpgt_epi8(sb, c95), gt111 = _mm256_cmpgt_epi8(sb, c111);
        __m256i ff = _mm256_cmpeq_epi8(b, fffd);
        __m256i need0 = _mm256_cmpeq_epi8(need, zero), need1 = _mm256_cmpeq_epi8(need, one);
        /* (a count goes up where its mask is -1) */
        pairs = _mm256_sub_epi8(pairs, _mm256_and_si256(_mm256_or_si256(ff, cont), prev));
        leads = _mm256_sub_epi8(leads, lead);
        whole = _mm256_sub_epi8(whole, _mm256_or_si256(_mm256_andnot_si256(need0, ff),
                                                       _mm256_and_si256(cont, need1)));
        /* a sequence cut short by anything but U+FFFD, a continuation
         * with nothing expected */
        bad = _mm256_sub_epi8(bad, _mm256_xor_si256(_mm256_andnot_si256(
                                                        _mm256_or_si256(need0, ff), ones),
                                                    cont));
        cuts = _mm256_sub_epi8(cuts, _mm256_and_si256(prev2, lead));
        /* a lead expects 1..3 more, a continuation one less */
        __m256i lenm1 = _mm256_sub_epi8(_mm256_sub_epi8(one, gt95), gt111);
        need = _mm256_or_si256(_mm256_and_si256(lead, lenm1),
                               _mm256_and_si256(_mm256_andnot_si256(need0, cont),
                                                _mm256_add_epi8(need, ones)));
        prev2 = _mm256_andnot_si256(gt95, lead);
        prev = lead;
    }
    /* a sequence cut short by the end */
    bad = _mm256_sub_epi8(bad, _mm256_andnot_si256(_mm256_cmpeq_epi8(need, zero), ones));
    /* shape_verdict() on every lane: twice the counts saturate at 255,
     * which only ever meets counts of 254 or less (SHAPE_ALL_MAX), so
     * every comparison comes out as in 32 bits */
#define GE(a, b) ((uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_max_epu8(a, b), a)))
    __m256i np2 = _mm256_adds_epu8(pairs, pairs);
    uint32_t has_cuts = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(cuts, zero));
    uint32_t cut = paired & shape_lost_ & has_cuts;
    /* nc >= 1 (cut), np >= 2, 2 np + nc >= nl, 2 np >= nc */
    uint32_t twice = cut & GE(pairs, _mm256_set1_epi8(2)) &
                     GE(_mm256_adds_epu8(np2, cuts), leads) & GE(np2, cuts);
    uint32_t maybe = paired & GE(np2, leads) &
                     ~(shape_strict_ & ~GE(whole, _mm256_adds_epu8(bad, bad)));
#undef GE
    *twicep = twice;
    *cutp = cut;
    return maybe;
}
#endif

/* What the counts under codec k say (ub_gate_counts()). */
static inline void shape_verdict(int k, uint32_t np, uint32_t nl, uint32_t whole, uint32_t bad,
                                 uint32_t cuts, ub_codec_mask lost, ub_codec_mask strict,
                                 ub_codec_mask *maybe, ub_codec_mask *twice, ub_codec_mask *cut)
{
    uint32_t nc = lost >> k & 1 ? cuts : 0;
    /* UTF-8 garbled twice by a decoder that drops what it cannot
     * read: the outer layer lost the continuation of many two-byte
     * sequences (most characters the inner decoder writes have two),
     * so a lead is followed by a continuation or, cut short, by the
     * next lead -- hardly ever by anything else; and the pairs the
     * outer layer left are at least half as many as the cuts, and more
     * than one.  (Clean text in the codec's script has its letters'
     * leads one after the other, but few of two bytes, or few pairs:
     * one, say, where a word ends in punctuation the codec has among
     * its continuation bytes.) */
    if (nc && np >= 2 && 2 * np + nc >= nl && 2 * np >= nc)
        *twice |= (ub_codec_mask)1 << k;
    if (nc)
        *cut |= (ub_codec_mask)1 << k;
    if (2 * np < nl)
        return;
    if ((strict >> k & 1) && whole < 2 * bad)
        return;
    *maybe |= (ub_codec_mask)1 << k;
}

/*
 * The rest of ub_could_be_mojibake() once any_pairs() found the paired codecs
 * of t[0..n) (no C1 control among them) and the bytes of its characters:
 * the codecs that may have made it, and in *twicep, *cutp the codecs that
 * read it as garbled twice and that cut a two-byte sequence short.
 */
ub_codec_mask ub_gate_counts(const uint8_t *const *bytes, size_t n, ub_codec_mask paired,
                             ub_codec_mask *twicep, ub_codec_mask *cutp)
{
    /* (cuts count only under codecs that lose continuations; the callers
     * made sure of the tables: ub_gate_ensure()) */
    ub_codec_mask lost = shape_lost_;
    ub_codec_mask strict = shape_strict_;
    /* mojibake of UTF-8 has most lead bytes followed by a continuation;
     * clean text in another script has them by accident at most.  In a
     * codec that cannot lose a byte, most sequences must also be whole:
     * Russian read back through ibm866 pairs a lead with a continuation
     * in most words, but its sequences are cut short as often. */
    ub_codec_mask maybe = 0, twice = 0, cut = 0;
#if GATE_AVX2
    if (has_five(paired) && shape_avx2_ && n <= SHAPE_ALL_MAX)
        return counts_all(bytes, n, paired, twicep, cutp);
#endif
    if (n < SHAPE_CHUNK) {
        /* (the counts of every codec, two a pass, then what they say) */
        uint64_t acc[UB_NCODECS];
        for (ub_codec_mask m = paired; m; m &= m - 1) {
            int a = __builtin_ctz(m);
            if (!(m & (m - 1))) {
                acc[a] = shape_one_packed(bytes, n, a);
                break;
            }
            m &= m - 1;
            int b = __builtin_ctz(m);
            shape_two_packed(bytes, n, a, b, &acc[a], &acc[b]);
        }
        for (ub_codec_mask m = paired; m; m &= m - 1) {
            int k = __builtin_ctz(m);
            uint64_t x = acc[k];
            shape_verdict(k, SHAPE_FIELD(x, 0), SHAPE_FIELD(x, 1), SHAPE_FIELD(x, 2),
                          SHAPE_FIELD(x, 3), SHAPE_FIELD(x, 4), lost, strict, &maybe, &twice,
                          &cut);
        }
    } else {
        struct shape all[UB_NCODECS];
        for (ub_codec_mask m = paired; m; m &= m - 1) {
            int a = __builtin_ctz(m);
            if (!(m & (m - 1))) {
                shape_one(bytes, n, a, &all[a]);
                break;
            }
            m &= m - 1;
            int b = __builtin_ctz(m);
            shape_two(bytes, n, a, b, &all[a], &all[b]);
        }
        for (ub_codec_mask m = paired; m; m &= m - 1) {
            int k = __builtin_ctz(m);
            const struct shape *sh = &all[k];
            shape_verdict(k, sh->pairs, sh->leads, sh->whole, sh->bad, sh->cuts, lost, strict,
                          &maybe, &twice, &cut);
        }
    }
    *twicep = twice;
    *cutp = cut;
    return maybe;
}

/* bytes: room for n (any_pairs()). */
ub_codec_mask ub_could_be_mojibake(const uint32_t *t, size_t n, const uint8_t **bytes,
                                   ub_codec_mask *weakp, size_t *weak_at, ub_codec_mask *twicep,
                                   ub_codec_mask *cutp)
{
    ub_codec_mask weak;
    ub_codec_mask paired = any_pairs(t, n, bytes, &weak, weak_at);
    *twicep = 0;
    *cutp = 0;
    if (paired == (ub_codec_mask)-1) {
        *weakp = 0;
        return UB_CODEC_ALL;
    }
    *weakp = weak;
    if (!paired)
        return 0;
    ub_codec_mask maybe = ub_gate_counts(bytes, n, paired, twicep, cutp);
    *weakp = weak & ~maybe;
    return maybe;
}

/*
 * The codecs that can lose a continuation byte under which some lead of
 * t[0..n) is followed by another non-ASCII character that cannot continue
 * it: the mark a dropped byte leaves ("\u00D1\u00D1\u00D0\u00BE" for
 * "что" read as Latin-1 with its C1 bytes stripped); or under which a
 * three-byte sequence has one continuation only, before ASCII text or at
 * the end ("\u00E1\u00BB" for "ể" so stripped: Vietnamese loses the last
 * byte of most of its letters).  Clean text has such pairs everywhere
 * (Cyrillic read back through windows-1251 is all leads), so they count
 * only where convincing repairs nearby stand for them.
 */
ub_codec_mask ub_cut_codecs(const uint32_t *t, size_t n)
{
    ub_codec_mask prev_lead = 0, prev_lead3 = 0, part = 0, cut = 0;
    ub_codec_rmap_ensure();
    for (size_t i = 0; i < n; i++) {
        if (t[i] < 0x80 || t[i] == 0xFFFD) {
            if (t[i] < 0x80)
                cut |= part;
            prev_lead = prev_lead3 = part = 0;
            continue;
        }
        const ub_codec_row *row = ub_codec_row_at(t[i]);
        ub_codec_mask cont = row ? row->cont : 0;
        cut |= (prev_lead | part) & ~cont;
        part = prev_lead3 & cont;
        prev_lead = row ? row->lead : 0;
        prev_lead3 = row ? row->lead3 : 0;
    }
    cut |= part;
    return cut & ub_codec_cont_droppable();
}

ub_codec_mask ub_gate_leads2(const uint32_t *t, size_t n)
{
    ub_codec_mask m = ub_codec_cont_droppable();
    size_t leads = 0;
    for (size_t i = 0; i < n && m; i++) {
        if (t[i] < 0x80)
            continue;
        m &= ub_codec_row_or_empty(t[i])->lead2;
        leads++;
    }
    return leads >= 2 ? m : 0;
}
