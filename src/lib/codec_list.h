/*
 * codec_list.h -- the single-byte codecs the detector knows, in one place.
 *
 * Read by src/gen/gen_codecs.c (which asks ICU for each table) and by
 * codec.c (names, aliases, priors).  The order is the codec id: append new
 * codecs at the end and run `make tables`.
 *
 * UB_CODEC(ident, name, source, prior, aliases)
 *   name    canonical name shown to users
 *   source  converter name: "icu:NAME" for ICU, "iconv:NAME" for glibc's
 *           iconv where Debian's ICU data lacks the table
 *   prior   cost, in tenths of a nat, of assuming text was mis-decoded with
 *           this codec: how rarely it is the wrong codec in real mojibake
 *   aliases space-separated extra names accepted by --from and friends
 */
UB_CODEC(CP1252,  "windows-1252", "icu:ibm-5348_P100-1997", 0,  "cp1252 win-1252 1252")
UB_CODEC(LATIN1,  "iso-8859-1",   "icu:ISO-8859-1",         5,  "latin-1 latin1 l1 iso8859-1 iso_8859-1 8859-1")
UB_CODEC(CP1251,  "windows-1251", "icu:ibm-5347_P100-1998", 5,  "cp1251 win-1251 1251")
UB_CODEC(CP1250,  "windows-1250", "icu:ibm-5346_P100-1998", 10, "cp1250 win-1250 1250")
UB_CODEC(CP1253,  "windows-1253", "icu:ibm-5349_P100-1998", 15, "cp1253 win-1253 1253")
UB_CODEC(CP1254,  "windows-1254", "icu:ibm-5350_P100-1998", 12, "cp1254 win-1254 1254")
UB_CODEC(CP1255,  "windows-1255", "icu:ibm-9447_P100-2002", 15, "cp1255 win-1255 1255")
UB_CODEC(CP1256,  "windows-1256", "icu:ibm-9448_X100-2005", 15, "cp1256 win-1256 1256")
UB_CODEC(CP1257,  "windows-1257", "icu:ibm-9449_P100-2002", 15, "cp1257 win-1257 1257")
UB_CODEC(CP1258,  "windows-1258", "icu:ibm-5354_P100-1998", 20, "cp1258 win-1258 1258")
UB_CODEC(MACROMAN,"macintosh",    "icu:macos-0_2-10.2",     15, "macroman mac-roman x-mac-roman mac")
UB_CODEC(CP437,   "ibm437",       "icu:ibm-437_P100-1995",  20, "cp437 437 ibm-437")
UB_CODEC(CP850,   "ibm850",       "icu:ibm-850_P100-1995",  25, "cp850 850 ibm-850")
UB_CODEC(CP866,   "ibm866",       "icu:ibm-866_P100-1995",  25, "cp866 866 ibm-866")
UB_CODEC(KOI8R,   "koi8-r",       "icu:ibm-878_P100-1996",  20, "koi8r cskoi8r")
UB_CODEC(KOI8U,   "koi8-u",       "icu:ibm-1168_P100-2002", 22, "koi8u")
UB_CODEC(ISO2,    "iso-8859-2",   "icu:ISO-8859-2",         20, "latin-2 latin2 l2 iso8859-2 8859-2")
UB_CODEC(ISO3,    "iso-8859-3",   "icu:ISO-8859-3",         30, "latin-3 latin3 l3 iso8859-3 8859-3")
UB_CODEC(ISO4,    "iso-8859-4",   "icu:ISO-8859-4",         30, "latin-4 latin4 l4 iso8859-4 8859-4")
UB_CODEC(ISO5,    "iso-8859-5",   "icu:ISO-8859-5",         25, "cyrillic iso8859-5 8859-5")
UB_CODEC(ISO6,    "iso-8859-6",   "icu:ISO-8859-6",         30, "arabic iso8859-6 8859-6")
UB_CODEC(ISO7,    "iso-8859-7",   "icu:ISO-8859-7",         25, "greek iso8859-7 8859-7")
UB_CODEC(ISO8,    "iso-8859-8",   "icu:ISO-8859-8",         25, "hebrew iso8859-8 8859-8")
UB_CODEC(ISO9,    "iso-8859-9",   "icu:ISO-8859-9",         20, "latin-5 latin5 l5 iso8859-9 8859-9")
UB_CODEC(ISO10,   "iso-8859-10",  "icu:ISO-8859-10",        30, "latin-6 latin6 l6 iso8859-10 8859-10")
UB_CODEC(ISO11,   "iso-8859-11",  "icu:iso-8859_11-2001",   30, "thai tis-620 iso8859-11 8859-11")
UB_CODEC(ISO13,   "iso-8859-13",  "icu:ISO-8859-13",        25, "latin-7 latin7 l7 iso8859-13 8859-13")
UB_CODEC(ISO14,   "iso-8859-14",  "icu:ISO-8859-14",        30, "latin-8 latin8 l8 iso8859-14 8859-14")
UB_CODEC(ISO15,   "iso-8859-15",  "icu:ISO-8859-15",        15, "latin-9 latin9 l9 iso8859-15 8859-15")
UB_CODEC(ISO16,   "iso-8859-16",  "iconv:ISO-8859-16",      30, "latin-10 latin10 l10 iso8859-16 8859-16")
