#!/usr/bin/env bash
# Installs what the test suite needs beyond Python packages, on a fresh machine:
# PostgreSQL (the suite runs every database test on SQLite and on PostgreSQL,
# starting its own throwaway server), Debian's Chromium and axe-core (npm) for
# the browser tests, the Fedify interop peer and the masto.js client (npm).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

have_postgres() {
    command -v initdb >/dev/null || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
# The browser tests launch this binary (Playwright's executable_path): never a
# browser that Playwright would download.
have_chromium() {
    [[ -x /usr/bin/chromium ]]
}

# One apt-get run for all that is missing.
missing=()
have_postgres || missing+=(postgresql)
have_chromium || missing+=(chromium)
if (( ${#missing[@]} )); then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    if command -v apt-get >/dev/null; then
        echo "setup: installing ${missing[*]} with apt-get" >&2
        $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
fi
if ! have_postgres; then
    echo "setup: PostgreSQL could not be installed; its tests will be skipped" >&2
fi
if ! have_chromium; then
    echo "setup: Chromium could not be installed; the browser tests will be skipped" >&2
fi

bash tests/interop/setup.sh
bash tests/npm_setup.sh tests/clients/masto-js clients
bash tests/npm_setup.sh tests/browser/axe browser
