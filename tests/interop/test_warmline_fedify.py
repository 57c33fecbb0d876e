"""Warmline and an independent implementation (Fedify 2.3) federate both ways.

A real ``warmline serve`` process with member bob, and a Fedify peer with
actor alice, on loopback. Each follows the other, posts, and reacts; each
side's records show what really crossed the wire, signed and verified.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

TIMEOUT = 20.0


async def eventually(check: Callable[[], Awaitable[Any]], what: str) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while loop.time() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting until {what}")


class Bob:
    """Warmline member bob, through the Mastodon API."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str) -> None:
        self.session, self.base, self.token = session, base, token

    async def call(self, method: str, path: str, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.request(method, self.base + path, headers=headers, **kw) as resp:
            body = await resp.json(content_type=None)
            assert resp.status == 200, f"{method} {path}: {resp.status} {body}"
            return body


async def test_warmline_and_fedify_follow_post_and_react(
    server_process: Any, fedify_peer: Any
) -> None:
    warmline = server_process("w")
    assert warmline.cli("member", "create", "bob").returncode == 0
    token = warmline.cli("token", "create", "bob").stdout.strip()
    bob_actor = f"{warmline.base_url}/users/bob"

    async with aiohttp.ClientSession() as session:
        bob = Bob(session, warmline.base_url, token)

        # Warmline -> Fedify: bob finds alice by WebFinger and follows; Fedify accepts.
        found = await bob.call(
            "GET", "/api/v2/search", params={"q": fedify_peer.handle, "resolve": "true"}
        )
        (alice,) = found["accounts"]
        assert alice["acct"] == fedify_peer.handle and alice["uri"] == fedify_peer.actor_url
        await bob.call("POST", f"/api/v1/accounts/{alice['id']}/follow")
        await fedify_peer.wait_follower(bob_actor)

        async def following_alice() -> bool:
            rel = await bob.call(
                "GET", "/api/v1/accounts/relationships", params={"id[]": alice["id"]}
            )
            return rel[0]["following"]

        await eventually(following_alice, "Fedify's Accept reaches Warmline")

        # Fedify -> Warmline: alice posts to her followers; it lands in bob's home timeline.
        note = await fedify_peer.post("Hello from Fedify")

        async def in_home() -> Any:
            home = await bob.call("GET", "/api/v1/timelines/home")
            return next((s for s in home if s["uri"] == note["object"]), None)

        status = await eventually(in_home, "alice's note is in bob's home timeline")
        assert (
            "Hello from Fedify" in status["content"]
            and status["account"]["acct"] == fedify_peer.handle
        )

        # Fedify -> Warmline: alice follows bob (Warmline accepts at once).
        await fedify_peer.follow(f"bob@{warmline.domain}")
        await fedify_peer.wait_following(bob_actor)

        # Warmline -> Fedify: bob posts, mentioning alice; Fedify receives and verifies the Create.
        post = await bob.call(
            "POST", "/api/v1/statuses", data={"status": f"Hi @{fedify_peer.handle}!"}
        )
        create = await fedify_peer.wait_received(
            "Create", lambda a: a["object"] == post["uri"], within=TIMEOUT
        )
        assert create["actor"] == bob_actor and "Hi" in create["content"]
        assert create["signature"]  # Fedify verified our HTTP signature to get this far

        # Fedify -> Warmline: alice likes and boosts bob's post; bob is told.
        await fedify_peer.like(post["uri"], to=bob_actor)
        await fedify_peer.announce(post["uri"], to=bob_actor)

        async def bob_notified() -> Any:
            types = {n["type"] for n in await bob.call("GET", "/api/v1/notifications")}
            return {"follow", "favourite", "reblog"} <= types

        await eventually(bob_notified, "bob is notified of alice's follow, like and boost")
        shown = await bob.call("GET", f"/api/v1/statuses/{post['id']}")
        assert (shown["favourites_count"], shown["reblogs_count"]) == (1, 1)

        # Warmline -> Fedify: bob likes alice's note and then unfollows her.
        await bob.call("POST", f"/api/v1/statuses/{status['id']}/favourite")
        await fedify_peer.wait_received(
            "Like", lambda a: a.get("actor") == bob_actor, within=TIMEOUT
        )
        await bob.call("POST", f"/api/v1/accounts/{alice['id']}/unfollow")
        await fedify_peer.wait_received(
            "Undo", lambda a: a.get("actor") == bob_actor, within=TIMEOUT
        )
        assert await fedify_peer.errors() == []
