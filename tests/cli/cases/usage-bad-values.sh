# Every bad value is a usage error (exit 1) naming the value.
for a in --lossy=maybe --min-confidence=1.5 --min-confidence=nan --min-confidence=0x1 \
         --max-layers=0 --max-layers=5 --max-layers=99999999999999999999999 --max-layers=2x \
         --bias=21 --bias=-1e99; do
    printf "x\n" | unbake "$a"
    echo "exit $?"
done
