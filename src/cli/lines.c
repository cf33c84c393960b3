/*
 * lines.c -- LINE:COL of the library's reports, in bounded memory.
 *
 * Report offsets count bytes of the UTF-8 text the library decided on:
 * the input itself when it is UTF-8, else what the input stage decoded it
 * to (UTF-16, UTF-32, a legacy encoding, --from).  We never see that text,
 * but we see the output, and the output is that text with each repaired
 * run (report->in) replaced by its repair (report->out).  So the text is
 * rebuilt from both: output bytes up to a report's out_offset are text as
 * they are, then come the report's in bytes, then the output resumes
 * after the repair.
 *
 * Output bytes wait in a history until counted: up to a report's
 * out_offset when the report arrives (the library writes what precedes a
 * run before it reports the run), and the oldest ones when the history
 * grows past UB_LINES_KEEP, several windows more than a report can lag.
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
    l->hist = NULL;
    l->start = l->len = l->cap = 0;
}

/* Length of a complete valid UTF-8 sequence at p (n bytes): > 0 valid,
 * 0 invalid, -1 a valid prefix cut short by the end of the data. */
static int seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    int len;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : lo;
        hi = c == 0xED ? 0x9F : hi;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : lo;
        hi = c == 0xF4 ? 0x8F : hi;
    } else {
        return 0;
    }
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        if (i == 1 ? (p[i] < lo || p[i] > hi) : (p[i] & 0xC0) != 0x80)
            return 0;
    }
    return len;
}

int ub_utf8_valid(const void *s, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; ) {
        int sl = seq_len(p + i, n - i);
        if (sl <= 0)
            return 0;
        i += (size_t)sl;
    }
    return 1;
}

/* One character of text.  A byte order mark at the very start of the
 * text is no column: editors do not show it. */
static void count_char(struct ub_lines *l, const unsigned char *s, int len)
{
    if (s[0] == '\n') {
        l->line++;
        l->col = 0;
    } else if (!(l->text_off == 0 && len == 3 && !memcmp(s, "\xEF\xBB\xBF", 3))) {
        l->col++;
    }
    l->text_off += (uint64_t)len;
}

/* A byte that is not UTF-8: one column. */
static void count_invalid(struct ub_lines *l, unsigned char b, int tell)
{
    if (tell && l->on_invalid)
        l->on_invalid(l->user, l->text_off, l->line, l->col + 1, b);
    l->col++;
    l->text_off++;
}

/* Count p[0..n) as text, telling on_invalid (if tell) about each byte that
 * is not UTF-8.  Returns how many bytes were counted: all but a sequence
 * cut by the end of the data, unless final. */
static size_t scan(struct ub_lines *l, const unsigned char *p, size_t n, int final, int tell)
{
    size_t i = 0;
    while (i < n) {
        int sl = seq_len(p + i, n - i);
        if (sl < 0 && !final)
            break;
        if (sl <= 0) {
            count_invalid(l, p[i++], tell);
        } else {
            count_char(l, p + i, sl);
            i += (size_t)sl;
        }
    }
    return i;
}

/* Output bytes that no report covers: text that reaches the output as it
 * is.  A sequence cut by the end of one piece waits in carry for the next;
 * final says no more bytes will join it (a run or the end follows). */
static void plain(struct ub_lines *l, const unsigned char *p, size_t n, int final)
{
    while (l->ncarry) {
        int sl = seq_len(l->carry, l->ncarry);
        if (sl < 0 && n) {
            l->carry[l->ncarry++] = *p++;
            n--;
            continue;
        }
        if (sl < 0 && !final)
            return;
        if (sl > 0) {
            count_char(l, l->carry, sl);
            l->ncarry = 0;
        } else {
            /* its first byte is not UTF-8; the others are looked at again */
            count_invalid(l, l->carry[0], 1);
            memmove(l->carry, l->carry + 1, --l->ncarry);
        }
    }
    size_t done = scan(l, p, n, final, 1);
    if (n > done)       /* p may be NULL when n is 0 */
        memcpy(l->carry, p + done, n - done);
    l->ncarry = n - done;
}

/* Count the first n history bytes as text and drop them. */
static void advance(struct ub_lines *l, size_t n, int final)
{
    plain(l, (const unsigned char *)l->hist + l->start, n, final);
    l->start += n;
    l->len -= n;
    l->out_off += n;
}

void ub_lines_output(struct ub_lines *l, const void *data, size_t len)
{
    const unsigned char *p = data;
    if (l->lost)
        return;
    if (l->skip) {
        /* the repair of a run, counted from its report */
        size_t k = l->skip < len ? (size_t)l->skip : len;
        l->skip -= k;
        l->out_off += k;
        p += k;
        len -= k;
    }
    if (!len)
        return;
    if (l->len + len > UB_LINES_KEEP) {
        size_t excess = l->len + len - UB_LINES_KEEP;
        size_t old = excess < l->len ? excess : l->len;
        advance(l, old, 0);
        /* the rest of the excess is the front of the new data itself */
        plain(l, p, excess - old, 0);
        l->out_off += excess - old;
        p += excess - old;
        len -= excess - old;
    }
    if (l->start + l->len + len > l->cap) {
        if (l->len)
            memmove(l->hist, l->hist + l->start, l->len);
        l->start = 0;
        if (l->len + len > l->cap) {
            /* twice what is needed, so the memmove above stays rare */
            size_t cap = 2 * (l->len + len);
            if (cap < 4096)
                cap = 4096;
            char *h = realloc(l->hist, cap);
            if (!h) {
                /* positions are a nicety: give them up, not the repair */
                l->lost = 1;
                return;
            }
            l->hist = h;
            l->cap = cap;
        }
    }
    memcpy(l->hist + l->start + l->len, p, len);
    l->len += len;
}

int ub_lines_report(struct ub_lines *l, const unbake_report *r, uint64_t *line, uint64_t *col)
{
    if (l->lost || r->out_offset < l->out_off || r->out_offset - l->out_off > l->len)
        goto lost;
    /* The text before the run is the output before its repair: both
     * offsets are the same distance ahead of what was counted -- except
     * that a byte order mark the library stripped is text (3 bytes) but
     * not output. */
    uint64_t before = r->out_offset - l->out_off;
    if (r->in_offset < l->text_off + before)
        goto lost;
    uint64_t base = r->in_offset - (l->text_off + before);
    if (!l->aligned) {
        if (base != 0 && base != 3)
            goto lost;
        l->aligned = 1;
        l->base = base;
    } else if (base != l->base) {
        goto lost;
    }
    advance(l, (size_t)before, 1);
    *line = l->line;
    *col = l->col + 1;
    /* the run itself is text (report->in), gone from the output */
    scan(l, (const unsigned char *)r->in, r->in_len, 1, 0);
    size_t have = l->len < r->out_len ? l->len : r->out_len;
    l->start += have;
    l->len -= have;
    l->out_off += have;
    l->skip = r->out_len - have;
    return 0;
lost:
    l->lost = 1;
    return -1;
}

void ub_lines_end(struct ub_lines *l)
{
    if (!l->lost)
        advance(l, l->len, 1);
}
