/*
 * lm_probe.c -- look at the character language model from the outside.
 *
 *   lm_probe [--model FILE] probes          calibration probes and the
 *                                           run-versus-repair separations
 *                                           the detector relies on
 *   lm_probe [--model FILE] text STRING...  log P of every character
 *   lm_probe words WORD...                  which words the built-in
 *                                           lexicon knows
 *   lm_probe [--model FILE] bench FILE      first-use time of the built-in
 *                                           model, queries per second
 *   lm_probe --model FILE explain CTX CHAR  which level priced CHAR after
 *                                           CTX, and its parts
 *
 * Without --model the model built into the library is used.  Not part of
 * `make check`: it prints numbers for people (docs/model.md quotes them).
 */
#include "lex.h"
#include "model.h"
#include "testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this process: less disturbed by other work on the machine. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* UTF-8 -> UTF-32 (invalid bytes are taken as Latin-1). */
static size_t u32(const char *s, size_t len, uint32_t *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    size_t n = 0;
    while (p < end && n < cap) {
        uint32_t c = *p++;
        int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (more && end - p >= more) {
            c &= 0x3Fu >> more;
            while (more--) c = c << 6 | (*p++ & 0x3Fu);
        }
        out[n++] = c;
    }
    return n;
}

static void put_utf8(uint32_t c)
{
    char b[5];
    int n;
    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xC0 | c >> 6);
        b[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xE0 | c >> 12);
        b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | c >> 18);
        b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    b[n] = '\0';
    if (c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0x336)
        printf("U+%04X", c);
    else
        fputs(b, stdout);
}

static void show(const char *s)
{
    uint32_t u[256];
    size_t n = u32(s, strlen(s), u, 256);
    for (size_t i = 0; i < n; i++) put_utf8(u[i]);
}

/* One character after a context given as UTF-8 ("" = start of text). */
static float probe1(const ub_lm *lm, const char *ctx, const char *ch)
{
    uint32_t c[64], x[4];
    size_t n = u32(ctx, strlen(ctx), c, 64);
    u32(ch, strlen(ch), x, 4);
    uint32_t c2 = n >= 2 ? c[n - 2] : UB_LM_BOS, c1 = n >= 1 ? c[n - 1] : UB_LM_BOS;
    return ub_lm_logp(lm, c2, c1, x[0]);
}

#define IN_FLOOR (-13.0) /* as in detect.c */

/* Score of t after left context, plus the two characters of `right`
 * after it; with a floor per character as the detector scores text as it
 * is (detect.c, IN_FLOOR). */
static double span(const ub_lm *lm, const char *left, const char *t, const char *right,
                   double floor)
{
    uint32_t l[64], s[64], r[64];
    size_t nl = u32(left, strlen(left), l, 64), ns = u32(t, strlen(t), s, 64),
           nr = u32(right, strlen(right), r, 64);
    uint32_t c2 = nl >= 2 ? l[nl - 2] : UB_LM_BOS, c1 = nl >= 1 ? l[nl - 1] : UB_LM_BOS;
    double sc = 0;
    for (size_t i = 0; i < ns + nr && i < ns + 2; i++) {
        uint32_t c = i < ns ? s[i] : r[i - ns];
        double lp = ub_lm_logp(lm, c2, c1, c);
        sc += lp > floor ? lp : floor;
        c2 = c1;
        c1 = c;
    }
    return sc;
}

static int cmd_probes(const ub_lm *lm)
{
    static const char *const P[][2] = {
        /* legitimate symbols and letters (lm-feedback items 1 and 3) */
        {"", "®"}, {"a", "®"}, {"NESTLÉ", "®"}, {"", "°"}, {"3 x", "°"}, {"∆", "°"},
        {"20", "°"}, {" ", "∆"}, {"10", "Î"}, {"10", "Μ"}, {"Sa", "©"}, {"4", "±"},
        {"3 ", "×"}, {"10 ", "€"}, {"5", "£"}, {"etc", "…"}, {"said ", "“"},
        {"word", "”"}, {"don", "’"}, {"10", "\xc2\xa0"}, {"IL2R", "γ"}, {"R", "ī"},
        {"ga", "ņ"}, {"ma", "ķ"}, {"R", "ē"}, {"ra", "ţ"}, {"a", "ş"}, {"ka", "ą"},
        {"k", "į"}, {"t", "ų"}, {"L", "É"}, {"", "Ê"}, {"", "Õ"}, {"a", "\xcc\xb6"},
        {"ก", "ภ"}, {"क", "\xe0\xa5\x8d"}, {"க", "\xe0\xaf\x8d"}, {"Vi", "ệ"},
        /* letters only mojibake repairs produce (item 2) */
        {"a", "ɮ"}, {"NESTL", "ɮ"}, {"a", "ʩ"}, {"a", "ʅ"}, {"a", "ɿ"}, {"a", "Ѱ"},
        {"a", "ſ"}, {"a", "Յ"}, {"a", "Ġ"}, {"∆", "ơ"}, {"= ", "ù"},
        /* context matters: script changes, case inside words */
        {"中文", "д"}, {"中文", "的"}, {"ab", "Q"}, {"caf", "é"}, {"ca", "t"},
    };
    printf("%-12s %-4s %8s\n", "context", "char", "logp");
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++) {
        printf("\"");
        show(P[i][0]);
        printf("\"%*s ", (int)(10 - (strlen(P[i][0]) > 10 ? 10 : strlen(P[i][0]))), "");
        show(P[i][1]);
        printf("   %8.2f\n", probe1(lm, P[i][0], P[i][1]));
    }
    /* The detector's question: the run as it is (floored at IN_FLOOR per
     * character) against the repair (raw).  gain > 0 favours the repair
     * before the codec prior and margins. */
    static const struct {
        const char *left, *run, *repair, *right, *want;
    } S[] = {
        {"un caf", "Ã©", "é", " noir", "win"},
        {"NESTL", "É®", "ɮ", " cereal", "lose"},
        {"angle 30", "∆°", "ơ", " here", "lose"},
        {"x = ", "√π", "ù", " + 1", "lose"},
        {"pi", "√π", "ù", " presto", "win"},
        {"quote `", "¬´", "«", "x", "lose"},
        {"Gr", "Ã¼ÃŸe", "üße", " aus", "win"},
        {"don", "â€™", "’", "t", "win"},
        {"", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "привет", " мир", "win"},
        {"IL2R", "γ", "Î³", " chain", "lose"},
        {"10", "Î", "Ã\xc2\x8e", "le", "lose"},
    };
    printf("\n%-28s %8s %8s %8s  %s\n", "run -> repair", "in", "repair", "gain", "want");
    for (size_t i = 0; i < sizeof S / sizeof S[0]; i++) {
        double in = span(lm, S[i].left, S[i].run, S[i].right, IN_FLOOR);
        double rp = span(lm, S[i].left, S[i].repair, S[i].right, -1e9);
        printf("%s[", S[i].left);
        show(S[i].run);
        printf("->");
        show(S[i].repair);
        printf("]%s  %8.2f %8.2f %8.2f  %s\n", S[i].right, in, rp, rp - in, S[i].want);
    }
    return 0;
}

/* Is each word in the built-in lexicon (a Bloom filter: "yes" may be a
 * false positive)? */
static int cmd_words(int argc, char **argv)
{
    const ub_lex *lex = ub_lex_builtin();
    if (!lex) return 1;
    for (int a = 0; a < argc; a++) {
        uint32_t u[UB_LEX_MAX + 1];
        size_t n = u32(argv[a], strlen(argv[a]), u, UB_LEX_MAX + 1);
        printf("%s: %s\n", argv[a],
               n <= UB_LEX_MAX && ub_lex_has(lex, u, n) ? "known" : "unknown");
    }
    return 0;
}

static int cmd_text(const ub_lm *lm, int argc, char **argv)
{
    for (int a = 0; a < argc; a++) {
        uint32_t u[1024];
        size_t n = u32(argv[a], strlen(argv[a]), u, 1024);
        uint32_t c2 = UB_LM_BOS, c1 = UB_LM_BOS;
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            float lp = ub_lm_logp(lm, c2, c1, u[i]);
            sum += lp;
            put_utf8(u[i]);
            printf(" %.2f  ", lp);
            c2 = c1;
            c1 = u[i];
        }
        printf("\n  total %.2f, %.3f bits/char\n", sum, n ? -sum / (double)n / 0.693147 : 0.0);
    }
    return 0;
}

/* Where a probability comes from: walk the blob's tables by hand. */
static int tprobe(const ub_lm_bucket_t *t, uint32_t nb, uint64_t key, uint32_t seed)
{
    uint64_t h = ub_lm_mix(key, seed);
    uint32_t fp = ub_lm_fp(h), i = ub_lm_bucket(h, nb);
    for (uint32_t s = 0; s < nb; s++, i = (i + 1) % nb) {
        const ub_lm_bucket_t *b = t + i;
        int empty = 0;
        for (unsigned k = 0; k < UB_LM_BUCKET; k++) {
            if (b->fp[k] && (b->fp[k] >> 4) == fp) return (int)((b->fp[k] & 15) << 8 | b->lo[k]);
            empty |= b->fp[k] == 0;
        }
        if (empty) return -1;
    }
    return -1;
}

static uint32_t bid(const uint8_t *base, const ub_lm_header *h, uint32_t cp)
{
    if (cp == UB_LM_BOS) return 0;
    cp = ub_lm_normalize(cp);
    if (cp <= 0xFFFF) return ((const uint16_t *)(const void *)(base + h->off_bmp))[cp];
    const uint16_t *idx = (const uint16_t *)(const void *)(base + h->off_astral_idx);
    const uint16_t *blk = (const uint16_t *)(const void *)(base + h->off_astral_blk);
    return blk[(size_t)idx[(cp - 0x10000) >> 8] * 256 + (cp & 0xFF)];
}

static int cmd_explain(const void *blob, const char *ctx, const char *ch)
{
    const uint8_t *base = blob;
    const ub_lm_header *h = blob;
    const ub_lm_idinfo *info = (const void *)(base + h->off_id);
    const float *cls = (const void *)(base + h->off_cls_lp);
    uint32_t c[64], x[4];
    size_t n = u32(ctx, strlen(ctx), c, 64);
    u32(ch, strlen(ch), x, 4);
    uint32_t c2 = n >= 2 ? c[n - 2] : 0, c1 = n >= 1 ? c[n - 1] : 0;
    uint32_t id = bid(base, h, x[0]), i1 = bid(base, h, c1), i2 = i1 ? bid(base, h, c2) : 0;
    const ub_lm_bucket_t *tri = (const void *)(base + h->off_tri),
                         *cx = (const void *)(base + h->off_ctx), *bi = (const void *)(base + h->off_bi);
    int q3 = tprobe(tri, h->tri_nb, ub_lm_key3(i2, i1, id), h->seed);
    int qc = tprobe(cx, h->ctx_nb, ub_lm_key2c(i2, i1), h->seed + 1);
    int q2 = tprobe(bi, h->bi_nb, ub_lm_key2b(i1, id), h->seed + 2);
    printf("ids %u %u %u (known %d); tri %s%.2f; gam3 %.2f; bi %s%.2f; gam2 %.2f; "
           "cls %u->%u %.2f; pin %.2f; oov %.2f\n",
           i2, i1, id, id >= UB_LM_ID_CHAR0, q3 >= 0 ? "" : "miss ",
           q3 >= 0 ? -q3 / 128.0 : 0.0, qc >= 0 ? 8.0 - qc / 128.0 : 0.0,
           q2 >= 0 ? "" : "miss ", q2 >= 0 ? -q2 / 128.0 : 0.0, (double)info[i1].lgam2,
           i1 ? info[i1].cls : 256u, info[id].cls,
           (double)cls[(i1 ? info[i1].cls : 256u) * 256 + info[id].cls], (double)info[id].lpin,
           (double)info[id].loov);
    return 0;
}

static int cmd_bench(const ub_lm *lm, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 1;
    }
    size_t cap = 1 << 22, len = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) return 1;
    uint32_t *u = malloc((len + 1) * sizeof *u);
    size_t n = u32(buf, len, u, len + 1);
    free(buf);
    if (n < 3) return 1;
    /* random contexts: triples in a fixed pseudo-random order */
    size_t q = n - 2;
    uint32_t *order = malloc(q * sizeof *order);
    for (size_t i = 0; i < q; i++) order[i] = (uint32_t)i;
    uint64_t x = 88172645463325252ull;
    for (size_t i = q - 1; i > 0; i--) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t j = (size_t)(x % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    /* best of five rounds, in CPU time */
    double best_r = 1e30, best_s = 1e30, first_r = 0, sum = 0, seq = 0;
    for (int round = 0; round < 5; round++) {
        double t0 = cpu_now();
        sum = 0;
        for (size_t i = 0; i < q; i++) {
            size_t k = order[i];
            sum += ub_lm_logp(lm, u[k], u[k + 1], u[k + 2]);
        }
        double t1 = cpu_now();
        seq = ub_lm_score(lm, UB_LM_BOS, UB_LM_BOS, u, n);
        double t2 = cpu_now();
        if (round == 0) first_r = t1 - t0;
        if (t1 - t0 < best_r) best_r = t1 - t0;
        if (t2 - t1 < best_s) best_s = t2 - t1;
    }
    printf("%zu queries: random order %.1f M/s first round (tables out of cache), %.1f M/s "
           "best of 5; in text order %.1f M/s (CPU time; checksum %.1f %.1f)\n",
           q, (double)q / first_r / 1e6, (double)q / best_r / 1e6, (double)n / best_s / 1e6, sum,
           seq);
    free(order);
    free(u);
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1;
    ub_lm *own = NULL;
    void *blob = NULL;
    const ub_lm *lm;
    if (i + 1 < argc && strcmp(argv[i], "--model") == 0) {
        size_t len;
        if (!(blob = tk_read_aligned(argv[i + 1], &len))) {
            perror(argv[i + 1]);
            return 1;
        }
        double t0 = now();
        own = ub_lm_open(blob, len);
        fprintf(stderr, "ub_lm_open: %.2f ms\n", (now() - t0) * 1e3);
        if (!own) {
            fprintf(stderr, "%s: not a valid model\n", argv[i + 1]);
            return 1;
        }
        lm = own;
        i += 2;
    } else {
        double t0 = now();
        lm = ub_lm_builtin();
        fprintf(stderr, "built-in model first use: %.2f ms\n", (now() - t0) * 1e3);
        if (!lm) return 1;
    }
    int rc = 2;
    if (i < argc && strcmp(argv[i], "probes") == 0)
        rc = cmd_probes(lm);
    else if (i < argc && strcmp(argv[i], "text") == 0)
        rc = cmd_text(lm, argc - i - 1, argv + i + 1);
    else if (i < argc && strcmp(argv[i], "words") == 0)
        rc = cmd_words(argc - i - 1, argv + i + 1);
    else if (i + 2 < argc && blob && strcmp(argv[i], "explain") == 0)
        rc = cmd_explain(blob, argv[i + 1], argv[i + 2]);
    else if (i + 1 < argc && strcmp(argv[i], "bench") == 0)
        rc = cmd_bench(lm, argv[i + 1]);
    else
        fprintf(stderr, "usage: lm_probe [--model FILE] probes | text STRING... | words WORD... | "
                        "bench FILE\n");
    ub_lm_close(own);
    free(blob);
    return rc;
}
