# unbake -- repair mojibake.  See README.md.
#
#   make            build/unbake, build/libunbake.a, build/libunbake.so
#   make demo       install missing Debian packages, build, fix a sample
#   make check      build and run every test
#   make bench      throughput and memory against cat and iconv
#   make tables     regenerate src/lib/codec_tables.c and src/lib/mbcs_tables.bin from ICU
#   make install    PREFIX=/usr/local DESTDIR=

CC       ?= cc
CFLAGS   ?= -O2 -g
PREFIX   ?= /usr/local
DESTDIR  ?=
bindir   ?= $(PREFIX)/bin
libdir   ?= $(PREFIX)/lib
includedir ?= $(PREFIX)/include
mandir   ?= $(PREFIX)/share/man
man1dir  ?= $(mandir)/man1
man3dir  ?= $(mandir)/man3
pkgconfigdir ?= $(libdir)/pkgconfig
bashcompdir ?= $(PREFIX)/share/bash-completion/completions

B := build
VERSION := $(shell sed -n 's/^\#define UNBAKE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)/\2/p' include/unbake.h | paste -sd.)
# The soname tracks the ABI, not the API version.
ABI_VERSION := 0
SONAME := libunbake.so.$(ABI_VERSION)

PKGS := icu-uc uchardet
DEP_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
SYS_LIBS := -lunistring -lm
DEP_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(SYS_LIBS)
CLI_LIBS := $(shell pkg-config --libs jansson 2>/dev/null)
# build/unbake links ICU's common library, uchardet and the C++ runtime
# statically (their shared forms cost every start ~2 ms of binding; ICU's
# data stays in libicudata.so: see src/cli/icudata.c).  CLI_STATIC=0 links
# them as shared libraries, as the sanitizer builds do.
CLI_STATIC ?= 1
ifeq ($(CLI_STATIC),1)
CLI_DEP_LIBS := -Wl,-Bstatic -licuuc -luchardet -lstdc++ -Wl,-Bdynamic $(SYS_LIBS)
else
CLI_DEP_LIBS := $(DEP_LIBS)
endif

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
        -Wmissing-prototypes -Wvla -Wformat=2 -Wundef -Wwrite-strings
UB_CFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -Isrc/lib $(WARN) $(DEP_CFLAGS) \
             -fvisibility=hidden -fPIC -MMD -MP
ALL_CFLAGS = $(CFLAGS) $(UB_CFLAGS) $(EXTRA_CFLAGS)

LIB_C   := $(sort $(wildcard src/lib/*.c))
LIB_S   := $(sort $(wildcard src/lib/*.S))
CLI_C   := $(sort $(wildcard src/cli/*.c))
LIB_OBJ := $(LIB_C:%.c=$(B)/%.o) $(LIB_S:%.S=$(B)/%.o)
CLI_OBJ := $(CLI_C:%.c=$(B)/%.o)
UNIT_C  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_C:tests/unit/%.c=$(B)/tests/%)
TOOL_C  := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_C:tests/tools/%.c=$(B)/tests/%)

.DELETE_ON_ERROR:
.PHONY: all lib cli demo check test unit clitest peer install uninstall clean \
        tables bench bench-quality asan usan msan deps fuzz distcheck

all: $(B)/unbake $(B)/libunbake.a $(B)/$(SONAME) $(B)/libunbake.pc

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# .S files embed binary data (the language model) with .incbin.
$(B)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# .incbin is invisible to -MMD: name the embedded model explicitly.
$(B)/src/lib/model_blob.o: models/unbake.lm
$(B)/src/lib/words_blob.o: models/unbake.words

$(B)/libunbake.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/$(SONAME): $(LIB_OBJ)
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(DEP_LIBS) $(LDFLAGS)
	ln -sf $(SONAME) $(B)/libunbake.so

$(B)/unbake: $(CLI_OBJ) $(B)/libunbake.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) -o $@ $(CLI_OBJ) $(B)/libunbake.a $(CLI_DEP_LIBS) $(CLI_LIBS) $(LDFLAGS)

$(B)/libunbake.pc: libunbake.pc.in include/unbake.h
	@mkdir -p $(B)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@libdir@|$(libdir)|' \
	    -e 's|@includedir@|$(includedir)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# ---------------------------------------------------------------- tests
$(B)/tests/test_%: tests/unit/test_%.c $(B)/libunbake.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(B)/libunbake.a $(DEP_LIBS) \
	    $(shell pkg-config --libs cmocka jansson icu-uc) $(LDFLAGS)

$(B)/tests/%: tests/tools/%.c $(B)/libunbake.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(B)/libunbake.a $(DEP_LIBS) \
	    $(shell pkg-config --libs jansson icu-uc) $(LDFLAGS)

unit: $(UNIT_BIN)

# check: every test; tests/run-all prints the closing "N passed, N failed".
check: EXTRA_CFLAGS += -Werror
check: all $(UNIT_BIN) $(TOOL_BIN)
	@bash tests/run-all $(B)

test: check

# ---------------------------------------------------------------- setup
deps:
	@bash scripts/install-deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(B)/unbake

# ---------------------------------------------------------------- tables
# Regenerate the codec tables from ICU: write *.new, then copy over.
$(B)/gen/gen_codecs: src/gen/gen_codecs.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=c11 -Wall -Wextra $(DEP_CFLAGS) -o $@ $< $(shell pkg-config --libs icu-uc)

# The alphabets of the languages (CLDR exemplar characters) from ICU too.
$(B)/gen/gen_alphabets: src/gen/gen_alphabets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -std=c11 -Wall -Wextra $(DEP_CFLAGS) -o $@ $< $(shell pkg-config --libs icu-i18n icu-uc)

tables: $(B)/gen/gen_codecs $(B)/gen/gen_alphabets tables-mbcs
	$(B)/gen/gen_codecs > src/lib/codec_tables.c.new
	mv src/lib/codec_tables.c.new src/lib/codec_tables.c
	$(B)/gen/gen_alphabets > src/lib/alphabet_tables.c.new
	mv src/lib/alphabet_tables.c.new src/lib/alphabet_tables.c

# ---------------------------------------------------------------- sanitizers
# Instrumented code runs 3-10 times slower: a suite gets 900 s, not 300
# (tests/run-all's guard against hangs; the 100 MB adversarial inputs take
# minutes under ASan).
SAN_TIMEOUT ?= 900
asan: export UNBAKE_TEST_TIMEOUT = $(SAN_TIMEOUT)
usan: export UNBAKE_TEST_TIMEOUT = $(SAN_TIMEOUT)
msan: export UNBAKE_TEST_TIMEOUT = $(SAN_TIMEOUT)
asan:
	$(MAKE) B=build-asan CLI_STATIC=0 CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" check
usan:
	$(MAKE) B=build-usan CLI_STATIC=0 CFLAGS="-O1 -g -fsanitize=undefined -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=undefined" check
msan:
	$(MAKE) B=build-msan CLI_STATIC=0 CC=clang CFLAGS="-O1 -g -fsanitize=memory -fno-omit-frame-pointer" \
	    LDFLAGS="-fsanitize=memory" check

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir) \
	    $(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(man1dir) $(DESTDIR)$(man3dir)
	install -m 0755 $(B)/unbake $(DESTDIR)$(bindir)/unbake
	install -m 0644 $(B)/libunbake.a $(DESTDIR)$(libdir)/libunbake.a
	install -m 0755 $(B)/$(SONAME) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libunbake.so
	install -m 0644 include/unbake.h $(DESTDIR)$(includedir)/unbake.h
	install -m 0644 $(B)/libunbake.pc $(DESTDIR)$(pkgconfigdir)/unbake.pc
	install -m 0644 man/unbake.1 $(DESTDIR)$(man1dir)/unbake.1
	if [ -f man/libunbake.3 ]; then install -m 0644 man/libunbake.3 $(DESTDIR)$(man3dir)/libunbake.3; fi

uninstall:
	rm -f $(DESTDIR)$(bindir)/unbake $(DESTDIR)$(libdir)/libunbake.a \
	    $(DESTDIR)$(libdir)/$(SONAME) $(DESTDIR)$(libdir)/libunbake.so \
	    $(DESTDIR)$(includedir)/unbake.h $(DESTDIR)$(pkgconfigdir)/unbake.pc \
	    $(DESTDIR)$(man1dir)/unbake.1 $(DESTDIR)$(man3dir)/libunbake.3

clean:
	rm -rf build build-asan build-usan build-msan

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
-include $(wildcard mk/*.mk)
