# A file with several hard links is skipped with a warning, unless --force.
printf "Une idÃ©e trÃ¨s simple.\n" > a.txt
ln a.txt b.txt
unbake -i a.txt
echo "exit $?"
cat a.txt
unbake -i --force a.txt
echo "exit $?"
cat a.txt b.txt
