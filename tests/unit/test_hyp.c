/*
 * test_hyp.c -- hypotheses in words (src/lib/hyp.c), as --explain and
 * `unbake check` print them.
 *
 * Every kind, with the wording README.md and the man page show ("utf-8
 * read as windows-1252, 1 layer", "windows-1252 bytes, not utf-8"), the
 * innermost mistake named first, each loss once and in a fixed order;
 * then truncation: for every buffer size the text is the full description
 * cut to fit, always NUL-terminated, nothing written past the buffer.
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
#include "hyp.h"
#include "mbcs.h"
#include "mbcs_lossy.h"
#include "tools/testkit.h"

static int mb(const char *name)
{
    int id = ub_mbcs_find(name);
    if (id < 0)
        fail_msg("multibyte codec %s not found", name);
    return UB_NCODECS + id;
}

static void expect(const ub_hyp *h, const char *want)
{
    char buf[512];
    const char *got = ub_hyp_describe(h, buf, sizeof buf);
    assert_ptr_equal(got, buf);
    if (strcmp(got, want))
        fail_msg("described as \"%s\", expected \"%s\"", got, want);
}

static ub_hyp utf8(int nlayers, int c0, int c1, int c2)
{
    ub_hyp h = { .kind = UB_HYP_UTF8, .nlayers = nlayers,
                 .codec = { (int8_t)c0, (int8_t)c1, (int8_t)c2 } };
    return h;
}

static void test_layers(void **state)
{
    (void)state;
    /* README's --explain example */
    ub_hyp h = utf8(1, UB_CODEC_CP1252, 0, 0);
    expect(&h, "utf-8 read as windows-1252, 1 layer");
    h = utf8(1, UB_CODEC_KOI8R, 0, 0);
    expect(&h, "utf-8 read as koi8-r, 1 layer");
    /* innermost first: codec[1] was the first mistake */
    h = utf8(2, UB_CODEC_CP1252, UB_CODEC_CP1251, 0);
    expect(&h, "utf-8 read as windows-1251, then windows-1252, 2 layers");
    h = utf8(3, UB_CODEC_LATIN1, UB_CODEC_MACROMAN, UB_CODEC_CP437);
    expect(&h, "utf-8 read as ibm437, then macintosh, then iso-8859-1, 3 layers");
    h = utf8(1, UB_CODEC_CP1252, 0, 0);
    h.cesu = 1;
    expect(&h, "utf-8 (cesu-8) read as windows-1252, 1 layer");
    h = utf8(2, UB_CODEC_CP1252, UB_CODEC_CP1252, 0);
    h.inner_legacy = 1;
    expect(&h, "windows-1252 read as iso-8859-1, then utf-8 read as windows-1252, then "
               "windows-1252, 2 layers");
    /* a multibyte codec inside a single-byte one: by its own name */
    h = utf8(2, UB_CODEC_CP1252, mb("gbk"), 0);
    expect(&h, "utf-8 read as gbk, then windows-1252, 2 layers");
}

static void test_lossy(void **state)
{
    (void)state;
    ub_hyp h = utf8(1, UB_CODEC_CP1252, 0, 0);
    static const struct {
        uint32_t ops;
        const char *words;
    } k[] = {
        { 1u << UB_OP_DROP, "; lossy: bytes dropped" },
        { 1u << UB_OP_QMARK, "; lossy: '?' substituted" },
        { 1u << UB_OP_FFFD, "; lossy: U+FFFD substituted" },
        { 1u << UB_OP_SPACE, "; lossy: NBSP as space" },
        { 1u << UB_OP_SPACE | 1u << UB_OP_DROP, "; lossy: bytes dropped, NBSP as space" },
        { 1u << UB_OP_FFFD | 1u << UB_OP_SPACE, "; lossy: U+FFFD substituted, NBSP as space" },
        { 0x1E, "; lossy: bytes dropped, '?' substituted, U+FFFD substituted, NBSP as space" },
        /* UB_OP_NONE's bit says nothing */
        { 1u << UB_OP_NONE | 1u << UB_OP_QMARK, "; lossy: '?' substituted" },
    };
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        h.ops_used = k[i].ops;
        char want[256];
        snprintf(want, sizeof want, "utf-8 read as windows-1252, 1 layer%s", k[i].words);
        expect(&h, want);
    }
    /* windows-1252 bytes among the UTF-8, characters left as they were */
    h = utf8(1, UB_CODEC_LATIN1, 0, 0);
    h.nlegacy = 1;
    expect(&h, "utf-8 read as iso-8859-1, 1 layer; mixed: 1 windows-1252 byte among the utf-8");
    h.nlegacy = 12;
    expect(&h, "utf-8 read as iso-8859-1, 1 layer; mixed: 12 windows-1252 bytes among the utf-8");
    h.ops_used = 1u << UB_OP_DROP;
    expect(&h, "utf-8 read as iso-8859-1, 1 layer; lossy: bytes dropped, 12 windows-1252 bytes "
               "among the utf-8");
    h = utf8(1, UB_CODEC_CP1251, 0, 0);
    h.nkeep = 1;
    expect(&h, "utf-8 read as windows-1251, 1 layer; partial: 1 character left as is");
    h.nkeep = 3;
    expect(&h, "utf-8 read as windows-1251, 1 layer; partial: 3 characters left as is");
    h.ops_used = 1u << UB_OP_QMARK;
    expect(&h, "utf-8 read as windows-1251, 1 layer; lossy: '?' substituted, 3 characters "
               "left as is");
    h.ops_used = 0;
    h.nlegacy = 2;
    h.nkeep = 1;
    expect(&h, "utf-8 read as windows-1251, 1 layer; mixed: 2 windows-1252 bytes among the "
               "utf-8, 1 character left as is");
    h.ops_used = 0;
    h.nkeep = 4000000000u;
    h.nlegacy = 0;
    expect(&h, "utf-8 read as windows-1251, 1 layer; partial: 4000000000 characters left as is");
}

static void test_mbcs(void **state)
{
    (void)state;
    ub_hyp h = { .kind = UB_HYP_MBCS, .nlayers = 1, .codec = { (int8_t)mb("gbk") } };
    expect(&h, "utf-8 read as gbk, 1 layer");
    /* the wording tests/cli shows for the conventions */
    h.ops_used = 1u << UB_OP_FFFD;
    h.conv = UB_MBCS_CONV_ICU;
    expect(&h, "utf-8 read as gbk, 1 layer; lossy: undecodable bytes replaced by U+FFFD (icu)");
    h.codec[0] = (int8_t)mb("shift_jis");
    h.conv = UB_MBCS_CONV_PYTHON;
    expect(&h, "utf-8 read as shift_jis, 1 layer; lossy: undecodable bytes replaced by U+FFFD "
               "(python)");
    h.conv = UB_MBCS_CONV_WIN;
    h.ops_used = 1u << UB_OP_QMARK;
    expect(&h, "utf-8 read as shift_jis, 1 layer; lossy: undecodable bytes replaced by '?' or "
               "U+30FB (windows)");
    /* dropped: said once, no convention after it */
    h.conv = UB_MBCS_CONV_DROP;
    h.ops_used = 1u << UB_OP_DROP;
    expect(&h, "utf-8 read as shift_jis, 1 layer; lossy: undecodable bytes dropped");
    /* every multibyte codec by its name */
    for (int id = 0; id < ub_mbcs_count(); id++) {
        ub_hyp m = { .kind = UB_HYP_MBCS, .nlayers = 1, .codec = { (int8_t)(UB_NCODECS + id) } };
        char want[128];
        snprintf(want, sizeof want, "utf-8 read as %s, 1 layer", ub_mbcs_name(id));
        expect(&m, want);
        assert_string_equal(ub_hyp_codec_name(UB_NCODECS + id), ub_mbcs_name(id));
    }
}

static void test_legacy_and_bytes(void **state)
{
    (void)state;
    ub_hyp h = { .kind = UB_HYP_LEGACY, .nlayers = 1, .codec = { UB_CODEC_CP1252 } };
    expect(&h, "windows-1252 read as iso-8859-1");
    h.codec[0] = UB_CODEC_CP1251;
    expect(&h, "windows-1251 read as iso-8859-1");
    /* README: "\xE9" -> "é": windows-1252 bytes, not utf-8 */
    ub_hyp b = { .kind = UB_HYP_BYTES, .nlayers = 1, .codec = { UB_CODEC_CP1252 } };
    expect(&b, "windows-1252 bytes, not utf-8");
    b.nkeep = 1;
    expect(&b, "windows-1252 bytes, not utf-8, among 1 utf-8 character");
    b.nkeep = 7;
    expect(&b, "windows-1252 bytes, not utf-8, among 7 utf-8 characters");
    b = (ub_hyp){ .kind = UB_HYP_BYTES, .nlayers = 1, .codec = { (int8_t)mb("big5") } };
    expect(&b, "big5 bytes, not utf-8");
    /* every single-byte codec by its canonical name */
    for (int id = 0; id < UB_NCODECS; id++) {
        ub_hyp x = { .kind = UB_HYP_BYTES, .nlayers = 1, .codec = { (int8_t)id } };
        char want[128];
        snprintf(want, sizeof want, "%s bytes, not utf-8", ub_codec_info_of(id)->name);
        expect(&x, want);
        assert_string_equal(ub_hyp_codec_name(id), ub_codec_info_of(id)->name);
    }
}

/* Every buffer size: the full text cut to size - 1 bytes and terminated;
 * the bytes after the buffer untouched; size 0 writes nothing. */
static void test_truncation(void **state)
{
    (void)state;
    ub_hyp hs[4];
    hs[0] = utf8(3, UB_CODEC_LATIN1, UB_CODEC_MACROMAN, UB_CODEC_CP437);
    hs[0].inner_legacy = 1;
    hs[0].cesu = 2;
    hs[0].ops_used = 0x1E;
    hs[0].nlegacy = 3;
    hs[0].nkeep = 12;
    hs[1] = (ub_hyp){ .kind = UB_HYP_BYTES, .nlayers = 1, .codec = { UB_CODEC_CP1252 },
                      .nkeep = 5 };
    hs[2] = (ub_hyp){ .kind = UB_HYP_LEGACY, .nlayers = 1, .codec = { UB_CODEC_KOI8U } };
    hs[3] = (ub_hyp){ .kind = UB_HYP_MBCS, .nlayers = 1, .codec = { (int8_t)mb("euc-jp") },
                      .ops_used = 1u << UB_OP_FFFD, .conv = UB_MBCS_CONV_PYTHON };
    for (size_t k = 0; k < sizeof hs / sizeof *hs; k++) {
        char full[1024];
        ub_hyp_describe(&hs[k], full, sizeof full);
        size_t len = strlen(full);
        assert_true(len > 20 && len < sizeof full - 1);
        for (size_t size = 0; size <= len + 2; size++) {
            char buf[1040];
            memset(buf, 'Z', sizeof buf);
            ub_hyp_describe(&hs[k], buf, size);
            if (size == 0) {
                assert_int_equal(buf[0], 'Z');
                continue;
            }
            size_t want = size - 1 < len ? size - 1 : len;
            assert_int_equal(strlen(buf), want);
            assert_memory_equal(buf, full, want);
            for (size_t i = size; i < sizeof buf; i++)
                if (buf[i] != 'Z')
                    fail_msg("size %zu: byte %zu written", size, i);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layers),
        cmocka_unit_test(test_lossy),
        cmocka_unit_test(test_mbcs),
        cmocka_unit_test(test_legacy_and_bytes),
        cmocka_unit_test(test_truncation),
    };
    tk_catch_crashes();
    return cmocka_run_group_tests_name("hyp", tests, NULL, NULL);
}
