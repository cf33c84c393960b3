# -i rewrites only the files that change, atomically; keeps mode and times;
# leaves no temporary file; CRLF and a missing final newline are kept.
printf "Une idÃ©e trÃ¨s simple.\r\nDeux idÃ©es.\r\n" > crlf.txt
printf "sans fin de ligne: Ã©tÃ© dÃ©jÃ\302\240" > nofinal.txt
printf "déjà propre\n" > clean.txt
: > empty.txt
chmod 640 crlf.txt
touch -d "2020-02-02 02:02:02" crlf.txt clean.txt
ino_clean=$(stat -c %i clean.txt)
unbake -i crlf.txt nofinal.txt clean.txt empty.txt
echo "exit $?"
od -An -c crlf.txt | tr -s " "
od -An -c nofinal.txt | tr -s " "
stat -c "%a %y" crlf.txt | cut -c1-23
[ "$(stat -c %i clean.txt)" = "$ino_clean" ] && echo "clean.txt not rewritten"
wc -c < empty.txt
ls -A
