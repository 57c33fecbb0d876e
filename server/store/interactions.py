"""Queries on favourites (likes) and notifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    ScalarSelect,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.personal import muting
from server.store.statuses import Page, in_display_order, paged
from server.store.tables import bookmarks, favourites, mutes, notifications, statuses, users


@dataclass(frozen=True, slots=True)
class FavouriteRow:
    id: int
    account_id: int
    status_id: int
    uri: str


async def insert_favourite(
    conn: AsyncConnection, *, fav_id: int, account_id: int, status_id: int, uri: str, now: datetime
) -> None:
    await conn.execute(
        insert(favourites).values(
            id=fav_id, account_id=account_id, status_id=status_id, uri=uri, created_at=now
        )
    )


async def get_favourite(
    conn: AsyncConnection, account_id: int, status_id: int
) -> FavouriteRow | None:
    query = select(favourites).where(
        favourites.c.account_id == account_id, favourites.c.status_id == status_id
    )
    row = (await conn.execute(query)).mappings().first()
    return FavouriteRow(row["id"], row["account_id"], row["status_id"], row["uri"]) if row else None


async def get_favourite_by_uri(conn: AsyncConnection, uri: str) -> FavouriteRow | None:
    row = (await conn.execute(select(favourites).where(favourites.c.uri == uri))).mappings().first()
    return FavouriteRow(row["id"], row["account_id"], row["status_id"], row["uri"]) if row else None


async def delete_favourite(conn: AsyncConnection, fav_id: int) -> None:
    await conn.execute(delete(favourites).where(favourites.c.id == fav_id))


@dataclass(frozen=True, slots=True)
class ViewerMarks:
    """Which posts of a page the viewer has favourited, boosted and bookmarked."""

    favourited: frozenset[int] = frozenset()
    reblogged: frozenset[int] = frozenset()
    bookmarked: frozenset[int] = frozenset()


def _marks_query() -> CompoundSelect:
    """The three marks in one statement (one round trip instead of three); built
    once, the viewer and the posts are bound at each call."""
    viewer, ids = bindparam("viewer"), bindparam("ids", expanding=True)
    return union_all(
        select(literal_column("'f'").label("mark"), favourites.c.status_id.label("id")).where(
            favourites.c.account_id == viewer, favourites.c.status_id.in_(ids)
        ),
        select(literal_column("'r'"), statuses.c.reblog_of_id).where(
            statuses.c.account_id == viewer,
            statuses.c.reblog_of_id.in_(ids),
            statuses.c.deleted_at.is_(None),
        ),
        select(literal_column("'b'"), bookmarks.c.status_id).where(
            bookmarks.c.account_id == viewer, bookmarks.c.status_id.in_(ids)
        ),
    )


_MARKS = _marks_query()


async def viewer_marks(
    conn: AsyncConnection, viewer_id: int, status_ids: Iterable[int]
) -> ViewerMarks:
    """Which of ``status_ids`` the viewer has favourited, boosted and bookmarked."""
    wanted = list(set(status_ids))
    if not wanted:
        return ViewerMarks()
    found: dict[str, set[int]] = {"f": set(), "r": set(), "b": set()}
    for mark, status_id in await conn.execute(_MARKS, {"viewer": viewer_id, "ids": wanted}):
        found[mark].add(status_id)
    return ViewerMarks(frozenset(found["f"]), frozenset(found["r"]), frozenset(found["b"]))


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    account_id: int
    type: str
    from_account_id: int
    status_id: int | None
    subject_id: int | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> NotificationRow:
        return cls(**{name: row[name] for name in cls.__slots__})


async def insert_notification(
    conn: AsyncConnection,
    *,
    notification_id: int,
    account_id: int,
    type_: str,
    from_account_id: int,
    status_id: int | None,
    now: datetime,
    subject_id: int | None = None,
) -> None:
    await conn.execute(
        insert(notifications).values(
            id=notification_id,
            account_id=account_id,
            type=type_,
            from_account_id=from_account_id,
            status_id=status_id,
            subject_id=subject_id,
            created_at=now,
        )
    )


async def list_notifications(
    conn: AsyncConnection,
    account_id: int,
    page: Page,
    *,
    types: Sequence[str] | None = None,
    exclude_types: Sequence[str] = (),
    include_warmline: bool = True,
    muted_at: datetime | None = None,
) -> list[NotificationRow]:
    """The member's notifications; with ``muted_at``, without those from accounts
    muted with their notifications at that time."""
    query = select(notifications).where(notifications.c.account_id == account_id)
    if types:
        query = query.where(notifications.c.type.in_(list(types)))
    if exclude_types:
        query = query.where(notifications.c.type.not_in(list(exclude_types)))
    if not include_warmline:
        query = query.where(notifications.c.type.not_like("warmline.%"))
    if muted_at is not None:
        muted = muting(account_id, muted_at, notifications_only=True)
        query = query.where(notifications.c.from_account_id.not_in(muted.scalar_subquery()))
    rows = (await conn.execute(paged(query, notifications.c.id, page))).mappings().all()
    return in_display_order([NotificationRow.from_row(r) for r in rows], page, key=lambda n: n.id)


async def get_notification(
    conn: AsyncConnection, account_id: int, notification_id: int
) -> NotificationRow | None:
    query = select(notifications).where(
        notifications.c.id == notification_id, notifications.c.account_id == account_id
    )
    row = (await conn.execute(query)).mappings().first()
    return NotificationRow.from_row(row) if row else None


async def delete_notifications(
    conn: AsyncConnection, account_id: int, notification_id: int | None = None
) -> int:
    """Dismiss one of the account's notifications, or (without an id) all of them."""
    query = delete(notifications).where(notifications.c.account_id == account_id)
    if notification_id is not None:
        query = query.where(notifications.c.id == notification_id)
    return (await conn.execute(query)).rowcount


async def delete_notifications_about(conn: AsyncConnection, *, status_id: int) -> None:
    await conn.execute(delete(notifications).where(notifications.c.status_id == status_id))


def unseen_count(
    account_id: int | ColumnElement[int],
    seen_id: int | ColumnElement[int],
    *,
    now: datetime | ColumnElement[datetime],
    cap: int | ColumnElement[int],
) -> ScalarSelect[int]:
    """How many notifications are newer than ``seen_id`` (at most ``cap``: a badge
    says "99+"), leaving out those from accounts muted with their notifications;
    a scalar subquery, so the signed-in page's session lookup can carry it
    (``account_id`` and ``seen_id`` may be columns of the enclosing query)."""
    muted = muting(account_id, now, notifications_only=True).correlate_except(mutes)
    newer = (
        select(notifications.c.id)
        .where(
            notifications.c.account_id == account_id,
            notifications.c.id > seen_id,
            notifications.c.from_account_id.not_in(muted.scalar_subquery()),
        )
        .correlate_except(notifications)
    )
    return select(func.count()).select_from(newer.limit(cap).subquery()).scalar_subquery()


async def count_unseen_notifications(
    conn: AsyncConnection, account_id: int, seen_id: int, *, now: datetime, cap: int
) -> int:
    """``unseen_count`` on its own, in one statement."""
    query = select(unseen_count(account_id, seen_id, now=now, cap=cap))
    return int((await conn.execute(query)).scalar_one())


async def set_notifications_seen(conn: AsyncConnection, account_id: int, seen_id: int) -> None:
    """Move the member's seen mark forward (never back)."""
    await conn.execute(
        update(users)
        .where(users.c.account_id == account_id, users.c.notifications_seen_id < seen_id)
        .values(notifications_seen_id=seen_id)
    )


async def delete_notifications_from(
    conn: AsyncConnection,
    account_id: int,
    from_account_id: int,
    types: Sequence[str] | None = None,
) -> None:
    """Drop the account's notifications of these kinds (every kind for None)
    caused by ``from_account_id``."""
    query = delete(notifications).where(
        notifications.c.account_id == account_id,
        notifications.c.from_account_id == from_account_id,
    )
    if types is not None:
        query = query.where(notifications.c.type.in_(list(types)))
    await conn.execute(query)
