"""A member's own lists: bookmarks, mutes, featured accounts; posts made once per key."""

from __future__ import annotations

from datetime import timedelta

from server.services import posts
from server.services.context import Services
from server.services.errors import NotFound, ValidationError
from server.store import connections as connections_q
from server.store import graph as graph_q
from server.store import personal as q
from server.store.accounts import AccountRow
from server.store.graph import ACCEPTED
from server.store.statuses import Page, StatusRow

IDEMPOTENCY_WINDOW = timedelta(hours=1)  # as Mastodon keeps them
MAX_MUTE_SECONDS = 10 * 365 * 86_400


async def bookmark(svc: Services, me: AccountRow, status_id: int, *, on: bool) -> StatusRow:
    """Bookmark (or not) a post the member may see; 404 otherwise."""
    status = await posts.visible_status(svc, me, status_id)
    async with svc.db.transaction() as conn:
        if on:
            await q.add_bookmark(conn, svc.db.new_id(), me.id, status.id, svc.now())
        else:
            await q.remove_bookmark(conn, me.id, status.id)
    return status


async def bookmarks(svc: Services, me: AccountRow, page: Page) -> list[tuple[int, StatusRow]]:
    async with svc.db.read() as conn:
        return await q.list_bookmarks(conn, me.id, page)


async def mute(
    svc: Services,
    me: AccountRow,
    target: AccountRow,
    *,
    on: bool,
    notifications: bool = True,
    duration: int = 0,
) -> None:
    """Mute (hide their posts and boosts of their posts from the member's
    timelines and streams and, with ``notifications``, their notifications)
    for ``duration`` seconds, 0 meaning until unmuted."""
    if me.id == target.id:
        raise ValidationError("you cannot mute yourself")
    if not 0 <= duration <= MAX_MUTE_SECONDS:
        raise ValidationError("duration must be a number of seconds (0 = indefinitely)")
    async with svc.db.transaction() as conn:
        if not on:
            await q.remove_mute(conn, me.id, target.id)
        else:
            until = svc.now() + timedelta(seconds=duration) if duration else None
            await q.add_mute(
                conn,
                svc.db.new_id(),
                me.id,
                target.id,
                svc.now(),
                notifications=notifications,
                expires_at=until,
            )
    await svc.stream.reload(svc.db, [me.id])


async def pin(svc: Services, me: AccountRow, target: AccountRow, *, on: bool) -> None:
    """Feature an account on one's profile ("endorse" in Mastodon): only one followed."""
    async with svc.db.transaction() as conn:
        if not on:
            await q.remove_pin(conn, me.id, target.id)
            return
        follow = await graph_q.get_follow(conn, me.id, target.id)
        if follow is None or follow.state != ACCEPTED:
            raise ValidationError("you can only feature accounts you follow")
        await q.add_pin(conn, svc.db.new_id(), me.id, target.id, svc.now())


async def listed(
    svc: Services, me: AccountRow, kind: str, page: Page
) -> list[tuple[int, AccountRow]]:
    async with svc.db.read() as conn:
        return await q.list_accounts(conn, kind, me.id, page)


async def blocked(svc: Services, me: AccountRow, page: Page) -> list[tuple[int, AccountRow]]:
    async with svc.db.read() as conn:
        return await connections_q.list_blocked(conn, me.id, page)


async def familiar_followers(
    svc: Services, me: AccountRow, ids: list[int]
) -> dict[int, list[AccountRow]]:
    async with svc.db.read() as conn:
        return {i: await graph_q.familiar_followers(conn, me.id, i) for i in ids}


async def post_once(
    svc: Services, me: AccountRow, draft: posts.Draft, key: str | None
) -> StatusRow:
    """Create a post; a retry with the same ``Idempotency-Key`` within the hour
    gets the post the first request made."""
    if not key:
        return await posts.create_status(svc, me, draft)
    key = key[:128]
    since = svc.now() - IDEMPOTENCY_WINDOW
    async with svc.db.read() as conn:
        made = await q.status_for_key(conn, me.id, key, since)
    if made is not None:
        try:
            return await posts.visible_status(svc, me, made)
        except NotFound:  # deleted since: post again
            pass
    status = await posts.create_status(svc, me, draft)
    async with svc.db.transaction() as conn:
        await q.remember_key(conn, me.id, key, status.id, svc.now(), since)
    return status
