/*
 * words_blob.S -- embed models/unbake.words (the word lexicon) in
 * the library's read-only data.  lex.c reads it through ub_words_blob_start
 * and ub_words_blob_end; the symbols are hidden, not part of the ABI.
 * Regenerate it with `make models` (src/gen/gen_words.c).
 */
    .section .rodata.ub_words_blob,"a",@progbits
    .balign 64
    .globl ub_words_blob_start
    .hidden ub_words_blob_start
    .type ub_words_blob_start, @object
ub_words_blob_start:
    .incbin "models/unbake.words"
    .globl ub_words_blob_end
    .hidden ub_words_blob_end
    .type ub_words_blob_end, @object
ub_words_blob_end:
    .byte 0
    .size ub_words_blob_start, ub_words_blob_end - ub_words_blob_start

    .section .note.GNU-stack,"",@progbits
