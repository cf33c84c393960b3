# -r fixes every text file of a tree: not binary files, not .git or .hg,
# not symbolic links; names with spaces and newlines are fine; a summary
# ends the run.
. "$ROOT/tests/cli/cases/tree-setup.inc"
unbake -r --exclude=node_modules t
echo "exit $?"
cat t/a.txt t/sub/crlf.txt "t/sub/name with spaces.txt"; echo
cat t/sub/deeper/new*line.txt t/clean.txt t/notes.md
cat t/.git/config t/.hg/hgrc t/node_modules/x.txt
od -An -c t/binary.dat | head -1 | tr -s " "
[ -L t/link.txt ] && echo "link kept"
find t -name ".*unbake*" | wc -l
