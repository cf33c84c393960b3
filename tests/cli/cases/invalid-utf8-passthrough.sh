# Bytes that are not UTF-8 lose nothing: they either pass through unchanged
# or (legacy bytes) come out as valid UTF-8, each such repair explained on
# stderr; the ASCII around them, NUL bytes included, is kept as it is.
printf "caf\351 \377\376 ok\000 \300\200 \355\240\200 end" > in.bin
unbake --explain in.bin > out.bin 2> explain.txt
echo "exit $?"
if cmp -s in.bin out.bin; then
    echo "kept or valid UTF-8"
elif iconv -f UTF-8 -t UTF-8 out.bin > /dev/null 2>&1 && [ -s explain.txt ]; then
    echo "kept or valid UTF-8"
else
    echo "changed, but not into valid UTF-8 or without an explanation"
fi
LC_ALL=C tr -d '\200-\377' < in.bin > in.ascii
LC_ALL=C tr -d '\200-\377' < out.bin > out.ascii
cmp in.ascii out.ascii && echo "ASCII kept"
