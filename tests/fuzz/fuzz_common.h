/*
 * fuzz_common.h -- shared by the libFuzzer targets in tests/fuzz/.
 *
 * Options come from the input bytes: the last FUZZ_OPT_BYTES bytes (when
 * the input is long enough) pick the context options, the chunking seed
 * and the target's mode; the rest is the text.  Taking them from the end
 * keeps seed files readable: a seed is text followed by a few option bytes.
 *
 * Every invariant the public header promises is checked with FUZZ_ASSERT,
 * which prints what failed and aborts (a crash for libFuzzer, a failed
 * input for the regression driver).
 */
#ifndef UB_FUZZ_COMMON_H
#define UB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unbake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond) do { \
        if (!(cond)) { \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort(); \
        } \
    } while (0)

#define FUZZ_OPT_BYTES 4

typedef struct {
    int lossy;          /* unbake_lossy_e */
    int min_conf;       /* 0..1000 */
    int max_layers;     /* 1..4 */
    int strip_bom;
    int bias;           /* -200..200 */
    uint32_t seed;      /* chunking and target modes */
} fuzz_opts;

/* Split data into text and options; defaults when the input is short. */
static inline void fuzz_split(const uint8_t *data, size_t size, fuzz_opts *o,
                              size_t *text_len)
{
    memset(o, 0, sizeof *o);
    o->min_conf = 1000;
    o->max_layers = 4;
    if (size < FUZZ_OPT_BYTES + 1) {
        *text_len = size;
        return;
    }
    const uint8_t *t = data + size - FUZZ_OPT_BYTES;
    o->lossy = t[0] % 3;
    o->max_layers = 1 + (t[0] >> 2) % 4;
    o->strip_bom = t[0] >> 4 & 1;
    o->min_conf = (t[1] & 1) ? 1000 : (int)(t[1] >> 1) * 1000 / 127;
    o->bias = (t[0] >> 5 & 1) ? (int)(int8_t)t[2] : 0;
    o->seed = (uint32_t)t[3] | (uint32_t)t[2] << 8 | (uint32_t)t[1] << 16;
    *text_len = size - FUZZ_OPT_BYTES;
}

static inline void fuzz_apply(unbake_ctx *ctx, const fuzz_opts *o)
{
    FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_LOSSY, o->lossy) == UNBAKE_OK);
    FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_MIN_CONFIDENCE, o->min_conf) == UNBAKE_OK);
    FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, o->max_layers) == UNBAKE_OK);
    FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_STRIP_BOM, o->strip_bom) == UNBAKE_OK);
    FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_BIAS, o->bias) == UNBAKE_OK);
    FUZZ_ASSERT(unbake_ctx_get(ctx, UNBAKE_OPT_MAX_LAYERS) == o->max_layers);
}

/* A new context with the input's options. */
static inline unbake_ctx *fuzz_ctx_new(const fuzz_opts *o)
{
    unbake_ctx *ctx = unbake_ctx_new();
    FUZZ_ASSERT(ctx != NULL);
    fuzz_apply(ctx, o);
    return ctx;
}

/* A small deterministic generator for chunk sizes. */
static inline uint32_t fuzz_rand(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* Chunk sizes from 1 byte to 64 KiB, mostly small, now and then large. */
static inline size_t fuzz_chunk(uint32_t *s)
{
    uint32_t r = fuzz_rand(s);
    switch (r & 7) {
    case 0: return 1;
    case 1: return 1 + (r >> 8) % 4;
    case 2: case 3: return 1 + (r >> 8) % 64;
    case 4: case 5: return 1 + (r >> 8) % 4096;
    default: return 1 + (r >> 8) % 65536;
    }
}

/* ---------------------------------------------------------------- output */

typedef struct {
    char *p;
    size_t n, cap;
    size_t fail_after;  /* the sink fails once n would pass this; 0: never */
    int failed;
} fuzz_sink;

static inline int fuzz_sink_write(void *user, const char *data, size_t len)
{
    fuzz_sink *k = user;
    FUZZ_ASSERT(len > 0 && data != NULL);
    if (k->fail_after && k->n + len > k->fail_after) {
        k->failed = 1;
        return 1;
    }
    if (k->n + len > k->cap) {
        size_t c = k->cap ? k->cap : 256;
        while (c < k->n + len)
            c *= 2;
        char *q = realloc(k->p, c);
        FUZZ_ASSERT(q != NULL);
        k->p = q;
        k->cap = c;
    }
    memcpy(k->p + k->n, data, len);
    k->n += len;
    return 0;
}

/* ---------------------------------------------------------------- reports */

typedef struct {
    uint64_t in_offset, out_offset;
    size_t in_len, out_len;
    char *in, *out;     /* copies */
} fuzz_run;

typedef struct {
    fuzz_run *v;
    size_t n, cap;
    int max_layers;
    int lossy;
} fuzz_reports;

/* Report callback: checks what can be checked at once, keeps a copy. */
static inline void fuzz_print_report(const unbake_report *r)
{
    fprintf(stderr, "report: in [%llu, +%zu) out [%llu, +%zu) \"%s\" layers %d score %g "
            "roundtrip %d gaps %zu\n", (unsigned long long)r->in_offset, r->in_len,
            (unsigned long long)r->out_offset, r->out_len,
            r->hypothesis ? r->hypothesis : "(null)", r->layers, r->score, r->roundtrip_ok,
            r->n_gaps);
    for (int side = 0; side < 2; side++) {
        const char *p = side ? r->out : r->in;
        size_t n = side ? r->out_len : r->in_len;
        fprintf(stderr, "  %s:", side ? "out" : "in ");
        for (size_t i = 0; p && i < n && i < 48; i++)
            fprintf(stderr, " %02X", (unsigned char)p[i]);
        fprintf(stderr, "%s\n", n > 48 ? " ..." : "");
    }
    for (size_t g = 0; g < r->n_gaps && r->gaps; g++)
        fprintf(stderr, "  gap at out %llu, %zu alternatives, marked %d\n",
                (unsigned long long)r->gaps[g].out_offset, r->gaps[g].n_alternatives,
                r->gaps[g].marked);
}

/*
 * UNBAKE_FUZZ_SKIP=score,layers,gap (any of them) turns off those report
 * checks, so that a campaign can go on past a known, reported bug.  The
 * regression replay in `make check` never sets it.
 */
static inline int fuzz_skip(const char *what)
{
    const char *v = getenv("UNBAKE_FUZZ_SKIP");
    return v && strstr(v, what) != NULL;
}

static inline void fuzz_on_report(void *user, const unbake_report *r)
{
    fuzz_reports *rs = user;
    FUZZ_ASSERT(r != NULL);
    /* On failure, show the report first. */
#define RA(c) do { if (!(c)) fuzz_print_report(r); FUZZ_ASSERT(c); } while (0)
    if (getenv("UNBAKE_FUZZ_VERBOSE"))
        fuzz_print_report(r);
    RA(r->in != NULL && r->out != NULL && r->hypothesis != NULL);
    RA(r->in_len > 0);
    RA(r->roundtrip_ok == 1);
    if (!fuzz_skip("score"))
        RA(r->score > 0);
    if (!fuzz_skip("layers"))
        RA(r->layers >= 1 && r->layers <= rs->max_layers);
    if (r->n_gaps) {
        RA(r->gaps != NULL);
        RA(rs->lossy != UNBAKE_LOSSY_KEEP);
    }
    for (size_t g = 0; g < r->n_gaps; g++) {
        const unbake_gap *gp = &r->gaps[g];
        RA(gp->n_alternatives >= 1 && gp->alternatives != NULL);
        if (!fuzz_skip("gap")) {
            RA(gp->out_offset >= r->out_offset);
            RA(gp->out_offset <= r->out_offset + r->out_len);
        }
        if (gp->marked)
            RA(rs->lossy == UNBAKE_LOSSY_MARK);
        for (size_t a = 0; a < gp->n_alternatives; a++) {
            RA(gp->alternatives[a].text != NULL);
            RA(gp->alternatives[a].probability >= 0.0);
            RA(gp->alternatives[a].probability <= 1.0 + 1e-9);
        }
    }
    if (rs->n) {
        const fuzz_run *p = &rs->v[rs->n - 1];
        /* Runs come in order and do not overlap. */
        RA(r->in_offset >= p->in_offset + p->in_len);
        RA(r->out_offset >= p->out_offset + p->out_len);
    }
    if (rs->n == rs->cap) {
        size_t c = rs->cap ? rs->cap * 2 : 16;
        fuzz_run *q = realloc(rs->v, c * sizeof *q);
        FUZZ_ASSERT(q != NULL);
        rs->v = q;
        rs->cap = c;
    }
    fuzz_run *x = &rs->v[rs->n++];
    x->in_offset = r->in_offset;
    x->out_offset = r->out_offset;
    x->in_len = r->in_len;
    x->out_len = r->out_len;
    x->in = malloc(r->in_len + 1);
    x->out = malloc(r->out_len + 1);
    FUZZ_ASSERT(x->in != NULL && x->out != NULL);
    memcpy(x->in, r->in, r->in_len);
    if (r->out_len)
        memcpy(x->out, r->out, r->out_len);
}

#undef RA

static inline void fuzz_reports_free(fuzz_reports *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->v[i].in);
        free(rs->v[i].out);
    }
    free(rs->v);
    rs->v = NULL;
    rs->n = rs->cap = 0;
}

static inline int fuzz_is_ascii(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80)
            return 0;
    return 1;
}

/* Strict UTF-8 check, written out here to stay independent of the library. */
static inline int fuzz_valid_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1Fu, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0Fu, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07u, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

/*
 * The promise of the header.  `enc` is unbake_input_encoding() after the
 * call; `nfixed` is what the call returned.
 *  - When the input stage read the input as UTF-8 ("utf-8..."), the output
 *    is the input with each reported run replaced by its repair, everything
 *    else byte for byte (after an optional leading BOM is dropped), and
 *    each run's reported bytes are the input's bytes at its offset.
 *  - Otherwise the input was transcoded: the output is valid UTF-8 and the
 *    reports point into it.
 */
static inline void fuzz_check_output(const uint8_t *in, size_t in_len, const char *out,
                                     size_t out_len, long nfixed, const fuzz_reports *rs,
                                     int strip_bom, const char *enc)
{
    FUZZ_ASSERT(nfixed >= 0);
    FUZZ_ASSERT((size_t)nfixed == rs->n);
    FUZZ_ASSERT(enc != NULL);
    if (strncmp(enc, "utf-8", 5) != 0) {
        if (!fuzz_valid_utf8((const uint8_t *)out, out_len))
            fprintf(stderr, "input read as %s gave output that is not UTF-8\n", enc);
        FUZZ_ASSERT(fuzz_valid_utf8((const uint8_t *)out, out_len));
        for (size_t k = 0; k < rs->n; k++) {
            const fuzz_run *r = &rs->v[k];
            FUZZ_ASSERT(r->out_offset + r->out_len <= out_len);
            FUZZ_ASSERT(r->out_len == 0 || memcmp(out + r->out_offset, r->out, r->out_len) == 0);
        }
        return;
    }
    size_t i = 0, o = 0;
    if (strip_bom && in_len >= 3 && !memcmp(in, "\xEF\xBB\xBF", 3))
        i = 3;
    for (size_t k = 0; k < rs->n; k++) {
        const fuzz_run *r = &rs->v[k];
        FUZZ_ASSERT(r->in_offset >= i && r->in_offset + r->in_len <= in_len);
        size_t gap = (size_t)r->in_offset - i;
        FUZZ_ASSERT(r->out_offset == o + gap);
        FUZZ_ASSERT(o + gap + r->out_len <= out_len);
        FUZZ_ASSERT(memcmp(out + o, in + i, gap) == 0);
        if (memcmp(in + r->in_offset, r->in, r->in_len) != 0) {
            fprintf(stderr, "run %zu at input offset %llu: reported input bytes:", k,
                    (unsigned long long)r->in_offset);
            for (size_t j = 0; j < r->in_len && j < 48; j++)
                fprintf(stderr, " %02X", (unsigned char)r->in[j]);
            fprintf(stderr, "\n  actual input bytes there:");
            for (size_t j = 0; j < r->in_len && j < 48; j++)
                fprintf(stderr, " %02X", in[r->in_offset + j]);
            fprintf(stderr, "\n");
        }
        FUZZ_ASSERT(memcmp(in + r->in_offset, r->in, r->in_len) == 0);
        FUZZ_ASSERT(r->out_len == 0 || memcmp(out + r->out_offset, r->out, r->out_len) == 0);
        /* A "repair" that changes nothing is not a repair. */
        FUZZ_ASSERT(r->in_len != r->out_len || memcmp(r->in, r->out, r->in_len) != 0);
        i = (size_t)r->in_offset + r->in_len;
        o = (size_t)r->out_offset + r->out_len;
    }
    FUZZ_ASSERT(out_len - o == in_len - i);
    FUZZ_ASSERT(memcmp(out + o, in + i, in_len - i) == 0);
    /* ASCII cannot be the mojibake of anything: it comes back as it is. */
    if (fuzz_is_ascii(in, in_len)) {
        FUZZ_ASSERT(nfixed == 0);
        FUZZ_ASSERT(out_len == in_len);
    }
}

#endif
