/*
 * display.c -- messages on stderr, and quoting text for display.
 *
 * Every message starts with "unbake: " and goes through ub_msg() so one
 * verbosity level governs them all (0 silent, 1 errors, 2 warnings,
 * 3 progress, 4 debug).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int ub_verbosity = 2;

void ub_msg(int level, const char *fmt, ...)
{
    if (ub_verbosity < level)
        return;
    /* Build the line first so that workers' messages do not interleave. */
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    fprintf(stderr, "unbake: %s\n", line);
}

const char *ub_display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "(standard input)" : path;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2; cp = c & 0x1F; min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3; cp = c & 0x0F; min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4; cp = c & 0x07; min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Is the valid sequence p (length l) a character to show escaped? */
static int invisible(const unsigned char *p, size_t l)
{
    if (l == 2)
        return p[0] == 0xC2 && (p[1] < 0xA0 || p[1] == 0xA0 || p[1] == 0xAD);
    if (l == 3 && p[0] == 0xE2 && p[1] == 0x80)
        return (p[2] >= 0x8B && p[2] <= 0x8F) || (p[2] >= 0xA8 && p[2] <= 0xAE);
    if (l == 3 && p[0] == 0xE2 && p[1] == 0x81)
        return p[2] >= 0xA0 && p[2] <= 0xA4;
    return l == 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF;
}

char *ub_quote(const char *s, size_t len, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    /* Worst case: every byte becomes \xHH (4 bytes) or \u0080 (6 from 2). */
    size_t lim = len < max ? len : max;
    char *out = malloc(lim * 4 + 8);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < lim) {
        unsigned char c = p[i];
        size_t l = utf8_len(p + i, len - i);
        if (l == 0) {
            o += (size_t)sprintf(out + o, "\\x%02X", c);
            i++;
        } else if (l == 1) {
            switch (c) {
            case '\n': memcpy(out + o, "\\n", 2); o += 2; break;
            case '\r': memcpy(out + o, "\\r", 2); o += 2; break;
            case '\t': memcpy(out + o, "\\t", 2); o += 2; break;
            case '"':  memcpy(out + o, "\\\"", 2); o += 2; break;
            case '\\': memcpy(out + o, "\\\\", 2); o += 2; break;
            default:
                if (c < 0x20 || c == 0x7F)
                    o += (size_t)sprintf(out + o, "\\x%02X", c);
                else
                    out[o++] = (char)c;
            }
            i++;
        } else if (invisible(p + i, l)) {
            /* C1 controls, NBSP, soft hyphens and format characters are
             * common in mojibake, and invisible or blank on a terminal. */
            unsigned cp = l == 2 ? (unsigned)(c & 0x1F) << 6 | (p[i + 1] & 0x3F)
                                 : (unsigned)(c & 0x0F) << 12 | (unsigned)(p[i + 1] & 0x3F) << 6 |
                                       (p[i + 2] & 0x3F);
            o += (size_t)sprintf(out + o, "\\u%04X", cp);
            i += l;
        } else {
            if (i + l > lim)
                break;
            memcpy(out + o, p + i, l);
            o += l;
            i += l;
        }
    }
    if (i < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}
