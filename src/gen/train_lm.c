/*
 * train_lm.c -- train the character language model (models/unbake.lm).
 *
 *   train_lm [--cap N] [--cap-LANG N] [--min-char N] [--prune3 K] [--prune2 K]
 *            [--prune3-other K] [--prune2-other K] [--cls-d D] [--load L]
 *            CORPUS_DIR OUT.lm
 *   train_lm --eval MODEL.lm DIR       per-language bits/char of DIR/<lang>.txt,
 *                                      and the share and cost of characters
 *                                      whose bigram the model does not hold
 *
 * CORPUS_DIR is what scripts/corpora.sh writes: train/<lang>.txt (documents
 * separated by a line holding only U+001E) and packages.txt.
 *
 * Why one combined model: the detector scores text of unknown language and
 * must judge "Ð±Ñ" against "бы" and "é" against "Ã©" with one scale, and
 * mixed-script text is common (English code in Chinese docs).  Languages are
 * balanced by capping the characters read per language (--cap), so German
 * man pages don't drown Korean.
 *
 * Smoothing: interpolated modified Kneser-Ney (Chen & Goodman) for the
 * trigram and bigram levels; below the bigram sits a class-conditioned KN
 * unigram: a class bigram P(class(c) | class(c1)) estimated from bigram
 * types (it only prices pairs never seen, so it counts distinct pairs, as
 * KN does for every lower order), times c's share of the continuation
 * counts inside its class.  The class token of a class takes what its rare
 * members were seen doing plus one pseudo-count, spread evenly over the
 * members outside the vocabulary.  So a common symbol after a letter
 * (Windows®) is affordable, an IPA letter after a Latin one is not, and a
 * lone Cyrillic letter after Han text, a C1 control or an uppercase letter
 * after a lowercase one stay improbable.  N-grams are pruned by weighted
 * difference (count x log-ratio to the backed-off estimate; thresholds by
 * script, see alphabetic()), and the backoff weights are renormalised over
 * what was kept, so every context's distribution sums to one.
 *
 * Deterministic: input read in sorted order, all sorts total, tables filled
 * in key order, no time stamps: same input, same bytes.
 */
#include "model.h"
#include "uclass.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IDS 65000u

/* model.c's built-in model comes from model_blob.S, which embeds the file
 * this program writes; the trainer only opens models from files, so it
 * links an empty stand-in (ub_lm_builtin() reports it corrupt). */
const uint8_t ub_lm_blob_start[8] __attribute__((aligned(8))) = {0};
const uint8_t ub_lm_blob_end[1] = {0};

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("train_lm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory (%zu bytes)", n);
    return p;
}

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n ? n : 1, s ? s : 1);
    if (!p) die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) die("out of memory (%zu bytes)", n);
    return p;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: %s", path, strerror(errno));
    size_t cap = 1 << 20, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) buf = xrealloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    if (ferror(f)) die("%s: read error", path);
    fclose(f);
    buf = xrealloc(buf, n + 1);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Decode one UTF-8 sequence; invalid bytes give U+FFFD and advance by one. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char b = s[*i];
    uint32_t cp;
    int len;
    if (b < 0x80) { (*i)++; return b; }
    if (b >= 0xC2 && b <= 0xDF) { cp = b & 0x1F; len = 2; }
    else if (b >= 0xE0 && b <= 0xEF) { cp = b & 0x0F; len = 3; }
    else if (b >= 0xF0 && b <= 0xF4) { cp = b & 0x07; len = 4; }
    else { (*i)++; return 0xFFFD; }
    if (*i + (size_t)len > n) { (*i)++; return 0xFFFD; }
    for (int k = 1; k < len; k++) {
        unsigned char c = s[*i + (size_t)k];
        if ((c & 0xC0) != 0x80) { (*i)++; return 0xFFFD; }
        cp = cp << 6 | (c & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
        (*i)++;
        return 0xFFFD;
    }
    *i += (size_t)len;
    return cp;
}

/* Sorted list of <lang>.txt files in a directory. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char **list_langs(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) die("%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".txt") == 0) {
            names = xrealloc(names, (n + 1) * sizeof *names);
            names[n] = xmalloc(l - 3);
            memcpy(names[n], e->d_name, l - 4);
            names[n][l - 4] = '\0';
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    *count = n;
    return names;
}

/* ------------------------------------------------------------------ text */

typedef struct {
    uint32_t *cp;   /* normalized code points; SEP32 between documents */
    size_t n, cap;
} text_buf;

#define SEP32 0xFFFFFFFFu

static void push(text_buf *t, uint32_t c)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 1 << 20;
        t->cp = xrealloc(t->cp, t->cap * sizeof *t->cp);
    }
    t->cp[t->n++] = c;
}

/* Append the documents of one file until `cap` characters are taken (whole
 * documents only).  Returns the characters taken. */
static size_t load_lang(text_buf *t, const char *path, size_t cap)
{
    size_t len, i = 0, taken = 0;
    const unsigned char *s = (const unsigned char *)read_file(path, &len);
    while (i < len && taken < cap) {
        /* one document: up to a line holding only U+001E */
        size_t start = t->n;
        int at_line_start = 1;
        while (i < len) {
            if (at_line_start && s[i] == 0x1E && (i + 1 == len || s[i + 1] == '\n')) {
                i += 2;
                break;
            }
            uint32_t c = utf8_next(s, len, &i);
            at_line_start = c == '\n';
            if (c == 0xFFFD || c == 0) continue;
            push(t, ub_lm_normalize(c));
        }
        taken += t->n - start;
        push(t, SEP32);
    }
    free((void *)(uintptr_t)s);
    return taken;
}

/* ------------------------------------------------------------- sorting */

/* LSD radix sort of 64-bit keys on their low `bits` bits. */
static void radix_sort(uint64_t *a, size_t n, int bits)
{
    uint64_t *tmp = xmalloc(n * sizeof *a);
    size_t *cnt = xmalloc(65536 * sizeof *cnt);
    for (int shift = 0; shift < bits; shift += 16) {
        memset(cnt, 0, 65536 * sizeof *cnt);
        for (size_t i = 0; i < n; i++) cnt[(a[i] >> shift) & 0xFFFF]++;
        size_t sum = 0;
        for (size_t k = 0; k < 65536; k++) {
            size_t c = cnt[k];
            cnt[k] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) tmp[cnt[(a[i] >> shift) & 0xFFFF]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
    free(cnt);
    free(tmp);
}

/* ------------------------------------------------------------- KN stuff */

typedef struct { double d[4]; } discounts; /* d[1], d[2], d[3] (3+) */

static discounts modified_kn(const uint64_t nk[5])
{
    discounts D = {{0, 0.5, 1.0, 1.5}};
    if (nk[1] == 0 || nk[2] == 0 || nk[3] == 0 || nk[4] == 0) return D;
    double Y = (double)nk[1] / ((double)nk[1] + 2.0 * (double)nk[2]);
    D.d[1] = 1.0 - 2.0 * Y * (double)nk[2] / (double)nk[1];
    D.d[2] = 2.0 - 3.0 * Y * (double)nk[3] / (double)nk[2];
    D.d[3] = 3.0 - 4.0 * Y * (double)nk[4] / (double)nk[3];
    for (int k = 1; k <= 3; k++)
        if (D.d[k] <= 0.05) D.d[k] = 0.05;
    return D;
}

static double disc(const discounts *D, uint64_t n)
{
    return n == 0 ? 0.0 : D->d[n >= 3 ? 3 : n];
}

/* ------------------------------------------------------------- tables */

typedef struct {
    ub_lm_bucket_t *bk;
    uint32_t nb;   /* buckets of UB_LM_BUCKET slots */
    uint32_t seed;
    size_t used, shadowed, spilled;
} table;

static double table_load = 0.8;

static void table_init(table *t, size_t n, uint32_t seed)
{
    /* n / (slots * load) buckets; the bucket is scaled, not masked, so any
     * count works */
    size_t nb = (size_t)((double)n / (UB_LM_BUCKET * table_load)) + 1;
    if (nb > 0x0FFFFFFFu) die("table too large");
    t->nb = (uint32_t)nb;
    t->seed = seed;
    t->bk = xcalloc(nb, sizeof *t->bk);
    t->used = t->shadowed = t->spilled = 0;
}

static int quant(double v)
{
    long q = lround(v * UB_LM_QSCALE);
    return q < 0 ? 0 : q > 4095 ? 4095 : (int)q;
}

/* Insert key with quantized value q: into its home bucket, or the next one
 * with room.  A key whose fingerprint already sits on its path would be
 * shadowed at query time; it is dropped (the query then backs off, which is
 * still a proper estimate). */
static void table_put(table *t, uint64_t key, int q)
{
    uint64_t h = ub_lm_mix(key, t->seed);
    uint32_t fp = ub_lm_fp(h);
    uint32_t i = ub_lm_bucket(h, t->nb);
    for (;;) {
        ub_lm_bucket_t *b = t->bk + i;
        for (unsigned k = 0; k < UB_LM_BUCKET; k++)
            if (b->fp[k] != 0 && (b->fp[k] >> 4) == fp) {
                t->shadowed++;
                return;
            }
        for (unsigned k = 0; k < UB_LM_BUCKET; k++)
            if (b->fp[k] == 0) {
                b->fp[k] = fp << 4 | (uint32_t)q >> 8;
                b->lo[k] = (uint8_t)(q & 255);
                t->used++;
                return;
            }
        t->spilled++;
        if (++i == t->nb) i = 0;
    }
}

/* ------------------------------------------------------------- output */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} blob;

static size_t blob_add_aligned(blob *b, const void *data, size_t n, size_t align)
{
    while (b->n % align) {
        if (b->n == b->cap) b->p = xrealloc(b->p, b->cap = b->cap * 2 + 64);
        b->p[b->n++] = 0;
    }
    size_t off = b->n;
    if (b->n + n > b->cap) {
        while (b->n + n > b->cap) b->cap = b->cap * 2 + 64;
        b->p = xrealloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, data, n);
    b->n += n;
    return off;
}

static size_t blob_add(blob *b, const void *data, size_t n)
{
    return blob_add_aligned(b, data, n, 8);
}

/* --------------------------------------------------------------- eval */

/* Is key in a bucketed table of the blob?  (eval only: which level of the
 * model priced a character) */
static int has_key(const ub_lm_bucket_t *t, uint32_t nb, uint64_t key, uint32_t seed)
{
    uint64_t h = ub_lm_mix(key, seed);
    uint32_t fp = ub_lm_fp(h), i = ub_lm_bucket(h, nb);
    for (uint32_t step = 0; step < nb; step++, i = i + 1 == nb ? 0 : i + 1) {
        const ub_lm_bucket_t *b = t + i;
        int empty = 0;
        for (unsigned k = 0; k < UB_LM_BUCKET; k++) {
            if (b->fp[k] != 0 && (b->fp[k] >> 4) == fp) return 1;
            empty |= b->fp[k] == 0;
        }
        if (empty) return 0;
    }
    return 0;
}

static uint32_t blob_id(const uint8_t *base, uint32_t cp)
{
    const ub_lm_header *h = (const ub_lm_header *)(const void *)base;
    cp = ub_lm_normalize(cp);
    if (cp <= 0xFFFF) return ((const uint16_t *)(const void *)(base + h->off_bmp))[cp];
    const uint16_t *idx = (const uint16_t *)(const void *)(base + h->off_astral_idx);
    const uint16_t *blk = (const uint16_t *)(const void *)(base + h->off_astral_blk);
    return blk[(size_t)idx[(cp - 0x10000) >> 8] * 256 + (cp & 0xFF)];
}

static int eval(const char *model_path, const char *dir)
{
    size_t len;
    char *raw = read_file(model_path, &len);
    void *al = xmalloc(len + 8);
    memcpy(al, raw, len);
    free(raw);
    ub_lm *lm = ub_lm_open(al, len);
    if (!lm) die("%s: not a valid model", model_path);
    /* OOV = not in the vocabulary (scored through its class token). */
    size_t nl;
    char **langs = list_langs(dir, &nl);
    const uint8_t *base = al;
    const ub_lm_header *mh = al;
    const ub_lm_bucket_t *bi = (const ub_lm_bucket_t *)(const void *)(base + mh->off_bi);
    printf("%-7s %10s %8s %7s %7s %8s\n", "lang", "chars", "bits/ch", "oov%", "novel%", "novel-b");
    double tot_bits = 0, tot_n = 0, nov_bits = 0, nov_n = 0;
    for (size_t k = 0; k < nl; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.txt", dir, langs[k]);
        size_t n;
        const unsigned char *s = (const unsigned char *)read_file(path, &n);
        size_t i = 0, chars = 0, oov = 0, novel = 0;
        double nats = 0, novel_nats = 0;
        uint32_t c2 = UB_LM_BOS, c1 = UB_LM_BOS;
        int at_line_start = 1;
        while (i < n) {
            if (at_line_start && s[i] == 0x1E) {
                i += 2;
                c2 = c1 = UB_LM_BOS;
                continue;
            }
            uint32_t c = utf8_next(s, n, &i);
            at_line_start = c == '\n';
            float lp = ub_lm_logp(lm, c2, c1, c);
            nats -= lp;
            chars++;
            /* a bigram the tables do not hold: priced by the class level */
            if (c1 != UB_LM_BOS && !(c == '\n' && c1 == '\r') &&
                !has_key(bi, mh->bi_nb, ub_lm_key2b(blob_id(base, c1), blob_id(base, c)),
                         mh->seed + 2)) {
                novel++;
                novel_nats -= lp;
            }
            oov += !ub_lm_known(lm, c);
            c2 = c1;
            c1 = c;
        }
        free((void *)(uintptr_t)s);
        double bpc = chars ? nats / (double)chars / log(2.0) : 0;
        printf("%-7s %10zu %8.3f %7.3f %7.3f %8.2f\n", langs[k], chars, bpc,
               chars ? 100.0 * (double)oov / (double)chars : 0.0,
               chars ? 100.0 * (double)novel / (double)chars : 0.0,
               novel ? novel_nats / (double)novel / log(2.0) : 0.0);
        tot_bits += nats / log(2.0);
        tot_n += (double)chars;
        nov_bits += novel_nats / log(2.0);
        nov_n += (double)novel;
        free(langs[k]);
    }
    printf("%-7s %10.0f %8.3f %7s %7.3f %8.2f\n", "all", tot_n, tot_n > 0 ? tot_bits / tot_n : 0,
           "", tot_n > 0 ? 100.0 * nov_n / tot_n : 0.0, nov_n > 0 ? nov_bits / nov_n : 0.0);
    free(langs);
    ub_lm_close(lm);
    free(al);
    return 0;
}

/* --------------------------------------------------------------- train */

typedef struct {
    size_t cap_default;
    struct { char lang[16]; size_t cap; } caps[32];
    int ncaps;
    uint64_t min_char;
    double prune3, prune2;
    double prune3_other, prune2_other; /* the same for the scripts of many characters */
    double cls_d;      /* absolute discount of the class bigram */
} options;

/* Pruning is by class of the predicted character.  Latin, Greek and
 * Cyrillic (with digits, punctuation, symbols) have few letters, so their
 * n-grams are many observations each and a strict threshold costs them
 * almost nothing (0.01 bits/char in de/en/fr/ru from --prune3 6 to 20);
 * the scripts of thousands of characters (Han above all) lose much more,
 * and gap filling in Chinese lives on their n-grams. */
static int alphabetic(int cls)
{
    int g = ub_uclass_group(cls);
    return g == UB_SG_ASCII || g == UB_SG_LATIN_ASCII || g == UB_SG_LATIN_EXT ||
           g == UB_SG_LATIN1_SYM || g == UB_SG_COMMON || g == UB_SG_GREEK ||
           g == UB_SG_CYRILLIC || g == UB_SG_SPECIAL;
}

static size_t cap_for(const options *o, const char *lang)
{
    for (int i = 0; i < o->ncaps; i++)
        if (strcmp(o->caps[i].lang, lang) == 0) return o->caps[i].cap;
    return o->cap_default;
}

static size_t parse_size(const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) die("bad number: %s", s);
    if (*end == 'k' || *end == 'K') v *= 1000ull, end++;
    else if (*end == 'M' || *end == 'm') v *= 1000000ull, end++;
    if (*end) die("bad number: %s", s);
    return (size_t)v;
}

/* Bigram record, sorted by key b<<16|c. */
typedef struct {
    uint32_t key;
    uint32_t kn;      /* KN count: distinct left contexts (raw count after BOS) */
    uint64_t raw;     /* raw count, the pruning weight */
    double p2;        /* final (pruned model) P2(c|b) */
} bigram;

static int train(const options *opt, const char *corpus, const char *out_path)
{
    char path[4096];
    /* ---- provenance header: packages and versions */
    snprintf(path, sizeof path, "%s/packages.txt", corpus);
    size_t plen;
    char *pkgs = read_file(path, &plen);
    size_t prov_cap = plen + 8192, prov_n = 0;
    char *prov = xmalloc(prov_cap);
    prov_n += (size_t)snprintf(prov, prov_cap,
        "unbake character LM v%u (interpolated modified Kneser-Ney trigram, backing off "
        "to a class-conditioned KN unigram), "
        "trained by src/gen/train_lm.c from Debian packages:", UB_LM_VERSION);
    for (char *line = strtok(pkgs, "\n"); line; line = strtok(NULL, "\n"))
        prov_n += (size_t)snprintf(prov + prov_n, prov_cap - prov_n, " %s;", line);
    free(pkgs);
    prov_n += (size_t)snprintf(prov + prov_n, prov_cap - prov_n, " characters per language:");

    /* ---- text */
    snprintf(path, sizeof path, "%s/train", corpus);
    size_t nl;
    char **langs = list_langs(path, &nl);
    text_buf t = {0};
    fprintf(stderr, "train_lm: reading %s\n", path);
    for (size_t k = 0; k < nl; k++) {
        char fp[4096];
        snprintf(fp, sizeof fp, "%s/train/%s.txt", corpus, langs[k]);
        size_t took = load_lang(&t, fp, cap_for(opt, langs[k]));
        fprintf(stderr, "  %-6s %10zu chars\n", langs[k], took);
        prov_n += (size_t)snprintf(prov + prov_n, prov_cap - prov_n, " %s=%zu", langs[k], took);
        free(langs[k]);
    }
    free(langs);
    prov_n += (size_t)snprintf(prov + prov_n, prov_cap - prov_n,
                               "; options: min-char=%llu prune3=%g prune2=%g prune3-other=%g "
                               "prune2-other=%g cls-d=%g load=%g",
                               (unsigned long long)opt->min_char, opt->prune3, opt->prune2,
                               opt->prune3_other, opt->prune2_other, opt->cls_d, table_load);

    /* ---- vocabulary */
    uint64_t *ccount = xcalloc(0x110000, sizeof *ccount);
    for (size_t i = 0; i < t.n; i++)
        if (t.cp[i] != SEP32) ccount[t.cp[i]]++;
    uint64_t minc = opt->min_char;
    uint32_t nvoc;
    for (;;) {
        nvoc = 0;
        for (uint32_t c = 1; c < 0x110000; c++) nvoc += ccount[c] >= minc;
        if (UB_LM_ID_CHAR0 + nvoc <= MAX_IDS) break;
        minc++;
    }
    uint32_t n_ids = UB_LM_ID_CHAR0 + nvoc;
    /* every code point -> id: vocabulary id, or the token of its class */
    uint32_t *cp_id = xcalloc(0x110000, sizeof *cp_id);
    uint8_t *id_cls = xcalloc(n_ids, 1);
    uint64_t members[UB_LM_NCLS] = {0}, invoc[UB_LM_NCLS] = {0};
    {
        uint32_t id = UB_LM_ID_CHAR0;
        for (uint32_t c = 0; c < 0x110000; c++) {
            int k = ub_uclass(c);
            members[k]++;
            if (c != 0 && ccount[c] >= minc) {
                id_cls[id] = (uint8_t)k;
                cp_id[c] = id++;
                invoc[k]++;
            } else {
                cp_id[c] = UB_LM_ID_CLASS0 + (uint32_t)k;
            }
        }
        for (uint32_t k = 0; k < UB_LM_NCLS; k++) id_cls[UB_LM_ID_CLASS0 + k] = (uint8_t)k;
    }
    uint16_t *bmp = xmalloc(65536 * sizeof *bmp);
    for (uint32_t c = 0; c < 65536; c++) bmp[c] = (uint16_t)cp_id[c];
    /* astral planes: blocks of 256 code points, identical blocks shared */
    uint16_t *astral_idx = xmalloc(UB_LM_ASTRAL_BLOCKS * sizeof *astral_idx);
    uint16_t *astral_blk = NULL;
    uint32_t n_astral_blk = 0;
    for (uint32_t blk = 0; blk < UB_LM_ASTRAL_BLOCKS; blk++) {
        uint16_t cur[256];
        for (uint32_t j = 0; j < 256; j++) cur[j] = (uint16_t)cp_id[0x10000 + blk * 256 + j];
        uint32_t found = n_astral_blk;
        for (uint32_t x = 0; x < n_astral_blk; x++)
            if (memcmp(astral_blk + (size_t)x * 256, cur, sizeof cur) == 0) {
                found = x;
                break;
            }
        if (found == n_astral_blk) {
            astral_blk = xrealloc(astral_blk, (size_t)(n_astral_blk + 1) * sizeof cur);
            memcpy(astral_blk + (size_t)n_astral_blk * 256, cur, sizeof cur);
            n_astral_blk++;
        }
        astral_idx[blk] = (uint16_t)found;
    }
    fprintf(stderr, "train_lm: %zu chars, vocabulary %u (count >= %llu)\n", t.n, nvoc,
            (unsigned long long)minc);

    free(ccount);

    /* ---- trigram keys (a,b,c) over ids; BOS = 0 */
    uint64_t *keys = xmalloc(t.n * sizeof *keys);
    size_t nk = 0;
    {
        uint32_t a = 0, b = 0;
        for (size_t i = 0; i < t.n; i++) {
            if (t.cp[i] == SEP32) { a = b = 0; continue; }
            uint32_t c = cp_id[t.cp[i]];
            keys[nk++] = (uint64_t)a << 32 | (uint64_t)b << 16 | c;
            a = b;
            b = c;
        }
    }
    free(t.cp);
    free(cp_id);
    radix_sort(keys, nk, 48);
    /* unique trigrams with counts, in place */
    uint32_t *tcount = xmalloc(nk * sizeof *tcount);
    size_t nt = 0;
    for (size_t i = 0; i < nk;) {
        size_t j = i;
        while (j < nk && keys[j] == keys[i]) j++;
        keys[nt] = keys[i];
        tcount[nt++] = (uint32_t)(j - i);
        i = j;
    }
    fprintf(stderr, "train_lm: %zu tokens, %zu distinct trigrams\n", nk, nt);

    /* ---- bigrams: KN counts from distinct trigrams, raw counts too */
    uint64_t *bk = xmalloc(nt * sizeof *bk);
    for (size_t i = 0; i < nt; i++) bk[i] = (keys[i] & 0xFFFFFFFFull) << 32 | i;
    radix_sort(bk, nt, 64);
    bigram *bg = xmalloc(nt * sizeof *bg);
    size_t nb = 0;
    for (size_t i = 0; i < nt;) {
        uint32_t key = (uint32_t)(bk[i] >> 32);
        bigram g = {key, 0, 0, 0};
        while (i < nt && (uint32_t)(bk[i] >> 32) == key) {
            size_t ti = (size_t)(bk[i] & 0xFFFFFFFFull);
            g.raw += tcount[ti];
            g.kn += (key >> 16) == 0 ? tcount[ti] : 1;
            i++;
        }
        bg[nb++] = g;
    }
    free(bk);
    bg = xrealloc(bg, nb * sizeof *bg);
    fprintf(stderr, "train_lm: %zu distinct bigrams\n", nb);

    /* ---- class bigram P(k | class of previous).  This level only prices
     * bigrams the model never saw, so it is estimated from bigram *types*
     * (Kneser-Ney's argument one level down): how many distinct pairs lead
     * from class j to class k, not how often.  Raw counts made a symbol
     * after a letter (Windows®, 30°) cost as much as mojibake, since such
     * pairs are rare in tokens but common among novel pairs.  Absolute
     * discounting, backing off to the class unigram of types.  BOS has few
     * types of its own (one per document), so row 256 is the row of the
     * newline class: text that starts is like a line that starts. */
    double *ccnt = xcalloc(257 * 256, sizeof *ccnt);
    double kuni[256] = {0}, kuni_n = 0;
    for (size_t i = 0; i < nb; i++) {
        uint32_t b = bg[i].key >> 16, c = bg[i].key & 0xFFFF;
        if (b == 0) continue;
        ccnt[id_cls[b] * 256 + id_cls[c]] += 1.0;
        kuni[id_cls[c]] += 1.0;
        kuni_n += 1.0;
    }
    float *cls_lp = xcalloc(257 * 256, sizeof *cls_lp);
    const uint32_t nl_row = (uint32_t)ub_uclass('\n');
    for (uint32_t r = 0; r < 257; r++) {
        uint32_t src = r == 256 ? nl_row : r;
        const double D = opt->cls_d;
        double tot = 0, freed = 0; /* count mass the discount frees */
        for (int k = 0; k < 256; k++) {
            tot += ccnt[src * 256 + k];
            freed += fmin(ccnt[src * 256 + k], D);
        }
        for (int k = 0; k < 256; k++) {
            /* class unigram with a small floor for classes never seen */
            double pu = (kuni[k] + 0.01) / (kuni_n + 0.01 * 256);
            double p = tot > 0 ? (fmax(ccnt[src * 256 + k] - D, 0) + freed * pu) / tot : pu;
            cls_lp[r * 256 + k] = (float)log(p);
        }
    }
    free(ccnt);

    /* ---- P(id | class): KN continuation counts (distinct left contexts)
     * inside the class.  The class token stands for every member outside
     * the vocabulary; its share is what those rare characters were seen
     * doing, plus one pseudo-context when the class has such members, so an
     * unseen character gets only its class's unseen mass (small for Latin
     * letters, where nearly every letter in use is in the vocabulary). */
    double *cont = xcalloc(n_ids, sizeof *cont);
    for (size_t i = 0; i < nb; i++) cont[bg[i].key & 0xFFFF] += 1.0;
    double kN[256] = {0};
    for (uint32_t k = 0; k < 256; k++)
        if (members[k] > invoc[k]) cont[UB_LM_ID_CLASS0 + k] += 1.0;
    for (uint32_t id = UB_LM_ID_CLASS0; id < n_ids; id++) kN[id_cls[id]] += cont[id];
    ub_lm_idinfo *info = xcalloc(n_ids, sizeof *info);
    for (uint32_t id = UB_LM_ID_CLASS0; id < n_ids; id++) {
        int k = id_cls[id];
        double p = kN[k] > 0 ? cont[id] / kN[k] : 0.0;
        info[id].lpin = (float)log(p > 1e-25 ? p : 1e-25);
        info[id].cls = (uint32_t)k;
    }
    free(cont);
    for (uint32_t k = 0; k < 256; k++) {
        double m = (double)members[k] - (double)invoc[k];
        info[UB_LM_ID_CLASS0 + k].loov = (float)-log(m > 1 ? m : 1);
    }
#define P1(b, c) exp((double)cls_lp[((b) == 0 ? 256u : id_cls[b]) * 256 + id_cls[c]] + info[c].lpin)

    /* ---- bigram level: modified KN over KN counts, prune, renormalise */
    uint64_t nn[5] = {0};
    for (size_t i = 0; i < nb; i++)
        if (bg[i].kn <= 4) nn[bg[i].kn]++;
    discounts D2 = modified_kn(nn);
    uint8_t *bkeep = xcalloc(nb, 1);
    size_t nb_keep = 0;
    for (size_t i = 0; i < nb;) {
        uint32_t b = bg[i].key >> 16;
        size_t j = i;
        double tot = 0, n1 = 0, n2 = 0, n3 = 0;
        for (; j < nb && (bg[j].key >> 16) == b; j++) {
            tot += bg[j].kn;
            n1 += bg[j].kn == 1;
            n2 += bg[j].kn == 2;
            n3 += bg[j].kn >= 3;
        }
        double gam = (D2.d[1] * n1 + D2.d[2] * n2 + D2.d[3] * n3) / tot;
        double kept_p2 = 0, kept_p1 = 0;
        for (size_t x = i; x < j; x++) {
            uint32_t c = bg[x].key & 0xFFFF;
            double p1 = P1(b, c);
            double p2 = (bg[x].kn - disc(&D2, bg[x].kn)) / tot + gam * p1;
            bg[x].p2 = p2;
            double th = alphabetic(id_cls[c]) ? opt->prune2 : opt->prune2_other;
            if ((double)bg[x].raw * (log(p2) - log(gam * p1)) >= th) {
                bkeep[x] = 1;
                nb_keep++;
                kept_p2 += p2;
                kept_p1 += p1;
            }
        }
        double num = fmax(1.0 - kept_p2, 1e-12), den = fmax(1.0 - kept_p1, 1e-12);
        double lg = log(num / den);
        if (lg < -24) lg = -24;
        if (lg > 7.9) lg = 7.9;
        info[b].lgam2 = (float)lg;
        for (size_t x = i; x < j; x++)
            if (!bkeep[x]) bg[x].p2 = exp(lg) * P1(b, bg[x].key & 0xFFFF);
        i = j;
    }
    fprintf(stderr, "train_lm: bigram D=%.3f/%.3f/%.3f, kept %zu\n", D2.d[1], D2.d[2], D2.d[3],
            nb_keep);

    /* ---- trigram level */
    memset(nn, 0, sizeof nn);
    for (size_t i = 0; i < nt; i++)
        if (tcount[i] <= 4) nn[tcount[i]]++;
    discounts D3 = modified_kn(nn);
    uint8_t *tkeep = xcalloc(nt, 1);
    double *tp3 = xmalloc(nt * sizeof *tp3);
    size_t nt_keep = 0, nctx = 0;
    uint64_t *ctx_key = NULL;
    float *ctx_lg = NULL;
    for (size_t i = 0; i < nt;) {
        uint64_t ab = keys[i] >> 16;
        size_t j = i;
        double tot = 0, n1 = 0, n2 = 0, n3 = 0;
        for (; j < nt && (keys[j] >> 16) == ab; j++) {
            tot += tcount[j];
            n1 += tcount[j] == 1;
            n2 += tcount[j] == 2;
            n3 += tcount[j] >= 3;
        }
        double gam = (D3.d[1] * n1 + D3.d[2] * n2 + D3.d[3] * n3) / tot;
        double kept_p3 = 0, kept_p2 = 0;
        int any = 0;
        /* bigram records of context b are contiguous and sorted by c, as
         * are the trigrams of (a,b): walk both together */
        uint32_t b = (uint32_t)(ab & 0xFFFF);
        bigram probe_key = {b << 16, 0, 0, 0};
        size_t lo = 0, hi = nb;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (bg[mid].key < probe_key.key) lo = mid + 1;
            else hi = mid;
        }
        size_t bp = lo;
        for (size_t x = i; x < j; x++) {
            uint32_t key = b << 16 | (uint32_t)(keys[x] & 0xFFFF);
            while (bp < nb && bg[bp].key < key) bp++;
            if (bp >= nb || bg[bp].key != key) die("internal: bigram missing");
            double p2 = bg[bp].p2;
            double p3 = (tcount[x] - disc(&D3, tcount[x])) / tot + gam * p2;
            tp3[x] = p3;
            double th = alphabetic(id_cls[keys[x] & 0xFFFF]) ? opt->prune3 : opt->prune3_other;
            if ((double)tcount[x] * (log(p3) - log(gam * p2)) >= th) {
                tkeep[x] = 1;
                nt_keep++;
                kept_p3 += p3;
                kept_p2 += p2;
                any = 1;
            }
        }
        if (any) {
            double num = fmax(1.0 - kept_p3, 1e-12), den = fmax(1.0 - kept_p2, 1e-12);
            double lg = log(num / den);
            if (lg < -24) lg = -24;
            if (lg > 7.9) lg = 7.9;
            if ((nctx & (nctx + 1)) == 0) {
                ctx_key = xrealloc(ctx_key, (2 * nctx + 2) * sizeof *ctx_key);
                ctx_lg = xrealloc(ctx_lg, (2 * nctx + 2) * sizeof *ctx_lg);
            }
            ctx_key[nctx] = ab;
            ctx_lg[nctx++] = (float)lg;
        }
        i = j;
    }
    fprintf(stderr, "train_lm: trigram D=%.3f/%.3f/%.3f, kept %zu in %zu contexts\n", D3.d[1],
            D3.d[2], D3.d[3], nt_keep, nctx);

    /* ---- hash tables, filled in key order */
    const uint32_t seed = 0x5EED0001u;
    table tri, ctx, bi;
    table_init(&tri, nt_keep, seed);
    table_init(&ctx, nctx, seed + 1);
    table_init(&bi, nb_keep, seed + 2);
    for (size_t i = 0; i < nt; i++)
        if (tkeep[i]) {
            uint32_t a = (uint32_t)(keys[i] >> 32), b = (uint32_t)(keys[i] >> 16) & 0xFFFF,
                     c = (uint32_t)keys[i] & 0xFFFF;
            table_put(&tri, ub_lm_key3(a, b, c), quant(-log(tp3[i])));
        }
    for (size_t i = 0; i < nctx; i++)
        table_put(&ctx, ub_lm_key2c((uint32_t)(ctx_key[i] >> 16), (uint32_t)ctx_key[i] & 0xFFFF),
                  quant(UB_LM_GAM_OFF - ctx_lg[i]));
    for (size_t i = 0; i < nb; i++)
        if (bkeep[i])
            table_put(&bi, ub_lm_key2b(bg[i].key >> 16, bg[i].key & 0xFFFF), quant(-log(bg[i].p2)));
    fprintf(stderr,
            "train_lm: tables tri %u ctx %u bi %u buckets, shadowed %zu/%zu/%zu, "
            "spilled %zu/%zu/%zu\n",
            tri.nb, ctx.nb, bi.nb, tri.shadowed, ctx.shadowed, bi.shadowed, tri.spilled,
            ctx.spilled, bi.spilled);

    /* ---- blob */
    blob out = {0};
    ub_lm_header h;
    memset(&h, 0, sizeof h);
    blob_add(&out, &h, sizeof h);
    h.magic = UB_LM_MAGIC;
    h.version = UB_LM_VERSION;
    h.n_ids = n_ids;
    h.n_astral_blk = n_astral_blk;
    h.tri_nb = tri.nb;
    h.ctx_nb = ctx.nb;
    h.bi_nb = bi.nb;
    h.seed = seed;
    h.off_bmp = blob_add(&out, bmp, 65536 * sizeof *bmp);
    h.off_astral_idx = blob_add(&out, astral_idx, UB_LM_ASTRAL_BLOCKS * sizeof *astral_idx);
    h.off_astral_blk = blob_add(&out, astral_blk, (size_t)n_astral_blk * 256 * sizeof *astral_blk);
    h.off_id = blob_add(&out, info, n_ids * sizeof *info);
    h.off_cls_lp = blob_add(&out, cls_lp, 257 * 256 * sizeof *cls_lp);
    h.off_tri = blob_add_aligned(&out, tri.bk, (size_t)tri.nb * sizeof *tri.bk, 64);
    h.off_ctx = blob_add_aligned(&out, ctx.bk, (size_t)ctx.nb * sizeof *ctx.bk, 64);
    h.off_bi = blob_add_aligned(&out, bi.bk, (size_t)bi.nb * sizeof *bi.bk, 64);
    h.prov_len = prov_n + 1;
    h.off_prov = blob_add(&out, prov, prov_n + 1);
    blob_add(&out, NULL, 0); /* pad the end to 8 bytes */
    h.total_len = out.n;
    h.checksum = ub_lm_checksum(out.p + sizeof h, out.n - sizeof h);
    memcpy(out.p, &h, sizeof h);

    FILE *f = fopen(out_path, "wb");
    if (!f) die("%s: %s", out_path, strerror(errno));
    if (fwrite(out.p, 1, out.n, f) != out.n || fclose(f) != 0)
        die("%s: write failed", out_path);
    fprintf(stderr, "train_lm: wrote %s (%zu bytes)\n", out_path, out.n);
    printf("%s\n", prov);

    free(out.p);
    free(tri.bk);
    free(ctx.bk);
    free(bi.bk);
    free(ctx_key);
    free(ctx_lg);
    free(tp3);
    free(tkeep);
    free(bkeep);
    free(bg);
    free(keys);
    free(tcount);
    free(info);
    free(cls_lp);
    free(id_cls);
    free(bmp);
    free(astral_idx);
    free(astral_blk);
    free(prov);
    return 0;
}

int main(int argc, char **argv)
{
    options opt = {5000000, {{"", 0}}, 0, 3, 1.0, 0.5, -1, -1, 0.75};
    int i = 1;
    if (argc == 4 && strcmp(argv[1], "--eval") == 0) return eval(argv[2], argv[3]);
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc) die("%s needs a value", a);
        if (strcmp(a, "--cap") == 0) {
            opt.cap_default = parse_size(argv[++i]);
        } else if (strncmp(a, "--cap-", 6) == 0) {
            if (opt.ncaps == 32 || strlen(a + 6) >= 16) die("too many --cap-LANG");
            strcpy(opt.caps[opt.ncaps].lang, a + 6);
            opt.caps[opt.ncaps++].cap = parse_size(argv[++i]);
        } else if (strcmp(a, "--min-char") == 0) {
            opt.min_char = parse_size(argv[++i]);
        } else if (strcmp(a, "--prune3") == 0) {
            opt.prune3 = strtod(argv[++i], NULL);
        } else if (strcmp(a, "--prune2") == 0) {
            opt.prune2 = strtod(argv[++i], NULL);
        } else if (strcmp(a, "--prune3-other") == 0) {
            opt.prune3_other = strtod(argv[++i], NULL);
        } else if (strcmp(a, "--prune2-other") == 0) {
            opt.prune2_other = strtod(argv[++i], NULL);
        } else if (strcmp(a, "--load") == 0) {
            table_load = strtod(argv[++i], NULL);
            if (!(table_load >= 0.3 && table_load <= 0.9)) die("--load must be 0.3..0.9");
        } else if (strcmp(a, "--cls-d") == 0) {
            opt.cls_d = strtod(argv[++i], NULL);
        } else {
            die("unknown option %s", a);
        }
    }
    if (opt.prune3_other < 0) opt.prune3_other = opt.prune3;
    if (opt.prune2_other < 0) opt.prune2_other = opt.prune2;
    if (argc - i != 2)
        die("usage: train_lm [--cap N] [--cap-LANG N] [--min-char N] [--prune3 K] "
            "[--prune2 K] [--prune3-other K] [--prune2-other K] [--cls-d D] [--load L] "
            "CORPUS_DIR OUT.lm | --eval MODEL DIR");
    return train(&opt, argv[i], argv[i + 1]);
}
