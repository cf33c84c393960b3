/*
 * reverse.c -- the reverse transcoder: undo one mis-decoding.
 *
 * The lossless direction is a straight encode-then-decode.  The lossy one
 * is a beam search over characters: where the bytes stop being valid UTF-8,
 * the lead byte says how many continuation bytes are missing, the loss
 * model says which bytes they can be, and the language model chooses among
 * the few characters that result, in context.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>

#include "alphabet.h"
#include "codec.h"
#include "mem.h"
#include "reverse.h"
#include "utf8.h"

/* The loss model the detector searches with (see reverse.h). */
const ub_lossmodel ub_default_loss = {
    .allow = 1u << UB_OP_DROP | 1u << UB_OP_QMARK | 1u << UB_OP_FFFD | 1u << UB_OP_SPACE,
    .cost = { [UB_OP_DROP] = 1.5f, [UB_OP_QMARK] = 1.0f, [UB_OP_FFFD] = 0.5f,
              [UB_OP_SPACE] = 0.5f },
    .cost_drop_shy = 2.5f,
    .cost_drop_nbsp = 3.0f,
    .cost_drop_c1 = 4.0f,
    .cost_drop_again = 1.0f,
    .keep_cost = 6.0f,
    .foreign_cost = 0.5f,
    .legacy_cost = 1.0f,
    .max_insert = 2,
};

/* ------------------------------------------------------------ lossless */

long ub_reverse_layer(const uint32_t *in, size_t n, int codec, int allow_cesu,
                      uint8_t *tmp, uint32_t *out, int *cesu)
{
    for (size_t i = 0; i < n; i++) {
        int b = ub_codec_encode(codec, in[i]);
        if (b < 0)
            return -1;
        tmp[i] = (uint8_t)b;
    }
    return ub_reverse_utf8(tmp, n, allow_cesu, out, cesu);
}

long ub_reverse_utf8(const uint8_t *tmp, size_t n, int allow_cesu, uint32_t *out, int *cesu)
{
    size_t o = 0;
    for (size_t i = 0; i < n; ) {
        uint32_t cp;
        int len = ub_utf8_decode_fast(tmp + i, n - i, &cp);
        if (!len && allow_cesu) {
            const uint8_t *b = tmp + i;
            /* CESU-8: a UTF-16 surrogate pair as two 3-byte sequences */
            if (n - i >= 6 && b[0] == 0xED && b[1] >= 0xA0 && b[1] <= 0xAF &&
                ub_utf8_is_cont(b[2]) && b[3] == 0xED && b[4] >= 0xB0 && b[4] <= 0xBF &&
                ub_utf8_is_cont(b[5])) {
                uint32_t hi = ((uint32_t)(b[1] & 0x3F) << 6 | (b[2] & 0x3F)) & 0x3FF;
                uint32_t lo = ((uint32_t)(b[4] & 0x3F) << 6 | (b[5] & 0x3F)) & 0x3FF;
                cp = 0x10000u + (hi << 10) + lo;
                len = 6;
                *cesu = 1;
            } else if (n - i >= 2 && b[0] == 0xC0 && b[1] == 0x80) {
                cp = 0;         /* modified UTF-8 (Java) writes NUL so */
                len = 2;
                *cesu = 1;
            }
        }
        if (!len)
            return -1;
        out[o++] = cp;
        i += (size_t)len;
    }
    return (long)o;
}

long ub_reverse_legacy(const uint32_t *in, size_t n, int codec, uint32_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (in[i] > 0xFF)
            return -1;
        out[i] = ub_codec_decode(codec, (uint8_t)in[i]);
    }
    return (long)n;
}

/* ------------------------------------------------------------ lossy */

enum { IT_BYTE, IT_SUB, IT_Q, IT_SP, IT_FOREIGN, IT_SET };

struct item {
    uint8_t kind;
    uint8_t byte;
    uint16_t nset;          /* IT_SET: its candidates, set0 .. set0 + nset */
    uint32_t set0;
};

/* A candidate of an IT_SET item (two-layer search): a character of the
 * intermediate text an outer sequence cut short may have been, and the
 * byte it is under the inner codec. */
struct setc {
    uint32_t cp;
    uint8_t byte;
    float cost;             /* of the bytes the outer decoder dropped */
};

/* One way to read one character starting at an item. */
struct option {
    uint32_t cp;
    uint32_t next;          /* item index after it */
    float cost;
    float prior;            /* <= 0: a fill outside the line's alphabets */
    uint8_t ops[4];
    uint8_t keep, gap;
    uint8_t set;            /* a byte of it is one of an IT_SET's
                               candidates (two layers: a guess too) */
};

struct hrec {
    int32_t prev;
    uint32_t item;          /* item index where the character starts */
    ub_lchar ch;
};

struct bstate {
    double score;
    double prior;           /* of score: the fills' alphabet priors */
    uint32_t c2, c1;
    int32_t hist;
};

#define BEAM 8
#define RING 5              /* a character spans at most 4 items */
#define MAX_OPTS 512         /* ways to read one character */
#define MAX_LEAVES 4096      /* sequences looked at for them where there
                                are more: a lead whose two continuations
                                ISO-8859-x stripped as C1 controls is one
                                of 32 x 32 characters, of which then only
                                those the model knows are kept */
#define ALPHA_COST 8.0f     /* a guessed letter that none of the line's
                               languages writes (alphabet.h) */
#define CASE_COST 4.0f      /* a guessed letter in the other case than
                               the letters around it (case_odd) */
#define MAX_OPTS2 2048       /* ... in the two-layer search, where a lead
                                is one of some 32 candidates, each with
                                some 32 continuations the inner decoder
                                may have dropped */

struct lossy_env {
    const struct item *it;
    size_t n;
    int codec;
    const ub_lossmodel *loss;
    const uint32_t *in;
    struct option *opts;
    int nopts;
    uint64_t *steps;
    int c1_codec;           /* the codec reads all of 0x80..0x9F as C1 */
    uint8_t nbsp;           /* the codec's NBSP (ub_codec_nbsp_cont), or 0 */
    int nbsp_kept;          /* an NBSP of the run is there as it was: no
                               space stands for one */
    uint32_t policy;        /* what the decoder did with the bytes it could
                               not read: bits UB_OP_DROP, _QMARK, _FFFD */
    const struct setc *sets;    /* IT_SET candidates */
    uint64_t dropmask;      /* bit b - 0x80: continuation byte b droppable
                               under the policy (set_policy) */
    uint64_t leadmask;      /* bit b - 0xC0: lead byte b droppable */
    uint64_t restoremask;   /* bit b - 0x80: b is the codec's NBSP or soft
                               hyphen (dropped, it is restored, not guessed) */
    int max_opts;           /* options kept per character */
    const ub_lm *lm;        /* guessed characters must be in its vocabulary
                               where any is (NULL: no such rule) */
    int strict;             /* ... now */
    int leaves;             /* sequences looked at for this character */
    ub_alpha_fn *alpha_get; /* the letters of the languages the line may
                               be in, asked for when first needed */
    void *alpha_arg;
    int alpha_asked;
    ub_line_letters alpha;  /* ... the answer */
    uint32_t l1, r0;        /* the characters before and after the span
                               (r0 0: none known), for case_odd() */
};

/* A search of ub_reverse_lossy() and what it found. */
struct memo {
    uint64_t hash;
    size_t key0, nkey;      /* its inputs, mkey[key0..key0 + nkey) */
    size_t ch0;             /* its characters, mch[ch0..ch0 + nchars) */
    int found;              /* 0: no reading */
    size_t nchars, ngap;
    uint32_t ops_used;
    unsigned nkeep, nlegacy;
    double lm, cost;
    uint64_t steps;         /* the steps it took (counted again when it is
                               answered from memory, as the fills cache of
                               the multibyte search does) */
};

#define MEMO_SLOTS 1024
#define MEMO_MAX 1024       /* memos before they are all forgotten ... */
#define MEMO_WORDS (1u << 16)   /* ... or words of their keys */

struct mslot {
    uint32_t gen, memo;
};

struct ub_beam_scratch {
    struct item *items;
    size_t items_cap;
    struct hrec *hist;
    size_t hist_len, hist_cap;
    struct option opts[MAX_OPTS2];
    ub_lchar *chars;
    size_t chars_cap;
    ub_gapalt *gaps;
    size_t gaps_cap;
    /* the two-layer search */
    struct item *items2;
    size_t items2_cap;
    struct setc *sets;
    size_t sets_len, sets_cap;
    uint32_t *defs;         /* intermediate characters (0 in a set) */
    size_t defs_cap;
    /* the last result's gaps, left for ub_reverse_lossy_gaps(): the search
     * as it ended (its history stays in hist until the next search) */
    size_t gap_pending;     /* gaps not yet described */
    struct lossy_env genv;
    ub_lossmodel gloss;     /* the loss model genv reads */
    int32_t gbest;          /* the best state's history */
    uint32_t gl2, gl1, gright[2];
    size_t gnright;
    uint32_t *items_of;     /* the item each character was read from */
    size_t items_of_cap;
    ub_alpha_fn *alpha_get; /* for the next search (ub_beam_use_alphabet) */
    void *alpha_arg;
    unsigned alpha_tag;
    /* the searches of ub_reverse_lossy() since ub_reverse_lossy_forget():
     * a run is evaluated again and again as the line is decided (with the
     * repairs after it, with the support of those nearby), mostly asking
     * the very same search.  Each memo's inputs are a key of words in
     * mkey, its characters in mch; mslot hashes keys to memos. */
    struct memo *memo;
    size_t nmemo, memo_cap;
    uint32_t *mkey;
    size_t nmkey, mkey_cap;
    ub_lchar *mch;
    size_t nmch, mch_cap;
    struct mslot mslot[MEMO_SLOTS];
    uint32_t mgen;          /* mslot entries of another generation are empty */
    size_t gap_memo;        /* memo + 1 whose gaps are pending: the search
                               must run again to describe them */
    uint64_t memo_steps;    /* the steps of such a search again (the gaps'
                               environment points here, as it does to the
                               caller's counter after a search) */
};

void ub_beam_use_alphabet(ub_beam_scratch *s, ub_alpha_fn *get, void *arg, unsigned tag)
{
    s->alpha_get = get;
    s->alpha_arg = arg;
    s->alpha_tag = tag;
}

static int memo_search(ub_beam_scratch *s, const struct memo *m, const ub_lm *lm,
                       ub_lossy_result *res);

ub_beam_scratch *ub_beam_scratch_new(void)
{
    return calloc(1, sizeof(ub_beam_scratch));
}

void ub_beam_scratch_free(ub_beam_scratch *s)
{
    if (!s)
        return;
    free(s->items);
    free(s->hist);
    free(s->chars);
    free(s->gaps);
    free(s->items2);
    free(s->sets);
    free(s->defs);
    free(s->items_of);
    free(s->memo);
    free(s->mkey);
    free(s->mch);
    free(s);
}


/* ub_codec_is_lossy() of codec for the 64 bytes from first (0x80 or
 * 0xC0) at once: bit b - first. */
static uint64_t lossy_bits(int codec, int first)
{
    const uint8_t *l = ub_codec_tables[codec].lossy + (first - 0x80) / 8;
    uint64_t m = 0;
    for (int j = 0; j < 8; j++)
        m |= (uint64_t)l[j] << (8 * j);
    return m;
}

double ub_reverse_c1_drops(int codec, const ub_lossmodel *loss, const ub_lchar *chars, size_t n)
{
    float c1 = ub_codec_c1_lossy(codec) ? loss->cost_drop_c1 : loss->cost[UB_OP_DROP];
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!chars[i].gap || chars[i].keep)
            continue;
        uint8_t u[4];
        int len = ub_utf8_encode(chars[i].cp, u), inserted = 0;
        for (int j = 0; j < len; j++) {
            if (chars[i].ops[j] != UB_OP_DROP)
                continue;
            if (u[j] < 0xA0)
                sum += inserted && loss->cost_drop_again < c1 ? loss->cost_drop_again : c1;
            inserted++;
        }
    }
    return sum;
}

/* The environment of a search over items it[0..n) (sets: the candidates of
 * its IT_SET items) read under codec, with loss; no policy yet
 * (set_policy).  in: the characters the items stand for. */
static inline struct lossy_env lossy_env_of(const struct item *it, size_t n, int codec,
                                            const ub_lossmodel *loss, const uint32_t *in,
                                            struct option *opts, uint64_t *steps,
                                            const struct setc *sets, int max_opts)
{
    struct lossy_env e = { .it = it, .n = n, .codec = codec, .loss = loss, .in = in,
                           .opts = opts, .steps = steps, .sets = sets, .max_opts = max_opts };
    e.c1_codec = ub_codec_c1_lossy(codec);
    e.nbsp = ub_codec_nbsp_cont(codec);
    e.restoremask = (e.nbsp ? 1ull << (e.nbsp - 0x80) : 0) |
                    (uint64_t)ub_codec_is_shy(codec, 0xAD) << (0xAD - 0x80);
    return e;
}

/* A decoder (or a later step) that turned NBSPs into spaces turned all of
 * them: where one is still there, a space is a space (Hebrew through
 * ISO-8859-1 has NBSP in every nun, and a word's last letter, its C1 byte
 * stripped, read the space after it as one). */
static void note_nbsp_kept(struct lossy_env *e)
{
    for (size_t i = 0; i < e->n && e->nbsp && !e->nbsp_kept; i++)
        e->nbsp_kept = e->it[i].kind == IT_BYTE && e->it[i].byte == e->nbsp;
}

static int allowed(const struct lossy_env *e, int op)
{
    if (op == UB_OP_QMARK || op == UB_OP_FFFD)
        return e->loss->allow >> op & e->policy >> op & 1;
    return e->loss->allow >> op & 1;
}

/* The price of byte b dropped: its NBSP and soft hyphen (restoremask)
 * and C1 controls have their own. */
static inline float drop_cost(const struct lossy_env *e, uint8_t b)
{
    if (b - 0x80u < 0x40u && e->restoremask >> (b - 0x80) & 1)
        return b == e->nbsp ? e->loss->cost_drop_nbsp : e->loss->cost_drop_shy;
    if (b < 0xA0 && e->c1_codec)
        return e->loss->cost_drop_c1;
    return e->loss->cost[UB_OP_DROP];
}

/* The byte a space can stand for here, the codec's NBSP written as a
 * space, or -1.  (Where one is still there, none is: note_nbsp_kept().) */
static inline int space_byte(const struct lossy_env *e)
{
    return allowed(e, UB_OP_SPACE) && e->nbsp && !e->nbsp_kept ? e->nbsp : -1;
}

/* Adopt a policy, and precompute which continuation bytes it lets drop
 * (fill_slots asks for every slot of every sequence). */
static void set_policy(struct lossy_env *e, uint32_t policy)
{
    e->policy = policy;
    e->dropmask = 0;
    e->leadmask = 0;
    if (!allowed(e, UB_OP_DROP))
        return;
    if (!e->loss->restore_only && (policy >> UB_OP_DROP & 1) && e->loss->max_insert >= 1 &&
        (ub_codec_lead_lost() >> e->codec & 1)) {
        /* leads 0xC2..0xF4 only */
        e->leadmask = lossy_bits(e->codec, 0xC0) & ((1ull << (0xF5 - 0xC0)) - 1) & ~3ull;
    }
    /* droppable() for 0x80..0xBF at once, bit b - 0x80 */
    uint64_t m = 0;
    if (!e->loss->restore_only && (policy >> UB_OP_DROP & 1))
        m = lossy_bits(e->codec, 0x80);
    m &= ~(1ull << (0xA0 - 0x80) | 1ull << (0xAD - 0x80));
    if (e->loss->cost_drop_nbsp >= 0 && e->nbsp)
        m |= 1ull << (e->nbsp - 0x80);
    if (e->loss->cost_drop_shy >= 0 && ub_codec_is_shy(e->codec, 0xAD))
        m |= 1ull << (0xAD - 0x80);
    e->dropmask = m;
}

/* Bytes an item can stand for as a continuation/first byte; returns count. */
struct cand {
    uint8_t byte, op;
    float cost;
};

static int item_bytes(const struct lossy_env *e, const struct item *x, int literal_ok,
                      struct cand *out)
{
    int k = 0;
    switch (x->kind) {
    case IT_BYTE:
        out[k++] = (struct cand){ x->byte, UB_OP_NONE, 0 };
        break;
    case IT_Q:
        if (literal_ok)
            out[k++] = (struct cand){ '?', UB_OP_NONE, 0 };
        if (allowed(e, UB_OP_QMARK))
            for (int b = 0x80; b < 0x100; b++)
                if (ub_codec_is_lossy(e->codec, (uint8_t)b))
                    out[k++] = (struct cand){ (uint8_t)b, UB_OP_QMARK, e->loss->cost[UB_OP_QMARK] };
        break;
    case IT_SUB:
        if (allowed(e, UB_OP_FFFD))
            for (int b = 0x80; b < 0x100; b++)
                if (ub_codec_is_lossy(e->codec, (uint8_t)b))
                    out[k++] = (struct cand){ (uint8_t)b, UB_OP_FFFD, e->loss->cost[UB_OP_FFFD] };
        break;
    case IT_SP:
        if (literal_ok)
            out[k++] = (struct cand){ ' ', UB_OP_NONE, 0 };
        if (space_byte(e) >= 0)
            out[k++] = (struct cand){ e->nbsp, UB_OP_SPACE, e->loss->cost[UB_OP_SPACE] };
        break;
    case IT_SET:
        for (unsigned j = 0; j < x->nset; j++) {
            const struct setc *c = &e->sets[x->set0 + j];
            out[k++] = (struct cand){ c->byte, UB_OP_NONE, c->cost };
        }
        break;
    }
    return k;
}

static int cont_ok(int slot, uint8_t lead, uint8_t b)
{
    return slot == 1 ? ub_utf8_second_ok(lead, b) : ub_utf8_is_cont(b);
}

/* cont_ok() for the bytes 0x80..0xBF at once: bit b - 0x80. */
static uint64_t cont_bits(int slot, uint8_t lead)
{
    if (slot > 1)
        return ~0ull;
    switch (lead) {
    case 0xE0: return ~0ull << 0x20;
    case 0xED: return (1ull << 0x20) - 1;
    case 0xF0: return ~0ull << 0x10;
    case 0xF4: return (1ull << 0x10) - 1;
    default:   return ~0ull;
    }
}

static void add_option(struct lossy_env *e, const struct option *o)
{
    if (e->nopts < e->max_opts)
        e->opts[e->nopts++] = *o;
}

/*
 * The invisible format controls of the 64 code points blk << 6 .. +63, bit
 * by bit: bidi marks, embeddings and isolates, invisible operators, the
 * deprecated format characters, the BOM, interlinear annotation.  No gap
 * is filled with one: the model may know them (bidi marks abound in Arabic
 * and Hebrew text), but a guess that writes nothing visible and may turn
 * the line around is no repair ("It\u00D7\u00A2\u202C\u2022s" for "It's"
 * garbled twice with '?').  ZWJ and ZWNJ stay: emoji sequences and
 * Persian words need them.
 */
static inline uint64_t invisible_block(uint32_t blk)
{
    switch (blk) {
    case 0x600 >> 6:
        return 1ull << (0x61C & 63);
    case 0x2000 >> 6:   /* U+200E U+200F U+202A..U+202E */
        return 3ull << (0x200E & 63) | 31ull << (0x202A & 63);
    case 0x2040 >> 6:   /* U+2060..U+2064, U+2066..U+206F */
        return 31ull << (0x2060 & 63) | 1023ull << (0x2066 & 63);
    case 0xFEC0 >> 6:
        return 1ull << (0xFEFF & 63);
    case 0xFFC0 >> 6:   /* U+FFF9..U+FFFB */
        return 7ull << (0xFFF9 & 63);
    default:
        return 0;
    }
}

/* The sequence seq[0..len) complete (fill_slots() at slot len), item i
 * next. */
static inline void fill_leaf(struct lossy_env *e, const uint8_t *seq, int len, size_t i,
                             struct option *o)
{
    uint32_t cp = 0;
    e->leaves++;
    if (ub_utf8_decode(seq, (size_t)len, &cp) != len)
        return;
    /* a guessed byte: a character the model has (almost) never seen
     * would hardly win the beam, and would crowd out those that can */
    if (e->strict && o->gap && !ub_lm_known(e->lm, cp))
        return;
    if (o->gap && (invisible_block(cp >> 6) >> (cp & 63) & 1))
        return;
    o->cp = cp;
    o->next = (uint32_t)i;
    add_option(e, o);
}

/*
 * The last slot of a sequence filled with a dropped byte, each of the
 * bytes in m (cont_ok, droppable): what fill_slots() would do at each of
 * these leaves in turn, without visiting them one by one.  Two slots
 * dropped are 32 x 32 leaves under a codec that strips C1 controls, and
 * the strict pass keeps only the characters the model knows, a few in a
 * block of 64: one look-up per block then, not one per leaf.
 */
static void drop_leaves(struct lossy_env *e, const uint8_t *seq, int len, size_t i,
                        int inserted, const struct option *o, uint64_t m)
{
    int slot = len - 1;
    uint32_t blk = seq[0] & (0x7F >> len);
    for (int k = 1; k < slot; k++)
        blk = blk << 6 | (seq[k] & 0x3F);
    int k = __builtin_popcountll(m);
    if (e->strict) {
        /* the leaves the limit leaves room for, the first in order */
        int room = MAX_LEAVES - e->leaves;
        if (room <= 0)
            return;
        for (; k > room; k--)
            m &= ~(1ull << (63 - __builtin_clzll(m)));
        e->leaves += k;
        /* a guessed byte: only characters the model knows (see fill_slots;
         * the BMP's blocks are kept, an astral one is asked bit by bit) */
        uint64_t known = 0;
        if (blk < 0x10000 >> 6)
            known = ub_lm_known_block(e->lm, blk);
        else
            for (uint64_t t = m; t; t &= t - 1)
                known |= (uint64_t)ub_lm_known(e->lm, blk << 6 | (uint32_t)__builtin_ctzll(t))
                         << __builtin_ctzll(t);
        m &= known | (o->gap ? 0 : e->restoremask);
    }
    *e->steps += (uint64_t)k;
    m &= ~invisible_block(blk);
    for (; m && e->nopts < e->max_opts; m &= m - 1) {
        int j = __builtin_ctzll(m);
        struct option *x = &e->opts[e->nopts++];
        *x = *o;
        x->ops[slot] = UB_OP_DROP;
        float dc = drop_cost(e, (uint8_t)(0x80 + j));
        x->cost += inserted && e->loss->cost_drop_again < dc ? e->loss->cost_drop_again : dc;
        x->gap |= !(e->restoremask >> j & 1);
        x->cp = blk << 6 | (uint32_t)j;
        x->next = (uint32_t)i;
    }
}

/*
 * Fill continuation slots [slot, len) of a sequence whose bytes so far are
 * in o (o->ops records what happened to each); item index i is next.
 */
static void fill_slots(struct lossy_env *e, uint8_t *seq, int len, int slot, size_t i,
                       int inserted, struct option *o)
{
    /* add_option() keeps no more than max_opts: once they are there,
     * nothing below can add one (three U+FFFD slots of a codec with many
     * undefined bytes are 60^3 sequences otherwise) */
    if (e->nopts >= e->max_opts || (e->strict && e->leaves >= MAX_LEAVES))
        return;
    (*e->steps)++;
    if (slot == len) {
        fill_leaf(e, seq, len, i, o);
        return;
    }
    const struct item *x = i < e->n ? &e->it[i] : NULL;
    int strict_next = x && x->kind == IT_BYTE && cont_ok(slot, seq[0], x->byte);
    /* consume the next item */
    if (x) {
        struct cand c[257];
        int nc = item_bytes(e, x, 0, c);
        for (int k = 0; k < nc; k++) {
            if (!cont_ok(slot, seq[0], c[k].byte))
                continue;
            seq[slot] = c[k].byte;
            struct option sub = *o;
            sub.ops[slot] = c[k].op;
            sub.cost += c[k].cost;
            sub.gap |= c[k].op == UB_OP_QMARK || c[k].op == UB_OP_FFFD;
            sub.set |= x->kind == IT_SET && x->nset > 1;
            fill_slots(e, seq, len, slot + 1, i + 1, inserted, &sub);
        }
    }
    /* or assume a byte was dropped here: only where the bytes we have
     * cannot complete the sequence, so clean sequences never branch */
    if (inserted < e->loss->max_insert) {
        int strict_ahead = 0;
        for (size_t j = i; j < e->n && strict_ahead < len - slot; j++) {
            if (e->it[j].kind != IT_BYTE || !ub_utf8_is_cont(e->it[j].byte))
                break;
            strict_ahead++;
        }
        if (strict_ahead >= len - slot && strict_next)
            return;
        uint64_t dm = e->dropmask & cont_bits(slot, seq[0]);
        if (slot + 1 == len) {
            drop_leaves(e, seq, len, i, inserted, o, dm);
            return;
        }
        for (; dm; dm &= dm - 1) {
            int b = 0x80 + __builtin_ctzll(dm);
            seq[slot] = (uint8_t)b;
            struct option sub = *o;
            sub.ops[slot] = UB_OP_DROP;
            /* a decoder that dropped one byte of a character drops the
             * next one of it for the same reason: the second costs less */
            float dc = drop_cost(e, (uint8_t)b);
            sub.cost += inserted && e->loss->cost_drop_again < dc ? e->loss->cost_drop_again : dc;
            /* a dropped NBSP or soft hyphen is restored, not guessed */
            sub.gap |= !ub_codec_is_nbsp(e->codec, (uint8_t)b) && !ub_codec_is_shy(e->codec, (uint8_t)b);
            fill_slots(e, seq, len, slot + 1, i, inserted + 1, &sub);
        }
    }
}

static int ascii_upper(uint32_t c)
{
    return c - 'A' < 26u;
}

static int ascii_lower(uint32_t c)
{
    return c - 'a' < 26u;
}

/*
 * Is option o, a letter guessed or restored after the character left, in
 * the other case than the ASCII letters around it, which lost nothing: a small letter between two
 * capitals ("SERàINTERROMPIDA", an NBSP read into the space after "SERÃ",
 * for "SERÁ INTERROMPIDA", its 0x81 dropped), a capital after a small
 * letter?
 */
static int case_odd(const struct lossy_env *e, uint32_t left, const struct option *o)
{
    if (o->cp < 0x80)
        return 0;
    uint32_t right = o->next < e->n ? e->in[o->next] : e->r0;
    if (ascii_lower(left))
        return u_isupper((UChar32)o->cp);
    return ascii_upper(left) && ascii_upper(right) && u_islower((UChar32)o->cp);
}

/* All ways to read one character starting at item p. */
static void expand(struct lossy_env *e, size_t p)
{
    e->nopts = 0;
    if (e->it[p].kind == IT_FOREIGN) {
        /* a character this codec cannot have produced: not part of the
         * mojibake, it passes through */
        struct option o = { 0 };
        o.cp = e->in[p];
        o.next = (uint32_t)p + 1;
        o.cost = e->loss->foreign_cost;
        o.keep = 1;
        add_option(e, &o);
        return;
    }
    if (e->codec == UB_CODEC_LATIN1 && e->it[p].kind == IT_BYTE && e->it[p].byte >= 0x80 &&
        e->it[p].byte < 0xA0 && e->loss->legacy_cost >= 0) {
        /* text mixing UTF-8 and windows-1252 bytes, all read as Latin-1 */
        uint32_t cp = ub_codec_decode(UB_CODEC_CP1252, e->it[p].byte);
        if (!ub_codec_is_lossy(UB_CODEC_CP1252, e->it[p].byte)) {
            struct option o = { 0 };
            o.cp = cp;
            o.next = (uint32_t)p + 1;
            o.cost = e->loss->legacy_cost;
            o.keep = 2;
            add_option(e, &o);
        }
    }
    struct cand c[257];
    int nc = item_bytes(e, &e->it[p], 1, c);
    int n0 = e->nopts, pass = 0;
    e->strict = 0;
    e->leaves = 0;
again:
    for (int k = 0; k < nc; k++) {
        uint8_t b = c[k].byte;
        struct option o = { 0 };
        o.ops[0] = c[k].op;
        o.cost = c[k].cost;
        o.gap = c[k].op == UB_OP_QMARK || c[k].op == UB_OP_FFFD;
        o.set = e->it[p].kind == IT_SET && e->it[p].nset > 1;
        if (b < 0x80) {
            o.cp = b;
            o.next = (uint32_t)p + 1;
            add_option(e, &o);
            continue;
        }
        int len = ub_utf8_seqlen(b);
        if (len < 2)
            continue;
        uint8_t seq[4] = { b };
        fill_slots(e, seq, len, 1, p + 1, 0, &o);
    }
    /* or its lead byte was dropped (the codec has no such byte): the
     * sequence goes on at the continuation byte here */
    const struct item *x = &e->it[p];
    if (e->leadmask && x->kind == IT_BYTE && ub_utf8_is_cont(x->byte)) {
        for (uint64_t lm = e->leadmask; lm; lm &= lm - 1) {
            uint8_t b = (uint8_t)(0xC0 + __builtin_ctzll(lm));
            if (!ub_utf8_second_ok(b, x->byte))
                continue;
            struct option o = { 0 };
            o.ops[0] = UB_OP_DROP;
            o.cost = drop_cost(e, b);
            o.gap = 1;
            uint8_t seq[4] = { b };
            fill_slots(e, seq, ub_utf8_seqlen(b), 1, p, 1, &o);
        }
    }
    if ((pass == 0 && e->lm && e->nopts >= e->max_opts) || (pass == 1 && e->nopts == n0)) {
        /* more than the beam takes (two C1 bytes stripped are 32 x 32
         * characters, and the first in byte order are no likelier): of
         * the guessed ones, only those the model knows -- or, where it
         * knows none, the first ones after all */
        e->strict = ++pass == 1;
        e->leaves = 0;
        e->nopts = n0;
        goto again;
    }
    /* a guessed letter that none of the line's languages writes; a
     * letter guessed or restored (a soft hyphen dropped) that they write
     * less often than all the languages together */
    for (int i = 0; i < e->nopts && e->alpha_get &&
                    !(e->alpha_asked && !e->alpha.alpha && !e->alpha.langs);
         i++) {
        struct option *o = &e->opts[i];
        int guess = o->gap || o->set;
        int a = (guess || o->ops[0] | o->ops[1] | o->ops[2] | o->ops[3]) && o->cp >= 0x80
                    ? ub_alpha_index(o->cp)
                    : -1;
        if (a < 0)
            continue;
        if (!e->alpha_asked) {
            e->alpha = e->alpha_get(e->alpha_arg);
            e->alpha_asked = 1;
            if (!e->alpha.alpha && !e->alpha.langs)
                break;
        }
        if (guess && e->alpha.alpha && !ub_alpha_has(e->alpha.alpha, a))
            o->prior = -ALPHA_COST;
        else if (e->alpha.langs)
            o->prior = -ub_langs_cost_of(e->alpha.langs, o->cp);
    }
    /* a letter guessed or restored in the other case than the letters
     * around it */
    uint32_t left = p ? e->in[p - 1] : e->l1;
    for (int i = 0; (ascii_lower(left) || ascii_upper(left)) && i < e->nopts; i++)
        if ((e->opts[i].gap || e->opts[i].ops[0] | e->opts[i].ops[1] | e->opts[i].ops[2] |
                                   e->opts[i].ops[3]) &&
            case_odd(e, left, &e->opts[i]))
            e->opts[i].prior -= CASE_COST;
    /* the character may also stay as it is (clean text inside the span) */
    if (e->loss->keep_cost >= 0) {
        struct option o = { 0 };
        o.cp = e->in[p];
        o.next = (uint32_t)p + 1;
        o.cost = e->loss->keep_cost;
        o.keep = 1;
        add_option(e, &o);
    }
}

/*
 * Into a beam of *nb states whose worst score is *floor when it is full
 * (-INFINITY before): the same state (the same last two characters) is
 * kept at its best, a full beam loses its worst for a better one.  A state
 * no better than *floor changes nothing, whatever it is.
 */
static void beam_insert(struct bstate *beam, int *nb, double *floor, const struct bstate *s)
{
    int at = -1;
    for (int i = 0; i < *nb && at < 0; i++) {
        if (beam[i].c1 == s->c1 && beam[i].c2 == s->c2) {
            if (!(s->score > beam[i].score))
                return;
            at = i;
        }
    }
    if (at < 0 && *nb < BEAM) {
        beam[(*nb)++] = *s;
    } else {
        if (at < 0) {
            if (!(s->score > *floor))
                return;
            at = 0;
            for (int i = 1; i < BEAM; i++)
                if (beam[i].score < beam[at].score)
                    at = i;
        }
        beam[at] = *s;
    }
    if (*nb == BEAM) {
        double w = beam[0].score;
        for (int i = 1; i < BEAM; i++)
            w = beam[i].score < w ? beam[i].score : w;
        *floor = w;
    }
}

/*
 * The junction as it counts when choosing among readings: only while the
 * text after the run is ASCII.  Non-ASCII text right after a run is
 * usually more of the same mojibake, cut off where the run's span ended
 * ("...Ñ?" | "Ñ‚ÐµÐºÐ»Ð¾"), and is repaired on its own later; read as
 * it is, it would favour whatever reads worst beside mojibake (a literal
 * '?' rather than the character the '?' stands for).
 */
static size_t ascii_right(const uint32_t *right, size_t nright)
{
    size_t k = 0;
    while (k < nright && right[k] < 0x80)
        k++;
    return k;
}

/* Posterior of the alternatives for the gap character at output index k. */
static void gap_alternatives(struct lossy_env *e, const ub_lm *lm, const ub_lchar *chars,
                             size_t nchars, size_t k, size_t item, uint32_t l2, uint32_t l1,
                             const uint32_t *right, size_t nright, ub_gapalt *g)
{
    uint32_t c1 = k >= 1 ? chars[k - 1].cp : l1;
    uint32_t c2 = k >= 2 ? chars[k - 2].cp : k == 1 ? l1 : l2;
    uint32_t after[2];
    size_t na = 0;
    for (size_t j = k + 1; j < nchars && na < 2; j++)
        after[na++] = chars[j].cp;
    for (size_t j = 0; j < ascii_right(right, nright) && na < 2; j++)
        after[na++] = right[j];

    expand(e, item);
    /* the option chosen decides which item comes next; compare only
     * alternatives that consume the same items */
    uint32_t next = 0;
    for (int i = 0; i < e->nopts; i++)
        if (e->opts[i].cp == chars[k].cp)
            next = e->opts[i].next;
    double sc[UB_MAX_ALTS];
    ub_lm_cache_entry *lc = ub_lm_cache_for(lm);
    g->index = k;
    g->nalt = 0;
    for (int i = 0; i < e->nopts; i++) {
        const struct option *o = &e->opts[i];
        if (o->next != next || o->keep)
            continue;
        int dup = 0;
        for (int j = 0; j < g->nalt; j++)
            dup |= g->alt[j].cp == o->cp;
        if (dup)
            continue;
        double s = ub_lm_logp_in(lc, lm, c2, c1, o->cp) - o->cost + o->prior;
        s += ub_lm_junction(lm, c1, o->cp, after, na);
        int slot = g->nalt < UB_MAX_ALTS ? g->nalt++ : -1;
        if (slot < 0) {
            /* full: the worst goes, but never the chosen one, which is
             * listed whatever the others score (alt[0], see reverse.h) */
            for (int j = 0; j < UB_MAX_ALTS; j++)
                if (g->alt[j].cp != chars[k].cp && (slot < 0 || sc[j] < sc[slot]))
                    slot = j;
            if (o->cp != chars[k].cp && s <= sc[slot])
                continue;
        }
        sc[slot] = s;
        g->alt[slot].cp = o->cp;
    }
    double mx = -INFINITY, z = 0;
    for (int j = 0; j < g->nalt; j++)
        mx = sc[j] > mx ? sc[j] : mx;
    for (int j = 0; j < g->nalt; j++)
        z += exp(sc[j] - mx);
    for (int j = 0; j < g->nalt; j++)
        g->alt[j].p = (float)(exp(sc[j] - mx) / z);
    /* sort by probability, chosen first */
    for (int a = 0; a < g->nalt; a++)
        for (int b = a + 1; b < g->nalt; b++) {
            int swap = g->alt[b].cp == chars[k].cp ||
                       (g->alt[a].cp != chars[k].cp && g->alt[b].p > g->alt[a].p);
            if (swap) {
                ub_alt t = g->alt[a];
                g->alt[a] = g->alt[b];
                g->alt[b] = t;
            }
        }
}

/* Keep what ub_reverse_lossy_gaps() needs to describe the ngap gaps of the
 * result whose best state is best (e as the search ended). */
static void leave_gaps(ub_beam_scratch *s, const struct lossy_env *e, size_t ngap, int32_t best,
                       uint32_t l2, uint32_t l1, const uint32_t *right, size_t nright)
{
    s->gap_pending = ngap;
    if (!ngap)
        return;
    s->genv = *e;
    /* (the alternatives weigh the priors the search did, with the
     * answer it had; where it asked for none, it needed none) */
    if (!e->alpha_asked)
        s->genv.alpha_get = NULL;
    s->gloss = *e->loss;
    s->genv.loss = &s->gloss;
    s->gbest = best;
    s->gl2 = l2;
    s->gl1 = l1;
    s->gnright = nright < 2 ? nright : 2;
    for (size_t i = 0; i < s->gnright; i++)
        s->gright[i] = right[i];
}

int ub_reverse_lossy_gaps(ub_beam_scratch *s, const ub_lm *lm, ub_lossy_result *res)
{
    if (s->gap_memo && s->gap_pending) {
        /* the result came from a memo: the search once more (the same
         * characters, in the same place: res->chars stays valid) */
        const struct memo *m = &s->memo[s->gap_memo - 1];
        ub_lossy_result again;
        s->gap_memo = 0;
        if (memo_search(s, m, lm, &again))
            return -1;
    }
    size_t ngap = s->gap_pending, len = res->nchars;
    s->gap_pending = 0;
    if (!ngap)
        return 0;
    if (ub_reserve((void **)&s->gaps, &s->gaps_cap, ngap, sizeof *s->gaps) ||
        ub_reserve((void **)&s->items_of, &s->items_of_cap, len, sizeof *s->items_of))
        return -1;
    size_t k = len;
    for (int32_t h = s->gbest; h >= 0; h = s->hist[h].prev)
        s->items_of[--k] = s->hist[h].item;
    res->ngaps = 0;
    for (size_t i = 0; i < len; i++)
        if (res->chars[i].gap)
            gap_alternatives(&s->genv, lm, res->chars, len, i, s->items_of[i], s->gl2, s->gl1,
                             s->gright, s->gnright, &s->gaps[res->ngaps++]);
    res->gaps = s->gaps;
    return 0;
}

/*
 * The beam search proper under e's policy: the best state's history index
 * in *best and its score (LM, junction and loss costs) in *best_sc.
 * Returns 0, 1 when no reading of the run exists, or -1 (out of memory).
 */
static int beam(struct lossy_env *e, ub_beam_scratch *s, const ub_lm *lm, uint32_t l2,
                uint32_t l1, const uint32_t *right, size_t nright, int32_t *best,
                double *best_sc, double *best_prior)
{
    size_t n = e->n;
    struct bstate ring[RING][BEAM];
    int nring[RING] = { 0 };
    double floor[RING];
    for (int r = 0; r < RING; r++)
        floor[r] = -INFINITY;
    s->hist_len = 0;
    ring[0][0] = (struct bstate){ 0, 0, l2, l1, -1 };
    nring[0] = 1;
    /* where the span ends in a sequence the outer layer cut short (text
     * garbled twice), the last character's readings meet the text after
     * the span as they enter the beam, not after it chose (see below;
     * not for one layer, where a span that ends in a lead byte is mostly
     * a clean letter read under a codec that has it among its leads,
     * and the junction with every reading of its continuations costs
     * 0.7% more instructions on clean multilingual text) */
    int early = 0;
    if (n) {
        const struct item *x = &e->it[n - 1];
        early = x->kind == IT_SET;
    }
    ub_lm_cache_entry *lc = ub_lm_cache_for(lm);
    for (size_t p = 0; p < n; p++) {
        int r = (int)(p % RING);
        if (!nring[r])
            continue;
        expand(e, p);
        for (int si = 0; si < nring[r]; si++) {
            const struct bstate *st = &ring[r][si];
            ub_lm_context lx = ub_lm_context_of(st->c2, st->c1);
            for (int oi = 0; oi < e->nopts; oi++) {
                const struct option *o = &e->opts[oi];
                /* (o->next % RING: the option ends 0..4 items after p) */
                int q = r + (int)(o->next - p);
                q -= q >= RING ? RING : 0;
                (*e->steps)++;
                /* log P <= 0 (and a prior): a state that cannot beat the
                 * worst of a full beam even with the likeliest character
                 * is not scored (the beam would not take it), nor kept in
                 * the history */
                if (st->score - o->cost <= floor[q])
                    continue;
                struct bstate ns;
                float lp = ub_lm_logp_ctx(lc, lm, &lx, o->cp);
                ns.score = st->score + lp - o->cost;
                /* (a reading that ends the span meets the text after it
                 * here, not after the beam chose: a character guessed
                 * last is chosen by what follows as much as by what
                 * precedes it -- "Özgür", not "Øzgür", whose "Ø" reads
                 * better after ", " alone) */
                if (early && o->next == n && ns.score > floor[q])
                    ns.score += ub_lm_junction(lm, st->c1, o->cp, right, nright);
                ns.prior = st->prior;
                if (o->prior) {
                    ns.score += o->prior;
                    ns.prior += o->prior;
                }
                if (ns.score <= floor[q])
                    continue;
                if (ub_reserve((void **)&s->hist, &s->hist_cap, s->hist_len + 1, sizeof *s->hist))
                    return -1;
                ns.c2 = st->c1;
                ns.c1 = o->cp;
                ns.hist = (int32_t)s->hist_len;
                struct hrec *h = &s->hist[s->hist_len++];
                h->prev = st->hist;
                h->item = (uint32_t)p;
                h->ch.cp = o->cp;
                h->ch.keep = o->keep;
                h->ch.gap = o->gap;
                h->ch.guess = o->set;
                memcpy(h->ch.ops, o->ops, 4);
                beam_insert(ring[q], &nring[q], &floor[q], &ns);
            }
        }
        nring[r] = 0;
        floor[r] = -INFINITY;
    }
    int rn = (int)(n % RING);
    if (!nring[rn])
        return 1;
    *best_sc = -INFINITY;
    for (int i = 0; i < nring[rn]; i++) {
        const struct bstate *st = &ring[rn][i];
        double sc = st->score + (early ? 0 : ub_lm_junction(lm, st->c2, st->c1, right, nright));
        if (sc > *best_sc) {
            *best_sc = sc;
            *best = st->hist;
            *best_prior = st->prior;
        }
    }
    return 0;
}

/*
 * The policies a run's markers allow.  A decoder treats every byte it
 * cannot read alike -- drops it, writes '?' or writes U+FFFD -- and one
 * that passed such a byte through lost none, so a reading that mixes
 * them explains the run worse than it seems to: "с?амое" (a byte dropped,
 * then a literal '?') beside "самое" (the '?' standing for the byte).
 * Soft hyphens, NBSPs and NBSPs turned into spaces are separate losses
 * and allowed under every policy.
 */
static int policies(const struct lossy_env *e, uint32_t out[3])
{
    int sub = 0, q = 0, pass = 0;
    for (size_t i = 0; i < e->n; i++) {
        const struct item *x = &e->it[i];
        sub |= x->kind == IT_SUB;
        q |= x->kind == IT_Q;
        pass |= x->kind == IT_BYTE && x->byte != 0xA0 && x->byte != 0xAD &&
                ub_codec_is_lossy(e->codec, x->byte);
    }
    int k = 0;
    if (pass) {
        /* the decoder passed one through: it lost none of them (a '?' or
         * U+FFFD in the run was there before, or is another loss) */
        out[k++] = 0;
    } else if (sub) {
        out[k++] = 1u << UB_OP_FFFD;
    } else {
        if (q)
            out[k++] = 1u << UB_OP_QMARK;
        out[k++] = 1u << UB_OP_DROP;
    }
    return k;
}

/* The items of in[0..n) under codec, into s->items: -1 when out of
 * memory. */
static int read_items(ub_beam_scratch *s, const uint32_t *in, size_t n, int codec)
{
    if (ub_reserve((void **)&s->items, &s->items_cap, n + 1, sizeof *s->items))
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct item *x = &s->items[i];
        if (in[i] == 0xFFFD) {
            x->kind = IT_SUB;
        } else if (in[i] == '?') {
            x->kind = IT_Q;
        } else if (in[i] == ' ') {
            x->kind = IT_SP;
        } else {
            int b = ub_codec_encode(codec, in[i]);
            x->kind = b < 0 ? IT_FOREIGN : IT_BYTE;
            x->byte = (uint8_t)(b < 0 ? 0 : b);
        }
    }
    return 0;
}

/* ub_reverse_lossy() itself; returns 1 (no reading) or -1 (out of memory)
 * apart. */
static int lossy_search(ub_beam_scratch *s, const uint32_t *in, size_t n, int codec,
                        const ub_lossmodel *loss, const ub_lm *lm, uint32_t l2, uint32_t l1,
                        const uint32_t *right, size_t nright, const uint32_t *ahead,
                        size_t nahead, ub_lossy_result *res, uint64_t *steps)
{
    /* what chooses the reading at its end */
    const uint32_t *sel = ahead ? ahead : right;
    size_t nsel = ahead ? nahead : ascii_right(right, nright);
    s->gap_pending = 0;
    if (read_items(s, in, n, codec))
        return -1;
    struct lossy_env e = lossy_env_of(s->items, n, codec, loss, in, s->opts, steps, NULL, MAX_OPTS);
    e.lm = lm;
    e.alpha_get = s->alpha_get;
    e.alpha_arg = s->alpha_arg;
    e.l1 = l1;
    e.r0 = nright ? right[0] : 0;
    note_nbsp_kept(&e);
    uint32_t pol[3];
    int npol = policies(&e, pol), best_pol = -1;
    int32_t best_h = -1;
    double best_sc = -INFINITY, best_prior = 0;
    for (int k = 0; k < npol; k++) {
        int32_t h;
        double sc, prior = 0;
        set_policy(&e, pol[k]);
        int rc = beam(&e, s, lm, l2, l1, sel, nsel, &h, &sc, &prior);
        if (rc < 0)
            return -1;
        if (!rc && (best_pol < 0 || sc > best_sc)) {
            best_pol = k;
            best_h = h;
            best_sc = sc;
            best_prior = prior;
        }
    }
    if (best_pol < 0)
        return 1;
    set_policy(&e, pol[best_pol]);
    if (best_pol != npol - 1 &&
        beam(&e, s, lm, l2, l1, sel, nsel, &best_h, &best_sc, &best_prior))
        return -1;      /* the history kept is the last policy's */
    /* walk back the history of the best state */
    size_t len = 0;
    for (int32_t h = best_h; h >= 0; h = s->hist[h].prev)
        len++;
    if (ub_reserve((void **)&s->chars, &s->chars_cap, len + 1, sizeof *s->chars))
        return -1;
    size_t k = len;
    res->ops_used = 0;
    res->nkeep = 0;
    res->nlegacy = 0;
    res->cost = 0;
    size_t ngap = 0;
    for (int32_t h = best_h; h >= 0; h = s->hist[h].prev) {
        s->chars[--k] = s->hist[h].ch;
        ngap += s->hist[h].ch.gap;
    }
    double lmsc = 0;
    uint32_t c2 = l2, c1 = l1;
    ub_lm_cache_entry *lc = ub_lm_cache_for(lm);
    for (size_t i = 0; i < len; i++) {
        const ub_lchar *ch = &s->chars[i];
        int nb = ch->keep ? 0 : ub_utf8_len(ch->cp);
        for (int j = 0; j < nb; j++)
            res->ops_used |= 1u << ch->ops[j];
        res->nkeep += ch->keep == 1;
        res->nlegacy += ch->keep == 2;
        lmsc += ub_lm_logp_in(lc, lm, c2, c1, ch->cp);
        c2 = c1;
        c1 = ch->cp;
    }
    /* best_sc counted the junction with sel */
    double jsel = ub_lm_junction(lm, c2, c1, sel, nsel);
    res->ops_used &= ~(1u << UB_OP_NONE);
    res->chars = s->chars;
    res->nchars = len;
    res->lm = lmsc + ub_lm_junction(lm, c2, c1, right, nright);
    /* (the priors chose the reading, the model alone prices it) */
    res->cost = lmsc + jsel - (best_sc - best_prior);
    res->ngaps = 0;
    res->gaps = NULL;
    leave_gaps(s, &e, ngap, best_h, l2, l1, right, nright);
    return 0;
}

/* ------------------------------------------------------------ memos */

enum { KEY_HEAD = 8 + sizeof(ub_lossmodel) / 4 + 2 };
_Static_assert(sizeof(ub_lossmodel) % 4 == 0, "the loss model is words");

/* The inputs of a search as words at mkey + nmkey (not yet kept); returns
 * their number, 0 when out of memory. */
static size_t memo_key(ub_beam_scratch *s, const uint32_t *in, size_t n, int codec,
                       const ub_lossmodel *loss, const ub_lm *lm, uint32_t l2, uint32_t l1,
                       const uint32_t *right, size_t nright, const uint32_t *ahead, size_t nahead)
{
    size_t nk = KEY_HEAD + nright + (ahead ? nahead : 0) + n;
    if (ub_reserve((void **)&s->mkey, &s->mkey_cap, s->nmkey + nk, sizeof *s->mkey))
        return 0;
    uint32_t *k = s->mkey + s->nmkey;
    uintptr_t lp = (uintptr_t)lm;
    k[0] = (uint32_t)n;
    k[1] = (uint32_t)codec;
    k[2] = l2;
    k[3] = l1;
    k[4] = (uint32_t)nright;
    k[5] = ahead != NULL;
    k[6] = (uint32_t)(ahead ? nahead : 0);
    /* (the line's alphabets, where the search may ask for them, are the
     * same throughout a segment for a codec and tag: the memos are
     * forgotten at each) */
    k[7] = s->alpha_get ? 1 + s->alpha_tag : 0;
    memcpy(k + 8, loss, sizeof *loss);
    k[KEY_HEAD - 2] = (uint32_t)lp;
    k[KEY_HEAD - 1] = (uint32_t)((uint64_t)lp >> 32);
    size_t at = KEY_HEAD;
    if (nright)
        memcpy(k + at, right, nright * sizeof *right);
    at += nright;
    if (ahead && nahead)
        memcpy(k + at, ahead, nahead * sizeof *ahead);
    at += ahead ? nahead : 0;
    if (n)
        memcpy(k + at, in, n * sizeof *in);
    return nk;
}

static uint64_t key_hash(const uint32_t *k, size_t nk)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ nk;
    for (size_t i = 0; i < nk; i++)
        h = (h ^ k[i]) * 0x100000001B3ull;
    return h ^ h >> 29;
}

void ub_reverse_lossy_forget(ub_beam_scratch *s)
{
    s->nmemo = s->nmkey = s->nmch = 0;
    s->gap_memo = 0;
    s->mgen++;
}

/* Keep the search whose key is at mkey + nmkey (nk words) and what it
 * found (rc: 0 or 1).  Out of memory it is simply not kept. */
static void memo_add(ub_beam_scratch *s, uint64_t h, size_t nk, int rc,
                     const ub_lossy_result *res, uint64_t steps)
{
    if (s->nmemo >= MEMO_MAX || s->nmkey > MEMO_WORDS) {
        /* (the key, at the end of mkey, moves to its start) */
        memmove(s->mkey, s->mkey + s->nmkey, nk * sizeof *s->mkey);
        ub_reverse_lossy_forget(s);
    }
    size_t nc = rc ? 0 : res->nchars;
    if (ub_reserve((void **)&s->memo, &s->memo_cap, s->nmemo + 1, sizeof *s->memo) ||
        ub_reserve((void **)&s->mch, &s->mch_cap, s->nmch + nc, sizeof *s->mch))
        return;
    struct memo *m = &s->memo[s->nmemo];
    *m = (struct memo){ .hash = h, .key0 = s->nmkey, .nkey = nk, .ch0 = s->nmch,
                        .found = !rc, .steps = steps };
    if (!rc) {
        m->nchars = res->nchars;
        m->ngap = s->gap_pending;
        m->ops_used = res->ops_used;
        m->nkeep = res->nkeep;
        m->nlegacy = res->nlegacy;
        m->lm = res->lm;
        m->cost = res->cost;
        memcpy(s->mch + s->nmch, res->chars, nc * sizeof *s->mch);
    }
    s->nmkey += nk;
    s->nmch += nc;
    struct mslot *sl = &s->mslot[h % MEMO_SLOTS];
    sl->gen = s->mgen;
    sl->memo = (uint32_t)s->nmemo++;
}

/* The memo of the search whose key is at mkey + nmkey, or NULL. */
static const struct memo *memo_find(const ub_beam_scratch *s, uint64_t h, size_t nk)
{
    const struct mslot *sl = &s->mslot[h % MEMO_SLOTS];
    if (sl->gen != s->mgen || sl->memo >= s->nmemo)
        return NULL;
    const struct memo *m = &s->memo[sl->memo];
    if (m->hash != h || m->nkey != nk ||
        memcmp(s->mkey + m->key0, s->mkey + s->nmkey, nk * sizeof *s->mkey))
        return NULL;
    return m;
}

/* ub_reverse_lossy() once more, from the key of memo m. */
static int memo_search(ub_beam_scratch *s, const struct memo *m, const ub_lm *lm,
                       ub_lossy_result *res)
{
    const uint32_t *k = s->mkey + m->key0;
    ub_lossmodel loss;
    memcpy(&loss, k + 8, sizeof loss);
    size_t n = k[0], nright = k[4], nahead = k[6];
    const uint32_t *right = k + KEY_HEAD, *ahead = right + nright, *in = ahead + nahead;
    return lossy_search(s, in, n, (int)k[1], &loss, lm, k[2], k[3], right, nright,
                        k[5] ? ahead : NULL, nahead, res, &s->memo_steps);
}

int ub_reverse_lossy(ub_beam_scratch *s, const uint32_t *in, size_t n, int codec,
                     const ub_lossmodel *loss, const ub_lm *lm, uint32_t l2, uint32_t l1,
                     const uint32_t *right, size_t nright, const uint32_t *ahead,
                     size_t nahead, ub_lossy_result *res, uint64_t *steps)
{
    s->gap_memo = 0;
    size_t nk = memo_key(s, in, n, codec, loss, lm, l2, l1, right, nright, ahead, nahead);
    if (!nk)
        return -1;
    uint64_t h = key_hash(s->mkey + s->nmkey, nk);
    const struct memo *m = memo_find(s, h, nk);
    if (m) {
        s->gap_pending = 0;
        *steps += m->steps;
        if (!m->found)
            return -1;
        if (ub_reserve((void **)&s->chars, &s->chars_cap, m->nchars + 1, sizeof *s->chars))
            return -1;
        memcpy(s->chars, s->mch + m->ch0, m->nchars * sizeof *s->chars);
        *res = (ub_lossy_result){ .chars = s->chars, .nchars = m->nchars,
                                  .ops_used = m->ops_used, .nkeep = m->nkeep,
                                  .nlegacy = m->nlegacy, .lm = m->lm, .cost = m->cost };
        /* (the gaps need the search as it ended: ub_reverse_lossy_gaps()
         * runs it again if asked) */
        s->gap_pending = m->ngap;
        s->gap_memo = m->ngap ? (size_t)(m - s->memo) + 1 : 0;
        return 0;
    }
    uint64_t steps0 = *steps;
    int rc = lossy_search(s, in, n, codec, loss, lm, l2, l1, right, nright, ahead, nahead, res,
                          steps);
    if (rc < 0)
        return -1;
    memo_add(s, h, nk, rc, res, *steps - steps0);
    return rc ? -1 : 0;
}

/*
 * Could fill_slots() complete the sequence of lead seq0 from slot on, item
 * i next, inserted bytes dropped so far?  The same choices, without the
 * options (and without its bounds, which only ever leave some out): which
 * byte a drop stands for matters only through cont_ok(), so each slot
 * tries one.
 */
static int can_fill(const struct lossy_env *e, uint8_t seq0, int len, int slot, size_t i,
                    int inserted)
{
    if (slot == len)
        return 1;
    if (i < e->n) {
        const struct item *x = &e->it[i];
        int b = x->kind == IT_BYTE ? x->byte : x->kind == IT_SP ? space_byte(e) : -1;
        /* (IT_Q and IT_SUB are not looked at: see below) */
        if (b >= 0 && cont_ok(slot, seq0, (uint8_t)b) &&
            can_fill(e, seq0, len, slot + 1, i + 1, inserted))
            return 1;
    }
    if (inserted < e->loss->max_insert)
        for (uint64_t dm = e->dropmask; dm; dm &= dm - 1)
            if (cont_ok(slot, seq0, (uint8_t)(0x80 + __builtin_ctzll(dm))))
                return can_fill(e, seq0, len, slot + 1, i, inserted + 1);
    return 0;
}

int ub_reverse_lossy_as_is(ub_beam_scratch *s, const uint32_t *in, size_t n, int codec,
                           const ub_lossmodel *loss)
{
    if (loss->keep_cost < 0 || read_items(s, in, n, codec))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s->items[i].kind == IT_SUB || s->items[i].kind == IT_Q)
            return 0;   /* (markers: left to the search) */
    /* as ub_reverse_lossy() sets them up */
    uint64_t steps = 0;
    struct lossy_env e = lossy_env_of(s->items, n, codec, loss, in, s->opts, &steps, NULL, MAX_OPTS);
    note_nbsp_kept(&e);
    uint32_t pol[3];
    int npol = policies(&e, pol);
    for (int k = 0; k < npol; k++) {
        set_policy(&e, pol[k]);
        /* what expand() offers at each item besides keeping it (a space
         * read as a space; an NBSP alone is no character) */
        for (size_t p = 0; p < n; p++) {
            const struct item *x = &e.it[p];
            if (x->kind != IT_BYTE)
                continue;
            uint8_t b = x->byte;
            if (b < 0x80) {
                if (in[p] != b)
                    return 0;
                continue;
            }
            if (codec == UB_CODEC_LATIN1 && b < 0xA0 && loss->legacy_cost >= 0)
                return 0;
            int len = ub_utf8_seqlen(b);
            if (len >= 2 && can_fill(&e, b, len, 1, p + 1, 0))
                return 0;
            if (e.leadmask && ub_utf8_is_cont(b))
                return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------ two layers */

/*
 * Candidates for an outer sequence cut short: lead byte seq[0] and the
 * have - 1 continuations that survived in seq[1..have), of a sequence of
 * len bytes.  The outer decoder dropped the bytes its codec cannot read,
 * all of them and nothing else.  A candidate is a character the inner
 * decoder writes whose UTF-8 has exactly those bytes where the outer codec
 * can read them (the inner codec has at most 128 such characters: far
 * fewer than the ways to fill two gaps).  Appends to s->sets; returns the
 * number added, or -1.
 */
static int cut_candidates(ub_beam_scratch *s, const struct lossy_env *eo, int inner,
                          const uint8_t *seq, int have, int len)
{
    int added = 0;
    for (int ib = 0x80; ib < 0x100; ib++) {
        (*eo->steps)++;
        if (ub_codec_is_lossy(inner, (uint8_t)ib))
            continue;       /* the inner decoder does not write it */
        uint32_t cp = ub_codec_decode(inner, (uint8_t)ib);
        uint8_t u[4];
        if (ub_utf8_encode(cp, u) != len || u[0] != seq[0])
            continue;
        float cost = 0;
        int k = 1, ok = 1;
        for (int j = 1; j < len && ok; j++) {
            if (ub_codec_is_lossy(eo->codec, u[j]))
                cost += drop_cost(eo, u[j]);
            else
                ok = k < have && u[j] == seq[k++];
        }
        if (!ok || k != have)
            continue;
        if (ub_reserve((void **)&s->sets, &s->sets_cap, s->sets_len + 1, sizeof *s->sets))
            return -1;
        struct setc *c = &s->sets[s->sets_len++];
        c->cp = cp;
        c->byte = (uint8_t)ib;
        c->cost = cost;
        added++;
    }
    return added;
}

/* The lead lengths (bit l) and continuation role (bit 0) an item can take. */
static unsigned roles(const struct item *x, const struct setc *sets)
{
    unsigned r = 0, nb = x->kind == IT_SET ? x->nset : 1;
    for (unsigned j = 0; j < nb; j++) {
        uint8_t b = x->kind == IT_SET ? sets[x->set0 + j].byte : x->byte;
        r |= ub_utf8_is_cont(b) ? 1u : 1u << ub_utf8_seqlen(b);
    }
    return r;
}

/*
 * Can the intermediate text it[0..m) be UTF-8 at all: does some lead in
 * it have the continuations a sequence needs after it?  (Not that whole
 * sequences outnumber broken ones: the inner decoder dropped bytes too,
 * so Chinese garbled twice through windows-1257 leaves two broken
 * sequences for every whole one in a short run, and that test turned
 * 40% of them away; their repairs must still read better than one layer
 * by the layer's cost.)
 */
static int inner_plausible(const struct item *it, size_t m, const struct setc *sets)
{
    int need = 0;
    for (size_t i = 0; i < m; i++) {
        unsigned r = roles(&it[i], sets);
        if (need && (r & 1)) {
            if (--need == 0)
                return 1;
            continue;
        }
        need = 0;
        if (!(r & 0x1C))
            continue;
        /* the longest sequence the continuations after it complete, else
         * the shortest it can start */
        int ahead = 0;
        for (size_t j = i + 1; j < m && ahead < 3 && (roles(&it[j], sets) & 1); j++)
            ahead++;
        int len = 0;
        for (int l = 2; l <= 4; l++)
            if (r >> l & 1 && (l - 1 <= ahead || !len))
                len = l;
        need = len - 1;
    }
    return 0;
}

int ub_reverse_lossy2(ub_beam_scratch *s, const uint32_t *in, size_t n, int outer, int inner,
                      const ub_lossmodel *loss, const ub_lm *lm, uint32_t l2, uint32_t l1,
                      const uint32_t *right, size_t nright, ub_lossy_result *res,
                      uint64_t *steps)
{
    s->gap_pending = 0;
    s->gap_memo = 0;
    /* a decoder that drops all of 0x80..0x9F loses so many bytes of text
     * garbled twice that pricing each drop as a rare guess would favour
     * any codec with fewer undefined bytes, however badly its reading
     * reads: here a C1 control is dropped at the cost of any other byte */
    ub_lossmodel l2m = *loss;
    l2m.cost_drop_c1 = l2m.cost[UB_OP_DROP];
    struct lossy_env eo = lossy_env_of(NULL, 0, outer, &l2m, in, s->opts, steps, NULL, MAX_OPTS);
    set_policy(&eo, 1u << UB_OP_DROP);
    if (ub_reserve((void **)&s->items2, &s->items2_cap, n + 1, sizeof *s->items2) ||
        ub_reserve((void **)&s->defs, &s->defs_cap, n + 1, sizeof *s->defs))
        return -1;
    s->sets_len = 0;

    enum { NCACHE = 16 };
    struct setcache {
        uint32_t key, set0;
        uint16_t nset;
    } cache[NCACHE] = { { 0, 0, 0 } };

    /* 1. the outer layer, read as UTF-8: whole sequences give the
     * intermediate characters, sequences cut short sets of them */
    size_t m = 0, nsets = 0;
    for (size_t i = 0; i < n; ) {
        struct item *x = &s->items2[m];
        x->nset = 0;
        x->set0 = 0;
        uint32_t cp = in[i];
        int b = cp < 0x80 ? (int)cp : ub_codec_encode(outer, cp);
        if (b < 0)
            return -1;      /* the outer codec cannot have produced it */
        uint8_t seq[4] = { (uint8_t)b };
        int len = b < 0x80 ? 1 : ub_utf8_seqlen((uint8_t)b), have = 1;
        if (!len)
            return -1;      /* a continuation without its lead */
        size_t j = i + 1;
        while (have < len && j < n) {
            int c = in[j] < 0x80 ? -1 : ub_codec_encode(outer, in[j]);
            if (c < 0 || !ub_utf8_is_cont((uint8_t)c))
                break;
            seq[have++] = (uint8_t)c;
            j++;
        }
        (*steps)++;
        if (have == len) {
            uint32_t t1;
            if (ub_utf8_decode(seq, (size_t)len, &t1) != len)
                return -1;
            int ib = t1 < 0x80 ? (int)t1 : ub_codec_encode(inner, t1);
            if (ib < 0)
                return -1;  /* the inner decoder cannot have produced it */
            x->kind = IT_BYTE;
            x->byte = (uint8_t)ib;
            s->defs[m] = t1;
        } else {
            if (len - have > loss->max_insert)
                return -1;
            /* the same cut sequence has the same candidates: share them */
            uint32_t key = (uint32_t)seq[0] | (uint32_t)(have > 1 ? seq[1] : 0) << 8 |
                           (uint32_t)(have > 2 ? seq[2] : 0) << 16 | (uint32_t)have << 24 |
                           (uint32_t)len << 28;
            struct setcache *sc = &cache[(key ^ key >> 11) & (NCACHE - 1)];
            if (!sc->nset || sc->key != key) {
                size_t at = s->sets_len;
                int k = cut_candidates(s, &eo, inner, seq, have, len);
                if (k < 0)
                    return -1;
                if (!k)
                    return -1;  /* nothing the inner decoder can have made */
                *sc = (struct setcache){ key, (uint32_t)at, (uint16_t)k };
            }
            x->kind = IT_SET;
            x->set0 = sc->set0;
            x->nset = sc->nset;
            s->defs[m] = 0;
            nsets++;
        }
        m++;
        i = j;
    }
    if (!loss->inner_lent && !inner_plausible(s->items2, m, s->sets))
        return -1;

    /* 2. the inner layer: the beam over the intermediate text, where a set
     * is read as whichever of its bytes reads best */
    l2m.keep_cost = -1;
    l2m.legacy_cost = -1;
    struct lossy_env e = lossy_env_of(s->items2, m, inner, &l2m, s->defs, s->opts, steps, s->sets,
                                      MAX_OPTS2);
    e.alpha_get = s->alpha_get;
    e.alpha_arg = s->alpha_arg;
    uint32_t pol[3];
    policies(&e, pol);
    set_policy(&e, pol[0]);
    int32_t best_h = -1;
    double best_sc, best_prior = 0;
    if (beam(&e, s, lm, l2, l1, right, ascii_right(right, nright), &best_h, &best_sc,
             &best_prior))
        return -1;

    /* the final text; its characters must read exactly the items */
    size_t len = 0;
    for (int32_t h = best_h; h >= 0; h = s->hist[h].prev)
        len++;
    if (ub_reserve((void **)&s->chars, &s->chars_cap, len + 1, sizeof *s->chars))
        return -1;
    size_t k = len;
    for (int32_t h = best_h; h >= 0; h = s->hist[h].prev)
        s->chars[--k] = s->hist[h].ch;
    size_t it = 0, ngap = 0;
    double lmsc = 0;
    uint32_t c2 = l2, c1 = l1;
    ub_lm_cache_entry *lc = ub_lm_cache_for(lm);
    res->ops_used = nsets ? 1u << UB_OP_DROP : 0;
    for (size_t i = 0; i < len; i++) {
        const ub_lchar *ch = &s->chars[i];
        uint8_t u[4];
        int nb = ub_utf8_encode(ch->cp, u);
        for (int j = 0; j < nb; j++) {
            it += ch->ops[j] != UB_OP_DROP;
            res->ops_used |= 1u << ch->ops[j];
        }
        ngap += ch->gap;
        lmsc += ub_lm_logp_in(lc, lm, c2, c1, ch->cp);
        c2 = c1;
        c1 = ch->cp;
    }
    if (it != m)
        return -1;
    res->ops_used &= ~(1u << UB_OP_NONE);
    if (!res->ops_used)
        return -1;      /* lossless twice: not this search's */
    /* the costs of both layers' losses (the sets' are in the beam's) */
    res->cost = lmsc + ub_lm_junction(lm, c2, c1, right, ascii_right(right, nright)) -
                (best_sc - best_prior);
    res->lm = lmsc + ub_lm_junction(lm, c2, c1, right, nright);
    res->nkeep = 0;
    res->nlegacy = 0;
    res->chars = s->chars;
    res->nchars = len;
    res->outer_drop = nsets > 0;
    res->gaps = NULL;
    res->ngaps = 0;
    /* the alternatives of each gap of the inner layer, as in one layer */
    leave_gaps(s, &e, ngap, best_h, l2, l1, right, nright);
    return 0;
}
