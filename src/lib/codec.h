/*
 * codec.h -- single-byte codec tables (internal).
 *
 * Every codec maps bytes 0x00..0x7F to ASCII and 0x80..0xFF through a
 * generated table (codec_tables.c, from ICU).  Bytes a codec leaves
 * undefined decode "sloppily" to the code point of the same value and are
 * flagged lossy: strict decoders drop them or substitute them, which is
 * where lost bytes come from.
 */
#ifndef UB_CODEC_H
#define UB_CODEC_H

#include <stdint.h>

enum {
#define UB_CODEC(id, name, source, prior, aliases) UB_CODEC_##id,
#include "codec_list.h"
#undef UB_CODEC
    UB_NCODECS
};

/* All codec ids fit in one mask. */
typedef uint32_t ub_codec_mask;
#define UB_CODEC_ALL ((ub_codec_mask)((1ull << UB_NCODECS) - 1))

struct ub_codec_table {
    uint16_t to_ucs[128];   /* bytes 0x80..0xFF */
    uint8_t lossy[16];      /* bit set: undefined (or C1) in this codec */
};

extern const struct ub_codec_table ub_codec_tables[UB_NCODECS];
extern const char ub_codec_tables_icu_version[];

typedef struct {
    const char *name;
    const char *aliases;
    int prior;              /* tenths of a nat */
} ub_codec_info;

/* Name, aliases and prior of codec id (0 .. UB_NCODECS-1). */
const ub_codec_info *ub_codec_info_of(int id);

/* Does name equal canonical or one of the space-separated aliases, case
 * ignored and '-' and '_' skipped ("Windows_1252" == "windows1252")? */
int ub_codec_name_matches(const char *name, const char *canonical, const char *aliases);

/* Find a codec by name or alias, case-insensitively, ignoring '-' and '_'.
 * Returns the id or -1. */
int ub_codec_find(const char *name);

static inline uint32_t ub_codec_decode(int id, uint8_t b)
{
    return b < 0x80 ? b : ub_codec_tables[id].to_ucs[b - 0x80];
}

static inline int ub_codec_is_lossy(int id, uint8_t b)
{
    return b >= 0x80 && (ub_codec_tables[id].lossy[(b - 0x80) >> 3] >> ((b - 0x80) & 7) & 1);
}

/* Does the codec lose every C1 byte (0x80..0x9F: C1 controls stripped,
 * as ISO-8859-x's are)? */
static inline int ub_codec_c1_lossy(int id)
{
    const uint8_t *l = ub_codec_tables[id].lossy;
    return (l[0] & l[1] & l[2] & l[3]) == 0xFF;
}

/*
 * Is byte b the codec's soft hyphen / its NBSP, which a later process may
 * strip or write as a space?  0xAD and 0xA0 are that in most codecs, but
 * letters in some (ibm866 reads them as "н" and "а", iso-8859-11 0xAD as
 * "ญ", ibm437 0xA0 as "á"); KOI8-R and KOI8-U have their NBSP at 0x9A
 * (the last byte of "К").  Only continuation bytes count: an NBSP
 * elsewhere (0xFF in ibm866, 0xCA in Mac Roman) is no byte of a sequence
 * the lossy search fills.
 */
static inline int ub_codec_is_shy(int id, uint8_t b)
{
    return b == 0xAD && ub_codec_tables[id].to_ucs[b - 0x80] == 0xAD;
}

static inline int ub_codec_is_nbsp(int id, uint8_t b)
{
    return b - 0x80u < 0x40u && ub_codec_tables[id].to_ucs[b - 0x80] == 0xA0;
}

/* The codec's NBSP if it is a continuation byte of UTF-8 (0xA0 in most,
 * 0x9A in KOI8-R and KOI8-U), else 0: the byte a space may stand for.
 * (No codec has two.) */
uint8_t ub_codec_nbsp_cont(int id);

/* The codecs that can encode cp (ASCII: all of them). */
ub_codec_mask ub_codec_encodable(uint32_t cp);

/* Everything the codecs say about one non-ASCII code point. */
typedef struct {
    uint32_t cp;
    ub_codec_mask mask;     /* codecs that encode it */
    ub_codec_mask lead;     /* ... as a UTF-8 lead byte (C2..F4) */
    ub_codec_mask cont;     /* ... as a continuation byte (80..BF) */
    ub_codec_mask lead3;    /* ... as a lead of three bytes (E0..EF) */
    ub_codec_mask lead4;    /* ... as a lead of four bytes (F0..F4) */
    ub_codec_mask lead2;    /* ... as a lead of two bytes (C2..DF) */
    ub_codec_mask in_utf8;  /* ... as a byte UTF-8 or CESU-8 may hold (not C1, F5..FF) */
    ub_codec_mask c0;       /* ... as C0 (modified UTF-8 writes NUL as C0 80) */
    uint8_t byte[UB_NCODECS];
} ub_codec_row;

/* The lead and continuation masks of a row, kept apart as well: a scan
 * that needs only these stays within a few KiB (the rows are 100+). */
typedef struct {
    ub_codec_mask lead, cont;
} ub_codec_lc;

/* The reverse map (codec.c), built once on first use; read it through
 * ub_codec_row_of(), which the detector calls for nearly every character. */
extern ub_codec_row ub_codec_rows_[];
extern ub_codec_lc ub_codec_lcs_[];
extern ub_codec_lc ub_codec_lc2_[0x800];   /* by code point, below U+0800 */
extern uint16_t ub_codec_index2_[0x800];    /* row indexes, below U+0800 */
extern uint8_t ub_codec_page_of_hi_[256];
extern uint16_t ub_codec_pages_[][256];
/* The UTF-8 of what each codec decodes the bytes 0x80..0xFF to: the bytes
 * in [0..3), the length (2 or 3) in [3]; built with the reverse map. */
extern uint8_t ub_codec_utf8_[UB_NCODECS][128][4];
extern int ub_codec_rmap_ready_;
void ub_codec_rmap_init_(void);

/* Build the reverse map if it is not built yet. */
static inline void ub_codec_rmap_ensure(void)
{
    if (!__atomic_load_n(&ub_codec_rmap_ready_, __ATOMIC_ACQUIRE))
        ub_codec_rmap_init_();
}

/* The index of cp's row in ub_codec_rows_[] and ub_codec_lcs_[], where
 * 0 is the empty row (every mask and byte 0): no codec encodes cp.  A
 * loop that only ORs masks and reads bytes needs no branch. */
/* ub_codec_row_index() of a BMP code point from the pages (cp <= 0xFFFF,
 * for a caller that knows it is one). */
static inline unsigned ub_codec_row_index_page(uint32_t cp)
{
    return ub_codec_pages_[ub_codec_page_of_hi_[cp >> 8]][cp & 0xFF];
}

static inline unsigned ub_codec_row_index(uint32_t cp)
{
    /* (most mojibake is made of characters below U+0800: one read) */
    if (cp < 0x800)
        return ub_codec_index2_[cp];
    return cp > 0xFFFF ? 0 : ub_codec_row_index_page(cp);
}

/* ub_codec_row_of() for a loop that called ub_codec_rmap_ensure() first. */
static inline const ub_codec_row *ub_codec_row_at(uint32_t cp)
{
    unsigned k = ub_codec_row_index(cp);
    return k ? &ub_codec_rows_[k] : 0;
}

/* ub_codec_row_at(), but the empty row where that returns NULL. */
static inline const ub_codec_row *ub_codec_row_or_empty(uint32_t cp)
{
    return &ub_codec_rows_[ub_codec_row_index(cp)];
}

/* The row of cp (>= 0x80), or NULL when no codec encodes it. */
static inline const ub_codec_row *ub_codec_row_of(uint32_t cp)
{
    ub_codec_rmap_ensure();
    return ub_codec_row_at(cp);
}

/* The codecs in which some continuation byte (0x80..0xBF) can go missing:
 * it is undefined (dropped or substituted), a soft hyphen or an NBSP. */
ub_codec_mask ub_codec_cont_droppable(void);

/* The codecs in which some continuation byte is undefined (or a C1
 * control): a decoder that drops what it cannot read loses it. */
ub_codec_mask ub_codec_cont_lost(void);

/* The codecs in which some lead byte of UTF-8 (0xC2..0xF4) is undefined:
 * a decoder that drops what it cannot read leaves continuation bytes
 * without their lead (ISO-8859-3 has no 0xC3, the lead of most Latin-1
 * letters). */
ub_codec_mask ub_codec_lead_lost(void);

/* The codecs in which some byte of UTF-8 (0x80..0xF4) can go missing or
 * change: undefined, a soft hyphen, an NBSP, or a C1 control. */
ub_codec_mask ub_codec_utf8_droppable(void);

/* The byte codec id encodes cp to, or -1 if it cannot. */
int ub_codec_encode(int id, uint32_t cp);

#endif
