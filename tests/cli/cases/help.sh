# --help prints usage on stdout and exits 0.
unbake --help
