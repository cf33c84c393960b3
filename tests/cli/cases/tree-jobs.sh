# -j 4 gives the same result as -j 1.
. "$ROOT/tests/cli/cases/tree-setup.inc"
for i in $(seq 1 40); do printf "Ligne %d : idÃ©e trÃ¨s simple.\n" $i > t/sub/f$i.txt; done
cp -a t t1
unbake -q -r -j 4 t
unbake -q -r -j 1 t1
diff -r t t1 && echo same
cat t/sub/f7.txt
find t -name ".*unbake*" | wc -l
