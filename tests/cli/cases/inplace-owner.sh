# -i keeps the owner and group (this needs root to set up: CI runs as root).
printf "Une idÃ©e trÃ¨s simple.\n" > f.txt
chown 1234:5678 f.txt || { echo "cannot chown: run as root"; exit 1; }
chmod 604 f.txt
unbake -i f.txt
stat -c "%u:%g %a" f.txt
cat f.txt
