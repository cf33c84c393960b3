/*
 * lines.c -- turn stream offsets into LINE:COL in bounded memory.
 *
 * Reports arrive in offset order, at most UNBAKE_WINDOW bytes behind the
 * input pushed so far (the library holds back no more than that).  So we
 * keep counters for one offset (cur) plus the input bytes after it, and
 * advance the counters lazily: on a report, or when the history grows past
 * UB_LINES_KEEP, which is several windows to spare.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void ub_lines_init(struct ub_lines *l)
{
    memset(l, 0, sizeof *l);
    l->line = 1;
}

void ub_lines_free(struct ub_lines *l)
{
    free(l->hist);
    memset(l, 0, sizeof *l);
}

static void count(struct ub_lines *l, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            l->line++;
            l->col = 0;
        } else if ((p[i] & 0xC0) != 0x80) {
            l->col++;
        }
    }
    l->cur += n;
}

/* Count the first n history bytes and drop them. */
static void advance(struct ub_lines *l, size_t n)
{
    count(l, (const unsigned char *)l->hist + l->start, n);
    l->start += n;
    l->len -= n;
}

int ub_lines_add(struct ub_lines *l, const void *data, size_t len)
{
    const unsigned char *p = data;
    if (l->len + len > UB_LINES_KEEP) {
        size_t excess = l->len + len - UB_LINES_KEEP;
        size_t old = excess < l->len ? excess : l->len;
        advance(l, old);
        /* The rest of the excess is the front of the new chunk itself. */
        count(l, p, excess - old);
        p += excess - old;
        len -= excess - old;
    }
    if (l->start + l->len + len > l->cap) {
        if (l->len)
            memmove(l->hist, l->hist + l->start, l->len);
        l->start = 0;
        if (l->len + len > l->cap) {
            /* Twice what is needed, so the memmove above stays rare. */
            size_t cap = 2 * (l->len + len);
            if (cap < 4096)
                cap = 4096;
            char *h = realloc(l->hist, cap);
            if (!h)
                return -1;
            l->hist = h;
            l->cap = cap;
        }
    }
    if (len)
        memcpy(l->hist + l->start + l->len, p, len);
    l->len += len;
    return 0;
}

int ub_lines_at(struct ub_lines *l, uint64_t off, uint64_t *line, uint64_t *col)
{
    if (off < l->cur || off - l->cur > l->len)
        return -1;
    advance(l, (size_t)(off - l->cur));
    *line = l->line;
    *col = l->col + 1;
    return 0;
}
