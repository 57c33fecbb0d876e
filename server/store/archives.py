"""Queries on members' archives (``account_archives``) and the pages an archive is built from.

An archive row is claimed like a queue row (``queues.claim_ids``): a lease, and
the claiming process's id, so one that dies lets another build it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import AccountRow
from server.store.endorsements import WITHDRAWN, EndorsementRow, RecommendationRow
from server.store.queues import PENDING, claim_ids
from server.store.statuses import StatusRow
from server.store.tables import (
    account_archives,
    accounts,
    endorsements,
    favourites,
    media_attachments,
    recommendations,
    statuses,
)

READY, FAILED = "ready", "failed"


@dataclass(frozen=True, slots=True)
class ArchiveRow:
    id: int
    account_id: int
    state: str  # pending | ready | failed
    done: int
    total: int
    file_name: str | None
    file_size: int
    error: str | None
    attempts: int
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None

    @classmethod
    def from_row(cls, row: RowMapping) -> ArchiveRow:
        return cls(**{name: row[name] for name in cls.__slots__})


async def insert_archive(
    conn: AsyncConnection, archive_id: int, account_id: int, now: datetime
) -> None:
    values = {"id": archive_id, "account_id": account_id, "state": PENDING}
    await conn.execute(
        insert(account_archives).values(**values, next_attempt_at=now, created_at=now)
    )


async def get_archive(conn: AsyncConnection, archive_id: int) -> ArchiveRow | None:
    query = select(account_archives).where(account_archives.c.id == archive_id)
    row = (await conn.execute(query)).mappings().first()
    return ArchiveRow.from_row(row) if row is not None else None


async def latest(conn: AsyncConnection, account_id: int) -> ArchiveRow | None:
    """The member's most recent archive (asked for, built or failed)."""
    query = (
        select(account_archives)
        .where(account_archives.c.account_id == account_id)
        .order_by(account_archives.c.created_at.desc(), account_archives.c.id.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).mappings().first()
    return ArchiveRow.from_row(row) if row is not None else None


async def by_file(conn: AsyncConnection, account_id: int, file_name: str) -> ArchiveRow | None:
    query = select(account_archives).where(
        account_archives.c.account_id == account_id,
        account_archives.c.file_name == file_name,
        account_archives.c.state == READY,
    )
    row = (await conn.execute(query)).mappings().first()
    return ArchiveRow.from_row(row) if row is not None else None


async def claim(
    conn: AsyncConnection, now: datetime, lease_until: datetime, owner: int | None
) -> ArchiveRow | None:
    """One archive waiting to be built, now leased to ``owner`` (a try more)."""
    ids = await claim_ids(conn, account_archives, now, lease_until, 1, owner)
    if not ids:
        return None
    await conn.execute(
        update(account_archives)
        .where(account_archives.c.id == ids[0])
        .values(attempts=account_archives.c.attempts + 1, done=0)
    )
    return await get_archive(conn, ids[0])


async def set_progress(
    conn: AsyncConnection, archive_id: int, done: int, total: int, lease_until: datetime
) -> None:
    """How far the build is; the lease runs on while it makes progress."""
    await conn.execute(
        update(account_archives)
        .where(account_archives.c.id == archive_id)
        .values(done=done, total=total, locked_until=lease_until)
    )


async def finish(
    conn: AsyncConnection,
    archive_id: int,
    *,
    file_name: str,
    file_size: int,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        update(account_archives)
        .where(account_archives.c.id == archive_id)
        .values(
            state=READY,
            file_name=file_name,
            file_size=file_size,
            finished_at=now,
            expires_at=expires_at,
            done=account_archives.c.total,
            locked_until=None,
            locked_by=None,
            error=None,
        )
    )


async def postpone(conn: AsyncConnection, archive_id: int, next_at: datetime, error: str) -> None:
    await conn.execute(
        update(account_archives)
        .where(account_archives.c.id == archive_id)
        .values(next_attempt_at=next_at, locked_until=None, locked_by=None, error=error)
    )


async def fail(conn: AsyncConnection, archive_id: int, error: str, now: datetime) -> None:
    await conn.execute(
        update(account_archives)
        .where(account_archives.c.id == archive_id)
        .values(state=FAILED, error=error, finished_at=now, locked_until=None, locked_by=None)
    )


async def take_expired(conn: AsyncConnection, now: datetime, limit: int) -> list[str | None]:
    """Delete up to ``limit`` archives past their time; the names of their files."""
    query = (
        select(account_archives.c.id, account_archives.c.file_name)
        .where(account_archives.c.expires_at < now)
        .limit(limit)
    )
    rows = (await conn.execute(query)).all()
    if rows:
        ids = [r.id for r in rows]
        await conn.execute(delete(account_archives).where(account_archives.c.id.in_(ids)))
    return [r.file_name for r in rows]


async def file_names(conn: AsyncConnection, account_id: int) -> list[str]:
    """The files of a member's archives (to remove with the member)."""
    query = select(account_archives.c.file_name).where(
        account_archives.c.account_id == account_id, account_archives.c.file_name.is_not(None)
    )
    return [r[0] for r in (await conn.execute(query)).all()]


# --- what an archive is built from ----------------------------------------------------------


async def count_statuses(conn: AsyncConnection, account_id: int) -> int:
    query = select(func.count()).where(
        statuses.c.account_id == account_id, statuses.c.deleted_at.is_(None)
    )
    return int((await conn.execute(query)).scalar_one())


async def statuses_before(
    conn: AsyncConnection, account_id: int, before_id: int | None, limit: int
) -> list[StatusRow]:
    """The account's live statuses of every visibility, newest first, older than ``before_id``."""
    query = select(statuses).where(
        statuses.c.account_id == account_id, statuses.c.deleted_at.is_(None)
    )
    if before_id is not None:
        query = query.where(statuses.c.id < before_id)
    query = query.order_by(statuses.c.id.desc()).limit(limit)
    return [StatusRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


def _local_media(account_id: int) -> Any:
    return (
        media_attachments.c.account_id == account_id,
        media_attachments.c.status_id.is_not(None),
        media_attachments.c.file_name.is_not(None),
        media_attachments.c.remote_url.is_(None),
    )


async def count_media(conn: AsyncConnection, account_id: int) -> int:
    query = select(func.count()).where(*_local_media(account_id))
    return int((await conn.execute(query)).scalar_one())


async def media_after(
    conn: AsyncConnection, account_id: int, after_id: int | None, limit: int
) -> list[tuple[int, str]]:
    """(id, file name) of the account's files attached to posts, by id."""
    query = select(media_attachments.c.id, media_attachments.c.file_name).where(
        *_local_media(account_id)
    )
    if after_id is not None:
        query = query.where(media_attachments.c.id > after_id)
    query = query.order_by(media_attachments.c.id).limit(limit)
    return [(r.id, r.file_name) for r in (await conn.execute(query)).all()]


async def favourites_after(
    conn: AsyncConnection, account_id: int, after_id: int | None, limit: int
) -> list[tuple[int, StatusRow, AccountRow]]:
    """(favourite id, post, its author) of what the account liked, oldest like first."""
    query = (
        select(favourites.c.id.label("favourite_id"), statuses, accounts)
        .join(statuses, statuses.c.id == favourites.c.status_id)
        .join(accounts, accounts.c.id == statuses.c.account_id)
        .where(favourites.c.account_id == account_id)
    )
    if after_id is not None:
        query = query.where(favourites.c.id > after_id)
    query = query.order_by(favourites.c.id).limit(limit)
    rows = (await conn.execute(query)).all()
    found = []
    for row in rows:
        status = StatusRow.from_row(_columns(row, statuses))
        author = AccountRow.from_row(_columns(row, accounts))
        found.append((row.favourite_id, status, author))
    return found


def _columns(row: Any, table: Any) -> dict[str, Any]:
    """One table's columns out of a joined row (the joined tables share names: id, uri…)."""
    mapping = row._mapping
    return {c.name: mapping[c] for c in table.c}


async def _with_people(
    conn: AsyncConnection, table: Any, account_id: int, received: bool, *extra: Any
) -> list[tuple[dict[str, Any], AccountRow]]:
    """Rows of ``table`` (endorsements, recommendations) the account received or
    gave, oldest first, each with the account on the other side."""
    mine, other = (
        (table.c.target_account_id, table.c.account_id)
        if received
        else (table.c.account_id, table.c.target_account_id)
    )
    query = (
        select(table, accounts)
        .join(accounts, accounts.c.id == other)
        .where(mine == account_id, *extra)
        .order_by(table.c.id)
    )
    rows = (await conn.execute(query)).all()
    return [(_columns(r, table), AccountRow.from_row(_columns(r, accounts))) for r in rows]


async def endorsements_with(
    conn: AsyncConnection, account_id: int, *, received: bool
) -> list[tuple[EndorsementRow, AccountRow]]:
    """Endorsements the account received (with each endorser) or gave (with each
    person endorsed), oldest first."""
    found = await _with_people(conn, endorsements, account_id, received)
    return [(EndorsementRow.from_row(row), other) for row, other in found]


async def recommendations_with(
    conn: AsyncConnection, account_id: int, *, received: bool
) -> list[tuple[RecommendationRow, AccountRow]]:
    """Recommendations the account received (with each author) or wrote (with each
    person recommended), oldest first; withdrawn ones are left out."""
    not_withdrawn = recommendations.c.state != WITHDRAWN
    found = await _with_people(conn, recommendations, account_id, received, not_withdrawn)
    return [(RecommendationRow.from_row(row), other) for row, other in found]
