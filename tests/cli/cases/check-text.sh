# unbake check: FILE:LINE:COL: HYPOTHESIS: SNIPPET -> FIX for each mojibake
# run and each invalid UTF-8 run; exit 1 when something is found.
printf "clean line\nLe cafÃ© est fermÃ©.\nbad bytes: caf\351 \377 ok\n" > a.txt
unbake check a.txt
echo "exit $?"
