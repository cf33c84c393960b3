/*
 * testkit.h -- helpers shared by the test tools (garble, lossy_quality).
 *
 * Everything here is `static inline` so that each tool takes only what it
 * uses.  The codec tables are built from ICU (glibc iconv for ISO-8859-16,
 * which Debian's ICU data lacks) independently of the library's own
 * generated tables, so a wrong library table shows up as a failed test
 * instead of agreeing with itself.
 */
#ifndef UNBAKE_TESTKIT_H
#define UNBAKE_TESTKIT_H

#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unicode/ucnv.h>

/* ------------------------------------------------------------------ */
/* Growable byte buffers                                               */
/* ------------------------------------------------------------------ */

struct tk_buf {
    char *p;
    size_t n, cap;
};

/* A command-line count 0..1000000 for option opt; exits 2 otherwise. */
static inline long tk_parse_num(const char *prog, const char *s, const char *opt)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < 0 || v > 1000000) {
        fprintf(stderr, "%s: %s: not a number: %s\n", prog, opt, s);
        exit(2);
    }
    return v;
}

static inline void *tk_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    return q;
}

static inline void tk_reserve(struct tk_buf *b, size_t extra)
{
    if (b->n + extra + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + extra + 1)
            cap *= 2;
        b->p = tk_xrealloc(b->p, cap);
        b->cap = cap;
    }
}

/* Append; the buffer stays NUL-terminated (the NUL not counted). */
static inline void tk_add(struct tk_buf *b, const void *data, size_t len)
{
    tk_reserve(b, len);
    if (len)
        memcpy(b->p + b->n, data, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static inline void tk_set(struct tk_buf *b, const void *data, size_t len)
{
    b->n = 0;
    tk_add(b, data, len);
}

static inline void tk_free(struct tk_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* A whole file in an 8-byte aligned buffer (what ub_lm_open() wants), its
 * length in *len; NULL when it cannot be read. */
static inline void *tk_read_aligned(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    void *p = NULL;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (p = aligned_alloc(8, ((size_t)n + 7) / 8 * 8)) != NULL &&
        fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = n >= 0 ? (size_t)n : 0;
    return p;
}

/* Levenshtein distance of two code point strings, one row at a time, with
 * the common prefix and suffix taken off first (most outputs differ in a
 * few places). */
static inline size_t tk_edit_distance(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t p = 0, s = 0;
    while (p < na && p < nb && a[p] == b[p])
        p++;
    while (s < na - p && s < nb - p && a[na - 1 - s] == b[nb - 1 - s])
        s++;
    a += p;
    b += p;
    na -= p + s;
    nb -= p + s;
    if (!na || !nb)
        return na + nb;
    size_t *row = tk_xrealloc(NULL, (nb + 1) * sizeof *row);
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[nb];
    free(row);
    return d;
}

static inline int tk_eq(const void *a, size_t an, const void *b, size_t bn)
{
    return an == bn && (an == 0 || !memcmp(a, b, an));
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */
/* ------------------------------------------------------------------ */

/* Decode one UTF-8 sequence at s (n bytes left).  Returns its length, or
 * 0 when the bytes there are not valid UTF-8 (overlong, surrogate, beyond
 * U+10FFFF, truncated, stray continuation byte). */
static inline size_t tk_utf8_dec(const unsigned char *s, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t len;
    uint32_t c, min;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, c = s[0] & 0x1Fu, min = 0x80;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, c = s[0] & 0x0Fu, min = 0x800;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, c = s[0] & 0x07u, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static inline int tk_utf8_valid(const void *data, size_t n)
{
    const unsigned char *s = data;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = tk_utf8_dec(s + i, n - i, &cp);
        if (!len)
            return 0;
        i += len;
    }
    return 1;
}

static inline void tk_put_utf8(struct tk_buf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F)), n = 4;
    }
    tk_add(b, u, n);
}

/* Code points of a UTF-8 string (invalid bytes become 0xDC00 + byte, as
 * Python's surrogateescape does, so that they still count). */
static inline size_t tk_to_cps(const void *data, size_t n, uint32_t **out)
{
    const unsigned char *s = data;
    uint32_t *v = tk_xrealloc(NULL, (n + 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = tk_utf8_dec(s + i, n - i, &cp);
        if (!len) {
            cp = 0xDC00u + s[i];
            len = 1;
        }
        v[k++] = cp;
        i += len;
    }
    *out = v;
    return k;
}

/*
 * Print data on f as one quoted line: control characters (C0, DEL, C1)
 * and the quote and backslash escaped, invalid UTF-8 as \xNN, the rest as
 * it is.  With max > 0, at most max characters, then "...".
 */
static inline void tk_show(FILE *f, const void *data, size_t n, size_t max)
{
    const unsigned char *s = data;
    size_t chars = 0;
    fputc('"', f);
    for (size_t i = 0; i < n; chars++) {
        if (max && chars == max) {
            fputs("\"...", f);
            return;
        }
        uint32_t cp;
        size_t len = tk_utf8_dec(s + i, n - i, &cp);
        if (!len) {
            fprintf(f, "\\x%02X", s[i]);
            i++;
            continue;
        }
        if (cp == '\\' || cp == '"')
            fprintf(f, "\\%c", (int)cp);
        else if (cp == '\n')
            fputs("\\n", f);
        else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            fprintf(f, "\\u%04X", (unsigned)cp);
        else
            fwrite(s + i, 1, len, f);
        i += len;
    }
    fputc('"', f);
}

/* Write data as a JSON string.  Invalid UTF-8 bytes are written as
 * lone surrogates \uDCxx (Python reads them back with
 * .encode('utf-8', 'surrogateescape')). */
static inline void tk_json_str(FILE *f, const void *data, size_t n)
{
    const unsigned char *s = data;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = tk_utf8_dec(s + i, n - i, &cp);
        if (!len) {
            fprintf(f, "\\uDC%02X", s[i]);
            i++;
            continue;
        }
        if (cp == '"' || cp == '\\')
            fprintf(f, "\\%c", (int)cp);
        else if (cp == '\n')
            fputs("\\n", f);
        else if (cp < 0x20 || cp == 0x7F)
            fprintf(f, "\\u%04X", (unsigned)cp);
        else
            fwrite(s + i, 1, len, f);
        i += len;
    }
    fputc('"', f);
}

/* Byte offset of the first difference of a and b (the shorter length when
 * one is a prefix of the other), moved back to a character boundary. */
static inline size_t tk_first_diff(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i])
        i++;
    while (i > 0 && i < an && ((unsigned char)a[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* ------------------------------------------------------------------ */
/* Crashes: name the input that caused one                             */
/* ------------------------------------------------------------------ */

static const char *tk_cur_label;
static const void *tk_cur_data;
static size_t tk_cur_len;

/* Record what is about to be processed, for the crash handler. */
static inline void tk_current(const char *label, const void *data, size_t n)
{
    tk_cur_label = label;
    tk_cur_data = data;
    tk_cur_len = n;
}

static inline void tk_crash_write(const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* On a fatal signal, print the current label and input (as C string
 * escapes), then die of the same signal. */
static inline void tk_crash_handler(int sig)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *m = "\n*** CRASH (signal) while processing: ";
    tk_crash_write(m, strlen(m));
    if (tk_cur_label)
        tk_crash_write(tk_cur_label, strlen(tk_cur_label));
    m = "\n*** input: \"";
    tk_crash_write(m, strlen(m));
    const unsigned char *d = tk_cur_data;
    for (size_t i = 0; d && i < tk_cur_len && i < 4096; i++) {
        char e[4] = { '\\', 'x', hex[d[i] >> 4], hex[d[i] & 15] };
        if (d[i] >= 0x20 && d[i] < 0x7F && d[i] != '\\' && d[i] != '"')
            tk_crash_write((const char *)&d[i], 1);
        else
            tk_crash_write(e, 4);
    }
    tk_crash_write("\"\n", 2);
    signal(sig, SIG_DFL);
    raise(sig);
}

static inline void tk_catch_crashes(void)
{
    signal(SIGSEGV, tk_crash_handler);
    signal(SIGBUS, tk_crash_handler);
    signal(SIGFPE, tk_crash_handler);
    signal(SIGILL, tk_crash_handler);
    signal(SIGABRT, tk_crash_handler);
}

/* ------------------------------------------------------------------ */
/* Deterministic PRNG (splitmix64)                                     */
/* ------------------------------------------------------------------ */

static inline uint64_t tk_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in 0..n-1 (n > 0). */
static inline uint32_t tk_below(uint64_t *state, uint32_t n)
{
    return (uint32_t)(tk_rand(state) % n);
}

/* ------------------------------------------------------------------ */
/* Files                                                               */
/* ------------------------------------------------------------------ */

static inline int tk_read_file(const char *path, struct tk_buf *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    b->n = 0;
    tk_add(b, "", 0);
    char chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0)
        tk_add(b, chunk, r);
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

/* Replace the contents of path with data[0..n): write path.tmp, then
 * rename it over path, so that a failed write leaves path as it was.
 * Returns 0, or -1 with errno set. */
static inline int tk_replace_file(const char *path, const void *data, size_t n)
{
    size_t pl = strlen(path);
    char *tmp = tk_xrealloc(NULL, pl + 5);
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    int bad = !f;
    if (f) {
        bad = n && fwrite(data, 1, n, f) != n;
        bad |= fclose(f) != 0;
    }
    if (!bad && rename(tmp, path) == 0) {
        free(tmp);
        return 0;
    }
    int e = errno;
    remove(tmp);
    free(tmp);
    errno = e;
    return -1;
}

static inline int tk_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of dir's regular entries ending in suffix, sorted.  Returns
 * the count (0 when none), or -1 when dir cannot be read. */
static inline int tk_list_dir(const char *dir, const char *suffix, char ***names)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **v = NULL;
    int n = 0;
    size_t sl = strlen(suffix);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l <= sl || strcmp(e->d_name + l - sl, suffix))
            continue;
        v = tk_xrealloc(v, (size_t)(n + 1) * sizeof *v);
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n)
        qsort(v, (size_t)n, sizeof *v, tk_cmp_str);
    *names = v;
    return n;
}

/* ------------------------------------------------------------------ */
/* Text units                                                          */
/* ------------------------------------------------------------------ */

/* A piece of a text: offset and length into it. */
struct tk_unit {
    size_t off, len;
};

/*
 * Split text into units: groups of consecutive non-blank lines (a
 * paragraph), cut before a line that would take the group past target
 * bytes.  Line ends inside a unit are kept; the newline after its last
 * line and the blank lines between units are not part of any unit.
 */
static inline size_t tk_split_units(const char *text, size_t n, size_t target,
                                    struct tk_unit **units)
{
    struct tk_unit *v = NULL;
    size_t k = 0, cap = 0;
    size_t i = 0, start = 0, end = 0;   /* current unit [start, end) */
    int open = 0;
    while (i < n) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t le = nl ? (size_t)(nl - text) : n;   /* line [i, le) */
        size_t j = i;
        while (j < le && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r'))
            j++;
        int blank = j == le;
        if (open && (blank || le - start > target)) {
            if (k == cap) {
                cap = cap ? cap * 2 : 64;
                v = tk_xrealloc(v, cap * sizeof *v);
            }
            v[k].off = start;
            v[k].len = end - start;
            k++;
            open = 0;
        }
        if (!blank) {
            if (!open)
                start = i, open = 1;
            end = le;
        }
        i = nl ? le + 1 : n;
    }
    if (open) {
        if (k == cap)
            v = tk_xrealloc(v, (cap + 1) * sizeof *v);
        v[k].off = start;
        v[k].len = end - start;
        k++;
    }
    *units = v;
    return k;
}

static inline int tk_has_non_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Single-byte codecs, from ICU                                        */
/* ------------------------------------------------------------------ */

/* The codecs of issue 2, by the name the library reports and the name
 * ICU (or, with "iconv:", glibc) knows them by. */
struct tk_codec {
    const char *name;
    const char *source;
    uint32_t to_ucs[256];     /* sloppy decode of every byte */
    uint8_t undefined[256];   /* 1: the codec leaves this byte undefined */
    uint8_t c1[256];          /* 1: decodes to a C1 control */
    uint8_t rev1[0x10000];    /* code point -> byte, 0 when none */
    uint8_t rev2[0x10000];    /* a second byte reading alike, 0 when none */
    int ncollisions;          /* how many code points have two bytes */
};

#define TK_CODECS(X) \
    X("windows-1250", "windows-1250") X("windows-1251", "windows-1251") \
    X("windows-1252", "windows-1252") X("windows-1253", "windows-1253") \
    X("windows-1254", "windows-1254") X("windows-1255", "windows-1255") \
    X("windows-1256", "windows-1256") X("windows-1257", "windows-1257") \
    X("windows-1258", "windows-1258") \
    X("iso-8859-1", "ISO-8859-1") X("iso-8859-2", "ISO-8859-2") \
    X("iso-8859-3", "ISO-8859-3") X("iso-8859-4", "ISO-8859-4") \
    X("iso-8859-5", "ISO-8859-5") X("iso-8859-6", "ISO-8859-6") \
    X("iso-8859-7", "ISO-8859-7") X("iso-8859-8", "ISO-8859-8") \
    X("iso-8859-9", "ISO-8859-9") X("iso-8859-10", "ISO-8859-10") \
    X("iso-8859-11", "ISO-8859-11") X("iso-8859-13", "ISO-8859-13") \
    X("iso-8859-14", "ISO-8859-14") X("iso-8859-15", "ISO-8859-15") \
    X("iso-8859-16", "iconv:ISO-8859-16") \
    X("macintosh", "macintosh") X("ibm437", "IBM437") X("ibm850", "IBM850") \
    X("ibm866", "IBM866") X("koi8-r", "KOI8-R") X("koi8-u", "KOI8-U")

/* Decode byte b with ICU; -1 when undefined. */
static inline long tk_icu_byte(UConverter *cnv, unsigned char b)
{
    UChar out[4];
    char src = (char)b;
    UErrorCode err = U_ZERO_ERROR;
    ucnv_reset(cnv);
    int32_t n = ucnv_toUChars(cnv, out, 4, &src, 1, &err);
    if (U_FAILURE(err) || n != 1 || out[0] == 0xFFFD || out[0] == 0x1A)
        return -1;
    return out[0];
}

static inline long tk_iconv_byte(iconv_t cd, unsigned char b)
{
    char in[1] = { (char)b };
    uint32_t out = 0;
    char *ip = in, *op = (char *)&out;
    size_t il = 1, ol = sizeof out;
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || ol != 0)
        return -1;
    return (long)out;
}

/*
 * Fill c->to_ucs from ICU or iconv.  ASCII stays ASCII (the IBM tables'
 * control-character swaps do not matter: UTF-8 never puts a byte below
 * 0x80 inside a character).  Undefined bytes decode "sloppily", as
 * Windows and browsers do, to the code point of the same value.
 * Returns 0, or -1 with a message in err.
 */
static inline int tk_codec_load(struct tk_codec *c, char *err, size_t errlen)
{
    long cps[256];
    if (!strncmp(c->source, "iconv:", 6)) {
        iconv_t cd = iconv_open("UTF-32LE", c->source + 6);
        if (cd == (iconv_t)-1) {
            snprintf(err, errlen, "%s: iconv: %s", c->source + 6, strerror(errno));
            return -1;
        }
        for (int b = 0x80; b < 0x100; b++)
            cps[b] = tk_iconv_byte(cd, (unsigned char)b);
        iconv_close(cd);
    } else {
        UErrorCode e = U_ZERO_ERROR;
        UConverter *cnv = ucnv_open(c->source, &e);
        if (U_FAILURE(e)) {
            snprintf(err, errlen, "%s: ICU: %s", c->source, u_errorName(e));
            return -1;
        }
        ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &e);
        for (int b = 0x80; b < 0x100; b++)
            cps[b] = tk_icu_byte(cnv, (unsigned char)b);
        ucnv_close(cnv);
    }
    for (int b = 0; b < 0x100; b++) {
        long cp = b < 0x80 ? b : cps[b];
        c->undefined[b] = cp < 0;
        c->to_ucs[b] = cp < 0 ? (uint32_t)b : (uint32_t)cp;
        c->c1[b] = c->to_ucs[b] >= 0x80 && c->to_ucs[b] < 0xA0;
    }
    /* The reverse, for checking that a garbled text can be undone.  A
     * byte above 0x7F that reads as ASCII would break that for good;
     * two bytes that read alike (ISO-8859-8's 0xAA and undefined 0xD7
     * are both U+00D7) are told apart by UTF-8 validity, see
     * tk_preimages(). */
    memset(c->rev1, 0, sizeof c->rev1);
    memset(c->rev2, 0, sizeof c->rev2);
    c->ncollisions = 0;
    for (int b = 0x80; b < 0x100; b++) {
        uint32_t cp = c->to_ucs[b];
        if (cp < 0x80 || cp > 0xFFFF) {
            snprintf(err, errlen, "%s: byte 0x%02X reads as U+%04X", c->name, b, (unsigned)cp);
            return -1;
        }
        if (!c->rev1[cp]) {
            c->rev1[cp] = (uint8_t)b;
        } else {
            c->rev2[cp] = (uint8_t)b;
            c->ncollisions++;
        }
    }
    return 0;
}

/* The byte codec c writes cp as, or -1 (the first of two when two bytes
 * read alike). */
static inline int tk_encode(const struct tk_codec *c, uint32_t cp)
{
    if (cp < 0x80)
        return (int)cp;
    if (cp > 0xFFFF || !c->rev1[cp])
        return -1;
    return c->rev1[cp];
}

/*
 * How many byte strings that are valid UTF-8 read as the UTF-8 text s
 * under codec c: 0, 1, or 2 for "more than one".  A garbled layer can be
 * undone exactly when this is 1.
 */
static inline int tk_preimages(const struct tk_codec *c, const char *s, size_t n)
{
    /* States: 0 = at a character boundary; 1 + (need - 1) * 5 + range =
     * need more continuation bytes, the next one within range (0: 80..BF,
     * 1: A0..BF, 2: 80..9F, 3: 90..BF, 4: 80..8F). */
    enum { NSTATES = 16 };
    static const uint8_t lo[5] = { 0x80, 0xA0, 0x80, 0x90, 0x80 };
    static const uint8_t hi[5] = { 0xBF, 0xBF, 0x9F, 0xBF, 0x8F };
    uint8_t cnt[NSTATES] = { 1 }, next[NSTATES];
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = tk_utf8_dec(u + i, n - i, &cp);
        if (!len)
            return 0;
        i += len;
        int cand[2], nc = 0;
        if (cp < 0x80) {
            cand[nc++] = (int)cp;
        } else if (cp <= 0xFFFF && c->rev1[cp]) {
            cand[nc++] = c->rev1[cp];
            if (c->rev2[cp])
                cand[nc++] = c->rev2[cp];
        }
        memset(next, 0, sizeof next);
        for (int st = 0; st < NSTATES; st++) {
            if (!cnt[st])
                continue;
            for (int k = 0; k < nc; k++) {
                int b = cand[k], to = -1;
                if (st == 0) {
                    if (b < 0x80)
                        to = 0;
                    else if (b >= 0xC2 && b <= 0xDF)
                        to = 1;
                    else if (b == 0xE0)
                        to = 1 + 5 + 1;
                    else if (b == 0xED)
                        to = 1 + 5 + 2;
                    else if (b >= 0xE1 && b <= 0xEF)
                        to = 1 + 5;
                    else if (b == 0xF0)
                        to = 1 + 10 + 3;
                    else if (b == 0xF4)
                        to = 1 + 10 + 4;
                    else if (b >= 0xF1 && b <= 0xF3)
                        to = 1 + 10;
                } else {
                    int need = (st - 1) / 5 + 1, range = (st - 1) % 5;
                    if (b >= lo[range] && b <= hi[range])
                        to = need == 1 ? 0 : 1 + (need - 2) * 5;
                }
                if (to >= 0) {
                    int sum = next[to] + cnt[st];
                    next[to] = (uint8_t)(sum > 2 ? 2 : sum);
                }
            }
        }
        memcpy(cnt, next, sizeof cnt);
    }
    return cnt[0];
}

/* One layer of mojibake: the bytes in[0..n) read with codec c, written as
 * UTF-8 into out (replacing its contents). */
static inline void tk_garble(const struct tk_codec *c, const void *in, size_t n, struct tk_buf *out)
{
    const unsigned char *s = in;
    out->n = 0;
    tk_reserve(out, n * 3);
    out->p[0] = '\0';
    for (size_t i = 0; i < n; i++)
        tk_put_utf8(out, c->to_ucs[s[i]]);
}

#endif
