# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Events with other software, at the protocol level: a Mobilizon event arriving
(its real document, moved onto a test peer), a Mobilizon member joining and
leaving one of ours, and our member joining theirs. The three-instance journey
is tests/federation/test_events_between_instances.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from federation import participation
from federation.httpsig import sign_cavage
from federation.jsonld import compact_inbound
from server.services import events, inbound
from server.services.events import EventDraft
from server.store import connections as connections_q
from server.store import events as events_q
from server.store import graph as graph_q
from server.store import statuses as statuses_q
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
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

MOBILIZON = Path(__file__).parents[1] / "fixtures" / "mobilizon" / "event.json"


def mobilizon_event(organizer: RemoteActor) -> dict[str, Any]:
    """Mobilizon's real Event document, its ids moved onto the test peer."""
    doc = json.loads(MOBILIZON.read_text())
    old = "https://rendezvous.nomagic.uk"
    text = json.dumps(doc).replace(f"{old}/@emorrp1", organizer.id)
    text = text.replace(f"{old}/@devon_caledonian_society", organizer.id)
    doc = json.loads(text.replace(old, organizer.origin))
    return doc


async def follows(w: Warmline, actor: RemoteActor) -> None:
    """alice follows ``actor`` (accepted)."""
    them = await w.remote_account(actor)
    async with w.svc.db.transaction() as conn:
        await graph_q.insert_follow(
            conn,
            {"id": w.svc.db.new_id(), "account_id": w.alice.id, "target_account_id": them.id,
             "state": graph_q.ACCEPTED, "uri": f"{BASE}/follows/{them.id}",
             "created_at": datetime.now(UTC)},
        )  # fmt: skip


async def test_a_mobilizon_event_arrives_as_an_event(warmline: Warmline, peer: Peer) -> None:
    w = warmline
    erin = peer.add("erin")
    await follows(w, erin)
    event = mobilizon_event(erin)
    await w.deliver(erin, remote_activity(erin, "Create", event, to=event["to"]))

    async with w.svc.db.read() as conn:
        status = await statuses_q.get_status_by_uri(conn, event["id"])
        assert status is not None and status.object_type == "Event"
        row = await events_q.get_event(conn, status.id)
    assert row is not None
    assert row.title == "Caledonian scottish dance class"
    assert row.starts_at == datetime(2022, 12, 11, 19, tzinfo=UTC)
    assert (row.place_name, row.postal_code, row.timezone) == (
        "The Kenn Centre", "EX6 7TW", "Europe/London",
    )  # fmt: skip
    assert row.capacity is None and row.audience == "public"
    view = await events.get_event(w.svc, w.alice, status.id)
    assert view.organizer.uri == erin.id

    # Cancelled on Mobilizon: an Update with ical:status CANCELLED.
    await events.rsvp(w.svc, w.alice, status.id, "maybe")
    cancelled = {**event, "ical:status": "CANCELLED", "status": "CANCELLED"}
    await w.deliver(erin, remote_activity(erin, "Update", cancelled, to=event["to"]))
    assert (await events.get_event(w.svc, w.alice, status.id)).event.cancelled_at is not None


async def test_our_member_joins_a_remote_event_and_its_server_accepts(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin = peer.add("erin")
    await follows(w, erin)
    event = mobilizon_event(erin)
    await w.deliver(erin, remote_activity(erin, "Create", event, to=event["to"]))
    async with w.svc.db.read() as conn:
        status = await statuses_q.get_status_by_uri(conn, event["id"])
    assert status is not None

    view = await events.rsvp(w.svc, w.alice, status.id, "going")
    assert view.my_rsvp == "pending"
    join = await w.last_sent("Join")
    assert (join["actor"], join["object"], join["to"]) == (
        f"{BASE}/users/alice", event["id"], [erin.id],
    )  # fmt: skip
    # As Mobilizon answers: the Join embedded.
    accept = remote_activity(
        erin, "Accept", {k: join[k] for k in ("id", "type", "actor", "object")}
    )
    await w.deliver(erin, accept)
    assert (await events.get_event(w.svc, w.alice, status.id)).my_rsvp == "going"

    await events.rsvp(w.svc, w.alice, status.id, "not_going")
    leave = await w.last_sent("Leave")
    assert (leave["object"], leave["to"]) == (event["id"], [erin.id])


async def test_a_mobilizon_member_joins_and_leaves_our_event(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    start = datetime(2027, 3, 5, 7, tzinfo=UTC)
    made = await events.create_event(
        w.svc, w.alice, EventDraft("Breakfast", start, capacity=2, timezone="Europe/Paris")
    )
    ours = f"{BASE}/users/alice/statuses/{made.event.id}"
    erin, frank = peer.add("erin"), peer.add("frank")
    join = remote_activity(erin, "Join", ours, participationMessage="See you there")
    join["id"] = f"{erin.origin}/join/event/1"
    await w.deliver(erin, join)
    view = await events.get_event(w.svc, w.alice, made.event.id)
    assert view.event.participants_count == 2  # alice and erin: full
    accept = await w.last_sent("Accept")
    assert accept["object"]["id"] == join["id"] and accept["to"] == [erin.id]
    assert accept["actor"] == f"{BASE}/users/alice"

    # frank's Join waits: nothing is sent back until a place frees up.
    frank_join = remote_activity(frank, "Join", ours)
    await w.deliver(frank, frank_join)
    assert [a["object"]["id"] for a in await w.sent("Accept")] == [join["id"]]
    await w.deliver(erin, remote_activity(erin, "Leave", ours))
    assert [a["object"]["id"] for a in await w.sent("Accept")] == [join["id"], frank_join["id"]]
    assert (await events.get_event(w.svc, w.alice, made.event.id)).event.waitlist_count == 0

    # The same Join applied again (the worker redoing an item after a crash) changes
    # nothing; a Join to an event for the invited is refused.
    await inbound.process(w.svc, compact_inbound(frank_join), frank.id)
    assert len(await w.sent("Accept")) == 2
    private = await events.create_event(
        w.svc, w.alice, EventDraft("Board", start, audience="invited")
    )
    await w.deliver(erin, remote_activity(
        erin, "Join", f"{BASE}/users/alice/statuses/{private.event.id}"
    ))  # fmt: skip
    rejected = await w.last_sent("Reject")
    assert rejected["to"] == [erin.id]
    erin_here = await w.remote_account(erin)
    async with w.svc.db.read() as conn:
        assert await events_q.get_participant(conn, private.event.id, erin_here.id) is None


async def test_answers_to_a_join_come_only_from_the_events_server(
    warmline: Warmline, make_peer: Any
) -> None:
    w = warmline
    home, elsewhere = await make_peer(), await make_peer()
    erin, mallory = home.add("erin"), elsewhere.add("mallory")
    await follows(w, erin)
    event = mobilizon_event(erin)
    await w.deliver(erin, remote_activity(erin, "Create", event, to=event["to"]))
    async with w.svc.db.read() as conn:
        status = await statuses_q.get_status_by_uri(conn, event["id"])
    assert status is not None
    await events.rsvp(w.svc, w.alice, status.id, "going")
    join = await w.last_sent("Join")
    forged = remote_activity(mallory, "Accept", join["id"])
    body = json.dumps(forged).encode()
    headers = {"Host": "a.test", "Content-Type": "application/activity+json"}
    headers |= sign_cavage("POST", f"{BASE}/inbox", headers, body,
                           key_id=f"{mallory.id}#main-key", private_key=mallory.key)  # fmt: skip
    resp = await w.client.post("/inbox", data=body, headers=headers)
    assert resp.status == 403
    assert (await events.get_event(w.svc, w.alice, status.id)).my_rsvp == "pending"


def test_participation_documents_read_back() -> None:
    join = participation.join("https://a/j/1", "https://a/u/x", "https://b/e/1", "https://b/u/o",
                              "hello")  # fmt: skip
    read = participation.read_answer(join)
    assert read == participation.Answer("https://a/j/1", "Join", "https://b/e/1", "hello")
    assert participation.read_answer({"type": "Join", "id": "x"}) is None
    assert participation.read_answer({**join, "type": "Like"}) is None


async def connected(w: Warmline, actor: RemoteActor) -> None:
    them = await w.remote_account(actor)
    async with w.svc.db.transaction() as conn:
        await connections_q.insert_connection(conn, w.alice.id, them.id, "", datetime.now(UTC))


async def test_invitations_to_and_from_connections_elsewhere(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin, mallory = peer.add("erin"), peer.add("mallory")
    await connected(w, erin)
    start = datetime(2027, 3, 5, 7, tzinfo=UTC)
    ours = await events.create_event(w.svc, w.alice, EventDraft("Board", start, audience="invited"))
    erin_here = await w.remote_account(erin)
    assert await events.invite(w.svc, w.alice, ours.event.id, [erin_here.id]) == [erin_here.id]
    sent = await w.last_sent("Invite")
    assert (sent["target"], sent["to"]) == ([erin.id], [erin.id])
    assert sent["object"]["type"] == "Event" and sent["object"]["name"] == "Board"

    # erin invites alice to an event of her own, embedded; mallory (no connection) too.
    theirs = mobilizon_event(erin)
    invite = remote_activity(erin, "Invite", theirs, target=[f"{BASE}/users/alice"])
    await w.deliver(erin, invite)
    async with w.svc.db.read() as conn:
        status = await statuses_q.get_status_by_uri(conn, theirs["id"])
        assert status is not None and status.object_type == "Event"
        assert await events_q.is_invited(conn, status.id, w.alice.id)
    other = {**mobilizon_event(mallory), "id": f"{mallory.origin}/events/m"}
    await w.deliver(mallory, remote_activity(mallory, "Invite", other,
                                             target=[f"{BASE}/users/alice"]))  # fmt: skip
    async with w.svc.db.read() as conn:
        assert await statuses_q.get_status_by_uri(conn, other["id"]) is None
