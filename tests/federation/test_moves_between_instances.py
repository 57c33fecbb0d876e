"""Moving an account from one real instance to another, as Mastodon does it.

alice on A is followed by bob (B) and by carol (A). She opens a new account
on B, names her old one among its aliases, and moves: B and A believe the
Move because the new account says so, bob and carol now follow the new
account, and the old one says where it went. A Move the target does not
confirm changes nothing.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually, start_member

pytestmark = pytest.mark.slow
ACCOUNT = "/api/v1/warmline/account"
AS2 = "application/activity+json"


def with_password(proc: Any, username: str, password: str) -> str:
    made = proc.cli("member", "create", username, "--password-stdin", stdin=password + "\n")
    assert made.returncode == 0, made.stderr
    token = proc.cli("token", "create", username, "--scopes", "read write follow")
    assert token.returncode == 0, token.stderr
    return token.stdout.strip()


async def test_a_member_moves_to_another_instance(server_process: Any) -> None:
    a, carol_token = start_member(server_process, "a", "carol")
    b, bob_token = start_member(server_process, "b", "bob")
    alice_token = with_password(a, "alice", "correct horse battery")
    new_token = with_password(b, "alicenew", "another good password")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        new = Api(session, b.base_url, new_token, f"alicenew@{b.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        carol = Api(session, a.base_url, carol_token, f"carol@{a.domain}")
        old_at_b = await bob.find(alice.handle)
        await bob.post(f"/api/v1/accounts/{old_at_b['id']}/follow")
        old_at_a = await carol.find("alice")
        await carol.post(f"/api/v1/accounts/{old_at_a['id']}/follow")

        async def bob_follows() -> bool:
            return (await bob.relationship(old_at_b["id"]))["following"]

        await eventually(bob_follows, "bob follows alice")

        # Not yet an alias: the move is refused, and a wrong password too.
        refused = await alice.post(
            f"{ACCOUNT}/move", status=422,
            json={"target": new.handle, "password": "correct horse battery"},
        )  # fmt: skip
        assert "aliases" in refused["error"]
        aliases = await new.post(f"{ACCOUNT}/aliases", json={"acct": alice.handle})
        old_uri = f"{a.base_url}/users/alice"
        assert aliases == [{"uri": old_uri}]
        assert await new.get(f"{ACCOUNT}/aliases") == [{"uri": old_uri}]
        actor = await session.get(f"{b.base_url}/users/alicenew", headers={"Accept": AS2})
        assert (await actor.json())["alsoKnownAs"] == [old_uri]
        await alice.post(
            f"{ACCOUNT}/move", status=403, json={"target": new.handle, "password": "wrong"}
        )

        moved = await alice.post(
            f"{ACCOUNT}/move", json={"target": new.handle, "password": "correct horse battery"}
        )
        assert moved["moved_to"]["acct"] == new.handle
        # The old actor says where it went; the API shows it as Mastodon does.
        actor = await session.get(f"{a.base_url}/users/alice", headers={"Accept": AS2})
        assert (await actor.json())["movedTo"] == f"{b.base_url}/users/alicenew"
        assert (await carol.get(f"/api/v1/accounts/{old_at_a['id']}"))["moved"]["acct"] == (
            new.handle
        )
        # carol (same server) follows the new account; bob (B) too, once B heard the Move.
        new_at_a = await carol.find(new.handle)
        assert (await carol.relationship(new_at_a["id"]))["following"] in (True, False)

        async def carol_follows_new() -> bool:
            return (await carol.relationship(new_at_a["id"]))["following"]

        await eventually(carol_follows_new, "B accepts carol's Follow of the new account")
        assert not (await carol.relationship(old_at_a["id"]))["following"]
        new_at_b = await bob.find(new.handle)

        async def bob_follows_new() -> bool:
            return (await bob.relationship(new_at_b["id"]))["following"]

        await eventually(bob_follows_new, "B moves bob's follow to the new account")
        assert not (await bob.relationship(old_at_b["id"]))["following"]
        assert (await bob.get(f"/api/v1/accounts/{old_at_b['id']}"))["moved"]["acct"] == "alicenew"


async def test_a_move_the_target_does_not_confirm_changes_nothing(server_process: Any) -> None:
    a, _ = start_member(server_process, "a", "carol")
    b, bob_token = start_member(server_process, "b", "bob")
    mallory_token = with_password(a, "mallory", "correct horse battery")
    async with aiohttp.ClientSession() as session:
        mallory = Api(session, a.base_url, mallory_token, f"mallory@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        at_b = await bob.find(mallory.handle)
        await bob.post(f"/api/v1/accounts/{at_b['id']}/follow")

        async def follows() -> bool:
            return (await bob.relationship(at_b["id"]))["following"]

        await eventually(follows, "bob follows mallory")
        # mallory tries to take bob's follow to bob's own account, which never named her.
        await mallory.post(
            f"{ACCOUNT}/move", status=422,
            json={"target": bob.handle, "password": "correct horse battery"},
        )  # fmt: skip
        assert (await bob.relationship(at_b["id"]))["following"]
