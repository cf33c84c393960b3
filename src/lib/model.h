/*
 * model.h -- the character language model (internal to libunbake).
 *
 * An interpolated modified-Kneser-Ney character trigram model whose lowest
 * level is a class-conditioned KN unigram: a class bigram estimated from
 * bigram types (see uclass.h) times the character's continuation count
 * share inside its class.  The detector compares log P(text as it is)
 * with log P(candidate repair); the lossy recovery picks the most probable
 * character for a gap.  The model is trained on clean text from Debian
 * packages by src/gen/train_lm.c (see docs/model.md) and embedded in the
 * library by model_blob.S.
 *
 * Ownership: ub_lm_builtin() returns a static, read-only model that is never
 * freed.  ub_lm_open() borrows the caller's blob (it must outlive the model)
 * and allocates only the small handle released by ub_lm_close().  Queries
 * never allocate and are safe from any number of threads.
 *
 * Normalisation applied inside every query (callers pass raw code points):
 *  - ASCII digits are one symbol: P('7' | ...) = P(<digit> | ...) / 10.
 *  - TAB, VT, FF are read as SPACE; CR is read as LF, and the LF of a CRLF
 *    pair costs nothing (log P = 0), so CRLF and LF text score alike.
 *  - Code point 0 (UB_LM_BOS) in a context slot means "start of text"; an
 *    older context slot before a BOS is ignored.
 *  - Characters the model never saw (or saw too rarely) are scored through
 *    their class: P(class token | context) / (members of the class outside
 *    the vocabulary).
 */
#ifndef UB_MODEL_H
#define UB_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ub_lm ub_lm;

/** Context code point meaning "start of text / no context". */
#define UB_LM_BOS 0u

/**
 * The model embedded in the library.  The first call checks the blob's
 * header and section bounds (well under a millisecond; the blob is part of
 * the binary, so its body is not checksummed); later calls are free.
 * @return the model, never NULL once ub_lm_builtin_status() == 0; NULL if
 *         the embedded blob is corrupt.
 */
const ub_lm *ub_lm_builtin(void);

/** @return 0 if the embedded model is valid, else -6 (UNBAKE_EDATA). */
int ub_lm_builtin_status(void);

/**
 * Open a model blob held in memory by the caller (tests, tools).
 * @param blob the bytes of a models/unbake.lm file, 8-byte aligned; they
 *        must stay valid and unchanged until ub_lm_close().
 * @param len  their length.
 * @return a model handle, or NULL if the blob is malformed, truncated, fails
 *         its checksum, or on allocation failure.
 */
ub_lm *ub_lm_open(const void *blob, size_t len);

/** Release a handle from ub_lm_open().  NULL is a no-op. */
void ub_lm_close(ub_lm *lm);

/**
 * Natural-log probability of code point c after the two previous code points.
 * @param lm  a model.
 * @param c2  the older context code point (UB_LM_BOS if none).
 * @param c1  the newer context code point (UB_LM_BOS if none).
 * @param c   the predicted code point; any value 0..0x10FFFF works (larger
 *            values are scored as unassigned code points).
 * @return log P(c | c2 c1): finite, <= 0, >= UB_LM_LOGP_MIN.
 */
float ub_lm_logp(const ub_lm *lm, uint32_t c2, uint32_t c1, uint32_t c);

/**
 * The thread's cache of ub_lm_logp(), made ready for lm, for loops that ask
 * many times: ub_lm_logp_in(cache, lm, ...) is ub_lm_logp(lm, ...) with
 * a hit answered inline.  Valid until the thread asks another model.
 */
typedef struct {
    uint32_t key[2];        /* a uint64_t, c2 << 42 | c1 << 21 | c with bit
                               63 set (0: empty), in two halves: entries of
                               12 bytes, not 16 (see ub_lm_cache_holds) */
    float lp;
} ub_lm_cache_entry;

#define UB_LM_CACHE_BITS 15

/* This thread's cache of look-ups, cleared for lm if another model was
 * asked last.  Without memory for one, a cache that holds nothing and
 * is never written (every look-up goes to the tables). */
ub_lm_cache_entry *ub_lm_cache_for(const ub_lm *lm);

/** A lookup out of the cache's range (a code point above 0x1FFFFF). */
float ub_lm_logp_far(const ub_lm *lm, uint32_t c2, uint32_t c1, uint32_t c);

/** A lookup whose key is not in e[0], the first entry of its pair. */
float ub_lm_logp_fill(ub_lm_cache_entry *e, uint64_t key, const ub_lm *lm, uint32_t c2,
                      uint32_t c1, uint32_t c);

static inline uint64_t ub_lm_cache_key(uint32_t c2, uint32_t c1, uint32_t c)
{
    return 1ull << 63 | (uint64_t)c2 << 42 | (uint64_t)c1 << 21 | c;
}

/* The cache is two-way: a key lives in the first or the second entry of
 * its pair (the one asked for most recently first); the inline lookup
 * reads the first. */
static inline ub_lm_cache_entry *ub_lm_cache_slot(ub_lm_cache_entry *cache, uint64_t key)
{
    return &cache[(key * 0x9E3779B97F4A7C15ull) >> (64 - UB_LM_CACHE_BITS + 1) << 1];
}

static inline int ub_lm_cache_holds(const ub_lm_cache_entry *e, uint64_t key)
{
    uint64_t k;
    memcpy(&k, e->key, sizeof k);
    return k == key;
}

static inline void ub_lm_cache_put(ub_lm_cache_entry *e, uint64_t key, float lp)
{
    memcpy(e->key, &key, sizeof key);
    e->lp = lp;
}

static inline float ub_lm_logp_in(ub_lm_cache_entry *cache, const ub_lm *lm, uint32_t c2,
                                  uint32_t c1, uint32_t c)
{
    if ((c2 | c1 | c) <= 0x1FFFFF) {
        uint64_t key = ub_lm_cache_key(c2, c1, c);
        ub_lm_cache_entry *e = ub_lm_cache_slot(cache, key);
        if (ub_lm_cache_holds(e, key))
            return e->lp;
        return ub_lm_logp_fill(e, key, lm, c2, c1, c);
    }
    return ub_lm_logp_far(lm, c2, c1, c);
}

/**
 * One context (c2, c1) asked for many characters (a beam's state): what
 * the model looks up for the context alone is looked up once.  Set c2 and
 * c1 and clear the rest (ub_lm_context_of), then ask ub_lm_logp_ctx().
 */
typedef struct {
    uint32_t c2, c1;
    uint32_t i2, i1;        /* their ids, once have_ids */
    float gam;              /* the backoff weight, once have_gam */
    uint8_t have_ids, have_gam;
} ub_lm_context;

static inline ub_lm_context ub_lm_context_of(uint32_t c2, uint32_t c1)
{
    ub_lm_context x = { c2, c1, 0, 0, 0.0f, 0, 0 };
    return x;
}

/**
 * The ids the model looks the context (c2, c1) up by: two contexts with
 * the same ids give every character the same log P, but '\n' after '\r'
 * (a CRLF is one newline, log P 0).
 */
void ub_lm_context_ids(const ub_lm *lm, uint32_t c2, uint32_t c1, uint32_t *i2, uint32_t *i1);

/** ub_lm_logp_far() and ub_lm_logp_fill() in context x. */
float ub_lm_logp_ctx_far(const ub_lm *lm, ub_lm_context *x, uint32_t c);
float ub_lm_logp_ctx_fill(ub_lm_cache_entry *e, uint64_t key, const ub_lm *lm, ub_lm_context *x,
                          uint32_t c);

/** ub_lm_logp_in(cache, lm, x->c2, x->c1, c): the same value. */
static inline float ub_lm_logp_ctx(ub_lm_cache_entry *cache, const ub_lm *lm, ub_lm_context *x,
                                   uint32_t c)
{
    if ((x->c2 | x->c1 | c) <= 0x1FFFFF) {
        uint64_t key = ub_lm_cache_key(x->c2, x->c1, c);
        ub_lm_cache_entry *e = ub_lm_cache_slot(cache, key);
        if (ub_lm_cache_holds(e, key))
            return e->lp;
        return ub_lm_logp_ctx_fill(e, key, lm, x, c);
    }
    return ub_lm_logp_ctx_far(lm, x, c);
}

/**
 * Sum of ub_lm_logp() over a UTF-32 string.
 * @param c2, c1 left context (UB_LM_BOS if none).
 * @param s, n   the string; n == 0 gives 0.
 * @return the total natural-log probability.
 */
double ub_lm_score(const ub_lm *lm, uint32_t c2, uint32_t c1, const uint32_t *s, size_t n);

/**
 * The junction of a text ending in (c2, c1) with what follows it: the sum
 * of ub_lm_logp() over the first two (at most) characters of right[].
 */
double ub_lm_junction(const ub_lm *lm, uint32_t c2, uint32_t c1, const uint32_t *right,
                      size_t nright);

/** @return the training provenance (packages and versions, characters per
 *          language), NUL-terminated, owned by the model. */
const char *ub_lm_provenance(const ub_lm *lm);

/**
 * @return nonzero if the model has cp in its vocabulary (it saw the
 *         character often enough in training to estimate it on its own);
 *         0 if cp is scored through its class token.
 */
int ub_lm_known(const ub_lm *lm, uint32_t cp);

/**
 * ub_lm_known() of the 64 code points blk * 64 .. blk * 64 + 63 at once.
 * @return bit j set if blk * 64 + j is in the vocabulary.
 */
uint64_t ub_lm_known_block(const ub_lm *lm, uint32_t blk);

/** Lowest value ub_lm_logp() returns. */
#define UB_LM_LOGP_MIN (-40.0f)

/* ------------------------------------------------------------------------ */
/* Internal: shared by model.c and the trainer (src/gen/train_lm.c).        */
/* ------------------------------------------------------------------------ */

/**
 * The symbol the model actually sees for a code point (digits folded to '0',
 * TAB/VT/FF to SPACE, CR to LF, out-of-range to U+FFFF).  The trainer
 * applies the same function to its text.
 */
static inline uint32_t ub_lm_normalize(uint32_t cp)
{
    /* (letters and most else: one test) */
    if (cp - 0x3Au <= 0x10FFFFu - 0x3Au) return cp;
    if (cp >= '0' && cp <= '9') return '0';
    if (cp == '\t' || cp == '\v' || cp == '\f') return ' ';
    if (cp == '\r') return '\n';
    if (cp > 0x10FFFF) return 0xFFFF;
    return cp;
}

/*
 * Blob layout, version 2 (little-endian; every section 8-byte aligned, the
 * hash tables 64-byte aligned).  All offsets are from the start of the blob.
 *
 *   ub_lm_header
 *   map_bmp     uint16[65536]   BMP code point -> id (never 0: a code point
 *                               outside the vocabulary maps to its class token)
 *   astral_idx  uint16[4096]    (cp - 0x10000) >> 8 -> block number ...
 *   astral_blk  uint16[n_astral_blk * 256]  ... and the ids of its 256 cps
 *   id_info     ub_lm_idinfo[n_ids]
 *   cls_lp      float[257*256]  log P(class | class of previous id), by
 *                               type counts; row 256 is "previous is BOS"
 *   tri         ub_lm_bucket_t[tri_nb]  (id2,id1,id) -> log P3, hashed
 *   ctx         ub_lm_bucket_t[ctx_nb]  (id2,id1) -> log backoff weight
 *   bi          ub_lm_bucket_t[bi_nb]   (id1,id) -> log P2
 *   provenance  char[], NUL-terminated
 *
 * Ids: 0 is BOS, 1 + k is "a character of class k outside the vocabulary"
 * (k < 256), then the vocabulary characters in code point order.  The class
 * of every code point is thus fixed when the model is trained: queries make
 * no libunistring call.
 *
 * A hash table is an array of buckets of 12 slots, one 64-byte cache line
 * each.  Slot k holds a nonzero 28-bit fingerprint of its key and a 12-bit
 * quantized value: fp[k] = fingerprint << 4 | value >> 8, lo[k] = value &
 * 255; fp[k] == 0 is an empty slot.  A key lives in the bucket chosen by
 * the top bits of a 64-bit mix of the key (scaled to the number of buckets)
 * or, when that bucket is full, in the next one with room, so a lookup
 * stops at the first bucket that has an empty slot: a miss almost always
 * reads one cache line.  28 bits keep false hits (an absent key whose
 * fingerprint matches a stored one) to about one in 25 million lookups; the
 * trainer drops a key whose fingerprint is already on its path.  Values:
 * log P = -q / 128; log backoff = (UB_LM_GAM_OFF * 128 - q) / 128.
 */
#define UB_LM_MAGIC 0x4d4c4255u /* "UBLM" */
#define UB_LM_VERSION 2u
#define UB_LM_NCLS 256u
#define UB_LM_ID_CLASS0 1u
#define UB_LM_ID_CHAR0 (1u + UB_LM_NCLS)
#define UB_LM_QSCALE 128.0f
#define UB_LM_GAM_OFF 8.0f
#define UB_LM_BUCKET 12u
#define UB_LM_ASTRAL_BLOCKS 4096u

typedef struct {
    uint32_t magic, version;
    uint64_t total_len;    /* bytes, including this header */
    uint64_t checksum;     /* ub_lm_checksum() of bytes [sizeof header, total_len) */
    uint32_t n_ids, n_astral_blk;
    uint32_t tri_nb, ctx_nb, bi_nb, seed; /* buckets per table; hash seed */
    uint64_t off_bmp, off_astral_idx, off_astral_blk, off_id, off_cls_lp, off_tri, off_ctx,
        off_bi, off_prov;
    uint64_t prov_len;     /* including the NUL */
} ub_lm_header;

/** One bucket of a hash table (64 bytes). */
typedef struct {
    uint32_t fp[UB_LM_BUCKET];
    uint8_t lo[UB_LM_BUCKET];
    uint8_t pad[64 - 5 * UB_LM_BUCKET];
} ub_lm_bucket_t;

/** What the model keeps per id (16 bytes, one read per character). */
typedef struct {
    float lpin;   /* log P(id | its class): the in-class KN unigram */
    float lgam2;  /* log backoff weight of the bigram context id */
    float loov;   /* class tokens: -log(code points of the class outside the
                     vocabulary); 0 for vocabulary characters */
    uint32_t cls; /* class (uclass.h), < 256 */
} ub_lm_idinfo;

/** Checksum of the blob body (64-bit words, then the tail bytes). */
uint64_t ub_lm_checksum(const void *p, size_t n);

/** 64-bit key mix used by the hash tables; table selects the seed. */
static inline uint64_t ub_lm_mix(uint64_t key, uint32_t seed)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ull + seed;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 32;
    return h;
}

/** Hash keys of the three tables (ids are < 65536). */
static inline uint64_t ub_lm_key3(uint32_t a, uint32_t b, uint32_t c)
{
    return ((uint64_t)a << 32) | ((uint64_t)b << 16) | c | (1ull << 48);
}
static inline uint64_t ub_lm_key2c(uint32_t a, uint32_t b)
{
    return ((uint64_t)a << 16) | b | (2ull << 48);
}
static inline uint64_t ub_lm_key2b(uint32_t b, uint32_t c)
{
    return ((uint64_t)b << 16) | c | (3ull << 48);
}

/** Fingerprint (nonzero, 28 bits) and home bucket of a hashed key. */
static inline uint32_t ub_lm_fp(uint64_t h)
{
    uint32_t fp = (uint32_t)h & 0xFFFFFFFu;
    return fp ? fp : 1u;
}
static inline uint32_t ub_lm_bucket(uint64_t h, uint32_t nb)
{
    return (uint32_t)(((h >> 32) * nb) >> 32);
}

#endif /* UB_MODEL_H */
