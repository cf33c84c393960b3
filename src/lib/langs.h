/*
 * langs.h -- which language a line is in, by how often it writes its
 * letters (internal).
 *
 * The language model is one model of all its languages, so where a byte
 * was lost it weighs the letters that could fill the gap by how common
 * each is across them all: Swedish "för" read as ISO-8859-6, the bytes
 * it cannot read dropped, came back as German "für", Hungarian
 * "billentyűszűrés" as "billentyższűrés".  The alphabets (alphabet.h) rule out only the letters no
 * language of the line's writes; the languages that write a line's
 * letters, ö and ä, still write ü.  Here each language of the training
 * text written in Latin script has its letter frequencies
 * (src/gen/gen_langs.c, langs_tables.c), the letters a line certainly
 * has, and the blocks of those it has cut short, give the languages'
 * odds, and a Latin fill costs what its letter is less likely in those
 * languages than in all of them together (unigram rescaling of the
 * model).  Only Latin: the letters that tell Russian from Ukrainian or
 * Bulgarian (і, ї, є, ы) or Persian from Arabic are the very ones lost
 * (their second bytes are C1 bytes), and odds from the rest made the
 * fills of those lines worse (lossy_quality: CER ru 11.92 -> 11.98%,
 * uk 15.99 -> 16.21%, ar 13.12 -> 13.33%; with only the languages of
 * 100,000 letters or more, Bulgarian left out, uk 16.19%, ar 13.33%).
 *
 * Tables are read-only; an accumulator belongs to its caller.
 */
#ifndef UB_LANGS_H
#define UB_LANGS_H

#include <stdint.h>

#include "alphabet.h"

#define UB_LANGS_ROW 32         /* a row of the tables: the languages
                                   (up to 31) and all of them pooled */
#define UB_LANGS_MAX (UB_LANGS_ROW - 1)
#define UB_LANGS_SLOTS_MAX 256  /* letters the tables may hold */

extern const int ub_langs_n, ub_langs_nslots;
extern const char *const ub_langs_names[UB_LANGS_MAX];
extern const int16_t ub_langs_slot[UB_ALPHA_NLETTERS];
extern const int16_t ub_langs_ascii[26];
/* -ln P(slot | language) in sixteenths of a nat, a row a slot: each
 * language's (ub_langs_n), 0 up to the last, all the languages' pooled */
extern const uint8_t ub_langs_cost[][UB_LANGS_ROW];

/* The letters of a line, counted. */
typedef struct {
    uint16_t count[UB_LANGS_SLOTS_MAX];
    uint16_t used[UB_LANGS_SLOTS_MAX];  /* the slots counted, in order */
    int nused;
    uint32_t total;
    uint16_t cut[32];           /* leads 0xC0..0xDF of letters cut short */
} ub_langs_acc;

/* The languages' odds for a line, once fitted, and what its fills cost
 * under them (each letter's once: the lossy searches ask again and again
 * for the same few). */
typedef struct {
    float w[UB_LANGS_ROW];      /* P(language | the line's letters), 0
                                   past ub_langs_n */
    uint64_t have[UB_LANGS_SLOTS_MAX / 64];     /* cost[s] found */
    float cost[UB_LANGS_SLOTS_MAX];
} ub_langs;

/* The slot of c (any case), or -1 when the tables have none for it. */
static inline int ub_langs_slot_of(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) - 'a' < 26u ? ub_langs_ascii[(c | 0x20) - 'a'] : -1;
    int a = ub_alpha_index(c);
    return a < 0 ? -1 : ub_langs_slot[a];
}

void ub_langs_reset(ub_langs_acc *a);

/* Count c, if it is a letter the tables have. */
static inline void ub_langs_add(ub_langs_acc *a, uint32_t c)
{
    int s = ub_langs_slot_of(c);
    if (s < 0 || a->total == UINT16_MAX)
        return;
    if (!a->count[s]++)
        a->used[a->nused++] = (uint16_t)s;
    a->total++;
}

/* Count a two-byte lead b whose sequence was cut short: a letter of its
 * block, which the languages write more or less often. */
static inline void ub_langs_add_cut(ub_langs_acc *a, uint8_t b)
{
    if (b >= 0xC2 && b <= 0xDF && a->cut[b - 0xC0] < UINT16_MAX)
        a->cut[b - 0xC0]++;
}

/*
 * The languages' odds from the letters counted into *a.  Returns 0, with
 * *p unset, when there are too few letters to tell.
 */
int ub_langs_fit(const ub_langs_acc *a, ub_langs *p);

/*
 * What a fill c costs in nats (>= 0) for a line whose languages' odds
 * are *p: -ln of how much less likely c is in them than in all the
 * languages together, 0 where it is as likely or more, and bounded (the
 * line may be in a language the tables lack).  0 for a character the
 * tables have no slot for.  (It keeps the cost in *p for the next time.)
 */
float ub_langs_cost_of(ub_langs *p, uint32_t c);

#endif
