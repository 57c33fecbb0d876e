"""Three real Warmline instances on loopback, driven through the Mastodon API.

A (alice), B (bob) and C (carol, who approves followers by hand) follow each
other, post, reply, like, boost, edit, delete and unfollow; every step crosses
the network as a signed activity through the durable delivery queue, and each
side sees exactly what it should.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually, start_member

pytestmark = pytest.mark.slow


async def test_three_instances_follow_post_interact(server_process: Any) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    c, carol_token = start_member(server_process, "c", "carol")
    assert c.cli("member", "update", "carol", "--locked").returncode == 0

    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        carol = Api(session, c.base_url, carol_token, f"carol@{c.domain}")

        # Follows: alice <-> bob, alice -> carol (approved by hand), carol -> bob.
        bob_at_a = await alice.find(bob.handle)
        alice_at_b = await bob.find(alice.handle)
        carol_at_a = await alice.find(carol.handle)
        bob_at_c = await carol.find(bob.handle)
        await alice.post(f"/api/v1/accounts/{bob_at_a['id']}/follow")
        await bob.post(f"/api/v1/accounts/{alice_at_b['id']}/follow")
        await carol.post(f"/api/v1/accounts/{bob_at_c['id']}/follow")
        requested = await alice.post(f"/api/v1/accounts/{carol_at_a['id']}/follow")
        assert requested["requested"] is True and requested["following"] is False

        async def accepted(api: Api, account_id: str) -> bool:
            return (await api.relationship(account_id))["following"]

        await eventually(lambda: accepted(alice, bob_at_a["id"]), "bob accepted alice")
        await eventually(lambda: accepted(bob, alice_at_b["id"]), "alice accepted bob")
        await eventually(lambda: accepted(carol, bob_at_c["id"]), "bob accepted carol")

        async def carol_has_request() -> bool:
            return len(await carol.get("/api/v1/follow_requests")) == 1

        await eventually(carol_has_request, "carol sees alice's follow request")
        assert not await accepted(alice, carol_at_a["id"])
        (request,) = await carol.get("/api/v1/follow_requests")
        assert request["acct"] == alice.handle
        await carol.post(f"/api/v1/follow_requests/{request['id']}/authorize")
        await eventually(lambda: accepted(alice, carol_at_a["id"]), "carol approved alice")
        bob_id = (await bob.get("/api/v1/accounts/verify_credentials"))["id"]
        bob_followers = await bob.get(f"/api/v1/accounts/{bob_id}/followers")
        assert sorted(f["acct"] for f in bob_followers) == sorted([alice.handle, carol.handle])

        # Bob posts: his followers on A and C see it in their home timelines.
        post = await bob.post("/api/v1/statuses", data={"status": "Hello from B #warmline"})

        async def home_has(api: Api, text: str) -> bool:
            return any(text in t for t in await api.home_texts())

        await eventually(lambda: home_has(alice, "Hello from B"), "alice sees bob's post")
        await eventually(lambda: home_has(carol, "Hello from B"), "carol sees bob's post")
        at_a = (await alice.get("/api/v1/timelines/home"))[0]
        at_c = (await carol.get("/api/v1/timelines/home"))[0]
        assert at_a["uri"] == at_c["uri"] == post["uri"]
        assert [t["name"] for t in at_a["tags"]] == ["warmline"]

        # Alice replies, carol likes, alice boosts: bob is told each time.
        reply = await alice.post(
            "/api/v1/statuses",
            data={"status": f"@{bob.handle} welcome!", "in_reply_to_id": at_a["id"]},
        )
        await carol.post(f"/api/v1/statuses/{at_c['id']}/favourite")
        await alice.post(f"/api/v1/statuses/{at_a['id']}/reblog")

        async def bob_notified() -> bool:
            return await bob.notification_types() == [
                "favourite",
                "follow",
                "follow",
                "mention",
                "reblog",
            ]

        await eventually(bob_notified, "bob is notified of the reply, the like and the boost")
        shown = await bob.get(f"/api/v1/statuses/{post['id']}")
        assert (shown["favourites_count"], shown["reblogs_count"], shown["replies_count"]) == (
            1,
            1,
            1,
        )
        context = await bob.get(f"/api/v1/statuses/{post['id']}/context")
        assert [s["uri"] for s in context["descendants"]] == [reply["uri"]]

        # Bob edits, then deletes: both reach A and C.
        await bob.call("PUT", f"/api/v1/statuses/{post['id']}", data={"status": "Hello, edited"})
        await eventually(lambda: home_has(alice, "Hello, edited"), "alice sees the edit")
        await eventually(lambda: home_has(carol, "Hello, edited"), "carol sees the edit")
        await bob.call("DELETE", f"/api/v1/statuses/{post['id']}")

        async def gone(api: Api, status_id: str) -> bool:
            async with session.get(
                api.base + f"/api/v1/statuses/{status_id}",
                headers={"Authorization": f"Bearer {api.token}"},
            ) as resp:
                return resp.status == 404

        await eventually(lambda: gone(alice, at_a["id"]), "the post is gone on A")
        await eventually(lambda: gone(carol, at_c["id"]), "the post is gone on C")

        # Followers-only reaches followers only; a direct message only its addressee.
        await alice.post(
            "/api/v1/statuses", data={"status": "for my followers", "visibility": "private"}
        )
        await bob.post(
            "/api/v1/statuses",
            data={"status": f"@{carol.handle} just for you", "visibility": "direct"},
        )
        await eventually(lambda: home_has(bob, "for my followers"), "bob sees alice's private post")
        await eventually(lambda: home_has(carol, "just for you"), "carol sees bob's direct message")
        await asyncio.sleep(0.5)  # let any wrong delivery arrive before checking it did not
        assert not await home_has(carol, "for my followers")  # carol does not follow alice
        assert not await home_has(alice, "just for you")

        # Alice unfollows bob: B drops her from bob's followers.
        await alice.post(f"/api/v1/accounts/{bob_at_a['id']}/unfollow")

        async def bob_lost_alice() -> bool:
            me = await bob.get("/api/v1/accounts/verify_credentials")
            return [f["acct"] for f in await bob.get(f"/api/v1/accounts/{me['id']}/followers")] == [
                carol.handle
            ]

        await eventually(bob_lost_alice, "bob's followers no longer include alice")
