#!/usr/bin/env bash
# run-fuzz.sh -- run libFuzzer targets for a set time each (used by `make fuzz`).
#
# Usage: bash tests/fuzz/run-fuzz.sh FUZZ_BUILD_DIR SECONDS MAX_LEN NAME...
#
# Each target FUZZ_BUILD_DIR/fuzz/NAME-fuzzer starts from its seed corpus
# fixtures/fuzz/NAME/ (read only) plus FUZZ_BUILD_DIR/corpus/NAME/ (where
# new inputs are kept between runs).  Crash, leak, timeout and out-of-memory
# reproducers land in FUZZ_BUILD_DIR/artifacts/NAME-* and fail the run;
# slow units (over 10 s, under the 30 s timeout) land there too, are
# listed, and do not fail it.  Copy the ones worth
# keeping into fixtures/fuzz/NAME/ as regression seeds.  Prints a table of
# executions per target; the exit status is 0 only if no target failed.
#
# Environment: FUZZ_FLAGS  extra libFuzzer flags, e.g. "-fork=1
#              -ignore_crashes=1" to go on past crashes (each one is still
#              written to the artifacts directory).

set -u
FB=$1
secs=$2
maxlen=$3
shift 3
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2

mkdir -p "$FB/artifacts" "$FB/logs"
bad=0
summary=()
for name in "$@"; do
    bin=$FB/fuzz/$name-fuzzer
    corpus=$FB/corpus/$name
    mkdir -p "$corpus"
    seeds=()
    [ -d "fixtures/fuzz/$name" ] && seeds=("fixtures/fuzz/$name")
    log=$FB/logs/$name.log
    touch "$log.start"
    echo "== $name: ${secs}s"
    # -timeout: one input taking 30 s is a finding (the work per run must
    # stay linear); -rss_limit_mb: so is memory beyond 1 GB under ASan.
    "$bin" -max_total_time="$secs" -max_len="$maxlen" -timeout=30 -rss_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$FB/artifacts/$name-" ${FUZZ_FLAGS:-} \
        "$corpus" "${seeds[@]}" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    # fork mode prints no final stats: take the last "#N:" status line
    [ -z "$execs" ] && execs=$(sed -n 's/^#\([0-9][0-9]*\):.*/\1/p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
    # slow-unit-* files are inputs that took over -report_slow_units
    # seconds (10) without reaching -timeout: kept for a look, listed, but
    # no failure (their time depends on the machine's load)
    crashes=$(find "$FB/artifacts" -name "$name-*" ! -name "$name-slow-unit-*" \
              -newer "$log.start" 2>/dev/null | wc -l)
    slow=$(find "$FB/artifacts" -name "$name-slow-unit-*" -newer "$log.start" 2>/dev/null | wc -l)
    if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        bad=1
        grep -E 'ERROR|fuzz invariant|SUMMARY|Test unit written' "$log" | head -n 20
        status="FAILED (exit $rc, $crashes artifacts, see $log)"
    else
        status=ok
    fi
    [ "$slow" -gt 0 ] && status="$status ($slow slow: $(grep -o 'Slowest unit: [0-9]* s' "$log" | tail -n 1 | sed 's/Slowest unit: //'), $FB/artifacts/$name-slow-unit-*)"
    summary+=("$(printf '%-10s %12s execs %8s/s  %-10s %s' "$name" "${execs:-?}" "${speed:-?}" "${cov:-}" "$status")")
done
echo
echo "target          executions     speed  coverage   result"
printf '%s\n' "${summary[@]}"
exit $bad
