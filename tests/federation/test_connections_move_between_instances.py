"""Connections, endorsements and recommendations move with a member, between two
real instances.

alice and mark are members of A, connected; mark endorsed two of alice's skills
and wrote her a recommendation, which she approved. alice opens a new account
on B (alicenew, listing one of those skills) and moves there. B hears the Move,
reads alice's connections from A (A lists them to B's server only), and sends
mark a Connect saying ``movedFrom``; A checks it, connects mark with alicenew,
tells mark, and gives alicenew the endorsement of the skill it lists and the
recommendation (waiting for alicenew's approval). Doing it again by hand asks
nobody twice.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually

from tests.federation.test_network import connect

pytestmark = pytest.mark.slow
W = "/api/v1/warmline"
ACCOUNT = f"{W}/account"
AS2 = "application/activity+json"
# Inbox retries come back within seconds (an Endorse can overtake the Accept it follows).
CONFIG = "[federation]\ndelivery_schedule = [1, 1, 2, 3, 5]\n"


def member(proc: Any, username: str, password: str = "a good long password") -> str:
    made = proc.cli("member", "create", username, "--password-stdin", stdin=password + "\n")
    assert made.returncode == 0, made.stderr
    token = proc.cli("token", "create", username, "--scopes", "read write follow")
    assert token.returncode == 0, token.stderr
    return token.stdout.strip()


async def skills(api: Api, listed: list[str]) -> None:
    await api.call("PATCH", "/api/v1/accounts/update_credentials",
                   json={"warmline": {"skills": listed}})  # fmt: skip


async def test_connections_endorsements_and_recommendations_move(server_process: Any) -> None:
    a, b = server_process("a", CONFIG), server_process("b", CONFIG)
    alice_token, mark_token = member(a, "alice"), member(a, "mark")
    new_token = member(b, "alicenew")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        mark = Api(session, a.base_url, mark_token, f"mark@{a.domain}")
        new = Api(session, b.base_url, new_token, f"alicenew@{b.domain}")
        await skills(alice, ["Rust", "Cooking"])
        await skills(new, ["rust", "Sailing"])
        alice_at_a = await mark.find("alice")
        await connect(mark, alice, alice_at_a["id"])
        for skill in ("Rust", "Cooking"):
            await mark.post(f"{W}/endorsements",
                            json={"account_id": alice_at_a["id"], "skill": skill})  # fmt: skip
        text = "Alice makes hard things simple."
        await mark.post(f"{W}/recommendations",
                        json={"account_id": alice_at_a["id"], "text": text})  # fmt: skip
        (rec,) = await alice.get(f"{W}/recommendations")
        await alice.post(f"{W}/recommendations/{rec['id']}/approve")

        # Before the move, B may not read alice's connections (she shows only a count).
        await new.post(f"{ACCOUNT}/aliases", json={"acct": alice.handle})
        async with session.get(f"{a.base_url}/users/alice/connections?page=1",
                               headers={"Accept": AS2}) as resp:  # fmt: skip
            assert "orderedItems" not in await resp.json()
        moving = {"target": new.handle, "password": "a good long password"}
        await alice.post(f"{ACCOUNT}/move", json=moving)

        new_at_a = await mark.find(new.handle)
        mark_at_b = await new.find(mark.handle)

        async def connected_on_both() -> bool:
            at_a = [c["account"]["id"] for c in await mark.get(f"{W}/connections")]
            at_b = [c["account"]["id"] for c in await new.get(f"{W}/connections")]
            return new_at_a["id"] in at_a and mark_at_b["id"] in at_b

        await eventually(connected_on_both, "mark and alicenew are connected on A and B")
        assert alice_at_a["id"] in [c["account"]["id"] for c in await mark.get(f"{W}/connections")]
        assert "warmline.connection_moved" in await mark.notification_types()
        assert await new.get(f"{W}/connection_requests", params={"direction": "outgoing"}) == []
        assert await mark.get(f"{W}/connection_requests") == []  # nothing left to answer

        new_id = (await new.get("/api/v1/accounts/verify_credentials"))["id"]

        async def endorsed() -> Any:
            found = await new.get(f"{W}/accounts/{new_id}/endorsements")
            return [(s["skill"], s["count"]) for s in found] == [("rust", 1), ("Sailing", 0)]

        await eventually(endorsed, "mark's endorsement of Rust reaches alicenew")
        (rust, _) = await new.get(f"{W}/accounts/{new_id}/endorsements")
        assert [e["acct"] for e in rust["endorsers"]] == [mark.handle]

        async def recommended() -> Any:
            return await new.get(f"{W}/recommendations", params={"state": "pending"})

        (carried,) = await eventually(recommended, "mark's recommendation reaches alicenew")
        assert carried["text"] == text and carried["account"]["acct"] == mark.handle
        # It waits for alicenew's approval: B cannot know alice approved it on A.
        assert await new.get(f"{W}/accounts/{new_id}/recommendations") == []
        given = await mark.get(f"{W}/recommendations", params={"direction": "given"})
        assert sorted(r["state"] for r in given) == ["approved", "pending"]

        # By hand, again: nobody is asked twice.
        again = await new.post(f"{ACCOUNT}/aliases/carry", json={"acct": alice.handle})
        assert again == {"asked": 0, "connected": 0, "skipped": 1}
        refused = await new.post(f"{ACCOUNT}/aliases/carry", status=422,
                                 json={"acct": mark.handle})  # fmt: skip
        assert "alias" in refused["error"]
        # alice's list is still not public.
        async with session.get(f"{a.base_url}/users/alice/connections?page=1",
                               headers={"Accept": AS2}) as resp:  # fmt: skip
            assert "orderedItems" not in await resp.json()
