# A missing file is reported by name; the other files are still done; exit 1.
printf "one\n" > a.txt
printf "two\n" > b.txt
unbake a.txt missing.txt b.txt
