/*
 * fuzz_legacy.c -- input that is not UTF-8: forced codecs and detection.
 *
 * The last option byte (see fuzz_common.h) picks the mode:
 *   bit 0 set     forced: unbake_ctx_set_from() with the codec (bits 1..7)
 *                 of the library's list (unbake_codec_name()) followed by
 *                 utf-16le/be, utf-16, utf-32le/be.  The output must be
 *                 the text an independent decoding gives (fuzz_codec.h:
 *                 ICU by the codec's public name), with each reported run
 *                 replaced by its repair and nothing else changed.
 *   bit 0 clear   auto (no --from).  With bit 1 set, a text that is valid
 *                 UTF-8 is first encoded with the codec of bits 2..7 ('?'
 *                 for what it cannot encode), so that mutated UTF-8 seeds
 *                 turn into legacy files.  When the input stage transcodes
 *                 (uchardet's charset, a BOM, a NUL pattern), the output
 *                 must be the independent decoding with the charset it
 *                 named, runs replaced; when it passes the bytes through,
 *                 the output is the input with runs replaced (ASCII
 *                 outside them unchanged) and every repair is UTF-8.
 * Either way: the output of a transcoded input is valid UTF-8, a second
 * call gives the same answer, and the streaming API with random chunks
 * gives the same bytes, runs and unbake_input_encoding().
 */
#include <unicode/ustring.h>

#include "fuzz_codec.h"

static const char *const extra_codecs[] = { "utf-16le", "utf-16be", "utf-16", "utf-32le",
                                            "utf-32be" };
#define NEXTRA ((int)(sizeof extra_codecs / sizeof extra_codecs[0]))

static const char *pick_codec(unsigned k)
{
    int nc = unbake_codec_count();
    k %= (unsigned)(nc + NEXTRA);
    return (int)k < nc ? unbake_codec_name((int)k) : extra_codecs[(int)k - nc];
}

typedef struct {
    long rc;
    char *out;
    size_t out_len;
    fuzz_reports rs;
    char enc[192];
} result;

static void result_free(result *r)
{
    free(r->out);
    fuzz_reports_free(&r->rs);
}

static void run_buffer(unbake_ctx *ctx, const uint8_t *s, size_t n, const fuzz_opts *o,
                       result *r)
{
    memset(r, 0, sizeof *r);
    r->rs.max_layers = o->max_layers;
    r->rs.lossy = o->lossy;
    FUZZ_ASSERT(unbake_ctx_set_report(ctx, fuzz_on_report, &r->rs) == UNBAKE_OK);
    r->rc = unbake_fix_buffer(ctx, s, n, &r->out, &r->out_len);
    FUZZ_ASSERT(r->rc >= 0 && r->out != NULL);
    snprintf(r->enc, sizeof r->enc, "%s", unbake_input_encoding(ctx));
}

static void run_stream(unbake_ctx *ctx, const uint8_t *s, size_t n, const fuzz_opts *o,
                       uint32_t seed, result *r)
{
    memset(r, 0, sizeof *r);
    r->rs.max_layers = o->max_layers;
    r->rs.lossy = o->lossy;
    FUZZ_ASSERT(unbake_ctx_set_report(ctx, fuzz_on_report, &r->rs) == UNBAKE_OK);
    fuzz_sink sink = { 0 };
    FUZZ_ASSERT(unbake_begin(ctx, fuzz_sink_write, &sink) == UNBAKE_OK);
    for (size_t i = 0; i < n;) {
        size_t c = seed & 1 ? 1 + fuzz_rand(&seed) % 7 : fuzz_chunk(&seed);
        if (c > n - i)
            c = n - i;
        FUZZ_ASSERT(unbake_push(ctx, s + i, c) == UNBAKE_OK);
        i += c;
    }
    r->rc = unbake_finish(ctx);
    FUZZ_ASSERT(r->rc >= 0);
    r->out = sink.p;
    r->out_len = sink.n;
    snprintf(r->enc, sizeof r->enc, "%s", unbake_input_encoding(ctx));
}

static void same_result(const result *a, const result *b, const char *what)
{
    int same = a->rc == b->rc && a->out_len == b->out_len &&
               (!a->out_len || !memcmp(a->out, b->out, a->out_len)) && !strcmp(a->enc, b->enc) &&
               a->rs.n == b->rs.n;
    for (size_t i = 0; same && i < a->rs.n; i++) {
        const fuzz_run *x = &a->rs.v[i], *y = &b->rs.v[i];
        same = x->in_offset == y->in_offset && x->in_len == y->in_len &&
               x->out_offset == y->out_offset && x->out_len == y->out_len &&
               !memcmp(x->out, y->out, x->out_len);
    }
    if (!same) {
        size_t d = 0;
        while (d < a->out_len && d < b->out_len && a->out[d] == b->out[d])
            d++;
        fprintf(stderr, "%s: runs %ld vs %ld, length %zu vs %zu (first difference at %zu), "
                "input \"%s\" vs \"%s\", %zu vs %zu reports\n", what, a->rc, b->rc,
                a->out_len, b->out_len, d, a->enc, b->enc, a->rs.n, b->rs.n);
    }
    FUZZ_ASSERT(same);
}

/*
 * The output must be text[0..n) decoded as codec by the oracle, with each
 * reported run replaced.  Returns 0 when the oracle does not know codec.
 */
static int check_decoding(const char *codec, const uint8_t *s, size_t n, const result *r,
                          int strip_bom)
{
    fz_bytes t = { 0 };
    if (fz_input_decode(codec, s, n, &t)) {
        free(t.p);
        return 0;
    }
    if (!r->rs.n && (t.n != r->out_len || (t.n && memcmp(t.p, r->out, t.n)))) {
        size_t skip = strip_bom && t.n >= 3 && !memcmp(t.p, "\xEF\xBB\xBF", 3) ? 3 : 0;
        size_t d = 0;
        while (d + skip < t.n && d < r->out_len && t.p[d + skip] == (uint8_t)r->out[d])
            d++;
        fprintf(stderr, "input read as %s (\"%s\"): output differs from the independent "
                "decoding at byte %zu (lengths %zu, %zu):\n  output:", codec, r->enc, d,
                r->out_len, t.n - skip);
        for (size_t k = d; k < r->out_len && k < d + 16; k++)
            fprintf(stderr, " %02X", (uint8_t)r->out[k]);
        fprintf(stderr, "\n  oracle:");
        for (size_t k = d + skip; k < t.n && k < d + skip + 16; k++)
            fprintf(stderr, " %02X", t.p[k]);
        fprintf(stderr, "\n");
    }
    fuzz_check_output(t.p ? t.p : (const uint8_t *)"", t.n, r->out, r->out_len, r->rc, &r->rs,
                      strip_bom, "utf-8 (the oracle's decoding)");
    FUZZ_ASSERT(fuzz_valid_utf8((const uint8_t *)r->out, r->out_len));
    free(t.p);
    return 1;
}

/* Encode UTF-8 s[0..n) with codec, '?' for what it cannot encode. */
static int encode_as(const char *codec, const uint8_t *s, size_t n, fz_bytes *out)
{
    const fz_sbcs *t = fz_sbcs_get(codec);
    if (t) {
        for (size_t i = 0; i < n;) {
            uint32_t cp;
            i += fz_next_cp(s + i, n - i, &cp);
            int b = cp < 0x80 ? (int)cp : -1;
            for (int k = 0x80; b < 0 && k < 256; k++)
                if (!t->lossy[k] && t->cp[k] == cp)
                    b = k;
            uint8_t c = b < 0 ? '?' : (uint8_t)b;
            fz_put(out, &c, 1);
        }
        return 0;
    }
    int k = fz_mbcs_index(codec);
    UErrorCode err = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(k >= 0 ? fz_mbcs_pins[k].icu : codec, &err);
    if (U_FAILURE(err))
        return -1;
    UChar *u = malloc((n + 1) * sizeof *u);
    FUZZ_ASSERT(u != NULL);
    int32_t nu = 0;
    u_strFromUTF8(u, (int32_t)n + 1, &nu, (const char *)s, (int32_t)n, &err);
    FUZZ_ASSERT(U_SUCCESS(err));
    size_t cap = 4 * n + 8;
    char *b = malloc(cap);
    FUZZ_ASSERT(b != NULL);
    int32_t m = ucnv_fromUChars(cnv, b, (int32_t)cap, u, nu, &err);
    FUZZ_ASSERT(U_SUCCESS(err) || err == U_STRING_NOT_TERMINATED_WARNING);
    fz_put(out, b, (size_t)m);
    free(b);
    free(u);
    ucnv_close(cnv);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_opts o;
    size_t n;
    fuzz_split(data, size, &o, &n);
    unsigned mode = size > FUZZ_OPT_BYTES ? data[size - 1] : 0;
    int forced = mode & 1;
    const char *codec = forced ? pick_codec(mode >> 1) : NULL;

    const uint8_t *s = data;
    fz_bytes enc = { 0 };
    if (!forced && mode >> 1 & 1 && fuzz_valid_utf8(data, n) &&
        !encode_as(pick_codec(mode >> 2), data, n, &enc)) {
        s = enc.p ? enc.p : (const uint8_t *)"";
        n = enc.n;
    }

    unbake_ctx *ctx = unbake_ctx_new();
    FUZZ_ASSERT(ctx != NULL);
    fuzz_apply(ctx, &o);
    if (forced) {
        FUZZ_ASSERT(unbake_ctx_set_from(ctx, codec) == UNBAKE_OK);
    } else if (mode >> 1 & 1) {
        FUZZ_ASSERT(unbake_ctx_set_from(ctx, "auto") == UNBAKE_OK);
    }

    result a;
    run_buffer(ctx, s, n, &o, &a);
    if (getenv("UNBAKE_FUZZ_VERBOSE"))
        fprintf(stderr, "legacy: %zu bytes, --from=%s, input stage \"%s\", %ld runs\n", n,
                codec ? codec : "auto", a.enc, a.rc);
    if (forced) {
        if (!strstr(a.enc, "(forced)"))
            fprintf(stderr, "--from=%s: input stage says \"%s\"\n", codec, a.enc);
        FUZZ_ASSERT(strstr(a.enc, "(forced)") != NULL);
        FUZZ_ASSERT(check_decoding(codec, s, n, &a, o.strip_bom));
    } else {
        fuzz_check_output(s, n, a.out, a.out_len, a.rc, &a.rs, o.strip_bom, a.enc);
        if (strncmp(a.enc, "utf-8", 5) != 0) {
            /* transcoded: "NAME (why)"; a BOM of UTF-16/32 is dropped */
            char name[64];
            size_t k = strcspn(a.enc, " ");
            FUZZ_ASSERT(k < sizeof name);
            memcpy(name, a.enc, k);
            name[k] = 0;
            size_t skip = 0;
            if (strstr(a.enc, "(BOM)"))
                skip = !strncmp(name, "utf-16", 6) ? 2 : !strncmp(name, "utf-32", 6) ? 4 : 0;
            FUZZ_ASSERT(skip <= n);
            check_decoding(name, s + skip, n - skip, &a, o.strip_bom);
        } else {
            for (size_t i = 0; i < a.rs.n; i++)
                FUZZ_ASSERT(fuzz_valid_utf8((const uint8_t *)a.rs.v[i].out, a.rs.v[i].out_len));
        }
    }

    /* The same again, then streamed. */
    result b;
    run_buffer(ctx, s, n, &o, &b);
    same_result(&a, &b, "second call");
    result_free(&b);
    run_stream(ctx, s, n, &o, o.seed, &b);
    same_result(&a, &b, "stream/buffer");
    result_free(&b);

    result_free(&a);
    free(enc.p);
    unbake_ctx_free(ctx);
    return 0;
}
