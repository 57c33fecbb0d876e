# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Attacks on warm introductions, delivered from other instances (issue 11).

Spam (a remote requester over the daily limit of introductions or connection
requests, or asking again while a request is open), introductions through
someone who blocked the requester, forged introducers, replays, and leaks of
private data (the reason and note, a hidden connection list). Each refusal is
a Reject sent back or a 4xx at the door, never a 5xx; nothing relevant is
stored or notified.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from federation import relations as wl
from federation.httpsig import sign_cavage
from server.config import with_overrides
from server.services import blocks, connections, introductions, members, network
from server.services.errors import Conflict, Forbidden, TooMany
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import interactions as interactions_q
from server.store import introductions as intro_q
from server.store.accounts import AccountRow
from server.store.introductions import IntroductionRow
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

EXPIRES = datetime.now(UTC) + timedelta(days=7)
REQUEST = "warmline.introduction_request"
FORWARDED = "warmline.introduction_forwarded"


def uri(member: AccountRow) -> str:
    return f"{BASE}/users/{member.username}"


async def notified(w: Warmline, account: AccountRow) -> list[tuple[str, int]]:
    async with w.svc.db.read() as conn:
        rows = await interactions_q.list_notifications(conn, account.id, Page())
    return [(n.type, n.from_account_id) for n in rows]


async def speaker(w: Warmline, actor: RemoteActor) -> AccountRow:
    """``actor``, known here, speaking Warmline."""
    account = await w.remote_account(actor)
    async with w.svc.db.transaction() as conn:
        await accounts_q.update_account(conn, account.id, {"warmline": True})
    return await w.refresh(account)


async def connect(w: Warmline, a: AccountRow, b: AccountRow) -> None:
    async with w.svc.db.transaction() as conn:
        await connections_q.insert_connection(conn, a.id, b.id, "", datetime.now(UTC))


async def connected(w: Warmline, a: AccountRow, b: AccountRow) -> bool:
    async with w.svc.db.read() as conn:
        return await connections_q.are_connected(conn, a.id, b.id)


async def by_uri(w: Warmline, intro_uri: str) -> IntroductionRow | None:
    async with w.svc.db.read() as conn:
        return await intro_q.get_by_uri(conn, intro_uri)


async def knock(w: Warmline, actor: RemoteActor, doc: dict[str, Any]) -> int:
    """``actor``'s server POSTs ``doc``, signed, to our shared inbox; whatever the
    door lets in is processed. The door's status (never a 5xx)."""
    body = json.dumps(doc).encode()
    headers = {"Host": "a.test", "Content-Type": AS2}
    headers |= sign_cavage(
        "POST", f"{BASE}/inbox", headers, body, key_id=f"{actor.id}#main-key", private_key=actor.key
    )
    status = (await w.client.post("/inbox", data=body, headers=headers)).status
    assert status < 500, status
    await w.run_inbox()
    return status


def ask(erin: RemoteActor, key: str, introducer: AccountRow, target: AccountRow) -> dict[str, Any]:
    return wl.request_introduction(
        f"{erin.origin}/intro/{key}",
        erin.id,
        uri(introducer),
        uri(target),
        "I am hiring in Lyon",
        expires=EXPIRES,
    )


async def rejected(w: Warmline, intro_uri: str) -> list[dict[str, Any]]:
    return [doc for doc in await w.sent("Reject") if doc["object"] == intro_uri]


@pytest.fixture
async def erin(warmline: Warmline, peer: Peer) -> RemoteActor:
    """erin, elsewhere, connected to alice: she may ask alice for introductions."""
    actor = peer.add("erin")
    await connect(warmline, warmline.alice, await speaker(warmline, actor))
    return actor


# --- spam -----------------------------------------------------------------------------------


async def test_a_remote_requester_over_the_daily_limit_is_refused(
    warmline: Warmline, erin: RemoteActor
) -> None:
    w = warmline
    network_settings = replace(w.svc.config.network, introduction_daily_limit=2)
    w.svc.config = with_overrides(w.svc.config, network=network_settings)
    targets = [await members.create_member(w.svc.db, f"target{n}") for n in range(3)]
    for target in targets:
        await connect(w, w.alice, target)
    docs = [ask(erin, f"spam-{n}", w.alice, target) for n, target in enumerate(targets)]
    for doc in docs:
        assert await knock(w, erin, doc) == 202

    erin_id = (await w.remote_account(erin)).id
    assert await notified(w, w.alice) == [(REQUEST, erin_id)] * 2
    over = await by_uri(w, docs[2]["id"])
    assert over is None or over.state == "declined"
    assert await rejected(w, docs[2]["id"])
    assert await notified(w, targets[2]) == []


async def test_asking_again_while_a_request_is_open_is_refused(
    warmline: Warmline, erin: RemoteActor
) -> None:
    w = warmline
    await connect(w, w.alice, w.bob)
    first, again = ask(erin, "1", w.alice, w.bob), ask(erin, "2", w.alice, w.bob)
    assert await knock(w, erin, first) == 202
    assert await knock(w, erin, again) == 202

    erin_id = (await w.remote_account(erin)).id
    assert await notified(w, w.alice) == [(REQUEST, erin_id)]
    stored = await by_uri(w, again["id"])
    assert stored is None or stored.state == "declined"
    assert await rejected(w, again["id"])


async def test_a_remote_member_over_the_connection_request_limit_is_declined(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    network_settings = replace(w.svc.config.network, connection_request_daily_limit=2)
    w.svc.config = with_overrides(w.svc.config, network=network_settings)
    mallory = peer.add("mallory")
    await speaker(w, mallory)
    targets = [await members.create_member(w.svc.db, f"mark{n}") for n in range(3)]
    docs = [
        wl.connect(f"{mallory.origin}/connect/{n}", mallory.id, uri(target), "hi")
        for n, target in enumerate(targets)
    ]
    for doc in docs:
        assert await knock(w, mallory, doc) == 202

    mallory_id = (await w.remote_account(mallory)).id
    assert [await notified(w, t) for t in targets] == [
        [("warmline.connection_request", mallory_id)],
        [("warmline.connection_request", mallory_id)],
        [],
    ]
    assert [doc["object"] for doc in await w.sent("Reject")] == [docs[2]["id"]]
    async with w.svc.db.read() as conn:
        assert await connections_q.get_request_by_uri(conn, docs[2]["id"]) is None


async def test_a_local_member_over_the_connection_request_limit_is_refused(
    warmline: Warmline,
) -> None:
    w = warmline
    network_settings = replace(w.svc.config.network, connection_request_daily_limit=2)
    w.svc.config = with_overrides(w.svc.config, network=network_settings)
    targets = [await members.create_member(w.svc.db, f"mark{n}") for n in range(3)]
    for target in targets[:2]:
        await connections.request(w.svc, w.alice, target, "")
    with pytest.raises(TooMany, match="2 connection requests a day"):
        await connections.request(w.svc, w.alice, targets[2], "")
    assert await notified(w, targets[2]) == []
    # Asking again for a request already open is not a new one, and is no error.
    await connections.request(w.svc, w.alice, targets[0], "")


async def test_a_local_member_cannot_spam_the_same_request(warmline: Warmline) -> None:
    """The API side of the same rule: a second open request is a conflict."""
    w = warmline
    carol = await members.create_member(w.svc.db, "carol")
    await connect(w, w.bob, w.alice)
    await connect(w, w.alice, carol)
    await introductions.request(w.svc, w.bob, carol, w.alice, "please")
    with pytest.raises(Conflict, match="already asked"):
        await introductions.request(w.svc, w.bob, carol, w.alice, "please, again")
    assert await notified(w, w.alice) == [(REQUEST, w.bob.id)]


# --- through a blocker ------------------------------------------------------------------------


@pytest.mark.parametrize("blocker", ["target", "introducer"])
async def test_a_request_through_someone_who_blocked_the_requester_is_declined_unseen(
    warmline: Warmline, erin: RemoteActor, blocker: str
) -> None:
    """erin asks alice to introduce her to bob; bob (or alice) blocked erin."""
    w = warmline
    await connect(w, w.alice, w.bob)
    by = w.bob if blocker == "target" else w.alice
    await blocks.block(w.svc, by, await w.remote_account(erin), on=True)
    doc = ask(erin, "blocked", w.alice, w.bob)
    assert await knock(w, erin, doc) == 202

    stored = await by_uri(w, doc["id"])
    assert stored is not None and stored.state == "declined"
    (reject,) = await rejected(w, doc["id"])
    assert reject["actor"] == uri(w.alice) and reject["to"] == [erin.id]  # "not now", from alice
    assert await notified(w, w.alice) == [] and await notified(w, w.bob) == []


async def test_an_introduction_to_someone_who_blocked_the_requester_is_declined_unseen(
    warmline: Warmline, peer: Peer
) -> None:
    """dave (elsewhere, connected to alice) introduces erin, whom alice blocked, to alice."""
    w = warmline
    dave, erin = peer.add("dave"), peer.add("erin")
    await connect(w, w.alice, await speaker(w, dave))
    await blocks.block(w.svc, w.alice, await speaker(w, erin), on=True)
    doc = wl.introduce(
        f"{dave.origin}/introduce/1",
        dave.id,
        erin.id,
        uri(w.alice),
        introduction=f"{erin.origin}/intro/9",
        reason="she asked",
        note="meet erin",
        expires=EXPIRES,
    )
    assert await knock(w, dave, doc) == 202

    stored = await by_uri(w, doc["introduction"])
    assert stored is not None and stored.state == "declined"
    (reject,) = await rejected(w, doc["introduction"])
    assert reject["to"] == [dave.id]  # to the introducer only, never to erin
    assert await notified(w, w.alice) == []


# --- forged introducers -----------------------------------------------------------------------


async def _bob_asks_dave_for_alice(w: Warmline, peer: Peer) -> tuple[RemoteActor, IntroductionRow]:
    dave = peer.add("dave")
    dave_account = await speaker(w, dave)
    await connect(w, w.bob, dave_account)
    await connect(w, w.alice, dave_account)
    asked = await introductions.request(w.svc, w.bob, w.alice, dave_account, "hiring")
    return dave, asked


async def test_an_introduce_from_someone_other_than_the_asked_introducer_is_refused(
    warmline: Warmline, peer: Peer
) -> None:
    """bob asked dave (elsewhere) to introduce him to alice; mallory forwards it instead."""
    w = warmline
    _, asked = await _bob_asks_dave_for_alice(w, peer)
    mallory = peer.add("mallory")
    await connect(w, w.alice, await speaker(w, mallory))
    forged = wl.introduce(
        f"{mallory.origin}/introduce/1",
        mallory.id,
        uri(w.bob),
        uri(w.alice),
        introduction=asked.uri,
        reason="hiring",
        note="trust me",
        expires=EXPIRES,
    )
    await knock(w, mallory, forged)

    stored = await by_uri(w, asked.uri)
    assert stored is not None
    assert (stored.state, stored.introducer_id, stored.forward_uri) == (
        "requested",
        asked.introducer_id,
        None,
    )
    assert await notified(w, w.alice) == []


async def test_an_introduction_of_a_member_who_never_asked_is_refused(
    warmline: Warmline, peer: Peer
) -> None:
    """mallory (connected to alice) 'forwards' a request bob never made."""
    w = warmline
    mallory = peer.add("mallory")
    await connect(w, w.alice, await speaker(w, mallory))
    forged = wl.introduce(
        f"{mallory.origin}/introduce/2",
        mallory.id,
        uri(w.bob),
        uri(w.alice),
        introduction=f"{BASE}/users/bob/introductions/424242",
        reason="he asked",
        note="meet bob",
        expires=EXPIRES,
    )
    await knock(w, mallory, forged)

    assert await by_uri(w, forged["introduction"]) is None
    assert await notified(w, w.alice) == [] and await notified(w, w.bob) == []


async def test_an_introduce_by_someone_not_connected_to_the_target_is_declined_unseen(
    warmline: Warmline, peer: Peer
) -> None:
    """mallory, a stranger to alice, introduces erin to her."""
    w = warmline
    mallory, erin = peer.add("mallory"), peer.add("erin")
    await speaker(w, mallory)
    forged = wl.introduce(
        f"{mallory.origin}/introduce/3",
        mallory.id,
        erin.id,
        uri(w.alice),
        introduction=f"{erin.origin}/intro/3",
        reason="she asked",
        note="meet erin",
        expires=EXPIRES,
    )
    await knock(w, mallory, forged)

    stored = await by_uri(w, forged["introduction"])
    assert stored is None or stored.state == "declined"
    assert await notified(w, w.alice) == []


async def test_an_answer_signed_by_the_wrong_party_is_refused_at_the_door(
    warmline: Warmline, peer: Peer
) -> None:
    """bob asked dave for alice; mallory 'rejects' and 'accepts' it: 403, nothing moves."""
    w = warmline
    _, asked = await _bob_asks_dave_for_alice(w, peer)
    mallory = peer.add("mallory")
    await speaker(w, mallory)
    for kind in ("Reject", "Accept"):
        assert await knock(w, mallory, remote_activity(mallory, kind, asked.uri)) == 403
    stored = await by_uri(w, asked.uri)
    assert stored is not None and stored.state == "requested"
    assert await notified(w, w.bob) == []


# --- replay -----------------------------------------------------------------------------------


async def test_the_same_request_delivered_twice_is_stored_once(
    warmline: Warmline, erin: RemoteActor
) -> None:
    w = warmline
    await connect(w, w.alice, w.bob)
    doc = ask(erin, "twice", w.alice, w.bob)
    assert await knock(w, erin, doc) == 202
    assert await knock(w, erin, doc) in (202, 403, 409)

    async with w.svc.db.read() as conn:
        listed = await intro_q.list_for(conn, w.alice.id, "introducer", Page())
    assert [i.uri for i in listed] == [doc["id"]]
    assert await notified(w, w.alice) == [(REQUEST, (await w.remote_account(erin)).id)]


async def test_an_old_accept_replayed_after_the_introduction_ended_changes_nothing(
    warmline: Warmline, peer: Peer
) -> None:
    """bob asks alice to introduce him to erin (elsewhere); erin accepts, then they
    disconnect; her old Accept, delivered again (same id, or a copy), reconnects nothing."""
    w = warmline
    erin = peer.add("erin")
    erin_account = await speaker(w, erin)
    await connect(w, w.alice, erin_account)
    await connect(w, w.bob, w.alice)
    asked = await introductions.request(w.svc, w.bob, erin_account, w.alice, "hiring")
    await introductions.forward(w.svc, w.alice, asked.id, "Erin, meet Bob")
    accept = remote_activity(erin, "Accept", asked.uri)
    assert await knock(w, erin, accept) == 202
    assert await connected(w, w.bob, erin_account)
    disconnect = wl.disconnect(f"{erin.origin}/disconnect/1", erin.id, uri(w.bob))
    assert await knock(w, erin, disconnect) == 202
    assert not await connected(w, w.bob, erin_account)
    notes_before = await notified(w, w.bob), await notified(w, w.alice)
    deliveries_before = len(await w.deliveries())

    assert await knock(w, erin, accept) in (202, 403)  # the very same activity
    assert await knock(w, erin, remote_activity(erin, "Accept", asked.uri)) == 403  # a copy
    assert not await connected(w, w.bob, erin_account)
    assert (await notified(w, w.bob), await notified(w, w.alice)) == notes_before
    assert len(await w.deliveries()) == deliveries_before  # no second conversation, no follows


async def test_an_accept_after_a_reject_is_refused(warmline: Warmline, peer: Peer) -> None:
    w = warmline
    erin = peer.add("erin")
    erin_account = await speaker(w, erin)
    await connect(w, w.alice, erin_account)
    await connect(w, w.bob, w.alice)
    asked = await introductions.request(w.svc, w.bob, erin_account, w.alice, "hiring")
    await introductions.forward(w.svc, w.alice, asked.id, "Erin, meet Bob")
    assert await knock(w, erin, remote_activity(erin, "Reject", asked.uri)) == 202
    assert await knock(w, erin, remote_activity(erin, "Accept", asked.uri)) == 403
    stored = await by_uri(w, asked.uri)
    assert stored is not None and stored.state == "declined"
    assert not await connected(w, w.bob, erin_account)


# --- leaking private data ---------------------------------------------------------------------


async def test_the_reason_and_note_go_to_the_target_only(
    warmline: Warmline, make_peer: Any
) -> None:
    """bob asks alice to introduce him to erin (one peer); frank (another peer) follows
    alice and bob. Only erin's inbox ever gets the reason and alice's note; a request
    alice declines reaches no one."""
    w = warmline
    erins_peer, franks_peer = await make_peer(), await make_peer()
    erin, frank = erins_peer.add("erin"), franks_peer.add("frank")
    erin_account = await speaker(w, erin)
    await connect(w, w.alice, erin_account)
    await connect(w, w.bob, w.alice)
    for member in (w.alice, w.bob):
        await w.remote_follows(frank, member)
    await w.run_deliveries()
    erins_peer.received.clear()
    franks_peer.received.clear()

    declined = await introductions.request(w.svc, w.bob, erin_account, w.alice, "ANOTHER-7")
    await introductions.decline(w.svc, w.alice, declined.id)
    await w.run_deliveries()
    assert erins_peer.received == [] and franks_peer.received == []  # erin never hears of it

    secret, note = "SECRET-REASON-7731", "PRIVATE-NOTE-1187"
    asked = await introductions.request(w.svc, w.bob, erin_account, w.alice, secret)
    assert await w.run_deliveries() == 0  # a local introducer: nothing leaves yet
    await introductions.forward(w.svc, w.alice, asked.id, note)
    await w.run_deliveries()

    assert franks_peer.received == []
    (got,) = erins_peer.received
    doc = got.doc
    assert doc["type"] == "Introduce" and doc["to"] == [erin.id]
    assert not any(doc.get(key) for key in ("cc", "bto", "bcc", "audience"))
    assert doc["reason"] == secret and note in doc["content"]
    queued = [d for d in await w.deliveries() if secret in d["payload"] or note in d["payload"]]
    assert [(d["type"], d["host"]) for d in queued] == [("Introduce", erins_peer.host)]


async def test_a_request_to_a_remote_introducer_goes_to_them_only(
    warmline: Warmline, make_peer: Any
) -> None:
    """bob asks dave (one peer) to introduce him to erin (another): erin's server hears nothing."""
    w = warmline
    daves_peer, erins_peer = await make_peer(), await make_peer()
    dave, erin = daves_peer.add("dave"), erins_peer.add("erin")
    dave_account, erin_account = await speaker(w, dave), await speaker(w, erin)
    await connect(w, w.bob, dave_account)
    await introductions.request(w.svc, w.bob, erin_account, dave_account, "SECRET-2")
    await w.run_deliveries()
    assert erins_peer.received == []
    (got,) = daves_peer.received
    assert got.doc["type"] == "RequestIntroduction" and got.doc["to"] == [dave.id]


async def test_hidden_connections_are_not_revealed_through_degree_or_introducers(
    warmline: Warmline, peer: Peer
) -> None:
    """ed keeps his connections private, and so does carol; dan is connected to carol
    and frank, not to ed. What dan may read about ed names none of ed's connections
    whose lists are private."""
    w = warmline
    dan, carol, ed, frank = [
        await members.create_member(w.svc.db, name) for name in ("dan", "carol", "ed", "frank")
    ]
    async with w.svc.db.transaction() as conn:
        for private in (ed, carol):
            await accounts_q.update_account(conn, private.id, {"connections_visibility": "private"})
    ed, carol = await w.refresh(ed), await w.refresh(carol)
    for a, b in ((ed, carol), (ed, frank), (dan, carol), (dan, frank)):
        await connect(w, a, b)

    with pytest.raises(Forbidden):
        await connections.visible_connections(w.svc, dan, ed, limit=20, offset=0)
    with pytest.raises(Forbidden):  # private: not even to her own connections
        await connections.visible_connections(w.svc, dan, carol, limit=20, offset=0)
    seen = await network.degree(w.svc, dan, ed)
    assert carol.id not in [a.id for a in seen.mutual_connections]
    faces = await network.mutual_faces(w.svc, dan, [ed.id])
    assert carol.id not in [a.id for a in faces.get(ed.id, [])]
    assert await introductions.possible_introducers(w.svc, dan, ed) == []

    # A remote target: the offered introducers are dan's own connections, never ed's.
    erin_account = await speaker(w, peer.add("erin"))
    await connect(w, ed, erin_account)
    offered = await introductions.possible_introducers(w.svc, dan, erin_account)
    assert offered == []  # dan has no connection elsewhere; ed's are not his to offer
