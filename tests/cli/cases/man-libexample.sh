# The EXAMPLES program of man/libunbake.3 compiles against the library and
# repairs its input.
MANWIDTH=100 man -l "$ROOT/man/libunbake.3" 2>/dev/null |
    sed -n '/^EXAMPLES/,/^SEE ALSO/p' | sed '1d;$d' | sed 's/^       //' > example.c
. "$ROOT/tests/cli/cases/sanitizer.inc"
$cc -std=c11 -Wall -Wextra -Werror $san -I"$ROOT/include" example.c "$BUILD/libunbake.a" \
    $(pkg-config --libs icu-uc uchardet) -lunistring -lm -o example || exit 1
printf 'Le cafÃ© est fermÃ©.\n' | ./example
