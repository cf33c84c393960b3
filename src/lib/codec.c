/*
 * codec.c -- codec names and the reverse (Unicode -> byte) direction.
 *
 * The reverse tables are derived from the generated forward tables once,
 * on first use: a row per code point (the byte each codec encodes it to),
 * found through a two-level table.  About 110 KiB, built in microseconds.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "utf8.h"

static const ub_codec_info infos[UB_NCODECS] = {
#define UB_CODEC(id, name, source, prior, aliases) { name, aliases, prior },
#include "codec_list.h"
#undef UB_CODEC
};

const ub_codec_info *ub_codec_info_of(int id)
{
    return id >= 0 && id < UB_NCODECS ? &infos[id] : NULL;
}

/* Compare names ignoring case, '-' and '_' ("Windows_1252" == "windows1252"). */
static int name_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < alen && (a[i] == '-' || a[i] == '_'))
            i++;
        while (j < blen && (b[j] == '-' || b[j] == '_'))
            j++;
        if (i == alen || j == blen)
            return i == alen && j == blen;
        char x = a[i++], y = b[j++];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
}

int ub_codec_name_matches(const char *name, const char *canonical, const char *aliases)
{
    size_t n = strlen(name);
    if (name_eq(name, n, canonical, strlen(canonical)))
        return 1;
    for (const char *p = aliases; *p;) {
        size_t len = strcspn(p, " ");
        if (len && name_eq(name, n, p, len))
            return 1;
        p += len;
        p += *p == ' ';
    }
    return 0;
}

int ub_codec_find(const char *name)
{
    for (int id = 0; id < UB_NCODECS; id++)
        if (ub_codec_name_matches(name, infos[id].name, infos[id].aliases))
            return id;
    return -1;
}

/* ------------------------------------------------------------ reverse map */

/*
 * Every code point some codec produces has one row.  Rows are found through
 * a two-level table: the high byte of the code point picks a page (0: none
 * of its code points is in any codec), the low byte a row index in the
 * page (0: not in any codec).  All table code points are in the BMP; a
 * lookup is two array reads, which matters since the detector asks about
 * every non-ASCII character it sees.
 */
#define MAXROWS 2048        /* > distinct code points of all tables */
#define MAXPAGES 32         /* > distinct high bytes */

ub_codec_row ub_codec_rows_[MAXROWS];  /* [0] the empty row (ub_codec_row_index) */
ub_codec_lc ub_codec_lcs_[MAXROWS];
ub_codec_lc ub_codec_lc2_[0x800];
uint16_t ub_codec_index2_[0x800];
uint8_t ub_codec_page_of_hi_[256];
uint16_t ub_codec_pages_[MAXPAGES][256];
uint8_t ub_codec_utf8_[UB_NCODECS][128][4];
static ub_codec_mask droppable, any_droppable, cont_lost, lead_lost;
static uint8_t nbsp_cont[UB_NCODECS];
static pthread_once_t rmap_once = PTHREAD_ONCE_INIT;

static void rmap_build(void)
{
    int nrows = 1, npages = 1;
    for (int id = 0; id < UB_NCODECS; id++) {
        for (int b = 0x80; b < 0x100; b++) {
            uint32_t cp = ub_codec_tables[id].to_ucs[b - 0x80];
            uint8_t *u8 = ub_codec_utf8_[id][b - 0x80];
            u8[3] = (uint8_t)ub_utf8_encode(cp, u8);
            int loses = ub_codec_is_lossy(id, (uint8_t)b) || cp == 0xA0 || cp == 0xAD;
            if (b < 0xC0 && loses)
                droppable |= (ub_codec_mask)1 << id;
            if (b < 0xC0 && ub_codec_is_lossy(id, (uint8_t)b))
                cont_lost |= (ub_codec_mask)1 << id;
            if (b >= 0xC2 && b <= 0xF4 && ub_codec_is_lossy(id, (uint8_t)b))
                lead_lost |= (ub_codec_mask)1 << id;
            if (b <= 0xF4 && (loses || cp < 0xA0))
                any_droppable |= (ub_codec_mask)1 << id;
            if (ub_codec_is_nbsp(id, (uint8_t)b))
                nbsp_cont[id] = (uint8_t)b;
            /* tables hold BMP code points >= 0x80 only (uint16_t) */
            uint8_t *pg = &ub_codec_page_of_hi_[cp >> 8];
            if (!*pg) {
                if (npages == MAXPAGES)
                    abort();    /* the generated tables changed: raise it */
                *pg = (uint8_t)npages++;
            }
            uint16_t *slot = &ub_codec_pages_[*pg][cp & 0xFF];
            if (!*slot) {
                if (nrows == MAXROWS)
                    abort();
                *slot = (uint16_t)nrows++;
                ub_codec_rows_[*slot].cp = cp;
            }
            ub_codec_row *r = &ub_codec_rows_[*slot];
            /* The first byte wins if a table maps two bytes to one code point. */
            if (r->mask >> id & 1)
                continue;
            r->mask |= (ub_codec_mask)1 << id;
            if (b >= 0xC2 && b <= 0xF4)
                r->lead |= (ub_codec_mask)1 << id;
            if (b < 0xC0)
                r->cont |= (ub_codec_mask)1 << id;
            if (b >= 0xE0 && b <= 0xEF)
                r->lead3 |= (ub_codec_mask)1 << id;
            if (b >= 0xF0 && b <= 0xF4)
                r->lead4 |= (ub_codec_mask)1 << id;
            if (b != 0xC1 && b < 0xF5)
                r->in_utf8 |= (ub_codec_mask)1 << id;
            if (b == 0xC0)
                r->c0 |= (ub_codec_mask)1 << id;
            r->byte[id] = (uint8_t)b;
        }
    }
    for (int k = 0; k < nrows; k++) {
        ub_codec_row *r = &ub_codec_rows_[k];
        r->lead2 = r->lead & ~(r->lead3 | r->lead4);
        ub_codec_lcs_[k].lead = ub_codec_rows_[k].lead;
        ub_codec_lcs_[k].cont = ub_codec_rows_[k].cont;
    }
    for (uint32_t cp = 0; cp < 0x800; cp++)
        ub_codec_index2_[cp] = ub_codec_pages_[ub_codec_page_of_hi_[cp >> 8]][cp & 0xFF];
    for (uint32_t cp = 0x80; cp < 0x800; cp++)
        ub_codec_lc2_[cp] = ub_codec_lcs_[ub_codec_row_index(cp)];
}

int ub_codec_rmap_ready_;

void ub_codec_rmap_init_(void)
{
    pthread_once(&rmap_once, rmap_build);
    __atomic_store_n(&ub_codec_rmap_ready_, 1, __ATOMIC_RELEASE);
}

static void rmap_init(void)
{
    if (!__atomic_load_n(&ub_codec_rmap_ready_, __ATOMIC_ACQUIRE))
        ub_codec_rmap_init_();
}

ub_codec_mask ub_codec_cont_droppable(void)
{
    rmap_init();
    return droppable;
}

ub_codec_mask ub_codec_cont_lost(void)
{
    rmap_init();
    return cont_lost;
}

ub_codec_mask ub_codec_lead_lost(void)
{
    rmap_init();
    return lead_lost;
}

ub_codec_mask ub_codec_utf8_droppable(void)
{
    rmap_init();
    return any_droppable;
}

uint8_t ub_codec_nbsp_cont(int id)
{
    rmap_init();
    return nbsp_cont[id];
}

ub_codec_mask ub_codec_encodable(uint32_t cp)
{
    if (cp < 0x80)
        return UB_CODEC_ALL;
    const ub_codec_row *r = ub_codec_row_of(cp);
    return r ? r->mask : 0;
}

int ub_codec_encode(int id, uint32_t cp)
{
    if (cp < 0x80)
        return (int)cp;
    const ub_codec_row *r = ub_codec_row_of(cp);
    return r && (r->mask >> id & 1) ? r->byte[id] : -1;
}
