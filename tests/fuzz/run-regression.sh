#!/usr/bin/env bash
# run-regression.sh -- replay fixtures/fuzz/NAME/* through BUILD_DIR/fuzz/NAME-replay
# for every fuzz target tests/fuzz/fuzz_NAME.c (built by `make check`).
#
# Usage: bash tests/fuzz/run-regression.sh [BUILD_DIR]     (default: build)
#
# Prints each target's result and ends with the total "N passed, N failed"
# (one count per input file; a target whose replay binary is missing counts
# as one failure).  Exit status 0 only when nothing failed.

set -u
B=${1:-build}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2

pass=0
fail=0
for src in tests/fuzz/fuzz_*.c; do
    name=${src#tests/fuzz/fuzz_}
    name=${name%.c}
    bin=$B/fuzz/$name-replay
    dir=fixtures/fuzz/$name
    if [ ! -x "$bin" ]; then
        echo "$name: FAIL: $bin is missing (run make check)"
        fail=$((fail + 1))
        continue
    fi
    if [ ! -d "$dir" ]; then
        echo "$name: FAIL: no seed corpus $dir"
        fail=$((fail + 1))
        continue
    fi
    out=$("$bin" "$dir" 2>&1)
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        printf '%s\n' "$out" | tail -n 20
        echo "$name: FAIL: the replay driver printed no summary"
        fail=$((fail + 1))
        continue
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    # Failing inputs, with the invariant or sanitizer report above them.
    [ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 40
    echo "$name: $p passed, $f failed"
    pass=$((pass + p))
    fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
