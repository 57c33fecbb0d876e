#!/usr/bin/env bash
# Installs the interop peer's dependencies (the Fedify peer and its own
# Node.js 22) from the committed package-lock.json. CI runs this before pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/npm_setup.sh tests/interop/fedify-peer interop
