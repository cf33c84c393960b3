/*
 * test_model.c -- the character language model and the character classes.
 *
 * Checks real outcomes of the built-in model: clean text beats its mojibake,
 * rare but real characters are priced above characters only repairs make,
 * every code point gets a finite probability, distributions sum to one,
 * the class baked into the blob is the class of uclass.c, and malformed
 * blobs are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "model.h"
#include "uclass.h"

/* The embedded blob (model_blob.S); hidden, but reachable in a static link. */
extern const uint8_t ub_lm_blob_start[];
extern const uint8_t ub_lm_blob_end[];

/* UTF-8 -> UTF-32, enough for test literals (input is valid). */
static size_t u32(const char *s, uint32_t *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p && n < cap) {
        uint32_t c = *p++;
        int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (more) c &= 0x3F >> more;
        while (more--) c = c << 6 | (*p++ & 0x3F);
        out[n++] = c;
    }
    return n;
}

/* Score of a UTF-8 string from the start of text. */
static double score(const char *s)
{
    uint32_t buf[512];
    size_t n = u32(s, buf, 512);
    return ub_lm_score(ub_lm_builtin(), UB_LM_BOS, UB_LM_BOS, buf, n);
}

/* Assert that `good` outscores `bad` by at least `margin` nats; report both. */
#define assert_better(good, bad, margin) assert_better_at(good, bad, margin, __LINE__)
static void assert_better_at(const char *good, const char *bad, double margin, int line)
{
    double g = score(good), b = score(bad);
    if (!(g > b + margin)) {
        print_error("line %d: \"%s\" scores %.2f, \"%s\" scores %.2f (margin %.1f wanted)\n",
                    line, good, g, bad, b, margin);
        fail();
    }
}

static const ub_lm *lm;

static int setup(void **state)
{
    (void)state;
    lm = ub_lm_builtin();
    return lm == NULL;
}

static void test_builtin_ok(void **state)
{
    (void)state;
    assert_int_equal(ub_lm_builtin_status(), 0);
    assert_non_null(ub_lm_builtin());
    assert_ptr_equal(ub_lm_builtin(), ub_lm_builtin());
    const char *p = ub_lm_provenance(lm);
    assert_non_null(p);
    assert_true(strlen(p) > 100);
    assert_non_null(strstr(p, "manpages-zh "));
    assert_non_null(strstr(p, "zh-CN="));
}

static void test_mojibake_latin(void **state)
{
    (void)state;
    /* the single-character question: é after "caf" vs the baked pair */
    uint32_t caf[3] = {'c', 'a', 'f'};
    (void)caf;
    float e = ub_lm_logp(lm, 'a', 'f', 0xE9);
    float pair = ub_lm_logp(lm, 'a', 'f', 0xC3) + ub_lm_logp(lm, 'f', 0xC3, 0xA9);
    assert_true(e > pair + 5.0f);
    assert_better("un café noir", "un cafÃ© noir", 8.0);
    assert_better("Grüße aus München", "GrÃ¼ÃŸe aus MÃ¼nchen", 15.0);
    assert_better("don’t stop", "donâ€™t stop", 10.0);
    assert_better("São Paulo e Brasília", "SÃ£o Paulo e BrasÃ­lia", 10.0);
    assert_better("smörgåsbord", "smÃ¶rgÃ¥sbord", 10.0);
    assert_better("Zażółć gęślą jaźń", "ZaÅ¼Ã³Å‚Ä‡ gÄ™Å›lÄ… jaÅºÅ„", 20.0);
    assert_better("naïve résumé", "naÃ¯ve rÃ©sumÃ©", 10.0);
    /* uppercase inside a lowercase word */
    assert_better("information", "infoRmation", 3.0);
    /* C1 controls are never text */
    assert_true(ub_lm_logp(lm, 'a', 'b', 0x85) < -15.0f);
    assert_true(ub_lm_logp(lm, 'a', 'b', 0x9D) < -15.0f);
}

static void test_mojibake_scripts(void **state)
{
    (void)state;
    assert_better("Русский язык", "Ð ÑƒÑ\xc2\x81Ñ\xc2\x81ÐºÐ¸Ð¹ Ñ\xc2\x8fÐ·Ñ‹Ðº", 30.0);
    assert_better("Русский язык", "Ðóññêèé ÿçûê", 20.0);       /* cp1251 read as cp1252 */
    assert_better("Українська мова", "РЈРєСЂР°С—РЅСЃСЊРєР° РјРѕРІР°", 20.0); /* UTF-8 as cp1251 */
    assert_better("文件系统的用户手册", "鏂囦欢绯荤粺鐨勭敤鎴锋墜鍐", 10.0); /* UTF-8 as GBK */
    assert_better("系统设置", "绯荤粺璁剧疆", 10.0);
    assert_better("日本語のテキスト", "æ—¥æœ¬èªžã\xc2\x81®ãƒ†ã‚­ã‚¹ãƒˆ", 30.0);
    assert_better("한국어 텍스트", "í•œêµ­ì–´ í…\xc2\x8dìŠ¤íŠ¸", 20.0);
    assert_better("Ελληνικά κείμενα", "Î•Î»Î»Î·Î½Î¹ÎºÎ¬ ÎºÎµÎ¯Î¼ÎµÎ½Î±", 20.0);
    assert_better("العربية", "Ø§Ù„Ø¹Ø±Ø¨ÙŠØ©", 15.0);
    assert_better("עברית", "×¢×‘×¨×™×ª", 10.0);
    assert_better("Türkçe metin", "TÃ¼rkÃ§e metin", 8.0);
    assert_better("Tiếng Việt", "Tiáº¿ng Viá»‡t", 10.0);
    /* a lone Cyrillic letter inside Chinese text is suspicious */
    assert_better("这是中文的文本", "这是中文д文本", 5.0);
}

static void test_symbols_and_emoji(void **state)
{
    (void)state;
    /* VS16 after a symbol that takes it, not after a letter */
    assert_true(ub_lm_logp(lm, ' ', 0x26A0, 0xFE0F) > ub_lm_logp(lm, ' ', 'a', 0xFE0F) + 3.0f);
    assert_better("price: 20 €", "price: 20 â‚¬", 8.0);
    assert_better("x ≤ y", "x â‰¤ y", 8.0);
    assert_better("┌──┐", "â”Œâ”€â”€â”\xc2\x90", 15.0);
    assert_better("great job 👍", "great job ðŸ‘\xc2\x8d", 10.0);
}

/* log P of the last character of `ctx_then_char` after the ones before it */
static float last(const char *s)
{
    uint32_t u[64];
    size_t n = u32(s, u, 64);
    uint32_t c2 = n >= 3 ? u[n - 3] : UB_LM_BOS, c1 = n >= 2 ? u[n - 2] : UB_LM_BOS;
    return ub_lm_logp(lm, c2, c1, u[n - 1]);
}

#define assert_above(s, lo) assert_range_at(s, lo, 0.0f, __LINE__)
#define assert_below(s, hi) assert_range_at(s, UB_LM_LOGP_MIN, hi, __LINE__)
static void assert_range_at(const char *s, float lo, float hi, int line)
{
    float lp = last(s);
    if (!(lp >= lo && lp <= hi)) {
        print_error("line %d: last character of \"%s\": log P %.2f, wanted %.1f..%.1f\n", line, s,
                    lp, lo, hi);
        fail();
    }
}

/* The detector's calibration needs (docs/model.md): symbols and letters
 * that real text uses stay affordable even after a pair never seen in
 * training, while letters that only a mis-decoding produces (IPA, archaic,
 * a foreign script in the middle of a word) stay below them. */
static void test_calibration(void **state)
{
    (void)state;
    /* real symbols and letters after unseen pairs: not near the floor */
    assert_above("Windows®", -17.0f);
    assert_true(last("Windows®") > last("Windowsɮ") + 3.0f);
    assert_above("3 x°", -15.0f);
    assert_above("IL2Rγ", -15.0f);
    assert_above("etc…", -15.0f);
    assert_above("Rī", -13.0f);
    assert_above("gaņ", -15.0f);
    assert_above("aş", -10.0f);
    assert_above("kį", -10.0f);
    assert_above("LÉ", -10.0f);
    assert_above("10\xc2\xa0", -10.0f); /* NBSP after a number */
    assert_above("20°", -8.0f);
    assert_above("don’", -10.0f);
    /* letters only repairs make: below the real ones in the same place */
    static const char *const rare[] = {"aɮ", "aʩ", "aʅ", "aɿ", "aѰ", "aſ", "aՅ"};
    for (size_t i = 0; i < sizeof rare / sizeof rare[0]; i++) {
        assert_below(rare[i], -16.0f);
        assert_true(last(rare[i]) < last("a®") - 3.0f);
    }
    assert_true(last("NESTLɮ") < last("NESTLÉ") - 8.0f);
    /* context still counts: a script change inside Chinese, a capital
     * inside a word, a C1 control anywhere */
    assert_below("中文д", -15.0f);
    assert_above("中文的", -4.0f);
    assert_below("abQ", -10.0f);
    assert_above("cat", -3.0f);
    assert_below("ab\xc2\x85", -25.0f);
    /* the vocabulary */
    assert_true(ub_lm_known(lm, 'e'));
    assert_true(ub_lm_known(lm, 0x4E2D));  /* 中 */
    assert_true(ub_lm_known(lm, 0x0E20));  /* Thai ภ */
    assert_true(ub_lm_known(lm, 0x094D));  /* Devanagari virama */
    assert_true(ub_lm_known(lm, 0x012B));  /* Latvian ī */
    assert_false(ub_lm_known(lm, 0x026E)); /* IPA ɮ */
    assert_false(ub_lm_known(lm, 0xE000)); /* private use */
    assert_false(ub_lm_known(lm, 0x85));   /* C1 */
}

/* The detector's run-versus-repair question (detect.c): the text as it is,
 * each character floored at IN_FLOOR, against the repair, unfloored, with
 * their left context and the two characters after them.  Positive: the
 * repair reads better before the codec prior. */
#define IN_FLOOR (-13.0) /* as in detect.c */
static double gain(const char *left, const char *run, const char *repair, const char *right)
{
    uint32_t l[64], a[64], b[64], r[64];
    size_t nl = u32(left, l, 64), na = u32(run, a, 64), nb = u32(repair, b, 64),
           nr = u32(right, r, 64);
    double sc[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        const uint32_t *t = k ? b : a;
        size_t n = k ? nb : na;
        uint32_t c2 = nl >= 2 ? l[nl - 2] : UB_LM_BOS, c1 = nl >= 1 ? l[nl - 1] : UB_LM_BOS;
        for (size_t i = 0; i < n + 2 && i < n + nr; i++) {
            uint32_t c = i < n ? t[i] : r[i - n];
            double lp = ub_lm_logp(lm, c2, c1, c);
            sc[k] += k == 0 && lp < IN_FLOOR ? IN_FLOOR : lp;
            c2 = c1;
            c1 = c;
        }
    }
    return sc[1] - sc[0];
}

static void test_separations(void **state)
{
    (void)state;
    assert_true(gain("un caf", "Ã©", "é", " noir") > 15.0);
    assert_true(gain("Gr", "Ã¼ÃŸe", "üße", " aus") > 30.0);
    assert_true(gain("don", "â€™", "’", "t") > 30.0);
    assert_true(gain("pi", "√π", "ù", " presto") > 20.0);
    /* clean but odd text must not gain from a "repair" */
    assert_true(gain("NESTL", "É®", "ɮ", " cereal") < 0.0);
    assert_true(gain("IL2R", "γ", "Î³", " chain") < -5.0);
    /* the repair of the lossy sort: the right character wins its gap */
    assert_true(last("用于") > last("用亏") + 5.0f);
}

static void test_digits_and_newlines(void **state)
{
    (void)state;
    /* digits are one symbol: each is a tenth of "a digit" */
    float d3 = ub_lm_logp(lm, 'x', ' ', '3'), d7 = ub_lm_logp(lm, 'x', ' ', '7');
    assert_float_equal(d3, d7, 1e-6);
    /* CRLF costs what LF costs */
    float lf = ub_lm_logp(lm, 'e', 'n', '\n');
    float cr = ub_lm_logp(lm, 'e', 'n', '\r');
    assert_float_equal(lf, cr, 1e-6);
    assert_float_equal(ub_lm_logp(lm, 'n', '\r', '\n'), 0.0f, 0.0);
    assert_float_equal(ub_lm_logp(lm, '\r', '\n', 'T'), ub_lm_logp(lm, '\n', '\n', 'T'), 1e-6);
}

/* Every code point, in a few contexts, gets a finite log-probability <= 0,
 * and each context's distribution sums to about one. */
static void test_all_code_points(void **state)
{
    (void)state;
    static const uint32_t ctx[][2] = {
        {UB_LM_BOS, UB_LM_BOS}, {'t', 'h'}, {0x4E2D, 0x6587}, {0x0440, 0x0443},
        {0x85, 0xFFFF}, {0x10FFFF, 0x1F600}, {' ', 0xE9},
    };
    for (size_t k = 0; k < sizeof ctx / sizeof ctx[0]; k++) {
        double sum = 0;
        for (uint32_t c = 0; c <= 0x10FFFF; c++) {
            float lp = ub_lm_logp(lm, ctx[k][0], ctx[k][1], c);
            if (!(lp <= 0.0f && lp >= UB_LM_LOGP_MIN)) {
                print_error("logp(U+%04X | U+%04X U+%04X) = %g\n", c, ctx[k][0], ctx[k][1], lp);
                fail();
            }
            /* CR is read as LF, TAB/VT/FF as SPACE: count those symbols once */
            if (c != 0x0D && c != 0x09 && c != 0x0B && c != 0x0C) sum += exp(lp);
        }
        if (fabs(sum - 1.0) > 0.05) {
            print_error("context %zu: probabilities sum to %.4f\n", k, sum);
            fail();
        }
    }
    float big = ub_lm_logp(lm, 'a', 'b', 0xFFFFFFFFu);
    assert_true(big <= 0.0f && big >= UB_LM_LOGP_MIN);
}

static void test_open_and_determinism(void **state)
{
    (void)state;
    size_t len = (size_t)(ub_lm_blob_end - ub_lm_blob_start);
    uint64_t *copy = malloc(len + 8);
    assert_non_null(copy);
    memcpy(copy, ub_lm_blob_start, len);
    ub_lm *m = ub_lm_open(copy, len);
    assert_non_null(m);
    assert_string_equal(ub_lm_provenance(m), ub_lm_provenance(lm));
    uint32_t s[64];
    size_t n = u32("Determinism: 同じ入力、同じ結果。Ça marche.", s, 64);
    double a = ub_lm_score(m, UB_LM_BOS, UB_LM_BOS, s, n);
    double b = ub_lm_score(lm, UB_LM_BOS, UB_LM_BOS, s, n);
    assert_true(a == b);
    assert_true(ub_lm_score(lm, UB_LM_BOS, UB_LM_BOS, s, n) == b);
    assert_true(ub_lm_score(lm, 'a', 'b', s, 0) == 0.0);
    ub_lm_close(m);
    ub_lm_close(NULL);
    free(copy);
}

/* A sanitizer's run-time maps memory as it goes: no address-space limit
 * leaves it room enough. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* A thread's look-ups, in a thread of its own (cache: ub_lm_cache_for()'s
 * answer there). */
struct probe_run {
    const uint32_t *s;
    size_t n;
    double score;
    ub_lm_cache_entry *cache;
    pthread_barrier_t *both;    /* (neither exits, unmapping its cache,
                                   before the other has one) */
};

static void *probe_thread(void *arg)
{
    struct probe_run *p = arg;
    p->score = ub_lm_score(lm, UB_LM_BOS, UB_LM_BOS, p->s, p->n);
    p->score += ub_lm_score(lm, UB_LM_BOS, UB_LM_BOS, p->s, p->n);  /* (hits, if cached) */
    p->cache = ub_lm_cache_for(lm);
    pthread_barrier_wait(p->both);
    return NULL;
}

/* Two threads' scores of s[0..n), on the stacks given (NULL: the
 * library's, 256 KiB); 0 when both ran. */
static int two_threads(struct probe_run *a, struct probe_run *b, void *stack_a, void *stack_b,
                       size_t size)
{
    pthread_attr_t aa, ab;
    pthread_t ta, tb;
    pthread_barrier_t both;
    if (pthread_barrier_init(&both, NULL, 2))
        return -1;
    a->both = b->both = &both;
    if (pthread_attr_init(&aa) || pthread_attr_init(&ab))
        return -1;
    if (stack_a ? pthread_attr_setstack(&aa, stack_a, size) || pthread_attr_setstack(&ab, stack_b, size)
                : pthread_attr_setstacksize(&aa, size) || pthread_attr_setstacksize(&ab, size))
        return -1;
    int rc = pthread_create(&ta, &aa, probe_thread, a);
    if (!rc && (rc = pthread_create(&tb, &ab, probe_thread, b)) != 0) {
        /* (the first waits at the barrier, which is no cancellation
         * point: this thread meets it there in the second's place) */
        probe_thread(b);
        pthread_join(ta, NULL);
    }
    if (!rc) {
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
    }
    pthread_attr_destroy(&aa);
    pthread_attr_destroy(&ab);
    pthread_barrier_destroy(&both);
    return rc;
}

/* Each thread has a cache of its own; a thread the system gives no memory
 * for one looks everything up in the tables, with the same results. */
static void test_thread_caches(void **state)
{
    (void)state;
    uint32_t s[64];
    size_t n = u32("Caches: \u540C\u3058\u5165\u529B, \u0441\u043B\u043E\u0432\u043E, caf\u00E9.", s, 64);
    double want = 2 * ub_lm_score(lm, UB_LM_BOS, UB_LM_BOS, s, n);
    struct probe_run a = { s, n, 0, NULL, NULL }, b = { s, n, 0, NULL, NULL };
    assert_int_equal(two_threads(&a, &b, NULL, NULL, 256 * 1024), 0);
    assert_true(a.score == want && b.score == want);
    assert_true(a.cache != b.cache);
    /* (in a child whose address space has no room left for a cache, but
     * for two threads' stacks) */
    if (SANITIZED)
        return;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* (the threads' stacks first, then a limit that leaves no room
         * for more than a few pages) */
        size_t size = 256 * 1024;
        void *sa = malloc(size), *sb = malloc(size);
        long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (!sa || !sb || !f || fscanf(f, "%ld", &pages) != 1)
            _exit(3);
        fclose(f);
        struct rlimit rl = { 0, 0 };
        getrlimit(RLIMIT_AS, &rl);
        rl.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + 64 * 1024;
        if (setrlimit(RLIMIT_AS, &rl))
            _exit(3);
        struct probe_run c = { s, n, 0, NULL, NULL }, d = { s, n, 0, NULL, NULL };
        if (two_threads(&c, &d, sa, sb, size))
            _exit(4);
        /* the same empty cache in both, and the same scores */
        _exit(c.cache != d.cache ? 1 : c.score != want || d.score != want ? 2 : 0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_reject_bad_blobs(void **state)
{
    (void)state;
    size_t len = (size_t)(ub_lm_blob_end - ub_lm_blob_start);
    uint8_t *copy = malloc(len + 8);
    assert_non_null(copy);
    memcpy(copy, ub_lm_blob_start, len);
    assert_null(ub_lm_open(NULL, len));
    assert_null(ub_lm_open(copy, 0));
    assert_null(ub_lm_open(copy, 16));
    assert_null(ub_lm_open(copy, sizeof(ub_lm_header)));
    assert_null(ub_lm_open(copy, len / 2));
    assert_null(ub_lm_open(copy, len - 1));
    /* one flipped bit anywhere: checksum or header check fails */
    static const double where[] = {0.0, 0.001, 0.3, 0.5, 0.9, 0.999999};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        size_t at = (size_t)(where[i] * (double)(len - 1));
        copy[at] ^= 0x10;
        assert_null(ub_lm_open(copy, len));
        copy[at] ^= 0x10;
    }
    /* misaligned */
    memmove(copy + 1, copy, len);
    assert_null(ub_lm_open(copy + 1, len));
    memmove(copy, copy + 1, len);
    ub_lm *m = ub_lm_open(copy, len);
    assert_non_null(m);
    ub_lm_close(m);
    free(copy);
}

/* The class of every code point is baked into the blob's maps when the
 * model is trained; it must be what uclass.c says (a vocabulary character's
 * id carries its class, any other code point maps to its class token). */
static void test_baked_classes(void **state)
{
    (void)state;
    const uint8_t *base = ub_lm_blob_start;
    const ub_lm_header *h = (const ub_lm_header *)(const void *)base;
    const uint16_t *bmp = (const uint16_t *)(const void *)(base + h->off_bmp);
    const uint16_t *aidx = (const uint16_t *)(const void *)(base + h->off_astral_idx);
    const uint16_t *ablk = (const uint16_t *)(const void *)(base + h->off_astral_blk);
    const ub_lm_idinfo *info = (const ub_lm_idinfo *)(const void *)(base + h->off_id);
    size_t known = 0;
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        uint32_t id = c <= 0xFFFF ? bmp[c] : ablk[(size_t)aidx[(c - 0x10000) >> 8] * 256 + (c & 0xFF)];
        int k = ub_uclass(c);
        if (id == 0 || id >= h->n_ids || (int)info[id].cls != k ||
            (id < UB_LM_ID_CHAR0 && id != UB_LM_ID_CLASS0 + (uint32_t)k))
            fail_msg("U+%04X: id %u of class %u, uclass says %d", c, id,
                     id < h->n_ids ? info[id].cls : 999u, k);
        known += id >= UB_LM_ID_CHAR0;
        /* queries fold digits, TAB/VT/FF and CR first (model.h) */
        if (ub_lm_normalize(c) == c) assert_int_equal(ub_lm_known(lm, c), id >= UB_LM_ID_CHAR0);
    }
    /* each vocabulary id is one code point */
    assert_int_equal(known, h->n_ids - UB_LM_ID_CHAR0);
}

static void test_uclass(void **state)
{
    (void)state;
    assert_int_equal(ub_uclass('a'), UB_UCLASS(UB_SG_LATIN_ASCII, UB_CG_LL));
    assert_int_equal(ub_uclass('Q'), UB_UCLASS(UB_SG_LATIN_ASCII, UB_CG_LU));
    assert_int_equal(ub_uclass(0xC3), UB_UCLASS(UB_SG_LATIN_EXT, UB_CG_LU));
    assert_int_equal(ub_uclass(0xA9), UB_UCLASS(UB_SG_LATIN1_SYM, UB_CG_SO));
    assert_int_equal(ub_uclass(0x0416), UB_UCLASS(UB_SG_CYRILLIC, UB_CG_LU));
    assert_int_equal(ub_uclass(0x4E2D), UB_UCLASS(UB_SG_HAN, UB_CG_LO));
    assert_int_equal(ub_uclass(0x3002), UB_UCLASS(UB_SG_HAN, UB_CG_P));
    assert_int_equal(ub_uclass(0x30AB), UB_UCLASS(UB_SG_KANA, UB_CG_LO));
    assert_int_equal(ub_uclass(0xD55C), UB_UCLASS(UB_SG_HANGUL, UB_CG_LO));
    assert_int_equal(ub_uclass(0x05D0), UB_UCLASS(UB_SG_HEBREW, UB_CG_LO));
    assert_int_equal(ub_uclass(0x0627), UB_UCLASS(UB_SG_ARABIC, UB_CG_LO));
    assert_int_equal(ub_uclass(0x0E01), UB_UCLASS(UB_SG_SEA, UB_CG_LO));
    assert_int_equal(ub_uclass(0x0915), UB_UCLASS(UB_SG_INDIC, UB_CG_LO));
    assert_int_equal(ub_uclass(0x85), UB_UCLASS(UB_SG_SPECIAL, UB_CG_C1));
    assert_int_equal(ub_uclass(0x01), UB_UCLASS(UB_SG_SPECIAL, UB_CG_C0));
    assert_int_equal(ub_uclass('\n'), UB_UCLASS(UB_SG_SPECIAL, UB_CG_NEWLINE));
    assert_int_equal(ub_uclass(0x1F600), UB_UCLASS(UB_SG_COMMON, UB_CG_EMOJI));
    assert_int_equal(ub_uclass(0x26A0), UB_UCLASS(UB_SG_COMMON, UB_CG_EMOJI));
    assert_int_equal(ub_uclass(0xFE0F), UB_UCLASS(UB_SG_COMMON, UB_CG_JOINER));
    assert_int_equal(ub_uclass(0x2500), UB_UCLASS(UB_SG_COMMON, UB_CG_BOX));
    assert_int_equal(ub_uclass(0xE000), UB_UCLASS(UB_SG_SPECIAL, UB_CG_PRIVATE));
    assert_int_equal(ub_uclass(0xFFFF), UB_UCLASS(UB_SG_SPECIAL, UB_CG_UNASSIGNED));
    assert_int_equal(ub_uclass(0x110000), UB_UCLASS(UB_SG_SPECIAL, UB_CG_UNASSIGNED));
    assert_string_equal(ub_uclass_name(ub_uclass(0x0416)), "CYRILLIC.Lu");
    assert_string_equal(ub_uclass_name(ub_uclass(0x85)), "SPECIAL.C1");
    assert_string_equal(ub_uclass_name(-1), "?");
    assert_string_equal(ub_uclass_name(UB_UCLASS_COUNT), "?");
    for (uint32_t c = 0; c <= 0x10FFFF; c++) {
        int k = ub_uclass(c);
        if (k < 0 || k >= UB_UCLASS_COUNT) fail_msg("ub_uclass(U+%04X) = %d", c, k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_ok),
        cmocka_unit_test(test_mojibake_latin),
        cmocka_unit_test(test_mojibake_scripts),
        cmocka_unit_test(test_symbols_and_emoji),
        cmocka_unit_test(test_calibration),
        cmocka_unit_test(test_separations),
        cmocka_unit_test(test_digits_and_newlines),
        cmocka_unit_test(test_all_code_points),
        cmocka_unit_test(test_open_and_determinism),
        cmocka_unit_test(test_thread_caches),
        cmocka_unit_test(test_reject_bad_blobs),
        cmocka_unit_test(test_baked_classes),
        cmocka_unit_test(test_uclass),
    };
    return cmocka_run_group_tests_name("model", tests, setup, NULL);
}
