"""Reading: timelines, an account's posts, a thread, notifications."""

from __future__ import annotations

from dataclasses import dataclass

from server.services.context import Services
from server.services.errors import NotFound
from server.services.graph import Relationship
from server.services.posts import can_see, visible_status
from server.services.stream import NO_EXCLUSIONS, load_exclusions
from server.store import feeds as feeds_q
from server.store import graph as graph_q
from server.store import interactions as interactions_q
from server.store import relations as relations_q
from server.store import statuses as q
from server.store import threads as threads_q
from server.store.accounts import AccountRow
from server.store.exclusions import Excluding
from server.store.interactions import NotificationRow
from server.store.statuses import Page, StatusRow

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 200


def _excluding(svc: Services, viewer: AccountRow | None) -> Excluding | None:
    """What a signed-in viewer's timelines leave out (``store/exclusions``);
    an anonymous viewer sees everything."""
    return Excluding(viewer.id, svc.now()) if viewer is not None else None


async def home(svc: Services, account: AccountRow, page: Page) -> list[StatusRow]:
    async with svc.db.read() as conn:
        return await feeds_q.home_timeline(conn, page, Excluding(account.id, svc.now()))


async def public(
    svc: Services, viewer: AccountRow | None, page: Page, *, local: bool | None = None
) -> list[StatusRow]:
    async with svc.db.read() as conn:
        return await feeds_q.public_timeline(
            conn, page, local=local, excluding=_excluding(svc, viewer)
        )


async def tag(
    svc: Services,
    viewer: AccountRow | None,
    name: str,
    page: Page,
    *,
    local: bool | None = None,
) -> list[StatusRow]:
    async with svc.db.read() as conn:
        return await feeds_q.tag_timeline(
            conn, name, page, local=local, excluding=_excluding(svc, viewer)
        )


async def account_statuses(
    svc: Services,
    viewer: AccountRow | None,
    account: AccountRow,
    page: Page,
    *,
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
    relationship: Relationship | None = None,
) -> list[StatusRow]:
    """An account's posts that ``viewer`` may see (no direct messages here); none
    when the account blocks the viewer, as Mastodon answers. ``relationship`` is
    the viewer's with the account, when the caller has read it already."""
    visibilities = ["public", "unlisted"]
    async with svc.db.read() as conn:
        if viewer is not None and viewer.id == account.id:
            visibilities.append("private")  # one's own posts: no block or follow to read
        elif relationship is not None:
            if relationship.blocked_by:
                return []
            if relationship.following:
                visibilities.append("private")
        elif viewer is not None:  # blocked by them, and following them, in one read
            found = await relations_q.relations(conn, viewer.id, [account.id], svc.now())
            if account.id in found.get(relations_q.BLOCKED_BY, {}):
                return []
            if found.get(relations_q.FOLLOWING, {}).get(account.id) == graph_q.ACCEPTED:
                visibilities.append("private")
        return await q.account_statuses(
            conn,
            account.id,
            page,
            visibilities=visibilities,
            exclude_replies=exclude_replies,
            exclude_reblogs=exclude_reblogs,
        )


@dataclass(frozen=True, slots=True)
class Thread:
    ancestors: list[StatusRow]
    descendants: list[StatusRow]


async def context(svc: Services, viewer: AccountRow | None, status_id: int) -> Thread:
    """The posts above and below a status, as far as ``viewer`` may see them;
    for a signed-in viewer, without the accounts they exclude (and the replies
    below those), as timelines do."""
    return await context_of(svc, viewer, await visible_status(svc, viewer, status_id))


async def context_of(svc: Services, viewer: AccountRow | None, status: StatusRow) -> Thread:
    """``context`` of a status the viewer may see (``visible_status``)."""
    now = svc.now()
    async with svc.db.read() as conn:
        excluded = await load_exclusions(conn, viewer.id, now) if viewer else NO_EXCLUSIONS

        async def shown(post: StatusRow) -> bool:
            hidden = excluded.hides((post.account_id,), now)
            return not hidden and await can_see(conn, viewer, post)

        ancestors: list[StatusRow] = []
        parent_id = status.in_reply_to_id
        above = await threads_q.above(conn, parent_id, MAX_ANCESTORS) if parent_id else {}
        while parent_id is not None and len(ancestors) < MAX_ANCESTORS:
            parent = above.get(parent_id)
            if parent is None or not await shown(parent):
                break
            ancestors.append(parent)
            parent_id = parent.in_reply_to_id
        descendants: list[StatusRow] = []
        children, whole = await threads_q.below(
            conn, status.id, levels=MAX_DESCENDANTS, limit=2 * MAX_DESCENDANTS
        )
        frontier, level = [status.id], 1
        while frontier and len(descendants) < MAX_DESCENDANTS:
            if level <= whole:
                replies = [r for parent in frontier for r in children.get(parent, [])]
            else:  # below what was read at once: a level at a time
                replies = await q.replies_to(conn, frontier)
            visible = [r for r in sorted(replies, key=lambda s: s.id) if await shown(r)]
            descendants += visible
            frontier, level = [r.id for r in visible], level + 1
    return Thread(list(reversed(ancestors)), descendants[:MAX_DESCENDANTS])


async def statuses_by_id(svc: Services, ids: list[int]) -> list[StatusRow]:
    async with svc.db.read() as conn:
        return list((await q.get_statuses(conn, ids)).values())


async def notifications(
    svc: Services,
    account: AccountRow,
    page: Page,
    *,
    types: list[str] | None = None,
    exclude_types: list[str] | None = None,
    warmline: bool = False,
) -> list[NotificationRow]:
    """The member's notifications. Warmline's own types (``warmline.*``) only when
    asked for: by name in ``types``, or with ``warmline``; standard clients
    would not know what to show."""
    asked = warmline or any(t.startswith("warmline.") for t in types or ())
    async with svc.db.read() as conn:
        return await interactions_q.list_notifications(
            conn,
            account.id,
            page,
            types=types,
            exclude_types=exclude_types or [],
            include_warmline=asked,
            muted_at=svc.now(),
        )


async def notification(svc: Services, account: AccountRow, notification_id: int) -> NotificationRow:
    async with svc.db.read() as conn:
        found = await interactions_q.get_notification(conn, account.id, notification_id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def dismiss(svc: Services, account: AccountRow, notification_id: int | None = None) -> None:
    """Dismiss one notification (404 when it is not the member's), or all of them."""
    async with svc.db.transaction() as conn:
        removed = await interactions_q.delete_notifications(conn, account.id, notification_id)
    if notification_id is not None and not removed:
        raise NotFound("Record not found")


UNSEEN_CAP = 100


async def unseen_notifications(svc: Services, account: AccountRow, seen_id: int) -> int:
    """How many notifications arrived after ``seen_id`` (at most ``UNSEEN_CAP``),
    leaving out those from accounts muted with their notifications."""
    async with svc.db.read() as conn:
        return await interactions_q.count_unseen_notifications(
            conn, account.id, seen_id, now=svc.now(), cap=UNSEEN_CAP
        )


async def mark_notifications_seen(svc: Services, account: AccountRow, up_to: int) -> None:
    async with svc.db.transaction() as conn:
        await interactions_q.set_notifications_seen(conn, account.id, up_to)
