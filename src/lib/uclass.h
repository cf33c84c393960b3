/*
 * uclass.h -- small character classes for the language model and detector.
 *
 * A class id combines a script group (high nibble) and a category group
 * (low nibble): cls = group * 16 + cat, so every id is < UB_UCLASS_COUNT.
 * The split is tuned for mojibake: ASCII letters, non-ASCII Latin letters
 * and the Latin-1 symbols (the "Ã©" / "Â°" material) are separate groups,
 * C1 controls are separate from C0 controls, and emoji, emoji joiners
 * (ZWJ, VS16) and box drawing have classes of their own.
 *
 * Classes come from libunistring's unictype.h (script, general category,
 * Extended_Pictographic).  The language model bakes the class of every
 * code point into its blob when it is trained (model.h), so its queries
 * never call ub_uclass() and do not depend on the libunistring version
 * linked at run time.  ub_uclass() itself costs a few libunistring lookups;
 * it is meant for the trainer, tests and tools, not for inner loops.
 */
#ifndef UB_UCLASS_H
#define UB_UCLASS_H

#include <stdint.h>

/** Number of possible class ids; every ub_uclass() result is below it. */
#define UB_UCLASS_COUNT 256

/** Script groups (high nibble of a class id). */
enum {
    UB_SG_ASCII = 0,      /**< ASCII non-letters: digits, punctuation, space */
    UB_SG_LATIN_ASCII,    /**< A-Z a-z */
    UB_SG_LATIN_EXT,      /**< Latin letters outside ASCII */
    UB_SG_LATIN1_SYM,     /**< U+00A0..U+00BF, U+00D7, U+00F7 */
    UB_SG_COMMON,         /**< other Common/Inherited (punctuation, math...) */
    UB_SG_GREEK,
    UB_SG_CYRILLIC,
    UB_SG_HEBREW,
    UB_SG_ARABIC,         /**< Arabic, Syriac, Thaana, N'Ko */
    UB_SG_INDIC,          /**< Devanagari .. Sinhala */
    UB_SG_SEA,            /**< Thai, Lao, Tibetan, Myanmar, Khmer */
    UB_SG_HANGUL,
    UB_SG_KANA,           /**< Hiragana, Katakana */
    UB_SG_HAN,            /**< Han, Bopomofo, CJK punctuation, fullwidth */
    UB_SG_OTHER,          /**< every other script */
    UB_SG_SPECIAL         /**< controls, format, private use, unassigned */
};

/** Category groups (low nibble) for letter-bearing script groups. */
enum {
    UB_CG_LU = 0, UB_CG_LL, UB_CG_LT, UB_CG_LM, UB_CG_LO,
    UB_CG_MN, UB_CG_MC, UB_CG_ND, UB_CG_NO, UB_CG_P,
    UB_CG_SM, UB_CG_SC, UB_CG_SK, UB_CG_SO, UB_CG_Z, UB_CG_C
};

/* Low nibbles reused with special meanings. */
#define UB_CG_EMOJI     UB_CG_LU   /**< with UB_SG_COMMON: pictographs */
#define UB_CG_BOX       UB_CG_LL   /**< with UB_SG_COMMON: U+2500..U+259F */
#define UB_CG_JOINER    UB_CG_LT   /**< with UB_SG_COMMON: ZWJ, VS1..VS16, skin tones */
#define UB_CG_C0        0          /**< with UB_SG_SPECIAL: C0 controls but \t\n\v\f\r */
#define UB_CG_C1        1          /**< with UB_SG_SPECIAL: U+0080..U+009F */
#define UB_CG_FORMAT    2          /**< with UB_SG_SPECIAL: other Cf (bidi marks, BOM) */
#define UB_CG_SURR      3          /**< with UB_SG_SPECIAL: surrogates */
#define UB_CG_PRIVATE   4          /**< with UB_SG_SPECIAL: private use */
#define UB_CG_UNASSIGNED 5         /**< with UB_SG_SPECIAL: unassigned, nonchars, > 0x10FFFF */
#define UB_CG_NEWLINE   6          /**< with UB_SG_SPECIAL: \t \n \v \f \r U+2028 U+2029 */

/** Build a class id from a script group and a category group. */
#define UB_UCLASS(sg, cg) ((sg) * 16 + (cg))

/**
 * @param cp any value; values above 0x10FFFF are "unassigned".
 * @return the class id of cp, 0 <= id < UB_UCLASS_COUNT.  Pure and
 *         thread-safe; no allocation.
 */
int ub_uclass(uint32_t cp);

/**
 * @param cls a class id.
 * @return a static name such as "CYRILLIC.Ll" or "SPECIAL.C1";
 *         "?" for ids outside 0..UB_UCLASS_COUNT-1.
 */
const char *ub_uclass_name(int cls);

/** @return the script group (high nibble) of a class id. */
static inline int ub_uclass_group(int cls) { return (cls >> 4) & 15; }

/** @return nonzero if the class holds letters (L* categories). */
static inline int ub_uclass_is_letter(int cls)
{
    int g = cls >> 4, c = cls & 15;
    return g != UB_SG_ASCII && g != UB_SG_LATIN1_SYM && g != UB_SG_COMMON &&
           g != UB_SG_SPECIAL && c <= UB_CG_LO;
}

#endif /* UB_UCLASS_H */
