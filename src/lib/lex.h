/*
 * lex.h -- the word lexicon (internal to libunbake).
 *
 * A Bloom filter of the words of the model's training text (lower-cased
 * letters, an apostrophe between two letters), written by
 * src/gen/gen_words.c to models/unbake.words and embedded in the library by
 * words_blob.S: read in place, nothing to load.  The lossy search's fills
 * ask it whether a word they complete is one the corpus writes (attest.c).
 * Only alphabets that put spaces between words have words here: Han, kana,
 * Thai, Hangul and the like end a word as punctuation does (ub_lex_char()).
 *
 * Ownership: ub_lex_builtin() returns a static, read-only lexicon that is
 * never freed; ub_lex_open() borrows the caller's blob.  Queries allocate
 * nothing and are safe from any number of threads.
 */
#ifndef UB_LEX_H
#define UB_LEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint64_t *bits;
    uint32_t nbits;             /* the filter's length in bits */
    uint32_t k;                 /* bits per word */
    uint32_t nwords;            /* words put in */
} ub_lex;

/* Longest word looked up, in characters (longer ones are not words here). */
#define UB_LEX_MAX 48

/**
 * The lexicon embedded in the library.
 * @return it, or NULL if the embedded blob is malformed.
 */
const ub_lex *ub_lex_builtin(void);

/**
 * Read a lexicon blob (models/unbake.words) held by the caller, 8-byte
 * aligned, into *lex.
 * @return 0, or -1 if it is malformed or truncated.
 */
int ub_lex_open(ub_lex *lex, const void *blob, size_t len);

/**
 * Is c a character of a word: a letter or mark of an alphabet written
 * with spaces between words (not Hangul), or the apostrophe (U+0027, U+2019, U+02BC), which
 * belongs to a word only between two letters.
 */
int ub_lex_char(uint32_t c);

/** Is c one of the apostrophes ub_lex_char() accepts? */
int ub_lex_apostrophe(uint32_t c);

/**
 * The key of the word w[0..n): its characters lower-cased (ICU's simple
 * case mapping), apostrophes as U+0027, hashed.  The generator and the
 * lookups share it.
 */
uint64_t ub_lex_key(const uint32_t *w, size_t n);

/** Is the word of key k in the lexicon (or a false positive, ~1%)? */
int ub_lex_has_key(const ub_lex *lex, uint64_t k);

/**
 * Is the word w[0..n) in the lexicon?  A word with apostrophes is, where
 * it is whole, or where each part of it two letters or longer is ("l'eau",
 * "don't", "iPhone'y": elisions and suffixes).  Words of one letter, or
 * longer than UB_LEX_MAX, are never in it.
 */
int ub_lex_has(const ub_lex *lex, const uint32_t *w, size_t n);

/** Set the bits of key k (the generator). */
void ub_lex_put_key(uint64_t *bits, uint32_t nbits, uint32_t k, uint64_t key);

/* The blob: a header of 8 little-endian 32-bit words, then the bits as
 * little-endian 64-bit words. */
#define UB_LEX_MAGIC 0x44525755u    /* "UWRD" */
#define UB_LEX_VERSION 1u
#define UB_LEX_HEADER 32

#endif
