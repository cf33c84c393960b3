/*
 * mbcs_lossy_beam.c -- the beam search that reverses one lossy multibyte
 * decode convention over a run (mbcs_lossy.h), and the forward check of
 * what it finds.
 *
 * Why a beam over the run's characters and not over bytes: every character
 * of the run is one step of the wrong decoder, so all hypotheses at step i
 * have explained the same input and compare fairly; within a step the
 * bytes are pushed one at a time through a UTF-8 reader.  Unknown bytes
 * stay wildcards until the character they belong to is complete, because
 * only then can the language model score them, and only the candidates
 * that fit the known bytes and the decoder constraints are scored.
 *
 * Why the decoder constraint matters: GBK, Shift_JIS and cp949 decode
 * almost every pair of UTF-8 bytes, so "these bytes were undecodable" rules
 * out nearly every fill; the few that remain are what the model chooses
 * among.  What a decoder does at a byte is ub_mbcs_dec_at()
 * (mbcs_lossy_conv.c), from tables enumerated from ICU itself.
 *
 * What keeps it affordable, without changing what it finds: the fills
 * that pass the constraints are found once per pattern and shared by the
 * states (fills_for()), and ranked once per context (rank_memo()); a fill
 * the next byte turns down at once is not tried (doomed()); a pushed byte
 * rechecks only the error tokens that read it (resolve_new()); and a state
 * that can no longer make the beam is dropped as soon as that is known
 * (witness()).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mbcs_lossy_int.h"
#include "mbcs_lossy_tab.h"
#include "mem.h"
#include "utf8.h"

/* ------------------------------------------------------------ tuning */

#define BEAM 48             /* states kept per step */
#define TOPK 12             /* candidates kept per completed character */
#define EST_PENDING (-5.0f) /* ranking estimate of a character not yet
                               complete (about a CJK character's log P) */
#define MAXCON 4            /* pending decoder constraints per state */
#define NVERIFY 6           /* final states checked forward before giving up */
#define MAX_ALTS_SEQ 8      /* byte sequences per character */
#define MAXSTEP 8           /* characters finished in one step (dropped
                               sequences and a token: at most 7 bytes) */
#define DROP_CHAIN 2        /* DROP: sequences dropped in a row */
#define DROP_BYTES 2        /* DROP: bytes dropped in a row ... */
#define DROP_BYTES_TOP 2    /* ... after one of the DROP_TOP best states */
#define DROP_TOP 4
#define ALPHA_COST 8.0f     /* a fill that is a letter none of the line's
                               languages writes (ub_mbcs_lossy_use_alphabet) */

/* a dropped sequence followed at once by another (feed_drops) */
#define CON_CHAIN (1u << 31)
#define CON_AT(c) (((c) & ~CON_CHAIN) >> 2)

/* token bytes */
#define W_LEAD (-1)         /* unknown byte, not ASCII (starts an error) */
#define W_ANY (-2)          /* unknown byte, ASCII allowed */

/* ------------------------------------------------------------ states */

/* One beam state: the text so far and the bytes not yet settled. */
struct ub_ml_state {
    float score;            /* log P of the finished characters - costs */
    uint32_t c2, c1;        /* language model context */
    int32_t hist;           /* last history node */
    uint32_t nb;            /* bytes so far */
    uint8_t wb[8];          /* byte j in wb[j & 7] (the last 8 bytes) */
    uint8_t wcls[8];        /* class of a wildcard byte */
    uint8_t wild;           /* bit j & 7: byte j is a wildcard */
    uint8_t plen, pneed;    /* current character: bytes so far, in all */
    uint8_t ncon;
    uint32_t con[MAXCON];   /* error tokens to check: start << 2 | length,
                               CON_CHAIN when another follows it at once */
    uint16_t nlost, nlit;
    /* characters finished in this step, not yet in the history */
    uint8_t an;
    uint8_t awm[MAXSTEP];   /* per character: which of its bytes were lost */
    uint32_t acp[MAXSTEP];
};

/* Characters finished within one step (one input character). */
struct ub_ml_hnode {
    int32_t prev;
    uint8_t n;
    uint8_t wm[MAXSTEP];
    uint32_t cp[MAXSTEP];
};


/* ------------------------------------------------------------ the search */

struct env {
    ub_mbcs_lossy_scratch *s;
    const struct ub_mbcs_ltab *t;
    int id;
    ub_mbcs_conv_e conv;
    int g;                  /* conv's row of the decoder tables (poss, fut) */
    const ub_lm *lm;
    ub_lm_cache_entry *lc;  /* ub_lm_cache_for(lm): states share contexts */
    uint64_t *steps;
    int oom;
    int drop_bytes;         /* DROP: bytes dropped in a row, at most */
    int fin_rb[2];          /* the bytes after the run, at the end */
    /* the next input character, for the one-step lookahead */
    int la_end;             /* 1: there is none (the run ends) */
    int la_free;            /* 1: it may be a marker or follow a drop */
    const uint32_t *la_seq; /* else: its byte sequences */
    int la_nseq;
    int final;              /* 1: bytes past the end are fin_rb / END */
    /* the tokens a state is fed (feed()): known bytes, W_LEAD, W_ANY */
    const int *tok;
    int ntok;
    /* the cut of this step (witness()): BEAM states it emitted, with
     * pairwise distinct futures, and the lowest rank among them */
    int cut_on;
    int short_emit;         /* a state of fewer than 7 bytes was emitted */
    int nwit, wlow;         /* witnesses; the first with the lowest rank */
    uint64_t whash[BEAM];   /* future_hash() of each */
    float wrank[BEAM];
    float cut;              /* -INFINITY until there are BEAM of them */
};

static inline int byte_at(const struct env *e, const struct ub_ml_state *s, uint32_t j)
{
    if (j >= s->nb) {
        if (!e->final)
            return FUT;
        uint32_t k = j - s->nb;
        return k < 2 ? e->fin_rb[k] : END;
    }
    if (s->nb - j > 8 || (s->wild >> (j & 7) & 1))
        return FUT;
    return s->wb[j & 7];
}

/* Check the pending error tokens that can be checked: 0 when one fails.
 * The undecided ones stay, in their order; bit i of *kept (if not NULL)
 * tells whether token i did. */
static int resolve_kept(const struct env *e, struct ub_ml_state *s, unsigned *kept)
{
    int k = 0;
    unsigned km = 0;
    for (int i = 0; i < s->ncon; i++) {
        uint32_t j0 = CON_AT(s->con[i]);
        int len = (int)(s->con[i] & 3);
        int r = ub_mbcs_dec_at(e->t, e->id, e->conv, byte_at(e, s, j0), byte_at(e, s, j0 + 1),
                               byte_at(e, s, j0 + 2));
        if (r < 0) {
            if (e->final)
                return 0;
            /* not decided yet: can some UTF-8 byte still to come decide it
             * right?  (Keeps the best fills of a character from being ones
             * no continuation can explain.) */
            int b0 = byte_at(e, s, j0);
            if (b0 >= 0x80 && b0 < 256) {
                int g = e->conv == UB_MBCS_CONV_DROP ? 0 : (int)e->conv;
                const uint8_t *p = e->t->poss[g][b0];
                unsigned m = 0;
                uint32_t j1 = j0 + 1;
                if (j1 < s->nb && (s->wild >> (j1 & 7) & 1))
                    m = p[s->wcls[j1 & 7]];             /* a wildcard */
                else if (j1 >= s->nb && s->plen && s->plen < s->pneed)
                    m = p[C_CONT];                      /* still to come */
                else if (j1 >= s->nb)
                    m = p[C_ASCII] | p[C_LEAD2] | p[C_LEAD3] | p[C_LEAD4];
                else
                    m = 0xFF;                           /* known; b2 open */
                if (!(m >> len & 1))
                    return 0;
            }
            s->con[k++] = s->con[i];
            km |= 1u << i;
            continue;
        }
        if (r != len)
            return 0;
    }
    s->ncon = (uint8_t)k;
    if (kept)
        *kept = km;
    return 1;
}

static int resolve(const struct env *e, struct ub_ml_state *s)
{
    return resolve_kept(e, s, NULL);
}

/* byte_at() of a byte near the end, before the end: none has left the
 * window of 8 yet. */
static inline int near_byte(const struct ub_ml_state *s, uint32_t j)
{
    return j >= s->nb || (s->wild >> (j & 7) & 1) ? FUT : s->wb[j & 7];
}

/*
 * resolve() after bytes from.. (at most 4) were appended to a state whose
 * tokens all passed it, before the end: a token that reads none of the new
 * bytes reads what it read then (an older byte only turns unknown as it
 * leaves the window of 8, a token whose first byte is unknown stays
 * undecided, and so does one whose second is, whatever its third), so only
 * the others are checked again -- the bytes they read are near the end.
 */
static inline __attribute__((always_inline)) int
resolve_new(const struct env *e, struct ub_ml_state *s, uint32_t from)
{
    int k = 0;
    for (int i = 0; i < s->ncon; i++) {
        uint32_t c = s->con[i], j0 = CON_AT(c);
        int b0, b1;
        /* (with b1 unknown, what the decoder does does not depend on b2) */
        if (j0 + 2 >= from && (b0 = near_byte(s, j0)) >= 0 &&
            ((b1 = near_byte(s, j0 + 1)) >= 0 || j0 + 1 >= from)) {
            int len = (int)(c & 3);
            int r = b1 < 0 ? e->t->fut[e->g][b0]
                           : ub_mbcs_dec_at(e->t, e->id, e->conv, b0, b1, near_byte(s, j0 + 2));
            if (r >= 0) {
                if (r != len)
                    return 0;
                continue;       /* decided, and right */
            }
            /* not decided yet: as resolve_kept(); b0 is a known byte >= 0x80 */
            const uint8_t *p = e->t->poss[e->g][b0];
            unsigned m;
            uint32_t j1 = j0 + 1;
            if (j1 < s->nb)
                m = s->wild >> (j1 & 7) & 1 ? p[s->wcls[j1 & 7]] : 0xFF;
            else if (s->plen && s->plen < s->pneed)
                m = p[C_CONT];
            else
                m = p[C_ASCII] | p[C_LEAD2] | p[C_LEAD3] | p[C_LEAD4];
            if (!(m >> len & 1))
                return 0;
        }
        s->con[k++] = c;
    }
    s->ncon = (uint8_t)k;
    return 1;
}

static int cls_len(int cls)
{
    return cls == C_ASCII ? 1 : cls == C_LEAD2 ? 2 : cls == C_LEAD3 ? 3 : cls == C_LEAD4 ? 4 : 0;
}

/* Move the characters a state finished in this step into the history. */
static int commit(ub_mbcs_lossy_scratch *x, struct ub_ml_state *s)
{
    if (!s->an)
        return 0;
    if (ub_reserve((void **)&x->hist, &x->histcap, x->nhist + 1, sizeof *x->hist))
        return -1;
    struct ub_ml_hnode *h = &x->hist[x->nhist];
    h->prev = s->hist;
    h->n = s->an;
    memcpy(h->cp, s->acp, s->an * sizeof *s->acp);
    memcpy(h->wm, s->awm, s->an);
    s->hist = (int32_t)x->nhist++;
    s->an = 0;
    return 0;
}

/*
 * One step of lookahead: can the next input character follow state s?  Its
 * known bytes must fit the UTF-8 read so far and the error tokens that
 * wait for their next byte.  Cuts the many fills that only the next
 * character proves wrong before they crowd the beam.
 */
static int lookahead_ok(const struct env *e, const struct ub_ml_state *s)
{
    if (e->la_end)
        return !s->plen || e->conv == UB_MBCS_CONV_DROP;
    if (e->la_free)
        return 1;
    for (int q = 0; q < e->la_nseq; q++) {
        struct ub_ml_state t = *s;
        int len = UB_MBCS_SEQ_LEN(e->la_seq[q]), ok = 1;
        for (int b = 0; b < len && ok; b++) {
            uint8_t v = UB_MBCS_SEQ_BYTE(e->la_seq[q], b);
            int slot = (int)(t.nb++ & 7);
            t.wb[slot] = v;
            t.wild &= (uint8_t)~(1u << slot);
            if (!t.plen) {
                int l = ub_utf8_seqlen(v);
                ok = l > 0;
                t.pneed = (uint8_t)l;
            } else {
                ok = ub_utf8_is_cont(v);
            }
            if (++t.plen == t.pneed)
                t.plen = t.pneed = 0;
        }
        if (ok && resolve_new(e, &t, s->nb))
            return 1;
    }
    return 0;
}

/* The rank select_beam() orders the states of a step by. */
static inline float state_rank(const struct ub_ml_state *s)
{
    return s->score + (s->plen ? EST_PENDING : 0);
}

/*
 * What same_future() compares, hashed: states with the same future have
 * the same hash, so states with different hashes have different futures.
 * Only for states with 7 bytes or more (same_future() compares fewer
 * when one has fewer).
 */
static uint64_t future_hash(const struct ub_ml_state *s)
{
    uint64_t h = (uint64_t)s->c1 << 32 | s->c2, v = 0;
    h = (h ^ ((uint64_t)s->plen << 16 | (uint64_t)s->pneed << 8 | s->ncon)) *
        0x9E3779B97F4A7C15ull;
    for (int i = 0; i < s->ncon; i++) {
        h ^= h >> 29;
        h = (h ^ ((uint64_t)(s->nb - CON_AT(s->con[i])) << 32 |
                  (s->con[i] & (3 | CON_CHAIN)))) * 0x9E3779B97F4A7C15ull;
    }
    for (uint32_t d = 1; d <= 7; d++) {
        int sl = (int)((s->nb - d) & 7);
        v = v << 9 | (s->wild >> sl & 1 ? 0x100u | s->wcls[sl] : s->wb[sl]);
    }
    h ^= h >> 29;
    h = (h ^ v) * 0x9E3779B97F4A7C15ull;
    return h ^ h >> 32;
}

/*
 * The cut: a state whose rank is below that of BEAM states of the same
 * step with pairwise distinct futures is never selected.  select_beam()
 * takes states best first, skipping one only for a selected state of the
 * same future, ranked before it; each of the BEAM witnesses is selected
 * or has such a state, a different one for each (their futures differ),
 * so BEAM states rank at least as high as the lowest witness.  And scores
 * only fall as a state goes on (log P <= 0, costs >= 0), so a state below
 * the cut leaves nothing above it: it is dropped at once, and the search
 * finds what it found without it.  Witnesses are kept best first: a new
 * state takes the place of the one of its future, or of the lowest.
 */
static void witness(struct env *e, const struct ub_ml_state *s, float r)
{
    if (!e->cut_on || (e->nwit == BEAM && r <= e->cut) || s->nb < 7)
        return;
    uint64_t h = future_hash(s);
    int w = -1;
    for (int i = 0; i < e->nwit && w < 0; i++)
        if (e->whash[i] == h)
            w = i;
    if (w >= 0 && r <= e->wrank[w])
        return;
    if (w < 0)
        w = e->nwit < BEAM ? e->nwit++ : e->wlow;
    e->whash[w] = h;
    e->wrank[w] = r;
    if (e->nwit < BEAM)
        return;
    e->wlow = 0;
    for (int i = 1; i < BEAM; i++)
        if (e->wrank[i] < e->wrank[e->wlow])
            e->wlow = i;
    e->cut = e->wrank[e->wlow];
}

static int emit(struct env *e, const struct ub_ml_state *s)
{
    ub_mbcs_lossy_scratch *x = e->s;
    float r = state_rank(s);
    if (r < e->cut || !lookahead_ok(e, s))
        return 0;
    if (ub_reserve((void **)&x->nxt, &x->nxtcap, x->nnxt + 1, sizeof *x->nxt)) {
        e->oom = 1;
        return -1;
    }
    x->nxt[x->nnxt++] = *s;
    e->short_emit |= s->nb < 7;
    (*e->steps)++;
    witness(e, s, r);
    return 0;
}

static int feed(struct env *e, struct ub_ml_state *s, int k);
static int complete(struct env *e, struct ub_ml_state *s, int k);

/* Write the bytes of candidate cp over the wildcards of the character that
 * ends at byte nb - 1. */
static inline void assign_bytes(struct ub_ml_state *s, const uint8_t *b, int len)
{
    uint32_t j0 = s->nb - (uint32_t)len;
    for (int i = 0; i < len; i++)
        s->wb[(j0 + (uint32_t)i) & 7] = b[i];
    unsigned m = ((1u << len) - 1) << (j0 & 7);
    s->wild &= (uint8_t)~(m | m >> 8);
}

static void assign(struct ub_ml_state *s, uint32_t cp)
{
    uint8_t b[4];
    int len = ub_utf8_encode(cp, b);
    assign_bytes(s, b, len);
}

/* ------------------------------------------------------------ fill cache */

/*
 * Which fills of a character pass resolve() depends on the character's
 * pattern (its known bytes and wildcard classes) and on the bytes and
 * error tokens around it, not on the text before it: the states of a beam
 * mostly share them, and the same patterns come back step after step and
 * search after search.  So the fills that pass are found once per key
 * (below) and every state only scores them with the model; the search
 * finds what it found before, with a fraction of the decoder checks.
 *
 * The key holds all that resolve() reads when a character completes
 * (e->final is 0 then, and the state has no character open): the codec
 * and convention, the error tokens relative to the end of the bytes, and
 * the bytes in their windows and in the character.  Bytes more than 8
 * back read as unknown, so a token that far back reads the same wherever
 * it starts (its position is clamped).
 */
#define FILL_MAX (1u << 18)     /* fills kept before the cache starts over */
#define FSLOT_MAX (1u << 14)    /* keys kept before it starts over */

#define FK_ANY 0x200            /* a byte resolve() does not read */

struct fill_key {
    uint16_t b[8];          /* byte nb - 1 - d: its value, 0x100 | class
                               for a wildcard, FK_ANY */
    uint16_t con[MAXCON];   /* token: (start - nb + 16) << 3 | CON_CHAIN
                               bit << 2 | length */
    uint8_t id, conv, len, ncon;
    uint8_t pad[4];         /* 0: the key is four whole words */
};

struct ub_ml_fslot {
    struct fill_key k;
    uint32_t gen;           /* in use when x->fgen */
    uint32_t hash;
    uint32_t at, n;         /* its fills: x->fill[at .. at + n) */
    uint32_t letters;       /* 1: some fill is a letter (ub_alpha_index) */
};

/* a fill: the code point; bit k + 24 when the state's error token k is
 * still undecided with it (resolve() keeps it); FILL_GROUP when it must
 * stay in the running as the best of its last byte (complete()) */
#define FILL_GROUP (1u << 31)
#define FILL_CP(f) ((f) & 0x1FFFFF)
#define FILL_KEPT(f) ((f) >> 24 & ((1u << MAXCON) - 1))
_Static_assert(MAXCON <= 7, "a fill's kept tokens fit between its code point and FILL_GROUP");

/* Keep the error tokens of s whose bits are in kept, in their order: what
 * resolve() leaves of them when it passes. */
static void keep_cons(struct ub_ml_state *s, unsigned kept)
{
    int k = 0;
    for (int i = 0; i < s->ncon; i++)
        if (kept >> i & 1)
            s->con[k++] = s->con[i];
    s->ncon = (uint8_t)k;
}

static void fill_key(const struct env *e, const struct ub_ml_state *s, int len,
                     struct fill_key *k)
{
    memset(k, 0, sizeof *k);
    k->id = (uint8_t)e->id;
    k->conv = (uint8_t)e->conv;
    k->len = (uint8_t)len;
    k->ncon = s->ncon;
    uint32_t need = (1u << len) - 1;    /* bit d: byte nb - 1 - d is read */
    for (int i = 0; i < s->ncon; i++) {
        int64_t rel = (int64_t)CON_AT(s->con[i]) - s->nb;
        if (rel < -9)
            rel = -9;
        k->con[i] = (uint16_t)((rel + 16) << 3 | (s->con[i] & CON_CHAIN ? 4 : 0) |
                               (s->con[i] & 3));
        /* its bytes rel .. rel + 2 that are in the window: d = -1 - j */
        if (rel < 0)
            need |= rel >= -3 ? (1u << -rel) - 1 : 7u << (-3 - rel);
    }
    need &= s->nb >= 8 ? 0xFFu : (1u << s->nb) - 1;
    for (uint32_t d = 0; d < 8; d++)
        k->b[d] = FK_ANY;
    for (; need; need &= need - 1) {
        uint32_t d = (uint32_t)__builtin_ctz(need);
        int slot = (int)((s->nb - 1 - d) & 7);
        k->b[d] = s->wild >> slot & 1 ? (uint16_t)(0x100 | s->wcls[slot]) : s->wb[slot];
    }
}

static uint32_t fill_hash(const struct fill_key *k)
{
    uint64_t w[4], h = 0;
    _Static_assert(sizeof *k == sizeof w, "a fill key is four words");
    memcpy(w, k, sizeof w);
    for (int i = 0; i < 4; i++) {
        h = (h ^ w[i]) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    return (uint32_t)(h >> 32);
}

/* Forget every key (a new vocabulary, or the cache is full). */
static void rank_reset(ub_mbcs_lossy_scratch *x);

static void fill_reset(ub_mbcs_lossy_scratch *x)
{
    rank_reset(x);              /* the rankings name fills by place */
    x->fgen++;
    x->nfslot = 0;
    x->nfill = 0;
}

/* The slot of key k (hash h): its own, or the empty one where it goes. */
static struct ub_ml_fslot *fill_slot(ub_mbcs_lossy_scratch *x, const struct fill_key *k,
                                     uint32_t h)
{
    size_t mask = x->fslotcap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct ub_ml_fslot *f = &x->fslot[i];
        if (f->gen != x->fgen || (f->hash == h && !memcmp(&f->k, k, sizeof *k)))
            return f;
    }
}

/* Room for one more key: the table at most half full. */
static int fill_grow(ub_mbcs_lossy_scratch *x)
{
    if (2 * (x->nfslot + 1) <= x->fslotcap)
        return 0;
    size_t cap = x->fslotcap ? 2 * x->fslotcap : 256;
    struct ub_ml_fslot *old = x->fslot, *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    size_t ocap = x->fslotcap;
    x->fslot = t;
    x->fslotcap = cap;
    uint32_t gen = x->fgen;
    x->fgen = 1;                /* calloc'd slots are generation 0 */
    for (size_t i = 0; i < ocap; i++)
        if (old[i].gen == gen) {
            struct ub_ml_fslot *f = fill_slot(x, &old[i].k, old[i].hash);
            *f = old[i];
            f->gen = x->fgen;
        }
    free(old);
    return 0;
}

/*
 * The fills of the character that ends state s (pattern pb/cls/wm of len
 * bytes) that pass resolve(), in the order ub_mbcs_lossy_candidates()
 * gives them: *n of them at the returned pointer, valid until the next
 * call.  NULL when out of memory.
 */
static const uint32_t *fills_for(struct env *e, const struct ub_ml_state *s, const uint8_t *pb,
                                 const uint8_t *cls, unsigned wm, int len, uint32_t *n,
                                 int *letters)
{
    ub_mbcs_lossy_scratch *x = e->s;
    if (x->flm != x->vlm || x->nfill > FILL_MAX || x->nfslot >= FSLOT_MAX) {
        fill_reset(x);
        x->flm = x->vlm;
    }
    if (fill_grow(x))
        return NULL;
    struct fill_key k;
    fill_key(e, s, len, &k);
    uint32_t h = fill_hash(&k);
    struct ub_ml_fslot *f = fill_slot(x, &k, h);
    if (f->gen == x->fgen) {
        *n = f->n;
        *letters = (int)f->letters;
        *e->steps += f->n;
        return x->fill + f->at;
    }
    long nc = ub_mbcs_lossy_candidates(x, pb, cls, wm, len);
    if (nc < 0 || ub_reserve((void **)&x->fill, &x->fillcap, x->nfill + (size_t)nc + 1,
                             sizeof *x->fill))
        return NULL;
    *e->steps += (uint64_t)nc;
    uint32_t at = (uint32_t)x->nfill, start = s->nb - (uint32_t)len;
    int anyl = 0;
    for (long i = 0; i < nc; i++) {
        struct ub_ml_state t = *s;
        unsigned kept;
        assign(&t, x->cand[i]);
        if (!resolve_kept(e, &t, &kept))
            continue;
        /* a fill whose last byte still starts an undecided error token */
        int open = 0;
        for (int c = 0; c < t.ncon; c++)
            open |= CON_AT(t.con[c]) >= start;
        uint8_t last = t.wb[(s->nb - 1) & 7];
        x->fill[x->nfill++] = x->cand[i] | kept << 24 |
                              (open && ub_utf8_is_cont(last) ? FILL_GROUP : 0);
        anyl |= ub_alpha_index(x->cand[i]) >= 0;
    }
    f->k = k;
    f->gen = x->fgen;
    f->hash = h;
    f->at = at;
    f->n = (uint32_t)x->nfill - at;
    f->letters = (uint32_t)anyl;
    x->nfslot++;
    *n = f->n;
    *letters = anyl;
    return x->fill + at;
}

/* ------------------------------------------------------------ ranked fills */

/*
 * Which of a pattern's fills complete() goes on with, and in what order,
 * depends on the fills and the model's context (c2, c1) alone, not on the
 * state: the states of a search ask for the same few of them again and
 * again (the slowest known input asked 560,000 times for 14,000 of them),
 * and contexts the model cannot tell apart rank them alike.  So each is
 * ranked once and remembered (rank_memo()), across searches: until the
 * fills start over, the model changes, or (for a ranking with a letter
 * among its fills) the line's letters do.
 */
#define RANKED_MAX (1u << 18)   /* fills remembered before the memo starts over */
#define RSLOT_MAX (1u << 14)    /* rankings remembered before it starts over */
#define NRANKED (TOPK + 64)     /* fills a ranking holds, at most */

struct ub_ml_rslot {
    uint32_t gen;           /* in use when x->rgen */
    uint32_t agen;          /* 0: the ranking holds whatever the line's
                               letters; else for the letters of x->ragen */
    uint32_t at, nf;        /* the fills ranked: x->fill[at .. at + nf) */
    uint32_t i2, i1;        /* in a context of these model ids
                               (ub_lm_context_ids), bit 31 of i1 set when
                               its last character is '\r' */
    uint32_t pos, n;        /* the ranking: x->rfill[pos .. pos + n), their
                               scores in x->rsc[] */
};

/* Forget every ranking (the fills they index start over, a new model, or
 * the memo is full). */
static void rank_reset(ub_mbcs_lossy_scratch *x)
{
    x->rgen++;
    x->nrslot = 0;
    x->nranked = 0;
}

/*
 * Rank fill[0..nf) in the context c2 c1, into top[] / tsc[]: the TOPK best,
 * and the best per last byte among those whose last byte still starts an
 * undecided error token (FILL_GROUP): which of them the next bytes allow is
 * not known yet, so each must stay in the running.  Best first.  Fills are
 * kept as they are in the cache (code point and flags).
 * @return how many.
 */
static int rank_fills(const struct env *e, uint32_t c2, uint32_t c1, const uint32_t *fill,
                      uint32_t nf, uint32_t *top, float *tsc)
{
    int nt = 0, low = 0;        /* low: the first worst of a full top */
    float gsc[64];
    uint32_t gcp[64];
    uint64_t gset = 0;
    /* (every fill in the state's context: ub_lm_logp_ctx) */
    ub_lm_cache_entry *lc = e->lc;
    ub_lm_context lx = ub_lm_context_of(c2, c1);
    int topk = TOPK;
    const ub_alpha *alpha = e->s->alpha;
    for (uint32_t i = 0; i < nf; i++) {
        uint32_t cp = FILL_CP(fill[i]);
        float lp = ub_lm_logp_ctx(lc, e->lm, &lx, cp);
        if (alpha) {
            int a = ub_alpha_index(cp);
            if (a >= 0 && !ub_alpha_has(alpha, a))
                lp -= ALPHA_COST;
        }
        if (fill[i] & FILL_GROUP) {
            int g = cp & 0x3F;
            if (!(gset >> g & 1) || lp > gsc[g]) {
                gset |= 1ull << g;
                gsc[g] = lp;
                gcp[g] = fill[i];
            }
        }
        int slot;
        if (nt < topk) {
            slot = nt++;
        } else {
            if (lp <= tsc[low])
                continue;
            slot = low;
        }
        top[slot] = fill[i];
        tsc[slot] = lp;
        if (nt == topk) {
            low = 0;
            for (int j = 1; j < topk; j++)
                if (tsc[j] < tsc[low])
                    low = j;
        }
    }
    /* the best of each last byte, unless among the TOPK already (the
     * fills are distinct, so only a group's own best can be its best) */
    uint64_t add = gset;
    for (int i = 0; i < nt; i++) {
        int g = top[i] & 0x3F;
        if (add >> g & 1 && gcp[g] == top[i])
            add &= ~(1ull << g);
    }
    for (; add; add &= add - 1) {
        int g = __builtin_ctzll(add);
        top[nt] = gcp[g];
        tsc[nt++] = gsc[g];
    }
    /* best first: the cut (witness()) rises fastest so, and more of what
     * follows falls below it */
    for (int i = 1; i < nt; i++) {
        uint32_t tc = top[i];
        float ts = tsc[i];
        int j = i;
        for (; j > 0 && tsc[j - 1] < ts; j--) {
            top[j] = top[j - 1];
            tsc[j] = tsc[j - 1];
        }
        top[j] = tc;
        tsc[j] = ts;
    }
    return nt;
}

static uint32_t rank_hash(uint32_t at, uint32_t nf, uint32_t i2, uint32_t i1)
{
    return (uint32_t)((((uint64_t)at << 32 | nf) * 0x9E3779B97F4A7C15ull ^
                       ((uint64_t)i2 << 32 | i1)) * 0xC2B2AE3D27D4EB4Full >> 32);
}

/* The slot of the ranking of x->fill[at .. at + nf) in a context of ids i2
 * i1 (hash h): its own, or the empty one where it goes. */
static struct ub_ml_rslot *rank_slot(ub_mbcs_lossy_scratch *x, uint32_t at, uint32_t nf,
                                     uint32_t i2, uint32_t i1, uint32_t h)
{
    size_t mask = x->rslotcap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct ub_ml_rslot *r = &x->rslot[i];
        if (r->gen != x->rgen ||
            (r->at == at && r->nf == nf && r->i1 == i1 && r->i2 == i2))
            return r;
    }
}

/* Room for one more ranking: the table at most half full. */
static int rank_grow(ub_mbcs_lossy_scratch *x)
{
    if (2 * (x->nrslot + 1) <= x->rslotcap)
        return 0;
    size_t cap = x->rslotcap ? 2 * x->rslotcap : 1024;
    struct ub_ml_rslot *old = x->rslot, *t = calloc(cap, sizeof *t);
    if (!t)
        return -1;
    size_t ocap = x->rslotcap;
    x->rslot = t;
    x->rslotcap = cap;
    uint32_t gen = x->rgen;
    x->rgen = 1;                /* calloc'd slots are generation 0 */
    for (size_t i = 0; i < ocap; i++)
        if (old[i].gen == gen) {
            const struct ub_ml_rslot *o = &old[i];
            struct ub_ml_rslot *r = rank_slot(x, o->at, o->nf, o->i2, o->i1,
                                              rank_hash(o->at, o->nf, o->i2, o->i1));
            *r = *o;
            r->gen = x->rgen;
        }
    free(old);
    return 0;
}

/*
 * The ranking (rank_fills()) of the fills x->fill[at .. at + nf) in context
 * c2 c1 (letters: some fill is a letter, fills_for()): *n fills at the
 * returned pointer, their scores at *sc, valid until the next call.  NULL
 * when out of memory.
 */
static const uint32_t *rank_memo(struct env *e, uint32_t at, uint32_t nf, int letters,
                                 uint32_t c2, uint32_t c1, const float **sc, int *n)
{
    ub_mbcs_lossy_scratch *x = e->s;
    if (x->nranked + NRANKED > RANKED_MAX || x->nrslot >= RSLOT_MAX)
        rank_reset(x);
    if (rank_grow(x) ||
        ub_reserve((void **)&x->rfill, &x->rfillcap, x->nranked + NRANKED, sizeof *x->rfill) ||
        ub_reserve((void **)&x->rsc, &x->rsccap, x->nranked + NRANKED, sizeof *x->rsc))
        return NULL;
    /* contexts the model cannot tell apart share their rankings */
    uint32_t i2, i1;
    ub_lm_context_ids(e->lm, c2, c1, &i2, &i1);
    if (c1 == '\r')
        i1 |= 1u << 31;
    struct ub_ml_rslot *r = rank_slot(x, at, nf, i2, i1, rank_hash(at, nf, i2, i1));
    if (r->gen != x->rgen || (r->agen && r->agen != x->ragen)) {
        /* new, or ranked for other letters (a fill is a letter) */
        x->nrslot += r->gen != x->rgen;
        r->gen = x->rgen;
        r->at = at;
        r->nf = nf;
        r->i2 = i2;
        r->i1 = i1;
        r->pos = (uint32_t)x->nranked;
        r->n = (uint32_t)rank_fills(e, c2, c1, x->fill + at, nf, x->rfill + r->pos,
                                    x->rsc + r->pos);
        r->agen = letters ? x->ragen : 0;
        x->nranked += r->n;
    }
    *sc = x->rsc + r->pos;
    *n = (int)r->n;
    return x->rfill + r->pos;
}

/*
 * Would feed() get nowhere with state s, its character of len bytes filled
 * with b[] and its error tokens cut to those of kept, when its next token
 * is v (a known byte, W_LEAD or W_ANY)?  1 only when push() would turn down
 * every byte or class it tries there (a token that reads it decides wrong,
 * or the class cannot decide it right); 0 leaves it to push().  What
 * resolve_new() checks of those tokens, without making the state.
 */
static int doomed(const struct env *e, const struct ub_ml_state *s, const uint8_t *b, int len,
                  unsigned kept, int v)
{
    uint32_t nb = s->nb, at = nb - (uint32_t)len;
    /* the classes push() tries for a wildcard (no character is open) */
    unsigned alive = v >= 0 ? 1 : v == W_ANY ? 1u << C_ASCII | 1u << C_LEAD2 | 1u << C_LEAD3 |
                                                   1u << C_LEAD4
                                             : 1u << C_LEAD2 | 1u << C_LEAD3 | 1u << C_LEAD4;
    for (int i = 0; i < s->ncon && alive; i++) {
        uint32_t c = s->con[i], j0 = CON_AT(c);
        if (!(kept >> i & 1) || j0 + 2 < nb || j0 >= nb)
            continue;
        int len_c = (int)(c & 3);
        int b0 = j0 >= at ? b[j0 - at] : near_byte(s, j0);
        if (b0 < 0)
            continue;
        int b1 = j0 + 1 == nb ? v : j0 + 1 >= at ? b[j0 + 1 - at] : near_byte(s, j0 + 1);
        int b2 = j0 + 2 == nb ? v : FUT;
        if (b1 < 0 && j0 + 1 != nb)
            continue;           /* b1 an older wildcard: as it was */
        if (b1 < 0)
            b1 = FUT;           /* the new wildcard */
        if (b2 < 0)
            b2 = FUT;
        int r = b1 < 0 ? e->t->fut[e->g][b0] : ub_mbcs_dec_at(e->t, e->id, e->conv, b0, b1, b2);
        if (r >= 0) {
            if (r != len_c)
                return 1;
            continue;
        }
        /* undecided: its next byte a wildcard of the class tried, else
         * known (it passes) */
        if (j0 + 1 == nb && v < 0) {
            const uint8_t *p = e->t->poss[e->g][b0];
            for (int cls = C_ASCII; cls <= C_LEAD4; cls++)
                if (!(p[cls] >> len_c & 1))
                    alive &= ~(1u << cls);
        }
    }
    return !alive;
}

/* The character ending at byte nb - 1 (token k) is complete: resolve its
 * wildcards, and go on with each fill kept.  1 when it has none: then it
 * is scored, and the caller goes on with s; else 0, or -1 when out of
 * memory. */
static int complete(struct env *e, struct ub_ml_state *s, int k)
{
    int len = s->pneed;
    uint32_t j0 = s->nb - (uint32_t)len;
    uint8_t pb[4] = { 0 }, cls[4] = { 0 };
    unsigned wm = 0;
    for (int i = 0; i < len; i++) {
        int slot = (int)((j0 + (uint32_t)i) & 7);
        pb[i] = s->wb[slot];
        cls[i] = s->wcls[slot];
        if (s->wild >> slot & 1)
            wm |= 1u << i;
    }
    s->plen = s->pneed = 0;
    if (!wm) {
        uint32_t cp = 0;
        if (ub_utf8_decode(pb, (size_t)len, &cp) != len)
            return 0;
        s->score += ub_lm_logp(e->lm, s->c2, s->c1, cp);
        s->c2 = s->c1;
        s->c1 = cp;
        s->acp[s->an] = cp;
        s->awm[s->an++] = 0;
        return 1;               /* the caller goes on with it */
    }
    if (s->score < e->cut)
        return 0;               /* every fill is below the cut */
    uint32_t nf;
    int letters;
    const uint32_t *fill = fills_for(e, s, pb, cls, wm, len, &nf, &letters);
    const float *tsc = NULL;
    int nt = 0;
    const uint32_t *top = fill ? rank_memo(e, (uint32_t)(fill - e->s->fill), nf, letters, s->c2,
                                           s->c1, &tsc, &nt) : NULL;
    if (!top) {
        e->oom = 1;
        return -1;
    }
    /* the byte pushed next, when it is known: a fill that push() would
     * turn down at once is not tried (doomed()) */
    int nv = k + 1 < e->ntok ? e->tok[k + 1] : 0x100;
    if (nv < 0x100 && nv >= 0 && !ub_utf8_seqlen((uint8_t)nv))
        return 0;               /* no character starts there */
    /* a copy: the states below rank theirs, and may move or reuse these */
    uint32_t tf[NRANKED];
    float ts[NRANKED];
    memcpy(tf, top, (size_t)nt * sizeof *tf);
    memcpy(ts, tsc, (size_t)nt * sizeof *ts);
    for (int i = 0; i < nt; i++) {
        uint32_t f = tf[i];
        float sc = ts[i];
        uint32_t cp = FILL_CP(f);
        if (s->score + sc < e->cut)
            break;
        uint8_t b[4];
        ub_utf8_encode(cp, b);
        if (nv < 0x100 && FILL_KEPT(f) && doomed(e, s, b, len, FILL_KEPT(f), nv))
            continue;
        struct ub_ml_state t = *s;
        assign_bytes(&t, b, len);
        keep_cons(&t, FILL_KEPT(f));
        t.score += sc;
        t.c2 = t.c1;
        t.c1 = cp;
        t.acp[t.an] = cp;
        t.awm[t.an++] = (uint8_t)wm;
        if (feed(e, &t, k + 1) < 0)
            return -1;
    }
    return 0;
}

/* Push one byte (v >= 0) or wildcard of class cls onto s: 0 when the UTF-8
 * read so far or an error token turns it down. */
static inline __attribute__((always_inline)) int push(const struct env *e,
                                                      struct ub_ml_state *s, int v, int cls)
{
    uint32_t j = s->nb++;
    int slot = (int)(j & 7);
    if (v >= 0) {
        s->wb[slot] = (uint8_t)v;
        s->wild &= (uint8_t)~(1u << slot);
    } else {
        s->wb[slot] = 0;
        s->wcls[slot] = (uint8_t)cls;
        s->wild |= (uint8_t)(1u << slot);
    }
    if (s->plen == 0) {
        int len = v >= 0 ? ub_utf8_seqlen((uint8_t)v) : cls_len(cls);
        if (!len)
            return 0;
        s->pneed = (uint8_t)len;
    } else if (v >= 0) {
        if (!ub_utf8_is_cont((uint8_t)v))
            return 0;
        if (s->plen == 1 && !(s->wild >> ((j - 1) & 7) & 1) &&
            !ub_utf8_second_ok(s->wb[(j - 1) & 7], (uint8_t)v))
            return 0;
    }
    s->plen++;
    return resolve_new(e, s, j);
}

/* Go on with s from token k: push the rest, emit what comes out.  s is used
 * up: the caller passes a copy it no longer needs (which saves a copy per
 * byte).  Known bytes are pushed in a loop; wildcards of several classes
 * and characters with several fills branch. */
static int feed(struct env *e, struct ub_ml_state *s, int k)
{
    for (;; k++) {
        if (s->score < e->cut)
            return 0;           /* below the cut (witness()) */
        if (k == e->ntok)
            return emit(e, s);
        int v = e->tok[k], cls = 0;
        if (v < 0) {
            if (!s->plen) {
                for (cls = v == W_ANY ? C_ASCII : C_LEAD2; cls <= C_LEAD4; cls++) {
                    struct ub_ml_state t = *s;
                    if (!push(e, &t, -1, cls))
                        continue;
                    int r = t.plen < t.pneed ? feed(e, &t, k + 1) : complete(e, &t, k);
                    if (r > 0)
                        r = feed(e, &t, k + 1);
                    if (r < 0)
                        return -1;
                }
                return 0;
            }
            v = -1;
            cls = C_CONT;
        }
        if (!push(e, s, v, cls))
            return 0;
        if (s->plen < s->pneed)
            continue;
        int r = complete(e, s, k);
        if (r <= 0)
            return r;
    }
}

/* Start nerr error tokens of lens[] unknown bytes, one after the other, at
 * the state's end, then feed after[]. */
static int feed_error(struct env *e, const struct ub_ml_state *s0, const int *lens, int nerr,
                      float cost, const int *after, int nafter)
{
    if (s0->ncon + nerr > MAXCON)
        return 0;
    int tok[DROP_BYTES_TOP + 3 + 4];
    int nt = 0;
    struct ub_ml_state s = *s0;
    for (int k = 0; k < nerr; k++) {
        s.con[s.ncon++] = (s.nb + (uint32_t)nt) << 2 | (uint32_t)lens[k] |
                          (k + 1 < nerr ? CON_CHAIN : 0);
        for (int i = 0; i < lens[k]; i++)
            tok[nt++] = i ? W_ANY : W_LEAD;
    }
    for (int i = 0; i < nafter; i++)
        tok[nt++] = after[i];
    s.score -= cost * (float)nerr;
    s.nlost = (uint16_t)(s.nlost + nerr);
    e->tok = tok;
    e->ntok = nt;
    return feed(e, &s, 0);
}

/*
 * DROP: what a decoder dropped before after[] (or at the end): one
 * sequence of 1..lens_max bytes, or up to DROP_CHAIN of them in a row,
 * DROP_BYTES bytes in all (DROP_BYTES_TOP after the DROP_TOP best states).
 * Nothing marks where one dropped sequence ends and the next begins;
 * resolve() checks each against the bytes after it: a lead before an
 * invalid trail is an error of one byte and the trail is read again (Big5-
 * HKSCS drops the E3 of キ and reads 82 AD as a pair).  Longer chains (a
 * whole character lost, and its neighbours' bytes) cost more states than
 * they recover.
 */
static int drops_from(struct env *e, const struct ub_ml_state *s0, int lens_max, float cost,
                      const int *after, int nafter, int *lens, int k, int bytes)
{
    for (int L = 1; L <= lens_max && (!k || bytes + L <= e->drop_bytes); L++) {
        lens[k] = L;
        if (feed_error(e, s0, lens, k + 1, cost, after, nafter) < 0)
            return -1;
        if (k + 1 < DROP_CHAIN &&
            drops_from(e, s0, lens_max, cost, after, nafter, lens, k + 1, bytes + L) < 0)
            return -1;
    }
    return 0;
}

static int feed_drops(struct env *e, const struct ub_ml_state *s0, int lens_max, float cost,
                      const int *after, int nafter)
{
    int lens[DROP_CHAIN];
    return drops_from(e, s0, lens_max, cost, after, nafter, lens, 0, 0);
}

/* ------------------------------------------------------------ beam */

/* Ranks best first, ties by index: the order a stable sort by rank gives,
 * as a total order (any selection method then picks the same states). */
static inline int rank_before(const float *rk, int a, int b)
{
    return rk[a] > rk[b] || (rk[a] == rk[b] && a < b);
}

static int rank_cmp(const void *pa, const void *pb, void *ctx)
{
    const float *rk = ctx;
    int a = *(const int *)pa, b = *(const int *)pb;
    return rank_before(rk, a, b) ? -1 : rank_before(rk, b, a);
}

/* Move the k states that rank first among o[0..n) to o[0..k), in no
 * particular order (quickselect). */
static void rank_select(const float *rk, int *o, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1 && k > lo && k < hi) {
        int pv = o[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        /* three-way: [lo, i) before the pivot, [j, hi) after it */
        for (size_t m = lo; m < j;) {
            if (rank_before(rk, o[m], pv)) {
                int t = o[m]; o[m] = o[i]; o[i] = t;
                i++, m++;
            } else if (rank_before(rk, pv, o[m])) {
                j--;
                int t = o[m]; o[m] = o[j]; o[j] = t;
            } else {
                m++;
            }
        }
        if (k <= i)
            hi = i;
        else if (k >= j)
            lo = j;
        else
            return;
    }
}

/* The last 7 bytes of s (nb >= 7), 9 bits each as future_hash() reads
 * them: a byte's value, or 0x100 | the class of a wildcard. */
static uint64_t last7(const struct ub_ml_state *s)
{
    uint64_t v = 0;
    for (uint32_t d = 1; d <= 7; d++) {
        int sl = (int)((s->nb - d) & 7);
        v = v << 9 | (s->wild >> sl & 1 ? 0x100u | s->wcls[sl] : s->wb[sl]);
    }
    return v;
}

/* Same future: same context, same unsettled bytes and constraints.  wa7, wb7:
 * last7() of a and b where they have 7 bytes or more. */
static int same_future(const struct ub_ml_state *a, const struct ub_ml_state *b, uint64_t wa7,
                       uint64_t wb7)
{
    if (a->c1 != b->c1 || a->c2 != b->c2 || a->plen != b->plen || a->pneed != b->pneed ||
        a->ncon != b->ncon)
        return 0;
    for (int i = 0; i < a->ncon; i++)
        if (a->nb - CON_AT(a->con[i]) != b->nb - CON_AT(b->con[i]) ||
            (a->con[i] & (3 | CON_CHAIN)) != (b->con[i] & (3 | CON_CHAIN)))
            return 0;
    if (a->nb >= 7 && b->nb >= 7)
        return wa7 == wb7;
    for (uint32_t d = 1; d <= 7 && d <= a->nb && d <= b->nb; d++) {
        int sa = (int)((a->nb - d) & 7), sb = (int)((b->nb - d) & 7);
        int wa = a->wild >> sa & 1, wb = b->wild >> sb & 1;
        if (wa != wb || (wa ? a->wcls[sa] != b->wcls[sb] : a->wb[sa] != b->wb[sb]))
            return 0;
    }
    return 1;
}

/* Keep the BEAM best distinct states of nxt in cur.  Only the first few
 * of the ranking are needed, mostly: they are selected a chunk at a time
 * and only the chunk is sorted. */
static int select_beam(ub_mbcs_lossy_scratch *x, float cut)
{
    if (ub_reserve((void **)&x->order, &x->ordcap, x->nnxt + 1, sizeof *x->order) ||
        ub_reserve((void **)&x->rank, &x->rankcap, x->nnxt + 1, sizeof *x->rank) ||
        ub_reserve((void **)&x->cur, &x->curcap, BEAM, sizeof *x->cur))
        return -1;
    /* (a state below the step's cut is never selected, where every state
     * has 7 bytes or more: witness(); cut is -INFINITY otherwise) */
    size_t n = 0;
    for (size_t i = 0; i < x->nnxt; i++) {
        const struct ub_ml_state *a = &x->nxt[i];
        x->rank[i] = state_rank(a);
        if (!(x->rank[i] < cut))
            x->order[n++] = (int)i;
    }
    x->ncur = 0;
    uint64_t w7[BEAM];          /* last7() of the states selected */
    for (size_t at = 0; at < n && x->ncur < BEAM;) {
        size_t k = n - at < 2 * BEAM ? n - at : 2 * BEAM;
        rank_select(x->rank, x->order + at, n - at, k);
        qsort_r(x->order + at, k, sizeof *x->order, rank_cmp, x->rank);
        for (size_t i = at; i < at + k && x->ncur < BEAM; i++) {
            const struct ub_ml_state *c = &x->nxt[x->order[i]];
            uint64_t c7 = c->nb >= 7 ? last7(c) : 0;
            int dup = 0;
            for (size_t j = 0; j < x->ncur && !dup; j++)
                dup = same_future(&x->cur[j], c, w7[j], c7);
            if (!dup) {
                w7[x->ncur] = c7;
                x->cur[x->ncur] = *c;
                if (commit(x, &x->cur[x->ncur++]))
                    return -1;
            }
        }
        at += k;
    }
    x->nnxt = 0;
    return 0;
}

/* Write the text of a final state into s->cps / s->wm; returns its length. */
static long path(ub_mbcs_lossy_scratch *x, const struct ub_ml_state *f)
{
    size_t len = 0;
    for (int32_t h = f->hist; h >= 0; h = x->hist[h].prev)
        len += x->hist[h].n;
    if (ub_reserve((void **)&x->cps, &x->cpscap, len + 1, sizeof *x->cps) ||
        ub_reserve((void **)&x->wm, &x->wmcap, len + 1, 1))
        return -1;
    size_t k = len;
    for (int32_t h = f->hist; h >= 0; h = x->hist[h].prev)
        for (int i = x->hist[h].n - 1; i >= 0; i--) {
            x->cps[--k] = x->hist[h].cp[i];
            x->wm[k] = x->hist[h].wm[i];
        }
    return (long)len;
}

/* UTF-8 of cps[0..n) plus extra bytes, into s->bytes; returns the length. */
static long to_bytes(ub_mbcs_lossy_scratch *x, const uint32_t *cps, size_t n, const uint8_t *extra,
                     size_t nextra)
{
    if (ub_reserve((void **)&x->bytes, &x->bytescap, 4 * n + nextra + 1, 1))
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)ub_utf8_encode(cps[i], x->bytes + o);
    memcpy(x->bytes + o, extra, nextra);
    return (long)(o + nextra);
}

/*
 * How many of the characters after the run reached the decoder with it.  A
 * line break may be where the decoder's input ended (text decoded line by
 * line, a newline added after the decode): then none, and a lead at the
 * very end of the run was alone.  That reading only adds to the others
 * (only Windows' lead takes a newline with it; the other conventions treat
 * a newline and the end alike), so it is allowed, not forced.
 */
static size_t decoder_right(const struct ub_mbcs_lossy_run *r)
{
    return r->nright && (r->right[0] == '\n' || r->right[0] == '\r') ? 0 : r->nright;
}

int ub_mbcs_lossy_check(ub_mbcs_lossy_scratch *x, const struct ub_mbcs_lossy_run *r,
                        ub_mbcs_conv_e conv, const uint32_t *cps, size_t n)
{
    const uint32_t *in = r->in, *right = r->right;
    size_t nin = r->n, nright = decoder_right(r);
    uint8_t r0 = nright && right[0] < 0x80 ? (uint8_t)right[0] : 0;
    size_t nr = nright && right[0] < 0x80;
    long nb = to_bytes(x, cps, n, &r0, nr);
    if (nb < 0 || ub_reserve((void **)&x->dec, &x->deccap, (size_t)nb + 1, sizeof *x->dec))
        return -1;
    long m = ub_mbcs_decode_conv(r->cache, r->id, conv, x->bytes, (size_t)nb, x->dec,
                                 (size_t)nb + 1);
    if (m < 0)
        return -1;
    if ((size_t)m != nin + nr || memcmp(x->dec, in, nin * sizeof *in))
        return 0;
    return !nr || x->dec[nin] == right[0];
}

int ub_mbcs_lossy_search(ub_mbcs_lossy_scratch *x, const struct ub_mbcs_lossy_run *r,
                         ub_mbcs_conv_e conv, struct ub_mbcs_lossy_found *found)
{
    struct env env = { .s = x, .t = r->t, .id = r->id, .conv = conv, .lm = r->lm,
                       .lc = ub_lm_cache_for(r->lm), .steps = r->steps };
    struct env *e = &env;
    e->g = conv == UB_MBCS_CONV_DROP ? 0 : (int)conv;
    const uint32_t *in = r->in, *right = r->right;
    size_t n = r->n, nright = r->nright;
    uint32_t marker = ub_mbcs_conv_marker(e->id, e->conv);
    int lens_max = e->t->triples && (e->conv == UB_MBCS_CONV_ICU ||
                                         e->conv == UB_MBCS_CONV_DROP) ? 3 :
                   e->conv == UB_MBCS_CONV_PYTHON ? 1 : 2;
    float cost = e->conv == UB_MBCS_CONV_WIN ? (float)UB_MBCS_LOSS_QMARK
                 : e->conv == UB_MBCS_CONV_DROP ? (float)UB_MBCS_LOSS_DROP
                                                : (float)UB_MBCS_LOSS_FFFD;
    x->nhist = 0;
    x->nnxt = 0;
    /* the rankings hold for the same model; those with a letter among
     * their fills, for the same letters */
    if (x->rlm != r->lm) {
        rank_reset(x);
        x->rlm = r->lm;
    }
    if (!x->ragen || (x->alpha != NULL) != x->ralpha_on ||
        (x->alpha && memcmp(&x->ralpha, x->alpha, sizeof x->ralpha))) {
        x->ragen = x->ragen + 1 ? x->ragen + 1 : 1;
        x->ralpha_on = x->alpha != NULL;
        if (x->alpha)
            x->ralpha = *x->alpha;
    }
    if (ub_reserve((void **)&x->cur, &x->curcap, BEAM, sizeof *x->cur))
        return -1;
    x->ncur = 1;
    memset(&x->cur[0], 0, sizeof x->cur[0]);
    x->cur[0].c2 = r->l2;
    x->cur[0].c1 = r->l1;
    x->cur[0].hist = -1;
    e->final = 0;
    for (size_t i = 0; i <= n; i++) {
        uint32_t seqs[MAX_ALTS_SEQ];
        int nseq = 0;
        if (i < n) {
            nseq = ub_mbcs_encode_alts(e->id, in[i], seqs, MAX_ALTS_SEQ);
            if (nseq > MAX_ALTS_SEQ)
                nseq = MAX_ALTS_SEQ;
        }
        int is_marker = i < n && marker && in[i] == marker;
        uint32_t la[MAX_ALTS_SEQ];
        e->la_end = i + 1 >= n;
        e->la_free = e->conv == UB_MBCS_CONV_DROP || (i + 1 < n && marker && in[i + 1] == marker);
        e->la_nseq = 0;
        e->la_seq = la;
        if (i + 1 < n) {
            e->la_nseq = ub_mbcs_encode_alts(e->id, in[i + 1], la, MAX_ALTS_SEQ);
            if (e->la_nseq > MAX_ALTS_SEQ)
                e->la_nseq = MAX_ALTS_SEQ;
        }
        if (i == n)
            e->la_end = 0, e->la_free = 1;
        /* the cut from the seventh step on (every state has 7 bytes,
         * as future_hash() needs), not at the end (no selection there) */
        e->cut_on = i < n;
        e->short_emit = 0;
        e->nwit = 0;
        e->cut = -INFINITY;
        for (size_t si = 0; si < x->ncur; si++) {
            const struct ub_ml_state *st0 = &x->cur[si];
            if (st0->score < e->cut)
                continue;
            int drop = e->conv == UB_MBCS_CONV_DROP;
            if (i == n) {
                if (emit(e, st0) < 0)
                    return -1;
                /* bytes dropped at the very end */
                e->drop_bytes = si < DROP_TOP ? DROP_BYTES_TOP : DROP_BYTES;
                if (drop && st0->plen && feed_drops(e, st0, lens_max, cost, NULL, 0) < 0)
                    return -1;
                continue;
            }
            for (int L = 1; is_marker && L <= lens_max; L++)
                if (feed_error(e, st0, &L, 1, cost, NULL, 0) < 0)
                    return -1;
            e->drop_bytes = si < DROP_TOP ? DROP_BYTES_TOP : DROP_BYTES;
            for (int q = 0; q < nseq; q++) {
                int tok[4], nt = UB_MBCS_SEQ_LEN(seqs[q]);
                for (int b = 0; b < nt; b++)
                    tok[b] = UB_MBCS_SEQ_BYTE(seqs[q], b);
                struct ub_ml_state s = *st0;
                s.nlit = (uint16_t)(s.nlit + is_marker);
                e->tok = tok;
                e->ntok = nt;
                if (feed(e, &s, 0) < 0)
                    return -1;
                /* DROP: bytes lost before this character, where the UTF-8
                 * read so far or the character's own bytes say so */
                if (drop && (st0->plen || ub_utf8_is_cont((uint8_t)tok[0])) &&
                    feed_drops(e, st0, lens_max, cost, tok, nt) < 0)
                    return -1;
            }
        }
        if (e->oom)
            return -1;
        if (i == n)
            break;
        if (!x->nnxt || (x->step_limit && *e->steps >= x->step_limit))
            return 1;
        if (select_beam(x, e->short_emit ? -INFINITY : e->cut))
            return -1;
    }
    /* the end: every character complete, every constraint met */
    e->final = 1;
    uint8_t rb[8];
    int nrb = 0;
    for (size_t k = 0; k < decoder_right(r) && k < 2 && nrb < 2; k++) {
        uint8_t b4[4];
        int l = right[k] < 0x80 ? (b4[0] = (uint8_t)right[k], 1)
                                : ub_mbcs_encode_cp(e->id, right[k], b4);
        if (l <= 0)
            break;
        for (int q = 0; q < l && nrb < 2; q++)
            rb[nrb++] = b4[q];
    }
    e->fin_rb[0] = nrb > 0 ? rb[0] : END;
    e->fin_rb[1] = nrb > 1 ? rb[1] : END;
    size_t nf = 0;
    if (ub_reserve((void **)&x->fin, &x->fincap, x->nnxt + 1, sizeof *x->fin))
        return -1;
    for (size_t i = 0; i < x->nnxt; i++) {
        struct ub_ml_state f = x->nxt[i];
        if (f.plen || !resolve(e, &f) || !f.nlost)
            continue;
        if (commit(x, &f))
            return -1;
        f.score += (float)ub_lm_junction(e->lm, f.c2, f.c1, right, nright);
        x->fin[nf++] = f;
    }
    x->nnxt = 0;
    /* best first; check forward until one round-trips */
    for (int tries = 0; tries < NVERIFY && nf; tries++) {
        size_t b = 0;
        for (size_t i = 1; i < nf; i++)
            if (x->fin[i].score > x->fin[b].score)
                b = i;
        struct ub_ml_state f = x->fin[b];
        x->fin[b] = x->fin[--nf];
        long m = path(x, &f);
        if (m < 0)
            return -1;
        int ok = ub_mbcs_lossy_check(x, r, conv, x->cps, (size_t)m);
        if (ok < 0)
            return -1;
        if (ok) {
            found->len = m;
            found->score = f.score;
            found->nlost = f.nlost;
            found->nlit = f.nlit;
            return 0;
        }
    }
    return 1;
}

