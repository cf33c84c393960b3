/*
 * lex.c -- the word lexicon: a Bloom filter of the training text's words
 * (see lex.h).  k bit positions per word by double hashing of one 64-bit
 * key, each mapped onto the filter's length by multiplication (no modulo,
 * any length).
 */
#include "lex.h"

#include <pthread.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

int ub_lex_apostrophe(uint32_t c)
{
    return c == '\'' || c == 0x2019 || c == 0x02BC;
}

int ub_lex_char(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) - 'a' < 26u || c == '\'';
    if (c == 0x2019 || c == 0x02BC)
        return 1;
    if (c == 0xAA || c == 0xBA || c == 0xB5)
        return 0;
    UChar32 u = (UChar32)c;
    int8_t t = u_charType(u);
    if (!(t == U_UPPERCASE_LETTER || t == U_LOWERCASE_LETTER || t == U_TITLECASE_LETTER ||
          t == U_MODIFIER_LETTER || t == U_OTHER_LETTER || t == U_NON_SPACING_MARK ||
          t == U_COMBINING_SPACING_MARK))
        return 0;
    /* not Thai, Lao, Tibetan, Myanmar, Khmer, nor the east Asian blocks:
     * no spaces between words.  Nor Hangul, which has them, but a Korean
     * word holds its particles, so a syllable that lost a byte makes
     * another word of the lexicon as often as not (ko 38.8% -> 35.7%
     * exact in lossy_quality section 1) */
    if (c < 0x2E80)
        return !(c >= 0x0E00 && c < 0x1200) && !(c >= 0x1780 && c < 0x1800);
    return (c >= 0xA640 && c < 0xA6A0) || (c >= 0xA720 && c < 0xA800) ||
           (c >= 0xFB00 && c < 0xFE00);
}

static uint64_t fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 33;
    h *= 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 33;
    return h;
}

uint64_t ub_lex_key(const uint32_t *w, size_t n)
{
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = w[i];
        if (ub_lex_apostrophe(c))
            c = '\'';
        else if (c < 0x80)
            c = c - 'A' < 26u ? c + 32 : c;
        else
            c = (uint32_t)u_tolower((UChar32)c);
        /* the code point's bytes, little-endian, FNV-1a */
        for (int b = 0; b < 3; b++)
            h = (h ^ ((c >> (8 * b)) & 0xFF)) * 0x100000001B3ull;
    }
    return fmix64(h ^ n);
}

static inline uint32_t bit_at(uint32_t h, uint32_t nbits)
{
    return (uint32_t)(((uint64_t)h * nbits) >> 32);
}

int ub_lex_has_key(const ub_lex *lex, uint64_t k)
{
    uint32_t h1 = (uint32_t)k, h2 = (uint32_t)(k >> 32) | 1;
    for (uint32_t i = 0; i < lex->k; i++) {
        uint32_t b = bit_at(h1 + i * h2, lex->nbits);
        if (!(lex->bits[b >> 6] >> (b & 63) & 1))
            return 0;
    }
    return 1;
}

void ub_lex_put_key(uint64_t *bits, uint32_t nbits, uint32_t k, uint64_t key)
{
    uint32_t h1 = (uint32_t)key, h2 = (uint32_t)(key >> 32) | 1;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t b = bit_at(h1 + i * h2, nbits);
        bits[b >> 6] |= 1ull << (b & 63);
    }
}

int ub_lex_has(const ub_lex *lex, const uint32_t *w, size_t n)
{
    if (n < 2 || n > UB_LEX_MAX)
        return 0;
    if (ub_lex_has_key(lex, ub_lex_key(w, n)))
        return 1;
    size_t a = 0, parts = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && !ub_lex_apostrophe(w[i]))
            continue;
        if (i - a >= 2 && !ub_lex_has_key(lex, ub_lex_key(w + a, i - a)))
            return 0;
        parts += i - a >= 2;
        a = i + 1;
    }
    return parts > 0;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int ub_lex_open(ub_lex *lex, const void *blob, size_t len)
{
    const uint8_t *p = blob;
    if (len < UB_LEX_HEADER || le32(p) != UB_LEX_MAGIC || le32(p + 4) != UB_LEX_VERSION)
        return -1;
    uint32_t nbits = le32(p + 8), k = le32(p + 12);
    if (!nbits || !k || k > 32 || (len - UB_LEX_HEADER) / 8 < (nbits + 63) / 64)
        return -1;
    lex->bits = (const uint64_t *)(const void *)(p + UB_LEX_HEADER);
    lex->nbits = nbits;
    lex->k = k;
    lex->nwords = le32(p + 16);
    return 0;
}

/* words_blob.S */
extern const uint8_t ub_words_blob_start[];
extern const uint8_t ub_words_blob_end[];

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static ub_lex builtin;
static int builtin_ok;

static void builtin_init(void)
{
    builtin_ok = !ub_lex_open(&builtin, ub_words_blob_start,
                              (size_t)(ub_words_blob_end - ub_words_blob_start));
}

const ub_lex *ub_lex_builtin(void)
{
    pthread_once(&builtin_once, builtin_init);
    return builtin_ok ? &builtin : NULL;
}
