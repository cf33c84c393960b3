# unbake check: FILE:LINE:COL: HYPOTHESIS: SNIPPET -> FIX for each mojibake
# run; exit 1 when something is found.
printf "clean line\nLe cafÃ© est fermÃ©.\nnaïve, déjà, 東京\n  â€œquotedâ€\302\235 text\n" > a.txt
unbake check a.txt
echo "exit $?"
