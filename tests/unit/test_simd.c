/*
 * test_simd.c -- ub_ascii_prefix() and ub_utf8_valid_prefix() at every
 * implementation level this CPU runs, against a plain scalar reference:
 * exhaustive short inputs placed around the 16/32/64-byte block edges,
 * every class of invalid sequence at every offset and alignment of random
 * valid text, and every truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

/* ---------------------------------------------------------------- reference */

/* Written from RFC 3629 section 4 without sharing code with the library. */
static size_t ref_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        size_t len;
        uint32_t cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            len = 2, cp = b & 0x1Fu, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            len = 3, cp = b & 0x0Fu, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            len = 4, cp = b & 0x07u, min = 0x10000;
        } else {
            return i;
        }
        if (n - i < len)
            return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return n;
}

static size_t ref_ascii(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

/* ---------------------------------------------------------------- harness */

static const char *const level_name[] = { "portable", "sse2", "ssse3", "avx2" };
static int max_level;
static unsigned long n_checks;

static void dump(const char *what, int level, const uint8_t *s, size_t n,
                 size_t want, size_t got, int line)
{
    fprintf(stderr, "test_simd.c:%d: %s at level %s: want %zu, got %zu, n=%zu, input:\n",
            line, what, level_name[level], want, got, n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%02X%s", s[i], i % 32 == 31 ? "\n" : " ");
    fprintf(stderr, "\n");
}

/* Check both functions at every level on s[0..n). */
static void check_at(const uint8_t *s, size_t n, int line)
{
    size_t want_v = ref_valid(s, n), want_a = ref_ascii(s, n);
    for (int level = 0; level <= max_level; level++) {
        size_t v = ub_utf8_valid_prefix_at(level, s, n);
        if (v != want_v) {
            dump("ub_utf8_valid_prefix", level, s, n, want_v, v, line);
            fail();
        }
        size_t a = ub_ascii_prefix_at(level, s, n);
        if (a != want_a) {
            dump("ub_ascii_prefix", level, s, n, want_a, a, line);
            fail();
        }
        n_checks += 2;
    }
    if (ub_utf8_valid_prefix(s, n) != want_v || ub_ascii_prefix(s, n) != want_a) {
        dump("default level", max_level, s, n, want_v, ub_utf8_valid_prefix(s, n), line);
        fail();
    }
}

/*
 * Check s[0..n) copied to an address with alignment `align` mod 64, and
 * copied to a heap block of exactly n bytes, so that a sanitizer or
 * valgrind sees any read past the end.
 */
static void check_aligned(const uint8_t *s, size_t n, size_t align, int line)
{
    uint8_t *block = malloc(n + 64);
    assert_non_null(block);
    size_t shift = (align + 64 - (size_t)((uintptr_t)block % 64)) % 64;
    memcpy(block + shift, s, n);
    check_at(block + shift, n, line);
    free(block);
    uint8_t *exact = malloc(n ? n : 1);
    assert_non_null(exact);
    memcpy(exact, s, n);
    check_at(exact, n, line);
    free(exact);
}

#define CHECK(s, n) check_at((s), (n), __LINE__)
#define CHECK_ALIGNED(s, n, a) check_aligned((s), (n), (a), __LINE__)

/* ---------------------------------------------------------------- data */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

static size_t put_cp(uint8_t *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* A random scalar value, biased to the edges of every length class. */
static uint32_t rnd_cp(void)
{
    static const uint32_t edges[] = {
        0x00, 0x7F, 0x80, 0x7FF, 0x800, 0xFFF, 0x1000, 0xD7FF, 0xE000,
        0xFFFD, 0xFFFF, 0x10000, 0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFF
    };
    switch (rnd_below(8)) {
    case 0:
        return edges[rnd_below(sizeof edges / sizeof edges[0])];
    case 1: case 2: case 3:
        return 0x20 + rnd_below(0x5F);
    case 4:
        return 0x80 + rnd_below(0x800 - 0x80);
    case 5: {
        uint32_t c = 0x800 + rnd_below(0x10000 - 0x800 - 0x800);
        return c >= 0xD800 ? c + 0x800 : c;
    }
    case 6:
        return 0x10000 + rnd_below(0x100000);
    default:
        return 0x400 + rnd_below(0x100);  /* Cyrillic */
    }
}

/* Random valid UTF-8 of exactly n bytes; long ASCII stretches now and then
 * so that the vector ASCII paths take part. */
static void rnd_utf8(uint8_t *o, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (rnd_below(16) == 0) {
            size_t run = rnd_below(150);
            while (run-- && i < n)
                o[i++] = (uint8_t)('a' + rnd_below(26));
            continue;
        }
        uint8_t tmp[4];
        size_t len = put_cp(tmp, rnd_cp());
        if (len > n - i)
            continue;
        memcpy(o + i, tmp, len);
        i += len;
    }
}

/* One example of each kind of invalid sequence (RFC 3629 and Unicode 15
 * table 3-7). */
struct bad {
    const char *name;
    uint8_t len;
    uint8_t b[4];
};

static const struct bad bads[] = {
    { "lone continuation 80", 1, { 0x80 } },
    { "lone continuation BF", 1, { 0xBF } },
    { "two continuations", 2, { 0x80, 0x80 } },
    { "overlong 2 (C0 80)", 2, { 0xC0, 0x80 } },
    { "overlong 2 (C1 BF)", 2, { 0xC1, 0xBF } },
    { "overlong 3 (E0 80 80)", 3, { 0xE0, 0x80, 0x80 } },
    { "overlong 3 (E0 9F BF)", 3, { 0xE0, 0x9F, 0xBF } },
    { "overlong 4 (F0 80 80 80)", 4, { 0xF0, 0x80, 0x80, 0x80 } },
    { "overlong 4 (F0 8F BF BF)", 4, { 0xF0, 0x8F, 0xBF, 0xBF } },
    { "surrogate D800", 3, { 0xED, 0xA0, 0x80 } },
    { "surrogate DFFF", 3, { 0xED, 0xBF, 0xBF } },
    { "above 10FFFF (F4 90)", 4, { 0xF4, 0x90, 0x80, 0x80 } },
    { "above 10FFFF (F5)", 4, { 0xF5, 0x80, 0x80, 0x80 } },
    { "above 10FFFF (F7 BF)", 4, { 0xF7, 0xBF, 0xBF, 0xBF } },
    { "5-byte lead F8", 1, { 0xF8 } },
    { "FE", 1, { 0xFE } },
    { "FF", 1, { 0xFF } },
    { "truncated 2 of 2", 1, { 0xC3 } },
    { "truncated 3 of 3", 2, { 0xE2, 0x82 } },
    { "truncated 2 of 3", 1, { 0xE2 } },
    { "truncated 4 of 4", 3, { 0xF0, 0x9F, 0x98 } },
    { "truncated 2 of 4", 1, { 0xF0 } },
    { "truncated E0 A0", 2, { 0xE0, 0xA0 } },
    { "lead lead", 2, { 0xC3, 0xC3 } },
    { "E0 then ASCII", 2, { 0xE0, 'x' } },
    { "F4 8F BF (short)", 3, { 0xF4, 0x8F, 0xBF } },
};
#define N_BADS (sizeof bads / sizeof bads[0])

/* Bytes at the edges of every class the validators tell apart. */
static const uint8_t edge_bytes[] = {
    0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2,
    0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5,
    0xF7, 0xF8, 0xFF
};
#define N_EDGES (sizeof edge_bytes / sizeof edge_bytes[0])

/* Offsets around the 16-, 32- and 64-byte block edges. */
static const size_t edge_offsets[] = {
    0, 1, 2, 13, 14, 15, 16, 17, 29, 30, 31, 32, 33, 45, 47, 48, 60, 61, 62,
    63, 64, 65, 66, 67, 93, 95, 96, 124, 125, 126, 127
};
#define N_OFFSETS (sizeof edge_offsets / sizeof edge_offsets[0])

/* A 192-byte background: ASCII (kind 0) or valid multilingual (kind 1). */
static void background(uint8_t *buf, size_t n, int kind)
{
    if (kind == 0) {
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)('a' + i % 26);
    } else {
        rnd_utf8(buf, n);
    }
}

/* Place pat[0..len) at offset off of a background of n bytes; also check
 * the input cut right after the pattern. */
static void place(const uint8_t *pat, size_t len, size_t off, int kind)
{
    uint8_t buf[192];
    size_t n = sizeof buf;
    background(buf, n, kind);
    memcpy(buf + off, pat, len);
    CHECK(buf, n);
    CHECK(buf, off + len);
}

/* ---------------------------------------------------------------- tests */

static void test_levels(void **state)
{
    (void)state;
    max_level = ub_simd_level();
    assert_true(max_level >= UB_SIMD_PORTABLE && max_level <= UB_SIMD_AVX2);
#if defined(__x86_64__)
    assert_true(max_level >= UB_SIMD_SSE2);
#endif
    /* Out-of-range levels fall back to the best one instead of failing. */
    static const uint8_t s[] = "abc\xC3\xA9\xFF";
    assert_int_equal(ub_utf8_valid_prefix_at(-1, s, 6), 5);
    assert_int_equal(ub_utf8_valid_prefix_at(99, s, 6), 5);
    assert_int_equal(ub_ascii_prefix_at(99, s, 6), 3);
    print_message("levels: best is %s\n", level_name[max_level]);
}

static void test_empty_and_tiny(void **state)
{
    (void)state;
    static const uint8_t one[1] = { 0x41 };
    for (int level = 0; level <= max_level; level++) {
        assert_int_equal(ub_utf8_valid_prefix_at(level, one, 0), 0);
        assert_int_equal(ub_ascii_prefix_at(level, one, 0), 0);
    }
    /* Known answers, so that the reference itself is checked too. */
    static const struct { const char *s; size_t n, valid, ascii; } known[] = {
        { "", 0, 0, 0 },
        { "abc", 3, 3, 3 },
        { "caf\xC3\xA9", 5, 5, 3 },
        { "caf\xC3", 4, 3, 3 },
        { "\xE2\x82\xAC", 3, 3, 0 },
        { "\xE2\x82", 2, 0, 0 },
        { "\xF0\x9F\x98\x80!", 5, 5, 0 },
        { "a\xED\xA0\x80", 4, 1, 1 },
        { "a\xC0\xAF", 3, 1, 1 },
        { "ab\xF4\x90\x80\x80", 6, 2, 2 },
        { "ab\xF4\x8F\xBF\xBF", 6, 6, 2 },
        { "\xEF\xBF\xBD\x80", 4, 3, 0 },
        { "x\0y", 3, 3, 3 },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const uint8_t *s = (const uint8_t *)known[i].s;
        assert_int_equal(ref_valid(s, known[i].n), known[i].valid);
        assert_int_equal(ref_ascii(s, known[i].n), known[i].ascii);
        CHECK(s, known[i].n);
    }
}

/* Every 1- and 2-byte string alone, and at the block edges of an ASCII and
 * of a multilingual background. */
static void test_exhaustive_two_bytes(void **state)
{
    (void)state;
    rng_state = 1;
    for (unsigned a = 0; a < 256; a++) {
        uint8_t p[2] = { (uint8_t)a, 0 };
        CHECK(p, 1);
        for (size_t o = 0; o < N_OFFSETS; o++)
            for (int kind = 0; kind < 2; kind++)
                place(p, 1, edge_offsets[o], kind);
        for (unsigned b = 0; b < 256; b++) {
            p[1] = (uint8_t)b;
            CHECK(p, 2);
            /* Placing every pair everywhere costs 64k x 31 x 2; the
             * pairs that start with a lead byte are the interesting ones. */
            if (a >= 0xC0 || b % 17 == 0)
                for (size_t o = 0; o < N_OFFSETS; o++)
                    place(p, 2, edge_offsets[o], (int)(b & 1));
        }
    }
}

/* Every 3-byte string with a non-ASCII first byte and edge bytes after it;
 * every 4-byte string starting F0..FF with edge bytes after it. */
static void test_exhaustive_three_four_bytes(void **state)
{
    (void)state;
    rng_state = 2;
    for (unsigned a = 0x80; a < 256; a++)
        for (size_t i = 0; i < N_EDGES; i++)
            for (size_t j = 0; j < N_EDGES; j++) {
                uint8_t p[3] = { (uint8_t)a, edge_bytes[i], edge_bytes[j] };
                CHECK(p, 3);
                if (a >= 0xC0)
                    for (size_t o = 0; o < N_OFFSETS; o += 2)
                        place(p, 3, edge_offsets[o] + (a & 1), (int)(j & 1));
            }
    for (unsigned a = 0xF0; a < 256; a++)
        for (size_t i = 0; i < N_EDGES; i++)
            for (size_t j = 0; j < N_EDGES; j++)
                for (size_t k = 0; k < N_EDGES; k++) {
                    uint8_t p[4] = { (uint8_t)a, edge_bytes[i], edge_bytes[j], edge_bytes[k] };
                    CHECK(p, 4);
                    size_t o = edge_offsets[(i + j + k) % N_OFFSETS];
                    place(p, 4, o, (int)(k & 1));
                }
    /* The second byte over its whole range for the leads with narrowed
     * ranges, all 4 bytes long, at every offset. */
    static const uint8_t leads[] = { 0xE0, 0xED, 0xF0, 0xF4, 0xC2, 0xDF, 0xEF, 0xF3 };
    for (size_t l = 0; l < sizeof leads; l++)
        for (unsigned b = 0x70; b < 0xD0; b++)
            for (size_t off = 0; off < 140; off++) {
                uint8_t p[4] = { leads[l], (uint8_t)b, 0x80, 0xBF };
                place(p, 4, off, 0);
            }
}

/* Every invalid class at every byte offset of random valid text, at every
 * address alignment mod 32. */
static void test_invalid_everywhere(void **state)
{
    (void)state;
    rng_state = 3;
    enum { LEN = 260 };
    uint8_t base[LEN], buf[LEN + 4];
    for (int round = 0; round < 2; round++) {
        rnd_utf8(base, LEN);
        assert_int_equal(ref_valid(base, LEN), LEN);
        for (size_t c = 0; c < N_BADS; c++) {
            for (size_t off = 0; off + bads[c].len <= LEN; off++) {
                memcpy(buf, base, LEN);
                memcpy(buf + off, bads[c].b, bads[c].len);
                /* The alignment sweep costs; do it for 1 offset in 3 and
                 * around the block edges. */
                if (off % 3 == 0 || off % 64 >= 60 || off % 64 < 2)
                    CHECK_ALIGNED(buf, LEN, (off * 7 + c) % 32);
                CHECK(buf, LEN);
                CHECK(buf, off + bads[c].len);
            }
        }
    }
}

/* Every alignment for one input with an error in each 64-byte block. */
static void test_alignments(void **state)
{
    (void)state;
    rng_state = 4;
    uint8_t buf[300];
    for (size_t align = 0; align < 64; align++) {
        for (size_t c = 0; c < N_BADS; c += 3) {
            rnd_utf8(buf, sizeof buf);
            size_t off = (align * 5 + c * 11) % (sizeof buf - 4);
            memcpy(buf + off, bads[c].b, bads[c].len);
            CHECK_ALIGNED(buf, sizeof buf, align);
        }
        rnd_utf8(buf, sizeof buf);
        CHECK_ALIGNED(buf, sizeof buf, align);
    }
}

/* Every truncation of valid text: the answer is the last boundary. */
static void test_truncations(void **state)
{
    (void)state;
    rng_state = 5;
    uint8_t buf[400];
    for (int round = 0; round < 8; round++) {
        rnd_utf8(buf, sizeof buf);
        for (size_t n = 0; n <= sizeof buf; n++)
            CHECK(buf, n);
    }
}

/* ASCII prefix: one high byte at every offset, every alignment. */
static void test_ascii_prefix(void **state)
{
    (void)state;
    uint8_t buf[200];
    for (size_t off = 0; off <= sizeof buf; off++) {
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)(i % 128);
        if (off < sizeof buf)
            buf[off] = (uint8_t)(0x80 | off);
        CHECK_ALIGNED(buf, sizeof buf, off % 64);
        for (int level = 0; level <= max_level; level++)
            assert_int_equal(ub_ascii_prefix_at(level, buf, sizeof buf),
                             off < sizeof buf ? off : sizeof buf);
    }
}

/* Large inputs: 1 MiB of valid text, then single corrupted bytes. */
static void test_large(void **state)
{
    (void)state;
    rng_state = 6;
    size_t n = 1 << 20;
    uint8_t *buf = malloc(n);
    assert_non_null(buf);
    rnd_utf8(buf, n);
    for (int level = 0; level <= max_level; level++)
        assert_int_equal(ub_utf8_valid_prefix_at(level, buf, n), n);
    for (int i = 0; i < 40; i++) {
        size_t pos = (size_t)rnd() % n;
        uint8_t old = buf[pos];
        buf[pos] = bads[i % N_BADS].b[0];
        CHECK(buf, n);
        buf[pos] = old;
    }
    /* Pure ASCII, and pure 2-, 3- and 4-byte text. */
    memset(buf, 'x', n);
    CHECK(buf, n);
    static const uint32_t cps[] = { 0xE9, 0x20AC, 0x1F600 };
    for (size_t k = 0; k < 3; k++) {
        size_t i = 0;
        while (n - i >= 4)
            i += put_cp(buf + i, cps[k]);
        CHECK(buf, i);
        buf[i / 2] = 0x20;  /* splits one character */
        CHECK(buf, i);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_empty_and_tiny),
        cmocka_unit_test(test_exhaustive_two_bytes),
        cmocka_unit_test(test_exhaustive_three_four_bytes),
        cmocka_unit_test(test_invalid_everywhere),
        cmocka_unit_test(test_alignments),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_ascii_prefix),
        cmocka_unit_test(test_large),
    };
    max_level = ub_simd_level();
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    fprintf(stderr, "test_simd: %lu comparisons\n", n_checks);
    return rc;
}
