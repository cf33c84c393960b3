# mk/mbcstables.mk -- the multibyte (CJK) codec tables, generated ahead of
# time from ICU by src/gen/gen_mbcs.c into the committed blob
# src/lib/mbcs_tables.bin, which src/lib/mbcs_blob.S embeds: the decoders
# (mbcs.c) and ICU's error lengths for the lossy reverse (mbcs_lossy_conv.c).
#
#   make tables-mbcs    regenerate src/lib/mbcs_tables.bin from the ICU of
#                       this machine (writes *.new, then moves it over);
#                       prints the ICU version and its Debian package
#
# Normal builds do not need the generator; test_mbcs compares the committed
# blob with what the installed ICU gives (and skips when the ICU version
# differs from the one recorded in the blob).

.PHONY: tables-mbcs

$(B)/gen/gen_mbcs: src/gen/gen_mbcs.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -std=c11 -D_GNU_SOURCE $(WARN) $(DEP_CFLAGS) -o $@ $< \
	    $(shell pkg-config --libs icu-uc)

tables-mbcs: $(B)/gen/gen_mbcs
	$(B)/gen/gen_mbcs src/lib/mbcs_tables.bin.new
	mv src/lib/mbcs_tables.bin.new src/lib/mbcs_tables.bin

# .incbin is invisible to -MMD: name the embedded blob explicitly.
$(B)/src/lib/mbcs_blob.o: src/lib/mbcs_tables.bin

# test_mbcs rebuilds the blob with the generator's own code.
$(B)/tests/test_mbcs: src/gen/gen_mbcs.c
