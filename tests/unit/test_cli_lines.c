/*
 * test_cli_lines.c -- the CLI's offset -> LINE:COL map and display quoting.
 *
 * The CLI is not part of libunbake.a, so the two small modules under test
 * are compiled in here.
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

static void expect_pos(struct ub_lines *l, uint64_t off, uint64_t line, uint64_t col)
{
    uint64_t gl = 0, gc = 0;
    if (ub_lines_at(l, off, &gl, &gc) != 0)
        fail_msg("offset %llu: out of the history", (unsigned long long)off);
    if (gl != line || gc != col)
        fail_msg("offset %llu: got %llu:%llu, expected %llu:%llu", (unsigned long long)off,
                 (unsigned long long)gl, (unsigned long long)gc, (unsigned long long)line,
                 (unsigned long long)col);
}

/* Lines and character columns, whatever the chunk boundaries. */
static void test_positions_across_chunks(void **state)
{
    (void)state;
    const char *text = "ab\nc\xc3\xa9" "d\n\n\xe6\x9d\xb1x";  /* "ab", "céd", "", "東x" */
    size_t n = strlen(text);
    for (size_t cut = 0; cut <= n; cut++) {
        struct ub_lines l;
        ub_lines_init(&l);
        assert_int_equal(ub_lines_add(&l, text, cut), 0);
        assert_int_equal(ub_lines_add(&l, text + cut, n - cut), 0);
        expect_pos(&l, 0, 1, 1);
        expect_pos(&l, 1, 1, 2);
        expect_pos(&l, 3, 2, 1);
        expect_pos(&l, 4, 2, 2);     /* é */
        expect_pos(&l, 6, 2, 3);     /* d: é counted once */
        expect_pos(&l, 8, 3, 1);
        expect_pos(&l, 9, 4, 1);     /* 東 */
        expect_pos(&l, 12, 4, 2);    /* x */
        ub_lines_free(&l);
    }
}

/* Memory stays bounded: old offsets fall out, recent ones still resolve,
 * and the counts stay right across the trimming. */
static void test_history_is_bounded(void **state)
{
    (void)state;
    struct ub_lines l;
    ub_lines_init(&l);
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    chunk[999] = '\n';
    uint64_t total = 0;
    for (int i = 0; i < 2000; i++) {     /* 2 MB, 2000 lines */
        assert_int_equal(ub_lines_add(&l, chunk, sizeof chunk), 0);
        total += sizeof chunk;
    }
    assert_true(l.len <= UB_LINES_KEEP);
    assert_true(l.cap <= 4 * (size_t)UB_LINES_KEEP);
    uint64_t line, col;
    assert_int_equal(ub_lines_at(&l, 10, &line, &col), -1);
    expect_pos(&l, total - 1000, 2000, 1);
    expect_pos(&l, total - 1, 2000, 1000);
    assert_int_equal(ub_lines_at(&l, total + 1, &line, &col), -1);
    ub_lines_free(&l);
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
        cmocka_unit_test(test_positions_across_chunks),
        cmocka_unit_test(test_history_is_bounded),
        cmocka_unit_test(test_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
