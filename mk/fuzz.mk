# mk/fuzz.mk -- fuzz targets (tests/fuzz/fuzz_NAME.c), their replay
# without libFuzzer, and `make fuzz`.
#
#   make check        also builds $(B)/fuzz/NAME-replay for every target;
#                     tests/fuzz/run-regression.sh $(B) replays
#                     fixtures/fuzz/NAME/* through them
#   make fuzz         builds every target with clang and
#                     -fsanitize=fuzzer,address,undefined in $(FUZZ_B) and
#                     runs each for FUZZ_SECONDS (default 60) from its seed
#                     corpus fixtures/fuzz/NAME/; new inputs go to
#                     $(FUZZ_B)/corpus/NAME, crashes to $(FUZZ_B)/artifacts/
#   make fuzz FUZZ_TARGETS="buffer diff" FUZZ_SECONDS=600
#
# libFuzzer comes with clang's runtime (Debian: clang, libclang-rt-14-dev).

FUZZ_ALL := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SECONDS ?= 60
FUZZ_MAX_LEN ?= 4096
FUZZ_B ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SAN ?= -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LIB_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)

FUZZ_REPLAY := $(FUZZ_ALL:%=$(B)/fuzz/%-replay)
FUZZ_FUZZER := $(FUZZ_ALL:%=$(B)/fuzz/%-fuzzer)

.PHONY: fuzz fuzz-build fuzz-fuzzers fuzz-replay

# Replay binaries: the ordinary compiler and flags, no libFuzzer.
$(B)/fuzz/%-replay: tests/fuzz/fuzz_%.c tests/fuzz/regression_driver.c \
                    $(wildcard tests/fuzz/*.h) $(B)/libunbake.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/regression_driver.c \
	    $(B)/libunbake.a $(DEP_LIBS) $(LDFLAGS)

fuzz-replay: $(FUZZ_REPLAY)

check: $(FUZZ_REPLAY)

# libFuzzer binaries; meant to be built with B=$(FUZZ_B) CC=clang (below).
$(B)/fuzz/%-fuzzer: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(B)/libunbake.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -fsanitize=fuzzer -o $@ $< \
	    $(B)/libunbake.a $(DEP_LIBS) $(LDFLAGS)

fuzz-fuzzers: $(FUZZ_FUZZER)

# Objects built with other sanitizer flags are thrown away first.
fuzz-build:
	@mkdir -p $(FUZZ_B)
	@if [ "$$(cat $(FUZZ_B)/.flags 2>/dev/null)" != "$(FUZZ_CC) $(FUZZ_LIB_CFLAGS)" ]; then \
	    rm -rf $(FUZZ_B)/src $(FUZZ_B)/fuzz $(FUZZ_B)/libunbake.a; \
	    echo "$(FUZZ_CC) $(FUZZ_LIB_CFLAGS)" > $(FUZZ_B)/.flags; fi
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=$(FUZZ_CC) \
	    CFLAGS="$(FUZZ_LIB_CFLAGS)" LDFLAGS="$(FUZZ_SAN)" fuzz-fuzzers

fuzz: fuzz-build
	@bash tests/fuzz/run-fuzz.sh $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_MAX_LEN) $(FUZZ_TARGETS)
