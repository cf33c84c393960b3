/*
 * report.c -- what the detector tells the caller beside the text: each
 * repair written (--explain, check), with the alternatives of every filled
 * gap, and every U+FFFD kept as it is (a total loss).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <unicode/uchar.h>

#include "codec.h"
#include "detect.h"
#include "utf8.h"

void ub_det_report_run(unbake_ctx *ctx, ub_detect_scratch *s, const struct run *r,
                       const uint8_t *seg, const struct repair *rp)
{
    unbake_gap gaps[64];
    unbake_alternative alts[64][UB_MAX_ALTS];
    char texts[64][UB_MAX_ALTS][5];
    size_t ng = rp->refined ? 0 : r->ng < 64 ? r->ng : 64;
    for (size_t g = 0; g < ng; g++) {
        const ub_gapalt *ga = &s->gaps[r->g0 + g];
        size_t off = 0;
        for (size_t i = 0; i < ga->index; i++) {
            uint8_t u[4];
            off += (size_t)ub_utf8_encode(s->out.v[r->out0 + i], u);
        }
        gaps[g].out_offset = ctx->out_off + off;
        gaps[g].n_alternatives = (size_t)ga->nalt;
        gaps[g].alternatives = alts[g];
        gaps[g].marked = ctx->lossy == UNBAKE_LOSSY_MARK &&
                         (ga->alt[0].p * 1000.0 < ctx->min_confidence ||
                          ctx->min_confidence >= 1000);
        for (int a = 0; a < ga->nalt; a++) {
            int l = ub_utf8_encode(ga->alt[a].cp, (uint8_t *)texts[g][a]);
            texts[g][a][l] = 0;
            alts[g][a].text = texts[g][a];
            alts[g][a].probability = ga->alt[a].p;
        }
    }
    /* checked again here, not taken on trust: whatever changed the run
     * after the detector checked it must have checked it too */
    int ok = ub_det_verify(ctx, s, r, seg);
    unbake_report rep = {
        .in_offset = ctx->in_off + r->b0,
        .in_len = byte_at(s, r, r->cend) - r->b0,
        .in = (const char *)seg + r->b0,
        .out_offset = ctx->out_off,
        .out_len = rp->n,
        .out = (const char *)rp->p,
        .hypothesis = rp->desc,
        .layers = rp->layers,
        .score = rp->score,
        .roundtrip_ok = ok > 0,
        .n_gaps = ng,
        .gaps = gaps,
    };
    ctx->report(ctx->report_user, &rep);
}

/*
 * A U+FFFD kept as it is (no repair accounts for it) is a total loss:
 * tell the loss callback, with what the model would put there had the lost
 * byte been one character of a single-byte codec -- the first, by prior,
 * that encodes the nearest non-ASCII letter (windows-1252 without one).
 */
#define LOSS_LOOK 32        /* characters searched each way for a letter */

void ub_det_notify_loss(unbake_ctx *ctx, const ub_detect_scratch *s, size_t i, size_t bi,
                        size_t nch)
{
    int codec = UB_CODEC_CP1252;
    for (size_t d = 1; d <= LOSS_LOOK; d++) {
        uint32_t near[2] = { i >= d ? s->cp[i - d] : 0, i + d < nch ? s->cp[i + d] : 0 };
        int k = 0;
        while (k < 2 && !(near[k] >= 0x80 && near[k] != 0xFFFD && near[k] != INVALID_CP &&
                          u_isalpha((UChar32)near[k])))
            k++;
        if (k == 2)
            continue;
        /* a letter no single-byte codec has (CJK, say): no guess */
        ub_codec_mask m = ub_codec_encodable(near[k]);
        codec = -1;
        const int *order = ub_det_codec_order();
        for (int j = 0; j < UB_NCODECS && codec < 0; j++)
            if (m >> order[j] & 1)
                codec = order[j];
        break;
    }
    if (codec < 0) {
        unbake_loss none = { .in_offset = ctx->in_off + bi, .out_offset = ctx->out_off,
                             .codec = "", .n_alternatives = 0, .alternatives = NULL };
        ctx->loss(ctx->loss_user, &none);
        return;
    }
    uint32_t c2 = i >= 2 ? s->cp[i - 2] : i == 1 ? ctx->c1 : ctx->c2;
    uint32_t c1 = i >= 1 ? s->cp[i - 1] : ctx->c1;
    c2 = c2 == INVALID_CP ? UB_LM_BOS : c2;
    c1 = c1 == INVALID_CP ? UB_LM_BOS : c1;
    uint32_t r[2];
    size_t nr = 0;
    for (size_t j = i + 1; j < nch && nr < 2 && s->cp[j] != INVALID_CP; j++)
        r[nr++] = s->cp[j];
    /* every character of the codec, scored with its two neighbours; inside
     * a word, only letters */
    int in_word = u_isalpha((UChar32)c1) || (nr && u_isalpha((UChar32)r[0]));
    ub_alt best[UB_MAX_ALTS];
    int nbest = 0;
    double lps[128], top = -INFINITY;
    uint32_t cps[128];
    int ncand = 0;
    for (int b = 0x80; b < 0x100; b++) {
        uint32_t x = ub_codec_decode(codec, (uint8_t)b);
        if (ub_codec_is_lossy(codec, (uint8_t)b) || ub_det_bad_output(x) ||
            (in_word && !u_isalpha((UChar32)x)))
            continue;
        double lp = ub_lm_logp(ctx->lm, c2, c1, x);
        if (nr > 0)
            lp += ub_lm_logp(ctx->lm, c1, x, r[0]);
        if (nr > 1)
            lp += ub_lm_logp(ctx->lm, x, r[0], r[1]);
        cps[ncand] = x;
        lps[ncand++] = lp;
        top = lp > top ? lp : top;
    }
    double z = 0;
    for (int k = 0; k < ncand; k++)
        z += exp(lps[k] - top);
    for (int k = 0; k < ncand; k++) {
        float p = (float)(exp(lps[k] - top) / z);
        int at = nbest < UB_MAX_ALTS ? nbest++ : UB_MAX_ALTS;
        while (at > 0 && best[at - 1].p < p) {
            if (at < UB_MAX_ALTS)
                best[at] = best[at - 1];
            at--;
        }
        if (at < UB_MAX_ALTS)
            best[at] = (ub_alt){ cps[k], p };
    }
    unbake_alternative alts[UB_MAX_ALTS];
    char texts[UB_MAX_ALTS][5];
    size_t na = 0;
    for (int k = 0; k < nbest && best[k].p >= 0.01f; k++, na++) {
        int l = ub_utf8_encode(best[k].cp, (uint8_t *)texts[k]);
        texts[k][l] = 0;
        alts[k] = (unbake_alternative){ texts[k], best[k].p };
    }
    unbake_loss loss = {
        .in_offset = ctx->in_off + bi,
        .out_offset = ctx->out_off,
        .codec = ub_codec_info_of(codec)->name,
        .n_alternatives = na,
        .alternatives = alts,
    };
    ctx->loss(ctx->loss_user, &loss);
}
