# Sourced by the scripts: finds CPython 3.13 (pyenv keeps it off PATH on some machines).
find_python313() {
    local candidate
    for candidate in "${PYTHON313:-}" python3.13 "$HOME"/.pyenv/versions/3.13*/bin/python3.13 \
        /usr/local/bin/python3.13 /usr/bin/python3.13; do
        [ -n "$candidate" ] || continue
        if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "error: CPython 3.13 not found; set PYTHON313=/path/to/python3.13" >&2
    return 1
}

# make_venv DIR REQUIREMENTS [PIP ARGS...]: builds DIR from REQUIREMENTS unless it is up to date.
make_venv() {
    local dir=$1 requirements=$2
    shift 2
    local stamp="$dir/.requirements.sha256" want
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ -x "$dir/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        echo "$dir is up to date"
        return 0
    fi
    local python
    python=$(find_python313) || return 1
    echo "building $dir from $requirements with $python"
    [ -x "$dir/bin/python" ] || "$python" -m venv "$dir"
    # The machine's pip configuration names local indexes that may be absent: drop that noise.
    "$dir/bin/python" -m pip install --quiet --upgrade pip 2> >(grep -v "is ignored" >&2)
    "$dir/bin/python" -m pip install --quiet "$@" -r "$requirements" 2> >(grep -v "is ignored" >&2)
    echo "$want" >"$stamp"
}
