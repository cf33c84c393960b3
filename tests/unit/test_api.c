/*
 * test_api.c -- the public API contract of include/unbake.h.
 *
 * Versions, error strings, contexts and options, the whole-buffer and the
 * incremental API, reports and the write callback; then property tests
 * over inputs made by a fixed-seed PRNG: clean UTF-8 of many scripts comes
 * back identical, random bytes never crash, valid UTF-8 stays valid, and
 * the streaming output never depends on the chunking.
 *
 * On failure the helpers print the input (escaped) before failing, so a
 * failure can be replayed with the CLI.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "unbake.h"
#include "tools/testkit.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static void print_input(const char *what, const void *in, size_t n)
{
    fprintf(stderr, "    %s (%zu bytes): ", what, n);
    tk_show(stderr, in, n, 400);
    fprintf(stderr, "\n");
}

/* fix_buffer that must succeed; returns the output (caller frees). */
static char *fix_ok(unbake_ctx *ctx, const void *in, size_t n, size_t *out_n, long *changed)
{
    char *out = (char *)1;
    size_t on = 12345;
    long r = unbake_fix_buffer(ctx, in, n, &out, &on);
    if (r < 0 || !out) {
        print_input("input", in, n);
        fail_msg("unbake_fix_buffer returned %ld (%s)", r, unbake_strerror((int)r));
    }
    if (out[on] != '\0') {
        print_input("input", in, n);
        fail_msg("output is not NUL-terminated");
    }
    if (changed)
        *changed = r;
    *out_n = on;
    return out;
}

/* The output must be exactly want. */
static void expect_fix(unbake_ctx *ctx, const void *in, size_t n, const void *want, size_t wn,
                       const char *why)
{
    size_t on;
    char *out = fix_ok(ctx, in, n, &on, NULL);
    if (!tk_eq(out, on, want, wn)) {
        fprintf(stderr, "    %s\n", why);
        print_input("input", in, n);
        print_input("expected", want, wn);
        print_input("got", out, on);
        free(out);
        fail_msg("%s", why);
    }
    free(out);
}

static void expect_same(unbake_ctx *ctx, const void *in, size_t n, const char *why)
{
    expect_fix(ctx, in, n, in, n, why);
}

static int collect(void *user, const char *data, size_t len)
{
    tk_add(user, data, len);
    return 0;
}

/* Stream in through ctx in chunks drawn from rng (1 .. max bytes). */
static long stream_chunks(unbake_ctx *ctx, const void *in, size_t n, uint64_t *rng, uint32_t max,
                          struct tk_buf *out)
{
    const char *s = in;
    tk_set(out, "", 0);
    int r = unbake_begin(ctx, collect, out);
    if (r)
        return r;
    for (size_t i = 0; i < n;) {
        size_t k = 1 + tk_below(rng, max);
        if (k > n - i)
            k = n - i;
        r = unbake_push(ctx, s + i, k);
        if (r)
            return r;
        i += k;
    }
    return unbake_finish(ctx);
}

static int ctx_setup(void **state)
{
    unbake_ctx *ctx = unbake_ctx_new();
    if (!ctx)
        return -1;
    *state = ctx;
    return 0;
}

static int ctx_teardown(void **state)
{
    unbake_ctx_free(*state);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Version and errors                                                  */
/* ------------------------------------------------------------------ */

static void test_version(void **state)
{
    (void)state;
    assert_int_equal(unbake_version(), UNBAKE_VERSION_NUMBER);
    assert_int_equal(UNBAKE_VERSION_NUMBER,
                     UNBAKE_VERSION_MAJOR * 10000 + UNBAKE_VERSION_MINOR * 100 + UNBAKE_VERSION_PATCH);
    assert_non_null(unbake_version_string());
    assert_string_equal(unbake_version_string(), UNBAKE_VERSION_STRING);
    unsigned ma, mi, pa;
    char tail;
    assert_int_equal(sscanf(unbake_version_string(), "%u.%u.%u%c", &ma, &mi, &pa, &tail), 3);
    assert_int_equal(ma, UNBAKE_VERSION_MAJOR);
    assert_int_equal(mi, UNBAKE_VERSION_MINOR);
    assert_int_equal(pa, UNBAKE_VERSION_PATCH);
    assert_true(UNBAKE_VERSION_MINOR < 100 && UNBAKE_VERSION_PATCH < 100);
}

static void test_strerror(void **state)
{
    (void)state;
    static const int codes[] = { UNBAKE_OK, UNBAKE_ENOMEM, UNBAKE_EINVAL, UNBAKE_ESTATE,
                                 UNBAKE_ECODEC, UNBAKE_EWRITE, UNBAKE_EDATA };
    const char *unknown = unbake_strerror(-9999);
    assert_non_null(unknown);
    assert_string_equal(unknown, "unknown error");
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *s = unbake_strerror(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        if (!strcmp(s, unknown))
            fail_msg("code %d has no description", codes[i]);
        /* Each code its own text. */
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s, unbake_strerror(codes[j])))
                fail_msg("codes %d and %d share the text \"%s\"", codes[i], codes[j], s);
    }
    static const int bad[] = { 1, 2, 100, -7, -8, -100, INT_MIN, INT_MAX };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(unbake_strerror(bad[i]), "unknown error");
    /* Frozen values. */
    assert_int_equal(UNBAKE_ENOMEM, -1);
    assert_int_equal(UNBAKE_EINVAL, -2);
    assert_int_equal(UNBAKE_ESTATE, -3);
    assert_int_equal(UNBAKE_ECODEC, -4);
    assert_int_equal(UNBAKE_EWRITE, -5);
    assert_int_equal(UNBAKE_EDATA, -6);
}

static void test_codecs(void **state)
{
    (void)state;
    int n = unbake_codec_count();
    /* At least the single-byte codecs of issue 2. */
    assert_true(n >= 30);
    static const char *const want[] = { "windows-1252", "windows-1251", "iso-8859-1", "iso-8859-16",
                                        "macintosh", "ibm437", "ibm850", "ibm866", "koi8-r", "koi8-u" };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        int found = 0;
        for (int i = 0; i < n; i++) {
            const char *name = unbake_codec_name(i);
            assert_non_null(name);
            found |= !strcmp(name, want[w]);
        }
        if (!found)
            fail_msg("codec %s not listed", want[w]);
    }
    assert_null(unbake_codec_name(-1));
    assert_null(unbake_codec_name(n));
    assert_null(unbake_codec_name(INT_MAX));
}

/* ------------------------------------------------------------------ */
/* Contexts and options                                                */
/* ------------------------------------------------------------------ */

static void test_ctx_lifecycle(void **state)
{
    (void)state;
    unbake_ctx_free(NULL);
    for (int i = 0; i < 50; i++) {
        unbake_ctx *a = unbake_ctx_new(), *b = unbake_ctx_new();
        assert_non_null(a);
        assert_non_null(b);
        assert_ptr_not_equal(a, b);
        unbake_ctx_free(a);
        unbake_ctx_free(b);
    }
}

static void test_option_defaults(void **state)
{
    unbake_ctx *ctx = *state;
    assert_int_equal(unbake_ctx_get(ctx, UNBAKE_OPT_LOSSY), UNBAKE_LOSSY_FILL);
    assert_int_equal(unbake_ctx_get(ctx, UNBAKE_OPT_MIN_CONFIDENCE), 1000);
    assert_int_equal(unbake_ctx_get(ctx, UNBAKE_OPT_MAX_LAYERS), 4);
    assert_int_equal(unbake_ctx_get(ctx, UNBAKE_OPT_STRIP_BOM), 0);
    assert_int_equal(unbake_ctx_get(ctx, UNBAKE_OPT_BIAS), 0);
}

static void test_option_ranges(void **state)
{
    unbake_ctx *ctx = *state;
    static const struct {
        unbake_option_e opt;
        int lo, hi;
    } opts[] = {
        { UNBAKE_OPT_LOSSY, 0, 2 },
        { UNBAKE_OPT_MIN_CONFIDENCE, 0, 1000 },
        { UNBAKE_OPT_MAX_LAYERS, 1, 4 },
        { UNBAKE_OPT_STRIP_BOM, 0, 1 },
        { UNBAKE_OPT_BIAS, -200, 200 },
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        unbake_option_e o = opts[i].opt;
        int def = unbake_ctx_get(ctx, o);
        for (int v = opts[i].lo; v <= opts[i].hi; v += (opts[i].hi - opts[i].lo > 10 ? 37 : 1)) {
            assert_int_equal(unbake_ctx_set(ctx, o, v), UNBAKE_OK);
            assert_int_equal(unbake_ctx_get(ctx, o), v);
        }
        assert_int_equal(unbake_ctx_set(ctx, o, opts[i].hi), UNBAKE_OK);
        assert_int_equal(unbake_ctx_get(ctx, o), opts[i].hi);
        assert_int_equal(unbake_ctx_set(ctx, o, opts[i].lo), UNBAKE_OK);
        /* Out of range: refused, value kept. */
        const int bad[] = { opts[i].lo - 1, opts[i].hi + 1, INT_MIN, INT_MAX };
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            if (unbake_ctx_set(ctx, o, bad[b]) != UNBAKE_EINVAL)
                fail_msg("option %d accepted out-of-range value %d", (int)o, bad[b]);
            assert_int_equal(unbake_ctx_get(ctx, o), opts[i].lo);
        }
        assert_int_equal(unbake_ctx_set(ctx, o, def), UNBAKE_OK);
    }
    /* Unknown options. */
    static const int unknown[] = { 0, 6, 7, -1, 1000, INT_MAX };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_int_equal(unbake_ctx_set(ctx, (unbake_option_e)unknown[i], 0), UNBAKE_EINVAL);
        assert_int_equal(unbake_ctx_get(ctx, (unbake_option_e)unknown[i]), UNBAKE_EINVAL);
    }
    /* Options of separate contexts are independent. */
    unbake_ctx *other = unbake_ctx_new();
    assert_non_null(other);
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, 1), UNBAKE_OK);
    assert_int_equal(unbake_ctx_get(other, UNBAKE_OPT_MAX_LAYERS), 4);
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, 3), UNBAKE_OK);
    unbake_ctx_free(other);
}

static void dummy_report(void *user, const unbake_report *r)
{
    (void)r;
    ++*(int *)user;
}

static void test_stream_state(void **state)
{
    unbake_ctx *ctx = *state;
    struct tk_buf out = { 0 };
    int reports = 0;

    /* Out of order. */
    assert_int_equal(unbake_push(ctx, "abc", 3), UNBAKE_ESTATE);
    assert_int_equal(unbake_finish(ctx), UNBAKE_ESTATE);
    assert_int_equal(unbake_begin(ctx, NULL, NULL), UNBAKE_EINVAL);

    /* Options may change after begin, until the first push. */
    assert_int_equal(unbake_begin(ctx, collect, &out), UNBAKE_OK);
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, 2), UNBAKE_OK);
    assert_int_equal(unbake_push(ctx, "abc ", 4), UNBAKE_OK);
    /* While streaming: ESTATE, and nothing changes. */
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, 1), UNBAKE_ESTATE);
    assert_int_equal(unbake_ctx_get(ctx, UNBAKE_OPT_MAX_LAYERS), 2);
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_LOSSY, UNBAKE_LOSSY_MARK), UNBAKE_ESTATE);
    assert_int_equal(unbake_ctx_set_report(ctx, dummy_report, &reports), UNBAKE_ESTATE);
    assert_int_equal(unbake_push(ctx, "def", 3), UNBAKE_OK);
    assert_int_equal(unbake_push(ctx, "", 0), UNBAKE_OK);
    assert_true(unbake_finish(ctx) >= 0);
    assert_true(tk_eq(out.p, out.n, "abc def", 7));
    /* Finished: push and finish are out of order again, options free. */
    assert_int_equal(unbake_push(ctx, "x", 1), UNBAKE_ESTATE);
    assert_int_equal(unbake_finish(ctx), UNBAKE_ESTATE);
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, 3), UNBAKE_OK);
    assert_int_equal(unbake_ctx_set_report(ctx, dummy_report, &reports), UNBAKE_OK);
    assert_int_equal(unbake_ctx_set_report(ctx, NULL, NULL), UNBAKE_OK);

    /* begin discards an unfinished stream. */
    assert_int_equal(unbake_begin(ctx, collect, &out), UNBAKE_OK);
    out.n = 0;
    assert_int_equal(unbake_push(ctx, "lost", 4), UNBAKE_OK);
    struct tk_buf out2 = { 0 };
    tk_set(&out2, "", 0);
    assert_int_equal(unbake_begin(ctx, collect, &out2), UNBAKE_OK);
    assert_int_equal(unbake_push(ctx, "kept", 4), UNBAKE_OK);
    assert_true(unbake_finish(ctx) >= 0);
    assert_true(tk_eq(out2.p, out2.n, "kept", 4));

    /* fix_buffer resets a stream in progress. */
    assert_int_equal(unbake_begin(ctx, collect, &out), UNBAKE_OK);
    assert_int_equal(unbake_push(ctx, "zzz", 3), UNBAKE_OK);
    expect_same(ctx, "plain", 5, "fix_buffer after an unfinished stream");
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, 3), UNBAKE_OK);
    tk_free(&out);
    tk_free(&out2);
}

/* ------------------------------------------------------------------ */
/* Whole buffers                                                       */
/* ------------------------------------------------------------------ */

static void test_empty(void **state)
{
    unbake_ctx *ctx = *state;
    char *out = NULL;
    size_t on = 99;
    assert_int_equal(unbake_fix_buffer(ctx, "", 0, &out, &on), 0);
    assert_non_null(out);
    assert_int_equal(on, 0);
    assert_int_equal(out[0], '\0');
    free(out);

    /* An empty stream writes nothing and changes nothing. */
    struct tk_buf b = { 0 };
    tk_set(&b, "", 0);
    assert_int_equal(unbake_begin(ctx, collect, &b), UNBAKE_OK);
    assert_int_equal(unbake_finish(ctx), 0);
    assert_int_equal(b.n, 0);
    tk_free(&b);

    /* A NULL buffer with a length is an invalid argument. */
    out = (char *)1;
    long r = unbake_fix_buffer(ctx, NULL, 5, &out, &on);
    assert_int_equal(r, UNBAKE_EINVAL);
    assert_null(out);
}

/* Invalid UTF-8 of every kind, alone and among text. */
static const struct {
    const char *what;
    const char *bytes;
    size_t n;
} invalid[] = {
#define S(what, lit) { what, lit, sizeof lit - 1 }
    S("overlong '/'", "\xC0\xAF"),
    S("overlong NUL", "\xC0\x80"),
    S("overlong 3-byte", "\xE0\x80\xAF"),
    S("overlong 4-byte", "\xF0\x80\x80\xAF"),
    S("high surrogate", "\xED\xA0\x80"),
    S("low surrogate", "\xED\xBF\xBF"),
    S("CESU-8 pair", "\xED\xA0\xBD\xED\xB8\x8D"),
    S("beyond U+10FFFF", "\xF4\x90\x80\x80"),
    S("F5 lead", "\xF5\x80\x80\x80"),
    S("FE and FF bytes", "\xFF\xFF\xFE"),   /* not a UTF-16 BOM: FE FF or FF FE first would be */
    S("truncated 2-byte", "\xC3"),
    S("truncated 3-byte", "\xE2\x82"),
    S("truncated 4-byte", "\xF0\x9F\x98"),
    S("lone continuation", "\x80"),
    S("continuation run", "\x80\x81\xBF"),
    S("NUL", "\0"),
    S("NULs", "\0\0\0"),
#undef S
};

/*
 * Bytes that are not UTF-8 are legacy text to be decoded (issue 4: the
 * output is always valid UTF-8), so they need not come back as they were.
 * What must hold: no crash, valid UTF-8 out, the text around them kept,
 * and nothing replaced by U+FFFD (bad input loses nothing).  NUL is valid
 * UTF-8 and comes back as it is.
 */
static void expect_bad_bytes_decoded(unbake_ctx *ctx, const char *in, size_t n, const char *head,
                                     const char *tail, const char *what)
{
    size_t on, hn = strlen(head), tn = strlen(tail);
    char *out = fix_ok(ctx, in, n, &on, NULL);
    const char *why = NULL;
    if (!tk_utf8_valid(out, on))
        why = "output is not valid UTF-8";
    else if (on < hn + tn || memcmp(out, head, hn) || memcmp(out + on - tn, tail, tn))
        why = "the text around the bad bytes changed";
    else if (on == hn + tn)
        why = "the bad bytes were dropped";
    else if (memmem(out, on, "\xEF\xBF\xBD", 3))
        why = "the bad bytes became U+FFFD";
    if (why) {
        fprintf(stderr, "    %s: %s\n", what, why);
        print_input("input", in, n);
        print_input("got", out, on);
        free(out);
        fail_msg("%s: %s", what, why);
    }
    free(out);
}

static void test_invalid_utf8(void **state)
{
    unbake_ctx *ctx = *state;
    struct tk_buf in = { 0 };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        int nul = invalid[i].bytes[0] == '\0';
        /* Alone, after a word, and between lines of clean text. */
        tk_set(&in, invalid[i].bytes, invalid[i].n);
        if (nul)
            expect_same(ctx, in.p, in.n, invalid[i].what);
        else
            expect_bad_bytes_decoded(ctx, in.p, in.n, "", "", invalid[i].what);
        tk_set(&in, "text:", 5);
        tk_add(&in, invalid[i].bytes, invalid[i].n);
        if (nul)
            expect_same(ctx, in.p, in.n, invalid[i].what);
        else
            expect_bad_bytes_decoded(ctx, in.p, in.n, "text:", "", invalid[i].what);
        const char *head = "Caf\xC3\xA9 d\xC3\xA9j\xC3\xA0 vu, na\xC3\xAFve.\n<";
        const char *tail = ">\nEnd \xE2\x80\x94 \xC3\xBC\xC3\xA9.\n";
        tk_set(&in, head, strlen(head));
        tk_add(&in, invalid[i].bytes, invalid[i].n);
        tk_add(&in, tail, strlen(tail));
        if (nul)
            expect_same(ctx, in.p, in.n, invalid[i].what);
        else
            expect_bad_bytes_decoded(ctx, in.p, in.n, head, tail, invalid[i].what);
    }
    tk_free(&in);
}

/* Bytes right after a lossy repair that took the UTF-8 before them (one
 * run of characters): the repair is made and the bytes are still decoded. */
static void test_bytes_after_lossy_repair(void **state)
{
    unbake_ctx *ctx = *state;
    /* "Caf" + (U+00C3 U+FFFD) + ' ' + (U+00D0 U+FFFD U+00D1 E2 82) + "3" */
    static const char in[] = "Caf\xC3\x83\xEF\xBF\xBD \xC3\x90\xEF\xBF\xBD\xC3\x91\xE2\x82" "3";
    size_t on;
    long changed;
    char *out = fix_ok(ctx, in, sizeof in - 1, &on, &changed);
    if (!tk_utf8_valid(out, on) || changed < 2 || on < 4 || memcmp(out, "Caf", 3) ||
        out[on - 1] != '3') {
        print_input("input", in, sizeof in - 1);
        print_input("got", out, on);
        free(out);
        fail_msg("bytes after a lossy repair: not repaired and decoded");
    }
    free(out);
}

/* Bad bytes next to mojibake: the mojibake is still fixed. */
static void test_invalid_next_to_mojibake(void **state)
{
    unbake_ctx *ctx = *state;
    const char *moji = "Fran\xC3\x83\xC2\xA7" "ais, l'\xC3\x83\xC2\xA9t\xC3\x83\xC2\xA9 est d\xC3\x83\xC2\xA9j\xC3\x83\xC2\xA0 l\xC3\x83\xC2\xA0.\n<";
    const char *fixed = "Fran\xC3\xA7" "ais, l'\xC3\xA9t\xC3\xA9 est d\xC3\xA9j\xC3\xA0 l\xC3\xA0.\n<";
    struct tk_buf in = { 0 };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        tk_set(&in, moji, strlen(moji));
        tk_add(&in, invalid[i].bytes, invalid[i].n);
        tk_add(&in, ">\n", 2);
        if (invalid[i].bytes[0] == '\0') {
            struct tk_buf want = { 0 };
            tk_set(&want, fixed, strlen(fixed));
            tk_add(&want, invalid[i].bytes, invalid[i].n);
            tk_add(&want, ">\n", 2);
            expect_fix(ctx, in.p, in.n, want.p, want.n, invalid[i].what);
            tk_free(&want);
        } else {
            expect_bad_bytes_decoded(ctx, in.p, in.n, fixed, ">\n", invalid[i].what);
        }
    }
    tk_free(&in);
}

/*
 * A UTF-8 sequence cut short at the end or the start of a run of mojibake,
 * with no ASCII between them (a truncated or split file, a broken line):
 * the mojibake is still repaired, and the cut bytes decoded as any other
 * bad bytes.  (The whole run was once taken for legacy bytes: the Japanese
 * came out as windows-1251 mojibake of itself.)
 */
static void test_cut_sequence_beside_mojibake(void **state)
{
    unbake_ctx *ctx = *state;
    static const struct {
        const char *moji, *fixed;
    } text[] = {
        /* "アイテムを右クリック" through windows-1252 */
        { "\xC3\xA3\xE2\x80\x9A\xC2\xA2\xC3\xA3\xE2\x80\x9A\xC2\xA4\xC3\xA3\xC6\x92\xE2\x80\xA0"
          "\xC3\xA3\xC6\x92\xC2\xA0\xC3\xA3\xE2\x80\x9A\xE2\x80\x99\xC3\xA5\xC2\x8F\xC2\xB3"
          "\xC3\xA3\xE2\x80\x9A\xC2\xAF\xC3\xA3\xC6\x92\xC2\xAA\xC3\xA3\xC6\x92\xC6\x92"
          "\xC3\xA3\xE2\x80\x9A\xC2\xAF",
          "\xE3\x82\xA2\xE3\x82\xA4\xE3\x83\x86\xE3\x83\xA0\xE3\x82\x92\xE5\x8F\xB3\xE3\x82\xAF"
          "\xE3\x83\xAA\xE3\x83\x83\xE3\x82\xAF" },
        /* "été et café" */
        { "\xC3\x83\xC2\xA9t\xC3\x83\xC2\xA9 et caf\xC3\x83\xC2\xA9",
          "\xC3\xA9t\xC3\xA9 et caf\xC3\xA9" },
    };
    static const struct {
        const char *what, *bytes;
        int start;      /* cut at the start of the text, not its end */
    } cut[] = {
        { "truncated 2-byte", "\xC3", 0 },
        { "truncated 3-byte", "\xE2\x82", 0 },
        { "truncated 4-byte", "\xF0\x9F\x98", 0 },
        { "lone continuation", "\x80", 1 },
        { "continuation run", "\x80\x81\xBF", 1 },
    };
    struct tk_buf in = { 0 }, want = { 0 };
    for (size_t t = 0; t < sizeof text / sizeof text[0]; t++) {
        for (size_t c = 0; c < sizeof cut / sizeof cut[0]; c++) {
            tk_set(&in, "", 0);
            if (cut[c].start)
                tk_add(&in, cut[c].bytes, strlen(cut[c].bytes));
            tk_add(&in, text[t].moji, strlen(text[t].moji));
            if (!cut[c].start)
                tk_add(&in, cut[c].bytes, strlen(cut[c].bytes));
            tk_add(&in, "\n", 1);
            if (cut[c].start) {
                tk_set(&want, text[t].fixed, strlen(text[t].fixed));
                tk_add(&want, "\n", 1);
                expect_bad_bytes_decoded(ctx, in.p, in.n, "", want.p, cut[c].what);
            } else {
                expect_bad_bytes_decoded(ctx, in.p, in.n, text[t].fixed, "\n", cut[c].what);
            }
        }
    }
    /* ...and legacy bytes that begin with what UTF-8 takes for a cut
     * sequence are still read whole: IBM866 "\u043D\u044F\u043C\u0430"
     * is AD EF AC A0, a continuation byte and U+FB20 */
    static const char legacy[] = "\xD0\x93\xD0\xBB\xD0\xB0\xD0\xB2\xD0\xB0 \xD0\xB8\xD0\xBC\xD0\xB0, "
                                 "\xD0\xBD\xD1\x8F\xD0\xBC\xD0\xB0 \xAD\xEF\xAC\xA0.\n";
    static const char legacy_fixed[] = "\xD0\x93\xD0\xBB\xD0\xB0\xD0\xB2\xD0\xB0 \xD0\xB8\xD0\xBC\xD0\xB0, "
                                       "\xD0\xBD\xD1\x8F\xD0\xBC\xD0\xB0 \xD0\xBD\xD1\x8F\xD0\xBC\xD0\xB0.\n";
    expect_fix(ctx, legacy, sizeof legacy - 1, legacy_fixed, sizeof legacy_fixed - 1,
               "legacy word cut as UTF-8");
    tk_free(&in);
    tk_free(&want);
}

static void test_clean_samples(void **state)
{
    unbake_ctx *ctx = *state;
    /* Clean text that looks a little like mojibake, or is unusual. */
    static const char *const clean[] = {
        "plain ASCII\n",
        "\xEF\xBB\xBF" "BOM then text\n",
        "CONCEI\xC3\x87\xC3\x83O E A\xC3\x87\xC3\x83O S\xC3\x83O PALAVRAS MAI\xC3\x9A" "SCULAS\n",
        "\xC3\x80 L'\xC3\x89" "COLE, \xC3\x87" "A VA, NO\xC3\x8BL, \xC3\x8ELE\n",
        "\xE2\x88\x80x \xE2\x88\x88 \xE2\x84\x9D: x\xC2\xB2 \xE2\x89\xA5 0, \xC2\xB1\xE2\x88\x9E, \xE2\x82\xAC 5, \xC2\xA3 3, \xC2\xA5 9\n",
        "\xE2\x94\x8C\xE2\x94\x80\xE2\x94\x90\n\xE2\x94\x82 \xE2\x94\x82\n\xE2\x94\x94\xE2\x94\x80\xE2\x94\x98\n",
        "Mixed: \xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0, \xCE\x91\xCE\xB8\xCE\xAE\xCE\xBD\xCE\xB1, \xE6\x9D\xB1\xE4\xBA\xAC, \xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D\n",
        "\xC3\x83 is A with a tilde, \xC2\xA9 is copyright\n",
        "emoji \xF0\x9F\x98\x80\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xE2\x9D\xA4\xEF\xB8\x8F\n",
        "\xC2\xA0\xC2\xA0 indented with NBSP\n",
        /* letters that ISO-8859-3 reads as a continuation byte alone, in
         * the words they belong to ("\u0131", "\u015F", "\u011F",
         * "\u017C"): they read well there */
        "Bu klavuz, bilgisayar\xC4\xB1n\xC4\xB1z\xC4\xB1 a\xC5\x9F\xC4\xB1r\xC4\xB1 "
        "s\xC4\xB1" "cakl\xC4\xB1ktan korur; ayr\xC4\xB1" "ca do\xC4\x9Fru kapat\xC4\xB1n.\n",
        "Te\xC5\xBC ju\xC5\xBC mo\xC5\xBC" "e by\xC4\x87 inaczej.\n",
        /* words of one language's letters, whose repairs would not be */
        "H\xC3\x85\xC3\x98YA ER BL\xC3\x85\xC3\x98YD\n",
        "SELK\xC3\x84\xC2\xA0" "EDELL\xC3\x84\xC2\xA0MAAHAN\n",
        "\xC3\x94\xC3\xB4\xC3\xB4 VIDA MINHA\n",
        /* words the lexicon knows, which the repair would make into none
         * it knows, where one alphabet (Vietnamese) writes both:
         * "MUNC\u0102\u2122" is not "MUNC\u00D9" */
        "MUNC\xC4\x82\xE2\x84\xA2\n",
        "LIMB\xC4\x82\xE2\x84\xA2\n",
        /* a charset table's row (latin1(7)): a letter alone, which a
         * lossy repair would make a Cyrillic "s" the line has no other
         * Cyrillic for */
        "321\t209\tD1\t\xC3\x91\tLATIN CAPITAL LETTER N WITH TILDE\n",
        /* Latin-1 symbols next to letters, which a continuation alone
         * under ISO-8859-3 or -8 would be */
        "12 m\xC2\xB2 at 30 \xC2\xB0" "C, \xC2\xACp \xE2\x88\xA8 q, 5\xC2\xA2 each\n",
        /* line art, the same pair kept where it reads as line art */
        "\xE2\x94\x9C\xE2\x94\xA4" "a\xE2\x94\xBC\xE2\x94\x90" "a\xE2\x94\xBC\xE2\x94\x90"
        "a\xE2\x94\xBC\xE2\x94\x90" "a\xE2\x94\xBC\xE2\x94\x90" "a\n",
        /* a Chinese or Korean character alone, which GBK or EUC-KR
         * reads as UTF-8's "\u016E" or "\u00E2" */
        "% \xE5\xA5\xB3\n",
        "    <title type=\"link\" role=\"trail\">\xEC\xB0\xBD</title>\n",
        /* Latin-1 punctuation right after a question mark */
        "Why?\xC2\xBFQu\xC3\xA9 pasa? \xC2\xBFS\xC3\xAD?\xC2\xA1No!\n",
        /* a C1 control alone */
        "intentional \xC2\x81\n",
        /* a table of characters in a converter's source: C1 controls in
         * order, then the Latin-1 supplement */
        "    \"chars\": \"\xC2\x80\xC2\x81\xC2\x82\xC2\x83\xC2\x84\xC2\x85\xC2\x86\xC2\x87"
        "\xC2\x88\xC2\x89\xC2\x8A\xC2\x8B\xC2\x8C\xC2\x8D\xC2\x8E\xC2\x8F\xC2\xA0\xC2\xA1"
        "\xC2\xA2\xC2\xA3\xC2\xA4\xC2\xA5\xC2\xA6\xC2\xA7\xC2\xA8\xC2\xA9\",\n",
    };
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++)
        expect_same(ctx, clean[i], strlen(clean[i]), "clean text must come back unchanged");
}

/*
 * A text that has shown itself to be clean UTF-8: a lead alone that reads
 * badly is a rare letter written right there, not a letter that lost a
 * byte.  The same lines after mojibake are weighed as before.
 */
static void test_clean_history(void **state)
{
    unbake_ctx *ctx = *state;
    /* rows of a charset table (latin2(7)), each a letter alone */
    static const char table[] =
        "264\t180\tB4\t\xC2\xB4\tACUTE ACCENT\n"
        "265\t181\tB5\t\xC4\xBE\tLATIN SMALL LETTER L WITH CARON\n"
        "266\t182\tB6\t\xC5\x9B\tLATIN SMALL LETTER S WITH ACUTE\n"
        "267\t183\tB7\t\xCB\x87\tCARON\n"
        "270\t184\tB8\t\xC2\xB8\tCEDILLA\n"
        "271\t185\tB9\t\xC5\xA1\tLATIN SMALL LETTER S WITH CARON\n"
        "272\t186\tBA\t\xC5\x9F\tLATIN SMALL LETTER S WITH CEDILLA\n"
        "273\t187\tBB\t\xC5\xA5\tLATIN SMALL LETTER T WITH CARON\n"
        "300\t192\tC0\t\xC5\x94\tLATIN CAPITAL LETTER R WITH ACUTE\n"
        "301\t193\tC1\t\xC3\x81\tLATIN CAPITAL LETTER A WITH ACUTE\n";
    /* alone, each reads as a letter that lost its last byte ("\u0150"
     * through windows-1250, "\u00E5" through windows-1257) */
    static const char rare[] =
        "305\t197\tC5\t\xC4\xB9\tLATIN CAPITAL LETTER L WITH ACUTE\n"
        "and comment for \xC4\x86 and \xC4\x87 (c with acute accent).\n";
    static const char moji[] = "caf\xC3\x83\xC2\xA9 cr\xC3\x83\xC2\xA8me, d\xC3\x83\xC2\xA9j\xC3\x83\xC2\xA0\n";
    static const char fixed[] = "caf\xC3\xA9 cr\xC3\xA8me, d\xC3\xA9j\xC3\xA0\n";
    /* weak evidence of its own: a lead alone before a space */
    static const char weak[] = "Eu vou \xC3\x83 praia hoje.\n";
    static const char weak_fixed[] = "Eu vou \xC3\xA0 praia hoje.\n";
    /* comments of a locale (lzh_TW), then a character alone that GBK
     * reads as UTF-8's "\u016E" (C5 AE): a repair that scores little
     * needs more in a clean text */
    static const char locale[] =
        "% \xE9\x80\xB1\xE6\x97\xA5, \xE9\x80\xB1\xE4\xB8\x80, \xE9\x80\xB1\xE4\xBA\x8C\n"
        "% \xE6\x97\xA5, \xE4\xB8\x80, \xE4\xBA\x8C, \xE4\xB8\x89, \xE5\x9B\x9B\n"
        "% %OC%Oy\xE5\xB9\xB4%B%Od\xE6\x97\xA5 (%A) %OH\xE6\x99\x82%OM\xE5\x88\x86\n"
        "% %OC%Oy\xE5\xB9\xB4%B%Od\xE6\x97\xA5\n"
        "% %OH\xE6\x99\x82%OM\xE5\x88\x86%OS\xE7\xA7\x92\n"
        "% \xE6\x9C\x9D, \xE6\x9A\xAE\n"
        "%  \xE4\xB8\x80 ,  \xE4\xBA\x8C ,  \xE4\xB8\x89 ,  \xE5\x9B\x9B\n"
        "% \xE5\x8D\x81\xE4\xB8\x80\xE6\x9C\x88, \xE5\x8D\x81\xE4\xBA\x8C\xE6\x9C\x88\n"
        "% \xE5\xA5\xB3\n";
    struct tk_buf in = { 0 }, want = { 0 };
    tk_set(&in, table, strlen(table));
    tk_add(&in, rare, strlen(rare));
    expect_same(ctx, in.p, in.n, "rare letters after clean lines must come back unchanged");
    expect_same(ctx, locale, strlen(locale), "a character alone after clean lines must stay");
    /* the same text after mojibake: repaired, and weak evidence counts */
    tk_set(&in, moji, strlen(moji));
    tk_add(&in, moji, strlen(moji));
    tk_add(&in, table, strlen(table));
    tk_add(&in, weak, strlen(weak));
    tk_set(&want, fixed, strlen(fixed));
    tk_add(&want, fixed, strlen(fixed));
    tk_add(&want, table, strlen(table));
    tk_add(&want, weak_fixed, strlen(weak_fixed));
    expect_fix(ctx, in.p, in.n, want.p, want.n, "weak evidence after repairs must still count");
    /* mojibake after a long clean text: once a line of it is repaired,
     * the weak spots of the next lines count again ("l\u00E2interrupteur",
     * its 0x80 0x99 stripped) */
    static const char para[] = "Le d\xC3\x83\xC2\xA9lai entre le moment o\xC3\x83\xC2\xB9 une touche "
                               "est press\xC3\x83\xC2\xA9" "e.\n"
                               "Activez les Touches lentes en basculant l\xC3\xA2interrupteur.\n";
    static const char para_fixed[] = "Le d\xC3\xA9lai entre le moment o\xC3\xB9 une touche est "
                                     "press\xC3\xA9" "e.\n"
                                     "Activez les Touches lentes en basculant "
                                     "l\xE2\x80\x99interrupteur.\n";
    tk_set(&in, table, strlen(table));
    tk_add(&in, table, strlen(table));
    tk_set(&want, in.p, in.n);
    tk_add(&in, para, strlen(para));
    tk_add(&want, para_fixed, strlen(para_fixed));
    expect_fix(ctx, in.p, in.n, want.p, want.n, "mojibake after a clean text: weak spots count");
    tk_free(&in);
    tk_free(&want);
}

/*
 * Runs a lossy search takes together: a reading of them all that loses
 * nothing competes with one that keeps some characters.  Greek through
 * windows-1252: windows-1254 reads the same bytes but for 0x8E, whose
 * "\u017D" it cannot encode (the "\u03CE" of "\u03B1\u03B9\u03CE\u03C1\u03B7\u03C3\u03B7").
 */
static void test_span_lossless(void **state)
{
    unbake_ctx *ctx = *state;
    /* "\u03B7 \u03B1\u03B9\u03CE\u03C1\u03B7\u03C3\u03B7 \u03C4\u03BF\u03C5", 0x81 kept as U+0081 */
    static const char in[] = "\xC3\x8E\xC2\xB7 \xC3\x8E\xC2\xB1\xC3\x8E\xC2\xB9\xC3\x8F\xC5\xBD"
                             "\xC3\x8F\xC2\x81\xC3\x8E\xC2\xB7\xC3\x8F\xC6\x92\xC3\x8E\xC2\xB7 "
                             "\xC3\x8F\xE2\x80\x9E\xC3\x8E\xC2\xBF\xC3\x8F\xE2\x80\xA6\n";
    static const char want[] = "\xCE\xB7 \xCE\xB1\xCE\xB9\xCF\x8E\xCF\x81\xCE\xB7\xCF\x83\xCE\xB7 "
                               "\xCF\x84\xCE\xBF\xCF\x85\n";
    expect_fix(ctx, in, sizeof in - 1, want, sizeof want - 1,
               "a span read whole must beat a reading that keeps characters");
}

/* Repairs next to the clean samples above that look alike. */
static void test_lookalike_repairs(void **state)
{
    unbake_ctx *ctx = *state;
    static const struct {
        const char *in, *want;
    } fix[] = {
        /* capitals and a trademark sign: mojibake of French (peer suite) */
        { "O\xC3\x83\xE2\x84\xA2 ET QUAND?\n", "O\xC3\x99 ET QUAND?\n" },
        /* a C1 control alone, read as windows-1252 (punctuation, a
         * currency sign) or IBM437 (a letter inside a word) */
        { "It\xC2\x92s fine\n", "It\xE2\x80\x99s fine\n" },
        { "costs 20\xC2\x80 now\n", "costs 20\xE2\x82\xAC now\n" },
        /* a '?' for the lead ISO-8859-3 lacks (0xC3), then the
         * continuation, a letter there ("\u0135" for 0xBC) */
        { "Eine Reihe solcher Anwendungen ist verf?\xC4\xB5gbar.\n",
          "Eine Reihe solcher Anwendungen ist verf\xC3\xBCgbar.\n" },
        /* a word of one letter through GBK: "\u8305" for "\u00E9" */
        { "Ele \xE8\x8C\x85 bom\n", "Ele \xC3\xA9 bom\n" },
        { "Gr\xC2\x81n\n", "Gr\xC3\xBCn\n" },
        /* German through ISO-8859-8, which has no 0xC3: a Latin-1 symbol
         * alone at the end of a word too ("Men\u00BC") */
        { "Das Men\xC2\xBC \xC2\xB6" "ffnet sich \xC2\xBC" "ber die Schaltfl\xC2\xA4" "che oben "
          "rechts, w\xC2\xA4hlen Sie dort.\n",
          "Das Men\xC3\xBC \xC3\xB6" "ffnet sich \xC3\xBC" "ber die Schaltfl\xC3\xA4" "che oben "
          "rechts, w\xC3\xA4hlen Sie dort.\n" },
        /* French in capitals through windows-1253, which lacks 0x88: the
         * word the lexicon knows, weighed in small letters */
        { "\xCE\x93\xE2\x80\xB0TAT DE LA M\xCE\x93\xE2\x80\xB0MOIRE : LE SYST\xCE\x93ME A "
          "D\xCE\x93\xE2\x80\xB0TECT\xCE\x93\xE2\x80\xB0 UNE ERREUR.\n",
          "\xC3\x89TAT DE LA M\xC3\x89MOIRE : LE SYST\xC3\x88ME A D\xC3\x89TECT\xC3\x89 UNE ERREUR.\n" },
        /* French through ISO-8859-8, whose reading of "\u00A9" with its
         * lead restored comes after three cheaper codecs' */
        { "Apr\xC2\xA8s avoir sauvegard\xC2\xA9 vos documents, assurez-vous que la "
          "sauvegarde est r\xC2\xA9ussie.\n",
          "Apr\xC3\xA8s avoir sauvegard\xC3\xA9 vos documents, assurez-vous que la "
          "sauvegarde est r\xC3\xA9ussie.\n" },
        /* French through ISO-8859-3, its 0xC3 dropped: a letter alone
         * after a letter, inside a word or at its end ("\u0130" for
         * 0xA9, "\u0131" for 0xB9) */
        { "un d\xC4\xB0lai entre le moment o\xC4\xB1 une touche est press\xC4\xB0" "e et "
          "celui o\xC4\xB1 la lettre\n",
          "un d\xC3\xA9lai entre le moment o\xC3\xB9 une touche est press\xC3\xA9" "e et "
          "celui o\xC3\xB9 la lettre\n" },
        /* a continuation alone inside a word: Swedish through
         * ISO-8859-3, which has no 0xC3 (its 0xA5 too: "ngon" is lost) */
        { "Om du inte ser ngon hj\xC2\xA4lpmedelsmeny s kan du aktivera den frn "
          "inst\xC2\xA4llningspanelen.\n",
          "Om du inte ser ngon hj\xC3\xA4lpmedelsmeny s kan du aktivera den frn "
          "inst\xC3\xA4llningspanelen.\n" },
    };
    for (size_t i = 0; i < sizeof fix / sizeof fix[0]; i++)
        expect_fix(ctx, fix[i].in, strlen(fix[i].in), fix[i].want, strlen(fix[i].want),
                   "look-alike of clean text must be repaired");
}

/* ------------------------------------------------------------------ */
/* Reports                                                             */
/* ------------------------------------------------------------------ */

struct rec {
    uint64_t in_off, out_off;
    size_t in_len, out_len;
    struct tk_buf in, out;
    int layers, roundtrip_ok;
    double score;
    size_t n_gaps;
    int gaps_ok;
    int hyp_ok;
};

struct recs {
    struct rec v[64];
    int n;
};

static void record(void *user, const unbake_report *r)
{
    struct recs *rs = user;
    if (rs->n == 64)
        return;
    struct rec *x = &rs->v[rs->n++];
    memset(x, 0, sizeof *x);
    x->in_off = r->in_offset;
    x->out_off = r->out_offset;
    x->in_len = r->in_len;
    x->out_len = r->out_len;
    tk_set(&x->in, r->in, r->in_len);
    tk_set(&x->out, r->out, r->out_len);
    x->layers = r->layers;
    x->roundtrip_ok = r->roundtrip_ok;
    x->score = r->score;
    x->n_gaps = r->n_gaps;
    x->hyp_ok = r->hypothesis && strlen(r->hypothesis) > 0;
    x->gaps_ok = 1;
    for (size_t g = 0; g < r->n_gaps; g++) {
        const unbake_gap *gp = &r->gaps[g];
        if (gp->out_offset < r->out_offset || gp->out_offset > r->out_offset + r->out_len ||
            gp->n_alternatives < 1 || !gp->alternatives || !gp->alternatives[0].text)
            x->gaps_ok = 0;
    }
}

static void free_recs(struct recs *rs)
{
    for (int i = 0; i < rs->n; i++) {
        tk_free(&rs->v[i].in);
        tk_free(&rs->v[i].out);
    }
    rs->n = 0;
}

/* Every report indexes the real input and output; between reports the
 * input is copied unchanged. */
static void check_reports(const struct recs *rs, long changed, const char *in, size_t n,
                          const char *out, size_t on)
{
    assert_int_equal(rs->n, changed);
    uint64_t in_end = 0, out_end = 0;
    for (int i = 0; i < rs->n; i++) {
        const struct rec *x = &rs->v[i];
        assert_true(x->in_off >= in_end);
        assert_true(x->out_off >= out_end);
        assert_true(x->in_off + x->in_len <= n);
        assert_true(x->out_off + x->out_len <= on);
        assert_memory_equal(in + x->in_off, x->in.p, x->in_len);
        assert_memory_equal(out + x->out_off, x->out.p, x->out_len);
        /* The unchanged stretch before this run. */
        assert_int_equal(x->in_off - in_end, x->out_off - out_end);
        assert_memory_equal(in + in_end, out + out_end, (size_t)(x->in_off - in_end));
        assert_true(x->layers >= 1 && x->layers <= 3);
        assert_int_equal(x->roundtrip_ok, 1);
        assert_true(x->score > 0);
        assert_true(x->hyp_ok);
        assert_true(x->gaps_ok);
        in_end = x->in_off + x->in_len;
        out_end = x->out_off + x->out_len;
    }
    assert_int_equal(n - in_end, on - out_end);
    assert_memory_equal(in + in_end, out + out_end, (size_t)(n - in_end));
}

static const char report_in[] =
    "Plain ASCII line.\n"
    "Fran\xC3\x83\xC2\xA7" "ais, l'\xC3\x83\xC2\xA9t\xC3\x83\xC2\xA9 et na\xC3\x83\xC2\xAF" "ve.\n"
    "Caf\xC3\xA9 d\xC3\xA9j\xC3\xA0 vu \xE2\x80\x94 clean.\n"
    "\xD0\xA0\xC2\xA0\xD0\xA1\xD1\x93\xD0\xA1\xD0\x83\xD0\xA1\xD0\x83\xD0\xA0\xD1\x94\xD0\xA0\xD1\x91\xD0\xA0\xE2\x84\x96 "
    "\xD0\xA1\xD0\x8F\xD0\xA0\xC2\xB7\xD0\xA1\xE2\x80\xB9\xD0\xA0\xD1\x94 end\n";
static const char report_want[] =
    "Plain ASCII line.\n"
    "Fran\xC3\xA7" "ais, l'\xC3\xA9t\xC3\xA9 et na\xC3\xAF" "ve.\n"
    "Caf\xC3\xA9 d\xC3\xA9j\xC3\xA0 vu \xE2\x80\x94 clean.\n"
    "\xD0\xA0\xD1\x83\xD1\x81\xD1\x81\xD0\xBA\xD0\xB8\xD0\xB9 \xD1\x8F\xD0\xB7\xD1\x8B\xD0\xBA end\n";

static void test_reports_buffer(void **state)
{
    unbake_ctx *ctx = *state;
    struct recs rs = { .n = 0 };
    assert_int_equal(unbake_ctx_set_report(ctx, record, &rs), UNBAKE_OK);
    size_t on;
    long changed;
    char *out = fix_ok(ctx, report_in, sizeof report_in - 1, &on, &changed);
    if (!tk_eq(out, on, report_want, sizeof report_want - 1)) {
        print_input("input", report_in, sizeof report_in - 1);
        print_input("got", out, on);
        fail_msg("cp1252 and cp1251 mojibake beside clean text not repaired");
    }
    assert_true(changed >= 2);
    check_reports(&rs, changed, report_in, sizeof report_in - 1, out, on);
    for (int i = 0; i < rs.n; i++)
        assert_int_equal(rs.v[i].n_gaps, 0);   /* all lossless */
    free(out);
    free_recs(&rs);

    /* Clean input: no report at all. */
    out = fix_ok(ctx, report_want, sizeof report_want - 1, &on, &changed);
    assert_int_equal(changed, 0);
    assert_int_equal(rs.n, 0);
    free(out);

    /* Removed: no more calls. */
    assert_int_equal(unbake_ctx_set_report(ctx, NULL, NULL), UNBAKE_OK);
    out = fix_ok(ctx, report_in, sizeof report_in - 1, &on, &changed);
    assert_int_equal(rs.n, 0);
    free(out);
}

static void test_reports_stream(void **state)
{
    unbake_ctx *ctx = *state;
    struct recs rs = { .n = 0 };
    struct tk_buf in = { 0 }, out = { 0 };
    /* The text three times: offsets must count from the stream's start. */
    for (int i = 0; i < 3; i++)
        tk_add(&in, report_in, sizeof report_in - 1);
    assert_int_equal(unbake_ctx_set_report(ctx, record, &rs), UNBAKE_OK);
    for (uint32_t max = 1; max <= 4096; max *= 8) {
        uint64_t rng = 42 + max;
        long changed = stream_chunks(ctx, in.p, in.n, &rng, max, &out);
        assert_true(changed >= 6);
        check_reports(&rs, changed, in.p, in.n, out.p, out.n);
        free_recs(&rs);
    }
    assert_int_equal(unbake_ctx_set_report(ctx, NULL, NULL), UNBAKE_OK);
    tk_free(&in);
    tk_free(&out);
}

/* ------------------------------------------------------------------ */
/* Loss reports: U+FFFD kept as a total loss                           */
/* ------------------------------------------------------------------ */

#define MAX_LOSSES 16

struct losses {
    int n;
    uint64_t in_off[MAX_LOSSES], out_off[MAX_LOSSES];
    char first[MAX_LOSSES][8];          /* the most probable alternative */
    int probs_ok;
};

static void record_loss(void *user, const unbake_loss *l)
{
    struct losses *ls = user;
    double sum = 0, prev = 1;
    for (size_t a = 0; a < l->n_alternatives; a++) {
        double p = l->alternatives[a].probability;
        ls->probs_ok &= p > 0 && p <= prev + 1e-9;
        prev = p;
        sum += p;
    }
    ls->probs_ok &= sum <= 1.0 + 1e-6 && l->n_alternatives <= 8 && l->codec && *l->codec;
    if (ls->n < MAX_LOSSES) {
        ls->in_off[ls->n] = l->in_offset;
        ls->out_off[ls->n] = l->out_offset;
        snprintf(ls->first[ls->n], sizeof ls->first[0], "%s",
                 l->n_alternatives ? l->alternatives[0].text : "");
    }
    ls->n++;
}

/* Legacy text decoded as UTF-8 with replacement, next to a lossy repair
 * whose own U+FFFD is explained (filled), and clean text. */
static const char loss_in[] =
    "Espa\xEF\xBF\xBD" "a es un pa\xEF\xBF\xBD" "s.\n"
    "Plain line.\n"
    "\xEF\xBF\xBD\n";

static void test_loss_reports(void **state)
{
    unbake_ctx *ctx = *state;
    struct losses ls = { .n = 0, .probs_ok = 1 };
    assert_int_equal(unbake_ctx_set_loss_report(ctx, record_loss, &ls), UNBAKE_OK);
    size_t on;
    long changed;
    char *out = fix_ok(ctx, loss_in, sizeof loss_in - 1, &on, &changed);
    /* nothing is changed, every U+FFFD is reported where it stands */
    assert_true(tk_eq(out, on, loss_in, sizeof loss_in - 1));
    assert_int_equal(changed, 0);
    assert_int_equal(ls.n, 3);
    assert_true(ls.probs_ok);
    static const uint64_t want[] = { 4, 17, 35 };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ls.in_off[i], want[i]);
        assert_int_equal(ls.out_off[i], want[i]);
        assert_memory_equal(out + want[i], "\xEF\xBF\xBD", 3);
    }
    /* a letter between letters: the guess is a letter, and for "Espa?a"
     * the model knows the word */
    assert_string_equal(ls.first[0], "\xC3\xB1");

    /* the same in chunks of every size: the same offsets */
    for (uint32_t max = 1; max <= 64; max *= 4) {
        struct tk_buf o = { 0 };
        uint64_t rng = 7 + max;
        ls.n = 0;
        stream_chunks(ctx, loss_in, sizeof loss_in - 1, &rng, max, &o);
        assert_int_equal(ls.n, 3);
        for (int i = 0; i < 3; i++)
            assert_int_equal(ls.in_off[i], want[i]);
        tk_free(&o);
    }

    /* a U+FFFD that a repair explains is not a total loss */
    static const char lossy[] = "Fran\xC3\x83\xC2\xA7" "ais, l'\xC3\x83\xEF\xBF\xBDt\xC3\x83\xC2\xA9.\n";
    ls.n = 0;
    free(out);
    out = fix_ok(ctx, lossy, sizeof lossy - 1, &on, &changed);
    assert_true(changed >= 1);
    assert_null(memmem(out, on, "\xEF\xBF\xBD", 3));
    assert_int_equal(ls.n, 0);

    /* removed: no more calls */
    assert_int_equal(unbake_ctx_set_loss_report(ctx, NULL, NULL), UNBAKE_OK);
    ls.n = 0;
    free(out);
    out = fix_ok(ctx, loss_in, sizeof loss_in - 1, &on, &changed);
    assert_int_equal(ls.n, 0);
    free(out);
}

/* ------------------------------------------------------------------ */
/* Write callback failure                                              */
/* ------------------------------------------------------------------ */

static int refuse(void *user, const char *data, size_t len)
{
    (void)data;
    (void)len;
    ++*(int *)user;
    return 1;
}

/* UTF-8 garbled twice by a decoder that drops what it cannot read (here
 * ISO-8859-1 with its C1 controls stripped): most characters lost a byte
 * in each layer, and the whole line comes back. */
static void test_lossy_twice(void **state)
{
    unbake_ctx *ctx = *state;
    static const char in[] = "\xC3\x83\xC3\x82\xC2\xA3\xC3\x83\xC3\x82\xC2\xB2\xC3\x83\xC3\x82"
                             "\xC2\xB5\xC3\x83\xC3\x82\xC2\xBB\xC3\x83\xC3\x82\xC2\xB8\xC3\x83"
                             "\xC3\x83\xC3\x82\xC2\xB5\xC3\x83\xC3\x82\xC2\xBD\xC3\x83\xC3\x82"
                             "\xC2\xB8\xC3\x83\xC3\x82\xC2\xB5 \xC3\x83\xC3\x83\xC3\x82\xC2\xBA"
                             "\xC3\x83\xC3\x82\xC2\xBE\xC3\x83\xC3\x83\xC3\x82\xC2\xBE\xC3\x83"
                             "\xC3\x83\xC3\x83\xC3\x82\xC2\xB8\n";
    static const char want[] = "\xD0\xA3\xD0\xB2\xD0\xB5\xD0\xBB\xD0\xB8\xD1\x87\xD0\xB5\xD0\xBD"
                               "\xD0\xB8\xD0\xB5 \xD1\x81\xD0\xBA\xD0\xBE\xD1\x80\xD0\xBE\xD1\x81"
                               "\xD1\x82\xD0\xB8\n";
    expect_fix(ctx, in, sizeof in - 1, want, sizeof want - 1,
               "Russian through ISO-8859-1 twice, C1 controls dropped");
}

/* Latin text garbled twice by decoders that drop what they cannot read:
 * a letter that lost a byte in each layer ("\u00C3" alone) may be any of
 * hundreds, and the model's choice at the gap ("vyp\u00EDna\u0142",
 * "konu\u010Dan") gives way to the word the lexicon knows, whose letter
 * the outer layer left the same way ("\u010D" is C4 8D, read as "\u00C4"
 * and then as "\u00C3"; "\u015F" is C5 9F). */
static void test_lossy_twice_latin(void **state)
{
    unbake_ctx *ctx = *state;
    static const struct {
        const char *in, *want, *why;
    } fix[] = {
        { "V prav\xC3\x83\xC3\x82\xC2\xA9m horn\xC3\x83\xC3\x82\xC2\xADm rohu okna Volby p\xC3\x83"
          "ibl\xC3\x83\xC3\x82\xC2\xAD\xC3\x83\xC3\x82\xC2\xBE" "en\xC3\x83\xC3\x82\xC2\xAD p\xC3\x83"
          "epn\xC3\x83te vyp\xC3\x83\xC3\x82\xC2\xADna\xC3\x83 P\xC3\x83ibl\xC3\x83\xC3\x82\xC2\xAD"
          "\xC3\x83\xC3\x82\xC2\xBEit do polohy zapnuto.\n",
          "V prav\xC3\xA9m horn\xC3\xADm rohu okna Volby p\xC5\x99ibl\xC3\xAD\xC5\xBE" "en\xC3\xAD p"
          "\xC5\x99" "epn\xC4\x9Bte vyp\xC3\xADna\xC4\x8D P\xC5\x99ibl\xC3\xAD\xC5\xBEit do polohy "
          "zapnuto.\n",
          "Czech through ISO-8859-1 twice, C1 controls dropped" },
        /* (a run that one layer of another codec reads as a letter,
         * "\u00C4\u0161" as "\u013A" through ISO-8859-10, is weighed as the
         * line's two layers too: "\u0139" is the lead of "\u0159" that lost
         * its 0x99) */
        { "M\xC3\x84\xC5\xA1\xC4\xB9\xC5\xA5\xC3\x84\xC5\xA1\xC4\xB9\xC5\xBE" "ete m\xC4\x82nit \xC3"
          "\x84\xC4\xB9rove\xC3\x84\xC5\xA1 p\xC3\x84\xC5\xA1ibl\xC3\x84\xC3\x82\xC2\xAD\xC3\x84\xC5"
          "\xA1\xC4\xB9\xC5\xBE" "en\xC3\x84\xC3\x82\xC2\xAD.\n",
          "M\xC5\xAF\xC5\xBE" "ete m\xC4\x9Bnit \xC3\xBArove\xC5\x88 p\xC5\x99ibl\xC3\xAD\xC5\xBE"
          "en\xC3\xAD.\n",
          "Czech through ISO-8859-2 twice, C1 controls dropped" },
        /* (and the inner layer of a run one layer undoes whole, lent by the
         * line's repairs of text garbled twice, is searched under their
         * codec first: "\u0102\u02D8" is "\u00E2", which is "\u2019" with
         * both of its C1 bytes stripped under ISO-8859-2 again) */
        { "Si cela n\xC4\x82\xCB\x98" "a pas fonctionn\xC3\x84\xC4\xB9\xC2\xA0 correctement.\n",
          "Si cela n\xE2\x80\x99" "a pas fonctionn\xC3\xA9 correctement.\n",
          "French through ISO-8859-2 twice, C1 controls dropped" },
        /* (and the line before lends it, where a line has no such repair of
         * its own: "l\u00C3\u00A2interrupteur" alone reads as
         * "l\u00E2interrupteur", one layer of windows-1252) */
        { "Si cela n\xC3\x83\xC2\xA2" "a pas fonctionn\xC3\x83\xC3\x82\xC2\xA9 correctement.\nActivez"
          " les Touches lentes en basculant l\xC3\x83\xC2\xA2interrupteur.\n",
          "Si cela n\xE2\x80\x99" "a pas fonctionn\xC3\xA9 correctement.\nActivez les Touches lentes"
          " en basculant l\xE2\x80\x99interrupteur.\n",
          "French through ISO-8859-1 twice, a line of one run after one of many" },
        /* (a run of two-byte leads alone inside a word of small letters,
         * each intermediate character's continuation dropped, with no pair
         * to show for it: "\u00E1" (C3 A1) is "\u0102\u0104" (C4 82 C4 84)
         * through ISO-8859-2, and "\u00C4\u00C4" once its 0x82 and 0x84 are
         * dropped; the capital inside the word is the weak evidence, the
         * last lead alone reads well enough) */
        { "Se abrir\xC3\x84\xC3\x84 la ventana Pulsaci\xC3\x84\xC4\xB9n al pasar por encima, que "
          "siempre estar\xC3\x84\xC3\x84 encima del resto de ventanas.\n",
          "Se abrir\xC3\xA1 la ventana Pulsaci\xC3\xB3n al pasar por encima, que siempre estar\xC3\xA1"
          " encima del resto de ventanas.\n",
          "Spanish through ISO-8859-2 twice, C1 controls dropped" },
        { "O d\xC3\x83\xC3\x82\xC2\xB6nemde hem Frans\xC3\x83\xC3\x82\xC2\xB1zca hem de \xC3\x83\xC3"
          "\x82\xC2\xB0ngilizce konu\xC3\x83" "an okuyucular i\xC3\x83\xC3\x82\xC2\xA7in konuyla ilgil"
          "i bir\xC3\x83\xC3\x82\xC2\xA7ok kitap yaz\xC3\x83\xC3\x82\xC2\xB1ld\xC3\x83\xC3\x82\xC2"
          "\xB1.\n",
          "O d\xC3\xB6nemde hem Frans\xC4\xB1zca hem de \xC4\xB0ngilizce konu\xC5\x9F" "an okuyucul"
          "ar i\xC3\xA7in konuyla ilgili bir\xC3\xA7ok kitap yaz\xC4\xB1ld\xC4\xB1.\n",
          "Turkish through ISO-8859-1 twice, C1 controls dropped" },
        /* (a lone "\u00E2" left by the outer layer before a space, in a
         * word the lexicon does not know, may have lost both its C1 bytes
         * under the inner one; under ISO-8859-2 the outer layer is the
         * run's own lossless repair) */
        { "You can make a \xC3\x83\xC2\xA2" "beep\xC3\x83\xC2\xA2 sound when you start typing.\n",
          "You can make a \xE2\x80\x9C" "beep\xE2\x80\x9D sound when you start typing.\n",
          "quotes around a word through ISO-8859-1 twice, C1 controls dropped" },
        { "You can make a \xC4\x82\xCB\x98" "beep\xC4\x82\xCB\x98 sound when you start typing.\n",
          "You can make a \xE2\x80\x9C" "beep\xE2\x80\x9D sound when you start typing.\n",
          "quotes around a word through ISO-8859-2 twice, C1 controls dropped" },
        { "You can make a \xCE\x9E\xC2\xB2\xCE\xB2\xE2\x80\x9A\xC2\xAC" "beep\xCE\x9E\xC2\xB2"
          "\xCE\xB2\xE2\x80\x9A\xC2\xAC sound when you start typing.\n",
          "You can make a \xE2\x80\x9C" "beep\xE2\x80\x9D sound when you start typing.\n",
          "quotes around a word through windows-1253 twice, undefined bytes dropped" },
    };
    for (size_t i = 0; i < sizeof fix / sizeof fix[0]; i++)
        expect_fix(ctx, fix[i].in, strlen(fix[i].in), fix[i].want, strlen(fix[i].want), fix[i].why);
}

/* Czech read as a multibyte codec by a decoder that could not decode
 * some of its letters: Big5 under ICU writes a U+FFFD alone between ASCII
 * letters ("P\uFFFDibl"), EUC-JP under Windows a '?' inside a word;
 * the multibyte repairs of the line's other letters say which codec, and
 * the line's letters which language. */
static void test_mbcs_lossy_other_script(void **state)
{
    unbake_ctx *ctx = *state;
    static const char big5[] = "V \xEF\xBF\xBD\xE7\x8D\xBAsti Zrak zm\xE7\x8D\xBA\xEF\xBF\xBD"
                               "kn\xEF\xBF\xBDte P\xEF\xBF\xBDibl\xE7\xA9\xA9\xE9\xB1\x89"
                               "en\xE7\xA9\xA9.\n";
    static const char eucjp[] = "V ?\xE5\x8F\xA9sti Zrak zm\xE5\x8F\xA9?kn?te P?ibl\xE9\xB1\x88"
                                "\xE8\xBB\xA2" "en\xE9\xB1\x88.\n";
    static const char want[] = "V \xC4\x8D\xC3\xA1sti Zrak zm\xC3\xA1\xC4\x8Dkn\xC4\x9Bte "
                               "P\xC5\x99ibl\xC3\xAD\xC5\xBE" "en\xC3\xAD.\n";
    expect_fix(ctx, big5, sizeof big5 - 1, want, sizeof want - 1,
               "Czech read as Big5, U+FFFD for what it could not decode");
    expect_fix(ctx, eucjp, sizeof eucjp - 1, want, sizeof want - 1,
               "Czech read as EUC-JP, '?' for what it could not decode");
    /* (a '?' of a word with no multibyte repair nearby is left alone) */
    static const char q[] = "Is it?Yes: see?id=4 and ?q, or \xC4\x8D?x\n";
    expect_same(ctx, q, sizeof q - 1, "question marks in words");
}

static void test_kana_c1_stripped(void **state)
{
    unbake_ctx *ctx = *state;
    /* Japanese read as Latin-1, its C1 bytes stripped: nearly every kana
     * lost its second byte (or both after the lead), none is whole */
    static const char in[] = "\xC3\xA3\xC2\xA2\xC3\xA3\xC2\xA4\xC3\xA3\xC3\xA3\xC2\xA0"
                             "\xC3\xA3\xC3\xA5\xC2\xB3\xC3\xA3\xC2\xAF\xC3\xA3\xC2\xAA"
                             "\xC3\xA3\xC3\xA3\xC2\xAF\xC3\xA3\xC3\xA3\xC2\xBE\xC3\xA3"
                             "\xC3\xA3\n";
    static const char want[] = "\xE3\x82\xA2\xE3\x82\xA4\xE3\x83\x86\xE3\x83\xA0\xE3\x82"
                               "\x92\xE5\x8F\xB3\xE3\x82\xAF\xE3\x83\xAA\xE3\x83\x83\xE3"
                               "\x82\xAF\xE3\x81\x97\xE3\x81\xBE\xE3\x81\x99\xE3\x80\x82\n";
    expect_fix(ctx, in, sizeof in - 1, want, sizeof want - 1,
               "kana read as Latin-1 with its C1 bytes stripped");
    /* (clean Latin text with a letter before a symbol now and then) */
    static const char clean[] = "S\xC3\xA3o Paulo n\xC2\xBA 3, \xC3\xA3\xC2\xAA "
                                "\xC3\xA9\xC2\xB0 \xC3\xAD\xC2\xB2 caf\xC3\xA9\n";
    expect_same(ctx, clean, sizeof clean - 1, "letters before symbols");
}

static void test_case_of_fills(void **state)
{
    unbake_ctx *ctx = *state;
    /* "SERÁ INTERROMPIDA" through windows-1252, its 0x81 dropped: "Ã "
     * reads as "à" with the space for its NBSP too, but a small letter
     * between capitals is not how the word is written */
    static const char in[] = "AVISO: A INSTALA\xC3\x83\xE2\x80\xA1\xC3\x83\xC6\x92O "
                             "SER\xC3\x83 INTERROMPIDA\n";
    static const char want[] = "AVISO: A INSTALA\xC3\x87\xC3\x83O SER\xC3\x81 INTERROMPIDA\n";
    expect_fix(ctx, in, sizeof in - 1, want, sizeof want - 1, "capitals, a byte dropped");
}

/* Punctuation through ISO-8859-1 with its C1 bytes stripped leaves its
 * lead alone ("\u2019" is E2 80 99): in a word the lexicon does not know
 * ("don\u00E2t", "\u00E2beep"), with no other mojibake in the line, the
 * lead is repaired where the words it makes are known; a word that
 * writes the letter ("ch\u00E2teau") is left alone.  A repair of any
 * weak run of one character that makes a known word of an unknown one
 * counts that for it; and two continuations inside such a word whose
 * leads a codec lacks are weighed on that evidence.  And a lone lead
 * before a '?' for each of its continuations is weighed even where a
 * later run sends the line to decide() first. */
static void test_lone_in_unknown_word(void **state)
{
    unbake_ctx *ctx = *state;
    static const struct {
        const char *in, *want;
    } fix[] = {
        { "I don\xC3\xA2t know what it is about.\n",
          "I don\xE2\x80\x99t know what it is about.\n" },
        { "Make a \xC3\xA2" "beep\xC3\xA2 sound when you start typing.\n",
          "Make a \xE2\x80\x9C" "beep\xE2\x80\x9D sound when you start typing.\n" },
        { "Make a \xC3\xA2??beep\xC3\xA2?? sound when you start typing.\n",
          "Make a \xE2\x80\x9C" "beep\xE2\x80\x9D sound when you start typing.\n" },
        { "Il a vu le ch\xC3\xA2teau et la gr\xC3\xA2" "ce du th\xC3\xA9\xC3\xA2tre.\n",
          "Il a vu le ch\xC3\xA2teau et la gr\xC3\xA2" "ce du th\xC3\xA9\xC3\xA2tre.\n" },
        /* (any weak run of one character: "\u00EB" through ISO-8859-3,
         * which lacks 0xC3 and dropped it, is "\u011E") */
        { "Hoe vaak u reservekopie\xC4\x9En maakt zal afhangen van het soort gegevens.\n",
          "Hoe vaak u reservekopie\xC3\xABn maakt zal afhangen van het soort gegevens.\n" },
        /* (the same lead, then read as Latin-1 once more: the repair
         * "\u00E2" decided again sees the letters of its word) */
        { "I don\xC3\x83\xC2\xA2t know what it is about.\n",
          "I don\xE2\x80\x99t know what it is about.\n" },
        /* (two letters inside a word that both lost their 0xC3) */
        { "Abra a janela e comece a escrever Defini\xC2\xA7\xC2\xB5" "es.\n",
          "Abra a janela e comece a escrever Defini\xC3\xA7\xC3\xB5" "es.\n" },
    };
    for (size_t i = 0; i < sizeof fix / sizeof fix[0]; i++)
        expect_fix(ctx, fix[i].in, strlen(fix[i].in), fix[i].want, strlen(fix[i].want),
                   "a lone character in a word the lexicon does not know");
}

/* "\u00C3 " before a word: the NBSP of "\u00E0" written as that space
 * where the lexicon knows the word it joins and not the word after it
 * ("\u00E0s", "\u00E0quele"); else the NBSP was dropped before the
 * space, as before a word that goes on past an apostrophe.  In mark
 * mode too: the letter the NBSP makes is no guess. */
static void test_nbsp_as_space(void **state)
{
    static const struct {
        const char *in, *want;
    } fix[] = {
        { "\xC3\x83 s vezes chove\n", "\xC3\xA0s vezes chove\n" },
        { "igual \xC3\x83 quele caso\n", "igual \xC3\xA0quele caso\n" },
        { "jusqu'\xC3\x83 nos jours\n", "jusqu'\xC3\xA0 nos jours\n" },
        /* (the same read once more as Latin-1) */
        { "igual \xC3\x83\xC2\x83 quele caso\n", "igual \xC3\xA0quele caso\n" },
        { "signe \xC3\x83 s'\xC3\x83\xC2\xA9loigner\n", "signe \xC3\xA0 s'\xC3\xA9loigner\n" },
    };
    for (int mode = 0; mode < 2; mode++) {
        unbake_ctx *ctx = unbake_ctx_new();
        assert_non_null(ctx);
        if (mode)
            assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_LOSSY, UNBAKE_LOSSY_MARK), 0);
        for (size_t i = 0; i < sizeof fix / sizeof fix[0]; i++)
            expect_fix(ctx, fix[i].in, strlen(fix[i].in), fix[i].want, strlen(fix[i].want),
                       "NBSP written as a space, or dropped before one");
        unbake_ctx_free(ctx);
    }
    (void)state;
}

/* A U+FFFD that mark mode writes for a gap it is unsure of is no lost
 * byte when the repair is decided again: an emoji that lost its last
 * byte (windows-1252's undefined 0x8D written as U+FFFD) before an NBSP
 * written as a space keeps its NBSP, where the mark read as U+FFFD for a
 * byte ISO-8859-8 lost took the NBSP with it. */
static void test_marks_no_evidence(void **state)
{
    unbake_ctx *ctx = unbake_ctx_new();
    assert_non_null(ctx);
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_LOSSY, UNBAKE_LOSSY_MARK), 0);
    static const char in[] = "\xC3\xB0\xC5\xB8\xE2\x80\x9C\xEF\xBF\xBD\xC3\x82 Regulamento: bla\n";
    static const char want[] = "\xEF\xBF\xBD\xC2\xA0Regulamento: bla\n";
    expect_fix(ctx, in, strlen(in), want, strlen(want), "a mark decided again");
    unbake_ctx_free(ctx);
    (void)state;
}

/* A fill is never an invisible format control (bidi marks and
 * embeddings, invisible operators, the BOM): text garbled twice, its
 * undefined bytes written as '?' both times, read once. */
static void test_no_invisible_fills(void **state)
{
    static const char *const in[] = {
        "It\xC3\x83?\xC3\x82\xC2\xA2\xC3\xA2?\xC2\xAC\xC3\xA2?\xC2\xA2s classic.\n",
        "goodness\xC3\x83?\xC3\x82\xC2\xA2\xC3\xA2?\xC2\xAC\xC3\xA2?\xC2\xA2 sake!\n",
    };
    unbake_ctx *ctx = *state;
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        size_t on;
        char *out = fix_ok(ctx, in[i], strlen(in[i]), &on, NULL);
        for (size_t j = 0; j < on;) {
            uint32_t c = 0;
            size_t l = tk_utf8_dec((const unsigned char *)out + j, on - j, &c);
            assert_true(l > 0);
            if (c == 0x61C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
                (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF ||
                (c >= 0xFFF9 && c <= 0xFFFB)) {
                print_input("input", in[i], strlen(in[i]));
                print_input("got", out, on);
                fail_msg("U+%04X written for a gap", (unsigned)c);
            }
            j += l;
        }
        free(out);
    }
}

static void test_write_failure(void **state)
{
    unbake_ctx *ctx = *state;
    /* More than the window, so output must be written during push. */
    size_t n = 3 * UNBAKE_WINDOW;
    char *in = malloc(n);
    assert_non_null(in);
    for (size_t i = 0; i < n; i++)
        in[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    int calls = 0;
    assert_int_equal(unbake_begin(ctx, refuse, &calls), UNBAKE_OK);
    int r = UNBAKE_OK;
    size_t pushed = 0;
    while (pushed < n && r == UNBAKE_OK) {
        size_t k = n - pushed < 4096 ? n - pushed : 4096;
        r = unbake_push(ctx, in + pushed, k);
        pushed += k;
    }
    /* At most UNBAKE_WINDOW bytes are held back, so push itself had to
     * write, and fail. */
    assert_int_equal(r, UNBAKE_EWRITE);
    assert_true(calls >= 1);

    /* Small input: the failure comes from finish. */
    calls = 0;
    assert_int_equal(unbake_begin(ctx, refuse, &calls), UNBAKE_OK);
    r = unbake_push(ctx, "short\n", 6);
    long f = r == UNBAKE_OK ? unbake_finish(ctx) : r;
    assert_int_equal(f, UNBAKE_EWRITE);

    /* The context recovers with begin. */
    struct tk_buf out = { 0 };
    tk_set(&out, "", 0);
    assert_int_equal(unbake_begin(ctx, collect, &out), UNBAKE_OK);
    assert_int_equal(unbake_push(ctx, in, n), UNBAKE_OK);
    assert_true(unbake_finish(ctx) >= 0);
    assert_true(tk_eq(out.p, out.n, in, n));
    tk_free(&out);
    free(in);
}

/* The stream holds back at most UNBAKE_WINDOW bytes of input. */
static void test_window_bound(void **state)
{
    unbake_ctx *ctx = *state;
    size_t n = 4 * UNBAKE_WINDOW + 1234;
    char *in = malloc(n);
    assert_non_null(in);
    /* Clean text, so output length == input length; long lines too. */
    for (size_t i = 0; i < n; i++)
        in[i] = i % 100000 == 99999 ? '\n' : (char)('a' + i % 26);
    for (int pass = 0; pass < 2; pass++) {
        struct tk_buf out = { 0 };
        tk_set(&out, "", 0);
        assert_int_equal(unbake_begin(ctx, collect, &out), UNBAKE_OK);
        size_t step = pass ? 1000 : 65536;
        for (size_t i = 0; i < n; i += step) {
            size_t k = n - i < step ? n - i : step;
            assert_int_equal(unbake_push(ctx, in + i, k), UNBAKE_OK);
            if (i + k - out.n > UNBAKE_WINDOW)
                fail_msg("%zu bytes pushed, %zu written: more than UNBAKE_WINDOW held back", i + k, out.n);
        }
        assert_true(unbake_finish(ctx) >= 0);
        assert_true(tk_eq(out.p, out.n, in, n));
        tk_free(&out);
    }
    free(in);
}

static void test_strip_bom(void **state)
{
    unbake_ctx *ctx = *state;
    static const char bom_text[] = "\xEF\xBB\xBFtext \xC3\xA9t\xC3\xA9\n";
    expect_same(ctx, bom_text, sizeof bom_text - 1, "a UTF-8 BOM is kept by default");
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_STRIP_BOM, 1), UNBAKE_OK);
    expect_fix(ctx, bom_text, sizeof bom_text - 1, bom_text + 3, sizeof bom_text - 4,
               "UNBAKE_OPT_STRIP_BOM drops a leading BOM");
    /* Only a leading one. */
    static const char inner[] = "a\xEF\xBB\xBF" "b";
    expect_same(ctx, inner, sizeof inner - 1, "a BOM inside the text is not stripped");
}

/* ------------------------------------------------------------------ */
/* Properties                                                          */
/* ------------------------------------------------------------------ */

/* Letters of a script: ranges of code points that are letters in use. */
struct script {
    const char *name;
    uint32_t lo, hi;          /* letters */
    int spaced;               /* words separated by spaces */
};

static const struct script scripts[] = {
    { "latin-accented", 0xC0, 0xFF, 1 },   /* handled specially */
    { "latin-ext-a", 0x100, 0x17F, 1 },
    { "greek", 0x3B1, 0x3C9, 1 },
    { "cyrillic", 0x430, 0x44F, 1 },
    { "hebrew", 0x5D0, 0x5EA, 1 },
    { "arabic", 0x627, 0x64A, 1 },
    { "devanagari", 0x915, 0x939, 1 },
    { "thai", 0xE01, 0xE2E, 0 },
    { "hiragana", 0x3041, 0x3093, 0 },
    { "katakana", 0x30A1, 0x30F3, 0 },
    { "cjk", 0x4E00, 0x4FFF, 0 },
    { "hangul", 0xAC00, 0xAFFF, 1 },
    { "math", 0x2200, 0x22FF, 1 },
    { "box", 0x2500, 0x257F, 0 },
    { "arrows", 0x2190, 0x21FF, 1 },
    { "emoji", 0x1F600, 0x1F64F, 1 },
};
enum { NSCRIPTS = sizeof scripts / sizeof scripts[0] };

/*
 * A random clean text: words of a few scripts, separated by spaces and
 * punctuation.  Latin words are ASCII with at most one accented letter
 * (never two non-ASCII letters side by side, as in real European text).
 */
static void random_clean(uint64_t *rng, struct tk_buf *b)
{
    b->n = 0;
    tk_add(b, "", 0);
    int nwords = 1 + (int)tk_below(rng, 40);
    int s1 = (int)tk_below(rng, NSCRIPTS), s2 = (int)tk_below(rng, NSCRIPTS);
    for (int w = 0; w < nwords; w++) {
        const struct script *s = &scripts[tk_below(rng, 3) ? s1 : s2];
        int len = 1 + (int)tk_below(rng, 8);
        int accent_at = (int)tk_below(rng, (uint32_t)len * 2);
        if (s == &scripts[0] || s == &scripts[1]) {
            for (int i = 0; i < len; i++) {
                if (i == accent_at) {
                    uint32_t cp = s->lo + tk_below(rng, s->hi - s->lo + 1);
                    if (cp == 0xD7 || cp == 0xF7)   /* not letters */
                        cp = 0xE9;
                    tk_put_utf8(b, cp);
                } else {
                    tk_put_utf8(b, 'a' + tk_below(rng, 26));
                }
            }
        } else if (s->lo == 0xE01) {
            /* Thai syllables: a consonant, then mostly a vowel sign or a
             * tone mark (random consonant strings are not Thai, and read
             * as TIS-620 they are mostly valid UTF-8). */
            for (int i = 0; i < len; i++) {
                tk_put_utf8(b, s->lo + tk_below(rng, s->hi - s->lo + 1));
                static const uint32_t marks[] = { 0xE30, 0xE32, 0xE34, 0xE35, 0xE36, 0xE37,
                                                  0xE38, 0xE39, 0xE48, 0xE49, 0xE4A, 0xE4B };
                if (tk_below(rng, 10) < 7)
                    tk_put_utf8(b, marks[tk_below(rng, sizeof marks / sizeof marks[0])]);
            }
        } else {
            for (int i = 0; i < len; i++)
                tk_put_utf8(b, s->lo + tk_below(rng, s->hi - s->lo + 1));
        }
        static const char *const seps[] = { " ", " ", " ", ", ", ". ", "\n", " - ", "; " };
        const char *sep = s->spaced || tk_below(rng, 4) == 0 ? seps[tk_below(rng, 8)] : "";
        tk_add(b, sep, strlen(sep));
    }
}

static void test_property_clean(void **state)
{
    unbake_ctx *ctx = *state;
    uint64_t rng = 0x636c65616eull;
    struct tk_buf b = { 0 };
    for (int i = 0; i < 3000; i++) {
        random_clean(&rng, &b);
        expect_same(ctx, b.p, b.n, "random clean text changed");
    }
    tk_free(&b);
}

/* Random bytes, biased toward what matters: ASCII, UTF-8 lead and
 * continuation bytes, whole characters and mojibake of them. */
static void random_bytes(uint64_t *rng, struct tk_buf *b)
{
    static const char *const pieces[] = {
        "\xC3\x83\xC2\xA9", "\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2", "\xD0\xA0\xD1\x9F", "\xC3\xA9",
        "\xE2\x80\x94", "\xF0\x9F\x98\x80", "\xC2\xA0", "\xEF\xBF\xBD", "\xEF\xBB\xBF", "\xE6\xB5\xA3",
        "\xC3\x82", "\xC2", "\xE2\x80", "?", "\r\n",
    };
    b->n = 0;
    tk_add(b, "", 0);
    int n = (int)tk_below(rng, 300);
    for (int i = 0; i < n; i++) {
        uint32_t kind = tk_below(rng, 10);
        unsigned char c;
        if (kind < 4) {
            c = (unsigned char)(' ' + tk_below(rng, 95));
            tk_add(b, &c, 1);
        } else if (kind < 6) {
            c = (unsigned char)(0x80 + tk_below(rng, 128));
            tk_add(b, &c, 1);
        } else if (kind < 9) {
            const char *p = pieces[tk_below(rng, sizeof pieces / sizeof pieces[0])];
            tk_add(b, p, strlen(p));
        } else {
            c = (unsigned char)tk_below(rng, 256);
            tk_add(b, &c, 1);
        }
    }
}

static void test_property_random_bytes(void **state)
{
    unbake_ctx *ctx = *state;
    uint64_t rng = 0x7261776279746573ull;
    struct tk_buf b = { 0 }, s = { 0 };
    for (int i = 0; i < 3000; i++) {
        random_bytes(&rng, &b);
        size_t on;
        char *out = fix_ok(ctx, b.p, b.n, &on, NULL);
        if (tk_utf8_valid(b.p, b.n) && !tk_utf8_valid(out, on)) {
            print_input("input", b.p, b.n);
            print_input("got", out, on);
            fail_msg("valid UTF-8 in, invalid UTF-8 out");
        }
        /* The same through the stream, in small chunks. */
        long r = stream_chunks(ctx, b.p, b.n, &rng, 1 + tk_below(&rng, 16), &s);
        if (r < 0 || !tk_eq(s.p, s.n, out, on)) {
            print_input("input", b.p, b.n);
            print_input("fix_buffer", out, on);
            print_input("streamed", s.p, s.n);
            fail_msg("streaming differs from fix_buffer (%ld)", r);
        }
        free(out);
    }
    tk_free(&b);
    tk_free(&s);
}

static void test_property_idempotent(void **state)
{
    unbake_ctx *ctx = *state;
    uint64_t rng = 0x6964656d706f74ull;
    struct tk_buf b = { 0 };
    for (int i = 0; i < 2000; i++) {
        random_bytes(&rng, &b);
        if (!tk_utf8_valid(b.p, b.n))
            continue;
        size_t on, on2;
        char *out = fix_ok(ctx, b.p, b.n, &on, NULL);
        char *out2 = fix_ok(ctx, out, on, &on2, NULL);
        if (!tk_eq(out, on, out2, on2)) {
            print_input("input", b.p, b.n);
            print_input("fix(x)", out, on);
            print_input("fix(fix(x))", out2, on2);
            fail_msg("fix(fix(x)) != fix(x)");
        }
        free(out);
        free(out2);
    }
    tk_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_ctx_lifecycle),
        cmocka_unit_test_setup_teardown(test_option_defaults, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_option_ranges, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_stream_state, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_empty, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_next_to_mojibake, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_cut_sequence_beside_mojibake, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_clean_samples, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_clean_history, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_span_lossless, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_lookalike_repairs, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_reports_buffer, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_reports_stream, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_loss_reports, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_mbcs_lossy_other_script, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_lossy_twice, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_lossy_twice_latin, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_kana_c1_stripped, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_case_of_fills, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_lone_in_unknown_word, ctx_setup, ctx_teardown),
        cmocka_unit_test(test_nbsp_as_space),
        cmocka_unit_test(test_marks_no_evidence),
        cmocka_unit_test_setup_teardown(test_no_invisible_fills, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_write_failure, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_bytes_after_lossy_repair, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_window_bound, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_strip_bom, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_property_clean, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_property_random_bytes, ctx_setup, ctx_teardown),
        cmocka_unit_test_setup_teardown(test_property_idempotent, ctx_setup, ctx_teardown),
    };
    return cmocka_run_group_tests_name("api", tests, NULL, NULL);
}
