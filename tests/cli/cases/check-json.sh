# --format=json: one object per finding and line.
printf "Le cafÃ© est fermÃ©.\nclean\n" > a.txt
unbake check --format=json a.txt | jq -c "{file, line, column, kind, text, fix}"
