# More than ten failures: the first ten, then a count.
for i in $(seq 1 15); do printf "Ж\n"; done > a.txt
unbake roundtrip --via=iso-8859-1 a.txt | tail -n 2
echo "exit ${PIPESTATUS[0]}"
