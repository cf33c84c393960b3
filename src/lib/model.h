/*
 * model.h -- the character language model (internal to libunbake).
 *
 * An interpolated modified-Kneser-Ney character trigram model whose lowest
 * level is a class bigram (see uclass.h) times the frequency of the
 * character inside its class.  The detector compares log P(text as it is)
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
 *    their class: P(class token | context) / (members of the class unseen).
 */
#ifndef UB_MODEL_H
#define UB_MODEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ub_lm ub_lm;

/** Context code point meaning "start of text / no context". */
#define UB_LM_BOS 0u

/**
 * The model embedded in the library.  The first call validates the blob
 * (a checksum and bounds checks, a few milliseconds); later calls are free.
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
 * Sum of ub_lm_logp() over a UTF-32 string.
 * @param c2, c1 left context (UB_LM_BOS if none).
 * @param s, n   the string; n == 0 gives 0.
 * @return the total natural-log probability.
 */
double ub_lm_score(const ub_lm *lm, uint32_t c2, uint32_t c1, const uint32_t *s, size_t n);

/** @return the training provenance (packages and versions, characters per
 *          language), NUL-terminated, owned by the model. */
const char *ub_lm_provenance(const ub_lm *lm);

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
    if (cp >= '0' && cp <= '9') return '0';
    if (cp == '\t' || cp == '\v' || cp == '\f') return ' ';
    if (cp == '\r') return '\n';
    if (cp > 0x10FFFF) return 0xFFFF;
    return cp;
}

/*
 * Blob layout (little-endian; every section 8-byte aligned).  All offsets
 * are from the start of the blob.
 *
 *   ub_lm_header
 *   bmp_map     uint16[65536]   BMP code point -> id, 0 = not in vocabulary
 *   astral_cp   uint32[n_astral] sorted code points above U+FFFF ...
 *   astral_id   uint16[n_astral] ... and their ids
 *   id_cls      uint8[n_ids]    class of every id
 *   id_lpin     float[n_ids]    log P(id | its class)
 *   id_lgam2    float[n_ids]    log backoff weight of the bigram context id
 *   cls_lp      float[257*256]  log P(class | class of previous id); row
 *                               256 is "previous is BOS"
 *   oov_lp      float[256]      -log(number of unseen code points in class)
 *   tri         uint32[tri_cap] (id2,id1,id) -> log P3, hashed
 *   ctx         uint32[ctx_cap] (id2,id1) -> log backoff weight, hashed
 *   bi          uint32[bi_cap]  (id1,id) -> log P2, hashed
 *   provenance  char[], NUL-terminated
 *
 * Ids: 0 is BOS, 1 + k is "a rare character of class k" (k < 256), then
 * the vocabulary characters in code point order.
 *
 * A hash slot is 0 (empty) or fingerprint << 12 | q with a nonzero 20-bit
 * fingerprint and a 12-bit quantized value; slots come from the top bits of
 * a 64-bit mix of the key scaled to the table size, linear probing,
 * load factor <= 0.8.  Values:
 * log P = -q / 128; log backoff = (UB_LM_GAM_OFF * 128 - q) / 128.
 */
#define UB_LM_MAGIC 0x4d4c4255u /* "UBLM" */
#define UB_LM_VERSION 1u
#define UB_LM_NCLS 256u
#define UB_LM_ID_CLASS0 1u
#define UB_LM_ID_CHAR0 (1u + UB_LM_NCLS)
#define UB_LM_QSCALE 128.0f
#define UB_LM_GAM_OFF 8.0f

typedef struct {
    uint32_t magic, version;
    uint64_t total_len;    /* bytes, including this header */
    uint64_t checksum;     /* ub_lm_checksum() of bytes [sizeof header, total_len) */
    uint32_t n_ids, n_astral;
    uint32_t tri_cap, ctx_cap, bi_cap, seed; /* slots per table */
    uint64_t off_bmp, off_astral_cp, off_astral_id, off_id_cls, off_id_lpin, off_id_lgam2,
        off_cls_lp, off_oov_lp, off_tri, off_ctx, off_bi, off_prov;
    uint64_t prov_len;     /* including the NUL */
} ub_lm_header;

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

/** Fingerprint (nonzero, 20 bits) and start slot of a hashed key. */
static inline uint32_t ub_lm_fp(uint64_t h)
{
    uint32_t fp = (uint32_t)(h >> 4) & 0xFFFFFu;
    return fp ? fp : 1u;
}
static inline uint32_t ub_lm_slot(uint64_t h, uint32_t cap)
{
    return (uint32_t)(((h >> 32) * cap) >> 32);
}

#endif /* UB_MODEL_H */
