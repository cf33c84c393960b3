/*
 * simdbench.c -- throughput of the chunk scans (ub_ascii_prefix,
 * ub_utf8_valid_prefix) at every implementation level this CPU runs.
 *
 * Usage: simdbench FILE...   (each file is read whole; best of 5 passes)
 *
 * Prints one line per file and level: MB/s of each scan over the whole
 * file (the ASCII scan only for files that are all ASCII).  A file that is
 * not all valid UTF-8 is scanned up to its first error only, and the line
 * says so.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        if (!got)
            break;
        len += got;
    }
    fclose(f);
    *n = len;
    return buf;
}

int main(int argc, char **argv)
{
    static const char *const names[] = { "portable", "sse2", "ssse3", "avx2" };
    if (argc < 2) {
        fprintf(stderr, "usage: simdbench FILE...\n");
        return 2;
    }
    printf("%-24s %-9s %14s %14s\n", "input", "level", "ascii MB/s", "utf8 MB/s");
    for (int a = 1; a < argc; a++) {
        size_t n;
        uint8_t *s = slurp(argv[a], &n);
        if (!s) {
            fprintf(stderr, "simdbench: %s: %s\n", argv[a], strerror(errno));
            return 1;
        }
        const char *base = strrchr(argv[a], '/');
        base = base ? base + 1 : argv[a];
        for (int level = 0; level <= ub_simd_level(); level++) {
            double best_a = 1e30, best_v = 1e30;
            size_t va = 0, vv = 0;
            for (int rep = 0; rep < 5; rep++) {
                double t = now();
                va = ub_ascii_prefix_at(level, s, n);
                t = now() - t;
                if (t < best_a)
                    best_a = t;
                t = now();
                vv = ub_utf8_valid_prefix_at(level, s, n);
                t = now() - t;
                if (t < best_v)
                    best_v = t;
            }
            char ascii_col[32] = "-";
            if (va == n && ub_ascii_prefix_at(level, s, n) == n)
                snprintf(ascii_col, sizeof ascii_col, "%.0f", (double)va / best_a / 1e6);
            printf("%-24s %-9s %14s %14.0f%s\n", base, names[level], ascii_col,
                   (double)vv / best_v / 1e6, vv < n ? "  (invalid: stopped early)" : "");
        }
        free(s);
    }
    return 0;
}
