# A directory the user may not write to (EACCES): the error names the file
# and the reason, the original is intact, nothing is left behind.  Runs the
# tool as nobody through setpriv (CI runs as root).
mkdir d
printf "Une idÃ©e trÃ¨s simple.\n" > d/f.txt
cp d/f.txt orig.txt
chmod 666 d/f.txt
chmod 755 d
cd d
setpriv --reuid=65534 --regid=65534 --clear-groups unbake -i f.txt
echo "exit $?"
cd ..
cmp d/f.txt orig.txt && echo intact
ls -A d
