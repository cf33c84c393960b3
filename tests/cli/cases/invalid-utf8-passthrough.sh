# Bytes that are not UTF-8 inside UTF-8 text are read, run by run, as the
# legacy codec that reads best ("CODEC bytes, not utf-8"), each such
# conversion explained; the output is valid UTF-8, the ASCII around them
# (NUL bytes included) is kept, and valid UTF-8 between them is kept.
printf 'Un caf\351 \000 ok \342\202\254 \300\200 et un r\351sum\351 \377\376 fin\n' > in.bin
unbake --explain in.bin > out.bin 2> explain.txt
echo "exit $?"
iconv -f UTF-8 -t UTF-8 out.bin > /dev/null && echo "valid UTF-8"
sed -n 's/^unbake: in.bin:\([0-9]*:[0-9]*\): "\([^"]*\)" -> .* bytes, not utf-8, .*/\1 \2/p' explain.txt
grep -c 'round-trip ok' explain.txt
LC_ALL=C tr -d '\200-\377' < in.bin > in.ascii
LC_ALL=C tr -d '\200-\377' < out.bin > out.ascii
cmp in.ascii out.ascii && echo "ASCII and NUL kept"
grep -ac '€' out.bin
grep -ao 'caf. ' out.bin
