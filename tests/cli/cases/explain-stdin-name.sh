# Standard input is named "(standard input)" in --explain.
printf "\nUne idÃ©e trÃ¨s simple et claire.\n" | unbake --explain >/dev/null
