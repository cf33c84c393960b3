# --opt=value and --opt value are the same; good values are accepted.
printf "plain text\n" > in.txt
unbake --lossy=keep --min-confidence 0.5 --max-layers=2 --bias -1.5 --lossy mark in.txt
unbake --lossy fill --bias=0 in.txt
