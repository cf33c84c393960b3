/*
 * langs.c -- the languages' odds for a line's letters (langs.h).
 */
#include "langs.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

/* Letters a line must have before its languages' odds say anything. */
#define MIN_LETTERS 12
/* The share of the odds left to a language the tables lack: a fill costs
 * at most -ln UNKNOWN_SHARE (about 5.8 nats). */
#define UNKNOWN_SHARE 0.003f

static float prob[256];         /* exp(-q / 16) */
/* -ln P(a letter of the block of two-byte lead 0xC0 + b | language) */
static float cut_cost[32][UB_LANGS_ROW];
static pthread_once_t prob_once = PTHREAD_ONCE_INIT;

static void prob_init(void)
{
    for (int q = 0; q < 256; q++)
        prob[q] = expf(-(float)q / 16.0f);
    for (int b = 2; b < 32; b++) {
        /* the slots of the block's letters, once each (both cases share
         * theirs) */
        int slots[64], k = 0;
        for (uint32_t c = (uint32_t)b << 6; c < (uint32_t)(b + 1) << 6; c++) {
            int s = ub_langs_slot_of(c), seen = 0;
            for (int j = 0; j < k && !seen; j++)
                seen = slots[j] == s;
            if (s >= 0 && !seen)
                slots[k++] = s;
        }
        for (int l = 0; l < ub_langs_n && k; l++) {
            float p = 0;
            for (int j = 0; j < k; j++)
                p += prob[ub_langs_cost[slots[j]][l]];
            cut_cost[b][l] = -logf(p);
        }
    }
}

void ub_langs_reset(ub_langs_acc *a)
{
    for (int i = 0; i < a->nused; i++)
        a->count[a->used[i]] = 0;
    a->nused = 0;
    a->total = 0;
    memset(a->cut, 0, sizeof a->cut);
}

int ub_langs_fit(const ub_langs_acc *a, ub_langs *p)
{
    if (a->total < MIN_LETTERS)
        return 0;
    pthread_once(&prob_once, prob_init);
    /* -ln P(the letters | language): a row of the table a letter counted,
     * the languages side by side (in sixteenths of a nat) ... */
    uint32_t q[UB_LANGS_ROW] = { 0 };
    for (int i = 0; i < a->nused; i++) {
        const uint8_t *row = ub_langs_cost[a->used[i]];
        uint32_t k = a->count[a->used[i]];
        for (int l = 0; l < UB_LANGS_ROW; l++)
            q[l] += k * row[l];
    }
    /* ... and a letter cut short, one of its block's */
    float ll[UB_LANGS_ROW];
    for (int l = 0; l < UB_LANGS_ROW; l++)
        ll[l] = (float)q[l] * (1.0f / 16.0f);
    for (int b = 2; b < 32; b++)
        if (a->cut[b])
            for (int l = 0; l < UB_LANGS_ROW; l++)
                ll[l] += (float)a->cut[b] * cut_cost[b][l];
    const int n = ub_langs_n;
    float best = ll[0], sum = 0;
    for (int l = 1; l < n; l++)
        best = ll[l] < best ? ll[l] : best;
    for (int l = 0; l < UB_LANGS_ROW; l++) {
        /* (odds below e^-40 are 0) */
        float d = best - ll[l];
        p->w[l] = l < n && d > -40 ? expf(d) : 0;
        sum += p->w[l];
    }
    for (int l = 0; l < UB_LANGS_ROW; l++)
        p->w[l] /= sum;
    memset(p->have, 0, sizeof p->have);
    return 1;
}

float ub_langs_cost_of(ub_langs *p, uint32_t c)
{
    int s = ub_langs_slot_of(c);
    if (s < 0)
        return 0;
    if (p->have[s >> 6] >> (s & 63) & 1)
        return p->cost[s];
    pthread_once(&prob_once, prob_init);
    const uint8_t *row = ub_langs_cost[s];
    float mix = 0;
    for (int l = 0; l < ub_langs_n; l++)
        mix += p->w[l] * prob[row[l]];
    float all = prob[row[UB_LANGS_ROW - 1]];
    float r = logf(((1 - UNKNOWN_SHARE) * mix + UNKNOWN_SHARE * all) / all);
    p->have[s >> 6] |= 1ull << (s & 63);
    return p->cost[s] = r < 0 ? -r : 0;
}
