/*
 * reverse.h -- the reverse transcoder (internal): undo one mis-decoding.
 */
#ifndef UB_REVERSE_H
#define UB_REVERSE_H

#include <stddef.h>
#include <stdint.h>

#include "alphabet.h"
#include "langs.h"
#include "hyp.h"
#include "model.h"

/*
 * Undo one lossless layer: encode in[0..n) with codec, decode the bytes as
 * UTF-8.  With allow_cesu, surrogate pairs written as two 3-byte sequences
 * (CESU-8) and C0 80 for U+0000 (modified UTF-8) are accepted, and *cesu
 * is set when they occur.  tmp needs n bytes, out room for n code points.
 * Returns the number of code points written, or -1 when some character
 * cannot be encoded or the bytes are not valid UTF-8.
 */
long ub_reverse_layer(const uint32_t *in, size_t n, int codec, int allow_cesu,
                      uint8_t *tmp, uint32_t *out, int *cesu);

/* The second half of ub_reverse_layer(): decode tmp[0..n) as UTF-8 (with
 * allow_cesu, CESU-8 too) into out.  Returns as ub_reverse_layer() does. */
long ub_reverse_utf8(const uint8_t *tmp, size_t n, int allow_cesu, uint32_t *out, int *cesu);

/*
 * Undo "text in codec, read as ISO-8859-1": every character must be below
 * U+0100; returns n, or -1.
 */
long ub_reverse_legacy(const uint32_t *in, size_t n, int codec, uint32_t *out);

/* Which losses a lossy reconstruction may assume, and what each costs. */
typedef struct {
    uint32_t allow;                 /* bit per ub_op_e */
    float cost[UB_OP_NOPS];         /* nats per use */
    float cost_drop_shy;            /* dropping 0xAD (soft hyphen) */
    float cost_drop_nbsp;           /* dropping 0xA0 (collapsed NBSP) */
    float cost_drop_c1;             /* dropping a C1 control of a codec that
                                       defines all of 0x80..0x9F as C1 */
    float cost_drop_again;          /* each byte after the first that one
                                       character lost (at most the cost
                                       of the byte alone) */
    float keep_cost;                /* passing one character through
                                       undecoded; < 0 forbids it */
    float foreign_cost;             /* ... one the codec cannot encode */
    float legacy_cost;              /* reading a C1 control as the
                                       windows-1252 character (Latin-1 only) */
    int max_insert;                 /* dropped bytes per character, 0..2 */
    int restore_only;               /* drops limited to NBSP and soft hyphen */
    int inner_lent;                 /* (two layers) repairs nearby say the
                                       intermediate text was UTF-8: it need
                                       not hold a whole sequence itself */
} ub_lossmodel;

/* The detector's loss model: every loss allowed, at the costs it scores
 * with (a drop 1.5, '?' 1.0, U+FFFD and NBSP-as-space 0.5, ...). */
extern const ub_lossmodel ub_default_loss;

/* Scratch memory reused across calls (owned by the context). */
typedef struct ub_beam_scratch ub_beam_scratch;
ub_beam_scratch *ub_beam_scratch_new(void);
void ub_beam_scratch_free(ub_beam_scratch *s);

/* One alternative for a filled gap. */
typedef struct {
    uint32_t cp;
    float p;                        /* posterior among the alternatives:
                                       the model and the search's priors
                                       (alphabets, languages, case) */
} ub_alt;

#define UB_MAX_ALTS 8

typedef struct {
    size_t index;                   /* index in the output characters */
    int nalt;
    ub_alt alt[UB_MAX_ALTS];        /* sorted, alt[0] = the chosen one */
} ub_gapalt;

/* Result of a lossy reconstruction; arrays live in the scratch. */
typedef struct {
    ub_lchar *chars;
    size_t nchars;
    ub_gapalt *gaps;
    size_t ngaps;
    uint32_t ops_used;
    unsigned nkeep;                 /* characters passed through */
    unsigned nlegacy;               /* C1 controls read as windows-1252 */
    double lm;                      /* LM log-probability incl. right context */
    double cost;                    /* summed loss costs */
    int outer_drop;                 /* ub_reverse_lossy2: the outer layer
                                       dropped bytes it cannot read */
} ub_lossy_result;

/*
 * The letters of the languages the line may be in (alphabet.h), for the
 * searches on s that follow: a fill outside them costs more; and the
 * odds of the languages the line's letters give (langs.h): a fill costs
 * what its letter is less likely in them.  They are asked for, get(arg),
 * only where a search guesses a letter (get NULL, or get returning NULLs:
 * no such rule).  get(arg) must give the same for the same codec and tag
 * throughout a segment (the searches remember what they found until
 * ub_reverse_lossy_forget(); tag tells the alphabets of one codec apart:
 * of text garbled once or twice).
 */
typedef struct {
    const ub_alpha *alpha;      /* NULL: no letters that tell */
    ub_langs *langs;            /* NULL: too few letters (the costs of
                                   fills are kept in it) */
} ub_line_letters;
typedef ub_line_letters ub_alpha_fn(void *arg);
void ub_beam_use_alphabet(ub_beam_scratch *s, ub_alpha_fn *get, void *arg, unsigned tag);

/*
 * Find the most probable text whose decoding with codec, after the losses
 * loss allows, gives in[0..n).  A decoder treats every byte it cannot read
 * alike, so the undefined bytes of one reading are all dropped, all '?' or
 * all U+FFFD (and none is lost where one was passed through); the run's
 * markers say which of these are tried.  (l2, l1) are the two characters before
 * the run; right[0..nright) are the characters after it, scored as the
 * junction.  Only their ASCII prefix helps choose the reading (more
 * mojibake may follow), unless ahead[0..nahead) (NULL: none) says how the
 * text after the run reads once repaired: then that does.  *steps is
 * increased by the work done (for bounds tests).
 * Returns 0 and fills *res, or -1 when no reconstruction exists.  The
 * alternatives of the filled gaps are left for ub_reverse_lossy_gaps()
 * (res->ngaps is 0).
 */
int ub_reverse_lossy(ub_beam_scratch *s, const uint32_t *in, size_t n, int codec,
                     const ub_lossmodel *loss, const ub_lm *lm, uint32_t l2, uint32_t l1,
                     const uint32_t *right, size_t nright, const uint32_t *ahead,
                     size_t nahead, ub_lossy_result *res, uint64_t *steps);

/*
 * Is in[0..n) itself the only reading ub_reverse_lossy() can give of it
 * under codec and loss: no character can be read from its bytes, so each
 * is kept as it is (a space read as a space)?  Then the search need not
 * run.  1 if so; 0 if another reading may exist, for a run with a '?' or
 * U+FFFD, or when out of memory.  Uses s->items.
 */
int ub_reverse_lossy_as_is(ub_beam_scratch *s, const uint32_t *in, size_t n, int codec,
                           const ub_lossmodel *loss);

/*
 * What the C1 controls that the characters chars[0..n) of a reading lost
 * by being dropped cost under codec and loss: cost_drop_c1 where the
 * codec reads all of 0x80..0x9F as C1 controls, else the plain price of a
 * drop (a character's later bytes at cost_drop_again, as the search
 * prices them).  A reading found under one codec costs the difference
 * more under another that reads it alike.
 */
double ub_reverse_c1_drops(int codec, const ub_lossmodel *loss, const ub_lchar *chars, size_t n);

/*
 * Two layers, both lossy: in[0..n) is UTF-8 read as outer, after it was
 * UTF-8 read as inner, by decoders that drop what they cannot read (the
 * same text garbled twice).  The inner decoder's losses are as loss
 * allows; the outer one dropped every byte its codec cannot read and
 * nothing else.  The outer sequences cut short leave a few candidates each
 * for the intermediate character; the beam over the inner layer picks
 * among them and fills the inner gaps, under the language model of the
 * final text.  res->chars (with the inner layer's gaps) is the final text,
 * with the inner layer's ops, res->lm its log-probability and res->cost the
 * losses of both layers; res->outer_drop says whether the outer decoder
 * dropped anything (the forward check replays it by dropping every byte
 * its codec cannot read).  Returns 0, or -1 when no reading exists, when
 * neither layer lost anything, or when the intermediate text is not mostly
 * whole UTF-8 sequences (which also bounds the work on texts that only the
 * outer layer reads as mojibake).
 */
int ub_reverse_lossy2(ub_beam_scratch *s, const uint32_t *in, size_t n, int outer, int inner,
                      const ub_lossmodel *loss, const ub_lm *lm, uint32_t l2, uint32_t l1,
                      const uint32_t *right, size_t nright, ub_lossy_result *res,
                      uint64_t *steps);

/*
 * Forget the searches ub_reverse_lossy() remembers (it answers a search
 * it made since from memory, the same result): the detector forgets them
 * at each segment.
 */
void ub_reverse_lossy_forget(ub_beam_scratch *s);

/*
 * The alternatives of each filled gap of res, the result the last
 * ub_reverse_lossy() or ub_reverse_lossy2() on s returned (their posterior
 * under the model, two characters of context each side): res->gaps and
 * res->ngaps.  Only for a result that is kept, before the next search on s,
 * and once.  Returns 0, or -1 when out of memory.
 */
int ub_reverse_lossy_gaps(ub_beam_scratch *s, const ub_lm *lm, ub_lossy_result *res);

#endif
