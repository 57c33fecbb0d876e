"""Queries on statuses (posts and boosts), their mentions and hashtags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store import stats
from server.store.tables import mentions, status_tags, statuses, tags


@dataclass(frozen=True, slots=True)
class StatusRow:
    id: int
    account_id: int
    local: bool
    uri: str | None
    url: str | None
    object_type: str
    in_reply_to_id: int | None
    in_reply_to_uri: str | None
    in_reply_to_account_id: int | None
    reblog_of_id: int | None
    content: str
    source_text: str | None
    spoiler_text: str
    sensitive: bool
    visibility: str
    language: str | None
    replies_count: int
    reblogs_count: int
    favourites_count: int
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> StatusRow:
        return cls(**{name: row[name] for name in cls.__slots__})


@dataclass(frozen=True, slots=True)
class Page:
    """Mastodon-style paging on ids: ``max_id`` (older than), ``since_id`` (newer
    than, newest first), ``min_id`` (newer than, oldest first)."""

    limit: int = 20
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None


def paged(query: Select[Any], column: Any, page: Page) -> Select[Any]:
    """Apply ``page`` to a query ordered by ``column`` (an id)."""
    if page.max_id is not None:
        query = query.where(column < page.max_id)
    if page.since_id is not None:
        query = query.where(column > page.since_id)
    if page.min_id is not None:
        return query.where(column > page.min_id).order_by(column.asc()).limit(page.limit)
    return query.order_by(column.desc()).limit(page.limit)


def in_display_order(rows: Sequence[Any], page: Page, key: Any) -> list[Any]:
    """Results newest first, whichever direction the query walked."""
    return sorted(rows, key=key, reverse=True) if page.min_id is not None else list(rows)


STATUS_DEFAULTS: dict[str, Any] = {
    "uri": None, "url": None, "object_type": "Note", "in_reply_to_id": None,
    "in_reply_to_uri": None, "in_reply_to_account_id": None, "reblog_of_id": None,
    "content": "", "source_text": None, "spoiler_text": "", "sensitive": False,
    "language": None, "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
    "edited_at": None, "deleted_at": None,
}  # fmt: skip


async def insert_status(conn: AsyncConnection, values: Mapping[str, Any]) -> StatusRow:
    """Insert a status and return it as stored (without reading it back)."""
    row = {**STATUS_DEFAULTS, **values}
    await conn.execute(insert(statuses).values(**row))
    if row["visibility"] != "direct":
        await stats.bump(
            conn, row["account_id"], statuses_delta=1, last_status_at=row["created_at"]
        )
    return StatusRow(**{name: row[name] for name in StatusRow.__slots__})


async def mark_status_deleted(conn: AsyncConnection, status: StatusRow, now: datetime) -> None:
    """Tombstone a status (its row stays, for 410 Gone) and count it out."""
    await conn.execute(update(statuses).where(statuses.c.id == status.id).values(deleted_at=now))
    if status.visibility != "direct" and status.deleted_at is None:
        await stats.bump(conn, status.account_id, statuses_delta=-1)


async def update_status(conn: AsyncConnection, status_id: int, values: Mapping[str, Any]) -> None:
    await conn.execute(update(statuses).where(statuses.c.id == status_id).values(**values))


async def get_status(conn: AsyncConnection, status_id: int) -> StatusRow | None:
    row = (
        (await conn.execute(select(statuses).where(statuses.c.id == status_id))).mappings().first()
    )
    return StatusRow.from_row(row) if row else None


_BY_IDS = select(statuses).where(statuses.c.id.in_(bindparam("ids", expanding=True)))


async def get_statuses(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, StatusRow]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = (await conn.execute(_BY_IDS, {"ids": wanted})).mappings().all()
    return {r["id"]: StatusRow.from_row(r) for r in rows}


async def get_status_by_uri(conn: AsyncConnection, uri: str) -> StatusRow | None:
    row = (await conn.execute(select(statuses).where(statuses.c.uri == uri))).mappings().first()
    return StatusRow.from_row(row) if row else None


async def find_reblog(conn: AsyncConnection, account_id: int, status_id: int) -> StatusRow | None:
    query = select(statuses).where(
        statuses.c.account_id == account_id,
        statuses.c.reblog_of_id == status_id,
        statuses.c.deleted_at.is_(None),
    )
    row = (await conn.execute(query)).mappings().first()
    return StatusRow.from_row(row) if row else None


async def live_reblogs_of(conn: AsyncConnection, status_id: int) -> list[StatusRow]:
    query = select(statuses).where(
        statuses.c.reblog_of_id == status_id, statuses.c.deleted_at.is_(None)
    )
    return [StatusRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


async def adjust_count(conn: AsyncConnection, status_id: int, column: str, delta: int) -> None:
    """Keep a denormalised counter (replies, reblogs, favourites) in step."""
    col = statuses.c[column]
    new_value = case((col + delta < 0, 0), else_=col + delta)
    await conn.execute(update(statuses).where(statuses.c.id == status_id).values({col: new_value}))


async def set_mentions(
    conn: AsyncConnection, status_id: int, account_ids: Iterable[int], *, fresh: bool = False
) -> None:
    """Make ``account_ids`` the status's mentions (``fresh``: it has none yet)."""
    if not fresh:
        await conn.execute(delete(mentions).where(mentions.c.status_id == status_id))
    rows = [{"status_id": status_id, "account_id": a} for a in dict.fromkeys(account_ids)]
    if rows:
        await conn.execute(insert(mentions), rows)


async def mentioned_accounts(
    conn: AsyncConnection, status_ids: Iterable[int]
) -> dict[int, list[int]]:
    wanted = list(set(status_ids))
    out: dict[int, list[int]] = {i: [] for i in wanted}
    if wanted:
        query = select(mentions.c.status_id, mentions.c.account_id).where(
            mentions.c.status_id.in_(wanted)
        )
        for status_id, account_id in (await conn.execute(query)).all():
            out[status_id].append(account_id)
    return out


async def tag_ids(conn: AsyncConnection, names: Iterable[str], new_id: Any) -> dict[str, int]:
    """Ids of the hashtags ``names`` (lower-cased), creating the missing ones."""
    wanted = list(dict.fromkeys(n.lower() for n in names))
    if not wanted:
        return {}
    found = dict(
        (await conn.execute(select(tags.c.name, tags.c.id).where(tags.c.name.in_(wanted)))).all()
    )
    for name in wanted:
        if name not in found:
            found[name] = new_id()
            await conn.execute(insert(tags).values(id=found[name], name=name))
    return found


async def set_tags(
    conn: AsyncConnection, status_id: int, tag_id_list: Iterable[int], *, fresh: bool = False
) -> None:
    if not fresh:
        await conn.execute(delete(status_tags).where(status_tags.c.status_id == status_id))
    rows = [{"status_id": status_id, "tag_id": t} for t in dict.fromkeys(tag_id_list)]
    if rows:
        await conn.execute(insert(status_tags), rows)


async def status_tag_names(
    conn: AsyncConnection, status_ids: Iterable[int]
) -> dict[int, list[str]]:
    wanted = list(set(status_ids))
    out: dict[int, list[str]] = {i: [] for i in wanted}
    if wanted:
        query = (
            select(status_tags.c.status_id, tags.c.name)
            .join(tags, tags.c.id == status_tags.c.tag_id)
            .where(status_tags.c.status_id.in_(wanted))
        )
        for status_id, name in (await conn.execute(query)).all():
            out[status_id].append(name)
    return out


async def replies_to(conn: AsyncConnection, parent_ids: Sequence[int]) -> list[StatusRow]:
    """Live replies to any of ``parent_ids``."""
    if not parent_ids:
        return []
    query = select(statuses).where(
        statuses.c.in_reply_to_id.in_(list(parent_ids)), statuses.c.deleted_at.is_(None)
    )
    return [StatusRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


async def link_orphan_replies(conn: AsyncConnection, parent: StatusRow) -> None:
    """Replies that arrived before their parent: attach them now that it is known."""
    if parent.uri is None:
        return
    await conn.execute(
        update(statuses)
        .where(and_(statuses.c.in_reply_to_uri == parent.uri, statuses.c.in_reply_to_id.is_(None)))
        .values(in_reply_to_id=parent.id, in_reply_to_account_id=parent.account_id)
    )


async def account_statuses(
    conn: AsyncConnection,
    account_id: int,
    page: Page,
    *,
    visibilities: Sequence[str],
    exclude_replies: bool = False,
    exclude_reblogs: bool = False,
) -> list[StatusRow]:
    query = select(statuses).where(
        statuses.c.account_id == account_id,
        statuses.c.deleted_at.is_(None),
        statuses.c.visibility.in_(list(visibilities)),
    )
    if exclude_replies:
        query = query.where(
            or_(
                statuses.c.in_reply_to_id.is_(None), statuses.c.in_reply_to_account_id == account_id
            )
        )
    if exclude_reblogs:
        query = query.where(statuses.c.reblog_of_id.is_(None))
    rows = (await conn.execute(paged(query, statuses.c.id, page))).mappings().all()
    return in_display_order([StatusRow.from_row(r) for r in rows], page, key=lambda s: s.id)


async def count_local_statuses(conn: AsyncConnection) -> int:
    query = select(func.count()).where(
        statuses.c.local.is_(True),
        statuses.c.deleted_at.is_(None),
        statuses.c.reblog_of_id.is_(None),
    )
    return int((await conn.execute(query)).scalar_one())


async def live_statuses_of(conn: AsyncConnection, account_id: int) -> list[StatusRow]:
    query = select(statuses).where(
        statuses.c.account_id == account_id, statuses.c.deleted_at.is_(None)
    )
    return [StatusRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


async def count_account_statuses(
    conn: AsyncConnection, account_id: int, visibilities: Sequence[str]
) -> int:
    query = select(func.count()).where(
        statuses.c.account_id == account_id,
        statuses.c.deleted_at.is_(None),
        statuses.c.visibility.in_(list(visibilities)),
    )
    return int((await conn.execute(query)).scalar_one())
