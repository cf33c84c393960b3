/*
 * simd.c -- the two scans the stream engine runs over every chunk: the
 * length of the ASCII prefix and the length of the strictly valid UTF-8
 * prefix (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF,
 * ending on a character boundary).
 *
 * Implementations, chosen at run time by ub_simd_level():
 *   AVX2   32-byte vectors, Keiser-Lemire lookup validation;
 *   SSSE3  the same algorithm on 16-byte vectors;
 *   SSE2   16-byte ASCII skipping plus the shift DFA below (SSE2 has no
 *          byte shuffle, so no table lookups in registers);
 *   portable  8-byte words for ASCII plus the shift DFA, for any target.
 *
 * The vector validators only answer "is this 64-byte block clean?".  Where
 * one is not, or at the tail of the buffer, the exact prefix length is found
 * by the shift DFA, restarted at the last character boundary before the
 * block.  The DFA never branches on the data: the state is a shift amount
 * into a 64-bit row picked by the byte's class, and the last accepting
 * position is kept with a conditional move.
 *
 * Reference: J. Keiser, D. Lemire, "Validating UTF-8 in less than one
 * instruction per byte", Software: Practice and Experience 51(5), 2021.
 */
#include <stdatomic.h>
#include <string.h>

#include "utf8.h"

#if defined(__x86_64__) || defined(__i386__)
#  if defined(__SSE2__)
#    define UB_X86 1
#    include <cpuid.h>
#    include <immintrin.h>
#  endif
#endif
#ifndef UB_X86
#  define UB_X86 0
#endif

/* ---------------------------------------------------------------------- */
/* Shift DFA (all levels)                                                 */
/* ---------------------------------------------------------------------- */

/*
 * States are multiples of 6 so that a state is also the shift that selects
 * its 6-bit field in a row: next = row[class(byte)] >> state & 63.
 * ERR is absorbing, ACC is the only accepting state.
 */
enum {
    S_ACC = 0 * 6,  /* between characters */
    S_ERR = 1 * 6,
    S_N1 = 2 * 6,   /* one more continuation byte, any */
    S_N2 = 3 * 6,   /* two more */
    S_N3 = 4 * 6,   /* three more */
    S_E0 = 5 * 6,   /* after E0: A0..BF, then one more */
    S_ED = 6 * 6,   /* after ED: 80..9F (no surrogates), then one more */
    S_F0 = 7 * 6,   /* after F0: 90..BF, then two more */
    S_F4 = 8 * 6    /* after F4: 80..8F (<= U+10FFFF), then two more */
};

/* Byte classes. */
enum {
    C_ASCII, C_80, C_90, C_A0, C_BAD, C_C2, C_E0, C_E1, C_ED, C_F0, C_F1, C_F4,
    C_COUNT
};

/* Row entry: in state `from`, go to state `to`. */
#define T(from, to) ((uint64_t)(to) << (from))
/* Every state not listed goes to S_ERR. */
#define ERRS(mask) ( \
    ((mask) & 0x001 ? 0 : T(S_ACC, S_ERR)) | T(S_ERR, S_ERR) | \
    ((mask) & 0x004 ? 0 : T(S_N1, S_ERR)) | ((mask) & 0x008 ? 0 : T(S_N2, S_ERR)) | \
    ((mask) & 0x010 ? 0 : T(S_N3, S_ERR)) | ((mask) & 0x020 ? 0 : T(S_E0, S_ERR)) | \
    ((mask) & 0x040 ? 0 : T(S_ED, S_ERR)) | ((mask) & 0x080 ? 0 : T(S_F0, S_ERR)) | \
    ((mask) & 0x100 ? 0 : T(S_F4, S_ERR)))
#define M_ACC 0x001
#define M_N   0x01C  /* N1, N2, N3 */

static const uint64_t dfa_row[C_COUNT] = {
    [C_ASCII] = ERRS(M_ACC) | T(S_ACC, S_ACC),
    [C_80] = ERRS(M_N | 0x040 | 0x100) | T(S_N1, S_ACC) | T(S_N2, S_N1) |
             T(S_N3, S_N2) | T(S_ED, S_N1) | T(S_F4, S_N2),
    [C_90] = ERRS(M_N | 0x040 | 0x080) | T(S_N1, S_ACC) | T(S_N2, S_N1) |
             T(S_N3, S_N2) | T(S_ED, S_N1) | T(S_F0, S_N2),
    [C_A0] = ERRS(M_N | 0x020 | 0x080) | T(S_N1, S_ACC) | T(S_N2, S_N1) |
             T(S_N3, S_N2) | T(S_E0, S_N1) | T(S_F0, S_N2),
    [C_BAD] = ERRS(0),
    [C_C2] = ERRS(M_ACC) | T(S_ACC, S_N1),
    [C_E0] = ERRS(M_ACC) | T(S_ACC, S_E0),
    [C_E1] = ERRS(M_ACC) | T(S_ACC, S_N2),
    [C_ED] = ERRS(M_ACC) | T(S_ACC, S_ED),
    [C_F0] = ERRS(M_ACC) | T(S_ACC, S_F0),
    [C_F1] = ERRS(M_ACC) | T(S_ACC, S_N3),
    [C_F4] = ERRS(M_ACC) | T(S_ACC, S_F4),
};

#define R4(c) c, c, c, c
#define R16(c) R4(c), R4(c), R4(c), R4(c)
static const uint8_t dfa_class[256] = {
    R16(C_ASCII), R16(C_ASCII), R16(C_ASCII), R16(C_ASCII),   /* 00..3F */
    R16(C_ASCII), R16(C_ASCII), R16(C_ASCII), R16(C_ASCII),   /* 40..7F */
    R16(C_80), R16(C_90), R16(C_A0), R16(C_A0),               /* 80..BF */
    C_BAD, C_BAD, R4(C_C2), R4(C_C2), R4(C_C2),               /* C0..CD */
    C_C2, C_C2, R16(C_C2),                                    /* CE..DF */
    C_E0, R4(C_E1), R4(C_E1), R4(C_E1), C_ED, C_E1, C_E1,     /* E0..EF */
    C_F0, C_F1, C_F1, C_F1, C_F4,                             /* F0..F4 */
    R4(C_BAD), R4(C_BAD), C_BAD, C_BAD, C_BAD                 /* F5..FF */
};

/*
 * One DFA step; `ok` becomes pos + 1 when the step ends a character.  Only
 * the low 6 bits of st are the state: the bits above are left over from the
 * row, and masking the shift count (free on x86, where shifts mask it
 * anyway) keeps the loop-carried chain to a single shift per byte.
 */
#define DFA_STEP(st, ok, s, pos) do { \
        (st) = dfa_row[dfa_class[(s)[pos]]] >> ((st) & 63); \
        (ok) = ((st) & 63) == S_ACC ? (pos) + 1 : (ok); \
    } while (0)

/*
 * Exact valid prefix of s[0..n), s[0] being a character boundary.  16-byte
 * ASCII blocks met between characters are skipped two words at a time.
 */
static size_t dfa_prefix(const uint8_t *s, size_t n)
{
    uint64_t st = S_ACC;
    size_t ok = 0, i = 0;
    while (n - i >= 16) {
        if ((st & 63) == S_ACC) {
            uint64_t w0, w1;
            memcpy(&w0, s + i, 8);
            memcpy(&w1, s + i + 8, 8);
            if (((w0 | w1) & 0x8080808080808080ull) == 0) {
                i += 16;
                ok = i;
                continue;
            }
        }
        for (size_t e = i + 16; i < e; i++)
            DFA_STEP(st, ok, s, i);
        if ((st & 63) == S_ERR)
            return ok;
    }
    for (; i < n; i++)
        DFA_STEP(st, ok, s, i);
    return ok;
}

/* ---------------------------------------------------------------------- */
/* Portable                                                               */
/* ---------------------------------------------------------------------- */

static size_t ascii_portable(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (n - i >= 32) {
        uint64_t w[4];
        memcpy(w, s + i, 32);
        if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ull) != 0)
            break;
        i += 32;
    }
    while (n - i >= 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull)
            break;
        i += 8;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

/* ---------------------------------------------------------------------- */
/* SSE2, SSSE3, AVX2                                                      */
/* ---------------------------------------------------------------------- */
#if UB_X86

#define LOAD16(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define LOAD32(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))

/*
 * Start of the character that contains s[end - 1], or end when s[0..end)
 * finishes with a complete ASCII character.  s[0..end) must be valid up to
 * a possibly incomplete last character, so at most 3 bytes are stepped
 * over.
 */
static size_t boundary_before(const uint8_t *s, size_t end)
{
    size_t q = end;
    while (q > 0 && end - q < 3 && ub_utf8_is_cont(s[q - 1]))
        q--;
    if (q > 0 && s[q - 1] >= 0xC0)
        q--;
    return q;
}

/* The index of the first byte of w (little-endian) with its top bit set;
 * w has one. */
static inline size_t first_high(uint64_t w)
{
    return (size_t)__builtin_ctzll(w & 0x8080808080808080ull) >> 3;
}

/*
 * The tails below the vector width end with one load that ends at s[n]
 * (n is at least as long), overlapping bytes already known to be ASCII:
 * its first non-ASCII byte, if any, is the first of the tail.  So a short
 * stretch -- most of them, between the runs of a line -- costs a load or
 * two, not a loop down to single bytes.
 */
static size_t ascii_sse2(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (n - i >= 64) {
        __m128i a = LOAD16(s + i);
        __m128i b = LOAD16(s + i + 16);
        __m128i c = LOAD16(s + i + 32);
        __m128i d = LOAD16(s + i + 48);
        __m128i o = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));
        if (_mm_movemask_epi8(o) != 0)
            break;
        i += 64;
    }
    while (n - i >= 16) {
        __m128i a = LOAD16(s + i);
        unsigned m = (unsigned)_mm_movemask_epi8(a);
        if (m)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
    if (i == n)
        return n;
    if (n >= 16) {
        unsigned m = (unsigned)_mm_movemask_epi8(LOAD16(s + n - 16));
        return m ? n - 16 + (size_t)__builtin_ctz(m) : n;
    }
    /* (n < 16: nothing read yet) */
    if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        if (a & 0x8080808080808080ull)
            return first_high(a);
        return b & 0x8080808080808080ull ? n - 8 + first_high(b) : n;
    }
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        if (a & 0x80808080u)
            return first_high(a);
        return b & 0x80808080u ? n - 4 + first_high(b) : n;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

/* SSE2 has no in-register table lookup: skip ASCII with vectors and
 * validate the rest with the DFA (which skips ASCII blocks by itself). */
static size_t valid_sse2(const uint8_t *s, size_t n)
{
    size_t i = ascii_sse2(s, n);
    return i + dfa_prefix(s + i, n - i);
}

/*
 * Keiser-Lemire: every byte is classified with three 16-entry lookups, on
 * the high and low nibble of the byte before it and the high nibble of the
 * byte itself; the AND of the three is non-zero exactly where the pair is
 * an error.  Bit 7 of that AND means "two continuation bytes in a row",
 * which is an error unless the byte two or three back is a 3- or 4-byte
 * lead; the final XOR with that condition turns it into an error bit too.
 */
#define KL_TOO_SHORT   (1 << 0)  /* lead followed by a non-continuation */
#define KL_TOO_LONG    (1 << 1)  /* ASCII followed by a continuation */
#define KL_OVERLONG_3  (1 << 2)  /* E0 80..9F */
#define KL_TOO_LARGE   (1 << 3)  /* F4 90..BF, F5.. */
#define KL_SURROGATE   (1 << 4)  /* ED A0..BF */
#define KL_OVERLONG_2  (1 << 5)  /* C0, C1 */
#define KL_TOO_LARGE_1000 (1 << 6)  /* F5.. 80..8F */
#define KL_OVERLONG_4  (1 << 6)  /* F0 80..8F */
#define KL_TWO_CONTS   (1 << 7)
#define KL_CARRY (KL_TOO_SHORT | KL_TOO_LONG | KL_TWO_CONTS)
#define KL_BIG (KL_CARRY | KL_TOO_LARGE | KL_TOO_LARGE_1000)
#define KL_CONT_ANY (KL_TOO_LONG | KL_OVERLONG_2 | KL_TWO_CONTS)

static const uint8_t kl_byte1_high[16] = {
    /* 0x00..0x7F */
    KL_TOO_LONG, KL_TOO_LONG, KL_TOO_LONG, KL_TOO_LONG,
    KL_TOO_LONG, KL_TOO_LONG, KL_TOO_LONG, KL_TOO_LONG,
    /* 0x80..0xBF */
    KL_TWO_CONTS, KL_TWO_CONTS, KL_TWO_CONTS, KL_TWO_CONTS,
    /* 0xC0.., 0xD0.., 0xE0.., 0xF0.. */
    KL_TOO_SHORT | KL_OVERLONG_2,
    KL_TOO_SHORT,
    KL_TOO_SHORT | KL_OVERLONG_3 | KL_SURROGATE,
    KL_TOO_SHORT | KL_TOO_LARGE | KL_TOO_LARGE_1000 | KL_OVERLONG_4
};
static const uint8_t kl_byte1_low[16] = {
    KL_CARRY | KL_OVERLONG_3 | KL_OVERLONG_2 | KL_OVERLONG_4,  /* x0 */
    KL_CARRY | KL_OVERLONG_2,                                  /* x1 */
    KL_CARRY, KL_CARRY,                                        /* x2, x3 */
    KL_CARRY | KL_TOO_LARGE,                                   /* x4 */
    KL_BIG, KL_BIG, KL_BIG, KL_BIG, KL_BIG, KL_BIG, KL_BIG, KL_BIG,
    KL_BIG | KL_SURROGATE,                                     /* xD */
    KL_BIG, KL_BIG
};
static const uint8_t kl_byte2_high[16] = {
    KL_TOO_SHORT, KL_TOO_SHORT, KL_TOO_SHORT, KL_TOO_SHORT,
    KL_TOO_SHORT, KL_TOO_SHORT, KL_TOO_SHORT, KL_TOO_SHORT,
    KL_CONT_ANY | KL_OVERLONG_3 | KL_TOO_LARGE_1000 | KL_OVERLONG_4,  /* 8x */
    KL_CONT_ANY | KL_OVERLONG_3 | KL_TOO_LARGE,                       /* 9x */
    KL_CONT_ANY | KL_SURROGATE | KL_TOO_LARGE,                        /* Ax */
    KL_CONT_ANY | KL_SURROGATE | KL_TOO_LARGE,                        /* Bx */
    KL_TOO_SHORT, KL_TOO_SHORT, KL_TOO_SHORT, KL_TOO_SHORT
};
/* Saturating-subtracted from the last 16 bytes of a block: non-zero where
 * a lead byte still needs bytes after the block. */
static const uint8_t kl_max3[16] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0 - 1, 0xE0 - 1, 0xC0 - 1
};

/* ---- 16-byte vectors (SSSE3) ---- */

struct kl128 {
    __m128i b1h, b1l, b2h, low4, max3, t3, t4, hi;
};

__attribute__((target("ssse3")))
static void kl128_init(struct kl128 *k)
{
    k->b1h = LOAD16(kl_byte1_high);
    k->b1l = LOAD16(kl_byte1_low);
    k->b2h = LOAD16(kl_byte2_high);
    k->low4 = _mm_set1_epi8(0x0F);
    k->max3 = LOAD16(kl_max3);
    k->t3 = _mm_set1_epi8(0xE0 - 0x80);
    k->t4 = _mm_set1_epi8(0xF0 - 0x80);
    k->hi = _mm_set1_epi8(-0x80);
}

/* Error bits of the 16 bytes `in`, given the 16 bytes before them. */
__attribute__((target("ssse3")))
static __m128i kl128_check(const struct kl128 *k, __m128i in, __m128i prev_in)
{
    __m128i prev1 = _mm_alignr_epi8(in, prev_in, 15);
    __m128i prev2 = _mm_alignr_epi8(in, prev_in, 14);
    __m128i prev3 = _mm_alignr_epi8(in, prev_in, 13);
    __m128i b1h = _mm_shuffle_epi8(k->b1h, _mm_and_si128(_mm_srli_epi16(prev1, 4), k->low4));
    __m128i b1l = _mm_shuffle_epi8(k->b1l, _mm_and_si128(prev1, k->low4));
    __m128i b2h = _mm_shuffle_epi8(k->b2h, _mm_and_si128(_mm_srli_epi16(in, 4), k->low4));
    __m128i sc = _mm_and_si128(_mm_and_si128(b1h, b1l), b2h);
    __m128i must23 = _mm_or_si128(_mm_subs_epu8(prev2, k->t3), _mm_subs_epu8(prev3, k->t4));
    return _mm_xor_si128(_mm_and_si128(must23, k->hi), sc);
}

__attribute__((target("ssse3")))
static size_t valid_ssse3(const uint8_t *s, size_t n)
{
    struct kl128 k;
    kl128_init(&k);
    __m128i prev = _mm_setzero_si128(), incomplete = _mm_setzero_si128();
    size_t i = 0;
    while (n - i >= 64) {
        __m128i a = LOAD16(s + i), b = LOAD16(s + i + 16);
        __m128i c = LOAD16(s + i + 32), d = LOAD16(s + i + 48);
        __m128i err;
        if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d))) == 0) {
            err = incomplete;
            incomplete = _mm_setzero_si128();
        } else {
            err = _mm_or_si128(_mm_or_si128(kl128_check(&k, a, prev), kl128_check(&k, b, a)),
                               _mm_or_si128(kl128_check(&k, c, b), kl128_check(&k, d, c)));
            incomplete = _mm_subs_epu8(d, k.max3);
        }
        prev = d;
        if (_mm_movemask_epi8(_mm_cmpeq_epi8(err, _mm_setzero_si128())) != 0xFFFF)
            break;
        i += 64;
    }
    /* s[0..i) is valid but for an incomplete last character. */
    size_t q = boundary_before(s, i);
    return q + dfa_prefix(s + q, n - q);
}

/* ---- 32-byte vectors (AVX2) ---- */

struct kl256 {
    __m256i b1h, b1l, b2h, low4, max3, t3, t4, hi;
};

__attribute__((target("avx2")))
static void kl256_init(struct kl256 *k)
{
    k->b1h = _mm256_broadcastsi128_si256(LOAD16(kl_byte1_high));
    k->b1l = _mm256_broadcastsi128_si256(LOAD16(kl_byte1_low));
    k->b2h = _mm256_broadcastsi128_si256(LOAD16(kl_byte2_high));
    k->low4 = _mm256_set1_epi8(0x0F);
    /* Only the high lane's last bytes end a block. */
    k->max3 = _mm256_inserti128_si256(_mm256_set1_epi8(-1), LOAD16(kl_max3), 1);
    k->t3 = _mm256_set1_epi8(0xE0 - 0x80);
    k->t4 = _mm256_set1_epi8(0xF0 - 0x80);
    k->hi = _mm256_set1_epi8(-0x80);
}

__attribute__((target("avx2")))
static __m256i kl256_check(const struct kl256 *k, __m256i in, __m256i prev_in)
{
    /* [prev_in high lane, in low lane]: the 16 bytes before each lane. */
    __m256i mid = _mm256_permute2x128_si256(prev_in, in, 0x21);
    __m256i prev1 = _mm256_alignr_epi8(in, mid, 15);
    __m256i prev2 = _mm256_alignr_epi8(in, mid, 14);
    __m256i prev3 = _mm256_alignr_epi8(in, mid, 13);
    __m256i b1h = _mm256_shuffle_epi8(k->b1h, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), k->low4));
    __m256i b1l = _mm256_shuffle_epi8(k->b1l, _mm256_and_si256(prev1, k->low4));
    __m256i b2h = _mm256_shuffle_epi8(k->b2h, _mm256_and_si256(_mm256_srli_epi16(in, 4), k->low4));
    __m256i sc = _mm256_and_si256(_mm256_and_si256(b1h, b1l), b2h);
    __m256i must23 = _mm256_or_si256(_mm256_subs_epu8(prev2, k->t3), _mm256_subs_epu8(prev3, k->t4));
    return _mm256_xor_si256(_mm256_and_si256(must23, k->hi), sc);
}

__attribute__((target("avx2")))
static size_t ascii_avx2(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (n - i >= 64) {
        __m256i a = LOAD32(s + i), b = LOAD32(s + i + 32);
        if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) != 0) {
            uint32_t ma = (uint32_t)_mm256_movemask_epi8(a);
            if (ma)
                return i + (size_t)__builtin_ctz(ma);
            return i + 32 + (size_t)__builtin_ctz((uint32_t)_mm256_movemask_epi8(b));
        }
        i += 64;
    }
    if (n - i >= 32) {
        uint32_t m = (uint32_t)_mm256_movemask_epi8(LOAD32(s + i));
        if (m)
            return i + (size_t)__builtin_ctz(m);
        i += 32;
    }
    if (i == n)
        return n;
    if (n >= 32) {
        /* (the tail, as in ascii_sse2()) */
        uint32_t m = (uint32_t)_mm256_movemask_epi8(LOAD32(s + n - 32));
        return m ? n - 32 + (size_t)__builtin_ctz(m) : n;
    }
    return ascii_sse2(s, n);
}

__attribute__((target("avx2")))
static size_t valid_avx2(const uint8_t *s, size_t n)
{
    struct kl256 k;
    kl256_init(&k);
    __m256i prev = _mm256_setzero_si256(), incomplete = _mm256_setzero_si256();
    size_t i = 0;
    while (n - i >= 64) {
        __m256i a = LOAD32(s + i), b = LOAD32(s + i + 32);
        __m256i err;
        if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0) {
            err = incomplete;
            incomplete = _mm256_setzero_si256();
        } else {
            err = _mm256_or_si256(kl256_check(&k, a, prev), kl256_check(&k, b, a));
            incomplete = _mm256_subs_epu8(b, k.max3);
        }
        prev = b;
        if (!_mm256_testz_si256(err, err))
            break;
        i += 64;
    }
    size_t q = boundary_before(s, i);
    return q + dfa_prefix(s + q, n - q);
}

#endif /* UB_X86 */

/* ---------------------------------------------------------------------- */
/* Dispatch                                                               */
/* ---------------------------------------------------------------------- */

#if UB_X86
/* A few CPUID leaves, not libgcc's __cpu_indicator_init(): under a
 * hypervisor every CPUID traps (~10 us), and its full scan costs ~0.1 ms
 * per start-up. */
static int detect_level(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return UB_SIMD_SSE2;
    int level = c & bit_SSSE3 ? UB_SIMD_SSSE3 : UB_SIMD_SSE2;
    /* AVX2 also needs the OS to save the YMM registers (XCR0 bits 1, 2) */
    if ((c & bit_OSXSAVE) && (c & bit_AVX)) {
        unsigned lo, hi;
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        (void)hi;
        if ((lo & 6) == 6 && __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX2))
            level = UB_SIMD_AVX2;
    }
    return level;
}
#endif

int ub_simd_level(void)
{
#if UB_X86
    static _Atomic int cached = -1;
    int l = atomic_load_explicit(&cached, memory_order_relaxed);
    if (l < 0) {
        l = detect_level();
        atomic_store_explicit(&cached, l, memory_order_relaxed);
    }
    return l;
#else
    return UB_SIMD_PORTABLE;
#endif
}

static int clamp_level(int level)
{
    int best = ub_simd_level();
    return level < 0 ? best : level > best ? best : level;
}

size_t ub_ascii_prefix_at(int level, const uint8_t *s, size_t n)
{
    switch (clamp_level(level)) {
#if UB_X86
    case UB_SIMD_AVX2:
        return ascii_avx2(s, n);
    case UB_SIMD_SSSE3:
    case UB_SIMD_SSE2:
        return ascii_sse2(s, n);
#endif
    default:
        return ascii_portable(s, n);
    }
}

size_t ub_utf8_valid_prefix_at(int level, const uint8_t *s, size_t n)
{
    switch (clamp_level(level)) {
#if UB_X86
    case UB_SIMD_AVX2:
        return valid_avx2(s, n);
    case UB_SIMD_SSSE3:
        return valid_ssse3(s, n);
    case UB_SIMD_SSE2:
        return valid_sse2(s, n);
#endif
    default:
        return dfa_prefix(s, n);
    }
}

size_t ub_ascii_prefix(const uint8_t *s, size_t n)
{
#if UB_X86
    if (ub_simd_level() == UB_SIMD_AVX2)
        return ascii_avx2(s, n);
    return ascii_sse2(s, n);
#else
    return ascii_portable(s, n);
#endif
}

size_t ub_utf8_valid_prefix(const uint8_t *s, size_t n)
{
#if UB_X86
    if (ub_simd_level() == UB_SIMD_AVX2)
        return valid_avx2(s, n);
    if (ub_simd_level() == UB_SIMD_SSSE3)
        return valid_ssse3(s, n);
    return valid_sse2(s, n);
#else
    return dfa_prefix(s, n);
#endif
}
