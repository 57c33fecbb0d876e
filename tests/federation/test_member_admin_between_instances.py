"""Suspending and deleting a member with ``warmline member ...`` beside a running
server: the command only writes the database; the running server sends what it
queued, and a follower's instance sees the result."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually, start_member

pytestmark = pytest.mark.slow
AS2 = {"Accept": "application/activity+json"}


async def test_suspending_then_deleting_a_member_from_the_command_line(
    server_process: Any,
) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        alice_at_b = await bob.find(alice.handle)
        await bob.post(f"/api/v1/accounts/{alice_at_b['id']}/follow")

        async def following() -> bool:
            return (await bob.relationship(alice_at_b["id"]))["following"]

        await eventually(following, "alice accepted bob")
        await alice.post("/api/v1/statuses", data={"status": "Hello from A"})

        async def bob_sees_it() -> bool:
            return any("Hello from A" in text for text in await bob.home_texts())

        await eventually(bob_sees_it, "bob sees alice's post")

        done = a.cli("member", "suspend", "alice")
        assert (done.returncode, done.stdout.strip()) == (0, f"suspended @alice@{a.domain}")
        await alice.get("/api/v1/accounts/verify_credentials", status=401)
        async with session.get(f"{a.base_url}/users/alice", headers=AS2) as resp:
            assert resp.status == 200 and (await resp.json(content_type=None))["suspended"]
        assert a.cli("member", "unsuspend", "alice").returncode == 0
        await alice.get("/api/v1/accounts/verify_credentials")

        done = a.cli("member", "delete", "alice", "--yes")
        assert (done.returncode, done.stdout.strip()) == (0, f"deleted @alice@{a.domain}")

        async def bob_lost_her() -> bool:
            return not await bob_sees_it() and not await following()

        await eventually(bob_lost_her, "bob's instance applied the Delete of alice")
        async with session.get(f"{a.base_url}/users/alice", headers=AS2) as resp:
            assert resp.status == 410
        listed = a.cli("member", "list").stdout.splitlines()
        assert listed[1].split()[:4] == ["alice", "-", "-", "deleted"]
