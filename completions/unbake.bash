# bash completion for unbake                               -*- shell-script -*-
# Installed by `make install` as $(PREFIX)/share/bash-completion/completions/unbake.

_unbake()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -s || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local cmd=filter
    case ${words[1]-} in
        check) cmd=check ;;
        roundtrip) cmd=roundtrip ;;
    esac

    # Values of options.
    case $prev in
        --lossy) COMPREPLY=($(compgen -W 'fill mark keep' -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W 'text json sarif' -- "$cur")); return ;;
        --max-layers) COMPREPLY=($(compgen -W '1 2 3 4' -- "$cur")); return ;;
        --from) COMPREPLY=($(compgen -W "auto $(unbake --list-codecs 2>/dev/null)" -- "$cur")); return ;;
        --via) COMPREPLY=($(compgen -W "$(unbake roundtrip --list-codecs 2>/dev/null)" -- "$cur")); return ;;
        -j|--jobs|--min-confidence|--bias|--include|--exclude|--jsonl) return ;;
    esac
    case $cur in
        --lossy=*) COMPREPLY=($(compgen -W 'fill mark keep' -- "${cur#*=}")); return ;;
        --format=*) COMPREPLY=($(compgen -W 'text json sarif' -- "${cur#*=}")); return ;;
        --max-layers=*) COMPREPLY=($(compgen -W '1 2 3 4' -- "${cur#*=}")); return ;;
        --from=*) COMPREPLY=($(compgen -W "auto $(unbake --list-codecs 2>/dev/null)" -- "${cur#*=}")); return ;;
        --via=*) COMPREPLY=($(compgen -W "$(unbake roundtrip --list-codecs 2>/dev/null)" -- "${cur#*=}")); return ;;
    esac

    if [[ $cur == -* ]]; then
        local opts
        case $cmd in
            check) opts='--format= --include= --exclude= --follow-symlinks --lossy= --min-confidence=
                         --max-layers= --bias= --from= --quiet --verbose --help --version' ;;
            roundtrip) opts='--via= --list-codecs --quiet --verbose --help --version' ;;
            *) opts='--explain --lossy= --min-confidence= --max-layers= --bias= --strip-bom --from=
                     --list-codecs --jsonl= --in-place --recursive --include= --exclude= --jobs=
                     --dry-run --diff --backup --backup= --touch --force --follow-symlinks --names
                     --progress --no-progress --quiet --verbose --help --version' ;;
        esac
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    if [ "$cword" -eq 1 ]; then
        COMPREPLY=($(compgen -W 'check roundtrip' -- "$cur"))
    fi
    COMPREPLY+=($(compgen -f -- "$cur"))
    compopt -o filenames 2>/dev/null
}
complete -F _unbake unbake
