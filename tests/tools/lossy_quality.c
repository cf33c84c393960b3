/*
 * lossy_quality.c -- `make bench-quality`: how well lossy and legacy input
 * is recovered (issues 3 and 4).  Informational; not part of make check.
 *
 * Usage: lossy_quality [OPTION]... DIR
 *
 * Makes cases from the clean texts DIR/NAME.txt (one language or script
 * each) and runs them through unbake_fix_buffer() with default options
 * (lossy fill).  For every group it prints the number of cases, the rate
 * of exact recovery and the character error rate (edit distance in code
 * points over the length of the clean text, summed over the group):
 *
 *  1. lossy single-byte mojibake: UTF-8 read as each codec of issue 2,
 *     then damaged by a loss model: undefined bytes dropped ("drop"),
 *     replaced by '?' ("qmark") or U+FFFD ("fffd"); soft hyphens stripped
 *     ("shy"); NBSP turned into a space ("nbsp"); all three of drop, shy
 *     and nbsp ("mix"); and drop in both of two layers ("drop x2").  For
 *     iso-8859-1, "drop" is C1 controls stripped.  Only cases where the
 *     loss changed something count.  Per loss model x language, and per
 *     loss model x codec.  Target: >= 90% exact, CER <= 0.5%.
 *  2. UTF-8 read as a CJK codec (GBK, GB18030, Big5, Shift_JIS, EUC-JP,
 *     EUC-KR, with ICU): lossless where the decoder met no invalid
 *     sequence, else lossy with each invalid sequence dropped, '?',
 *     U+FFFD or U+30FB.  Target: >= 97% exact on the lossless ones.
 *  3. legacy bytes: the clean text encoded in a legacy codec (where it
 *     can be), whole, and every other paragraph in a UTF-8 document.
 *  4. UTF-16LE/BE and UTF-32LE/BE, with and without BOM.  The output may
 *     or may not start with a UTF-8 BOM; both count as exact.
 *  5. negatives: clean paragraphs, and lines of CJK text dense with CJK
 *     punctuation, must come back unchanged.  Target: zero changed.
 *
 * Options:
 *   --max-units=N   at most N paragraphs per language (default 12)
 *   --lang=NAME     only this language (repeatable)
 *   --only=N        only section N (1-5, repeatable)
 *   --show=N        print up to N failing cases per section (default 0),
 *                   each with the text around its first difference
 *   --case=TEXT     only cases whose label holds TEXT ("ru windows-1250")
 *   --save=DIR      write the input of every miss shown to DIR/miss-N.txt
 *   --classify      sort the misses of section 1 by line: a line left as
 *                   it was (not attempted, or lost to leaving it alone);
 *                   one that kept some of the input's characters (part
 *                   of it unrepaired); else of the right length with
 *                   wrong characters in the right script (wrong fill) or
 *                   in another (wrong codec); else another length (wrong
 *                   span or run split)
 *   --lines=K       with --classify, print every line of kind K (0 line
 *                   kept, 1 wrong chars, 2 other script, 3 mojibake left,
 *                   4 wrong length) as LINE, label, input, expected and
 *                   output, tab-separated
 *
 * The texts a model was trained on make optimistic numbers: point DIR at
 * texts held out from the model's corpus.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "unbake.h"
#include "tools/testkit.h"

enum { MAX_TEXTS = 64, MAX_FILTER = 16 };

static struct tk_codec codecs[] = {
#define X(n, src) { .name = n, .source = src },
    TK_CODECS(X)
#undef X
};
enum { NCODECS = sizeof codecs / sizeof codecs[0] };

struct text {
    char *lang;
    struct tk_buf data;
    struct tk_unit *units;
    size_t nunits;
};

static struct text texts[MAX_TEXTS];
static int ntexts;
static unbake_ctx *ctx;
static int show_max;
static int shown;
static int classify;
static const char *case_filter;
static const char *save_dir;

/* Section 1 misses by kind (see --classify), per loss model. */
enum { K_LINE_KEPT, K_LINE_FILL, K_LINE_CODEC, K_LINE_PART, K_LINE_SPAN, NKIND };
static const char *const kind_name[NKIND] = { "line kept", "wrong chars", "other script",
                                              "mojibake left", "wrong length" };
static long kind_cases[8][NKIND], kind_lines[8][NKIND], kind_fill_chars[8];
static long kind_miss[8];
static int cur_loss = -1;      /* section 1: the case's loss model */
static int lines_kind = -1;    /* --lines=K: print each line of kind K */
static const char *cur_label;
static void classify_miss(int m, const char *in, size_t n, const char *want, size_t wn,
                          const char *out, size_t on);

/* One group's tally. */
struct tally {
    long cases, exact;
    double dist, len;   /* code points */
};

/* ------------------------------------------------------------------ */
/* Measuring                                                           */
/* ------------------------------------------------------------------ */

/* Edit distance in code points of two UTF-8 strings. */
static size_t edit_distance(const char *a, size_t an, const char *b, size_t bn)
{
    uint32_t *x, *y;
    size_t n = tk_to_cps(a, an, &x), m = tk_to_cps(b, bn, &y);
    size_t d = tk_edit_distance(x, n, y, m);
    free(x);
    free(y);
    return d;
}

static size_t cp_len(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/*
 * Run one case: fix input, compare with want (and with alt, when given:
 * another acceptable output).  Adds to the tallies given.
 */
static int run_case(const char *section, const char *label, const char *in, size_t n,
                    const char *want, size_t wn, const char *alt, size_t altn,
                    struct tally *t1, struct tally *t2)
{
    char *out;
    size_t on;
    if (case_filter && !strstr(label, case_filter))
        return 1;
    tk_current(label, in, n);
    long r = unbake_fix_buffer(ctx, in, n, &out, &on);
    int exact = 0;
    size_t d;
    if (r < 0) {
        out = NULL;
        on = 0;
        d = cp_len(want, wn);
    } else {
        exact = tk_eq(out, on, want, wn) || (alt && tk_eq(out, on, alt, altn));
        d = exact ? 0 : edit_distance(want, wn, out, on);
    }
    size_t len = cp_len(want, wn);
    struct tally *ts[2] = { t1, t2 };
    for (int i = 0; i < 2; i++) {
        if (!ts[i])
            continue;
        ts[i]->cases++;
        ts[i]->exact += exact;
        ts[i]->dist += (double)d;
        ts[i]->len += (double)len;
    }
    cur_label = label;
    if (!exact && classify && cur_loss >= 0 && out)
        classify_miss(cur_loss, in, n, want, wn, out, on);
    if (!exact && shown < show_max) {
        shown++;
        printf("  miss [%s] %s%s%s\n    input    ", section, label, r < 0 ? ": " : "",
               r < 0 ? unbake_strerror((int)r) : "");
        if (save_dir) {
            char path[4096];
            snprintf(path, sizeof path, "%s/miss-%d.txt", save_dir, shown);
            if (tk_replace_file(path, in, n))
                fprintf(stderr, "lossy_quality: %s: %s\n", path, strerror(errno));
        }
        tk_show(stdout, in, n, 200);
        printf("\n    expected ");
        tk_show(stdout, want, wn, 200);
        printf("\n    got      ");
        tk_show(stdout, out ? out : "", on, 200);
        if (out) {
            /* where they part, with some text before it */
            size_t d0 = tk_first_diff(want, wn, out, on), back = 0;
            while (d0 > 0 && back < 40) {
                d0--;
                back += ((unsigned char)want[d0] & 0xC0) != 0x80;
            }
            printf("\n    at %-5zu  ", d0);
            tk_show(stdout, want + d0, wn - d0, 100);
            printf("\n    got there ");
            tk_show(stdout, out + d0, on > d0 ? on - d0 : 0, 100);
        }
        printf("\n");
    }
    free(out);
    return exact;
}

/* Length of the line at s[0..n) (up to '\n'). */
static size_t line_len(const char *s, size_t n)
{
    const char *nl = memchr(s, '\n', n);
    return nl ? (size_t)(nl - s) : n;
}

/*
 * Sort a section 1 miss by what went wrong on each of its lines (the
 * lines of input, expected and output correspond: '\n' is never lost).
 */
static void classify_miss(int m, const char *in, size_t n, const char *want, size_t wn,
                          const char *out, size_t on)
{
    int seen[NKIND] = { 0 };
    kind_miss[m]++;
    while (wn || on) {
        size_t li = line_len(in, n), lw = line_len(want, wn), lo = line_len(out, on);
        if (!tk_eq(want, lw, out, lo)) {
            int k;
            uint32_t *x, *y, *z;
            size_t nx = tk_to_cps(want, lw, &x), ny = tk_to_cps(out, lo, &y);
            size_t nz = tk_to_cps(in, li, &z);
            /* an input character the output kept that the clean text
             * does not have: mojibake left unrepaired */
            int left = 0;
            for (size_t i = 0; i < ny && !left; i++) {
                if (y[i] < 0x80)
                    continue;
                int in_want = 0, in_in = 0;
                for (size_t j = 0; j < nx && !in_want; j++)
                    in_want = x[j] == y[i];
                for (size_t j = 0; j < nz && !in_in; j++)
                    in_in = z[j] == y[i];
                left = !in_want && in_in;
            }
            if (tk_eq(in, li, out, lo)) {
                k = K_LINE_KEPT;
            } else if (left) {
                k = K_LINE_PART;
            } else if (nx == ny) {
                /* a wrong fill stays in the script; a wrong codec not */
                k = K_LINE_FILL;
                for (size_t i = 0; i < nx; i++) {
                    kind_fill_chars[m] += x[i] != y[i];
                    if (x[i] != y[i] && x[i] >> 7 != y[i] >> 7)
                        k = K_LINE_CODEC;
                }
            } else {
                k = K_LINE_SPAN;
            }
            free(x);
            free(y);
            free(z);
            kind_lines[m][k]++;
            seen[k] = 1;
            if (k == lines_kind) {
                printf("LINE\t%s\t%.*s\t%.*s\t%.*s\n", cur_label, (int)li, in, (int)lw, want,
                       (int)lo, out);
            }
        }
        in += li + (li < n);
        n -= li + (li < n);
        want += lw + (lw < wn);
        wn -= lw + (lw < wn);
        out += lo + (lo < on);
        on -= lo + (lo < on);
        if (!n && !wn && !on)
            break;
        if (!n || !wn || !on) {
            kind_lines[m][K_LINE_SPAN]++;   /* lines do not correspond */
            seen[K_LINE_SPAN] = 1;
            break;
        }
    }
    for (int k = 0; k < NKIND; k++)
        kind_cases[m][k] += seen[k];
}

static void print_cell(const struct tally *t)
{
    if (!t->cases) {
        printf(" %20s", "-");
        return;
    }
    char cell[48];
    snprintf(cell, sizeof cell, "%ld %5.1f%% %5.2f%%", t->cases, 100.0 * t->exact / t->cases,
             t->len ? 100.0 * t->dist / t->len : 0.0);
    printf(" %20s", cell);
}

static void print_row(const char *name, const struct tally *t)
{
    printf("  %-22s", name);
    print_cell(t);
    printf("\n");
}

static void add(struct tally *into, const struct tally *t)
{
    into->cases += t->cases;
    into->exact += t->exact;
    into->dist += t->dist;
    into->len += t->len;
}

/* ------------------------------------------------------------------ */
/* 1. Lossy single-byte mojibake                                       */
/* ------------------------------------------------------------------ */

enum { L_DROP, L_QMARK, L_FFFD, L_SHY, L_NBSP, L_MIX, L_DROP2, NLOSS };
static const char *const loss_name[NLOSS] = { "drop", "qmark", "fffd", "shy", "nbsp", "mix", "drop x2" };

/* A byte the wrong decoder cannot represent: undefined, or a C1 control. */
static int lost_byte(const struct tk_codec *c, unsigned char b)
{
    return b >= 0x80 && (c->undefined[b] || c->c1[b]);
}

/* One layer read through c with loss model m into out. */
static void lossy_layer(const struct tk_codec *c, int m, const char *in, size_t n, struct tk_buf *out)
{
    const unsigned char *s = (const unsigned char *)in;
    out->n = 0;
    tk_add(out, "", 0);
    int drop = m == L_DROP || m == L_MIX || m == L_DROP2;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = s[i];
        uint32_t cp = c->to_ucs[b];
        if (lost_byte(c, b)) {
            if (drop)
                continue;
            if (m == L_QMARK) {
                tk_add(out, "?", 1);
                continue;
            }
            if (m == L_FFFD) {
                tk_put_utf8(out, 0xFFFD);
                continue;
            }
        }
        if (cp == 0xAD && (m == L_SHY || m == L_MIX))
            continue;
        if (cp == 0xA0 && (m == L_NBSP || m == L_MIX))
            cp = ' ';
        tk_put_utf8(out, cp);
    }
}

static void section_lossy(void)
{
    static struct tally by_lang[NLOSS][MAX_TEXTS], by_codec[NLOSS][NCODECS];
    struct tk_buf clean1 = { 0 }, g = { 0 }, tmp = { 0 };
    for (int t = 0; t < ntexts; t++) {
        struct text *x = &texts[t];
        for (size_t u = 0; u < x->nunits; u++) {
            const char *s = x->data.p + x->units[u].off;
            size_t n = x->units[u].len;
            if (!tk_has_non_ascii(s, n))
                continue;
            for (int c = 0; c < NCODECS; c++) {
                tk_garble(&codecs[c], s, n, &clean1);
                for (int m = 0; m < NLOSS; m++) {
                    if (m == L_DROP2) {
                        lossy_layer(&codecs[c], m, s, n, &tmp);
                        lossy_layer(&codecs[c], m, tmp.p, tmp.n, &g);
                        struct tk_buf two = { 0 };
                        tk_garble(&codecs[c], clean1.p, clean1.n, &two);
                        int same = tk_eq(g.p, g.n, two.p, two.n);
                        tk_free(&two);
                        if (same)
                            continue;
                    } else {
                        lossy_layer(&codecs[c], m, s, n, &g);
                        if (tk_eq(g.p, g.n, clean1.p, clean1.n))
                            continue;   /* nothing was lost */
                    }
                    char label[128];
                    snprintf(label, sizeof label, "%s %s %s unit %zu", x->lang, codecs[c].name,
                             loss_name[m], u);
                    cur_loss = m;
                    run_case("lossy", label, g.p, g.n, s, n, NULL, 0, &by_lang[m][t], &by_codec[m][c]);
                    cur_loss = -1;
                }
            }
        }
    }
    tk_free(&clean1);
    tk_free(&g);
    tk_free(&tmp);

    printf("\n1. lossy single-byte mojibake: cases, exact %%, CER %% (target >= 90%% exact, CER <= 0.5%%)\n");
    printf("  %-10s", "language");
    for (int m = 0; m < NLOSS; m++)
        printf(" %20s", loss_name[m]);
    printf(" %20s\n", "all");
    struct tally col[NLOSS + 1] = { { 0 } };
    for (int t = 0; t < ntexts; t++) {
        struct tally all = { 0 };
        printf("  %-10.10s", texts[t].lang);
        for (int m = 0; m < NLOSS; m++) {
            print_cell(&by_lang[m][t]);
            add(&all, &by_lang[m][t]);
            add(&col[m], &by_lang[m][t]);
        }
        print_cell(&all);
        add(&col[NLOSS], &all);
        printf("\n");
    }
    printf("  %-10s", "all");
    for (int m = 0; m <= NLOSS; m++)
        print_cell(&col[m]);
    printf("\n\n  %-12s", "codec");
    for (int m = 0; m < NLOSS; m++)
        printf(" %20s", loss_name[m]);
    printf("\n");
    for (int c = 0; c < NCODECS; c++) {
        printf("  %-12s", codecs[c].name);
        for (int m = 0; m < NLOSS; m++)
            print_cell(&by_codec[m][c]);
        printf("\n");
    }
    const struct tally *all = &col[NLOSS];
    if (all->cases)
        printf("  overall: %ld cases, %.1f%% exact (target 90%%), CER %.2f%% (target 0.5%%)\n", all->cases,
               100.0 * all->exact / all->cases, 100.0 * all->dist / all->len);
    if (!classify)
        return;
    printf("\n  misses by kind: cases with such a line (lines)\n  %-10s %8s", "loss", "misses");
    for (int k = 0; k < NKIND; k++)
        printf(" %16s", kind_name[k]);
    printf(" %12s\n", "chars wrong");
    for (int m = 0; m < NLOSS; m++) {
        printf("  %-10s %8ld", loss_name[m], kind_miss[m]);
        for (int k = 0; k < NKIND; k++) {
            char cell[48];
            snprintf(cell, sizeof cell, "%ld (%ld)", kind_cases[m][k], kind_lines[m][k]);
            printf(" %16s", cell);
        }
        printf(" %12ld\n", kind_fill_chars[m]);
    }
}

/* ------------------------------------------------------------------ */
/* ICU helpers for multibyte codecs                                    */
/* ------------------------------------------------------------------ */

enum { MB_STRICT, MB_DROP, MB_QMARK, MB_FFFD, MB_U30FB, NMB };
static const char *const mb_name[NMB] = { "lossless", "drop", "qmark", "fffd", "u30fb" };

/*
 * Decode bytes with ICU converter cnv into UTF-8.  Invalid sequences are
 * handled per mode; MB_STRICT fails on the first (returns -1).  Returns
 * the number of invalid sequences met.
 */
static int icu_decode(UConverter *cnv, int mode, const char *in, size_t n, struct tk_buf *out)
{
    static UChar ubuf[1 << 16];
    const char *s = in, *end = in + n;
    int bad = 0;
    out->n = 0;
    tk_add(out, "", 0);
    ucnv_reset(cnv);
    for (;;) {
        UChar *t = ubuf;
        UErrorCode e = U_ZERO_ERROR;
        ucnv_toUnicode(cnv, &t, ubuf + sizeof ubuf / sizeof ubuf[0], &s, end, NULL, 1, &e);
        /* UTF-16 to UTF-8. */
        for (UChar *p = ubuf; p < t; p++) {
            uint32_t cp = *p;
            if (cp >= 0xD800 && cp < 0xDC00 && p + 1 < t && p[1] >= 0xDC00 && p[1] < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (p[1] - 0xDC00u);
                p++;
            }
            tk_put_utf8(out, cp);
        }
        if (e == U_BUFFER_OVERFLOW_ERROR)
            continue;
        if (U_SUCCESS(e))
            return bad;
        bad++;
        if (mode == MB_STRICT)
            return -1;
        if (mode == MB_QMARK)
            tk_add(out, "?", 1);
        else if (mode == MB_FFFD)
            tk_put_utf8(out, 0xFFFD);
        else if (mode == MB_U30FB)
            tk_put_utf8(out, 0x30FB);
        if (s >= end)
            return bad;
    }
}

/* Encode UTF-8 text with cnv, strictly; -1 when something cannot be. */
static int icu_encode(UConverter *cnv, const char *in, size_t n, struct tk_buf *out)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(NULL, 0, &ulen, in, (int32_t)n, &e);
    if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
        return -1;
    UChar *u = tk_xrealloc(NULL, ((size_t)ulen + 1) * sizeof *u);
    e = U_ZERO_ERROR;
    u_strFromUTF8(u, ulen + 1, NULL, in, (int32_t)n, &e);
    if (U_FAILURE(e)) {
        free(u);
        return -1;
    }
    ucnv_reset(cnv);
    e = U_ZERO_ERROR;
    ucnv_setFromUCallBack(cnv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
    size_t cap = (size_t)ulen * 4 + 16;
    out->n = 0;
    tk_reserve(out, cap);
    e = U_ZERO_ERROR;
    int32_t len = ucnv_fromUChars(cnv, out->p, (int32_t)cap, u, ulen, &e);
    free(u);
    if (U_FAILURE(e))
        return -1;
    out->n = (size_t)len;
    out->p[out->n] = '\0';
    return 0;
}

static UConverter *open_cnv(const char *name)
{
    UErrorCode e = U_ZERO_ERROR;
    UConverter *c = ucnv_open(name, &e);
    if (U_FAILURE(e)) {
        printf("  (ICU has no %s: %s)\n", name, u_errorName(e));
        return NULL;
    }
    ucnv_setToUCallBack(c, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
    return c;
}

/* ------------------------------------------------------------------ */
/* 2. UTF-8 read as a CJK codec                                        */
/* ------------------------------------------------------------------ */

static const char *const cjk[] = { "GBK", "GB18030", "Big5", "Shift_JIS", "EUC-JP", "EUC-KR" };
enum { NCJK = sizeof cjk / sizeof cjk[0] };

static void section_cjk(void)
{
    static struct tally tab[NCJK][NMB];
    static struct tally by_lang[MAX_TEXTS][2];   /* lossless, lossy */
    struct tk_buf g = { 0 }, back = { 0 };
    long irreversible = 0;
    for (int k = 0; k < NCJK; k++) {
        UConverter *cnv = open_cnv(cjk[k]);
        if (!cnv)
            continue;
        for (int t = 0; t < ntexts; t++) {
            struct text *x = &texts[t];
            /* Lines, not paragraphs: a long paragraph is rarely lossless. */
            for (size_t u = 0; u < x->nunits; u++) {
                const char *p = x->data.p + x->units[u].off, *pe = p + x->units[u].len;
                while (p < pe) {
                    const char *nl = memchr(p, '\n', (size_t)(pe - p));
                    size_t n = nl ? (size_t)(nl - p) : (size_t)(pe - p);
                    const char *line = p;
                    p += n + (nl != NULL);
                    if (!tk_has_non_ascii(line, n))
                        continue;
                    int bad = icu_decode(cnv, MB_STRICT, line, n, &g);
                    char label[128];
                    if (bad == 0) {
                        /* Lossless only if it encodes back to the same bytes. */
                        if (icu_encode(cnv, g.p, g.n, &back) || !tk_eq(back.p, back.n, line, n)) {
                            irreversible++;
                            continue;
                        }
                        snprintf(label, sizeof label, "%s %s lossless unit %zu", x->lang, cjk[k], u);
                        run_case("cjk", label, g.p, g.n, line, n, NULL, 0, &tab[k][MB_STRICT],
                                 &by_lang[t][0]);
                        continue;
                    }
                    for (int m = MB_DROP; m < NMB; m++) {
                        icu_decode(cnv, m, line, n, &g);
                        snprintf(label, sizeof label, "%s %s %s unit %zu", x->lang, cjk[k], mb_name[m], u);
                        run_case("cjk", label, g.p, g.n, line, n, NULL, 0, &tab[k][m], &by_lang[t][1]);
                    }
                }
            }
        }
        ucnv_close(cnv);
    }
    tk_free(&g);
    tk_free(&back);

    printf("\n2. UTF-8 read as a CJK codec: cases, exact %%, CER %% (target >= 97%% exact on lossless)\n");
    printf("  %-10s", "codec");
    for (int m = 0; m < NMB; m++)
        printf(" %20s", mb_name[m]);
    printf("\n");
    struct tally lossless = { 0 };
    for (int k = 0; k < NCJK; k++) {
        printf("  %-10s", cjk[k]);
        for (int m = 0; m < NMB; m++)
            print_cell(&tab[k][m]);
        add(&lossless, &tab[k][MB_STRICT]);
        printf("\n");
    }
    printf("\n  %-10s %20s %20s\n", "language", "lossless", "lossy");
    for (int t = 0; t < ntexts; t++) {
        printf("  %-10.10s", texts[t].lang);
        print_cell(&by_lang[t][0]);
        print_cell(&by_lang[t][1]);
        printf("\n");
    }
    if (lossless.cases)
        printf("  lossless overall: %ld cases, %.1f%% exact (target 97%%)\n", lossless.cases,
               100.0 * lossless.exact / lossless.cases);
    printf("  left out: %ld lines that decode without error but do not encode back to the "
           "same bytes\n", irreversible);
}

/* ------------------------------------------------------------------ */
/* 3. Legacy bytes                                                     */
/* ------------------------------------------------------------------ */

static const char *const legacy[] = { "windows-1252", "windows-1250", "windows-1251", "KOI8-R",
                                      "windows-1253", "windows-1254", "windows-1255", "windows-1256",
                                      "windows-1257", "windows-1258", "ISO-8859-7", "GBK", "Big5",
                                      "Shift_JIS", "EUC-JP", "EUC-KR" };
enum { NLEGACY = sizeof legacy / sizeof legacy[0] };

static void section_legacy(void)
{
    static struct tally whole[NLEGACY], mixed[NLEGACY], by_lang[MAX_TEXTS];
    struct tk_buf enc = { 0 }, doc = { 0 }, clean = { 0 };
    for (int k = 0; k < NLEGACY; k++) {
        UConverter *cnv = open_cnv(legacy[k]);
        if (!cnv)
            continue;
        for (int t = 0; t < ntexts; t++) {
            struct text *x = &texts[t];
            int encodable = 0;
            tk_set(&doc, "", 0);
            tk_set(&clean, "", 0);
            for (size_t u = 0; u < x->nunits; u++) {
                const char *s = x->data.p + x->units[u].off;
                size_t n = x->units[u].len;
                int ok = tk_has_non_ascii(s, n) && icu_encode(cnv, s, n, &enc) == 0;
                if (ok) {
                    char label[128];
                    snprintf(label, sizeof label, "%s %s unit %zu", x->lang, legacy[k], u);
                    run_case("legacy", label, enc.p, enc.n, s, n, NULL, 0, &whole[k], &by_lang[t]);
                    encodable++;
                }
                /* Every other paragraph legacy, the rest UTF-8. */
                if (u) {
                    tk_add(&doc, "\n\n", 2);
                    tk_add(&clean, "\n\n", 2);
                }
                if (ok && u % 2)
                    tk_add(&doc, enc.p, enc.n);
                else
                    tk_add(&doc, s, n);
                tk_add(&clean, s, n);
            }
            if (encodable >= 2) {
                char label[128];
                snprintf(label, sizeof label, "%s %s mixed document", x->lang, legacy[k]);
                run_case("legacy", label, doc.p, doc.n, clean.p, clean.n, NULL, 0, &mixed[k], NULL);
            }
        }
        ucnv_close(cnv);
    }
    tk_free(&enc);
    tk_free(&doc);
    tk_free(&clean);

    printf("\n3. legacy bytes in the input: cases, exact %%, CER %%\n");
    printf("  %-14s %20s %20s\n", "codec", "paragraphs", "mixed documents");
    for (int k = 0; k < NLEGACY; k++) {
        printf("  %-14s", legacy[k]);
        print_cell(&whole[k]);
        print_cell(&mixed[k]);
        printf("\n");
    }
    printf("\n  %-14s %20s\n", "language", "paragraphs");
    for (int t = 0; t < ntexts; t++) {
        printf("  %-14.14s", texts[t].lang);
        print_cell(&by_lang[t]);
        printf("\n");
    }
}

/* ------------------------------------------------------------------ */
/* 4. UTF-16 and UTF-32                                                */
/* ------------------------------------------------------------------ */

static void section_utf16(void)
{
    static const struct {
        const char *name;
        int width, big, bom;
    } forms[] = {
        { "UTF-16LE BOM", 2, 0, 1 }, { "UTF-16LE", 2, 0, 0 }, { "UTF-16BE BOM", 2, 1, 1 },
        { "UTF-16BE", 2, 1, 0 },     { "UTF-32LE BOM", 4, 0, 1 }, { "UTF-32LE", 4, 0, 0 },
        { "UTF-32BE BOM", 4, 1, 1 }, { "UTF-32BE", 4, 1, 0 },
    };
    enum { NFORMS = sizeof forms / sizeof forms[0] };
    static struct tally tab[NFORMS];
    struct tk_buf enc = { 0 }, alt = { 0 };
    for (int f = 0; f < NFORMS; f++) {
        for (int t = 0; t < ntexts; t++) {
            struct text *x = &texts[t];
            uint32_t *cps;
            size_t n = tk_to_cps(x->data.p, x->data.n, &cps);
            enc.n = 0;
            tk_add(&enc, "", 0);
            for (size_t i = forms[f].bom ? 0 : 1; i <= n; i++) {
                uint32_t cp = i ? cps[i - 1] : 0xFEFF;
                uint32_t units[2];
                int nu = 1;
                if (forms[f].width == 2 && cp >= 0x10000) {
                    units[0] = 0xD800 + ((cp - 0x10000) >> 10);
                    units[1] = 0xDC00 + ((cp - 0x10000) & 0x3FF);
                    nu = 2;
                } else {
                    units[0] = cp;
                }
                for (int k = 0; k < nu; k++) {
                    unsigned char b[4];
                    for (int j = 0; j < forms[f].width; j++) {
                        int shift = 8 * (forms[f].big ? forms[f].width - 1 - j : j);
                        b[j] = (unsigned char)(units[k] >> shift);
                    }
                    tk_add(&enc, b, (size_t)forms[f].width);
                }
            }
            free(cps);
            tk_set(&alt, "\xEF\xBB\xBF", 3);
            tk_add(&alt, x->data.p, x->data.n);
            char label[128];
            snprintf(label, sizeof label, "%s %s", x->lang, forms[f].name);
            run_case("utf16", label, enc.p, enc.n, x->data.p, x->data.n, alt.p, alt.n, &tab[f], NULL);
        }
    }
    tk_free(&enc);
    tk_free(&alt);
    printf("\n4. UTF-16 and UTF-32 input (whole files): cases, exact %%, CER %%\n");
    for (int f = 0; f < NFORMS; f++)
        print_row(forms[f].name, &tab[f]);
}

/* ------------------------------------------------------------------ */
/* 5. Negatives                                                        */
/* ------------------------------------------------------------------ */

static void section_negatives(void)
{
    static struct tally by_lang[MAX_TEXTS];
    struct tally punct = { 0 };
    uint64_t rng = 0x70756e6374ull;
    struct tk_buf b = { 0 };
    for (int t = 0; t < ntexts; t++) {
        struct text *x = &texts[t];
        for (size_t u = 0; u < x->nunits; u++) {
            const char *s = x->data.p + x->units[u].off;
            size_t n = x->units[u].len;
            char label[128];
            snprintf(label, sizeof label, "%s unit %zu", x->lang, u);
            run_case("negative", label, s, n, s, n, NULL, 0, &by_lang[t], NULL);

            /* CJK text from this paragraph, dense with CJK punctuation. */
            uint32_t *cps;
            size_t k = tk_to_cps(s, n, &cps);
            int cjk_chars = 0;
            tk_set(&b, "", 0);
            for (size_t i = 0; i < k; i++) {
                if ((cps[i] >= 0x3040 && cps[i] < 0xA000) || (cps[i] >= 0xAC00 && cps[i] < 0xD7A4)) {
                    tk_put_utf8(&b, cps[i]);
                    cjk_chars++;
                    if (tk_below(&rng, 2)) {
                        static const uint32_t marks[] = { 0x3001, 0x3002, 0x300C, 0x300D, 0x300E,
                                                          0x300F, 0x3010, 0x3011, 0x30FB, 0xFF08,
                                                          0xFF09, 0xFF01, 0xFF1F, 0xFF1A, 0x2026 };
                        tk_put_utf8(&b, marks[tk_below(&rng, sizeof marks / sizeof marks[0])]);
                    }
                }
            }
            free(cps);
            if (cjk_chars >= 4) {
                snprintf(label, sizeof label, "%s unit %zu, CJK punctuation", x->lang, u);
                run_case("negative", label, b.p, b.n, b.p, b.n, NULL, 0, &punct, NULL);
            }
        }
    }
    tk_free(&b);
    printf("\n5. negatives, clean text unchanged: cases, unchanged %%, CER %% (target: all unchanged)\n");
    struct tally all = { 0 };
    for (int t = 0; t < ntexts; t++) {
        print_row(texts[t].lang, &by_lang[t]);
        add(&all, &by_lang[t]);
    }
    print_row("CJK punctuation", &punct);
    add(&all, &punct);
    printf("  false positives: %ld of %ld\n", all.cases - all.exact, all.cases);
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    const char *dir = NULL;
    char *only_lang[MAX_FILTER];
    int n_only_lang = 0, sections = 0;
    long max_units = 12;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "--max-units=", 12))
            max_units = tk_parse_num("lossy_quality", a + 12, "--max-units");
        else if (!strncmp(a, "--lang=", 7) && n_only_lang < MAX_FILTER)
            only_lang[n_only_lang++] = argv[i] + 7;
        else if (!strncmp(a, "--only=", 7))
            sections |= 1 << tk_parse_num("lossy_quality", a + 7, "--only");
        else if (!strncmp(a, "--case=", 7))
            case_filter = a + 7;
        else if (!strncmp(a, "--save=", 7))
            save_dir = a + 7;
        else if (!strncmp(a, "--lines=", 8))
            classify = 1, lines_kind = (int)tk_parse_num("lossy_quality", a + 8, "--lines");
        else if (!strcmp(a, "--classify"))
            classify = 1;
        else if (!strncmp(a, "--show=", 7))
            show_max = (int)tk_parse_num("lossy_quality", a + 7, "--show");
        else if (a[0] == '-' || dir) {
            fprintf(stderr, "usage: lossy_quality [--max-units=N] [--lang=NAME]... [--only=N]... "
                            "[--show=N] [--case=TEXT] [--save=DIR] [--classify] [--lines=K] DIR\n");
            return 2;
        } else
            dir = a;
    }
    if (!dir) {
        fprintf(stderr, "usage: lossy_quality [OPTION]... DIR\n");
        return 2;
    }
    if (!sections)
        sections = 0x3E;

    char err[256];
    for (int c = 0; c < NCODECS; c++)
        if (tk_codec_load(&codecs[c], err, sizeof err)) {
            fprintf(stderr, "lossy_quality: %s\n", err);
            return 2;
        }
    char **names;
    int nfiles = tk_list_dir(dir, ".txt", &names);
    if (nfiles <= 0) {
        fprintf(stderr, "lossy_quality: %s: %s\n", dir, nfiles < 0 ? strerror(errno) : "no *.txt");
        return 2;
    }
    for (int f = 0; f < nfiles; f++) {
        size_t l = strlen(names[f]) - 4;
        int keep = !n_only_lang;
        for (int i = 0; i < n_only_lang; i++)
            keep |= strlen(only_lang[i]) == l && !strncmp(only_lang[i], names[f], l);
        if (keep && ntexts < MAX_TEXTS) {
            struct text *x = &texts[ntexts];
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[f]);
            if (tk_read_file(path, &x->data) || !tk_utf8_valid(x->data.p, x->data.n)) {
                fprintf(stderr, "lossy_quality: %s: unreadable or not UTF-8\n", path);
                return 2;
            }
            x->lang = strndup(names[f], l);
            x->nunits = tk_split_units(x->data.p, x->data.n, 800, &x->units);
            if (max_units && x->nunits > (size_t)max_units)
                x->nunits = (size_t)max_units;
            ntexts++;
        }
        free(names[f]);
    }
    free(names);
    tk_catch_crashes();
    ctx = unbake_ctx_new();
    if (!ctx) {
        fprintf(stderr, "lossy_quality: out of memory\n");
        return 2;
    }
    printf("bench-quality: %d texts from %s, up to %ld paragraphs each; libunbake %s\n", ntexts, dir,
           max_units, unbake_version_string());

    clock_t t0 = clock();
    if (sections & 1 << 1)
        section_lossy();
    if (sections & 1 << 2)
        section_cjk();
    if (sections & 1 << 3)
        section_legacy();
    if (sections & 1 << 4)
        section_utf16();
    if (sections & 1 << 5)
        section_negatives();
    printf("\ntime: %.1f s of CPU\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
    unbake_ctx_free(ctx);
    return 0;
}
