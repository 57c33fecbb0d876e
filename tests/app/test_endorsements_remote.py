# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Endorsements and recommendations with remote accounts: what goes out, what comes in,
and who may answer or undo (a fake peer on loopback signs what it sends)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from federation.httpsig import sign_cavage
from federation.validate import validate
from server.services import endorsements, recommendations
from server.services.errors import ValidationError
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import endorsements as endorsements_q
from server.store import interactions as interactions_q
from server.store.accounts import AccountRow
from server.store.statuses import Page
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    AS2,
    BASE,
    Peer,
    RemoteActor,
    Warmline,
    make_peer,
    peer,
    remote_activity,
    start_warmline,
    warmline,
)

ALICE = f"{BASE}/users/alice"


async def remote_peer(
    w: Warmline, actor: RemoteActor, *, speaks_warmline: bool = True
) -> AccountRow:
    """``actor``, known here, connected to alice, listing two skills."""
    account = await w.remote_account(actor)
    async with w.svc.db.transaction() as conn:
        values = {"skills": ["Rust", "Mentoring"], "warmline": speaks_warmline}
        await accounts_q.update_account(conn, account.id, values)
        await connections_q.insert_connection(conn, w.alice.id, account.id, "", datetime.now(UTC))
    return await w.refresh(account)


async def notifications(w: Warmline, account: AccountRow) -> list[tuple[str, int]]:
    async with w.svc.db.read() as conn:
        rows = await interactions_q.list_notifications(conn, account.id, Page())
    return [(n.type, n.from_account_id) for n in rows]


async def post_signed(w: Warmline, actor: RemoteActor, doc: dict[str, Any]) -> int:
    body = json.dumps(doc).encode()
    headers = {"Host": "a.test", "Content-Type": AS2}
    headers |= sign_cavage(
        "POST", f"{BASE}/inbox", headers, body, key_id=f"{actor.id}#main-key", private_key=actor.key
    )
    return (await w.client.post("/inbox", data=body, headers=headers)).status


async def test_a_plain_activitypub_account_cannot_be_endorsed_or_recommended(
    warmline: Warmline, peer: Peer
) -> None:
    dave = await remote_peer(warmline, peer.add("dave"), speaks_warmline=False)
    with pytest.raises(ValidationError, match="does not support"):
        await endorsements.endorse(warmline.svc, warmline.alice, dave, "Rust")
    with pytest.raises(ValidationError, match="does not support"):
        await recommendations.recommend(warmline.svc, warmline.alice, dave, "Good")
    assert await warmline.sent("Endorse") == []


async def test_endorsing_a_remote_member_sends_endorse_then_undo(
    warmline: Warmline, peer: Peer
) -> None:
    dave = await remote_peer(warmline, peer.add("dave"))
    row = await endorsements.endorse(warmline.svc, warmline.alice, dave, "rust")
    sent = await warmline.last_sent("Endorse")
    validate("activity", sent)
    assert (sent["actor"], sent["object"], sent["skill"]) == (ALICE, dave.uri, "Rust")
    assert sent["id"] == row.uri and sent["to"] == [dave.uri]
    await endorsements.withdraw(warmline.svc, warmline.alice, row.id)
    undo = await warmline.last_sent("Undo")
    assert undo["object"] == row.uri and undo["actor"] == ALICE
    await warmline.run_deliveries()
    assert [kind for _, kind in peer.posted()] == ["Endorse", "Undo"]


async def test_a_remote_recommendation_is_answered_only_by_its_recipient(
    warmline: Warmline, peer: Peer
) -> None:
    dave_actor, erin_actor = peer.add("dave"), peer.add("erin")
    dave = await remote_peer(warmline, dave_actor)
    await warmline.remote_account(erin_actor)
    rec = await recommendations.recommend(warmline.svc, warmline.alice, dave, "Sharp & kind")
    sent = await warmline.last_sent("Recommend")
    assert sent["content"] == "<p>Sharp &amp; kind</p>" and sent["object"] == dave.uri

    # erin (not the recipient) may not accept it
    forged = remote_activity(erin_actor, "Accept", rec.uri)
    assert await post_signed(warmline, erin_actor, forged) == 403
    await warmline.deliver(dave_actor, remote_activity(dave_actor, "Accept", rec.uri))
    async with warmline.svc.db.read() as conn:
        stored = await endorsements_q.get_recommendation(conn, rec.id)
    assert stored is not None and stored.state == "approved"
    assert await notifications(warmline, warmline.alice) == [
        ("warmline.recommendation_approved", dave.id)
    ]
    # an answer to an approved recommendation cannot turn it around
    late = remote_activity(dave_actor, "Reject", rec.uri)
    assert await post_signed(warmline, dave_actor, late) == 403

    await recommendations.withdraw(warmline.svc, warmline.alice, rec.id)
    assert (await warmline.last_sent("Undo"))["object"] == rec.uri


async def test_an_incoming_endorsement_counts_once_and_only_from_a_connection(
    warmline: Warmline, peer: Peer
) -> None:
    dave_actor, erin_actor = peer.add("dave"), peer.add("erin")
    dave = await remote_peer(warmline, dave_actor)
    async with warmline.svc.db.transaction() as conn:
        await accounts_q.update_account(conn, warmline.alice.id, {"skills": ["Design"]})
    endorse = remote_activity(dave_actor, "Endorse", ALICE, skill="design")
    endorse["@context"] = [endorse["@context"], "https://w3id.org/warmline/v1"]
    await warmline.deliver(dave_actor, endorse)
    stranger = remote_activity(erin_actor, "Endorse", ALICE, skill="Design")
    stranger["@context"] = endorse["@context"]
    await warmline.deliver(erin_actor, stranger)  # not connected: ignored
    unlisted = remote_activity(dave_actor, "Endorse", ALICE, skill="Cooking")
    unlisted["@context"] = endorse["@context"]
    await warmline.deliver(dave_actor, unlisted)  # not on alice's profile: ignored

    alice = await warmline.refresh(warmline.alice)
    assert await endorsements.counts(warmline.svc, alice) == {"Design": 1}
    assert await notifications(warmline, alice) == [("warmline.endorsement", dave.id)]

    forged = remote_activity(erin_actor, "Undo", endorse["id"])
    assert await post_signed(warmline, erin_actor, forged) == 403
    await warmline.deliver(dave_actor, remote_activity(dave_actor, "Undo", endorse["id"]))
    assert await endorsements.counts(warmline.svc, alice) == {"Design": 0}


async def test_an_incoming_recommendation_waits_for_approval_and_is_answered(
    warmline: Warmline, peer: Peer
) -> None:
    dave_actor = peer.add("dave")
    dave = await remote_peer(warmline, dave_actor)
    content = "<p>Alice <i>ships</i> &amp; cares.</p>"  # HTML, as AS2 content is
    doc = remote_activity(dave_actor, "Recommend", ALICE, content=content)
    doc["@context"] = [doc["@context"], "https://w3id.org/warmline/v1"]
    await warmline.deliver(dave_actor, doc)
    found = await recommendations.mine(
        warmline.svc, warmline.alice, Page(), direction="received", state=None
    )
    assert [(r.text, r.state, r.uri) for r in found] == [
        ("Alice ships & cares.", "pending", doc["id"])
    ]
    assert await notifications(warmline, warmline.alice) == [("warmline.recommendation", dave.id)]

    await recommendations.answer(warmline.svc, warmline.alice, found[0].id, approve=True)
    accept = await warmline.last_sent("Accept")
    assert accept["object"] == doc["id"] and accept["to"] == [dave.uri]
    await warmline.deliver(dave_actor, remote_activity(dave_actor, "Undo", doc["id"]))
    assert await recommendations.shown_on_profile(warmline.svc, warmline.alice, Page()) == []
