/*
 * gen_words.c -- write the word lexicon (models/unbake.words, see lex.h).
 *
 *   gen_words [--bytes B] [--min-count C] [--max-words N] CORPUS_DIR OUT
 *
 * CORPUS_DIR is what scripts/corpora.sh writes: train/<lang>.txt and
 * packages.txt -- the language model's own training split (never the
 * held-out one).  The words of each language are counted (ub_lex_key():
 * lower-cased, apostrophes alike; a word is what ub_lex_char() makes, an
 * apostrophe only between two letters), and those seen at least C times
 * in one language are ranked by their share of that language's words, so
 * that every language gets its common words whatever the size of its
 * corpus; the N best (at most) go into a Bloom filter of B bytes with the
 * number of bits per word that makes the fewest false positives.  Word
 * lists (<lang>-words: hunspell, jieba) have no counts and are left out.
 *
 * Deterministic: files in sorted order, total sorts, no time stamps.  The
 * packages the text came from are printed, and kept after the filter's
 * bits as the blob's provenance.
 */
#include "lex.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* lex.c's built-in lexicon comes from words_blob.S, which embeds the file
 * this program writes: an empty stand-in here (never read). */
const uint8_t ub_words_blob_start[8] __attribute__((aligned(8))) = {0};
const uint8_t ub_words_blob_end[1] = {0};

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_words: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

/* ---------------------------------------------------------- counting */

struct ent {
    uint64_t key;
    uint64_t count;
};

struct table {
    struct ent *e;
    size_t cap, n;
};

static void table_add(struct table *t, uint64_t key, uint64_t count)
{
    if (2 * (t->n + 1) > t->cap) {
        struct table u = { 0 };
        u.cap = t->cap ? 2 * t->cap : 1u << 16;
        u.e = xrealloc(NULL, u.cap * sizeof *u.e);
        memset(u.e, 0, u.cap * sizeof *u.e);
        for (size_t i = 0; i < t->cap; i++)
            if (t->e[i].count)
                table_add(&u, t->e[i].key, t->e[i].count);
        free(t->e);
        *t = u;
    }
    size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 20) & (t->cap - 1);
    while (t->e[i].count && t->e[i].key != key)
        i = (i + 1) & (t->cap - 1);
    if (!t->e[i].count) {
        t->e[i].key = key;
        t->n++;
    }
    t->e[i].count += count;
}

/* Decode one UTF-8 character at s[*i] (len bytes): the code point, or
 * 0xFFFD for a malformed byte (which then ends a word). */
static uint32_t next_cp(const uint8_t *s, size_t len, size_t *i)
{
    uint8_t b = s[(*i)++];
    if (b < 0x80)
        return b;
    int n = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC2 ? 1 : -1;
    if (n < 0 || b > 0xF4)
        return 0xFFFD;
    uint32_t c = b & (0x3F >> n);
    for (int k = 0; k < n; k++) {
        if (*i >= len || (s[*i] & 0xC0) != 0x80)
            return 0xFFFD;
        c = c << 6 | (s[(*i)++] & 0x3F);
    }
    return c;
}

/* Count the words of file path into t; returns the number of words. */
static uint64_t count_file(const char *path, struct table *t)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("%s: cannot open", path);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *s = xrealloc(NULL, (size_t)sz + 1);
    if (fread(s, 1, (size_t)sz, f) != (size_t)sz)
        die("%s: read error", path);
    fclose(f);
    size_t len = (size_t)sz, i = 0;
    uint32_t w[UB_LEX_MAX + 1];
    size_t n = 0, total = 0;
    int over = 0;
    uint32_t c = len ? next_cp(s, len, &i) : 0;
    int have = len > 0;
    while (have) {
        uint32_t d = 0;
        int more = i < len;
        if (more)
            d = next_cp(s, len, &i);
        int letter = ub_lex_char(c) && !ub_lex_apostrophe(c);
        /* an apostrophe is part of a word between two letters */
        int inword = letter || (ub_lex_apostrophe(c) && n && more && ub_lex_char(d) &&
                                !ub_lex_apostrophe(d));
        if (inword) {
            if (n < UB_LEX_MAX)
                w[n++] = c;
            else
                over = 1;
        } else {
            if (n >= 2 && !over) {
                table_add(t, ub_lex_key(w, n), 1);
                total++;
            }
            n = 0;
            over = 0;
        }
        if (!more) {
            if (n >= 2 && !over) {
                table_add(t, ub_lex_key(w, n), 1);
                total++;
            }
            break;
        }
        c = d;
    }
    free(s);
    return total;
}

/* ---------------------------------------------------------- ranking */

struct cand {
    uint64_t key;
    double share;       /* of its language's words (the best language) */
    uint64_t count;
};

static int by_share(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->share != y->share)
        return x->share > y->share ? -1 : 1;
    return x->key < y->key ? -1 : x->key > y->key;
}

static int by_key(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->share > y->share ? -1 : x->share < y->share;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}

int main(int argc, char **argv)
{
    size_t bytes = 300000 - 4096;
    uint64_t min_count = 3;
    size_t max_words = 0;
    int a = 1;
    for (; a < argc && argv[a][0] == '-' && argv[a][1] == '-'; a++) {
        if (a + 1 >= argc)
            die("%s needs a value", argv[a]);
        if (!strcmp(argv[a], "--bytes"))
            bytes = strtoul(argv[++a], NULL, 10);
        else if (!strcmp(argv[a], "--min-count"))
            min_count = strtoul(argv[++a], NULL, 10);
        else if (!strcmp(argv[a], "--max-words"))
            max_words = strtoul(argv[++a], NULL, 10);
        else
            die("unknown option %s", argv[a]);
    }
    if (argc - a != 2)
        die("usage: gen_words [--bytes B] [--min-count C] [--max-words N] CORPUS_DIR OUT");
    const char *dir = argv[a], *out = argv[a + 1];

    char path[4096];
    snprintf(path, sizeof path, "%s/train", dir);
    DIR *d = opendir(path);
    if (!d)
        die("%s: cannot open", path);
    char **names = NULL;
    size_t nnames = 0;
    for (struct dirent *de; (de = readdir(d));) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".txt"))
            continue;
        /* word lists have no counts; emoji have no words */
        if ((l > 10 && !strcmp(de->d_name + l - 10, "-words.txt")) ||
            !strcmp(de->d_name, "emoji.txt"))
            continue;
        names = xrealloc(names, (nnames + 1) * sizeof *names);
        names[nnames++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nnames, sizeof *names, by_name);

    struct cand *cands = NULL;
    size_t ncands = 0;
    for (size_t f = 0; f < nnames; f++) {
        struct table t = { 0 };
        snprintf(path, sizeof path, "%s/train/%s", dir, names[f]);
        uint64_t total = count_file(path, &t);
        size_t kept = 0;
        for (size_t i = 0; i < t.cap; i++) {
            if (t.e[i].count < min_count)
                continue;
            cands = xrealloc(cands, (ncands + 1) * sizeof *cands);
            cands[ncands++] = (struct cand){ t.e[i].key, (double)t.e[i].count / (double)total,
                                             t.e[i].count };
            kept++;
        }
        fprintf(stderr, "  %-8s %10llu words %8zu distinct %8zu seen %llu+ times\n", names[f],
                (unsigned long long)total, t.n, kept, (unsigned long long)min_count);
        free(t.e);
    }
    /* one entry per word, at its best language's share */
    qsort(cands, ncands, sizeof *cands, by_key);
    size_t u = 0;
    for (size_t i = 0; i < ncands; i++)
        if (!u || cands[u - 1].key != cands[i].key)
            cands[u++] = cands[i];
    ncands = u;
    qsort(cands, ncands, sizeof *cands, by_share);

    /* the filter: for a length, the words and bits per word that give the
     * fewest false positives at about 1% (m/n = 9.6, k = 7) */
    uint32_t nbits = (uint32_t)((bytes / 8) * 64);
    size_t n = (size_t)(nbits / 9.6);
    if (max_words && n > max_words)
        n = max_words;
    if (n > ncands)
        n = ncands;
    uint32_t k = (uint32_t)lrint((double)nbits / (double)(n ? n : 1) * log(2.0));
    k = k < 1 ? 1 : k > 16 ? 16 : k;
    uint64_t *bits = xrealloc(NULL, nbits / 8);
    memset(bits, 0, nbits / 8);
    for (size_t i = 0; i < n; i++)
        ub_lex_put_key(bits, nbits, k, cands[i].key);
    double fill = 0;
    for (size_t i = 0; i < nbits / 64; i++)
        fill += __builtin_popcountll(bits[i]);
    fill /= nbits;
    fprintf(stderr, "gen_words: %zu of %zu words (share >= %.3g), %u bits, k %u, "
                    "bits set %.1f%%, false positives ~%.2f%%\n",
            n, ncands, n ? cands[n - 1].share : 0.0, nbits, k, 100 * fill,
            100 * pow(fill, k));

    /* provenance */
    snprintf(path, sizeof path, "%s/packages.txt", dir);
    FILE *pf = fopen(path, "rb");
    if (!pf)
        die("%s: cannot open", path);
    char *prov = NULL;
    size_t nprov = 0;
    for (int ch; (ch = fgetc(pf)) != EOF;) {
        prov = xrealloc(prov, nprov + 1);
        prov[nprov++] = (char)ch;
    }
    fclose(pf);
    printf("gen_words: from the train split of these packages:\n");
    fwrite(prov, 1, nprov, stdout);

    uint8_t head[UB_LEX_HEADER] = { 0 };
    put32(head, UB_LEX_MAGIC);
    put32(head + 4, UB_LEX_VERSION);
    put32(head + 8, nbits);
    put32(head + 12, k);
    put32(head + 16, (uint32_t)n);
    put32(head + 20, (uint32_t)nprov);
    FILE *o = fopen(out, "wb");
    if (!o)
        die("%s: cannot create", out);
    fwrite(head, 1, sizeof head, o);
    for (size_t i = 0; i < nbits / 64; i++) {
        uint8_t le[8];
        for (int b = 0; b < 8; b++)
            le[b] = (uint8_t)(bits[i] >> 8 * b);
        fwrite(le, 1, 8, o);
    }
    fwrite(prov, 1, nprov, o);
    if (fclose(o))
        die("%s: write error", out);
    return 0;
}
