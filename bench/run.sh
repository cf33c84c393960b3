#!/usr/bin/env bash
# run.sh -- the `make bench` report: throughput, start-up time and peak
# memory of unbake against cat and iconv, measured in the same run.
#
# Usage: bash bench/run.sh BUILD_DIR
#
# Expects (make bench builds them): BUILD_DIR/unbake, BUILD_DIR/bench/{gen,
# runbench,simdbench} and the 64 MiB inputs BUILD_DIR/bench/{ascii,utf8,
# mojibake,mixed10}.txt.
#
# Environment:
#   BENCH_RUNS         runs per command, best time kept (default 5)
#   BENCH_TIMEOUT      seconds allowed per command run (default 600)
#   BENCH_STREAM_SIZE  size of the piped stream for the memory check (2G)
#   BENCH_LINE_SIZE    size of the single-line input (200M)
#   BENCH_UNBAKE       the command measured (default BUILD_DIR/unbake)
#
# Ratios are time ratios: "x cat" 1.5 means unbake took 1.5 times as long
# as cat on the same input.  The machine is shared and noisy: compare
# ratios, not absolute numbers.

set -u
B=${1:-build}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
BB=$B/bench
runs=${BENCH_RUNS:-5}
tmo=${BENCH_TIMEOUT:-600}
stream_size=${BENCH_STREAM_SIZE:-2G}
line_size=${BENCH_LINE_SIZE:-200M}
read -r -a unbake <<< "${BENCH_UNBAKE:-$B/unbake}"

for f in "$BB/runbench" "$BB/gen" "${unbake[0]}"; do
    if [ ! -x "$f" ]; then
        echo "bench: $f is missing (run make bench)" >&2
        exit 2
    fi
done

# measure VAR RUNS ARGS...: runbench's best time and peak RSS into
# VAR_t / VAR_rss ("timeout" / "failed" when it did not finish).
measure() {
    local var=$1 n=$2 out rc
    shift 2
    out=$(timeout "$tmo" "$BB/runbench" -n "$n" "$@" 2>&1)
    rc=$?
    if [ $rc -eq 124 ]; then
        printf -v "${var}_t" '%s' timeout
        printf -v "${var}_rss" '%s' -
    elif [ $rc -ne 0 ]; then
        echo "bench: $*: $out" >&2
        printf -v "${var}_t" '%s' failed
        printf -v "${var}_rss" '%s' -
    else
        printf -v "${var}_t" '%s' "$(sed -n 's/.*best=\([0-9.]*\).*/\1/p' <<< "$out")"
        printf -v "${var}_rss" '%s' "$(sed -n 's/.*rss_kb=\([0-9]*\).*/\1/p' <<< "$out")"
    fi
}

is_num() { [[ $1 =~ ^[0-9.]+$ ]]; }
mbps() { is_num "$2" && awk -v b="$1" -v t="$2" 'BEGIN { printf "%.0f", b / t / 1e6 }' || echo "$2"; }
ratio() { is_num "$1" && is_num "$2" && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || echo -; }
mib() { is_num "$1" && awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }' || echo "$1"; }

echo "unbake bench: best of $runs runs, wall clock, output to /dev/null; $(nproc) cores"
echo "ratios are time(unbake) / time(other): lower is better, 1.00 = as fast"
echo
printf '%-10s %8s %9s %9s %9s %8s %8s %10s\n' input MiB 'cat MB/s' 'iconv' 'unbake' 'x cat' 'x iconv' 'peak RSS'
for kind in ascii utf8 mojibake mixed10; do
    in=$BB/$kind.txt
    bytes=$(stat -c %s "$in")
    measure cat "$runs" -i "$in" cat
    measure iconv "$runs" -i "$in" iconv -f UTF-8 -t UTF-8
    measure ub "$runs" -i "$in" "${unbake[@]}"
    printf '%-10s %8.0f %9s %9s %9s %8s %8s %10s\n' "$kind" "$((bytes >> 20))" \
        "$(mbps "$bytes" "$cat_t")" "$(mbps "$bytes" "$iconv_t")" "$(mbps "$bytes" "$ub_t")" \
        "$(ratio "$ub_t" "$cat_t")" "$(ratio "$ub_t" "$iconv_t")" "$(mib "$ub_rss")"
done

echo
small=$BB/small.txt
head -c 2048 "$BB/mixed10.txt" > "$small"
measure cat 200 -i "$small" cat
measure ub 200 -i "$small" "${unbake[@]}"
printf 'start-up on a 2 KiB file (best of 200): cat %s ms, unbake %s ms, x cat %s\n' \
    "$(is_num "$cat_t" && awk -v t="$cat_t" 'BEGIN { printf "%.2f", t * 1000 }' || echo "$cat_t")" \
    "$(is_num "$ub_t" && awk -v t="$ub_t" 'BEGIN { printf "%.2f", t * 1000 }' || echo "$ub_t")" \
    "$(ratio "$ub_t" "$cat_t")"

echo
measure ub 1 -g "$BB/gen stream $stream_size" "${unbake[@]}"
printf 'memory: %s piped stream (10%% mojibake lines): peak RSS %s, %s MB/s\n' \
    "$stream_size" "$(mib "$ub_rss")" "$(is_num "$ub_t" && mbps "$(numfmt --from=iec "$stream_size")" "$ub_t" || echo "$ub_t")"
measure ub 1 -g "$BB/gen longline $line_size" "${unbake[@]}"
printf 'memory: a single %s line: peak RSS %s, %s MB/s\n' \
    "$line_size" "$(mib "$ub_rss")" "$(is_num "$ub_t" && mbps "$(numfmt --from=iec "$line_size")" "$ub_t" || echo "$ub_t")"

if [ -x "$BB/simdbench" ]; then
    echo
    echo "chunk scans (library internals, in memory):"
    "$BB/simdbench" "$BB/ascii.txt" "$BB/utf8.txt" "$BB/mojibake.txt"
fi
