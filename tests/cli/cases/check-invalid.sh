# Bytes that are not UTF-8 are reported by check at their position (as
# invalid UTF-8, or as legacy bytes with the text they stand for).
printf "Le cafÃ© est fermÃ©.\nbad bytes: caf\351 ok\n" > a.txt
unbake check a.txt
echo "exit $?"
unbake check --format=json a.txt | jq -r 'select(.line == 2) | "\(.line):\(.column) \(.text)"'
