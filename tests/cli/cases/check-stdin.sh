# No PATH: standard input.
printf "x\nLe cafÃ© est fermÃ©.\n" | unbake check
echo "exit $?"
