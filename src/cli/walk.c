/*
 * walk.c -- -i over files and -r over trees: collect, fix with N workers,
 * summarize.
 *
 * The walk (fts, physical: symbolic links are never descended) runs first
 * and collects the files, so the progress line knows the totals; then
 * workers, each with its own context, take files from a shared index.
 */
#include <errno.h>
#include <fnmatch.h>
#include <fts.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

pthread_mutex_t ub_out_lock = PTHREAD_MUTEX_INITIALIZER;

/* ------------------------------------------------------------ tally */

struct tally_row {
    char *hypothesis;
    long n;
};

struct ub_tally {
    struct tally_row *rows;
    size_t n, cap;
};

struct ub_tally *ub_tally_new(void)
{
    return calloc(1, sizeof(struct ub_tally));
}

void ub_tally_free(struct ub_tally *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->rows[i].hypothesis);
    free(t->rows);
    free(t);
}

void ub_tally_add(struct ub_tally *t, const char *hypothesis, long n)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->rows[i].hypothesis, hypothesis) == 0) {
            t->rows[i].n += n;
            return;
        }
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        struct tally_row *r = realloc(t->rows, cap * sizeof *r);
        if (!r)
            return;     /* the summary loses a line, nothing else */
        t->rows = r;
        t->cap = cap;
    }
    char *h = strdup(hypothesis);
    if (!h)
        return;
    t->rows[t->n++] = (struct tally_row){ h, n };
}

void ub_tally_merge(struct ub_tally *into, const struct ub_tally *from)
{
    for (size_t i = 0; i < from->n; i++)
        ub_tally_add(into, from->rows[i].hypothesis, from->rows[i].n);
}

static int by_count(const void *a, const void *b)
{
    const struct tally_row *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->hypothesis, y->hypothesis);
}

char *ub_tally_format(const struct ub_tally *t)
{
    if (!t || t->n == 0)
        return NULL;
    qsort(t->rows, t->n, sizeof *t->rows, by_count);
    size_t len = 1;
    for (size_t i = 0; i < t->n; i++)
        len += strlen(t->rows[i].hypothesis) + 32;
    char *s = malloc(len);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < t->n; i++)
        o += (size_t)snprintf(s + o, len - o, "%s%ld %s", i ? ", " : "", t->rows[i].n,
                              t->rows[i].hypothesis);
    return s;
}

/* ------------------------------------------------------------ filters */

int ub_glob_any(const char *const *globs, size_t n, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < n; i++) {
        if (fnmatch(globs[i], base, 0) == 0 || fnmatch(globs[i], path, FNM_PATHNAME) == 0)
            return 1;
        /* "sub/dir" also matches "./sub/dir" and "a/sub/dir". */
        for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
            if (fnmatch(globs[i], p + 1, FNM_PATHNAME) == 0)
                return 1;
    }
    return 0;
}

int ub_is_vcs_dir(const char *name)
{
    static const char *const vcs[] = { ".git", ".hg", ".svn", ".bzr", "CVS", "_darcs", ".jj",
                                       ".pijul", ".fossil-settings" };
    for (size_t i = 0; i < sizeof vcs / sizeof vcs[0]; i++)
        if (strcmp(name, vcs[i]) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------ collecting */

static int add_job(struct ub_jobs *j, const char *path, uint64_t size, int explicit_operand)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 64;
        struct ub_job *v = realloc(j->v, cap * sizeof *v);
        if (!v)
            return -1;
        j->v = v;
        j->cap = cap;
    }
    char *p = strdup(path);
    if (!p)
        return -1;
    j->v[j->n++] = (struct ub_job){ p, size, explicit_operand };
    return 0;
}

void ub_jobs_free(struct ub_jobs *j)
{
    for (size_t i = 0; i < j->n; i++)
        free(j->v[i].path);
    free(j->v);
    memset(j, 0, sizeof *j);
}

static int by_name(const FTSENT **a, const FTSENT **b)
{
    return strcmp((*a)->fts_name, (*b)->fts_name);
}

int ub_collect(const struct ub_opts *o, int recursive, const char *const *roots,
               size_t n_roots, struct ub_jobs *jobs, uint64_t *skipped)
{
    int errors = 0;
    if (!recursive) {
        for (size_t i = 0; i < n_roots; i++) {
            struct stat sb;
            uint64_t size = stat(roots[i], &sb) == 0 ? (uint64_t)sb.st_size : 0;
            if (add_job(jobs, roots[i], size, 1) < 0)
                return -1;
        }
        return 0;
    }
    char **paths = calloc(n_roots + 1, sizeof *paths);
    if (!paths)
        return -1;
    size_t n_paths = 0;
    for (size_t i = 0; i < n_roots; i++) {
        /* Standard input is no path for fts. */
        if (strcmp(roots[i], "-") == 0) {
            if (add_job(jobs, "-", 0, 1) < 0) {
                free(paths);
                return -1;
            }
            continue;
        }
        paths[n_paths++] = (char *)(uintptr_t)roots[i];
    }
    if (n_paths == 0) {
        free(paths);
        return 0;
    }
    int flags = FTS_PHYSICAL | FTS_NOCHDIR | (o->follow_symlinks ? FTS_COMFOLLOW : 0);
    FTS *fts = fts_open(paths, flags, by_name);
    if (!fts) {
        ub_msg(1, "cannot walk: %s", strerror(errno));
        free(paths);
        return 1;
    }
    FTSENT *e;
    errno = 0;
    while ((e = fts_read(fts))) {
        int top = e->fts_level == FTS_ROOTLEVEL;
        switch (e->fts_info) {
        case FTS_D:
            if (!top && (ub_is_vcs_dir(e->fts_name) ||
                         ub_glob_any(o->excludes, o->n_excludes, e->fts_path))) {
                ub_msg(4, "%s: directory skipped", e->fts_path);
                fts_set(fts, e, FTS_SKIP);
            }
            break;
        case FTS_F:
        case FTS_SL:
        case FTS_SLNONE:
        case FTS_DEFAULT:
            if (!top && (ub_glob_any(o->excludes, o->n_excludes, e->fts_path) ||
                         (o->n_includes && !ub_glob_any(o->includes, o->n_includes, e->fts_path)))) {
                ub_msg(4, "%s: excluded", e->fts_path);
                break;
            }
            if (e->fts_info == FTS_F || top || o->follow_symlinks) {
                if (add_job(jobs, e->fts_path, e->fts_statp ? (uint64_t)e->fts_statp->st_size : 0,
                            top) < 0) {
                    fts_close(fts);
                    free(paths);
                    return -1;
                }
            } else {
                ub_msg(3, "%s: %s skipped", e->fts_path,
                       e->fts_info == FTS_DEFAULT ? "special file" : "symbolic link");
                (*skipped)++;
            }
            break;
        case FTS_DC:
            ub_msg(2, "%s: directory cycle; skipped", e->fts_path);
            break;
        case FTS_DNR:
        case FTS_ERR:
        case FTS_NS:
            ub_msg(1, "%s: %s: %s", e->fts_path,
                   e->fts_info == FTS_NS ? "cannot open" : "cannot read", strerror(e->fts_errno));
            errors++;
            break;
        default:
            break;
        }
    }
    /* fts_read() ends with errno 0, or set on failure. */
    if (errno) {
        ub_msg(1, "cannot walk: %s", strerror(errno));
        errors++;
    }
    fts_close(fts);
    free(paths);
    return errors;
}

/* ------------------------------------------------------------ workers */

struct pool {
    const struct ub_opts *o;
    struct ub_jobs *jobs;
    pthread_mutex_t lock;
    size_t next;
    /* results, under lock */
    uint64_t fixed, unchanged, skipped, failed, bytes_done, bytes_changed, files_done;
    struct ub_tally *tally;
    struct ub_progress *progress;
};

struct worker {
    struct pool *pool;
    int slot;
    pthread_t tid;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    unbake_ctx *ctx = ub_ctx_new(p->o);
    struct ub_tally *tally = ub_tally_new();
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->jobs->n ? p->next++ : (size_t)-1;
        pthread_mutex_unlock(&p->lock);
        if (i == (size_t)-1)
            break;
        const struct ub_job *job = &p->jobs->v[i];
        ub_file_result_e r = UB_FILE_FAILED;
        struct ub_stream st;
        memset(&st, 0, sizeof st);
        st.opts = p->o;
        st.name = job->path;
        st.explain = p->o->explain;
        st.tally = tally;
        if (ctx && tally)
            r = ub_fix_in_place(p->o, ctx, job->path, w->slot, &st, job->explicit_operand);
        else
            ub_msg(1, "%s: out of memory", job->path);
        pthread_mutex_lock(&p->lock);
        switch (r) {
        case UB_FILE_FIXED:
            p->fixed++;
            p->bytes_changed += st.bytes_changed;
            ub_msg(3, "%s: %s (%s%s%s%ld repair%s)", job->path,
                   p->o->dry_run ? "would fix" : "fixed", st.transcoded ? "read as " : "",
                   st.transcoded ? st.encoding : "", st.transcoded ? ", " : "", st.runs,
                   st.runs == 1 ? "" : "s");
            break;
        case UB_FILE_UNCHANGED: p->unchanged++; break;
        case UB_FILE_SKIPPED: p->skipped++; break;
        case UB_FILE_FAILED: p->failed++; break;
        }
        p->files_done++;
        p->bytes_done += job->size;
        ub_progress_update(p->progress, p->files_done, p->bytes_done);
        pthread_mutex_unlock(&p->lock);
    }
    pthread_mutex_lock(&p->lock);
    if (tally)
        ub_tally_merge(p->tally, tally);
    pthread_mutex_unlock(&p->lock);
    ub_tally_free(tally);
    unbake_ctx_free(ctx);
    return NULL;
}

int ub_files_main(const struct ub_opts *o)
{
    static const char *const here[] = { "." };
    const char *const *roots = o->files;
    size_t n_roots = o->n_files;
    struct ub_jobs jobs = { 0 };
    struct pool pool;
    struct worker *workers = NULL;
    int rc = UB_EXIT_OK;
    int signals = 0;

    memset(&pool, 0, sizeof pool);
    pthread_mutex_init(&pool.lock, NULL);
    if (n_roots == 0) {
        if (!o->recursive) {
            fprintf(stderr, "unbake: %s needs FILE operands\n", o->dry_run ? "--dry-run" : "-i");
            ub_usage_hint();
            rc = UB_EXIT_FAIL;
            goto out;
        }
        roots = here;
        n_roots = 1;
    }
    for (size_t i = 0; i < n_roots; i++) {
        if (strcmp(roots[i], "-") == 0) {
            fprintf(stderr, "unbake: '-' (standard input) cannot be rewritten in place\n");
            ub_usage_hint();
            rc = UB_EXIT_FAIL;
            goto out;
        }
    }

    uint64_t walk_skipped = 0;
    int errors = ub_collect(o, o->recursive, roots, n_roots, &jobs, &walk_skipped);
    pool.skipped = walk_skipped;
    if (errors < 0) {
        ub_msg(1, "out of memory");
        rc = UB_EXIT_FAIL;
        goto out;
    }
    if (errors)
        rc = UB_EXIT_FAIL;

    uint64_t total_bytes = 0;
    for (size_t i = 0; i < jobs.n; i++)
        total_bytes += jobs.v[i].size;
    pool.o = o;
    pool.jobs = &jobs;
    pool.tally = ub_tally_new();
    pool.progress = ub_progress_new(o->progress, jobs.n, total_bytes);
    if (!pool.tally) {
        ub_msg(1, "out of memory");
        rc = UB_EXIT_FAIL;
        goto out;
    }
    if (!o->dry_run) {
        if (ub_inplace_signals_start() < 0) {
            ub_msg(1, "cannot set up signal handling");
            rc = UB_EXIT_FAIL;
            goto out;
        }
        signals = 1;
    }

    size_t n_workers = (size_t)o->jobs;
    if (n_workers > jobs.n)
        n_workers = jobs.n ? jobs.n : 1;
    workers = calloc(n_workers, sizeof *workers);
    if (!workers) {
        ub_msg(1, "out of memory");
        rc = UB_EXIT_FAIL;
        goto out;
    }
    size_t started = 0;
    for (size_t i = 0; i < n_workers; i++) {
        workers[i] = (struct worker){ &pool, (int)i, 0 };
        if (pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]) != 0)
            break;
        started++;
    }
    if (started == 0)
        worker_main(&workers[0]);   /* no threads to be had: do it here */
    for (size_t i = 0; i < started; i++)
        pthread_join(workers[i].tid, NULL);
    ub_progress_end(pool.progress);
    pool.progress = NULL;

    if (pool.failed)
        rc = UB_EXIT_FAIL;
    /* The summary: always for trees, on request (-v) for named files. */
    int level = o->recursive ? 2 : 3;
    char *by = ub_tally_format(pool.tally);
    ub_msg(level, "%llu file%s scanned, %llu %s, %llu unchanged, %llu skipped, %llu failed; "
           "%llu bytes changed%s%s",
           (unsigned long long)(pool.files_done + walk_skipped),
           pool.files_done + walk_skipped == 1 ? "" : "s",
           (unsigned long long)pool.fixed, o->dry_run ? "would be fixed" : "fixed",
           (unsigned long long)pool.unchanged, (unsigned long long)pool.skipped,
           (unsigned long long)pool.failed, (unsigned long long)pool.bytes_changed,
           by ? "; repairs: " : "", by ? by : "");
    free(by);

out:
    if (signals)
        ub_inplace_signals_stop();
    ub_progress_end(pool.progress);
    ub_tally_free(pool.tally);
    ub_jobs_free(&jobs);
    free(workers);
    pthread_mutex_destroy(&pool.lock);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        ub_msg(1, "standard output: write error: %s", strerror(errno));
        rc = UB_EXIT_FAIL;
    }
    return rc;
}
