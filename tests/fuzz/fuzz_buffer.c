/*
 * fuzz_buffer.c -- unbake_fix_buffer() on arbitrary bytes.
 *
 * Checks that the output is the input with each reported run replaced by
 * its repair and nothing else changed, that every report is consistent
 * (round trip verified, positive score, layers within the option), that
 * ASCII comes back unchanged, and that a second call on the same context
 * gives the same answer.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_opts o;
    size_t n;
    fuzz_split(data, size, &o, &n);

    unbake_ctx *ctx = fuzz_ctx_new(&o);
    fuzz_reports rs = { .max_layers = o.max_layers, .lossy = o.lossy };
    FUZZ_ASSERT(unbake_ctx_set_report(ctx, fuzz_on_report, &rs) == UNBAKE_OK);

    char *out = NULL;
    size_t out_len = 0;
    long rc = unbake_fix_buffer(ctx, data, n, &out, &out_len);
    if (rc == UNBAKE_ENOMEM) {
        FUZZ_ASSERT(out == NULL);
        goto done;
    }
    FUZZ_ASSERT(rc >= 0);
    FUZZ_ASSERT(out != NULL);
    FUZZ_ASSERT(out[out_len] == '\0');
    fuzz_check_output(data, n, out, out_len, rc, &rs, o.strip_bom, unbake_input_encoding(ctx));

    /* The context is reusable and deterministic. */
    size_t first_runs = rs.n;
    fuzz_reports_free(&rs);
    char *out2 = NULL;
    size_t out2_len = 0;
    long rc2 = unbake_fix_buffer(ctx, data, n, &out2, &out2_len);
    FUZZ_ASSERT(rc2 == rc);
    FUZZ_ASSERT(rs.n == first_runs);
    FUZZ_ASSERT(out2_len == out_len && memcmp(out, out2, out_len) == 0);
    free(out2);

    /* Options can be changed between calls, not during a stream. */
    FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, 0) == UNBAKE_EINVAL);
    FUZZ_ASSERT(unbake_ctx_set(ctx, (unbake_option_e)99, 0) == UNBAKE_EINVAL);
    FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_MAX_LAYERS, o.max_layers) == UNBAKE_OK);

done:
    free(out);
    fuzz_reports_free(&rs);
    unbake_ctx_free(ctx);
    return 0;
}
