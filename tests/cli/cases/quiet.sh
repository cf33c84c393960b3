# -q silences errors; the exit status still tells.
unbake -q missing.txt
