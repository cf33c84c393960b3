/*
 * input.c -- the input stage: BOM / NUL-pattern / uchardet detection and
 * transcoding to UTF-8 (see input.h for the rules and why).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uchardet/uchardet.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include "codec.h"
#include "icu.h"
#include "input.h"
#include "mbcs.h"
#include "model.h"
#include "unbake.h"
#include "utf8.h"

enum { M_UNDECIDED = 0, M_PASS, M_SBCS, M_ICU };
enum { S_RUN = 0, S_DONE, S_ERROR };

#define OUTBUF (16u * 1024u)

struct ub_input {
    /* settings, restored by ub_input_reset() */
    int forced;
    int f_mode, f_sbcs;
    char f_icu[64];
    char f_name[64];

    /* the stream */
    int mode, sbcs, state;
    UConverter *cnv;
    size_t skip;                /* BOM bytes to drop before transcoding */
    uint32_t hi;                /* lead surrogate waiting for its trail */
    size_t nrepl;
    uint8_t *look;              /* auto mode: the bytes held back */
    size_t nlook;
    size_t nout;
    char codec[64];
    char detected[192];
    uint8_t out[OUTBUF];
};

/* ------------------------------------------------------------ names */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Equal ignoring case, '-' and '_'. */
static int name_is(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (lower(*a++) != lower(*b++))
            return 0;
    }
}

static void copy_lower(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++)
        dst[i] = lower(src[i]);
    dst[i] = 0;
}

/* Count every undecodable sequence and write one U+FFFD for it (ICU's
 * default would write U+001A for converters with a 1-byte subchar). */
static void count_cb(const void *ctx, UConverterToUnicodeArgs *args, const char *units,
                     int32_t len, UConverterCallbackReason reason, UErrorCode *err)
{
    (void)units;
    (void)len;
    if (reason > UCNV_IRREGULAR)
        return;
    size_t *n = (size_t *)(uintptr_t)ctx;
    static const UChar fffd = 0xFFFD;
    ++*n;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &fffd, 1, 0, err);
}

static UConverter *open_cnv(const char *icu, size_t *counter)
{
    UErrorCode err = U_ZERO_ERROR;
    UConverter *cnv = ub_icu_open(icu, &err);
    if (U_FAILURE(err))
        return NULL;
    ucnv_setToUCallBack(cnv, count_cb, counter, NULL, NULL, &err);
    if (U_FAILURE(err)) {
        ucnv_close(cnv);
        return NULL;
    }
    return cnv;
}

/*
 * Resolve a codec name: UTF-8 (pass through), the engine's single-byte
 * codecs, the pinned multibyte codecs, then anything ICU knows.
 * Returns 0 or UNBAKE_ECODEC.
 */
static int resolve(const char *name, int *mode, int *sbcs, char *icu, size_t icusize,
                   char *canon, size_t canonsize)
{
    int id;
    if (!*name)
        return UNBAKE_ECODEC;       /* ICU would open its default converter */
    if (name_is(name, "utf-8") || name_is(name, "utf8")) {
        *mode = M_PASS;
        copy_lower(canon, canonsize, "utf-8");
        return 0;
    }
    if ((id = ub_codec_find(name)) >= 0) {
        *mode = M_SBCS;
        *sbcs = id;
        copy_lower(canon, canonsize, ub_codec_info_of(id)->name);
        return 0;
    }
    if ((id = ub_mbcs_find(name)) >= 0) {
        *mode = M_ICU;
        snprintf(icu, icusize, "%s", ub_mbcs_icu_name(id));
        copy_lower(canon, canonsize, ub_mbcs_name(id));
        return 0;
    }
    UErrorCode err = U_ZERO_ERROR;
    UConverter *cnv = ub_icu_open(name, &err);
    if (U_FAILURE(err))
        return UNBAKE_ECODEC;
    const char *internal = ucnv_getName(cnv, &err);
    if (U_FAILURE(err) || strlen(internal) >= icusize) {
        ucnv_close(cnv);
        return UNBAKE_ECODEC;
    }
    snprintf(icu, icusize, "%s", internal);
    ucnv_close(cnv);
    err = U_ZERO_ERROR;
    const char *iana = ucnv_getStandardName(icu, "IANA", &err);
    copy_lower(canon, canonsize, U_SUCCESS(err) && iana ? iana : icu);
    *mode = name_is(icu, "UTF-8") ? M_PASS : M_ICU;
    return 0;
}

/* ------------------------------------------------------------ life cycle */

static void close_cnv(ub_input *in)
{
    if (in->cnv)
        ucnv_close(in->cnv);
    in->cnv = NULL;
}

void ub_input_reset(ub_input *in)
{
    if (!in)
        return;
    in->state = S_RUN;
    in->skip = 0;
    in->hi = 0;
    in->nrepl = 0;
    in->nlook = 0;
    in->nout = 0;
    if (in->forced) {
        in->mode = in->f_mode;
        in->sbcs = in->f_sbcs;
        if (in->cnv)
            ucnv_reset(in->cnv);
        snprintf(in->codec, sizeof in->codec, "%s", in->f_name);
        snprintf(in->detected, sizeof in->detected, "%s (forced)", in->f_name);
    } else {
        close_cnv(in);
        in->mode = M_UNDECIDED;
        in->codec[0] = 0;
        snprintf(in->detected, sizeof in->detected, "undecided");
    }
}

int ub_input_new(ub_input **out, const char *from)
{
    if (!out)
        return UNBAKE_EINVAL;
    *out = NULL;
    ub_input *in = calloc(1, sizeof *in);
    if (!in)
        return UNBAKE_ENOMEM;
    if (from && !name_is(from, "auto")) {
        int rc = resolve(from, &in->f_mode, &in->f_sbcs, in->f_icu, sizeof in->f_icu,
                         in->f_name, sizeof in->f_name);
        if (rc) {
            free(in);
            return rc;
        }
        in->forced = 1;
        if (in->f_mode == M_ICU && !(in->cnv = open_cnv(in->f_icu, &in->nrepl))) {
            free(in);
            return UNBAKE_ENOMEM;
        }
    } else if (!(in->look = malloc(UB_INPUT_LOOKAHEAD))) {
        free(in);
        return UNBAKE_ENOMEM;
    }
    ub_input_reset(in);
    *out = in;
    return 0;
}

void ub_input_free(ub_input *in)
{
    if (!in)
        return;
    close_cnv(in);
    free(in->look);
    free(in);
}

const char *ub_input_detected(const ub_input *in)
{
    return in ? in->detected : "";
}

const char *ub_input_codec(const ub_input *in)
{
    return in && in->mode != M_UNDECIDED ? in->codec : NULL;
}

int ub_input_transcoding(const ub_input *in)
{
    return in && (in->mode == M_SBCS || in->mode == M_ICU);
}

size_t ub_input_replacements(const ub_input *in)
{
    return in ? in->nrepl : 0;
}

/* ------------------------------------------------------------ output */

static int flush_out(ub_input *in, ub_input_sink sink, void *user)
{
    if (in->nout && sink(user, in->out, in->nout))
        return UNBAKE_EWRITE;
    in->nout = 0;
    return 0;
}

static int put_cp(ub_input *in, uint32_t cp, ub_input_sink sink, void *user)
{
    if (in->nout > OUTBUF - 4 && flush_out(in, sink, user))
        return UNBAKE_EWRITE;
    in->nout += (size_t)ub_utf8_encode(cp, in->out + in->nout);
    return 0;
}

/* Undefined bytes from 0xA0 up are undecodable; undefined C1-range bytes
 * decode to the C1 control of the same value, as Windows and browsers do. */
static uint32_t sbcs_decode(int id, uint8_t b, int *sub)
{
    *sub = b >= 0xA0 && ub_codec_is_lossy(id, b);
    return *sub ? 0xFFFD : ub_codec_decode(id, b);
}

static int feed_sbcs(ub_input *in, const uint8_t *p, size_t n, ub_input_sink sink, void *user)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            if (in->nout == OUTBUF && flush_out(in, sink, user))
                return UNBAKE_EWRITE;
            in->out[in->nout++] = p[i];
            continue;
        }
        int sub;
        uint32_t cp = sbcs_decode(in->sbcs, p[i], &sub);
        in->nrepl += (size_t)sub;
        if (put_cp(in, cp, sink, user))
            return UNBAKE_EWRITE;
    }
    return 0;
}

static int feed_icu(ub_input *in, const uint8_t *p, size_t n, int final, ub_input_sink sink,
                    void *user)
{
    UChar buf[2048];
    const char *s = (const char *)p, *end = p ? s + n : s;
    for (;;) {
        UErrorCode err = U_ZERO_ERROR;
        UChar *t = buf;
        ucnv_toUnicode(in->cnv, &t, buf + 2048, &s, end, NULL, (UBool)final, &err);
        if (U_FAILURE(err) && err != U_BUFFER_OVERFLOW_ERROR)
            return err == U_MEMORY_ALLOCATION_ERROR ? UNBAKE_ENOMEM : UNBAKE_EINVAL;
        for (const UChar *u = buf; u < t; u++) {
            uint32_t x = *u;
            /* a pair may be cut by the end of buf; ICU never writes a lone
             * surrogate, but if it did it would become U+FFFD, counted */
            if (in->hi) {
                uint32_t h = in->hi;
                in->hi = 0;
                if (x >= 0xDC00 && x < 0xE000) {
                    x = 0x10000 + ((h - 0xD800) << 10) + (x - 0xDC00);
                } else {
                    in->nrepl++;
                    if (put_cp(in, 0xFFFD, sink, user))
                        return UNBAKE_EWRITE;
                }
            }
            if (x >= 0xD800 && x < 0xDC00) {
                in->hi = x;
                continue;
            }
            if (x >= 0xDC00 && x < 0xE000) {
                in->nrepl++;
                x = 0xFFFD;
            }
            if (put_cp(in, x, sink, user))
                return UNBAKE_EWRITE;
        }
        if (err != U_BUFFER_OVERFLOW_ERROR)
            break;
    }
    if (final && in->hi) {
        in->hi = 0;
        in->nrepl++;
        if (put_cp(in, 0xFFFD, sink, user))
            return UNBAKE_EWRITE;
    }
    return 0;
}

/* Send n bytes through the decided path. */
static int feed(ub_input *in, const uint8_t *p, size_t n, int final, ub_input_sink sink,
                void *user)
{
    int rc = 0;
    switch (in->mode) {
    case M_PASS:
        if (flush_out(in, sink, user) || (n && sink(user, p, n)))
            return UNBAKE_EWRITE;
        return 0;
    case M_SBCS:
        rc = feed_sbcs(in, p, n, sink, user);
        break;
    case M_ICU:
        rc = feed_icu(in, p, n, final, sink, user);
        break;
    default:
        return UNBAKE_ESTATE;
    }
    /* everything decoded goes out now: a slow pipe is never held back */
    return rc ? rc : flush_out(in, sink, user);
}

/* ------------------------------------------------------------ detection */

/* Ordinary text: whitespace, letters of the common scripts, punctuation and
 * symbols (box drawing, arrows, math), CJK, emoji.  Controls, C1,
 * surrogates, private use, specials and the rarer blocks are not. */
static int texty(uint32_t c)
{
    if (c == '\t' || c == '\n' || c == '\r' || c == '\f')
        return 1;
    if (c < 0x20 || (c >= 0x7F && c < 0xA0))
        return 0;
    return c < 0x590 ||                          /* Latin, IPA, Greek, Cyrillic */
           (c >= 0x590 && c < 0x700) ||          /* Hebrew, Arabic */
           (c >= 0x900 && c < 0xE80) ||          /* Indic, Thai, Lao */
           (c >= 0x10A0 && c < 0x1100) ||        /* Georgian */
           (c >= 0x1E00 && c < 0x2C00) ||        /* Latin/Greek ext., symbols */
           (c >= 0x2E00 && c < 0x2E80) ||        /* supplemental punctuation */
           (c >= 0x3000 && c < 0xA000) ||        /* CJK, kana, Hangul jamo */
           (c >= 0xAC00 && c < 0xD7A4) ||        /* Hangul */
           (c >= 0xF900 && c < 0xFB00) ||        /* CJK compatibility */
           (c >= 0xFE30 && c < 0xFE50) || (c >= 0xFF00 && c < 0xFFF0) ||
           (c >= 0x1F000 && c < 0x1FB00) ||      /* emoji, symbols */
           (c >= 0x20000 && c < 0x30000);        /* CJK extensions */
}

/*
 * The language model's verdict on a candidate reading: mean log-probability
 * per character of its first PLAUSIBLE_SAMPLE characters.  Real text in any
 * script scores about -2 to -4.5 nats a character; bytes read in the wrong
 * Unicode form (ASCII pairs as CJK, legacy text as UTF-16) score -12 to
 * -32.  Without a usable model the structural tests alone decide.
 */
#define PLAUSIBLE_SAMPLE 4096
#define PLAUSIBLE_MIN (-9.0)

struct plaus {
    const ub_lm *lm;
    uint32_t c2, c1;
    double sum;
    size_t n;
};

static void plaus_init(struct plaus *p)
{
    p->lm = ub_lm_builtin_status() ? NULL : ub_lm_builtin();
    p->c2 = p->c1 = UB_LM_BOS;
    p->sum = 0;
    p->n = 0;
}

static void plaus_add(struct plaus *p, uint32_t c)
{
    if (!p->lm || p->n >= PLAUSIBLE_SAMPLE)
        return;
    p->sum += ub_lm_logp(p->lm, p->c2, p->c1, c);
    p->n++;
    p->c2 = p->c1;
    p->c1 = c;
}

static int plaus_ok(const struct plaus *p)
{
    return !p->lm || (p->n && p->sum >= PLAUSIBLE_MIN * (double)p->n);
}

static int looks_utf32(const uint8_t *s, size_t n, int be)
{
    size_t units = n / 4, text = 0, space = 0;
    struct plaus pl;
    if (units < 2)
        return 0;
    plaus_init(&pl);
    for (size_t i = 0; i < units; i++) {
        const uint8_t *b = s + 4 * i;
        uint32_t u = be ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
                        : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
        if (!u || u > 0x10FFFF || (u >= 0xD800 && u < 0xE000))
            return 0;
        text += (size_t)texty(u);
        space += u == ' ' || u == '\n' || u == '\t' || u == 0x3000;
        plaus_add(&pl, u);
    }
    /* ASCII pairs padded with two NULs read as CJK: demand some spacing */
    return space && text * 20 >= units * 19 && plaus_ok(&pl);
}

static int looks_utf16(const uint8_t *s, size_t n, int be, int final, int valid_utf8)
{
    size_t units = n / 2, zhi = 0, zlo = 0, chars = 0, text = 0;
    size_t hist[256] = { 0 };
    struct plaus pl;
    plaus_init(&pl);
    for (size_t i = 0; i < units; i++) {
        uint32_t hi = s[2 * i + !be], lo = s[2 * i + be];
        uint32_t u = hi << 8 | lo;
        if (!u)
            return 0;
        hist[hi]++;
        zhi += !hi;
        zlo += hi && !lo;
        if (u >= 0xD800 && u < 0xDC00) {
            if (i + 1 == units) {
                if (final)
                    return 0;
                break;              /* the pair is cut by the sample's end */
            }
            uint32_t u2 = (uint32_t)s[2 * i + 2 + !be] << 8 | s[2 * i + 2 + be];
            if (u2 < 0xDC00 || u2 >= 0xE000)
                return 0;
            u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
            i++;
        } else if (u >= 0xDC00 && u < 0xE000) {
            return 0;
        }
        chars++;
        text += (size_t)texty(u);
        plaus_add(&pl, u);
    }
    if (chars < 2 || zhi < 2 || text * 20 < chars * 19)
        return 0;
    if (valid_utf8) {
        /* Could be UTF-8 with NULs: demand what the UTF-16 of alphabetic
         * text shows (CJK and Latin-1 letters make a sample invalid UTF-8):
         * NULs almost all on one parity (U+4E00 "一" has a zero low byte,
         * so only such a sample is held to this), and one or two high
         * bytes -- 0x00 and the script's block -- in 90% of the units. */
        size_t top1 = 0, top2 = 0;
        for (int b = 0; b < 256; b++) {
            if (hist[b] > top1) {
                top2 = top1;
                top1 = hist[b];
            } else if (hist[b] > top2) {
                top2 = hist[b];
            }
        }
        if (zlo * 4 > zhi || zhi * 8 < units || (top1 + top2) * 10 < units * 9)
            return 0;
    }
    /* without a model, only the plain cases: many ASCII units */
    if (!pl.lm && (zlo * 4 > zhi || zhi * 16 < units))
        return 0;
    return zhi * 256 >= units && plaus_ok(&pl);
}

struct u8stat {
    size_t valid_run_bytes;     /* in runs of bytes >= 0x80 that are valid */
    size_t bad_run_bytes;       /* in runs holding invalid UTF-8 */
    size_t invalid;             /* invalid bytes */
    size_t controls;            /* C0 controls that text does not use */
};

/* Does s[0..n) (n < the length its lead announces) start a valid sequence? */
static int utf8_prefix(const uint8_t *s, size_t n)
{
    int len = ub_utf8_seqlen(s[0]);
    if (len < 2 || n >= (size_t)len)
        return 0;
    if (n >= 2 && !ub_utf8_second_ok(s[0], s[1]))
        return 0;
    for (size_t i = 2; i < n; i++)
        if (!ub_utf8_is_cont(s[i]))
            return 0;
    return 1;
}

static void utf8_stats(const uint8_t *s, size_t n, int final, struct u8stat *st)
{
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < n; ) {
        if (s[i] < 0x80) {
            uint8_t c = s[i++];
            st->controls += c < 0x20 && c != '\t' && c != '\n' && c != '\v' && c != '\f' &&
                            c != '\r' && c != 0x1B && c != 0x1A;
            continue;
        }
        size_t j = i;
        while (j < n && s[j] >= 0x80)
            j++;
        size_t bad = 0, end = j;
        for (size_t k = i; k < j; ) {
            uint32_t cp;
            int len = ub_utf8_decode(s + k, j - k, &cp);
            if (len) {
                k += (size_t)len;
                continue;
            }
            if (j == n && !final && utf8_prefix(s + k, n - k)) {
                end = k;            /* cut by the end of the sample */
                break;
            }
            bad++;
            k++;
        }
        if (bad)
            st->bad_run_bytes += end - i;
        else
            st->valid_run_bytes += end - i;
        st->invalid += bad;
        i = j;
    }
}

/*
 * Decode a sample with a candidate and score the reading: the language
 * model's log-probability per character (U+FFFD and C1 controls score as
 * the unlikely characters they are).  Sets *nsub to the undecodable
 * sequences.  Returns 0, or -1 if the converter cannot be opened.
 */
static int evaluate(int mode, int sbcs, const char *icu, const uint8_t *s, size_t n, int final,
                    size_t *nsub, double *score)
{
    struct plaus pl;
    size_t sub = 0;
    plaus_init(&pl);
    if (mode == M_SBCS) {
        for (size_t i = 0; i < n; i++) {
            int x = 0;
            plaus_add(&pl, s[i] < 0x80 ? s[i] : sbcs_decode(sbcs, s[i], &x));
            sub += (size_t)x;
        }
    } else {
        UConverter *cnv = open_cnv(icu, &sub);
        if (!cnv)
            return -1;
        UChar buf[2048];
        const char *p = (const char *)s, *end = p + n;
        uint32_t hi = 0;
        for (;;) {
            UErrorCode err = U_ZERO_ERROR;
            UChar *t = buf;
            ucnv_toUnicode(cnv, &t, buf + 2048, &p, end, NULL, (UBool)final, &err);
            for (const UChar *u = buf; u < t; u++) {
                uint32_t c = *u;
                if (c >= 0xD800 && c < 0xDC00) {
                    hi = c;
                    continue;
                }
                if (hi && c >= 0xDC00 && c < 0xE000)
                    c = 0x10000 + ((hi - 0xD800) << 10) + (c - 0xDC00);
                hi = 0;
                plaus_add(&pl, c);
            }
            if (err != U_BUFFER_OVERFLOW_ERROR)
                break;
        }
        ucnv_close(cnv);
    }
    *nsub = sub;
    *score = pl.n ? pl.sum / (double)pl.n : 0;
    return 0;
}

/* uchardet's answer -> what real software decodes it as: up to three
 * candidates, the language model picks. */
static const struct {
    const char *ud, *use[3];
} ud_map[] = {
    { "ISO-8859-1", { "windows-1252", NULL, NULL } },
    { "WINDOWS-1252", { "windows-1252", "iso-8859-15", NULL } },
    { "ISO-8859-15", { "iso-8859-15", "windows-1252", NULL } },
    { "ISO-8859-2", { "iso-8859-2", "windows-1250", NULL } },
    { "WINDOWS-1250", { "windows-1250", "iso-8859-2", NULL } },
    { "ISO-8859-9", { "windows-1254", NULL, NULL } },
    { "ISO-8859-7", { "iso-8859-7", "windows-1253", NULL } },
    { "WINDOWS-1253", { "windows-1253", "iso-8859-7", NULL } },
    { "ISO-8859-8", { "windows-1255", "iso-8859-8", NULL } },
    { "ISO-8859-13", { "iso-8859-13", "windows-1257", NULL } },
    { "KOI8-R", { "koi8-r", "koi8-u", NULL } },
    { "GB18030", { "gb18030", "gbk", NULL } },
    { "BIG5", { "big5", "big5-hkscs", NULL } },
    { "UHC", { "euc-kr", NULL, NULL } },
    { "EUC-KR", { "euc-kr", NULL, NULL } },
    { "TIS-620", { "windows-874-2000", NULL, NULL } },
    { "ISO-8859-11", { "windows-874-2000", NULL, NULL } },
    { "MAC-CYRILLIC", { "x-mac-cyrillic", NULL, NULL } },
    { "MAC-CENTRALEUROPE", { "x-mac-centraleurroman", NULL, NULL } },
    { "IBM852", { "ibm-852", NULL, NULL } },
    { "IBM855", { "ibm-855", NULL, NULL } },
    { "EUC-TW", { "euc-tw-2014", NULL, NULL } },
};

/* Ask uchardet; on a checked answer switch to transcoding.  Returns 0 or a
 * negative code; passing through is not an error. */
static int decide_legacy(ub_input *in, int final, const struct u8stat *st)
{
    const char *name = NULL;
    uchardet_t ud = uchardet_new();
    if (ud && !uchardet_handle_data(ud, (const char *)in->look, in->nlook)) {
        uchardet_data_end(ud);
        name = uchardet_get_charset(ud);
    }
    char said[48];
    snprintf(said, sizeof said, "%s", name ? name : "");
    if (ud)
        uchardet_delete(ud);
    if (!said[0] || name_is(said, "ASCII") || name_is(said, "UTF-8") ||
        !strncmp(said, "UTF-", 4) || !strncmp(said, "X-ISO-10646", 11)) {
        snprintf(in->detected, sizeof in->detected,
                 "utf-8 (%zu invalid bytes left to the detector; uchardet: %s)", st->invalid,
                 said[0] ? said : "no answer");
        snprintf(in->codec, sizeof in->codec, "utf-8");
        in->mode = M_PASS;
        return 0;
    }
    const char *cands[3] = { said, NULL, NULL };
    for (size_t i = 0; i < sizeof ud_map / sizeof ud_map[0]; i++)
        if (name_is(said, ud_map[i].ud))
            memcpy(cands, ud_map[i].use, sizeof cands);
    int found = 0;
    double best = 0;
    size_t best_sub = 0;
    int bmode = 0, bsbcs = 0;
    char bicu[64] = "", bcanon[64] = "";
    for (int k = 0; k < 3 && cands[k]; k++) {
        int mode, sbcs = 0;
        char icu[64] = "", canon[64];
        size_t sub;
        double score;
        if (resolve(cands[k], &mode, &sbcs, icu, sizeof icu, canon, sizeof canon) ||
            mode == M_PASS || evaluate(mode, sbcs, icu, in->look, in->nlook, final, &sub, &score))
            continue;
        if (!found || score > best) {
            found = 1;
            best = score;
            best_sub = sub;
            bmode = mode;
            bsbcs = sbcs;
            snprintf(bicu, sizeof bicu, "%s", icu);
            snprintf(bcanon, sizeof bcanon, "%s", canon);
        }
    }
    if (!found || best_sub * 50 > st->invalid) {
        snprintf(in->detected, sizeof in->detected,
                 "utf-8 (%zu invalid bytes left to the detector; uchardet said %s, %s)",
                 st->invalid, said, !found ? "unsupported" : "which does not decode them");
        snprintf(in->codec, sizeof in->codec, "utf-8");
        in->mode = M_PASS;
        return 0;
    }
    if (bmode == M_ICU && !(in->cnv = open_cnv(bicu, &in->nrepl)))
        return UNBAKE_ENOMEM;
    in->mode = bmode;
    in->sbcs = bsbcs;
    snprintf(in->codec, sizeof in->codec, "%s", bcanon);
    if (name_is(bcanon, said))
        snprintf(in->detected, sizeof in->detected, "%s (uchardet)", bcanon);
    else
        snprintf(in->detected, sizeof in->detected, "%s (uchardet: %s)", bcanon, said);
    return 0;
}

static int set_unicode(ub_input *in, const char *icu, const char *canon, size_t skip,
                       const char *why)
{
    if (!(in->cnv = open_cnv(icu, &in->nrepl)))
        return UNBAKE_ENOMEM;
    in->mode = M_ICU;
    in->skip = skip;
    snprintf(in->codec, sizeof in->codec, "%s", canon);
    snprintf(in->detected, sizeof in->detected, "%s (%s)", canon, why);
    return 0;
}

/* A byte order mark; 1 if it decided, 0 if not, < 0 on error. */
static int decide_bom(ub_input *in, int final)
{
    const uint8_t *s = in->look;
    size_t n = in->nlook;
    if (n < 4 && !final)
        return 0;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        in->mode = M_PASS;
        snprintf(in->codec, sizeof in->codec, "utf-8");
        snprintf(in->detected, sizeof in->detected, "utf-8 (BOM)");
        return 1;
    }
    int rc = 1;
    if (n >= 4 && !memcmp(s, "\0\0\xFE\xFF", 4))
        rc = set_unicode(in, "UTF-32BE", "utf-32be", 4, "BOM");
    else if (n >= 4 && !memcmp(s, "\xFF\xFE\0\0", 4))
        rc = set_unicode(in, "UTF-32LE", "utf-32le", 4, "BOM");
    else if (n >= 2 && !memcmp(s, "\xFE\xFF", 2))
        rc = set_unicode(in, "UTF-16BE", "utf-16be", 2, "BOM");
    else if (n >= 2 && !memcmp(s, "\xFF\xFE", 2))
        rc = set_unicode(in, "UTF-16LE", "utf-16le", 2, "BOM");
    else
        return 0;
    return rc < 0 ? rc : 1;
}

/* Fewer invalid bytes than this are too little for uchardet to name a
 * charset reliably (a stray byte in ASCII text reads as anything): they
 * are left to the detector, which decides each run in its context. */
#define MIN_LEGACY_INVALID 8

/* Decide on the whole lookahead. */
static int decide(ub_input *in, int final)
{
    const uint8_t *s = in->look;
    size_t n = in->nlook;
    struct u8stat st;
    utf8_stats(s, n, final, &st);
    int valid = st.invalid == 0;
    /* UTF-16 and UTF-32 need NUL bytes (two at least, see looks_utf16) */
    size_t nuls = 0;
    for (const uint8_t *z = s; nuls < 2 && (z = memchr(z, 0, n - (size_t)(z - s))); z++)
        nuls++;
    if (nuls >= 2) {
        if (looks_utf32(s, n, 0))
            return set_unicode(in, "UTF-32LE", "utf-32le", 0, "NUL pattern");
        if (looks_utf32(s, n, 1))
            return set_unicode(in, "UTF-32BE", "utf-32be", 0, "NUL pattern");
        if (looks_utf16(s, n, 0, final, valid))
            return set_unicode(in, "UTF-16LE", "utf-16le", 0, "NUL pattern");
        if (looks_utf16(s, n, 1, final, valid))
            return set_unicode(in, "UTF-16BE", "utf-16be", 0, "NUL pattern");
    }
    in->mode = M_PASS;
    snprintf(in->codec, sizeof in->codec, "utf-8");
    if (valid) {
        snprintf(in->detected, sizeof in->detected, "utf-8");
        return 0;
    }
    if (st.controls * 100 > n) {
        snprintf(in->detected, sizeof in->detected,
                 "utf-8 (binary-looking: %zu invalid bytes passed through)", st.invalid);
        return 0;
    }
    if (st.valid_run_bytes * 16 > st.bad_run_bytes) {
        snprintf(in->detected, sizeof in->detected,
                 "utf-8 (mixed: %zu invalid bytes left to the detector)", st.invalid);
        return 0;
    }
    if (st.invalid < MIN_LEGACY_INVALID) {
        snprintf(in->detected, sizeof in->detected,
                 "utf-8 (%zu invalid bytes left to the detector)", st.invalid);
        return 0;
    }
    return decide_legacy(in, final, &st);
}

/* ------------------------------------------------------------ push */

int ub_input_push(ub_input *in, const uint8_t *p, size_t n, int final, ub_input_sink sink,
                  void *user)
{
    if (!in || !sink || (!p && n))
        return UNBAKE_EINVAL;
    if (in->state != S_RUN)
        return UNBAKE_ESTATE;
    int rc = 0;
    if (in->mode == M_UNDECIDED) {
        size_t take = UB_INPUT_LOOKAHEAD - in->nlook;
        if (take > n)
            take = n;
        if (take) {
            memcpy(in->look + in->nlook, p, take);
            in->nlook += take;
            p += take;
            n -= take;
        }
        int all = final && !n;      /* the lookahead is the whole input */
        rc = decide_bom(in, all);
        if (rc == 0 && (in->nlook == UB_INPUT_LOOKAHEAD || all))
            rc = decide(in, all);
        else if (rc > 0)
            rc = 0;
        if (rc)
            goto fail;
        if (in->mode == M_UNDECIDED)
            return 0;
        size_t skip = in->skip < in->nlook ? in->skip : in->nlook;
        rc = feed(in, in->look + skip, in->nlook - skip, all, sink, user);
        in->nlook = 0;
        if (rc)
            goto fail;
        if (all) {
            in->state = S_DONE;
            return 0;
        }
    }
    rc = feed(in, p, n, final, sink, user);
    if (rc)
        goto fail;
    if (final)
        in->state = S_DONE;
    return 0;
fail:
    in->state = S_ERROR;
    return rc;
}
