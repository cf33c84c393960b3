/*
 * test_input.c -- the input stage of src/lib/input.c.
 *
 * Legacy and UTF-16/32 inputs are made at test time by converting clean
 * UTF-8 texts with ICU: the texts below, and the texts of fixtures/clean
 * when they are there.  Checked: names, forced decoding with U+FFFD counting,
 * byte order marks, NUL patterns (and the UTF-8 that must not be taken for
 * UTF-16), uchardet's decisions on real legacy text, mixed files, binary
 * input, chunking invariance (random chunks of 1 byte to 64 KiB), streaming
 * in bounded memory, sink failure and reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unicode/ucnv.h>

#include "input.h"
#include "model.h"
#include "unbake.h"
#include "tools/testkit.h"

/* ------------------------------------------------------------------ */
/* Texts (written for these tests)                                     */
/* ------------------------------------------------------------------ */

static const char ru[] =
    "Программа читает текст из файлов или со стандартного ввода и записывает "
    "исправленный текст на стандартный вывод. Если кодировка файла неизвестна, "
    "она определяется автоматически по содержимому. Все изменения можно "
    "просмотреть заранее, а исходные файлы остаются нетронутыми, пока "
    "пользователь не попросит иначе.\nОшибки чтения и записи сообщаются вместе "
    "с именем файла, а код возврата показывает, удалась ли работа.\n";

static const char uk[] =
    "Програма читає текст із файлів або зі стандартного введення і записує "
    "виправлений текст до стандартного виведення. Якщо кодування файлу невідоме, "
    "його визначають автоматично за вмістом. Усі зміни можна переглянути "
    "заздалегідь, а початкові файли лишаються незмінними, доки користувач не "
    "попросить інакше.\n";

static const char ja[] =
    "このプログラムはファイルまたは標準入力からテキストを読み込み、修正したテキストを"
    "標準出力に書き出します。ファイルの文字コードが分からない場合は、内容から自動的に"
    "判定します。変更点は事前に確認することができ、利用者が指示しない限り元のファイル"
    "は変更されません。\n読み書きのエラーはファイル名とともに報告されます。\n";

static const char zh_cn[] =
    "该程序从文件或标准输入读取文本，并将修复后的文本写到标准输出。如果文件的编码"
    "未知，程序会根据内容自动判断。所有修改都可以事先查看，除非用户另有要求，原始"
    "文件不会被改动。\n读写错误会连同文件名一起报告，退出状态说明处理是否成功。\n";

static const char zh_tw[] =
    "該程式從檔案或標準輸入讀取文字，並將修復後的文字寫到標準輸出。如果檔案的編碼"
    "未知，程式會根據內容自動判斷。所有修改都可以事先檢視，除非使用者另有要求，原始"
    "檔案不會被改動。\n讀寫錯誤會連同檔案名稱一起回報，結束狀態說明處理是否成功。\n";

static const char ko[] =
    "이 프로그램은 파일이나 표준 입력에서 텍스트를 읽고 고친 텍스트를 표준 출력에 "
    "씁니다. 파일의 인코딩을 모르는 경우에는 내용을 보고 자동으로 판단합니다. 모든 "
    "변경 사항은 미리 확인할 수 있으며, 사용자가 따로 요청하지 않는 한 원래 파일은 "
    "바뀌지 않습니다.\n읽기와 쓰기 오류는 파일 이름과 함께 보고됩니다.\n";

static const char fr[] =
    "Le programme lit le texte depuis des fichiers ou l'entrée standard et écrit le "
    "texte corrigé sur la sortie standard. Si l'encodage d'un fichier est inconnu, il "
    "est déterminé automatiquement d'après son contenu. Toutes les modifications "
    "peuvent être vérifiées à l'avance, et les fichiers d'origine ne sont pas modifiés "
    "à moins que l'utilisateur ne le demande.\nLes erreurs de lecture et d'écriture "
    "sont signalées avec le nom du fichier ; voilà déjà un été réussi à Noël.\n";

static const char el[] =
    "Το πρόγραμμα διαβάζει κείμενο από αρχεία ή από την τυπική είσοδο και γράφει το "
    "διορθωμένο κείμενο στην τυπική έξοδο. Άλλες αλλαγές δεν γίνονται. Αν η "
    "κωδικοποίηση ενός αρχείου είναι άγνωστη, προσδιορίζεται αυτόματα από το "
    "περιεχόμενο. Όλα τα λάθη ανάγνωσης και εγγραφής αναφέρονται μαζί με το όνομα "
    "του αρχείου.\n";

static const char en[] =
    "The program reads text from files or standard input and writes the repaired "
    "text to standard output. Clean text comes back byte for byte.\n";

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

struct sink_state {
    struct tk_buf out;
    size_t total;               /* bytes received, including cleared ones */
    int fail_after;             /* fail on this call (1-based), 0 = never */
    int calls;
};

static int sink(void *user, const uint8_t *p, size_t n)
{
    struct sink_state *s = user;
    s->calls++;
    if (s->fail_after && s->calls >= s->fail_after)
        return -1;
    tk_add(&s->out, p, n);
    s->total += n;
    return 0;
}

/* tk_add, kept out of line: inlined into a loop it trips a GCC 12 false
 * positive (-Wstringop-overflow). */
__attribute__((noinline)) static void add(struct tk_buf *b, const void *p, size_t n)
{
    tk_add(b, p, n);
}

/* Convert UTF-8 to a codec with ICU; 0 if some character does not fit. */
static int to_codec(const char *codec, const char *text, size_t n, struct tk_buf *out)
{
    UErrorCode err = U_ZERO_ERROR;
    UConverter *from = ucnv_open("UTF-8", &err), *to = ucnv_open(codec, &err);
    if (U_FAILURE(err))
        fail_msg("ICU cannot open %s", codec);
    ucnv_setFromUCallBack(to, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    ucnv_setFallback(to, 0);
    size_t cap = 4 * n + 16;
    char *buf = malloc(cap);
    char *t = buf;
    const char *s = text;
    ucnv_convertEx(to, from, &t, buf + cap, &s, text + n, NULL, NULL, NULL, NULL, 1, 1, &err);
    int ok = U_SUCCESS(err);
    if (ok)
        tk_set(out, buf, (size_t)(t - buf));
    free(buf);
    ucnv_close(from);
    ucnv_close(to);
    return ok;
}

/* Run a whole input through a fresh stage in chunks (0: one push). */
static void run(const char *from, const void *in, size_t n, size_t chunk, uint64_t *rng,
                struct tk_buf *out, char *detected, size_t dsize, size_t *repl)
{
    ub_input *st;
    assert_int_equal(ub_input_new(&st, from), 0);
    struct sink_state s = { 0 };
    const uint8_t *p = in;
    size_t left = n;
    while (left) {
        size_t k = chunk ? chunk : left;
        if (rng)
            k = 1 + tk_below(rng, tk_below(rng, 4) ? 64 : 65536);
        if (k > left)
            k = left;
        assert_int_equal(ub_input_push(st, p, k, 0, sink, &s), 0);
        p += k;
        left -= k;
    }
    assert_int_equal(ub_input_push(st, NULL, 0, 1, sink, &s), 0);
    if (detected)
        snprintf(detected, dsize, "%s", ub_input_detected(st));
    if (repl)
        *repl = ub_input_replacements(st);
    tk_set(out, s.out.p ? s.out.p : "", s.out.n);
    tk_free(&s.out);
    ub_input_free(st);
}

static void expect_out(const char *what, const struct tk_buf *got, const void *want, size_t wn,
                       const char *detected)
{
    if (tk_eq(got->p, got->n, want, wn))
        return;
    size_t at = tk_first_diff(got->p, got->n, want, wn);
    fprintf(stderr, "    %s: decided \"%s\", first difference at byte %zu\n    got:  ", what,
            detected ? detected : "?", at);
    tk_show(stderr, got->p + (at > 20 ? at - 20 : 0), got->n - (at > 20 ? at - 20 : 0), 80);
    fprintf(stderr, "\n    want: ");
    tk_show(stderr, (const char *)want + (at > 20 ? at - 20 : 0), wn - (at > 20 ? at - 20 : 0), 80);
    fprintf(stderr, "\n");
    fail_msg("%s: wrong output", what);
}

/* Auto-detect a whole input: the output must be want exactly and the
 * decision must mention `mention` (NULL: anything). */
static void expect_auto(const char *what, const void *in, size_t n, const void *want,
                        size_t wn, const char *mention)
{
    struct tk_buf out = { 0 };
    char det[256];
    run(NULL, in, n, 0, NULL, &out, det, sizeof det, NULL);
    expect_out(what, &out, want, wn, det);
    if (mention && !strstr(det, mention))
        fail_msg("%s: decided \"%s\", expected \"%s\" in it", what, det, mention);
    tk_free(&out);
}

/* The same text encoded in codec must come back as the UTF-8. */
static void expect_legacy(const char *codec, const char *text, const char *mention)
{
    struct tk_buf leg = { 0 };
    if (!to_codec(codec, text, strlen(text), &leg))
        fail_msg("test text does not fit %s", codec);
    char what[64];
    snprintf(what, sizeof what, "%s text", codec);
    expect_auto(what, leg.p, leg.n, text, strlen(text), mention);
    tk_free(&leg);
}

/* ------------------------------------------------------------------ */
/* Names and forced decoding                                           */
/* ------------------------------------------------------------------ */

/* The stage asks the language model whether a BOM-less UTF-16/32 reading
 * is text and which of uchardet's candidates reads best: without it the
 * tests below would measure only the fallback rules. */
static void test_model_present(void **state)
{
    (void)state;
    int st = ub_lm_builtin_status();
    if (st)
        fail_msg("the built-in language model is unusable (%d): rebuild models/unbake.lm", st);
}

static void test_names(void **state)
{
    (void)state;
    ub_input *in = (ub_input *)1;
    assert_int_equal(ub_input_new(&in, "no-such-codec"), UNBAKE_ECODEC);
    assert_null(in);
    assert_int_equal(ub_input_new(&in, ""), UNBAKE_ECODEC);
    assert_int_equal(ub_input_new(NULL, NULL), UNBAKE_EINVAL);

    static const struct {
        const char *name, *codec;
        int transcode;
    } names[] = {
        { "auto", NULL, 0 },          { "AUTO", NULL, 0 },
        { "utf-8", "utf-8", 0 },      { "UTF8", "utf-8", 0 },
        { "CP1251", "windows-1251", 1 }, { "koi8_r", "koi8-r", 1 },
        { "ISO-8859-16", "iso-8859-16", 1 }, { "cp932", "shift_jis", 1 },
        { "GB2312", "gbk", 1 },       { "cp949", "euc-kr", 1 },
        { "utf-16le", "utf-16le", 1 }, { "UTF-32BE", "utf-32be", 1 },
        { "ibm-037", NULL, 1 },       { "x-mac-cyrillic", NULL, 1 },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        in = NULL;
        assert_int_equal(ub_input_new(&in, names[i].name), 0);
        int forced = strcmp(names[i].name, "auto") && strcmp(names[i].name, "AUTO");
        if (!forced) {
            assert_string_equal(ub_input_detected(in), "undecided");
            assert_null(ub_input_codec(in));
        } else {
            assert_non_null(strstr(ub_input_detected(in), "(forced)"));
            if (names[i].codec)
                assert_string_equal(ub_input_codec(in), names[i].codec);
            assert_int_equal(ub_input_transcoding(in), names[i].transcode);
        }
        ub_input_free(in);
    }
    ub_input_free(NULL);
    assert_string_equal(ub_input_detected(NULL), "");
}

static void expect_forced(const char *from, const char *in, size_t n, const char *want,
                          size_t want_repl)
{
    struct tk_buf out = { 0 };
    size_t repl;
    char det[256];
    run(from, in, n, 1, NULL, &out, det, sizeof det, &repl);
    expect_out(from, &out, want, strlen(want), det);
    if (repl != want_repl)
        fail_msg("%s: %zu replacements, expected %zu", from, repl, want_repl);
    tk_free(&out);
}

static void test_forced(void **state)
{
    (void)state;
    expect_forced("cp1251", "\xCF\xF0\xE8\xE2\xE5\xF2", 6, "Привет", 0);
    expect_forced("koi8-r", "\xF0\xD2\xC9\xD7\xC5\xD4", 6, "Привет", 0);
    /* engine's tables: ISO-8859-16, which ICU lacks */
    expect_forced("iso-8859-16", "\xAA\xBA", 2, "Șș", 0);
    /* an undefined byte >= 0xA0 is U+FFFD, a C1-range one its C1 control */
    expect_forced("iso-8859-7", "\xAE" "a\x81", 3, "\xEF\xBF\xBD" "a\xC2\x81", 1);
    expect_forced("shift_jis", "\x93\xFA\x96\x7B", 4, "日本", 0);
    expect_forced("cp932", "a\x82", 2, "a\xEF\xBF\xBD", 1);
    expect_forced("gbk", "\xD6\xD0\xCE\xC4\x80", 5, "中文€", 0);
    expect_forced("euc-kr", "\xC7\xD1\xB1\xB9", 4, "한국", 0);
    expect_forced("big5", "\xA4\xA4\xA4\xE5", 4, "中文", 0);
    expect_forced("utf-16le", "h\0i\0=\xD8\x00\xDE", 8, "hi😀", 0);
    /* an unpaired surrogate and an odd final byte */
    expect_forced("utf-16be", "\0a\xD8\x00\0b\0", 7, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD", 2);
    expect_forced("utf-32be", "\0\0\0a\0\x01\xF6\x00", 8, "a😀", 0);
    /* forced UTF-16LE keeps a BOM as U+FEFF; "utf-16" follows ICU */
    expect_forced("utf-16le", "\xFF\xFEh\0", 4, "\xEF\xBB\xBFh", 0);
    expect_forced("utf-16", "\xFF\xFEh\0", 4, "h", 0);
    /* forced UTF-8 passes everything through, invalid bytes included */
    expect_forced("utf-8", "caf\xE9\xFF", 5, "caf\xE9\xFF", 0);
}

/* ------------------------------------------------------------------ */
/* Byte order marks and NUL patterns                                   */
/* ------------------------------------------------------------------ */

static void test_bom(void **state)
{
    (void)state;
    /* a UTF-8 BOM passes through: the stream keeps or strips it */
    expect_auto("utf-8 BOM", "\xEF\xBB\xBFhi", 5, "\xEF\xBB\xBFhi", 5, "utf-8 (BOM)");
    expect_auto("utf-8 BOM only", "\xEF\xBB\xBF", 3, "\xEF\xBB\xBF", 3, "BOM");
    expect_auto("utf-16le BOM", "\xFF\xFEh\0\xE9\0", 6, "hé", 3, "utf-16le (BOM)");
    expect_auto("utf-16be BOM", "\xFE\xFF\0h\0\xE9", 6, "hé", 3, "utf-16be (BOM)");
    expect_auto("utf-32le BOM", "\xFF\xFE\0\0h\0\0\0", 8, "h", 1, "utf-32le (BOM)");
    expect_auto("utf-32be BOM", "\0\0\xFE\xFF\0\0\0h", 8, "h", 1, "utf-32be (BOM)");
    expect_auto("utf-16le BOM only", "\xFF\xFE", 2, "", 0, "utf-16le (BOM)");
    expect_auto("empty", "", 0, "", 0, "utf-8");

    /* every text in UTF-16/32 with BOM */
    const char *texts[] = { ru, ja, zh_cn, ko, fr, el, en };
    static const char *const enc[] = { "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE" };
    static const char *const bom[] = { "\xFF\xFE", "\xFE\xFF", "\xFF\xFE\0\0", "\0\0\xFE\xFF" };
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
        for (int e = 0; e < 4; e++) {
            struct tk_buf b = { 0 }, in = { 0 };
            assert_true(to_codec(enc[e], texts[t], strlen(texts[t]), &b));
            tk_add(&in, bom[e], e < 2 ? 2 : 4);
            tk_add(&in, b.p, b.n);
            expect_auto(enc[e], in.p, in.n, texts[t], strlen(texts[t]), "(BOM)");
            tk_free(&b);
            tk_free(&in);
        }
}

static void test_nul_positives(void **state)
{
    (void)state;
    const char *texts[] = { ru, uk, ja, zh_cn, zh_tw, ko, fr, el, en };
    static const char *const enc[] = { "UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE" };
    static const char *const name[] = { "utf-16le (NUL", "utf-16be (NUL", "utf-32le (NUL",
                                        "utf-32be (NUL" };
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++)
        for (int e = 0; e < 4; e++) {
            struct tk_buf b = { 0 };
            assert_true(to_codec(enc[e], texts[t], strlen(texts[t]), &b));
            expect_auto(enc[e], b.p, b.n, texts[t], strlen(texts[t]), name[e]);
            tk_free(&b);
        }
    expect_auto("short utf-16le", "h\0i\0 \0t\0h\0e\0r\0e\0\n\0", 18, "hi there\n", 9,
                "utf-16le");
}

/* UTF-8 (and binary) that has NULs must pass through untouched. */
static void test_nul_negatives(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        { "records", "hello\0world\0foo\0bar\0" },
        { "find -print0", "./a\0./b\0./c\0./d\0./e\0./f\0./g\0" },
        { "text with a NUL", "The quick brown fox\0 jumps over the lazy dog.\n" },
        { "padded", "ab\0\0cd\0\0ef\0\0gh\0\0" },
        { "NUL only", "\0\0\0\0\0\0\0\0" },
    };
    static const size_t lens[] = { 20, 28, 46, 16, 8 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        expect_auto(cases[i][0], cases[i][1], lens[i], cases[i][1], lens[i], "utf-8");

    /* long UTF-8 text of every script with NULs sprinkled in */
    const char *texts[] = { ru, ja, zh_cn, ko, fr, el, en };
    uint64_t rng = 42;
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        struct tk_buf b = { 0 };
        for (int rep = 0; rep < 20; rep++) {
            tk_add(&b, texts[t], strlen(texts[t]));
            tk_add(&b, "\0", 1);
            if (tk_below(&rng, 2))
                tk_add(&b, "x", 1);
        }
        expect_auto("utf-8 with NULs", b.p, b.n, b.p, b.n, "utf-8");
        tk_free(&b);
    }

    /* legacy text with a few NULs: never UTF-16 (it goes to uchardet) */
    static const char *const legacy[] = { "windows-1253", "windows-1252", "windows-1251",
                                          "windows-31j", "windows-936-2000", "UTF-8" };
    const char *ltexts[] = { el, fr, ru, ja, zh_cn, el };
    for (int c = 0; c < 6; c++) {
        struct tk_buf leg = { 0 };
        assert_true(to_codec(legacy[c], ltexts[c], strlen(ltexts[c]), &leg));
        for (int trial = 0; trial < 30; trial++) {
            struct tk_buf b = { 0 };
            tk_set(&b, leg.p, leg.n);
            int nuls = 2 + (int)tk_below(&rng, 12);
            for (int z = 0; z < nuls; z++) {
                /* trials >= 15: all on odd offsets, over existing bytes */
                size_t at = tk_below(&rng, (uint32_t)b.n);
                if (trial >= 15 && (at | 1) < b.n)
                    at |= 1;
                b.p[at] = 0;
            }
            struct tk_buf out = { 0 };
            char det[256];
            run(NULL, b.p, b.n, 0, NULL, &out, det, sizeof det, NULL);
            if (strstr(det, "utf-16") || strstr(det, "utf-32")) {
                tk_show(stderr, b.p, b.n, 200);
                fail_msg("%s text with NULs taken for %s", legacy[c], det);
            }
            tk_free(&out);
            tk_free(&b);
        }
        tk_free(&leg);
    }

    /* random binary: passed through as it is */
    for (int trial = 0; trial < 20; trial++) {
        struct tk_buf b = { 0 };
        size_t n = 16 + tk_below(&rng, 4000);
        for (size_t i = 0; i < n; i++) {
            char c = (char)tk_below(&rng, 256);
            tk_add(&b, &c, 1);
        }
        expect_auto("random bytes", b.p, b.n, b.p, b.n, "utf-8");
        tk_free(&b);
    }
}

/* ------------------------------------------------------------------ */
/* Legacy text and uchardet                                            */
/* ------------------------------------------------------------------ */

static void test_legacy(void **state)
{
    (void)state;
    expect_legacy("windows-1251", ru, "windows-1251");
    expect_legacy("windows-1251", uk, "windows-1251");
    expect_legacy("KOI8-R", ru, "koi8-r");
    /* uchardet says KOI8-R; the model hears the Ukrainian letters */
    expect_legacy("KOI8-U", uk, "koi8-u");
    expect_legacy("ibm-866", ru, "ibm866");
    expect_legacy("windows-31j", ja, "shift_jis");
    expect_legacy("EUC-JP", ja, "euc-jp");
    expect_legacy("windows-936-2000", zh_cn, "gb");
    expect_legacy("windows-950-2000", zh_tw, "big5");
    expect_legacy("windows-949-2000", ko, "euc-kr");
    expect_legacy("windows-1252", fr, "windows-1252");
    expect_legacy("ISO-8859-1", fr, "windows-1252");
    /* Greek: windows-1253 puts Ά at 0xA2, ISO-8859-7 at 0xB6 */
    expect_legacy("windows-1253", el, "windows-1253");
    expect_legacy("ISO-8859-7", el, "iso-8859-7");
}

/* The fixtures other engineers write, when present: each clean text whose
 * script has a natural legacy codec, in that codec, must come back. */
static int count_in(const uint32_t *c, size_t n, uint32_t lo, uint32_t hi)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += c[i] >= lo && c[i] <= hi;
    return k;
}

/* The lines of text that codec can hold, in UTF-8 (keep) and in codec. */
static void fitting_lines(const char *codec, const char *text, size_t n, struct tk_buf *keep,
                          struct tk_buf *leg)
{
    struct tk_buf one = { 0 };
    tk_set(keep, "", 0);
    tk_set(leg, "", 0);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && text[j] != '\n')
            j++;
        j += j < n;
        if (to_codec(codec, text + i, j - i, &one)) {
            tk_add(keep, text + i, j - i);
            tk_add(leg, one.p, one.n);
        }
        i = j;
    }
    tk_free(&one);
}

static void test_legacy_fixtures(void **state)
{
    (void)state;
    char **names = NULL;
    int nn = tk_list_dir("fixtures/clean", ".txt", &names);
    if (nn <= 0)
        skip();
    int tried = 0;
    for (int f = 0; f < nn; f++) {
        char path[512];
        snprintf(path, sizeof path, "fixtures/clean/%s", names[f]);
        struct tk_buf text = { 0 };
        if (tk_read_file(path, &text))
            fail_msg("cannot read %s", path);
        size_t cut = text.n < 24 * 1024 ? text.n : 24 * 1024;
        while (cut < text.n && cut && text.p[cut - 1] != '\n')
            cut--;                          /* whole lines only */
        uint32_t *cps;
        size_t n = tk_to_cps(text.p, cut, &cps);
        int kana = count_in(cps, n, 0x3040, 0x30FF), hangul = count_in(cps, n, 0xAC00, 0xD7A3),
            han = count_in(cps, n, 0x4E00, 0x9FFF), cyr = count_in(cps, n, 0x400, 0x4FF),
            latin = count_in(cps, n, 0xC0, 0x17F);
        free(cps);
        /* the script's natural legacy codecs; for Han, the first that
         * holds most of the text (traditional text fits Big5) */
        const char *codecs[2] = { NULL, NULL };
        int first_only = 0;
        if (kana > 50)
            codecs[0] = "windows-31j", codecs[1] = "EUC-JP";
        else if (hangul > 50)
            codecs[0] = "windows-949-2000";
        else if (han > 50)
            codecs[0] = "windows-950-2000", codecs[1] = "windows-936-2000", first_only = 1;
        else if (cyr > 50)
            codecs[0] = "windows-1251", codecs[1] = "KOI8-R";
        else if (latin > 20)
            codecs[0] = "windows-1252";
        for (int c = 0; c < 2 && codecs[c]; c++) {
            struct tk_buf keep = { 0 }, leg = { 0 };
            fitting_lines(codecs[c], text.p, cut, &keep, &leg);
            int enough = keep.n * 10 >= cut * 9 && keep.n > 1000;
            if (enough) {
                char what[600];
                snprintf(what, sizeof what, "%s in %s", names[f], codecs[c]);
                expect_auto(what, leg.p, leg.n, keep.p, keep.n, NULL);
                print_message("      %s: ok\n", what);
                tried++;
            }
            tk_free(&keep);
            tk_free(&leg);
            if (enough && first_only)
                break;
        }
        tk_free(&text);
        free(names[f]);
    }
    free(names);
    if (!tried)
        skip();
}

/* The legacy codec a line of text is most likely to have been saved in,
 * by script; NULL if none (or the line does not fit it). */
static const char *line_codec(const char *line, size_t n)
{
    uint32_t *cps;
    size_t nc = tk_to_cps(line, n, &cps);
    int kana = count_in(cps, nc, 0x3040, 0x30FF), hangul = count_in(cps, nc, 0xAC00, 0xD7A3),
        han = count_in(cps, nc, 0x4E00, 0x9FFF), cyr = count_in(cps, nc, 0x400, 0x4FF),
        greek = count_in(cps, nc, 0x370, 0x3FF), hebrew = count_in(cps, nc, 0x5D0, 0x5EA),
        arabic = count_in(cps, nc, 0x620, 0x64A), latin = count_in(cps, nc, 0xC0, 0x17F);
    free(cps);
    /* (fewer than three letters of the script: the codec is a guess) */
    const char *c = kana >= 3 ? "windows-31j" : hangul >= 3 ? "windows-949-2000"
                  : han >= 3 ? "windows-950-2000" : cyr >= 3 ? "windows-1251"
                  : greek >= 3 ? "windows-1253" : hebrew >= 3 ? "windows-1255"
                  : arabic >= 3 ? "windows-1256" : latin >= 3 ? "windows-1252" : NULL;
    struct tk_buf t = { 0 };
    if (c && !strcmp(c, "windows-950-2000") && !to_codec(c, line, n, &t))
        c = "windows-936-2000";     /* simplified Chinese */
    if (c && !to_codec(c, line, n, &t))
        c = NULL;
    tk_free(&t);
    return c;
}

/*
 * Files that mix UTF-8 with legacy bytes, decided by the detector, line by
 * line and run by run: every other line of a fixture saved in its
 * script's codec, or the second half of every line (from a space, or the
 * middle character where there is none, with at least three non-ASCII
 * characters in it: less is a guess).  The whole output must be the UTF-8
 * text; multibyte codecs cut their runs at ASCII trail bytes, and a run
 * alone may read better in a wrong codec.
 */
static void test_mixed_lines(void **state)
{
    (void)state;
    char **names = NULL;
    int nn = tk_list_dir("fixtures/clean", ".txt", &names);
    if (nn <= 0)
        skip();
    unbake_ctx *ctx = unbake_ctx_new();
    assert_non_null(ctx);
    int tried = 0;
    for (int f = 0; f < nn; f++) {
        char path[512];
        snprintf(path, sizeof path, "fixtures/clean/%s", names[f]);
        struct tk_buf text = { 0 }, in[2] = { { 0 }, { 0 } }, want[2] = { { 0 }, { 0 } };
        struct tk_buf leg = { 0 };
        if (tk_read_file(path, &text))
            fail_msg("cannot read %s", path);
        int nlines = 0, nleg[2] = { 0, 0 };
        for (size_t i = 0; i < text.n && nlines < 40; nlines++) {
            size_t j = i;
            while (j < text.n && text.p[j] != '\n')
                j++;
            j += j < text.n;
            const char *line = text.p + i, *codec = line_codec(line, j - i);
            size_t n = j - i;
            /* every other line */
            if (nlines % 2 && codec && to_codec(codec, line, n, &leg)) {
                tk_add(&in[0], leg.p, leg.n);
                nleg[0]++;
            } else {
                tk_add(&in[0], line, n);
            }
            tk_add(&want[0], line, n);
            /* the second half of the line */
            size_t cut = n / 2;
            while (cut < n && line[cut] != ' ' && line[cut] != '\n')
                cut++;
            if (cut == n || line[cut] == '\n')
                for (cut = n / 2; cut > 0 && (line[cut] & 0xC0) == 0x80; cut--)
                    ;
            uint32_t *cps;
            size_t nc = tk_to_cps(line + cut, n - cut, &cps);
            int nonascii = count_in(cps, nc, 0x80, 0x10FFFF);
            free(cps);
            if (codec && nonascii >= 3 && to_codec(codec, line + cut, n - cut, &leg)) {
                tk_add(&in[1], line, cut);
                tk_add(&in[1], leg.p, leg.n);
                tk_add(&want[1], line, n);
                nleg[1]++;
            }
            i = j;
        }
        for (int m = 0; m < 2; m++) {
            if (!nleg[m])
                continue;
            char what[600];
            snprintf(what, sizeof what, "%s, %s", names[f],
                     m ? "the second half of every line in its legacy codec"
                       : "every other line in its legacy codec");
            char *out;
            size_t on;
            long r = unbake_fix_buffer(ctx, in[m].p, in[m].n, &out, &on);
            if (r < 0)
                fail_msg("%s: %s", what, unbake_strerror((int)r));
            struct tk_buf got = { 0 };
            tk_set(&got, out, on);
            free(out);
            expect_out(what, &got, want[m].p, want[m].n, NULL);
            print_message("      %s: %d legacy line(s), ok\n", what, nleg[m]);
            tk_free(&got);
            tried++;
        }
        tk_free(&text);
        tk_free(&leg);
        for (int m = 0; m < 2; m++) {
            tk_free(&in[m]);
            tk_free(&want[m]);
        }
        free(names[f]);
    }
    free(names);
    unbake_ctx_free(ctx);
    if (!tried)
        skip();
}

/* A mostly-UTF-8 file with one legacy line is left to the detector. */
static void test_mixed(void **state)
{
    (void)state;
    struct tk_buf in = { 0 }, leg = { 0 };
    for (int i = 0; i < 4; i++)
        tk_add(&in, fr, strlen(fr));
    assert_true(to_codec("windows-1252", "Un été à Noël.\n", strlen("Un été à Noël.\n"), &leg));
    tk_add(&in, leg.p, leg.n);
    tk_add(&in, ru, strlen(ru));
    expect_auto("mixed", in.p, in.n, in.p, in.n, "mixed");
    /* ... but a legacy file with one stray UTF-8 character is legacy */
    tk_set(&in, "", 0);
    assert_true(to_codec("windows-1251", ru, strlen(ru), &leg));
    tk_add(&in, leg.p, leg.n);
    tk_add(&in, "\xC2\xA9 2024\n", 8);
    struct tk_buf out = { 0 };
    char det[256];
    run(NULL, in.p, in.n, 0, NULL, &out, det, sizeof det, NULL);
    assert_non_null(strstr(det, "windows-1251"));
    assert_true(out.n > strlen(ru) && !memcmp(out.p, ru, strlen(ru)));
    tk_free(&out);
    tk_free(&in);
    tk_free(&leg);
}

/* ------------------------------------------------------------------ */
/* Streaming                                                           */
/* ------------------------------------------------------------------ */

/* Random chunk sizes from 1 byte to 64 KiB give the same output as one
 * push, for every kind of decision, across the lookahead boundary. */
static void test_chunking(void **state)
{
    (void)state;
    struct {
        const char *codec, *text;
        const char *prefix;
        size_t nprefix;
    } kinds[] = {
        { NULL, fr, NULL, 0 },                      /* UTF-8 */
        { "windows-1251", ru, NULL, 0 },
        { "windows-936-2000", zh_cn, NULL, 0 },
        { "windows-31j", ja, NULL, 0 },
        { "UTF-16LE", ja, NULL, 0 },
        { "UTF-16BE", ru, "\xFE\xFF", 2 },
        { "UTF-32LE", ko, NULL, 0 },
        { NULL, en, "\xEF\xBB\xBF", 3 },
    };
    uint64_t rng = 7;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct tk_buf one = { 0 }, in = { 0 }, enc = { 0 };
        if (kinds[k].prefix)
            add(&in, kinds[k].prefix, kinds[k].nprefix);
        /* about 150 KB: past the 64 KiB lookahead */
        while (in.n < 150 * 1024) {
            if (kinds[k].codec) {
                assert_true(to_codec(kinds[k].codec, kinds[k].text, strlen(kinds[k].text), &enc));
                add(&in, enc.p, enc.n);
            } else {
                add(&in, kinds[k].text, strlen(kinds[k].text));
            }
        }
        char det1[256], det2[256];
        run(NULL, in.p, in.n, 0, NULL, &one, det1, sizeof det1, NULL);
        for (int trial = 0; trial < 6; trial++) {
            struct tk_buf other = { 0 };
            if (trial == 0)
                run(NULL, in.p, in.n, 1, NULL, &other, det2, sizeof det2, NULL);
            else
                run(NULL, in.p, in.n, 0, &rng, &other, det2, sizeof det2, NULL);
            expect_out("chunked", &other, one.p, one.n, det2);
            assert_string_equal(det1, det2);
            tk_free(&other);
        }
        /* and the decision was the right one */
        if (kinds[k].codec)
            assert_true(strncmp(det1, "utf-8", 5) != 0);
        else
            assert_true(strncmp(det1, "utf-8", 5) == 0);
        tk_free(&one);
        tk_free(&in);
        tk_free(&enc);
    }
}

/* Output flows before the input ends: nothing but the lookahead is held. */
static void test_bounded(void **state)
{
    (void)state;
    struct tk_buf enc = { 0 };
    assert_true(to_codec("windows-1251", ru, strlen(ru), &enc));
    ub_input *st;
    assert_int_equal(ub_input_new(&st, NULL), 0);
    struct sink_state s = { 0 };
    size_t pushed = 0;
    int seen_before_lookahead = 0;
    while (pushed < 4u * 1024 * 1024) {
        assert_int_equal(ub_input_push(st, (const uint8_t *)enc.p, enc.n, 0, sink, &s), 0);
        pushed += enc.n;
        if (pushed < UB_INPUT_LOOKAHEAD)
            seen_before_lookahead |= s.total > 0;
        /* once decided, everything pushed is out when the push returns
         * (Cyrillic doubles in UTF-8, so output >= input) */
        if (pushed > UB_INPUT_LOOKAHEAD) {
            assert_true(ub_input_transcoding(st));
            assert_true(s.total >= pushed);
        }
        if (s.out.n > 1024 * 1024)
            tk_set(&s.out, "", 0);      /* keep the test's own memory small */
    }
    assert_false(seen_before_lookahead);
    assert_int_equal(ub_input_push(st, NULL, 0, 1, sink, &s), 0);
    ub_input_free(st);
    tk_free(&s.out);
    tk_free(&enc);
}

static void test_sink_failure_and_reset(void **state)
{
    (void)state;
    ub_input *st;
    assert_int_equal(ub_input_new(&st, NULL), 0);
    struct sink_state s = { .fail_after = 1 };
    struct tk_buf enc = { 0 };
    assert_true(to_codec("windows-1251", ru, strlen(ru), &enc));
    assert_int_equal(ub_input_push(st, (const uint8_t *)enc.p, enc.n, 1, sink, &s), UNBAKE_EWRITE);
    assert_int_equal(ub_input_push(st, (const uint8_t *)"x", 1, 1, sink, &s), UNBAKE_ESTATE);
    assert_int_equal(ub_input_push(st, NULL, 1, 0, sink, &s), UNBAKE_EINVAL);
    assert_int_equal(ub_input_push(st, (const uint8_t *)"x", 1, 0, NULL, &s), UNBAKE_EINVAL);

    /* reset: a new stream decides afresh */
    ub_input_reset(st);
    assert_string_equal(ub_input_detected(st), "undecided");
    struct sink_state ok = { 0 };
    struct tk_buf u16 = { 0 };
    assert_true(to_codec("UTF-16LE", ja, strlen(ja), &u16));
    assert_int_equal(ub_input_push(st, (const uint8_t *)u16.p, u16.n, 1, sink, &ok), 0);
    assert_non_null(strstr(ub_input_detected(st), "utf-16le"));
    expect_out("after reset", &ok.out, ja, strlen(ja), ub_input_detected(st));
    assert_int_equal(ub_input_push(st, (const uint8_t *)"x", 1, 0, sink, &ok), UNBAKE_ESTATE);

    ub_input_reset(st);
    tk_set(&ok.out, "", 0);
    assert_int_equal(ub_input_push(st, (const uint8_t *)enc.p, enc.n, 1, sink, &ok), 0);
    expect_out("second reset", &ok.out, ru, strlen(ru), ub_input_detected(st));
    assert_int_equal(ub_input_replacements(st), 0);
    ub_input_free(st);

    /* a forced stage keeps its codec across resets */
    assert_int_equal(ub_input_new(&st, "shift_jis"), 0);
    struct sink_state f = { 0 };
    assert_int_equal(ub_input_push(st, (const uint8_t *)"\x82", 1, 1, sink, &f), 0);
    assert_int_equal(ub_input_replacements(st), 1);
    ub_input_reset(st);
    assert_int_equal(ub_input_replacements(st), 0);
    tk_set(&f.out, "", 0);
    assert_int_equal(ub_input_push(st, (const uint8_t *)"\x93\xFA", 2, 1, sink, &f), 0);
    expect_out("forced after reset", &f.out, "日", 3, ub_input_detected(st));
    ub_input_free(st);

    tk_free(&s.out);
    tk_free(&ok.out);
    tk_free(&f.out);
    tk_free(&enc);
    tk_free(&u16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_present),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_forced),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_nul_positives),
        cmocka_unit_test(test_nul_negatives),
        cmocka_unit_test(test_legacy),
        cmocka_unit_test(test_legacy_fixtures),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_mixed_lines),
        cmocka_unit_test(test_chunking),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_sink_failure_and_reset),
    };
    return cmocka_run_group_tests_name("input", tests, NULL, NULL);
}
