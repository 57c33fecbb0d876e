"""Member blocks, as Mastodon does them, locally and across instances.

A block cuts every tie between two accounts in one transaction: the follows
both ways (a pending follow request too), a connection, the pending connection
requests and open introductions between them (``connections.end_requests``,
``introductions.end_between``), the blocker's notifications from the other,
and, for a remote account, the ``Block`` activity that tells its server, queued
with the block row. Nothing passes between them afterwards (no connection, introduction or
endorsement; no notification: ``notify``), and neither sees the other's posts
in timelines or streams, nor finds the other in search.
Unblocking a remote account sends ``Undo(Block)``; the follows stay ended.

Incoming ``Block``/``Undo(Block)`` are handled in ``inbound/blocks.py`` with
``sever`` from here, sending nothing back (the blocker's server already knows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from server.services import connections, graph, introductions, objects
from server.services.context import Services
from server.services.errors import ValidationError
from server.services.outbox import Recipients, send
from server.store import connections as q
from server.store import feeds as feeds_q
from server.store import graph as graph_q
from server.store import interactions as interactions_q
from server.store.accounts import AccountRow
from server.store.graph import PENDING


async def block(svc: Services, me: AccountRow, target: AccountRow, *, on: bool) -> None:
    """Block (``on``) or unblock ``target``; blocking twice changes nothing."""
    if me.id == target.id:
        raise ValidationError("you cannot block yourself")
    async with svc.db.transaction() as conn:
        if on:
            await _block(svc, conn, me, target)
        else:
            await _unblock(svc, conn, me, target)
    await svc.stream.reload(svc.db, [me.id, target.id])
    svc.wake.deliveries.set()


async def _block(svc: Services, conn: AsyncConnection, me: AccountRow, target: AccountRow) -> None:
    uri = None if target.is_local else svc.urls.activity(me.username, "blocks", svc.db.new_id())
    if not await q.insert_block(conn, me.id, target.id, svc.now(), uri):
        return
    await sever(svc, conn, me, target, federate=True)
    # What the blocked account did before is no longer shown either (Mastodon's AfterBlockService)
    await interactions_q.delete_notifications_from(conn, me.id, target.id)
    if uri is not None:
        await send(svc, conn, me, block_document(svc, me, target, uri), _to(target))


async def _unblock(
    svc: Services, conn: AsyncConnection, me: AccountRow, target: AccountRow
) -> None:
    row = await q.get_block(conn, me.id, target.id)
    if row is None or not await q.delete_block(conn, me.id, target.id):
        return
    if not target.is_local and row.uri:  # blocks older than Block activities never went out
        undone = block_document(svc, me, target, row.uri)
        doc = ap.undo(f"{row.uri}/undo", undone["actor"], undone, to=[undone["object"]])
        await send(svc, conn, me, doc, _to(target))


def block_document(svc: Services, me: AccountRow, target: AccountRow, uri: str) -> dict[str, Any]:
    return ap.block(uri, objects.account_uri(svc, me), objects.account_uri(svc, target))


def _to(target: AccountRow) -> Recipients:
    return Recipients(accounts=[target])


async def sever(
    svc: Services, conn: AsyncConnection, blocker: AccountRow, other: AccountRow, *, federate: bool
) -> None:
    """End the follows both ways and the connection between ``blocker`` and ``other``.

    With ``federate`` (a member blocks): a remote ``other`` gets Undo(Follow)
    for the member's follow, Reject(Follow) for its pending request, and
    Disconnect when it speaks Warmline. Without (a remote account blocked a
    member): nothing is sent, its server dropped these itself."""
    mine = await graph_q.get_follow(conn, blocker.id, other.id)
    if mine is not None:
        if federate:
            await graph.write_unfollow(svc, conn, blocker, other)
        else:
            await _drop(conn, mine)
    theirs = await graph_q.get_follow(conn, other.id, blocker.id)
    if theirs is not None:
        await _drop(conn, theirs)
        if federate and not other.is_local and theirs.state == PENDING:
            doc = graph.answer_document(svc, blocker, other, theirs, accept=False)
            await send(svc, conn, blocker, doc, _to(other))
    await connections.end_connection(svc, conn, blocker, other, tell=federate)
    await connections.end_requests(svc, conn, blocker, other, tell=federate)
    await introductions.end_between(svc, conn, blocker, other)


async def _drop(conn: AsyncConnection, row: graph_q.FollowRow) -> None:
    await graph_q.delete_follow(conn, row.id)
    await feeds_q.remove_account_from_home_feed(conn, row.account_id, row.target_account_id)
