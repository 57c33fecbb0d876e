"""Moderating a group of this server: its owner and moderators approve
members, remove posts (the group takes its Announce back, so members' servers
drop the post from the group) and remove or ban members (a remote member hears
``Reject`` of their Follow, which Mastodon and we read as "no longer
following")."""

from __future__ import annotations

from server.services import graph, interactions
from server.services.context import Services
from server.services.errors import Forbidden, NotFound, ValidationError
from server.services.groups import get_group, require_moderator
from server.services.notify import notify
from server.store import accounts as accounts_q
from server.store import events as events_q
from server.store import graph as graph_q
from server.store import groups as q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED, PENDING


async def answer_request(
    svc: Services, moderator: AccountRow, group_id: int, account_id: int, *, accept: bool
) -> None:
    group = await get_group(svc, group_id)
    async with svc.db.transaction() as conn:
        await require_moderator(conn, group, moderator)
        row = await graph_q.get_follow(conn, account_id, group.id)
        if row is None or row.state != PENDING:
            raise NotFound("No request to join from this account")
        requester = await accounts_q.get_account(conn, account_id)
        assert requester is not None
        await graph.write_answer(svc, conn, group, requester, row, accept=accept)
        if accept and requester.is_local:
            await notify(
                svc, conn, requester.id, "warmline.group_accepted", group.id, subject_id=group.id
            )
    svc.wake.deliveries.set()


async def remove_member(
    svc: Services,
    moderator: AccountRow,
    group_id: int,
    account_id: int,
    *,
    ban: bool = False,
    reason: str = "",
) -> None:
    """Take a member out of a group (a remote one hears Reject of their Follow);
    ``ban`` also keeps them out, and their posts from being shared."""
    group = await get_group(svc, group_id)
    async with svc.db.transaction() as conn:
        my_role = await require_moderator(conn, group, moderator)
        if len(reason) > 500:
            raise ValidationError("reason must be at most 500 characters", field="reason")
        their_role = await q.role_of(conn, group.id, account_id)
        if account_id == moderator.id:
            raise ValidationError("Leave the group instead of removing yourself")
        if their_role == q.OWNER or (their_role and my_role != q.OWNER):
            raise Forbidden("Only the owner may remove a moderator, and no one the owner")
        target = await accounts_q.get_account(conn, account_id)
        if target is None:
            raise NotFound("Record not found")
        row = await graph_q.get_follow(conn, account_id, group.id)
        if row is None and not ban:
            raise NotFound("This account is not in the group")
        if row is not None:
            await graph.write_answer(svc, conn, group, target, row, accept=False)
        await q.set_role(conn, group.id, account_id, None, svc.now())
        if ban:
            await q.ban(conn, group.id, account_id, reason.strip(), svc.now())
    svc.wake.deliveries.set()


async def unban(svc: Services, moderator: AccountRow, group_id: int, account_id: int) -> None:
    group = await get_group(svc, group_id)
    async with svc.db.transaction() as conn:
        await require_moderator(conn, group, moderator)
        if not await q.unban(conn, group.id, account_id):
            raise NotFound("This account is not banned from the group")


async def bans(svc: Services, moderator: AccountRow, group_id: int) -> list[q.Ban]:
    group = await get_group(svc, group_id)
    async with svc.db.read() as conn:
        await require_moderator(conn, group, moderator)
        return await q.banned(conn, group.id, limit=200)


async def set_moderator(
    svc: Services, owner: AccountRow, group_id: int, account_id: int, role: str | None
) -> None:
    """The owner names a member of the group here moderator (or owner), or takes it back."""
    group = await get_group(svc, group_id)
    async with svc.db.transaction() as conn:
        if await require_moderator(conn, group, owner) != q.OWNER:
            raise Forbidden("Only the group's owner names its moderators")
        target = await accounts_q.get_account(conn, account_id)
        follow = await graph_q.get_follow(conn, account_id, group.id)
        if target is None or not target.is_local or follow is None or follow.state != ACCEPTED:
            raise ValidationError("Moderators are members of the group from this server")
        last_owner = account_id == owner.id and await q.count_owners(conn, group.id) == 1
        if role != q.OWNER and last_owner:
            raise ValidationError("A group needs an owner: name another one first")
        await q.set_role(conn, group.id, account_id, role, svc.now())


async def remove_post(svc: Services, moderator: AccountRow, group_id: int, status_id: int) -> None:
    """Take a post out of the group: it stays its author's, and the group takes
    back its Announce, so members' servers drop it from the group."""
    group = await get_group(svc, group_id)
    async with svc.db.transaction() as conn:
        await require_moderator(conn, group, moderator)
        post = await q.get_post(conn, group.id, status_id)
        if post is None or post.removed_at is not None:
            raise NotFound("This post is not in the group")
        await q.remove_post(conn, group.id, status_id, svc.now())
        event = await events_q.get_event(conn, status_id)
        if event is not None and event.group_id == group.id:  # out of its calendar too
            await events_q.update_event(conn, status_id, {"group_id": None})
        status = await statuses_q.get_status(conn, status_id)
        if status is not None:
            await interactions.write_unreblog(svc, conn, group, status)
    svc.wake.deliveries.set()
