"""Incoming Follow, Accept and Reject."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from federation.vocab import get_id
from server.services import connections, graph
from server.services.context import Services
from server.services.inbound import endorsements
from server.services.notify import notify
from server.services.outbox import Recipients, send
from server.store import account_domain_blocks as domain_blocks_q
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import graph as q
from server.store import groups as groups_q
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED, PENDING


async def on_follow(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """Someone follows a member or joins a group here: accepted at once, or
    pending when the member (or group) approves by hand, refused when the group
    banned them, unless they are connected (or the member asked
    to connect with them): the connection is the consent, and its own
    notifications say it (server/services/connections.py)."""
    username = svc.urls.local_username(get_id(doc.get("object")) or "")
    follow_uri = get_id(doc.get("id"))
    if username is None or follow_uri is None:
        return
    follower = await svc.remote.fetch_actor(actor)
    async with svc.db.transaction() as conn:
        target = await accounts_q.get_local_account(conn, username)
        if target is None or target.actor_type not in ("Person", "Group"):
            return
        if (
            await connections_q.blocked_either_way(conn, follower.id, target.id)
            or await groups_q.is_banned(conn, target.id, follower.id)
            or await domain_blocks_q.is_blocked(conn, target.id, follower.domain)
        ):
            await _refuse(svc, conn, target, follower, follow_uri)
            return
        existing = await q.get_follow(conn, follower.id, target.id)
        consented = await _connected_or_asked(conn, target, follower)
        if existing is None:
            state = PENDING if target.locked and not consented else ACCEPTED
            await q.insert_follow(
                conn,
                {
                    "id": svc.db.new_id(),
                    "account_id": follower.id,
                    "target_account_id": target.id,
                    "state": state,
                    "uri": follow_uri,
                    "created_at": svc.now(),
                },
            )
            if not consented:
                await graph.tell_followed(svc, conn, target, follower.id, state)
        elif existing.uri != follow_uri:
            await q.delete_follow(conn, existing.id)  # a fresh Follow replaces a stale one
            await q.insert_follow(
                conn, {**_as_dict(existing), "id": svc.db.new_id(), "uri": follow_uri}
            )
            state = existing.state
        else:
            state = existing.state
        await connections.followed_back(svc, conn, target, follower)
        if state == ACCEPTED:
            follow_doc = ap.follow(follow_uri, actor, svc.urls.actor(target.username))
            activity_id = svc.urls.activity(target.username, "accepts", svc.db.new_id())
            accept = ap.accept_follow(activity_id, svc.urls.actor(target.username), follow_doc)
            await send(svc, conn, target, accept, Recipients(accounts=[follower]))
    svc.wake.deliveries.set()


async def _connected_or_asked(
    conn: AsyncConnection, member: AccountRow, follower: AccountRow
) -> bool:
    if await connections_q.are_connected(conn, member.id, follower.id):
        return True
    return await connections_q.pending_request(conn, member.id, follower.id) is not None


async def _refuse(
    svc: Services, conn: AsyncConnection, target: AccountRow, follower: AccountRow, follow_uri: str
) -> None:
    """A Follow across a block, either way: answered with Reject, nothing stored."""
    follow_doc = ap.follow(follow_uri, follower.uri or "", svc.urls.actor(target.username))
    activity_id = svc.urls.activity(target.username, "rejects", svc.db.new_id())
    reject = ap.reject_follow(activity_id, svc.urls.actor(target.username), follow_doc)
    await send(svc, conn, target, reject, Recipients(accounts=[follower]))


def _as_dict(row: q.FollowRow) -> dict[str, Any]:
    return {
        "account_id": row.account_id,
        "target_account_id": row.target_account_id,
        "state": row.state,
        "created_at": row.created_at,
    }


async def on_accept(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """The door checked this answers a follow we sent to ``actor``."""
    if await endorsements.on_accept(svc, doc, actor):
        return
    async with svc.db.transaction() as conn:
        follow = await q.get_follow_by_uri(conn, get_id(doc.get("object")) or "")
        if follow is not None and follow.state == PENDING:
            await q.set_follow_state(conn, follow.id, ACCEPTED)
            group = await accounts_q.get_account(conn, follow.target_account_id)
            if group is not None and group.actor_type == "Group" and group.locked:
                await notify(svc, conn, follow.account_id, "warmline.group_accepted", group.id,
                             subject_id=group.id)  # fmt: skip


async def on_reject(svc: Services, doc: dict[str, Any], actor: str) -> None:
    if await endorsements.on_reject(svc, doc, actor):
        return
    async with svc.db.transaction() as conn:
        follow = await q.get_follow_by_uri(conn, get_id(doc.get("object")) or "")
        if follow is not None:
            await q.delete_follow(conn, follow.id)
