# --explain on a lossy repair: the repair line says how bytes were lost, and
# a line per gap gives what was chosen (or marked) and the alternatives.
printf "He said â€œhello thereâ€? and left the cafÃ© early.\n" > in.txt
unbake --explain in.txt > /dev/null
unbake --explain --lossy=mark in.txt > /dev/null
