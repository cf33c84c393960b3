/*
 * mbcs_lossy.c -- UTF-8 misread as a multibyte codec with losses: forward
 * simulation of the four conventions and the beam search that reverses it.
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
 * among.  ICU's error length is read from a table enumerated from ICU
 * itself (like mbcs.c's tables), not from a guess at its state machine.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

#include "mbcs_lossy.h"
#include "mem.h"
#include "utf8.h"

/* ------------------------------------------------------------ tuning */

#define BEAM 48             /* states kept per step */
#define TOPK 12             /* candidates kept per completed character */
#define ENUM_MAX 256        /* fills enumerated outright; more: vocabulary */
#define EST_PENDING (-5.0f) /* ranking estimate of a character not yet
                               complete (about a CJK character's log P) */
#define MAXCON 4            /* pending decoder constraints per state */
#define NVERIFY 6           /* final states checked forward before giving up */
#define ALT_SCAN 64         /* alternatives checked forward per gap */
#define MAX_ALTS_SEQ 8      /* byte sequences per character */
#define MAXSTEP 8           /* characters finished in one step (a dropped
                               sequence and a token: at most 6 bytes) */

/* byte values beside 0..255 */
#define FUT (-1)            /* unknown yet: a wildcard or a byte to come */
#define END 256             /* past the end of the text */
/* token bytes */
#define W_LEAD (-1)         /* unknown byte, not ASCII (starts an error) */
#define W_ANY (-2)          /* unknown byte, ASCII allowed */
/* wildcard classes */
enum { C_CONT, C_ASCII, C_LEAD2, C_LEAD3, C_LEAD4, NCLS };

/* The wildcard class of a UTF-8 byte, -1 for one UTF-8 never has. */
static int byte_class(uint8_t b)
{
    if (b < 0x80)
        return C_ASCII;
    if (b < 0xC0)
        return C_CONT;
    int l = ub_utf8_seqlen(b);
    return l ? C_LEAD2 + l - 2 : -1;
}

/* ------------------------------------------------------------ conventions */

static const char *const conv_names[UB_MBCS_NCONV] = { "icu", "python", "windows", "dropped" };

const char *ub_mbcs_conv_name(ub_mbcs_conv_e conv)
{
    return (unsigned)conv < UB_MBCS_NCONV ? conv_names[conv] : NULL;
}

static int is_sjis(int id)
{
    const char *nm = ub_mbcs_name(id);
    return nm && !strcmp(nm, "shift_jis");
}

uint32_t ub_mbcs_conv_marker(int id, ub_mbcs_conv_e conv)
{
    switch (conv) {
    case UB_MBCS_CONV_ICU:
    case UB_MBCS_CONV_PYTHON:
        return 0xFFFD;
    case UB_MBCS_CONV_WIN:
        return is_sjis(id) ? 0x30FB : '?';
    default:
        return 0;
    }
}

/* ------------------------------------------------------------ decoder tables */

/* What the wrong decoders do at one byte, per codec: built once. */
struct ltab {
    int ok;
    uint8_t single[256];        /* decodes on its own */
    uint8_t lead[256];          /* leads some decodable pair */
    uint8_t tlead[256];         /* leads decodable triples (EUC-JP 0x8F) */
    uint8_t icu_dep[256];       /* ICU's error length here depends on the
                                   next byte (1) or the next two (2) */
    uint8_t icu_len[256];       /* ... else that length */
    uint8_t *icu2;              /* [b - 0x80][t]: error length at b t, 0 = ok */
    uint8_t *icu3;              /* [t1][t2] after a triple lead */
    /* [ICU/PYTHON/WIN][b][class of the next byte (C_*)]: bit L set when
     * some next byte of the class gives a marker of L bytes at b */
    uint8_t poss[3][256][5];
};

#define NCODECS_MAX 16
static _Atomic(struct ltab *) ltabs[NCODECS_MAX];
static struct ltab lfailed;
static pthread_mutex_t lbuild_lock = PTHREAD_MUTEX_INITIALIZER;

#define MARKU 0xFFFF

static void mark_cb(const void *ctx, UConverterToUnicodeArgs *args, const char *units,
                    int32_t len, UConverterCallbackReason reason, UErrorCode *err)
{
    (void)ctx;
    (void)units;
    (void)len;
    if (reason > UCNV_IRREGULAR)
        return;
    static const UChar mark = MARKU;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &mark, 1, 0, err);
}

/*
 * Decode nitems items of stride bytes in one ICU call; res[k] = the length
 * of the error ICU reports at the first byte of item k (where the next
 * output starts), 0 when that byte starts a decodable sequence.  Every item
 * ends in '\n', which no codec takes as a trail byte.
 */
static int icu_errlens(UConverter *cnv, const uint8_t *src, size_t nitems, int stride,
                       uint8_t *res)
{
    size_t n = nitems * (size_t)stride;
    UChar *u = malloc(2 * n * sizeof *u);
    int32_t *off = malloc(2 * n * sizeof *off);
    int rc = -1;
    if (!u || !off)
        goto out;
    memset(res, 0xEE, nitems);
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(cnv);
    UChar *t = u;
    const char *s = (const char *)src;
    ucnv_toUnicode(cnv, &t, u + 2 * n, &s, s + n, off, 1, &err);
    if (U_FAILURE(err))
        goto out;
    size_t m = (size_t)(t - u);
    for (size_t i = 0; i < m; i++) {
        if (off[i] < 0 || off[i] % stride || res[off[i] / stride] != 0xEE)
            continue;
        size_t k = (size_t)off[i] / (size_t)stride;
        if (u[i] != MARKU) {
            res[k] = 0;
            continue;
        }
        size_t j = i + 1;
        while (j < m && off[j] == off[i])
            j++;
        res[k] = (uint8_t)(j < m ? off[j] - off[i] : stride - 1);
    }
    for (size_t k = 0; k < nitems; k++)
        if (res[k] == 0xEE)
            res[k] = 1;
    rc = 0;
out:
    free(u);
    free(off);
    return rc;
}

static int dec_at(const struct ltab *t, int id, ub_mbcs_conv_e conv, int b0, int b1, int b2);

static void free_ltab(struct ltab *t)
{
    if (!t || t == &lfailed)
        return;
    free(t->icu2);
    free(t->icu3);
    free(t);
}

static struct ltab *lbuild(int id)
{
    struct ltab *t = calloc(1, sizeof *t);
    uint8_t *src = NULL;
    UConverter *cnv = NULL;
    UErrorCode err = U_ZERO_ERROR;
    if (!t || ub_mbcs_prepare(id))
        goto fail;
    cnv = ucnv_open(ub_mbcs_icu_name(id), &err);
    if (U_FAILURE(err))
        goto fail;
    ucnv_setFallback(cnv, 0);
    ucnv_setToUCallBack(cnv, mark_cb, NULL, NULL, NULL, &err);
    if (U_FAILURE(err))
        goto fail;
    for (int b = 0; b < 256; b++) {
        uint8_t q[3] = { (uint8_t)b, 0, 0 };
        uint32_t cp;
        t->single[b] = ub_mbcs_decode_char(id, q, 1, &cp) == 1;
        for (int x = 0; x < 256 && !t->single[b] && !t->lead[b]; x++) {
            q[1] = (uint8_t)x;
            t->lead[b] = ub_mbcs_decode_char(id, q, 2, &cp) == 2;
        }
    }
    /* triples exist only behind EUC-JP's 0x8F */
    for (int a = 0xA1; a <= 0xFE && !t->tlead[0x8F]; a++)
        for (int c = 0xA1; c <= 0xFE && !t->tlead[0x8F]; c++) {
            uint8_t q[3] = { 0x8F, (uint8_t)a, (uint8_t)c };
            uint32_t cp;
            t->tlead[0x8F] = !t->single[0x8F] && ub_mbcs_decode_char(id, q, 3, &cp) == 3;
        }
    t->icu2 = malloc(128 * 256);
    src = malloc(65536 * 4);
    if (!t->icu2 || !src)
        goto fail;
    for (size_t k = 0; k < 128 * 256; k++) {
        src[3 * k] = (uint8_t)(0x80 + k / 256);
        src[3 * k + 1] = (uint8_t)(k % 256);
        src[3 * k + 2] = '\n';
    }
    if (icu_errlens(cnv, src, 128 * 256, 3, t->icu2))
        goto fail;
    for (int b = 0; b < 256; b++) {
        if (b < 0x80 || t->single[b])
            continue;
        const uint8_t *row = t->icu2 + (size_t)(b - 0x80) * 256;
        int dep = 0;
        for (int x = 1; x < 256; x++)
            dep |= row[x] != row[0];
        t->icu_dep[b] = (uint8_t)(t->tlead[b] ? 2 : dep);
        t->icu_len[b] = row[0];
    }
    int any3 = 0;
    for (int b = 0x80; b < 256; b++)
        any3 |= t->tlead[b];
    if (any3) {
        t->icu3 = malloc(65536);
        if (!t->icu3)
            goto fail;
        for (size_t k = 0; k < 65536; k++) {
            src[4 * k] = 0x8F;
            src[4 * k + 1] = (uint8_t)(k / 256);
            src[4 * k + 2] = (uint8_t)(k % 256);
            src[4 * k + 3] = '\n';
        }
        if (icu_errlens(cnv, src, 65536, 4, t->icu3))
            goto fail;
    }
    t->ok = 1;
    for (int g = 0; g < 3; g++)
        for (int b = 0x80; b < 256; b++)
            for (int x = 0; x < 256; x++) {
                int cls = x < 0x80 ? C_ASCII : byte_class((uint8_t)x);
                if (cls < 0)
                    continue;       /* never in UTF-8 */
                int r = dec_at(t, id, (ub_mbcs_conv_e)g, b, x, FUT);
                t->poss[g][b][cls] |= (uint8_t)(r < 0 ? 0x0E : 1 << r);
            }
    free(src);
    ucnv_close(cnv);
    return t;
fail:
    free(src);
    if (cnv)
        ucnv_close(cnv);
    free_ltab(t);
    return &lfailed;
}

static const struct ltab *get_ltab(int id)
{
    if (id < 0 || id >= ub_mbcs_count() || id >= NCODECS_MAX)
        return NULL;
    struct ltab *t = atomic_load_explicit(&ltabs[id], memory_order_acquire);
    if (t)
        return t->ok ? t : NULL;
    pthread_mutex_lock(&lbuild_lock);
    t = atomic_load_explicit(&ltabs[id], memory_order_relaxed);
    if (!t) {
        t = lbuild(id);
        atomic_store_explicit(&ltabs[id], t, memory_order_release);
    }
    pthread_mutex_unlock(&lbuild_lock);
    return t->ok ? t : NULL;
}

/*
 * What decoder conv does at bytes b0 b1 b2 (each 0..255, END or FUT):
 * -1 when that depends on a byte not known yet, 0 when b0 starts a
 * decodable sequence, else the number of bytes its marker stands for.
 */
static int dec_at(const struct ltab *t, int id, ub_mbcs_conv_e conv, int b0, int b1, int b2)
{
    if (b0 == FUT)
        return -1;
    if (b0 == END || b0 < 0x80 || t->single[b0])
        return 0;
    if (conv == UB_MBCS_CONV_ICU || conv == UB_MBCS_CONV_DROP) {
        if (!t->icu_dep[b0])
            return t->icu_len[b0];
        if (b1 == FUT)
            return -1;
        if (b1 == END)
            return 1;
        if (t->icu_dep[b0] == 2) {
            if (b2 == FUT)
                return -1;
            return t->icu3[b1 * 256 + (b2 == END ? '\n' : b2)];
        }
        return t->icu2[(size_t)(b0 - 0x80) * 256 + (size_t)b1];
    }
    /* Python and Windows: the table walk of ub_mbcs_decode_conv() */
    int ok = 0;
    if (t->lead[b0] || t->tlead[b0]) {
        if (b1 == FUT)
            return -1;
        if (b1 != END) {
            uint8_t q[3] = { (uint8_t)b0, (uint8_t)b1, 0 };
            size_t nav = 2;
            if (t->tlead[b0]) {
                if (b2 == FUT)
                    return -1;
                if (b2 != END) {
                    q[2] = (uint8_t)b2;
                    nav = 3;
                }
            }
            uint32_t cp;
            ok = ub_mbcs_decode_char(id, q, nav, &cp) > 0;
        }
    }
    if (ok)
        return 0;
    if (conv == UB_MBCS_CONV_PYTHON || !t->lead[b0])
        return 1;
    if (b1 == FUT)
        return -1;
    /* Windows takes the byte after a lead with it, whatever it is */
    return b1 != END && b1 != 0 ? 2 : 1;
}

/* ------------------------------------------------------------ forward */

long ub_mbcs_decode_conv(ub_mbcs_cache *cache, int id, ub_mbcs_conv_e conv, const uint8_t *in,
                         size_t n, uint32_t *out, size_t cap)
{
    if (!cache || (!in && n) || (unsigned)conv >= UB_MBCS_NCONV || !ub_mbcs_name(id))
        return -1;
    if (conv == UB_MBCS_CONV_ICU || conv == UB_MBCS_CONV_DROP) {
        long m = ub_mbcs_decode(cache, id, in, n, out, cap, NULL);
        if (m < 0 || conv == UB_MBCS_CONV_ICU)
            return m;
        long o = 0;
        for (long i = 0; i < m; i++)
            if (out[i] != 0xFFFD)
                out[o++] = out[i];
        return o;
    }
    const struct ltab *t = get_ltab(id);
    if (!t)
        return -1;
    uint32_t mark = ub_mbcs_conv_marker(id, conv);
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (o == cap)
            return -1;
        uint32_t cp;
        int len = ub_mbcs_decode_char(id, in + i, n - i, &cp);
        if (len) {
            out[o++] = cp;
            i += (size_t)len;
            continue;
        }
        out[o++] = mark;
        i += conv == UB_MBCS_CONV_WIN && t->lead[in[i]] && i + 1 < n && in[i + 1] ? 2 : 1;
    }
    return (long)o;
}

/* ------------------------------------------------------------ scratch */

/* One beam state: the text so far and the bytes not yet settled. */
struct st {
    float score;            /* log P of the finished characters - costs */
    uint32_t c2, c1;        /* language model context */
    int32_t hist;           /* last history node */
    uint32_t nb;            /* bytes so far */
    uint8_t wb[8];          /* byte j in wb[j & 7] (the last 8 bytes) */
    uint8_t wcls[8];        /* class of a wildcard byte */
    uint8_t wild;           /* bit j & 7: byte j is a wildcard */
    uint8_t plen, pneed;    /* current character: bytes so far, in all */
    uint8_t ncon;
    uint32_t con[MAXCON];   /* error tokens to check: start << 2 | length */
    uint16_t nlost, nlit;
    /* characters finished in this step, not yet in the history */
    uint8_t an;
    uint8_t awm[MAXSTEP];   /* per character: which of its bytes were lost */
    uint32_t acp[MAXSTEP];
};

/* Characters finished within one step (one input character). */
struct hnode {
    int32_t prev;
    uint8_t n;
    uint8_t wm[MAXSTEP];
    uint32_t cp[MAXSTEP];
};

struct ub_mbcs_lossy_scratch {
    struct st *cur, *nxt;
    size_t curcap, nxtcap, ncur, nnxt;
    struct hnode *hist;
    size_t histcap, nhist;
    struct st *fin;
    size_t fincap;
    int *order;
    size_t ordcap;
    /* the language model's vocabulary by UTF-8 length, sorted */
    const ub_lm *vlm;
    uint32_t *voc[5];
    size_t nvoc[5];
    /* results */
    uint32_t *cps, *best_cps, *dec;
    uint8_t *wm, *best_wm, *bytes;
    ub_lchar *chars;
    ub_gapalt *gaps;
    size_t cpscap, bcpscap, deccap, wmcap, bwmcap, bytescap, charscap, gapscap;
    /* candidates of one character */
    uint32_t *cand;
    float *csc;
    size_t candcap, csccap;
};

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
    free(s->csc);
    free(s);
}

static int utf8_len(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
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
        int l = utf8_len(cp);
        if (ub_reserve((void **)&s->voc[l], &cap[l], s->nvoc[l] + 1, sizeof(uint32_t)))
            return -1;
        s->voc[l][s->nvoc[l]++] = cp;
    }
    s->vlm = lm;
    return 0;
}

/* ------------------------------------------------------------ the search */

struct env {
    ub_mbcs_lossy_scratch *s;
    const struct ltab *t;
    int id;
    ub_mbcs_conv_e conv;
    const ub_lm *lm;
    uint64_t *steps;
    int oom;
    int fin_rb[2];          /* the bytes after the run, at the end */
    /* the next input character, for the one-step lookahead */
    int la_end;             /* 1: there is none (the run ends) */
    int la_free;            /* 1: it may be a marker or follow a drop */
    const uint32_t *la_seq; /* else: its byte sequences */
    int la_nseq;
    int final;              /* 1: bytes past the end are fin_rb / END */
};

static int byte_at(const struct env *e, const struct st *s, uint32_t j)
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

/* Check the pending error tokens that can be checked: 0 when one fails. */
static int resolve(const struct env *e, struct st *s)
{
    int k = 0;
    for (int i = 0; i < s->ncon; i++) {
        uint32_t j0 = s->con[i] >> 2;
        int len = (int)(s->con[i] & 3);
        int r = dec_at(e->t, e->id, e->conv, byte_at(e, s, j0), byte_at(e, s, j0 + 1),
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
            continue;
        }
        if (r != len)
            return 0;
    }
    s->ncon = (uint8_t)k;
    return 1;
}

static int cls_len(int cls)
{
    return cls == C_ASCII ? 1 : cls == C_LEAD2 ? 2 : cls == C_LEAD3 ? 3 : cls == C_LEAD4 ? 4 : 0;
}

/* Move the characters a state finished in this step into the history. */
static int commit(ub_mbcs_lossy_scratch *x, struct st *s)
{
    if (!s->an)
        return 0;
    if (ub_reserve((void **)&x->hist, &x->histcap, x->nhist + 1, sizeof *x->hist))
        return -1;
    struct hnode *h = &x->hist[x->nhist];
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
static int lookahead_ok(const struct env *e, const struct st *s)
{
    if (e->la_end)
        return !s->plen || e->conv == UB_MBCS_CONV_DROP;
    if (e->la_free)
        return 1;
    for (int q = 0; q < e->la_nseq; q++) {
        struct st t = *s;
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
        if (ok && resolve(e, &t))
            return 1;
    }
    return 0;
}

static int emit(struct env *e, const struct st *s)
{
    ub_mbcs_lossy_scratch *x = e->s;
    if (!lookahead_ok(e, s))
        return 0;
    if (ub_reserve((void **)&x->nxt, &x->nxtcap, x->nnxt + 1, sizeof *x->nxt)) {
        e->oom = 1;
        return -1;
    }
    x->nxt[x->nnxt++] = *s;
    (*e->steps)++;
    return 0;
}

static int feed(struct env *e, const struct st *s0, const int *tok, int ntok, int k);

/* Write the bytes of candidate cp over the wildcards of the character that
 * ends at byte nb - 1. */
static void assign(struct st *s, uint32_t cp)
{
    uint8_t b[4];
    int len = ub_utf8_encode(cp, b);
    uint32_t j0 = s->nb - (uint32_t)len;
    for (int i = 0; i < len; i++) {
        int slot = (int)((j0 + (uint32_t)i) & 7);
        s->wb[slot] = b[i];
        s->wild &= (uint8_t)~(1u << slot);
    }
}

/* Does cp fit the known bytes of the pattern? */
static int fits(uint32_t cp, const uint8_t *pb, unsigned wm, int len)
{
    uint8_t b[4];
    if (ub_utf8_encode(cp, b) != len)
        return 0;
    for (int i = 0; i < len; i++)
        if (!(wm >> i & 1) && b[i] != pb[i])
            return 0;
    return 1;
}

static int class_range(int cls, int *lo, int *hi)
{
    switch (cls) {
    case C_CONT: *lo = 0x80; *hi = 0xBF; return 64;
    case C_ASCII: *lo = 0x09; *hi = 0x7E; return 0x7E - 0x09 + 1;
    case C_LEAD2: *lo = 0xC2; *hi = 0xDF; return 30;
    case C_LEAD3: *lo = 0xE0; *hi = 0xEF; return 16;
    default: *lo = 0xF0; *hi = 0xF4; return 5;
    }
}

static int ascii_ok(int b)
{
    return b == '\n' || (b >= 0x20 && b < 0x7F);
}

/*
 * The candidates for a character of len bytes whose known bytes are pb[]
 * (wildcards where wm has a bit, of classes cls[]): every value when at
 * most ENUM_MAX fit, else the model's vocabulary.  Into s->cand.
 */
static long candidates(ub_mbcs_lossy_scratch *x, const uint8_t *pb, const uint8_t *cls,
                       unsigned wm, int len)
{
    long combos = 1;
    int lo[4] = { 0 }, hi[4] = { 0 };
    for (int i = 0; i < len; i++)
        if (wm >> i & 1)
            combos *= class_range(cls[i], &lo[i], &hi[i]);
    size_t nc = 0;
    if (combos <= ENUM_MAX) {
        if (ub_reserve((void **)&x->cand, &x->candcap, (size_t)combos, sizeof *x->cand))
            return -1;
        uint8_t b[4];
        int v[4];
        for (int i = 0; i < len; i++)
            v[i] = wm >> i & 1 ? lo[i] : pb[i];
        for (;;) {
            for (int i = 0; i < len; i++)
                b[i] = (uint8_t)v[i];
            uint32_t cp;
            if (ub_utf8_decode(b, (size_t)len, &cp) == len && (len > 1 || ascii_ok(b[0])))
                x->cand[nc++] = cp;
            int i = len - 1;
            while (i >= 0 && (!(wm >> i & 1) || v[i] == hi[i])) {
                if (wm >> i & 1)
                    v[i] = lo[i];
                i--;
            }
            if (i < 0)
                break;
            v[i]++;
        }
        return (long)nc;
    }
    const uint32_t *voc = x->voc[len];
    size_t nv = x->nvoc[len], a = 0, z = nv;
    if (!(wm & 1)) {
        /* a known lead: the code points it starts are contiguous */
        static const int shift[5] = { 0, 0, 6, 12, 18 };
        static const uint8_t mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
        uint32_t base = (uint32_t)(pb[0] & mask[len]) << shift[len];
        uint32_t top = base + (1u << shift[len]);
        while (a < z) {
            size_t m = (a + z) / 2;
            if (voc[m] < base)
                a = m + 1;
            else
                z = m;
        }
        z = a;
        while (z < nv && voc[z] < top)
            z++;
    }
    if (ub_reserve((void **)&x->cand, &x->candcap, z - a + 1, sizeof *x->cand))
        return -1;
    for (size_t i = a; i < z; i++)
        if (fits(voc[i], pb, wm, len))
            x->cand[nc++] = voc[i];
    return (long)nc;
}

/* The character ending at byte nb - 1 is complete: resolve its wildcards. */
static int complete(struct env *e, struct st *s, const int *tok, int ntok, int k)
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
        return feed(e, s, tok, ntok, k + 1);
    }
    ub_mbcs_lossy_scratch *x = e->s;
    long nc = candidates(x, pb, cls, wm, len);
    if (nc < 0) {
        e->oom = 1;
        return -1;
    }
    *e->steps += (uint64_t)nc;
    /* the TOPK best, and the best per last byte among those whose last
     * byte still starts an undecided error token: which of them the next
     * bytes allow is not known yet, so each must stay in the running */
    uint32_t top[TOPK + 64];
    float tsc[TOPK + 64];
    int nt = 0;
    float gsc[64];
    uint32_t gcp[64];
    uint64_t gset = 0;
    uint32_t start = s->nb - (uint32_t)len;
    for (long i = 0; i < nc; i++) {
        struct st t = *s;
        assign(&t, x->cand[i]);
        if (!resolve(e, &t))
            continue;
        float lp = ub_lm_logp(e->lm, s->c2, s->c1, x->cand[i]);
        int open = 0;
        for (int c = 0; c < t.ncon; c++)
            open |= (t.con[c] >> 2) >= start;
        uint8_t last = t.wb[(s->nb - 1) & 7];
        if (open && ub_utf8_is_cont(last)) {
            int g = last & 0x3F;
            if (!(gset >> g & 1) || lp > gsc[g]) {
                gset |= 1ull << g;
                gsc[g] = lp;
                gcp[g] = x->cand[i];
            }
        }
        int slot = nt < TOPK ? nt++ : -1;
        if (slot < 0) {
            slot = 0;
            for (int j = 1; j < TOPK; j++)
                if (tsc[j] < tsc[slot])
                    slot = j;
            if (lp <= tsc[slot])
                continue;
        }
        top[slot] = x->cand[i];
        tsc[slot] = lp;
    }
    for (int g = 0; g < 64; g++) {
        if (!(gset >> g & 1))
            continue;
        int dup = 0;
        for (int i = 0; i < nt && !dup; i++)
            dup = top[i] == gcp[g];
        if (!dup) {
            top[nt] = gcp[g];
            tsc[nt++] = gsc[g];
        }
    }
    for (int i = 0; i < nt; i++) {
        struct st t = *s;
        assign(&t, top[i]);
        resolve(e, &t);
        t.score += tsc[i];
        t.c2 = t.c1;
        t.c1 = top[i];
        t.acp[t.an] = top[i];
        t.awm[t.an++] = (uint8_t)wm;
        if (feed(e, &t, tok, ntok, k + 1) < 0)
            return -1;
    }
    return 0;
}

/* Push one byte (v >= 0) or wildcard of class cls, then go on. */
static int push(struct env *e, const struct st *s0, int v, int cls, const int *tok, int ntok,
                int k)
{
    struct st s = *s0;
    uint32_t j = s.nb++;
    int slot = (int)(j & 7);
    if (v >= 0) {
        s.wb[slot] = (uint8_t)v;
        s.wild &= (uint8_t)~(1u << slot);
    } else {
        s.wb[slot] = 0;
        s.wcls[slot] = (uint8_t)cls;
        s.wild |= (uint8_t)(1u << slot);
    }
    if (s.plen == 0) {
        int len = v >= 0 ? ub_utf8_seqlen((uint8_t)v) : cls_len(cls);
        if (!len)
            return 0;
        s.pneed = (uint8_t)len;
    } else if (v >= 0) {
        if (!ub_utf8_is_cont((uint8_t)v))
            return 0;
        if (s.plen == 1 && !(s.wild >> ((j - 1) & 7) & 1) &&
            !ub_utf8_second_ok(s.wb[(j - 1) & 7], (uint8_t)v))
            return 0;
    }
    s.plen++;
    if (!resolve(e, &s))
        return 0;
    if (s.plen < s.pneed)
        return feed(e, &s, tok, ntok, k + 1);
    return complete(e, &s, tok, ntok, k);
}

static int feed(struct env *e, const struct st *s0, const int *tok, int ntok, int k)
{
    if (k == ntok)
        return emit(e, s0);
    int v = tok[k];
    if (v >= 0)
        return push(e, s0, v, 0, tok, ntok, k);
    if (s0->plen)
        return push(e, s0, -1, C_CONT, tok, ntok, k);
    for (int cls = v == W_ANY ? C_ASCII : C_LEAD2; cls <= C_LEAD4; cls++)
        if (push(e, s0, -1, cls, tok, ntok, k) < 0)
            return -1;
    return 0;
}

/* Start an error token of len unknown bytes at the state's end. */
static int feed_error(struct env *e, const struct st *s0, int len, float cost, const int *after,
                      int nafter)
{
    if (s0->ncon >= MAXCON)
        return 0;
    int tok[8];
    int nt = 0;
    for (int i = 0; i < len; i++)
        tok[nt++] = i ? W_ANY : W_LEAD;
    for (int i = 0; i < nafter; i++)
        tok[nt++] = after[i];
    struct st s = *s0;
    s.con[s.ncon++] = s.nb << 2 | (uint32_t)len;
    s.score -= cost;
    s.nlost++;
    return feed(e, &s, tok, nt, 0);
}

/* ------------------------------------------------------------ beam */

static int rank_cmp(const void *pa, const void *pb, void *ctx)
{
    const struct st *v = ctx;
    const struct st *a = &v[*(const int *)pa], *b = &v[*(const int *)pb];
    float ra = a->score + (a->plen ? EST_PENDING : 0);
    float rb = b->score + (b->plen ? EST_PENDING : 0);
    return ra > rb ? -1 : ra < rb;
}

/* Same future: same context, same unsettled bytes and constraints. */
static int same_future(const struct st *a, const struct st *b)
{
    if (a->c1 != b->c1 || a->c2 != b->c2 || a->plen != b->plen || a->pneed != b->pneed ||
        a->ncon != b->ncon)
        return 0;
    for (int i = 0; i < a->ncon; i++)
        if (a->nb - (a->con[i] >> 2) != b->nb - (b->con[i] >> 2) ||
            (a->con[i] & 3) != (b->con[i] & 3))
            return 0;
    for (uint32_t d = 1; d <= 7 && d <= a->nb && d <= b->nb; d++) {
        int sa = (int)((a->nb - d) & 7), sb = (int)((b->nb - d) & 7);
        int wa = a->wild >> sa & 1, wb = b->wild >> sb & 1;
        if (wa != wb || (wa ? a->wcls[sa] != b->wcls[sb] : a->wb[sa] != b->wb[sb]))
            return 0;
    }
    return 1;
}

/* Keep the BEAM best distinct states of nxt in cur. */
static int select_beam(ub_mbcs_lossy_scratch *x)
{
    if (ub_reserve((void **)&x->order, &x->ordcap, x->nnxt + 1, sizeof *x->order) ||
        ub_reserve((void **)&x->cur, &x->curcap, BEAM, sizeof *x->cur))
        return -1;
    for (size_t i = 0; i < x->nnxt; i++)
        x->order[i] = (int)i;
    qsort_r(x->order, x->nnxt, sizeof *x->order, rank_cmp, x->nxt);
    x->ncur = 0;
    for (size_t i = 0; i < x->nnxt && x->ncur < BEAM; i++) {
        const struct st *c = &x->nxt[x->order[i]];
        int dup = 0;
        for (size_t j = 0; j < x->ncur && !dup; j++)
            dup = same_future(&x->cur[j], c);
        if (!dup) {
            x->cur[x->ncur] = *c;
            if (commit(x, &x->cur[x->ncur++]))
                return -1;
        }
    }
    x->nnxt = 0;
    return 0;
}

static double junction(const ub_lm *lm, uint32_t c2, uint32_t c1, const uint32_t *right,
                       size_t nright)
{
    double sc = 0;
    for (size_t i = 0; i < nright && i < 2; i++) {
        sc += ub_lm_logp(lm, c2, c1, right[i]);
        c2 = c1;
        c1 = right[i];
    }
    return sc;
}

/* Write the text of a final state into s->cps / s->wm; returns its length. */
static long path(ub_mbcs_lossy_scratch *x, const struct st *f)
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

/* Does the text cps[0..n) decode back to in[0..nin) (and the ASCII
 * character after the run to itself)?  1 yes, 0 no, -1 error. */
static int check_forward(struct env *e, ub_mbcs_cache *cache, const uint32_t *cps, size_t n,
                         const uint32_t *in, size_t nin, const uint32_t *right, size_t nright)
{
    ub_mbcs_lossy_scratch *x = e->s;
    uint8_t r0 = nright && right[0] < 0x80 ? (uint8_t)right[0] : 0;
    size_t nr = nright && right[0] < 0x80;
    long nb = to_bytes(x, cps, n, &r0, nr);
    if (nb < 0 || ub_reserve((void **)&x->dec, &x->deccap, (size_t)nb + 1, sizeof *x->dec))
        return -1;
    long m = ub_mbcs_decode_conv(cache, e->id, e->conv, x->bytes, (size_t)nb, x->dec,
                                 (size_t)nb + 1);
    if (m < 0)
        return -1;
    if ((size_t)m != nin + nr || memcmp(x->dec, in, nin * sizeof *in))
        return 0;
    return !nr || x->dec[nin] == right[0];
}

/*
 * One convention: the beam over in[0..n).  On success the best verified
 * text is in s->cps / s->wm (*len characters) with its search score.
 */
static int search(struct env *e, ub_mbcs_cache *cache, const uint32_t *in, size_t n,
                  uint32_t l2, uint32_t l1, const uint32_t *right, size_t nright, long *len,
                  double *score, unsigned *nlost, unsigned *nlit)
{
    ub_mbcs_lossy_scratch *x = e->s;
    uint32_t marker = ub_mbcs_conv_marker(e->id, e->conv);
    int lens_max = e->t->tlead[0x8F] && (e->conv == UB_MBCS_CONV_ICU ||
                                         e->conv == UB_MBCS_CONV_DROP) ? 3 :
                   e->conv == UB_MBCS_CONV_PYTHON ? 1 : 2;
    float cost = e->conv == UB_MBCS_CONV_WIN ? (float)UB_MBCS_LOSS_QMARK
                 : e->conv == UB_MBCS_CONV_DROP ? (float)UB_MBCS_LOSS_DROP
                                                : (float)UB_MBCS_LOSS_FFFD;
    x->nhist = 0;
    x->nnxt = 0;
    if (ub_reserve((void **)&x->cur, &x->curcap, BEAM, sizeof *x->cur))
        return -1;
    x->ncur = 1;
    memset(&x->cur[0], 0, sizeof x->cur[0]);
    x->cur[0].c2 = l2;
    x->cur[0].c1 = l1;
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
        for (size_t si = 0; si < x->ncur; si++) {
            const struct st *st0 = &x->cur[si];
            int drop = e->conv == UB_MBCS_CONV_DROP;
            if (i == n) {
                if (emit(e, st0) < 0)
                    return -1;
                /* bytes dropped at the very end */
                for (int L = 1; drop && st0->plen && L <= lens_max; L++)
                    if (feed_error(e, st0, L, cost, NULL, 0) < 0)
                        return -1;
                continue;
            }
            for (int L = 1; is_marker && L <= lens_max; L++)
                if (feed_error(e, st0, L, cost, NULL, 0) < 0)
                    return -1;
            for (int q = 0; q < nseq; q++) {
                int tok[4], nt = UB_MBCS_SEQ_LEN(seqs[q]);
                for (int b = 0; b < nt; b++)
                    tok[b] = UB_MBCS_SEQ_BYTE(seqs[q], b);
                struct st s = *st0;
                s.nlit = (uint16_t)(s.nlit + is_marker);
                if (feed(e, &s, tok, nt, 0) < 0)
                    return -1;
                /* DROP: bytes lost before this character, where the UTF-8
                 * read so far or the character's own bytes say so */
                if (drop && (st0->plen || ub_utf8_is_cont((uint8_t)tok[0])))
                    for (int L = 1; L <= lens_max; L++)
                        if (feed_error(e, st0, L, cost, tok, nt) < 0)
                            return -1;
            }
        }
        if (e->oom)
            return -1;
        if (i == n)
            break;
        if (!x->nnxt)
            return 1;
        if (select_beam(x))
            return -1;
    }
    /* the end: every character complete, every constraint met */
    e->final = 1;
    uint8_t rb[8];
    int nrb = 0;
    for (size_t r = 0; r < nright && r < 2 && nrb < 2; r++) {
        uint8_t b4[4];
        int l = right[r] < 0x80 ? (b4[0] = (uint8_t)right[r], 1)
                                : ub_mbcs_encode_cp(e->id, right[r], b4);
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
        struct st f = x->nxt[i];
        if (f.plen || !resolve(e, &f) || !f.nlost)
            continue;
        if (commit(x, &f))
            return -1;
        f.score += (float)junction(e->lm, f.c2, f.c1, right, nright);
        x->fin[nf++] = f;
    }
    x->nnxt = 0;
    /* best first; check forward until one round-trips */
    for (int tries = 0; tries < NVERIFY && nf; tries++) {
        size_t b = 0;
        for (size_t i = 1; i < nf; i++)
            if (x->fin[i].score > x->fin[b].score)
                b = i;
        struct st f = x->fin[b];
        x->fin[b] = x->fin[--nf];
        long m = path(x, &f);
        if (m < 0)
            return -1;
        int ok = check_forward(e, cache, x->cps, (size_t)m, in, n, right, nright);
        if (ok < 0)
            return -1;
        if (ok) {
            *len = m;
            *score = f.score;
            *nlost = f.nlost;
            *nlit = f.nlit;
            return 0;
        }
    }
    return 1;
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

/* The alternatives of gap character k of the result that also round-trip. */
static int gap_alts(struct env *e, ub_mbcs_cache *cache, uint32_t *cps, size_t n, size_t k,
                    unsigned wm, const uint32_t *in, size_t nin, uint32_t l2, uint32_t l1,
                    const uint32_t *right, size_t nright, ub_gapalt *g)
{
    ub_mbcs_lossy_scratch *x = e->s;
    uint32_t chosen = cps[k];
    uint8_t pb[4] = { 0 }, cls[4] = { 0 };
    int len = ub_utf8_encode(chosen, pb);
    for (int i = 0; i < len; i++)
        cls[i] = len == 1 ? C_ASCII : i == 0 ? (uint8_t)(len == 2 ? C_LEAD2 : len == 3 ? C_LEAD3
                                                                                   : C_LEAD4)
                                             : C_CONT;
    long nc = candidates(x, pb, cls, wm, len);
    if (nc < 0)
        return -1;
    uint32_t c1 = k >= 1 ? cps[k - 1] : l1;
    uint32_t c2 = k >= 2 ? cps[k - 2] : k == 1 ? l1 : l2;
    uint32_t after[2];
    size_t na = 0;
    for (size_t j = k + 1; j < n && na < 2; j++)
        after[na++] = cps[j];
    for (size_t j = 0; j < nright && na < 2; j++)
        after[na++] = right[j];
    struct altc *ac = malloc(((size_t)nc + 1) * sizeof *ac);
    if (!ac)
        return -1;
    size_t m = 0;
    int have = 0;
    for (long i = 0; i < nc; i++) {
        ac[m].cp = x->cand[i];
        ac[m++].sc = ub_lm_logp(e->lm, c2, c1, x->cand[i]);
        have |= x->cand[i] == chosen;
    }
    if (!have) {
        ac[m].cp = chosen;
        ac[m++].sc = ub_lm_logp(e->lm, c2, c1, chosen);
    }
    *e->steps += m;
    qsort(ac, m, sizeof *ac, altc_cmp);
    if (m > ALT_SCAN)
        m = ALT_SCAN;
    for (size_t i = 0; i < m; i++)
        ac[i].sc += junction(e->lm, c1, ac[i].cp, after, na);
    qsort(ac, m, sizeof *ac, altc_cmp);
    g->index = k;
    g->nalt = 0;
    double sc[UB_MAX_ALTS];
    int rc = 0;
    for (size_t i = 0; i < m && g->nalt < UB_MAX_ALTS; i++) {
        int ok = 1;
        if (ac[i].cp != chosen) {
            cps[k] = ac[i].cp;
            ok = check_forward(e, cache, cps, n, in, nin, right, nright);
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
        sc[at] = ub_lm_logp(e->lm, c2, c1, chosen) + junction(e->lm, c1, chosen, after, na);
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
    free(ac);
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
    const struct ltab *t = get_ltab(id);
    if (!t || build_vocab(s, lm))
        return -2;
    struct env e = { .s = s, .t = t, .id = id, .lm = lm, .steps = steps };
    double best = -INFINITY;
    long blen = 0;
    int found = 0;
    for (int c = 0; c < UB_MBCS_NCONV; c++) {
        if (!(convs >> c & 1) || !can_be(id, (ub_mbcs_conv_e)c, in, n))
            continue;
        e.conv = (ub_mbcs_conv_e)c;
        long len;
        double sc;
        unsigned nl, nt;
        int rc = search(&e, cache, in, n, l2, l1, right, nright, &len, &sc, &nl, &nt);
        if (rc < 0)
            return -2;
        if (rc)
            continue;
        double prior = c == UB_MBCS_CONV_PYTHON ? UB_MBCS_PRIOR_PYTHON
                       : c == UB_MBCS_CONV_WIN  ? UB_MBCS_PRIOR_WIN
                       : c == UB_MBCS_CONV_DROP ? UB_MBCS_PRIOR_DROP
                                                : 0;
        if (sc - prior <= best)
            continue;
        best = sc - prior;
        found = 1;
        if (ub_reserve((void **)&s->best_cps, &s->bcpscap, (size_t)len + 1, sizeof *s->best_cps) ||
            ub_reserve((void **)&s->best_wm, &s->bwmcap, (size_t)len + 1, 1))
            return -2;
        memcpy(s->best_cps, s->cps, (size_t)len * sizeof *s->cps);
        memcpy(s->best_wm, s->wm, (size_t)len);
        blen = len;
        res->conv = (ub_mbcs_conv_e)c;
        res->nlost = nl;
        res->nliteral = nt;
        double loss = c == UB_MBCS_CONV_WIN    ? UB_MBCS_LOSS_QMARK
                      : c == UB_MBCS_CONV_DROP ? UB_MBCS_LOSS_DROP
                                               : UB_MBCS_LOSS_FFFD;
        res->cost = prior + loss * nl;
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
    res->lm += junction(lm, c2, s->best_cps[len - 1], right, nright);
    if (ub_reserve((void **)&s->gaps, &s->gapscap, ngaps + 1, sizeof *s->gaps))
        return -2;
    e.conv = res->conv;
    e.final = 0;
    size_t g = 0;
    for (size_t i = 0; i < len; i++)
        if (s->best_wm[i] &&
            gap_alts(&e, cache, s->best_cps, len, i, s->best_wm[i], in, n, l2, l1, right, nright,
                     &s->gaps[g++]) < 0)
            return -2;
    res->cps = s->best_cps;
    res->chars = s->chars;
    res->nchars = len;
    res->gaps = s->gaps;
    res->ngaps = ngaps;
    return 0;
}
