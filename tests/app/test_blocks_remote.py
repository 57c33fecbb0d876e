# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Blocks across instances: what a member's block sends, and what a peer's Block does here.

One Warmline app (a.test, workers off) and a fake peer on loopback that serves
its actors with real keys, signs what it delivers and records what we POST.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from atomicity import everything, refused
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from federation.validate import validate
from server.services import blocks, graph, timelines
from server.services.errors import Forbidden
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import graph as graph_q
from server.store.accounts import AccountRow
from server.store.statuses import Page
from server.store.tables import blocks as blocks_table
from server.store.tables import inbox_items
from tests.app.test_endorsements_remote import post_signed
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    BASE,
    PUBLIC,
    Peer,
    RemoteActor,
    Warmline,
    alice_follows,
    make_peer,
    peer,
    remote_activity,
    start_warmline,
    warmline,
)

ALICE = f"{BASE}/users/alice"


async def follow_row(w: Warmline, follower: AccountRow, target: AccountRow) -> Any:
    async with w.svc.db.read() as conn:
        return await graph_q.get_follow(conn, follower.id, target.id)


async def mutual(w: Warmline, actor: RemoteActor) -> AccountRow:
    """``actor`` follows alice and alice follows ``actor`` (both accepted)."""
    await w.remote_follows(actor, w.alice)
    await alice_follows(w, actor)
    account = await w.remote_account(actor)
    assert await follow_row(w, account, w.alice) is not None
    assert await follow_row(w, w.alice, account) is not None
    return account


async def count(w: Warmline, table: Any) -> int:
    async with w.svc.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


# --- a member blocks a remote account --------------------------------------------------


async def test_blocking_a_remote_follower_ends_both_follows_and_sends_block(
    warmline: Warmline, peer: Peer
) -> None:
    erin = peer.add("erin")
    erin_account = await mutual(warmline, erin)
    await warmline.run_deliveries()
    peer.received.clear()

    await blocks.block(warmline.svc, warmline.alice, erin_account, on=True)

    assert await follow_row(warmline, erin_account, warmline.alice) is None
    assert await follow_row(warmline, warmline.alice, erin_account) is None
    block = await warmline.last_sent("Block")
    assert (block["actor"], block["object"], block["to"]) == (ALICE, erin.id, [erin.id])
    validate("activity", block)
    undo = await warmline.last_sent("Undo")
    assert undo["object"]["type"] == "Follow" and undo["object"]["object"] == erin.id
    (relation,) = await graph.relationships(warmline.svc, warmline.alice, [erin_account.id])
    assert relation.blocking and not relation.following and not relation.followed_by
    await warmline.run_deliveries()
    assert sorted(peer.posted()) == [("/inbox", "Block"), ("/inbox", "Undo")]
    # alice's followers-only posts no longer go to erin's server
    async with warmline.svc.db.read() as conn:
        assert await graph_q.follower_inboxes(conn, warmline.alice.id) == []


async def test_a_block_whose_delivery_cannot_be_queued_changes_nothing(
    warmline: Warmline, peer: Peer
) -> None:
    erin_account = await mutual(warmline, peer.add("erin"))
    before = await everything(warmline.svc.db)

    with pytest.raises(DBAPIError, match="deliveries refused"):
        async with refused(warmline.svc.db, "deliveries"):
            await blocks.block(warmline.svc, warmline.alice, erin_account, on=True)

    assert await everything(warmline.svc.db) == before


async def test_blocking_rejects_a_pending_follow_request(warmline: Warmline, peer: Peer) -> None:
    erin = peer.add("erin")
    async with warmline.svc.db.transaction() as conn:
        await accounts_q.update_account(conn, warmline.alice.id, {"locked": True})
    alice = await warmline.refresh(warmline.alice)
    await warmline.remote_follows(erin, alice)
    erin_account = await warmline.remote_account(erin)
    assert (await follow_row(warmline, erin_account, alice)).state == graph_q.PENDING

    await blocks.block(warmline.svc, alice, erin_account, on=True)

    assert await follow_row(warmline, erin_account, alice) is None
    reject = await warmline.last_sent("Reject")
    assert reject["object"]["actor"] == erin.id and reject["object"]["object"] == ALICE
    assert (await warmline.last_sent("Block"))["object"] == erin.id


async def test_unblocking_a_remote_account_sends_undo_of_the_block(
    warmline: Warmline, peer: Peer
) -> None:
    erin_account = await warmline.remote_account(peer.add("erin"))
    await blocks.block(warmline.svc, warmline.alice, erin_account, on=True)
    block = await warmline.last_sent("Block")

    await blocks.block(warmline.svc, warmline.alice, erin_account, on=False)

    undo = await warmline.last_sent("Undo")
    assert undo["actor"] == ALICE and undo["object"]["id"] == block["id"]
    validate("activity", undo)
    assert undo["object"]["type"] == "Block"
    (relation,) = await graph.relationships(warmline.svc, warmline.alice, [erin_account.id])
    assert not relation.blocking
    await warmline.run_deliveries()
    assert peer.posted() == [("/inbox", "Block"), ("/inbox", "Undo")]


async def test_blocking_twice_sends_one_block(warmline: Warmline, peer: Peer) -> None:
    erin_account = await warmline.remote_account(peer.add("erin"))
    await blocks.block(warmline.svc, warmline.alice, erin_account, on=True)
    await blocks.block(warmline.svc, warmline.alice, erin_account, on=True)
    assert len(await warmline.sent("Block")) == 1


async def test_blocking_a_local_member_ends_follows_and_sends_nothing(warmline: Warmline) -> None:
    await graph.follow(warmline.svc, warmline.alice, warmline.bob)
    await graph.follow(warmline.svc, warmline.bob, warmline.alice)

    await blocks.block(warmline.svc, warmline.alice, warmline.bob, on=True)

    assert await follow_row(warmline, warmline.alice, warmline.bob) is None
    assert await follow_row(warmline, warmline.bob, warmline.alice) is None
    assert await warmline.sent("Block") == []
    (relation,) = await graph.relationships(warmline.svc, warmline.bob, [warmline.alice.id])
    assert relation.blocked_by


async def test_a_follow_from_a_blocked_account_is_rejected(warmline: Warmline, peer: Peer) -> None:
    erin = peer.add("erin")
    erin_account = await warmline.remote_account(erin)
    await blocks.block(warmline.svc, warmline.alice, erin_account, on=True)

    await warmline.remote_follows(erin, warmline.alice)

    assert await follow_row(warmline, erin_account, warmline.alice) is None
    assert (await warmline.last_sent("Reject"))["object"]["actor"] == erin.id
    assert await warmline.sent("Accept") == []


# --- a remote account blocks a member --------------------------------------------------


async def test_an_incoming_block_ends_follows_both_ways_and_hides_the_blockers_posts(
    warmline: Warmline, peer: Peer
) -> None:
    erin = peer.add("erin")
    erin_account = await mutual(warmline, erin)
    note = peer.publish(erin, "Before the block")
    await warmline.deliver(erin, remote_activity(erin, "Create", note, to=[PUBLIC]))
    assert [s.uri for s in await timelines.home(warmline.svc, warmline.alice, Page())] == [
        note["id"]
    ]
    async with warmline.svc.db.transaction() as conn:
        now = datetime.now(UTC)
        await connections_q.insert_connection(conn, warmline.alice.id, erin_account.id, "", now)
    sent_before = await warmline.deliveries()

    await warmline.deliver(erin, remote_activity(erin, "Block", ALICE))

    assert await follow_row(warmline, erin_account, warmline.alice) is None
    assert await follow_row(warmline, warmline.alice, erin_account) is None
    async with warmline.svc.db.read() as conn:
        assert not await connections_q.are_connected(conn, warmline.alice.id, erin_account.id)
    assert await timelines.home(warmline.svc, warmline.alice, Page()) == []
    (relation,) = await graph.relationships(warmline.svc, warmline.alice, [erin_account.id])
    assert relation.blocked_by and not relation.blocking
    assert await warmline.deliveries() == sent_before  # nothing sent back
    notes = await timelines.notifications(warmline.svc, warmline.alice, Page())
    assert [n.type for n in notes] == ["follow"]  # from before; the block notifies nobody
    # and alice cannot follow erin again while the block stands
    with pytest.raises(Forbidden, match="cannot follow"):
        await graph.follow(warmline.svc, warmline.alice, erin_account)


async def test_a_block_of_someone_not_ours_is_ignored(warmline: Warmline, peer: Peer) -> None:
    erin, dave = peer.add("erin"), peer.add("dave")
    await warmline.remote_account(dave)
    await warmline.deliver(erin, remote_activity(erin, "Block", dave.id))
    await warmline.deliver(erin, remote_activity(erin, "Block", f"{BASE}/users/nobody"))
    assert await count(warmline, blocks_table) == 0


async def test_an_undo_of_a_block_by_someone_else_is_refused_at_the_door(
    warmline: Warmline, peer: Peer
) -> None:
    erin, mallory = peer.add("erin"), peer.add("mallory")
    block = remote_activity(erin, "Block", ALICE)
    await warmline.deliver(erin, block)
    stored = await count(warmline, inbox_items)

    forged = remote_activity(mallory, "Undo", block["id"])
    assert await post_signed(warmline, mallory, forged) == 403
    embedded = remote_activity(mallory, "Undo", block)
    assert await post_signed(warmline, mallory, embedded) in (401, 403)

    assert await count(warmline, inbox_items) == stored
    assert await count(warmline, blocks_table) == 1


async def test_an_undo_of_a_block_by_the_blocker_lifts_it(warmline: Warmline, peer: Peer) -> None:
    erin = peer.add("erin")
    block = remote_activity(erin, "Block", ALICE)
    await warmline.deliver(erin, block)
    erin_account = await warmline.remote_account(erin)

    await warmline.deliver(erin, remote_activity(erin, "Undo", block))

    assert await count(warmline, blocks_table) == 0
    (relation,) = await graph.relationships(warmline.svc, warmline.alice, [erin_account.id])
    assert not relation.blocked_by
    await graph.follow(warmline.svc, warmline.alice, erin_account)  # allowed again


async def test_an_undo_naming_a_block_id_we_never_stored_still_lifts_the_signers_block(
    warmline: Warmline, peer: Peer
) -> None:
    erin = peer.add("erin")
    await warmline.deliver(erin, remote_activity(erin, "Block", ALICE))
    other_id = remote_activity(erin, "Block", ALICE)  # e.g. the peer lost its first id

    await warmline.deliver(erin, remote_activity(erin, "Undo", other_id))

    assert await count(warmline, blocks_table) == 0
