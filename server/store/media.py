"""Queries on media attachments: uploads of local members and images of remote posts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import media_attachments as t


@dataclass(frozen=True, slots=True)
class MediaRow:
    id: int
    account_id: int
    status_id: int | None
    position: int
    file_name: str | None
    thumbnail_name: str | None
    content_type: str
    file_size: int
    thumbnail_size: int
    width: int | None
    height: int | None
    thumbnail_width: int | None
    thumbnail_height: int | None
    description: str
    focus_x: float | None
    focus_y: float | None
    blurhash: str | None
    remote_url: str | None
    created_at: datetime


def _row(row: Any) -> MediaRow:
    return MediaRow(**{name: row[name] for name in MediaRow.__slots__})


async def insert_media(conn: AsyncConnection, values: dict[str, Any]) -> MediaRow:
    await conn.execute(insert(t).values(**values))
    found = await get_media(conn, values["id"])
    assert found is not None
    return found


async def get_media(conn: AsyncConnection, media_id: int) -> MediaRow | None:
    row = (await conn.execute(select(t).where(t.c.id == media_id))).mappings().first()
    return _row(row) if row is not None else None


async def update_media(conn: AsyncConnection, media_id: int, values: dict[str, Any]) -> None:
    await conn.execute(update(t).where(t.c.id == media_id).values(**values))


async def attachable(
    conn: AsyncConnection, account_id: int, media_ids: Sequence[int], status_id: int | None
) -> list[MediaRow]:
    """``account_id``'s own uploads among ``media_ids`` that are free (or already on
    ``status_id``)."""
    free = t.c.status_id.is_(None)
    if status_id is not None:
        free = or_(free, t.c.status_id == status_id)
    query = select(t).where(
        t.c.id.in_(list(media_ids)),
        t.c.account_id == account_id,
        t.c.remote_url.is_(None),
        free,
    )
    return [_row(r) for r in (await conn.execute(query)).mappings()]


async def attach(
    conn: AsyncConnection, status_id: int, account_id: int, media_ids: Sequence[int]
) -> int:
    """Put the media on ``status_id`` in the given order (detaching what it had before);
    the number of rows attached (fewer than asked: one was taken meanwhile)."""
    await conn.execute(
        update(t)
        .where(t.c.status_id == status_id, t.c.id.not_in(list(media_ids) or [0]))
        .values(status_id=None)
    )
    attached = 0
    for position, media_id in enumerate(media_ids):
        result = await conn.execute(
            update(t)
            .where(
                t.c.id == media_id,
                t.c.account_id == account_id,
                or_(t.c.status_id.is_(None), t.c.status_id == status_id),
            )
            .values(status_id=status_id, position=position)
        )
        attached += result.rowcount
    return attached


async def delete_unattached(
    conn: AsyncConnection, created_before: datetime, limit: int
) -> list[tuple[str | None, str | None]]:
    """Delete up to ``limit`` uploads of local members that are on no post and were
    made before ``created_before``; the (file, thumbnail) names of those deleted.

    The outer condition is checked again on the rows themselves, so an upload
    that a post took meanwhile is left alone."""
    unattached = and_(t.c.status_id.is_(None), t.c.remote_url.is_(None))
    old = select(t.c.id).where(unattached, t.c.created_at < created_before).limit(limit)
    result = await conn.execute(
        delete(t)
        .where(t.c.id.in_(old.scalar_subquery()), unattached)
        .returning(t.c.file_name, t.c.thumbnail_name)
    )
    return [(row.file_name, row.thumbnail_name) for row in result]


async def release_of_status(conn: AsyncConnection, status_id: int, now: datetime) -> None:
    """A deleted post lets go of its attachments: a local upload becomes unattached
    as of ``now`` (a client may re-use it, "delete and redraft"; otherwise the
    cleanup deletes it, files too, once old enough); a remote image's row goes."""
    mine = t.c.status_id == status_id
    await conn.execute(delete(t).where(mine, t.c.remote_url.isnot(None)))
    await conn.execute(update(t).where(mine).values(status_id=None, created_at=now))


async def replace_remote(
    conn: AsyncConnection, status_id: int, rows: Sequence[dict[str, Any]], *, fresh: bool = False
) -> None:
    """The remote images of a remote post, as it now says (``fresh``: the post
    was stored in this transaction, so it has none to remove)."""
    if not fresh:
        remote = and_(t.c.status_id == status_id, t.c.remote_url.isnot(None))
        await conn.execute(delete(t).where(remote))
    if rows:
        await conn.execute(insert(t), [dict(r, status_id=status_id) for r in rows])


_FOR_STATUSES = (
    select(t)
    .where(t.c.status_id.in_(bindparam("ids", expanding=True)))
    .order_by(t.c.status_id, t.c.position, t.c.id)
)


async def for_statuses(
    conn: AsyncConnection, status_ids: Sequence[int]
) -> dict[int, list[MediaRow]]:
    """Each status's attachments in order, in one query."""
    found: dict[int, list[MediaRow]] = {i: [] for i in status_ids}
    if not status_ids:
        return found
    for row in (await conn.execute(_FOR_STATUSES, {"ids": list(status_ids)})).mappings():
        found[row["status_id"]].append(_row(row))
    return found
