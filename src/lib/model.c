/*
 * model.c -- query the character language model (format in model.h).
 *
 * A query is at most three hash probes (trigram, trigram context, bigram)
 * plus array reads; nothing is allocated.  The blob is validated once when
 * opened, so the probes can trust every offset and know each table has an
 * empty slot to stop at.
 */
#include "model.h"
#include "uclass.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct ub_lm {
    const uint8_t *base;
    const ub_lm_header *h;
    const uint16_t *bmp;
    const uint32_t *astral_cp;
    const uint16_t *astral_id;
    const uint8_t *id_cls;
    const float *id_lpin, *id_lgam2, *cls_lp, *oov_lp;
    const uint32_t *tri, *ctx, *bi;
    const char *prov;
    uint32_t n_ids;
};

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

/* A section [off, off + size) lies inside the blob and is 8-byte aligned. */
static int section_ok(uint64_t off, uint64_t size, uint64_t len)
{
    return off % 8 == 0 && off >= sizeof(ub_lm_header) && off <= len && size <= len - off;
}

static int table_ok(const uint32_t *t, uint32_t cap)
{
    /* At least a sixth empty, so every probe ends quickly. */
    size_t empty = 0;
    for (size_t i = 0; i < cap; i++) empty += t[i] == 0;
    return empty >= cap / 6 && empty > 0;
}

static int floats_ok(const float *f, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        if (!(f[i] >= lo && f[i] <= hi)) return 0; /* also rejects NaN */
    return 1;
}

static int init(ub_lm *lm, const void *blob, size_t len)
{
    if (blob == NULL || len < sizeof(ub_lm_header) || ((uintptr_t)blob & 7) != 0) return -1;
    const ub_lm_header *h = blob;
    if (h->magic != UB_LM_MAGIC || h->version != UB_LM_VERSION || h->total_len != len) return -1;
    if (ub_lm_checksum((const uint8_t *)blob + sizeof *h, len - sizeof *h) != h->checksum)
        return -1;
    uint32_t n = h->n_ids;
    if (n <= UB_LM_ID_CHAR0 || n > 65536 || h->n_astral > n) return -1;
    if (h->tri_cap < 8 || h->ctx_cap < 8 || h->bi_cap < 8) return -1;
    if (!section_ok(h->off_bmp, 65536 * 2, len) ||
        !section_ok(h->off_astral_cp, (uint64_t)h->n_astral * 4, len) ||
        !section_ok(h->off_astral_id, (uint64_t)h->n_astral * 2, len) ||
        !section_ok(h->off_id_cls, n, len) || !section_ok(h->off_id_lpin, (uint64_t)n * 4, len) ||
        !section_ok(h->off_id_lgam2, (uint64_t)n * 4, len) ||
        !section_ok(h->off_cls_lp, 257 * 256 * 4, len) ||
        !section_ok(h->off_oov_lp, 256 * 4, len) ||
        !section_ok(h->off_tri, (uint64_t)h->tri_cap * 4, len) ||
        !section_ok(h->off_ctx, (uint64_t)h->ctx_cap * 4, len) ||
        !section_ok(h->off_bi, (uint64_t)h->bi_cap * 4, len) ||
        !section_ok(h->off_prov, h->prov_len, len) || h->prov_len == 0)
        return -1;
    const uint8_t *b = blob;
    lm->base = b;
    lm->h = h;
    lm->n_ids = n;
    lm->bmp = (const uint16_t *)(const void *)(b + h->off_bmp);
    lm->astral_cp = (const uint32_t *)(const void *)(b + h->off_astral_cp);
    lm->astral_id = (const uint16_t *)(const void *)(b + h->off_astral_id);
    lm->id_cls = b + h->off_id_cls;
    lm->id_lpin = (const float *)(const void *)(b + h->off_id_lpin);
    lm->id_lgam2 = (const float *)(const void *)(b + h->off_id_lgam2);
    lm->cls_lp = (const float *)(const void *)(b + h->off_cls_lp);
    lm->oov_lp = (const float *)(const void *)(b + h->off_oov_lp);
    lm->tri = (const uint32_t *)(const void *)(b + h->off_tri);
    lm->ctx = (const uint32_t *)(const void *)(b + h->off_ctx);
    lm->bi = (const uint32_t *)(const void *)(b + h->off_bi);
    lm->prov = (const char *)(b + h->off_prov);

    if (lm->prov[h->prov_len - 1] != '\0') return -1;
    for (uint32_t i = 0; i < 65536; i++)
        if (lm->bmp[i] >= n || (lm->bmp[i] != 0 && lm->bmp[i] < UB_LM_ID_CHAR0)) return -1;
    for (uint32_t i = 0; i < h->n_astral; i++) {
        if (lm->astral_cp[i] <= 0xFFFF || lm->astral_cp[i] > 0x10FFFF) return -1;
        if (i > 0 && lm->astral_cp[i] <= lm->astral_cp[i - 1]) return -1;
        if (lm->astral_id[i] >= n || lm->astral_id[i] < UB_LM_ID_CHAR0) return -1;
    }
    /* Class ids fit UB_LM_NCLS by type (uint8); the logs must be sane. */
    if (!floats_ok(lm->id_lpin, n, -60.0f, 0.0f) || !floats_ok(lm->id_lgam2, n, -60.0f, 30.0f) ||
        !floats_ok(lm->cls_lp, 257 * 256, -60.0f, 0.0f) || !floats_ok(lm->oov_lp, 256, -60.0f, 0.0f))
        return -1;
    if (!table_ok(lm->tri, h->tri_cap) || !table_ok(lm->ctx, h->ctx_cap) ||
        !table_ok(lm->bi, h->bi_cap))
        return -1;
    return 0;
}

ub_lm *ub_lm_open(const void *blob, size_t len)
{
    ub_lm *lm = calloc(1, sizeof *lm);
    if (lm == NULL) return NULL;
    if (init(lm, blob, len) != 0) {
        free(lm);
        return NULL;
    }
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
    builtin_state = init(&builtin, ub_lm_blob_start, len) == 0 ? 1 : -1;
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

/* Id of a normalized code point: its vocabulary id, or the token of its
 * class with *oov set to log(1 / unseen members of the class). */
static uint32_t lookup(const ub_lm *lm, uint32_t cp, float *oov)
{
    uint32_t id = 0;
    if (cp <= 0xFFFF) {
        id = lm->bmp[cp];
    } else {
        size_t lo = 0, hi = lm->h->n_astral;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (lm->astral_cp[mid] < cp) lo = mid + 1;
            else hi = mid;
        }
        if (lo < lm->h->n_astral && lm->astral_cp[lo] == cp) id = lm->astral_id[lo];
    }
    if (id != 0) {
        *oov = 0.0f;
        return id;
    }
    int k = ub_uclass(cp);
    *oov = lm->oov_lp[k];
    return UB_LM_ID_CLASS0 + (uint32_t)k;
}

static uint32_t context_id(const ub_lm *lm, uint32_t cp)
{
    float unused;
    if (cp == UB_LM_BOS) return 0;
    return lookup(lm, ub_lm_normalize(cp), &unused);
}

/* Value of key in a table, or -1 if absent. */
static int probe(const uint32_t *t, uint32_t cap, uint64_t key, uint32_t seed)
{
    uint64_t h = ub_lm_mix(key, seed);
    uint32_t fp = ub_lm_fp(h);
    uint32_t i = ub_lm_slot(h, cap);
    for (;;) {
        uint32_t e = t[i];
        if (e == 0) return -1;
        if ((e >> 12) == fp) return (int)(e & 0xFFF);
        if (++i == cap) i = 0;
    }
}

float ub_lm_logp(const ub_lm *lm, uint32_t c2, uint32_t c1, uint32_t c)
{
    if (c == '\n' && c1 == '\r') return 0.0f; /* CRLF is one newline */
    float extra;
    uint32_t n = ub_lm_normalize(c);
    uint32_t id = lookup(lm, n, &extra);
    if (n == '0') extra -= 2.302585093f; /* one digit of ten */
    uint32_t i1 = context_id(lm, c1);
    uint32_t i2 = i1 == 0 ? 0 : context_id(lm, c2);
    const ub_lm_header *h = lm->h;
    float lp;
    int q = probe(lm->tri, h->tri_cap, ub_lm_key3(i2, i1, id), h->seed);
    if (q >= 0) {
        lp = -(float)q / UB_LM_QSCALE;
    } else {
        q = probe(lm->ctx, h->ctx_cap, ub_lm_key2c(i2, i1), h->seed + 1);
        lp = q >= 0 ? UB_LM_GAM_OFF - (float)q / UB_LM_QSCALE : 0.0f;
        q = probe(lm->bi, h->bi_cap, ub_lm_key2b(i1, id), h->seed + 2);
        if (q >= 0) {
            lp -= (float)q / UB_LM_QSCALE;
        } else {
            uint32_t row = i1 == 0 ? 256u : lm->id_cls[i1];
            lp += lm->id_lgam2[i1] + lm->cls_lp[row * 256 + lm->id_cls[id]] + lm->id_lpin[id];
        }
    }
    lp += extra;
    if (lp > 0.0f) lp = 0.0f;
    if (!(lp >= UB_LM_LOGP_MIN)) lp = UB_LM_LOGP_MIN;
    return lp;
}

double ub_lm_score(const ub_lm *lm, uint32_t c2, uint32_t c1, const uint32_t *s, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        sum += ub_lm_logp(lm, c2, c1, s[i]);
        c2 = c1;
        c1 = s[i];
    }
    return sum;
}

const char *ub_lm_provenance(const ub_lm *lm)
{
    return lm ? lm->prov : "";
}
