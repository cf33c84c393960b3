# --dry-run changes nothing and lists what would change on stdout.
. "$ROOT/tests/cli/cases/tree-setup.inc"
cp -a t t.orig
unbake -r --dry-run --exclude=node_modules t
echo "exit ${PIPESTATUS[0]}"
diff -r t t.orig && echo unchanged
