/*
 * codec.c -- codec names and the reverse (Unicode -> byte) direction.
 *
 * The reverse tables are derived from the generated forward tables once,
 * on first use: a small open-addressing hash from code point to the byte
 * each codec encodes it to.  Every code point of every table fits; the
 * whole thing is about 70 KiB and takes microseconds to build.
 */
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "codec.h"

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

#define RSLOTS 4096u        /* power of two, > 2 x distinct code points */

/* cp 0 marks an empty slot (0 is ASCII and never stored) */
typedef ub_codec_row rslot;

static rslot rmap[RSLOTS];
static pthread_once_t rmap_once = PTHREAD_ONCE_INIT;

static uint32_t slot_of(uint32_t cp)
{
    return (cp * 2654435761u) >> 20 & (RSLOTS - 1);
}

static void rmap_build(void)
{
    for (int id = 0; id < UB_NCODECS; id++) {
        for (int b = 0x80; b < 0x100; b++) {
            uint32_t cp = ub_codec_tables[id].to_ucs[b - 0x80];
            uint32_t s = slot_of(cp);
            while (rmap[s].cp && rmap[s].cp != cp)
                s = (s + 1) & (RSLOTS - 1);
            /* The first byte wins if a table maps two bytes to one code point. */
            if (rmap[s].cp == cp && (rmap[s].mask >> id & 1))
                continue;
            rmap[s].cp = cp;
            rmap[s].mask |= (ub_codec_mask)1 << id;
            if (b >= 0xC2 && b <= 0xF4)
                rmap[s].lead |= (ub_codec_mask)1 << id;
            if (b < 0xC0)
                rmap[s].cont |= (ub_codec_mask)1 << id;
            rmap[s].byte[id] = (uint8_t)b;
        }
    }
}

static int rmap_ready;

static const rslot *lookup(uint32_t cp)
{
    if (!__atomic_load_n(&rmap_ready, __ATOMIC_ACQUIRE)) {
        pthread_once(&rmap_once, rmap_build);
        __atomic_store_n(&rmap_ready, 1, __ATOMIC_RELEASE);
    }
    uint32_t s = slot_of(cp);
    while (rmap[s].cp) {
        if (rmap[s].cp == cp)
            return &rmap[s];
        s = (s + 1) & (RSLOTS - 1);
    }
    return NULL;
}

ub_codec_mask ub_codec_encodable(uint32_t cp)
{
    if (cp < 0x80)
        return UB_CODEC_ALL;
    const rslot *r = lookup(cp);
    return r ? r->mask : 0;
}

const ub_codec_row *ub_codec_row_of(uint32_t cp)
{
    return lookup(cp);
}

void ub_codec_roles(uint32_t cp, ub_codec_mask *enc, ub_codec_mask *lead, ub_codec_mask *cont)
{
    if (cp < 0x80) {
        *enc = UB_CODEC_ALL;
        *lead = *cont = 0;
        return;
    }
    const rslot *r = lookup(cp);
    *enc = r ? r->mask : 0;
    *lead = r ? r->lead : 0;
    *cont = r ? r->cont : 0;
}

int ub_codec_encode(int id, uint32_t cp)
{
    if (cp < 0x80)
        return (int)cp;
    const rslot *r = lookup(cp);
    return r && (r->mask >> id & 1) ? r->byte[id] : -1;
}
