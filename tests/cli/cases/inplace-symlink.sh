# A symbolic link is skipped, unless --follow-symlinks: then its target is
# fixed in place and the link stays a link.
mkdir real
printf "Une idÃ©e trÃ¨s simple.\n" > real/t.txt
ln -s real/t.txt link.txt
unbake -i link.txt
echo "exit $?"
cat real/t.txt
unbake -i --follow-symlinks link.txt
echo "exit $?"
[ -L link.txt ] && echo "still a link"
cat real/t.txt
ls -A real
