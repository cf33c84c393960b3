# --explain: each repair on stderr as FILE:LINE:COL, the text before and
# after, the hypothesis, its score and the round-trip check; stdout is the
# repaired text as without --explain.
printf "first line, clean\nsecond: naïve café, clean too\nthird: Le cafÃ© est fermÃ© tout lâ€™Ã©tÃ©.\n" > in.txt
unbake --explain in.txt
unbake in.txt | cmp - <(unbake --explain in.txt 2>/dev/null) && echo same
