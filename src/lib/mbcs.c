/*
 * mbcs.c -- multibyte codecs: names, tables built from ICU, encode/decode.
 *
 * Why tables and not ICU calls: the detector asks "can this run be GBK
 * mojibake?" for every run of CJK text it meets, clean text included, and
 * answering by table lookup costs nanoseconds where an ICU round trip per
 * run (encode, then decode again to rule out fallbacks) costs far more.
 * The tables are derived from ICU itself, once, by enumerating the decoder
 * (see build()), so they cannot drift from the converter that
 * ub_mbcs_decode() and the forward check use.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include "codec.h"
#include "mbcs.h"

/* ------------------------------------------------------------ codec list */

struct def {
    const char *name;
    const char *icu;
    int prior;          /* tenths of a nat */
    int triples;        /* 1: also enumerate 0x8F xx yy (EUC-JP) */
    int four_byte;      /* 1: four-byte forms exist (gb18030) */
    const char *aliases;
};

/* Priors: GBK mojibake (the "锟斤拷" world) is by far the most common, then
 * Shift_JIS, Big5 and cp949; GB18030 decodes UTF-8 like GBK and only
 * matters when the two disagree; EUC-JP and HKSCS are rarer still. */
static const struct def defs[] = {
    { "gbk", "windows-936-2000", 10, 0, 0,
      "cp936 ms936 windows-936 936 gb2312 csgb2312 euc-cn euccn x-gbk chinese "
      "iso-ir-58 gb_2312-80" },
    { "gb18030", "gb18030", 25, 0, 1, "gb-18030 windows-54936 54936 ibm-1392" },
    { "big5", "windows-950-2000", 20, 0, 0,
      "cp950 ms950 windows-950 950 big-5 csbig5 x-big5 cn-big5 big5-eten" },
    { "big5-hkscs", "ibm-1375_P100-2008", 30, 0, 0,
      "big5hkscs hkscs ms950_hkscs big5-hk x-ms950-hkscs" },
    { "shift_jis", "ibm-943_P15A-2003", 15, 0, 0,
      "sjis shiftjis ms_kanji csshiftjis cp932 ms932 windows-31j windows-932 932 "
      "x-sjis cswindows31j x-ms-cp932" },
    { "euc-jp", "euc-jp-2007", 25, 1, 0, "eucjp ujis x-euc-jp cseucpkdfmtjapanese" },
    { "euc-kr", "windows-949-2000", 20, 0, 0,
      "euckr cp949 ms949 windows-949 949 uhc ks_c_5601-1987 ks_c_5601-1989 ksc5601 "
      "korean cseuckr iso-ir-149" },
};

#define NDEFS ((int)(sizeof defs / sizeof defs[0]))

int ub_mbcs_count(void)
{
    return NDEFS;
}

static const struct def *def_of(int id)
{
    return id >= 0 && id < NDEFS ? &defs[id] : NULL;
}

const char *ub_mbcs_name(int id)
{
    return def_of(id) ? defs[id].name : NULL;
}

const char *ub_mbcs_icu_name(int id)
{
    return def_of(id) ? defs[id].icu : NULL;
}

const char *ub_mbcs_aliases(int id)
{
    return def_of(id) ? defs[id].aliases : NULL;
}

int ub_mbcs_prior(int id)
{
    return def_of(id) ? defs[id].prior : 1000;
}

int ub_mbcs_find(const char *name)
{
    if (!name)
        return -1;
    for (int id = 0; id < NDEFS; id++)
        if (ub_codec_name_matches(name, defs[id].name, defs[id].aliases))
            return id;
    return -1;
}

/* ------------------------------------------------------------ tables */

#define NONE 0xFFFFFFFFu            /* no mapping */
#define NTOP 0x1100u                /* 256-code-point pages up to U+10FFFF */
#define MARK 0xFFFF                 /* written by the enumeration callback */

#define SEQ(len, bytes) ((uint32_t)(len) << 24 | (bytes))

struct page {
    uint32_t enc[256];              /* packed round-trip sequence, 0 = none */
    uint64_t prod[4];               /* the decoder can produce this one */
};

struct alt {
    uint32_t cp, seq;
};

struct tab {
    int ok;
    uint16_t top[NTOP];             /* page index + 1, 0 = no page */
    struct page *pages;
    size_t npages, pcap;
    uint32_t single[256];           /* byte -> code point or NONE */
    uint32_t *pair;                 /* [lead - 0x80][trail] */
    uint32_t *triple;               /* EUC-JP 0x8F [a - 0xA1][b - 0xA1] */
    struct alt *alts;               /* one-way sequences, sorted by cp */
    size_t nalts;
};

static _Atomic(struct tab *) tabs[sizeof defs / sizeof defs[0]];
static struct tab failed;           /* ok == 0: building failed */
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;

static struct page *page_of(struct tab *t, uint32_t cp, int create)
{
    uint32_t hi = cp >> 8;
    if (hi >= NTOP)
        return NULL;
    if (t->top[hi])
        return &t->pages[t->top[hi] - 1];
    if (!create)
        return NULL;
    if (t->npages == t->pcap) {
        size_t c = t->pcap ? 2 * t->pcap : 64;
        struct page *p = realloc(t->pages, c * sizeof *p);
        if (!p)
            return NULL;
        t->pages = p;
        t->pcap = c;
    }
    struct page *p = &t->pages[t->npages++];
    memset(p, 0, sizeof *p);
    t->top[hi] = (uint16_t)t->npages;
    return p;
}

static const struct page *page_get(const struct tab *t, uint32_t cp)
{
    uint32_t hi = cp >> 8;
    return hi < NTOP && t->top[hi] ? &t->pages[t->top[hi] - 1] : NULL;
}

static void free_tab(struct tab *t)
{
    if (!t || t == &failed)
        return;
    free(t->pages);
    free(t->pair);
    free(t->triple);
    free(t->alts);
    free(t);
}

/* Enumeration callback: mark the error (a non-character no codec maps to). */
static void mark_cb(const void *ctx, UConverterToUnicodeArgs *args, const char *units,
                    int32_t len, UConverterCallbackReason reason, UErrorCode *err)
{
    (void)ctx;
    (void)units;
    (void)len;
    if (reason > UCNV_IRREGULAR)
        return;
    static const UChar mark = MARK;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &mark, 1, 0, err);
}

/*
 * Decode nitems sequences of seqlen bytes, each followed by '\n' (which no
 * codec accepts as a trail byte, so a broken sequence cannot swallow the
 * next one), in one ICU call.  res[k] = the code point sequence k decodes
 * to on its own, or NONE when it is invalid, unmapped, consumed in pieces
 * or decodes to more than one code point.
 */
static int enumerate(UConverter *cnv, const uint8_t *src, size_t nitems, int seqlen,
                     uint32_t *res)
{
    size_t stride = (size_t)seqlen + 1, n = nitems * stride;
    /* at most one UChar per byte, or two for a supplementary character */
    UChar *u = malloc(2 * n * sizeof *u);
    int32_t *off = malloc(2 * n * sizeof *off);
    uint8_t *cnt = calloc(nitems, 1);
    int rc = -1;
    if (!u || !off || !cnt)
        goto out;
    for (size_t k = 0; k < nitems; k++)
        res[k] = NONE;
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
        if (pos != 0 || u[i] == MARK) {
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
    for (size_t k = 0; k < nitems; k++)
        if (cnt[k] != 1)
            res[k] = NONE;
    rc = 0;
out:
    free(u);
    free(off);
    free(cnt);
    return rc;
}

/* Record that bytes seq decode to cp. */
static int note_prod(struct tab *t, uint32_t cp)
{
    struct page *p = page_of(t, cp, 1);
    if (!p)
        return -1;
    p->prod[(cp & 0xFF) >> 6] |= 1ull << (cp & 63);
    return 0;
}

/* Table decode of a whole sequence (1..3 bytes) as built so far. */
static uint32_t tab_decode(const struct tab *t, const uint8_t *b, int len)
{
    if (len == 1)
        return t->single[b[0]];
    if (len == 2)
        return b[0] >= 0x80 ? t->pair[(size_t)(b[0] - 0x80) * 256 + b[1]] : NONE;
    if (len == 3 && t->triple && b[0] == 0x8F && b[1] >= 0xA1 && b[1] <= 0xFE &&
        b[2] >= 0xA1 && b[2] <= 0xFE)
        return t->triple[(size_t)(b[1] - 0xA1) * 94 + (b[2] - 0xA1)];
    return NONE;
}

static int cmp_alt(const void *a, const void *b)
{
    const struct alt *x = a, *y = b;
    if (x->cp != y->cp)
        return x->cp < y->cp ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every (sequence, code point) pair of the decoder, for the encode pass. */
struct mapping {
    uint32_t seq, cp;
};

static int add_mapping(struct mapping **m, size_t *n, size_t *cap, uint32_t seq, uint32_t cp)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 1024;
        struct mapping *q = realloc(*m, c * sizeof *q);
        if (!q)
            return -1;
        *m = q;
        *cap = c;
    }
    (*m)[(*n)++] = (struct mapping){ seq, cp };
    return 0;
}

/*
 * Encode every produced code point once (fallbacks off, unmappable ones
 * skipped) and keep the encodings that decode back to the same code point.
 */
static int build_encode(struct tab *t, UConverter *cnv, const struct mapping *m, size_t nm)
{
    int rc = -1;
    /* distinct code points, in order of first appearance */
    uint32_t *cps = malloc(nm * sizeof *cps);
    UChar *u = malloc(2 * nm * sizeof *u);
    int32_t *uidx = malloc(2 * nm * sizeof *uidx);   /* UChar -> cps index */
    char *b = malloc(8 * nm + 16);
    int32_t *off = malloc((8 * nm + 16) * sizeof *off);
    if (!cps || !u || !uidx || !b || !off)
        goto out;
    size_t ncp = 0, nu = 0;
    for (size_t i = 0; i < nm; i++) {
        uint32_t cp = m[i].cp;
        struct page *p = page_of(t, cp, 0);
        /* enc[] = 1 marks "queued" until the real sequence is known */
        if (!p || p->enc[cp & 0xFF])
            continue;
        p->enc[cp & 0xFF] = 1;
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
    for (size_t i = 0; i < ncp; i++)
        page_of(t, cps[i], 0)->enc[cps[i] & 0xFF] = 0;

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
            if (tab_decode(t, seq, (int)(j - i)) == cp)
                page_of(t, cp, 0)->enc[cp & 0xFF] = SEQ(j - i, packed);
        }
        i = j;
    }

    /* one-way sequences: decode to cp but are not its round-trip form */
    size_t na = 0;
    for (size_t i = 0; i < nm; i++)
        na += page_get(t, m[i].cp)->enc[m[i].cp & 0xFF] != m[i].seq;
    t->alts = malloc((na ? na : 1) * sizeof *t->alts);
    if (!t->alts)
        goto out;
    for (size_t i = 0; i < nm; i++)
        if (page_get(t, m[i].cp)->enc[m[i].cp & 0xFF] != m[i].seq)
            t->alts[t->nalts++] = (struct alt){ m[i].cp, m[i].seq };
    qsort(t->alts, t->nalts, sizeof *t->alts, cmp_alt);
    rc = 0;
out:
    free(cps);
    free(u);
    free(uidx);
    free(b);
    free(off);
    return rc;
}

static struct tab *build(const struct def *d)
{
    struct tab *t = calloc(1, sizeof *t);
    uint8_t *src = NULL;
    struct mapping *m = NULL;
    size_t nm = 0, mcap = 0;
    UErrorCode err = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(d->icu, &err);
    if (!t || U_FAILURE(err))
        goto fail;
    ucnv_setFallback(cnv, 0);
    ucnv_setToUCallBack(cnv, mark_cb, NULL, NULL, NULL, &err);
    t->pair = malloc(128 * 256 * sizeof *t->pair);
    src = malloc(128 * 256 * 3);
    if (U_FAILURE(err) || !t->pair || !src)
        goto fail;

    /* single bytes */
    for (int b = 0; b < 256; b++) {
        src[2 * b] = (uint8_t)b;
        src[2 * b + 1] = '\n';
    }
    if (enumerate(cnv, src, 256, 1, t->single))
        goto fail;
    /* pairs, for every byte >= 0x80 that is not a character on its own */
    for (size_t k = 0; k < 128 * 256; k++) {
        src[3 * k] = (uint8_t)(0x80 + k / 256);
        src[3 * k + 1] = (uint8_t)(k % 256);
        src[3 * k + 2] = '\n';
    }
    if (enumerate(cnv, src, 128 * 256, 2, t->pair))
        goto fail;
    for (size_t k = 0; k < 128 * 256; k++)
        if (t->single[0x80 + k / 256] != NONE)
            t->pair[k] = NONE;
    if (d->triples) {
        t->triple = malloc(94 * 94 * sizeof *t->triple);
        if (!t->triple)
            goto fail;
        for (size_t k = 0; k < 94 * 94; k++) {
            src[4 * k] = 0x8F;
            src[4 * k + 1] = (uint8_t)(0xA1 + k / 94);
            src[4 * k + 2] = (uint8_t)(0xA1 + k % 94);
            src[4 * k + 3] = '\n';
        }
        if (enumerate(cnv, src, 94 * 94, 3, t->triple))
            goto fail;
    }

    /* what the decoder produces */
    for (int b = 0; b < 256; b++)
        if (t->single[b] != NONE &&
            (note_prod(t, t->single[b]) || add_mapping(&m, &nm, &mcap, SEQ(1, b), t->single[b])))
            goto fail;
    for (size_t k = 0; k < 128 * 256; k++)
        if (t->pair[k] != NONE &&
            (note_prod(t, t->pair[k]) ||
             add_mapping(&m, &nm, &mcap, SEQ(2, 0x8000 + k), t->pair[k])))
            goto fail;
    if (t->triple)
        for (size_t k = 0; k < 94 * 94; k++) {
            uint32_t bytes = 0x8F0000u | (uint32_t)(0xA1 + k / 94) << 8 | (uint32_t)(0xA1 + k % 94);
            if (t->triple[k] != NONE &&
                (note_prod(t, t->triple[k]) ||
                 add_mapping(&m, &nm, &mcap, SEQ(3, bytes), t->triple[k])))
                goto fail;
        }
    if (build_encode(t, cnv, m, nm))
        goto fail;
    t->ok = 1;
    free(src);
    free(m);
    ucnv_close(cnv);
    return t;
fail:
    free(src);
    free(m);
    if (cnv)
        ucnv_close(cnv);
    free_tab(t);
    return &failed;
}

static const struct tab *get_tab(int id)
{
    if (id < 0 || id >= NDEFS)
        return NULL;
    struct tab *t = atomic_load_explicit(&tabs[id], memory_order_acquire);
    if (t)
        return t->ok ? t : NULL;
    pthread_mutex_lock(&build_lock);
    t = atomic_load_explicit(&tabs[id], memory_order_relaxed);
    if (!t) {
        t = build(&defs[id]);
        atomic_store_explicit(&tabs[id], t, memory_order_release);
    }
    pthread_mutex_unlock(&build_lock);
    return t->ok ? t : NULL;
}

int ub_mbcs_prepare(int id)
{
    return get_tab(id) ? 0 : -1;
}

int ub_mbcs_may_produce(int id, uint32_t cp)
{
    const struct tab *t = get_tab(id);
    if (!t)
        return 0;
    const struct page *p = page_get(t, cp);
    return p && (p->prod[(cp & 0xFF) >> 6] >> (cp & 63) & 1);
}

int ub_mbcs_encode_cp(int id, uint32_t cp, uint8_t out[4])
{
    const struct tab *t = get_tab(id);
    if (!t)
        return -1;
    const struct page *p = page_get(t, cp);
    uint32_t s = p ? p->enc[cp & 0xFF] : 0;
    if (!s)
        return -1;
    int len = UB_MBCS_SEQ_LEN(s);
    for (int i = 0; i < len; i++)
        out[i] = UB_MBCS_SEQ_BYTE(s, i);
    return len;
}

int ub_mbcs_encode_alts(int id, uint32_t cp, uint32_t *seq, int max)
{
    const struct tab *t = get_tab(id);
    if (!t)
        return 0;
    int n = 0;
    const struct page *p = page_get(t, cp);
    if (p && p->enc[cp & 0xFF]) {
        if (n < max)
            seq[n] = p->enc[cp & 0xFF];
        n++;
    }
    /* lower bound of cp in the sorted one-way list */
    size_t lo = 0, hi = t->nalts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->alts[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < t->nalts && t->alts[lo].cp == cp; lo++) {
        if (n < max)
            seq[n] = t->alts[lo].seq;
        n++;
    }
    return n;
}

int ub_mbcs_decode_char(int id, const uint8_t *p, size_t n, uint32_t *cp)
{
    const struct tab *t = get_tab(id);
    if (!t || !n)
        return 0;
    uint32_t c = t->single[p[0]];
    int len = 1;
    if (c == NONE && n >= 2) {
        c = tab_decode(t, p, 2);
        len = 2;
        if (c == NONE && n >= 3) {
            c = tab_decode(t, p, 3);
            len = 3;
        }
    }
    if (c == NONE)
        return 0;
    *cp = c;
    return len;
}

/* ------------------------------------------------------------ the cache */

struct ub_mbcs_cache {
    UConverter *dec[sizeof defs / sizeof defs[0]];
    UConverter *enc[sizeof defs / sizeof defs[0]];
    size_t nsub;                    /* substitutions of the current decode */
};

ub_mbcs_cache *ub_mbcs_cache_new(void)
{
    return calloc(1, sizeof(ub_mbcs_cache));
}

void ub_mbcs_cache_free(ub_mbcs_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < NDEFS; i++) {
        if (c->dec[i])
            ucnv_close(c->dec[i]);
        if (c->enc[i])
            ucnv_close(c->enc[i]);
    }
    free(c);
}

/* Decode callback: one U+FFFD per undecodable sequence, counted. */
static void fffd_cb(const void *ctx, UConverterToUnicodeArgs *args, const char *units,
                    int32_t len, UConverterCallbackReason reason, UErrorCode *err)
{
    (void)units;
    (void)len;
    if (reason > UCNV_IRREGULAR)
        return;
    ub_mbcs_cache *c = (ub_mbcs_cache *)(uintptr_t)ctx;
    static const UChar fffd = 0xFFFD;
    c->nsub++;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &fffd, 1, 0, err);
}

static UConverter *dec_cnv(ub_mbcs_cache *c, int id)
{
    if (!c->dec[id]) {
        UErrorCode err = U_ZERO_ERROR;
        UConverter *cnv = ucnv_open(defs[id].icu, &err);
        if (U_FAILURE(err))
            return NULL;
        ucnv_setFallback(cnv, 0);
        ucnv_setToUCallBack(cnv, fffd_cb, c, NULL, NULL, &err);
        if (U_FAILURE(err)) {
            ucnv_close(cnv);
            return NULL;
        }
        c->dec[id] = cnv;
    }
    ucnv_reset(c->dec[id]);
    return c->dec[id];
}

long ub_mbcs_decode(ub_mbcs_cache *c, int id, const uint8_t *in, size_t n, uint32_t *out,
                    size_t cap, size_t *nsub)
{
    if (nsub)
        *nsub = 0;
    if (!c || !def_of(id) || (!in && n))
        return -1;
    UConverter *cnv = dec_cnv(c, id);
    if (!cnv)
        return -1;
    c->nsub = 0;
    UChar buf[1024];
    const char *s = (const char *)in, *end = s + n;
    size_t o = 0;
    uint32_t hi = 0;                /* a lead surrogate waiting for its trail */
    for (;;) {
        UErrorCode err = U_ZERO_ERROR;
        UChar *t = buf;
        ucnv_toUnicode(cnv, &t, buf + 1024, &s, end, NULL, 1, &err);
        if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
            return -1;
        for (UChar *u = buf; u < t; u++) {
            uint32_t x = *u;
            if (hi) {
                if (x >= 0xDC00 && x < 0xE000) {
                    x = 0x10000 + ((hi - 0xD800) << 10) + (x - 0xDC00);
                    hi = 0;
                } else {
                    return -1;      /* cannot happen with ICU's output */
                }
            } else if (x >= 0xD800 && x < 0xDC00) {
                hi = x;
                continue;
            }
            if (o == cap)
                return -1;
            out[o++] = x;
        }
        if (err != U_BUFFER_OVERFLOW_ERROR)
            break;
    }
    if (hi)
        return -1;
    if (nsub)
        *nsub = c->nsub;
    return (long)o;
}

/* The ICU path for what the tables lack: gb18030's four-byte forms. */
static int encode_icu(ub_mbcs_cache *c, int id, uint32_t cp, uint8_t *out)
{
    if (!c->enc[id]) {
        UErrorCode err = U_ZERO_ERROR;
        UConverter *cnv = ucnv_open(defs[id].icu, &err);
        if (U_FAILURE(err))
            return -2;
        ucnv_setFallback(cnv, 0);
        ucnv_setFromUCallBack(cnv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
        c->enc[id] = cnv;
    }
    UChar u[2];
    int32_t nu = 0;
    if (cp >= 0x10000) {
        u[nu++] = (UChar)(0xD800 + ((cp - 0x10000) >> 10));
        u[nu++] = (UChar)(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
        u[nu++] = (UChar)cp;
    }
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(c->enc[id]);
    int32_t len = ucnv_fromUChars(c->enc[id], (char *)out, 4, u, nu, &err);
    if (U_FAILURE(err) || len != 4)
        return -1;
    /* reject fallbacks: the bytes must decode back to cp alone */
    uint32_t back[4];
    size_t nsub;
    long m = ub_mbcs_decode(c, id, out, 4, back, 4, &nsub);
    if (m == -1 && !c->dec[id])
        return -2;
    return m == 1 && back[0] == cp && !nsub ? 4 : -1;
}

long ub_mbcs_encode(ub_mbcs_cache *c, int id, const uint32_t *in, size_t n, uint8_t *out,
                    size_t cap)
{
    const struct tab *t = get_tab(id);
    if (!t || (!in && n))
        return -2;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = in[i];
        const struct page *p = page_get(t, cp);
        uint32_t s = p ? p->enc[cp & 0xFF] : 0;
        uint8_t four[4];
        int len;
        if (s) {
            len = UB_MBCS_SEQ_LEN(s);
            for (int k = 0; k < len; k++)
                four[k] = UB_MBCS_SEQ_BYTE(s, k);
        } else if (defs[id].four_byte && c && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF)) {
            len = encode_icu(c, id, cp, four);
            if (len < 0)
                return len;
        } else {
            return -1;
        }
        if (cap - o < (size_t)len)
            return -2;
        memcpy(out + o, four, (size_t)len);
        o += (size_t)len;
    }
    return (long)o;
}
