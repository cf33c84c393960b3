/*
 * mbcs_quality.c -- issue 4 measured per codec: multibyte mojibake, legacy
 * input, UTF-16/32, and the negatives.  Informational; not in make check.
 *
 * Usage: mbcs_quality [--max-lines=N] [--lossy-lines=N] [--show=N] [--verbose]
 *                     [--classify] [--sections=LIST] [--codec=NAME] [DIR]
 *
 *   --max-lines=N  at most N lines per text and section (default 40, 0: all)
 *   --lossy-lines=N  at most N lossy lines per text, codec and convention in
 *                  section 1b (default 8, 0: none)
 *   --show=N       print up to N failing cases per section
 *   --verbose      print every failing case
 *   --sections=LIST  run only the sections LIST names, digits 1-5 ("13":
 *                  sections 1 and 3; 1 includes 1b, 2 and 3 run together
 *                  and feed the --from rows of 5); default all
 *   --codec=NAME   sections 1 and 1b for this multibyte codec only
 *   --classify     section 1b: why each lossy run missed (1c; with --show,
 *                  the runs, the originals and the scores)
 *
 * Cases are made from the clean texts DIR/NAME.txt (default fixtures/clean)
 * and repaired through the public API, unbake_fix_buffer(), so the numbers
 * measure whatever the engine integrates.  For legacy and UTF-16/32 input a
 * second column ("staged") runs the case through the input stage
 * (src/lib/input.c) on its own and then unbake_fix_buffer(): the engine
 * runs that stage itself, so the columns should agree, and a gap points at
 * the integration rather than at the stage.
 *
 *  1. UTF-8 read as each multibyte codec of src/lib/mbcs.c and saved as
 *     UTF-8.  Lossless: the decoder met nothing undecodable.  Lossy, once
 *     per convention real decoders follow (see mbcs.h): one U+FFFD per
 *     undecodable sequence (ICU, browsers, Java); one U+FFFD per byte, the
 *     trail decoded again (Python); Windows' default character ('?', or
 *     U+30FB for cp932) for lead and next byte together, an ASCII byte
 *     after a lead swallowed; and the undecodable bytes dropped (iconv -c).
 *     Target: >= 97% exact on the lossless cases.
 * 1b. The same lossy cases straight through the module that reverses them,
 *     ub_mbcs_reverse_lossy() (src/lib/mbcs_lossy.c), run by run as the
 *     detector cuts them, every convention allowed: lines recovered
 *     exactly, character error rate (edit distance / length), runs per
 *     second; every reconstruction is checked to decode forward to its run.
 *     Texts with CJK characters only.
 *  2. Legacy bytes, for each text in the legacy codecs of its script: the
 *     whole text; every other line of a UTF-8 document; one word of a
 *     UTF-8 line.
 *  3. Legacy bytes already decoded as UTF-8 with U+FFFD for each invalid
 *     sequence: the loss is total, the text must come back unchanged.
 *  4. UTF-16LE/BE and UTF-32LE/BE, with and without BOM.
 *  5. Negatives, which must come back unchanged: every clean line; CJK
 *     punctuation sprinkled through lines of every language; and correct
 *     legacy text decoded with --from (the forced input stage) then
 *     repaired.  A change is a false positive, counted against the codec
 *     its hypothesis names.  Target: zero.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/ucnv.h>

#include "input.h"
#include "mbcs.h"
#include "mbcs_lossy.h"
#include "mbcs_lossy_int.h"
#include "unbake.h"
#include "tools/testkit.h"

enum { MAX_TEXTS = 64 };

static unbake_ctx *ctx;
static ub_mbcs_cache *cache;
static long max_lines = 40, lossy_lines = 8;
static int show_max, shown, verbose;
static unsigned sections = ~0u;     /* bit k: section k */
static const char *only_codec;      /* --codec: sections 1 and 1b */
static char last_hyp[160];

struct text {
    char name[64];
    struct tk_buf body;
};

static struct text texts[MAX_TEXTS];
static int ntexts;

struct tally {
    long cases, exact;
};

/* ------------------------------------------------------------------ */
/* Running cases                                                       */
/* ------------------------------------------------------------------ */

static void on_report(void *user, const unbake_report *r)
{
    (void)user;
    snprintf(last_hyp, sizeof last_hyp, "%s", r->hypothesis ? r->hypothesis : "?");
}

static int sink(void *user, const uint8_t *p, size_t n)
{
    tk_add(user, p, n);
    return 0;
}

/* The input stage in front of the engine: decode (from = NULL: detect),
 * then repair.  Returns the unbake_fix_buffer() result. */
static long pipeline(const char *from, const char *in, size_t n, char **out, size_t *on)
{
    ub_input *st;
    if (ub_input_new(&st, from))
        return UNBAKE_ECODEC;
    struct tk_buf mid = { 0 };
    tk_add(&mid, "", 0);
    int rc = ub_input_push(st, (const uint8_t *)in, n, 1, sink, &mid);
    ub_input_free(st);
    long r = rc ? rc : unbake_fix_buffer(ctx, mid.p, mid.n, out, on);
    tk_free(&mid);
    return r;
}

static void show_miss(const char *label, const char *in, size_t n, const char *want, size_t wn,
                      const char *got, size_t gn)
{
    if (shown >= show_max)
        return;
    shown++;
    printf("  miss %s\n    input    ", label);
    tk_show(stdout, in, n, 160);
    printf("\n    expected ");
    tk_show(stdout, want, wn, 160);
    printf("\n    got      ");
    tk_show(stdout, got ? got : "", gn, 160);
    printf("\n");
}

/*
 * One case: repair in (through the input stage first when staged, with
 * codec `from`), compare with want; `alt` is another acceptable output.
 * Returns 1 if exact.
 */
static int run_case(const char *label, int staged, const char *from, const char *in, size_t n,
                    const char *want, size_t wn, const char *alt, size_t altn, struct tally *t)
{
    char *out = NULL;
    size_t on = 0;
    last_hyp[0] = 0;
    tk_current(label, in, n);
    long r = staged ? pipeline(from, in, n, &out, &on) : unbake_fix_buffer(ctx, in, n, &out, &on);
    int exact = r >= 0 && (tk_eq(out, on, want, wn) || (alt && tk_eq(out, on, alt, altn)));
    if (t) {
        t->cases++;
        t->exact += exact;
    }
    if (!exact)
        show_miss(label, in, n, want, wn, r >= 0 ? out : unbake_strerror((int)r),
                  r >= 0 ? on : strlen(unbake_strerror((int)r)));
    free(out);
    return exact;
}

static void cell(const struct tally *t)
{
    char c[32];
    if (!t->cases)
        snprintf(c, sizeof c, "-");
    else
        snprintf(c, sizeof c, "%ld %5.1f%%", t->cases, 100.0 * (double)t->exact / (double)t->cases);
    printf(" %14s", c);
}

/* ------------------------------------------------------------------ */
/* Texts                                                               */
/* ------------------------------------------------------------------ */

static int load_texts(const char *dir)
{
    char **names;
    int n = tk_list_dir(dir, ".txt", &names);
    if (n < 0) {
        fprintf(stderr, "mbcs_quality: %s: cannot read the directory\n", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (ntexts < MAX_TEXTS) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            struct text *x = &texts[ntexts];
            snprintf(x->name, sizeof x->name, "%.*s", (int)(strlen(names[i]) - 4), names[i]);
            if (tk_read_file(path, &x->body)) {
                fprintf(stderr, "mbcs_quality: %s: cannot read\n", path);
                return -1;
            }
            ntexts++;
        }
        free(names[i]);
    }
    free(names);
    return ntexts ? 0 : -1;
}

/* Line k of a text: [*b, *e) without the newline; 0 past the end. */
static int line_at(const struct tk_buf *t, size_t *pos, size_t *b, size_t *e)
{
    if (*pos >= t->n)
        return 0;
    *b = *pos;
    const char *nl = memchr(t->p + *pos, '\n', t->n - *pos);
    *e = nl ? (size_t)(nl - t->p) : t->n;
    *pos = *e + 1;
    return 1;
}

static int count_range(const char *s, size_t n, uint32_t lo, uint32_t hi)
{
    uint32_t *cps;
    size_t m = tk_to_cps(s, n, &cps);
    int k = 0;
    for (size_t i = 0; i < m; i++)
        k += cps[i] >= lo && cps[i] <= hi;
    free(cps);
    return k;
}

/* The legacy codecs of a text's script (ICU names), NULL-terminated. */
static void legacy_codecs(const struct text *x, const char **out)
{
    const char *s = x->body.p;
    size_t n = x->body.n;
    int k = 0;
    if (count_range(s, n, 0x3040, 0x30FF) > 30) {
        out[k++] = "shift_jis";
        out[k++] = "euc-jp";
    } else if (count_range(s, n, 0xAC00, 0xD7A3) > 30) {
        out[k++] = "euc-kr";
    } else if (count_range(s, n, 0x4E00, 0x9FFF) > 30) {
        out[k++] = strstr(x->name, "TW") || strstr(x->name, "tw") ? "big5" : "gbk";
        out[k++] = "gb18030";
    } else if (count_range(s, n, 0x400, 0x4FF) > 30) {
        out[k++] = "windows-1251";
        out[k++] = "koi8-u";
        out[k++] = "ibm866";
    } else if (count_range(s, n, 0x370, 0x3FF) > 30) {
        out[k++] = "windows-1253";
        out[k++] = "iso-8859-7";
    } else if (count_range(s, n, 0x5D0, 0x5EA) > 30) {
        out[k++] = "windows-1255";
    } else if (count_range(s, n, 0x620, 0x64A) > 30) {
        out[k++] = "windows-1256";
    } else if (count_range(s, n, 0xC0, 0x17F) > 10) {
        out[k++] = "windows-1252";
        out[k++] = "windows-1250";
        out[k++] = "windows-1254";
    }
    out[k] = NULL;
}

/* ICU converter for a codec name: the pinned one for multibyte codecs. */
static UConverter *open_codec(const char *name)
{
    int id = ub_mbcs_find(name);
    UErrorCode err = U_ZERO_ERROR;
    UConverter *c = ucnv_open(id >= 0 ? ub_mbcs_icu_name(id) : name, &err);
    if (U_FAILURE(err))
        return NULL;
    ucnv_setFallback(c, 0);
    ucnv_setFromUCallBack(c, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    return c;
}

/* UTF-8 -> codec; 0 if something does not fit. */
static int encode_to(UConverter *c, const char *s, size_t n, struct tk_buf *out)
{
    UErrorCode err = U_ZERO_ERROR;
    UConverter *u8 = ucnv_open("UTF-8", &err);
    size_t cap = 4 * n + 16;
    char *buf = tk_xrealloc(NULL, cap), *t = buf;
    const char *p = s;
    ucnv_resetFromUnicode(c);
    ucnv_convertEx(c, u8, &t, buf + cap, &p, s + n, NULL, NULL, NULL, NULL, 1, 1, &err);
    int ok = U_SUCCESS(err);
    if (ok)
        tk_set(out, buf, (size_t)(t - buf));
    free(buf);
    ucnv_close(u8);
    return ok;
}

/* ------------------------------------------------------------------ */
/* 1. UTF-8 read as a multibyte codec                                  */
/* ------------------------------------------------------------------ */

enum { DEC_ICU, DEC_PY, DEC_WIN, DEC_DROP, NDEC };
static const char *const dec_name[NDEC] = { "U+FFFD/seq", "U+FFFD/byte", "windows", "dropped" };

/* Is b the lead of some pair in codec id? */
static int is_lead(int id, uint8_t b)
{
    for (int t = 0; t < 256; t++) {
        uint8_t s[2] = { b, (uint8_t)t };
        uint32_t cp;
        if (ub_mbcs_decode_char(id, s, 2, &cp) == 2)
            return 1;
    }
    return 0;
}

/*
 * The wrong decode of UTF-8 bytes b[0..n) under a convention; the result
 * as UTF-8 in out.  Returns 1 when something was undecodable.
 */
static int wrong_decode(int id, int conv, const uint8_t *b, size_t n, const uint8_t *leads,
                        struct tk_buf *out)
{
    tk_set(out, "", 0);
    int lossy = 0;
    if (conv == DEC_ICU || conv == DEC_DROP) {
        uint32_t *cps = tk_xrealloc(NULL, (n + 1) * sizeof *cps);
        size_t nsub;
        long m = ub_mbcs_decode(cache, id, b, n, cps, n + 1, &nsub);
        for (long i = 0; i < m; i++)
            if (!(conv == DEC_DROP && cps[i] == 0xFFFD))
                tk_put_utf8(out, cps[i]);
        free(cps);
        return nsub > 0;
    }
    uint32_t dflt = conv == DEC_PY ? 0xFFFD : !strcmp(ub_mbcs_name(id), "shift_jis") ? 0x30FB : '?';
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        int len = ub_mbcs_decode_char(id, b + i, n - i, &cp);
        if (len) {
            tk_put_utf8(out, cp);
            i += (size_t)len;
            continue;
        }
        lossy = 1;
        tk_put_utf8(out, dflt);
        /* Windows takes the byte after a lead byte with it, whatever it is */
        i += conv == DEC_WIN && leads[b[i]] && i + 1 < n && b[i + 1] ? 2 : 1;
    }
    return lossy;
}

static void section_cjk(void)
{
    shown = 0;
    int nc = ub_mbcs_count();
    struct tally lossless[16] = { { 0 } }, lossy[16][NDEC] = { { { 0 } } };
    for (int id = 0; id < nc && id < 16; id++) {
        if (only_codec && strcmp(only_codec, ub_mbcs_name(id)))
            continue;
        uint8_t leads[256];
        for (int b = 0; b < 256; b++)
            leads[b] = (uint8_t)is_lead(id, (uint8_t)b);
        for (int t = 0; t < ntexts; t++) {
            size_t pos = 0, b, e;
            long used = 0;
            struct tk_buf moji = { 0 }, prev = { 0 };
            while (used < max_lines && line_at(&texts[t].body, &pos, &b, &e)) {
                const char *line = texts[t].body.p + b;
                size_t n = e - b;
                if (!tk_has_non_ascii(line, n))
                    continue;
                used++;
                tk_set(&prev, "", 0);
                for (int conv = 0; conv < NDEC; conv++) {
                    int l = wrong_decode(id, conv, (const uint8_t *)line, n, leads, &moji);
                    if (conv != DEC_ICU && (!l || tk_eq(moji.p, moji.n, prev.p, prev.n)))
                        continue;       /* same case as another convention */
                    if (conv == DEC_ICU)
                        tk_set(&prev, moji.p, moji.n);
                    char label[160];
                    snprintf(label, sizeof label, "[1] %.48s read as %.48s, %.48s", texts[t].name,
                             ub_mbcs_name(id), l ? dec_name[conv] : "lossless");
                    struct tally *into = l ? &lossy[id][conv] : &lossless[id];
                    run_case(label, 0, NULL, moji.p, moji.n, line, n, NULL, 0, into);
                    if (!l)
                        break;          /* no loss: the other conventions agree */
                }
            }
            tk_free(&moji);
            tk_free(&prev);
        }
    }
    printf("\n1. UTF-8 read as a multibyte codec: cases, exact (target >= 97%% lossless)\n");
    printf("  %-12s %14s", "codec", "lossless");
    for (int c = 0; c < NDEC; c++)
        printf(" %14s", dec_name[c]);
    printf("\n");
    for (int id = 0; id < nc && id < 16; id++) {
        if (only_codec && strcmp(only_codec, ub_mbcs_name(id)))
            continue;
        printf("  %-12s", ub_mbcs_name(id));
        cell(&lossless[id]);
        for (int c = 0; c < NDEC; c++)
            cell(&lossy[id][c]);
        printf("\n");
    }
}

/* ------------------------------------------------------------------ */
/* 1b. The lossy module on its own                                     */
/* ------------------------------------------------------------------ */

static ub_mbcs_lossy_scratch *lscratch;
static long lruns, lfail, lbad;
static uint64_t lsteps;
static double lsecs;
static int classify;                /* --classify: why each run missed */

/*
 * --classify: each lossy run against the original characters behind it
 * (found by decoding the line again, byte ranges kept):
 *   ok       reconstructed exactly
 *   none/ok  no reconstruction, but the original decodes back to the run
 *            (the search or its checks lost it)
 *   none/bad no reconstruction, and the original does not decode back to
 *            the run as cut (the loss model or the cut is wrong)
 *   search   a wrong reconstruction that scores below the original (the
 *            beam missed the original)
 *   model    a wrong reconstruction that scores at least as well (the
 *            model or the costs prefer it)
 *   wbad     a wrong reconstruction, the original not decoding back
 *   enc      the run read back whole through the encoder, wrongly
 */
enum { CL_OK, CL_NONE_OK, CL_NONE_BAD, CL_SEARCH, CL_MODEL, CL_WBAD, CL_ENC, NCL };
static const char *const cl_name[NCL] = { "ok", "none/ok", "none/bad", "search", "model",
                                          "wbad", "enc" };
static long cl_count[16][UB_MBCS_NCONV][NCL];
static int cl_show;
static unsigned cl_chain;           /* most errors in a row in the run */

/* The line being repaired, for --classify: its bytes and, per code point
 * of the misread line, the byte range it came from. */
struct prov {
    const uint8_t *b;
    size_t n;
    ub_mbcs_conv_e conv;
    size_t *start, *end;    /* per output code point */
    size_t m;
    int ok;                 /* the decode agrees with ub_mbcs_decode_conv() */
};

static void prov_build(struct prov *p, int id, ub_mbcs_conv_e conv, const uint8_t *b, size_t n,
                       const uint32_t *want, size_t nwant)
{
    const struct ub_mbcs_ltab *t = ub_mbcs_ltab_get(id);
    p->b = b;
    p->n = n;
    p->conv = conv;
    p->start = tk_xrealloc(NULL, (n + 1) * sizeof *p->start);
    p->end = tk_xrealloc(NULL, (n + 1) * sizeof *p->end);
    p->m = 0;
    p->ok = t != NULL;
    uint32_t mark = ub_mbcs_conv_marker(id, conv);
    for (size_t i = 0; i < n && p->ok;) {
        uint32_t cp;
        int len = ub_mbcs_decode_char(id, b + i, n - i, &cp);
        if (!len) {
            len = ub_mbcs_dec_at(t, id, conv, b[i], i + 1 < n ? b[i + 1] : END,
                                 i + 2 < n ? b[i + 2] : END);
            if (len <= 0)
                len = 1;
            if (i + (size_t)len > n)
                len = (int)(n - i);
            cp = mark;
        }
        if (conv != UB_MBCS_CONV_DROP || cp != 0) {
            if (p->m >= nwant || want[p->m] != cp)
                p->ok = 0;
            p->start[p->m] = i;
            p->end[p->m++] = i + (size_t)len;
        }
        i += (size_t)len;
    }
    if (p->m != nwant)
        p->ok = 0;
}

static void prov_free(struct prov *p)
{
    free(p->start);
    free(p->end);
}

/* Bytes [*bs, *be) behind run in[i..j) (dropped bytes at its edges
 * included); error events among them into *nev. */
static void prov_range(const struct prov *p, int id, size_t i, size_t j, size_t *bs, size_t *be,
                       unsigned *nev)
{
    *bs = i ? p->end[i - 1] : 0;
    *be = j < p->m ? p->start[j] : p->n;
    const struct ub_mbcs_ltab *t = ub_mbcs_ltab_get(id);
    *nev = 0;
    cl_chain = 0;
    unsigned chain = 0;
    for (size_t k = *bs; k < *be;) {
        uint32_t cp;
        int len = ub_mbcs_decode_char(id, p->b + k, p->n - k, &cp);
        if (!len) {
            len = ub_mbcs_dec_at(t, id, p->conv, p->b[k], k + 1 < p->n ? p->b[k + 1] : END,
                                 k + 2 < p->n ? p->b[k + 2] : END);
            if (len <= 0)
                len = 1;
            ++*nev;
            chain++;
            cl_chain = chain > cl_chain ? chain : cl_chain;
        } else {
            chain = 0;
        }
        k += (size_t)len;
    }
}

static double conv_prior(ub_mbcs_conv_e c)
{
    return c == UB_MBCS_CONV_PYTHON ? UB_MBCS_PRIOR_PYTHON
           : c == UB_MBCS_CONV_WIN  ? UB_MBCS_PRIOR_WIN
           : c == UB_MBCS_CONV_DROP ? UB_MBCS_PRIOR_DROP
                                    : 0;
}

static double conv_loss(ub_mbcs_conv_e c)
{
    return c == UB_MBCS_CONV_WIN ? UB_MBCS_LOSS_QMARK
           : c == UB_MBCS_CONV_DROP ? UB_MBCS_LOSS_DROP
                                    : UB_MBCS_LOSS_FFFD;
}

static void show_cps(const char *tag, const uint32_t *c, size_t n)
{
    struct tk_buf b = { 0 };
    tk_set(&b, "", 0);
    for (size_t i = 0; i < n; i++)
        tk_put_utf8(&b, c[i]);
    printf("    %-8s ", tag);
    tk_show(stdout, b.p, b.n, 200);
    printf("\n");
    tk_free(&b);
}

static const struct prov *cur_prov;
static int cur_id;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A run as the detector cuts it: non-ASCII characters and '?'. */
static int lrun_char(uint32_t c)
{
    return c >= 0x80 || c == '?';
}

/* Does cps[0..n) decode back to in[0..nin) under conv? */
static int round_trips(int id, ub_mbcs_conv_e conv, const uint32_t *cps, size_t n,
                       const uint32_t *in, size_t nin)
{
    struct tk_buf b = { 0 };
    tk_set(&b, "", 0);
    for (size_t i = 0; i < n; i++)
        tk_put_utf8(&b, cps[i]);
    uint32_t *back = tk_xrealloc(NULL, (b.n + 1) * sizeof *back);
    long m = ub_mbcs_decode_conv(cache, id, conv, (const uint8_t *)b.p, b.n, back, b.n + 1);
    int ok = m == (long)nin && !memcmp(back, in, nin * sizeof *in);
    free(back);
    tk_free(&b);
    return ok;
}

/* Repair a misread line run by run: lossless runs through the encoder,
 * the others through ub_mbcs_reverse_lossy(). */
static size_t repair_lossy_line(int id, const uint32_t *in, size_t n, uint32_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (!lrun_char(in[i])) {
            out[o++] = in[i++];
            continue;
        }
        size_t j = i;
        while (j < n && lrun_char(in[j]))
            j++;
        uint8_t *b = tk_xrealloc(NULL, 4 * (j - i) + 4);
        long nb = ub_mbcs_encode(cache, id, in + i, j - i, b, 4 * (j - i) + 4);
        /* --classify: the original characters behind the run */
        uint32_t *truth = NULL;
        size_t ntruth = 0;
        unsigned nev = 0;
        if (classify && cur_prov && cur_prov->ok) {
            size_t bs, be;
            prov_range(cur_prov, id, i, j, &bs, &be, &nev);
            ntruth = tk_to_cps(cur_prov->b + bs, be - bs, &truth);
        }
        if (nb >= 0 && tk_utf8_valid(b, (size_t)nb)) {
            uint32_t *c;
            size_t m = tk_to_cps(b, (size_t)nb, &c);
            if (truth && (nev || m != ntruth || memcmp(c, truth, m * sizeof *c))) {
                int cl = m == ntruth && !memcmp(c, truth, m * sizeof *c) ? CL_OK : CL_ENC;
                cl_count[cur_id][cur_prov->conv][cl]++;
                if (cl != CL_OK && cl_show < show_max) {
                    cl_show++;
                    printf("  [enc] %s %s: %u lost\n", ub_mbcs_name(id),
                           ub_mbcs_conv_name(cur_prov->conv), nev);
                    show_cps("run", in + i, j - i);
                    show_cps("truth", truth, ntruth);
                    show_cps("found", c, m);
                }
            }
            free(truth);
            memcpy(out + o, c, m * sizeof *c);
            o += m;
            free(c);
            free(b);
            i = j;
            continue;
        }
        free(b);
        ub_mbcs_lossy_result r;
        uint64_t steps = 0;
        uint32_t l1 = o ? out[o - 1] : UB_LM_BOS, l2 = o > 1 ? out[o - 2] : UB_LM_BOS;
        size_t nr = n - j < 2 ? n - j : 2;
        double t0 = now_s();
        int rc = ub_mbcs_reverse_lossy(lscratch, cache, id, UB_MBCS_CONV_ALL, in + i, j - i,
                                       ub_lm_builtin(), l2, l1, in + j, nr, &r, &steps);
        lsecs += now_s() - t0;
        lsteps += steps;
        lruns++;
        if (rc == 0 && !round_trips(id, r.conv, r.cps, r.nchars, in + i, j - i)) {
            lbad++;
            rc = -1;
        }
        if (truth) {
            int same = rc == 0 && r.nchars == ntruth &&
                       !memcmp(r.cps, truth, ntruth * sizeof *truth);
            ub_mbcs_conv_e tc = cur_prov->conv;
            int tok = round_trips(id, tc, truth, ntruth, in + i, j - i);
            const ub_lm *lm = ub_lm_builtin();
            double ts = ub_lm_score(lm, l2, l1, truth, ntruth);
            if (ntruth) {
                uint32_t c2 = ntruth >= 2 ? truth[ntruth - 2] : l1;
                ts += ub_lm_junction(lm, c2, truth[ntruth - 1], in + j, nr);
            }
            ts -= conv_prior(tc) + conv_loss(tc) * nev;
            double fs = rc == 0 ? r.lm - r.cost : 0;
            int cl = same ? CL_OK
                     : rc != 0 ? (tok ? CL_NONE_OK : CL_NONE_BAD)
                     : !tok ? CL_WBAD
                     : ts > fs + 1e-3 ? CL_SEARCH : CL_MODEL;
            cl_count[cur_id][tc][cl]++;
            if (cl != CL_OK && cl_show < show_max) {
                cl_show++;
                printf("  [%s] %s %s: chain %u, truth %.2f (%u lost) found %.2f (%s, %u lost)\n",
                       cl_name[cl], ub_mbcs_name(id), ub_mbcs_conv_name(tc), cl_chain, ts, nev, fs,
                       rc == 0 ? ub_mbcs_conv_name(r.conv) : "-", rc == 0 ? r.nlost : 0);
                show_cps("run", in + i, j - i);
                show_cps("truth", truth, ntruth);
                if (rc == 0)
                    show_cps("found", r.cps, r.nchars);
            }
            free(truth);
        }
        if (rc == 0) {
            memcpy(out + o, r.cps, r.nchars * sizeof *r.cps);
            o += r.nchars;
        } else {
            lfail++;
            memcpy(out + o, in + i, (j - i) * sizeof *in);
            o += j - i;
        }
        i = j;
    }
    return o;
}

static void section_cjk_lossy(void)
{
    if (!lossy_lines)
        return;
    lscratch = ub_mbcs_lossy_scratch_new();
    if (!lscratch)
        return;
    int nc = ub_mbcs_count();
    printf("\n1b. Lossy multibyte runs through ub_mbcs_reverse_lossy(): lines, exact, CER\n");
    printf("  %-12s %-7s", "codec", "text");
    for (int c = 0; c < UB_MBCS_NCONV; c++)
        printf(" %22s", ub_mbcs_conv_name((ub_mbcs_conv_e)c));
    printf("\n");
    struct tk_buf moji = { 0 };
    for (int id = 0; id < nc; id++) {
        if (only_codec && strcmp(only_codec, ub_mbcs_name(id)))
            continue;
        for (int t = 0; t < ntexts; t++) {
            const struct text *x = &texts[t];
            if (count_range(x->body.p, x->body.n, 0x3040, 0x30FF) +
                    count_range(x->body.p, x->body.n, 0xAC00, 0xD7A3) +
                    count_range(x->body.p, x->body.n, 0x4E00, 0x9FFF) <= 30)
                continue;
            printf("  %-12s %-7.7s", ub_mbcs_name(id), x->name);
            for (int conv = 0; conv < UB_MBCS_NCONV; conv++) {
                long cases = 0, exact = 0;
                size_t chars = 0, errs = 0;
                size_t pos = 0, b, e;
                while (cases < lossy_lines && line_at(&x->body, &pos, &b, &e)) {
                    const char *line = x->body.p + b;
                    size_t n = e - b;
                    uint32_t *icu = tk_xrealloc(NULL, (n + 1) * sizeof *icu);
                    size_t nsub;
                    ub_mbcs_decode(cache, id, (const uint8_t *)line, n, icu, n + 1, &nsub);
                    free(icu);
                    if (!nsub)
                        continue;           /* lossless: section 1 */
                    uint32_t *in = tk_xrealloc(NULL, (n + 1) * sizeof *in);
                    long m = ub_mbcs_decode_conv(cache, id, (ub_mbcs_conv_e)conv,
                                                 (const uint8_t *)line, n, in, n + 1);
                    uint32_t *orig, *out = tk_xrealloc(NULL, (4 * (size_t)m + 8) * sizeof *out);
                    size_t no = tk_to_cps(line, n, &orig);
                    tk_current("[1b]", line, n);
                    struct prov pv;
                    if (classify) {
                        prov_build(&pv, id, (ub_mbcs_conv_e)conv, (const uint8_t *)line, n, in,
                                   (size_t)m);
                        cur_prov = &pv;
                        cur_id = id;
                        if (!pv.ok)
                            printf("  [classify] %s %s: the decode with byte ranges differs\n",
                                   ub_mbcs_name(id), ub_mbcs_conv_name((ub_mbcs_conv_e)conv));
                    }
                    size_t o = repair_lossy_line(id, in, (size_t)m, out);
                    if (classify) {
                        prov_free(&pv);
                        cur_prov = NULL;
                    }
                    int ok = o == no && !memcmp(out, orig, no * sizeof *orig);
                    cases++;
                    exact += ok;
                    chars += no;
                    errs += tk_edit_distance(out, o, orig, no);
                    if (!ok && shown < show_max) {
                        tk_set(&moji, "", 0);
                        for (size_t k = 0; k < o; k++)
                            tk_put_utf8(&moji, out[k]);
                        char label[160];
                        snprintf(label, sizeof label, "[1b] %.40s read as %.30s, %s", x->name,
                                 ub_mbcs_name(id), ub_mbcs_conv_name((ub_mbcs_conv_e)conv));
                        show_miss(label, line, n, line, n, moji.p, moji.n);
                    }
                    free(in);
                    free(out);
                    free(orig);
                }
                char c[48];
                if (!cases)
                    snprintf(c, sizeof c, "-");
                else
                    snprintf(c, sizeof c, "%ld %5.1f%% %5.3f", cases,
                             100.0 * (double)exact / (double)cases,
                             chars ? (double)errs / (double)chars : 0.0);
                printf(" %22s", c);
                fflush(stdout);
            }
            printf("\n");
        }
    }
    printf("  %ld runs reversed, %.0f runs/s, %.0f steps/run, %ld without a reconstruction, %ld "
           "failing the forward check\n", lruns, lsecs > 0 ? (double)lruns / lsecs : 0.0,
           lruns ? (double)lsteps / (double)lruns : 0.0, lfail, lbad);
    if (classify) {
        printf("\n1c. Lossy runs by outcome (--classify; see the tool's source)\n  %-12s %-8s",
               "codec", "conv");
        for (int k = 0; k < NCL; k++)
            printf(" %8s", cl_name[k]);
        printf("\n");
        for (int id = 0; id < nc && id < 16; id++)
            for (int c = 0; c < UB_MBCS_NCONV; c++) {
                long tot = 0;
                for (int k = 0; k < NCL; k++)
                    tot += cl_count[id][c][k];
                if (!tot)
                    continue;
                printf("  %-12s %-8s", ub_mbcs_name(id), ub_mbcs_conv_name((ub_mbcs_conv_e)c));
                for (int k = 0; k < NCL; k++)
                    printf(" %8ld", cl_count[id][c][k]);
                printf("\n");
            }
    }
    tk_free(&moji);
    ub_mbcs_lossy_scratch_free(lscratch);
}

/* ------------------------------------------------------------------ */
/* 2. Legacy bytes, 3. replaced by U+FFFD                              */
/* ------------------------------------------------------------------ */

/* The lines of a text that fit codec c: in UTF-8 (keep) and in c (leg). */
static void fitting(UConverter *c, const struct tk_buf *text, struct tk_buf *keep,
                    struct tk_buf *leg)
{
    struct tk_buf one = { 0 };
    size_t pos = 0, b, e;
    tk_set(keep, "", 0);
    tk_set(leg, "", 0);
    while (line_at(text, &pos, &b, &e)) {
        size_t end = e < text->n ? e + 1 : e;
        if (encode_to(c, text->p + b, end - b, &one)) {
            tk_add(keep, text->p + b, end - b);
            tk_add(leg, one.p, one.n);
        }
    }
    tk_free(&one);
}

/* Decode bytes as UTF-8 with one U+FFFD per invalid sequence (ICU). */
static void utf8_replace(const char *s, size_t n, struct tk_buf *out)
{
    UErrorCode err = U_ZERO_ERROR;
    UConverter *u8 = ucnv_open("UTF-8", &err), *u8b = ucnv_open("UTF-8", &err);
    ucnv_setToUCallBack(u8, UCNV_TO_U_CALLBACK_SUBSTITUTE, NULL, NULL, NULL, &err);
    size_t cap = 3 * n + 16;
    char *buf = tk_xrealloc(NULL, cap), *t = buf;
    const char *p = s;
    ucnv_convertEx(u8b, u8, &t, buf + cap, &p, s + n, NULL, NULL, NULL, NULL, 1, 1, &err);
    tk_set(out, buf, U_SUCCESS(err) ? (size_t)(t - buf) : 0);
    free(buf);
    ucnv_close(u8);
    ucnv_close(u8b);
}

enum { LG_WHOLE_API, LG_WHOLE_STAGED, LG_LINES, LG_WORD, LG_FFFD, LG_FROM, NLG };
static const char *const lg_name[NLG] = { "whole (API)", "whole (staged)", "every 2nd line",
                                          "one word", "U+FFFD kept", "--from ok" };

struct codec_row {
    char name[32];
    struct tally t[NLG];
};

static struct codec_row rows[32];
static int nrows;

static struct codec_row *row_for(const char *name)
{
    for (int i = 0; i < nrows; i++)
        if (!strcmp(rows[i].name, name))
            return &rows[i];
    if (nrows == 32)
        return &rows[31];
    snprintf(rows[nrows].name, sizeof rows[nrows].name, "%s", name);
    return &rows[nrows++];
}

static void section_legacy(void)
{
    shown = 0;
    struct tk_buf keep = { 0 }, leg = { 0 }, doc = { 0 }, want = { 0 }, one = { 0 },
                  rep = { 0 };
    char label[200];
    for (int t = 0; t < ntexts; t++) {
        const char *codecs[8];
        legacy_codecs(&texts[t], codecs);
        for (int k = 0; codecs[k]; k++) {
            UConverter *c = open_codec(codecs[k]);
            if (!c)
                continue;
            fitting(c, &texts[t].body, &keep, &leg);
            if (keep.n < 200 || tk_eq(keep.p, keep.n, leg.p, leg.n)) {
                ucnv_close(c);
                continue;
            }
            struct codec_row *r = row_for(codecs[k]);
            snprintf(label, sizeof label, "[2] %.48s in %.48s, whole", texts[t].name, codecs[k]);
            run_case(label, 0, NULL, leg.p, leg.n, keep.p, keep.n, NULL, 0, &r->t[LG_WHOLE_API]);
            snprintf(label, sizeof label, "[2] %.48s in %.48s, whole, staged", texts[t].name,
                     codecs[k]);
            run_case(label, 1, NULL, leg.p, leg.n, keep.p, keep.n, NULL, 0,
                     &r->t[LG_WHOLE_STAGED]);
            snprintf(label, sizeof label, "[5] %.48s in %.48s, --from", texts[t].name, codecs[k]);
            run_case(label, 1, codecs[k], leg.p, leg.n, keep.p, keep.n, NULL, 0, &r->t[LG_FROM]);

            /* every other line in legacy bytes, the rest UTF-8 */
            size_t pos = 0, b, e;
            int odd = 0;
            tk_set(&doc, "", 0);
            while (line_at(&keep, &pos, &b, &e)) {
                size_t end = e < keep.n ? e + 1 : e;
                if (odd && encode_to(c, keep.p + b, end - b, &one))
                    tk_add(&doc, one.p, one.n);
                else
                    tk_add(&doc, keep.p + b, end - b);
                odd = !odd;
            }
            snprintf(label, sizeof label, "[2] %.48s in %.48s, every other line", texts[t].name,
                     codecs[k]);
            run_case(label, 0, NULL, doc.p, doc.n, keep.p, keep.n, NULL, 0, &r->t[LG_LINES]);

            /* per line: one word in legacy bytes; and the line's legacy
             * bytes read as UTF-8 with replacement */
            pos = 0;
            long used = 0;
            while (used < max_lines && line_at(&keep, &pos, &b, &e)) {
                const char *line = keep.p + b;
                size_t n = e - b;
                if (!tk_has_non_ascii(line, n))
                    continue;
                used++;
                /* the last space-delimited word with non-ASCII */
                size_t ws = n, we = n;
                for (size_t i = n; i > 0; i--) {
                    size_t j = i;
                    while (j > 0 && line[j - 1] != ' ')
                        j--;
                    if (tk_has_non_ascii(line + j, i - j) && j > 0) {
                        ws = j;
                        we = i;
                        break;
                    }
                    i = j ? j : 1;
                }
                if (ws < we && encode_to(c, line + ws, we - ws, &one)) {
                    tk_set(&doc, line, ws);
                    tk_add(&doc, one.p, one.n);
                    tk_add(&doc, line + we, n - we);
                    snprintf(label, sizeof label, "[2] %.48s in %.48s, one word", texts[t].name,
                             codecs[k]);
                    run_case(label, 0, NULL, doc.p, doc.n, line, n, NULL, 0, &r->t[LG_WORD]);
                }
                if (encode_to(c, line, n, &one)) {
                    utf8_replace(one.p, one.n, &rep);
                    if (!tk_eq(rep.p, rep.n, line, n)) {
                        snprintf(label, sizeof label, "[3] %.48s in %.48s, read with U+FFFD",
                                 texts[t].name, codecs[k]);
                        run_case(label, 0, NULL, rep.p, rep.n, rep.p, rep.n, NULL, 0,
                                 &r->t[LG_FFFD]);
                    }
                }
            }
            ucnv_close(c);
        }
    }
    printf("\n2/3. Legacy bytes (whole; staged = through the input stage), and "
           "U+FFFD-replaced legacy (must stay unchanged)\n  %-14s", "codec");
    for (int i = 0; i < NLG - 1; i++)
        printf(" %14s", lg_name[i]);
    printf("\n");
    for (int i = 0; i < nrows; i++) {
        printf("  %-14s", rows[i].name);
        for (int j = 0; j < NLG - 1; j++)
            cell(&rows[i].t[j]);
        printf("\n");
    }
    tk_free(&keep);
    tk_free(&leg);
    tk_free(&doc);
    tk_free(&want);
    tk_free(&one);
    tk_free(&rep);
}

/* ------------------------------------------------------------------ */
/* 4. UTF-16 and UTF-32                                                */
/* ------------------------------------------------------------------ */

static void section_unicode(void)
{
    shown = 0;
    static const char *const enc[] = { "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE" };
    static const char *const bom[] = { "\xFF\xFE", "\xFE\xFF", "\xFF\xFE\0\0", "\0\0\xFE\xFF" };
    struct tally t[4][2][2] = { { { { 0 } } } };       /* enc, bom, staged */
    struct tk_buf in = { 0 }, body = { 0 }, alt = { 0 };
    for (int x = 0; x < ntexts; x++) {
        for (int e = 0; e < 4; e++) {
            UConverter *c = open_codec(enc[e]);
            if (!encode_to(c, texts[x].body.p, texts[x].body.n, &body)) {
                ucnv_close(c);
                continue;
            }
            ucnv_close(c);
            tk_set(&alt, "\xEF\xBB\xBF", 3);
            tk_add(&alt, texts[x].body.p, texts[x].body.n);
            for (int withbom = 0; withbom < 2; withbom++) {
                tk_set(&in, withbom ? bom[e] : "", withbom ? (e < 2 ? 2u : 4u) : 0u);
                tk_add(&in, body.p, body.n);
                for (int staged = 0; staged < 2; staged++) {
                    char label[160];
                    snprintf(label, sizeof label, "[4] %.48s in %.48s%.48s%.48s", texts[x].name,
                             enc[e], withbom ? " with BOM" : "", staged ? ", staged" : "");
                    run_case(label, staged, NULL, in.p, in.n, texts[x].body.p, texts[x].body.n,
                             alt.p, alt.n, &t[e][withbom][staged]);
                }
            }
        }
    }
    printf("\n4. UTF-16/32 (a leading UTF-8 BOM is accepted): cases, exact\n");
    printf("  %-10s %14s %14s %14s %14s\n", "", "no BOM (API)", "no BOM (stg)", "BOM (API)",
           "BOM (staged)");
    for (int e = 0; e < 4; e++) {
        printf("  %-10s", enc[e]);
        cell(&t[e][0][0]);
        cell(&t[e][0][1]);
        cell(&t[e][1][0]);
        cell(&t[e][1][1]);
        printf("\n");
    }
    tk_free(&in);
    tk_free(&body);
    tk_free(&alt);
}

/* ------------------------------------------------------------------ */
/* 5. Negatives                                                        */
/* ------------------------------------------------------------------ */

struct fp {
    char hyp[64];
    long n;
};

static struct fp fps[64];
static int nfps;

/* Count a false positive against the codecs its hypothesis names. */
static void note_fp(void)
{
    char key[64];
    const char *h = strstr(last_hyp, " as ");
    snprintf(key, sizeof key, "%.60s", h ? h + 4 : last_hyp[0] ? last_hyp : "(no report)");
    key[strcspn(key, ",")] = 0;
    for (int i = 0; i < nfps; i++)
        if (!strcmp(fps[i].hyp, key)) {
            fps[i].n++;
            return;
        }
    if (nfps < 64) {
        snprintf(fps[nfps].hyp, sizeof fps[nfps].hyp, "%s", key);
        fps[nfps++].n = 1;
    }
}

static void negative(const char *label, const char *s, size_t n, struct tally *t)
{
    if (!run_case(label, 0, NULL, s, n, s, n, NULL, 0, t))
        note_fp();
}

static void section_negatives(void)
{
    shown = 0;
    static const uint32_t punct[] = { 0x3001, 0x3002, 0x300C, 0x300D, 0x300E, 0x300F, 0x3010,
                                      0x3011, 0x30FB, 0xFF08, 0xFF09, 0xFF01, 0xFF1F, 0xFF1A,
                                      0x2026, 0x3000 };
    struct tally clean = { 0 }, dense = { 0 };
    struct tk_buf line2 = { 0 };
    uint64_t rng = 4;
    for (int x = 0; x < ntexts; x++) {
        size_t pos = 0, b, e;
        long used = 0;
        while (used < max_lines && line_at(&texts[x].body, &pos, &b, &e)) {
            const char *line = texts[x].body.p + b;
            size_t n = e - b;
            if (!n)
                continue;
            used++;
            char label[160];
            snprintf(label, sizeof label, "[5] %.48s clean line", texts[x].name);
            negative(label, line, n, &clean);
            /* the same line with CJK punctuation for its spaces and ends */
            tk_set(&line2, "", 0);
            tk_put_utf8(&line2, 0x300C);
            for (size_t i = 0; i < n; i++) {
                if (line[i] == ' ' || line[i] == ',' || line[i] == '.')
                    tk_put_utf8(&line2, punct[tk_below(&rng, sizeof punct / sizeof punct[0])]);
                else
                    tk_add(&line2, line + i, 1);
            }
            tk_put_utf8(&line2, 0x300D);
            tk_put_utf8(&line2, 0x3002);
            snprintf(label, sizeof label, "[5] %.48s with CJK punctuation", texts[x].name);
            negative(label, line2.p, line2.n, &dense);
        }
    }
    printf("\n5. Negatives (must stay unchanged): cases, unchanged\n");
    printf("  %-28s", "clean lines");
    cell(&clean);
    printf("\n  %-28s", "lines with CJK punctuation");
    cell(&dense);
    printf("\n");
    for (int i = 0; i < nrows; i++) {
        char name[64];
        snprintf(name, sizeof name, "--from=%.30s, correct text", rows[i].name);
        printf("  %-28s", name);
        cell(&rows[i].t[LG_FROM]);
        printf("\n");
    }
    if (nfps) {
        printf("  false positives by hypothesis:");
        for (int i = 0; i < nfps; i++)
            printf(" %s %ld%s", fps[i].hyp, fps[i].n, i + 1 < nfps ? "," : "");
        printf("\n");
    }
    tk_free(&line2);
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    const char *dir = "fixtures/clean";
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--max-lines=", 12)) {
            max_lines = tk_parse_num("mbcs_quality", argv[i] + 12, "--max-lines");
            if (!max_lines)
                max_lines = LONG_MAX;
        }
        else if (!strncmp(argv[i], "--show=", 7))
            show_max = (int)tk_parse_num("mbcs_quality", argv[i] + 7, "--show");
        else if (!strncmp(argv[i], "--lossy-lines=", 14))
            lossy_lines = tk_parse_num("mbcs_quality", argv[i] + 14, "--lossy-lines");
        else if (!strcmp(argv[i], "--classify"))
            classify = 1;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strncmp(argv[i], "--sections=", 11)) {
            sections = 0;
            for (const char *c = argv[i] + 11; *c; c++)
                if (*c >= '1' && *c <= '5')
                    sections |= 1u << (*c - '0');
        }
        else if (!strncmp(argv[i], "--codec=", 8))
            only_codec = argv[i] + 8;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "usage: mbcs_quality [--max-lines=N] [--lossy-lines=N] [--show=N] "
                            "[--verbose] [--classify] [--sections=LIST] [--codec=NAME] [DIR]\n");
            return 2;
        } else
            dir = argv[i];
    }
    if (verbose && !show_max)
        show_max = 1000000;
    tk_catch_crashes();
    if (load_texts(dir))
        return 2;
    ctx = unbake_ctx_new();
    cache = ub_mbcs_cache_new();
    if (!ctx || !cache || unbake_ctx_set_report(ctx, on_report, NULL))
        return 2;
    printf("mbcs_quality: %d texts from %s, at most %ld lines each\n", ntexts, dir, max_lines);
    if (sections & 1u << 1) {
        section_cjk();
        section_cjk_lossy();
    }
    if (sections & (1u << 2 | 1u << 3))
        section_legacy();
    if (sections & 1u << 4)
        section_unicode();
    if (sections & 1u << 5)
        section_negatives();
    ub_mbcs_cache_free(cache);
    unbake_ctx_free(ctx);
    for (int i = 0; i < ntexts; i++)
        tk_free(&texts[i].body);
    return 0;
}
