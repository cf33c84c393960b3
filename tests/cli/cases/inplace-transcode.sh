# -i and -r rewrite a file whose output differs from it, repairs or not: a
# legacy or UTF-16 file becomes UTF-8, --strip-bom drops a byte order
# mark; --dry-run says so; files that would not change are not touched.
printf 'Привет, мир! Съешь же ещё этих мягких французских булок.\n' > want-ru.txt
iconv -f UTF-8 -t WINDOWS-1251 want-ru.txt > ru.txt
printf 'Le caf\303\203\302\251 est ferm\303\203\302\251.\n' | iconv -f UTF-8 -t UTF-16 > u16.txt
printf '\357\273\277hello\n' > bom.txt
printf 'plain\n' > plain.txt
unbake -n ru.txt u16.txt bom.txt plain.txt
unbake -n --strip-bom bom.txt
touch -d '2001-01-01 00:00:00' plain.txt bom.txt
unbake -i ru.txt u16.txt bom.txt plain.txt
echo "exit $?"
cmp ru.txt want-ru.txt && echo "ru.txt: now UTF-8"
cat u16.txt
od -An -c bom.txt
date -r plain.txt +%Y
date -r bom.txt +%Y
unbake -i --strip-bom bom.txt
od -An -c bom.txt
