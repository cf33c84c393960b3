/*
 * test_codec.c -- the single-byte codec tables and their reverse map
 * (src/lib/codec.c, codec.h, the generated codec_tables.c).
 *
 * The expected tables are rebuilt here from the converters named in
 * codec_list.h (ICU through ucnv, glibc iconv where it says "iconv:"), the
 * way src/gen/gen_codecs.c does, but with this file's own code: a byte the
 * converter leaves undefined or maps to a C1 control is lossy and decodes
 * "sloppily" to the code point of its own value.  Against them: every
 * byte of every codec, the reverse direction (ub_codec_encode) over the
 * whole BMP, the rows of ub_codec_row_of() with their lead and
 * continuation masks, the droppable-codec masks, and the names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/uversion.h>

#include "codec.h"
#include "tools/testkit.h"

/* ------------------------------------------------------------------ */
/* The expected tables                                                 */
/* ------------------------------------------------------------------ */

struct spec {
    const char *ident, *name, *source, *aliases;
    int prior;
};

static const struct spec specs[] = {
#define UB_CODEC(id, name, source, prior, aliases) { #id, name, source, aliases, prior },
#include "codec_list.h"
#undef UB_CODEC
};

struct expect {
    uint32_t cp[256];       /* what each byte decodes to (sloppy) */
    uint8_t lossy[256];     /* undefined, or a C1 control */
    uint8_t undefined[256]; /* the converter does not map it at all */
};

static struct expect want[UB_NCODECS];
static uint8_t first[UB_NCODECS][0x10000];  /* first byte reading as cp, 0 */

/* Decode one byte with ICU, stopping at an undefined one: -1 then. */
static long icu_byte(UConverter *cnv, uint8_t b)
{
    UChar out[4];
    const char *src = (const char *)&b;
    UChar *dst = out;
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(cnv);
    ucnv_toUnicode(cnv, &dst, out + 4, &src, src + 1, NULL, 1, &err);
    if (U_FAILURE(err) || dst - out != 1 || out[0] == 0xFFFD || out[0] == 0x1A)
        return -1;
    return out[0];
}

static int load(const struct spec *s, struct expect *x, char *err, size_t errlen)
{
    long cps[256];
    if (!strncmp(s->source, "icu:", 4)) {
        UErrorCode e = U_ZERO_ERROR;
        UConverter *cnv = ucnv_open(s->source + 4, &e);
        if (U_FAILURE(e)) {
            snprintf(err, errlen, "%s: ICU: %s", s->source, u_errorName(e));
            return -1;
        }
        ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
        for (int b = 0x80; b < 0x100; b++)
            cps[b] = icu_byte(cnv, (uint8_t)b);
        ucnv_close(cnv);
    } else if (!strncmp(s->source, "iconv:", 6)) {
        iconv_t cd = iconv_open("UTF-32LE", s->source + 6);
        if (cd == (iconv_t)-1) {
            snprintf(err, errlen, "%s: iconv: %s", s->source, strerror(errno));
            return -1;
        }
        for (int b = 0x80; b < 0x100; b++)
            cps[b] = tk_iconv_byte(cd, (uint8_t)b);
        iconv_close(cd);
    } else {
        snprintf(err, errlen, "%s: unknown source", s->source);
        return -1;
    }
    for (int b = 0; b < 0x100; b++) {
        long cp = b < 0x80 ? b : cps[b];
        x->undefined[b] = cp < 0;
        x->lossy[b] = cp < 0 || (cp >= 0x80 && cp < 0xA0);
        x->cp[b] = x->lossy[b] ? (uint32_t)b : (uint32_t)cp;
    }
    return 0;
}

static int setup(void **state)
{
    (void)state;
    if (sizeof specs / sizeof *specs != UB_NCODECS)
        return -1;
    for (int id = 0; id < UB_NCODECS; id++) {
        char err[256];
        if (load(&specs[id], &want[id], err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
        for (int b = 0xFF; b >= 0x80; b--)
            if (want[id].cp[b] <= 0xFFFF)
                first[id][want[id].cp[b]] = (uint8_t)b;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Forward                                                             */
/* ------------------------------------------------------------------ */

/* Every byte of every codec: the value, and the lossy bit. */
static void test_tables_match_converters(void **state)
{
    (void)state;
    UVersionInfo v;
    char icu[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(v);
    u_versionToString(v, icu);
    print_message("  tables from ICU %s, this ICU %s\n", ub_codec_tables_icu_version, icu);
    int bad = 0;
    for (int id = 0; id < UB_NCODECS; id++) {
        for (int b = 0; b < 0x100; b++) {
            uint32_t got = ub_codec_decode(id, (uint8_t)b);
            int lossy = ub_codec_is_lossy(id, (uint8_t)b);
            if (got != want[id].cp[b] || lossy != want[id].lossy[b]) {
                if (bad++ < 20)
                    fprintf(stderr, "    %s byte 0x%02X: table U+%04X%s, %s U+%04X%s\n",
                            specs[id].name, b, (unsigned)got, lossy ? " (lossy)" : "",
                            specs[id].source, (unsigned)want[id].cp[b],
                            want[id].lossy[b] ? " (lossy)" : "");
            }
        }
    }
    if (bad)
        fail_msg("%d bytes differ from the converters (run `make tables`?)", bad);
}

/* A few values anyone can check in the code charts, so that a converter
 * that is not the codec it is named after fails too. */
static void test_known_bytes(void **state)
{
    (void)state;
    static const struct {
        int id;
        uint8_t b;
        uint32_t cp;
        int lossy;
    } k[] = {
        { UB_CODEC_CP1252, 0x80, 0x20AC, 0 },   /* € */
        { UB_CODEC_CP1252, 0x81, 0x0081, 1 },   /* undefined */
        { UB_CODEC_CP1252, 0x9D, 0x009D, 1 },
        { UB_CODEC_CP1252, 0xA0, 0x00A0, 0 },
        { UB_CODEC_CP1252, 0xE9, 0x00E9, 0 },   /* é */
        { UB_CODEC_LATIN1, 0x85, 0x0085, 1 },   /* a C1 control */
        { UB_CODEC_LATIN1, 0xA9, 0x00A9, 0 },
        { UB_CODEC_CP1251, 0xC0, 0x0410, 0 },   /* А */
        { UB_CODEC_CP1251, 0x98, 0x0098, 1 },   /* the one hole */
        { UB_CODEC_CP1251, 0xB9, 0x2116, 0 },   /* № */
        { UB_CODEC_KOI8R, 0xC1, 0x0430, 0 },    /* а */
        { UB_CODEC_KOI8R, 0x80, 0x2500, 0 },    /* ─ */
        { UB_CODEC_MACROMAN, 0x80, 0x00C4, 0 }, /* Ä */
        { UB_CODEC_MACROMAN, 0xDB, 0x20AC, 0 }, /* € */
        { UB_CODEC_CP437, 0x80, 0x00C7, 0 },    /* Ç */
        { UB_CODEC_CP437, 0xDB, 0x2588, 0 },    /* █ */
        { UB_CODEC_CP866, 0x80, 0x0410, 0 },
        { UB_CODEC_ISO7, 0xC1, 0x0391, 0 },     /* Α */
        { UB_CODEC_ISO8, 0xE0, 0x05D0, 0 },     /* א */
        { UB_CODEC_ISO8, 0xBF, 0x00BF, 1 },     /* undefined */
        { UB_CODEC_ISO11, 0xA1, 0x0E01, 0 },    /* ก */
        { UB_CODEC_ISO15, 0xA4, 0x20AC, 0 },
        { UB_CODEC_ISO16, 0xA1, 0x0104, 0 },    /* Ą */
        { UB_CODEC_CP1255, 0xE0, 0x05D0, 0 },
        { UB_CODEC_CP1256, 0xC7, 0x0627, 0 },   /* ا */
        { UB_CODEC_CP1258, 0xCC, 0x0300, 0 },   /* combining grave */
    };
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        if (ub_codec_decode(k[i].id, k[i].b) != k[i].cp ||
            ub_codec_is_lossy(k[i].id, k[i].b) != k[i].lossy)
            fail_msg("%s byte 0x%02X: U+%04X%s, expected U+%04X%s", specs[k[i].id].name,
                     k[i].b, (unsigned)ub_codec_decode(k[i].id, k[i].b),
                     ub_codec_is_lossy(k[i].id, k[i].b) ? " (lossy)" : "", (unsigned)k[i].cp,
                     k[i].lossy ? " (lossy)" : "");
    }
    /* every codec: ASCII is ASCII and never lossy; above it, no byte
     * reads as ASCII (UTF-8 could not be undone) and every table value
     * fits the reverse map's BMP pages */
    for (int id = 0; id < UB_NCODECS; id++) {
        for (int b = 0; b < 0x80; b++) {
            assert_int_equal(ub_codec_decode(id, (uint8_t)b), b);
            assert_false(ub_codec_is_lossy(id, (uint8_t)b));
        }
        for (int b = 0x80; b < 0x100; b++) {
            uint32_t cp = ub_codec_decode(id, (uint8_t)b);
            assert_true(cp >= 0x80 && cp <= 0xFFFF);
            /* sloppy: a lossy byte reads as itself */
            if (ub_codec_is_lossy(id, (uint8_t)b))
                assert_int_equal(cp, b);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Reverse                                                             */
/* ------------------------------------------------------------------ */

/* The first byte of codec id that reads as cp, or -1. */
static int first_byte(int id, uint32_t cp)
{
    if (cp < 0x80)
        return (int)cp;
    return cp <= 0xFFFF && first[id][cp] ? first[id][cp] : -1;
}

/*
 * encode(decode(b)) == b for every byte the codec defines; a lossy byte
 * that reads like a defined one (ISO-8859-8's undefined 0xD7 and its
 * 0xAA, both U+00D7) encodes to the byte that reads so first.
 */
static void test_encode_decode(void **state)
{
    (void)state;
    int collisions = 0;
    for (int id = 0; id < UB_NCODECS; id++) {
        for (int b = 0; b < 0x100; b++) {
            uint32_t cp = ub_codec_decode(id, (uint8_t)b);
            int e = ub_codec_encode(id, cp);
            if (!want[id].lossy[b] && e != b)
                fail_msg("%s: byte 0x%02X reads as U+%04X, which encodes to %d", specs[id].name,
                         b, (unsigned)cp, e);
            if (want[id].lossy[b] && e != b) {
                /* only where a byte before it reads alike */
                assert_true(e >= 0x80 && e < b);
                assert_int_equal(ub_codec_decode(id, (uint8_t)e), cp);
                collisions++;
            }
        }
    }
    print_message("  %d undefined bytes read like an earlier byte of their codec\n", collisions);
}

/* ub_codec_encode over the whole BMP and past it: a byte exactly for the
 * code points some byte reads as, and it is the first such byte. */
static void test_encode_all(void **state)
{
    (void)state;
    for (int id = 0; id < UB_NCODECS; id++) {
        for (uint32_t cp = 0; cp < 0x10000; cp++) {
            int e = ub_codec_encode(id, cp);
            int w = first_byte(id, cp);
            if (e != w)
                fail_msg("%s: U+%04X encodes to %d, expected %d", specs[id].name, (unsigned)cp, e,
                         w);
        }
        static const uint32_t big[] = { 0x10000, 0x1F600, 0x10FFFF, 0x110000, 0xFFFFFFFFu };
        for (size_t i = 0; i < sizeof big / sizeof *big; i++)
            assert_int_equal(ub_codec_encode(id, big[i]), -1);
    }
}

/*
 * ub_codec_row_of() and ub_codec_encodable() for every code point: the
 * row exists exactly when some codec encodes the code point, and its
 * masks say which codecs encode it to a UTF-8 lead (C2..F4, of three
 * bytes E0..EF, of four F0..F4) or continuation byte (80..BF).
 */
static void test_rows(void **state)
{
    (void)state;
    size_t rows = 0;
    for (uint32_t cp = 0x80; cp < 0x10000; cp++) {
        ub_codec_mask mask = 0, lead = 0, cont = 0, lead3 = 0, lead4 = 0;
        int byte[UB_NCODECS];
        for (int id = 0; id < UB_NCODECS; id++) {
            int b = byte[id] = first_byte(id, cp);
            ub_codec_mask bit = (ub_codec_mask)1 << id;
            if (b < 0)
                continue;
            mask |= bit;
            lead |= b >= 0xC2 && b <= 0xF4 ? bit : 0;
            cont |= b >= 0x80 && b <= 0xBF ? bit : 0;
            lead3 |= b >= 0xE0 && b <= 0xEF ? bit : 0;
            lead4 |= b >= 0xF0 && b <= 0xF4 ? bit : 0;
        }
        const ub_codec_row *r = ub_codec_row_of(cp);
        assert_int_equal(ub_codec_encodable(cp), mask);
        if (!mask) {
            if (r)
                fail_msg("U+%04X: a row, but no codec encodes it", (unsigned)cp);
            continue;
        }
        rows++;
        if (!r)
            fail_msg("U+%04X: no row, but codecs 0x%08X encode it", (unsigned)cp, (unsigned)mask);
        assert_int_equal(r->cp, cp);
        if (r->mask != mask || r->lead != lead || r->cont != cont || r->lead3 != lead3 ||
            r->lead4 != lead4)
            fail_msg("U+%04X: masks %08X/%08X/%08X/%08X/%08X, expected "
                     "%08X/%08X/%08X/%08X/%08X", (unsigned)cp, (unsigned)r->mask,
                     (unsigned)r->lead, (unsigned)r->cont, (unsigned)r->lead3,
                     (unsigned)r->lead4, (unsigned)mask, (unsigned)lead, (unsigned)cont,
                     (unsigned)lead3, (unsigned)lead4);
        for (int id = 0; id < UB_NCODECS; id++)
            if (byte[id] >= 0)
                assert_int_equal(r->byte[id], byte[id]);
    }
    for (uint32_t cp = 0x10000; cp < 0x10100; cp++)
        assert_null(ub_codec_row_of(cp));
    assert_null(ub_codec_row_of(0x10FFFF));
    assert_int_equal(ub_codec_encodable('A'), UB_CODEC_ALL);
    assert_int_equal(ub_codec_encodable(0), UB_CODEC_ALL);
    assert_int_equal(ub_codec_encodable(0x1F600), 0);
    print_message("  %zu code points have a row\n", rows);
}

/* The codecs that can lose a byte, as codec.h defines them. */
static void test_droppable(void **state)
{
    (void)state;
    ub_codec_mask cont = 0, any = 0;
    for (int id = 0; id < UB_NCODECS; id++) {
        for (int b = 0x80; b <= 0xF4; b++) {
            uint32_t cp = want[id].cp[b];
            int loses = want[id].lossy[b] || cp == 0xA0 || cp == 0xAD;
            if (b < 0xC0 && loses)
                cont |= (ub_codec_mask)1 << id;
            if (loses || (cp >= 0x80 && cp < 0xA0))
                any |= (ub_codec_mask)1 << id;
        }
    }
    assert_int_equal(ub_codec_cont_droppable(), cont);
    assert_int_equal(ub_codec_utf8_droppable(), any);
    /* named: IBM437 and IBM866 define every byte and have their NBSP at
     * 0xFF, so no continuation byte is lost; KOI8-R's NBSP is 0x9A */
    assert_false(cont >> UB_CODEC_CP437 & 1);
    assert_false(cont >> UB_CODEC_CP866 & 1);
    assert_false(any >> UB_CODEC_CP437 & 1);
    assert_true(cont >> UB_CODEC_KOI8R & 1);
    assert_true(cont >> UB_CODEC_CP1252 & 1);
    assert_true(cont >> UB_CODEC_LATIN1 & 1);
    assert_true(any >> UB_CODEC_CP1251 & 1);
}

/* ------------------------------------------------------------------ */
/* Names                                                               */
/* ------------------------------------------------------------------ */

static void test_names(void **state)
{
    (void)state;
    int lowest = 0;
    for (int id = 0; id < UB_NCODECS; id++) {
        const ub_codec_info *in = ub_codec_info_of(id);
        assert_non_null(in);
        assert_string_equal(in->name, specs[id].name);
        assert_string_equal(in->aliases, specs[id].aliases);
        assert_int_equal(in->prior, specs[id].prior);
        assert_true(in->prior >= 0);
        if (in->prior < ub_codec_info_of(lowest)->prior)
            lowest = id;
        /* the name and every alias find this codec (no alias taken twice),
         * also spelt in capitals with '_' for '-' */
        assert_int_equal(ub_codec_find(in->name), id);
        char buf[64];
        for (const char *p = in->aliases; *p;) {
            size_t len = strcspn(p, " ");
            assert_true(len > 0 && len < sizeof buf);
            memcpy(buf, p, len);
            buf[len] = 0;
            if (ub_codec_find(buf) != id)
                fail_msg("alias %s finds codec %d, not %s", buf, ub_codec_find(buf), in->name);
            for (size_t i = 0; i < len; i++)
                buf[i] = buf[i] == '-' ? '_' : buf[i] >= 'a' && buf[i] <= 'z' ? (char)(buf[i] - 32)
                                                                              : buf[i];
            assert_int_equal(ub_codec_find(buf), id);
            p += len;
            p += *p == ' ';
        }
    }
    /* windows-1252 is the cheapest mistake, alone */
    assert_int_equal(lowest, UB_CODEC_CP1252);
    for (int id = 1; id < UB_NCODECS; id++)
        assert_true(ub_codec_info_of(id)->prior > ub_codec_info_of(UB_CODEC_CP1252)->prior);

    assert_int_equal(ub_codec_find("Windows_1252"), UB_CODEC_CP1252);
    assert_int_equal(ub_codec_find("WINDOWS1251"), UB_CODEC_CP1251);
    assert_int_equal(ub_codec_find("--koi8--r__"), UB_CODEC_KOI8R);
    assert_int_equal(ub_codec_find("latin1"), UB_CODEC_LATIN1);
    assert_int_equal(ub_codec_find("tis-620"), UB_CODEC_ISO11);
    assert_int_equal(ub_codec_find("windows-125"), -1);
    assert_int_equal(ub_codec_find("windows-12522"), -1);
    assert_int_equal(ub_codec_find("utf-8"), -1);
    assert_int_equal(ub_codec_find(""), -1);
    assert_int_equal(ub_codec_find("-"), -1);
    assert_int_equal(ub_codec_find("gbk"), -1);       /* multibyte: mbcs.h's */
    assert_null(ub_codec_info_of(-1));
    assert_null(ub_codec_info_of(UB_NCODECS));

    assert_true(ub_codec_name_matches("CP-1252", "windows-1252", "cp1252 win-1252"));
    assert_true(ub_codec_name_matches("win_1252", "windows-1252", "cp1252 win-1252"));
    assert_false(ub_codec_name_matches("win", "windows-1252", "cp1252 win-1252"));
    assert_false(ub_codec_name_matches("cp125", "windows-1252", "cp1252 win-1252"));
    assert_false(ub_codec_name_matches("x", "windows-1252", ""));
    /* two spaces: an empty alias matches nothing */
    assert_false(ub_codec_name_matches("", "a", "b  c"));
    assert_true(ub_codec_name_matches("c", "a", "b  c"));
}

/*
 * The canonical names are what ICU calls those codecs too: opened by our
 * name, ICU's converter agrees with the table on every byte both define
 * (ISO-8859-16, which Debian's ICU lacks, is left out when ICU cannot
 * open it).  Catches a source in codec_list.h that is some other codec.
 */
static void test_names_are_icu_names(void **state)
{
    (void)state;
    int checked = 0;
    for (int id = 0; id < UB_NCODECS; id++) {
        UErrorCode e = U_ZERO_ERROR;
        UConverter *cnv = ucnv_open(specs[id].name, &e);
        if (U_FAILURE(e)) {
            assert_int_equal(strncmp(specs[id].source, "iconv:", 6), 0);
            continue;
        }
        ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
        for (int b = 0x80; b < 0x100; b++) {
            long cp = icu_byte(cnv, (uint8_t)b);
            if (cp < 0 || want[id].lossy[b])
                continue;
            if ((uint32_t)cp != want[id].cp[b])
                fail_msg("%s: byte 0x%02X is U+%04lX for ICU's \"%s\", U+%04X in the table",
                         specs[id].name, b, cp, specs[id].name, (unsigned)want[id].cp[b]);
        }
        ucnv_close(cnv);
        checked++;
    }
    print_message("  %d of %d names opened by ICU agree\n", checked, UB_NCODECS);
    assert_true(checked >= UB_NCODECS - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables_match_converters),
        cmocka_unit_test(test_known_bytes),
        cmocka_unit_test(test_encode_decode),
        cmocka_unit_test(test_encode_all),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_droppable),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_names_are_icu_names),
    };
    tk_catch_crashes();
    return cmocka_run_group_tests_name("codec", tests, setup, NULL);
}
