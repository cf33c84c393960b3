/*
 * test_mbcs_lossy.c -- UTF-8 misread as a multibyte codec with losses
 * (src/lib/mbcs_lossy.c).
 *
 * The forward simulation first, against ICU and against hand-checked byte
 * sequences for each convention.  Then the reverse on cases generated from
 * the held-out clean texts of fixtures/clean: every line is encoded as
 * UTF-8, decoded with a codec under a convention, cut into runs as the
 * detector cuts them, and every run that lost bytes is reversed.  Every
 * reconstruction must decode forward to its run exactly; the share of
 * lines recovered exactly must reach the floor measured for the pair (the
 * floors are real outcomes, not 100%: a lost byte is often truly
 * ambiguous).  Negatives: clean CJK text holding a real U+FFFD or '?' must
 * not come back as anything the forward check rejects, nor as something
 * the model prefers to the clean text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mbcs_lossy.h"
#include "tools/testkit.h"

static ub_mbcs_cache *cache;
static ub_mbcs_lossy_scratch *scratch;
static const ub_lm *lm;

static int id_of(const char *name)
{
    int id = ub_mbcs_find(name);
    if (id < 0)
        fail_msg("codec %s not found", name);
    return id;
}

/* Decode UTF-8 text s with codec id under conv; *out is malloc'ed. */
static size_t misread(int id, ub_mbcs_conv_e conv, const void *s, size_t n, uint32_t **out)
{
    *out = malloc((n + 1) * sizeof **out);
    long m = ub_mbcs_decode_conv(cache, id, conv, s, n, *out, n + 1);
    if (m < 0)
        fail_msg("ub_mbcs_decode_conv(%s, %s) failed", ub_mbcs_name(id), ub_mbcs_conv_name(conv));
    return (size_t)m;
}

/* Assert that cps[0..n) decodes forward under conv to in[0..nin). */
static void assert_round_trip(int id, ub_mbcs_conv_e conv, const uint32_t *cps, size_t n,
                              const uint32_t *in, size_t nin, const char *what)
{
    struct tk_buf b = { 0 };
    tk_set(&b, "", 0);
    for (size_t i = 0; i < n; i++)
        tk_put_utf8(&b, cps[i]);
    uint32_t *back;
    size_t m = misread(id, conv, b.p, b.n, &back);
    if (m != nin || memcmp(back, in, nin * sizeof *in)) {
        tk_free(&b);
        free(back);
        fail_msg("%s: %s/%s reconstruction does not decode back to its run", what,
                 ub_mbcs_name(id), ub_mbcs_conv_name(conv));
    }
    tk_free(&b);
    free(back);
}

/* ------------------------------------------------------------------ */
/* Forward simulation                                                  */
/* ------------------------------------------------------------------ */

static void expect_decode(const char *codec, ub_mbcs_conv_e conv, const char *bytes,
                          const uint32_t *want, size_t nwant)
{
    uint32_t out[32];
    long m = ub_mbcs_decode_conv(cache, id_of(codec), conv, (const uint8_t *)bytes,
                                 strlen(bytes), out, 32);
    if (m != (long)nwant || memcmp(out, want, nwant * sizeof *want)) {
        fprintf(stderr, "got %ld:", m);
        for (long i = 0; i < m; i++)
            fprintf(stderr, " U+%04X", out[i]);
        fprintf(stderr, "\n");
        fail_msg("%s under %s", codec, ub_mbcs_conv_name(conv));
    }
}

static void test_decode_conventions(void **state)
{
    (void)state;
    /* Big5: 0xE4 is a lead, 0x80 no trail of it but a character on its
     * own (U+0080 in cp950): Windows loses it with the lead, Python decodes
     * it again, ICU's cp950 table counts the pair as one unmapped sequence */
    const char *b = "\xE4\x80" "A";
    expect_decode("big5", UB_MBCS_CONV_WIN, b, (const uint32_t[]){ '?', 'A' }, 2);
    expect_decode("big5", UB_MBCS_CONV_PYTHON, b, (const uint32_t[]){ 0xFFFD, 0x80, 'A' }, 3);
    expect_decode("big5", UB_MBCS_CONV_ICU, b, (const uint32_t[]){ 0xFFFD, 'A' }, 2);
    /* a lead before an ASCII byte: ICU and Python keep the byte, Windows
     * loses it (cp932 writes U+30FB) */
    const char *s = "\xE3 x";
    expect_decode("shift_jis", UB_MBCS_CONV_ICU, s, (const uint32_t[]){ 0xFFFD, ' ', 'x' }, 3);
    expect_decode("shift_jis", UB_MBCS_CONV_PYTHON, s, (const uint32_t[]){ 0xFFFD, ' ', 'x' }, 3);
    expect_decode("shift_jis", UB_MBCS_CONV_WIN, s, (const uint32_t[]){ 0x30FB, 'x' }, 2);
    expect_decode("shift_jis", UB_MBCS_CONV_DROP, s, (const uint32_t[]){ ' ', 'x' }, 2);
    /* a lone lead at the very end is one byte everywhere */
    expect_decode("gbk", UB_MBCS_CONV_WIN, "a\xE4", (const uint32_t[]){ 'a', '?' }, 2);
    expect_decode("gbk", UB_MBCS_CONV_ICU, "a\xE4", (const uint32_t[]){ 'a', 0xFFFD }, 2);

    /* ICU and DROP are ub_mbcs_decode() with and without its markers */
    struct tk_buf t = { 0 };
    if (tk_read_file("fixtures/clean/zh-TW.txt", &t))
        fail_msg("fixtures/clean/zh-TW.txt: cannot read (run from the repository root)");
    for (int id = 0; id < ub_mbcs_count(); id++) {
        uint32_t *a = malloc((t.n + 1) * sizeof *a), *d = malloc((t.n + 1) * sizeof *d);
        size_t nsub;
        long m = ub_mbcs_decode(cache, id, (const uint8_t *)t.p, t.n, a, t.n + 1, &nsub);
        long mi = ub_mbcs_decode_conv(cache, id, UB_MBCS_CONV_ICU, (const uint8_t *)t.p, t.n, d,
                                      t.n + 1);
        assert_int_equal(mi, m);
        assert_memory_equal(a, d, (size_t)m * sizeof *a);
        long md = ub_mbcs_decode_conv(cache, id, UB_MBCS_CONV_DROP, (const uint8_t *)t.p, t.n, d,
                                      t.n + 1);
        assert_int_equal(md, m - (long)nsub);
        /* Python writes a marker per byte: never fewer than ICU */
        long mp = ub_mbcs_decode_conv(cache, id, UB_MBCS_CONV_PYTHON, (const uint8_t *)t.p, t.n,
                                      d, t.n + 1);
        assert_true(mp >= m);
        free(a);
        free(d);
    }
    tk_free(&t);
    /* errors */
    uint32_t out[4];
    assert_int_equal(ub_mbcs_decode_conv(cache, -1, UB_MBCS_CONV_ICU, (const uint8_t *)"a", 1,
                                         out, 4), -1);
    assert_int_equal(ub_mbcs_decode_conv(cache, 0, UB_MBCS_NCONV, (const uint8_t *)"a", 1, out, 4),
                     -1);
    assert_int_equal(ub_mbcs_decode_conv(cache, 0, UB_MBCS_CONV_WIN, (const uint8_t *)"abc", 3,
                                         out, 2), -1);
    assert_int_equal(ub_mbcs_conv_marker(id_of("shift_jis"), UB_MBCS_CONV_WIN), 0x30FB);
    assert_int_equal(ub_mbcs_conv_marker(id_of("big5"), UB_MBCS_CONV_WIN), '?');
    assert_int_equal(ub_mbcs_conv_marker(0, UB_MBCS_CONV_DROP), 0);
    assert_string_equal(ub_mbcs_conv_name(UB_MBCS_CONV_PYTHON), "python");
    assert_null(ub_mbcs_conv_name(UB_MBCS_NCONV));
}

/* ------------------------------------------------------------------ */
/* The reverse on a hand-made case                                     */
/* ------------------------------------------------------------------ */

static void test_reverse_small(void **state)
{
    (void)state;
    /* "中文字符。" misread as Big5 by ICU: its 0x80..0xA0 continuation
     * bytes are no Big5 trails, so markers fall inside characters */
    const char *text = "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97\xE7\xAC\xA6\xE3\x80\x82";
    int id = id_of("big5");
    uint32_t *in;
    size_t n = misread(id, UB_MBCS_CONV_ICU, text, strlen(text), &in);
    int fffd = 0;
    for (size_t i = 0; i < n; i++)
        fffd += in[i] == 0xFFFD;
    assert_true(fffd > 0);
    ub_mbcs_lossy_result r;
    uint64_t steps = 0;
    uint32_t right[1] = { '\n' };
    assert_int_equal(ub_mbcs_reverse_lossy(scratch, cache, id, UB_MBCS_CONV_ALL, in, n, lm, 0, 0,
                                           right, 1, &r, &steps), 0);
    assert_round_trip(id, r.conv, r.cps, r.nchars, in, n, "small");
    assert_true(r.nlost > 0);
    assert_true(r.ngaps > 0 && r.ngaps <= r.nchars);
    assert_true(steps > 0 && steps <= (uint64_t)UB_MBCS_LOSSY_STEPS * n * UB_MBCS_NCONV);
    /* every gap: chosen first, posteriors sum to 1, each alternative round
     * trips in the chosen one's place */
    for (size_t g = 0; g < r.ngaps; g++) {
        const ub_gapalt *ga = &r.gaps[g];
        assert_true(ga->index < r.nchars && r.chars[ga->index].gap);
        assert_int_equal(ga->alt[0].cp, r.cps[ga->index]);
        double sum = 0;
        for (int a = 0; a < ga->nalt; a++) {
            sum += ga->alt[a].p;
            uint32_t *alt = malloc(r.nchars * sizeof *alt);
            memcpy(alt, r.cps, r.nchars * sizeof *alt);
            alt[ga->index] = ga->alt[a].cp;
            assert_round_trip(id, r.conv, alt, r.nchars, in, n, "alternative");
            free(alt);
        }
        assert_true(sum > 0.999 && sum < 1.001);
    }
    /* the costs: a loss cost per lost marker */
    assert_true(r.cost >= UB_MBCS_LOSS_FFFD * r.nlost - 1e-9);
    free(in);
}

/* Reverse run in[0..n) of codec id with right[0..nright) after it and
 * require the text want back exactly, under convention conv. */
static void expect_reverse(int id, const uint32_t *in, size_t n, const uint32_t *right,
                           size_t nright, const char *want, ub_mbcs_conv_e conv)
{
    ub_mbcs_lossy_result r;
    uint64_t steps = 0;
    int rc = ub_mbcs_reverse_lossy(scratch, cache, id, UB_MBCS_CONV_ALL, in, n, lm, UB_LM_BOS,
                                   UB_LM_BOS, right, nright, &r, &steps);
    assert_int_equal(rc, 0);
    uint32_t *w;
    size_t nw = tk_to_cps(want, strlen(want), &w);
    if (r.nchars != nw || memcmp(r.cps, w, nw * sizeof *w)) {
        fprintf(stderr, "got (%s):", ub_mbcs_conv_name(r.conv));
        for (size_t i = 0; i < r.nchars; i++)
            fprintf(stderr, " U+%04X", r.cps[i]);
        fprintf(stderr, "\n");
        free(w);
        fail_msg("%s: the reconstruction is not the original text", ub_mbcs_name(id));
    }
    free(w);
    assert_int_equal(r.conv, conv);
    assert_round_trip(id, r.conv, r.cps, r.nchars, in, n, "expect_reverse");
}

/*
 * Windows at the end of a run: the last UTF-8 byte of U+3002 (E3 80 82)
 * is a GBK lead, alone at the end of what the decoder was given (a line
 * decoded on its own, or the end of the text), so its '?' stands for that
 * one byte.  Before a newline this must not be read as a lead that took a
 * lost ASCII character with it (the newline may be where the decoder's
 * input ended).
 */
static void test_windows_run_end(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97\xE7\xAC\xA6\xE3\x80\x82",  /* 中文字符。 */
        "\xE6\x88\x91\xE4\xBB\xAC\xE7\x9A\x84\xE9\x97\xAE\xE9\xA2\x98\xE3\x80\x82",
    };
    int id = id_of("gbk");
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        uint32_t *in;
        size_t n = misread(id, UB_MBCS_CONV_WIN, texts[k], strlen(texts[k]), &in);
        assert_int_equal(in[n - 1], '?');
        static const uint32_t nl[2] = { '\n', 'A' };
        expect_reverse(id, in, n, nl, 2, texts[k], UB_MBCS_CONV_WIN);
        expect_reverse(id, in, n, NULL, 0, texts[k], UB_MBCS_CONV_WIN);
        free(in);
    }
    /* the whole line decoded at once: the lead took the newline with it,
     * and the ASCII that follows must still be read as lost */
    const char *line = "\xE4\xB8\xAD\xE6\x96\x87\xE3\x80\x82\nAB";
    uint32_t *in;
    size_t n = misread(id, UB_MBCS_CONV_WIN, line, strlen(line), &in);
    /* ... '?' 'A' 'B': the newline went with the lead */
    assert_true(n >= 3 && in[n - 3] == '?' && in[n - 2] == 'A' && in[n - 1] == 'B');
    ub_mbcs_lossy_result r;
    uint64_t steps = 0;
    assert_int_equal(ub_mbcs_reverse_lossy(scratch, cache, id, 1u << UB_MBCS_CONV_WIN, in, n - 2,
                                           lm, UB_LM_BOS, UB_LM_BOS, in + n - 2, 2, &r, &steps),
                     0);
    assert_true(r.nchars == 4 && r.cps[2] == 0x3002 && r.cps[3] < 0x80);
    assert_true(r.nlost >= 1 && r.cost >= UB_MBCS_LOSS_QMARK * r.nlost - 1e-9);
    free(in);
}

static void test_reverse_errors(void **state)
{
    (void)state;
    ub_mbcs_lossy_result r;
    uint64_t steps = 0;
    uint32_t clean[3] = { 0x6D93, 0x6783, 0x701B };     /* a lossless GBK run */
    assert_int_equal(ub_mbcs_reverse_lossy(scratch, cache, 0, UB_MBCS_CONV_ALL, clean, 3, lm, 0,
                                           0, NULL, 0, &r, &steps), -1);
    uint32_t fffd[2] = { 0x6D93, 0xFFFD };
    /* Windows and dropping never write U+FFFD */
    assert_int_equal(ub_mbcs_reverse_lossy(scratch, cache, 0, 1u << UB_MBCS_CONV_WIN |
                                           1u << UB_MBCS_CONV_DROP, fffd, 2, lm, 0, 0, NULL, 0,
                                           &r, &steps), -1);
    assert_int_equal(ub_mbcs_reverse_lossy(scratch, cache, -1, UB_MBCS_CONV_ALL, fffd, 2, lm, 0,
                                           0, NULL, 0, &r, &steps), -2);
    assert_int_equal(ub_mbcs_reverse_lossy(scratch, cache, 0, UB_MBCS_CONV_ALL, fffd, 0, lm, 0, 0,
                                           NULL, 0, &r, &steps), -2);
    assert_int_equal(ub_mbcs_reverse_lossy(NULL, cache, 0, UB_MBCS_CONV_ALL, fffd, 2, lm, 0, 0,
                                           NULL, 0, &r, &steps), -2);
    /* a character no codec decodes to: no reconstruction */
    uint32_t foreign[2] = { 0x0410, 0xFFFD };           /* Cyrillic A: not in Big5's UTF-8 */
    assert_int_equal(ub_mbcs_reverse_lossy(scratch, cache, id_of("big5"), UB_MBCS_CONV_ALL,
                                           foreign, 2, lm, 0, 0, NULL, 0, &r, &steps), -1);
    ub_mbcs_lossy_scratch_free(NULL);
}

/* ------------------------------------------------------------------ */
/* Generated cases                                                     */
/* ------------------------------------------------------------------ */

/* A run as the detector cuts it: a maximal span of non-ASCII characters
 * and markers (a '?' may be one). */
static int run_char(uint32_t c)
{
    return c >= 0x80 || c == '?';
}

/*
 * Repair a misread line run by run: lossless runs through the codec's
 * encoder, the others through ub_mbcs_reverse_lossy() (every convention,
 * as the detector will call it); a run with no reconstruction stays.
 * Every reconstruction must round-trip.  Returns the repaired line.
 */
static size_t repair_line(int id, const uint32_t *in, size_t n, uint32_t *out, int *lost)
{
    size_t o = 0;
    *lost = 0;
    for (size_t i = 0; i < n;) {
        if (!run_char(in[i])) {
            out[o++] = in[i++];
            continue;
        }
        size_t j = i;
        while (j < n && run_char(in[j]))
            j++;
        /* lossless? */
        uint8_t *b = malloc(4 * (j - i) + 4);
        long nb = ub_mbcs_encode(cache, id, in + i, j - i, b, 4 * (j - i) + 4);
        int done = 0;
        if (nb >= 0 && tk_utf8_valid(b, (size_t)nb)) {
            uint32_t *c;
            size_t m = tk_to_cps(b, (size_t)nb, &c);
            memcpy(out + o, c, m * sizeof *c);
            o += m;
            free(c);
            done = 1;
        }
        free(b);
        if (!done) {
            ub_mbcs_lossy_result r;
            uint64_t steps = 0;
            uint32_t l1 = o ? out[o - 1] : UB_LM_BOS, l2 = o > 1 ? out[o - 2] : UB_LM_BOS;
            size_t nr = n - j < 2 ? n - j : 2;
            int rc = ub_mbcs_reverse_lossy(scratch, cache, id, UB_MBCS_CONV_ALL, in + i, j - i,
                                           lm, l2, l1, in + j, nr, &r, &steps);
            assert_true(rc == 0 || rc == -1);
            if (rc == 0) {
                assert_round_trip(id, r.conv, r.cps, r.nchars, in + i, j - i, "generated run");
                assert_true(steps <= (uint64_t)UB_MBCS_LOSSY_STEPS * (j - i) * UB_MBCS_NCONV);
                memcpy(out + o, r.cps, r.nchars * sizeof *r.cps);
                o += r.nchars;
                *lost = 1;
            } else {
                memcpy(out + o, in + i, (j - i) * sizeof *in);
                o += j - i;
            }
        }
        i = j;
    }
    return o;
}

struct pair {
    const char *text, *codec;
    ub_mbcs_conv_e conv;
    int floor;              /* % of lossy lines recovered exactly */
};

/* Floors: the first LINES_PER_PAIR lossy lines of each text, measured
 * (the search is deterministic) and set just under the measurement, so
 * that losing one more line fails.  Big5 and EUC-JP are low: their trail
 * bytes exclude most UTF-8 continuation bytes, so whole characters go. */
static const struct pair pairs[] = {
    { "zh-CN", "gbk", UB_MBCS_CONV_ICU, 60 },
    { "zh-CN", "gbk", UB_MBCS_CONV_WIN, 45 },
    { "zh-CN", "gbk", UB_MBCS_CONV_DROP, 60 },
    { "zh-TW", "big5", UB_MBCS_CONV_PYTHON, 30 },
    { "ja", "shift_jis", UB_MBCS_CONV_ICU, 80 },
    { "ja", "shift_jis", UB_MBCS_CONV_WIN, 60 },
    { "ja", "euc-jp", UB_MBCS_CONV_PYTHON, 15 },
    { "ko", "euc-kr", UB_MBCS_CONV_PYTHON, 30 },
    { "ko", "gbk", UB_MBCS_CONV_ICU, 45 },
};

#define LINES_PER_PAIR 6

static void test_generated(void **state)
{
    (void)state;
    for (size_t p = 0; p < sizeof pairs / sizeof *pairs; p++) {
        char path[256];
        snprintf(path, sizeof path, "fixtures/clean/%s.txt", pairs[p].text);
        struct tk_buf t = { 0 };
        if (tk_read_file(path, &t))
            fail_msg("%s: cannot read (run from the repository root)", path);
        int id = id_of(pairs[p].codec);
        int cases = 0, exact = 0;
        size_t pos = 0;
        while (pos < t.n && cases < LINES_PER_PAIR) {
            const char *nl = memchr(t.p + pos, '\n', t.n - pos);
            size_t e = nl ? (size_t)(nl - t.p) : t.n;
            const char *line = t.p + pos;
            size_t n = e - pos;
            pos = e + 1;
            uint32_t *in, *orig;
            size_t m = misread(id, pairs[p].conv, line, n, &in);
            size_t no = tk_to_cps(line, n, &orig);
            int marked = 0;
            uint32_t mk = ub_mbcs_conv_marker(id, pairs[p].conv);
            for (size_t i = 0; i < m; i++)
                marked |= mk && in[i] == mk;
            /* lossy lines only (for DROP: those that lost something) */
            uint32_t *icu;
            size_t mi = misread(id, UB_MBCS_CONV_ICU, line, n, &icu);
            int lossy = 0;
            for (size_t i = 0; i < mi; i++)
                lossy |= icu[i] == 0xFFFD;
            free(icu);
            if (lossy && (marked || pairs[p].conv == UB_MBCS_CONV_DROP)) {
                uint32_t *out = malloc((4 * m + 8) * sizeof *out);
                int lost;
                tk_current(path, line, n);
                size_t o = repair_line(id, in, m, out, &lost);
                cases++;
                exact += o == no && !memcmp(out, orig, no * sizeof *orig);
                free(out);
            }
            free(in);
            free(orig);
        }
        tk_free(&t);
        print_message("  %-6s %-10s %-8s %d/%d lines exact (floor %d%%)\n", pairs[p].text,
                      pairs[p].codec, ub_mbcs_conv_name(pairs[p].conv), exact, cases,
                      pairs[p].floor);
        assert_true(cases > 0);
        if (100 * exact < pairs[p].floor * cases)
            fail_msg("%s/%s/%s: %d of %d lines exact, under the floor of %d%%", pairs[p].text,
                     pairs[p].codec, ub_mbcs_conv_name(pairs[p].conv), exact, cases,
                     pairs[p].floor);
    }
}

/* ------------------------------------------------------------------ */
/* Negatives                                                           */
/* ------------------------------------------------------------------ */

/*
 * Clean CJK lines with a real U+FFFD or '?' in them (a replacement the
 * writer kept, a question): whatever the reverse returns must check
 * forward, and the model must prefer the clean line, with the loss cost
 * charged, to the "repair", or the detector would make it.
 */
static void test_negatives(void **state)
{
    (void)state;
    static const char *const texts[] = { "zh-CN", "zh-TW", "ja", "ko" };
    int tried = 0, returned = 0, preferred = 0;
    for (size_t x = 0; x < sizeof texts / sizeof *texts; x++) {
        char path[256];
        snprintf(path, sizeof path, "fixtures/clean/%s.txt", texts[x]);
        struct tk_buf t = { 0 };
        if (tk_read_file(path, &t))
            fail_msg("%s: cannot read", path);
        uint32_t *cps;
        size_t n = tk_to_cps(t.p, t.n, &cps);
        /* runs of 12 characters with a marker inside */
        for (size_t i = 0, nx = 0; i + 12 <= n && nx < 16; i += 7) {
            uint32_t run[12];
            memcpy(run, cps + i, sizeof run);
            int ok = 1;
            for (int k = 0; k < 12; k++)
                ok &= run[k] >= 0x80;
            if (!ok)
                continue;
            run[5] = nx++ % 2 ? '?' : 0xFFFD;
            for (int id = 0; id < ub_mbcs_count(); id++) {
                ub_mbcs_lossy_result r;
                uint64_t steps = 0;
                int rc = ub_mbcs_reverse_lossy(scratch, cache, id, UB_MBCS_CONV_ALL, run, 12, lm,
                                               0, 0, NULL, 0, &r, &steps);
                assert_true(rc == 0 || rc == -1);
                tried++;
                if (rc)
                    continue;
                returned++;
                assert_round_trip(id, r.conv, r.cps, r.nchars, run, 12, "negative");
                double clean = ub_lm_score(lm, 0, 0, run, 12);
                preferred += clean > r.lm - r.cost - ub_mbcs_prior(id) / 10.0;
            }
        }
        free(cps);
        tk_free(&t);
    }
    print_message("  negatives: %d tried, %d reconstructions, the clean text preferred in %d\n",
                  tried, returned, preferred);
    assert_true(tried > 200);
    assert_int_equal(preferred, returned);
}

static int setup(void **state)
{
    (void)state;
    cache = ub_mbcs_cache_new();
    scratch = ub_mbcs_lossy_scratch_new();
    lm = ub_lm_builtin();
    return cache && scratch && lm ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ub_mbcs_cache_free(cache);
    ub_mbcs_lossy_scratch_free(scratch);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_conventions),
        cmocka_unit_test(test_reverse_small),
        cmocka_unit_test(test_reverse_errors),
        cmocka_unit_test(test_windows_run_end),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_negatives),
    };
    tk_catch_crashes();
    return cmocka_run_group_tests_name("mbcs_lossy", tests, setup, teardown);
}
