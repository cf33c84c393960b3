# --from forces the input encoding; without it UTF-16 is recognised by its
# BOM; --explain says how the input was read; an unknown name is a usage
# error.
printf 'caf\351 na\357ve\n' | unbake --from=windows-1252 --explain
printf '\377\376h\000\351\000\n\000' | unbake --explain
printf 'x\n' | unbake --from=no-such-codec
echo "exit $?"
