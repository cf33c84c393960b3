/*
 * inplace.c -- rewrite a file atomically, or only say what would change.
 *
 * A file is read twice: once to learn whether anything changes (most files
 * in a tree do not, and those are never touched, not even their directory),
 * then again into a temporary file in the same directory, which is renamed
 * over the original only when complete, synced and given the original's
 * group, mode, owner and times.  Whatever fails, or whenever a signal
 * arrives, the original is intact and the temporary file is removed.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP are blocked in every thread and
 * taken by one thread with sigwait().  Creating a temporary file, and
 * renaming it, happen under tmp_lock, which that thread takes before it
 * unlinks the registered temporary files; so a file is either renamed
 * completely or removed, never left behind.  (SIGKILL cannot be caught:
 * it leaves the original or the fixed file in place, plus at most one
 * stray temporary file per worker, named .NAME.unbake-XXXXXX.)
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* ------------------------------------------------------------ signals */

#define MAX_SLOTS 260
static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;
static char *tmp_paths[MAX_SLOTS];
static pthread_t sig_thread;
static int sig_running;
static sigset_t sig_set;

static void *signal_main(void *arg)
{
    (void)arg;
    int sig;
    if (sigwait(&sig_set, &sig) != 0)
        return NULL;
    /* Keep the lock: no worker may create or rename a file any more. */
    pthread_mutex_lock(&tmp_lock);
    for (int i = 0; i < MAX_SLOTS; i++)
        if (tmp_paths[i])
            unlink(tmp_paths[i]);
    /* Die of the same signal, so the caller sees how we ended. */
    signal(sig, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    pthread_kill(pthread_self(), sig);
    _exit(128 + sig);
}

int ub_inplace_signals_start(void)
{
    sigemptyset(&sig_set);
    sigaddset(&sig_set, SIGINT);
    sigaddset(&sig_set, SIGTERM);
    sigaddset(&sig_set, SIGHUP);
    /* Threads created from now on inherit the mask. */
    if (pthread_sigmask(SIG_BLOCK, &sig_set, NULL) != 0)
        return -1;
    if (pthread_create(&sig_thread, NULL, signal_main, NULL) != 0) {
        pthread_sigmask(SIG_UNBLOCK, &sig_set, NULL);
        return -1;
    }
    sig_running = 1;
    return 0;
}

void ub_inplace_signals_stop(void)
{
    if (!sig_running)
        return;
    pthread_cancel(sig_thread);     /* sigwait() is a cancellation point */
    pthread_join(sig_thread, NULL);
    sig_running = 0;
    pthread_sigmask(SIG_UNBLOCK, &sig_set, NULL);
}

/* Create the temporary file for path's rewrite and register it. */
static int tmp_create(const char *dir, const char *base, int slot, char **out)
{
    /* Keep the name within NAME_MAX however long base is. */
    size_t n = strlen(dir) + strlen(base) + 32;
    char *t = malloc(n);
    if (!t)
        return -1;
    snprintf(t, n, "%s/.%.200s.unbake-XXXXXX", dir, base);
    pthread_mutex_lock(&tmp_lock);
    int fd = mkostemp(t, O_CLOEXEC);
    if (fd >= 0)
        tmp_paths[slot] = t;
    pthread_mutex_unlock(&tmp_lock);
    if (fd < 0) {
        int e = errno;
        free(t);
        errno = e;
        return -1;
    }
    *out = t;
    return fd;
}

/* Remove an unused temporary file. */
static void tmp_discard(int slot)
{
    pthread_mutex_lock(&tmp_lock);
    if (tmp_paths[slot]) {
        unlink(tmp_paths[slot]);
        free(tmp_paths[slot]);
        tmp_paths[slot] = NULL;
    }
    pthread_mutex_unlock(&tmp_lock);
}

/* Rename the temporary file over target.  Returns 0 or -1 (errno). */
static int tmp_commit(int slot, const char *target)
{
    pthread_mutex_lock(&tmp_lock);
    int r = rename(tmp_paths[slot], target);
    int e = errno;
    if (r < 0)
        unlink(tmp_paths[slot]);
    free(tmp_paths[slot]);
    tmp_paths[slot] = NULL;
    pthread_mutex_unlock(&tmp_lock);
    errno = e;
    return r;
}

/* ------------------------------------------------------------ binary */

static int stop_write(void *user, const char *data, size_t len)
{
    (void)user;
    (void)data;
    (void)len;
    return -1;
}

/* Is p[0..n) the start of UTF-16 or UTF-32 text?  The library's input
 * stage decides (byte order mark, NUL pattern, or --from); we stop it as
 * soon as it writes anything. */
static int wide_text(const char *from, const unsigned char *p, size_t n)
{
    unbake_ctx *ctx = unbake_ctx_new();
    int wide = 0;
    if (ctx && (!from || unbake_ctx_set_from(ctx, from) == UNBAKE_OK) &&
        unbake_begin(ctx, stop_write, NULL) == UNBAKE_OK) {
        if (unbake_push(ctx, p, n) == UNBAKE_OK)
            (void)unbake_finish(ctx);
        const char *enc = unbake_input_encoding(ctx);
        wide = !strncmp(enc, "utf-16", 6) || !strncmp(enc, "utf-32", 6);
    }
    unbake_ctx_free(ctx);
    return wide;
}

int ub_looks_binary(const struct ub_opts *o, const unsigned char *p, size_t n)
{
    size_t ctl = 0;
    int nul = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        nul |= c == 0;
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
             c != '\v' && c != 0x1B) || c == 0x7F)
            ctl++;
    }
    if (!nul && ctl * 10 <= n)
        return 0;
    return !wide_text(o->from, p, n);
}

/* ------------------------------------------------------------ helpers */

static int read_all(int fd, struct ub_membuf *m)
{
    char buf[UB_CHUNK];
    for (;;) {
        ssize_t n = ub_read_full(fd, buf, sizeof buf);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        if (ub_membuf_write(m, buf, (size_t)n) < 0) {
            errno = ENOMEM;
            return -1;
        }
    }
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    /* Some file systems cannot sync a directory; that is not our failure. */
    if (r < 0 && (errno == EINVAL || errno == EROFS))
        r = 0;
    close(fd);
    return r;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int unchanged_since(const struct stat *a, const struct stat *b)
{
    return same_file(a, b) && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Pass 1's sink: does the output differ from the file?  It reads the file
 * alongside (pread, the stream's own offset is left alone), so "changed"
 * means just that, whatever the library did: repairs, a conversion to
 * UTF-8 from UTF-16 or a legacy encoding, a stripped byte order mark. */
struct cmp_sink {
    int fd;
    uint64_t off;
    int differs, err;
};

static int cmp_write(void *user, const char *data, size_t len)
{
    struct cmp_sink *c = user;
    char buf[4096];
    while (len && !c->differs) {
        size_t k = len < sizeof buf ? len : sizeof buf;
        ssize_t n = pread(c->fd, buf, k, (off_t)c->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            c->err = errno;
            return -1;
        }
        if ((size_t)n < k || memcmp(buf, data, k) != 0)
            c->differs = 1;
        c->off += k;
        data += k;
        len -= k;
    }
    return 0;
}

/* --dry-run: say what would change (or print the diff). */
static ub_file_result_e dry_run(const struct ub_opts *o, unbake_ctx *ctx, int fd,
                                const char *path, struct ub_stream *st)
{
    if (!o->diff) {
        pthread_mutex_lock(&ub_out_lock);
        printf("would fix %s (%s%s%s%ld repair%s)\n", path, st->transcoded ? "read as " : "",
               st->transcoded ? st->encoding : "", st->transcoded ? ", " : "", st->runs,
               st->runs == 1 ? "" : "s");
        fflush(stdout);
        pthread_mutex_unlock(&ub_out_lock);
        return UB_FILE_FIXED;
    }
    struct ub_membuf a = { 0 }, b = { 0 };
    ub_file_result_e res = UB_FILE_FAILED;
    if (lseek(fd, 0, SEEK_SET) < 0 || read_all(fd, &a) < 0) {
        ub_msg(1, "%s: read error: %s", path, strerror(errno));
        goto out;
    }
    unbake_ctx_set_report(ctx, NULL, NULL);
    if (unbake_begin(ctx, ub_membuf_write, &b) < 0 || unbake_push(ctx, a.p, a.len) < 0 ||
        unbake_finish(ctx) < 0) {
        ub_msg(1, "%s: repair failed", path);
        goto out;
    }
    pthread_mutex_lock(&ub_out_lock);
    int r = ub_diff_print(path, a.p ? a.p : "", a.len, b.p ? b.p : "", b.len);
    pthread_mutex_unlock(&ub_out_lock);
    if (r < 0) {
        ub_msg(1, "standard output: write error: %s", strerror(errno));
        goto out;
    }
    res = UB_FILE_FIXED;
out:
    free(a.p);
    free(b.p);
    return res;
}

/* ------------------------------------------------------------ in place */

ub_file_result_e ub_fix_in_place(const struct ub_opts *o, unbake_ctx *ctx,
                                 const char *path, int slot,
                                 struct ub_stream *st, int explicit_operand)
{
    struct stat lst, st0, st1;
    char *real = NULL, *dirbuf = NULL, *basebuf = NULL, *tmp = NULL, *backup = NULL;
    int fd = -1, tfd = -1;
    ub_file_result_e res = UB_FILE_FAILED;
    int warn_level = explicit_operand ? 2 : 3;

    if (slot < 0 || slot >= MAX_SLOTS)
        return UB_FILE_FAILED;
    if (strcmp(path, "-") == 0) {
        ub_msg(1, "-: cannot rewrite standard input in place");
        return UB_FILE_FAILED;
    }
    if (lstat(path, &lst) < 0) {
        ub_msg(1, "%s: cannot stat: %s", path, strerror(errno));
        return UB_FILE_FAILED;
    }
    const char *target = path;
    if (S_ISLNK(lst.st_mode)) {
        if (!o->follow_symlinks) {
            ub_msg(warn_level, "%s: symbolic link skipped (use --follow-symlinks)", path);
            return UB_FILE_SKIPPED;
        }
        /* Fix the target, in the target's own directory. */
        real = realpath(path, NULL);
        if (!real || lstat(real, &lst) < 0) {
            ub_msg(1, "%s: cannot resolve link: %s", path, strerror(errno));
            free(real);
            return UB_FILE_FAILED;
        }
        target = real;
    }
    if (S_ISDIR(lst.st_mode)) {
        ub_msg(warn_level, "%s: is a directory (use -r)", path);
        res = UB_FILE_SKIPPED;
        goto out;
    }
    if (!S_ISREG(lst.st_mode)) {
        ub_msg(warn_level, "%s: not a regular file; skipped", path);
        res = UB_FILE_SKIPPED;
        goto out;
    }
    if (lst.st_nlink > 1 && !o->force && !o->dry_run) {
        ub_msg(2, "%s: has %lu hard links; skipped (rewriting would split them; use --force)",
               path, (unsigned long)lst.st_nlink);
        res = UB_FILE_SKIPPED;
        goto out;
    }
    if (!(lst.st_mode & 0222) && !o->force && !o->dry_run) {
        ub_msg(2, "%s: read-only file skipped (use --force)", path);
        res = UB_FILE_SKIPPED;
        goto out;
    }

    fd = open(target, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        ub_msg(1, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st0) < 0 || !same_file(&st0, &lst)) {
        ub_msg(1, "%s: changed while being opened; left alone", path);
        goto out;
    }

    unsigned char probe[UB_BINARY_PROBE];
    ssize_t pn = pread(fd, probe, sizeof probe, 0);
    if (pn < 0) {
        ub_msg(1, "%s: read error: %s", path, strerror(errno));
        goto out;
    }
    if (ub_looks_binary(o, probe, (size_t)pn)) {
        ub_msg(warn_level, "%s: looks binary; skipped", path);
        res = UB_FILE_SKIPPED;
        goto out;
    }

    /* Pass 1: does anything change? */
    int write_failed;
    struct cmp_sink cmp = { fd, 0, 0, 0 };
    long runs = ub_fix_fd(ctx, fd, st, cmp_write, &cmp, &write_failed);
    if (runs < 0) {
        if (write_failed)
            ub_msg(1, "%s: read error: %s", path, strerror(cmp.err));
        goto out;
    }
    if (!cmp.differs && cmp.off == st->bytes_in) {
        res = UB_FILE_UNCHANGED;
        goto out;
    }
    if (o->dry_run) {
        res = dry_run(o, ctx, fd, path, st);
        goto out;
    }

    /* Pass 2: into a temporary file beside the target. */
    dirbuf = strdup(target);
    basebuf = strdup(target);
    if (!dirbuf || !basebuf) {
        ub_msg(1, "%s: %s", path, strerror(ENOMEM));
        goto out;
    }
    const char *dir = dirname(dirbuf), *base = basename(basebuf);
    if (lseek(fd, 0, SEEK_SET) < 0) {
        ub_msg(1, "%s: cannot seek: %s", path, strerror(errno));
        goto out;
    }
    tfd = tmp_create(dir, base, slot, &tmp);
    if (tfd < 0) {
        ub_msg(1, "%s: cannot create a temporary file in %s: %s", path, dir, strerror(errno));
        goto out;
    }
    struct ub_sink *sink = malloc(sizeof *sink);
    if (!sink) {
        ub_msg(1, "%s: %s", path, strerror(ENOMEM));
        goto discard;
    }
    ub_sink_init(sink, tfd, tmp);
    struct ub_stream st2 = *st;
    st2.explain = 0;
    st2.tally = NULL;
    st2.on_report = NULL;
    long runs2 = ub_fix_fd(ctx, fd, &st2, ub_sink_write, sink, &write_failed);
    if (runs2 >= 0 && ub_sink_flush(sink) < 0)
        write_failed = 1;
    int werr = sink->err;
    free(sink);
    if (write_failed) {
        ub_msg(1, "%s: cannot write the fixed file: %s", path, strerror(werr));
        goto discard;
    }
    if (runs2 < 0)
        goto discard;   /* ub_fix_fd() said why */
    if (runs2 != runs) {
        ub_msg(1, "%s: changed while being fixed; left alone", path);
        goto discard;
    }

    /* gzip's order: group, then mode (which chown may have cleared), then
     * owner.  Only root may give a file away, so EPERM is expected. */
    if (fchown(tfd, (uid_t)-1, lst.st_gid) < 0 && errno != EPERM)
        ub_msg(2, "%s: cannot keep the group: %s", path, strerror(errno));
    if (fchmod(tfd, lst.st_mode & 0777) < 0) {
        ub_msg(1, "%s: cannot set the mode: %s", path, strerror(errno));
        goto discard;
    }
    if (fchown(tfd, lst.st_uid, (gid_t)-1) < 0 && errno != EPERM)
        ub_msg(2, "%s: cannot keep the owner: %s", path, strerror(errno));
    if (!o->touch) {
        struct timespec times[2] = { lst.st_atim, lst.st_mtim };
        if (futimens(tfd, times) < 0)
            ub_msg(2, "%s: cannot keep the timestamps: %s", path, strerror(errno));
    }
    if (fsync(tfd) < 0) {
        ub_msg(1, "%s: cannot sync the fixed file: %s", path, strerror(errno));
        goto discard;
    }
    int cr = close(tfd);
    tfd = -1;
    if (cr < 0) {
        ub_msg(1, "%s: cannot write the fixed file: %s", path, strerror(errno));
        goto discard;
    }
    if (fstat(fd, &st1) < 0 || !unchanged_since(&st0, &st1) ||
        lstat(target, &st1) < 0 || !same_file(&st0, &st1)) {
        ub_msg(1, "%s: changed while being fixed; left alone", path);
        goto discard;
    }
    if (o->backup_suffix) {
        size_t n = strlen(target) + strlen(o->backup_suffix) + 1;
        backup = malloc(n);
        if (!backup) {
            ub_msg(1, "%s: %s", path, strerror(ENOMEM));
            goto discard;
        }
        snprintf(backup, n, "%s%s", target, o->backup_suffix);
        /* A hard link keeps the original inode, contents and all, at no cost. */
        if ((unlink(backup) < 0 && errno != ENOENT) || link(target, backup) < 0) {
            ub_msg(1, "%s: cannot make the backup %s: %s", path, backup, strerror(errno));
            goto discard;
        }
    }
    if (tmp_commit(slot, target) < 0) {
        ub_msg(1, "%s: cannot replace the file: %s", path, strerror(errno));
        goto out;
    }
    if (fsync_dir(dir) < 0)
        ub_msg(2, "%s: cannot sync directory %s: %s", path, dir, strerror(errno));
    res = UB_FILE_FIXED;
    goto out;

discard:
    if (tfd >= 0) {
        close(tfd);
        tfd = -1;
    }
    tmp_discard(slot);
out:
    if (tfd >= 0)
        close(tfd);
    if (fd >= 0)
        close(fd);
    free(real);
    free(dirbuf);
    free(basebuf);
    free(backup);
    return res;
}
