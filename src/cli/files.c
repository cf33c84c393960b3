/*
 * files.c -- reading input, writing output, and the streaming filter.
 *
 * The filter reads 128 KiB at a time (as cat does) and pushes each chunk
 * through the incremental API, so memory stays constant whatever the input
 * size.  The output goes through our own buffered writer on the file
 * descriptor (not stdio) so that a write error carries its errno to the
 * message; long pieces of clean text bypass its buffer.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli.h"

/* ------------------------------------------------------------ output */

void ub_sink_init(struct ub_sink *s, int fd, const char *name)
{
    s->fd = fd;
    s->err = 0;
    s->name = name;
    s->written = 0;
    s->len = 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* write_all() of a[0..na) then b[0..nb), in one call when the kernel
 * takes it all. */
static int write2_all(int fd, const char *a, size_t na, const char *b, size_t nb)
{
    while (na) {
        struct iovec iov[2] = { { (void *)(uintptr_t)a, na }, { (void *)(uintptr_t)b, nb } };
        ssize_t w = writev(fd, iov, 2);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if ((size_t)w < na) {
            a += w;
            na -= (size_t)w;
            continue;
        }
        w -= (ssize_t)na;
        b += w;
        nb -= (size_t)w;
        na = 0;
    }
    return write_all(fd, b, nb);
}

int ub_sink_flush(struct ub_sink *s)
{
    if (s->err)
        return -1;
    if (s->len && write_all(s->fd, s->buf, s->len) < 0) {
        s->err = errno;
        return -1;
    }
    s->len = 0;
    return 0;
}

int ub_sink_write(void *user, const char *data, size_t len)
{
    struct ub_sink *s = user;
    if (s->err)
        return -1;
    s->written += len;
    /* a long piece (whole lines of clean text, as the library passes
     * them on from the input) goes out from where it is, after what the
     * buffer holds: copying it would cost as much as the scan that
     * found it clean */
    if (len >= UB_SINK_DIRECT) {
        if (write2_all(s->fd, s->buf, s->len, data, len) < 0) {
            s->err = errno;
            return -1;
        }
        s->len = 0;
        return 0;
    }
    if (s->len + len <= sizeof s->buf) {
        memcpy(s->buf + s->len, data, len);
        s->len += len;
        return 0;
    }
    if (ub_sink_flush(s) < 0)
        return -1;
    memcpy(s->buf, data, len);
    s->len = len;
    return 0;
}

int ub_membuf_write(void *user, const char *data, size_t len)
{
    struct ub_membuf *m = user;
    if (m->len + len + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap < m->len + len + 1)
            cap *= 2;
        char *p = realloc(m->p, cap);
        if (!p)
            return -1;
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->len, data, len);
    m->len += len;
    m->p[m->len] = 0;
    return 0;
}

int ub_null_write(void *user, const char *data, size_t len)
{
    (void)user;
    (void)data;
    (void)len;
    return 0;
}

/* ------------------------------------------------------------ input */

static ssize_t read_some(int fd, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0 || errno != EINTR)
            return n;
    }
}

ssize_t ub_read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read_some(fd, (char *)buf + got, len - got);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* ------------------------------------------------------------ repair */

unbake_ctx *ub_ctx_new(const struct ub_opts *o)
{
    unbake_ctx *ctx = unbake_ctx_new();
    if (!ctx) {
        ub_msg(1, "%s", strerror(ENOMEM));
        return NULL;
    }
    const struct { unbake_option_e opt; int val; } set[] = {
        { UNBAKE_OPT_LOSSY, o->lib.lossy },
        { UNBAKE_OPT_MIN_CONFIDENCE, o->lib.min_confidence },
        { UNBAKE_OPT_MAX_LAYERS, o->lib.max_layers },
        { UNBAKE_OPT_STRIP_BOM, o->lib.strip_bom },
        { UNBAKE_OPT_BIAS, o->lib.bias },
    };
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
        if (set[i].val == UB_UNSET)
            continue;
        int r = unbake_ctx_set(ctx, set[i].opt, set[i].val);
        if (r < 0) {
            ub_msg(1, "cannot set option %d to %d: %s", (int)set[i].opt, set[i].val,
                   unbake_strerror(r));
            unbake_ctx_free(ctx);
            return NULL;
        }
    }
    if (o->from) {
        int r = unbake_ctx_set_from(ctx, o->from);
        if (r < 0) {
            ub_msg(1, "--from=%s: %s", o->from, unbake_strerror(r));
            unbake_ctx_free(ctx);
            return NULL;
        }
    }
    return ctx;
}

int ub_encoding_transcoded(const char *enc)
{
    /* "utf-8", "utf-8 (BOM)", "utf-8 (mixed: ...)", "utf-8 (forced)": the
     * bytes went to the detector as they were */
    if (!strcmp(enc, "undecided") || (!strncmp(enc, "utf-8", 5) && (!enc[5] || enc[5] == ' ')))
        return 0;
    return 1;
}

int ub_tee_write(void *user, const char *data, size_t len)
{
    struct ub_tee *t = user;
    if (t->st->track)
        ub_lines_output(&t->st->lines, data, len);
    return t->write(t->user, data, len);
}

static void lines_invalid(void *user, uint64_t off, uint64_t line, uint64_t col,
                          unsigned char byte)
{
    struct ub_stream *st = user;
    if (st->on_invalid)
        st->on_invalid(st, off, line, col, byte);
}

/* Once per stream, when the input stage has decided: say how the input was
 * read (--explain) before the first report, whose positions are in the
 * text it was read as. */
static void stream_start(struct ub_stream *st)
{
    if (st->started || !st->ctx)
        return;
    st->started = 1;
    snprintf(st->encoding, sizeof st->encoding, "%s", unbake_input_encoding(st->ctx));
    st->transcoded = ub_encoding_transcoded(st->encoding);
    if (st->explain && strcmp(st->encoding, "utf-8") != 0)
        fprintf(stderr, "unbake: %s: read as %s\n", st->name, st->encoding);
    if (st->transcoded && st->tally) {
        char h[224];
        snprintf(h, sizeof h, "read as %s", st->encoding);
        ub_tally_add(st->tally, h, 1);
    }
    if (st->on_start)
        st->on_start(st);
}

/* FILE:LINE:COL of what the line tracker last placed (st->have_pos), else
 * FILE:@OFFSET. */
static void locate(const struct ub_stream *st, uint64_t in_offset, char *loc, size_t size)
{
    if (st->have_pos)
        snprintf(loc, size, "%s:%llu:%llu", st->name, (unsigned long long)st->line,
                 (unsigned long long)st->col);
    else
        snprintf(loc, size, "%s:@%llu", st->name, (unsigned long long)in_offset);
}

/* Up to max alternatives, " \"x\" 0.930, \"y\" 0.020", the first after lead. */
static void print_alternatives(const unbake_alternative *alt, size_t n, size_t max,
                               const char *lead)
{
    for (size_t a = 0; a < n && a < max; a++) {
        char *t = ub_quote(alt[a].text, strlen(alt[a].text), 64);
        fprintf(stderr, "%s \"%s\" %.3f", a ? "," : lead, t ? t : "?", alt[a].probability);
        free(t);
    }
}

static void explain(struct ub_stream *st, const unbake_report *r)
{
    char loc[4200];
    locate(st, r->in_offset, loc, sizeof loc);
    /* One report's lines stay together when workers share stderr. */
    flockfile(stderr);
    char *in = ub_quote(r->in, r->in_len, (size_t)-1);
    char *out = ub_quote(r->out, r->out_len, (size_t)-1);
    fprintf(stderr, "unbake: %s: \"%s\" -> \"%s\": %s, score %.1f, round-trip %s\n",
            loc, in ? in : "?", out ? out : "?", r->hypothesis, r->score,
            r->roundtrip_ok ? "ok" : "FAILED");
    free(in);
    free(out);
    for (size_t g = 0; g < r->n_gaps; g++) {
        const unbake_gap *gap = &r->gaps[g];
        fprintf(stderr, "unbake: %s: gap %zu (output byte %llu): %s", loc, g + 1,
                (unsigned long long)gap->out_offset, gap->marked ? "marked U+FFFD;" : "filled;");
        print_alternatives(gap->alternatives, gap->n_alternatives, 5, "");
        if (gap->n_alternatives > 5)
            fprintf(stderr, ", ... (%zu in all)", gap->n_alternatives);
        fputc('\n', stderr);
    }
    funlockfile(stderr);
}

void ub_stream_report(void *user, const unbake_report *r)
{
    struct ub_stream *st = user;
    stream_start(st);
    st->have_pos = st->track && ub_lines_report(&st->lines, r, &st->line, &st->col) == 0;
    st->runs++;
    st->bytes_changed += r->in_len;
    if (st->tally)
        ub_tally_add(st->tally, r->hypothesis, 1);
    if (st->explain)
        explain(st, r);
    if (st->on_report)
        st->on_report(st, r);
}

/* --explain: a U+FFFD kept as a total loss (issue: legacy bytes decoded
 * as UTF-8 with replacement before unbake saw them). */
static void stream_loss(void *user, const unbake_loss *loss)
{
    struct ub_stream *st = user;
    static const char fffd[] = "\xEF\xBF\xBD";
    stream_start(st);
    /* to the line tracker it is a run replaced by itself */
    unbake_report r = { .in_offset = loss->in_offset, .in_len = 3, .in = fffd,
                        .out_offset = loss->out_offset, .out_len = 3, .out = fffd };
    st->have_pos = st->track && ub_lines_report(&st->lines, &r, &st->line, &st->col) == 0;
    char loc[4200];
    locate(st, loss->in_offset, loc, sizeof loc);
    flockfile(stderr);
    fprintf(stderr, "unbake: %s: U+FFFD kept: the bytes it replaced were lost before this input "
            "(total loss)", loc);
    print_alternatives(loss->alternatives, loss->n_alternatives, 3,
                       "; as one character of its neighbours' codec");
    if (loss->n_alternatives)
        fprintf(stderr, " (%s)", loss->codec);
    fputc('\n', stderr);
    funlockfile(stderr);
}

long ub_fix_fd(unbake_ctx *ctx, int fd, struct ub_stream *st,
               unbake_write_fn write, void *wuser, int *write_failed)
{
    uint64_t off = 0;
    char *buf = malloc(UB_CHUNK);
    struct ub_tee tee = { write, wuser, st };
    long rc = -1;
    int r;
    *write_failed = 0;
    if (!buf) {
        ub_msg(1, "%s: %s", st->name, strerror(ENOMEM));
        return -1;
    }
    ub_lines_init(&st->lines);
    st->lines.on_invalid = lines_invalid;
    st->lines.user = st;
    st->track = st->explain || st->on_report || st->on_end || st->on_invalid;
    st->runs = 0;
    st->bytes_changed = 0;
    st->bytes_in = 0;
    st->ctx = ctx;
    st->started = 0;
    st->encoding[0] = '\0';
    st->transcoded = 0;
    int reports = st->track || st->tally || st->on_start || !st->counts_unread;
    if ((r = unbake_ctx_set_report(ctx, reports ? ub_stream_report : NULL, st)) < 0 ||
        (r = unbake_ctx_set_loss_report(ctx, st->explain ? stream_loss : NULL, st)) < 0 ||
        (r = unbake_begin(ctx, ub_tee_write, &tee)) < 0)
        goto lib_error;
    for (;;) {
        ssize_t n = read_some(fd, buf, UB_CHUNK);
        if (n < 0) {
            ub_msg(1, "%s: read error: %s", st->name, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        if (st->on_input)
            st->on_input(st, (const unsigned char *)buf, (size_t)n, off);
        off += (uint64_t)n;
        st->bytes_in = off;
        if ((r = unbake_push(ctx, buf, (size_t)n)) < 0)
            goto lib_error;
        /* Slow input (a terminal, a pipe that trickles): do not sit on
         * what was already repaired. */
        if ((size_t)n < UB_CHUNK && write == ub_sink_write &&
            ub_sink_flush(wuser) < 0) {
            *write_failed = 1;
            goto out;
        }
    }
    long runs = unbake_finish(ctx);
    if (runs < 0) {
        r = (int)runs;
        goto lib_error;
    }
    rc = runs;
    stream_start(st);
    if (st->transcoded)
        st->bytes_changed = st->bytes_in;   /* every byte was converted */
    if (st->track)
        ub_lines_end(&st->lines);
    if (st->on_end)
        st->on_end(st);
    goto out;

lib_error:
    if (r == UNBAKE_EWRITE)
        *write_failed = 1;
    else
        ub_msg(1, "%s: repair failed: %s", st->name, unbake_strerror(r));
out:
    unbake_ctx_set_report(ctx, NULL, NULL);
    unbake_ctx_set_loss_report(ctx, NULL, NULL);
    ub_lines_free(&st->lines);
    st->ctx = NULL;
    free(buf);
    return rc;
}

/* ------------------------------------------------------------ the filter */

int ub_filter_main(const struct ub_opts *o)
{
    static const char *const stdin_only[] = { "-" };
    const char *const *files = o->n_files ? o->files : stdin_only;
    size_t n_files = o->n_files ? o->n_files : 1;
    struct ub_sink *out = malloc(sizeof *out);
    unbake_ctx *ctx = ub_ctx_new(o);
    int rc = UB_EXIT_OK;
    struct stat out_st;
    int out_is_reg = 0;

    if (!out || !ctx) {
        if (!out)
            ub_msg(1, "%s", strerror(ENOMEM));
        rc = UB_EXIT_FAIL;
        goto done;
    }
    ub_sink_init(out, STDOUT_FILENO, "standard output");
    if (fstat(STDOUT_FILENO, &out_st) == 0 && S_ISREG(out_st.st_mode))
        out_is_reg = 1;

    for (size_t i = 0; i < n_files; i++) {
        const char *path = files[i];
        int is_stdin = strcmp(path, "-") == 0;
        struct ub_stream st;
        memset(&st, 0, sizeof st);
        st.opts = o;
        st.name = ub_display_name(path);
        st.explain = o->explain;
        st.counts_unread = 1;   /* runs come from ub_fix_fd() */

        int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            ub_msg(1, "%s: cannot open: %s", st.name, strerror(errno));
            rc = UB_EXIT_FAIL;
            continue;
        }
        struct stat in_st;
        if (out_is_reg && fstat(fd, &in_st) == 0 && S_ISREG(in_st.st_mode) &&
            in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino) {
            ub_msg(1, "%s: input file is output file", st.name);
            rc = UB_EXIT_FAIL;
            if (!is_stdin)
                close(fd);
            continue;
        }
        int write_failed;
        long runs = ub_fix_fd(ctx, fd, &st, ub_sink_write, out, &write_failed);
        if (!is_stdin)
            close(fd);
        if (write_failed)
            break;
        if (runs < 0)
            rc = UB_EXIT_FAIL;
        else if (runs > 0)
            ub_msg(3, "%s: %ld run%s repaired", st.name, runs, runs == 1 ? "" : "s");
    }
    if (ub_sink_flush(out) < 0 || out->err) {
        ub_msg(1, "%s: write error: %s", out->name, strerror(out->err));
        rc = UB_EXIT_FAIL;
    }
done:
    unbake_ctx_free(ctx);
    free(out);
    return rc;
}
