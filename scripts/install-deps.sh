#!/usr/bin/env bash
# install-deps.sh -- install the Debian packages that building and testing
# unbake needs.  Idempotent: when everything is present it only checks
# (dpkg-query) and changes nothing; `apt-get update` runs only when
# something is missing.  Works as root, or through sudo otherwise.
set -euo pipefail

packages=(
    build-essential   # gcc, make, libc headers
    make
    pkg-config        # finds the libraries below
    libicu-dev        # codec tables and converters (ICU)
    libuchardet-dev   # whole-file legacy encoding detection
    libunistring-dev  # Unicode character properties
    libcmocka-dev     # unit tests
    libjansson-dev    # JSON: check --format=json/sarif, --jsonl, peer suite
    jq                # test scripts read JSON Lines
    valgrind          # memory checks in CI
    clang             # libFuzzer targets
    libclang-rt-dev   # libFuzzer and the sanitizer runtimes (only recommended by clang)
    libc-bin          # iconv(1), used to build test cases
    diffutils         # diff(1) in the CLI tests
    parallel          # GNU parallel: the scale-out recipes in docs/scale.md
    man-db            # man(1) and the man page checks
)

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        *" installed") ;;
        *) missing+=("$p") ;;
    esac
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: missing ${missing[*]}; run as root or install sudo" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
