/*
 * input.h -- the input-decoding stage that runs before the detector
 * (internal).
 *
 * It turns the raw input stream into UTF-8 for the detector, streaming, in
 * constant memory (at most UB_INPUT_LOOKAHEAD bytes held back, a 16 KiB
 * output buffer, and ICU's converter state).  Once decided, everything a
 * push can decode leaves through the sink before the push returns (only an
 * incomplete multibyte sequence waits for the next push).
 *
 * Forced mode (--from=CODEC): no detection.  "utf-8" passes the bytes
 * through untouched (the detector deals with stray invalid bytes);
 * the single-byte codecs of codec_list.h decode through the engine's own
 * tables (so --from=cp1252 agrees exactly with the detector's cp1252, and
 * iso-8859-16, which Debian's ICU lacks, works); the multibyte codecs of
 * mbcs.h use their pinned ICU converters; any other name ICU knows
 * (utf-16le, utf-32be, ibm-037, x-mac-cyrillic, ...) goes to ICU.
 * Undecodable input becomes U+FFFD, counted by ub_input_replacements().
 * A forced utf-16le/be or utf-32le/be keeps a leading U+FEFF (it comes out
 * as a UTF-8 BOM, which the stream keeps or strips); "utf-16" and "utf-32"
 * follow ICU: the BOM picks the byte order (big-endian without one) and is
 * dropped.
 *
 * Auto mode, decided once per stream on its first UB_INPUT_LOOKAHEAD bytes
 * (or on the whole input if shorter), which are held back until then; the
 * decision depends only on those bytes, never on how they were pushed:
 *
 *  1. Byte order marks, decided as soon as 4 bytes (or the whole input) are
 *     in: EF BB BF is UTF-8 and passes through with its BOM (the stream
 *     keeps or strips it); 00 00 FE FF / FF FE 00 00 are UTF-32BE/LE and
 *     FE FF / FF FE UTF-16BE/LE, transcoded with the BOM dropped (it was
 *     the encoding's signature, not text).
 *  2. UTF-32 without BOM: every 4-byte unit of the sample a scalar value,
 *     none of them U+0000, at least 95% of them ordinary text (letters,
 *     punctuation, symbols, CJK, emoji, whitespace; see texty()), at least
 *     one space, tab or newline, and the reading plausible text to the
 *     language model (below).
 *  3. UTF-16 without BOM, by NUL pattern: at least two units with a NUL
 *     high byte and at least 1 in 256 (CJK text in UTF-16 has few ASCII
 *     units; with none at all, NUL patterns cannot tell and it is not
 *     detected), no U+0000 unit, no unpaired surrogate, 95% ordinary text,
 *     and plausible to the model.  A sample that is also valid UTF-8 (ASCII
 *     with NULs; Cyrillic UTF-16LE is valid UTF-8) must moreover have NUL
 *     high bytes in 1 unit in 8, at most a quarter as many NULs on the
 *     other parity, and one or two distinct high bytes in 90% of its units
 *     (0x00 and the script's block, as in alphabetic text).
 *     Plausible: the language model's mean log-probability over the first
 *     4096 characters of the reading is at least -9 nats a character.
 *     Real text in every script of fixtures/clean scores -2 to -4.5; bytes
 *     read in the wrong form score -12 to -32 (ASCII pairs turn into CJK
 *     soup).  Over the fixtures in 13 encodings with 2 to 30 NULs put in
 *     at random (6760 cases, UTF-8 and legacy) this rule never fires; it
 *     finds all 104 BOM-less UTF-16/32 versions.  Without a usable model
 *     the other tests alone decide.
 *  4. Otherwise the sample is split into runs of bytes >= 0x80.  No run
 *     with invalid UTF-8: UTF-8, pass through.  More than 1% of the sample
 *     C0 controls (NUL included, tab/LF/VT/FF/CR/ESC/SUB excluded): binary,
 *     pass through.  If the runs that are valid UTF-8 hold more than 1/16
 *     as many bytes as the runs with invalid bytes, the file mixes UTF-8
 *     and legacy text: pass through and leave the runs to the detector.
 *     Fewer than 8 invalid bytes in all: too little for uchardet (a stray
 *     byte in ASCII text reads as anything); pass through, the detector
 *     decides each run in context.
 *     (Legacy text almost never forms whole valid UTF-8 runs: 0 bytes in
 *     real cp1251, KOI8-R, Shift_JIS, EUC-JP, GBK, Big5 and cp949 man pages,
 *     1.7% in cp866.)
 *  5. Else the sample is legacy text: uchardet names its charset.  Names
 *     are mapped to one to three candidates, what real software decodes
 *     them as (ISO-8859-1 -> windows-1252; GB18030 -> gb18030, gbk; BIG5 ->
 *     big5, big5-hkscs; UHC/EUC-KR -> cp949; KOI8-R -> koi8-r, koi8-u;
 *     ISO-8859-7 -> iso-8859-7, windows-1253 ...), and the language model
 *     picks the candidate whose reading of the sample is most probable
 *     (this is what tells Ukrainian KOI8-U from KOI8-R and cp1253's Ά from
 *     ISO-8859-7's).  The answer is then checked: decoding the sample may
 *     leave at most 1 undecodable sequence per 50 invalid UTF-8 bytes
 *     (uchardet 0.0.7 reports no confidence; this is the confidence test).
 *     Accepted: the whole stream is transcoded from that charset.
 *     Rejected, or uchardet says UTF-8/ASCII/nothing: pass through.
 *
 * A stream's memory: the lookahead, the output buffer, one converter.
 */
#ifndef UB_INPUT_H
#define UB_INPUT_H

#include <stddef.h>
#include <stdint.h>

/** Bytes held back in auto mode before deciding (the detector's window). */
#define UB_INPUT_LOOKAHEAD (64u * 1024u)

typedef struct ub_input ub_input;

/**
 * Create an input stage.
 * @param out   receives the stage.
 * @param from  NULL or "auto": detect; otherwise a codec name (see above),
 *              case-insensitive, '-' and '_' ignored for the built-in
 *              names.
 * @return 0, UNBAKE_ECODEC for a name nobody knows, UNBAKE_ENOMEM.
 */
int ub_input_new(ub_input **out, const char *from);

/** Release the stage; NULL is a no-op. */
void ub_input_free(ub_input *in);

/** Start a new stream with the same settings (forced codec or auto). */
void ub_input_reset(ub_input *in);

/**
 * Output sink: receives len bytes of UTF-8 (or, when passing through, the
 * input bytes as they are).
 * @return 0 on success, non-zero to abort.
 */
typedef int (*ub_input_sink)(void *user, const uint8_t *utf8, size_t len);

/**
 * Push raw bytes.  Output is identical whatever the chunking.
 * @param final 1 on the last call of the stream (n may be 0): flushes
 *              everything; later pushes need ub_input_reset().
 * @return 0; UNBAKE_EWRITE if the sink failed; UNBAKE_ESTATE after the
 *         final push or an error; UNBAKE_ENOMEM / UNBAKE_EINVAL.
 */
int ub_input_push(ub_input *in, const uint8_t *p, size_t n, int final, ub_input_sink sink,
                  void *user);

/**
 * What the stage decided, for --explain: "utf-8", "utf-8 (BOM)",
 * "utf-16le (BOM)", "utf-16be (NUL pattern)", "windows-1251 (uchardet)",
 * "gbk (uchardet: GB18030)", "utf-8 (mixed: 12 invalid bytes left to the
 * detector)", "shift_jis (forced)", "undecided" before the decision...
 * Static until the next push or reset.
 */
const char *ub_input_detected(const ub_input *in);

/** @return the canonical name of the source encoding once decided
 *          ("utf-8", "utf-16le", "windows-1251", an ICU name...), or NULL
 *          while undecided. */
const char *ub_input_codec(const ub_input *in);

/** @return 1 when the stream is transcoded, 0 when its bytes pass through
 *          (UTF-8, binary, mixed) or while undecided. */
int ub_input_transcoding(const ub_input *in);

/** @return the number of U+FFFD written for undecodable input so far. */
size_t ub_input_replacements(const ub_input *in);

#endif
