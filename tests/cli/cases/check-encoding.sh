# check: a file that is not UTF-8 at all -- a legacy encoding, UTF-16 with
# or without a byte order mark -- is one finding at 1:1 (the filter would
# convert all of it), kind "encoding", before its runs of mojibake; a file
# with NULs that is not UTF-16/32 stays binary and is skipped.
printf 'Съешь же ещё этих мягких французских булок, да выпей чаю.\nПривет, мир!\n' |
    iconv -f UTF-8 -t WINDOWS-1251 > ru.txt
printf 'Le caf\303\203\302\251 est ferm\303\203\302\251.\n' | iconv -f UTF-8 -t UTF-16LE > le.txt
printf 'abc\000\001\002\003def\n' > bin.dat
unbake check ru.txt le.txt bin.dat
echo "exit $?"
unbake check --format=json ru.txt | jq -c '{line, column, kind, hypothesis, length}'
unbake check --format=sarif le.txt | jq -r '.runs[0].results[].ruleId'
unbake check bin.dat
echo "exit $?"
