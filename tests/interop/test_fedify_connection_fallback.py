"""A connection request to a plain ActivityPub account (Fedify) degrades gracefully.

Fedify knows nothing of Warmline's ``Connect``: bob's request becomes a Follow
plus a direct message carrying his note, and it turns into a connection when
alice follows bob back, which is what a Mastodon user would do.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from fedapi import Api, eventually

W = "/api/v1/warmline"


async def test_connection_request_to_fedify_is_a_follow_and_a_direct_message(
    server_process: Any, fedify_peer: Any
) -> None:
    warmline = server_process("w")
    assert warmline.cli("member", "create", "bob").returncode == 0
    token = warmline.cli("token", "create", "bob").stdout.strip()
    bob_actor = f"{warmline.base_url}/users/bob"

    async with aiohttp.ClientSession() as session:
        bob = Api(session, warmline.base_url, token, f"bob@{warmline.domain}")
        alice = await bob.find(fedify_peer.handle)
        sent = await bob.post(
            f"{W}/connections", json={"account_id": alice["id"], "note": "We met at FOSDEM"}
        )
        assert sent["fallback"] is True and sent["state"] == "pending"

        await fedify_peer.wait_follower(bob_actor)
        create = await fedify_peer.wait_received(
            "Create", match=lambda a: "We met at FOSDEM" in (a["content"] or "")
        )
        assert create["actor"] == bob_actor and create["signature"]  # Fedify verified it
        note = create["raw"]["object"]
        assert note["to"] == [fedify_peer.actor_url] and not note.get("cc")  # direct
        assert any(t.get("href") == fedify_peer.actor_url for t in note["tag"])  # a Mention

        # alice follows back: that is her yes.
        await fedify_peer.follow(bob_actor)

        async def connected() -> Any:
            found = await bob.get(f"{W}/connections")
            return [c for c in found if c["account"]["id"] == alice["id"]]

        (connection,) = await eventually(connected, "the follow-back connects them")
        assert connection["note"] == "We met at FOSDEM"
        notes = await bob.get("/api/v1/notifications?warmline=true")
        assert "warmline.connection_accepted" in {n["type"] for n in notes}
