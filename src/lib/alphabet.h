/*
 * alphabet.h -- which languages write which letters (internal).
 *
 * Where a byte was lost, the language model weighs the characters that
 * share the rest of the sequence by how common each is across all its
 * languages: Czech "kartě" through ISO-8859-1, its C1 bytes stripped,
 * came back as Romanian "kartă", Polish "wysyłać" as "wysyłač", Turkish
 * "konuşan" as "konułan".  The letters a line certainly has (whole
 * sequences under the codec) say which languages it may be in; a fill
 * none of them writes is then unlikely.  The alphabets are CLDR's
 * standard exemplar characters of every language ICU has data for that
 * writes Latin, Greek, Cyrillic, Armenian, Hebrew or Arabic script
 * (src/gen/gen_alphabets.c, alphabet_tables.c).
 */
#ifndef UB_ALPHABET_H
#define UB_ALPHABET_H

#include <stdint.h>

#define UB_ALPHA_NLETTERS 761
#define UB_ALPHA_NLANGS 122
#define UB_ALPHA_WORDS 12

extern const char ub_alpha_icu_version[];
extern const uint32_t ub_alpha_letters[UB_ALPHA_NLETTERS];
extern const uint64_t ub_alpha_sets[UB_ALPHA_NLANGS][UB_ALPHA_WORDS];
#define UB_ALPHA_AT (0x800 + 0x200)
extern const int16_t ub_alpha_at[UB_ALPHA_AT];

/* A set of letters: bit i for ub_alpha_letters[i]. */
typedef struct {
    uint64_t w[UB_ALPHA_WORDS];
} ub_alpha;

/* c's index in ub_alpha_letters, or -1 when no alphabet has it. */
static inline int ub_alpha_index(uint32_t c)
{
    if (c < 0x800)
        return ub_alpha_at[c];
    if (c - 0x1E00 < 0x200)
        return ub_alpha_at[c - 0x1E00 + 0x800];
    return -1;
}

static inline void ub_alpha_add(ub_alpha *a, int i)
{
    a->w[i >> 6] |= 1ull << (i & 63);
}

static inline int ub_alpha_has(const ub_alpha *a, int i)
{
    return a->w[i >> 6] >> (i & 63) & 1;
}

/*
 * The letters of the languages that write the most of the letters seen,
 * ties together, into *allowed.  Returns 0, *allowed empty, when no
 * language writes three in four of them (see alphabet.c) or seen is
 * empty.
 */
int ub_alpha_allowed(const ub_alpha *seen, ub_alpha *allowed);

/* The languages (bit l of langs[l >> 6] for ub_alpha_sets[l]) that write
 * every letter of seen; all of them when seen is empty. */
#define UB_ALPHA_LANG_WORDS ((UB_ALPHA_NLANGS + 63) / 64)
void ub_alpha_langs(const ub_alpha *seen, uint64_t langs[UB_ALPHA_LANG_WORDS]);

#endif
