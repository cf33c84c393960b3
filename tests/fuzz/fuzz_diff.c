/*
 * fuzz_diff.c -- differential: the streaming API with random chunk sizes
 * (1 byte .. 64 KiB) must give exactly what unbake_fix_buffer() gives: the
 * same bytes, the same count, the same reported runs and the same input
 * encoding decision.
 *
 * With bits 21 and 22 of the seed set, the text is repeated (newlines
 * turned into spaces when bit 23 is set too) until it is longer than two
 * windows, so that segments cut inside long lines are compared as well.
 */
#include "fuzz_common.h"

static void same_reports(const fuzz_reports *a, const fuzz_reports *b)
{
    FUZZ_ASSERT(a->n == b->n);
    for (size_t i = 0; i < a->n; i++) {
        FUZZ_ASSERT(a->v[i].in_offset == b->v[i].in_offset);
        FUZZ_ASSERT(a->v[i].in_len == b->v[i].in_len);
        FUZZ_ASSERT(a->v[i].out_offset == b->v[i].out_offset);
        FUZZ_ASSERT(a->v[i].out_len == b->v[i].out_len);
        FUZZ_ASSERT(memcmp(a->v[i].out, b->v[i].out, a->v[i].out_len) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_opts o;
    size_t n;
    fuzz_split(data, size, &o, &n);
    uint32_t seed = o.seed;

    const uint8_t *text = data;
    uint8_t *big = NULL;
    if ((o.seed >> 21 & 3) == 3 && n > 0) {
        size_t want = 2 * UNBAKE_WINDOW + 1 + o.seed % 4096;
        big = malloc(want);
        FUZZ_ASSERT(big != NULL);
        for (size_t i = 0; i < want; i++) {
            uint8_t c = data[i % n];
            big[i] = (o.seed >> 23 & 1) && c == '\n' ? ' ' : c;
        }
        text = big;
        n = want;
    }

    unbake_ctx *ctx = unbake_ctx_new();
    FUZZ_ASSERT(ctx != NULL);
    fuzz_apply(ctx, &o);

    /* Whole buffer. */
    fuzz_reports ra = { .max_layers = o.max_layers, .lossy = o.lossy };
    FUZZ_ASSERT(unbake_ctx_set_report(ctx, fuzz_on_report, &ra) == UNBAKE_OK);
    char *out = NULL;
    size_t out_len = 0;
    long rc = unbake_fix_buffer(ctx, text, n, &out, &out_len);
    FUZZ_ASSERT(rc >= 0);
    fuzz_check_output(text, n, out, out_len, rc, &ra, o.strip_bom, unbake_input_encoding(ctx));
    char enc[128];
    snprintf(enc, sizeof enc, "%s", unbake_input_encoding(ctx));

    /* Streaming, twice with different chunkings. */
    for (int round = 0; round < 2; round++) {
        fuzz_reports rb = { .max_layers = o.max_layers, .lossy = o.lossy };
        FUZZ_ASSERT(unbake_ctx_set_report(ctx, fuzz_on_report, &rb) == UNBAKE_OK);
        fuzz_sink sink = { 0 };
        FUZZ_ASSERT(unbake_begin(ctx, fuzz_sink_write, &sink) == UNBAKE_OK);
        size_t i = 0;
        while (i < n) {
            size_t c = round == 0 ? fuzz_chunk(&seed) : 1 + fuzz_rand(&seed) % 7;
            if (c > n - i)
                c = n - i;
            FUZZ_ASSERT(unbake_push(ctx, text + i, c) == UNBAKE_OK);
            i += c;
        }
        long rs = unbake_finish(ctx);
        if (rs != rc || sink.n != out_len || (out_len && memcmp(sink.p, out, out_len))) {
            size_t d = 0;
            while (d < out_len && d < sink.n && sink.p[d] == out[d])
                d++;
            fprintf(stderr, "stream/buffer differ (round %d): runs %ld vs %ld, "
                    "length %zu vs %zu, first difference at output byte %zu\n",
                    round, rs, rc, sink.n, out_len, d);
            FUZZ_ASSERT(0);
        }
        same_reports(&ra, &rb);
        if (strcmp(enc, unbake_input_encoding(ctx)) != 0)
            fprintf(stderr, "input stage: buffer \"%s\", stream \"%s\"\n", enc,
                    unbake_input_encoding(ctx));
        FUZZ_ASSERT(strcmp(enc, unbake_input_encoding(ctx)) == 0);
        free(sink.p);
        fuzz_reports_free(&rb);
        if (n > 20000)
            break;  /* one byte-sized chunking of a long input is slow */
    }

    free(out);
    free(big);
    fuzz_reports_free(&ra);
    unbake_ctx_free(ctx);
    return 0;
}
