/*
 * check.c -- `unbake check`: report mojibake and invalid UTF-8, change nothing.
 *
 * Findings come from two places: the library's reports (runs it would
 * repair) and our own scan for bytes that are not UTF-8, which the library
 * passes through.  The scan runs on each chunk before the library sees it,
 * so its findings are queued and released in offset order, just before the
 * first report past them (or at the end); an invalid span that a report
 * covers is the library's to describe and is dropped.
 *
 * Formats: text (FILE:LINE:COL: HYPOTHESIS: SNIPPET -> FIX), json (one
 * object per line, so a clean tree prints nothing) and sarif (one SARIF
 * 2.1.0 log, always printed, as code-scanning uploads expect).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define SNIPPET 60
#define MAX_PENDING 4096

struct span {
    uint64_t off;
    size_t len;
    unsigned char bytes[16];    /* the first bytes, for the snippet */
};

struct checker {
    const struct ub_opts *o;
    struct ub_stream *st;
    const char *path;           /* as given (SARIF uri) */
    unsigned long findings;
    int write_error;
    json_t *sarif_results;
    /* invalid UTF-8 scan */
    unsigned char carry[4];
    size_t carry_len;
    uint64_t carry_off;
    struct span *pending;
    size_t n_pending;
};

/* ------------------------------------------------------------ output */

static char *percent_encode(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            out[o++] = (char)*p;
        else
            o += (size_t)sprintf(out + o, "%%%02X", *p);
    }
    out[o] = '\0';
    return out;
}

static void emit(struct checker *c, uint64_t off, const char *kind, const char *hypothesis,
                 const char *in, size_t in_len, const char *out, size_t out_len, double score)
{
    uint64_t line = 0, col = 0;
    int have_pos = ub_lines_at(&c->st->lines, off, &line, &col) == 0;
    char *qin = ub_quote(in, in_len, SNIPPET);
    char *qout = out ? ub_quote(out, out_len, SNIPPET) : NULL;
    c->findings++;
    if (!qin || (out && !qout))
        goto out;

    if (c->o->format == UB_FMT_TEXT) {
        if (have_pos)
            printf("%s:%llu:%llu: %s: \"%s\" -> %s%s%s\n", c->st->name, (unsigned long long)line,
                   (unsigned long long)col, hypothesis, qin, out ? "\"" : "", out ? qout : "no fix",
                   out ? "\"" : "");
        else
            printf("%s:@%llu: %s: \"%s\" -> %s%s%s\n", c->st->name, (unsigned long long)off,
                   hypothesis, qin, out ? "\"" : "", out ? qout : "no fix", out ? "\"" : "");
        goto out;
    }

    if (c->o->format == UB_FMT_JSON) {
        json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:s}", "file", c->st->name,
                              "line", (json_int_t)line, "column", (json_int_t)col,
                              "offset", (json_int_t)off, "length", (json_int_t)in_len,
                              "kind", kind, "hypothesis", hypothesis, "text", qin);
        if (j && out)
            json_object_set_new(j, "fix", json_string(qout));
        if (j && out)
            json_object_set_new(j, "score", json_real(score));
        char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (s)
            printf("%s\n", s);
        free(s);
        json_decref(j);
        goto out;
    }

    /* SARIF: collected, printed at the end. */
    char msg[512];
    if (out)
        snprintf(msg, sizeof msg, "%s: \"%s\" -> \"%s\"", hypothesis, qin, qout);
    else
        snprintf(msg, sizeof msg, "%s: \"%s\"", hypothesis, qin);
    char *uri = percent_encode(c->path);
    json_t *region = json_pack("{s:I, s:I, s:{s:s}}", "startLine", (json_int_t)(line ? line : 1),
                               "startColumn", (json_int_t)(col ? col : 1), "snippet", "text", qin);
    json_t *res = json_pack("{s:s, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:o}}]}",
                            "ruleId", kind, "level", "warning", "message", "text", msg,
                            "locations", "physicalLocation", "artifactLocation", "uri",
                            uri ? uri : "", "region", region);
    if (res)
        json_array_append_new(c->sarif_results, res);
    free(uri);
out:
    if (ferror(stdout))
        c->write_error = 1;
    free(qin);
    free(qout);
}

/* ------------------------------------------------------------ invalid UTF-8 */

static void emit_span(struct checker *c, const struct span *s)
{
    emit(c, s->off, "invalid-utf8", "invalid UTF-8", (const char *)s->bytes,
         s->len < sizeof s->bytes ? s->len : sizeof s->bytes, NULL, 0, 0.0);
}

/* Release the pending spans that end at or before off. */
static void release(struct checker *c, uint64_t off)
{
    size_t k = 0;
    while (k < c->n_pending && c->pending[k].off + c->pending[k].len <= off)
        emit_span(c, &c->pending[k++]);
    memmove(c->pending, c->pending + k, (c->n_pending - k) * sizeof *c->pending);
    c->n_pending -= k;
}

static void add_invalid(struct checker *c, uint64_t off, unsigned char b)
{
    if (c->n_pending) {
        struct span *last = &c->pending[c->n_pending - 1];
        if (last->off + last->len == off) {
            if (last->len < sizeof last->bytes)
                last->bytes[last->len] = b;
            last->len++;
            return;
        }
    }
    if (c->n_pending == MAX_PENDING) {
        /* The library holds back at most a window: far older spans cannot
         * be covered by a report any more. */
        release(c, off > 2 * UNBAKE_WINDOW ? off - 2 * UNBAKE_WINDOW : 0);
        if (c->n_pending == MAX_PENDING) {
            emit_span(c, &c->pending[0]);
            memmove(c->pending, c->pending + 1, (c->n_pending - 1) * sizeof *c->pending);
            c->n_pending--;
        }
    }
    struct span *s = &c->pending[c->n_pending++];
    s->off = off;
    s->len = 1;
    s->bytes[0] = b;
}

/* Length of a complete valid sequence at p (n bytes available): >0 valid,
 * 0 invalid, -1 a valid prefix cut short by the end of the data. */
static int seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else
        return 0;
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        unsigned char b = p[i];
        if (i == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80)
            return 0;
    }
    return len;
}

static void scan(struct checker *c, const unsigned char *p, size_t n, uint64_t off, int final)
{
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        int l = seq_len(p + i, n - i);
        if (l > 0) {
            i += (size_t)l;
        } else if (l < 0 && !final) {
            /* Keep the incomplete tail for the next chunk. */
            c->carry_len = n - i;
            memcpy(c->carry, p + i, c->carry_len);
            c->carry_off = off + i;
            return;
        } else {
            add_invalid(c, off + i, p[i]);
            i++;
        }
    }
    c->carry_len = 0;
}

static void on_input(struct ub_stream *st, const unsigned char *p, size_t n, uint64_t off)
{
    struct checker *c = st->user;
    if (c->carry_len) {
        /* Finish the sequence cut at the previous chunk's end. */
        unsigned char tmp[8];
        size_t k = c->carry_len, take = n < 4 ? n : 4;
        memcpy(tmp, c->carry, k);
        memcpy(tmp + k, p, take);
        int l = seq_len(tmp, k + take);
        uint64_t coff = c->carry_off;
        c->carry_len = 0;
        if (l > 0) {
            p += (size_t)l - k;
            n -= (size_t)l - k;
            off += (uint64_t)l - k;
        } else if (l < 0 && take == n) {
            /* Still incomplete: keep accumulating. */
            memcpy(c->carry, tmp, k + take);
            c->carry_len = k + take;
            c->carry_off = coff;
            return;
        } else {
            /* The first carried byte is invalid; rescan the rest with the
             * new chunk (at most 3 bytes, all >= 0x80). */
            add_invalid(c, coff, tmp[0]);
            for (size_t m = 1; m < k; m++)
                add_invalid(c, coff + m, tmp[m]);
        }
    }
    scan(c, p, n, off, 0);
}

static void on_end(struct ub_stream *st)
{
    struct checker *c = st->user;
    if (c->carry_len) {
        unsigned char tmp[4];
        size_t k = c->carry_len;
        memcpy(tmp, c->carry, k);
        c->carry_len = 0;
        scan(c, tmp, k, c->carry_off, 1);
    }
    release(c, UINT64_MAX);
}

static void on_report(struct ub_stream *st, const unbake_report *r)
{
    struct checker *c = st->user;
    release(c, r->in_offset);
    /* Spans inside the run are the report's. */
    size_t k = 0;
    while (k < c->n_pending && c->pending[k].off < r->in_offset + r->in_len)
        k++;
    memmove(c->pending, c->pending + k, (c->n_pending - k) * sizeof *c->pending);
    c->n_pending -= k;
    emit(c, r->in_offset, "mojibake", r->hypothesis, r->in, r->in_len, r->out, r->out_len,
         r->score);
}

/* ------------------------------------------------------------ files */

/* Check one file (or stdin).  Returns 0, or -1 on an error (reported). */
static int check_one(struct checker *c, unbake_ctx *ctx, const char *path, int explicit_operand)
{
    int is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    const char *name = ub_display_name(path);
    if (fd < 0) {
        ub_msg(1, "%s: cannot open: %s", name, strerror(errno));
        return -1;
    }
    if (!is_stdin) {
        struct stat sb;
        unsigned char probe[UB_BINARY_PROBE];
        ssize_t pn;
        if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            ub_msg(1, "%s: is a directory", name);
            close(fd);
            return -1;
        }
        if (S_ISREG(sb.st_mode) && (pn = pread(fd, probe, sizeof probe, 0)) > 0 &&
            ub_looks_binary(probe, (size_t)pn)) {
            ub_msg(explicit_operand ? 2 : 3, "%s: looks binary; skipped", name);
            close(fd);
            return 0;
        }
    }
    struct ub_stream st;
    memset(&st, 0, sizeof st);
    st.opts = c->o;
    st.name = name;
    st.on_report = on_report;
    st.on_input = on_input;
    st.user = c;
    c->st = &st;
    c->path = path;
    c->carry_len = 0;
    c->n_pending = 0;
    st.on_end = on_end;
    int wf;
    long runs = ub_fix_fd(ctx, fd, &st, ub_null_write, NULL, &wf);
    if (!is_stdin)
        close(fd);
    c->st = NULL;
    return runs < 0 ? -1 : 0;
}

int ub_check_main(const struct ub_opts *o)
{
    static const char *const stdin_only[] = { "-" };
    struct checker c;
    struct ub_jobs jobs = { 0 };
    uint64_t skipped = 0;
    int errors = 0;
    unbake_ctx *ctx = ub_ctx_new(o);

    memset(&c, 0, sizeof c);
    c.o = o;
    c.pending = malloc(MAX_PENDING * sizeof *c.pending);
    if (o->format == UB_FMT_SARIF)
        c.sarif_results = json_array();
    if (!ctx || !c.pending || (o->format == UB_FMT_SARIF && !c.sarif_results)) {
        ub_msg(1, "out of memory");
        errors++;
        goto out;
    }
    const char *const *roots = o->n_files ? o->files : stdin_only;
    size_t n_roots = o->n_files ? o->n_files : 1;
    int r = ub_collect(o, 1, roots, n_roots, &jobs, &skipped);
    if (r < 0) {
        ub_msg(1, "out of memory");
        errors++;
        goto out;
    }
    errors += r;
    for (size_t i = 0; i < jobs.n && !c.write_error; i++)
        if (check_one(&c, ctx, jobs.v[i].path, jobs.v[i].explicit_operand) < 0)
            errors++;

    if (o->format == UB_FMT_SARIF) {
        json_t *log = json_pack(
            "{s:s, s:s, s:[{s:{s:{s:s, s:s, s:[{s:s, s:{s:s}}, {s:s, s:{s:s}}]}}, s:s, s:O}]}",
            "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
            "runs", "tool", "driver", "name", "unbake", "version", UNBAKE_VERSION_STRING,
            "rules", "id", "mojibake", "shortDescription", "text",
            "Text whose UTF-8 bytes were decoded with the wrong codec",
            "id", "invalid-utf8", "shortDescription", "text", "Bytes that are not valid UTF-8",
            "columnKind", "unicodeCodePoints", "results", c.sarif_results);
        if (!log || json_dumpf(log, stdout, JSON_INDENT(2)) < 0 || putchar('\n') == EOF)
            c.write_error = 1;
        json_decref(log);
    }
out:
    if (fflush(stdout) != 0 || ferror(stdout) || c.write_error) {
        ub_msg(1, "standard output: write error: %s", strerror(errno));
        errors++;
    }
    json_decref(c.sarif_results);
    ub_jobs_free(&jobs);
    free(c.pending);
    unbake_ctx_free(ctx);
    if (errors)
        return UB_EXIT_ERROR;
    return c.findings ? UB_EXIT_FOUND : UB_EXIT_OK;
}
