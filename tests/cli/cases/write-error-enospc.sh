# A full disk on stdout is reported and gives exit 1.
printf "hello\n" | unbake > /dev/full
