# A closing quote whose last byte (0x9D, undefined in windows-1252) was lost
# then replaced by '?': fill restores it, mark writes U+FFFD in its place,
# keep leaves the run;
# the lossless runs are repaired in every mode.
printf "He said â€œhello thereâ€? and left the cafÃ© early.\n" > in.txt
for m in fill mark keep; do unbake --lossy=$m in.txt; done
unbake --lossy=mark --min-confidence=0.5 in.txt
