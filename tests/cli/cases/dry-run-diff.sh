# --dry-run --diff prints a unified diff that patch(1) applies to give
# exactly what -i writes.
printf "line 1\nline 2\nUne idÃ©e trÃ¨s simple.\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\nDeux idÃ©es.\nsans fin: dÃ©jÃ\302\240" > f.txt
cp f.txt g.txt
unbake -n --diff f.txt > f.diff
cat f.diff
unbake -i g.txt
git apply --unsafe-paths f.diff && cmp f.txt g.txt && echo "patch gives the same file"
