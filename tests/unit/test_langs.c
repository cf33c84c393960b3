/*
 * test_langs.c -- the languages' odds for a line's letters (src/lib/langs.c)
 * and the fills they choose.
 *
 * Sentences written for this test (not the evaluation texts): the letters
 * of a Swedish one make ü, which Swedish does not write, cost a fill, and
 * å nothing; of a German one, the other way round; the ASCII letters of a
 * Turkish one whose own letters were cut short look Norwegian, until the
 * lead bytes left of the cut letters count too.  Every
 * cost is bounded, both cases share a letter's slot, a line of a few
 * letters says nothing, and the generated tables are distributions.  The fills the odds choose through the library
 * are tested with the lexicon's (test_lex.c: test_fill_languages,
 * test_mark_languages).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "langs.h"
#include "utf8.h"

static ub_langs_acc acc;

/* The odds for the letters of UTF-8 text s (its characters counted as a
 * line's whole sequences are); returns ub_langs_fit(). */
static int fit(const char *s, ub_langs *p)
{
    ub_langs_reset(&acc);
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t c = 0;
        int k = ub_utf8_decode((const uint8_t *)s + i, len - i, &c);
        assert_true(k > 0);
        i += (size_t)k;
        ub_langs_add(&acc, c);
    }
    return ub_langs_fit(&acc, p);
}

static const char swedish[] =
    "Vi åker till sjön för att bada och äta glass på bryggan, sedan går vi hem över ängen.";
static const char german[] =
    "Wir fahren über die Brücke zum Fluss und essen Kuchen, später gehen wir müde nach Hause.";

static void test_swedish(void **state)
{
    (void)state;
    ub_langs p;
    assert_int_equal(fit(swedish, &p), 1);
    assert_true(ub_langs_cost_of(&p, 0xFC) > 2.0f);     /* ü */
    assert_true(ub_langs_cost_of(&p, 0xDC) > 2.0f);     /* Ü, the same slot */
    assert_true(ub_langs_cost_of(&p, 0xE5) < 0.1f);     /* å */
    assert_true(ub_langs_cost_of(&p, 0xF6) < 0.1f);     /* ö */
    assert_int_equal(fit(german, &p), 1);
    assert_true(ub_langs_cost_of(&p, 0xFC) < 0.1f);
    assert_true(ub_langs_cost_of(&p, 0xE5) > 2.0f);
}

/* Turkish whose own letters were cut short ("şirketi", "için": the lead
 * bytes C5 and C3 alone left of ş and ç): its ASCII letters alone look
 * Norwegian more than anything, where ş costs more than š; with the
 * leads counted, no more. */
static void test_cut(void **state)
{
    (void)state;
    static const char ascii[] = "Red Hat ve IBM alt irketi olan firma, Linux sistemleri iin "
                                "destek verir.";
    ub_langs p;
    assert_int_equal(fit(ascii, &p), 1);
    float before = ub_langs_cost_of(&p, 0x15F) - ub_langs_cost_of(&p, 0x161);
    ub_langs_add_cut(&acc, 0xC5);
    ub_langs_add_cut(&acc, 0xC3);
    assert_int_equal(ub_langs_fit(&acc, &p), 1);
    float after = ub_langs_cost_of(&p, 0x15F) - ub_langs_cost_of(&p, 0x161);
    assert_true(before > 0.5f);
    assert_true(after <= 0.0f);
}

static void test_bounds(void **state)
{
    (void)state;
    ub_langs p;
    /* too few letters to tell */
    assert_int_equal(fit("Tack så mycke", &p), 0);
    assert_int_equal(fit(swedish, &p), 1);
    float sum = 0;
    for (int l = 0; l < ub_langs_n; l++) {
        assert_true(p.w[l] >= 0);
        sum += p.w[l];
    }
    assert_true(fabsf(sum - 1) < 1e-3f);
    for (int i = 0; i < UB_ALPHA_NLETTERS; i++) {
        float c = ub_langs_cost_of(&p, ub_alpha_letters[i]);
        assert_true(c >= 0 && c < 6.0f);
    }
    /* ASCII letters of either case, one slot; not letters: none */
    assert_int_equal(ub_langs_slot_of('a'), ub_langs_slot_of('A'));
    assert_true(ub_langs_slot_of('a') >= 0);
    assert_int_equal(ub_langs_slot_of('1'), -1);
    assert_int_equal(ub_langs_slot_of(0x4E2D), -1);     /* 中 */
    assert_true(ub_langs_cost_of(&p, 0x4E2D) == 0);
}

/* The tables are distributions: each language's letters, and the pooled
 * row's, sum to one (within the rounding to sixteenths of a nat), and the
 * row's slots past the languages are empty. */
static void test_tables(void **state)
{
    (void)state;
    assert_true(ub_langs_n > 0 && ub_langs_n < UB_LANGS_ROW);
    assert_true(ub_langs_nslots > 26 && ub_langs_nslots <= UB_LANGS_SLOTS_MAX);
    for (int l = 0; l < UB_LANGS_ROW; l++) {
        double sum = 0;
        for (int s = 0; s < ub_langs_nslots; s++) {
            uint8_t q = ub_langs_cost[s][l];
            if (l >= ub_langs_n && l < UB_LANGS_ROW - 1)
                assert_int_equal(q, 0);
            sum += exp(-q / 16.0);
        }
        if (l < ub_langs_n || l == UB_LANGS_ROW - 1)
            assert_true(fabs(sum - 1) < 0.05);
    }
    /* every ASCII letter has a slot, and the Latin letters of the
     * alphabets that have one share it with their other case */
    for (int c = 'a'; c <= 'z'; c++)
        assert_true(ub_langs_slot_of((uint32_t)c) >= 0);
    assert_int_equal(ub_langs_slot_of(0xC5), ub_langs_slot_of(0xE5));  /* Å å */
    assert_int_equal(ub_langs_slot_of(0x10C), ub_langs_slot_of(0x10D));  /* Č č */
    assert_int_equal(ub_langs_slot_of(0x416), -1);  /* Ж: Latin only */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swedish),
        cmocka_unit_test(test_cut),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
