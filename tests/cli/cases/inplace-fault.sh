# Fault injection: kill `unbake -i` at random moments, many times.  After
# every kill each file must be either the original or the complete fixed
# version; after SIGTERM, SIGINT and SIGHUP no temporary file may be left
# (SIGKILL cannot be caught: there a stray temporary file is allowed, and
# removed before the next round).
mkdir orig want
for i in $(seq -w 1 16); do
    yes "Ligne $i : une idÃ©e trÃ¨s simple, Ã  la fin de lâ€™Ã©tÃ©." | head -c $((6000 + 1500 * 10#$i)) > orig/f$i.txt
    unbake orig/f$i.txt > want/f$i.txt
done
printf "déjà propre\n" > orig/clean.txt
cp orig/clean.txt want/clean.txt

# How long a whole run takes, to spread the kills over it.
rm -rf w; cp -a orig w
start=$(date +%s%N)
unbake -i -j 2 w/*.txt
total_us=$(( ($(date +%s%N) - start) / 1000 ))
diff -r w want > /dev/null && echo "an undisturbed run fixes everything"

signals=(TERM INT HUP KILL)
rounds=60 bad=0 fixed_seen=0 orig_seen=0
RANDOM=42
for r in $(seq 1 $rounds); do
    rm -rf w; cp -a orig w
    sig=${signals[$((r % 4))]}
    delay_us=$(( (RANDOM * 32768 + RANDOM) % (total_us + 1) ))
    unbake -i -j 2 w/*.txt &
    pid=$!
    sleep "$(printf '0.%06d' "$delay_us")" 2>/dev/null || sleep 0
    kill -s "$sig" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for f in orig/*.txt; do
        n=${f##*/}
        if cmp -s "w/$n" "orig/$n"; then
            orig_seen=$((orig_seen + 1))
        elif cmp -s "w/$n" "want/$n"; then
            fixed_seen=$((fixed_seen + 1))
        else
            echo "round $r (SIG$sig after ${delay_us}us): w/$n is neither original nor fixed"
            bad=$((bad + 1))
        fi
    done
    leftovers=$(find w -name '.*.unbake-*' | wc -l)
    if [ "$sig" != KILL ] && [ "$leftovers" -ne 0 ]; then
        echo "round $r (SIG$sig after ${delay_us}us): $leftovers temporary files left"
        bad=$((bad + 1))
    fi
done
echo "$rounds rounds: $bad problems"
# The kills must have landed both before and after some rewrites, or the
# test proved nothing.
[ "$orig_seen" -gt 0 ] && [ "$fixed_seen" -gt 0 ] && echo "kills hit before and after rewrites"
