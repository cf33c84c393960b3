# quality.mk -- `make bench-quality`: recovery rates on lossy and legacy
# input (issues 3 and 4), measured by tests/tools/lossy_quality.c over the
# clean texts in fixtures/clean.  Informational: not part of `make check`.
#
#   make bench-quality                         default sample
#   make bench-quality QUALITY_ARGS='--max-units=0 --show=20'
#                                              every paragraph, show misses

QUALITY_DIR  ?= fixtures/clean
QUALITY_ARGS ?=

bench-quality: $(B)/tests/lossy_quality
	$(B)/tests/lossy_quality $(QUALITY_ARGS) $(QUALITY_DIR)
