# -h is --help.
unbake -h | head -n 1
