/*
 * fuzz_codec.h -- an independent decoder for the fuzz targets legacy and
 * check: the codecs by their public names (unbake_codec_name()) through
 * ICU's converters, and glibc's iconv for a table ICU lacks, written from
 * the documented behaviour and not from the library's code or tables.
 *
 *  - Single-byte codecs map 0x00..0x7F to ASCII (codec.h); a byte ICU
 *    leaves undefined, or maps to a C1 control, is "lossy".  The engine's
 *    wrong decode reads a lossy byte as the code point of the same value
 *    (fz_sbcs.sloppy); the input stage (--from, a legacy file) writes
 *    U+FFFD for a lossy byte from 0xA0 up and the C1 control of the same
 *    value below it (man/unbake.1, INPUT ENCODINGS).
 *  - The multibyte codecs use the ICU converters mbcs.h pins for them
 *    (ICU's own aliases send "euc-kr" to a table nobody decodes with);
 *    every undecodable sequence is one U+FFFD, one per call of ICU's
 *    error callback.
 *  - Anything else is opened by name in ICU, with the same callback.
 */
#ifndef UB_FUZZ_CODEC_H
#define UB_FUZZ_CODEC_H

#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include "fuzz_common.h"

/* ---------------------------------------------------------------- bytes */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} fz_bytes;

static inline void fz_put(fz_bytes *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap : 64;
        while (c < b->n + n + 1)
            c *= 2;
        uint8_t *q = realloc(b->p, c);
        FUZZ_ASSERT(q != NULL);
        b->p = q;
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* UTF-8 of any code point up to 0x10FFFF, surrogates in the generic
 * three-byte form. */
static inline void fz_put_cp(fz_bytes *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | cp >> 6);
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | cp >> 18);
        u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    fz_put(b, u, n);
}

/* Lenient UTF-8 decode for texts taken from fuzz input: a valid sequence
 * gives its code point, any other byte its own value.  Returns the length. */
static inline size_t fz_next_cp(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint8_t c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3 :
                 c >= 0xF0 && c < 0xF5 ? 4 : 0;
    if (len > 1 && len <= n && fuzz_valid_utf8(s, len)) {
        uint32_t v = c & (0x7Fu >> len);
        for (size_t k = 1; k < len; k++)
            v = v << 6 | (s[k] & 0x3Fu);
        *cp = v;
        return len;
    }
    *cp = c;
    return 1;
}

/* ---------------------------------------------------------------- codecs */

/* The multibyte codecs and their pinned ICU converters (mbcs.h). */
static const struct {
    const char *name, *icu;
} fz_mbcs_pins[] = {
    { "gbk", "windows-936-2000" },
    { "gb18030", "gb18030" },
    { "big5", "windows-950-2000" },
    { "big5-hkscs", "ibm-1375_P100-2008" },
    { "shift_jis", "ibm-943_P15A-2003" },
    { "euc-jp", "euc-jp-2007" },
    { "euc-kr", "windows-949-2000" },
};
#define FZ_NMBCS ((int)(sizeof fz_mbcs_pins / sizeof fz_mbcs_pins[0]))

static inline int fz_mbcs_index(const char *name)
{
    for (int i = 0; i < FZ_NMBCS; i++)
        if (!strcmp(name, fz_mbcs_pins[i].name))
            return i;
    return -1;
}

typedef struct {
    char name[32];
    int ok;                 /* the table could be built */
    uint32_t cp[256];       /* what ICU (or iconv) decodes each byte to */
    uint8_t lossy[256];     /* undefined, or a C1 control */
    uint32_t sloppy[256];   /* the engine's reading: lossy bytes as their value */
} fz_sbcs;

static inline long fz_icu_byte(UConverter *cnv, uint8_t b)
{
    UChar u[4];
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(cnv);
    int32_t m = ucnv_toUChars(cnv, u, 4, (const char *)&b, 1, &err);
    if (U_FAILURE(err) || m != 1 || u[0] == 0xFFFD || u[0] == 0x1A)
        return -1;
    return u[0];
}

static inline long fz_iconv_byte(iconv_t cd, uint8_t b)
{
    char in = (char)b, *ip = &in;
    uint32_t out = 0;
    char *op = (char *)&out;
    size_t il = 1, ol = sizeof out;
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || ol != 0)
        return -1;
    return (long)out;
}

/* Is name one of the library's codecs (unbake_codec_name()) and not one of
 * the multibyte ones? */
static inline int fz_is_sbcs(const char *name)
{
    if (!name || fz_mbcs_index(name) >= 0)
        return 0;
    for (int i = 0; i < unbake_codec_count(); i++)
        if (!strcmp(unbake_codec_name(i), name))
            return 1;
    return 0;
}

/* The table of a single-byte codec by public name; NULL for any other name,
 * or when neither ICU nor iconv knows it. */
static inline const fz_sbcs *fz_sbcs_get(const char *name)
{
    static fz_sbcs cache[48];
    static int ncache;
    if (!fz_is_sbcs(name) || strlen(name) >= sizeof cache[0].name)
        return NULL;
    for (int i = 0; i < ncache; i++)
        if (!strcmp(cache[i].name, name))
            return cache[i].ok ? &cache[i] : NULL;
    FUZZ_ASSERT(ncache < 48);
    fz_sbcs *t = &cache[ncache++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    long v[256];
    UErrorCode err = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(name, &err);
    if (U_SUCCESS(err) && ucnv_getMaxCharSize(cnv) == 1) {
        ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
        for (int b = 0x80; b < 256; b++)
            v[b] = fz_icu_byte(cnv, (uint8_t)b);
    } else {
        iconv_t cd = iconv_open("UTF-32LE", name);
        if (cd == (iconv_t)-1) {
            if (cnv)
                ucnv_close(cnv);
            return NULL;
        }
        for (int b = 0x80; b < 256; b++)
            v[b] = fz_iconv_byte(cd, (uint8_t)b);
        iconv_close(cd);
    }
    if (cnv)
        ucnv_close(cnv);
    for (int b = 0; b < 256; b++) {
        long c = b < 0x80 ? b : v[b];
        t->lossy[b] = b >= 0x80 && (c < 0 || (c >= 0x80 && c < 0xA0));
        t->cp[b] = c < 0 ? 0xFFFD : (uint32_t)c;
        t->sloppy[b] = t->lossy[b] ? (uint32_t)b : (uint32_t)c;
    }
    t->ok = 1;
    return t;
}

/* ---------------------------------------------------------------- ICU */

/* Error callback: one U+FFFD (or nothing, with drop) per undecodable
 * sequence, counted. */
typedef struct {
    size_t nsub;
    int drop;
} fz_cbstate;

static void fz_to_u_cb(const void *ctx, UConverterToUnicodeArgs *args, const char *units,
                       int32_t len, UConverterCallbackReason reason, UErrorCode *err)
{
    (void)units;
    (void)len;
    if (reason > UCNV_IRREGULAR)
        return;
    fz_cbstate *st = (fz_cbstate *)(uintptr_t)ctx;
    static const UChar fffd = 0xFFFD;
    st->nsub++;
    *err = U_ZERO_ERROR;
    if (!st->drop)
        ucnv_cbToUWriteUChars(args, &fffd, 1, 0, err);
}

/* Decode in[0..n) with ICU converter icu into UTF-8 (appended to out);
 * unpaired surrogates become U+FFFD.  Returns the number of undecodable
 * sequences, or -1 when the converter cannot be opened. */
static inline long fz_icu_decode(const char *icu, const uint8_t *in, size_t n, int drop,
                                 fz_bytes *out)
{
    UErrorCode err = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(icu, &err);
    if (U_FAILURE(err))
        return -1;
    fz_cbstate st = { 0, drop };
    ucnv_setToUCallBack(cnv, fz_to_u_cb, &st, NULL, NULL, &err);
    FUZZ_ASSERT(U_SUCCESS(err));
    int32_t cap = (int32_t)(2 * n + 8);
    UChar *u = malloc((size_t)cap * sizeof *u);
    FUZZ_ASSERT(u != NULL);
    int32_t m = ucnv_toUChars(cnv, u, cap, (const char *)in, (int32_t)n, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        cap = m + 1;
        u = realloc(u, (size_t)cap * sizeof *u);
        FUZZ_ASSERT(u != NULL);
        err = U_ZERO_ERROR;
        st.nsub = 0;
        ucnv_reset(cnv);
        m = ucnv_toUChars(cnv, u, cap, (const char *)in, (int32_t)n, &err);
    }
    FUZZ_ASSERT(U_SUCCESS(err) || err == U_STRING_NOT_TERMINATED_WARNING);
    for (int32_t i = 0; i < m; i++) {
        uint32_t c = u[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < m && u[i + 1] >= 0xDC00 && u[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00u);
            i++;
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
            st.nsub++;
        }
        fz_put_cp(out, c);
    }
    free(u);
    ucnv_close(cnv);
    return (long)st.nsub;
}

/*
 * The input stage's decoding of in[0..n) forced to codec `name` (a public
 * codec name or any ICU name), as UTF-8 appended to out.  Returns 0, or -1
 * when this oracle cannot decode the name.
 */
static inline int fz_input_decode(const char *name, const uint8_t *in, size_t n, fz_bytes *out)
{
    const fz_sbcs *t = fz_sbcs_get(name);
    if (t) {
        for (size_t i = 0; i < n; i++)
            fz_put_cp(out, t->lossy[in[i]] && in[i] >= 0xA0 ? 0xFFFD : t->sloppy[in[i]]);
        return 0;
    }
    int k = fz_mbcs_index(name);
    return fz_icu_decode(k >= 0 ? fz_mbcs_pins[k].icu : name, in, n, 0, out) < 0 ? -1 : 0;
}

#endif
