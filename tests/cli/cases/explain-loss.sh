# --explain on U+FFFD that no repair explains (legacy text decoded as UTF-8
# with replacement before unbake saw it): the text is written unchanged and
# each U+FFFD is reported as a total loss, with the model's guesses.
printf 'Espa\357\277\275a es un pa\357\277\275s.\nclean line\n' > in.txt
unbake --explain in.txt
cmp in.txt <(unbake in.txt) && echo unchanged
