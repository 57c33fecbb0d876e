"""masto.js, the JavaScript Mastodon client many apps are built on, against Warmline.

A real ``warmline serve`` process; the script (masto-js/run.mjs) looks up an
account, follows it, posts with a mention and a hashtag, favourites, bookmarks,
reads the home and hashtag timelines, searches, reads a thread, meets a 404,
and deletes its post, exactly as an app would.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def test_masto_js_uses_warmline(server_process: Any, masto_js: tuple[Path, Path]) -> None:
    node, script = masto_js
    proc = server_process("m")
    for username in ("alice", "bob"):
        assert proc.cli("member", "create", username).returncode == 0
    token = proc.cli("token", "create", "alice", "--scopes", "read write follow").stdout.strip()
    done = subprocess.run(
        [str(node), str(script), proc.base_url, token, "bob"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=script.parent,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["me"]["acct"] == "alice"
    assert seen["lookup"] == "bob" and seen["following"] is True
    assert seen["status"]["visibility"] == "public" and seen["status"]["tags"] == ["interop"]
    assert seen["favourited"] is True and seen["bookmarked"] is True
    assert seen["status"]["id"] in seen["home"]
    assert seen["tagged"] == [seen["status"]["id"]]
    assert seen["search"] == ["bob"]
    assert seen["context"] == {"ancestors": 0, "descendants": 0}
    assert seen["missing"]["status"] == 404
    assert seen["deleted"] is True
