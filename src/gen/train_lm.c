/*
 * train_lm.c -- train the character language model (models/unbake.lm).
 *
 *   train_lm [--cap N] [--cap-LANG N] [--min-char N] [--prune3 K] [--prune2 K]
 *            CORPUS_DIR OUT.lm
 *   train_lm --eval MODEL.lm DIR       per-language bits/char of DIR/<lang>.txt
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
 * trigram and bigram levels; below the bigram sits a class bigram
 * P(class(c) | class(c1)) times P(c | class(c)) (Witten-Bell inside the
 * class, the rest spread evenly over the class's unseen code points), so
 * an unseen character costs what its class costs in that context: a lone
 * Cyrillic letter after Han text, a C1 control or an uppercase letter after
 * a lowercase one stay improbable even when the character itself is new.
 * N-grams are pruned by weighted difference (count x log-ratio to the
 * backed-off estimate), and the backoff weights are renormalised over what
 * was kept, so every context's distribution sums to one.
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
    uint32_t *slot;
    uint32_t cap;
    uint32_t seed;
    size_t used, shadowed;
} table;

static void table_init(table *t, size_t n, uint32_t seed)
{
    /* load factor 0.8; odd sizes are fine, the slot is scaled, not masked */
    size_t cap = n + n / 4 + 8;
    if (cap > 0xFFFFFFF0u) die("table too large");
    t->cap = (uint32_t)cap;
    t->seed = seed;
    t->slot = xcalloc(cap, sizeof *t->slot);
    t->used = t->shadowed = 0;
}

static int quant(double v)
{
    long q = lround(v * UB_LM_QSCALE);
    return q < 0 ? 0 : q > 4095 ? 4095 : (int)q;
}

/* Insert key with quantized value q.  A key whose fingerprint already sits
 * in its probe run would be shadowed at query time; it is dropped (the
 * query then backs off, which is still a proper estimate). */
static void table_put(table *t, uint64_t key, int q)
{
    uint64_t h = ub_lm_mix(key, t->seed);
    uint32_t fp = ub_lm_fp(h);
    uint32_t i = ub_lm_slot(h, t->cap);
    while (t->slot[i] != 0) {
        if ((t->slot[i] >> 12) == fp) { t->shadowed++; return; }
        if (++i == t->cap) i = 0;
    }
    t->slot[i] = fp << 12 | (uint32_t)q;
    t->used++;
}

/* ------------------------------------------------------------- output */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} blob;

static size_t blob_add(blob *b, const void *data, size_t n)
{
    while (b->n % 8) {
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

/* --------------------------------------------------------------- eval */

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
    const ub_lm_header *mh = al;
    const uint16_t *bmp = (const uint16_t *)((const uint8_t *)al + mh->off_bmp);
    const uint32_t *acp = (const uint32_t *)((const uint8_t *)al + mh->off_astral_cp);
    size_t nl;
    char **langs = list_langs(dir, &nl);
    printf("%-7s %10s %8s %7s\n", "lang", "chars", "bits/ch", "oov%");
    double tot_bits = 0, tot_n = 0;
    for (size_t k = 0; k < nl; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.txt", dir, langs[k]);
        size_t n;
        const unsigned char *s = (const unsigned char *)read_file(path, &n);
        size_t i = 0, chars = 0, oov = 0;
        double nats = 0;
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
            nats -= ub_lm_logp(lm, c2, c1, c);
            chars++;
            uint32_t nc = ub_lm_normalize(c);
            if (nc <= 0xFFFF) {
                oov += bmp[nc] == 0;
            } else {
                int found = 0;
                for (uint32_t a = 0; a < mh->n_astral && !found; a++) found = acp[a] == nc;
                oov += !found;
            }
            c2 = c1;
            c1 = c;
        }
        free((void *)(uintptr_t)s);
        double bpc = chars ? nats / (double)chars / log(2.0) : 0;
        printf("%-7s %10zu %8.3f %7.3f\n", langs[k], chars, bpc,
               chars ? 100.0 * (double)oov / (double)chars : 0.0);
        tot_bits += nats / log(2.0);
        tot_n += (double)chars;
        free(langs[k]);
    }
    printf("%-7s %10.0f %8.3f\n", "all", tot_n, tot_n > 0 ? tot_bits / tot_n : 0);
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
} options;

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
        "unbake character LM v%u (modified Kneser-Ney trigram + class backoff), "
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
                               "; options: min-char=%llu prune3=%g prune2=%g",
                               (unsigned long long)opt->min_char, opt->prune3, opt->prune2);

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
    uint16_t *bmp = xcalloc(65536, sizeof *bmp);
    uint32_t *astral_cp = NULL;
    uint16_t *astral_id = NULL;
    uint32_t n_astral = 0;
    uint32_t *id_cp = xcalloc(n_ids, sizeof *id_cp);
    uint8_t *id_cls = xcalloc(n_ids, 1);
    uint32_t *cp_id = xcalloc(0x110000, sizeof *cp_id);
    {
        uint32_t id = UB_LM_ID_CHAR0;
        for (uint32_t c = 1; c < 0x110000; c++) {
            if (ccount[c] >= minc) {
                id_cp[id] = c;
                id_cls[id] = (uint8_t)ub_uclass(c);
                cp_id[c] = id;
                if (c <= 0xFFFF) {
                    bmp[c] = (uint16_t)id;
                } else {
                    astral_cp = xrealloc(astral_cp, (n_astral + 1) * sizeof *astral_cp);
                    astral_id = xrealloc(astral_id, (n_astral + 1) * sizeof *astral_id);
                    astral_cp[n_astral] = c;
                    astral_id[n_astral++] = (uint16_t)id;
                }
                id++;
            } else {
                cp_id[c] = UB_LM_ID_CLASS0 + (uint32_t)ub_uclass(c);
            }
        }
        for (uint32_t k = 0; k < UB_LM_NCLS; k++) id_cls[UB_LM_ID_CLASS0 + k] = (uint8_t)k;
    }
    fprintf(stderr, "train_lm: %zu chars, vocabulary %u (count >= %llu)\n", t.n, nvoc,
            (unsigned long long)minc);

    /* ---- unseen code points per class, for the OOV share */
    uint64_t members[UB_LM_NCLS] = {0}, invoc[UB_LM_NCLS] = {0};
    for (uint32_t c = 0; c < 0x110000; c++) {
        int k = ub_uclass(c);
        members[k]++;
        if (c && ccount[c] >= minc) invoc[k]++;
    }
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

    /* ---- class bigram P(k | class of previous) with absolute discounting */
    double *ccnt = xcalloc(257 * 256, sizeof *ccnt);
    double kuni[256] = {0}, kuni_n = 0;
    for (size_t i = 0; i < nb; i++) {
        uint32_t b = bg[i].key >> 16, c = bg[i].key & 0xFFFF;
        uint32_t row = b == 0 ? 256 : id_cls[b];
        ccnt[row * 256 + id_cls[c]] += (double)bg[i].raw;
        kuni[id_cls[c]] += (double)bg[i].raw;
        kuni_n += (double)bg[i].raw;
    }
    float *cls_lp = xcalloc(257 * 256, sizeof *cls_lp);
    for (uint32_t r = 0; r < 257; r++) {
        double tot = 0, types = 0;
        for (int k = 0; k < 256; k++) {
            tot += ccnt[r * 256 + k];
            types += ccnt[r * 256 + k] > 0;
        }
        const double D = 0.75;
        for (int k = 0; k < 256; k++) {
            /* class unigram with a small floor for classes never seen */
            double pu = (kuni[k] + 0.01) / (kuni_n + 0.01 * 256);
            double p = tot > 0 ? (fmax(ccnt[r * 256 + k] - D, 0) + D * types * pu) / tot : pu;
            cls_lp[r * 256 + k] = (float)log(p);
        }
    }
    free(ccnt);

    /* ---- P(id | class): Witten-Bell over KN continuation counts */
    double *cont = xcalloc(n_ids, sizeof *cont);
    for (size_t i = 0; i < nb; i++) cont[bg[i].key & 0xFFFF] += 1.0;
    double kN[256] = {0}, kT[256] = {0};
    for (uint32_t id = UB_LM_ID_CLASS0; id < n_ids; id++) {
        kN[id_cls[id]] += cont[id];
        kT[id_cls[id]] += cont[id] > 0;
    }
    float *id_lpin = xcalloc(n_ids, sizeof *id_lpin);
    for (uint32_t id = UB_LM_ID_CLASS0; id < n_ids; id++) {
        int k = id_cls[id];
        double beta = kN[k] > 0 ? kT[k] / (kN[k] + kT[k]) : 1.0;
        double p = kN[k] > 0 ? (1 - beta) * cont[id] / kN[k] : 0.0;
        if (id < UB_LM_ID_CHAR0) p += beta; /* the class token takes the unseen mass */
        id_lpin[id] = (float)log(p > 1e-25 ? p : 1e-25);
    }
    free(cont);
    float oov_lp[256];
    for (int k = 0; k < 256; k++) {
        double m = (double)members[k] - (double)invoc[k];
        oov_lp[k] = (float)-log(m > 1 ? m : 1);
    }
#define P1(b, c) exp((double)cls_lp[((b) == 0 ? 256u : id_cls[b]) * 256 + id_cls[c]] + id_lpin[c])

    /* ---- bigram level: modified KN over KN counts, prune, renormalise */
    uint64_t nn[5] = {0};
    for (size_t i = 0; i < nb; i++)
        if (bg[i].kn <= 4) nn[bg[i].kn]++;
    discounts D2 = modified_kn(nn);
    float *id_lgam2 = xcalloc(n_ids, sizeof *id_lgam2);
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
            if ((double)bg[x].raw * (log(p2) - log(gam * p1)) >= opt->prune2) {
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
        id_lgam2[b] = (float)lg;
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
            if ((double)tcount[x] * (log(p3) - log(gam * p2)) >= opt->prune3) {
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
    fprintf(stderr, "train_lm: tables tri %u ctx %u bi %u slots, shadowed %zu/%zu/%zu\n",
            tri.cap, ctx.cap, bi.cap, tri.shadowed, ctx.shadowed, bi.shadowed);

    /* ---- blob */
    blob out = {0};
    ub_lm_header h;
    memset(&h, 0, sizeof h);
    blob_add(&out, &h, sizeof h);
    h.magic = UB_LM_MAGIC;
    h.version = UB_LM_VERSION;
    h.n_ids = n_ids;
    h.n_astral = n_astral;
    h.tri_cap = tri.cap;
    h.ctx_cap = ctx.cap;
    h.bi_cap = bi.cap;
    h.seed = seed;
    h.off_bmp = blob_add(&out, bmp, 65536 * sizeof *bmp);
    h.off_astral_cp = blob_add(&out, astral_cp, n_astral * sizeof *astral_cp);
    h.off_astral_id = blob_add(&out, astral_id, n_astral * sizeof *astral_id);
    h.off_id_cls = blob_add(&out, id_cls, n_ids);
    h.off_id_lpin = blob_add(&out, id_lpin, n_ids * sizeof *id_lpin);
    h.off_id_lgam2 = blob_add(&out, id_lgam2, n_ids * sizeof *id_lgam2);
    h.off_cls_lp = blob_add(&out, cls_lp, 257 * 256 * sizeof *cls_lp);
    h.off_oov_lp = blob_add(&out, oov_lp, sizeof oov_lp);
    h.off_tri = blob_add(&out, tri.slot, (size_t)tri.cap * 4);
    h.off_ctx = blob_add(&out, ctx.slot, (size_t)ctx.cap * 4);
    h.off_bi = blob_add(&out, bi.slot, (size_t)bi.cap * 4);
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
    free(tri.slot);
    free(ctx.slot);
    free(bi.slot);
    free(ctx_key);
    free(ctx_lg);
    free(tp3);
    free(tkeep);
    free(bkeep);
    free(bg);
    free(keys);
    free(tcount);
    free(id_lpin);
    free(id_lgam2);
    free(cls_lp);
    free(id_cp);
    free(id_cls);
    free(bmp);
    free(astral_cp);
    free(astral_id);
    free(prov);
    return 0;
}

int main(int argc, char **argv)
{
    options opt = {5000000, {{"", 0}}, 0, 3, 1.0, 0.5};
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
        } else {
            die("unknown option %s", a);
        }
    }
    if (argc - i != 2)
        die("usage: train_lm [--cap N] [--cap-LANG N] [--min-char N] [--prune3 K] "
            "[--prune2 K] CORPUS_DIR OUT.lm | --eval MODEL DIR");
    return train(&opt, argv[i], argv[i + 1]);
}
