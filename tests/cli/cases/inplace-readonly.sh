# A read-only file is skipped unless --force, which keeps it read-only.
printf "Une idÃ©e trÃ¨s simple.\n" > ro.txt
chmod 444 ro.txt
unbake -i ro.txt
cat ro.txt
unbake -i --force ro.txt
cat ro.txt
stat -c %a ro.txt
