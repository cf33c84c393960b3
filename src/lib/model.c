/*
 * model.c -- query the character language model (format in model.h).
 *
 * A query is at most three bucket reads (trigram, trigram context, bigram),
 * each one 64-byte cache line, plus three code point -> id reads and the
 * per-id records; nothing is allocated and no Unicode library is called
 * (the class of every code point is in the blob).  The blob is validated
 * once when opened, so queries can trust every offset and id.
 */
#include "model.h"

#include <pthread.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

_Static_assert(sizeof(ub_lm_bucket_t) == 64, "a bucket is one cache line");

struct ub_lm {
    const ub_lm_header *h;
    const uint16_t *bmp, *astral_idx, *astral_blk;
    const ub_lm_idinfo *id;
    const float *cls_lp;
    const ub_lm_bucket_t *tri, *ctx, *bi;
    const char *prov;
    uint64_t serial;        /* unique per model opened, for the cache */
};

static uint64_t next_serial(void)
{
    static uint64_t counter;
    return __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

uint64_t ub_lm_checksum(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t acc = 0x243F6A8885A308D3ull ^ n;
    size_t i = 0;
    /* Four lanes keep the multiply chains independent (a few GB/s). */
    uint64_t l[4] = {acc, acc + 1, acc + 2, acc + 3};
    for (; i + 32 <= n; i += 32) {
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, b + i + 8 * k, 8);
            l[k] = (l[k] ^ w) * 0x9E3779B97F4A7C15ull;
            l[k] ^= l[k] >> 29;
        }
    }
    for (int k = 0; k < 4; k++) acc = ub_lm_mix(acc ^ l[k], (uint32_t)k);
    for (; i < n; i++) acc = (acc ^ b[i]) * 0x100000001B3ull;
    return ub_lm_mix(acc, 7);
}

/* A section [off, off + size) lies inside the blob and is aligned. */
static int section_ok(uint64_t off, uint64_t size, uint64_t len, uint64_t align)
{
    return off % align == 0 && off >= sizeof(ub_lm_header) && off <= len && size <= len - off;
}

static int floats_ok(const float *f, size_t n, size_t stride, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        if (!(f[i * stride] >= lo && f[i * stride] <= hi)) return 0; /* also rejects NaN */
    return 1;
}

/*
 * Check the header and that every section lies inside the blob; with
 * `full`, also the checksum of the body, the ids in the code point maps and
 * the range of every stored log.  The built-in blob is part of the library
 * (as trustworthy as its code), so it gets the cheap check only; external
 * blobs get everything.  Queries never loop on table contents, so even an
 * unchecked table cannot hang them.
 */
static int init(ub_lm *lm, const void *blob, size_t len, int full)
{
    if (blob == NULL || len < sizeof(ub_lm_header) || ((uintptr_t)blob & 7) != 0) return -1;
    const ub_lm_header *h = blob;
    if (h->magic != UB_LM_MAGIC || h->version != UB_LM_VERSION || h->total_len != len) return -1;
    if (full && ub_lm_checksum((const uint8_t *)blob + sizeof *h, len - sizeof *h) != h->checksum)
        return -1;
    uint32_t n = h->n_ids;
    if (n <= UB_LM_ID_CHAR0 || n > 65536 || h->n_astral_blk == 0 ||
        h->n_astral_blk > UB_LM_ASTRAL_BLOCKS)
        return -1;
    if (h->tri_nb == 0 || h->ctx_nb == 0 || h->bi_nb == 0) return -1;
    const uint64_t B = sizeof(ub_lm_bucket_t);
    if (!section_ok(h->off_bmp, 65536 * 2, len, 8) ||
        !section_ok(h->off_astral_idx, UB_LM_ASTRAL_BLOCKS * 2, len, 8) ||
        !section_ok(h->off_astral_blk, (uint64_t)h->n_astral_blk * 256 * 2, len, 8) ||
        !section_ok(h->off_id, (uint64_t)n * sizeof(ub_lm_idinfo), len, 8) ||
        !section_ok(h->off_cls_lp, 257 * 256 * 4, len, 8) ||
        !section_ok(h->off_tri, (uint64_t)h->tri_nb * B, len, 64) ||
        !section_ok(h->off_ctx, (uint64_t)h->ctx_nb * B, len, 64) ||
        !section_ok(h->off_bi, (uint64_t)h->bi_nb * B, len, 64) ||
        !section_ok(h->off_prov, h->prov_len, len, 8) || h->prov_len == 0)
        return -1;
    const uint8_t *b = blob;
    lm->h = h;
    lm->bmp = (const uint16_t *)(const void *)(b + h->off_bmp);
    lm->astral_idx = (const uint16_t *)(const void *)(b + h->off_astral_idx);
    lm->astral_blk = (const uint16_t *)(const void *)(b + h->off_astral_blk);
    lm->id = (const ub_lm_idinfo *)(const void *)(b + h->off_id);
    lm->cls_lp = (const float *)(const void *)(b + h->off_cls_lp);
    lm->tri = (const ub_lm_bucket_t *)(const void *)(b + h->off_tri);
    lm->ctx = (const ub_lm_bucket_t *)(const void *)(b + h->off_ctx);
    lm->bi = (const ub_lm_bucket_t *)(const void *)(b + h->off_bi);
    lm->prov = (const char *)(b + h->off_prov);
    if (lm->prov[h->prov_len - 1] != '\0') return -1;
    if (!full) return 0;

    /* ids in the maps: every code point maps somewhere valid, not to BOS */
    for (uint32_t i = 0; i < 65536; i++)
        if (lm->bmp[i] == 0 || lm->bmp[i] >= n) return -1;
    for (uint32_t i = 0; i < UB_LM_ASTRAL_BLOCKS; i++)
        if (lm->astral_idx[i] >= h->n_astral_blk) return -1;
    for (uint64_t i = 0; i < (uint64_t)h->n_astral_blk * 256; i++)
        if (lm->astral_blk[i] == 0 || lm->astral_blk[i] >= n) return -1;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = lm->id[i].cls;
        if (k >= UB_LM_NCLS) return -1;
        /* a class token is of its own class */
        if (i >= UB_LM_ID_CLASS0 && i < UB_LM_ID_CHAR0 && k != i - UB_LM_ID_CLASS0) return -1;
    }
    const size_t stride = sizeof(ub_lm_idinfo) / sizeof(float);
    if (!floats_ok(&lm->id[0].lpin, n, stride, -60.0f, 0.0f) ||
        !floats_ok(&lm->id[0].lgam2, n, stride, -60.0f, 30.0f) ||
        !floats_ok(&lm->id[0].loov, n, stride, -60.0f, 0.0f) ||
        !floats_ok(lm->cls_lp, 257 * 256, 1, -60.0f, 0.0f))
        return -1;
    return 0;
}

ub_lm *ub_lm_open(const void *blob, size_t len)
{
    ub_lm *lm = calloc(1, sizeof *lm);
    if (lm == NULL) return NULL;
    if (init(lm, blob, len, 1) != 0) {
        free(lm);
        return NULL;
    }
    lm->serial = next_serial();
    return lm;
}

void ub_lm_close(ub_lm *lm)
{
    free(lm);
}

/* ---------------------------------------------------------------- builtin */

/* From model_blob.S: the bytes of models/unbake.lm, 8-byte aligned. */
extern const uint8_t ub_lm_blob_start[] __attribute__((visibility("hidden")));
extern const uint8_t ub_lm_blob_end[] __attribute__((visibility("hidden")));

static ub_lm builtin;
static int builtin_state; /* 0 unchecked, 1 ok, -1 corrupt */

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_init(void)
{
    size_t len = (size_t)(ub_lm_blob_end - ub_lm_blob_start);
#ifdef MADV_POPULATE_READ
    /* Map the model's pages in one call: its look-ups land all over it,
     * and the page faults they would take one by one (a hundred on 2 KiB
     * of clean text, even with the kernel's fault-around) cost more than
     * the call on a virtual machine, where a fault is dear.  Best effort:
     * kernels before 5.14 refuse it and fault the pages in as before. */
    uintptr_t a = (uintptr_t)ub_lm_blob_start & ~(uintptr_t)4095;
    (void)madvise((void *)a, (uintptr_t)ub_lm_blob_end - a, MADV_POPULATE_READ);
#endif
    builtin_state = init(&builtin, ub_lm_blob_start, len, 0) == 0 ? 1 : -1;
    builtin.serial = next_serial();
}

const ub_lm *ub_lm_builtin(void)
{
    pthread_once(&builtin_once, builtin_init);
    return builtin_state == 1 ? &builtin : NULL;
}

int ub_lm_builtin_status(void)
{
    return ub_lm_builtin() ? 0 : -6;
}

/* ---------------------------------------------------------------- queries */

/* Id of a normalized code point (<= 0x10FFFF): its vocabulary id or the
 * token of its class. */
static inline uint32_t lookup(const ub_lm *lm, uint32_t cp)
{
    if (cp <= 0xFFFF) return lm->bmp[cp];
    uint32_t blk = lm->astral_idx[(cp - 0x10000) >> 8];
    return lm->astral_blk[(size_t)blk * 256 + (cp & 0xFF)];
}

static inline uint32_t context_id(const ub_lm *lm, uint32_t cp)
{
    return cp == UB_LM_BOS ? 0 : lookup(lm, ub_lm_normalize(cp));
}

/* A key's hash, fingerprint and home bucket. */
typedef struct {
    uint32_t fp, bucket;
} slot_ref;

static inline slot_ref ref_of(uint64_t key, uint32_t seed, uint32_t nb)
{
    uint64_t h = ub_lm_mix(key, seed);
    slot_ref r = {ub_lm_fp(h), ub_lm_bucket(h, nb)};
    return r;
}

/* Value of a key in a table of nb buckets, or -1 if absent.  At most nb
 * buckets are read, whatever the table holds.  (The empty slots are
 * looked for only in a bucket without the key.) */
static inline int probe(const ub_lm_bucket_t *t, uint32_t nb, slot_ref r)
{
    uint32_t i = r.bucket;
#if defined(__SSE2__)
    /* three vectors of four slots (the bucket is 64-byte aligned), their
     * fingerprints compared with the value bits masked off, the three
     * comparisons packed to one byte a slot for a single mask */
    const __m128i f = _mm_set1_epi32((int)(r.fp << 4)), fpbits = _mm_set1_epi32(~0xF);
    const __m128i z = _mm_setzero_si128();
    for (uint32_t step = 0; step < nb; step++) {
        const ub_lm_bucket_t *b = t + i;
        const __m128i *v = (const __m128i *)(const void *)b->fp;
        __m128i v0 = _mm_load_si128(v), v1 = _mm_load_si128(v + 1), v2 = _mm_load_si128(v + 2);
        __m128i h01 = _mm_packs_epi32(_mm_cmpeq_epi32(_mm_and_si128(v0, fpbits), f),
                                      _mm_cmpeq_epi32(_mm_and_si128(v1, fpbits), f));
        __m128i h2 = _mm_packs_epi32(_mm_cmpeq_epi32(_mm_and_si128(v2, fpbits), f), z);
        unsigned hit = (unsigned)_mm_movemask_epi8(_mm_packs_epi16(h01, h2));
        if (hit) {
            unsigned k = (unsigned)__builtin_ctz(hit);
            return (int)((b->fp[k] & 0xF) << 8 | b->lo[k]);
        }
        __m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi32(v0, z), _mm_cmpeq_epi32(v1, z)),
                                 _mm_cmpeq_epi32(v2, z));
        if (_mm_movemask_epi8(e))
            return -1;
        if (++i == nb) i = 0;
    }
#else
    for (uint32_t step = 0; step < nb; step++) {
        const ub_lm_bucket_t *b = t + i;
        int empty = 0;
        for (unsigned k = 0; k < UB_LM_BUCKET; k++) {
            if ((b->fp[k] >> 4) == r.fp)
                return (int)((b->fp[k] & 0xF) << 8 | b->lo[k]);
            empty |= b->fp[k] == 0;
        }
        if (empty)
            return -1;
        if (++i == nb) i = 0;
    }
#endif
    return -1;
}

/*
 * The two lower levels of a trigram the table lacks, per thread (like
 * the look-up cache, ub_lm_cache_for()): the backoff weight of the context
 * (i2, i1) and the bigram term of (i1, id).  The look-up cache's misses
 * are mostly trigrams asked for the first time, but their contexts and
 * bigrams were mostly asked before (every candidate repair of a run is
 * scored after the same few characters, and a beam's states ask for the
 * same few hundred characters in contexts that differ): a look-up here
 * costs a tenth of a hash probe into the model.  An entry's key is
 * (a << 16 | b) + 1, 0 when empty; the one pair whose key would wrap to 0
 * is not cached.  8192 entries each, 64 KiB: twice that saved 0.1% of the
 * instructions on dense mojibake and cost 128 KiB of every process's peak
 * memory (issue 6).
 */
enum { LOW_CACHE_BITS = 13 };
typedef struct {
    uint32_t key;
    float v;
} low_entry;

/* A thread's caches (the look-ups', the lower levels', the known
 * blocks'), in one block mapped on the thread's first look-up and
 * unmapped when it exits.  Not static thread-local storage: the C library
 * zeroes that for every thread as it starts, whether the thread ever
 * reads text or not (1.3 ms of every run of the filter, pure ASCII
 * included, on the machine of issue 6). */
enum { KNOWN_BLOCKS = 0x10000 >> 6 };
struct thread_caches {
    uint64_t lp_serial, low_serial, known_serial;
    ub_lm_cache_entry lp[1u << UB_LM_CACHE_BITS];
    low_entry gam[1u << LOW_CACHE_BITS], bi[1u << LOW_CACHE_BITS];
    uint64_t known_blk[KNOWN_BLOCKS];
    uint64_t known_have[KNOWN_BLOCKS / 64];
};
static _Thread_local struct thread_caches *tcache;
/* The look-up cache of a thread that has none: all its keys are 0, which
 * no look-up has, and fill() never writes it (so threads share it). */
static ub_lm_cache_entry no_cache[1u << UB_LM_CACHE_BITS];
static pthread_key_t tcache_key;
static int tcache_key_ok;
static pthread_once_t tcache_once = PTHREAD_ONCE_INIT;

static void tcache_free(void *t)
{
    munmap(t, sizeof(struct thread_caches));
}

static void tcache_key_init(void)
{
    tcache_key_ok = pthread_key_create(&tcache_key, tcache_free) == 0;
}

/* This thread's caches, NULL when there is no memory for them (every
 * look-up then goes to the tables). */
static __attribute__((noinline)) struct thread_caches *tcache_new(void)
{
    pthread_once(&tcache_once, tcache_key_init);
    /* (its pages mapped at once: the look-ups scatter over all of them) */
    struct thread_caches *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (t == MAP_FAILED)
        return NULL;
    /* (freed with the thread; the main thread's at exit, with the rest) */
    if (tcache_key_ok && pthread_setspecific(tcache_key, t) != 0) {
        tcache_free(t);
        return NULL;
    }
    tcache = t;
    return t;
}

static inline struct thread_caches *tcache_get(void)
{
    struct thread_caches *t = tcache;
    return __builtin_expect(t != NULL, 1) ? t : tcache_new();
}

static inline low_entry *low_slot(low_entry *t, uint32_t key)
{
    return &t[(key * 0x9E3779B1u) >> (32 - LOW_CACHE_BITS)];
}

/* The bigram level of a trigram the table lacks, which logp_ids() adds
 * to the context's backoff weight: -log of P2's own term where the table
 * has (i1, id), else the backoff to the class-conditioned unigram.
 * (lp - v is lp + -v, and -q / 128 is exact: adding it gives the same
 * sum.) */
static inline slot_ref bigram_ref(const ub_lm *lm, uint32_t i1, uint32_t id)
{
    return ref_of(ub_lm_key2b(i1, id), lm->h->seed + 2, lm->h->bi_nb);
}

static inline float bigram_term(const ub_lm *lm, uint32_t i1, uint32_t id, slot_ref rb)
{
    int q = probe(lm->bi, lm->h->bi_nb, rb);
    if (q >= 0)
        return -((float)q / UB_LM_QSCALE);
    const ub_lm_idinfo *pi = &lm->id[i1], *ci = &lm->id[id];
    uint32_t row = i1 == 0 ? 256u : pi->cls;
    return pi->lgam2 + lm->cls_lp[row * 256 + ci->cls] + ci->lpin;
}

/* The log backoff weight of the trigram context (i2, i1). */
static inline float context_gamma(const ub_lm *lm, uint32_t i2, uint32_t i1)
{
    const ub_lm_header *h = lm->h;
    slot_ref rc = ref_of(ub_lm_key2c(i2, i1), h->seed + 1, h->ctx_nb);
    int q = probe(lm->ctx, h->ctx_nb, rc);
    return q >= 0 ? UB_LM_GAM_OFF - (float)q / UB_LM_QSCALE : 0.0f;
}

/* log P(c | i2 i1), c not the LF of a CRLF.  x, when not NULL, is the
 * context (i2, i1) and keeps its backoff weight for the next character
 * asked in it (a beam asks for many in each of its states). */
static inline __attribute__((always_inline)) float logp_ids(const ub_lm *lm, uint32_t i2,
                                                            uint32_t i1, uint32_t c,
                                                            ub_lm_context *x)
{
    uint32_t n = ub_lm_normalize(c);
    uint32_t id = lookup(lm, n);
    const ub_lm_header *h = lm->h;
    slot_ref r3 = ref_of(ub_lm_key3(i2, i1, id), h->seed, h->tri_nb);
    float extra = lm->id[id].loov;
    if (n == '0') extra -= 2.302585093f; /* one digit of ten */
    float lp;
    int q = probe(lm->tri, h->tri_nb, r3);
    if (q >= 0) {
        lp = -(float)q / UB_LM_QSCALE;
    } else {
        struct thread_caches *tc = tcache_get();
        low_entry spare[2] = { { 0, 0.0f }, { 0, 0.0f } };  /* (no caches) */
        low_entry *gam_cache = spare, *bi_cache = spare + 1;
        if (tc) {
            if (tc->low_serial != lm->serial) {
                if (tc->low_serial) {   /* (a thread's first model: empty) */
                    memset(tc->gam, 0, sizeof tc->gam);
                    memset(tc->bi, 0, sizeof tc->bi);
                }
                tc->low_serial = lm->serial;
            }
            gam_cache = tc->gam;
            bi_cache = tc->bi;
        }
        uint32_t kb = (i1 << 16 | id) + 1;
        low_entry *eb = tc ? low_slot(bi_cache, kb) : bi_cache;
        int have_b = eb->key == kb && kb;
        slot_ref rb = { 0, 0 };
        if (x && x->have_gam) {
            lp = x->gam;
        } else {
            uint32_t key = (i2 << 16 | i1) + 1;
            low_entry *e = tc ? low_slot(gam_cache, key) : gam_cache;
            if (e->key == key && key) {
                lp = e->v;
            } else {
                /* both levels from the tables: ask the memory for the
                 * bigram's bucket before the context's, so that their
                 * cache misses overlap */
                if (!have_b) {
                    rb = bigram_ref(lm, i1, id);
                    __builtin_prefetch(lm->bi + rb.bucket);
                }
                lp = context_gamma(lm, i2, i1);
                e->key = key;
                e->v = lp;
            }
            if (x) {
                x->gam = lp;
                x->have_gam = 1;
            }
        }
        if (!have_b) {
            if (!rb.fp)
                rb = bigram_ref(lm, i1, id);
            eb->key = kb;
            eb->v = bigram_term(lm, i1, id, rb);
        }
        lp += eb->v;
    }
    lp += extra;
    if (lp > 0.0f) lp = 0.0f;
    if (!(lp >= UB_LM_LOGP_MIN)) lp = UB_LM_LOGP_MIN;
    return lp;
}

/* log P(c | c2 c1), looked up in the model. */
static float logp_uncached(const ub_lm *lm, uint32_t c2, uint32_t c1, uint32_t c)
{
    if (c == '\n' && c1 == '\r') return 0.0f; /* CRLF is one newline */
    uint32_t i1 = context_id(lm, c1);
    uint32_t i2 = i1 == 0 ? 0 : context_id(lm, c2);
    return logp_ids(lm, i2, i1, c, NULL);
}

/* The same in context x (logp_ids()), its ids found the first time. */
static float logp_uncached_ctx(const ub_lm *lm, ub_lm_context *x, uint32_t c)
{
    if (c == '\n' && x->c1 == '\r') return 0.0f;
    if (!x->have_ids) {
        x->i1 = context_id(lm, x->c1);
        x->i2 = x->i1 == 0 ? 0 : context_id(lm, x->c2);
        x->have_ids = 1;
    }
    return logp_ids(lm, x->i2, x->i1, c, x);
}

/*
 * The detector asks for the same trigrams again and again (every candidate
 * repair of a run is scored, and text repeats its words), and a table
 * lookup that misses the trigram costs three hash probes into 7 MB.  A
 * small two-way cache per thread answers most of them: 32768 entries of
 * (c2, c1, c) -> log P, 384 KiB (twice that saved 3.5% of the
 * instructions on dense mojibake and cost 500 KiB of peak memory, which
 * a single 200 MB line could not spare under issue 6's 16 MiB; dense
 * mojibake, whose candidate repairs are many, missed 2.5 times as often
 * with a quarter of 768 KiB, and direct-
 * mapped almost twice as often as with two ways, the one asked for last
 * first; four ways cost more than they save, as the other ways' hits go
 * through ub_lm_logp_fill()).  It is
 * cleared when another model is asked (ub_lm_open can give several; each
 * has its own serial number, so a model opened where a closed one was is
 * told apart).
 */
ub_lm_cache_entry *ub_lm_cache_for(const ub_lm *lm)
{
    struct thread_caches *tc = tcache_get();
    if (!tc)
        return no_cache;
    if (tc->lp_serial != lm->serial) {
        /* serials start at 1: a thread's first model finds the cache as
         * it was made, empty */
        if (tc->lp_serial)
            memset(tc->lp, 0, sizeof tc->lp);
        tc->lp_serial = lm->serial;
    }
    return tc->lp;
}

/* A look-up the inline one (ub_lm_logp_in, ub_lm_logp_ctx) did not find
 * in e[0], the first entry of its pair; in context x where it is not
 * NULL.  Either way the key goes first and what was first second. */
static inline __attribute__((always_inline)) float fill(ub_lm_cache_entry *e, uint64_t key,
                                                        const ub_lm *lm, uint32_t c2,
                                                        uint32_t c1, uint32_t c,
                                                        ub_lm_context *x)
{
    if (__builtin_expect((uintptr_t)e - (uintptr_t)no_cache < sizeof no_cache, 0))
        return x ? logp_uncached_ctx(lm, x, c) : logp_uncached(lm, c2, c1, c);
    ub_lm_cache_entry first = e[0];
    float lp = ub_lm_cache_holds(&e[1], key) ? e[1].lp
               : x                             ? logp_uncached_ctx(lm, x, c)
                                               : logp_uncached(lm, c2, c1, c);
    e[1] = first;
    ub_lm_cache_put(e, key, lp);
    return lp;
}

float ub_lm_logp_fill(ub_lm_cache_entry *e, uint64_t key, const ub_lm *lm, uint32_t c2,
                      uint32_t c1, uint32_t c)
{
    return fill(e, key, lm, c2, c1, c, NULL);
}

float ub_lm_logp_ctx_fill(ub_lm_cache_entry *e, uint64_t key, const ub_lm *lm, ub_lm_context *x,
                          uint32_t c)
{
    return fill(e, key, lm, x->c2, x->c1, c, x);
}

float ub_lm_logp_far(const ub_lm *lm, uint32_t c2, uint32_t c1, uint32_t c)
{
    return logp_uncached(lm, c2, c1, c);
}

void ub_lm_context_ids(const ub_lm *lm, uint32_t c2, uint32_t c1, uint32_t *i2, uint32_t *i1)
{
    /* as logp_uncached_ctx() finds them */
    *i1 = context_id(lm, c1);
    *i2 = *i1 == 0 ? 0 : context_id(lm, c2);
}

float ub_lm_logp_ctx_far(const ub_lm *lm, ub_lm_context *x, uint32_t c)
{
    return logp_uncached_ctx(lm, x, c);
}

float ub_lm_logp(const ub_lm *lm, uint32_t c2, uint32_t c1, uint32_t c)
{
    return ub_lm_logp_in(ub_lm_cache_for(lm), lm, c2, c1, c);
}

int ub_lm_known(const ub_lm *lm, uint32_t cp)
{
    return lookup(lm, ub_lm_normalize(cp)) >= UB_LM_ID_CHAR0;
}

/* The BMP's blocks, as the lossy search asks for them: a character with
 * two bytes guessed is one of a few hundred in a handful of blocks, asked
 * again for every weak lead of a run.  Per thread, like the look-ups. */
uint64_t ub_lm_known_block(const ub_lm *lm, uint32_t blk)
{
    struct thread_caches *tc = blk < KNOWN_BLOCKS ? tcache_get() : NULL;
    int cached = tc != NULL;
    if (cached) {
        if (tc->known_serial != lm->serial) {
            memset(tc->known_have, 0, sizeof tc->known_have);
            tc->known_serial = lm->serial;
        }
        if (tc->known_have[blk >> 6] >> (blk & 63) & 1)
            return tc->known_blk[blk];
    }
    uint64_t m = 0;
    for (uint32_t j = 0; j < 64; j++)
        m |= (uint64_t)ub_lm_known(lm, blk << 6 | j) << j;
    if (cached) {
        tc->known_blk[blk] = m;
        tc->known_have[blk >> 6] |= 1ull << (blk & 63);
    }
    return m;
}

double ub_lm_score(const ub_lm *lm, uint32_t c2, uint32_t c1, const uint32_t *s, size_t n)
{
    ub_lm_cache_entry *lc = ub_lm_cache_for(lm);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        sum += ub_lm_logp_in(lc, lm, c2, c1, s[i]);
        c2 = c1;
        c1 = s[i];
    }
    return sum;
}

double ub_lm_junction(const ub_lm *lm, uint32_t c2, uint32_t c1, const uint32_t *right,
                      size_t nright)
{
    if (!nright)
        return 0.0;
    ub_lm_cache_entry *lc = ub_lm_cache_for(lm);
    double sc = 0.0;
    for (size_t i = 0; i < nright && i < 2; i++) {
        sc += ub_lm_logp_in(lc, lm, c2, c1, right[i]);
        c2 = c1;
        c1 = right[i];
    }
    return sc;
}

const char *ub_lm_provenance(const ub_lm *lm)
{
    return lm ? lm->prov : "";
}
