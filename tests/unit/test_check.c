/*
 * test_check.c -- the forward check (src/lib/check.c, ub_check_forward*).
 *
 * The check is the engine's safety net: a repair is written only if
 * replaying its hypothesis on it gives the input run byte for byte.  The
 * inputs here are garbled by this file's own code from the tables (one to
 * three layers, CESU-8, windows-1252 under Latin-1, legacy bytes, lossy
 * records, multibyte codecs through ICU).  For each, the true hypothesis
 * must pass, and every near miss must fail: another codec that reads the
 * text differently, another layer count, a wrong fill of a lost byte, a
 * loss the codec cannot have, one changed input byte, a byte cut off.
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
#include "engine.h"
#include "mbcs.h"
#include "mbcs_lossy.h"
#include "utf8.h"
#include "tools/testkit.h"

#define MAXC 512

static ub_mbcs_cache *cache;

static size_t cps_of(const char *s, uint32_t *out)
{
    uint32_t *t;
    size_t n = tk_to_cps(s, strlen(s), &t);
    assert_true(n <= MAXC);
    memcpy(out, t, n * sizeof *t);
    free(t);
    return n;
}

static size_t utf8_of(const uint32_t *t, size_t n, uint8_t *u)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (size_t)ub_utf8_encode(t[i], u + k);
    return k;
}

/* CESU-8: supplementary characters as two 3-byte surrogates, U+0000 as
 * C0 80. */
static size_t cesu_of(const uint32_t *t, size_t n, uint8_t *u)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] >= 0x10000) {
            uint32_t v = t[i] - 0x10000;
            k += (size_t)ub_utf8_encode(0xD800 + (v >> 10), u + k);
            k += (size_t)ub_utf8_encode(0xDC00 + (v & 0x3FF), u + k);
        } else if (t[i] == 0) {
            u[k++] = 0xC0;
            u[k++] = 0x80;
        } else {
            k += (size_t)ub_utf8_encode(t[i], u + k);
        }
    }
    return k;
}

/* One layer: t's UTF-8 (or CESU-8) read with codec. */
static size_t layer(int codec, int cesu, const uint32_t *t, size_t n, uint32_t *out)
{
    uint8_t *u = malloc(6 * n + 6);
    size_t nu = cesu ? cesu_of(t, n, u) : utf8_of(t, n, u);
    for (size_t i = 0; i < nu; i++)
        out[i] = ub_codec_decode(codec, u[i]);
    free(u);
    return nu;
}

/* The run as the detector sees it: the garbled text's UTF-8 bytes. */
struct run {
    uint8_t b[16 * MAXC];
    size_t n;
};

static void run_of(const uint32_t *t, size_t n, struct run *r)
{
    r->n = utf8_of(t, n, r->b);
}

static ub_hyp utf8_hyp(int nlayers, const int *codecs)
{
    ub_hyp h = { .kind = UB_HYP_UTF8, .nlayers = nlayers };
    for (int l = 0; l < nlayers; l++)
        h.codec[l] = (int8_t)codecs[l];
    return h;
}

/* The check must say 1 for the truth; then for each one-byte change of
 * the run and for the run cut short, 0. */
static void expect_only_exact(const ub_hyp *h, const uint32_t *out, size_t nout,
                              const struct run *r, const char *what)
{
    int ok = ub_check_forward(h, out, nout, r->b, r->n);
    if (ok != 1)
        fail_msg("%s: the true hypothesis fails the check (%d)", what, ok);
    static uint8_t m[16 * MAXC];
    memcpy(m, r->b, r->n);
    for (size_t i = 0; i < r->n; i++) {
        m[i] ^= 0x01;
        if (ub_check_forward(h, out, nout, m, r->n) != 0)
            fail_msg("%s: byte %zu changed, still accepted", what, i);
        m[i] ^= 0x01;
    }
    if (r->n)
        assert_int_equal(ub_check_forward(h, out, nout, r->b, r->n - 1), 0);
    assert_int_equal(ub_check_forward(h, out, nout, r->b, r->n + 0), 1);
}

/* ------------------------------------------------------------------ */
/* Lossless                                                            */
/* ------------------------------------------------------------------ */

static const char *const texts[] = {
    "café crème",
    "Привет, мир",
    "Ελληνικά",
    "Zażółć gęślą jaźń",
    "“quoted” – dash… €5",
    "naïve Ångström",
};
#define NTEXTS (sizeof texts / sizeof *texts)

static void test_one_layer(void **state)
{
    (void)state;
    static uint32_t t[MAXC], g[4 * MAXC];
    static struct run r;
    int rejected = 0;
    for (size_t k = 0; k < NTEXTS; k++) {
        size_t n = cps_of(texts[k], t);
        for (int c = 0; c < UB_NCODECS; c++) {
            size_t ng = layer(c, 0, t, n, g);
            run_of(g, ng, &r);
            ub_hyp h = utf8_hyp(1, (int[]){ c });
            char what[96];
            snprintf(what, sizeof what, "\"%s\" read as %s", texts[k], ub_codec_info_of(c)->name);
            expect_only_exact(&h, t, n, &r, what);
            /* another codec: accepted only if it garbles the text alike */
            for (int c2 = 0; c2 < UB_NCODECS; c2++) {
                static uint32_t g2[4 * MAXC];
                size_t ng2 = layer(c2, 0, t, n, g2);
                int alike = ng2 == ng && !memcmp(g2, g, ng * sizeof *g);
                ub_hyp h2 = utf8_hyp(1, (int[]){ c2 });
                assert_int_equal(ub_check_forward(&h2, t, n, r.b, r.n), alike);
                rejected += !alike;
            }
            /* the right codec, one layer too many */
            ub_hyp h3 = utf8_hyp(2, (int[]){ c, c });
            assert_int_equal(ub_check_forward(&h3, t, n, r.b, r.n), 0);
            /* the text itself is not its own mojibake */
            static struct run clean;
            run_of(t, n, &clean);
            assert_int_equal(ub_check_forward(&h, t, n, clean.b, clean.n), 0);
        }
    }
    print_message("  %d wrong codecs rejected\n", rejected);
    assert_true(rejected > 1000);
}

static void test_layers(void **state)
{
    (void)state;
    static const int stacks[][3] = {
        { UB_CODEC_CP1252, UB_CODEC_CP1252, -1 },
        { UB_CODEC_CP1252, UB_CODEC_CP1251, -1 },      /* [0] = outermost */
        { UB_CODEC_LATIN1, UB_CODEC_MACROMAN, -1 },
        { UB_CODEC_CP1252, UB_CODEC_CP1252, UB_CODEC_CP1252 },
        { UB_CODEC_KOI8R, UB_CODEC_CP1252, UB_CODEC_CP437 },
    };
    static uint32_t t[MAXC], a[64 * MAXC], b[64 * MAXC];
    static struct run r;
    for (size_t k = 0; k < NTEXTS; k++) {
        size_t n = cps_of(texts[k], t);
        for (size_t s = 0; s < sizeof stacks / sizeof *stacks; s++) {
            int nl = stacks[s][2] < 0 ? 2 : 3;
            memcpy(a, t, n * sizeof *t);
            size_t na = n;
            /* innermost (the first mistake) is codec[nl - 1] */
            for (int l = nl - 1; l >= 0; l--) {
                na = layer(stacks[s][l], 0, a, na, b);
                memcpy(a, b, na * sizeof *b);
            }
            run_of(a, na, &r);
            ub_hyp h = utf8_hyp(nl, stacks[s]);
            expect_only_exact(&h, t, n, &r, texts[k]);
            /* the layers in the other order: a different text unless the
             * codecs are the same */
            ub_hyp sw = h;
            sw.codec[0] = h.codec[nl - 1];
            sw.codec[nl - 1] = h.codec[0];
            if (sw.codec[0] != h.codec[0]) {
                static uint32_t a2[64 * MAXC], b2[64 * MAXC];
                memcpy(a2, t, n * sizeof *t);
                size_t na2 = n;
                for (int l = nl - 1; l >= 0; l--) {
                    na2 = layer(sw.codec[l], 0, a2, na2, b2);
                    memcpy(a2, b2, na2 * sizeof *b2);
                }
                int alike = na2 == na && !memcmp(a2, a, na * sizeof *a);
                assert_int_equal(ub_check_forward(&sw, t, n, r.b, r.n), alike);
            }
            /* one layer fewer */
            ub_hyp less = h;
            less.nlayers--;
            assert_int_equal(ub_check_forward(&less, t, n, r.b, r.n), 0);
        }
    }
}

static void test_cesu_and_legacy(void **state)
{
    (void)state;
    static uint32_t t[MAXC], g[8 * MAXC];
    static struct run r;
    /* an emoji and a NUL, written as CESU-8 / modified UTF-8 */
    size_t n = cps_of("ok \xF0\x9F\x98\x80!", t);
    t[n++] = 0;
    size_t ng = layer(UB_CODEC_CP1252, 1, t, n, g);
    run_of(g, ng, &r);
    ub_hyp h = utf8_hyp(1, (int[]){ UB_CODEC_CP1252 });
    assert_int_equal(ub_check_forward(&h, t, n, r.b, r.n), 0);
    h.cesu = 1;
    expect_only_exact(&h, t, n, &r, "cesu-8");
    /* cesu on the wrong layer */
    ub_hyp h2 = utf8_hyp(2, (int[]){ UB_CODEC_CP1252, UB_CODEC_CP1252 });
    static uint32_t g2[64 * MAXC];
    size_t ng2 = layer(UB_CODEC_CP1252, 0, g, ng, g2);   /* outer: plain UTF-8 */
    run_of(g2, ng2, &r);
    h2.cesu = 2;                                        /* bit 1: the inner layer */
    expect_only_exact(&h2, t, n, &r, "cesu-8 inside");
    h2.cesu = 1;
    assert_int_equal(ub_check_forward(&h2, t, n, r.b, r.n), 0);

    /* legacy: text in windows-1251 read as ISO-8859-1 */
    n = cps_of("Привет", t);
    for (size_t i = 0; i < n; i++)
        g[i] = (uint32_t)ub_codec_encode(UB_CODEC_CP1251, t[i]);   /* byte = code point */
    run_of(g, n, &r);
    ub_hyp lg = { .kind = UB_HYP_LEGACY, .nlayers = 1, .codec = { UB_CODEC_CP1251 } };
    expect_only_exact(&lg, t, n, &r, "legacy windows-1251");
    lg.codec[0] = UB_CODEC_KOI8R;
    assert_int_equal(ub_check_forward(&lg, t, n, r.b, r.n), 0);
    uint32_t cjk[1] = { 0x4E2D };                   /* no single-byte codec has it */
    lg.codec[0] = UB_CODEC_CP1251;
    assert_int_equal(ub_check_forward(&lg, cjk, 1, r.b, r.n), 0);

    /* the original was windows-1252 text read as ISO-8859-1, then baked */
    n = cps_of("“hi” – ok", t);
    static uint32_t l1[MAXC];
    for (size_t i = 0; i < n; i++)
        l1[i] = (uint32_t)ub_codec_encode(UB_CODEC_CP1252, t[i]);
    ng = layer(UB_CODEC_CP1252, 0, l1, n, g);
    run_of(g, ng, &r);
    ub_hyp il = utf8_hyp(1, (int[]){ UB_CODEC_CP1252 });
    il.inner_legacy = 1;
    expect_only_exact(&il, t, n, &r, "inner legacy");
    il.inner_legacy = 0;
    assert_int_equal(ub_check_forward(&il, t, n, r.b, r.n), 0);

    /* empty */
    ub_hyp e = utf8_hyp(1, (int[]){ UB_CODEC_CP1252 });
    assert_int_equal(ub_check_forward(&e, t, 0, (const uint8_t *)"", 0), 1);
    assert_int_equal(ub_check_forward(&e, t, 0, (const uint8_t *)"a", 1), 0);
}

/* ------------------------------------------------------------------ */
/* Lossy records                                                       */
/* ------------------------------------------------------------------ */

/* A lossy record of t: every character decoded normally (the caller
 * sets the ops of the bytes that were lost). */
static size_t record(const uint32_t *t, size_t n, ub_lchar *ch)
{
    for (size_t i = 0; i < n; i++) {
        memset(&ch[i], 0, sizeof ch[i]);
        ch[i].cp = t[i];
    }
    return n;
}

/* The input a lossy record garbles to, computed here: byte by byte. */
static size_t lossy_garble(int codec, const ub_lchar *ch, size_t n, struct run *r)
{
    static uint32_t out[4 * MAXC];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t u[4];
        int len = ub_utf8_encode(ch[i].cp, u);
        for (int j = 0; j < len; j++) {
            switch (ch[i].ops[j]) {
            case UB_OP_NONE:
                out[k++] = ub_codec_decode(codec, u[j]);
                break;
            case UB_OP_QMARK:
                out[k++] = '?';
                break;
            case UB_OP_FFFD:
                out[k++] = 0xFFFD;
                break;
            case UB_OP_SPACE:
                out[k++] = ' ';
                break;
            default:
                break;
            }
        }
    }
    run_of(out, k, r);
    return k;
}

static void test_lossy(void **state)
{
    (void)state;
    static uint32_t t[MAXC];
    static ub_lchar ch[MAXC], wrong[MAXC];
    static struct run r;
    /* "Русский язык" read as windows-1252: с (D1 81) and я (D1 8F) lose
     * their undefined second byte; Р (D0 A0) its NBSP to a space */
    size_t n = record(t, cps_of("Русский язык", t), ch);
    static const struct {
        uint8_t op;
        uint32_t ops_used;
    } fates[] = {
        { UB_OP_DROP, 1u << UB_OP_DROP },
        { UB_OP_QMARK, 1u << UB_OP_QMARK },
        { UB_OP_FFFD, 1u << UB_OP_FFFD },
    };
    for (size_t f = 0; f < sizeof fates / sizeof *fates; f++) {
        record(t, n, ch);
        for (size_t i = 0; i < n; i++) {
            ch[i].gap = t[i] == 0x0441 || t[i] == 0x044F;
            if (ch[i].gap)
                ch[i].ops[1] = fates[f].op;
        }
        ch[0].ops[1] = UB_OP_SPACE;                 /* Р */
        lossy_garble(UB_CODEC_CP1252, ch, n, &r);
        ub_hyp h = utf8_hyp(1, (int[]){ UB_CODEC_CP1252 });
        h.ops_used = fates[f].ops_used | 1u << UB_OP_SPACE;
        assert_int_equal(ub_check_forward_lossy(&h, ch, n, r.b, r.n), 1);
        /* a wrong fill: э (D1 8D) for с -- the same loss, another text */
        memcpy(wrong, ch, n * sizeof *ch);
        for (size_t i = 0; i < n; i++)
            if (wrong[i].cp == 0x0441)
                wrong[i].cp = 0x044D;
        /* (dropped or substituted, the byte is gone: the text is the
         * same, so the check cannot tell; the gap alternatives can) */
        assert_int_equal(ub_check_forward_lossy(&h, wrong, n, r.b, r.n), 1);
        /* a wrong fill that changes what was read: ы (D1 8B, "‹") */
        for (size_t i = 0; i < n; i++)
            if (wrong[i].cp == 0x044D) {
                wrong[i].cp = 0x044B;
                wrong[i].ops[1] = UB_OP_NONE;
            }
        assert_int_equal(ub_check_forward_lossy(&h, wrong, n, r.b, r.n), 0);
        /* a wrong codec: windows-1250 defines 0x8F (Ź), so nothing there
         * was lost, and 0x81 is undefined in both */
        ub_hyp h2 = utf8_hyp(1, (int[]){ UB_CODEC_CP1250 });
        h2.ops_used = h.ops_used;
        assert_int_equal(ub_check_forward_lossy(&h2, ch, n, r.b, r.n), 0);
        /* one changed byte, one cut off */
        static uint8_t m[16 * MAXC];
        memcpy(m, r.b, r.n);
        for (size_t i = 0; i < r.n; i++) {
            m[i] ^= 0x02;
            assert_int_equal(ub_check_forward_lossy(&h, ch, n, m, r.n), 0);
            m[i] ^= 0x02;
        }
        assert_int_equal(ub_check_forward_lossy(&h, ch, n, r.b, r.n - 1), 0);
    }

    /* losses the codec cannot have (want 0): a defined byte dropped,
     * replaced by '?' or U+FFFD; a space for a byte that is no NBSP; and
     * the same losses where the codec has them (want 1) */
    static const struct {
        int codec;
        uint32_t cp;
        uint8_t op;
        int want;
    } cases[] = {
        { UB_CODEC_CP1252, 0x0442, UB_OP_DROP, 0 },    /* т: D1 82, 0x82 is ‚ */
        { UB_CODEC_CP1252, 0x0442, UB_OP_QMARK, 0 },
        { UB_CODEC_CP1252, 0x0442, UB_OP_FFFD, 0 },
        { UB_CODEC_CP1252, 0x0442, UB_OP_SPACE, 0 },
        { UB_CODEC_CP866, 0x0420, UB_OP_SPACE, 0 },    /* Р: D0 A0, ibm866 "а" */
        { UB_CODEC_CP866, 0x0420, UB_OP_DROP, 0 },
        { UB_CODEC_CP866, 0x042D, UB_OP_DROP, 0 },     /* Э: D0 AD, ibm866 "н" */
        { UB_CODEC_ISO11, 0x0E2D, UB_OP_DROP, 0 },     /* อ: E0 B8 AD, "ญ" */
        { UB_CODEC_CP437, 0x00E0, UB_OP_SPACE, 0 },    /* à: C3 A0, ibm437 "á" */
        { UB_CODEC_CP1252, 0x0441, UB_OP_DROP, 1 },    /* с: D1 81 */
        { UB_CODEC_CP1252, 0x0420, UB_OP_SPACE, 1 },   /* Р: NBSP */
        { UB_CODEC_CP1252, 0x0420, UB_OP_DROP, 1 },
        { UB_CODEC_CP1252, 0x042D, UB_OP_DROP, 1 },    /* Э: soft hyphen */
        { UB_CODEC_LATIN1, 0x0442, UB_OP_DROP, 1 },    /* т: 0x82 is C1 in Latin-1 */
        { UB_CODEC_CP1251, 0x0458, UB_OP_FFFD, 1 },    /* ј: D1 98, the one hole */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        ub_lchar c = { .cp = cases[k].cp, .gap = 1 };
        uint8_t u[4];
        int len = ub_utf8_encode(c.cp, u);
        c.ops[len - 1] = cases[k].op;
        lossy_garble(cases[k].codec, &c, 1, &r);
        ub_hyp h = utf8_hyp(1, (int[]){ cases[k].codec });
        h.ops_used = 1u << cases[k].op;
        if (ub_check_forward_lossy(&h, &c, 1, r.b, r.n) != cases[k].want)
            fail_msg("%s: U+%04X with op %d on byte 0x%02X %s",
                     ub_codec_info_of(cases[k].codec)->name, (unsigned)c.cp, cases[k].op,
                     u[len - 1], cases[k].want ? "rejected" : "accepted");
    }

    /* kept characters and windows-1252 bytes among the UTF-8 */
    ub_lchar mix[3] = { { .cp = 0x4E2D, .keep = 1 }, { .cp = 0x201C, .keep = 2 },
                        { .cp = 'x' } };
    uint32_t seen[3] = { 0x4E2D, 0x93, 'x' };       /* “ is 0x93, read as U+0093 */
    run_of(seen, 3, &r);
    ub_hyp hl = utf8_hyp(1, (int[]){ UB_CODEC_LATIN1 });
    assert_int_equal(ub_check_forward_lossy(&hl, mix, 3, r.b, r.n), 1);
    mix[1].cp = 0x0416;                             /* Ж: no windows-1252 byte */
    assert_int_equal(ub_check_forward_lossy(&hl, mix, 3, r.b, r.n), 0);
    /* an op that does not exist */
    ub_lchar odd = { .cp = 0x0441, .ops = { 0, UB_OP_NOPS } };
    assert_int_equal(ub_check_forward_lossy(&hl, &odd, 1, r.b, r.n), 0);
}

/* Two layers, the inner one lossy, the outer read losslessly. */
static void test_lossy_two_layers(void **state)
{
    (void)state;
    static uint32_t t[MAXC], mid[4 * MAXC], g[16 * MAXC];
    static ub_lchar ch[MAXC];
    static struct run r;
    size_t n = record(t, cps_of("сок", t), ch);
    ch[0].ops[1] = UB_OP_DROP;                      /* с: D1 81 */
    ch[0].gap = 1;
    static struct run inner;
    size_t nm = lossy_garble(UB_CODEC_CP1252, ch, n, &inner);
    uint32_t *m;
    nm = tk_to_cps(inner.b, inner.n, &m);
    memcpy(mid, m, nm * sizeof *m);
    free(m);
    size_t ng = layer(UB_CODEC_CP1251, 0, mid, nm, g);
    run_of(g, ng, &r);
    ub_hyp h = utf8_hyp(2, (int[]){ UB_CODEC_CP1251, UB_CODEC_CP1252 });
    h.ops_used = 1u << UB_OP_DROP;
    assert_int_equal(ub_check_forward_lossy(&h, ch, n, r.b, r.n), 1);
    ub_hyp sw = utf8_hyp(2, (int[]){ UB_CODEC_CP1252, UB_CODEC_CP1251 });
    sw.ops_used = h.ops_used;
    assert_int_equal(ub_check_forward_lossy(&sw, ch, n, r.b, r.n), 0);
    ub_hyp one = utf8_hyp(1, (int[]){ UB_CODEC_CP1252 });
    assert_int_equal(ub_check_forward_lossy(&one, ch, n, r.b, r.n), 0);
    assert_int_equal(ub_check_forward_lossy(&one, ch, n, inner.b, inner.n), 1);
}

/* ------------------------------------------------------------------ */
/* Multibyte codecs and legacy bytes                                   */
/* ------------------------------------------------------------------ */

/* s's UTF-8 decoded with ICU's converter named icu, as UTF-8 bytes. */
static size_t icu_misread(const char *icu, const char *s, struct run *r)
{
    UErrorCode e = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(icu, &e);
    assert_true(U_SUCCESS(e));
    static UChar u16[4 * MAXC];
    int32_t n16 = ucnv_toUChars(cnv, u16, 4 * MAXC, s, (int32_t)strlen(s), &e);
    assert_true(U_SUCCESS(e));
    ucnv_close(cnv);
    size_t k = 0;
    for (int32_t i = 0; i < n16; i++) {
        uint32_t cp = u16[i];
        if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n16)
            cp = 0x10000 + ((cp - 0xD800) << 10) + (u16[++i] - 0xDC00);
        k += (size_t)ub_utf8_encode(cp, r->b + k);
    }
    r->n = k;
    return k;
}

static void test_mbcs(void **state)
{
    (void)state;
    static const struct {
        const char *name, *icu, *text;
    } k[] = {
        { "gbk", "gbk", "发布新版本" },        /* read back with a U+FFFD */
        { "gbk", "gbk", "数据文件" },          /* read back whole */
        { "shift_jis", "shift_jis", "日本語のテキスト" },
        { "shift_jis", "shift_jis", "东京用户" },
        { "big5", "big5", "设置" },
        { "big5", "big5", "中文字" },
    };
    static uint32_t t[MAXC];
    static struct run r;
    int whole = 0;
    for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
        int id = ub_mbcs_find(k[i].name);
        assert_true(id >= 0);
        size_t n = cps_of(k[i].text, t);
        icu_misread(k[i].icu, k[i].text, &r);
        ub_hyp h = { .kind = UB_HYP_MBCS, .nlayers = 1, .codec = { (int8_t)(UB_NCODECS + id) } };
        int ok = ub_check_forward_mbcs(cache, &h, t, n, r.b, r.n);
        /* lossless where ICU replaced nothing */
        int replaced = memmem(r.b, r.n, "\xEF\xBF\xBD", 3) != NULL;
        if (!replaced) {
            whole++;
            assert_int_equal(ok, 1);
            r.b[r.n - 1] ^= 1;
            assert_int_equal(ub_check_forward_mbcs(cache, &h, t, n, r.b, r.n), 0);
            r.b[r.n - 1] ^= 1;
            /* another multibyte codec */
            for (int j = 0; j < ub_mbcs_count(); j++) {
                if (j == id)
                    continue;
                ub_hyp h2 = h;
                h2.codec[0] = (int8_t)(UB_NCODECS + j);
                int o2 = ub_check_forward_mbcs(cache, &h2, t, n, r.b, r.n);
                assert_true(o2 == 0 || o2 == 1);
            }
        } else {
            /* a lossless hypothesis never explains a replacement */
            assert_int_equal(ok, 0);
        }
        /* lossy: the misreading under each decoder convention (the
         * conventions themselves are test_mbcs_lossy's); the check
         * accepts a convention exactly when it reads the text alike */
        uint8_t u[4 * MAXC];
        size_t nu = utf8_of(t, n, u);
        static uint32_t seen[UB_MBCS_NCONV][4 * MAXC];
        long ns[UB_MBCS_NCONV];
        for (int c = 0; c < UB_MBCS_NCONV; c++)
            ns[c] = ub_mbcs_decode_conv(cache, id, (ub_mbcs_conv_e)c, u, nu, seen[c], 4 * MAXC);
        for (int c = 0; c < UB_MBCS_NCONV; c++) {
            assert_true(ns[c] >= 0);
            run_of(seen[c], (size_t)ns[c], &r);
            for (int c2 = 0; c2 < UB_MBCS_NCONV; c2++) {
                ub_hyp hl = h;
                hl.ops_used = 1u << UB_OP_FFFD;
                hl.conv = (uint8_t)c2;
                int alike = ns[c2] == ns[c] && !memcmp(seen[c2], seen[c], (size_t)ns[c] * 4);
                assert_int_equal(ub_check_forward_mbcs(cache, &hl, t, n, r.b, r.n), alike);
            }
            if (replaced) {
                r.b[0] ^= 1;
                ub_hyp hl = h;
                hl.ops_used = 1u << UB_OP_FFFD;
                hl.conv = (uint8_t)c;
                assert_int_equal(ub_check_forward_mbcs(cache, &hl, t, n, r.b, r.n), 0);
                r.b[0] ^= 1;
            }
        }
    }
    assert_int_equal(whole, 3);
}

static void test_bytes(void **state)
{
    (void)state;
    static uint32_t t[MAXC];
    /* windows-1251 bytes among UTF-8: "Привет" as bytes, then "мир" kept */
    size_t n = cps_of("Привет мир", t);
    static ub_lchar ch[MAXC];
    static uint8_t in[4 * MAXC];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        memset(&ch[i], 0, sizeof ch[i]);
        ch[i].cp = t[i];
        if (i >= 7) {
            ch[i].keep = 1;
            k += (size_t)ub_utf8_encode(t[i], in + k);
        } else {
            in[k++] = (uint8_t)ub_codec_encode(UB_CODEC_CP1251, t[i]);
        }
    }
    ub_hyp h = { .kind = UB_HYP_BYTES, .nlayers = 1, .codec = { UB_CODEC_CP1251 } };
    assert_int_equal(ub_check_forward_bytes(cache, &h, ch, n, in, k), 1);
    h.codec[0] = UB_CODEC_KOI8R;
    assert_int_equal(ub_check_forward_bytes(cache, &h, ch, n, in, k), 0);
    h.codec[0] = UB_CODEC_CP1252;       /* cannot encode Cyrillic at all */
    assert_int_equal(ub_check_forward_bytes(cache, &h, ch, n, in, k), 0);
    h.codec[0] = UB_CODEC_CP1251;
    in[0] ^= 1;
    assert_int_equal(ub_check_forward_bytes(cache, &h, ch, n, in, k), 0);
    in[0] ^= 1;
    ch[8].keep = 0;                     /* a kept character read as a byte */
    assert_int_equal(ub_check_forward_bytes(cache, &h, ch, n, in, k), 0);

    /* GBK bytes (not UTF-8 at all) */
    int id = ub_mbcs_find("gbk");
    n = cps_of("中文", t);
    static const uint8_t gbk[] = { 0xD6, 0xD0, 0xCE, 0xC4 };
    for (size_t i = 0; i < n; i++) {
        memset(&ch[i], 0, sizeof ch[i]);
        ch[i].cp = t[i];
    }
    ub_hyp g = { .kind = UB_HYP_BYTES, .nlayers = 1, .codec = { (int8_t)(UB_NCODECS + id) } };
    assert_int_equal(ub_check_forward_bytes(cache, &g, ch, n, gbk, sizeof gbk), 1);
    assert_int_equal(ub_check_forward_bytes(cache, &g, ch, n, gbk, sizeof gbk - 1), 0);
    int big5 = ub_mbcs_find("big5");
    g.codec[0] = (int8_t)(UB_NCODECS + big5);
    assert_int_equal(ub_check_forward_bytes(cache, &g, ch, n, gbk, sizeof gbk), 0);
}

static int setup(void **state)
{
    (void)state;
    cache = ub_mbcs_cache_new();
    return cache ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ub_mbcs_cache_free(cache);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_layer),
        cmocka_unit_test(test_layers),
        cmocka_unit_test(test_cesu_and_legacy),
        cmocka_unit_test(test_lossy),
        cmocka_unit_test(test_lossy_two_layers),
        cmocka_unit_test(test_mbcs),
        cmocka_unit_test(test_bytes),
    };
    tk_catch_crashes();
    return cmocka_run_group_tests_name("check", tests, setup, teardown);
}
