/*
 * unbake.h -- repair mojibake and recover text from wrong encodings.
 *
 * libunbake takes a byte stream that should be UTF-8 text, finds the runs
 * of it that are "baked" (UTF-8 bytes that were decoded with the wrong
 * codec, possibly several times over and possibly losing bytes on the way)
 * and writes the text they came from.  Everything else passes through byte
 * for byte: clean UTF-8 comes back identical.
 *
 * Every repair is checked before it is written: the chosen hypothesis is
 * applied forward to the repaired text (encode as UTF-8, decode with the
 * wrong codec once per layer, apply the recorded losses) and must give back
 * the input run byte for byte.  A candidate that fails this check is never
 * written.
 *
 * Ownership rules, once for the whole API:
 *  - A context (unbake_ctx) is created by unbake_ctx_new() and released by
 *    unbake_ctx_free(); unbake_ctx_free(NULL) is a no-op.  A context is used
 *    by one thread at a time; separate contexts are independent.
 *  - Buffers passed in are borrowed for the duration of the call only.
 *  - Output of unbake_fix_buffer() is allocated with malloc() and owned by
 *    the caller, who releases it with free().
 *  - Output of the incremental API is handed to the caller's write callback
 *    and is valid only during that call.
 *  - A unbake_report passed to the report callback, and everything it points
 *    to, is valid only during that call.
 *  - Strings returned by unbake_strerror(), unbake_version_string() and
 *    unbake_codec_name() are static and must not be freed.
 *
 * Errors are negative UNBAKE_E* codes; unbake_strerror() describes them.
 * The library never prints and never exits.
 */
#ifndef UNBAKE_H
#define UNBAKE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define UNBAKE_API
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define UNBAKE_API __attribute__((visibility("default")))
#else
#  define UNBAKE_API
#endif

/* ---------------------------------------------------------------------- */
/* Version                                                                 */
/* ---------------------------------------------------------------------- */

#define UNBAKE_VERSION_MAJOR 0
#define UNBAKE_VERSION_MINOR 1
#define UNBAKE_VERSION_PATCH 0
#define UNBAKE_VERSION_NUMBER \
    (UNBAKE_VERSION_MAJOR * 10000 + UNBAKE_VERSION_MINOR * 100 + UNBAKE_VERSION_PATCH)
#define UNBAKE_STR_(x) #x
#define UNBAKE_STR(x) UNBAKE_STR_(x)
#define UNBAKE_VERSION_STRING \
    UNBAKE_STR(UNBAKE_VERSION_MAJOR) "." UNBAKE_STR(UNBAKE_VERSION_MINOR) "." \
    UNBAKE_STR(UNBAKE_VERSION_PATCH)

/**
 * @return UNBAKE_VERSION_NUMBER of the library actually linked, which can
 *         differ from the header's when the shared library was upgraded.
 */
UNBAKE_API unsigned unbake_version(void);

/** @return the linked library's version as "MAJOR.MINOR.PATCH". */
UNBAKE_API const char *unbake_version_string(void);

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */
/* ---------------------------------------------------------------------- */

/** Error codes.  Values are frozen once released; new codes are appended. */
typedef enum {
    UNBAKE_OK = 0,
    UNBAKE_ENOMEM = -1,    /**< out of memory */
    UNBAKE_EINVAL = -2,    /**< invalid argument or option value */
    UNBAKE_ESTATE = -3,    /**< call out of order (e.g. push after finish) */
    UNBAKE_ECODEC = -4,    /**< unknown or unsupported codec name */
    UNBAKE_EWRITE = -5,    /**< the write callback reported failure */
    UNBAKE_EDATA = -6      /**< built-in data (tables, model) is corrupt */
} unbake_error_e;

/**
 * @param code a value returned by any unbake_ function.
 * @return a static English description; "unknown error" for unknown codes.
 */
UNBAKE_API const char *unbake_strerror(int code);

/* ---------------------------------------------------------------------- */
/* Context and options                                                     */
/* ---------------------------------------------------------------------- */

typedef struct unbake_ctx unbake_ctx;

/** What to do with a run whose repair needs bytes that were lost. */
typedef enum {
    /** Write the most probable reconstruction (default). */
    UNBAKE_LOSSY_FILL = 0,
    /** Repair the run but write U+FFFD for each lost character whose
     *  reconstruction is less certain than UNBAKE_OPT_MIN_CONFIDENCE. */
    UNBAKE_LOSSY_MARK = 1,
    /** Leave runs that need lost bytes unrepaired. */
    UNBAKE_LOSSY_KEEP = 2
} unbake_lossy_e;

/** Integer options for unbake_ctx_set(). */
typedef enum {
    /** unbake_lossy_e; default UNBAKE_LOSSY_FILL. */
    UNBAKE_OPT_LOSSY = 1,
    /** Per mille, 0..1000: with UNBAKE_LOSSY_MARK a lost character is
     *  filled only when its posterior probability is at least this.
     *  Default 1000: fill only what is certain. */
    UNBAKE_OPT_MIN_CONFIDENCE = 2,
    /** How many layers of mis-decoding to undo at most, 1..4; default 4.
     *  One hypothesis holds up to 3; a fourth is undone when the
     *  repaired text is decided again and still reads as mojibake. */
    UNBAKE_OPT_MAX_LAYERS = 3,
    /** 1: drop a leading UTF-8 byte order mark; default 0 (kept). */
    UNBAKE_OPT_STRIP_BOM = 4,
    /** Decision bias in tenths of a nat, -200..200: positive values make
     *  the detector more conservative; default 0. */
    UNBAKE_OPT_BIAS = 5
} unbake_option_e;

/**
 * Create a context with default options.
 * @return the context, or NULL when out of memory.
 */
UNBAKE_API unbake_ctx *unbake_ctx_new(void);

/** Release a context; NULL is a no-op. */
UNBAKE_API void unbake_ctx_free(unbake_ctx *ctx);

/**
 * Set an integer option.  Options may be changed only before the first
 * unbake_push() of a stream (or after unbake_reset()).
 * @return UNBAKE_OK, UNBAKE_EINVAL for an unknown option or a value out of
 *         range, UNBAKE_ESTATE when a stream is in progress.
 */
UNBAKE_API int unbake_ctx_set(unbake_ctx *ctx, unbake_option_e opt, int value);

/**
 * Read an integer option.
 * @return the value, or UNBAKE_EINVAL for an unknown option.
 */
UNBAKE_API int unbake_ctx_get(const unbake_ctx *ctx, unbake_option_e opt);

/* ---------------------------------------------------------------------- */
/* Reports (for --explain and check)                                       */
/* ---------------------------------------------------------------------- */

/** One filled gap of a lossy repair: an alternative and its probability. */
typedef struct {
    const char *text;      /**< UTF-8 of the alternative, NUL-terminated */
    double probability;    /**< posterior probability, 0..1 */
} unbake_alternative;

/** One place where bytes were lost and had to be filled. */
typedef struct {
    uint64_t out_offset;   /**< byte offset of the filled text in the output */
    size_t n_alternatives; /**< >= 1; the first one is what was chosen (or
                                marked with U+FFFD) */
    const unbake_alternative *alternatives;
    int marked;            /**< 1 when U+FFFD was written instead */
} unbake_gap;

/** What the detector decided about one run of the input. */
typedef struct {
    uint64_t in_offset;    /**< byte offset of the run in the input stream */
    size_t in_len;         /**< length of the run in the input */
    const char *in;        /**< the run's input bytes (not NUL-terminated) */
    uint64_t out_offset;   /**< byte offset of the replacement in the output */
    size_t out_len;
    const char *out;       /**< what was written (not NUL-terminated) */
    const char *hypothesis;/**< e.g. "utf-8 read as windows-1252, 2 layers" */
    int layers;            /**< number of mis-decodings undone, 1 ..
                                UNBAKE_OPT_MAX_LAYERS */
    double score;          /**< log-odds (nats) of the fix against the text
                                as it was; > 0 for every fix written.  For
                                bytes that were not UTF-8 (which must be
                                converted) the margin of the chosen codec
                                over the next best one, at least 0.01 */
    int roundtrip_ok;      /**< 1: the forward check reproduced the input
                                byte for byte (always 1 for written fixes) */
    size_t n_gaps;         /**< lossy fills, 0 for a lossless repair (and
                                for one that was decided again after its
                                first pass: the gaps then no longer
                                describe the text written) */
    const unbake_gap *gaps;
} unbake_report;

/** Callback receiving a report for every run that was changed.  Reports
 *  arrive in stream order, and all output before a report's out_offset has
 *  been passed to the write callback before the report is made. */
typedef void (*unbake_report_fn)(void *user, const unbake_report *report);

/**
 * Install (or with fn == NULL remove) the report callback.
 * @return UNBAKE_OK, or UNBAKE_ESTATE while a stream is in progress.
 */
UNBAKE_API int unbake_ctx_set_report(unbake_ctx *ctx, unbake_report_fn fn, void *user);

/** A U+FFFD in the input that the library kept.  The bytes it stands for
 *  were lost before the input arrived (legacy text decoded as UTF-8 with
 *  replacement, say) and no repair accounts for it, so the loss is total:
 *  the U+FFFD is written as it is.  The alternatives say what the language
 *  model would put there had the lost byte been one character of the
 *  single-byte codec named, guessed from the letters around it: a hint for
 *  a human, never written. */
typedef struct {
    uint64_t in_offset;    /**< byte offset of the U+FFFD in the input
                                stream (as decoded, like unbake_report's) */
    uint64_t out_offset;   /**< byte offset of the same U+FFFD in the output */
    const char *codec;     /**< the codec of the guesses ("windows-1252"),
                                "" when the letters around it are in no
                                single-byte codec (CJK, say): no guesses */
    size_t n_alternatives; /**< 0 .. 8, the most probable first */
    const unbake_alternative *alternatives;
} unbake_loss;

/** Callback receiving every U+FFFD kept as a total loss, in stream order,
 *  after the output before it has been written. */
typedef void (*unbake_loss_fn)(void *user, const unbake_loss *loss);

/**
 * Install (or with fn == NULL remove) the loss callback.  Guessing the
 * alternatives costs a few hundred model lookups per U+FFFD; without a
 * callback nothing is computed.
 * @return UNBAKE_OK, or UNBAKE_ESTATE while a stream is in progress.
 */
UNBAKE_API int unbake_ctx_set_loss_report(unbake_ctx *ctx, unbake_loss_fn fn, void *user);

/* ---------------------------------------------------------------------- */
/* Whole-buffer API                                                        */
/* ---------------------------------------------------------------------- */

/**
 * Repair a whole buffer.
 * @param ctx     context; its stream state is reset first.
 * @param in      input bytes (need not be valid UTF-8 nor NUL-terminated).
 * @param in_len  their length.
 * @param out     receives a malloc()ed buffer (NUL-terminated for
 *                convenience, the NUL not counted); NULL on error.
 * @param out_len receives the output length.
 * @return the number of runs changed (>= 0), or a negative UNBAKE_E* code.
 */
UNBAKE_API long unbake_fix_buffer(unbake_ctx *ctx, const void *in, size_t in_len,
                                  char **out, size_t *out_len);

/* ---------------------------------------------------------------------- */
/* Incremental (streaming) API                                             */
/* ---------------------------------------------------------------------- */

/**
 * Output sink: receives len bytes of repaired output.
 * @return 0 on success, non-zero to abort (unbake_push() and
 *         unbake_finish() then return UNBAKE_EWRITE).
 */
typedef int (*unbake_write_fn)(void *user, const char *data, size_t len);

/**
 * Start a new stream, discarding any unfinished one.  Options and callbacks
 * are kept; what the stream so far said about the text (a text whose lines
 * were all clean needs stronger evidence for a repair) is not.
 * @param write output sink, must not be NULL.
 */
UNBAKE_API int unbake_begin(unbake_ctx *ctx, unbake_write_fn write, void *user);

/**
 * Feed the next chunk of input.  Output is identical whatever the chunk
 * boundaries.  At most UNBAKE_WINDOW bytes of (UTF-8) text are held back,
 * plus, in auto mode, the first 64 KiB of the stream until its encoding is
 * decided.
 * @return UNBAKE_OK or a negative code; after an error the stream must be
 *         restarted with unbake_begin().
 */
UNBAKE_API int unbake_push(unbake_ctx *ctx, const void *data, size_t len);

/**
 * End the stream: flush everything held back.
 * @return the number of runs changed in the whole stream, or a negative code.
 */
UNBAKE_API long unbake_finish(unbake_ctx *ctx);

/**
 * The largest amount of input the stream holds back, in bytes.  Input is
 * decided a line at a time; a line longer than this is cut into pieces of
 * at most this size, after an ASCII character that no run spans where
 * there is one, else before a character that would start a UTF-8 sequence
 * under windows-1252 or windows-1251.  Each piece is decided on its own.
 */
#define UNBAKE_WINDOW (64u * 1024u)

/* ---------------------------------------------------------------------- */
/* Source encoding and codecs                                              */
/* ---------------------------------------------------------------------- */

/**
 * Set the encoding of the input.  NULL or "auto" (the default): UTF-8,
 * UTF-16 and UTF-32 are recognised by their byte order marks or NUL
 * patterns, a stream that is mostly not UTF-8 is identified with uchardet
 * and transcoded, and isolated legacy bytes inside UTF-8 are decoded run by
 * run.  Any other name forces that encoding: a codec of
 * unbake_codec_name() or any converter name ICU knows.  The output is
 * UTF-8 either way; report offsets count bytes of the UTF-8 text.
 * @return UNBAKE_OK, UNBAKE_ECODEC for an unknown name, UNBAKE_ENOMEM, or
 *         UNBAKE_ESTATE while a stream is in progress.
 */
UNBAKE_API int unbake_ctx_set_from(unbake_ctx *ctx, const char *codec);

/**
 * What the input stage decided for the current (or last) stream, e.g.
 * "utf-8", "utf-16le (BOM)", "windows-1251 (uchardet)", "gbk (forced)".
 * @return a string valid until the next call on ctx; never NULL.
 */
UNBAKE_API const char *unbake_input_encoding(const unbake_ctx *ctx);

/** @return the number of codecs the detector knows: the single-byte ones,
 *          then the multibyte (CJK) ones. */
UNBAKE_API int unbake_codec_count(void);

/**
 * @param index 0 .. unbake_codec_count()-1.
 * @return the codec's canonical name (e.g. "windows-1252"), or NULL.
 */
UNBAKE_API const char *unbake_codec_name(int index);

/* ---------------------------------------------------------------------- */
/* Unstable API: may change in any release                                 */
/* ---------------------------------------------------------------------- */

#ifdef UNBAKE_STATIC_LINKING_ONLY
/**
 * Work counter: the number of elementary steps (characters examined,
 * candidates expanded) the detector has taken since unbake_ctx_new().  For
 * tests that bound the work per input byte without timing anything.
 */
UNBAKE_API unsigned long long unbake_ctx_steps(const unbake_ctx *ctx);
#endif

#ifdef __cplusplus
}
#endif
#endif /* UNBAKE_H */
