#!/usr/bin/env bash
# valgrind.sh BUILD_DIR -- the tool under valgrind (memcheck) on a few
# inputs that take every path of the filter: clean and damaged UTF-8 (the
# demo sample), legacy bytes inside UTF-8, a whole legacy file, UTF-16 with
# and without a byte order mark, UTF-32, --from, --explain, check in every
# format, -i, --jsonl and --names.  `make valgrind` runs it; so does CI.
#
# A run fails when valgrind finds an error (invalid access, use of
# uninitialised memory, a definite leak) or when unbake's exit status is
# not the expected one.  The last line is "N passed, N failed".
set -uo pipefail

if [ $# -ne 1 ]; then
    echo "usage: tests/cli/valgrind.sh BUILD_DIR" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd) || exit 2
U=$BUILD/unbake
if ! command -v valgrind > /dev/null; then
    echo "valgrind.sh: valgrind is not installed (scripts/install-deps.sh)" >&2
    exit 2
fi
if [ ! -x "$U" ]; then
    echo "valgrind.sh: $U is not built" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/unbake-valgrind.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
export LC_ALL=C.UTF-8
unset UNBAKE_OPTIONS

# The inputs.
cp "$ROOT/fixtures/demo/letter.txt" letter.txt
printf 'caf\351 na\357ve \000 ok \342\202\254 \300\200 r\351sum\351 \377\376\n' > bytes.txt
printf 'Съешь же ещё этих мягких французских булок, да выпей чаю.\n' |
    iconv -f UTF-8 -t WINDOWS-1251 > legacy.txt
iconv -f UTF-8 -t UTF-16 letter.txt > utf16-bom.txt
iconv -f UTF-8 -t UTF-16LE letter.txt > utf16le.txt
iconv -f UTF-8 -t UTF-32BE letter.txt > utf32be.txt
printf '{"id":1,"text":"Le caf\303\203\302\251"}\n{"id":2}\n' > data.jsonl
mkdir names && touch "names/caf$(printf '\303\203\302\251').txt"
cp letter.txt inplace.txt

pass=0
fail=0
# run WANT_EXIT NAME ARGS...: unbake ARGS under valgrind
run() {
    local want=$1 name=$2
    shift 2
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --log-file="$name.vg" "$U" "$@" > "$name.out" 2> "$name.err" < /dev/null
    local rc=$?
    if [ "$rc" -eq "$want" ] && [ ! -s "$name.vg" ]; then
        pass=$((pass + 1))
        echo "PASS $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name: exit $rc (expected $want)"
        head -n 40 "$name.vg" "$name.err" | sed 's/^/    /'
    fi
}

run 0 filter letter.txt
run 0 explain --explain letter.txt bytes.txt legacy.txt
run 0 utf16 --explain utf16-bom.txt utf16le.txt utf32be.txt
run 0 from --from=windows-1251 --strip-bom legacy.txt
run 0 lossy-mark --lossy=mark --min-confidence=0.5 letter.txt
run 1 check-text check letter.txt bytes.txt legacy.txt utf16-bom.txt
run 1 check-json check --format=json letter.txt utf16le.txt
run 1 check-sarif check --format=sarif letter.txt bytes.txt
run 0 dry-run-diff -n --diff letter.txt legacy.txt
run 0 in-place -i --backup inplace.txt
run 0 jsonl --jsonl=text --explain data.jsonl
run 0 names --names -r names

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
