/*
 * zhgap.c -- how well the language model alone fills lossy Chinese gaps.
 *
 *   zhgap [--model FILE] [--max-chars N] TEXT...
 *
 * The damage is that of the real sample kept for evaluation: UTF-8 read as
 * Windows-1254, the bytes cp1254 leaves undefined (81 8D 8E 8F 90 9D 9E)
 * dropped and soft hyphens (AD) stripped.  For every character of TEXT that
 * loses a byte, the candidates are all characters whose UTF-8 loses bytes
 * of that set down to the same surviving bytes; the model picks the one
 * that scores best with the two characters on either side (the reference
 * text around it).  Prints the share picked exactly, overall and for
 * characters that lost two bytes.  This is the model's share of the work
 * only; scripts/zhgap.py measures the whole repair through unbake.
 *
 * TEXT files are corpus files (documents separated by a line holding only
 * U+001E); use held-out text.  Only lines holding Han characters count.
 */
#include "model.h"
#include "testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int dropped(unsigned b)
{
    return b == 0x81 || b == 0x8D || b == 0x8E || b == 0x8F || b == 0x90 || b == 0x9D ||
           b == 0x9E || b == 0xAD;
}

static int enc(uint32_t c, unsigned char *b)
{
    if (c < 0x80) {
        b[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        b[0] = (unsigned char)(0xC0 | c >> 6);
        b[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        b[0] = (unsigned char)(0xE0 | c >> 12);
        b[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    b[0] = (unsigned char)(0xF0 | c >> 18);
    b[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    b[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    b[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* The surviving bytes of c, packed in a key with their count; 0 if c loses
 * nothing. */
static uint64_t survivors(uint32_t c, int *lost)
{
    unsigned char b[4];
    int n = enc(c, b);
    uint64_t key = 0;
    *lost = 0;
    for (int i = 0; i < n; i++) {
        if (dropped(b[i]))
            (*lost)++;
        else
            key = key << 8 | b[i];
    }
    return *lost ? key << 8 | (uint64_t)(n - *lost) : 0;
}

static size_t u32(const unsigned char *p, size_t len, uint32_t *out)
{
    size_t n = 0, i = 0;
    while (i < len) {
        uint32_t c = p[i++];
        int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (more && len - i >= (size_t)more) {
            c &= 0x3Fu >> more;
            while (more--) c = c << 6 | (p[i++] & 0x3Fu);
        }
        out[n++] = c;
    }
    return n;
}

int main(int argc, char **argv)
{
    int a = 1;
    size_t max_chars = 200000;
    void *blob = NULL;
    ub_lm *own = NULL;
    const ub_lm *lm = NULL;
    for (; a + 1 < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
        if (strcmp(argv[a], "--max-chars") == 0) {
            max_chars = strtoul(argv[a + 1], NULL, 10);
        } else if (strcmp(argv[a], "--model") == 0) {
            size_t len;
            if (!(blob = tk_read_aligned(argv[a + 1], &len))) {
                perror(argv[a + 1]);
                return 1;
            }
            lm = own = ub_lm_open(blob, len);
            if (!own) {
                fprintf(stderr, "zhgap: %s: not a valid model\n", argv[a + 1]);
                return 1;
            }
        } else {
            break;
        }
    }
    if (!lm) lm = ub_lm_builtin();
    if (!lm || a >= argc) {
        fprintf(stderr, "usage: zhgap [--model FILE] [--max-chars N] TEXT...\n");
        return 2;
    }
    /* candidates: every BMP character (the gaps are in Han text; astral
     * characters lose no byte of the set in practice), grouped by key */
    static uint64_t key_of[0x10000];
    static uint8_t lost_of[0x10000];
    for (uint32_t c = 0x80; c < 0x10000; c++) {
        int lost;
        if (c >= 0xD800 && c <= 0xDFFF) continue;
        key_of[c] = survivors(c, &lost);
        lost_of[c] = (uint8_t)lost;
    }
    size_t gaps = 0, exact = 0, two = 0, two_ok = 0, chars = 0;
    for (; a < argc && chars < max_chars; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) {
            perror(argv[a]);
            return 1;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        uint32_t *u = NULL;
        while (chars < max_chars && (len = getline(&line, &cap, f)) > 0) {
            u = realloc(u, ((size_t)len + 4) * sizeof *u);
            size_t n = u32((const unsigned char *)line, (size_t)len, u);
            if (n && u[n - 1] == '\n') n--;
            int han = 0;
            for (size_t i = 0; i < n; i++) han |= u[i] >= 0x4E00 && u[i] <= 0x9FFF;
            if (!han) continue;
            chars += n;
            for (size_t i = 0; i < n; i++) {
                if (u[i] >= 0x10000 || key_of[u[i]] == 0) continue;
                uint64_t key = key_of[u[i]];
                uint32_t l2 = i >= 2 ? u[i - 2] : UB_LM_BOS, l1 = i >= 1 ? u[i - 1] : UB_LM_BOS;
                uint32_t r1 = i + 1 < n ? u[i + 1] : '\n', r2 = i + 2 < n ? u[i + 2] : '\n';
                uint32_t best = 0;
                double bs = -1e30;
                for (uint32_t c = 0x80; c < 0x10000; c++) {
                    if (key_of[c] != key) continue;
                    double s = ub_lm_logp(lm, l2, l1, c) + ub_lm_logp(lm, l1, c, r1) +
                               ub_lm_logp(lm, c, r1, r2);
                    if (s > bs) {
                        bs = s;
                        best = c;
                    }
                }
                gaps++;
                exact += best == u[i];
                if (lost_of[u[i]] >= 2) {
                    two++;
                    two_ok += best == u[i];
                }
            }
        }
        free(line);
        free(u);
        fclose(f);
    }
    printf("chars %zu, gaps %zu, exact %zu (%.2f%%), two-byte %zu/%zu\n", chars, gaps, exact,
           gaps ? 100.0 * (double)exact / (double)gaps : 0.0, two_ok, two);
    ub_lm_close(own);
    free(blob);
    return 0;
}
