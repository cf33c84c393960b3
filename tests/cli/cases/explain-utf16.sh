# LINE:COL count the UTF-8 text the input was read as, not input bytes: the
# same damaged text gives the same positions in UTF-8, UTF-16LE (with and
# without a byte order mark), UTF-32BE and under --from=utf-16le, in
# --explain and in check, and the same repaired output.
printf 'line one\ncaf\303\203\302\251 ok\nna\303\203\302\257ve \303\203\302\251t\303\203\302\251\n' > u8.txt
iconv -f UTF-8 -t UTF-16LE u8.txt > le.txt
{ printf '\377\376'; cat le.txt; } > bom.txt
iconv -f UTF-8 -t UTF-32BE u8.txt > be32.txt
unbake u8.txt > want.txt
for f in u8.txt le.txt bom.txt be32.txt; do
    unbake --explain "$f" 2>&1 >/dev/null | sed 's/, score .*//'
    unbake "$f" | cmp -s - want.txt && echo "$f: same output"
done
unbake --explain --from=utf-16le le.txt 2>&1 >/dev/null | sed 's/, score .*//'
unbake check bom.txt
echo "exit $?"
