"""A member's own lists: bookmarks, mutes, featured accounts, direct conversations;
idempotency keys of posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, Table, and_, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.accounts import AccountRow
from server.store.exclusions import Excluding, hide_excluded
from server.store.statuses import Page, StatusRow, in_display_order, paged
from server.store.tables import (
    account_pins,
    accounts,
    bookmarks,
    conversation_marks,
    idempotency_keys,
    mentions,
    mutes,
    statuses,
)


async def _add(conn: AsyncConnection, table: Table, row_id: int, **values: object) -> None:
    """Insert unless the same pair is there already (the unique index decides)."""
    owner, other = list(values.items())[:2]
    found = await conn.execute(
        select(table.c.id).where(table.c[owner[0]] == owner[1], table.c[other[0]] == other[1])
    )
    if found.first() is None:
        await conn.execute(insert(table).values(id=row_id, **values))


async def _remove(conn: AsyncConnection, table: Table, owner: int, column: str, other: int) -> None:
    await conn.execute(delete(table).where(table.c.account_id == owner, table.c[column] == other))


# --- bookmarks ------------------------------------------------------------------------


async def add_bookmark(
    conn: AsyncConnection, row_id: int, account_id: int, status_id: int, now: datetime
) -> None:
    await _add(conn, bookmarks, row_id, account_id=account_id, status_id=status_id, created_at=now)


async def remove_bookmark(conn: AsyncConnection, account_id: int, status_id: int) -> None:
    await _remove(conn, bookmarks, account_id, "status_id", status_id)


async def list_bookmarks(
    conn: AsyncConnection, account_id: int, page: Page
) -> list[tuple[int, StatusRow]]:
    """(bookmark id, status), newest bookmark first; deleted posts left out."""
    query = (
        select(bookmarks.c.id.label("bookmark_id"), statuses)
        .join(statuses, statuses.c.id == bookmarks.c.status_id)
        .where(bookmarks.c.account_id == account_id, statuses.c.deleted_at.is_(None))
    )
    rows = (await conn.execute(paged(query, bookmarks.c.id, page))).mappings().all()
    found = [(r["bookmark_id"], StatusRow.from_row(r)) for r in rows]
    return in_display_order(found, page, key=lambda pair: pair[0])


# --- mutes and featured accounts -----------------------------------------------------


async def add_mute(
    conn: AsyncConnection,
    row_id: int,
    account_id: int,
    target_id: int,
    now: datetime,
    *,
    notifications: bool,
    expires_at: datetime | None,
) -> None:
    await _remove(conn, mutes, account_id, "target_account_id", target_id)
    await conn.execute(
        insert(mutes).values(
            id=row_id,
            account_id=account_id,
            target_account_id=target_id,
            notifications=notifications,
            expires_at=expires_at,
            created_at=now,
        )
    )


async def remove_mute(conn: AsyncConnection, account_id: int, target_id: int) -> None:
    await _remove(conn, mutes, account_id, "target_account_id", target_id)


def muting(
    account_id: int | ColumnElement[int],
    now: datetime | ColumnElement[datetime],
    *,
    notifications_only: bool = False,
) -> Select[tuple[int]]:
    """The accounts the member mutes at ``now`` (an expired mute no longer counts),
    as a query to run or to use inside another (``account_id`` may be a column)."""
    query = select(mutes.c.target_account_id).where(
        mutes.c.account_id == account_id,
        or_(mutes.c.expires_at.is_(None), mutes.c.expires_at > now),
    )
    if notifications_only:
        query = query.where(mutes.c.notifications.is_(True))
    return query


async def muted_ids(
    conn: AsyncConnection, account_id: int, now: datetime, *, notifications_only: bool = False
) -> set[int]:
    """Accounts the member mutes now (an expired mute no longer counts)."""
    query = muting(account_id, now, notifications_only=notifications_only)
    return set((await conn.execute(query)).scalars())


async def add_pin(
    conn: AsyncConnection, row_id: int, account_id: int, target_id: int, now: datetime
) -> None:
    await _add(
        conn, account_pins, row_id, account_id=account_id, target_account_id=target_id,
        created_at=now,
    )  # fmt: skip


async def remove_pin(conn: AsyncConnection, account_id: int, target_id: int) -> None:
    await _remove(conn, account_pins, account_id, "target_account_id", target_id)


async def list_accounts(
    conn: AsyncConnection, kind: str, account_id: int, page: Page
) -> list[tuple[int, AccountRow]]:
    """The accounts a member mutes (``kind="mutes"``) or features (``"pins"``), newest first."""
    table = mutes if kind == "mutes" else account_pins
    query = (
        select(table.c.id.label("row_id"), accounts)
        .join(accounts, accounts.c.id == table.c.target_account_id)
        .where(table.c.account_id == account_id)
    )
    rows = (await conn.execute(paged(query, table.c.id, page))).mappings().all()
    found = [(r["row_id"], AccountRow.from_row(r)) for r in rows]
    return in_display_order(found, page, key=lambda pair: pair[0])


# --- idempotency keys ------------------------------------------------------------------


async def status_for_key(
    conn: AsyncConnection, account_id: int, key: str, since: datetime
) -> int | None:
    """The status a post with this key made since ``since``, if any."""
    query = select(idempotency_keys.c.status_id).where(
        idempotency_keys.c.account_id == account_id,
        idempotency_keys.c.key == key,
        idempotency_keys.c.created_at >= since,
    )
    return (await conn.execute(query)).scalar()


async def remember_key(
    conn: AsyncConnection,
    account_id: int,
    key: str,
    status_id: int,
    now: datetime,
    since: datetime,
    *,
    replacing: int | None = None,
) -> None:
    """Keep ``key`` for the new status; the member's keys older than ``since`` go,
    and the key's row for ``replacing`` (a post since deleted). A row another
    request has just stored for the key stays: the insert then fails on the
    unique index, which is how concurrent requests with one key find out."""
    await conn.execute(
        delete(idempotency_keys).where(
            idempotency_keys.c.account_id == account_id,
            or_(
                idempotency_keys.c.created_at < since,
                and_(idempotency_keys.c.key == key, idempotency_keys.c.status_id == replacing),
            ),
        )
    )
    await conn.execute(
        insert(idempotency_keys).values(
            account_id=account_id, key=key, status_id=status_id, created_at=now
        )
    )


# --- direct-message conversations ------------------------------------------------------


async def direct_statuses(
    conn: AsyncConnection, account_id: int, limit: int, now: datetime
) -> list[StatusRow]:
    """The member's most recent direct posts: written by them or mentioning them,
    without those of accounts they exclude (blocks either way, mutes)."""
    mentioned = select(mentions.c.status_id).where(mentions.c.account_id == account_id)
    query = (
        select(statuses)
        .where(
            statuses.c.visibility == "direct",
            statuses.c.deleted_at.is_(None),
            or_(statuses.c.account_id == account_id, statuses.c.id.in_(mentioned)),
        )
        .order_by(statuses.c.id.desc())
        .limit(limit)
    )
    query = hide_excluded(query, Excluding(account_id, now))
    return [StatusRow.from_row(r) for r in (await conn.execute(query)).mappings().all()]


async def conversation_marks_of(
    conn: AsyncConnection, account_id: int
) -> dict[int, tuple[int, int]]:
    """conversation id -> (read up to, hidden up to)."""
    query = select(
        conversation_marks.c.conversation_id,
        conversation_marks.c.read_up_to,
        conversation_marks.c.hidden_up_to,
    ).where(conversation_marks.c.account_id == account_id)
    return {c: (r, h) for c, r, h in (await conn.execute(query)).all()}


async def mark_conversation(
    conn: AsyncConnection, account_id: int, conversation_id: int, **marks: int
) -> None:
    found = await conn.execute(
        update(conversation_marks)
        .where(
            conversation_marks.c.account_id == account_id,
            conversation_marks.c.conversation_id == conversation_id,
        )
        .values(**marks)
    )
    if found.rowcount == 0:
        await conn.execute(
            insert(conversation_marks).values(
                account_id=account_id, conversation_id=conversation_id, **marks
            )
        )
