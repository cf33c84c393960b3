/*
 * gen.c -- deterministic benchmark inputs for `make bench`.
 *
 * Usage: gen KIND SIZE [SOURCE.txt...]   (output on stdout)
 *
 *   KIND      ascii     ASCII prose
 *             utf8      clean multilingual UTF-8
 *             mojibake  every line mis-decoded once: windows-1251 for lines
 *                       with Cyrillic, windows-1252 for the others
 *             mixed10   clean multilingual with 10% of lines as above
 *             stream    mixed10 from a 4 MiB block repeated (fast enough to
 *                       pipe gigabytes)
 *             longline  mojibake and clean text with no newline at all
 *   SIZE      bytes, with an optional K, M or G suffix (powers of 1024);
 *             the output is exactly SIZE bytes
 *   SOURCE    clean UTF-8 text files whose lines are the material; lines
 *             are also made from the built-in word lists below, for all of
 *             the output without sources and for part of it when the
 *             sources are under 32 KiB
 *
 * The same arguments always give the same bytes (a fixed-seed PRNG), so
 * runs on different days compare.  Mis-decoding uses glibc's iconv tables;
 * bytes a codec leaves undefined become the code point of the same value,
 * as Windows does.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- PRNG */

static uint64_t rng = 0x5EED0F0B4E2C4ull;

static uint64_t next(void)
{
    /* splitmix64 */
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t below(size_t n)
{
    return (size_t)(next() % n);
}

/* ---------------------------------------------------------------- material */

/* Words of several languages, used when no source file is given. */
static const char *const words_en[] = {
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as",
    "was", "with", "be", "by", "on", "not", "he", "this", "are", "or", "his",
    "from", "at", "which", "but", "have", "an", "had", "they", "you", "were",
    "their", "one", "all", "we", "can", "her", "has", "there", "been", "if",
    "more", "when", "will", "would", "who", "so", "no", "text", "encoding",
    "stream", "window", "river", "morning", "letter", "garden", "number",
    "station", "library", "history", "question", "answer", "people", "world"
};
static const char *const words_fr[] = {
    "le", "la", "les", "des", "été", "élève", "où", "ça", "déjà", "très",
    "français", "naïve", "château", "forêt", "hôtel", "cœur", "fenêtre",
    "garçon", "où", "première", "bibliothèque", "année", "être", "à"
};
static const char *const words_de[] = {
    "und", "der", "die", "das", "Straße", "Größe", "über", "für", "Mädchen",
    "schön", "Fußball", "Bäume", "Grüße", "müssen", "weiß", "Öl", "Ärger"
};
static const char *const words_es[] = {
    "el", "la", "año", "niño", "señor", "mañana", "corazón", "canción",
    "también", "está", "página", "información", "música", "¿qué", "¡hola"
};
static const char *const words_pl[] = {
    "że", "się", "łódź", "źródło", "gęś", "książka", "żółty", "ćma", "dzień"
};
static const char *const words_ru[] = {
    "и", "в", "не", "на", "что", "это", "как", "привет", "мир", "дом",
    "время", "человек", "жизнь", "день", "рука", "работа", "слово", "место",
    "вопрос", "съешь", "ещё", "мягких", "французских", "булок", "чаю"
};
static const char *const words_el[] = {
    "και", "το", "της", "καλημέρα", "κόσμε", "ελληνικά", "γλώσσα", "νερό"
};
static const char *const words_ja[] = {
    "日本語", "の", "テキスト", "です", "東京", "は", "ひらがな", "カタカナ",
    "漢字", "を", "読む"
};
static const char *const words_zh[] = {
    "中文", "字符", "我们", "的", "世界", "你好", "学习", "语言", "数据"
};
static const char *const words_misc[] = {
    "“quoted”", "‘single’", "—", "–", "…", "€5", "£3", "©", "®", "°C",
    "½", "×", "→", "★", "😀", "👍", "❤", "🎉", "שלום", "مرحبا", "नमस्ते",
    "한국어", "ไทย"
};

struct lang {
    const char *const *w;
    size_t n;
};
#define LANG(a) { a, sizeof a / sizeof a[0] }
static const struct lang langs[] = {
    LANG(words_fr), LANG(words_de), LANG(words_es), LANG(words_pl),
    LANG(words_ru), LANG(words_el), LANG(words_ja), LANG(words_zh)
};
#define N_LANGS (sizeof langs / sizeof langs[0])

/* A synthetic line: mostly one language, some English and symbols. */
static size_t synth_line(char *o, size_t cap, int ascii_only)
{
    size_t n = 0, nw = 6 + below(14);
    const struct lang *l = &langs[below(N_LANGS)];
    for (size_t i = 0; i < nw; i++) {
        const char *w;
        size_t r = below(10);
        if (ascii_only || r < 4)
            w = words_en[below(sizeof words_en / sizeof words_en[0])];
        else if (r < 9)
            w = l->w[below(l->n)];
        else
            w = words_misc[below(sizeof words_misc / sizeof words_misc[0])];
        size_t len = strlen(w);
        if (n + len + 3 > cap)
            break;
        if (i)
            o[n++] = ' ';
        memcpy(o + n, w, len);
        n += len;
    }
    o[n++] = below(4) ? '.' : ',';
    o[n++] = '\n';
    return n;
}

/* Lines read from the source files. */
static char **src_lines;
static size_t *src_len;
static size_t n_src, n_src_ascii, src_bytes;
static size_t *src_ascii;   /* indices of ASCII-only lines */

static int is_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 0;
    return 1;
}

static int load_source(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (len < 2 || len > 4000)
            continue;
        if (line[len - 1] != '\n')
            line[len++] = '\n';  /* over the NUL getline left room for */
        char **nl = realloc(src_lines, (n_src + 1) * sizeof *nl);
        size_t *ll = realloc(src_len, (n_src + 1) * sizeof *ll);
        size_t *la = realloc(src_ascii, (n_src + 1) * sizeof *la);
        if (nl)
            src_lines = nl;
        if (ll)
            src_len = ll;
        if (la)
            src_ascii = la;
        char *copy = malloc((size_t)len);
        if (!nl || !ll || !la || !copy) {
            free(copy);
            break;
        }
        memcpy(copy, line, (size_t)len);
        src_lines[n_src] = copy;
        src_len[n_src] = (size_t)len;
        src_bytes += (size_t)len;
        if (is_ascii(copy, (size_t)len))
            src_ascii[n_src_ascii++] = n_src;
        n_src++;
    }
    free(line);
    fclose(f);
    return 0;
}

/*
 * One clean line into o (at most cap bytes).  Sources of 32 KiB or more
 * give every line; smaller ones only their share (1/1024 per 32 bytes),
 * the word lists the rest, so that a few hand-picked lines do not make up
 * the whole output.
 */
static size_t clean_line(char *o, size_t cap, int ascii_only)
{
    size_t pool = ascii_only ? n_src_ascii : n_src;
    size_t share = src_bytes >= (32u << 10) ? 1024 : (size_t)(src_bytes >> 5);
    if (pool && below(1024) < share) {
        size_t k = ascii_only ? src_ascii[below(n_src_ascii)] : below(n_src);
        size_t n = src_len[k] < cap ? src_len[k] : cap;
        memcpy(o, src_lines[k], n);
        return n;
    }
    return synth_line(o, cap, ascii_only);
}

/* ---------------------------------------------------------------- mojibake */

/* UTF-8 of each byte 0x80..0xFF decoded by the wrong codec. */
struct table {
    char utf8[128][4];
    uint8_t len[128];
};
static struct table t1252, t1251;

static void put_utf8(char *o, uint8_t *len, uint32_t cp)
{
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        *len = 2;
    } else {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        *len = 3;
    }
}

static int build_table(struct table *t, const char *codec)
{
    iconv_t cd = iconv_open("UTF-8", codec);
    if (cd == (iconv_t)-1) {
        fprintf(stderr, "gen: iconv %s: %s\n", codec, strerror(errno));
        return -1;
    }
    for (int b = 0x80; b < 0x100; b++) {
        char in[1] = { (char)b }, out[8];
        char *ip = in, *op = out;
        size_t il = 1, ol = sizeof out;
        iconv(cd, NULL, NULL, NULL, NULL);
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || op == out) {
            put_utf8(t->utf8[b - 0x80], &t->len[b - 0x80], (uint32_t)b);
        } else {
            memcpy(t->utf8[b - 0x80], out, (size_t)(op - out));
            t->len[b - 0x80] = (uint8_t)(op - out);
        }
    }
    iconv_close(cd);
    return 0;
}

static int has_cyrillic(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (((unsigned char)s[i] == 0xD0 || (unsigned char)s[i] == 0xD1) &&
            ((unsigned char)s[i + 1] & 0xC0) == 0x80)
            return 1;
    return 0;
}

/* Mis-decode s[0..n) into o; returns the length (at most 3n). */
static size_t bake(const char *s, size_t n, char *o)
{
    const struct table *t = has_cyrillic(s, n) ? &t1251 : &t1252;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            o[k++] = (char)c;
        } else {
            memcpy(o + k, t->utf8[c - 0x80], t->len[c - 0x80]);
            k += t->len[c - 0x80];
        }
    }
    return k;
}

/* ---------------------------------------------------------------- output */

enum { K_ASCII, K_UTF8, K_MOJIBAKE, K_MIXED10, K_STREAM, K_LONGLINE };

/* Append one line of the kind to o; returns its length. */
static size_t make_line(int kind, char *o, size_t cap)
{
    char clean[4096];
    size_t n = clean_line(clean, sizeof clean, kind == K_ASCII);
    int baked = kind == K_MOJIBAKE || ((kind == K_MIXED10 || kind == K_STREAM) && below(10) == 0) ||
                (kind == K_LONGLINE && below(2) == 0);
    if (kind == K_LONGLINE && n && clean[n - 1] == '\n')
        clean[n - 1] = ' ';
    if (!baked) {
        n = n < cap ? n : cap;
        memcpy(o, clean, n);
        return n;
    }
    if (3 * n > cap)
        n = cap / 3;
    return bake(clean, n, o);
}

static int write_all(const char *p, size_t n)
{
    if (fwrite(p, 1, n, stdout) != n) {
        fprintf(stderr, "gen: write: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10, end++;
    else if (*end == 'M' || *end == 'm')
        shift = 20, end++;
    else if (*end == 'G' || *end == 'g')
        shift = 30, end++;
    if (*end || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const kinds[] = {
        "ascii", "utf8", "mojibake", "mixed10", "stream", "longline"
    };
    int kind = -1;
    uint64_t size;
    if (argc >= 3)
        for (int i = 0; i < 6; i++)
            if (!strcmp(argv[1], kinds[i]))
                kind = i;
    if (kind < 0 || parse_size(argv[2], &size)) {
        fprintf(stderr, "usage: gen ascii|utf8|mojibake|mixed10|stream|longline SIZE[K|M|G] "
                        "[SOURCE.txt...]\n");
        return 2;
    }
    for (int i = 3; i < argc; i++)
        if (load_source(argv[i]))
            return 1;
    if (build_table(&t1252, "CP1252") || build_table(&t1251, "CP1251"))
        return 1;

    /* Whole lines only; what is left at the end is padded with spaces
     * (and a newline) so that no character is cut.  stream repeats one
     * 4 MiB block of lines. */
    enum { LINE_CAP = 3 * 16384, BLOCK = 4 << 20 };
    char *block = malloc(BLOCK + LINE_CAP);
    if (!block)
        return 1;
    uint64_t done = 0;
    int rc = 0;
    size_t n = 0;
    for (;;) {
        size_t len = make_line(kind, block + n, LINE_CAP);
        if (done + n + len > size || (kind == K_STREAM && n + len > BLOCK))
            break;
        n += len;
        if (n >= BLOCK && kind != K_STREAM) {
            if ((rc = write_all(block, n)) != 0)
                break;
            done += n;
            n = 0;
        }
    }
    if (kind == K_STREAM) {
        while (!rc && done + n <= size) {
            rc = write_all(block, n);
            done += n;
        }
        n = 0;
    }
    if (!rc && n) {
        rc = write_all(block, n);
        done += n;
    }
    while (!rc && done < size) {
        size_t w = size - done < BLOCK ? (size_t)(size - done) : BLOCK;
        memset(block, ' ', w);
        if (done + w == size && kind != K_LONGLINE)
            block[w - 1] = '\n';
        rc = write_all(block, w);
        done += w;
    }
    free(block);
    for (size_t i = 0; i < n_src; i++)
        free(src_lines[i]);
    free(src_lines);
    free(src_len);
    free(src_ascii);
    if (!rc && fflush(stdout)) {
        fprintf(stderr, "gen: write: %s\n", strerror(errno));
        rc = -1;
    }
    return rc ? 1 : 0;
}
