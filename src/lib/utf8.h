/*
 * utf8.h -- small UTF-8 helpers shared by the library modules (internal).
 */
#ifndef UB_UTF8_H
#define UB_UTF8_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Length of the sequence a lead byte announces: 1..4, or 0 for a byte that
 * cannot start a sequence (continuation, C0/C1 leads, F5..FF). */
static inline int ub_utf8_seqlen(uint8_t b)
{
    if (b < 0x80) return 1;
    if (b < 0xC2) return 0;
    if (b < 0xE0) return 2;
    if (b < 0xF0) return 3;
    if (b < 0xF5) return 4;
    return 0;
}

static inline int ub_utf8_is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

/* Allowed range of the second byte after lead b (RFC 3629, table 3-7). */
static inline int ub_utf8_second_ok(uint8_t lead, uint8_t b)
{
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default:   return b >= 0x80 && b <= 0xBF;
    }
}

/*
 * Decode one strictly valid UTF-8 sequence at s[0..n).  On success store the
 * code point and return its length; return 0 if s does not start with a
 * complete valid sequence.
 */
static inline int ub_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t b = s[0];
    if (b < 0x80) { *cp = b; return 1; }
    int len = ub_utf8_seqlen(b);
    if (!len || (size_t)len > n || !ub_utf8_second_ok(b, s[1]))
        return 0;
    uint32_t c = b & (0x7F >> len);
    for (int i = 1; i < len; i++) {
        if (!ub_utf8_is_cont(s[i]))
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    *cp = c;
    return len;
}

/*
 * ub_utf8_decode() for the sequences of two and three bytes, the most
 * common by far, without its general loop; anything else (ASCII
 * included) goes to it.  The same result, the same length.
 */
static inline int ub_utf8_decode_fast(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint32_t b = s[0];
    if (b - 0xC2u <= 0xDFu - 0xC2u) {
        if (n >= 2 && ub_utf8_is_cont(s[1])) {
            *cp = (b & 0x1F) << 6 | (s[1] & 0x3Fu);
            return 2;
        }
        return 0;
    }
    if (b - 0xE0u <= 0xEFu - 0xE0u && n >= 3) {
        uint32_t b1 = s[1];
        int ok = b == 0xE0 ? b1 - 0xA0u <= 0x1Fu : b == 0xED ? b1 - 0x80u <= 0x1Fu
                                                             : ub_utf8_is_cont((uint8_t)b1);
        if (ok && ub_utf8_is_cont(s[2])) {
            *cp = (b & 0x0F) << 12 | (b1 & 0x3F) << 6 | (s[2] & 0x3Fu);
            return 3;
        }
        return 0;
    }
    return ub_utf8_decode(s, n, cp);
}

/* The length of cp in UTF-8 (ub_utf8_encode()'s, without the bytes). */
static inline int ub_utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Encode cp (must be a scalar value) into out[0..4); return the length. */
static inline int ub_utf8_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) { out[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the longest prefix of s[0..n) that is pure ASCII. */
size_t ub_ascii_prefix(const uint8_t *s, size_t n);

/* Length of the longest prefix of s[0..n) that is valid UTF-8 and ends on a
 * character boundary. */
size_t ub_utf8_valid_prefix(const uint8_t *s, size_t n);

/* Implementations of the two scans above, for tests and benchmarks (the
 * plain functions pick the best one themselves). */
enum {
    UB_SIMD_PORTABLE = 0,   /* 8-byte words and a shift DFA, any target */
    UB_SIMD_SSE2 = 1,       /* x86: 16-byte ASCII skipping, DFA */
    UB_SIMD_SSSE3 = 2,      /* x86: Keiser-Lemire lookup on 16 bytes */
    UB_SIMD_AVX2 = 3        /* x86: Keiser-Lemire lookup on 32 bytes */
};

/* The best UB_SIMD_* level this CPU runs. */
int ub_simd_level(void);

/* ub_ascii_prefix() and ub_utf8_valid_prefix() at a given UB_SIMD_* level;
 * a level above ub_simd_level() (or negative) means ub_simd_level(). */
size_t ub_ascii_prefix_at(int level, const uint8_t *s, size_t n);
size_t ub_utf8_valid_prefix_at(int level, const uint8_t *s, size_t n);

/* Do p[0..4) hold two two-byte sequences?  Then their code points (C0
 * and C1 controls included: overlong forms are the caller's to refuse).
 * One 4-byte load and mask on little-endian machines, byte by byte
 * elsewhere. */
static inline int ub_utf8_two2(const uint8_t *p, uint32_t *a, uint32_t *b)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t w;
    memcpy(&w, p, 4);
    if ((w & 0xC0E0C0E0u) != 0x80C080C0u)
        return 0;
    *a = (w & 0x1F) << 6 | (w >> 8 & 0x3F);
    *b = (w >> 16 & 0x1F) << 6 | (w >> 24 & 0x3F);
    return 1;
#else
    if ((p[0] & 0xE0) != 0xC0 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xE0) != 0xC0 ||
        (p[3] & 0xC0) != 0x80)
        return 0;
    *a = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    *b = (uint32_t)(p[2] & 0x1F) << 6 | (p[3] & 0x3F);
    return 1;
#endif
}

#endif
