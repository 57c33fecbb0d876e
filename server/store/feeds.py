"""Timelines: the home feed (fanned out on write) and the public timelines."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.domains import withheld_accounts
from server.store.exclusions import Excluding, hide_excluded
from server.store.lists import exclusive_accounts, exclusive_owners
from server.store.statuses import Page, StatusRow, in_display_order, paged
from server.store.tables import home_feed, status_tags, statuses, tags


async def add_to_home_feeds(
    conn: AsyncConnection, status_id: int, account_ids: Iterable[int]
) -> None:
    rows = [{"account_id": a, "status_id": status_id} for a in dict.fromkeys(account_ids)]
    if rows:
        await conn.execute(insert(home_feed), rows)


async def home_feed_readers(
    conn: AsyncConnection, status_id: int, author_id: int | None = None
) -> list[int]:
    """The accounts whose home feed holds ``status_id``; with ``author_id``, not
    those who have the author on an exclusive list (their home leaves it out)."""
    query = select(home_feed.c.account_id).where(home_feed.c.status_id == status_id)
    if author_id is not None:
        query = query.where(home_feed.c.account_id.not_in(exclusive_owners(author_id)))
    return list((await conn.execute(query)).scalars())


async def remove_from_home_feeds(conn: AsyncConnection, status_id: int) -> None:
    await conn.execute(delete(home_feed).where(home_feed.c.status_id == status_id))


async def remove_account_from_home_feed(
    conn: AsyncConnection, reader_id: int, author_id: int
) -> None:
    """After an unfollow: the author's posts leave the reader's home feed."""
    authored = select(statuses.c.id).where(statuses.c.account_id == author_id)
    await conn.execute(
        delete(home_feed).where(
            home_feed.c.account_id == reader_id, home_feed.c.status_id.in_(authored)
        )
    )


async def home_timeline(conn: AsyncConnection, page: Page, excluding: Excluding) -> list[StatusRow]:
    """The member's home feed, newest first, without what they exclude and
    without the posts of accounts on their exclusive lists (Mastodon 4.2)."""
    query = (
        select(statuses)
        .join(home_feed, home_feed.c.status_id == statuses.c.id)
        .where(home_feed.c.account_id == excluding.viewer_id, statuses.c.deleted_at.is_(None))
        .where(statuses.c.account_id.not_in(exclusive_accounts(excluding.viewer_id)))
    )
    query = hide_excluded(query, excluding)
    rows = (await conn.execute(paged(query, home_feed.c.status_id, page))).mappings().all()
    return in_display_order([StatusRow.from_row(r) for r in rows], page, key=lambda s: s.id)


async def public_timeline(
    conn: AsyncConnection,
    page: Page,
    *,
    local: bool | None = None,
    excluding: Excluding | None = None,
) -> list[StatusRow]:
    """Public, original posts; ``local`` True/False narrows to one side. For a
    signed-in viewer, without what they exclude (``excluding``)."""
    query = select(statuses).where(
        statuses.c.visibility == "public",
        statuses.c.deleted_at.is_(None),
        statuses.c.reblog_of_id.is_(None),
    )
    if local is not None:
        query = query.where(statuses.c.local.is_(local))
    # Suspended and limited accounts stay out (a short list: a partial index).
    query = query.where(statuses.c.account_id.not_in(withheld_accounts()))
    query = hide_excluded(query, excluding)
    rows = (await conn.execute(paged(query, statuses.c.id, page))).mappings().all()
    return in_display_order([StatusRow.from_row(r) for r in rows], page, key=lambda s: s.id)


async def tag_timeline(
    conn: AsyncConnection,
    tag: str,
    page: Page,
    *,
    local: bool | None = None,
    excluding: Excluding | None = None,
) -> list[StatusRow]:
    """Public posts carrying hashtag ``tag`` (lower-case), newest first; for a
    viewer, as ``public_timeline``."""
    query = (
        select(statuses)
        .join(status_tags, status_tags.c.status_id == statuses.c.id)
        .join(tags, tags.c.id == status_tags.c.tag_id)
        .where(
            tags.c.name == tag.lower(),
            statuses.c.visibility == "public",
            statuses.c.deleted_at.is_(None),
        )
    )
    if local is not None:
        query = query.where(statuses.c.local.is_(local))
    # Suspended and limited accounts stay out (a short list: a partial index).
    query = query.where(statuses.c.account_id.not_in(withheld_accounts()))
    query = hide_excluded(query, excluding)
    # Paged by status_tags.status_id (the same id): SQLite then walks the
    # (tag_id, status_id) index newest first and stops at the page's end,
    # instead of sorting every post with the tag (~120 ms for 10,000 posts).
    rows = (await conn.execute(paged(query, status_tags.c.status_id, page))).mappings().all()
    return in_display_order([StatusRow.from_row(r) for r in rows], page, key=lambda s: s.id)


async def search_tags(conn: AsyncConnection, prefix: str, limit: int) -> list[str]:
    """Hashtag names starting with ``prefix`` (lower-case), shortest first."""
    pattern = prefix.lower().replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
    query = (
        select(tags.c.name)
        .where(tags.c.name.like(pattern, escape="\\"))
        .order_by(func.length(tags.c.name), tags.c.name)
        .limit(limit)
    )
    return list((await conn.execute(query)).scalars())
