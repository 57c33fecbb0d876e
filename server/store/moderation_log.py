"""The moderation log: one row per moderator action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.store.tables import accounts, moderation_log


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    account_id: int | None
    moderator: str | None  # the moderator's username; None for the command line
    action: str
    target: str
    text: str
    created_at: datetime


async def record(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(moderation_log).values(**values))


async def entries(
    conn: AsyncConnection, *, limit: int, max_id: int | None = None
) -> list[LogEntry]:
    """Newest first."""
    query = (
        select(moderation_log, accounts.c.username.label("moderator"))
        .outerjoin(accounts, accounts.c.id == moderation_log.c.account_id)
        .order_by(moderation_log.c.id.desc())
        .limit(limit)
    )
    if max_id is not None:
        query = query.where(moderation_log.c.id < max_id)
    rows = (await conn.execute(query)).mappings()
    return [LogEntry(**{name: row[name] for name in LogEntry.__slots__}) for row in rows]
