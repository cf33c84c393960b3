# --backup keeps the original as FILE~, --backup=SUF as FILE SUF.
printf "Une idÃ©e trÃ¨s simple.\n" > a.txt
printf "Deux idÃ©es.\n" > b.txt
unbake -i --backup a.txt
unbake -i --backup=.orig b.txt
cat a.txt a.txt~ b.txt b.txt.orig
