# Empty input gives empty output.
: > empty.txt
unbake empty.txt < /dev/null | wc -c
unbake < /dev/null | wc -c
