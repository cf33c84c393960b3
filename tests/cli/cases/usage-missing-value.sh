# A value option at the end of the line.
unbake --lossy
