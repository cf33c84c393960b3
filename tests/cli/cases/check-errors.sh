# A missing file is an error: exit 2 even when something was found.
printf "Le cafÃ© est fermÃ©.\n" > a.txt
unbake check a.txt missing.txt > /dev/null
echo "exit $?"
unbake check --format=xml a.txt
echo "exit $?"
