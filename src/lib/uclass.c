/*
 * uclass.c -- character classes (script group x category group).
 *
 * See uclass.h for the layout.  Script and general category come from
 * libunistring; a few ranges are decided here first because Unicode puts
 * them in "Common" while, for mojibake, they clearly belong to a script
 * group (CJK punctuation and fullwidth forms go with Han, the halfwidth
 * katakana with kana, and so on).
 */
#include "uclass.h"

#include <stdlib.h>
#include <string.h>
#include <unictype.h>

/* Script name (as libunistring spells it) -> script group.  Sorted by name
 * for bsearch; scripts not listed are UB_SG_OTHER. */
typedef struct {
    const char *name;
    int group;
} script_map;

static const script_map SCRIPTS[] = {
    {"Arabic", UB_SG_ARABIC},     {"Bengali", UB_SG_INDIC},
    {"Bopomofo", UB_SG_HAN},      {"Common", UB_SG_COMMON},
    {"Cyrillic", UB_SG_CYRILLIC}, {"Devanagari", UB_SG_INDIC},
    {"Greek", UB_SG_GREEK},       {"Gujarati", UB_SG_INDIC},
    {"Gurmukhi", UB_SG_INDIC},    {"Han", UB_SG_HAN},
    {"Hangul", UB_SG_HANGUL},     {"Hebrew", UB_SG_HEBREW},
    {"Hiragana", UB_SG_KANA},     {"Inherited", UB_SG_COMMON},
    {"Kannada", UB_SG_INDIC},     {"Katakana", UB_SG_KANA},
    {"Khmer", UB_SG_SEA},         {"Lao", UB_SG_SEA},
    {"Latin", UB_SG_LATIN_EXT},   {"Malayalam", UB_SG_INDIC},
    {"Myanmar", UB_SG_SEA},       {"Nko", UB_SG_ARABIC},
    {"Oriya", UB_SG_INDIC},       {"Sinhala", UB_SG_INDIC},
    {"Syriac", UB_SG_ARABIC},     {"Tamil", UB_SG_INDIC},
    {"Telugu", UB_SG_INDIC},      {"Thaana", UB_SG_ARABIC},
    {"Thai", UB_SG_SEA},          {"Tibetan", UB_SG_SEA},
};

static int cmp_script(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const script_map *)elem)->name);
}

static int script_group(uint32_t cp)
{
    /* Ranges Unicode calls Common (or splits) that we attach to a script. */
    if (cp >= 0x3000 && cp <= 0x303F) return UB_SG_HAN;     /* CJK punctuation */
    if (cp >= 0x3200 && cp <= 0x33FF) return UB_SG_HAN;     /* enclosed CJK, compat */
    if (cp >= 0xFE30 && cp <= 0xFE4F) return UB_SG_HAN;     /* CJK compat forms */
    if (cp >= 0xFF00 && cp <= 0xFF64) return UB_SG_HAN;     /* fullwidth ASCII */
    if (cp >= 0xFF65 && cp <= 0xFF9F) return UB_SG_KANA;    /* halfwidth katakana */
    if (cp >= 0xFFA0 && cp <= 0xFFDC) return UB_SG_HANGUL;  /* halfwidth hangul */
    if (cp >= 0xFFE0 && cp <= 0xFFEE) return UB_SG_HAN;     /* fullwidth symbols */
    if (cp == 0x30FC || cp == 0x30FB) return UB_SG_KANA;    /* prolonged mark, middle dot */

    const uc_script_t *s = uc_script(cp);
    if (s == NULL || s->name == NULL) return UB_SG_COMMON;
    const script_map *m = bsearch(s->name, SCRIPTS, sizeof SCRIPTS / sizeof SCRIPTS[0],
                                  sizeof SCRIPTS[0], cmp_script);
    return m ? m->group : UB_SG_OTHER;
}

static int category_group(uint32_t cp)
{
    static const struct {
        const uc_general_category_t *cat;
        int group;
    } CATS[] = {
        {&UC_CATEGORY_Lu, UB_CG_LU}, {&UC_CATEGORY_Ll, UB_CG_LL},
        {&UC_CATEGORY_Lt, UB_CG_LT}, {&UC_CATEGORY_Lm, UB_CG_LM},
        {&UC_CATEGORY_Lo, UB_CG_LO}, {&UC_CATEGORY_Mn, UB_CG_MN},
        {&UC_CATEGORY_Me, UB_CG_MN}, {&UC_CATEGORY_Mc, UB_CG_MC},
        {&UC_CATEGORY_Nd, UB_CG_ND}, {&UC_CATEGORY_N, UB_CG_NO},
        {&UC_CATEGORY_P, UB_CG_P},   {&UC_CATEGORY_Sm, UB_CG_SM},
        {&UC_CATEGORY_Sc, UB_CG_SC}, {&UC_CATEGORY_Sk, UB_CG_SK},
        {&UC_CATEGORY_So, UB_CG_SO}, {&UC_CATEGORY_Z, UB_CG_Z},
    };
    for (size_t i = 0; i < sizeof CATS / sizeof CATS[0]; i++)
        if (uc_is_general_category(cp, *CATS[i].cat)) return CATS[i].group;
    return UB_CG_C;
}

/* Everything that is not a script character proper: controls, format
 * characters, private use, unassigned.  Returns -1 for "none of these". */
static int special_class(uint32_t cp)
{
    if (cp > 0x10FFFF) return UB_UCLASS(UB_SG_SPECIAL, UB_CG_UNASSIGNED);
    if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x2028 || cp == 0x2029)
        return UB_UCLASS(UB_SG_SPECIAL, UB_CG_NEWLINE);
    if (cp < 0x20 || cp == 0x7F) return UB_UCLASS(UB_SG_SPECIAL, UB_CG_C0);
    if (cp >= 0x80 && cp <= 0x9F) return UB_UCLASS(UB_SG_SPECIAL, UB_CG_C1);
    if (cp < 0xA0) return -1;
    /* Emoji sequence glue is ordinary in emoji text, keep it with emoji. */
    if (cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
        cp == 0x20E3 || (cp >= 0xE0020 && cp <= 0xE007F))
        return UB_UCLASS(UB_SG_COMMON, UB_CG_JOINER);
    if (cp >= 0xD800 && cp <= 0xDFFF) return UB_UCLASS(UB_SG_SPECIAL, UB_CG_SURR);
    if ((cp >= 0xE000 && cp <= 0xF8FF) || cp >= 0xF0000)
        return UB_UCLASS(UB_SG_SPECIAL, UB_CG_PRIVATE);
    if ((cp & 0xFFFE) == 0xFFFE || (cp >= 0xFDD0 && cp <= 0xFDEF))
        return UB_UCLASS(UB_SG_SPECIAL, UB_CG_UNASSIGNED);
    if (uc_is_general_category(cp, UC_CATEGORY_Cn))
        return UB_UCLASS(UB_SG_SPECIAL, UB_CG_UNASSIGNED);
    if (uc_is_general_category(cp, UC_CATEGORY_Cf))
        return UB_UCLASS(UB_SG_SPECIAL, UB_CG_FORMAT);
    return -1;
}

int ub_uclass(uint32_t cp)
{
    if (cp < 0x80 && cp >= 0x20 && cp != 0x7F) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
            return UB_UCLASS(UB_SG_LATIN_ASCII, cp >= 'a' ? UB_CG_LL : UB_CG_LU);
        return UB_UCLASS(UB_SG_ASCII, category_group(cp));
    }
    int sp = special_class(cp);
    if (sp >= 0) return sp;
    if ((cp >= 0xA0 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7)
        return UB_UCLASS(UB_SG_LATIN1_SYM, category_group(cp));
    if (cp >= 0x2500 && cp <= 0x259F) return UB_UCLASS(UB_SG_COMMON, UB_CG_BOX);
    int cg = category_group(cp);
    int sg = script_group(cp);
    if (sg == UB_SG_COMMON && uc_is_property_extended_pictographic(cp) &&
        (cg == UB_CG_SO || cp >= 0x1F000))
        return UB_UCLASS(UB_SG_COMMON, UB_CG_EMOJI);
    return UB_UCLASS(sg, cg);
}

/* Generated once from the group names in uclass.h; kept literal so the
 * table is plain read-only data. */
static const char *const NAMES[UB_UCLASS_COUNT] = {
    "ASCII.Lu", "ASCII.Ll", "ASCII.Lt", "ASCII.Lm",
    "ASCII.Lo", "ASCII.Mn", "ASCII.Mc", "ASCII.Nd",
    "ASCII.No", "ASCII.P", "ASCII.Sm", "ASCII.Sc",
    "ASCII.Sk", "ASCII.So", "ASCII.Z", "ASCII.C",
    "LATIN.Lu", "LATIN.Ll", "LATIN.Lt", "LATIN.Lm",
    "LATIN.Lo", "LATIN.Mn", "LATIN.Mc", "LATIN.Nd",
    "LATIN.No", "LATIN.P", "LATIN.Sm", "LATIN.Sc",
    "LATIN.Sk", "LATIN.So", "LATIN.Z", "LATIN.C",
    "LATINX.Lu", "LATINX.Ll", "LATINX.Lt", "LATINX.Lm",
    "LATINX.Lo", "LATINX.Mn", "LATINX.Mc", "LATINX.Nd",
    "LATINX.No", "LATINX.P", "LATINX.Sm", "LATINX.Sc",
    "LATINX.Sk", "LATINX.So", "LATINX.Z", "LATINX.C",
    "LATIN1SYM.Lu", "LATIN1SYM.Ll", "LATIN1SYM.Lt", "LATIN1SYM.Lm",
    "LATIN1SYM.Lo", "LATIN1SYM.Mn", "LATIN1SYM.Mc", "LATIN1SYM.Nd",
    "LATIN1SYM.No", "LATIN1SYM.P", "LATIN1SYM.Sm", "LATIN1SYM.Sc",
    "LATIN1SYM.Sk", "LATIN1SYM.So", "LATIN1SYM.Z", "LATIN1SYM.C",
    "COMMON.emoji", "COMMON.box", "COMMON.joiner", "COMMON.Lm",
    "COMMON.Lo", "COMMON.Mn", "COMMON.Mc", "COMMON.Nd",
    "COMMON.No", "COMMON.P", "COMMON.Sm", "COMMON.Sc",
    "COMMON.Sk", "COMMON.So", "COMMON.Z", "COMMON.C",
    "GREEK.Lu", "GREEK.Ll", "GREEK.Lt", "GREEK.Lm",
    "GREEK.Lo", "GREEK.Mn", "GREEK.Mc", "GREEK.Nd",
    "GREEK.No", "GREEK.P", "GREEK.Sm", "GREEK.Sc",
    "GREEK.Sk", "GREEK.So", "GREEK.Z", "GREEK.C",
    "CYRILLIC.Lu", "CYRILLIC.Ll", "CYRILLIC.Lt", "CYRILLIC.Lm",
    "CYRILLIC.Lo", "CYRILLIC.Mn", "CYRILLIC.Mc", "CYRILLIC.Nd",
    "CYRILLIC.No", "CYRILLIC.P", "CYRILLIC.Sm", "CYRILLIC.Sc",
    "CYRILLIC.Sk", "CYRILLIC.So", "CYRILLIC.Z", "CYRILLIC.C",
    "HEBREW.Lu", "HEBREW.Ll", "HEBREW.Lt", "HEBREW.Lm",
    "HEBREW.Lo", "HEBREW.Mn", "HEBREW.Mc", "HEBREW.Nd",
    "HEBREW.No", "HEBREW.P", "HEBREW.Sm", "HEBREW.Sc",
    "HEBREW.Sk", "HEBREW.So", "HEBREW.Z", "HEBREW.C",
    "ARABIC.Lu", "ARABIC.Ll", "ARABIC.Lt", "ARABIC.Lm",
    "ARABIC.Lo", "ARABIC.Mn", "ARABIC.Mc", "ARABIC.Nd",
    "ARABIC.No", "ARABIC.P", "ARABIC.Sm", "ARABIC.Sc",
    "ARABIC.Sk", "ARABIC.So", "ARABIC.Z", "ARABIC.C",
    "INDIC.Lu", "INDIC.Ll", "INDIC.Lt", "INDIC.Lm",
    "INDIC.Lo", "INDIC.Mn", "INDIC.Mc", "INDIC.Nd",
    "INDIC.No", "INDIC.P", "INDIC.Sm", "INDIC.Sc",
    "INDIC.Sk", "INDIC.So", "INDIC.Z", "INDIC.C",
    "SEA.Lu", "SEA.Ll", "SEA.Lt", "SEA.Lm",
    "SEA.Lo", "SEA.Mn", "SEA.Mc", "SEA.Nd",
    "SEA.No", "SEA.P", "SEA.Sm", "SEA.Sc",
    "SEA.Sk", "SEA.So", "SEA.Z", "SEA.C",
    "HANGUL.Lu", "HANGUL.Ll", "HANGUL.Lt", "HANGUL.Lm",
    "HANGUL.Lo", "HANGUL.Mn", "HANGUL.Mc", "HANGUL.Nd",
    "HANGUL.No", "HANGUL.P", "HANGUL.Sm", "HANGUL.Sc",
    "HANGUL.Sk", "HANGUL.So", "HANGUL.Z", "HANGUL.C",
    "KANA.Lu", "KANA.Ll", "KANA.Lt", "KANA.Lm",
    "KANA.Lo", "KANA.Mn", "KANA.Mc", "KANA.Nd",
    "KANA.No", "KANA.P", "KANA.Sm", "KANA.Sc",
    "KANA.Sk", "KANA.So", "KANA.Z", "KANA.C",
    "HAN.Lu", "HAN.Ll", "HAN.Lt", "HAN.Lm",
    "HAN.Lo", "HAN.Mn", "HAN.Mc", "HAN.Nd",
    "HAN.No", "HAN.P", "HAN.Sm", "HAN.Sc",
    "HAN.Sk", "HAN.So", "HAN.Z", "HAN.C",
    "OTHER.Lu", "OTHER.Ll", "OTHER.Lt", "OTHER.Lm",
    "OTHER.Lo", "OTHER.Mn", "OTHER.Mc", "OTHER.Nd",
    "OTHER.No", "OTHER.P", "OTHER.Sm", "OTHER.Sc",
    "OTHER.Sk", "OTHER.So", "OTHER.Z", "OTHER.C",
    "SPECIAL.C0", "SPECIAL.C1", "SPECIAL.Cf", "SPECIAL.Cs",
    "SPECIAL.Co", "SPECIAL.Cn", "SPECIAL.NL", "SPECIAL.x7",
    "SPECIAL.x8", "SPECIAL.x9", "SPECIAL.x10", "SPECIAL.x11",
    "SPECIAL.x12", "SPECIAL.x13", "SPECIAL.x14", "SPECIAL.x15",
};

const char *ub_uclass_name(int cls)
{
    if (cls < 0 || cls >= UB_UCLASS_COUNT) return "?";
    return NAMES[cls];
}
