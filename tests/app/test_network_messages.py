# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""The direct messages that connection requests and introductions send are written
with the step that causes them: both are stored, or neither is.

A connection request to a plain ActivityPub account is a Follow plus a direct
message; an accepted introduction makes the introducer's instance open a
three-way conversation, whether the acceptance was made here or arrived from
the target's instance. To make the message fail inside its step, the test
database refuses new statuses (a trigger: a real database error at the
message's own INSERT, after the step's other rows were written). Then nothing
of the step may be found, and once the trigger is gone the same step goes
through whole.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from atomicity import everything, refused
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from server.services import connections, introductions, members
from server.store import connections as connections_q
from server.store import introductions as intro_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.tables import statuses
from tests.app.test_endorsements_remote import remote_peer
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Peer,
    Warmline,
    make_peer,
    peer,
    remote_activity,
    start_warmline,
    warmline,
)


async def direct_messages(w: Warmline, author: AccountRow) -> list[tuple[str, set[int]]]:
    """``author``'s direct posts: their text and whom they mention."""
    async with w.svc.db.read() as conn:
        found = await conn.execute(
            select(statuses.c.id, statuses.c.source_text).where(
                statuses.c.account_id == author.id, statuses.c.visibility == "direct"
            )
        )
        rows = found.all()
        mentioned = await statuses_q.mentioned_accounts(conn, [r.id for r in rows])
    return [(r.source_text, set(mentioned[r.id])) for r in rows]


# --- a connection request to a plain ActivityPub account --------------------------------


async def test_a_fallback_request_and_its_message_are_stored_together(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin_actor = peer.add("erin")
    erin = await w.remote_account(erin_actor)
    assert not erin.speaks_warmline
    before = await everything(w.svc.db)
    with pytest.raises(DBAPIError, match="statuses refused"):
        async with refused(w.svc.db, "statuses"):
            await connections.request(w.svc, w.alice, erin, "We met at FOSDEM")
    # Not the request, not the Follow, not its delivery: nothing of it.
    assert await everything(w.svc.db) == before

    row = await connections.request(w.svc, w.alice, erin, "We met at FOSDEM")
    assert row.fallback and row.state == "pending"
    (message,) = await direct_messages(w, w.alice)
    assert "We met at FOSDEM" in message[0] and message[1] == {erin.id}
    await w.run_deliveries()
    assert sorted(kind for _, kind in peer.posted()) == ["Create", "Follow"]
    (note,) = [r.doc["object"] for r in peer.received if r.doc["type"] == "Create"]
    assert note["to"] == [erin_actor.id] and "We met at FOSDEM" in note["content"]


# --- an accepted introduction ---------------------------------------------------------------


async def _connect(w: Warmline, a: AccountRow, b: AccountRow) -> None:
    async with w.svc.db.transaction() as conn:
        await connections_q.insert_connection(conn, a.id, b.id, "", datetime.now(UTC))


async def test_accepting_here_opens_the_conversation_in_the_same_transaction(
    warmline: Warmline,
) -> None:
    """bob asks alice (the introducer) to introduce him to carol; carol accepts."""
    w = warmline
    carol = await members.create_member(w.svc.db, "carol")
    await _connect(w, w.bob, w.alice)
    await _connect(w, w.alice, carol)
    asked = await introductions.request(w.svc, w.bob, carol, w.alice, "hiring in Lyon")
    await introductions.forward(w.svc, w.alice, asked.id, "Carol, meet Bob")
    before = await everything(w.svc.db)
    with pytest.raises(DBAPIError, match="statuses refused"):
        async with refused(w.svc.db, "statuses"):
            await introductions.accept(w.svc, carol, asked.id)
    # Still forwarded: no connection, no notifications, no conversation.
    assert await everything(w.svc.db) == before

    accepted = await introductions.accept(w.svc, carol, asked.id)
    assert accepted.state == "accepted" and accepted.status_id is not None
    (message,) = await direct_messages(w, w.alice)
    assert "Carol, meet Bob" in message[0] and "hiring in Lyon" in message[0]
    assert message[1] == {w.bob.id, carol.id}
    async with w.svc.db.read() as conn:
        assert await connections_q.are_connected(conn, w.bob.id, carol.id)


async def test_an_acceptance_from_the_targets_instance_opens_it_the_same_way(
    warmline: Warmline, peer: Peer
) -> None:
    """bob asks alice to introduce him to erin, on a Warmline instance elsewhere;
    erin's Accept arrives at our inbox."""
    w = warmline
    erin_actor = peer.add("erin")
    erin = await remote_peer(w, erin_actor)  # speaks Warmline, connected to alice
    await _connect(w, w.bob, w.alice)
    asked = await introductions.request(w.svc, w.bob, erin, w.alice, "hiring in Lyon")
    await introductions.forward(w.svc, w.alice, asked.id, "Erin, meet Bob")
    await w.run_deliveries()
    assert [kind for _, kind in peer.posted()] == ["Introduce"]
    peer.received.clear()

    accept = remote_activity(erin_actor, "Accept", asked.uri)
    before = await everything(w.svc.db, leave_out=("inbox_items",))
    async with refused(w.svc.db, "statuses"):
        await w.deliver(erin_actor, accept)  # the worker fails the item, to retry later
    assert await everything(w.svc.db, leave_out=("inbox_items",)) == before

    later = datetime.now(UTC) + timedelta(hours=1)
    w.svc.clock = lambda: later  # past the item's retry time
    assert await w.run_inbox() == 1
    async with w.svc.db.read() as conn:
        intro = await intro_q.get_introduction(conn, asked.id)
        assert await connections_q.are_connected(conn, w.bob.id, erin.id)
    assert intro is not None and intro.state == "accepted" and intro.status_id is not None
    (message,) = await direct_messages(w, w.alice)
    assert "Erin, meet Bob" in message[0] and message[1] == {w.bob.id, erin.id}
    await w.run_deliveries()
    # The message, and bob following erin: connecting means following each other.
    assert sorted(kind for _, kind in peer.posted()) == ["Create", "Follow"]
    (create,) = [r.doc for r in peer.received if r.doc["type"] == "Create"]
    note = create["object"]
    assert sorted(note["to"]) == sorted(["http://a.test/users/bob", erin_actor.id])
    assert not note.get("cc")
