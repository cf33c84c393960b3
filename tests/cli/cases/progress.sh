# The progress line: off by default when stderr is not a terminal, on with
# --progress (redrawn with \r, cleared at the end), off with --no-progress.
mkdir t
for i in 1 2 3; do printf "Une idÃ©e trÃ¨s simple.\n" > t/f$i.txt; done
cp -a t t2
cp -a t t3
unbake -r -q t 2> off.err
unbake -r -q --progress t2 2> on.err
unbake -r -q --progress --no-progress t3 2> forced-off.err
wc -c < off.err
grep -c "unbake: 3/3 files" on.err
tr '\r' '\n' < on.err | tail -n 1 | tr -d ' ' | wc -c
wc -c < forced-off.err
