"""An instance backed up while it runs, restored into a fresh data folder,
federates on as before: same actors, same keys, same tokens.

ann (instance A) posts and bea (B) follows her. ``warmline backup`` runs while
A serves; A stops; the backup is restored into an empty folder for the same
domain, and that server starts. ann's actor document has the key it had, B
keeps verifying her signed deliveries (a post reaches bea's home timeline),
and a new follower on B is accepted by the restored A.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import ServerProcess
from fedapi import Api, eventually, start_member

from server.urls import Urls

pytestmark = pytest.mark.slow

ACTIVITY_JSON = "application/activity+json"


async def public_key(session: aiohttp.ClientSession, actor: str) -> dict[str, str]:
    async with session.get(actor, headers={"Accept": ACTIVITY_JSON}) as resp:
        assert resp.status == 200, await resp.text()
        document = await resp.json(content_type=None)
    return {k: document["publicKey"][k] for k in ("id", "owner", "publicKeyPem")}


def stored_pem(proc: ServerProcess, key_id: str) -> str:
    """The public key ``proc`` keeps for ``key_id`` (what it verifies signatures with)."""
    with contextlib.closing(sqlite3.connect(proc.data / "warmline.sqlite3")) as conn:
        rows = conn.execute("SELECT public_pem FROM keys WHERE key_uri = ?", (key_id,)).fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])


async def test_a_restored_instance_federates_with_the_same_keys(
    server_process: Any, tmp_path: Path
) -> None:
    a, ann_token = start_member(server_process, "a", "ann")
    b, bea_token = start_member(server_process, "b", "bea")
    cal_made = b.cli("member", "create", "cal")
    assert cal_made.returncode == 0, cal_made.stderr
    cal_token = b.cli("token", "create", "cal").stdout.strip()
    backup = tmp_path / "a-backup.tar"
    async with aiohttp.ClientSession() as session:
        ann = Api(session, a.base_url, ann_token, f"ann@{a.domain}")
        bea = Api(session, b.base_url, bea_token, f"bea@{b.domain}")
        actor = Urls(a.base_url).actor("ann")
        key_before = await public_key(session, actor)
        ann_at_b = await bea.find(ann.handle)
        await bea.post(f"/api/v1/accounts/{ann_at_b['id']}/follow")

        async def following() -> bool:
            return bool((await bea.relationship(ann_at_b["id"]))["following"])

        await eventually(following, "A accepts bea's follow")
        await ann.post("/api/v1/statuses", json={"status": "Before the backup"})

        async def has(text: str) -> bool:
            return any(text in t for t in await bea.home_texts())

        await eventually(lambda: has("Before the backup"), "bea receives ann's first post")

        made = a.cli("backup", str(backup))  # while A serves
        assert made.returncode == 0, made.stderr
        assert made.stdout.startswith(f"backed up {a.domain} (sqlite, ")
        a.stop()

        restored = ServerProcess(a.port, tmp_path / "a-restored", a.config_file)
        done = restored.cli("restore", str(backup))
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"restored {backup} ({a.domain}, ")
        restored.start()
        try:
            assert await public_key(session, actor) == key_before
            assert stored_pem(b, key_before["id"]) == key_before["publicKeyPem"]

            # ann's token came back with the database; her post reaches bea,
            # signed with the same key B holds.
            await ann.post("/api/v1/statuses", json={"status": "After the restore"})
            await eventually(lambda: has("After the restore"), "bea receives ann's next post")

            # A new follower: B signs the Follow, the restored A signs the Accept.
            cal = Api(session, b.base_url, cal_token, f"cal@{b.domain}")
            ann_at_b_for_cal = await cal.find(ann.handle)
            await cal.post(f"/api/v1/accounts/{ann_at_b_for_cal['id']}/follow")

            async def cal_follows() -> bool:
                return bool((await cal.relationship(ann_at_b_for_cal["id"]))["following"])

            await eventually(cal_follows, "the restored A accepts cal's follow")
            followers = await ann.get(f"/api/v1/accounts/{await _own_id(ann)}/followers")
            assert {f["acct"] for f in followers} == {bea.handle, cal.handle}
            assert stored_pem(b, key_before["id"]) == key_before["publicKeyPem"]
        finally:
            restored.stop()


async def _own_id(api: Api) -> str:
    return str((await api.get("/api/v1/accounts/verify_credentials"))["id"])
