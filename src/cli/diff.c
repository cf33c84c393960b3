/*
 * diff.c -- a unified diff of a file and its repaired version.
 *
 * A repair replaces runs of non-ASCII text and never touches a newline, so
 * the two versions have the same lines in the same order and a diff is
 * just the changed lines with three lines of context: no LCS needed.  If
 * the line counts ever differ, the whole file is one hunk.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CONTEXT 3

struct line {
    const char *p;
    size_t len;         /* without the '\n' */
    int nl;             /* ends with '\n' */
};

static struct line *split(const char *s, size_t len, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        count += s[i] == '\n';
    count += len && s[len - 1] != '\n';
    struct line *v = malloc((count ? count : 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            if (i == len && start == len)
                break;
            v[k++] = (struct line){ s + start, i - start, i < len };
            start = i + 1;
        }
    }
    *n = k;
    return v;
}

static void put(char sign, const struct line *l)
{
    putchar(sign);
    fwrite(l->p, 1, l->len, stdout);
    putchar('\n');
    if (!l->nl)
        fputs("\\ No newline at end of file\n", stdout);
}

static int same(const struct line *x, const struct line *y)
{
    return x->len == y->len && x->nl == y->nl && memcmp(x->p, y->p, x->len) == 0;
}

static void hunk(size_t a0, size_t an, size_t b0, size_t bn)
{
    printf("@@ -%zu,%zu +%zu,%zu @@\n", an ? a0 + 1 : a0, an, bn ? b0 + 1 : b0, bn);
}

int ub_diff_print(const char *name, const char *a, size_t alen, const char *b, size_t blen)
{
    size_t na, nb;
    struct line *la = split(a, alen, &na), *lb = split(b, blen, &nb);
    int rc = -1;
    if (!la || !lb) {
        errno = ENOMEM;
        goto out;
    }
    printf("--- %s\n+++ %s\n", name, name);
    if (na != nb) {
        hunk(0, na, 0, nb);
        for (size_t i = 0; i < na; i++)
            put('-', &la[i]);
        for (size_t i = 0; i < nb; i++)
            put('+', &lb[i]);
    } else {
        size_t i = 0;
        while (i < na) {
            if (same(&la[i], &lb[i])) {
                i++;
                continue;
            }
            /* A hunk: extend while changed lines are within 2*CONTEXT. */
            size_t first = i, last = i;
            for (size_t j = i + 1; j < na && j <= last + 2 * CONTEXT; j++)
                if (!same(&la[j], &lb[j]))
                    last = j;
            size_t from = first > CONTEXT ? first - CONTEXT : 0;
            size_t to = last + CONTEXT + 1 < na ? last + CONTEXT + 1 : na;
            hunk(from, to - from, from, to - from);
            for (size_t j = from; j < to; j++) {
                if (same(&la[j], &lb[j])) {
                    put(' ', &la[j]);
                } else {
                    /* Consecutive changed lines: all '-' then all '+'. */
                    size_t k = j;
                    while (k < to && !same(&la[k], &lb[k]))
                        k++;
                    for (size_t m = j; m < k; m++)
                        put('-', &la[m]);
                    for (size_t m = j; m < k; m++)
                        put('+', &lb[m]);
                    j = k - 1;
                }
            }
            i = to;
        }
    }
    rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
out:
    free(la);
    free(lb);
    return rc;
}
