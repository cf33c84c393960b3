# UNBAKE_OPTIONS: bad values and options not allowed there are warned
# about and ignored; good ones apply; the command line wins.
printf "plain\n" > in.txt
UNBAKE_OPTIONS="--lossy=zz -i --max-layers=2 stray" unbake in.txt
echo "exit $?"
UNBAKE_OPTIONS="--max-layers=9" unbake --max-layers=1 in.txt
echo "exit $?"
