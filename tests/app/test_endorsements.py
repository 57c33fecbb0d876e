"""Endorsements and recommendations through the API, between members of one instance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from server.appkeys import DB
from server.services import members, tokens
from server.store import accounts as accounts_q
from server.store import connections as connections_q

E = "/api/v1/warmline/endorsements"
R = "/api/v1/warmline/recommendations"


class Member:
    def __init__(self, client: TestClient, token: str, account_id: str) -> None:
        self.client, self.token, self.id = client, token, account_id

    async def call(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        resp = await self.client.request(method, path, headers=headers, **kw)
        assert resp.status == status, await resp.text()
        body = await resp.json()
        if status >= 400:
            assert isinstance(body.get("error"), str) and body["error"], body
        return body

    async def get(self, path: str, status: int = 200, **kw: Any) -> Any:
        return await self.call("GET", path, status, **kw)

    async def post(self, path: str, status: int = 200, **kw: Any) -> Any:
        return await self.call("POST", path, status, **kw)

    async def notifications(self) -> list[tuple[str, str, str | None]]:
        found = await self.get("/api/v1/notifications?warmline=true")
        return [
            (n["type"], n["account"]["id"], (n.get("warmline") or {}).get("subject_id"))
            for n in found
        ]


async def member(client: TestClient, username: str, skills: list[str] | None = None) -> Member:
    db = client.app[DB]
    account = await members.create_member(db, username)
    if skills is not None:
        async with db.transaction() as conn:
            await accounts_q.update_account(conn, account.id, {"skills": skills})
    return Member(client, await tokens.create_token(db, username), str(account.id))


async def connect(a: Member, b: Member) -> None:
    async with a.client.app[DB].transaction() as conn:
        await connections_q.insert_connection(conn, int(a.id), int(b.id), "", datetime.now(UTC))


async def block(a: Member, b: Member) -> None:
    async with a.client.app[DB].transaction() as conn:
        await connections_q.insert_block(conn, int(a.id), int(b.id), datetime.now(UTC))


@pytest.fixture
async def trio(start: Any) -> tuple[Member, Member, Member]:
    """alice and bob are connected; carol knows neither. bob lists two skills."""
    client = await start()
    alice = await member(client, "alice", ["Negotiation"])
    bob = await member(client, "bob", ["Python", "Public Speaking"])
    carol = await member(client, "carol")
    await connect(alice, bob)
    return alice, bob, carol


# --- endorsements -------------------------------------------------------------------


async def test_endorsing_a_listed_skill_counts_once_notifies_and_can_be_withdrawn(
    trio: tuple[Member, Member, Member],
) -> None:
    alice, bob, carol = trio
    made = await alice.post(E, json={"account_id": bob.id, "skill": " python "})
    assert made["skill"] == "Python"  # the profile's spelling
    assert made["account"]["id"] == alice.id and made["target_account"]["id"] == bob.id
    again = await alice.post(E, json={"account_id": bob.id, "skill": "PYTHON"})
    assert again["id"] == made["id"]
    assert await bob.notifications() == [("warmline.endorsement", alice.id, made["id"])]

    shown = await carol.get(f"/api/v1/warmline/accounts/{bob.id}/endorsements")
    assert [(s["skill"], s["count"]) for s in shown] == [("Python", 1), ("Public Speaking", 0)]
    assert [a["id"] for a in shown[0]["endorsers"]] == [alice.id]

    await bob.call("DELETE", f"{E}/{made['id']}", 404)  # only the endorser may withdraw it
    gone = await alice.call("DELETE", f"{E}/{made['id']}")
    assert gone["id"] == made["id"]
    await alice.call("DELETE", f"{E}/{made['id']}", 404)
    shown = await carol.get(f"/api/v1/warmline/accounts/{bob.id}/endorsements")
    assert [(s["skill"], s["count"]) for s in shown] == [("Python", 0), ("Public Speaking", 0)]


async def test_endorsement_refusals_explain_themselves(
    trio: tuple[Member, Member, Member],
) -> None:
    alice, bob, carol = trio
    await alice.post(E, 422, json={"account_id": alice.id, "skill": "Negotiation"})  # oneself
    await carol.post(E, 422, json={"account_id": bob.id, "skill": "Python"})  # not connected
    refused = await alice.post(E, 422, json={"account_id": bob.id, "skill": "Cooking"})
    assert "Cooking" in refused["error"]
    await alice.post(E, 422, json={"account_id": bob.id})  # no skill
    await alice.post(E, 422, json={"skill": "Python"})  # no account
    await alice.post(E, 422, json={"account_id": "bob", "skill": "Python"})
    await alice.post(E, 404, json={"account_id": "999999", "skill": "Python"})
    resp = await alice.client.post(E, json={"account_id": bob.id, "skill": "Python"})
    assert resp.status == 401
    await block(bob, alice)
    refused = await alice.post(E, 403, json={"account_id": bob.id, "skill": "Python"})
    assert "blocked" in refused["error"]
    await alice.call("DELETE", f"{E}/12345", 404)
    await alice.get("/api/v1/warmline/accounts/999999/endorsements", 404)


# --- recommendations -------------------------------------------------------------------


async def test_a_recommendation_shows_once_approved_and_goes_when_withdrawn(
    trio: tuple[Member, Member, Member],
) -> None:
    alice, bob, carol = trio
    rec = await alice.post(R, json={"account_id": bob.id, "text": "Great <b>colleague</b>"})
    assert rec["state"] == "pending" and rec["text"] == "Great <b>colleague</b>"
    assert rec["content"] == "<p>Great &lt;b&gt;colleague&lt;/b&gt;</p>"
    assert await bob.notifications() == [("warmline.recommendation", alice.id, rec["id"])]

    profile = f"/api/v1/warmline/accounts/{bob.id}/recommendations"
    assert await carol.get(profile) == []  # not approved yet: nobody else sees it
    received = await bob.get(R, params={"direction": "received"})
    assert [(r["id"], r["state"]) for r in received] == [(rec["id"], "pending")]
    assert [r["id"] for r in await bob.get(R, params={"state": "pending"})] == [rec["id"]]
    assert await bob.get(R, params={"state": "approved"}) == []
    given = await alice.get(R, params={"direction": "given"})
    assert [r["id"] for r in given] == [rec["id"]]

    approved = await bob.post(f"{R}/{rec['id']}/approve")
    assert approved["state"] == "approved"
    assert (await bob.post(f"{R}/{rec['id']}/approve"))["state"] == "approved"  # a repeat
    assert await alice.notifications() == [("warmline.recommendation_approved", bob.id, rec["id"])]
    assert [r["id"] for r in await carol.get(profile)] == [rec["id"]]
    anonymous = await alice.client.get(profile)
    assert [r["text"] for r in await anonymous.json()] == ["Great <b>colleague</b>"]

    withdrawn = await alice.post(f"{R}/{rec['id']}/withdraw")
    assert withdrawn["state"] == "withdrawn"
    assert await carol.get(profile) == []
    await bob.post(f"{R}/{rec['id']}/approve", 409)


async def test_a_declined_recommendation_stays_off_the_profile(
    trio: tuple[Member, Member, Member],
) -> None:
    alice, bob, carol = trio
    rec = await alice.post(R, json={"account_id": bob.id, "text": "Reliable."})
    assert (await bob.post(f"{R}/{rec['id']}/decline"))["state"] == "declined"
    await bob.post(f"{R}/{rec['id']}/approve", 409)
    assert await carol.get(f"/api/v1/warmline/accounts/{bob.id}/recommendations") == []
    assert await alice.notifications() == []  # nobody is told of a decline
    again = await alice.post(R, json={"account_id": bob.id, "text": "Still reliable."})
    assert again["state"] == "pending"


async def test_recommendation_refusals_explain_themselves(
    trio: tuple[Member, Member, Member],
) -> None:
    alice, bob, carol = trio
    await alice.post(R, 422, json={"account_id": bob.id, "text": "   "})
    too_long = await alice.post(R, 422, json={"account_id": bob.id, "text": "x" * 3001})
    assert "3000" in too_long["error"]
    await alice.post(R, 422, json={"account_id": bob.id, "text": "bell\x07"})
    await alice.post(R, 422, json={"account_id": alice.id, "text": "I am great"})
    await carol.post(R, 422, json={"account_id": bob.id, "text": "Who?"})
    rec = await alice.post(R, json={"account_id": bob.id, "text": "x" * 3000})
    twice = await alice.post(R, 409, json={"account_id": bob.id, "text": "Again"})
    assert "withdraw" in twice["error"]
    await alice.post(f"{R}/{rec['id']}/approve", 404)  # only the recipient answers
    await carol.post(f"{R}/{rec['id']}/decline", 404)
    await bob.post(f"{R}/{rec['id']}/withdraw", 404)  # only the author withdraws
    await bob.post(f"{R}/424242/approve", 404)
    await bob.get(R, 422, params={"direction": "sideways"})
    await bob.get(R, 422, params={"state": "lost"})
    await block(alice, bob)
    await alice.post(f"{R}/{rec['id']}/withdraw")
    await alice.post(R, 403, json={"account_id": bob.id, "text": "After the block"})
