/*
 * args.c -- the one option loop, for argv and for UNBAKE_OPTIONS.
 *
 * Long options take their value as `--opt=value` or `--opt value`; short
 * options cluster (`-qv`) and take values as `-j4` or `-j 4`; `--` ends the
 * options and `-` is standard input.  Options with an optional value
 * (`--backup[=SUFFIX]`) take it only after '='.
 *
 * UNBAKE_OPTIONS holds whitespace-separated options that are parsed first,
 * so flags on the command line override them.  Only options that tune the
 * repair are allowed there; anything else, or a bad value, is warned about
 * and ignored, never fatal.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef enum {
    OPT_HELP = 1, OPT_VERSION, OPT_QUIET, OPT_VERBOSE, OPT_EXPLAIN, OPT_LOSSY,
    OPT_MIN_CONF, OPT_MAX_LAYERS, OPT_STRIP_BOM, OPT_BIAS, OPT_LIST_CODECS,
    OPT_IN_PLACE, OPT_RECURSIVE, OPT_INCLUDE, OPT_EXCLUDE, OPT_JOBS,
    OPT_PROGRESS, OPT_NO_PROGRESS, OPT_DRY_RUN, OPT_DIFF, OPT_BACKUP,
    OPT_TOUCH, OPT_FORCE, OPT_FOLLOW, OPT_NAMES, OPT_JSONL, OPT_FORMAT,
    OPT_VIA, OPT_FROM
} opt_id_e;

enum { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

/* Where an option is accepted. */
#define IN_FILTER 1u
#define IN_CHECK 2u
#define IN_ROUNDTRIP 4u
#define IN_ENV 8u
#define IN_ALL (IN_FILTER | IN_CHECK | IN_ROUNDTRIP)
#define IN_TUNING (IN_FILTER | IN_CHECK | IN_ENV)

struct optdef {
    const char *name;
    char short_name;
    int arg;
    opt_id_e id;
    unsigned where;
};

static const struct optdef optdefs[] = {
    { "help",            'h', ARG_NONE,     OPT_HELP,        IN_ALL },
    { "version",         'V', ARG_NONE,     OPT_VERSION,     IN_ALL },
    { "quiet",           'q', ARG_NONE,     OPT_QUIET,       IN_ALL | IN_ENV },
    { "verbose",         'v', ARG_NONE,     OPT_VERBOSE,     IN_ALL | IN_ENV },
    { "explain",         0,   ARG_NONE,     OPT_EXPLAIN,     IN_FILTER },
    { "lossy",           0,   ARG_REQUIRED, OPT_LOSSY,       IN_TUNING },
    { "min-confidence",  0,   ARG_REQUIRED, OPT_MIN_CONF,    IN_TUNING },
    { "max-layers",      0,   ARG_REQUIRED, OPT_MAX_LAYERS,  IN_TUNING },
    { "strip-bom",       0,   ARG_NONE,     OPT_STRIP_BOM,   IN_FILTER | IN_ENV },
    { "from",            0,   ARG_REQUIRED, OPT_FROM,        IN_TUNING },
    { "bias",            0,   ARG_REQUIRED, OPT_BIAS,        IN_TUNING },
    { "list-codecs",     0,   ARG_NONE,     OPT_LIST_CODECS, IN_FILTER | IN_ROUNDTRIP },
    { "in-place",        'i', ARG_NONE,     OPT_IN_PLACE,    IN_FILTER },
    { "recursive",       'r', ARG_NONE,     OPT_RECURSIVE,   IN_FILTER | IN_CHECK },
    { "include",         0,   ARG_REQUIRED, OPT_INCLUDE,     IN_FILTER | IN_CHECK },
    { "exclude",         0,   ARG_REQUIRED, OPT_EXCLUDE,     IN_FILTER | IN_CHECK },
    { "jobs",            'j', ARG_REQUIRED, OPT_JOBS,        IN_FILTER },
    { "progress",        0,   ARG_NONE,     OPT_PROGRESS,    IN_FILTER },
    { "no-progress",     0,   ARG_NONE,     OPT_NO_PROGRESS, IN_FILTER | IN_ENV },
    { "dry-run",         'n', ARG_NONE,     OPT_DRY_RUN,     IN_FILTER },
    { "diff",            0,   ARG_NONE,     OPT_DIFF,        IN_FILTER },
    { "backup",          0,   ARG_OPTIONAL, OPT_BACKUP,      IN_FILTER },
    { "touch",           0,   ARG_NONE,     OPT_TOUCH,       IN_FILTER },
    { "force",           'f', ARG_NONE,     OPT_FORCE,       IN_FILTER },
    { "follow-symlinks", 0,   ARG_NONE,     OPT_FOLLOW,      IN_FILTER | IN_CHECK },
    { "names",           0,   ARG_NONE,     OPT_NAMES,       IN_FILTER },
    { "jsonl",           0,   ARG_REQUIRED, OPT_JSONL,       IN_FILTER },
    { "format",          0,   ARG_REQUIRED, OPT_FORMAT,      IN_CHECK },
    { "via",             0,   ARG_REQUIRED, OPT_VIA,         IN_ROUNDTRIP },
};
#define N_OPTDEFS (sizeof optdefs / sizeof optdefs[0])

void ub_usage_hint(void)
{
    fprintf(stderr, "Try 'unbake --help' for more information.\n");
}

/* Print a usage error (argv) or a warning (environment). */
static void complain(int env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void complain(int env, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (env) {
        ub_msg(2, "UNBAKE_OPTIONS: %s; ignored", msg);
    } else {
        fprintf(stderr, "unbake: %s\n", msg);
        ub_usage_hint();
    }
}

/* Parse a decimal integer in [lo, hi]; returns 0 or -1. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    if (!*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (errno == ERANGE || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Parse a decimal number (no hex, inf or nan) in [lo, hi]. */
static int parse_double(const char *s, double lo, double hi, double *out)
{
    if (!*s || strspn(s, "+-.0123456789eE") != strlen(s))
        return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno == ERANGE || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

static int push_str(const char ***arr, size_t *n, const char *s)
{
    const char **a = realloc(*arr, (*n + 1) * sizeof *a);
    if (!a)
        return -1;
    a[(*n)++] = s;
    *arr = a;
    return 0;
}

/* Apply one option.  Returns 0, or -1 after complaining. */
static int apply(struct ub_opts *o, const struct optdef *d, const char *val, int env)
{
    long n;
    double x;
    switch (d->id) {
    case OPT_HELP: o->help = 1; break;
    case OPT_VERSION: o->version = 1; break;
    case OPT_QUIET: o->verbosity_delta--; break;
    case OPT_VERBOSE: o->verbosity_delta++; break;
    case OPT_EXPLAIN: o->explain = 1; break;
    case OPT_LOSSY:
        if (strcmp(val, "fill") == 0)
            o->lib.lossy = UNBAKE_LOSSY_FILL;
        else if (strcmp(val, "mark") == 0)
            o->lib.lossy = UNBAKE_LOSSY_MARK;
        else if (strcmp(val, "keep") == 0)
            o->lib.lossy = UNBAKE_LOSSY_KEEP;
        else {
            complain(env, "invalid --lossy '%s' (expected fill, mark or keep)", val);
            return -1;
        }
        break;
    case OPT_MIN_CONF:
        if (parse_double(val, 0.0, 1.0, &x) < 0) {
            complain(env, "invalid --min-confidence '%s' (expected a number from 0 to 1)", val);
            return -1;
        }
        o->lib.min_confidence = (int)lround(x * 1000.0);
        break;
    case OPT_MAX_LAYERS:
        if (parse_long(val, 1, 4, &n) < 0) {
            complain(env, "invalid --max-layers '%s' (expected 1, 2, 3 or 4)", val);
            return -1;
        }
        o->lib.max_layers = (int)n;
        break;
    case OPT_STRIP_BOM: o->lib.strip_bom = 1; break;
    case OPT_BIAS:
        if (parse_double(val, -20.0, 20.0, &x) < 0) {
            complain(env, "invalid --bias '%s' (expected a number of nats from -20 to 20)", val);
            return -1;
        }
        o->lib.bias = (int)lround(x * 10.0);
        break;
    case OPT_LIST_CODECS: o->list_codecs = 1; break;
    case OPT_IN_PLACE: o->in_place = 1; break;
    case OPT_RECURSIVE: o->recursive = 1; break;
    case OPT_INCLUDE:
    case OPT_EXCLUDE:
        if (d->id == OPT_INCLUDE ? push_str(&o->includes, &o->n_includes, val)
                                 : push_str(&o->excludes, &o->n_excludes, val)) {
            fprintf(stderr, "unbake: out of memory\n");
            return -1;
        }
        break;
    case OPT_JOBS:
        if (parse_long(val, 1, 256, &n) < 0) {
            complain(env, "invalid --jobs '%s' (expected 1 to 256)", val);
            return -1;
        }
        o->jobs = n;
        break;
    case OPT_PROGRESS: o->progress = 1; break;
    case OPT_NO_PROGRESS: o->progress = 0; break;
    case OPT_DRY_RUN: o->dry_run = 1; break;
    case OPT_DIFF: o->diff = 1; break;
    case OPT_BACKUP:
        if (val && (!*val || strchr(val, '/'))) {
            complain(env, "invalid --backup suffix '%s' (must be non-empty, without '/')", val);
            return -1;
        }
        o->backup_suffix = val ? val : "~";
        break;
    case OPT_TOUCH: o->touch = 1; break;
    case OPT_FORCE: o->force = 1; break;
    case OPT_FOLLOW: o->follow_symlinks = 1; break;
    case OPT_NAMES: o->names = 1; break;
    case OPT_JSONL:
        if (!*val) {
            complain(env, "invalid --jsonl '%s' (expected a field name)", val);
            return -1;
        }
        o->jsonl_field = val;
        break;
    case OPT_FORMAT:
        if (strcmp(val, "text") == 0)
            o->format = UB_FMT_TEXT;
        else if (strcmp(val, "json") == 0)
            o->format = UB_FMT_JSON;
        else if (strcmp(val, "sarif") == 0)
            o->format = UB_FMT_SARIF;
        else {
            complain(env, "invalid --format '%s' (expected text, json or sarif)", val);
            return -1;
        }
        break;
    case OPT_VIA: o->via = val; break;
    case OPT_FROM:
        if (!*val) {
            complain(env, "invalid --from '%s' (expected a codec name)", val);
            return -1;
        }
        o->from = val;
        break;
    }
    return 0;
}

static unsigned where_bit(const struct ub_opts *o, int env)
{
    if (env)
        return IN_ENV;
    return o->cmd == UB_CMD_CHECK ? IN_CHECK : o->cmd == UB_CMD_ROUNDTRIP ? IN_ROUNDTRIP : IN_FILTER;
}

static const struct optdef *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTDEFS; i++)
        if (strlen(optdefs[i].name) == len && memcmp(optdefs[i].name, name, len) == 0)
            return &optdefs[i];
    return NULL;
}

static const struct optdef *find_short(char c)
{
    for (size_t i = 0; i < N_OPTDEFS; i++)
        if (optdefs[i].short_name == c)
            return &optdefs[i];
    return NULL;
}

/*
 * The option loop over argv[0..argc-1] (argv[0] is an option or operand,
 * not the program name).  env: these come from UNBAKE_OPTIONS, so every
 * problem is a warning and the option is skipped.
 */
static int parse_vec(struct ub_opts *o, int argc, char **argv, int env)
{
    int only_files = 0;
    unsigned here = where_bit(o, env);
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (only_files || a[0] != '-' || a[1] == '\0') {
            if (env) {
                complain(env, "unexpected operand '%s'", a);
                continue;
            }
            if (push_str(&o->files, &o->n_files, a)) {
                fprintf(stderr, "unbake: out of memory\n");
                return -1;
            }
            continue;
        }
        if (strcmp(a, "--") == 0 && !env) {
            only_files = 1;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct optdef *d = find_long(name, len);
            if (!d || !(d->where & here)) {
                complain(env, d ? "option '%s' is not valid here" : "unknown option '%s'", a);
                if (env)
                    continue;
                return -1;
            }
            const char *val = eq ? eq + 1 : NULL;
            if (d->arg == ARG_NONE && val) {
                complain(env, "option '--%s' takes no value", d->name);
                if (env)
                    continue;
                return -1;
            }
            if (d->arg == ARG_REQUIRED && !val) {
                if (i + 1 >= argc) {
                    complain(env, "option '--%s' needs a value", d->name);
                    if (env)
                        continue;
                    return -1;
                }
                val = argv[++i];
            }
            if (apply(o, d, val, env) < 0 && !env)
                return -1;
            continue;
        }
        /* A cluster of short options. */
        for (char *p = a + 1; *p; p++) {
            const struct optdef *d = find_short(*p);
            if (!d || !(d->where & here)) {
                char s[3] = { '-', *p, '\0' };
                complain(env, d ? "option '%s' is not valid here" : "unknown option '%s'", s);
                if (env)
                    break;
                return -1;
            }
            const char *val = NULL;
            if (d->arg == ARG_REQUIRED) {
                if (p[1])
                    val = p + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else {
                    char s[3] = { '-', *p, '\0' };
                    complain(env, "option '%s' needs a value", s);
                    if (env)
                        break;
                    return -1;
                }
            }
            if (apply(o, d, val, env) < 0 && !env)
                return -1;
            if (val)
                break;
        }
    }
    return 0;
}

/* Split UNBAKE_OPTIONS on whitespace into a vector (strings point into buf). */
static int parse_env(struct ub_opts *o, char *buf)
{
    char *vec[64];
    int n = 0;
    for (char *tok = strtok(buf, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
        if (n == 64) {
            ub_msg(2, "UNBAKE_OPTIONS: too many options; the rest are ignored");
            break;
        }
        vec[n++] = tok;
    }
    return parse_vec(o, n, vec, 1);
}

static char *env_copy;

int ub_args_parse(struct ub_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->verbosity = -1;
    o->lib = (struct ub_libopts){ UB_UNSET, UB_UNSET, UB_UNSET, UB_UNSET, UB_UNSET };
    o->progress = -1;
    o->jobs = 1;

    int first = 1;
    if (argc > 1 && strcmp(argv[1], "check") == 0) {
        o->cmd = UB_CMD_CHECK;
        first = 2;
    } else if (argc > 1 && strcmp(argv[1], "roundtrip") == 0) {
        o->cmd = UB_CMD_ROUNDTRIP;
        first = 2;
    }

    const char *env = getenv("UNBAKE_OPTIONS");
    if (env && *env && o->cmd != UB_CMD_ROUNDTRIP) {
        env_copy = strdup(env);
        if (!env_copy) {
            fprintf(stderr, "unbake: out of memory\n");
            return -1;
        }
        parse_env(o, env_copy);
    }
    return parse_vec(o, argc - first, argv + first, 0);
}

void ub_args_free(struct ub_opts *o)
{
    free(o->files);
    free(o->includes);
    free(o->excludes);
    free(env_copy);
    env_copy = NULL;
    o->files = NULL;
    o->includes = o->excludes = NULL;
}

void ub_usage(ub_cmd_e cmd)
{
    if (cmd == UB_CMD_CHECK) {
        fputs(
"Usage: unbake check [OPTION]... [PATH]...\n"
"Report what unbake would change in files, directories (recursively) or\n"
"standard input -- mojibake, legacy bytes, files that are not UTF-8 --\n"
"one finding per line:\n"
"  FILE:LINE:COL: HYPOTHESIS: SNIPPET -> FIX\n"
"\n"
"  --format=FMT        text (default), json (one object per line) or sarif\n"
"  --include=GLOB      in directories, check only files matching GLOB\n"
"  --exclude=GLOB      skip files and directories matching GLOB\n"
"  --follow-symlinks   check the targets of symbolic links\n"
"  --lossy=MODE, --min-confidence=P, --max-layers=N, --bias=X, --from=CODEC\n"
"                      as for unbake\n"
"  -q, --quiet / -v, --verbose   less / more messages on stderr\n"
"  -h, --help / -V, --version\n"
"\n"
"Exit status: 0 clean, 1 something found, 2 error.\n", stdout);
        return;
    }
    if (cmd == UB_CMD_ROUNDTRIP) {
        fputs(
"Usage: unbake roundtrip --via=CODEC [FILE]...\n"
"Check that each UTF-8 FILE (or standard input) survives conversion to CODEC\n"
"and back unchanged; report the first characters that do not, as\n"
"  FILE:LINE:COL: U+XXXX 'C' does not survive CODEC\n"
"\n"
"  --via=CODEC         any converter name ICU knows (windows-1252, Shift_JIS, ...)\n"
"  --list-codecs       list ICU's converter names\n"
"  -q, --quiet / -v, --verbose\n"
"  -h, --help / -V, --version\n"
"\n"
"Exit status: 0 every file survives, 1 some do not, 2 error.\n", stdout);
        return;
    }
    fputs(
"Usage: unbake [OPTION]... [FILE]...\n"
"       unbake check [OPTION]... [PATH]...\n"
"       unbake roundtrip --via=CODEC [FILE]...\n"
"Repair mojibake: text whose UTF-8 bytes were decoded with the wrong codec.\n"
"Writes the repaired FILEs (or standard input; '-' is standard input) to\n"
"standard output, as UTF-8.  Clean UTF-8 passes through unchanged;\n"
"UTF-16/32, legacy files and legacy bytes inside UTF-8 are converted.\n"
"\n"
"Repair:\n"
"  --explain           describe each repair on stderr\n"
"  --lossy=MODE        runs that lost bytes: fill (default) with the most\n"
"                      probable text, mark uncertain characters with U+FFFD,\n"
"                      or keep the run as it is\n"
"  --min-confidence=P  with --lossy=mark: fill only characters at least this\n"
"                      probable, 0..1 (default 1)\n"
"  --max-layers=N      undo at most N mis-decodings, 1..4 (default 4)\n"
"  --bias=X            nats, -20..20: positive repairs less (default 0)\n"
"  --strip-bom         drop a leading UTF-8 byte order mark\n"
"  --from=CODEC        the input is in CODEC (default auto: UTF-8, UTF-16/32\n"
"                      by BOM or NULs, legacy bytes detected); output is UTF-8\n"
"  --list-codecs       list the codecs the detector knows\n"
"  --jsonl=FIELD       input is JSON Lines: repair only the string FIELD of\n"
"                      each record, leave every other byte as it is\n"
"\n"
"Files and trees:\n"
"  -i, --in-place      rewrite changed FILEs atomically instead of printing\n"
"  -r, --recursive     fix every text file under the directory operands\n"
"                      (implies -i; binary files and .git, .hg, .svn, ...\n"
"                      are skipped)\n"
"      --include=GLOB  only files whose name or path matches GLOB\n"
"      --exclude=GLOB  skip files and directories that match GLOB\n"
"  -j, --jobs=N        N files at a time (default 1)\n"
"  -n, --dry-run       change nothing; list what would change\n"
"      --diff          with --dry-run: print a unified diff on stdout\n"
"      --backup[=SUF]  keep the original as FILE~ (or FILE SUF)\n"
"      --touch         give rewritten files the current time\n"
"  -f, --force         also rewrite hard-linked and read-only files\n"
"      --follow-symlinks  fix the targets of symbolic links\n"
"      --names         repair file and directory names instead of contents\n"
"      --progress, --no-progress\n"
"                      progress line on stderr (default: when a terminal)\n"
"\n"
"  -q, --quiet         fewer messages (repeat for none)\n"
"  -v, --verbose       more messages (repeat for debugging)\n"
"  -h, --help          show this help and exit\n"
"  -V, --version       show the version and exit\n"
"\n"
"Options are also read from UNBAKE_OPTIONS (e.g. \"--lossy=mark --bias=1\");\n"
"the command line wins.  'unbake check --help' and 'unbake roundtrip --help'\n"
"describe the subcommands.\n"
"\n"
"Exit status: 0 success, 1 usage or I/O error.  check and roundtrip exit 0\n"
"when clean, 1 when they find something, 2 on errors.\n", stdout);
}
