# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""A Move from another server, through the real inbox, shaped as Mastodon and
GoToSocial send it (``mastodon/move-docs.json``, ``gotosocial/move.json``):
believed only when the target's own document names the mover among its
aliases; then our member's follow moves to the target. Aliases and the API's
refusals on one instance.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from apiclient import member
from webclient import Browser, member_with_password

from server.services import graph
from server.store import graph as graph_q
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Peer,
    RemoteActor,
    Warmline,
    make_peer,
    peer,
    remote_activity,
    start_warmline,
    warmline,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
ACCOUNT = "/api/v1/warmline/account"
AS2 = "application/activity+json"


def fixture_move(name: str, old: RemoteActor, new: str) -> dict[str, Any]:
    """A fixture's Move, its actor and object made ``old`` and its target ``new``."""
    doc = json.loads((FIXTURES / name).read_text())
    doc.update(id=f"{old.id}#moves/1", actor=old.id, object=old.id, target=new,
               to=f"{old.id}/followers")  # fmt: skip
    return doc


async def following(w: Warmline, peer: Peer, actor: RemoteActor) -> None:
    """alice follows ``actor``, and its server accepts."""
    account = await w.remote_account(actor)
    await graph.follow(w.svc, w.alice, account)
    await w.run_deliveries()
    follow = [r.doc for r in peer.received if r.doc["type"] == "Follow"][-1]
    await w.deliver(actor, remote_activity(actor, "Accept", follow))


async def state(w: Warmline, actor: RemoteActor) -> str | None:
    account = await w.remote_account(actor)
    async with w.svc.db.read() as conn:
        row = await graph_q.get_follow(conn, w.alice.id, account.id)
    return row.state if row else None


@pytest.mark.parametrize("name", ["mastodon/move-docs.json", "gotosocial/move.json"])
async def test_a_confirmed_move_takes_our_follow_to_the_new_account(
    warmline: Warmline, peer: Peer, name: str
) -> None:
    old, new = peer.add("zork"), peer.add("turtle")
    await following(warmline, peer, old)
    assert await state(warmline, old) == graph_q.ACCEPTED
    peer.aliases["turtle"] = [old.id]
    await warmline.deliver(old, fixture_move(name, old, new.id))
    assert await state(warmline, old) is None
    assert await state(warmline, new) == graph_q.PENDING  # a Follow went to the new account
    await warmline.run_deliveries()
    kinds = [(r.doc["type"], r.doc.get("object")) for r in peer.received]
    assert ("Follow", new.id) in kinds
    undone = [r.doc["object"]["object"] for r in peer.received if r.doc["type"] == "Undo"]
    assert undone == [old.id]
    # The API says where the old account went.
    alice = await member(warmline.client, "alice")
    old_account = await warmline.remote_account(old)
    shown = await alice.get(f"/api/v1/accounts/{old_account.id}")
    assert shown["moved"]["acct"] == f"turtle@{peer.host}"
    # So does its page here, with a link to the new one.
    page = await (await warmline.client.get(f"/@zork@{peer.host}")).text()
    assert f"has moved to @turtle@{peer.host}" in page
    assert f'href="/@turtle@{peer.host}"' in page


async def test_a_move_the_target_does_not_confirm_is_ignored(
    warmline: Warmline, peer: Peer
) -> None:
    old, new = peer.add("zork"), peer.add("bystander")
    await following(warmline, peer, old)
    await warmline.deliver(old, fixture_move("mastodon/move-docs.json", old, new.id))
    assert await state(warmline, old) == graph_q.ACCEPTED
    assert await state(warmline, new) is None
    # Nor may an account move someone else: the object must be the signer.
    other = peer.add("other")
    peer.aliases["bystander"] = [other.id]
    forged = fixture_move("mastodon/move-docs.json", old, new.id)
    forged.update(id=f"{old.id}#moves/2", object=other.id)
    await warmline.deliver(old, forged)
    assert await state(warmline, old) == graph_q.ACCEPTED


async def test_aliases_and_refusals_through_the_api(warmline: Warmline, peer: Peer) -> None:
    alice = await member(warmline.client, "alice")
    elsewhere = peer.add("alice_old")
    assert await alice.get(f"{ACCOUNT}/aliases") == []
    added = await alice.post(f"{ACCOUNT}/aliases", json={"acct": f"alice_old@{peer.host}"})
    assert added == [{"uri": elsewhere.id}]
    # The actor names it, and followers were sent the Update.
    actor = await warmline.client.get("/users/alice", headers={"Accept": AS2})
    doc = await actor.json()
    assert doc["alsoKnownAs"] == [elsewhere.id]
    bad = await alice.post(f"{ACCOUNT}/aliases", status=422, json={"acct": "not a handle"})
    assert bad["field"] == "acct"
    await alice.post(f"{ACCOUNT}/aliases", status=422, json={"acct": "alice"})  # herself
    await alice.post(f"{ACCOUNT}/aliases", status=404, json={"acct": "nobody@a.test"})
    removed = await alice.delete(f"{ACCOUNT}/aliases?acct=alice_old@{peer.host}")
    assert removed == []
    await alice.delete(f"{ACCOUNT}/aliases?acct=alice_old@{peer.host}", status=404)
    missing = await alice.post(f"{ACCOUNT}/move", status=422, json={"target": "bob"})
    assert missing["field"] == "password"


async def test_moving_in_the_web_settings(warmline: Warmline, peer: Peer) -> None:
    """Naming another account and a refused move, through the settings page."""
    await member_with_password(warmline.client, "dora")
    web = Browser(warmline.client)
    await web.sign_in("dora")
    elsewhere = peer.add("dora_old")
    page = await web.get("/settings/moving")
    assert "Moving from another account" in page and "Moving to another account" in page
    await web.post("/settings/moving/aliases", {"acct": f"dora_old@{peer.host}"})
    assert elsewhere.id in await web.get("/settings/moving")
    refused = await web.post(
        "/settings/moving/move", {"target": f"dora_old@{peer.host}", "password": "nope"},
        status=403,
    )  # fmt: skip
    assert "This is not your password" in refused.body_text
    assert 'value="nope"' not in refused.body_text
    gone = await web.post("/settings/moving/aliases/remove", {"uri": elsewhere.id})
    assert gone.headers["Location"] == "/settings/moving"
    assert elsewhere.id not in await web.get("/settings/moving")
