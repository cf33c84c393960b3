# The shell recipes of docs/scale.md (blocks after "<!-- test -->") fix a
# sample tree exactly as `unbake -r` does.
mk_tree() {
    mkdir -p "$1/sub dir/deeper" "$1/.git"
    for i in $(seq 1 30); do
        printf "Fichier %d : une idÃ©e trÃ¨s simple, Ã  la fin de lâ€™Ã©tÃ©.\n" "$i" > "$1/f$i.txt"
        printf "Fichier %d : dÃ©jÃ  vu.\r\n" "$i" > "$1/sub dir/g$i.txt"
    done
    printf "propre, déjà\n" > "$1/sub dir/deeper/clean.txt"
    printf "bin\000aire Ã©\n" > "$1/sub dir/blob.bin"
    printf "Une idÃ©e.\n" > "$1/.git/config"
    printf "Une idÃ©e.\n" > "$1/sub dir/deeper/name with
newline.txt"
}
mk_tree want
unbake -q -r want
awk '/^<!-- test -->$/ { grab = 1; next }
     grab && /^```sh$/ { inblock = 1; n++; next }
     inblock && /^```$/ { inblock = 0; grab = 0; next }
     inblock { print > ("recipe" n ".sh") }' "$ROOT/docs/scale.md"
n=0
for r in recipe*.sh; do
    [ -f "$r" ] || continue
    n=$((n + 1))
    rm -rf tree
    mk_tree tree
    if ! bash "$r" 2> err.txt; then
        echo "$r failed:"; cat "$r" err.txt
    fi
    diff -r tree want > /dev/null && echo "$r: same as unbake -r" || { echo "$r: differs"; cat "$r"; }
done
echo "$n recipes"
