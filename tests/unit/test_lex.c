/*
 * test_lex.c -- the word lexicon (src/lib/lex.c) and the fills it chooses
 * (src/lib/attest.c).
 *
 * The built-in lexicon holds common words of many languages and scripts,
 * whatever their case or apostrophe, and not letter salad; a filter made
 * here from a few keys holds them and reads back through ub_lex_open(),
 * which refuses a damaged blob.  Through the library: a paragraph written
 * for this test (general words, not the evaluation texts) read as
 * ISO-8859-1 with its C1 bytes stripped, where the character model alone
 * fills "zmienić" as "zmienię" (ć and ę share the lead byte C4, and the
 * byte after it is gone), comes back whole; and Czech whose soft hyphens
 * were stripped too, where the model fills "Bílý" as "BÁlý" (C3 81, a C1
 * byte dropped, for C3 AD), comes back in the case its word is written;
 * and Russian read as windows-1253, its undefined bytes dropped, whose
 * "Масштабирование" the lexicon finds among readings of the bytes that
 * codec drops; and Hungarian through windows-1257, where a letter filled
 * by restoring a soft hyphen is weighed by the lexicon as a gap is; and
 * Swedish through windows-1257, whose fills the languages its letters
 * point to choose (langs.h), in both lossy modes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec.h"
#include "lex.h"
#include "unbake.h"
#include "utf8.h"

/* The word of UTF-8 text s as code points into w; returns their number. */
static size_t word_of(const char *s, uint32_t *w, size_t max)
{
    size_t n = 0, len = strlen(s), i = 0;
    while (i < len && n < max) {
        int k = ub_utf8_decode((const uint8_t *)s + i, len - i, &w[n]);
        assert_true(k > 0);
        i += (size_t)k;
        n++;
    }
    return n;
}

static int has(const ub_lex *lex, const char *s)
{
    uint32_t w[64];
    size_t n = word_of(s, w, 64);
    return ub_lex_has(lex, w, n);
}

static void test_builtin(void **state)
{
    (void)state;
    const ub_lex *lex = ub_lex_builtin();
    assert_non_null(lex);
    assert_true(lex->nwords > 100000);
    static const char *const words[] = {
        "the", "und", "été", "można", "ustawień", "przywrócić", "что", "και",
        "değiştirmek", "připojení",
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (!has(lex, words[i]))
            fail_msg("not a word: %s", words[i]);
    /* case, apostrophes */
    assert_true(has(lex, "ZMIENIĆ"));
    assert_true(has(lex, "Zmienić"));
    assert_true(has(lex, "don't"));
    assert_true(has(lex, "don’t"));
    /* an elision: each part is a word ("l" too short to count) */
    assert_true(has(lex, "l’interrupteur"));
    static const char *const salad[] = { "xqzvw", "ustawieł", "zmieniĉ", "uprawnieł", "a", "é" };
    for (size_t i = 0; i < sizeof salad / sizeof *salad; i++)
        if (has(lex, salad[i]))
            fail_msg("a word: %s", salad[i]);
}

static void test_chars(void **state)
{
    (void)state;
    assert_true(ub_lex_char('a') && ub_lex_char(0x0144) && ub_lex_char(0x0416));
    assert_false(ub_lex_char(0xAC00));              /* Hangul (lex.c) */
    assert_false(ub_lex_char(0x4E2D));              /* Han: no spaces */
    assert_false(ub_lex_char(0x30A2));              /* kana */
    assert_false(ub_lex_char('1') || ub_lex_char(' ') || ub_lex_char(0x201D));
    assert_true(ub_lex_apostrophe(0x2019) && ub_lex_apostrophe('\''));
}

static void test_open(void **state)
{
    (void)state;
    enum { NBITS = 4096 };
    static uint8_t blob[UB_LEX_HEADER + NBITS / 8] __attribute__((aligned(8)));
    uint64_t bits[NBITS / 64] = { 0 };
    static const char *const words[] = { "alpha", "beta", "gamma" };
    for (size_t i = 0; i < 3; i++) {
        uint32_t w[16];
        size_t n = word_of(words[i], w, 16);
        ub_lex_put_key(bits, NBITS, 5, ub_lex_key(w, n));
    }
    const uint32_t head[8] = { UB_LEX_MAGIC, UB_LEX_VERSION, NBITS, 5, 3, 0, 0, 0 };
    memcpy(blob, head, sizeof head);        /* (little-endian hosts) */
    memcpy(blob + UB_LEX_HEADER, bits, sizeof bits);
    ub_lex lex;
    assert_int_equal(ub_lex_open(&lex, blob, sizeof blob), 0);
    assert_int_equal(lex.nwords, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(has(&lex, words[i]));
    assert_true(has(&lex, "GAMMA"));
    assert_false(has(&lex, "delta"));
    /* truncated, or not a lexicon */
    assert_int_equal(ub_lex_open(&lex, blob, sizeof blob - 8), -1);
    blob[0] ^= 1;
    assert_int_equal(ub_lex_open(&lex, blob, sizeof blob), -1);
}

/* UTF-8 text s read as codec, the bytes it cannot read (C1 bytes under
 * ISO-8859-1; with shy, soft hyphens too) dropped, as UTF-8. */
static size_t garble(const char *s, int codec, int shy, char *out)
{
    size_t n = 0;
    for (const uint8_t *p = (const uint8_t *)s; *p; p++) {
        if (ub_codec_is_lossy(codec, *p) || (shy && ub_codec_is_shy(codec, *p)))
            continue;
        n += (size_t)ub_utf8_encode(ub_codec_decode(codec, *p), (uint8_t *)out + n);
    }
    return n;
}

/* text, garbled (shy: its soft hyphens too), must come back whole, fixed
 * in lossy mode (and, for UNBAKE_LOSSY_MARK, min_confidence). */
static void fill_back_as(const char *text, int codec, int shy, int mode, int min_confidence)
{
    char in[2048];
    assert_true(strlen(text) < sizeof in / 3);
    size_t n = garble(text, codec, shy, in);
    unbake_ctx *ctx = unbake_ctx_new();
    assert_non_null(ctx);
    assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_LOSSY, mode), 0);
    if (mode == UNBAKE_LOSSY_MARK)
        assert_int_equal(unbake_ctx_set(ctx, UNBAKE_OPT_MIN_CONFIDENCE, min_confidence), 0);
    char *out = NULL;
    size_t on = 0;
    assert_true(unbake_fix_buffer(ctx, in, n, &out, &on) > 0);
    if (on != strlen(text) || memcmp(out, text, on))
        fail_msg("got %.*s", (int)on, out);
    free(out);
    unbake_ctx_free(ctx);
}

static void fill_back(const char *text, int codec, int shy)
{
    fill_back_as(text, codec, shy, UNBAKE_LOSSY_FILL, 0);
}

static void test_fill(void **state)
{
    (void)state;
    fill_back("W oknie ustawień można zmienić wiele opcji. Brak uprawnień do zapisu oznacza, że "
              "nie można zapisać zmian. Liczba połączeń jest ograniczona, a lista ustawień "
              "zależy od systemu.\n",
              UB_CODEC_LATIN1, 0);
}

static void test_fill_case(void **state)
{
    (void)state;
    fill_back("Víte, že Líbí se mi tento program? Bílý text na černém pozadí je čitelnější. "
              "Můžete změnit nastavení písma v okně Předvolby.\n",
              UB_CODEC_LATIN1, 1);
}

/* Only a byte the codec cannot read was lost: windows-1253 drops 0x9C,
 * the second byte of "М" (D0 9C), and "Н" (D0 9D) is lost alike; "Р" (D0
 * A0) is not (0xA0 is its NBSP) nor "З" (D0 97, "—").  The lexicon's
 * readings of "Масштабирование", three bytes lost, were those of any
 * second byte: the 32 likeliest, which the forward check then refused,
 * left the known word out. */
static void test_fill_codec(void **state)
{
    (void)state;
    fill_back("Нажмите Масштабирование в разделе Настройки.\n", UB_CODEC_CP1253, 0);
}

/* A letter restored is a guess too: windows-1257 drops the A1 of "á" (C3
 * A1) and reads AD as a soft hyphen, so the lead alone before "l" was
 * filled "í" (the hyphen stripped, restored), and the lexicon, which
 * looked only at gaps, left "akadílymentesítés". */
static void test_fill_restored(void **state)
{
    (void)state;
    fill_back("Az akadálymentesítés fontos része a programnak, ezért a beállításokat érdemes "
              "átnézni.\n",
              UB_CODEC_CP1257, 0);
}

/* The languages a line's letters point to (langs.h) choose the fill:
 * windows-1257 has neither the A5 of "å" nor the A1 of "á", and the model
 * alone fills Swedish "nå" and "åt" as "ná" and "át". */
static const char swedish[] = "Du kan nå inställningarna via menyn, och där går det att välja "
                              "vilka program som får komma åt nätverket.\n";

static void test_fill_languages(void **state)
{
    (void)state;
    fill_back(swedish, UB_CODEC_CP1257, 0);
}

/* ... and the alternatives of a gap weigh the same priors as the search:
 * "å", written for "nå", is the likeliest listed, and a confidence of one
 * half keeps it (it was listed at 0.35, "á" at 0.53). */
static void test_mark_languages(void **state)
{
    (void)state;
    fill_back_as(swedish, UB_CODEC_CP1257, 0, UNBAKE_LOSSY_MARK, 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_chars),
        cmocka_unit_test(test_open),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_fill_case),
        cmocka_unit_test(test_fill_codec),
        cmocka_unit_test(test_fill_restored),
        cmocka_unit_test(test_fill_languages),
        cmocka_unit_test(test_mark_languages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
