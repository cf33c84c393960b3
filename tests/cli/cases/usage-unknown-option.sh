# An unknown option: one line and a hint on stderr, exit 1, nothing on stdout.
unbake --frobnicate file.txt
