/*
 * mbcs_lossy_tab.h -- the lossy section of the multibyte codec tables
 * (internal): what mbcs_lossy_conv.c needs to know about ICU's errors.
 *
 * src/gen/gen_mbcs.c enumerates ICU's error length at every lead/trail
 * pair and EUC-JP triple together with the decoder tables and stores them
 * in the same blob, src/lib/mbcs_tables.bin (the format is described
 * there); mbcs.c validates the whole blob once and hands out this section.
 *
 *   lossy   u8 flags[256], then err2: 2 bits per pair b t (b 0x80..0xFF),
 *           item 256 * (b - 0x80) + t
 *   lossy3  err3: 2 bits per triple 0x8F a b, item 256 * a + b
 *
 * A packed item k is (p[k / 4] >> (2 * (k % 4))) & 3: the number of bytes
 * ICU's U+FFFD stands for at that sequence (followed by '\n'), 0 when it
 * decodes.
 */
#ifndef UB_MBCS_LOSSY_TAB_H
#define UB_MBCS_LOSSY_TAB_H

#include <stdint.h>

/* flags[b] */
#define UB_MBCS_LT_SINGLE 0x01      /* b decodes on its own */
#define UB_MBCS_LT_LEAD 0x02        /* b leads a decodable pair */
#define UB_MBCS_LT_TLEAD 0x04       /* b leads decodable triples (0x8F) */
#define UB_MBCS_LT_DEP(f) ((f) >> 3 & 3)    /* ICU's error length at b (no
                                   character on its own, >= 0x80) depends
                                   on the next byte (1), the next two (2) */
#define UB_MBCS_LT_LEN(f) ((f) >> 5 & 3)    /* that length before 0x00 */

/** Sizes of the two parts, in bytes. */
#define UB_MBCS_LOSSY_SIZE (256 + 128 * 256 / 4)
#define UB_MBCS_LOSSY3_SIZE (256 * 256 / 4)

/** Item k of a packed table of 2-bit error lengths. */
static inline int ub_mbcs_errlen(const uint8_t *p, uint32_t k)
{
    return p[k / 4] >> (2 * (k % 4)) & 3;
}

/**
 * The lossy section of codec id, read in place from the embedded blob.
 * @param lossy   receives flags[256] followed by err2.
 * @param lossy3  receives err3, or NULL when the codec has no triples.
 * @return 0, or -1 for a bad id or a damaged blob.
 */
int ub_mbcs_lossy_tab(int id, const uint8_t **lossy, const uint8_t **lossy3);

#endif
