# A flag given a value.
unbake --explain=yes
