/*
 * engine.h -- the context and the engine's internal interfaces.
 *
 * stream.c owns the context and cuts the input into segments (lines, or
 * pieces of at most UNBAKE_WINDOW bytes); detect.c decides every run of a
 * segment and writes the segment's output; check.c replays hypotheses
 * forward.
 */
#ifndef UB_ENGINE_H
#define UB_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "unbake.h"
#include "codec.h"
#include "hyp.h"
#include "model.h"
#include "reverse.h"

/* A growable array of code points. */
typedef struct {
    uint32_t *v;
    size_t n, cap;
} ub_u32vec;

int ub_u32vec_reserve(ub_u32vec *a, size_t need);

/* Per-segment scratch of the detector (opaque outside detect.c). */
typedef struct ub_detect_scratch ub_detect_scratch;
ub_detect_scratch *ub_detect_scratch_new(void);
void ub_detect_scratch_free(ub_detect_scratch *s);

struct unbake_ctx {
    /* options */
    int lossy;              /* unbake_lossy_e */
    int min_confidence;     /* per mille */
    int max_layers;
    int strip_bom;
    int bias;               /* tenths of a nat */
    unbake_report_fn report;
    void *report_user;
    unbake_loss_fn loss;
    void *loss_user;

    /* stream state */
    int state;              /* ST_IDLE, ST_STREAM, ST_DONE, ST_ERROR */
    unbake_write_fn write;
    void *write_user;
    uint8_t *buf;           /* input held back */
    size_t len, cap;
    uint64_t in_off;        /* stream offset of buf[0] */
    uint64_t out_off;       /* output bytes written so far */
    long nfixed;
    int at_start;           /* nothing consumed yet (BOM handling) */
    int pushed;             /* unbake_push() was called: options frozen */
    int err;                /* error seen inside the input stage's sink */
    uint32_t c2, c1;        /* last two characters written: LM context */
    uint64_t steps;         /* work counter, for bounds tests */
    int8_t bytes_rank[2];   /* 1 + the codecs that read the last legacy
                               bytes best and second best, 0 for none:
                               tried first next time (a speed-up only) */
    ub_codec_mask carry;    /* the codecs of the convincing repairs of UTF-8
                               mojibake nearest before this segment... */
    uint64_t carry_dist;    /* ... and the characters since (at most) */
    ub_codec_mask carry_twice;  /* ... where that repair undid text garbled
                               twice, its codecs (own_codecs()) */
    uint32_t seen_clean;    /* segments with non-ASCII text written as they
                               were, and ... */
    uint32_t seen_fixed;    /* ... those repaired, so far (both halved now
                               and then: the_text_is_clean()) */
    uint32_t seen_since;    /* ... and those left as they were since the
                               last one repaired */

    char *from;             /* forced source encoding, or NULL for auto */
    struct ub_input *input; /* the input-decoding stage (input.h) */
    struct ub_mbcs_cache *mbcs;
    struct ub_mbcs_lossy_scratch *mbcs_lossy;

    const ub_lm *lm;
    ub_detect_scratch *det;
    ub_detect_scratch *nested[2];   /* for refining repairs */
};

enum { ST_IDLE = 0, ST_STREAM, ST_DONE, ST_ERROR };

/* Write output bytes through the sink, counting them. */
int ub_emit(unbake_ctx *ctx, const void *data, size_t len);

/*
 * Decide and write one segment s[0..n) that starts at stream offset
 * ctx->in_off, of which s[0..a0) is ASCII and s[a0], if a0 < n, is not
 * (the caller looked already).  Returns 0 or a negative UNBAKE_E* code.
 */
int ub_detect_segment(unbake_ctx *ctx, const uint8_t *s, size_t n, size_t a0);

/* ---- check.c: the forward direction ---- */

/*
 * Apply h forward to out[0..nout) (lossless or legacy hypotheses) and
 * compare with the run's input bytes in[0..inlen).  Returns 1 if identical,
 * 0 if not, -1 when out of memory.
 */
int ub_check_forward(const ub_hyp *h, const uint32_t *out, size_t nout,
                     const uint8_t *in, size_t inlen);

/* The same for a lossy reconstruction (single layer, per-byte losses). */
int ub_check_forward_lossy(const ub_hyp *h, const ub_lchar *chars, size_t n,
                           const uint8_t *in, size_t inlen);

/* UTF-8 read as a multibyte codec: decode the repair's UTF-8 with it. */
int ub_check_forward_mbcs(struct ub_mbcs_cache *cache, const ub_hyp *h, const uint32_t *out,
                          size_t nout, const uint8_t *in, size_t inlen);

/* Legacy bytes: encoding the characters (those not kept as UTF-8) with the
 * codec must give the input bytes. */
int ub_check_forward_bytes(struct ub_mbcs_cache *cache, const ub_hyp *h, const ub_lchar *chars,
                           size_t n, const uint8_t *in, size_t inlen);

#endif
