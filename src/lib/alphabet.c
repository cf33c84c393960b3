/*
 * alphabet.c -- the languages a line's letters may be in (alphabet.h).
 */
#include <string.h>

#include "alphabet.h"

int ub_alpha_allowed(const ub_alpha *seen, ub_alpha *allowed)
{
    /* the letters seen, as indices (a line has a handful) */
    int idx[64], all = 0;
    for (int w = 0; w < UB_ALPHA_WORDS; w++)
        for (uint64_t m = seen->w[w]; m && all < 64; m &= m - 1)
            idx[all++] = w * 64 + __builtin_ctzll(m);
    memset(allowed, 0, sizeof *allowed);
    if (!all)
        return 0;
    int best = 0;
    for (int l = 0; l < UB_ALPHA_NLANGS; l++) {
        const uint64_t *set = ub_alpha_sets[l];
        int k = 0;
        for (int j = 0; j < all; j++)
            k += (int)(set[idx[j] >> 6] >> (idx[j] & 63) & 1);
        if (k < best || !k)
            continue;
        if (k > best) {
            best = k;
            memset(allowed, 0, sizeof *allowed);
        }
        for (int w = 0; w < UB_ALPHA_WORDS; w++)
            allowed->w[w] |= set[w];
    }
    /* letters no one language writes together are mojibake still (text
     * garbled twice, read once: Ã, Â, Ð, Ñ), or more than one language;
     * one in four may be a sequence that only looks whole (Turkish
     * through windows-1252 makes an Ì) */
    if (best * 4 < all * 3) {
        memset(allowed, 0, sizeof *allowed);
        return 0;
    }
    return 1;
}

void ub_alpha_langs(const ub_alpha *seen, uint64_t langs[UB_ALPHA_LANG_WORDS])
{
    memset(langs, 0, UB_ALPHA_LANG_WORDS * sizeof *langs);
    for (int l = 0; l < UB_ALPHA_NLANGS; l++) {
        int all = 1;
        for (int w = 0; w < UB_ALPHA_WORDS && all; w++)
            all = !(seen->w[w] & ~ub_alpha_sets[l][w]);
        if (all)
            langs[l >> 6] |= 1ull << (l & 63);
    }
}
