"""A member's own lists: bookmarks, mutes, featured accounts; posts made once per key."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

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
    gets the post the first request made.

    The key is stored in the post's own transaction: a crash cannot leave a
    post without its key (which a retry would post again). Two requests with
    the same key at once: on SQLite the writer lock orders them and the second
    finds the key; on PostgreSQL the second fails on the key's unique index,
    rolls back, and answers with the first one's post."""
    if not key:
        return await posts.create_status(svc, me, draft)
    key = key[:128]
    since = svc.now() - IDEMPOTENCY_WINDOW
    seen = await _status_for_key(svc, me, key, since)
    if seen is not None and (made := await _visible(svc, me, seen)) is not None:
        return made
    prepared = await posts.prepare_status(svc, me, draft)
    try:
        async with svc.db.transaction() as conn:
            raced = await q.status_for_key(conn, me.id, key, since)
            if raced == seen:  # nobody posted with this key since we looked
                status = await posts.write_status(svc, conn, me, prepared)
                await q.remember_key(conn, me.id, key, status.id, svc.now(), since, replacing=seen)
    except IntegrityError:
        raced = await _status_for_key(svc, me, key, since)
        if raced == seen:
            raise
    if raced != seen:  # another request with this key posted first: its post
        made = await _visible(svc, me, raced) if raced is not None else None
        if made is None:
            raise NotFound("the post made with this Idempotency-Key is gone")
        return made
    svc.wake.deliveries.set()
    return status


async def _status_for_key(svc: Services, me: AccountRow, key: str, since: datetime) -> int | None:
    async with svc.db.read() as conn:
        return await q.status_for_key(conn, me.id, key, since)


async def _visible(svc: Services, me: AccountRow, status_id: int) -> StatusRow | None:
    try:
        return await posts.visible_status(svc, me, status_id)
    except NotFound:  # deleted since: post again
        return None
