/*
 * names.c -- --names: repair mojibake in file and directory names.
 *
 * Like convmv, but each name is judged on its own by the detector, so a
 * tree that mixes good and baked names comes out right.  The walk is
 * post-order (a directory after its contents), so renaming a directory
 * never invalidates a path still to be visited.  An existing name is never
 * overwritten: renameat2(RENAME_NOREPLACE) where the file system has it,
 * and a check just before rename() where it does not.
 */
#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

struct name_buf {
    char buf[4096];
    size_t len;
    int overflow;
};

static int name_write(void *user, const char *data, size_t len)
{
    struct name_buf *n = user;
    if (n->len + len >= sizeof n->buf) {
        n->overflow = 1;
        return -1;
    }
    memcpy(n->buf + n->len, data, len);
    n->len += len;
    return 0;
}

static int rename_noreplace(const char *from, const char *to)
{
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    struct stat sb;
    if (lstat(to, &sb) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(from, to);
}

struct names_state {
    const struct ub_opts *o;
    unbake_ctx *ctx;
    struct ub_tally *tally;
    unsigned long renamed, failed, scanned;
};

/* Repair the last component of path.  Returns 0 or -1 on error. */
static int fix_name(struct names_state *s, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t name_off = slash ? (size_t)(slash - path) + 1 : 0;
    const char *name = path + name_off;
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    s->scanned++;
    /* --from names the encoding of the names to convert; a name that is
     * valid UTF-8 already is not one of them (as convmv does) */
    if (s->o->from && ub_utf8_valid(name, strlen(name)))
        return 0;
    struct name_buf out;
    out.len = 0;
    out.overflow = 0;
    struct ub_stream st;
    memset(&st, 0, sizeof st);
    st.opts = s->o;
    st.name = path;
    st.explain = s->o->explain;
    st.tally = s->tally;
    ub_lines_init(&st.lines);
    st.track = st.explain;
    struct ub_tee tee = { name_write, &out, &st };
    unbake_ctx_set_report(s->ctx, ub_stream_report, &st);
    int r = unbake_begin(s->ctx, ub_tee_write, &tee);
    if (r == 0)
        r = unbake_push(s->ctx, name, strlen(name));
    long runs = r == 0 ? unbake_finish(s->ctx) : r;
    unbake_ctx_set_report(s->ctx, NULL, NULL);
    ub_lines_free(&st.lines);
    if (runs < 0)
        return out.overflow ? 0 : -1;
    /* No repair, but a name in a legacy encoding (--from, or enough
     * legacy bytes for the input stage to recognise) is converted too. */
    if (out.len == strlen(name) && !memcmp(out.buf, name, out.len))
        return 0;
    out.buf[out.len] = '\0';
    if (out.len == 0 || memchr(out.buf, '/', out.len) || strlen(out.buf) != out.len ||
        strcmp(out.buf, ".") == 0 || strcmp(out.buf, "..") == 0) {
        ub_msg(2, "%s: repaired name would not be a valid name; left alone", path);
        return 0;
    }
    size_t n = name_off + out.len + 1;
    char *to = malloc(n);
    if (!to)
        return -1;
    memcpy(to, path, name_off);
    memcpy(to + name_off, out.buf, out.len + 1);
    int rc = 0;
    struct stat sb;
    if (s->o->dry_run) {
        if (lstat(to, &sb) == 0) {
            ub_msg(2, "%s: would not be renamed: %s exists", path, to);
        } else {
            printf("would rename '%s' -> '%s'\n", path, to);
            s->renamed++;
        }
    } else if (rename_noreplace(path, to) < 0) {
        if (errno == EEXIST)
            ub_msg(2, "%s: not renamed: %s exists", path, to);
        else {
            ub_msg(1, "%s: cannot rename to %s: %s", path, to, strerror(errno));
            rc = -1;
        }
    } else {
        ub_msg(3, "renamed '%s' -> '%s'", path, to);
        s->renamed++;
    }
    free(to);
    return rc;
}

int ub_names_main(const struct ub_opts *o)
{
    struct names_state s;
    int rc = UB_EXIT_OK;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.ctx = ub_ctx_new(o);
    s.tally = ub_tally_new();
    if (!s.ctx || !s.tally) {
        ub_msg(1, "out of memory");
        rc = UB_EXIT_FAIL;
        goto out;
    }
    if (o->n_files == 0) {
        fprintf(stderr, "unbake: --names needs FILE or DIR operands\n");
        ub_usage_hint();
        rc = UB_EXIT_FAIL;
        goto out;
    }
    char **paths = calloc(o->n_files + 1, sizeof *paths);
    if (!paths) {
        rc = UB_EXIT_FAIL;
        goto out;
    }
    for (size_t i = 0; i < o->n_files; i++)
        paths[i] = (char *)(uintptr_t)o->files[i];
    FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
    if (!fts) {
        ub_msg(1, "cannot walk: %s", strerror(errno));
        free(paths);
        rc = UB_EXIT_FAIL;
        goto out;
    }
    FTSENT *e;
    errno = 0;
    while ((e = fts_read(fts))) {
        int top = e->fts_level == FTS_ROOTLEVEL;
        switch (e->fts_info) {
        case FTS_D:
            if (!o->recursive) {
                /* Without -r only the operands' own names are repaired. */
                fts_set(fts, e, FTS_SKIP);
                if (fix_name(&s, e->fts_path) < 0)
                    rc = UB_EXIT_FAIL;
            } else if (!top && (ub_is_vcs_dir(e->fts_name) ||
                                ub_glob_any(o->excludes, o->n_excludes, e->fts_path))) {
                fts_set(fts, e, FTS_SKIP);
            }
            break;
        case FTS_DP:
            if (o->recursive && fix_name(&s, e->fts_path) < 0)
                rc = UB_EXIT_FAIL;
            break;
        case FTS_DNR:
        case FTS_ERR:
        case FTS_NS:
            ub_msg(1, "%s: %s", e->fts_path, strerror(e->fts_errno));
            rc = UB_EXIT_FAIL;
            break;
        case FTS_DC:
            break;
        default:
            if (!top && (ub_glob_any(o->excludes, o->n_excludes, e->fts_path) ||
                         (o->n_includes && !ub_glob_any(o->includes, o->n_includes, e->fts_path))))
                break;
            if (fix_name(&s, e->fts_path) < 0)
                rc = UB_EXIT_FAIL;
            break;
        }
    }
    if (errno) {
        ub_msg(1, "cannot walk: %s", strerror(errno));
        rc = UB_EXIT_FAIL;
    }
    fts_close(fts);
    free(paths);
    ub_msg(o->recursive ? 2 : 3, "%lu name%s scanned, %lu %s", s.scanned, s.scanned == 1 ? "" : "s",
           s.renamed, o->dry_run ? "would be renamed" : "renamed");
out:
    ub_tally_free(s.tally);
    unbake_ctx_free(s.ctx);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        ub_msg(1, "standard output: write error: %s", strerror(errno));
        rc = UB_EXIT_FAIL;
    }
    return rc;
}
