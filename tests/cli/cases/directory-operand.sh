# A directory is not a file to filter.
mkdir d
unbake d
