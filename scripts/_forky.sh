# Sourced by the scripts: CPython 3.14 for the newest Home Assistant (design.md section 5).
# The machines have CPython 3.13 only, and HA 2026.3+ needs 3.14.2+. Debian forky packages 3.14,
# so .venv-forky is a minimal forky root (debootstrap) with python3.14, and its virtualenvs live
# inside it (/opt/...). Commands run in it through a private mount namespace (unshare) and
# chroot, with /proc, /dev and the repository (at its own path) mounted: the mounts vanish when
# the command ends. Root is needed (sudo where the user is not root, as in GitHub's runners).
FORKY=.venv-forky
FORKY_MIRROR=${FORKY_MIRROR:-http://deb.debian.org/debian}

_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# forky_root: builds .venv-forky unless it is complete; a half-made root (an interrupted run)
# is made again from scratch.
forky_root() {
    if [ -f "$FORKY/.complete" ]; then
        echo "$FORKY is up to date ($(forky_run python3.14 --version))"
        return 0
    fi
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if ! command -v debootstrap >/dev/null || [ ! -f "$keyring" ]; then
        # On Ubuntu (GitHub's runners) Debian's keyring is a package of its own.
        echo "installing debootstrap and debian-archive-keyring (apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        local packages="debootstrap debian-archive-keyring"
        _as_root apt-get install -y -qq $packages >/dev/null 2>&1 \
            || { _as_root apt-get update -qq && _as_root apt-get install -y -qq $packages >/dev/null; }
    fi
    _as_root rm -rf "$FORKY" "$FORKY.partial"
    local log="${TMPDIR:-/tmp}/forky-setup.log"
    # Debootstrap releases older than forky have no script for it; forky is built as sid is.
    local script=/usr/share/debootstrap/scripts/forky
    [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
    echo "building $FORKY: debootstrap forky (a minute or two)"
    _as_root debootstrap --variant=minbase --keyring="$keyring" forky "$FORKY.partial" \
        "$FORKY_MIRROR" "$script" \
        >"$log" 2>&1 || { tail -20 "$log" >&2; return 1; }
    # The mirror's Release can be past its Valid-Until while still being the newest one.
    echo 'Acquire::Check-Valid-Until "false";' \
        | _as_root tee "$FORKY.partial/etc/apt/apt.conf.d/99valid-until" >/dev/null
    _as_root mv "$FORKY.partial" "$FORKY"
    echo "installing python3.14 in $FORKY (apt-get)"
    forky_run sh -c 'export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends \
            python3.14 python3.14-venv python3.14-dev ca-certificates' >>"$log" 2>&1 \
        || { tail -20 "$log" >&2; return 1; }
    # Home Assistant 2026.3+ wants 3.14.2 or newer (pip offers it to nothing older).
    forky_run python3.14 -c 'import sys; sys.exit(sys.version_info < (3, 14, 2))' \
        || { echo "error: $FORKY has $(forky_run python3.14 --version), not 3.14.2+" >&2; return 1; }
    _as_root touch "$FORKY/.complete"
    echo "$FORKY: $(forky_run python3.14 --version)"
}

# forky_run CMD [ARGS...]: runs CMD inside .venv-forky, in the repository's folder, with a
# clean environment (the host's pip configuration names folders that are not in the root).
# The repository and /tmp are the host's, at the same paths (a test's temporary folder or a
# --config of scripts/develop means the same inside and out). The host's name resolution and
# CA bundle are copied in first: without /etc/hosts, localhost is ::1 there and pytest-socket
# refuses it; without the CA bundle, pip cannot reach PyPI through an intercepting proxy.
forky_run() {
    _forky_command "$@" || return 1
    "${_FORKY_COMMAND[@]}"
}

# forky_exec CMD [ARGS...]: the same, replacing the shell (signals such as Ctrl-C reach CMD).
forky_exec() {
    _forky_command "$@" || return 1
    exec "${_FORKY_COMMAND[@]}"
}

_forky_command() {
    local root repo
    root=$(cd "$FORKY" && pwd) || return 1
    repo=$(pwd)
    _as_root cp /etc/hosts /etc/resolv.conf "$root/etc/"
    _as_root cp "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$root/etc/host-ca.crt"
    _FORKY_COMMAND=()
    [ "$(id -u)" = 0 ] || _FORKY_COMMAND=(sudo)
    # shellcheck disable=SC2016  # expanded by the inner shell
    _FORKY_COMMAND+=(unshare --mount --propagation private -- /bin/sh -ec '
        root=$1 repo=$2; shift 2
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        mount --bind /tmp "$root/tmp"
        mkdir -p "$root$repo"
        mount --bind "$repo" "$root$repo"
        exec chroot "$root" /usr/bin/env -i -C "$repo" HOME=/root LANG=C.UTF-8 \
            PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin TERM="${TERM:-dumb}" CI="${CI:-}" \
            PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-}" \
            PIP_CERT=/etc/host-ca.crt SSL_CERT_FILE=/etc/host-ca.crt \
            REQUESTS_CA_BUNDLE=/etc/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
            PIP_DEFAULT_TIMEOUT=180 "$@"
    ' sh "$root" "$repo" "$@")
}

# forky_venv DIR REQUIREMENTS: the virtualenv DIR (a path inside the root, e.g. /opt/ha) built
# with python3.14 from REQUIREMENTS (a file of the repository) unless it is up to date.
forky_venv() {
    local dir=$1 requirements=$2 want
    want=$(sha256sum "$requirements" | cut -d' ' -f1)
    # (bin/python links to the root's /usr/bin/python3.14: look for the venv's pyvenv.cfg.)
    if [ -f "$FORKY$dir/pyvenv.cfg" ] && [ "$(cat "$FORKY$dir/.requirements.sha256" 2>/dev/null)" = "$want" ]; then
        echo "$FORKY$dir is up to date"
        return 0
    fi
    echo "building $FORKY$dir from $requirements with python3.14"
    forky_run sh -ec '
        [ -x "$1/bin/python" ] || python3.14 -m venv "$1"
        "$1/bin/python" -m pip install --quiet --upgrade pip
        "$1/bin/python" -m pip install --quiet -r "$2"
        echo "$3" >"$1/.requirements.sha256"
    ' sh "$dir" "$requirements" "$want"
}
