#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/browser), without any browser download.
#
# Idempotent: does nothing when a Chromium is already on the machine. Installs through apt-get only
# when we are root on a Debian-like machine; otherwise it says what to do and exits 0, so that
# `make test` still runs (the browser tests then skip with a reason, except under CI=true where
# they fail loudly because no Chromium was found).
set -euo pipefail

find_chromium() {
    if [[ -n "${MOBILITY_NB_CHROMIUM:-}" && -x "${MOBILITY_NB_CHROMIUM}" ]]; then
        echo "${MOBILITY_NB_CHROMIUM}"
        return 0
    fi
    command -v chromium || command -v chromium-browser || return 1
}

if existing="$(find_chromium)"; then
    echo "install-chromium: found ${existing} ($("${existing}" --version 2>/dev/null || echo 'version unknown'))"
    exit 0
fi

if [[ "$(id -u)" != "0" ]] || ! command -v apt-get >/dev/null; then
    echo "install-chromium: no Chromium found and not root on a Debian machine;" \
        "install it with 'sudo apt-get install -y chromium' to run the browser tests." >&2
    exit 0
fi

echo "install-chromium: installing Debian's chromium with apt-get"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (another session, unattended upgrades) instead of failing at once.
apt_opts=(-o DPkg::Lock::Timeout=600 -q)
apt-get "${apt_opts[@]}" update
apt-get "${apt_opts[@]}" install -y chromium
echo "install-chromium: installed $(chromium --version)"
