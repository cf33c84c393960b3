/*
 * roundtrip.c -- `unbake roundtrip --via=CODEC`: would these UTF-8 files
 * survive an export to CODEC and an import back?
 *
 * Each distinct character is converted to CODEC and back once with ICU
 * (substitution turned off, so "cannot encode" is an error rather than a
 * '?'), and the verdict is cached.  A character fails when it cannot be
 * encoded, or comes back as something else (a best-fit mapping).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/utf16.h>

#include "cli.h"
#include "icu.h"

#define SHOW_MAX 10             /* failures listed per file */
#define CACHE_SLOTS 8192u

struct cache_slot {
    uint32_t cp_plus1;          /* 0: empty */
    int ok;
    char back[16];              /* what it came back as (UTF-8), if not ok */
};

struct rt {
    UConverter *cnv;
    const char *codec;
    struct cache_slot *cache;
};

/* Convert one code point there and back.  ok: 1 survives, 0 does not. */
static const struct cache_slot *verdict(struct rt *rt, uint32_t cp)
{
    uint32_t h0 = (cp * 2654435761u) & (CACHE_SLOTS - 1), h = h0;
    /* Bounded probing; when the neighbourhood is full, evict. */
    for (int probe = 0; probe < 16; probe++, h = (h + 1) & (CACHE_SLOTS - 1)) {
        if (rt->cache[h].cp_plus1 == cp + 1)
            return &rt->cache[h];
        if (rt->cache[h].cp_plus1 == 0)
            break;
    }
    struct cache_slot *s = &rt->cache[rt->cache[h].cp_plus1 == 0 ? h : h0];
    UChar u[2], back[8];
    int32_t un = 0;
    UBool err = 0;
    U16_APPEND(u, un, 2, (UChar32)cp, err);
    char bytes[32];
    UErrorCode ec = U_ZERO_ERROR;
    ucnv_reset(rt->cnv);
    int32_t bn = ucnv_fromUChars(rt->cnv, bytes, sizeof bytes, u, un, &ec);
    s->ok = 0;
    s->back[0] = '\0';
    if (!err && U_SUCCESS(ec)) {
        ec = U_ZERO_ERROR;
        ucnv_reset(rt->cnv);
        int32_t backn = ucnv_toUChars(rt->cnv, back, 8, bytes, bn, &ec);
        if (U_SUCCESS(ec)) {
            s->ok = backn == un && memcmp(back, u, (size_t)un * sizeof *u) == 0;
            if (!s->ok) {
                int32_t n8 = 0;
                UErrorCode e8 = U_ZERO_ERROR;
                u_strToUTF8(s->back, sizeof s->back - 1, &n8, back, backn, &e8);
                if (U_FAILURE(e8))
                    s->back[0] = '\0';
                else
                    s->back[n8] = '\0';
            }
        }
    }
    s->cp_plus1 = cp + 1;
    return s;
}

/* Decode one UTF-8 sequence; returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* Returns failures found (>= 0), or -1 on an I/O error (reported). */
static long check_file(struct rt *rt, const char *path)
{
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = ub_display_name(path);
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        ub_msg(1, "%s: cannot open: %s", name, strerror(errno));
        return -1;
    }
    unsigned char *buf = malloc(UB_CHUNK + 4);
    size_t have = 0;
    uint64_t line = 1, col = 1;
    long failures = 0;
    int eof = 0;
    if (!buf) {
        ub_msg(1, "%s: %s", name, strerror(ENOMEM));
        failures = -1;
        goto out;
    }
    while (!eof || have) {
        if (!eof) {
            ssize_t n = ub_read_full(fd, buf + have, UB_CHUNK);
            if (n < 0) {
                ub_msg(1, "%s: read error: %s", name, strerror(errno));
                failures = -1;
                goto out;
            }
            eof = n == 0;
            have += (size_t)n;
        }
        size_t i = 0;
        while (i < have) {
            uint32_t cp;
            size_t l = utf8_decode(buf + i, have - i, &cp);
            if (l == 0 && !eof && have - i < 4)
                break;      /* maybe cut by the chunk boundary */
            int bad = 0;
            char msg[256];
            if (l == 0) {
                bad = 1;
                snprintf(msg, sizeof msg, "byte 0x%02X is not valid UTF-8", buf[i]);
                l = 1;
            } else {
                const struct cache_slot *s = verdict(rt, cp);
                if (!s->ok) {
                    bad = 1;
                    char *q = ub_quote((const char *)buf + i, l, 16);
                    char *qb = ub_quote(s->back, strlen(s->back), 16);
                    if (s->back[0])
                        snprintf(msg, sizeof msg, "U+%04X \"%s\" comes back from %s as \"%s\"",
                                 (unsigned)cp, q ? q : "", rt->codec, qb ? qb : "");
                    else
                        snprintf(msg, sizeof msg, "U+%04X \"%s\" cannot be encoded in %s",
                                 (unsigned)cp, q ? q : "", rt->codec);
                    free(q);
                    free(qb);
                }
            }
            if (bad && ++failures <= SHOW_MAX)
                printf("%s:%llu:%llu: %s\n", name, (unsigned long long)line,
                       (unsigned long long)col, msg);
            if (buf[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
            i += l;
        }
        memmove(buf, buf + i, have - i);
        have -= i;
    }
    if (failures > SHOW_MAX)
        printf("%s: %ld characters do not survive %s (first %d shown)\n", name, failures,
               rt->codec, SHOW_MAX);
out:
    free(buf);
    if (!is_stdin)
        close(fd);
    return failures;
}

static int list_icu(void)
{
    ub_icu_ready();
    int32_t n = ucnv_countAvailable();
    for (int32_t i = 0; i < n; i++)
        printf("%s\n", ucnv_getAvailableName(i));
    return UB_EXIT_OK;
}

int ub_roundtrip_main(const struct ub_opts *o)
{
    static const char *const stdin_only[] = { "-" };
    if (o->list_codecs)
        return list_icu();
    struct rt rt = { NULL, o->via, NULL };
    int rc = UB_EXIT_OK, errors = 0;
    long failures = 0;
    UErrorCode ec = U_ZERO_ERROR;
    rt.cnv = ub_icu_open(o->via, &ec);
    if (U_FAILURE(ec) || !rt.cnv) {
        fprintf(stderr, "unbake: roundtrip: unknown codec '%s' (see 'unbake roundtrip --list-codecs')\n",
                o->via);
        return UB_EXIT_ERROR;
    }
    ec = U_ZERO_ERROR;
    ucnv_setFromUCallBack(rt.cnv, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &ec);
    ucnv_setToUCallBack(rt.cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &ec);
    rt.cache = calloc(CACHE_SLOTS, sizeof *rt.cache);
    if (U_FAILURE(ec) || !rt.cache) {
        ub_msg(1, "roundtrip: cannot set up %s", o->via);
        rc = UB_EXIT_ERROR;
        goto out;
    }
    const char *const *files = o->n_files ? o->files : stdin_only;
    size_t n = o->n_files ? o->n_files : 1;
    for (size_t i = 0; i < n; i++) {
        long f = check_file(&rt, files[i]);
        if (f < 0)
            errors++;
        else
            failures += f;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        ub_msg(1, "standard output: write error: %s", strerror(errno));
        errors++;
    }
    rc = errors ? UB_EXIT_ERROR : failures ? UB_EXIT_FOUND : UB_EXIT_OK;
out:
    free(rt.cache);
    ucnv_close(rt.cnv);
    return rc;
}
