/*
 * check.c -- the forward check: replay a hypothesis on its repair.
 *
 * A repair is written only if encoding it as UTF-8, decoding that with the
 * hypothesis' codecs layer by layer and applying the recorded losses gives
 * back the input run byte for byte.  This is the engine's safety net: the
 * search may be clever, this code is deliberately plain.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "engine.h"
#include "mbcs.h"
#include "mbcs_lossy.h"
#include "utf8.h"

/* Bytes, and below text, start in a buffer of their own: most runs are
 * short, and every candidate written is checked.  (Never copied: v
 * points into the struct until it outgrows it.) */
#define SMALL 256

typedef struct {
    uint8_t *v;
    size_t n, cap;
    uint8_t small[SMALL];
} bytes;

static void bytes_init(bytes *b)
{
    b->v = b->small;
    b->n = 0;
    b->cap = SMALL;
}

static void bytes_free(bytes *b)
{
    if (b->v != b->small)
        free(b->v);
}

/* Room for need bytes in all. */
static int reserve(bytes *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    size_t c = b->cap * 2;
    while (c < need)
        c *= 2;
    uint8_t *q = malloc(c);
    if (!q)
        return -1;
    memcpy(q, b->v, b->n);
    bytes_free(b);
    b->v = q;
    b->cap = c;
    return 0;
}

typedef struct {
    uint32_t *v;
    size_t cap;
    uint32_t small[SMALL];
} text_buf;

static void text_init(text_buf *t)
{
    t->v = t->small;
    t->cap = SMALL;
}

static void text_free(text_buf *t)
{
    if (t->v != t->small)
        free(t->v);
}

/* Room for need characters; what t held is lost. */
static int text_reserve(text_buf *t, size_t need)
{
    if (need <= t->cap)
        return 0;
    uint32_t *q = malloc(need * sizeof *q);
    if (!q)
        return -1;
    text_free(t);
    t->v = q;
    t->cap = need;
    return 0;
}

static int put(bytes *b, const uint8_t *p, size_t len)
{
    if (reserve(b, b->n + len))
        return -1;
    memcpy(b->v + b->n, p, len);
    b->n += len;
    return 0;
}

/* (every character of every repair comes through here: encoded in place) */
static inline int put_cp(bytes *b, uint32_t cp)
{
    if (reserve(b, b->n + 4))
        return -1;
    b->n += (size_t)ub_utf8_encode(cp, b->v + b->n);
    return 0;
}

/* Are the bytes built exactly in[0..inlen)? */
static int same(const bytes *b, const uint8_t *in, size_t inlen)
{
    return b->n == inlen && (inlen == 0 || memcmp(b->v, in, inlen) == 0);
}

/* UTF-8, or CESU-8 / modified UTF-8 when cesu is set. */
static int put_cp_cesu(bytes *b, uint32_t cp, int cesu)
{
    if (cesu && cp >= 0x10000) {
        uint32_t v = cp - 0x10000;
        return put_cp(b, 0xD800 + (v >> 10)) || put_cp(b, 0xDC00 + (v & 0x3FF));
    }
    if (cesu && cp == 0)
        return put(b, (const uint8_t *)"\xC0\x80", 2);
    return put_cp(b, cp);
}

/* Surrogate code points are written with the generic 3-byte form. */
static int encode_text(bytes *b, const uint32_t *t, size_t n, int cesu)
{
    b->n = 0;
    /* room for all of it at once: 4 bytes a character at most, 6 for a
     * CESU-8 surrogate pair */
    if (n > SIZE_MAX / 6 || reserve(b, n * (cesu ? 6 : 4)))
        return -1;
    if (cesu) {
        for (size_t i = 0; i < n; i++)
            if (put_cp_cesu(b, t[i], cesu))
                return -1;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        b->n += (size_t)ub_utf8_encode(t[i], b->v + b->n);
    return 0;
}

/* One wrong decode: the bytes of b read with codec, into *text; with drop,
 * by a decoder that drops the bytes the codec leaves undefined. */
static int decode_with(const bytes *b, int codec, int drop, text_buf *text, size_t *ntext)
{
    if (text_reserve(text, b->n))
        return -1;
    uint32_t *t = text->v;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
        if (!drop || !ub_codec_is_lossy(codec, b->v[i]))
            t[k++] = ub_codec_decode(codec, b->v[i]);
    *ntext = k;
    return 0;
}

/* Does in[*pos..inlen) begin with the UTF-8 v of a byte (ub_codec_utf8_)?
 * Then *pos goes past it. */
static inline int same_utf8(const uint8_t *v, const uint8_t *in, size_t inlen, size_t *pos)
{
    size_t vl = v[3], p = *pos;
    if (inlen - p >= 4) {
        /* (four bytes at once, those past the sequence masked) */
        static const uint8_t keep[4][4] = {
            { 0, 0, 0, 0 }, { 0xFF, 0, 0, 0 }, { 0xFF, 0xFF, 0, 0 }, { 0xFF, 0xFF, 0xFF, 0 }
        };
        uint32_t a, b, m;
        memcpy(&a, in + p, 4);
        memcpy(&b, v, 4);
        memcpy(&m, keep[vl], 4);
        if ((a ^ b) & m)
            return 0;
    } else if (inlen - p < vl || in[p] != v[0] || (vl > 1 && in[p + 1] != v[1]) ||
               (vl > 2 && in[p + 2] != v[2])) {
        return 0;
    }
    *pos = p + vl;
    return 1;
}

/* ub_check_forward() of the usual hypothesis, one layer of UTF-8 read
 * through codec: each character of the repair is encoded, and the UTF-8 of
 * what codec decodes each of its bytes to (ub_codec_utf8_) compared with
 * the input as it goes. */
static int forward_one(int codec, const uint32_t *out, size_t nout, const uint8_t *in,
                       size_t inlen)
{
    ub_codec_rmap_ensure();
    const uint8_t (*dec)[4] = ub_codec_utf8_[codec];
    size_t pos = 0;
    for (size_t i = 0; i < nout; i++) {
        uint32_t cp = out[i];
        if (cp < 0x80) {
            if (pos == inlen || in[pos] != cp)
                return 0;
            pos++;
            continue;
        }
        if (cp < 0x800) {
            /* (the usual: a lead and a continuation byte) */
            if (!same_utf8(dec[0x40 | cp >> 6], in, inlen, &pos) ||
                !same_utf8(dec[cp & 0x3F], in, inlen, &pos))
                return 0;
            continue;
        }
        uint8_t u[4];
        int len = ub_utf8_encode(cp, u);
        for (int j = 0; j < len; j++)
            if (!same_utf8(dec[u[j] - 0x80], in, inlen, &pos))
                return 0;
    }
    return pos == inlen;
}

int ub_check_forward(const ub_hyp *h, const uint32_t *out, size_t nout,
                     const uint8_t *in, size_t inlen)
{
    if (h->kind != UB_HYP_LEGACY && !h->inner_legacy && h->nlayers == 1 && !(h->cesu & 1))
        return forward_one(h->codec[0], out, nout, in, inlen);

    bytes b;
    text_buf tb;
    bytes_init(&b);
    text_init(&tb);
    size_t ntext = nout;
    int ok = -1;

    if (text_reserve(&tb, nout))
        goto done;
    uint32_t *text = tb.v;
    memcpy(text, out, nout * sizeof *text);

    if (h->kind == UB_HYP_LEGACY) {
        /* text in codec[0] read as ISO-8859-1: byte value = code point */
        for (size_t i = 0; i < ntext; i++) {
            int byte = ub_codec_encode(h->codec[0], text[i]);
            if (byte < 0) {
                ok = 0;
                goto done;
            }
            text[i] = (uint32_t)byte;
        }
    } else {
        if (h->inner_legacy) {
            /* the original was windows-1252 text read as ISO-8859-1 */
            for (size_t i = 0; i < ntext; i++) {
                int byte = ub_codec_encode(UB_CODEC_CP1252, text[i]);
                if (byte < 0) {
                    ok = 0;
                    goto done;
                }
                text[i] = (uint32_t)byte;
            }
        }
        /* innermost layer first: original -> bytes -> wrong decode */
        for (int l = h->nlayers - 1; l >= 0; l--) {
            if (encode_text(&b, text, ntext, h->cesu >> l & 1) ||
                decode_with(&b, h->codec[l], 0, &tb, &ntext))
                goto done;
            text = tb.v;
        }
    }
    if (encode_text(&b, text, ntext, 0))
        goto done;
    ok = same(&b, in, inlen);
done:
    text_free(&tb);
    bytes_free(&b);
    return ok;
}

/* Losses a byte of codec can suffer: a decoder drops or replaces the bytes
 * it cannot read (undefined, or C1 controls: ub_codec_is_lossy); a later
 * process strips a soft hyphen or an NBSP, or writes the NBSP as a space
 * (only where the codec reads 0xAD, 0xA0 so: ub_codec_is_shy, _nbsp). */
int ub_check_forward_lossy(const ub_hyp *h, const ub_lchar *chars, size_t n,
                           const uint8_t *in, size_t inlen)
{
    bytes b;
    text_buf text;
    bytes_init(&b);
    text_init(&text);
    int ok = -1;
    int inner = h->codec[h->nlayers - 1];
    for (size_t i = 0; i < n; i++) {
        const ub_lchar *c = &chars[i];
        if (c->keep == 1) {
            if (put_cp(&b, c->cp))
                goto done;
            continue;
        }
        if (c->keep == 2) {
            /* a windows-1252 byte among the UTF-8, read as Latin-1 */
            int byte = ub_codec_encode(UB_CODEC_CP1252, c->cp);
            if (byte < 0) {
                ok = 0;     /* no such byte: not a match (-1 is for memory) */
                goto done;
            }
            if (put_cp(&b, ub_codec_decode(UB_CODEC_LATIN1, (uint8_t)byte)))
                goto done;
            continue;
        }
        uint8_t u[4];
        int len = ub_utf8_encode(c->cp, u);
        for (int j = 0; j < len; j++) {
            int r = 0;
            switch (c->ops[j]) {
            case UB_OP_NONE:
                r = put_cp(&b, ub_codec_decode(inner, u[j]));
                break;
            case UB_OP_DROP:
                r = ub_codec_is_lossy(inner, u[j]) || ub_codec_is_shy(inner, u[j]) ||
                            ub_codec_is_nbsp(inner, u[j]) ? 0 : -2;
                break;
            case UB_OP_QMARK:
                r = ub_codec_is_lossy(inner, u[j]) ? put(&b, (const uint8_t *)"?", 1) : -2;
                break;
            case UB_OP_FFFD:
                r = ub_codec_is_lossy(inner, u[j]) ? put_cp(&b, 0xFFFD) : -2;
                break;
            case UB_OP_SPACE:
                r = ub_codec_is_nbsp(inner, u[j]) ? put(&b, (const uint8_t *)" ", 1) : -2;
                break;
            default:
                r = -2;
            }
            if (r == -2) {
                ok = 0;
                goto done;
            }
            if (r)
                goto done;
        }
    }
    /* the outer layers, innermost first: lossless, or dropping what their
     * codec cannot read */
    for (int l = h->nlayers - 2; l >= 0; l--) {
        size_t nt;
        if (decode_with(&b, h->codec[l], h->outer_drop, &text, &nt) ||
            encode_text(&b, text.v, nt, 0))
            goto done;
    }
    ok = same(&b, in, inlen);
done:
    text_free(&text);
    bytes_free(&b);
    return ok;
}

int ub_check_forward_mbcs(struct ub_mbcs_cache *cache, const ub_hyp *h, const uint32_t *out,
                          size_t nout, const uint8_t *in, size_t inlen)
{
    bytes b, r;
    bytes_init(&b);
    bytes_init(&r);
    uint32_t *text = NULL;
    int ok = -1;
    if (encode_text(&b, out, nout, 0))
        goto done;
    text = malloc((b.n ? b.n : 1) * sizeof *text);
    if (!text)
        goto done;
    size_t nsub = 0;
    long m;
    if (h->ops_used)    /* lossy: the decoder's own way with what it cannot decode */
        m = ub_mbcs_decode_conv(cache, h->codec[0] - UB_NCODECS, (ub_mbcs_conv_e)h->conv, b.v,
                                b.n, text, b.n ? b.n : 1);
    else
        m = ub_mbcs_decode(cache, h->codec[0] - UB_NCODECS, b.v, b.n, text, b.n ? b.n : 1, &nsub);
    if (m < 0)
        goto done;
    if (encode_text(&r, text, (size_t)m, 0))
        goto done;
    ok = nsub == 0 && same(&r, in, inlen);
done:
    free(text);
    bytes_free(&b);
    bytes_free(&r);
    return ok;
}

int ub_check_forward_bytes(struct ub_mbcs_cache *cache, const ub_hyp *h, const ub_lchar *chars,
                           size_t n, const uint8_t *in, size_t inlen)
{
    bytes b;
    bytes_init(&b);
    int ok = -1;
    int id = h->codec[0];
    if (id >= UB_NCODECS) {
        /* characters kept go back as the UTF-8 they were, the others
         * through the codec, a stretch at a time */
        size_t cap = 4 * n + 4;
        uint32_t *t = malloc((n ? n : 1) * sizeof *t);
        uint8_t *enc = malloc(cap);
        ok = 1;
        for (size_t i = 0; t && enc && ok == 1 && i < n;) {
            if (chars[i].keep) {
                if (put_cp(&b, chars[i].cp))
                    ok = -1;
                i++;
                continue;
            }
            size_t j = i;
            for (; j < n && !chars[j].keep; j++)
                t[j - i] = chars[j].cp;
            long m = ub_mbcs_encode(cache, id - UB_NCODECS, t, j - i, enc, cap);
            if (m == -2 || (m >= 0 && put(&b, enc, (size_t)m)))
                ok = -1;
            else if (m < 0)
                ok = 0;
            i = j;
        }
        if (!t || !enc)
            ok = -1;
        free(t);
        free(enc);
        if (ok == 1)
            ok = same(&b, in, inlen);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        if (chars[i].keep) {
            if (put_cp(&b, chars[i].cp))
                goto done;
            continue;
        }
        int byte = ub_codec_encode(id, chars[i].cp);
        if (byte < 0) {
            ok = 0;
            goto done;
        }
        uint8_t c = (uint8_t)byte;
        if (put(&b, &c, 1))
            goto done;
    }
    ok = same(&b, in, inlen);
done:
    bytes_free(&b);
    return ok;
}
