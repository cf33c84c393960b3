# mk/bench.mk -- `make bench`: deterministic inputs and the report of
# bench/run.sh (throughput, start-up, peak memory against cat and iconv).
#
#   make bench                        the full report (takes minutes)
#   make bench BENCH_RUNS=3 BENCH_STREAM_SIZE=256M
#
# Inputs (64 MiB each) are generated into $(B)/bench/ from the lines of
# fixtures/clean/*.txt, or from bench/gen.c's own word lists when there
# are none; they are rebuilt only when the generator or the sources change.

BENCH_SIZE ?= 64M
BENCH_SOURCES := $(sort $(wildcard fixtures/clean/*.txt))
BENCH_KINDS := ascii utf8 mojibake mixed10
BENCH_INPUTS := $(BENCH_KINDS:%=$(B)/bench/%.txt)
BENCH_TOOLS := $(B)/bench/gen $(B)/bench/runbench $(B)/bench/simdbench

$(B)/bench/gen: bench/gen.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS)

$(B)/bench/runbench: bench/runbench.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS)

$(B)/bench/simdbench: bench/simdbench.c $(B)/libunbake.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libunbake.a $(DEP_LIBS) $(LDFLAGS)

$(B)/bench/%.txt: $(B)/bench/gen $(BENCH_SOURCES)
	$(B)/bench/gen $* $(BENCH_SIZE) $(BENCH_SOURCES) > $@

bench-inputs: $(BENCH_INPUTS)

bench: all $(BENCH_TOOLS) $(BENCH_INPUTS)
	@BENCH_RUNS=$(BENCH_RUNS) bash bench/run.sh $(B)

BENCH_RUNS ?= 5

.PHONY: bench-inputs
