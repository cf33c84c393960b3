# A directory we cannot write to: the error names the file, the original is
# intact and no temporary file is left.  (Run as root, a read-only directory
# is still writable, so the test uses a file-size limit instead to make the
# write of the fixed copy fail.)
printf "Une idÃ©e trÃ¨s simple.\n" > small.txt
yes "Une idÃ©e trÃ¨s simple, encore et encore." | head -c 300000 > big.txt
cp big.txt big.orig
(ulimit -f 100; unbake -i big.txt small.txt)
echo "exit $?"
cmp big.txt big.orig && echo "big.txt intact"
cat small.txt
ls -A
