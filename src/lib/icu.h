/*
 * icu.h -- ICU's data, asked for before the library's first converter
 * (internal).
 *
 * The library reads character properties through ICU, which has them
 * built in, and opens ICU converters only for what its own tables lack
 * (text named with --from, legacy input, GB18030's four-byte forms).
 * Converters need ICU's data package.  A program that links ICU with a
 * stub for it (the command does: src/cli/icudata.c) hands ICU the data
 * when a converter is first wanted, not at every start: it sets a hook
 * here, and the library runs it, once, before it opens a converter
 * (every converter is opened through ub_icu_open()).  Without a hook ICU
 * has its data already and nothing is done.
 */
#ifndef UB_ICU_H
#define UB_ICU_H

#include <unicode/ucnv.h>

/* Set the hook, before any thread uses the library (NULL: none). */
void ub_icu_set_data_hook(void (*hook)(void));

/* Run the hook if it has not run yet; thread-safe.  (For what reads
 * ICU's data without opening a converter: its list of them.) */
void ub_icu_ready(void);

/* ucnv_open(name, err), the hook run first. */
UConverter *ub_icu_open(const char *name, UErrorCode *err);

#endif
