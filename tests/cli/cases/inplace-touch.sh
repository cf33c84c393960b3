# --touch gives a rewritten file the current time.
printf "Une idÃ©e trÃ¨s simple.\n" > a.txt
touch -d 2001-01-01 a.txt
unbake -i --touch a.txt
[ "$(stat -c %Y a.txt)" -gt 1000000000 ] && [ "$(stat -c %y a.txt | cut -c1-4)" != 2001 ] && echo touched
cat a.txt
