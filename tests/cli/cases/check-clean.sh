# A clean tree: nothing printed, exit 0.  Binary files and .git are not read.
mkdir -p t/.git t/sub
printf "déjà propre, naïve café, 東京\n" > t/a.txt
printf "caf\351\000 binary\n" > t/sub/b.bin
printf "Le cafÃ© est fermÃ©.\n" > t/.git/x.txt
unbake check t
echo "exit $?"
unbake check --format=json t
echo "exit $?"
