# make install DESTDIR=... PREFIX=/usr puts every file in place -- the
# tool, the static and the shared library with its soname link, the
# header, unbake.pc with the right prefix, the manual pages, the bash
# completion -- and a small program builds against the installed header
# and unbake.pc, shared and static, and runs; make uninstall removes it all.
dest=$PWD/dest
# The build under test, from a make of its own (not the one running us).
run_make() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$ROOT" B="$BUILD" \
        DESTDIR="$dest" PREFIX=/usr "$@" > make.log 2>&1 || { cat make.log; exit 1; }
}
run_make install
(cd "$dest" && find . -mindepth 1 \( -type f -o -type l \) -printf '%m %p %l\n' | LC_ALL=C sort)
readelf -d "$dest/usr/lib/libunbake.so.0" | grep -o 'soname: \[.*\]'
grep -E '^(prefix|libdir|includedir)=' "$dest/usr/lib/pkgconfig/unbake.pc"
cmp "$dest/usr/include/unbake.h" "$ROOT/include/unbake.h" && echo "header: same"
"$dest/usr/bin/unbake" --version | grep -qF "unbake $(PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig pkg-config --modversion unbake)" &&
    echo "pkg-config version: the tool's"
MANWIDTH=80 man -l "$dest/usr/share/man/man1/unbake.1" 2>/dev/null | grep -q 'INPUT ENCODINGS' && echo "unbake.1: reads"

. "$ROOT/tests/cli/cases/sanitizer.inc"
cat > prog.c <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbake.h>

int main(void)
{
    static const char in[] = "Le caf\xc3\x83\xc2\xa9 est ferm\xc3\x83\xc2\xa9.\n";
    unbake_ctx *ctx = unbake_ctx_new();
    char *out = NULL;
    size_t n = 0;
    long runs = ctx ? unbake_fix_buffer(ctx, in, sizeof in - 1, &out, &n) : -1;
    if (runs < 0)
        return 1;
    printf("%ld runs, library version %s the header's: %s", runs,
           strcmp(unbake_version_string(), UNBAKE_VERSION_STRING) ? "differs from" : "is", out);
    free(out);
    unbake_ctx_free(ctx);
    return unbake_version() == UNBAKE_VERSION_NUMBER ? 0 : 1;
}
C
export PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_PATH=$dest/usr/lib/pkgconfig
# shared: the installed libunbake.so, found through unbake.pc
$cc -std=c11 -Wall -Wextra -Werror $san prog.c $(pkg-config --cflags --libs unbake) -o prog-shared || exit 1
LD_LIBRARY_PATH=$dest/usr/lib ./prog-shared
LD_LIBRARY_PATH=$dest/usr/lib ldd ./prog-shared | grep -q "=> $dest/usr/lib/libunbake.so.0 " &&
    echo "prog-shared: runs with the installed libunbake.so.0"
# static: the installed libunbake.a with the private dependencies of unbake.pc
libs=$(pkg-config --static --libs unbake | sed "s|-lunbake|$dest/usr/lib/libunbake.a|")
$cc -std=c11 -Wall -Wextra -Werror $san prog.c $(pkg-config --cflags unbake) $libs -o prog-static || exit 1
./prog-static
ldd ./prog-static | grep -q libunbake || echo "prog-static: no libunbake.so needed"

run_make uninstall
find "$dest" \( -type f -o -type l \) | wc -l
