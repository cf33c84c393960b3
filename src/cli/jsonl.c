/*
 * jsonl.c -- --jsonl=FIELD: repair one string field of each JSON Lines record.
 *
 * jansson parses the record (so only valid JSON is touched) and gives the
 * field's decoded value; a small scanner finds where that value sits in
 * the raw line, and only those bytes are replaced, by the repaired string
 * encoded again as JSON.  Everything else in the record (key order,
 * spacing, number formatting, other escapes) stays byte for byte.  A value
 * written with \u escapes for non-ASCII (as Python's json.dumps does) is
 * written back the same way.
 *
 * Records that are not JSON objects with a string FIELD pass through
 * unchanged (a warning names the line).  In --explain, LINE is the record's
 * line and COL counts characters in the field's decoded value.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static size_t skip_ws(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    return i;
}

/* s[i] is '"': return the index after the closing quote, or 0. */
static size_t skip_string(const char *s, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Skip one JSON value starting at s[i] (already validated by jansson). */
static size_t skip_value(const char *s, size_t i, size_t n)
{
    if (i >= n)
        return 0;
    if (s[i] == '"')
        return skip_string(s, i, n);
    if (s[i] == '{' || s[i] == '[') {
        int depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                i = skip_string(s, i, n);
                if (!i)
                    return 0;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return 0;
    }
    while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t' &&
           s[i] != '\r' && s[i] != '\n')
        i++;
    return i;
}

/* Find the raw span [*vs, *ve) of the last top-level member named field. */
static int find_member(const char *s, size_t n, const char *field, size_t flen, size_t *vs,
                       size_t *ve)
{
    size_t i = skip_ws(s, 0, n);
    int found = 0;
    if (i >= n || s[i] != '{')
        return 0;
    i = skip_ws(s, i + 1, n);
    while (i < n && s[i] == '"') {
        size_t ke = skip_string(s, i, n);
        if (!ke)
            return 0;
        json_error_t err;
        json_t *key = json_loadb(s + i, ke - i, JSON_DECODE_ANY, &err);
        int match = key && json_is_string(key) && json_string_length(key) == flen &&
                    memcmp(json_string_value(key), field, flen) == 0;
        json_decref(key);
        i = skip_ws(s, ke, n);
        if (i >= n || s[i] != ':')
            return 0;
        i = skip_ws(s, i + 1, n);
        size_t end = skip_value(s, i, n);
        if (!end)
            return 0;
        if (match) {
            *vs = i;
            *ve = end;
            found = 1;
        }
        i = skip_ws(s, end, n);
        if (i < n && s[i] == ',')
            i = skip_ws(s, i + 1, n);
    }
    return found;
}

struct jsonl {
    const struct ub_opts *o;
    unbake_ctx *ctx;
    struct ub_sink *out;
    struct ub_tally *tally;
};

/* Repair one record (line without its end).  Writes the result. */
static int do_record(struct jsonl *j, const char *name, unsigned long lineno, const char *line,
                     size_t len)
{
    json_error_t err;
    size_t flen = strlen(j->o->jsonl_field);
    json_t *rec = len ? json_loadb(line, len, JSON_ALLOW_NUL, &err) : NULL;
    json_t *val = rec && json_is_object(rec) ? json_object_get(rec, j->o->jsonl_field) : NULL;
    size_t vs = 0, ve = 0;
    int rc = 0;
    if (!val || !json_is_string(val) || !find_member(line, len, j->o->jsonl_field, flen, &vs, &ve)) {
        if (len)
            ub_msg(2, "%s:%lu: not a JSON object with a string '%s'; passed through", name,
                   lineno, j->o->jsonl_field);
        json_decref(rec);
        return ub_sink_write(j->out, line, len);
    }
    const char *v = json_string_value(val);
    size_t vlen = json_string_length(val);

    struct ub_stream st;
    memset(&st, 0, sizeof st);
    st.opts = j->o;
    st.name = name;
    st.explain = j->o->explain;
    st.tally = j->tally;
    struct ub_membuf fixed = { 0 };
    ub_lines_init(&st.lines);
    st.lines.line = lineno;
    st.track = st.explain;
    struct ub_tee tee = { ub_membuf_write, &fixed, &st };
    unbake_ctx_set_report(j->ctx, ub_stream_report, &st);
    int r = unbake_begin(j->ctx, ub_tee_write, &tee);
    if (r == 0)
        r = unbake_push(j->ctx, v, vlen);
    long runs = r == 0 ? unbake_finish(j->ctx) : r;
    unbake_ctx_set_report(j->ctx, NULL, NULL);
    ub_lines_free(&st.lines);
    if (runs < 0) {
        ub_msg(1, "%s:%lu: repair failed: %s", name, lineno, unbake_strerror((int)runs));
        rc = ub_sink_write(j->out, line, len);
        goto out;
    }
    if (runs == 0) {
        rc = ub_sink_write(j->out, line, len);
        goto out;
    }
    /* Write it back the way it was written: \u escapes if the raw value
     * had non-ASCII only as escapes, "\/" if it escaped slashes. */
    int raw_ascii = 1, value_ascii = 1;
    for (size_t i = vs; i < ve; i++)
        raw_ascii &= (unsigned char)line[i] < 0x80;
    for (size_t i = 0; i < vlen; i++)
        value_ascii &= (unsigned char)v[i] < 0x80;
    size_t flags = JSON_ENCODE_ANY | JSON_COMPACT;
    if (raw_ascii && !value_ascii)
        flags |= JSON_ENSURE_ASCII;
    if (memmem(line + vs, ve - vs, "\\/", 2))
        flags |= JSON_ESCAPE_SLASH;
    json_t *nv = json_stringn(fixed.p ? fixed.p : "", fixed.len);
    char *enc = nv ? json_dumps(nv, flags) : NULL;
    json_decref(nv);
    if (!enc) {
        ub_msg(2, "%s:%lu: repaired value is not valid UTF-8; passed through", name, lineno);
        rc = ub_sink_write(j->out, line, len);
        goto out;
    }
    if (flags & JSON_ENSURE_ASCII) {
        /* jansson writes \u00E9; Python, which wrote most such files, \u00e9. */
        for (char *p = enc; (p = strstr(p, "\\u")); p += 2)
            for (int k = 2; k < 6 && p[k]; k++)
                if (p[k] >= 'A' && p[k] <= 'F')
                    p[k] = (char)(p[k] - 'A' + 'a');
    }
    rc = ub_sink_write(j->out, line, vs);
    if (rc == 0)
        rc = ub_sink_write(j->out, enc, strlen(enc));
    if (rc == 0)
        rc = ub_sink_write(j->out, line + ve, len - ve);
    free(enc);
out:
    free(fixed.p);
    json_decref(rec);
    return rc;
}

int ub_jsonl_main(const struct ub_opts *o)
{
    static const char *const stdin_only[] = { "-" };
    const char *const *files = o->n_files ? o->files : stdin_only;
    size_t n_files = o->n_files ? o->n_files : 1;
    struct jsonl j = { o, ub_ctx_new(o), malloc(sizeof(struct ub_sink)), NULL };
    int rc = UB_EXIT_OK;
    char *line = NULL;
    size_t cap = 0;
    if (!j.ctx || !j.out) {
        ub_msg(1, "out of memory");
        rc = UB_EXIT_FAIL;
        goto out;
    }
    ub_sink_init(j.out, STDOUT_FILENO, "standard output");
    for (size_t f = 0; f < n_files && !j.out->err; f++) {
        int is_stdin = strcmp(files[f], "-") == 0;
        const char *name = ub_display_name(files[f]);
        FILE *in = is_stdin ? stdin : fopen(files[f], "rb");
        if (!in) {
            ub_msg(1, "%s: cannot open: %s", name, strerror(errno));
            rc = UB_EXIT_FAIL;
            continue;
        }
        ssize_t n;
        unsigned long lineno = 0;
        errno = 0;
        while ((n = getline(&line, &cap, in)) > 0) {
            lineno++;
            size_t len = (size_t)n, end = len;
            if (end && line[end - 1] == '\n')
                end--;
            if (end && line[end - 1] == '\r')
                end--;
            if (do_record(&j, name, lineno, line, end) < 0 ||
                ub_sink_write(j.out, line + end, len - end) < 0)
                break;
        }
        if (ferror(in)) {
            ub_msg(1, "%s: read error: %s", name, strerror(errno));
            rc = UB_EXIT_FAIL;
        }
        if (!is_stdin)
            fclose(in);
    }
    if (ub_sink_flush(j.out) < 0 || j.out->err) {
        ub_msg(1, "%s: write error: %s", j.out->name, strerror(j.out->err));
        rc = UB_EXIT_FAIL;
    }
out:
    free(line);
    free(j.out);
    unbake_ctx_free(j.ctx);
    return rc;
}
