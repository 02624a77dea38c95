#!/usr/bin/env bash
# The Debian packages the test suite needs beyond Python: PostgreSQL's server binaries (initdb,
# pg_ctl) and headless Chromium, for the tracking-server tests (tests/tracking). `make test`
# runs this; it installs only what is missing (as root, or through sudo) and does nothing on a
# machine that has both. The tests fail, rather than skip, without them.
set -euo pipefail

apt_packages() {
    local missing=()
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null \
        || missing+=(postgresql)
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
        || missing+=(chromium)
    ((${#missing[@]})) || return 0
    if ! command -v apt-get >/dev/null; then
        echo "not a Debian system: install ${missing[*]} yourself" >&2
        return 0
    fi
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
    # Refresh the package lists only when they lack a candidate, or an install from them fails.
    if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
        "${apt[@]}" update -qq
    fi
    local install=("${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}")
    "${install[@]}" || { "${apt[@]}" update -qq && "${install[@]}"; }
}
apt_packages
