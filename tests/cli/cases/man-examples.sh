# The EXAMPLES of man/unbake.1 do what the page says: each "$ command" of
# the first example block is run here, and what it prints must be the
# lines that follow it on the page.
MANWIDTH=200 man -l "$ROOT/man/unbake.1" 2>/dev/null |
    sed -n '/^EXAMPLES/,/^SEE ALSO/p' |
    awk 'started && /^$/ && n { exit } /^ *\$ / { started = 1 } started && NF { n++; print }' |
    sed 's/^ *//' > examples.txt
[ -s examples.txt ] || { echo "no examples found"; exit 1; }
cmds=0 bad=0
cmd=
expect=
run() {
    [ -n "$cmd" ] || return 0
    cmds=$((cmds + 1))
    got=$(bash -c "$cmd" 2>/dev/null)
    if [ "$got" != "$expect" ]; then
        bad=$((bad + 1))
        printf 'example "%s" printed:\n%s\ninstead of:\n%s\n' "$cmd" "$got" "$expect"
    fi
}
while IFS= read -r line; do
    case $line in
        '$ '*) run; cmd=${line#\$ }; expect= ;;
        *) expect=${expect:+$expect$'\n'}$line ;;
    esac
done < examples.txt
run
echo "$cmds examples, $bad wrong"
