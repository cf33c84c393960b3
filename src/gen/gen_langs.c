/*
 * gen_langs.c -- write src/lib/langs_tables.c: how often each language of
 * the model's training text writes each letter (see langs.h).
 *
 *   gen_langs [--cap N] [--min-count C] CORPUS_DIR > src/lib/langs_tables.c
 *
 * CORPUS_DIR is what scripts/corpora.sh writes: train/<lang>.txt and
 * packages.txt -- the language model's own training split, never the
 * held-out one.  A letter is an ASCII letter or one of the Latin letters
 * the CLDR alphabets hold (alphabet.h), counted as its lower case; the first
 * N characters of each language are read (the model's own cap).  Word
 * lists (<lang>-words) and the emoji data are not running text and are
 * left out.  A letter gets a slot when some language writes it C times at
 * least; its row is -ln P(letter | language) of each language, add-half
 * smoothed, in sixteenths of a nat, and last the same of all the
 * languages' letters pooled (what the model, trained on them all, has
 * learnt).
 *
 * Deterministic: files in sorted order, no time stamps.  The packages
 * the text came from are printed on stderr and kept in the table's
 * header comment.
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "alphabet.h"
#include "langs.h"

#define MAX_LANGS 64
#define NSLOT_ALL (26 + UB_ALPHA_NLETTERS)
#define SCALE 16.0              /* steps a nat */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_langs: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* The slot of c among all letters (ASCII a-z, then the alphabets'),
 * lower-cased; -1 for any other character, and for the letters of other
 * scripts than Latin (see langs.h). */
static int letter_slot(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) - 'a' < 26u ? (int)((c | 0x20) - 'a') : -1;
    int a = ub_alpha_index(c);
    UErrorCode e = U_ZERO_ERROR;
    if (a < 0 || uscript_getScript((UChar32)c, &e) != USCRIPT_LATIN || U_FAILURE(e))
        return -1;
    uint32_t l = (uint32_t)u_tolower((UChar32)c);
    int b = ub_alpha_index(l);
    return 26 + (b >= 0 ? b : a);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t counts[MAX_LANGS][NSLOT_ALL];
static uint64_t totals[MAX_LANGS], nchars[MAX_LANGS];
static char *names[MAX_LANGS];

/* Count the letters of the first cap characters of path into row. */
static void count_file(const char *path, uint64_t cap, uint64_t *row, uint64_t *total,
                       uint64_t *nread)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("%s: cannot open", path);
    uint64_t chars = 0;
    int ch;
    while (chars < cap && (ch = getc(f)) != EOF) {
        uint32_t c = (uint32_t)ch;
        int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (c >= 0x80 && c < 0xC0)
            continue;   /* (the corpus is valid UTF-8: never) */
        c &= 0x7Fu >> more;
        for (int k = 0; k < more && (ch = getc(f)) != EOF; k++)
            c = c << 6 | ((uint32_t)ch & 0x3F);
        chars++;
        int s = letter_slot(c);
        if (s >= 0) {
            row[s]++;
            (*total)++;
        }
    }
    if (ferror(f))
        die("%s: read error", path);
    fclose(f);
    *nread = chars;
}

int main(int argc, char **argv)
{
    uint64_t cap = 5000000, min_count = 20;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--cap") && i + 1 < argc)
            cap = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--min-count") && i + 1 < argc)
            min_count = strtoull(argv[++i], NULL, 10);
        else
            die("usage: gen_langs [--cap N] [--min-count C] CORPUS_DIR");
    }
    if (i + 1 != argc)
        die("usage: gen_langs [--cap N] [--min-count C] CORPUS_DIR");
    const char *dir = argv[i];
    char path[4096];

    /* the languages: train/<lang>.txt of running text, sorted */
    snprintf(path, sizeof path, "%s/train", dir);
    DIR *d = opendir(path);
    if (!d)
        die("%s: cannot open", path);
    int nl = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".txt") || strstr(de->d_name, "-words") ||
            !strcmp(de->d_name, "emoji.txt"))
            continue;
        if (nl == MAX_LANGS)
            die("more than %d languages", MAX_LANGS);
        names[nl] = strndup(de->d_name, len - 4);
        nl++;
    }
    closedir(d);
    qsort(names, (size_t)nl, sizeof *names, cmp_str);

    for (int l = 0; l < nl; l++) {
        snprintf(path, sizeof path, "%s/train/%s.txt", dir, names[l]);
        count_file(path, cap, counts[l], &totals[l], &nchars[l]);
    }
    /* languages written in other scripts (their Latin letters are those
     * of commands and names) say nothing here */
    int keep[MAX_LANGS], nk = 0;
    for (int l = 0; l < nl; l++)
        if (totals[l] >= 10000 && totals[l] * 5 >= nchars[l] * 2)
            keep[nk++] = l;
        else
            fprintf(stderr, "gen_langs: %s left out: %llu letters of %llu characters\n",
                    names[l], (unsigned long long)totals[l], (unsigned long long)nchars[l]);
    if (nk > UB_LANGS_MAX)
        die("%d languages: more than %d", nk, UB_LANGS_MAX);
    /* the slots: letters some language writes min_count times */
    int slot_of[NSLOT_ALL], ns = 0;
    for (int s = 0; s < NSLOT_ALL; s++) {
        int used = 0;
        for (int k = 0; k < nk && !used; k++)
            used = counts[keep[k]][s] >= min_count;
        slot_of[s] = used ? ns++ : -1;
    }
    if (ns > UB_LANGS_SLOTS_MAX)
        die("%d slots: more than %d", ns, UB_LANGS_SLOTS_MAX);

    /* provenance */
    snprintf(path, sizeof path, "%s/packages.txt", dir);
    FILE *pf = fopen(path, "r");
    if (!pf)
        die("%s: cannot open", path);
    printf("/*\n * langs_tables.c -- GENERATED by src/gen/gen_langs.c from the language\n"
           " * model's training text.  DO NOT EDIT: run `make models`.\n *\n"
           " * -ln P(letter | language) in sixteenths of a nat (255: 16 nats or\n"
           " * more), the letters lower-cased, from the first %llu characters of\n"
           " * each language; a row a letter, the languages in the order of\n"
           " * ub_langs_names, then all of them pooled.\n *\n"
           " * Packages (Debian):\n",
           (unsigned long long)cap);
    fprintf(stderr, "gen_langs: packages used:\n");
    char line[512];
    while (fgets(line, sizeof line, pf)) {
        line[strcspn(line, "\n")] = 0;
        printf(" *   %s\n", line);
        fprintf(stderr, "  %s\n", line);
    }
    fclose(pf);
    printf(" */\n#include \"langs.h\"\n\n");
    printf("const int ub_langs_n = %d;\nconst int ub_langs_nslots = %d;\n\n", nk, ns);
    printf("const char *const ub_langs_names[UB_LANGS_MAX] = {");
    for (int k = 0; k < nk; k++)
        printf("%s\"%s\",", k % 8 ? " " : "\n    ", names[keep[k]]);
    printf("\n};\n\n");
    printf("/* the slot of each letter of alphabet.h, by its lower case (-1: none) */\n");
    printf("const int16_t ub_langs_slot[UB_ALPHA_NLETTERS] = {");
    for (int a = 0; a < UB_ALPHA_NLETTERS; a++) {
        int ls = letter_slot(ub_alpha_letters[a]);     /* -1: another script */
        printf("%s%d,", a % 16 ? " " : "\n    ", ls < 0 ? -1 : slot_of[ls]);
    }
    printf("\n};\n\n");
    printf("/* the slots of ASCII a-z */\nconst int16_t ub_langs_ascii[26] = {");
    for (int a = 0; a < 26; a++)
        printf("%s%d,", a % 16 ? " " : "\n    ", slot_of[a]);
    printf("\n};\n\n");
    /* a row a slot: the languages' costs, then the pooled one */
    printf("/* a row of UB_LANGS_ROW a slot: each language, 0 up to the last,\n"
           " * which is all of them pooled */\n");
    printf("const uint8_t ub_langs_cost[][UB_LANGS_ROW] = {\n");
    uint64_t ptotal = 0;
    for (int k = 0; k < nk; k++)
        ptotal += totals[keep[k]];
    for (int s = 0; s < NSLOT_ALL; s++) {
        if (slot_of[s] < 0)
            continue;
        uint32_t c = s < 26 ? 'a' + (uint32_t)s : ub_alpha_letters[s - 26];
        printf("    { /* U+%04X */", c);
        uint64_t pooled = 0;
        for (int k = 0; k < UB_LANGS_ROW; k++) {
            long q = 0;
            if (k < nk || k == UB_LANGS_ROW - 1) {
                uint64_t count = k < nk ? counts[keep[k]][s] : pooled;
                uint64_t total = k < nk ? totals[keep[k]] : ptotal;
                if (k < nk)
                    pooled += count;
                double p = ((double)count + 0.5) / ((double)total + 0.5 * ns);
                q = lround(-log(p) * SCALE);
            }
            printf("%s%ld,", k && k % 16 == 0 ? "\n        " : " ", q > 255 ? 255 : q);
        }
        printf(" },\n");
    }
    printf("};\n");
    fprintf(stderr, "gen_langs: %d languages, %d letters\n", nk, ns);
    return 0;
}
