# --from forces the input encoding; without it UTF-16 is recognised by its
# BOM; --explain says how the input was read; an unknown name is a usage
# error.
printf 'caf\351 na\357ve\n' | unbake --from=windows-1252 --explain
printf '\377\376h\000\351\000\n\000' | unbake --explain
printf 'x\n' | unbake --from=no-such-codec
echo "exit $?"
# JSON text is UTF-8 by definition: --from makes no sense with --jsonl.
printf '{"t":"x"}\n' | unbake --jsonl=t --from=windows-1251
echo "exit $?"
# --names with --from converts names from that encoding (as convmv does);
# names that are valid UTF-8 already are left alone.
mkdir d && touch "d/$(printf '\317\360\350\342\345\362').txt" d/мир.txt
unbake --names --from=windows-1251 -r d
ls d
