/*
 * model_blob.S -- embed models/unbake.lm (the character language model) in
 * the library's read-only data.  model.c reads it through ub_lm_blob_start
 * and ub_lm_blob_end; the symbols are hidden, not part of the ABI.
 * Regenerate the model with `make models` (see docs/model.md).
 */
    .section .rodata.ub_lm_blob,"a",@progbits
    .balign 64
    .globl ub_lm_blob_start
    .hidden ub_lm_blob_start
    .type ub_lm_blob_start, @object
ub_lm_blob_start:
    .incbin "models/unbake.lm"
    .globl ub_lm_blob_end
    .hidden ub_lm_blob_end
    .type ub_lm_blob_end, @object
ub_lm_blob_end:
    .byte 0
    .size ub_lm_blob_start, ub_lm_blob_end - ub_lm_blob_start

    .section .note.GNU-stack,"",@progbits
