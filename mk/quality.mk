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

# `make update-baselines`: rewrite tests/baseline/{peer,garble}.txt from
# today's engine; only shrinks the known failures and raises the floors
# (see tests/README.md).  For an accepted regression, run
# `bash tests/update-baselines.sh --allow-regression` and say why in the
# commit message.
.PHONY: update-baselines
update-baselines: EXTRA_CFLAGS += -Werror
update-baselines: $(B)/unbake $(B)/tests/peer $(B)/tests/garble
	bash tests/update-baselines.sh --no-build $(B)
