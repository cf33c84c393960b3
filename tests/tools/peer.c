/*
 * peer.c -- the peer suite: ftfy's own test cases, run through the CLI.
 *
 * Usage: peer [OPTION]... CASES.jsonl UNBAKE
 *
 * CASES.jsonl holds one case a line (suite, n, label, original,
 * fixed_encoding, expect, and sometimes recovered).  Every case is piped
 * through the command-line filter UNBAKE as bytes, exactly as a user
 * would, and the output is compared byte for byte.  The checks, each
 * counted per case:
 *
 *  a    `--lossy=mark` gives fixed_encoding for every "expect: pass" case
 *       (issue 2: all 151);
 *  b    the default (fill) mode gives `recovered` where the case has it,
 *       otherwise fixed_encoding, where each U+FFFD of fixed_encoding may
 *       stand for any one character (a lost character that was filled);
 *  c    ftfy's "extra layer" variant: the original's UTF-8 bytes read as
 *       Latin-1 once more must still give fixed_encoding, for the 112
 *       cases whose original differs from its fix (ftfy: 103; issue 2:
 *       at least that, aim for all);
 *  d    the "expect: fail" cases (none of which ftfy fixes) fixed in
 *       --lossy=mark mode;
 *  neg  every negative case comes back as fixed_encoding (unchanged but
 *       for one C1 control) in both modes.
 * Hard gates, never baselined: the CLI exits 0 on every input, and its
 * output is valid UTF-8.
 *
 * The baseline (--baseline=FILE, tests/baseline/peer.txt) lists the cases
 * that fail today, one a line: "CHECK SUITE N  # reason".  A listed case
 * that fails counts as known (neither passed nor failed: "skipped"); a
 * case failing that is not listed is a regression and fails; a listed
 * case that passes counts as passed and is reported, to be removed from
 * the list.  Without --baseline every failing case fails.
 *
 * Options:
 *   --baseline=FILE     the known failures
 *   --update            rewrite FILE from this run: cases that now pass
 *                       are dropped, reasons of the others kept; refused
 *                       (nothing written, exit 1) when a case not in FILE
 *                       fails, unless also --allow-regression, which adds
 *                       it with a reason to be edited
 *   --allow-regression  see --update
 *   -v                  also list every known failure
 *
 * Output: per check a line with its count against the issue's target,
 * every new failure with input, expected and actual output, and last
 * "N passed, N failed, N skipped" (skipped = known failures).  Exit status
 * 0 when nothing failed, 1 when something did, 2 when the suite could not
 * run at all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tools/testkit.h"

/* What ftfy itself gets on the extra-layer variant. */
#define FTFY_LAYERED 103
/* New failures reported in full per check; the rest only named. */
#define MAX_SHOWN 40

enum { CK_A, CK_B, CK_C, CK_D, CK_NEG, NCHECKS };
static const char *const ck_key[NCHECKS] = { "a", "b", "c", "d", "neg" };
static const char *const ck_title[NCHECKS] = {
    "(a) --lossy=mark", "(b) default (fill) mode", "(c) extra Latin-1 layer",
    "(d) expect-fail case fixed", "negative unchanged",
};

/* A case's result under one check. */
enum { R_NA, R_PASS, R_FAIL };

struct pcase {
    char suite[32];
    int n;
    char *label;
    struct tk_buf orig, fixed, rec, layered;
    int has_rec;
    int expect_pass;
    struct tk_buf out_mark, out_fill, out_layer;  /* CLI output for this case */
    int ok_mark, ok_fill, ok_layer;               /* the CLI ran and exited 0 */
    int filled;                                    /* (b): U+FFFD filled */
    unsigned char res[NCHECKS];
    unsigned char listed[NCHECKS];                 /* in the baseline */
    char *reason[NCHECKS];                         /* the baseline's reason */
};

static int verbose;

/* ------------------------------------------------------------------ */
/* Printing                                                            */
/* ------------------------------------------------------------------ */

/* Print b quoted, control characters and invalid UTF-8 escaped. */
static void show(const char *tag, const struct tk_buf *b)
{
    printf("      %-9s ", tag);
    tk_show(stdout, b->p, b->n, 0);
    printf("\n");
}

/* ------------------------------------------------------------------ */
/* Running the CLI                                                     */
/* ------------------------------------------------------------------ */

/*
 * Run `bin [arg]` with in as its standard input; collect standard output
 * in out and standard error in err.  Returns 1 when it exited with status
 * 0, else 0 (and describes the failure in err).
 */
static int run_cli(const char *bin, const char *arg, const struct tk_buf *in,
                   struct tk_buf *out, struct tk_buf *err)
{
    out->n = err->n = 0;
    tk_add(out, "", 0);
    tk_add(err, "", 0);

    FILE *fin = tmpfile(), *ferr = tmpfile();
    int pfd[2];
    if (!fin || !ferr || pipe(pfd)) {
        fprintf(stderr, "peer: cannot create temporary files: %s\n", strerror(errno));
        exit(2);
    }
    if (in->n && fwrite(in->p, 1, in->n, fin) != in->n) {
        fprintf(stderr, "peer: cannot write temporary file: %s\n", strerror(errno));
        exit(2);
    }
    fflush(fin);
    rewind(fin);
    fflush(stdout);

    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "peer: fork: %s\n", strerror(errno));
        exit(2);
    }
    if (pid == 0) {
        char *argv[3];
        argv[0] = (char *)(uintptr_t)bin;
        argv[1] = (char *)(uintptr_t)arg;
        argv[2] = NULL;
        if (dup2(fileno(fin), 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(fileno(ferr), 2) < 0)
            _exit(126);
        close(pfd[0]);
        close(pfd[1]);
        execv(bin, argv);
        fprintf(stderr, "cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    char chunk[8192];
    for (;;) {
        ssize_t r = read(pfd[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        tk_add(out, chunk, (size_t)r);
    }
    close(pfd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    fflush(ferr);
    rewind(ferr);
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, ferr)) > 0)
        tk_add(err, chunk, r);
    fclose(fin);
    fclose(ferr);

    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    char why[96];
    if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "[killed by signal %d]", WTERMSIG(status));
    else
        snprintf(why, sizeof why, "[exit status %d]", WEXITSTATUS(status));
    tk_add(err, why, strlen(why));
    return 0;
}

/* ------------------------------------------------------------------ */
/* Comparing                                                           */
/* ------------------------------------------------------------------ */

/*
 * Fill-mode comparison: got must equal want, except that each U+FFFD of
 * want matches any one character of got.  Returns 1 on a match; *filled
 * counts the U+FFFD matched by something other than U+FFFD.
 */
static int match_filled(const struct tk_buf *want, const struct tk_buf *got, int *filled)
{
    const unsigned char *w = (const unsigned char *)want->p;
    const unsigned char *g = (const unsigned char *)got->p;
    size_t i = 0, j = 0;
    *filled = 0;
    while (i < want->n && j < got->n) {
        uint32_t wc, gc;
        size_t wl = tk_utf8_dec(w + i, want->n - i, &wc);
        size_t gl = tk_utf8_dec(g + j, got->n - j, &gc);
        if (wl == 0 || gl == 0) {
            /* Invalid UTF-8 on either side: compare bytes. */
            if (w[i] != g[j])
                return 0;
            i++, j++;
            continue;
        }
        if (wc == 0xFFFD) {
            *filled += gc != 0xFFFD;
        } else if (wc != gc) {
            return 0;
        }
        i += wl;
        j += gl;
    }
    return i == want->n && j == got->n;
}

/* The original's UTF-8 bytes read as Latin-1: every byte one character. */
static void latin1_layer(const struct tk_buf *in, struct tk_buf *out)
{
    out->n = 0;
    tk_add(out, "", 0);
    for (size_t i = 0; i < in->n; i++) {
        unsigned char b = (unsigned char)in->p[i];
        if (b < 0x80) {
            tk_add(out, &b, 1);
        } else {
            unsigned char two[2] = { (unsigned char)(0xC0 | b >> 6), (unsigned char)(0x80 | (b & 0x3F)) };
            tk_add(out, two, 2);
        }
    }
}

static int is_negative(const struct pcase *c)
{
    return tk_eq(c->orig.p, c->orig.n, c->fixed.p, c->fixed.n);
}

/* Whether check k applies to case c. */
static int applies(const struct pcase *c, int k)
{
    switch (k) {
    case CK_A:
    case CK_B:
        return c->expect_pass;
    case CK_C:
        return !is_negative(c);
    case CK_D:
        return !c->expect_pass;
    default:
        return c->expect_pass && !strcmp(c->suite, "negative");
    }
}

/* The input, expected output and actual output of case c under check k. */
static void case_io(const struct pcase *c, int k, const struct tk_buf **in,
                    const struct tk_buf **want, const struct tk_buf **got)
{
    *in = k == CK_C ? &c->layered : &c->orig;
    *want = k == CK_B && c->has_rec ? &c->rec : &c->fixed;
    *got = k == CK_C ? &c->out_layer : k == CK_B ? &c->out_fill : &c->out_mark;
    if (k == CK_NEG && tk_eq(c->out_mark.p, c->out_mark.n, c->fixed.p, c->fixed.n))
        *got = &c->out_fill;
}

/* A first guess at why a case fails, for a new baseline entry. */
static const char *auto_reason(const struct pcase *c, int k)
{
    const struct tk_buf *in, *want, *got;
    case_io(c, k, &in, &want, &got);
    if (k == CK_D)
        return "not fixed: an expect-fail case (ftfy fixes none)";
    if (k == CK_NEG || is_negative(c))
        return "false positive: clean text changed";
    if (tk_eq(got->p, got->n, in->p, in->n))
        return "not detected: left unchanged";
    return "wrong repair: changed, but not to the expected text";
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */
/* ------------------------------------------------------------------ */

static int get_string(json_t *obj, const char *key, struct tk_buf *b, int required, int line)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            fprintf(stderr, "peer: line %d: no \"%s\"\n", line, key);
        return -1;
    }
    if (!json_is_string(v)) {
        fprintf(stderr, "peer: line %d: \"%s\" is not a string\n", line, key);
        exit(2);
    }
    tk_add(b, json_string_value(v), json_string_length(v));
    return 0;
}

static struct pcase *load(const char *path, size_t *ncases)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("peer: %s: cannot open the ftfy cases: %s\n", path, strerror(errno));
        printf("peer: the peer suite needs ../shared/peer/ftfy-cases.jsonl beside the repository\n");
        return NULL;
    }
    struct pcase *cases = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t linecap = 0;
    ssize_t len;
    int lineno = 0;
    while ((len = getline(&line, &linecap, f)) > 0) {
        lineno++;
        if (len == 1 && line[0] == '\n')
            continue;
        json_error_t jerr;
        json_t *obj = json_loadb(line, (size_t)len, JSON_ALLOW_NUL, &jerr);
        if (!obj || !json_is_object(obj)) {
            fprintf(stderr, "peer: %s:%d: %s\n", path, lineno, obj ? "not an object" : jerr.text);
            exit(2);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            cases = tk_xrealloc(cases, cap * sizeof *cases);
        }
        struct pcase *c = &cases[n++];
        memset(c, 0, sizeof *c);
        const char *suite = json_string_value(json_object_get(obj, "suite"));
        const char *label = json_string_value(json_object_get(obj, "label"));
        const char *expect = json_string_value(json_object_get(obj, "expect"));
        json_t *num = json_object_get(obj, "n");
        if (!suite || !expect || !json_is_integer(num) || strlen(suite) >= sizeof c->suite ||
            strpbrk(suite, " \t#")) {
            fprintf(stderr, "peer: %s:%d: missing or odd suite, n or expect\n", path, lineno);
            exit(2);
        }
        snprintf(c->suite, sizeof c->suite, "%s", suite);
        c->n = (int)json_integer_value(num);
        c->label = strdup(label ? label : "");
        c->expect_pass = !strcmp(expect, "pass");
        if (get_string(obj, "original", &c->orig, 1, lineno) ||
            get_string(obj, "fixed_encoding", &c->fixed, 1, lineno))
            exit(2);
        c->has_rec = get_string(obj, "recovered", &c->rec, 0, lineno) == 0;
        json_decref(obj);
        for (size_t j = 0; j + 1 < n; j++) {
            if (cases[j].n == c->n && !strcmp(cases[j].suite, c->suite)) {
                fprintf(stderr, "peer: %s:%d: %s #%d twice\n", path, lineno, c->suite, c->n);
                exit(2);
            }
        }
    }
    free(line);
    fclose(f);
    *ncases = n;
    return cases;
}

/* ------------------------------------------------------------------ */
/* The baseline                                                        */
/* ------------------------------------------------------------------ */

static int check_by_key(const char *key)
{
    for (int k = 0; k < NCHECKS; k++)
        if (!strcmp(key, ck_key[k]))
            return k;
    return -1;
}

/*
 * Read the known failures from path into the cases.  Lines: "CHECK SUITE
 * N  # reason"; blank lines and lines starting with '#' are comments.
 * Returns the number of entries that name no case (reported), or -1 when
 * the file cannot be read or has a malformed line.
 */
static int load_baseline(const char *path, struct pcase *cases, size_t ncases)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("peer: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t linecap = 0;
    int lineno = 0, stale = 0, bad = 0;
    while (getline(&line, &linecap, f) > 0) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        char *hash = strchr(line, '#');
        char *reason = NULL;
        if (hash) {
            *hash = '\0';
            reason = hash + 1;
            reason += strspn(reason, " \t");
        }
        char key[16], suite[64];
        int n, used = 0;
        int got = sscanf(line, " %15s %63s %d %n", key, suite, &n, &used);
        if (got <= 0 && strspn(line, " \t") == strlen(line))
            continue;
        int k = got == 3 ? check_by_key(key) : -1;
        if (k < 0 || line[used] != '\0') {
            printf("peer: %s:%d: not \"CHECK SUITE N  # reason\" (CHECK one of a b c d neg)\n",
                   path, lineno);
            bad = 1;
            continue;
        }
        size_t i;
        for (i = 0; i < ncases; i++)
            if (cases[i].n == n && !strcmp(cases[i].suite, suite))
                break;
        if (i == ncases || !applies(&cases[i], k)) {
            printf("    baseline entry names no case of check %s: %s:%d: %s %s %d\n", key, path,
                   lineno, key, suite, n);
            stale++;
            continue;
        }
        if (cases[i].listed[k]) {
            printf("    baseline entry listed twice: %s:%d: %s %s %d\n", path, lineno, key, suite, n);
            continue;
        }
        cases[i].listed[k] = 1;
        cases[i].reason[k] = strdup(reason && *reason ? reason : auto_reason(&cases[i], k));
    }
    free(line);
    fclose(f);
    return bad ? -1 : stale;
}

/* Write the baseline for this run to path (through a temporary file). */
static int write_baseline(const char *path, const struct pcase *cases, size_t ncases,
                          const int known[NCHECKS])
{
    struct tk_buf b = { 0 };
    tk_set(&b, "", 0);
    static const char head[] =
        "# tests/baseline/peer.txt -- peer-suite cases that fail today (known failures).\n"
        "# Written by tests/update-baselines.sh (build/tests/peer --update); reasons are\n"
        "# kept from the previous version, other comments are rewritten.\n"
        "#\n"
        "# One case a line: CHECK SUITE N  # reason category: detail\n"
        "#   CHECK  a    --lossy=mark gives fixed_encoding (expect-pass cases)\n"
        "#          b    default (fill) mode gives recovered / fixed_encoding\n"
        "#          c    extra Latin-1 layer still gives fixed_encoding\n"
        "#          d    expect-fail case fixed (ftfy fixes none)\n"
        "#          neg  negative case unchanged in both modes\n"
        "#   SUITE N  the case in ../shared/peer/ftfy-cases.jsonl\n"
        "# A case that fails and is not listed here fails `make check`; a listed case\n"
        "# that passes is reported as \"now passing\" until removed from this list.\n";
    tk_add(&b, head, sizeof head - 1);
    char line[512];
    for (int k = 0; k < NCHECKS; k++) {
        snprintf(line, sizeof line, "\n# %s: %d known failure(s)\n", ck_title[k], known[k]);
        tk_add(&b, line, strlen(line));
        for (size_t i = 0; i < ncases; i++) {
            const struct pcase *c = &cases[i];
            if (c->res[k] != R_FAIL)
                continue;
            char id[64];
            snprintf(id, sizeof id, "%s %s %d", ck_key[k], c->suite, c->n);
            const char *why = c->listed[k] ? c->reason[k] : NULL;
            char fresh[256];
            if (!why) {
                snprintf(fresh, sizeof fresh, "NEW, edit this reason: %s", auto_reason(c, k));
                why = fresh;
            }
            snprintf(line, sizeof line, "%-28s # %s\n", id, why);
            tk_add(&b, line, strlen(line));
        }
    }
    int r = tk_replace_file(path, b.p, b.n);
    if (r)
        printf("peer: %s: cannot write: %s\n", path, strerror(errno));
    tk_free(&b);
    return r;
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    const char *baseline = NULL;
    int update = 0, allow_regression = 0;
    int argi = 1;
    for (; argi < argc && argv[argi][0] == '-'; argi++) {
        const char *a = argv[argi];
        if (!strncmp(a, "--baseline=", 11) && a[11])
            baseline = a + 11;
        else if (!strcmp(a, "--update"))
            update = 1;
        else if (!strcmp(a, "--allow-regression"))
            allow_regression = 1;
        else if (!strcmp(a, "-v"))
            verbose = 1;
        else
            break;
    }
    if (argc - argi != 2 || (update && !baseline)) {
        fprintf(stderr, "usage: peer [--baseline=FILE [--update [--allow-regression]]] [-v] "
                        "CASES.jsonl UNBAKE\n");
        return 2;
    }
    /* The suite measures the defaults: no options from the environment. */
    unsetenv("UNBAKE_OPTIONS");
    const char *bin = argv[argi + 1];
    size_t ncases;
    struct pcase *cases = load(argv[argi], &ncases);
    if (!cases) {
        printf("0 passed, 1 failed\n");
        return 1;
    }
    if (access(bin, X_OK)) {
        printf("peer: %s: not an executable: %s\n", bin, strerror(errno));
        printf("0 passed, 1 failed\n");
        return 1;
    }
    printf("peer: %zu cases from %s, through %s\n", ncases, argv[argi], bin);
    int stale = 0;
    if (baseline) {
        stale = load_baseline(baseline, cases, ncases);
        if (stale < 0) {
            printf("0 passed, 1 failed\n");
            return 1;
        }
        printf("peer: known failures from %s\n", baseline);
    }

    struct tk_buf err = { 0 };
    int passed = 0, failed = 0, skipped = 0;
    int cli_failed = 0, not_utf8 = 0;

    /* Every case in each mode, and the layered variant; then judge. */
    for (size_t i = 0; i < ncases; i++) {
        struct pcase *c = &cases[i];
        static const char *const mode_name[3] = { "--lossy=mark", "default mode", "extra layer" };
        latin1_layer(&c->orig, &c->layered);
        c->ok_mark = run_cli(bin, "--lossy=mark", &c->orig, &c->out_mark, &err);
        c->ok_fill = run_cli(bin, NULL, &c->orig, &c->out_fill, &err);
        c->ok_layer = run_cli(bin, "--lossy=mark", &c->layered, &c->out_layer, &err);
        const int ok[3] = { c->ok_mark, c->ok_fill, c->ok_layer };
        const struct tk_buf *out[3] = { &c->out_mark, &c->out_fill, &c->out_layer };
        for (int m = 0; m < 3; m++) {
            /* Hard gates: the CLI takes every input, and writes UTF-8. */
            if (!ok[m]) {
                cli_failed++;
                printf("    FAIL CLI failed (%s) on %s #%d: %.*s\n", mode_name[m], c->suite, c->n,
                       (int)err.n, err.p);
            } else if (!tk_utf8_valid(out[m]->p, out[m]->n)) {
                not_utf8++;
                printf("    FAIL output not valid UTF-8 (%s) on %s #%d\n", mode_name[m], c->suite,
                       c->n);
                show("input", m == 2 ? &c->layered : &c->orig);
                show("got", out[m]);
            }
        }

        int mark_ok = c->ok_mark && tk_eq(c->out_mark.p, c->out_mark.n, c->fixed.p, c->fixed.n);
        int fill_same = c->ok_fill && tk_eq(c->out_fill.p, c->out_fill.n, c->fixed.p, c->fixed.n);
        for (int k = 0; k < NCHECKS; k++) {
            if (!applies(c, k))
                continue;
            int pass;
            if (k == CK_A || k == CK_D)
                pass = mark_ok;
            else if (k == CK_B && c->has_rec)
                pass = c->ok_fill && tk_eq(c->out_fill.p, c->out_fill.n, c->rec.p, c->rec.n);
            else if (k == CK_B)
                pass = c->ok_fill && match_filled(&c->fixed, &c->out_fill, &c->filled);
            else if (k == CK_C)
                pass = c->ok_layer && tk_eq(c->out_layer.p, c->out_layer.n, c->fixed.p, c->fixed.n);
            else
                pass = mark_ok && fill_same;
            c->res[k] = pass ? R_PASS : R_FAIL;
        }
    }

    /* Per check: passed, known (listed and failing), new (failing, not
     * listed), now passing (listed and passing). */
    int n_ok[NCHECKS] = { 0 }, n_all[NCHECKS] = { 0 }, n_known[NCHECKS] = { 0 },
        n_new[NCHECKS] = { 0 }, n_fixed[NCHECKS] = { 0 };
    for (int k = 0; k < NCHECKS; k++) {
        int shown = 0;
        for (size_t i = 0; i < ncases; i++) {
            struct pcase *c = &cases[i];
            if (c->res[k] == R_NA)
                continue;
            n_all[k]++;
            if (c->res[k] == R_PASS) {
                n_ok[k]++;
                if (c->listed[k]) {
                    n_fixed[k]++;
                    printf("    now passing, remove from the baseline: %s %s %d  (%s)\n", ck_key[k],
                           c->suite, c->n, c->label);
                }
                continue;
            }
            if (c->listed[k]) {
                n_known[k]++;
                if (verbose)
                    printf("    known %s: %s #%d: %s\n", ck_title[k], c->suite, c->n, c->reason[k]);
                continue;
            }
            n_new[k]++;
            if (shown++ >= MAX_SHOWN)
                continue;
            const struct tk_buf *in, *want, *got;
            case_io(c, k, &in, &want, &got);
            printf("    FAIL %s: %s #%d (%s)%s\n", ck_title[k], c->suite, c->n, c->label,
                   baseline ? ": not a known failure" : "");
            show("input", in);
            show("expected", want);
            if (k == CK_NEG) {
                if (!tk_eq(c->out_mark.p, c->out_mark.n, c->fixed.p, c->fixed.n))
                    show("got/mark", &c->out_mark);
                if (!tk_eq(c->out_fill.p, c->out_fill.n, c->fixed.p, c->fixed.n))
                    show("got/fill", &c->out_fill);
            } else {
                show("got", got);
            }
        }
        if (shown > MAX_SHOWN)
            printf("    (%d more new failures of %s not shown)\n", shown - MAX_SHOWN, ck_title[k]);
        passed += n_ok[k];
        failed += n_new[k];
        skipped += n_known[k];
    }
    for (size_t i = 0; i < ncases; i++) {
        const struct pcase *c = &cases[i];
        if (c->res[CK_B] == R_PASS && c->filled) {
            printf("    filled: %s #%d (%s): %d character(s) where ftfy writes U+FFFD\n", c->suite,
                   c->n, c->label, c->filled);
            show("got", &c->out_fill);
        }
    }
    int b_rec = 0, b_rec_ok = 0, b_filled = 0;
    for (size_t i = 0; i < ncases; i++) {
        b_rec += cases[i].has_rec && cases[i].res[CK_B] != R_NA;
        b_rec_ok += cases[i].has_rec && cases[i].res[CK_B] == R_PASS;
        b_filled += cases[i].res[CK_B] == R_PASS && cases[i].filled;
    }

    char tail[NCHECKS][96];
    for (int k = 0; k < NCHECKS; k++)
        snprintf(tail[k], sizeof tail[k], "%d known failure%s, %d new%s", n_known[k],
                 n_known[k] == 1 ? "" : "s", n_new[k], n_new[k] ? "  FAIL" : "");
    printf("peer (a) --lossy=mark: %d/%d (target %d; %s)\n", n_ok[CK_A], n_all[CK_A], n_all[CK_A],
           tail[CK_A]);
    printf("peer (b) default (fill) mode: %d/%d (target %d; recovered %d/%d, filled %d; %s)\n",
           n_ok[CK_B], n_all[CK_B], n_all[CK_B], b_rec_ok, b_rec, b_filled, tail[CK_B]);
    printf("peer (c) extra layer: %d/%d (ftfy %d; target >= %d, aim %d: %s; %s)\n", n_ok[CK_C],
           n_all[CK_C], FTFY_LAYERED, FTFY_LAYERED, n_all[CK_C],
           n_ok[CK_C] >= FTFY_LAYERED ? "reached" : "not reached", tail[CK_C]);
    printf("peer (d) known-failures fixed: %d/%d (ftfy 0; %s)\n", n_ok[CK_D], n_all[CK_D], tail[CK_D]);
    printf("peer negatives unchanged in both modes: %d/%d (target %d; %s)\n", n_ok[CK_NEG],
           n_all[CK_NEG], n_all[CK_NEG], tail[CK_NEG]);
    printf("peer CLI exited 0 with valid UTF-8 on every input, 3 runs a case: %s\n",
           cli_failed + not_utf8 ? "NO  FAIL" : "yes");
    int now_passing = 0;
    for (int k = 0; k < NCHECKS; k++)
        now_passing += n_fixed[k];
    if (baseline && (now_passing || stale))
        printf("peer: baseline: %d listed case(s) now pass, %d stale entr%s: run "
               "tests/update-baselines.sh\n", now_passing, stale, stale == 1 ? "y" : "ies");
    failed += cli_failed + not_utf8;
    passed += 3 * (int)ncases - cli_failed - not_utf8;

    int status = failed ? 1 : 0;
    if (update) {
        int nnew = 0;
        for (int k = 0; k < NCHECKS; k++)
            nnew += n_new[k];
        if (cli_failed + not_utf8) {
            printf("peer: not updating %s: the CLI failed or wrote invalid UTF-8 (hard gates)\n",
                   baseline);
            status = 1;
        } else if (nnew && !allow_regression) {
            printf("peer: not updating %s: %d case(s) fail that are not known failures "
                   "(listed above); fix them, or rerun with --allow-regression\n", baseline, nnew);
            status = 1;
        } else {
            int known[NCHECKS];
            for (int k = 0; k < NCHECKS; k++)
                known[k] = n_known[k] + n_new[k];
            if (write_baseline(baseline, cases, ncases, known)) {
                status = 1;
            } else {
                printf("peer: wrote %s: %d case(s) dropped (now passing), %d added%s\n", baseline,
                       now_passing, nnew, nnew ? " (regressions: edit their reasons)" : "");
                status = 0;
            }
        }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);

    for (size_t i = 0; i < ncases; i++) {
        struct pcase *c = &cases[i];
        free(c->label);
        tk_free(&c->orig);
        tk_free(&c->fixed);
        tk_free(&c->rec);
        tk_free(&c->layered);
        tk_free(&c->out_mark);
        tk_free(&c->out_fill);
        tk_free(&c->out_layer);
        for (int k = 0; k < NCHECKS; k++)
            free(c->reason[k]);
    }
    free(cases);
    tk_free(&err);
    return status;
}
