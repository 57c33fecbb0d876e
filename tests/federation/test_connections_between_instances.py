"""Connecting means following each other, between two real instances.

alice (A) asks bob (B, who approves followers by hand) to connect; bob
accepts. Each instance makes its own member follow the other, so bob's next
post reaches alice's home timeline, and alice's reaches bob's. When bob ends
the connection, the follows end both ways.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually, start_member

from tests.federation.test_network import connect

pytestmark = pytest.mark.slow
W = "/api/v1/warmline"


async def test_a_connection_brings_each_others_posts_home(server_process: Any) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    assert b.cli("member", "update", "bob", "--locked").returncode == 0
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        bob_at_a = await alice.find(bob.handle)
        alice_at_b = await bob.find(alice.handle)
        await connect(alice, bob, bob_at_a["id"])

        async def follow_each_other() -> bool:
            mine = await alice.relationship(bob_at_a["id"])
            theirs = await bob.relationship(alice_at_b["id"])
            return mine["following"] and mine["followed_by"] and theirs["following"]

        await eventually(follow_each_other, "alice and bob follow each other")
        assert await bob.get("/api/v1/follow_requests") == []  # the connection said yes
        assert "follow" not in await bob.notification_types()

        await bob.post("/api/v1/statuses", json={"status": "Hiring a Rust engineer in Lyon"})
        await alice.post("/api/v1/statuses", json={"status": "Speaking at PyCon next week"})

        async def arrived(api: Api, text: str) -> bool:
            return any(text in t for t in await api.home_texts())

        await eventually(lambda: arrived(alice, "Hiring a Rust engineer"), "bob's post at A")
        await eventually(lambda: arrived(bob, "Speaking at PyCon"), "alice's post at B")

        await bob.call("DELETE", f"{W}/connections/{alice_at_b['id']}")

        async def unfollowed() -> bool:
            mine = await alice.relationship(bob_at_a["id"])
            theirs = await bob.relationship(alice_at_b["id"])
            return not (mine["following"] or mine["followed_by"] or theirs["followed_by"])

        await eventually(unfollowed, "the follows end with the connection, both ways")
        assert await alice.get(f"{W}/connections") == []
