/*
 * gen_mbcs.c -- write src/lib/mbcs_tables.bin, the multibyte codec tables,
 * from ICU's converters.
 *
 * For each codec of src/lib/mbcs.c the decoder is enumerated (every byte,
 * every lead/trail pair, EUC-JP's 0x8F triples) with fallbacks off, every
 * code point it produces is encoded back, and only exact round trips are
 * kept (ICU uses fallbacks from private-use code points whatever
 * ucnv_setFallback() says, so each encoding must also decode to its code
 * point); the decodings that are not round trips are the one-way
 * "alternatives".  The same ICU calls give how many bytes ICU's error
 * covers at every lead/trail pair and EUC-JP triple, which the lossy
 * reverse (src/lib/mbcs_lossy_conv.c) needs to know what a U+FFFD stands
 * for.  mbcs.c and mbcs_lossy_conv.c used to do this at run time on first
 * use (2-20 milliseconds per codec); now they read the result, embedded
 * with src/lib/mbcs_blob.S.  The codec list below must match defs[] in
 * mbcs.c: the blob names each converter and mbcs.c refuses a blob whose
 * names differ.
 *
 * The format (all integers little-endian; offsets from the blob's start):
 *
 *   header, 128 bytes
 *     0  "UBMBCS02"         magic and format version
 *     8  u32 size           of the whole blob
 *    12  u32 ncodecs
 *    16  char icu[16]       ICU version, NUL-padded ("72.1")
 *    32  char note[96]      provenance (generator, ICU, Debian package)
 *   then ncodecs directory entries of 96 bytes
 *     0  char icu_name[32]  the converter, NUL-padded
 *    32  u32 single         u16[256]: byte -> decoded value (see below)
 *    36  u32 rows           128 rows, lead 0x80..0xFF, 8 bytes each:
 *                           u32 base, u8 lo, u8 hi, u16 0; trail t in
 *                           lo..hi decodes to pool[base + t - lo]
 *    40  u32 pool, npool    u16[npool]: decoded values of the pairs
 *    48  u32 triple         u16[94 * 94] for 0x8F a b (a, b in A1..FE),
 *                           or 0 when the codec has no triples
 *    52  u32 supp, nsupp    u32[nsupp]: supplementary code points
 *    60  u32 top, ntop      u16[ntop]: page (256 code points) + 1, 0 none
 *    68  u32 enc, npages    u16[256] per page: round-trip encodings
 *    76  u32 prod           u8[32] per page: bit set = may be produced
 *    80  u32 alts, nalts    (u32 cp, u32 packed sequence), sorted
 *    88  u32 lossy          u8[256] per byte b, then err2 (below)
 *                           bit 0: b decodes on its own; bit 1: b leads
 *                           a decodable pair; bit 2: b leads decodable
 *                           triples (EUC-JP 0x8F); bits 3-4: ICU's error
 *                           length at b (b >= 0x80 and no character on
 *                           its own) depends on the next byte (1) or the
 *                           next two (2); bits 5-6: that length at b
 *                           followed by 0x00
 *                           err2: 2 bits per pair b t (b 0x80..0xFF, t
 *                           0..0xFF), index 256 * (b - 0x80) + t, 4 to a
 *                           byte from bit 0: ICU's error length at b
 *                           followed by t, 0 when b t decodes
 *    92  u32 lossy3         err3 of 0x8F a b (a, b 0..0xFF, index 256 a +
 *                           b, 2 bits each as err2), or 0 when the codec
 *                           has no triples
 *   sections, each 64-byte aligned; enc pages 512-byte aligned (the blob
 *   itself is 4096-byte aligned) so a lookup touches one memory page.
 *
 *   decoded value: 0xFFFF none; 0xD800 + i supp[i]; else the code point
 *   (the generator checks that no decoder produces U+FFFF or surrogates).
 *   encoding: 0 none; 1..0x100 the byte v - 1; 0x1000 + 94 * (a - 0xA1) +
 *   (b - 0xA1) the triple 0x8F a b; >= 0x8000 the pair v >> 8, v & 0xFF.
 *   packed sequence: (length << 24) | bytes, as ub_mbcs_encode_alts().
 *   error length: how many bytes ICU's error (one U+FFFD) covers, found as
 *   where its next output starts; the sequences are enumerated followed by
 *   '\n', so a length is at most the sequence's own.
 *
 * Usage: gen_mbcs OUTPUT      writes OUTPUT, prints the ICU version and
 *                             the Debian package it came from
 *
 * tests/unit/test_mbcs.c includes this file (with GEN_MBCS_NO_MAIN) to
 * rebuild the blob from the ICU it runs with and compare.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/uversion.h>

#define GM_NONE 0xFFFFFFFFu             /* no mapping */
#define GM_MARK 0xFFFF                  /* written by the enumeration callback */
#define GM_NCP 0x110000u
#define GM_SEQ(len, bytes) ((uint32_t)(len) << 24 | (bytes))

enum { GM_HEADER = 128, GM_ENTRY = 96 };

/* The per-byte flags of the lossy section (see the format). */
enum { GM_SINGLE = 1, GM_LEAD = 2, GM_TLEAD = 4, GM_DEP_SHIFT = 3, GM_LEN_SHIFT = 5 };

/* The codecs, in the order and with the converters of defs[] in mbcs.c. */
static const struct gm_codec {
    const char *icu;
    int triples;                        /* also enumerate 0x8F xx yy */
} gm_codecs[] = {
    { "windows-936-2000", 0 },
    { "gb18030", 0 },
    { "windows-950-2000", 0 },
    { "ibm-1375_P100-2008", 0 },
    { "ibm-943_P15A-2003", 0 },
    { "euc-jp-2007", 1 },
    { "windows-949-2000", 0 },
};

#define GM_NCODECS ((int)(sizeof gm_codecs / sizeof gm_codecs[0]))

/* ------------------------------------------------------------ enumerate */

/* Enumeration callback: mark the error (a non-character no codec maps to). */
static void gm_mark_cb(const void *ctx, UConverterToUnicodeArgs *args, const char *units,
                       int32_t len, UConverterCallbackReason reason, UErrorCode *err)
{
    (void)ctx;
    (void)units;
    (void)len;
    if (reason > UCNV_IRREGULAR)
        return;
    static const UChar mark = GM_MARK;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &mark, 1, 0, err);
}

/*
 * Decode nitems sequences of seqlen bytes, each followed by '\n' (which no
 * codec accepts as a trail byte, so a broken sequence cannot swallow the
 * next one), in one ICU call.  res[k] = the code point sequence k decodes
 * to on its own, or GM_NONE when it is invalid, unmapped, consumed in
 * pieces or decodes to more than one code point.  errlen (if not NULL)[k] =
 * the length of the error ICU reports at the first byte of sequence k (up
 * to where its next output starts), 0 when that byte starts a decodable
 * sequence.
 */
static int gm_enumerate(UConverter *cnv, const uint8_t *src, size_t nitems, int seqlen,
                        uint32_t *res, uint8_t *errlen)
{
    size_t stride = (size_t)seqlen + 1, n = nitems * stride;
    UChar *u = malloc(2 * n * sizeof *u);
    int32_t *off = malloc(2 * n * sizeof *off);
    uint8_t *cnt = calloc(nitems, 1);
    int rc = -1;
    if (!u || !off || !cnt)
        goto out;
    for (size_t k = 0; k < nitems; k++) {
        res[k] = GM_NONE;
        if (errlen)
            errlen[k] = 0xEE;           /* not seen yet */
    }
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(cnv);
    UChar *t = u;
    const char *s = (const char *)src;
    ucnv_toUnicode(cnv, &t, u + 2 * n, &s, s + n, off, 1, &err);
    if (U_FAILURE(err))
        goto out;
    size_t m = (size_t)(t - u);
    for (size_t i = 0; i < m; i++) {
        if (off[i] < 0)
            continue;
        size_t k = (size_t)off[i] / stride, pos = (size_t)off[i] % stride;
        if (pos == (size_t)seqlen)
            continue;                   /* the separator */
        if (errlen && pos == 0 && errlen[k] == 0xEE) {
            size_t j = i + 1;
            while (j < m && off[j] == off[i])
                j++;
            long len = u[i] != GM_MARK ? 0 : j < m ? (long)off[j] - off[i] : seqlen;
            if (len < 0 || len > seqlen) {
                fprintf(stderr, "gen_mbcs: error length %ld out of range\n", len);
                goto out;
            }
            errlen[k] = (uint8_t)len;
        }
        if (pos != 0 || u[i] == GM_MARK) {
            cnt[k] = 100;               /* broken up: invalid */
            continue;
        }
        uint32_t c = u[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < m && off[i + 1] == off[i] &&
            u[i + 1] >= 0xDC00 && u[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00u);
            i++;
        } else if (c >= 0xD800 && c < 0xE000) {
            cnt[k] = 100;
            continue;
        }
        if (cnt[k] < 100)
            cnt[k]++;
        res[k] = c;
    }
    for (size_t k = 0; k < nitems; k++) {
        if (cnt[k] != 1)
            res[k] = GM_NONE;
        if (errlen && errlen[k] == 0xEE)
            errlen[k] = 1;              /* no output of its own */
    }
    rc = 0;
out:
    free(u);
    free(off);
    free(cnt);
    return rc;
}

/* ------------------------------------------------------------ one codec */

/* Every (sequence, code point) pair of the decoder. */
struct gm_map {
    uint32_t seq, cp;
};

struct gm_tab {
    uint32_t single[256];
    uint32_t pair[128 * 256];           /* [lead - 0x80][trail] */
    uint32_t triple[94 * 94];
    uint8_t err2[128 * 256];            /* ... at b t, [b - 0x80][t] */
    uint8_t err3[256 * 256];            /* ... at 0x8F a b, [a][b] */
    int triples;
    uint32_t *enc;                      /* [GM_NCP]: packed sequence, 0 none */
    uint8_t *prod;                      /* [GM_NCP]: 1 = produced */
    struct gm_map *map;                 /* decodings, then the one-way ones */
    size_t nmap, nalts;
};

static uint32_t gm_decode(const struct gm_tab *t, const uint8_t *b, int len)
{
    if (len == 1)
        return t->single[b[0]];
    if (len == 2)
        return b[0] >= 0x80 ? t->pair[(size_t)(b[0] - 0x80) * 256 + b[1]] : GM_NONE;
    if (len == 3 && t->triples && b[0] == 0x8F && b[1] >= 0xA1 && b[1] <= 0xFE &&
        b[2] >= 0xA1 && b[2] <= 0xFE)
        return t->triple[(size_t)(b[1] - 0xA1) * 94 + (b[2] - 0xA1)];
    return GM_NONE;
}

static int gm_cmp_map(const void *a, const void *b)
{
    const struct gm_map *x = a, *y = b;
    if (x->cp != y->cp)
        return x->cp < y->cp ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Encode every produced code point once (fallbacks off, unmappable ones
 * skipped) and keep the encodings that decode back to the same code point;
 * then move the one-way decodings to the front of t->map, sorted.
 */
static int gm_encode_all(struct gm_tab *t, UConverter *cnv)
{
    size_t nm = t->nmap;
    int rc = -1;
    uint32_t *cps = malloc(nm * sizeof *cps);
    UChar *u = malloc(2 * nm * sizeof *u);
    int32_t *uidx = malloc(2 * nm * sizeof *uidx);   /* UChar -> cps index */
    char *b = malloc(8 * nm + 16);
    int32_t *off = malloc((8 * nm + 16) * sizeof *off);
    uint8_t *queued = calloc(GM_NCP, 1);
    if (!cps || !u || !uidx || !b || !off || !queued)
        goto out;
    size_t ncp = 0, nu = 0;
    for (size_t i = 0; i < nm; i++) {
        uint32_t cp = t->map[i].cp;
        if (queued[cp])
            continue;
        queued[cp] = 1;
        if (cp >= 0x10000) {
            uidx[nu] = (int32_t)ncp;
            u[nu++] = (UChar)(0xD800 + ((cp - 0x10000) >> 10));
            uidx[nu] = (int32_t)ncp;
            u[nu++] = (UChar)(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            uidx[nu] = (int32_t)ncp;
            u[nu++] = (UChar)cp;
        }
        cps[ncp++] = cp;
    }

    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(cnv);
    ucnv_setFromUCallBack(cnv, UCNV_FROM_U_CALLBACK_SKIP, NULL, NULL, NULL, &err);
    char *tp = b;
    const UChar *sp = u;
    ucnv_fromUnicode(cnv, &tp, b + 8 * nm + 16, &sp, u + nu, off, 1, &err);
    if (U_FAILURE(err))
        goto out;
    size_t nb = (size_t)(tp - b);
    for (size_t i = 0; i < nb; ) {
        size_t j = i + 1;
        while (j < nb && off[j] == off[i])
            j++;
        if (off[i] >= 0 && (size_t)off[i] < nu && j - i <= 3) {
            uint32_t cp = cps[uidx[off[i]]];
            uint8_t seq[3];
            uint32_t packed = 0;
            for (size_t k = i; k < j; k++) {
                seq[k - i] = (uint8_t)b[k];
                packed = packed << 8 | (uint8_t)b[k];
            }
            if (gm_decode(t, seq, (int)(j - i)) == cp)
                t->enc[cp] = GM_SEQ(j - i, packed);
        }
        i = j;
    }

    /* one-way sequences: decode to cp but are not its round-trip form */
    size_t na = 0;
    for (size_t i = 0; i < nm; i++)
        if (t->enc[t->map[i].cp] != t->map[i].seq)
            t->map[na++] = t->map[i];
    t->nalts = na;
    qsort(t->map, na, sizeof *t->map, gm_cmp_map);
    rc = 0;
out:
    free(cps);
    free(u);
    free(uidx);
    free(b);
    free(off);
    free(queued);
    return rc;
}

static int gm_add(struct gm_tab *t, size_t *cap, uint32_t seq, uint32_t cp)
{
    if (t->nmap == *cap) {
        size_t c = *cap ? 2 * *cap : 1024;
        struct gm_map *q = realloc(t->map, c * sizeof *q);
        if (!q)
            return -1;
        t->map = q;
        *cap = c;
    }
    t->map[t->nmap++] = (struct gm_map){ seq, cp };
    t->prod[cp] = 1;
    return 0;
}

/* Fill t (whose enc and prod are zeroed) from the converter. */
static int gm_build(struct gm_tab *t, const struct gm_codec *d)
{
    uint8_t *src = NULL;
    uint32_t *res3 = NULL;
    size_t mcap = 0;
    int rc = -1;
    t->nmap = t->nalts = 0;
    t->triples = d->triples;
    UErrorCode err = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(d->icu, &err);
    if (U_FAILURE(err)) {
        fprintf(stderr, "gen_mbcs: %s: ICU: %s\n", d->icu, u_errorName(err));
        return -1;
    }
    ucnv_setFallback(cnv, 0);
    ucnv_setToUCallBack(cnv, gm_mark_cb, NULL, NULL, NULL, &err);
    src = malloc(256 * 256 * 4);
    if (U_FAILURE(err) || !src)
        goto out;

    /* single bytes */
    for (int b = 0; b < 256; b++) {
        src[2 * b] = (uint8_t)b;
        src[2 * b + 1] = '\n';
    }
    if (gm_enumerate(cnv, src, 256, 1, t->single, NULL))
        goto out;
    /* pairs, for every byte >= 0x80 that is not a character on its own */
    for (size_t k = 0; k < 128 * 256; k++) {
        src[3 * k] = (uint8_t)(0x80 + k / 256);
        src[3 * k + 1] = (uint8_t)(k % 256);
        src[3 * k + 2] = '\n';
    }
    if (gm_enumerate(cnv, src, 128 * 256, 2, t->pair, t->err2))
        goto out;
    for (size_t k = 0; k < 128 * 256; k++)
        if (t->single[0x80 + k / 256] != GM_NONE)
            t->pair[k] = GM_NONE;
    for (size_t k = 0; k < 94 * 94; k++)
        t->triple[k] = GM_NONE;
    if (d->triples) {
        /* every 0x8F a b: the error lengths need them all, the characters
         * are the ones with a and b in A1..FE */
        res3 = malloc(256 * 256 * sizeof *res3);
        if (!res3)
            goto out;
        for (size_t k = 0; k < 256 * 256; k++) {
            src[4 * k] = 0x8F;
            src[4 * k + 1] = (uint8_t)(k / 256);
            src[4 * k + 2] = (uint8_t)(k % 256);
            src[4 * k + 3] = '\n';
        }
        if (gm_enumerate(cnv, src, 256 * 256, 3, res3, t->err3))
            goto out;
        for (size_t k = 0; k < 94 * 94; k++)
            t->triple[k] = res3[(0xA1 + k / 94) * 256 + 0xA1 + k % 94];
    }

    /* what the decoder produces */
    for (int b = 0; b < 256; b++)
        if (t->single[b] != GM_NONE && gm_add(t, &mcap, GM_SEQ(1, b), t->single[b]))
            goto out;
    for (size_t k = 0; k < 128 * 256; k++)
        if (t->pair[k] != GM_NONE &&
            gm_add(t, &mcap, GM_SEQ(2, 0x8000 + k), t->pair[k]))
            goto out;
    for (size_t k = 0; k < 94 * 94; k++) {
        uint32_t bytes = 0x8F0000u | (uint32_t)(0xA1 + k / 94) << 8 | (uint32_t)(0xA1 + k % 94);
        if (t->triple[k] != GM_NONE && gm_add(t, &mcap, GM_SEQ(3, bytes), t->triple[k]))
            goto out;
    }
    rc = gm_encode_all(t, cnv);
out:
    if (rc)
        fprintf(stderr, "gen_mbcs: %s: enumeration failed (memory or ICU)\n", d->icu);
    free(res3);
    free(src);
    ucnv_close(cnv);
    return rc;
}

/* ------------------------------------------------------------ the blob */

struct gm_out {
    uint8_t *p;
    size_t n, cap;
    int failed;
};

static size_t gm_reserve(struct gm_out *o, size_t n, size_t align)
{
    size_t at = (o->n + align - 1) / align * align;
    if (at + n > o->cap) {
        size_t c = o->cap ? o->cap : 1 << 20;
        while (c < at + n)
            c *= 2;
        uint8_t *q = realloc(o->p, c);
        if (!q) {
            o->failed = 1;
            return 0;
        }
        memset(q + o->cap, 0, c - o->cap);
        o->p = q;
        o->cap = c;
    }
    o->n = at + n;
    return at;
}

static void gm_put16(struct gm_out *o, size_t at, uint32_t v)
{
    if (o->failed)
        return;
    o->p[at] = (uint8_t)v;
    o->p[at + 1] = (uint8_t)(v >> 8);
}

static void gm_put32(struct gm_out *o, size_t at, uint32_t v)
{
    if (o->failed)
        return;
    for (int i = 0; i < 4; i++)
        o->p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

/* The stored form of a decoded code point (see the format above). */
static int gm_value(const uint32_t *supp, size_t nsupp, uint32_t cp, uint32_t *v)
{
    if (cp == GM_NONE) {
        *v = 0xFFFF;
        return 0;
    }
    if (cp < 0x10000) {
        if ((cp >= 0xD800 && cp < 0xE000) || cp == 0xFFFF)
            return -1;
        *v = cp;
        return 0;
    }
    for (size_t i = 0; i < nsupp; i++)
        if (supp[i] == cp) {
            *v = 0xD800 + (uint32_t)i;
            return 0;
        }
    return -1;
}

/* The stored form of a round-trip encoding (see the format above). */
static int gm_enc_value(uint32_t seq, uint32_t *v)
{
    uint32_t len = seq >> 24, bytes = seq & 0xFFFFFF;
    if (seq == 0)
        *v = 0;
    else if (len == 1 && bytes < 0x100)
        *v = bytes + 1;
    else if (len == 2 && bytes >= 0x8000 && bytes <= 0xFFFF)
        *v = bytes;
    else if (len == 3 && bytes >> 16 == 0x8F && (bytes >> 8 & 0xFF) >= 0xA1 &&
             (bytes >> 8 & 0xFF) <= 0xFE && (bytes & 0xFF) >= 0xA1 && (bytes & 0xFF) <= 0xFE)
        *v = 0x1000 + 94 * ((bytes >> 8 & 0xFF) - 0xA1) + ((bytes & 0xFF) - 0xA1);
    else
        return -1;
    return 0;
}

static int gm_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Store 2-bit value v as item k of the packed table at o->p + at. */
static int gm_put2(struct gm_out *o, size_t at, size_t k, uint32_t v)
{
    if (v > 3)
        return -1;
    if (!o->failed)
        o->p[at + k / 4] |= (uint8_t)(v << (2 * (k % 4)));
    return 0;
}

/* The lossy section: per-byte flags and ICU's error lengths. */
static int gm_emit_lossy(struct gm_out *o, size_t e, const struct gm_tab *t)
{
    size_t at = gm_reserve(o, 256 + 128 * 256 / 4, 64);
    gm_put32(o, e + 88, (uint32_t)at);
    int tlead = 0;
    for (size_t k = 0; k < 94 * 94 && t->triples && t->single[0x8F] == GM_NONE; k++)
        tlead |= t->pair[(0x8F - 0x80) * 256 + 0xA1 + k / 94] == GM_NONE &&
                 t->triple[k] != GM_NONE;
    for (int b = 0; b < 256; b++) {
        uint32_t f = 0;
        if (t->single[b] != GM_NONE) {
            f = GM_SINGLE;
        } else if (b >= 0x80) {
            const uint32_t *pair = t->pair + (size_t)(b - 0x80) * 256;
            const uint8_t *row = t->err2 + (size_t)(b - 0x80) * 256;
            int dep = 0;
            for (int x = 0; x < 256; x++) {
                if (pair[x] != GM_NONE)
                    f |= GM_LEAD;
                dep |= row[x] != row[0];
            }
            if (b == 0x8F && tlead) {
                f |= GM_TLEAD;
                dep = 2;
            }
            if (row[0] > 3)
                return -1;
            f |= (uint32_t)dep << GM_DEP_SHIFT | (uint32_t)row[0] << GM_LEN_SHIFT;
        }
        if (!o->failed)
            o->p[at + (size_t)b] = (uint8_t)f;
    }
    for (size_t k = 0; k < 128 * 256; k++)
        if (gm_put2(o, at + 256, k, t->err2[k]))
            return -1;
    if (t->triples) {
        at = gm_reserve(o, 256 * 256 / 4, 64);
        gm_put32(o, e + 92, (uint32_t)at);
        for (size_t k = 0; k < 256 * 256; k++)
            if (gm_put2(o, at, k, t->err3[k]))
                return -1;
    }
    return 0;
}

/* Append codec t's sections to o and fill its directory entry at e. */
static int gm_emit(struct gm_out *o, size_t e, const struct gm_codec *d, const struct gm_tab *t)
{
    /* the supplementary code points the decoder produces */
    uint32_t *supp = malloc(0x800 * sizeof *supp);
    size_t nsupp = 0;
    int rc = -1;
    if (!supp)
        return -1;
    for (uint32_t cp = 0x10000; cp < GM_NCP; cp++)
        if (t->prod[cp]) {
            if (nsupp == 0x800) {
                fprintf(stderr, "gen_mbcs: %s: too many supplementary characters\n", d->icu);
                goto out;
            }
            supp[nsupp++] = cp;
        }
    qsort(supp, nsupp, sizeof *supp, gm_cmp_u32);

    if (strlen(d->icu) >= 32)
        goto out;
    memcpy(o->p + e, d->icu, strlen(d->icu));

    uint32_t v;
    size_t at = gm_reserve(o, 256 * 2, 64);
    gm_put32(o, e + 32, (uint32_t)at);
    for (int b = 0; b < 256; b++) {
        if (gm_value(supp, nsupp, t->single[b], &v))
            goto bad_value;
        gm_put16(o, at + 2 * (size_t)b, v);
    }

    /* pairs: per lead, the trails lo..hi that decode */
    size_t rows = gm_reserve(o, 128 * 8, 64);
    gm_put32(o, e + 36, (uint32_t)rows);
    size_t npool = 0;
    int lo[128], hi[128];
    for (int l = 0; l < 128; l++) {
        lo[l] = 256;
        hi[l] = -1;
        for (int tr = 0; tr < 256; tr++)
            if (t->pair[l * 256 + tr] != GM_NONE) {
                if (lo[l] == 256)
                    lo[l] = tr;
                hi[l] = tr;
            }
        if (hi[l] < 0) {
            lo[l] = 1;
            hi[l] = 0;
        }
        gm_put32(o, rows + 8 * (size_t)l, (uint32_t)npool);
        if (!o->failed) {
            o->p[rows + 8 * (size_t)l + 4] = (uint8_t)lo[l];
            o->p[rows + 8 * (size_t)l + 5] = (uint8_t)hi[l];
        }
        npool += (size_t)(hi[l] - lo[l] + 1);
    }
    size_t pool = gm_reserve(o, 2 * npool, 64), k = 0;
    gm_put32(o, e + 40, (uint32_t)pool);
    gm_put32(o, e + 44, (uint32_t)npool);
    for (int l = 0; l < 128; l++)
        for (int tr = lo[l]; tr <= hi[l]; tr++) {
            if (gm_value(supp, nsupp, t->pair[l * 256 + tr], &v))
                goto bad_value;
            gm_put16(o, pool + 2 * k++, v);
        }

    if (t->triples) {
        at = gm_reserve(o, 94 * 94 * 2, 64);
        gm_put32(o, e + 48, (uint32_t)at);
        for (size_t i = 0; i < 94 * 94; i++) {
            if (gm_value(supp, nsupp, t->triple[i], &v))
                goto bad_value;
            gm_put16(o, at + 2 * i, v);
        }
    }

    at = gm_reserve(o, 4 * nsupp, 64);
    gm_put32(o, e + 52, (uint32_t)at);
    gm_put32(o, e + 56, (uint32_t)nsupp);
    for (size_t i = 0; i < nsupp; i++)
        gm_put32(o, at + 4 * i, supp[i]);

    /* pages: the 256-code-point blocks with a produced code point */
    uint32_t ntop = 0, npages = 0;
    for (uint32_t cp = 0; cp < GM_NCP; cp++)
        if (t->prod[cp])
            ntop = (cp >> 8) + 1;
    size_t top = gm_reserve(o, 2 * (size_t)ntop, 64);
    gm_put32(o, e + 60, (uint32_t)top);
    gm_put32(o, e + 64, ntop);
    for (uint32_t p = 0; p < ntop; p++) {
        int any = 0;
        for (uint32_t c = 0; c < 256; c++)
            any |= t->prod[p << 8 | c];
        if (any)
            gm_put16(o, top + 2 * (size_t)p, ++npages);
    }
    size_t enc = gm_reserve(o, 512 * (size_t)npages, 512);
    size_t prod = gm_reserve(o, 32 * (size_t)npages, 64);
    gm_put32(o, e + 68, (uint32_t)enc);
    gm_put32(o, e + 72, npages);
    gm_put32(o, e + 76, (uint32_t)prod);
    for (uint32_t p = 0, i = 0; p < ntop; p++) {
        int any = 0;
        for (uint32_t c = 0; c < 256; c++)
            any |= t->prod[p << 8 | c];
        if (!any)
            continue;
        for (uint32_t c = 0; c < 256; c++) {
            uint32_t cp = p << 8 | c;
            if (t->enc[cp] && !t->prod[cp])
                goto bad_value;
            if (gm_enc_value(t->enc[cp], &v))
                goto bad_value;
            gm_put16(o, enc + 512 * (size_t)i + 2 * c, v);
            if (t->prod[cp] && !o->failed)
                o->p[prod + 32 * (size_t)i + c / 8] |= (uint8_t)(1u << (c % 8));
        }
        i++;
    }

    at = gm_reserve(o, 8 * t->nalts, 64);
    gm_put32(o, e + 80, (uint32_t)at);
    gm_put32(o, e + 84, (uint32_t)t->nalts);
    for (size_t i = 0; i < t->nalts; i++) {
        gm_put32(o, at + 8 * i, t->map[i].cp);
        gm_put32(o, at + 8 * i + 4, t->map[i].seq);
    }
    if (gm_emit_lossy(o, e, t))
        goto bad_value;
    rc = o->failed ? -1 : 0;
    goto out;
bad_value:
    fprintf(stderr, "gen_mbcs: %s: a mapping does not fit the format\n", d->icu);
out:
    free(supp);
    return rc;
}

int gen_mbcs_build(const char *note, uint8_t **blob, size_t *size);

/*
 * Build the whole blob from the ICU this program runs with.  note (at most
 * 95 bytes) is stored as the provenance.
 * @return 0 with *blob (malloc'ed) and *size, or -1 after a message.
 */
int gen_mbcs_build(const char *note, uint8_t **blob, size_t *size)
{
    struct gm_out o = { 0 };
    struct gm_tab *t = calloc(1, sizeof *t);
    int rc = -1;
    if (t) {
        t->enc = malloc(GM_NCP * sizeof *t->enc);
        t->prod = malloc(GM_NCP);
    }
    if (!t || !t->enc || !t->prod) {
        fprintf(stderr, "gen_mbcs: out of memory\n");
        goto out;
    }
    size_t dir = gm_reserve(&o, GM_HEADER + GM_NCODECS * GM_ENTRY, 64);
    if (o.failed)
        goto out;
    memcpy(o.p, "UBMBCS02", 8);
    UVersionInfo vi;
    char icu[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(vi);
    u_versionToString(vi, icu);
    gm_put32(&o, 12, GM_NCODECS);
    memcpy(o.p + 16, icu, strnlen(icu, 15));
    memcpy(o.p + 32, note, strnlen(note, 95));
    for (int i = 0; i < GM_NCODECS; i++) {
        memset(t->enc, 0, GM_NCP * sizeof *t->enc);
        memset(t->prod, 0, GM_NCP);
        if (gm_build(t, &gm_codecs[i]) ||
            gm_emit(&o, dir + GM_HEADER + (size_t)i * GM_ENTRY, &gm_codecs[i], t))
            goto out;
    }
    gm_reserve(&o, 0, 64);
    gm_put32(&o, 8, (uint32_t)o.n);
    if (o.failed) {
        fprintf(stderr, "gen_mbcs: out of memory\n");
        goto out;
    }
    *blob = o.p;
    *size = o.n;
    o.p = NULL;
    rc = 0;
out:
    if (t) {
        free(t->enc);
        free(t->prod);
        free(t->map);
    }
    free(t);
    free(o.p);
    return rc;
}

#ifndef GEN_MBCS_NO_MAIN

#include <dlfcn.h>
#include <limits.h>

/* The Debian package and version that installed ICU's library, or "". */
static void debian_package(char *out, size_t cap)
{
    Dl_info info;
    char path[PATH_MAX], cmd[PATH_MAX + 64], line[512];
    out[0] = 0;
    if (!dladdr((void *)(uintptr_t)u_getVersion, &info) || !info.dli_fname ||
        !realpath(info.dli_fname, path) || strchr(path, '\''))
        return;
    snprintf(cmd, sizeof cmd, "dpkg-query -S '%s' 2>/dev/null", path);
    FILE *f = popen(cmd, "r");
    if (!f)
        return;
    char pkg[128] = "";
    if (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, ":, ");    /* "libicu72:amd64: /usr/lib/..." */
        if (n < sizeof pkg) {
            memcpy(pkg, line, n);
            pkg[n] = 0;
        }
    }
    pclose(f);
    if (!pkg[0] || strspn(pkg, "abcdefghijklmnopqrstuvwxyz0123456789+-.") != strlen(pkg))
        return;
    snprintf(cmd, sizeof cmd, "dpkg-query -W -f '${Version}' '%s' 2>/dev/null", pkg);
    f = popen(cmd, "r");
    if (!f)
        return;
    if (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        snprintf(out, cap, "%.40s %.60s", pkg, line);
    }
    pclose(f);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "Usage: gen_mbcs OUTPUT\n");
        return 2;
    }
    UVersionInfo vi;
    char icu[U_MAX_VERSION_STRING_LENGTH], pkg[256], note[96];
    u_getVersion(vi);
    u_versionToString(vi, icu);
    debian_package(pkg, sizeof pkg);
    snprintf(note, sizeof note, "src/gen/gen_mbcs.c, ICU %.15s, Debian %.32s; DO NOT EDIT",
             icu, pkg[0] ? pkg : "unknown");
    uint8_t *blob;
    size_t size;
    if (gen_mbcs_build(note, &blob, &size))
        return 1;
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(blob, 1, size, f) != size || fclose(f)) {
        perror(argv[1]);
        free(blob);
        return 1;
    }
    printf("gen_mbcs: ICU %s, Debian package %s\n", icu, pkg[0] ? pkg : "unknown");
    for (int i = 0; i < GM_NCODECS; i++) {
        const uint8_t *e = blob + GM_HEADER + (size_t)i * GM_ENTRY;
        uint32_t w[16];
        for (int k = 0; k < 14; k++)
            w[k] = (uint32_t)e[32 + 4 * k] | (uint32_t)e[33 + 4 * k] << 8 |
                   (uint32_t)e[34 + 4 * k] << 16 | (uint32_t)e[35 + 4 * k] << 24;
        printf("  %-20s %5u pair values, %4u supplementary, %3u pages, %4u one-way\n",
               gm_codecs[i].icu, w[3], w[6], w[10], w[13]);
    }
    printf("  %zu bytes\n", size);
    free(blob);
    return 0;
}

#endif
