# --include limits -r to matching files; --exclude wins over it.
. "$ROOT/tests/cli/cases/tree-setup.inc"
unbake -q -r --include="*.txt" --exclude="crlf*" --exclude=node_modules t
cat t/a.txt t/notes.md t/sub/crlf.txt
