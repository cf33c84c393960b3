/*
 * garble.c -- the generated suite: clean texts, garbled through every
 * single-byte codec, must come back exactly.
 *
 * Usage: garble [OPTION]... DIR
 *
 * Reads every DIR/NAME.txt (clean UTF-8 texts from documents that Debian packages
 * ship, one language or script per file, plus tricky.txt) and splits each
 * into units: paragraphs (cut at about 800 bytes), and also each line of
 * a paragraph that has several.  Then:
 *
 *  clean     every file, and every unit, comes back byte-identical from
 *            unbake_fix_buffer() (hard gate);
 *  recovery  every unit with non-ASCII text, garbled through each codec
 *            (UTF-8 bytes read as the codec, written as UTF-8: 1 layer;
 *            the same twice: 2 layers; and windows-1252 read over each
 *            other codec's layer), comes back exactly.  A table gives
 *            recovered/total per codec and language; each codec and
 *            variant must reach its floor (gate), and is measured against
 *            the target of RECOVERY_TARGET;
 *  utf-8     the output for every garbled g is valid UTF-8 (hard gate);
 *  idempotence  fix(fix(g)) == fix(g) for every garbled g and every
 *            mixed document: at most the baseline's number of failures
 *            (gate; 0 without a baseline), each one printed;
 *  mixed     per file, a document alternating clean paragraphs with
 *            paragraphs garbled by varying codecs: the clean ones are kept
 *            byte for byte (hard gate), the garbled ones recovered (counted
 *            against a floor of their own);
 *  chunking  the streaming API fed in random chunks of 1 byte .. 64 KiB
 *            gives exactly unbake_fix_buffer()'s output, for the clean file
 *            and the mixed document, under SEEDS seeds (hard gate).
 *
 * The codecs are decoded with ICU's converters (glibc iconv for
 * ISO-8859-16), in their sloppy form: a byte the codec leaves undefined
 * reads as the code point of the same value, as Windows does.  Every
 * input is generated the same way on every run (fixed seeds), so the
 * numbers only move when the engine or the texts change.
 *
 * The floors and the idempotence allowance come from the baseline
 * (--baseline=FILE, tests/baseline/garble.txt), lines of
 *     recovery CODEC VARIANT FLOOR [OK/TOTAL]
 *     mixed FLOOR [OK/TOTAL]
 *     idempotence-max N
 * with VARIANT one of 1-layer, 2-layers, cp1252-over, FLOOR in per cent,
 * OK/TOTAL the count when the line was written (a drop below it is
 * reported, not failed) and '#' starting a comment.  A codec and variant
 * the baseline does not name has the target as its floor.  Without
 * --baseline every floor is the target and no idempotence failure is
 * allowed.  Between its floor and the target a codec and variant counts
 * as a known shortfall ("skipped"), as do allowed idempotence failures.
 *
 * Options:
 *   --failures=FILE  write every failure as a JSON line (kind, codec,
 *                    variant, lang, unit, input, expected, got)
 *   --seeds=N        chunking seeds per text (default 16)
 *   --max-units=N    use at most N units per file (default 0: all)
 *   --codec=NAME     only this codec (repeatable)
 *   --lang=NAME      only this file, by its name without .txt (repeatable)
 *   -v               print every failure, not only the first few
 *   --baseline=FILE  the floors and allowance (see above)
 *   --update         rewrite FILE from this run: floors raised to today's
 *                    rate rounded down to 0.5% (never above the target),
 *                    the idempotence allowance lowered to today's count;
 *                    refused (nothing written, exit 1) when the run fails
 *                    a floor or the allowance, unless --allow-regression,
 *                    which lowers them to today's values; refused when a
 *                    hard gate fails or with --codec, --lang, --max-units
 *   --allow-regression  see --update
 *
 * Output ends with "N passed, N failed, N skipped" (skipped: known
 * shortfalls); exit status 0 when nothing failed, 1 when something did,
 * 2 when the suite could not run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unbake.h"
#include "tools/testkit.h"

/*
 * The target of exact recovery, in tenths of a per cent, for each codec
 * and variant (and for the garbled paragraphs of the mixed documents).
 * Issue 2 asks for exact recovery; with some 25 languages x a few
 * paragraphs, 99% allows a few misses per codec and variant, every one of
 * which is listed (and all are in --failures).  A baseline floor is never
 * raised above it by --update.
 */
#define RECOVERY_TARGET 990
/* Target size of a unit in bytes. */
#define UNIT_TARGET 800
/* Failures printed in full on stdout per kind (all with -v). */
#define SHOW_MAX 40
/* Idempotence failures are all printed, up to this many. */
#define SHOW_IDEM_MAX 400

enum { V_ONE, V_TWO, V_OVER, NVAR };
static const char *const var_name[NVAR] = { "1 layer", "2 layers", "cp1252 over" };
static const char *const var_key[NVAR] = { "1-layer", "2-layers", "cp1252-over" };

enum { MAX_CODECS = 32, MAX_TEXTS = 64, MAX_FILTER = 16 };

static struct tk_codec codecs[] = {
#define X(n, src) { .name = n, .source = src },
    TK_CODECS(X)
#undef X
};
enum { NCODECS = sizeof codecs / sizeof codecs[0] };
enum { CP1252 = 2 };   /* codecs[CP1252] is windows-1252 */

struct text {
    char *lang;
    struct tk_buf data;
    struct tk_unit *units;   /* paragraphs, then the lines of longer ones */
    size_t nunits;
    size_t npars;            /* units[0 .. npars) are the paragraphs */
};

struct cell {
    int ok, total;
};

static struct text texts[MAX_TEXTS];
static int ntexts;
static struct cell cells[NCODECS][MAX_TEXTS][NVAR];

static int verbose;
static int passed, failed, skipped;
static int idem_failures;   /* fix(fix(x)) != fix(x), gated by the baseline */
static FILE *failures;
static int shown[8];
static int hide_next;   /* report() writes the next failure to the file only */
static int no_file;     /* report() writes to stdout only (a failure shown again) */

/* The first unit each codec and variant failed to recover (shown at the
 * end when that codec and variant is below its floor), and the verdict
 * of each: 0 at the target, 1 known shortfall, 2 below the floor. */
static struct {
    int set, t;
    size_t u;
} first_fail[NCODECS][NVAR];
static int verdict[NCODECS][NVAR];

/* Kinds of failure, for counting what was shown. */
enum { K_CLEAN, K_RECOVERY, K_IDEMPOTENT, K_MIXED, K_CHUNK, K_ERROR, K_UTF8 };
static const char *const kind_name[] = { "clean", "recovery", "idempotence", "mixed",
                                         "chunking", "error", "utf-8" };

static unbake_ctx *ctx;

/* ------------------------------------------------------------------ */

/* Report one failure: a compact line on stdout, the whole case in the
 * failures file. */
static void report(int kind, const char *codec, int var, const char *lang, long unit,
                   const char *in, size_t in_n, const char *want, size_t want_n,
                   const char *got, size_t got_n, const char *note)
{
    if (failures && !no_file) {
        fprintf(failures, "{\"kind\": \"%s\", \"codec\": ", kind_name[kind]);
        tk_json_str(failures, codec ? codec : "", codec ? strlen(codec) : 0);
        fprintf(failures, ", \"variant\": \"%s\", \"lang\": ", var >= 0 ? var_name[var] : "");
        tk_json_str(failures, lang, strlen(lang));
        fprintf(failures, ", \"unit\": %ld, \"note\": ", unit);
        tk_json_str(failures, note ? note : "", note ? strlen(note) : 0);
        fputs(", \"input\": ", failures);
        tk_json_str(failures, in, in_n);
        fputs(", \"expected\": ", failures);
        tk_json_str(failures, want, want_n);
        fputs(", \"got\": ", failures);
        tk_json_str(failures, got ? got : "", got ? got_n : 0);
        fputs("}\n", failures);
    }
    if (hide_next) {
        hide_next = 0;
        return;
    }
    int show_max = kind == K_IDEMPOTENT ? SHOW_IDEM_MAX : SHOW_MAX;
    if (!verbose && shown[kind]++ >= show_max) {
        if (shown[kind] == show_max + 1)
            printf("  (more %s failures not shown%s)\n", kind_name[kind],
                   failures ? "; all are in the failures file" : "");
        return;
    }
    printf("  FAIL %s: %s%s%s%s%s unit %ld%s%s\n", kind_name[kind], lang,
           codec ? " " : "", codec ? codec : "", var >= 0 ? " " : "",
           var >= 0 ? var_name[var] : "", unit, note ? ": " : "", note ? note : "");
    if (!got)
        return;
    /* Show where they part, with some context. */
    size_t d = tk_first_diff(want, want_n, got, got_n);
    size_t from = d > 60 ? d - 60 : 0;
    while (from > 0 && ((unsigned char)want[from] & 0xC0) == 0x80)
        from--;
    printf("      first difference at byte %zu of %zu (got %zu bytes)\n", d, want_n, got_n);
    printf("      input    ");
    tk_show(stdout, in, in_n, 160);
    printf("\n      expected ...");
    tk_show(stdout, want + from, want_n - from, 100);
    printf("\n      got      ...");
    tk_show(stdout, got + (from < got_n ? from : got_n), from < got_n ? got_n - from : 0, 100);
    printf("\n");
}

static char cur_label[160];

static int fix(const char *in, size_t n, char **out, size_t *out_n)
{
    tk_current(cur_label, in, n);
    long r = unbake_fix_buffer(ctx, in, n, out, out_n);
    if (r < 0) {
        *out = NULL;
        *out_n = 0;
        return (int)r;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Streaming                                                           */
/* ------------------------------------------------------------------ */

static int collect(void *user, const char *data, size_t len)
{
    tk_add(user, data, len);
    return 0;
}

/* A chunk size: small, medium or large with equal odds, 1 .. 64 KiB. */
static size_t chunk_size(uint64_t *rng)
{
    static const uint32_t max[] = { 8, 256, 4096, 65536 };
    return 1 + tk_below(rng, max[tk_below(rng, 4)]);
}

static int stream(const char *in, size_t n, uint64_t seed, struct tk_buf *out, char *why, size_t whylen)
{
    uint64_t rng = seed;
    tk_current(cur_label, in, n);
    out->n = 0;
    tk_add(out, "", 0);
    int r = unbake_begin(ctx, collect, out);
    if (r) {
        snprintf(why, whylen, "unbake_begin: %s", unbake_strerror(r));
        return -1;
    }
    for (size_t i = 0; i < n;) {
        size_t k = chunk_size(&rng);
        if (k > n - i)
            k = n - i;
        r = unbake_push(ctx, in + i, k);
        if (r) {
            snprintf(why, whylen, "unbake_push at byte %zu: %s", i, unbake_strerror(r));
            return -1;
        }
        i += k;
    }
    long f = unbake_finish(ctx);
    if (f < 0) {
        snprintf(why, whylen, "unbake_finish: %s", unbake_strerror((int)f));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* The checks                                                          */
/* ------------------------------------------------------------------ */

static void check_clean(int t)
{
    struct text *x = &texts[t];
    snprintf(cur_label, sizeof cur_label, "clean text %s (or one of its paragraphs)", x->lang);
    char *out;
    size_t on;
    int r = fix(x->data.p, x->data.n, &out, &on);
    if (r == 0 && tk_eq(out, on, x->data.p, x->data.n)) {
        passed++;
    } else {
        failed++;
        report(K_CLEAN, NULL, -1, x->lang, -1, x->data.p, x->data.n, x->data.p, x->data.n,
               out, on, r ? unbake_strerror(r) : "whole file changed");
    }
    free(out);
    for (size_t u = 0; u < x->nunits; u++) {
        const char *s = x->data.p + x->units[u].off;
        size_t n = x->units[u].len;
        r = fix(s, n, &out, &on);
        if (r == 0 && tk_eq(out, on, s, n)) {
            passed++;
        } else {
            failed++;
            report(K_CLEAN, NULL, -1, x->lang, (long)u, s, n, s, n, out, on,
                   r ? unbake_strerror(r) : "paragraph changed");
        }
        free(out);
    }
}

/* Garble s through codec c in variant v into g.  Returns 1 when every
 * layer can be undone in exactly one way that gives valid UTF-8. */
static int make_garbled(int c, int v, const char *s, size_t n, struct tk_buf *g, struct tk_buf *tmp)
{
    tk_garble(&codecs[c], s, n, v == V_ONE ? g : tmp);
    if (v == V_ONE)
        return tk_preimages(&codecs[c], g->p, g->n) == 1;
    const struct tk_codec *outer = v == V_TWO ? &codecs[c] : &codecs[CP1252];
    tk_garble(outer, tmp->p, tmp->n, g);
    return tk_preimages(&codecs[c], tmp->p, tmp->n) == 1 && tk_preimages(outer, g->p, g->n) == 1;
}

static void check_garbled(int t, int c, int v, size_t u, struct tk_buf *g)
{
    struct text *x = &texts[t];
    snprintf(cur_label, sizeof cur_label, "%s unit %zu garbled by %s, %s", x->lang, u, codecs[c].name,
             var_name[v]);
    const char *s = x->data.p + x->units[u].off;
    size_t n = x->units[u].len;
    char *out, *out2;
    size_t on, on2;
    int r = fix(g->p, g->n, &out, &on);
    if (r) {
        failed++;
        report(K_ERROR, codecs[c].name, v, x->lang, (long)u, g->p, g->n, s, n, NULL, 0,
               unbake_strerror(r));
        return;
    }
    cells[c][t][v].total++;
    if (tk_eq(out, on, s, n)) {
        cells[c][t][v].ok++;
    } else {
        /* On stdout with -v; else only the first of a codec and variant
         * that ends below its floor, at the end. */
        if (!first_fail[c][v].set) {
            first_fail[c][v].set = 1;
            first_fail[c][v].t = t;
            first_fail[c][v].u = u;
        }
        hide_next = !verbose;
        report(K_RECOVERY, codecs[c].name, v, x->lang, (long)u, g->p, g->n, s, n, out, on, NULL);
    }

    /* The output is UTF-8 (hard gate), and fix(fix(g)) == fix(g)
     * (counted against the baseline's allowance). */
    r = fix(out, on, &out2, &on2);
    if (!tk_utf8_valid(out, on)) {
        failed++;
        report(K_UTF8, codecs[c].name, v, x->lang, (long)u, g->p, g->n, s, n, out, on,
               "output is not valid UTF-8");
    } else if (r) {
        failed++;
        report(K_ERROR, codecs[c].name, v, x->lang, (long)u, out, on, out, on, NULL, 0,
               unbake_strerror(r));
    } else if (tk_eq(out, on, out2, on2)) {
        passed++;
    } else {
        idem_failures++;
        report(K_IDEMPOTENT, codecs[c].name, v, x->lang, (long)u, g->p, g->n, out, on, out2, on2,
               "fix(fix(x)) != fix(x): input is x, expected fix(x), got fix(fix(x))");
    }
    free(out);
    free(out2);
}

static int codec_selected(int c, char **only, int nonly)
{
    if (!nonly)
        return 1;
    for (int i = 0; i < nonly; i++)
        if (!strcmp(only[i], codecs[c].name))
            return 1;
    return 0;
}

/*
 * The mixed document of text t: its units joined by blank lines, every
 * third one left clean and the others garbled by codecs and variants
 * that vary from unit to unit.  Also returns the clean join.
 */
static void make_mixed(int t, const int *sel, int nsel, struct tk_buf *doc, struct tk_buf *clean,
                       int *garbled_of)
{
    struct text *x = &texts[t];
    struct tk_buf g = { 0 }, tmp = { 0 };
    uint64_t rng = 0x6d69786564ull + (uint64_t)t;
    tk_set(doc, "", 0);
    tk_set(clean, "", 0);
    for (size_t u = 0; u < x->npars; u++) {
        const char *s = x->data.p + x->units[u].off;
        size_t n = x->units[u].len;
        if (u) {
            tk_add(doc, "\n\n", 2);
            tk_add(clean, "\n\n", 2);
        }
        tk_add(clean, s, n);
        garbled_of[u] = 0;
        if (u % 3 == 0 || !tk_has_non_ascii(s, n)) {
            tk_add(doc, s, n);
            continue;
        }
        int c = sel[tk_below(&rng, (uint32_t)nsel)];
        int v = (int)tk_below(&rng, NVAR);
        if (v == V_OVER && c == CP1252)
            v = V_TWO;
        if (!make_garbled(c, v, s, n, &g, &tmp)) {
            tk_add(doc, s, n);
            continue;
        }
        tk_add(doc, g.p, g.n);
        garbled_of[u] = 1 + c * NVAR + v;
    }
    tk_free(&g);
    tk_free(&tmp);
}

/* Split s at "\n\n" into at most max pieces; returns the count. */
static size_t split_pars(const char *s, size_t n, struct tk_unit *p, size_t max)
{
    size_t k = 0, start = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == '\n' && s[i + 1] == '\n') {
            if (k < max)
                p[k].off = start, p[k].len = i - start;
            k++;
            i++;
            start = i + 1;
        }
    }
    if (k < max)
        p[k].off = start, p[k].len = n - start;
    return k + 1;
}

static void check_mixed_and_chunks(int t, const int *sel, int nsel, int seeds,
                                   int *mixed_ok, int *mixed_total)
{
    struct text *x = &texts[t];
    struct tk_buf doc = { 0 }, clean = { 0 }, streamed = { 0 };
    int *garbled_of = tk_xrealloc(NULL, (x->npars + 1) * sizeof *garbled_of);
    make_mixed(t, sel, nsel, &doc, &clean, garbled_of);
    snprintf(cur_label, sizeof cur_label, "mixed document of %s", x->lang);

    char *out, *out2;
    size_t on, on2;
    int r = fix(doc.p, doc.n, &out, &on);
    if (r) {
        failed++;
        report(K_ERROR, NULL, -1, x->lang, -1, doc.p, doc.n, clean.p, clean.n, NULL, 0,
               unbake_strerror(r));
    } else {
        /* Paragraph by paragraph: clean ones kept, garbled ones counted. */
        struct tk_unit *pars = tk_xrealloc(NULL, (x->npars + 1) * sizeof *pars);
        size_t np = split_pars(out, on, pars, x->npars + 1);
        int kept = 1;
        if (np != x->npars) {
            kept = 0;
            report(K_MIXED, NULL, -1, x->lang, -1, doc.p, doc.n, clean.p, clean.n, out, on,
                   "paragraph structure changed");
        }
        for (size_t u = 0; u < x->npars && np == x->npars; u++) {
            const char *want = x->data.p + x->units[u].off;
            size_t wn = x->units[u].len;
            int same = tk_eq(out + pars[u].off, pars[u].len, want, wn);
            if (garbled_of[u]) {
                (*mixed_total)++;
                *mixed_ok += same;
                if (!same) {
                    int c = (garbled_of[u] - 1) / NVAR, v = (garbled_of[u] - 1) % NVAR;
                    struct tk_buf g = { 0 }, tmp = { 0 };
                    make_garbled(c, v, want, wn, &g, &tmp);
                    report(K_RECOVERY, codecs[c].name, v, x->lang, (long)u, g.p, g.n, want, wn,
                           out + pars[u].off, pars[u].len, "in the mixed document");
                    tk_free(&g);
                    tk_free(&tmp);
                }
            } else if (!same) {
                kept = 0;
                report(K_MIXED, NULL, -1, x->lang, (long)u, want, wn, want, wn,
                       out + pars[u].off, pars[u].len, "clean paragraph changed in the mixed document");
            }
        }
        free(pars);
        passed += kept;
        failed += !kept;

        int r2 = fix(out, on, &out2, &on2);
        if (!tk_utf8_valid(out, on)) {
            failed++;
            report(K_UTF8, NULL, -1, x->lang, -1, doc.p, doc.n, clean.p, clean.n, out, on,
                   "mixed document: output is not valid UTF-8");
        } else if (r2) {
            failed++;
            report(K_ERROR, NULL, -1, x->lang, -1, out, on, out, on, NULL, 0, unbake_strerror(r2));
        } else if (tk_eq(out, on, out2, on2)) {
            passed++;
        } else {
            idem_failures++;
            report(K_IDEMPOTENT, NULL, -1, x->lang, -1, doc.p, doc.n, out, on, out2, on2,
                   "mixed document: fix(fix(x)) != fix(x): input is x, expected fix(x), "
                   "got fix(fix(x))");
        }
        free(out2);
    }

    /* Chunking: the clean file and the mixed document. */
    for (int which = 0; which < 2; which++) {
        const char *in = which ? doc.p : x->data.p;
        size_t n = which ? doc.n : x->data.n;
        char *whole;
        size_t wn;
        if (which && r) {
            continue;
        }
        if (which) {
            whole = out, wn = on;
        } else if (fix(in, n, &whole, &wn)) {
            continue;   /* already reported by check_clean */
        }
        for (int s = 0; s < seeds; s++) {
            char why[160];
            snprintf(cur_label, sizeof cur_label, "chunked stream of the %s of %s, seed %d",
                     which ? "mixed document" : "clean file", x->lang, s);
            uint64_t seed = 0x756e62616b65ull * (uint64_t)(t + 1) + (uint64_t)s * 7919 + (uint64_t)which;
            if (stream(in, n, seed, &streamed, why, sizeof why)) {
                failed++;
                report(K_CHUNK, NULL, -1, x->lang, -1, in, n, whole, wn, NULL, 0, why);
            } else if (tk_eq(streamed.p, streamed.n, whole, wn)) {
                passed++;
            } else {
                failed++;
                snprintf(why, sizeof why, "%s, seed %d: streamed output differs from unbake_fix_buffer",
                         which ? "mixed document" : "clean file", s);
                report(K_CHUNK, NULL, -1, x->lang, -1, in, n, whole, wn, streamed.p, streamed.n, why);
            }
        }
        if (!which)
            free(whole);
    }
    if (!r)
        free(out);
    free(garbled_of);
    tk_free(&doc);
    tk_free(&clean);
    tk_free(&streamed);
}

/* ------------------------------------------------------------------ */
/* The baseline: floors and the idempotence allowance                  */
/* ------------------------------------------------------------------ */

/* A floor, in tenths of a per cent, and the count recorded beside it. */
struct floor {
    int tenths;           /* -1: not in the baseline (the target applies) */
    int rec_ok, rec_tot;  /* rec_tot 0: nothing recorded */
};

static struct floor cell_floor[NCODECS][NVAR], mixed_floor = { -1, 0, 0 };
static int idem_max = -1;   /* -1: not in the baseline (none allowed) */

static int floor_of(const struct floor *f)
{
    return f->tenths >= 0 ? f->tenths : RECOVERY_TARGET;
}

/* ok/tot >= tenths/1000, in integers. */
static int at_least(int ok, int tot, int tenths)
{
    return (long long)ok * 1000 >= (long long)tenths * tot;
}

/* Today's rate rounded down to 0.5%, at most the target. */
static int rounded_floor(int ok, int tot)
{
    int t = tot ? (int)((long long)ok * 200 / tot) * 5 : RECOVERY_TARGET;
    return t > RECOVERY_TARGET ? RECOVERY_TARGET : t;
}

/* "98.5" -> 985; -1 when not a per cent with at most one decimal. */
static int parse_tenths(const char *s)
{
    int whole = 0, frac = 0, digits = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
        whole = whole * 10 + (*p - '0');
    if (!digits)
        return -1;
    if (*p == '.' && p[1] >= '0' && p[1] <= '9') {
        frac = p[1] - '0';
        p += 2;
    }
    if (*p || whole * 10 + frac > 1000)
        return -1;
    return whole * 10 + frac;
}

/* "490/496" into *ok and *tot; 0 on success. */
static int parse_count(const char *s, int *ok, int *tot)
{
    char *end;
    long a = strtol(s, &end, 10);
    if (end == s || *end != '/' || a < 0)
        return -1;
    const char *t = end + 1;
    long b = strtol(t, &end, 10);
    if (end == t || *end || b <= 0 || a > b || b > 100000000)
        return -1;
    *ok = (int)a;
    *tot = (int)b;
    return 0;
}

/*
 * Read the baseline.  Returns 0, or -1 (after saying why) when the file
 * cannot be read or a line is malformed.  Lines naming no codec are
 * reported and ignored.
 */
static int load_baseline(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("garble: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, bad = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        line[strcspn(line, "#\r\n")] = '\0';
        char *tok[8], *save = NULL;
        int nt = 0;
        for (char *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
            tok[nt < 7 ? nt++ : 7] = w;
        if (nt == 0)
            continue;
        int ok = 0;
        struct floor fl = { -1, 0, 0 };
        if (!strcmp(tok[0], "recovery") && (nt == 4 || nt == 5)) {
            int c, v;
            for (c = 0; c < NCODECS && strcmp(codecs[c].name, tok[1]); c++)
                ;
            for (v = 0; v < NVAR && strcmp(var_key[v], tok[2]); v++)
                ;
            fl.tenths = parse_tenths(tok[3]);
            ok = fl.tenths >= 0 && v < NVAR &&
                 (nt == 4 || !parse_count(tok[4], &fl.rec_ok, &fl.rec_tot));
            if (ok && c == NCODECS)
                printf("garble: %s:%d: no codec %s here; line ignored\n", path, lineno, tok[1]);
            else if (ok)
                cell_floor[c][v] = fl;
        } else if (!strcmp(tok[0], "mixed") && (nt == 2 || nt == 3)) {
            fl.tenths = parse_tenths(tok[1]);
            ok = fl.tenths >= 0 && (nt == 2 || !parse_count(tok[2], &fl.rec_ok, &fl.rec_tot));
            if (ok)
                mixed_floor = fl;
        } else if (!strcmp(tok[0], "idempotence-max") && nt == 2) {
            char *end;
            long n = strtol(tok[1], &end, 10);
            ok = end != tok[1] && !*end && n >= 0 && n < 100000000;
            if (ok)
                idem_max = (int)n;
        }
        if (!ok) {
            printf("garble: %s:%d: not one of \"recovery CODEC VARIANT FLOOR [OK/TOTAL]\", "
                   "\"mixed FLOOR [OK/TOTAL]\", \"idempotence-max N\"\n", path, lineno);
            bad = 1;
        }
    }
    free(line);
    fclose(f);
    return bad ? -1 : 0;
}

/* One line of the baseline into b. */
static void put_floor(struct tk_buf *b, const char *what, int tenths, int ok, int tot)
{
    char line[160];
    snprintf(line, sizeof line, "%-34s %3d.%d  %d/%d\n", what, tenths / 10, tenths % 10, ok, tot);
    tk_add(b, line, strlen(line));
}

/* The floor --update writes for a measured ok/tot, given the old one;
 * *regressed is set when the old floor is not met. */
static int new_floor(const struct floor *old, int ok, int tot, int *regressed)
{
    int was = floor_of(old), now = rounded_floor(ok, tot);
    if (!at_least(ok, tot, was)) {
        *regressed = 1;
        return now;
    }
    return now > was ? now : was;
}

/* Say how a floor moves. */
static void floor_change(const char *what, const struct floor *old, int now)
{
    int was = floor_of(old);
    if (old->tenths < 0 && now == RECOVERY_TARGET)
        return;
    if (old->tenths < 0 || now != was)
        printf("garble: %s: floor %s%d.%d%% -> %d.%d%%%s\n", what, old->tenths < 0 ? "(target) " : "",
               was / 10, was % 10, now / 10, now % 10, now < was ? "  (LOWERED)" : "");
}

/*
 * --update: write the baseline for this run.  Returns 0 when written, 1
 * when refused or the write failed.
 */
static int update_baseline(const char *path, int allow_regression, int mixed_ok, int mixed_total)
{
    struct tk_buf b = { 0 };
    tk_set(&b, "", 0);
    static const char head[] =
        "# tests/baseline/garble.txt -- floors of the generated suite (tests/tools/garble.c).\n"
        "# Written by tests/update-baselines.sh (build/tests/garble --update); comments\n"
        "# are rewritten.  See tests/README.md.\n"
        "#\n"
        "# recovery CODEC VARIANT FLOOR OK/TOTAL\n"
        "#     exact recovery of the units garbled by CODEC in VARIANT must stay at or\n"
        "#     above FLOOR per cent: the rate measured when raised, rounded down to\n"
        "#     0.5%, never above the issue's 99.0% target.  OK/TOTAL was measured when\n"
        "#     the line was written (a drop below it is reported, not failed).\n"
        "# mixed FLOOR OK/TOTAL\n"
        "#     the same for the garbled paragraphs of the mixed documents.\n"
        "# idempotence-max N\n"
        "#     at most N inputs with fix(fix(x)) != fix(x) (target 0).\n"
        "# --update only raises floors and lowers N; lowering a floor or raising N\n"
        "# takes --allow-regression and a reason in the commit message.\n\n";
    tk_add(&b, head, sizeof head - 1);
    int regressed = 0;
    char what[96], col[96];
    for (int c = 0; c < NCODECS; c++) {
        for (int v = 0; v < NVAR; v++) {
            int ok = 0, tot = 0;
            for (int t = 0; t < ntexts; t++)
                ok += cells[c][t][v].ok, tot += cells[c][t][v].total;
            if (!tot)
                continue;
            int now = new_floor(&cell_floor[c][v], ok, tot, &regressed);
            snprintf(what, sizeof what, "recovery %s %s", codecs[c].name, var_key[v]);
            snprintf(col, sizeof col, "recovery %-13s %s", codecs[c].name, var_key[v]);
            floor_change(what, &cell_floor[c][v], now);
            put_floor(&b, col, now, ok, tot);
        }
    }
    tk_add(&b, "\n", 1);
    if (mixed_total) {
        int now = new_floor(&mixed_floor, mixed_ok, mixed_total, &regressed);
        floor_change("mixed", &mixed_floor, now);
        put_floor(&b, "mixed", now, mixed_ok, mixed_total);
    }
    int allowed = idem_max >= 0 ? idem_max : 0;
    if (idem_failures > allowed)
        regressed = 1;
    if (idem_failures != allowed)
        printf("garble: idempotence-max %d -> %d%s\n", allowed, idem_failures,
               idem_failures > allowed ? "  (RAISED)" : "");
    char line[64];
    snprintf(line, sizeof line, "idempotence-max %d\n", idem_failures);
    tk_add(&b, line, strlen(line));

    int r = 1;
    if (regressed && !allow_regression) {
        printf("garble: not updating %s: below a floor or over the idempotence allowance "
               "(see above); fix the engine, or rerun with --allow-regression\n", path);
    } else if (tk_replace_file(path, b.p, b.n)) {
        printf("garble: %s: cannot write: %s\n", path, strerror(errno));
    } else {
        printf("garble: wrote %s%s\n", path, regressed ? " (regressions allowed)" : "");
        r = 0;
    }
    tk_free(&b);
    return r;
}

/* ------------------------------------------------------------------ */

/* "98.79% (98.5)" style cell text into buf. */
static void rate_cell(char *buf, size_t len, int ok, int tot, int floor_t)
{
    snprintf(buf, len, "%d/%d %6.2f%% (%d.%d)", ok, tot, 100.0 * ok / tot, floor_t / 10,
             floor_t % 10);
}

/*
 * Judge ok/tot against floor f and the target: passed at the target,
 * skipped (known shortfall) between floor and target, failed below the
 * floor.  Returns 0, 1 or 2 for those.
 */
static int judge(const struct floor *f, int ok, int tot)
{
    int fl = floor_of(f);
    if (!at_least(ok, tot, fl)) {
        failed++;
        return 2;
    }
    if (at_least(ok, tot, RECOVERY_TARGET)) {
        passed++;
        return 0;
    }
    skipped++;
    return 1;
}

static void print_tables(const int *sel, int nsel, int *below_floor, int *below_target)
{
    printf("\nexact recovery, recovered/total per codec and language (all variants):\n");
    printf("%-13s", "codec");
    for (int t = 0; t < ntexts; t++)
        printf(" %7.7s", texts[t].lang);
    printf(" %11s\n", "total");
    int grand_ok = 0, grand_total = 0;
    for (int k = 0; k < nsel; k++) {
        int c = sel[k];
        int cok = 0, ctot = 0;
        printf("%-13s", codecs[c].name);
        for (int t = 0; t < ntexts; t++) {
            int ok = 0, tot = 0;
            for (int v = 0; v < NVAR; v++)
                ok += cells[c][t][v].ok, tot += cells[c][t][v].total;
            char cell[24];
            snprintf(cell, sizeof cell, "%d/%d", ok, tot);
            printf(" %7s", tot ? cell : "-");
            cok += ok, ctot += tot;
        }
        char cell[24];
        snprintf(cell, sizeof cell, "%d/%d", cok, ctot);
        printf(" %11s\n", cell);
        grand_ok += cok, grand_total += ctot;
    }

    printf("\nexact recovery per codec and variant: recovered/total, rate (floor); "
           "target %d.%d%% each\n", RECOVERY_TARGET / 10, RECOVERY_TARGET % 10);
    printf("%-13s %24s %24s %24s  %s\n", "codec", var_name[0], var_name[1], var_name[2], "verdict");
    *below_floor = *below_target = 0;
    int at_target = 0;
    for (int k = 0; k < nsel; k++) {
        int c = sel[k];
        int worst = 0;
        printf("%-13s", codecs[c].name);
        for (int v = 0; v < NVAR; v++) {
            int ok = 0, tot = 0;
            for (int t = 0; t < ntexts; t++)
                ok += cells[c][t][v].ok, tot += cells[c][t][v].total;
            if (!tot) {
                printf(" %24s", "-");
                continue;
            }
            char cell[48];
            rate_cell(cell, sizeof cell, ok, tot, floor_of(&cell_floor[c][v]));
            printf(" %24s", cell);
            int j = judge(&cell_floor[c][v], ok, tot);
            verdict[c][v] = j;
            at_target += j == 0;
            *below_target += j == 1;
            *below_floor += j == 2;
            worst = j > worst ? j : worst;
        }
        printf("  %s\n", worst == 2 ? "BELOW FLOOR" : worst == 1 ? "known: below target" : "ok");
    }
    for (int k = 0; k < nsel; k++) {
        int c = sel[k];
        for (int v = 0; v < NVAR; v++) {
            const struct floor *f = &cell_floor[c][v];
            int ok = 0, tot = 0;
            for (int t = 0; t < ntexts; t++)
                ok += cells[c][t][v].ok, tot += cells[c][t][v].total;
            if (tot && f->rec_tot && (long long)ok * f->rec_tot < (long long)f->rec_ok * tot)
                printf("  note: %s %s: %d/%d, fewer than the %d/%d in the baseline%s\n",
                       codecs[c].name, var_name[v], ok, tot, f->rec_ok, f->rec_tot,
                       at_least(ok, tot, floor_of(f)) ? " (floor still met)" : "");
        }
    }
    if (grand_total)
        printf("all codecs: %d/%d recovered exactly (%.2f%%); %d codec x variant cells at the "
               "%d.%d%% target, %d below it but at their floor (known), %d below their floor\n",
               grand_ok, grand_total, 100.0 * grand_ok / grand_total, at_target,
               RECOVERY_TARGET / 10, RECOVERY_TARGET % 10, *below_target, *below_floor);
}

/* Show again the first failure of each codec and variant below its floor. */
static void show_first_failures(const int *sel, int nsel)
{
    struct tk_buf g = { 0 }, tmp = { 0 };
    printf("\nfirst failure of each codec and variant below its floor (all are in the "
           "failures file; -v prints them all):\n");
    for (int k = 0; k < nsel; k++) {
        int c = sel[k];
        for (int v = 0; v < NVAR; v++) {
            if (verdict[c][v] != 2 || !first_fail[c][v].set)
                continue;
            struct text *x = &texts[first_fail[c][v].t];
            size_t u = first_fail[c][v].u;
            const char *s = x->data.p + x->units[u].off;
            size_t n = x->units[u].len;
            char *out;
            size_t on;
            make_garbled(c, v, s, n, &g, &tmp);
            if (fix(g.p, g.n, &out, &on))
                continue;
            no_file = 1;
            report(K_RECOVERY, codecs[c].name, v, x->lang, (long)u, g.p, g.n, s, n, out, on, NULL);
            no_file = 0;
            free(out);
        }
    }
    tk_free(&g);
    tk_free(&tmp);
}

/* After the paragraphs, each line of a paragraph that has several, as a
 * unit of its own: short texts are where detection is hardest. */
static void add_lines(struct text *x)
{
    x->npars = x->nunits;
    size_t extra = 0;
    for (size_t u = 0; u < x->npars; u++)
        for (size_t i = 0; i < x->units[u].len; i++)
            extra += x->data.p[x->units[u].off + i] == '\n';
    if (!extra)
        return;
    x->units = tk_xrealloc(x->units, (x->npars + x->npars + extra) * sizeof *x->units);
    for (size_t u = 0; u < x->npars; u++) {
        size_t off = x->units[u].off, end = off + x->units[u].len;
        if (!memchr(x->data.p + off, '\n', end - off))
            continue;
        while (off < end) {
            const char *nl = memchr(x->data.p + off, '\n', end - off);
            size_t le = nl ? (size_t)(nl - x->data.p) : end;
            if (le > off) {
                x->units[x->nunits].off = off;
                x->units[x->nunits].len = le - off;
                x->nunits++;
            }
            off = le + 1;
        }
    }
}

int main(int argc, char **argv)
{
    const char *dir = NULL, *fail_path = NULL;
    char *only_codec[MAX_FILTER], *only_lang[MAX_FILTER];
    int n_only_codec = 0, n_only_lang = 0;
    int seeds = 16;
    long max_units = 0;
    const char *baseline = NULL;
    int update = 0, allow_regression = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "--failures=", 11))
            fail_path = a + 11;
        else if (!strncmp(a, "--seeds=", 8))
            seeds = (int)tk_parse_num("garble", a + 8, "--seeds");
        else if (!strncmp(a, "--max-units=", 12))
            max_units = tk_parse_num("garble", a + 12, "--max-units");
        else if (!strncmp(a, "--codec=", 8) && n_only_codec < MAX_FILTER)
            only_codec[n_only_codec++] = argv[i] + 8;
        else if (!strncmp(a, "--lang=", 7) && n_only_lang < MAX_FILTER)
            only_lang[n_only_lang++] = argv[i] + 7;
        else if (!strcmp(a, "-v"))
            verbose = 1;
        else if (!strncmp(a, "--baseline=", 11) && a[11])
            baseline = a + 11;
        else if (!strcmp(a, "--update"))
            update = 1;
        else if (!strcmp(a, "--allow-regression"))
            allow_regression = 1;
        else if (a[0] == '-' || dir) {
            fprintf(stderr, "usage: garble [--failures=FILE] [--seeds=N] [--max-units=N] "
                            "[--codec=NAME]... [--lang=NAME]... [-v] "
                            "[--baseline=FILE [--update [--allow-regression]]] DIR\n");
            return 2;
        } else
            dir = a;
    }
    if (!dir) {
        fprintf(stderr, "usage: garble [OPTION]... DIR\n");
        return 2;
    }
    if (update && (!baseline || n_only_codec || n_only_lang || max_units)) {
        fprintf(stderr, "garble: --update needs --baseline=FILE and the whole suite "
                        "(no --codec, --lang or --max-units)\n");
        return 2;
    }

    char err[256];
    for (int c = 0; c < NCODECS; c++) {
        if (tk_codec_load(&codecs[c], err, sizeof err)) {
            printf("garble: cannot build the codec tables: %s\n0 passed, 1 failed\n", err);
            return 1;
        }
    }
    if (strcmp(codecs[CP1252].name, "windows-1252")) {
        fprintf(stderr, "garble: codec list out of order\n");
        return 2;
    }
    for (int c = 0; c < NCODECS; c++)
        if (codecs[c].ncollisions)
            printf("garble: %s: %d code point(s) read from two bytes (sloppy and defined); "
                   "UTF-8 validity tells them apart\n", codecs[c].name, codecs[c].ncollisions);
    for (int c = 0; c < NCODECS; c++)
        for (int v = 0; v < NVAR; v++)
            cell_floor[c][v].tenths = -1;
    if (baseline) {
        if (load_baseline(baseline)) {
            printf("0 passed, 1 failed\n");
            return 1;
        }
        printf("garble: floors and idempotence allowance from %s\n", baseline);
    }
    int sel[NCODECS], nsel = 0;
    for (int c = 0; c < NCODECS; c++)
        if (codec_selected(c, only_codec, n_only_codec))
            sel[nsel++] = c;
    if (!nsel) {
        fprintf(stderr, "garble: no such codec\n");
        return 2;
    }

    char **names;
    int nfiles = tk_list_dir(dir, ".txt", &names);
    if (nfiles <= 0) {
        printf("garble: %s: %s\n", dir, nfiles < 0 ? strerror(errno) : "no *.txt clean texts");
        printf("0 passed, 1 failed\n");
        return 1;
    }
    for (int f = 0; f < nfiles; f++) {
        size_t l = strlen(names[f]) - 4;
        int keep = !n_only_lang;
        for (int i = 0; i < n_only_lang; i++)
            keep |= strlen(only_lang[i]) == l && !strncmp(only_lang[i], names[f], l);
        if (!keep || ntexts == MAX_TEXTS) {
            free(names[f]);
            continue;
        }
        struct text *x = &texts[ntexts];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        if (tk_read_file(path, &x->data)) {
            printf("garble: %s: %s\n0 passed, 1 failed\n", path, strerror(errno));
            return 1;
        }
        if (!tk_utf8_valid(x->data.p, x->data.n)) {
            printf("garble: %s: not valid UTF-8: a clean text must be\n0 passed, 1 failed\n", path);
            return 1;
        }
        x->lang = strndup(names[f], l);
        x->nunits = tk_split_units(x->data.p, x->data.n, UNIT_TARGET, &x->units);
        if (max_units && x->nunits > (size_t)max_units)
            x->nunits = (size_t)max_units;
        add_lines(x);
        ntexts++;
        free(names[f]);
    }
    free(names);

    if (fail_path) {
        failures = fopen(fail_path, "w");
        if (!failures) {
            printf("garble: %s: %s\n0 passed, 1 failed\n", fail_path, strerror(errno));
            return 1;
        }
    }
    tk_catch_crashes();
    ctx = unbake_ctx_new();
    if (!ctx) {
        printf("garble: unbake_ctx_new failed\n0 passed, 1 failed\n");
        return 1;
    }

    clock_t t0 = clock();
    size_t total_units = 0, total_bytes = 0;
    for (int t = 0; t < ntexts; t++) {
        total_units += texts[t].nunits;
        total_bytes += texts[t].data.n;
    }
    printf("garble: %d texts (%zu units, %zu bytes) from %s, %d codecs x %d variants\n", ntexts,
           total_units, total_bytes, dir, nsel, NVAR);

    /* Clean texts come back byte-identical. */
    int before = failed;
    for (int t = 0; t < ntexts; t++)
        check_clean(t);
    printf("clean texts and paragraphs byte-identical: %s\n", failed == before ? "all" : "NO");

    /* Garbled units come back. */
    struct tk_buf g = { 0 }, tmp = { 0 };
    before = failed;
    int undecodable = 0;
    for (int t = 0; t < ntexts; t++) {
        struct text *x = &texts[t];
        for (size_t u = 0; u < x->nunits; u++) {
            const char *s = x->data.p + x->units[u].off;
            size_t n = x->units[u].len;
            if (!tk_has_non_ascii(s, n))
                continue;
            for (int k = 0; k < nsel; k++) {
                int c = sel[k];
                for (int v = 0; v < NVAR; v++) {
                    if (v == V_OVER && c == CP1252)
                        continue;   /* the same as 2 layers */
                    int decodable = make_garbled(c, v, s, n, &g, &tmp);
                    if (tk_eq(g.p, g.n, s, n))
                        continue;
                    if (!decodable) {
                        undecodable++;
                        continue;
                    }
                    check_garbled(t, c, v, u, &g);
                }
            }
        }
    }
    tk_free(&g);
    tk_free(&tmp);
    printf("garbled texts valid UTF-8 (and no error): %s\n", failed == before ? "all" : "NO");
    printf("garbled texts left out as not uniquely decodable: %d\n", undecodable);

    /* Mixed documents and chunking. */
    int mixed_ok = 0, mixed_total = 0;
    before = failed;
    for (int t = 0; t < ntexts; t++)
        check_mixed_and_chunks(t, sel, nsel, seeds, &mixed_ok, &mixed_total);
    printf("mixed documents and chunking (%d seeds, chunks of 1 B .. 64 KiB): %s\n", seeds,
           failed == before ? "all kept and chunk-invariant" : "FAILURES");

    int hard_failed = failed;
    int below_floor, below_target;
    print_tables(sel, nsel, &below_floor, &below_target);
    if (below_floor && !verbose)
        show_first_failures(sel, nsel);
    if (mixed_total) {
        char cell[48];
        int fl = floor_of(&mixed_floor);
        rate_cell(cell, sizeof cell, mixed_ok, mixed_total, fl);
        int j = judge(&mixed_floor, mixed_ok, mixed_total);
        printf("mixed documents: garbled paragraphs recovered in context %s; target %d.%d%%: %s\n",
               cell, RECOVERY_TARGET / 10, RECOVERY_TARGET % 10,
               j == 2 ? "BELOW FLOOR" : j == 1 ? "known: below target" : "ok");
        if (mixed_floor.rec_tot &&
            (long long)mixed_ok * mixed_floor.rec_tot < (long long)mixed_floor.rec_ok * mixed_total)
            printf("  note: mixed documents: %d/%d, fewer than the %d/%d in the baseline\n",
                   mixed_ok, mixed_total, mixed_floor.rec_ok, mixed_floor.rec_tot);
        below_floor += j == 2;
    }
    int idem_allowed = idem_max >= 0 ? idem_max : 0;
    printf("idempotence: %d input(s) with fix(fix(x)) != fix(x) (target 0; allowed %d%s)%s\n",
           idem_failures, idem_allowed, baseline ? " by the baseline" : "",
           idem_failures > idem_allowed ? "  OVER THE ALLOWANCE" : idem_failures ? "  known" : "");
    if (idem_failures > idem_allowed)
        failed += idem_failures;
    else
        skipped += idem_failures;
    if (n_only_codec || n_only_lang || max_units)
        printf("garble: a partial run (--codec, --lang or --max-units): the floors are for the "
               "whole suite\n");
    printf("time: %.1f s of CPU\n", (double)(clock() - t0) / CLOCKS_PER_SEC);

    int status = failed ? 1 : 0;
    if (update) {
        if (hard_failed) {
            printf("garble: not updating %s: %d hard failure(s) (clean text, UTF-8, chunking, "
                   "errors), listed above\n", baseline, hard_failed);
            status = 1;
        } else {
            status = update_baseline(baseline, allow_regression, mixed_ok, mixed_total);
        }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);

    unbake_ctx_free(ctx);
    if (failures)
        fclose(failures);
    for (int t = 0; t < ntexts; t++) {
        free(texts[t].lang);
        tk_free(&texts[t].data);
        free(texts[t].units);
    }
    return status;
}
