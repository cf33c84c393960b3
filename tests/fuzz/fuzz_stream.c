/*
 * fuzz_stream.c -- the incremental API: unbake_begin/push/finish with
 * chunk sizes drawn from the input's option bytes.
 *
 * Modes (low bits of the seed): a sink that fails part-way (push/finish
 * must then return UNBAKE_EWRITE and the stream must refuse more input
 * until restarted), and a restart in the middle of a stream (the earlier,
 * unfinished stream must leave no trace).  Calls out of order, and option
 * changes after the first push, must return UNBAKE_ESTATE.
 */
#include "fuzz_common.h"

/* Push text[0..n) in chunks; returns the first error or UNBAKE_OK. */
static int push_chunks(unbake_ctx *ctx, const uint8_t *text, size_t n, uint32_t *seed)
{
    size_t i = 0;
    while (i < n) {
        size_t c = fuzz_chunk(seed);
        if (c > n - i)
            c = n - i;
        int rc = unbake_push(ctx, text + i, c);
        if (rc != UNBAKE_OK)
            return rc;
        /* A zero-length push is allowed anywhere. */
        if ((*seed & 15) == 0)
            FUZZ_ASSERT(unbake_push(ctx, text + i, 0) == UNBAKE_OK);
        i += c;
    }
    return UNBAKE_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_opts o;
    size_t n;
    fuzz_split(data, size, &o, &n);
    uint32_t seed = o.seed;
    int mode = (int)(o.seed >> 20 & 3);

    unbake_ctx *ctx = fuzz_ctx_new(&o);
    fuzz_reports rs = { .max_layers = o.max_layers, .lossy = o.lossy };
    FUZZ_ASSERT(unbake_ctx_set_report(ctx, fuzz_on_report, &rs) == UNBAKE_OK);

    /* Out of order before any stream. */
    FUZZ_ASSERT(unbake_push(ctx, data, n) == UNBAKE_ESTATE);
    FUZZ_ASSERT(unbake_finish(ctx) == UNBAKE_ESTATE);
    FUZZ_ASSERT(unbake_begin(ctx, NULL, NULL) == UNBAKE_EINVAL);

    fuzz_sink sink = { 0 };
    if (mode == 1) {
        /* A sink that fails after some output. */
        sink.fail_after = 1 + (o.seed % (n + 1));
        FUZZ_ASSERT(unbake_begin(ctx, fuzz_sink_write, &sink) == UNBAKE_OK);
        int rc = push_chunks(ctx, data, n, &seed);
        long fin = rc == UNBAKE_OK ? unbake_finish(ctx) : rc;
        if (sink.failed) {
            FUZZ_ASSERT(fin == UNBAKE_EWRITE);
            FUZZ_ASSERT(unbake_push(ctx, data, 1) == UNBAKE_ESTATE);
            FUZZ_ASSERT(unbake_finish(ctx) == UNBAKE_ESTATE);
        } else {
            FUZZ_ASSERT(fin >= 0);
            FUZZ_ASSERT(sink.n <= sink.fail_after);
        }
        sink.n = 0;
        sink.fail_after = 0;
        sink.failed = 0;
        fuzz_reports_free(&rs);
    } else if (mode == 2) {
        /* An abandoned stream, then a fresh one.  Options may change
         * until the first push, not after it. */
        FUZZ_ASSERT(unbake_begin(ctx, fuzz_sink_write, &sink) == UNBAKE_OK);
        FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_LOSSY, o.lossy) == UNBAKE_OK);
        FUZZ_ASSERT(unbake_push(ctx, data, n / 2) == UNBAKE_OK);
        FUZZ_ASSERT(unbake_ctx_set(ctx, UNBAKE_OPT_LOSSY, o.lossy) == UNBAKE_ESTATE);
        FUZZ_ASSERT(unbake_ctx_set_report(ctx, fuzz_on_report, &rs) == UNBAKE_ESTATE);
        FUZZ_ASSERT(push_chunks(ctx, data + n / 2, n - n / 2, &seed) == UNBAKE_OK);
        sink.n = 0;
        fuzz_reports_free(&rs);
    }

    FUZZ_ASSERT(unbake_begin(ctx, fuzz_sink_write, &sink) == UNBAKE_OK);
    FUZZ_ASSERT(push_chunks(ctx, data, n, &seed) == UNBAKE_OK);
    long nfixed = unbake_finish(ctx);
    FUZZ_ASSERT(nfixed >= 0);
    fuzz_check_output(data, n, sink.p ? sink.p : "", sink.n, nfixed, &rs, o.strip_bom,
                      unbake_input_encoding(ctx));

    /* After finish the stream is closed. */
    FUZZ_ASSERT(unbake_push(ctx, data, n) == UNBAKE_ESTATE);
    FUZZ_ASSERT(unbake_finish(ctx) == UNBAKE_ESTATE);

    free(sink.p);
    fuzz_reports_free(&rs);
    unbake_ctx_free(ctx);
    return 0;
}
