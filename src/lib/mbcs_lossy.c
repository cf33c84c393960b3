/*
 * mbcs_lossy.c -- UTF-8 misread as a multibyte codec with losses: the
 * entry ub_mbcs_reverse_lossy() (mbcs_lossy.h).  It runs the beam of
 * mbcs_lossy_beam.c once per convention the run can be under, keeps the
 * best verified text, and lists for every guessed character the
 * alternatives that also decode back to the run.
 *
 * The parts: mbcs_lossy_conv.c (the conventions, the decoder tables, the
 * forward simulation), mbcs_lossy_beam.c (the search), this file (the
 * scratch and the result); mbcs_lossy_int.h is what they share.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mbcs_lossy_int.h"
#include "mem.h"
#include "utf8.h"

#define ALT_SCAN 64         /* alternatives checked forward per gap */

/* ------------------------------------------------------------ scratch */

ub_mbcs_lossy_scratch *ub_mbcs_lossy_scratch_new(void)
{
    return calloc(1, sizeof(ub_mbcs_lossy_scratch));
}

void ub_mbcs_lossy_scratch_free(ub_mbcs_lossy_scratch *s)
{
    if (!s)
        return;
    free(s->cur);
    free(s->nxt);
    free(s->hist);
    free(s->fin);
    free(s->order);
    free(s->rank);
    for (int i = 0; i < 5; i++)
        free(s->voc[i]);
    free(s->cps);
    free(s->best_cps);
    free(s->dec);
    free(s->wm);
    free(s->best_wm);
    free(s->bytes);
    free(s->chars);
    free(s->gaps);
    free(s->cand);
    free(s->fslot);
    free(s->fill);
    free(s->rslot);
    free(s->rfill);
    free(s->rsc);
    free(s);
}

void ub_mbcs_lossy_use_alphabet(ub_mbcs_lossy_scratch *s, const ub_alpha *alpha)
{
    if (s)
        s->alpha = alpha;
}

void ub_mbcs_lossy_set_step_limit(ub_mbcs_lossy_scratch *s, uint64_t limit)
{
    if (s)
        s->step_limit = limit;
}

/* The characters the model knows, the fill candidates when many fit. */
static int build_vocab(ub_mbcs_lossy_scratch *s, const ub_lm *lm)
{
    if (s->vlm == lm)
        return 0;
    size_t cap[5] = { 0 };
    for (int i = 0; i < 5; i++) {
        free(s->voc[i]);
        s->voc[i] = NULL;
        s->nvoc[i] = 0;
    }
    s->vlm = NULL;
    for (uint32_t cp = 0x80; cp < 0x30000; cp++) {
        if ((cp >= 0xD800 && cp < 0xE000) || !ub_lm_known(lm, cp))
            continue;
        int l = ub_utf8_len(cp);
        if (ub_reserve((void **)&s->voc[l], &cap[l], s->nvoc[l] + 1, sizeof(uint32_t)))
            return -1;
        s->voc[l][s->nvoc[l]++] = cp;
    }
    s->vlm = lm;
    return 0;
}
/* ------------------------------------------------------------ alternatives */

struct altc {
    uint32_t cp;
    double sc;
};

static int altc_cmp(const void *pa, const void *pb)
{
    const struct altc *a = pa, *b = pb;
    return a->sc > b->sc ? -1 : a->sc < b->sc;
}

/* Keep the ALT_SCAN best of what is offered in top[0..*n), best first,
 * ties in the order offered (as a stable sort of all of them would). */
static void altc_offer(struct altc *top, size_t *n, uint32_t cp, double sc)
{
    size_t i = *n;
    if (i == ALT_SCAN) {
        if (!(sc > top[i - 1].sc))
            return;
        i--;
    } else {
        (*n)++;
    }
    for (; i > 0 && sc > top[i - 1].sc; i--)
        top[i] = top[i - 1];
    top[i].cp = cp;
    top[i].sc = sc;
}

/* The alternatives of gap character k of the result that also round-trip. */
static int gap_alts(ub_mbcs_lossy_scratch *x, const struct ub_mbcs_lossy_run *r,
                    ub_mbcs_conv_e conv, uint32_t *cps, size_t n, size_t k, unsigned wm,
                    ub_gapalt *g)
{
    const ub_lm *lm = r->lm;
    uint32_t l2 = r->l2, l1 = r->l1;
    uint32_t chosen = cps[k];
    uint8_t pb[4] = { 0 }, cls[4] = { 0 };
    int len = ub_utf8_encode(chosen, pb);
    for (int i = 0; i < len; i++)
        cls[i] = len == 1 ? C_ASCII : i == 0 ? (uint8_t)(len == 2 ? C_LEAD2 : len == 3 ? C_LEAD3
                                                                                   : C_LEAD4)
                                             : C_CONT;
    long nc = ub_mbcs_lossy_candidates(x, pb, cls, wm, len);
    if (nc < 0)
        return -1;
    uint32_t c1 = k >= 1 ? cps[k - 1] : l1;
    uint32_t c2 = k >= 2 ? cps[k - 2] : k == 1 ? l1 : l2;
    uint32_t after[2];
    size_t na = 0;
    for (size_t j = k + 1; j < n && na < 2; j++)
        after[na++] = cps[j];
    for (size_t j = 0; j < r->nright && na < 2; j++)
        after[na++] = r->right[j];
    /* the ALT_SCAN most probable on the left context, then ranked with
     * the right one too */
    struct altc ac[ALT_SCAN];
    size_t m = 0;
    int have = 0;
    /* (every candidate in one context: ub_lm_logp_ctx, the same values) */
    ub_lm_cache_entry *lc = ub_lm_cache_for(lm);
    ub_lm_context lx = ub_lm_context_of(c2, c1);
    for (long i = 0; i < nc; i++) {
        altc_offer(ac, &m, x->cand[i], ub_lm_logp_ctx(lc, lm, &lx, x->cand[i]));
        have |= x->cand[i] == chosen;
    }
    if (!have)
        altc_offer(ac, &m, chosen, ub_lm_logp_ctx(lc, lm, &lx, chosen));
    *r->steps += (uint64_t)nc + !have;
    for (size_t i = 0; i < m; i++)
        ac[i].sc += ub_lm_junction(lm, c1, ac[i].cp, after, na);
    qsort(ac, m, sizeof *ac, altc_cmp);
    g->index = k;
    g->nalt = 0;
    double sc[UB_MAX_ALTS];
    int rc = 0;
    for (size_t i = 0; i < m && g->nalt < UB_MAX_ALTS; i++) {
        int ok = 1;
        if (ac[i].cp != chosen) {
            cps[k] = ac[i].cp;
            ok = ub_mbcs_lossy_check(x, r, conv, cps, n);
            cps[k] = chosen;
            if (ok < 0) {
                rc = -1;
                break;
            }
        }
        if (!ok)
            continue;
        g->alt[g->nalt].cp = ac[i].cp;
        sc[g->nalt++] = ac[i].sc;
    }
    /* the chosen one is always listed, first */
    int at = -1;
    for (int i = 0; i < g->nalt; i++)
        if (g->alt[i].cp == chosen)
            at = i;
    if (at < 0 && rc == 0) {
        at = g->nalt < UB_MAX_ALTS ? g->nalt++ : UB_MAX_ALTS - 1;
        g->alt[at].cp = chosen;
        sc[at] = ub_lm_logp(lm, c2, c1, chosen) +
                 ub_lm_junction(lm, c1, chosen, after, na);
    }
    if (at > 0) {
        ub_alt t = g->alt[at];
        double ts = sc[at];
        memmove(&g->alt[1], &g->alt[0], (size_t)at * sizeof *g->alt);
        memmove(&sc[1], &sc[0], (size_t)at * sizeof *sc);
        g->alt[0] = t;
        sc[0] = ts;
    }
    double mx = -INFINITY, z = 0;
    for (int i = 0; i < g->nalt; i++)
        mx = sc[i] > mx ? sc[i] : mx;
    for (int i = 0; i < g->nalt; i++)
        z += exp(sc[i] - mx);
    for (int i = 0; i < g->nalt; i++)
        g->alt[i].p = (float)(exp(sc[i] - mx) / z);
    return rc;
}

/* ------------------------------------------------------------ entry */

static int can_be(int id, ub_mbcs_conv_e conv, const uint32_t *in, size_t n)
{
    uint32_t mk = ub_mbcs_conv_marker(id, conv);
    int fffd = 0, marker = 0;
    for (size_t i = 0; i < n; i++) {
        fffd |= in[i] == 0xFFFD;
        marker |= mk && in[i] == mk;
    }
    if (conv == UB_MBCS_CONV_DROP)
        return !fffd;
    if (conv == UB_MBCS_CONV_WIN)
        return marker && !fffd;
    return marker;
}

int ub_mbcs_reverse_lossy(ub_mbcs_lossy_scratch *s, ub_mbcs_cache *cache, int id,
                          unsigned convs, const uint32_t *in, size_t n, const ub_lm *lm,
                          uint32_t l2, uint32_t l1, const uint32_t *right, size_t nright,
                          ub_mbcs_lossy_result *res, uint64_t *steps)
{
    uint64_t dummy = 0;
    if (!steps)
        steps = &dummy;
    if (!s || !cache || !in || !n || n > UB_MBCS_LOSSY_MAXRUN || !lm || !res)
        return -2;
    const struct ub_mbcs_ltab *t = ub_mbcs_ltab_get(id);
    if (!t || build_vocab(s, lm))
        return -2;
    struct ub_mbcs_lossy_run run = { .cache = cache, .t = t, .id = id, .in = in, .n = n, .lm = lm,
                                     .l2 = l2, .l1 = l1, .right = right, .nright = nright,
                                     .steps = steps };
    double best = -INFINITY;
    long blen = 0;
    int found = 0;
    for (int c = 0; c < UB_MBCS_NCONV; c++) {
        if (!(convs >> c & 1) || !can_be(id, (ub_mbcs_conv_e)c, in, n))
            continue;
        struct ub_mbcs_lossy_found f;
        int rc = ub_mbcs_lossy_search(s, &run, (ub_mbcs_conv_e)c, &f);
        if (rc < 0)
            return -2;
        if (rc)
            continue;
        double prior = c == UB_MBCS_CONV_PYTHON ? UB_MBCS_PRIOR_PYTHON
                       : c == UB_MBCS_CONV_WIN  ? UB_MBCS_PRIOR_WIN
                       : c == UB_MBCS_CONV_DROP ? UB_MBCS_PRIOR_DROP
                                                : 0;
        if (f.score - prior <= best)
            continue;
        best = f.score - prior;
        found = 1;
        size_t len = (size_t)f.len;
        if (ub_reserve((void **)&s->best_cps, &s->bcpscap, len + 1, sizeof *s->best_cps) ||
            ub_reserve((void **)&s->best_wm, &s->bwmcap, len + 1, 1))
            return -2;
        memcpy(s->best_cps, s->cps, len * sizeof *s->cps);
        memcpy(s->best_wm, s->wm, len);
        blen = f.len;
        res->conv = (ub_mbcs_conv_e)c;
        res->nlost = f.nlost;
        res->nliteral = f.nlit;
        double loss = c == UB_MBCS_CONV_WIN    ? UB_MBCS_LOSS_QMARK
                      : c == UB_MBCS_CONV_DROP ? UB_MBCS_LOSS_DROP
                                               : UB_MBCS_LOSS_FFFD;
        res->cost = prior + loss * f.nlost;
    }
    if (!found)
        return -1;
    /* the result, with the model's score recomputed exactly */
    size_t len = (size_t)blen;
    if (ub_reserve((void **)&s->chars, &s->charscap, len + 1, sizeof *s->chars))
        return -2;
    uint8_t op = res->conv == UB_MBCS_CONV_WIN    ? UB_OP_QMARK
                 : res->conv == UB_MBCS_CONV_DROP ? UB_OP_DROP
                                                  : UB_OP_FFFD;
    size_t ngaps = 0;
    for (size_t i = 0; i < len; i++) {
        ub_lchar *ch = &s->chars[i];
        memset(ch, 0, sizeof *ch);
        ch->cp = s->best_cps[i];
        ch->gap = s->best_wm[i] != 0;
        for (int b = 0; b < 4; b++)
            ch->ops[b] = s->best_wm[i] >> b & 1 ? op : UB_OP_NONE;
        ngaps += ch->gap;
    }
    res->lm = ub_lm_score(lm, l2, l1, s->best_cps, len);
    uint32_t c2 = len >= 2 ? s->best_cps[len - 2] : len == 1 ? l1 : l2;
    res->lm += ub_lm_junction(lm, c2, s->best_cps[len - 1], right, nright);
    if (ub_reserve((void **)&s->gaps, &s->gapscap, ngaps + 1, sizeof *s->gaps))
        return -2;
    size_t g = 0;
    for (size_t i = 0; i < len; i++)
        if (s->best_wm[i] &&
            gap_alts(s, &run, res->conv, s->best_cps, len, i, s->best_wm[i], &s->gaps[g++]) < 0)
            return -2;
    res->cps = s->best_cps;
    res->chars = s->chars;
    res->nchars = len;
    res->gaps = s->gaps;
    res->ngaps = ngaps;
    return 0;
}
