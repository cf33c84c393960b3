/*
 * fuzz_check.c -- the engine's forward check (check.c) against a plain
 * re-implementation of the forward direction, written here from the
 * documented behaviour with the independent decoder of fuzz_codec.h
 * (ICU by the codecs' public names).
 *
 * Input: byte 0 the function and kind, byte 1 the layers (bits 0..1),
 * CESU-8 bits (2..4), the inner windows-1252 step (5) and how the run is
 * made (6..7), bytes 2..4 the codec of
 * each layer, byte 5 a mutation, then the repair text (lenient UTF-8; for
 * the lossy and bytes kinds each character followed by a byte saying what
 * happened to it).  The run checked is the forward image of the repair
 * computed here (then the check must accept it whenever that image is the
 * only one), that image with one byte changed, or raw bytes of the input.
 * Whenever the check accepts, the run must be a forward image of the
 * repair under the re-implementation.
 *
 *   byte0 % 8   function                   hypothesis
 *   0           ub_check_forward           utf-8 read as 1..3 single-byte codecs
 *   1           ub_check_forward           legacy: codec text read as iso-8859-1
 *   2           ub_check_forward_lossy     the same with per-byte losses
 *   3           ub_check_forward_mbcs      utf-8 read as a multibyte codec
 *   4           ub_check_forward_mbcs      ... lossy, convention byte0 >> 3
 *   5           ub_check_forward_bytes     single-byte legacy bytes among utf-8
 *   6           ub_check_forward_bytes     multibyte legacy bytes
 *   7           unbake_fix_buffer on the rest of the input: every report whose
 *               hypothesis is a plain lossless chain of single-byte codecs is
 *               replayed through the same re-implementation
 */
#include "fuzz_codec.h"

#include "codec.h"
#include "engine.h"
#include "hyp.h"
#include "mbcs.h"
#include "mbcs_lossy.h"

#define MAXCH 1024

/* ---------------------------------------------------------------- codecs */

static const fz_sbcs *sb(int id)
{
    const fz_sbcs *t = fz_sbcs_get(ub_hyp_codec_name(id));
    FUZZ_ASSERT(t != NULL);
    return t;
}

/* The byte codec id writes for cp in the engine's (sloppy) reading, the
 * lowest one if several decode to it (*several is then set); -1 for none. */
static int sb_encode(int id, uint32_t cp, int *several)
{
    if (cp < 0x80)
        return (int)cp;
    const fz_sbcs *t = sb(id);
    int b = -1;
    for (int k = 0x80; k < 256; k++) {
        if (t->sloppy[k] != cp)
            continue;
        if (b >= 0)
            *several = 1;
        else
            b = k;
    }
    return b;
}

/* Text -> UTF-8 (CESU-8 and C0 80 for U+0000 with cesu). */
static void put_text(fz_bytes *b, const uint32_t *t, size_t n, int cesu)
{
    b->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (cesu && t[i] >= 0x10000) {
            uint32_t v = t[i] - 0x10000;
            fz_put_cp(b, 0xD800 + (v >> 10));
            fz_put_cp(b, 0xDC00 + (v & 0x3FF));
        } else if (cesu && t[i] == 0) {
            fz_put(b, "\xC0\x80", 2);
        } else {
            fz_put_cp(b, t[i]);
        }
    }
}

/* ---------------------------------------------------------------- multibyte */

typedef struct {
    UConverter *cnv;        /* pinned converter, callback: stop */
    int lead_ready;
    uint8_t lead[256];      /* starts some two-byte character */
} fz_mb;

static fz_mb mbs[FZ_NMBCS];

static fz_mb *mb(int k)
{
    fz_mb *m = &mbs[k];
    if (!m->cnv) {
        UErrorCode err = U_ZERO_ERROR;
        m->cnv = ucnv_open(fz_mbcs_pins[k].icu, &err);
        FUZZ_ASSERT(U_SUCCESS(err));
        ucnv_setToUCallBack(m->cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
        FUZZ_ASSERT(U_SUCCESS(err));
    }
    return m;
}

/* Decode exactly s[0..n) as whole characters; the code points (at most 4)
 * go to cp.  Returns their number, 0 if the bytes are not that. */
static int mb_exact(int k, const uint8_t *s, size_t n, uint32_t cp[4])
{
    fz_mb *m = mb(k);
    UChar u[8];
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(m->cnv);
    int32_t nu = ucnv_toUChars(m->cnv, u, 8, (const char *)s, (int32_t)n, &err);
    if (U_FAILURE(err) || nu <= 0)
        return 0;
    int nc = 0;
    for (int32_t i = 0; i < nu && nc < 4; i++) {
        uint32_t c = u[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < nu) {
            c = 0x10000 + ((c - 0xD800) << 10) + (u[i + 1] - 0xDC00u);
            i++;
        }
        cp[nc++] = c;
    }
    return nc;
}

static int mb_is_lead(int k, uint8_t b)
{
    fz_mb *m = mb(k);
    if (!m->lead_ready) {
        for (int x = 0x80; x < 256; x++)
            for (int y = 0; y < 256 && !m->lead[x]; y++) {
                uint8_t q[2] = { (uint8_t)x, (uint8_t)y };
                uint32_t cp[4];
                m->lead[x] = mb_exact(k, q, 2, cp) > 0;
            }
        m->lead_ready = 1;
    }
    return m->lead[b];
}

/*
 * UTF-8 bytes read by multibyte codec k under convention conv (mbcs.h,
 * mbcs_lossy.h): ICU writes U+FFFD per error sequence, DROP nothing;
 * Python decodes greedily and writes U+FFFD for one byte; Windows writes
 * '?' (U+30FB for shift_jis) for a lead and the byte after it (unless that
 * is NUL), else for one byte.  conv < 0: lossless, any error fails.
 * Returns 0, or -1 for an error in the lossless reading.
 */
static int mb_read(int k, int conv, const fz_bytes *in, fz_bytes *out)
{
    out->n = 0;
    if (conv < 0 || conv == UB_MBCS_CONV_ICU || conv == UB_MBCS_CONV_DROP) {
        long nsub = fz_icu_decode(fz_mbcs_pins[k].icu, in->p, in->n,
                                  conv == UB_MBCS_CONV_DROP, out);
        FUZZ_ASSERT(nsub >= 0);
        return conv < 0 && nsub ? -1 : 0;
    }
    uint32_t mark = conv == UB_MBCS_CONV_PYTHON ? 0xFFFD :
                    !strcmp(fz_mbcs_pins[k].name, "shift_jis") ? 0x30FB : '?';
    for (size_t i = 0; i < in->n;) {
        uint32_t cp[4];
        int nc = 0;
        size_t len = 1;
        for (; len <= 4 && i + len <= in->n; len++)
            if ((nc = mb_exact(k, in->p + i, len, cp)) > 0)
                break;
        if (nc > 0) {
            for (int c = 0; c < nc; c++)
                fz_put_cp(out, cp[c]);
            i += len;
            continue;
        }
        fz_put_cp(out, mark);
        i += conv == UB_MBCS_CONV_WIN && mb_is_lead(k, in->p[i]) && i + 1 < in->n &&
             in->p[i + 1] ? 2 : 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- forward */

typedef struct {
    ub_hyp h;
    int lossy;              /* chars[] with per-byte losses (check_forward_lossy) */
    uint32_t cp[MAXCH];
    ub_lchar ch[MAXCH];
    size_t n;
} fz_case;

/* One lossless layer of single-byte codec id: text <- decode(UTF-8(text)). */
static void sb_layer(int id, fz_bytes *b, uint32_t **t, size_t *n, int cesu)
{
    put_text(b, *t, *n, cesu);
    uint32_t *v = realloc(*t, (b->n + 1) * sizeof *v);
    FUZZ_ASSERT(v != NULL);
    const fz_sbcs *tab = sb(id);
    for (size_t i = 0; i < b->n; i++)
        v[i] = tab->sloppy[b->p[i]];
    *t = v;
    *n = b->n;
}

/* Room for n more code points in t. */
static void grow(uint32_t **t, size_t *cap, size_t n)
{
    if (n <= *cap)
        return;
    while (*cap < n)
        *cap = *cap ? 2 * *cap : 64;
    *t = realloc(*t, *cap * sizeof **t);
    FUZZ_ASSERT(*t != NULL);
}

/* Single-byte steps of the forward direction (lossless, legacy, lossy):
 * the final text into *t.  Returns 0 when some character has no byte. */
static int sb_forward(const fz_case *c, uint32_t **t, size_t *n, int *several)
{
    const ub_hyp *h = &c->h;
    fz_bytes b = { 0 };
    size_t cap = 0;
    int res = 1;
    *n = 0;
    if (c->lossy) {
        /* per UTF-8 byte of the innermost layer, then the outer layers */
        int inner = h->codec[h->nlayers - 1];
        for (size_t i = 0; i < c->n; i++) {
            const ub_lchar *ch = &c->ch[i];
            grow(t, &cap, *n + 4);
            if (ch->keep == 1) {
                (*t)[(*n)++] = ch->cp;
                continue;
            }
            if (ch->keep == 2) {    /* a windows-1252 byte read as iso-8859-1 */
                int v = sb_encode(UB_CODEC_CP1252, ch->cp, several);
                if (v < 0) {
                    res = 0;
                    goto out;
                }
                (*t)[(*n)++] = (uint32_t)v;
                continue;
            }
            b.n = 0;
            fz_put_cp(&b, ch->cp);
            for (size_t j = 0; j < b.n; j++) {
                /* a decoder loses the bytes it cannot read (undefined or
                 * C1); a later process strips the codec's soft hyphen or
                 * NBSP, or writes the NBSP as a space */
                uint8_t x = b.p[j];
                int undef = sb(inner)->lossy[x];
                int shy_nbsp = (x == 0xA0 || x == 0xAD) && sb(inner)->sloppy[x] == x;
                int op = ch->ops[j];
                if ((op == UB_OP_DROP && !undef && !shy_nbsp) ||
                    ((op == UB_OP_QMARK || op == UB_OP_FFFD) && !undef) ||
                    (op == UB_OP_SPACE && !(x == 0xA0 && shy_nbsp))) {
                    res = 0;
                    goto out;
                }
                switch (op) {
                case UB_OP_NONE:
                    (*t)[(*n)++] = sb(inner)->sloppy[x];
                    break;
                case UB_OP_DROP:
                    break;
                case UB_OP_QMARK:
                    (*t)[(*n)++] = '?';
                    break;
                case UB_OP_FFFD:
                    (*t)[(*n)++] = 0xFFFD;
                    break;
                default:    /* UB_OP_SPACE: the NBSP written as a space */
                    (*t)[(*n)++] = ' ';
                }
            }
        }
        for (int l = h->nlayers - 2; l >= 0; l--)
            sb_layer(h->codec[l], &b, t, n, 0);
        goto out;
    }
    grow(t, &cap, c->n + 1);
    for (size_t i = 0; i < c->n; i++)
        (*t)[(*n)++] = c->cp[i];
    if (h->kind == UB_HYP_LEGACY || h->inner_legacy) {
        /* text in a codec read as iso-8859-1: the bytes as code points */
        int id = h->kind == UB_HYP_LEGACY ? h->codec[0] : UB_CODEC_CP1252;
        for (size_t i = 0; i < *n; i++) {
            int v = sb_encode(id, (*t)[i], several);
            if (v < 0) {
                res = 0;
                goto out;
            }
            (*t)[i] = (uint32_t)v;
        }
    }
    if (h->kind == UB_HYP_UTF8)
        for (int l = h->nlayers - 1; l >= 0; l--)
            sb_layer(h->codec[l], &b, t, n, h->cesu >> l & 1);
out:
    free(b.p);
    return res;
}

/*
 * The forward image of the case into out.  Returns 1 when there is exactly
 * one, 2 when there are several (a codec with two bytes for one character:
 * out holds the one with the lowest bytes), 0 when there is none.
 */
static int forward(const fz_case *c, fz_bytes *out)
{
    const ub_hyp *h = &c->h;
    int several = 0, res = 1;
    out->n = 0;
    if (c->lossy || h->kind == UB_HYP_UTF8 || h->kind == UB_HYP_LEGACY) {
        uint32_t *t = NULL;
        size_t n;
        res = sb_forward(c, &t, &n, &several);
        if (res)
            put_text(out, t, n, 0);
        free(t);
    } else if (h->kind == UB_HYP_MBCS) {
        fz_bytes b = { 0 };
        put_text(&b, c->cp, c->n, 0);
        res = !mb_read(h->codec[0] - UB_NCODECS, h->ops_used ? h->conv : -1, &b, out);
        free(b.p);
    } else if (h->codec[0] >= UB_NCODECS) {
        /* multibyte legacy bytes: every character, with a mapping that
         * round-trips (no fallbacks) */
        int k = h->codec[0] - UB_NCODECS;
        UErrorCode err = U_ZERO_ERROR;
        UConverter *cnv = ucnv_open(fz_mbcs_pins[k].icu, &err);
        FUZZ_ASSERT(U_SUCCESS(err));
        ucnv_setFallback(cnv, 0);
        ucnv_setFromUCallBack(cnv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
        for (size_t i = 0; i < c->n && res; i++) {
            UChar u[2];
            int32_t nu = 0;
            uint32_t cp = c->cp[i];
            if (cp >= 0x10000) {
                u[nu++] = (UChar)(0xD800 + ((cp - 0x10000) >> 10));
                u[nu++] = (UChar)(0xDC00 + (cp & 0x3FF));
            } else {
                u[nu++] = (UChar)cp;
            }
            char e[16];
            uint32_t back[4];
            err = U_ZERO_ERROR;
            ucnv_reset(cnv);
            int32_t m = ucnv_fromUChars(cnv, e, sizeof e, u, nu, &err);
            if (U_FAILURE(err) || m <= 0 ||
                mb_exact(k, (const uint8_t *)e, (size_t)m, back) != 1 || back[0] != cp)
                res = 0;
            else
                fz_put(out, e, (size_t)m);
        }
        ucnv_close(cnv);
    } else {
        /* single-byte legacy bytes; characters kept are UTF-8 */
        for (size_t i = 0; i < c->n && res; i++) {
            if (c->ch[i].keep) {
                fz_put_cp(out, c->ch[i].cp);
                continue;
            }
            int v = sb_encode(h->codec[0], c->ch[i].cp, &several);
            uint8_t byte = (uint8_t)v;
            if (v < 0)
                res = 0;
            else
                fz_put(out, &byte, 1);
        }
    }
    return res && several ? 2 : res;
}

/* Is in[0..n) a forward image of the case?  With several images (a
 * character two bytes decode to), decode the run and compare instead. */
static int is_image(const fz_case *c, const uint8_t *in, size_t n)
{
    fz_bytes f = { 0 };
    int r = forward(c, &f);
    int ok = r && f.n == n && (!n || !memcmp(f.p, in, n));
    if (!ok && r == 2) {
        /* LEGACY / BYTES with a codec that is not injective: read the
         * bytes back instead (the only steps with a choice) */
        const ub_hyp *h = &c->h;
        size_t i = 0, k = 0;
        ok = 1;
        for (; ok && k < c->n; k++) {
            uint32_t cp = h->kind == UB_HYP_LEGACY ? c->cp[k] : c->ch[k].cp;
            if (h->kind == UB_HYP_BYTES && c->ch[k].keep) {
                fz_bytes u = { 0 };
                fz_put_cp(&u, cp);
                ok = i + u.n <= n && !memcmp(in + i, u.p, u.n);
                i += u.n;
                free(u.p);
                continue;
            }
            uint32_t v;
            if (i >= n) {
                ok = 0;
                break;
            }
            if (h->kind == UB_HYP_LEGACY) {
                i += fz_next_cp(in + i, n - i, &v);
                if (v > 0xFF) {
                    ok = 0;
                    break;
                }
            } else {
                v = in[i++];
            }
            ok = sb(h->codec[0])->sloppy[v] == cp && (v >= 0x80 || v == cp);
        }
        ok = ok && i == n && (h->kind == UB_HYP_LEGACY || h->kind == UB_HYP_BYTES) &&
             !h->inner_legacy;
    }
    free(f.p);
    return ok;
}

static void dump(const char *what, const uint8_t *p, size_t n)
{
    fprintf(stderr, "  %s:", what);
    for (size_t i = 0; i < n && i < 64; i++)
        fprintf(stderr, " %02X", p[i]);
    fprintf(stderr, "%s\n", n > 64 ? " ..." : "");
}

/* ---------------------------------------------------------------- fix_buffer */

typedef struct {
    fuzz_reports rs;
    char **hyp;
    int *layers;
    size_t cap;
} rep_log;

static void on_report(void *user, const unbake_report *r)
{
    rep_log *lg = user;
    fuzz_on_report(&lg->rs, r);
    if (lg->rs.n > lg->cap) {
        lg->cap = lg->rs.cap;
        lg->hyp = realloc(lg->hyp, lg->cap * sizeof *lg->hyp);
        lg->layers = realloc(lg->layers, lg->cap * sizeof *lg->layers);
        FUZZ_ASSERT(lg->hyp && lg->layers);
    }
    lg->hyp[lg->rs.n - 1] = strdup(r->hypothesis);
    lg->layers[lg->rs.n - 1] = r->layers;
    FUZZ_ASSERT(lg->hyp[lg->rs.n - 1] != NULL);
}

/* "utf-8 read as A, then B, 2 layers" -> the hypothesis, innermost codec
 * last in h->codec as in hyp.h; 0 for anything else. */
static int parse_plain(const char *s, ub_hyp *h)
{
    static const char head[] = "utf-8 read as ";
    memset(h, 0, sizeof *h);
    h->kind = UB_HYP_UTF8;
    if (strncmp(s, head, sizeof head - 1) || strchr(s, ';'))
        return 0;
    s += sizeof head - 1;
    int names[UB_MAX_LAYERS], nn = 0;
    for (;;) {
        size_t k = strcspn(s, ",");
        if (!s[k] || nn == UB_MAX_LAYERS)
            return 0;
        int id = -1;
        for (int c = 0; c < UB_NCODECS && id < 0; c++)
            if (strlen(ub_hyp_codec_name(c)) == k && !strncmp(ub_hyp_codec_name(c), s, k))
                id = c;
        if (id < 0)
            return 0;
        names[nn++] = id;
        s += k;
        if (!strncmp(s, ", then ", 7)) {
            s += 7;
            continue;
        }
        char tail[32];
        snprintf(tail, sizeof tail, ", %d layer%s", nn, nn > 1 ? "s" : "");
        if (strcmp(s, tail))
            return 0;
        break;
    }
    h->nlayers = nn;
    for (int l = 0; l < nn; l++)
        h->codec[l] = (int8_t)names[nn - 1 - l];
    return 1;
}

static void fix_buffer_case(const uint8_t *data, size_t size)
{
    fuzz_opts o;
    size_t n;
    fuzz_split(data, size, &o, &n);
    unbake_ctx *ctx = fuzz_ctx_new(&o);
    rep_log lg = { .rs = { .max_layers = o.max_layers, .lossy = o.lossy } };
    FUZZ_ASSERT(unbake_ctx_set_report(ctx, on_report, &lg) == UNBAKE_OK);
    char *out = NULL;
    size_t out_len = 0;
    long rc = unbake_fix_buffer(ctx, data, n, &out, &out_len);
    FUZZ_ASSERT(rc >= 0);
    fuzz_check_output(data, n, out, out_len, rc, &lg.rs, o.strip_bom, unbake_input_encoding(ctx));
    for (size_t i = 0; i < lg.rs.n; i++) {
        const fuzz_run *r = &lg.rs.v[i];
        static fz_case c;
        if (!parse_plain(lg.hyp[i], &c.h))
            continue;
        if (getenv("UNBAKE_FUZZ_VERBOSE"))
            fprintf(stderr, "replaying \"%s\"\n", lg.hyp[i]);
        FUZZ_ASSERT(lg.layers[i] == c.h.nlayers);
        FUZZ_ASSERT(fuzz_valid_utf8((const uint8_t *)r->out, r->out_len));
        const uint8_t *ro = (const uint8_t *)r->out;
        c.n = 0;
        for (size_t j = 0; j < r->out_len && c.n < MAXCH;)
            j += fz_next_cp(ro + j, r->out_len - j, &c.cp[c.n++]);
        if (c.n < MAXCH && !is_image(&c, (const uint8_t *)r->in, r->in_len)) {
            fz_bytes f = { 0 };
            forward(&c, &f);
            fprintf(stderr, "report \"%s\" does not replay:\n", lg.hyp[i]);
            dump("in", (const uint8_t *)r->in, r->in_len);
            dump("out", ro, r->out_len);
            dump("forward", f.p, f.n);
            FUZZ_ASSERT(0);
        }
    }
    for (size_t i = 0; i < lg.rs.n; i++)
        free(lg.hyp[i]);
    free(lg.hyp);
    free(lg.layers);
    fuzz_reports_free(&lg.rs);
    free(out);
    unbake_ctx_free(ctx);
}

/* ---------------------------------------------------------------- entry */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    int sel = data[0] % 8;
    if (sel == 7) {
        fix_buffer_case(data + 1, size - 1);
        return 0;
    }
    static fz_case c;
    memset(&c.h, 0, sizeof c.h);
    c.lossy = 0;
    int nsb = UB_NCODECS, nmb = ub_mbcs_count();
    FUZZ_ASSERT(nmb == FZ_NMBCS);
    ub_hyp *h = &c.h;
    h->nlayers = 1 + (data[1] & 3) % 3;
    for (int l = 0; l < UB_MAX_LAYERS; l++)
        h->codec[l] = (int8_t)(data[2 + l] % nsb);
    int how = data[1] >> 6;     /* 0, 3: the image; 1: changed; 2: raw bytes */
    int lossy_chars = 0;
    switch (sel) {
    case 0:
        h->kind = UB_HYP_UTF8;
        h->cesu = (uint8_t)(data[1] >> 2 & 7);
        h->inner_legacy = data[1] >> 5 & 1;
        break;
    case 1:
        h->kind = UB_HYP_LEGACY;
        h->nlayers = 1;
        break;
    case 2:
        h->kind = UB_HYP_UTF8;      /* checked by ub_check_forward_lossy */
        lossy_chars = 1;
        c.lossy = 1;
        break;
    case 3:
    case 4:
        h->kind = UB_HYP_MBCS;
        h->nlayers = 1;
        h->codec[0] = (int8_t)(UB_NCODECS + data[2] % nmb);
        if (sel == 4) {
            h->conv = (uint8_t)(data[0] >> 3 & 3);
            h->ops_used = 1u << UB_OP_FFFD;
        }
        break;
    case 5:
    case 6:
        h->kind = UB_HYP_BYTES;
        h->nlayers = 1;
        lossy_chars = sel == 5;
        if (sel == 6)
            h->codec[0] = (int8_t)(UB_NCODECS + data[2] % nmb);
        break;
    }

    /* the repair */
    const uint8_t *p = data + 6, *end = data + size;
    size_t split = (size_t)(end - p) * data[5] / 256;
    const uint8_t *tend = how == 2 ? p + split : end;
    c.n = 0;
    while (p < tend && c.n < MAXCH) {
        uint32_t cp;
        p += fz_next_cp(p, (size_t)(tend - p), &cp);
        ub_lchar *ch = &c.ch[c.n];
        memset(ch, 0, sizeof *ch);
        ch->cp = cp;
        if (lossy_chars && p < tend) {
            uint8_t spec = *p++;
            if (spec >= 0xF0)
                ch->keep = (uint8_t)(sel == 5 ? 1 : 1 + (spec & 1));
            for (int j = 0; j < 4; j++)
                if (spec >> j & 1)
                    ch->ops[j] = (uint8_t)((spec >> 4) % UB_OP_NOPS);
            for (int j = 0; j < 4; j++)
                h->ops_used |= 1u << ch->ops[j];
            ch->gap = (spec & 0x0F) != 0;
        }
        c.cp[c.n++] = cp;
    }
    if (sel == 2)
        h->ops_used &= ~1u;
    if (sel == 2 || sel == 5)
        for (size_t i = 0; i < c.n; i++)
            h->nkeep += c.ch[i].keep != 0;

    /* the run */
    fz_bytes in = { 0 };
    fz_put(&in, "", 0);
    int images = forward(&c, &in);
    if (how == 2 || !images) {
        images = 0;
        in.n = 0;
        fz_put(&in, tend, (size_t)(end - tend));
    } else if (how == 1 && in.n) {
        size_t at = data[5] % in.n;
        in.p[at] ^= (uint8_t)(1 + (data[4] & 0x7F));
        images = 0;
    }
    fz_put(&in, "", 0);

    int ok;
    switch (sel) {
    case 0:
    case 1:
        ok = ub_check_forward(h, c.cp, c.n, in.p, in.n);
        break;
    case 2:
        ok = ub_check_forward_lossy(h, c.ch, c.n, in.p, in.n);
        break;
    case 3:
    case 4: {
        ub_mbcs_cache *cache = ub_mbcs_cache_new();
        FUZZ_ASSERT(cache != NULL);
        ok = ub_check_forward_mbcs(cache, h, c.cp, c.n, in.p, in.n);
        ub_mbcs_cache_free(cache);
        break;
    }
    default: {
        ub_mbcs_cache *cache = ub_mbcs_cache_new();
        FUZZ_ASSERT(cache != NULL);
        ok = ub_check_forward_bytes(cache, h, c.ch, c.n, in.p, in.n);
        ub_mbcs_cache_free(cache);
    }
    }
    FUZZ_ASSERT(ok == 0 || ok == 1);

    char desc[256];
    if ((ok == 1 && !is_image(&c, in.p, in.n)) || (ok == 0 && images == 1 && how != 1)) {
        fz_bytes f = { 0 };
        forward(&c, &f);
        fprintf(stderr, "forward check of \"%s\" (kind %d, ops %#x, conv %d) says %d, "
                "the re-implementation %s\n", ub_hyp_describe(h, desc, sizeof desc), h->kind,
                h->ops_used, h->conv, ok, ok ? "disagrees" : "gives exactly the run");
        fz_bytes r = { 0 };
        put_text(&r, c.cp, c.n, 0);
        dump("repair", r.p, r.n);
        dump("run", in.p, in.n);
        dump("forward", f.p, f.n);
        FUZZ_ASSERT(0);
    }
    if (getenv("UNBAKE_FUZZ_VERBOSE"))
        fprintf(stderr, "\"%s\": %zu characters, %zu bytes, check %d\n",
                ub_hyp_describe(h, desc, sizeof desc), c.n, in.n, ok);
    free(in.p);
    return 0;
}
