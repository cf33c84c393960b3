#!/usr/bin/env bash
# run.sh BUILD_DIR [NAME...] -- the CLI golden tests.
#
# Each case is tests/cli/cases/NAME.sh, run with bash in a fresh scratch
# directory with BUILD_DIR first on PATH (so `unbake` is the one just built)
# and these variables set:
#   FIXTURES  the repository's fixtures/ directory
#   ROOT      the repository root
#   BUILD     BUILD_DIR (libunbake.a is there)
# Expectations sit beside the script; each one that exists is checked:
#   NAME.sh.exit          the exit status (default 0)
#   NAME.sh.stdout.exact  stdout, byte for byte
#   NAME.sh.stdout.glob   stdout as a bash glob ('*' also spans lines)
#   NAME.sh.stderr.exact  stderr, byte for byte
#   NAME.sh.stderr.glob   stderr as a bash glob
# In .glob files '*', '?', '[' and '\' are special: write \*, \?, \[, \\
# for the characters themselves.
# A case with no .stderr.* file must leave stderr empty.
# The last line printed is "N passed, N failed"; the exit status is 1 if any
# case failed.
set -uo pipefail

if [ $# -lt 1 ]; then
    echo "usage: tests/cli/run.sh BUILD_DIR [NAME...]" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$1" && pwd) || exit 2
shift
CASES=$ROOT/tests/cli/cases
if [ ! -x "$BUILD/unbake" ]; then
    echo "tests/cli: $BUILD/unbake is not built" >&2
    exit 2
fi

if [ $# -gt 0 ]; then
    names=("$@")
else
    names=()
    for f in "$CASES"/*.sh; do
        n=${f##*/}
        names+=("${n%.sh}")
    done
fi

scratch_root=$(mktemp -d "${TMPDIR:-/tmp}/unbake-cli.XXXXXX")
trap 'chmod -R u+w "$scratch_root" 2>/dev/null; rm -rf "$scratch_root"' EXIT

pass=0
fail=0
for name in "${names[@]}"; do
    script=$CASES/$name.sh
    dir=$scratch_root/$name
    mkdir -p "$dir"
    (
        cd "$dir" &&
        env -u UNBAKE_OPTIONS PATH="$BUILD:$PATH" LC_ALL=C.UTF-8 \
            FIXTURES="$ROOT/fixtures" ROOT="$ROOT" BUILD="$BUILD" \
            bash "$script" > "$scratch_root/$name.out" 2> "$scratch_root/$name.err" < /dev/null
    )
    status=$?
    why=()
    want_exit=0
    [ -f "$script.exit" ] && want_exit=$(cat "$script.exit")
    [ "$status" = "$want_exit" ] || why+=("exit status $status, expected $want_exit")

    for stream in stdout stderr; do
        got=$scratch_root/$name.${stream:3:3}
        if [ -f "$script.$stream.exact" ]; then
            if ! cmp -s "$script.$stream.exact" "$got"; then
                why+=("$stream differs:")
                why+=("$(diff -u "$script.$stream.exact" "$got" | head -40)")
            fi
        elif [ -f "$script.$stream.glob" ]; then
            pattern=$(cat "$script.$stream.glob"; printf x)
            pattern=${pattern%x}
            actual=$(cat "$got"; printf x)
            actual=${actual%x}
            # shellcheck disable=SC2053
            if [[ "$actual" != $pattern ]]; then
                why+=("$stream does not match $name.sh.$stream.glob; it was:")
                why+=("$(head -c 3000 "$got")")
            fi
        elif [ "$stream" = stderr ] && [ -s "$got" ]; then
            why+=("unexpected stderr:")
            why+=("$(head -c 3000 "$got")")
        fi
    done

    if [ ${#why[@]} -eq 0 ]; then
        pass=$((pass + 1))
        echo "PASS $name"
    else
        fail=$((fail + 1))
        echo "FAIL $name"
        printf '    %s\n' "${why[@]}"
    fi
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
