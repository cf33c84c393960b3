#!/usr/bin/env bash
# demo.sh BINARY -- show unbake repairing the bundled sample.
# Prints the damaged text, the repaired text, and what --explain says about
# each repair, then compares the result with the original text.
set -euo pipefail

bin=${1:-build/unbake}
here=$(cd "$(dirname "$0")/.." && pwd)
sample=$here/fixtures/demo/letter.txt
expected=$here/fixtures/demo/letter.expected.txt

if [ ! -x "$bin" ]; then
    echo "demo: $bin is not built; run 'make' first" >&2
    exit 1
fi

rule() { printf '\n== %s ==\n' "$1"; }

rule "before: fixtures/demo/letter.txt"
cat "$sample"

rule "after: unbake fixtures/demo/letter.txt"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$bin" "$sample" > "$out"
cat "$out"

rule "why: unbake --explain (on stderr)"
"$bin" --explain "$sample" 2>&1 >/dev/null | sed "s|$here/||"

rule "result"
if cmp -s "$out" "$expected"; then
    echo "all $(wc -l < "$expected") lines match the original text (fixtures/demo/letter.expected.txt)"
else
    echo "these lines differ from the original text:"
    diff "$expected" "$out" || true
fi
