/*
 * main.c -- unbake: repair mojibake.  Start-up, dispatch and the one way out.
 *
 * Every path out of the program goes through the cleanup label at the end
 * of main(); nothing below main() calls exit().
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli.h"
#include "icu.h"

static int list_codecs(void)
{
    int n = unbake_codec_count();
    for (int i = 0; i < n; i++) {
        const char *name = unbake_codec_name(i);
        if (name)
            printf("%s\n", name);
    }
    return UB_EXIT_OK;
}

int main(int argc, char **argv)
{
    struct ub_opts o;
    int rc;

    /* A closed pipe or a file-size limit must be an error we report (and
     * an exit status), not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);

#ifdef __GLIBC__
    /* Peak memory stays flat on long lines (issue 6): the engine's scratch
     * arrays double as a segment grows them, and glibc, once it has freed
     * a mapped block, raises its mmap threshold to that size, so later
     * arrays of up to that size grow in the heap instead, each doubling
     * leaving the touched block it outgrew behind.  A fixed threshold
     * (which turns the adjustment off) keeps arrays of 16 KiB and more in
     * mappings of their own, grown by mremap() and returned whole (a few
     * dozen of them: no system call per line).  On a 20 MB line, peak
     * anonymous memory 4000 KiB with glibc's default, 3888 with 64 KiB,
     * 3704 with 16 KiB, 3764 with 8 KiB. */
    mallopt(M_MMAP_THRESHOLD, 16 * 1024);
#endif

    /* ICU's data when a converter is first wanted (--from, roundtrip,
     * legacy input, GB18030's four-byte forms), not at every start: the
     * dynamic loading of its library was a tenth of the start-up time */
    ub_icu_set_data_hook(ub_icu_data_load);

    if (ub_args_parse(&o, argc, argv) < 0) {
        rc = o.cmd == UB_CMD_FILTER ? UB_EXIT_FAIL : UB_EXIT_ERROR;
        goto cleanup;
    }
    int errc = o.cmd == UB_CMD_FILTER ? UB_EXIT_FAIL : UB_EXIT_ERROR;

    if (o.help) {
        ub_usage(o.cmd);
        rc = fflush(stdout) == 0 && !ferror(stdout) ? UB_EXIT_OK : errc;
        goto cleanup;
    }
    if (o.version) {
        printf("unbake %s (libunbake %s)\n", UNBAKE_VERSION_STRING, unbake_version_string());
        rc = fflush(stdout) == 0 && !ferror(stdout) ? UB_EXIT_OK : errc;
        goto cleanup;
    }

    /* Verbosity: 2 (warnings) by default, 1 (errors) when the repaired
     * text goes to stdout, so a filter in a pipe stays quiet. */
    int to_stdout = o.cmd == UB_CMD_FILTER && !o.in_place && !o.recursive &&
                    !o.dry_run && !o.names;
    ub_verbosity = (to_stdout ? 1 : 2) + o.verbosity_delta;
    if (ub_verbosity < 0)
        ub_verbosity = 0;
    o.verbosity = ub_verbosity;

    if (o.list_codecs && o.cmd == UB_CMD_FILTER) {
        rc = list_codecs();
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = errc;
        goto cleanup;
    }

    /* Option combinations that make no sense. */
    const char *bad = NULL;
    if (o.diff && !o.dry_run)
        bad = "--diff needs --dry-run";
    else if (o.jsonl_field && (o.in_place || o.recursive || o.names))
        bad = "--jsonl cannot be combined with -i, -r or --names";
    else if (o.jsonl_field && o.from)
        bad = "--jsonl cannot be combined with --from (JSON text is UTF-8)";
    else if (o.explain && o.diff)
        bad = "--explain cannot be combined with --diff";
    else if (o.cmd == UB_CMD_ROUNDTRIP && !o.via && !o.list_codecs)
        bad = "roundtrip needs --via=CODEC";
    if (!bad && o.from) {
        /* Check the name once here rather than in every worker. */
        unbake_ctx *probe = unbake_ctx_new();
        if (probe && unbake_ctx_set_from(probe, o.from) == UNBAKE_ECODEC)
            bad = "unknown --from codec (see 'unbake --list-codecs')";
        unbake_ctx_free(probe);
    }
    if (bad) {
        fprintf(stderr, "unbake: %s\n", bad);
        ub_usage_hint();
        rc = errc;
        goto cleanup;
    }

    switch (o.cmd) {
    case UB_CMD_CHECK:
        rc = ub_check_main(&o);
        break;
    case UB_CMD_ROUNDTRIP:
        rc = ub_roundtrip_main(&o);
        break;
    default:
        if (o.jsonl_field)
            rc = ub_jsonl_main(&o);
        else if (o.names)
            rc = ub_names_main(&o);
        else if (o.in_place || o.recursive || o.dry_run)
            rc = ub_files_main(&o);
        else
            rc = ub_filter_main(&o);
        break;
    }

cleanup:
    ub_args_free(&o);
    return rc;
}
