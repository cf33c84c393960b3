/*
 * cli.h -- what the modules of the unbake command-line tool share.
 *
 *   main.c      start-up, dispatch, the one exit path
 *   args.c      the option loop (argv and UNBAKE_OPTIONS)
 *   display.c   messages on stderr, by verbosity
 *   lines.c     byte offset -> LINE:COL, in bounded memory
 *   files.c     reading input, the output sink, the streaming filter, --explain
 *   inplace.c   the atomic in-place rewrite (-i) and its signal handling
 *   walk.c      -r trees: fts walk, filters, binary test, workers, summary
 *   progress.c  the TTY progress line
 *   names.c     --names: repairing file and directory names
 *   diff.c      --diff: unified diffs of what would change
 *   check.c     `unbake check`
 *   roundtrip.c `unbake roundtrip`
 *   jsonl.c     --jsonl=FIELD
 *   icudata.c   ICU's data, for the statically linked ICU
 */
#ifndef UB_CLI_H
#define UB_CLI_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "unbake.h"

/*
 * Exit status, the same in --help, the man page and the tests.  The filter
 * (and -i, -r) exits UB_EXIT_OK or UB_EXIT_FAIL; `check` and `roundtrip`
 * exit UB_EXIT_OK when clean, UB_EXIT_FOUND when they find something and
 * UB_EXIT_ERROR on usage or I/O errors.
 */
typedef enum {
    UB_EXIT_OK = 0,
    UB_EXIT_FAIL = 1,
    UB_EXIT_FOUND = 1,
    UB_EXIT_ERROR = 2
} ub_exit_e;

typedef enum {
    UB_CMD_FILTER = 0,
    UB_CMD_CHECK,
    UB_CMD_ROUNDTRIP
} ub_cmd_e;

typedef enum {
    UB_FMT_TEXT = 0,
    UB_FMT_JSON,
    UB_FMT_SARIF
} ub_format_e;

/* Library options: UB_UNSET means "not given, keep the library's default". */
#define UB_UNSET INT_MIN
struct ub_libopts {
    int lossy;
    int min_confidence;     /* per mille */
    int max_layers;
    int strip_bom;
    int bias;               /* tenths of a nat */
};

struct ub_opts {
    ub_cmd_e cmd;
    int verbosity;          /* -1 until decided in main */
    int verbosity_delta;    /* -v minus -q */
    int help, version, list_codecs;
    int explain;
    struct ub_libopts lib;
    const char *from;       /* --from=CODEC, NULL: auto */

    /* files and trees (issue 5) */
    int in_place, recursive, dry_run, diff, touch, force, follow_symlinks, names;
    const char *backup_suffix;  /* NULL: no backup */
    long jobs;
    int progress;               /* -1 auto, 0 off, 1 on */
    const char **includes, **excludes;
    size_t n_includes, n_excludes;

    /* subcommands */
    ub_format_e format;
    const char *via;
    const char *jsonl_field;

    const char **files;
    size_t n_files;
};

/* ------------------------------------------------------------ args.c */

/* Parse UNBAKE_OPTIONS (if set) and then argv into o (flags beat the
 * environment).  Returns 0, or -1 after printing a usage error. */
int ub_args_parse(struct ub_opts *o, int argc, char **argv);
void ub_args_free(struct ub_opts *o);
void ub_usage(ub_cmd_e cmd);
/* Print the one-line usage hint after an error. */
void ub_usage_hint(void);

/* ------------------------------------------------------------ icudata.c */

/* Give ICU its data (libicudata.so), or say on stderr why not (converters
 * then fail to open): the library's data hook (icu.h), run before the
 * first converter is opened. */
void ub_icu_data_load(void);

/* ------------------------------------------------------------ display.c */

extern int ub_verbosity;
/* "unbake: " + message + "\n" on stderr when ub_verbosity >= level.
 * Level 1 errors, 2 warnings, 3 progress/info, 4 debug. */
void ub_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Quote s for display: control characters, '"', '\\' and invalid UTF-8
 * escaped C-style.  Writes at most max bytes of s (then "..."); returns a
 * malloc()ed string or NULL. */
char *ub_quote(const char *s, size_t len, size_t max);
/* The display name of an input path ("-" is standard input). */
const char *ub_display_name(const char *path);

/* ------------------------------------------------------------ lines.c */

/*
 * LINE:COL of reports.  Report offsets count bytes of the UTF-8 text the
 * library decided on (the input decoded from UTF-16/32 or a legacy
 * encoding, or the input itself when it is UTF-8), not bytes of the input;
 * that text is rebuilt from the output, where each repaired run's text
 * (report->in) stands replaced by report->out.  LINE and COL are 1-based;
 * COL counts characters (each byte that is not UTF-8 is one), not counting
 * a byte order mark at the start of the text.  At most UB_LINES_KEEP bytes
 * of output are kept.
 */
#define UB_LINES_KEEP (4u * UNBAKE_WINDOW)
struct ub_lines {
    uint64_t line, col;     /* after the text counted: line, characters */
    uint64_t text_off;      /* text bytes counted (output side, no stripped BOM) */
    uint64_t out_off;       /* output offset of hist[start] */
    uint64_t skip;          /* output bytes still to come that a report covered */
    uint64_t base;          /* 3 when the library stripped a leading BOM */
    int aligned, lost;      /* lost: positions unknown from here on */
    unsigned char carry[4]; /* a UTF-8 sequence cut between two writes */
    size_t ncarry;
    char *hist;             /* hist[start .. start+len): output not yet counted */
    size_t start, len, cap;
    /* Optional: told about each byte that is not UTF-8 in text that no
     * report covers (it reaches the output as it is). */
    void (*on_invalid)(void *user, uint64_t text_off, uint64_t line, uint64_t col,
                       unsigned char byte);
    void *user;
};
void ub_lines_init(struct ub_lines *l);
void ub_lines_free(struct ub_lines *l);
/* Record output bytes as they are written. */
void ub_lines_output(struct ub_lines *l, const void *data, size_t len);
/* LINE and COL of a report's run; call once per report, in order.  Returns
 * -1 when the position is unknown (it then stays unknown). */
int ub_lines_report(struct ub_lines *l, const unbake_report *r, uint64_t *line, uint64_t *col);
/* Count what is left, at the end of the stream. */
void ub_lines_end(struct ub_lines *l);

/* Is s[0..n) valid UTF-8? */
int ub_utf8_valid(const void *s, size_t n);

/* Does unbake_input_encoding() say the input was transcoded (not read as
 * UTF-8 byte for byte)? */
int ub_encoding_transcoded(const char *encoding);

/* ------------------------------------------------------------ files.c */

#define UB_CHUNK (128u * 1024u)
/* A write at least this long bypasses the sink's buffer. */
#define UB_SINK_DIRECT (16u * 1024u)

/* Buffered writer on a file descriptor; remembers the first errno. */
struct ub_sink {
    int fd;
    int err;
    const char *name;       /* for messages */
    uint64_t written;
    size_t len;
    char buf[UB_CHUNK];
};
void ub_sink_init(struct ub_sink *s, int fd, const char *name);
int ub_sink_write(void *user, const char *data, size_t len); /* unbake_write_fn */
int ub_sink_flush(struct ub_sink *s);
/* A sink that discards everything (for passes that only count). */
int ub_null_write(void *user, const char *data, size_t len);

/* A growing in-memory buffer, NUL-terminated after len once written to. */
struct ub_membuf {
    char *p;
    size_t len, cap;
};

int ub_membuf_write(void *user, const char *data, size_t len); /* unbake_write_fn */

/* Full read with EINTR handling: returns bytes read (0 at EOF) or -1. */
ssize_t ub_read_full(int fd, void *buf, size_t len);

/* Per-stream bookkeeping shared by --explain, the summary and check. */
struct ub_tally;
struct ub_stream {
    const struct ub_opts *opts;
    const char *name;       /* display name */
    struct ub_lines lines;
    int track;              /* keep LINE:COL (set by ub_fix_fd() and callers) */
    int explain;            /* print each report on stderr */
    struct ub_tally *tally; /* NULL or per-hypothesis counts */
    uint64_t bytes_changed;
    uint64_t bytes_in;      /* input bytes read */
    long runs;
    /* Set by a caller that reads none of runs, bytes_changed and the
     * reports (the filter uses ub_fix_fd()'s count): then no report
     * callback is installed unless track or tally needs one, and the
     * library skips wording each repair. */
    int counts_unread;
    /* Set by ub_fix_fd(): the context, and once the input stage decided
     * (before the first report, or at the end), how the input was read. */
    unbake_ctx *ctx;
    int started;
    char encoding[192];     /* unbake_input_encoding() */
    int transcoded;
    /* The position of the report being handled (have_pos 0: unknown). */
    int have_pos;
    uint64_t line, col;
    void (*on_report)(struct ub_stream *st, const unbake_report *r); /* extra hook */
    /* Called with each chunk of input before it is pushed (off: its offset). */
    void (*on_input)(struct ub_stream *st, const unsigned char *p, size_t n, uint64_t off);
    /* Called once the input encoding is known, before the first report. */
    void (*on_start)(struct ub_stream *st);
    /* Each byte that is not UTF-8 and that no report covers (with track). */
    void (*on_invalid)(struct ub_stream *st, uint64_t off, uint64_t line, uint64_t col,
                       unsigned char byte);
    /* Called after the stream finished and every position was counted. */
    void (*on_end)(struct ub_stream *st);
    void *user;
};

/* A write callback that shows the output to st->lines on its way to
 * write(user). */
struct ub_tee {
    unbake_write_fn write;
    void *user;
    struct ub_stream *st;
};
int ub_tee_write(void *user, const char *data, size_t len); /* unbake_write_fn */

/* Create a context with the command line's library options applied. */
unbake_ctx *ub_ctx_new(const struct ub_opts *o);
/* The report callback (user = struct ub_stream *). */
void ub_stream_report(void *user, const unbake_report *r);

/* Stream fd through ctx into write(user).  Returns runs changed (>= 0),
 * or -1 after printing an error naming st->name (read, write or library
 * error; *write_failed is set when the sink failed). */
long ub_fix_fd(unbake_ctx *ctx, int fd, struct ub_stream *st,
               unbake_write_fn write, void *wuser, int *write_failed);

/* The filter: every operand (or stdin) to stdout.  Returns a ub_exit_e. */
int ub_filter_main(const struct ub_opts *o);

/* ------------------------------------------------------------ tally (walk.c) */

struct ub_tally *ub_tally_new(void);
void ub_tally_free(struct ub_tally *t);
void ub_tally_add(struct ub_tally *t, const char *hypothesis, long n);
void ub_tally_merge(struct ub_tally *into, const struct ub_tally *from);
/* "N utf-8 read as X, M ..." (malloc()ed) or NULL when empty. */
char *ub_tally_format(const struct ub_tally *t);

/* ------------------------------------------------------------ inplace.c */

typedef enum {
    UB_FILE_UNCHANGED = 0,
    UB_FILE_FIXED,
    UB_FILE_SKIPPED,
    UB_FILE_FAILED
} ub_file_result_e;

/* Start/stop the signal thread that removes temporary files on SIGINT,
 * SIGTERM, SIGHUP.  Returns 0 or -1. */
int ub_inplace_signals_start(void);
void ub_inplace_signals_stop(void);

/* Binary-file heuristic on the first bytes of a file (see the man page):
 * a NUL byte, or more than 1 in 10 control characters, unless the
 * library's input stage reads the bytes as UTF-16 or UTF-32 (by a byte
 * order mark, by NUL pattern, or because o->from says so). */
int ub_looks_binary(const struct ub_opts *o, const unsigned char *p, size_t n);
#define UB_BINARY_PROBE 8192u

/* Fix one named file in place (or, with --dry-run, only report).  slot is
 * the worker's index for temporary-file bookkeeping. */
ub_file_result_e ub_fix_in_place(const struct ub_opts *o, unbake_ctx *ctx,
                                 const char *path, int slot,
                                 struct ub_stream *st, int explicit_operand);

/* ------------------------------------------------------------ walk.c */

struct ub_job {
    char *path;
    uint64_t size;
    int explicit_operand;   /* named on the command line */
};
struct ub_jobs {
    struct ub_job *v;
    size_t n, cap;
};
/* The files to work on: the operands, and with recursive everything under
 * the directory operands except VCS directories, --exclude matches, files
 * not matching --include and (unless --follow-symlinks) symbolic links,
 * which are counted in *skipped.  Returns the number of errors reported,
 * or -1 when out of memory. */
int ub_collect(const struct ub_opts *o, int recursive, const char *const *roots,
               size_t n_roots, struct ub_jobs *jobs, uint64_t *skipped);
void ub_jobs_free(struct ub_jobs *j);
extern pthread_mutex_t ub_out_lock;     /* serializes stdout among workers */

/* -i / -r / --dry-run over the operands.  Returns a ub_exit_e. */
int ub_files_main(const struct ub_opts *o);
/* Does the basename or path match any of globs? */
int ub_glob_any(const char *const *globs, size_t n, const char *path);
/* Is name a version-control directory (.git, .hg, ...)? */
int ub_is_vcs_dir(const char *name);

/* ------------------------------------------------------------ progress.c */

struct ub_progress;
struct ub_progress *ub_progress_new(int mode, uint64_t total_files, uint64_t total_bytes);
void ub_progress_update(struct ub_progress *p, uint64_t files_done, uint64_t bytes_done);
void ub_progress_end(struct ub_progress *p);

/* ------------------------------------------------------------ names.c */

/* --names over the operands.  Returns a ub_exit_e. */
int ub_names_main(const struct ub_opts *o);

/* ------------------------------------------------------------ diff.c */

/* Print a unified diff of a -> b (whole buffers) on stdout.  Returns 0 or
 * -1 on a write error. */
int ub_diff_print(const char *name, const char *a, size_t alen,
                  const char *b, size_t blen);

/* ------------------------------------------------------------ check.c */

int ub_check_main(const struct ub_opts *o);

/* ------------------------------------------------------------ roundtrip.c */

int ub_roundtrip_main(const struct ub_opts *o);

/* ------------------------------------------------------------ jsonl.c */

int ub_jsonl_main(const struct ub_opts *o);

#endif
