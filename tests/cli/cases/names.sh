# --names repairs file and directory names (contents untouched), a
# directory after its contents; --dry-run only lists; an existing name is
# never overwritten.
mkdir -p "d/RÃ©sumÃ©s"
printf "Ã©\n" > "d/RÃ©sumÃ©s/cafÃ© crÃ¨me.txt"
touch "d/ÐŸÑ€Ð¸Ð²ÐµÑ‚.txt" d/clean.txt "d/naïve.txt" "d/Ã©tÃ©.txt" "d/été.txt"
unbake --names -r -n d
find d | LC_ALL=C sort
unbake --names -r d
echo "exit $?"
find d | LC_ALL=C sort
cat "d/Résumés/café crème.txt"
