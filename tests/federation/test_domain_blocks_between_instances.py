"""An admin of one real instance suspends another, then lifts the block.

ann (instance A, its admin) and bea (B) follow each other. A's admin API
suspends B's host: bea's account on A is suspended and the follows end; what B
delivers is refused at A's door (B's queue records the 403 and gives up), A
sends nothing to B and will not look bea up. Lifting the block lets A find bea
again; the follows stay ended, as on Mastodon.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually, start_member

pytestmark = pytest.mark.slow

ADMIN_SCOPES = "read write follow admin:read admin:write"


def deliveries_to(server: Any, host: str) -> list[tuple[str, str, int | None]]:
    """(activity type, state, last status) of ``server``'s deliveries to ``host``."""
    with sqlite3.connect(f"file:{server.data / 'warmline.sqlite3'}?mode=ro", uri=True) as db:
        return db.execute(
            "SELECT a.type, d.state, d.last_status FROM deliveries d"
            " JOIN activities a ON a.id = d.activity_id WHERE d.host = ? ORDER BY d.id",
            (host,),
        ).fetchall()


async def test_a_suspended_instance_is_cut_off_and_let_back(server_process: Any) -> None:
    a, _ = start_member(server_process, "a", "ann")
    b, bea_token = start_member(server_process, "b", "bea")
    assert a.cli("member", "role", "ann", "admin").returncode == 0
    made = a.cli("token", "create", "ann", "--scopes", ADMIN_SCOPES)
    assert made.returncode == 0, made.stderr
    async with aiohttp.ClientSession() as session:
        ann = Api(session, a.base_url, made.stdout.strip(), f"ann@{a.domain}")
        bea = Api(session, b.base_url, bea_token, f"bea@{b.domain}")
        bea_at_a = await ann.find(bea.handle)
        ann_at_b = await bea.find(ann.handle)
        await ann.post(f"/api/v1/accounts/{bea_at_a['id']}/follow")
        await bea.post(f"/api/v1/accounts/{ann_at_b['id']}/follow")

        async def mutual() -> bool:
            seen = await ann.relationship(bea_at_a["id"])
            return bool(seen["following"] and seen["followed_by"])

        await eventually(mutual, "ann and bea follow each other, as A sees it")

        block = await ann.post(
            "/api/v1/admin/domain_blocks",
            json={"domain": b.domain, "severity": "suspend", "private_comment": "test"},
        )
        assert (block["domain"], block["severity"]) == (b.domain, "suspend")

        # On A: bea is suspended (404, as any suspended account) and cannot be looked up.
        await ann.call("GET", f"/api/v1/accounts/{bea_at_a['id']}", status=404)
        found = await ann.get(
            "/api/v2/search", params={"q": bea.handle, "resolve": "true", "type": "accounts"}
        )
        assert found["accounts"] == []

        # B's deliveries to A are refused at A's door, and B gives up on them.
        await bea.post("/api/v1/statuses", json={"status": f"Hello @{ann.handle}"})

        async def refused_at_a() -> bool:
            return ("Create", "dead", 403) in deliveries_to(b, a.domain)

        await eventually(refused_at_a, "A refuses bea's post with a 403")
        assert "mention" not in await ann.notification_types()

        # A sends B nothing: not ann's posts, not even the end of the follows.
        await ann.post("/api/v1/statuses", json={"status": "Not for B"})
        sent = deliveries_to(a, b.domain)
        assert all(kind in ("Follow", "Accept") for kind, _, _ in sent), sent

        await ann.call("DELETE", f"/api/v1/admin/domain_blocks/{block['id']}", status=200)
        again = await ann.find(bea.handle)
        assert again["id"] == bea_at_a["id"]
        seen = await ann.relationship(bea_at_a["id"])
        assert not seen["following"] and not seen["followed_by"]
