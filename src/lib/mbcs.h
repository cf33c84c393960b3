/*
 * mbcs.h -- the multibyte (CJK) codecs, through ICU converters (internal).
 *
 * These are the codecs of issue 4: the usual wrong decoders of East Asian
 * software, each pinned to the ICU converter that reproduces what real
 * software does with it.  ICU's own alias table is NOT used to resolve
 * these names, because it sends common names to converters that no
 * browser or Windows program uses: "cp949" -> ibm-949 and "cp950" ->
 * ibm-950 (IBM's tables), "euc-kr" -> ibm-970 (strict KS X 1001, where
 * browsers and Windows decode the label as cp949).
 *
 *   id  name         ICU converter         why
 *   --  -----------  --------------------  ---------------------------------
 *    0  gbk          windows-936-2000      Microsoft cp936 = WHATWG "gbk"
 *                                          (also what "gb2312" labels get)
 *    1  gb18030      gb18030               GB 18030-2005; from UTF-8 bytes
 *                                          it decodes like gbk (its 4-byte
 *                                          forms need an ASCII digit in 2nd
 *                                          place, which UTF-8 never gives)
 *    2  big5         windows-950-2000      Microsoft cp950, what Windows and
 *                                          most Big5 text uses
 *    3  big5-hkscs   ibm-1375_P100-2008    Big5-HKSCS:2008 with its
 *                                          supplementary-plane characters,
 *                                          as the WHATWG "big5" decoder and
 *                                          Python's big5hkscs give them
 *    4  shift_jis    ibm-943_P15A-2003     = windows-31j (Microsoft cp932,
 *                                          0x5C is '\', NEC/IBM rows)
 *    5  euc-jp       euc-jp-2007           EUC-JP with JIS X 0212; C1 bytes
 *                                          pass through as C1 controls
 *    6  euc-kr       windows-949-2000      Microsoft cp949 (UHC), a superset
 *                                          of EUC-KR; WHATWG decodes the
 *                                          "euc-kr" label this way too
 *
 * Tables.  Each decoder was enumerated ahead of time (src/gen/gen_mbcs.c,
 * `make tables-mbcs`; committed as src/lib/mbcs_tables.bin, embedded by
 * mbcs_blob.S): every byte, every lead/trail pair, EUC-JP's 0x8F triples,
 * giving which code points the decoder can produce, what each byte
 * sequence decodes to, and the encoding of every code point that has an
 * exact round-trip mapping.  ICU's fallbacks are switched off
 * (ucnv_setFallback(FALSE)) and, since ICU still uses fallbacks *from*
 * private-use code points whatever that flag says, every encoding is also
 * checked by decoding it back: only sequences s with decode(s) == c and
 * encode(c) == s are kept.  The tables are read-only data mapped in place
 * (only the pages a lookup touches are read); test_mbcs checks them
 * against the installed ICU.  Every function here is thread-safe except on
 * a shared ub_mbcs_cache.
 *
 * Known non-injective decoders: several byte sequences decode to the same
 * character (cp932's NEC-selected IBM rows 0xED/0xEE repeat the IBM rows
 * 0xFA..0xFC; a few symbols repeat in cp936, cp950, cp949).
 * ub_mbcs_encode() gives the round-trip sequence, so UTF-8 whose bytes
 * happened to form the *other* sequence does not come back; the forward
 * check rejects such a repair rather than writing it.  ub_mbcs_encode_alts()
 * lists every sequence for the lossy search.
 *
 * What real decoders do with bytes they cannot decode (run with Python 3,
 * ICU 72 and glibc iconv; browsers from the WHATWG Encoding Standard;
 * Windows from Microsoft's bestfit tables and Wine's MultiByteToWideChar):
 *
 *   decoder              unmapped pair     lead + ASCII byte  lone lead at end
 *   -------------------  ----------------  -----------------  ----------------
 *   ICU, browsers        one U+FFFD for    U+FFFD, the ASCII  U+FFFD
 *                        both bytes        byte is kept
 *   Python 'replace'     U+FFFD for the    U+FFFD, the ASCII  U+FFFD
 *                        lead only; the    byte is kept
 *                        trail is decoded
 *                        again
 *   Windows (MultiByte-  one default char  one default char:  default char
 *   ToWideChar)          for both bytes    the ASCII byte is
 *                                          LOST with the lead
 *   glibc iconv -c       both dropped      lead dropped       dropped
 *
 * The Windows default character is U+30FB (KATAKANA MIDDLE DOT) for cp932
 * and '?' for cp936, cp949 and cp950.  Text that went through a legacy
 * *encoder* instead (MySQL, "ANSI" saves) shows '?' for each character
 * that could not be encoded.  For the UTF-8-misread-as-CJK case this means:
 * inside a run, a U+FFFD / '?' / U+30FB stands for two bytes (ICU, Windows)
 * or one (Python); at the end of a run, where the last UTF-8 byte became a
 * lead byte before an ASCII character, it stands for exactly one byte --
 * and with Windows the ASCII character after it (often the newline) is gone.
 *
 * ub_mbcs_decode() follows ICU (the first row), except that it always
 * writes U+FFFD: ICU's default callback writes U+001A for converters with a
 * one-byte substitution character (windows-31j, euc-jp).  It reads the
 * tables, ICU's error lengths included, and opens a converter only for
 * what they cannot answer (ub_mbcs_decode_tab()), so that legacy bytes
 * and mojibake do not pull in ICU's converter data.
 */
#ifndef UB_MBCS_H
#define UB_MBCS_H

#include <stddef.h>
#include <stdint.h>

/** @return the number of multibyte codecs (ids 0 .. count-1). */
int ub_mbcs_count(void);

/** @return the canonical name of codec id ("gbk"), or NULL for a bad id. */
const char *ub_mbcs_name(int id);

/** @return the ICU converter name of codec id, or NULL for a bad id. */
const char *ub_mbcs_icu_name(int id);

/** @return the space-separated aliases of codec id, or NULL. */
const char *ub_mbcs_aliases(int id);

/**
 * Find a codec by canonical name or alias, ignoring case, '-' and '_'
 * ("Shift-JIS" == "shift_jis" == "SJIS" via the alias "sjis").
 * @return the id, or -1 if unknown.
 */
int ub_mbcs_find(const char *name);

/**
 * @return the cost, in tenths of a nat, of assuming text was mis-decoded
 *         with codec id (gbk is the most common wrong decoder); 1000 for a
 *         bad id.  On the same scale as the single-byte priors in
 *         codec_list.h.
 */
int ub_mbcs_prior(int id);

/**
 * Per-context cache: the ICU converters ub_mbcs_decode() and the rare ICU
 * path of ub_mbcs_encode() use, opened on first use and reused, so nothing
 * is opened per call.  One thread at a time.
 */
typedef struct ub_mbcs_cache ub_mbcs_cache;

/** @return a new, empty cache, or NULL when out of memory. */
ub_mbcs_cache *ub_mbcs_cache_new(void);

/** Close every converter of the cache and free it; NULL is a no-op. */
void ub_mbcs_cache_free(ub_mbcs_cache *cache);

/**
 * Encode code points with codec id: the reverse of the wrong decode.
 * Only exact round-trip mappings are used, never ICU fallbacks.
 * @param cache  for gb18030's four-byte forms (everything else comes from
 *               the tables); may be NULL, then those forms count as
 *               unmappable.
 * @param in, n  the code points.
 * @param out    receives the bytes; cap >= 4 * n always suffices.
 * @return the number of bytes written; -1 if some character has no exact
 *         mapping in the codec; -2 if cap is too small, id is bad, or the
 *         tables or a converter could not be built (memory, ICU data).
 */
long ub_mbcs_encode(ub_mbcs_cache *cache, int id, const uint32_t *in, size_t n,
                    uint8_t *out, size_t cap);

/**
 * Encode one code point from the tables only (no ICU call; gb18030's
 * four-byte forms are not there).
 * @return the length 1..3 with the bytes in out[], or -1.
 */
int ub_mbcs_encode_cp(int id, uint32_t cp, uint8_t out[4]);

/**
 * Every byte sequence (of at most 3 bytes) that the decoder of codec id
 * turns into cp, the round-trip one first.  For the lossy search, where the
 * bytes behind a character need not be its round-trip encoding.
 * @param seq  receives up to max sequences, each packed as
 *             (length << 24 | bytes), bytes big-endian: the pair E4 B8 is
 *             0x0200E4B8; read them with UB_MBCS_SEQ_LEN/UB_MBCS_SEQ_BYTE.
 * @return the number of sequences (may exceed max: only max are stored).
 */
int ub_mbcs_encode_alts(int id, uint32_t cp, uint32_t *seq, int max);

/** Length and byte i of a packed sequence from ub_mbcs_encode_alts(). */
#define UB_MBCS_SEQ_LEN(s) ((int)((s) >> 24))
#define UB_MBCS_SEQ_BYTE(s, i) \
    ((uint8_t)((s) >> (8 * (UB_MBCS_SEQ_LEN(s) - 1 - (i)))))

/**
 * Decode bytes with codec id as ICU does (see the table above): every
 * undecodable sequence becomes one U+FFFD.  From the tables where they can
 * answer (ub_mbcs_decode_tab()), else through an ICU converter.
 * @param cache  converters; must not be NULL.
 * @param in, n  the bytes, a complete text (a lead byte at the end is
 *               undecodable).
 * @param out    receives the code points; cap >= n always suffices.
 * @param nsub   if not NULL, receives the number of U+FFFD substitutions.
 * @return the number of code points written, or -1 if cap is too small,
 *         id is bad, or the converter cannot be opened.
 */
long ub_mbcs_decode(ub_mbcs_cache *cache, int id, const uint8_t *in, size_t n,
                    uint32_t *out, size_t cap, size_t *nsub);

/**
 * ub_mbcs_decode() from the tables alone, no ICU call: the same code
 * points and substitutions (ICU's error lengths are in the tables too).
 * @return the number of code points, -1 as ub_mbcs_decode(), or -3 where
 *         only ICU can say: gb18030's four-byte forms (a lead byte before
 *         a digit), or a sequence that decodes to more than one code
 *         point (no converter of ICU 72 has one).
 */
long ub_mbcs_decode_tab(int id, const uint8_t *in, size_t n, uint32_t *out, size_t cap,
                        size_t *nsub);

/**
 * ub_mbcs_decode() of bytes that must decode whole: stops at the first
 * byte sequence that cannot decode, the tables telling; ICU is called
 * only for what they cannot answer (see ub_mbcs_decode_tab()).
 * @return the number of code points; -2 if some bytes do not decode
 *         (out then holds nothing useful); -1 as ub_mbcs_decode().
 */
long ub_mbcs_decode_whole(ub_mbcs_cache *cache, int id, const uint8_t *in, size_t n,
                          uint32_t *out, size_t cap);

/**
 * Table-driven decode of the first character of p[0..n), no ICU call.
 * @return its length (1..3) with *cp set, or 0 when p does not start with
 *         a mapped sequence (invalid, unmapped, truncated, or one that
 *         decodes to two code points, as four HKSCS pairs do).
 */
int ub_mbcs_decode_char(int id, const uint8_t *p, size_t n, uint32_t *cp);

/**
 * Quick filter: can the decoder of codec id produce cp from bytes that
 * came from valid UTF-8 (one-, two- and EUC-JP three-byte sequences; not
 * gb18030's four-byte forms)?  U+FFFD counts as produced only if some byte
 * sequence maps to it (none does): the substitution is a loss, not a
 * character.  ASCII is produced by every codec.
 * @return 1 or 0 (0 also for a bad id or when the tables cannot be built).
 */
int ub_mbcs_may_produce(int id, uint32_t cp);

/**
 * Check that the embedded tables are usable (validated once).
 * @return 0, or -1 for a bad id or a damaged table blob.
 */
int ub_mbcs_prepare(int id);

#endif
