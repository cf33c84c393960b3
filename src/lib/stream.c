/*
 * stream.c -- the context, its options, and the streaming filter.
 *
 * Input is cut into segments: lines, or -- for lines longer than
 * UNBAKE_WINDOW bytes -- pieces cut where no run can span the cut (after
 * an ASCII character that is not a space or '?'), or failing that before a
 * character that would start a UTF-8 sequence under the common codecs.
 * Where segments end depends only on the bytes, never on how they were
 * pushed, so output is identical whatever the chunking, and at most
 * UNBAKE_WINDOW bytes are ever held back.
 */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#define UNBAKE_STATIC_LINKING_ONLY
#include "engine.h"
#include "input.h"
#include "mbcs.h"
#include "mbcs_lossy.h"
#include "utf8.h"

unbake_ctx *unbake_ctx_new(void)
{
    unbake_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->lossy = UNBAKE_LOSSY_FILL;
    ctx->min_confidence = 1000;
    ctx->max_layers = UB_MAX_TOTAL_LAYERS;
    ctx->det = ub_detect_scratch_new();
    if (!ctx->det) {
        free(ctx);
        return NULL;
    }
    return ctx;
}

void unbake_ctx_free(unbake_ctx *ctx)
{
    if (!ctx)
        return;
    ub_input_free(ctx->input);
    ub_mbcs_cache_free(ctx->mbcs);
    ub_mbcs_lossy_scratch_free(ctx->mbcs_lossy);
    free(ctx->from);
    ub_detect_scratch_free(ctx->det);
    ub_detect_scratch_free(ctx->nested[0]);
    ub_detect_scratch_free(ctx->nested[1]);
    free(ctx->buf);
    free(ctx);
}

static int opt_range(unbake_option_e opt, int *lo, int *hi)
{
    switch (opt) {
    case UNBAKE_OPT_LOSSY: *lo = 0; *hi = 2; return 0;
    case UNBAKE_OPT_MIN_CONFIDENCE: *lo = 0; *hi = 1000; return 0;
    case UNBAKE_OPT_MAX_LAYERS: *lo = 1; *hi = UB_MAX_TOTAL_LAYERS; return 0;
    case UNBAKE_OPT_STRIP_BOM: *lo = 0; *hi = 1; return 0;
    case UNBAKE_OPT_BIAS: *lo = -200; *hi = 200; return 0;
    }
    return -1;
}

static int *opt_field(unbake_ctx *ctx, unbake_option_e opt)
{
    switch (opt) {
    case UNBAKE_OPT_LOSSY: return &ctx->lossy;
    case UNBAKE_OPT_MIN_CONFIDENCE: return &ctx->min_confidence;
    case UNBAKE_OPT_MAX_LAYERS: return &ctx->max_layers;
    case UNBAKE_OPT_STRIP_BOM: return &ctx->strip_bom;
    case UNBAKE_OPT_BIAS: return &ctx->bias;
    }
    return NULL;
}

int unbake_ctx_set(unbake_ctx *ctx, unbake_option_e opt, int value)
{
    int lo, hi;
    if (!ctx || opt_range(opt, &lo, &hi) || value < lo || value > hi)
        return UNBAKE_EINVAL;
    if (ctx->state == ST_STREAM && ctx->pushed)
        return UNBAKE_ESTATE;
    *opt_field(ctx, opt) = value;
    return UNBAKE_OK;
}

int unbake_ctx_get(const unbake_ctx *ctx, unbake_option_e opt)
{
    int lo, hi;
    if (!ctx || opt_range(opt, &lo, &hi))
        return UNBAKE_EINVAL;
    return *opt_field((unbake_ctx *)(uintptr_t)ctx, opt);
}

int unbake_ctx_set_report(unbake_ctx *ctx, unbake_report_fn fn, void *user)
{
    if (!ctx)
        return UNBAKE_EINVAL;
    if (ctx->state == ST_STREAM && ctx->pushed)
        return UNBAKE_ESTATE;
    ctx->report = fn;
    ctx->report_user = user;
    return UNBAKE_OK;
}

int unbake_ctx_set_loss_report(unbake_ctx *ctx, unbake_loss_fn fn, void *user)
{
    if (!ctx)
        return UNBAKE_EINVAL;
    if (ctx->state == ST_STREAM && ctx->pushed)
        return UNBAKE_ESTATE;
    ctx->loss = fn;
    ctx->loss_user = user;
    return UNBAKE_OK;
}

int unbake_ctx_set_from(unbake_ctx *ctx, const char *codec)
{
    if (!ctx)
        return UNBAKE_EINVAL;
    if (ctx->state == ST_STREAM && ctx->pushed)
        return UNBAKE_ESTATE;
    if (codec && !strcmp(codec, "auto"))
        codec = NULL;
    ub_input *in;
    int rc = ub_input_new(&in, codec);
    if (rc)
        return rc;
    char *copy = NULL;
    if (codec && !(copy = strdup(codec))) {
        ub_input_free(in);
        return UNBAKE_ENOMEM;
    }
    ub_input_free(ctx->input);
    free(ctx->from);
    ctx->input = in;
    ctx->from = copy;
    return UNBAKE_OK;
}

unsigned long long unbake_ctx_steps(const unbake_ctx *ctx)
{
    return ctx ? ctx->steps : 0;
}

const char *unbake_input_encoding(const unbake_ctx *ctx)
{
    if (!ctx || !ctx->input)
        return "undecided";
    return ub_input_detected(ctx->input);
}

int ub_emit(unbake_ctx *ctx, const void *data, size_t len)
{
    if (!len)
        return 0;
    if (ctx->write(ctx->write_user, data, len))
        return -1;
    ctx->out_off += len;
    return 0;
}

int unbake_begin(unbake_ctx *ctx, unbake_write_fn write, void *user)
{
    if (!ctx || !write)
        return UNBAKE_EINVAL;
    if (!ctx->input) {
        int rc = ub_input_new(&ctx->input, ctx->from);
        if (rc)
            return rc;
    } else {
        ub_input_reset(ctx->input);
    }
    ctx->write = write;
    ctx->write_user = user;
    ctx->len = 0;
    ctx->in_off = 0;
    ctx->out_off = 0;
    ctx->nfixed = 0;
    ctx->at_start = 1;
    ctx->pushed = 0;
    ctx->c2 = ctx->c1 = UB_LM_BOS;
    ctx->carry = 0;
    ctx->carry_dist = 0;
    ctx->carry_twice = 0;
    ctx->seen_clean = 0;
    ctx->seen_fixed = 0;
    ctx->seen_since = 0;
    ctx->state = ST_STREAM;
    return UNBAKE_OK;
}

/* Where to end a segment that starts at b[0] with no newline in the window. */
static size_t window_cut(const uint8_t *b, size_t n)
{
    /* after an ASCII character that no run joins across */
    for (size_t j = n; j > n / 2; j--) {
        uint8_t c = b[j - 1];
        if (c < 0x80 && c != ' ' && c != '?')
            return j;
    }
    /* before a character that starts a UTF-8 sequence under windows-1252
     * or windows-1251 (the usual mojibake), so a repair is not cut apart */
    size_t fallback = 0;
    for (size_t j = n - 1; j > n / 2 && j > n - 4096; j--) {
        if (ub_utf8_is_cont(b[j]))
            continue;
        uint32_t cp;
        if (!ub_utf8_decode(b + j, n - j, &cp))
            continue;
        if (!fallback)
            fallback = j;
        int x = ub_codec_encode(UB_CODEC_CP1252, cp), y = ub_codec_encode(UB_CODEC_CP1251, cp);
        if ((x >= 0xC2 && x <= 0xF4) || (y >= 0xC2 && y <= 0xF4))
            return j;
    }
    if (fallback)
        return fallback;
    /* no character boundary at all (invalid bytes): any cut will do */
    return n;
}

/* Decide the segments of b[0..len) that are complete (all of them when
 * final), from *used on; *used goes past them.  The segments depend on
 * the bytes alone, not on where b came from. */
static int segments(unbake_ctx *ctx, const uint8_t *b, size_t len, int final, size_t *used)
{
    size_t pos = *used;
    while (pos < len) {
        size_t avail = len - pos;
        /* whole lines of ASCII go straight through, as one write */
        size_t a = ub_ascii_prefix(b + pos, avail);
        const uint8_t *last = a ? memrchr(b + pos, '\n', a) : NULL;
        if (last) {
            size_t n = (size_t)(last - (b + pos)) + 1;
            if (ub_emit(ctx, b + pos, n))
                return UNBAKE_EWRITE;
            ctx->c2 = n >= 2 ? b[pos + n - 2] : ctx->c1;
            ctx->c1 = '\n';
            pos += n;
            ctx->in_off += n;
            continue;
        }
        size_t lim = avail < UNBAKE_WINDOW ? avail : UNBAKE_WINDOW;
        const uint8_t *nl = memchr(b + pos, '\n', lim);
        size_t seg;
        if (nl)
            seg = (size_t)(nl - (b + pos)) + 1;
        else if (avail >= UNBAKE_WINDOW)
            seg = window_cut(b + pos, UNBAKE_WINDOW);
        else if (final)
            seg = avail;
        else
            break;
        int rc = ub_detect_segment(ctx, b + pos, seg, a < seg ? a : seg);
        if (rc) {
            *used = pos;
            return rc;
        }
        pos += seg;
        ctx->in_off += seg;
    }
    *used = pos;
    return UNBAKE_OK;
}

static int process(unbake_ctx *ctx, int final)
{
    size_t pos = 0;
    if (ctx->at_start) {
        if (ctx->len < 3 && !final)
            return UNBAKE_OK;
        if (ctx->strip_bom && ctx->len >= 3 && !memcmp(ctx->buf, "\xEF\xBB\xBF", 3)) {
            pos = 3;
            ctx->in_off = 3;
        }
        ctx->at_start = 0;
    }
    int rc = segments(ctx, ctx->buf, ctx->len, final, &pos);
    if (rc)
        return rc;
    if (pos) {
        memmove(ctx->buf, ctx->buf + pos, ctx->len - pos);
        ctx->len -= pos;
    }
    return UNBAKE_OK;
}

/* Room in ctx->buf for one window plus what is being added. */
static int hold(unbake_ctx *ctx)
{
    if (ctx->cap < 2 * UNBAKE_WINDOW) {
        uint8_t *nb = realloc(ctx->buf, 2 * UNBAKE_WINDOW);
        if (!nb) {
            ctx->err = UNBAKE_ENOMEM;
            return -1;
        }
        ctx->buf = nb;
        ctx->cap = 2 * UNBAKE_WINDOW;
    }
    return 0;
}

/* Hold the next k bytes of *p (len of them) after what is held, and
 * decide what that completes; -1 (ctx->err set) on failure. */
static int take_in(unbake_ctx *ctx, const uint8_t **p, size_t *len, size_t k)
{
    if (hold(ctx))
        return -1;
    memcpy(ctx->buf + ctx->len, *p, k);
    ctx->len += k;
    *p += k;
    *len -= k;
    int rc = process(ctx, 0);
    if (rc) {
        ctx->err = rc;
        return -1;
    }
    return 0;
}

/*
 * The input stage's sink: UTF-8 arrives here and is decided a segment at
 * a time.  Only what does not make a whole segment yet is copied and held
 * back (less than a window, with no newline); the next bytes up to their
 * first newline complete it, and the segments after that are decided
 * where they are.  (Which bytes make a segment does not depend on where
 * they are.)
 */
static int accept(void *user, const uint8_t *p, size_t len)
{
    unbake_ctx *ctx = user;
    if (ctx->len && !ctx->at_start && ctx->len < UNBAKE_WINDOW) {
        size_t room = UNBAKE_WINDOW - ctx->len;
        const uint8_t *nl = memchr(p, '\n', len < room ? len : room);
        if (nl && take_in(ctx, &p, &len, (size_t)(nl - p) + 1))
            return -1;
    }
    if (!ctx->len && !ctx->at_start) {
        size_t used = 0;
        int rc = segments(ctx, p, len, 0, &used);
        if (rc) {
            ctx->err = rc;
            return -1;
        }
        p += used;
        len -= used;
    }
    while (len) {
        if (hold(ctx))
            return -1;
        if (take_in(ctx, &p, &len, ctx->cap - ctx->len < len ? ctx->cap - ctx->len : len))
            return -1;
    }
    return 0;
}

int unbake_push(unbake_ctx *ctx, const void *data, size_t len)
{
    if (!ctx || (!data && len))
        return UNBAKE_EINVAL;
    if (ctx->state != ST_STREAM)
        return UNBAKE_ESTATE;
    ctx->pushed = 1;
    ctx->err = 0;
    int rc = ub_input_push(ctx->input, data, len, 0, accept, ctx);
    if (rc) {
        ctx->state = ST_ERROR;
        return ctx->err ? ctx->err : rc;
    }
    return UNBAKE_OK;
}

long unbake_finish(unbake_ctx *ctx)
{
    if (!ctx)
        return UNBAKE_EINVAL;
    if (ctx->state != ST_STREAM)
        return UNBAKE_ESTATE;
    ctx->err = 0;
    int rc = ub_input_push(ctx->input, NULL, 0, 1, accept, ctx);
    if (!rc)
        rc = process(ctx, 1);
    if (rc) {
        ctx->state = ST_ERROR;
        return ctx->err ? ctx->err : rc;
    }
    ctx->state = ST_DONE;
    return ctx->nfixed;
}

struct membuf {
    char *p;
    size_t n, cap;
};

static int mem_write(void *user, const char *data, size_t len)
{
    struct membuf *m = user;
    if (m->n + len + 1 > m->cap) {
        size_t c = m->cap ? m->cap : 4096;
        while (c < m->n + len + 1)
            c *= 2;
        char *q = realloc(m->p, c);
        if (!q)
            return -1;
        m->p = q;
        m->cap = c;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    return 0;
}

long unbake_fix_buffer(unbake_ctx *ctx, const void *in, size_t in_len, char **out,
                       size_t *out_len)
{
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!ctx || !out || !out_len || (!in && in_len))
        return UNBAKE_EINVAL;
    struct membuf m = { 0 };
    int rc = unbake_begin(ctx, mem_write, &m);
    if (!rc)
        rc = unbake_push(ctx, in, in_len);
    long n = rc ? rc : unbake_finish(ctx);
    if (n >= 0 && mem_write(&m, "", 0) == 0 && (m.p || (m.p = malloc(1)))) {
        m.p[m.n] = 0;
        *out = m.p;
        *out_len = m.n;
        return n;
    }
    free(m.p);
    ctx->state = ST_IDLE;
    return n == UNBAKE_EWRITE ? UNBAKE_ENOMEM : n < 0 ? n : UNBAKE_ENOMEM;
}
