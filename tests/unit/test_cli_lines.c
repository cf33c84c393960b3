/*
 * test_cli_lines.c -- the CLI's LINE:COL of reports and display quoting.
 *
 * The CLI is not part of libunbake.a, so the two small modules under test
 * are compiled in here.  Reports are made up by hand: a report's offsets
 * count bytes of the text the library read (in_offset) and of its output
 * (out_offset), and lines.c rebuilds the text from the output it sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/display.c"
#include "../../src/cli/lines.c"

static void expect_report(struct ub_lines *l, const unbake_report *r, uint64_t line,
                          uint64_t col)
{
    uint64_t gl = 0, gc = 0;
    if (ub_lines_report(l, r, &gl, &gc) != 0)
        fail_msg("report at %llu: position unknown", (unsigned long long)r->in_offset);
    if (gl != line || gc != col)
        fail_msg("report at %llu: got %llu:%llu, expected %llu:%llu",
                 (unsigned long long)r->in_offset, (unsigned long long)gl,
                 (unsigned long long)gc, (unsigned long long)line, (unsigned long long)col);
}

/* Write s[0..n) to l in two pieces cut at cut (clamped). */
static void output_cut(struct ub_lines *l, const char *s, size_t n, size_t cut)
{
    if (cut > n)
        cut = n;
    ub_lines_output(l, s, cut);
    ub_lines_output(l, s + cut, n - cut);
}

/*
 * The text the library read is "ab\ncX" "Ã©" "d" "Ã©" "\n" (two runs of
 * mojibake); the output has "é" for each.  Positions count the text, not
 * the output: the second run is at column 6 (c X Ã © d), where counting
 * the output would say 5.  Output arrives as the library writes it: what
 * precedes a run, the report, the run's repair -- cut anywhere.
 */
static void test_positions_in_the_text(void **state)
{
    (void)state;
    static const char moj[] = "\xc3\x83\xc2\xa9", fix[] = "\xc3\xa9";
    unbake_report r1 = { .in_offset = 5, .in_len = 4, .in = moj,
                         .out_offset = 5, .out_len = 2, .out = fix };
    unbake_report r2 = { .in_offset = 10, .in_len = 4, .in = moj,
                         .out_offset = 8, .out_len = 2, .out = fix };
    for (size_t cut = 0; cut <= 5; cut++) {
        struct ub_lines l;
        ub_lines_init(&l);
        output_cut(&l, "ab\ncX", 5, cut);
        expect_report(&l, &r1, 2, 3);
        output_cut(&l, fix, 2, cut);
        ub_lines_output(&l, "d", 1);
        expect_report(&l, &r2, 2, 6);
        ub_lines_output(&l, fix, 2);
        ub_lines_output(&l, "\n", 1);
        ub_lines_end(&l);
        assert_int_equal(l.line, 3);
        assert_int_equal(l.text_off, 15);
        ub_lines_free(&l);
    }
}

/* A report may also arrive after its repair was written. */
static void test_repair_written_first(void **state)
{
    (void)state;
    static const char moj[] = "\xc3\x83\xc2\xa9", fix[] = "\xc3\xa9";
    unbake_report r1 = { .in_offset = 2, .in_len = 4, .in = moj,
                         .out_offset = 2, .out_len = 2, .out = fix };
    unbake_report r2 = { .in_offset = 7, .in_len = 4, .in = moj,
                         .out_offset = 5, .out_len = 2, .out = fix };
    struct ub_lines l;
    ub_lines_init(&l);
    ub_lines_output(&l, "x\n\xc3\xa9" "y\xc3\xa9", 7);
    expect_report(&l, &r1, 2, 1);
    expect_report(&l, &r2, 2, 4);     /* Ã © y, then the run */
    ub_lines_free(&l);
}

/* Lines, character columns, a stripped or kept byte order mark. */
static void test_characters_and_bom(void **state)
{
    (void)state;
    static const char moj[] = "\xc3\x83\xc2\xa9", fix[] = "\xc3\xa9";
    /* "東é\n" then the run: column 1 of line 2 */
    unbake_report r = { .in_offset = 6, .in_len = 4, .in = moj,
                        .out_offset = 6, .out_len = 2, .out = fix };
    struct ub_lines l;
    ub_lines_init(&l);
    ub_lines_output(&l, "\xe6\x9d\xb1\xc3\xa9\n", 6);
    expect_report(&l, &r, 2, 1);
    ub_lines_free(&l);

    /* a kept BOM is no column: "\xEF\xBB\xBF" "ca" then the run at 1:3 */
    unbake_report rk = { .in_offset = 5, .in_len = 4, .in = moj,
                         .out_offset = 5, .out_len = 2, .out = fix };
    ub_lines_init(&l);
    ub_lines_output(&l, "\xef\xbb", 2);
    ub_lines_output(&l, "\xbf" "ca", 3);
    expect_report(&l, &rk, 1, 3);
    ub_lines_free(&l);

    /* a stripped BOM is text (in_offset) but not output (out_offset) */
    unbake_report rs = { .in_offset = 5, .in_len = 4, .in = moj,
                         .out_offset = 2, .out_len = 2, .out = fix };
    unbake_report rs2 = { .in_offset = 10, .in_len = 4, .in = moj,
                          .out_offset = 5, .out_len = 2, .out = fix };
    ub_lines_init(&l);
    ub_lines_output(&l, "ca", 2);
    expect_report(&l, &rs, 1, 3);
    ub_lines_output(&l, fix, 2);
    ub_lines_output(&l, "\n", 1);
    expect_report(&l, &rs2, 2, 1);
    ub_lines_free(&l);
}

/* Offsets that do not fit what was seen give "unknown", for good. */
static void test_misaligned_is_unknown(void **state)
{
    (void)state;
    static const char moj[] = "\xc3\x83\xc2\xa9", fix[] = "\xc3\xa9";
    uint64_t line, col;
    struct ub_lines l;
    ub_lines_init(&l);
    ub_lines_output(&l, "abc", 3);
    unbake_report ahead = { .in_offset = 9, .in_len = 4, .in = moj,
                            .out_offset = 9, .out_len = 2, .out = fix };
    assert_int_equal(ub_lines_report(&l, &ahead, &line, &col), -1);
    unbake_report ok = { .in_offset = 3, .in_len = 4, .in = moj,
                         .out_offset = 3, .out_len = 2, .out = fix };
    assert_int_equal(ub_lines_report(&l, &ok, &line, &col), -1);
    ub_lines_free(&l);

    ub_lines_init(&l);
    ub_lines_output(&l, "abc", 3);
    unbake_report odd = { .in_offset = 4, .in_len = 4, .in = moj,
                          .out_offset = 3, .out_len = 2, .out = fix };
    assert_int_equal(ub_lines_report(&l, &odd, &line, &col), -1);
    ub_lines_free(&l);
}

/* Memory stays bounded however long the output, and the counts stay right
 * across the trimming. */
static void test_history_is_bounded(void **state)
{
    (void)state;
    static const char moj[] = "\xc3\x83\xc2\xa9", fix[] = "\xc3\xa9";
    struct ub_lines l;
    ub_lines_init(&l);
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    chunk[999] = '\n';
    uint64_t total = 0;
    for (int i = 0; i < 2000; i++) {     /* 2 MB, 2000 lines */
        ub_lines_output(&l, chunk, sizeof chunk);
        total += sizeof chunk;
        assert_true(l.len <= UB_LINES_KEEP);
    }
    assert_true(l.cap <= 4 * (size_t)UB_LINES_KEEP);
    ub_lines_output(&l, "abc", 3);
    unbake_report r = { .in_offset = total + 3, .in_len = 4, .in = moj,
                        .out_offset = total + 3, .out_len = 2, .out = fix };
    expect_report(&l, &r, 2001, 4);
    ub_lines_free(&l);
}

struct bad {
    uint64_t off[8], line[8], col[8];
    unsigned char b[8];
    int n;
};

static void note_invalid(void *user, uint64_t off, uint64_t line, uint64_t col,
                         unsigned char b)
{
    struct bad *x = user;
    assert_true(x->n < 8);
    x->off[x->n] = off;
    x->line[x->n] = line;
    x->col[x->n] = col;
    x->b[x->n++] = b;
}

/* Bytes that are not UTF-8 and that no report covers are told, with their
 * positions; a sequence cut between two writes is not one of them; the
 * bytes of a reported run are the report's. */
static void test_invalid_bytes(void **state)
{
    (void)state;
    static const char in[] = "\xe9", out[] = "\xc3\xa9";
    /* text: "\xFF" "a\n" "€" "\xE9"(run) "\xE2\x82" (cut off by the end) */
    const char *s = "\xff" "a\n\xe2\x82\xac";
    size_t n = strlen(s);
    for (size_t cut = 0; cut <= n; cut++) {
        struct bad x = { 0 };
        struct ub_lines l;
        ub_lines_init(&l);
        l.on_invalid = note_invalid;
        l.user = &x;
        output_cut(&l, s, n, cut);
        unbake_report r = { .in_offset = n, .in_len = 1, .in = in,
                            .out_offset = n, .out_len = 2, .out = out };
        expect_report(&l, &r, 2, 2);
        ub_lines_output(&l, out, 2);
        ub_lines_output(&l, "\xe2", 1);
        ub_lines_output(&l, "\x82", 1);
        ub_lines_end(&l);
        assert_int_equal(x.n, 3);
        assert_int_equal(x.b[0], 0xFF);
        assert_int_equal(x.off[0], 0);
        assert_int_equal(x.line[0], 1);
        assert_int_equal(x.col[0], 1);
        assert_int_equal(x.b[1], 0xE2);
        assert_int_equal(x.off[1], 7);
        assert_int_equal(x.line[1], 2);
        assert_int_equal(x.col[1], 3);
        assert_int_equal(x.b[2], 0x82);
        assert_int_equal(x.col[2], 4);
        ub_lines_free(&l);
    }
}

static void expect_quote(const char *in, size_t len, size_t max, const char *want)
{
    char *q = ub_quote(in, len, max);
    assert_non_null(q);
    if (strcmp(q, want) != 0)
        fail_msg("quote: got \"%s\", expected \"%s\"", q, want);
    free(q);
}

static void test_quote(void **state)
{
    (void)state;
    expect_quote("caf\xc3\xa9", 5, 100, "caf\xc3\xa9");
    expect_quote("a\"b\\c\n\t", 7, 100, "a\\\"b\\\\c\\n\\t");
    expect_quote("\xe9\xff", 2, 100, "\\xE9\\xFF");               /* not UTF-8 */
    expect_quote("\xc2\x81\xc2\xa0\xc2\xad", 6, 100, "\\u0081\\u00A0\\u00AD");
    expect_quote("\xe2\x80\x8d\xef\xbb\xbf", 6, 100, "\\u200D\\uFEFF");
    expect_quote("abcdef", 6, 3, "abc...");
    expect_quote("ab\xc3\xa9", 4, 3, "ab...");                  /* never cut a character */
    expect_quote("\0x", 2, 100, "\\x00x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positions_in_the_text),
        cmocka_unit_test(test_repair_written_first),
        cmocka_unit_test(test_characters_and_bom),
        cmocka_unit_test(test_misaligned_is_unknown),
        cmocka_unit_test(test_history_is_bounded),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
