"""Posts in groups: which posts a group of this server takes and redistributes
(its members' public posts addressed to it, and replies in its threads), what
groups elsewhere announced to us, and a group's posts and events as listed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from federation.vocab import AS_PUBLIC
from server.services import interactions, objects
from server.services.context import Services
from server.services.groups import get_group
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import events as events_q
from server.store import graph as graph_q
from server.store import groups as q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED
from server.store.statuses import Page, StatusRow

SHARED = ("public", "unlisted")  # only posts anyone may see are redistributed


async def redistribute(
    svc: Services,
    conn: AsyncConnection,
    status: StatusRow,
    author: AccountRow,
    addressed: Iterable[AccountRow],
) -> list[int]:
    """Inside the caller's transaction: each local group among ``addressed`` that
    takes the post records it and boosts it to its members; the groups that did."""
    shared = []
    groups = {g.id: g for g in addressed if g.actor_type == "Group" and g.is_local}
    if status.in_reply_to_id is not None:  # a reply in a group's thread stays in the group
        for group_id in await q.groups_of_status(conn, status.in_reply_to_id):
            if group_id not in groups and await q.is_local_group(conn, group_id):
                parent_group = await accounts_q.get_account(conn, group_id)
                if parent_group is not None:
                    groups[group_id] = parent_group
    for group in groups.values():
        taken = await _takes(conn, group, status, author)
        if taken and await q.add_post(conn, group.id, status.id, author.id, svc.now()):
            await interactions.write_reblog(svc, conn, group, status, "public")
            await _into_group_calendar(conn, group, status)
            shared.append(group.id)
    return shared


async def _takes(
    conn: AsyncConnection, group: AccountRow, status: StatusRow, author: AccountRow
) -> bool:
    if status.visibility not in SHARED or status.reblog_of_id is not None or group.suspended_at:
        return False
    if await q.is_banned(conn, group.id, author.id):
        return False
    if await q.role_of(conn, group.id, author.id) is not None:
        return True
    follow = await graph_q.get_follow(conn, author.id, group.id)
    return follow is not None and follow.state == ACCEPTED


async def _into_group_calendar(conn: AsyncConnection, group: AccountRow, status: StatusRow) -> None:
    if status.object_type == "Event":
        event = await events_q.get_event(conn, status.id)
        if event is not None and event.group_id is None:
            await events_q.update_event(conn, status.id, {"group_id": group.id})


async def announced_by_group(
    svc: Services, conn: AsyncConnection, group: AccountRow, status: StatusRow
) -> None:
    """A group elsewhere announced ``status`` to us: it is a post in that group."""
    await q.add_post(conn, group.id, status.id, status.account_id, svc.now())
    await _into_group_calendar(conn, group, status)


async def withdrawn_by_group(
    svc: Services, conn: AsyncConnection, group: AccountRow, status_id: int
) -> None:
    """A group took its Announce back (or announced a removal): no longer in it."""
    if await q.get_post(conn, group.id, status_id) is not None:
        await q.remove_post(conn, group.id, status_id, svc.now())


async def statuses(
    svc: Services, viewer: AccountRow | None, group_id: int, page: Page
) -> list[StatusRow]:
    """The posts in a group, newest first, as ``viewer`` may see them."""
    from server.services.posts import can_see

    group = await get_group(svc, group_id)
    async with svc.db.read() as conn:
        ids = await q.post_ids(conn, group.id, page)
        found = [await statuses_q.get_status(conn, i) for i in ids]
        return [s for s in found if s is not None and await can_see(conn, viewer, s)]


async def upcoming_events(svc: Services, viewer: AccountRow | None, group_id: int) -> list[int]:
    """Ids of the group's events still to come."""
    group = await get_group(svc, group_id)
    async with svc.db.read() as conn:
        return await events_q.upcoming(
            conn, svc.now(), group_of=group.id, public_only=viewer is None, limit=20
        )


async def forward_update(
    svc: Services, conn: AsyncConnection, status: StatusRow, update: dict[str, Any]
) -> None:
    """Inside the caller's transaction: each group here that ``status`` is in
    announces its ``update`` to its members' servers, as Lemmy's communities do
    (they heard of the post from the group, so they would not hear of the edit
    from its author). A receiver fetches the post again from its origin."""
    for group_id in await q.groups_of_status(conn, status.id):
        group = await accounts_q.get_account(conn, group_id)
        if group is None or not group.is_local or group.suspended_at is not None:
            continue
        group_uri = objects.account_uri(svc, group)
        stamp = int(svc.now().timestamp() * 1000)
        announce = ap.activity(
            "Announce",
            f"{group_uri}#updates/{status.id}/{stamp}",
            group_uri,
            update,
            to=[AS_PUBLIC],
            cc=[objects.followers_uri(svc, group)],
        )
        await send(svc, conn, group, announce, Recipients(followers=True))
