/*
 * mbcs.c -- multibyte codecs: names, generated tables, encode/decode.
 *
 * Why tables and not ICU calls: the detector asks "can this run be GBK
 * mojibake?" for every run of CJK text it meets, clean text included, and
 * answering by table lookup costs nanoseconds where an ICU round trip per
 * run (encode, then decode again to rule out fallbacks) costs far more.
 * The tables are derived from ICU itself by enumerating each decoder
 * (src/gen/gen_mbcs.c, `make tables-mbcs`), ahead of time, because doing
 * it at run time cost 2-6 ms per codec on first use; test_mbcs checks that
 * they equal what the ICU that ub_mbcs_decode() and the forward check use
 * gives.  ICU is called here only for what the tables cannot answer:
 * gb18030's four-byte forms.  Decoding is table-driven too, ICU's error lengths
 * included (they come from the same enumeration), so that text which
 * never meets those never opens a converter: the converter data of one
 * codec costs more memory than all the tables a run touches.
 */
#include <endian.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include "codec.h"
#include "icu.h"
#include "mbcs.h"
#include "mbcs_lossy_tab.h"

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

/*
 * The tables are generated ahead of time by src/gen/gen_mbcs.c (`make
 * tables-mbcs`; the format is described there) and embedded by
 * mbcs_blob.S: read-only data mapped in place, so nothing is built at run
 * time and only the pages a lookup touches count toward the memory used.
 * Integers are little-endian and read bytewise-portably (one load on x86).
 */
extern const uint8_t ub_mbcs_blob_start[] __attribute__((visibility("hidden")));
extern const uint8_t ub_mbcs_blob_end[] __attribute__((visibility("hidden")));

#define NONE 0xFFFFFFFFu            /* no mapping */
#define BLOB_HEADER 128u
#define BLOB_ENTRY 96u
#define NTRIPLE (94u * 94u)

#define SEQ(len, bytes) ((uint32_t)(len) << 24 | (bytes))

static inline uint32_t rd16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return le16toh(v);
}

static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return le32toh(v);
}

/* One codec's sections, located once by check_blob(). */
struct tab {
    const uint8_t *single;          /* u16[256] decoded values */
    const uint8_t *rows;            /* 128 x (u32 base, u8 lo, u8 hi, u16) */
    const uint8_t *pool;            /* u16[npool] decoded values */
    const uint8_t *triple;          /* u16[94 * 94] or NULL */
    const uint8_t *supp;            /* u32[nsupp] */
    const uint8_t *top;             /* u16[ntop] page + 1 */
    const uint8_t *enc;             /* u16[256] per page */
    const uint8_t *prod;            /* u8[32] per page */
    const uint8_t *alts;            /* (u32 cp, u32 seq)[nalts] */
    const uint8_t *lossy;           /* u8[256] flags, then err2 */
    const uint8_t *lossy3;          /* err3 or NULL */
    uint32_t npool, nsupp, ntop, npages, nalts;
};

static struct tab tabs[sizeof defs / sizeof defs[0]];
static int blob_ok;
static pthread_once_t blob_once = PTHREAD_ONCE_INIT;

/* [off, off + n * size) lies inside the blob, past the header. */
static const uint8_t *section(const uint8_t *b, size_t len, uint32_t off, uint32_t n,
                              size_t size)
{
    if (off < BLOB_HEADER || off > len || (uint64_t)n * size > len - off)
        return NULL;
    return b + off;
}

/*
 * The cheap check of a blob that is part of the library: header, codec
 * names and that every section lies inside it; lookups then check their
 * indices against the section sizes, so nothing here needs to scan the
 * tables themselves.
 */
static int check_blob(const uint8_t *b, size_t len)
{
    if (len < BLOB_HEADER + NDEFS * BLOB_ENTRY || memcmp(b, "UBMBCS02", 8) ||
        rd32(b + 8) != len || rd32(b + 12) != (uint32_t)NDEFS)
        return -1;
    for (int id = 0; id < NDEFS; id++) {
        const uint8_t *e = b + BLOB_HEADER + (size_t)id * BLOB_ENTRY;
        struct tab *t = &tabs[id];
        size_t nl = strlen(defs[id].icu);
        if (nl >= 32 || memcmp(e, defs[id].icu, nl) || e[nl])
            return -1;
        t->npool = rd32(e + 44);
        t->nsupp = rd32(e + 56);
        t->ntop = rd32(e + 64);
        t->npages = rd32(e + 72);
        t->nalts = rd32(e + 84);
        t->single = section(b, len, rd32(e + 32), 256, 2);
        t->rows = section(b, len, rd32(e + 36), 128, 8);
        t->pool = section(b, len, rd32(e + 40), t->npool, 2);
        t->triple = rd32(e + 48) ? section(b, len, rd32(e + 48), NTRIPLE, 2) : NULL;
        t->supp = section(b, len, rd32(e + 52), t->nsupp, 4);
        t->top = section(b, len, rd32(e + 60), t->ntop, 2);
        t->enc = section(b, len, rd32(e + 68), t->npages, 512);
        t->prod = section(b, len, rd32(e + 76), t->npages, 32);
        t->alts = section(b, len, rd32(e + 80), t->nalts, 8);
        t->lossy = section(b, len, rd32(e + 88), 1, UB_MBCS_LOSSY_SIZE);
        t->lossy3 = rd32(e + 92) ? section(b, len, rd32(e + 92), 1, UB_MBCS_LOSSY3_SIZE) : NULL;
        if (!t->single || !t->rows || !t->pool || (rd32(e + 48) && !t->triple) ||
            !t->supp || !t->top || !t->enc || !t->prod || !t->alts || !t->lossy ||
            (rd32(e + 92) && !t->lossy3) || (defs[id].triples && (!t->triple || !t->lossy3)))
            return -1;
    }
    return 0;
}

static void blob_init(void)
{
    blob_ok = check_blob(ub_mbcs_blob_start,
                         (size_t)(ub_mbcs_blob_end - ub_mbcs_blob_start)) == 0;
}

static const struct tab *get_tab(int id)
{
    if (id < 0 || id >= NDEFS)
        return NULL;
    pthread_once(&blob_once, blob_init);
    return blob_ok ? &tabs[id] : NULL;
}

/* A stored decoded value as a code point, or NONE. */
static inline uint32_t value(const struct tab *t, uint32_t v)
{
    if (v == 0xFFFF)
        return NONE;
    if (v >= 0xD800 && v < 0xE000)
        return v - 0xD800 < t->nsupp ? rd32(t->supp + 4 * (v - 0xD800)) : NONE;
    return v;
}

static inline uint32_t dec_single(const struct tab *t, uint8_t b)
{
    return value(t, rd16(t->single + 2 * b));
}

static inline uint32_t dec_pair(const struct tab *t, uint8_t lead, uint8_t trail)
{
    if (lead < 0x80)
        return NONE;
    const uint8_t *r = t->rows + 8 * (lead - 0x80);
    uint32_t base = rd32(r), lo = r[4], hi = r[5];
    if (trail < lo || trail > hi || base + (trail - lo) >= t->npool)
        return NONE;
    return value(t, rd16(t->pool + 2 * (base + (trail - lo))));
}

static inline uint32_t dec_triple(const struct tab *t, const uint8_t *b)
{
    if (!t->triple || b[0] != 0x8F || b[1] < 0xA1 || b[1] > 0xFE || b[2] < 0xA1 || b[2] > 0xFE)
        return NONE;
    return value(t, rd16(t->triple + 2 * ((b[1] - 0xA1u) * 94 + (b[2] - 0xA1u))));
}

/* The page of cp (0-based), or -1. */
static inline long page_of(const struct tab *t, uint32_t cp)
{
    uint32_t hi = cp >> 8;
    if (hi >= t->ntop)
        return -1;
    uint32_t p = rd16(t->top + 2 * hi);
    return p && p <= t->npages ? (long)p - 1 : -1;
}

/* The packed round-trip sequence of cp, or 0. */
static uint32_t enc_of(const struct tab *t, uint32_t cp)
{
    long p = page_of(t, cp);
    if (p < 0)
        return 0;
    uint32_t v = rd16(t->enc + 512 * (size_t)p + 2 * (cp & 0xFF));
    if (v == 0)
        return 0;
    if (v <= 0x100)
        return SEQ(1, v - 1);
    if (v >= 0x8000)
        return SEQ(2, v);
    if (v >= 0x1000 && v < 0x1000 + NTRIPLE)
        return SEQ(3, 0x8F0000u | (0xA1 + (v - 0x1000) / 94) << 8 | (0xA1 + (v - 0x1000) % 94));
    return 0;
}

int ub_mbcs_prepare(int id)
{
    return get_tab(id) ? 0 : -1;
}

int ub_mbcs_lossy_tab(int id, const uint8_t **lossy, const uint8_t **lossy3)
{
    const struct tab *t = get_tab(id);
    if (!t)
        return -1;
    *lossy = t->lossy;
    *lossy3 = t->lossy3;
    return 0;
}

int ub_mbcs_may_produce(int id, uint32_t cp)
{
    const struct tab *t = get_tab(id);
    if (!t)
        return 0;
    long p = page_of(t, cp);
    return p >= 0 && (t->prod[32 * (size_t)p + (cp & 0xFF) / 8] >> (cp & 7) & 1);
}

int ub_mbcs_encode_cp(int id, uint32_t cp, uint8_t out[4])
{
    const struct tab *t = get_tab(id);
    if (!t)
        return -1;
    uint32_t s = enc_of(t, cp);
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
    uint32_t s = enc_of(t, cp);
    if (s) {
        if (n < max)
            seq[n] = s;
        n++;
    }
    /* lower bound of cp in the sorted one-way list */
    size_t lo = 0, hi = t->nalts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rd32(t->alts + 8 * mid) < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < t->nalts && rd32(t->alts + 8 * lo) == cp; lo++) {
        if (n < max)
            seq[n] = rd32(t->alts + 8 * lo + 4);
        n++;
    }
    return n;
}

int ub_mbcs_decode_char(int id, const uint8_t *p, size_t n, uint32_t *cp)
{
    const struct tab *t = get_tab(id);
    if (!t || !n)
        return 0;
    uint32_t c = dec_single(t, p[0]);
    int len = 1;
    if (c == NONE && n >= 2) {
        c = dec_pair(t, p[0], p[1]);
        len = 2;
        if (c == NONE && n >= 3) {
            c = dec_triple(t, p);
            len = 3;
        }
    }
    if (c == NONE)
        return 0;
    *cp = c;
    return len;
}

/* ------------------------------------------------------------ decoding */

/* The error of ICU's decoder at p[0..n) (p[0] >= 0x80 and no character of
 * its own; p[1] does not make a pair with it, nor p[1..2] a triple): the
 * number of bytes its U+FFFD stands for, from the lossy section (ICU's own
 * error lengths, enumerated by the generator), or 0 where the section
 * says the bytes decode after all. */
static int icu_errlen(const struct tab *t, const uint8_t *p, size_t n)
{
    unsigned f = t->lossy[p[0]];
    int dep = UB_MBCS_LT_DEP(f);
    if (!dep) {
        int len = UB_MBCS_LT_LEN(f);
        return len > (int)n ? (int)n : len;
    }
    if (n == 1)
        return 1;                   /* cut short by the end */
    if (dep == 1)
        return ub_mbcs_errlen(t->lossy + 256, (uint32_t)(p[0] - 0x80) * 256 + p[1]);
    if (dep != 2 || !t->lossy3)
        return 0;
    /* EUC-JP's 0x8F.  Cut short by the end, a triple that could still be
     * whole is one error (ICU: truncated); elsewhere ICU backs up to the
     * byte after 0x8F, as its table says with '\n' after */
    uint32_t row = (uint32_t)p[1] * 256;
    if (n == 2)
        for (uint32_t y = 0; y < 256; y++) {
            int e = ub_mbcs_errlen(t->lossy3, row + y);
            if (e == 0 || e == 3)
                return 2;
        }
    return ub_mbcs_errlen(t->lossy3, row + (n > 2 ? p[2] : '\n'));
}

static inline int is_digit(uint8_t b)
{
    return b >= 0x30 && b <= 0x39;
}

/* What walk() returns besides a length, and -1 when out is full. */
#define WALK_SUB (-2)       /* (whole) some bytes do not decode */
#define WALK_ICU (-3)       /* only ICU can say */

/*
 * The walk of ub_mbcs_decode_tab().  With whole, the first byte sequence
 * that cannot decode ends it, and so does a gb18030 lead before a digit
 * that cannot begin a four-byte form.
 */
static long walk(const struct tab *t, int id, const uint8_t *in, size_t n, uint32_t *out,
                 size_t cap, size_t *nsub, int whole)
{
    size_t o = 0, sub = 0;
    for (size_t i = 0; i < n;) {
        if (o == cap)
            return -1;
        uint8_t b = in[i];
        uint32_t c = dec_single(t, b);
        size_t len = 1;
        if (c == NONE && i + 1 < n) {
            c = dec_pair(t, b, in[i + 1]);
            len = 2;
            if (c == NONE && i + 2 < n) {
                c = dec_triple(t, in + i);
                len = 3;
            }
        }
        if (c != NONE) {
            out[o++] = c;
            i += len;
            continue;
        }
        if (defs[id].four_byte && b >= 0x81 && b <= 0xFE && i + 1 < n && is_digit(in[i + 1])) {
            /* a four-byte form is lead, digit, lead, digit; ICU maps it */
            if (whole && !(i + 3 < n && in[i + 2] >= 0x81 && in[i + 2] <= 0xFE &&
                           is_digit(in[i + 3])))
                return WALK_SUB;
            return WALK_ICU;
        }
        int el = icu_errlen(t, in + i, n - i);
        if (el <= 0)
            return WALK_ICU;        /* decodes, but not to one code point */
        if (whole)
            return WALK_SUB;
        out[o++] = 0xFFFD;
        sub++;
        i += (size_t)el;
    }
    if (nsub)
        *nsub = sub;
    return (long)o;
}

long ub_mbcs_decode_tab(int id, const uint8_t *in, size_t n, uint32_t *out, size_t cap,
                        size_t *nsub)
{
    if (nsub)
        *nsub = 0;
    const struct tab *t = get_tab(id);
    if (!t || (!in && n))
        return -1;
    return walk(t, id, in, n, out, cap, nsub, 0);
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
        UConverter *cnv = ub_icu_open(defs[id].icu, &err);
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

/* ub_mbcs_decode() through ICU itself. */
static long decode_icu(ub_mbcs_cache *c, int id, const uint8_t *in, size_t n, uint32_t *out,
                       size_t cap, size_t *nsub)
{
    UConverter *cnv = dec_cnv(c, id);
    if (!cnv)
        return -1;
    c->nsub = 0;
    UChar buf[1024];
    /* an empty text may come as NULL, which takes no offset, not even 0 */
    const char *s = in ? (const char *)in : "", *end = s + n;
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

long ub_mbcs_decode(ub_mbcs_cache *c, int id, const uint8_t *in, size_t n, uint32_t *out,
                    size_t cap, size_t *nsub)
{
    if (nsub)
        *nsub = 0;
    if (!c || !def_of(id) || (!in && n))
        return -1;
    long m = ub_mbcs_decode_tab(id, in, n, out, cap, nsub);
    return m == WALK_ICU ? decode_icu(c, id, in, n, out, cap, nsub) : m;
}

long ub_mbcs_decode_whole(ub_mbcs_cache *c, int id, const uint8_t *in, size_t n, uint32_t *out,
                          size_t cap)
{
    const struct tab *t = get_tab(id);
    if (!c || !t || (!in && n))
        return -1;
    long m = walk(t, id, in, n, out, cap, NULL, 1);
    if (m != WALK_ICU)
        return m;
    size_t nsub;
    m = decode_icu(c, id, in, n, out, cap, &nsub);
    return m >= 0 && nsub ? -2 : m;
}

/* The ICU path for what the tables lack: gb18030's four-byte forms. */
static int encode_icu(ub_mbcs_cache *c, int id, uint32_t cp, uint8_t *out)
{
    if (!c->enc[id]) {
        UErrorCode err = U_ZERO_ERROR;
        UConverter *cnv = ub_icu_open(defs[id].icu, &err);
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
        uint32_t s = enc_of(t, cp);
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
