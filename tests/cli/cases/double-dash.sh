# -- ends the options: a file may be called -q.
printf "Ã‰cole fermÃ©e demain matin.\n" > ./-q
unbake -- -q
