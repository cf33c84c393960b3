/*
 * test_alphabet.c -- the languages' alphabets (src/lib/alphabet.c,
 * alphabet.h, the generated alphabet_tables.c) and what the lossy search
 * takes from them: the letters a line certainly has name its languages,
 * whose alphabets the fills should keep to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alphabet.h"
#include "tools/testkit.h"

static void test_index(void **state)
{
    (void)state;
    for (int i = 0; i < UB_ALPHA_NLETTERS; i++) {
        if (i)
            assert_true(ub_alpha_letters[i - 1] < ub_alpha_letters[i]);
        assert_int_equal(ub_alpha_index(ub_alpha_letters[i]), i);
    }
    for (uint32_t c = 0; c < 0x80; c++)
        assert_int_equal(ub_alpha_index(c), -1);
    assert_int_equal(ub_alpha_index(0x4E2D), -1);     /* 中 */
    assert_int_equal(ub_alpha_index(0x10FFFF), -1);
    assert_true(ub_alpha_index(0x1EA1) >= 0);           /* ạ, Vietnamese */
}

/* The letters of a UTF-8 string as a set. */
static ub_alpha seen_of(const char *s)
{
    ub_alpha a = { { 0 } };
    uint32_t *cp;
    size_t n = tk_to_cps(s, strlen(s), &cp);
    for (size_t i = 0; i < n; i++) {
        int x = ub_alpha_index(cp[i]);
        assert_true(x >= 0);
        ub_alpha_add(&a, x);
    }
    free(cp);
    return a;
}

/* Does allowed have every letter of yes and none of no? */
static void expect(const char *seen, const char *yes, const char *no)
{
    ub_alpha s = seen_of(seen), allowed;
    if (!ub_alpha_allowed(&s, &allowed))
        fail_msg("%s: no language", seen);
    ub_alpha y = seen_of(yes), n = seen_of(no);
    for (int w = 0; w < UB_ALPHA_WORDS; w++) {
        if ((y.w[w] & allowed.w[w]) != y.w[w])
            fail_msg("%s: a letter of %s not allowed", seen, yes);
        if (n.w[w] & allowed.w[w])
            fail_msg("%s: a letter of %s allowed", seen, no);
    }
}

static void test_languages(void **state)
{
    (void)state;
    /* Polish through ISO-8859-1, its C1 bytes stripped: ó ż ź survive */
    expect("óżź", "ńłąęćś", "čăřě");
    /* Czech through ISO-8859-1: á í é ý ú š ž ů survive, ě č ř do not */
    expect("áíéýúšžů", "ěčřňď", "ăłńş");
    /* Turkish, with a stray Ì from a sequence that only looks whole */
    expect("çöüİıÌ", "ğşĞŞ", "čłă");
}

static void test_nothing_to_say(void **state)
{
    (void)state;
    ub_alpha empty = { { 0 } }, allowed;
    assert_int_equal(ub_alpha_allowed(&empty, &allowed), 0);
    /* text garbled twice, read once: its letters are mojibake still */
    ub_alpha moji = seen_of("ÃÂÐÑÅÄØ");
    assert_int_equal(ub_alpha_allowed(&moji, &allowed), 0);
    for (int w = 0; w < UB_ALPHA_WORDS; w++)
        assert_true(allowed.w[w] == 0);
}

/* Is some one language among those that write every letter of a
 * writes every letter of b too? */
static int one_language(const char *a, const char *b)
{
    ub_alpha sa = seen_of(a), sb = seen_of(b);
    uint64_t la[UB_ALPHA_LANG_WORDS], lb[UB_ALPHA_LANG_WORDS];
    ub_alpha_langs(&sa, la);
    ub_alpha_langs(&sb, lb);
    int some = 0;
    for (int w = 0; w < UB_ALPHA_LANG_WORDS; w++)
        some |= (la[w] & lb[w]) != 0;
    return some;
}

static void test_langs(void **state)
{
    (void)state;
    /* the words as they are are Norwegian and Finnish; their repairs are
     * in none of those languages (the detector's words_kept) */
    assert_true(one_language("ÅØ", "ÅØ"));
    assert_false(one_language("ÅØ", "Ũ"));
    assert_false(one_language("Ä", "Ġ"));
    /* Greek mojibake of Greek: the repair is Greek too */
    assert_true(one_language("ΞΈ", "θ"));
    /* no letter seen: every language */
    ub_alpha empty = { { 0 } };
    uint64_t all[UB_ALPHA_LANG_WORDS];
    ub_alpha_langs(&empty, all);
    for (int l = 0; l < UB_ALPHA_NLANGS; l++)
        assert_true(all[l >> 6] >> (l & 63) & 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_nothing_to_say),
        cmocka_unit_test(test_langs),
    };
    tk_catch_crashes();
    return cmocka_run_group_tests_name("alphabet", tests, NULL, NULL);
}
