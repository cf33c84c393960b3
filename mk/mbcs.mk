# mbcs.mk -- `make bench-mbcs`: issue 4 per multibyte codec, measured by
# tests/tools/mbcs_quality.c over fixtures/clean (see the tool's header).
# Informational: not part of `make check`; `make bench-quality` runs it too.
#
#   make bench-mbcs                            default sample
#   make bench-mbcs MBCS_ARGS='--max-lines=0 --show=20'

MBCS_DIR  ?= fixtures/clean
MBCS_ARGS ?=

.PHONY: bench-mbcs
bench-mbcs: $(B)/tests/mbcs_quality
	$(B)/tests/mbcs_quality $(MBCS_ARGS) $(MBCS_DIR)

bench-quality: bench-mbcs
