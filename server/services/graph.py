"""Follows: request, accept, reject, undo — locally and across instances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from server.services import objects
from server.services.context import Services
from server.services.errors import Forbidden, NotFound, ValidationError
from server.services.notify import notify, notify_follow
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import feeds as feeds_q
from server.store import graph as q
from server.store import groups as groups_q
from server.store import relations as relations_q
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED, PENDING, FollowRow
from server.store.statuses import Page


async def get_account(svc: Services, account_id: int) -> AccountRow:
    async with svc.db.read() as conn:
        account = await accounts_q.get_account(conn, account_id)
    if account is None or account.suspended_at is not None or account.actor_type == "Application":
        raise NotFound("Record not found")
    return account


def follow_document(
    svc: Services, follower: AccountRow, target: AccountRow, follow: FollowRow
) -> dict[str, Any]:
    return ap.follow(
        follow.uri, objects.account_uri(svc, follower), objects.account_uri(svc, target)
    )


async def follow(svc: Services, follower: AccountRow, target: AccountRow) -> FollowRow:
    """Follow ``target``: instantly for an open local account, as a request for
    a locked one, and as a Follow activity for a remote one (pending until Accept)."""
    if follower.id == target.id:
        raise ValidationError("you cannot follow yourself")
    async with svc.db.transaction() as conn:
        if await connections_q.blocked_either_way(conn, follower.id, target.id):
            raise Forbidden("you cannot follow this account: one of you has blocked the other")
        if target.actor_type == "Group" and await groups_q.is_banned(conn, target.id, follower.id):
            raise Forbidden("you cannot join this group: its moderators removed you from it")
        row = await write_follow(svc, conn, follower, target)
    svc.wake.deliveries.set()
    return row


async def write_follow(
    svc: Services,
    conn: AsyncConnection,
    follower: AccountRow,
    target: AccountRow,
    *,
    consented: bool = False,
) -> FollowRow:
    """``follow`` inside the caller's transaction (an existing follow is kept as it is).

    ``consented``: a local target already said yes to this follower (they just
    connected), so the follow is accepted even when the target approves
    followers by hand, and the target is not notified of it: the connection's
    own notification tells them."""
    existing = await q.get_follow(conn, follower.id, target.id)
    if existing is not None:
        return existing
    follow_id = svc.db.new_id()
    state = ACCEPTED if target.is_local and (consented or not target.locked) else PENDING
    await q.insert_follow(
        conn,
        {
            "id": follow_id,
            "account_id": follower.id,
            "target_account_id": target.id,
            "state": state,
            "uri": svc.urls.follow_activity(follower.username, follow_id),
            "created_at": svc.now(),
        },
    )
    row = await q.get_follow(conn, follower.id, target.id)
    assert row is not None
    if target.is_local:
        if not consented:
            await tell_followed(svc, conn, target, follower.id, state)
    else:
        doc = follow_document(svc, follower, target, row)
        await send(svc, conn, follower, doc, Recipients(accounts=[target]))
    return row


async def tell_followed(
    svc: Services, conn: AsyncConnection, target: AccountRow, follower_id: int, state: str
) -> None:
    """A local member hears of a new follower or follow request; a local group's
    moderators hear that someone asks to join (a group reads no notifications)."""
    if target.actor_type != "Group":
        await notify_follow(svc, conn, target.id, follower_id, accepted=state == ACCEPTED)
    elif state == PENDING:
        for moderator_id in await groups_q.roles(conn, target.id):
            await notify(
                svc, conn, moderator_id, "warmline.group_request", follower_id, subject_id=target.id
            )


async def unfollow(svc: Services, follower: AccountRow, target: AccountRow) -> None:
    """Stop following (or withdraw a request); a remote target receives Undo(Follow)."""
    async with svc.db.transaction() as conn:
        await check_may_leave(conn, follower, target)
        await write_unfollow(svc, conn, follower, target)
    svc.wake.deliveries.set()


async def check_may_leave(conn: AsyncConnection, follower: AccountRow, target: AccountRow) -> None:
    """The last owner of a group here may not leave it: it would have no one to run it."""
    if target.actor_type != "Group" or not target.is_local:
        return
    if await groups_q.role_of(conn, target.id, follower.id) != groups_q.OWNER:
        return
    if await groups_q.count_owners(conn, target.id) == 1:
        raise ValidationError("You own this group: make another member its owner before you leave")


async def write_unfollow(
    svc: Services, conn: AsyncConnection, follower: AccountRow, target: AccountRow
) -> bool:
    """``unfollow`` inside the caller's transaction; False when there was no follow."""
    row = await q.get_follow(conn, follower.id, target.id)
    if row is None:
        return False
    await q.delete_follow(conn, row.id)
    await feeds_q.remove_account_from_home_feed(conn, follower.id, target.id)
    if target.actor_type == "Group" and target.is_local:  # leaving a group ends one's role in it
        await groups_q.set_role(conn, target.id, follower.id, None, svc.now())
    if not target.is_local:
        undone = follow_document(svc, follower, target, row)
        doc = ap.undo(f"{row.uri}/undo", undone["actor"], undone, to=[undone["object"]])
        await send(svc, conn, follower, doc, Recipients(accounts=[target]))
    return True


async def _pending_request(
    conn: AsyncConnection, target: AccountRow, follower_id: int
) -> FollowRow:
    row = await q.get_follow(conn, follower_id, target.id)
    if row is None or row.state != PENDING:
        raise NotFound("Follow request not found")
    return row


async def answer_request(
    svc: Services, target: AccountRow, follower_id: int, *, accept: bool
) -> None:
    """Authorize or reject a follow request to a local member."""
    async with svc.db.transaction() as conn:
        row = await _pending_request(conn, target, follower_id)
        follower = await accounts_q.get_account(conn, follower_id)
        assert follower is not None
        await write_answer(svc, conn, target, follower, row, accept=accept)
        if accept:
            await notify(svc, conn, target.id, "follow", follower.id)
    svc.wake.deliveries.set()


async def write_answer(
    svc: Services,
    conn: AsyncConnection,
    target: AccountRow,
    follower: AccountRow,
    row: FollowRow,
    *,
    accept: bool,
) -> None:
    """Inside the caller's transaction: a local ``target`` accepts or rejects the
    pending follow ``row``; a remote follower hears Accept or Reject."""
    if accept:
        await q.set_follow_state(conn, row.id, ACCEPTED)
    else:
        await q.delete_follow(conn, row.id)
    if not follower.is_local:
        doc = answer_document(svc, target, follower, row, accept=accept)
        await send(svc, conn, target, doc, Recipients(accounts=[follower]))


REQUESTS_BATCH = 500


async def accept_waiting_requests(svc: Services, conn: AsyncConnection, target: AccountRow) -> int:
    """Inside the caller's transaction: accept every follow request waiting for
    ``target`` (a member who stops approving followers by hand, as Mastodon does);
    how many."""
    accepted = 0
    while waiting := await q.list_related(
        conn, target.id, Page(limit=REQUESTS_BATCH), direction="followers", state=PENDING
    ):
        before = accepted
        for _, follower in waiting:
            row = await q.get_follow(conn, follower.id, target.id)
            if row is not None and row.state == PENDING:
                await write_answer(svc, conn, target, follower, row, accept=True)
                await notify(svc, conn, target.id, "follow", follower.id)
                accepted += 1
        if accepted == before:  # nothing moved: never loop on rows that stay pending
            break
    return accepted


def answer_document(
    svc: Services, target: AccountRow, follower: AccountRow, row: FollowRow, *, accept: bool
) -> dict[str, Any]:
    """``target``'s Accept or Reject of ``follower``'s follow ``row``."""
    follow_doc = follow_document(svc, follower, target, row)
    kind = "accepts" if accept else "rejects"
    activity_id = svc.urls.activity(target.username, kind, row.id)
    build = ap.accept_follow if accept else ap.reject_follow
    return build(activity_id, objects.account_uri(svc, target), follow_doc)


@dataclass(frozen=True, slots=True)
class Relationship:
    id: int
    following: bool
    requested: bool
    followed_by: bool
    requested_by: bool
    blocking: bool = False
    blocked_by: bool = False
    muting: bool = False
    muting_notifications: bool = False
    endorsed: bool = False
    domain_blocking: bool = False


async def relationships(svc: Services, viewer: AccountRow, ids: list[int]) -> list[Relationship]:
    async with svc.db.read() as conn:
        found = await relations_q.relations(conn, viewer.id, ids, svc.now())
    outgoing, incoming = found[relations_q.FOLLOWING], found[relations_q.FOLLOWED_BY]
    return [
        Relationship(
            id=i,
            following=outgoing.get(i) == ACCEPTED,
            requested=outgoing.get(i) == PENDING,
            followed_by=incoming.get(i) == ACCEPTED,
            requested_by=incoming.get(i) == PENDING,
            blocking=i in found[relations_q.BLOCKING],
            blocked_by=i in found[relations_q.BLOCKED_BY],
            muting=i in found[relations_q.MUTING],
            muting_notifications=i in found[relations_q.MUTING_NOTIFICATIONS],
            endorsed=i in found[relations_q.ENDORSED],
            domain_blocking=i in found[relations_q.DOMAIN_BLOCKING],
        )
        for i in ids
    ]


async def related_accounts(
    svc: Services, account: AccountRow, page: Page, *, direction: str, state: str = ACCEPTED
) -> list[tuple[int, AccountRow]]:
    """Followers, followed accounts, or (with ``state=PENDING``) follow requests."""
    async with svc.db.read() as conn:
        return await q.list_related(conn, account.id, page, direction=direction, state=state)
