/*
 * check.c -- `unbake check`: report mojibake and invalid UTF-8, change nothing.
 *
 * Findings come from three places, in this order for a file: the input
 * stage (an input that is not UTF-8 at all -- UTF-16/32, a legacy
 * encoding -- is one finding at 1:1, since the filter would convert all of
 * it), the library's reports (runs it would repair, legacy bytes inside
 * UTF-8 included), and the bytes that are not UTF-8 and that no report
 * covers (the filter would leave them as they are), found in the text as
 * lines.c rebuilds it.  Positions are in the UTF-8 text the library read,
 * which for UTF-8 input is the input itself.
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
#define HEAD 24

struct span {
    uint64_t off, line, col;
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
    struct span pending;        /* invalid bytes not yet printed (len 0: none) */
    unsigned char head[HEAD];   /* the input's first bytes, for "encoding" */
    size_t nhead;
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

/* One finding.  out NULL: nothing would fix it ("no fix"); fix_label
 * non-NULL: what the filter would do instead of a fix, unquoted. */
static void emit(struct checker *c, int have_pos, uint64_t line, uint64_t col, uint64_t off,
                 const char *kind, const char *hypothesis, const char *in, size_t in_len,
                 const char *out, size_t out_len, double score, const char *fix_label)
{
    if (!have_pos)
        line = col = 0;
    char *qin = ub_quote(in, in_len, SNIPPET);
    char *qout = out ? ub_quote(out, out_len, SNIPPET) : NULL;
    c->findings++;
    if (!qin || (out && !qout))
        goto out;

    if (c->o->format == UB_FMT_TEXT) {
        if (have_pos)
            printf("%s:%llu:%llu: %s: \"%s\" -> %s%s%s\n", c->st->name, (unsigned long long)line,
                   (unsigned long long)col, hypothesis, qin, out ? "\"" : "",
                   out ? qout : fix_label ? fix_label : "no fix", out ? "\"" : "");
        else
            printf("%s:@%llu: %s: \"%s\" -> %s%s%s\n", c->st->name, (unsigned long long)off,
                   hypothesis, qin, out ? "\"" : "", out ? qout : fix_label ? fix_label : "no fix",
                   out ? "\"" : "");
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
        if (j && fix_label)     /* a whole file: the text is only its start */
            json_object_del(j, "length");
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
    else if (fix_label)
        snprintf(msg, sizeof msg, "%s: \"%s\" -> %s", hypothesis, qin, fix_label);
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

static void flush_invalid(struct checker *c)
{
    struct span *s = &c->pending;
    if (!s->len)
        return;
    emit(c, s->line != 0, s->line, s->col, s->off, "invalid-utf8", "invalid UTF-8",
         (const char *)s->bytes, s->len < sizeof s->bytes ? s->len : sizeof s->bytes, NULL, 0,
         0.0, NULL);
    s->len = 0;
}

/* Bytes that are not UTF-8 arrive one by one, in order: adjacent ones make
 * one finding. */
static void on_invalid(struct ub_stream *st, uint64_t off, uint64_t line, uint64_t col,
                       unsigned char b)
{
    struct checker *c = st->user;
    struct span *s = &c->pending;
    if (s->len && s->off + s->len == off) {
        if (s->len < sizeof s->bytes)
            s->bytes[s->len] = b;
        s->len++;
        return;
    }
    flush_invalid(c);
    s->off = off;
    s->line = line;
    s->col = col;
    s->len = 1;
    s->bytes[0] = b;
}

/* ------------------------------------------------------------ hooks */

static void on_input(struct ub_stream *st, const unsigned char *p, size_t n, uint64_t off)
{
    struct checker *c = st->user;
    (void)off;
    size_t k = HEAD - c->nhead < n ? HEAD - c->nhead : n;
    memcpy(c->head + c->nhead, p, k);
    c->nhead += k;
}

/* The input is not UTF-8 at all: the filter would convert every byte. */
static void on_start(struct ub_stream *st)
{
    struct checker *c = st->user;
    if (!st->transcoded)
        return;
    size_t n = 0;
    while (n < c->nhead && c->head[n] != '\n')
        n++;
    char hyp[224];
    snprintf(hyp, sizeof hyp, "%s, not utf-8", st->encoding);
    emit(c, 1, 1, 1, 0, "encoding", hyp, (const char *)c->head, n, NULL, 0, 0.0,
         "converted to UTF-8");
}

static void on_end(struct ub_stream *st)
{
    flush_invalid(st->user);
}

static void on_report(struct ub_stream *st, const unbake_report *r)
{
    struct checker *c = st->user;
    flush_invalid(c);
    emit(c, st->have_pos, st->line, st->col, r->in_offset, "mojibake", r->hypothesis, r->in,
         r->in_len, r->out, r->out_len, r->score, NULL);
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
            ub_looks_binary(c->o, probe, (size_t)pn)) {
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
    st.on_start = on_start;
    st.on_invalid = on_invalid;
    st.on_end = on_end;
    st.user = c;
    c->st = &st;
    c->path = path;
    c->pending.len = 0;
    c->nhead = 0;
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
    if (o->format == UB_FMT_SARIF)
        c.sarif_results = json_array();
    if (!ctx || (o->format == UB_FMT_SARIF && !c.sarif_results)) {
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
            "{s:s, s:s, s:[{s:{s:{s:s, s:s, s:[{s:s, s:{s:s}}, {s:s, s:{s:s}}, {s:s, s:{s:s}}]}}, s:s, s:O}]}",
            "$schema", "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
            "runs", "tool", "driver", "name", "unbake", "version", UNBAKE_VERSION_STRING,
            "rules", "id", "mojibake", "shortDescription", "text",
            "Text whose UTF-8 bytes were decoded with the wrong codec",
            "id", "invalid-utf8", "shortDescription", "text", "Bytes that are not valid UTF-8",
            "id", "encoding", "shortDescription", "text",
            "A file in another encoding than UTF-8 (UTF-16, UTF-32 or a legacy one)",
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
    unbake_ctx_free(ctx);
    if (errors)
        return UB_EXIT_ERROR;
    return c.findings ? UB_EXIT_FOUND : UB_EXIT_OK;
}
