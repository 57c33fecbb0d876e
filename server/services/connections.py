"""Connections: mutual, by consent, with a short note — locally and across instances.

Between Warmline members a request is a ``Connect`` activity answered with
``Accept``/``Reject`` and withdrawn with ``Undo``; either side ends a
connection with ``Disconnect``. Towards a plain ActivityPub account (Mastodon
and the rest) the request degrades to a Follow plus a direct message carrying
the note; it becomes a connection when that account follows back.

Connecting means following each other, as on LinkedIn: when a connection is
made (here or on the other side's instance), each local party follows the
other, in the connection's transaction (a Follow goes out to a remote party).
The connection is the consent: such a follow is accepted even when its target
approves followers by hand, and a follow request either had sent the other is
accepted with it. Ending a connection ends the follows both ways: each
instance undoes its own members' follows (a plain ActivityPub account that
followed back to connect hears Reject of its follow, as Mastodon's "remove
follower" says it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import relations as wl
from server.services import graph, objects, posts
from server.services.context import Services
from server.services.errors import Conflict, Forbidden, NotFound, TooMany, ValidationError
from server.services.notify import notify
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import connections as q
from server.store import graph as graph_q
from server.store import interactions as interactions_q
from server.store.accounts import AccountRow
from server.store.connections import ACCEPTED, DECLINED, PENDING, WITHDRAWN, RequestRow
from server.store.statuses import Page

MAX_NOTE = 500
MOVED_CONNECT = "moved-connect"  # the kind in the ids of requests made for a move
VISIBILITIES = ("public", "connections", "private")


def clean_note(note: object) -> str:
    if not isinstance(note, str):
        raise ValidationError("note must be text", field="note")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError(f"note is longer than {MAX_NOTE} characters", field="note")
    return note


async def _check_allowed(conn: AsyncConnection, me: AccountRow, target: AccountRow) -> None:
    if me.id == target.id:
        raise ValidationError("you cannot connect with yourself", field="account_id")
    if target.actor_type == "Group":
        raise ValidationError("a group is joined, not connected with", field="account_id")
    if await q.blocked_either_way(conn, me.id, target.id):
        raise Forbidden("you cannot connect with this account: one of you has blocked the other")
    if await q.are_connected(conn, me.id, target.id):
        raise Conflict("you are already connected")


async def request(svc: Services, me: AccountRow, target: AccountRow, note: str) -> RequestRow:
    """Ask ``target`` to connect. A request they already sent us is accepted instead."""
    note = clean_note(note)
    async with svc.db.read() as conn:
        await _check_allowed(conn, me, target)
        theirs = await q.pending_request(conn, target.id, me.id)
    if theirs is not None:
        return await answer(svc, me, theirs.id, accept=True)
    async with svc.db.transaction() as conn:
        existing = await q.pending_request(conn, me.id, target.id)
        if existing is not None:
            return existing
        if await over_daily_limit(svc, conn, me):
            limit = svc.config.network.connection_request_daily_limit
            raise TooMany(f"you can send {limit} connection requests a day; try again tomorrow")
        row = await _insert_request(svc, conn, me, target, note)
        if target.is_local:
            await notify(
                svc, conn, target.id, "warmline.connection_request", me.id, subject_id=row.id
            )
        elif target.speaks_warmline:
            doc = wl.connect(row.uri, objects.account_uri(svc, me), target.uri or "", note)
            await send(svc, conn, me, doc, Recipients(accounts=[target]))
        else:
            await _fallback(svc, conn, me, target, note)
    svc.wake.deliveries.set()
    return row


async def over_daily_limit(svc: Services, conn: AsyncConnection, requester: AccountRow) -> bool:
    """Whether ``requester`` (here or elsewhere) sent its day's connection requests
    (not counting those this server made for a member who moved: ``move_carry``)."""
    since = svc.now() - timedelta(days=1)
    limit = svc.config.network.connection_request_daily_limit
    carried = f"{svc.urls.base}/users/%#{MOVED_CONNECT}/%"
    sent = await q.count_requested_since(conn, requester.id, since, except_uri_like=carried)
    return sent >= limit


async def _insert_request(
    svc: Services, conn: AsyncConnection, me: AccountRow, target: AccountRow, note: str
) -> RequestRow:
    now, request_id = svc.now(), svc.db.new_id()
    await q.insert_request(
        conn,
        {
            "id": request_id,
            "account_id": me.id,
            "target_account_id": target.id,
            "note": note,
            "state": PENDING,
            "uri": svc.urls.activity(me.username, "connect", request_id),
            "fallback": not target.speaks_warmline,
            "created_at": now,
            "updated_at": now,
        },
    )
    row = await q.get_request(conn, request_id)
    assert row is not None
    return row


async def _fallback(
    svc: Services, conn: AsyncConnection, me: AccountRow, target: AccountRow, note: str
) -> None:
    """A plain ActivityPub account: follow it, and tell it in a direct message,
    in the request's transaction."""
    await graph.write_follow(svc, conn, me, target)
    words = f"I would like to connect with you on Warmline. {note}".strip()
    await posts.write_status(svc, conn, me, posts.direct_message(svc, [target], words))


async def followed_back(
    svc: Services, conn: AsyncConnection, member: AccountRow, follower: AccountRow
) -> None:
    """A plain ActivityPub account ``member`` asked to connect (a fallback request)
    follows them: that is its way of saying yes."""
    row = await q.pending_request(conn, member.id, follower.id)
    if row is None or not row.fallback:
        return
    await q.set_request_state(conn, row.id, ACCEPTED, svc.now())
    await connect(svc, conn, member, follower, row.note)
    await notify(
        svc, conn, member.id, "warmline.connection_accepted", follower.id, subject_id=row.id
    )


async def connect(
    svc: Services, conn: AsyncConnection, a: AccountRow, b: AccountRow, note: str
) -> bool:
    """Inside the caller's transaction: connect ``a`` and ``b``, and make each
    local party follow the other (module docstring); False when they already were."""
    if not await q.insert_connection(conn, a.id, b.id, note, svc.now()):
        return False
    for follower, target in ((a, b), (b, a)):
        if follower.is_local:
            await graph.write_follow(svc, conn, follower, target, consented=True)
        if target.is_local:  # a request still waiting: the connection says yes
            row = await graph_q.get_follow(conn, follower.id, target.id)
            if row is not None and row.state == graph_q.PENDING:
                await graph.write_answer(svc, conn, target, follower, row, accept=True)
            # A follow that came ahead of the connection (a peer's Follow can
            # overtake the Accept it follows) is said by the connection's notice.
            await interactions_q.delete_notifications_from(
                conn, target.id, follower.id, ("follow", "follow_request")
            )
    return True


async def unfollow_each_other(
    svc: Services, conn: AsyncConnection, me: AccountRow, peer: AccountRow
) -> None:
    """Inside the caller's transaction, once a connection ended: the follows
    between a local ``me`` and ``peer`` end both ways (module docstring)."""
    await graph.write_unfollow(svc, conn, me, peer)
    if peer.is_local:
        await graph.write_unfollow(svc, conn, peer, me)
        return
    theirs = await graph_q.get_follow(conn, peer.id, me.id)
    if theirs is not None and not peer.speaks_warmline:  # a Warmline peer undoes its own
        await graph.write_answer(svc, conn, me, peer, theirs, accept=False)


async def answer(svc: Services, me: AccountRow, request_id: int, *, accept: bool) -> RequestRow:
    """Accept or decline a pending request sent to ``me``."""
    async with svc.db.transaction() as conn:
        row = await q.get_request(conn, request_id)
        if row is None or row.target_account_id != me.id:
            raise NotFound("Connection request not found")
        if row.state != PENDING:
            raise Conflict(f"this connection request is {row.state}")
        requester = await accounts_q.get_account(conn, row.account_id)
        assert requester is not None
        await q.set_request_state(conn, row.id, ACCEPTED if accept else DECLINED, svc.now())
        if accept:
            await connect(svc, conn, requester, me, row.note)
        if requester.is_local and accept:
            await notify(
                svc, conn, requester.id, "warmline.connection_accepted", me.id, subject_id=row.id
            )
        elif not requester.is_local:
            await _send_answer(svc, conn, me, requester, row, "Accept" if accept else "Reject")
        updated = await q.get_request(conn, row.id)
    svc.wake.deliveries.set()
    assert updated is not None
    return updated


async def withdraw(svc: Services, me: AccountRow, request_id: int) -> RequestRow:
    """Withdraw a pending request ``me`` sent."""
    async with svc.db.transaction() as conn:
        row = await q.get_request(conn, request_id)
        if row is None or row.account_id != me.id:
            raise NotFound("Connection request not found")
        if row.state != PENDING:
            raise Conflict(f"this connection request is {row.state}")
        await q.set_request_state(conn, row.id, WITHDRAWN, svc.now())
        target = await accounts_q.get_account(conn, row.target_account_id)
        if target is not None:
            await _send_withdrawal(svc, conn, me, target, row)
        updated = await q.get_request(conn, row.id)
    svc.wake.deliveries.set()
    assert updated is not None
    return updated


async def _send_answer(
    svc: Services,
    conn: AsyncConnection,
    me: AccountRow,
    requester: AccountRow,
    row: RequestRow,
    kind: str,
) -> None:
    """``me`` answers a remote ``requester``'s request with ``kind`` (Accept or Reject)."""
    activity_id = svc.urls.activity(me.username, kind.lower(), row.id)
    doc = wl.answer(
        kind, activity_id, objects.account_uri(svc, me), row.uri, to=[requester.uri or ""]
    )
    await send(svc, conn, me, doc, Recipients(accounts=[requester]))


async def _send_withdrawal(
    svc: Services, conn: AsyncConnection, me: AccountRow, target: AccountRow, row: RequestRow
) -> None:
    """A remote Warmline ``target`` hears Undo of ``me``'s request (a fallback
    request is a follow: its Undo goes with the follow's)."""
    if target.is_local or row.fallback:
        return
    doc = wl.undo_by_id(
        f"{row.uri}/undo", objects.account_uri(svc, me), row.uri, to=[target.uri or ""]
    )
    await send(svc, conn, me, doc, Recipients(accounts=[target]))


async def end_requests(
    svc: Services, conn: AsyncConnection, blocker: AccountRow, other: AccountRow, *, tell: bool
) -> None:
    """A block, in its transaction: the pending requests between the two end,
    the blocker's own withdrawn and the other's declined. With ``tell`` (a member
    blocks), a remote ``other`` hears it as if the member had done it by hand;
    without (a remote account blocked a member), its server has dropped them."""
    for row in await q.pending_between(conn, blocker.id, other.id):
        mine = row.account_id == blocker.id
        await q.set_request_state(conn, row.id, WITHDRAWN if mine else DECLINED, svc.now())
        if not tell:
            continue
        if mine:
            await _send_withdrawal(svc, conn, blocker, other, row)
        elif not other.is_local:
            await _send_answer(svc, conn, blocker, other, row, "Reject")


async def refuse_request(
    svc: Services, conn: AsyncConnection, me: AccountRow, requester: AccountRow, uri: str
) -> None:
    """A remote ``requester``'s Connect that may not be (a block stands between
    them): answered with Reject, nothing stored."""
    activity_id = svc.urls.activity(me.username, "reject", svc.db.new_id())
    doc = wl.answer(
        "Reject", activity_id, objects.account_uri(svc, me), uri, to=[requester.uri or ""]
    )
    await send(svc, conn, me, doc, Recipients(accounts=[requester]))


async def remove(svc: Services, me: AccountRow, peer: AccountRow) -> None:
    """End a connection, and the follows between the two (module docstring);
    the other side's instance hears ``Disconnect``."""
    async with svc.db.transaction() as conn:
        if not await end_connection(svc, conn, me, peer, tell=True):
            raise NotFound("you are not connected to this account")
        await unfollow_each_other(svc, conn, me, peer)
    svc.wake.deliveries.set()


async def end_connection(
    svc: Services, conn: AsyncConnection, me: AccountRow, peer: AccountRow, *, tell: bool
) -> bool:
    """End a connection in the caller's transaction (``tell``: a remote Warmline
    peer hears ``Disconnect``); False when there was none."""
    if not await q.delete_connection(conn, me.id, peer.id):
        return False
    if tell and not peer.is_local and peer.speaks_warmline:
        activity_id = svc.urls.activity(me.username, "disconnect", svc.db.new_id())
        doc = wl.disconnect(activity_id, objects.account_uri(svc, me), peer.uri or "")
        await send(svc, conn, me, doc, Recipients(accounts=[peer]))
    return True


@dataclass(frozen=True, slots=True)
class Listed:
    requests: list[RequestRow]
    accounts: dict[int, AccountRow]


async def requests(svc: Services, me: AccountRow, page: Page, *, incoming: bool) -> Listed:
    async with svc.db.read() as conn:
        found = await q.list_requests(conn, me.id, page, incoming=incoming)
        others = await accounts_q.get_accounts(
            conn, [r.account_id if incoming else r.target_account_id for r in found]
        )
    return Listed(found, others)


@dataclass(frozen=True, slots=True)
class States:
    """Where a member stands with each of a list of accounts."""

    connected: set[int]
    sent: set[int]  # the member's request to them is pending
    received: dict[int, int]  # their pending request to the member, by its id

    def of(self, account_id: int) -> str:
        if account_id in self.connected:
            return "connected"
        if account_id in self.received:
            return "received"
        return "sent" if account_id in self.sent else ""


async def states(svc: Services, me: AccountRow, ids: list[int]) -> States:
    async with svc.db.read() as conn:
        return States(*await q.connection_states(conn, me.id, ids))


async def visible_connections(
    svc: Services, viewer: AccountRow | None, owner: AccountRow, *, limit: int, offset: int
) -> list[q.ConnectionRow]:
    """``owner``'s connections, if ``viewer`` may see them (their visibility setting)."""
    async with svc.db.read() as conn:
        if not await may_see_connections(conn, viewer, owner):
            raise Forbidden("this member's connections are not visible to you")
        return await q.list_connections(conn, owner.id, limit=limit, offset=offset)


async def count(svc: Services, owner: AccountRow) -> int:
    """How many connections ``owner`` has (the number is public, as on the actor)."""
    async with svc.db.read() as conn:
        return await q.count_connections(conn, owner.id)


async def may_see_connections(
    conn: AsyncConnection, viewer: AccountRow | None, owner: AccountRow
) -> bool:
    if viewer is not None and viewer.id == owner.id:
        return True
    if owner.connections_visibility == "public":
        return True
    if owner.connections_visibility == "connections" and viewer is not None:
        return await q.are_connected(conn, viewer.id, owner.id)
    return False


@dataclass(frozen=True, slots=True)
class Between:
    """Where ``me`` stands with another account: connected, or a request either way."""

    connected: bool
    sent: RequestRow | None  # my pending request to them
    received: RequestRow | None  # their pending request to me


async def between(svc: Services, me: AccountRow, other: AccountRow) -> Between:
    async with svc.db.read() as conn:
        connected = await q.are_connected(conn, me.id, other.id)
        pending = await q.pending_between(conn, me.id, other.id)
    return Between(
        connected=connected,
        sent=next((r for r in pending if r.account_id == me.id), None),
        received=next((r for r in pending if r.account_id == other.id), None),
    )


@dataclass(frozen=True, slots=True)
class Preview:
    count: int
    few: list[AccountRow]  # the most recent


async def preview(
    svc: Services, viewer: AccountRow | None, owner: AccountRow, *, few: int = 6
) -> Preview | None:
    """How many connections ``owner`` has and a few of them, or None when
    ``viewer`` may not see them."""
    async with svc.db.read() as conn:
        if not await may_see_connections(conn, viewer, owner):
            return None
        found = await q.list_connections(conn, owner.id, limit=few) if few else []
        return Preview(await q.count_connections(conn, owner.id), [c.peer for c in found])
