/*
 * test_mbcs.c -- the multibyte codecs of src/lib/mbcs.c.
 *
 * The tables are checked exhaustively against ICU itself (every BMP code
 * point, every lead/trail pair), through converters opened here and not
 * through the module, so a wrong table cannot agree with itself.  Then the
 * contract: fallbacks refused (including ICU's private-use fallbacks that
 * ucnv_setFallback(FALSE) does not switch off), the substitution
 * convention of ub_mbcs_decode(), the mojibake round trip the detector
 * relies on, gb18030's four-byte forms, errors, and concurrent first use.
 *
 * The tables are generated ahead of time (src/gen/gen_mbcs.c): besides the
 * independent checks, test_tables_are_generated rebuilds them with the
 * generator's own code from this machine's ICU and requires the committed
 * blob to be byte-identical, unless the ICU version differs from the one
 * the blob records (then it is skipped, saying so).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include "mbcs.h"
#include "tools/testkit.h"

/* The generator, without its main(): gen_mbcs_build() rebuilds the blob. */
#define GEN_MBCS_NO_MAIN
#include "../../src/gen/gen_mbcs.c"

/* The committed blob, from src/lib/mbcs_blob.S. */
extern const uint8_t ub_mbcs_blob_start[], ub_mbcs_blob_end[];

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

static int id_of(const char *name)
{
    int id = ub_mbcs_find(name);
    if (id < 0)
        fail_msg("codec %s not found", name);
    return id;
}

/* An ICU converter for codec id, independent of the module's cache. */
static UConverter *icu_open(int id, int fallback)
{
    UErrorCode err = U_ZERO_ERROR;
    UConverter *c = ucnv_open(ub_mbcs_icu_name(id), &err);
    if (U_FAILURE(err))
        fail_msg("ICU cannot open %s: %s", ub_mbcs_icu_name(id), u_errorName(err));
    ucnv_setFallback(c, (UBool)fallback);
    ucnv_setFromUCallBack(c, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    ucnv_setToUCallBack(c, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    return c;
}

/* ICU's encoding of one code point; -1 if ICU refuses. */
static int icu_enc(UConverter *c, uint32_t cp, uint8_t *out)
{
    UChar u[2];
    int32_t nu = 0;
    if (cp >= 0x10000) {
        u[nu++] = (UChar)(0xD800 + ((cp - 0x10000) >> 10));
        u[nu++] = (UChar)(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
        u[nu++] = (UChar)cp;
    }
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(c);
    int32_t n = ucnv_fromUChars(c, (char *)out, 8, u, nu, &err);
    return U_FAILURE(err) ? -1 : n;
}

/* ICU's strict decoding of a whole sequence into exactly one code point. */
static int icu_dec1(UConverter *c, const uint8_t *b, int n, uint32_t *cp)
{
    UChar u[4];
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(c);
    int32_t m = ucnv_toUChars(c, u, 4, (const char *)b, n, &err);
    if (U_FAILURE(err) || m < 1 || m > 2)
        return 0;
    if (m == 1 && (u[0] < 0xD800 || u[0] >= 0xE000)) {
        *cp = u[0];
        return 1;
    }
    if (m == 2 && u[0] >= 0xD800 && u[0] < 0xDC00 && u[1] >= 0xDC00 && u[1] < 0xE000) {
        *cp = 0x10000 + ((uint32_t)(u[0] - 0xD800) << 10) + (uint32_t)(u[1] - 0xDC00);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    assert_true(ub_mbcs_count() >= 7);
    static const char *const want[] = { "gbk", "gb18030", "big5", "big5-hkscs", "shift_jis",
                                        "euc-jp", "euc-kr" };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_int_not_equal(ub_mbcs_find(want[i]), -1);
    for (int id = 0; id < ub_mbcs_count(); id++) {
        assert_int_equal(ub_mbcs_find(ub_mbcs_name(id)), id);
        /* every alias finds its own codec */
        const char *p = ub_mbcs_aliases(id);
        while (*p) {
            char a[64];
            size_t len = strcspn(p, " ");
            assert_true(len < sizeof a);
            memcpy(a, p, len);
            a[len] = 0;
            if (ub_mbcs_find(a) != id)
                fail_msg("alias %s of %s finds %d", a, ub_mbcs_name(id), ub_mbcs_find(a));
            p += len + (p[len] == ' ');
        }
        /* every pinned converter exists */
        UConverter *c = icu_open(id, 0);
        ucnv_close(c);
    }
    assert_int_equal(ub_mbcs_find("CP932"), id_of("shift_jis"));
    assert_int_equal(ub_mbcs_find("Windows-31J"), id_of("shift_jis"));
    assert_int_equal(ub_mbcs_find("Shift-JIS"), id_of("shift_jis"));
    assert_int_equal(ub_mbcs_find("GB2312"), id_of("gbk"));
    assert_int_equal(ub_mbcs_find("cp936"), id_of("gbk"));
    assert_int_equal(ub_mbcs_find("cp950"), id_of("big5"));
    assert_int_equal(ub_mbcs_find("UHC"), id_of("euc-kr"));
    assert_int_equal(ub_mbcs_find("ks_c_5601-1987"), id_of("euc-kr"));
    assert_int_equal(ub_mbcs_find("windows-1252"), -1);
    assert_int_equal(ub_mbcs_find("gbkx"), -1);
    assert_int_equal(ub_mbcs_find(""), -1);
    assert_int_equal(ub_mbcs_find(NULL), -1);
    assert_null(ub_mbcs_name(-1));
    assert_null(ub_mbcs_name(ub_mbcs_count()));
    assert_null(ub_mbcs_icu_name(ub_mbcs_count()));
    assert_int_equal(ub_mbcs_prior(-1), 1000);

    /* gbk is the most likely wrong decoder */
    for (int id = 0; id < ub_mbcs_count(); id++) {
        assert_true(ub_mbcs_prior(id) > 0 && ub_mbcs_prior(id) < 1000);
        if (id != id_of("gbk"))
            assert_true(ub_mbcs_prior(id) > ub_mbcs_prior(id_of("gbk")));
    }

    /* The trap the pinned names avoid: ICU's own "cp949" and "cp950" are
     * IBM converters, its "euc-kr" the strict one. */
    static const char *const trap[] = { "cp949", "cp950", "euc-kr" };
    for (size_t i = 0; i < 3; i++) {
        UErrorCode err = U_ZERO_ERROR;
        UConverter *c = ucnv_open(trap[i], &err);
        assert_true(U_SUCCESS(err));
        const char *icu_own = ucnv_getName(c, &err);
        assert_string_not_equal(icu_own, ub_mbcs_icu_name(id_of(trap[i])));
        ucnv_close(c);
    }
}

/* ------------------------------------------------------------------ */
/* Tables against ICU                                                  */
/* ------------------------------------------------------------------ */

/* Every BMP code point: the table's encoding is exactly ICU's round-trip
 * encoding, and anything ICU would only reach by a fallback is refused. */
static void test_encode_vs_icu(void **state)
{
    (void)state;
    for (int id = 0; id < ub_mbcs_count(); id++) {
        UConverter *strict = icu_open(id, 0), *loose = icu_open(id, 1);
        long n_enc = 0, n_refused = 0;
        for (uint32_t cp = 0; cp < 0x10000; cp++) {
            if (cp >= 0xD800 && cp < 0xE000)
                continue;
            uint8_t mine[4], theirs[8], back_b[8];
            int ml = ub_mbcs_encode_cp(id, cp, mine);
            int tl = icu_enc(strict, cp, theirs);
            uint32_t back;
            int roundtrip = tl >= 1 && tl <= 3 && icu_dec1(strict, theirs, tl, &back) &&
                            back == cp && icu_enc(strict, back, back_b) == tl;
            if (roundtrip) {
                if (ml != tl || memcmp(mine, theirs, (size_t)tl))
                    fail_msg("%s U+%04X: table gives %d bytes, ICU round trip %d bytes",
                             ub_mbcs_name(id), cp, ml, tl);
                assert_true(ub_mbcs_may_produce(id, cp));
                n_enc++;
            } else {
                if (ml >= 0)
                    fail_msg("%s U+%04X: encoded although ICU has no round trip",
                             ub_mbcs_name(id), cp);
                n_refused += icu_enc(loose, cp, theirs) > 0;
            }
        }
        /* the codecs are real: thousands of characters each */
        if (n_enc < 7000)
            fail_msg("%s: only %ld encodable BMP code points", ub_mbcs_name(id), n_enc);
        (void)n_refused;
        ucnv_close(strict);
        ucnv_close(loose);
    }
}

/* Every byte and every lead/trail pair: the table decode and
 * ub_mbcs_may_produce() agree with ICU. */
static void test_decode_vs_icu(void **state)
{
    (void)state;
    for (int id = 0; id < ub_mbcs_count(); id++) {
        UConverter *c = icu_open(id, 0);
        for (int b = 0; b < 256; b++) {
            uint8_t s[1] = { (uint8_t)b };
            uint32_t want, got = 0;
            int ok = icu_dec1(c, s, 1, &want);
            int len = ub_mbcs_decode_char(id, s, 1, &got);
            if (ok != (len == 1) || (ok && got != want))
                fail_msg("%s byte %02X: ICU %d U+%04X, table %d U+%04X", ub_mbcs_name(id), b,
                         ok, ok ? want : 0, len, got);
            if (ok)
                assert_true(ub_mbcs_may_produce(id, want));
        }
        for (int lead = 0x80; lead < 0x100; lead++) {
            uint32_t single;
            uint8_t l1[1] = { (uint8_t)lead };
            if (icu_dec1(c, l1, 1, &single))
                continue;
            for (int trail = 0; trail < 256; trail++) {
                uint8_t s[2] = { (uint8_t)lead, (uint8_t)trail };
                uint32_t want, got = 0;
                int ok = icu_dec1(c, s, 2, &want);
                int len = ub_mbcs_decode_char(id, s, 2, &got);
                if (ok != (len == 2) || (ok && got != want))
                    fail_msg("%s pair %02X %02X: ICU %d U+%04X, table %d U+%04X",
                             ub_mbcs_name(id), lead, trail, ok, ok ? want : 0, len, got);
                if (ok && !ub_mbcs_may_produce(id, want))
                    fail_msg("%s produces U+%04X from %02X %02X but may_produce says no",
                             ub_mbcs_name(id), want, lead, trail);
            }
        }
        ucnv_close(c);
    }
}

/* ------------------------------------------------------------------ */
/* Fallbacks                                                           */
/* ------------------------------------------------------------------ */

static void test_fallback_refused(void **state)
{
    (void)state;
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    assert_non_null(cache);
    uint8_t out[16], icu[8];

    /* windows-31j: U+00A5 YEN SIGN has only a best-fit mapping to 0x5C */
    int sj = id_of("shift_jis");
    UConverter *loose = icu_open(sj, 1);
    assert_int_equal(icu_enc(loose, 0xA5, icu), 1);
    assert_int_equal(icu[0], 0x5C);
    uint32_t yen[2] = { 'a', 0xA5 };
    assert_int_equal(ub_mbcs_encode(cache, sj, yen, 2, out, sizeof out), -1);
    ucnv_close(loose);

    /* ... and U+F86F, a private-use code point ICU maps to 87 82 even with
     * fallbacks switched off; 87 82 decodes to U+2116. */
    UConverter *strict = icu_open(sj, 0);
    assert_int_equal(icu_enc(strict, 0xF86F, icu), 2);
    uint32_t back;
    assert_true(icu_dec1(strict, icu, 2, &back));
    assert_int_equal(back, 0x2116);
    uint32_t pua[1] = { 0xF86F };
    assert_int_equal(ub_mbcs_encode(cache, sj, pua, 1, out, sizeof out), -1);
    assert_int_equal(ub_mbcs_encode_cp(sj, 0xF86F, out), -1);
    ucnv_close(strict);

    /* Count, per codec, what ICU's fallbacks would have encoded: the
     * refusal above is not an accident of two code points. */
    long total = 0;
    for (int id = 0; id < ub_mbcs_count(); id++) {
        UConverter *l = icu_open(id, 1);
        for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
            if (cp >= 0xD800 && cp < 0xE000)
                continue;
            int n = icu_enc(l, cp, icu);
            if (n > 0 && n <= 3 && ub_mbcs_encode_cp(id, cp, out) < 0) {
                uint32_t one = cp;
                assert_int_equal(ub_mbcs_encode(cache, id, &one, 1, out, sizeof out), -1);
                total++;
            }
        }
        ucnv_close(l);
    }
    assert_true(total > 1000);
    ub_mbcs_cache_free(cache);
}

/* ------------------------------------------------------------------ */
/* Decoding conventions                                                */
/* ------------------------------------------------------------------ */

static void expect_decode(const char *codec, const char *in, size_t n, const uint32_t *want,
                          size_t wn, size_t want_sub)
{
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    uint32_t out[64];
    size_t nsub = 99;
    long m = ub_mbcs_decode(cache, id_of(codec), (const uint8_t *)in, n, out, 64, &nsub);
    if (m != (long)wn || memcmp(out, want, wn * sizeof *want) || nsub != want_sub) {
        fprintf(stderr, "    %s: ", codec);
        tk_show(stderr, in, n, 100);
        fprintf(stderr, "\n    got %ld code points, %zu substitutions:", m, nsub);
        for (long i = 0; i < m; i++)
            fprintf(stderr, " %04X", out[i]);
        fprintf(stderr, "\n");
        fail_msg("unexpected decode");
    }
    ub_mbcs_cache_free(cache);
}

static void test_decode_conventions(void **state)
{
    (void)state;
    /* lead + ASCII: one U+FFFD, the ASCII byte kept */
    expect_decode("gbk", "a\x82\nb", 4, (const uint32_t[]){ 'a', 0xFFFD, '\n', 'b' }, 4, 1);
    /* lead + non-ASCII non-trail: one U+FFFD for both */
    expect_decode("big5", "a\xE4\x88" "b", 4, (const uint32_t[]){ 'a', 0xFFFD, 'b' }, 3, 1);
    /* lone lead at the end */
    expect_decode("euc-kr", "a\x82", 2, (const uint32_t[]){ 'a', 0xFFFD }, 2, 1);
    /* windows-31j: U+FFFD, never ICU's U+001A substitution character */
    expect_decode("shift_jis", "a\x80" "b", 3, (const uint32_t[]){ 'a', 0xFFFD, 'b' }, 3, 1);
    expect_decode("shift_jis", "\xA0", 1, (const uint32_t[]){ 0xFFFD }, 1, 1);
    /* Microsoft tables: cp936 0x80 is the euro sign, gb18030 rejects it */
    expect_decode("gbk", "\x80", 1, (const uint32_t[]){ 0x20AC }, 1, 0);
    expect_decode("gb18030", "\x80", 1, (const uint32_t[]){ 0xFFFD }, 1, 1);
    /* the classic: U+FFFD U+FFFD in UTF-8 read as GBK */
    expect_decode("gbk", "\xEF\xBF\xBD\xEF\xBF\xBD", 6,
                  (const uint32_t[]){ 0x951F, 0x65A4, 0x62F7 }, 3, 0);
    /* an EUC-JP JIS X 0212 triple */
    expect_decode("euc-jp", "\x8F\xB0\xA1", 3, (const uint32_t[]){ 0x4E02 }, 1, 0);
    /* gb18030 four-byte form */
    expect_decode("gb18030", "\x81\x30\x84\x36", 4, (const uint32_t[]){ 0xA5 }, 1, 0);

    /* errors */
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    uint32_t out[4];
    size_t nsub;
    assert_int_equal(ub_mbcs_decode(cache, 0, (const uint8_t *)"", 0, out, 4, &nsub), 0);
    assert_int_equal(ub_mbcs_decode(cache, 0, (const uint8_t *)"abcdef", 6, out, 4, &nsub), -1);
    assert_int_equal(ub_mbcs_decode(cache, -1, (const uint8_t *)"a", 1, out, 4, &nsub), -1);
    assert_int_equal(ub_mbcs_decode(NULL, 0, (const uint8_t *)"a", 1, out, 4, &nsub), -1);
    ub_mbcs_cache_free(cache);
    ub_mbcs_cache_free(NULL);
}

/* ub_mbcs_decode_char() walks random bytes exactly like the ICU decoder
 * where the table has an answer. */
static void test_decode_char_walk(void **state)
{
    (void)state;
    uint64_t rng = 0x5eed;
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    for (int id = 0; id < ub_mbcs_count(); id++) {
        for (int trial = 0; trial < 300; trial++) {
            uint8_t b[40];
            size_t n = 1 + tk_below(&rng, 39);
            for (size_t i = 0; i < n; i++)
                b[i] = (uint8_t)(tk_below(&rng, 3) ? 0x80 + tk_below(&rng, 128)
                                                   : tk_below(&rng, 128));
            /* decode the table way: only if every character is mapped */
            uint32_t mine[40];
            size_t nm = 0, i = 0;
            while (i < n) {
                uint32_t cp;
                int len = ub_mbcs_decode_char(id, b + i, n - i, &cp);
                if (!len)
                    break;
                mine[nm++] = cp;
                i += (size_t)len;
            }
            if (i < n)
                continue;
            uint32_t theirs[40];
            size_t nsub;
            long m = ub_mbcs_decode(cache, id, b, n, theirs, 40, &nsub);
            if (m != (long)nm || nsub || memcmp(mine, theirs, nm * sizeof *mine)) {
                tk_show(stderr, b, n, 100);
                fail_msg("%s: table walk and ICU disagree", ub_mbcs_name(id));
            }
        }
    }
    ub_mbcs_cache_free(cache);
}

/* ICU's decoding with one U+FFFD per error (as ub_mbcs_decode()
 * promises), through a converter opened here. */
static void fffd_count_cb(const void *ctx, UConverterToUnicodeArgs *args, const char *units,
                          int32_t len, UConverterCallbackReason reason, UErrorCode *err)
{
    (void)units;
    (void)len;
    if (reason > UCNV_IRREGULAR)
        return;
    static const UChar fffd = 0xFFFD;
    ++*(size_t *)(uintptr_t)ctx;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &fffd, 1, 0, err);
}

static long icu_decode_all(UConverter *c, size_t *nsub, const uint8_t *b, size_t n,
                           uint32_t *out)
{
    UErrorCode err = U_ZERO_ERROR;
    *nsub = 0;
    ucnv_setToUCallBack(c, fffd_count_cb, nsub, NULL, NULL, &err);
    ucnv_reset(c);
    UChar *u = malloc((2 * n + 2) * sizeof *u);
    int32_t m = ucnv_toUChars(c, u, (int32_t)(2 * n + 2), (const char *)b, (int32_t)n, &err);
    long o = -1;
    if (!U_FAILURE(err)) {
        o = 0;
        for (int32_t i = 0; i < m; i++) {
            uint32_t x = u[i];
            if (x >= 0xD800 && x < 0xDC00 && i + 1 < m) {
                x = 0x10000 + ((x - 0xD800) << 10) + (u[i + 1] - 0xDC00u);
                i++;
            }
            out[o++] = x;
        }
    }
    free(u);
    return o;
}

/* The table walk of ub_mbcs_decode_tab() and the whole-or-nothing one of
 * ub_mbcs_decode_whole() against ICU on bytes in every state. */
static void compare_tab(ub_mbcs_cache *cache, UConverter *c, int id, const uint8_t *b, size_t n,
                        long *icu_only)
{
    uint32_t *mine = malloc((n + 1) * sizeof *mine), *theirs = malloc((n + 1) * sizeof *theirs);
    size_t nsub = 0, ns = 0;
    long m = ub_mbcs_decode_tab(id, b, n, mine, n + 1, &nsub);
    long t = icu_decode_all(c, &ns, b, n, theirs);
    assert_true(t >= 0);
    if (m == -3) {
        ++*icu_only;
    } else if (m != t || nsub != ns || memcmp(mine, theirs, (size_t)t * sizeof *mine)) {
        tk_show(stderr, b, n, 200);
        fail_msg("%s: table walk (%ld, %zu subs) and ICU (%ld, %zu subs) disagree",
                 ub_mbcs_name(id), m, nsub, t, ns);
    }
    long w = ub_mbcs_decode_whole(cache, id, b, n, mine, n + 1);
    if (ns ? w != -2 : (w != t || memcmp(mine, theirs, (size_t)t * sizeof *mine))) {
        tk_show(stderr, b, n, 200);
        fail_msg("%s: whole decode %ld, ICU %ld with %zu subs", ub_mbcs_name(id), w, t, ns);
    }
    free(mine);
    free(theirs);
}

static void test_decode_tab_vs_icu(void **state)
{
    (void)state;
    uint64_t rng = 0x7ab1e;
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    static const int after[] = { 0x00, 0x0A, 0x30, 0x39, 0x41, 0x7F, 0x80, 0x8F,
                                 0xA1, 0xE0, 0xFE, 0xFF, -1 };
    uint8_t *b = malloc(128 * 256 * 4);
    for (int id = 0; id < ub_mbcs_count(); id++) {
        UConverter *c = icu_open(id, 0);
        long icu_only = 0;
        /* every lead/trail pair before each of a few bytes (or the end) */
        for (size_t x = 0; x < sizeof after / sizeof after[0]; x++) {
            size_t n = 0;
            for (int k = 0; k < 128 * 256; k++) {
                b[n++] = (uint8_t)(0x80 + k / 256);
                b[n++] = (uint8_t)(k % 256);
                if (after[x] >= 0)
                    b[n++] = (uint8_t)after[x];
                b[n++] = '\n';
            }
            compare_tab(cache, c, id, b, n, &icu_only);
            /* and each on its own, where the end cuts it */
            if (after[x] < 0)
                for (int k = 0; k < 128 * 256; k += 7)
                    compare_tab(cache, c, id, b + 3 * k, 2, &icu_only);
        }
        /* EUC-JP's triples, cut short or not */
        for (int k = 0; k < 256 * 256; k++) {
            uint8_t t3[3] = { 0x8F, (uint8_t)(k / 256), (uint8_t)(k % 256) };
            if (k % 5 == 0)
                compare_tab(cache, c, id, t3, 3, &icu_only);
            if (k % 256 == 0)
                compare_tab(cache, c, id, t3, 2, &icu_only);
        }
        /* random bytes, biased to leads, digits and trails */
        for (int trial = 0; trial < 40000; trial++) {
            size_t n = 1 + tk_below(&rng, 16);
            for (size_t i = 0; i < n; i++) {
                uint32_t r = tk_below(&rng, 20);
                b[i] = (uint8_t)(r < 4 ? tk_below(&rng, 128) : r < 7 ? 0x30 + tk_below(&rng, 10)
                                 : r < 8 ? 0x8E + tk_below(&rng, 2) : 0x80 + tk_below(&rng, 128));
            }
            compare_tab(cache, c, id, b, n, &icu_only);
        }
        /* only gb18030's four-byte forms need ICU */
        if (strcmp(ub_mbcs_name(id), "gb18030"))
            assert_int_equal(icu_only, 0);
        ucnv_close(c);
    }
    free(b);
    ub_mbcs_cache_free(cache);
}

/* ------------------------------------------------------------------ */
/* The mojibake round trip                                             */
/* ------------------------------------------------------------------ */

/* UTF-8 decoded with the codec and encoded back gives the same bytes,
 * when the decode met nothing undecodable. */
static void roundtrip(const char *codec, const char *text, int must_be_lossless)
{
    int id = id_of(codec);
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    size_t n = strlen(text);
    uint32_t *moji = malloc((n + 1) * sizeof *moji);
    uint8_t *back = malloc(4 * n + 4);
    size_t nsub;
    long m = ub_mbcs_decode(cache, id, (const uint8_t *)text, n, moji, n + 1, &nsub);
    assert_true(m > 0);
    if (must_be_lossless && nsub)
        fail_msg("%s: %zu substitutions decoding %s", codec, nsub, text);
    if (!nsub) {
        for (long i = 0; i < m; i++)
            if (moji[i] >= 0x80 && !ub_mbcs_may_produce(id, moji[i]))
                fail_msg("%s: decoder output U+%04X not in may_produce", codec, moji[i]);
        long k = ub_mbcs_encode(cache, id, moji, (size_t)m, back, 4 * n + 4);
        if (k != (long)n || memcmp(back, text, n))
            fail_msg("%s: round trip of %s failed (%ld bytes)", codec, text, k);
    } else {
        /* a U+FFFD is never "encodable": the loss must show */
        assert_int_equal(ub_mbcs_encode(cache, id, moji, (size_t)m, back, 4 * n + 4), -1);
    }
    free(moji);
    free(back);
    ub_mbcs_cache_free(cache);
}

static void test_mojibake_roundtrip(void **state)
{
    (void)state;
    /* even byte counts so the pairs close: lossless under GBK */
    roundtrip("gbk", "中文测试", 1);
    roundtrip("gb18030", "中文测试", 1);
    roundtrip("gbk", "これはテストです", 1);
    roundtrip("shift_jis", "日本語のテキスト", 0);
    roundtrip("euc-kr", "한국어 텍스트", 0);
    roundtrip("big5", "繁體中文測試", 0);
    roundtrip("euc-jp", "日本語", 0);
    /* odd byte count: the last byte meets the newline, lossy everywhere */
    roundtrip("gbk", "中\n", 0);

    /* the expected mojibake itself, for GBK */
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    uint32_t moji[16];
    size_t nsub;
    long m = ub_mbcs_decode(cache, id_of("gbk"), (const uint8_t *)"中文", 6, moji, 16, &nsub);
    /* 涓, a private-use character (cp936 maps its user area there), 枃 */
    const uint32_t want[3] = { 0x6D93, 0xE15F, 0x6783 };
    assert_int_equal(m, 3);
    assert_int_equal(nsub, 0);
    assert_memory_equal(moji, want, sizeof want);
    ub_mbcs_cache_free(cache);
}

/* One-way sequences: several byte sequences decode to one character. */
static void test_encode_alts(void **state)
{
    (void)state;
    int sj = id_of("shift_jis");
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    /* U+2252 APPROXIMATELY EQUAL: 81 E0 (JIS) and 87 90 (NEC row 13) */
    uint32_t seq[8];
    int n = ub_mbcs_encode_alts(sj, 0x2252, seq, 8);
    assert_true(n >= 2);
    assert_int_equal(seq[0], 0x020081E0u);
    int found = 0;
    for (int i = 1; i < n && i < 8; i++)
        found |= seq[i] == 0x02008790u;
    assert_true(found);
    /* every alternative of every produced code point decodes to it */
    long multi = 0;
    for (int id = 0; id < ub_mbcs_count(); id++) {
        for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
            if (!ub_mbcs_may_produce(id, cp))
                continue;
            int k = ub_mbcs_encode_alts(id, cp, seq, 8);
            assert_true(k >= 1);
            multi += k > 1;
            for (int i = 0; i < k && i < 8; i++) {
                uint8_t b[3];
                int len = UB_MBCS_SEQ_LEN(seq[i]);
                assert_true(len >= 1 && len <= 3);
                for (int j = 0; j < len; j++)
                    b[j] = UB_MBCS_SEQ_BYTE(seq[i], j);
                uint32_t out[4];
                size_t nsub;
                long m = ub_mbcs_decode(cache, id, b, (size_t)len, out, 4, &nsub);
                if (m != 1 || out[0] != cp || nsub)
                    fail_msg("%s U+%04X: alternative %08X does not decode to it",
                             ub_mbcs_name(id), cp, seq[i]);
            }
        }
    }
    assert_true(multi > 300);
    assert_int_equal(ub_mbcs_encode_alts(sj, 0xAC00, seq, 8), 0);
    ub_mbcs_cache_free(cache);
}

static void test_may_produce(void **state)
{
    (void)state;
    for (int id = 0; id < ub_mbcs_count(); id++) {
        for (uint32_t c = 0; c < 0x80; c++)
            if (!ub_mbcs_may_produce(id, c))
                fail_msg("%s does not produce ASCII %02X", ub_mbcs_name(id), c);
        assert_false(ub_mbcs_may_produce(id, 0xFFFD));
        assert_false(ub_mbcs_may_produce(id, 0x110000));
        assert_false(ub_mbcs_may_produce(id, 0xD800));
    }
    assert_true(ub_mbcs_may_produce(id_of("gbk"), 0x6D93));          /* 涓 */
    assert_true(ub_mbcs_may_produce(id_of("shift_jis"), 0xFF71));    /* ｱ */
    assert_false(ub_mbcs_may_produce(id_of("gbk"), 0xFF71));
    assert_true(ub_mbcs_may_produce(id_of("euc-kr"), 0xAC00));       /* 가 */
    assert_false(ub_mbcs_may_produce(id_of("big5"), 0xAC00));
    assert_true(ub_mbcs_may_produce(id_of("shift_jis"), 0x30FB));    /* ・ */
    assert_false(ub_mbcs_may_produce(-1, 'a'));
    assert_false(ub_mbcs_may_produce(ub_mbcs_count(), 'a'));
    /* four-byte gb18030 forms are not "produced" from UTF-8 */
    assert_false(ub_mbcs_may_produce(id_of("gb18030"), 0xA5));
    /* HKSCS decodes some pairs to supplementary characters */
    int hk = id_of("big5-hkscs");
    long supp = 0;
    for (uint32_t cp = 0x20000; cp < 0x2A6E0; cp++)
        supp += ub_mbcs_may_produce(hk, cp);
    assert_true(supp > 100);
}

/* ------------------------------------------------------------------ */
/* gb18030's four-byte forms and errors                                */
/* ------------------------------------------------------------------ */

static void test_gb18030_four_byte(void **state)
{
    (void)state;
    int gb = id_of("gb18030");
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    uint8_t out[32];
    uint32_t in[3] = { 'x', 0xA5, 0x1F600 };
    long n = ub_mbcs_encode(cache, gb, in, 3, out, sizeof out);
    assert_int_equal(n, 9);
    assert_memory_equal(out, "x\x81\x30\x84\x36\x94\x39\xFC\x36", 9);
    /* the tables alone do not have them */
    assert_int_equal(ub_mbcs_encode_cp(gb, 0xA5, out), -1);
    assert_int_equal(ub_mbcs_encode(NULL, gb, in, 3, out, sizeof out), -1);
    /* and gbk has no four-byte forms at all */
    assert_int_equal(ub_mbcs_encode(cache, id_of("gbk"), in, 3, out, sizeof out), -1);
    /* surrogates and out-of-range values are never encodable */
    uint32_t bad[2] = { 0xD800, 0x110000 };
    assert_int_equal(ub_mbcs_encode(cache, gb, bad, 1, out, sizeof out), -1);
    assert_int_equal(ub_mbcs_encode(cache, gb, bad + 1, 1, out, sizeof out), -1);
    ub_mbcs_cache_free(cache);
}

static void test_encode_errors(void **state)
{
    (void)state;
    ub_mbcs_cache *cache = ub_mbcs_cache_new();
    uint8_t out[4];
    uint32_t in[3] = { 0x4E2D, 0x6587, 'a' };
    assert_int_equal(ub_mbcs_encode(cache, 0, in, 0, out, 0), 0);
    assert_int_equal(ub_mbcs_encode(cache, 0, in, 3, out, 4), -2);     /* needs 5 */
    assert_int_equal(ub_mbcs_encode(cache, -1, in, 1, out, 4), -2);
    assert_int_equal(ub_mbcs_encode(cache, ub_mbcs_count(), in, 1, out, 4), -2);
    assert_int_equal(ub_mbcs_encode(cache, 0, in, 2, out, 4), 4);
    assert_memory_equal(out, "\xD6\xD0\xCE\xC4", 4);                   /* 中文 in GBK */
    assert_int_equal(ub_mbcs_prepare(0), 0);
    assert_int_equal(ub_mbcs_prepare(-1), -1);
    ub_mbcs_cache_free(cache);
}

/* ------------------------------------------------------------------ */
/* The generated data                                                  */
/* ------------------------------------------------------------------ */

/* What was checked only for pairs and the BMP above: every EUC-JP triple
 * decodes as ICU decodes it, every supplementary character a decoder
 * produces encodes as ICU's round trip, and every sequence ICU decodes to
 * a character is among that character's alternatives. */
static void test_triples_supplementary_alts_vs_icu(void **state)
{
    (void)state;
    long n_triples = 0, n_supp = 0;
    for (int id = 0; id < ub_mbcs_count(); id++) {
        UConverter *c = icu_open(id, 0);
        /* every sequence ICU decodes: 1 byte, lead+trail, 0x8F triples */
        for (uint32_t s = 0; s < 0x10000 + 94 * 94; s++) {
            uint8_t b[3];
            int len;
            if (s < 0x100) {
                b[0] = (uint8_t)s;
                len = 1;
            } else if (s < 0x10000) {
                b[0] = (uint8_t)(s >> 8);
                b[1] = (uint8_t)s;
                len = 2;
                uint32_t one;
                if (b[0] < 0x80 || icu_dec1(c, b, 1, &one))
                    continue;
            } else {
                b[0] = 0x8F;
                b[1] = (uint8_t)(0xA1 + (s - 0x10000) / 94);
                b[2] = (uint8_t)(0xA1 + (s - 0x10000) % 94);
                len = 3;
            }
            uint32_t want, got = 0;
            int ok = icu_dec1(c, b, len, &want);
            if (len == 3) {
                int l = ub_mbcs_decode_char(id, b, 3, &got);
                if (ok != (l == 3) || (ok && got != want))
                    fail_msg("%s triple %02X %02X %02X: ICU %d U+%04X, table %d U+%04X",
                             ub_mbcs_name(id), b[0], b[1], b[2], ok, ok ? want : 0, l, got);
                n_triples += ok;
            }
            if (!ok)
                continue;
            uint32_t seq[16], packed = 0;
            for (int i = 0; i < len; i++)
                packed = packed << 8 | b[i];
            int k = ub_mbcs_encode_alts(id, want, seq, 16), found = 0;
            for (int i = 0; i < k && i < 16; i++)
                found |= seq[i] == ((uint32_t)len << 24 | packed);
            if (!found)
                fail_msg("%s: %0*X decodes to U+%04X but is not among its %d alternatives",
                         ub_mbcs_name(id), 2 * len, packed, want, k);
        }
        /* supplementary characters */
        for (uint32_t cp = 0x10000; cp < 0x110000; cp++) {
            if (!ub_mbcs_may_produce(id, cp))
                continue;
            uint8_t mine[4], theirs[8];
            int ml = ub_mbcs_encode_cp(id, cp, mine);
            int tl = icu_enc(c, cp, theirs);
            uint32_t back;
            int roundtrip = tl >= 1 && tl <= 3 && icu_dec1(c, theirs, tl, &back) && back == cp;
            if (roundtrip ? ml != tl || memcmp(mine, theirs, (size_t)tl) : ml >= 0)
                fail_msg("%s U+%05X: table gives %d bytes, ICU %d bytes (round trip %d)",
                         ub_mbcs_name(id), cp, ml, tl, roundtrip);
            n_supp++;
        }
        ucnv_close(c);
    }
    /* JIS X 0212 has about 6,000 characters; HKSCS about 1,700 beyond the BMP */
    assert_true(n_triples > 5000);
    assert_true(n_supp > 1000);
}

/* The committed blob is what src/gen/gen_mbcs.c makes from this ICU. */
static void test_tables_are_generated(void **state)
{
    (void)state;
    const uint8_t *blob = ub_mbcs_blob_start;
    size_t len = (size_t)(ub_mbcs_blob_end - ub_mbcs_blob_start);
    assert_true(len >= GM_HEADER);
    char recorded[17], note[97], icu[U_MAX_VERSION_STRING_LENGTH];
    memcpy(recorded, blob + 16, 16);
    recorded[16] = 0;
    memcpy(note, blob + 32, 96);
    note[96] = 0;
    UVersionInfo v;
    u_getVersion(v);
    u_versionToString(v, icu);
    if (strcmp(recorded, icu)) {
        print_message("[  SKIP    ] the MBCS tables were generated from ICU %s, this is ICU %s:"
                      " not compared (run `make tables-mbcs` to regenerate them)\n",
                      recorded, icu);
        skip();
    }
    uint8_t *fresh;
    size_t n;
    assert_int_equal(gen_mbcs_build("", &fresh, &n), 0);
    /* everything but the provenance note */
    size_t diff = n == len ? SIZE_MAX : 0;
    for (size_t i = 0; i < n && i < len && diff == SIZE_MAX; i++)
        if ((i < 32 || i >= GM_HEADER) && fresh[i] != blob[i])
            diff = i;
    free(fresh);
    if (diff != SIZE_MAX)
        fail_msg("src/lib/mbcs_tables.bin (%s) differs from ICU %s's tables at byte %zu "
                 "(%zu vs %zu bytes): run `make tables-mbcs`", note, icu, diff, len, n);
    /* the note names the generator and the ICU version */
    assert_non_null(strstr(note, "gen_mbcs.c"));
    assert_non_null(strstr(note, icu));
}

/* ------------------------------------------------------------------ */
/* Concurrent first use                                                */
/* ------------------------------------------------------------------ */

static void *hammer(void *arg)
{
    long *sum = arg;
    for (int id = ub_mbcs_count() - 1; id >= 0; id--)
        for (uint32_t cp = 0x4E00; cp < 0x5000; cp++) {
            uint8_t b[4];
            *sum += ub_mbcs_may_produce(id, cp) + ub_mbcs_encode_cp(id, cp, b);
        }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    /* every thread must see the same complete tables */
    pthread_t th[4];
    long sums[4] = { 0 };
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, hammer, &sums[i]), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    for (int i = 1; i < 4; i++)
        assert_int_equal(sums[i], sums[0]);
    long again = 0;
    hammer(&again);
    assert_int_equal(again, sums[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_encode_vs_icu),
        cmocka_unit_test(test_decode_vs_icu),
        cmocka_unit_test(test_fallback_refused),
        cmocka_unit_test(test_decode_conventions),
        cmocka_unit_test(test_decode_char_walk),
        cmocka_unit_test(test_decode_tab_vs_icu),
        cmocka_unit_test(test_mojibake_roundtrip),
        cmocka_unit_test(test_encode_alts),
        cmocka_unit_test(test_may_produce),
        cmocka_unit_test(test_gb18030_four_byte),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_triples_supplementary_alts_vs_icu),
        cmocka_unit_test(test_tables_are_generated),
    };
    return cmocka_run_group_tests_name("mbcs", tests, NULL, NULL);
}
