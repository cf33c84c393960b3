# Output redirected onto the input file is refused; the file is untouched.
printf "Une idÃ©e.\n" > f.txt
cp f.txt orig.txt
unbake f.txt >> f.txt
echo "exit $?"
cmp f.txt orig.txt && echo untouched
