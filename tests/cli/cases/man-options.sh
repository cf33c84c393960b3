# man/unbake.1 documents every option that --help lists, and --help lists
# every option the man page documents.
unbake --help | grep -oE -- '--[a-z][a-z-]+' | sed 's/^--\[no-\]/--/' | sort -u > help.txt
for sub in check roundtrip; do unbake $sub --help | grep -oE -- '--[a-z][a-z-]+'; done | sort -u >> help.txt
sort -u -o help.txt help.txt
MANWIDTH=200 man -l "$ROOT/man/unbake.1" 2>/dev/null | grep -oE -- '--[a-z][a-z-]+' | grep -vx -- --opt | sort -u > man.txt
comm -23 help.txt man.txt | sed 's/^/only in --help: /'
comm -13 help.txt man.txt | sed 's/^/only in the man page: /'
echo "$(wc -l < help.txt) options compared"
