# The bash completion offers options per subcommand and option values.
. "$ROOT/completions/unbake.bash"
complete_words() {
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMPREPLY=()
    _unbake 2>/dev/null
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
    echo
}
complete_words unbake --lo
complete_words unbake check --fo
complete_words unbake --lossy=
complete_words unbake check --format=s
complete_words unbake ro
complete_words unbake roundtrip --v
complete_words unbake --from=gb
complete_words unbake check --from=shift
