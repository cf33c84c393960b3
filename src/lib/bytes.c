/*
 * bytes.c -- runs of bytes that are not UTF-8 inside UTF-8 text: legacy
 * text, which must come out as UTF-8.  The only question is which codec
 * reads it best: every single-byte codec (all of the run's bytes, or only
 * the invalid ones, keeping the valid UTF-8 between them) and every
 * multibyte codec that decodes it without substitutions; a run at a time,
 * then spans of a line at a time.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "detect.h"
#include "mbcs.h"
#include "mem.h"
#include "utf8.h"

#define MIN_BYTES_SCORE 0.01 /* legacy bytes must be converted: never <= 0 */
#define LEGACY_LINE 1.0     /* a line's bytes decoded whole must read this much better */
#define LEGACY_SPAN 8192    /* characters a line's legacy span may hold */
#define LEGACY_SWITCH 6.0   /* legacy bytes of one line in another codec */

/* The prior of legacy bytes in codec c (single-byte or multibyte). */
static double bytes_prior(int c)
{
    return c < UB_NCODECS ? ub_det_codec_prior(c) : ub_mbcs_prior(c - UB_NCODECS) / 10.0;
}

/* Per single-byte codec, the bytes it decodes to a character no repair may
 * produce (ub_det_bad_output()): a decoding of legacy bytes is ruled out by its
 * byte set alone, without looking at its characters. */
static uint64_t bad_bytes_[UB_NCODECS][4];
static pthread_once_t bad_bytes_once_ = PTHREAD_ONCE_INIT;

static void bad_bytes_init(void)
{
    for (int c = 0; c < UB_NCODECS; c++)
        for (int b = 0x80; b < 256; b++)
            if (ub_det_bad_output(ub_codec_decode(c, (uint8_t)b)))
                bad_bytes_[c][b >> 6] |= (uint64_t)1 << (b & 63);
}

static inline int any_byte(const uint64_t a[4], const uint64_t b[4])
{
    return ((a[0] & b[0]) | (a[1] & b[1]) | (a[2] & b[2]) | (a[3] & b[3])) != 0;
}

/* A hash of how single-byte codec c reads the bytes of the list: codecs
 * that read them alike have the same one. */
static uint64_t reading_sig(int c, const uint8_t *bytes, int n)
{
    const uint16_t *tc = ub_codec_tables[c].to_ucs;
    uint64_t h = 0;
    for (int i = 0; i < n; i++)
        h = (h ^ tc[bytes[i] - 0x80]) * 0x100000001B3ull;
    return h;
}

/* Do single-byte codecs a and b read the bytes of the list alike? */
static int read_alike(int a, int b, const uint8_t *bytes, int n)
{
    const uint16_t *ta = ub_codec_tables[a].to_ucs, *tb = ub_codec_tables[b].to_ucs;
    for (int i = 0; i < n; i++)
        if (ta[bytes[i] - 0x80] != tb[bytes[i] - 0x80])
            return 0;
    return 1;
}

/* A log P already summed for one reading of a run's bytes: exact, or
 * given up at stop (it is at or below stop).  Codecs that read the bytes
 * alike get the same text, hence the same sum. */
struct bytes_sum {
    double lm, stop;
    uint64_t sig;           /* reading_sig() */
    int c;                  /* the codec that summed it */
    int exact;
};

/* Do the characters t[0..n) go back to exactly the bytes b[0..nb), as
 * ub_check_forward_bytes() writes them: the first npre that are not ASCII
 * as their UTF-8, the others through multibyte codec id, here one at a
 * time from the tables? */
static int encodes_back(int id, const uint32_t *t, size_t n, size_t npre, const uint8_t *b,
                        size_t nb)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t e[4];
        int len = i < npre && t[i] >= 0x80 ? ub_utf8_encode(t[i], e)
                                           : ub_mbcs_encode_cp(id, t[i], e);
        if (len <= 0 || nb - o < (size_t)len || memcmp(e, b + o, (size_t)len))
            return 0;
        o += (size_t)len;
    }
    return o == nb;
}

/* The marker of an invalid byte in the mixed template (no code point has
 * this bit). */
#define TMPL_BYTE 0x80000000u

/* The reading of n bytes p[] under single-byte codec c, or of the mixed
 * template tmpl[] (bytes marked TMPL_BYTE, characters kept as they are). */
static inline void read_as(int c, const uint32_t *tmpl, const uint8_t *p, size_t n,
                           uint32_t *out)
{
    if (tmpl) {
        for (size_t i = 0; i < n; i++)
            out[i] = tmpl[i] & TMPL_BYTE ? ub_codec_decode(c, (uint8_t)tmpl[i]) : tmpl[i];
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = ub_codec_decode(c, p[i]);
    }
}

/*
 * Decode the bytes of run r under the codec that reads them best (and any
 * UTF-8 characters among them kept or not), with its margin over the next
 * best as its score; *lm_best, if given, gets the winner's log P less its
 * prior.  hint, a codec likely to win (or -1), is tried first: then most
 * sums are given up early.  The order changes nothing else: ties go to
 * the lowest codec, as in codec order.
 *
 * Why it is fast: a single-byte codec's decoding is ruled out by a table
 * of the bytes it decodes badly, and codecs that read every byte of the
 * run alike share one sum (their scores differ by the prior only, so the
 * sum, or where it was given up, says what a new sum would give); a
 * multibyte codec is ruled out by its tables at the first byte sequence it
 * cannot decode, without an ICU call.
 */
int ub_det_bytes_run(unbake_ctx *ctx, ub_detect_scratch *s, struct run *r, const uint8_t *seg,
                     size_t nch, int hint, double *lm_best)
{
    const uint8_t *p = seg + r->b0;
    size_t nbytes = byte_at(s, r, r->c1) - r->b0;
    uint32_t right[2];
    size_t nright = 0;
    for (size_t j = r->c1; j < nch && nright < 2 && s->cp[j] != INVALID_CP; j++)
        right[nright++] = s->cp[j];
    if (ub_reserve((void **)&s->lch, &s->lchcap, s->nlch + nbytes, sizeof *s->lch) ||
        ub_u32vec_reserve(&s->out, s->out.n + nbytes) ||
        ub_u32vec_reserve(&s->lvl[0], nbytes + 1) || ub_u32vec_reserve(&s->bx[0], nbytes + 1) ||
        ub_u32vec_reserve(&s->bx[1], nbytes + 1))
        return -1;
    pthread_once(&bad_bytes_once_, bad_bytes_init);

    /* What every reading shares: the mixed template (ASCII and UTF-8
     * characters as they are, invalid bytes marked), the bytes decoded in
     * each reading (invalid ones only, or all), and whether the ASCII or
     * the UTF-8 characters alone rule a reading out. */
    uint32_t *tmpl = s->bx[1].v;
    uint64_t set[2][4] = { { 0 } };     /* [mixed]: bytes decoded */
    int ascii_bad = 0, kept_bad = 0;
    unsigned nkept = 0;
    size_t ntmpl = 0, first_inv = r->c1;
    const uint8_t *q = p;
    for (size_t k = r->c0; k < r->c1; k++) {
        uint32_t x = s->cp[k];
        if (x == INVALID_CP) {
            set[0][*q >> 6] |= (uint64_t)1 << (*q & 63);
            set[1][*q >> 6] |= (uint64_t)1 << (*q & 63);
            tmpl[ntmpl++] = TMPL_BYTE | *q++;
            if (first_inv == r->c1)
                first_inv = k;
        } else if (x < 0x80) {
            ascii_bad |= ub_det_bad_output(x);
            tmpl[ntmpl++] = x;
            q++;
        } else {
            kept_bad |= ub_det_bad_output(x);
            nkept++;
            tmpl[ntmpl++] = x;
            for (const uint8_t *end = q + char_bytes(x); q < end; q++)
                set[0][*q >> 6] |= (uint64_t)1 << (*q & 63);
        }
    }
    uint8_t list[2][128];               /* the bytes of set[mixed] */
    int nlist[2] = { 0, 0 };
    for (int m = 0; m < 2; m++)
        for (int w = 2; w < 4; w++)
            for (uint64_t bits = set[m][w]; bits; bits &= bits - 1)
                list[m][nlist[m]++] = (uint8_t)(64 * w + __builtin_ctzll(bits));
    /* the single-byte readings summed so far, per mixed: the codecs and
     * their sums */
    struct bytes_sum sums[2][UB_NCODECS];
    int nsums[2] = { 0, 0 };

    /* the order: hint, then the codecs that read the last bytes best and
     * second best (the bar for the others is the second best so far), then
     * the others */
    int ncodecs = UB_NCODECS + ub_mbcs_count(), order[64], norder = 0;
    if (ncodecs > 64)
        return -1;
    int first[3] = { hint, ctx->bytes_rank[0] - 1, ctx->bytes_rank[1] - 1 };
    uint64_t placed = 0;
    for (int c = -3; c < ncodecs; c++) {
        int x = c < 0 ? first[c + 3] : c;
        if (x >= 0 && x < ncodecs && !(placed >> x & 1)) {
            placed |= (uint64_t)1 << x;
            order[norder++] = x;
        }
    }

    uint32_t *best = s->bx[0].v;
    size_t nbest = 0;
    double best_sc = -INFINITY, second_sc = -INFINITY;
    int best_c = -1, best_mixed = 0, second_c = -1;
    unsigned best_nkeep = 0;
    uint32_t *t = s->lvl[0].v;
    ub_lchar *cand = s->lch + s->nlch;
    for (int oi = 0; oi < ncodecs; oi++) {
        int c = order[oi];
        for (int mixed = 0; mixed < 2; mixed++) {
            size_t n = 0;
            unsigned nkeep = 0;
            double prior = bytes_prior(c);
            /* (a decoding that reads worse than the second best so far
             * changes nothing: its sum is given up there) */
            double stop = second_sc + prior - 1e-6, lm;
            if (c >= UB_NCODECS) {
                /* mixed: the UTF-8 characters before the first byte that
                 * is not UTF-8 are kept (legacy text after UTF-8 text
                 * with no ASCII between them) */
                size_t f = r->c0;
                if (mixed) {
                    f = first_inv;
                    if (f == r->c0 || f == r->c1)
                        continue;
                    int bad = 0;
                    for (size_t k = r->c0; k < f; k++) {
                        t[n++] = s->cp[k];
                        nkeep += s->cp[k] >= 0x80;
                        bad |= ub_det_bad_output(s->cp[k]);
                    }
                    if (bad)
                        continue;
                }
                if (!ctx->mbcs && !(ctx->mbcs = ub_mbcs_cache_new()))
                    return -1;
                size_t skip = byte_at(s, r, f) - r->b0;
                long m = ub_mbcs_decode_whole(ctx->mbcs, c - UB_NCODECS, p + skip,
                                              nbytes - skip, t + n, nbytes + 1 - n);
                if (m <= 0 || ub_det_has_bad_output(t + n, (size_t)m))
                    continue;
                size_t npre = n;
                n += (size_t)m;
                /* a decoder that is not injective may not give the bytes
                 * back: only a decoding that checks forward can win.  It
                 * does when every character's encoding is the bytes it
                 * came from (the kept ones are their own UTF-8); else
                 * the check says */
                if (!encodes_back(c - UB_NCODECS, t, n, npre, p, nbytes)) {
                    for (size_t i = 0; i < n; i++)
                        cand[i] = (ub_lchar){ .cp = t[i], .keep = i < npre && t[i] >= 0x80 };
                    ub_hyp hb = { .kind = UB_HYP_BYTES, .nlayers = 1, .codec = { (int8_t)c },
                                  .nkeep = nkeep };
                    if (ub_check_forward_bytes(ctx->mbcs, &hb, cand, n, p, nbytes) != 1)
                        continue;
                }
                lm = ub_det_lm_span_core(ctx->lm, r->l2, r->l1, t, n, right, nright, -INFINITY, stop);
                ctx->steps += n;
            } else {
                if (mixed && !nkept)
                    continue;
                if (ascii_bad || (mixed && kept_bad) || any_byte(set[mixed], bad_bytes_[c]))
                    continue;
                nkeep = mixed ? nkept : 0;
                n = mixed ? ntmpl : nbytes;
                /* a codec that reads the bytes as one summed before */
                struct bytes_sum *sum = NULL;
                uint64_t sig = reading_sig(c, list[mixed], nlist[mixed]);
                for (int k = 0; k < nsums[mixed] && !sum; k++)
                    if (sums[mixed][k].sig == sig &&
                        read_alike(sums[mixed][k].c, c, list[mixed], nlist[mixed]))
                        sum = &sums[mixed][k];
                if (sum && sum->exact) {
                    lm = sum->lm > stop ? sum->lm : -INFINITY;
                } else if (sum && stop >= sum->stop) {
                    lm = -INFINITY;
                } else {
                    read_as(c, mixed ? tmpl : NULL, p, n, t);
                    lm = ub_det_lm_span_core(ctx->lm, r->l2, r->l1, t, n, right, nright,
                                             -INFINITY, stop);
                    ctx->steps += n;
                    if (!sum)
                        sum = &sums[mixed][nsums[mixed]++];
                    *sum = (struct bytes_sum){ .lm = lm, .stop = stop, .sig = sig, .c = c,
                                               .exact = lm > -INFINITY };
                }
            }
            double sc = lm - prior;
            if (sc > best_sc ||
                (sc == best_sc && (c < best_c || (c == best_c && mixed < best_mixed)))) {
                second_sc = best_sc;
                second_c = best_c;
                best_sc = sc;
                best_c = c;
                best_mixed = mixed;
                best_nkeep = nkeep;
                nbest = n;
                if (c >= UB_NCODECS) {
                    memcpy(best, t, n * sizeof *t);
                } else {
                    read_as(c, mixed ? tmpl : NULL, p, n, best);
                }
            } else if (sc > second_sc) {
                second_sc = sc;
                second_c = c;
            }
        }
    }
    if (!nbest)
        return 0;
    ctx->bytes_rank[0] = (int8_t)(best_c + 1);
    ctx->bytes_rank[1] = (int8_t)(second_c + 1);
    if (lm_best)
        *lm_best = best_sc;
    /* keep the winner: its characters in the lchar space, what was kept as
     * it was marked (the UTF-8 before the first invalid byte for a
     * multibyte codec, every UTF-8 character for a single-byte one) */
    size_t npre = best_c >= UB_NCODECS && best_mixed ? first_inv - r->c0 : 0;
    for (size_t i = 0; i < nbest; i++)
        cand[i] = (ub_lchar){ .cp = best[i],
                              .keep = best_mixed && best[i] >= 0x80 &&
                                      (best_c >= UB_NCODECS ? i < npre
                                                            : !(tmpl[i] & TMPL_BYTE)) };
    r->l0 = s->nlch;
    s->nlch += nbest;
    r->out0 = s->out.n;
    r->nout = nbest;
    memcpy(s->out.v + r->out0, best, nbest * sizeof *best);
    s->out.n += nbest;
    r->hyp = (ub_hyp){ .kind = UB_HYP_BYTES, .nlayers = 1, .codec = { (int8_t)best_c },
                       .nkeep = best_nkeep };
    /* the score of a decoding that must happen: its margin over the next
     * best codec */
    r->score = isinf(second_sc) ? SCORE_CAP : best_sc - second_sc;
    if (r->score < MIN_BYTES_SCORE)
        r->score = MIN_BYTES_SCORE;
    r->ng = 0;
    r->cend = r->c1;
    return 0;
}

/*
 * Bytes that are not UTF-8 are decoded run by run, each run under the
 * codec that reads it best.  But legacy text was written in one codec, and
 * a multibyte codec's characters may end in an ASCII byte that cuts its
 * runs apart (Big5 "\u5225" is A7 4F, Shift_JIS "\u30FC" is 81 5B), or
 * hold bytes that happen to be UTF-8.  So a span of the line, from its
 * first to its last run holding bytes, or from its first to its last run,
 * is also decoded whole under every codec (UTF-8 characters in it kept or
 * not, the ASCII byte after it taken if it reads as a trail byte), and
 * that decoding replaces the runs of the span where it reads better, by
 * LEGACY_LINE, than the text decided run by run -- which pays the prior of
 * every codec it used, and LEGACY_SWITCH for every codec after the first.
 */
static int legacy_span(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t nch,
                       size_t k0, size_t k1, const uint32_t l[2], struct run *whole,
                       double *gain)
{
    size_t a = s->runs[k0].c0, b = s->runs[k1].c1;
    if (b < nch && s->cp[b] >= 0x40 && s->cp[b] < 0x7F)
        b++;
    /* the text as decided run by run */
    size_t need = b - a;
    for (size_t k = k0; k <= k1; k++)
        if (s->runs[k].fix)
            need += s->runs[k].nout;
    if (ub_u32vec_reserve(&s->lvl[1], need))
        return -1;
    uint32_t *t = s->lvl[1].v;
    size_t n = 0;
    for (size_t i = a, k = k0; i < b; ) {
        while (k <= k1 && s->runs[k].c0 < i)
            k++;
        if (k <= k1 && s->runs[k].c0 == i && s->runs[k].fix) {
            const struct run *r = &s->runs[k];
            memcpy(t + n, s->out.v + r->out0, r->nout * sizeof *t);
            n += r->nout;
            i = r->cend;
            continue;
        }
        t[n++] = s->cp[i] == INVALID_CP ? 0xFFFD : s->cp[i];
        i++;
    }
    uint32_t right[2];
    size_t nright = 0;
    for (size_t j = b; j < nch && nright < 2 && s->cp[j] != INVALID_CP; j++)
        right[nright++] = s->cp[j];
    double cur = ub_det_lm_span(ctx->lm, l[0], l[1], t, n, right, nright);
    uint64_t used = 0;      /* (ub_det_bytes_run() takes at most 64 codecs) */
    int prev = -1;
    for (size_t k = k0; k <= k1; k++) {
        const struct run *r = &s->runs[k];
        int c = r->hyp.codec[0];
        if (!r->fix || r->hyp.kind != UB_HYP_BYTES || used >> c & 1)
            continue;
        cur -= bytes_prior(c) + (prev >= 0 && c != prev ? LEGACY_SWITCH : 0);
        used |= (uint64_t)1 << c;
        prev = c;
    }

    *whole = (struct run){ .c0 = (uint32_t)a, .c1 = (uint32_t)b, .b0 = s->runs[k0].b0,
                           .bytes = 1, .l2 = l[0], .l1 = l[1] };
    double best = -INFINITY;
    if (ub_det_bytes_run(ctx, s, whole, seg, nch, prev, &best))
        return -1;
    *gain = whole->nout ? best - cur : -INFINITY;
    return 0;
}

int ub_det_legacy_line(unbake_ctx *ctx, ub_detect_scratch *s, const uint8_t *seg, size_t nch,
                       uint32_t c2, uint32_t c1)
{
    size_t first = s->nruns, last = 0;
    for (size_t k = 0; k < s->nruns; k++)
        if (s->runs[k].bytes) {
            if (first == s->nruns)
                first = k;
            last = k;
        }
    if (first == s->nruns)
        return 0;
    struct run best = { 0 }, whole;
    size_t bk0 = 0, bk1 = 0;
    double best_gain = LEGACY_LINE, gain;
    /* the runs holding bytes; with the one or two runs before them, which
     * may be legacy bytes that happen to be UTF-8 ("\u0170" is C5 B0,
     * "\uD0A4" in EUC-KR), and the run right after them with no ASCII
     * between (decode_segment() splits the bytes cut from a sequence off
     * the UTF-8 after them, which may be the rest of a legacy word: IBM866
     * "\u043D\u044F\u043C\u0430" is AD EF AC A0); all the runs of the
     * line */
    size_t ends = 1 + (last + 1 < s->nruns && s->runs[last + 1].c0 == s->runs[last].c1);
    size_t spans[7][2], nspans = 0;
    for (size_t back = 0; back <= 2 && back <= first; back++)
        for (size_t fwd = 0; fwd < ends; fwd++) {
            spans[nspans][0] = first - back;
            spans[nspans++][1] = last + fwd;
        }
    if (spans[nspans - 1][0] != 0 || spans[nspans - 1][1] != s->nruns - 1) {
        spans[nspans][0] = 0;
        spans[nspans++][1] = s->nruns - 1;
    }
    for (size_t sp = 0; sp < nspans; sp++) {
        size_t k0 = spans[sp][0], k1 = spans[sp][1];
        if (s->runs[k1].c1 - s->runs[k0].c0 > LEGACY_SPAN)
            continue;       /* no line: a window of a longer one */
        /* (a lossy repair across the span's edge keeps its runs) */
        int across = 0;
        for (size_t k = 0; k < s->nruns && !across; k++)
            across = s->runs[k].fix && s->runs[k].c0 < s->runs[k1].c1 &&
                     s->runs[k].cend > s->runs[k0].c0 &&
                     (s->runs[k].c0 < s->runs[k0].c0 || s->runs[k].cend > s->runs[k1].c1);
        if (across)
            continue;
        uint32_t l[2];
        ub_det_context_before(s, k0, c2, c1, l);
        if (legacy_span(ctx, s, seg, nch, k0, k1, l, &whole, &gain))
            return -1;
        if (gain > best_gain) {
            best_gain = gain;
            best = whole;
            bk0 = k0;
            bk1 = k1;
        }
    }
    if (!best.nout)
        return 0;
    int ok = ub_det_verify(ctx, s, &best, seg);
    if (ok <= 0)
        return ok;
    best.fix = 1;
    best.tent = 1;
    s->runs[bk0] = best;
    memmove(s->runs + bk0 + 1, s->runs + bk1 + 1, (s->nruns - bk1 - 1) * sizeof *s->runs);
    s->nruns -= bk1 - bk0;
    return 0;
}
